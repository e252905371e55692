//! Threads and locks: libuv's portable thread API on pthreads, as libuv's
//! `src/unix/thread.c` has it on Linux.
//!
//! Thin wrappers. The lock types are the pthread types themselves, in the
//! caller's memory; each function here takes a pointer to one and returns
//! what pthreads reports as an [`Error`] (libuv aborts on most of these;
//! the C boundary returns them or prints them instead). Mutexes are
//! error-checking (as libuv's debug builds make them), so that unlocking a
//! mutex the thread does not hold, or locking one it holds already, is
//! reported instead of corrupting the mutex or hanging.
//!
//! Threads: [`create`] starts one through a small trampoline and records it
//! as joinable; [`join`] and [`detach`] take only threads recorded so, once,
//! because pthreads has no defined answer for a thread joined or detached
//! already (it may read freed memory).

use crate::abi::{
    RUV_THREAD_PRIORITY_ABOVE_NORMAL, RUV_THREAD_PRIORITY_BELOW_NORMAL, RUV_THREAD_PRIORITY_HIGHEST,
    RUV_THREAD_PRIORITY_LOWEST, RUV_THREAD_PRIORITY_NORMAL, ruv_barrier_t, ruv_cond_t, ruv_key_t, ruv_mutex_t,
    ruv_once_t, ruv_rwlock_t, ruv_sem_t, ruv_thread_t,
};
use crate::error::{Error, Result};
use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::mem::MaybeUninit;
use std::sync::{Mutex, MutexGuard};

/// A pthread function's result: 0, or the error number it returns.
fn check(r: c_int) -> Result {
    if r == 0 { Ok(()) } else { Err(Error::from_errno(r)) }
}

/// A POSIX function's result: 0, or -1 with `errno` set.
fn check_errno(r: c_int) -> Result {
    if r == 0 { Ok(()) } else { Err(Error::last_os_error()) }
}

// ---- threads ---------------------------------------------------------------

/// The threads [`create`] started that have been neither joined nor
/// detached. pthreads cannot reuse such a thread's id, so an id found here
/// is a live (or finished, unjoined) thread of ruv's.
static JOINABLE: Mutex<BTreeSet<ruv_thread_t>> = Mutex::new(BTreeSet::new());

fn joinable() -> MutexGuard<'static, BTreeSet<ruv_thread_t>> {
    // No code that can panic runs under the lock (and panics abort).
    JOINABLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the trampoline hands to the thread's entry.
struct Start {
    entry: unsafe extern "C" fn(*mut c_void),
    arg: *mut c_void,
}

/// The new thread's first function: the caller's entry with its argument.
extern "C" fn start(p: *mut c_void) -> *mut c_void {
    // SAFETY: `create` passes a leaked `Box<Start>`, taken back once here.
    let s = unsafe { Box::from_raw(p.cast::<Start>()) };
    // SAFETY: the caller of `ruv_thread_create` vouches for entry and arg.
    unsafe { (s.entry)(s.arg) };
    std::ptr::null_mut()
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as usize } else { 4096 }
}

/// The smallest stack a thread gets: libuv's `uv__min_stack_size`, 8 KiB or
/// PTHREAD_STACK_MIN if larger (glibc's PTHREAD_STACK_MIN is the run-time
/// value for C code built with `_GNU_SOURCE`, as libuv is: sysconf's).
fn min_stack_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let dynamic = unsafe { libc::sysconf(libc::_SC_THREAD_STACK_MIN) };
    8192.max(libc::PTHREAD_STACK_MIN).max(dynamic.max(0) as usize)
}

/// The stack a thread gets when none is asked for: libuv's
/// `uv__thread_stack_size` on Linux, RLIMIT_STACK rounded down to a page
/// when it is set and not too small, else glibc's 2 MiB (so that threads are
/// the same under musl).
fn default_stack_size() -> usize {
    const GLIBC_DEFAULT: usize = 2 << 20;
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `lim` is a valid out-pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut lim) } != 0 || lim.rlim_cur == libc::RLIM_INFINITY {
        return GLIBC_DEFAULT;
    }
    let page = page_size() as libc::rlim_t;
    let size = lim.rlim_cur - lim.rlim_cur % page;
    if size >= min_stack_size() as libc::rlim_t {
        usize::try_from(size).unwrap_or(GLIBC_DEFAULT)
    } else {
        GLIBC_DEFAULT
    }
}

