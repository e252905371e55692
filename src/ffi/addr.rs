//! Socket addresses: `ruv_ip4_addr`, `ruv_ip6_addr`, `ruv_ip4_name`,
//! `ruv_ip6_name`, `ruv_ip_name`, `ruv_inet_pton`, `ruv_inet_ntop`.
//!
//! The text forms are parsed and printed here rather than by libc, so that
//! the results are libuv 1.44's on every libc: dotted quads with no leading
//! zeros, IPv6 with `::` for the longest run of two or more zero words and a
//! dotted quad for IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible
//! (`::a.b.c.d`, except `::` and `::1`-like `::x`) addresses.
//!
//! Where libuv crashes (a NULL pointer), ruv returns `RUV_EINVAL`.

use crate::error::{RUV_EAFNOSUPPORT, RUV_EINVAL, RUV_ENOSPC};
use libc::{sockaddr, sockaddr_in, sockaddr_in6};
use std::ffi::{c_char, c_int, c_void, CStr};

/// The longest text `format_v6` makes, with its NUL: libuv's
/// `UV__INET6_ADDRSTRLEN`. Longer text before a `%` is refused.
const INET6_ADDRSTRLEN: usize = 46;

/// A dotted quad: four decimal octets, each 0-255 without leading zeros.
fn parse_v4(text: &[u8]) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut octets = 0;
    let mut in_octet = false;
    for &ch in text {
        match ch {
            b'0'..=b'9' => {
                if in_octet && out[octets - 1] == 0 {
                    return None; // a leading zero
                }
                if !in_octet {
                    if octets == 4 {
                        return None;
                    }
                    octets += 1;
                    in_octet = true;
                }
                let value = u32::from(out[octets - 1]) * 10 + u32::from(ch - b'0');
                out[octets - 1] = u8::try_from(value).ok()?;
            }
            b'.' if in_octet && octets < 4 => in_octet = false,
            _ => return None,
        }
    }
    (octets == 4 && in_octet).then_some(out)
}

fn hex_value(ch: u8) -> Option<u16> {
    (ch as char).to_digit(16).map(|d| d as u16)
}

/// An IPv6 address as libuv's `inet_pton6` reads it: up to eight groups of
/// one to four hex digits, at most one `::`, optionally ending in a dotted
/// quad that fills the last two groups.
fn parse_v6(text: &[u8]) -> Option<[u8; 16]> {
    let mut out = [0u8; 16];
    let mut len = 0; // bytes written to `out`
    let mut gap: Option<usize> = None; // where `::` was, in `out`
    let mut start = 0; // where the current group began, in `text`
    let mut digits = 0;
    let mut value: u16 = 0;
    let mut i = 0;
    if text.first() == Some(&b':') {
        if text.get(1) != Some(&b':') {
            return None;
        }
        i = 1; // the second ':' of a leading "::" is read below
    }
    while i < text.len() {
        let ch = text[i];
        i += 1;
        if let Some(d) = hex_value(ch) {
            digits += 1;
            if digits > 4 {
                return None;
            }
            value = value << 4 | d;
            continue;
        }
        match ch {
            b':' => {
                start = i;
                if digits == 0 {
                    if gap.is_some() {
                        return None;
                    }
                    gap = Some(len);
                    continue;
                }
                if i == text.len() || len + 2 > 16 {
                    return None; // a trailing single ':', or too many groups
                }
                out[len..len + 2].copy_from_slice(&value.to_be_bytes());
                len += 2;
                digits = 0;
                value = 0;
            }
            b'.' if len + 4 <= 16 => {
                out[len..len + 4].copy_from_slice(&parse_v4(&text[start..])?);
                len += 4;
                digits = 0;
                break;
            }
            _ => return None,
        }
    }
    if digits > 0 {
        if len + 2 > 16 {
            return None;
        }
        out[len..len + 2].copy_from_slice(&value.to_be_bytes());
        len += 2;
    }
    if let Some(at) = gap {
        if len == 16 {
            return None; // "::" that stands for no group
        }
        let tail = len - at;
        out.copy_within(at..len, 16 - tail);
        out[at..16 - tail].fill(0);
        len = 16;
    }
    (len == 16).then_some(out)
}

