//! Poll handles: readiness of a descriptor the caller owns (`ruv_poll_*`).
//!
//! mio registers descriptors edge-triggered; libuv's poll handles are
//! level-triggered (the callback runs again on the next iteration while the
//! descriptor stays ready). After each callback the registration is renewed,
//! which makes epoll report a condition that still holds again: level
//! semantics at one `epoll_ctl` per event.
//!
//! libuv lets a poll handle watch a descriptor that a stream of the same loop
//! holds, while that stream is not reading. epoll takes each descriptor once
//! per epoll set, and ruv's streams stay registered, so such a poll handle
//! watches a duplicate of the descriptor (`dup`): the same socket, its own
//! registration. The duplicate is closed when the handle stops.

use crate::abi::{RUV_DISCONNECT, RUV_POLL, RUV_PRIORITIZED, RUV_READABLE, RUV_WRITABLE, ruv_handle_t, ruv_poll_cb};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind, PollFields};
use crate::registry::token;
use mio::Interest;
use mio::unix::SourceFd;
use std::collections::HashMap;
use std::ffi::c_int;
use std::os::fd::RawFd;
use std::ptr::NonNull;

const ALL_EVENTS: c_int = RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT | RUV_PRIORITIZED;

/// Which descriptors have a started poll handle: as in libuv, only one
/// handle per descriptor may be started (others may exist, stopped).
pub(crate) type PollFds = HashMap<RawFd, u32>;

fn interest(events: c_int) -> Interest {
    let mut i: Option<Interest> = None;
    let mut add = |x: Interest| i = Some(i.map_or(x, |i| i.add(x)));
    // DISCONNECT alone still needs EPOLLIN|EPOLLRDHUP, which mio ties to
    // READABLE; readable edges nobody asked for are filtered at dispatch.
    if events & (RUV_READABLE | RUV_DISCONNECT) != 0 {
        add(Interest::READABLE);
    }
    if events & RUV_WRITABLE != 0 {
        add(Interest::WRITABLE);
    }
    if events & RUV_PRIORITIZED != 0 {
        add(Interest::PRIORITY);
    }
    i.expect("events is not 0")
}

fn fields<'a>(h: Handle) -> &'a mut PollFields {
    h.fields()
}

