#!/usr/bin/env bash
# spawn.sh: spawning /bin/true with ruv and libuv, one at a time and 16 in
# flight, from a small parent and from one holding SPAWN_MIB (1024) MiB of
# touched memory (where fork's page-table copy shows). spawn_uv.c is built
# for libuv and, unchanged through include/uv-compat, for ruv; runs are
# interleaved, SPAWN_REPS (REPS, else 3) of each, best kept. See
# bench/README.md ("Spawn benchmarks").
#
# Sourced by run.sh (SPAWN=0 skips it), or run by itself: bench/spawn.sh.
# Environment: SPAWN_REPS, SPAWN_N (children per run, default 1000; a
# quarter of that with the big parent), SPAWN_MIB.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  CC=${CC:-cc}
  CFLAGS=${CFLAGS:--O2}
  BENCH=$(cd "$(dirname "$0")" && pwd)
  ROOT=$(dirname "$BENCH")
  OUT=$BENCH/out
  mkdir -p "$OUT"
  if [ ! -f "$ROOT/target/release/libruv.a" ]; then
    (cd "$ROOT" && cargo build --release) || exit 1
  fi
  UV_LIB=$($CC -print-file-name=libuv_a.a)
  [ -f "$UV_LIB" ] || UV_LIB=-luv
fi

SPAWN_REPS=${SPAWN_REPS:-${REPS:-3}}
SPAWN_N=${SPAWN_N:-1000}
SPAWN_MIB=${SPAWN_MIB:-1024}

# shellcheck disable=SC2086
$CC $CFLAGS -Wall -Wextra -Werror -o "$OUT/spawn_libuv" "$BENCH/spawn_uv.c" "$UV_LIB" -lpthread -ldl || exit 1
# shellcheck disable=SC2086
$CC $CFLAGS -Wall -Wextra -Werror -I"$ROOT/include/uv-compat" -o "$OUT/spawn_ruv" "$BENCH/spawn_uv.c" \
  "$ROOT/target/release/libruv.a" -lpthread -ldl -lm || exit 1

declare -A SPAWN_BEST
spawn_failed=0
for rep in $(seq 1 "$SPAWN_REPS"); do
  for mode in seq par16; do
    for mib in 0 "$SPAWN_MIB"; do
      n=$SPAWN_N
      [ "$mib" != 0 ] && n=$((SPAWN_N / 4))
      for lib in libuv ruv; do
        if ! line=$("$OUT/spawn_$lib" "$mode" "$n" "$mib"); then
          echo "spawn $lib $mode $mib MiB: FAILED" >&2
          spawn_failed=1
          continue
        fi
        echo "$line" >&2
        ops=$(sed -n 's/.*ops_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
        cpu=$(sed -n 's/.*cpu_us_per_op=\([0-9.]*\).*/\1/p' <<<"$line")
        key="$mode.$mib.$lib"
        if [ -z "${SPAWN_BEST[$key.ops]:-}" ] || awk -v a="$ops" -v b="${SPAWN_BEST[$key.ops]}" 'BEGIN{exit !(a>b)}'; then
          SPAWN_BEST[$key.ops]=$ops
          SPAWN_BEST[$key.cpu]=$cpu
        fi
      done
    done
  done
done

echo
echo "spawn: /bin/true, best of $SPAWN_REPS runs; $SPAWN_N children a run ($((SPAWN_N / 4)) with the ${SPAWN_MIB} MiB parent)"
printf '%-7s %-10s %12s %12s %9s %14s %14s\n' mode parent libuv/s ruv/s ruv/libuv "libuv cpu_us" "ruv cpu_us"
for mode in seq par16; do
  for mib in 0 "$SPAWN_MIB"; do
    key="$mode.$mib"
    u=${SPAWN_BEST[$key.libuv.ops]:-}
    r=${SPAWN_BEST[$key.ruv.ops]:-}
    ratio=$(awk -v a="$r" -v b="$u" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')
    printf '%-7s %-10s %12s %12s %9s %14s %14s\n' "$mode" "$([ "$mib" = 0 ] && echo small || echo "$mib MiB")" \
      "${u:--}" "${r:--}" "$ratio" "${SPAWN_BEST[$key.libuv.cpu]:--}" "${SPAWN_BEST[$key.ruv.cpu]:--}"
  done
done
if [ "$spawn_failed" != 0 ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then exit 1; fi
[ "$spawn_failed" = 0 ] || FAILED+=("spawn")
