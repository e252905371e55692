/* net_uv.c: the network benchmark servers (echo, http; see net_common.h),
 * written once against libuv's API and built for ruv unchanged through
 * include/uv-compat/uv.h (-I../include/uv-compat), as bench_uv.c is.
 *
 * echo: the alloc callback hands out the one static 64 KiB buffer, the read
 * callback writes the bytes back at once with uv_try_write and, only for a
 * remainder the socket did not take, copies it into a uv_write request and
 * stops reading until that write completes: the same logic as net_epoll.c's
 * write(2) + EPOLLOUT.
 *
 * http: the alloc callback hands out the free part of the connection's 4 KiB
 * input buffer; the answers of one read go out in one uv_write of a slice of
 * the static response block (no copy), its request from a free list.
 */
#include "net_common.h"
#include <uv.h>

#ifdef RUV_UV_COMPAT /* <uv.h> is ruv's include/uv-compat/uv.h */
#define BENCH_LIB "ruv"
#else
#define BENCH_LIB "libuv"
#endif

struct conn {
  uv_tcp_t tcp;
  size_t used; /* http: bytes in in[] */
  char in[];   /* http: NET_HTTP_IN bytes */
};

struct wreq {
  uv_write_t req;
  struct wreq *next; /* free list (http) */
  size_t len;        /* bytes this write sends */
  char data[];       /* echo: the copied remainder */
};

static struct net_args args;
static uv_loop_t loop;
static uv_tcp_t server;
static int server_open;
static unsigned long conns, closed, bad_requests;
static unsigned long long bytes_in, bytes_out;
static char rbuf[NET_READ_BUF];
static struct wreq *free_reqs;

static void check_rc(int rc, const char *what) {
  NET_CHECK(rc == 0, "%s returned %d (%s)", what, rc, uv_strerror(rc));
}

static void on_close(uv_handle_t *h) {
  free(h);
  conns--;
  closed++;
  if (args.exit_after && closed == args.exit_after && server_open) {
    uv_close((uv_handle_t *)&server, NULL);
    server_open = 0;
  }
}

static void conn_close(struct conn *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void echo_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h, (void)suggested;
  buf->base = rbuf;
  buf->len = sizeof rbuf;
}

static void http_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  struct conn *c = (struct conn *)h;
  buf->base = c->in + c->used;
  buf->len = NET_HTTP_IN - c->used;
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void echo_written(uv_write_t *req, int status) {
  uv_stream_t *s = req->handle;
  if (status == 0) bytes_out += ((struct wreq *)req)->len;
  free(req);
  if (status != 0) {
    conn_close((struct conn *)s);
    return;
  }
  if (!uv_is_closing((uv_handle_t *)s)) check_rc(uv_read_start(s, echo_alloc, read_cb), "uv_read_start");
}

static void http_written(uv_write_t *req, int status) {
  struct wreq *w = (struct wreq *)req;
  if (status == 0) bytes_out += w->len;
  else conn_close((struct conn *)req->handle);
  w->next = free_reqs;
  free_reqs = w;
}

static void echo_read(struct conn *c, const char *base, size_t n) {
  uv_buf_t b = uv_buf_init((char *)base, (unsigned)n);
  int w = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
  if (w == UV_EAGAIN) w = 0;
  if (w < 0) {
    conn_close(c);
    return;
  }
  bytes_out += (size_t)w;
  if ((size_t)w == n) return;
  /* The socket took only part: queue a copy of the rest, stop reading. */
  size_t rest = n - (size_t)w;
  struct wreq *r = malloc(sizeof *r + rest);
  NET_CHECK(r != NULL, "out of memory");
  memcpy(r->data, base + w, rest);
  r->len = rest;
  b = uv_buf_init(r->data, (unsigned)rest);
  check_rc(uv_read_stop((uv_stream_t *)&c->tcp), "uv_read_stop");
  check_rc(uv_write(&r->req, (uv_stream_t *)&c->tcp, &b, 1, echo_written), "uv_write");
}

static void http_read(struct conn *c, size_t n) {
  c->used += n;
  size_t consumed;
  int k = http_parse(c->in, c->used, &consumed);
  if (k < 0) {
    bad_requests++;
    conn_close(c);
    return;
  }
  if (k == 0) return;
  memmove(c->in, c->in + consumed, c->used - consumed);
  c->used -= consumed;
  struct wreq *w = free_reqs;
  if (w)
    free_reqs = w->next;
  else
    NET_CHECK((w = malloc(sizeof *w)) != NULL, "out of memory");
  size_t len = (size_t)k * HTTP_RESPONSE_LEN;
  uv_buf_t b = uv_buf_init(http_responses, (unsigned)len);
  w->len = len;
  check_rc(uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, http_written), "uv_write");
}

static void read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  struct conn *c = (struct conn *)s;
  if (nread < 0) { /* UV_EOF or an error */
    conn_close(c);
    return;
  }
  if (nread == 0) return;
  bytes_in += (size_t)nread;
  if (args.mode == NET_ECHO)
    echo_read(c, buf->base, (size_t)nread);
  else
    http_read(c, (size_t)nread);
}

static void on_connection(uv_stream_t *srv, int status) {
  check_rc(status, "connection callback status");
  struct conn *c = malloc(sizeof *c + (args.mode == NET_HTTP ? NET_HTTP_IN : 0));
  NET_CHECK(c != NULL, "out of memory");
  c->used = 0;
  check_rc(uv_tcp_init(&loop, &c->tcp), "uv_tcp_init");
  conns++;
  check_rc(uv_accept(srv, (uv_stream_t *)&c->tcp), "uv_accept");
  check_rc(uv_tcp_nodelay(&c->tcp, 1), "uv_tcp_nodelay");
  check_rc(uv_read_start((uv_stream_t *)&c->tcp,
                         args.mode == NET_ECHO ? echo_alloc : http_alloc, read_cb),
           "uv_read_start");
}

int main(int argc, char **argv) {
  args = net_parse_args(argc, argv, BENCH_LIB);
  check_rc(uv_loop_init(&loop), "uv_loop_init");
  check_rc(uv_tcp_init(&loop, &server), "uv_tcp_init");
  server_open = 1;
  struct sockaddr_in sa;
  check_rc(uv_ip4_addr("127.0.0.1", 0, &sa), "uv_ip4_addr");
  check_rc(uv_tcp_bind(&server, (const struct sockaddr *)&sa, 0), "uv_tcp_bind");
  check_rc(uv_listen((uv_stream_t *)&server, NET_BACKLOG, on_connection), "uv_listen");
  int fd;
  check_rc(uv_fileno((uv_handle_t *)&server, &fd), "uv_fileno");
  net_print_port(fd);

  check_rc(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
  NET_CHECK(conns == 0, "uv_run returned with %lu connections open", conns);
  while (free_reqs) {
    struct wreq *w = free_reqs;
    free_reqs = w->next;
    free(w);
  }
  check_rc(uv_loop_close(&loop), "uv_loop_close");
  printf("served lib=%s conns=%lu bytes_in=%llu bytes_out=%llu bad_requests=%lu\n", BENCH_LIB,
         closed, bytes_in, bytes_out, bad_requests);
  return 0;
}
