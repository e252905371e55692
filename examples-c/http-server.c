/* http-server: a small, fast HTTP/1.1 server answering every request with
 * "Hello, World!". Connections are kept alive; pipelined requests (several in
 * one read, or one split across reads) are answered in order; a request body
 * announced by Content-Length is skipped; "Connection: close" (or HTTP/1.0
 * without keep-alive) gets its answer and then the connection is closed.
 *
 * usage: http-server [port]           (listens on 127.0.0.1, default port 8080)
 *        then e.g.  curl http://127.0.0.1:8080/
 *                   wrk -t1 -c64 -d10s http://127.0.0.1:8080/
 *        Stop it with Ctrl-C.
 *
 * Shows how to keep the per-request cost low: each connection is one malloc
 * holding its handle, its write request and fixed input and output buffers;
 * alloc_cb hands out the free tail of the input buffer, so a request split
 * across reads simply continues where it stopped; all the responses to one
 * read go out in a single ruv_write; and while that write is in flight, new
 * input just waits in the buffer (reading pauses only if the buffer fills). */
#define _GNU_SOURCE /* memmem */
#include "ruv.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IN_SIZE 16384  /* also the limit on one request's headers */
#define OUT_SIZE 16384 /* about 150 responses per write */

static const char RESPONSE_KEEP_ALIVE[] = "HTTP/1.1 200 OK\r\n"
                                          "Content-Type: text/plain\r\n"
                                          "Content-Length: 13\r\n"
                                          "Connection: keep-alive\r\n"
                                          "\r\n"
                                          "Hello, World!";
static const char RESPONSE_CLOSE[] = "HTTP/1.1 200 OK\r\n"
                                     "Content-Type: text/plain\r\n"
                                     "Content-Length: 13\r\n"
                                     "Connection: close\r\n"
                                     "\r\n"
                                     "Hello, World!";

struct conn {
  ruv_tcp_t tcp;
  ruv_write_t write;
  int writing;     /* `out` is being written: do not touch it */
  int last_answer; /* the request that ends the connection has been answered */
  int eof;         /* the client has shut down its sending side */
  int paused;      /* reading stopped because `in` is full */
  size_t skip;     /* bytes of a request body still to discard */
  size_t in_len;   /* unprocessed input, always at the start of `in` */
  size_t out_len;
  char in[IN_SIZE];
  char out[OUT_SIZE];
};

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf);
static void on_read(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf);
static void on_write(ruv_write_t *req, int status);

static void on_closed(ruv_handle_t *h) { free(h->data); }

static void close_conn(struct conn *c) {
  if (!ruv_is_closing((ruv_handle_t *)&c->tcp)) ruv_close((ruv_handle_t *)&c->tcp, on_closed);
}

/* Looks at one request's header block (request line included, the final
 * CRLF CRLF not): does the connection stay open, and how long is the body? */
static int parse_headers(const char *p, const char *end, size_t *body_len) {
  const char *eol = memchr(p, '\r', (size_t)(end - p));
  if (eol == NULL) eol = end;
  int keep_alive = !(eol - p >= 8 && memcmp(eol - 8, "HTTP/1.0", 8) == 0);
  *body_len = 0;
  while (eol + 2 < end) {
    p = eol + 2; /* the next header line */
    eol = memchr(p, '\r', (size_t)(end - p));
    if (eol == NULL) eol = end;
    size_t n = (size_t)(eol - p);
    if (n > 11 && strncasecmp(p, "connection:", 11) == 0) {
      const char *v = p + 11;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      if (eol - v >= 5 && strncasecmp(v, "close", 5) == 0) keep_alive = 0;
      if (eol - v >= 10 && strncasecmp(v, "keep-alive", 10) == 0) keep_alive = 1;
    } else if (n > 15 && strncasecmp(p, "content-length:", 15) == 0) {
      *body_len = strtoull(p + 15, NULL, 10); /* stops at the CR at the latest */
    }
  }
  return keep_alive;
}

/* Answers every complete request in `in` (as many as fit in `out`), sends
 * the answers in one write, and decides whether to read on, pause or close. */
