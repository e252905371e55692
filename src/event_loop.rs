//! The loop: its state, liveness, and one iteration in libuv's phase order.
//!
//! [`LoopInner::run`] is the whole iteration in one function, as `uv_run` is:
//! update the time, timers (and accepts retried after EMFILE), pending
//! callbacks (writes, shutdowns), idle, prepare, poll for I/O and dispatch,
//! check, close callbacks (and, in `RUV_RUN_ONCE`, timers once more).
//!
//! Functions that call into user code take `*mut LoopInner` rather than
//! `&mut self`: user code re-enters ruv through the same pointer, so each
//! phase borrows the loop only between callbacks.

use crate::clock;
use crate::error::{RUV_EBUSY, RUV_EINVAL};
use crate::ffi::event_loop::{ruv_loop_t, LOOP_LIVE};
use crate::ffi::handle::{self, ruv_close_cb, ruv_handle_t, HANDLE_CLOSED};
use crate::ffi::{Misuse, LOOP_NOT_INITIALISED, NULL_ARG};
use crate::handle_state::{self, Kind, ACTIVE, CLOSING, REF};
use crate::phase::{Phase, PhaseList};
use crate::poll::PollFds;
use crate::registry::Registry;
use crate::timer::TimerWheel;
use std::ffi::c_int;
use std::time::Duration;

pub const RUV_RUN_DEFAULT: c_int = 0;
pub const RUV_RUN_ONCE: c_int = 1;
pub const RUV_RUN_NOWAIT: c_int = 2;

/// The token of the loop's waker (async handles, and later the thread pool).
pub(crate) const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);

/// A handle whose close callback is due.
struct Closing {
    key: u32,
    generation: u32,
    cb: ruv_close_cb,
}

/// Everything a loop owns. Boxed; the caller's `ruv_loop_t` points at it.
pub struct LoopInner {
    /// The caller's struct: its public fields are kept current.
    pub(crate) c_loop: *mut ruv_loop_t,
    pub(crate) poll: mio::Poll,
    /// Taken out while events are dispatched (callbacks may re-enter).
    events: Option<mio::Events>,
    pub(crate) waker: mio::Waker,
    pub(crate) handles: Registry,
    pub(crate) timers: TimerWheel,
    /// Idle, prepare and check handles, indexed by `phase::Phase`.
    pub(crate) phases: [PhaseList; 3],
    /// The open async handles, scanned when the waker fires.
    pub(crate) asyncs: crate::wakeup::Asyncs,
    pub(crate) poll_fds: PollFds,
    /// Handles closed since the last close phase, in `ruv_close` order.
    closing: Vec<Closing>,
    /// The cached time in milliseconds (`ruv_now`), and its clock.
    pub(crate) now_ms: u64,
    clock: clock::LoopClock,
    /// Active, referenced handles: what keeps the loop alive.
    active_handles: u32,
    /// Requests in flight (write, connect, shutdown; fs and work later).
    pub(crate) active_reqs: u32,
    /// Streams with callbacks due in the pending phase: `(key, generation)`.
    pub(crate) pending: Vec<(u32, u32)>,
    /// Listening streams that ran out of descriptors, and when to accept
    /// again: `(key, generation, loop ms)`.
    pub(crate) accept_retry: Vec<(u32, u32, u64)>,
    /// `ruv_run` is on the stack: a nested call is refused.
    running: bool,
    /// `RUV_LOOP_BLOCK_SIGNAL` with SIGPROF: blocked while polling.
    pub(crate) block_sigprof: bool,
    /// `RUV_METRICS_IDLE_TIME`: nanoseconds spent waiting in the poll phase.
    pub(crate) idle_time_ns: Option<u64>,
}

/// Validates a caller's loop pointer and returns its state.
pub(crate) unsafe fn inner(l: *const ruv_loop_t) -> Result<*mut LoopInner, Misuse> {
    if l.is_null() {
        return Err(NULL_ARG);
    }
    // SAFETY: the caller passes a loop-sized struct; only its own fields are
    // read until the markers prove it was initialised by ruv.
    unsafe {
        if (*l).internal.owner != l.cast_mut().cast() || (*l).internal.state != LOOP_LIVE {
            return Err(LOOP_NOT_INITIALISED);
        }
        Ok((*l).internal_fields.cast())
    }
}

