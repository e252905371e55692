/* echo-server: a TCP echo server. Every chunk a client sends is written back
 * to it unchanged; when the client shuts down its write side, the server
 * finishes echoing and then closes the connection.
 *
 * usage: echo-server [port [socket-path]]
 *        listens on 127.0.0.1 (default port 7000), and with a path on that
 *        Unix-domain socket too (removed again when the server stops)
 *        then e.g.  tcp-client 127.0.0.1:7000 hello     or   nc 127.0.0.1 7000
 *                   nc -U /tmp/echo.sock
 *        Ctrl-C (SIGINT) closes every connection and exits with status 0.
 *
 * Shows: listen/accept, reading with alloc_cb/read_cb, one ruv_write per
 * chunk read (the buffer is freed in the write callback), backpressure (stop
 * reading while too much is queued), ruv_shutdown on EOF so queued echoes are
 * not lost, and a clean stop: a plain signal() handler sets a flag that an
 * unreferenced timer polls, then ruv_walk closes every handle. The same code
 * serves TCP and Unix-socket clients: both are streams. */
#include "ruv.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_QUEUED (4u << 20) /* stop reading a client while 4 MiB are unsent */

struct client {
  union {
    ruv_stream_t stream;
    ruv_tcp_t tcp;   /* a TCP client */
    ruv_pipe_t pipe; /* a Unix-socket client */
  } h;
  ruv_shutdown_t shutdown;
  size_t queued; /* bytes handed to ruv_write and not yet written */
  int paused;    /* reading stopped until the queue drains */
};

struct echo_write {
  ruv_write_t req;
  ruv_buf_t buf;
};

static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void on_client_closed(ruv_handle_t *h) {
  free(h->data); /* the struct client; pending writes were cancelled before this */
}

static void close_client(struct client *c) {
  if (!ruv_is_closing((ruv_handle_t *)&c->h))
    ruv_close((ruv_handle_t *)&c->h, on_client_closed);
}

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0; /* a 0-length buffer makes read_cb get RUV_ENOBUFS */
}

static void on_shutdown(ruv_shutdown_t *req, int status) {
  (void)status; /* every echo was written (or failed): either way, we are done */
  close_client(req->handle->data);
}

static void on_read(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf);

static void on_write(ruv_write_t *req, int status) {
  struct echo_write *w = (struct echo_write *)req;
  struct client *c = req->handle->data;
  c->queued -= w->buf.len;
  free(w->buf.base);
  free(w);
  if (status < 0) { /* RUV_ECANCELED when the client was closed first */
    if (status != RUV_ECANCELED)
      fprintf(stderr, "echo-server: write: %s\n", ruv_strerror(status));
    close_client(c);
  } else if (c->paused && c->queued < MAX_QUEUED / 2 &&
             !ruv_is_closing((ruv_handle_t *)&c->h)) {
    c->paused = 0; /* the client is reading its echoes again: resume */
    ruv_read_start(&c->h.stream, on_alloc, on_read);
  }
}

static void on_read(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf) {
  struct client *c = stream->data;
  if (nread > 0) {
    struct echo_write *w = malloc(sizeof *w);
    if (w == NULL) {
      free(buf->base);
      close_client(c);
      return;
    }
    w->buf = ruv_buf_init(buf->base, (unsigned int)nread); /* the write now owns it */
    c->queued += (size_t)nread;
    int rc = ruv_write(&w->req, stream, &w->buf, 1, on_write);
    if (rc < 0) { /* the callback will not run */
      fprintf(stderr, "echo-server: write: %s\n", ruv_strerror(rc));
      c->queued -= (size_t)nread;
      free(w->buf.base);
      free(w);
      close_client(c);
    } else if (c->queued >= MAX_QUEUED) {
      c->paused = 1;
      ruv_read_stop(stream);
    }
    return;
  }
  free(buf->base); /* may be NULL: nread == 0 is "nothing this time" */
  if (nread == RUV_EOF) {
    /* The client will send no more. Shut our side down once the queued echoes
     * are written, then close; ruv_close right away would cancel them. */
    ruv_read_stop(stream);
    if (ruv_shutdown(&c->shutdown, stream, on_shutdown) < 0) close_client(c);
  } else if (nread < 0) {
    fprintf(stderr, "echo-server: read: %s\n", ruv_strerror((int)nread));
    close_client(c);
  }
}

