/* Timers: order by due time then start order, repeat, ruv_timer_again,
 * repeat and due-in accessors, starting/stopping/closing from callbacks,
 * many timers, argument errors and a huge timeout.
 *
 * Timers follow libuv's current behaviour: the timers due are collected
 * first, then run, so a timer (re)started with timeout 0 from a timer
 * callback runs on the next iteration, not in the same batch. */
#include "test.h"
#include <limits.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

/* every timer's data points at a one-char tag */
static void tag_cb(ruv_timer_t *t) { rec(*(const char *)t->data); }

static int timer_calls;
static void counting_cb(ruv_timer_t *t) {
  (void)t;
  timer_calls++;
}

/* Loop iterations, counted by an unreferenced prepare handle (it runs once
 * per iteration, after the timers). */
static int iterations;
static ruv_prepare_t iter_prepare;

static void iter_prepare_cb(ruv_prepare_t *p) {
  (void)p;
  iterations++;
}

static void start_iteration_counter(ruv_loop_t *loop) {
  memset(&iter_prepare, 0, sizeof iter_prepare);
  iterations = 0;
  CHECK_EQ(ruv_prepare_init(loop, &iter_prepare), 0);
  CHECK_EQ(ruv_prepare_start(&iter_prepare, iter_prepare_cb), 0);
  ruv_unref((ruv_handle_t *)&iter_prepare);
}

static void init_timers(ruv_loop_t *loop, ruv_timer_t *t, int n, const char *tags) {
  memset(t, 0, sizeof *t * (size_t)n);
  for (int i = 0; i < n; i++) {
    CHECK_EQ(ruv_timer_init(loop, &t[i]), 0);
    t[i].data = (void *)(tags + i);
  }
}

/* ---- order -------------------------------------------------------------- */

static void test_order_by_due_time(void) {
  ruv_loop_t loop;
  ruv_timer_t t[4];
  CHECK_EQ(ruv_loop_init(&loop), 0);
  init_timers(&loop, t, 4, "abcd");
  reset_order();
  CHECK_EQ(ruv_timer_start(&t[0], tag_cb, 4, 0), 0);
  CHECK_EQ(ruv_timer_start(&t[1], tag_cb, 1, 0), 0);
  CHECK_EQ(ruv_timer_start(&t[2], tag_cb, 3, 0), 0);
  CHECK_EQ(ruv_timer_start(&t[3], tag_cb, 2, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "bdca");
  close_loop(&loop);
}

static void test_equal_timeouts_in_start_order(void) {
  ruv_loop_t loop;
  ruv_timer_t t[10];
  CHECK_EQ(ruv_loop_init(&loop), 0);
  init_timers(&loop, t, 10, "0123456789");
  reset_order();
  for (int i = 0; i < 10; i++) CHECK_EQ(ruv_timer_start(&t[i], tag_cb, 2, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "0123456789");

  /* restarting a timer moves it behind the others with the same due time */
  reset_order();
  for (int i = 0; i < 5; i++) CHECK_EQ(ruv_timer_start(&t[i], tag_cb, 2, 0), 0);
  CHECK_EQ(ruv_timer_start(&t[1], tag_cb, 2, 0), 0);
  CHECK_EQ(ruv_timer_start(&t[0], tag_cb, 2, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "23410");

  /* timeout 0 timers also run in start order */
  reset_order();
  for (int i = 9; i >= 5; i--) CHECK_EQ(ruv_timer_start(&t[i], tag_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "98765");
  close_loop(&loop);
}

/* ---- repeat ------------------------------------------------------------- */

static uint64_t repeat_now[8];
static uint64_t repeat_due_in[8];
static int repeat_calls;

static void repeat_cb(ruv_timer_t *t) {
  if (repeat_calls < 8) {
    repeat_now[repeat_calls] = ruv_now(t->loop);
    repeat_due_in[repeat_calls] = ruv_timer_get_due_in(t);
  }
  repeat_calls++;
  CHECK(ruv_is_active((ruv_handle_t *)t) != 0); /* re-armed before the call */
  if (repeat_calls == 5) CHECK_EQ(ruv_timer_stop(t), 0);
}

static void test_repeat(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  repeat_calls = 0;
  uint64_t start = ruv_now(&loop);
  CHECK_EQ(ruv_timer_start(&t, repeat_cb, 3, 2), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(repeat_calls, 5);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  /* each call comes no earlier than its due time (the loop's own clock) */
  CHECK(repeat_now[0] >= start + 3);
  for (int i = 1; i < 5; i++) CHECK(repeat_now[i] >= repeat_now[i - 1] + 2);
  for (int i = 0; i < 5; i++) CHECK_EQ(repeat_due_in[i], 2);
  close_loop(&loop);
}

/* ruv_timer_set_repeat on a running one-shot timer makes it repeat; set to
 * 0 from the callback, the timer (already re-armed) fires once more. */
static void set_repeat_cb(ruv_timer_t *t) {
  timer_calls++;
  if (timer_calls == 3) ruv_timer_set_repeat(t, 0);
}

static void test_set_get_repeat(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_get_repeat(&t), 0);
  ruv_timer_set_repeat(&t, 7);
  CHECK_EQ(ruv_timer_get_repeat(&t), 7);
  CHECK_EQ(ruv_timer_start(&t, counting_cb, 100000, 3), 0);
  CHECK_EQ(ruv_timer_get_repeat(&t), 3);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_timer_get_repeat(&t), 3);

  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, set_repeat_cb, 1, 0), 0);
  ruv_timer_set_repeat(&t, 1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 4);
  CHECK_EQ(ruv_timer_get_repeat(&t), 0);
  close_loop(&loop);
}

/* ---- ruv_timer_again ---------------------------------------------------- */

static void again_cb(ruv_timer_t *t) {
  rec('a');
  if (++timer_calls == 3) CHECK_EQ(ruv_timer_stop(t), 0);
}

static void test_timer_again(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);

  /* never started: no callback to restart with */
  CHECK_EQ(ruv_timer_again(&t), RUV_EINVAL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  ruv_timer_set_repeat(&t, 5);
  CHECK_EQ(ruv_timer_again(&t), RUV_EINVAL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);

  /* repeat 0: does nothing, returns 0 (active or stopped) */
  CHECK_EQ(ruv_timer_start(&t, counting_cb, 1000, 0), 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 1000);
  CHECK_EQ(ruv_timer_again(&t), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 1000);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_timer_again(&t), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);

  /* with a repeat: restarts with the repeat as the timeout */
  CHECK_EQ(ruv_timer_start(&t, again_cb, 100000, 2), 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 100000);
  CHECK_EQ(ruv_timer_again(&t), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 2);
  CHECK_EQ(ruv_timer_get_repeat(&t), 2);

  /* also restarts a stopped timer */
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_timer_again(&t), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&t) != 0);
  timer_calls = 0;
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 3);
  CHECK_STR(order, "aaa");
  close_loop(&loop);
}

