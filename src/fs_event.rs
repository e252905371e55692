//! File-system events (`ruv_fs_event_*`) on inotify: one inotify descriptor
//! per loop, made on first use and registered with the loop's poll under
//! its own token; the kernel gives one watch per path, shared by every
//! handle that watches that path. Events become libuv's: RUV_CHANGE for
//! data or attribute changes, RUV_RENAME for everything else (a name made,
//! removed or moved), with the name from the event (a directory's entry) or
//! the watched path's last component.

use crate::abi::*;
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{FsEventFields, Handle, Kind};
use crate::sys::errno;
use mio::Interest;
use mio::unix::SourceFd;
use std::collections::HashMap;
use std::ffi::{CStr, CString, c_int, c_uint};
use std::ptr::NonNull;

/// The token of the loop's inotify descriptor.
pub(crate) const INOTIFY_TOKEN: mio::Token = mio::Token(usize::MAX - 2);

/// What inotify is asked about for every watch.
const MASK: u32 = libc::IN_ATTRIB
    | libc::IN_CREATE
    | libc::IN_MODIFY
    | libc::IN_DELETE
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO;

/// The loop's inotify descriptor and which handles each watch serves.
pub(crate) struct Inotify {
    fd: c_int,
    watchers: HashMap<c_int, Vec<(u32, u32)>>,
}

impl Drop for Inotify {
    fn drop(&mut self) {
        // SAFETY: our own descriptor.
        unsafe { libc::close(self.fd) };
    }
}

fn fields<'a>(h: Handle) -> &'a mut FsEventFields {
    h.fields()
}

