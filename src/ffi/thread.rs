//! Threads and locks: `ruv_thread_*`, `ruv_mutex_*`, `ruv_rwlock_*`,
//! `ruv_sem_*`, `ruv_cond_*`, `ruv_barrier_*`, `ruv_once`, `ruv_key_*`.
//!
//! Where libuv aborts because pthreads refused (which only misuse makes it
//! do: unlocking a mutex the thread does not hold, destroying a locked one),
//! an `int` function returns the error and a `void` function prints one line
//! to stderr and returns. NULL is RUV_EINVAL, or one line.

use super::{Misuse, NULL_ARG, report, status};
use crate::abi::*;
use crate::error::{Error, Result};
use crate::thread;
use std::ffi::{c_char, c_int, c_uint, c_void};

/// Prints the one line a `void` function writes when pthreads refuses.
fn complain(function: &str, e: Error) {
    let what = match -e.code() {
        libc::EPERM => "not held by the calling thread",
        libc::EDEADLK => "held by the calling thread already",
        libc::EBUSY => "in use (held, or waited on)",
        libc::EINVAL => "not initialised, or destroyed",
        libc::EOVERFLOW => "at its largest value",
        _ => "refused by pthreads",
    };
    report(function, Misuse { code: e.code(), what });
}

/// The shape of a `void` function: NULL or a refusal prints one line.
fn void<T>(function: &str, p: *mut T, f: impl FnOnce(*mut T) -> Result) {
    if p.is_null() {
        return report(function, NULL_ARG);
    }
    if let Err(e) = f(p) {
        complain(function, e);
    }
}

/// The shape of an `int` function: RUV_EINVAL for NULL, else 0 or the error.
fn int<T>(p: *mut T, f: impl FnOnce(*mut T) -> Result) -> c_int {
    if p.is_null() { RUV_EINVAL } else { status(f(p)) }
}

// ---- threads ---------------------------------------------------------------

