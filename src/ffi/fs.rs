//! File-system requests: `ruv_fs_*`. With a callback the operation runs on
//! the thread pool and the callback on the loop's thread; with a NULL
//! callback it runs now, on the calling thread, and the call returns its
//! result (the loop may then be NULL), as in libuv.
//!
//! Every function here: `req` is NULL (RUV_EINVAL) or points at an
//! `ruv_fs_t` that stays in place, untouched but for `data`, until its
//! callback (or, synchronously, until the call returns); call
//! `ruv_fs_req_cleanup` after. Paths are NUL-terminated strings, copied.

use super::{Misuse, checked_loop, report, status};
use crate::abi::*;
use crate::error::{Error, Result};
use crate::fs::{self, ArgPath, FsOp};
use std::ffi::{CStr, CString, c_char, c_int, c_uint, c_void};
use std::ptr::NonNull;

/// A caller's path, copied. `Error::INVAL` for NULL.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
unsafe fn path(path: *const c_char) -> Result<ArgPath> {
    if path.is_null() {
        return Err(Error::INVAL);
    }
    // SAFETY: the caller's contract.
    Ok(CString::from(unsafe { CStr::from_ptr(path) }).into())
}

/// The caller's buffer array, copied. `Error::INVAL` for NULL or none.
///
/// # Safety
/// `bufs` is NULL or points at `nbufs` buffers.
unsafe fn buffers(bufs: *const ruv_buf_t, nbufs: c_uint) -> Result<Vec<ruv_buf_t>> {
    if bufs.is_null() || nbufs == 0 {
        return Err(Error::INVAL);
    }
    // SAFETY: the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(bufs, nbufs as usize) }.to_vec())
}

/// The shape of every operation: run it now (no callback) or on the pool.
///
/// # Safety
/// `l` is NULL or a loop struct; `req` NULL or an `ruv_fs_t` as the module
/// says.
unsafe fn submit(l: *mut ruv_loop_t, req: *mut ruv_fs_t, op: Result<FsOp>, cb: ruv_fs_cb) -> c_int {
    let Some(req) = NonNull::new(req) else { return RUV_EINVAL };
    let op = match op {
        Ok(op) => op,
        Err(e) => return e.code(),
    };
    if cb.is_none() {
        // libuv returns the result as an int.
        return fs::run_sync(req, l, op) as c_int;
    }
    // SAFETY: validated before use; no user code runs in `fs_submit`.
    match unsafe { checked_loop(l) } {
        // SAFETY: as above.
        Ok(lp) => status(unsafe { &mut *lp }.fs_submit(l, req, op, cb)),
        Err(m) => m.code,
    }
}

