//! `ruv_queue_work` and `ruv_cancel`: requests that run on the thread pool
//! and complete on the loop.

use crate::abi::{RUV_ECANCELED, ruv_after_work_cb, ruv_work_t};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::req::{Req, ReqKind};
use crate::threadpool::{self, Cancel, Speed, Work};
use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::Arc;

impl LoopInner {
    /// `ruv_queue_work`: `work_cb` runs on a pool thread, then
    /// `after_work_cb` on the loop's thread, from the pending phase.
    pub(crate) fn queue_work(
        &mut self,
        c_loop: *mut crate::abi::ruv_loop_t,
        req: NonNull<ruv_work_t>,
        work_cb: unsafe extern "C" fn(*mut ruv_work_t),
        after_work_cb: ruv_after_work_cb,
    ) -> Result {
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            let w = &mut *req.as_ptr();
            w.r#loop = c_loop;
            w.work_cb = Some(work_cb);
            w.after_work_cb = after_work_cb;
        }
        // SAFETY: as above.
        let r = unsafe { Req::new(req.cast()) };
        self.req_start(r, ReqKind::Work, None);
        let submitted =
            threadpool::submit(req.as_ptr() as usize, Work::Queued(work_cb), Speed::Fast, Arc::clone(&self.inbox));
        if let Err(e) = submitted {
            // Not even one thread could start: nothing is in flight.
            self.add_active_reqs(-1);
            return Err(e.into());
        }
        Ok(())
    }

    /// `ruv_cancel` of a work request: taken off the pool's queue if it has
    /// not started (its callback then gets RUV_ECANCELED, from the pending
    /// phase); `Error::BUSY` if it is running or done.
    pub(crate) fn cancel_work(&mut self, req: NonNull<crate::abi::ruv_req_t>) -> Result {
        match threadpool::cancel(req.as_ptr() as usize) {
            Cancel::Cancelled => {
                // SAFETY: a request found on the pool's queue is in flight.
                self.req_complete(unsafe { Req::new(req.cast()) }, RUV_ECANCELED as isize);
                Ok(())
            }
            Cancel::Busy => Err(Error::BUSY),
        }
    }

    /// A work request's turn in the pending phase: its after-work callback.
    ///
    /// # Safety
    /// `req` is a completed work request on no queue; the caller holds no
    /// borrow of the loop (the callback re-enters).
    pub(crate) unsafe fn deliver_work(req: *mut ruv_work_t, status: c_int) {
        // SAFETY: the caller's request; its callback was given with it.
        if let Some(cb) = unsafe { (*req).after_work_cb } {
            // SAFETY: as above.
            unsafe { cb(req, status) };
        }
    }
}
