/* Pipes (ruv_pipe_t) over descriptors given to ruv_pipe_open: socketpair(2)
 * ends (readable and writable) and pipe(2) ends (one way each, as their
 * access mode says). They run on the generic stream code: reading, EOF,
 * writing several buffers, the write queue, try_write, shutdown, closing with
 * writes queued. Also ruv_pipe_init's fields, what a pipe without a
 * descriptor refuses, ruv_pipe_open's errors, and (ruv only) a pipe and a TCP
 * handle passed to each other's functions.
 *
 * Not here: binding and connecting to names, and passing handles over IPC
 * pipes (ruv has neither yet).
 *
 * Every test closes its handles and its loop, and checks that the
 * descriptors ruv took are closed after; main() checks that the program ends
 * with as many descriptors open as it started with.
 *
 * Every expectation was checked against libuv 1.44 (Debian's libuv1-dev)
 * through tests/c/libuv-shim, with the pipe names the shim lacks mapped
 * below; what only ruv does is under RUV_STRICT:
 *
 *   cc -std=c11 -g -Wall -Wextra -Werror -Itests/c/libuv-shim tests/c/test_pipe.c \
 *      -luv -lpthread -ldl -lm -o /tmp/pipe-uv && /tmp/pipe-uv */
#include "test.h"
#include <dirent.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>

#include "net_util.h" /* pat, guard timer, RUN_UNTIL, run_for */

/* ---- helpers ------------------------------------------------------------------ */

static int fd_is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }
static int nonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

static int fd_of(void *h) {
  ruv_os_fd_t fd = -1;
  if (ruv_fileno((ruv_handle_t *)h, &fd) != 0) return -1;
  return fd;
}

/* where `ch` is in `s`, or -1 */
static int at(const char *s, char ch) {
  const char *p = strchr(s, ch);
  return p ? (int)(p - s) : -1;
}

static int close_calls;
static void close_cb(ruv_handle_t *h) {
  (void)h;
  close_calls++;
  rec('x');
}

/* ---- reading: every reading pipe's data points at one of these ---------------- */

struct conn {
  int allocs, reads, data_reads, eofs, errors, last_error;
  int read_after_eof; /* read_cb with data after EOF */
  unsigned char *data;
  size_t cap, len, total;
  int overflow;
  ruv_stream_t *echo; /* write what arrives back to this stream */
  int echo_writes, echo_done, echo_bad_status;
  char tag_data, tag_eof;
};

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  struct conn *c = h->data;
  c->allocs++;
  size_t n = suggested ? suggested : 65536;
  *buf = ruv_buf_init(malloc(n), (unsigned)n);
}

struct echo_req {
  ruv_write_t req; /* first: the callback casts back */
  struct conn *c;
  char bytes[];
};

static void on_echo_written(ruv_write_t *req, int status) {
  struct echo_req *e = (struct echo_req *)req;
  e->c->echo_done++;
  if (status != 0) e->c->echo_bad_status++;
  free(e);
}

static void on_read(ruv_stream_t *s, ssize_t nread, const ruv_buf_t *buf) {
  struct conn *c = s->data;
  c->reads++;
  if (nread > 0) {
    if (c->eofs) c->read_after_eof++;
    c->data_reads++;
    if (c->cap) {
      if (c->len + (size_t)nread <= c->cap) {
        memcpy(c->data + c->len, buf->base, (size_t)nread);
        c->len += (size_t)nread;
      } else {
        c->overflow++;
      }
    }
    c->total += (size_t)nread;
    if (c->tag_data) rec(c->tag_data);
    if (c->echo) {
      struct echo_req *e = malloc(sizeof *e + (size_t)nread);
      e->c = c;
      memcpy(e->bytes, buf->base, (size_t)nread);
      ruv_buf_t b = ruv_buf_init(e->bytes, (unsigned)nread);
      int r = ruv_write(&e->req, c->echo, &b, 1, on_echo_written);
      CHECK_EQ(r, 0);
      if (r == 0)
        c->echo_writes++;
      else
        free(e);
    }
  } else if (nread == RUV_EOF) {
    c->eofs++;
    if (c->tag_eof) rec(c->tag_eof);
  } else if (nread < 0) {
    c->errors++;
    c->last_error = (int)nread;
  }
  free(buf->base);
}

static void conn_store(struct conn *c, size_t cap) {
  c->data = malloc(cap);
  c->cap = cap;
}

