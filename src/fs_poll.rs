//! Stat polling (`ruv_fs_poll_*`): a path is stat'ed on the thread pool
//! every `interval` ms, and the callback runs when its status changed, as
//! libuv's `uv_fs_poll_t` does: the first stat only records; a failed stat
//! is reported once (with the last status seen), until a stat succeeds
//! again, which is reported too.
//!
//! A started handle owns a [`PollCtx`]: the path, an internal timer and the
//! stat request. Stopping (or closing) detaches the context; if a stat is
//! in flight the context lives until that stat comes back, then frees
//! itself, so no request outlives what it points at.

use crate::abi::*;
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::fs::FsOp;
use crate::handle::{FsPollFields, Handle, Kind};
use crate::internal::Purpose;
use crate::req::ReqKind;
use std::ffi::{CStr, CString, c_int, c_uint};
use std::ptr::NonNull;

/// A started stat-polling handle's state.
pub(crate) struct PollCtx {
    cb: ruv_fs_poll_cb,
    path: CString,
    interval: u64,
    /// libuv's `busy_polling`: 0 before the first stat, 1 after a success,
    /// the error after a failure.
    last: isize,
    prev: ruv_stat_t,
    /// When the running interval began (loop ms).
    start_time: u64,
    /// The handle, while started: `(key, generation)`.
    owner: Option<(u32, u32)>,
    /// The stat request (boxed: it must not move while in flight).
    req: Box<ruv_fs_t>,
    in_flight: bool,
}

fn ctx_of<'a>(h: Handle) -> &'a mut Option<NonNull<PollCtx>> {
    &mut h.fields::<FsPollFields>().ctx
}

/// The two statuses libuv compares (`statbuf_eq`: the times, size, mode,
/// owner, inode, generation and flags).
fn same(a: &ruv_stat_t, b: &ruv_stat_t) -> bool {
    a.st_ctim == b.st_ctim
        && a.st_mtim == b.st_mtim
        && a.st_birthtim == b.st_birthtim
        && a.st_size == b.st_size
        && a.st_mode == b.st_mode
        && a.st_uid == b.st_uid
        && a.st_gid == b.st_gid
        && a.st_ino == b.st_ino
        && a.st_dev == b.st_dev
        && a.st_flags == b.st_flags
        && a.st_gen == b.st_gen
}

