# net.sh: the network benchmarks, sourced by run.sh after the timer table
# (it uses run.sh's CC, CFLAGS, BENCH, ROOT, OUT, RAW, UV_LIB, EV_LIB,
# RUV_LIB_BEFORE, note, BEST and FAILED). See bench/README.md.
#
# Environment: NET_REPS (runs per throughput workload and library, default 2;
# the table keeps the best), NET_SECS (measured seconds per run, default 3),
# NET_WARMUP (seconds before that, default 0.5), IDLE_CONNS (default 10000),
# CG_NET_N (round trips for the callgrind runs with 1 connection, N and 2N,
# default 10000, and about 3x that with 64; 0 skips them), NET_MIN_CPU (a
# throughput cell whose best run had the server below this % of a core gets
# one more run, default 70).
#
# Every server runs pinned to CPU 0, every client (echo_load, wrk) to CPU 1,
# all on 127.0.0.1, the servers on ports the kernel picks. Every process
# started here is killed on exit (trap).

NET_REPS=${NET_REPS:-2}
NET_SECS=${NET_SECS:-3}
NET_WARMUP=${NET_WARMUP:-0.5}
IDLE_CONNS=${IDLE_CONNS:-10000}
CG_NET_N=${CG_NET_N:-10000}
NET_MIN_CPU=${NET_MIN_CPU:-70}
NET_LIBS=(libuv libev epoll ruv)
NET_NOTES=()
# RUV_LIB_BEFORE (checked by run.sh): net_uv.c built once more against it,
# through this tree's header, as "ruv-before"
[ -n "${RUV_LIB_BEFORE:-}" ] && NET_LIBS+=(ruv-before)

# ---- processes: everything started is tracked and killed at exit ---------------

NET_PIDS=()
net_cleanup() {
  local p
  for p in "${NET_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 0.1
  for p in "${NET_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  NET_PIDS=()
}
trap net_cleanup EXIT
trap 'exit 130' INT TERM

untrack() { # pid
  local p keep=()
  for p in "${NET_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  NET_PIDS=("${keep[@]}")
}

# bg_run CPU OUTFILE ERRFILE CMD...: starts CMD pinned to CPU, sets BG_PID.
bg_run() {
  local cpu=$1 out=$2 err=$3
  shift 3
  taskset -c "$cpu" "$@" >"$out" 2>"$err" &
  BG_PID=$!
  NET_PIDS+=("$BG_PID")
}

# fg_run CPU OUTFILE ERRFILE CMD...: the same, waits for it; its exit status.
fg_run() {
  local rc
  bg_run "$@"
  wait "$BG_PID"
  rc=$?
  untrack "$BG_PID"
  return $rc
}

