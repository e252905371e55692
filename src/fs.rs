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

use crate::abi::*;
use crate::error::{Error, Result};
use crate::event_loop::LoopInner;
use crate::fs_fast;
use crate::req::{Req, ReqKind};
use crate::sys::errno;
use crate::threadpool::{self, Speed, Work};
use std::ffi::{CStr, CString, c_char, c_int};
use std::ptr::{NonNull, null_mut};
use std::sync::Arc;

/// A path argument of an operation. `prepare` hands the first path's
/// buffer to the request (`req->path`, freed by `ruv_fs_req_cleanup`) rather
/// than copying it again, as libuv keeps one copy; the operation then borrows
/// it, which is sound because a request in flight cannot be cleaned up
/// (`cleanup` refuses) and the operation runs only while it is in flight.
pub(crate) struct ArgPath {
    ptr: NonNull<c_char>,
    /// Freed on drop: not yet handed to a request.
    owned: bool,
}

// SAFETY: the buffer is only read, by one thread at a time (the one that
// holds the operation), and outlives the operation (above).
unsafe impl Send for ArgPath {}

impl From<CString> for ArgPath {
    fn from(path: CString) -> ArgPath {
        // SAFETY: `into_raw` never returns NULL.
        ArgPath { ptr: unsafe { NonNull::new_unchecked(path.into_raw()) }, owned: true }
    }
}

impl ArgPath {
    /// Gives the buffer to the request, which frees it with `CString::from_raw`.
    fn hand_to_request(&mut self) -> *const c_char {
        debug_assert!(self.owned);
        self.owned = false;
        self.ptr.as_ptr()
    }
}

impl std::ops::Deref for ArgPath {
    type Target = CStr;
    fn deref(&self) -> &CStr {
        // SAFETY: a NUL-terminated buffer, alive while this is (above).
        unsafe { CStr::from_ptr(self.ptr.as_ptr()) }
    }
}

impl Drop for ArgPath {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: made by `CString::into_raw` in `from`, not handed over.
            drop(unsafe { CString::from_raw(self.ptr.as_ptr()) });
        }
    }
}

/// One operation with its own copy of its arguments.
pub(crate) enum FsOp {
    Open {
        path: ArgPath,
        flags: c_int,
        mode: c_int,
    },
    Close {
        fd: c_int,
    },
    Read {
        fd: c_int,
        bufs: Vec<ruv_buf_t>,
        offset: i64,
    },
    Write {
        fd: c_int,
        bufs: Vec<ruv_buf_t>,
        offset: i64,
    },
    Unlink {
        path: ArgPath,
    },
    Mkdir {
        path: ArgPath,
        mode: c_int,
    },
    Rmdir {
        path: ArgPath,
    },
    Rename {
        path: ArgPath,
        new_path: ArgPath,
    },
    Stat {
        path: ArgPath,
    },
    Lstat {
        path: ArgPath,
    },
    Fstat {
        fd: c_int,
    },
    Fsync {
        fd: c_int,
    },
    Fdatasync {
        fd: c_int,
    },
    Ftruncate {
        fd: c_int,
        length: i64,
    },
    Access {
        path: ArgPath,
        mode: c_int,
    },
    Chmod {
        path: ArgPath,
        mode: c_int,
    },
    Fchmod {
        fd: c_int,
        mode: c_int,
    },
    Utime {
        path: ArgPath,
        atime: f64,
        mtime: f64,
        follow: bool,
    },
    Futime {
        fd: c_int,
        atime: f64,
        mtime: f64,
    },
    Link {
        path: ArgPath,
        new_path: ArgPath,
    },
    Symlink {
        path: ArgPath,
        new_path: ArgPath,
    },
    Readlink {
        path: ArgPath,
    },
    Realpath {
        path: ArgPath,
    },
    Chown {
        path: ArgPath,
        uid: libc::uid_t,
        gid: libc::gid_t,
        follow: bool,
    },
    Fchown {
        fd: c_int,
        uid: libc::uid_t,
        gid: libc::gid_t,
    },
    Mkdtemp {
        template: ArgPath,
    },
    Mkstemp {
        template: ArgPath,
    },
    Copyfile {
        path: ArgPath,
        new_path: ArgPath,
        flags: c_int,
    },
    Sendfile {
        out_fd: c_int,
        in_fd: c_int,
        offset: i64,
        length: usize,
    },
    Scandir {
        path: ArgPath,
    },
    Opendir {
        path: ArgPath,
    },
    /// `dir` is ruv's own `ruv_dir_t` (from opendir); up to `max` entries.
    Readdir {
        dir: Dir,
        max: usize,
    },
    Closedir {
        dir: Dir,
    },
    Statfs {
        path: ArgPath,
    },
}

