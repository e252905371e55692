//! Terminals (`ruv_tty_t`): a stream on a terminal descriptor, its modes
//! (normal, raw, I/O), its size, and `ruv_guess_handle`.
//!
//! As libuv, `ruv_tty_init` reopens a terminal's slave side by name
//! (`ttyname`) and puts the new descriptor in the caller's place, so making
//! it non-blocking does not change the file other processes share (`prog |
//! cat`: fd 0 and cat's fd 1 would be one file). Where that cannot be done
//! (a pty master), the descriptor keeps its blocking mode and writes block.
//!
//! The settings before the first change of mode are kept for
//! `ruv_tty_reset_mode`, which a signal handler may call: it takes a
//! spinlock word, never a mutex, and reads only plain copies.

use crate::abi::{
    RUV_FILE, RUV_NAMED_PIPE, RUV_TCP, RUV_TTY, RUV_TTY_MODE_IO, RUV_TTY_MODE_NORMAL, RUV_TTY_MODE_RAW,
    RUV_TTY_MODE_RAW_VT, RUV_UDP, RUV_UNKNOWN_HANDLE, ruv_handle_t, ruv_handle_type, ruv_tty_mode_t, ruv_tty_t,
};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind};
use crate::stream::set_access;
use crate::sys::{errno, set_nonblocking};
use std::cell::UnsafeCell;
use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// What `ruv_tty_reset_mode` puts back: the first terminal whose mode was
/// changed, and its settings from before.
struct Original {
    fd: AtomicI32,
    termios: UnsafeCell<libc::termios>,
}

// SAFETY: `termios` is written only with `LOCK` held, and read by
// `reset_mode` only with it held too.
unsafe impl Sync for Original {}

static ORIGINAL: Original = Original {
    fd: AtomicI32::new(-1),
    // SAFETY: zeroes are a valid termios (overwritten before any use).
    termios: UnsafeCell::new(unsafe { std::mem::zeroed() }),
};

/// The spinlock over `ORIGINAL` (async-signal-safe, unlike a mutex).
static LOCK: AtomicBool = AtomicBool::new(false);

fn termios_of(tty: &mut ruv_tty_t) -> &mut libc::termios {
    const _: () = assert!(size_of::<libc::termios>() == size_of::<[u32; 15]>());
    // SAFETY: the 60-byte, 4-aligned field holds a termios (the assertion).
    unsafe { &mut *(&raw mut tty.orig_termios).cast::<libc::termios>() }
}

fn public<'a>(h: Handle) -> &'a mut ruv_tty_t {
    // SAFETY: a tty handle's struct is a `ruv_tty_t`, the caller's until its
    // close callback; touched on the loop thread only.
    unsafe { &mut *h.cast::<ruv_tty_t>() }
}

/// `ruv_guess_handle`: what kind of handle suits a descriptor, by libuv's
/// rules (a character device other than a terminal counts as a file).
pub(crate) fn guess_handle(fd: c_int) -> ruv_handle_type {
    if fd < 0 {
        return RUV_UNKNOWN_HANDLE;
    }
    // SAFETY: isatty and fstat only ask about the descriptor.
    if unsafe { libc::isatty(fd) } == 1 {
        return RUV_TTY;
    }
    // SAFETY: zeroes are a valid stat buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return RUV_UNKNOWN_HANDLE;
    }
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG | libc::S_IFCHR => RUV_FILE,
        libc::S_IFIFO => RUV_NAMED_PIPE,
        libc::S_IFSOCK => match crate::stream::handle_type_of(fd) {
            t @ (RUV_TCP | RUV_NAMED_PIPE | RUV_UDP) => t,
            _ => RUV_UNKNOWN_HANDLE,
        },
        _ => RUV_UNKNOWN_HANDLE,
    }
}

/// A terminal's slave side reopened by name, close-on-exec, without
/// becoming the controlling terminal; None for a master or a nameless one.
fn reopen(fd: c_int, access: c_int) -> Option<c_int> {
    // A pty master answers TIOCGPTN; reopening it would make a new pair.
    let mut pty_number: c_int = 0;
    // SAFETY: TIOCGPTN into an int, or an error.
    if unsafe { libc::ioctl(fd, libc::TIOCGPTN, &mut pty_number) } == 0 {
        return None;
    }
    let mut name = [0 as libc::c_char; 256];
    // SAFETY: a buffer of its length.
    if unsafe { libc::ttyname_r(fd, name.as_mut_ptr(), name.len()) } != 0 {
        return None;
    }
    // SAFETY: as above.
    let new = unsafe { libc::open(name.as_ptr(), access | libc::O_NOCTTY | libc::O_CLOEXEC) };
    (new >= 0).then_some(new)
}

fn tcsetattr(fd: c_int, when: c_int, t: &libc::termios) -> Result {
    loop {
        // SAFETY: a valid termios.
        if unsafe { libc::tcsetattr(fd, when, t) } == 0 {
            return Ok(());
        }
        if errno() != libc::EINTR {
            return Err(Error::last_os_error());
        }
    }
}

/// `ruv_tty_reset_mode`: the first changed terminal's settings back (safe
/// in a signal handler). RUV_EBUSY while `ruv_tty_set_mode` holds the lock.
pub(crate) fn reset_mode() -> Result {
    // SAFETY: errno is thread-local; restored below for a signal handler's
    // interrupted code.
    let saved = unsafe { *libc::__errno_location() };
    if LOCK.swap(true, Ordering::Acquire) {
        return Err(Error::BUSY);
    }
    let fd = ORIGINAL.fd.load(Ordering::Relaxed);
    // SAFETY: read under the lock.
    let r = if fd >= 0 { tcsetattr(fd, libc::TCSANOW, unsafe { &*ORIGINAL.termios.get() }) } else { Ok(()) };
    LOCK.store(false, Ordering::Release);
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = saved };
    r
}

