//! The module "ruv" for Zig 0.16 and older: the C API through @cImport (which
//! Zig 0.17 removed; build.zig uses translate-c instead). Needs `-I include`.
pub const c = @cImport(@cInclude("ruv.h"));
