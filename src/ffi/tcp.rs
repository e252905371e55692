//! TCP handles: `ruv_tcp_*`. The stream calls take a TCP handle cast to
//! `ruv_stream_t *`.

use super::{call, init};
use crate::abi::*;
use crate::addr::SockAddr;
use crate::event_loop::LoopInner;
use std::ffi::{c_int, c_uint};
use std::ptr::NonNull;

/** Initialises a TCP handle; no socket is made until bind or connect.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_tcp_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_tcp_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { ruv_tcp_init_ex(r#loop, handle, libc::AF_UNSPEC as c_uint) }
}

/** Like `ruv_tcp_init`; the low 8 bits of `flags` name an address family
 *  (AF_INET, AF_INET6) for which a socket is made at once (AF_UNSPEC: none).
 *  RUV_EINVAL for other bits or families.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_tcp_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_init_ex(r#loop: *mut ruv_loop_t, handle: *mut ruv_tcp_t, flags: c_uint) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's TCP
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.tcp_init(h, flags)) }
}

/** Adopts an existing socket `sock` (made non-blocking); ruv closes it when
 *  the handle is closed. RUV_EBUSY if the handle has a socket already.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_open(handle: *mut ruv_tcp_t, sock: ruv_os_sock_t) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.tcp_open(h, sock)) }
}

/** Binds to `addr` (a `struct sockaddr_in` or `sockaddr_in6`), with
 *  SO_REUSEADDR. `flags` may be RUV_TCP_IPV6ONLY (IPv6 only). An address in
 *  use is reported as libuv reports it: bind returns 0, and the next
 *  `ruv_listen` returns RUV_EADDRINUSE (or `ruv_tcp_connect`'s callback gets
 *  it; `ruv_tcp_getsockname` fails with it meanwhile). RUV_EINVAL for a
 *  closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`
 *  and `addr` a socket address as large as its family's. Handles and
 *  requests follow the ownership rule (in place, untouched, until their
 *  close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_bind(handle: *mut ruv_tcp_t, addr: *const libc::sockaddr, flags: c_uint) -> c_int {
    // SAFETY: validated before use; `addr` is NULL or a socket address.
    unsafe { call(handle, |lp, h| lp.tcp_bind(h, &SockAddr::read(addr)?, flags)) }
}

/** Connects to `addr`; `cb` gets 0 or an error (RUV_ECONNREFUSED, ...).
 *  Writes may be queued before the connect completes. RUV_EALREADY while
 *  another connect is in flight; RUV_EINVAL for a closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a
 *  `ruv_connect_t`, `handle` a `ruv_tcp_t` and `addr` a socket address as
 *  large as its family's. Handles and requests follow the ownership rule
 *  (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_connect(
    req: *mut ruv_connect_t,
    handle: *mut ruv_tcp_t,
    addr: *const libc::sockaddr,
    cb: ruv_connect_cb,
) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    // SAFETY: validated before use; `addr` is NULL or a socket address; the
    // request is the caller's until its callback.
    unsafe { call(handle, |lp, h| lp.tcp_connect(h, req, &SockAddr::read(addr)?, cb)) }
}

/// `ruv_tcp_getsockname` and `ruv_tcp_getpeername`.
///
/// # Safety
/// `handle` as for `call`; `name` is NULL or has `*namelen` writable bytes.
unsafe fn name(handle: *const ruv_tcp_t, peer: bool, name: *mut libc::sockaddr, namelen: *mut c_int) -> c_int {
    if name.is_null() || namelen.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller gives `*namelen` bytes at `name`.
    let (buf, len) = unsafe {
        let len = (*namelen).max(0) as usize;
        (std::slice::from_raw_parts_mut(name.cast::<u8>(), len), &mut *namelen)
    };
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::tcp_name(h, peer, buf, len)) }
}

/** The local address, into `name` (`*namelen` bytes; updated to the length
 *  used).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`,
 *  `name` `*namelen` writable bytes and `namelen` an `int`. Handles and
 *  requests follow the ownership rule (in place, untouched, until their
 *  close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_getsockname(
    handle: *const ruv_tcp_t,
    name: *mut libc::sockaddr,
    namelen: *mut c_int,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { self::name(handle, false, name, namelen) }
}

/** The peer's address, into `name` (`*namelen` bytes; updated).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`,
 *  `name` `*namelen` writable bytes and `namelen` an `int`. Handles and
 *  requests follow the ownership rule (in place, untouched, until their
 *  close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_getpeername(
    handle: *const ruv_tcp_t,
    name: *mut libc::sockaddr,
    namelen: *mut c_int,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { self::name(handle, true, name, namelen) }
}

/** Turns Nagle's algorithm off (`enable` non-zero) or on.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_nodelay(handle: *mut ruv_tcp_t, enable: c_int) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::tcp_nodelay(h, enable != 0)) }
}

/** Turns TCP keep-alive on (`enable` non-zero; first probe after `delay`
 *  seconds of idleness) or off.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_keepalive(handle: *mut ruv_tcp_t, enable: c_int, delay: c_uint) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::tcp_keepalive(h, enable != 0, delay)) }
}

/** Windows-only in libuv (accepting on several threads); does nothing here and
 *  returns 0 for a TCP handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_simultaneous_accepts(handle: *mut ruv_tcp_t, enable: c_int) -> c_int {
    let _ = enable;
    // SAFETY: validated before use.
    unsafe { call(handle, |_, _| Ok(())) }
}

/** Closes the handle with a reset (RST) instead of an orderly close: the peer
 *  gets RUV_ECONNRESET. RUV_EINVAL while a shutdown is in progress, for a
 *  closing handle, or for a handle that is not TCP (which is left alone).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tcp_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tcp_close_reset(handle: *mut ruv_tcp_t, close_cb: ruv_close_cb) -> c_int {
    // SAFETY: validated before use; the close callback runs from the loop.
    unsafe { call(handle, |lp, h| lp.tcp_close_reset(h, close_cb)) }
}
