//! The thread pool: `ruv_queue_work`, and `ruv_cancel` for the requests
//! that can be cancelled.

use super::{checked_loop, status};
use crate::abi::*;
use std::ffi::c_int;
use std::ptr::NonNull;

/** Runs `work_cb(req)` on a thread of the pool, then `after_work_cb(req,
 *  status)` on the loop's thread (from the loop, never inside this call):
 *  status 0, or RUV_ECANCELED after `ruv_cancel`. The request keeps the loop
 *  alive until then. `after_work_cb` may be NULL. RUV_EINVAL for a NULL
 *  loop, request or `work_cb`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `req` a `ruv_work_t`, which stays in place, untouched but for `data`,
 *  until its after-work callback. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_queue_work(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_work_t,
    work_cb: ruv_work_cb,
    after_work_cb: ruv_after_work_cb,
) -> c_int {
    let (Some(req), Some(work_cb)) = (NonNull::new(req), work_cb) else { return RUV_EINVAL };
    // SAFETY: validated before use; no user code runs in `queue_work`.
    match unsafe { checked_loop(r#loop) } {
        // SAFETY: as above.
        Ok(lp) => status(unsafe { &mut *lp }.queue_work(r#loop, req, work_cb, after_work_cb)),
        Err(m) => m.code,
    }
}

/** Cancels a request that has not started: a work, fs, getaddrinfo or
 *  getnameinfo request still waiting for a thread of the pool is taken off
 *  the queue, and its callback gets RUV_ECANCELED (RUV_EAI_CANCELED for the
 *  lookups), from the loop, never inside this call. RUV_EBUSY if it is
 *  running or done; RUV_EINVAL for NULL and for requests that cannot be
 *  cancelled (writes, connects, shutdowns: close the stream instead), as in
 *  libuv. Call it on the loop's thread.
 *
 *  # Safety
 *  `req` is NULL or points at a request struct (`ruv_req_t` or larger, of
 *  the type its `type` field says). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cancel(req: *mut ruv_req_t) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    let r = req.as_ptr();
    // SAFETY: a request of the type its `type` says, whose `loop` was set
    // when it was submitted.
    let c_loop = unsafe {
        match (*r).r#type {
            RUV_WORK => (*r.cast::<ruv_work_t>()).r#loop,
            RUV_FS => (*r.cast::<ruv_fs_t>()).r#loop,
            RUV_GETADDRINFO => (*r.cast::<ruv_getaddrinfo_t>()).r#loop,
            RUV_GETNAMEINFO => (*r.cast::<ruv_getnameinfo_t>()).r#loop,
            _ => return RUV_EINVAL,
        }
    };
    // SAFETY: validated before use.
    match unsafe { checked_loop(c_loop) } {
        // SAFETY: a live loop; no user code runs in `cancel_work`.
        Ok(lp) => status(unsafe { &mut *lp }.cancel_work(req)),
        Err(m) => m.code,
    }
}
