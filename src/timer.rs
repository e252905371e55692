//! Timers: a hierarchical timing wheel whose links live in the timers' own
//! structs, as libuv keeps its timer heap inside `uv_timer_t`.
//!
//! Level 0 has 256 one-millisecond slots; each of the 9 levels above has 64
//! slots, each 64 times wider than a slot of the level below (the top level
//! reaches 2^62 ms ahead). A timer goes into the lowest level whose reach
//! covers its due time; when the wheel's time crosses into a slot of an upper
//! level, that slot's timers move down ("cascade"). Start and stop are O(1)
//! list operations; firing touches each timer a bounded number of times; the
//! loop spends no memory per timer besides its registry slot.
//!
//! Order is libuv's: by due time, and timers due at the same time in the order
//! they were started (each start takes a sequence number; a slot's timers are
//! sorted by it when they fire, which costs nothing when they arrived in
//! order).
//!
//! Running timers follows libuv's current behaviour: all timers due now are
//! taken off the wheel first, then their callbacks run one by one. A timer
//! re-armed with timeout 0 from its own callback therefore waits for the next
//! iteration instead of spinning, and a due timer that an earlier callback
//! stopped, restarted or closed does not run in this batch.

use crate::abi::ruv_timer_cb;
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, INTERNAL, TimerFields};
use std::ptr::{addr_of_mut, null_mut};

/// A timer's `substate`: not started.
const IDLE: u8 = 0;
/// A timer's `substate`: on the wheel.
const QUEUED: u8 = 1;
/// A timer's `substate`: the running batch took it off the wheel; its
/// callback is about to run.
const READY: u8 = 2;

/// A list of timers (the first one; `None` when empty). The links are the
/// timers' `next` and `pprev` fields.
type List = Option<Handle>;

const L0_SLOTS: usize = 256;
const L0_SHIFT: u32 = 8;
const UPPER_LEVELS: usize = 9;
const UPPER_SLOTS: usize = 64;
const UPPER_SHIFT: u32 = 6;

/// Where upper level `level`'s slots start, in bits of the due time.
const fn upper_shift(level: usize) -> u32 {
    L0_SHIFT + UPPER_SHIFT * level as u32
}

/// The timer fields of a timer.
#[inline]
fn fields<'a>(h: Handle) -> &'a mut TimerFields {
    h.fields()
}

/// Puts `h` first in the list at `head`.
///
/// # Safety
/// `head` points at a list head that stays where it is while linked; `h` is
/// a timer on no list.
unsafe fn link(head: *mut List, h: Handle) {
    // SAFETY: `head` is valid (the caller's contract).
    let first = unsafe { *head };
    let f = fields(h);
    f.next = first;
    f.pprev = head;
    if let Some(first) = first {
        fields(first).pprev = &raw mut f.next;
    }
    // SAFETY: as above.
    unsafe { *head = Some(h) };
}

/// Takes `h` off whatever list it is on.
///
/// # Safety
/// `h` is a timer on a list (so `pprev` points at a live link).
unsafe fn unlink(h: Handle) {
    let f = fields(h);
    // SAFETY: `pprev` is the link that points at `h` (the caller's contract).
    unsafe { *f.pprev = f.next };
    if let Some(next) = f.next {
        fields(next).pprev = f.pprev;
    }
    f.next = None;
    f.pprev = null_mut();
}

/// The loop's timers.
pub struct TimerWheel {
    /// The next millisecond to expire: every timer due before it has been
    /// taken off the wheel, except those on `expired`, and every upper-level
    /// slot that starts at or before it has been cascaded.
    time: u64,
    l0: [List; L0_SLOTS],
    /// Which `l0` slots may be non-empty (cleared lazily).
    l0_bits: [u64; L0_SLOTS / 64],
    upper: [[List; UPPER_SLOTS]; UPPER_LEVELS],
    upper_bits: [u64; UPPER_LEVELS],
    /// Timers started since the last expiry with a due time before `time`
    /// (a timeout of 0): all due at `time - 1`, in start order.
    expired: List,
    /// Timers due more than 2^62 ms ahead (146 million years): never fire.
    far: List,
    /// Timers on the wheel.
    count: usize,
    next_seq: u64,
    /// The running batch: `(start sequence, key, generation, handle)`, kept to
    /// reuse its allocation.
    ready: Vec<(u64, u32, u32, Handle)>,
}

