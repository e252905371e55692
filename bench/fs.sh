#!/usr/bin/env bash
# fs.sh: the thread-pool benchmarks (fs requests, uv_queue_work): fs_uv.c
# built for libuv and, unchanged through include/uv-compat, for ruv; each
# workload run REPS times for each library, interleaved, plus the same system
# calls made inline (no loop, no pool); the best run per cell goes into one
# table with ruv/libuv ratios. See bench/README.md ("Thread-pool benchmarks").
#
# Sourced by run.sh after the network part (FS=0 skips it; it then uses
# run.sh's CC, CFLAGS, BENCH, ROOT, OUT, RAW, UV_LIB, RUV_LIB_BEFORE, REPS,
# note, BEST and FAILED), or run by itself: bench/fs.sh.
#
# Environment: FS_REPS (runs per workload and library, default REPS, else 3),
# FS_N_STAT (stat64's stats, default 100000), FS_N_CHAIN (chains, default
# 20000), FS_N_WORK (work1's and work64's round trips, default 100000),
# UV_THREADPOOL_SIZE (default 4; RUV_THREADPOOL_SIZE, which ruv reads first,
# is set to the same value), FS_CPUS (a taskset CPU list every run is pinned
# to, e.g. 1: steadier figures, see README.md; default none, all CPUs),
# TMPDIR (where the test file goes, default /tmp), FS_CP_MIB (the cp
# workload's file size in MiB, default 1024; 0 skips it),
# RUV_LIB_BEFORE (another libruv.a: one more column, "ruv-before"; n/a if
# fs_uv.c does not link against it, e.g. a ruv without fs support).

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # run by itself: what run.sh would have set up
  # shellcheck source=bench/standalone.sh
  source "$(dirname "$0")/standalone.sh"
  RAW=$OUT/results.txt
  : >"$RAW"
  note() { echo "$*" >&2; }
  declare -A BEST
  FAILED=()
  RUV_LIB_BEFORE=${RUV_LIB_BEFORE:-}
  if [ -n "$RUV_LIB_BEFORE" ] && [ ! -f "$RUV_LIB_BEFORE" ]; then
    note "RUV_LIB_BEFORE=$RUV_LIB_BEFORE: no such file"
    exit 1
  fi
  FS_STANDALONE=1
fi

FS_REPS=${FS_REPS:-${REPS:-3}}
FS_N_STAT=${FS_N_STAT:-100000}
FS_N_CHAIN=${FS_N_CHAIN:-20000}
FS_N_WORK=${FS_N_WORK:-100000}
FS_CP_MIB=${FS_CP_MIB:-1024}
export UV_THREADPOOL_SIZE=${UV_THREADPOOL_SIZE:-4}
export RUV_THREADPOOL_SIZE=$UV_THREADPOOL_SIZE
FS_CPUS=${FS_CPUS:-}
FS_PIN=()
[ -n "$FS_CPUS" ] && FS_PIN=(taskset -c "$FS_CPUS")
FS_LIBS=(libuv ruv)
[ -n "${RUV_LIB_BEFORE:-}" ] && FS_LIBS+=(ruv-before)
FS_NOTES=()

# ---- build -------------------------------------------------------------------

fs_build() { # args...: 0 if it built
  note "$CC $CFLAGS -Wall -Wextra -Werror $*"
  # shellcheck disable=SC2086
  $CC $CFLAGS -Wall -Wextra -Werror "$@"
}
rm -f "$OUT/fs_libuv" "$OUT/fs_ruv" "$OUT/fs_ruv-before"
fs_build -o "$OUT/fs_libuv" "$BENCH/fs_uv.c" "$UV_LIB" -lpthread -ldl || exit 1
if ! fs_build -I"$ROOT/include/uv-compat" -o "$OUT/fs_ruv" "$BENCH/fs_uv.c" \
    "$ROOT/target/release/libruv.a" -lpthread -ldl -lm 2>"$OUT/fs_ruv.build.txt"; then
  tail -5 "$OUT/fs_ruv.build.txt" >&2
  FS_NOTES+=("ruv: n/a, fs_uv.c does not build against this tree's include/ruv.h and libruv.a (bench/out/fs_ruv.build.txt)")