static void on_connection(ruv_stream_t *server, int status) {
  if (status < 0) {
    fprintf(stderr, "echo-server: connection: %s\n", ruv_strerror(status));
    return;
  }
  struct client *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  if (ruv_handle_get_type((ruv_handle_t *)server) == RUV_NAMED_PIPE)
    ruv_pipe_init(server->loop, &c->h.pipe, 0);
  else
    ruv_tcp_init(server->loop, &c->h.tcp);
  c->h.stream.data = c;
  if (ruv_accept(server, &c->h.stream) < 0) {
    close_client(c);
    return;
  }
  ruv_read_start(&c->h.stream, on_alloc, on_read);
}

static void close_any(ruv_handle_t *h, void *arg) {
  (void)arg;
  if (ruv_is_closing(h)) return;
  ruv_handle_type type = ruv_handle_get_type(h);
  if ((type == RUV_TCP || type == RUV_NAMED_PIPE) && h->data != NULL)
    close_client(h->data); /* a client's handle; the listeners have no data */
  else
    ruv_close(h, NULL); /* the listeners and the timer live in main's frame */
}

static void on_check_signal(ruv_timer_t *t) {
  if (!stop_requested) return;
  fprintf(stderr, "echo-server: SIGINT, closing everything\n");
  ruv_walk(t->loop, close_any, NULL);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000;
  const char *path = argc > 2 ? argv[2] : NULL;
  if (port <= 0 || port > 65535 || argc > 3) {
    fprintf(stderr, "usage: %s [port [socket-path]]\n", argv[0]);
    return 2;
  }
  ruv_loop_t *loop = ruv_default_loop();
  struct sockaddr_in addr;
  ruv_tcp_t server;
  ruv_pipe_t unix_server;
  ruv_timer_t signal_poll;

  if (path != NULL) {
    ruv_pipe_init(loop, &unix_server, 0);
    unix_server.data = NULL;
    int rc = ruv_pipe_bind(&unix_server, path);
    if (rc == 0) rc = ruv_listen((ruv_stream_t *)&unix_server, 128, on_connection);
    if (rc < 0) {
      fprintf(stderr, "echo-server: listen on %s: %s\n", path, ruv_strerror(rc));
      return 1;
    }
    printf("echo-server listening on %s\n", path);
  }

  ruv_ip4_addr("127.0.0.1", port, &addr);
  ruv_tcp_init(loop, &server);
  server.data = NULL;
  int rc = ruv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = ruv_listen((ruv_stream_t *)&server, 128, on_connection);
  if (rc < 0) {
    fprintf(stderr, "echo-server: listen on 127.0.0.1:%d: %s\n", port, ruv_strerror(rc));
    return 1;
  }

  signal(SIGINT, on_sigint);
  /* A client gone away must be a write error (RUV_EPIPE), not a fatal SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  ruv_timer_init(loop, &signal_poll);
  ruv_timer_start(&signal_poll, on_check_signal, 100, 100);
  ruv_unref((ruv_handle_t *)&signal_poll); /* it alone does not keep the loop alive */

  printf("echo-server listening on 127.0.0.1:%d\n", port);
  fflush(stdout);
  ruv_run(loop, RUV_RUN_DEFAULT);

  rc = ruv_loop_close(loop);
  if (rc < 0) fprintf(stderr, "echo-server: loop close: %s\n", ruv_strerror(rc));
  return rc == 0 ? 0 : 1;
}
