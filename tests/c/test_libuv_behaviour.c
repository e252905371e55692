/* Behaviours where ruv must do what libuv 1.52 does (tests/c/README.md
 * lists every test, what it asserts, and where it passes).
 *
 * Built against ruv:
 *   cc -std=c11 -g -Wall -Wextra -Werror -Iinclude tests/c/test_libuv_behaviour.c \
 *      target/release/libruv.a -lpthread -ldl -lm
 * and against libuv (Debian's 1.44) through the shim, to validate the tests:
 *   cc -std=c11 -g -Wall -Wextra -Werror -Itests/c/libuv-shim \
 *      tests/c/test_libuv_behaviour.c -luv -lpthread -ldl -lm
 *
 * Every test runs in a child process with its own time limit, so a hang or a
 * crash fails that test and the others still run. Loopback only, ports from
 * binding to port 0; every test closes its handles and its loop.
 *
 * Where libuv 1.44 differs from 1.52 (the timers moved to the end of the
 * iteration in libuv 1.45), the check says what 1.52 does, and under
 * `#if UV_BEFORE_1_45` what 1.44 does instead, so the libuv 1.44 build shows
 * that the test tells the two apart. Checks of things libuv asserts on, or
 * gets wrong (crash, hang, fd leak), are built against ruv only
 * (`#if RUV_STRICT`). */
#include "test.h"
#include "net_util.h" /* guard timer, RUN_UNTIL, run_for */
#include "isolate.h"      /* RUN_ISOLATED */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef UV_VERSION_MAJOR /* built against libuv (RUV_STRICT: test.h) */
#define UV_BEFORE_1_45 (UV_VERSION_HEX < 0x012d00)
#else
#define UV_BEFORE_1_45 0
#endif

/* ---- helpers ------------------------------------------------------------------ */

static struct sockaddr_in addr4(int port) {
  struct sockaddr_in a;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", port, &a), 0);
  return a;
}

static int port_of(ruv_tcp_t *h) {
  struct sockaddr_in a;
  int len = sizeof a;
  if (ruv_tcp_getsockname(h, (struct sockaddr *)&a, &len) != 0) return -1;
  return ntohs(a.sin_port);
}

static int fd_of(void *h) {
  int fd = -1;
  if (ruv_fileno((ruv_handle_t *)h, &fd) != 0) return -1;
  return fd;
}

static uint64_t ms_since(uint64_t t0_ns) { return (ruv_hrtime() - t0_ns) / 1000000; }

static int close_calls;
static void close_cb(ruv_handle_t *h) {
  (void)h;
  close_calls++;
  rec('x');
}

/* ---- reading ------------------------------------------------------------------- */

struct conn {
  int reads, data_reads, eofs, errors, last_error, enobufs;
  size_t total;
  char data[256];
  size_t len;
  char tag_data, tag_eof;
};

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = ruv_buf_init(malloc(4096), 4096);
}

static void on_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  struct conn *c = s->data;
  c->reads++;
  if (nread > 0) {
    c->data_reads++;
    c->total += (size_t)nread;
    if (c->len + (size_t)nread <= sizeof c->data) {
      memcpy(c->data + c->len, buf->base, (size_t)nread);
      c->len += (size_t)nread;
    }
    if (c->tag_data) rec(c->tag_data);
  } else if (nread == RUV_EOF) {
    c->eofs++;
    if (c->tag_eof) rec(c->tag_eof);
  } else if (nread == RUV_ENOBUFS) {
    c->enobufs++;
  } else if (nread < 0) {
    c->errors++;
    c->last_error = (int)nread;
  }
  free(buf->base);
}

/* ---- writing ------------------------------------------------------------------- */

struct wr {
  ruv_write_t req; /* first: the callback casts back */
  int calls, status;
  char tag;
};

static void on_write(ruv_write_t *req, int status) {
  struct wr *w = (struct wr *)req;
  w->calls++;
  w->status = status;
  if (w->tag) rec(w->tag);
}

static int write1(struct wr *w, void *stream, const void *p, size_t n, char tag) {
  memset(w, 0, sizeof *w);
  w->tag = tag;
  w->status = 12345;
  ruv_buf_t b = ruv_buf_init((char *)p, (unsigned)n);
  return ruv_write(&w->req, (ruv_stream_t *)stream, &b, 1, on_write);
}

static int try_write1(void *stream, const void *p, size_t n) {
  ruv_buf_t b = ruv_buf_init((char *)p, (unsigned)n);
  return ruv_try_write((ruv_stream_t *)stream, &b, 1);
}

/* ---- a server, clients, connected pairs ------------------------------------------ */

#define MAXPEERS 4

struct server {
  ruv_tcp_t tcp;
  int port;
  int conn_calls;
  int npeers;
  ruv_tcp_t peers[MAXPEERS];
  struct conn pc[MAXPEERS];
};

static void on_connection(ruv_stream_t *s, int status) {
  struct server *sv = s->data;
  sv->conn_calls++;
  if (status != 0 || sv->npeers >= MAXPEERS) return;
  ruv_tcp_t *p = &sv->peers[sv->npeers];
  CHECK_EQ(ruv_tcp_init(s->loop, p), 0);
  p->data = &sv->pc[sv->npeers];
  CHECK_EQ(ruv_accept(s, (ruv_stream_t *)p), 0);
  sv->npeers++;
}

static void server_start(ruv_loop_t *loop, struct server *sv, ruv_connection_cb cb) {
  memset(sv, 0, sizeof *sv);
  CHECK_EQ(ruv_tcp_init(loop, &sv->tcp), 0);
  sv->tcp.data = sv;
  struct sockaddr_in a = addr4(0);
  CHECK_EQ(ruv_tcp_bind(&sv->tcp, (struct sockaddr *)&a, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&sv->tcp, 16, cb), 0);
  sv->port = port_of(&sv->tcp);
  CHECK(sv->port > 0);
}

struct client {
  ruv_tcp_t tcp;
  ruv_connect_t creq;
  int connect_calls, status, during_connect;
  struct conn c;
};

static int in_connect;

static void on_connect(ruv_connect_t *req, int status) {
  struct client *cl = req->data;
  cl->connect_calls++;
  cl->status = status;
  if (in_connect) cl->during_connect++;
  rec('C');
}

/* ruv_tcp_init + ruv_tcp_connect; returns what ruv_tcp_connect returned */
static int client_connect(ruv_loop_t *loop, struct client *cl, int port) {
  memset(cl, 0, sizeof *cl);
  CHECK_EQ(ruv_tcp_init(loop, &cl->tcp), 0);
  cl->tcp.data = &cl->c;
  cl->creq.data = cl;
  cl->status = 12345;
  struct sockaddr_in a = addr4(port);
  in_connect = 1;
  int r = ruv_tcp_connect(&cl->creq, &cl->tcp, (struct sockaddr *)&a, on_connect);
  in_connect = 0;
  return r;
}

/* a server and a client connected to it, accepted as sv->peers[sv->npeers - 1] */
static void pair_open(ruv_loop_t *loop, struct server *sv, struct client *cl) {
  int before = sv->npeers;
  CHECK_EQ(client_connect(loop, cl, sv->port), 0);
  RUN_UNTIL(loop, cl->connect_calls == 1 && sv->npeers >= before + 1, 5000);
  CHECK_EQ(cl->status, 0);
}

