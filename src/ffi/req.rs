//! What every request has in common: sizes, names, `data`, and `ruv_cancel`.

use super::{NULL_ARG, report};
use crate::abi::*;
use std::ffi::{CStr, c_char, c_void};

/** The size of a request struct of `type`, as libuv's on Linux x86-64;
 *  `(size_t)-1` for an unknown type. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_req_size(r#type: ruv_req_type) -> usize {
    match r#type {
        RUV_REQ => 64,
        RUV_CONNECT => 96,
        RUV_WRITE => 192,
        RUV_SHUTDOWN => 80,
        RUV_UDP_SEND => 320,
        RUV_FS => 440,
        RUV_WORK => 128,
        RUV_GETADDRINFO => 160,
        RUV_GETNAMEINFO => 1320,
        RUV_RANDOM => 144,
        _ => usize::MAX,
    }
}

/** `req->data`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a `ruv_req_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_req_get_data(req: *const ruv_req_t) -> *mut c_void {
    if req.is_null() {
        report("ruv_req_get_data", NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: non-null.
    unsafe { (*req).data }
}

/** Sets `req->data`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a `ruv_req_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_req_set_data(req: *mut ruv_req_t, data: *mut c_void) {
    if req.is_null() {
        return report("ruv_req_set_data", NULL_ARG);
    }
    // SAFETY: non-null.
    unsafe { (*req).data = data };
}

/** `req->type`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a `ruv_req_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_req_get_type(req: *const ruv_req_t) -> ruv_req_type {
    if req.is_null() {
        report("ruv_req_get_type", NULL_ARG);
        return RUV_UNKNOWN_REQ;
    }
    // SAFETY: non-null; a plain int field.
    unsafe { (*req).r#type }
}

/** The name of a request type ("write", "fs", ...), or NULL for an unknown
 *  one. The string is static. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_req_type_name(r#type: ruv_req_type) -> *const c_char {
    let name: &CStr = match r#type {
        RUV_REQ => c"req",
        RUV_CONNECT => c"connect",
        RUV_WRITE => c"write",
        RUV_SHUTDOWN => c"shutdown",
        RUV_UDP_SEND => c"udp_send",
        RUV_FS => c"fs",
        RUV_WORK => c"work",
        RUV_GETADDRINFO => c"getaddrinfo",
        RUV_GETNAMEINFO => c"getnameinfo",
        RUV_RANDOM => c"random",
        _ => return std::ptr::null(),
    };
    name.as_ptr()
}
