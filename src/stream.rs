//! Streams: reading, writing, shutting down, listening and accepting, on a
//! non-blocking socket registered with mio.
//!
//! The socket is registered once, for reading and writing, edge-triggered; a
//! fresh edge is asked for (by renewing the registration) only when ruv needs
//! to hear again about a condition that may already hold: `ruv_read_start`
//! after a stop, `ruv_accept` after a connection was left waiting, and a read
//! loop that stopped at its budget with data left (so one busy connection
//! cannot starve the others). The steady state of an echo or HTTP server
//! makes no `epoll_ctl` calls at all.
//!
//! All state is in the caller's structs, as in libuv: the stream's in
//! `ruv_stream_private_t`, each write's progress in its `ruv_write_t`, whose
//! `next` links form the write queue. `ruv_write` copies up to four buffer
//! descriptors into the request itself and allocates only for more.
//!
//! Callbacks: read, connection and connect callbacks run in the poll phase;
//! write and shutdown callbacks (and a connect error found at once) in the
//! pending phase, never inside the call that queued them. Closing a stream
//! completes its connect, writes and shutdown with RUV_ECANCELED (writes that
//! finished keep their status) before its close callback.

use crate::error::*;
use crate::event_loop::LoopInner;
use crate::ffi::handle::ruv_handle_t;
use crate::ffi::misc::ruv_buf_t;
use crate::ffi::req::{RUV_SHUTDOWN, RUV_WRITE};
use crate::ffi::stream::*;
use crate::handle_state::{self, CLOSING};
use crate::registry::token;
use crate::sys::{errno, io_error, set_nonblocking};
use mio::unix::SourceFd;
use mio::Interest;
use std::ffi::{c_int, c_void};
use std::ptr::null_mut;

/// `ruv_read_start` is in effect.
pub(crate) const READING: u32 = 1;
/// `ruv_listen` is in effect.
pub(crate) const LISTENING: u32 = 2;
/// A connect request is in flight.
pub(crate) const CONNECTING: u32 = 4;
/// `ruv_shutdown` was called.
pub(crate) const SHUTTING: u32 = 8;
/// The write side is shut down.
pub(crate) const SHUT: u32 = 16;
/// `ruv_is_readable`: has a socket, no EOF or error yet.
pub(crate) const READABLE: u32 = 32;
/// `ruv_is_writable`: has a socket, not shut down, no error.
pub(crate) const WRITABLE: u32 = 64;
/// Queued for the pending phase.
const PENDING: u32 = 128;
/// `ruv_tcp_nodelay` was asked for before the socket existed.
pub(crate) const NODELAY: u32 = 256;
/// `ruv_tcp_keepalive` was asked for before the socket existed.
pub(crate) const KEEPALIVE: u32 = 512;
/// Inside `connection_cb`: the accept loop goes on by itself after it.
const ANNOUNCING: u32 = 1024;

/// Reads per readiness event before the others get a turn (as libuv's 32).
const READ_BUDGET: usize = 32;
/// Connections accepted per readiness event before the others get a turn.
const ACCEPT_BUDGET: usize = 128;
/// What `alloc_cb` is asked for (libuv's 64 KiB).
const SUGGESTED_READ: usize = 65536;
/// How long to wait before accepting again after EMFILE or ENFILE.
const ACCEPT_RETRY_MS: u64 = 20;

/// The stream state of a registered stream handle.
#[inline]
pub(crate) fn sp<'a>(h: *mut ruv_handle_t) -> &'a mut ruv_stream_private_t {
    // SAFETY: only called on registered stream handles, never across user code.
    unsafe { &mut (*h.cast::<ruv_stream_t>()).stream }
}

#[inline]
fn st(h: *mut ruv_handle_t) -> *mut ruv_stream_t {
    h.cast()
}

pub(crate) fn is_readable(h: *mut ruv_handle_t) -> bool {
    sp(h).flags & READABLE != 0
}

pub(crate) fn is_writable(h: *mut ruv_handle_t) -> bool {
    sp(h).flags & WRITABLE != 0
}

pub(crate) fn set_blocking(h: *mut ruv_handle_t, blocking: bool) -> Result<(), c_int> {
    let fd = sp(h).fd;
    if fd < 0 {
        return Err(RUV_EBADF);
    }
    set_nonblocking(fd, !blocking)
}