/* ================================================================================
 * 1. ruv_listen with a NULL connection callback
 * libuv 1.52 src/unix/tcp.c uv__tcp_listen stores the callback unchecked:
 *     tcp->connection_cb = cb;
 * so uv_listen(..., NULL) returns 0 and the kernel keeps completing
 * connections into the backlog. (When the loop then polls the listener,
 * libuv's uv__server_io calls `stream->connection_cb(stream, 0)`: a NULL call;
 * hence the second test is ruv-only.)
 * ================================================================================ */

static void test_listen_null_cb(void) {
  ruv_loop_t sloop, cloop; /* the listener's loop never runs with a connection pending */
  ruv_tcp_t srv;
  struct client cl;
  CHECK_EQ(ruv_loop_init(&sloop), 0);
  loop_setup(&cloop);
  CHECK_EQ(ruv_tcp_init(&sloop, &srv), 0);
  struct sockaddr_in a = addr4(0);
  CHECK_EQ(ruv_tcp_bind(&srv, (struct sockaddr *)&a, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&srv, 8, NULL), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&srv));
  int port = port_of(&srv);
  CHECK(port > 0);
  /* the connection completes: it waits in the listener's backlog */
  CHECK_EQ(client_connect(&cloop, &cl, port), 0);
  RUN_UNTIL(&cloop, cl.connect_calls == 1, 5000);
  CHECK_EQ(cl.status, 0);
  CHECK_EQ(cl.during_connect, 0);
  /* closing the listener works and calls back once */
  close_calls = 0;
  ruv_close((ruv_handle_t *)&srv, close_cb);
  CHECK(ruv_is_closing((ruv_handle_t *)&srv));
  CHECK_EQ(ruv_run(&sloop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(ruv_loop_close(&sloop), 0);
  close_loop(&cloop);
}

#if RUV_STRICT
/* the same, with the listener's loop running while connections are pending:
 * nothing crashes, the clients are connected, closing works */
static void test_listen_null_cb_loop_runs(void) {
  ruv_loop_t loop;
  ruv_tcp_t srv;
  struct client c1, c2;
  struct wr w;
  loop_setup(&loop);
  CHECK_EQ(ruv_tcp_init(&loop, &srv), 0);
  struct sockaddr_in a = addr4(0);
  CHECK_EQ(ruv_tcp_bind(&srv, (struct sockaddr *)&a, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&srv, 8, NULL), 0);
  int port = port_of(&srv);
  CHECK_EQ(client_connect(&loop, &c1, port), 0);
  CHECK_EQ(client_connect(&loop, &c2, port), 0);
  RUN_UNTIL(&loop, c1.connect_calls == 1 && c2.connect_calls == 1, 5000);
  CHECK_EQ(c1.status, 0);
  CHECK_EQ(c2.status, 0);
  CHECK_EQ(write1(&w, &c1.tcp, "queued", 6, 0), 0);
  run_for(&loop, 50);
  CHECK_EQ(w.calls, 1);
  CHECK_EQ(w.status, 0);
  CHECK(ruv_is_active((ruv_handle_t *)&srv));
  CHECK(!ruv_is_closing((ruv_handle_t *)&srv));
  close_calls = 0;
  ruv_close((ruv_handle_t *)&srv, close_cb);
  RUN_UNTIL(&loop, close_calls == 1, 5000);
  close_loop(&loop);
}
#endif

/* ================================================================================
 * 2. EADDRINUSE from ruv_tcp_bind is deferred
 * libuv 1.52 src/unix/tcp.c uv__tcp_bind:
 *     err = bind(tcp->io_watcher.fd, addr, addrlen);
 *     if (err == -1 && errno != EADDRINUSE) { ... return UV__ERR(errno); }
 *     tcp->delayed_error = (err == -1) ? UV__ERR(errno) : 0;
 * uv__tcp_listen: `if (tcp->delayed_error) return tcp->delayed_error;`
 * uv_tcp_getsockname/getpeername: `if (handle->delayed_error) return handle->delayed_error;`
 * uv__tcp_connect: `if (handle->delayed_error != 0) goto out;` ... `if
 * (handle->delayed_error) uv__io_feed(...)`, and uv__stream_connect hands it
 * to connect_cb: `error = stream->delayed_error; stream->delayed_error = 0;`
 * ================================================================================ */

static void test_bind_eaddrinuse_deferred(void) {
  ruv_loop_t loop;
  struct server sv;
  ruv_tcp_t t;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  CHECK_EQ(ruv_tcp_init(&loop, &t), 0);
  struct sockaddr_in a = addr4(sv.port);
  CHECK_EQ(ruv_tcp_bind(&t, (struct sockaddr *)&a, 0), 0);
  struct sockaddr_storage ss;
  int len = sizeof ss;
  CHECK_EQ(ruv_tcp_getsockname(&t, (struct sockaddr *)&ss, &len), RUV_EADDRINUSE);
  len = sizeof ss;
  CHECK_EQ(ruv_tcp_getpeername(&t, (struct sockaddr *)&ss, &len), RUV_EADDRINUSE);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&t, 16, on_connection), RUV_EADDRINUSE);
  CHECK(!ruv_is_active((ruv_handle_t *)&t));
  /* listen does not consume the error */
  CHECK_EQ(ruv_listen((ruv_stream_t *)&t, 16, on_connection), RUV_EADDRINUSE);
  len = sizeof ss;
  CHECK_EQ(ruv_tcp_getsockname(&t, (struct sockaddr *)&ss, &len), RUV_EADDRINUSE);
  /* the listener is unaffected */
  CHECK_EQ(port_of(&sv.tcp), sv.port);
  close_loop(&loop);
}

static void test_connect_after_bind_eaddrinuse(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  memset(&cl, 0, sizeof cl);
  CHECK_EQ(ruv_tcp_init(&loop, &cl.tcp), 0);
  cl.tcp.data = &cl.c;
  cl.creq.data = &cl;
  cl.status = 12345;
  struct sockaddr_in a = addr4(sv.port);
  CHECK_EQ(ruv_tcp_bind(&cl.tcp, (struct sockaddr *)&a, 0), 0); /* EADDRINUSE kept */
  reset_order();
  in_connect = 1;
  CHECK_EQ(ruv_tcp_connect(&cl.creq, &cl.tcp, (struct sockaddr *)&a, on_connect), 0);
  in_connect = 0;
  CHECK_EQ(cl.connect_calls, 0);
  CHECK(ruv_loop_alive(&loop)); /* the connect request */
  RUN_UNTIL(&loop, cl.connect_calls == 1, 5000);
  CHECK_EQ(cl.status, RUV_EADDRINUSE);
  CHECK_EQ(cl.during_connect, 0);
  run_for(&loop, 20);
  CHECK_EQ(cl.connect_calls, 1);
  CHECK_EQ(sv.conn_calls, 0); /* no connection was attempted */
  CHECK_STR(order, "C");
  /* connect_cb consumed the error: getsockname answers again (the socket
   * never got an address) */
  struct sockaddr_in s;
  int len = sizeof s;
  CHECK_EQ(ruv_tcp_getsockname(&cl.tcp, (struct sockaddr *)&s, &len), 0);
  CHECK_EQ(ntohs(s.sin_port), 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&cl.tcp, close_cb);
  RUN_UNTIL(&loop, close_calls == 1, 5000);
  CHECK_EQ(cl.connect_calls, 1);
  close_loop(&loop);
}

