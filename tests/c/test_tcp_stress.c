/* TCP under faults and load: writing to a peer that is gone (no SIGPIPE),
 * EMFILE on accept (no busy loop, the server goes on), one flooding
 * connection beside a request/response one, 1,000 concurrent echo clients,
 * 32 MiB to a slow reader, a peer that resets mid-stream, IPv6 echo.
 *
 * Loopback only, ports from binding to port 0. Expectations were checked
 * against libuv 1.44 (Debian's libuv1-dev) through a header mapping ruv_ to
 * uv_; where ruv is meant to do better than libuv (SIGPIPE, EMFILE), the
 * difference is marked RUV_STRICT. */
#include "test.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* Checks of libuv behaviour ruv once got wrong (kept named, all enabled):
 *   ONCE_BLOCKS  RUV_RUN_ONCE blocks in poll after its pending phase ran a
 *                callback (libuv then polls with timeout 0): a write that
 *                failed at once, its callback run, and ruv_run(ONCE) waits
 *                for some unrelated event */
#define RUV_KNOWN_BUG_ONCE_BLOCKS

/* ---- helpers ------------------------------------------------------------------ */

#include "net_util.h" /* pat, guard timer, RUN_UNTIL, run_for */
static int have_ipv6(void) {
  int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct sockaddr_in6 a;
  memset(&a, 0, sizeof a);
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
  close(fd);
  return ok;
}

static int port_of(ruv_tcp_t *h) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  if (ruv_tcp_getsockname(h, (struct sockaddr *)&ss, &len) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return -1;
}

/* binds to loopback port 0 and listens */
static int listen_any(ruv_loop_t *loop, ruv_tcp_t *t, int v6, int backlog, ruv_connection_cb cb) {
  memset(t, 0, sizeof *t);
  CHECK_EQ(ruv_tcp_init(loop, t), 0);
  struct sockaddr_storage ss;
  if (v6)
    CHECK_EQ(ruv_ip6_addr("::1", 0, (struct sockaddr_in6 *)&ss), 0);
  else
    CHECK_EQ(ruv_ip4_addr("127.0.0.1", 0, (struct sockaddr_in *)&ss), 0);
  CHECK_EQ(ruv_tcp_bind(t, (struct sockaddr *)&ss, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)t, backlog, cb), 0);
  int port = port_of(t);
  CHECK(port > 0);
  return port;
}

static struct sockaddr_storage loopback(int port, int v6) {
  struct sockaddr_storage ss;
  if (v6)
    CHECK_EQ(ruv_ip6_addr("::1", port, (struct sockaddr_in6 *)&ss), 0);
  else
    CHECK_EQ(ruv_ip4_addr("127.0.0.1", port, (struct sockaddr_in *)&ss), 0);
  return ss;
}

/* a buffer from malloc for every read; read_cb frees it */
static void alloc_malloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  (void)h;
  *buf = ruv_buf_init(malloc(suggested), (unsigned)suggested);
}

static int close_calls;
static void count_close(ruv_handle_t *h) {
  (void)h;
  close_calls++;
}

static int freed_calls;
static void free_on_close(ruv_handle_t *h) {
  freed_calls++;
  free(h);
}

/* A write request that carries its own copy of the data. */
struct owned_write {
  ruv_write_t req;
  int *status_out;
  char data[];
};

static int owned_writes_done, owned_writes_failed;

static void owned_write_cb(ruv_write_t *req, int status) {
  struct owned_write *w = (struct owned_write *)req;
  owned_writes_done++;
  if (status != 0) owned_writes_failed++;
  if (w->status_out) *w->status_out = status;
  free(w);
}

static int write_copy(ruv_stream_t *s, const void *p, size_t n) {
  struct owned_write *w = malloc(sizeof *w + n);
  w->status_out = NULL;
  memcpy(w->data, p, n);
  ruv_buf_t b = ruv_buf_init(w->data, (unsigned)n);
  int r = ruv_write(&w->req, s, &b, 1, owned_write_cb);
  if (r != 0) free(w);
  return r;
}

/* ---- an echo server: every accepted connection echoes what it reads, except
 * one whose first byte is 'F', which only counts ----------------------------- */

struct echo_peer {
  ruv_tcp_t tcp; /* first: the handle is the struct */
  int flood;
  int first_seen;
  size_t bytes;
};