# start_server LIB MODE [EXIT_AFTER] [-- WRAPPER...]: sets SPID and SPORT, or
# returns 1 (with the reason in SERR) if the server does not come up in 10 s.
start_server() {
  local lib=$1 mode=$2 exit_after=() wrapper=() i
  shift 2
  if [ $# -gt 0 ] && [ "$1" != -- ]; then exit_after=("$1"); shift; fi
  if [ $# -gt 0 ] && [ "$1" = -- ]; then shift; wrapper=("$@"); fi
  : >"$OUT/server.out"
  bg_run 0 "$OUT/server.out" "$OUT/server.err" "${wrapper[@]}" "$OUT/net_$lib" "$mode" "${exit_after[@]}"
  SPID=$BG_PID SPORT=
  for i in $(seq 1 200); do
    SPORT=$(sed -n 's/^port=//p' "$OUT/server.out")
    [ -n "$SPORT" ] && return 0
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.05
  done
  SERR="server did not start: $(grep -v '^==' "$OUT/server.err" | head -3)"
  stop_server
  return 1
}

# stop_server: kills the server; returns 1 if it had died on its own.
stop_server() {
  local alive=0
  kill -0 "$SPID" 2>/dev/null && alive=1
  kill "$SPID" 2>/dev/null
  wait "$SPID" 2>/dev/null
  untrack "$SPID"
  [ $alive = 1 ]
}

# wait_exit PID SECONDS: waits for PID to exit by itself; kills it and
# returns 1 if it has not after SECONDS.
wait_exit() {
  local i rc
  for i in $(seq 1 $(($2 * 20))); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      rc=$?
      untrack "$1"
      return $rc
    fi
    sleep 0.05
  done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  untrack "$1"
  return 1
}

cpu_ns_of() { # pid -> CPU ns used so far (sum_exec_runtime)
  awk '{ print $1 }' "/proc/$1/schedstat" 2>/dev/null || echo 0
}

# ---- results -----------------------------------------------------------------

# keep WL KEY LIB VALUE hi|lo: keeps the best value of a cell.
keep() {
  local cur=${BEST[$1.$2.$3]:-}
  if [ -z "$cur" ] || awk -v a="$4" -v b="$cur" -v d="$5" \
      'BEGIN { exit !(d == "hi" ? a > b : a < b) }'; then
    BEST[$1.$2.$3]=$4
    return 0
  fi
  return 1
}

net_fail() { # wl lib message
  note "  $2 $1: FAILED: $3"
  echo "FAILED $2 $1: $3" >>"$RAW"
  FAILED+=("$2 $1: $3")
  BEST[$1.failed.$2]=1
}

field() { # line key -> value of key=value in line
  local kv
  for kv in $1; do
    case $kv in "$2"=*) echo "${kv#*=}"; return ;; esac
  done
}

# ---- build -------------------------------------------------------------------

net_build() { # output, args...: 0 if it built
  note "$CC $CFLAGS -Wall -Wextra -Werror $*"
  # shellcheck disable=SC2086
  $CC $CFLAGS -Wall -Wextra -Werror "$@"
}
net_build -o "$OUT/echo_load" "$BENCH/echo_load.c" || exit 1
net_build -o "$OUT/net_epoll" "$BENCH/net_epoll.c" || exit 1
net_build -o "$OUT/net_libev" "$BENCH/net_ev.c" "$EV_LIB" -lm || exit 1
net_build -o "$OUT/net_libuv" "$BENCH/net_uv.c" "$UV_LIB" -lpthread -ldl || exit 1
rm -f "$OUT/net_ruv" "$OUT/net_ruv-before"
if ! grep -q 'ruv_tcp_init' "$ROOT/include/ruv.h"; then
  NET_NOTES+=("ruv: not built (no TCP yet: ruv_tcp_init is not in include/ruv.h)")
  [ -n "${RUV_LIB_BEFORE:-}" ] && NET_NOTES+=("ruv-before: not built (the same reason)")
else
  if ! net_build -I"$ROOT/include/uv-compat" -o "$OUT/net_ruv" "$BENCH/net_uv.c" \
      "$ROOT/target/release/libruv.a" -lpthread -ldl -lm 2>"$OUT/net_ruv.build.txt"; then
    cat "$OUT/net_ruv.build.txt" >&2
    NET_NOTES+=("ruv: not built (net_uv.c does not build against include/ruv.h; see bench/out/net_ruv.build.txt)")
  fi
  if [ -n "${RUV_LIB_BEFORE:-}" ] &&
     ! net_build -I"$ROOT/include/uv-compat" -o "$OUT/net_ruv-before" "$BENCH/net_uv.c" \
      "$RUV_LIB_BEFORE" -lpthread -ldl -lm 2>"$OUT/net_ruv-before.build.txt"; then
    cat "$OUT/net_ruv-before.build.txt" >&2
    NET_NOTES+=("ruv-before: not built (net_uv.c with include/ruv.h does not build or link against $RUV_LIB_BEFORE; see bench/out/net_ruv-before.build.txt)")
  fi
fi
RUN_LIBS=()
for lib in "${NET_LIBS[@]}"; do [ -x "$OUT/net_$lib" ] && RUN_LIBS+=("$lib"); done

# ---- echo and http throughput ------------------------------------------------

run_echo() { # wl lib size
  local wl=$1 lib=$2 size=$3 line
  if ! start_server "$lib" echo; then net_fail "$wl" "$lib" "$SERR"; return; fi
  if ! fg_run 1 "$OUT/load.out" "$OUT/load.err" "$OUT/echo_load" echo "$SPORT" 64 "$size" \
      "$NET_SECS" "$NET_WARMUP" "$SPID"; then
    stop_server
    net_fail "$wl" "$lib" "$(head -3 "$OUT/load.err") $(grep -v '^==' "$OUT/server.err" | head -3)"
    return
  fi
  if ! stop_server; then
    net_fail "$wl" "$lib" "server died: $(head -3 "$OUT/server.err")"
    return
  fi
  line=$(cat "$OUT/load.out")
  echo "$wl lib=$lib conns=64 size=$size $line" >>"$RAW"
  note "  $wl $lib: $line"
  keep "$wl" ns_per_rt "$lib" "$(field "$line" server_ns_per_rt)" lo
  keep "$wl" rt_per_s "$lib" "$(field "$line" rt_per_s)" hi &&
    BEST[$wl.cpu.$lib]="$(field "$line" server_cpu_pct)/$(field "$line" load_cpu_pct)" &&
    BEST[$wl.scpu.$lib]=$(field "$line" server_cpu_pct)
}

run_http() { # lib
  local wl=http lib=$1 c0 c1 reqs rps t real user sys
  if ! start_server "$lib" http; then net_fail $wl "$lib" "$SERR"; return; fi
  # correctness first: pipelining, split requests, exact bytes, bad request
  if ! fg_run 1 "$OUT/load.out" "$OUT/load.err" "$OUT/echo_load" http "$SPORT"; then
    stop_server
    net_fail $wl "$lib" "$(head -3 "$OUT/load.err")"
    return
  fi
  c0=$(cpu_ns_of "$SPID")
  local TIMEFORMAT='%R %U %S'
  if ! { time fg_run 1 "$OUT/wrk.out" "$OUT/wrk.err" wrk -t1 -c64 -d"${NET_SECS}s" \
      "http://127.0.0.1:$SPORT/"; } 2>"$OUT/wrk.time"; then
    stop_server
    net_fail $wl "$lib" "wrk failed: $(head -3 "$OUT/wrk.err")"
    return
  fi
  t=$(tail -n1 "$OUT/wrk.time")
  c1=$(cpu_ns_of "$SPID")
  if ! stop_server; then net_fail $wl "$lib" "server died: $(head -3 "$OUT/server.err")"; return; fi
  read -r real user sys <<<"$t"
  if grep -q -e 'Socket errors' -e 'Non-2xx' "$OUT/wrk.out"; then
    net_fail $wl "$lib" "wrk: $(grep -e 'Socket errors' -e 'Non-2xx' "$OUT/wrk.out" | tr '\n' ' ')"
    return
  fi
  reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$OUT/wrk.out")
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$OUT/wrk.out")
  if [ -z "$reqs" ] || [ -z "$rps" ] || [ "$reqs" -eq 0 ]; then
    net_fail $wl "$lib" "no result from wrk: $(tr '\n' ' ' <"$OUT/wrk.out")"
    return
  fi
  local line
  line=$(awk -v r="$rps" -v n="$reqs" -v c0="$c0" -v c1="$c1" -v real="$real" -v u="$user" -v s="$sys" \
    -v d="$NET_SECS" 'BEGIN { printf "req_per_s=%.0f reqs=%d server_ns_per_req=%.0f server_cpu_pct=%.0f load_cpu_pct=%.0f",
      r, n, (c1 - c0) / n, (c1 - c0) / 1e7 / real, 100 * (u + s) / real }')
  echo "$wl lib=$lib conns=64 $line" >>"$RAW"
  note "  $wl $lib: $line"
  keep $wl ns_per_rt "$lib" "$(field "$line" server_ns_per_req)" lo
  keep $wl rt_per_s "$lib" "$(field "$line" req_per_s)" hi &&
    BEST[$wl.cpu.$lib]="$(field "$line" server_cpu_pct)/$(field "$line" load_cpu_pct)" &&
    BEST[$wl.scpu.$lib]=$(field "$line" server_cpu_pct)
}

if [ ${#RUN_LIBS[@]} -gt 0 ]; then
  note "network: ${RUN_LIBS[*]}; $NET_REPS runs of ${NET_SECS}s per workload"
  for rep in $(seq 1 "$NET_REPS"); do
    note "network run $rep of $NET_REPS"
    for lib in "${RUN_LIBS[@]}"; do run_echo echo64 "$lib" 64; done
    for lib in "${RUN_LIBS[@]}"; do run_echo echo16k "$lib" 16384; done
    for lib in "${RUN_LIBS[@]}"; do run_http "$lib"; done
  done
  # The machine is shared: a run during which other processes held the CPUs
  # shows the server well below a full core. Such cells get one more run.
  reruns=()
  for wl in echo64 echo16k http; do
    for lib in "${RUN_LIBS[@]}"; do
      cpu=${BEST[$wl.scpu.$lib]:-}
      [ -n "$cpu" ] && [ "$cpu" -lt "$NET_MIN_CPU" ] && reruns+=("$wl:$lib")
    done
  done
  if [ ${#reruns[@]} -gt 0 ]; then
    note "network: one more run for ${reruns[*]} (server below $NET_MIN_CPU% CPU in its best run)"
    NET_NOTES+=("one more run (machine busy, server below $NET_MIN_CPU% CPU in the best run) for: ${reruns[*]}")
    for r in "${reruns[@]}"; do
      wl=${r%%:*} lib=${r#*:}
      case $wl in
        echo64) run_echo echo64 "$lib" 64 ;;
        echo16k) run_echo echo16k "$lib" 16384 ;;
        http) run_http "$lib" ;;
      esac
    done
  fi
fi

# ---- 10,000 idle connections ---------------------------------------------------

hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=1048576
ulimit -Sn "$hard" 2>/dev/null
soft=$(ulimit -Sn)
IDLE_N=$IDLE_CONNS
if [ "$soft" -lt $((IDLE_CONNS + 64)) ]; then
  IDLE_N=$((soft - 64))
  NET_NOTES+=("idle: $IDLE_N connections, not $IDLE_CONNS: the open-files hard limit is $hard")
fi

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

run_idle() { # lib
  local wl=idle lib=$1 r0 r1 cpid i line
  if ! start_server "$lib" echo; then net_fail $wl "$lib" "$SERR"; return; fi
  r0=$(rss_kb "$SPID")
  bg_run 1 "$OUT/load.out" "$OUT/load.err" "$OUT/echo_load" idle "$SPORT" "$IDLE_N"
  cpid=$BG_PID
  for i in $(seq 1 1200); do
    grep -q '^ready' "$OUT/load.out" && break
    kill -0 "$cpid" 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q '^ready' "$OUT/load.out"; then
    kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; untrack "$cpid"
    stop_server
    net_fail $wl "$lib" "client: $(head -3 "$OUT/load.err") $(head -3 "$OUT/server.err")"
    return
  fi
  r1=$(rss_kb "$SPID")
  kill "$cpid"; wait "$cpid" 2>/dev/null; untrack "$cpid"
  if ! stop_server; then net_fail $wl "$lib" "server died: $(head -3 "$OUT/server.err")"; return; fi
  line=$(awk -v a="$r0" -v b="$r1" -v n="$IDLE_N" \
    'BEGIN { printf "conns=%d rss0_kb=%d rss1_kb=%d kib_per_conn=%.3f", n, a, b, (b - a) / n }')
  echo "$wl lib=$lib $line" >>"$RAW"
  note "  $wl $lib: $line"
  BEST[$wl.kib_per_conn.$lib]=$(field "$line" kib_per_conn)
  BEST[$wl.rss1_kb.$lib]=$r1
}

note "idle: $IDLE_N connections"
for lib in "${RUN_LIBS[@]}"; do run_idle "$lib"; done

# ---- instructions per round trip (callgrind) -----------------------------------

# The server runs under callgrind until its connections close, once for N
# and once for 2N round trips of 64 bytes; (I(2N) - I(N)) / N is what one
# round trip costs the server in user space. With 1 connection every round
# trip is a wake-up (epoll_wait, read, write); with 64 the events come in
# batches (the server under callgrind is the slow side), so it is the cost of
# one read + write with epoll_wait shared.
net_instr() { # lib conns n -> instructions; 1 if it failed
  local lib=$1 conns=$2 n=$3
  if ! start_server "$lib" echo "$conns" -- valgrind --tool=callgrind --callgrind-out-file=/dev/null; then
    echo "$SERR" >"$OUT/cg.err"
    return 1
  fi
  if ! fg_run 1 "$OUT/load.out" "$OUT/load.err" "$OUT/echo_load" count "$SPORT" "$conns" 64 "$n"; then
    stop_server
    head -3 "$OUT/load.err" >"$OUT/cg.err"
    return 1
  fi
  if ! wait_exit "$SPID" 60; then
    echo "server did not exit after its connections closed: $(grep -v '^==' "$OUT/server.err" | head -3)" >"$OUT/cg.err"
    return 1
  fi
  # net_ruv-before prints lib=ruv, as net_ruv
  if ! grep -q "^served lib=${lib%-before} conns=$conns bytes_in=$((64 * n)) bytes_out=$((64 * n)) " "$OUT/server.out"; then
    echo "server counted: $(grep served "$OUT/server.out")" >"$OUT/cg.err"
    return 1
  fi
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$OUT/server.err"
}

if [ "$CG_NET_N" -gt 0 ] && command -v valgrind >/dev/null; then
  for conns in 1 64; do
    n=$((CG_NET_N * (conns == 1 ? 1 : 3) / conns * conns)) # 64: 3x, a multiple of 64
    wl=instr$conns
    note "callgrind: echo servers, $conns connection(s), N=$n and $((2 * n)) round trips"
    for lib in "${RUN_LIBS[@]}"; do
      if ! i1=$(net_instr "$lib" "$conns" "$n") || ! i2=$(net_instr "$lib" "$conns" $((2 * n))) ||
         [ -z "$i1" ] || [ -z "$i2" ]; then
        net_fail $wl "$lib" "under callgrind: $(cat "$OUT/cg.err")"
        continue
      fi
      BEST[$wl.per_rt.$lib]=$(awk -v a="$i1" -v b="$i2" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')
      note "  $lib: $i1 instructions for N, $i2 for 2N: ${BEST[$wl.per_rt.$lib]} per round trip"
      echo "callgrind echo lib=$lib conns=$conns size=64 n=$n instr=$i1 n2=$((2 * n)) instr2=$i2 instr_per_rt=${BEST[$wl.per_rt.$lib]}" >>"$RAW"
    done
  done
else
  NET_NOTES+=("callgrind: skipped")
fi

net_cleanup

# ---- table -------------------------------------------------------------------

NET_ROWS=(
  "echo64  rt_per_s     echo_64B_x64  round_trips/s(higher=better) 1"
  "echo64  ns_per_rt    echo_64B_x64  server_ns/round_trip         1"
  "echo16k rt_per_s     echo_16KiB_x64 round_trips/s(higher=better) 1"
  "echo16k ns_per_rt    echo_16KiB_x64 server_ns/round_trip        1"
  "http    rt_per_s     http_hello_x64 requests/s(higher=better)   1"
  "http    ns_per_rt    http_hello_x64 server_ns/request           1"
  "idle    kib_per_conn idle_${IDLE_N}   KiB/connection(RSS)          1"
  "idle    rss1_kb      idle_${IDLE_N}   server_RSS_MB(all_open)      1024"
  "instr1  per_rt       echo_64B_x1   instr/round_trip(callgrind)  1"
  "instr64 per_rt       echo_64B_x64  instr/round_trip(callgrind)  1"
)

echo
echo "network: 127.0.0.1, server on CPU 0, load (echo_load, wrk -t1) on CPU 1; best of $NET_REPS runs"
echo "of ${NET_SECS}s (after ${NET_WARMUP}s warm-up) per throughput cell; server_ns = server CPU time (user+kernel)"
if [ "$CG_NET_N" -gt 0 ]; then
  echo "per round trip; instr = callgrind, server user space, (I(2N)-I(N))/N with N=$CG_NET_N (x1), $((CG_NET_N * 3 / 64 * 64)) (x64)"
else
  echo "per round trip"
fi
echo
if [ -n "${RUV_LIB_BEFORE:-}" ]; then
  nfmt='%-15s %-29s %9s %9s %9s %9s %10s %10s %14s %12s %12s\n'
  # shellcheck disable=SC2059
  printf "$nfmt" workload metric libuv libev epoll ruv ruv-before ruv/libuv ruv/ruv-before libev/libuv epoll/libuv
  # shellcheck disable=SC2059
  printf "$nfmt" --------------- ----------------------------- --------- --------- --------- --------- ---------- \
    ---------- -------------- ------------ ------------
else
  nfmt='%-15s %-29s %9s %9s %9s %9s %10s %12s %12s\n'
  # shellcheck disable=SC2059
  printf "$nfmt" workload metric libuv libev epoll ruv ruv/libuv libev/libuv epoll/libuv
  # shellcheck disable=SC2059
  printf "$nfmt" --------------- ----------------------------- --------- --------- --------- --------- ---------- ------------ ------------
fi
for row in "${NET_ROWS[@]}"; do
  read -r wl key wlabel label scale <<<"$row"
  vals=()
  for lib in "${NET_LIBS[@]}"; do
    if [ -n "${BEST[$wl.failed.$lib]:-}" ] && [ -z "${BEST[$wl.$key.$lib]:-}" ]; then
      vals+=(FAIL)
    else
      vals+=("${BEST[$wl.$key.$lib]:--}")
    fi
  done
  awk -v fmt="$nfmt" -v wl="$wlabel" -v label="$label" -v s="$scale" \
      -v uv="${vals[0]}" -v ev="${vals[1]}" -v ep="${vals[2]}" -v ruv="${vals[3]}" \
      -v rb="${vals[4]:-}" -v before="${RUV_LIB_BEFORE:+1}" '
    function num(x) { return x ~ /^-?[0-9.]+$/ }
    function show(x) {
      if (!num(x)) return x
      x = x / s
      if (x >= 1000) return sprintf("%.0f", x)
      if (x >= 100) return sprintf("%.1f", x)
      if (x >= 1) return sprintf("%.2f", x)
      return sprintf("%.3f", x)
    }
    function ratio(a, b) { return (num(a) && num(b) && b + 0 != 0) ? sprintf("%.2f", a / b) : "-" }
    BEGIN {
      if (before)
        printf fmt, wl, label, show(uv), show(ev), show(ep), show(ruv), show(rb),
               ratio(ruv, uv), ratio(ruv, rb), ratio(ev, uv), ratio(ep, uv)
      else
        printf fmt, wl, label, show(uv), show(ev), show(ep), show(ruv),
               ratio(ruv, uv), ratio(ev, uv), ratio(ep, uv)
    }'
done
echo
cpu_line=""
for wl in echo64 echo16k http; do
  cpu_line+="$wl"
  for lib in "${NET_LIBS[@]}"; do
    [ -n "${BEST[$wl.cpu.$lib]:-}" ] && cpu_line+=" $lib ${BEST[$wl.cpu.$lib]}"
  done
  cpu_line+="; "
done
echo "CPU % of one core, server/load, in the best run: ${cpu_line%; }"
[ -n "${RUV_LIB_BEFORE:-}" ] && echo "ruv-before: $RUV_LIB_BEFORE"
for n in "${NET_NOTES[@]}"; do echo "$n"; done
