/* The loop: run modes and their return values, ruv_stop, liveness,
 * ruv_loop_close, the default loop, time, the backend, ruv_walk, loop data,
 * ruv_loop_configure and the idle-time metric, and a nested ruv_run.
 * Asserts values, counts and order, never durations. */
#include "test.h"
#include <limits.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

static int idle_calls;
static int idle_stop_at;   /* the idle callback stops its handle at this count */
static int idle_stop_loop; /* ... and calls ruv_stop at this count */

static void counting_idle_cb(ruv_idle_t *h) {
  idle_calls++;
  if (idle_calls == idle_stop_loop) ruv_stop(h->loop);
  if (idle_calls == idle_stop_at) CHECK_EQ(ruv_idle_stop(h), 0);
}

static int timer_calls;
static void counting_timer_cb(ruv_timer_t *t) {
  (void)t;
  timer_calls++;
}

static int close_calls;
static void counting_close_cb(ruv_handle_t *h) {
  (void)h;
  close_calls++;
}

/* ---- run modes ---------------------------------------------------------- */

static void test_run_empty_loop(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_ONCE), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  /* an initialised handle that was never started keeps nothing alive */
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_ONCE), 0);
  /* ruv: an unknown mode is refused (libuv does not check) */
  CHECK_EQ(ruv_run(&loop, 99), RUV_EINVAL);
  close_loop(&loop);
}

static void test_run_default_returns_0_when_done(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 1, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  close_loop(&loop);
}

/* ONCE and NOWAIT run one iteration each and return non-zero while a handle
 * keeps the loop alive. */
static void run_mode_with_idle(ruv_run_mode mode) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  memset(&idle, 0, sizeof idle);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  idle_calls = 0;
  idle_stop_at = 3;
  idle_stop_loop = 0;
  CHECK_EQ(ruv_idle_start(&idle, counting_idle_cb), 0);
  CHECK(ruv_run(&loop, mode) != 0);
  CHECK_EQ(idle_calls, 1);
  CHECK(ruv_run(&loop, mode) != 0);
  CHECK_EQ(idle_calls, 2);
  CHECK_EQ(ruv_run(&loop, mode), 0); /* the idle handle stopped itself */
  CHECK_EQ(idle_calls, 3);
  CHECK_EQ(ruv_run(&loop, mode), 0);
  CHECK_EQ(idle_calls, 3);
  close_loop(&loop);
}

static void test_run_once(void) { run_mode_with_idle(RUV_RUN_ONCE); }
static void test_run_nowait(void) { run_mode_with_idle(RUV_RUN_NOWAIT); }

static void test_run_once_waits_for_timer(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 2, 0), 0);
  /* each ONCE waits for the timer; non-zero while it has not fired */
  int rounds = 0, r, early = 0;
  while ((r = ruv_run(&loop, RUV_RUN_ONCE)) != 0 && rounds < 1000) {
    if (timer_calls != 0) early++;
    rounds++;
  }
  CHECK_EQ(r, 0);
  CHECK_EQ(early, 0);
  CHECK_EQ(timer_calls, 1);
  close_loop(&loop);
}

