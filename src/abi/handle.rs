//! What every handle starts with: `ruv_handle_t`, the handle types, and the
//! callbacks every handle shares.

use super::event_loop::ruv_loop_t;
use std::ffi::{c_int, c_void};

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
/// state (see `crate::handle`). C code never reads it.
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
    /// A kind's own small state (a timer's: stopped, on the wheel, due).
    pub(crate) substate: u8,
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
/** A file descriptor as the C runtime numbers it, as libuv's `uv_file`. */
pub type ruv_file = c_int;

/// `ruv_close`'s callback; the handle's memory may be freed from inside it.
pub type ruv_close_cb = Option<unsafe extern "C" fn(handle: *mut ruv_handle_t)>;
/// `ruv_walk`'s callback.
pub type ruv_walk_cb = Option<unsafe extern "C" fn(handle: *mut ruv_handle_t, arg: *mut c_void)>;

/// `ruv_handle_private_t::state` of an initialised handle.
pub(crate) const HANDLE_LIVE: u32 = 0x5275_7631;
/// `ruv_handle_private_t::state` once the close callback has run.
pub(crate) const HANDLE_CLOSED: u32 = 0x5275_7630;
