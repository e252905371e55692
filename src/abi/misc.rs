//! Version constants and `ruv_buf_t`.

use std::ffi::{c_char, c_uint};

/** ruv's version, as in Cargo.toml. */
pub const RUV_VERSION_MAJOR: c_uint = 0;
pub const RUV_VERSION_MINOR: c_uint = 1;
pub const RUV_VERSION_PATCH: c_uint = 0;
/** `(major << 16) | (minor << 8) | patch`, as `ruv_version()` returns it. */
pub const RUV_VERSION_HEX: c_uint = (RUV_VERSION_MAJOR << 16) | (RUV_VERSION_MINOR << 8) | RUV_VERSION_PATCH;

/** A buffer: `base` and `len`, as libuv's `uv_buf_t` on Unix. */
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ruv_buf_s {
    pub base: *mut c_char,
    pub len: usize,
}
pub type ruv_buf_t = ruv_buf_s;
