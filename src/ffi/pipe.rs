//! Pipes: `ruv_pipe_init` and `ruv_pipe_open`. The stream calls take a pipe
//! cast to `ruv_stream_t *`. (Names, connecting and handle passing come
//! with the process issue.)

use super::{call, init};
use crate::abi::*;
use std::ffi::c_int;

/** Initialises a pipe handle. `ipc` non-zero marks a pipe meant to pass
 *  handles (kept in `pipe->ipc`; ruv does not pass handles yet, so such a
 *  pipe carries bytes only).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`
 *  and `handle` a `ruv_pipe_t`. Handles and requests follow the ownership
 *  rule (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_init(r#loop: *mut ruv_loop_t, handle: *mut ruv_pipe_t, ipc: c_int) -> c_int {
    // SAFETY: `init` validates both pointers; the struct is the caller's pipe
    // handle, ruv's until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.pipe_init(h, ipc != 0)) }
}

/** Adopts an existing descriptor `file` (a pipe end, a socketpair end, a
 *  Unix-domain socket), made non-blocking; ruv closes it when the handle is
 *  closed. The stream is readable and writable as the descriptor's access
 *  mode allows. RUV_EBUSY if the pipe has a descriptor already, RUV_EBADF for
 *  a bad one.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_pipe_t`. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_open(handle: *mut ruv_pipe_t, file: ruv_file) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.pipe_open(h, file)) }
}
