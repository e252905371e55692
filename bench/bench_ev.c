/* bench_ev.c: the same workloads as bench_uv.c, in libev's native API.
 *
 * libev times are seconds (double). Where libuv reads its cached loop time
 * (uv_update_time before the starts), this calls ev_now_update. ev_timer_set
 * must not be used on an active watcher; the workloads never start an active
 * timer, so set + start is the exact counterpart of uv_timer_start.
 */
#include <ev.h>
#include "bench_common.h"

#define BENCH_LIB "libev"

static struct ev_loop *loop;

static void new_loop(void) {
  /* epoll, as libuv and ruv (mio) use on Linux; no signal handlers. */
  loop = ev_loop_new(EVBACKEND_EPOLL);
  CHECK(loop != NULL, "ev_loop_new failed");
}

/* ---- million_timers ------------------------------------------------------ */

static ev_timer *timers;
static unsigned char *fired;
static uint64_t timers_n, fired_count, last_timeout, last_k;
static double rt0;

static void timers_cb(struct ev_loop *l, ev_timer *t, int revents) {
  (void)revents;
  uint64_t k = (uint64_t)(t - timers);
  uint64_t timeout = timers_timeout_ms(k, timers_n);
  CHECK(k < timers_n, "callback for a watcher that is not ours");
  CHECK(!fired[k], "timer %llu fired twice", (unsigned long long)k);
  fired[k] = 1;
  /* libev orders by due time only: equal due times may fire in any order. */
  if (fired_count > 0)
    CHECK(timeout >= last_timeout,
          "timer %llu (timeout %llu ms) fired after timer %llu (timeout %llu ms)",
          (unsigned long long)k, (unsigned long long)timeout,
          (unsigned long long)last_k, (unsigned long long)last_timeout);
  CHECK(ev_now(l) - rt0 >= timeout / 1000.0 - 0.001,
        "timer %llu (timeout %llu ms) fired early: now-start=%.3f s",
        (unsigned long long)k, (unsigned long long)timeout, ev_now(l) - rt0);
  last_timeout = timeout;
  last_k = k;
  fired_count++;
}

static void million_timers(uint64_t n) {
  timers_n = n;
  CHECK(n % PERM_STEP != 0, "N must not be a multiple of %u", PERM_STEP);
  new_loop();
  timers = malloc(n * sizeof *timers);
  fired = malloc(n);
  CHECK(timers && fired, "out of memory");
  /* Fault the pages in before the baseline RSS and the timed phases (a
   * zeroing memset would be turned into calloc and touch nothing). */
  touch_pages(timers, n * sizeof *timers);
  touch_pages(fired, n);
  long rss0 = maxrss_kb();

  uint64_t c0 = cpu_ns();
  for (uint64_t k = 0; k < n; k++) ev_timer_init(&timers[k], timers_cb, 0., 0.);
  uint64_t c1 = cpu_ns();
  ev_now_update(loop);
  rt0 = ev_now(loop);
  for (uint64_t k = 0; k < n; k++) {
    ev_timer_set(&timers[k], timers_timeout_ms(k, n) / 1000.0, 0.);
    ev_timer_start(loop, &timers[k]);
  }
  uint64_t c2 = cpu_ns(), w2 = wall_ns();
  int alive = ev_run(loop, 0);
  uint64_t c3 = cpu_ns(), w3 = wall_ns();
  long rss1 = maxrss_kb();

  CHECK(!alive, "ev_run returned with watchers still active");
  CHECK(fired_count == n, "%llu of %llu timers fired", (unsigned long long)fired_count,
        (unsigned long long)n);
  for (uint64_t k = 0; k < n; k++) CHECK(!ev_is_active(&timers[k]), "timer still active");
  ev_loop_destroy(loop);

  printf("million_timers lib=%s n=%llu init_ns=%.1f start_ns=%.1f fire_ns=%.1f ns_per_timer=%.1f"
         " fire_wall_ms=%.0f peak_rss_kb=%ld lib_rss_kb=%ld timer_bytes=%zu\n",
         BENCH_LIB, (unsigned long long)n, (double)(c1 - c0) / n, (double)(c2 - c1) / n,
         (double)(c3 - c2) / n, (double)(c3 - c0) / n, (double)(w3 - w2) / 1e6, rss1,
         rss1 - rss0, sizeof *timers);
  free(timers);
  free(fired);
}

/* ---- start_stop ---------------------------------------------------------- */

static ev_timer ss_timers[STARTSTOP_TIMERS];
static unsigned char ss_expect[STARTSTOP_TIMERS];
static uint64_t ss_timeout[STARTSTOP_TIMERS];

