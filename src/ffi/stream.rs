//! The stream calls (`ruv_listen`, `ruv_accept`, `ruv_read_start`,
//! `ruv_write`, `ruv_shutdown`, ...), for TCP handles and pipes alike (cast
//! them to `ruv_stream_t *`).
//!
//! Requests are the caller's, as handles are: a request must stay where it is
//! from its submission until its callback has run. The buffer *array* given to
//! `ruv_write` is copied; the bytes it points at are not, and must stay valid
//! until the write callback.

use super::{call, checked, query};
use crate::abi::*;
use crate::error::Error;
use crate::event_loop::LoopInner;
use std::ffi::{c_int, c_uint};
use std::ptr::NonNull;

/// More buffers than any write could mean: refused as libuv refuses a count
/// it cannot hand to the kernel.
const MAX_NBUFS: c_uint = 1 << 20;

/// The caller's buffer array, or `Error::INVAL` for NULL, none, or absurdly
/// many (checked before anything else, as libuv 1.52 does).
///
/// # Safety
/// `bufs` is NULL or points at `nbufs` buffers.
unsafe fn buffers<'a>(bufs: *const ruv_buf_t, nbufs: c_uint) -> Result<&'a [ruv_buf_t], Error> {
    if bufs.is_null() || nbufs == 0 || nbufs > MAX_NBUFS {
        return Err(Error::INVAL);
    }
    // SAFETY: the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(bufs, nbufs as usize) })
}

