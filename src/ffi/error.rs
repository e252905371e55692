//! Error names and messages: `ruv_strerror`, `ruv_err_name`, their `_r`
//! forms, and `ruv_translate_sys_error`.

use crate::error::ERRORS;
use std::ffi::{CStr, CString, c_char, c_int};
use std::sync::Mutex;

fn lookup(err: c_int) -> Option<(&'static CStr, &'static CStr)> {
    ERRORS.iter().find(|e| e.0 == err).map(|e| (e.1, e.2))
}

/// "Unknown system error N", made once per code and kept for the life of the
/// process (the pointer must stay valid, as libuv's does). A plain list: few
/// distinct unknown codes ever show up, and its entries point at the starts
/// of their strings, so leak checkers see them as reachable.
fn unknown(err: c_int) -> *const c_char {
    static MADE: Mutex<Vec<(c_int, CString)>> = Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, text)) = made.iter().find(|(code, _)| *code == err) {
        return text.as_ptr();
    }
    let text = CString::new(format!("Unknown system error {err}")).expect("no NUL");
    let ptr = text.as_ptr();
    made.push((err, text));
    ptr
}

/// The name or message (`pick` chooses) of a known code, or libuv's text for
/// an unknown one, without keeping anything.
fn text_of(err: c_int, pick: fn((&'static CStr, &'static CStr)) -> &'static CStr) -> Vec<u8> {
    match lookup(err) {
        Some(known) => pick(known).to_bytes().to_vec(),
        None => format!("Unknown system error {err}").into_bytes(),
    }
}

/// Copies `text` into `buf` as snprintf would: truncated, always terminated.
unsafe fn copy_out(text: &[u8], buf: *mut c_char, buflen: usize) -> *mut c_char {
    if buf.is_null() || buflen == 0 {
        return buf;
    }
    let n = text.len().min(buflen - 1);
    // SAFETY: the caller gives `buflen` writable bytes at `buf`.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
    buf
}

/** The message for an error code ("connection refused"). For an unknown code,
 *  "Unknown system error N". The string stays valid for the life of the
 *  process. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_strerror(err: c_int) -> *const c_char {
    match lookup(err) {
        Some((_, message)) => message.as_ptr(),
        None => unknown(err),
    }
}

/** Writes the message for `err` into `buf` (at most `buflen` bytes, always
 *  terminated) and returns `buf`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `buf` `buflen` writable
 *  bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_strerror_r(err: c_int, buf: *mut c_char, buflen: usize) -> *mut c_char {
    // SAFETY: forwarded from the caller.
    unsafe { copy_out(&text_of(err, |(_, message)| message), buf, buflen) }
}

/** The name of an error code ("ECONNREFUSED"). For an unknown code,
 *  "Unknown system error N". The string stays valid for the life of the
 *  process. */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_err_name(err: c_int) -> *const c_char {
    match lookup(err) {
        Some((name, _)) => name.as_ptr(),
        None => unknown(err),
    }
}

/** Writes the name of `err` into `buf` (at most `buflen` bytes, always
 *  terminated) and returns `buf`.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `buf` `buflen` writable
 *  bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_err_name_r(err: c_int, buf: *mut c_char, buflen: usize) -> *mut c_char {
    // SAFETY: forwarded from the caller.
    unsafe { copy_out(&text_of(err, |(name, _)| name), buf, buflen) }
}

/** The ruv error code for a platform error number: `-sys_errno` on Unix
 *  (values that are already negative, or 0, are returned as they are). */
#[unsafe(no_mangle)]
pub extern "C" fn ruv_translate_sys_error(sys_errno: c_int) -> c_int {
    if sys_errno <= 0 { sys_errno } else { -sys_errno }
}

#[cfg(test)]
mod tests {
    use crate::abi::*;
    use crate::error::ERRORS;

