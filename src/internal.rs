//! ruv's own handles: handles the loop makes for itself, with the same
//! machinery as the caller's (the registry, the timer wheel), but flagged
//! `handle::INTERNAL`: `ruv_walk` does not show them, they are unreferenced
//! (they keep the loop alive only through the handles they serve), and
//! `ruv_loop_close` frees them instead of waiting for them.
//!
//! Each has a purpose; an internal timer's expiry is dispatched on it.

use crate::abi::{RUV_TIMER, ruv_handle_t, ruv_timer_t};
use crate::error::Result;
use crate::event_loop::LoopInner;
use crate::handle::{Handle, INTERNAL, Kind};
use std::ptr::NonNull;

/// What an internal handle is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Purpose {
    /// Accepting again after the process ran out of descriptors
    /// (`stream.rs`).
    AcceptRetry,
    /// The next stat of a stat-polling handle (`fs_poll.rs`), by the
    /// address of its context.
    FsPoll(usize),
    /// Children whose exit no pidfd reports (`process.rs`: no pidfd_open,
    /// as under valgrind 3.19 or Linux before 5.3).
    ChildPoll,
}

/// The loop's internal handles; their structs are owned here.
#[derive(Default)]
pub(crate) struct InternalHandles {
    timers: Vec<(Purpose, Box<ruv_timer_t>)>,
}

impl InternalHandles {
    /// How many there are (they do not count as the caller's open handles).
    pub fn count(&self) -> usize {
        self.timers.len()
    }

    fn find(&self, purpose: Purpose) -> Option<Handle> {
        self.timers.iter().find(|(p, _)| *p == purpose).map(|(_, t)| {
            // SAFETY: the boxed struct was registered by `internal_timer` and
            // stays registered and in place (boxed) until
            // `remove_internal_timer` or the loop's end.
            unsafe { Handle::new(NonNull::from(&**t).cast()) }
        })
    }
}

impl LoopInner {
    /// The internal timer for `purpose`, made on first use.
    pub(crate) fn internal_timer(&mut self, purpose: Purpose) -> Result<Handle> {
        if let Some(h) = self.internal.find(purpose) {
            return Ok(h);
        }
        // SAFETY: all-zero is a valid timer struct before init.
        let timer: Box<ruv_timer_t> = Box::new(unsafe { std::mem::zeroed() });
        let ptr = NonNull::from(&*timer).cast::<ruv_handle_t>();
        // SAFETY: a timer-sized struct, owned by the loop until it is freed.
        let h = unsafe { self.register(ptr, RUV_TIMER, Kind::Timer) }?;
        h.set_flags(h.flags() | INTERNAL);
        self.set_ref(h, false);
        self.internal.timers.push((purpose, timer));
        Ok(h)
    }

    /// Stops and frees the internal timer for `purpose`, if there is one.
    pub(crate) fn remove_internal_timer(&mut self, purpose: Purpose) {
        let Some(h) = self.internal.find(purpose) else { return };
        self.timer_stop(h);
        self.unregister(h);
        self.internal.timers.retain(|(p, _)| *p != purpose);
    }

    /// An internal timer fell due: do what it is for.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (this may call user
    /// code).
    pub(crate) unsafe fn internal_timer_fired(lp: *mut LoopInner, h: Handle) {
        // SAFETY: a short borrow.
        let purpose = unsafe { &(*lp).internal }.timers.iter().find(|(_, t)| std::ptr::eq(&**t, h.cast()));
        match purpose.map(|(p, _)| *p) {
            // SAFETY: forwarded.
            Some(Purpose::AcceptRetry) => unsafe { Self::run_accept_retries(lp) },
            // SAFETY: a short borrow; the next stat runs no user code.
            Some(Purpose::FsPoll(ctx)) => unsafe { (*lp).fs_poll_tick(ctx) },
            // SAFETY: forwarded.
            Some(Purpose::ChildPoll) => unsafe { Self::poll_children(lp) },
            None => {}
        }
    }
}
