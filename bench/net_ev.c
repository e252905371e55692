/* net_ev.c: the network benchmark servers (echo, http; see net_common.h)
 * with libev's native API: one ev_io per connection, switched between
 * EV_READ and EV_WRITE exactly where net_epoll.c switches EPOLLIN/EPOLLOUT.
 * The loop is ev_loop_new(EVBACKEND_EPOLL), as in bench_ev.c.
 */
#include "net_common.h"

#include <errno.h>
#include <ev.h>
#include <unistd.h>

struct conn {
  ev_io io;
  const char *pend;   /* output the socket did not take yet */
  size_t pend_len;
  char *pend_owned;   /* echo: the malloc'd copy pend points into */
  size_t used;        /* http: bytes in in[] */
  char in[];          /* http: NET_HTTP_IN bytes */
};

static struct net_args args;
static struct ev_loop *loop;
static ev_io lio;
static int lfd = -1;
static unsigned long conns, closed, bad_requests;
static unsigned long long bytes_in, bytes_out;
static char rbuf[NET_READ_BUF];

static void conn_cb(struct ev_loop *l, ev_io *w, int revents);

static void set_events(struct conn *c, int events) {
  ev_io_stop(loop, &c->io);
  ev_io_set(&c->io, c->io.fd, events);
  ev_io_start(loop, &c->io);
}

static void conn_close(struct conn *c) {
  ev_io_stop(loop, &c->io);
  close(c->io.fd);
  free(c->pend_owned);
  free(c);
  conns--;
  closed++;
  if (args.exit_after && closed == args.exit_after && lfd >= 0) {
    ev_io_stop(loop, &lio);
    close(lfd);
    lfd = -1;
  }
}

/* Writes what it can of buf[0..len) now; queues the rest (copied if copy) and
 * stops reading until it is written. Returns -1 if the connection is dead. */
static int conn_send(struct conn *c, const char *buf, size_t len, int copy) {
  ssize_t w = write(c->io.fd, buf, len);
  if (w < 0) {
    if (errno != EAGAIN) return -1;
    w = 0;
  }
  bytes_out += (size_t)w;
  if ((size_t)w == len) return 0;
  c->pend_len = len - (size_t)w;
  if (copy) {
    c->pend_owned = malloc(c->pend_len);
    NET_CHECK(c->pend_owned != NULL, "out of memory");
    memcpy(c->pend_owned, buf + w, c->pend_len);
    c->pend = c->pend_owned;
  } else {
    c->pend = buf + w;
  }
  set_events(c, EV_WRITE);
  return 0;
}

static void on_writable(struct conn *c) {
  ssize_t w = write(c->io.fd, c->pend, c->pend_len);
  if (w < 0) {
    if (errno != EAGAIN) conn_close(c);
    return;
  }
  bytes_out += (size_t)w;
  c->pend += w;
  c->pend_len -= (size_t)w;
  if (c->pend_len) return;
  free(c->pend_owned);
  c->pend_owned = NULL;
  set_events(c, EV_READ);
}

static void on_readable(struct conn *c) {
  char *buf = args.mode == NET_ECHO ? rbuf : c->in + c->used;
  size_t size = args.mode == NET_ECHO ? sizeof rbuf : NET_HTTP_IN - c->used;
  ssize_t n = read(c->io.fd, buf, size);
  if (n < 0 && errno == EAGAIN) return;
  if (n <= 0) { /* EOF or error */
    conn_close(c);
    return;
  }
  bytes_in += (size_t)n;
  if (args.mode == NET_ECHO) {
    if (conn_send(c, buf, (size_t)n, 1) < 0) conn_close(c);
    return;
  }
  c->used += (size_t)n;
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
  if (conn_send(c, http_responses, (size_t)k * HTTP_RESPONSE_LEN, 0) < 0) conn_close(c);
}

static void conn_cb(struct ev_loop *l, ev_io *w, int revents) {
  (void)l;
  struct conn *c = (struct conn *)w; /* io is the first member */
  if (revents & EV_WRITE)
    on_writable(c);
  else
    on_readable(c);
}

static void accept_cb(struct ev_loop *l, ev_io *w, int revents) {
  (void)l, (void)w, (void)revents;
  for (;;) {
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      NET_CHECK(errno == EAGAIN || errno == ECONNABORTED, "accept: %s", strerror(errno));
      if (errno == EAGAIN) return;
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct conn *c = calloc(1, sizeof *c + (args.mode == NET_HTTP ? NET_HTTP_IN : 0));
    NET_CHECK(c != NULL, "out of memory");
    ev_io_init(&c->io, conn_cb, fd, EV_READ);
    ev_io_start(loop, &c->io);
    conns++;
  }
}

int main(int argc, char **argv) {
  args = net_parse_args(argc, argv, "libev");
  loop = ev_loop_new(EVBACKEND_EPOLL);
  NET_CHECK(loop != NULL, "ev_loop_new failed");

  lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  NET_CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
                listen(lfd, NET_BACKLOG) == 0,
            "socket/bind/listen: %s", strerror(errno));
  net_print_port(lfd);
  ev_io_init(&lio, accept_cb, lfd, EV_READ);
  ev_io_start(loop, &lio);

  ev_run(loop, 0); /* returns when no watcher is left */
  NET_CHECK(conns == 0, "ev_run returned with %lu connections open", conns);
  ev_loop_destroy(loop);
  printf("served lib=libev conns=%lu bytes_in=%llu bytes_out=%llu bad_requests=%lu\n", closed,
         bytes_in, bytes_out, bad_requests);
  return 0;
}
