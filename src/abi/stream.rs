//! Streams: `ruv_stream_t` (the common part of TCP handles and pipes), the
//! write, connect and shutdown requests, and the stream callbacks.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_t, ruv_handle_type};
use super::misc::ruv_buf_t;
use super::req::ruv_req_type;
use std::ffi::{c_int, c_uint, c_void};

/// Private to ruv: a stream's state (see `crate::stream`).
#[repr(C)]
pub struct ruv_stream_private_t {
    pub(crate) connection_cb: ruv_connection_cb,
    /// Writes not fully written yet, oldest first (linked through their
    /// `ruv_write_private_t::next`).
    pub(crate) write_head: *mut ruv_write_s,
    pub(crate) write_tail: *mut ruv_write_s,
    pub(crate) connect_req: *mut ruv_connect_s,
    pub(crate) shutdown_req: *mut ruv_shutdown_s,
    pub(crate) fd: c_int,
    /// A connection accepted for `ruv_accept` to take; -1 when none.
    pub(crate) accepted_fd: c_int,
    pub(crate) flags: u32,
    /// An error kept for later: from bind (reported by listen and connect).
    pub(crate) delayed_error: c_int,
    pub(crate) spare: u32,
    /// `ruv_tcp_keepalive`'s delay, applied when the socket is made.
    pub(crate) keepalive_delay: c_uint,
    /// An IPC pipe's received descriptors after `accepted_fd`, oldest first
    /// (a boxed `Vec<c_int>`; NULL when none).
    pub(crate) queued_fds: *mut c_void,
    pub(crate) reserved: [*mut c_void; 7],
}

/** A stream (libuv's `uv_stream_t`, 248 bytes): the common part of TCP
 *  handles and pipes. */
#[repr(C)]
pub struct ruv_stream_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** Bytes queued for writing and not yet written (read-only). */
    pub write_queue_size: usize,
    /** The `ruv_alloc_cb` given to `ruv_read_start` (read-only). */
    pub alloc_cb: ruv_alloc_cb,
    /** The `ruv_read_cb` given to `ruv_read_start` (read-only; spelled out
     *  here because the typedef needs this struct first). */
    pub read_cb: Option<unsafe extern "C" fn(stream: *mut ruv_stream_s, nread: libc::ssize_t, buf: *const ruv_buf_t)>,
    pub(crate) stream: ruv_stream_private_t,
}
pub type ruv_stream_t = ruv_stream_s;

/// Private to ruv: a write request's progress.
#[repr(C)]
pub struct ruv_write_private_t {
    /// The next write in the stream's queue.
    pub(crate) next: *mut ruv_write_s,
    /// The copied buffer array: `bufsml` for up to 4 buffers, else the heap.
    pub(crate) bufs: *mut ruv_buf_t,
    pub(crate) nbufs: u32,
    /// The first buffer not fully written.
    pub(crate) index: u32,
    /// Bytes of `bufs[index]` written already.
    pub(crate) offset: usize,
    /// `ruv_write2`: a duplicate of the descriptor to pass, until it goes
    /// out with the first bytes (then closed); -1 when none.
    pub(crate) send_fd: isize,
    pub(crate) bufsml: [ruv_buf_t; 4],
}

/** A write request (libuv's `uv_write_t`, 192 bytes). */
#[repr(C)]
pub struct ruv_write_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The callback (read-only). */
    pub cb: ruv_write_cb,
    pub send_handle: *mut ruv_stream_s,
    /** The stream written to (read-only). */
    pub handle: *mut ruv_stream_s,
    pub(crate) write: ruv_write_private_t,
}
pub type ruv_write_t = ruv_write_s;

/** A connect request (libuv's `uv_connect_t`, 96 bytes). */
#[repr(C)]
pub struct ruv_connect_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The callback (read-only). */
    pub cb: ruv_connect_cb,
    /** The stream connecting (read-only). */
    pub handle: *mut ruv_stream_s,
    pub(crate) spare: [*mut c_void; 2],
}
pub type ruv_connect_t = ruv_connect_s;

/** A shutdown request (libuv's `uv_shutdown_t`, 80 bytes). */
#[repr(C)]
pub struct ruv_shutdown_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The stream shut down (read-only). */
    pub handle: *mut ruv_stream_s,
    /** The callback (read-only). */
    pub cb: ruv_shutdown_cb,
}
pub type ruv_shutdown_t = ruv_shutdown_s;

/** Asks for a buffer to read into: set `buf->base` and `buf->len`. A buffer
 *  of length 0 (or a NULL base) makes `read_cb` get RUV_ENOBUFS. */
pub type ruv_alloc_cb =
    Option<unsafe extern "C" fn(handle: *mut ruv_handle_t, suggested_size: usize, buf: *mut ruv_buf_t)>;
/** `nread` > 0: bytes read into `buf`; 0: nothing this time; RUV_EOF: the
 *  peer finished; another negative value: an error (close the stream). The
 *  buffer is handed back every time, to be freed or reused. */
pub type ruv_read_cb =
    Option<unsafe extern "C" fn(stream: *mut ruv_stream_s, nread: libc::ssize_t, buf: *const ruv_buf_t)>;
/** A write finished: `status` 0, or an error (RUV_ECANCELED when the stream
 *  was closed first). */
pub type ruv_write_cb = Option<unsafe extern "C" fn(req: *mut ruv_write_s, status: c_int)>;
/** A connect finished: `status` 0, or an error such as RUV_ECONNREFUSED. */
pub type ruv_connect_cb = Option<unsafe extern "C" fn(req: *mut ruv_connect_s, status: c_int)>;
/** A shutdown finished (after the queued writes were written). */
pub type ruv_shutdown_cb = Option<unsafe extern "C" fn(req: *mut ruv_shutdown_s, status: c_int)>;
/** A connection is waiting: call `ruv_accept` (status 0), or an error. */
pub type ruv_connection_cb = Option<unsafe extern "C" fn(server: *mut ruv_stream_s, status: c_int)>;
