//! Builds every C test program in tests/c/ against include/ruv.h and the
//! static library, runs it, and checks that it exits 0 after printing its
//! closing line "N passed, 0 failed". The binaries stay in target/ctests/,
//! where `make test` runs them again under valgrind.

use std::path::{Path, PathBuf};
use std::process::Command;

/// target/<profile>/, where cargo put this test binary's libraries.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent().and_then(Path::parent).expect("target/<profile>/deps").to_path_buf()
}

/// `cargo test` builds the crate only as an rlib: build libruv.a too.
fn build_static_lib(profile: &Path) -> PathBuf {
    let mut cargo = Command::new(env!("CARGO"));
    cargo.args(["build", "--lib", "--quiet"]).current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile.file_name().is_some_and(|n| n == "release") {
        cargo.arg("--release");
    }
    assert!(cargo.status().expect("run cargo").success(), "cargo build --lib failed");
    profile.join("libruv.a")
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
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Runs one test program; Ok with its closing line, or Err with why not.
fn run(bin: &Path) -> Result<String, String> {
    // ETXTBSY: another process still has the fresh binary open for writing
    // (a concurrent build of the same tree); it passes in a moment.
    let mut tries = 0;
    let output = loop {
        match Command::new(bin).output() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => break other.map_err(|e| format!("run: {e}"))?,
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let closing = stdout.lines().rev().find(|l| l.contains(" passed, ")).unwrap_or("").to_string();
    let clean = closing.ends_with(" passed, 0 failed") && !closing.starts_with("0 passed");
    if output.status.success() && clean {
        Ok(closing)
    } else {
        Err(format!("exit {:?}, closing line {closing:?}\n{stdout}{stderr}", output.status.code()))
    }
}

#[test]
fn c_tests() {
    let profile = profile_dir();
    let lib = build_static_lib(&profile);
    let out_dir = profile.parent().expect("target/").join("ctests");
    std::fs::create_dir_all(&out_dir).expect("create target/ctests");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c"))
        .expect("tests/c")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "c"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no C tests found");

    let handles: Vec<_> = sources
        .into_iter()
        .map(|src| {
            let name = src.file_stem().unwrap().to_string_lossy().into_owned();
            let bin = out_dir.join(&name);
            let lib = lib.clone();
            std::thread::spawn(move || {
                let result = compile(&src, &lib, &bin).and_then(|()| run(&bin));
                (name, result)
            })
        })
        .collect();
    let mut failures = Vec::new();
    for h in handles {
        let (name, result) = h.join().expect("test thread");
        match result {
            Ok(line) => println!("{name}: {line}"),
            Err(why) => failures.push(format!("{name}: {why}")),
        }
    }
    assert!(failures.is_empty(), "C tests failed:\n{}", failures.join("\n"));
}
