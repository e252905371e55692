/* cat: prints files to standard output, one after the other, with the file
 * system calls on ruv's thread pool. A file that cannot be opened or read is
 * reported on stderr ("cat: missing: no such file or directory") and skipped;
 * the exit status is then 1, as cat's.
 *
 * usage: cat [FILE...]        ("-", or no FILE at all, is standard input)
 *        e.g.  cat README.md Makefile | less
 *
 * Shows: a chain of fs requests, each started from the callback of the one
 * before (open, then read 64 KiB, write it to fd 1, read again, ..., close),
 * with a single ruv_fs_t reused for every step (ruv_fs_req_cleanup after
 * each). Reads and writes use offset -1, the descriptor's position, so the
 * same code reads a regular file, a pipe or a terminal. The loop thread never
 * blocks: even the writes to stdout run on the pool, because stdout may be a
 * pipe whose reader is slow (a blocking write would stall the loop) or a
 * terminal; a short write (a pipe can take part of a chunk) is continued from
 * where it stopped. Error messages go out with fprintf: a few bytes, once. */
#include "ruv.h"
#include <stdio.h>
#include <string.h>

#define CHUNK 65536

static struct {
  ruv_loop_t *loop;
  ruv_fs_t req;  /* the one request in flight: open, read, write or close */
  char **names;  /* the files still to print */
  int count;
  const char *name; /* the file being printed */
  ruv_file fd;
  char buf[CHUNK];
  size_t len, written; /* bytes in buf, and how many of them are on stdout */
  int status;          /* the exit status */
} cat;

static void next_file(void);
static void read_chunk(void);

static void report(const char *what, int err) {
  fprintf(stderr, "cat: %s: %s\n", what, ruv_strerror(err));
  cat.status = 1;
}

static void on_close(ruv_fs_t *req) {
  ruv_fs_req_cleanup(req);
  next_file();
}

/* Done with this file (at its end or after an error): close it, go on. */
static void close_file(void) {
  if (cat.fd == 0) { /* stdin stays open */
    next_file();
    return;
  }
  if (ruv_fs_close(cat.loop, &cat.req, cat.fd, on_close) < 0) next_file();
}

static void write_rest(void);

static void on_write(ruv_fs_t *req) {
  ssize_t n = req->result;
  ruv_fs_req_cleanup(req);
  if (n < 0) {
    /* Nothing more can be printed. A pipe whose reader has left (cat | head)
     * is RUV_EPIPE here, since ruv's fs writes never raise SIGPIPE: cat would
     * die of SIGPIPE silently, so only the status says so. */
    if (n == RUV_EPIPE)
      cat.status = 1;
    else
      report("write error", (int)n);
    cat.count = 0; /* no further files */
    close_file();
    return;
  }
  cat.written += (size_t)n;
  if (cat.written < cat.len)
    write_rest(); /* a short write: the rest of the chunk */
  else
    read_chunk();
}

static void write_rest(void) {
  ruv_buf_t b = ruv_buf_init(cat.buf + cat.written, (unsigned int)(cat.len - cat.written));
  int rc = ruv_fs_write(cat.loop, &cat.req, 1, &b, 1, -1, on_write);
  if (rc < 0) {
    report("write error", rc);
    cat.count = 0;
    close_file();
  }
}

static void on_read(ruv_fs_t *req) {
  ssize_t n = req->result;
  ruv_fs_req_cleanup(req);
  if (n < 0) {
    report(cat.name, (int)n); /* e.g. "is a directory" (EISDIR) */
    close_file();
  } else if (n == 0) {
    close_file(); /* the end of the file */
  } else {
    cat.len = (size_t)n;
    cat.written = 0;
    write_rest();
  }
}

static void read_chunk(void) {
  ruv_buf_t b = ruv_buf_init(cat.buf, sizeof cat.buf);
  int rc = ruv_fs_read(cat.loop, &cat.req, cat.fd, &b, 1, -1, on_read);
  if (rc < 0) {
    report(cat.name, rc);
    close_file();
  }
}

static void on_open(ruv_fs_t *req) {
  ssize_t fd = req->result;
  ruv_fs_req_cleanup(req);
  if (fd < 0) {
    report(cat.name, (int)fd);
    next_file();
    return;
  }
  cat.fd = (ruv_file)fd;
  read_chunk();
}

/* Starts on the next name, or returns (and so lets ruv_run return) when
 * there is none: no request is in flight then. */
static void next_file(void) {
  if (cat.count == 0) return;
  cat.name = cat.names[0];
  cat.names++;
  cat.count--;
  if (strcmp(cat.name, "-") == 0) {
    cat.fd = 0;
    read_chunk();
    return;
  }
  int rc = ruv_fs_open(cat.loop, &cat.req, cat.name, RUV_FS_O_RDONLY, 0, on_open);
  if (rc < 0) {
    report(cat.name, rc);
    next_file();
  }
}

int main(int argc, char **argv) {
  static char *stdin_only[] = {"-"};
  cat.loop = ruv_default_loop();
  cat.names = argc > 1 ? argv + 1 : stdin_only;
  cat.count = argc > 1 ? argc - 1 : 1;
  next_file();
  ruv_run(cat.loop, RUV_RUN_DEFAULT); /* returns when the last close is done */
  if (ruv_loop_close(cat.loop) < 0) cat.status = 1;
  ruv_library_shutdown(); /* joins the pool's threads: a clean exit under valgrind */
  return cat.status;
}