impl LoopInner {
    /// The state of a new loop for the caller's struct `c_loop`.
    pub fn new(c_loop: *mut ruv_loop_t) -> std::io::Result<Box<LoopInner>> {
        let poll = mio::Poll::new()?;
        let waker = mio::Waker::new(poll.registry(), WAKER_TOKEN)?;
        let clock = clock::LoopClock::new();
        let now_ms = clock.now_ms();
        Ok(Box::new(LoopInner {
            c_loop,
            poll,
            events: Some(mio::Events::with_capacity(1024)),
            waker,
            handles: Registry::new(),
            timers: TimerWheel::new(now_ms),
            phases: Default::default(),
            asyncs: Default::default(),
            poll_fds: PollFds::default(),
            closing: Vec::new(),
            now_ms,
            clock,
            active_handles: 0,
            active_reqs: 0,
            pending: Vec::new(),
            accept_retry: Vec::new(),
            running: false,
            block_sigprof: false,
            idle_time_ns: None,
        }))
    }

    /// Registers a new handle of `kind` and marks the caller's struct live.
    pub(crate) unsafe fn register(&mut self, h: *mut ruv_handle_t, ty: handle::ruv_handle_type, kind: Kind) -> u32 {
        let nn = std::ptr::NonNull::new(h).expect("init functions check for NULL");
        let (key, generation) = self.handles.insert(nn);
        // SAFETY: `h` is the caller's handle being initialised.
        unsafe { handle::mark_live(h, self.c_loop, ty, kind, key, generation) };
        key
    }

    // ---- active and referenced handles -------------------------------------

    fn add_active(&mut self, delta: i32) {
        self.active_handles = self.active_handles.wrapping_add_signed(delta);
        // SAFETY: the caller's loop struct outlives its state.
        unsafe { (*self.c_loop).active_handles = self.active_handles };
    }

    /// Marks a handle started; a referenced one now keeps the loop alive.
    pub(crate) fn activate(&mut self, h: *mut ruv_handle_t) {
        // SAFETY: callers pass registered handles.
        let f = unsafe { handle_state::flags(h) };
        if f & ACTIVE == 0 {
            unsafe { handle_state::set_flags(h, f | ACTIVE) };
            if f & REF != 0 {
                self.add_active(1);
            }
        }
    }

    /// Marks a handle stopped.
    pub(crate) fn deactivate(&mut self, h: *mut ruv_handle_t) {
        // SAFETY: callers pass registered handles.
        let f = unsafe { handle_state::flags(h) };
        if f & ACTIVE != 0 {
            unsafe { handle_state::set_flags(h, f & !ACTIVE) };
            if f & REF != 0 {
                self.add_active(-1);
            }
        }
    }

    /// Mirrors the request count into the caller's loop struct.
    pub(crate) fn sync_active_reqs(&mut self) {
        // SAFETY: the caller's loop struct outlives its state.
        unsafe { (*self.c_loop).active_reqs.count = self.active_reqs };
    }

    pub(crate) fn set_ref(&mut self, h: *mut ruv_handle_t, on: bool) {
        // SAFETY: callers pass registered handles.
        let f = unsafe { handle_state::flags(h) };
        if (f & REF != 0) == on {
            return;
        }
        unsafe { handle_state::set_flags(h, f ^ REF) };
        if f & ACTIVE != 0 {
            self.add_active(if on { 1 } else { -1 });
        }
    }

    pub(crate) unsafe fn is_active(h: *mut ruv_handle_t) -> bool {
        unsafe { handle_state::flags(h) & ACTIVE != 0 }
    }

    pub(crate) unsafe fn has_ref(h: *mut ruv_handle_t) -> bool {
        unsafe { handle_state::flags(h) & REF != 0 }
    }

    pub(crate) unsafe fn is_closing(h: *mut ruv_handle_t) -> bool {
        unsafe { handle_state::flags(h) & CLOSING != 0 }
    }

    /// `ruv_fileno`: the descriptor of a handle that has one.
    pub(crate) unsafe fn fileno(h: *mut ruv_handle_t) -> Result<c_int, c_int> {
        // SAFETY: a registered handle; fields read by its kind.
        // (The type is checked first, as libuv does.)
        unsafe {
            let fd = match handle_state::kind(h) {
                Some(Kind::Poll) => handle_state::fields::<handle_state::PollFields>(h).fd,
                Some(Kind::Tcp) => crate::stream::sp(h).fd,
                _ => return Err(RUV_EINVAL),
            };
            if Self::is_closing(h) || fd < 0 {
                return Err(crate::error::RUV_EBADF);
            }
            Ok(fd)
        }
    }