static void process(struct conn *c) {
  size_t pos = 0;
  while (!c->writing && !c->last_answer && pos < c->in_len) {
    if (c->skip > 0) { /* the body of the previous request */
      size_t n = c->in_len - pos < c->skip ? c->in_len - pos : c->skip;
      pos += n;
      c->skip -= n;
      continue;
    }
    if (c->out_len + sizeof RESPONSE_CLOSE > OUT_SIZE) break; /* send these first */
    const char *start = c->in + pos;
    const char *end = memmem(start, c->in_len - pos, "\r\n\r\n", 4);
    if (end == NULL) break; /* the rest of this request has not arrived yet */
    int keep_alive = parse_headers(start, end, &c->skip);
    const char *resp = keep_alive ? RESPONSE_KEEP_ALIVE : RESPONSE_CLOSE;
    size_t len = keep_alive ? sizeof RESPONSE_KEEP_ALIVE - 1 : sizeof RESPONSE_CLOSE - 1;
    memcpy(c->out + c->out_len, resp, len);
    c->out_len += len;
    pos = (size_t)(end + 4 - c->in);
    c->last_answer = !keep_alive;
  }
  if (pos > 0) { /* keep the unprocessed rest at the start of `in` */
    memmove(c->in, c->in + pos, c->in_len - pos);
    c->in_len -= pos;
  }

  if (c->out_len > 0 && !c->writing) {
    ruv_buf_t buf = ruv_buf_init(c->out, (unsigned int)c->out_len);
    c->writing = 1;
    if (ruv_write(&c->write, (ruv_stream_t *)&c->tcp, &buf, 1, on_write) < 0) {
      close_conn(c);
      return;
    }
  }

  if (c->last_answer || c->eof) {
    /* Nothing more to read: close once the answers are written. */
    if (!c->writing)
      close_conn(c);
    else if (!c->eof)
      ruv_read_stop((ruv_stream_t *)&c->tcp);
  } else if (c->in_len == IN_SIZE && !c->writing) {
    close_conn(c); /* one request's headers fill the whole buffer: give up */
  } else if ((c->in_len == IN_SIZE) != c->paused) {
    /* Full while a write is in flight: pause until on_write makes room. */
    c->paused = !c->paused;
    if (c->paused)
      ruv_read_stop((ruv_stream_t *)&c->tcp);
    else
      ruv_read_start((ruv_stream_t *)&c->tcp, on_alloc, on_read);
  }
}

static void on_write(ruv_write_t *req, int status) {
  struct conn *c = req->handle->data;
  c->writing = 0;
  c->out_len = 0;
  if (status < 0)
    close_conn(c); /* when RUV_ECANCELED, the handle is closing already: a no-op */
  else
    process(c); /* requests that arrived meanwhile, or close if that was the last */
}

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  struct conn *c = h->data;
  (void)suggested;
  *buf = ruv_buf_init(c->in + c->in_len, (unsigned int)(IN_SIZE - c->in_len));
}

static void on_read(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf) {
  struct conn *c = stream->data;
  (void)buf; /* always the free tail of c->in */
  if (nread == RUV_EOF) {
    c->eof = 1; /* a half-close: still answer what was sent, then close */
    process(c);
  } else if (nread < 0) {
    close_conn(c); /* also cancels a write in flight */
  } else if (nread > 0) {
    c->in_len += (size_t)nread;
    process(c);
  }
}

static void on_connection(ruv_stream_t *server, int status) {
  if (status < 0) {
    fprintf(stderr, "http-server: connection: %s\n", ruv_strerror(status));
    return;
  }
  struct conn *c = malloc(sizeof *c);
  if (c == NULL) return;
  c->writing = c->last_answer = c->eof = c->paused = 0;
  c->skip = c->in_len = c->out_len = 0;
  ruv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  if (ruv_accept(server, (ruv_stream_t *)&c->tcp) < 0) {
    close_conn(c);
    return;
  }
  ruv_tcp_nodelay(&c->tcp, 1);
  ruv_read_start((ruv_stream_t *)&c->tcp, on_alloc, on_read);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 8080;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "usage: %s [port]\n", argv[0]);
    return 2;
  }
  /* A client gone away must be a write error (RUV_EPIPE), not a fatal SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  ruv_loop_t *loop = ruv_default_loop();
  struct sockaddr_in addr;
  ruv_tcp_t server;
  ruv_ip4_addr("127.0.0.1", port, &addr);
  ruv_tcp_init(loop, &server);
  int rc = ruv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = ruv_listen((ruv_stream_t *)&server, 1024, on_connection);
  if (rc < 0) {
    fprintf(stderr, "http-server: listen on 127.0.0.1:%d: %s\n", port, ruv_strerror(rc));
    return 1;
  }
  printf("Listening on http://127.0.0.1:%d/\n", port);
  fflush(stdout);
  return ruv_run(loop, RUV_RUN_DEFAULT) == 0 ? 0 : 1;
}
