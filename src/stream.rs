//! Streams: reading, writing, shutting down, listening and accepting, on any
//! non-blocking descriptor registered with mio: TCP sockets, Unix-domain
//! sockets, pipes. What only TCP has (bind, connect, options) is in `tcp.rs`;
//! what only pipes have in `pipe.rs`.
//!
//! The descriptor is registered once, for reading and writing,
//! edge-triggered; a fresh edge is asked for (by renewing the registration)
//! only when ruv needs to hear again about a condition that may already
//! hold: `ruv_read_start` after a stop, `ruv_accept` after a connection was
//! left waiting, `ruv_shutdown`, and a read loop that stopped at its budget
//! with data left (so one busy connection cannot starve the others). The
//! steady state of an echo or HTTP server makes no `epoll_ctl` calls at all.
//!
//! All state is in the caller's structs, as in libuv: the stream's in
//! `ruv_stream_private_t`, each write's progress in its `ruv_write_t`, whose
//! `next` links form the write queue. `ruv_write` copies up to four buffer
//! descriptors into the request itself and allocates only for more.
//!
//! Writes, connects and shutdowns are requests (`req.rs`). Read, connection
//! and connect callbacks run in the poll phase; write and shutdown callbacks
//! (and a connect error found at once) in the pending phase, never inside
//! the call that queued them. Closing a stream completes its connect, writes
//! and shutdown with RUV_ECANCELED (writes that finished keep their status)
//! before its close callback.

use crate::abi::{
    RUV_ECANCELED, RUV_ENOBUFS, RUV_EOF, ruv_alloc_cb, ruv_buf_t, ruv_connect_cb, ruv_connect_t, ruv_connection_cb,
    ruv_read_cb, ruv_shutdown_cb, ruv_shutdown_t, ruv_stream_t, ruv_write_cb, ruv_write_t,
};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind};
use crate::internal::Purpose;
use crate::registry::token;
use crate::req::{Req, ReqKind};
use crate::sys::{close, errno, set_nonblocking, write_without_sigpipe};
use mio::Interest;
use mio::unix::SourceFd;
use std::ffi::c_int;
use std::ptr::{NonNull, null_mut};

/// `ruv_read_start` is in effect.
pub(crate) const READING: u32 = 1;
/// `ruv_listen` is in effect.
pub(crate) const LISTENING: u32 = 2;
/// A connect request is in flight (until its callback).
pub(crate) const CONNECTING: u32 = 4;
/// `ruv_shutdown` was called.
pub(crate) const SHUTTING: u32 = 8;
/// The write side is shut down.
pub(crate) const SHUT: u32 = 16;
/// `ruv_is_readable`: has a connected descriptor (EOF does not change it).
pub(crate) const READABLE: u32 = 32;
/// `ruv_is_writable`: has a connected descriptor, not shut down.
pub(crate) const WRITABLE: u32 = 64;
/// The descriptor is a socket: written with `send`/`sendmsg` and MSG_NOSIGNAL, so a
/// peer that went away is EPIPE, never SIGPIPE.
const SOCKET: u32 = 128;
/// `ruv_tcp_nodelay` was asked for before the socket existed.
pub(crate) const NODELAY: u32 = 256;
/// `ruv_tcp_keepalive` was asked for before the socket existed.
pub(crate) const KEEPALIVE: u32 = 512;
/// Inside `connection_cb`: the accept loop goes on by itself after it.
const ANNOUNCING: u32 = 1024;
/// An IPC pipe: reads take passed descriptors (`recvmsg`), writes may pass one.
pub(crate) const IPC: u32 = 2048;
/// Descriptors one read of an IPC pipe takes at most (as libuv's 64).
const IPC_FDS_PER_READ: usize = 64;

/// Reads per readiness event before the others get a turn (as libuv's 32).
const READ_BUDGET: usize = 32;
/// Connections accepted per readiness event before the others get a turn.
const ACCEPT_BUDGET: usize = 128;
/// What `alloc_cb` is asked for (libuv's 64 KiB).
const SUGGESTED_READ: usize = 65536;
/// How long to wait before accepting again after EMFILE or ENFILE.
const ACCEPT_RETRY_MS: u64 = 20;
/// Buffers per write system call (Linux's IOV_MAX is 1024; libuv caps too).
const IOV_BATCH: usize = 64;

/// The write request behind a queued `ruv_write_t`.
fn write_req(req: NonNull<ruv_write_t>) -> Req {
    // SAFETY: a queued write request is in flight.
    unsafe { Req::new(req.cast()) }
}

/// The private part of a write request in flight.
fn progress<'a>(req: NonNull<ruv_write_t>) -> &'a mut crate::abi::ruv_write_private_t {
    // SAFETY: a write request in flight is ruv's until its callback.
    unsafe { &mut (*req.as_ptr()).write }
}

/// The buffers of a write request in flight (its own copy of the array).
fn bufs<'a>(req: NonNull<ruv_write_t>) -> &'a [ruv_buf_t] {
    let w = progress(req);
    // SAFETY: `bufs` holds `nbufs` entries copied at submission.
    unsafe { std::slice::from_raw_parts(w.bufs, w.nbufs as usize) }
}

/// The write request's remaining bytes.
fn remaining(req: NonNull<ruv_write_t>) -> usize {
    let w = progress(req);
    bufs(req)[w.index as usize..].iter().map(|b| b.len).sum::<usize>() - w.offset
}

/// Writes one buffer to `fd`: `send` with MSG_NOSIGNAL on a socket (a peer
/// that went away is EPIPE, never SIGPIPE), `write` on anything else.
/// Retries EINTR. The one-buffer path every echo and HTTP reply takes.
#[inline]
fn write_one(fd: c_int, socket: bool, buf: &ruv_buf_t, extra_flags: c_int) -> std::result::Result<usize, c_int> {
    loop {
        let result = if socket {
            // SAFETY: the caller's buffer of `len` bytes.
            let r = unsafe { libc::send(fd, buf.base.cast(), buf.len, libc::MSG_NOSIGNAL | extra_flags) };
            if r >= 0 { Ok(r as usize) } else { Err(errno()) }
        } else {
            // SAFETY: as above.
            write_without_sigpipe(|| unsafe { libc::write(fd, buf.base.cast(), buf.len) })
        };
        match result {
            Err(libc::EINTR) => continue,
            other => return other,
        }
    }
}

