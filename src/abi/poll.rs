//! Poll handles: `ruv_poll_t` and the events it watches.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::{c_int, c_void};

pub const RUV_READABLE: c_int = 1;
pub const RUV_WRITABLE: c_int = 2;
pub const RUV_DISCONNECT: c_int = 4;
pub const RUV_PRIORITIZED: c_int = 8;

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
pub type ruv_poll_cb = Option<unsafe extern "C" fn(handle: *mut ruv_poll_t, status: c_int, events: c_int)>;
