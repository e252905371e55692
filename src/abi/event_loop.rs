//! The loop struct `ruv_loop_t`, run modes and loop options.

use std::ffi::{c_int, c_uint, c_void};

pub const RUV_RUN_DEFAULT: ruv_run_mode = 0;
pub const RUV_RUN_ONCE: ruv_run_mode = 1;
pub const RUV_RUN_NOWAIT: ruv_run_mode = 2;

/// libuv's `uv_run_mode`: `RUV_RUN_DEFAULT`, `RUV_RUN_ONCE`, `RUV_RUN_NOWAIT`.
pub type ruv_run_mode = c_int;

/// libuv's `uv_loop_option`, for `ruv_loop_configure`.
pub type ruv_loop_option = c_int;
/** Block a signal while polling; the extra argument is the signal number.
 *  Only SIGPROF is supported (as in libuv). */
pub const RUV_LOOP_BLOCK_SIGNAL: ruv_loop_option = 0;
/** Count the time the loop spends waiting for I/O (`ruv_metrics_idle_time`). */
pub const RUV_METRICS_IDLE_TIME: ruv_loop_option = 1;
/** libuv's opt-in to io_uring (with a kernel polling thread) for fs
 *  operations. Accepted for compatibility; ruv runs fs operations on its
 *  thread pool either way (io_uring with SQPOLL measured slower than the
 *  pool for libuv: see issue 8's note). */
pub const RUV_LOOP_USE_IO_URING_SQPOLL: ruv_loop_option = 2;

/** The `active_reqs` field of `ruv_loop_t`. */
#[repr(C)]
pub union ruv_loop_active_reqs_u {
    pub unused: *mut c_void,
    /** Requests in flight. */
    pub count: c_uint,
}

/// Private to ruv.
#[repr(C)]
pub struct ruv_loop_private_t {
    pub(crate) owner: *mut c_void,
    pub(crate) state: u32,
    pub(crate) spare: u32,
    pub(crate) reserved: [*mut c_void; 97],
}

/** An event loop (libuv's `uv_loop_t`, 848 bytes), allocated by the caller
 *  and set up with `ruv_loop_init`. `data` is the caller's; the other public
 *  fields are read-only and kept current. */
#[repr(C)]
pub struct ruv_loop_s {
    /** The caller's pointer; ruv never touches it. */
    pub data: *mut c_void,
    /** Active, referenced handles. */
    pub active_handles: c_uint,
    pub handle_queue: [*mut c_void; 2],
    pub active_reqs: ruv_loop_active_reqs_u,
    /** ruv's state for this loop. */
    pub internal_fields: *mut c_void,
    /** Set by `ruv_stop`, cleared when `ruv_run` returns. */
    pub stop_flag: c_uint,
    pub(crate) internal: ruv_loop_private_t,
}
pub type ruv_loop_t = ruv_loop_s;

pub(crate) const LOOP_LIVE: u32 = 0x5275_764c;
pub(crate) const LOOP_CLOSED: u32 = 0x5275_766c;