/// Writes up to `IOV_BATCH` of `bufs` with one vectored call (`sendmsg` on a
/// socket, `writev` otherwise), the first `skip` bytes of `bufs[0]` left
/// out. Retries EINTR.
#[cold]
fn write_many(
    fd: c_int,
    socket: bool,
    bufs: &[ruv_buf_t],
    skip: usize,
    extra_flags: c_int,
    pass_fd: Option<c_int>,
) -> std::result::Result<usize, c_int> {
    if pass_fd.is_some() && !socket {
        return Err(libc::ENOTSOCK); // only a socket carries a descriptor
    }
    // Room for one SCM_RIGHTS message of one descriptor, aligned for cmsghdr.
    let mut control = [0u64; 4];
    let mut iov = [const { std::mem::MaybeUninit::<libc::iovec>::uninit() }; IOV_BATCH];
    let n = bufs.len().min(IOV_BATCH);
    for (i, (slot, b)) in iov.iter_mut().zip(bufs).enumerate() {
        let skip = if i == 0 { skip } else { 0 };
        slot.write(libc::iovec { iov_base: b.base.wrapping_add(skip).cast(), iov_len: b.len - skip });
    }
    let iov_ptr = iov.as_ptr().cast::<libc::iovec>();
    loop {
        let result = if socket {
            // SAFETY: a zeroed msghdr is valid.
            let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
            msg.msg_iov = iov_ptr.cast_mut();
            msg.msg_iovlen = n;
            if let Some(pass) = pass_fd {
                // SAFETY: `control` has room for one message of one int
                // (CMSG_SPACE(4) is 24 bytes here); the header is written
                // through the pointers the CMSG macros give for it.
                unsafe {
                    msg.msg_control = control.as_mut_ptr().cast();
                    msg.msg_controllen = libc::CMSG_SPACE(size_of::<c_int>() as u32) as usize;
                    let cmsg = libc::CMSG_FIRSTHDR(&msg);
                    (*cmsg).cmsg_level = libc::SOL_SOCKET;
                    (*cmsg).cmsg_type = libc::SCM_RIGHTS;
                    (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<c_int>() as u32) as usize;
                    libc::CMSG_DATA(cmsg).cast::<c_int>().write_unaligned(pass);
                }
            }
            // SAFETY: the first `n` iovecs are written and describe the
            // caller's buffers.
            let r = unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL | extra_flags) };
            if r >= 0 { Ok(r as usize) } else { Err(errno()) }
        } else {
            // SAFETY: as above.
            write_without_sigpipe(|| unsafe { libc::writev(fd, iov_ptr, n as c_int) })
        };
        match result {
            Err(libc::EINTR) => continue,
            other => return other,
        }
    }
}

/// Sends as much of `req` as the descriptor takes: Ok(true) when all of it is
/// written, Ok(false) when the descriptor is full, Err with an errno.
fn send_req(fd: c_int, socket: bool, req: NonNull<ruv_write_t>) -> std::result::Result<bool, c_int> {
    let bufs = bufs(req);
    let w = progress(req);
    loop {
        let left_bufs = &bufs[w.index as usize..];
        let written = match left_bufs {
            [] => return Ok(true),
            // `ruv_write2`: the descriptor goes with the first bytes.
            _ if w.send_fd >= 0 => {
                let sent = write_many(fd, socket, left_bufs, w.offset, 0, Some(w.send_fd as c_int));
                if sent.is_ok() {
                    close_passed_fd(req);
                }
                sent
            }
            [one] if w.offset == 0 => match write_one(fd, socket, one, 0) {
                // All of it, the common case: nothing to account.
                Ok(n) if n == one.len => {
                    w.index = w.nbufs;
                    return Ok(true);
                }
                other => other,
            },
            _ => write_many(fd, socket, left_bufs, w.offset, 0, None),
        };
        let mut left = match written {
            Ok(n) => n,
            Err(libc::EAGAIN) => return Ok(false),
            Err(e) => return Err(e),
        };
        while left > 0 || (w.index < w.nbufs && bufs[w.index as usize].len == w.offset) {
            let b = &bufs[w.index as usize];
            let take = left.min(b.len - w.offset);
            w.offset += take;
            left -= take;
            if w.offset == b.len {
                w.index += 1;
                w.offset = 0;
            }
            if w.index == w.nbufs {
                break;
            }
        }
        if w.index == w.nbufs {
            return Ok(true);
        }
    }
}

/// A `ruv_write2` descriptor has gone out (or never will): its duplicate is
/// closed, and `send_handle` cleared, as libuv clears it once sent.
fn close_passed_fd(req: NonNull<ruv_write_t>) {
    let w = progress(req);
    if w.send_fd >= 0 {
        close(w.send_fd as c_int); // ruv's own duplicate, made by `ruv_write2`
        w.send_fd = -1;
    }
    // SAFETY: the request is ruv's while in flight.
    unsafe { (*req.as_ptr()).send_handle = null_mut() };
}

/// Frees a write request's buffer array if it did not fit in the request,
/// and a descriptor to pass that never went out.
fn release_bufs(req: NonNull<ruv_write_t>) {
    close_passed_fd(req);
    let w = progress(req);
    if w.nbufs as usize > w.bufsml.len() && !w.bufs.is_null() {
        // SAFETY: made by `Box<[ruv_buf_t]>` of `nbufs` entries in `write`.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(w.bufs, w.nbufs as usize)) });
    }
    w.bufs = null_mut();
}

pub(crate) fn is_readable(h: Handle) -> bool {
    h.stream().flags & READABLE != 0
}

pub(crate) fn is_writable(h: Handle) -> bool {
    h.stream().flags & WRITABLE != 0
}

