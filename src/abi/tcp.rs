//! TCP handles: `ruv_tcp_t`.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use super::misc::ruv_buf_t;
use super::stream::{ruv_alloc_cb, ruv_stream_private_t, ruv_stream_s};
use std::ffi::{c_uint, c_void};

/// `ruv_tcp_bind` flag: an IPv6 socket that does not take IPv4 connections.
pub const RUV_TCP_IPV6ONLY: c_uint = 1;

/** A TCP handle (libuv's `uv_tcp_t`, 248 bytes); a stream: cast it to
 *  `ruv_stream_t *` for the stream calls. */
#[repr(C)]
pub struct ruv_tcp_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** Bytes queued for writing and not yet written (read-only). */
    pub write_queue_size: usize,
    pub alloc_cb: ruv_alloc_cb,
    pub read_cb: Option<unsafe extern "C" fn(stream: *mut ruv_stream_s, nread: libc::ssize_t, buf: *const ruv_buf_t)>,
    pub(crate) stream: ruv_stream_private_t,
}
pub type ruv_tcp_t = ruv_tcp_s;