/// The write request's remaining bytes.
fn remaining(req: *mut ruv_write_t) -> usize {
    // SAFETY: a queued request; its buffers were copied at submission.
    unsafe {
        let w = &(*req).write;
        let bufs = std::slice::from_raw_parts(w.bufs, w.nbufs as usize);
        bufs[w.index as usize..].iter().map(|b| b.len).sum::<usize>() - w.offset
    }
}

/// Sends as much of `req` as the socket takes. Ok(true) when all of it is
/// written, Ok(false) when the socket is full, Err on an error.
fn send_req(fd: c_int, req: *mut ruv_write_t) -> Result<(bool, usize), c_int> {
    // SAFETY: a queued request with its own copy of the buffer array.
    let w = unsafe { &mut (*req).write };
    let bufs = unsafe { std::slice::from_raw_parts(w.bufs, w.nbufs as usize) };
    let mut sent_total = 0;
    loop {
        // Up to 64 buffers per call; only the ones used are written.
        let mut iov = [std::mem::MaybeUninit::<libc::iovec>::uninit(); 64];
        let mut n = 0;
        for (i, b) in bufs[w.index as usize..].iter().enumerate().take(64) {
            let skip = if i == 0 { w.offset } else { 0 };
            iov[n].write(libc::iovec { iov_base: b.base.wrapping_add(skip).cast(), iov_len: b.len - skip });
            n += 1;
        }
        if n == 0 {
            return Ok((true, sent_total));
        }
        // SAFETY: a zeroed msghdr is valid; iov points at `n` entries.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = iov.as_mut_ptr().cast();
        msg.msg_iovlen = n;
        // MSG_NOSIGNAL: a peer that went away is EPIPE, never SIGPIPE.
        let r = unsafe { libc::sendmsg(fd, &msg, libc::MSG_NOSIGNAL) };
        if r < 0 {
            match errno() {
                libc::EINTR => continue,
                libc::EAGAIN => return Ok((false, sent_total)),
                e => return Err(-e),
            }
        }
        let mut left = r as usize;
        sent_total += left;
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
            return Ok((true, sent_total));
        }
    }
}

const TRY_WRITE_FLAGS: c_int = libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT;

/// `ruv_try_write` with several buffers: up to 64 in one call (a partial
/// write, the rest is not tried). Kept apart so the one-buffer path has no
/// iovec array on its stack.
#[cold]
fn try_write_vectored(fd: c_int, bufs: &[ruv_buf_t]) -> isize {
    let mut iov = [std::mem::MaybeUninit::<libc::iovec>::uninit(); 64];
    for (slot, b) in iov.iter_mut().zip(bufs) {
        slot.write(libc::iovec { iov_base: b.base.cast(), iov_len: b.len });
    }
    // SAFETY: a zeroed msghdr is valid; only the written iovecs are used.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov.as_mut_ptr().cast();
    msg.msg_iovlen = bufs.len().min(iov.len());
    unsafe { libc::sendmsg(fd, &msg, TRY_WRITE_FLAGS) }
}

/// Frees a write request's buffer array if it did not fit in the request.
fn release_bufs(req: *mut ruv_write_t) {
    // SAFETY: a request whose callback is about to run.
    unsafe {
        let w = &mut (*req).write;
        if w.nbufs as usize > w.bufsml.len() && !w.bufs.is_null() {
            drop(Vec::from_raw_parts(w.bufs, w.nbufs as usize, w.nbufs as usize));
        }
        w.bufs = null_mut();
    }
}

impl LoopInner {
    /// Gives a stream its socket and registers the socket, for reading and
    /// writing, edge-triggered. The socket must be non-blocking. `connected`:
    /// the stream becomes readable and writable (an accepted or adopted
    /// socket; a socket made for bind or listen is neither, as in libuv).
    pub(crate) fn stream_open(&mut self, h: *mut ruv_handle_t, key: u32, fd: c_int, connected: bool) -> Result<(), c_int> {
        let s = sp(h);
        if s.fd != -1 {
            return if s.fd == fd { Ok(()) } else { Err(RUV_EBUSY) };
        }
        let generation = self.handles.slot_mut(key).generation;
        self.poll
            .registry()
            .register(&mut SourceFd(&fd), token(key, generation), Interest::READABLE | Interest::WRITABLE)
            .map_err(io_error)?;
        let s = sp(h);
        s.fd = fd;
        if connected {
            s.flags |= READABLE | WRITABLE;
        }
        Ok(())
    }