/* ================================================================================
 * 3. Starting things on a closing handle (ruv_close called, close_cb not yet run)
 * libuv 1.52 returns an error for: uv_tcp_bind, uv_listen (EINVAL, libuv PR
 * #3641), uv_read_start (`if (stream->flags & UV_HANDLE_CLOSING) return
 * UV_EINVAL;`), uv_timer_start (`if (uv__is_closing(handle) || cb == NULL)
 * return UV_EINVAL;`), uv_shutdown (ENOTCONN), uv_write/uv_try_write (EBADF:
 * the descriptor is gone). It does not check in uv_tcp_connect (a new
 * socket is made for the closing handle), uv_idle/prepare/check_start (they
 * return 0 and the handle stays counted active after its close callback:
 * the loop never ends) or uv_poll_start (`assert(!uv__is_closing(handle))`):
 * ruv returns RUV_EINVAL there. (libuv 1.44, built with -DRUV_STRICT=1:
 * uv_tcp_connect returns 0 with a new socket, then aborts in uv__stream_io on
 * `assert(!(stream->flags & UV_HANDLE_CLOSING))`; the idle case hangs; the
 * poll case aborts.)
 * ================================================================================ */

static void test_closing_handle_refuses_starts(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl;
  ruv_tcp_t fresh, lst;
  ruv_timer_t timer;
  ruv_shutdown_t sh;
  struct wr w;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  pair_open(&loop, &sv, &cl);
  close_calls = 0;
  /* a handle without a socket: bind and listen */
  CHECK_EQ(ruv_tcp_init(&loop, &fresh), 0);
  CHECK_EQ(ruv_tcp_init(&loop, &lst), 0);
  struct sockaddr_in a = addr4(0);
  CHECK_EQ(ruv_tcp_bind(&lst, (struct sockaddr *)&a, 0), 0);
  ruv_close((ruv_handle_t *)&fresh, close_cb);
  ruv_close((ruv_handle_t *)&lst, close_cb);
  int fds = count_fds();
  CHECK_EQ(ruv_tcp_bind(&fresh, (struct sockaddr *)&a, 0), RUV_EINVAL);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&fresh, 8, on_connection), RUV_EINVAL);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&lst, 8, on_connection), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&fresh));
  CHECK(!ruv_is_active((ruv_handle_t *)&lst));
  CHECK_EQ(count_fds(), fds); /* no socket was made */
  /* a connected stream */
  ruv_close((ruv_handle_t *)&cl.tcp, close_cb);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&cl.tcp, on_alloc, on_read), RUV_EINVAL);
  CHECK_EQ(ruv_shutdown(&sh, (ruv_stream_t *)&cl.tcp, NULL), RUV_ENOTCONN);
  CHECK_EQ(write1(&w, &cl.tcp, "x", 1, 0), RUV_EBADF);
  CHECK_EQ(try_write1(&cl.tcp, "x", 1), RUV_EBADF);
  CHECK(!ruv_is_active((ruv_handle_t *)&cl.tcp));
  /* a timer */
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  ruv_close((ruv_handle_t *)&timer, close_cb);
  CHECK_EQ(ruv_timer_start(&timer, guard_cb, 0, 0), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&timer));
  RUN_UNTIL(&loop, close_calls == 4, 5000);
  run_for(&loop, 10);
  CHECK_EQ(close_calls, 4);
  CHECK_EQ(w.calls, 0);
  close_loop(&loop);
}

#if RUV_STRICT
static int strict_cb_calls;
static void strict_idle_cb(ruv_idle_t *h) { (void)h; strict_cb_calls++; }
static void strict_prepare_cb(ruv_prepare_t *h) { (void)h; strict_cb_calls++; }
static void strict_check_cb(ruv_check_t *h) { (void)h; strict_cb_calls++; }
static void strict_poll_cb(ruv_poll_t *h, int s, int e) { (void)h; (void)s; (void)e; strict_cb_calls++; }

static void test_closing_handle_refuses_starts_strict(void) {
  ruv_loop_t loop;
  struct server sv;
  ruv_tcp_t t;
  ruv_connect_t creq;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  ruv_poll_t poll;
  int sp[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  strict_cb_calls = close_calls = 0;
  CHECK_EQ(ruv_tcp_init(&loop, &t), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &poll, sp[0]), 0);
  int fds = count_fds();
  ruv_close((ruv_handle_t *)&t, close_cb);
  ruv_close((ruv_handle_t *)&idle, close_cb);
  ruv_close((ruv_handle_t *)&prepare, close_cb);
  ruv_close((ruv_handle_t *)&check, close_cb);
  ruv_close((ruv_handle_t *)&poll, close_cb);
  struct sockaddr_in a = addr4(sv.port);
  CHECK_EQ(ruv_tcp_connect(&creq, &t, (struct sockaddr *)&a, on_connect), RUV_EINVAL);
  CHECK_EQ(count_fds(), fds); /* no socket was made */
  CHECK_EQ(ruv_idle_start(&idle, strict_idle_cb), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_start(&prepare, strict_prepare_cb), RUV_EINVAL);
  CHECK_EQ(ruv_check_start(&check, strict_check_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(&poll, RUV_READABLE | RUV_WRITABLE, strict_poll_cb), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&t));
  CHECK(!ruv_is_active((ruv_handle_t *)&idle));
  CHECK(!ruv_is_active((ruv_handle_t *)&prepare));
  CHECK(!ruv_is_active((ruv_handle_t *)&check));
  CHECK(!ruv_is_active((ruv_handle_t *)&poll));
  /* nothing started: the close callbacks run and the loop ends */
  ruv_close((ruv_handle_t *)&sv.tcp, close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 6);
  CHECK_EQ(strict_cb_calls, 0);
  CHECK_EQ(sv.conn_calls, 0);
  close_loop(&loop);
  close(sp[0]);
  close(sp[1]);
}
#endif

/* ================================================================================
 * 4. When the poll phase waits
 * libuv 1.52 src/unix/core.c uv_run:
 *     can_sleep = uv__queue_empty(&loop->pending_queue) &&
 *                 uv__queue_empty(&loop->idle_handles);
 *     uv__run_pending(loop); uv__run_idle(loop); uv__run_prepare(loop);
 *     timeout = 0;
 *     if ((mode == UV_RUN_ONCE && can_sleep) || mode == UV_RUN_DEFAULT)
 *       timeout = uv__backend_timeout(loop);
 * and uv__backend_timeout returns uv__next_timeout(loop) (-1 without timers)
 * when handles or requests are active and no idle handle, pending callback
 * or closing handle exists. Prepare and check handles are not in that list:
 * a loop whose only active handles are prepare/check handles waits in poll
 * for the next timer (forever without one: every libuv loop watches at least
 * its internal async descriptor (wq_async), so linux.c's "nfds == 0" early
 * return does not apply; checked on libuv 1.44: uv_run(DEFAULT) with only a
 * check and a prepare handle never returns). The tests bound that wait with
 * an unreferenced timer, which is not an active handle but is in the timer
 * heap uv__next_timeout reads.
 * can_sleep is read at the start of the iteration, but only by RUN_ONCE:
 * RUN_DEFAULT asks uv__backend_timeout after the idle phase, so an idle
 * handle that stops itself in its callback leaves that poll free to wait.
 * ================================================================================ */

