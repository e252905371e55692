//! The core's error type, and the name and message of every error code.
//!
//! The core reports failures as [`Error`]: one of libuv's codes (a negative
//! errno, `RUV_EOF`, `RUV_EAI_*`). The C boundary turns it into the `int` a
//! function returns; statuses handed to callbacks stay plain codes.

use crate::abi::error::*;
use std::ffi::{CStr, c_int};

/// A failure, as one of libuv's error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Error(c_int);

/// What core functions return.
pub(crate) type Result<T = ()> = std::result::Result<T, Error>;

impl Error {
    pub const AGAIN: Error = Error(RUV_EAGAIN);
    pub const ALREADY: Error = Error(RUV_EALREADY);
    pub const BADF: Error = Error(RUV_EBADF);
    pub const BUSY: Error = Error(RUV_EBUSY);
    pub const EXIST: Error = Error(RUV_EEXIST);
    pub const INVAL: Error = Error(RUV_EINVAL);
    pub const NOMEM: Error = Error(RUV_ENOMEM);
    pub const NOSYS: Error = Error(RUV_ENOSYS);
    pub const NOTCONN: Error = Error(RUV_ENOTCONN);
    pub const PIPE: Error = Error(RUV_EPIPE);

    /// The error for a libc `errno` value.
    pub fn from_errno(errno: c_int) -> Error {
        Error(-errno)
    }

    /// The error for a status code that is known to be negative.
    pub fn from_code(code: c_int) -> Error {
        debug_assert!(code < 0);
        Error(code)
    }

    /// The calling thread's `errno`, as left by the last failed call.
    pub fn last_os_error() -> Error {
        Error::from_errno(crate::sys::errno())
    }

