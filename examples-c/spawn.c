/* spawn: runs a command and streams its stdout and stderr, each line with a
 * prefix ("out| ", "err| "), then prints how it ended.
 *
 * usage: spawn COMMAND [ARG...]        e.g.  spawn sh -c 'echo hi; echo oops >&2; exit 3'
 *        exits with the command's status (128 + the signal if one ended it)
 *
 * Shows: ruv_spawn with two RUV_CREATE_PIPE stdio containers (the child
 * writes them: RUV_WRITABLE_PIPE) and its stdin from /dev/null (RUV_IGNORE);
 * reading both pipes; and the order users trip over with libuv: the exit
 * callback can run before the last output has been read (the child exits,
 * its pipes still hold data). So the summary waits for three things: the
 * exit callback and the end of both pipes (RUV_EOF), whichever comes last.
 * (This works with libuv too; with ruv, the RUV_PROCESS_EXIT_AFTER_OUTPUT
 * spawn flag makes the exit callback itself wait for both ends.) */
#include "ruv.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct output {
  ruv_pipe_t pipe;
  const char *prefix;
  FILE *to;
  char line[4096]; /* the line being put together */
  size_t len;
  int done;        /* RUV_EOF (or an error) seen */
};

static struct output out = {.prefix = "out| "}, err = {.prefix = "err| "};
static ruv_process_t child;
static int exited;
static int64_t exit_status;
static int term_signal;

static void flush_line(struct output *o) {
  fprintf(o->to, "%s%.*s\n", o->prefix, (int)o->len, o->line);
  o->len = 0;
}

static void maybe_finish(void) {
  if (!exited || !out.done || !err.done) return; /* all output first, then the summary */
  if (term_signal)
    printf("-- ended by signal %d\n", term_signal);
  else
    printf("-- exited with status %lld\n", (long long)exit_status);
  ruv_close((ruv_handle_t *)&child, NULL);
  ruv_close((ruv_handle_t *)&out.pipe, NULL);
  ruv_close((ruv_handle_t *)&err.pipe, NULL);
}

static void on_alloc(ruv_handle_t *h, size_t suggested, ruv_buf_t *buf) {
  (void)h;
  buf->base = malloc(suggested);
  buf->len = buf->base ? suggested : 0;
}

static void on_read(ruv_stream_t *s, ssize_t n, const ruv_buf_t *buf) {
  struct output *o = s->data;
  for (ssize_t i = 0; i < n; i++) {
    char c = buf->base[i];
    if (c == '\n') {
      flush_line(o);
    } else {
      if (o->len == sizeof o->line) flush_line(o); /* a very long line: in pieces */
      o->line[o->len++] = c;
    }
  }
  free(buf->base);
  if (n < 0) {
    if (n != RUV_EOF) fprintf(stderr, "spawn: read: %s\n", ruv_strerror((int)n));
    if (o->len) flush_line(o); /* a last line without its newline */
    o->done = 1;
    maybe_finish();
  }
}

static void on_exit_cb(ruv_process_t *p, int64_t status, int sig) {
  (void)p;
  exited = 1;
  exit_status = status;
  term_signal = sig;
  maybe_finish();
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  ruv_loop_t *loop = ruv_default_loop();
  out.to = stdout;
  err.to = stdout; /* one stream, so the two interleave as they arrive */
  ruv_pipe_init(loop, &out.pipe, 0);
  ruv_pipe_init(loop, &err.pipe, 0);
  out.pipe.data = &out;
  err.pipe.data = &err;

  ruv_stdio_container_t stdio[3];
  stdio[0].flags = RUV_IGNORE;
  stdio[1].flags = RUV_CREATE_PIPE | RUV_WRITABLE_PIPE;
  stdio[1].data.stream = (ruv_stream_t *)&out.pipe;
  stdio[2].flags = RUV_CREATE_PIPE | RUV_WRITABLE_PIPE;
  stdio[2].data.stream = (ruv_stream_t *)&err.pipe;

  ruv_process_options_t options;
  memset(&options, 0, sizeof options);
  options.file = argv[1];
  options.args = argv + 1;
  options.exit_cb = on_exit_cb;
  options.stdio = stdio;
  options.stdio_count = 3;

  int r = ruv_spawn(loop, &child, &options);
  if (r < 0) {
    fprintf(stderr, "spawn: %s: %s\n", argv[1], ruv_strerror(r));
    ruv_close((ruv_handle_t *)&child, NULL);
    ruv_close((ruv_handle_t *)&out.pipe, NULL);
    ruv_close((ruv_handle_t *)&err.pipe, NULL);
    ruv_run(loop, RUV_RUN_DEFAULT);
    ruv_loop_close(loop);
    return 127;
  }
  ruv_read_start((ruv_stream_t *)&out.pipe, on_alloc, on_read);
  ruv_read_start((ruv_stream_t *)&err.pipe, on_alloc, on_read);
  ruv_run(loop, RUV_RUN_DEFAULT);
  ruv_loop_close(loop);
  return term_signal ? 128 + term_signal : (int)exit_status;
}
