//! The process title (`ruv_setup_args`, `ruv_get_process_title`,
//! `ruv_set_process_title`), as libuv does it on Linux: `ruv_setup_args`
//! copies `argv` to memory of its own and hands the copy back, so the
//! original argument strings, one contiguous area, can be overwritten with a
//! title (what `ps` shows); the thread name (`prctl(PR_SET_NAME)`, 15 bytes)
//! follows.

use crate::error::{Error, Result};
use std::ffi::{CStr, c_char, c_int};
use std::sync::Mutex;

/// The original argument area: where, how long the title is, how much room.
struct Title {
    area: *mut c_char,
    len: usize,
    cap: usize,
    /// The copy `ruv_setup_args` made, held only so it stays reachable (the
    /// program uses it to its end; libuv frees it at library shutdown).
    _copy: *mut *mut c_char,
}

// SAFETY: the area is this process's argv memory, used only under the lock.
unsafe impl Send for Title {}

static TITLE: Mutex<Title> =
    Mutex::new(Title { area: std::ptr::null_mut(), len: 0, cap: 0, _copy: std::ptr::null_mut() });

fn title<'a>() -> std::sync::MutexGuard<'a, Title> {
    TITLE.lock().unwrap_or_else(|e| e.into_inner())
}

/// `ruv_setup_args`: a copy of `argv` (the strings and the pointer array in
/// one allocation, never freed: the program uses it to its end); the
/// original strings become the title's room. `argv` itself when `argc` is
/// not positive or the copy cannot be made.
///
/// # Safety
/// `argv` has `argc` NUL-terminated strings, laid out one after another as
/// the kernel passes them to `main`.
pub(crate) unsafe fn setup_args(argc: c_int, argv: *mut *mut c_char) -> *mut *mut c_char {
    if argc <= 0 || argv.is_null() {
        return argv;
    }
    let argc = argc as usize;
    // SAFETY: the caller's contract.
    let args: Vec<&CStr> = (0..argc).map(|i| unsafe { CStr::from_ptr(*argv.add(i)) }).collect();
    let strings: usize = args.iter().map(|a| a.to_bytes_with_nul().len()).sum();
    let table = (argc + 1) * size_of::<*mut c_char>();
    // SAFETY: plain allocation; checked for NULL.
    let block = unsafe { libc::malloc(table + strings) }.cast::<*mut c_char>();
    if block.is_null() {
        return argv;
    }
    // SAFETY: `block` has room for the table and then every string.
    unsafe {
        let mut s = block.cast::<u8>().add(table).cast::<c_char>();
        for (i, a) in args.iter().enumerate() {
            let bytes = a.to_bytes_with_nul();
            std::ptr::copy_nonoverlapping(bytes.as_ptr().cast(), s, bytes.len());
            *block.add(i) = s;
            s = s.add(bytes.len());
        }
        *block.add(argc) = std::ptr::null_mut();
    }
    let first = args[0].as_ptr().cast_mut();
    let last = args[argc - 1];
    // The room: from argv[0] to the end of the last argument (contiguous).
    let end = last.as_ptr() as usize + last.to_bytes_with_nul().len();
    let mut t = title();
    *t = Title { area: first, len: args[0].to_bytes().len(), cap: end - first as usize, _copy: block };
    block
}

/// `ruv_get_process_title`: into `buffer`, NUL-terminated; RUV_ENOBUFS when
/// it does not fit. Empty before `ruv_setup_args`.
pub(crate) fn get(buffer: &mut [u8]) -> Result {
    let t = title();
    if buffer.len() <= t.len {
        return Err(Error::from_code(crate::abi::RUV_ENOBUFS));
    }
    if t.len > 0 {
        // SAFETY: `len` bytes of the area, under the lock.
        let current = unsafe { std::slice::from_raw_parts(t.area.cast::<u8>(), t.len) };
        buffer[..t.len].copy_from_slice(current);
    }
    buffer[t.len] = 0;
    Ok(())
}

/// `ruv_set_process_title`: the title in the argument area (cut to its
/// room; nothing to write before `ruv_setup_args`), and the thread name.
pub(crate) fn set(new: &CStr) {
    let mut t = title();
    let bytes = new.to_bytes();
    let len = bytes.len().min(t.cap.saturating_sub(1));
    if t.cap > 0 {
        // SAFETY: the area has `cap` bytes (setup_args measured them).
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), t.area.cast::<u8>(), len);
            std::ptr::write_bytes(t.area.cast::<u8>().add(len), 0, t.cap - len);
        }
    }
    t.len = len;
    // SAFETY: PR_SET_NAME reads up to 16 bytes of a NUL-terminated string.
    unsafe { libc::prctl(libc::PR_SET_NAME, new.as_ptr()) };
}
