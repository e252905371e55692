//! The loop: its state, liveness, and one iteration in libuv 1.52's order.
//!
//! [`LoopInner::run`] is the whole iteration in one function, as `uv_run` is.
//!
//! Functions that call into user code take `*mut LoopInner` rather than
//! `&mut self`: user code re-enters ruv through the same pointer, so each
//! phase borrows the loop only between callbacks.

use crate::abi::{
    HANDLE_CLOSED, RUV_RUN_DEFAULT, RUV_RUN_NOWAIT, RUV_RUN_ONCE, ruv_close_cb, ruv_handle_t, ruv_handle_type,
    ruv_loop_t, ruv_run_mode,
};
use crate::clock;
use crate::error::{Error, Result};
use crate::handle::{self, ACTIVE, CLOSING, Handle, INTERNAL, Kind, REF};
use crate::phase::{Phase, PhaseList};
use crate::poll::PollFds;
use crate::registry::Registry;
use crate::req::ReqQueue;
use crate::threadpool::Outcome;
use crate::timer::TimerWheel;
use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::Arc;
use std::time::Duration;

/// The token of the loop's waker (async handles, and later the thread pool).
pub(crate) const WAKER_TOKEN: mio::Token = mio::Token(usize::MAX);

/// Rounds of the pending phase after polling, at most (libuv 1.52's 8).
const PENDING_ROUNDS_AFTER_POLL: usize = 8;

/// A handle whose close callback is due.
struct Closing {
    key: u32,
    generation: u32,
    cb: ruv_close_cb,
}

/// Everything a loop owns. Boxed; the caller's `ruv_loop_t` points at it.
pub(crate) struct LoopInner {
    /// The caller's struct: its public fields are kept current, and its
    /// `active_handles` and `active_reqs.count` are the counts liveness is
    /// computed from, as in libuv.
    c_loop: NonNull<ruv_loop_t>,
    pub(crate) poll: mio::Poll,
    /// Taken out while events are dispatched (callbacks may re-enter).
    events: Option<mio::Events>,
    /// Shared with the async handles (`ruv_async_send`) and the thread pool.
    pub(crate) waker: Arc<mio::Waker>,
    /// Where the thread pool posts this loop's finished jobs.
    pub(crate) inbox: Arc<crate::threadpool::Inbox>,
    /// The last batch taken from the inbox, kept to reuse it.
    pool_done: Vec<crate::threadpool::Done>,
    pub(crate) handles: Registry,
    pub(crate) timers: TimerWheel,
    /// Idle, prepare and check handles, indexed by `phase::Phase`.
    pub(crate) phases: [PhaseList; 3],
    /// The open async handles, scanned when the waker fires.
    pub(crate) asyncs: crate::async_handle::Asyncs,
    pub(crate) poll_fds: PollFds,
    /// Descriptors registered with epoll (streams and started poll
    /// handles): with none, no timer and no request, nothing can wake a
    /// blocking poll, so it does not block.
    pub(crate) watched: u32,
    /// Requests completed and waiting for the pending phase.
    pub(crate) completed: ReqQueue,
    /// Handles closed since the last close phase, in `ruv_close` order.
    closing: Vec<Closing>,
    /// ruv's own handles (`handle::INTERNAL`), freed with the loop.
    pub(crate) internal: crate::internal::InternalHandles,
    /// The inotify descriptor of the loop's file-system event handles.
    pub(crate) inotify: Option<crate::fs_event::Inotify>,
    /// The signal eventfd and started signal handles (`signal.rs`).
    pub(crate) signals: Option<Box<crate::signal::LoopSignals>>,
    /// Process handles whose child's exit no pidfd reports: `waitpid` on a
    /// timer instead (`process.rs`).
    pub(crate) polled_children: Vec<(u32, u32)>,
    /// Children spawned with `RUV_PROCESS_EXIT_AFTER_OUTPUT` whose output
    /// pipes have not all ended (`process.rs`).
    pub(crate) output_waits: Vec<crate::process::OutputWait>,
    /// Listeners that ran out of descriptors, for the accept retry timer:
    /// `(key, generation)`.
    pub(crate) accept_waiting: Vec<(u32, u32)>,
    /// The cached time in milliseconds (`ruv_now`), and its clock.
    pub(crate) now_ms: u64,
    clock: clock::LoopClock,
    /// `ruv_run` is on the stack: a nested call is refused.
    running: bool,
    /// `RUV_LOOP_BLOCK_SIGNAL` with SIGPROF: blocked while polling.
    pub(crate) block_sigprof: bool,
    /// `RUV_METRICS_IDLE_TIME`: nanoseconds spent waiting in the poll phase.
    pub(crate) idle_time_ns: Option<u64>,
    /// fs requests are tried inline before the pool (`fs_fast`; off with
    /// `RUV_FS_INLINE=0` when the loop is initialised).
    pub(crate) fs_inline: bool,
}

