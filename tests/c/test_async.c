/* Async handles: the one thread-safe way to wake a loop. Sends from other
 * threads, coalescing, delivery of every send that follows a callback,
 * closing, and sends on a closing or closed handle. Threads are joined before
 * each test returns and before any handle memory is released. */
#include "test.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

static pthread_t loop_thread;

/* ---- active from init, keeps the loop alive --------------------------------- */

static int plain_count;
static int plain_wrong_thread;

static void plain_cb(ruv_async_t *h) {
  (void)h;
  plain_count++;
  if (!pthread_equal(pthread_self(), loop_thread)) plain_wrong_thread++;
}

static void test_active_after_init(void) {
  ruv_loop_t loop;
  ruv_async_t a;
  plain_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, plain_cb), 0);
  CHECK_EQ(a.type, RUV_ASYNC);
  CHECK(a.loop == &loop);
  CHECK(ruv_is_active((ruv_handle_t *)&a));
  CHECK(ruv_has_ref((ruv_handle_t *)&a));
  CHECK(!ruv_is_closing((ruv_handle_t *)&a));
  CHECK_EQ(loop.active_handles, 1);
  CHECK(ruv_loop_alive(&loop) != 0);
  /* nothing sent: an iteration runs no callback, the loop stays alive */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(plain_count, 0);
  /* unreferenced, it does not keep the loop alive: DEFAULT returns */
  ruv_unref((ruv_handle_t *)&a);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&a)); /* still active */
  ruv_ref((ruv_handle_t *)&a);
  CHECK(ruv_loop_alive(&loop) != 0);
  close_loop(&loop);
}

/* ---- coalescing ----------------------------------------------------------------- */

static void test_sends_coalesce(void) {
  ruv_loop_t loop;
  ruv_async_t a, b;
  plain_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, plain_cb), 0);
  CHECK_EQ(ruv_async_init(&loop, &b, NULL), 0);
  for (int i = 0; i < 5; i++) CHECK_EQ(ruv_async_send(&a), 0);
  CHECK_EQ(plain_count, 0); /* never from inside ruv_async_send */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(plain_count, 1);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(plain_count, 1);
  /* a send after the callback is a new one */
  CHECK_EQ(ruv_async_send(&a), 0);
  CHECK_EQ(ruv_async_send(&a), 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(plain_count, 2);
  /* a send to another handle does not call this one's callback */
  CHECK_EQ(ruv_async_send(&b), 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(plain_count, 2);
  close_loop(&loop);
}

/* ---- a NULL callback ------------------------------------------------------------- */

static void test_null_callback(void) {
  ruv_loop_t loop;
  ruv_async_t a;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, NULL), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&a));
  CHECK_EQ(ruv_async_send(&a), 0);
  CHECK_EQ(ruv_async_send(&a), 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0); /* wakes, calls nothing */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(ruv_async_send(&a), 0);
  close_loop(&loop);
}

/* ---- sending from callbacks on the loop thread ------------------------------------ */

static int self_count;
static int close_cb_count;

static void count_close_cb(ruv_handle_t *h) { (void)h; close_cb_count++; }

static void self_send_cb(ruv_async_t *h) {
  self_count++;
  if (self_count < 3) {
    CHECK_EQ(ruv_async_send(h), 0); /* runs again, on a later iteration */
  } else {
    ruv_close((ruv_handle_t *)h, count_close_cb);
    CHECK(ruv_is_closing((ruv_handle_t *)h));
    CHECK_EQ(ruv_async_send(h), RUV_EBADF); /* closing: refused */
  }
}

static ruv_async_t *idle_target;
static void send_from_idle_cb(ruv_idle_t *h) {
  CHECK_EQ(ruv_async_send(idle_target), 0);
  CHECK_EQ(ruv_idle_stop(h), 0);
}

