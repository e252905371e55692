#!/usr/bin/env bash
# Builds the benchmark for libuv, libev and ruv into bench/out/, runs every
# workload for every library, counts instructions under callgrind, and prints
# one table; then the network benchmarks (net.sh) and their table; then the
# thread-pool benchmarks (fs.sh) and theirs. See bench/README.md.
#
# Environment: REPS (runs per workload and library, default 3; the table keeps
# the best), CG_N (callgrind base count, default 100000; 0 skips callgrind),
# CC (default cc), CFLAGS (default -O2), TIMERS=0 / NET=0 / FS=0 / SPAWN=0 to
# skip the timer, the network, the thread-pool or the spawn part; net.sh and fs.sh list their
# parts' settings. RUV_LIB_BEFORE
# (a path to another libruv.a): the ruv programs are built a second time
# against it, from the same sources through this tree's include/uv-compat
# header, and run as one more library, "ruv-before"; every table gets a
# ruv-before column and a ruv/ruv-before ratio.
set -uo pipefail

REPS=${REPS:-3}
CG_N=${CG_N:-100000}
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2}

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out
LIBS=(libuv libev ruv)
mkdir -p "$OUT"
RAW=$OUT/results.txt
: >"$RAW"

note() { echo "$*" >&2; }

RUV_LIB_BEFORE=${RUV_LIB_BEFORE:-}
if [ -n "$RUV_LIB_BEFORE" ]; then
  if [ ! -f "$RUV_LIB_BEFORE" ]; then
    note "RUV_LIB_BEFORE=$RUV_LIB_BEFORE: no such file"
    exit 1
  fi
  LIBS+=(ruv-before)
fi

# ---- build -------------------------------------------------------------------

if [ ! -f "$ROOT/target/release/libruv.a" ]; then
  note "building libruv.a (cargo build --release)"
  (cd "$ROOT" && cargo build --release) || exit 1
fi

# Link all three statically, so no library pays for PLT calls the others skip.
static_or() { # static archive name, fallback -l flag
  local p
  p=$($CC -print-file-name="$1")
  if [ -f "$p" ]; then echo "$p"; else echo "$2"; fi
}
UV_LIB=$(static_or libuv_a.a -luv)
EV_LIB=$(static_or libev.a -lev)

TIMERS=${TIMERS:-1}
NET=${NET:-1}
FS=${FS:-1}
declare -A BEST   # BEST[workload.metric.lib] = best value so far
FAILED=()

if [ "$TIMERS" != 0 ]; then

build() {
  note "$CC $CFLAGS -Wall -Wextra -Werror $*"
  # shellcheck disable=SC2086
  $CC $CFLAGS -Wall -Wextra -Werror "$@" || exit 1
}
build -o "$OUT/bench_libuv" "$BENCH/bench_uv.c" "$UV_LIB" -lpthread -ldl
build -I"$ROOT/include/uv-compat" -o "$OUT/bench_ruv" "$BENCH/bench_uv.c" \
  "$ROOT/target/release/libruv.a" -lpthread -ldl -lm
build -o "$OUT/bench_libev" "$BENCH/bench_ev.c" "$EV_LIB" -lm
if [ -n "$RUV_LIB_BEFORE" ]; then
  # The same source and header as bench_ruv (struct layouts and signatures
  # are the same in every ruv), only the library differs.
  build -I"$ROOT/include/uv-compat" -o "$OUT/bench_ruv-before" "$BENCH/bench_uv.c" \
    "$RUV_LIB_BEFORE" -lpthread -ldl -lm
fi

# ---- timed runs --------------------------------------------------------------

higher_is_better() { [ "$1" = iters_per_s ]; }

