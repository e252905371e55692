//! The committed headers must be what the generators make now:
//! include/ruv.h is what cbindgen makes from src/; include/uv-compat/uv.h
//! (libuv's names for ruv's) and tests/c/libuv-shim/uv_shim.h (the reverse,
//! to build the C tests against libuv) are what `uv_compat` and `uv_shim`
//! below make from that ruv.h text.
//! `RUV_BLESS=1 cargo test --test header` (or `make header`) rewrites them.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// The libuv release whose API ruv follows: uv.h's UV_VERSION_*,
/// uv_version() and uv_version_string().
const LIBUV_API: (u32, u32, u32) = (1, 52, 0);

/// ruv.h names uv.h does not map: ruv.h's include guard, and ruv's own
/// version, which uv.h replaces with `LIBUV_API`.
const NOT_MAPPED: &[&str] = &[
    "RUV_H",
    "RUV_VERSION_HEX",
    "RUV_VERSION_MAJOR",
    "RUV_VERSION_MINOR",
    "RUV_VERSION_PATCH",
    "ruv_version",
    "ruv_version_string",
];

#[test]
fn headers_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut ruv_h = Vec::new();
    cbindgen::generate(root).expect("cbindgen runs").write(&mut ruv_h);
    let ruv_text = std::str::from_utf8(&ruv_h).expect("ruv.h is UTF-8");
    let uv_h = uv_compat(ruv_text);
    let shim = uv_shim(ruv_text);
    let headers = [
        ("include/ruv.h", ruv_h),
        ("include/uv-compat/uv.h", uv_h.into_bytes()),
        ("tests/c/libuv-shim/uv_shim.h", shim.into_bytes()),
    ];
    let bless = std::env::var_os("RUV_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, generated) in &headers {
        let path = root.join(name);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).expect("create the header's directory");
            std::fs::write(&path, generated).unwrap_or_else(|e| panic!("write {name}: {e}"));
        } else if std::fs::read(&path).unwrap_or_default() != *generated {
            stale.push(*name);
        }
    }
    assert!(stale.is_empty(), "{} stale: run `make header` and commit the result", stale.join(" and "));
}

/// Every identifier starting with `ruv_` or `RUV_` in the C code of `header`
/// (comments skipped): functions, types, struct tags, typedefs, macros.
fn ruv_names(header: &str) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    let mut rest = header;
    while let Some(c) = rest.chars().next() {
        let word_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("//") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if word_len > 0 {
            let word = &rest[..word_len];
            if word.starts_with("ruv_") || word.starts_with("RUV_") {
                names.insert(word);
            }
            rest = &rest[word_len..];
        } else {
            rest = &rest[c.len_utf8()..];
        }
    }
    names
}

/// include/uv-compat/uv.h: ruv.h's names under libuv's, one `#define` each
/// (`uv_X` for `ruv_X`, `UV_X` for `RUV_X`), sorted; libuv's version macros
/// for ruv's own.
fn uv_compat(ruv_h: &str) -> String {
    let names = ruv_names(ruv_h);
    for name in NOT_MAPPED {
        assert!(names.contains(name), "NOT_MAPPED lists {name}, which ruv.h lacks");
    }
    let (major, minor, patch) = LIBUV_API;
    let mut out = format!(
        r#"/* uv.h for ruv: libuv's names for ruv's. SPDX-License-Identifier: MIT */

/* Generated from include/ruv.h by tests/header.rs (make header). Do not edit. */

/*
 * Builds a program written against libuv's API, unchanged, against ruv:
 *
 *     cc -Iinclude/uv-compat app.c target/release/libruv.a -lpthread -ldl -lm
 *
 * The program's `#include <uv.h>` finds this file, which includes ../ruv.h and
 * maps every uv_ / UV_ name ruv has (functions, types, struct tags, constants)
 * to its ruv_ / RUV_ twin with one #define: the same functions, no wrappers.
 * It maps only what ruv has: a libuv name ruv lacks (uv_udp_*, uv_cpu_info,
 * ...) stays undeclared, so such a program fails to compile rather than to
 * run.
 *
 * Versions: UV_VERSION_* and UV_VERSION_HEX are the libuv API level ruv
 * follows, {major}.{minor}.{patch} (its names, struct layouts and behaviour, for the subset
 * ruv has), not ruv's own version; uv_version() and uv_version_string() return
 * the same, so a program that checks libuv's version to choose what it may
 * call compares it with libuv's numbering. ruv's own version stays
 * RUV_VERSION_*, ruv_version() and ruv_version_string(). RUV_UV_COMPAT is
 * defined, for a program that wants to know it runs on ruv.
 *
 * As libuv's uv.h does on Linux, this file includes the system headers below,
 * for programs that rely on getting them from <uv.h>.
 */

#ifndef UV_H
#define UV_H

#include "../ruv.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <semaphore.h>
#include <signal.h>
#include <termios.h>

#define RUV_UV_COMPAT 1

#define UV_VERSION_MAJOR {major}
#define UV_VERSION_MINOR {minor}
#define UV_VERSION_PATCH {patch}
#define UV_VERSION_IS_RELEASE 1
#define UV_VERSION_SUFFIX ""
#define UV_VERSION_HEX ((UV_VERSION_MAJOR << 16) | (UV_VERSION_MINOR << 8) | (UV_VERSION_PATCH))

static inline unsigned int uv_version(void) {{ return UV_VERSION_HEX; }}
static inline const char *uv_version_string(void) {{ return "{major}.{minor}.{patch}"; }}

"#
    );
    for name in names.iter().filter(|name| !NOT_MAPPED.contains(name)) {
        // ruv_X -> uv_X, RUV_X -> UV_X: drop the leading r/R.
        writeln!(out, "#define {} {name}", &name[1..]).unwrap();
    }
    out.push_str("\n#endif /* UV_H */\n");
    out
}

/// tests/c/libuv-shim/uv_shim.h: the reverse of uv.h, for building the C
/// tests against libuv itself: every ruv.h name defined to its libuv twin.
/// ruv's own names (its extensions, its private structs) map to names
/// libuv lacks, so a test that uses one fails to compile there unless it
/// keeps it under `#ifndef UV_VERSION_MAJOR`.
fn uv_shim(ruv_h: &str) -> String {
    let mut out = String::from(
        r#"/* Builds the C tests against libuv instead of ruv: every ruv_/RUV_ name of
 * include/ruv.h defined to its uv_/UV_ twin. Used through libuv-shim/ruv.h
 * (see README.md):
 *
 *   cc -std=c11 -g -Wall -Wextra -Werror -Itests/c/libuv-shim \
 *      tests/c/test_libuv_behaviour.c -luv -lpthread -ldl -lm
 *
 * Generated from include/ruv.h by tests/header.rs (make header). Do not
 * edit. The tests tell the two builds apart with `#ifdef UV_VERSION_MAJOR`.
 * Names libuv lacks (ruv's extensions and private structs) and names newer
 * than the installed libuv (Debian 12 has 1.44: RUV_EUNATCH, the 1.45+
 * thread functions...) fail to compile there if used. */
#ifndef RUV_TESTS_UV_SHIM_H
#define RUV_TESTS_UV_SHIM_H

/* libuv's headers need POSIX types that -std=c11 hides (test.h defines it
 * first anyway). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <uv.h>

"#,
    );
    for name in ruv_names(ruv_h).iter().filter(|name| **name != "RUV_H") {
        writeln!(out, "#define {name} {}", &name[1..]).unwrap();
    }
    out.push_str("\n#endif\n");
    out
}
