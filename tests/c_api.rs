//! One test per C program in tests/c/ (`c::test_tcp` for tests/c/test_tcp.c):
//! each is compiled against include/ruv.h and the static library, run, and
//! passes when it exits 0 after printing its closing line "N passed, 0 failed".
//! The binaries stay in target/ctests/, where `make test` runs them again under
//! valgrind.
//!
//! The harness is libtest-mimic (`harness = false` in Cargo.toml), so the usual
//! flags work: a filter (`cargo test test_tcp`), `--exact`, `--skip`, `--list`
//! and `--test-threads`.

use libtest_mimic::{Arguments, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let mut args = Arguments::from_args();
    // libtest reads RUST_TEST_THREADS when --test-threads is absent; do too.
    if args.test_threads.is_none() {
        args.test_threads = std::env::var("RUST_TEST_THREADS").ok().and_then(|n| n.parse().ok());
    }

    let profile = profile_dir();
    let lib = profile.join("libruv.a");
    let out_dir = profile.parent().expect("target/").join("ctests");
    let trials: Vec<Trial> = c_sources().into_iter().map(|src| trial(src, lib.clone(), out_dir.clone())).collect();
    assert!(!trials.is_empty(), "no C tests found in tests/c/");

    // Build libruv.a once, before any trial compiles against it, and only if
    // some trial will run: not for --list, nor for a filter that none match.
    let will_run = |t: &Trial| !args.is_filtered_out(t) && !args.is_ignored(t);
    if !args.list && trials.iter().any(will_run) {
        build_static_lib(&profile);
        std::fs::create_dir_all(&out_dir).expect("create target/ctests");
    }

    libtest_mimic::run(&args, trials).exit();
}

/// tests/c/*.c, sorted; each becomes a test named after its file stem.
fn c_sources() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    sources
}

/// The test for one C file: compile it, then run it. A compile error fails
/// only this test.
fn trial(src: PathBuf, lib: PathBuf, out_dir: PathBuf) -> Trial {
    let stem = src.file_stem().expect("file stem").to_string_lossy().into_owned();
    Trial::test(format!("c::{stem}"), move || {
        let shown = src.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&src).display().to_string();
        let bin = out_dir.join(&stem);
        compile(&src, &lib, &bin).map_err(|why| format!("{shown}: compile failed\n{why}"))?;
        run(&bin).map_err(|why| format!("{shown}: {why}").into())
    })
}

/// target/<profile>/, where cargo put this test binary's libraries.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps").to_path_buf()
}

/// `cargo test` builds the crate only as an rlib: build libruv.a too.
fn build_static_lib(profile: &Path) {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--lib", "--quiet"]).current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    assert!(cargo.status().expect("run cargo").success(), "cargo build --lib failed");
}

fn compile(src: &Path, lib: &Path, out: &Path) -> Result<(), String> {
    let compiler = cc::Build::new()
        .target(env!("RUV_BUILD_TARGET"))
        .host(env!("RUV_BUILD_HOST"))
        .opt_level(0)
        .cargo_metadata(false)
        .get_compiler();
    let root = env!("CARGO_MANIFEST_DIR");
    let output = compiler
        .to_command()
        .args(["-std=c11", "-g", "-Wall", "-Wextra", "-Werror"])
        .arg(format!("-I{root}/include"))
        .arg(src)
        .arg(lib)
        .args(["-lpthread", "-ldl", "-lm", "-o"])
        .arg(out)
        .output()
        .map_err(|e| format!("run the C compiler: {e}"))?;
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

/// Runs one test program; Ok if it passed, or Err with why not and its output.
fn run(bin: &Path) -> Result<(), String> {
    // ETXTBSY: another process still has the fresh binary open for writing
    // (a concurrent build of the same tree); it passes in a moment.
    let mut tries = 0;
    let output = loop {
        match Command::new(bin).output() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => break other.map_err(|e| format!("run {}: {e}", bin.display()))?,
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let closing = stdout.lines().rev().find(|l| l.contains(" passed, ")).unwrap_or("");
    let clean = closing.ends_with(" passed, 0 failed") && !closing.starts_with("0 passed");
    if output.status.success() && clean {
        Ok(())
    } else {
        Err(format!("{}, closing line {closing:?}\n--- stdout ---\n{stdout}--- stderr ---\n{stderr}", output.status))
    }
}