# run LIB WORKLOAD [N]: one run; keeps each metric's best value.
run() {
  local lib=$1 wl=$2 line err kv key val
  err=$OUT/stderr.txt
  if ! line=$("$OUT/bench_$lib" "$wl" ${3:-} 2>"$err"); then
    note "  $lib $wl: FAILED: $(cat "$err")"
    echo "FAILED $lib $wl: $(cat "$err")" >>"$RAW"
    FAILED+=("$lib $wl")
    BEST[$wl.failed.$lib]=1
    return
  fi
  # bench_ruv-before says lib=ruv, as bench_ruv: name it in the raw line
  [ "$lib" = ruv-before ] && line=${line/ lib=ruv / lib=ruv-before }
  echo "$line" >>"$RAW"
  note "  $line"
  for kv in $line; do
    case $kv in *=*) ;; *) continue ;; esac
    key=${kv%%=*} val=${kv#*=}
    case $key in lib | n | timers | timer_bytes) continue ;; esac
    local cur=${BEST[$wl.$key.$lib]:-}
    if [ -z "$cur" ]; then
      BEST[$wl.$key.$lib]=$val
    elif higher_is_better "$key"; then
      awk -v a="$val" -v b="$cur" 'BEGIN { exit !(a > b) }' && BEST[$wl.$key.$lib]=$val
    else
      awk -v a="$val" -v b="$cur" 'BEGIN { exit !(a < b) }' && BEST[$wl.$key.$lib]=$val
    fi
  done
}

WORKLOADS=(million_timers start_stop idle)
for rep in $(seq 1 "$REPS"); do
  note "run $rep of $REPS"
  for wl in "${WORKLOADS[@]}"; do
    for lib in "${LIBS[@]}"; do   # interleaved, so machine noise hits all of them
      run "$lib" "$wl"
    done
  done
done

# ---- instruction counts ------------------------------------------------------

# Instructions per operation = (I(2N) - I(N)) / N: the whole process runs
# under callgrind twice, with N and 2N operations; everything that does not
# scale with N (process and loop start-up, the timers' set-up and the check
# run, teardown) cancels out.
instructions() { # lib workload n -> total instructions executed
  local log=$OUT/callgrind.log
  if ! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$OUT/bench_$1" "$2" "$3" >/dev/null 2>"$log"; then
    note "  $1 $2 $3 under callgrind: FAILED: $(grep -v '^==' "$log")"
    return 1
  fi
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
}

if [ "$CG_N" -gt 0 ] && command -v valgrind >/dev/null; then
  note "callgrind: N=$CG_N and N=$((2 * CG_N))"
  for wl in start_stop idle; do
    case $wl in start_stop) metric=instr_per_op ;; idle) metric=instr_per_iter ;; esac
    for lib in "${LIBS[@]}"; do
      if ! i1=$(instructions "$lib" "$wl" "$CG_N") ||
         ! i2=$(instructions "$lib" "$wl" $((2 * CG_N))); then
        FAILED+=("$lib $wl (under callgrind)")
        BEST[$wl.failed.$lib]=1
        continue
      fi
      BEST[$wl.$metric.$lib]=$(awk -v a="$i1" -v b="$i2" -v n="$CG_N" 'BEGIN { printf "%.1f", (b - a) / n }')
      note "  $lib $wl: $i1 instructions for N, $i2 for 2N: ${BEST[$wl.$metric.$lib]} per op"
      echo "callgrind $wl lib=$lib n=$CG_N instr=$i1 n2=$((2 * CG_N)) instr2=$i2 $metric=${BEST[$wl.$metric.$lib]}" >>"$RAW"
    done
  done
else
  note "callgrind: skipped"
fi

# ---- table -------------------------------------------------------------------

# rows: workload metric-key label scale (value shown = raw / scale)
ROWS=(
  "million_timers init_ns      init_ns/timer          1"
  "million_timers start_ns     start_ns/timer         1"
  "million_timers fire_ns      fire_ns/timer          1"
  "million_timers ns_per_timer total_ns/timer         1"
  "million_timers fire_wall_ms fire_wall_ms           1"
  "million_timers peak_rss_kb  peak_rss_MB            1024"
  "million_timers lib_rss_kb   lib_rss_MB             1024"
  "start_stop     ns_per_op    ns/op                  1"
  "start_stop     instr_per_op instr/op(callgrind)    1"
  "idle           ns_per_iter  ns/iter                1"
  "idle           iters_per_s  iters/s(wall,higher=better) 1"
  "idle           instr_per_iter instr/iter(callgrind) 1"
)

