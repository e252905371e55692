//! The few low-level helpers the core modules share.

use crate::error::{Error, Result};
use std::ffi::c_int;

/// The calling thread's `errno`, as left by the last failed call.
pub(crate) fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// Closes a descriptor of ruv's own that nothing else refers to any more;
/// a negative one (none) is skipped.
pub(crate) fn close(fd: c_int) {
    if fd >= 0 {
        // SAFETY: the caller's descriptor, closed once, used by no one after.
        unsafe { libc::close(fd) };
    }
}

/// Makes `fd` non-blocking (`on`) or blocking.
pub(crate) fn set_nonblocking(fd: c_int, on: bool) -> Result {
    let mut v: c_int = on as c_int;
    // SAFETY: FIONBIO with a valid int pointer; a bad `fd` is an error.
    if unsafe { libc::ioctl(fd, libc::FIONBIO, &mut v) } != 0 { Err(Error::last_os_error()) } else { Ok(()) }
}

/// Runs `write`, a write to a descriptor that is not a socket (a pipe end, a
/// terminal), so that a reader that has gone is EPIPE and never a SIGPIPE
/// that kills the process: SIGPIPE is blocked in this thread for the call,
/// and one the call raised is taken back before the mask is restored (one
/// that was pending before is left alone). Sockets need none of this: they
/// are written with MSG_NOSIGNAL. When SIGPIPE is ignored it is one
/// `sigaction` query more; otherwise four signal calls more, on pipes only.
/// Returns the bytes written or the write's errno.
pub(crate) fn write_without_sigpipe(write: impl FnOnce() -> isize) -> std::result::Result<usize, c_int> {
    let finish = |r: isize| if r >= 0 { Ok(r as usize) } else { Err(errno()) };
    // SAFETY: signal-disposition and signal-mask calls on local structs.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut current) == 0 && current.sa_sigaction == libc::SIG_IGN
        {
            return finish(write());
        }
        let mut pipe_only: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut pipe_only);
        libc::sigaddset(&mut pipe_only, libc::SIGPIPE);
        let mut old: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, &pipe_only, &mut old);
        let mut pending: libc::sigset_t = std::mem::zeroed();
        libc::sigpending(&mut pending);
        let was_pending = libc::sigismember(&pending, libc::SIGPIPE) == 1;
        let result = finish(write());
        if result == Err(libc::EPIPE) && !was_pending {
            let no_wait = libc::timespec { tv_sec: 0, tv_nsec: 0 };
            libc::sigtimedwait(&pipe_only, std::ptr::null_mut(), &no_wait);
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
        result
    }
}

/// libuv's way of handing a name back (the `getpath` functions): `name` and a
/// NUL into `buffer` with `*size` its length, or `RUV_ENOBUFS` with `*size`
/// the size needed.
pub(crate) fn copy_name_out(name: &[u8], buffer: &mut [u8], size: &mut usize) -> Result {
    if name.len() >= buffer.len() {
        *size = name.len() + 1;
        return Err(Error::from_code(crate::abi::RUV_ENOBUFS));
    }
    buffer[..name.len()].copy_from_slice(name);
    buffer[name.len()] = 0;
    *size = name.len();
    Ok(())
}

/// `getsockname` of `fd` (`peer` false) or `getpeername`, into `buf`: the
/// address's length (which may exceed `buf`'s when it was cut).
pub(crate) fn socket_address(fd: c_int, peer: bool, buf: &mut [u8]) -> Result<usize> {
    let mut len = buf.len() as libc::socklen_t;
    let ptr = buf.as_mut_ptr().cast();
    // SAFETY: `buf` has `len` bytes.
    let r = unsafe { if peer { libc::getpeername(fd, ptr, &mut len) } else { libc::getsockname(fd, ptr, &mut len) } };
    if r != 0 { Err(Error::last_os_error()) } else { Ok(len as usize) }
}