static void conn_free(struct conn *c) {
  free(c->data);
  c->data = NULL;
}

/* ---- writing ------------------------------------------------------------------ */

struct wr {
  ruv_write_t req; /* first: the callback casts back */
  char tag;
  int calls;
  int status;
  int during_write; /* the callback ran inside ruv_write */
  size_t queue_in_cb;
};

static int in_write;

static void on_write(ruv_write_t *req, int status) {
  struct wr *w = (struct wr *)req;
  w->calls++;
  w->status = status;
  if (in_write) w->during_write++;
  w->queue_in_cb = req->handle->write_queue_size;
  if (w->tag) rec(w->tag);
}

static int do_write(struct wr *w, void *stream, const ruv_buf_t *bufs, unsigned n, char tag) {
  memset(w, 0, sizeof *w);
  w->tag = tag;
  w->status = 12345;
  in_write = 1;
  int r = ruv_write(&w->req, (ruv_stream_t *)stream, bufs, n, on_write);
  in_write = 0;
  return r;
}

static int write1(struct wr *w, void *stream, const void *p, size_t n, char tag) {
  ruv_buf_t b = ruv_buf_init((char *)p, (unsigned)n);
  return do_write(w, stream, &b, 1, tag);
}

struct sreq {
  ruv_shutdown_t req; /* first: the callback casts back */
  int calls, status;
};

static void on_shutdown(ruv_shutdown_t *req, int status) {
  struct sreq *s = (struct sreq *)req;
  s->calls++;
  s->status = status;
  rec('s');
}

/* two pipes on the two ends of a socketpair */
static void sp_pair(ruv_loop_t *loop, ruv_pipe_t *a, ruv_pipe_t *b, int sp[2]) {
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  CHECK_EQ(ruv_pipe_init(loop, a, 0), 0);
  CHECK_EQ(ruv_pipe_init(loop, b, 0), 0);
  CHECK_EQ(ruv_pipe_open(a, sp[0]), 0);
  CHECK_EQ(ruv_pipe_open(b, sp[1]), 0);
}

/* ---- init ------------------------------------------------------------------------ */

/* ruv_pipe_init's fields, and what a pipe without a descriptor refuses */
static void test_init(void) {
  ruv_loop_t loop;
  ruv_pipe_t p0, p1;
  struct wr w;
  struct sreq sh;
  struct conn c = {0};
  loop_setup(&loop);
  memset(&p0, 0xaa, sizeof p0); /* garbage in ipc: init sets it */
  memset(&p1, 0, sizeof p1);
  CHECK_EQ(ruv_pipe_init(&loop, &p0, 0), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &p1, 1), 0);
  CHECK_EQ(p0.ipc, 0);
  CHECK_EQ(p1.ipc, 1);
  CHECK_EQ(p0.type, RUV_NAMED_PIPE);
  CHECK_EQ(p1.type, RUV_NAMED_PIPE);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&p0), RUV_NAMED_PIPE);
  CHECK(p0.loop == &loop);
  CHECK(p1.loop == &loop);
  CHECK_EQ(ruv_handle_size(RUV_NAMED_PIPE), 264);
  CHECK_EQ(ruv_handle_size(RUV_NAMED_PIPE), sizeof(ruv_pipe_t));
  CHECK_EQ(p0.write_queue_size, 0);
  CHECK_EQ(ruv_stream_get_write_queue_size((ruv_stream_t *)&p0), 0);
  CHECK(!ruv_is_active((ruv_handle_t *)&p0));
  /* no descriptor yet: neither readable nor writable */
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&p0), 0);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&p0), 0);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&p1), 0);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&p1), 0);
  p0.data = &c;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&p0, on_alloc, on_read), RUV_ENOTCONN);
  CHECK(!ruv_is_active((ruv_handle_t *)&p0));
  CHECK_EQ(write1(&w, &p0, "x", 1, 0), RUV_EBADF);
  ruv_buf_t b = ruv_buf_init((char *)"x", 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&p0, &b, 1), RUV_EBADF);
  CHECK_EQ(ruv_shutdown(&sh.req, (ruv_stream_t *)&p0, on_shutdown), RUV_ENOTCONN);
  ruv_os_fd_t fd = 77;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&p0, &fd), RUV_EBADF);
  CHECK_EQ(ruv_stream_set_blocking((ruv_stream_t *)&p0, 1), RUV_EBADF);
  run_for(&loop, 5);
  CHECK_EQ(w.calls, 0);
  CHECK_EQ(c.reads + c.allocs, 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&p0, close_cb);
  ruv_close((ruv_handle_t *)&p1, close_cb);
  RUN_UNTIL(&loop, close_calls == 2, 5000);
  close_loop(&loop);
}

