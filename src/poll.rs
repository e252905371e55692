//! Poll handles: readiness of a descriptor the caller owns (`ruv_poll_*`).
//!
//! mio registers descriptors edge-triggered; libuv's poll handles are
//! level-triggered (the callback runs again on the next iteration while the
//! descriptor stays ready). After each callback the registration is renewed,
//! which makes epoll report a condition that still holds again: level
//! semantics at one `epoll_ctl` per event.

use crate::error::{RUV_EBADF, RUV_EEXIST, RUV_EINVAL};
use crate::event_loop::LoopInner;
use crate::ffi::handle::{self, ruv_handle_t};
use crate::handle_state::{self, Kind, PollFields, ACTIVE, CLOSING};
use crate::registry::{token, untoken};
use crate::sys::io_error;
use mio::unix::SourceFd;
use mio::Interest;
use std::collections::HashMap;
use std::ffi::c_int;
use std::os::fd::RawFd;

pub const RUV_READABLE: c_int = 1;
pub const RUV_WRITABLE: c_int = 2;
pub const RUV_DISCONNECT: c_int = 4;
pub const RUV_PRIORITIZED: c_int = 8;
const ALL_EVENTS: c_int = RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT | RUV_PRIORITIZED;

/// `ruv_poll_cb`'s Rust shape: (handle, status, events).
pub type PollCb = unsafe extern "C" fn(*mut ruv_handle_t, c_int, c_int);

/// Which descriptors have a started poll handle: as in libuv, only one
/// handle per descriptor may be started (others may exist, stopped).
pub type PollFds = HashMap<RawFd, u32>;

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

fn fields<'a>(h: *mut ruv_handle_t) -> &'a mut PollFields {
    // SAFETY: only called on registered poll handles, never across user code.
    unsafe { handle_state::fields(h) }
}

impl LoopInner {
    /// `ruv_poll_init`: the descriptor must be pollable (not a regular file)
    /// and not have a started poll handle; it is made non-blocking.
    pub(crate) unsafe fn poll_init(&mut self, h: *mut ruv_handle_t, fd: RawFd) -> Result<(), c_int> {
        if fd < 0 {
            return Err(RUV_EBADF);
        }
        if self.poll_fds.contains_key(&fd) {
            return Err(RUV_EEXIST);
        }
        // Can epoll watch it? (A regular file gives EPERM.)
        let registry = self.poll.registry();
        registry
            .register(&mut SourceFd(&fd), mio::Token(usize::MAX - 1), Interest::READABLE)
            .map_err(io_error)?;
        registry.deregister(&mut SourceFd(&fd)).map_err(io_error)?;
        crate::sys::set_nonblocking(fd, true)?;
        unsafe { self.register(h, handle::RUV_POLL, Kind::Poll) };
        fields(h).fd = fd;
        Ok(())
    }

    /// `ruv_poll_start`: (re)starts watching for `events`; 0 stops.
    pub(crate) fn poll_start(
        &mut self,
        h: *mut ruv_handle_t,
        key: u32,
        events: c_int,
        cb: Option<PollCb>,
    ) -> Result<(), c_int> {
        // SAFETY: a registered handle.
        if events & !ALL_EVENTS != 0 || unsafe { handle_state::flags(h) } & CLOSING != 0 {
            return Err(RUV_EINVAL);
        }
        if events == 0 {
            self.poll_stop(h);
            return Ok(());
        }
        if cb.is_none() {
            return Err(RUV_EINVAL);
        }
        let fd = fields(h).fd;
        if self.poll_fds.get(&fd).is_some_and(|&other| other != key) {
            return Err(RUV_EEXIST);
        }
        let tok = token(key, self.handles.slot_mut(key).generation);
        let p = fields(h);
        let registry = self.poll.registry();
        let registered = if p.registered {
            registry.reregister(&mut SourceFd(&p.fd), tok, interest(events))
        } else {
            registry.register(&mut SourceFd(&p.fd), tok, interest(events))
        };
        if let Err(e) = registered {
            // (The descriptor was closed under the handle, say.) Leave the
            // handle stopped rather than active with nothing to wake it.
            self.poll_stop(h);
            return Err(io_error(e));
        }
        self.poll_fds.insert(fd, key);
        p.registered = true;
        p.events = events;
        p.cb = cb;
        self.activate(h);
        Ok(())
    }

    /// `ruv_poll_stop`.
    pub(crate) fn poll_stop(&mut self, h: *mut ruv_handle_t) {
        let p = fields(h);
        if p.registered {
            p.registered = false;
            p.events = 0;
            self.poll_fds.remove(&p.fd);
            // The caller may have closed the descriptor already (libuv says
            // not to, but it must not hurt the loop): ignore the error.
            let _ = self.poll.registry().deregister(&mut SourceFd(&p.fd));
        }
        self.deactivate(h);
    }

    /// One readiness event for a poll handle.
    pub(crate) unsafe fn dispatch_poll(lp: *mut LoopInner, event: &mio::event::Event) {
        let (key, generation) = untoken(event.token());
        // SAFETY: each `&mut *lp` ends before user code is called.
        let (cb, h, status, events) = {
            let this = unsafe { &mut *lp };
            let Some(slot) = this.handles.get(key, generation) else { return };
            let h = slot.handle();
            if unsafe { handle_state::flags(h) } & (ACTIVE | CLOSING) != ACTIVE {
                return;
            }
            let (want, cb) = (fields(h).events, fields(h).cb);
            if event.is_error() && !event.is_priority() {
                // As libuv: an error condition stops the handle and is
                // reported once as RUV_EBADF.
                this.poll_stop(h);
                (cb, h, RUV_EBADF, 0)
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
                (cb, h, 0, got)
            }
        };
        if let Some(cb) = cb {
            unsafe { cb(h, status, events) };
        }
        // Re-arm so a condition that still holds is reported again.
        let this = unsafe { &mut *lp };
        if this.handles.get(key, generation).is_some()
            && unsafe { handle_state::flags(h) } & (ACTIVE | CLOSING) == ACTIVE
            && fields(h).registered
        {
            let p = fields(h);
            let _ = this.poll.registry().reregister(
                &mut SourceFd(&p.fd),
                token(key, generation),
                interest(p.events),
            );
        }
    }
}
