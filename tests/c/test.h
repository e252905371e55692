/* The C tests' tiny harness: CHECK macros that count, a time bound, and the
 * closing line "N passed, M failed" that tests/c_api.rs and CI read.
 * Each test file is one program: main() calls test_begin(), RUN()s its test
 * functions and returns test_end(). */
#ifndef RUV_TEST_H
#define RUV_TEST_H

#define _GNU_SOURCE
#include "ruv.h"

/* Built against libuv instead (tests/c/libuv-shim; UV_VERSION_MAJOR is
 * libuv's): RUV_STRICT 0 leaves out the checks of what only ruv does
 * (-DRUV_STRICT=1 runs them there, to see what libuv does: it crashes,
 * aborts or hangs), and LIBUV_KEEPS_FDS counts libuv's process-wide signal
 * pipe, which stays open after its loops close. */
#ifdef UV_VERSION_MAJOR
#ifndef RUV_STRICT
#define RUV_STRICT 0
#endif
#define LIBUV_KEEPS_FDS 2
/* the libuv it is built against is older than major.minor (lacks its names) */
#define LIBUV_BEFORE(major, minor) (UV_VERSION_HEX < ((major) << 16 | (minor) << 8))
#else
#define RUV_STRICT 1
#define LIBUV_KEEPS_FDS 0
#define LIBUV_BEFORE(major, minor) 0
#endif
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int t_passed, t_failed;

#define CHECK(cond)                                                           \
  do {                                                                        \
    if (cond) {                                                               \
      t_passed++;                                                             \
    } else {                                                                  \
      t_failed++;                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                         \
  } while (0)

#define CHECK_EQ(a, b)                                                        \
  do {                                                                        \
    long long t_a_ = (long long)(a), t_b_ = (long long)(b);                   \
    if (t_a_ == t_b_) {                                                       \
      t_passed++;                                                             \
    } else {                                                                  \
      t_failed++;                                                             \
      fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld != %lld)\n",    \
              __FILE__, __LINE__, #a, #b, t_a_, t_b_);                        \
    }                                                                         \
  } while (0)

#define CHECK_STR(a, b)                                                       \
  do {                                                                        \
    const char *t_a_ = (a), *t_b_ = (b);                                      \
    if (t_a_ && t_b_ && strcmp(t_a_, t_b_) == 0) {                            \
      t_passed++;                                                             \
    } else {                                                                  \
      t_failed++;                                                             \
      fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s (\"%s\" != \"%s\")\n", \
              __FILE__, __LINE__, #a, #b, t_a_ ? t_a_ : "(null)",             \
              t_b_ ? t_b_ : "(null)");                                        \
    }                                                                         \
  } while (0)

#define RUN(test)                            \
  do {                                       \
    fprintf(stderr, "-- %s\n", #test);       \
    test();                                  \
  } while (0)

/* A trace of one-character events, to assert callback order:
 * reset_order(), rec('a') in each callback, then CHECK_STR(order, "..."). */
static char order[512];
static int order_n;

static inline void rec(char c) {
  if (order_n < (int)sizeof order - 1) {
    order[order_n++] = c;
    order[order_n] = '\0';
  }
}

static inline void reset_order(void) {
  order_n = 0;
  order[0] = '\0';
}

/* Entries of a /proc directory (not "." and ".."), -1 if it cannot be read. */
static inline int t_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

/* Descriptors open in this process, for checking that a test leaves none
 * behind (compare a count taken before). */
static inline int count_fds(void) {
  int n = t_count_entries("/proc/self/fd");
  return n < 0 ? n : n - 1; /* the directory's own */
}

/* Threads of this process (a thread pool's show up here once it starts). */
static inline int count_threads(void) { return t_count_entries("/proc/self/task"); }

/* Waits (at most 5 s) until the process has `n` threads; the count then. A
 * thread that has ended can stay in /proc/self/task a moment after
 * pthread_join returns (the kernel wakes the joiner before it removes the
 * task), which valgrind's slower threads make visible. */
static inline int wait_thread_count(int n) {
  for (int i = 0; i < 500 && count_threads() != n; i++) {
    struct timespec ts = {0, 10 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return count_threads();
}

static void t_timed_out(int sig) {
  static const char msg[] = "test timed out\n";
  (void)sig;
  (void)!write(2, msg, sizeof msg - 1);
  _exit(3);
}

/* Bounds the whole program (generous: valgrind runs it too). */
static void test_begin(void) {
  signal(SIGALRM, t_timed_out);
  alarm(120);
}

static int test_end(void) {
  printf("%d passed, %d failed\n", t_passed, t_failed);
  return t_failed == 0 && t_passed > 0 ? 0 : 1;
}

/* Closes every handle still open on `loop`, runs the close callbacks, and
 * closes the loop, checking that it could. */
static inline void t_close_walk_cb(ruv_handle_t *h, void *arg) {
  (void)arg;
  if (!ruv_is_closing(h)) ruv_close(h, NULL);
}

static inline void close_loop(ruv_loop_t *loop) {
  ruv_walk(loop, t_close_walk_cb, NULL);
  ruv_run(loop, RUV_RUN_DEFAULT);
  CHECK_EQ(ruv_loop_close(loop), 0);
}

#endif
