//! Pipes: streams over a pipe or a Unix-domain socket (`ruv_pipe_t`).
//!
//! Everything a pipe does as a stream is `stream.rs`'s (an IPC pipe's
//! passed descriptors too: `read_ipc`, `ruv_write2`); here is what only
//! pipes have: their init, adopting a descriptor, Unix-domain socket names
//! (bind, connect, the names, chmod; filesystem and Linux abstract names),
//! the pending handles of an IPC pipe, and making descriptor pairs
//! (`ruv_pipe`, `ruv_socketpair`).

use crate::abi::{
    RUV_NAMED_PIPE, RUV_NONBLOCK_PIPE, RUV_PIPE_NO_TRUNCATE, RUV_READABLE, RUV_WRITABLE, ruv_connect_cb, ruv_connect_t,
    ruv_handle_t, ruv_pipe_t,
};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind};
use crate::stream::{IPC, READABLE, WRITABLE, connect_fd, handle_type_of, set_access};
use crate::sys::{close, copy_name_out, errno, set_nonblocking};
use std::ffi::{CString, c_int, c_uint};
use std::ptr::NonNull;

/// A Unix-domain socket address for a name, by libuv's rules: not empty, no
/// NUL inside (a leading one makes a Linux abstract name), cut to the 108
/// bytes an address holds unless `RUV_PIPE_NO_TRUNCATE` (then RUV_EINVAL).
struct UnixAddr {
    addr: libc::sockaddr_un,
    len: libc::socklen_t,
    /// The name as bound (after any cut).
    name_len: usize,
}

impl UnixAddr {
    fn new(name: &[u8], flags: c_uint) -> Result<UnixAddr> {
        if flags & !(RUV_PIPE_NO_TRUNCATE as c_uint) != 0 || name.is_empty() || name[1..].contains(&0) {
            return Err(Error::INVAL);
        }
        // SAFETY: zeroes are a valid sockaddr_un.
        let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        let room = addr.sun_path.len();
        if name.len() > room && flags & RUV_PIPE_NO_TRUNCATE as c_uint != 0 {
            return Err(Error::INVAL);
        }
        let name = &name[..name.len().min(room)];
        addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
        for (dst, src) in addr.sun_path.iter_mut().zip(name) {
            *dst = *src as libc::c_char;
        }
        let len = if name[0] == 0 {
            std::mem::offset_of!(libc::sockaddr_un, sun_path) + name.len()
        } else {
            size_of::<libc::sockaddr_un>()
        };
        Ok(UnixAddr { addr, len: len as libc::socklen_t, name_len: name.len() })
    }

    fn is_abstract(&self) -> bool {
        self.addr.sun_path[0] == 0
    }

    fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.addr).cast()
    }
}

/// A new non-blocking, close-on-exec Unix-domain stream socket.
fn unix_socket() -> Result<c_int> {
    // SAFETY: plain socket creation.
    let fd = unsafe { libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 { Err(Error::last_os_error()) } else { Ok(fd) }
}

/// A pipe handle's struct.
fn pipe_struct<'a>(h: Handle) -> &'a mut ruv_pipe_t {
    // SAFETY: a pipe handle's struct is a `ruv_pipe_t`, the caller's until
    // its close callback; ruv touches it on the loop thread only.
    unsafe { &mut *h.cast::<ruv_pipe_t>() }
}

/// `ruv_pipe`: a pipe, both ends close-on-exec, each non-blocking if its
/// flags have `RUV_NONBLOCK_PIPE`.
pub(crate) fn pipe_pair(read_flags: c_int, write_flags: c_int) -> Result<[c_int; 2]> {
    let mut fds = [-1; 2];
    // SAFETY: room for two descriptors.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(Error::last_os_error());
    }
    set_pair_nonblocking(fds, [read_flags, write_flags])
}