/// An open directory: ruv's own `ruv_dir_t` (boxed by opendir, freed by
/// closedir) and the `DIR` inside it.
pub(crate) struct Dir(pub NonNull<ruv_dir_t>);

// SAFETY: the buffers of a read or write point at the caller's memory, which
// the caller keeps valid and leaves alone until the request's callback
// (libuv's rule); while the operation is queued or running only the worker
// that runs it touches them. Everything else in an `FsOp` is owned.
unsafe impl Send for FsOp {}

// SAFETY: an outcome's directory is ruv's own `ruv_dir_t`, which only the
// thread that holds the outcome (the worker, then the loop thread) touches.
unsafe impl Send for FsOutcome {}

/// What an operation produced: `req->result`; for the stat calls
/// `req->statbuf`; for readlink and realpath the text `req->ptr` shows; for
/// mkdtemp and mkstemp the path made (`req->path`).
#[derive(Default)]
pub(crate) struct FsOutcome {
    pub result: isize,
    pub stat: Option<ruv_stat_t>,
    pub text: Option<CString>,
    pub new_path: Option<CString>,
    /// scandir's and readdir's entries: names and `RUV_DIRENT_*` types.
    pub entries: Option<Vec<(CString, ruv_dirent_type_t)>>,
    /// opendir's directory (for `req->ptr`), readdir's (to fill).
    pub dir: Option<NonNull<ruv_dir_t>>,
    /// Boxed: rare, and it keeps the outcome small (it is moved a few times).
    pub statfs: Option<Box<ruv_statfs_t>>,
}

