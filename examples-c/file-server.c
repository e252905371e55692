/* file-server: an HTTP/1.1 server for the files under a directory.
 *
 * usage: file-server [-p port] [dir]   (127.0.0.1, default port 8081, default dir ".")
 *        then e.g.  curl http://127.0.0.1:8081/README.md
 *        Ctrl-C (SIGINT) closes every connection and exits with status 0.
 *
 * What it answers:
 *  - GET only: any other method gets 405 (with "Allow: GET").
 *  - The path is %XX-decoded (the query string is dropped). A ".." segment,
 *    or a path whose ruv_fs_realpath is outside the served directory (a
 *    symbolic link out of it), gets 403; a missing one 404; "%00" 400.
 *  - A regular file: 200 with Content-Length from ruv_fs_fstat and a
 *    Content-Type from a short table of extensions, the body sent by
 *    ruv_fs_sendfile straight from the file to the socket.
 *  - A directory: a simple HTML listing made with ruv_fs_scandir (no
 *    index.html magic); a directory path without a final "/" is first
 *    redirected (301) to the one with it, so the listing's relative links work.
 *  - Every response says "Connection: close": one request per connection. The
 *    server then shuts down its sending side and reads (and discards) until
 *    the client closes, so a client that sent more than was read (a POST
 *    body) still gets the whole answer instead of a reset.
 *
 * Shows: each request as a chain of fs requests on the pool, each started
 * from the callback of the one before (realpath, open, fstat, then scandir or
 * the head and sendfile), and a connection that is only freed when its one
 * fs request in flight has come back. sendfile and the non-blocking socket:
 * ruv_fs_sendfile runs sendfile(2) once on a pool thread, which copies what
 * fits in the socket's buffer: a short count, or nothing (RUV_EAGAIN). Then
 * a ruv_poll_t on the socket's descriptor (ruv_fileno of the TCP handle; ruv
 * lets a poll handle watch a stream's descriptor) waits for RUV_WRITABLE, is
 * stopped, and sendfile goes on from the offset reached. The bytes never
 * pass through user space, and a slow client holds no pool thread while it
 * is not reading. (The other way, reading the file into a buffer and
 * ruv_write, would need no poll handle but copies every byte twice.) */
#include "ruv.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h> /* S_ISDIR, S_ISREG */

#define IN_SIZE 8192 /* the limit on a request's head */

struct conn {
  ruv_tcp_t tcp;
  ruv_poll_t poll; /* the socket's descriptor, while sendfile waits for room */
  ruv_write_t write;
  ruv_shutdown_t shutdown;
  ruv_fs_t req;      /* the connection's one fs request in flight */
  int fs_busy;       /* req is in flight: the connection must not go yet */
  int closing;       /* conn_close was called: finish it when fs_busy ends */
  int poll_inited;  /* poll was initialised */
  int handles_open;  /* tcp and poll, until their close callbacks */
  int body_next;     /* after the head is written, send the file */
  int lingering;     /* the response is out: discard input until EOF */
  ruv_os_fd_t sock;
  ruv_file file;     /* -1 when no file is open */
  int64_t offset, end; /* what is left of the file to send */
  size_t asked;        /* the byte count of the sendfile in flight */
  char *url;         /* the decoded request path */
  char *raw;         /* the path as sent (for the redirect's Location) */
  char *path;        /* the file system path: the root joined with url */
  char *out;         /* the response being written (head, or head and body) */
  size_t in_len;
  char in[IN_SIZE];
};

static char *root;  /* the served directory, as ruv_fs_realpath gave it */
static size_t root_len;
static volatile sig_atomic_t stop_requested;

static void conn_close(struct conn *c);
static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf);

/* ---- closing ---------------------------------------------------------- */

static void on_handle_closed(ruv_handle_t *h) {
  struct conn *c = h->data;
  if (--c->handles_open > 0) return;
  free(c->url);
  free(c->raw);
  free(c->path);
  free(c->out);
  free(c);
}

static void on_file_closed(ruv_fs_t *req) {
  struct conn *c = req->data;
  ruv_fs_req_cleanup(req);
  c->fs_busy = 0;
  conn_close(c);
}

/* Closes the connection: waits for the fs request in flight (a pool thread
 * may be using the socket), closes the file, then the handles. Safe to call
 * again; every fs callback calls it when `closing` is set. */