/// `ruv_stream_set_blocking`.
pub(crate) fn set_blocking(h: Handle, blocking: bool) -> Result {
    let fd = h.stream().fd;
    if fd < 0 {
        return Err(Error::BADF);
    }
    set_nonblocking(fd, !blocking)
}

/// Whether `fd` is a socket.
/// An adopted descriptor's stream is readable and writable as the
/// descriptor's access mode (`O_ACCMODE` of its flags) allows, as in libuv.
pub(crate) fn set_access(h: Handle, access: c_int) {
    let s = h.stream();
    if access != libc::O_WRONLY {
        s.flags |= READABLE;
    }
    if access != libc::O_RDONLY {
        s.flags |= WRITABLE;
    }
}

/// `connect` on a non-blocking socket, again after EINTR: `Ok` when
/// connected or in progress, else the errno.
pub(crate) fn connect_fd(
    fd: c_int,
    addr: *const libc::sockaddr,
    len: libc::socklen_t,
) -> std::result::Result<(), c_int> {
    loop {
        // SAFETY: the caller's address of `len` bytes.
        if unsafe { libc::connect(fd, addr, len) } == 0 {
            return Ok(());
        }
        match errno() {
            libc::EINTR => continue,
            libc::EINPROGRESS => return Ok(()),
            e => return Err(e),
        }
    }
}

/// One `recvmsg` on an IPC pipe: the bytes into `buf`, the descriptors
/// passed with them queued for `ruv_accept` (close-on-exec). Returns what
/// `read` would.
fn read_ipc(s: &mut crate::abi::ruv_stream_private_t, buf: &ruv_buf_t) -> isize {
    let mut iov = libc::iovec { iov_base: buf.base.cast(), iov_len: buf.len };
    // Room for IPC_FDS_PER_READ descriptors (CMSG_SPACE(256) is 272 bytes),
    // aligned for cmsghdr.
    let mut control = [0u64; 2 + IPC_FDS_PER_READ / 2];
    // SAFETY: a zeroed msghdr is valid.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of_val(&control);
    // SAFETY: the caller's buffer of `len` bytes and our control buffer.
    let n = unsafe { libc::recvmsg(s.fd, &mut msg, libc::MSG_CMSG_CLOEXEC) };
    if n < 0 {
        return n;
    }
    // SAFETY: walking the control messages the kernel wrote, by the CMSG
    // macros; each SCM_RIGHTS payload is an array of ints.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                let payload = (*cmsg).cmsg_len - libc::CMSG_LEN(0) as usize;
                let data = libc::CMSG_DATA(cmsg).cast::<c_int>();
                for i in 0..payload / size_of::<c_int>() {
                    queue_fd(s, data.add(i).read_unaligned());
                }
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    n
}

/// A descriptor received on an IPC pipe: `accepted_fd` if that is free,
/// else behind the others.
fn queue_fd(s: &mut crate::abi::ruv_stream_private_t, fd: c_int) {
    if s.accepted_fd < 0 {
        s.accepted_fd = fd;
        return;
    }
    if s.queued_fds.is_null() {
        s.queued_fds = Box::into_raw(Box::new(Vec::<c_int>::new())).cast();
    }
    // SAFETY: made just above or by an earlier call, a `Vec<c_int>`.
    unsafe { (*s.queued_fds.cast::<Vec<c_int>>()).push(fd) };
}

/// The received descriptors after `accepted_fd`.
fn queued_fds(s: &mut crate::abi::ruv_stream_private_t) -> Option<&mut Vec<c_int>> {
    // SAFETY: NULL, or the `Vec<c_int>` `queue_fd` made.
    unsafe { s.queued_fds.cast::<Vec<c_int>>().as_mut() }
}

/// The next received descriptor moves up to `accepted_fd` (-1 when none).
fn next_queued_fd(s: &mut crate::abi::ruv_stream_private_t) {
    s.accepted_fd = match queued_fds(s) {
        Some(queue) if !queue.is_empty() => queue.remove(0),
        _ => -1,
    };
}

/// Closes every received descriptor nobody accepted and frees the queue.
fn drop_received_fds(s: &mut crate::abi::ruv_stream_private_t) {
    if let Some(queue) = queued_fds(s) {
        queue.drain(..).for_each(close); // received, never handed out
        // SAFETY: the box `queue_fd` made, freed once (NULL after).
        drop(unsafe { Box::from_raw(s.queued_fds.cast::<Vec<c_int>>()) });
        s.queued_fds = null_mut();
    }
}

/// What kind of handle a received descriptor makes (libuv's
/// `uv__handle_type`): a TCP socket, a Unix-domain stream (a pipe), a UDP
/// socket, or unknown.
pub(crate) fn handle_type_of(fd: c_int) -> crate::abi::ruv_handle_type {
    use crate::abi::{RUV_NAMED_PIPE, RUV_TCP, RUV_UDP, RUV_UNKNOWN_HANDLE};
    // SAFETY: zeroes are a valid sockaddr_storage.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let mut kind: c_int = 0;
    let mut kind_len = size_of::<c_int>() as libc::socklen_t;
    // SAFETY: buffers of the lengths passed.
    let known = unsafe {
        libc::getsockname(fd, (&raw mut ss).cast(), &mut len) == 0
            && libc::getsockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE, (&raw mut kind).cast(), &mut kind_len) == 0
    };
    let inet = matches!(c_int::from(ss.ss_family), libc::AF_INET | libc::AF_INET6);
    match (known, kind, c_int::from(ss.ss_family)) {
        (true, libc::SOCK_STREAM, libc::AF_UNIX) => RUV_NAMED_PIPE,
        (true, libc::SOCK_STREAM, _) if inet => RUV_TCP,
        (true, libc::SOCK_DGRAM, _) if inet => RUV_UDP,
        _ => RUV_UNKNOWN_HANDLE,
    }
}

fn is_socket(fd: c_int) -> bool {
    // SAFETY: fstat into a local struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::fstat(fd, &mut st) == 0 && st.st_mode & libc::S_IFMT == libc::S_IFSOCK }
}