static int wait_check_calls, wait_timer_calls;
static uint64_t wait_first_check_ms, wait_t0;
static ruv_check_t wait_check;
static ruv_prepare_t wait_prepare;

static void wait_check_cb(ruv_check_t *h) {
  (void)h;
  if (wait_check_calls++ == 0) wait_first_check_ms = ms_since(wait_t0);
}
static void wait_prepare_cb(ruv_prepare_t *h) { (void)h; }
static void wait_timer_cb(ruv_timer_t *h) {
  if (++wait_timer_calls == 3) {
    CHECK_EQ(ruv_check_stop(&wait_check), 0);
    CHECK_EQ(ruv_prepare_stop(&wait_prepare), 0);
    CHECK_EQ(ruv_timer_stop(h), 0);
  }
}

/* only a check and a prepare handle active: each iteration waits for the
 * (unreferenced) 100 ms timer; the loop does not spin */
static void test_check_prepare_only_loop_waits(void) {
  ruv_loop_t loop;
  ruv_timer_t timer;
  wait_check_calls = wait_timer_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_check_init(&loop, &wait_check), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &wait_prepare), 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_check_start(&wait_check, wait_check_cb), 0);
  CHECK_EQ(ruv_prepare_start(&wait_prepare, wait_prepare_cb), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(wait_check_calls, 1);
#ifdef UV_VERSION_MAJOR
  /* libuv: without a timer the poll would wait forever (nothing can wake
   * it: libuv 1.44, measured, hangs in uv_run) */
  CHECK_EQ(ruv_backend_timeout(&loop), -1);
#else
  /* ruv departs here on purpose (issue 7): with no descriptor, timer,
   * request or async handle, nothing could end the wait, so the poll does
   * not wait and the loop iterates instead of hanging */
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
#endif
  wait_check_calls = 0;
  CHECK_EQ(ruv_timer_start(&timer, wait_timer_cb, 100, 100), 0);
  ruv_unref((ruv_handle_t *)&timer);
  CHECK_EQ(loop.active_handles, 2);
  int t = ruv_backend_timeout(&loop);
  CHECK(t > 50 && t <= 100);
  /* ONCE: one iteration, which waits ~100 ms for the timer */
  wait_t0 = ruv_hrtime();
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  uint64_t once_ms = ms_since(wait_t0);
  CHECK_EQ(wait_check_calls, 1);
  CHECK_EQ(wait_timer_calls, 1);
  CHECK(once_ms >= 80);
  CHECK(wait_first_check_ms >= 80);
  /* DEFAULT: two more timer periods, one iteration each (not thousands) */
  wait_t0 = ruv_hrtime();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  uint64_t default_ms = ms_since(wait_t0);
  CHECK_EQ(wait_timer_calls, 3);
  CHECK(default_ms >= 150);
  CHECK(wait_check_calls >= 2 && wait_check_calls <= 6);
  close_loop(&loop);
}

static int selfstop_idle_calls, selfstop_timer_calls, selfstop_check_calls;
static uint64_t selfstop_check_ms, selfstop_t0;

static void selfstop_idle_cb(ruv_idle_t *h) {
  selfstop_idle_calls++;
  CHECK_EQ(ruv_idle_stop(h), 0);
}
static void selfstop_timer_cb(ruv_timer_t *h) { (void)h; selfstop_timer_calls++; }
static void selfstop_check_cb(ruv_check_t *h) {
  if (selfstop_check_calls++ == 0) selfstop_check_ms = ms_since(selfstop_t0);
  CHECK_EQ(ruv_check_stop(h), 0);
}

static void selfstop_setup(ruv_loop_t *loop, ruv_idle_t *idle, ruv_timer_t *timer, ruv_check_t *check) {
  selfstop_idle_calls = selfstop_timer_calls = selfstop_check_calls = 0;
  selfstop_check_ms = 0;
  CHECK_EQ(ruv_loop_init(loop), 0);
  CHECK_EQ(ruv_idle_init(loop, idle), 0);
  CHECK_EQ(ruv_timer_init(loop, timer), 0);
  CHECK_EQ(ruv_check_init(loop, check), 0);
  CHECK_EQ(ruv_idle_start(idle, selfstop_idle_cb), 0);
  CHECK_EQ(ruv_timer_start(timer, selfstop_timer_cb, 200, 0), 0);
  CHECK_EQ(ruv_check_start(check, selfstop_check_cb), 0);
  selfstop_t0 = ruv_hrtime();
}


#ifndef UV_VERSION_MAJOR
/* ruv only (libuv hangs here, see above): with nothing that could wake a
 * wait, a loop of a prepare and a check handle iterates; the check callback
 * stops both after 5 iterations and DEFAULT returns 0. */
static int spin_checks, spin_prepares;
static void spin_prepare_cb(ruv_prepare_t *h) { (void)h; spin_prepares++; }
static void spin_check_cb(ruv_check_t *h) {
  (void)h;
  if (++spin_checks == 5) {
    CHECK_EQ(ruv_check_stop(&wait_check), 0);
    CHECK_EQ(ruv_prepare_stop(&wait_prepare), 0);
  }
}
static void test_check_prepare_only_loop_iterates(void) {
  ruv_loop_t loop;
  spin_checks = spin_prepares = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_check_init(&loop, &wait_check), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &wait_prepare), 0);
  CHECK_EQ(ruv_check_start(&wait_check, spin_check_cb), 0);
  CHECK_EQ(ruv_prepare_start(&wait_prepare, spin_prepare_cb), 0);
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(spin_checks, 5);
  CHECK_EQ(spin_prepares, 5);
  ruv_close((ruv_handle_t *)&wait_check, NULL);
  ruv_close((ruv_handle_t *)&wait_prepare, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}
#endif

/* RUN_ONCE: the idle handle was active when the iteration began, so its poll
 * does not wait, though the idle callback stopped the handle */
static void test_idle_stopped_in_cb_once_does_not_wait(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  ruv_timer_t timer;
  ruv_check_t check;
  selfstop_setup(&loop, &idle, &timer, &check);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0); /* the timer is still pending */
  uint64_t ms = ms_since(selfstop_t0);
  CHECK_EQ(selfstop_idle_calls, 1);
  CHECK_EQ(selfstop_check_calls, 1);
  CHECK_EQ(selfstop_timer_calls, 0);
  CHECK(selfstop_check_ms < 100);
  CHECK(ms < 100);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(selfstop_timer_calls, 1);
  close_loop(&loop);
}

/* RUN_DEFAULT: the poll timeout is computed after the idle phase; the idle
 * handle is stopped by then, so the poll waits for the 200 ms timer */
static void test_idle_stopped_in_cb_default_waits(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  ruv_timer_t timer;
  ruv_check_t check;
  selfstop_setup(&loop, &idle, &timer, &check);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(selfstop_idle_calls, 1);
  CHECK_EQ(selfstop_check_calls, 1);
  CHECK_EQ(selfstop_timer_calls, 1);
  CHECK(selfstop_check_ms >= 150);
  close_loop(&loop);
}

