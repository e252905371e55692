/* echo-server-uv: examples-c/echo-server.c written against libuv's API, as a
 * libuv program: uv_ names, <uv.h>, nothing of ruv's. `make test` builds it
 * twice, unchanged, and runs both over loopback (tests/examples.sh):
 *
 *   cc -Iinclude/uv-compat echo-server-uv.c target/release/libruv.a ...  -> ruv
 *   cc echo-server-uv.c -luv                                              -> libuv
 *
 * (the second only where libuv's headers are installed).
 *
 * A TCP echo server. Every chunk a client sends is written back to it
 * unchanged; when the client shuts down its write side, the server finishes
 * echoing and then closes the connection.
 *
 * usage: echo-server-uv [port]       (listens on 127.0.0.1, default port 7000)
 *        Ctrl-C (SIGINT) closes every connection and exits with status 0.
 *
 * SIGINT is caught with a plain signal() handler and a timer that polls its
 * flag, not with a uv_signal_t: ruv has no signal handles yet. */
#include <uv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_QUEUED (4u << 20) /* stop reading a client while 4 MiB are unsent */

struct client {
  uv_tcp_t tcp;
  uv_shutdown_t shutdown;
  size_t queued; /* bytes handed to uv_write and not yet written */
  int paused;    /* reading stopped until the queue drains */
};

struct echo_write {
  uv_write_t req;
  uv_buf_t buf;
};

static volatile sig_atomic_t stop_requested;

static void on_sigint(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void on_client_closed(uv_handle_t *h) {
  free(h->data); /* the struct client; pending writes were cancelled before this */
}

static void close_client(struct client *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp))
    uv_close((uv_handle_t *)&c->tcp, on_client_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0; /* a 0-length buffer makes read_cb get UV_ENOBUFS */
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  (void)status; /* every echo was written (or failed): either way, we are done */
  close_client(req->handle->data);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void on_write(uv_write_t *req, int status) {
  struct echo_write *w = (struct echo_write *)req;
  struct client *c = req->handle->data;
  c->queued -= w->buf.len;
  free(w->buf.base);
  free(w);
  if (status < 0) { /* UV_ECANCELED when the client was closed first */
    if (status != UV_ECANCELED)
      fprintf(stderr, "echo-server-uv: write: %s\n", uv_strerror(status));
    close_client(c);
  } else if (c->paused && c->queued < MAX_QUEUED / 2 &&
             !uv_is_closing((uv_handle_t *)&c->tcp)) {
    c->paused = 0; /* the client is reading its echoes again: resume */
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  }
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  struct client *c = stream->data;
  if (nread > 0) {
    struct echo_write *w = malloc(sizeof *w);
    if (w == NULL) {
      free(buf->base);
      close_client(c);
      return;
    }
    w->buf = uv_buf_init(buf->base, (unsigned int)nread); /* the write now owns it */
    c->queued += (size_t)nread;
    int rc = uv_write(&w->req, stream, &w->buf, 1, on_write);
    if (rc < 0) { /* the callback will not run */
      fprintf(stderr, "echo-server-uv: write: %s\n", uv_strerror(rc));
      c->queued -= (size_t)nread;
      free(w->buf.base);
      free(w);
      close_client(c);
    } else if (c->queued >= MAX_QUEUED) {
      c->paused = 1;
      uv_read_stop(stream);
    }
    return;
  }
  free(buf->base); /* may be NULL: nread == 0 is "nothing this time" */
  if (nread == UV_EOF) {
    /* The client will send no more. Shut our side down once the queued echoes
     * are written, then close; uv_close right away would cancel them. */
    uv_read_stop(stream);
    if (uv_shutdown(&c->shutdown, stream, on_shutdown) < 0) close_client(c);
  } else if (nread < 0) {
    fprintf(stderr, "echo-server-uv: read: %s\n", uv_strerror((int)nread));
    close_client(c);
  }
}

static void on_connection(uv_stream_t *server, int status) {
  if (status < 0) {
    fprintf(stderr, "echo-server-uv: connection: %s\n", uv_strerror(status));
    return;
  }
  struct client *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  uv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) < 0) {
    close_client(c);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void close_any(uv_handle_t *h, void *arg) {
  (void)arg;
  if (uv_is_closing(h)) return;
  if (uv_handle_get_type(h) == UV_TCP && h->data != NULL)
    close_client(h->data);
  else
    uv_close(h, NULL); /* the listener and the timer live in main's frame */
}

static void on_check_signal(uv_timer_t *t) {
  if (!stop_requested) return;
  fprintf(stderr, "echo-server-uv: SIGINT, closing everything\n");
  uv_walk(t->loop, close_any, NULL);
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 7000;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "usage: %s [port]\n", argv[0]);
    return 2;
  }
  uv_loop_t *loop = uv_default_loop();
  struct sockaddr_in addr;
  uv_tcp_t server;
  uv_timer_t signal_poll;

  uv_ip4_addr("127.0.0.1", port, &addr);
  uv_tcp_init(loop, &server);
  server.data = NULL;
  int rc = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&server, 128, on_connection);
  if (rc < 0) {
    fprintf(stderr, "echo-server-uv: listen on 127.0.0.1:%d: %s\n", port, uv_strerror(rc));
    return 1;
  }

  signal(SIGINT, on_sigint);
  /* A client gone away must be a write error (UV_EPIPE), not a fatal SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  uv_timer_init(loop, &signal_poll);
  uv_timer_start(&signal_poll, on_check_signal, 100, 100);
  uv_unref((uv_handle_t *)&signal_poll); /* it alone does not keep the loop alive */

  printf("echo-server-uv listening on 127.0.0.1:%d (libuv API %s)\n", port, uv_version_string());
  fflush(stdout);
  uv_run(loop, UV_RUN_DEFAULT);

  rc = uv_loop_close(loop);
  if (rc < 0) fprintf(stderr, "echo-server-uv: loop close: %s\n", uv_strerror(rc));
  return rc == 0 ? 0 : 1;
}
