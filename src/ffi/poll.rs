//! Poll handles: readiness of a caller's descriptor (`ruv_poll_*`).
//!
//! The caller keeps ownership of the descriptor: ruv makes it non-blocking
//! and watches it, but never reads, writes or closes it.

use super::{init_target, status, typed_ref};
use crate::ffi::event_loop::ruv_loop_t;
use crate::ffi::handle::{ruv_handle_private_t, ruv_handle_t, ruv_handle_type};
use crate::handle_state::Kind;
use crate::poll::PollCb;
use std::ffi::{c_int, c_void};

pub use crate::poll::{RUV_DISCONNECT, RUV_PRIORITIZED, RUV_READABLE, RUV_WRITABLE};

/** A poll handle (libuv's `uv_poll_t`, 160 bytes). */
#[repr(C)]
pub struct ruv_poll_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 8],
}
pub type ruv_poll_t = ruv_poll_s;

/** Called with `status` 0 and the `RUV_*` events that are ready, or with
 *  RUV_EBADF (and events 0) when the descriptor reports an error; the handle
 *  is stopped then. */
pub type ruv_poll_cb =
    Option<unsafe extern "C" fn(handle: *mut ruv_poll_t, status: c_int, events: c_int)>;

/** Initialises a poll handle for descriptor `fd`, which is made non-blocking.
 *  RUV_EEXIST if a started poll handle of the loop has `fd`; RUV_EPERM for a
 *  descriptor epoll cannot watch (a regular file); RUV_EBADF for a bad one. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_poll_t, fd: c_int) -> c_int {
    let h: *mut ruv_handle_t = handle.cast();
    // SAFETY: `init_target` validates both pointers.
    match unsafe { init_target(r#loop, h) } {
        Ok(lp) => status(unsafe { (*lp).poll_init(h, fd) }),
        Err(e) => e,
    }
}

/** Like `ruv_poll_init`, for a socket (the same on Unix). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_init_socket(
    r#loop: *mut ruv_loop_t,
    handle: *mut ruv_poll_t,
    socket: crate::ffi::handle::ruv_os_sock_t,
) -> c_int {
    unsafe { ruv_poll_init(r#loop, handle, socket) }
}

/** Watches for `events` (RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT |
 *  RUV_PRIORITIZED), replacing what was watched before; `cb` runs on every
 *  iteration while one of them holds. `events` 0 stops the handle.
 *  RUV_EINVAL for other bits, a NULL `cb` or a closing handle; RUV_EEXIST if
 *  another started handle watches the same descriptor; a negative errno if
 *  epoll refuses the descriptor (the handle is stopped then). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_start(handle: *mut ruv_poll_t, events: c_int, cb: ruv_poll_cb) -> c_int {
    // SAFETY: validated before use; the typed callback differs from `PollCb`
    // only in the pointee of its first argument.
    match unsafe { typed_ref(handle.cast(), Kind::Poll) } {
        Ok(r) => {
            let cb = cb.map(|f| unsafe {
                std::mem::transmute::<unsafe extern "C" fn(*mut ruv_poll_t, c_int, c_int), PollCb>(f)
            });
            status(unsafe { (*r.lp).poll_start(r.h, r.key, events, cb) })
        }
        Err(m) => m.code,
    }
}

/** Stops watching; the descriptor is left as it is. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_poll_stop(handle: *mut ruv_poll_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { typed_ref(handle.cast(), Kind::Poll) } {
        Ok(r) => {
            unsafe { (*r.lp).poll_stop(r.h) };
            0
        }
        Err(m) => m.code,
    }
}