/** Starts listening for connections; `cb` runs for each one that is waiting
 *  (a NULL `cb` is allowed, as in libuv: connections then wait in the
 *  backlog). Returns the error a bind kept (RUV_EADDRINUSE), or the kernel's;
 *  RUV_EINVAL for a closing stream or an unbound pipe.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `stream` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_listen(stream: *mut ruv_stream_t, backlog: c_int, cb: ruv_connection_cb) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(stream, |lp, h| lp.listen(h, backlog, cb)) }
}

/** Takes the waiting connection into `client` (an initialised handle of the
 *  listener's type, without a descriptor). Call it from `connection_cb`.
 *  RUV_EAGAIN when no connection is waiting; RUV_EBUSY if `client` has a
 *  descriptor already; RUV_EINVAL for handles of different loops.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `server` a
 *  `ruv_stream_t` and `client` a `ruv_stream_t`. Handles and requests
 *  follow the ownership rule (in place, untouched, until their close or
 *  request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_accept(server: *mut ruv_stream_t, client: *mut ruv_stream_t) -> c_int {
    // SAFETY: both validated before use.
    let (lp, server, client) = match unsafe { (checked(server), checked(client)) } {
        (Ok((lp, s)), Ok((client_lp, c))) if lp == client_lp => (lp, s, c),
        (Ok(_), Ok(_)) => return RUV_EINVAL,
        (Err(m), _) | (_, Err(m)) => return m.code,
    };
    // SAFETY: a live loop; no user code runs in `accept`.
    super::status(unsafe { &mut *lp }.accept(server, client))
}

/** Starts reading: `alloc_cb` then `read_cb` for each chunk that arrives.
 *  RUV_EINVAL for NULL callbacks or a closing stream; RUV_ENOTCONN for a
 *  stream that cannot be read (no descriptor); RUV_EALREADY if it is reading
 *  already. After RUV_EOF reading may start again (and gets RUV_EOF again).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `stream` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_read_start(
    stream: *mut ruv_stream_t,
    alloc_cb: ruv_alloc_cb,
    read_cb: ruv_read_cb,
) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(stream, |lp, h| lp.read_start(h, alloc_cb, read_cb)) }
}

/** Stops reading; no more `read_cb` calls until `ruv_read_start`. Data that
 *  arrives meanwhile waits in the kernel.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `stream` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_read_stop(stream: *mut ruv_stream_t) -> c_int {
    // SAFETY: validated before use.
    unsafe {
        call(stream, |lp, h| {
            lp.read_stop(h);
            Ok(())
        })
    }
}

/** Writes `nbufs` buffers in order. When nothing is queued the bytes go out at
 *  once with one system call; what the kernel does not take is queued and
 *  sent when the descriptor is writable. `cb` runs from the loop once all
 *  bytes are written (or on error), never before `ruv_write` returns. The
 *  array `bufs` is copied; the bytes are not. Checked in libuv's order:
 *  RUV_EINVAL for NULL or zero buffers (or a NULL request), RUV_EBADF without
 *  a descriptor, RUV_EPIPE after `ruv_shutdown`. A peer that went away is an
 *  error in `cb` (RUV_EPIPE, RUV_ECONNRESET), never SIGPIPE on a socket.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a `ruv_write_t`,
 *  `handle` a `ruv_stream_t` and `bufs` `nbufs` buffers. Handles and
 *  requests follow the ownership rule (in place, untouched, until their
 *  close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_write(
    req: *mut ruv_write_t,
    handle: *mut ruv_stream_t,
    bufs: *const ruv_buf_t,
    nbufs: c_uint,
    cb: ruv_write_cb,
) -> c_int {
    // SAFETY: the caller's contract: `bufs` has `nbufs` entries.
    let data = match unsafe { buffers(bufs, nbufs) } {
        Ok(data) => data,
        Err(e) => return e.code(),
    };
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    // SAFETY: validated before use; the request is the caller's until its
    // callback.
    unsafe { call(handle, |lp, h| lp.write(h, req, data, None, cb)) }
}

/** `ruv_write` that also passes a handle over an IPC pipe: a duplicate of
 *  `send_handle`'s descriptor (a TCP handle or a pipe) goes to the peer with
 *  the first byte of `bufs`, where `ruv_pipe_pending_count` counts it and
 *  `ruv_accept` turns it into a handle. `send_handle` may be closed once this
 *  returns. NULL `send_handle`: `ruv_write`. RUV_EINVAL if `handle` is not an
 *  IPC pipe (`ruv_pipe_init` with `ipc`) or `bufs` holds no byte;
 *  RUV_EBADF if `send_handle` has no descriptor.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a `ruv_write_t`,
 *  `handle` and `send_handle` a stream (`ruv_tcp_t` or `ruv_pipe_t`) and
 *  `bufs` `nbufs` buffers. Handles and requests follow the ownership rule
 *  (in place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_write2(
    req: *mut ruv_write_t,
    handle: *mut ruv_stream_t,
    bufs: *const ruv_buf_t,
    nbufs: c_uint,
    send_handle: *mut ruv_stream_t,
    cb: ruv_write_cb,
) -> c_int {
    if send_handle.is_null() {
        // SAFETY: forwarded.
        return unsafe { ruv_write(req, handle, bufs, nbufs, cb) };
    }
    // SAFETY: the caller's contract: `bufs` has `nbufs` entries.
    let data = match unsafe { buffers(bufs, nbufs) } {
        Ok(data) => data,
        Err(e) => return e.code(),
    };
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    // The stream written to first (a wrong one is RUV_EINVAL whatever
    // `send_handle` is), then the handle to pass.
    // SAFETY: validated before use.
    if let Err(m) = unsafe { checked(handle.cast_const()) } {
        return m.code;
    }
    // SAFETY: validated before use.
    let fd = match unsafe { checked(send_handle.cast_const()) } {
        Ok((_, sent)) => match LoopInner::fileno(sent) {
            Ok(fd) => fd,
            Err(e) => return e.code(),
        },
        Err(m) => return m.code,
    };
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor or fails.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Error::last_os_error().code();
    }
    let mut handed = false;
    // SAFETY: validated before use; the request is the caller's until its
    // callback; `write` owns the duplicate from here (it closes it however
    // the write ends).
    let r = unsafe {
        call(handle, |lp, h| {
            handed = true;
            lp.write(h, req, data, Some((dup, send_handle)), cb)
        })
    };
    if !handed {
        crate::sys::close(dup); // our duplicate; `write` never saw it
    }
    r
}

/** Writes what the kernel takes now, without queueing: the number of bytes
 *  written (possibly fewer than asked), or RUV_EINVAL for NULL or zero
 *  buffers, RUV_EAGAIN while connecting, with writes queued or when the
 *  kernel takes nothing, RUV_EBADF without a descriptor, RUV_EPIPE when not
 *  writable, or the kernel's error.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_stream_t` and `bufs` `nbufs` buffers. Handles and requests follow
 *  the ownership rule (in place, untouched, until their close or request
 *  callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_try_write(handle: *mut ruv_stream_t, bufs: *const ruv_buf_t, nbufs: c_uint) -> c_int {
    // SAFETY: the caller's contract: `bufs` has `nbufs` entries.
    let data = match unsafe { buffers(bufs, nbufs) } {
        Ok(data) => data,
        Err(e) => return e.code(),
    };
    // SAFETY: validated before use.
    match unsafe { checked(handle) } {
        // SAFETY: a live loop; no user code runs in `try_write`.
        Ok((lp, h)) => unsafe { &mut *lp }.try_write(h, data).unwrap_or_else(Error::code),
        Err(m) => m.code,
    }
}

/** Shuts down the write side once every queued write is written; `cb` runs
 *  then. RUV_ENOTCONN if the stream is not writable or is shutting down
 *  already; RUV_EINVAL for a NULL request.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a
 *  `ruv_shutdown_t` and `handle` a `ruv_stream_t`. Handles and requests
 *  follow the ownership rule (in place, untouched, until their close or
 *  request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_shutdown(
    req: *mut ruv_shutdown_t,
    handle: *mut ruv_stream_t,
    cb: ruv_shutdown_cb,
) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    // SAFETY: validated before use; the request is the caller's until its
    // callback.
    unsafe { call(handle, |lp, h| lp.shutdown(h, req, cb)) }
}

/** Non-zero if the stream can be read from (it has a connected descriptor;
 *  it stays readable after RUV_EOF, until closed).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_readable(handle: *const ruv_stream_t) -> c_int {
    // SAFETY: validated before use.
    unsafe { query("ruv_is_readable", handle, 0, |_, h| crate::stream::is_readable(h) as c_int) }
}

/** Non-zero if the stream can be written to (connected, not shut down).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_is_writable(handle: *const ruv_stream_t) -> c_int {
    // SAFETY: validated before use.
    unsafe { query("ruv_is_writable", handle, 0, |_, h| crate::stream::is_writable(h) as c_int) }
}

/** Makes the stream's descriptor blocking (non-zero) or not. Use with care: a
 *  blocking descriptor blocks the loop.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_stream_set_blocking(handle: *mut ruv_stream_t, blocking: c_int) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| crate::stream::set_blocking(h, blocking != 0)) }
}

/** Bytes queued for writing and not yet written (`write_queue_size`).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `stream` a
 *  `ruv_stream_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_stream_get_write_queue_size(stream: *const ruv_stream_t) -> usize {
    // SAFETY: validated before use.
    unsafe { query("ruv_stream_get_write_queue_size", stream, 0, |_, h| h.stream_public().write_queue_size) }
}
