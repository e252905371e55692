//! Thread-pool work: `ruv_work_t`.

use super::event_loop::ruv_loop_t;
use super::req::ruv_req_type;
use std::ffi::{c_int, c_void};

/** Runs on a thread of the pool (`ruv_queue_work`). */
pub type ruv_work_cb = Option<unsafe extern "C" fn(req: *mut ruv_work_s)>;
/** Runs on the loop's thread once the work is done (`status` 0) or was
 *  cancelled (`status` RUV_ECANCELED). */
pub type ruv_after_work_cb = Option<unsafe extern "C" fn(req: *mut ruv_work_s, status: c_int)>;

/** A thread-pool work request (libuv's `uv_work_t`, 128 bytes). */
#[repr(C)]
pub struct ruv_work_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The loop it was queued on (read-only). */
    pub r#loop: *mut ruv_loop_t,
    /** The work callback (read-only). */
    pub work_cb: ruv_work_cb,
    /** The after-work callback (read-only). */
    pub after_work_cb: ruv_after_work_cb,
    pub(crate) work_private: [*mut c_void; 5],
}
pub type ruv_work_t = ruv_work_s;
