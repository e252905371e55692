//! File-system requests: `ruv_fs_t`, `ruv_stat_t`, the operation types and
//! the `RUV_FS_O_*` open flags (libuv's values on Linux).

use super::event_loop::ruv_loop_t;
use super::req::ruv_req_type;
use std::ffi::{c_char, c_int, c_void};

/// libuv's `uv_fs_type`: which operation an `ruv_fs_t` is.
pub type ruv_fs_type = c_int;
pub const RUV_FS_UNKNOWN: ruv_fs_type = -1;
pub const RUV_FS_CUSTOM: ruv_fs_type = 0;
pub const RUV_FS_OPEN: ruv_fs_type = 1;
pub const RUV_FS_CLOSE: ruv_fs_type = 2;
pub const RUV_FS_READ: ruv_fs_type = 3;
pub const RUV_FS_WRITE: ruv_fs_type = 4;
pub const RUV_FS_SENDFILE: ruv_fs_type = 5;
pub const RUV_FS_STAT: ruv_fs_type = 6;
pub const RUV_FS_LSTAT: ruv_fs_type = 7;
pub const RUV_FS_FSTAT: ruv_fs_type = 8;
pub const RUV_FS_FTRUNCATE: ruv_fs_type = 9;
pub const RUV_FS_UTIME: ruv_fs_type = 10;
pub const RUV_FS_FUTIME: ruv_fs_type = 11;
pub const RUV_FS_ACCESS: ruv_fs_type = 12;
pub const RUV_FS_CHMOD: ruv_fs_type = 13;
pub const RUV_FS_FCHMOD: ruv_fs_type = 14;
pub const RUV_FS_FSYNC: ruv_fs_type = 15;
pub const RUV_FS_FDATASYNC: ruv_fs_type = 16;
pub const RUV_FS_UNLINK: ruv_fs_type = 17;
pub const RUV_FS_RMDIR: ruv_fs_type = 18;
pub const RUV_FS_MKDIR: ruv_fs_type = 19;
pub const RUV_FS_MKDTEMP: ruv_fs_type = 20;
pub const RUV_FS_RENAME: ruv_fs_type = 21;
pub const RUV_FS_SCANDIR: ruv_fs_type = 22;
pub const RUV_FS_LINK: ruv_fs_type = 23;
pub const RUV_FS_SYMLINK: ruv_fs_type = 24;
pub const RUV_FS_READLINK: ruv_fs_type = 25;
pub const RUV_FS_CHOWN: ruv_fs_type = 26;
pub const RUV_FS_FCHOWN: ruv_fs_type = 27;
pub const RUV_FS_REALPATH: ruv_fs_type = 28;
pub const RUV_FS_COPYFILE: ruv_fs_type = 29;
pub const RUV_FS_LCHOWN: ruv_fs_type = 30;
pub const RUV_FS_OPENDIR: ruv_fs_type = 31;
pub const RUV_FS_READDIR: ruv_fs_type = 32;
pub const RUV_FS_CLOSEDIR: ruv_fs_type = 33;
pub const RUV_FS_STATFS: ruv_fs_type = 34;
pub const RUV_FS_MKSTEMP: ruv_fs_type = 35;
pub const RUV_FS_LUTIME: ruv_fs_type = 36;

/** `ruv_fs_open` flags: the platform's `O_*` values, as libuv's on Linux
 *  (x86-64; a unit test checks them against the C library's). The ones
 *  Linux has no flag for are 0, as in libuv. */
