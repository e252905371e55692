//! TCP: sockets for stream handles, bind, connect, names and options.
//!
//! As in libuv, a TCP handle gets its socket lazily, from the first call that
//! knows the address family (`ruv_tcp_bind`, `ruv_tcp_connect`), or at once
//! from `ruv_tcp_init_ex` with a family. Every socket is non-blocking and
//! close-on-exec. Bind sets SO_REUSEADDR and keeps EADDRINUSE for
//! `ruv_listen` to report, as libuv does.

use crate::abi::{
    RUV_EADDRINUSE, RUV_ECONNREFUSED, RUV_TCP, RUV_TCP_IPV6ONLY, ruv_connect_cb, ruv_connect_t, ruv_handle_t,
};
use crate::addr::SockAddr;
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind};
use crate::stream::{KEEPALIVE, NODELAY, READABLE, SHUTTING, WRITABLE};
use crate::sys::errno;
use std::ffi::{c_int, c_uint};
use std::ptr::NonNull;

fn setsockopt_int(fd: c_int, level: c_int, name: c_int, value: c_int) -> Result {
    // SAFETY: an int option.
    let r = unsafe {
        libc::setsockopt(fd, level, name, (&raw const value).cast(), std::mem::size_of::<c_int>() as libc::socklen_t)
    };
    if r == 0 { Ok(()) } else { Err(Error::last_os_error()) }
}

fn set_keepalive(fd: c_int, on: bool, delay: c_uint) -> Result {
    setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, on as c_int)?;
    if on && delay > 0 {
        setsockopt_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, delay as c_int)?;
    }
    Ok(())
}