static void test_run_nowait_does_not_fire_pending_timer(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(timer_calls, 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(timer_calls, 0);
  close_loop(&loop);
}

/* ---- ruv_stop ----------------------------------------------------------- */

static void test_stop_from_callback(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  memset(&idle, 0, sizeof idle);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  idle_calls = 0;
  idle_stop_loop = 2;
  idle_stop_at = 5;
  CHECK_EQ(ruv_idle_start(&idle, counting_idle_cb), 0);
  CHECK(ruv_run(&loop, RUV_RUN_DEFAULT) != 0); /* stopped, still alive */
  CHECK_EQ(idle_calls, 2);
  CHECK_EQ(loop.stop_flag, 0); /* cleared when ruv_run returns */
  CHECK(ruv_loop_alive(&loop) != 0);
  /* a later run carries on until the idle handle stops itself */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(idle_calls, 5);
  close_loop(&loop);
}

static void test_stop_before_run(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  memset(&idle, 0, sizeof idle);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  idle_calls = 0;
  idle_stop_loop = 0;
  idle_stop_at = 1;
  CHECK_EQ(ruv_idle_start(&idle, counting_idle_cb), 0);
  ruv_stop(&loop);
  CHECK(loop.stop_flag != 0);
  /* as in libuv: the run returns at once, runs nothing, clears the flag */
  CHECK(ruv_run(&loop, RUV_RUN_DEFAULT) != 0);
  CHECK_EQ(idle_calls, 0);
  CHECK_EQ(loop.stop_flag, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(idle_calls, 1);
  close_loop(&loop);
}

static void stop_timer_cb(ruv_timer_t *t) {
  timer_calls++;
  ruv_stop(t->loop);
}

static void test_stop_from_timer_with_other_timer_pending(void) {
  ruv_loop_t loop;
  ruv_timer_t t1, t2;
  memset(&t1, 0, sizeof t1);
  memset(&t2, 0, sizeof t2);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t1), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t2), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t1, stop_timer_cb, 1, 0), 0);
  CHECK_EQ(ruv_timer_start(&t2, counting_timer_cb, 100000, 0), 0);
  CHECK(ruv_run(&loop, RUV_RUN_DEFAULT) != 0); /* t2 still pending */
  CHECK_EQ(timer_calls, 1);
  CHECK(ruv_is_active((ruv_handle_t *)&t2));
  close_loop(&loop);
}

/* ---- liveness ----------------------------------------------------------- */

static void test_loop_alive(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0); /* initialised, not started */
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  CHECK(ruv_loop_alive(&loop) != 0);
  CHECK_EQ(loop.active_handles, 1);
  ruv_unref((ruv_handle_t *)&t);
  CHECK_EQ(ruv_loop_alive(&loop), 0); /* active but unreferenced */
  CHECK_EQ(loop.active_handles, 0);
  ruv_ref((ruv_handle_t *)&t);
  CHECK(ruv_loop_alive(&loop) != 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0); /* referenced but stopped */
  CHECK_EQ(loop.active_handles, 0);
  /* a closing handle keeps the loop alive until its close callback ran */
  close_calls = 0;
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  CHECK(ruv_loop_alive(&loop) != 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) == 0);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- ruv_loop_close ----------------------------------------------------- */

