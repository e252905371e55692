//! Streams: `ruv_stream_t`, the write, connect and shutdown requests, and the
//! stream calls (`ruv_listen`, `ruv_accept`, `ruv_read_start`, `ruv_write`,
//! `ruv_shutdown`, ...). TCP handles are streams (`ruv_tcp_t` casts to
//! `ruv_stream_t`).
//!
//! Requests are the caller's, as handles are: a request must stay where it is
//! from its submission until its callback has run. The buffer *array* given to
//! `ruv_write` is copied; the bytes it points at are not, and must stay valid
//! until the write callback.

use super::{report, status, typed_ref, HandleRef, Misuse};
use crate::error::RUV_EINVAL;
use crate::ffi::event_loop::ruv_loop_t;
use crate::ffi::handle::{ruv_handle_private_t, ruv_handle_t, ruv_handle_type};
use crate::ffi::misc::ruv_buf_t;
use crate::ffi::req::ruv_req_type;
use crate::handle_state::Kind;
use std::ffi::{c_int, c_uint, c_void};

/// Private to ruv: a stream's state (see `stream.rs`).
#[repr(C)]
pub struct ruv_stream_private_t {
    pub(crate) connection_cb: *mut c_void,
    /// Writes not fully written yet, oldest first.
    pub(crate) write_head: *mut ruv_write_s,
    pub(crate) write_tail: *mut ruv_write_s,
    /// Writes done (or failed) whose callbacks are due.
    pub(crate) done_head: *mut ruv_write_s,
    pub(crate) done_tail: *mut ruv_write_s,
    pub(crate) connect_req: *mut ruv_connect_s,
    pub(crate) shutdown_req: *mut ruv_shutdown_s,
    pub(crate) fd: c_int,
    /// A connection accepted for `ruv_accept` to take; -1 when none.
    pub(crate) accepted_fd: c_int,
    pub(crate) flags: u32,
    /// An error kept for later: from bind (reported by listen), connect
    /// (reported to connect_cb), or shutdown.
    pub(crate) delayed_error: c_int,
    pub(crate) shutdown_status: c_int,
    /// `ruv_tcp_keepalive`'s delay, applied when the socket is made.
    pub(crate) keepalive_delay: c_uint,
    pub(crate) reserved: [*mut c_void; 6],
}

/** A stream (libuv's `uv_stream_t`, 248 bytes): the common part of TCP
 *  handles (and, later, pipes and TTYs). */
#[repr(C)]
pub struct ruv_stream_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** Bytes queued for writing and not yet written (read-only). */
    pub write_queue_size: usize,
    /** The `ruv_alloc_cb` given to `ruv_read_start` (read-only). */
    pub alloc_cb: *mut c_void,
    /** The `ruv_read_cb` given to `ruv_read_start` (read-only). */
    pub read_cb: *mut c_void,
    pub(crate) stream: ruv_stream_private_t,
}
pub type ruv_stream_t = ruv_stream_s;

/// Private to ruv: a write request's progress.
#[repr(C)]
pub struct ruv_write_private_t {
    pub(crate) next: *mut ruv_write_s,
    /// The copied buffer array: `bufsml` for up to 4 buffers, else the heap.
    pub(crate) bufs: *mut ruv_buf_t,
    pub(crate) nbufs: u32,
    /// The first buffer not fully written.
    pub(crate) index: u32,
    /// Bytes of `bufs[index]` written already.
    pub(crate) offset: usize,
    pub(crate) status: c_int,
    pub(crate) spare: c_int,
    pub(crate) bufsml: [ruv_buf_t; 4],
}

/** A write request (libuv's `uv_write_t`, 192 bytes). */
#[repr(C)]
pub struct ruv_write_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The `ruv_write_cb` (read-only). */
    pub cb: *mut c_void,
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
    /** The `ruv_connect_cb` (read-only). */
    pub cb: *mut c_void,
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
    /** The `ruv_shutdown_cb` (read-only). */
    pub cb: *mut c_void,
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
    Option<unsafe extern "C" fn(stream: *mut ruv_stream_t, nread: libc::ssize_t, buf: *const ruv_buf_t)>;
/** A write finished: `status` 0, or an error (RUV_ECANCELED when the stream
 *  was closed first). */
pub type ruv_write_cb = Option<unsafe extern "C" fn(req: *mut ruv_write_t, status: c_int)>;
/** A connect finished: `status` 0, or an error such as RUV_ECONNREFUSED. */
pub type ruv_connect_cb = Option<unsafe extern "C" fn(req: *mut ruv_connect_t, status: c_int)>;
/** A shutdown finished (after the queued writes were written). */
pub type ruv_shutdown_cb = Option<unsafe extern "C" fn(req: *mut ruv_shutdown_t, status: c_int)>;
/** A connection is waiting: call `ruv_accept` (status 0), or an error. */
pub type ruv_connection_cb = Option<unsafe extern "C" fn(server: *mut ruv_stream_t, status: c_int)>;

/// A validated stream handle.
pub(crate) unsafe fn stream(h: *const ruv_stream_t) -> Result<HandleRef, Misuse> {
    // SAFETY: forwarded; every stream kind is accepted.
    unsafe { typed_ref(h.cast_mut().cast(), Kind::Tcp) }
}