/// A small fixed buffer for the text forms (no allocation).
struct Text {
    buf: [u8; INET6_ADDRSTRLEN],
    len: usize,
}

impl Text {
    fn new() -> Self {
        Text { buf: [0; INET6_ADDRSTRLEN], len: 0 }
    }
    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl std::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        // Keep room for the NUL; the longest address fits (checked by tests).
        if end >= self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn format_v4(addr: &[u8; 4], text: &mut Text) {
    use std::fmt::Write;
    let _ = write!(text, "{}.{}.{}.{}", addr[0], addr[1], addr[2], addr[3]);
}

/// libuv 1.44's `inet_ntop6`: lowercase hex without leading zeros, `::` for
/// the first longest run of at least two zero words, and a dotted quad for
/// the last 32 bits of `::a.b.c.d` (six leading zero words) and
/// `::ffff:a.b.c.d`.
fn format_v6(addr: &[u8; 16], text: &mut Text) {
    use std::fmt::Write;
    let words: [u16; 8] = std::array::from_fn(|i| u16::from_be_bytes([addr[2 * i], addr[2 * i + 1]]));
    // The longest run of zero words (the first of equal ones), as (start, len).
    let mut best: Option<(usize, usize)> = None;
    let mut run: Option<(usize, usize)> = None;
    for (i, &w) in words.iter().enumerate() {
        if w == 0 {
            run = Some(run.map_or((i, 1), |(s, n)| (s, n + 1)));
        }
        if w != 0 || i == 7 {
            if let Some(r) = run.take() {
                if best.is_none_or(|b| r.1 > b.1) {
                    best = Some(r);
                }
            }
        }
    }
    let best = best.filter(|b| b.1 >= 2);
    let mut i = 0;
    while i < 8 {
        if let Some((start, n)) = best {
            if i == start {
                let _ = text.write_str(":");
                i += n;
                if i == 8 {
                    let _ = text.write_str(":");
                }
                continue;
            }
        }
        if i != 0 {
            let _ = text.write_str(":");
        }
        let embedded_v4 = match best {
            Some((0, 6)) => true,
            Some((0, 5)) => words[5] == 0xffff,
            _ => false,
        };
        if i == 6 && embedded_v4 {
            format_v4(&[addr[12], addr[13], addr[14], addr[15]], text);
            break;
        }
        let _ = write!(text, "{:x}", words[i]);
        i += 1;
    }
}

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
 *  NULL. Returns 0 on success. */
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
 *  `src` or `dst` is NULL, or RUV_EAFNOSUPPORT for another family. */
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ruv_inet_pton(af: c_int, src: *const c_char, dst: *mut c_void) -> c_int {
    if src.is_null() || dst.is_null() {
        return RUV_EINVAL;
    }
    // SAFETY: the caller passes a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(src) }.to_bytes();
    match af {
        libc::AF_INET => match parse_v4(text) {
            // SAFETY: the caller gives 4 writable bytes at `dst` for AF_INET.
            Some(bytes) => unsafe { dst.cast::<[u8; 4]>().write_unaligned(bytes) },
            None => return RUV_EINVAL,
        },
        libc::AF_INET6 => {
            let text = match text.iter().position(|&c| c == b'%') {
                Some(at) if at > INET6_ADDRSTRLEN - 1 => return RUV_EINVAL,
                Some(at) => &text[..at],
                None => text,
            };
            match parse_v6(text) {
                // SAFETY: and 16 for AF_INET6.
                Some(bytes) => unsafe { dst.cast::<[u8; 16]>().write_unaligned(bytes) },
                None => return RUV_EINVAL,
            }
        }
        _ => return RUV_EAFNOSUPPORT,
    }
    0
}

/** Fills `*addr` with an IPv4 socket address: the whole struct zeroed, then
 *  `sin_family` = AF_INET, `sin_port` = `port` in network byte order (only
 *  its low 16 bits, as `htons`), and `sin_addr` parsed from `ip` as
 *  `ruv_inet_pton(AF_INET, ...)` does ("127.0.0.1"; "0.0.0.0" for any
 *  address). Returns 0, or RUV_EINVAL when `ip` is not a dotted quad (the
 *  struct is then filled but for `sin_addr`, which stays 0) or a pointer is
 *  NULL. */
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

/** The scope id for the zone text after '%': the index of the interface of
 *  that name ("lo", "eth0"), else the number itself ("2"), else 0. */
unsafe fn scope_id(zone: *const c_char) -> u32 {
    // SAFETY: the caller passes a NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(zone) };
    if index != 0 {
        return index;
    }
    // SAFETY: as above.
    let text = unsafe { CStr::from_ptr(zone) }.to_bytes();
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    std::str::from_utf8(text).ok().and_then(|t| t.parse().ok()).unwrap_or(0)
}

/** Fills `*addr` with an IPv6 socket address: the whole struct zeroed, then
 *  `sin6_family` = AF_INET6, `sin6_port` = `port` in network byte order (its
 *  low 16 bits), and `sin6_addr` parsed from `ip` as `ruv_inet_pton(AF_INET6,
 *  ...)` does ("::1", "fe80::1%eth0"). A "%zone" suffix sets `sin6_scope_id`:
 *  to the index of the interface of that name (`if_nametoindex`), else, when
 *  the zone is a decimal number, to that number; an unknown zone leaves it 0
 *  without an error, as in libuv. Returns 0, or RUV_EINVAL when `ip` is not an
 *  IPv6 address (the struct is then filled but for `sin6_addr`, which stays
 *  0) or a pointer is NULL. */
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
        unsafe { (*addr).sin6_scope_id = scope_id(ip.add(at + 1)) };
    }
    // SAFETY: forwarded; `sin6_addr` is 16 writable bytes.
    unsafe { ruv_inet_pton(libc::AF_INET6, ip, (&raw mut (*addr).sin6_addr).cast()) }
}