static void test_loop_close_busy(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t idle;
  memset(&t, 0, sizeof t);
  memset(&idle, 0, sizeof idle);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY); /* open, even if inactive */
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  ruv_close((ruv_handle_t *)&idle, NULL);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY); /* close callbacks not run */
  CHECK_EQ(close_calls, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  /* the closed loop can be initialised again */
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

static void loop_close_from_cb(ruv_timer_t *t) {
  timer_calls++;
  CHECK_EQ(ruv_loop_close(t->loop), RUV_EBUSY); /* running */
}

static void test_loop_close_while_running(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, loop_close_from_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  close_loop(&loop);
}

/* ---- the default loop --------------------------------------------------- */

static void test_default_loop(void) {
  ruv_loop_t *d1 = ruv_default_loop();
  ruv_loop_t *d2 = ruv_default_loop();
  CHECK(d1 != NULL);
  CHECK(d1 == d2);
  if (d1 == NULL) return;

  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_timer_init(d1, &t), 0);
  CHECK(t.loop == d1);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 1, 0), 0);
  CHECK_EQ(ruv_run(d1, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  CHECK_EQ(ruv_loop_close(d1), RUV_EBUSY); /* the timer is open */
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(ruv_run(d1, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_loop_close(d1), 0);

  /* usable again after it was closed: same pointer, set up anew */
  ruv_loop_t *d3 = ruv_default_loop();
  CHECK(d3 == d1);
  if (d3 == NULL) return;
  CHECK_EQ(ruv_loop_alive(d3), 0);
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_timer_init(d3, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 1, 0), 0);
  CHECK_EQ(ruv_run(d3, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 2);
  CHECK(ruv_default_loop() == d3);
  close_loop(d3);
}

/* ---- time --------------------------------------------------------------- */

static void test_now_and_update_time(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  uint64_t n1 = ruv_now(&loop);
  CHECK(ruv_now(&loop) >= n1);
  ruv_sleep(20);
  CHECK_EQ(ruv_now(&loop), n1); /* cached: unchanged until updated */
  ruv_update_time(&loop);
  uint64_t n2 = ruv_now(&loop);
  CHECK(n2 > n1);
  /* monotonic across many updates */
  uint64_t prev = n2;
  int backwards = 0;
  for (int i = 0; i < 1000; i++) {
    ruv_update_time(&loop);
    uint64_t n = ruv_now(&loop);
    if (n < prev) backwards++;
    prev = n;
  }
  CHECK_EQ(backwards, 0);
  /* ruv_run updates it too */
  ruv_sleep(5);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK(ruv_now(&loop) > n2);
  close_loop(&loop);
}

/* The cached time is refreshed after polling for I/O, also when the poll
 * did not wait (NOWAIT, or an idle handle active), as libuv does: callbacks
 * after the poll (check, close) see a time taken after the earlier phases. */
static uint64_t now_in_prepare, now_in_check, now_in_close;

static void sleepy_prepare_cb(ruv_prepare_t *p) {
  now_in_prepare = ruv_now(p->loop);
  ruv_sleep(10);
}

static void now_check_cb(ruv_check_t *c) { now_in_check = ruv_now(c->loop); }
static void now_close_cb(ruv_handle_t *h) { now_in_close = ruv_now(h->loop); }

static void test_now_updated_after_poll(void) {
  ruv_loop_t loop;
  ruv_prepare_t prepare;
  ruv_check_t check;
  memset(&prepare, 0, sizeof prepare);
  memset(&check, 0, sizeof check);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, sleepy_prepare_cb), 0);
  CHECK_EQ(ruv_check_start(&check, now_check_cb), 0);
  now_in_prepare = now_in_check = 0;
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK(now_in_prepare != 0);
  CHECK(now_in_check > now_in_prepare);
  CHECK(now_in_check >= now_in_prepare);
  ruv_close((ruv_handle_t *)&check, now_close_cb);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK(now_in_close > now_in_prepare);
  CHECK(now_in_close >= now_in_prepare);
  close_loop(&loop);
}

static void test_hrtime(void) {
  uint64_t h1 = ruv_hrtime();
  int backwards = 0;
  uint64_t prev = h1;
  for (int i = 0; i < 10000; i++) {
    uint64_t h = ruv_hrtime();
    if (h < prev) backwards++;
    prev = h;
  }
  CHECK_EQ(backwards, 0);
  uint64_t before = ruv_hrtime();
  ruv_sleep(20);
  uint64_t after = ruv_hrtime();
  CHECK(after - before >= 20u * 1000 * 1000); /* a sleep lasts at least that */
}

/* ---- the backend -------------------------------------------------------- */

static void test_backend_fd(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  int fd = ruv_backend_fd(&loop);
  CHECK(fd >= 0);
  CHECK_EQ(ruv_backend_fd(&loop), fd);
  close_loop(&loop);
}

static void noop_idle_cb(ruv_idle_t *h) { (void)h; }

