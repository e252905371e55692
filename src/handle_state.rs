//! What ruv keeps inside the caller's handle struct.
//!
//! libuv keeps a handle's state in the handle's own struct, which the caller
//! allocates; ruv does the same with the private block of every handle
//! (`ruv_handle_private_t`): its flags, its kind, and a few words of
//! kind-specific fields (a timer's callback, due time and repeat; a poll
//! handle's descriptor and events). The loop's registry slot only says where
//! the struct is and which generation it belongs to, so a million timers cost
//! the loop 16 bytes each (the registry), on top of the caller's structs: the
//! timer wheel's links are in the timers' own fields too.
//!
//! These accessors are only used on handles the registry has vouched for (the
//! C boundary checks that first), and never across a call into user code.

use crate::ffi::handle::ruv_handle_t;
use crate::poll::PollCb;
use crate::timer::HandleCb;
use std::ffi::c_int;

/// The handle is started (`ruv_is_active`).
pub(crate) const ACTIVE: u16 = 1;
/// The handle keeps the loop alive while active (`ruv_ref`).
pub(crate) const REF: u16 = 2;
/// `ruv_close` was called; the close callback has not run yet.
pub(crate) const CLOSING: u16 = 4;

/// Which kind of handle a struct is, as ruv sees it (the public `type` field
/// is the caller's to read, and could be overwritten).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Kind {
    Timer = 1,
    Idle = 2,
    Prepare = 3,
    Check = 4,
    Async = 5,
    Poll = 6,
    Tcp = 7,
}

impl Kind {
    fn from_u8(v: u8) -> Option<Kind> {
        Some(match v {
            1 => Kind::Timer,
            2 => Kind::Idle,
            3 => Kind::Prepare,
            4 => Kind::Check,
            5 => Kind::Async,
            6 => Kind::Poll,
            7 => Kind::Tcp,
            _ => return None,
        })
    }
}

/// A timer's fields.
#[repr(C)]
pub(crate) struct TimerFields {
    pub cb: Option<HandleCb>,
    /// Absolute due time in loop milliseconds; kept after a stop, as libuv's
    /// `uv_timer_get_due_in` reads it.
    pub due: u64,
    pub repeat: u64,
    /// Start order, for timers due at the same time.
    pub seq: u64,
    /// The timer wheel's list links (`timer.rs`).
    pub next: *mut ruv_handle_t,
    pub pprev: *mut *mut ruv_handle_t,
}

/// An idle, prepare or check handle's fields.
#[repr(C)]
pub(crate) struct PhaseFields {
    pub cb: Option<HandleCb>,
    /// Which start this is: one stopped and started again during a round of
    /// its phase is a new start and waits for the next round.
    pub start: u64,
}

/// An async handle's loop-side field (the cross-thread words are in
/// `ruv_async_private_t`).
#[repr(C)]
pub(crate) struct AsyncFields {
    pub cb: Option<HandleCb>,
}

/// A poll handle's fields.
#[repr(C)]
pub(crate) struct PollFields {
    pub cb: Option<PollCb>,
    pub fd: c_int,
    /// The `RUV_*` events asked for; 0 when stopped.
    pub events: c_int,
    pub registered: bool,
}

/// Field sets that fit the private block's `fields` words.
pub(crate) trait Fields {}
impl Fields for TimerFields {}
impl Fields for PhaseFields {}
impl Fields for AsyncFields {}
impl Fields for PollFields {}

const _: () = {
    use std::mem::size_of;
    let room = size_of::<[u64; 6]>();
    assert!(size_of::<TimerFields>() <= room);
    assert!(size_of::<PhaseFields>() <= room);
    assert!(size_of::<AsyncFields>() <= room);
    assert!(size_of::<PollFields>() <= room);
};

/// The kind-specific fields of a live handle of that kind.
///
/// # Safety
/// `h` is a registered handle whose kind uses `T`; the reference must not be
/// held across a call into user code.
#[inline]
pub(crate) unsafe fn fields<'a, T: Fields>(h: *mut ruv_handle_t) -> &'a mut T {
    // SAFETY: the words are 8-aligned, large enough (checked above), and
    // were initialised for this kind by its init function.
    unsafe { &mut *(&raw mut (*h).internal.fields).cast::<T>() }
}

/// # Safety
/// `h` is a registered handle.
#[inline]
pub(crate) unsafe fn flags(h: *mut ruv_handle_t) -> u16 {
    unsafe { (*h).internal.flags }
}

/// # Safety
/// `h` is a registered handle.
#[inline]
pub(crate) unsafe fn set_flags(h: *mut ruv_handle_t, flags: u16) {
    unsafe { (*h).internal.flags = flags }
}

/// # Safety
/// `h` is a registered handle.
#[inline]
pub(crate) unsafe fn kind(h: *mut ruv_handle_t) -> Option<Kind> {
    Kind::from_u8(unsafe { (*h).internal.kind })
}
