//! Handles as the core sees them: [`Handle`], a checked reference to a
//! caller's handle struct, and the state ruv keeps inside that struct.
//!
//! libuv keeps a handle's state in the handle's own struct, which the caller
//! allocates; ruv does the same with the private block of every handle
//! (`ruv_handle_private_t`): its flags, its kind, and a few words of
//! kind-specific fields (a timer's callback, due time and repeat; a poll
//! handle's descriptor and events). The loop's registry slot only says where
//! the struct is and which generation it belongs to, so a million timers cost
//! the loop 8 bytes each (the registry), on top of the caller's structs.

use crate::abi::{
    HANDLE_LIVE, ruv_async_cb, ruv_check_t, ruv_handle_t, ruv_idle_t, ruv_loop_t, ruv_poll_cb, ruv_prepare_t,
    ruv_stream_private_t, ruv_stream_t, ruv_timer_cb,
};
use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};

/// The handle is started (`ruv_is_active`).
pub(crate) const ACTIVE: u16 = 1;
/// The handle keeps the loop alive while active (`ruv_ref`).
pub(crate) const REF: u16 = 2;
/// `ruv_close` was called; the close callback has not run yet.
pub(crate) const CLOSING: u16 = 4;
/// ruv's own handle (the accept retry timer, ...): not shown to `ruv_walk`,
/// and it does not stop `ruv_loop_close`.
pub(crate) const INTERNAL: u16 = 8;

/// Which kind of handle a struct is, as ruv sees it (the public `type` field
/// is the caller's to read, and could be overwritten). Every `match` on it is
/// exhaustive, so a new kind that some dispatch forgets does not compile.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(crate) enum Kind {
    Timer = 1,
    Idle = 2,
    Prepare = 3,
    Check = 4,
    Async = 5,
    Poll = 6,
    Tcp = 7,
    Pipe = 8,
    FsPoll = 9,
    FsEvent = 10,
    Signal = 11,
    Tty = 12,
    Process = 13,
}

impl Kind {
    /// The kind a private block's `kind` byte names, if any. (On every
    /// event and every checked call: a range test, not a match.)
    #[inline]
    pub fn from_u8(v: u8) -> Option<Kind> {
        if (Kind::Timer as u8..=Kind::Process as u8).contains(&v) {
            // SAFETY: `Kind` is `repr(u8)` with the contiguous values
            // Timer..=Process, and `v` is one of them.
            Some(unsafe { std::mem::transmute::<u8, Kind>(v) })
        } else {
            None
        }
    }

    /// Streams: TCP handles, pipes and ttys, whose structs begin with
    /// `ruv_stream_t`.
    pub fn is_stream(self) -> bool {
        match self {
            Kind::Tcp | Kind::Pipe | Kind::Tty => true,
            Kind::Timer
            | Kind::Idle
            | Kind::Prepare
            | Kind::Check
            | Kind::Async
            | Kind::Poll
            | Kind::FsPoll
            | Kind::FsEvent
            | Kind::Signal
            | Kind::Process => false,
        }
    }
}

/// A timer's fields.
#[repr(C)]
pub(crate) struct TimerFields {
    pub cb: ruv_timer_cb,
    /// Absolute due time in loop milliseconds; kept after a stop, as libuv's
    /// `uv_timer_get_due_in` reads it.
    pub due: u64,
    pub repeat: u64,
    /// Start order, for timers due at the same time.
    pub seq: u64,
    /// The timer wheel's list links (`timer.rs`).
    pub next: Option<Handle>,
    pub pprev: *mut Option<Handle>,
}

/// The callback of an idle, prepare or check handle, with its own type.
#[derive(Clone, Copy)]
pub(crate) enum PhaseCb {
    Idle(unsafe extern "C" fn(*mut ruv_idle_t)),
    Prepare(unsafe extern "C" fn(*mut ruv_prepare_t)),
    Check(unsafe extern "C" fn(*mut ruv_check_t)),
}

impl PhaseCb {
    /// Calls the callback with the handle it belongs to.
    ///
    /// # Safety
    /// `h` is the live handle of the kind the callback was given for.
    pub unsafe fn call(self, h: Handle) {
        // SAFETY: the caller passes the handle this callback was started on;
        // its struct is of the callback's type.
        unsafe {
            match self {
                PhaseCb::Idle(cb) => cb(h.cast()),
                PhaseCb::Prepare(cb) => cb(h.cast()),
                PhaseCb::Check(cb) => cb(h.cast()),
            }
        }
    }
}