/* ---- socketpair ends ------------------------------------------------------------- */

/* both ends readable and writable; several buffers in one write arrive in
 * order and come back through an echo on the other end */
static void test_socketpair_echo(void) {
  ruv_loop_t loop;
  ruv_pipe_t a, b;
  int sp[2];
  struct wr w;
  struct conn ca = {0}, cb = {0};
  static const char p1[] = "alpha-", p2[] = "beta-", p3[] = "gamma";
  loop_setup(&loop);
  sp_pair(&loop, &a, &b, sp);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&a), 1);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&a), 1);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&b), 1);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&b), 1);
  CHECK(!ruv_is_active((ruv_handle_t *)&a)); /* open, not reading */
  conn_store(&ca, 64);
  conn_store(&cb, 64);
  a.data = &ca;
  b.data = &cb;
  cb.echo = (ruv_stream_t *)&b;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&a, on_alloc, on_read), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&b, on_alloc, on_read), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&b));
  /* the buffer array may go as soon as ruv_write returns (valgrind sees any
   * later use) */
  ruv_buf_t *bufs = malloc(3 * sizeof *bufs);
  bufs[0] = ruv_buf_init((char *)p1, 6);
  bufs[1] = ruv_buf_init((char *)p2, 5);
  bufs[2] = ruv_buf_init((char *)p3, 5);
  CHECK_EQ(do_write(&w, &a, bufs, 3, 'w'), 0);
  free(bufs);
  CHECK_EQ(w.calls, 0); /* never inside ruv_write */
  CHECK(w.req.handle == (ruv_stream_t *)&a);
  CHECK_EQ(w.req.type, RUV_WRITE);
  RUN_UNTIL(&loop, w.calls == 1 && cb.total == 16 && ca.total == 16 && cb.echo_done == cb.echo_writes,
            5000);
  CHECK_EQ(w.status, 0);
  CHECK_EQ(w.during_write, 0);
  CHECK(cb.len == 16 && memcmp(cb.data, "alpha-beta-gamma", 16) == 0);
  CHECK(ca.len == 16 && memcmp(ca.data, "alpha-beta-gamma", 16) == 0);
  CHECK(cb.echo_writes >= 1);
  CHECK_EQ(cb.echo_bad_status, 0);
  CHECK_EQ(ca.eofs + ca.errors + cb.eofs + cb.errors, 0);
  CHECK_EQ(a.write_queue_size, 0);
  CHECK_EQ(b.write_queue_size, 0);
  /* the other way, unprompted */
  cb.echo = NULL;
  struct wr w2;
  CHECK_EQ(write1(&w2, &b, "-back", 5, 0), 0);
  RUN_UNTIL(&loop, w2.calls == 1 && ca.total == 21, 5000);
  CHECK_EQ(w2.status, 0);
  CHECK(ca.len == 21 && memcmp(ca.data + 16, "-back", 5) == 0);
  close_loop(&loop);
  CHECK(!fd_is_open(sp[0]));
  CHECK(!fd_is_open(sp[1]));
  conn_free(&ca);
  conn_free(&cb);
}

/* try_write writes what the socket takes; a big write fills the socket
 * buffer and waits in the queue (write_queue_size), try_write says EAGAIN
 * meanwhile; the queue drains once the peer reads */