fi
if [ -n "${RUV_LIB_BEFORE:-}" ] &&
   ! fs_build -I"$ROOT/include/uv-compat" -o "$OUT/fs_ruv-before" "$BENCH/fs_uv.c" \
    "$RUV_LIB_BEFORE" -lpthread -ldl -lm 2>"$OUT/fs_ruv-before.build.txt"; then
  tail -5 "$OUT/fs_ruv-before.build.txt" >&2
  FS_NOTES+=("ruv-before: n/a, fs_uv.c does not link against $RUV_LIB_BEFORE (no fs/pool support?) (bench/out/fs_ruv-before.build.txt)")
fi
# The cp example, written with ruv's names: for libuv every ruv_/RUV_ name is
# spelled as libuv's (as make test builds the echo server against libuv).
rm -f "$OUT/cp_libuv" "$OUT/cp_ruv" "$OUT/cp_ruv-before"
if [ "$FS_CP_MIB" != 0 ]; then
  sed 's/ruv_/uv_/g; s/RUV_/UV_/g; s/#include "ruv.h"/#include <uv.h>/' "$ROOT/examples-c/cp.c" >"$OUT/cp_uv.c"
  fs_build -o "$OUT/cp_libuv" "$OUT/cp_uv.c" "$UV_LIB" -lpthread -ldl || exit 1
  fs_build -I"$ROOT/include" -o "$OUT/cp_ruv" "$ROOT/examples-c/cp.c" "$ROOT/target/release/libruv.a" \
    -lpthread -ldl -lm || exit 1
  if [ -n "${RUV_LIB_BEFORE:-}" ]; then
    fs_build -I"$ROOT/include" -o "$OUT/cp_ruv-before" "$ROOT/examples-c/cp.c" "$RUV_LIB_BEFORE" \
      -lpthread -ldl -lm 2>/dev/null || rm -f "$OUT/cp_ruv-before"
  fi
fi

# ---- runs --------------------------------------------------------------------

# fs_best WORKLOAD KEY LIB VALUE: keeps the best value of a metric (the
# highest ops_per_s, the lowest of the others).
fs_best() {
  local cur=${BEST[fs.$1.$2.$3]:-}
  if [ -z "$cur" ] || awk -v a="$4" -v b="$cur" -v hi="$([ "$2" = ops_per_s ] && echo 1)" \
      'BEGIN { exit !(hi ? a > b : a < b) }'; then
    BEST[fs.$1.$2.$3]=$4
  fi
}

# fs_run LIB WORKLOAD N: one run; keeps each metric's best value. LIB
# "inline" is fs_libuv --inline (no library call in it).
fs_run() {
  local lib=$1 wl=$2 n=$3 line err=$OUT/stderr.txt kv cmd
  if [ "$lib" = inline ]; then cmd=("${FS_PIN[@]}" "$OUT/fs_libuv" --inline "$wl" "$n")
  else cmd=("${FS_PIN[@]}" "$OUT/fs_$lib" "$wl" "$n"); fi
  if ! line=$("${cmd[@]}" 2>"$err"); then
    note "  $lib $wl: FAILED: $(cat "$err")"
    echo "FAILED $lib $wl: $(cat "$err")" >>"$RAW"
    FAILED+=("$lib $wl")
    BEST[fs.$wl.failed.$lib]=1
    return
  fi
  # fs_ruv-before says lib=ruv, as fs_ruv: name it in the raw line
  [ "$lib" = ruv-before ] && line=${line/ lib=ruv / lib=ruv-before }
  echo "$line" >>"$RAW"
  note "  $line"
  for kv in $line; do
    case $kv in ops_per_s=* | cpu_ns_per_op=* | csw_per_op=*) ;; *) continue ;; esac
    fs_best "$wl" "${kv%%=*}" "$lib" "${kv#*=}"
  done
}

