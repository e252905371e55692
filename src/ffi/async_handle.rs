//! Async handles: `ruv_async_t`, `ruv_async_init` and the thread-safe
//! `ruv_async_send`.

use super::{handle_cb, init_target};
use crate::ffi::event_loop::ruv_loop_t;
use crate::ffi::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::{c_int, c_void};

/// Private to ruv: what `ruv_async_send` touches from other threads.
#[repr(C)]
pub struct ruv_async_private_t {
    pub(crate) pending: u32,
    pub(crate) in_flight: u32,
    pub(crate) waker: *const c_void,
    pub(crate) reserved: [*mut c_void; 2],
}

/** An async handle (libuv's `uv_async_t`, 128 bytes): wakes its loop from any
 *  thread. */
#[repr(C)]
pub struct ruv_async_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) internal_async: ruv_async_private_t,
}
pub type ruv_async_t = ruv_async_s;

/** Called on the loop's thread after one or more `ruv_async_send`. */
pub type ruv_async_cb = Option<unsafe extern "C" fn(handle: *mut ruv_async_t)>;

/** Initialises an async handle and starts it (it is active at once and keeps
 *  the loop alive until closed or unreferenced). `async_cb` may be NULL. Call
 *  it on the loop's thread, like every function but `ruv_async_send`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_async_init(
    r#loop: *mut ruv_loop_t,
    r#async: *mut ruv_async_t,
    async_cb: ruv_async_cb,
) -> c_int {
    // SAFETY: `init_target` validates both pointers.
    match unsafe { init_target(r#loop, r#async.cast()) } {
        Ok(lp) => {
            unsafe { (*lp).async_init(r#async, handle_cb(async_cb)) };
            0
        }
        Err(e) => e,
    }
}

/** Wakes the handle's loop, which then calls the handle's callback. Safe to
 *  call from any thread (and from a signal handler). Sends that arrive before
 *  the callback runs are coalesced into one call. RUV_EBADF once the handle
 *  is closing; RUV_EINVAL for a struct that is not an async handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_async_send(r#async: *mut ruv_async_t) -> c_int {
    // SAFETY: `send` checks the struct before using it.
    unsafe { crate::wakeup::send(r#async) }
}