static void test_socketpair_big_write(void) {
  ruv_loop_t loop;
  ruv_pipe_t a, b;
  int sp[2];
  struct wr w[2];
  struct conn cb = {0};
  enum { BIG = 4 << 20 };
  unsigned char *big = malloc(BIG);
  fill_pat(big, BIG, 7);
  loop_setup(&loop);
  sp_pair(&loop, &a, &b, sp);
  conn_store(&cb, BIG + 64);
  b.data = &cb;
  reset_order();
  /* try_write: all of it, from two buffers, at once */
  unsigned char head[7];
  fill_pat(head, 7, 0);
  ruv_buf_t tb[2] = {ruv_buf_init((char *)head, 3), ruv_buf_init((char *)head + 3, 4)};
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&a, tb, 2), 7);
  CHECK_EQ(a.write_queue_size, 0);
  /* the peer does not read yet: most of the big write stays queued */
  CHECK_EQ(write1(&w[0], &a, big, BIG, '1'), 0);
  size_t q0 = a.write_queue_size;
  CHECK(q0 > 0 && q0 < BIG);
  CHECK_EQ(ruv_stream_get_write_queue_size((ruv_stream_t *)&a), q0);
  CHECK_EQ(w[0].calls, 0);
  /* a write behind it adds its size */
  CHECK_EQ(write1(&w[1], &a, "tail", 4, '2'), 0);
  CHECK_EQ(a.write_queue_size, q0 + 4);
  /* try_write refuses while writes are queued (it would reorder the bytes) */
  ruv_buf_t one = ruv_buf_init((char *)"!", 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&a, &one, 1), RUV_EAGAIN);
  run_for(&loop, 10);
  CHECK_EQ(w[0].calls + w[1].calls, 0); /* stuck until the peer reads */
  CHECK_EQ(a.write_queue_size, q0 + 4);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&a, &one, 1), RUV_EAGAIN);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&b, on_alloc, on_read), 0);
  RUN_UNTIL(&loop, w[1].calls == 1 && cb.total == 7 + BIG + 4, 20000);
  CHECK_STR(order, "12");
  for (int i = 0; i < 2; i++) {
    CHECK_EQ(w[i].calls, 1);
    CHECK_EQ(w[i].status, 0);
    CHECK_EQ(w[i].during_write, 0);
  }
  CHECK_EQ(w[1].queue_in_cb, 0);
  CHECK_EQ(a.write_queue_size, 0);
  CHECK_EQ(ruv_stream_get_write_queue_size((ruv_stream_t *)&a), 0);
  CHECK_EQ(cb.overflow, 0);
  CHECK(cb.len == 7 + BIG + 4 && check_pat(cb.data, 7, 0) && check_pat(cb.data + 7, BIG, 7) &&
        memcmp(cb.data + 7 + BIG, "tail", 4) == 0);
  /* the queue is empty again: try_write writes */
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&a, &one, 1), 1);
  RUN_UNTIL(&loop, cb.total == 7 + BIG + 5, 5000);
  close_loop(&loop);
  CHECK(!fd_is_open(sp[0]));
  CHECK(!fd_is_open(sp[1]));
  conn_free(&cb);
  free(big);
}

/* shutdown: the peer gets its data, then RUV_EOF; after EOF the peer stays
 * readable, and reading may start again, which brings RUV_EOF again; the
 * other direction still works */
static void test_socketpair_shutdown_eof(void) {
  ruv_loop_t loop;
  ruv_pipe_t a, b;
  int sp[2];
  struct wr w, w2, wb;
  struct sreq sh = {0}, sh2 = {0};
  struct conn ca = {0}, cb = {0};
  loop_setup(&loop);
  sp_pair(&loop, &a, &b, sp);
  conn_store(&ca, 16);
  conn_store(&cb, 16);
  a.data = &ca;
  b.data = &cb;
  cb.tag_data = 'd';
  cb.tag_eof = 'E';
  reset_order();
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&b, on_alloc, on_read), 0);
  CHECK_EQ(write1(&w, &a, "last words", 10, 'w'), 0);
  CHECK_EQ(ruv_shutdown(&sh.req, (ruv_stream_t *)&a, on_shutdown), 0);
  CHECK_EQ(sh.calls, 0); /* never inside ruv_shutdown */
  CHECK(sh.req.handle == (ruv_stream_t *)&a);
  CHECK_EQ(sh.req.type, RUV_SHUTDOWN);
  /* shutting down: not writable, no second shutdown, no more writes */
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&a), 0);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&a), 1);
  CHECK_EQ(ruv_shutdown(&sh2.req, (ruv_stream_t *)&a, on_shutdown), RUV_ENOTCONN);
  CHECK_EQ(write1(&w2, &a, "late", 4, '!'), RUV_EPIPE);
  RUN_UNTIL(&loop, cb.eofs == 1 && sh.calls == 1 && w.calls == 1, 5000);
  CHECK_EQ(w.status, 0);
  CHECK_EQ(sh.status, 0);
  CHECK_EQ(w2.calls, 0);
  CHECK(at(order, 'w') >= 0 && at(order, 'w') < at(order, 's')); /* the write first */
  CHECK(at(order, 'd') >= 0 && at(order, 'd') < at(order, 'E'));  /* the data, then EOF */
  CHECK(cb.len == 10 && memcmp(cb.data, "last words", 10) == 0);
  CHECK_EQ(cb.errors, 0);
  /* after EOF: reading stopped, still readable and writable */
  CHECK(!ruv_is_active((ruv_handle_t *)&b));
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&b), 1);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&b), 1);
  run_for(&loop, 20);
  CHECK_EQ(cb.eofs, 1); /* once */
  /* reading again: RUV_EOF again, no data */
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&b, on_alloc, on_read), 0);
  RUN_UNTIL(&loop, cb.eofs == 2, 5000);
  CHECK_EQ(cb.read_after_eof, 0);
  CHECK_EQ(cb.total, 10);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&b), 1);
  /* half-closed: the other direction still works */
  ca.tag_eof = 'e';
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&a, on_alloc, on_read), 0);
  CHECK_EQ(write1(&wb, &b, "bye", 3, 0), 0);
  RUN_UNTIL(&loop, ca.total == 3 && wb.calls == 1, 5000);
  CHECK_EQ(wb.status, 0);
  CHECK(ca.len == 3 && memcmp(ca.data, "bye", 3) == 0);
  CHECK_EQ(ca.eofs, 0);
  close_loop(&loop);
  CHECK(!fd_is_open(sp[0]));
  CHECK(!fd_is_open(sp[1]));
  conn_free(&ca);
  conn_free(&cb);
}