/* ruv_timer_again from a callback pushes another timer's expiry back */
static ruv_timer_t watchdog;

static void kick_cb(ruv_timer_t *t) {
  rec('k');
  CHECK_EQ(ruv_timer_again(&watchdog), 0);
  if (++timer_calls == 4) CHECK_EQ(ruv_timer_stop(t), 0);
}

static void watchdog_cb(ruv_timer_t *t) {
  rec('W');
  CHECK_EQ(ruv_timer_stop(t), 0);
}

static void test_timer_again_from_callback(void) {
  ruv_loop_t loop;
  ruv_timer_t kicker;
  memset(&kicker, 0, sizeof kicker);
  memset(&watchdog, 0, sizeof watchdog);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &kicker), 0);
  CHECK_EQ(ruv_timer_init(&loop, &watchdog), 0);
  /* the watchdog's repeat (50) is always further away than the kicker's
   * next call (1), however late the loop runs: it fires only after the
   * kicker stopped */
  CHECK_EQ(ruv_timer_start(&watchdog, watchdog_cb, 50, 50), 0);
  CHECK_EQ(ruv_timer_start(&kicker, kick_cb, 1, 1), 0);
  timer_calls = 0;
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "kkkkW");
  close_loop(&loop);
}

/* ---- due in ------------------------------------------------------------- */

static uint64_t due_in_cb_value;
static void due_in_cb(ruv_timer_t *t) {
  timer_calls++;
  due_in_cb_value = ruv_timer_get_due_in(t);
}

