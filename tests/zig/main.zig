//! ruv from Zig: a loop, a repeating timer, an async handle woken from a Zig
//! thread, closing, and `ruv_loop_close`. Prints "N passed, 0 failed" and
//! exits non-zero if any check fails.
//!
//! The C API comes from the module "ruv", which exposes it as `c`:
//!   Zig 0.16 (`zig build-exe`, see run.sh): cimport.zig, `@cImport(@cInclude("ruv.h"))`;
//!   Zig 0.17 (`zig build`, see build.zig): translated.zig, `b.addTranslateC` on ruv.h.

const std = @import("std");
const c = @import("ruv").c;

const ticks_wanted = 5;

// Every ruv_*/RUV_* declaration of the header must translate: a construct Zig
// cannot translate becomes @compileError (raised here when referenced), and a
// struct Zig cannot lay out becomes opaque (so it cannot live on the stack).
comptime {
    @setEvalBranchQuota(200_000);
    for (std.meta.declarations(c)) |decl| {
        // Zig 0.16 lists `Declaration{ .name }`, Zig 0.17 the names.
        const name: []const u8 = if (@TypeOf(decl) == [:0]const u8) decl else decl.name;
        if (!std.mem.startsWith(u8, name, "ruv_") and !std.mem.startsWith(u8, name, "RUV_")) continue;
        const v = @field(c, name);
        if (@TypeOf(v) == type and @typeInfo(v) == .@"opaque")
            @compileError("ruv.h: " ++ name ++ " translates to an opaque type");
    }
}

/// Reached from every handle's `data`; only the loop's thread touches the counters.
const Ctx = struct {
    loop: *c.ruv_loop_t,
    /// Set on the 5th tick; the sender thread waits for it, so its
    /// `ruv_async_send` has to wake a loop that is blocked with nothing else to do.
    ticks_done: std.Io.Event = .unset,
    io: std.Io,
    ticks: u32 = 0,
    timer_stop_rc: c_int = -1,
    async_calls: u32 = 0,
    closes: u32 = 0,
};

fn ctxOf(data: ?*anyopaque) *Ctx {
    return @ptrCast(@alignCast(data.?));
}

fn onTick(timer: [*c]c.ruv_timer_t) callconv(.c) void {
    const ctx = ctxOf(timer.*.data);
    ctx.ticks += 1;
    if (ctx.ticks == ticks_wanted) {
        ctx.timer_stop_rc = c.ruv_timer_stop(timer);
        ctx.ticks_done.set(ctx.io);
    }
}

fn onAsync(handle: [*c]c.ruv_async_t) callconv(.c) void {
    const ctx = ctxOf(handle.*.data);
    ctx.async_calls += 1;
    c.ruv_stop(ctx.loop);
}

fn onClose(handle: [*c]c.ruv_handle_t) callconv(.c) void {
    ctxOf(handle.*.data).closes += 1;
}

/// The Zig thread: waits for the 5th tick, then wakes the loop.
fn sender(ctx: *Ctx, handle: *c.ruv_async_t, rc: *c_int) void {
    ctx.ticks_done.waitUncancelable(ctx.io);
    rc.* = c.ruv_async_send(handle);
}

var passed: u32 = 0;
var failed: u32 = 0;

fn check(ok: bool, comptime what: []const u8, args: anytype) void {
    if (ok) {
        passed += 1;
    } else {
        failed += 1;
        std.debug.print("FAIL: " ++ what ++ "\n", args);
    }
}

pub fn main(init: std.process.Init) u8 {
    // The header must describe the library that is linked.
    check(c.ruv_loop_size() == @sizeOf(c.ruv_loop_t), "ruv_loop_size() {} == @sizeOf(ruv_loop_t) {}", .{ c.ruv_loop_size(), @sizeOf(c.ruv_loop_t) });
    check(c.ruv_handle_size(c.RUV_TIMER) == @sizeOf(c.ruv_timer_t), "ruv_handle_size(RUV_TIMER) {} == @sizeOf(ruv_timer_t) {}", .{ c.ruv_handle_size(c.RUV_TIMER), @sizeOf(c.ruv_timer_t) });
    check(c.ruv_handle_size(c.RUV_ASYNC) == @sizeOf(c.ruv_async_t), "ruv_handle_size(RUV_ASYNC) {} == @sizeOf(ruv_async_t) {}", .{ c.ruv_handle_size(c.RUV_ASYNC), @sizeOf(c.ruv_async_t) });

    var loop: c.ruv_loop_t = undefined;
    var rc = c.ruv_loop_init(&loop);
    check(rc == 0, "ruv_loop_init: {}", .{rc});
    if (rc != 0) return finish(init.io);

    var ctx: Ctx = .{ .loop = &loop, .io = init.io };

    var timer: c.ruv_timer_t = undefined;
    rc = c.ruv_timer_init(&loop, &timer);
    check(rc == 0, "ruv_timer_init: {}", .{rc});
    check(timer.loop == &loop and timer.type == c.RUV_TIMER, "timer.loop/type after init", .{});
    timer.data = &ctx;
    rc = c.ruv_timer_start(&timer, onTick, 5, 5);
    check(rc == 0, "ruv_timer_start: {}", .{rc});

    var async_handle: c.ruv_async_t = undefined;
    rc = c.ruv_async_init(&loop, &async_handle, onAsync);
    check(rc == 0, "ruv_async_init: {}", .{rc});
    async_handle.data = &ctx;

    var send_rc: c_int = -1;
    const thread = std.Thread.spawn(.{}, sender, .{ &ctx, &async_handle, &send_rc }) catch |err| {
        check(false, "std.Thread.spawn: {}", .{err});
        return finish(init.io);
    };

    // Returns through ruv_stop in onAsync (the async handle stays active).
    _ = c.ruv_run(&loop, c.RUV_RUN_DEFAULT);
    thread.join();

    check(send_rc == 0, "ruv_async_send from the Zig thread: {}", .{send_rc});
    check(ctx.ticks == ticks_wanted, "ticks {} == {}", .{ ctx.ticks, ticks_wanted });
    check(ctx.timer_stop_rc == 0, "ruv_timer_stop in the callback: {}", .{ctx.timer_stop_rc});
    check(c.ruv_is_active(@ptrCast(&timer)) == 0, "stopped timer is not active", .{});
    check(ctx.async_calls >= 1, "async callback ran {} times (>= 1)", .{ctx.async_calls});

    const handles = [_]*c.ruv_handle_t{ @ptrCast(&timer), @ptrCast(&async_handle) };
    for (handles) |h| c.ruv_close(h, onClose);
    check(c.ruv_is_closing(@ptrCast(&timer)) != 0, "timer is closing after ruv_close", .{});
    check(ctx.closes == 0, "close callbacks are deferred: {} ran inside ruv_close", .{ctx.closes});

    rc = c.ruv_run(&loop, c.RUV_RUN_DEFAULT);
    check(rc == 0, "ruv_run after closing: {}", .{rc});
    check(ctx.closes == handles.len, "close callbacks {} == handles {}", .{ ctx.closes, handles.len });

    rc = c.ruv_loop_close(&loop);
    check(rc == 0, "ruv_loop_close: {}", .{rc});

    return finish(init.io);
}

fn finish(io: std.Io) u8 {
    var buf: [64]u8 = undefined;
    const line = std.fmt.bufPrint(&buf, "{} passed, {} failed\n", .{ passed, failed }) catch unreachable;
    std.Io.File.stdout().writeStreamingAll(io, line) catch {};
    return if (failed == 0) 0 else 1;
}
