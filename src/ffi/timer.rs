//! Timers: `ruv_timer_t` and `ruv_timer_*`.

use super::{handle_cb, init_target, report, status, typed_ref, HandleRef};
use crate::ffi::event_loop::ruv_loop_t;
use crate::ffi::handle::{ruv_handle_private_t, ruv_handle_t, ruv_handle_type, RUV_TIMER};
use crate::event_loop::LoopInner;
use crate::handle_state::Kind;
use std::ffi::{c_int, c_void};

/** A timer (libuv's `uv_timer_t`, 152 bytes). */
#[repr(C)]
pub struct ruv_timer_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 7],
}
pub type ruv_timer_t = ruv_timer_s;

/** Called when the timer is due. */
pub type ruv_timer_cb = Option<unsafe extern "C" fn(handle: *mut ruv_timer_t)>;

unsafe fn timer(h: *const ruv_timer_t) -> Result<HandleRef, super::Misuse> {
    // SAFETY: forwarded.
    unsafe { typed_ref(h.cast_mut().cast(), Kind::Timer) }
}

/** Initialises a timer on `loop`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_timer_t) -> c_int {
    let h: *mut ruv_handle_t = handle.cast();
    // SAFETY: `init_target` validates both pointers.
    match unsafe { init_target(r#loop, h) } {
        Ok(lp) => {
            unsafe { (*lp).register(h, RUV_TIMER, Kind::Timer) };
            0
        }
        Err(e) => e,
    }
}

/** Starts the timer: `cb` runs `timeout` ms after the loop's cached time
 *  (`ruv_now`), then every `repeat` ms if `repeat` is not 0. Restarts an
 *  active timer. Timers due at the same time run in the order they were
 *  started. RUV_EINVAL for a NULL `cb` or a closing handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_start(
    handle: *mut ruv_timer_t,
    cb: ruv_timer_cb,
    timeout: u64,
    repeat: u64,
) -> c_int {
    // SAFETY: validated before use.
    match unsafe { timer(handle) } {
        Ok(r) => status(unsafe { (*r.lp).timer_start(r.h, r.key, handle_cb(cb), timeout, repeat) }),
        Err(m) => m.code,
    }
}

/** Stops the timer; its callback will not run. Stopping a stopped timer is
 *  fine. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_stop(handle: *mut ruv_timer_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { timer(handle) } {
        Ok(r) => {
            unsafe { (*r.lp).timer_stop(r.h, r.key) };
            0
        }
        Err(m) => m.code,
    }
}

/** Restarts a repeating timer with its repeat value as the timeout. Does
 *  nothing if the repeat is 0. RUV_EINVAL if the timer was never started. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_again(handle: *mut ruv_timer_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { timer(handle) } {
        Ok(r) => status(unsafe { (*r.lp).timer_again(r.h, r.key) }),
        Err(m) => m.code,
    }
}

/** Sets the repeat interval in ms; it takes effect at the next expiry or
 *  `ruv_timer_again`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_set_repeat(handle: *mut ruv_timer_t, repeat: u64) {
    // SAFETY: validated before use.
    match unsafe { timer(handle) } {
        Ok(r) => LoopInner::timer_set_repeat(r.h, repeat),
        Err(m) => report("ruv_timer_set_repeat", m),
    }
}

/** The repeat interval in ms. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_get_repeat(handle: *const ruv_timer_t) -> u64 {
    // SAFETY: validated before use.
    match unsafe { timer(handle) } {
        Ok(r) => LoopInner::timer_get_repeat(r.h),
        Err(m) => {
            report("ruv_timer_get_repeat", m);
            0
        }
    }
}

/** Milliseconds until the timer is due, relative to `ruv_now`; 0 if that
 *  time has passed. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_timer_get_due_in(handle: *const ruv_timer_t) -> u64 {
    // SAFETY: validated before use.
    match unsafe { timer(handle) } {
        Ok(r) => unsafe { (*r.lp).timer_get_due_in(r.h) },
        Err(m) => {
            report("ruv_timer_get_due_in", m);
            0
        }
    }
}