static void test_due_in(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 0); /* never started */
  CHECK_EQ(ruv_timer_start(&t, due_in_cb, 100, 0), 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 100); /* relative to the cached ruv_now */
  ruv_update_time(&loop);
  CHECK(ruv_timer_get_due_in(&t) <= 100);
  /* as in libuv, the due time is kept after a stop */
  CHECK_EQ(ruv_timer_start(&t, due_in_cb, 30, 0), 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK(ruv_timer_get_due_in(&t) <= 30);
  /* a one-shot timer is due now while its callback runs, and after */
  timer_calls = 0;
  due_in_cb_value = 12345;
  CHECK_EQ(ruv_timer_start(&t, due_in_cb, 1, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  CHECK_EQ(due_in_cb_value, 0);
  CHECK_EQ(ruv_timer_get_due_in(&t), 0);
  close_loop(&loop);
}

/* ---- re-entrancy -------------------------------------------------------- */

/* One batch of four timers, all due at once; the first one's callback
 * stops the second, restarts the third with timeout 0, and closes the
 * fourth. Only the first runs in this batch; the third runs on the next
 * iteration. */
static ruv_timer_t batch[4];
static int batch_iteration[4];

static void batch_cb(ruv_timer_t *t) {
  int i = (int)(t - batch);
  rec(*(const char *)t->data);
  batch_iteration[i] = iterations;
  if (i == 0) {
    CHECK_EQ(ruv_timer_stop(&batch[1]), 0);
    CHECK_EQ(ruv_timer_start(&batch[2], batch_cb, 0, 0), 0);
    ruv_close((ruv_handle_t *)&batch[3], NULL);
  }
}

static void test_stop_restart_close_in_same_batch(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  init_timers(&loop, batch, 4, "abcd");
  start_iteration_counter(&loop);
  reset_order();
  for (int i = 0; i < 4; i++) CHECK_EQ(ruv_timer_start(&batch[i], batch_cb, 1, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "ac");
  CHECK_EQ(batch_iteration[2], batch_iteration[0] + 1);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&batch[1]), 0);
  CHECK(ruv_is_closing((ruv_handle_t *)&batch[3]) != 0);
  close_loop(&loop);
}

/* A new timer with timeout 0 started from a timer callback runs on the
 * next iteration, after the rest of the current batch. */
static ruv_timer_t spawned;
static int spawner_iteration, spawned_iteration, sibling_iteration;

static void spawned_cb(ruv_timer_t *t) {
  (void)t;
  rec('z');
  spawned_iteration = iterations;
}

static void spawner_cb(ruv_timer_t *t) {
  rec('s');
  spawner_iteration = iterations;
  CHECK_EQ(ruv_timer_init(t->loop, &spawned), 0);
  CHECK_EQ(ruv_timer_start(&spawned, spawned_cb, 0, 0), 0);
}

static void sibling_cb(ruv_timer_t *t) {
  (void)t;
  rec('b');
  sibling_iteration = iterations;
}

static void test_new_zero_timer_from_callback_waits(void) {
  ruv_loop_t loop;
  ruv_timer_t spawner, sibling;
  memset(&spawner, 0, sizeof spawner);
  memset(&sibling, 0, sizeof sibling);
  memset(&spawned, 0, sizeof spawned);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  start_iteration_counter(&loop);
  CHECK_EQ(ruv_timer_init(&loop, &spawner), 0);
  CHECK_EQ(ruv_timer_init(&loop, &sibling), 0);
  CHECK_EQ(ruv_timer_start(&spawner, spawner_cb, 1, 0), 0);
  CHECK_EQ(ruv_timer_start(&sibling, sibling_cb, 1, 0), 0);
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "sbz");
  CHECK_EQ(sibling_iteration, spawner_iteration);
  CHECK_EQ(spawned_iteration, spawner_iteration + 1);
  close_loop(&loop);
}

/* A timer that restarts itself with timeout 0 from its callback runs once
 * per iteration, not in a loop within one iteration. */
static int self_restart_iteration[8];
static int self_restart_calls;

static void self_restart_cb(ruv_timer_t *t) {
  if (self_restart_calls < 8) self_restart_iteration[self_restart_calls] = iterations;
  if (++self_restart_calls < 5) CHECK_EQ(ruv_timer_start(t, self_restart_cb, 0, 0), 0);
}

static void test_restart_running_timer(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  start_iteration_counter(&loop);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  self_restart_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, self_restart_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(self_restart_calls, 5);
  for (int i = 1; i < 5; i++)
    CHECK_EQ(self_restart_iteration[i], self_restart_iteration[i - 1] + 1);
  close_loop(&loop);
}

/* A repeating timer restarted from its own callback uses the new values;
 * stopping it from the callback ends it. */
static void restart_longer_cb(ruv_timer_t *t) {
  rec('r');
  timer_calls++;
  if (timer_calls == 1) {
    CHECK_EQ(ruv_timer_start(t, restart_longer_cb, 2, 0), 0);
    CHECK_EQ(ruv_timer_get_repeat(t), 0);
    CHECK_EQ(ruv_timer_get_due_in(t), 2);
  }
}

static void test_restart_repeating_timer_as_one_shot(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  reset_order();
  CHECK_EQ(ruv_timer_start(&t, restart_longer_cb, 1, 1), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 2);
  CHECK_STR(order, "rr");
  close_loop(&loop);
}

/* Starting a timer restarts it: the earlier start is forgotten. */
static void test_start_restarts(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_cb, 100000, 0), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_cb, 1, 0), 0);
  CHECK_EQ(loop.active_handles, 1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  close_loop(&loop);
}

