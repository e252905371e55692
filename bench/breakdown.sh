#!/usr/bin/env bash
# breakdown.sh: where the servers' user-space instructions go, by function, for
# one echo round trip (64 B, 64 connections) and one HTTP keep-alive request,
# ruv next to libuv and libev (and, with RUV_LIB_BEFORE, a second ruv). See
# bench/README.md, "Where the instructions go".
#
# Each server (net_uv.c for libuv and ruv, net_ev.c for libev, built -O2 -g)
# runs under valgrind --tool=callgrind, once for N and once for 2N round trips
# (echo: echo_load count; http: wrk -t1 -c64, stopped by a Lua script after N
# responses); the server exits once its 64 connections have closed. As in
# net.sh, (I(2N) - I(N)) / (R(2N) - R(N)) is the cost of one round trip, with
# process start-up, accepts, closes and teardown cancelled out; here it is done
# per function, on callgrind_annotate --inclusive=no (self cost) of both runs.
# R is the server's own count (bytes it echoed / 64; HTTP responses it sent).
#
# Environment:
#   RUV_LIB          ruv static library (default: target/release/libruv.a of
#                    this tree; built with cargo build --release if missing)
#   RUV_LIB_BEFORE   optional second ruv library, shown as an extra column
#   RUV_LABEL, RUV_LABEL_BEFORE   column names (default ruv, ruv-before)
#   ECHO_N           echo round trips N (a multiple of 64; default 32000)
#   HTTP_N           HTTP requests N (default 20000)
#   TOP              functions shown per library and workload (default 20)
#   WORKLOADS        default "echo http"
#   CC, CFLAGS       default cc, -O2 (-g is always added)
#   RUN_TIMEOUT      seconds any one run may take (default 60)
#   BUDGET           seconds all the callgrind runs together may take (default
#                    150; about 20-70 s on the 2-core machine): a run that
#                    would start after it fails, so the script ends in time
#
# Prints markdown on stdout (also saved as bench/out/breakdown/breakdown.md);
# progress on stderr; the callgrind files, callgrind_annotate outputs and the
# per-round-trip tables under bench/out/breakdown/. Exits 1 if any run failed
# (its column then says FAIL).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=$BENCH/out/breakdown
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2}
ECHO_N=${ECHO_N:-32000}
HTTP_N=${HTTP_N:-20000}
TOP=${TOP:-20}
WORKLOADS=${WORKLOADS:-echo http}
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
BUDGET=${BUDGET:-150}
RUV_LIB=${RUV_LIB:-$ROOT/target/release/libruv.a}
RUV_LIB_BEFORE=${RUV_LIB_BEFORE:-}
RUV_LABEL=${RUV_LABEL:-ruv}
RUV_LABEL_BEFORE=${RUV_LABEL_BEFORE:-ruv-before}
HTTP_RESPONSE_LEN=78 # net_common.h's HTTP_RESPONSE; checked: bytes_out must be a multiple
CONNS=64

note() { echo "$*" >&2; }
die() { note "breakdown.sh: $*"; exit 1; }

[ $((ECHO_N % CONNS)) = 0 ] || die "ECHO_N must be a multiple of $CONNS"
for t in valgrind callgrind_annotate wrk taskset timeout; do
  command -v "$t" >/dev/null || die "$t is not installed"
done
mkdir -p "$OUT"

# ---- processes: everything started in the background is killed at exit --------

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- build ---------------------------------------------------------------------

if [ "$RUV_LIB" = "$ROOT/target/release/libruv.a" ] && [ ! -f "$RUV_LIB" ]; then
  note "building $RUV_LIB (cargo build --release)"
  (cd "$ROOT" && cargo build --release) >&2
fi
static_or() { # static archive, fallback -l flag (as run.sh)
  local p
  p=$($CC -print-file-name="$1")
  if [ -f "$p" ]; then echo "$p"; else echo "$2"; fi
}
UV_LIB=$(static_or libuv_a.a -luv)
EV_LIB=$(static_or libev.a -lev)

