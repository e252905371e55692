//! Async handles: `ruv_async_init` and the thread-safe `ruv_async_send`.

use super::{init, status};
use crate::abi::*;
use std::ffi::c_int;

/** Initialises an async handle and starts it (it is active at once and keeps
 *  the loop alive until closed or unreferenced). `async_cb` may be NULL. Call
 *  it on the loop's thread, like every function but `ruv_async_send`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `async` a `ruv_async_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_async_init(
    r#loop: *mut ruv_loop_t,
    r#async: *mut ruv_async_t,
    async_cb: ruv_async_cb,
) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // async handle, ruv's until its close callback.
    unsafe { init(r#loop, r#async, |lp, h| lp.async_init(h.cast(), async_cb)) }
}

/** Wakes the handle's loop, which then calls the handle's callback. Safe to
 *  call from any thread (and from a signal handler). Sends that arrive before
 *  the callback runs are coalesced into one call. RUV_EBADF once the handle
 *  is closing; RUV_EINVAL for a struct that is not an async handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `async` a
 *  `ruv_async_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_async_send(r#async: *mut ruv_async_t) -> c_int {
    // SAFETY: `send` checks the struct before using it.
    status(unsafe { crate::async_handle::send(r#async) })
}
