//! Stat polling: `ruv_fs_poll_t`.

use super::event_loop::ruv_loop_t;
use super::fs::ruv_stat_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use std::ffi::{c_int, c_void};

/** A stat-polling handle (libuv's `uv_fs_poll_t`, 104 bytes). */
#[repr(C)]
pub struct ruv_fs_poll_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) poll_ctx: *mut c_void,
}
pub type ruv_fs_poll_t = ruv_fs_poll_s;

/** Called when the polled path's status changed (`status` 0; `prev` and
 *  `curr` the statuses before and after) or a stat failed (`status` < 0,
 *  e.g. RUV_ENOENT; `prev` the last status seen, `curr` zeroed). A failure
 *  is reported once, until the path can be stat'ed again. */
pub type ruv_fs_poll_cb = Option<
    unsafe extern "C" fn(handle: *mut ruv_fs_poll_s, status: c_int, prev: *const ruv_stat_t, curr: *const ruv_stat_t),
>;