    /// Asks epoll for a fresh edge: a condition that already holds is
    /// reported again by the next poll.
    fn rearm(&mut self, h: *mut ruv_handle_t) {
        let fd = sp(h).fd;
        if fd < 0 {
            return;
        }
        // SAFETY: a registered handle.
        let (key, generation) = unsafe { ((*h).internal.key, (*h).internal.generation) };
        let _ = self.poll.registry().reregister(
            &mut SourceFd(&fd),
            token(key, generation),
            Interest::READABLE | Interest::WRITABLE,
        );
    }

    /// A stream is active while reading or listening (as in libuv); queued
    /// requests keep the loop alive on their own.
    fn stream_update_active(&mut self, h: *mut ruv_handle_t) {
        if sp(h).flags & (READING | LISTENING) != 0 {
            self.activate(h);
        } else {
            self.deactivate(h);
        }
    }

    /// Queues the stream for the pending phase (write, shutdown and delayed
    /// connect callbacks).
    pub(crate) fn schedule_pending(&mut self, h: *mut ruv_handle_t) {
        let s = sp(h);
        if s.flags & PENDING == 0 {
            s.flags |= PENDING;
            // SAFETY: a registered handle.
            let id = unsafe { ((*h).internal.key, (*h).internal.generation) };
            self.pending.push(id);
        }
    }

    // ---- listening and accepting ---------------------------------------------

    pub(crate) fn listen(&mut self, h: *mut ruv_handle_t, backlog: c_int, cb: ruv_connection_cb) -> Result<(), c_int> {
        // SAFETY: a registered handle.
        if cb.is_none() || unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        let s = sp(h);
        if s.delayed_error != 0 {
            return Err(s.delayed_error);
        }
        if s.fd < 0 {
            // As libuv: an unbound handle listens on an IPv4 socket, which
            // the kernel binds to an ephemeral port.
            // SAFETY: a registered handle.
            let key = unsafe { (*h).internal.key };
            self.tcp_socket(h, key, libc::AF_INET, false)?;
        }
        let s = sp(h);
        // SAFETY: listen on our socket.
        if unsafe { libc::listen(s.fd, backlog) } != 0 {
            return Err(-errno());
        }
        s.connection_cb = cb.map_or(null_mut(), |f| f as *mut c_void);
        s.flags |= LISTENING;
        self.stream_update_active(h);
        self.rearm(h); // connections that queued before listen() returned
        Ok(())
    }

    pub(crate) fn accept(&mut self, server: *mut ruv_handle_t, client: *mut ruv_handle_t, client_key: u32) -> Result<(), c_int> {
        let fd = sp(server).accepted_fd;
        if fd < 0 {
            return Err(RUV_EAGAIN);
        }
        // SAFETY: a registered handle.
        if unsafe { handle_state::flags(client) } & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        self.stream_open(client, client_key, fd, true)?;
        crate::tcp::apply_options(client);
        let s = sp(server);
        s.accepted_fd = -1;
        if s.flags & ANNOUNCING == 0 {
            self.rearm(server); // accepted late: more may be waiting
        }
        Ok(())
    }