impl LoopInner {
    /// Resets a stream's state (its init function's part).
    pub(crate) fn stream_init(h: Handle) {
        let public = h.stream_public();
        public.write_queue_size = 0;
        public.alloc_cb = None;
        public.read_cb = None;
        // SAFETY: all-zero is the private block's empty state.
        public.stream = unsafe { std::mem::zeroed() };
        public.stream.fd = -1;
        public.stream.accepted_fd = -1;
    }

    /// Gives a stream its descriptor and registers it, for reading and
    /// writing, edge-triggered. The descriptor must be non-blocking.
    /// `connected`: the stream becomes readable and writable (an accepted or
    /// adopted descriptor; a socket made for bind or listen is neither, as
    /// in libuv).
    pub(crate) fn stream_open(&mut self, h: Handle, fd: c_int, connected: bool) -> Result {
        let s = h.stream();
        if s.fd != -1 {
            return if s.fd == fd { Ok(()) } else { Err(Error::BUSY) };
        }
        self.poll.registry().register(
            &mut SourceFd(&fd),
            token(h.key(), h.generation()),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        self.watched += 1;
        s.fd = fd;
        if h.kind() == Kind::Tcp || is_socket(fd) {
            s.flags |= SOCKET;
        }
        if connected {
            s.flags |= READABLE | WRITABLE;
        }
        Ok(())
    }

    /// Asks epoll for a fresh edge: a condition that already holds is
    /// reported again by the next poll.
    fn rearm(&mut self, h: Handle) {
        let fd = h.stream().fd;
        if fd < 0 {
            return;
        }
        let _ = self.poll.registry().reregister(
            &mut SourceFd(&fd),
            token(h.key(), h.generation()),
            Interest::READABLE | Interest::WRITABLE,
        );
    }

    /// A stream is active while reading or listening (as in libuv); its
    /// requests keep the loop alive on their own.
    fn stream_update_active(&mut self, h: Handle) {
        if h.stream().flags & (READING | LISTENING) != 0 {
            self.activate(h);
        } else {
            self.deactivate(h);
        }
    }

    // ---- listening and accepting ---------------------------------------------

    /// `ruv_listen`. A NULL callback is allowed, as in libuv: connections
    /// then wait in the backlog.
    pub(crate) fn listen(&mut self, h: Handle, backlog: c_int, cb: ruv_connection_cb) -> Result {
        if h.is_closing() || h.kind() == Kind::Tty {
            return Err(Error::INVAL); // a terminal does not listen (as libuv)
        }
        let s = h.stream();
        if s.delayed_error != 0 {
            return Err(Error::from_code(s.delayed_error));
        }
        if s.fd < 0 {
            match h.kind() {
                // As libuv: an unbound TCP handle listens on an IPv4 socket,
                // which the kernel binds to an ephemeral port.
                Kind::Tcp => self.tcp_socket(h, libc::AF_INET, false)?,
                // A pipe must be bound (or opened) first.
                Kind::Pipe => return Err(Error::INVAL),
                Kind::Timer
                | Kind::Idle
                | Kind::Prepare
                | Kind::Check
                | Kind::Async
                | Kind::Poll
                | Kind::FsPoll
                | Kind::FsEvent
                | Kind::Signal
                | Kind::Tty
                | Kind::Process => {
                    unreachable!("not a stream")
                }
            }
        }
        let s = h.stream();
        // As libuv: an IPC pipe passes handles over one connection; it does
        // not listen.
        if s.flags & IPC != 0 {
            return Err(Error::INVAL);
        }
        // SAFETY: listen on our socket.
        if unsafe { libc::listen(s.fd, backlog) } != 0 {
            return Err(Error::last_os_error());
        }
        s.connection_cb = cb;
        s.flags |= LISTENING;
        self.stream_update_active(h);
        self.rearm(h); // connections that queued before listen() returned
        Ok(())
    }

    /// `ruv_accept`: the waiting connection into `client`.
    pub(crate) fn accept(&mut self, server: Handle, client: Handle) -> Result {
        let fd = server.stream().accepted_fd;
        if fd < 0 {
            return Err(Error::AGAIN);
        }
        if client.is_closing() || client.kind() == Kind::Tty {
            return Err(Error::INVAL); // only TCP handles and pipes take connections
        }
        let ipc = server.stream().flags & IPC != 0;
        if ipc {
            // A passed descriptor keeps the sender's flags.
            crate::sys::set_nonblocking(fd, true)?;
        }
        self.stream_open(client, fd, true)?;
        match client.kind() {
            Kind::Tcp => crate::tcp::apply_options(client),
            Kind::Pipe => {}
            Kind::Timer
            | Kind::Idle
            | Kind::Prepare
            | Kind::Check
            | Kind::Async
            | Kind::Poll
            | Kind::FsPoll
            | Kind::FsEvent
            | Kind::Signal
            | Kind::Tty
            | Kind::Process => {
                unreachable!("not a listening stream's client")
            }
        }
        let s = server.stream();
        if ipc {
            next_queued_fd(s);
            return Ok(());
        }
        s.accepted_fd = -1;
        if s.flags & ANNOUNCING == 0 {
            self.rearm(server); // accepted late: more may be waiting
        }
        Ok(())
    }

    /// The listening socket is readable: accept and announce connections
    /// until none is waiting, the user leaves one unaccepted, or the budget
    /// is spent.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter);
    /// `h` is registered.
    unsafe fn do_accept(lp: *mut LoopInner, h: Handle) {
        let (key, generation) = (h.key(), h.generation());
        for _ in 0..ACCEPT_BUDGET {
            // SAFETY: each `&mut *lp` ends before user code is called.
            let (cb, status) = {
                // SAFETY: `lp` is live; this borrow ends before any user code runs.
                let this = unsafe { &mut *lp };
                if this.handles.get(key, generation).is_none() || h.is_closing() {
                    return;
                }
                let s = h.stream();
                if s.flags & LISTENING == 0 || s.accepted_fd >= 0 {
                    return; // not listening, or the last one was not taken yet
                }
                let Some(cb) = s.connection_cb else {
                    return; // no callback: connections wait in the backlog
                };
                // SAFETY: accept4 on our listening socket.
                let fd =
                    unsafe { libc::accept4(s.fd, null_mut(), null_mut(), libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC) };
                if fd >= 0 {
                    s.accepted_fd = fd;
                    (cb, 0)
                } else {
                    match errno() {
                        libc::EAGAIN => return,
                        libc::EINTR | libc::ECONNABORTED => continue,
                        libc::EMFILE | libc::ENFILE => {
                            // Out of descriptors: leave the connections in the
                            // backlog and try again shortly, rather than spin
                            // or drop them.
                            this.accept_later(h);
                            return;
                        }
                        e => (cb, -e),
                    }
                }
            };
            h.stream().flags |= ANNOUNCING;
            // SAFETY: the caller's callback with its own stream.
            unsafe { cb(h.cast(), status) };
            // The struct stays valid until the close phase (a close callback
            // is the first place it may be freed), so its flags can be read.
            h.stream().flags &= !ANNOUNCING;
        }
        // Budget spent with connections possibly left: hear about them again.
        // SAFETY: no user code runs while this borrow lives.
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_some() {
            this.rearm(h);
        }
    }

    /// Puts a listener on the accept retry list and starts the loop's
    /// internal retry timer.
    fn accept_later(&mut self, h: Handle) {
        let id = (h.key(), h.generation());
        if !self.accept_waiting.contains(&id) {
            self.accept_waiting.push(id);
        }
        // (Only an address the registry cannot hold fails here, and then the
        // next connection's event retries the accept.)
        if let Ok(timer) = self.internal_timer(Purpose::AcceptRetry) {
            if !timer.is_active() {
                let _ = self.timer_start(timer, None, ACCEPT_RETRY_MS, 0);
            }
        }
    }

    /// The accept retry timer fired: the listeners that ran out of
    /// descriptors try again.
    ///
    /// # Safety
    /// As [`LoopInner::do_accept`].
    pub(crate) unsafe fn run_accept_retries(lp: *mut LoopInner) {
        // SAFETY: a short borrow.
        let waiting = std::mem::take(unsafe { &mut (*lp).accept_waiting });
        for (key, generation) in waiting {
            // SAFETY: a short borrow.
            if let Some(h) = unsafe { (*lp).handles.get(key, generation) } {
                // SAFETY: forwarded.
                unsafe { Self::do_accept(lp, h) };
            }
        }
    }

    // ---- reading ----------------------------------------------------------------

    /// `ruv_read_start`. Allowed again after EOF (which is then delivered
    /// again), as in libuv.
    pub(crate) fn read_start(&mut self, h: Handle, alloc_cb: ruv_alloc_cb, read_cb: ruv_read_cb) -> Result {
        if alloc_cb.is_none() || read_cb.is_none() || h.is_closing() {
            return Err(Error::INVAL);
        }
        let s = h.stream();
        if s.flags & READING != 0 {
            return Err(Error::ALREADY);
        }
        if s.flags & READABLE == 0 {
            return Err(Error::NOTCONN);
        }
        s.flags |= READING;
        let public = h.stream_public();
        public.alloc_cb = alloc_cb;
        public.read_cb = read_cb;
        self.stream_update_active(h);
        self.rearm(h); // data may have arrived while not reading
        Ok(())
    }

    /// `ruv_read_stop`.
    pub(crate) fn read_stop(&mut self, h: Handle) {
        h.stream().flags &= !READING;
        self.stream_update_active(h);
    }

    /// The descriptor is readable: read and deliver until it is drained, the
    /// user stops reading, or the budget is spent.
    ///
    /// A read that does not fill the buffer means the descriptor is drained
    /// (the next arrival is a new edge), except when the peer has closed: its
    /// end of stream comes with no further edge, so reading goes on to it.
    ///
    /// # Safety
    /// As [`LoopInner::do_accept`].
    unsafe fn do_read(lp: *mut LoopInner, h: Handle, peer_closed: bool) {
        let (key, generation) = (h.key(), h.generation());
        let stream = h.cast::<crate::abi::ruv_stream_t>();
        // Still open and reading? Every callback may have changed that. The
        // struct itself stays valid: a handle's memory may be freed only from
        // its close callback, which runs in the close phase, after this one.
        let reading = || !h.is_closing() && h.stream().flags & READING != 0;
        for round in 0..READ_BUDGET {
            if round > 0 && !reading() {
                return;
            }
            let public = h.stream_public();
            let (Some(alloc_cb), Some(read_cb)) = (public.alloc_cb, public.read_cb) else { return };
            let mut buf = ruv_buf_t { base: null_mut(), len: 0 };
            // SAFETY: the caller's callbacks, given to `ruv_read_start` for
            // this stream (so for every callback below).
            unsafe { alloc_cb(h.as_ptr(), SUGGESTED_READ, &mut buf) };
            if !reading() {
                // alloc_cb stopped or closed the stream: hand the buffer back.
                // SAFETY: as above.
                unsafe { read_cb(stream, 0, &buf) };
                return;
            }
            if buf.base.is_null() || buf.len == 0 {
                // SAFETY: as above.
                unsafe { read_cb(stream, RUV_ENOBUFS as isize, &buf) };
                // The data is still there and brings no new edge: ask again
                // on the next iteration, as libuv's level-triggered poll does.
                // SAFETY: no user code runs while this borrow lives.
                let this = unsafe { &mut *lp };
                if this.handles.get(key, generation).is_some() {
                    this.rearm(h);
                }
                return;
            }
            let s = h.stream();
            let n = if s.flags & IPC != 0 {
                read_ipc(s, &buf)
            } else {
                // SAFETY: reading into the caller's buffer of `buf.len` bytes.
                unsafe { libc::read(s.fd, buf.base.cast(), buf.len) }
            };
            if n > 0 {
                // SAFETY: as above.
                unsafe { read_cb(stream, n, &buf) };
                // Drained: the next arrival is a new edge. (Not on an IPC
                // pipe: a read there stops where passed descriptors begin
                // or end, with more data behind.)
                if (n as usize) < buf.len && !peer_closed && h.stream().flags & IPC == 0 {
                    return;
                }
                continue;
            }
            let e = if n == 0 { 0 } else { errno() };
            if e == libc::EAGAIN || e == libc::EINTR {
                // SAFETY: as above.
                unsafe { read_cb(stream, 0, &buf) };
                if e == libc::EAGAIN {
                    return;
                }
                continue;
            }
            // End of stream, or an error: reading stops. After EOF the
            // stream stays readable and writable, as in libuv: reading may
            // start again (and gets EOF again), writing goes on. After an
            // error it is neither (libuv's flags, `uv__read`).
            let s = h.stream();
            s.flags &= !READING;
            if e != 0 {
                s.flags &= !(READABLE | WRITABLE);
            }
            // SAFETY: no user code runs while this borrow lives.
            unsafe { (*lp).stream_update_active(h) };
            let status = if e == 0 { RUV_EOF } else { -e };
            // SAFETY: as above.
            unsafe { read_cb(stream, status as isize, &buf) };
            // SAFETY: forwarded; a child may wait for this pipe's end.
            unsafe { Self::output_ended(lp, (key, generation)) };
            return;
        }
        // Budget spent with data possibly left: hear about it again.
        // SAFETY: no user code runs while this borrow lives.
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_some() {
            this.rearm(h);
        }
    }

    // ---- writing -----------------------------------------------------------------

    /// `ruv_write` (`pass` None) and `ruv_write2`: writes now what the
    /// descriptor takes when nothing is queued, queues the rest. The
    /// callback runs from the pending phase. `pass`: a descriptor of ruv's
    /// own (a duplicate) to send with the first bytes, and the handle it
    /// came from (shown in `send_handle` until it is sent); closed by ruv
    /// however the request ends, also when this returns an error.
    pub(crate) fn write(
        &mut self,
        h: Handle,
        req: NonNull<ruv_write_t>,
        data: &[ruv_buf_t],
        pass: Option<(c_int, *mut ruv_stream_t)>,
        cb: ruv_write_cb,
    ) -> Result {
        let s = h.stream();
        let refused = if h.is_closing() || s.fd < 0 {
            Some(Error::BADF)
        } else if s.flags & WRITABLE == 0 {
            Some(Error::PIPE)
        } else if pass.is_some() && (s.flags & IPC == 0 || data.iter().all(|b| b.len == 0)) {
            // Only an IPC pipe passes descriptors, and only with a byte
            // to carry it.
            Some(Error::INVAL)
        } else {
            None
        };
        if let Some(e) = refused {
            if let Some((fd, _)) = pass {
                close(fd); // ruv's own duplicate, not sent
            }
            return Err(e);
        }
        let r = write_req(req);
        self.req_start(r, ReqKind::Write, Some(h));
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            let w = &mut *req.as_ptr();
            w.cb = cb;
            w.send_handle = pass.map_or(null_mut(), |(_, handle)| handle);
            w.handle = h.cast();
        }
        let w = progress(req);
        w.next = null_mut();
        w.nbufs = 0;
        w.bufs = null_mut();
        w.index = 0;
        w.offset = 0;
        w.send_fd = pass.map_or(-1, |(fd, _)| fd as isize);
        let s = h.stream();
        let socket = s.flags & SOCKET != 0;
        let nothing_ahead = s.write_head.is_null() && s.flags & CONNECTING == 0;
        if nothing_ahead && pass.is_none() {
            if let [one] = data {
                // The common case: one buffer straight to the kernel, with
                // no copy of the buffer array unless some of it is left.
                match write_one(s.fd, socket, one, 0) {
                    Ok(n) if n == one.len => {
                        self.req_complete(r, 0);
                        return Ok(());
                    }
                    Ok(n) => w.offset = n,
                    Err(libc::EAGAIN) => {}
                    Err(e) => {
                        self.req_complete(r, -e as isize);
                        return Ok(());
                    }
                }
            }
        }
        w.nbufs = data.len() as u32;
        if data.len() <= w.bufsml.len() {
            // (Element by element: for one to four buffers cheaper than the
            // memcpy call `copy_from_slice` makes.)
            for (to, from) in w.bufsml.iter_mut().zip(data) {
                *to = *from;
            }
            w.bufs = w.bufsml.as_mut_ptr();
        } else {
            w.bufs = Box::into_raw(data.to_vec().into_boxed_slice()).cast();
        }
        if nothing_ahead && (data.len() > 1 || pass.is_some()) {
            match send_req(s.fd, socket, req) {
                Ok(true) => {
                    self.req_complete(r, 0);
                    return Ok(());
                }
                Ok(false) => {}
                Err(e) => {
                    self.req_complete(r, -e as isize);
                    return Ok(());
                }
            }
        }
        if s.write_tail.is_null() {
            s.write_head = req.as_ptr();
        } else {
            // SAFETY: the tail is a queued request.
            unsafe { (*s.write_tail).write.next = req.as_ptr() };
        }
        s.write_tail = req.as_ptr();
        h.stream_public().write_queue_size += remaining(req);
        Ok(())
    }