# fs_cp LIB: copies the cp workload's file once with the cp example built
# for LIB ("inline": coreutils cp, the page cache's speed with no loop);
# checks the copy, keeps MiB/s (wall) and CPU seconds (user + sys).
fs_cp() {
  local lib=$1 bin t wall u s cpu
  if [ "$lib" = inline ]; then bin=(cp); else bin=("$OUT/cp_$lib"); fi
  rm -f "$FS_CP_DIR/dst"
  t=$( { TIMEFORMAT='%R %U %S'; time "${FS_PIN[@]}" "${bin[@]}" "$FS_CP_DIR/src" "$FS_CP_DIR/dst" 2>/dev/null; } 2>&1 )
  if [ $? -ne 0 ] || ! cmp -s "$FS_CP_DIR/src" "$FS_CP_DIR/dst"; then
    note "  $lib cp: FAILED (exit status or contents)"
    echo "FAILED $lib cp" >>"$RAW"
    FAILED+=("$lib cp")
    BEST[fs.cp.failed.$lib]=1
    return
  fi
  read -r wall u s <<<"$t"
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
  echo "cp lib=$lib mib=$FS_CP_MIB wall_s=$wall cpu_s=$cpu" >>"$RAW"
  note "  cp lib=$lib mib=$FS_CP_MIB wall_s=$wall cpu_s=$cpu"
  fs_best cp ops_per_s "$lib" "$(awk -v m="$FS_CP_MIB" -v w="$wall" 'BEGIN { printf "%.1f", m / (w > 0 ? w : 0.001) }')"
  fs_best cp cpu_ns_per_op "$lib" "$cpu"
}

FS_RUN_LIBS=()
for lib in "${FS_LIBS[@]}"; do [ -x "$OUT/fs_$lib" ] && FS_RUN_LIBS+=("$lib"); done
FS_RUN_LIBS+=(inline)
FS_CP_LIBS=()
for lib in "${FS_LIBS[@]}"; do [ -x "$OUT/cp_$lib" ] && FS_CP_LIBS+=("$lib"); done
FS_CP_LIBS+=(inline)
if [ "$FS_CP_MIB" != 0 ]; then
  FS_CP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ruv-bench-cp.XXXXXX") || exit 1
  # A file that is not zeros (cp skips zero chunks), in the page cache.
  yes "ruv bench: cp copies this line again and again, $FS_CP_MIB MiB of it" |
    head -c "$((FS_CP_MIB * 1048576))" >"$FS_CP_DIR/src"
fi
note "thread pool: ${FS_RUN_LIBS[*]}; $FS_REPS runs per workload; UV_THREADPOOL_SIZE=$UV_THREADPOOL_SIZE${FS_CPUS:+; pinned to CPU(s) $FS_CPUS}"
for rep in $(seq 1 "$FS_REPS"); do
  note "thread-pool run $rep of $FS_REPS"
  for wl in stat64 chain work1 work64; do
    case $wl in stat64) n=$FS_N_STAT ;; chain) n=$FS_N_CHAIN ;; *) n=$FS_N_WORK ;; esac
    for lib in "${FS_RUN_LIBS[@]}"; do fs_run "$lib" "$wl" "$n"; done
  done
  if [ "$FS_CP_MIB" != 0 ]; then
    for lib in "${FS_CP_LIBS[@]}"; do fs_cp "$lib"; done
  fi
done
[ "$FS_CP_MIB" != 0 ] && rm -rf "$FS_CP_DIR"

# ---- table -------------------------------------------------------------------

FS_ROWS=(
  "stat64 ops_per_s     stats/s(wall,higher=better)"
  "stat64 cpu_ns_per_op cpu_ns/stat"
  "stat64 csw_per_op    ctx_switches/stat"
  "chain  ops_per_s     chains/s(wall,higher=better)"
  "chain  cpu_ns_per_op cpu_ns/chain"
  "chain  csw_per_op    ctx_switches/chain"
  "work1  ops_per_s     round_trips/s(higher=better)"
  "work1  cpu_ns_per_op cpu_ns/round_trip"
  "work1  csw_per_op    ctx_switches/round_trip"
  "work64 ops_per_s     round_trips/s(higher=better)"
  "work64 cpu_ns_per_op cpu_ns/round_trip"
  "work64 csw_per_op    ctx_switches/round_trip"
)
[ "$FS_CP_MIB" != 0 ] && FS_ROWS+=(
  "cp     ops_per_s     MiB/s(wall,higher=better)"
  "cp     cpu_ns_per_op cpu_s/copy(user+sys)"
)

echo
fs_versions="$("$OUT/fs_libuv" version)"
[ -x "$OUT/fs_ruv" ] && fs_versions+=", $("$OUT/fs_ruv" version)"
if [ -x "$OUT/fs_ruv-before" ]; then
  v=$("$OUT/fs_ruv-before" version)
  fs_versions+=", ruv-before ${v#ruv }"