    /// The listening socket is readable: accept and announce connections
    /// until none is waiting, the user leaves one unaccepted, or the budget
    /// is spent.
    unsafe fn do_accept(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t) {
        for _ in 0..ACCEPT_BUDGET {
            // SAFETY: each `&mut *lp` ends before user code is called.
            let (cb, status) = {
                let this = unsafe { &mut *lp };
                if this.handles.get(key, generation).is_none()
                    || unsafe { handle_state::flags(h) } & CLOSING != 0
                {
                    return;
                }
                let s = sp(h);
                if s.flags & LISTENING == 0 || s.accepted_fd >= 0 {
                    return; // not listening, or the last one was not taken yet
                }
                let Some(cb) = (unsafe { std::mem::transmute::<*mut c_void, ruv_connection_cb>(s.connection_cb) })
                else {
                    return;
                };
                // SAFETY: accept4 on our listening socket.
                let fd = unsafe {
                    libc::accept4(s.fd, null_mut(), null_mut(), libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC)
                };
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
                            let at = this.now_ms + ACCEPT_RETRY_MS;
                            this.accept_retry.push((key, generation, at));
                            return;
                        }
                        e => (cb, -e),
                    }
                }
            };
            sp(h).flags |= ANNOUNCING;
            unsafe { cb(st(h), status) };
            // SAFETY: the handle is registered until its close callback, which
            // runs in a later phase.
            sp(h).flags &= !ANNOUNCING;
        }
        // Budget spent with connections possibly left: hear about them again.
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_some() {
            this.rearm(h);
        }
    }

    /// The accept retries whose time has come (after EMFILE or ENFILE).
    pub(crate) unsafe fn run_accept_retries(lp: *mut LoopInner) {
        // SAFETY: borrow ends before user code.
        let due: Vec<(u32, u32)> = {
            let this = unsafe { &mut *lp };
            if this.accept_retry.is_empty() {
                return;
            }
            let now = this.now_ms;
            let mut due = Vec::new();
            this.accept_retry.retain(|&(k, g, at)| {
                if at <= now {
                    due.push((k, g));
                }
                at > now
            });
            due
        };
        for (key, generation) in due {
            let h = match unsafe { (*lp).handles.get(key, generation) } {
                Some(slot) => slot.handle(),
                None => continue,
            };
            unsafe { Self::do_accept(lp, key, generation, h) };
        }
    }

    // ---- reading ----------------------------------------------------------------

    pub(crate) fn read_start(&mut self, h: *mut ruv_handle_t, alloc_cb: ruv_alloc_cb, read_cb: ruv_read_cb) -> Result<(), c_int> {
        // SAFETY: a registered handle.
        if alloc_cb.is_none() || read_cb.is_none() || unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        let s = sp(h);
        if s.flags & READING != 0 {
            return Err(RUV_EALREADY);
        }
        if s.flags & READABLE == 0 {
            return Err(RUV_ENOTCONN);
        }
        s.flags |= READING;
        // SAFETY: the caller's stream struct.
        unsafe {
            (*st(h)).alloc_cb = alloc_cb.map_or(null_mut(), |f| f as *mut c_void);
            (*st(h)).read_cb = read_cb.map_or(null_mut(), |f| f as *mut c_void);
        }
        self.stream_update_active(h);
        self.rearm(h); // data may have arrived while not reading
        Ok(())
    }

    pub(crate) fn read_stop(&mut self, h: *mut ruv_handle_t) {
        sp(h).flags &= !READING;
        self.stream_update_active(h);
    }

    /// The socket is readable: read and deliver until it is drained, the
    /// user stops reading, or the budget is spent.
    ///
    /// A read that does not fill the buffer means the socket is drained (the
    /// next arrival is a new edge), except when the peer has closed: its
    /// end of stream comes with no further edge, so reading goes on to it.
    unsafe fn do_read(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t, peer_closed: bool) {
        let stream = st(h);
        // Still open and reading? Every callback may have changed that; the
        // caller checked it for the first round. The struct itself stays
        // valid: a handle's memory may be freed only from its close
        // callback, which runs in the close phase, after this one.
        let reading = |_: *mut LoopInner| {
            // SAFETY: registered when the dispatch began (see above).
            (unsafe { handle_state::flags(h) } & CLOSING) == 0 && sp(h).flags & READING != 0
        };
        for round in 0..READ_BUDGET {
            if round > 0 && !reading(lp) {
                return;
            }
            // SAFETY: set by read_start from non-NULL callbacks.
            let (alloc_cb, read_cb) = unsafe {
                (
                    std::mem::transmute::<*mut c_void, ruv_alloc_cb>((*stream).alloc_cb),
                    std::mem::transmute::<*mut c_void, ruv_read_cb>((*stream).read_cb),
                )
            };
            let (Some(alloc_cb), Some(read_cb)) = (alloc_cb, read_cb) else { return };
            let mut buf = ruv_buf_t { base: null_mut(), len: 0 };
            unsafe { alloc_cb(h, SUGGESTED_READ, &mut buf) };
            if !reading(lp) {
                // alloc_cb stopped or closed the stream: hand the buffer back.
                unsafe { read_cb(stream, 0, &buf) };
                return;
            }
            if buf.base.is_null() || buf.len == 0 {
                unsafe { read_cb(stream, RUV_ENOBUFS as isize, &buf) };
                // The data is still there and brings no new edge: ask again
                // on the next iteration, as libuv's level-triggered poll does.
                let this = unsafe { &mut *lp };
                if this.handles.get(key, generation).is_some() {
                    this.rearm(h);
                }
                return;
            }
            let fd = sp(h).fd;
            // SAFETY: reading into the caller's buffer of `buf.len` bytes.
            let n = unsafe { libc::read(fd, buf.base.cast(), buf.len) };
            if n > 0 {
                unsafe { read_cb(stream, n, &buf) };
                if (n as usize) < buf.len && !peer_closed {
                    return; // drained: the next arrival is a new edge
                }
                continue;
            }
            let e = if n == 0 { 0 } else { errno() };
            if e == libc::EAGAIN {
                unsafe { read_cb(stream, 0, &buf) };
                return;
            }
            if e == libc::EINTR {
                unsafe { read_cb(stream, 0, &buf) };
                continue;
            }
            // End of stream, or an error: reading is over.
            let status = {
                let this = unsafe { &mut *lp };
                let s = sp(h);
                s.flags &= !(READING | READABLE);
                if e != 0 {
                    s.flags &= !WRITABLE;
                }
                this.stream_update_active(h);
                if e == 0 { RUV_EOF } else { -e }
            };
            unsafe { read_cb(stream, status as isize, &buf) };
            return;
        }
        // Budget spent with data possibly left: hear about it again.
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_some() {
            this.rearm(h);
        }
    }

    // ---- writing -----------------------------------------------------------------

    pub(crate) fn write(&mut self, h: *mut ruv_handle_t, req: *mut ruv_write_t, bufs: &[ruv_buf_t], cb: ruv_write_cb) -> Result<(), c_int> {
        let s = sp(h);
        // SAFETY: a registered handle.
        if unsafe { handle_state::flags(h) } & CLOSING != 0 || s.fd < 0 {
            return Err(RUV_EBADF);
        }
        if s.flags & WRITABLE == 0 {
            return Err(RUV_EPIPE);
        }
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            (*req).r#type = RUV_WRITE;
            (*req).cb = cb.map_or(null_mut(), |f| f as *mut c_void);
            (*req).send_handle = null_mut();
            (*req).handle = st(h);
            let w = &mut (*req).write;
            w.next = null_mut();
            w.nbufs = bufs.len() as u32;
            w.index = 0;
            w.offset = 0;
            w.status = 0;
            if bufs.len() <= w.bufsml.len() {
                w.bufsml[..bufs.len()].copy_from_slice(bufs);
                w.bufs = w.bufsml.as_mut_ptr();
            } else {
                let mut copy = bufs.to_vec().into_boxed_slice();
                w.bufs = copy.as_mut_ptr();
                std::mem::forget(copy);
            }
        }
        self.active_reqs += 1;
        self.sync_active_reqs();
        let s = sp(h);
        let queued_before = !s.write_head.is_null() || s.flags & CONNECTING != 0;
        if !queued_before {
            // Nothing ahead of it: write now.
            match send_req(s.fd, req) {
                Ok((true, _)) => {
                    self.finish_write(h, req, 0, false);
                    return Ok(());
                }
                Ok((false, _)) => {}
                Err(e) => {
                    self.finish_write(h, req, e, false);
                    return Ok(());
                }
            }
        }
        let s = sp(h);
        if s.write_tail.is_null() {
            s.write_head = req;
        } else {
            // SAFETY: the tail is a queued request.
            unsafe { (*s.write_tail).write.next = req };
        }
        s.write_tail = req;
        // SAFETY: the caller's stream struct.
        unsafe { (*st(h)).write_queue_size += remaining(req) };
        Ok(())
    }

    /// A write request is done (or failed): onto the done list, for the
    /// pending phase. `queued`: it is the head of the write queue.
    fn finish_write(&mut self, h: *mut ruv_handle_t, req: *mut ruv_write_t, status: c_int, queued: bool) {
        let s = sp(h);
        if queued {
            // SAFETY: the head of the queue is `req`.
            s.write_head = unsafe { (*req).write.next };
            if s.write_head.is_null() {
                s.write_tail = null_mut();
            }
        }
        // SAFETY: the caller's request.
        unsafe {
            (*req).write.next = null_mut();
            (*req).write.status = status;
        }
        if s.done_tail.is_null() {
            s.done_head = req;
        } else {
            // SAFETY: the done tail is a finished request.
            unsafe { (*s.done_tail).write.next = req };
        }
        s.done_tail = req;
        self.schedule_pending(h);
    }

    /// Writes queued requests while the socket takes them; finished ones go
    /// to the done list. Shuts down the write side once the queue is empty if
    /// that was asked for. Runs no user code.
    fn flush_writes(&mut self, h: *mut ruv_handle_t) {
        loop {
            let s = sp(h);
            let req = s.write_head;
            if req.is_null() {
                break;
            }
            let before = remaining(req);
            let result = send_req(s.fd, req);
            let after = match result {
                Ok((true, _)) | Err(_) => 0,
                Ok((false, _)) => remaining(req),
            };
            // SAFETY: the caller's stream struct.
            unsafe { (*st(h)).write_queue_size -= before - after };
            match result {
                Ok((true, _)) => self.finish_write(h, req, 0, true),
                Ok((false, _)) => return, // the socket is full: wait for an edge
                Err(e) => self.finish_write(h, req, e, true),
            }
        }
        self.maybe_shutdown(h);
    }

    // ---- shutting down -----------------------------------------------------------

    pub(crate) fn shutdown(&mut self, h: *mut ruv_handle_t, req: *mut ruv_shutdown_t, cb: ruv_shutdown_cb) -> Result<(), c_int> {
        let s = sp(h);
        // SAFETY: a registered handle.
        let closing = unsafe { handle_state::flags(h) } & CLOSING != 0;
        if s.fd < 0 || s.flags & WRITABLE == 0 || s.flags & (SHUTTING | SHUT) != 0 || closing {
            return Err(RUV_ENOTCONN);
        }
        // SAFETY: the caller's request, ruv's until its callback.
        unsafe {
            (*req).r#type = RUV_SHUTDOWN;
            (*req).handle = st(h);
            (*req).cb = cb.map_or(null_mut(), |f| f as *mut c_void);
        }
        s.shutdown_req = req;
        s.flags = (s.flags | SHUTTING) & !WRITABLE;
        self.active_reqs += 1;
        self.sync_active_reqs();
        // The socket is shut down from the loop (the pending phase, or once
        // the queued writes are written), never inside this call: a stream
        // closed before that gets RUV_ECANCELED, as in libuv.
        self.schedule_pending(h);
        Ok(())
    }

    /// Shuts the write side down once nothing is queued or connecting.
    fn maybe_shutdown(&mut self, h: *mut ruv_handle_t) {
        let s = sp(h);
        if s.flags & SHUTTING == 0 || s.flags & (SHUT | CONNECTING) != 0 || !s.write_head.is_null() {
            return;
        }
        // SAFETY: shutdown on our socket.
        let r = unsafe { libc::shutdown(s.fd, libc::SHUT_WR) };
        s.shutdown_status = if r == 0 { 0 } else { -errno() };
        s.flags |= SHUT;
        self.schedule_pending(h);
    }

    /// `ruv_try_write`: no queueing.
    pub(crate) fn try_write(&mut self, h: *mut ruv_handle_t, bufs: &[ruv_buf_t]) -> c_int {
        let s = sp(h);
        if s.fd < 0 {
            return RUV_EBADF;
        }
        if !s.write_head.is_null() || s.flags & CONNECTING != 0 {
            return RUV_EAGAIN;
        }
        if s.flags & WRITABLE == 0 {
            return RUV_EPIPE;
        }
        let fd = s.fd;
        loop {
            let r = match bufs {
                // SAFETY: the caller's buffer of `len` bytes.
                [b] => unsafe { libc::send(fd, b.base.cast(), b.len, TRY_WRITE_FLAGS) },
                _ => try_write_vectored(fd, bufs),
            };
            if r > 0 {
                return r.min(c_int::MAX as isize) as c_int;
            }
            if r == 0 {
                let empty = bufs.iter().all(|b| b.len == 0);
                return if empty { 0 } else { RUV_EAGAIN };
            }
            match errno() {
                libc::EINTR => continue,
                e => return -e,
            }
        }
    }

    // ---- connecting ---------------------------------------------------------------

    /// The connect finished (or failed): report it, then write what was
    /// queued meanwhile (or cancel it).
    unsafe fn finish_connect(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t, delayed: bool) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let (req, cb, status) = {
            let this = unsafe { &mut *lp };
            let s = sp(h);
            let req = s.connect_req;
            if req.is_null() {
                return;
            }
            let status = if delayed {
                std::mem::replace(&mut s.delayed_error, 0)
            } else {
                let mut err: c_int = 0;
                let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
                // SAFETY: SO_ERROR into an int.
                unsafe {
                    libc::getsockopt(s.fd, libc::SOL_SOCKET, libc::SO_ERROR, (&raw mut err).cast(), &mut len)
                };
                if err == libc::EINPROGRESS {
                    return;
                }
                -err
            };
            s.connect_req = null_mut();
            s.flags &= !CONNECTING;
            this.active_reqs -= 1;
            this.sync_active_reqs();
            let cb = unsafe { std::mem::transmute::<*mut c_void, ruv_connect_cb>((*req).cb) };
            (req, cb, status)
        };
        if let Some(cb) = cb {
            unsafe { cb(req, status) };
        }
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_none() || unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return;
        }
        if status == 0 {
            this.flush_writes(h);
        } else {
            this.cancel_writes(h, RUV_ECANCELED);
        }
    }

    /// Fails every queued write with `status` (to the done list).
    fn cancel_writes(&mut self, h: *mut ruv_handle_t, status: c_int) {
        while !sp(h).write_head.is_null() {
            let req = sp(h).write_head;
            self.finish_write(h, req, status, true);
        }
        // SAFETY: the caller's stream struct.
        unsafe { (*st(h)).write_queue_size = 0 };
    }

    // ---- events, the pending phase, closing ----------------------------------------

    /// One readiness event for a stream.
    pub(crate) unsafe fn dispatch_stream(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t, event: &mio::event::Event) {
        let flags = sp(h).flags;
        if flags & CONNECTING != 0 {
            if event.is_writable() || event.is_error() || event.is_write_closed() {
                unsafe { Self::finish_connect(lp, key, generation, h, false) };
            }
            return;
        }
        if flags & LISTENING != 0 {
            unsafe { Self::do_accept(lp, key, generation, h) };
            return;
        }
        if flags & READING != 0 && (event.is_readable() || event.is_read_closed() || event.is_error()) {
            unsafe { Self::do_read(lp, key, generation, h, event.is_read_closed() || event.is_error()) };
        }
        // SAFETY: no user code below; the struct is valid until the close
        // phase (see do_read), so its flags tell whether it was closed.
        let this = unsafe { &mut *lp };
        if unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return;
        }
        if !sp(h).write_head.is_null() && (event.is_writable() || event.is_write_closed() || event.is_error()) {
            this.flush_writes(h);
        }
    }

    /// The pending phase: delayed connect errors, then finished writes, then
    /// a finished shutdown, for every stream queued for it before the phase
    /// began.
    /// Returns whether there was anything to do (RUV_RUN_ONCE then does not
    /// wait for I/O, as libuv's does not).
    pub(crate) unsafe fn run_pending(lp: *mut LoopInner) -> bool {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let mut batch = std::mem::take(unsafe { &mut (*lp).pending });
        let ran = !batch.is_empty();
        for &(key, generation) in &batch {
            let h = {
                let this = unsafe { &mut *lp };
                let Some(slot) = this.handles.get(key, generation) else { continue };
                let h = slot.handle();
                sp(h).flags &= !PENDING;
                if unsafe { handle_state::flags(h) } & CLOSING != 0 {
                    continue; // the close phase completes its requests
                }
                h
            };
            if !sp(h).connect_req.is_null() && sp(h).delayed_error != 0 {
                unsafe { Self::finish_connect(lp, key, generation, h, true) };
            }
            unsafe { Self::run_write_callbacks(lp, key, generation, h) };
            let this = unsafe { &mut *lp };
            if this.handles.get(key, generation).is_some() && unsafe { handle_state::flags(h) } & CLOSING == 0 {
                this.maybe_shutdown(h);
            }
            unsafe { Self::run_shutdown_callback(lp, key, generation, h, false) };
        }
        let this = unsafe { &mut *lp };
        batch.clear();
        if this.pending.is_empty() {
            this.pending = batch; // keep the allocation
        }
        ran
    }

    /// Calls the callbacks of the stream's finished writes, oldest first.
    unsafe fn run_write_callbacks(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t) {
        loop {
            // SAFETY: each `&mut *lp` ends before user code is called.
            let (req, cb, status) = {
                let this = unsafe { &mut *lp };
                if this.handles.get(key, generation).is_none() {
                    return;
                }
                let s = sp(h);
                let req = s.done_head;
                if req.is_null() {
                    return;
                }
                s.done_head = unsafe { (*req).write.next };
                if s.done_head.is_null() {
                    s.done_tail = null_mut();
                }
                release_bufs(req);
                this.active_reqs -= 1;
                this.sync_active_reqs();
                let cb = unsafe { std::mem::transmute::<*mut c_void, ruv_write_cb>((*req).cb) };
                (req, cb, unsafe { (*req).write.status })
            };
            if let Some(cb) = cb {
                unsafe { cb(req, status) };
            }
        }
    }

    /// Calls the shutdown callback once the shutdown happened (or, when the
    /// stream is closing, with RUV_ECANCELED if it did not).
    unsafe fn run_shutdown_callback(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t, closing: bool) {
        // SAFETY: the borrow ends before user code is called.
        let (req, cb, status) = {
            let this = unsafe { &mut *lp };
            if this.handles.get(key, generation).is_none() {
                return;
            }
            let s = sp(h);
            let req = s.shutdown_req;
            if req.is_null() || (s.flags & SHUT == 0 && !closing) {
                return;
            }
            s.shutdown_req = null_mut();
            s.flags &= !SHUTTING;
            this.active_reqs -= 1;
            this.sync_active_reqs();
            let status = if s.flags & SHUT != 0 { s.shutdown_status } else { RUV_ECANCELED };
            let cb = unsafe { std::mem::transmute::<*mut c_void, ruv_shutdown_cb>((*req).cb) };
            (req, cb, status)
        };
        if let Some(cb) = cb {
            unsafe { cb(req, status) };
        }
    }

    /// `ruv_close` on a stream: stop everything and close the socket now;
    /// the requests complete in the close phase.
    pub(crate) fn stream_close(&mut self, h: *mut ruv_handle_t) {
        let s = sp(h);
        if s.fd >= 0 {
            let _ = self.poll.registry().deregister(&mut SourceFd(&s.fd));
            // SAFETY: our socket; nothing refers to it any more.
            unsafe { libc::close(s.fd) };
            s.fd = -1;
        }
        if s.accepted_fd >= 0 {
            // SAFETY: accepted, never handed out.
            unsafe { libc::close(s.accepted_fd) };
            s.accepted_fd = -1;
        }
        s.flags &= !(READING | LISTENING | READABLE | WRITABLE);
    }

    /// The close phase, before the close callback: the connect, the writes
    /// and the shutdown complete (RUV_ECANCELED for what had not happened).
    pub(crate) unsafe fn stream_finish_close(lp: *mut LoopInner, key: u32, generation: u32, h: *mut ruv_handle_t) {
        // SAFETY: each `&mut *lp` ends before user code is called.
        let connect = {
            let this = unsafe { &mut *lp };
            let s = sp(h);
            let req = s.connect_req;
            if req.is_null() {
                None
            } else {
                s.connect_req = null_mut();
                s.flags &= !CONNECTING;
                this.active_reqs -= 1;
                this.sync_active_reqs();
                Some((req, unsafe { std::mem::transmute::<*mut c_void, ruv_connect_cb>((*req).cb) }))
            }
        };
        if let Some((req, Some(cb))) = connect {
            unsafe { cb(req, RUV_ECANCELED) };
        }
        unsafe { (*lp).cancel_writes(h, RUV_ECANCELED) };
        unsafe { Self::run_write_callbacks(lp, key, generation, h) };
        unsafe { Self::run_shutdown_callback(lp, key, generation, h, true) };
    }
}