/* ---- pipe(2) ends ---------------------------------------------------------------- */

/* the read end is readable only, the write end writable only; data goes
 * through (small and queued); closing the write end is EOF for the read end */
static void test_pipe2_ends(void) {
  ruv_loop_t loop;
  ruv_pipe_t r, w;
  int p[2];
  struct wr wr0, wr1, wr2;
  struct sreq sh = {0};
  struct conn cr = {0}, cw = {0};
  enum { BIG = 1 << 20 };
  unsigned char *big = malloc(BIG);
  fill_pat(big, BIG, 3);
  loop_setup(&loop);
  CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &r, 0), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &w, 0), 0);
  CHECK_EQ(ruv_pipe_open(&r, p[0]), 0);
  CHECK_EQ(ruv_pipe_open(&w, p[1]), 0);
  conn_store(&cr, BIG + 64);
  r.data = &cr;
  w.data = &cw;
  cr.tag_eof = 'E';
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&r), 1);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&r), 0);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&w), 0);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&w), 1);
  /* the read end refuses writes; the write end refuses reading */
  CHECK_EQ(write1(&wr0, &r, "x", 1, 0), RUV_EPIPE);
  ruv_buf_t one = ruv_buf_init((char *)"x", 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&r, &one, 1), RUV_EPIPE);
  CHECK_EQ(ruv_shutdown(&sh.req, (ruv_stream_t *)&r, on_shutdown), RUV_ENOTCONN);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&w, on_alloc, on_read), RUV_ENOTCONN);
  CHECK(!ruv_is_active((ruv_handle_t *)&w));
  /* data through: several buffers, then more than the pipe holds */
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&r, on_alloc, on_read), 0);
  ruv_buf_t bufs[3] = {ruv_buf_init((char *)"one-", 4), ruv_buf_init((char *)"two-", 4),
                       ruv_buf_init((char *)"three", 5)};
  reset_order();
  CHECK_EQ(do_write(&wr1, &w, bufs, 3, '1'), 0);
  CHECK_EQ(wr1.calls, 0);
  CHECK_EQ(write1(&wr2, &w, big, BIG, '2'), 0);
  CHECK(w.write_queue_size > 0); /* a pipe holds 64 KiB */
  CHECK_EQ(wr2.calls, 0);
  RUN_UNTIL(&loop, wr2.calls == 1 && cr.total == 13 + BIG, 20000);
  CHECK_STR(order, "12");
  CHECK_EQ(wr1.status, 0);
  CHECK_EQ(wr2.status, 0);
  CHECK_EQ(wr1.during_write + wr2.during_write, 0);
  CHECK_EQ(w.write_queue_size, 0);
  CHECK(cr.len == 13 + BIG && memcmp(cr.data, "one-two-three", 13) == 0 &&
        check_pat(cr.data + 13, BIG, 3));
  CHECK_EQ(cr.eofs, 0);
  CHECK_EQ(wr0.calls, 0);
  CHECK_EQ(cw.allocs + cw.reads, 0);
  /* closing the write end: EOF on the read end; ruv closed the descriptor */
  close_calls = 0;
  ruv_close((ruv_handle_t *)&w, close_cb);
  RUN_UNTIL(&loop, cr.eofs == 1 && close_calls == 1, 5000);
  CHECK(!fd_is_open(p[1]));
  CHECK_EQ(cr.errors, 0);
  CHECK_EQ(cr.total, 13 + BIG);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&r), 1);
  CHECK(!ruv_is_active((ruv_handle_t *)&r));
  close_loop(&loop);
  CHECK(!fd_is_open(p[0]));
  conn_free(&cr);
  free(big);
}

