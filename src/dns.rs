//! DNS on the thread pool: `ruv_getaddrinfo` and `ruv_getnameinfo`. Lookups
//! are slow jobs: they may take at most half the pool's threads, so file
//! operations keep moving while a resolver hangs. With a NULL callback they
//! run on the calling thread and return the status, as in libuv.

use crate::abi::*;
use crate::error::Result;
use crate::event_loop::LoopInner;
use crate::req::{Req, ReqKind};
use crate::threadpool::{self, Speed, Work};
use std::ffi::{CString, c_char, c_int};
use std::ptr::{NonNull, null_mut};
use std::sync::Arc;

/// A lookup with its own copy of its arguments.
pub(crate) enum DnsOp {
    AddrInfo { node: Option<CString>, service: Option<CString>, hints: Option<libc::addrinfo> },
    NameInfo { addr: libc::sockaddr_storage, len: libc::socklen_t, flags: c_int },
}

// SAFETY: the hints' pointers (ai_addr, ai_canonname, ai_next) are not used
// by getaddrinfo and are cleared when the hints are copied; the rest is
// owned.
unsafe impl Send for DnsOp {}

/// What a lookup found (boxed by the pool; the names make it large).
#[allow(clippy::large_enum_variant)]
pub(crate) enum DnsOutcome {
    AddrInfo { status: c_int, res: *mut libc::addrinfo },
    NameInfo { status: c_int, host: [c_char; 1025], service: [c_char; 32] },
}

// SAFETY: the address list was made by getaddrinfo for this request and is
// handed over whole, to the caller.
unsafe impl Send for DnsOutcome {}

/// A libc `EAI_*` code (glibc's values) as libuv's `RUV_EAI_*`.
fn translate(code: c_int) -> c_int {
    match code {
        0 => 0,
        -1 => RUV_EAI_BADFLAGS,
        -2 => RUV_EAI_NONAME,
        -3 => RUV_EAI_AGAIN,
        -4 => RUV_EAI_FAIL,
        -5 => RUV_EAI_NODATA,
        -6 => RUV_EAI_FAMILY,
        -7 => RUV_EAI_SOCKTYPE,
        -8 => RUV_EAI_SERVICE,
        -9 => RUV_EAI_ADDRFAMILY,
        -10 => RUV_EAI_MEMORY,
        -11 => -crate::sys::errno(), // EAI_SYSTEM: errno says
        -12 => RUV_EAI_OVERFLOW,
        -101 => RUV_EAI_CANCELED,
        _ => RUV_EAI_FAIL,
    }
}

impl DnsOp {
    pub fn run(&self) -> DnsOutcome {
        match self {
            DnsOp::AddrInfo { node, service, hints } => {
                let mut res = null_mut();
                let c = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
                let hints_ptr = hints.as_ref().map_or(std::ptr::null(), |h| h as *const libc::addrinfo);
                // SAFETY: owned strings (or NULL) and hints; `res` is an
                // out-pointer.
                let code = unsafe { libc::getaddrinfo(c(node), c(service), hints_ptr, &mut res) };
                let status = translate(code);
                DnsOutcome::AddrInfo { status, res: if status == 0 { res } else { null_mut() } }
            }
            DnsOp::NameInfo { addr, len, flags } => {
                let mut host = [0 as c_char; 1025];
                let mut service = [0 as c_char; 32];
                // SAFETY: an owned address of `len` bytes and two buffers of
                // their lengths.
                let code = unsafe {
                    libc::getnameinfo(
                        (addr as *const libc::sockaddr_storage).cast(),
                        *len,
                        host.as_mut_ptr(),
                        host.len() as libc::socklen_t,
                        service.as_mut_ptr(),
                        service.len() as libc::socklen_t,
                        *flags,
                    )
                };
                DnsOutcome::NameInfo { status: translate(code), host, service }
            }
        }
    }
}

/// Puts what a lookup found into its request (the calling thread for a
/// synchronous lookup, else the loop thread); returns the status.
fn record(req: NonNull<ruv_req_t>, outcome: DnsOutcome) -> c_int {
    match outcome {
        DnsOutcome::AddrInfo { status, res } => {
            // SAFETY: a getaddrinfo request, the caller's until its callback.
            let r = unsafe { &mut *req.as_ptr().cast::<ruv_getaddrinfo_t>() };
            r.addrinfo = res;
            r.retcode = status;
            status
        }
        DnsOutcome::NameInfo { status, host, service } => {
            // SAFETY: a getnameinfo request, the caller's until its callback.
            let r = unsafe { &mut *req.as_ptr().cast::<ruv_getnameinfo_t>() };
            r.host = host;
            r.service = service;
            r.retcode = status;
            status
        }
    }
}

