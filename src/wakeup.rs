//! Async handles: the one thread-safe way to wake a loop.
//!
//! `ruv_async_send` may be called from any thread. It works only on the
//! caller's struct (an atomic `pending` word and an in-flight counter in the
//! handle's private block) and the loop's `mio::Waker`, never on loop state:
//! the loop thread owns that. Sends coalesce: however many arrive before the
//! loop looks, the callback runs once.

use crate::error::{RUV_EBADF, RUV_EINVAL};
use crate::event_loop::LoopInner;
use crate::ffi::async_handle::ruv_async_t;
use crate::ffi::handle::{self, ruv_handle_t, HANDLE_LIVE};
use crate::handle_state::{self, AsyncFields, Kind, CLOSING};
use crate::timer::HandleCb;
use std::ffi::c_int;
use std::sync::atomic::{AtomicU32, Ordering};

/// `pending` word: a send arrived since the loop last looked.
const PENDING: u32 = 1;
/// `pending` word: the handle is closing; sends are refused.
const CLOSING_BIT: u32 = 2;

unsafe fn pending(a: *mut ruv_async_t) -> &'static AtomicU32 {
    // SAFETY: 4-aligned field of the caller's struct, alive while the handle is.
    unsafe { AtomicU32::from_ptr(&raw mut (*a).internal_async.pending) }
}

unsafe fn in_flight(a: *mut ruv_async_t) -> &'static AtomicU32 {
    // SAFETY: as above.
    unsafe { AtomicU32::from_ptr(&raw mut (*a).internal_async.in_flight) }
}

/// The loop's async handles.
#[derive(Default)]
pub struct Asyncs {
    keys: Vec<u32>,
    /// The running scan's `(key, generation)`, kept to reuse it.
    scan: Vec<(u32, u32)>,
}

impl LoopInner {
    /// `ruv_async_init`: the handle is active from the start.
    pub(crate) unsafe fn async_init(&mut self, a: *mut ruv_async_t, cb: Option<HandleCb>) {
        let h = a.cast();
        // SAFETY: the caller's struct, now owned by ruv's private fields.
        unsafe {
            (*a).internal_async.pending = 0;
            (*a).internal_async.in_flight = 0;
            (*a).internal_async.waker = (&raw const self.waker).cast();
        }
        let key = unsafe { self.register(h, handle::RUV_ASYNC, Kind::Async) };
        unsafe { handle_state::fields::<AsyncFields>(h) }.cb = cb;
        self.asyncs.keys.push(key);
        self.activate(h);
    }

    /// Closing: refuse new sends and wait for those in flight on other
    /// threads to finish touching the struct.
    pub(crate) fn async_close(&mut self, h: *mut ruv_handle_t, key: u32) {
        let a: *mut ruv_async_t = h.cast();
        // SAFETY: a live async handle.
        unsafe {
            pending(a).fetch_or(CLOSING_BIT, Ordering::SeqCst);
            while in_flight(a).load(Ordering::SeqCst) != 0 {
                std::hint::spin_loop();
            }
        }
        self.asyncs.keys.retain(|&k| k != key);
    }

    /// The waker fired: run the callback of every async handle with a send
    /// pending, once each.
    pub(crate) unsafe fn run_asyncs(lp: *mut LoopInner) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let mut scan = {
            let this = unsafe { &mut *lp };
            let mut scan = std::mem::take(&mut this.asyncs.scan);
            for &key in &this.asyncs.keys {
                scan.push((key, this.handles.slot_mut(key).generation));
            }
            scan
        };
        for &(key, generation) in &scan {
            let call = {
                let this = unsafe { &mut *lp };
                let Some(slot) = this.handles.get(key, generation) else { continue };
                let h = slot.handle();
                if unsafe { handle_state::flags(h) } & CLOSING != 0 {
                    continue;
                }
                let was = unsafe { pending(h.cast()) }.fetch_and(!PENDING, Ordering::AcqRel);
                if was & PENDING == 0 {
                    continue;
                }
                unsafe { handle_state::fields::<AsyncFields>(h) }.cb.map(|cb| (cb, h))
            };
            if let Some((cb, h)) = call {
                unsafe { cb(h) };
            }
        }
        scan.clear();
        unsafe { (*lp).asyncs.scan = scan };
    }
}

/// `ruv_async_send`, from any thread.
pub(crate) unsafe fn send(a: *mut ruv_async_t) -> c_int {
    if a.is_null() {
        return RUV_EINVAL;
    }
    let h = a.cast();
    // SAFETY: the struct is the caller's; only atomics and fields written
    // before the handle was shared are read.
    unsafe {
        if (*a).internal.owner != a.cast() || (*a).r#type != handle::RUV_ASYNC {
            return RUV_EINVAL;
        }
        if handle::state(h) != HANDLE_LIVE {
            return RUV_EBADF;
        }
        in_flight(a).fetch_add(1, Ordering::SeqCst);
        let word = pending(a).load(Ordering::SeqCst);
        let result = if word & CLOSING_BIT != 0 {
            RUV_EBADF
        } else {
            if word & PENDING == 0 && pending(a).fetch_or(PENDING, Ordering::AcqRel) & PENDING == 0 {
                let waker: *const mio::Waker = (*a).internal_async.waker.cast();
                // A failed wake means the eventfd counter is full: the loop
                // is being woken anyway.
                let _ = (*waker).wake();
            }
            0
        };
        in_flight(a).fetch_sub(1, Ordering::SeqCst);
        result
    }
}
