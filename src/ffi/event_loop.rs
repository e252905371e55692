//! The loop: `ruv_loop_t`, run modes, and the loop-wide calls.

use super::{report, status};
use crate::error::{RUV_EINVAL, RUV_ENOSYS};
use crate::event_loop::{inner, LoopInner};
use crate::ffi::handle::{ruv_handle_t, ruv_walk_cb};
use std::cell::UnsafeCell;
use std::ffi::{c_int, c_uint, c_void};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::sync::Mutex;

pub use crate::event_loop::{RUV_RUN_DEFAULT, RUV_RUN_NOWAIT, RUV_RUN_ONCE};

/// libuv's `uv_run_mode`: `RUV_RUN_DEFAULT`, `RUV_RUN_ONCE`, `RUV_RUN_NOWAIT`.
pub type ruv_run_mode = c_int;

/// libuv's `uv_loop_option`, for `ruv_loop_configure`.
pub type ruv_loop_option = c_int;
/** Block a signal while polling; the extra argument is the signal number.
 *  Only SIGPROF is supported (as in libuv). */
pub const RUV_LOOP_BLOCK_SIGNAL: ruv_loop_option = 0;
/** Count the time the loop spends waiting for I/O (`ruv_metrics_idle_time`). */
pub const RUV_METRICS_IDLE_TIME: ruv_loop_option = 1;

/** The `active_reqs` field of `ruv_loop_t`. */
#[repr(C)]
pub union ruv_loop_active_reqs_u {
    pub unused: *mut c_void,
    /** Requests in flight. */
    pub count: c_uint,
}

/// Private to ruv.
#[repr(C)]
pub struct ruv_loop_private_t {
    pub(crate) owner: *mut c_void,
    pub(crate) state: u32,
    pub(crate) spare: u32,
    pub(crate) reserved: [*mut c_void; 97],
}

/** An event loop (libuv's `uv_loop_t`, 848 bytes), allocated by the caller
 *  and set up with `ruv_loop_init`. `data` is the caller's; the other public
 *  fields are read-only and kept current. */
#[repr(C)]
pub struct ruv_loop_s {
    /** The caller's pointer; ruv never touches it. */
    pub data: *mut c_void,
    /** Active, referenced handles. */
    pub active_handles: c_uint,
    pub handle_queue: [*mut c_void; 2],
    pub active_reqs: ruv_loop_active_reqs_u,
    /** ruv's state for this loop. */
    pub internal_fields: *mut c_void,
    /** Set by `ruv_stop`, cleared when `ruv_run` returns. */
    pub stop_flag: c_uint,
    pub(crate) internal: ruv_loop_private_t,
}
pub type ruv_loop_t = ruv_loop_s;

pub(crate) const LOOP_LIVE: u32 = 0x5275_764c;
const LOOP_CLOSED: u32 = 0x5275_766c;