impl LoopInner {
    /// `ruv_fs_event_init`.
    ///
    /// # Safety
    /// `h` points at an `ruv_fs_event_t` the caller hands to ruv until its
    /// close callback.
    pub(crate) unsafe fn fs_event_init(&mut self, h: NonNull<ruv_handle_t>) -> Result {
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_FS_EVENT, Kind::FsEvent) }?;
        // SAFETY: a file-system event handle's struct is an `ruv_fs_event_t`.
        unsafe { (*h.cast::<ruv_fs_event_t>()).path = std::ptr::null_mut() };
        fields(h).wd = -1;
        Ok(())
    }

    /// The loop's inotify descriptor, made and registered on first use.
    fn inotify(&mut self) -> Result<&mut Inotify> {
        if self.inotify.is_none() {
            // SAFETY: makes a new descriptor or fails.
            let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
            if fd < 0 {
                return Err(Error::last_os_error());
            }
            let inotify = Inotify { fd, watchers: HashMap::new() };
            self.poll.registry().register(&mut SourceFd(&fd), INOTIFY_TOKEN, Interest::READABLE)?;
            self.watched += 1;
            self.inotify = Some(inotify);
        }
        Ok(self.inotify.as_mut().expect("made above"))
    }

    /// `ruv_fs_event_start`: watches `path` (a file or a directory).
    /// RUV_EINVAL for a started or closing handle.
    pub(crate) fn fs_event_start(&mut self, h: Handle, cb: ruv_fs_event_cb, path: &CStr, flags: c_uint) -> Result {
        let _ = flags;
        if h.is_active() || h.is_closing() || cb.is_none() {
            return Err(Error::INVAL);
        }
        let id = (h.key(), h.generation());
        let inotify = self.inotify()?;
        // SAFETY: our descriptor and a NUL-terminated path.
        let wd = unsafe { libc::inotify_add_watch(inotify.fd, path.as_ptr(), MASK) };
        if wd < 0 {
            return Err(Error::last_os_error());
        }
        inotify.watchers.entry(wd).or_default().push(id);
        let f = fields(h);
        f.cb = cb;
        f.wd = wd;
        // SAFETY: a file-system event handle's struct.
        unsafe { (*h.cast::<ruv_fs_event_t>()).path = path.to_owned().into_raw() };
        self.activate(h);
        Ok(())
    }

    /// `ruv_fs_event_stop` (and closing).
    pub(crate) fn fs_event_stop(&mut self, h: Handle) {
        if !h.is_active() {
            return;
        }
        let id = (h.key(), h.generation());
        let wd = std::mem::replace(&mut fields(h).wd, -1);
        if let Some(inotify) = self.inotify.as_mut() {
            let last = inotify.watchers.get_mut(&wd).is_none_or(|list| {
                list.retain(|&w| w != id);
                list.is_empty()
            });
            if last {
                inotify.watchers.remove(&wd);
                // SAFETY: our descriptor and a watch it made.
                unsafe { libc::inotify_rm_watch(inotify.fd, wd) };
            }
        }
        // SAFETY: a file-system event handle's struct; the path was made by
        // `into_raw` in `fs_event_start`.
        unsafe {
            let e = &mut *h.cast::<ruv_fs_event_t>();
            drop(CString::from_raw(e.path));
            e.path = std::ptr::null_mut();
        }
        self.deactivate(h);
    }

    /// `ruv_fs_event_getpath`, as `ruv_fs_poll_getpath`.
    pub(crate) fn fs_event_getpath(h: Handle, buffer: &mut [u8], size: &mut usize) -> Result {
        // SAFETY: a file-system event handle's struct.
        let path = unsafe { (*h.cast::<ruv_fs_event_t>()).path };
        if !h.is_active() || path.is_null() {
            return Err(Error::INVAL);
        }
        // SAFETY: ruv's own copy, NUL-terminated.
        let path = unsafe { CStr::from_ptr(path) }.to_bytes();
        crate::sys::copy_name_out(path, buffer, size)
    }

    /// The inotify descriptor is readable: read every event and call the
    /// handles of its watch back.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter).
    pub(crate) unsafe fn dispatch_inotify(lp: *mut LoopInner) {
        let mut buf = [0u8; 4096];
        loop {
            // SAFETY: a short borrow.
            let Some(fd) = (unsafe { (*lp).inotify.as_ref() }).map(|i| i.fd) else { return };
            // SAFETY: a buffer of its own length.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                if n < 0 && errno() == libc::EINTR {
                    continue;
                }
                return; // EAGAIN: drained
            }
            let mut at = 0;
            while at + std::mem::size_of::<libc::inotify_event>() <= n as usize {
                // SAFETY: the kernel wrote a whole event here.
                let ev = unsafe { std::ptr::read_unaligned(buf.as_ptr().add(at).cast::<libc::inotify_event>()) };
                let head = std::mem::size_of::<libc::inotify_event>();
                let name = &buf[at + head..at + head + ev.len as usize];
                at += head + ev.len as usize;
                // Every other bit, IN_IGNORED (the watch is gone: the path was
                // deleted) included, is a rename, as libuv reports it.
                let mut events = 0;
                if ev.mask & (libc::IN_ATTRIB | libc::IN_MODIFY) != 0 {
                    events |= RUV_CHANGE;
                }
                if ev.mask & !(libc::IN_ATTRIB | libc::IN_MODIFY) != 0 {
                    events |= RUV_RENAME;
                }
                let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
                // A directory's entry: the same name for every handle.
                let entry = (!name.is_empty()).then(|| CString::new(name).unwrap_or_default());
                // SAFETY: a short borrow.
                let ids =
                    unsafe { (*lp).inotify.as_ref() }.and_then(|i| i.watchers.get(&ev.wd)).cloned().unwrap_or_default();
                for (key, generation) in ids {
                    // SAFETY: a short borrow; the handle may have closed.
                    let Some(h) = (unsafe { (*lp).handles.get(key, generation) }) else { continue };
                    if !h.is_active() || fields(h).wd != ev.wd {
                        continue;
                    }
                    let Some(cb) = fields(h).cb else { continue };
                    // The entry's name, or the watched path's last part.
                    let own_name: CString;
                    let filename = match &entry {
                        Some(entry) => entry.as_c_str(),
                        None => {
                            // SAFETY: ruv's own copy of the path, while started.
                            let path = unsafe { CStr::from_ptr((*h.cast::<ruv_fs_event_t>()).path) }.to_bytes();
                            let base = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
                            own_name = CString::new(base).unwrap_or_default();
                            own_name.as_c_str()
                        }
                    };
                    // SAFETY: the caller's callback with its own handle.
                    unsafe { cb(h.cast(), filename.as_ptr(), events, 0) };
                }
            }
        }
    }
}