impl TimerWheel {
    /// An empty wheel whose time starts at `now` (loop milliseconds).
    pub fn new(now: u64) -> Self {
        TimerWheel {
            time: now,
            l0: [None; L0_SLOTS],
            l0_bits: [0; L0_SLOTS / 64],
            upper: [[None; UPPER_SLOTS]; UPPER_LEVELS],
            upper_bits: [0; UPPER_LEVELS],
            expired: None,
            far: None,
            count: 0,
            next_seq: 0,
            ready: Vec::new(),
        }
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Puts a registered timer, on no list, where its due time belongs.
    fn place(&mut self, h: Handle) {
        let due = fields(h).due;
        // SAFETY: the heads are fields of this wheel, which lives in the boxed
        // loop state and does not move; `h` is on no list.
        unsafe {
            if due < self.time {
                return link(addr_of_mut!(self.expired), h);
            }
            let delta = due - self.time;
            if delta < L0_SLOTS as u64 {
                let i = (due & (L0_SLOTS as u64 - 1)) as usize;
                self.l0_bits[i / 64] |= 1 << (i % 64);
                return link(addr_of_mut!(self.l0[i]), h);
            }
            let level = ((63 - delta.leading_zeros()) - L0_SHIFT) as usize / UPPER_SHIFT as usize;
            if level >= UPPER_LEVELS {
                return link(addr_of_mut!(self.far), h);
            }
            let i = ((due >> upper_shift(level)) & (UPPER_SLOTS as u64 - 1)) as usize;
            self.upper_bits[level] |= 1 << i;
            link(addr_of_mut!(self.upper[level][i]), h);
        }
    }

    /// Adds a timer due at `due`; returns its start sequence number.
    fn insert(&mut self, h: Handle, due: u64) {
        let f = fields(h);
        f.due = due;
        f.seq = self.next_seq;
        self.next_seq += 1;
        self.count += 1;
        self.place(h);
    }

    fn remove(&mut self, h: Handle) {
        // SAFETY: `h` is a queued timer, so it is on one of this wheel's lists.
        unsafe { unlink(h) };
        self.count -= 1;
    }

    /// Moves the timers of the upper-level slots that start at `t` (a
    /// multiple of 256) down to where they belong now.
    fn cascade(&mut self, t: u64) {
        for level in 0..UPPER_LEVELS {
            let i = ((t >> upper_shift(level)) & (UPPER_SLOTS as u64 - 1)) as usize;
            let mut next = self.upper[level][i].take();
            self.upper_bits[level] &= !(1 << i);
            while let Some(h) = next {
                let f = fields(h);
                next = f.next.take();
                f.pprev = null_mut();
                self.place(h);
            }
            if i != 0 {
                break; // the next level's slot starts later
            }
        }
    }

    /// Appends the timers of `list`, just detached from its head, to the
    /// batch, in start order.
    fn take(&mut self, list: List) {
        let from = self.ready.len();
        let mut next = list;
        while let Some(h) = next {
            let f = fields(h);
            next = f.next.take();
            f.pprev = null_mut();
            h.set_substate(READY);
            self.ready.push((f.seq, h.key(), h.generation(), h));
            self.count -= 1;
        }
        // Lists are built by pushing at the front: a slot filled in start
        // order comes out reversed. Sort only what is not.
        let batch = &mut self.ready[from..];
        if batch.windows(2).all(|w| w[0].0 > w[1].0) {
            batch.reverse();
        } else if !batch.windows(2).all(|w| w[0].0 < w[1].0) {
            batch.sort_unstable_by_key(|e| e.0);
        }
    }

    /// Takes every timer due at or before `now` off the wheel into `ready`,
    /// in (due time, start order).
    fn expire(&mut self, now: u64) {
        if let Some(list) = self.expired.take() {
            self.take(Some(list));
        }
        while self.time <= now {
            let t = self.time;
            let i = (t & (L0_SLOTS as u64 - 1)) as usize;
            if self.l0_bits[i / 64] & (1 << (i % 64)) != 0 {
                self.l0_bits[i / 64] &= !(1 << (i % 64));
                let list = self.l0[i].take();
                self.take(list);
            }
            // Skip to the next slot that may hold timers, or the next cascade.
            let next = match self.next_l0_bit(i + 1) {
                Some(j) => (t & !(L0_SLOTS as u64 - 1)) + j as u64,
                None => (t | (L0_SLOTS as u64 - 1)) + 1,
            };
            self.time = next.min(now + 1);
            if self.time & (L0_SLOTS as u64 - 1) == 0 {
                // Cascade as soon as the time reaches a slot boundary, so the
                // upper levels never hold a slot that has begun: `place` and
                // `next_due` rely on that.
                self.cascade(self.time);
            }
        }
    }

    /// The first set bit of `l0_bits` at or after `from`.
    fn next_l0_bit(&self, from: usize) -> Option<usize> {
        let mut word = from / 64;
        if word >= self.l0_bits.len() {
            return None;
        }
        let mut bits = self.l0_bits[word] & (!0u64 << (from % 64));
        loop {
            if bits != 0 {
                return Some(word * 64 + bits.trailing_zeros() as usize);
            }
            word += 1;
            if word == self.l0_bits.len() {
                return None;
            }
            bits = self.l0_bits[word];
        }
    }

    /// The earliest due time on the wheel, if any.
    pub fn next_due(&mut self) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        if self.expired.is_some() {
            return Some(self.time - 1);
        }
        let base = self.time & !(L0_SLOTS as u64 - 1);
        let i = (self.time & (L0_SLOTS as u64 - 1)) as usize;
        // Level 0 from the current slot on holds this round's timers, which
        // are due before anything else.
        let mut from = i;
        while let Some(j) = self.next_l0_bit(from) {
            if self.l0[j].is_some() {
                return Some(base + j as u64);
            }
            self.l0_bits[j / 64] &= !(1 << (j % 64)); // emptied by stops
            from = j + 1;
        }
        // Otherwise: level 0's slots before the current one (the next
        // round), and each upper level's first slot in time order.
        let mut best = u64::MAX;
        for j in 0..i {
            if self.l0[j].is_some() {
                best = base + L0_SLOTS as u64 + j as u64;
                break;
            }
        }
        for level in 0..UPPER_LEVELS {
            let cur = ((self.time >> upper_shift(level)) & (UPPER_SLOTS as u64 - 1)) as u32;
            let mut bits = self.upper_bits[level].rotate_right((cur + 1) % UPPER_SLOTS as u32);
            while bits != 0 {
                let k = bits.trailing_zeros();
                let slot = ((cur + 1 + k) % UPPER_SLOTS as u32) as usize;
                if let Some(due) = min_due(self.upper[level][slot]) {
                    best = best.min(due);
                    break;
                }
                self.upper_bits[level] &= !(1 << slot); // emptied by stops
                bits &= !(1 << k);
            }
        }
        best = best.min(min_due(self.far).unwrap_or(u64::MAX));
        Some(best)
    }
}

