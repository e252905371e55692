//! Timers: a 4-ary min-heap of (due time, start order), as libev keeps its
//! timers, so that equal timeouts fire in the order they were started and
//! start, stop and again are O(log n) with cache-friendly nodes.
//!
//! Running timers follows libuv's current behaviour: all timers due now are
//! taken off the heap first, then their callbacks run one by one. A timer
//! re-armed with timeout 0 from its own callback therefore waits for the next
//! iteration instead of spinning, and a due timer that an earlier callback
//! stopped, restarted or closed does not run in this batch.

use crate::error::RUV_EINVAL;
use crate::event_loop::LoopInner;
use crate::ffi::handle::ruv_handle_t;
use crate::handle_state::{self, TimerFields, CLOSING};
use crate::registry::Registry;
use std::ffi::c_int;

/// A callback that takes only its handle (timer, idle, prepare, check,
/// async). The typed C callbacks are ABI-compatible with it: they differ only
/// in the pointee type of their one pointer argument.
pub type HandleCb = unsafe extern "C" fn(*mut ruv_handle_t);

/// `Slot::timer_pos` of a timer that is not in the heap.
pub(crate) const IDLE: u32 = u32::MAX;
/// `Slot::timer_pos` of a timer the running batch took off the heap; its
/// callback is about to run.
const READY: u32 = u32::MAX - 1;

#[derive(Clone, Copy)]
struct Node {
    due: u64,
    /// Start order: breaks ties between equal due times.
    seq: u64,
    key: u32,
}

impl Node {
    #[inline]
    fn before(&self, other: &Node) -> bool {
        (self.due, self.seq) < (other.due, other.seq)
    }
}

const ARITY: usize = 4;

/// The loop's timers.
#[derive(Default)]
pub struct TimerHeap {
    nodes: Vec<Node>,
    next_seq: u64,
    /// The running batch's `(key, generation)`, kept to reuse its allocation.
    ready: Vec<(u32, u32)>,
}

impl TimerHeap {
    /// The earliest due time, if any timer is pending.
    pub fn next_due(&self) -> Option<u64> {
        self.nodes.first().map(|n| n.due)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    // The heap's invariant, kept by every function below: `nodes[i].key` is a
    // live registry key whose `timer_pos` is `i`. A timer leaves the heap
    // (`timer_stop`, also on close) before its slot is freed. That is what
    // makes the unchecked accesses sound; they matter here because every
    // level of a sift touches both arrays.

    #[inline]
    fn node(&self, i: usize) -> Node {
        debug_assert!(i < self.nodes.len());
        // SAFETY: callers index below `nodes.len()`.
        unsafe { *self.nodes.get_unchecked(i) }
    }

    #[inline]
    fn place(&mut self, reg: &mut Registry, i: usize, node: Node) {
        debug_assert!(i < self.nodes.len());
        // SAFETY: `i` is in bounds; `node.key` is live (the invariant).
        unsafe {
            *self.nodes.get_unchecked_mut(i) = node;
            reg.slot_unchecked(node.key).timer_pos = i as u32;
        }
    }

    fn sift_up(&mut self, reg: &mut Registry, mut i: usize, node: Node) {
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let p = self.node(parent);
            if !node.before(&p) {
                break;
            }
            self.place(reg, i, p);
            i = parent;
        }
        self.place(reg, i, node);
    }

    fn sift_down(&mut self, reg: &mut Registry, mut i: usize, node: Node) {
        let n = self.nodes.len();
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            let mut best_node = self.node(first);
            for c in first + 1..(first + ARITY).min(n) {
                let candidate = self.node(c);
                if candidate.before(&best_node) {
                    best = c;
                    best_node = candidate;
                }
            }
            if !best_node.before(&node) {
                break;
            }
            self.place(reg, i, best_node);
            i = best;
        }
        self.place(reg, i, node);
    }

    /// Puts `node` at `i` and restores the order around it.
    fn settle(&mut self, reg: &mut Registry, i: usize, node: Node) {
        if i > 0 && node.before(&self.node((i - 1) / ARITY)) {
            self.sift_up(reg, i, node);
        } else {
            self.sift_down(reg, i, node);
        }
    }

    fn next_node(&mut self, key: u32, due: u64) -> Node {
        let node = Node { due, seq: self.next_seq, key };
        self.next_seq += 1;
        node
    }

    fn push(&mut self, reg: &mut Registry, key: u32, due: u64) {
        let node = self.next_node(key, due);
        self.nodes.push(node);
        self.sift_up(reg, self.nodes.len() - 1, node);
    }

    /// Gives the timer at `i` a new due time and start order, in place (a
    /// restart of an active timer: cheaper than a removal and a push).
    fn reschedule(&mut self, reg: &mut Registry, i: usize, key: u32, due: u64) {
        let node = self.next_node(key, due);
        self.settle(reg, i, node);
    }

    /// Takes the node at `i` out of the heap; the timer's `timer_pos` is left
    /// for the caller to set.
    fn remove_at(&mut self, reg: &mut Registry, i: usize) -> Node {
        let removed = self.node(i);
        let last = self.nodes.pop().expect("heap is not empty");
        if i < self.nodes.len() {
            self.settle(reg, i, last);
        }
        removed
    }
}

/// The timer fields of a registered timer.
#[inline]
fn fields<'a>(h: *mut ruv_handle_t) -> &'a mut TimerFields {
    // SAFETY: only called on registered timers, never across user code.
    unsafe { handle_state::fields(h) }
}

