//! File-system events: `ruv_fs_event_init`, `start`, `stop`, `getpath`.

use super::{call, init, out_buffer};
use crate::abi::*;
use crate::event_loop::LoopInner;
use std::ffi::{CStr, c_char, c_int, c_uint};

/** Initialises a file-system event handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_fs_event_t`. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_event_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_fs_event_t) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.fs_event_init(h)) }
}

/** Watches `path` (copied; a file, or a directory and its entries) and
 *  calls `cb` for each change. `flags` (`RUV_FS_EVENT_*`) change nothing on
 *  Linux, as in libuv. RUV_EINVAL for NULL arguments or a started or closing
 *  handle; the kernel's error for a path that cannot be watched
 *  (RUV_ENOENT, ...).
 *
 *  # Safety
 *  As `ruv_fs_event_init`; `path` is NULL or a NUL-terminated string. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_event_start(
    handle: *mut ruv_fs_event_t,
    cb: ruv_fs_event_cb,
    path: *const c_char,
    flags: c_uint,
) -> c_int {
    if path.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: a NUL-terminated string (the caller's contract).
    let path = unsafe { CStr::from_ptr(path) };
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.fs_event_start(h, cb, path, flags)) }
}

/** Stops watching; stopping a stopped handle is fine.
 *
 *  # Safety
 *  As `ruv_fs_event_init`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_event_stop(handle: *mut ruv_fs_event_t) -> c_int {
    // SAFETY: validated before use.
    unsafe {
        call(handle, |lp, h| {
            lp.fs_event_stop(h);
            Ok(())
        })
    }
}

/** The watched path into `buffer` (`*size` bytes): 0 and `*size` set to its
 *  length, RUV_ENOBUFS and `*size` set to the size needed, RUV_EINVAL if the
 *  handle is not started or an argument is NULL.
 *
 *  # Safety
 *  As `ruv_fs_event_init`; `buffer` has `*size` writable bytes. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_event_getpath(
    handle: *mut ruv_fs_event_t,
    buffer: *mut c_char,
    size: *mut usize,
) -> c_int {
    // SAFETY: the caller's contract: `*size` writable bytes at `buffer`.
    let Some((buf, size)) = (unsafe { out_buffer(buffer, size) }) else { return RUV_EINVAL };
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::fs_event_getpath(h, buf, size)) }
}
