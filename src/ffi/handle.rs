//! What every handle has in common: the `ruv_handle_t` head, handle types,
//! `ruv_close`, ref counting and the small accessors.

use super::{handle_ref, report, status, NULL_ARG};
use crate::error::RUV_EINVAL;
use crate::event_loop::LoopInner;
use crate::ffi::event_loop::ruv_loop_t;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicU32, Ordering};

/// libuv's `uv_handle_type`: which kind of handle a struct is.
pub type ruv_handle_type = c_int;
pub const RUV_UNKNOWN_HANDLE: ruv_handle_type = 0;
pub const RUV_ASYNC: ruv_handle_type = 1;
pub const RUV_CHECK: ruv_handle_type = 2;
pub const RUV_FS_EVENT: ruv_handle_type = 3;
pub const RUV_FS_POLL: ruv_handle_type = 4;
pub const RUV_HANDLE: ruv_handle_type = 5;
pub const RUV_IDLE: ruv_handle_type = 6;
pub const RUV_NAMED_PIPE: ruv_handle_type = 7;
pub const RUV_POLL: ruv_handle_type = 8;
pub const RUV_PREPARE: ruv_handle_type = 9;
pub const RUV_PROCESS: ruv_handle_type = 10;
pub const RUV_STREAM: ruv_handle_type = 11;
pub const RUV_TCP: ruv_handle_type = 12;
pub const RUV_TIMER: ruv_handle_type = 13;
pub const RUV_TTY: ruv_handle_type = 14;
pub const RUV_UDP: ruv_handle_type = 15;
pub const RUV_SIGNAL: ruv_handle_type = 16;
pub const RUV_FILE: ruv_handle_type = 17;
pub const RUV_HANDLE_TYPE_MAX: ruv_handle_type = 18;

/// Private to ruv: where the handle's registry entry is, and the handle's own
/// state (see `handle_state`). C code never reads it.
#[repr(C)]
pub struct ruv_handle_private_t {
    pub(crate) key: u32,
    pub(crate) generation: u32,
    /// The struct's own address while it is initialised: a copied or moved
    /// struct does not match it.
    pub(crate) owner: *mut c_void,
    /// `HANDLE_LIVE` from init until the close callback, then `HANDLE_CLOSED`.
    pub(crate) state: u32,
    pub(crate) flags: u16,
    pub(crate) kind: u8,
    pub(crate) spare: u8,
    pub(crate) fields: [u64; 6],
}

/** The fields every handle starts with (libuv's `uv_handle_t`, 96 bytes).
 *  `data` is the caller's; `loop` and `type` are set by the init function. */
#[repr(C)]
pub struct ruv_handle_s {
    /** The caller's pointer; ruv never touches it. */
    pub data: *mut c_void,
    /** The loop the handle was initialised on (read-only). */
    pub r#loop: *mut ruv_loop_t,
    /** The handle's type (read-only). */
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
}
pub type ruv_handle_t = ruv_handle_s;

/** A platform file descriptor (`int` on Unix), as libuv's `uv_os_fd_t`. */
pub type ruv_os_fd_t = c_int;
/** A platform socket (`int` on Unix), as libuv's `uv_os_sock_t`. */
pub type ruv_os_sock_t = c_int;

/// `ruv_close`'s callback; the handle's memory may be freed from inside it.
pub type ruv_close_cb = Option<unsafe extern "C" fn(handle: *mut ruv_handle_t)>;
/// `ruv_walk`'s callback.
pub type ruv_walk_cb = Option<unsafe extern "C" fn(handle: *mut ruv_handle_t, arg: *mut c_void)>;

pub(crate) const HANDLE_LIVE: u32 = 0x5275_7631;
pub(crate) const HANDLE_CLOSED: u32 = 0x5275_7630;

/// The life-cycle marker, read atomically: `ruv_async_send` reads it from
/// other threads.
pub(crate) unsafe fn state(h: *mut ruv_handle_t) -> u32 {
    // SAFETY: the field is 4-aligned inside the caller's handle.
    unsafe { AtomicU32::from_ptr(&raw mut (*h).internal.state) }.load(Ordering::Acquire)
}

pub(crate) unsafe fn set_state(h: *mut ruv_handle_t, value: u32) {
    // SAFETY: as in `state`.
    unsafe { AtomicU32::from_ptr(&raw mut (*h).internal.state) }.store(value, Ordering::Release)
}

