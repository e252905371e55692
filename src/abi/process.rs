//! Child processes: `ruv_process_t`, `ruv_process_options_t`, stdio
//! containers and the spawn flags.

use super::event_loop::ruv_loop_t;
use super::handle::{ruv_handle_private_t, ruv_handle_type};
use super::pipe::ruv_stdio_flags;
use super::stream::ruv_stream_t;
use std::ffi::{c_char, c_int, c_uint, c_void};

/** A process id, as libuv's `uv_pid_t`. */
pub type ruv_pid_t = libc::pid_t;

/** A child process handle (libuv's `uv_process_t`, 136 bytes, `pid` at 104). */
#[repr(C)]
pub struct ruv_process_s {
    pub data: *mut c_void,
    pub r#loop: *mut ruv_loop_t,
    pub r#type: ruv_handle_type,
    pub(crate) internal: ruv_handle_private_t,
    /** The exit callback given to `ruv_spawn` (read-only; spelled out here
     *  because the typedef needs this struct first). */
    pub exit_cb: Option<unsafe extern "C" fn(process: *mut ruv_process_s, exit_status: i64, term_signal: c_int)>,
    /** The child's process id (read-only). */
    pub pid: c_int,
    /// The pidfd that reports the child's exit; -1 when none.
    pub(crate) pidfd: c_int,
    pub(crate) reserved: [*mut c_void; 3],
}
pub type ruv_process_t = ruv_process_s;

/** Called on the loop's thread when the child has exited: its exit status,
 *  or the signal that ended it (`term_signal`, 0 otherwise). */
pub type ruv_exit_cb = Option<unsafe extern "C" fn(process: *mut ruv_process_s, exit_status: i64, term_signal: c_int)>;

/** What the child's descriptor `i` is (libuv's `uv_stdio_container_t`). */
#[repr(C)]
#[derive(Clone, Copy)]
pub struct ruv_stdio_container_s {
    pub flags: ruv_stdio_flags,
    pub data: ruv_stdio_container_data,
}
pub type ruv_stdio_container_t = ruv_stdio_container_s;

/** `RUV_CREATE_PIPE`/`RUV_INHERIT_STREAM`: a stream; `RUV_INHERIT_FD`: a
 *  descriptor. */
#[repr(C)]
#[derive(Clone, Copy)]
pub union ruv_stdio_container_data {
    pub stream: *mut ruv_stream_t,
    pub fd: c_int,
}

/** `ruv_spawn`'s options (libuv's `uv_process_options_t`). */
#[repr(C)]
pub struct ruv_process_options_s {
    pub exit_cb: ruv_exit_cb,
    /** The program: a path, or a name looked up in `PATH` (the child's, from
     *  `env`, if it has one). */
    pub file: *const c_char,
    /** NULL-terminated arguments, `args[0]` the program's name. */
    pub args: *mut *mut c_char,
    /** NULL-terminated `NAME=value` strings; NULL: this process's. */
    pub env: *mut *mut c_char,
    /** The child's working directory; NULL: this process's. */
    pub cwd: *const c_char,
    pub flags: c_uint,
    pub stdio_count: c_int,
    pub stdio: *mut ruv_stdio_container_t,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
}
pub type ruv_process_options_t = ruv_process_options_s;

/** `ruv_process_options_t.flags` (libuv's values). */
pub type ruv_process_flags = c_uint;
/** Run the child with `uid`. */
pub const RUV_PROCESS_SETUID: ruv_process_flags = 1 << 0;
/** Run the child with `gid`. */
pub const RUV_PROCESS_SETGID: ruv_process_flags = 1 << 1;
/** Windows only; accepted and ignored. */
pub const RUV_PROCESS_WINDOWS_VERBATIM_ARGUMENTS: ruv_process_flags = 1 << 2;
/** The child leads a new session (`setsid`), so it outlives this process's
 *  terminal and process group; `ruv_unref` it to let the loop end. */
pub const RUV_PROCESS_DETACHED: ruv_process_flags = 1 << 3;
/** Windows only; accepted and ignored. */
pub const RUV_PROCESS_WINDOWS_HIDE: ruv_process_flags = 1 << 4;
/** Windows only; accepted and ignored. */
pub const RUV_PROCESS_WINDOWS_HIDE_CONSOLE: ruv_process_flags = 1 << 5;
/** Windows only; accepted and ignored. */
pub const RUV_PROCESS_WINDOWS_HIDE_GUI: ruv_process_flags = 1 << 6;
/** Windows only; accepted and ignored. */
pub const RUV_PROCESS_WINDOWS_FILE_PATH_EXACT_NAME: ruv_process_flags = 1 << 7;
/** A ruv extension (libuv has no such flag): the exit callback waits for
 *  the child's output. It runs only once every `RUV_CREATE_PIPE` stdio pipe
 *  the child writes has delivered `RUV_EOF` (or an error) to its read
 *  callback, or has been closed (then after that pipe's close callback).
 *  So all the output arrives before `exit_cb`. Keep reading those pipes (a
 *  paused one is waited for) or close them: the process handle stays active
 *  until then. A descendant that inherits the pipe keeps it open, and so
 *  delays `exit_cb` until it exits or closes it, as a shell's `$(...)`
 *  waits. */
pub const RUV_PROCESS_EXIT_AFTER_OUTPUT: ruv_process_flags = 1 << 24;
