//! File-system events: `ruv_fs_event_t`.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::{c_char, c_int, c_void};

/** `ruv_fs_event_cb`'s events: a name appeared, disappeared or was renamed
 *  (RUV_RENAME), or a file's data or attributes changed (RUV_CHANGE). */
pub const RUV_RENAME: c_int = 1;
pub const RUV_CHANGE: c_int = 2;
/** `ruv_fs_event_start` flags (libuv's; on Linux none changes anything:
 *  RECURSIVE is not supported there, as in libuv). */
pub const RUV_FS_EVENT_WATCH_ENTRY: c_int = 1;
pub const RUV_FS_EVENT_STAT: c_int = 2;
pub const RUV_FS_EVENT_RECURSIVE: c_int = 4;

/** A file-system event handle (libuv's `uv_fs_event_t`, 136 bytes). */
#[repr(C)]
pub struct ruv_fs_event_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** The watched path, ruv's copy while started (read-only). */
    pub path: *mut c_char,
    pub(crate) reserved: [*mut c_void; 4],
}
pub type ruv_fs_event_t = ruv_fs_event_s;

/** Called with the name that changed (relative to a watched directory, or
 *  the watched file's own name), the `RUV_RENAME`/`RUV_CHANGE` events, and
 *  `status` 0 (or an error). */
pub type ruv_fs_event_cb =
    Option<unsafe extern "C" fn(handle: *mut ruv_fs_event_s, filename: *const c_char, events: c_int, status: c_int)>;