static char echo_tag; /* the data of the echo server's connections */
static size_t echo_accepted, echo_closed, flood_bytes, echo_write_errors;

static void echo_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  struct echo_peer *p = (struct echo_peer *)s;
  if (nread > 0) {
    if (!p->first_seen) {
      p->first_seen = 1;
      p->flood = buf->base[0] == 'F';
    }
    p->bytes += (size_t)nread;
    if (p->flood)
      flood_bytes += (size_t)nread;
    else if (write_copy(s, buf->base, (size_t)nread) != 0)
      echo_write_errors++;
  } else if (nread < 0) {
    ruv_close((ruv_handle_t *)s, free_on_close);
    echo_closed++;
  }
  free(buf->base);
}

static void echo_connection(ruv_stream_t *server, int status) {
  CHECK_EQ(status, 0);
  if (status != 0) return;
  struct echo_peer *p = calloc(1, sizeof *p);
  CHECK_EQ(ruv_tcp_init(server->loop, &p->tcp), 0);
  p->tcp.data = &echo_tag;
  CHECK_EQ(ruv_accept(server, (ruv_stream_t *)&p->tcp), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&p->tcp, alloc_malloc, echo_read), 0);
  echo_accepted++;
}

/* closes every handle, freeing the echo server's connections, and the loop */
static void close_walk(ruv_handle_t *h, void *arg) {
  (void)arg;
  if (!ruv_is_closing(h)) ruv_close(h, h->data == &echo_tag ? free_on_close : NULL);
}

static void close_all(ruv_loop_t *loop) {
  ruv_walk(loop, close_walk, NULL);
  ruv_run(loop, RUV_RUN_DEFAULT);
  CHECK_EQ(ruv_loop_close(loop), 0);
}

static void echo_reset(void) { echo_accepted = echo_closed = flood_bytes = echo_write_errors = 0; }

/* ---- a pair: one accepted connection and its client ----------------------------- */

static ruv_tcp_t pair_server, pair_peer, pair_client;
static ruv_connect_t pair_creq;
static int pair_connected, pair_accepted, pair_status;

static void pair_connect_cb(ruv_connect_t *req, int status) {
  (void)req;
  pair_connected++;
  pair_status = status;
}

static void pair_connection(ruv_stream_t *server, int status) {
  CHECK_EQ(status, 0);
  CHECK_EQ(ruv_tcp_init(server->loop, &pair_peer), 0);
  CHECK_EQ(ruv_accept(server, (ruv_stream_t *)&pair_peer), 0);
  pair_accepted++;
}

static void pair_open(ruv_loop_t *loop) {
  pair_connected = pair_accepted = 0;
  pair_status = 12345;
  int port = listen_any(loop, &pair_server, 0, 16, pair_connection);
  CHECK_EQ(ruv_tcp_init(loop, &pair_client), 0);
  struct sockaddr_storage a = loopback(port, 0);
  CHECK_EQ(ruv_tcp_connect(&pair_creq, &pair_client, (struct sockaddr *)&a, pair_connect_cb), 0);
  RUN_UNTIL(loop, pair_connected == 1 && pair_accepted == 1, 5000);
  CHECK_EQ(pair_status, 0);
}

/* counting reader */
struct counter {
  size_t bytes;
  int eof, err, last_err, reads;
};

static void count_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  struct counter *c = s->data;
  c->reads++;
  if (nread > 0)
    c->bytes += (size_t)nread;
  else if (nread == RUV_EOF)
    c->eof++;
  else if (nread < 0)
    c->err++, c->last_err = (int)nread;
  free(buf->base);
}

struct wstat {
  ruv_write_t req;
  int calls, status;
};

static void wstat_cb(ruv_write_t *req, int status) {
  struct wstat *w = (struct wstat *)req;
  w->calls++;
  w->status = status;
}

/* ---- a peer that has gone: errors, never SIGPIPE ------------------------------------ */

/* The peer closed; the first write may still go out (the peer's kernel
 * answers it with a reset), a later one fails. The failing write's callback
 * gets RUV_EPIPE or RUV_ECONNRESET, and the process lives: SIGPIPE is left
 * at its default, which would kill it. */