/// The stack size a thread is created with for `requested` bytes
/// (`ruv_thread_create_ex`'s RUV_THREAD_HAS_STACK_SIZE; 0 or `None` for the
/// default): rounded up to a page, and at least [`min_stack_size`], as libuv
/// does. `None` when rounding up overflows.
pub(crate) fn stack_size(requested: Option<usize>) -> Option<usize> {
    match requested {
        None | Some(0) => Some(default_stack_size()),
        Some(n) => {
            let page = page_size();
            let rounded = n.checked_add(page - 1)? & !(page - 1);
            Some(rounded.max(min_stack_size()))
        }
    }
}

/// `ruv_thread_create(_ex)`: starts a thread running `entry(arg)` with
/// `stack` bytes of stack (see [`stack_size`]), writes its id to `*tid` (as
/// pthread_create does, before the thread runs) and records it as joinable.
///
/// # Safety
/// `tid` points at a writable `ruv_thread_t`.
pub(crate) unsafe fn create(
    tid: *mut ruv_thread_t,
    stack: Option<usize>,
    entry: unsafe extern "C" fn(*mut c_void),
    arg: *mut c_void,
) -> Result {
    let size = stack_size(stack).ok_or(Error::INVAL)?;
    let mut attr = MaybeUninit::<libc::pthread_attr_t>::uninit();
    // SAFETY: `attr` is initialised by pthread_attr_init before any other use
    // and destroyed once below.
    check(unsafe { libc::pthread_attr_init(attr.as_mut_ptr()) })?;
    // SAFETY: an initialised attribute object.
    let mut r = unsafe { libc::pthread_attr_setstacksize(attr.as_mut_ptr(), size) };
    if r == 0 {
        let start_arg = Box::into_raw(Box::new(Start { entry, arg }));
        // Held across pthread_create, so that the new thread, should it join
        // or detach itself at once, finds itself recorded.
        let mut joinable = joinable();
        // SAFETY: `tid` is writable (the caller's contract); `start` takes
        // the box back on the new thread.
        r = unsafe { libc::pthread_create(tid, attr.as_ptr(), start, start_arg.cast()) };
        if r == 0 {
            // SAFETY: written by pthread_create.
            joinable.insert(unsafe { *tid });
        } else {
            // SAFETY: no thread took it.
            drop(unsafe { Box::from_raw(start_arg) });
        }
    }
    // SAFETY: initialised above, destroyed once.
    unsafe { libc::pthread_attr_destroy(attr.as_mut_ptr()) };
    check(r)
}

/// The calling thread.
pub(crate) fn current() -> ruv_thread_t {
    // SAFETY: no preconditions.
    unsafe { libc::pthread_self() }
}

/// Whether `a` and `b` are the same thread.
pub(crate) fn equal(a: ruv_thread_t, b: ruv_thread_t) -> bool {
    // SAFETY: pthread_equal compares the ids only.
    unsafe { libc::pthread_equal(a, b) != 0 }
}

/// `ruv_thread_join`: waits for a thread [`create`] started and frees it.
/// `EDEADLK` (as pthreads) for the calling thread itself; `Error::INVAL` for
/// a thread that is not joinable: joined or detached already, or not
/// started by ruv.
pub(crate) fn join(tid: ruv_thread_t) -> Result {
    if equal(tid, current()) {
        return Err(Error::from_errno(libc::EDEADLK));
    }
    if !joinable().remove(&tid) {
        return Err(Error::INVAL);
    }
    // SAFETY: a joinable thread of ruv's, taken off the record: this is its
    // one join.
    check(unsafe { libc::pthread_join(tid, std::ptr::null_mut()) })
}

/// `ruv_thread_detach`: lets a thread [`create`] started free itself when it
/// ends. `Error::INVAL` for a thread that is not joinable, as [`join`].
pub(crate) fn detach(tid: ruv_thread_t) -> Result {
    if !joinable().remove(&tid) {
        return Err(Error::INVAL);
    }
    // SAFETY: a joinable thread of ruv's, taken off the record.
    check(unsafe { libc::pthread_detach(tid) })
}

/// The longest thread name Linux keeps, without its NUL.
const NAME_MAX: usize = 15;

