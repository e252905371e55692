//! The C surface: one file per area of libuv's API.
//!
//! Ownership rule for every function here, as in libuv: handles, requests and
//! loops are allocated by the caller and passed by pointer; ruv never frees
//! them. A handle must stay where it is, untouched, from its `*_init` until its
//! close callback has run. Callbacks receive the caller's own pointer back.
//!
//! Every function checks its pointers first. Misuse (NULL, a handle never
//! initialised or already closed, a struct that was moved) makes an `int`
//! function return an error code, and a `void` function print one line to
//! stderr and do nothing else.

pub mod addr;
pub mod async_handle;
pub mod error;
pub mod event_loop;
pub mod handle;
pub mod misc;
pub mod phase;
pub mod poll;
pub mod req;
pub mod stream;
pub mod tcp;
pub mod timer;

use crate::error::{RUV_EBADF, RUV_EINVAL};
use crate::event_loop::LoopInner;
use crate::handle_state::{self, Kind};
use handle::{ruv_handle_t, HANDLE_CLOSED, HANDLE_LIVE};
use std::ffi::c_int;

/// Why a pointer from C could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misuse {
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
pub(crate) const WRONG_TYPE: Misuse =
    Misuse { code: RUV_EINVAL, what: "handle is of another type" };

/// Prints the one line a `void` function writes on misuse.
pub(crate) fn report(function: &str, misuse: Misuse) {
    eprintln!("ruv: {function}: {}", misuse.what);
}

/// A validated handle: its loop and its registry entry.
#[derive(Clone, Copy)]
pub(crate) struct HandleRef {
    pub lp: *mut LoopInner,
    pub h: *mut ruv_handle_t,
    pub key: u32,
}

/// Maps a caller's handle pointer to its loop and registry entry, or says why
/// it cannot. Reads only the handle's own memory until the handle has proved
/// it was initialised, so a garbage struct is refused without being followed.
pub(crate) unsafe fn handle_ref(h: *mut ruv_handle_t) -> Result<HandleRef, Misuse> {
    if h.is_null() {
        return Err(NULL_ARG);
    }
    // SAFETY: the caller passes a pointer to a handle-sized struct it owns.
    let (owner, state, key, generation, c_loop) = unsafe {
        (
            (*h).internal.owner,
            handle::state(h),
            (*h).internal.key,
            (*h).internal.generation,
            (*h).r#loop,
        )
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
    // SAFETY: `inner` proved `lp` is a live loop.
    let registered = unsafe { (*lp).handles.get(key, generation) }
        .is_some_and(|slot| slot.handle() == h);
    if registered { Ok(HandleRef { lp, h, key }) } else { Err(STALE) }
}

/// `handle_ref` for a function that takes one type of handle.
pub(crate) unsafe fn typed_ref(h: *mut ruv_handle_t, kind: Kind) -> Result<HandleRef, Misuse> {
    // SAFETY: forwarded; the kind is read once the handle proved live.
    let r = unsafe { handle_ref(h) }?;
    if unsafe { handle_state::kind(h) } == Some(kind) { Ok(r) } else { Err(WRONG_TYPE) }
}

/// The shared first steps of every `*_init`: a live loop and a non-NULL
/// handle. Returns the loop's state.
///
/// The handle's memory is not read: in a correct program it is uninitialised
/// here, and branching on it would be an error under valgrind. So, as in
/// libuv, initialising a handle again while it is live (without closing it)
/// is the one misuse ruv does not catch: its first registration keeps
/// pointing at the struct, and reaches it after the caller frees it. Catching
/// it would take a second index of the registry by address, 16 more bytes for
/// every handle; see the README's "Rules".
pub(crate) unsafe fn init_target(
    l: *mut event_loop::ruv_loop_t,
    h: *mut ruv_handle_t,
) -> Result<*mut LoopInner, c_int> {
    if h.is_null() {
        return Err(RUV_EINVAL);
    }
    // SAFETY: forwarded.
    unsafe { crate::event_loop::inner(l) }.map_err(|m| m.code)
}

/// A typed C callback taking one handle pointer, as the core stores it. The
/// types differ only in the pointee of that pointer, so they share an ABI.
pub(crate) fn handle_cb<T>(
    cb: Option<unsafe extern "C" fn(*mut T)>,
) -> Option<crate::timer::HandleCb> {
    // SAFETY: `*mut T` and `*mut ruv_handle_t` are ABI-compatible.
    cb.map(|f| unsafe { std::mem::transmute::<unsafe extern "C" fn(*mut T), crate::timer::HandleCb>(f) })
}

/// Turns a core result into libuv's `0` or negative error code.
pub(crate) fn status(r: Result<(), c_int>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e,
    }
}