    /// Takes the head of the write queue off and completes it with `status`.
    fn finish_head_write(&mut self, h: Handle, req: NonNull<ruv_write_t>, status: c_int) {
        let s = h.stream();
        s.write_head = progress(req).next;
        if s.write_head.is_null() {
            s.write_tail = null_mut();
        }
        progress(req).next = null_mut();
        self.req_complete(write_req(req), status as isize);
    }

    /// Writes queued requests while the descriptor takes them. Shuts down the
    /// write side once the queue is empty if that was asked for. Runs no
    /// user code.
    fn flush_writes(&mut self, h: Handle) {
        while let Some(req) = NonNull::new(h.stream().write_head) {
            let s = h.stream();
            let before = remaining(req);
            let result = send_req(s.fd, s.flags & SOCKET != 0, req);
            let after = if result == Ok(false) { remaining(req) } else { 0 };
            h.stream_public().write_queue_size -= before - after;
            match result {
                Ok(true) => self.finish_head_write(h, req, 0),
                Ok(false) => return, // full: wait for an edge
                Err(e) => self.finish_head_write(h, req, -e),
            }
        }
        self.maybe_shutdown(h);
    }

    /// Fails every queued write with `status`.
    fn cancel_writes(&mut self, h: Handle, status: c_int) {
        while let Some(req) = NonNull::new(h.stream().write_head) {
            self.finish_head_write(h, req, status);
        }
        h.stream_public().write_queue_size = 0;
    }

