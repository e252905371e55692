//! The module "ruv" for build.zig: the C API as translated by `b.addTranslateC`.
pub const c = @import("ruv_h");
