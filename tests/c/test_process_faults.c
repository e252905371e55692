/* Processes when things go wrong, and the process title:
 * - a shell that ignores SIGTERM survives ruv_process_kill(SIGTERM), then
 *   SIGKILL ends it;
 * - a child that closes its stdin while the parent writes to it: the writes
 *   fail with RUV_EPIPE in their callbacks, no SIGPIPE kills the parent;
 * - the loop cannot close while a child's handle is open (RUV_EBUSY); closed
 *   first, the child runs on (ruv does not kill it) and is reaped here;
 * - a program watching SIGCHLD itself with a signal handle does not disturb
 *   the exit callbacks (ruv takes no SIGCHLD), and both see the exit;
 * - ruv_setup_args copies argv; ruv_get/set_process_title.
 * No child is left unreaped and no descriptor open (checked). */
#include "test.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "net_util.h"     /* guard timer, RUN_UNTIL */
#include "process_util.h" /* on_exit_cb, options */

static ruv_loop_t loop;

static int spawn_sh(ruv_process_t *p, const char *script, ruv_stdio_container_t *stdio, int count) {
  char *args[] = {"/bin/sh", "-c", (char *)script, NULL};
  ruv_process_options_t o = options(args, stdio, count);
  return ruv_spawn(&loop, p, &o);
}

static void test_ignores_sigterm(void) {
  ruv_process_t p;
  ruv_pipe_t out;
  CHECK_EQ(ruv_pipe_init(&loop, &out, 0), 0);
  ruv_stdio_container_t stdio[2] = {{.flags = RUV_IGNORE},
                                    {.flags = RUV_CREATE_PIPE | RUV_WRITABLE_PIPE, .data.stream = (ruv_stream_t *)&out}};
  /* says "ready" once the trap is set, then waits */
  CHECK_EQ(spawn_sh(&p, "trap '' TERM; echo ready; while :; do sleep 1; done", stdio, 2), 0);
  ruv_os_fd_t fd;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&out, &fd), 0);
  char buf[8] = {0};
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  CHECK_EQ(read(fd, buf, 6), 6); /* "ready\n" */
  fcntl(fd, F_SETFL, flags);
  CHECK_EQ(ruv_process_kill(&p, SIGTERM), 0);
  run_for(&loop, 200);
  CHECK_EQ(exits, 0); /* ignored */
  CHECK_EQ(ruv_process_kill(&p, SIGKILL), 0);
  RUN_UNTIL(&loop, exits == 1, 10000);
  CHECK_EQ(term_signal, SIGKILL);
  ruv_close((ruv_handle_t *)&out, NULL);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

/* the child closes its stdin at once; the parent keeps writing */
static int write_errors, write_calls;
static void on_write(ruv_write_t *req, int status) {
  (void)req;
  write_calls++;
  if (status == RUV_EPIPE || status == RUV_ECONNRESET) write_errors++;
}

static void test_peer_closes_mid_write(void) {
  enum { WRITES = 64 };
  static char chunk[65536];
  static ruv_write_t w[WRITES];
  ruv_process_t p;
  ruv_pipe_t in;
  CHECK_EQ(ruv_pipe_init(&loop, &in, 0), 0);
  ruv_stdio_container_t stdio[1] = {{.flags = RUV_CREATE_PIPE | RUV_READABLE_PIPE, .data.stream = (ruv_stream_t *)&in}};
  CHECK_EQ(spawn_sh(&p, "exec 0<&-; sleep 0.1", stdio, 1), 0);
  write_errors = write_calls = 0;
  ruv_buf_t b = ruv_buf_init(chunk, sizeof chunk);
  for (int i = 0; i < WRITES; i++) CHECK_EQ(ruv_write(&w[i], (ruv_stream_t *)&in, &b, 1, on_write), 0);
  RUN_UNTIL(&loop, write_calls == WRITES && exits == 1, 10000);
  CHECK(write_errors > 0); /* 4 MiB cannot all fit before the close */
  CHECK_EQ(exit_status, 0);
  ruv_close((ruv_handle_t *)&in, NULL);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

/* the loop stays open while a process handle is; closed first, the child is
 * not killed */
static void test_loop_close_with_child(void) {
  ruv_loop_t l;
  ruv_process_t p;
  CHECK_EQ(ruv_loop_init(&l), 0);
  ruv_process_options_t o;
  memset(&o, 0, sizeof o);
  char *args[] = {"sleep", "0.3", NULL};
  o.file = "sleep";
  o.args = args;
  o.exit_cb = on_exit_cb;
  CHECK_EQ(ruv_spawn(&l, &p, &o), 0);
  int pid = p.pid;
  CHECK_EQ(ruv_loop_close(&l), RUV_EBUSY);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&l, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_loop_close(&l), 0);
  CHECK_EQ(kill(pid, 0), 0); /* still running */
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid); /* ours to reap now */
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* SIGCHLD watched by the program: its handle and the exit callback both */
static int sigchld_seen;
static void on_sigchld(ruv_signal_t *h, int signum) {
  (void)h;
  if (signum == SIGCHLD) sigchld_seen++;
}

