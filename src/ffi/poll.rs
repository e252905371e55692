//! Poll handles: readiness of a caller's descriptor (`ruv_poll_*`).
//!
//! The caller keeps ownership of the descriptor: ruv makes it non-blocking
//! and watches it, but never reads, writes or closes it.

use super::{call, init};
use crate::abi::*;
use std::ffi::c_int;

/** Initialises a poll handle for descriptor `fd`, which is made non-blocking.
 *  The descriptor may be one a stream of the loop holds (while that stream
 *  is not reading, as libuv asks). RUV_EEXIST if a started poll handle of
 *  the loop has `fd`; RUV_EPERM for a descriptor epoll cannot watch (a
 *  regular file); RUV_EBADF for a bad one.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_poll_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_poll_t, fd: c_int) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's poll
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.poll_init(h, fd)) }
}

/** Like `ruv_poll_init`, for a socket (the same on Unix).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_poll_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_init_socket(
    r#loop: *mut ruv_loop_t,
    handle: *mut ruv_poll_t,
    socket: ruv_os_sock_t,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { ruv_poll_init(r#loop, handle, socket) }
}

/** Watches for `events` (RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT |
 *  RUV_PRIORITIZED), replacing what was watched before; `cb` runs on every
 *  iteration while one of them holds. `events` 0 stops the handle.
 *  RUV_EINVAL for other bits, a NULL `cb` or a closing handle; RUV_EEXIST if
 *  another started handle watches the same descriptor; a negative errno if
 *  epoll refuses the descriptor (the handle is stopped then).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_poll_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_start(handle: *mut ruv_poll_t, events: c_int, cb: ruv_poll_cb) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.poll_start(h, events, cb)) }
}

/** Stops watching; the descriptor is left as it is.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_poll_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_stop(handle: *mut ruv_poll_t) -> c_int {
    // SAFETY: validated before use.
    unsafe {
        call(handle, |lp, h| {
            lp.poll_stop(h);
            Ok(())
        })
    }
}