static void test_backend_timeout(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  ruv_async_t async;
  ruv_timer_t t;
  memset(&idle, 0, sizeof idle);
  memset(&async, 0, sizeof async);
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);

  /* an active idle handle: no waiting */
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, noop_idle_cb), 0);
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
  CHECK_EQ(ruv_idle_stop(&idle), 0);

  /* only an async handle: nothing limits the wait */
  CHECK_EQ(ruv_async_init(&loop, &async, NULL), 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(ruv_backend_timeout(&loop), -1);
  ruv_close((ruv_handle_t *)&async, NULL);
  /* a close callback is due: no waiting */
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);

  /* a timer: at most its timeout. (Checked after an iteration, here and
   * above: libuv 1.44 answers 0 until a run has registered its watchers.) */
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  int bt = ruv_backend_timeout(&loop);
  CHECK(bt > 0);
  CHECK(bt <= 100000);

  /* after ruv_stop: no waiting; the next run clears the stop */
  ruv_stop(&loop);
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK(ruv_backend_timeout(&loop) > 0);

  /* an unreferenced timer: nothing keeps the loop alive, no waiting */
  ruv_unref((ruv_handle_t *)&t);
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
  close_loop(&loop);
}

/* ---- ruv_walk ----------------------------------------------------------- */

#define WALK_MAX 16
static ruv_handle_t *walked[WALK_MAX];
static int walked_closing[WALK_MAX];
static int walk_count;

static void record_walk_cb(ruv_handle_t *h, void *arg) {
  CHECK(arg == (void *)&walk_count);
  if (walk_count < WALK_MAX) {
    walked[walk_count] = h;
    walked_closing[walk_count] = ruv_is_closing(h) != 0;
  }
  walk_count++;
}

static ruv_handle_t *to_close_in_walk[WALK_MAX];
static int to_close_n;

/* on the first visit, closes every handle of the loop (including ones not
 * visited yet); later visits see them closing */
static void closing_walk_cb(ruv_handle_t *h, void *arg) {
  (void)arg;
  if (walk_count == 0) {
    for (int i = 0; i < to_close_n; i++) ruv_close(to_close_in_walk[i], counting_close_cb);
  }
  record_walk_cb(h, &walk_count);
}

static void noop_prepare_cb(ruv_prepare_t *h) { (void)h; }

static void test_walk(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t idle;
  ruv_check_t check;
  ruv_prepare_t prepare;
  ruv_async_t async;
  memset(&t, 0, sizeof t);
  memset(&idle, 0, sizeof idle);
  memset(&check, 0, sizeof check);
  memset(&prepare, 0, sizeof prepare);
  memset(&async, 0, sizeof async);
  CHECK_EQ(ruv_loop_init(&loop), 0);

  walk_count = 0;
  ruv_walk(&loop, record_walk_cb, &walk_count);
  CHECK_EQ(walk_count, 0);

  /* init order: prepare, timer, async, check, idle (not type order) */
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_async_init(&loop, &async, NULL), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, noop_prepare_cb), 0);
  CHECK_EQ(ruv_idle_start(&idle, noop_idle_cb), 0);
  ruv_unref((ruv_handle_t *)&t); /* unreferenced handles are walked too */
  close_calls = 0;
  ruv_close((ruv_handle_t *)&async, counting_close_cb); /* and closing ones */

  ruv_handle_t *expect[5] = {(ruv_handle_t *)&prepare, (ruv_handle_t *)&t,
                             (ruv_handle_t *)&async, (ruv_handle_t *)&check,
                             (ruv_handle_t *)&idle};
  walk_count = 0;
  ruv_walk(&loop, record_walk_cb, &walk_count);
  CHECK_EQ(walk_count, 5);
  for (int i = 0; i < 5; i++) {
    CHECK(walked[i] == expect[i]);
    CHECK_EQ(walked_closing[i], i == 2);
  }

  /* a walk callback may close handles, including ones not visited yet:
   * every handle is still visited exactly once */
  to_close_n = 0;
  to_close_in_walk[to_close_n++] = (ruv_handle_t *)&prepare;
  to_close_in_walk[to_close_n++] = (ruv_handle_t *)&t;
  to_close_in_walk[to_close_n++] = (ruv_handle_t *)&check;
  to_close_in_walk[to_close_n++] = (ruv_handle_t *)&idle;
  walk_count = 0;
  ruv_walk(&loop, closing_walk_cb, NULL);
  CHECK_EQ(walk_count, 5);
  for (int i = 0; i < 5; i++) {
    CHECK(walked[i] == expect[i]);
    CHECK_EQ(walked_closing[i], 1);
  }
  CHECK_EQ(close_calls, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 5);

  /* closed handles are gone from the walk */
  walk_count = 0;
  ruv_walk(&loop, record_walk_cb, &walk_count);
  CHECK_EQ(walk_count, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* A handle initialised by a walk callback is not visited by that walk. */
static ruv_timer_t walk_new_timer;

static void init_in_walk_cb(ruv_handle_t *h, void *arg) {
  if (walk_count == 0) {
    memset(&walk_new_timer, 0, sizeof walk_new_timer);
    CHECK_EQ(ruv_timer_init(h->loop, &walk_new_timer), 0);
  }
  record_walk_cb(h, arg);
}

static void test_walk_init_during_walk(void) {
  ruv_loop_t loop;
  ruv_idle_t a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &a), 0);
  CHECK_EQ(ruv_idle_init(&loop, &b), 0);
  walk_count = 0;
  ruv_walk(&loop, init_in_walk_cb, &walk_count);
  CHECK_EQ(walk_count, 2);
  CHECK(walked[0] == (ruv_handle_t *)&a);
  CHECK(walked[1] == (ruv_handle_t *)&b);
  walk_count = 0;
  ruv_walk(&loop, record_walk_cb, &walk_count);
  CHECK_EQ(walk_count, 3);
  /* (where it comes is libuv's accident: its walk re-queues the handles as
   * it goes, so libuv visits it second here, ruv last) */
  int seen_new = 0;
  for (int i = 0; i < 3; i++) seen_new += walked[i] == (ruv_handle_t *)&walk_new_timer;
  CHECK_EQ(seen_new, 1);
  close_loop(&loop);
}

