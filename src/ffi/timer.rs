//! Timers: `ruv_timer_*`.

use super::{call, init, query};
use crate::abi::*;
use crate::event_loop::LoopInner;
use crate::handle::Kind;
use std::ffi::c_int;

/** Initialises a timer on `loop`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_timer_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_timer_t) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // timer, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.register(h, RUV_TIMER, Kind::Timer).map(drop)) }
}

/** Starts the timer: `cb` runs `timeout` ms after the loop's cached time
 *  (`ruv_now`), then every `repeat` ms if `repeat` is not 0. Restarts an
 *  active timer. Timers due at the same time run in the order they were
 *  started. RUV_EINVAL for a NULL `cb` or a closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_timer_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_start(
    handle: *mut ruv_timer_t,
    cb: ruv_timer_cb,
    timeout: u64,
    repeat: u64,
) -> c_int {
    if cb.is_none() {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.timer_start(h, cb, timeout, repeat)) }
}

/** Stops the timer; its callback will not run. Stopping a stopped timer is
 *  fine.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_timer_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_stop(handle: *mut ruv_timer_t) -> c_int {
    // SAFETY: validated before use.
    unsafe {
        call(handle, |lp, h| {
            lp.timer_stop(h);
            Ok(())
        })
    }
}

/** Restarts a repeating timer with its repeat value as the timeout. Does
 *  nothing if the repeat is 0. RUV_EINVAL if the timer was never started.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_timer_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_again(handle: *mut ruv_timer_t) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.timer_again(h)) }
}

/** Sets the repeat interval in ms; it takes effect at the next expiry or
 *  `ruv_timer_again`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_timer_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_set_repeat(handle: *mut ruv_timer_t, repeat: u64) {
    // SAFETY: validated before use.
    unsafe { query("ruv_timer_set_repeat", handle, (), |_, h| LoopInner::timer_set_repeat(h, repeat)) }
}

/** The repeat interval in ms.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_timer_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_get_repeat(handle: *const ruv_timer_t) -> u64 {
    // SAFETY: validated before use.
    unsafe { query("ruv_timer_get_repeat", handle, 0, |_, h| LoopInner::timer_get_repeat(h)) }
}

/** Milliseconds until the timer is due, relative to `ruv_now`; 0 if that
 *  time has passed.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_timer_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_get_due_in(handle: *const ruv_timer_t) -> u64 {
    // SAFETY: validated before use.
    unsafe { query("ruv_timer_get_due_in", handle, 0, |lp, h| lp.timer_get_due_in(h)) }
}
