//! Socket addresses: `ruv_ip4_addr`, `ruv_ip6_addr`, `ruv_ip4_name`,
//! `ruv_ip6_name`, `ruv_ip_name`, `ruv_inet_pton`, `ruv_inet_ntop`. The
//! parsing and printing is `crate::addr`'s; these check pointers and copy.
//!
//! Where libuv crashes (a NULL pointer), ruv returns `RUV_EINVAL`.

use crate::abi::{RUV_EAFNOSUPPORT, RUV_EINVAL, RUV_ENOSPC};
use crate::addr::{Parsed, Text, format_v4, format_v6, parse, scope_id};
use libc::{sockaddr, sockaddr_in, sockaddr_in6};
use std::ffi::{CStr, c_char, c_int, c_void};

/// Copies `text` and its NUL to `dst` when `size` leaves room for both.
unsafe fn copy_out(text: &[u8], dst: *mut c_char, size: usize) -> c_int {
    if text.len() >= size {
        return RUV_ENOSPC;
    }
    if dst.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller gives `size` writable bytes at `dst`, and
    // `text.len() + 1 <= size`.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), dst.cast::<u8>(), text.len());
        *dst.add(text.len()) = 0;
    }
    0
}

/** Converts a binary IPv4 (`af` = `AF_INET`, `src` pointing at 4 bytes, a
 *  `struct in_addr`) or IPv6 (`AF_INET6`, 16 bytes, a `struct in6_addr`)
 *  address, in network byte order, to text ("127.0.0.1", "::1",
 *  "::ffff:10.0.0.1"), written with its terminating NUL to `dst`, which has
 *  `size` bytes. `dst` is untouched on error: RUV_ENOSPC when the text and its
 *  NUL do not fit (`INET6_ADDRSTRLEN`, 46, is always enough),
 *  RUV_EAFNOSUPPORT for another family, RUV_EINVAL when `src` or `dst` is
 *  NULL. Returns 0 on success.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `src` 4 (AF_INET) or 16
 *  (AF_INET6) readable bytes and `dst` `size` writable bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_inet_ntop(af: c_int, src: *const c_void, dst: *mut c_char, size: usize) -> c_int {
    let mut text = Text::new();
    match af {
        libc::AF_INET | libc::AF_INET6 if src.is_null() => return RUV_EINVAL,
        // SAFETY: the caller gives 4 readable bytes at `src` for AF_INET.
        libc::AF_INET => format_v4(unsafe { &*src.cast::<[u8; 4]>() }, &mut text),
        // SAFETY: and 16 for AF_INET6.
        libc::AF_INET6 => format_v6(unsafe { &*src.cast::<[u8; 16]>() }, &mut text),
        _ => return RUV_EAFNOSUPPORT,
    }
    // SAFETY: forwarded from the caller.
    unsafe { copy_out(text.bytes(), dst, size) }
}

/** Converts text to a binary address in network byte order: for `af` =
 *  `AF_INET` a dotted quad ("10.0.0.1": exactly four decimal parts, no leading
 *  zeros) into 4 bytes at `dst` (a `struct in_addr`); for `AF_INET6` an IPv6
 *  address ("fe80::1", "::ffff:10.0.0.1"; a "%zone" suffix is accepted and
 *  ignored) into 16 bytes (a `struct in6_addr`). `dst` is written only on
 *  success. Returns 0, RUV_EINVAL when the text is not such an address or
 *  `src` or `dst` is NULL, or RUV_EAFNOSUPPORT for another family.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `src` a NUL-terminated
 *  string and `dst` 4 (AF_INET) or 16 (AF_INET6) writable bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int {
    if src.is_null() || dst.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller passes a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(src) }.to_bytes();
    match parse(af, text) {
        // SAFETY: the caller gives 4 writable bytes at `dst` for AF_INET.
        Ok(Parsed::V4(bytes)) => unsafe { dst.cast::<[u8; 4]>().write_unaligned(bytes) },
        // SAFETY: and 16 for AF_INET6.
        Ok(Parsed::V6(bytes)) => unsafe { dst.cast::<[u8; 16]>().write_unaligned(bytes) },
        Err(e) => return e.code(),
    }
    0
}

/** Fills `*addr` with an IPv4 socket address: the whole struct zeroed, then
 *  `sin_family` = AF_INET, `sin_port` = `port` in network byte order (only
 *  its low 16 bits, as `htons`), and `sin_addr` parsed from `ip` as
 *  `ruv_inet_pton(AF_INET, ...)` does ("127.0.0.1"; "0.0.0.0" for any
 *  address). Returns 0, or RUV_EINVAL when `ip` is not a dotted quad (the
 *  struct is then filled but for `sin_addr`, which stays 0) or a pointer is
 *  NULL.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `ip` a NUL-terminated
 *  string and `addr` a `struct sockaddr_in`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ip4_addr(ip: *const c_char, port: c_int, addr: *mut sockaddr_in) -> c_int {
    if addr.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller gives a writable `struct sockaddr_in` at `addr`.
    unsafe {
        addr.write_bytes(0, 1);
        (*addr).sin_family = libc::AF_INET as libc::sa_family_t;
        (*addr).sin_port = (port as u16).to_be();
        // SAFETY: forwarded; `sin_addr` is 4 writable bytes.
        ruv_inet_pton(libc::AF_INET, ip, (&raw mut (*addr).sin_addr).cast())
    }
}

/** Fills `*addr` with an IPv6 socket address: the whole struct zeroed, then
 *  `sin6_family` = AF_INET6, `sin6_port` = `port` in network byte order (its
 *  low 16 bits), and `sin6_addr` parsed from `ip` as `ruv_inet_pton(AF_INET6,
 *  ...)` does ("::1", "fe80::1%eth0"). A "%zone" suffix sets `sin6_scope_id`:
 *  to the index of the interface of that name (`if_nametoindex`), else, when
 *  the zone is a decimal number, to that number; an unknown zone leaves it 0
 *  without an error, as in libuv. Returns 0, or RUV_EINVAL when `ip` is not an
 *  IPv6 address (the struct is then filled but for `sin6_addr`, which stays
 *  0) or a pointer is NULL.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `ip` a NUL-terminated
 *  string and `addr` a `struct sockaddr_in6`.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ip6_addr(ip: *const c_char, port: c_int, addr: *mut sockaddr_in6) -> c_int {
    if addr.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller gives a writable `struct sockaddr_in6` at `addr`.
    unsafe {
        addr.write_bytes(0, 1);
        (*addr).sin6_family = libc::AF_INET6 as libc::sa_family_t;
        (*addr).sin6_port = (port as u16).to_be();
    }
    if ip.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller passes a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(ip) }.to_bytes();
    if let Some(at) = text.iter().position(|&c| c == b'%') {
        // SAFETY: `at + 1` is at most the NUL's index, within the string.
        let zone = unsafe { CStr::from_ptr(ip.add(at + 1)) };
        // SAFETY: the caller gives a writable `struct sockaddr_in6`.
        unsafe { (*addr).sin6_scope_id = scope_id(zone) };
    }
    // SAFETY: forwarded; `sin6_addr` is 16 writable bytes.
    unsafe { ruv_inet_pton(libc::AF_INET6, ip, (&raw mut (*addr).sin6_addr).cast()) }
}

/** Writes the address of `*src` as text ("10.0.0.1") to `dst` (`size` bytes,
 *  16 always enough), as `ruv_inet_ntop(AF_INET, &src->sin_addr, dst, size)`:
 *  the port is left out and `sin_family` is not checked. RUV_ENOSPC when the
 *  text does not fit (nothing is written: no truncated text), RUV_EINVAL for a
 *  NULL pointer.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `src` a `struct
 *  sockaddr_in` and `dst` `size` writable bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ip4_name(src: *const sockaddr_in, dst: *mut c_char, size: usize) -> c_int {
    if src.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller passes a readable `struct sockaddr_in`; forwarded.
    unsafe { ruv_inet_ntop(libc::AF_INET, (&raw const (*src).sin_addr).cast(), dst, size) }
}

/** Writes the address of `*src` as text ("fe80::1") to `dst` (`size` bytes,
 *  46 always enough), as `ruv_inet_ntop(AF_INET6, &src->sin6_addr, dst,
 *  size)`: the port and scope id are left out and `sin6_family` is not
 *  checked. RUV_ENOSPC when the text does not fit (nothing is written),
 *  RUV_EINVAL for a NULL pointer.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `src` a `struct
 *  sockaddr_in6` and `dst` `size` writable bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ip6_name(src: *const sockaddr_in6, dst: *mut c_char, size: usize) -> c_int {
    if src.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller passes a readable `struct sockaddr_in6`; forwarded.
    unsafe { ruv_inet_ntop(libc::AF_INET6, (&raw const (*src).sin6_addr).cast(), dst, size) }
}

/** `ruv_ip4_name` or `ruv_ip6_name`, as `src->sa_family` says (AF_INET or
 *  AF_INET6); RUV_EAFNOSUPPORT for another family, RUV_EINVAL for a NULL
 *  pointer.
 *
 *  # Safety
 *  Each pointer is NULL or points at what it names: `src` a socket address
 *  as large as its family's and `dst` `size` writable bytes.
 */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_ip_name(src: *const sockaddr, dst: *mut c_char, size: usize) -> c_int {
    if src.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller passes a socket address of the family it names.
    unsafe {
        match c_int::from((*src).sa_family) {
            libc::AF_INET => ruv_ip4_name(src.cast(), dst, size),
            libc::AF_INET6 => ruv_ip6_name(src.cast(), dst, size),
            _ => RUV_EAFNOSUPPORT,
        }
    }
}