/// An idle, prepare or check handle's fields.
#[repr(C)]
pub(crate) struct PhaseFields {
    pub cb: Option<PhaseCb>,
    /// Which start this is: one stopped and started again during a round of
    /// its phase is a new start and waits for the next round.
    pub start: u64,
}

/// An async handle's loop-side field (the cross-thread words are in
/// `ruv_async_private_t`).
#[repr(C)]
pub(crate) struct AsyncFields {
    pub cb: ruv_async_cb,
}

/// A poll handle's fields.
#[repr(C)]
pub(crate) struct PollFields {
    pub cb: ruv_poll_cb,
    /// The caller's descriptor.
    pub fd: c_int,
    /// What epoll watches: `fd`, or a duplicate of it when the loop watches
    /// `fd` already for a stream (epoll takes each descriptor once).
    pub watched_fd: c_int,
    /// The `RUV_*` events asked for; 0 when stopped.
    pub events: c_int,
    pub registered: bool,
}

/// A stat-polling handle's field: its context (`fs_poll.rs`), while started.
#[repr(C)]
pub(crate) struct FsPollFields {
    pub ctx: Option<NonNull<crate::fs_poll::PollCtx>>,
}

/// A file-system event handle's fields (`fs_event.rs`).
#[repr(C)]
pub(crate) struct FsEventFields {
    pub cb: crate::abi::ruv_fs_event_cb,
    /// The inotify watch, while started.
    pub wd: c_int,
}

/// A signal handle's fields (`signal.rs`).
#[repr(C)]
pub(crate) struct SignalFields {
    /// The signal's delivery count the handle has answered up to.
    pub seen: u64,
    /// Started with `ruv_signal_start_oneshot`.
    pub oneshot: bool,
    /// A one-shot callback is running: the handle stops after it unless
    /// the callback starts it again.
    pub stop_after: bool,
}

/// Field sets that fit the private block's `fields` words.
pub(crate) trait Fields {}
impl Fields for FsEventFields {}
impl Fields for FsPollFields {}
impl Fields for TimerFields {}
impl Fields for PhaseFields {}
impl Fields for AsyncFields {}
impl Fields for PollFields {}
impl Fields for SignalFields {}

const _: () = {
    use std::mem::size_of;
    let room = size_of::<[u64; 6]>();
    assert!(size_of::<TimerFields>() <= room);
    assert!(size_of::<PhaseFields>() <= room);
    assert!(size_of::<AsyncFields>() <= room);
    assert!(size_of::<PollFields>() <= room);
    assert!(size_of::<SignalFields>() <= room);
};

/// A caller's handle struct that ruv has registered: the core's checked
/// handle reference. Copying it copies the address, not the handle.
///
/// What it guarantees is what [`Handle::new`] requires; the accessors rely
/// on it and are therefore safe. References they return must be short: not
/// held across a call into user code (which may close the handle or free
/// its memory from a close callback) and not two to the same part at once.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Handle(NonNull<ruv_handle_t>);

impl Handle {
    /// # Safety
    /// `ptr` points at a caller's handle struct registered with a live loop
    /// (its registry slot points back at it), as large as its kind's struct,
    /// and the private block holds what ruv wrote there. By ruv's rule
    /// (libuv's too) the caller leaves that memory in place and untouched
    /// until the handle's close callback runs; the `Handle` must not be used
    /// after that (code that may outlive it keeps the key and generation and
    /// asks the registry again).
    #[inline]
    pub unsafe fn new(ptr: NonNull<ruv_handle_t>) -> Handle {
        Handle(ptr)
    }

    /// The caller's pointer, passed back to callbacks.
    #[inline]
    pub fn as_ptr(self) -> *mut ruv_handle_t {
        self.0.as_ptr()
    }

    /// The caller's pointer as its own struct type.
    #[inline]
    pub fn cast<T>(self) -> *mut T {
        self.0.as_ptr().cast()
    }

    #[inline]
    fn private<'a>(self) -> &'a mut crate::abi::ruv_handle_private_t {
        // SAFETY: `new`'s contract: the struct is live and ruv's.
        unsafe { &mut (*self.0.as_ptr()).internal }
    }

    /// The registry key.
    #[inline]
    pub fn key(self) -> u32 {
        self.private().key
    }

    /// The registry generation.
    #[inline]
    pub fn generation(self) -> u32 {
        self.private().generation
    }

    #[inline]
    pub fn flags(self) -> u16 {
        self.private().flags
    }

    #[inline]
    pub fn set_flags(self, flags: u16) {
        self.private().flags = flags;
    }

    /// The kind's own small state byte (a timer's: `timer.rs`).
    #[inline]
    pub fn substate(self) -> u8 {
        self.private().substate
    }