static void test_callback_sends_and_closes(void) {
  ruv_loop_t loop;
  ruv_async_t a;
  ruv_idle_t idle;
  self_count = close_cb_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, self_send_cb), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  idle_target = &a;
  CHECK_EQ(ruv_idle_start(&idle, send_from_idle_cb), 0);
  /* the idle callback sends once; the async callback sends to itself twice,
   * then closes its handle, which ends the run */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(self_count, 3);
  CHECK_EQ(close_cb_count, 1);
  /* after its close callback: refused, no crash */
  CHECK_EQ(ruv_async_send(&a), RUV_EBADF);
  CHECK(!ruv_is_active((ruv_handle_t *)&a));
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) == 0);
  CHECK_EQ(self_count, 3);
  close_loop(&loop);
}

/* A send followed by a close before the loop looks: the callback never runs
 * (pending callbacks of a closed handle are dropped). */
static void test_close_drops_pending_send(void) {
  ruv_loop_t loop;
  ruv_async_t a;
  plain_count = close_cb_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, plain_cb), 0);
  CHECK_EQ(ruv_async_send(&a), 0);
  ruv_close((ruv_handle_t *)&a, count_close_cb);
  CHECK(!ruv_is_active((ruv_handle_t *)&a));
  CHECK_EQ(ruv_async_send(&a), RUV_EBADF);
  CHECK_EQ(close_cb_count, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(plain_count, 0);
  CHECK_EQ(close_cb_count, 1);
  CHECK_EQ(ruv_async_send(&a), RUV_EBADF);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  /* still refused once the loop itself is gone */
  CHECK_EQ(ruv_async_send(&a), RUV_EBADF);
}

/* ---- many threads sending many times -------------------------------------------- */

#define THREADS 4
#define SENDS 10000

static ruv_async_t storm_async, storm_done;
static atomic_int storm_finished;
static atomic_int storm_bad_returns;

static void *storm_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < SENDS; i++)
    if (ruv_async_send(&storm_async) != 0) atomic_fetch_add(&storm_bad_returns, 1);
  atomic_fetch_add(&storm_finished, 1);
  if (ruv_async_send(&storm_done) != 0) atomic_fetch_add(&storm_bad_returns, 1);
  return NULL;
}

static void test_many_threads_send(void) {
  ruv_loop_t loop;
  pthread_t th[THREADS];
  plain_count = plain_wrong_thread = 0;
  atomic_store(&storm_finished, 0);
  atomic_store(&storm_bad_returns, 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &storm_async, plain_cb), 0);
  CHECK_EQ(ruv_async_init(&loop, &storm_done, NULL), 0);
  for (int i = 0; i < THREADS; i++)
    CHECK_EQ(pthread_create(&th[i], NULL, storm_thread, NULL), 0);
  /* Each thread counts itself finished, then sends `storm_done`: the last
   * one's send wakes the ONCE after the count reached THREADS. */
  int iterations = 0;
  while (atomic_load(&storm_finished) < THREADS) {
    ruv_run(&loop, RUV_RUN_ONCE);
    iterations++;
  }
  for (int i = 0; i < THREADS; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
  /* a send not yet delivered is delivered now */
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(atomic_load(&storm_bad_returns), 0);
  CHECK(plain_count >= 1);
  CHECK(plain_count <= THREADS * SENDS);
  CHECK(plain_count <= iterations + 1);
  CHECK_EQ(plain_wrong_thread, 0);
  /* and nothing is left pending */
  int before = plain_count;
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(plain_count, before);
  close_loop(&loop);
}

/* ---- the handshake: every send after a callback is delivered --------------------- */

#define HANDSHAKES 2000

static ruv_async_t shake_async;
static atomic_int shake_acks;
static int shake_calls;

static void shake_cb(ruv_async_t *h) {
  shake_calls++;
  int acks = atomic_fetch_add(&shake_acks, 1) + 1;
  if (acks == HANDSHAKES) ruv_close((ruv_handle_t *)h, NULL);
}

static void *shake_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < HANDSHAKES; i++) {
    ruv_async_send(&shake_async);
    while (atomic_load(&shake_acks) < i + 1) sched_yield();
  }
  return NULL;
}