pub const RUV_FS_O_APPEND: c_int = 0o2000;
pub const RUV_FS_O_CREAT: c_int = 0o100;
pub const RUV_FS_O_DIRECT: c_int = 0o40000;
pub const RUV_FS_O_DIRECTORY: c_int = 0o200000;
pub const RUV_FS_O_DSYNC: c_int = 0o10000;
pub const RUV_FS_O_EXCL: c_int = 0o200;
pub const RUV_FS_O_EXLOCK: c_int = 0;
pub const RUV_FS_O_NOATIME: c_int = 0o1000000;
pub const RUV_FS_O_NOCTTY: c_int = 0o400;
pub const RUV_FS_O_NOFOLLOW: c_int = 0o400000;
pub const RUV_FS_O_NONBLOCK: c_int = 0o4000;
pub const RUV_FS_O_RDONLY: c_int = 0;
pub const RUV_FS_O_RDWR: c_int = 2;
pub const RUV_FS_O_SYMLINK: c_int = 0;
pub const RUV_FS_O_SYNC: c_int = 0o4010000;
pub const RUV_FS_O_TRUNC: c_int = 0o1000;
pub const RUV_FS_O_WRONLY: c_int = 1;
pub const RUV_FS_O_FILEMAP: c_int = 0;
pub const RUV_FS_O_RANDOM: c_int = 0;
pub const RUV_FS_O_SHORT_LIVED: c_int = 0;
pub const RUV_FS_O_SEQUENTIAL: c_int = 0;
pub const RUV_FS_O_TEMPORARY: c_int = 0;

/** `ruv_fs_copyfile` flags. */
pub const RUV_FS_COPYFILE_EXCL: c_int = 1;
pub const RUV_FS_COPYFILE_FICLONE: c_int = 2;
pub const RUV_FS_COPYFILE_FICLONE_FORCE: c_int = 4;
/** `ruv_fs_symlink` flags (Windows only in libuv; accepted and ignored). */
pub const RUV_FS_SYMLINK_DIR: c_int = 1;
pub const RUV_FS_SYMLINK_JUNCTION: c_int = 2;

/** A user id, as libuv's `uv_uid_t`. */
pub type ruv_uid_t = libc::uid_t;
/** A group id, as libuv's `uv_gid_t`. */
pub type ruv_gid_t = libc::gid_t;

/** A time as `ruv_stat_t` holds it (libuv's `uv_timespec_t`). */
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct ruv_timespec_t {
    pub tv_sec: libc::c_long,
    pub tv_nsec: libc::c_long,
}

/** A file's status (libuv's `uv_stat_t`, 160 bytes), as `ruv_fs_stat` and
 *  friends fill `req->statbuf`. `st_birthtim` is the creation time where the
 *  file system records one (statx). */
#[repr(C)]
#[derive(Clone, Copy, Default, Debug, PartialEq, Eq)]
pub struct ruv_stat_t {
    pub st_dev: u64,
    pub st_mode: u64,
    pub st_nlink: u64,
    pub st_uid: u64,
    pub st_gid: u64,
    pub st_rdev: u64,
    pub st_ino: u64,
    pub st_size: u64,
    pub st_blksize: u64,
    pub st_blocks: u64,
    pub st_flags: u64,
    pub st_gen: u64,
    pub st_atim: ruv_timespec_t,
    pub st_mtim: ruv_timespec_t,
    pub st_ctim: ruv_timespec_t,
    pub st_birthtim: ruv_timespec_t,
}

/** Called on the loop's thread when an fs request is done: `req->result`
 *  holds the result (a descriptor, a byte count, 0) or a negative error. */
pub type ruv_fs_cb = Option<unsafe extern "C" fn(req: *mut ruv_fs_s)>;

/** A file-system request (libuv's `uv_fs_t`, 440 bytes). Call
 *  `ruv_fs_req_cleanup` when done with it. */