static void test_write_to_gone_peer(void) {
  ruv_loop_t loop;
  loop_setup(&loop);
  pair_open(&loop);
  struct counter pc = {0};
  pair_peer.data = &pc;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_peer, alloc_malloc, count_read), 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&pair_client, count_close);
  RUN_UNTIL(&loop, pc.eof == 1 && close_calls == 1, 5000);
  static char chunk[4096];
  memset(chunk, 'z', sizeof chunk);
  int failed_status = 0, writes = 0;
  struct wstat w;
  for (int i = 0; i < 50 && failed_status == 0; i++) {
    memset(&w, 0, sizeof w);
    ruv_buf_t b = ruv_buf_init(chunk, sizeof chunk);
    int r = ruv_write(&w.req, (ruv_stream_t *)&pair_peer, &b, 1, wstat_cb);
    if (r != 0) { /* refused at once is fine too, as long as it is an error */
      failed_status = r;
      break;
    }
    writes++;
    RUN_UNTIL(&loop, w.calls == 1, 5000);
    if (w.status != 0) failed_status = w.status;
  }
  CHECK(failed_status == RUV_EPIPE || failed_status == RUV_ECONNRESET);
  CHECK(writes >= 1);
  /* try_write too: an error, no signal */
  ruv_buf_t b = ruv_buf_init(chunk, sizeof chunk);
  int r = ruv_try_write((ruv_stream_t *)&pair_peer, &b, 1);
  CHECK(r == RUV_EPIPE || r == RUV_ECONNRESET);
  close_all(&loop);
}

/* The same failing write, driven by RUV_RUN_ONCE: the pending phase runs its
 * callback and the iteration does not then block in poll ("something
 * happened"), as in libuv. */
static void test_run_once_after_failed_write(void) {
  ruv_loop_t loop;
  loop_setup(&loop);
  pair_open(&loop);
  struct counter pc = {0};
  pair_peer.data = &pc;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_peer, alloc_malloc, count_read), 0);
  ruv_close((ruv_handle_t *)&pair_client, NULL);
  RUN_UNTIL(&loop, pc.eof == 1, 5000);
  struct wstat w1 = {0}, w2 = {0};
  ruv_buf_t b = ruv_buf_init((char *)"x", 1);
  CHECK_EQ(ruv_write(&w1.req, (ruv_stream_t *)&pair_peer, &b, 1, wstat_cb), 0);
  RUN_UNTIL(&loop, w1.calls == 1, 5000); /* went out; the peer's kernel resets */
  CHECK_EQ(w1.status, 0);
  run_for(&loop, 50);
  CHECK_EQ(ruv_write(&w2.req, (ruv_stream_t *)&pair_peer, &b, 1, wstat_cb), 0);
  CHECK_EQ(w2.calls, 0);
  ruv_update_time(&loop);
  CHECK_EQ(ruv_timer_start(&guard, guard_cb, 1000, 0), 0);
  uint64_t t0 = ruv_hrtime();
  ruv_run(&loop, RUV_RUN_ONCE);
  uint64_t ms = (ruv_hrtime() - t0) / 1000000;
  CHECK_EQ(w2.calls, 1);
  CHECK_EQ(w2.status, RUV_EPIPE);
#ifdef RUV_KNOWN_BUG_ONCE_BLOCKS
  CHECK(ms < 500);
#else
  (void)ms;
#endif
  ruv_timer_stop(&guard);
  close_all(&loop);
}

/* try_write to a peer that has gone: the first may be accepted by the
 * kernel, a later one fails, and no SIGPIPE */
static void test_try_write_to_gone_peer(void) {
  ruv_loop_t loop;
  loop_setup(&loop);
  pair_open(&loop);
  struct counter pc = {0};
  pair_peer.data = &pc;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_peer, alloc_malloc, count_read), 0);
  ruv_close((ruv_handle_t *)&pair_client, NULL);
  RUN_UNTIL(&loop, pc.eof == 1, 5000);
  CHECK_EQ(ruv_read_stop((ruv_stream_t *)&pair_peer), 0);
  int err = 0;
  for (int i = 0; i < 50 && err == 0; i++) {
    ruv_buf_t b = ruv_buf_init((char *)"abc", 3);
    int r = ruv_try_write((ruv_stream_t *)&pair_peer, &b, 1);
    if (r < 0) err = r;
    else CHECK_EQ(r, 3);
    run_for(&loop, 2);
  }
  CHECK(err == RUV_EPIPE || err == RUV_ECONNRESET);
  close_all(&loop);
}

