//! Builds main.zig against ruv through translate-c (Zig 0.17 has no @cImport).
//! From the repository root, after `cargo build --release`:
//!   zig build --build-file tests/zig/build.zig --prefix target/zig/0.17 \
//!       --cache-dir target/zig/cache-0.17 --global-cache-dir target/zig/global-cache-0.17
//! installs bin/ruv-zig under the prefix; `zig build run` (same flags) also runs it.
//! -Druv-lib=PATH picks another static library (default: target/release/libruv.a).
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});

    const ruv_h = b.addTranslateC(.{
        .root_source_file = b.path("../../include/ruv.h"),
        .target = target,
        .optimize = optimize,
    });
    const ruv = b.createModule(.{
        .root_source_file = b.path("translated.zig"),
        .imports = &.{.{ .name = "ruv_h", .module = ruv_h.createModule() }},
    });

    const root = b.createModule(.{
        .root_source_file = b.path("main.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        .imports = &.{.{ .name = "ruv", .module = ruv }},
    });
    const lib: std.Build.LazyPath = if (b.option([]const u8, "ruv-lib", "static libruv.a to link")) |p|
        .{ .cwd_relative = p }
    else
        b.path("../../target/release/libruv.a");
    root.addObjectFile(lib);
    // Rust's std needs the unwinder even with panic = "abort".
    root.linkSystemLibrary("unwind", .{});

    const exe = b.addExecutable(.{ .name = "ruv-zig", .root_module = root });
    b.installArtifact(exe);

    const run = b.addRunArtifact(exe);
    run.expectExitCode(0);
    b.step("run", "Build and run the test").dependOn(&run.step);
}
