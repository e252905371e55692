//! Pipes: `ruv_pipe_t`, a stream over a pipe or a Unix-domain socket.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use super::misc::ruv_buf_t;
use super::stream::{ruv_alloc_cb, ruv_stream_private_t, ruv_stream_s};
use std::ffi::{c_char, c_int, c_void};

/** A pipe handle (libuv's `uv_pipe_t`, 264 bytes); a stream: cast it to
 *  `ruv_stream_t *` for the stream calls. */
#[repr(C)]
pub struct ruv_pipe_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** Bytes queued for writing and not yet written (read-only). */
    pub write_queue_size: usize,
    pub alloc_cb: ruv_alloc_cb,
    pub read_cb: Option<unsafe extern "C" fn(stream: *mut ruv_stream_s, nread: libc::ssize_t, buf: *const ruv_buf_t)>,
    pub(crate) stream: ruv_stream_private_t,
    /** Non-zero if the pipe passes handles (set by `ruv_pipe_init`; read-only). */
    pub ipc: c_int,
    pub(crate) pipe_fname: *const c_char,
}
pub type ruv_pipe_t = ruv_pipe_s;

/** `ruv_pipe_bind2` and `ruv_pipe_connect2` flags. */
pub type ruv_pipe_flags = c_int;
/** Fail with RUV_EINVAL instead of truncating a name longer than a socket
 *  address holds (108 bytes). */
pub const RUV_PIPE_NO_TRUNCATE: ruv_pipe_flags = 1;

/** Flags of a child process's stdio container (`ruv_spawn`); `ruv_pipe` and
 *  `ruv_socketpair` read `RUV_NONBLOCK_PIPE`. libuv's values. */
pub type ruv_stdio_flags = c_int;
pub const RUV_IGNORE: ruv_stdio_flags = 0x00;
pub const RUV_CREATE_PIPE: ruv_stdio_flags = 0x01;
pub const RUV_INHERIT_FD: ruv_stdio_flags = 0x02;
pub const RUV_INHERIT_STREAM: ruv_stdio_flags = 0x04;
pub const RUV_READABLE_PIPE: ruv_stdio_flags = 0x10;
pub const RUV_WRITABLE_PIPE: ruv_stdio_flags = 0x20;
/** The descriptor made is non-blocking (for `ruv_pipe`, `ruv_socketpair`). */
pub const RUV_NONBLOCK_PIPE: ruv_stdio_flags = 0x40;
/** Windows' name for the same bit. */
pub const RUV_OVERLAPPED_PIPE: ruv_stdio_flags = 0x40;