fn with_lock(f: impl FnOnce()) {
    while LOCK.swap(true, Ordering::Acquire) {
        std::hint::spin_loop();
    }
    f();
    LOCK.store(false, Ordering::Release);
}

impl LoopInner {
    /// `ruv_tty_init`.
    ///
    /// # Safety
    /// `h` points at a tty handle struct that the caller hands to ruv until
    /// its close callback.
    pub(crate) unsafe fn tty_init(&mut self, h: NonNull<ruv_handle_t>, fd: c_int) -> Result {
        let kind = guess_handle(fd);
        if kind == RUV_FILE || kind == RUV_UNKNOWN_HANDLE {
            return Err(Error::INVAL); // epoll cannot watch files
        }
        // SAFETY: F_GETFL only reads the descriptor's flags.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 {
            return Err(Error::last_os_error());
        }
        let access = flags & libc::O_ACCMODE;
        let mut fd = fd;
        let mut blocking_writes = false;
        if kind == RUV_TTY {
            match reopen(fd, access) {
                Some(new) => {
                    // The caller's descriptor now names the new file too.
                    // SAFETY: two descriptors we hold.
                    if unsafe { libc::dup3(new, fd, libc::O_CLOEXEC) } < 0 && errno() != libc::EINVAL {
                        let e = Error::last_os_error();
                        crate::sys::close(new);
                        return Err(e);
                    }
                    fd = new;
                }
                None => blocking_writes = access != libc::O_RDONLY,
            }
        }
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_TTY, Kind::Tty) }?;
        Self::stream_init(h);
        let tty = public(h);
        tty.mode = RUV_TTY_MODE_NORMAL;
        tty.orig_termios = [0; 15];
        if !blocking_writes {
            let _ = set_nonblocking(fd, true);
        }
        if let Err(e) = self.stream_open(h, fd, false) {
            self.unregister(h);
            return Err(e);
        }
        set_access(h, access);
        Ok(())
    }

    /// `ruv_tty_set_mode`.
    pub(crate) fn tty_set_mode(h: Handle, mode: ruv_tty_mode_t) -> Result {
        if !(RUV_TTY_MODE_NORMAL..=RUV_TTY_MODE_RAW_VT).contains(&mode) {
            return Err(Error::INVAL);
        }
        let tty = public(h);
        if tty.mode == mode {
            return Ok(());
        }
        let fd = h.stream().fd;
        if fd < 0 {
            return Err(Error::BADF);
        }
        if tty.mode == RUV_TTY_MODE_NORMAL {
            let orig = termios_of(tty);
            // SAFETY: a termios buffer.
            if unsafe { libc::tcgetattr(fd, orig) } != 0 {
                return Err(Error::last_os_error());
            }
            let orig = *orig;
            with_lock(|| {
                if ORIGINAL.fd.load(Ordering::Relaxed) == -1 {
                    // SAFETY: written under the lock.
                    unsafe { *ORIGINAL.termios.get() = orig };
                    ORIGINAL.fd.store(fd, Ordering::Relaxed);
                }
            });
        }
        let mut t = *termios_of(tty);
        match mode {
            RUV_TTY_MODE_RAW | RUV_TTY_MODE_RAW_VT => {
                t.c_iflag &= !(libc::BRKINT | libc::ICRNL | libc::INPCK | libc::ISTRIP | libc::IXON);
                t.c_oflag |= libc::ONLCR;
                t.c_cflag |= libc::CS8;
                t.c_lflag &= !(libc::ECHO | libc::ICANON | libc::IEXTEN | libc::ISIG);
                t.c_cc[libc::VMIN] = 1;
                t.c_cc[libc::VTIME] = 0;
            }
            // SAFETY: a valid termios.
            RUV_TTY_MODE_IO => unsafe { libc::cfmakeraw(&mut t) },
            _ => {} // NORMAL: the saved settings as they were
        }
        tcsetattr(fd, libc::TCSADRAIN, &t)?;
        tty.mode = mode;
        Ok(())
    }

    /// `ruv_tty_get_winsize`: columns and rows.
    pub(crate) fn tty_winsize(h: Handle) -> Result<(c_int, c_int)> {
        // SAFETY: zeroes are a valid winsize.
        let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
        loop {
            // SAFETY: TIOCGWINSZ into a winsize.
            if unsafe { libc::ioctl(h.stream().fd, libc::TIOCGWINSZ, &mut ws) } == 0 {
                return Ok((c_int::from(ws.ws_col), c_int::from(ws.ws_row)));
            }
            if errno() != libc::EINTR {
                return Err(Error::last_os_error());
            }
        }
    }

    /// A tty is closing: a mode it changed goes back first, and
    /// `ruv_tty_reset_mode` forgets its descriptor (which is about to close
    /// and could be reused by another file).
    pub(crate) fn tty_close(h: Handle) {
        let fd = h.stream().fd;
        if public(h).mode != RUV_TTY_MODE_NORMAL && fd >= 0 {
            let _ = Self::tty_set_mode(h, RUV_TTY_MODE_NORMAL);
        }
        with_lock(|| {
            if fd >= 0 && ORIGINAL.fd.load(Ordering::Relaxed) == fd {
                ORIGINAL.fd.store(-1, Ordering::Relaxed);
            }
        });
    }
}
