//! The few system-call helpers the core modules share.

use crate::error::{Error, Result};
use std::ffi::c_int;

/// The calling thread's `errno`, as left by the last failed call.
pub(crate) fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
}

/// Makes `fd` non-blocking (`on`) or blocking.
pub(crate) fn set_nonblocking(fd: c_int, on: bool) -> Result {
    let mut v: c_int = on as c_int;
    // SAFETY: FIONBIO with a valid int pointer; a bad `fd` is an error.
    if unsafe { libc::ioctl(fd, libc::FIONBIO, &mut v) } != 0 { Err(Error::last_os_error()) } else { Ok(()) }
}
