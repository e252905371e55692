//! Async handles: `ruv_async_t`.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::c_void;

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