/// `ruv_thread_setname`: names the calling thread, truncated to 15 bytes as
/// libuv does on Linux.
///
/// # Safety
/// `name` points at a NUL-terminated string.
pub(crate) unsafe fn set_name(name: *const c_char) -> Result {
    let mut buf = [0 as c_char; NAME_MAX + 1];
    for (i, slot) in buf.iter_mut().take(NAME_MAX).enumerate() {
        // SAFETY: within the string: the loop stops at its NUL.
        let c = unsafe { *name.add(i) };
        if c == 0 {
            break;
        }
        *slot = c;
    }
    // SAFETY: `buf` is NUL-terminated and short enough.
    check(unsafe { libc::pthread_setname_np(current(), buf.as_ptr()) })
}

/// `ruv_thread_getname`: `tid`'s name in `name`, cut to `size - 1` bytes and
/// NUL-terminated (the rest of `name` zeroed, as libuv's strncpy leaves it).
///
/// # Safety
/// `tid` is a thread that has not been joined (nor ended detached); `name`
/// points at `size` (> 0) writable bytes.
pub(crate) unsafe fn get_name(tid: ruv_thread_t, name: *mut c_char, size: usize) -> Result {
    let mut buf = [0 as c_char; NAME_MAX + 1];
    // SAFETY: `buf` has the length passed; `tid` is the caller's.
    check(unsafe { libc::pthread_getname_np(tid, buf.as_mut_ptr(), buf.len()) })?;
    // SAFETY: `size` writable bytes at `name`.
    let out = unsafe { std::slice::from_raw_parts_mut(name, size) };
    let len = buf.iter().position(|&c| c == 0).unwrap_or(NAME_MAX).min(size - 1);
    out[..len].copy_from_slice(&buf[..len]);
    out[len..].fill(0);
    Ok(())
}

/// `ruv_cpumask_size`: the entries of an affinity mask (CPU_SETSIZE).
pub(crate) fn cpumask_size() -> usize {
    libc::CPU_SETSIZE as usize
}

/// `ruv_thread_getaffinity`: one byte per CPU in `mask`, 1 where `tid` may
/// run. `Error::INVAL` if `size` is below [`cpumask_size`].
///
/// # Safety
/// `tid` is a thread that has not been joined; `mask` points at `size`
/// writable bytes.
pub(crate) unsafe fn get_affinity(tid: ruv_thread_t, mask: *mut c_char, size: usize) -> Result {
    if size < cpumask_size() {
        return Err(Error::INVAL);
    }
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid out-pointer of the size passed.
    check(unsafe { libc::pthread_getaffinity_np(tid, size_of::<libc::cpu_set_t>(), &mut set) })?;
    // SAFETY: `size` writable bytes at `mask`.
    let out = unsafe { std::slice::from_raw_parts_mut(mask, cpumask_size()) };
    for (cpu, byte) in out.iter_mut().enumerate() {
        // SAFETY: `cpu` is below CPU_SETSIZE, within the set.
        *byte = unsafe { libc::CPU_ISSET(cpu, &set) } as c_char;
    }
    Ok(())
}

/// `ruv_thread_setaffinity`: lets `tid` run on the CPUs whose byte in `mask`
/// is not 0, after saving the previous mask in `old` if not NULL.
///
/// # Safety
/// `tid` is a thread that has not been joined; `mask` points at `size`
/// readable bytes, and `old` is NULL or points at `size` writable bytes.
pub(crate) unsafe fn set_affinity(tid: ruv_thread_t, mask: *const c_char, old: *mut c_char, size: usize) -> Result {
    if size < cpumask_size() {
        return Err(Error::INVAL);
    }
    if !old.is_null() {
        // SAFETY: forwarded.
        unsafe { get_affinity(tid, old, size) }?;
    }
    // SAFETY: `size` readable bytes at `mask`.
    let wanted = unsafe { std::slice::from_raw_parts(mask, cpumask_size()) };
    // SAFETY: an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for (cpu, &byte) in wanted.iter().enumerate() {
        if byte != 0 {
            // SAFETY: `cpu` is below CPU_SETSIZE, within the set.
            unsafe { libc::CPU_SET(cpu, &mut set) };
        }
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed.
    check(unsafe { libc::pthread_setaffinity_np(tid, size_of::<libc::cpu_set_t>(), &set) })
}

