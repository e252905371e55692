//! The loop: `ruv_loop_t`, run modes, and the loop-wide calls.

use super::{checked_loop as inner, report, status};
use crate::abi::*;
use crate::error::Error;
use crate::event_loop::LoopInner;
use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::ptr::NonNull;
use std::sync::Mutex;

/** Initialises a loop in caller memory. `loop->data` is kept. A negative
 *  errno if the kernel refuses an epoll or eventfd descriptor. The struct is
 *  not inspected first (it is uninitialised in a correct program), so, as in
 *  libuv, initialising a live loop again loses it: close it first.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_init(r#loop: *mut ruv_loop_t) -> c_int {
    let Some(nn) = NonNull::new(r#loop) else { return RUV_EINVAL };
    let l = nn.as_ptr();
    // SAFETY: `l` points to a loop-sized struct the caller owns.
    unsafe {
        let data = (*l).data;
        std::ptr::write_bytes(l, 0, 1);
        (*l).data = data;
        match LoopInner::new(nn) {
            Ok(state) => {
                (*l).internal_fields = Box::into_raw(state).cast();
                (*l).internal.owner = l.cast();
                (*l).internal.state = LOOP_LIVE;
                0
            }
            Err(e) => -e.raw_os_error().unwrap_or(libc::ENOMEM),
        }
    }
}

/** Frees the loop's resources. RUV_EBUSY while any handle is open (close
 *  callbacks not yet run count as open), a request is in flight, or the loop
 *  is running. The default loop can be used again afterwards: the next
 *  `ruv_default_loop` call sets it up anew.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_close(r#loop: *mut ruv_loop_t) -> c_int {
    let l = r#loop;
    // SAFETY: validated before use.
    let lp = match unsafe { inner(l) } {
        Ok(lp) => lp,
        Err(m) => return m.code,
    };
    // SAFETY: a live loop.
    if let Err(e) = unsafe { (*lp).closable() } {
        return e.code();
    }
    // SAFETY: `lp` came from `Box::into_raw` in `ruv_loop_init`; nothing
    // refers to it any more (no handles, not running).
    unsafe {
        drop(Box::from_raw(lp));
        (*l).internal_fields = std::ptr::null_mut();
        (*l).internal.state = LOOP_CLOSED;
    }
    0
}

struct DefaultLoop(UnsafeCell<MaybeUninit<ruv_loop_t>>);
// SAFETY: the struct is only handed out as a raw pointer; like libuv's, the
// default loop is used from one thread at a time (its setup is serialised).
unsafe impl Sync for DefaultLoop {}
static DEFAULT_LOOP: DefaultLoop = DefaultLoop(UnsafeCell::new(MaybeUninit::zeroed()));
static DEFAULT_LOOP_SETUP: Mutex<()> = Mutex::new(());

/** The process-wide default loop, set up on first use (again after it was
 *  closed). NULL if it cannot be set up. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_default_loop() -> *mut ruv_loop_t {
    let _setup = DEFAULT_LOOP_SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let l: *mut ruv_loop_t = DEFAULT_LOOP.0.get().cast();
    // SAFETY: static, zero-initialised storage of the right size.
    unsafe {
        if inner(l).is_err() && ruv_loop_init(l) != 0 {
            return std::ptr::null_mut();
        }
    }
    l
}

/// Runs `f` on a live loop's state; misuse prints one line and returns
/// `otherwise` (`void` and value-returning functions).
///
/// # Safety
/// `l` is NULL or points at a loop-sized struct. `f` does not hold the
/// borrow across user code (only `run` and `walk` call back, and they take
/// the raw pointer).
unsafe fn with_loop<R>(function: &str, l: *const ruv_loop_t, otherwise: R, f: impl FnOnce(*mut LoopInner) -> R) -> R {
    // SAFETY: forwarded.
    match unsafe { inner(l) } {
        Ok(lp) => f(lp),
        Err(m) => {
            report(function, m);
            otherwise
        }
    }
}

/// A short borrow of a live loop's state, for functions that run no user code.
///
/// # Safety
/// `lp` came from `checked_loop`, and nothing else borrows it now.
unsafe fn state<'a>(lp: *mut LoopInner) -> &'a mut LoopInner {
    // SAFETY: forwarded.
    unsafe { &mut *lp }
}

/** Runs the loop. RUV_RUN_DEFAULT: until no active, referenced handle or
 *  request is left, or `ruv_stop`; RUV_RUN_ONCE: one iteration, waiting for
 *  I/O if there is nothing else to do; RUV_RUN_NOWAIT: one iteration without
 *  waiting. Returns non-zero if the loop is still alive. RUV_EINVAL for an
 *  unknown mode; RUV_EBUSY when called from a callback of the same loop.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_run(r#loop: *mut ruv_loop_t, mode: ruv_run_mode) -> c_int {
    // SAFETY: validated before use; `run` borrows the state only between
    // callbacks.
    match unsafe { inner(r#loop) } {
        // SAFETY: as above.
        Ok(lp) => unsafe { LoopInner::run(lp, mode) },
        Err(m) => m.code,
    }
}

/** Makes `ruv_run` return after the current iteration (without waiting for
 *  I/O in it if called before the poll phase).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_stop(r#loop: *mut ruv_loop_t) {
    // SAFETY: validated before use; a short borrow.
    unsafe { with_loop("ruv_stop", r#loop, (), |lp| state(lp).stop()) }
}

/** Non-zero if the loop has active, referenced handles, requests in flight or
 *  close callbacks due (read from `active_handles` and `active_reqs.count`,
 *  as in libuv).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_alive(r#loop: *const ruv_loop_t) -> c_int {
    // SAFETY: validated before use; a short borrow.
    unsafe { with_loop("ruv_loop_alive", r#loop, 0, |lp| state(lp).alive() as c_int) }
}

/** The loop's cached time in milliseconds, updated at the start of each
 *  iteration and by `ruv_update_time`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_now(r#loop: *const ruv_loop_t) -> u64 {
    // SAFETY: validated before use; a short borrow.
    unsafe { with_loop("ruv_now", r#loop, 0, |lp| state(lp).now_ms) }
}

/** Refreshes the loop's cached time from the clock.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_update_time(r#loop: *mut ruv_loop_t) {
    // SAFETY: validated before use; a short borrow.
    unsafe { with_loop("ruv_update_time", r#loop, (), |lp| state(lp).update_time()) }
}

/** The epoll descriptor the loop waits on, for embedding in another loop;
 *  RUV_EINVAL for an invalid loop.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_backend_fd(r#loop: *const ruv_loop_t) -> c_int {
    // SAFETY: validated before use; a short borrow.
    match unsafe { inner(r#loop) } {
        // SAFETY: as above.
        Ok(lp) => unsafe { state(lp) }.poll.as_raw_fd(),
        Err(m) => m.code,
    }
}

/** How long the next poll would wait, in ms: 0 when there is work to do now
 *  (idle handles, close callbacks, a stop, nothing that could wake a wait),
 *  -1 when no timer limits it. For an invalid loop: one line on stderr and 0
 *  (a negative value would read as "wait forever" to a caller embedding the
 *  loop).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_backend_timeout(r#loop: *const ruv_loop_t) -> c_int {
    // SAFETY: validated before use; a short borrow.
    unsafe { with_loop("ruv_backend_timeout", r#loop, 0, |lp| state(lp).backend_timeout()) }
}

/** Calls `walk_cb(handle, arg)` for every handle of the loop, closing ones
 *  included, in the order they were initialised. The callback may close
 *  handles (they are still visited, as closing handles); a handle whose close
 *  callback has run in the meantime is skipped.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_walk(r#loop: *mut ruv_loop_t, walk_cb: ruv_walk_cb, arg: *mut c_void) {
    const F: &str = "ruv_walk";
    let Some(cb) = walk_cb else { return report(F, super::NULL_ARG) };
    // SAFETY: validated before use; `walk` ends its borrows before each
    // callback, which is the caller's with the caller's handles.
    unsafe { with_loop(F, r#loop, (), |lp| LoopInner::walk(lp, |h| cb(h, arg))) }
}

/** `loop->data`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_get_data(r#loop: *const ruv_loop_t) -> *mut c_void {
    if r#loop.is_null() {
        report("ruv_loop_get_data", super::NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: non-null.
    unsafe { (*r#loop).data }
}

/** Sets `loop->data`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_set_data(r#loop: *mut ruv_loop_t, data: *mut c_void) {
    if r#loop.is_null() {
        return report("ruv_loop_set_data", super::NULL_ARG);
    }
    // SAFETY: non-null.
    unsafe { (*r#loop).data = data };
}

/** `sizeof(ruv_loop_t)` as the library was built: 848. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_loop_size() -> usize {
    std::mem::size_of::<ruv_loop_t>()
}

/** Nanoseconds the loop has spent waiting for I/O since
 *  `ruv_loop_configure(loop, RUV_METRICS_IDLE_TIME)`; 0 before that.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_metrics_idle_time(r#loop: *mut ruv_loop_t) -> u64 {
    // SAFETY: validated before use; a short borrow.
    unsafe { with_loop("ruv_metrics_idle_time", r#loop, 0, |lp| state(lp).idle_time_ns.unwrap_or(0)) }
}

/// What `ruv_loop_configure` (a C variadic shim in `variadic.c`) calls, with
/// its one optional argument read already. Not part of the header.
///
/// # Safety
/// Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv__loop_configure(l: *mut ruv_loop_t, option: c_int, arg: c_int) -> c_int {
    // SAFETY: validated before use.
    let lp = match unsafe { inner(l) } {
        Ok(lp) => lp,
        Err(m) => return m.code,
    };
    // SAFETY: a live loop; no user code runs here.
    let this = unsafe { state(lp) };
    status(match option {
        RUV_LOOP_BLOCK_SIGNAL if arg == libc::SIGPROF => {
            this.block_sigprof = true;
            Ok(())
        }
        RUV_LOOP_BLOCK_SIGNAL => Err(Error::INVAL),
        RUV_METRICS_IDLE_TIME => {
            this.idle_time_ns.get_or_insert(0);
            Ok(())
        }
        // Accepted, as libuv accepts it; fs operations use the pool.
        RUV_LOOP_USE_IO_URING_SQPOLL => Ok(()),
        _ => Err(Error::NOSYS),
    })
}