/// `ruv_socketpair`: a connected Unix-domain pair of `kind` (SOCK_STREAM,
/// SOCK_DGRAM, ...), both close-on-exec, non-blocking as their flags say.
pub(crate) fn socket_pair(kind: c_int, protocol: c_int, flags: [c_int; 2]) -> Result<[c_int; 2]> {
    let mut fds = [-1; 2];
    // SAFETY: room for two descriptors.
    if unsafe { libc::socketpair(libc::AF_UNIX, kind | libc::SOCK_CLOEXEC, protocol, fds.as_mut_ptr()) } != 0 {
        return Err(Error::last_os_error());
    }
    set_pair_nonblocking(fds, flags)
}

fn set_pair_nonblocking(fds: [c_int; 2], flags: [c_int; 2]) -> Result<[c_int; 2]> {
    for (fd, f) in fds.iter().zip(flags) {
        if f & RUV_NONBLOCK_PIPE != 0 {
            if let Err(e) = set_nonblocking(*fd, true) {
                fds.iter().for_each(|fd| close(*fd));
                return Err(e);
            }
        }
    }
    Ok(fds)
}

impl LoopInner {
    /// `ruv_pipe_init`. `ipc`: the pipe passes handles (`ruv_write2`,
    /// `ruv_pipe_pending_count`); kept in the public field too.
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
            if ipc {
                pipe.stream.flags |= IPC;
            }
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
        set_access(h, mode & libc::O_ACCMODE);
        Ok(())
    }

    /// `ruv_pipe_bind2`: a new socket bound to `name`. A filesystem name is
    /// kept (`pipe_fname`) and unlinked when the pipe closes, as in libuv.
    pub(crate) fn pipe_bind(&mut self, h: Handle, name: &[u8], flags: c_uint) -> Result {
        let addr = UnixAddr::new(name, flags)?;
        if h.stream().fd >= 0 || h.is_closing() {
            return Err(Error::INVAL);
        }
        let fd = unix_socket()?;
        // SAFETY: a valid address of `len` bytes.
        if unsafe { libc::bind(fd, addr.as_ptr(), addr.len) } != 0 {
            let e = errno();
            close(fd);
            // As libuv: ENOENT (a missing directory) reads as EACCES, as on Windows.
            return Err(Error::from_errno(if e == libc::ENOENT { libc::EACCES } else { e }));
        }
        let path = (!addr.is_abstract()).then(|| CString::new(&name[..addr.name_len]).expect("no NUL inside"));
        if let Err(e) = self.stream_open(h, fd, false) {
            if let Some(path) = &path {
                // SAFETY: the name just bound.
                unsafe { libc::unlink(path.as_ptr()) };
            }
            close(fd);
            return Err(e);
        }
        if let Some(path) = path {
            pipe_struct(h).pipe_fname = path.into_raw();
        }
        Ok(())
    }

    /// `ruv_pipe_connect2`. Bad arguments are returned; a connect that fails
    /// (no such name, refused, the listener's backlog full) reaches the
    /// callback from the pending phase, as in libuv.
    pub(crate) fn pipe_connect(
        &mut self,
        h: Handle,
        req: NonNull<ruv_connect_t>,
        name: &[u8],
        flags: c_uint,
        cb: ruv_connect_cb,
    ) -> Result {
        let addr = UnixAddr::new(name, flags)?;
        self.connect_check(h)?;
        let fd = h.stream().fd;
        let new_fd = if fd < 0 { unix_socket()? } else { fd };
        let status = match connect_fd(new_fd, addr.as_ptr(), addr.len) {
            Ok(()) => 0,
            Err(e) => -e,
        };
        if fd < 0 && status != 0 {
            close(new_fd); // the handle stays without a descriptor
        } else if fd < 0 {
            if let Err(e) = self.stream_open(h, new_fd, true) {
                close(new_fd);
                return Err(e);
            }
        } else if status == 0 {
            h.stream().flags |= READABLE | WRITABLE;
        }
        self.connect_start(h, req, cb, status);
        Ok(())
    }

    /// `ruv_pipe_getsockname` (`peer` false) and `ruv_pipe_getpeername`:
    /// the name into `buffer`, its length into `size` (a filesystem name
    /// NUL-terminated; an abstract one starts with its NUL); RUV_ENOBUFS
    /// with the size needed when it does not fit.
    pub(crate) fn pipe_name(h: Handle, peer: bool, buffer: &mut [u8], size: &mut usize) -> Result {
        let fd = h.stream().fd;
        let name = socket_name(fd, peer).inspect_err(|_| *size = 0)?;
        copy_name_out(&name, buffer, size)
    }

    /// `ruv_pipe_chmod`: makes the bound name readable and/or writable by
    /// everyone (`RUV_READABLE`, `RUV_WRITABLE`).
    pub(crate) fn pipe_chmod(h: Handle, mode: c_int) -> Result {
        let fd = h.stream().fd;
        if fd < 0 {
            return Err(Error::BADF);
        }
        if !(1..=(RUV_READABLE | RUV_WRITABLE)).contains(&mode) {
            return Err(Error::INVAL);
        }
        let name = socket_name(fd, false)?;
        // An abstract name has no file: stat("") fails with ENOENT, as libuv's does.
        let path = CString::new(name).unwrap_or_default();
        // SAFETY: zeroes are a valid stat buffer.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: a NUL-terminated path and a stat buffer.
        if unsafe { libc::stat(path.as_ptr(), &mut st) } != 0 {
            return Err(Error::last_os_error());
        }
        let mut wanted = 0;
        if mode & RUV_READABLE != 0 {
            wanted |= libc::S_IRUSR | libc::S_IRGRP | libc::S_IROTH;
        }
        if mode & RUV_WRITABLE != 0 {
            wanted |= libc::S_IWUSR | libc::S_IWGRP | libc::S_IWOTH;
        }
        if st.st_mode & wanted == wanted {
            return Ok(());
        }
        // SAFETY: as above.
        if unsafe { libc::chmod(path.as_ptr(), st.st_mode | wanted) } != 0 {
            return Err(Error::last_os_error());
        }
        Ok(())
    }

    /// A pipe is closing: its filesystem name goes first (before the
    /// descriptor, so a socket another process binds to the name meanwhile
    /// is not the one removed), as in libuv.
    pub(crate) fn pipe_close(h: Handle) {
        let pipe = pipe_struct(h);
        let fname = std::mem::replace(&mut pipe.pipe_fname, std::ptr::null());
        if !fname.is_null() {
            // SAFETY: made by `CString::into_raw` in `pipe_bind`, freed once.
            let path = unsafe { CString::from_raw(fname.cast_mut()) };
            // SAFETY: a NUL-terminated path.
            unsafe { libc::unlink(path.as_ptr()) };
        }
    }

    /// `ruv_pipe_pending_count`: descriptors received on an IPC pipe and
    /// not yet accepted (0 for another pipe).
    pub(crate) fn pipe_pending_count(h: Handle) -> c_int {
        let s = h.stream();
        if s.flags & IPC == 0 || s.accepted_fd < 0 {
            return 0;
        }
        // SAFETY: NULL, or the `Vec<c_int>` of received descriptors.
        let queued = unsafe { s.queued_fds.cast::<Vec<c_int>>().as_ref() }.map_or(0, Vec::len);
        (1 + queued) as c_int
    }

    /// `ruv_pipe_pending_type`: the kind of handle the next received
    /// descriptor makes (`RUV_UNKNOWN_HANDLE` when there is none).
    pub(crate) fn pipe_pending_type(h: Handle) -> crate::abi::ruv_handle_type {
        let s = h.stream();
        if s.flags & IPC == 0 || s.accepted_fd < 0 {
            return crate::abi::RUV_UNKNOWN_HANDLE;
        }
        handle_type_of(s.accepted_fd)
    }
}

/// The local or peer name of a Unix-domain socket: a filesystem path up to
/// its NUL, an abstract name with its leading NUL.
fn socket_name(fd: c_int, peer: bool) -> Result<Vec<u8>> {
    if fd < 0 {
        return Err(Error::BADF);
    }
    let mut raw = [0u8; size_of::<libc::sockaddr_un>()];
    let len = crate::sys::socket_address(fd, peer, &mut raw)?.min(raw.len());
    let offset = std::mem::offset_of!(libc::sockaddr_un, sun_path);
    let path = &raw[offset.min(len)..len];
    Ok(match path.first() {
        Some(0) => path.to_vec(),
        _ => path.iter().take_while(|b| **b != 0).copied().collect(),
    })
}
