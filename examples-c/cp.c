/* cp: copies one file, with the reads and writes on ruv's thread pool and a
 * progress line on stderr while it runs.
 *
 * usage: cp SRC DST        (DST may be a directory: DST/basename(SRC))
 *        e.g.  cp big.iso /mnt/usb/
 *
 * The copy has the source's permission bits (fchmod after the open, so the
 * umask and an existing DST's old mode do not matter). Errors are reported
 * as cp reports them ("cp: cannot open 'x' for reading: no such file or
 * directory") and give exit status 1; copying a file onto itself is refused.
 *
 * Shows: a pipeline of fs requests. The file is cut into 1 MiB chunks at
 * explicit int64_t offsets and SLOTS chunks are in flight at once, each slot
 * reading its chunk (ruv_fs_read at the chunk's offset, continued after a
 * short read) and then writing it at the same offset (continued after a short
 * write) before it takes the next chunk; so reads and writes of different
 * chunks overlap on the pool's threads, and offsets past 4 GiB are plain
 * arithmetic. A chunk of zeros is not written but skipped over, so a sparse
 * source (a disk image) gives a sparse copy; a final ftruncate sets the
 * length. A repeating ruv timer prints the progress every 100 ms; that line
 * goes out with ruv_fs_write on fd 2 too, and a tick is skipped while the
 * previous line is still being written, so a slow terminal never holds the
 * copy back. The summary is printed once ruv_run has returned. */
#include "ruv.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h> /* S_ISDIR */
#include <unistd.h>   /* isatty */

#define CHUNK (1 << 20)
#define SLOTS 4
#define PROGRESS_MS 100

struct slot {
  ruv_fs_t req;
  int64_t off;    /* where this slot's chunk starts in both files */
  size_t len;     /* bytes in the chunk */
  size_t got;     /* bytes of it read so far */
  size_t written; /* bytes of it written so far */
  int busy;       /* a request of this slot is in flight */
  char buf[CHUNK];
};

static struct {
  ruv_loop_t *loop;
  ruv_fs_t req; /* the setup and the ending: open, fstat, stat, fchmod, close */
  ruv_timer_t progress;
  ruv_fs_t progress_req;
  int progress_busy, progress_lines, tty;
  char line[160];
  const char *src;
  char *dst;
  ruv_file in, out;
  int dst_redirected; /* DST was a directory: dst is now DST/basename(SRC) */
  uint64_t mode, src_dev, src_ino;
  int64_t size;       /* the source's size at the fstat */
  int64_t end;        /* where copying stops: size, or less if the file shrank */
  int64_t next;       /* the offset of the next chunk to hand out */
  int64_t copied;     /* bytes read and written (or skipped as zeros) */
  int64_t written_end; /* the end of the furthest write */
  uint64_t started;   /* ruv_hrtime at the first chunk */
  uint64_t elapsed;   /* ns from the first chunk to the end */
  int failed;
  struct slot *slots;
} cp;

static void finish(void);

static void fail(const char *what, const char *path, int err) {
  fprintf(stderr, "cp: %s '%s': %s\n", what, path, ruv_strerror(err));
  cp.failed = 1;
}

/* ---- progress -------------------------------------------------------- */

static double mb_per_s(int64_t bytes, uint64_t ns) {
  return ns == 0 ? 0.0 : (double)bytes / 1e6 / ((double)ns / 1e9);
}

static void on_progress_written(ruv_fs_t *req) {
  ruv_fs_req_cleanup(req); /* a failed progress line is not worth failing for */
  cp.progress_busy = 0;
}

static void on_progress_tick(ruv_timer_t *t) {
  if (cp.progress_busy) return; /* the terminal is slower than us: skip one */
  int pct = cp.size > 0 ? (int)(cp.copied * 100 / cp.size) : 100;
  int n = snprintf(cp.line, sizeof cp.line, "%s%lld / %lld bytes (%d%%), %.1f MB/s%s",
                   cp.tty ? "\r" : "", (long long)cp.copied, (long long)cp.size, pct,
                   mb_per_s(cp.copied, ruv_hrtime() - cp.started), cp.tty ? "\033[K" : "\n");
  ruv_buf_t b = ruv_buf_init(cp.line, (unsigned int)n);
  if (ruv_fs_write(t->loop, &cp.progress_req, 2, &b, 1, -1, on_progress_written) == 0) {
    cp.progress_busy = 1;
    cp.progress_lines++;
  }
}

/* ---- the copy: SLOTS chunks in flight -------------------------------- */

static void start_chunk(struct slot *s);

