//! File-system requests (`ruv_fs_*`): each operation with its arguments
//! owned ([`FsOp`]), run on the calling thread when the call has no
//! callback, else on the thread pool, whose worker hands back an
//! [`FsOutcome`] that the loop thread writes into the request before the
//! callback. A worker never writes into the request (it reads and writes
//! only the caller's data buffers, which is the operation).
//!
//! The request keeps its own copy of the path (`req->path`) until
//! `ruv_fs_req_cleanup`, which is safe to call twice and on a request that
//! never ran.

use crate::abi::{
    RUV_FS, RUV_FS_CLOSE, RUV_FS_FDATASYNC, RUV_FS_FSTAT, RUV_FS_FSYNC, RUV_FS_FTRUNCATE, RUV_FS_LSTAT, RUV_FS_MKDIR,
    RUV_FS_OPEN, RUV_FS_READ, RUV_FS_RENAME, RUV_FS_RMDIR, RUV_FS_STAT, RUV_FS_UNLINK, RUV_FS_WRITE, ruv_buf_t,
    ruv_fs_cb, ruv_fs_t, ruv_fs_type, ruv_loop_t, ruv_stat_t, ruv_timespec_t,
};
use crate::error::Result;
use crate::event_loop::LoopInner;
use crate::req::{Req, ReqKind};
use crate::sys::errno;
use crate::threadpool::{self, Speed, Work};
use std::ffi::{CStr, CString, c_int};
use std::ptr::{NonNull, null_mut};
use std::sync::Arc;

/// One operation with its own copy of its arguments.
pub(crate) enum FsOp {
    Open { path: CString, flags: c_int, mode: c_int },
    Close { fd: c_int },
    Read { fd: c_int, bufs: Vec<ruv_buf_t>, offset: i64 },
    Write { fd: c_int, bufs: Vec<ruv_buf_t>, offset: i64 },
    Unlink { path: CString },
    Mkdir { path: CString, mode: c_int },
    Rmdir { path: CString },
    Rename { path: CString, new_path: CString },
    Stat { path: CString },
    Lstat { path: CString },
    Fstat { fd: c_int },
    Fsync { fd: c_int },
    Fdatasync { fd: c_int },
    Ftruncate { fd: c_int, length: i64 },
}

// SAFETY: the buffers of a read or write point at the caller's memory, which
// the caller keeps valid and leaves alone until the request's callback
// (libuv's rule); while the operation is queued or running only the worker
// that runs it touches them. Everything else in an `FsOp` is owned.
unsafe impl Send for FsOp {}

/// What an operation produced: `req->result`, and for the stat calls
/// `req->statbuf`.
pub(crate) struct FsOutcome {
    pub result: isize,
    pub stat: Option<ruv_stat_t>,
}

impl FsOp {
    fn fs_type(&self) -> ruv_fs_type {
        match self {
            FsOp::Open { .. } => RUV_FS_OPEN,
            FsOp::Close { .. } => RUV_FS_CLOSE,
            FsOp::Read { .. } => RUV_FS_READ,
            FsOp::Write { .. } => RUV_FS_WRITE,
            FsOp::Unlink { .. } => RUV_FS_UNLINK,
            FsOp::Mkdir { .. } => RUV_FS_MKDIR,
            FsOp::Rmdir { .. } => RUV_FS_RMDIR,
            FsOp::Rename { .. } => RUV_FS_RENAME,
            FsOp::Stat { .. } => RUV_FS_STAT,
            FsOp::Lstat { .. } => RUV_FS_LSTAT,
            FsOp::Fstat { .. } => RUV_FS_FSTAT,
            FsOp::Fsync { .. } => RUV_FS_FSYNC,
            FsOp::Fdatasync { .. } => RUV_FS_FDATASYNC,
            FsOp::Ftruncate { .. } => RUV_FS_FTRUNCATE,
        }
    }

    /// The path `req->path` shows.
    fn path(&self) -> Option<&CStr> {
        match self {
            FsOp::Open { path, .. }
            | FsOp::Unlink { path }
            | FsOp::Mkdir { path, .. }
            | FsOp::Rmdir { path }
            | FsOp::Rename { path, .. }
            | FsOp::Stat { path }
            | FsOp::Lstat { path } => Some(path),
            FsOp::Close { .. }
            | FsOp::Read { .. }
            | FsOp::Write { .. }
            | FsOp::Fstat { .. }
            | FsOp::Fsync { .. }
            | FsOp::Fdatasync { .. }
            | FsOp::Ftruncate { .. } => None,
        }
    }

