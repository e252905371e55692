//! Idle, prepare and check handles: callbacks run once per iteration, idle
//! before prepare before polling for I/O, check after it.
//!
//! Within a phase the most recently started handle runs first (libuv inserts
//! at the head of its queue). A handle started by a callback of the same phase
//! waits for the next iteration, and one stopped by an earlier callback, or
//! stopped and started again, does not run in this round.

use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind, PhaseCb, PhaseFields};

/// The three per-iteration phases.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    Idle = 0,
    Prepare = 1,
    Check = 2,
}

impl Phase {
    /// The phase of an idle, prepare or check handle.
    fn of(h: Handle) -> Phase {
        match h.kind() {
            Kind::Idle => Phase::Idle,
            Kind::Prepare => Phase::Prepare,
            Kind::Check => Phase::Check,
            kind @ (Kind::Timer
            | Kind::Async
            | Kind::Poll
            | Kind::Tcp
            | Kind::Pipe
            | Kind::FsPoll
            | Kind::FsEvent
            | Kind::Signal
            | Kind::Tty
            | Kind::Process) => {
                unreachable!("{kind:?} is not a phase handle")
            }
        }
    }
}

/// The started handles of one phase.
#[derive(Default)]
pub struct PhaseList {
    /// Keys in start order; the last started runs first.
    started: Vec<u32>,
    /// The running round's `(key, generation, start)`, kept to reuse it.
    round: Vec<(u32, u32, u64)>,
    next_start: u64,
}

impl PhaseList {
    pub fn is_empty(&self) -> bool {
        self.started.is_empty()
    }
}

fn fields<'a>(h: Handle) -> &'a mut PhaseFields {
    h.fields()
}

impl LoopInner {
    /// `ruv_{idle,prepare,check}_start`. Starting an active handle does
    /// nothing (its callback stays the one it was started with), as in libuv.
    pub(crate) fn phase_start(&mut self, h: Handle, cb: Option<PhaseCb>) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        if h.is_active() {
            return Ok(());
        }
        if cb.is_none() {
            return Err(Error::INVAL);
        }
        let list = &mut self.phases[Phase::of(h) as usize];
        let start = list.next_start;
        list.next_start += 1;
        list.started.push(h.key());
        let p = fields(h);
        p.cb = cb;
        p.start = start;
        self.activate(h);
        Ok(())
    }

    /// `ruv_{idle,prepare,check}_stop`.
    pub(crate) fn phase_stop(&mut self, h: Handle) {
        if !h.is_active() {
            return;
        }
        let started = &mut self.phases[Phase::of(h) as usize].started;
        if let Some(i) = started.iter().rposition(|&k| k == h.key()) {
            started.remove(i);
        }
        self.deactivate(h);
    }

    /// Runs one phase's callbacks (an empty phase costs one test).
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter).
    #[inline(always)]
    pub(crate) unsafe fn run_phase(lp: *mut LoopInner, phase: Phase) {
        // SAFETY: a short borrow.
        if unsafe { (*lp).phases[phase as usize].started.is_empty() } {
            return;
        }
        // SAFETY: forwarded.
        unsafe { Self::run_phase_round(lp, phase) }
    }

    /// # Safety
    /// As [`LoopInner::run_phase`].
    #[inline(never)]
    unsafe fn run_phase_round(lp: *mut LoopInner, phase: Phase) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let mut round = {
            // SAFETY: `lp` is live; this borrow ends before any user code runs.
            let this = unsafe { &mut *lp };
            if this.phases[phase as usize].started.is_empty() {
                return;
            }
            let mut round = std::mem::take(&mut this.phases[phase as usize].round);
            for &key in this.phases[phase as usize].started.iter().rev() {
                let h = this.handles.handle_at(key);
                round.push((key, h.generation(), fields(h).start));
            }
            round
        };
        for &(key, generation, start) in &round {
            let call = {
                // SAFETY: as above.
                let this = unsafe { &mut *lp };
                let Some(h) = this.handles.get(key, generation) else { continue };
                let p = fields(h);
                if !h.is_active() || p.start != start {
                    continue;
                }
                p.cb.map(|cb| (cb, h))
            };
            if let Some((cb, h)) = call {
                // SAFETY: the callback was given for this handle's kind.
                unsafe { cb.call(h) };
            }
        }
        round.clear();
        // SAFETY: a short borrow.
        unsafe { (*lp).phases[phase as usize].round = round };
    }
}
