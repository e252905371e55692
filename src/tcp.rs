//! TCP: sockets for stream handles, bind, connect, names and options.
//!
//! As in libuv, a TCP handle gets its socket lazily, from the first call that
//! knows the address family (`ruv_tcp_bind`, `ruv_tcp_connect`), or at once
//! from `ruv_tcp_init_ex` with a family. Every socket is non-blocking and
//! close-on-exec. Bind sets SO_REUSEADDR and keeps EADDRINUSE for
//! `ruv_listen` to report, as libuv does.

use crate::error::*;
use crate::event_loop::LoopInner;
use crate::ffi::handle::{self, ruv_handle_t};
use crate::ffi::stream::{ruv_connect_cb, ruv_connect_t};
use crate::handle_state::{self, Kind, CLOSING};
use crate::sys::errno;
use crate::stream::{sp, CONNECTING, KEEPALIVE, NODELAY, SHUTTING};
use std::ffi::{c_int, c_uint, c_void};
use std::ptr::null_mut;

/// `ruv_tcp_bind` flag: an IPv6 socket that does not take IPv4 connections.
pub const RUV_TCP_IPV6ONLY: c_uint = 1;

/// The length of a socket address of a family ruv connects and binds.
pub(crate) unsafe fn addr_len(addr: *const libc::sockaddr) -> Result<libc::socklen_t, c_int> {
    if addr.is_null() {
        return Err(RUV_EINVAL);
    }
    // SAFETY: every sockaddr starts with its family.
    match unsafe { (*addr).sa_family } as c_int {
        libc::AF_INET => Ok(std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t),
        libc::AF_INET6 => Ok(std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t),
        _ => Err(RUV_EINVAL),
    }
}

fn setsockopt_int(fd: c_int, level: c_int, name: c_int, value: c_int) -> Result<(), c_int> {
    // SAFETY: an int option.
    let r = unsafe {
        libc::setsockopt(fd, level, name, (&raw const value).cast(), std::mem::size_of::<c_int>() as libc::socklen_t)
    };
    if r == 0 { Ok(()) } else { Err(-errno()) }
}

fn set_keepalive(fd: c_int, on: bool, delay: c_uint) -> Result<(), c_int> {
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, on as c_int)?;
    if on && delay > 0 {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, delay as c_int)?;
    }
    Ok(())
}

/// Applies the options asked for before the socket existed.
pub(crate) fn apply_options(h: *mut ruv_handle_t) {
    let s = sp(h);
    if s.flags & NODELAY != 0 {
        let _ = setsockopt_int(s.fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, 1);
    }
    if s.flags & KEEPALIVE != 0 {
        let _ = set_keepalive(s.fd, true, s.keepalive_delay);
    }
}

impl LoopInner {
    /// `ruv_tcp_init_ex`: the low 8 bits of `flags` are an address family
    /// (AF_UNSPEC: no socket yet); no other bits are defined.
    pub(crate) unsafe fn tcp_init(&mut self, h: *mut ruv_handle_t, flags: c_uint) -> Result<(), c_int> {
        let family = (flags & 0xff) as c_int;
        if flags & !0xff != 0 || !matches!(family, libc::AF_UNSPEC | libc::AF_INET | libc::AF_INET6) {
            return Err(RUV_EINVAL);
        }
        let key = unsafe { self.register(h, handle::RUV_TCP, Kind::Tcp) };
        // SAFETY: the caller's struct, now a registered stream.
        unsafe {
            let stream = h.cast::<crate::ffi::stream::ruv_stream_t>();
            (*stream).write_queue_size = 0;
            (*stream).alloc_cb = null_mut();
            (*stream).read_cb = null_mut();
            std::ptr::write_bytes(&raw mut (*stream).stream, 0, 1);
        }
        let s = sp(h);
        s.fd = -1;
        s.accepted_fd = -1;
        if family != libc::AF_UNSPEC {
            if let Err(e) = self.tcp_socket(h, key, family, false) {
                // As libuv: no handle is left behind when init fails.
                self.handles.remove(key);
                unsafe { handle::set_state(h, handle::HANDLE_CLOSED) };
                return Err(e);
            }
        }
        Ok(())
    }