/* ---- EMFILE on accept ----------------------------------------------------------------- */

static int iterations;
static void count_iteration(ruv_check_t *c) {
  (void)c;
  iterations++;
}

#define NPEND 5
static ruv_tcp_t emfile_peers[2 * NPEND];
static int emfile_accepted, emfile_conn_calls, emfile_conn_errors;

static void emfile_connection(ruv_stream_t *server, int status) {
  emfile_conn_calls++;
  if (status != 0) {
    emfile_conn_errors++;
    return;
  }
  if (emfile_accepted >= 2 * NPEND) return;
  ruv_tcp_t *p = &emfile_peers[emfile_accepted];
  CHECK_EQ(ruv_tcp_init(server->loop, p), 0);
  CHECK_EQ(ruv_accept(server, (ruv_stream_t *)p), 0);
  emfile_accepted++;
  /* say hello: the client checks it was really served */
  CHECK_EQ(write_copy((ruv_stream_t *)p, "hi", 2), 0);
}

/* what a raw client has received without blocking: 1 for "hi", 0 for EOF or
 * reset, -1 for nothing yet */
static int raw_hello(int fd) {
  char b[8];
  ssize_t n = recv(fd, b, sizeof b, MSG_DONTWAIT);
  if (n == 2 && memcmp(b, "hi", 2) == 0) return 1;
  if (n == 0 || (n < 0 && errno == ECONNRESET)) return 0;
  return -1;
}

/* Valgrind keeps RLIMIT_NOFILE to itself: the kernel's limit does not drop,
 * and valgrind closes a descriptor the program gets above the lowered limit,
 * reporting EMFILE. So under valgrind a connection accepted while out of
 * descriptors is closed by valgrind, whatever the library does. */
static int under_valgrind(void) {
  const char *p = getenv("LD_PRELOAD");
  return p && strstr(p, "vgpreload") != NULL;
}

#if RUV_STRICT
static int walked;
static void count_walk(ruv_handle_t *h, void *arg) {
  (void)h;
  (void)arg;
  walked++;
}
#endif