static void test_program_watches_sigchld(void) {
  ruv_signal_t s;
  ruv_process_t p;
  CHECK_EQ(ruv_signal_init(&loop, &s), 0);
  CHECK_EQ(ruv_signal_start(&s, on_sigchld, SIGCHLD), 0);
  sigchld_seen = 0;
  CHECK_EQ(spawn_sh(&p, "exit 5", NULL, 0), 0);
  RUN_UNTIL(&loop, exits == 1 && sigchld_seen >= 1, 10000);
  CHECK_EQ(exit_status, 5);
  ruv_close((ruv_handle_t *)&s, NULL);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

static int main_argc;
static char **main_argv;

static void test_process_title(void) {
  char buf[256];
  char first[256];
  snprintf(first, sizeof first, "%s", main_argv[0]);
  char **copy = ruv_setup_args(main_argc, main_argv);
  CHECK(copy != NULL && copy != main_argv);
  for (int i = 0; i < main_argc; i++) CHECK_STR(copy[i], main_argv[i]);
  CHECK(copy[main_argc] == NULL);
  CHECK_EQ(ruv_get_process_title(buf, sizeof buf), 0);
  CHECK_STR(buf, first);
  CHECK_EQ(ruv_set_process_title("ruv-title"), 0);
  CHECK_EQ(ruv_get_process_title(buf, sizeof buf), 0);
  CHECK_STR(buf, "ruv-title");
  CHECK_STR(copy[0], first); /* the copy is untouched */
  /* what ps shows, when argv is the kernel's argument area (under valgrind
   * it is a copy valgrind made, and the kernel's shows valgrind's) */
  unsigned long arg_start = 0;
  FILE *stat = fopen("/proc/self/stat", "r");
  CHECK(stat != NULL);
  if (stat) {
    char line[4096];
    if (fgets(line, sizeof line, stat)) {
      char *p = strrchr(line, ')'); /* after the command name */
      for (int field = 2; p && field < 48; field++) p = strchr(p + 1, ' ');
      if (p) arg_start = strtoul(p + 1, NULL, 10);
    }
    fclose(stat);
  }
  if (arg_start == (unsigned long)main_argv[0]) {
    char cmdline[64] = {0};
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK(read(fd, cmdline, sizeof cmdline - 1) > 0);
    close(fd);
    CHECK_STR(cmdline, "ruv-title");
  } else {
    fprintf(stderr, "   argv is not the kernel's argument area here: /proc/self/cmdline not checked\n");
  }
  char comm[17] = {0};
  CHECK_EQ(prctl(PR_GET_NAME, comm), 0);
  CHECK_STR(comm, "ruv-title");
  CHECK_EQ(ruv_get_process_title(buf, 9), RUV_ENOBUFS); /* no room for the NUL */
  CHECK_EQ(ruv_get_process_title(NULL, 10), RUV_EINVAL);
  CHECK_EQ(ruv_get_process_title(buf, 0), RUV_EINVAL);
  CHECK_EQ(ruv_set_process_title(NULL), RUV_EINVAL);
  /* longer than the arguments' room: cut to it */
  char longer[1024];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  CHECK_EQ(ruv_set_process_title(longer), 0);
  char got[2048];
  CHECK_EQ(ruv_get_process_title(got, sizeof got), 0);
  CHECK(strlen(got) > 0 && strlen(got) < sizeof longer - 1);
  CHECK_EQ(ruv_setup_args(0, main_argv), main_argv);
}

int main(int argc, char **argv) {
  test_begin();
  main_argc = argc;
  main_argv = argv;
  int fds_at_start = count_fds();
  loop_setup(&loop);
  RUN(test_ignores_sigterm);
  RUN(test_peer_closes_mid_write);
  RUN(test_loop_close_with_child);
  RUN(test_program_watches_sigchld);
  RUN(test_process_title);
  close_loop(&loop);
  CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1);
  CHECK_EQ(errno, ECHILD);
  CHECK_EQ(count_fds(), fds_at_start);
  return test_end();
}
