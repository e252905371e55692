//! DNS: `ruv_getaddrinfo`, `ruv_freeaddrinfo`, `ruv_getnameinfo`, on the
//! thread pool (slow jobs: at most half its threads), or on the calling
//! thread with a NULL callback.

use super::checked_loop;
use crate::abi::*;
use crate::dns::{self, DnsOp};
use std::ffi::{CStr, c_char, c_int};
use std::ptr::{NonNull, null_mut};

/// The loop for an asynchronous lookup, or None for a synchronous one;
/// Err with the code for an asynchronous lookup on a bad loop.
///
/// # Safety
/// `l` is NULL or a loop struct.
unsafe fn loop_for<'a, T>(
    l: *mut ruv_loop_t,
    cb: &Option<T>,
) -> Result<Option<&'a mut crate::event_loop::LoopInner>, c_int> {
    if cb.is_none() {
        return Ok(None);
    }
    // SAFETY: forwarded.
    match unsafe { checked_loop(l) } {
        // SAFETY: a live loop, not borrowed elsewhere; no user code runs
        // while the caller holds it.
        Ok(lp) => Ok(Some(unsafe { &mut *lp })),
        Err(m) => Err(m.code),
    }
}

/** Resolves `node` and/or `service` (at least one) with `hints` (may be
 *  NULL), as `getaddrinfo(3)`: `cb` gets 0 and the list (free it with
 *  `ruv_freeaddrinfo`), or a `RUV_EAI_*` error (RUV_EAI_CANCELED after
 *  `ruv_cancel`). With a NULL `cb` the lookup runs now: the result is
 *  returned and the list is in `req->addrinfo`. RUV_EINVAL for a NULL
 *  request or neither name.
 *
 *  # Safety
 *  `loop` is NULL or a `ruv_loop_t`; `req` NULL or a `ruv_getaddrinfo_t`
 *  that stays in place until its callback; `node` and `service` NULL or
 *  NUL-terminated strings (copied); `hints` NULL or an `addrinfo`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_getaddrinfo(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_getaddrinfo_t,
    getaddrinfo_cb: ruv_getaddrinfo_cb,
    node: *const c_char,
    service: *const c_char,
    hints: *const libc::addrinfo,
) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    if node.is_null() && service.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: NUL-terminated strings or NULL (the caller's contract).
    let copy = |s: *const c_char| (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_owned());
    // SAFETY: NULL or the caller's hints, copied; only the fields
    // getaddrinfo reads in hints are kept.
    let hints = unsafe { hints.as_ref() }.map(|h| libc::addrinfo {
        ai_addr: null_mut(),
        ai_canonname: null_mut(),
        ai_next: null_mut(),
        ..*h
    });
    let op = DnsOp::AddrInfo { node: copy(node), service: copy(service), hints };
    // SAFETY: forwarded.
    let lp = match unsafe { loop_for(r#loop, &getaddrinfo_cb) } {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    dns::getaddrinfo(lp, r#loop, req, getaddrinfo_cb, op).unwrap_or_else(|e| e.code())
}

/** Frees a list from `ruv_getaddrinfo` (NULL is fine).
 *
 *  # Safety
 *  `ai` is NULL or a list `ruv_getaddrinfo` returned, not freed yet. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_freeaddrinfo(ai: *mut libc::addrinfo) {
    if !ai.is_null() {
        // SAFETY: the caller's contract.
        unsafe { libc::freeaddrinfo(ai) };
    }
}

/** The host and service names of `addr` (IPv4 or IPv6), as
 *  `getnameinfo(3)` with `flags` (`NI_*`): `cb` gets 0 and the names (also
 *  in `req->host` and `req->service`), or a `RUV_EAI_*` error. With a NULL
 *  `cb` the lookup runs now and the status is returned. RUV_EINVAL for a
 *  NULL request or address, or another family.
 *
 *  # Safety
 *  `loop` is NULL or a `ruv_loop_t`; `req` NULL or a `ruv_getnameinfo_t`
 *  that stays in place until its callback; `addr` NULL or a socket address
 *  as large as its family's (copied). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_getnameinfo(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_getnameinfo_t,
    getnameinfo_cb: ruv_getnameinfo_cb,
    addr: *const libc::sockaddr,
    flags: c_int,
) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    // SAFETY: NULL or a socket address as large as its family's.
    let address = match unsafe { crate::addr::SockAddr::read(addr) } {
        Ok(a) => a,
        Err(e) => return e.code(),
    };
    // SAFETY: zeroes are a valid sockaddr_storage; `len` bytes fit in it.
    let storage = unsafe {
        let mut storage: libc::sockaddr_storage = std::mem::zeroed();
        std::ptr::copy_nonoverlapping(
            address.as_ptr().cast::<u8>(),
            (&raw mut storage).cast::<u8>(),
            address.len() as usize,
        );
        storage
    };
    let op = DnsOp::NameInfo { addr: storage, len: address.len(), flags };
    // SAFETY: forwarded.
    let lp = match unsafe { loop_for(r#loop, &getnameinfo_cb) } {
        Ok(lp) => lp,
        Err(code) => return code,
    };
    dns::getnameinfo(lp, r#loop, req, getnameinfo_cb, op).unwrap_or_else(|e| e.code())
}
