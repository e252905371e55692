#!/usr/bin/env bash
# End-to-end checks of the examples in examples-c/: the network ones
# (echo-server, http-server, tcp-client) and the file ones (cat, cp,
# file-server, watch). Builds nothing: give it the directory holding the
# built binaries, then any other echo servers to put through the echo-server
# checks (make test gives target/compat/echo-server-uv, examples-c/echo-server.c in libuv's names, built
# against ruv through include/uv-compat/uv.h and, where libuv is installed,
# against libuv).
#
# usage: tests/examples.sh [dir [echo-server-binary...]]   (default: target/examples-c)
#
# Starts the servers on free loopback ports, talks to them with tcp-client,
# curl (or python3 when curl is missing) and raw python3 sockets, then stops
# them; runs cat and cp on files in a temporary directory (EXAMPLES_LARGE=1
# adds a copy of a sparse file of more than 4 GiB, a few seconds more), and
# watch on a temporary directory while files come and go there. Every
# step runs under a timeout. The last line is "N passed, M failed";
# the exit status is non-zero if anything failed. Needs bash and python3.
set -u

BIN=${1:-target/examples-c}
shift $(($# > 0))
ECHO_SERVERS=("$BIN/echo-server" "$@")
T=${EXAMPLES_TIMEOUT:-10} # seconds allowed for most single steps (more under valgrind)

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  echo "ok   $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
  if [ -n "${2:-}" ]; then printf '%s\n' "$2" | head -n 20 | sed 's/^/     | /'; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

for b in "${ECHO_SERVERS[@]}" "$BIN/http-server" "$BIN/tcp-client" "$BIN/cat" "$BIN/cp" "$BIN/file-server" "$BIN/watch" \
  "$BIN/spawn" "$BIN/parallel"; do
  [ -x "$b" ] || fail "binary $b exists" "build the examples first (make examples)"
done
command -v python3 >/dev/null || fail "python3 available" "the checks need python3"
[ "$failed" -eq 0 ] || finish

TMP=$(mktemp -d)
SERVER_PIDS=()
cleanup() {
  for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nobody listens on right now (the kernel's pick; the race is accepted).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Raw-socket helpers: python3 $TMP/net.py MODE PORT [ARG]; prints "ok" or why not.
cat >"$TMP/net.py" <<'EOF'
import os, signal, socket, sys, time

mode, port = sys.argv[1], int(sys.argv[2])
BODY = b"Hello, World!"

def connect():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    return s

class Reader:
    """Reads HTTP responses (status line, headers, Content-Length body) off a socket."""
    def __init__(self, s):
        self.s, self.buf, self.eof = s, b"", False
    def fill(self):
        data = self.s.recv(65536)
        if not data:
            self.eof = True
            raise EOFError("connection closed")
        self.buf += data
    def response(self):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        n = int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self.fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body
    def closed(self):
        """True if the peer closes with nothing more sent."""
        try:
            self.fill()
        except EOFError:
            return self.buf == b""
        return False

def expect_hello(r, n, conn="keep-alive"):
    for i in range(n):
        status, headers, body = r.response()
        if status != 200 or body != BODY or headers.get("connection", "").lower() != conn:
            sys.exit("response %d: status %d, connection %r, body %r"
                     % (i + 1, status, headers.get("connection"), body))

GET = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
try:
    if mode == "wait":  # until the port accepts connections
        deadline = time.time() + float(sys.argv[3])
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    sys.exit("nothing accepts connections on port %d" % port)
                time.sleep(0.05)
    elif mode == "get":  # the fallback when curl is missing
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/")
        r = c.getresponse()
        print(r.status, r.read().decode())
        sys.exit(0)
    elif mode == "pipeline":  # two requests in one send, then a third on the same connection
        s = connect(); r = Reader(s)
        s.sendall(GET + GET)
        expect_hello(r, 2)
        s.sendall(GET)
        expect_hello(r, 1)
    elif mode == "many":  # more requests in one go than fit in the server's buffers
        n = int(sys.argv[3])
        s = connect(); r = Reader(s)
        s.sendall(GET * n)
        expect_hello(r, n)
    elif mode == "split":  # one request in pieces, each sent on its own
        s = connect(); r = Reader(s)
        for piece in (b"GET / HT", b"TP/1.1\r\nHost: 127.0.", b"0.1\r\n\r", b"\n"):
            s.sendall(piece)
            time.sleep(0.05)
        expect_hello(r, 1)
        s.sendall(GET[:5]); time.sleep(0.05); s.sendall(GET[5:] + GET)  # split + whole
        expect_hello(r, 2)
    elif mode == "body":  # a POST body is skipped, also when it arrives in parts
        s = connect(); r = Reader(s)
        body = GET  # a body that would be answered if it were taken for a request
        post = b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % len(body)
        s.sendall(post + body + GET)
        expect_hello(r, 2)
        s.sendall(post + body[:7]); time.sleep(0.05); s.sendall(body[7:] + GET)
        expect_hello(r, 2)
        s.sendall(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        expect_hello(r, 1, conn="close")  # not an answer to a body taken for a request
        if not r.closed():
            sys.exit("unexpected extra responses %r" % r.buf[:200])
    elif mode == "close":  # Connection: close gets its answer, then the connection ends
        s = connect(); r = Reader(s)
        s.sendall(GET + b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        expect_hello(r, 1)
        expect_hello(r, 1, conn="close")
        if not r.closed():
            sys.exit("connection still open after a Connection: close response")
    elif mode == "http10":  # HTTP/1.0 without keep-alive closes too
        s = connect(); r = Reader(s)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        expect_hello(r, 1, conn="close")
        if not r.closed():
            sys.exit("connection still open after an HTTP/1.0 response")
    elif mode == "halfclose":  # request, then shutdown(SHUT_WR): still answered
        s = connect(); r = Reader(s)
        s.sendall(GET + GET)
        s.shutdown(socket.SHUT_WR)
        expect_hello(r, 2)
        if not r.closed():
            sys.exit("connection not closed after the client's EOF")
    elif mode == "slowreader":  # EOF arrives while echoes are still queued in the server
        import threading
        n = int(sys.argv[3]) << 20
        data = os.urandom(n)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the echoes back up
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        def send():
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        sender = threading.Thread(target=send)
        sender.start()
        sender.join(3)  # start reading only after our EOF (unless the server paused)
        got = bytearray()
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            got += chunk
        sender.join()
        if bytes(got) != data:
            sys.exit("echoed %d of %d bytes%s" % (len(got), n, "" if len(got) < n else ", differing"))
    elif mode == "reset":  # clients that leave with answers unread must not kill the server
        kind = sys.argv[3]
        payload = os.urandom(3 << 20) if kind == "echo" else GET * 20000
        for _ in range(3):
            s = connect()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            try:
                s.sendall(payload)
            except OSError:
                pass  # the server may close first (http-server when its buffer fills)
            s.close()  # unread data: the kernel sends RST
            time.sleep(0.1)
        s = connect()  # still serving?
        if kind == "echo":
            s.sendall(b"ping")
            if s.recv(4) != b"ping":
                sys.exit("no echo after the resets")
        else:
            s.sendall(GET)
            expect_hello(Reader(s), 1)
    elif mode == "fetch":  # METHOD PATH OUT [slow]: one request, the path sent as given
        # (not normalised); the body goes to OUT; prints "STATUS LENGTH [LOCATION]"
        method, path, out = sys.argv[3], sys.argv[4], sys.argv[5]
        slow = len(sys.argv) > 6
        s = socket.socket()
        if slow:  # a small window: the server's sendfile fills the socket and has to wait
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        req = b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n" % (method.encode(), path.encode())
        s.sendall(req + (b"Content-Length: 5\r\n\r\nhello" if method == "POST" else b"\r\n"))
        if slow:
            time.sleep(0.5)
        data = bytearray()
        while True:  # Connection: close: the response ends where the connection does
            chunk = s.recv(1 << 20)
            if not chunk:
                break
            data += chunk
        head, sep, body = bytes(data).partition(b"\r\n\r\n")
        if not sep:
            sys.exit("no complete response: %r" % bytes(data[:200]))
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
        if headers.get("connection", "").lower() != "close":
            sys.exit("no Connection: close in %r" % head)
        if headers.get("content-length") != str(len(body)):
            sys.exit("Content-Length %s, but %d bytes came" % (headers.get("content-length"), len(body)))
        with open(out, "wb") as f:
            f.write(body)
        print(" ".join([lines[0].split()[1], str(len(body))] + ([headers["location"]] if "location" in headers else [])))
        sys.exit(0)
    elif mode == "unixecho":  # PORT PATH: 1 MiB through the Unix socket at PATH, echoed back exactly
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(sys.argv[3])
        data = os.urandom(1 << 20)
        s.sendall(data)  # the server queues up to 4 MiB of echoes before it stops reading
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        if got != data:
            sys.exit("echoed %d of %d bytes%s" % (len(got), len(data), "" if len(got) < len(data) else ", differing"))
    elif mode == "sigint":  # an idle client is connected when the server gets SIGINT
        s = connect()
        s.sendall(b"ping")
        got = b""
        while len(got) < 4:
            got += s.recv(4)
        os.kill(int(sys.argv[3]), signal.SIGINT)
        if s.recv(1) != b"":
            sys.exit("client connection not closed on SIGINT")
    else:
        sys.exit("unknown mode " + mode)
except (OSError, EOFError, ValueError, IndexError) as e:
    sys.exit("%s: %s" % (type(e).__name__, e))
print("ok")
EOF

net() { timeout 20 python3 "$TMP/net.py" "$@" 2>&1; }

# start BINARY PORT [ARG...]: runs BINARY PORT (or BINARY ARG..., when ARGs
# are given) in the background (bounded to 5 minutes) and waits until the
# port accepts connections; its output goes to $TMP/NAME.log (NAME: the
# binary's file name). Sets START_PID.
start() {
  local name why bin=$1 port=$2
  name=$(basename "$bin")
  shift 2
  [ $# -gt 0 ] || set -- "$port"
  timeout 300 "$bin" "$@" >"$TMP/$name.log" 2>&1 &
  START_PID=$!
  SERVER_PIDS+=("$START_PID")
  if why=$(net wait "$port" 5); then
    pass "$name starts and accepts connections on port $port"
  else
    fail "$name starts and accepts connections on port $port" "$why
$(cat "$TMP/$name.log")"
    return 1
  fi
}

# stops_on_sigint NAME PID: the server PID (started by start), just sent
# SIGINT, must exit with status 0 within 5 s. Call it directly, not in a
# $(...) subshell: only this shell can reap the server.
stops_on_sigint() {
  local rc
  for _ in $(seq 1 50); do
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$2" 2>/dev/null; then
    fail "$1 exits with status 0 after SIGINT" "still running 5 s after SIGINT"
  else
    wait "$2"
    rc=$?
    if [ $rc -eq 0 ]; then
      pass "$1 exits with status 0 after SIGINT"
    else
      fail "$1 exits with status 0 after SIGINT" "exit status $rc
$(cat "$TMP/$1.log")"
    fi
  fi
}

# check NAME COMMAND...: the command must succeed; its output is shown on failure.
check() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}

CLIENT="$BIN/tcp-client"
head -c 1048576 /dev/urandom >"$TMP/big.in"

# many_clients PORT: 20 tcp-clients at once, each sending its own data.
many_clients() {
  local i pids=() bad=0
  for i in $(seq 1 20); do
    head -c $((i * 7919)) "$TMP/big.in" >"$TMP/part$i.in"
    timeout $T "$CLIENT" "127.0.0.1:$1" <"$TMP/part$i.in" >"$TMP/part$i.out" &
    pids+=($!)
  done
  for i in $(seq 1 20); do
    wait "${pids[$((i - 1))]}" || { echo "client $i exited with $?"; bad=1; }
    cmp "$TMP/part$i.in" "$TMP/part$i.out" || bad=1
  done
  return $bad
}

# echo_checks BINARY: starts the echo server BINARY, talks to it with
# tcp-client and raw sockets, then stops it with SIGINT.
echo_checks() {
  local E EP ECHO_PID out rc
  E=$(basename "$1")
  EP=$(free_port)
  start "$1" "$EP" || return
  ECHO_PID=$START_PID

  out=$(timeout $T "$CLIENT" "127.0.0.1:$EP" "hello, ruv" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && [ "$out" = "hello, ruv" ]; then
    pass "$E: tcp-client message echoed back exactly"
  else
    fail "$E: tcp-client message echoed back exactly" "exit $rc, output: $out"
  fi

  if timeout $T "$CLIENT" "127.0.0.1:$EP" <"$TMP/big.in" >"$TMP/big.out" 2>"$TMP/big.err" &&
    cmp -s "$TMP/big.in" "$TMP/big.out"; then
    pass "$E: tcp-client 1 MiB from stdin echoed back exactly"
  else
    fail "$E: tcp-client 1 MiB from stdin echoed back exactly" \
      "got $(wc -c <"$TMP/big.out") bytes; $(cat "$TMP/big.err")"
  fi

  out=$(timeout $T "$CLIENT" "127.0.0.1:$EP" </dev/null 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && [ -z "$out" ]; then
    pass "$E: tcp-client with empty stdin gets nothing back and exits 0"
  else
    fail "$E: tcp-client with empty stdin gets nothing back and exits 0" "exit $rc, output: $out"
  fi

  check "$E finishes echoing 6 MiB after the client's EOF" net slowreader "$EP" 6
  check "$E survives clients that reset with echoes unread" net reset "$EP" echo
  check "$E: 20 concurrent tcp-clients each get their own data back" many_clients "$EP"

  # Stops cleanly on SIGINT (sent by net sigint).
  check "$E closes its clients on SIGINT" net sigint "$EP" "$ECHO_PID"
  stops_on_sigint "$E" "$ECHO_PID"
}

# unix_echo_checks BINARY: the echo server BINARY with a Unix socket too:
# data through it echoed back, the socket file gone after SIGINT.
unix_echo_checks() {
  local E EP SOCK
  E=$(basename "$1")
  EP=$(free_port)
  SOCK=$TMP/$E.sock
  start "$1" "$EP" "$EP" "$SOCK" || return
  if grep -qF "listening on $SOCK" "$TMP/$E.log" && [ -S "$SOCK" ]; then
    pass "$E listens on a Unix socket when given a path"
  else
    fail "$E listens on a Unix socket when given a path" "$(cat "$TMP/$E.log")"
  fi
  check "$E: 1 MiB through its Unix socket echoed back exactly" net unixecho "$EP" "$SOCK"
  kill -INT "$START_PID"
  stops_on_sigint "$E" "$START_PID"
  if [ ! -e "$SOCK" ]; then
    pass "$E removes its Unix socket when it stops"
  else
    fail "$E removes its Unix socket when it stops" "$SOCK is still there"
  fi
}

# --- echo-server, with tcp-client ------------------------------------------
echo_checks "$BIN/echo-server"
unix_echo_checks "$BIN/echo-server"

# --- tcp-client on its own --------------------------------------------------
RP=$(free_port)
out=$(timeout $T "$CLIENT" "127.0.0.1:$RP" "anyone?" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -qi "connection refused" <<<"$out"; then
  pass "tcp-client to a closed port fails with 'connection refused'"
else
  fail "tcp-client to a closed port fails with 'connection refused'" "exit $rc, output: $out"
fi

out=$(timeout $T "$CLIENT" "localhost:$RP" "x" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [ -n "$out" ]; then
  pass "tcp-client rejects a non-numeric host with a message"
else
  fail "tcp-client rejects a non-numeric host with a message" "exit $rc, output: $out"
fi

# --- http-server ------------------------------------------------------------
HP=$(free_port)
start "$BIN/http-server" "$HP" || finish
if grep -qF "Listening on http://127.0.0.1:$HP/" "$TMP/http-server.log"; then
  pass "http-server prints its URL"
else
  fail "http-server prints its URL" "$(cat "$TMP/http-server.log")"
fi

URL="http://127.0.0.1:$HP/"
if command -v curl >/dev/null; then
  out=$(timeout $T curl -sS --max-time 5 -o "$TMP/curl.body" -w '%{http_code}' "$URL" 2>&1)
  out="$out $(cat "$TMP/curl.body" 2>/dev/null)"
  how=curl
else
  out=$(net get "$HP")
  how=http.client
fi
if [ "$out" = "200 Hello, World!" ]; then
  pass "GET / with $how: 200 Hello, World!"
else
  fail "GET / with $how: 200 Hello, World!" "$out"
fi

check "two pipelined requests in one send get two responses" net pipeline "$HP"
check "a request split across sends is answered" net split "$HP"
check "a Content-Length body is skipped" net body "$HP"
check "1000 pipelined requests at once get 1000 responses" net many "$HP" 1000
check "http-server survives clients that reset with answers unread" net reset "$HP" http
check "Connection: close gets the response, then the connection closes" net close "$HP"
check "HTTP/1.0 without keep-alive gets the response, then a close" net http10 "$HP"
check "a client's half-close still gets its responses, then a close" net halfclose "$HP"

# --- cat ----------------------------------------------------------------------
F="$TMP/files"
mkdir -p "$F"
printf 'the first file\n' >"$F/one"
head -c 300000 /dev/urandom >"$F/two" # several 64 KiB reads
cat "$F/one" "$F/two" >"$F/one+two"

if timeout $T "$BIN/cat" "$F/one" "$F/two" >"$F/cat.out" 2>"$F/cat.err" &&
  cmp -s "$F/one+two" "$F/cat.out" && [ ! -s "$F/cat.err" ]; then
  pass "cat of two files prints their concatenation"
else
  fail "cat of two files prints their concatenation" \
    "got $(wc -c <"$F/cat.out") of $(wc -c <"$F/one+two") bytes; $(cat "$F/cat.err")"
fi

timeout $T "$BIN/cat" "$F/one" "$F/missing" "$F/two" >"$F/cat.out" 2>"$F/cat.err"
rc=$?
if [ $rc -eq 1 ] && [ "$(cat "$F/cat.err")" = "cat: $F/missing: no such file or directory" ] &&
  cmp -s "$F/one+two" "$F/cat.out"; then
  pass "cat of a missing file: the message, the other files, exit status 1"
else
  fail "cat of a missing file: the message, the other files, exit status 1" \
    "exit $rc, stderr: $(cat "$F/cat.err")"
fi

if timeout $T "$BIN/cat" <"$F/two" >"$F/cat.out" 2>"$F/cat.err" && cmp -s "$F/two" "$F/cat.out"; then
  pass "cat with no file copies stdin"
else
  fail "cat with no file copies stdin" "$(cat "$F/cat.err")"
fi

# --- cp -----------------------------------------------------------------------
head -c 20000000 /dev/urandom >"$F/src"
chmod 640 "$F/src"
out=$(timeout $T "$BIN/cp" "$F/src" "$F/dst" 2>&1)
rc=$?
if [ $rc -eq 0 ] && cmp -s "$F/src" "$F/dst" && [ "$(stat -c %a "$F/dst")" = 640 ] &&
  grep -q "^cp: copied 20000000 bytes in" <<<"$out"; then
  pass "cp of 20 MB: byte-identical, mode kept, summary printed"
else
  fail "cp of 20 MB: byte-identical, mode kept, summary printed" \
    "exit $rc, mode $(stat -c %a "$F/dst" 2>&1); $(cmp "$F/src" "$F/dst" 2>&1); $out"
fi

# The mode beyond the umask, and an existing destination (truncated, mode set).
: >"$F/empty"
chmod 777 "$F/empty"
out=$( (umask 077 && timeout $T "$BIN/cp" "$F/empty" "$F/dst") 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ -f "$F/dst" ] && [ ! -s "$F/dst" ] && [ "$(stat -c %a "$F/dst")" = 777 ]; then
  pass "cp of an empty file over a bigger one: empty, mode 777 despite umask 077"
else
  fail "cp of an empty file over a bigger one: empty, mode 777 despite umask 077" \
    "exit $rc, size $(stat -c %s "$F/dst" 2>&1), mode $(stat -c %a "$F/dst" 2>&1); $out"
fi

out=$(timeout $T "$BIN/cp" "$F/missing" "$F/dst2" 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$out" = "cp: cannot open '$F/missing': no such file or directory" ] &&
  [ ! -e "$F/dst2" ]; then
  pass "cp of a missing file: the message, exit status 1"
else
  fail "cp of a missing file: the message, exit status 1" "exit $rc, output: $out"
fi

if [ "${EXAMPLES_LARGE:-0}" = 1 ]; then
  # Sparse: 4 GiB + 1 MiB + 123 bytes, data at the start, across the 4 GiB
  # mark and at the end; cp skips the zero chunks, so this costs little disk.
  G=4294967296
  truncate -s $((G + 1048699)) "$F/large"
  head -c 1000 /dev/urandom | dd of="$F/large" conv=notrunc status=none
  head -c 3000 /dev/urandom | dd of="$F/large" conv=notrunc oflag=seek_bytes seek=$((G - 1500)) status=none
  head -c 100 /dev/urandom | dd of="$F/large" conv=notrunc oflag=seek_bytes seek=$((G + 1048599)) status=none
  out=$(timeout 120 "$BIN/cp" "$F/large" "$F/large.copy" 2>&1)
  rc=$?
  if [ $rc -eq 0 ] && [ "$(stat -c %s "$F/large.copy")" = $((G + 1048699)) ] &&
    cmp -s -n 1000 "$F/large" "$F/large.copy" &&
    cmp -s -i $((G - 2 * 1048576)) "$F/large" "$F/large.copy"; then
    pass "cp of a sparse file past 4 GiB: same size, same bytes at the start and past 4 GiB"
  else
    fail "cp of a sparse file past 4 GiB: same size, same bytes at the start and past 4 GiB" \
      "exit $rc; $(cmp -i $((G - 2 * 1048576)) "$F/large" "$F/large.copy" 2>&1); $(tail -n 3 <<<"$out")"
  fi
  rm -f "$F/large" "$F/large.copy"
fi
rm -f "$F/dst" "$F/src"

# --- file-server ----------------------------------------------------------------
W="$TMP/www"
mkdir -p "$W/sub dir"
head -c 20000000 /dev/urandom >"$W/big.bin" # more than the socket takes at once
printf '<p>hello</p>\n' >"$W/page.html"
printf 'inside\n' >"$W/sub dir/inner.txt"
printf 'secret\n' >"$TMP/secret" # next to the root, not in it
ln -s "$TMP" "$W/out"             # a link out of the root

# fetch NAME EXPECTED METHOD PATH [slow]: one request through net fetch; its
# "STATUS LENGTH [LOCATION]" line must be EXPECTED. The body is in $TMP/body.
fetch() {
  local name=$1 want=$2 out
  shift 2
  out=$(net fetch "$FP" "$1" "$2" "$TMP/body" "${@:3}")
  if [ "$out" = "$want" ]; then pass "$name"; else fail "$name" "want '$want', got: $out"; fi
}

FP=$(free_port)
if start "$BIN/file-server" "$FP" -p "$FP" "$W"; then
  FS_PID=$START_PID
  fetch "file-server: GET a file: 200 and its Content-Length" "200 13" GET /page.html
  check "file-server: ... and its content" cmp "$W/page.html" "$TMP/body"
  fetch "file-server: GET 20 MB: 200 and its Content-Length" "200 20000000" GET /big.bin
  check "file-server: ... and its content" cmp "$W/big.bin" "$TMP/body"
  fetch "file-server: GET 20 MB by a slow reader (sendfile waits for room)" "200 20000000" GET /big.bin slow
  check "file-server: ... and its content" cmp "$W/big.bin" "$TMP/body"
  fetch "file-server: a %XX-encoded path is decoded" "200 7" GET "/sub%20dir/inner%2Etxt?x=1"
  fetch "file-server: 404 for a missing file" "404 14" GET /missing.txt
  fetch "file-server: 403 for /../" "403 14" GET /../secret
  fetch "file-server: 403 for /sub%20dir/%2e%2e/%2E%2E/" "403 14" GET "/sub%20dir/%2e%2e/%2E%2E/secret"
  fetch "file-server: 403 for a symbolic link out of the root (realpath)" "403 14" GET /out/secret
  fetch "file-server: 405 for POST" "405 23" POST /page.html
  fetch "file-server: a directory without its / is redirected" "301 22 /sub%20dir/" GET /sub%20dir
  out=$(net fetch "$FP" GET "/sub%20dir/" "$TMP/body")
  if [ "${out%% *}" = 200 ] && grep -qF '<a href="inner.txt">inner.txt</a>' "$TMP/body"; then
    pass "file-server: a directory is listed, with a link to each entry"
  else
    fail "file-server: a directory is listed, with a link to each entry" "$out
$(cat "$TMP/body")"
  fi

  # Several downloads at once, each with its own sendfile chain.
  many_fetches() {
    local i pids=() bad=0
    for i in 1 2 3 4; do
      net fetch "$FP" GET /big.bin "$TMP/body$i" >"$TMP/fetch$i.out" &
      pids+=($!)
    done
    for i in 1 2 3 4; do
      wait "${pids[$((i - 1))]}" || { cat "$TMP/fetch$i.out"; bad=1; }
      cmp "$W/big.bin" "$TMP/body$i" || bad=1
      rm -f "$TMP/body$i"
    done
    return $bad
  }
  check "file-server: 4 concurrent GETs of 20 MB each get the whole file" many_fetches

  kill -INT "$FS_PID"
  stops_on_sigint file-server "$FS_PID"
fi
rm -rf "$W" "$F" "$TMP/body"

# --- watch --------------------------------------------------------------------
WD="$TMP/watched"
WF="$TMP/watched-file"
mkdir -p "$WD"
printf 'x\n' >"$WF"

# saw N LINE FILE: waits (at most $T s) until FILE has LINE, whole, N times.
saw() {
  local _
  for _ in $(seq 1 $((T * 20))); do
    [ "$(grep -cxF -- "$2" "$3")" -ge "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
# watch_event NAME N LINE: watch has printed LINE N times (on stdout).
watch_event() {
  if saw "$2" "$3" "$TMP/watch.out"; then
    pass "watch: $1"
  else
    fail "watch: $1" "no '$3' ($2 times) within $T s; stdout so far:
$(cat "$TMP/watch.out")"
  fi
}

timeout 300 "$BIN/watch" "$WD" "$WF" >"$TMP/watch.out" 2>"$TMP/watch.log" &
WATCH_PID=$!
SERVER_PIDS+=("$WATCH_PID")
if saw 1 "watch: watching 2 paths" "$TMP/watch.log"; then
  pass "watch starts on a directory and a file"
  : >"$WD/new"
  watch_event "creating a file: rename NAME" 1 "$WD: rename new"
  printf 'data' >>"$WD/new"
  watch_event "writing to it: change NAME" 1 "$WD: change new"
  mv "$WD/new" "$WD/renamed"
  watch_event "renaming it: rename OLD ..." 2 "$WD: rename new"
  watch_event "... and rename NEW" 1 "$WD: rename renamed"
  rm "$WD/renamed"
  watch_event "deleting it: rename NAME" 2 "$WD: rename renamed"
  printf 'more' >>"$WF"
  watch_event "writing to a watched file: change and the file's own name" 1 "$WF: change watched-file"
  want="$WD: rename new
$WD: change new
$WD: rename new
$WD: rename renamed
$WD: rename renamed
$WF: change watched-file"
  if [ "$(cat "$TMP/watch.out")" = "$want" ]; then
    pass "watch: those events in order, and nothing else"
  else
    fail "watch: those events in order, and nothing else" "$(diff <(echo "$want") "$TMP/watch.out")"
  fi
  kill -INT "$WATCH_PID"
  stops_on_sigint watch "$WATCH_PID"
else
  fail "watch starts on a directory and a file" "$(cat "$TMP/watch.log")"
fi

out=$(timeout $T "$BIN/watch" "$TMP/missing" 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$out" = "watch: $TMP/missing: no such file or directory" ]; then
  pass "watch of a missing path: the message, exit status 1"
else
  fail "watch of a missing path: the message, exit status 1" "exit $rc, output: $out"
fi

# A missing path among others is reported and skipped; the others are
# watched, and the exit status after SIGINT is 1.
timeout 300 "$BIN/watch" "$TMP/missing" "$WD" >"$TMP/watch.out" 2>"$TMP/watch.log" &
WATCH_PID=$!
SERVER_PIDS+=("$WATCH_PID")
if saw 1 "watch: watching 1 path" "$TMP/watch.log"; then
  : >"$WD/again"
  watch_event "with a missing path too: the others are watched" 1 "$WD: rename again"
  kill -INT "$WATCH_PID"
fi
for _ in $(seq 1 $((T * 20))); do
  kill -0 "$WATCH_PID" 2>/dev/null || break
  sleep 0.05
done
kill "$WATCH_PID" 2>/dev/null # still running: the check below fails
wait "$WATCH_PID"
rc=$?
if [ $rc -eq 1 ] && grep -qxF "watch: $TMP/missing: no such file or directory" "$TMP/watch.log"; then
  pass "watch with a missing path among others: the message, exit status 1 after SIGINT"
else
  fail "watch with a missing path among others: the message, exit status 1 after SIGINT" \
    "exit $rc, stderr: $(cat "$TMP/watch.log")"
fi
rm -rf "$WD" "$WF" "$TMP/watch.out" "$TMP/watch.log"

# --- spawn ------------------------------------------------------------------
out=$(timeout $T "$BIN/spawn" sh -c 'echo hi; echo oops >&2; printf "no newline"; exit 3' 2>&1)
rc=$?
if [ $rc -eq 3 ] && grep -qxF "out| hi" <<<"$out" && grep -qxF "err| oops" <<<"$out" &&
  grep -qxF "out| no newline" <<<"$out" && [ "$(tail -n 1 <<<"$out")" = "-- exited with status 3" ]; then
  pass "spawn: both streams prefixed line by line, then the exit status (exit 3)"
else
  fail "spawn: both streams prefixed line by line, then the exit status (exit 3)" "exit $rc, output: $out"
fi

out=$(timeout $T "$BIN/spawn" seq 1 20000 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c '^out| ' <<<"$out")" = 20000 ] && grep -qxF "out| 20000" <<<"$out" &&
  [ "$(tail -n 1 <<<"$out")" = "-- exited with status 0" ]; then
  pass "spawn: 20000 lines, none lost, the summary after the last"
else
  fail "spawn: 20000 lines, none lost, the summary after the last" "exit $rc, $(wc -l <<<"$out") lines"
fi

out=$(timeout $T "$BIN/spawn" sh -c 'kill -TERM $$' 2>&1)
rc=$?
if [ $rc -eq 143 ] && [ "$out" = "-- ended by signal 15" ]; then
  pass "spawn: a command ended by a signal (exit 128 + 15)"
else
  fail "spawn: a command ended by a signal (exit 128 + 15)" "exit $rc, output: $out"
fi

out=$(timeout $T "$BIN/spawn" no-such-command-ruv 2>&1)
rc=$?
if [ $rc -eq 127 ] && grep -qi "no such file" <<<"$out"; then
  pass "spawn: a missing command is reported (exit 127)"
else
  fail "spawn: a missing command is reported (exit 127)" "exit $rc, output: $out"
fi

# --- parallel ---------------------------------------------------------------
printf 'echo one\nfalse\nsh -c "exit 7"\necho two\nkill -KILL $$\n' >"$TMP/cmds"
out=$(timeout $T "$BIN/parallel" 2 <"$TMP/cmds" 2>/dev/null)
rc=$?
if [ $rc -eq 1 ] && grep -qxF "one" <<<"$out" && grep -qxF "two" <<<"$out" &&
  grep -qxF "5 commands, 3 failed" <<<"$out" && grep -qF "false: exit status 1" <<<"$out" &&
  grep -qF 'sh -c "exit 7": exit status 7' <<<"$out" && grep -qF "ended by signal 9" <<<"$out"; then
  pass "parallel: runs every command, summarises the 3 failures, exits 1"
else
  fail "parallel: runs every command, summarises the 3 failures, exits 1" "exit $rc, output: $out"
fi

# 8 commands that each wait until all 8 have started: they finish only if
# parallel runs 8 at once (one at a time, the first would wait forever and
# the timeout ends it).
mkdir -p "$TMP/barrier"
for i in $(seq 1 8); do
  echo "touch $TMP/barrier/$i; while [ \$(ls $TMP/barrier | wc -l) -lt 8 ]; do sleep 0.05; done"
done >"$TMP/together"
out=$(timeout $T "$BIN/parallel" 8 <"$TMP/together" 2>/dev/null)
rc=$?
if [ $rc -eq 0 ] && [ "$out" = "8 commands, 0 failed" ]; then
  pass "parallel: 8 commands run at once with K=8"
else
  fail "parallel: 8 commands run at once with K=8" "exit $rc, output: $out"
fi

# --- the other echo servers (make test: the libuv example) -----------------
for server in "${ECHO_SERVERS[@]:1}"; do
  echo_checks "$server"
  unix_echo_checks "$server"
done

finish