    /// Runs the operation on this thread.
    pub fn run(&self) -> FsOutcome {
        let plain = |r: c_int| FsOutcome { result: if r < 0 { -errno() as isize } else { r as isize }, stat: None };
        let sized = |r: isize| FsOutcome { result: if r < 0 { -errno() as isize } else { r }, stat: None };
        // SAFETY: every call below gets owned, NUL-terminated paths, and buffers
        // the caller gave for this request (see `Send` above).
        unsafe {
            match self {
                FsOp::Open { path, flags, mode } => {
                    plain(libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, *mode as libc::c_uint))
                }
                FsOp::Close { fd } => plain(libc::close(*fd)),
                FsOp::Read { fd, bufs, offset } => {
                    let iov = bufs.as_ptr().cast::<libc::iovec>();
                    let n = bufs.len().min(1024) as c_int;
                    sized(if *offset < 0 { libc::readv(*fd, iov, n) } else { libc::preadv(*fd, iov, n, *offset) })
                }
                FsOp::Write { fd, bufs, offset } => {
                    let iov = bufs.as_ptr().cast::<libc::iovec>();
                    let n = bufs.len().min(1024) as c_int;
                    let written = crate::sys::write_without_sigpipe(|| {
                        if *offset < 0 { libc::writev(*fd, iov, n) } else { libc::pwritev(*fd, iov, n, *offset) }
                    });
                    FsOutcome { result: written.map_or_else(|e| -e as isize, |n| n as isize), stat: None }
                }
                FsOp::Unlink { path } => plain(libc::unlink(path.as_ptr())),
                FsOp::Mkdir { path, mode } => plain(libc::mkdir(path.as_ptr(), *mode as libc::mode_t)),
                FsOp::Rmdir { path } => plain(libc::rmdir(path.as_ptr())),
                FsOp::Rename { path, new_path } => plain(libc::rename(path.as_ptr(), new_path.as_ptr())),
                FsOp::Stat { path } => stat(libc::AT_FDCWD, path, 0),
                FsOp::Lstat { path } => stat(libc::AT_FDCWD, path, libc::AT_SYMLINK_NOFOLLOW),
                FsOp::Fstat { fd } => stat(*fd, c"", libc::AT_EMPTY_PATH),
                FsOp::Fsync { fd } => plain(libc::fsync(*fd)),
                FsOp::Fdatasync { fd } => plain(libc::fdatasync(*fd)),
                FsOp::Ftruncate { fd, length } => plain(libc::ftruncate(*fd, *length)),
            }
        }
    }
}

/// `statx`, so the birth time is filled where the file system keeps one.
fn stat(dirfd: c_int, path: &CStr, flags: c_int) -> FsOutcome {
    // SAFETY: zeroes are a valid statx buffer.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a buffer of the right type.
    let r = unsafe { libc::statx(dirfd, path.as_ptr(), flags, libc::STATX_BASIC_STATS | libc::STATX_BTIME, &mut stx) };
    if r != 0 {
        return FsOutcome { result: -errno() as isize, stat: None };
    }
    let time = |t: libc::statx_timestamp| ruv_timespec_t { tv_sec: t.tv_sec, tv_nsec: t.tv_nsec as libc::c_long };
    let dev = |major: u32, minor: u32| libc::makedev(major, minor);
    let stat = ruv_stat_t {
        st_dev: dev(stx.stx_dev_major, stx.stx_dev_minor),
        st_mode: stx.stx_mode.into(),
        st_nlink: stx.stx_nlink.into(),
        st_uid: stx.stx_uid.into(),
        st_gid: stx.stx_gid.into(),
        st_rdev: dev(stx.stx_rdev_major, stx.stx_rdev_minor),
        st_ino: stx.stx_ino,
        st_size: stx.stx_size,
        st_blksize: stx.stx_blksize.into(),
        st_blocks: stx.stx_blocks,
        st_flags: 0,
        st_gen: 0,
        st_atim: time(stx.stx_atime),
        st_mtim: time(stx.stx_mtime),
        st_ctim: time(stx.stx_ctime),
        st_birthtim: time(stx.stx_btime),
    };
    FsOutcome { result: 0, stat: Some(stat) }
}

/// `fs_private[0]` of a request whose `path` ruv allocated.
const OWNS_PATH: u64 = 0x5275_7646_5350_4154;

