//! Signal handles: `ruv_signal_init`, `start`, `start_oneshot`, `stop`.

use super::{call, init};
use crate::abi::*;
use std::ffi::c_int;

/** Initialises a signal handle (stopped; `signum` 0).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_signal_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_signal_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_signal_t) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.signal_init(h)) }
}

/** Calls `signal_cb` on the loop's thread, once per delivery of `signum`,
 *  until stopped. Every handle watching a signal gets each delivery, on any
 *  loop; ruv's handler replaces the signal's disposition while any handle
 *  watches it and puts the previous one back after the last stops. Started
 *  again on the same signal: the callback is replaced; on another: moved.
 *  RUV_EINVAL for signal 0, a signal out of range, SIGKILL or SIGSTOP, a
 *  NULL callback or a closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_signal_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_signal_start(handle: *mut ruv_signal_t, signal_cb: ruv_signal_cb, signum: c_int) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.signal_start(h, signal_cb, signum, false)) }
}

/** `ruv_signal_start` for one delivery: the handle is stopped before its
 *  callback runs (which may start it again).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_signal_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_signal_start_oneshot(
    handle: *mut ruv_signal_t,
    signal_cb: ruv_signal_cb,
    signum: c_int,
) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.signal_start(h, signal_cb, signum, true)) }
}

/** Stops watching; `signum` reads 0. Stopping a stopped handle does
 *  nothing.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_signal_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_signal_stop(handle: *mut ruv_signal_t) -> c_int {
    // SAFETY: validated before use.
    unsafe {
        call(handle, |lp, h| {
            lp.signal_stop(h);
            Ok(())
        })
    }
}