static void ss_cb(struct ev_loop *l, ev_timer *t, int revents) {
  (void)revents;
  uint64_t j = (uint64_t)(t - ss_timers);
  CHECK(j < STARTSTOP_TIMERS, "callback for a watcher that is not ours");
  CHECK(ss_expect[j] == 1, "stopped timer %llu fired (or fired twice)", (unsigned long long)j);
  ss_expect[j] = 2;
  if (fired_count > 0)
    CHECK(ss_timeout[j] >= last_timeout,
          "timer %llu (timeout %llu ms) fired after timer %llu (timeout %llu ms)",
          (unsigned long long)j, (unsigned long long)ss_timeout[j],
          (unsigned long long)last_k, (unsigned long long)last_timeout);
  CHECK(ev_now(l) - rt0 >= ss_timeout[j] / 1000.0 - 0.001, "timer %llu fired early",
        (unsigned long long)j);
  last_timeout = ss_timeout[j];
  last_k = j;
  fired_count++;
}

static void start_stop(uint64_t n) {
  const uint64_t T = STARTSTOP_TIMERS, rounds = n / T;
  CHECK(n % T == 0, "N must be a multiple of %llu", (unsigned long long)T);
  new_loop();
  for (uint64_t j = 0; j < T; j++) ev_timer_init(&ss_timers[j], ss_cb, 0., 0.);
  ev_now_update(loop);
  rt0 = ev_now(loop);

  uint64_t c0 = cpu_ns();
  for (uint64_t r = 0; r < rounds; r++) {
    for (uint64_t j = 0; j < T; j++) {
      if (startstop_is_stop(r, j)) {
        ev_timer_stop(loop, &ss_timers[j]);
      } else {
        ev_timer_set(&ss_timers[j], startstop_timeout_ms(r * T + j) / 1000.0, 0.);
        ev_timer_start(loop, &ss_timers[j]);
      }
    }
  }
  uint64_t c1 = cpu_ns();

  uint64_t expected = 0;
  for (uint64_t j = 0; j < T; j++) {
    int active = !startstop_is_stop(rounds - 1, j);
    ss_expect[j] = (unsigned char)active;
    ss_timeout[j] = startstop_timeout_ms((rounds - 1) * T + j);
    expected += active;
    CHECK(!!ev_is_active(&ss_timers[j]) == active, "timer %llu: active=%d, expected %d",
          (unsigned long long)j, !!ev_is_active(&ss_timers[j]), active);
    if (active) {
      double rem = ev_timer_remaining(loop, &ss_timers[j]);
      CHECK(rem > ss_timeout[j] / 1000.0 - 1e-6 && rem < ss_timeout[j] / 1000.0 + 1e-6,
            "timer %llu: due in %.6f s, expected %.3f", (unsigned long long)j, rem,
            ss_timeout[j] / 1000.0);
    }
  }
  CHECK(!ev_run(loop, 0), "ev_run returned with watchers still active");
  CHECK(fired_count == expected, "%llu of %llu timers fired", (unsigned long long)fired_count,
        (unsigned long long)expected);
  ev_loop_destroy(loop);

  printf("start_stop lib=%s n=%llu timers=%llu ns_per_op=%.2f\n", BENCH_LIB,
         (unsigned long long)n, (unsigned long long)T, (double)(c1 - c0) / n);
}

/* ---- idle ---------------------------------------------------------------- */

static ev_idle idle_watcher;
static uint64_t idle_n, idle_count;

static void idle_cb(struct ev_loop *l, ev_idle *w, int revents) {
  (void)revents;
  if (++idle_count == idle_n) ev_idle_stop(l, w);
}

static void idle(uint64_t n) {
  idle_n = n;
  new_loop();
  ev_idle_init(&idle_watcher, idle_cb);
  ev_idle_start(loop, &idle_watcher);
  uint64_t c0 = cpu_ns(), w0 = wall_ns();
  int alive = ev_run(loop, 0);
  uint64_t c1 = cpu_ns(), w1 = wall_ns();
  CHECK(!alive, "ev_run returned with watchers still active");
  CHECK(idle_count == n, "idle callback ran %llu times, expected %llu",
        (unsigned long long)idle_count, (unsigned long long)n);
  ev_loop_destroy(loop);

  printf("idle lib=%s n=%llu ns_per_iter=%.2f iters_per_s=%.0f\n", BENCH_LIB,
         (unsigned long long)n, (double)(c1 - c0) / n, n / ((double)(w1 - w0) / 1e9));
}

int main(int argc, char **argv) {
  bench_lib_name = BENCH_LIB;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) usage(argv[0]);
  const char *n = argc > 2 ? argv[2] : NULL;
  if (!strcmp(argv[1], "version"))
    printf("%s %d.%d\n", BENCH_LIB, ev_version_major(), ev_version_minor());
  else if (!strcmp(argv[1], "million_timers"))
    million_timers(parse_n(n, TIMERS_N_DEFAULT));
  else if (!strcmp(argv[1], "start_stop"))
    start_stop(parse_n(n, STARTSTOP_N_DEFAULT));
  else if (!strcmp(argv[1], "idle"))
    idle(parse_n(n, IDLE_N_DEFAULT));
  else
    usage(argv[0]);
  return 0;
}
