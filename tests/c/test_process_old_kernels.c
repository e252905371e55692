/* Processes on older kernels, which ruv meets with fallbacks. Each case runs
 * in a forked child under a seccomp filter that answers as the older kernel
 * would (a real kernel refusing real system calls, nothing mocked):
 * - before 5.2/5.3: clone refuses CLONE_PIDFD (EINVAL), no pidfd_open or
 *   pidfd_send_signal (ENOSYS): exits are found by waitpid on a timer, and
 *   ruv_process_kill signals by process id;
 * - 5.3: pidfds, but waitid refuses P_PIDFD (EINVAL): the pidfd wakes the
 *   loop, waitpid reaps;
 * - before 5.9/5.11: no close_range (ENOSYS): the child marks descriptors
 *   close-on-exec one by one, and still none leaks.
 * In each: exit status, terminating signal, kill, an exec error, output
 * through a pipe, no descriptor leaked into the child, none left here. */
#include "test.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "net_util.h"     /* guard timer, RUN_UNTIL */
#include "process_util.h" /* on_exit_cb, options */

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#endif

/* A refusal: system call `nr` fails with `err`; when `mask` is set, only
 * if the low word of its first argument has those bits (`equal` 0) or is
 * exactly `mask` (`equal` 1). */
struct refusal {
  int nr;
  unsigned mask;
  int equal;
  int err;
};

#define MAX_FILTER 64
static int refuse(const struct refusal *r, int count) {
#ifdef THIS_ARCH
  struct sock_filter f[MAX_FILTER];
  int n = 0;
  f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0);
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  for (int i = 0; i < count; i++) {
    int rest = r[i].mask ? 3 : 1; /* instructions after the nr test */
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)r[i].nr, 0, rest);
    if (r[i].mask) {
      f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
      f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | (r[i].equal ? BPF_JEQ : BPF_JSET) | BPF_K, r[i].mask, 0, 1);
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)r[i].err);
  }
  f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
#else
  (void)r;
  (void)count;
  return -1;
#endif
}

static ruv_loop_t loop;

static char out_buf[256];
static size_t out_n;
static int out_eof;
static void out_alloc(ruv_handle_t *h, size_t size, ruv_buf_t *buf) {
  (void)h;
  (void)size;
  *buf = ruv_buf_init(out_buf + out_n, (unsigned)(sizeof out_buf - 1 - out_n));
}
static void out_read(ruv_stream_t *s, ssize_t n, const ruv_buf_t *buf) {
  (void)s;
  (void)buf;
  if (n > 0) out_n += (size_t)n;
  if (n == RUV_EOF) out_eof = 1;
}

/* The spawn tests, the same under each refusal. */
static void spawn_cases(void) {
  ruv_process_t p;
  /* exit status */
  char *exit3[] = {"/bin/sh", "-c", "exit 3", NULL};
  ruv_process_options_t o = options(exit3, NULL, 0);
  CHECK_EQ(ruv_spawn(&loop, &p, &o), 0);
  RUN_UNTIL(&loop, exits == 1, 10000);
  CHECK_EQ(exit_status, 3);
  CHECK_EQ(term_signal, 0);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);

  /* kill, then ESRCH once reaped */
  char *sleeper[] = {"sleep", "10", NULL};
  o = options(sleeper, NULL, 0);
  CHECK_EQ(ruv_spawn(&loop, &p, &o), 0);
  CHECK_EQ(ruv_process_kill(&p, 0), 0);
  CHECK_EQ(ruv_process_kill(&p, SIGTERM), 0);
  RUN_UNTIL(&loop, exits == 1, 10000);
  CHECK_EQ(term_signal, SIGTERM);
  CHECK_EQ(ruv_process_kill(&p, SIGTERM), RUV_ESRCH);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);

  /* an exec error comes back from ruv_spawn */
  char *missing[] = {"/no/such/program", NULL};
  o = options(missing, NULL, 0);
  CHECK_EQ(ruv_spawn(&loop, &p, &o), RUV_ENOENT);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);

  /* output through a pipe; the child sees 0-2 and its ls directory only,
   * though this process has a descriptor open without close-on-exec */
  int leaky = open("/dev/null", O_RDONLY);
  CHECK(leaky >= 0);
  ruv_pipe_t out;
  CHECK_EQ(ruv_pipe_init(&loop, &out, 0), 0);
  ruv_stdio_container_t stdio[2] = {
      {.flags = RUV_IGNORE},
      {.flags = RUV_CREATE_PIPE | RUV_WRITABLE_PIPE, .data.stream = (ruv_stream_t *)&out},
  };
  char *ls[] = {"ls", "/proc/self/fd", NULL};
  o = options(ls, stdio, 2);
  out_n = 0;
  out_eof = 0;
  CHECK_EQ(ruv_spawn(&loop, &p, &o), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&out, out_alloc, out_read), 0);
  RUN_UNTIL(&loop, exits == 1 && out_eof, 10000);
  out_buf[out_n] = '\0';
  CHECK_STR(out_buf, "0\n1\n2\n3\n");
  close(leaky);
  ruv_close((ruv_handle_t *)&out, NULL);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

/* Runs spawn_cases in a child under the refusals; 1 if it ran and passed,
 * 0 if seccomp is not available here (reported), -1 if it failed. */
static int run_refused(const char *what, const struct refusal *r, int count) {
  fflush(stderr);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    if (refuse(r, count) != 0) _exit(77);
    t_passed = t_failed = 0;
    int fds = count_fds();
    loop_setup(&loop);
    spawn_cases();
    close_loop(&loop);
    CHECK_EQ(waitpid(-1, NULL, WNOHANG), -1); /* every child reaped */
    CHECK_EQ(count_fds(), fds);
    fprintf(stderr, "  %s: %d passed, %d failed (in the child)\n", what, t_passed, t_failed);
    _exit(t_failed == 0 ? 0 : 1);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    fprintf(stderr, "  (%s: no seccomp filter here; not checked)\n", what);
    return 0;
  }
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : -1;
}

static void test_no_pidfds(void) {
  struct refusal r[] = {
      {SYS_clone, CLONE_PIDFD, 0, EINVAL},
      {SYS_pidfd_open, 0, 0, ENOSYS},
      {SYS_pidfd_send_signal, 0, 0, ENOSYS},
  };
  run_refused("no pidfds", r, 3);
}

static void test_no_waitid_pidfd(void) {
  struct refusal r[] = {{SYS_waitid, P_PIDFD, 1, EINVAL}};
  run_refused("no P_PIDFD", r, 1);
}

static void test_no_close_range(void) {
  struct refusal r[] = {{SYS_close_range, 0, 0, ENOSYS}};
  run_refused("no close_range", r, 1);
}

int main(void) {
  test_begin();
  RUN(test_no_pidfds);
  RUN(test_no_waitid_pidfd);
  RUN(test_no_close_range);
  return test_end();
}