NOTES=()
FAILED=0
declare -A STATUS # STATUS[lib] = "" or why the column is empty

build() { # lib output args...
  local lib=$1
  shift
  note "$CC $CFLAGS -g $*"
  # shellcheck disable=SC2086
  if ! $CC $CFLAGS -g "$@" 2>"$OUT/build.$lib.txt"; then
    cat "$OUT/build.$lib.txt" >&2
    STATUS[$lib]="did not build (see bench/out/breakdown/build.$lib.txt)"
    NOTES+=("$lib: ${STATUS[$lib]}")
    FAILED=1
  fi
}

LIBS=()
add_ruv() { # label lib
  [ -f "$2" ] || die "$2 does not exist"
  LIBS+=("$1")
  STATUS[$1]=""
  # One source for every ruv: net_uv.c through this tree's libuv compat
  # header (the struct layouts and signatures are the same in every ruv).
  build "$1" -I"$ROOT/include/uv-compat" -o "$OUT/net_$1" "$BENCH/net_uv.c" "$2" -lpthread -ldl -lm
  NOTES+=("$1: $2")
}
[ "$RUV_LABEL" != "$RUV_LABEL_BEFORE" ] || die "RUV_LABEL and RUV_LABEL_BEFORE must differ"
if [ -n "$RUV_LIB_BEFORE" ]; then
  add_ruv "$RUV_LABEL_BEFORE" "$RUV_LIB_BEFORE"
fi
add_ruv "$RUV_LABEL" "$RUV_LIB"
LIBS+=(libuv libev)
STATUS[libuv]="" STATUS[libev]=""
build libuv -o "$OUT/net_libuv" "$BENCH/net_uv.c" "$UV_LIB" -lpthread -ldl
build libev -o "$OUT/net_libev" "$BENCH/net_ev.c" "$EV_LIB" -lm
build echo_load -o "$OUT/echo_load" "$BENCH/echo_load.c"
[ -z "${STATUS[echo_load]:-}" ] || die "echo_load did not build"

# wrk stops (exits) after WRK_REQS responses: a fixed amount of work, not a duration.
cat >"$OUT/stop.lua" <<'EOF'
local n, limit = 0, tonumber(os.getenv("WRK_REQS"))
function response(status, headers, body)
  if status ~= 200 then io.stderr:write("status " .. status .. "\n"); os.exit(1) end
  n = n + 1
  if n >= limit then os.exit(0) end
end
EOF

# ---- one run under callgrind -------------------------------------------------------

