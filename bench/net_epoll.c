/* net_epoll.c: the network benchmark servers (echo, http; see net_common.h)
 * on plain epoll, single-threaded, level-triggered: the reference floor for
 * what net_uv.c (libuv, ruv) and net_ev.c (libev) do with the same logic.
 */
#include "net_common.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_EVENTS 1024 /* as libuv's uv__io_poll */

struct conn {
  int fd;
  int writing;        /* waiting for EPOLLOUT, not reading */
  const char *pend;   /* output the socket did not take yet */
  size_t pend_len;
  char *pend_owned;   /* echo: the malloc'd copy pend points into */
  size_t used;        /* http: bytes in in[] */
  char in[];          /* http: NET_HTTP_IN bytes */
};

static struct net_args args;
static int ep, lfd = -1;
static unsigned long conns, closed, bad_requests;
static unsigned long long bytes_in, bytes_out;
static char rbuf[NET_READ_BUF];

static void set_events(struct conn *c, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  NET_CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0, "epoll_ctl MOD: %s", strerror(errno));
}

static void conn_close(struct conn *c) {
  close(c->fd); /* also takes it out of the epoll set */
  free(c->pend_owned);
  free(c);
  conns--;
  closed++;
  if (args.exit_after && closed == args.exit_after && lfd >= 0) {
    close(lfd);
    lfd = -1;
  }
}

/* Writes what it can of buf[0..len) now; queues the rest (copied if copy) and
 * stops reading until it is written. Returns -1 if the connection is dead. */
static int conn_send(struct conn *c, const char *buf, size_t len, int copy) {
  ssize_t w = write(c->fd, buf, len);
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
  c->writing = 1;
  set_events(c, EPOLLOUT);
  return 0;
}

static void on_writable(struct conn *c) {
  ssize_t w = write(c->fd, c->pend, c->pend_len);
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
  c->writing = 0;
  set_events(c, EPOLLIN);
}

static void on_readable(struct conn *c) {
  char *buf = args.mode == NET_ECHO ? rbuf : c->in + c->used;
  size_t size = args.mode == NET_ECHO ? sizeof rbuf : NET_HTTP_IN - c->used;
  ssize_t n = read(c->fd, buf, size);
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

static void on_accept(void) {
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
    c->fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    NET_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl ADD: %s", strerror(errno));
    conns++;
  }
}

int main(int argc, char **argv) {
  args = net_parse_args(argc, argv, "epoll");
  ep = epoll_create1(EPOLL_CLOEXEC);
  NET_CHECK(ep >= 0, "epoll_create1: %s", strerror(errno));

  lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  NET_CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
                listen(lfd, NET_BACKLOG) == 0,
            "socket/bind/listen: %s", strerror(errno));
  net_print_port(lfd);
  static char listener_tag;
  struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listener_tag};
  NET_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) == 0, "epoll_ctl: %s", strerror(errno));

  struct epoll_event events[MAX_EVENTS];
  while (lfd >= 0 || conns > 0) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    if (n < 0 && errno == EINTR) continue;
    NET_CHECK(n >= 0, "epoll_wait: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == &listener_tag) {
        if (lfd >= 0) on_accept();
        continue;
      }
      struct conn *c = events[i].data.ptr;
      if (c->writing)
        on_writable(c);
      else
        on_readable(c);
    }
  }
  close(ep);
  printf("served lib=epoll conns=%lu bytes_in=%llu bytes_out=%llu bad_requests=%lu\n", closed,
         bytes_in, bytes_out, bad_requests);
  return 0;
}