static void test_emfile_accept(void) {
  ruv_loop_t loop;
  ruv_tcp_t server;
  ruv_check_t chk;
  struct rlimit old, low;
  CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  loop_setup(&loop);
  emfile_accepted = emfile_conn_calls = emfile_conn_errors = 0;
  owned_writes_done = owned_writes_failed = 0;
  int port = listen_any(&loop, &server, 0, 64, emfile_connection);
  int pend[NPEND], late;
  for (int i = 0; i < NPEND; i++) pend[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  late = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  memset(&chk, 0, sizeof chk);
  CHECK_EQ(ruv_check_init(&loop, &chk), 0);
  CHECK_EQ(ruv_check_start(&chk, count_iteration), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);

  /* a low limit, every descriptor below it taken */
  low = old;
  low.rlim_cur = 256;
  CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  static int dups[256];
  int ndups = 0;
  for (;;) {
    int d = dup(0);
    if (d < 0) {
      CHECK_EQ(errno, EMFILE);
      break;
    }
    if (ndups < 256) dups[ndups++] = d;
  }
  CHECK(ndups > 0);
  /* clients connect: the kernel queues them; accepting them needs a descriptor */
  struct sockaddr_in a;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", port, &a), 0);
  for (int i = 0; i < NPEND; i++) CHECK_EQ(connect(pend[i], (struct sockaddr *)&a, sizeof a), 0);

  /* stuck for 200 ms: no busy loop, the server still listening */
  iterations = 0;
  run_for(&loop, 200);
  fprintf(stderr, "   EMFILE: %d iterations in 200 ms, connection_cb %d (%d errors)\n", iterations,
          emfile_conn_calls, emfile_conn_errors);
  CHECK(iterations < 1000);
  CHECK(ruv_is_active((ruv_handle_t *)&server));
  CHECK_EQ(emfile_accepted, 0);
#if RUV_STRICT
  /* ruv retries with an internal timer: not shown to ruv_walk (the guard
   * timer, the server and the check handle are all there is), and not
   * counted among the active handles (server and check; the guard timer
   * has fired) */
  walked = 0;
  ruv_walk(&loop, count_walk, NULL);
  CHECK_EQ(walked, 3);
  CHECK_EQ(loop.active_handles, 2);
#endif

  /* descriptors free again */
  for (int i = 0; i < ndups; i++) close(dups[i]);
  CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
  int vg = under_valgrind();
#if RUV_STRICT
  if (vg) {
    /* accepted now, or closed by valgrind: either way not left hanging */
    run_for(&loop, 100);
    for (int i = 0; i < NPEND; i++) CHECK(raw_hello(pend[i]) >= 0);
  } else {
    /* ruv: the waiting connections stayed in the backlog and are accepted now */
    RUN_UNTIL(&loop, emfile_accepted == NPEND && owned_writes_done == NPEND, 5000);
    for (int i = 0; i < NPEND; i++) CHECK_EQ(raw_hello(pend[i]), 1);
  }
  CHECK_EQ(emfile_conn_errors, 0);
#else
  /* libuv 1.44: its reserve-descriptor trick accepted and closed them while
   * out of descriptors: the clients see end of stream (or a reset) */
  (void)vg;
  run_for(&loop, 50);
  CHECK_EQ(emfile_accepted, 0);
  for (int i = 0; i < NPEND; i++) CHECK_EQ(raw_hello(pend[i]), 0);
#endif
  /* and the server goes on serving */
  int before = emfile_accepted;
  CHECK_EQ(connect(late, (struct sockaddr *)&a, sizeof a), 0);
  RUN_UNTIL(&loop, emfile_accepted == before + 1 && owned_writes_done == emfile_accepted, 5000);
  CHECK_EQ(raw_hello(late), 1);
  CHECK_EQ(owned_writes_failed, 0);
  for (int i = 0; i < NPEND; i++) close(pend[i]);
  close(late);
  close_all(&loop);
}

/* ---- fairness: a flood beside request/response ----------------------------------------- */

static ruv_tcp_t flood_client, ping_client;
static ruv_connect_t flood_creq, ping_creq;
static int flood_stop, flood_writes_ok, flood_writes_err, flood_in_flight;
static unsigned char *flood_buf;
enum { FLOOD_CHUNK = 256 << 10, ROUND_TRIPS = 100, MSG = 16 };

static void flood_write_cb(ruv_write_t *req, int status);

static void flood_more(void) {
  while (!flood_stop && flood_in_flight < 2) {
    ruv_write_t *req = malloc(sizeof *req);
    ruv_buf_t b = ruv_buf_init((char *)flood_buf, FLOOD_CHUNK);
    if (ruv_write(req, (ruv_stream_t *)&flood_client, &b, 1, flood_write_cb) != 0) {
      free(req);
      flood_writes_err++;
      return;
    }
    flood_in_flight++;
  }
}

static void flood_write_cb(ruv_write_t *req, int status) {
  free(req);
  flood_in_flight--;
  if (status == 0)
    flood_writes_ok++;
  else if (status != RUV_ECANCELED)
    flood_writes_err++;
  flood_more();
}

static void flood_connect_cb(ruv_connect_t *req, int status) {
  (void)req;
  CHECK_EQ(status, 0);
  if (status == 0) flood_more();
}

static int rt_done, rt_bad;
static char rt_in[MSG];
static size_t rt_have;

static void ping_send(void) {
  char m[MSG];
  snprintf(m, sizeof m, "P%014d", rt_done);
  CHECK_EQ(write_copy((ruv_stream_t *)&ping_client, m, MSG), 0);
}

static void ping_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  (void)s;
  for (ssize_t i = 0; i < nread; i++) {
    rt_in[rt_have++] = buf->base[i];
    if (rt_have == MSG) {
      char m[MSG];
      snprintf(m, sizeof m, "P%014d", rt_done);
      if (memcmp(m, rt_in, MSG) != 0) rt_bad++;
      rt_have = 0;
      rt_done++;
      if (rt_done < ROUND_TRIPS) ping_send();
    }
  }
  if (nread < 0) rt_bad++;
  free(buf->base);
}

static void ping_connect_cb(ruv_connect_t *req, int status) {
  (void)req;
  CHECK_EQ(status, 0);
  if (status != 0) return;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&ping_client, alloc_malloc, ping_read), 0);
  ping_send();
}

