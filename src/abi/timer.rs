//! Timers: `ruv_timer_t`.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::c_void;

/** A timer (libuv's `uv_timer_t`, 152 bytes). */
#[repr(C)]
pub struct ruv_timer_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 7],
}
pub type ruv_timer_t = ruv_timer_s;

/** Called when the timer is due. */
pub type ruv_timer_cb = Option<unsafe extern "C" fn(handle: *mut ruv_timer_t)>;
