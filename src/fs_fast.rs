//! The inline first attempt: an fs request with a callback is tried on the
//! loop thread, in the submitting call, where the kernel can answer without
//! blocking; only when it cannot does the request go to the thread pool. A
//! cached open, a read of cached pages and a close of a local file then cost
//! their system calls instead of two thread hand-offs (about 1 µs against
//! 5-40 µs here, `bench/fs.sh`). The answer still goes through the request
//! layer: the callback runs in the pending phase, never inside the call that
//! submitted it.
//!
//! What is tried, and why it cannot block:
//!
//! - **open** without `O_CREAT`/`O_TRUNC`: `openat2` with `RESOLVE_CACHED`
//!   (the path walk fails with `EAGAIN` instead of reading a directory from
//!   disk) and `O_NONBLOCK` (a FIFO or device does not wait), the attempt
//!   io_uring makes before it punts an open to its workers. `O_NONBLOCK` is
//!   taken off again unless asked for. What is not a regular file or a
//!   directory is closed and opened again on the pool, so a FIFO's open still
//!   waits for its peer as the caller expects.
//! - **read** of at most 64 KiB at an offset: `preadv2` with `RWF_NOWAIT`
//!   (`EAGAIN` unless the pages are cached). A short read counts only if the next byte is the end
//!   of the file; otherwise the whole read runs on the pool (a read at an
//!   offset can be repeated). Reads at the current position (offset -1) go
//!   to the pool: a partial attempt would move the position.
//! - **close** and **fstat** of a regular file or directory on a local file
//!   system (known from its mount's type), where neither waits for a device
//!   or a server (NFS and FUSE flush on close; their stat asks the server).
//!
//! Everything else, and every error (the pool gives the authoritative one),
//! runs on the pool. `RUV_FS_INLINE=0` in the environment when a loop is
//! initialised turns the attempt off for that loop: every request then takes
//! the pool, as in libuv (the tests run both ways).

use crate::abi::ruv_buf_t;
use crate::fs::{FsOp, FsOutcome, stat_outcome};
use crate::sys::errno;
use std::ffi::c_int;
use std::sync::Mutex;

/// Whether loops initialised now try requests inline (`RUV_FS_INLINE`).
pub(crate) fn enabled_by_env() -> bool {
    std::env::var_os("RUV_FS_INLINE").is_none_or(|v| v != "0")
}

/// The answer to `op` if the kernel gives it without blocking, else `None`
/// (the request then goes to the pool, untouched).
pub(crate) fn attempt(op: &FsOp) -> Option<FsOutcome> {
    match op {
        FsOp::Open { path, flags, .. } => open(path, *flags),
        FsOp::Read { fd, bufs, offset } if *offset >= 0 => read(*fd, bufs, *offset),
        FsOp::Close { fd } => {
            local_file(*fd)?;
            // SAFETY: the caller's descriptor, which it asked to close.
            let r = unsafe { libc::close(*fd) };
            // Closed either way: an error here is the answer, not a retry.
            Some(FsOutcome::result(if r < 0 { -errno() as isize } else { 0 }))
        }
        FsOp::Fstat { fd } => local_file(*fd).map(|stx| stat_outcome(&stx)),
        _ => None,
    }
}

fn open(path: &std::ffi::CStr, flags: c_int) -> Option<FsOutcome> {
    // openat2 refuses these with RESOLVE_CACHED (O_TMPFILE includes O_DIRECTORY).
    if flags & (libc::O_CREAT | libc::O_TRUNC) != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE {
        return None;
    }
    // SAFETY: zeroes are a valid `open_how` (libc marks it non-exhaustive).
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (flags | libc::O_CLOEXEC | libc::O_NONBLOCK) as u64;
    how.resolve = libc::RESOLVE_CACHED;
    // SAFETY: a NUL-terminated path and an `open_how` of the size passed.
    let fd =
        unsafe { libc::syscall(libc::SYS_openat2, libc::AT_FDCWD, path.as_ptr(), &how, size_of::<libc::open_how>()) }
            as c_int;
    if fd < 0 {
        return None;
    }
    let stx = fstatx(fd);
    let plain = stx.as_ref().is_some_and(|s| is_file_or_dir(s.stx_mode));
    // Regular files and directories ignore O_NONBLOCK, but fcntl(F_GETFL)
    // shows it: take it off unless the caller asked for it.
    // SAFETY: the descriptor just opened.
    if !plain || (flags & libc::O_NONBLOCK == 0 && unsafe { libc::fcntl(fd, libc::F_SETFL, flags) } != 0) {
        crate::sys::close(fd); // nobody else has seen it
        return None;
    }
    Some(FsOutcome::result(fd as isize))
}

/// The largest read tried inline. Copying 64 KiB from the page cache takes
/// about as long as a hand-off to the pool; a bigger read is better done
/// there, beside the loop (the cp example's 1 MiB chunks: 2,207 MiB/s inline
/// against 3,057 on the pool, `bench/fs.sh`).
const INLINE_READ_MAX: usize = 64 * 1024;

