//! Signal handles (`ruv_signal_t`): a signal's deliveries as callbacks on
//! the loop's thread.
//!
//! One process-wide handler per signal watched, installed when the first
//! handle (of any loop) starts on it and replaced by the disposition it found
//! when the last one stops (libuv sets `SIG_DFL` there instead). While every
//! watcher of a signal is one-shot the handler is installed with
//! `SA_RESETHAND`, as libuv's: it is reset the moment the signal is received,
//! so a second delivery before the callbacks gets the default action (a
//! second Ctrl-C ends the program). The handler does only what is safe in a
//! signal handler: it bumps the signal's delivery count (an atomic) and
//! writes to the eventfd of every loop that watches signals. A loop woken
//! that way compares each started handle's count with the signal's and calls
//! the callback once per delivery since, in the loop's poll phase, never
//! inside the handler. Several handles, on one loop or several, each get
//! every delivery; a one-shot handle gets one and stops after its callback
//! (unless the callback starts it again), as libuv's.

use crate::abi::{RUV_SIGNAL, ruv_handle_t, ruv_signal_cb, ruv_signal_t};
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::handle::{Handle, Kind, SignalFields};
use mio::Interest;
use mio::unix::SourceFd;
use std::ffi::c_int;
use std::ptr::NonNull;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};

/// The mio token of a loop's signal eventfd.
pub(crate) const SIGNAL_TOKEN: mio::Token = mio::Token(usize::MAX - 3);

/// Signals 1..NSIG (Linux: 64, with the real-time ones).
const NSIG: usize = 65;

/// Loops that may watch signals at once (each takes a slot while it has a
/// started signal handle or until it closes).
const MAX_LOOPS: usize = 256;

/// Deliveries of each signal since the process started ruv's handler.
static DELIVERED: [AtomicU64; NSIG] = [const { AtomicU64::new(0) }; NSIG];

/// The eventfds of the loops that watch signals (-1: a free slot).
static WAKE_FDS: [AtomicI32; MAX_LOOPS] = [const { AtomicI32::new(-1) }; MAX_LOOPS];

/// Handlers running now, on any thread: a loop that gives its slot up waits
/// for them before it closes its eventfd, so no handler writes to a
/// descriptor number that may already name another file.
static IN_HANDLER: AtomicUsize = AtomicUsize::new(0);

/// For each signal ruv handles: how many started handles watch it (and how
/// many of those are one-shot), and the disposition to put back when the
/// last one stops.
struct Installed {
    watchers: usize,
    oneshots: usize,
    previous: libc::sigaction,
}

// SAFETY: a `sigaction` is plain data (a handler address, a mask, flags).
unsafe impl Send for Installed {}

static INSTALLED: Mutex<[Option<Installed>; NSIG]> = Mutex::new([const { None }; NSIG]);

extern "C" fn on_signal(signum: c_int) {
    // SAFETY: errno is thread-local; saved and restored around the writes,
    // so the interrupted code sees its own.
    let errno = unsafe { *libc::__errno_location() };
    IN_HANDLER.fetch_add(1, Ordering::SeqCst);
    if let Some(count) = DELIVERED.get(signum as usize) {
        count.fetch_add(1, Ordering::SeqCst);
    }
    let one: u64 = 1;
    for slot in &WAKE_FDS {
        let fd = slot.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: write(2) is async-signal-safe; an 8-byte eventfd add.
            // (A full counter is EAGAIN: the loop is being woken anyway.)
            unsafe { libc::write(fd, (&raw const one).cast(), 8) };
        }
    }
    IN_HANDLER.fetch_sub(1, Ordering::SeqCst);
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// Installs ruv's handler for `signum`: reset on receipt (`SA_RESETHAND`)
/// when `oneshot`. The disposition it replaces goes to `previous`.
fn install(signum: c_int, oneshot: bool, previous: &mut libc::sigaction) -> Result {
    // SAFETY: zeroes are a valid sigaction; the mask is filled below.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = on_signal as extern "C" fn(c_int) as libc::sighandler_t;
    // As libuv: other signals wait while the handler runs; interrupted
    // system calls restart.
    action.sa_flags = libc::SA_RESTART | if oneshot { libc::SA_RESETHAND } else { 0 };
    // SAFETY: a valid mask and actions.
    let installed =
        unsafe { libc::sigfillset(&mut action.sa_mask) == 0 && libc::sigaction(signum, &action, previous) == 0 };
    if installed { Ok(()) } else { Err(Error::last_os_error()) } // SIGKILL, SIGSTOP: EINVAL
}