static void test_flood_does_not_starve(void) {
  ruv_loop_t loop;
  ruv_tcp_t server;
  loop_setup(&loop);
  echo_reset();
  owned_writes_done = owned_writes_failed = 0;
  flood_stop = flood_writes_ok = flood_writes_err = flood_in_flight = 0;
  rt_done = rt_bad = 0;
  rt_have = 0;
  flood_buf = malloc(FLOOD_CHUNK);
  memset(flood_buf, 'F', FLOOD_CHUNK);
  int port = listen_any(&loop, &server, 0, 16, echo_connection);
  struct sockaddr_storage a = loopback(port, 0);
  CHECK_EQ(ruv_tcp_init(&loop, &flood_client), 0);
  CHECK_EQ(ruv_tcp_connect(&flood_creq, &flood_client, (struct sockaddr *)&a, flood_connect_cb), 0);
  /* let the flood get going first */
  RUN_UNTIL(&loop, flood_bytes > (4u << 20), 10000);
  CHECK_EQ(ruv_tcp_init(&loop, &ping_client), 0);
  CHECK_EQ(ruv_tcp_connect(&ping_creq, &ping_client, (struct sockaddr *)&a, ping_connect_cb), 0);
  size_t flood_at_start = flood_bytes;
  RUN_UNTIL(&loop, rt_done == ROUND_TRIPS, 20000);
  fprintf(stderr, "   %d round trips beside %zu flood bytes\n", rt_done, flood_bytes - flood_at_start);
  CHECK_EQ(rt_bad, 0);
  CHECK(flood_bytes > flood_at_start); /* the flood went on meanwhile */
  CHECK_EQ(flood_writes_err, 0);
  CHECK_EQ(echo_write_errors, 0);
  flood_stop = 1;
  close_all(&loop);
  CHECK_EQ(flood_in_flight, 0);
  free(flood_buf);
}

/* ---- 1,000 concurrent clients ------------------------------------------------------------- */

#define ECHO_MSG 64

struct echo_client {
  ruv_tcp_t tcp;
  ruv_connect_t creq;
  struct wstat w;
  char msg[ECHO_MSG];
  char got[ECHO_MSG];
  size_t have;
  int status;
};

static int ec_ok, ec_bad, ec_connect_errors;

static void ec_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  struct echo_client *c = (struct echo_client *)s;
  if (nread > 0) {
    if (c->have + (size_t)nread <= ECHO_MSG) {
      memcpy(c->got + c->have, buf->base, (size_t)nread);
      c->have += (size_t)nread;
      if (c->have == ECHO_MSG) {
        if (memcmp(c->got, c->msg, ECHO_MSG) == 0)
          ec_ok++;
        else
          ec_bad++;
        ruv_close((ruv_handle_t *)s, count_close);
      }
    } else {
      ec_bad++;
    }
  } else if (nread < 0) {
    ec_bad++;
    ruv_close((ruv_handle_t *)s, count_close);
  }
  free(buf->base);
}

static void ec_connect_cb(ruv_connect_t *req, int status) {
  struct echo_client *c = req->data;
  c->status = status;
  if (status != 0) {
    ec_connect_errors++;
    ruv_close((ruv_handle_t *)&c->tcp, count_close);
    return;
  }
  ruv_buf_t b = ruv_buf_init(c->msg, ECHO_MSG);
  CHECK_EQ(ruv_write(&c->w.req, (ruv_stream_t *)&c->tcp, &b, 1, wstat_cb), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&c->tcp, alloc_malloc, ec_read), 0);
}

