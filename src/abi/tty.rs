//! Terminals: `ruv_tty_t` and its modes.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use super::misc::ruv_buf_t;
use super::stream::{ruv_alloc_cb, ruv_stream_private_t, ruv_stream_s};
use std::ffi::{c_int, c_void};

/** A terminal handle (libuv's `uv_tty_t`, 312 bytes); a stream: cast it to
 *  `ruv_stream_t *` for the stream calls. */
#[repr(C)]
pub struct ruv_tty_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** Bytes queued for writing and not yet written (read-only). */
    pub write_queue_size: usize,
    pub alloc_cb: ruv_alloc_cb,
    pub read_cb: Option<unsafe extern "C" fn(stream: *mut ruv_stream_s, nread: libc::ssize_t, buf: *const ruv_buf_t)>,
    pub(crate) stream: ruv_stream_private_t,
    /// The terminal's settings before the first change of mode (a
    /// `struct termios`, 60 bytes on Linux).
    pub(crate) orig_termios: [u32; 15],
    pub(crate) mode: c_int,
}
pub type ruv_tty_t = ruv_tty_s;

/** `ruv_tty_set_mode`'s modes (libuv's values). */
pub type ruv_tty_mode_t = c_int;
/** The terminal's own settings (cooked: line editing, echo, signals). */
pub const RUV_TTY_MODE_NORMAL: ruv_tty_mode_t = 0;
/** Raw input (no line editing, echo or signal keys), output as normal. */
pub const RUV_TTY_MODE_RAW: ruv_tty_mode_t = 1;
/** Binary-safe I/O for an IPC channel (`cfmakeraw`). */
pub const RUV_TTY_MODE_IO: ruv_tty_mode_t = 2;
/** Windows' raw mode with VT sequences; on Unix the same as RAW. */
pub const RUV_TTY_MODE_RAW_VT: ruv_tty_mode_t = 3;

/** `ruv_tty_set_vterm_state`/`get_vterm_state` (Windows consoles). */
pub type ruv_tty_vtermstate_t = c_int;
pub const RUV_TTY_SUPPORTED: ruv_tty_vtermstate_t = 0;
pub const RUV_TTY_UNSUPPORTED: ruv_tty_vtermstate_t = 1;