/// Counts one more watcher of `signum` and installs ruv's handler: for the
/// first, keeping the disposition it replaces; for the others again, as the
/// watchers now need it (one-shot only, or not), and in case a one-shot
/// delivery has reset it.
fn watch(signum: c_int, oneshot: bool) -> Result {
    let mut table = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    let entry = &mut table[signum as usize];
    // SAFETY: zeroes are a valid sigaction.
    let mut previous: libc::sigaction = unsafe { std::mem::zeroed() };
    let Some(installed) = entry else {
        install(signum, oneshot, &mut previous)?;
        *entry = Some(Installed { watchers: 1, oneshots: usize::from(oneshot), previous });
        return Ok(());
    };
    installed.watchers += 1;
    installed.oneshots += usize::from(oneshot);
    install(signum, installed.watchers == installed.oneshots, &mut previous)
}

/// Counts one watcher of `signum` less, putting the previous disposition
/// back after the last; when only one-shot watchers are left, the handler
/// resets on receipt again.
fn unwatch(signum: c_int, oneshot: bool) {
    let mut table = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
    let entry = &mut table[signum as usize];
    let Some(installed) = entry else { return };
    installed.watchers -= 1;
    installed.oneshots -= usize::from(oneshot);
    if installed.watchers == 0 {
        // SAFETY: the disposition sigaction gave when ruv's went in.
        unsafe { libc::sigaction(signum, &installed.previous, std::ptr::null_mut()) };
        *entry = None;
    } else if !oneshot && installed.watchers == installed.oneshots {
        // SAFETY: zeroes are a valid sigaction.
        let mut replaced: libc::sigaction = unsafe { std::mem::zeroed() };
        let _ = install(signum, true, &mut replaced); // it went in before
    }
}

/// A loop's part: its eventfd, in a slot the handler writes to, and its
/// started handles.
pub(crate) struct LoopSignals {
    fd: c_int,
    slot: usize,
    started: Vec<(u32, u32)>,
}

impl Drop for LoopSignals {
    fn drop(&mut self) {
        WAKE_FDS[self.slot].store(-1, Ordering::SeqCst);
        // A handler that read the descriptor before the store may still be
        // writing to it: wait for the handlers that run now (they are short).
        while IN_HANDLER.load(Ordering::SeqCst) != 0 {
            std::thread::yield_now();
        }
        // SAFETY: our own eventfd, in no slot now.
        unsafe { libc::close(self.fd) };
    }
}

fn fields<'a>(h: Handle) -> &'a mut SignalFields {
    h.fields()
}

fn public<'a>(h: Handle) -> &'a mut ruv_signal_t {
    // SAFETY: a signal handle's struct is a `ruv_signal_t`, the caller's
    // until its close callback; touched on the loop thread only.
    unsafe { &mut *h.cast::<ruv_signal_t>() }
}

impl LoopInner {
    /// `ruv_signal_init`.
    ///
    /// # Safety
    /// `h` points at a signal handle struct that the caller hands to ruv
    /// until its close callback.
    pub(crate) unsafe fn signal_init(&mut self, h: NonNull<ruv_handle_t>) -> Result {
        // SAFETY: forwarded.
        let h = unsafe { self.register(h, RUV_SIGNAL, Kind::Signal) }?;
        let p = public(h);
        p.signal_cb = None;
        p.signum = 0;
        *fields(h) = SignalFields { seen: 0, oneshot: false, stop_after: false };
        Ok(())
    }

    /// The loop's eventfd in a handler slot, made on first use.
    fn loop_signals(&mut self) -> Result<&mut LoopSignals> {
        if self.signals.is_none() {
            // SAFETY: a new eventfd.
            let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
            if fd < 0 {
                return Err(Error::last_os_error());
            }
            let slot =
                WAKE_FDS.iter().position(|s| s.compare_exchange(-1, fd, Ordering::SeqCst, Ordering::SeqCst).is_ok());
            let Some(slot) = slot else {
                crate::sys::close(fd); // ours, never shared
                return Err(Error::from_errno(libc::ENOMEM)); // every slot taken
            };
            let signals = LoopSignals { fd, slot, started: Vec::new() };
            self.poll.registry().register(&mut SourceFd(&fd), SIGNAL_TOKEN, Interest::READABLE)?;
            self.signals = Some(Box::new(signals));
        }
        Ok(self.signals.as_mut().expect("made above"))
    }

