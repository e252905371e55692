/* What the TCP tests share: a byte pattern to check data with, and a guard
 * timer that bounds every wait on the loop. */
#ifndef RUV_TEST_NET_UTIL_H
#define RUV_TEST_NET_UTIL_H

#include "test.h"
#include <stdint.h>

static inline unsigned char pat(size_t i) { return (unsigned char)(i % 251); }

static inline void fill_pat(unsigned char *p, size_t n, size_t from) {
  for (size_t i = 0; i < n; i++) p[i] = pat(from + i);
}

static inline int check_pat(const unsigned char *p, size_t n, size_t from) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != pat(from + i)) return 0;
  return 1;
}

/* An alloc_cb handing out one static 64-byte slab: for reads whose callback
 * copies the bytes out at once. */
static inline void slab_alloc(ruv_handle_t *h, size_t size, ruv_buf_t *buf) {
  static char slab[64];
  (void)h;
  (void)size;
  *buf = ruv_buf_init(slab, sizeof slab);
}

/* One timer per loop bounds every wait: RUN_UNTIL runs the loop until `cond`
 * holds or `ms` have passed (then the check fails). */
static ruv_timer_t guard;
static int guard_fired;
static inline void guard_cb(ruv_timer_t *t) {
  guard_fired = 1;
  ruv_stop(t->loop); /* the rest of this iteration must not block */
}

static inline void loop_setup(ruv_loop_t *loop) {
  CHECK_EQ(ruv_loop_init(loop), 0);
  memset(&guard, 0, sizeof guard);
  CHECK_EQ(ruv_timer_init(loop, &guard), 0);
}

#define RUN_UNTIL(loop, cond, ms)                                                    \
  do {                                                                               \
    guard_fired = 0;                                                                 \
    ruv_update_time(loop);                                                           \
    ruv_timer_start(&guard, guard_cb, (ms), 0);                                      \
    while (!(cond) && !guard_fired) ruv_run((loop), RUV_RUN_ONCE);                   \
    ruv_timer_stop(&guard);                                                          \
    if (cond) {                                                                      \
      t_passed++;                                                                    \
    } else {                                                                         \
      t_failed++;                                                                    \
      fprintf(stderr, "%s:%d: timed out waiting for %s\n", __FILE__, __LINE__, #cond); \
    }                                                                                \
  } while (0)

/* runs the loop for `ms` milliseconds */
static inline void run_for(ruv_loop_t *loop, uint64_t ms) {
  guard_fired = 0;
  ruv_update_time(loop);
  ruv_timer_start(&guard, guard_cb, ms, 0);
  while (!guard_fired) ruv_run(loop, RUV_RUN_ONCE);
}

#endif