static void test_handshake_delivers_every_send(void) {
  ruv_loop_t loop;
  pthread_t th;
  shake_calls = 0;
  atomic_store(&shake_acks, 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, &shake_async, shake_cb), 0);
  CHECK_EQ(pthread_create(&th, NULL, shake_thread, NULL), 0);
  /* runs until the callback closes the handle after the last handshake */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(pthread_join(th, NULL), 0);
  CHECK_EQ(shake_calls, HANDSHAKES);
  CHECK_EQ(atomic_load(&shake_acks), HANDSHAKES);
  close_loop(&loop);
}

/* ---- closing while other threads keep sending ---------------------------------- */

static ruv_async_t *race_async; /* heap: freed only after the threads are joined */
static atomic_int race_stop;
static atomic_int race_ok, race_ebadf, race_other;
static atomic_int race_threads_saw_ebadf;
static int race_calls, race_calls_at_close, race_close_cbs;

static void *race_thread(void *arg) {
  (void)arg;
  int saw_ebadf = 0;
  while (!atomic_load(&race_stop)) {
    int r = ruv_async_send(race_async);
    if (r == 0) {
      atomic_fetch_add(&race_ok, 1);
    } else if (r == RUV_EBADF) {
      atomic_fetch_add(&race_ebadf, 1);
      if (!saw_ebadf) {
        saw_ebadf = 1;
        atomic_fetch_add(&race_threads_saw_ebadf, 1);
      }
    } else {
      atomic_fetch_add(&race_other, 1);
    }
  }
  return NULL;
}

static void race_close_cb(ruv_handle_t *h) {
  (void)h;
  race_close_cbs++;
}

static void race_cb(ruv_async_t *h) {
  if (++race_calls == 3) {
    race_calls_at_close = race_calls;
    ruv_close((ruv_handle_t *)h, race_close_cb);
  }
}

static void test_close_while_threads_send(void) {
  ruv_loop_t loop;
  pthread_t th[THREADS];
  race_calls = race_calls_at_close = race_close_cbs = 0;
  atomic_store(&race_stop, 0);
  atomic_store(&race_ok, 0);
  atomic_store(&race_ebadf, 0);
  atomic_store(&race_other, 0);
  atomic_store(&race_threads_saw_ebadf, 0);
  race_async = malloc(sizeof *race_async);
  CHECK(race_async != NULL);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_async_init(&loop, race_async, race_cb), 0);
  for (int i = 0; i < THREADS; i++)
    CHECK_EQ(pthread_create(&th[i], NULL, race_thread, NULL), 0);
  /* the third callback closes the handle; then nothing keeps the loop alive */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(race_close_cbs, 1);
  CHECK_EQ(race_calls, 3);
  /* the threads go on sending to the closed handle: refused each time */
  while (atomic_load(&race_threads_saw_ebadf) < THREADS) sched_yield();
  int ok_after_close = atomic_load(&race_ok);
  int refused = 0;
  for (int i = 0; i < 1000; i++) refused += ruv_async_send(race_async) == RUV_EBADF;
  CHECK_EQ(refused, 1000);
  CHECK_EQ(atomic_load(&race_ok), ok_after_close); /* no success after the close */
  atomic_store(&race_stop, 1);
  for (int i = 0; i < THREADS; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
  CHECK(atomic_load(&race_ok) >= 3);
  CHECK(atomic_load(&race_ebadf) >= THREADS);
  CHECK_EQ(atomic_load(&race_other), 0);
  CHECK_EQ(race_calls, race_calls_at_close); /* no callback after the close */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(race_calls, 3);
  close_loop(&loop);
  free(race_async); /* every sender has stopped */
}

int main(void) {
  test_begin();
  loop_thread = pthread_self();
  RUN(test_active_after_init);
  RUN(test_sends_coalesce);
  RUN(test_null_callback);
  RUN(test_callback_sends_and_closes);
  RUN(test_close_drops_pending_send);
  RUN(test_many_threads_send);
  RUN(test_handshake_delivers_every_send);
  RUN(test_close_while_threads_send);
  return test_end();
}