    /// A write request's turn in the pending phase: its buffer array is
    /// freed, then its callback runs.
    ///
    /// # Safety
    /// `req` is a completed write request on no queue; the caller holds no
    /// borrow of the loop (the callback re-enters).
    pub(crate) unsafe fn deliver_write(req: *mut ruv_write_t, status: c_int) {
        let Some(req) = NonNull::new(req) else { return };
        release_bufs(req);
        // SAFETY: the caller's request; its callback was given with it.
        if let Some(cb) = unsafe { (*req.as_ptr()).cb } {
            // SAFETY: as above.
            unsafe { cb(req.as_ptr(), status) };
        }
    }

    /// `ruv_try_write`: no queueing. The bytes written, or an error.
    #[inline]
    pub(crate) fn try_write(&mut self, h: Handle, data: &[ruv_buf_t]) -> Result<c_int> {
        let s = h.stream();
        // The common case first: one buffer to a connected, idle socket.
        if let [one] = data {
            let idle_socket = s.flags & (CONNECTING | WRITABLE | SOCKET) == WRITABLE | SOCKET
                && s.write_head.is_null()
                && !h.is_closing();
            if idle_socket && one.len > 0 {
                // SAFETY: the caller's buffer of `len` bytes.
                let r = unsafe { libc::send(s.fd, one.base.cast(), one.len, libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT) };
                if r > 0 {
                    return Ok(r.min(c_int::MAX as isize) as c_int);
                }
            }
        }
        Self::try_write_slow(h, data)
    }

