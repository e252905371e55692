/* bench_uv.c: the benchmark workloads, written once against libuv's API.
 *
 *   cc -O2 bench_uv.c -luv                                        -> libuv
 *   cc -O2 -I../include/uv-compat bench_uv.c ../target/release/libruv.a ...
 *                                                                 -> ruv, same source
 *
 * With -I../include/uv-compat, <uv.h> is ruv's generated compatibility
 * header, which maps each uv_ name to its ruv_ one and defines RUV_UV_COMPAT.
 * Every workload checks its own result and exits 1 (with a FAIL line on
 * stderr) when the library got it wrong, so a broken library gives no number.
 */
#include <uv.h>
#include "bench_common.h"

#ifdef RUV_UV_COMPAT
#define BENCH_LIB "ruv"
#define BENCH_LIB_VERSION ruv_version_string() /* uv_version_string() is the libuv API level */
#else
#define BENCH_LIB "libuv"
#define BENCH_LIB_VERSION uv_version_string()
#endif

static uv_loop_t loop;

static void check_rc(int rc, const char *what) {
  CHECK(rc == 0, "%s returned %d (%s)", what, rc, uv_strerror(rc));
}

static void teardown(uv_handle_t *handles, size_t count, size_t stride) {
  for (size_t k = 0; k < count; k++)
    uv_close((uv_handle_t *)((char *)handles + k * stride), NULL);
  check_rc(uv_run(&loop, UV_RUN_DEFAULT), "uv_run (closing)");
  check_rc(uv_loop_close(&loop), "uv_loop_close");
}

/* ---- million_timers ------------------------------------------------------ */

static uv_timer_t *timers;
static unsigned char *fired;
static uint64_t timers_n, now0, fired_count, last_timeout, last_k;

static void timers_cb(uv_timer_t *t) {
  uint64_t k = (uint64_t)(t - timers);
  uint64_t timeout = timers_timeout_ms(k, timers_n);
  CHECK(k < timers_n, "callback for a handle that is not ours");
  CHECK(!fired[k], "timer %llu fired twice", (unsigned long long)k);
  fired[k] = 1;
  /* libuv runs timers by due time, then by start order (= k here). */
  if (fired_count > 0)
    CHECK(timeout > last_timeout || (timeout == last_timeout && k > last_k),
          "timer %llu (timeout %llu ms) fired after timer %llu (timeout %llu ms)",
          (unsigned long long)k, (unsigned long long)timeout,
          (unsigned long long)last_k, (unsigned long long)last_timeout);
  CHECK(uv_now(&loop) >= now0 + timeout,
        "timer %llu (timeout %llu ms) fired early: now-start=%llu ms",
        (unsigned long long)k, (unsigned long long)timeout,
        (unsigned long long)(uv_now(&loop) - now0));
  last_timeout = timeout;
  last_k = k;
  fired_count++;
}

static void million_timers(uint64_t n) {
  timers_n = n;
  CHECK(n % PERM_STEP != 0, "N must not be a multiple of %u", PERM_STEP);
  check_rc(uv_loop_init(&loop), "uv_loop_init");
  timers = malloc(n * sizeof *timers);
  fired = malloc(n);
  CHECK(timers && fired, "out of memory");
  /* Fault the pages in before the baseline RSS and the timed phases (a
   * zeroing memset would be turned into calloc and touch nothing). */
  touch_pages(timers, n * sizeof *timers);
  touch_pages(fired, n);
  long rss0 = maxrss_kb();

  uint64_t c0 = cpu_ns();
  for (uint64_t k = 0; k < n; k++) uv_timer_init(&loop, &timers[k]);
  uint64_t c1 = cpu_ns();
  uv_update_time(&loop);
  now0 = uv_now(&loop);
  for (uint64_t k = 0; k < n; k++)
    uv_timer_start(&timers[k], timers_cb, timers_timeout_ms(k, n), 0);
  uint64_t c2 = cpu_ns(), w2 = wall_ns();
  int rc = uv_run(&loop, UV_RUN_DEFAULT);
  uint64_t c3 = cpu_ns(), w3 = wall_ns();
  long rss1 = maxrss_kb();

  check_rc(rc, "uv_run");
  CHECK(fired_count == n, "%llu of %llu timers fired", (unsigned long long)fired_count,
        (unsigned long long)n);
  for (uint64_t k = 0; k < n; k++) CHECK(!uv_is_active((uv_handle_t *)&timers[k]), "timer still active");
  CHECK(!uv_loop_alive(&loop), "loop still alive after uv_run");
  teardown((uv_handle_t *)timers, n, sizeof *timers);

  printf("million_timers lib=%s n=%llu init_ns=%.1f start_ns=%.1f fire_ns=%.1f ns_per_timer=%.1f"
         " fire_wall_ms=%.0f peak_rss_kb=%ld lib_rss_kb=%ld timer_bytes=%zu\n",
         BENCH_LIB, (unsigned long long)n, (double)(c1 - c0) / n, (double)(c2 - c1) / n,
         (double)(c3 - c2) / n, (double)(c3 - c0) / n, (double)(w3 - w2) / 1e6, rss1,
         rss1 - rss0, sizeof *timers);
  free(timers);
  free(fired);
}

