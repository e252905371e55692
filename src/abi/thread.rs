//! Threads and locks: libuv's portable thread types, which on Linux are the
//! pthread types themselves (the same sizes, `PTHREAD_*_INITIALIZER`s and
//! all), and the thread API's flags and priorities.

use std::ffi::{c_int, c_uint, c_void};

/** A thread (libuv's `uv_thread_t`: a `pthread_t`). */
pub type ruv_thread_t = libc::pthread_t;
/** A mutex (libuv's `uv_mutex_t`: a `pthread_mutex_t`, 40 bytes). */
pub type ruv_mutex_t = libc::pthread_mutex_t;
/** A read-write lock (libuv's `uv_rwlock_t`: a `pthread_rwlock_t`, 56 bytes).
 *  ruv.h spells this typedef out in cbindgen.toml's `after_includes`, with a
 *  stand-in for strict ISO C, where glibc hides the pthread type. */
pub type ruv_rwlock_t = libc::pthread_rwlock_t;
/** A semaphore (libuv's `uv_sem_t`: a `sem_t`, 32 bytes). */
pub type ruv_sem_t = libc::sem_t;
/** A condition variable (libuv's `uv_cond_t`: a `pthread_cond_t`, 48 bytes). */
pub type ruv_cond_t = libc::pthread_cond_t;
/** A barrier (libuv's `uv_barrier_t` on Linux: a `pthread_barrier_t`, 32
 *  bytes). Written out in ruv.h by hand, as `ruv_rwlock_t`. */
pub type ruv_barrier_t = libc::pthread_barrier_t;
/** A one-time initialisation guard (libuv's `uv_once_t`: a
 *  `pthread_once_t`); initialise it statically with `RUV_ONCE_INIT`. */
pub type ruv_once_t = libc::pthread_once_t;
/** A thread-local storage key (libuv's `uv_key_t`: a `pthread_key_t`). */
pub type ruv_key_t = libc::pthread_key_t;

/** What a thread started by `ruv_thread_create` runs, with its `arg`. */
pub type ruv_thread_cb = Option<unsafe extern "C" fn(arg: *mut c_void)>;

/** libuv's `uv_thread_create_flags`: the bits of
 *  `ruv_thread_options_t.flags`. */
pub type ruv_thread_create_flags = c_int;
pub const RUV_THREAD_NO_FLAGS: ruv_thread_create_flags = 0;
/** `stack_size` is set. */
pub const RUV_THREAD_HAS_STACK_SIZE: ruv_thread_create_flags = 1;

/** Options for `ruv_thread_create_ex` (libuv's `uv_thread_options_t`). */
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ruv_thread_options_s {
    /** RUV_THREAD_NO_FLAGS or RUV_THREAD_HAS_STACK_SIZE. */
    pub flags: c_uint,
    /** The new thread's stack size in bytes, read with
     *  RUV_THREAD_HAS_STACK_SIZE; 0 for the default. */
    pub stack_size: usize,
}
pub type ruv_thread_options_t = ruv_thread_options_s;

/** The priorities `ruv_thread_setpriority` takes. */
pub const RUV_THREAD_PRIORITY_HIGHEST: c_int = 2;
pub const RUV_THREAD_PRIORITY_ABOVE_NORMAL: c_int = 1;
pub const RUV_THREAD_PRIORITY_NORMAL: c_int = 0;
pub const RUV_THREAD_PRIORITY_BELOW_NORMAL: c_int = -1;
pub const RUV_THREAD_PRIORITY_LOWEST: c_int = -2;
