//! Child processes: `ruv_spawn`, `ruv_process_kill`, `ruv_kill`,
//! `ruv_process_get_pid`, `ruv_disable_stdio_inheritance`, `ruv_exepath`.

use super::{call, checked, checked_loop, init, out_buffer, query};
use crate::abi::*;
use crate::error::Error;
use crate::process::{Spawn, Stdio};
use std::ffi::{CStr, c_char, c_int};

/// The stdio containers as the core takes them: streams checked (a pipe to
/// create must be a pipe of `lp`'s loop).
///
/// # Safety
/// `o.stdio` has `o.stdio_count` containers (checked for NULL here).
unsafe fn stdio(lp: *mut crate::event_loop::LoopInner, o: &ruv_process_options_t) -> Result<Vec<Stdio>, Error> {
    if o.stdio_count < 0 || (o.stdio_count > 0 && o.stdio.is_null()) {
        return Err(Error::INVAL);
    }
    (0..o.stdio_count as usize)
        .map(|i| {
            // SAFETY: the caller's contract.
            let c = unsafe { *o.stdio.add(i) };
            let stream = || {
                // SAFETY: the union's member for the stream kinds; checked
                // as a live stream handle before it is used.
                unsafe { checked(c.data.stream.cast_const()) }.map_err(|_| Error::INVAL)
            };
            match c.flags & (RUV_CREATE_PIPE | RUV_INHERIT_FD | RUV_INHERIT_STREAM) {
                RUV_IGNORE => Ok(Stdio::Ignore),
                // SAFETY: the union's member for INHERIT_FD.
                RUV_INHERIT_FD => Ok(Stdio::Fd(unsafe { c.data.fd })),
                RUV_INHERIT_STREAM => Ok(Stdio::Stream(stream()?.1)),
                RUV_CREATE_PIPE => match stream()? {
                    (owner, h) if owner == lp && h.kind() == crate::handle::Kind::Pipe => Ok(Stdio::Pipe(h, c.flags)),
                    _ => Err(Error::INVAL),
                },
                _ => Err(Error::INVAL),
            }
        })
        .collect()
}

/** Starts `options->file` as a child process and initialises `handle` for
 *  it. 0 once the child runs; an error from the call itself when it cannot
 *  be started (RUV_ENOENT: no such program or `cwd`; RUV_EACCES; RUV_EINVAL
 *  for bad options), and then `handle` is an inactive process handle that
 *  must still be closed, as in libuv. The exit callback runs on the loop's
 *  thread once the child has exited (the child is reaped then). Each
 *  `stdio[i]` says what the child's descriptor `i` is (`RUV_IGNORE`: 0-2
 *  from `/dev/null`; `RUV_INHERIT_FD`, `RUV_INHERIT_STREAM`;
 *  `RUV_CREATE_PIPE` with an initialised `ruv_pipe_t` of this loop, whose
 *  end the child gets, `RUV_READABLE_PIPE`/`RUV_WRITABLE_PIPE` from the
 *  child's side); no other descriptor is passed on.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `loop` a `ruv_loop_t`,
 *  `handle` a `ruv_process_t`, `options` a `ruv_process_options_t` whose
 *  strings are NUL-terminated, `args` and `env` NULL-terminated arrays and
 *  `stdio` `stdio_count` containers. Handles and requests follow the
 *  ownership rule (in place, untouched, until their close or request
 *  callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_spawn(
    r#loop: *mut ruv_loop_t,
    handle: *mut ruv_process_t,
    options: *const ruv_process_options_t,
) -> c_int {
    // SAFETY: NULL or the caller's options.
    let Some(o) = (unsafe { options.as_ref() }) else { return RUV_EINVAL };
    if o.file.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: forwarded (validated again by `init`).
    let lp = match unsafe { checked_loop(r#loop) } {
        Ok(lp) => lp,
        Err(m) => return m.code,
    };
    // SAFETY: the caller's contract for `stdio`.
    let stdio = match unsafe { stdio(lp, o) } {
        Ok(stdio) => stdio,
        Err(e) => return e.code(),
    };
    // SAFETY: NUL-terminated strings (the caller's contract).
    let spawn = unsafe {
        Spawn {
            exit_cb: o.exit_cb,
            file: CStr::from_ptr(o.file),
            args: o.args,
            env: o.env,
            cwd: (!o.cwd.is_null()).then(|| CStr::from_ptr(o.cwd)),
            flags: o.flags,
            stdio,
            uid: o.uid,
            gid: o.gid,
        }
    };
    // SAFETY: `init` validates both pointers; the struct is the caller's
    // handle from here until its close callback.
    unsafe { init(r#loop, handle, |lp, h| lp.spawn(h, &spawn)) }
}

/** Sends `signum` to the child (through its pidfd: never to another process
 *  that reused the id). RUV_ESRCH once it has exited; `signum` 0 only
 *  checks.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_process_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_process_kill(handle: *mut ruv_process_t, signum: c_int) -> c_int {
    // SAFETY: validated before use.
    unsafe { call(handle, |lp, h| lp.process_kill(h, signum)) }
}

/** `kill(2)`: RUV_ESRCH, RUV_EPERM, RUV_EINVAL as it fails. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_kill(pid: c_int, signum: c_int) -> c_int {
    super::status(crate::process::kill(pid, signum))
}

/** The child's process id (the `pid` field).
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `handle` a
 *  `ruv_process_t`. Handles and requests follow the ownership rule (in
 *  place, untouched, until their close or request callback).
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_process_get_pid(handle: *const ruv_process_t) -> ruv_pid_t {
    // SAFETY: validated before use.
    unsafe {
        query("ruv_process_get_pid", handle, 0, |_, h| {
            // SAFETY: a process handle's struct.
            (*h.cast::<ruv_process_t>()).pid
        })
    }
}

/** Marks the descriptors this process inherited close-on-exec, so children
 *  it starts by other means do not get them (ruv's own children get only
 *  their stdio anyway). Call it early, as libuv says.
 */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_disable_stdio_inheritance() {
    crate::process::disable_stdio_inheritance();
}

