//! The C surface: one file per area of libuv's API, and the one set of
//! checks every function goes through.
//!
//! Ownership rule for every function here, as in libuv: handles, requests and
//! loops are allocated by the caller and passed by pointer; ruv never frees
//! them. A handle must stay where it is, untouched, from its `*_init` until its
//! close callback has run; a request from its submission until its callback
//! has run. Callbacks receive the caller's own pointer back.
//!
//! Every function checks its pointers first, with [`call`], [`call_void`] or
//! [`query`] (or [`init`] for an init function): NULL, a handle never
//! initialised or already closed, a struct that was moved, and a handle of
//! another type than the function takes ([`CHandle`]) are misuse. An `int`
//! function returns an error code for it, a `void` function prints one line
//! to stderr and does nothing else.

pub mod addr;
pub mod async_handle;
pub mod dns;
pub mod error;
pub mod event_loop;
pub mod fs;
pub mod fs_event;
pub mod fs_poll;
pub mod handle;
pub mod misc;
pub mod phase;
pub mod pipe;
pub mod poll;
pub mod process;
pub mod req;
pub mod signal;
pub mod stream;
pub mod tcp;
pub mod thread;
pub mod timer;
pub mod tty;
pub mod work;

use crate::abi::*;
use crate::error::Result;
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind, lifecycle};
use std::ffi::c_int;
use std::ptr::NonNull;

/// Why a pointer from C could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Misuse {
    /// The error code an `int` function returns for it.
    pub code: c_int,
    /// What a `void` function prints.
    pub what: &'static str,
}

pub(crate) const NULL_ARG: Misuse = Misuse { code: RUV_EINVAL, what: "NULL pointer" };
pub(crate) const NOT_INITIALISED: Misuse =
    Misuse { code: RUV_EINVAL, what: "handle was never initialised, or was moved since" };
pub(crate) const CLOSED: Misuse = Misuse { code: RUV_EBADF, what: "handle is closed" };
pub(crate) const STALE: Misuse =
    Misuse { code: RUV_EBADF, what: "handle does not belong to a live loop (copied, or its loop was closed)" };
pub(crate) const LOOP_NOT_INITIALISED: Misuse =
    Misuse { code: RUV_EINVAL, what: "loop was never initialised, or is closed" };
pub(crate) const WRONG_TYPE: Misuse = Misuse { code: RUV_EINVAL, what: "handle is of another type" };

/// Prints the one line a `void` function writes on misuse.
pub(crate) fn report(function: &str, misuse: Misuse) {
    eprintln!("ruv: {function}: {}", misuse.what);
}

/// A handle struct type of the C API, and the kinds of handle a pointer of
/// that type may point at: the type check every function gets from
/// [`checked`].
pub(crate) trait CHandle {
    fn accepts(kind: Kind) -> bool;
}

macro_rules! c_handle {
    ($($t:ty => $accepts:expr),* $(,)?) => {
        $(impl CHandle for $t {
            fn accepts(kind: Kind) -> bool {
                let accepts: fn(Kind) -> bool = $accepts;
                accepts(kind)
            }
        })*
    };
}

c_handle! {
    ruv_handle_t => |_| true,
    ruv_stream_t => Kind::is_stream,
    ruv_tcp_t => |k| k == Kind::Tcp,
    ruv_pipe_t => |k| k == Kind::Pipe,
    ruv_timer_t => |k| k == Kind::Timer,
    ruv_idle_t => |k| k == Kind::Idle,
    ruv_prepare_t => |k| k == Kind::Prepare,
    ruv_check_t => |k| k == Kind::Check,
    ruv_async_t => |k| k == Kind::Async,
    ruv_poll_t => |k| k == Kind::Poll,
    ruv_fs_poll_t => |k| k == Kind::FsPoll,
    ruv_fs_event_t => |k| k == Kind::FsEvent,
    ruv_signal_t => |k| k == Kind::Signal,
    ruv_tty_t => |k| k == Kind::Tty,
    ruv_process_t => |k| k == Kind::Process,
}

/// Validates a caller's loop pointer and returns its state.
///
/// # Safety
/// `l` is NULL or points at a loop-sized struct.
pub(crate) unsafe fn checked_loop(l: *const ruv_loop_t) -> std::result::Result<*mut LoopInner, Misuse> {
    if l.is_null() {
        return Err(NULL_ARG);
    }
    // SAFETY: a loop-sized struct; only its own fields are read until the
    // markers prove it was initialised by ruv.
    unsafe {
        if (*l).internal.owner != l.cast_mut().cast() || (*l).internal.state != LOOP_LIVE {
            return Err(LOOP_NOT_INITIALISED);
        }
        Ok((*l).internal_fields.cast())
    }
}

