//! Monotonic clocks: the loop's cached millisecond time and `ruv_hrtime`.

use std::sync::OnceLock;

#[inline]
fn read(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; clock_gettime cannot fail for the
    // monotonic clocks on Linux.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Nanoseconds from the precise monotonic clock (`ruv_hrtime`).
pub fn hrtime_ns() -> u64 {
    read(libc::CLOCK_MONOTONIC)
}

/// The clock the loop caches its time from: the coarse monotonic clock when its
/// resolution is 1 ms or better (it is cheaper to read), else the precise one,
/// as libuv chooses.
fn fast_clock() -> libc::clockid_t {
    static CLOCK: OnceLock<libc::clockid_t> = OnceLock::new();
    *CLOCK.get_or_init(|| {
        let mut res = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: valid out-pointer.
        let ok = unsafe { libc::clock_getres(libc::CLOCK_MONOTONIC_COARSE, &mut res) } == 0;
        if ok && res.tv_sec == 0 && res.tv_nsec <= 1_000_000 {
            libc::CLOCK_MONOTONIC_COARSE
        } else {
            libc::CLOCK_MONOTONIC
        }
    })
}

/// The clock a loop caches its time from (`ruv_now`), chosen once per loop
/// so that reading it costs only the clock read.
#[derive(Clone, Copy)]
pub struct LoopClock(libc::clockid_t);

impl LoopClock {
    pub fn new() -> Self {
        LoopClock(fast_clock())
    }

    /// Milliseconds on this clock.
    #[inline]
    pub fn now_ms(self) -> u64 {
        read(self.0) / 1_000_000
    }
}

impl Default for LoopClock {
    fn default() -> Self {
        Self::new()
    }
}