impl LoopInner {
    /// The state of a new loop for the caller's struct `c_loop`.
    pub fn new(c_loop: NonNull<ruv_loop_t>) -> std::io::Result<Box<LoopInner>> {
        let poll = mio::Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), WAKER_TOKEN)?);
        let inbox = crate::threadpool::Inbox::new(Arc::clone(&waker));
        let clock = clock::LoopClock::new();
        let now_ms = clock.now_ms();
        Ok(Box::new(LoopInner {
            c_loop,
            poll,
            events: Some(mio::Events::with_capacity(1024)),
            waker,
            inbox,
            pool_done: Vec::new(),
            handles: Registry::new(),
            timers: TimerWheel::new(now_ms),
            phases: Default::default(),
            asyncs: Default::default(),
            poll_fds: PollFds::default(),
            watched: 0,
            completed: ReqQueue::default(),
            closing: Vec::new(),
            internal: Default::default(),
            accept_waiting: Vec::new(),
            inotify: None,
            signals: None,
            polled_children: Vec::new(),
            output_waits: Vec::new(),
            now_ms,
            clock,
            running: false,
            block_sigprof: false,
            idle_time_ns: None,
            fs_inline: crate::fs_fast::enabled_by_env(),
        }))
    }

    /// The caller's loop struct.
    fn c_loop(&self) -> &ruv_loop_t {
        // SAFETY: the caller's loop struct outlives its state, and ruv
        // touches it only from the loop's thread.
        unsafe { self.c_loop.as_ref() }
    }

    /// The caller's loop struct, to update its public fields.
    fn c_loop_mut(&mut self) -> &mut ruv_loop_t {
        // SAFETY: as in `c_loop`.
        unsafe { self.c_loop.as_mut() }
    }

    /// Registers a new handle of `kind` and marks the caller's struct live.
    ///
    /// # Safety
    /// `h` points at a struct of `kind`'s size that the caller hands to ruv
    /// until its close callback.
    /// `Error::NOMEM` for a struct at an address the registry cannot hold
    /// (none that Linux hands to user space).
    pub(crate) unsafe fn register(
        &mut self,
        h: NonNull<ruv_handle_t>,
        ty: ruv_handle_type,
        kind: Kind,
    ) -> Result<Handle> {
        let (key, generation) = self.handles.insert(h).ok_or(Error::NOMEM)?;
        // SAFETY: forwarded; then the struct is registered, as `Handle` needs.
        unsafe {
            handle::mark_live(h.as_ptr(), self.c_loop.as_ptr(), ty, kind, key, generation);
            Ok(Handle::new(h))
        }
    }

    /// Undoes `register` for an init function that fails after it.
    pub(crate) fn unregister(&mut self, h: Handle) {
        self.handles.remove(h.key());
        // SAFETY: the struct is the caller's handle being initialised.
        unsafe { handle::set_lifecycle(h.as_ptr(), HANDLE_CLOSED) };
    }

    // ---- active and referenced handles, requests in flight -------------------

    fn add_active_handles(&mut self, delta: i32) {
        let l = self.c_loop_mut();
        l.active_handles = l.active_handles.wrapping_add_signed(delta);
    }

    pub(crate) fn add_active_reqs(&mut self, delta: i32) {
        let l = self.c_loop_mut();
        // SAFETY: the union's `count` member is the one ruv writes.
        unsafe { l.active_reqs.count = l.active_reqs.count.wrapping_add_signed(delta) };
    }

    fn active_handles(&self) -> u32 {
        self.c_loop().active_handles
    }

    fn active_reqs(&self) -> u32 {
        // SAFETY: as in `add_active_reqs`.
        unsafe { self.c_loop().active_reqs.count }
    }

    /// Marks a handle started; a referenced one now keeps the loop alive.
    pub(crate) fn activate(&mut self, h: Handle) {
        let f = h.flags();
        if f & ACTIVE == 0 {
            h.set_flags(f | ACTIVE);
            if f & REF != 0 {
                self.add_active_handles(1);
            }
        }
    }

    /// Marks a handle stopped.
    pub(crate) fn deactivate(&mut self, h: Handle) {
        let f = h.flags();
        if f & ACTIVE != 0 {
            h.set_flags(f & !ACTIVE);
            if f & REF != 0 {
                self.add_active_handles(-1);
            }
        }
    }

    /// `ruv_ref` (`on`) and `ruv_unref`.
    pub(crate) fn set_ref(&mut self, h: Handle, on: bool) {
        let f = h.flags();
        if (f & REF != 0) == on {
            return;
        }
        h.set_flags(f ^ REF);
        if f & ACTIVE != 0 {
            self.add_active_handles(if on { 1 } else { -1 });
        }
    }

    /// `ruv_fileno`: the descriptor of a handle that has one.
    pub(crate) fn fileno(h: Handle) -> Result<c_int> {
        let fd = match h.kind() {
            Kind::Poll => h.fields::<handle::PollFields>().fd,
            Kind::Tcp | Kind::Pipe | Kind::Tty => h.stream().fd,
            Kind::Timer
            | Kind::Idle
            | Kind::Prepare
            | Kind::Check
            | Kind::Async
            | Kind::FsPoll
            | Kind::FsEvent
            | Kind::Signal
            | Kind::Process => {
                return Err(Error::INVAL);
            }
        };
        if h.is_closing() || fd < 0 {
            return Err(Error::BADF);
        }
        Ok(fd)
    }

    /// `ruv_close`: stops the handle now and queues its close callback.
    /// `Error::INVAL` if it is closing already.
    pub(crate) fn close(&mut self, h: Handle, cb: ruv_close_cb) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        match h.kind() {
            Kind::Timer => self.timer_stop(h),
            Kind::Idle | Kind::Prepare | Kind::Check => self.phase_stop(h),
            Kind::Async => self.async_close(h),
            Kind::Poll => self.poll_stop(h),
            Kind::Tcp => self.stream_close(h),
            Kind::Pipe => {
                Self::pipe_close(h);
                self.stream_close(h);
            }
            Kind::FsPoll => self.fs_poll_stop(h),
            Kind::FsEvent => self.fs_event_stop(h),
            Kind::Signal => self.signal_stop(h),
            Kind::Tty => {
                Self::tty_close(h);
                self.stream_close(h);
            }
            Kind::Process => self.process_close(h),
        }
        self.deactivate(h);
        h.set_flags(h.flags() | CLOSING);
        self.closing.push(Closing { key: h.key(), generation: h.generation(), cb });
        Ok(())
    }

    // ---- liveness and time ---------------------------------------------------

    fn stop_flag(&self) -> bool {
        self.c_loop().stop_flag != 0
    }

    /// `ruv_stop`.
    pub(crate) fn stop(&mut self) {
        self.c_loop_mut().stop_flag = 1;
    }

    /// Referenced active handles, requests in flight or close callbacks due
    /// (libuv's `uv__loop_alive`, from the loop struct's public counts).
    pub(crate) fn alive(&self) -> bool {
        self.active_handles() > 0 || self.active_reqs() > 0 || !self.closing.is_empty()
    }

    pub(crate) fn update_time(&mut self) {
        self.now_ms = self.clock.now_ms();
    }

    /// How long the poll phase would block, in ms; -1 for no limit
    /// (`ruv_backend_timeout`).
    pub(crate) fn backend_timeout(&mut self) -> c_int {
        if self.stop_flag()
            || (self.active_handles() == 0 && self.active_reqs() == 0)
            || !self.phases[Phase::Idle as usize].is_empty()
            || !self.closing.is_empty()
            || !self.completed.is_empty()
        {
            return 0;
        }
        match self.timers.next_due() {
            // Nothing that could wake a blocking poll: a loop of prepare and
            // check handles alone iterates, as libuv's does.
            None if self.watched == 0 && self.asyncs.is_empty() && self.active_reqs() == 0 => 0,
            None => -1,
            Some(due) if due <= self.now_ms => 0,
            Some(due) => (due - self.now_ms).min(c_int::MAX as u64) as c_int,
        }
    }

    /// `ruv_walk`: calls `f` for every open handle, closing ones included, in
    /// the order they were initialised; ruv's internal handles are not shown.
    /// A handle whose close callback ran during the walk is skipped.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (`f` may re-enter).
    pub(crate) unsafe fn walk(lp: *mut LoopInner, mut f: impl FnMut(*mut ruv_handle_t)) {
        // SAFETY: short borrows; `f` runs user code between them.
        let all = unsafe { (*lp).handles.snapshot() };
        for (key, generation, h) in all {
            // SAFETY: as above.
            let open = unsafe { (*lp).handles.get(key, generation) }.is_some();
            if open && h.flags() & INTERNAL == 0 {
                f(h.as_ptr());
            }
        }
    }

    /// Whether `ruv_loop_close` may free the loop now: not running, no
    /// handle of the caller's open, no request in flight.
    pub(crate) fn closable(&self) -> Result {
        let users = self.handles.len() - self.internal.count();
        if self.running || users > 0 || self.active_reqs() > 0 { Err(Error::BUSY) } else { Ok(()) }
    }

    // ---- the iteration -------------------------------------------------------

    /// `ruv_run`: returns non-zero while the loop is still alive.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller.
    pub(crate) unsafe fn run(lp: *mut LoopInner, mode: ruv_run_mode) -> c_int {
        if !matches!(mode, RUV_RUN_DEFAULT | RUV_RUN_ONCE | RUV_RUN_NOWAIT) {
            return Error::INVAL.code();
        }
        // SAFETY: every `l()` below is a borrow that ends before the next
        // call into user code.
        let l = || unsafe { &mut *lp };
        if l().running {
            return Error::BUSY.code();
        }
        l().running = true;
        let mut alive = l().alive();
        if !alive {
            l().update_time();
        }
        if mode == RUV_RUN_DEFAULT && alive && !l().stop_flag() {
            l().update_time();
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::run_timers(lp) };
        }
        while alive && !l().stop_flag() {
            // As libuv 1.52: ONCE decides whether it may wait when the
            // iteration starts (pending callbacks or idle handles then mean
            // it does not, even if an idle handle stops itself); DEFAULT asks
            // once the idle and prepare callbacks have run; NOWAIT never waits.
            let can_sleep = l().completed.is_empty() && l().phases[Phase::Idle as usize].is_empty();
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::run_pending(lp) };
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::run_phase(lp, Phase::Idle) };
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::run_phase(lp, Phase::Prepare) };
            let timeout = match mode {
                RUV_RUN_DEFAULT => l().backend_timeout(),
                RUV_RUN_ONCE if can_sleep => l().backend_timeout(),
                _ => 0,
            };
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::poll_io(lp, timeout) };
            for _ in 0..PENDING_ROUNDS_AFTER_POLL {
                // SAFETY: `lp` is live and not borrowed here.
                if !unsafe { Self::run_pending(lp) } {
                    break;
                }
            }
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::run_phase(lp, Phase::Check) };
            if !l().closing.is_empty() {
                // SAFETY: `lp` is live and not borrowed here.
                unsafe { Self::run_closing(lp) };
            }
            l().update_time();
            // SAFETY: `lp` is live and not borrowed here.
            unsafe { Self::run_timers(lp) };
            alive = l().alive();
            if mode != RUV_RUN_DEFAULT {
                break;
            }
        }
        l().c_loop_mut().stop_flag = 0;
        l().running = false;
        alive as c_int
    }

    /// Waits for I/O for at most `timeout_ms` (-1: no limit) and dispatches
    /// what arrived.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller.
    unsafe fn poll_io(lp: *mut LoopInner, timeout_ms: c_int) {
        // SAFETY: the borrow ends before dispatch.
        let mut events = {
            // SAFETY: `lp` is live; this borrow ends before any user code runs.
            let this = unsafe { &mut *lp };
            let mut events = this.events.take().expect("events are put back after dispatch");
            let timeout = (timeout_ms >= 0).then(|| Duration::from_millis(timeout_ms as u64));
            // Idle time counts only polls that may block, as libuv's does.
            let waited_from = this.idle_time_ns.filter(|_| timeout_ms != 0).map(|_| clock::hrtime_ns());
            let old_mask = this.block_sigprof.then(block_sigprof);
            // Jobs on the pool finish in a few µs: wait for one awake first.
            let timeout = if timeout_ms != 0 && this.inbox.spin_for_done() { Some(Duration::ZERO) } else { timeout };
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
        // Children's exits go last, after the output that came in the same
        // poll: epoll may list a pidfd first (libuv runs its signal watcher,
        // which reports exits, last for the same reason).
        let mut exits = false;
        for event in events.iter() {
            if event.token() == crate::signal::SIGNAL_TOKEN {
                // SAFETY: `lp` is live and not borrowed.
                unsafe { Self::dispatch_signals(lp) };
                continue;
            }
            if event.token() == crate::fs_event::INOTIFY_TOKEN {
                // SAFETY: `lp` is live and not borrowed.
                unsafe { Self::dispatch_inotify(lp) };
                continue;
            }
            if event.token() == WAKER_TOKEN {
                // SAFETY: `lp` is live and not borrowed here.
                unsafe { (*lp).take_pool_done() };
                // SAFETY: `lp` is live and not borrowed.
                unsafe { Self::run_asyncs(lp) };
                continue;
            }
            let (key, generation) = crate::registry::untoken(event.token());
            // SAFETY: a short borrow.
            let Some(h) = (unsafe { (*lp).handles.get(key, generation) }) else {
                continue; // closed since the poll
            };
            match h.kind() {
                // SAFETY: `lp` is live and not borrowed.
                Kind::Tcp | Kind::Pipe | Kind::Tty => unsafe { Self::dispatch_stream(lp, h, event) },
                // SAFETY: as above.
                Kind::Poll => unsafe { Self::dispatch_poll(lp, h, event) },
                Kind::Process => exits = true,
                // Not registered with epoll: no events come for them.
                Kind::Timer
                | Kind::Idle
                | Kind::Prepare
                | Kind::Check
                | Kind::Async
                | Kind::FsPoll
                | Kind::FsEvent
                | Kind::Signal => {}
            }
        }
        for event in events.iter().filter(|_| exits) {
            let (key, generation) = crate::registry::untoken(event.token());
            // SAFETY: a short borrow; the loop's own tokens find no handle.
            let Some(h) = (unsafe { (*lp).handles.get(key, generation) }) else { continue };
            if matches!(h.kind(), Kind::Process) {
                // SAFETY: `lp` is live and not borrowed.
                unsafe { Self::dispatch_process(lp, h) };
            }
        }
        events.clear();
        // SAFETY: a short borrow.
        unsafe { (*lp).events = Some(events) };
    }

    /// The thread pool's finished jobs: completed in the request layer, so
    /// their callbacks run in the pending phase that follows the poll.
    fn take_pool_done(&mut self) {
        let mut done = std::mem::take(&mut self.pool_done);
        self.inbox.take(&mut done);
        for finished in done.drain(..) {
            let Some(req) = NonNull::new(finished.req as *mut crate::abi::ruv_req_t) else { continue };
            // SAFETY: the pool posts only requests this loop submitted, which
            // are in flight until delivered.
            let req = unsafe { crate::req::Req::new(req) };
            let result = match finished.outcome {
                Outcome::Work => 0,
                Outcome::Fs(outcome) => {
                    let result = outcome.result;
                    Self::fs_record(finished.req, outcome);
                    result
                }
                Outcome::Dns(outcome) => Self::dns_record(req, *outcome) as isize,
            };
            self.req_complete(req, result);
        }
        self.pool_done = done;
    }

    /// Runs the close callbacks of the handles closed so far. Handles closed
    /// by these callbacks wait for the next iteration, as in libuv; within one
    /// batch the most recently closed handle goes first, as libuv's list does.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller.
    unsafe fn run_closing(lp: *mut LoopInner) {
        // SAFETY: the borrow ends before the callbacks.
        let batch = std::mem::take(unsafe { &mut (*lp).closing });
        for c in batch.into_iter().rev() {
            // SAFETY: a short borrow.
            let Some(h) = (unsafe { (*lp).handles.get(c.key, c.generation) }) else {
                continue;
            };
            // Its requests complete first (a stream's connect, writes and
            // shutdown), then it stops being a handle.
            match h.kind() {
                // SAFETY: `lp` is live and not borrowed.
                Kind::Tcp | Kind::Pipe | Kind::Tty => unsafe { Self::stream_finish_close(lp, h) },
                Kind::Timer
                | Kind::Idle
                | Kind::Prepare
                | Kind::Check
                | Kind::Async
                | Kind::Poll
                | Kind::FsPoll
                | Kind::FsEvent
                | Kind::Signal
                | Kind::Process => {}
            }
            let is_pipe = matches!(h.kind(), Kind::Pipe);
            // SAFETY: a short borrow; the struct is still the caller's
            // handle, marked closed before the callback, which may free it.
            unsafe {
                (*lp).handles.remove(c.key);
                (*h.as_ptr()).internal.generation = 0;
                handle::set_lifecycle(h.as_ptr(), HANDLE_CLOSED);
            }
            if let Some(cb) = c.cb {
                // SAFETY: the caller's callback with the caller's pointer.
                unsafe { cb(h.as_ptr()) };
            }
            if is_pipe {
                // SAFETY: `lp` is live and not borrowed; a child may wait
                // for this pipe's end.
                unsafe { Self::output_ended(lp, (c.key, c.generation)) };
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
