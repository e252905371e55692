/* net_common.h: what the network benchmark servers (net_uv.c for libuv and
 * ruv, net_ev.c, net_epoll.c) share, so their logic is the same and only the
 * event-loop calls differ: the command line, the listening socket's address,
 * the HTTP request framing and the response bytes. Nothing here calls an
 * event-loop library.
 *
 * Every server: net_<lib> echo|http [EXIT_AFTER]
 *   binds 127.0.0.1 port 0 (the kernel picks), prints "port=N" on stdout,
 *   serves until killed or, with EXIT_AFTER > 0, until EXIT_AFTER connections
 *   have closed; then it closes everything, runs the loop to the end and
 *   prints "served lib=L conns=C bytes_in=I bytes_out=O" (for callgrind,
 *   which needs a normal exit to report).
 *
 * echo: every byte read is written back, at once. Reads go into one static
 * 64 KiB buffer; the write is attempted immediately (write(2), uv_try_write)
 * and only a remainder the socket did not take is copied and queued, with
 * reading stopped until it is written. So an idle connection owns no buffer.
 *
 * http: HTTP/1.1 keep-alive. Each connection has a 4 KiB input buffer; every
 * read is followed by http_parse(), which frames the complete requests
 * (several per read when the client pipelines), answers each with
 * HTTP_RESPONSE, all of one read's answers in one write, and keeps an
 * incomplete tail for the next read. A request that is not "GET <path>
 * HTTP/1.1" or does not fit in 4 KiB closes the connection (counted, and
 * printed at exit).
 */
#ifndef BENCH_NET_COMMON_H
#define BENCH_NET_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#define NET_READ_BUF   65536u /* echo: the one static read buffer */
#define NET_HTTP_IN    4096u  /* http: input buffer per connection */
#define NET_BACKLOG    4096   /* listen(2) backlog (= net.core.somaxconn here) */

/* The one response, byte for byte the same from every server. */
#define HTTP_RESPONSE                                                   \
  "HTTP/1.1 200 OK\r\n"                                                 \
  "Content-Type: text/plain\r\n"                                        \
  "Content-Length: 13\r\n"                                              \
  "\r\n"                                                                \
  "Hello, World!"
#define HTTP_RESPONSE_LEN (sizeof HTTP_RESPONSE - 1)

/* The shortest request http_parse accepts, "GET / HTTP/1.1\r\n\r\n", is 18
 * bytes, so one 4 KiB buffer holds at most 227 requests: their answers are
 * always one contiguous slice of http_responses (HTTP_BATCH copies). */
#define HTTP_MIN_REQUEST 18u
#define HTTP_BATCH (NET_HTTP_IN / HTTP_MIN_REQUEST + 1)
static char http_responses[HTTP_BATCH * HTTP_RESPONSE_LEN];

static const char *net_lib_name = "?";

__attribute__((format(printf, 1, 2), noreturn, unused))
static void net_fail(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "FAIL %s: ", net_lib_name);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

#define NET_CHECK(cond, ...)               \
  do {                                     \
    if (!(cond)) net_fail(__VA_ARGS__);    \
  } while (0)

enum net_mode { NET_ECHO, NET_HTTP };

struct net_args {
  enum net_mode mode;
  unsigned long exit_after; /* 0: serve until killed */
};

__attribute__((unused))
static struct net_args net_parse_args(int argc, char **argv, const char *lib) {
  struct net_args a = {NET_ECHO, 0};
  net_lib_name = lib;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2 || argc > 3 || (strcmp(argv[1], "echo") && strcmp(argv[1], "http"))) {
    fprintf(stderr, "usage: %s echo|http [EXIT_AFTER_CONNECTIONS]\n", argv[0]);
    exit(2);
  }
  a.mode = strcmp(argv[1], "echo") ? NET_HTTP : NET_ECHO;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive run.sh, even if it is killed */
  if (argc == 3) a.exit_after = strtoul(argv[2], NULL, 10);
  for (size_t k = 0; k < HTTP_BATCH; k++)
    memcpy(http_responses + k * HTTP_RESPONSE_LEN, HTTP_RESPONSE, HTTP_RESPONSE_LEN);
  return a;
}

/* Prints the port the kernel gave the listening socket fd. */
__attribute__((unused))
static void net_print_port(int fd) {
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  NET_CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0, "getsockname failed");
  printf("port=%u\n", ntohs(sa.sin_port));
}

/* Frames the complete requests at the start of buf[0..len): returns how many
 * (and their total length in *consumed), or -1 if one is malformed or len is
 * the whole buffer without a complete request. The requests carry no body
 * (only GET is accepted), so a request ends at its blank line. */
__attribute__((unused))
static int http_parse(const char *buf, size_t len, size_t *consumed) {
  size_t off = 0;
  int n = 0;
  for (;;) {
    const char *p = buf + off;
    size_t left = len - off;
    const char *end = memmem(p, left, "\r\n\r\n", 4);
    if (!end) break;
    const char *eol = memchr(p, '\r', (size_t)(end - p) + 1);
    /* request line: "GET " path " HTTP/1.1" */
    if (left < HTTP_MIN_REQUEST || memcmp(p, "GET /", 5) ||
        eol - p < 14 || memcmp(eol - 9, " HTTP/1.1", 9))
      return -1;
    off = (size_t)(end + 4 - buf);
    n++;
  }
  if (n == 0 && len >= NET_HTTP_IN) return -1;
  *consumed = off;
  return n;
}

#endif /* BENCH_NET_COMMON_H */