impl LoopInner {
    /// `ruv_poll_init`: the descriptor must be pollable (not a regular file)
    /// and not have a started poll handle; it is made non-blocking.
    ///
    /// # Safety
    /// `h` points at a poll handle struct that the caller hands to ruv until
    /// its close callback.
    pub(crate) unsafe fn poll_init(&mut self, h: NonNull<ruv_handle_t>, fd: RawFd) -> Result {
        if fd < 0 {
            return Err(Error::BADF);
        }
        if self.poll_fds.contains_key(&fd) {
            return Err(Error::EXIST);
        }
        // Can epoll watch it? (A regular file gives EPERM.) A descriptor the
        // loop watches already (a stream's) can be watched, through a dup.
        let registry = self.poll.registry();
        match registry.register(&mut SourceFd(&fd), mio::Token(usize::MAX - 1), Interest::READABLE) {
            Ok(()) => registry.deregister(&mut SourceFd(&fd))?,
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => {}
            Err(e) => return Err(e.into()),
        }
        crate::sys::set_nonblocking(fd, true)?;
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_POLL, Kind::Poll) }?;
        let p = fields(h);
        p.fd = fd;
        p.watched_fd = -1;
        Ok(())
    }

    /// `ruv_poll_start`: (re)starts watching for `events`; 0 stops.
    pub(crate) fn poll_start(&mut self, h: Handle, events: c_int, cb: ruv_poll_cb) -> Result {
        if events & !ALL_EVENTS != 0 || h.is_closing() {
            return Err(Error::INVAL);
        }
        if events == 0 {
            self.poll_stop(h);
            return Ok(());
        }
        if cb.is_none() {
            return Err(Error::INVAL);
        }
        let fd = fields(h).fd;
        if self.poll_fds.get(&fd).is_some_and(|&other| other != h.key()) {
            return Err(Error::EXIST);
        }
        let tok = token(h.key(), h.generation());
        let p = fields(h);
        let registry = self.poll.registry();
        let registered = if p.registered {
            registry.reregister(&mut SourceFd(&p.watched_fd), tok, interest(events))
        } else {
            match registry.register(&mut SourceFd(&fd), tok, interest(events)) {
                Ok(()) => {
                    p.watched_fd = fd;
                    Ok(())
                }
                Err(e) if e.raw_os_error() == Some(libc::EEXIST) => watch_duplicate(registry, fd, tok, events, p),
                Err(e) => Err(e),
            }
        };
        if let Err(e) = registered {
            // (The descriptor was closed under the handle, say.) Leave the
            // handle stopped rather than active with nothing to wake it.
            self.poll_stop(h);
            return Err(e.into());
        }
        if !p.registered {
            self.watched += 1;
        }
        self.poll_fds.insert(fd, h.key());
        p.registered = true;
        p.events = events;
        p.cb = cb;
        self.activate(h);
        Ok(())
    }

    /// `ruv_poll_stop`.
    pub(crate) fn poll_stop(&mut self, h: Handle) {
        let p = fields(h);
        if p.registered {
            p.registered = false;
            p.events = 0;
            self.watched -= 1;
            self.poll_fds.remove(&p.fd);
            // The caller may have closed the descriptor already (libuv says
            // not to, but it must not hurt the loop): ignore the error.
            let _ = self.poll.registry().deregister(&mut SourceFd(&p.watched_fd));
            if p.watched_fd != p.fd {
                // SAFETY: the duplicate is ruv's own descriptor.
                unsafe { libc::close(p.watched_fd) };
            }
            p.watched_fd = -1;
        }
        self.deactivate(h);
    }

    /// One readiness event for a poll handle.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (the callback
    /// re-enters); `h` is registered.
    pub(crate) unsafe fn dispatch_poll(lp: *mut LoopInner, h: Handle, event: &mio::event::Event) {
        let (key, generation) = (h.key(), h.generation());
        // SAFETY: the borrow ends before user code is called.
        let (cb, status, events) = {
            // SAFETY: `lp` is live; this borrow ends before any user code runs.
            let this = unsafe { &mut *lp };
            if !h.is_active() || h.is_closing() {
                return;
            }
            let (want, cb) = (fields(h).events, fields(h).cb);
            if event.is_error() && !event.is_priority() {
                // As libuv: an error condition stops the handle and is
                // reported once as RUV_EBADF.
                this.poll_stop(h);
                (cb, Error::BADF.code(), 0)
            } else {
                let mut got = 0;
                if want & RUV_READABLE != 0 && (event.is_readable() || event.is_read_closed()) {
                    got |= RUV_READABLE;
                }
                if want & RUV_WRITABLE != 0 && (event.is_writable() || event.is_write_closed()) {
                    got |= RUV_WRITABLE;
                }
                if want & RUV_DISCONNECT != 0 && event.is_read_closed() {
                    got |= RUV_DISCONNECT;
                }
                if want & RUV_PRIORITIZED != 0 && event.is_priority() {
                    got |= RUV_PRIORITIZED;
                }
                if got == 0 {
                    return;
                }
                (cb, 0, got)
            }
        };
        if let Some(cb) = cb {
            // SAFETY: the caller's callback with its own handle.
            unsafe { cb(h.cast(), status, events) };
        }
        // Re-arm so a condition that still holds is reported again.
        // SAFETY: no user code runs while this borrow lives.
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_some() && h.is_active() && !h.is_closing() && fields(h).registered {
            let p = fields(h);
            let _ = this.poll.registry().reregister(
                &mut SourceFd(&p.watched_fd),
                token(key, generation),
                interest(p.events),
            );
        }
    }
}

/// Registers a close-on-exec duplicate of `fd` (which the loop watches for a
/// stream already) for a poll handle.
fn watch_duplicate(
    registry: &mio::Registry,
    fd: RawFd,
    tok: mio::Token,
    events: c_int,
    p: &mut PollFields,
) -> std::io::Result<()> {
    // SAFETY: F_DUPFD_CLOEXEC makes a new descriptor or fails.
    let dup = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
    if dup < 0 {
        return Err(std::io::Error::last_os_error());
    }
    if let Err(e) = registry.register(&mut SourceFd(&dup), tok, interest(events)) {
        crate::sys::close(dup); // our own duplicate
        return Err(e);
    }
    p.watched_fd = dup;
    Ok(())
}