    /// `ruv_signal_start` and `_oneshot`. Started on the same signal again:
    /// the callback is replaced. On another: moved to it.
    pub(crate) fn signal_start(&mut self, h: Handle, cb: ruv_signal_cb, signum: c_int, oneshot: bool) -> Result {
        if h.is_closing() || signum <= 0 || signum as usize >= NSIG {
            return Err(Error::INVAL);
        }
        if cb.is_none() {
            return Err(Error::INVAL);
        }
        fields(h).stop_after = false; // started again from its own callback
        let current = public(h).signum;
        if current == signum {
            // Counted again as what it is now; the handler goes in again
            // (a one-shot delivery may have reset it).
            let was = fields(h).oneshot;
            watch(signum, oneshot)?;
            unwatch(signum, was);
            fields(h).oneshot = oneshot;
            public(h).signal_cb = cb;
            return Ok(());
        }
        // Deliveries from here on are this handle's.
        let seen = DELIVERED[signum as usize].load(Ordering::SeqCst);
        self.loop_signals()?;
        watch(signum, oneshot)?;
        if current != 0 {
            self.signal_stop(h);
        }
        let id = (h.key(), h.generation());
        self.signals.as_mut().expect("made by loop_signals").started.push(id);
        let p = public(h);
        p.signal_cb = cb;
        p.signum = signum;
        *fields(h) = SignalFields { seen, oneshot, stop_after: false };
        self.activate(h);
        Ok(())
    }

    /// `ruv_signal_stop` (and closing): no more callbacks; `signum` reads 0.
    pub(crate) fn signal_stop(&mut self, h: Handle) {
        let signum = std::mem::replace(&mut public(h).signum, 0);
        if signum == 0 {
            return;
        }
        if let Some(signals) = self.signals.as_mut() {
            signals.started.retain(|id| *id != (h.key(), h.generation()));
        }
        unwatch(signum, fields(h).oneshot);
        self.deactivate(h);
    }

    /// The loop's signal eventfd fired: each started handle's callback runs
    /// once per delivery of its signal since it last looked.
    ///
    /// # Safety
    /// `lp` is a live loop, not borrowed by the caller (callbacks re-enter).
    pub(crate) unsafe fn dispatch_signals(lp: *mut LoopInner) {
        let started = {
            // SAFETY: a short borrow.
            let Some(signals) = (unsafe { (*lp).signals.as_ref() }) else { return };
            let mut count = 0u64;
            // SAFETY: draining our own non-blocking eventfd.
            unsafe { libc::read(signals.fd, (&raw mut count).cast(), 8) };
            signals.started.clone()
        };
        for (key, generation) in started {
            // SAFETY: a short borrow each time; the handle may have gone
            // meanwhile (a callback may close it).
            while let Some(h) = unsafe { (*lp).handles.get(key, generation) } {
                let signum = public(h).signum;
                if signum == 0 || h.is_closing() {
                    break;
                }
                let delivered = DELIVERED[signum as usize].load(Ordering::SeqCst);
                let f = fields(h);
                if f.seen >= delivered {
                    break;
                }
                let oneshot = f.oneshot;
                f.seen = if oneshot { delivered } else { f.seen + 1 };
                // A one-shot handle stops after its callback, as libuv's
                // (still active, `signum` set, in it), unless the callback
                // starts it again.
                f.stop_after = oneshot;
                let cb = public(h).signal_cb;
                if let Some(cb) = cb {
                    // SAFETY: the caller's callback with its own handle.
                    unsafe { cb(h.cast(), signum) };
                }
                if oneshot {
                    // SAFETY: a short borrow; the handle may have been
                    // closed (its struct stays valid until the close phase).
                    let this = unsafe { &mut *lp };
                    if this.handles.get(key, generation).is_some() && std::mem::take(&mut fields(h).stop_after) {
                        this.signal_stop(h);
                    }
                    break;
                }
            }
        }
    }
}