/// Applies the options asked for before the socket existed.
pub(crate) fn apply_options(h: Handle) {
    let s = h.stream();
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
    ///
    /// # Safety
    /// `h` points at a TCP handle struct that the caller hands to ruv until
    /// its close callback.
    pub(crate) unsafe fn tcp_init(&mut self, h: NonNull<ruv_handle_t>, flags: c_uint) -> Result {
        let family = (flags & 0xff) as c_int;
        if flags & !0xff != 0 || !matches!(family, libc::AF_UNSPEC | libc::AF_INET | libc::AF_INET6) {
            return Err(Error::INVAL);
        }
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_TCP, Kind::Tcp) }?;
        Self::stream_init(h);
        if family != libc::AF_UNSPEC {
            if let Err(e) = self.tcp_socket(h, family, false) {
                // As libuv: no handle is left behind when init fails.
                self.unregister(h);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Makes the handle's socket if it has none. `connected`: for a connect,
    /// which makes the stream readable and writable (a socket that exists
    /// already too).
    pub(crate) fn tcp_socket(&mut self, h: Handle, family: c_int, connected: bool) -> Result {
        if h.stream().fd >= 0 {
            if connected {
                h.stream().flags |= READABLE | WRITABLE;
            }
            return Ok(());
        }
        // SAFETY: a new socket, closed below if it cannot be registered.
        let fd = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(Error::last_os_error());
        }
        if let Err(e) = self.stream_open(h, fd, connected) {
            // SAFETY: our own new socket.
            unsafe { libc::close(fd) };
            return Err(e);
        }
        apply_options(h);
        Ok(())
    }

    /// `ruv_tcp_open`: adopts an existing socket (made non-blocking).
    pub(crate) fn tcp_open(&mut self, h: Handle, fd: c_int) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        // SAFETY: F_GETFD only asks whether the descriptor exists.
        if fd < 0 || unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(Error::BADF);
        }
        if h.stream().fd >= 0 {
            return Err(Error::BUSY);
        }
        crate::sys::set_nonblocking(fd, true)?;
        self.stream_open(h, fd, true)?;
        apply_options(h);
        Ok(())
    }

    /// `ruv_tcp_bind`. An address in use is kept and reported by the next
    /// listen or connect, as libuv does.
    pub(crate) fn tcp_bind(&mut self, h: Handle, addr: &SockAddr, flags: c_uint) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        let family = addr.family();
        if flags & !RUV_TCP_IPV6ONLY != 0 || (flags & RUV_TCP_IPV6ONLY != 0 && family != libc::AF_INET6) {
            return Err(Error::INVAL);
        }
        self.tcp_socket(h, family, false)?;
        let fd = h.stream().fd;
        setsockopt_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
        if family == libc::AF_INET6 {
            setsockopt_int(fd, libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, (flags & RUV_TCP_IPV6ONLY != 0) as c_int)?;
        }
        // SAFETY: a valid address of `len` bytes.
        if unsafe { libc::bind(fd, addr.as_ptr(), addr.len()) } != 0 {
            let e = errno();
            if e != libc::EADDRINUSE {
                return Err(Error::from_errno(e));
            }
            h.stream().delayed_error = RUV_EADDRINUSE;
        }
        Ok(())
    }

    /// `ruv_tcp_connect`. The callback runs from the poll phase once the
    /// connection is made or refused; an error known at once (a refusal on
    /// loopback, a bind's EADDRINUSE) reaches it from the pending phase.
    pub(crate) fn tcp_connect(
        &mut self,
        h: Handle,
        req: NonNull<ruv_connect_t>,
        addr: &SockAddr,
        cb: ruv_connect_cb,
    ) -> Result {
        self.connect_check(h)?;
        self.tcp_socket(h, addr.family(), true)?;
        let s = h.stream();
        let status = if s.delayed_error != 0 {
            std::mem::replace(&mut s.delayed_error, 0)
        } else {
            match crate::stream::connect_fd(s.fd, addr.as_ptr(), addr.len()) {
                Ok(()) => 0,
                // Reported through the callback, as libuv does.
                Err(libc::ECONNREFUSED) => RUV_ECONNREFUSED,
                Err(e) => return Err(Error::from_errno(e)),
            }
        };
        self.connect_start(h, req, cb, status);
        Ok(())
    }

    /// `ruv_tcp_getsockname` (`peer` false) and `ruv_tcp_getpeername`: into
    /// `name`, whose length `namelen` is updated.
    pub(crate) fn tcp_name(h: Handle, peer: bool, name: &mut [u8], namelen: &mut c_int) -> Result {
        let s = h.stream();
        if s.delayed_error != 0 {
            return Err(Error::from_code(s.delayed_error));
        }
        if s.fd < 0 {
            return Err(Error::BADF);
        }
        *namelen = crate::sys::socket_address(s.fd, peer, name)? as c_int;
        Ok(())
    }

    /// `ruv_tcp_nodelay`.
    pub(crate) fn tcp_nodelay(h: Handle, on: bool) -> Result {
        let s = h.stream();
        if s.fd >= 0 {
            setsockopt_int(s.fd, libc::IPPROTO_TCP, libc::TCP_NODELAY, on as c_int)?;
        }
        if on {
            s.flags |= NODELAY
        } else {
            s.flags &= !NODELAY
        }
        Ok(())
    }

    /// `ruv_tcp_keepalive`.
    pub(crate) fn tcp_keepalive(h: Handle, on: bool, delay: c_uint) -> Result {
        let s = h.stream();
        if s.fd >= 0 {
            set_keepalive(s.fd, on, delay)?;
        }
        if on {
            s.flags |= KEEPALIVE
        } else {
            s.flags &= !KEEPALIVE
        }
        s.keepalive_delay = delay;
        Ok(())
    }

    /// `ruv_tcp_close_reset`: the close that follows sends RST.
    pub(crate) fn tcp_close_reset(&mut self, h: Handle, cb: crate::abi::ruv_close_cb) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        let s = h.stream();
        if s.flags & SHUTTING != 0 {
            return Err(Error::INVAL);
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
                return Err(Error::last_os_error());
            }
        }
        self.close(h, cb)
    }
}