#[repr(C)]
pub struct ruv_fs_s {
    pub data: *mut c_void,
    pub r#type: ruv_req_type,
    pub(crate) reserved: [*mut c_void; 6],
    /** The operation (read-only). */
    pub fs_type: ruv_fs_type,
    /** The loop it was submitted on; NULL allowed for a synchronous call. */
    pub r#loop: *mut ruv_loop_t,
    /** The callback; NULL for a synchronous call (read-only). */
    pub cb: ruv_fs_cb,
    /** The result: a descriptor, a byte count, 0, or a negative error. */
    pub result: libc::ssize_t,
    /** Operation-specific data (read-only). */
    pub ptr: *mut c_void,
    /** The path, ruv's own copy until `ruv_fs_req_cleanup` (read-only). */
    pub path: *const c_char,
    /** `ruv_fs_stat`, `fstat`, `lstat`'s result. */
    pub statbuf: ruv_stat_t,
    pub(crate) fs_private: [u64; 21],
}
pub type ruv_fs_t = ruv_fs_s;

/// libuv's `uv_dirent_type_t`: what a directory entry is.
pub type ruv_dirent_type_t = c_int;
pub const RUV_DIRENT_UNKNOWN: ruv_dirent_type_t = 0;
pub const RUV_DIRENT_FILE: ruv_dirent_type_t = 1;
pub const RUV_DIRENT_DIR: ruv_dirent_type_t = 2;
pub const RUV_DIRENT_LINK: ruv_dirent_type_t = 3;
pub const RUV_DIRENT_FIFO: ruv_dirent_type_t = 4;
pub const RUV_DIRENT_SOCKET: ruv_dirent_type_t = 5;
pub const RUV_DIRENT_CHAR: ruv_dirent_type_t = 6;
pub const RUV_DIRENT_BLOCK: ruv_dirent_type_t = 7;

/** A directory entry (libuv's `uv_dirent_t`): its name and type. */
#[repr(C)]
pub struct ruv_dirent_s {
    pub name: *const c_char,
    pub r#type: ruv_dirent_type_t,
}
pub type ruv_dirent_t = ruv_dirent_s;

/** An open directory (libuv's `uv_dir_t`, 56 bytes), from `ruv_fs_opendir`
 *  (in `req->ptr`). Before `ruv_fs_readdir`, point `dirents` at an array
 *  of `nentries` entries for it to fill. */
#[repr(C)]
pub struct ruv_dir_s {
    pub dirents: *mut ruv_dirent_s,
    pub nentries: usize,
    pub reserved: [*mut c_void; 4],
    pub(crate) dir: *mut c_void,
}
pub type ruv_dir_t = ruv_dir_s;

/** A file system's figures (libuv's `uv_statfs_t`), from `ruv_fs_statfs`
 *  (in `req->ptr`). */
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct ruv_statfs_s {
    pub f_type: u64,
    pub f_bsize: u64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_spare: [u64; 4],
}
pub type ruv_statfs_t = ruv_statfs_s;

#[cfg(test)]
mod tests {
    use super::*;

    /// The literal flag values (cbindgen writes only literals) are the C
    /// library's on this platform.
    #[test]
    fn open_flags_are_the_platforms() {
        let pairs = [
            (RUV_FS_O_APPEND, libc::O_APPEND),
            (RUV_FS_O_CREAT, libc::O_CREAT),
            (RUV_FS_O_DIRECT, libc::O_DIRECT),
            (RUV_FS_O_DIRECTORY, libc::O_DIRECTORY),
            (RUV_FS_O_DSYNC, libc::O_DSYNC),
            (RUV_FS_O_EXCL, libc::O_EXCL),
            (RUV_FS_O_NOATIME, libc::O_NOATIME),
            (RUV_FS_O_NOCTTY, libc::O_NOCTTY),
            (RUV_FS_O_NOFOLLOW, libc::O_NOFOLLOW),
            (RUV_FS_O_NONBLOCK, libc::O_NONBLOCK),
            (RUV_FS_O_RDONLY, libc::O_RDONLY),
            (RUV_FS_O_RDWR, libc::O_RDWR),
            (RUV_FS_O_SYNC, libc::O_SYNC),
            (RUV_FS_O_TRUNC, libc::O_TRUNC),
            (RUV_FS_O_WRONLY, libc::O_WRONLY),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
    }
}
