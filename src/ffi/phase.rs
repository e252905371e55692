//! Idle, prepare and check handles: `ruv_{idle,prepare,check}_{init,start,stop}`.
//!
//! Idle callbacks run every iteration before prepare, and while any idle
//! handle is active the loop polls for I/O without waiting. Prepare callbacks
//! run right before the loop waits for I/O, check callbacks right after.

use super::{CHandle, call, init};
use crate::abi::*;
use crate::handle::{Kind, PhaseCb};
use std::ffi::c_int;

/// The three handle types share their init, start and stop.
///
/// # Safety
/// As `super::init`.
unsafe fn phase_init<T: CHandle>(l: *mut ruv_loop_t, h: *mut T, ty: ruv_handle_type, kind: Kind) -> c_int {
    // SAFETY: forwarded.
    unsafe { init(l, h, |lp, h| lp.register(h, ty, kind).map(drop)) }
}

/// # Safety
/// As `super::call`.
unsafe fn start<T: CHandle>(h: *mut T, cb: Option<PhaseCb>) -> c_int {
    // SAFETY: forwarded.
    unsafe { call(h, |lp, h| lp.phase_start(h, cb)) }
}

/// # Safety
/// As `super::call`.
unsafe fn stop<T: CHandle>(h: *mut T) -> c_int {
    // SAFETY: forwarded.
    unsafe {
        call(h, |lp, h| {
            lp.phase_stop(h);
            Ok(())
        })
    }
}

/** Initialises an idle handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `idle` a `ruv_idle_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_idle_init(r#loop: *mut ruv_loop_t, idle: *mut ruv_idle_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { phase_init(r#loop, idle, RUV_IDLE, Kind::Idle) }
}

/** Starts calling `cb` once per iteration. Starting an active handle does
 *  nothing. RUV_EINVAL for a NULL `cb` or a closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `idle` a `ruv_idle_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_idle_start(idle: *mut ruv_idle_t, cb: ruv_idle_cb) -> c_int {
    // SAFETY: forwarded.
    unsafe { start(idle, cb.map(PhaseCb::Idle)) }
}

/** Stops the handle; stopping a stopped handle is fine.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `idle` a `ruv_idle_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_idle_stop(idle: *mut ruv_idle_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { stop(idle) }
}

/** Initialises a prepare handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `prepare` a `ruv_prepare_t`. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_prepare_init(r#loop: *mut ruv_loop_t, prepare: *mut ruv_prepare_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { phase_init(r#loop, prepare, RUV_PREPARE, Kind::Prepare) }
}

/** Starts calling `cb` right before each poll for I/O. Starting an active
 *  handle does nothing. RUV_EINVAL for a NULL `cb` or a closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `prepare` a
 *  `ruv_prepare_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_prepare_start(prepare: *mut ruv_prepare_t, cb: ruv_prepare_cb) -> c_int {
    // SAFETY: forwarded.
    unsafe { start(prepare, cb.map(PhaseCb::Prepare)) }
}

/** Stops the handle; stopping a stopped handle is fine.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `prepare` a
 *  `ruv_prepare_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_prepare_stop(prepare: *mut ruv_prepare_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { stop(prepare) }
}

/** Initialises a check handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `check` a `ruv_check_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_check_init(r#loop: *mut ruv_loop_t, check: *mut ruv_check_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { phase_init(r#loop, check, RUV_CHECK, Kind::Check) }
}

/** Starts calling `cb` right after each poll for I/O. Starting an active
 *  handle does nothing. RUV_EINVAL for a NULL `cb` or a closing handle.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `check` a
 *  `ruv_check_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_check_start(check: *mut ruv_check_t, cb: ruv_check_cb) -> c_int {
    // SAFETY: forwarded.
    unsafe { start(check, cb.map(PhaseCb::Check)) }
}

/** Stops the handle; stopping a stopped handle is fine.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `check` a
 *  `ruv_check_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_check_stop(check: *mut ruv_check_t) -> c_int {
    // SAFETY: forwarded.
    unsafe { stop(check) }
}