    /// `ruv_close`: stops the handle now and queues its close callback.
    pub(crate) unsafe fn close(
        lp: *mut LoopInner,
        h: *mut ruv_handle_t,
        key: u32,
        cb: ruv_close_cb,
    ) -> Result<(), Misuse> {
        // SAFETY: `lp` is live and no user code runs in here.
        let this = unsafe { &mut *lp };
        if unsafe { Self::is_closing(h) } {
            return Err(Misuse { code: RUV_EINVAL, what: "handle is already closing" });
        }
        match unsafe { handle_state::kind(h) } {
            Some(Kind::Timer) => this.timer_stop(h, key),
            Some(Kind::Idle | Kind::Prepare | Kind::Check) => this.phase_stop(h, key),
            Some(Kind::Async) => this.async_close(h, key),
            Some(Kind::Poll) => this.poll_stop(h),
            Some(Kind::Tcp) => this.stream_close(h),
            None => {}
        }
        this.deactivate(h);
        unsafe { handle_state::set_flags(h, handle_state::flags(h) | CLOSING) };
        let generation = this.handles.slot_mut(key).generation;
        this.closing.push(Closing { key, generation, cb });
        Ok(())
    }

    // ---- liveness and time ---------------------------------------------------

    fn stop_flag(&self) -> bool {
        // SAFETY: the caller's loop struct outlives its state.
        unsafe { (*self.c_loop).stop_flag != 0 }
    }

    /// Referenced active handles, requests in flight or close callbacks due.
    pub(crate) fn alive(&self) -> bool {
        self.active_handles > 0 || self.active_reqs > 0 || !self.closing.is_empty()
    }

    pub(crate) fn update_time(&mut self) {
        self.now_ms = self.clock.now_ms();
    }