/// The earliest due time on a list.
fn min_due(list: List) -> Option<u64> {
    let mut min = None;
    let mut next = list;
    while let Some(h) = next {
        let f = fields(h);
        min = Some(min.map_or(f.due, |m: u64| m.min(f.due)));
        next = f.next;
    }
    min
}

impl LoopInner {
    /// Puts a stopped timer on the wheel, due `timeout` ms from now.
    fn timer_arm(&mut self, h: Handle, timeout: u64) {
        let due = self.now_ms.saturating_add(timeout);
        self.timers.insert(h, due);
        h.set_substate(QUEUED);
        self.activate(h);
    }

    /// `ruv_timer_start`. `Error::INVAL` for a NULL callback (ruv's internal
    /// timers have none) or a closing timer.
    pub(crate) fn timer_start(&mut self, h: Handle, cb: ruv_timer_cb, timeout: u64, repeat: u64) -> Result {
        if (cb.is_none() && h.flags() & INTERNAL == 0) || h.is_closing() {
            return Err(Error::INVAL);
        }
        self.timer_stop(h);
        let t = fields(h);
        t.cb = cb;
        t.repeat = repeat;
        self.timer_arm(h, timeout);
        Ok(())
    }

    /// `ruv_timer_stop`: takes the timer off the wheel, or out of the batch
    /// that is running.
    pub(crate) fn timer_stop(&mut self, h: Handle) {
        match h.substate() {
            IDLE => return,
            QUEUED => self.timers.remove(h),
            _ => {} // READY: the batch skips it
        }
        h.set_substate(IDLE);
        self.deactivate(h);
    }

