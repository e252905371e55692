//! The crate's three layers depend one way: `src/abi/` on nothing of the
//! crate, the core (every other file outside `src/ffi/`) on `abi` only, and
//! `src/ffi/` on both. This test reads the sources and fails on any `use`
//! or path that reaches up a layer, and on an `extern "C"` function defined
//! outside `src/ffi/`. A reader can run the same check by hand:
//! `grep -rn 'crate::ffi' src --include=*.rs | grep -v '^src/ffi/'`.

use std::path::{Path, PathBuf};

/// The core's modules: what `abi` must not name.
const CORE: &[&str] = &[
    "addr",
    "async_handle",
    "clock",
    "dns",
    "error",
    "event_loop",
    "fs",
    "fs_event",
    "fs_poll",
    "handle",
    "internal",
    "phase",
    "pipe",
    "poll",
    "registry",
    "req",
    "stream",
    "sys",
    "tcp",
    "thread",
    "threadpool",
    "timer",
    "work",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's code, without `//` comments (doc comments name other layers
/// freely).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("read source")
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn layers_depend_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
        let code = code(path);
        let layer = if rel.starts_with("abi/") {
            "abi"
        } else if rel.starts_with("ffi/") {
            "ffi"
        } else if rel == "lib.rs" {
            continue; // the table of contents declares all three
        } else {
            "core"
        };
        if layer != "ffi" && code.contains("crate::ffi") {
            wrong.push(format!("{rel}: the {layer} layer uses crate::ffi"));
        }
        if layer != "ffi" && code.contains("extern \"C\" fn ruv") {
            wrong.push(format!("{rel}: an exported function outside src/ffi/"));
        }
        if layer == "abi" {
            for module in CORE {
                if code.contains(&format!("crate::{module}::")) || code.contains(&format!("crate::{module};")) {
                    wrong.push(format!("{rel}: the abi layer uses the core module {module}"));
                }
            }
        }
    }
    assert!(files.len() > 20, "found only {} source files", files.len());
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}