/* ================================================================================
 * 5. loop->active_handles and loop->active_reqs.count are the live counts
 * libuv 1.52 src/uv-common.h:
 *     #define uv__has_active_handles(loop) ((loop)->active_handles > 0)
 *     #define uv__has_active_reqs(loop) ((loop)->active_reqs.count > 0)
 * and uv__loop_alive (uv_loop_alive, uv_run) reads them: a program that
 * changes the fields changes what the loop does.
 * ================================================================================ */

static int counts_timer_calls;
static void counts_timer_cb(ruv_timer_t *h) { (void)h; counts_timer_calls++; }
static void counts_idle_cb(ruv_idle_t *h) { (void)h; }

static void test_active_counts_are_live(void) {
  ruv_loop_t loop;
  ruv_timer_t timer;
  ruv_idle_t idle;
  struct server sv;
  struct client cl;
  struct wr w;
  enum { BIG = 8 << 20 };
  char *big = calloc(1, BIG);
  loop_setup(&loop);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(loop.active_reqs.count, 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_timer_start(&timer, counts_timer_cb, 10000, 0), 0);
  CHECK_EQ(loop.active_handles, 1);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, counts_idle_cb), 0);
  CHECK_EQ(loop.active_handles, 2);
  ruv_unref((ruv_handle_t *)&idle);
  CHECK_EQ(loop.active_handles, 1);
  ruv_ref((ruv_handle_t *)&idle);
  CHECK_EQ(loop.active_handles, 2);
  CHECK_EQ(ruv_idle_stop(&idle), 0);
  CHECK_EQ(ruv_timer_stop(&timer), 0);
  CHECK_EQ(loop.active_handles, 0);
  /* a listener is active; a connect is a request */
  server_start(&loop, &sv, on_connection);
  CHECK_EQ(loop.active_handles, 1);
  CHECK_EQ(client_connect(&loop, &cl, sv.port), 0);
  CHECK_EQ(loop.active_reqs.count, 1);
  RUN_UNTIL(&loop, cl.connect_calls == 1 && sv.npeers == 1, 5000);
  CHECK_EQ(loop.active_reqs.count, 0);
  /* a write in flight (the peer does not read) is a request until its callback */
  CHECK_EQ(write1(&w, &cl.tcp, big, BIG, 0), 0);
  CHECK(cl.tcp.write_queue_size > 0);
  CHECK(loop.active_reqs.count >= 1);
  run_for(&loop, 10);
  CHECK_EQ(w.calls, 0);
  CHECK(loop.active_reqs.count >= 1);
  /* reading makes the peer active */
  unsigned before = loop.active_handles;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&sv.peers[0], on_alloc, on_read), 0);
  CHECK_EQ(loop.active_handles, before + 1);
  RUN_UNTIL(&loop, w.calls == 1, 10000);
  CHECK_EQ(w.status, 0);
  CHECK_EQ(loop.active_reqs.count, 0);
  close_loop(&loop);
  free(big);
}

static void test_active_counts_are_read(void) {
  ruv_loop_t loop;
  ruv_timer_t timer;
  counts_timer_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_timer_start(&timer, counts_timer_cb, 0, 0), 0);
  CHECK_EQ(loop.active_handles, 1);
  CHECK_EQ(ruv_loop_alive(&loop), 1);
  /* the program says nothing is active: the loop is not alive, and DEFAULT
   * returns without an iteration (the due timer does not run) */
  loop.active_handles--;
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(counts_timer_calls, 0);
  loop.active_handles++;
  CHECK_EQ(ruv_loop_alive(&loop), 1);
  CHECK_EQ(ruv_timer_stop(&timer), 0);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  /* the program says a handle is active: the loop is alive, and a NOWAIT
   * iteration says so too */
  loop.active_handles++;
  CHECK_EQ(ruv_loop_alive(&loop), 1);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  loop.active_handles--;
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  /* the same with the request count */
  loop.active_reqs.count++;
  CHECK_EQ(ruv_loop_alive(&loop), 1);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  loop.active_reqs.count--;
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(counts_timer_calls, 0);
  close_loop(&loop);
}

/* ================================================================================
 * 6. A write issued from a write callback never stalls the loop
 * libuv 1.52: a write that completes at once (uv__write -> uv__write_req_finish)
 * only queues its callback (`uv__io_feed`); callbacks run in uv__run_pending,
 * which takes the queue as it is (`uv__queue_move(&loop->pending_queue, &pq)`),
 * once before idle and at most 8 more times after poll:
 *     for (r = 0; r < 8 && !uv__queue_empty(&loop->pending_queue); r++)
 *       uv__run_pending(loop);
 * A write issued by a callback waits for the next round, and every
 * iteration still gets to its check, close and timer phases and its poll.
 * ================================================================================ */

static struct {
  ruv_stream_t *stream;
  struct wr w[2];
  long writes;
  int bad_status;
  int done;
  uint64_t t0;
  int ticks, ticks_at_end;
  int peer2_reads_at_end;
  struct conn *peer2;
  ruv_stream_t *client2;
} chain;

static void chain_write(void);

static void chain_cb(ruv_write_t *req, int status) {
  (void)req;
  if (status != 0) chain.bad_status++;
  chain.writes++;
  if (ms_since(chain.t0) < 150 && chain.writes < 2000000) {
    chain_write();
  } else {
    chain.done = 1;
    chain.ticks_at_end = chain.ticks;
    chain.peer2_reads_at_end = chain.peer2->data_reads;
  }
}

static void chain_write(void) {
  struct wr *w = &chain.w[chain.writes % 2]; /* the other one's callback is running */
  ruv_buf_t b = ruv_buf_init((char *)"c", 1);
  if (ruv_write(&w->req, chain.stream, &b, 1, chain_cb) != 0) {
    chain.bad_status++;
    chain.done = 1;
  }
}

static void chain_tick(ruv_timer_t *h) {
  (void)h;
  chain.ticks++;
  if (!chain.done && try_write1(chain.client2, "t", 1) != 1) chain.bad_status++;
}

static void test_write_from_write_cb_does_not_stall(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client c1, c2;
  ruv_timer_t tick;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  pair_open(&loop, &sv, &c1);
  pair_open(&loop, &sv, &c2);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&sv.peers[0], on_alloc, on_read), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&sv.peers[1], on_alloc, on_read), 0);
  memset(&chain, 0, sizeof chain);
  chain.stream = (ruv_stream_t *)&c1.tcp;
  chain.client2 = (ruv_stream_t *)&c2.tcp;
  chain.peer2 = &sv.pc[1];
  CHECK_EQ(ruv_timer_init(&loop, &tick), 0);
  CHECK_EQ(ruv_timer_start(&tick, chain_tick, 1, 1), 0);
  chain.t0 = ruv_hrtime();
  chain_write();
  RUN_UNTIL(&loop, chain.done, 10000);
  /* ~150 ms of chained writes: the 1 ms timer and the other connection's
   * reads kept being served meanwhile */
  CHECK(chain.writes > 100);
  CHECK_EQ(chain.bad_status, 0);
  CHECK(chain.ticks_at_end >= 10);
  CHECK(chain.peer2_reads_at_end >= 5);
  CHECK_EQ(ruv_timer_stop(&tick), 0);
  RUN_UNTIL(&loop, sv.pc[0].total == (size_t)chain.writes, 5000);
  close_loop(&loop);
}