fi
fs_pinned="not pinned"
[ -n "$FS_CPUS" ] && fs_pinned="all threads pinned to CPU(s) $FS_CPUS"
echo "thread pool: $fs_versions; UV_THREADPOOL_SIZE=$UV_THREADPOOL_SIZE, $(nproc) cores, $fs_pinned;"
echo "N: stat64 $FS_N_STAT (64 in flight), chain $FS_N_CHAIN (open/read 4 KiB/close, 1 at a time),"
echo "work1/work64 $FS_N_WORK (empty work, 1/64 in flight); test file in ${TMPDIR:-/tmp} ($(stat -f -c %T "${TMPDIR:-/tmp}"));"
echo "best of $FS_REPS runs per cell; cpu_ns = process CPU time, all threads; inline = the same syscalls"
echo "on one thread, no loop, no pool (work: a direct call of both callbacks)"
[ "$FS_CP_MIB" != 0 ] && echo "cp: examples-c/cp.c copying $FS_CP_MIB MiB (in the page cache) in the same directory; inline = coreutils cp"
echo
if [ -n "${RUV_LIB_BEFORE:-}" ]; then
  ffmt='%-7s %-29s %10s %10s %10s %10s %10s %14s %12s\n'
  # shellcheck disable=SC2059
  printf "$ffmt" workload metric libuv ruv ruv-before inline ruv/libuv ruv/ruv-before inline/libuv
  # shellcheck disable=SC2059
  printf "$ffmt" ------- ----------------------------- ---------- ---------- ---------- ---------- ---------- \
    -------------- ------------
else
  ffmt='%-7s %-29s %10s %10s %10s %10s %12s\n'
  # shellcheck disable=SC2059
  printf "$ffmt" workload metric libuv ruv inline ruv/libuv inline/libuv
  # shellcheck disable=SC2059
  printf "$ffmt" ------- ----------------------------- ---------- ---------- ---------- ---------- ------------
fi
for row in "${FS_ROWS[@]}"; do
  read -r wl key label <<<"$row"
  vals=()
  for lib in "${FS_LIBS[@]}" inline; do
    if [ "$lib" != inline ] && [ ! -x "$OUT/fs_$lib" ]; then
      vals+=(n/a)
    elif [ "$wl" = cp ] && [ "$lib" != inline ] && [ ! -x "$OUT/cp_$lib" ]; then
      vals+=(n/a)
    elif [ -n "${BEST[fs.$wl.failed.$lib]:-}" ] && [ -z "${BEST[fs.$wl.$key.$lib]:-}" ]; then
      vals+=(FAIL)
    else
      vals+=("${BEST[fs.$wl.$key.$lib]:--}")
    fi
  done
  if [ -n "${RUV_LIB_BEFORE:-}" ]; then uv=${vals[0]} ruv=${vals[1]} rb=${vals[2]} inl=${vals[3]}
  else uv=${vals[0]} ruv=${vals[1]} rb= inl=${vals[2]}; fi
  awk -v fmt="$ffmt" -v wl="$wl" -v label="$label" -v uv="$uv" -v ruv="$ruv" -v rb="$rb" -v inl="$inl" \
      -v before="${RUV_LIB_BEFORE:+1}" '
    function num(x) { return x ~ /^-?[0-9.]+$/ }
    function show(x) {
      if (!num(x)) return x
      if (x >= 1000) return sprintf("%.0f", x)
      if (x >= 100) return sprintf("%.1f", x)
      if (x >= 1) return sprintf("%.2f", x)
      return sprintf("%.3f", x)
    }
    function ratio(a, b) { return (num(a) && num(b) && b + 0 != 0) ? sprintf("%.2f", a / b) : "-" }
    BEGIN {
      if (before)
        printf fmt, wl, label, show(uv), show(ruv), show(rb), show(inl),
               ratio(ruv, uv), ratio(ruv, rb), ratio(inl, uv)
      else
        printf fmt, wl, label, show(uv), show(ruv), show(inl), ratio(ruv, uv), ratio(inl, uv)
    }'
done
echo
[ -n "${RUV_LIB_BEFORE:-}" ] && echo "ruv-before: $RUV_LIB_BEFORE"
for n in "${FS_NOTES[@]}"; do echo "$n"; done

if [ -n "${FS_STANDALONE:-}" ] && [ ${#FAILED[@]} -gt 0 ]; then
  echo
  echo "FAILED self-checks (details in bench/out/results.txt):"
  for f in "${FAILED[@]}"; do echo "  $f"; done
  exit 1
fi