/// Marks a handle registered under `key`/`generation` on loop `l` (its init
/// function's last step): referenced, not active, fields zeroed. `data` is
/// left as the caller set it.
pub(crate) unsafe fn mark_live(
    h: *mut ruv_handle_t,
    l: *mut ruv_loop_t,
    ty: ruv_handle_type,
    kind: crate::handle_state::Kind,
    key: u32,
    generation: u32,
) {
    // SAFETY: the caller passes its handle struct, whose private part ruv
    // owns from now until the close callback.
    unsafe {
        (*h).r#loop = l;
        (*h).r#type = ty;
        (*h).internal.key = key;
        (*h).internal.generation = generation;
        (*h).internal.owner = h.cast();
        (*h).internal.flags = crate::handle_state::REF;
        (*h).internal.kind = kind as u8;
        (*h).internal.spare = 0;
        (*h).internal.fields = [0; 6];
        set_state(h, HANDLE_LIVE);
    }
}

/// Looks a handle up for a `void` function, printing the misuse line if it
/// cannot be used.
unsafe fn handle_or_report(function: &str, h: *mut ruv_handle_t) -> Option<super::HandleRef> {
    // SAFETY: forwarded.
    match unsafe { handle_ref(h) } {
        Ok(r) => Some(r),
        Err(m) => {
            report(function, m);
            None
        }
    }
}

/** Closes a handle: stops it at once and calls `close_cb` (which may be NULL)
 *  from the loop on a later phase, never from inside `ruv_close`. Pending
 *  callbacks of the handle do not run after this. The memory may be freed in
 *  `close_cb` or after it. Closing twice, or closing a handle that was never
 *  initialised, prints one line to stderr and does nothing. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_close(handle: *mut ruv_handle_t, close_cb: ruv_close_cb) {
    const F: &str = "ruv_close";
    // SAFETY: validated before use.
    let Some(r) = (unsafe { handle_or_report(F, handle) }) else { return };
    // SAFETY: `r.lp` is a live loop; no callback runs inside `close`.
    if let Err(m) = unsafe { LoopInner::close(r.lp, r.h, r.key, close_cb) } {
        report(F, m);
    }
}

/// The answer of a yes/no query on something that is not a live handle: no.
/// A closed handle is a normal thing to ask about; anything else is misuse
/// and gets the one stderr line.
fn not_a_handle(function: &str, m: super::Misuse) -> c_int {
    if m != super::CLOSED {
        report(function, m);
    }
    0
}

/** Non-zero if the handle is active: a started timer, idle, prepare, check or
 *  poll handle, or an async handle. Closing handles are not active. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_active(handle: *const ruv_handle_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { handle_ref(handle.cast_mut()) } {
        Ok(r) => unsafe { LoopInner::is_active(r.h) as c_int },
        Err(m) => not_a_handle("ruv_is_active", m),
    }
}

/** Non-zero if `ruv_close` was called on the handle (also after its close
 *  callback has run). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_closing(handle: *const ruv_handle_t) -> c_int {
    let h = handle.cast_mut();
    // SAFETY: validated; the marker is read from the handle's own memory.
    match unsafe { handle_ref(h) } {
        Ok(r) => unsafe { LoopInner::is_closing(r.h) as c_int },
        Err(m) => (m == super::CLOSED) as c_int,
    }
}

/** Makes an active handle keep the loop alive again (the default). Idempotent. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ref(handle: *mut ruv_handle_t) {
    // SAFETY: validated before use.
    if let Some(r) = unsafe { handle_or_report("ruv_ref", handle) } {
        unsafe { (*r.lp).set_ref(r.h, true) };
    }
}

/** Stops an active handle from keeping the loop alive. Idempotent. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_unref(handle: *mut ruv_handle_t) {
    // SAFETY: validated before use.
    if let Some(r) = unsafe { handle_or_report("ruv_unref", handle) } {
        unsafe { (*r.lp).set_ref(r.h, false) };
    }
}

/** Non-zero if the handle is referenced. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_has_ref(handle: *const ruv_handle_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { handle_ref(handle.cast_mut()) } {
        Ok(r) => unsafe { LoopInner::has_ref(r.h) as c_int },
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

/** The handle's type (`handle->type`). */
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

/** `handle->data`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_handle_get_data(handle: *const ruv_handle_t) -> *mut c_void {
    if handle.is_null() {
        report("ruv_handle_get_data", NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: non-null.
    unsafe { (*handle).data }
}

/** Sets `handle->data`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_handle_set_data(handle: *mut ruv_handle_t, data: *mut c_void) {
    if handle.is_null() {
        report("ruv_handle_set_data", NULL_ARG);
        return;
    }
    // SAFETY: non-null.
    unsafe { (*handle).data = data };
}

/** `handle->loop`. */
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
 *  closing or closed handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fileno(handle: *const ruv_handle_t, fd: *mut ruv_os_fd_t) -> c_int {
    if fd.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use.
    let r = match unsafe { handle_ref(handle.cast_mut()) } {
        Ok(r) => r,
        Err(m) => return m.code,
    };
    // SAFETY: `r.lp` is live; `fd` non-null.
    status(unsafe { LoopInner::fileno(r.h) }.map(|v| unsafe { *fd = v }))
}
