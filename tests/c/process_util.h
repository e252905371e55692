/* Shared by the process tests: an exit callback that records what it got,
 * and spawn options around it. Include after test.h. */
#ifndef RUV_PROCESS_UTIL_H
#define RUV_PROCESS_UTIL_H

static int exits;            /* exit callbacks so far */
static int64_t exit_status;  /* the last one's */
static int term_signal;      /* the last one's */

static void on_exit_cb(ruv_process_t *p, int64_t status, int sig) {
  exits++;
  exit_status = status;
  term_signal = sig;
  CHECK(p->pid > 0);
}

/* Options that run `args` (args[0] the program) with these stdio
 * containers and on_exit_cb; `exits` starts again at 0. */
static inline ruv_process_options_t options(char **args, ruv_stdio_container_t *stdio, int count) {
  ruv_process_options_t o;
  memset(&o, 0, sizeof o);
  o.file = args[0];
  o.args = args;
  o.exit_cb = on_exit_cb;
  o.stdio = stdio;
  o.stdio_count = count;
  exits = 0;
  return o;
}

#endif