/* ---- ruv_pipe_open --------------------------------------------------------------- */

/* the descriptor: made non-blocking, given back by ruv_fileno, blocking on
 * request; a second open, bad descriptors, a closing handle are refused */
static void test_open(void) {
  ruv_loop_t loop;
  ruv_pipe_t p, p2, pc;
  struct conn c = {0};
  int fds[2], q[2];
  loop_setup(&loop);
  CHECK_EQ(pipe2(fds, O_CLOEXEC), 0); /* blocking, as pipe2 makes them */
  CHECK_EQ(ruv_pipe_init(&loop, &p, 0), 0);
  p.data = &c;
  /* bad descriptors */
  CHECK_EQ(ruv_pipe_open(&p, -1), RUV_EBADF);
  CHECK_EQ(pipe2(q, O_CLOEXEC), 0);
  close(q[0]);
  close(q[1]);
  CHECK_EQ(ruv_pipe_open(&p, q[0]), RUV_EBADF); /* a closed one */
  CHECK_EQ(fd_of(&p), -1);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&p), 0);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&p), 0);
  /* a good one */
  CHECK(!nonblocking(fds[0]));
  CHECK_EQ(ruv_pipe_open(&p, fds[0]), 0);
  CHECK(nonblocking(fds[0])); /* ruv made it non-blocking */
  CHECK_EQ(fd_of(&p), fds[0]);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&p), 1);
  /* a second descriptor: RUV_EBUSY, the first kept */
  CHECK_EQ(ruv_pipe_open(&p, fds[1]), RUV_EBUSY);
  CHECK_EQ(fd_of(&p), fds[0]);
  CHECK(fd_is_open(fds[1])); /* not taken */
  /* blocking on request, and back */
  CHECK_EQ(ruv_stream_set_blocking((ruv_stream_t *)&p, 1), 0);
  CHECK(!nonblocking(fds[0]));
  CHECK_EQ(ruv_stream_set_blocking((ruv_stream_t *)&p, 0), 0);
  CHECK(nonblocking(fds[0]));
  /* the descriptor in a second handle of the loop while the first reads it:
   * RUV_EEXIST (libuv notices only while the first handle watches it) */
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&p, on_alloc, on_read), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &p2, 0), 0);
  CHECK_EQ(ruv_pipe_open(&p2, fds[0]), RUV_EEXIST);
  CHECK_EQ(fd_of(&p2), -1);
  /* it still reads */
  CHECK_EQ(write(fds[1], "ok", 2), 2);
  RUN_UNTIL(&loop, c.total == 2, 5000);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&p2, close_cb);
  ruv_close((ruv_handle_t *)&p, close_cb);
  /* closed: no descriptor to give */
  ruv_os_fd_t fd = 77;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&p, &fd), RUV_EBADF);
#if RUV_STRICT
  /* a closing handle takes no descriptor (libuv does not check) */
  int sp[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &pc, 0), 0);
  ruv_close((ruv_handle_t *)&pc, close_cb);
  CHECK_EQ(ruv_pipe_open(&pc, sp[0]), RUV_EINVAL);
  CHECK(!nonblocking(sp[0])); /* untouched */
  RUN_UNTIL(&loop, close_calls == 3, 5000);
  CHECK(fd_is_open(sp[0])); /* still the caller's */
  close(sp[0]);
  close(sp[1]);
#else
  (void)pc;
  RUN_UNTIL(&loop, close_calls == 2, 5000);