/// Sets the request up for `op` (both modes).
fn prepare(req: NonNull<ruv_fs_t>, c_loop: *mut ruv_loop_t, op: &FsOp, cb: ruv_fs_cb) {
    // SAFETY: the caller's request, ruv's until its callback (or, for a
    // synchronous call, until the call returns).
    let r = unsafe { &mut *req.as_ptr() };
    r.r#type = RUV_FS;
    r.fs_type = op.fs_type();
    r.r#loop = c_loop;
    r.cb = cb;
    r.result = 0;
    r.ptr = null_mut();
    r.fs_private = [0; 21];
    r.path = match op.path() {
        Some(path) => {
            r.fs_private[0] = OWNS_PATH;
            CString::from(path).into_raw()
        }
        None => std::ptr::null(),
    };
}

/// Writes an outcome into the request (on the calling or the loop thread).
fn record(req: NonNull<ruv_fs_t>, outcome: &FsOutcome) {
    // SAFETY: as in `prepare`.
    let r = unsafe { &mut *req.as_ptr() };
    r.result = outcome.result;
    if let Some(stat) = outcome.stat {
        r.statbuf = stat;
        r.ptr = (&raw mut r.statbuf).cast();
    }
}

/// A synchronous call: runs `op` now and returns its result, as libuv does
/// (the loop may be NULL).
pub(crate) fn run_sync(req: NonNull<ruv_fs_t>, c_loop: *mut ruv_loop_t, op: FsOp) -> isize {
    prepare(req, c_loop, &op, None);
    let outcome = op.run();
    record(req, &outcome);
    outcome.result
}

/// `ruv_fs_req_cleanup`: frees the path copy; safe twice and on a request
/// that never ran.
///
/// # Safety
/// `req` points at an `ruv_fs_t` that is not in flight.
pub(crate) unsafe fn cleanup(req: NonNull<ruv_fs_t>) {
    // SAFETY: the caller's request, not in flight.
    let r = unsafe { &mut *req.as_ptr() };
    if r.fs_private[0] == OWNS_PATH && !r.path.is_null() {
        // SAFETY: made by `CString::into_raw` in `prepare`, freed once (the
        // marker is cleared with it).
        drop(unsafe { CString::from_raw(r.path.cast_mut()) });
    }
    r.fs_private[0] = 0;
    r.path = std::ptr::null();
    r.ptr = null_mut();
}

impl LoopInner {
    /// A call with a callback: `op` runs on the pool; the callback runs on
    /// the loop's thread, from the pending phase, with `req->result` set.
    pub(crate) fn fs_submit(
        &mut self,
        c_loop: *mut ruv_loop_t,
        req: NonNull<ruv_fs_t>,
        op: FsOp,
        cb: ruv_fs_cb,
    ) -> Result {
        prepare(req, c_loop, &op, cb);
        // SAFETY: the caller's request, in flight from here.
        let r = unsafe { Req::new(req.cast()) };
        // `prepare` set the public type; the request layer keeps it.
        self.req_start(r, ReqKind::Fs, None);
        let submitted =
            threadpool::submit(req.as_ptr() as usize, Work::Fs(Box::new(op)), Speed::Fast, Arc::clone(&self.inbox));
        if let Err(e) = submitted {
            self.add_active_reqs(-1);
            return Err(e.into());
        }
        Ok(())
    }

    /// An fs request's turn in the pending phase: its result and stat are
    /// in the request already (`record`); its callback.
    ///
    /// # Safety
    /// `req` is a completed fs request on no queue; the caller holds no
    /// borrow of the loop (the callback re-enters).
    pub(crate) unsafe fn deliver_fs(req: *mut ruv_fs_t, result: isize) {
        // SAFETY: the caller's request, ruv's until the callback.
        unsafe { (*req).result = result };
        // SAFETY: as above; its callback was given with it.
        if let Some(cb) = unsafe { (*req).cb } {
            // SAFETY: as above.
            unsafe { cb(req) };
        }
    }

    /// Writes a pool outcome's stat into its request (the loop thread; the
    /// result goes through the request layer).
    pub(crate) fn fs_record_stat(req: usize, stat: ruv_stat_t) {
        if let Some(req) = NonNull::new(req as *mut ruv_fs_t) {
            record(req, &FsOutcome { result: 0, stat: Some(stat) });
        }
    }
}
