#!/usr/bin/env bash
# spawn.sh: spawning /bin/true with ruv and libuv, one at a time and 16 in
# flight, from a small parent and from one holding SPAWN_MIB (1024) MiB of
# touched memory (where fork's page-table copy shows); and exit0.c, a
# static child that only exits, from the small parent. spawn_uv.c is built
# for libuv and, unchanged through include/uv-compat, for ruv; runs are
# interleaved, SPAWN_REPS (REPS, else 3) of each, best kept. See
# bench/README.md ("Spawn benchmarks").
#
# Sourced by run.sh (SPAWN=0 skips it), or run by itself: bench/spawn.sh.
# Environment: SPAWN_REPS, SPAWN_N (children per run, default 1000; a
# quarter of that with the big parent), SPAWN_MIB.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # shellcheck source=bench/standalone.sh
  source "$(dirname "$0")/standalone.sh"
fi

SPAWN_REPS=${SPAWN_REPS:-${REPS:-3}}
SPAWN_N=${SPAWN_N:-1000}
SPAWN_MIB=${SPAWN_MIB:-1024}

# shellcheck disable=SC2086
$CC $CFLAGS -Wall -Wextra -Werror -o "$OUT/spawn_libuv" "$BENCH/spawn_uv.c" "$UV_LIB" -lpthread -ldl || exit 1
# shellcheck disable=SC2086
$CC $CFLAGS -Wall -Wextra -Werror -I"$ROOT/include/uv-compat" -o "$OUT/spawn_ruv" "$BENCH/spawn_uv.c" \
  "$ROOT/target/release/libruv.a" -lpthread -ldl -lm || exit 1

# The second child, exit0, is static and exits in its first instruction:
# no dynamic loader, no libc start-up, so the rows with it show the spawn
# path itself (/bin/true's own start-up is most of a small parent's cost).
EXIT0=
if $CC -O2 -static -nostdlib -o "$OUT/exit0" "$BENCH/exit0.c" 2>/dev/null; then EXIT0=$OUT/exit0; fi

# cells: mode, parent MiB, child
cells=("seq 0 /bin/true" "seq $SPAWN_MIB /bin/true" "par16 0 /bin/true" "par16 $SPAWN_MIB /bin/true")
[ -n "$EXIT0" ] && cells+=("seq 0 $EXIT0" "par16 0 $EXIT0")

declare -A SPAWN_BEST
spawn_failed=0
for rep in $(seq 1 "$SPAWN_REPS"); do
  for cell in "${cells[@]}"; do
    read -r mode mib child <<<"$cell"
    n=$SPAWN_N
    [ "$mib" != 0 ] && n=$((SPAWN_N / 4))
    for lib in libuv ruv; do
      if ! line=$("$OUT/spawn_$lib" "$mode" "$n" "$mib" "$child"); then
        echo "spawn $lib $cell: FAILED" >&2
        spawn_failed=1
        continue
      fi
      echo "$line child=$child" >&2
      key="$cell.$lib"
      for field in ops_per_s cpu_us_per_op all_cpu_us_per_op; do
        v=$(sed -n "s/.* $field=\([0-9.]*\).*/\1/p" <<<"$line")
        old=${SPAWN_BEST[$key.$field]:-}
        # the best of the runs: the highest rate, the least CPU
        if [ -z "$old" ] || awk -v a="$v" -v b="$old" -v f="$field" 'BEGIN{exit !(f == "ops_per_s" ? a > b : a < b)}'; then
          SPAWN_BEST[$key.$field]=$v
        fi
      done
    done
  done
done

echo
echo "spawn: best of $SPAWN_REPS runs; $SPAWN_N children a run ($((SPAWN_N / 4)) with the ${SPAWN_MIB} MiB parent)"
echo "(cpu_us: the parent's CPU per child; all_cpu_us: with the child's own; cpu ratio: libuv's all_cpu / ruv's)"
printf '%-6s %-9s %-6s %9s %9s %6s %8s %8s %10s %10s %6s\n' mode parent child libuv/s ruv/s ratio \
  "uv cpu" "ruv cpu" "uv all" "ruv all" "cpu"
for cell in "${cells[@]}"; do
  read -r mode mib child <<<"$cell"
  b() { echo "${SPAWN_BEST[$cell.$1.$2]:--}"; }
  ratio=$(awk -v a="$(b ruv ops_per_s)" -v b="$(b libuv ops_per_s)" 'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')
  cpu_ratio=$(awk -v a="$(b libuv all_cpu_us_per_op)" -v b="$(b ruv all_cpu_us_per_op)" \
    'BEGIN{ if (a > 0 && b > 0) printf "%.2f", a / b; else print "-" }')
  printf '%-6s %-9s %-6s %9s %9s %6s %8s %8s %10s %10s %6s\n' "$mode" \
    "$([ "$mib" = 0 ] && echo small || echo "$mib MiB")" "$(basename "$child")" "$(b libuv ops_per_s)" \
    "$(b ruv ops_per_s)" "$ratio" "$(b libuv cpu_us_per_op)" "$(b ruv cpu_us_per_op)" \
    "$(b libuv all_cpu_us_per_op)" "$(b ruv all_cpu_us_per_op)" "$cpu_ratio"
done
if [ "$spawn_failed" != 0 ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then exit 1; fi
[ "$spawn_failed" = 0 ] || FAILED+=("spawn")
