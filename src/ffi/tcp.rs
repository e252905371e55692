//! TCP handles: `ruv_tcp_t` and `ruv_tcp_*`.

use super::stream::{ruv_connect_cb, ruv_connect_t, ruv_stream_private_t};
use super::{handle_ref, init_target, report, status, typed_ref, HandleRef, Misuse};
use crate::error::RUV_EINVAL;
use crate::event_loop::LoopInner;
use crate::ffi::event_loop::ruv_loop_t;
use crate::ffi::handle::{ruv_close_cb, ruv_handle_private_t, ruv_handle_t, ruv_handle_type};
use crate::handle_state::Kind;
use std::ffi::{c_int, c_uint, c_void};

pub use crate::tcp::RUV_TCP_IPV6ONLY;

/** A TCP handle (libuv's `uv_tcp_t`, 248 bytes); a stream: cast it to
 *  `ruv_stream_t *` for the stream calls. */
#[repr(C)]
pub struct ruv_tcp_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** Bytes queued for writing and not yet written (read-only). */
    pub write_queue_size: usize,
    pub alloc_cb: *mut c_void,
    pub read_cb: *mut c_void,
    pub(crate) stream: ruv_stream_private_t,
}
pub type ruv_tcp_t = ruv_tcp_s;

unsafe fn tcp(h: *const ruv_tcp_t) -> Result<HandleRef, Misuse> {
    // SAFETY: forwarded.
    unsafe { typed_ref(h.cast_mut().cast(), Kind::Tcp) }
}

/** Initialises a TCP handle; no socket is made until bind or connect. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_tcp_t) -> c_int {
    unsafe { ruv_tcp_init_ex(r#loop, handle, libc::AF_UNSPEC as c_uint) }
}

/** Like `ruv_tcp_init`; the low 8 bits of `flags` name an address family
 *  (AF_INET, AF_INET6) for which a socket is made at once (AF_UNSPEC: none).
 *  RUV_EINVAL for other bits or families. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_init_ex(r#loop: *mut ruv_loop_t, handle: *mut ruv_tcp_t, flags: c_uint) -> c_int {
    let h: *mut ruv_handle_t = handle.cast();
    // SAFETY: `init_target` validates both pointers.
    match unsafe { init_target(r#loop, h) } {
        Ok(lp) => status(unsafe { (*lp).tcp_init(h, flags) }),
        Err(e) => e,
    }
}

/** Adopts an existing socket `sock` (made non-blocking); ruv closes it when
 *  the handle is closed. RUV_EBUSY if the handle has a socket already. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_open(handle: *mut ruv_tcp_t, sock: crate::ffi::handle::ruv_os_sock_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { tcp(handle) } {
        Ok(r) => status(unsafe { (*r.lp).tcp_open(r.h, r.key, sock) }),
        Err(m) => m.code,
    }
}

/** Binds to `addr` (a `struct sockaddr_in` or `sockaddr_in6`), with
 *  SO_REUSEADDR. `flags` may be RUV_TCP_IPV6ONLY (IPv6 only). An address in
 *  use is reported by `ruv_listen` (or getsockname), as in libuv. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_bind(handle: *mut ruv_tcp_t, addr: *const libc::sockaddr, flags: c_uint) -> c_int {
    // SAFETY: validated before use; `addr_len` checks `addr`.
    match unsafe { tcp(handle) } {
        Ok(r) => status(unsafe { (*r.lp).tcp_bind(r.h, r.key, addr, flags) }),
        Err(m) => m.code,
    }
}

/** Connects to `addr`; `cb` gets 0 or an error (RUV_ECONNREFUSED, ...).
 *  Writes may be queued before the connect completes. RUV_EALREADY while
 *  another connect is in flight. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_connect(
    req: *mut ruv_connect_t,
    handle: *mut ruv_tcp_t,
    addr: *const libc::sockaddr,
    cb: ruv_connect_cb,
) -> c_int {
    if req.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use; `addr_len` checks `addr`.
    match unsafe { tcp(handle) } {
        Ok(r) => status(unsafe { (*r.lp).tcp_connect(r.h, r.key, req, addr, cb) }),
        Err(m) => m.code,
    }
}

/** The local address, into `name` (`*namelen` bytes; updated to the length
 *  used). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_getsockname(handle: *const ruv_tcp_t, name: *mut libc::sockaddr, namelen: *mut c_int) -> c_int {
    // SAFETY: validated before use.
    match unsafe { tcp(handle) } {
        Ok(r) => status(unsafe { LoopInner::tcp_name(r.h, false, name, namelen) }),
        Err(m) => m.code,
    }
}

/** The peer's address, into `name` (`*namelen` bytes; updated). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_getpeername(handle: *const ruv_tcp_t, name: *mut libc::sockaddr, namelen: *mut c_int) -> c_int {
    // SAFETY: validated before use.
    match unsafe { tcp(handle) } {
        Ok(r) => status(unsafe { LoopInner::tcp_name(r.h, true, name, namelen) }),
        Err(m) => m.code,
    }
}

/** Turns Nagle's algorithm off (`enable` non-zero) or on. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_nodelay(handle: *mut ruv_tcp_t, enable: c_int) -> c_int {
    // SAFETY: validated before use.
    match unsafe { tcp(handle) } {
        Ok(r) => status(LoopInner::tcp_nodelay(r.h, enable != 0)),
        Err(m) => m.code,
    }
}

/** Turns TCP keep-alive on (`enable` non-zero; first probe after `delay`
 *  seconds of idleness) or off. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_keepalive(handle: *mut ruv_tcp_t, enable: c_int, delay: c_uint) -> c_int {
    // SAFETY: validated before use.
    match unsafe { tcp(handle) } {
        Ok(r) => status(LoopInner::tcp_keepalive(r.h, enable != 0, delay)),
        Err(m) => m.code,
    }
}

/** Windows-only in libuv (accepting on several threads); does nothing here and
 *  returns 0. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_simultaneous_accepts(handle: *mut ruv_tcp_t, enable: c_int) -> c_int {
    let _ = enable;
    // SAFETY: validated before use.
    match unsafe { tcp(handle) } {
        Ok(_) => 0,
        Err(m) => m.code,
    }
}

/** Closes the handle with a reset (RST) instead of an orderly close: the peer
 *  gets RUV_ECONNRESET. RUV_EINVAL while a shutdown is in progress. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_close_reset(handle: *mut ruv_tcp_t, close_cb: ruv_close_cb) -> c_int {
    // SAFETY: validated before use.
    let r = match unsafe { handle_ref(handle.cast()) } {
        Ok(r) => r,
        Err(m) => return m.code,
    };
    if let Err(e) = LoopInner::tcp_set_reset(r.h) {
        return e;
    }
    // SAFETY: a live handle.
    match unsafe { LoopInner::close(r.lp, r.h, r.key, close_cb) } {
        Ok(()) => 0,
        Err(m) => {
            report("ruv_tcp_close_reset", m);
            m.code
        }
    }
}
