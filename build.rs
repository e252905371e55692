//! Builds the one C file of the library (a variadic shim), gives the shared
//! library its SONAME, and tells the C tests which compiler target to use.

fn main() {
    println!("cargo:rerun-if-changed=src/ffi/variadic.c");
    cc::Build::new().file("src/ffi/variadic.c").warnings(true).compile("ruv_variadic");

    // libruv.so.0.1 before 1.0 (minor releases may break the ABI), then
    // libruv.so.<major>, as the Makefile installs it.
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let minor = env!("CARGO_PKG_VERSION_MINOR");
    let abi = if major == "0" { format!("0.{minor}") } else { major.to_string() };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libruv.so.{abi}");
    // rustc's version script exports only Rust symbols from the cdylib: pull
    // the C shim in and export it with a second one.
    let map = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ffi/variadic.map");
    println!("cargo:rerun-if-changed=src/ffi/variadic.map");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--undefined=ruv_loop_configure,--version-script={map}");

    for var in ["TARGET", "HOST"] {
        println!("cargo:rustc-env=RUV_BUILD_{var}={}", std::env::var(var).unwrap());
    }
}