/** Starts a thread running `entry(arg)` and writes its id to `*tid`
 *  (before the thread runs). Its stack is RLIMIT_STACK's size (2 MiB when
 *  that is unlimited), as libuv's. Join it with `ruv_thread_join` or detach
 *  it with `ruv_thread_detach`. RUV_EINVAL for a NULL `tid` or `entry`;
 *  pthread_create's error (RUV_EAGAIN: too many threads) otherwise.
 *
 *  # Safety
 *  `tid` is NULL or points at a writable `ruv_thread_t`; `entry` may use
 *  `arg` on the new thread. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_create(tid: *mut ruv_thread_t, entry: ruv_thread_cb, arg: *mut c_void) -> c_int {
    let Some(entry) = entry else { return RUV_EINVAL };
    // SAFETY: `tid` is writable when not NULL (the caller's contract).
    int(tid, |tid| unsafe { thread::create(tid, None, entry, arg) })
}

/** `ruv_thread_create` with options. With RUV_THREAD_HAS_STACK_SIZE in
 *  `params->flags`, a `stack_size` other than 0 is rounded up to a page and
 *  to at least PTHREAD_STACK_MIN (8 KiB if that is smaller), as libuv does;
 *  0 (or no flag) is the default size. RUV_EINVAL for a NULL `tid`,
 *  `params` or `entry`, or a size too large to round.
 *
 *  # Safety
 *  `tid` is NULL or points at a writable `ruv_thread_t`, `params` is NULL
 *  or points at a `ruv_thread_options_t`; `entry` may use `arg` on the new
 *  thread. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_create_ex(
    tid: *mut ruv_thread_t,
    params: *const ruv_thread_options_t,
    entry: ruv_thread_cb,
    arg: *mut c_void,
) -> c_int {
    let Some(entry) = entry else { return RUV_EINVAL };
    if params.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: a `ruv_thread_options_t` (the caller's contract).
    let params = unsafe { *params };
    let has_size = params.flags & RUV_THREAD_HAS_STACK_SIZE as c_uint != 0;
    let stack = if has_size { Some(params.stack_size) } else { None };
    // SAFETY: `tid` is writable when not NULL.
    int(tid, |tid| unsafe { thread::create(tid, stack, entry, arg) })
}

/** Waits for the thread to end, and frees it. It must be a thread
 *  `ruv_thread_create(_ex)` started, joined once and not detached: RUV_EINVAL
 *  for any other (where pthreads would read a freed thread), and for NULL;
 *  -EDEADLK for the calling thread itself.
 *
 *  # Safety
 *  `tid` is NULL or points at a `ruv_thread_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_join(tid: *mut ruv_thread_t) -> c_int {
    // SAFETY: a `ruv_thread_t` when not NULL.
    int(tid, |tid| thread::join(unsafe { *tid }))
}

/** Detaches the thread: it frees itself when it ends, and cannot be joined.
 *  It must be a thread `ruv_thread_create(_ex)` started, neither joined nor
 *  detached yet (a thread may detach itself): RUV_EINVAL for any other, and
 *  for NULL.
 *
 *  # Safety
 *  `tid` is NULL or points at a `ruv_thread_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_detach(tid: *mut ruv_thread_t) -> c_int {
    // SAFETY: a `ruv_thread_t` when not NULL.
    int(tid, |tid| thread::detach(unsafe { *tid }))
}

/** The calling thread. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_thread_self() -> ruv_thread_t {
    thread::current()
}

/** Non-zero if `t1` and `t2` are the same thread, else 0 (also for NULL,
 *  with one line on stderr).
 *
 *  # Safety
 *  Each pointer is NULL or points at a `ruv_thread_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_equal(t1: *const ruv_thread_t, t2: *const ruv_thread_t) -> c_int {
    if t1.is_null() || t2.is_null() {
        report("ruv_thread_equal", NULL_ARG);
        return 0;
    }
    // SAFETY: both point at a `ruv_thread_t`.
    thread::equal(unsafe { *t1 }, unsafe { *t2 }) as c_int
}

/** Names the calling thread; on Linux a name is cut to its first 15 bytes,
 *  as libuv cuts it. RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `name` is NULL or points at a NUL-terminated string. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_setname(name: *const c_char) -> c_int {
    // SAFETY: a NUL-terminated string when not NULL.
    int(name.cast_mut(), |name| unsafe { thread::set_name(name) })
}

/** Copies the name of thread `tid` to `name`, cut to `size - 1` bytes and
 *  NUL-terminated. RUV_EINVAL for NULL or a `size` of 0. As in libuv, `tid`
 *  must not have ended and been joined (or ended detached).
 *
 *  # Safety
 *  `tid` is NULL or points at a `ruv_thread_t`; `name` is NULL or points at
 *  `size` writable bytes. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_getname(tid: *mut ruv_thread_t, name: *mut c_char, size: usize) -> c_int {
    if tid.is_null() || size == 0 {
        return RUV_EINVAL;
    }
    // SAFETY: as the caller's contract says.
    int(name, |name| unsafe { thread::get_name(*tid, name, size) })
}

/** Sets the CPUs thread `tid` may run on: those whose byte in `cpumask` is
 *  not 0. Saves the previous setting in `oldmask` (the same form) unless it
 *  is NULL. `mask_size` is the bytes of each mask, at least
 *  `ruv_cpumask_size()`: RUV_EINVAL if smaller, and for a NULL `tid` or
 *  `cpumask`.
 *
 *  # Safety
 *  `tid` is NULL or points at a `ruv_thread_t` that has not been joined;
 *  `cpumask` is NULL or points at `mask_size` readable bytes, `oldmask` at
 *  `mask_size` writable bytes. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_setaffinity(
    tid: *mut ruv_thread_t,
    cpumask: *mut c_char,
    oldmask: *mut c_char,
    mask_size: usize,
) -> c_int {
    if tid.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: as the caller's contract says.
    int(cpumask, |mask| unsafe { thread::set_affinity(*tid, mask, oldmask, mask_size) })
}

/** Writes the CPUs thread `tid` may run on to `cpumask`: one byte per CPU,
 *  1 or 0. RUV_EINVAL if `mask_size` is below `ruv_cpumask_size()`, and for
 *  NULL.
 *
 *  # Safety
 *  `tid` is NULL or points at a `ruv_thread_t` that has not been joined;
 *  `cpumask` is NULL or points at `mask_size` writable bytes. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_getaffinity(
    tid: *mut ruv_thread_t,
    cpumask: *mut c_char,
    mask_size: usize,
) -> c_int {
    if tid.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: as the caller's contract says.
    int(cpumask, |mask| unsafe { thread::get_affinity(*tid, mask, mask_size) })
}

/** The CPU the calling thread runs on (0 up), or an error. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_thread_getcpu() -> c_int {
    thread::cpu().unwrap_or_else(Error::code)
}

/** The number of CPUs an affinity mask holds (CPU_SETSIZE, 1024): the
 *  smallest `mask_size` of `ruv_thread_setaffinity` and
 *  `ruv_thread_getaffinity`. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_cpumask_size() -> c_int {
    thread::cpumask_size() as c_int
}

/** Sets the scheduling priority of thread `tid`, one of
 *  RUV_THREAD_PRIORITY_LOWEST, _BELOW_NORMAL, _NORMAL, _ABOVE_NORMAL and
 *  _HIGHEST (RUV_EINVAL for another value). As in libuv on Linux: for the
 *  calling thread under the default policy it sets the thread's nice value
 *  to -2 times the priority (raising it above what it is takes privilege:
 *  RUV_EACCES); under a real-time policy it picks from the policy's range.
 *  As in libuv, `tid` must not have ended and been joined.
 *
 *  # Safety
 *  None beyond `tid` naming a thread that has not been joined. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_setpriority(tid: ruv_thread_t, priority: c_int) -> c_int {
    // SAFETY: the caller's contract.
    status(unsafe { thread::set_priority(tid, priority) })
}

/** Writes the scheduling priority of thread `tid` to `*priority`. As in
 *  libuv on Linux: for the calling thread under the default policy, its
 *  nice value (so 4 after RUV_THREAD_PRIORITY_LOWEST); else the policy's
 *  priority (0 under the default policy). RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `tid` names a thread that has not been joined; `priority` is NULL or
 *  points at a writable `int`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_thread_getpriority(tid: ruv_thread_t, priority: *mut c_int) -> c_int {
    int(priority, |out| {
        // SAFETY: the caller's contract; `out` is writable.
        unsafe { *out = thread::get_priority(tid)? };
        Ok(())
    })
}

// ---- mutexes -----------------------------------------------------------------

/** Initialises a mutex. It checks its use: locking it again from the
 *  thread that holds it, or unlocking it from one that does not, is
 *  reported (one line on stderr) instead of hanging or breaking the mutex.
 *  RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `handle` is NULL or points at a writable `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_mutex_init(handle: *mut ruv_mutex_t) -> c_int {
    // SAFETY: writable when not NULL.
    int(handle, |m| unsafe { thread::mutex_init(m, false) })
}

/** Initialises a recursive mutex: the thread that holds it may lock it
 *  again, and unlocks it as many times. RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `handle` is NULL or points at a writable `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_mutex_init_recursive(handle: *mut ruv_mutex_t) -> c_int {
    // SAFETY: writable when not NULL.
    int(handle, |m| unsafe { thread::mutex_init(m, true) })
}

/** Destroys a mutex. A locked mutex is left alone, with one line on
 *  stderr (libuv aborts).
 *
 *  # Safety
 *  `handle` is NULL or points at a `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_mutex_destroy(handle: *mut ruv_mutex_t) {
    // SAFETY: a mutex when not NULL.
    void("ruv_mutex_destroy", handle, |m| unsafe { thread::mutex_destroy(m) })
}

/** Locks the mutex, waiting for it. If the calling thread holds it already
 *  (and it is not recursive), or it was destroyed, prints one line and
 *  returns without locking (libuv aborts or hangs).
 *
 *  # Safety
 *  `handle` is NULL or points at a `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_mutex_lock(handle: *mut ruv_mutex_t) {
    // SAFETY: a mutex when not NULL.
    void("ruv_mutex_lock", handle, |m| unsafe { thread::mutex_lock(m) })
}

/** Locks the mutex if it is free: 0, or RUV_EBUSY if a thread (the calling
 *  one included) holds it. RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `handle` is NULL or points at a `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_mutex_trylock(handle: *mut ruv_mutex_t) -> c_int {
    // SAFETY: a mutex when not NULL.
    int(handle, |m| unsafe { thread::mutex_trylock(m) })
}

/** Unlocks the mutex. If the calling thread does not hold it, prints one
 *  line and leaves it alone (libuv aborts, or breaks the mutex).
 *
 *  # Safety
 *  `handle` is NULL or points at a `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_mutex_unlock(handle: *mut ruv_mutex_t) {
    // SAFETY: a mutex when not NULL.
    void("ruv_mutex_unlock", handle, |m| unsafe { thread::mutex_unlock(m) })
}

// ---- read-write locks ----------------------------------------------------------

/** Initialises a read-write lock. RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `rwlock` is NULL or points at a writable `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_init(rwlock: *mut ruv_rwlock_t) -> c_int {
    // SAFETY: writable when not NULL.
    int(rwlock, |l| unsafe { thread::rwlock_init(l) })
}

/** Destroys a read-write lock.
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_destroy(rwlock: *mut ruv_rwlock_t) {
    // SAFETY: a lock when not NULL.
    void("ruv_rwlock_destroy", rwlock, |l| unsafe { thread::rwlock_destroy(l) })
}

/** Takes the lock for reading, waiting while a writer holds it. If the
 *  calling thread holds it for writing, prints one line and returns
 *  without it (libuv aborts).
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_rdlock(rwlock: *mut ruv_rwlock_t) {
    // SAFETY: a lock when not NULL.
    void("ruv_rwlock_rdlock", rwlock, |l| unsafe { thread::rwlock_rdlock(l) })
}

/** Takes the lock for reading if no writer holds it: 0, or RUV_EBUSY.
 *  RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_tryrdlock(rwlock: *mut ruv_rwlock_t) -> c_int {
    // SAFETY: a lock when not NULL.
    int(rwlock, |l| unsafe { thread::rwlock_trylock(l, false) })
}

/** Releases a read hold of the lock. Call it only from a thread holding it
 *  for reading: pthreads does not check that.
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_rdunlock(rwlock: *mut ruv_rwlock_t) {
    // SAFETY: a lock when not NULL.
    void("ruv_rwlock_rdunlock", rwlock, |l| unsafe { thread::rwlock_unlock(l) })
}

/** Takes the lock for writing, waiting for its readers and writer. If the
 *  calling thread holds it for writing, prints one line and returns
 *  without it (libuv aborts).
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_wrlock(rwlock: *mut ruv_rwlock_t) {
    // SAFETY: a lock when not NULL.
    void("ruv_rwlock_wrlock", rwlock, |l| unsafe { thread::rwlock_wrlock(l) })
}

/** Takes the lock for writing if nobody holds it: 0, or RUV_EBUSY.
 *  RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_trywrlock(rwlock: *mut ruv_rwlock_t) -> c_int {
    // SAFETY: a lock when not NULL.
    int(rwlock, |l| unsafe { thread::rwlock_trylock(l, true) })
}

/** Releases the write hold of the lock. Call it only from the thread
 *  holding it for writing: pthreads does not check that.
 *
 *  # Safety
 *  `rwlock` is NULL or points at a `ruv_rwlock_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_rwlock_wrunlock(rwlock: *mut ruv_rwlock_t) {
    // SAFETY: a lock when not NULL.
    void("ruv_rwlock_wrunlock", rwlock, |l| unsafe { thread::rwlock_unlock(l) })
}

// ---- semaphores ------------------------------------------------------------------

/** Initialises a semaphore (of this process) at `value`. RUV_EINVAL for
 *  NULL and for a value above SEM_VALUE_MAX.
 *
 *  # Safety
 *  `sem` is NULL or points at a writable `ruv_sem_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_sem_init(sem: *mut ruv_sem_t, value: c_uint) -> c_int {
    // SAFETY: writable when not NULL.
    int(sem, |s| unsafe { thread::sem_init(s, value) })
}

/** Destroys a semaphore.
 *
 *  # Safety
 *  `sem` is NULL or points at a `ruv_sem_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_sem_destroy(sem: *mut ruv_sem_t) {
    // SAFETY: a semaphore when not NULL.
    void("ruv_sem_destroy", sem, |s| unsafe { thread::sem_destroy(s) })
}

/** Adds one to the semaphore, waking a waiter. At SEM_VALUE_MAX prints one
 *  line and leaves it (libuv aborts).
 *
 *  # Safety
 *  `sem` is NULL or points at a `ruv_sem_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_sem_post(sem: *mut ruv_sem_t) {
    // SAFETY: a semaphore when not NULL.
    void("ruv_sem_post", sem, |s| unsafe { thread::sem_post(s) })
}

/** Takes one from the semaphore, waiting while it is 0 (through signals).
 *
 *  # Safety
 *  `sem` is NULL or points at a `ruv_sem_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_sem_wait(sem: *mut ruv_sem_t) {
    // SAFETY: a semaphore when not NULL.
    void("ruv_sem_wait", sem, |s| unsafe { thread::sem_wait(s, true) })
}

/** Takes one from the semaphore if it is not 0: 0, or RUV_EAGAIN.
 *  RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `sem` is NULL or points at a `ruv_sem_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_sem_trywait(sem: *mut ruv_sem_t) -> c_int {
    // SAFETY: a semaphore when not NULL.
    int(sem, |s| unsafe { thread::sem_wait(s, false) })
}

// ---- condition variables ------------------------------------------------------------

/** Initialises a condition variable (its timed waits use a monotonic
 *  clock). RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `cond` is NULL or points at a writable `ruv_cond_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cond_init(cond: *mut ruv_cond_t) -> c_int {
    // SAFETY: writable when not NULL.
    int(cond, |c| unsafe { thread::cond_init(c) })
}

/** Destroys a condition variable.
 *
 *  # Safety
 *  `cond` is NULL or points at a `ruv_cond_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cond_destroy(cond: *mut ruv_cond_t) {
    // SAFETY: a condition variable when not NULL.
    void("ruv_cond_destroy", cond, |c| unsafe { thread::cond_destroy(c) })
}

/** Wakes one thread waiting on the condition variable, if any.
 *
 *  # Safety
 *  `cond` is NULL or points at a `ruv_cond_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cond_signal(cond: *mut ruv_cond_t) {
    // SAFETY: a condition variable when not NULL.
    void("ruv_cond_signal", cond, |c| unsafe { thread::cond_wake(c, false) })
}

/** Wakes every thread waiting on the condition variable.
 *
 *  # Safety
 *  `cond` is NULL or points at a `ruv_cond_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cond_broadcast(cond: *mut ruv_cond_t) {
    // SAFETY: a condition variable when not NULL.
    void("ruv_cond_broadcast", cond, |c| unsafe { thread::cond_wake(c, true) })
}

/** Releases `mutex`, which the calling thread holds, waits to be woken,
 *  and takes `mutex` again. Wake-ups may be spurious: wait in a loop on the
 *  condition. If the calling thread does not hold `mutex`, prints one line
 *  and returns at once (libuv aborts).
 *
 *  # Safety
 *  `cond` is NULL or points at a `ruv_cond_t`, `mutex` at a `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cond_wait(cond: *mut ruv_cond_t, mutex: *mut ruv_mutex_t) {
    if mutex.is_null() {
        return report("ruv_cond_wait", NULL_ARG);
    }
    // SAFETY: a condition variable and a mutex.
    void("ruv_cond_wait", cond, |c| unsafe { thread::cond_wait(c, mutex) })
}

/** `ruv_cond_wait` for at most `timeout` nanoseconds: 0 when woken (or
 *  spuriously), RUV_ETIMEDOUT when the time passed first; `mutex` is held
 *  again either way. RUV_EINVAL for NULL, RUV_EPERM if the calling thread
 *  does not hold `mutex` (libuv aborts).
 *
 *  # Safety
 *  `cond` is NULL or points at a `ruv_cond_t`, `mutex` at a `ruv_mutex_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_cond_timedwait(cond: *mut ruv_cond_t, mutex: *mut ruv_mutex_t, timeout: u64) -> c_int {
    if mutex.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: a condition variable and a mutex.
    int(cond, |c| unsafe { thread::cond_timedwait(c, mutex, timeout) })
}

// ---- barriers -------------------------------------------------------------------------

/** Initialises a barrier for `count` threads. RUV_EINVAL for NULL and for a
 *  count of 0.
 *
 *  # Safety
 *  `barrier` is NULL or points at a writable `ruv_barrier_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_barrier_init(barrier: *mut ruv_barrier_t, count: c_uint) -> c_int {
    // SAFETY: writable when not NULL.
    int(barrier, |b| unsafe { thread::barrier_init(b, count) })
}

/** Destroys a barrier.
 *
 *  # Safety
 *  `barrier` is NULL or points at a `ruv_barrier_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_barrier_destroy(barrier: *mut ruv_barrier_t) {
    // SAFETY: a barrier when not NULL.
    void("ruv_barrier_destroy", barrier, |b| unsafe { thread::barrier_destroy(b) })
}

/** Waits until `count` threads wait on the barrier, then lets them all go.
 *  Returns 1 in exactly one of them (to destroy the barrier, say:
 *  `if (ruv_barrier_wait(&b) > 0) ruv_barrier_destroy(&b);`) and 0 in the
 *  others; RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `barrier` is NULL or points at a `ruv_barrier_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_barrier_wait(barrier: *mut ruv_barrier_t) -> c_int {
    if barrier.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: a barrier.
    match unsafe { thread::barrier_wait(barrier) } {
        Ok(serial) => serial as c_int,
        Err(e) => e.code(),
    }
}

// ---- once and thread-local keys ---------------------------------------------------------

/** Runs `callback` unless a call with `guard` has run it; calls racing it
 *  wait until it has returned. `guard` starts as RUV_ONCE_INIT (a static
 *  initialiser). NULL prints one line.
 *
 *  # Safety
 *  `guard` is NULL or points at a `ruv_once_t` that started as
 *  RUV_ONCE_INIT. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_once(guard: *mut ruv_once_t, callback: Option<unsafe extern "C" fn()>) {
    let Some(callback) = callback else { return report("ruv_once", NULL_ARG) };
    // SAFETY: a guard when not NULL.
    void("ruv_once", guard, |g| unsafe { thread::once(g, callback) })
}

/** Creates a thread-local storage key; every thread's value starts NULL.
 *  RUV_EINVAL for NULL, RUV_EAGAIN when the process has no keys left.
 *
 *  # Safety
 *  `key` is NULL or points at a writable `ruv_key_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_key_create(key: *mut ruv_key_t) -> c_int {
    // SAFETY: writable when not NULL.
    int(key, |k| unsafe { thread::key_create(k) })
}

/** Deletes the key (the threads' values are not freed). A key not in use
 *  (deleted already) prints one line (libuv aborts).
 *
 *  # Safety
 *  `key` is NULL or points at a `ruv_key_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_key_delete(key: *mut ruv_key_t) {
    // SAFETY: a key when not NULL.
    void("ruv_key_delete", key, |k| thread::key_delete(unsafe { *k }))
}

/** The calling thread's value for the key: NULL if it has set none, and
 *  for a key not in use (NULL `key`: one line).
 *
 *  # Safety
 *  `key` is NULL or points at a `ruv_key_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_key_get(key: *mut ruv_key_t) -> *mut c_void {
    if key.is_null() {
        report("ruv_key_get", NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: a key.
    thread::key_get(unsafe { *key })
}

/** Sets the calling thread's value for the key. A key not in use prints
 *  one line (libuv aborts).
 *
 *  # Safety
 *  `key` is NULL or points at a `ruv_key_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_key_set(key: *mut ruv_key_t, value: *mut c_void) {
    // SAFETY: a key when not NULL.
    void("ruv_key_set", key, |k| thread::key_set(unsafe { *k }, value))
}
