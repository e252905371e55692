//! Idle, prepare and check handles: callbacks run once per iteration, idle
//! before prepare before polling for I/O, check after it.
//!
//! Within a phase the most recently started handle runs first (libuv inserts
//! at the head of its queue). A handle started by a callback of the same phase
//! waits for the next iteration, and one stopped by an earlier callback, or
//! stopped and started again, does not run in this round.

use crate::error::RUV_EINVAL;
use crate::event_loop::LoopInner;
use crate::ffi::handle::ruv_handle_t;
use crate::handle_state::{self, Kind, PhaseFields, ACTIVE, CLOSING};
use crate::timer::HandleCb;
use std::ffi::c_int;

/// The three per-iteration phases.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    Idle = 0,
    Prepare = 1,
    Check = 2,
}

impl Phase {
    fn of(h: *mut ruv_handle_t) -> Phase {
        // SAFETY: only called on registered idle, prepare and check handles.
        match unsafe { handle_state::kind(h) } {
            Some(Kind::Idle) => Phase::Idle,
            Some(Kind::Prepare) => Phase::Prepare,
            _ => Phase::Check,
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

fn fields<'a>(h: *mut ruv_handle_t) -> &'a mut PhaseFields {
    // SAFETY: only called on registered phase handles, never across user code.
    unsafe { handle_state::fields(h) }
}

impl LoopInner {
    /// `ruv_{idle,prepare,check}_start`. Starting an active handle does
    /// nothing (its callback stays the one it was started with), as in libuv.
    pub(crate) fn phase_start(&mut self, h: *mut ruv_handle_t, key: u32, cb: Option<HandleCb>) -> Result<(), c_int> {
        // SAFETY: a registered handle.
        let flags = unsafe { handle_state::flags(h) };
        if flags & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        if flags & ACTIVE != 0 {
            return Ok(());
        }
        if cb.is_none() {
            return Err(RUV_EINVAL);
        }
        let list = &mut self.phases[Phase::of(h) as usize];
        let start = list.next_start;
        list.next_start += 1;
        list.started.push(key);
        let p = fields(h);
        p.cb = cb;
        p.start = start;
        self.activate(h);
        Ok(())
    }

    /// `ruv_{idle,prepare,check}_stop`.
    pub(crate) fn phase_stop(&mut self, h: *mut ruv_handle_t, key: u32) {
        // SAFETY: a registered handle.
        if unsafe { handle_state::flags(h) } & ACTIVE == 0 {
            return;
        }
        let started = &mut self.phases[Phase::of(h) as usize].started;
        if let Some(i) = started.iter().rposition(|&k| k == key) {
            started.remove(i);
        }
        self.deactivate(h);
    }

    /// Runs one phase's callbacks (an empty phase costs one test).
    #[inline]
    pub(crate) unsafe fn run_phase(lp: *mut LoopInner, phase: Phase) {
        // SAFETY: a short borrow.
        if unsafe { (*lp).phases[phase as usize].started.is_empty() } {
            return;
        }
        unsafe { Self::run_phase_round(lp, phase) }
    }

    unsafe fn run_phase_round(lp: *mut LoopInner, phase: Phase) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let mut round = {
            let this = unsafe { &mut *lp };
            if this.phases[phase as usize].started.is_empty() {
                return;
            }
            let mut round = std::mem::take(&mut this.phases[phase as usize].round);
            for &key in this.phases[phase as usize].started.iter().rev() {
                let slot = this.handles.slot_mut(key);
                round.push((key, slot.generation, fields(slot.handle()).start));
            }
            round
        };
        for &(key, generation, start) in &round {
            let call = {
                let this = unsafe { &mut *lp };
                let Some(slot) = this.handles.get(key, generation) else { continue };
                let h = slot.handle();
                let active = unsafe { handle_state::flags(h) } & ACTIVE != 0;
                let p = fields(h);
                if !active || p.start != start {
                    continue;
                }
                p.cb.map(|cb| (cb, h))
            };
            if let Some((cb, h)) = call {
                unsafe { cb(h) };
            }
        }
        round.clear();
        unsafe { (*lp).phases[phase as usize].round = round };
    }
}