static int all_zero(const char *p, size_t n) {
  return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

static void slot_idle(struct slot *s) {
  s->busy = 0;
  for (int i = 0; i < SLOTS; i++)
    if (cp.slots[i].busy) return;
  finish(); /* the last slot to go idle ends the copy */
}

static void on_write(ruv_fs_t *req);

static void write_rest(struct slot *s) {
  ruv_buf_t b = ruv_buf_init(s->buf + s->written, (unsigned int)(s->got - s->written));
  int rc = ruv_fs_write(cp.loop, &s->req, cp.out, &b, 1, s->off + (int64_t)s->written, on_write);
  if (rc < 0) {
    fail("error writing", cp.dst, rc);
    slot_idle(s);
  }
}

static void on_write(ruv_fs_t *req) {
  struct slot *s = req->data;
  ssize_t n = req->result;
  ruv_fs_req_cleanup(req);
  if (n < 0) {
    fail("error writing", cp.dst, (int)n); /* e.g. no space left on device */
    slot_idle(s);
    return;
  }
  s->written += (size_t)n;
  cp.copied += n;
  if (s->off + (int64_t)s->written > cp.written_end) cp.written_end = s->off + (int64_t)s->written;
  if (s->written < s->got)
    write_rest(s);
  else
    start_chunk(s);
}

/* The chunk is read (or the file ended inside it): write it, or skip it. */
static void chunk_read(struct slot *s) {
  if (all_zero(s->buf, s->got)) {
    cp.copied += (int64_t)s->got; /* a hole in the copy: the final ftruncate covers it */
    start_chunk(s);
  } else {
    write_rest(s);
  }
}

static void read_rest(struct slot *s);

static void on_read(ruv_fs_t *req) {
  struct slot *s = req->data;
  ssize_t n = req->result;
  ruv_fs_req_cleanup(req);
  if (n < 0) {
    fail("error reading", cp.src, (int)n);
    slot_idle(s);
  } else if (n == 0) { /* the file is shorter than it was: copy what there is */
    if (s->off + (int64_t)s->got < cp.end) cp.end = s->off + (int64_t)s->got;
    chunk_read(s);
  } else {
    s->got += (size_t)n;
    if (s->got < s->len)
      read_rest(s); /* a short read: the rest of the chunk */
    else
      chunk_read(s);
  }
}

static void read_rest(struct slot *s) {
  ruv_buf_t b = ruv_buf_init(s->buf + s->got, (unsigned int)(s->len - s->got));
  int rc = ruv_fs_read(cp.loop, &s->req, cp.in, &b, 1, s->off + (int64_t)s->got, on_read);
  if (rc < 0) {
    fail("error reading", cp.src, rc);
    slot_idle(s);
  }
}

/* Gives the slot the next chunk, or lets it go idle when there is none. */
static void start_chunk(struct slot *s) {
  if (cp.failed || cp.next >= cp.end) {
    slot_idle(s);
    return;
  }
  s->busy = 1;
  s->off = cp.next;
  s->len = cp.end - cp.next < CHUNK ? (size_t)(cp.end - cp.next) : CHUNK;
  s->got = s->written = 0;
  cp.next += (int64_t)s->len;
  read_rest(s);
}

/* ---- setup: open SRC, fstat, stat DST, open DST, fchmod --------------- */

static void on_src_closed(ruv_fs_t *req) {
  ruv_fs_req_cleanup(req);
  ruv_close((ruv_handle_t *)&cp.progress, NULL); /* nothing else keeps the loop */
}

static void close_src(void) {
  if (ruv_fs_close(cp.loop, &cp.req, cp.in, on_src_closed) < 0) on_src_closed(&cp.req);
}

static void on_dst_closed(ruv_fs_t *req) {
  if (req->result < 0) fail("error closing", cp.dst, (int)req->result);
  ruv_fs_req_cleanup(req);
  close_src();
}

static void close_dst(void) {
  if (ruv_fs_close(cp.loop, &cp.req, cp.out, on_dst_closed) < 0) close_src();
}

static void on_truncated(ruv_fs_t *req) {
  if (req->result < 0) fail("cannot set the size of", cp.dst, (int)req->result);
  ruv_fs_req_cleanup(req);
  close_dst();
}

/* Every slot is idle: close DST, after setting its length if the copy ends
 * in skipped zeros (no write reached the end). */
static void finish(void) {
  cp.elapsed = ruv_hrtime() - cp.started;
  ruv_timer_stop(&cp.progress);
  if (cp.failed || cp.written_end == cp.end ||
      ruv_fs_ftruncate(cp.loop, &cp.req, cp.out, cp.end, on_truncated) < 0)
    close_dst();
}

static void start_copy(void) {
  cp.started = ruv_hrtime();
  cp.end = cp.size;
  ruv_timer_start(&cp.progress, on_progress_tick, PROGRESS_MS, PROGRESS_MS);
  for (int i = 0; i < SLOTS; i++) cp.slots[i].busy = 1; /* none ends the copy early */
  for (int i = 0; i < SLOTS; i++) start_chunk(&cp.slots[i]);
}

static void on_fchmod(ruv_fs_t *req) {
  int rc = (int)req->result;
  ruv_fs_req_cleanup(req);
  if (rc < 0) {
    fail("cannot set the permissions of", cp.dst, rc);
    close_dst();
  } else {
    start_copy();
  }
}

static void on_dst_open(ruv_fs_t *req) {
  ssize_t fd = req->result;
  ruv_fs_req_cleanup(req);
  if (fd < 0) {
    fail("cannot create regular file", cp.dst, (int)fd);
    close_src();
    return;
  }
  cp.out = (ruv_file)fd;
  /* open's mode went through the umask and does not apply to a file that
   * existed: set the source's bits on the descriptor. */
  if (ruv_fs_fchmod(cp.loop, &cp.req, cp.out, (int)(cp.mode & 07777), on_fchmod) < 0) close_dst();
}

static void open_dst(void) {
  int flags = RUV_FS_O_WRONLY | RUV_FS_O_CREAT | RUV_FS_O_TRUNC;
  int rc = ruv_fs_open(cp.loop, &cp.req, cp.dst, flags, (int)(cp.mode & 0777), on_dst_open);
  if (rc < 0) {
    fail("cannot create regular file", cp.dst, rc);
    close_src();
  }
}

static void stat_dst(void);

static void on_dst_stat(ruv_fs_t *req) {
  int rc = (int)req->result;
  ruv_stat_t st = req->statbuf;
  ruv_fs_req_cleanup(req);
  if (rc == 0 && S_ISDIR(st.st_mode) && !cp.dst_redirected) {
    /* A directory: copy into it, under the source's name. */
    const char *base = strrchr(cp.src, '/') ? strrchr(cp.src, '/') + 1 : cp.src;
    size_t n = strlen(cp.dst) + 1 + strlen(base) + 1;
    char *path = malloc(n);
    if (path == NULL) {
      fail("cannot create regular file", cp.dst, RUV_ENOMEM);
      close_src();
      return;
    }
    snprintf(path, n, "%s/%s", cp.dst, base);
    cp.dst = path;
    cp.dst_redirected = 1;
    stat_dst();
  } else if (rc == 0 && st.st_dev == cp.src_dev && st.st_ino == cp.src_ino) {
    fprintf(stderr, "cp: '%s' and '%s' are the same file\n", cp.src, cp.dst);
    cp.failed = 1;
    close_src(); /* opening DST with O_TRUNC would have emptied the source */
  } else {
    open_dst(); /* not there yet (RUV_ENOENT), or the open will say what is wrong */
  }
}

static void stat_dst(void) {
  if (ruv_fs_stat(cp.loop, &cp.req, cp.dst, on_dst_stat) < 0) open_dst();
}

static void on_src_fstat(ruv_fs_t *req) {
  int rc = (int)req->result;
  ruv_stat_t st = req->statbuf;
  ruv_fs_req_cleanup(req);
  if (rc < 0) {
    fail("cannot stat", cp.src, rc);
    close_src();
  } else if (S_ISDIR(st.st_mode)) {
    fprintf(stderr, "cp: -r not specified; omitting directory '%s'\n", cp.src);
    cp.failed = 1;
    close_src();
  } else {
    cp.mode = st.st_mode;
    cp.size = (int64_t)st.st_size;
    cp.src_dev = st.st_dev;
    cp.src_ino = st.st_ino;
    stat_dst();
  }
}

static void on_src_open(ruv_fs_t *req) {
  ssize_t fd = req->result;
  ruv_fs_req_cleanup(req);
  if (fd < 0) {
    fail("cannot open", cp.src, (int)fd);
    ruv_close((ruv_handle_t *)&cp.progress, NULL);
    return;
  }
  cp.in = (ruv_file)fd;
  if (ruv_fs_fstat(cp.loop, &cp.req, cp.in, on_src_fstat) < 0) close_src();
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s SRC DST\n", argv[0]);
    return 2;
  }
  cp.loop = ruv_default_loop();
  cp.src = argv[1];
  cp.dst = argv[2];
  cp.tty = isatty(2);
  cp.slots = calloc(SLOTS, sizeof *cp.slots);
  if (cp.slots == NULL) return 1;
  for (int i = 0; i < SLOTS; i++) cp.slots[i].req.data = &cp.slots[i];
  ruv_timer_init(cp.loop, &cp.progress);

  int rc = ruv_fs_open(cp.loop, &cp.req, cp.src, RUV_FS_O_RDONLY, 0, on_src_open);
  if (rc < 0) {
    fail("cannot open", cp.src, rc);
    ruv_close((ruv_handle_t *)&cp.progress, NULL);
  }
  ruv_run(cp.loop, RUV_RUN_DEFAULT);

  if (cp.progress_lines > 0 && cp.tty) fputc('\n', stderr); /* below the progress line */
  if (!cp.failed)
    fprintf(stderr, "cp: copied %lld bytes in %.2f s (%.1f MB/s)\n", (long long)cp.copied,
            (double)cp.elapsed / 1e9, mb_per_s(cp.copied, cp.elapsed));
  if (ruv_loop_close(cp.loop) < 0) cp.failed = 1;
  ruv_library_shutdown(); /* joins the pool's threads: a clean exit under valgrind */
  if (cp.dst_redirected) free(cp.dst);
  free(cp.slots);
  return cp.failed ? 1 : 0;
}