static void conn_close(struct conn *c) {
  c->closing = 1;
  if (c->fs_busy) return;
  if (c->file >= 0) {
    ruv_file f = c->file;
    c->file = -1;
    if (ruv_fs_close(c->tcp.loop, &c->req, f, on_file_closed) == 0) {
      c->fs_busy = 1;
      return;
    }
  }
  if (ruv_is_closing((ruv_handle_t *)&c->tcp)) return;
  ruv_close((ruv_handle_t *)&c->tcp, on_handle_closed);
  if (c->poll_inited) ruv_close((ruv_handle_t *)&c->poll, on_handle_closed);
}

/* An fs callback's common start: the request is done; if the connection is
 * closing, go on with that and tell the caller to stop. */
static int fs_finished(struct conn *c) {
  ruv_fs_req_cleanup(&c->req);
  c->fs_busy = 0;
  if (!c->closing) return 0;
  conn_close(c);
  return 1;
}

/* ---- responses ---------------------------------------------------------- */

static void on_discard(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf) {
  (void)buf;
  if (nread < 0) conn_close(stream->data); /* the client's EOF (or an error) */
}

static void on_shutdown(ruv_shutdown_t *req, int status) {
  struct conn *c = req->handle->data;
  if (status < 0 || c->closing) {
    conn_close(c);
    return;
  }
  c->lingering = 1;
  c->in_len = 0;
  ruv_read_start((ruv_stream_t *)&c->tcp, on_alloc, on_discard);
}

/* The whole response is in the kernel's hands. */
static void response_done(struct conn *c) {
  if (ruv_shutdown(&c->shutdown, (ruv_stream_t *)&c->tcp, on_shutdown) < 0) conn_close(c);
}

static void send_body(struct conn *c);

static void on_write(ruv_write_t *req, int status) {
  struct conn *c = req->handle->data;
  free(c->out);
  c->out = NULL;
  if (status < 0 || c->closing)
    conn_close(c); /* RUV_ECANCELED when closing, RUV_EPIPE when the client left */
  else if (c->body_next)
    send_body(c);
  else
    response_done(c);
}

/* Sends a head (with Content-Length `length`) followed by `body_len` bytes of
 * `body`; the file follows if body_next is set. */
static void send_response(struct conn *c, const char *status, const char *headers, int64_t length,
                          const char *body, size_t body_len) {
  static const char fmt[] = "HTTP/1.1 %s\r\n%sContent-Length: %lld\r\nConnection: close\r\n\r\n";
  int head = snprintf(NULL, 0, fmt, status, headers, (long long)length);
  c->out = malloc((size_t)head + 1 + body_len);
  if (c->out == NULL) {
    conn_close(c);
    return;
  }
  snprintf(c->out, (size_t)head + 1, fmt, status, headers, (long long)length);
  if (body_len > 0) memcpy(c->out + head, body, body_len);
  ruv_buf_t b = ruv_buf_init(c->out, (unsigned int)((size_t)head + body_len));
  if (ruv_write(&c->write, (ruv_stream_t *)&c->tcp, &b, 1, on_write) < 0) conn_close(c);
}

/* A short text/plain answer: "404 Not Found" gets the body "404 Not Found\n". */
static void send_error(struct conn *c, const char *status, const char *extra_headers) {
  static const char type[] = "Content-Type: text/plain; charset=utf-8\r\n";
  char *headers = malloc(sizeof type + strlen(extra_headers)), body[64];
  if (headers == NULL) {
    conn_close(c);
    return;
  }
  strcpy(headers, type);
  strcat(headers, extra_headers);
  int n = snprintf(body, sizeof body, "%s\n", status);
  send_response(c, status, headers, n, body, (size_t)n);
  free(headers);
}

/* An fs error as an HTTP status. */
static void send_fs_error(struct conn *c, int err) {
  if (err == RUV_ENOENT || err == RUV_ENOTDIR || err == RUV_ELOOP || err == RUV_ENAMETOOLONG)
    send_error(c, "404 Not Found", "");
  else if (err == RUV_EACCES || err == RUV_EPERM)
    send_error(c, "403 Forbidden", "");
  else
    send_error(c, "500 Internal Server Error", "");
}

/* ---- a file: the head, then sendfile until the end ----------------------- */

static void on_sendfile(ruv_fs_t *req);

static void on_writable(ruv_poll_t *p, int status, int events) {
  struct conn *c = p->data;
  (void)events;
  ruv_poll_stop(p);
  if (status < 0)
    conn_close(c); /* the socket reports an error: the client is gone */
  else
    send_body(c);
}