/** Initialises a loop in caller memory. `loop->data` is kept. A negative
 *  errno if the kernel refuses an epoll or eventfd descriptor. The struct is
 *  not inspected first (it is uninitialised in a correct program), so, as in
 *  libuv, initialising a live loop again loses it: close it first. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_init(r#loop: *mut ruv_loop_t) -> c_int {
    let l = r#loop;
    if l.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: `l` points to a loop-sized struct the caller owns.
    unsafe {
        let data = (*l).data;
        std::ptr::write_bytes(l, 0, 1);
        (*l).data = data;
        match LoopInner::new(l) {
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
 *  `ruv_default_loop` call sets it up anew. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_close(r#loop: *mut ruv_loop_t) -> c_int {
    let l = r#loop;
    // SAFETY: validated before use.
    let lp = match unsafe { inner(l) } {
        Ok(lp) => lp,
        Err(m) => return m.code,
    };
    if let Err(e) = unsafe { (*lp).closable_loop() } {
        return e;
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

/** Runs the loop. RUV_RUN_DEFAULT: until no active, referenced handle or
 *  request is left, or `ruv_stop`; RUV_RUN_ONCE: one iteration, waiting for
 *  I/O if there is nothing else to do; RUV_RUN_NOWAIT: one iteration without
 *  waiting. Returns non-zero if the loop is still alive. RUV_EINVAL for an
 *  unknown mode; RUV_EBUSY when called from a callback of the same loop. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_run(r#loop: *mut ruv_loop_t, mode: ruv_run_mode) -> c_int {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { LoopInner::run(lp, mode) },
        Err(m) => m.code,
    }
}

/** Makes `ruv_run` return after the current iteration (without waiting for
 *  I/O in it if called before the poll phase). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_stop(r#loop: *mut ruv_loop_t) {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(_) => unsafe { (*r#loop).stop_flag = 1 },
        Err(m) => report("ruv_stop", m),
    }
}

/** Non-zero if the loop has active, referenced handles, requests in flight or
 *  close callbacks due. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_alive(r#loop: *const ruv_loop_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { (*lp).alive() as c_int },
        Err(m) => {
            report("ruv_loop_alive", m);
            0
        }
    }
}

/** The loop's cached time in milliseconds, updated at the start of each
 *  iteration and by `ruv_update_time`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_now(r#loop: *const ruv_loop_t) -> u64 {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { (*lp).now_ms },
        Err(m) => {
            report("ruv_now", m);
            0
        }
    }
}

/** Refreshes the loop's cached time from the clock. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_update_time(r#loop: *mut ruv_loop_t) {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { (*lp).update_time() },
        Err(m) => report("ruv_update_time", m),
    }
}

/** The epoll descriptor the loop waits on, for embedding in another loop;
 *  RUV_EINVAL for an invalid loop. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_backend_fd(r#loop: *const ruv_loop_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { (*lp).poll.as_raw_fd() },
        Err(m) => m.code,
    }
}

/** How long the next poll would wait, in ms: 0 when there is work to do now
 *  (idle handles, close callbacks, a stop), -1 when no timer limits it. For
 *  an invalid loop: one line on stderr and 0 (a negative value would read as
 *  "wait forever" to a caller embedding the loop). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_backend_timeout(r#loop: *const ruv_loop_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { (*lp).backend_timeout() },
        Err(m) => {
            report("ruv_backend_timeout", m);
            0
        }
    }
}

/** Calls `walk_cb(handle, arg)` for every handle of the loop, closing ones
 *  included, in the order they were initialised. The callback may close
 *  handles (they are still visited, as closing handles); a handle whose close
 *  callback has run in the meantime is skipped. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_walk(r#loop: *mut ruv_loop_t, walk_cb: ruv_walk_cb, arg: *mut c_void) {
    const F: &str = "ruv_walk";
    // SAFETY: validated before use.
    let lp = match unsafe { inner(r#loop) } {
        Ok(lp) => lp,
        Err(m) => return report(F, m),
    };
    let Some(cb) = walk_cb else { return report(F, super::NULL_ARG) };
    // SAFETY: `walk` ends its borrows before each callback.
    unsafe { LoopInner::walk(lp, |h: *mut ruv_handle_t| cb(h, arg)) };
}

/** `loop->data`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_loop_get_data(r#loop: *const ruv_loop_t) -> *mut c_void {
    if r#loop.is_null() {
        report("ruv_loop_get_data", super::NULL_ARG);
        return std::ptr::null_mut();
    }
    // SAFETY: non-null.
    unsafe { (*r#loop).data }
}

/** Sets `loop->data`. */
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
 *  `ruv_loop_configure(loop, RUV_METRICS_IDLE_TIME)`; 0 before that. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_metrics_idle_time(r#loop: *mut ruv_loop_t) -> u64 {
    // SAFETY: validated before use.
    match unsafe { inner(r#loop) } {
        Ok(lp) => unsafe { (*lp).idle_time_ns }.unwrap_or(0),
        Err(m) => {
            report("ruv_metrics_idle_time", m);
            0
        }
    }
}

/// What `ruv_loop_configure` (a C variadic shim in `variadic.c`) calls, with
/// its one optional argument read already. Not part of the header.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv__loop_configure(l: *mut ruv_loop_t, option: c_int, arg: c_int) -> c_int {
    // SAFETY: validated before use.
    let lp = match unsafe { inner(l) } {
        Ok(lp) => lp,
        Err(m) => return m.code,
    };
    let this = unsafe { &mut *lp };
    status(match option {
        RUV_LOOP_BLOCK_SIGNAL if arg == libc::SIGPROF => {
            this.block_sigprof = true;
            Ok(())
        }
        RUV_LOOP_BLOCK_SIGNAL => Err(RUV_EINVAL),
        RUV_METRICS_IDLE_TIME => {
            this.idle_time_ns.get_or_insert(0);
            Ok(())
        }
        _ => Err(RUV_ENOSYS),
    })
}