static void echo_clients(int n, int v6) {
  ruv_loop_t loop;
  ruv_tcp_t server;
  loop_setup(&loop);
  echo_reset();
  owned_writes_done = owned_writes_failed = 0;
  ec_ok = ec_bad = ec_connect_errors = 0;
  close_calls = freed_calls = 0;
  int port = listen_any(&loop, &server, v6, n, echo_connection);
  struct sockaddr_storage a = loopback(port, v6);
  struct echo_client *cs = calloc((size_t)n, sizeof *cs);
  for (int i = 0; i < n; i++) {
    struct echo_client *c = &cs[i];
    snprintf(c->msg, ECHO_MSG, "client %06d ", i);
    for (size_t j = strlen(c->msg); j < ECHO_MSG; j++) c->msg[j] = (char)('a' + (i + j) % 26);
    c->creq.data = c;
    c->status = 12345;
    CHECK_EQ(ruv_tcp_init(&loop, &c->tcp), 0);
    CHECK_EQ(ruv_tcp_connect(&c->creq, &c->tcp, (struct sockaddr *)&a, ec_connect_cb), 0);
  }
  RUN_UNTIL(&loop, close_calls == n, 60000);
  int writes_ok = 0;
  for (int i = 0; i < n; i++) writes_ok += cs[i].w.calls == 1 && cs[i].w.status == 0;
  fprintf(stderr, "   %d clients: %d echoed, %d bad, %d connect errors\n", n, ec_ok, ec_bad, ec_connect_errors);
  CHECK_EQ(ec_ok, n);
  CHECK_EQ(ec_bad, 0);
  CHECK_EQ(ec_connect_errors, 0);
  CHECK_EQ(writes_ok, n);
  CHECK_EQ(echo_accepted, n);
  /* the server side sees every client's end of stream and closes */
  RUN_UNTIL(&loop, echo_closed == (size_t)n && owned_writes_done == n && freed_calls == n, 10000);
  CHECK_EQ(owned_writes_failed, 0);
  CHECK_EQ(echo_write_errors, 0);
  close_all(&loop);
  free(cs);
}

static void test_thousand_clients(void) {
  int n = 1000;
  struct rlimit rl;
  CHECK_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  rlim_t need = (rlim_t)(2 * n + 64);
  if (rl.rlim_cur < need) {
    struct rlimit up = rl;
    up.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
    CHECK_EQ(setrlimit(RLIMIT_NOFILE, &up), 0);
    if (up.rlim_cur < need) {
      n = (int)((up.rlim_cur - 64) / 2);
      fprintf(stderr, "   descriptor limit %lu: %d clients only\n", (unsigned long)up.rlim_cur, n);
    }
  }
  echo_clients(n, 0);
}

static void test_ipv6_echo(void) {
  if (!have_ipv6()) {
    fprintf(stderr, "   (no ::1 here: skipped)\n");
    return;
  }
  echo_clients(20, 1);
}

/* ---- 32 MiB to a slow reader ------------------------------------------------------------- */

enum { HUGE = 32 << 20, SLOW_CHUNK = 4096, SLOW_PAUSE_EVERY = 512 << 10 };

static ruv_timer_t slow_timer;
static size_t slow_got, slow_since_pause, slow_last_queue;
static int slow_bad, slow_eof, slow_err, slow_pauses, slow_queue_grew;
static ruv_tcp_t *slow_writer;

static void slow_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  (void)h;
  (void)suggested;
  *buf = ruv_buf_init(malloc(SLOW_CHUNK), SLOW_CHUNK); /* small chunks */
}

static void slow_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf);

static void slow_resume(ruv_timer_t *t) {
  (void)t;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_peer, slow_alloc, slow_read), 0);
}

static void slow_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  if (nread > 0) {
    if (!check_pat((unsigned char *)buf->base, (size_t)nread, slow_got)) slow_bad++;
    slow_got += (size_t)nread;
    slow_since_pause += (size_t)nread;
    /* the writer's queue only shrinks */
    size_t q = slow_writer->write_queue_size;
    if (q > slow_last_queue) slow_queue_grew++;
    slow_last_queue = q;
    if (slow_since_pause >= SLOW_PAUSE_EVERY) {
      slow_since_pause = 0;
      slow_pauses++;
      CHECK_EQ(ruv_read_stop(s), 0);
      CHECK_EQ(ruv_timer_start(&slow_timer, slow_resume, 2, 0), 0);
    }
  } else if (nread == RUV_EOF) {
    slow_eof++;
  } else if (nread < 0) {
    slow_err++;
  }
  free(buf->base);
}

struct sreq {
  ruv_shutdown_t req;
  int calls, status;
};

static void sreq_cb(ruv_shutdown_t *req, int status) {
  struct sreq *s = (struct sreq *)req;
  s->calls++;
  s->status = status;
}