    /// The libuv error code.
    pub fn code(self) -> c_int {
        self.0
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::from_errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// (code, name, message) for every code above, in libuv's order.
pub(crate) static ERRORS: &[(c_int, &CStr, &CStr)] = &[
    (RUV_E2BIG, c"E2BIG", c"argument list too long"),
    (RUV_EACCES, c"EACCES", c"permission denied"),
    (RUV_EADDRINUSE, c"EADDRINUSE", c"address already in use"),
    (RUV_EADDRNOTAVAIL, c"EADDRNOTAVAIL", c"address not available"),
    (RUV_EAFNOSUPPORT, c"EAFNOSUPPORT", c"address family not supported"),
    (RUV_EAGAIN, c"EAGAIN", c"resource temporarily unavailable"),
    (RUV_EAI_ADDRFAMILY, c"EAI_ADDRFAMILY", c"address family not supported"),
    (RUV_EAI_AGAIN, c"EAI_AGAIN", c"temporary failure"),
    (RUV_EAI_BADFLAGS, c"EAI_BADFLAGS", c"bad ai_flags value"),
    (RUV_EAI_BADHINTS, c"EAI_BADHINTS", c"invalid value for hints"),
    (RUV_EAI_CANCELED, c"EAI_CANCELED", c"request canceled"),
    (RUV_EAI_FAIL, c"EAI_FAIL", c"permanent failure"),
    (RUV_EAI_FAMILY, c"EAI_FAMILY", c"ai_family not supported"),
    (RUV_EAI_MEMORY, c"EAI_MEMORY", c"out of memory"),
    (RUV_EAI_NODATA, c"EAI_NODATA", c"no address"),
    (RUV_EAI_NONAME, c"EAI_NONAME", c"unknown node or service"),
    (RUV_EAI_OVERFLOW, c"EAI_OVERFLOW", c"argument buffer overflow"),
    (RUV_EAI_PROTOCOL, c"EAI_PROTOCOL", c"resolved protocol is unknown"),
    (RUV_EAI_SERVICE, c"EAI_SERVICE", c"service not available for socket type"),
    (RUV_EAI_SOCKTYPE, c"EAI_SOCKTYPE", c"socket type not supported"),
    (RUV_EALREADY, c"EALREADY", c"connection already in progress"),
    (RUV_EBADF, c"EBADF", c"bad file descriptor"),
    (RUV_EBUSY, c"EBUSY", c"resource busy or locked"),
    (RUV_ECANCELED, c"ECANCELED", c"operation canceled"),
    (RUV_ECHARSET, c"ECHARSET", c"invalid Unicode character"),
    (RUV_ECONNABORTED, c"ECONNABORTED", c"software caused connection abort"),
    (RUV_ECONNREFUSED, c"ECONNREFUSED", c"connection refused"),
    (RUV_ECONNRESET, c"ECONNRESET", c"connection reset by peer"),
    (RUV_EDESTADDRREQ, c"EDESTADDRREQ", c"destination address required"),
    (RUV_EEXIST, c"EEXIST", c"file already exists"),
    (RUV_EFAULT, c"EFAULT", c"bad address in system call argument"),
    (RUV_EFBIG, c"EFBIG", c"file too large"),
    (RUV_EHOSTUNREACH, c"EHOSTUNREACH", c"host is unreachable"),
    (RUV_EINTR, c"EINTR", c"interrupted system call"),
    (RUV_EINVAL, c"EINVAL", c"invalid argument"),
    (RUV_EIO, c"EIO", c"i/o error"),
    (RUV_EISCONN, c"EISCONN", c"socket is already connected"),
    (RUV_EISDIR, c"EISDIR", c"illegal operation on a directory"),
    (RUV_ELOOP, c"ELOOP", c"too many symbolic links encountered"),
    (RUV_EMFILE, c"EMFILE", c"too many open files"),
    (RUV_EMSGSIZE, c"EMSGSIZE", c"message too long"),
    (RUV_ENAMETOOLONG, c"ENAMETOOLONG", c"name too long"),
    (RUV_ENETDOWN, c"ENETDOWN", c"network is down"),
    (RUV_ENETUNREACH, c"ENETUNREACH", c"network is unreachable"),
    (RUV_ENFILE, c"ENFILE", c"file table overflow"),
    (RUV_ENOBUFS, c"ENOBUFS", c"no buffer space available"),
    (RUV_ENODEV, c"ENODEV", c"no such device"),
    (RUV_ENOENT, c"ENOENT", c"no such file or directory"),
    (RUV_ENOMEM, c"ENOMEM", c"not enough memory"),
    (RUV_ENONET, c"ENONET", c"machine is not on the network"),
    (RUV_ENOPROTOOPT, c"ENOPROTOOPT", c"protocol not available"),
    (RUV_ENOSPC, c"ENOSPC", c"no space left on device"),
    (RUV_ENOSYS, c"ENOSYS", c"function not implemented"),
    (RUV_ENOTCONN, c"ENOTCONN", c"socket is not connected"),
    (RUV_ENOTDIR, c"ENOTDIR", c"not a directory"),
    (RUV_ENOTEMPTY, c"ENOTEMPTY", c"directory not empty"),
    (RUV_ENOTSOCK, c"ENOTSOCK", c"socket operation on non-socket"),
    (RUV_ENOTSUP, c"ENOTSUP", c"operation not supported on socket"),
    (RUV_EOVERFLOW, c"EOVERFLOW", c"value too large for defined data type"),
    (RUV_EPERM, c"EPERM", c"operation not permitted"),
    (RUV_EPIPE, c"EPIPE", c"broken pipe"),
    (RUV_EPROTO, c"EPROTO", c"protocol error"),
    (RUV_EPROTONOSUPPORT, c"EPROTONOSUPPORT", c"protocol not supported"),
    (RUV_EPROTOTYPE, c"EPROTOTYPE", c"protocol wrong type for socket"),
    (RUV_ERANGE, c"ERANGE", c"result too large"),
    (RUV_EROFS, c"EROFS", c"read-only file system"),
    (RUV_ESHUTDOWN, c"ESHUTDOWN", c"cannot send after transport endpoint shutdown"),
    (RUV_ESPIPE, c"ESPIPE", c"invalid seek"),
    (RUV_ESRCH, c"ESRCH", c"no such process"),
    (RUV_ETIMEDOUT, c"ETIMEDOUT", c"connection timed out"),
    (RUV_ETXTBSY, c"ETXTBSY", c"text file is busy"),
    (RUV_EXDEV, c"EXDEV", c"cross-device link not permitted"),
    (RUV_UNKNOWN, c"UNKNOWN", c"unknown error"),
    (RUV_EOF, c"EOF", c"end of file"),
    (RUV_ENXIO, c"ENXIO", c"no such device or address"),
    (RUV_EMLINK, c"EMLINK", c"too many links"),
    (RUV_EHOSTDOWN, c"EHOSTDOWN", c"host is down"),
    (RUV_EREMOTEIO, c"EREMOTEIO", c"remote I/O error"),
    (RUV_ENOTTY, c"ENOTTY", c"inappropriate ioctl for device"),
    (RUV_EFTYPE, c"EFTYPE", c"inappropriate file type or format"),
    (RUV_EILSEQ, c"EILSEQ", c"illegal byte sequence"),
    (RUV_ESOCKTNOSUPPORT, c"ESOCKTNOSUPPORT", c"socket type not supported"),
    (RUV_ENODATA, c"ENODATA", c"no data available"),
    (RUV_EUNATCH, c"EUNATCH", c"protocol driver not attached"),
    (RUV_ENOEXEC, c"ENOEXEC", c"exec format error"),
];
