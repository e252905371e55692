//! The thread pool: one per process, started on first use, shared by every
//! loop (`ruv_queue_work`, fs operations, DNS lookups, fs_poll stats).
//!
//! A job is a request handed to a worker. The worker runs the job's work
//! and posts `(request, status)` to its loop's [`Inbox`], waking the loop
//! only when the inbox was empty (one wake-up per batch). The loop thread
//! takes the inbox when its waker fires and completes the requests in its
//! request layer, so callbacks run in the pending phase on the loop's thread,
//! and the worker never writes into the caller's request.
//!
//! `ruv_cancel` takes a job that has not started off the queue; its callback
//! then gets `RUV_ECANCELED`. A job that is running or done is `RUV_EBUSY`.
//! Slow jobs (DNS lookups) may occupy at most half the threads, as in libuv,
//! so file-system work keeps moving while lookups hang.
//!
//! Size: `RUV_THREADPOOL_SIZE`, else `UV_THREADPOOL_SIZE` (what deployments
//! of libuv programs set), else 4; at least 1, at most 1024. Read when the
//! pool starts. `ruv_library_shutdown` stops and joins the workers; the next
//! job starts a new pool.

use crate::abi::ruv_work_t;
use crate::dns::{DnsOp, DnsOutcome};
use crate::fs::{FsOp, FsOutcome};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// A finished job, for its loop's thread: the request and what the work
/// produced, to go into the request.
pub(crate) struct Done {
    pub req: usize,
    pub outcome: Outcome,
    /// The work itself, held only for the loop thread to drop: what it
    /// allocated is freed there too (glibc frees a block made by another
    /// thread slowly, through that thread's arena).
    _spent: Work,
}

/// What a job produced.
// Large on purpose: a boxed fs outcome, made on a worker and freed on the
// loop thread, cost more (callgrind, bench/fs.sh stat64) than moving it.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Outcome {
    /// `ruv_queue_work`: the caller's work ran.
    Work,
    Fs(FsOutcome),
    Dns(Box<DnsOutcome>),
}

/// Where a loop's finished jobs wait for the loop thread.
pub(crate) struct Inbox {
    done: Mutex<Vec<Done>>,
    /// `done`'s length, for a loop that spins without the lock.
    ready: AtomicUsize,
    /// Jobs submitted with this inbox and not yet taken by the loop.
    in_flight: AtomicUsize,
    /// The loop's last spin found nothing: it does not spin again until a
    /// job comes back (a long job costs one spin, not one per poll).
    spin_missed: AtomicBool,
    waker: Arc<mio::Waker>,
}

impl Inbox {
    pub fn new(waker: Arc<mio::Waker>) -> Arc<Inbox> {
        let (ready, in_flight, spin_missed) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicBool::new(false));
        Arc::new(Inbox { done: Mutex::new(Vec::new()), ready, in_flight, spin_missed, waker })
    }

    fn post(&self, finished: Done) {
        let was_empty = {
            let mut done = lock(&self.done);
            done.push(finished);
            self.ready.store(done.len(), Ordering::Release);
            done.len() == 1
        };
        if was_empty {
            // A failed wake means the eventfd counter is full: the loop is
            // being woken anyway.
            let _ = self.waker.wake();
        }
    }

    /// The jobs finished since the last call, in the order they finished.
    pub fn take(&self, into: &mut Vec<Done>) {
        let mut done = lock(&self.done);
        std::mem::swap(&mut *done, into);
        self.ready.store(0, Ordering::Release);
        self.in_flight.fetch_sub(into.len(), Ordering::Relaxed);
        if !into.is_empty() {
            self.spin_missed.store(false, Ordering::Relaxed);
        }
    }

    /// Called by a loop about to block in its poll: spins a few µs
    /// (`SPIN_CHECKS`) for a job of its to finish, as an idle worker does for
    /// jobs, since a round trip is a few µs and a sleeping loop costs a
    /// wake-up per completion. Whether one finished (the poll then does not
    /// block). It spins only
    /// - with few jobs out (no more than CPUs): with many, completions
    ///   stream in, and a loop that sleeps takes them in batches;
    /// - while a CPU is free of workers: else it takes one from them;
    /// - if its last spin found something: a long job costs one spin, not
    ///   one per poll until it ends;
    /// - and never on one CPU (`spin_allowed`).
    pub fn spin_for_done(&self) -> bool {
        let in_flight = self.in_flight.load(Ordering::Relaxed);
        if in_flight == 0 || in_flight > cpus() || self.spin_missed.load(Ordering::Relaxed) || !spin_allowed() {
            return false;
        }
        let cpus = cpus();
        let busy = || RUNNING.load(Ordering::Relaxed) >= cpus;
        let ready = || self.ready.load(Ordering::Acquire) != 0;
        let found = !busy() && spin_until(|| ready() || busy()) && ready();
        self.spin_missed.store(!found, Ordering::Relaxed);
        found
    }
}