/// The common part of both lookups: run now, or submit.
fn start(lp: Option<&mut LoopInner>, req: NonNull<ruv_req_t>, kind: ReqKind, op: DnsOp) -> Result<c_int> {
    let Some(lp) = lp else { return Ok(record(req, op.run())) };
    // SAFETY: the caller's request, in flight from here.
    let r = unsafe { Req::new(req) };
    lp.req_start(r, kind, None);
    if let Err(e) =
        threadpool::submit(req.as_ptr() as usize, Work::Dns(Box::new(op)), Speed::Slow, Arc::clone(&lp.inbox))
    {
        lp.add_active_reqs(-1);
        return Err(e.into());
    }
    Ok(0)
}

/// `ruv_getaddrinfo`: `lp` is None for a synchronous lookup.
pub(crate) fn getaddrinfo(
    lp: Option<&mut LoopInner>,
    c_loop: *mut ruv_loop_t,
    req: NonNull<ruv_getaddrinfo_t>,
    cb: ruv_getaddrinfo_cb,
    op: DnsOp,
) -> Result<c_int> {
    // SAFETY: the caller's request, ruv's until its callback.
    let r = unsafe { &mut *req.as_ptr() };
    r.r#type = RUV_GETADDRINFO;
    r.r#loop = c_loop;
    r.cb = cb;
    r.addrinfo = null_mut();
    r.hints = null_mut();
    r.hostname = null_mut();
    r.service = null_mut();
    r.retcode = 0;
    start(lp, req.cast(), ReqKind::GetAddrInfo, op)
}

/// `ruv_getnameinfo`: `lp` is None for a synchronous lookup.
pub(crate) fn getnameinfo(
    lp: Option<&mut LoopInner>,
    c_loop: *mut ruv_loop_t,
    req: NonNull<ruv_getnameinfo_t>,
    cb: ruv_getnameinfo_cb,
    op: DnsOp,
) -> Result<c_int> {
    // SAFETY: the caller's request, ruv's until its callback.
    let r = unsafe { &mut *req.as_ptr() };
    r.r#type = RUV_GETNAMEINFO;
    r.r#loop = c_loop;
    r.getnameinfo_cb = cb;
    r.host[0] = 0;
    r.service[0] = 0;
    r.retcode = 0;
    start(lp, req.cast(), ReqKind::GetNameInfo, op)
}

impl LoopInner {
    /// A pool outcome of a lookup into its request (on the loop thread).
    pub(crate) fn dns_record(req: Req, outcome: DnsOutcome) -> c_int {
        record(NonNull::new(req.as_ptr()).expect("a request"), outcome)
    }

    /// A getaddrinfo request's turn in the pending phase. A cancelled one
    /// gets RUV_EAI_CANCELED, as in libuv.
    ///
    /// # Safety
    /// `req` is a completed getaddrinfo request on no queue; the caller
    /// holds no borrow of the loop (the callback re-enters).
    pub(crate) unsafe fn deliver_getaddrinfo(req: *mut ruv_getaddrinfo_t, status: c_int) {
        let status = if status == RUV_ECANCELED { RUV_EAI_CANCELED } else { status };
        // SAFETY: the caller's request; its callback was given with it.
        let (cb, res) = unsafe { ((*req).cb, (*req).addrinfo) };
        if let Some(cb) = cb {
            // SAFETY: as above; `res` is the caller's from now.
            unsafe { cb(req, status, res) };
        } else if !res.is_null() {
            // SAFETY: no callback to hand the list to: free it.
            unsafe { libc::freeaddrinfo(res) };
        }
    }

    /// A getnameinfo request's turn in the pending phase.
    ///
    /// # Safety
    /// As [`LoopInner::deliver_getaddrinfo`].
    pub(crate) unsafe fn deliver_getnameinfo(req: *mut ruv_getnameinfo_t, status: c_int) {
        let status = if status == RUV_ECANCELED { RUV_EAI_CANCELED } else { status };
        // SAFETY: the caller's request; its callback was given with it.
        if let Some(cb) = unsafe { (*req).getnameinfo_cb } {
            // SAFETY: as above; the names live in the request.
            unsafe {
                let (host, service) = if status == 0 {
                    ((*req).host.as_ptr(), (*req).service.as_ptr())
                } else {
                    (std::ptr::null(), std::ptr::null())
                };
                cb(req, status, host, service)
            };
        }
    }
}