    /// `ruv_try_write`'s checks in libuv's order, and the other cases.
    #[cold]
    fn try_write_slow(h: Handle, data: &[ruv_buf_t]) -> Result<c_int> {
        let s = h.stream();
        if s.flags & CONNECTING != 0 || !s.write_head.is_null() {
            return Err(Error::AGAIN);
        }
        if h.is_closing() || s.fd < 0 {
            return Err(Error::BADF);
        }
        if s.flags & WRITABLE == 0 {
            return Err(Error::PIPE);
        }
        let socket = s.flags & SOCKET != 0;
        let written = match data {
            [one] => write_one(s.fd, socket, one, libc::MSG_DONTWAIT),
            _ => write_many(s.fd, socket, data, 0, libc::MSG_DONTWAIT, None),
        };
        match written {
            Ok(0) if data.iter().any(|b| b.len > 0) => Err(Error::AGAIN),
            Ok(written) => Ok(written.min(c_int::MAX as usize) as c_int),
            Err(e) => Err(Error::from_errno(e)),
        }
    }

    // ---- shutting down -----------------------------------------------------------

    /// `ruv_shutdown`: the write side is shut down from the loop, once the
    /// queued writes are written, never inside this call (a stream closed
    /// before that gets RUV_ECANCELED, as in libuv).
    pub(crate) fn shutdown(&mut self, h: Handle, req: NonNull<ruv_shutdown_t>, cb: ruv_shutdown_cb) -> Result {
        let s = h.stream();
        if s.fd < 0 || s.flags & WRITABLE == 0 || s.flags & (SHUTTING | SHUT) != 0 || h.is_closing() {
            return Err(Error::NOTCONN);
        }
        // SAFETY: the caller's request.
        let r = unsafe { Req::new(req.cast()) };
        self.req_start(r, ReqKind::Shutdown, Some(h));
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            (*req.as_ptr()).handle = h.cast();
            (*req.as_ptr()).cb = cb;
        }
        let s = h.stream();
        s.shutdown_req = req.as_ptr();
        s.flags = (s.flags | SHUTTING) & !WRITABLE;
        // The descriptor is writable (or will be once the queue drains): a
        // fresh edge brings the loop to `maybe_shutdown`.
        self.rearm(h);
        Ok(())
    }

    /// Shuts the write side down once nothing is queued or connecting.
    fn maybe_shutdown(&mut self, h: Handle) {
        let s = h.stream();
        if s.flags & SHUTTING == 0 || s.flags & (SHUT | CONNECTING) != 0 || !s.write_head.is_null() {
            return;
        }
        // SAFETY: shutdown on our descriptor.
        let r = unsafe { libc::shutdown(s.fd, libc::SHUT_WR) };
        let status = if r == 0 { 0 } else { -errno() };
        s.flags |= SHUT;
        if let Some(req) = NonNull::new(std::mem::replace(&mut s.shutdown_req, null_mut())) {
            // SAFETY: the stream's shutdown request is in flight.
            self.req_complete(unsafe { Req::new(req.cast()) }, status as isize);
        }
    }

    /// A shutdown request's turn in the pending phase: its callback.
    ///
    /// # Safety
    /// As [`LoopInner::deliver_write`].
    pub(crate) unsafe fn deliver_shutdown(req: *mut ruv_shutdown_t, status: c_int) {
        // SAFETY: the caller's request; its callback was given with it.
        if let Some(cb) = unsafe { (*req).cb } {
            // SAFETY: as above.
            unsafe { cb(req, status) };
        }
    }

    // ---- connecting ---------------------------------------------------------------

    /// What a connect on any stream checks first: not closing, no connect
    /// in progress, not shutting down.
    pub(crate) fn connect_check(&mut self, h: Handle) -> Result {
        if h.is_closing() {
            return Err(Error::INVAL);
        }
        let s = h.stream();
        if !s.connect_req.is_null() {
            return Err(Error::ALREADY);
        }
        if s.flags & SHUTTING != 0 {
            return Err(Error::NOTCONN);
        }
        Ok(())
    }

    /// Takes a connect request in flight on `h`, whose socket is connecting
    /// (`status` 0: the writable event finishes it) or failed at once
    /// (`status` a code: the callback gets it from the pending phase).
    pub(crate) fn connect_start(&mut self, h: Handle, req: NonNull<ruv_connect_t>, cb: ruv_connect_cb, status: c_int) {
        // SAFETY: the caller's request.
        let r = unsafe { Req::new(req.cast()) };
        self.req_start(r, ReqKind::Connect, Some(h));
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            (*req.as_ptr()).cb = cb;
            (*req.as_ptr()).handle = h.cast();
        }
        let s = h.stream();
        s.connect_req = req.as_ptr();
        s.flags |= CONNECTING;
        if status != 0 {
            self.req_complete(r, status as isize);
        }
    }

    /// The connect finished (or failed): its callback runs now, in the poll
    /// phase, as libuv's does.
    ///
    /// # Safety
    /// As [`LoopInner::do_accept`].
    unsafe fn finish_connect(lp: *mut LoopInner, h: Handle) {
        let s = h.stream();
        let Some(req) = NonNull::new(s.connect_req) else { return };
        let mut err: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: SO_ERROR into an int.
        unsafe { libc::getsockopt(s.fd, libc::SOL_SOCKET, libc::SO_ERROR, (&raw mut err).cast(), &mut len) };
        if err == libc::EINPROGRESS {
            return;
        }
        // SAFETY: the stream's connect request is in flight.
        let r = unsafe { Req::new(req.cast()) };
        r.set_result(-err as isize);
        // SAFETY: forwarded.
        unsafe { Self::deliver(lp, r) };
    }

    /// A connect request's callback, then what the connect decides: queued
    /// writes go out, or fail with RUV_ECANCELED.
    ///
    /// # Safety
    /// As [`LoopInner::deliver_write`].
    pub(crate) unsafe fn deliver_connect(
        lp: *mut LoopInner,
        h: Option<Handle>,
        req: *mut ruv_connect_t,
        status: c_int,
    ) {
        if let Some(h) = h {
            let s = h.stream();
            s.connect_req = null_mut();
            s.flags &= !CONNECTING;
        }
        // SAFETY: the caller's request; its callback was given with it.
        if let Some(cb) = unsafe { (*req).cb } {
            // SAFETY: as above.
            unsafe { cb(req, status) };
        }
        let Some(h) = h else { return };
        // SAFETY: no user code runs while this borrow lives.
        let this = unsafe { &mut *lp };
        if this.handles.get(h.key(), h.generation()).is_none() || h.is_closing() {
            return;
        }
        if status == 0 {
            this.flush_writes(h);
        } else {
            this.cancel_writes(h, RUV_ECANCELED);
        }
    }

    // ---- events and closing ----------------------------------------------------------

    /// One readiness event for a stream.
    ///
    /// # Safety
    /// As [`LoopInner::do_accept`].
    pub(crate) unsafe fn dispatch_stream(lp: *mut LoopInner, h: Handle, event: &mio::event::Event) {
        let flags = h.stream().flags;
        if flags & CONNECTING != 0 {
            if event.is_writable() || event.is_error() || event.is_write_closed() {
                // SAFETY: forwarded.
                unsafe { Self::finish_connect(lp, h) };
            }
            return;
        }
        if flags & LISTENING != 0 {
            // SAFETY: forwarded.
            unsafe { Self::do_accept(lp, h) };
            return;
        }
        if flags & READING != 0 && (event.is_readable() || event.is_read_closed() || event.is_error()) {
            // SAFETY: forwarded.
            unsafe { Self::do_read(lp, h, event.is_read_closed() || event.is_error()) };
        }
        // The struct is valid until the close phase (see do_read), so its
        // flags tell whether it was closed.
        if h.is_closing() {
            return;
        }
        // SAFETY: no user code runs while this borrow lives.
        let this = unsafe { &mut *lp };
        if event.is_writable() || event.is_write_closed() || event.is_error() {
            if h.stream().write_head.is_null() {
                this.maybe_shutdown(h);
            } else {
                this.flush_writes(h);
            }
        }
    }

    /// `ruv_close` on a stream: stop everything and close the descriptor
    /// now; the requests complete in the close phase.
    pub(crate) fn stream_close(&mut self, h: Handle) {
        let s = h.stream();
        if s.fd >= 0 {
            let _ = self.poll.registry().deregister(&mut SourceFd(&s.fd));
            self.watched -= 1;
            // SAFETY: our descriptor; nothing refers to it any more.
            unsafe { libc::close(s.fd) };
            s.fd = -1;
        }
        if s.accepted_fd >= 0 {
            // SAFETY: accepted, never handed out.
            unsafe { libc::close(s.accepted_fd) };
            s.accepted_fd = -1;
        }
        drop_received_fds(s);
        s.flags &= !(READING | LISTENING | READABLE | WRITABLE);
    }

    /// The close phase, before the close callback: the connect, the writes
    /// and the shutdown complete (RUV_ECANCELED for what had not happened),
    /// and the stream's completed requests get their callbacks.
    ///
    /// # Safety
    /// As [`LoopInner::do_accept`].
    pub(crate) unsafe fn stream_finish_close(lp: *mut LoopInner, h: Handle) {
        {
            // SAFETY: no user code runs while this borrow lives.
            let this = unsafe { &mut *lp };
            let s = h.stream();
            if let Some(req) = NonNull::new(s.connect_req) {
                // SAFETY: the stream's connect request is in flight.
                let r = unsafe { Req::new(req.cast()) };
                if !r.is_completed() {
                    this.req_complete(r, RUV_ECANCELED as isize);
                }
            }
            this.cancel_writes(h, RUV_ECANCELED);
            if let Some(req) = NonNull::new(std::mem::replace(&mut h.stream().shutdown_req, null_mut())) {
                // SAFETY: the stream's shutdown request is in flight.
                this.req_complete(unsafe { Req::new(req.cast()) }, RUV_ECANCELED as isize);
            }
        }
        // SAFETY: forwarded.
        unsafe { Self::deliver_handle_reqs(lp, h) };
    }
}