/// What a worker runs for a request.
pub(crate) enum Work {
    /// `ruv_queue_work`: the caller's work callback with its request.
    Queued(unsafe extern "C" fn(*mut ruv_work_t)),
    /// An fs operation with its own arguments (`fs.rs`).
    Fs(FsOp),
    /// A lookup with its own arguments (`dns.rs`).
    Dns(Box<DnsOp>),
}

impl Work {
    /// Runs the work; returns what its request's callback gets.
    ///
    /// # Safety
    /// `req` is the request the work was submitted with, in flight.
    unsafe fn run(self, req: usize) -> Done {
        let outcome = match &self {
            Work::Queued(work_cb) => {
                // SAFETY: the caller's function with the caller's request,
                // which stays in place until its after-work callback.
                unsafe { work_cb(req as *mut ruv_work_t) };
                Outcome::Work
            }
            Work::Fs(op) => Outcome::Fs(op.run()),
            Work::Dns(op) => Outcome::Dns(Box::new(op.run())),
        };
        Done { req, outcome, _spent: self }
    }
}

/// A job: a request (by address), its work, its loop's inbox.
struct Job {
    req: usize,
    work: Work,
    inbox: Arc<Inbox>,
}

/// How long a job may block: slow jobs get at most half the workers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Speed {
    Fast,
    Slow,
}

#[derive(Default)]
struct Queues {
    fast: VecDeque<Job>,
    slow: VecDeque<Job>,
    /// Slow jobs running now.
    slow_running: usize,
    /// Workers waiting on `work_ready`.
    idle: usize,
    /// Notifies made that no waiting worker has woken from yet. A notify is
    /// a system call even with nobody left to wake, so one is made only
    /// while `idle` exceeds this: a batch of submits wakes each sleeping
    /// worker once, not once per job.
    wakes_pending: usize,
    /// A worker is spinning (`spin_for_work`): it takes the next job, so a
    /// submit wakes nobody.
    spinning: bool,
    stop: bool,
}

impl Queues {
    /// Whether a sleeping worker is not yet being woken and nobody spins; if
    /// so, the caller notifies one (after unlocking).
    fn claim_wake(&mut self) -> bool {
        let claimed = !self.spinning && self.idle > self.wakes_pending;
        self.wakes_pending += usize::from(claimed);
        claimed
    }

    /// Whether a worker that ran out of jobs may spin: nobody else spins,
    /// and a CPU is left for it beside the running workers and one loop
    /// thread. Else a spinner takes the CPU that the loop thread, or the
    /// job it waits for, needs.
    fn may_spin(&self, cpus: usize, running: usize) -> bool {
        !self.spinning && running + 2 <= cpus
    }

    fn push(&mut self, job: Job, speed: Speed, queued: &AtomicUsize) {
        match speed {
            Speed::Fast => self.fast.push_back(job),
            Speed::Slow => self.slow.push_back(job),
        }
        queued.store(self.fast.len() + self.slow.len(), Ordering::Release);
    }
}

struct Shared {
    queues: Mutex<Queues>,
    /// Jobs in `queues` (fast and slow), written under its lock, read by a
    /// spinning worker without it.
    queued: AtomicUsize,
    work_ready: Condvar,
    threads: usize,
}

/// How many times a worker that ran out of jobs looks for a new one before
/// it sleeps (and a loop for a finished job, `Inbox::spin_for_done`): about
/// 7 µs here. A loop that answers a completion with the next request then
/// finds a worker still awake instead of paying a futex wake and a context
/// switch. Measured (bench/fs.sh workloads, medians of 6 interleaved runs):
/// 2000 checks (27 µs) made one-at-a-time round trips 2x faster again but
/// cost 64 stats in flight a quarter of their rate, the spinner holding a
/// CPU the woken workers needed; 500 leaves the stats as they were. One
/// worker spins at a time, and only on a CPU nothing else of ours needs
/// (`Queues::may_spin`).
const SPIN_CHECKS: u32 = 500;

/// Spins until `done` says so or the budget is spent; whether it did.
fn spin_until(done: impl Fn() -> bool) -> bool {
    for _ in 0..SPIN_CHECKS {
        if done() {
            return true;
        }
        std::hint::spin_loop();
    }
    false
}