impl FsOutcome {
    pub(crate) fn result(result: isize) -> FsOutcome {
        FsOutcome { result, ..Default::default() }
    }
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
            FsOp::Access { .. } => RUV_FS_ACCESS,
            FsOp::Chmod { .. } => RUV_FS_CHMOD,
            FsOp::Fchmod { .. } => RUV_FS_FCHMOD,
            FsOp::Utime { follow: true, .. } => RUV_FS_UTIME,
            FsOp::Utime { follow: false, .. } => RUV_FS_LUTIME,
            FsOp::Futime { .. } => RUV_FS_FUTIME,
            FsOp::Link { .. } => RUV_FS_LINK,
            FsOp::Symlink { .. } => RUV_FS_SYMLINK,
            FsOp::Readlink { .. } => RUV_FS_READLINK,
            FsOp::Realpath { .. } => RUV_FS_REALPATH,
            FsOp::Chown { follow: true, .. } => RUV_FS_CHOWN,
            FsOp::Chown { follow: false, .. } => RUV_FS_LCHOWN,
            FsOp::Fchown { .. } => RUV_FS_FCHOWN,
            FsOp::Mkdtemp { .. } => RUV_FS_MKDTEMP,
            FsOp::Mkstemp { .. } => RUV_FS_MKSTEMP,
            FsOp::Copyfile { .. } => RUV_FS_COPYFILE,
            FsOp::Sendfile { .. } => RUV_FS_SENDFILE,
            FsOp::Scandir { .. } => RUV_FS_SCANDIR,
            FsOp::Opendir { .. } => RUV_FS_OPENDIR,
            FsOp::Readdir { .. } => RUV_FS_READDIR,
            FsOp::Closedir { .. } => RUV_FS_CLOSEDIR,
            FsOp::Statfs { .. } => RUV_FS_STATFS,
        }
    }

    /// The path `req->path` shows.
    fn path_mut(&mut self) -> Option<&mut ArgPath> {
        match self {
            FsOp::Open { path, .. }
            | FsOp::Unlink { path }
            | FsOp::Mkdir { path, .. }
            | FsOp::Rmdir { path }
            | FsOp::Rename { path, .. }
            | FsOp::Stat { path }
            | FsOp::Lstat { path }
            | FsOp::Access { path, .. }
            | FsOp::Chmod { path, .. }
            | FsOp::Utime { path, .. }
            | FsOp::Link { path, .. }
            | FsOp::Symlink { path, .. }
            | FsOp::Readlink { path }
            | FsOp::Realpath { path }
            | FsOp::Chown { path, .. }
            | FsOp::Copyfile { path, .. }
            | FsOp::Scandir { path }
            | FsOp::Opendir { path }
            | FsOp::Statfs { path } => Some(path),
            FsOp::Mkdtemp { template } | FsOp::Mkstemp { template } => Some(template),
            FsOp::Fchmod { .. }
            | FsOp::Futime { .. }
            | FsOp::Fchown { .. }
            | FsOp::Sendfile { .. }
            | FsOp::Readdir { .. }
            | FsOp::Closedir { .. } => None,
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
        let plain = |r: c_int| FsOutcome::result(if r < 0 { -errno() as isize } else { r as isize });
        let sized = |r: isize| FsOutcome::result(if r < 0 { -errno() as isize } else { r });
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
                    FsOutcome::result(written.map_or_else(|e| -e as isize, |n| n as isize))
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
                FsOp::Access { path, mode } => plain(libc::access(path.as_ptr(), *mode)),
                FsOp::Chmod { path, mode } => plain(libc::chmod(path.as_ptr(), *mode as libc::mode_t)),
                FsOp::Fchmod { fd, mode } => plain(libc::fchmod(*fd, *mode as libc::mode_t)),
                FsOp::Utime { path, atime, mtime, follow } => {
                    let times = [timespec(*atime), timespec(*mtime)];
                    let flags = if *follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
                    plain(libc::utimensat(libc::AT_FDCWD, path.as_ptr(), times.as_ptr(), flags))
                }
                FsOp::Futime { fd, atime, mtime } => {
                    let times = [timespec(*atime), timespec(*mtime)];
                    plain(libc::futimens(*fd, times.as_ptr()))
                }
                FsOp::Link { path, new_path } => plain(libc::link(path.as_ptr(), new_path.as_ptr())),
                FsOp::Symlink { path, new_path } => plain(libc::symlink(path.as_ptr(), new_path.as_ptr())),
                FsOp::Readlink { path } => readlink(path),
                FsOp::Realpath { path } => {
                    let resolved = libc::realpath(path.as_ptr(), null_mut());
                    if resolved.is_null() {
                        return FsOutcome::result(-errno() as isize);
                    }
                    let text = CStr::from_ptr(resolved).to_owned();
                    libc::free(resolved.cast());
                    FsOutcome { text: Some(text), ..Default::default() }
                }
                FsOp::Chown { path, uid, gid, follow: true } => plain(libc::chown(path.as_ptr(), *uid, *gid)),
                FsOp::Chown { path, uid, gid, follow: false } => plain(libc::lchown(path.as_ptr(), *uid, *gid)),
                FsOp::Fchown { fd, uid, gid } => plain(libc::fchown(*fd, *uid, *gid)),
                FsOp::Mkdtemp { template } => {
                    let mut name = template.to_bytes_with_nul().to_vec();
                    if libc::mkdtemp(name.as_mut_ptr().cast()).is_null() {
                        return FsOutcome::result(-errno() as isize);
                    }
                    FsOutcome { new_path: CString::from_vec_with_nul(name).ok(), ..Default::default() }
                }
                FsOp::Mkstemp { template } => {
                    let mut name = template.to_bytes_with_nul().to_vec();
                    let fd = libc::mkostemp(name.as_mut_ptr().cast(), libc::O_CLOEXEC);
                    if fd < 0 {
                        return FsOutcome::result(-errno() as isize);
                    }
                    FsOutcome {
                        result: fd as isize,
                        new_path: CString::from_vec_with_nul(name).ok(),
                        ..Default::default()
                    }
                }
                FsOp::Copyfile { path, new_path, flags } => FsOutcome::result(copyfile(path, new_path, *flags)),
                FsOp::Sendfile { out_fd, in_fd, offset, length } => {
                    let mut off = *offset as libc::off_t;
                    let off_ptr = if *offset < 0 { null_mut() } else { &raw mut off };
                    sized(libc::sendfile(*out_fd, *in_fd, off_ptr, *length))
                }
                FsOp::Scandir { path } => {
                    let d = libc::opendir(path.as_ptr());
                    if d.is_null() {
                        return FsOutcome::result(-errno() as isize);
                    }
                    let mut entries = read_entries(d, usize::MAX);
                    libc::closedir(d);
                    // As libuv: sorted by name (alphasort's byte order here).
                    entries.sort_by(|a, b| a.0.cmp(&b.0));
                    FsOutcome { result: entries.len() as isize, entries: Some(entries), ..Default::default() }
                }
                FsOp::Opendir { path } => {
                    let d = libc::opendir(path.as_ptr());
                    if d.is_null() {
                        return FsOutcome::result(-errno() as isize);
                    }
                    let dir = Box::new(ruv_dir_t {
                        dirents: null_mut(),
                        nentries: 0,
                        reserved: [null_mut(); 4],
                        dir: d.cast(),
                    });
                    FsOutcome { dir: Some(NonNull::from(Box::leak(dir))), ..Default::default() }
                }
                FsOp::Readdir { dir, max } => {
                    let d = (*dir.0.as_ptr()).dir.cast::<libc::DIR>();
                    let entries = read_entries(d, *max);
                    FsOutcome {
                        result: entries.len() as isize,
                        entries: Some(entries),
                        dir: Some(dir.0),
                        ..Default::default()
                    }
                }
                FsOp::Closedir { dir } => {
                    let owned = Box::from_raw(dir.0.as_ptr());
                    plain(libc::closedir(owned.dir.cast()))
                }
                FsOp::Statfs { path } => {
                    let mut st: libc::statfs = std::mem::zeroed();
                    if libc::statfs(path.as_ptr(), &mut st) != 0 {
                        return FsOutcome::result(-errno() as isize);
                    }
                    let figures = ruv_statfs_t {
                        f_type: st.f_type as u64,
                        f_bsize: st.f_bsize as u64,
                        f_blocks: st.f_blocks,
                        f_bfree: st.f_bfree,
                        f_bavail: st.f_bavail,
                        f_files: st.f_files,
                        f_ffree: st.f_ffree,
                        f_spare: [0; 4],
                    };
                    FsOutcome { statfs: Some(Box::new(figures)), ..Default::default() }
                }
            }
        }
    }
}