/** This program's path into `buffer` (`*size` bytes), NUL-terminated and
 *  cut to fit; `*size` becomes its length. RUV_EINVAL for NULL or a zero
 *  size.
 *
 *  # Safety
 *  `buffer` is NULL or has `*size` writable bytes; `size` is NULL or points
 *  at a `size_t`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_exepath(buffer: *mut c_char, size: *mut usize) -> c_int {
    // SAFETY: the caller's contract.
    let Some((buf, size)) = (unsafe { out_buffer(buffer, size) }) else { return RUV_EINVAL };
    if buf.is_empty() {
        return RUV_EINVAL;
    }
    match crate::process::exepath() {
        Ok(path) => {
            let n = path.len().min(buf.len() - 1);
            buf[..n].copy_from_slice(&path[..n]);
            buf[n] = 0;
            *size = n;
            0
        }
        Err(e) => e.code(),
    }
}

/** Copies `argv` to memory of ruv's and returns the copy, which the program
 *  should use from then on: the original strings become the room for
 *  `ruv_set_process_title`. Call it once, first thing in `main`, as libuv
 *  says. `argv` itself when `argc` is not positive.
 *
 *  # Safety
 *  `argv` is `main`'s: `argc` NUL-terminated strings laid out one after
 *  another.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_setup_args(argc: c_int, argv: *mut *mut c_char) -> *mut *mut c_char {
    // SAFETY: forwarded.
    unsafe { crate::proctitle::setup_args(argc, argv) }
}

/** The process title into `buffer` (`size` bytes, NUL-terminated):
 *  `argv[0]` until changed, empty before `ruv_setup_args`. RUV_ENOBUFS when
 *  it does not fit, RUV_EINVAL for NULL or a zero size.
 *
 *  # Safety
 *  `buffer` is NULL or has `size` writable bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_get_process_title(buffer: *mut c_char, size: usize) -> c_int {
    if buffer.is_null() || size == 0 {
        return RUV_EINVAL;
    }
    // SAFETY: the caller's `size` bytes.
    let buffer = unsafe { std::slice::from_raw_parts_mut(buffer.cast::<u8>(), size) };
    super::status(crate::proctitle::get(buffer))
}

/** Sets the process title (what `ps` shows: written over the original
 *  arguments, cut to their length; nothing before `ruv_setup_args`) and the
 *  thread name (its first 15 bytes). RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `title` is NULL or a NUL-terminated string.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_set_process_title(title: *const c_char) -> c_int {
    if title.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: a NUL-terminated string.
    crate::proctitle::set(unsafe { CStr::from_ptr(title) });
    0
}