/// `ruv_thread_getcpu`: the CPU the calling thread runs on.
pub(crate) fn cpu() -> Result<c_int> {
    // SAFETY: no preconditions.
    let n = unsafe { libc::sched_getcpu() };
    if n < 0 { Err(Error::last_os_error()) } else { Ok(n) }
}

/// `ruv_thread_getpriority`, as libuv has it on Linux: for the calling thread
/// under SCHED_OTHER (the default) its nice value, else the scheduling
/// priority of its policy (0 under SCHED_OTHER).
///
/// # Safety
/// `tid` is a thread that has not been joined.
pub(crate) unsafe fn get_priority(tid: ruv_thread_t) -> Result<c_int> {
    let mut policy = 0;
    let mut param = libc::sched_param { sched_priority: 0 };
    // SAFETY: valid out-pointers; `tid` is the caller's.
    check(unsafe { libc::pthread_getschedparam(tid, &mut policy, &mut param) })?;
    if policy == libc::SCHED_OTHER && equal(tid, current()) {
        // getpriority returns -1 both for nice -1 and for an error: errno
        // tells them apart.
        // SAFETY: errno is the calling thread's.
        unsafe { *libc::__errno_location() = 0 };
        // SAFETY: no preconditions; the calling thread's own id.
        let nice = unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
        if nice == -1 && crate::sys::errno() != 0 {
            return Err(Error::last_os_error());
        }
        return Ok(nice);
    }
    Ok(param.sched_priority)
}

/// `ruv_thread_setpriority`, as libuv has it on Linux: `Error::INVAL` for a
/// priority outside RUV_THREAD_PRIORITY_LOWEST..=HIGHEST; for the calling
/// thread under SCHED_OTHER, nice `-2 * priority` (raising the priority
/// takes privilege); else the policy's priority range split in four.
///
/// # Safety
/// `tid` is a thread that has not been joined.
pub(crate) unsafe fn set_priority(tid: ruv_thread_t, priority: c_int) -> Result {
    if !(RUV_THREAD_PRIORITY_LOWEST..=RUV_THREAD_PRIORITY_HIGHEST).contains(&priority) {
        return Err(Error::INVAL);
    }
    let mut policy = 0;
    let mut param = libc::sched_param { sched_priority: 0 };
    // SAFETY: valid out-pointers; `tid` is the caller's.
    check(unsafe { libc::pthread_getschedparam(tid, &mut policy, &mut param) })?;
    if policy == libc::SCHED_OTHER && equal(tid, current()) {
        // SAFETY: no preconditions; the calling thread's own id.
        let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, -2 * priority) };
        return check_errno(r);
    }
    // SAFETY: no preconditions.
    let (min, max) = unsafe { (libc::sched_get_priority_min(policy), libc::sched_get_priority_max(policy)) };
    if min == -1 || max == -1 {
        return Err(Error::last_os_error());
    }
    let range = max - min;
    let prio = match priority {
        RUV_THREAD_PRIORITY_HIGHEST => max,
        RUV_THREAD_PRIORITY_ABOVE_NORMAL => min + range * 3 / 4,
        RUV_THREAD_PRIORITY_NORMAL => min + range / 2,
        RUV_THREAD_PRIORITY_BELOW_NORMAL => min + range / 4,
        _ => min,
    };
    if param.sched_priority != prio {
        param.sched_priority = prio;
        // SAFETY: a valid sched_param; `tid` is the caller's.
        check(unsafe { libc::pthread_setschedparam(tid, policy, &param) })?;
    }
    Ok(())
}

// ---- mutexes -----------------------------------------------------------------

/// `ruv_mutex_init(_recursive)`: an error-checking mutex, or a recursive one.
///
/// # Safety
/// `m` points at a writable `ruv_mutex_t`.
pub(crate) unsafe fn mutex_init(m: *mut ruv_mutex_t, recursive: bool) -> Result {
    let kind = if recursive { libc::PTHREAD_MUTEX_RECURSIVE } else { libc::PTHREAD_MUTEX_ERRORCHECK };
    let mut attr = MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
    // SAFETY: initialised before any other use, destroyed once below.
    check(unsafe { libc::pthread_mutexattr_init(attr.as_mut_ptr()) })?;
    // SAFETY: an initialised attribute object; `m` is writable.
    let r = unsafe {
        match libc::pthread_mutexattr_settype(attr.as_mut_ptr(), kind) {
            0 => libc::pthread_mutex_init(m, attr.as_ptr()),
            e => e,
        }
    };
    // SAFETY: initialised above, destroyed once.
    unsafe { libc::pthread_mutexattr_destroy(attr.as_mut_ptr()) };
    check(r)
}