impl LoopInner {
    /// `ruv_fs_poll_init`.
    ///
    /// # Safety
    /// `h` points at an `ruv_fs_poll_t` the caller hands to ruv until its
    /// close callback.
    pub(crate) unsafe fn fs_poll_init(&mut self, h: NonNull<ruv_handle_t>) -> Result {
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_FS_POLL, Kind::FsPoll) }?;
        // SAFETY: a stat-polling handle's struct is an `ruv_fs_poll_t`.
        unsafe { (*h.cast::<ruv_fs_poll_t>()).poll_ctx = std::ptr::null_mut() };
        Ok(())
    }

    /// `ruv_fs_poll_start`: polls `path` every `interval` ms (a started
    /// handle: 0, nothing changes, as in libuv).
    pub(crate) fn fs_poll_start(&mut self, h: Handle, cb: ruv_fs_poll_cb, path: &CStr, interval: c_uint) -> Result {
        if h.is_closing() || cb.is_none() {
            return Err(Error::INVAL);
        }
        if h.is_active() {
            return Ok(());
        }
        // SAFETY: zeroes are a valid request struct before it is submitted.
        let req: Box<ruv_fs_t> = Box::new(unsafe { std::mem::zeroed() });
        let ctx = Box::new(PollCtx {
            cb,
            path: path.to_owned(),
            interval: u64::from(interval.max(1)),
            last: 0,
            prev: ruv_stat_t::default(),
            start_time: self.now_ms,
            owner: Some((h.key(), h.generation())),
            req,
            in_flight: false,
        });
        let ctx = NonNull::from(Box::leak(ctx));
        *ctx_of(h) = Some(ctx);
        self.activate(h);
        if let Err(e) = self.fs_poll_stat(ctx) {
            self.fs_poll_stop(h);
            return Err(e);
        }
        Ok(())
    }

    /// Submits the context's stat.
    fn fs_poll_stat(&mut self, ctx: NonNull<PollCtx>) -> Result {
        // SAFETY: a live context (owned by its handle or by its stat).
        let c = unsafe { &mut *ctx.as_ptr() };
        c.req.data = ctx.as_ptr().cast();
        let req = NonNull::from(&mut *c.req);
        self.fs_submit_kind(
            std::ptr::null_mut(),
            req,
            FsOp::Stat { path: c.path.clone().into() },
            None,
            ReqKind::FsPollStat,
        )?;
        c.in_flight = true;
        Ok(())
    }

    /// `ruv_fs_poll_stop` (and closing): detaches the context; it is freed
    /// now, or when its stat comes back.
    pub(crate) fn fs_poll_stop(&mut self, h: Handle) {
        let Some(ctx) = ctx_of(h).take() else { return };
        self.deactivate(h);
        self.remove_internal_timer(Purpose::FsPoll(ctx.as_ptr() as usize));
        // SAFETY: a live context.
        let c = unsafe { &mut *ctx.as_ptr() };
        c.owner = None;
        if !c.in_flight {
            // SAFETY: made by `Box::leak` in `fs_poll_start`; nothing refers
            // to it any more.
            drop(unsafe { Box::from_raw(ctx.as_ptr()) });
        }
    }

    /// `ruv_fs_poll_getpath`: the path into `buffer` (`*size` bytes; the
    /// length written without its NUL, or RUV_ENOBUFS and the size needed).
    pub(crate) fn fs_poll_getpath(h: Handle, buffer: &mut [u8], size: &mut usize) -> Result {
        let Some(ctx) = *ctx_of(h) else { return Err(Error::INVAL) };
        // SAFETY: a live context.
        let path = unsafe { ctx.as_ref() }.path.as_bytes();
        crate::sys::copy_name_out(path, buffer, size)
    }

    /// The context's timer fired: the next stat.
    pub(crate) fn fs_poll_tick(&mut self, ctx: usize) {
        let Some(ctx) = NonNull::new(ctx as *mut PollCtx) else { return };
        // SAFETY: the timer exists only while the context is attached.
        unsafe { (*ctx.as_ptr()).start_time = self.now_ms };
        if self.fs_poll_stat(ctx).is_err() {
            // Not even a pool thread: try again at the next interval.
            self.fs_poll_schedule(ctx);
        }
    }

    /// Starts the timer for the next stat, at the next interval boundary.
    fn fs_poll_schedule(&mut self, ctx: NonNull<PollCtx>) {
        // SAFETY: a live, attached context.
        let c = unsafe { &mut *ctx.as_ptr() };
        let elapsed = self.now_ms.saturating_sub(c.start_time);
        let timeout = c.interval - elapsed % c.interval;
        if let Ok(timer) = self.internal_timer(Purpose::FsPoll(ctx.as_ptr() as usize)) {
            let _ = self.timer_start(timer, None, timeout, 0);
        }
    }

    /// A stat came back: compare, call back, schedule the next.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (the callback
    /// re-enters); `req` is a context's stat request, delivered.
    pub(crate) unsafe fn fs_poll_stat_done(lp: *mut LoopInner, req: *mut ruv_fs_t) {
        // SAFETY: the request's data is its context, alive until here.
        let ctx = unsafe { NonNull::new_unchecked((*req).data.cast::<PollCtx>()) };
        // SAFETY: as above.
        let c = unsafe { &mut *ctx.as_ptr() };
        c.in_flight = false;
        // SAFETY: the loop thread's own request.
        let (result, stat) = unsafe { ((*req).result, (*req).statbuf) };
        // SAFETY: the loop thread's own request, delivered.
        let req = unsafe { NonNull::new_unchecked(req) };
        crate::fs::landed(req);
        // SAFETY: as above; frees its path copy (it has landed: cannot fail).
        let _ = unsafe { crate::fs::cleanup(req) };
        // SAFETY: a short borrow.
        let handle = c.owner.and_then(|(k, g)| unsafe { (*lp).handles.get(k, g) });
        let Some(h) = handle else {
            // Stopped while the stat was out: the context goes now.
            // SAFETY: made by `Box::leak`; detached from its handle.
            drop(unsafe { Box::from_raw(ctx.as_ptr()) });
            return;
        };
        let zero = ruv_stat_t::default();
        let call = if result < 0 {
            let report = c.last != result;
            c.last = result;
            report.then_some((result as c_int, c.prev, zero))
        } else {
            let report = c.last < 0 || (c.last != 0 && !same(&c.prev, &stat));
            let before = c.prev;
            c.prev = stat;
            c.last = 1;
            report.then_some((0, before, stat))
        };
        if let (Some((status, prev, curr)), Some(cb)) = (call, c.cb) {
            // SAFETY: the caller's callback with its own handle; the stats
            // are locals that live across the call.
            unsafe { cb(h.cast(), status, &prev, &curr) };
        }
        // The callback may have stopped or closed the handle (which freed
        // nothing: the stat was not in flight... but detached the context).
        // SAFETY: no user code runs while this borrow lives.
        let this = unsafe { &mut *lp };
        if this.handles.get(h.key(), h.generation()).is_some() && *ctx_of(h) == Some(ctx) {
            this.fs_poll_schedule(ctx);
        }
    }
}