/* ================================================================================
 * 7. A poll handle on the descriptor of a TCP handle of the same loop
 * libuv 1.52 uv_poll_init refuses only a descriptor the loop watches:
 *     if (uv__fd_exists(loop, fd)) return UV_EEXIST;
 * and a connected TCP handle that neither reads nor writes is not watched
 * (uv__stream_connect: `uv__io_stop(stream->loop, &stream->io_watcher, POLLOUT)`;
 * uv_accept does not start the watcher).
 * ================================================================================ */

static int poll_calls, poll_status, poll_events;
static void poll_cb(ruv_poll_t *h, int status, int events) {
  poll_calls++;
  poll_status = status;
  poll_events = events;
  CHECK_EQ(ruv_poll_stop(h), 0);
}

static void test_poll_on_tcp_descriptor(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl;
  ruv_poll_t p1, p2;
  struct wr w1, w2;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  pair_open(&loop, &sv, &cl);
  int cfd = fd_of(&cl.tcp), pfd = fd_of(&sv.peers[0]);
  CHECK(cfd >= 0 && pfd >= 0);
  /* the client's descriptor */
  memset(&p1, 0, sizeof p1);
  memset(&p2, 0, sizeof p2);
  int r = ruv_poll_init(&loop, &p1, cfd);
  CHECK_EQ(r, 0);
  if (r != 0) goto done;
  poll_calls = poll_events = 0;
  poll_status = 12345;
  CHECK_EQ(ruv_poll_start(&p1, RUV_READABLE, poll_cb), 0);
  run_for(&loop, 10);
  CHECK_EQ(poll_calls, 0); /* nothing to read yet */
  CHECK_EQ(write1(&w1, &sv.peers[0], "hi", 2, 0), 0);
  RUN_UNTIL(&loop, poll_calls == 1, 5000);
  CHECK_EQ(poll_status, 0);
  CHECK(poll_events & RUV_READABLE);
  /* the data is still there for the stream once the poll handle is gone */
  close_calls = 0;
  ruv_close((ruv_handle_t *)&p1, close_cb);
  RUN_UNTIL(&loop, close_calls == 1, 5000);
  CHECK_EQ(fcntl(cfd, F_GETFD) >= 0, 1); /* closing the poll handle left the socket open */
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&cl.tcp, on_alloc, on_read), 0);
  RUN_UNTIL(&loop, cl.c.total == 2, 5000);
  CHECK(cl.c.len == 2 && memcmp(cl.c.data, "hi", 2) == 0);
  /* the accepted peer's descriptor, through ruv_poll_init_socket */
  r = ruv_poll_init_socket(&loop, &p2, pfd);
  CHECK_EQ(r, 0);
  if (r != 0) goto done;
  poll_calls = poll_events = 0;
  CHECK_EQ(ruv_poll_start(&p2, RUV_READABLE, poll_cb), 0);
  CHECK_EQ(write1(&w2, &cl.tcp, "yo", 2, 0), 0);
  RUN_UNTIL(&loop, poll_calls == 1, 5000);
  CHECK(poll_events & RUV_READABLE);
done:
  close_loop(&loop);
}

/* ================================================================================
 * 8. After RUV_EOF
 * libuv 1.52 src/unix/stream.c uv__stream_eof:
 *     stream->flags |= UV_HANDLE_READ_EOF;
 *     stream->flags &= ~UV_HANDLE_READING;
 *     uv__io_stop(stream->loop, &stream->io_watcher, POLLIN);
 *     uv__handle_stop(stream);
 *     ...
 *     stream->read_cb(stream, UV_EOF, buf);
 * UV_HANDLE_READABLE and UV_HANDLE_WRITABLE stay set (uv__stream_close clears
 * them), and uv_read_start checks CLOSING, READING, READABLE only; so reading
 * may start again and the next read(2) reports the end again.
 * ================================================================================ */

static void test_eof_then_read_again(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl;
  ruv_shutdown_t sh;
  struct wr w;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  pair_open(&loop, &sv, &cl);
  ruv_stream_t *peer = (ruv_stream_t *)&sv.peers[0];
  struct conn *pc = &sv.pc[0];
  reset_order();
  pc->tag_data = 'd';
  pc->tag_eof = 'E';
  CHECK_EQ(ruv_read_start(peer, on_alloc, on_read), 0);
  CHECK_EQ(write1(&w, &cl.tcp, "bye", 3, 0), 0);
  CHECK_EQ(ruv_shutdown(&sh, (ruv_stream_t *)&cl.tcp, NULL), 0);
  RUN_UNTIL(&loop, pc->eofs == 1, 5000);
  CHECK_STR(order, "dE");
  CHECK_EQ(ruv_is_readable(peer), 1);
  CHECK_EQ(ruv_is_writable(peer), 1);
  CHECK(!ruv_is_active((ruv_handle_t *)peer)); /* reading stopped */
  run_for(&loop, 10);
  CHECK_EQ(pc->eofs, 1);
  /* reading again: EOF once more, then reading is stopped again */
  CHECK_EQ(ruv_read_start(peer, on_alloc, on_read), 0);
  CHECK(ruv_is_active((ruv_handle_t *)peer));
  RUN_UNTIL(&loop, pc->eofs == 2, 5000);
  run_for(&loop, 10);
  CHECK_EQ(pc->eofs, 2);
  CHECK_EQ(pc->errors, 0);
  CHECK_STR(order, "dEE");
  CHECK_EQ(ruv_is_readable(peer), 1);
  CHECK_EQ(ruv_is_writable(peer), 1);
  CHECK(!ruv_is_active((ruv_handle_t *)peer));
  /* the other direction still works */
  struct wr w2;
  cl.c.tag_data = 'r';
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&cl.tcp, on_alloc, on_read), 0);
  CHECK_EQ(write1(&w2, peer, "ok", 2, 0), 0);
  RUN_UNTIL(&loop, cl.c.total == 2, 5000);
  CHECK_EQ(w2.status, 0);
  /* closing clears both */
  ruv_close((ruv_handle_t *)peer, NULL);
  CHECK_EQ(ruv_is_readable(peer), 0);
  CHECK_EQ(ruv_is_writable(peer), 0);
  close_loop(&loop);
}

/* ================================================================================
 * 9. The order of one iteration
 * libuv 1.52 src/unix/core.c uv_run (abridged):
 *     if (mode == UV_RUN_DEFAULT && r != 0 && loop->stop_flag == 0) {
 *       uv__update_time(loop);
 *       uv__run_timers(loop);
 *     }
 *     while (r != 0 && loop->stop_flag == 0) {
 *       can_sleep = ...;
 *       uv__run_pending(loop);
 *       uv__run_idle(loop);
 *       uv__run_prepare(loop);
 *       ... uv__io_poll(loop, timeout);
 *       for (r = 0; r < 8 && !uv__queue_empty(&loop->pending_queue); r++)
 *         uv__run_pending(loop);
 *       uv__run_check(loop);
 *       uv__run_closing_handles(loop);
 *       uv__update_time(loop);
 *       uv__run_timers(loop);
 *       r = uv__loop_alive(loop);
 *       if (mode == UV_RUN_ONCE || mode == UV_RUN_NOWAIT) break;
 *     }
 * Timers therefore run once per ruv_run(ONCE) and ruv_run(NOWAIT), after
 * check and close; in DEFAULT also once before the first iteration.
 * libuv 1.44 ran them at the top of every iteration (and once more at the
 * end in ONCE); libuv 1.45 moved them (libuv PR #3927).
 * Trace letters: t/T timer, i idle, p prepare, c check, x close callback,
 * w/W write callback.
 * ================================================================================ */