/* ---- start_stop ---------------------------------------------------------- */

static uv_timer_t ss_timers[STARTSTOP_TIMERS];
static unsigned char ss_expect[STARTSTOP_TIMERS];
static uint64_t ss_timeout[STARTSTOP_TIMERS];

static void ss_cb(uv_timer_t *t) {
  uint64_t j = (uint64_t)(t - ss_timers);
  CHECK(j < STARTSTOP_TIMERS, "callback for a handle that is not ours");
  CHECK(ss_expect[j] == 1, "stopped timer %llu fired (or fired twice)", (unsigned long long)j);
  ss_expect[j] = 2;
  /* The survivors were all started in the last round, in j order. */
  if (fired_count > 0)
    CHECK(ss_timeout[j] > last_timeout || (ss_timeout[j] == last_timeout && j > last_k),
          "timer %llu (timeout %llu ms) fired after timer %llu (timeout %llu ms)",
          (unsigned long long)j, (unsigned long long)ss_timeout[j],
          (unsigned long long)last_k, (unsigned long long)last_timeout);
  CHECK(uv_now(&loop) >= now0 + ss_timeout[j], "timer %llu fired early", (unsigned long long)j);
  last_timeout = ss_timeout[j];
  last_k = j;
  fired_count++;
}

static void start_stop(uint64_t n) {
  const uint64_t T = STARTSTOP_TIMERS, rounds = n / T;
  CHECK(n % T == 0, "N must be a multiple of %llu", (unsigned long long)T);
  check_rc(uv_loop_init(&loop), "uv_loop_init");
  for (uint64_t j = 0; j < T; j++) uv_timer_init(&loop, &ss_timers[j]);
  uv_update_time(&loop);
  now0 = uv_now(&loop);

  uint64_t c0 = cpu_ns();
  for (uint64_t r = 0; r < rounds; r++) {
    for (uint64_t j = 0; j < T; j++) {
      if (startstop_is_stop(r, j))
        uv_timer_stop(&ss_timers[j]);
      else
        uv_timer_start(&ss_timers[j], ss_cb, startstop_timeout_ms(r * T + j), 0);
    }
  }
  uint64_t c1 = cpu_ns();

  /* Check: the last round left exactly the timers it started active, each
   * due its timeout from now0; running the loop fires exactly those, in
   * (due time, start order). */
  uint64_t expected = 0;
  for (uint64_t j = 0; j < T; j++) {
    int active = !startstop_is_stop(rounds - 1, j);
    ss_expect[j] = (unsigned char)active;
    ss_timeout[j] = startstop_timeout_ms((rounds - 1) * T + j);
    expected += active;
    CHECK(!!uv_is_active((uv_handle_t *)&ss_timers[j]) == active,
          "timer %llu: active=%d, expected %d", (unsigned long long)j,
          uv_is_active((uv_handle_t *)&ss_timers[j]), active);
    if (active)
      CHECK(uv_timer_get_due_in(&ss_timers[j]) == ss_timeout[j],
            "timer %llu: due in %llu ms, expected %llu", (unsigned long long)j,
            (unsigned long long)uv_timer_get_due_in(&ss_timers[j]),
            (unsigned long long)ss_timeout[j]);
  }
  check_rc(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
  CHECK(fired_count == expected, "%llu of %llu timers fired", (unsigned long long)fired_count,
        (unsigned long long)expected);
  teardown((uv_handle_t *)ss_timers, T, sizeof ss_timers[0]);

  printf("start_stop lib=%s n=%llu timers=%llu ns_per_op=%.2f\n", BENCH_LIB,
         (unsigned long long)n, (unsigned long long)T, (double)(c1 - c0) / n);
}

/* ---- idle ---------------------------------------------------------------- */

static uv_idle_t idle_handle;
static uint64_t idle_n, idle_count;

static void idle_cb(uv_idle_t *h) {
  if (++idle_count == idle_n) uv_idle_stop(h);
}

static void idle(uint64_t n) {
  idle_n = n;
  check_rc(uv_loop_init(&loop), "uv_loop_init");
  uv_idle_init(&loop, &idle_handle);
  uv_idle_start(&idle_handle, idle_cb);
  uint64_t c0 = cpu_ns(), w0 = wall_ns();
  int rc = uv_run(&loop, UV_RUN_DEFAULT);
  uint64_t c1 = cpu_ns(), w1 = wall_ns();
  check_rc(rc, "uv_run");
  CHECK(idle_count == n, "idle callback ran %llu times, expected %llu",
        (unsigned long long)idle_count, (unsigned long long)n);
  teardown((uv_handle_t *)&idle_handle, 1, sizeof idle_handle);

  printf("idle lib=%s n=%llu ns_per_iter=%.2f iters_per_s=%.0f\n", BENCH_LIB,
         (unsigned long long)n, (double)(c1 - c0) / n, n / ((double)(w1 - w0) / 1e9));
}

int main(int argc, char **argv) {
  bench_lib_name = BENCH_LIB;
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) usage(argv[0]);
  const char *n = argc > 2 ? argv[2] : NULL;
  if (!strcmp(argv[1], "version"))
    printf("%s %s\n", BENCH_LIB, BENCH_LIB_VERSION);
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