# run_one WL LIB N: runs the server under callgrind for N round trips (echo) or
# requests (http); writes $OUT/cg.WL.LIB.N.out and sets RT to the round trips
# the server counted. Returns 1 (reason in ERR) if anything went wrong.
run_one() {
  local wl=$1 lib=$2 n=$3 tag=$1.$2.$3 sp port i line bin bout rc=0
  local cg=$OUT/cg.$tag.out srv=$OUT/server.$tag load=$OUT/load.$tag
  local left=$((BUDGET - (SECONDS - t0))) tmo=$RUN_TIMEOUT
  if [ "$left" -lt 5 ]; then
    ERR="time budget spent (BUDGET=$BUDGET s)"
    return 1
  fi
  [ "$left" -lt "$tmo" ] && tmo=$left
  rm -f "$cg"
  : >"$srv.out"
  timeout -k 5 "$tmo" taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$cg" \
    "$OUT/net_$lib" "$wl" "$CONNS" >"$srv.out" 2>"$srv.err" &
  sp=$!
  PIDS+=("$sp")
  port=
  for i in $(seq 1 200); do
    port=$(sed -n 's/^port=//p' "$srv.out")
    [ -n "$port" ] && break
    kill -0 "$sp" 2>/dev/null || break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    ERR="server did not start: $(grep -v '^==' "$srv.err" | head -3)"
    kill "$sp" 2>/dev/null || true
    wait "$sp" 2>/dev/null || true
    return 1
  fi
  if [ "$wl" = echo ]; then
    timeout -k 5 "$tmo" taskset -c 1 "$OUT/echo_load" count "$port" "$CONNS" 64 "$n" \
      >"$load.out" 2>&1 || rc=$?
  else
    WRK_REQS=$n timeout -k 5 "$tmo" taskset -c 1 wrk -t1 -c"$CONNS" -d"$((tmo + 5))s" \
      -s "$OUT/stop.lua" "http://127.0.0.1:$port/" >"$load.out" 2>&1 || rc=$?
    # wrk prints its statistics only if it ran to the end of -d: the Lua
    # script's os.exit did not happen
    grep -q 'requests in' "$load.out" && rc=1
  fi
  if [ "$rc" != 0 ]; then
    ERR="load failed ($rc): $(head -3 "$load.out" | tr '\n' ' ')"
    kill "$sp" 2>/dev/null || true
    wait "$sp" 2>/dev/null || true
    return 1
  fi
  rc=0
  wait "$sp" || rc=$?
  if [ "$rc" != 0 ] || [ ! -s "$cg" ]; then
    ERR="server exited with $rc: $(grep -v '^==' "$srv.err" | head -3 | tr '\n' ' ')"
    return 1
  fi
  line=$(grep '^served ' "$srv.out" || true)
  bin=$(sed -n 's/.* bytes_in=\([0-9]*\).*/\1/p' <<<"$line")
  bout=$(sed -n 's/.* bytes_out=\([0-9]*\).*/\1/p' <<<"$line")
  if [ -z "$bout" ] || ! grep -q ' bad_requests=0$' <<<"$line"; then
    ERR="server counted: $line"
    return 1
  fi
  if [ "$wl" = echo ]; then
    if [ "$bin" != $((64 * n)) ] || [ "$bout" != $((64 * n)) ]; then
      ERR="server counted $bin bytes in, $bout out, not $((64 * n))"
      return 1
    fi
    RT=$n
  else
    RT=$((bout / HTTP_RESPONSE_LEN))
    if [ $((bout % HTTP_RESPONSE_LEN)) != 0 ] || [ "$RT" -lt "$n" ]; then
      ERR="server sent $bout bytes: not a whole number >= $n of responses"
      return 1
    fi
  fi
  (cd "$OUT" && callgrind_annotate --inclusive=no --threshold=100 --auto=no "$cg") >"$OUT/annotate.$tag.txt"
  # From the raw file: each function's object, and how often each is called.
  awk '
    function name(kind, s,   id) {
      id = s; sub(/\).*/, "", id); sub(/^\(/, "", id)
      if (s ~ /^\([0-9]+\) /) { sub(/^\([0-9]+\) /, "", s); tab[kind, id] = s }
      else if (s !~ /^\(/) return s
      return tab[kind, id]
    }
    /^ob=/  { ob = name("ob", substr($0, 4)); next }
    /^cob=/ { name("ob", substr($0, 5)); next }
    /^fn=/  { f = name("fn", substr($0, 4)); obj[f] = ob; next }
    /^cfn=/ { callee = name("fn", substr($0, 5)); next }
    /^calls=/ { split(substr($0, 7), a, " "); calls[callee] += a[1] }
    END {
      for (f in obj) printf "obj\t%s\t%s\n", f, obj[f]
      for (f in calls) printf "calls\t%s\t%d\n", f, calls[f]
    }' "$cg" >"$OUT/meta.$tag.txt"
  return 0
}

# ---- per round trip, by function ------------------------------------------------------

# perrt WL LIB N1 R1 N2 R2 -> $OUT/perrt.WL.LIB.tsv:
#   fn <TAB> group <TAB> instr per round trip <TAB> function <TAB> file <TAB> calls per round trip
#   total <TAB> instr per round trip
# group: lib (the event-loop library, including Rust std/core and crates
# inlined into it), app (the benchmark server's own code: bench/net_*.c),
# libc (libc, ld.so: everything outside the binary but syscall wrappers),
# sys (libc's syscall wrappers: read, write, send, epoll_wait, ...).
perrt() {
  local wl=$1 lib=$2 n1=$3 r1=$4 n2=$5 r2=$6
  local a1=$OUT/annotate.$wl.$lib.$n1.txt a2=$OUT/annotate.$wl.$lib.$n2.txt
  local m1=$OUT/meta.$wl.$lib.$n1.txt m2=$OUT/meta.$wl.$lib.$n2.txt
  awk -v r1="$r1" -v r2="$r2" -v m1="$m1" -v a1="$a1" '
    function shortfn(s,   out, pre) { # drop lowercase module paths: ruv::stream::<impl ruv::x::Y>::f -> <impl Y>::f
      out = ""
      while (match(s, /(^|[<( ,&*\[])[a-z_][a-z0-9_]*::/)) {
        pre = substr(s, RSTART, 1)
        out = out substr(s, 1, RSTART - 1) (pre ~ /[<( ,&*\[]/ ? pre : "")
        s = substr(s, RSTART + RLENGTH)
      }
      s = out s
      return length(s) > 70 ? substr(s, 1, 69) "…" : s
    }
    function shortfile(f,   p, c) {
      if (f == "???" || f == "") return ""
      if (match(f, /\/library\/[a-z_]+\/src\//)) { # Rust std: core/slice/index.rs
        p = substr(f, RSTART + 9); sub(/\/src\//, "/", p); return p
      }
      if (match(f, /\/registry\/src\/[^\/]+\/[^\/]+\//)) { # crate: mio/epoll.rs
        c = substr(f, RSTART, RLENGTH); sub(/\/$/, "", c); sub(/.*\//, "", c); sub(/-[0-9][0-9.]*$/, "", c)
        p = f; sub(/.*\//, "", p); return c "/" p
      }
      if (f ~ /^\// && match(f, /\/src\//)) return substr(f, RSTART + 1)  # ruv: src/stream.rs
      p = f; sub(/.*\//, "", p); return p
    }
    function sysname(f) {
      sub(/@.*/, "", f); sub(/^__libc_/, "", f); sub(/^__GI_/, "", f); sub(/^__/, "", f); return f
    }
    function group(obj, file, fn) {
      if (obj == "" && file ~ /^\.\//) obj = "libc" # glibc build paths
      if (obj ~ /\/libc[.-]|^libc$/ && sysname(fn) ~ SYS) return "sys"
      if (obj != "" && obj !~ /\/net_[^\/]*$/) return "libc" # also ld.so, PLT stubs (object ???)
      if (file ~ /\/bench\/[^\/]*$/) return "app"
      return "lib"
    }
    BEGIN {
      SYS = "^(read|write|readv|writev|pread64|pwrite64|send|sendto|sendmsg|sendmmsg|recv|recvfrom|" \
            "recvmsg|accept|accept4|close|close_nocancel|epoll_wait|epoll_pwait|epoll_pwait2|" \
            "epoll_ctl|ioctl|fcntl|fcntl64|setsockopt|getsockopt|shutdown|poll|ppoll|" \
            "eventfd_read|eventfd_write|syscall|syscall_cancel|internal_syscall_cancel)$"
    }
    FILENAME ~ /meta\./ {
      split($0, m, "\t")
      if (m[1] == "obj") objof[m[2]] = m[3]
      else if (m[1] == "calls") ncalls[m[2]] += (FILENAME == m1 ? -1 : 1) * m[3]
      next
    }
    {
      sign = FILENAME == a1 ? -1 : 1
      if (!match($0, /^ *[0-9,]+ +\( *[0-9.]+%\)  /)) next
      ir = substr($0, RSTART, RLENGTH); sub(/\(.*/, "", ir); gsub(/[ ,]/, "", ir)
      rest = substr($0, RSTART + RLENGTH)
      if (rest == "PROGRAM TOTALS") { total += sign * ir; next }
      sub(/ \[(\/|\?\?\?)[^\]]*\]$/, "", rest) # the object
      i = index(rest, ":"); file = substr(rest, 1, i - 1); fn = substr(rest, i + 1)
      g = group(objof[fn], file, fn)
      key = g "\t" shortfn(fn) "\t" shortfile(file)
      cost[key] += sign * ir
      if (g == "sys") sysfn[key] = fn
    }
    END {
      d = r2 - r1
      for (k in cost) {
        v = cost[k] / d
        if (v < 0.005 && v > -0.005) continue
        split(k, p, "\t")
        c = (k in sysfn) ? sprintf("%.3f", ncalls[sysfn[k]] / d) : ""
        printf "fn\t%s\t%.3f\t%s\t%s\t%s\n", p[1], v, p[2], p[3], c
      }
      printf "total\t%.3f\n", total / d
    }' "$m1" "$m2" "$a1" "$a2" | sort -t"$(printf '\t')" -k1,1r -k3,3gr >"$OUT/perrt.$wl.$lib.tsv"
}

# ---- run everything -----------------------------------------------------------------

declare -A NPAIR # NPAIR[wl.lib] = "N1 R1 N2 R2"
t0=$SECONDS
for wl in $WORKLOADS; do
  case $wl in
    echo) n=$ECHO_N ;;
    http) n=$HTTP_N ;;
    *) die "unknown workload $wl (echo, http)" ;;
  esac
  for lib in "${LIBS[@]}"; do
    [ -z "${STATUS[$lib]}" ] || continue
    note "callgrind: $wl $lib, N=$n and $((2 * n)) (at $((SECONDS - t0)) s)"
    ERR=
    if run_one "$wl" "$lib" "$n" && r1=$RT && run_one "$wl" "$lib" $((2 * n)) && r2=$RT; then
      perrt "$wl" "$lib" "$n" "$r1" $((2 * n)) "$r2"
      NPAIR[$wl.$lib]="$n $r1 $((2 * n)) $r2"
      note "  $(awk -F'\t' '$1 == "total" { printf "%.1f instructions per round trip", $2 }' \
        "$OUT/perrt.$wl.$lib.tsv") (round trips $r1, $r2)"
    else
      note "  FAILED: $ERR"
      NOTES+=("$wl $lib: FAILED: $ERR")
      FAILED=1
      rm -f "$OUT/perrt.$wl.$lib.tsv"
    fi
  done
done
note "callgrind runs took $((SECONDS - t0)) s"

# ---- markdown -----------------------------------------------------------------------

# table WL TITLE: the per-function table and the summary of one workload.
table() {
  local wl=$1 title=$2 files=() lib
  for lib in "${LIBS[@]}"; do files+=("$OUT/perrt.$wl.$lib.tsv"); done
  echo "### $title"
  echo
  awk -F'\t' -v top="$TOP" -v libs="${LIBS[*]}" -v files="${files[*]}" '
    function cell(s) { gsub(/\|/, "\\|", s); return s }
    function f1(x) { return sprintf("%.1f", x) }
    BEGIN {
      nl = split(libs, L, " "); split(files, F, " ")
      G[1] = "lib"; G[2] = "app"; G[3] = "libc"; G[4] = "sys"
      GN["lib"] = "library code"; GN["app"] = "bench server code (net_*.c)"
      GN["libc"] = "libc (no syscalls)"; GN["sys"] = "syscall wrappers (libc)"
      for (j = 1; j <= nl; j++) {
        ok[j] = 0; n = 0
        while ((getline line < F[j]) > 0) {
          split(line, a, "\t")
          if (a[1] == "total") { tot[j] = a[2]; ok[j] = 1; continue }
          sub_[j, a[2]] += a[3]
          # the top N by instructions (and every syscall wrapper), shown by group
          if (a[3] < 0.05 || (a[2] != "sys" && ++n > top)) continue
          k = ++cnt[j, a[2]]
          nm = "`" a[4] "`" (a[5] != "" ? " " a[5] : "") (a[6] != "" ? " (" a[6] " calls)" : "")
          row[j, a[2], k] = cell(nm); val[j, a[2], k] = a[3]
        }
        close(F[j])
      }
      # summary
      printf "| instructions per round trip |"
      for (j = 1; j <= nl; j++) printf " %s |", L[j]
      printf "\n|---|"
      for (j = 1; j <= nl; j++) printf "---:|"
      printf "\n"
      printf "| **total** |"
      for (j = 1; j <= nl; j++) printf " %s |", ok[j] ? "**" f1(tot[j]) "**" : "FAIL"
      printf "\n"
      for (g = 1; g <= 4; g++) {
        printf "| %s |", GN[G[g]]
        for (j = 1; j <= nl; j++)
          printf " %s |", ok[j] ? sprintf("%s (%.0f%%)", f1(sub_[j, G[g]]), tot[j] ? 100 * sub_[j, G[g]] / tot[j] : 0) : "-"
        printf "\n"
      }
      printf "\n"
      # by function
      printf "| top %d by self instructions, + syscall wrappers |", top
      for (j = 1; j <= nl; j++) printf " %s | instr |", L[j]
      printf "\n|---|"
      for (j = 1; j <= nl; j++) printf "---|---:|"
      printf "\n"
      for (g = 1; g <= 4; g++) {
        rows = 0
        for (j = 1; j <= nl; j++) if (cnt[j, G[g]] > rows) rows = cnt[j, G[g]]
        printf "| **%s** |", GN[G[g]]
        for (j = 1; j <= nl; j++) printf " | %s |", ok[j] ? "**" f1(sub_[j, G[g]]) "**" : "-"
        printf "\n"
        for (k = 1; k <= rows; k++) {
          printf "| |"
          for (j = 1; j <= nl; j++)
            printf " %s | %s |", (k <= cnt[j, G[g]]) ? row[j, G[g], k] : "", (k <= cnt[j, G[g]]) ? f1(val[j, G[g], k]) : ""
          printf "\n"
        }
      }
    }'
  echo
  for lib in "${LIBS[@]}"; do
    [ -f "$OUT/perrt.$wl.$lib.tsv" ] || continue
    awk -F'\t' -v lib="$lib" -v np="${NPAIR[$wl.$lib]}" '
      $1 == "total" { tot = $2 }
      $1 == "fn" { s[$2] += $3; if ($6 != "" && $6 + 0 >= 0.001) sc = sc sprintf(" %s %.3f,", $4, $6) }
      END {
        split(np, n, " ")
        sub(/,$/, "", sc)
        printf "- **%s**: %.1f instructions per round trip: library %.1f (%.0f%%), syscall wrappers %.1f (%.0f%%), libc %.1f (%.0f%%), bench code %.1f (%.0f%%). Syscalls per round trip:%s. (N=%d/%d: %d/%d round trips.)\n",
          lib, tot, s["lib"], 100 * s["lib"] / tot, s["sys"], 100 * s["sys"] / tot,
          s["libc"], 100 * s["libc"] / tot, s["app"], 100 * s["app"] / tot, sc, n[1], n[3], n[2], n[4]
      }' "$OUT/perrt.$wl.$lib.tsv"
  done
  echo
}

{
  echo "## Callgrind breakdown by function: instructions per round trip"
  echo
  echo "Server user-space instructions only (the kernel is not counted), self cost per function"
  echo "(\`callgrind_annotate --inclusive=no\`), (I(2N) - I(N)) / (R(2N) - R(N)). A function is"
  echo "split by the source file its inlined code came from (\`LoopInner::run src/stream.rs\`"
  echo "is the part of \`LoopInner::run\` that came from stream.rs). Syscall wrappers: libc's"
  echo "\`read\`, \`write\`, \`send\`, \`epoll_wait\`, ... (their call counts in parentheses)."
  echo
  for wl in $WORKLOADS; do
    case $wl in
      echo) table echo "echo: one 64-byte round trip, $CONNS connections (echo_load count)" ;;
      http) table http "http: one keep-alive request, $CONNS connections (wrk -t1 -c$CONNS)" ;;
    esac
  done
  for n in "${NOTES[@]}"; do echo "- $n"; done
} | tee "$OUT/breakdown.md"

exit "$FAILED"
