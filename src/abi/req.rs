//! What every request starts with: `ruv_req_t` and the request types.

use std::ffi::{c_int, c_void};

/// libuv's `uv_req_type`.
pub type ruv_req_type = c_int;
pub const RUV_UNKNOWN_REQ: ruv_req_type = 0;
pub const RUV_REQ: ruv_req_type = 1;
pub const RUV_CONNECT: ruv_req_type = 2;
pub const RUV_WRITE: ruv_req_type = 3;
pub const RUV_SHUTDOWN: ruv_req_type = 4;
pub const RUV_UDP_SEND: ruv_req_type = 5;
pub const RUV_FS: ruv_req_type = 6;
pub const RUV_WORK: ruv_req_type = 7;
pub const RUV_GETADDRINFO: ruv_req_type = 8;
pub const RUV_GETNAMEINFO: ruv_req_type = 9;
pub const RUV_RANDOM: ruv_req_type = 10;
pub const RUV_REQ_TYPE_MAX: ruv_req_type = 11;

/** The fields every request starts with (libuv's `uv_req_t`, 64 bytes). */
#[repr(C)]
pub struct ruv_req_s {
    /** The caller's pointer; ruv never touches it. */
    pub data: *mut c_void,
    /** The request's type (read-only). */
    pub r#type: ruv_req_type,
    /// ruv's request state while the request is in flight (`crate::req`).
    pub(crate) reserved: [*mut c_void; 6],
}
pub type ruv_req_t = ruv_req_s;