/// `ruv_mutex_destroy`: `Error::BUSY` while it is locked.
///
/// # Safety
/// `m` points at a `ruv_mutex_t`.
pub(crate) unsafe fn mutex_destroy(m: *mut ruv_mutex_t) -> Result {
    // SAFETY: the caller's mutex.
    check(unsafe { libc::pthread_mutex_destroy(m) })
}

/// `ruv_mutex_lock`: `EDEADLK` if the calling thread holds the
/// (non-recursive) mutex already, `Error::INVAL` if it was destroyed.
///
/// # Safety
/// `m` points at a `ruv_mutex_t`.
pub(crate) unsafe fn mutex_lock(m: *mut ruv_mutex_t) -> Result {
    // SAFETY: the caller's mutex.
    check(unsafe { libc::pthread_mutex_lock(m) })
}

/// `ruv_mutex_trylock`: `Error::BUSY` if it is held (by any thread).
///
/// # Safety
/// `m` points at a `ruv_mutex_t`.
pub(crate) unsafe fn mutex_trylock(m: *mut ruv_mutex_t) -> Result {
    // SAFETY: the caller's mutex.
    match unsafe { libc::pthread_mutex_trylock(m) } {
        libc::EBUSY | libc::EAGAIN => Err(Error::BUSY),
        r => check(r),
    }
}

/// `ruv_mutex_unlock`: `EPERM` if the calling thread does not hold it.
///
/// # Safety
/// `m` points at a `ruv_mutex_t`.
pub(crate) unsafe fn mutex_unlock(m: *mut ruv_mutex_t) -> Result {
    // SAFETY: the caller's mutex.
    check(unsafe { libc::pthread_mutex_unlock(m) })
}

// ---- read-write locks ----------------------------------------------------------

/// `ruv_rwlock_init`.
///
/// # Safety
/// `l` points at a writable `ruv_rwlock_t`.
pub(crate) unsafe fn rwlock_init(l: *mut ruv_rwlock_t) -> Result {
    // SAFETY: the caller's lock; default attributes.
    check(unsafe { libc::pthread_rwlock_init(l, std::ptr::null()) })
}

/// `ruv_rwlock_destroy`.
///
/// # Safety
/// `l` points at a `ruv_rwlock_t`.
pub(crate) unsafe fn rwlock_destroy(l: *mut ruv_rwlock_t) -> Result {
    // SAFETY: the caller's lock.
    check(unsafe { libc::pthread_rwlock_destroy(l) })
}

/// `ruv_rwlock_rdlock`: `EDEADLK` if the calling thread holds it for
/// writing, `Error::AGAIN` if it has too many readers.
///
/// # Safety
/// `l` points at a `ruv_rwlock_t`.
pub(crate) unsafe fn rwlock_rdlock(l: *mut ruv_rwlock_t) -> Result {
    // SAFETY: the caller's lock.
    check(unsafe { libc::pthread_rwlock_rdlock(l) })
}

/// `ruv_rwlock_wrlock`: `EDEADLK` if the calling thread holds it for
/// writing.
///
/// # Safety
/// `l` points at a `ruv_rwlock_t`.
pub(crate) unsafe fn rwlock_wrlock(l: *mut ruv_rwlock_t) -> Result {
    // SAFETY: the caller's lock.
    check(unsafe { libc::pthread_rwlock_wrlock(l) })
}

/// `ruv_rwlock_tryrdlock` / `ruv_rwlock_trywrlock`: `Error::BUSY` if the
/// lock cannot be taken at once.
///
/// # Safety
/// `l` points at a `ruv_rwlock_t`.
pub(crate) unsafe fn rwlock_trylock(l: *mut ruv_rwlock_t, write: bool) -> Result {
    // SAFETY: the caller's lock.
    let r = unsafe { if write { libc::pthread_rwlock_trywrlock(l) } else { libc::pthread_rwlock_tryrdlock(l) } };
    match r {
        libc::EBUSY | libc::EAGAIN => Err(Error::BUSY),
        r => check(r),
    }
}