static void test_huge_write_slow_reader(void) {
  ruv_loop_t loop;
  struct wstat w = {0};
  struct sreq sh = {0};
  unsigned char *huge = malloc(HUGE);
  fill_pat(huge, HUGE, 0);
  loop_setup(&loop);
  pair_open(&loop);
  CHECK_EQ(ruv_timer_init(&loop, &slow_timer), 0);
  slow_got = slow_since_pause = 0;
  slow_bad = slow_eof = slow_err = slow_pauses = slow_queue_grew = 0;
  slow_writer = &pair_client;
  ruv_buf_t b = ruv_buf_init((char *)huge, HUGE);
  CHECK_EQ(ruv_write(&w.req, (ruv_stream_t *)&pair_client, &b, 1, wstat_cb), 0);
  size_t q = pair_client.write_queue_size;
  CHECK(q > 0 && q <= HUGE);
  CHECK_EQ(ruv_stream_get_write_queue_size((ruv_stream_t *)&pair_client), q);
  slow_last_queue = q;
  CHECK_EQ(ruv_shutdown(&sh.req, (ruv_stream_t *)&pair_client, sreq_cb), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_peer, slow_alloc, slow_read), 0);
  RUN_UNTIL(&loop, slow_eof == 1 || slow_err || slow_bad, 60000);
  fprintf(stderr, "   %zu bytes in %d pauses\n", slow_got, slow_pauses);
  CHECK_EQ(w.calls, 1);
  CHECK_EQ(w.status, 0);
  CHECK_EQ(sh.calls, 1);
  CHECK_EQ(sh.status, 0);
  CHECK_EQ(pair_client.write_queue_size, 0);
  CHECK_EQ(ruv_stream_get_write_queue_size((ruv_stream_t *)&pair_client), 0);
  CHECK_EQ(slow_got, HUGE);
  CHECK_EQ(slow_bad, 0);
  CHECK_EQ(slow_err, 0);
  CHECK_EQ(slow_eof, 1);
  CHECK_EQ(slow_queue_grew, 0);
  CHECK(slow_pauses >= HUGE / SLOW_PAUSE_EVERY - 1);
  close_all(&loop);
  free(huge);
}

/* ---- a peer that resets mid-stream --------------------------------------------------------- */

/* The client stops reading with data in flight and closes with SO_LINGER 0.
 * The server, reading and with a big write queued, gets RUV_ECONNRESET in
 * read_cb (not EOF), and its queued write fails (RUV_EPIPE or RUV_ECONNRESET)
 * without SIGPIPE, before it closes anything. */
static void test_peer_reset_mid_stream(void) {
  ruv_loop_t loop;
  struct wstat w = {0};
  enum { BIG = 16 << 20 };
  unsigned char *big = malloc(BIG);
  fill_pat(big, BIG, 0);
  loop_setup(&loop);
  pair_open(&loop);
  struct counter sc = {0}, cc = {0};
  pair_peer.data = &sc;
  pair_client.data = &cc;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_peer, alloc_malloc, count_read), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&pair_client, alloc_malloc, count_read), 0);
  ruv_buf_t b = ruv_buf_init((char *)big, BIG);
  CHECK_EQ(ruv_write(&w.req, (ruv_stream_t *)&pair_peer, &b, 1, wstat_cb), 0);
  RUN_UNTIL(&loop, cc.bytes > (1u << 20), 10000); /* mid-stream */
  CHECK_EQ(w.calls, 0);
  CHECK_EQ(ruv_read_stop((ruv_stream_t *)&pair_client), 0);
  int fd = -1;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&pair_client, &fd), 0);
  struct linger lg = {1, 0};
  CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&pair_client, count_close);
  RUN_UNTIL(&loop, sc.err == 1 && w.calls == 1 && close_calls == 1, 5000);
  CHECK_EQ(sc.last_err, RUV_ECONNRESET);
  CHECK_EQ(sc.eof, 0);
  CHECK(w.status == RUV_EPIPE || w.status == RUV_ECONNRESET);
  CHECK_EQ(pair_peer.write_queue_size, 0);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&pair_peer), 0);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&pair_peer), 0);
  close_all(&loop);
  free(big);
}

int main(void) {
  test_begin();
#if !RUV_STRICT
  /* libuv 1.44 leaves SIGPIPE to the application (libuv-parity.md §5.7): a
   * write to a reset socket kills the process. ruv must not need this. */
  signal(SIGPIPE, SIG_IGN);
#endif
  RUN(test_write_to_gone_peer);
  RUN(test_run_once_after_failed_write);
  RUN(test_try_write_to_gone_peer);
  RUN(test_emfile_accept);
  RUN(test_flood_does_not_starve);
  RUN(test_thousand_clients);
  RUN(test_huge_write_slow_reader);
  RUN(test_peer_reset_mid_stream);
  RUN(test_ipv6_echo);
  return test_end();
}