/// libuv's time argument: seconds as a double; `RUV_FS_UTIME_NOW`
/// (infinity) is now, `RUV_FS_UTIME_OMIT` (NaN) leaves the time as it is.
fn timespec(seconds: f64) -> libc::timespec {
    if seconds.is_nan() {
        return libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_OMIT };
    }
    if seconds.is_infinite() {
        return libc::timespec { tv_sec: 0, tv_nsec: libc::UTIME_NOW };
    }
    let whole = seconds.floor();
    libc::timespec { tv_sec: whole as libc::time_t, tv_nsec: ((seconds - whole) * 1e9) as libc::c_long }
}

/// `readlink`, growing the buffer until the link fits.
fn readlink(path: &CStr) -> FsOutcome {
    let mut size = 256;
    loop {
        let mut buf = vec![0u8; size];
        // SAFETY: a NUL-terminated path and a buffer of `size` bytes.
        let n = unsafe { libc::readlink(path.as_ptr(), buf.as_mut_ptr().cast(), size) };
        if n < 0 {
            return FsOutcome::result(-errno() as isize);
        }
        if (n as usize) < size {
            buf.truncate(n as usize);
            return FsOutcome { text: CString::new(buf).ok(), ..Default::default() };
        }
        size *= 2;
    }
}

