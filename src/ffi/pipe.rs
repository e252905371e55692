//! Pipes: `ruv_pipe_init`, `ruv_pipe_open`, Unix-domain socket names
//! (`bind`, `connect`, their `2` forms, the names, `chmod`), and descriptor
//! pairs (`ruv_pipe`, `ruv_socketpair`). The stream calls take a pipe cast
//! to `ruv_stream_t *`.

use super::{NULL_ARG, call, call_void, init, query, report};
use crate::abi::*;
use crate::error::Result;
use crate::event_loop::LoopInner;
use std::ffi::{CStr, c_char, c_int, c_uint};
use std::ptr::NonNull;

/// A C name of `len` bytes (`len` None: NUL-terminated), or None for NULL.
///
/// # Safety
/// `name` is NULL, or has `len` readable bytes (a NUL-terminated string).
unsafe fn name_bytes<'a>(name: *const c_char, len: Option<usize>) -> Option<&'a [u8]> {
    if name.is_null() {
        return None;
    }
    // SAFETY: the caller's contract.
    Some(unsafe {
        match len {
            Some(len) => std::slice::from_raw_parts(name.cast::<u8>(), len),
            None => CStr::from_ptr(name).to_bytes(),
        }
    })
}

/** Initialises a pipe handle. `ipc` non-zero makes a pipe that passes
 *  handles (`ruv_write2`, `ruv_pipe_pending_count`; kept in `pipe->ipc`);
 *  such a pipe does not listen.
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

/** Binds the pipe to `name`, a path, or with a leading NUL byte a Linux
 *  abstract name (`namelen` bytes; no NUL inside). A name longer than a
 *  socket address holds (108 bytes) is cut, or with `RUV_PIPE_NO_TRUNCATE`
 *  refused with RUV_EINVAL. A path is unlinked when the pipe closes.
 *  RUV_EINVAL if the pipe is bound, open or closing, or `name` is NULL or
 *  empty; RUV_EADDRINUSE if the path exists; RUV_EACCES if it cannot be made
 *  (a missing directory too, as in libuv).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`
 *  and `name` `namelen` readable bytes. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_bind2(
    handle: *mut ruv_pipe_t,
    name: *const c_char,
    namelen: usize,
    flags: c_uint,
) -> c_int {
    // SAFETY: the caller gives `namelen` bytes at `name`.
    let Some(name) = (unsafe { name_bytes(name, Some(namelen)) }) else { return RUV_EINVAL };
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.pipe_bind(h, name, flags)) }
}

/** `ruv_pipe_bind2` with a NUL-terminated `name` and no flags (a long name
 *  is cut).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`
 *  and `name` a NUL-terminated string. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_bind(handle: *mut ruv_pipe_t, name: *const c_char) -> c_int {
    // SAFETY: a NUL-terminated string or NULL.
    let Some(name) = (unsafe { name_bytes(name, None) }) else { return RUV_EINVAL };
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.pipe_bind(h, name, 0)) }
}

/** Connects to the pipe bound to `name` (`namelen` bytes, as for
 *  `ruv_pipe_bind2`). Bad arguments are returned (RUV_EINVAL; RUV_EALREADY
 *  while a connect is in flight); a connect that fails (RUV_ENOENT,
 *  RUV_ECONNREFUSED, RUV_EAGAIN when the listener's backlog is full) is
 *  reported to `cb`, from the loop, never inside this call.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a
 *  `ruv_connect_t`, `handle` a `ruv_pipe_t` and `name` `namelen` readable
 *  bytes. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_connect2(
    req: *mut ruv_connect_t,
    handle: *mut ruv_pipe_t,
    name: *const c_char,
    namelen: usize,
    flags: c_uint,
    cb: ruv_connect_cb,
) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    // SAFETY: the caller gives `namelen` bytes at `name`.
    let Some(name) = (unsafe { name_bytes(name, Some(namelen)) }) else { return RUV_EINVAL };
    // SAFETY: validated before use; the request is the caller's until its
    // callback.
    unsafe { call(handle, |lp, h| lp.pipe_connect(h, req, name, flags, cb)) }
}

/** `ruv_pipe_connect2` with a NUL-terminated `name` and no flags. It
 *  returns nothing, so every error, a bad name too, reaches `cb` (as in
 *  libuv); only what leaves no callback to call (a NULL request, a handle
 *  that is not a live pipe, a connect already in flight, a closing pipe)
 *  prints one line instead.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `req` a
 *  `ruv_connect_t`, `handle` a `ruv_pipe_t` and `name` a NUL-terminated
 *  string. Handles and requests follow the ownership rule (in place,
 *  untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_connect(
    req: *mut ruv_connect_t,
    handle: *mut ruv_pipe_t,
    name: *const c_char,
    cb: ruv_connect_cb,
) {
    const FUNCTION: &str = "ruv_pipe_connect";
    let Some(req) = NonNull::new(req) else { return report(FUNCTION, NULL_ARG) };
    // SAFETY: a NUL-terminated string or NULL.
    let name = unsafe { name_bytes(name, None) }.unwrap_or_default();
    // SAFETY: validated before use; the request is the caller's until its
    // callback.
    unsafe {
        call_void(FUNCTION, handle, |lp, h| {
            if let Err(e) = lp.pipe_connect(h, req, name, 0, cb) {
                if lp.connect_check(h).is_ok() {
                    lp.connect_start(h, req, cb, e.code());
                } else {
                    eprintln!(
                        "ruv: {FUNCTION}: {}",
                        CStr::from_ptr(super::error::ruv_strerror(e.code())).to_string_lossy()
                    );
                }
            }
        })
    }
}

/// `ruv_pipe_getsockname` and `ruv_pipe_getpeername`.
///
/// # Safety
/// `handle` as for `call`; `size` NULL or an `size_t`; `buffer` NULL or
/// `*size` writable bytes.
unsafe fn name(handle: *const ruv_pipe_t, peer: bool, buffer: *mut c_char, size: *mut usize) -> c_int {
    if size.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller gives `*size` bytes at `buffer` (none for NULL).
    let (buf, size): (&mut [u8], &mut usize) = unsafe {
        let room = if buffer.is_null() { 0 } else { *size };
        (if room == 0 { &mut [] } else { std::slice::from_raw_parts_mut(buffer.cast(), room) }, &mut *size)
    };
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::pipe_name(h, peer, buf, size)) }
}

/** The name the pipe is bound to, into `buffer` (`*size` bytes; `*size`
 *  becomes the name's length, without the NUL that ends a path; an abstract
 *  name starts with its NUL). RUV_ENOBUFS, with `*size` the room needed,
 *  when it does not fit; RUV_EBADF for a pipe with no socket.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`,
 *  `size` a `size_t` and `buffer` `*size` writable bytes. Handles and
 *  requests follow the ownership rule (in place, untouched, until their
 *  close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_getsockname(
    handle: *const ruv_pipe_t,
    buffer: *mut c_char,
    size: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { name(handle, false, buffer, size) }
}

/** The name of the pipe the handle is connected to, as `ruv_pipe_getsockname`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`,
 *  `size` a `size_t` and `buffer` `*size` writable bytes. Handles and
 *  requests follow the ownership rule (in place, untouched, until their
 *  close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_getpeername(
    handle: *const ruv_pipe_t,
    buffer: *mut c_char,
    size: *mut usize,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { name(handle, true, buffer, size) }
}

/** Windows-only in libuv (the number of pipe instances of a server); does
 *  nothing here.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_pending_instances(handle: *mut ruv_pipe_t, count: c_int) {
    let _ = count;
    // SAFETY: validated before use.
    unsafe { call_void("ruv_pipe_pending_instances", handle, |_, _| {}) }
}

/** Makes the bound pipe's file readable (`RUV_READABLE`) and/or writable
 *  (`RUV_WRITABLE`) by every user. RUV_EBADF for a pipe with no socket,
 *  RUV_EINVAL for other flags; an abstract name has no file (RUV_ENOENT).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_chmod(handle: *mut ruv_pipe_t, flags: c_int) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |_, h| LoopInner::pipe_chmod(h, flags)) }
}

/// Writes a pair of new descriptors to `fds`.
///
/// # Safety
/// `fds` is NULL or has room for two descriptors.
unsafe fn pair_out(fds: *mut c_int, made: impl FnOnce() -> Result<[c_int; 2]>) -> c_int {
    if fds.is_null() {
        return RUV_EINVAL;
    }
    match made() {
        Ok(pair) => {
            // SAFETY: the caller's array of two.
            unsafe { fds.cast::<[c_int; 2]>().write(pair) };
            0
        }
        Err(e) => e.code(),
    }
}

/** A pipe: `fds[0]` the read end, `fds[1]` the write end, both
 *  close-on-exec; an end is non-blocking if its flags have
 *  `RUV_NONBLOCK_PIPE`. The descriptors are the caller's.
 *
 *  # Safety
 *  `fds` is NULL or has room for two descriptors.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe(fds: *mut ruv_file, read_flags: c_int, write_flags: c_int) -> c_int {
    // SAFETY: forwarded.
    unsafe { pair_out(fds, || crate::pipe::pipe_pair(read_flags, write_flags)) }
}

/** A connected pair of Unix-domain sockets of `type` (`SOCK_STREAM`,
 *  `SOCK_DGRAM`, ...) and `protocol` (0), both close-on-exec; each
 *  non-blocking if its flags have `RUV_NONBLOCK_PIPE`. The descriptors are
 *  the caller's.
 *
 *  # Safety
 *  `fds` is NULL or has room for two descriptors.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_socketpair(
    r#type: c_int,
    protocol: c_int,
    fds: *mut ruv_os_sock_t,
    flags0: c_int,
    flags1: c_int,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { pair_out(fds, || crate::pipe::socket_pair(r#type, protocol, [flags0, flags1])) }
}

/** Handles received on an IPC pipe and not yet accepted (0 for a pipe that
 *  is not IPC). Accept each with `ruv_accept` into a handle of
 *  `ruv_pipe_pending_type`'s type; those left are closed with the pipe.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_pending_count(handle: *mut ruv_pipe_t) -> c_int {
    // SAFETY: validated before use.
    unsafe { query("ruv_pipe_pending_count", handle, 0, |_, h| LoopInner::pipe_pending_count(h)) }
}

/** The type of handle the next received handle makes: `RUV_TCP`,
 *  `RUV_NAMED_PIPE`, `RUV_UDP`, or `RUV_UNKNOWN_HANDLE` when none is pending.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a `ruv_pipe_t`.
 *  Handles and requests follow the ownership rule (in place, untouched,
 *  until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_pipe_pending_type(handle: *mut ruv_pipe_t) -> ruv_handle_type {
    // SAFETY: validated before use.
    unsafe { query("ruv_pipe_pending_type", handle, RUV_UNKNOWN_HANDLE, |_, h| LoopInner::pipe_pending_type(h)) }
}
