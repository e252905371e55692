//! Pipes: streams over a pipe or a Unix-domain socket (`ruv_pipe_t`).
//!
//! Everything a pipe does as a stream is `stream.rs`'s; here is what only
//! pipes have: their init and adopting a descriptor. Binding and connecting
//! to names, and passing handles over IPC pipes, come with the process issue.

use crate::abi::{RUV_NAMED_PIPE, ruv_handle_t, ruv_pipe_t};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind};
use crate::stream::{READABLE, WRITABLE};
use std::ffi::c_int;
use std::ptr::NonNull;

impl LoopInner {
    /// `ruv_pipe_init`. `ipc` is kept in the public field (handle passing
    /// is not there yet: an IPC pipe carries bytes like any other).
    ///
    /// # Safety
    /// `h` points at a pipe handle struct that the caller hands to ruv until
    /// its close callback.
    pub(crate) unsafe fn pipe_init(&mut self, h: NonNull<ruv_handle_t>, ipc: bool) -> Result {
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_NAMED_PIPE, Kind::Pipe) }?;
        Self::stream_init(h);
        // SAFETY: a pipe handle's struct is a `ruv_pipe_t`.
        unsafe {
            let pipe = &mut *h.cast::<ruv_pipe_t>();
            pipe.ipc = ipc as c_int;
            pipe.pipe_fname = std::ptr::null();
        }
        Ok(())
    }

    /// `ruv_pipe_open`: adopts an existing descriptor (a pipe end or a
    /// socket), made non-blocking. Readable and writable as its access
    /// mode says, as in libuv. Opening the descriptor the pipe has already
    /// is allowed (libuv's `uv__stream_open`); another one is RUV_EBUSY.
    pub(crate) fn pipe_open(&mut self, h: Handle, fd: c_int) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        // SAFETY: F_GETFL reads the descriptor's flags, or fails.
        let mode = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if fd < 0 || mode < 0 {
            return Err(Error::BADF);
        }
        crate::sys::set_nonblocking(fd, true)?;
        self.stream_open(h, fd, false)?;
        let access = mode & libc::O_ACCMODE;
        let s = h.stream();
        if access != libc::O_WRONLY {
            s.flags |= READABLE;
        }
        if access != libc::O_RDONLY {
            s.flags |= WRITABLE;
        }
        Ok(())
    }
}
