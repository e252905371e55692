/* bench_common.h: clocks, memory and checks shared by bench_uv.c (libuv and
 * ruv) and bench_ev.c (libev). Nothing here calls an event-loop library.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* The workloads' parameters; see README.md. */
#define TIMERS_N_DEFAULT      1000000u /* million_timers: timers */
#define TIMERS_SPREAD_MS      1000u    /* ... their timeouts are 1..1000 ms */
#define STARTSTOP_N_DEFAULT   1000000u /* start_stop: operations */
#define STARTSTOP_TIMERS      10000u   /* ... spread over this many timers */
#define STARTSTOP_SPREAD_MS   1000u    /* ... with timeouts 1..1000 ms */
#define IDLE_N_DEFAULT        2000000u /* idle: loop iterations */
#define PERM_STEP             7919u    /* a prime: k*7919 % n permutes 0..n-1 */

/* CPU time of the whole process (all threads, user + kernel), in ns. The
 * ns figures use it: it leaves out the time the loop sleeps until a timer is
 * due and the time other processes on this shared machine take the CPU. */
static inline uint64_t cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall-clock time, in ns. */
static inline uint64_t wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Peak resident set size so far, in KiB. */
static inline long maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* Zeroes a buffer and makes every page of it resident. */
static void touch_pages(void *p, size_t size) {
  volatile unsigned char *b = p;
  memset(p, 0, size);
  for (size_t i = 0; i < size; i += 4096) b[i] = 0;
}

static const char *bench_lib_name;

/* A failed self-check: the library got the workload wrong. */
static void fail(const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "FAIL %s: ", bench_lib_name ? bench_lib_name : "?");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  exit(1);
}

#define CHECK(cond, ...)                     \
  do {                                       \
    if (!(cond)) fail(__VA_ARGS__);          \
  } while (0)

/* million_timers: timer k's timeout in ms, 1..TIMERS_SPREAD_MS. k*7919 % n
 * is a permutation of 0..n-1, so the timeouts are started in scrambled order
 * (every start is a real heap insertion) and each millisecond of the spread
 * gets n/TIMERS_SPREAD_MS timers. */
static inline uint64_t timers_timeout_ms(uint64_t k, uint64_t n) {
  return 1 + (k * PERM_STEP % n) * TIMERS_SPREAD_MS / n;
}

/* start_stop: op i (round r = i / timers, timer j = i % timers) stops timer
 * j if (j + r) is odd and starts it otherwise, with this timeout. So each
 * timer alternates start, stop, start, ... from round to round, half the
 * timers are active at any time, and every op (but the first round's stops)
 * is a real insertion into or removal from the timer heap. */
static inline uint64_t startstop_timeout_ms(uint64_t i) {
  return i * PERM_STEP % STARTSTOP_SPREAD_MS + 1;
}
static inline int startstop_is_stop(uint64_t r, uint64_t j) {
  return (int)((r + j) & 1);
}

static unsigned long parse_n(const char *s, unsigned long dflt) {
  if (!s) return dflt;
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*end || v == 0) {
    fprintf(stderr, "bad count: %s\n", s);
    exit(2);
  }
  return v;
}

static void usage(const char *argv0) {
  fprintf(stderr,
          "usage: %s million_timers [N] | start_stop [N] | idle [N]\n"
          "  million_timers: N timers (default %u), timeouts spread over 1..%u ms\n"
          "  start_stop:     N start/stop ops (default %u, a multiple of %u)\n"
          "  idle:           N loop iterations with one idle handle (default %u)\n",
          argv0, TIMERS_N_DEFAULT, TIMERS_SPREAD_MS, STARTSTOP_N_DEFAULT,
          STARTSTOP_TIMERS, IDLE_N_DEFAULT);
  exit(2);
}

#endif /* BENCH_COMMON_H */