#endif
  CHECK(!fd_is_open(fds[0])); /* ruv closed the one it took */
  close_loop(&loop);
  CHECK(fd_is_open(fds[1]));
  close(fds[1]);
  conn_free(&c);
}

/* ---- closing with a write queued ------------------------------------------------- */

/* a write done but not called back yet completes with 0, writes still queued
 * with RUV_ECANCELED; all before the close callback, none inside ruv_close */
static void test_close_cancels_queued_write(void) {
  ruv_loop_t loop;
  ruv_pipe_t a, b;
  int sp[2];
  struct wr w[3];
  enum { BIG = 4 << 20 };
  unsigned char *big = malloc(BIG);
  fill_pat(big, BIG, 0);
  loop_setup(&loop);
  sp_pair(&loop, &a, &b, sp);
  close_calls = 0;
  reset_order();
  CHECK_EQ(write1(&w[0], &a, "small", 5, '1'), 0); /* written at once */
  CHECK_EQ(write1(&w[1], &a, big, BIG, '2'), 0);   /* partly written */
  CHECK_EQ(write1(&w[2], &a, "tail", 4, '3'), 0);  /* queued */
  CHECK(a.write_queue_size > 4);
  ruv_close((ruv_handle_t *)&a, close_cb);
  CHECK_EQ(w[0].calls + w[1].calls + w[2].calls + close_calls, 0); /* nothing inside ruv_close */
  RUN_UNTIL(&loop, close_calls == 1, 5000);
  CHECK_STR(order, "123x");
  CHECK_EQ(w[0].status, 0);
  CHECK_EQ(w[1].status, RUV_ECANCELED);
  CHECK_EQ(w[2].status, RUV_ECANCELED);
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(w[i].calls, 1);
    CHECK_EQ(w[i].during_write, 0);
  }
  CHECK_EQ(a.write_queue_size, 0);
  CHECK(!fd_is_open(sp[0]));
  close_loop(&loop);
  CHECK(!fd_is_open(sp[1]));
  free(big);
}

/* ---- a reader that has gone (ruv only) ------------------------------------------- */

#if RUV_STRICT /* libuv dies of the SIGPIPE */
static int sigpipe_pending(void) {
  sigset_t p;
  sigemptyset(&p);
  CHECK_EQ(sigpending(&p), 0);
  return sigismember(&p, SIGPIPE) == 1;
}

/* Writing to a pipe(2) whose read end is closed is EPIPE in the write
 * callback (and from try_write), never a SIGPIPE that kills the process,
 * with SIGPIPE's default disposition (libuv dies here); no SIGPIPE is left
 * pending, and one that was pending before is left alone. */
static void test_reader_gone(void) {
  ruv_loop_t loop;
  ruv_pipe_t w;
  int fds[2];
  struct wr wr;
  void (*old)(int) = signal(SIGPIPE, SIG_DFL);
  loop_setup(&loop);
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &w, 0), 0);
  CHECK_EQ(ruv_pipe_open(&w, fds[1]), 0);
  close(fds[0]);
  CHECK_EQ(write1(&wr, &w, "lost", 4, 0), 0);
  RUN_UNTIL(&loop, wr.calls == 1, 5000);
  CHECK_EQ(wr.status, RUV_EPIPE);
  CHECK_EQ(wr.during_write, 0);
  ruv_buf_t b = ruv_buf_init("x", 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&w, &b, 1), RUV_EPIPE);
  CHECK_EQ(sigpipe_pending(), 0);
  /* a SIGPIPE pending before the write stays pending */
  sigset_t pipe_only, mask;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  CHECK_EQ(pthread_sigmask(SIG_BLOCK, &pipe_only, &mask), 0);
  CHECK_EQ(raise(SIGPIPE), 0);
  CHECK_EQ(sigpipe_pending(), 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&w, &b, 1), RUV_EPIPE);
  CHECK_EQ(sigpipe_pending(), 1);
  struct timespec no_wait = {0, 0};
  CHECK_EQ(sigtimedwait(&pipe_only, NULL, &no_wait), SIGPIPE);
  CHECK_EQ(pthread_sigmask(SIG_SETMASK, &mask, NULL), 0);
  ruv_close((ruv_handle_t *)&w, NULL);
  close_loop(&loop);
  CHECK(!fd_is_open(fds[1]));
  signal(SIGPIPE, old);
}
#endif

/* ---- listen ---------------------------------------------------------------------- */