    /// `ruv_timer_again`: restarts a repeating timer with its repeat as the
    /// timeout; does nothing for a timer with repeat 0 (libuv's behaviour).
    /// `Error::INVAL` for a timer never started.
    pub(crate) fn timer_again(&mut self, h: Handle) -> Result {
        let t = fields(h);
        if t.cb.is_none() {
            return Err(Error::INVAL);
        }
        let (cb, repeat) = (t.cb, t.repeat);
        if repeat != 0 {
            self.timer_start(h, cb, repeat, repeat)?;
        }
        Ok(())
    }

    pub(crate) fn timer_set_repeat(h: Handle, repeat: u64) {
        fields(h).repeat = repeat;
    }

    pub(crate) fn timer_get_repeat(h: Handle) -> u64 {
        fields(h).repeat
    }

    /// Milliseconds until the timer is due; 0 if that time has passed.
    pub(crate) fn timer_get_due_in(&self, h: Handle) -> u64 {
        fields(h).due.saturating_sub(self.now_ms)
    }

    /// The timer phase: runs every timer due at the cached time (nothing
    /// due costs one test).
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter).
    #[inline(always)]
    pub(crate) unsafe fn run_timers(lp: *mut LoopInner) {
        // SAFETY: a short borrow.
        let this = unsafe { &mut *lp };
        if this.timers.count == 0 {
            // Nothing to expire: the wheel's time may jump (every list is
            // empty, so no slot needs cascading).
            this.timers.time = this.now_ms + 1;
            return;
        }
        if this.timers.expired.is_none() && this.timers.time > this.now_ms {
            return;
        }
        // SAFETY: forwarded.
        unsafe { Self::run_due_timers(lp) }
    }

    /// # Safety
    /// As [`LoopInner::run_timers`].
    #[inline(never)]
    unsafe fn run_due_timers(lp: *mut LoopInner) {
        // SAFETY: each `&mut *lp` below ends before user code is called.
        let mut ready = {
            // SAFETY: `lp` is live; this borrow ends before any user code runs.
            let this = unsafe { &mut *lp };
            this.timers.expire(this.now_ms);
            let ready = std::mem::take(&mut this.timers.ready);
            for &(_, _, _, h) in &ready {
                this.deactivate(h);
            }
            ready
        };
        for &(_, key, generation, h) in &ready {
            let call = {
                // SAFETY: as above.
                let this = unsafe { &mut *lp };
                if this.handles.get(key, generation).is_none() || h.substate() != READY {
                    continue; // stopped, restarted or closed by an earlier callback
                }
                h.set_substate(IDLE);
                let (cb, repeat) = (fields(h).cb, fields(h).repeat);
                if repeat != 0 {
                    this.timer_arm(h, repeat);
                }
                cb
            };
            match call {
                // SAFETY: the caller's callback with its own timer.
                Some(cb) => unsafe { cb(h.cast()) },
                // SAFETY: `lp` is live and not borrowed.
                None if h.flags() & INTERNAL != 0 => unsafe { Self::internal_timer_fired(lp, h) },
                None => {}
            }
        }
        ready.clear();
        // SAFETY: a short borrow.
        unsafe { (*lp).timers.ready = ready };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{ruv_handle_t, ruv_timer_t};
    use crate::handle::Kind;
    use crate::registry::Registry;

    /// Registered, zeroed timer structs for the wheel alone.
    fn timers(reg: &mut Registry, n: usize) -> Vec<Handle> {
        (0..n)
            .map(|_| {
                // SAFETY: all-zero is a valid ruv_timer_t; leaked until the
                // test ends, which is fine for a test.
                let t: &'static mut ruv_timer_t = Box::leak(Box::new(unsafe { std::mem::zeroed() }));
                let h = std::ptr::NonNull::from(t).cast::<ruv_handle_t>();
                let (key, generation) = reg.insert(h).expect("an aligned address");
                // SAFETY: the struct is registered just now, with a kind.
                unsafe {
                    let p = &mut (*h.as_ptr()).internal;
                    p.key = key;
                    p.generation = generation;
                    p.kind = Kind::Timer as u8;
                    Handle::new(h)
                }
            })
            .collect()
    }

    /// Due times spread over every level, equal ones included, with a third
    /// stopped: they come out in (due, start order), the wheel's next_due
    /// always the smallest left, and none early.
    #[test]
    fn wheel_orders_by_due_then_start() {
        let mut reg = Registry::new();
        let start = 1_000_000u64;
        let mut wheel = TimerWheel::new(start);
        let hs = timers(&mut reg, 3000);
        let mut x: u64 = 12345;
        let mut expected = Vec::new();
        for (i, &h) in hs.iter().enumerate() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let due = start
                + match i % 4 {
                    0 => (x >> 33) % 300,       // level 0, many equal
                    1 => (x >> 33) % 20_000,    // levels 1 and 2
                    2 => (x >> 33) % 5_000_000, // up to level 3
                    _ => 7,                     // all equal
                };
            wheel.insert(h, due);
            expected.push((due, fields(h).seq, h));
        }
        for (i, &h) in hs.iter().enumerate() {
            if i % 3 == 0 {
                wheel.remove(h);
            }
        }
        let mut expected: Vec<_> =
            expected.into_iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, e)| e).collect();
        expected.sort_by_key(|e| (e.0, e.1));
        let mut got = Vec::new();
        let mut now = start;
        while !wheel.is_empty() {
            let due = wheel.next_due().unwrap();
            assert!(due >= now, "next_due went back");
            now = due;
            wheel.expire(now);
            assert!(!wheel.ready.is_empty(), "nothing due at next_due {now}");
            for e in wheel.ready.drain(..) {
                assert_eq!(fields(e.3).due, now, "fired early or late");
                got.push(e.3);
            }
        }
        let want: Vec<_> = expected.iter().map(|e| e.2).collect();
        assert_eq!(got.len(), want.len());
        assert!(got == want, "order differs");
    }

    /// The loop's time jumps by random steps (the loop slept): every timer
    /// fires at the first expiry at or after its due time, never before, in
    /// (due, start order) overall; timers started along the way too.
    #[test]
    fn wheel_handles_jumps_and_late_starts() {
        let mut reg = Registry::new();
        let start = 3 * 256 * 64 - 5; // just before a level-1 boundary
        let mut wheel = TimerWheel::new(start);
        let hs = timers(&mut reg, 4000);
        let mut x: u64 = 99;
        let mut rand = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut now = start;
        let mut fired: Vec<(u64, u64)> = Vec::new(); // (due, seq) in firing order
        let mut started = 0;
        while fired.len() < hs.len() {
            // start a few timers "now", with spread-out timeouts
            for _ in 0..(rand() % 60) {
                if started < hs.len() {
                    let timeout = [0, 1, 255, 256, 300, 16_383, 16_384, 70_000][rand() as usize % 8] + rand() % 3;
                    wheel.insert(hs[started], now + timeout);
                    started += 1;
                }
            }
            now += [0, 1, 7, 256, 1000, 40_000][rand() as usize % 6];
            wheel.expire(now);
            let mut batch: Vec<(u64, u64)> = Vec::new();
            for e in wheel.ready.drain(..) {
                let f = fields(e.3);
                assert!(f.due <= now, "fired before its due time");
                batch.push((f.due, f.seq));
            }
            let mut sorted = batch.clone();
            sorted.sort();
            assert_eq!(batch, sorted, "a batch is out of order");
            fired.extend(batch);
            if let Some(next) = wheel.next_due() {
                assert!(next > now || wheel.expired.is_some(), "a due timer was left behind");
            }
        }
    }
}