/// `ruv_fs_copyfile`: a reflink where asked (and, with FICLONE_FORCE, only
/// that), else `copy_file_range` with a `read`/`write` fallback; the mode is
/// copied; a destination that was made and could not be filled is removed.
fn copyfile(path: &CStr, new_path: &CStr, flags: c_int) -> isize {
    const EXCL: c_int = 1;
    const FICLONE: c_int = 2;
    const FICLONE_FORCE: c_int = 4;
    if flags & !(EXCL | FICLONE | FICLONE_FORCE) != 0 {
        return crate::abi::RUV_EINVAL as isize;
    }
    let fail = || -errno() as isize;
    // SAFETY: owned, NUL-terminated paths; descriptors this function opens
    // and closes.
    unsafe {
        let src = libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
        if src < 0 {
            return fail();
        }
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(src, &mut st) != 0 {
            let e = fail();
            libc::close(src);
            return e;
        }
        let excl = if flags & EXCL != 0 { libc::O_EXCL } else { 0 };
        let dst = libc::open(
            new_path.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC | excl,
            st.st_mode as libc::c_uint,
        );
        if dst < 0 {
            let e = fail();
            libc::close(src);
            return e;
        }
        let mut result = 0;
        let mut done = false;
        if flags & (FICLONE | FICLONE_FORCE) != 0 {
            if libc::ioctl(dst, libc::FICLONE, src) == 0 {
                done = true;
            } else if flags & FICLONE_FORCE != 0 {
                result = fail();
                done = true;
            }
        }
        let mut left = st.st_size as u64;
        while !done && left > 0 {
            let n = libc::copy_file_range(src, null_mut(), dst, null_mut(), left.min(1 << 30) as usize, 0);
            if n > 0 {
                left -= n as u64;
                continue;
            }
            if n == 0 {
                break;
            }
            match errno() {
                libc::EINTR => continue,
                // Not across these file systems: copy through a buffer.
                libc::EXDEV | libc::ENOSYS | libc::EOPNOTSUPP | libc::EINVAL => {
                    result = copy_by_reading(src, dst);
                    break;
                }
                e => {
                    result = -e as isize;
                    break;
                }
            }
        }
        if result == 0 && libc::fchmod(dst, st.st_mode) != 0 {
            result = fail();
        }
        libc::close(src);
        if libc::close(dst) != 0 && result == 0 {
            result = fail();
        }
        if result != 0 {
            libc::unlink(new_path.as_ptr());
        }
        result
    }
}

/// The fallback copy: `read` and `write` through a 64 KiB buffer.
fn copy_by_reading(src: c_int, dst: c_int) -> isize {
    let mut buf = vec![0u8; 65536];
    loop {
        // SAFETY: a buffer of its own length.
        let n = unsafe { libc::read(src, buf.as_mut_ptr().cast(), buf.len()) };
        if n == 0 {
            return 0;
        }
        if n < 0 {
            if errno() == libc::EINTR {
                continue;
            }
            return -errno() as isize;
        }
        let mut off = 0;
        while off < n as usize {
            // SAFETY: the bytes just read.
            let w = unsafe { libc::write(dst, buf[off..].as_ptr().cast(), n as usize - off) };
            if w < 0 {
                if errno() == libc::EINTR {
                    continue;
                }
                return -errno() as isize;
            }
            off += w as usize;
        }
    }
}