static int conn_cb_calls;
static void on_connection(ruv_stream_t *s, int status) {
  (void)s;
  (void)status;
  conn_cb_calls++;
}

/* a pipe must be bound (or opened) before it listens */
static void test_listen_unbound(void) {
  ruv_loop_t loop;
  ruv_pipe_t p;
  loop_setup(&loop);
  CHECK_EQ(ruv_pipe_init(&loop, &p, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&p, 16, on_connection), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&p), 0);
  CHECK_EQ(fd_of(&p), -1);
  run_for(&loop, 5);
  CHECK_EQ(conn_cb_calls, 0);
  close_loop(&loop);
}

/* ---- wrong types (ruv only: libuv trusts the type) -------------------------------- */

#if RUV_STRICT
/* each handle in a zeroed union bigger than any handle, so that reading the
 * wrong struct type stays inside memory the test owns */
union any {
  ruv_tcp_t tcp;
  ruv_pipe_t pipe;
  char pad[512];
};

static void test_wrong_type(void) {
  ruv_loop_t loop;
  union any t, p;
  static unsigned char before[sizeof(union any)];
  int sp[2], sp2[2];
  loop_setup(&loop);
  memset(&t, 0, sizeof t);
  memset(&p, 0, sizeof p);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp2), 0);

  /* ruv_pipe_open on a TCP handle: refused, nothing touched */
  CHECK_EQ(ruv_tcp_init(&loop, &t.tcp), 0);
  memcpy(before, &t, sizeof t);
  CHECK_EQ(ruv_pipe_open((ruv_pipe_t *)&t.tcp, sp[0]), RUV_EINVAL);
  CHECK_EQ(memcmp(before, &t, sizeof t), 0);
  CHECK(fd_is_open(sp[0]));
  CHECK(!nonblocking(sp[0])); /* not made non-blocking either */
  CHECK_EQ(fd_of(&t.tcp), -1);
  CHECK_EQ(ruv_is_readable((ruv_stream_t *)&t.tcp), 0);
  /* and it is still a TCP handle */
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&t.tcp), RUV_TCP);
  CHECK_EQ(ruv_tcp_nodelay(&t.tcp, 1), 0);

  /* ruv_tcp_nodelay on a pipe: refused, nothing touched */
  CHECK_EQ(ruv_pipe_init(&loop, &p.pipe, 0), 0);
  CHECK_EQ(ruv_pipe_open(&p.pipe, sp2[0]), 0);
  memcpy(before, &p, sizeof p);
  CHECK_EQ(ruv_tcp_nodelay((ruv_tcp_t *)&p.pipe, 1), RUV_EINVAL);
  CHECK_EQ(ruv_tcp_nodelay((ruv_tcp_t *)&p.pipe, 0), RUV_EINVAL);
  CHECK_EQ(memcmp(before, &p, sizeof p), 0);
  /* and it is still a working pipe */
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&p.pipe), RUV_NAMED_PIPE);
  ruv_buf_t one = ruv_buf_init((char *)"x", 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&p.pipe, &one, 1), 1);
  char got = 0;
  CHECK_EQ(read(sp2[1], &got, 1), 1);
  CHECK_EQ(got, 'x');

  close_loop(&loop);
  CHECK(!fd_is_open(sp2[0])); /* the pipe's */
  CHECK(fd_is_open(sp[0]));   /* never taken */
  close(sp[0]);
  close(sp[1]);
  close(sp2[1]);
}
#endif

int main(void) {
  test_begin();
  /* a first loop, for whatever a library opens once per process (libuv's
   * signal lock pipe) */
  ruv_loop_t first;
  CHECK_EQ(ruv_loop_init(&first), 0);
  CHECK_EQ(ruv_loop_close(&first), 0);
  int fds_at_start = count_fds();
  RUN(test_init);
  RUN(test_socketpair_echo);
  RUN(test_socketpair_big_write);
  RUN(test_socketpair_shutdown_eof);
  RUN(test_pipe2_ends);
  RUN(test_open);
  RUN(test_close_cancels_queued_write);
  RUN(test_listen_unbound);
#if RUV_STRICT
  RUN(test_reader_gone);
  RUN(test_wrong_type);
#endif
  CHECK(fds_at_start > 0);
  CHECK_EQ(count_fds(), fds_at_start); /* no descriptor leaked */
  return test_end();
}