    /// Makes the handle's socket if it has none. `connected`: for a connect,
    /// which makes the stream readable and writable (a socket that exists
    /// already too).
    pub(crate) fn tcp_socket(&mut self, h: *mut ruv_handle_t, key: u32, family: c_int, connected: bool) -> Result<(), c_int> {
        if sp(h).fd >= 0 {
            if connected {
                sp(h).flags |= crate::stream::READABLE | crate::stream::WRITABLE;
            }
            return Ok(());
        }
        // SAFETY: a new socket, closed below if it cannot be registered.
        let fd = unsafe {
            libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0)
        };
        if fd < 0 {
            return Err(-errno());
        }
        if let Err(e) = self.stream_open(h, key, fd, connected) {
            unsafe { libc::close(fd) };
            return Err(e);
        }
        apply_options(h);
        Ok(())
    }

    /// `ruv_tcp_open`: adopts an existing socket (made non-blocking).
    pub(crate) fn tcp_open(&mut self, h: *mut ruv_handle_t, key: u32, fd: c_int) -> Result<(), c_int> {
        // SAFETY: F_GETFD only asks whether the descriptor exists.
        if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(RUV_EBADF);
        }
        if sp(h).fd >= 0 {
            return Err(RUV_EBUSY);
        }
        crate::sys::set_nonblocking(fd, true)?;
        self.stream_open(h, key, fd, true)?;
        apply_options(h);
        Ok(())
    }

    pub(crate) unsafe fn tcp_bind(&mut self, h: *mut ruv_handle_t, key: u32, addr: *const libc::sockaddr, flags: c_uint) -> Result<(), c_int> {
        let len = unsafe { addr_len(addr) }?;
        let family = unsafe { (*addr).sa_family } as c_int;
        if flags & !RUV_TCP_IPV6ONLY != 0 || (flags & RUV_TCP_IPV6ONLY != 0 && family != libc::AF_INET6) {
            return Err(RUV_EINVAL);
        }
        self.tcp_socket(h, key, family, false)?;
        let fd = sp(h).fd;
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        if family == libc::AF_INET6 {
            setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, (flags & RUV_TCP_IPV6ONLY != 0) as c_int)?;
        }
        // SAFETY: `len` bytes of address, checked above.
        if unsafe { libc::bind(fd, addr, len) } != 0 {
            let e = errno();
            if e != libc::EADDRINUSE {
                return Err(-e);
            }
            sp(h).delayed_error = RUV_EADDRINUSE; // reported by ruv_listen
        }
        Ok(())
    }

    pub(crate) unsafe fn tcp_connect(
        &mut self,
        h: *mut ruv_handle_t,
        key: u32,
        req: *mut ruv_connect_t,
        addr: *const libc::sockaddr,
        cb: ruv_connect_cb,
    ) -> Result<(), c_int> {
        let len = unsafe { addr_len(addr) }?;
        if unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        let s = sp(h);
        if !s.connect_req.is_null() {
            return Err(RUV_EALREADY);
        }
        if s.flags & SHUTTING != 0 {
            return Err(RUV_ENOTCONN);
        }
        self.tcp_socket(h, key, unsafe { (*addr).sa_family } as c_int, true)?;
        let s = sp(h);
        s.delayed_error = 0;
        let r = loop {
            // SAFETY: `len` bytes of address, checked above.
            let r = unsafe { libc::connect(s.fd, addr, len) };
            if r == 0 || errno() != libc::EINTR {
                break r;
            }
        };
        if r != 0 {
            match errno() {
                libc::EINPROGRESS => {}
                // Reported through the callback, as libuv does.
                libc::ECONNREFUSED => s.delayed_error = RUV_ECONNREFUSED,
                e => return Err(-e),
            }
        }
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            (*req).r#type = crate::ffi::req::RUV_CONNECT;
            (*req).cb = cb.map_or(null_mut(), |f| f as *mut c_void);
            (*req).handle = h.cast();
        }
        s.connect_req = req;
        s.flags |= CONNECTING;
        self.active_reqs += 1;
        self.sync_active_reqs();
        if sp(h).delayed_error != 0 {
            self.schedule_pending(h);
        }
        Ok(())
    }

    /// `ruv_tcp_getsockname` (`peer` false) and `ruv_tcp_getpeername`.
    pub(crate) unsafe fn tcp_name(h: *mut ruv_handle_t, peer: bool, name: *mut libc::sockaddr, namelen: *mut c_int) -> Result<(), c_int> {
        if name.is_null() || namelen.is_null() {
            return Err(RUV_EINVAL);
        }
        let s = sp(h);
        if s.delayed_error != 0 {
            return Err(s.delayed_error);
        }
        if s.fd < 0 {
            return Err(RUV_EBADF);
        }
        // SAFETY: the caller gives `*namelen` bytes at `name`.
        unsafe {
            let mut len = *namelen as libc::socklen_t;
            let r = if peer {
                libc::getpeername(s.fd, name, &mut len)
            } else {
                libc::getsockname(s.fd, name, &mut len)
            };
            if r != 0 {
                return Err(-errno());
            }
            *namelen = len as c_int;
        }
        Ok(())
    }

    pub(crate) fn tcp_nodelay(h: *mut ruv_handle_t, on: bool) -> Result<(), c_int> {
        let s = sp(h);
        if s.fd >= 0 {
            setsockopt_int(s.fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, on as c_int)?;
        }
        if on { s.flags |= NODELAY } else { s.flags &= !NODELAY }
        Ok(())
    }

    pub(crate) fn tcp_keepalive(h: *mut ruv_handle_t, on: bool, delay: c_uint) -> Result<(), c_int> {
        let s = sp(h);
        if s.fd >= 0 {
            set_keepalive(s.fd, on, delay)?;
        }
        if on { s.flags |= KEEPALIVE } else { s.flags &= !KEEPALIVE }
        s.keepalive_delay = delay;
        Ok(())
    }

    /// `ruv_tcp_close_reset`'s first half: the close that follows sends RST.
    pub(crate) fn tcp_set_reset(h: *mut ruv_handle_t) -> Result<(), c_int> {
        let s = sp(h);
        if s.flags & SHUTTING != 0 {
            return Err(RUV_EINVAL);
        }
        if s.fd >= 0 {
            let linger = libc::linger { l_onoff: 1, l_linger: 0 };
            // SAFETY: SO_LINGER with a linger struct.
            let r = unsafe {
                libc::setsockopt(
                    s.fd,
                    libc::SOL_SOCKET,
                    libc::SO_LINGER,
                    (&raw const linger).cast(),
                    std::mem::size_of::<libc::linger>() as libc::socklen_t,
                )
            };
            if r != 0 {
                return Err(-errno());
            }
        }
        Ok(())
    }
}