/// Up to `max` entries of an open directory, "." and ".." left out.
///
/// # Safety
/// `d` is an open `DIR` no other thread uses now.
unsafe fn read_entries(d: *mut libc::DIR, max: usize) -> Vec<(CString, ruv_dirent_type_t)> {
    let mut entries = Vec::new();
    while entries.len() < max {
        // SAFETY: the caller's contract.
        let ent = unsafe { libc::readdir(d) };
        if ent.is_null() {
            break;
        }
        // SAFETY: readdir's entry, valid until the next call.
        let (name, kind) = unsafe { (CStr::from_ptr((*ent).d_name.as_ptr()), (*ent).d_type) };
        if name == c"." || name == c".." {
            continue;
        }
        let kind = match kind {
            libc::DT_REG => RUV_DIRENT_FILE,
            libc::DT_DIR => RUV_DIRENT_DIR,
            libc::DT_LNK => RUV_DIRENT_LINK,
            libc::DT_FIFO => RUV_DIRENT_FIFO,
            libc::DT_SOCK => RUV_DIRENT_SOCKET,
            libc::DT_CHR => RUV_DIRENT_CHAR,
            libc::DT_BLK => RUV_DIRENT_BLOCK,
            _ => RUV_DIRENT_UNKNOWN,
        };
        entries.push((name.to_owned(), kind));
    }
    entries
}

/// `statx`, so the birth time is filled where the file system keeps one.
fn stat(dirfd: c_int, path: &CStr, flags: c_int) -> FsOutcome {
    // SAFETY: zeroes are a valid statx buffer.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a buffer of the right type.
    let r = unsafe { libc::statx(dirfd, path.as_ptr(), flags, libc::STATX_BASIC_STATS | libc::STATX_BTIME, &mut stx) };
    if r != 0 {
        return FsOutcome::result(-errno() as isize);
    }
    stat_outcome(&stx)
}

/// A stat call's outcome from `statx`'s figures.
pub(crate) fn stat_outcome(stx: &libc::statx) -> FsOutcome {
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
    FsOutcome { stat: Some(stat), ..Default::default() }
}

/// `fs_private[0]` of a request whose `path` ruv allocated.
const OWNS_PATH: u64 = 0x5275_7646_5350_4154;
/// `fs_private[1]`: what ruv allocated that `ptr` points at, freed by
/// cleanup: a string (readlink, realpath), figures (statfs), or scandir's
/// entries (`Scan`).
const PTR_TEXT: u64 = 0x5275_7646_5450_5854;
const PTR_STATFS: u64 = 0x5275_7646_5450_5346;
const PTR_SCAN: u64 = 0x5275_7646_5450_5343;
/// `fs_private[3]` of a request on the pool, from submission until its
/// callback: `cleanup` refuses it, since the operation reads its path.
const IN_FLIGHT: usize = 3;
const IN_FLIGHT_MARK: u64 = 0x5275_7646_5346_4c59;
/// `fs_private[2]`: readdir's names (a boxed `Vec<CString>`), freed by
/// cleanup; `ptr` is then the caller's directory.
const NAMES: usize = 2;

/// scandir's entries, walked by `ruv_fs_scandir_next`.
struct Scan {
    entries: Vec<(CString, ruv_dirent_type_t)>,
    next: usize,
}

/// Sets the request up for `op` (both modes): `req->path` takes the
/// operation's path buffer.
fn prepare(req: NonNull<ruv_fs_t>, c_loop: *mut ruv_loop_t, op: &mut FsOp, cb: ruv_fs_cb) {
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
    r.path = match op.path_mut() {
        Some(path) => {
            r.fs_private[0] = OWNS_PATH;
            path.hand_to_request()
        }
        None => std::ptr::null(),
    };
}