/** Writes the address of `*src` as text ("10.0.0.1") to `dst` (`size` bytes,
 *  16 always enough), as `ruv_inet_ntop(AF_INET, &src->sin_addr, dst, size)`:
 *  the port is left out and `sin_family` is not checked. RUV_ENOSPC when the
 *  text does not fit (nothing is written: no truncated text), RUV_EINVAL for a
 *  NULL pointer. */
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
 *  RUV_EINVAL for a NULL pointer. */
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
 *  pointer. */
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v6_text(addr: [u8; 16]) -> String {
        let mut t = Text::new();
        format_v6(&addr, &mut t);
        String::from_utf8(t.bytes().to_vec()).unwrap()
    }

    #[test]
    fn longest_texts_fit() {
        let mut t = Text::new();
        format_v4(&[255; 4], &mut t);
        assert_eq!(t.bytes(), b"255.255.255.255");
        let mut mapped = [0xffu8; 16];
        mapped[..10].fill(0);
        assert_eq!(v6_text(mapped), "::ffff:255.255.255.255");
        let mut all = [0xffu8; 16];
        all[1] = 0xfe;
        assert_eq!(v6_text(all), "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    }

    #[test]
    fn v6_round_trips_through_std() {
        // std's parser agrees with ours on the address (not the text).
        for s in ["::", "::1", "fe80::1", "1:2:3:4:5:6:7:8", "::ffff:1.2.3.4", "1::", "1:0:0:2::3"] {
            let ours = parse_v6(s.as_bytes()).unwrap();
            let std: std::net::Ipv6Addr = s.parse().unwrap();
            assert_eq!(ours, std.octets(), "{s}");
        }
    }
}