    /// How long the poll phase would block, in ms; -1 for no limit.
    pub(crate) fn backend_timeout(&mut self) -> c_int {
        if self.stop_flag()
            || (self.active_handles == 0 && self.active_reqs == 0)
            || !self.phases[Phase::Idle as usize].is_empty()
            || !self.closing.is_empty()
            || !self.pending.is_empty()
        {
            return 0;
        }
        let retry = self.accept_retry.iter().map(|r| r.2).min();
        let due = match (self.timers.next_due(), retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match due {
            None => -1,
            Some(due) if due <= self.now_ms => 0,
            Some(due) => (due - self.now_ms).min(c_int::MAX as u64) as c_int,
        }
    }

    /// `ruv_walk`: calls `f` for every open handle, closing ones included, in
    /// the order they were initialised. A handle whose close callback ran
    /// during the walk (the callback ran the loop) is skipped.
    pub(crate) unsafe fn walk(lp: *mut LoopInner, mut f: impl FnMut(*mut ruv_handle_t)) {
        // SAFETY: short borrows; `f` runs user code between them.
        let all = unsafe { (*lp).handles.snapshot() };
        for (key, generation, h) in all {
            if unsafe { (*lp).handles.get(key, generation) }.is_some() {
                f(h);
            }
        }
    }

    /// Whether `ruv_loop_close` may free the loop now.
    pub(crate) fn closable_loop(&self) -> Result<(), c_int> {
        if self.running || !self.handles.is_empty() || self.active_reqs > 0 {
            Err(RUV_EBUSY)
        } else {
            Ok(())
        }
    }

    // ---- the iteration -------------------------------------------------------

    /// `ruv_run`: returns non-zero while the loop is still alive.
    pub(crate) unsafe fn run(lp: *mut LoopInner, mode: c_int) -> c_int {
        if !matches!(mode, RUV_RUN_DEFAULT | RUV_RUN_ONCE | RUV_RUN_NOWAIT) {
            return RUV_EINVAL;
        }
        // SAFETY: every `unsafe { &mut *lp }` below is a borrow that ends
        // before the next call into user code.
        let l = || unsafe { &mut *lp };
        if l().running {
            return RUV_EBUSY;
        }
        l().running = true;
        let mut alive = l().alive();
        if !alive {
            l().update_time();
        }
        while alive && !l().stop_flag() {
            l().update_time();
            unsafe { Self::run_timers(lp) };
            if !l().accept_retry.is_empty() {
                unsafe { Self::run_accept_retries(lp) };
            }
            let ran_pending = !l().pending.is_empty() && unsafe { Self::run_pending(lp) };
            unsafe { Self::run_phase(lp, Phase::Idle) };
            unsafe { Self::run_phase(lp, Phase::Prepare) };
            // ONCE after pending callbacks: something happened, do not wait.
            let wait = mode == RUV_RUN_DEFAULT || (mode == RUV_RUN_ONCE && !ran_pending);
            let timeout = if wait { l().backend_timeout() } else { 0 };
            unsafe { Self::poll_io(lp, timeout) };
            unsafe { Self::run_phase(lp, Phase::Check) };
            if !l().closing.is_empty() {
                unsafe { Self::run_closing(lp) };
            }
            if mode == RUV_RUN_ONCE {
                // Timers that fell due while polling run now, as in libuv:
                // ONCE means "until something happened".
                l().update_time();
                unsafe { Self::run_timers(lp) };
            }
            alive = l().alive();
            if mode != RUV_RUN_DEFAULT {
                break;
            }
        }
        // SAFETY: the caller's loop struct outlives its state.
        unsafe { (*l().c_loop).stop_flag = 0 };
        l().running = false;
        alive as c_int
    }

    /// Waits for I/O for at most `timeout_ms` (-1: no limit) and dispatches
    /// what arrived.
    unsafe fn poll_io(lp: *mut LoopInner, timeout_ms: c_int) {
        // SAFETY: borrow ends before dispatch.
        let mut events = {
            let this = unsafe { &mut *lp };
            let mut events = this.events.take().expect("events are put back after dispatch");
            let timeout =
                (timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64));
            // Idle time counts only polls that may block, as libuv's does.
            let waited_from = this.idle_time_ns.filter(|_| timeout_ms != 0).map(|_| clock::hrtime_ns());
            let old_mask = this.block_sigprof.then(block_sigprof);
            // An error here is EINTR (a signal arrived): no events this time.
            let _ = this.poll.poll(&mut events, timeout);
            if let Some(mask) = old_mask {
                restore_sigmask(&mask);
            }
            if let (Some(from), Some(total)) = (waited_from, this.idle_time_ns.as_mut()) {
                *total += clock::hrtime_ns() - from;
            }
            // Check and close callbacks see the time after polling, as in
            // libuv, even when the poll did not wait.
            this.update_time();
            events
        };
        for event in events.iter() {
            if event.token() == WAKER_TOKEN {
                unsafe { Self::run_asyncs(lp) };
                continue;
            }
            let (key, generation) = crate::registry::untoken(event.token());
            let Some(h) = (unsafe { (*lp).handles.get(key, generation) }).map(|s| s.handle()) else {
                continue; // closed since the poll
            };
            match unsafe { handle_state::kind(h) } {
                Some(Kind::Tcp) => unsafe { Self::dispatch_stream(lp, key, generation, h, event) },
                _ => unsafe { Self::dispatch_poll(lp, event) },
            }
        }
        events.clear();
        unsafe { (*lp).events = Some(events) };
    }

    /// Runs the close callbacks of the handles closed so far. Handles closed
    /// by these callbacks wait for the next iteration, as in libuv; within one
    /// batch the most recently closed handle goes first, as libuv's list does.
    unsafe fn run_closing(lp: *mut LoopInner) {
        // SAFETY: borrow ends before the callbacks.
        let batch = std::mem::take(unsafe { &mut (*lp).closing });
        for c in batch.into_iter().rev() {
            let Some(h) = (unsafe { (*lp).handles.get(c.key, c.generation) }).map(|s| s.handle()) else {
                continue;
            };
            if unsafe { handle_state::kind(h) } == Some(Kind::Tcp) {
                // Its connect, writes and shutdown complete first.
                unsafe { Self::stream_finish_close(lp, c.key, c.generation, h) };
            }
            unsafe { (*lp).handles.remove(c.key) };
            // The struct is not a handle any more: mark it before the callback,
            // which may free it.
            unsafe {
                (*h).internal.generation = 0;
                handle::set_state(h, HANDLE_CLOSED);
            }
            if let Some(cb) = c.cb {
                unsafe { cb(h) };
            }
        }
    }
}

/// Blocks SIGPROF for the poll phase (`RUV_LOOP_BLOCK_SIGNAL`); returns the
/// mask to restore.
fn block_sigprof() -> libc::sigset_t {
    // SAFETY: plain signal-mask calls on local sets.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPROF);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
        old
    }
}

fn restore_sigmask(old: &libc::sigset_t) {
    // SAFETY: restores the mask `block_sigprof` saved.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, old, std::ptr::null_mut()) };
}
