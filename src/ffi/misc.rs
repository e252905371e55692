//! Small things: version, buffers, clocks, sleeping, library shutdown.

use crate::abi::*;
use std::ffi::{c_char, c_uint};

/** The linked library's version as `RUV_VERSION_HEX` encodes it. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_version() -> c_uint {
    RUV_VERSION_HEX
}

/** The linked library's version as "major.minor.patch". Static. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_version_string() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/** A `ruv_buf_t` for `len` bytes at `base`. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_buf_init(base: *mut c_char, len: c_uint) -> ruv_buf_t {
    ruv_buf_t { base, len: len as usize }
}

/** Nanoseconds from a monotonic clock with an arbitrary start: for measuring
 *  intervals. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_hrtime() -> u64 {
    crate::clock::hrtime_ns()
}

/** Sleeps the calling thread for `msec` milliseconds (resuming after signals). */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_sleep(msec: c_uint) {
    std::thread::sleep(std::time::Duration::from_millis(msec.into()));
}

/** Releases what ruv holds process-wide, for leak checkers: stops the
 *  thread pool's workers once they finish what they run, and joins them.
 *  (The default loop is closed with `ruv_loop_close`; the strings of
 *  unknown error codes stay.) Safe to call more than once. Call it with no
 *  request in flight on any loop; as in libuv, call no other ruv function
 *  afterwards (ruv would start a new pool). */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_library_shutdown() {
    crate::threadpool::shutdown();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_cargo() {
        let v: Vec<c_uint> = env!("CARGO_PKG_VERSION").split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(v, vec![RUV_VERSION_MAJOR, RUV_VERSION_MINOR, RUV_VERSION_PATCH]);
    }
}