/** Starts listening for connections; `cb` runs for each one that is waiting.
 *  Returns the error a bind kept (RUV_EADDRINUSE), or the kernel's. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_listen(stream: *mut ruv_stream_t, backlog: c_int, cb: ruv_connection_cb) -> c_int {
    // SAFETY: validated before use.
    match unsafe { self::stream(stream) } {
        Ok(r) => status(unsafe { (*r.lp).listen(r.h, backlog, cb) }),
        Err(m) => m.code,
    }
}

/** Takes the waiting connection into `client` (a `ruv_tcp_init`ed handle
 *  without a socket). Call it from `connection_cb`. RUV_EAGAIN when no
 *  connection is waiting; RUV_EBUSY if `client` has a socket already. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_accept(server: *mut ruv_stream_t, client: *mut ruv_stream_t) -> c_int {
    // SAFETY: both validated before use.
    let (s, c) = match unsafe { (self::stream(server), self::stream(client)) } {
        (Ok(s), Ok(c)) => (s, c),
        (Err(m), _) | (_, Err(m)) => return m.code,
    };
    if s.lp != c.lp {
        return RUV_EINVAL;
    }
    status(unsafe { (*s.lp).accept(s.h, c.h, c.key) })
}

/** Starts reading: `alloc_cb` then `read_cb` for each chunk that arrives.
 *  RUV_EINVAL for NULL callbacks or a closing stream; RUV_ENOTCONN for a
 *  stream that cannot be read (no socket, or after EOF); RUV_EALREADY if it
 *  is reading already. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_read_start(
    stream: *mut ruv_stream_t,
    alloc_cb: ruv_alloc_cb,
    read_cb: ruv_read_cb,
) -> c_int {
    // SAFETY: validated before use.
    match unsafe { self::stream(stream) } {
        Ok(r) => status(unsafe { (*r.lp).read_start(r.h, alloc_cb, read_cb) }),
        Err(m) => m.code,
    }
}

/** Stops reading; no more `read_cb` calls until `ruv_read_start`. Data that
 *  arrives meanwhile waits in the kernel. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_read_stop(stream: *mut ruv_stream_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { self::stream(stream) } {
        Ok(r) => {
            unsafe { (*r.lp).read_stop(r.h) };
            0
        }
        Err(m) => m.code,
    }
}

/** Writes `nbufs` buffers in order. When nothing is queued the bytes go out at
 *  once with one `sendmsg`; what the kernel does not take is queued and sent
 *  when the socket is writable. `cb` runs from the loop once all bytes are
 *  written (or on error), never before `ruv_write` returns. The array `bufs`
 *  is copied; the bytes are not. RUV_EPIPE after `ruv_shutdown`; RUV_EBADF
 *  without a socket; RUV_EINVAL for NULL or zero buffers. A peer that went
 *  away is an error in `cb` (RUV_EPIPE, RUV_ECONNRESET), never SIGPIPE. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_write(
    req: *mut ruv_write_t,
    handle: *mut ruv_stream_t,
    bufs: *const ruv_buf_t,
    nbufs: c_uint,
    cb: ruv_write_cb,
) -> c_int {
    if req.is_null() || bufs.is_null() || nbufs == 0 {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use; `bufs` has `nbufs` entries (caller).
    match unsafe { self::stream(handle) } {
        Ok(r) => {
            let bufs = unsafe { std::slice::from_raw_parts(bufs, nbufs as usize) };
            status(unsafe { (*r.lp).write(r.h, req, bufs, cb) })
        }
        Err(m) => m.code,
    }
}

/** Writes what the kernel takes now, without queueing: the number of bytes
 *  written (possibly fewer than asked), RUV_EAGAIN if none could be (or
 *  writes are queued already), or an error. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_try_write(handle: *mut ruv_stream_t, bufs: *const ruv_buf_t, nbufs: c_uint) -> c_int {
    if bufs.is_null() || nbufs == 0 {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use; `bufs` has `nbufs` entries (caller).
    match unsafe { self::stream(handle) } {
        Ok(r) => {
            let bufs = unsafe { std::slice::from_raw_parts(bufs, nbufs as usize) };
            unsafe { (*r.lp).try_write(r.h, bufs) }
        }
        Err(m) => m.code,
    }
}

/** Shuts down the write side once every queued write is written; `cb` runs
 *  then. RUV_ENOTCONN if the stream is not writable or is shutting down
 *  already. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_shutdown(req: *mut ruv_shutdown_t, handle: *mut ruv_stream_t, cb: ruv_shutdown_cb) -> c_int {
    if req.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: validated before use.
    match unsafe { self::stream(handle) } {
        Ok(r) => status(unsafe { (*r.lp).shutdown(r.h, req, cb) }),
        Err(m) => m.code,
    }
}

/** Non-zero if the stream can be read from (connected, no EOF yet). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_readable(handle: *const ruv_stream_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { self::stream(handle) } {
        Ok(r) => crate::stream::is_readable(r.h) as c_int,
        Err(m) => {
            report("ruv_is_readable", m);
            0
        }
    }
}

/** Non-zero if the stream can be written to (connected, not shut down). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_writable(handle: *const ruv_stream_t) -> c_int {
    // SAFETY: validated before use.
    match unsafe { self::stream(handle) } {
        Ok(r) => crate::stream::is_writable(r.h) as c_int,
        Err(m) => {
            report("ruv_is_writable", m);
            0
        }
    }
}

/** Makes the stream's socket blocking (non-zero) or not. Use with care: a
 *  blocking socket blocks the loop. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_stream_set_blocking(handle: *mut ruv_stream_t, blocking: c_int) -> c_int {
    // SAFETY: validated before use.
    match unsafe { self::stream(handle) } {
        Ok(r) => status(crate::stream::set_blocking(r.h, blocking != 0)),
        Err(m) => m.code,
    }
}

/** Bytes queued for writing and not yet written (`write_queue_size`). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_stream_get_write_queue_size(stream: *const ruv_stream_t) -> usize {
    // SAFETY: validated before use.
    match unsafe { self::stream(stream) } {
        Ok(_) => unsafe { (*stream).write_queue_size },
        Err(m) => {
            report("ruv_stream_get_write_queue_size", m);
            0
        }
    }
}