/// `ruv_rwlock_rdunlock` / `ruv_rwlock_wrunlock` (one pthread call for
/// both).
///
/// # Safety
/// `l` points at a `ruv_rwlock_t` the calling thread holds.
pub(crate) unsafe fn rwlock_unlock(l: *mut ruv_rwlock_t) -> Result {
    // SAFETY: the caller's lock.
    check(unsafe { libc::pthread_rwlock_unlock(l) })
}

// ---- semaphores ------------------------------------------------------------------

/// `ruv_sem_init`: a semaphore of this process, at `value` (`Error::INVAL`
/// above SEM_VALUE_MAX).
///
/// # Safety
/// `s` points at a writable `ruv_sem_t`.
pub(crate) unsafe fn sem_init(s: *mut ruv_sem_t, value: c_uint) -> Result {
    // SAFETY: the caller's semaphore.
    check_errno(unsafe { libc::sem_init(s, 0, value) })
}

/// `ruv_sem_destroy`.
///
/// # Safety
/// `s` points at a `ruv_sem_t`.
pub(crate) unsafe fn sem_destroy(s: *mut ruv_sem_t) -> Result {
    // SAFETY: the caller's semaphore.
    check_errno(unsafe { libc::sem_destroy(s) })
}

/// `ruv_sem_post`: `EOVERFLOW` at SEM_VALUE_MAX.
///
/// # Safety
/// `s` points at a `ruv_sem_t`.
pub(crate) unsafe fn sem_post(s: *mut ruv_sem_t) -> Result {
    // SAFETY: the caller's semaphore.
    check_errno(unsafe { libc::sem_post(s) })
}

/// `ruv_sem_wait` (resumed after signals) and `ruv_sem_trywait`
/// (`Error::AGAIN` if the value is 0).
///
/// # Safety
/// `s` points at a `ruv_sem_t`.
pub(crate) unsafe fn sem_wait(s: *mut ruv_sem_t, block: bool) -> Result {
    loop {
        // SAFETY: the caller's semaphore.
        let r = unsafe { if block { libc::sem_wait(s) } else { libc::sem_trywait(s) } };
        if r == 0 {
            return Ok(());
        }
        if crate::sys::errno() != libc::EINTR {
            return Err(Error::last_os_error());
        }
    }
}

// ---- condition variables ------------------------------------------------------------

/// `ruv_cond_init`: timed waits measure CLOCK_MONOTONIC, as libuv's.
///
/// # Safety
/// `c` points at a writable `ruv_cond_t`.
pub(crate) unsafe fn cond_init(c: *mut ruv_cond_t) -> Result {
    let mut attr = MaybeUninit::<libc::pthread_condattr_t>::uninit();
    // SAFETY: initialised before any other use, destroyed once below.
    check(unsafe { libc::pthread_condattr_init(attr.as_mut_ptr()) })?;
    // SAFETY: an initialised attribute object; `c` is writable.
    let r = unsafe {
        match libc::pthread_condattr_setclock(attr.as_mut_ptr(), libc::CLOCK_MONOTONIC) {
            0 => libc::pthread_cond_init(c, attr.as_ptr()),
            e => e,
        }
    };
    // SAFETY: initialised above, destroyed once.
    unsafe { libc::pthread_condattr_destroy(attr.as_mut_ptr()) };
    check(r)
}

/// `ruv_cond_destroy`.
///
/// # Safety
/// `c` points at a `ruv_cond_t`.
pub(crate) unsafe fn cond_destroy(c: *mut ruv_cond_t) -> Result {
    // SAFETY: the caller's condition variable.
    check(unsafe { libc::pthread_cond_destroy(c) })
}

/// `ruv_cond_signal`, or `ruv_cond_broadcast` with `all`.
///
/// # Safety
/// `c` points at a `ruv_cond_t`.
pub(crate) unsafe fn cond_wake(c: *mut ruv_cond_t, all: bool) -> Result {
    // SAFETY: the caller's condition variable.
    check(unsafe { if all { libc::pthread_cond_broadcast(c) } else { libc::pthread_cond_signal(c) } })
}

/// `ruv_cond_wait`: `EPERM` if the calling thread does not hold `m`.
///
/// # Safety
/// `c` points at a `ruv_cond_t` and `m` at a `ruv_mutex_t`.
pub(crate) unsafe fn cond_wait(c: *mut ruv_cond_t, m: *mut ruv_mutex_t) -> Result {
    // SAFETY: the caller's condition variable and mutex.
    check(unsafe { libc::pthread_cond_wait(c, m) })
}

