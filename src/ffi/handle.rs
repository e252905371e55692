//! What every handle has in common: `ruv_close`, ref counting and the small
//! accessors.

use super::{CLOSED, Misuse, NULL_ARG, call, call_void, checked, report};
use crate::abi::*;
use crate::event_loop::LoopInner;
use std::ffi::{CStr, c_char, c_int, c_void};

/** Closes a handle: stops it at once and calls `close_cb` (which may be NULL)
 *  from the loop on a later phase, never from inside `ruv_close`. Pending
 *  callbacks of the handle do not run after this. The memory may be freed in
 *  `close_cb` or after it. Closing twice, or closing a handle that was never
 *  initialised, prints one line to stderr and does nothing.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_close(handle: *mut ruv_handle_t, close_cb: ruv_close_cb) {
    const F: &str = "ruv_close";
    // SAFETY: validated before use; `close` calls back from the loop later.
    unsafe {
        call_void(F, handle, |lp, h| {
            if lp.close(h, close_cb).is_err() {
                report(F, Misuse { code: RUV_EINVAL, what: "handle is already closing" });
            }
        })
    }
}

/// The answer of a yes/no query on something that is not a live handle: no.
/// A closed handle is a normal thing to ask about; anything else is misuse
/// and gets the one stderr line.
fn not_a_handle(function: &str, m: Misuse) -> c_int {
    if m != CLOSED {
        report(function, m);
    }
    0
}

/** Non-zero if the handle is active: a started timer, idle, prepare, check or
 *  poll handle, a reading or listening stream, or an async handle. Closing
 *  handles are not active.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_active(handle: *const ruv_handle_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { checked(handle) } {
        Ok((_, h)) => h.is_active() as c_int,
        Err(m) => not_a_handle("ruv_is_active", m),
    }
}

/** Non-zero if `ruv_close` was called on the handle (also after its close
 *  callback has run).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_closing(handle: *const ruv_handle_t) -> c_int {
    // SAFETY: validated; the marker is read from the handle's own memory.
    match unsafe { checked(handle) } {
        Ok((_, h)) => h.is_closing() as c_int,
        Err(m) => (m == CLOSED) as c_int,
    }
}

/** Makes an active handle keep the loop alive again (the default). Idempotent.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ref(handle: *mut ruv_handle_t) {
    // SAFETY: validated before use.
    unsafe { call_void("ruv_ref", handle, |lp, h| lp.set_ref(h, true)) }
}

/** Stops an active handle from keeping the loop alive. Idempotent.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_unref(handle: *mut ruv_handle_t) {
    // SAFETY: validated before use.
    unsafe { call_void("ruv_unref", handle, |lp, h| lp.set_ref(h, false)) }
}

/** Non-zero if the handle is referenced.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_has_ref(handle: *const ruv_handle_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { checked(handle) } {
        Ok((_, h)) => h.has_ref() as c_int,
        Err(m) => not_a_handle("ruv_has_ref", m),
    }
}

/** The size of a handle struct of `type`, as libuv's on Linux x86-64;
 *  `(size_t)-1` for an unknown type. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_handle_size(r#type: ruv_handle_type) -> usize {
    match r#type {
        RUV_ASYNC => 128,
        RUV_CHECK | RUV_IDLE | RUV_PREPARE => 120,
        RUV_FS_EVENT | RUV_PROCESS => 136,
        RUV_FS_POLL => 104,
        RUV_HANDLE => 96,
        RUV_NAMED_PIPE => 264,
        RUV_POLL => 160,
        RUV_STREAM | RUV_TCP => 248,
        RUV_TIMER | RUV_SIGNAL => 152,
        RUV_TTY => 312,
        RUV_UDP => 216,
        _ => usize::MAX,
    }
}

/** The handle's type (`handle->type`).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_handle_get_type(handle: *const ruv_handle_t) -> ruv_handle_type {
    if handle.is_null() {
        report("ruv_handle_get_type", NULL_ARG);
        return RUV_UNKNOWN_HANDLE;
    }
    // SAFETY: non-null; a plain int field.
    unsafe { (*handle).r#type }
}

/** The name of a handle type ("timer", "tcp", ..., "file"), or NULL for an unknown one.
 *  The string is static. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_handle_type_name(r#type: ruv_handle_type) -> *const c_char {
    let name: &CStr = match r#type {
        RUV_ASYNC => c"async",
        RUV_CHECK => c"check",
        RUV_FS_EVENT => c"fs_event",
        RUV_FS_POLL => c"fs_poll",
        RUV_HANDLE => c"handle",
        RUV_IDLE => c"idle",
        RUV_NAMED_PIPE => c"pipe",
        RUV_POLL => c"poll",
        RUV_PREPARE => c"prepare",
        RUV_PROCESS => c"process",
        RUV_STREAM => c"stream",
        RUV_TCP => c"tcp",
        RUV_TIMER => c"timer",
        RUV_TTY => c"tty",
        RUV_UDP => c"udp",
        RUV_SIGNAL => c"signal",
        RUV_FILE => c"file",
        _ => return std::ptr::null(),
    };
    name.as_ptr()
}

/** `handle->data`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_handle_get_data(handle: *const ruv_handle_t) -> *mut c_void {
    if handle.is_null() {
        report("ruv_handle_get_data", NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: non-null.
    unsafe { (*handle).data }
}

/** Sets `handle->data`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_handle_set_data(handle: *mut ruv_handle_t, data: *mut c_void) {
    if handle.is_null() {
        report("ruv_handle_set_data", NULL_ARG);
        return;
    }
    // SAFETY: non-null.
    unsafe { (*handle).data = data };
}

/** `handle->loop`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_handle_get_loop(handle: *const ruv_handle_t) -> *mut ruv_loop_t {
    if handle.is_null() {
        report("ruv_handle_get_loop", NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: non-null.
    unsafe { (*handle).r#loop }
}

/** Stores the handle's file descriptor in `*fd`. RUV_EINVAL for handles
 *  without one (timers, idle, ...) or a NULL argument, RUV_EBADF for a
 *  closing or closed handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_handle_t` and `fd` a `ruv_os_fd_t`. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fileno(handle: *const ruv_handle_t, fd: *mut ruv_os_fd_t) -> c_int {
    if fd.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use; `fd` is non-NULL and the caller's.
    unsafe { call(handle, |_, h| LoopInner::fileno(h).map(|v| *fd = v)) }
}