/// Writes an outcome into the request (on the calling or the loop thread).
fn record(req: NonNull<ruv_fs_t>, outcome: FsOutcome) {
    // SAFETY: as in `prepare`.
    let r = unsafe { &mut *req.as_ptr() };
    r.result = outcome.result;
    if let Some(stat) = outcome.stat {
        r.statbuf = stat;
        r.ptr = (&raw mut r.statbuf).cast();
    }
    if let Some(text) = outcome.text {
        r.ptr = text.into_raw().cast();
        r.fs_private[1] = PTR_TEXT;
    }
    if let Some(figures) = outcome.statfs {
        r.ptr = Box::into_raw(figures).cast();
        r.fs_private[1] = PTR_STATFS;
    }
    match (outcome.entries, outcome.dir) {
        // readdir: the names go into the caller's entry array.
        (Some(entries), Some(dir)) => {
            // SAFETY: ruv's own directory struct; its `dirents` array is the
            // caller's, with room for `nentries` (readdir read no more).
            let d = unsafe { &mut *dir.as_ptr() };
            let mut names = Vec::with_capacity(entries.len());
            for (i, (name, kind)) in entries.into_iter().enumerate() {
                // SAFETY: as above; `i < nentries`.
                unsafe { *d.dirents.add(i) = ruv_dirent_t { name: name.as_ptr(), r#type: kind } };
                names.push(name);
            }
            r.fs_private[NAMES] = Box::into_raw(Box::new(names)) as u64;
            r.ptr = dir.as_ptr().cast();
        }
        (Some(entries), None) => {
            r.ptr = Box::into_raw(Box::new(Scan { entries, next: 0 })).cast();
            r.fs_private[1] = PTR_SCAN;
        }
        // opendir: the new directory is the caller's until closedir.
        (None, Some(dir)) => r.ptr = dir.as_ptr().cast(),
        (None, None) => {}
    }
    if let Some(made) = outcome.new_path {
        if r.fs_private[0] == OWNS_PATH && !r.path.is_null() {
            // SAFETY: the template copy `prepare` made.
            drop(unsafe { CString::from_raw(r.path.cast_mut()) });
        }
        r.path = made.into_raw();
        r.fs_private[0] = OWNS_PATH;
    }
}

/// A synchronous call: runs `op` now and returns its result, as libuv does
/// (the loop may be NULL).
pub(crate) fn run_sync(req: NonNull<ruv_fs_t>, c_loop: *mut ruv_loop_t, mut op: FsOp) -> isize {
    prepare(req, c_loop, &mut op, None);
    let outcome = op.run();
    let result = outcome.result;
    record(req, outcome);
    result
}

/// `ruv_fs_req_cleanup`: frees the path copy; safe twice and on a request
/// that never ran. `Error::BUSY`, freeing nothing, for a request whose
/// callback has not run yet.
///
/// # Safety
/// `req` points at an `ruv_fs_t`.
pub(crate) unsafe fn cleanup(req: NonNull<ruv_fs_t>) -> Result {
    // SAFETY: the caller's request; only ruv's words of it are written
    // below, and not while it is in flight.
    let r = unsafe { &mut *req.as_ptr() };
    if r.fs_private[IN_FLIGHT] == IN_FLIGHT_MARK {
        return Err(Error::BUSY);
    }
    if r.fs_private[0] == OWNS_PATH && !r.path.is_null() {
        // SAFETY: made by `CString::into_raw` in `prepare`, freed once (the
        // marker is cleared with it).
        drop(unsafe { CString::from_raw(r.path.cast_mut()) });
    }
    if !r.ptr.is_null() {
        // SAFETY: each made by `into_raw` in `record` with the marker that
        // says which; freed once (the marker is cleared below).
        unsafe {
            match r.fs_private[1] {
                PTR_TEXT => drop(CString::from_raw(r.ptr.cast())),
                PTR_STATFS => drop(Box::from_raw(r.ptr.cast::<ruv_statfs_t>())),
                PTR_SCAN => drop(Box::from_raw(r.ptr.cast::<Scan>())),
                _ => {}
            }
        }
    }
    if r.fs_private[NAMES] != 0 {
        // SAFETY: made by `Box::into_raw` in `record`, freed once.
        drop(unsafe { Box::from_raw(r.fs_private[NAMES] as usize as *mut Vec<CString>) });
    }
    r.fs_private[0] = 0;
    r.fs_private[1] = 0;
    r.fs_private[NAMES] = 0;
    r.path = std::ptr::null();
    r.ptr = null_mut();
    Ok(())
}

/// The request's callback is about to run: it may be cleaned up again.
pub(crate) fn landed(req: NonNull<ruv_fs_t>) {
    // SAFETY: ruv's word of a request being delivered on the loop thread.
    unsafe { (*req.as_ptr()).fs_private[IN_FLIGHT] = 0 };
}

/// `ruv_fs_scandir_next`: the next entry of a finished scandir, or
/// `RUV_EOF` after the last.
///
/// # Safety
/// `req` points at an `ruv_fs_t` that is not in flight; `ent` at a
/// `ruv_dirent_t`.
pub(crate) unsafe fn scandir_next(req: NonNull<ruv_fs_t>, ent: NonNull<ruv_dirent_t>) -> c_int {
    // SAFETY: the caller's request.
    let r = unsafe { &mut *req.as_ptr() };
    if r.fs_private[1] != PTR_SCAN || r.ptr.is_null() {
        return if r.result < 0 { r.result as c_int } else { RUV_EOF };
    }
    // SAFETY: made by `record` for this request.
    let scan = unsafe { &mut *r.ptr.cast::<Scan>() };
    let Some((name, kind)) = scan.entries.get(scan.next) else { return RUV_EOF };
    scan.next += 1;
    // SAFETY: the caller's entry; the name lives until ruv_fs_req_cleanup.
    unsafe { *ent.as_ptr() = ruv_dirent_t { name: name.as_ptr(), r#type: *kind } };
    0
}

impl LoopInner {
    /// A call with a callback: `op` is answered on this thread if it can be
    /// without blocking (`fs_fast`), else runs on the pool; the callback runs
    /// on the loop's thread, from the pending phase, with `req->result` set.
    pub(crate) fn fs_submit(
        &mut self,
        c_loop: *mut ruv_loop_t,
        req: NonNull<ruv_fs_t>,
        op: FsOp,
        cb: ruv_fs_cb,
    ) -> Result {
        self.fs_submit_kind(c_loop, req, op, cb, ReqKind::Fs)
    }

    /// `fs_submit` for ruv's own fs requests too (`ReqKind::FsPollStat`).
    pub(crate) fn fs_submit_kind(
        &mut self,
        c_loop: *mut ruv_loop_t,
        req: NonNull<ruv_fs_t>,
        mut op: FsOp,
        cb: ruv_fs_cb,
        kind: ReqKind,
    ) -> Result {
        prepare(req, c_loop, &mut op, cb);
        // SAFETY: the caller's request, ruv's while in flight.
        unsafe { (*req.as_ptr()).fs_private[IN_FLIGHT] = IN_FLIGHT_MARK };
        // SAFETY: the caller's request, in flight from here.
        let r = unsafe { Req::new(req.cast()) };
        self.req_start(r, kind, None);
        if let Some(outcome) = self.fs_inline.then(|| fs_fast::attempt(&op)).flatten() {
            // Answered without blocking: delivered in the pending phase, as
            // a pool result is.
            let result = outcome.result;
            record(req, outcome);
            self.req_complete(r, result);
            return Ok(());
        }
        let submitted = threadpool::submit(req.as_ptr() as usize, Work::Fs(op), Speed::Fast, Arc::clone(&self.inbox));
        if let Err(e) = submitted {
            self.add_active_reqs(-1);
            landed(req);
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
        if let Some(req) = NonNull::new(req) {
            landed(req);
        }
        // SAFETY: as above; its callback was given with it.
        if let Some(cb) = unsafe { (*req).cb } {
            // SAFETY: as above.
            unsafe { cb(req) };
        }
    }

    /// Writes a pool outcome into its fs request (on the loop thread; the
    /// result also goes through the request layer to the callback).
    pub(crate) fn fs_record(req: usize, outcome: FsOutcome) {
        if let Some(req) = NonNull::new(req as *mut ruv_fs_t) {
            record(req, outcome);
        }
    }
}