static int once_timer_calls;
static void once_timer_cb(ruv_timer_t *h) { (void)h; once_timer_calls++; }

static void test_run_once_runs_timers_once(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  once_timer_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  /* a due one-shot timer: once, in the first ONCE call */
  CHECK_EQ(ruv_timer_start(&t, once_timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_ONCE), 0);
  CHECK_EQ(once_timer_calls, 1);
  /* a due timer repeating every 1 ms: at most once per ONCE call */
  once_timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, once_timer_cb, 0, 1), 0);
  int most = 0;
  for (int i = 0; i < 5; i++) {
    int before = once_timer_calls;
    CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
    int delta = once_timer_calls - before;
    if (delta > most) most = delta;
  }
#if UV_BEFORE_1_45
  CHECK_EQ(most, 2); /* libuv 1.44: at the top and again at the end */
#else
  CHECK_EQ(most, 1);
  CHECK(once_timer_calls >= 4);
#endif
  CHECK_EQ(ruv_timer_stop(&t), 0);
  close_loop(&loop);
}

/* an unreferenced due timer does not make the loop alive: no iteration, and
 * (libuv 1.46 and later) no timers before it either */
static void test_unref_due_timer_not_run(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  once_timer_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, once_timer_cb, 0, 0), 0);
  ruv_unref((ruv_handle_t *)&t);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_ONCE), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(once_timer_calls, 0);
  close_loop(&loop);
}

static struct {
  ruv_timer_t timer, timer2;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  int checks;
  int close_at; /* the check call that closes everything; 0: never */
} ord;

static void ord_timer_cb(ruv_timer_t *h) { rec(h == &ord.timer ? 't' : 'T'); }
static void ord_idle_cb(ruv_idle_t *h) { (void)h; rec('i'); }
static void ord_prepare_cb(ruv_prepare_t *h) { (void)h; rec('p'); }
static void ord_check_cb(ruv_check_t *h) {
  (void)h;
  rec('c');
  ord.checks++;
  if (ord.close_at && ord.checks == 1)
    CHECK_EQ(ruv_timer_start(&ord.timer2, ord_timer_cb, 0, 0), 0); /* due at once */
  if (ord.checks == ord.close_at) {
    ruv_close((ruv_handle_t *)&ord.timer, close_cb);
    ruv_close((ruv_handle_t *)&ord.timer2, close_cb);
    ruv_close((ruv_handle_t *)&ord.idle, close_cb);
    ruv_close((ruv_handle_t *)&ord.prepare, close_cb);
    ruv_close((ruv_handle_t *)&ord.check, close_cb);
  }
}

static void ord_setup(ruv_loop_t *loop, int close_at) {
  memset(&ord, 0, sizeof ord);
  ord.close_at = close_at;
  reset_order();
  CHECK_EQ(ruv_loop_init(loop), 0);
  /* started in reverse order of their phases */
  CHECK_EQ(ruv_check_init(loop, &ord.check), 0);
  CHECK_EQ(ruv_check_start(&ord.check, ord_check_cb), 0);
  CHECK_EQ(ruv_prepare_init(loop, &ord.prepare), 0);
  CHECK_EQ(ruv_prepare_start(&ord.prepare, ord_prepare_cb), 0);
  CHECK_EQ(ruv_idle_init(loop, &ord.idle), 0);
  CHECK_EQ(ruv_idle_start(&ord.idle, ord_idle_cb), 0);
  CHECK_EQ(ruv_timer_init(loop, &ord.timer), 0);
  CHECK_EQ(ruv_timer_init(loop, &ord.timer2), 0);
  CHECK_EQ(ruv_timer_start(&ord.timer, ord_timer_cb, 0, 0), 0);
}

/* DEFAULT with a due timer, idle, prepare and check started before the run:
 *   "t"     the due timer, before the first iteration
 *   "ipc"   iteration 1 (the check callback starts timer2, due at once)
 *   "T"     iteration 1's timer phase, after check and close
 *   "ipc"   iteration 2; the check callback closes all five handles
 *   "xxxxx" iteration 2's close phase
 * (libuv 1.44 gives the same string: its timers ran at the top of each
 * iteration, which here comes right after the previous one's close phase.) */
static void test_default_run_order(void) {
  ruv_loop_t loop;
  close_calls = 0;
  ord_setup(&loop, 2);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "tipcTipcxxxxx");
  CHECK_EQ(close_calls, 5);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* NOWAIT and ONCE: no timers before the iteration; the due timer runs after
 * check: "ipct" (libuv 1.44: "tipc") */
static void test_nowait_run_order(void) {
  ruv_loop_t loop;
  ord_setup(&loop, 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
#if UV_BEFORE_1_45
  CHECK_STR(order, "tipc");
#else
  CHECK_STR(order, "ipct");
#endif
  reset_order();
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "ipc");
  close_loop(&loop);
}

static void test_once_run_order(void) {
  ruv_loop_t loop;
  ord_setup(&loop, 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0); /* the idle handle: the poll does not wait */
#if UV_BEFORE_1_45
  CHECK_STR(order, "tipc");
#else
  CHECK_STR(order, "ipct");
#endif
  reset_order();
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_STR(order, "ipc");
  close_loop(&loop);
}

/* Write callbacks are pending callbacks. One queued before the poll (the write
 * issued by the prepare callback finished at once) runs after the poll and
 * before check, in the same iteration: "ipwc". One queued after (issued by the
 * check callback) runs in the next iteration's pending phase, before idle:
 * "Wipc". */
static struct {
  ruv_stream_t *stream;
  struct wr w1, w2;
  int prepares, checks;
} pend;

static void pend_idle_cb(ruv_idle_t *h) { (void)h; rec('i'); }
static void pend_prepare_cb(ruv_prepare_t *h) {
  (void)h;
  rec('p');
  if (pend.prepares++ == 0) CHECK_EQ(write1(&pend.w1, pend.stream, "1", 1, 'w'), 0);
}
static void pend_check_cb(ruv_check_t *h) {
  (void)h;
  rec('c');
  if (pend.checks++ == 0) CHECK_EQ(write1(&pend.w2, pend.stream, "2", 1, 'W'), 0);
}

static void test_pending_callbacks_order(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  pair_open(&loop, &sv, &cl);
  memset(&pend, 0, sizeof pend);
  pend.stream = (ruv_stream_t *)&cl.tcp;
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_idle_start(&idle, pend_idle_cb), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, pend_prepare_cb), 0);
  CHECK_EQ(ruv_check_start(&check, pend_check_cb), 0);
  reset_order();
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "ipwc");
  reset_order();
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "Wipc");
  CHECK_EQ(pend.w1.status, 0);
  CHECK_EQ(pend.w2.status, 0);
  close_loop(&loop);
}