/* A walk callback that closes every handle and runs the loop, so that their
 * close callbacks free them: the walk skips the freed handles. */
static ruv_timer_t *walk_heap[3];

static void free_close_cb(ruv_handle_t *h) {
  close_calls++;
  free(h);
}

static void close_and_run_walk_cb(ruv_handle_t *h, void *arg) {
  record_walk_cb(h, arg);
  if (walk_count == 1) {
    for (int i = 0; i < 3; i++) ruv_close((ruv_handle_t *)walk_heap[i], free_close_cb);
    CHECK_EQ(ruv_run(h->loop, RUV_RUN_DEFAULT), 0);
    CHECK_EQ(close_calls, 3);
  }
}

static void test_walk_skips_handles_freed_during_walk(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  for (int i = 0; i < 3; i++) {
    walk_heap[i] = calloc(1, sizeof *walk_heap[i]);
    CHECK(walk_heap[i] != NULL);
    if (walk_heap[i] == NULL) abort();
    CHECK_EQ(ruv_timer_init(&loop, walk_heap[i]), 0);
  }
  close_calls = 0;
  walk_count = 0;
  ruv_walk(&loop, close_and_run_walk_cb, &walk_count);
  CHECK_EQ(walk_count, 1);
  CHECK_EQ(close_calls, 3);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- loop data ---------------------------------------------------------- */

static void test_loop_data(void) {
  int x = 1, y = 2;
  ruv_loop_t loop;
  memset(&loop, 0, sizeof loop);
  loop.data = &x;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK(loop.data == &x); /* kept by ruv_loop_init, as libuv does */
  CHECK(ruv_loop_get_data(&loop) == &x);
  ruv_loop_set_data(&loop, &y);
  CHECK(loop.data == &y);
  CHECK(ruv_loop_get_data(&loop) == &y);
  ruv_loop_set_data(&loop, NULL);
  CHECK(ruv_loop_get_data(&loop) == NULL);
  close_loop(&loop);
}

/* ---- ruv_loop_configure ------------------------------------------------- */

static void test_metrics_idle_time(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_metrics_idle_time(&loop), 0); /* not counting yet */
  CHECK_EQ(ruv_loop_configure(&loop, RUV_METRICS_IDLE_TIME), 0);
  uint64_t before = ruv_metrics_idle_time(&loop);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  ruv_update_time(&loop);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 20, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  uint64_t after = ruv_metrics_idle_time(&loop);
  CHECK(after > before);
  close_loop(&loop);
}

