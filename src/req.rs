//! The request layer: one mechanism for every request that is in flight and
//! completes later on the loop (writes, connects and shutdowns today; fs
//! operations, pool work, DNS and process exits later).
//!
//! A request is the caller's struct; ruv keeps its in-flight state in the
//! request's `reserved` words ([`ReqState`]), so no request allocates. Its
//! life: [`LoopInner::req_start`] counts it in `loop->active_reqs.count`
//! (which keeps the loop alive); [`LoopInner::req_complete`] records its
//! result and queues it on the loop's completed queue; the pending phase
//! ([`LoopInner::run_pending`]) takes it off, uncounts it and calls its
//! callback. A request whose result is known while its handle's events are
//! being dispatched may instead be delivered at once ([`LoopInner::deliver`]),
//! as libuv calls connect callbacks from the poll phase.
//!
//! Each round of the pending phase runs only the requests queued when it
//! began, so a callback that queues another request (a write from a write
//! callback) cannot keep the loop in the phase. When a handle closes, its
//! requests that are still queued are delivered in the close phase, before
//! its close callback, so no callback ever runs after the close callback.

use crate::abi::*;
use crate::event_loop::LoopInner;
use crate::handle::Handle;
use std::ptr::{NonNull, null_mut};

/// Which kind of request, as ruv sees it (the public `type` is the caller's
/// to read). Matches on it are exhaustive.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum ReqKind {
    Write = 1,
    Connect = 2,
    Shutdown = 3,
    Work = 4,
    Fs = 5,
    GetAddrInfo = 6,
    GetNameInfo = 7,
    /// A stat of a stat-polling handle (ruv's own request).
    FsPollStat = 8,
}

impl ReqKind {
    /// The public `ruv_req_type` of this kind.
    fn req_type(self) -> crate::abi::ruv_req_type {
        match self {
            ReqKind::Write => RUV_WRITE,
            ReqKind::Connect => RUV_CONNECT,
            ReqKind::Shutdown => RUV_SHUTDOWN,
            ReqKind::Work => RUV_WORK,
            ReqKind::Fs => RUV_FS,
            ReqKind::GetAddrInfo => RUV_GETADDRINFO,
            ReqKind::GetNameInfo => RUV_GETNAMEINFO,
            ReqKind::FsPollStat => RUV_FS,
        }
    }
}

/// What ruv keeps in a request's `reserved` words while it is in flight.
#[repr(C)]
pub(crate) struct ReqState {
    /// The next request in the loop's completed queue.
    next: *mut ruv_req_t,
    /// The result its callback gets.
    status: isize,
    /// The handle it belongs to: registry key and generation (0: none).
    handle_key: u32,
    handle_generation: u32,
    kind: ReqKind,
    /// The result is known (it is on the completed queue, or being delivered).
    completed: bool,
}

const _: () = assert!(std::mem::size_of::<ReqState>() <= std::mem::size_of::<[*mut u8; 6]>());

/// A caller's request struct that ruv has taken: the core's checked request
/// reference.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Req(NonNull<ruv_req_t>);

impl Req {
    /// # Safety
    /// `ptr` points at a request struct of the kind it will be started as (or
    /// was started as), which the caller leaves in place, and does not touch
    /// but for `data`, from submission until its callback has run (libuv's
    /// rule). A `Req` is not used after its callback.
    #[inline]
    pub unsafe fn new(ptr: NonNull<ruv_req_t>) -> Req {
        Req(ptr)
    }

    #[inline]
    pub fn as_ptr(self) -> *mut ruv_req_t {
        self.0.as_ptr()
    }

    #[inline]
    pub fn cast<T>(self) -> *mut T {
        self.0.as_ptr().cast()
    }

    /// ruv's state in the request.
    #[inline]
    fn state<'a>(self) -> &'a mut ReqState {
        // SAFETY: `new`'s contract; `reserved` is pointer-aligned and large
        // enough (checked above), and ruv's while the request is in flight.
        unsafe { &mut *(&raw mut (*self.0.as_ptr()).reserved).cast::<ReqState>() }
    }

    /// Whether the result is known.
    pub fn is_completed(self) -> bool {
        self.state().completed
    }

    pub fn kind(self) -> ReqKind {
        self.state().kind
    }

    /// Records the request's result: it is complete, to be delivered.
    pub fn set_result(self, status: isize) {
        let s = self.state();
        debug_assert!(!s.completed);
        s.status = status;
        s.completed = true;
    }

    /// The handle's key and generation, if the request has a handle.
    pub fn handle_id(self) -> Option<(u32, u32)> {
        let s = self.state();
        (s.handle_generation != 0).then_some((s.handle_key, s.handle_generation))
    }
}

/// The completed requests waiting for the pending phase, oldest first,
/// linked through their `ReqState::next`.
pub(crate) struct ReqQueue {
    head: *mut ruv_req_t,
    tail: *mut ruv_req_t,
}

impl Default for ReqQueue {
    fn default() -> Self {
        ReqQueue { head: null_mut(), tail: null_mut() }
    }
}

impl ReqQueue {
    pub fn is_empty(&self) -> bool {
        self.head.is_null()
    }

