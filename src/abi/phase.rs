//! Idle, prepare and check handles: `ruv_idle_t`, `ruv_prepare_t`, `ruv_check_t`.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::c_void;

/** An idle handle (libuv's `uv_idle_t`, 120 bytes). */
#[repr(C)]
pub struct ruv_idle_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_idle_t = ruv_idle_s;
pub type ruv_idle_cb = Option<unsafe extern "C" fn(handle: *mut ruv_idle_t)>;

/** A prepare handle (libuv's `uv_prepare_t`, 120 bytes). */
#[repr(C)]
pub struct ruv_prepare_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_prepare_t = ruv_prepare_s;
pub type ruv_prepare_cb = Option<unsafe extern "C" fn(handle: *mut ruv_prepare_t)>;

/** A check handle (libuv's `uv_check_t`, 120 bytes). */
#[repr(C)]
pub struct ruv_check_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_check_t = ruv_check_s;
pub type ruv_check_cb = Option<unsafe extern "C" fn(handle: *mut ruv_check_t)>;
