//! Idle, prepare and check handles: callbacks run once per iteration, idle
//! before prepare before polling for I/O, check after it.
//!
//! Within a phase the most recently started handle runs first (libuv inserts
//! at the head of its queue). A handle started by a callback of the same phase
//! waits for the next iteration, and one stopped by an earlier callback, or
//! stopped and started again, does not run in this round.

use crate::error::RUV_EINVAL;
use crate::event_loop::LoopInner;
use crate::registry::{Kind, ACTIVE, CLOSING};
use crate::timer::HandleCb;
use std::ffi::c_int;

/// The three per-iteration phases.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    Idle = 0,
    Prepare = 1,
    Check = 2,
}

/// An idle, prepare or check handle's state.
pub struct PhaseState {
    pub phase: Phase,
    pub cb: Option<HandleCb>,
    /// Which start this is: a handle stopped and started again during a round
    /// is a different start and waits for the next round.
    start: u64,
}

impl PhaseState {
    pub fn new(phase: Phase) -> Self {
        PhaseState { phase, cb: None, start: 0 }
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

impl LoopInner {
    fn phase_state(&mut self, key: u32) -> &mut PhaseState {
        match &mut self.handles.slot_mut(key).kind {
            Kind::Phase(p) => p,
            _ => unreachable!("checked by the caller"),
        }
    }

    /// `ruv_{idle,prepare,check}_start`. Starting an active handle does
    /// nothing (its callback stays the one it was started with), as in libuv.
    pub(crate) fn phase_start(&mut self, key: u32, cb: Option<HandleCb>) -> Result<(), c_int> {
        let flags = self.handles.slot_mut(key).flags;
        if flags & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        if flags & ACTIVE != 0 {
            return Ok(());
        }
        if cb.is_none() {
            return Err(RUV_EINVAL);
        }
        let phase = self.phase_state(key).phase;
        let list = &mut self.phases[phase as usize];
        let start = list.next_start;
        list.next_start += 1;
        list.started.push(key);
        let p = self.phase_state(key);
        p.cb = cb;
        p.start = start;
        self.activate(key);
        Ok(())
    }

    /// `ruv_{idle,prepare,check}_stop`.
    pub(crate) fn phase_stop(&mut self, key: u32) {
        if self.handles.slot_mut(key).flags & ACTIVE == 0 {
            return;
        }
        let phase = self.phase_state(key).phase;
        let started = &mut self.phases[phase as usize].started;
        if let Some(i) = started.iter().rposition(|&k| k == key) {
            started.remove(i);
        }
        self.deactivate(key);
    }

    /// Runs one phase's callbacks.
    pub(crate) unsafe fn run_phase(lp: *mut LoopInner, phase: Phase) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let mut round = {
            let this = unsafe { &mut *lp };
            let list = &mut this.phases[phase as usize];
            if list.started.is_empty() {
                return;
            }
            let mut round = std::mem::take(&mut list.round);
            for &key in this.phases[phase as usize].started.iter().rev() {
                let slot = this.handles.slot_mut(key);
                let Kind::Phase(p) = &slot.kind else { continue };
                round.push((key, slot.generation, p.start));
            }
            round
        };
        for &(key, generation, start) in &round {
            let call = {
                let this = unsafe { &mut *lp };
                let Some(slot) = this.handles.get(key, generation) else { continue };
                match &slot.kind {
                    Kind::Phase(p) if slot.flags & ACTIVE != 0 && p.start == start => {
                        p.cb.map(|cb| (cb, slot.handle))
                    }
                    _ => None,
                }
            };
            if let Some((cb, h)) = call {
                unsafe { cb(h) };
            }
        }
        round.clear();
        unsafe { (*lp).phases[phase as usize].round = round };
    }
}