/** Opens `path` with `flags` (`RUV_FS_O_*`, the `O_*` values; close-on-exec
 *  is added) and `mode` for a new file. Result: the descriptor.
 *
 *  # Safety
 *  As the module says; `path` is a NUL-terminated string. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_open(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    flags: c_int,
    mode: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Open { path, flags, mode }), cb) }
}

/** Closes `file`. Result: 0.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_close(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Close { fd: file }), cb) }
}

/** Reads into `nbufs` buffers from `offset` (-1: the file's position,
 *  which moves). Result: the bytes read, 0 at the end of the file.
 *
 *  # Safety
 *  As the module says; `bufs` points at `nbufs` buffers, whose memory stays
 *  valid until the callback (the array itself is copied). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_read(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    bufs: *const ruv_buf_t,
    nbufs: c_uint,
    offset: i64,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    let op = unsafe { buffers(bufs, nbufs) }.map(|bufs| FsOp::Read { fd: file, bufs, offset });
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** Writes `nbufs` buffers at `offset` (-1: the file's position). Result: the
 *  bytes written. A pipe whose reader has gone is RUV_EPIPE, never SIGPIPE.
 *
 *  # Safety
 *  As `ruv_fs_read`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_write(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    bufs: *const ruv_buf_t,
    nbufs: c_uint,
    offset: i64,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    let op = unsafe { buffers(bufs, nbufs) }.map(|bufs| FsOp::Write { fd: file, bufs, offset });
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** Removes the file `path`. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_unlink(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Unlink { path }), cb) }
}

/** Makes the directory `path` with `mode`. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_mkdir(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    mode: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Mkdir { path, mode }), cb) }
}

/** Removes the empty directory `path`. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_rmdir(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Rmdir { path }), cb) }
}

/** Renames `path` to `new_path`. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`; `new_path` is a NUL-terminated string too. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_rename(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    new_path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    let op = unsafe { self::path(path).and_then(|path| Ok(FsOp::Rename { path, new_path: self::path(new_path)? })) };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** The status of `path` into `req->statbuf` (following symbolic links).
 *  Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_stat(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Stat { path }), cb) }
}

/** As `ruv_fs_stat`, of a symbolic link itself.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_lstat(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Lstat { path }), cb) }
}

/** As `ruv_fs_stat`, of an open file.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_fstat(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Fstat { fd: file }), cb) }
}

/** Flushes `file`'s data and metadata to the device. Result: 0.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_fsync(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Fsync { fd: file }), cb) }
}

/** Flushes `file`'s data to the device. Result: 0.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_fdatasync(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Fdatasync { fd: file }), cb) }
}

/** Truncates (or extends) `file` to `offset` bytes. Result: 0.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_ftruncate(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    offset: i64,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Ftruncate { fd: file, length: offset }), cb) }
}

/** Frees what ruv allocated for the request (its path copy). Safe to call
 *  twice, and on a request that never ran. On a request whose callback has
 *  not run yet it prints one line and frees nothing (the pool reads the
 *  path).
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_req_cleanup(req: *mut ruv_fs_t) {
    let Some(req) = NonNull::new(req) else { return };
    // SAFETY: the caller's request.
    if unsafe { fs::cleanup(req) }.is_err() {
        report("ruv_fs_req_cleanup", Misuse { code: RUV_EBUSY, what: "request still in flight" });
    }
}

/** `req->fs_type`; RUV_FS_UNKNOWN for NULL.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_get_type(req: *const ruv_fs_t) -> ruv_fs_type {
    // SAFETY: NULL or the caller's request.
    unsafe { req.as_ref() }.map_or(RUV_FS_UNKNOWN, |r| r.fs_type)
}

/** `req->result`; RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_get_result(req: *const ruv_fs_t) -> libc::ssize_t {
    // SAFETY: NULL or the caller's request.
    unsafe { req.as_ref() }.map_or(RUV_EINVAL as libc::ssize_t, |r| r.result)
}

/** The positive errno of a failed request (`-req->result`), 0 if it did not
 *  fail.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_get_system_error(req: *const ruv_fs_t) -> c_int {
    // SAFETY: NULL or the caller's request.
    unsafe { req.as_ref() }.map_or(libc::EINVAL, |r| if r.result < 0 { -r.result as c_int } else { 0 })
}

/** `req->ptr`.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_get_ptr(req: *const ruv_fs_t) -> *mut c_void {
    // SAFETY: NULL or the caller's request.
    unsafe { req.as_ref() }.map_or(std::ptr::null_mut(), |r| r.ptr)
}

/** `req->path`.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_get_path(req: *const ruv_fs_t) -> *const c_char {
    // SAFETY: NULL or the caller's request.
    unsafe { req.as_ref() }.map_or(std::ptr::null(), |r| r.path)
}

/** `&req->statbuf`.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_get_statbuf(req: *mut ruv_fs_t) -> *mut ruv_stat_t {
    // SAFETY: NULL or the caller's request.
    unsafe { req.as_mut() }.map_or(std::ptr::null_mut(), |r| &raw mut r.statbuf)
}

/** Checks `path` for `mode` (`F_OK`, or `R_OK | W_OK | X_OK`). Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_access(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    mode: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Access { path, mode }), cb) }
}

/** Sets `path`'s mode. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_chmod(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    mode: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Chmod { path, mode }), cb) }
}

/** Sets an open file's mode. Result: 0.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_fchmod(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    mode: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Fchmod { fd: file, mode }), cb) }
}

/** Sets `path`'s access and modification times, in seconds since the
 *  epoch (`RUV_FS_UTIME_NOW`, `RUV_FS_UTIME_OMIT` allowed). Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_utime(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    atime: f64,
    mtime: f64,
    cb: ruv_fs_cb,
) -> c_int {
    let op = |path| FsOp::Utime { path, atime, mtime, follow: true };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(op), cb) }
}

/** As `ruv_fs_utime`, of a symbolic link itself.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_lutime(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    atime: f64,
    mtime: f64,
    cb: ruv_fs_cb,
) -> c_int {
    let op = |path| FsOp::Utime { path, atime, mtime, follow: false };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(op), cb) }
}

/** As `ruv_fs_utime`, of an open file.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_futime(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    atime: f64,
    mtime: f64,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Futime { fd: file, atime, mtime }), cb) }
}

/** Makes the hard link `new_path` to `path`. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_rename`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_link(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    new_path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    let op = unsafe { self::path(path).and_then(|path| Ok(FsOp::Link { path, new_path: self::path(new_path)? })) };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** Makes the symbolic link `new_path` pointing at `path`. `flags`
 *  (`RUV_FS_SYMLINK_DIR`, `RUV_FS_SYMLINK_JUNCTION`) matter on Windows
 *  only; they are accepted. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_rename`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_symlink(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    new_path: *const c_char,
    flags: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    let _ = flags;
    // SAFETY: forwarded.
    let op = unsafe { self::path(path).and_then(|path| Ok(FsOp::Symlink { path, new_path: self::path(new_path)? })) };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** Reads the symbolic link `path`: `req->ptr` is its target, a string ruv
 *  allocated (freed by `ruv_fs_req_cleanup`). Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_readlink(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Readlink { path }), cb) }
}

/** `path` made absolute with every symbolic link resolved: `req->ptr`, a
 *  string ruv allocated (freed by `ruv_fs_req_cleanup`). Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_realpath(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Realpath { path }), cb) }
}

/** Sets `path`'s owner and group (-1 leaves one as it is). Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_chown(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    uid: ruv_uid_t,
    gid: ruv_gid_t,
    cb: ruv_fs_cb,
) -> c_int {
    let op = |path| FsOp::Chown { path, uid, gid, follow: true };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(op), cb) }
}

/** As `ruv_fs_chown`, of a symbolic link itself.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_lchown(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    uid: ruv_uid_t,
    gid: ruv_gid_t,
    cb: ruv_fs_cb,
) -> c_int {
    let op = |path| FsOp::Chown { path, uid, gid, follow: false };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(op), cb) }
}

/** As `ruv_fs_chown`, of an open file.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_fchown(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    file: ruv_file,
    uid: ruv_uid_t,
    gid: ruv_gid_t,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Fchown { fd: file, uid, gid }), cb) }
}

/** Makes a new directory from the template `tpl` (ending in "XXXXXX"):
 *  `req->path` is its name. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open` (`tpl` is the path). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_mkdtemp(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    tpl: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(tpl).map(|template| FsOp::Mkdtemp { template }), cb) }
}

/** Makes and opens a new file from the template `tpl` (ending in
 *  "XXXXXX"): `req->path` is its name. Result: the descriptor.
 *
 *  # Safety
 *  As `ruv_fs_open` (`tpl` is the path). */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_mkstemp(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    tpl: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(tpl).map(|template| FsOp::Mkstemp { template }), cb) }
}