fn read(fd: c_int, bufs: &[ruv_buf_t], offset: i64) -> Option<FsOutcome> {
    let bufs = &bufs[..bufs.len().min(1024)];
    let total: usize = bufs.iter().map(|b| b.len).sum();
    if total > INLINE_READ_MAX {
        return None;
    }
    let nowait = |iov: &[ruv_buf_t], at: i64| {
        // SAFETY: the caller's buffers (an `ruv_buf_t` is an `iovec`), given
        // for this request.
        unsafe { libc::preadv2(fd, iov.as_ptr().cast(), iov.len() as c_int, at, libc::RWF_NOWAIT) }
    };
    let n = nowait(bufs, offset);
    if n < 0 {
        return None; // not cached, not supported, or an error: the pool says
    }
    let mut done = n as usize;
    while done != 0 && done < total {
        // Short: part cached, or the end of the file. Ask for the rest; 0
        // then means the end, and the short count is what a blocking read
        // returns.
        let n = nowait(&unfilled(bufs, done), offset + done as i64);
        if n < 0 {
            return None; // the pool reads it all again
        }
        if n == 0 {
            break;
        }
        done += n as usize;
    }
    Some(FsOutcome::result(done as isize))
}

/// The parts of `bufs` after their first `filled` bytes.
fn unfilled(bufs: &[ruv_buf_t], filled: usize) -> Vec<ruv_buf_t> {
    let mut skip = filled;
    let mut rest = Vec::with_capacity(bufs.len());
    for b in bufs {
        if skip >= b.len {
            skip -= b.len;
            continue;
        }
        rest.push(ruv_buf_t { base: b.base.wrapping_add(skip), len: b.len - skip });
        skip = 0;
    }
    rest
}

/// `fd`'s stat if it is a regular file or directory on a local file system.
fn local_file(fd: c_int) -> Option<libc::statx> {
    let stx = fstatx(fd)?;
    (is_file_or_dir(stx.stx_mode) && mount_is_local(stx.stx_mnt_id)).then_some(stx)
}

fn is_file_or_dir(mode: u16) -> bool {
    matches!(u32::from(mode) & libc::S_IFMT, libc::S_IFREG | libc::S_IFDIR)
}

/// `statx` of a descriptor with its mount id; `AT_STATX_DONT_SYNC` so a
/// network file system answers from its cache (the caller uses the figures
/// only for a local one, where the flag changes nothing).
fn fstatx(fd: c_int) -> Option<libc::statx> {
    // SAFETY: zeroes are a valid statx buffer.
    let mut stx: libc::statx = unsafe { std::mem::zeroed() };
    let mask = libc::STATX_BASIC_STATS | libc::STATX_BTIME | libc::STATX_MNT_ID;
    let flags = libc::AT_EMPTY_PATH | libc::AT_STATX_DONT_SYNC;
    // SAFETY: an empty NUL-terminated path and a buffer of the right type.
    let r = unsafe { libc::statx(fd, c"".as_ptr(), flags, mask, &mut stx) };
    (r == 0 && stx.stx_mask & libc::STATX_MNT_ID != 0).then_some(stx)
}

/// File systems whose close and stat never wait for a server or a user-space
/// daemon. An unknown type counts as not local: its requests take the pool.
const LOCAL_TYPES: &[&str] = &[
    "ext2",
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "f2fs",
    "bcachefs",
    "jfs",
    "reiserfs",
    "zfs",
    "tmpfs",
    "ramfs",
    "overlay",
    "vfat",
    "msdos",
    "exfat",
    "ntfs3",
    "squashfs",
    "erofs",
    "iso9660",
    "udf",
    "hugetlbfs",
    "devtmpfs",
];

/// Mount ids seen so far and whether each is a local file system; read from
/// `/proc/self/mountinfo` when an id is new. Shared by every loop.
static MOUNTS: Mutex<Vec<(u64, bool)>> = Mutex::new(Vec::new());

fn mount_is_local(id: u64) -> bool {
    let mut known = MOUNTS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&(_, local)) = known.iter().find(|(i, _)| *i == id) {
        return local;
    }
    let local = std::fs::read_to_string("/proc/self/mountinfo").ok().and_then(|t| mount_type_is_local(&t, id));
    // No /proc, or the mount is gone: not cached, and not local this time.
    if let Some(local) = local {
        known.push((id, local));
    }
    local.unwrap_or(false)
}

/// From mountinfo's text: whether mount `id` has a local type. A line is
/// `id parent major:minor root point options [optional fields] - type source
/// super-options`.
fn mount_type_is_local(mountinfo: &str, id: u64) -> Option<bool> {
    let line = mountinfo.lines().find(|l| l.split(' ').next().and_then(|f| f.parse::<u64>().ok()) == Some(id))?;
    let fs_type = line.split(" - ").nth(1)?.split(' ').next()?;
    Some(LOCAL_TYPES.contains(&fs_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
22 1 0:21 / /proc rw,nosuid - proc proc rw
27 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
40 27 0:40 / /mnt/nfs rw master:3 - nfs4 srv:/x rw,vers=4.2
41 27 0:41 / /mnt/f rw - fuse.sshfs u@h: rw";

    #[test]
    fn mount_types_from_mountinfo() {
        assert_eq!(mount_type_is_local(MOUNTINFO, 27), Some(true));
        assert_eq!(mount_type_is_local(MOUNTINFO, 40), Some(false));
        assert_eq!(mount_type_is_local(MOUNTINFO, 41), Some(false));
        assert_eq!(mount_type_is_local(MOUNTINFO, 22), Some(false));
        assert_eq!(mount_type_is_local(MOUNTINFO, 99), None);
    }
}