/// `ruv_cond_timedwait`: as [`cond_wait`], for at most `timeout` ns;
/// `ETIMEDOUT` when that passes first.
///
/// # Safety
/// `c` points at a `ruv_cond_t` made by [`cond_init`] and `m` at a
/// `ruv_mutex_t`.
pub(crate) unsafe fn cond_timedwait(c: *mut ruv_cond_t, m: *mut ruv_mutex_t, timeout: u64) -> Result {
    const NS: u64 = 1_000_000_000;
    let deadline = crate::clock::hrtime_ns().saturating_add(timeout);
    let ts = libc::timespec {
        tv_sec: (deadline / NS).min(libc::time_t::MAX as u64) as libc::time_t,
        tv_nsec: (deadline % NS) as libc::c_long,
    };
    // SAFETY: the caller's condition variable and mutex; `ts` is valid.
    check(unsafe { libc::pthread_cond_timedwait(c, m, &ts) })
}

// ---- barriers -------------------------------------------------------------------------

/// `ruv_barrier_init`: `Error::INVAL` for a count of 0.
///
/// # Safety
/// `b` points at a writable `ruv_barrier_t`.
pub(crate) unsafe fn barrier_init(b: *mut ruv_barrier_t, count: c_uint) -> Result {
    // SAFETY: the caller's barrier; default attributes.
    check(unsafe { libc::pthread_barrier_init(b, std::ptr::null(), count) })
}

/// `ruv_barrier_destroy`.
///
/// # Safety
/// `b` points at a `ruv_barrier_t`.
pub(crate) unsafe fn barrier_destroy(b: *mut ruv_barrier_t) -> Result {
    // SAFETY: the caller's barrier.
    check(unsafe { libc::pthread_barrier_destroy(b) })
}

/// `ruv_barrier_wait`: true in exactly one of the threads of each round.
///
/// # Safety
/// `b` points at a `ruv_barrier_t`.
pub(crate) unsafe fn barrier_wait(b: *mut ruv_barrier_t) -> Result<bool> {
    // SAFETY: the caller's barrier.
    match unsafe { libc::pthread_barrier_wait(b) } {
        libc::PTHREAD_BARRIER_SERIAL_THREAD => Ok(true),
        r => check(r).map(|()| false),
    }
}

// ---- once and thread-local keys ---------------------------------------------------------

/// `ruv_once`: runs `f` unless a call with `guard` has run it (or is running
/// it: then waits for that one).
///
/// # Safety
/// `guard` points at a `ruv_once_t` set to RUV_ONCE_INIT before its first
/// use.
pub(crate) unsafe fn once(guard: *mut ruv_once_t, f: unsafe extern "C" fn()) -> Result {
    // SAFETY: the caller's guard. pthread_once takes a safe fn pointer: the
    // caller vouches for `f`, which takes nothing.
    check(unsafe { libc::pthread_once(guard, std::mem::transmute::<unsafe extern "C" fn(), extern "C" fn()>(f)) })
}

/// `ruv_key_create`: `Error::AGAIN` when the process has no keys left.
///
/// # Safety
/// `key` points at a writable `ruv_key_t`.
pub(crate) unsafe fn key_create(key: *mut ruv_key_t) -> Result {
    // SAFETY: the caller's key; no destructor, as libuv.
    check(unsafe { libc::pthread_key_create(key, None) })
}

/// `ruv_key_delete`: `Error::INVAL` for a key that is not in use.
pub(crate) fn key_delete(key: ruv_key_t) -> Result {
    // SAFETY: pthreads checks the key.
    check(unsafe { libc::pthread_key_delete(key) })
}

/// `ruv_key_get`: the calling thread's value (NULL if it set none, and for
/// a key not in use).
pub(crate) fn key_get(key: ruv_key_t) -> *mut c_void {
    // SAFETY: glibc checks the key (and its generation).
    unsafe { libc::pthread_getspecific(key) }
}

/// `ruv_key_set`: `Error::INVAL` for a key that is not in use.
pub(crate) fn key_set(key: ruv_key_t, value: *mut c_void) -> Result {
    // SAFETY: pthreads checks the key; the value is only stored.
    check(unsafe { libc::pthread_setspecific(key, value) })
}
