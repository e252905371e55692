//! Async handles: the one thread-safe way to wake a loop.
//!
//! `ruv_async_send` may be called from any thread. It works only on the
//! caller's struct (an atomic `pending` word and an in-flight counter in the
//! handle's private block) and the loop's `mio::Waker`, never on loop state:
//! the loop thread owns that. Sends coalesce: however many arrive before the
//! loop looks, the callback runs once.

use crate::abi::{HANDLE_LIVE, RUV_ASYNC, ruv_async_cb, ruv_async_t, ruv_handle_t};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{self, AsyncFields, Handle, Kind};
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// `pending` word: a send arrived since the loop last looked.
const PENDING: u32 = 1;
/// `pending` word: the handle is closing; sends are refused.
const CLOSING_BIT: u32 = 2;

/// The handle's `pending` word.
///
/// # Safety
/// `a` points at an async handle struct; the reference is used only while
/// the struct is (the handle is open, or a send is in flight).
unsafe fn pending<'a>(a: *mut ruv_async_t) -> &'a AtomicU32 {
    // SAFETY: a 4-aligned field of the caller's struct (the caller's contract).
    unsafe { AtomicU32::from_ptr(&raw mut (*a).internal_async.pending) }
}

/// The handle's count of sends in flight on other threads.
///
/// # Safety
/// As [`pending`].
unsafe fn in_flight<'a>(a: *mut ruv_async_t) -> &'a AtomicU32 {
    // SAFETY: as in `pending`.
    unsafe { AtomicU32::from_ptr(&raw mut (*a).internal_async.in_flight) }
}

/// The loop's async handles.
#[derive(Default)]
pub(crate) struct Asyncs {
    keys: Vec<u32>,
    /// The running scan's `(key, generation)`, kept to reuse it.
    scan: Vec<(u32, u32)>,
}

impl Asyncs {
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl LoopInner {
    /// `ruv_async_init`: the handle is active from the start.
    ///
    /// # Safety
    /// `a` points at an async handle struct that the caller hands to ruv
    /// until its close callback.
    pub(crate) unsafe fn async_init(&mut self, a: NonNull<ruv_async_t>, cb: ruv_async_cb) -> Result {
        // SAFETY: the caller's struct, whose private part is ruv's from now.
        unsafe {
            let p = &mut (*a.as_ptr()).internal_async;
            p.pending = 0;
            p.in_flight = 0;
            p.waker = Arc::as_ptr(&self.waker).cast();
        }
        // SAFETY: forwarded.
        let h = unsafe { self.register(a.cast::<ruv_handle_t>(), RUV_ASYNC, Kind::Async) }?;
        h.fields::<AsyncFields>().cb = cb;
        self.asyncs.keys.push(h.key());
        self.activate(h);
        Ok(())
    }

    /// Closing: refuse new sends and wait for those in flight on other
    /// threads to finish touching the struct.
    pub(crate) fn async_close(&mut self, h: Handle) {
        let a: *mut ruv_async_t = h.cast();
        // SAFETY: a live async handle.
        let (pending, in_flight) = unsafe { (pending(a), in_flight(a)) };
        pending.fetch_or(CLOSING_BIT, Ordering::SeqCst);
        while in_flight.load(Ordering::SeqCst) != 0 {
            std::hint::spin_loop();
        }
        self.asyncs.keys.retain(|&k| k != h.key());
    }

    /// The waker fired: run the callback of every async handle with a send
    /// pending, once each.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter).
    pub(crate) unsafe fn run_asyncs(lp: *mut LoopInner) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let mut scan = {
            // SAFETY: `lp` is live; this borrow ends before any user code runs.
            let this = unsafe { &mut *lp };
            let mut scan = std::mem::take(&mut this.asyncs.scan);
            for &key in &this.asyncs.keys {
                scan.push((key, this.handles.handle_at(key).generation()));
            }
            scan
        };
        for &(key, generation) in &scan {
            let call = {
                // SAFETY: as above.
                let this = unsafe { &mut *lp };
                let Some(h) = this.handles.get(key, generation) else { continue };
                if h.is_closing() {
                    continue;
                }
                // SAFETY: a live async handle.
                let was = unsafe { pending(h.cast()) }.fetch_and(!PENDING, Ordering::AcqRel);
                if was & PENDING == 0 {
                    continue;
                }
                h.fields::<AsyncFields>().cb.map(|cb| (cb, h))
            };
            if let Some((cb, h)) = call {
                // SAFETY: the caller's callback with its own handle.
                unsafe { cb(h.cast()) };
            }
        }
        scan.clear();
        // SAFETY: a short borrow.
        unsafe { (*lp).asyncs.scan = scan };
    }
}

/// `ruv_async_send`, from any thread: checks the struct itself (it cannot
/// consult the loop's registry from another thread).
///
/// # Safety
/// `a` is NULL or points at an async-handle-sized struct.
pub(crate) unsafe fn send(a: *mut ruv_async_t) -> Result {
    if a.is_null() {
        return Err(Error::INVAL);
    }
    // SAFETY: the struct is the caller's; only atomics and fields written
    // before the handle was shared are read.
    unsafe {
        if (*a).internal.owner != a.cast() || (*a).r#type != RUV_ASYNC {
            return Err(Error::INVAL);
        }
        if handle::lifecycle(a.cast()) != HANDLE_LIVE {
            return Err(Error::BADF);
        }
        in_flight(a).fetch_add(1, Ordering::SeqCst);
        let word = pending(a).load(Ordering::SeqCst);
        let result = if word & CLOSING_BIT != 0 {
            Err(Error::BADF)
        } else {
            if word & PENDING == 0 && pending(a).fetch_or(PENDING, Ordering::AcqRel) & PENDING == 0 {
                let waker: *const mio::Waker = (*a).internal_async.waker.cast();
                // A failed wake means the eventfd counter is full: the loop
                // is being woken anyway.
                let _ = (*waker).wake();
            }
            Ok(())
        };
        in_flight(a).fetch_sub(1, Ordering::SeqCst);
        result
    }
}