/* ================================================================================
 * 10. The checks of ruv_write and ruv_try_write, in order
 * libuv 1.52 src/unix/stream.c:
 *   uv_try_write2: `if (stream->connect_req != NULL || stream->write_queue_size != 0)
 *                     return UV_EAGAIN;` then uv__check_before_write;
 *   uv_write2:     uv__check_before_write only;
 *   uv__check_before_write: assert(nbufs > 0); ...
 *                  `if (uv__stream_fd(stream) < 0) return UV_EBADF;`
 *                  `if (!(stream->flags & UV_HANDLE_WRITABLE)) return UV_EPIPE;`
 * (nbufs == 0 is an assertion in libuv; ruv returns RUV_EINVAL before any
 * other check: test_write_nbufs_zero, ruv only.)
 * ================================================================================ */

static void test_write_check_order(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl, c2;
  ruv_tcp_t nosock;
  struct wr w[8];
  ruv_shutdown_t sh;
  enum { BIG = 8 << 20 };
  char *big = calloc(1, BIG);
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  /* no socket: EBADF */
  CHECK_EQ(ruv_tcp_init(&loop, &nosock), 0);
  CHECK_EQ(write1(&w[0], &nosock, "x", 1, 0), RUV_EBADF);
  CHECK_EQ(try_write1(&nosock, "x", 1), RUV_EBADF);
  /* connecting: try_write says EAGAIN; write queues until connected */
  CHECK_EQ(client_connect(&loop, &c2, sv.port), 0);
  CHECK_EQ(try_write1(&c2.tcp, "x", 1), RUV_EAGAIN);
  CHECK_EQ(write1(&w[1], &c2.tcp, "abc", 3, 0), 0);
  RUN_UNTIL(&loop, c2.connect_calls == 1 && w[1].calls == 1 && sv.npeers == 1, 5000);
  CHECK_EQ(c2.status, 0);
  CHECK_EQ(w[1].status, 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&sv.peers[0], on_alloc, on_read), 0);
  RUN_UNTIL(&loop, sv.pc[0].total == 3, 5000);
  CHECK(memcmp(sv.pc[0].data, "abc", 3) == 0);
  /* writes queued, then shut down: try_write's EAGAIN comes first, write's EPIPE */
  pair_open(&loop, &sv, &cl);
  CHECK_EQ(write1(&w[2], &cl.tcp, big, BIG, 0), 0);
  CHECK(cl.tcp.write_queue_size > 0);
  CHECK_EQ(ruv_shutdown(&sh, (ruv_stream_t *)&cl.tcp, NULL), 0);
  CHECK_EQ(try_write1(&cl.tcp, "x", 1), RUV_EAGAIN);
  CHECK_EQ(write1(&w[3], &cl.tcp, "x", 1, 0), RUV_EPIPE);
  /* shut down, nothing queued: EPIPE from both */
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&sv.peers[1], on_alloc, on_read), 0);
  RUN_UNTIL(&loop, w[2].calls == 1 && sv.pc[1].eofs == 1, 10000);
  CHECK_EQ(cl.tcp.write_queue_size, 0);
  CHECK_EQ(try_write1(&cl.tcp, "x", 1), RUV_EPIPE);
  CHECK_EQ(write1(&w[4], &cl.tcp, "x", 1, 0), RUV_EPIPE);
  /* closing: no descriptor, EBADF comes before EPIPE */
  ruv_close((ruv_handle_t *)&cl.tcp, NULL);
  CHECK_EQ(try_write1(&cl.tcp, "x", 1), RUV_EBADF);
  CHECK_EQ(write1(&w[5], &cl.tcp, "x", 1, 0), RUV_EBADF);
  run_for(&loop, 10);
  CHECK_EQ(w[0].calls + w[3].calls + w[4].calls + w[5].calls, 0);
  close_loop(&loop);
  free(big);
}

#if RUV_STRICT
static void test_write_nbufs_zero(void) {
  ruv_loop_t loop;
  struct server sv;
  struct client cl, c2;
  ruv_tcp_t nosock;
  struct wr w;
  ruv_buf_t b = ruv_buf_init((char *)"x", 1);
  loop_setup(&loop);
  server_start(&loop, &sv, on_connection);
  memset(&w, 0, sizeof w);
  /* before the socket check */
  CHECK_EQ(ruv_tcp_init(&loop, &nosock), 0);
  CHECK_EQ(ruv_write(&w.req, (ruv_stream_t *)&nosock, &b, 0, on_write), RUV_EINVAL);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&nosock, &b, 0), RUV_EINVAL);
  /* before the connecting check */
  CHECK_EQ(client_connect(&loop, &c2, sv.port), 0);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&c2.tcp, &b, 0), RUV_EINVAL);
  CHECK_EQ(ruv_write(&w.req, (ruv_stream_t *)&c2.tcp, &b, 0, on_write), RUV_EINVAL);
  /* connected */
  pair_open(&loop, &sv, &cl);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&cl.tcp, &b, 0), RUV_EINVAL);
  CHECK_EQ(ruv_write(&w.req, (ruv_stream_t *)&cl.tcp, &b, 0, on_write), RUV_EINVAL);
  /* closing */
  ruv_close((ruv_handle_t *)&cl.tcp, NULL);
  CHECK_EQ(ruv_write(&w.req, (ruv_stream_t *)&cl.tcp, &b, 0, on_write), RUV_EINVAL);
  run_for(&loop, 10);
  CHECK_EQ(w.calls, 0);
  close_loop(&loop);
}
#endif

int main(void) {
  test_begin();
  RUN_ISOLATED(test_listen_null_cb, 20);
#if RUV_STRICT
  RUN_ISOLATED(test_listen_null_cb_loop_runs, 20);
#endif
  RUN_ISOLATED(test_bind_eaddrinuse_deferred, 20);
  RUN_ISOLATED(test_connect_after_bind_eaddrinuse, 20);
  RUN_ISOLATED(test_closing_handle_refuses_starts, 20);
#if RUV_STRICT
  RUN_ISOLATED(test_closing_handle_refuses_starts_strict, 20);
#endif
  RUN_ISOLATED(test_check_prepare_only_loop_waits, 20);
#ifndef UV_VERSION_MAJOR
  RUN_ISOLATED(test_check_prepare_only_loop_iterates, 20);
#endif
  RUN_ISOLATED(test_idle_stopped_in_cb_once_does_not_wait, 20);
  RUN_ISOLATED(test_idle_stopped_in_cb_default_waits, 20);
  RUN_ISOLATED(test_active_counts_are_live, 30);
  RUN_ISOLATED(test_active_counts_are_read, 20);
  RUN_ISOLATED(test_write_from_write_cb_does_not_stall, 30);
  RUN_ISOLATED(test_poll_on_tcp_descriptor, 20);
  RUN_ISOLATED(test_eof_then_read_again, 20);
  RUN_ISOLATED(test_run_once_runs_timers_once, 20);
  RUN_ISOLATED(test_unref_due_timer_not_run, 20);
  RUN_ISOLATED(test_default_run_order, 20);
  RUN_ISOLATED(test_nowait_run_order, 20);
  RUN_ISOLATED(test_once_run_order, 20);
  RUN_ISOLATED(test_pending_callbacks_order, 20);
  RUN_ISOLATED(test_write_check_order, 30);
#if RUV_STRICT
  RUN_ISOLATED(test_write_nbufs_zero, 20);
#endif
  return test_end();
}