/** Copies the file `path` to `new_path`, with its mode. `flags`:
 *  `RUV_FS_COPYFILE_EXCL` (RUV_EEXIST if `new_path` exists),
 *  `RUV_FS_COPYFILE_FICLONE` (a copy-on-write reflink where the file system
 *  can, else a copy), `RUV_FS_COPYFILE_FICLONE_FORCE` (a reflink or an
 *  error). A destination that could not be filled is removed. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_rename`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_copyfile(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    new_path: *const c_char,
    flags: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    let op = unsafe {
        self::path(path).and_then(|path| Ok(FsOp::Copyfile { path, new_path: self::path(new_path)?, flags }))
    };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** Copies `length` bytes from `in_fd` at `in_offset` (-1: its position) to
 *  `out_fd` in the kernel (`sendfile`). Result: the bytes copied.
 *
 *  # Safety
 *  As the module says. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_sendfile(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    out_fd: ruv_file,
    in_fd: ruv_file,
    in_offset: i64,
    length: usize,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, Ok(FsOp::Sendfile { out_fd, in_fd, offset: in_offset, length }), cb) }
}

/** Lists the directory `path` ("." and ".." left out, sorted by name);
 *  `flags` is unused, as in libuv. Result: the number of entries; walk them
 *  with `ruv_fs_scandir_next`.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_scandir(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    flags: c_int,
    cb: ruv_fs_cb,
) -> c_int {
    let _ = flags;
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Scandir { path }), cb) }
}

/** The next entry of a finished `ruv_fs_scandir` into `*ent` (its name
 *  lives until `ruv_fs_req_cleanup`): 0, or RUV_EOF after the last (or the
 *  scandir's error). RUV_EINVAL for NULL.
 *
 *  # Safety
 *  `req` is NULL or an `ruv_fs_t` not in flight; `ent` NULL or a
 *  `ruv_dirent_t`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_scandir_next(req: *mut ruv_fs_t, ent: *mut ruv_dirent_t) -> c_int {
    let (Some(req), Some(ent)) = (NonNull::new(req), NonNull::new(ent)) else { return RUV_EINVAL };
    // SAFETY: the caller's contract.
    unsafe { fs::scandir_next(req, ent) }
}

/** Opens the directory `path`: `req->ptr` is a new `ruv_dir_t`, the
 *  caller's until `ruv_fs_closedir`. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_opendir(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Opendir { path }), cb) }
}

/** Reads up to `dir->nentries` entries into `dir->dirents` (their names
 *  live until `ruv_fs_req_cleanup` of this request). Result: the number
 *  read, 0 at the end. RUV_EINVAL for a NULL or closed directory or no room.
 *
 *  # Safety
 *  As the module says; `dir` is NULL or a directory from `ruv_fs_opendir`
 *  with no other request on it in flight, and its `dirents` array stays
 *  valid until the callback. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_readdir(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    dir: *mut ruv_dir_t,
    cb: ruv_fs_cb,
) -> c_int {
    let op = match NonNull::new(dir) {
        // SAFETY: the caller's directory (a read of its fields).
        Some(d) => match unsafe { d.as_ref() } {
            r if !r.dir.is_null() && !r.dirents.is_null() && r.nentries > 0 => {
                Ok(FsOp::Readdir { dir: fs::Dir(d), max: r.nentries })
            }
            _ => Err(Error::INVAL),
        },
        None => Err(Error::INVAL),
    };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** Closes a directory from `ruv_fs_opendir` and frees it. Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_readdir`; `dir` is not used afterwards. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_closedir(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    dir: *mut ruv_dir_t,
    cb: ruv_fs_cb,
) -> c_int {
    let op = match NonNull::new(dir) {
        // SAFETY: the caller's directory (a read of its fields).
        Some(d) if !unsafe { d.as_ref() }.dir.is_null() => Ok(FsOp::Closedir { dir: fs::Dir(d) }),
        _ => Err(Error::INVAL),
    };
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, op, cb) }
}

/** The figures of the file system holding `path`: `req->ptr` is an
 *  `ruv_statfs_t` ruv allocated (freed by `ruv_fs_req_cleanup`). Result: 0.
 *
 *  # Safety
 *  As `ruv_fs_open`. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_fs_statfs(
    r#loop: *mut ruv_loop_t,
    req: *mut ruv_fs_t,
    path: *const c_char,
    cb: ruv_fs_cb,
) -> c_int {
    // SAFETY: forwarded.
    unsafe { submit(r#loop, req, self::path(path).map(|path| FsOp::Statfs { path }), cb) }
}

/** The platform handle of C runtime descriptor `fd`: on Unix, `fd` itself
 *  (as libuv). */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_get_osfhandle(fd: c_int) -> ruv_os_fd_t {
    fd
}

/** The C runtime descriptor of platform handle `os_fd`: on Unix, `os_fd`
 *  itself (as libuv). */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_open_osfhandle(os_fd: ruv_os_fd_t) -> c_int {
    os_fd
}
