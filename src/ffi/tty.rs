//! Terminals: `ruv_tty_init`, modes, size, `ruv_guess_handle`. The stream
//! calls take a tty cast to `ruv_stream_t *`.

use super::{call, init, status};
use crate::abi::*;
use crate::event_loop::LoopInner;
use std::ffi::c_int;

/** Initialises a terminal handle on descriptor `fd` (a terminal, or a pipe
 *  or socket: anything but a file). A terminal's slave side is reopened by
 *  name and the new descriptor takes `fd`'s place (as libuv does), so making
 *  it non-blocking leaves other processes' view of the terminal alone; a pty
 *  master cannot be reopened and gets blocking writes. `unused` is libuv's
 *  deprecated `readable`: the access mode of `fd` decides. RUV_EINVAL for a
 *  file or a descriptor that is not open.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_tty_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tty_init(
    r#loop: *mut ruv_loop_t,
    handle: *mut ruv_tty_t,
    fd: ruv_file,
    unused: c_int,
) -> c_int {
    let _ = unused;
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.tty_init(h, fd)) }
}

/** Sets the terminal's mode: `RUV_TTY_MODE_NORMAL` (its settings before the
 *  first change), `RUV_TTY_MODE_RAW` (no line editing, echo or signal keys),
 *  `RUV_TTY_MODE_IO` (`cfmakeraw`), `RUV_TTY_MODE_RAW_VT` (as RAW here).
 *  Closing the handle puts NORMAL back. RUV_EINVAL for another mode.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tty_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tty_set_mode(handle: *mut ruv_tty_t, mode: ruv_tty_mode_t) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::tty_set_mode(h, mode)) }
}

/** Puts back the settings of the first terminal whose mode was changed, as
 *  they were before. Safe to call from a signal handler (it takes no lock
 *  but a spinlock word, and returns RUV_EBUSY if `ruv_tty_set_mode` holds
 *  that); 0 when no mode was changed.
 */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_tty_reset_mode() -> c_int {
    status(crate::tty::reset_mode())
}

/** The terminal's size: columns into `*width`, rows into `*height`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_tty_t`,
 *  `width` and `height` an `int`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tty_get_winsize(handle: *mut ruv_tty_t, width: *mut c_int, height: *mut c_int) -> c_int {
    if width.is_null() || height.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use; both out-pointers are the caller's ints.
    unsafe {
        call(handle, |_, h| {
            let (w, rows) = LoopInner::tty_winsize(h)?;
            *width = w;
            *height = rows;
            Ok(())
        })
    }
}

/** Windows consoles only: whether ruv may use VT sequences. Does nothing
 *  here.
 */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_tty_set_vterm_state(state: ruv_tty_vtermstate_t) {
    let _ = state;
}

/** Windows consoles only: RUV_ENOTSUP here, as in libuv.
 *
 *  # Safety
 *  `state` is NULL or points at a `ruv_tty_vtermstate_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_tty_get_vterm_state(state: *mut ruv_tty_vtermstate_t) -> c_int {
    let _ = state;
    RUV_ENOTSUP
}

/** What kind of handle suits descriptor `file`: `RUV_TTY`, `RUV_NAMED_PIPE`
 *  (a FIFO or a Unix-domain stream socket), `RUV_TCP`, `RUV_UDP`,
 *  `RUV_FILE` (a regular file or another character device), or
 *  `RUV_UNKNOWN_HANDLE`.
 */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_guess_handle(file: ruv_file) -> ruv_handle_type {
    crate::tty::guess_handle(file)
}
