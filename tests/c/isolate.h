/* RUN_ISOLATED(test, secs): runs one test function in a child process with
 * its own time limit, and adds the child's CHECK counts to the parent's. A
 * test that hangs, crashes, or exits early (valgrind's error exit included)
 * counts as one failure, and the next test still runs. Include after test.h. */
#ifndef RUV_TEST_ISOLATE_H
#define RUV_TEST_ISOLATE_H

#include <sys/wait.h>

static void child_timed_out(int sig) {
  static const char msg[] = "   test timed out (hung)\n";
  (void)sig;
  (void)!write(2, msg, sizeof msg - 1);
  _exit(3);
}

/* Runs `fn` in a child with a limit of `secs` seconds; its CHECK counts come
 * back through a pipe. A child that hangs, crashes or exits early (valgrind's
 * error exit included) counts as one failure. */
static void run_isolated(const char *name, void (*fn)(void), unsigned secs) {
  int p[2];
  fprintf(stderr, "-- %s\n", name);
  fflush(stdout);
  fflush(stderr);
  if (pipe(p) != 0) {
    perror("pipe");
    exit(2);
  }
  alarm(secs + 60); /* the parent's own bound */
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(2);
  }
  if (pid == 0) {
    close(p[0]);
    signal(SIGALRM, child_timed_out);
    alarm(secs);
    t_passed = t_failed = 0;
    fn();
    int counts[2] = {t_passed, t_failed};
    (void)!write(p[1], counts, sizeof counts);
    close(p[1]);
    fflush(stderr);
    exit(0);
  }
  close(p[1]);
  int counts[2] = {0, 0};
  ssize_t n = read(p[0], counts, sizeof counts);
  close(p[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  alarm(0);
  t_passed += n == (ssize_t)sizeof counts ? counts[0] : 0;
  t_failed += n == (ssize_t)sizeof counts ? counts[1] : 0;
  if (n != (ssize_t)sizeof counts || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    t_failed++;
    if (WIFSIGNALED(status))
      fprintf(stderr, "%s: the test process died: %s\n", name, strsignal(WTERMSIG(status)));
    else
      fprintf(stderr, "%s: the test process did not finish (exit %d)\n", name,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
}

#define RUN_ISOLATED(test, secs) run_isolated(#test, test, (secs))

#endif
