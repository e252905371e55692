//! Idle, prepare and check handles: `ruv_{idle,prepare,check}_{init,start,stop}`.
//!
//! Idle callbacks run every iteration before prepare, and while any idle
//! handle is active the loop polls for I/O without waiting. Prepare callbacks
//! run right before the loop waits for I/O, check callbacks right after.

use super::{handle_cb, init_target, status, typed_ref};
use crate::ffi::event_loop::ruv_loop_t;
use crate::ffi::handle::{
    ruv_handle_private_t, ruv_handle_t, ruv_handle_type, RUV_CHECK, RUV_IDLE, RUV_PREPARE,
};
use crate::handle_state::Kind;
use crate::timer::HandleCb;
use std::ffi::{c_int, c_void};

/** An idle handle (libuv's `uv_idle_t`, 120 bytes). */
#[repr(C)]
pub struct ruv_idle_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_idle_t = ruv_idle_s;
pub type ruv_idle_cb = Option<unsafe extern "C" fn(handle: *mut ruv_idle_t)>;

/** A prepare handle (libuv's `uv_prepare_t`, 120 bytes). */
#[repr(C)]
pub struct ruv_prepare_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_prepare_t = ruv_prepare_s;
pub type ruv_prepare_cb = Option<unsafe extern "C" fn(handle: *mut ruv_prepare_t)>;

/** A check handle (libuv's `uv_check_t`, 120 bytes). */
#[repr(C)]
pub struct ruv_check_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_check_t = ruv_check_s;
pub type ruv_check_cb = Option<unsafe extern "C" fn(handle: *mut ruv_check_t)>;

unsafe fn init(l: *mut ruv_loop_t, h: *mut ruv_handle_t, ty: ruv_handle_type, kind: Kind) -> c_int {
    // SAFETY: `init_target` validates both pointers.
    match unsafe { init_target(l, h) } {
        Ok(lp) => {
            unsafe { (*lp).register(h, ty, kind) };
            0
        }
        Err(e) => e,
    }
}

unsafe fn start(h: *mut ruv_handle_t, kind: Kind, cb: Option<HandleCb>) -> c_int {
    // SAFETY: validated before use.
    match unsafe { typed_ref(h, kind) } {
        Ok(r) => status(unsafe { (*r.lp).phase_start(r.h, r.key, cb) }),
        Err(m) => m.code,
    }
}

unsafe fn stop(h: *mut ruv_handle_t, kind: Kind) -> c_int {
    // SAFETY: validated before use.
    match unsafe { typed_ref(h, kind) } {
        Ok(r) => {
            unsafe { (*r.lp).phase_stop(r.h, r.key) };
            0
        }
        Err(m) => m.code,
    }
}

/** Initialises an idle handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_idle_init(r#loop: *mut ruv_loop_t, idle: *mut ruv_idle_t) -> c_int {
    unsafe { init(r#loop, idle.cast(), RUV_IDLE, Kind::Idle) }
}

/** Starts calling `cb` once per iteration. Starting an active handle does
 *  nothing. RUV_EINVAL for a NULL `cb` or a closing handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_idle_start(idle: *mut ruv_idle_t, cb: ruv_idle_cb) -> c_int {
    unsafe { start(idle.cast(), Kind::Idle, handle_cb(cb)) }
}

/** Stops the handle; stopping a stopped handle is fine. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_idle_stop(idle: *mut ruv_idle_t) -> c_int {
    unsafe { stop(idle.cast(), Kind::Idle) }
}

/** Initialises a prepare handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_prepare_init(r#loop: *mut ruv_loop_t, prepare: *mut ruv_prepare_t) -> c_int {
    unsafe { init(r#loop, prepare.cast(), RUV_PREPARE, Kind::Prepare) }
}

/** Starts calling `cb` right before each poll for I/O. Starting an active
 *  handle does nothing. RUV_EINVAL for a NULL `cb` or a closing handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_prepare_start(prepare: *mut ruv_prepare_t, cb: ruv_prepare_cb) -> c_int {
    unsafe { start(prepare.cast(), Kind::Prepare, handle_cb(cb)) }
}

/** Stops the handle; stopping a stopped handle is fine. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_prepare_stop(prepare: *mut ruv_prepare_t) -> c_int {
    unsafe { stop(prepare.cast(), Kind::Prepare) }
}

/** Initialises a check handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_check_init(r#loop: *mut ruv_loop_t, check: *mut ruv_check_t) -> c_int {
    unsafe { init(r#loop, check.cast(), RUV_CHECK, Kind::Check) }
}

/** Starts calling `cb` right after each poll for I/O. Starting an active
 *  handle does nothing. RUV_EINVAL for a NULL `cb` or a closing handle. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_check_start(check: *mut ruv_check_t, cb: ruv_check_cb) -> c_int {
    unsafe { start(check.cast(), Kind::Check, handle_cb(cb)) }
}

/** Stops the handle; stopping a stopped handle is fine. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_check_stop(check: *mut ruv_check_t) -> c_int {
    unsafe { stop(check.cast(), Kind::Check) }
}
