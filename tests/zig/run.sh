#!/bin/sh
# Builds and runs tests/zig/main.zig against target/release/libruv.a twice:
#   Zig 0.16 through @cImport (zig build-exe, module "ruv" = cimport.zig),
#   Zig 0.17 through translate-c (zig build with tests/zig/build.zig).
# Usage: tests/zig/run.sh ZIG_0_16_DIR ZIG_0_17_DIR
#   (each a `pip install --target DIR ziglang==...` directory).
# Binaries and Zig caches go under target/zig/. Exits non-zero if a build or run fails.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 ZIG_0_16_DIR ZIG_0_17_DIR" >&2
    exit 2
fi
abs() { (cd "$1" && pwd); }
zig16=$(abs "$1") || exit 2
zig17=$(abs "$2") || exit 2
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2

lib=target/release/libruv.a
if [ ! -f "$lib" ]; then
    echo "$0: $lib is missing; run cargo build --release first" >&2
    exit 2
fi
out=target/zig
mkdir -p "$out"
status=0

# Runs a built test binary; prints its closing line with a label.
run() {
    label=$1 bin=$2
    if result=$(timeout 60 "$bin"); then
        echo "$label: $(printf '%s\n' "$result" | tail -n 1)"
    else
        rc=$?
        printf '%s\n' "$result"
        echo "$label: FAILED (exit $rc)" >&2
        status=1
    fi
}

echo "zig $(PYTHONPATH=$zig16 python3 -m ziglang version): @cImport, build-exe"
if ZIG_GLOBAL_CACHE_DIR=$root/$out/global-cache-0.16 PYTHONPATH=$zig16 python3 -m ziglang build-exe \
    --name ruv-zig-0.16 \
    --dep ruv -Mroot=tests/zig/main.zig \
    -I include -Mruv=tests/zig/cimport.zig \
    "$lib" -lc -lunwind \
    --cache-dir $out/cache-0.16 -femit-bin=$out/ruv-zig-0.16
then
    run "zig 0.16 @cImport" $out/ruv-zig-0.16
else
    echo "zig 0.16 @cImport: BUILD FAILED" >&2
    status=1
fi

echo "zig $(PYTHONPATH=$zig17 python3 -m ziglang version): translate-c, build.zig"
if ZIG_GLOBAL_CACHE_DIR=$root/$out/global-cache-0.17 PYTHONPATH=$zig17 python3 -m ziglang build \
    --build-file tests/zig/build.zig --prefix $out/0.17 --cache-dir $out/cache-0.17 \
    -Druv-lib="$root/$lib"
then
    run "zig 0.17 translate-c" $out/0.17/bin/ruv-zig
else
    echo "zig 0.17 translate-c: BUILD FAILED" >&2
    status=1
fi

exit $status