static void test_configure_block_signal(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_loop_configure(&loop, RUV_LOOP_BLOCK_SIGNAL, SIGPROF), 0);
  CHECK_EQ(ruv_loop_configure(&loop, RUV_LOOP_BLOCK_SIGNAL, SIGINT), RUV_EINVAL);
  CHECK_EQ(ruv_loop_configure(&loop, RUV_LOOP_USE_IO_URING_SQPOLL), 0); /* accepted, as libuv */
  CHECK_EQ(ruv_loop_configure(&loop, 99), RUV_ENOSYS);
  /* the loop still runs, and SIGPROF is unblocked again after polling */
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 1, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  sigset_t mask;
  sigemptyset(&mask);
  CHECK_EQ(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
  CHECK_EQ(sigismember(&mask, SIGPROF), 0);
  close_loop(&loop);
}

/* ---- nested ruv_run ----------------------------------------------------- */

/* ruv refuses a nested run on the same loop (libuv would run it). */
static char nested_order[16];
static int nested_n;

static void nested_first_cb(ruv_timer_t *t) {
  nested_order[nested_n++] = 'a';
  CHECK_EQ(ruv_run(t->loop, RUV_RUN_DEFAULT), RUV_EBUSY);
  CHECK_EQ(ruv_run(t->loop, RUV_RUN_ONCE), RUV_EBUSY);
  CHECK_EQ(ruv_run(t->loop, RUV_RUN_NOWAIT), RUV_EBUSY);
  nested_order[nested_n++] = 'A';
}

static void nested_second_cb(ruv_timer_t *t) {
  (void)t;
  nested_order[nested_n++] = 'b';
}

static void test_nested_run_refused(void) {
  ruv_loop_t loop;
  ruv_timer_t t1, t2;
  memset(&t1, 0, sizeof t1);
  memset(&t2, 0, sizeof t2);
  memset(nested_order, 0, sizeof nested_order);
  nested_n = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t1), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t2), 0);
  CHECK_EQ(ruv_timer_start(&t1, nested_first_cb, 1, 0), 0);
  CHECK_EQ(ruv_timer_start(&t2, nested_second_cb, 3, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0); /* the outer run carries on */
  CHECK_STR(nested_order, "aAb");
  close_loop(&loop);
}

int main(void) {
  test_begin();
  RUN(test_run_empty_loop);
  RUN(test_run_default_returns_0_when_done);
  RUN(test_run_once);
  RUN(test_run_nowait);
  RUN(test_run_once_waits_for_timer);
  RUN(test_run_nowait_does_not_fire_pending_timer);
  RUN(test_stop_from_callback);
  RUN(test_stop_before_run);
  RUN(test_stop_from_timer_with_other_timer_pending);
  RUN(test_loop_alive);
  RUN(test_loop_close_busy);
  RUN(test_loop_close_while_running);
  RUN(test_default_loop);
  RUN(test_now_and_update_time);
  RUN(test_now_updated_after_poll);
  RUN(test_hrtime);
  RUN(test_backend_fd);
  RUN(test_backend_timeout);
  RUN(test_walk);
  RUN(test_walk_init_during_walk);
  RUN(test_walk_skips_handles_freed_during_walk);
  RUN(test_loop_data);
  RUN(test_metrics_idle_time);
  RUN(test_configure_block_signal);
  RUN(test_nested_run_refused);
  return test_end();
}