/// Maps a caller's handle pointer to its loop and checked [`Handle`], or
/// says why it cannot: NULL, not initialised, closed, not registered, or of
/// a kind `T` does not take. Reads only the handle's own memory until the
/// handle has proved it was initialised, so a garbage struct is refused
/// without being followed.
///
/// # Safety
/// `ptr` is NULL or points at a handle-sized struct (a `ruv_handle_t`'s
/// worth of readable memory).
pub(crate) unsafe fn checked<T: CHandle>(ptr: *const T) -> std::result::Result<(*mut LoopInner, Handle), Misuse> {
    let h = ptr.cast::<ruv_handle_t>().cast_mut();
    let Some(nn) = NonNull::new(h) else { return Err(NULL_ARG) };
    // SAFETY: the caller's contract: a handle-sized struct.
    let (owner, state, key, generation, c_loop, kind) = unsafe {
        let p = &(*h).internal;
        (p.owner, lifecycle(h), p.key, p.generation, (*h).r#loop, p.kind)
    };
    if owner != h.cast() {
        return Err(NOT_INITIALISED);
    }
    match state {
        HANDLE_LIVE => {}
        HANDLE_CLOSED => return Err(CLOSED),
        _ => return Err(NOT_INITIALISED),
    }
    // A live handle's loop is live: `ruv_loop_close` refuses while handles
    // are open. So the loop struct needs no check of its own here, only its
    // state pointer (the registry lookup below then vouches for the pair).
    // SAFETY: set by the handle's init function from a validated loop.
    let lp: *mut LoopInner = unsafe { (*c_loop).internal_fields }.cast();
    if lp.is_null() {
        return Err(STALE);
    }
    // SAFETY: the registry lookup proves `lp` is the live loop the handle
    // was registered with.
    let registered = unsafe { (*lp).handles.holds(key, generation, h) };
    if !registered {
        return Err(STALE);
    }
    match Kind::from_u8(kind) {
        Some(kind) if T::accepts(kind) => {}
        _ => return Err(WRONG_TYPE),
    }
    // SAFETY: registered on a live loop, as `Handle::new` requires.
    Ok((lp, unsafe { Handle::new(nn) }))
}

/// The shape of almost every `int` function: check the handle, then run the
/// core on it; misuse or the core's error becomes the return code, success 0.
///
/// # Safety
/// As [`checked`]. `f` runs no user code (no ruv function with a handle
/// argument calls back before it returns).
pub(crate) unsafe fn call<T: CHandle>(ptr: *const T, f: impl FnOnce(&mut LoopInner, Handle) -> Result) -> c_int {
    // SAFETY: forwarded.
    match unsafe { checked(ptr) } {
        // SAFETY: a live loop, not borrowed elsewhere while a C function runs.
        Ok((lp, h)) => status(f(unsafe { &mut *lp }, h)),
        Err(m) => m.code,
    }
}

/// [`call`] for a `void` function: misuse prints one line.
///
/// # Safety
/// As [`call`].
pub(crate) unsafe fn call_void<T: CHandle>(function: &str, ptr: *const T, f: impl FnOnce(&mut LoopInner, Handle)) {
    // SAFETY: forwarded.
    match unsafe { checked(ptr) } {
        // SAFETY: as in `call`.
        Ok((lp, h)) => f(unsafe { &mut *lp }, h),
        Err(m) => report(function, m),
    }
}

/// [`call`] for a function that returns a value: misuse prints one line and
/// returns `otherwise`.
///
/// # Safety
/// As [`call`].
pub(crate) unsafe fn query<T: CHandle, R>(
    function: &str,
    ptr: *const T,
    otherwise: R,
    f: impl FnOnce(&mut LoopInner, Handle) -> R,
) -> R {
    // SAFETY: forwarded.
    match unsafe { checked(ptr) } {
        // SAFETY: as in `call`.
        Ok((lp, h)) => f(unsafe { &mut *lp }, h),
        Err(m) => {
            report(function, m);
            otherwise
        }
    }
}

/// The shape of every `*_init`: a live loop and a non-NULL handle, then the
/// core's init on them.
///
/// The handle's memory is not read: in a correct program it is uninitialised
/// here, and branching on it would be an error under valgrind. So, as in
/// libuv, initialising a handle again while it is live (without closing it)
/// is the one misuse ruv does not catch: its first registration keeps
/// pointing at the struct, and reaches it after the caller frees it. Catching
/// it would take a second index of the registry by address, 16 more bytes for
/// every handle; see the README's "Rules".
///
/// # Safety
/// `l` is NULL or points at a loop-sized struct; `h` is NULL or points at a
/// struct of `T`'s size, which the caller hands to ruv until its close
/// callback.
pub(crate) unsafe fn init<T: CHandle>(
    l: *mut ruv_loop_t,
    h: *mut T,
    f: impl FnOnce(&mut LoopInner, NonNull<ruv_handle_t>) -> Result,
) -> c_int {
    let Some(h) = NonNull::new(h.cast::<ruv_handle_t>()) else { return RUV_EINVAL };
    // SAFETY: forwarded.
    match unsafe { checked_loop(l) } {
        // SAFETY: a live loop, not borrowed elsewhere.
        Ok(lp) => status(f(unsafe { &mut *lp }, h)),
        Err(m) => m.code,
    }
}

/// A caller's output buffer for a name (`*size` bytes at `buffer`) and the
/// size word the call updates; None if either pointer is NULL.
///
/// # Safety
/// `buffer` is NULL or has `*size` writable bytes; `size` is NULL or points
/// at a `size_t`.
pub(crate) unsafe fn out_buffer<'a>(
    buffer: *mut std::ffi::c_char,
    size: *mut usize,
) -> Option<(&'a mut [u8], &'a mut usize)> {
    if buffer.is_null() || size.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    Some(unsafe { (std::slice::from_raw_parts_mut(buffer.cast::<u8>(), *size), &mut *size) })
}

/// Turns a core result into libuv's `0` or negative error code.
pub(crate) fn status(r: Result) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.code(),
    }
}