echo
echo "ruv benchmark: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $($CC --version | head -n1)"
versions="$("$OUT/bench_libuv" version), $("$OUT/bench_libev" version), $("$OUT/bench_ruv" version)"
if [ -n "$RUV_LIB_BEFORE" ]; then
  v=$("$OUT/bench_ruv-before" version)
  versions+=", ruv-before ${v#ruv } ($RUV_LIB_BEFORE)"
fi
echo "versions: $versions"
echo "best of $REPS runs per cell (min; max for iters/s); ns are process CPU time per op;"
echo "instr = callgrind instructions per op, (I(2N)-I(N))/N with N=$CG_N"
echo
if [ -n "$RUV_LIB_BEFORE" ]; then
  fmt='%-15s %-28s %11s %11s %11s %11s %10s %14s %12s\n'
  # shellcheck disable=SC2059
  printf "$fmt" workload metric libuv libev ruv ruv-before ruv/libuv ruv/ruv-before libev/libuv
  # shellcheck disable=SC2059
  printf "$fmt" --------------- ---------------------------- ----------- ----------- ----------- ----------- \
    ---------- -------------- ------------
else
  fmt='%-15s %-28s %11s %11s %11s %10s %12s\n'
  # shellcheck disable=SC2059
  printf "$fmt" workload metric libuv libev ruv ruv/libuv libev/libuv
  # shellcheck disable=SC2059
  printf "$fmt" --------------- ---------------------------- ----------- ----------- ----------- ---------- ------------
fi
for row in "${ROWS[@]}"; do
  read -r wl key label scale <<<"$row"
  vals=()
  for lib in "${LIBS[@]}"; do
    if [ -n "${BEST[$wl.failed.$lib]:-}" ] && [ -z "${BEST[$wl.$key.$lib]:-}" ]; then
      vals+=(FAIL)
    else
      vals+=("${BEST[$wl.$key.$lib]:--}")
    fi
  done
  awk -v fmt="$fmt" -v wl="$wl" -v label="$label" -v s="$scale" \
      -v uv="${vals[0]}" -v ev="${vals[1]}" -v ruv="${vals[2]}" -v rb="${vals[3]:-}" \
      -v before="${RUV_LIB_BEFORE:+1}" '
    function num(x) { return x ~ /^-?[0-9.]+$/ }
    function show(x) {
      if (!num(x)) return x
      x = x / s
      if (x >= 100000) return sprintf("%.0f", x)
      if (x >= 100) return sprintf("%.1f", x)
      return sprintf("%.2f", x)
    }
    function ratio(a, b) { return (num(a) && num(b) && b + 0 != 0) ? sprintf("%.2f", a / b) : "-" }
    BEGIN {
      if (before)
        printf fmt, wl, label, show(uv), show(ev), show(ruv), show(rb),
               ratio(ruv, uv), ratio(ruv, rb), ratio(ev, uv)
      else
        printf fmt, wl, label, show(uv), show(ev), show(ruv), ratio(ruv, uv), ratio(ev, uv)
    }'
done

fi # TIMERS

# ---- network -----------------------------------------------------------------

if [ "$NET" != 0 ]; then
  # shellcheck source=bench/net.sh
  source "$BENCH/net.sh"
fi

# ---- thread pool (fs, queue_work) ------------------------------------------------

if [ "$FS" != 0 ]; then
  # shellcheck source=bench/fs.sh
  source "$BENCH/fs.sh"
fi

# ---- spawning processes -----------------------------------------------------------

if [ "${SPAWN:-1}" != 0 ]; then
  # shellcheck source=bench/spawn.sh
  source "$BENCH/spawn.sh"
fi

if [ ${#FAILED[@]} -gt 0 ]; then
  echo
  echo "FAILED self-checks (details in bench/out/results.txt):"
  for f in "${FAILED[@]}"; do echo "  $f"; done
  exit 1
fi