    /// The literal errno values in error.rs must be the platform's.
    #[test]
    fn errno_values_match_libc() {
        let pairs = [
            (RUV_E2BIG, libc::E2BIG),
            (RUV_EACCES, libc::EACCES),
            (RUV_EADDRINUSE, libc::EADDRINUSE),
            (RUV_EADDRNOTAVAIL, libc::EADDRNOTAVAIL),
            (RUV_EAFNOSUPPORT, libc::EAFNOSUPPORT),
            (RUV_EAGAIN, libc::EAGAIN),
            (RUV_EALREADY, libc::EALREADY),
            (RUV_EBADF, libc::EBADF),
            (RUV_EBUSY, libc::EBUSY),
            (RUV_ECANCELED, libc::ECANCELED),
            (RUV_ECONNABORTED, libc::ECONNABORTED),
            (RUV_ECONNREFUSED, libc::ECONNREFUSED),
            (RUV_ECONNRESET, libc::ECONNRESET),
            (RUV_EDESTADDRREQ, libc::EDESTADDRREQ),
            (RUV_EEXIST, libc::EEXIST),
            (RUV_EFAULT, libc::EFAULT),
            (RUV_EFBIG, libc::EFBIG),
            (RUV_EHOSTUNREACH, libc::EHOSTUNREACH),
            (RUV_EINTR, libc::EINTR),
            (RUV_EINVAL, libc::EINVAL),
            (RUV_EIO, libc::EIO),
            (RUV_EISCONN, libc::EISCONN),
            (RUV_EISDIR, libc::EISDIR),
            (RUV_ELOOP, libc::ELOOP),
            (RUV_EMFILE, libc::EMFILE),
            (RUV_EMSGSIZE, libc::EMSGSIZE),
            (RUV_ENAMETOOLONG, libc::ENAMETOOLONG),
            (RUV_ENETDOWN, libc::ENETDOWN),
            (RUV_ENETUNREACH, libc::ENETUNREACH),
            (RUV_ENFILE, libc::ENFILE),
            (RUV_ENOBUFS, libc::ENOBUFS),
            (RUV_ENODEV, libc::ENODEV),
            (RUV_ENOENT, libc::ENOENT),
            (RUV_ENOMEM, libc::ENOMEM),
            (RUV_ENONET, libc::ENONET),
            (RUV_ENOPROTOOPT, libc::ENOPROTOOPT),
            (RUV_ENOSPC, libc::ENOSPC),
            (RUV_ENOSYS, libc::ENOSYS),
            (RUV_ENOTCONN, libc::ENOTCONN),
            (RUV_ENOTDIR, libc::ENOTDIR),
            (RUV_ENOTEMPTY, libc::ENOTEMPTY),
            (RUV_ENOTSOCK, libc::ENOTSOCK),
            (RUV_ENOTSUP, libc::ENOTSUP),
            (RUV_EOVERFLOW, libc::EOVERFLOW),
            (RUV_EPERM, libc::EPERM),
            (RUV_EPIPE, libc::EPIPE),
            (RUV_EPROTO, libc::EPROTO),
            (RUV_EPROTONOSUPPORT, libc::EPROTONOSUPPORT),
            (RUV_EPROTOTYPE, libc::EPROTOTYPE),
            (RUV_ERANGE, libc::ERANGE),
            (RUV_EROFS, libc::EROFS),
            (RUV_ESHUTDOWN, libc::ESHUTDOWN),
            (RUV_ESPIPE, libc::ESPIPE),
            (RUV_ESRCH, libc::ESRCH),
            (RUV_ETIMEDOUT, libc::ETIMEDOUT),
            (RUV_ETXTBSY, libc::ETXTBSY),
            (RUV_EXDEV, libc::EXDEV),
            (RUV_ENXIO, libc::ENXIO),
            (RUV_EMLINK, libc::EMLINK),
            (RUV_EHOSTDOWN, libc::EHOSTDOWN),
            (RUV_EREMOTEIO, libc::EREMOTEIO),
            (RUV_ENOTTY, libc::ENOTTY),
            (RUV_EILSEQ, libc::EILSEQ),
            (RUV_ESOCKTNOSUPPORT, libc::ESOCKTNOSUPPORT),
            (RUV_ENODATA, libc::ENODATA),
            (RUV_EUNATCH, libc::EUNATCH),
            (RUV_ENOEXEC, libc::ENOEXEC),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, -theirs);
        }
        assert_eq!(ERRORS.len(), 85);
    }
}