    fn push(&mut self, req: Req) {
        req.state().next = null_mut();
        match NonNull::new(self.tail) {
            // SAFETY: requests on the queue are in flight (`Req::new`).
            Some(tail) => unsafe { Req::new(tail) }.state().next = req.as_ptr(),
            None => self.head = req.as_ptr(),
        }
        self.tail = req.as_ptr();
    }

    fn pop(&mut self) -> Option<Req> {
        // SAFETY: requests on the queue are in flight.
        let req = unsafe { Req::new(NonNull::new(self.head)?) };
        self.head = req.state().next;
        if self.head.is_null() {
            self.tail = null_mut();
        }
        Some(req)
    }

    /// Takes out the requests of one handle, keeping the others in order.
    fn take_handle(&mut self, id: (u32, u32)) -> ReqQueue {
        let mut mine = ReqQueue::default();
        let mut rest = ReqQueue::default();
        while let Some(req) = self.pop() {
            if req.handle_id() == Some(id) { mine.push(req) } else { rest.push(req) }
        }
        *self = rest;
        mine
    }
}

impl LoopInner {
    /// Takes a request in flight: counted in `active_reqs` until its callback.
    pub(crate) fn req_start(&mut self, req: Req, kind: ReqKind, handle: Option<Handle>) {
        // SAFETY: `Req`'s contract: the struct is the caller's request.
        unsafe { (*req.as_ptr()).r#type = kind.req_type() };
        let (handle_key, handle_generation) = handle.map_or((0, 0), |h| (h.key(), h.generation()));
        *req.state() = ReqState { next: null_mut(), status: 0, handle_key, handle_generation, kind, completed: false };
        self.add_active_reqs(1);
    }

    /// The request's result is known: queue it for the pending phase.
    pub(crate) fn req_complete(&mut self, req: Req, status: isize) {
        req.set_result(status);
        self.completed.push(req);
    }

    /// The request's handle, if it has one that is still registered.
    fn req_handle(&self, req: Req) -> Option<Handle> {
        let (key, generation) = req.handle_id()?;
        self.handles.get(key, generation)
    }

    /// One round of the pending phase: delivers the requests completed
    /// before it began. Returns whether there were any.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter).
    #[inline(always)]
    pub(crate) unsafe fn run_pending(lp: *mut LoopInner) -> bool {
        // SAFETY: a short borrow.
        if unsafe { (*lp).completed.is_empty() } {
            return false;
        }
        // SAFETY: forwarded.
        unsafe { Self::run_pending_round(lp) };
        true
    }

    /// # Safety
    /// As [`LoopInner::run_pending`].
    #[inline(never)]
    unsafe fn run_pending_round(lp: *mut LoopInner) {
        // SAFETY: a short borrow; `deliver` ends its own before user code.
        let mut batch = std::mem::take(unsafe { &mut (*lp).completed });
        while let Some(req) = batch.pop() {
            // SAFETY: forwarded.
            unsafe { Self::deliver(lp, req) };
        }
    }

    /// The close phase, before a handle's close callback: its requests that
    /// are still queued get their callbacks now.
    ///
    /// # Safety
    /// As [`LoopInner::run_pending`].
    pub(crate) unsafe fn deliver_handle_reqs(lp: *mut LoopInner, h: Handle) {
        // SAFETY: a short borrow.
        let completed = unsafe { &mut (*lp).completed };
        if completed.is_empty() {
            return;
        }
        let mut mine = completed.take_handle((h.key(), h.generation()));
        while let Some(req) = mine.pop() {
            // SAFETY: forwarded.
            unsafe { Self::deliver(lp, req) };
        }
    }

    /// Ends a request: uncounts it and calls its callback (with what its
    /// kind does around that).
    ///
    /// # Safety
    /// As [`LoopInner::run_pending`]; `req` is completed and on no queue.
    pub(crate) unsafe fn deliver(lp: *mut LoopInner, req: Req) {
        // SAFETY: a short borrow, ended before the callback below.
        let handle = {
            // SAFETY: `lp` is live; this borrow ends before any user code runs.
            let this = unsafe { &mut *lp };
            this.add_active_reqs(-1);
            this.req_handle(req)
        };
        let result = req.state().status;
        let status = result as std::ffi::c_int;
        // SAFETY: forwarded; each kind's delivery ends its borrows before
        // calling the user's callback.
        unsafe {
            match req.kind() {
                ReqKind::Write => Self::deliver_write(req.cast::<ruv_write_t>(), status),
                ReqKind::Connect => Self::deliver_connect(lp, handle, req.cast::<ruv_connect_t>(), status),
                ReqKind::Shutdown => Self::deliver_shutdown(req.cast::<ruv_shutdown_t>(), status),
                ReqKind::Work => Self::deliver_work(req.cast::<ruv_work_t>(), status),
                ReqKind::Fs => Self::deliver_fs(req.cast::<ruv_fs_t>(), result),
                ReqKind::GetAddrInfo => Self::deliver_getaddrinfo(req.cast::<ruv_getaddrinfo_t>(), status),
                ReqKind::GetNameInfo => Self::deliver_getnameinfo(req.cast::<ruv_getnameinfo_t>(), status),
                ReqKind::FsPollStat => {
                    (*req.cast::<ruv_fs_t>()).result = result;
                    Self::fs_poll_stat_done(lp, req.cast::<ruv_fs_t>())
                }
            }
        }
    }
}