static void send_body(struct conn *c) {
  if (c->offset == c->end) {
    response_done(c);
    return;
  }
  c->asked = (size_t)(c->end - c->offset);
  if (ruv_fs_sendfile(c->tcp.loop, &c->req, c->sock, c->file, c->offset, c->asked, on_sendfile) < 0)
    conn_close(c);
  else
    c->fs_busy = 1;
}

static void wait_writable(struct conn *c) {
  if (!c->poll_inited) {
    if (ruv_poll_init(c->tcp.loop, &c->poll, c->sock) < 0) {
      conn_close(c);
      return;
    }
    c->poll.data = c;
    c->poll_inited = 1;
    c->handles_open++;
  }
  if (ruv_poll_start(&c->poll, RUV_WRITABLE, on_writable) < 0) conn_close(c);
}

static void on_sendfile(ruv_fs_t *req) {
  struct conn *c = req->data;
  ssize_t n = req->result;
  if (fs_finished(c)) return;
  if (n > 0) {
    c->offset += n;
    /* Short: the socket's buffer is full, and sendfile right away would only
     * say RUV_EAGAIN; wait for room first. Else the rest (or the end). */
    if ((size_t)n < c->asked)
      wait_writable(c);
    else
      send_body(c);
  } else if (n == RUV_EAGAIN) {
    wait_writable(c); /* full before a byte went: wait until the client reads */
  } else {
    conn_close(c); /* 0: the file shrank under us; < 0: the client left (RUV_EPIPE) */
  }
}

static const char *content_type(const char *path) {
  static const char *const types[][2] = {
      {".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"}, {".md", "text/plain; charset=utf-8"},
      {".c", "text/plain; charset=utf-8"},   {".h", "text/plain; charset=utf-8"},
      {".rs", "text/plain; charset=utf-8"},  {".toml", "text/plain; charset=utf-8"},
      {".sh", "text/plain; charset=utf-8"},  {".css", "text/css"},
      {".js", "text/javascript"},            {".json", "application/json"},
      {".png", "image/png"},                 {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},               {".gif", "image/gif"},
      {".svg", "image/svg+xml"},             {".pdf", "application/pdf"},
  };
  const char *dot = strrchr(path, '.');
  if (dot != NULL && strchr(dot, '/') == NULL)
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
      if (strcmp(dot, types[i][0]) == 0) return types[i][1];
  return "application/octet-stream";
}

/* ---- a directory: a listing --------------------------------------------- */

struct text {
  char *p;
  size_t len, cap;
  int failed;
};

static void add(struct text *t, const char *s, size_t n) {
  if (t->failed) return;
  if (t->len + n > t->cap) {
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + n) cap *= 2;
    char *p = realloc(t->p, cap);
    if (p == NULL) {
      t->failed = 1;
      return;
    }
    t->p = p;
    t->cap = cap;
  }
  memcpy(t->p + t->len, s, n);
  t->len += n;
}

static void add_str(struct text *t, const char *s) { add(t, s, strlen(s)); }

static void add_html(struct text *t, const char *s) { /* escaped for HTML text */
  for (; *s; s++) {
    if (*s == '&') add_str(t, "&amp;");
    else if (*s == '<') add_str(t, "&lt;");
    else if (*s == '>') add_str(t, "&gt;");
    else if (*s == '"') add_str(t, "&quot;");
    else add(t, s, 1);
  }
}

static void add_href(struct text *t, const char *s) { /* %XX-encoded for a URL path */
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        strchr("-._~", ch) != NULL) {
      add(t, s, 1);
    } else {
      char hex[4];
      snprintf(hex, sizeof hex, "%%%02X", ch);
      add(t, hex, 3);
    }
  }
}