/// CPUs this process may run on (`available_parallelism`: the affinity mask
/// and the cgroup quota), read once.
fn cpus() -> usize {
    static CPUS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CPUS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Spinning helps only with a second CPU: on one, the spinner holds the CPU
/// that the thread it waits for needs.
fn spin_allowed() -> bool {
    cpus() > 1
}

struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);

/// Workers running a job now (one pool per process), read without a lock
/// by spinning workers and loops.
static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Pools left behind by `fork`: in the child their threads do not exist, so
/// they are never joined or dropped, only kept reachable.
static FORKED_AWAY: Mutex<Vec<Pool>> = Mutex::new(Vec::new());

/// Runs in a child process right after `fork` (`pthread_atfork`): the child
/// starts a pool of its own on its first job, as libuv's does. The parent's
/// queued jobs stay the parent's.
extern "C" fn leave_pool_in_parent() {
    // The child has one thread: a lock held at the fork by another thread
    // would never be released, so only try (a fork in the middle of a
    // submit on another thread is the one case left with the old pool).
    let Ok(mut pool) = POOL.try_lock() else { return };
    if let Some(old) = pool.take() {
        match FORKED_AWAY.try_lock() {
            Ok(mut left) => left.push(old),
            Err(_) => std::mem::forget(old),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A worker runs the caller's code outside the lock, so a poisoned lock
    // can only come from a panic in ruv, which aborts: take it anyway.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The pool's size from the environment.
fn configured_size() -> usize {
    let read = |name| std::env::var(name).ok().and_then(|v| v.trim().parse::<usize>().ok());
    read("RUV_THREADPOOL_SIZE").or_else(|| read("UV_THREADPOOL_SIZE")).unwrap_or(4).clamp(1, 1024)
}

/// The next job a worker may take, if any.
fn next_job(q: &mut Queues, threads: usize) -> Option<(Job, Speed)> {
    if let Some(job) = q.fast.pop_front() {
        return Some((job, Speed::Fast));
    }
    let slow_limit = threads.div_ceil(2);
    if q.slow_running < slow_limit {
        if let Some(job) = q.slow.pop_front() {
            q.slow_running += 1;
            return Some((job, Speed::Slow));
        }
    }
    None
}

fn worker(shared: Arc<Shared>) {
    let mut q = lock(&shared.queues);
    // Spun since the last job: sleep next time the queue is empty.
    let mut spun = false;
    loop {
        if q.stop {
            return;
        }
        let Some((job, speed)) = next_job(&mut q, shared.threads) else {
            if !spun && q.may_spin(cpus(), RUNNING.load(Ordering::Relaxed)) {
                q.spinning = true;
                drop(q);
                spin_until(|| shared.queued.load(Ordering::Acquire) != 0);
                q = lock(&shared.queues);
                q.spinning = false;
                // Looks again under the lock whether it found one or not:
                // a submit that saw it spinning woke nobody.
                spun = true;
                continue;
            }
            spun = false;
            q.idle += 1;
            q = shared.work_ready.wait(q).unwrap_or_else(|e| e.into_inner());
            q.idle -= 1;
            // A spurious wake-up may take another worker's pending wake;
            // harmless, as this worker now runs whatever is queued.
            q.wakes_pending = q.wakes_pending.saturating_sub(1);
            continue;
        };
        spun = false;
        RUNNING.fetch_add(1, Ordering::Relaxed);
        let left = q.fast.len() + q.slow.len();
        shared.queued.store(left, Ordering::Release);
        // More jobs wait: a sleeping worker helps, since submits made while
        // a worker spun woke nobody. Where nothing spins (one CPU) every
        // submit woke one already, and more wakes only cost switches.
        let wake = left > 0 && spin_allowed() && q.claim_wake();
        drop(q);
        if wake {
            shared.work_ready.notify_one();
        }
        let Job { req, work, inbox } = job;
        // SAFETY: the job's request, in flight until it is posted below.
        let done = unsafe { work.run(req) };
        inbox.post(done);
        // One lock take per job: give back the slow slot and look for the
        // next job under the same lock.
        RUNNING.fetch_sub(1, Ordering::Relaxed);
        q = lock(&shared.queues);
        if speed == Speed::Slow {
            q.slow_running -= 1;
            // A slow slot is free: an idle worker may be waiting for one.
            if !q.slow.is_empty() && q.claim_wake() {
                shared.work_ready.notify_one();
            }
        }
    }
}

/// Hands a request to the pool, starting the pool if needed.
pub(crate) fn submit(req: usize, work: Work, speed: Speed, inbox: Arc<Inbox>) -> std::io::Result<()> {
    let mut pool = lock(&POOL);
    if pool.is_none() {
        static AT_FORK: std::sync::Once = std::sync::Once::new();
        // SAFETY: registers a function that only takes locks with try_lock.
        AT_FORK.call_once(|| unsafe {
            libc::pthread_atfork(None, None, Some(leave_pool_in_parent));
        });
        let threads = configured_size();
        let shared = Arc::new(Shared {
            queues: Mutex::default(),
            queued: AtomicUsize::new(0),
            work_ready: Condvar::new(),
            threads,
        });
        let mut workers = Vec::with_capacity(threads);
        for i in 0..threads {
            let shared = Arc::clone(&shared);
            let spawned = std::thread::Builder::new().name(format!("ruv-worker-{i}")).spawn(move || worker(shared));
            match spawned {
                Ok(handle) => workers.push(handle),
                // No thread at all is an error; fewer than asked still works.
                Err(e) if workers.is_empty() => return Err(e),
                Err(_) => break,
            }
        }
        *pool = Some(Pool { shared, workers });
    }
    let shared = &pool.as_ref().expect("started above").shared;
    let mut q = lock(&shared.queues);
    inbox.in_flight.fetch_add(1, Ordering::Relaxed);
    q.push(Job { req, work, inbox }, speed, &shared.queued);
    let wake = q.claim_wake();
    // Unlock first, so the woken worker does not block on the lock at once.
    drop(q);
    if wake {
        shared.work_ready.notify_one();
    }
    Ok(())
}

/// What `cancel` found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Cancel {
    /// Taken off the queue: it will not run.
    Cancelled,
    /// Running, or done and not yet delivered.
    Busy,
}

/// Takes a request that has not started off the queue.
pub(crate) fn cancel(req: usize) -> Cancel {
    let pool = lock(&POOL);
    let Some(pool) = pool.as_ref() else { return Cancel::Busy };
    let mut guard = lock(&pool.shared.queues);
    let q = &mut *guard;
    let taken = [&mut q.fast, &mut q.slow]
        .into_iter()
        .find_map(|queue| queue.iter().position(|job| job.req == req).and_then(|i| queue.remove(i)));
    pool.shared.queued.store(q.fast.len() + q.slow.len(), Ordering::Release);
    match taken {
        Some(job) => {
            job.inbox.in_flight.fetch_sub(1, Ordering::Relaxed);
            Cancel::Cancelled
        }
        None => Cancel::Busy,
    }
}

/// Stops the workers once they finish what they are running and joins them
/// (`ruv_library_shutdown`). Jobs still queued are dropped: by libuv's rule
/// no loop may have requests in flight then.
pub(crate) fn shutdown() {
    let Some(pool) = lock(&POOL).take() else { return };
    lock(&pool.shared.queues).stop = true;
    pool.shared.work_ready.notify_all();
    for worker in pool.workers {
        let _ = worker.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(req: usize) -> Job {
        unsafe extern "C" fn nothing(_: *mut ruv_work_t) {}
        let poll = mio::Poll::new().unwrap();
        let waker = Arc::new(mio::Waker::new(poll.registry(), mio::Token(0)).unwrap());
        Job { req, work: Work::Queued(nothing), inbox: Inbox::new(waker) }
    }

    /// Slow jobs get at most half the threads; fast ones go first.
    #[test]
    fn slow_jobs_take_at_most_half() {
        let mut q = Queues::default();
        for r in 1..=5 {
            q.slow.push_back(job(r));
        }
        q.fast.push_back(job(100));
        let taken: Vec<_> = std::iter::from_fn(|| next_job(&mut q, 4)).map(|(j, s)| (j.req, s)).collect();
        assert_eq!(taken, vec![(100, Speed::Fast), (1, Speed::Slow), (2, Speed::Slow)]);
        assert_eq!(q.slow_running, 2);
        q.slow_running -= 1;
        assert_eq!(next_job(&mut q, 4).map(|(j, _)| j.req), Some(3));
    }

    /// A spinning worker takes the next job: a submit wakes nobody. Only one
    /// spins, and only on a CPU the loop thread and running jobs leave free.
    #[test]
    fn spinning_replaces_wakes() {
        let mut q = Queues { idle: 2, ..Queues::default() };
        assert!(q.may_spin(2, 0));
        q.spinning = true;
        assert!(!q.claim_wake());
        assert!(!q.may_spin(2, 0));
        q.spinning = false;
        assert!(q.claim_wake());
        assert!(!q.may_spin(2, 1), "the loop thread and a running job fill two CPUs");
        assert!(q.may_spin(4, 1));
        assert!(!Queues::default().may_spin(1, 0));
    }

    #[test]
    fn size_is_clamped() {
        assert!((1..=1024).contains(&configured_size()));
    }
}
