/* parallel: runs the commands read from stdin, one per line (each through
 * /bin/sh -c), at most K at a time, like `xargs -P K -I{} sh -c {}`; a
 * progress line on stderr, and a summary of the failures at the end.
 *
 * usage: parallel [K] < commands.txt      (K: default 4)
 *        e.g.  printf 'sleep 1\nfalse\necho hi\n' | parallel 2
 *        exits 0 if every command did, else 1
 *
 * Shows: many ruv_spawn children in flight, each with its own process
 * handle (freed in its close callback), the exit status and terminating
 * signal, stdout and stderr passed straight through (RUV_INHERIT_FD), and
 * reading the command list with ruv_fs_read on fd 0 before the loop runs. */
#include "ruv.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct job {
  ruv_process_t process;
  char *command;
};

static char **commands;
static int ncommands, next, running, done, max_running = 4;
static int failures;
static char **failed;  /* "command: status N" lines, for the summary */
static int progress_tty;

static void progress(void) {
  if (progress_tty) fprintf(stderr, "\r[%d/%d done, %d running, %d failed]", done, ncommands, running, failures);
}

static void start_next(ruv_loop_t *loop);

static void on_closed(ruv_handle_t *h) {
  struct job *j = h->data;
  free(j);
}

static void on_exit_cb(ruv_process_t *p, int64_t status, int sig) {
  struct job *j = p->data;
  running--;
  done++;
  if (status != 0 || sig != 0) {
    char *line = malloc(strlen(j->command) + 64);
    if (sig)
      sprintf(line, "%s: ended by signal %d", j->command, sig);
    else
      sprintf(line, "%s: exit status %lld", j->command, (long long)status);
    failed[failures++] = line;
  }
  progress();
  ruv_close((ruv_handle_t *)p, on_closed);
  start_next(p->loop);
}

static void start_next(ruv_loop_t *loop) {
  while (running < max_running && next < ncommands) {
    struct job *j = calloc(1, sizeof *j);
    j->command = commands[next++];
    char *args[] = {"/bin/sh", "-c", j->command, NULL};
    ruv_stdio_container_t stdio[3] = {
        {.flags = RUV_IGNORE},
        {.flags = RUV_INHERIT_FD, .data.fd = 1},
        {.flags = RUV_INHERIT_FD, .data.fd = 2},
    };
    ruv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = args[0];
    o.args = args;
    o.exit_cb = on_exit_cb;
    o.stdio = stdio;
    o.stdio_count = 3;
    j->process.data = j;
    int r = ruv_spawn(loop, &j->process, &o);
    j->process.data = j; /* (ruv_spawn initialises the handle) */
    if (r < 0) {
      char *line = malloc(strlen(j->command) + 64);
      sprintf(line, "%s: %s", j->command, ruv_strerror(r));
      failed[failures++] = line;
      done++;
      ruv_close((ruv_handle_t *)&j->process, on_closed);
      continue;
    }
    running++;
  }
  progress();
}

/* the whole of stdin, read with ruv_fs_read (synchronous: before the loop runs) */
static char *read_stdin(void) {
  size_t cap = 65536, len = 0;
  char *text = malloc(cap + 1);
  for (;;) {
    if (cap - len < 65536) text = realloc(text, (cap *= 2) + 1);
    ruv_fs_t req;
    ruv_buf_t buf = ruv_buf_init(text + len, (unsigned)(cap - len));
    ssize_t n = ruv_fs_read(NULL, &req, 0, &buf, 1, -1, NULL);
    ruv_fs_req_cleanup(&req);
    if (n <= 0) break;
    len += (size_t)n;
  }
  text[len] = '\0';
  return text;
}

int main(int argc, char **argv) {
  if (argc > 1) max_running = atoi(argv[1]);
  if (max_running < 1 || argc > 2) {
    fprintf(stderr, "usage: %s [K] < commands\n", argv[0]);
    return 2;
  }
  progress_tty = isatty(2);
  char *text = read_stdin();
  int cap = 16;
  commands = malloc(cap * sizeof *commands);
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (*line == '\0') continue;
    if (ncommands == cap) commands = realloc(commands, (cap *= 2) * sizeof *commands);
    commands[ncommands++] = line;
  }
  failed = malloc((ncommands + 1) * sizeof *failed);

  ruv_loop_t *loop = ruv_default_loop();
  start_next(loop);
  ruv_run(loop, RUV_RUN_DEFAULT);
  ruv_loop_close(loop);

  if (progress_tty) fprintf(stderr, "\n");
  printf("%d commands, %d failed\n", ncommands, failures);
  for (int i = 0; i < failures; i++) {
    printf("  %s\n", failed[i]);
    free(failed[i]);
  }
  free(failed);
  free(commands);
  free(text);
  return failures ? 1 : 0;
}