    #[inline]
    pub fn set_substate(self, value: u8) {
        self.private().substate = value;
    }

    #[inline]
    pub fn is_active(self) -> bool {
        self.flags() & ACTIVE != 0
    }

    #[inline]
    pub fn is_closing(self) -> bool {
        self.flags() & CLOSING != 0
    }

    #[inline]
    pub fn has_ref(self) -> bool {
        self.flags() & REF != 0
    }

    #[inline]
    pub fn kind(self) -> Kind {
        let byte = self.private().kind;
        debug_assert!(Kind::from_u8(byte).is_some());
        // SAFETY: `new`'s contract: the private block holds what ruv wrote
        // there, and registration wrote a `Kind` (`repr(u8)`).
        unsafe { std::mem::transmute::<u8, Kind>(byte) }
    }

    /// The kind-specific fields.
    #[inline]
    pub fn fields<'a, T: Fields>(self) -> &'a mut T {
        // SAFETY: the words are 8-aligned and large enough (checked above);
        // the kind's init function wrote them. Callers ask for their kind's
        // own field set.
        unsafe { &mut *(&raw mut (*self.0.as_ptr()).internal.fields).cast::<T>() }
    }

    /// A stream's public fields (`write_queue_size`, `alloc_cb`, `read_cb`).
    #[inline]
    pub fn stream_public<'a>(self) -> &'a mut ruv_stream_t {
        debug_assert!(self.kind().is_stream());
        // SAFETY: a stream kind's struct begins with `ruv_stream_t`.
        unsafe { &mut *self.cast::<ruv_stream_t>() }
    }

    /// A stream's private state.
    #[inline]
    pub fn stream<'a>(self) -> &'a mut ruv_stream_private_t {
        &mut self.stream_public().stream
    }
}

/// The life-cycle marker of a struct that may or may not be a handle, read
/// atomically (`ruv_async_send` reads it from other threads).
///
/// # Safety
/// `h` points at a handle-sized struct.
pub(crate) unsafe fn lifecycle(h: *const ruv_handle_t) -> u32 {
    // SAFETY: the field is 4-aligned inside the caller's struct.
    unsafe { AtomicU32::from_ptr(&raw const (*h).internal.state as *mut u32) }.load(Ordering::Acquire)
}

/// Sets the life-cycle marker.
///
/// # Safety
/// `h` points at a handle-sized struct that ruv owns the private part of.
pub(crate) unsafe fn set_lifecycle(h: *mut ruv_handle_t, value: u32) {
    // SAFETY: as in `lifecycle`.
    unsafe { AtomicU32::from_ptr(&raw mut (*h).internal.state) }.store(value, Ordering::Release)
}

/// Marks a handle registered under `key`/`generation` on loop `l` (its init
/// function's last step): referenced, not active, fields zeroed. `data` is
/// left as the caller set it.
///
/// # Safety
/// `h` points at a handle struct of `kind`'s size that the caller hands to
/// ruv from now until the close callback.
pub(crate) unsafe fn mark_live(
    h: *mut ruv_handle_t,
    l: *mut ruv_loop_t,
    ty: crate::abi::ruv_handle_type,
    kind: Kind,
    key: u32,
    generation: u32,
) {
    // SAFETY: forwarded to the caller.
    unsafe {
        (*h).r#loop = l;
        (*h).r#type = ty;
        let p = &mut (*h).internal;
        p.key = key;
        p.generation = generation;
        p.owner = h.cast();
        p.flags = REF;
        p.kind = kind as u8;
        p.substate = 0;
        p.fields = [0; 6];
        set_lifecycle(h, HANDLE_LIVE);
    }
}

#[cfg(test)]
mod tests {
    use super::Kind;

    /// `from_u8`'s range test relies on the kinds being 1..=8 with no gap.
    #[test]
    fn kind_bytes_round_trip() {
        let all = [
            Kind::Timer,
            Kind::Idle,
            Kind::Prepare,
            Kind::Check,
            Kind::Async,
            Kind::Poll,
            Kind::Tcp,
            Kind::Pipe,
            Kind::FsPoll,
            Kind::FsEvent,
            Kind::Signal,
            Kind::Tty,
            Kind::Process,
        ];
        for (i, kind) in all.iter().enumerate() {
            assert_eq!(*kind as u8, i as u8 + 1);
            assert_eq!(Kind::from_u8(*kind as u8), Some(*kind));
        }
        assert_eq!(Kind::from_u8(0), None);
        assert_eq!(Kind::from_u8(all.len() as u8 + 1), None);
        assert_eq!(Kind::from_u8(255), None);
    }
}
