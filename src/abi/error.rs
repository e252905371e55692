//! Error codes: every libuv error name with libuv's number on Linux (negative
//! errno; `RUV_EAI_*` in -3000..-3014, `RUV_EOF` = -4095, `RUV_UNKNOWN` = -4094),
//! as the header shows them. The names and messages are in `crate::error`.

use std::ffi::c_int;

/** Argument list too long. */
pub const RUV_E2BIG: c_int = -7;
/** Permission denied. */
pub const RUV_EACCES: c_int = -13;
/** Address already in use. */
pub const RUV_EADDRINUSE: c_int = -98;
/** Address not available. */
pub const RUV_EADDRNOTAVAIL: c_int = -99;
/** Address family not supported. */
pub const RUV_EAFNOSUPPORT: c_int = -97;
/** Resource temporarily unavailable. */
pub const RUV_EAGAIN: c_int = -11;
/** Address family not supported. */
pub const RUV_EAI_ADDRFAMILY: c_int = -3000;
/** Temporary failure. */
pub const RUV_EAI_AGAIN: c_int = -3001;
/** Bad ai_flags value. */
pub const RUV_EAI_BADFLAGS: c_int = -3002;
/** Invalid value for hints. */
pub const RUV_EAI_BADHINTS: c_int = -3013;
/** Request canceled. */
pub const RUV_EAI_CANCELED: c_int = -3003;
/** Permanent failure. */
pub const RUV_EAI_FAIL: c_int = -3004;
/** Ai_family not supported. */
pub const RUV_EAI_FAMILY: c_int = -3005;
/** Out of memory. */
pub const RUV_EAI_MEMORY: c_int = -3006;
/** No address. */
pub const RUV_EAI_NODATA: c_int = -3007;
/** Unknown node or service. */
pub const RUV_EAI_NONAME: c_int = -3008;
/** Argument buffer overflow. */
pub const RUV_EAI_OVERFLOW: c_int = -3009;
/** Resolved protocol is unknown. */
pub const RUV_EAI_PROTOCOL: c_int = -3014;
/** Service not available for socket type. */
pub const RUV_EAI_SERVICE: c_int = -3010;
/** Socket type not supported. */
pub const RUV_EAI_SOCKTYPE: c_int = -3011;
/** Connection already in progress. */
pub const RUV_EALREADY: c_int = -114;
/** Bad file descriptor. */
pub const RUV_EBADF: c_int = -9;
/** Resource busy or locked. */
pub const RUV_EBUSY: c_int = -16;
/** Operation canceled. */
pub const RUV_ECANCELED: c_int = -125;
/** Invalid Unicode character. */
pub const RUV_ECHARSET: c_int = -4080;
/** Software caused connection abort. */
pub const RUV_ECONNABORTED: c_int = -103;
/** Connection refused. */
pub const RUV_ECONNREFUSED: c_int = -111;
/** Connection reset by peer. */
pub const RUV_ECONNRESET: c_int = -104;
/** Destination address required. */
pub const RUV_EDESTADDRREQ: c_int = -89;
/** File already exists. */
pub const RUV_EEXIST: c_int = -17;
/** Bad address in system call argument. */
pub const RUV_EFAULT: c_int = -14;
/** File too large. */
pub const RUV_EFBIG: c_int = -27;
/** Host is unreachable. */
pub const RUV_EHOSTUNREACH: c_int = -113;
/** Interrupted system call. */
pub const RUV_EINTR: c_int = -4;
/** Invalid argument. */
pub const RUV_EINVAL: c_int = -22;
/** I/o error. */
pub const RUV_EIO: c_int = -5;
/** Socket is already connected. */
pub const RUV_EISCONN: c_int = -106;
/** Illegal operation on a directory. */
pub const RUV_EISDIR: c_int = -21;
/** Too many symbolic links encountered. */
pub const RUV_ELOOP: c_int = -40;
/** Too many open files. */
pub const RUV_EMFILE: c_int = -24;
/** Message too long. */
pub const RUV_EMSGSIZE: c_int = -90;
/** Name too long. */
pub const RUV_ENAMETOOLONG: c_int = -36;
/** Network is down. */
pub const RUV_ENETDOWN: c_int = -100;
/** Network is unreachable. */
pub const RUV_ENETUNREACH: c_int = -101;
/** File table overflow. */
pub const RUV_ENFILE: c_int = -23;
/** No buffer space available. */
pub const RUV_ENOBUFS: c_int = -105;
/** No such device. */
pub const RUV_ENODEV: c_int = -19;
/** No such file or directory. */
pub const RUV_ENOENT: c_int = -2;
/** Not enough memory. */
pub const RUV_ENOMEM: c_int = -12;
/** Machine is not on the network. */
pub const RUV_ENONET: c_int = -64;
/** Protocol not available. */
pub const RUV_ENOPROTOOPT: c_int = -92;
/** No space left on device. */
pub const RUV_ENOSPC: c_int = -28;
/** Function not implemented. */
pub const RUV_ENOSYS: c_int = -38;
/** Socket is not connected. */
pub const RUV_ENOTCONN: c_int = -107;
/** Not a directory. */
pub const RUV_ENOTDIR: c_int = -20;
/** Directory not empty. */
pub const RUV_ENOTEMPTY: c_int = -39;
/** Socket operation on non-socket. */
pub const RUV_ENOTSOCK: c_int = -88;
/** Operation not supported on socket. */
pub const RUV_ENOTSUP: c_int = -95;
/** Value too large for defined data type. */
pub const RUV_EOVERFLOW: c_int = -75;
/** Operation not permitted. */
pub const RUV_EPERM: c_int = -1;
/** Broken pipe. */
pub const RUV_EPIPE: c_int = -32;
/** Protocol error. */
pub const RUV_EPROTO: c_int = -71;
/** Protocol not supported. */
pub const RUV_EPROTONOSUPPORT: c_int = -93;
/** Protocol wrong type for socket. */
pub const RUV_EPROTOTYPE: c_int = -91;
/** Result too large. */
pub const RUV_ERANGE: c_int = -34;
/** Read-only file system. */
pub const RUV_EROFS: c_int = -30;
/** Cannot send after transport endpoint shutdown. */
pub const RUV_ESHUTDOWN: c_int = -108;
/** Invalid seek. */
pub const RUV_ESPIPE: c_int = -29;
/** No such process. */
pub const RUV_ESRCH: c_int = -3;
/** Connection timed out. */
pub const RUV_ETIMEDOUT: c_int = -110;
/** Text file is busy. */
pub const RUV_ETXTBSY: c_int = -26;
/** Cross-device link not permitted. */
pub const RUV_EXDEV: c_int = -18;
/** Unknown error. */
pub const RUV_UNKNOWN: c_int = -4094;
/** End of file. */
pub const RUV_EOF: c_int = -4095;
/** No such device or address. */
pub const RUV_ENXIO: c_int = -6;
/** Too many links. */
pub const RUV_EMLINK: c_int = -31;
/** Host is down. */
pub const RUV_EHOSTDOWN: c_int = -112;
/** Remote I/O error. */
pub const RUV_EREMOTEIO: c_int = -121;
/** Inappropriate ioctl for device. */
pub const RUV_ENOTTY: c_int = -25;
/** Inappropriate file type or format. */
pub const RUV_EFTYPE: c_int = -4028;
/** Illegal byte sequence. */
pub const RUV_EILSEQ: c_int = -84;
/** Socket type not supported. */
pub const RUV_ESOCKTNOSUPPORT: c_int = -94;
/** No data available. */
pub const RUV_ENODATA: c_int = -61;
/** Protocol driver not attached. */
pub const RUV_EUNATCH: c_int = -49;
/** Exec format error. */
pub const RUV_ENOEXEC: c_int = -8;
