//! The committed include/ruv.h must be what cbindgen makes from src/ now.
//! `RUV_BLESS=1 cargo test --test header` (or `make header`) rewrites it.

use std::path::Path;

#[test]
fn header_is_current() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut generated = Vec::new();
    cbindgen::generate(root).expect("cbindgen runs").write(&mut generated);
    let path = Path::new(root).join("include/ruv.h");
    if std::env::var_os("RUV_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write include/ruv.h");
        return;
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/ruv.h is stale: run `make header` and commit the result"
    );
}
