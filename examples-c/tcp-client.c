/* tcp-client: connects to a TCP server, sends one message, shuts down its
 * write side and prints everything the server sends back until it closes.
 *
 * usage: tcp-client [host:port] [message]     (default 127.0.0.1:7000)
 *        host is a name (resolved with ruv_getaddrinfo, on the loop's
 *        thread pool) or a numeric IPv4 or IPv6 address; write IPv6 as
 *        [::1]:7000.
 *        Without a message, stdin is read to its end and sent instead.
 *        e.g.  tcp-client 127.0.0.1:7000 hello      (with echo-server running)
 *              tcp-client '[::1]:7000' < file
 * Exits 0 once the server has closed its side; 1 with the reason (e.g.
 * "connection refused") if connecting, sending or receiving fails.
 *
 * Shows: ruv_ip4_addr/ruv_ip6_addr, ruv_getaddrinfo for a name (the connect
 * starts from its callback), ruv_tcp_connect, a write followed at once
 * by ruv_shutdown (which waits for the write), and reading until RUV_EOF. */
#include "ruv.h"
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct client {
  ruv_tcp_t tcp;
  ruv_connect_t connect;
  ruv_write_t write;
  ruv_shutdown_t shutdown;
  ruv_getaddrinfo_t resolve;
  ruv_buf_t message;
  const char *target;
  int failed;
};

static void fail(struct client *c, const char *what, int err) {
  fprintf(stderr, "tcp-client: %s %s: %s\n", what, c->target, ruv_strerror(err));
  c->failed = 1;
  if (!ruv_is_closing((ruv_handle_t *)&c->tcp)) ruv_close((ruv_handle_t *)&c->tcp, NULL);
}

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  static char chunk[65536]; /* one read at a time, printed before the next */
  (void)h;
  (void)suggested;
  *buf = ruv_buf_init(chunk, sizeof chunk);
}

static void on_read(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf) {
  struct client *c = stream->data;
  if (nread > 0)
    fwrite(buf->base, 1, (size_t)nread, stdout);
  else if (nread == RUV_EOF)
    ruv_close((ruv_handle_t *)&c->tcp, NULL); /* the server is done: so are we */
  else if (nread < 0)
    fail(c, "read from", (int)nread);
}

static void on_write(ruv_write_t *req, int status) {
  if (status < 0 && status != RUV_ECANCELED) fail(req->handle->data, "write to", status);
}

static void on_shutdown(ruv_shutdown_t *req, int status) {
  if (status < 0 && status != RUV_ECANCELED) fail(req->handle->data, "shutdown to", status);
}

static void on_connect(ruv_connect_t *req, int status) {
  struct client *c = req->handle->data;
  if (status < 0) {
    fail(c, "connect to", status);
    return;
  }
  ruv_stream_t *stream = (ruv_stream_t *)&c->tcp;
  int rc = ruv_read_start(stream, on_alloc, on_read);
  if (rc == 0 && c->message.len > 0) rc = ruv_write(&c->write, stream, &c->message, 1, on_write);
  /* Queued behind the write: the FIN goes out once the message is sent. */
  if (rc == 0) rc = ruv_shutdown(&c->shutdown, stream, on_shutdown);
  if (rc < 0) fail(c, "send to", rc);
}

/* A host name resolved: connect to its first address. */
static void on_resolved(ruv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  struct client *c = req->data;
  if (status < 0) {
    fail(c, "resolve", status);
    return;
  }
  int rc = ruv_tcp_connect(&c->connect, &c->tcp, res->ai_addr, on_connect);
  ruv_freeaddrinfo(res);
  if (rc < 0) fail(c, "connect to", rc);
}

/* All of stdin in one malloc'd buffer (NULL on a read error). */
static char *read_all_stdin(size_t *len) {
  size_t cap = 65536;
  char *data = malloc(cap);
  *len = 0;
  for (;;) {
    if (data == NULL) return NULL;
    ssize_t n = read(0, data + *len, cap - *len);
    if (n == 0) return data;
    if (n < 0) {
      free(data);
      return NULL;
    }
    *len += (size_t)n;
    if (*len == cap) {
      char *bigger = realloc(data, cap *= 2);
      if (bigger == NULL) free(data);
      data = bigger;
    }
  }
}

int main(int argc, char **argv) {
  struct client c = {0};
  char host[64];
  c.target = argc > 1 ? argv[1] : "127.0.0.1:7000";
  const char *target = c.target;
  const char *colon = strrchr(target, ':');
  int port = colon ? atoi(colon + 1) : 0;
  size_t hostlen = colon ? (size_t)(colon - target) : 0;
  if (hostlen >= 2 && target[0] == '[' && target[hostlen - 1] == ']') { /* [v6]:port */
    target++;
    hostlen -= 2;
  }
  if (port <= 0 || port > 65535 || hostlen == 0 || hostlen >= sizeof host) {
    fprintf(stderr, "usage: %s [host:port] [message]   (e.g. 127.0.0.1:7000, [::1]:7000)\n",
            argv[0]);
    return 2;
  }
  memcpy(host, target, hostlen);
  host[hostlen] = '\0';

  struct sockaddr_storage addr;
  int numeric = ruv_ip4_addr(host, port, (struct sockaddr_in *)&addr) == 0 ||
                ruv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) == 0;

  char *input = NULL;
  if (argc > 2) {
    c.message = ruv_buf_init(argv[2], (unsigned int)strlen(argv[2]));
  } else {
    size_t len;
    if ((input = read_all_stdin(&len)) == NULL) {
      perror("tcp-client: reading stdin");
      return 1;
    }
    c.message = ruv_buf_init(input, (unsigned int)len);
  }

  signal(SIGPIPE, SIG_IGN); /* a server gone away: an error message, not a silent death */
  ruv_loop_t *loop = ruv_default_loop();
  ruv_tcp_init(loop, &c.tcp);
  c.tcp.data = &c;
  int rc;
  if (numeric) {
    rc = ruv_tcp_connect(&c.connect, &c.tcp, (const struct sockaddr *)&addr, on_connect);
  } else {
    /* A name: look it up first (a slow job on the thread pool). */
    struct addrinfo hints;
    char service[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof service, "%d", port);
    c.resolve.data = &c;
    rc = ruv_getaddrinfo(loop, &c.resolve, on_resolved, host, service, &hints);
  }
  if (rc < 0) fail(&c, numeric ? "connect to" : "resolve", rc);
  ruv_run(loop, RUV_RUN_DEFAULT);

  free(input);
  fflush(stdout);
  int closed = ruv_loop_close(loop) == 0;
  ruv_library_shutdown(); /* the pool's threads, if a name was looked up */
  return closed && !c.failed ? 0 : 1;
}