static void on_scandir(ruv_fs_t *req) {
  struct conn *c = req->data;
  int rc = (int)req->result;
  if (rc < 0) {
    if (!fs_finished(c)) send_fs_error(c, rc);
    return;
  }
  struct text t = {0};
  ruv_dirent_t ent;
  add_str(&t, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ");
  add_html(&t, c->url);
  add_str(&t, "</title></head>\n<body><h1>Index of ");
  add_html(&t, c->url);
  add_str(&t, "</h1>\n<ul>\n");
  if (strcmp(c->url, "/") != 0) add_str(&t, "<li><a href=\"../\">../</a></li>\n");
  while (ruv_fs_scandir_next(req, &ent) == 0) { /* sorted by name; no "." or ".." */
    const char *slash = ent.type == RUV_DIRENT_DIR ? "/" : "";
    add_str(&t, "<li><a href=\"");
    add_href(&t, ent.name);
    add_str(&t, slash);
    add_str(&t, "\">");
    add_html(&t, ent.name);
    add_str(&t, slash);
    add_str(&t, "</a></li>\n");
  }
  add_str(&t, "</ul></body></html>\n");
  if (fs_finished(c)) { /* after the entries: their names live until the cleanup */
    free(t.p);
    return;
  }
  if (t.failed)
    send_error(c, "500 Internal Server Error", "");
  else
    send_response(c, "200 OK", "Content-Type: text/html; charset=utf-8\r\n", (int64_t)t.len, t.p,
                  t.len);
  free(t.p);
}

/* ---- a request: realpath, open, fstat ---------------------------------- */

static void on_fstat(ruv_fs_t *req) {
  struct conn *c = req->data;
  int rc = (int)req->result;
  ruv_stat_t st = req->statbuf;
  if (fs_finished(c)) return;
  if (rc < 0) {
    send_fs_error(c, rc);
  } else if (S_ISDIR(st.st_mode)) {
    size_t n = strlen(c->url);
    if (c->url[n - 1] != '/') { /* "/dir" -> "/dir/", so that "a" in its page is "/dir/a" */
      char location[IN_SIZE + 16];
      snprintf(location, sizeof location, "Location: %s/\r\n", c->raw);
      send_error(c, "301 Moved Permanently", location);
    } else if (ruv_fs_scandir(c->tcp.loop, &c->req, c->path, 0, on_scandir) < 0) {
      send_error(c, "500 Internal Server Error", "");
    } else {
      c->fs_busy = 1;
    }
  } else if (S_ISREG(st.st_mode)) {
    char headers[128];
    snprintf(headers, sizeof headers, "Content-Type: %s\r\n", content_type(c->path));
    c->offset = 0;
    c->end = (int64_t)st.st_size;
    c->body_next = 1;
    send_response(c, "200 OK", headers, c->end, NULL, 0);
  } else {
    send_error(c, "403 Forbidden", ""); /* a device, a FIFO, a socket */
  }
}

static void on_open(ruv_fs_t *req) {
  struct conn *c = req->data;
  ssize_t fd = req->result;
  if (fd >= 0) c->file = (ruv_file)fd; /* before anything: conn_close closes it */
  if (fs_finished(c)) return;
  if (fd < 0)
    send_fs_error(c, (int)fd);
  else if (ruv_fs_fstat(c->tcp.loop, &c->req, c->file, on_fstat) < 0)
    send_error(c, "500 Internal Server Error", "");
  else
    c->fs_busy = 1;
}

static void on_realpath(ruv_fs_t *req) {
  struct conn *c = req->data;
  int rc = (int)req->result;
  char *real = rc == 0 ? strdup(ruv_fs_get_ptr(req)) : NULL;
  if (fs_finished(c)) {
    free(real);
    return;
  }
  if (rc < 0) {
    send_fs_error(c, rc);
    return;
  }
  if (real == NULL) {
    send_error(c, "500 Internal Server Error", "");
    return;
  }
  /* Inside the root: the root itself, or below it (root "/" holds everything). */
  int inside = strncmp(real, root, root_len) == 0 &&
               (real[root_len] == '\0' || real[root_len] == '/' || root_len == 1);
  free(c->path);
  c->path = real;
  if (!inside) {
    send_error(c, "403 Forbidden", "");
    return;
  }
  /* O_NONBLOCK: opening a FIFO must not wait for a writer (fstat refuses it). */
  int flags = RUV_FS_O_RDONLY | RUV_FS_O_NONBLOCK;
  if (ruv_fs_open(c->tcp.loop, &c->req, c->path, flags, 0, on_open) < 0)
    send_error(c, "500 Internal Server Error", "");
  else
    c->fs_busy = 1;
}

static int hex_digit(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* %XX-decodes `s` into `out` (as long as `s`). -1 for a bad escape or "%00". */
static int decode(const char *s, char *out) {
  while (*s) {
    if (*s == '%') {
      int hi = hex_digit(s[1]), lo = hi < 0 ? -1 : hex_digit(s[2]);
      if (lo < 0 || (hi == 0 && lo == 0)) return -1;
      *out++ = (char)(hi * 16 + lo);
      s += 3;
    } else {
      *out++ = *s++;
    }
  }
  *out = '\0';
  return 0;
}

/* A ".." segment in a path that starts with "/": every segment follows a "/". */
static int has_dotdot_segment(const char *p) {
  while ((p = strstr(p, "/..")) != NULL) {
    if (p[3] == '/' || p[3] == '\0') return 1;
    p += 3;
  }
  return 0;
}

/* The head has arrived (NUL-terminated in c->in): check it, start the chain. */
static void handle_request(struct conn *c) {
  char *method = c->in, *target, *version, *query;
  char *eol = strstr(c->in, "\r\n");
  *eol = '\0'; /* the request line alone */
  target = strchr(method, ' ');
  version = target ? strchr(target + 1, ' ') : NULL;
  if (version == NULL || strncmp(version + 1, "HTTP/1.", 7) != 0) {
    send_error(c, "400 Bad Request", "");
    return;
  }
  *target++ = '\0';
  *version = '\0';
  if (strcmp(method, "GET") != 0) {
    send_error(c, "405 Method Not Allowed", "Allow: GET\r\n");
    return;
  }
  if ((query = strchr(target, '?')) != NULL) *query = '\0';
  for (const char *p = target; *p; p++)
    if ((unsigned char)*p <= ' ' || *p == 0x7f) { /* no bare LF or such (Location) */
      send_error(c, "400 Bad Request", "");
      return;
    }
  c->raw = strdup(target);
  c->url = malloc(strlen(target) + 1);
  if (c->raw == NULL || c->url == NULL) {
    send_error(c, "500 Internal Server Error", "");
    return;
  }
  if (target[0] != '/' || decode(target, c->url) < 0) {
    send_error(c, "400 Bad Request", "");
    return;
  }
  if (has_dotdot_segment(c->url)) {
    send_error(c, "403 Forbidden", "");
    return;
  }
  c->path = malloc(root_len + strlen(c->url) + 1);
  if (c->path == NULL) {
    send_error(c, "500 Internal Server Error", "");
    return;
  }
  memcpy(c->path, root, root_len);
  strcpy(c->path + root_len, c->url);
  /* The real path, links resolved: is it still under the root? */
  if (ruv_fs_realpath(c->tcp.loop, &c->req, c->path, on_realpath) < 0)
    send_error(c, "500 Internal Server Error", "");
  else
    c->fs_busy = 1;
}

/* ---- connections -------------------------------------------------------- */

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  struct conn *c = h->data;
  (void)suggested; /* the free tail of `in`, one byte kept for a NUL */
  *buf = ruv_buf_init(c->in + c->in_len, (unsigned int)(IN_SIZE - 1 - c->in_len));
}

static void on_read(ruv_stream_t *stream, ssize_t nread, const ruv_buf_t *buf) {
  struct conn *c = stream->data;
  (void)buf;
  if (nread < 0) { /* gone before the request was complete */
    conn_close(c);
    return;
  }
  c->in_len += (size_t)nread;
  c->in[c->in_len] = '\0';
  if (strstr(c->in, "\r\n\r\n") != NULL) {
    ruv_read_stop(stream); /* one request per connection: read no further */
    handle_request(c);
  } else if (memchr(c->in, '\0', c->in_len) != NULL) {
    ruv_read_stop(stream); /* a NUL byte hides the rest from strstr */
    send_error(c, "400 Bad Request", "");
  } else if (c->in_len == IN_SIZE - 1) {
    ruv_read_stop(stream);
    send_error(c, "431 Request Header Fields Too Large", "");
  }
}

static void on_connection(ruv_stream_t *server, int status) {
  if (status < 0) {
    fprintf(stderr, "file-server: connection: %s\n", ruv_strerror(status));
    return;
  }
  struct conn *c = calloc(1, sizeof *c);
  if (c == NULL) return;
  c->file = -1;
  c->req.data = c;
  c->handles_open = 1;
  ruv_tcp_init(server->loop, &c->tcp);
  c->tcp.data = c;
  if (ruv_accept(server, (ruv_stream_t *)&c->tcp) < 0 ||
      ruv_fileno((ruv_handle_t *)&c->tcp, &c->sock) < 0) {
    conn_close(c);
    return;
  }
  ruv_read_start((ruv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* ---- start and stop ----------------------------------------------------- */

static struct {
  ruv_tcp_t server;
  ruv_timer_t signal_poll;
  ruv_fs_t req;
  const char *dir;
  int port;
  int status;
} app;

static void close_any(ruv_handle_t *h, void *arg) {
  (void)arg;
  if (ruv_is_closing(h)) return;
  if (h->data != NULL)
    conn_close(h->data); /* a connection's TCP or poll handle */
  else
    ruv_close(h, NULL); /* the listener and the timer live in `app` */
}

static void on_sigint(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void on_check_signal(ruv_timer_t *t) {
  if (!stop_requested) return;
  fprintf(stderr, "file-server: SIGINT, closing everything\n");
  ruv_walk(t->loop, close_any, NULL);
}

static void give_up(const char *what, int err) {
  fprintf(stderr, "file-server: %s: %s\n", what, ruv_strerror(err));
  app.status = 1;
  if (!ruv_is_closing((ruv_handle_t *)&app.server)) ruv_close((ruv_handle_t *)&app.server, NULL);
  if (!ruv_is_closing((ruv_handle_t *)&app.signal_poll))
    ruv_close((ruv_handle_t *)&app.signal_poll, NULL);
}

static void on_root_stat(ruv_fs_t *req) {
  int rc = (int)req->result;
  int is_dir = rc == 0 && S_ISDIR(req->statbuf.st_mode);
  ruv_fs_req_cleanup(req);
  if (stop_requested) return; /* SIGINT came first: the handles are closing */
  if (rc < 0 || !is_dir) {
    give_up(app.dir, rc < 0 ? rc : RUV_ENOTDIR);
    return;
  }
  rc = ruv_listen((ruv_stream_t *)&app.server, 128, on_connection);
  if (rc < 0) {
    char where[64];
    snprintf(where, sizeof where, "listen on 127.0.0.1:%d", app.port);
    give_up(where, rc);
    return;
  }
  printf("Serving %s on http://127.0.0.1:%d/\n", root, app.port);
  fflush(stdout);
}

static void on_root(ruv_fs_t *req) {
  int rc = (int)req->result;
  if (rc == 0) root = strdup(ruv_fs_get_ptr(req));
  ruv_fs_req_cleanup(req);
  if (rc < 0 || root == NULL) {
    give_up(app.dir, rc < 0 ? rc : RUV_ENOMEM);
    return;
  }
  root_len = strlen(root);
  if (ruv_fs_stat(app.server.loop, &app.req, root, on_root_stat) < 0) give_up(app.dir, RUV_EINVAL);
}

int main(int argc, char **argv) {
  app.port = 8081;
  app.dir = ".";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-p") == 0 && i + 1 < argc)
      app.port = atoi(argv[++i]);
    else if (argv[i][0] != '-' && i == argc - 1)
      app.dir = argv[i];
    else
      app.port = 0; /* anything else: the usage */
  }
  if (app.port <= 0 || app.port > 65535) {
    fprintf(stderr, "usage: %s [-p port] [dir]\n", argv[0]);
    return 2;
  }
  /* A client gone away must be an error (RUV_EPIPE) from sendfile and
   * ruv_write, not a fatal SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, on_sigint);

  ruv_loop_t *loop = ruv_default_loop();
  struct sockaddr_in addr;
  ruv_ip4_addr("127.0.0.1", app.port, &addr);
  ruv_tcp_init(loop, &app.server);
  app.server.data = NULL;
  ruv_tcp_bind(&app.server, (const struct sockaddr *)&addr, 0); /* errors come from ruv_listen */
  ruv_timer_init(loop, &app.signal_poll);
  app.signal_poll.data = NULL;
  ruv_timer_start(&app.signal_poll, on_check_signal, 100, 100);
  ruv_unref((ruv_handle_t *)&app.signal_poll); /* it alone does not keep the loop alive */

  /* The root, resolved once: the real path every request must stay under.
   * Listening starts when it is known. */
  if (ruv_fs_realpath(loop, &app.req, app.dir, on_root) < 0) give_up(app.dir, RUV_EINVAL);
  ruv_run(loop, RUV_RUN_DEFAULT);

  int rc = ruv_loop_close(loop);
  if (rc < 0) fprintf(stderr, "file-server: loop close: %s\n", ruv_strerror(rc));
  free(root);
  ruv_library_shutdown(); /* joins the pool's threads: a clean exit under valgrind */
  return rc == 0 ? app.status : 1;
}
