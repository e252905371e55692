//! DNS requests: `ruv_getaddrinfo_t`, `ruv_getnameinfo_t`.

use super::event_loop::ruv_loop_t;
use super::req::ruv_req_type;
use std::ffi::{c_char, c_int, c_void};

/** `getaddrinfo`'s answer: `status` 0 and `res` (free it with
 *  `ruv_freeaddrinfo`), or a `RUV_EAI_*` error and NULL. */
pub type ruv_getaddrinfo_cb =
    Option<unsafe extern "C" fn(req: *mut ruv_getaddrinfo_s, status: c_int, res: *mut libc::addrinfo)>;
/** `getnameinfo`'s answer: `status` 0 and the host and service names
 *  (valid during the callback), or a `RUV_EAI_*` error. */
pub type ruv_getnameinfo_cb = Option<
    unsafe extern "C" fn(req: *mut ruv_getnameinfo_s, status: c_int, hostname: *const c_char, service: *const c_char),
>;

/** A `getaddrinfo` request (libuv's `uv_getaddrinfo_t`, 160 bytes). */
#[repr(C)]
pub struct ruv_getaddrinfo_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The loop (read-only). */
    pub r#loop: *mut ruv_loop_t,
    pub(crate) work_private: [*mut c_void; 5],
    pub(crate) cb: ruv_getaddrinfo_cb,
    pub(crate) hints: *mut libc::addrinfo,
    pub(crate) hostname: *mut c_char,
    pub(crate) service: *mut c_char,
    /** The answer, as the callback gets it (libuv marks it private, but
     *  programs read it). */
    pub addrinfo: *mut libc::addrinfo,
    pub(crate) retcode: c_int,
}
pub type ruv_getaddrinfo_t = ruv_getaddrinfo_s;

/** A `getnameinfo` request (libuv's `uv_getnameinfo_t`, 1320 bytes). */
#[repr(C)]
pub struct ruv_getnameinfo_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The loop (read-only). */
    pub r#loop: *mut ruv_loop_t,
    pub(crate) work_private: [*mut c_void; 5],
    pub(crate) getnameinfo_cb: ruv_getnameinfo_cb,
    pub(crate) storage: libc::sockaddr_storage,
    pub(crate) flags: c_int,
    /** The host name found (libuv marks it private, but programs read it). */
    pub host: [c_char; 1025],
    /** The service name found. */
    pub service: [c_char; 32],
    pub(crate) retcode: c_int,
}
pub type ruv_getnameinfo_t = ruv_getnameinfo_s;
