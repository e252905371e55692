//! IP addresses in text and binary form, as libuv 1.44 writes and reads
//! them (the functions behind `ruv_inet_pton`, `ruv_inet_ntop`,
//! `ruv_ip4_addr` and friends), and [`SockAddr`], a socket address the core
//! binds and connects to.
//!
//! The text forms are parsed and printed here rather than by libc, so that
//! the results are libuv 1.44's on every libc: dotted quads with no leading
//! zeros, IPv6 with `::` for the longest run of two or more zero words and a
//! dotted quad for IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible
//! (`::a.b.c.d`, except `::` and `::1`-like `::x`) addresses.

use crate::error::{Error, Result};
use std::ffi::{CStr, c_int};

/// The longest text `format_v6` makes, with its NUL: libuv's
/// `UV__INET6_ADDRSTRLEN`. Longer text before a `%` is refused.
pub(crate) const INET6_ADDRSTRLEN: usize = 46;

/// A dotted quad: four decimal octets, each 0-255 without leading zeros.
pub(crate) fn parse_v4(text: &[u8]) -> Option<[u8; 4]> {
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
pub(crate) fn parse_v6(text: &[u8]) -> Option<[u8; 16]> {
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
pub(crate) struct Text {
    buf: [u8; INET6_ADDRSTRLEN],
    len: usize,
}

impl Text {
    pub fn new() -> Self {
        Text { buf: [0; INET6_ADDRSTRLEN], len: 0 }
    }
    pub fn bytes(&self) -> &[u8] {
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

pub(crate) fn format_v4(addr: &[u8; 4], text: &mut Text) {
    use std::fmt::Write;
    let _ = write!(text, "{}.{}.{}.{}", addr[0], addr[1], addr[2], addr[3]);
}

/// libuv 1.44's `inet_ntop6`: lowercase hex without leading zeros, `::` for
/// the first longest run of at least two zero words, and a dotted quad for
/// the last 32 bits of `::a.b.c.d` (six leading zero words) and
/// `::ffff:a.b.c.d`.
pub(crate) fn format_v6(addr: &[u8; 16], text: &mut Text) {
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

/// A binary address parsed from text by `ruv_inet_pton`'s rules.
pub(crate) enum Parsed {
    V4([u8; 4]),
    V6([u8; 16]),
}

/// `ruv_inet_pton`'s parse: a dotted quad for AF_INET; for AF_INET6 an IPv6
/// address with an optional "%zone" suffix, which is ignored here.
pub(crate) fn parse(af: c_int, text: &[u8]) -> Result<Parsed> {
    match af {
        libc::AF_INET => parse_v4(text).map(Parsed::V4).ok_or(Error::INVAL),
        libc::AF_INET6 => {
            let text = match text.iter().position(|&c| c == b'%') {
                Some(at) if at > INET6_ADDRSTRLEN - 1 => return Err(Error::INVAL),
                Some(at) => &text[..at],
                None => text,
            };
            parse_v6(text).map(Parsed::V6).ok_or(Error::INVAL)
        }
        _ => Err(Error::from_code(crate::abi::RUV_EAFNOSUPPORT)),
    }
}

/// The scope id for the zone text after '%': the index of the interface of
/// that name ("lo", "eth0"), else the number itself ("2"), else 0.
pub(crate) fn scope_id(zone: &CStr) -> u32 {
    // SAFETY: a NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(zone.as_ptr()) };
    if index != 0 {
        return index;
    }
    let text = zone.to_bytes();
    if text.is_empty() || !text.iter().all(u8::is_ascii_digit) {
        return 0;
    }
    std::str::from_utf8(text).ok().and_then(|t| t.parse().ok()).unwrap_or(0)
}

/// A socket address of a family ruv binds and connects (IPv4, IPv6), copied
/// from the caller's struct.
pub(crate) struct SockAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
}

impl SockAddr {
    /// Copies the caller's address. `Error::INVAL` for NULL or a family
    /// other than AF_INET and AF_INET6.
    ///
    /// # Safety
    /// `addr` is NULL or points at a socket address as large as its family's.
    pub unsafe fn read(addr: *const libc::sockaddr) -> Result<SockAddr> {
        if addr.is_null() {
            return Err(Error::INVAL);
        }
        // SAFETY: every sockaddr starts with its family (the caller's contract).
        let len = match c_int::from(unsafe { (*addr).sa_family }) {
            libc::AF_INET => std::mem::size_of::<libc::sockaddr_in>(),
            libc::AF_INET6 => std::mem::size_of::<libc::sockaddr_in6>(),
            _ => return Err(Error::INVAL),
        };
        // SAFETY: zeroes are a valid sockaddr_storage.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        // SAFETY: `len` readable bytes at `addr` (the caller's contract),
        // and `storage` is larger than either family's struct.
        unsafe { std::ptr::copy_nonoverlapping(addr.cast::<u8>(), (&raw mut storage).cast::<u8>(), len) };
        Ok(SockAddr { storage, len: len as libc::socklen_t })
    }

    pub fn family(&self) -> c_int {
        c_int::from(self.storage.ss_family)
    }

    pub fn as_ptr(&self) -> *const libc::sockaddr {
        (&raw const self.storage).cast()
    }

    pub fn len(&self) -> libc::socklen_t {
        self.len
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
