//! Signal handles: `ruv_signal_t`.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::{c_int, c_void};

/** A signal handle (libuv's `uv_signal_t`, 152 bytes, `signum` at 104). */
#[repr(C)]
pub struct ruv_signal_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** The callback given to `ruv_signal_start` (read-only; spelled out
     *  here because the typedef needs this struct first). */
    pub signal_cb: Option<unsafe extern "C" fn(handle: *mut ruv_signal_s, signum: c_int)>,
    /** The signal watched, 0 while stopped (read-only). */
    pub signum: c_int,
    pub(crate) reserved: [u32; 11],
}
pub type ruv_signal_t = ruv_signal_s;

/** Called on the loop's thread, once per delivery of `signum`. */
pub type ruv_signal_cb = Option<unsafe extern "C" fn(handle: *mut ruv_signal_s, signum: c_int)>;
