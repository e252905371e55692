# standalone.sh: what run.sh sets up for its parts, for a part (fs.sh,
# spawn.sh) run by itself: strict mode, CC/CFLAGS, the BENCH/ROOT/OUT
# directories, libruv.a (built if missing) and libuv's library (UV_LIB).
# Sourced by the part.

set -uo pipefail
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2}
BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out
mkdir -p "$OUT"
if [ ! -f "$ROOT/target/release/libruv.a" ]; then
  echo "building libruv.a (cargo build --release)" >&2
  (cd "$ROOT" && cargo build --release) || exit 1
fi
UV_LIB=$($CC -print-file-name=libuv_a.a)
[ -f "$UV_LIB" ] || UV_LIB=-luv