impl LoopInner {
    /// Puts a stopped timer on the heap, due `timeout` ms from now.
    fn timer_arm(&mut self, h: *mut ruv_handle_t, key: u32, timeout: u64) {
        let due = self.now_ms.saturating_add(timeout);
        fields(h).due = due;
        self.timers.push(&mut self.handles, key, due);
        self.activate(h);
    }

    /// `ruv_timer_start`.
    pub(crate) fn timer_start(
        &mut self,
        h: *mut ruv_handle_t,
        key: u32,
        cb: Option<HandleCb>,
        timeout: u64,
        repeat: u64,
    ) -> Result<(), c_int> {
        // SAFETY: a registered timer.
        if cb.is_none() || unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        let t = fields(h);
        t.cb = cb;
        t.repeat = repeat;
        match self.handles.slot_mut(key).timer_pos {
            pos @ 0..READY => {
                // Restarting an active timer: move it within the heap.
                let due = self.now_ms.saturating_add(timeout);
                fields(h).due = due;
                self.timers.reschedule(&mut self.handles, pos as usize, key, due);
            }
            _ => {
                self.timer_stop(h, key);
                self.timer_arm(h, key, timeout);
            }
        }
        Ok(())
    }

    /// `ruv_timer_stop`: takes the timer off the heap, or out of the batch
    /// that is running.
    pub(crate) fn timer_stop(&mut self, h: *mut ruv_handle_t, key: u32) {
        match self.handles.slot_mut(key).timer_pos {
            IDLE => return,
            READY => {}
            pos => {
                self.timers.remove_at(&mut self.handles, pos as usize);
            }
        }
        self.handles.slot_mut(key).timer_pos = IDLE;
        self.deactivate(h);
    }

    /// `ruv_timer_again`: restarts a repeating timer with its repeat as the
    /// timeout; does nothing for a timer with repeat 0 (libuv's behaviour).
    pub(crate) fn timer_again(&mut self, h: *mut ruv_handle_t, key: u32) -> Result<(), c_int> {
        let t = fields(h);
        if t.cb.is_none() {
            return Err(RUV_EINVAL);
        }
        let (cb, repeat) = (t.cb, t.repeat);
        if repeat != 0 {
            self.timer_start(h, key, cb, repeat, repeat)?;
        }
        Ok(())
    }

    pub(crate) fn timer_set_repeat(h: *mut ruv_handle_t, repeat: u64) {
        fields(h).repeat = repeat;
    }

    pub(crate) fn timer_get_repeat(h: *mut ruv_handle_t) -> u64 {
        fields(h).repeat
    }

    /// Milliseconds until the timer is due; 0 if that time has passed.
    pub(crate) fn timer_get_due_in(&self, h: *mut ruv_handle_t) -> u64 {
        fields(h).due.saturating_sub(self.now_ms)
    }

    /// The timer phase: runs every timer due at the cached time.
    pub(crate) unsafe fn run_timers(lp: *mut LoopInner) {
        // SAFETY: each `&mut *lp` below ends before user code is called.
        let mut ready = {
            let this = unsafe { &mut *lp };
            match this.timers.next_due() {
                Some(due) if due <= this.now_ms => {}
                _ => return,
            }
            let mut ready = std::mem::take(&mut this.timers.ready);
            while let Some(due) = this.timers.next_due() {
                if due > this.now_ms {
                    break;
                }
                let node = this.timers.remove_at(&mut this.handles, 0);
                let slot = this.handles.slot_mut(node.key);
                slot.timer_pos = READY;
                let (h, generation) = (slot.handle(), slot.generation);
                this.deactivate(h);
                ready.push((node.key, generation));
            }
            ready
        };
        for &(key, generation) in &ready {
            let call = {
                let this = unsafe { &mut *lp };
                let Some(slot) = this.handles.get_mut(key, generation) else { continue };
                if slot.timer_pos != READY {
                    continue; // stopped, restarted or closed by an earlier callback
                }
                slot.timer_pos = IDLE;
                let h = slot.handle();
                let (cb, repeat) = (fields(h).cb, fields(h).repeat);
                if repeat != 0 {
                    this.timer_arm(h, key, repeat);
                }
                cb.map(|cb| (cb, h))
            };
            if let Some((cb, h)) = call {
                unsafe { cb(h) };
            }
        }
        ready.clear();
        unsafe { (*lp).timers.ready = ready };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The heap alone, against a sorted reference, with random removals.
    #[test]
    fn heap_orders_by_due_then_start() {
        let mut reg = Registry::new();
        let mut heap = TimerHeap::default();
        let mut keys = Vec::new();
        let mut x: u64 = 12345;
        for i in 0..2000usize {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let fake = std::ptr::NonNull::new((0x1000 + i * 8) as *mut ruv_handle_t).unwrap();
            let (key, _) = reg.insert(fake);
            let due = (x >> 33) % 50; // many equal due times
            heap.push(&mut reg, key, due);
            keys.push((key, due));
        }
        // remove every third timer through its recorded position
        let mut expected = Vec::new();
        for (i, &(key, due)) in keys.iter().enumerate() {
            if i % 3 == 0 {
                let pos = reg.slot_mut(key).timer_pos as usize;
                assert_eq!(heap.nodes[pos].key, key);
                heap.remove_at(&mut reg, pos);
            } else {
                expected.push((due, i, key));
            }
        }
        expected.sort();
        let mut got = Vec::new();
        while !heap.is_empty() {
            got.push(heap.remove_at(&mut reg, 0).key);
        }
        let want: Vec<u32> = expected.iter().map(|e| e.2).collect();
        assert_eq!(got, want);
    }
}
