//! Stat polling: `ruv_fs_poll_init`, `start`, `stop`, `getpath`.

use super::{call, init, out_buffer};
use crate::abi::*;
use crate::event_loop::LoopInner;
use std::ffi::{CStr, c_char, c_int, c_uint};

/** Initialises a stat-polling handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_fs_poll_t`. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_poll_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_fs_poll_t) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.fs_poll_init(h)) }
}

/** Stats `path` (copied) every `interval` ms on the thread pool and calls
 *  `poll_cb` when its status changes or a stat fails (once per failure).
 *  Starting a started handle does nothing. RUV_EINVAL for NULL arguments or
 *  a closing handle.
 *
 *  # Safety
 *  As `ruv_fs_poll_init`; `path` is NULL or a NUL-terminated string. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_poll_start(
    handle: *mut ruv_fs_poll_t,
    poll_cb: ruv_fs_poll_cb,
    path: *const c_char,
    interval: c_uint,
) -> c_int {
    if path.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: a NUL-terminated string (the caller's contract).
    let path = unsafe { CStr::from_ptr(path) };
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.fs_poll_start(h, poll_cb, path, interval)) }
}

/** Stops polling; stopping a stopped handle is fine.
 *
 *  # Safety
 *  As `ruv_fs_poll_init`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_poll_stop(handle: *mut ruv_fs_poll_t) -> c_int {
    // SAFETY: validated before use.
    unsafe {
        call(handle, |lp, h| {
            lp.fs_poll_stop(h);
            Ok(())
        })
    }
}

/** The polled path into `buffer` (`*size` bytes): 0 and `*size` set to its
 *  length, RUV_ENOBUFS and `*size` set to the size needed, RUV_EINVAL if the
 *  handle is not started or an argument is NULL.
 *
 *  # Safety
 *  As `ruv_fs_poll_init`; `buffer` has `*size` writable bytes. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_poll_getpath(
    handle: *mut ruv_fs_poll_t,
    buffer: *mut c_char,
    size: *mut usize,
) -> c_int {
    // SAFETY: the caller's contract: `*size` writable bytes at `buffer`.
    let Some((buf, size)) = (unsafe { out_buffer(buffer, size) }) else { return RUV_EINVAL };
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::fs_poll_getpath(h, buf, size)) }
}