/* ---- many timers -------------------------------------------------------- */

#define MANY 100000
static int *many_fired;
static int many_n;

static void many_cb(ruv_timer_t *t) {
  if (many_n < MANY) many_fired[many_n] = (int)(intptr_t)t->data;
  many_n++;
}

static void test_many_timers(void) {
  ruv_loop_t loop;
  ruv_timer_t *t = calloc(MANY, sizeof *t);
  many_fired = calloc(MANY, sizeof *many_fired);
  CHECK(t != NULL && many_fired != NULL);
  if (t == NULL || many_fired == NULL) {
    free(t);
    free(many_fired);
    return;
  }
  CHECK_EQ(ruv_loop_init(&loop), 0);
  int init_errors = 0, start_errors = 0;
  for (int i = 0; i < MANY; i++) {
    if (ruv_timer_init(&loop, &t[i]) != 0) init_errors++;
    t[i].data = (void *)(intptr_t)i;
  }
  /* all started at the same cached time: due = now + i % 5 */
  for (int i = 0; i < MANY; i++)
    if (ruv_timer_start(&t[i], many_cb, (uint64_t)(i % 5), 0) != 0) start_errors++;
  CHECK_EQ(init_errors, 0);
  CHECK_EQ(start_errors, 0);
  CHECK_EQ(loop.active_handles, MANY);
  many_n = 0;
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(many_n, MANY);
  /* expected: by due time, then start order */
  int k = 0, misplaced = 0;
  for (int rem = 0; rem < 5; rem++)
    for (int i = rem; i < MANY; i += 5)
      if (many_fired[k++] != i) misplaced++;
  CHECK_EQ(misplaced, 0);
  CHECK_EQ(loop.active_handles, 0);
  close_loop(&loop);
  free(t);
  free(many_fired);
}

/* ---- errors and limits -------------------------------------------------- */

static void test_start_errors(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, NULL, 1, 0), RUV_EINVAL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_timer_again(&t), RUV_EINVAL); /* the failed start set no cb */

  /* stopping a stopped or never-started timer is fine */
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_cb, 100000, 0), 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);

  /* a closing timer cannot be started */
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(ruv_timer_start(&t, counting_cb, 1, 0), RUV_EINVAL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

static void test_huge_timeout(void) {
  ruv_loop_t loop;
  ruv_timer_t huge, small;
  memset(&huge, 0, sizeof huge);
  memset(&small, 0, sizeof small);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &huge), 0);
  CHECK_EQ(ruv_timer_init(&loop, &small), 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&huge, counting_cb, UINT64_MAX, 0), 0);
  /* the due time saturates instead of wrapping round to the past */
  CHECK_EQ(ruv_timer_get_due_in(&huge), UINT64_MAX - ruv_now(&loop));
  CHECK(ruv_timer_get_due_in(&huge) > UINT64_MAX / 2);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(timer_calls, 0);
  CHECK_EQ(ruv_backend_timeout(&loop), INT_MAX); /* clamped */

  /* a short timer alongside it fires; the huge one does not */
  CHECK_EQ(ruv_timer_start(&small, tag_cb, 1, 0), 0);
  small.data = "s";
  reset_order();
  ruv_unref((ruv_handle_t *)&huge);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "s");
  CHECK_EQ(timer_calls, 0);
  CHECK(ruv_is_active((ruv_handle_t *)&huge) != 0);
  CHECK(ruv_timer_get_due_in(&huge) > UINT64_MAX / 2);

  /* a huge repeat: fires once, then is re-armed far in the future */
  CHECK_EQ(ruv_timer_start(&small, tag_cb, 0, UINT64_MAX), 0);
  reset_order();
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "s");
  CHECK(ruv_is_active((ruv_handle_t *)&small) != 0);
  CHECK(ruv_timer_get_due_in(&small) > UINT64_MAX / 2);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "s");
  CHECK_EQ(ruv_timer_stop(&small), 0);
  CHECK_EQ(ruv_timer_stop(&huge), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  close_loop(&loop);
}

int main(void) {
  test_begin();
  RUN(test_order_by_due_time);
  RUN(test_equal_timeouts_in_start_order);
  RUN(test_repeat);
  RUN(test_set_get_repeat);
  RUN(test_timer_again);
  RUN(test_timer_again_from_callback);
  RUN(test_due_in);
  RUN(test_stop_restart_close_in_same_batch);
  RUN(test_new_zero_timer_from_callback_waits);
  RUN(test_restart_running_timer);
  RUN(test_restart_repeating_timer_as_one_shot);
  RUN(test_start_restarts);
  RUN(test_many_timers);
  RUN(test_start_errors);
  RUN(test_huge_timeout);
  return test_end();
}
