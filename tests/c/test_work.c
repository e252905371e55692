/* The thread pool: ruv_queue_work and ruv_cancel.
 *
 * work_cb runs on a pool thread, after_work_cb on the loop's thread from the
 * loop (never inside ruv_queue_work), with 0 or RUV_ECANCELED; a request
 * keeps the loop alive (active_reqs.count, ruv_loop_close's RUV_EBUSY) until
 * its callback; cancel takes a queued request off (RUV_EBUSY once it runs);
 * the pool's size comes from RUV_THREADPOOL_SIZE, else UV_THREADPOOL_SIZE;
 * ruv_library_shutdown joins the workers (and the next request starts a new
 * pool). Every callback is counted: each runs exactly once. */
#include "test.h"
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

static pthread_t main_thread;

static void sleep_ms(int ms) {
  struct timespec ts = {0, ms * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- one request ---------------------------------------------------------------- */

static atomic_int work_calls, work_on_main;
static int after_calls, after_on_other, after_status, in_queue_call;
static ruv_loop_t *after_loop;

static void count_work(ruv_work_t *req) {
  (void)req;
  atomic_fetch_add(&work_calls, 1);
  if (pthread_equal(pthread_self(), main_thread)) atomic_fetch_add(&work_on_main, 1);
  rec('w');
}

static void count_after(ruv_work_t *req, int status) {
  after_calls++;
  after_status = status;
  after_loop = req->loop;
  if (!pthread_equal(pthread_self(), main_thread)) after_on_other++;
  CHECK_EQ(in_queue_call, 0);
  rec('a');
}

static void test_one_request(void) {
  ruv_loop_t loop;
  ruv_work_t req;
  memset(&req, 0, sizeof req);
  work_calls = work_on_main = 0;
  after_calls = after_on_other = 0;
  after_status = 12345;
  reset_order();
  CHECK_EQ(ruv_loop_init(&loop), 0);
  in_queue_call = 1;
  CHECK_EQ(ruv_queue_work(&loop, &req, count_work, count_after), 0);
  in_queue_call = 0;
  CHECK_EQ(req.type, RUV_WORK);
  CHECK(req.loop == &loop);
  CHECK(req.work_cb == count_work);
  CHECK(req.after_work_cb == count_after);
  CHECK_EQ(loop.active_reqs.count, 1);
  CHECK_EQ(ruv_loop_alive(&loop), 1);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY); /* a request in flight */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(atomic_load(&work_calls), 1);
  CHECK_EQ(atomic_load(&work_on_main), 0); /* a pool thread */
  CHECK_EQ(after_calls, 1);
  CHECK_EQ(after_on_other, 0); /* the loop's thread */
  CHECK_EQ(after_status, 0);
  CHECK(after_loop == &loop);
  CHECK_STR(order, "wa");
  CHECK_EQ(loop.active_reqs.count, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* after_work_cb may be NULL: the request still ends and the loop with it */
static void test_null_after_cb(void) {
  ruv_loop_t loop;
  ruv_work_t req;
  work_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_queue_work(&loop, &req, count_work, NULL), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(atomic_load(&work_calls), 1);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- many requests, and a request from a callback ----------------------------------- */

#define MANY 1000
static ruv_work_t many[MANY];
static int many_after[MANY];
static atomic_int many_work[MANY];

static void many_work_cb(ruv_work_t *req) { atomic_fetch_add(&many_work[req - many], 1); }
static void many_after_cb(ruv_work_t *req, int status) {
  CHECK_EQ(status, 0);
  many_after[req - many]++;
}

static void test_many(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  for (int i = 0; i < MANY; i++) {
    many_after[i] = 0;
    atomic_store(&many_work[i], 0);
    CHECK_EQ(ruv_queue_work(&loop, &many[i], many_work_cb, many_after_cb), 0);
  }
  CHECK_EQ(loop.active_reqs.count, MANY);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  int once = 0;
  for (int i = 0; i < MANY; i++) once += many_after[i] == 1 && atomic_load(&many_work[i]) == 1;
  CHECK_EQ(once, MANY);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

static ruv_work_t chained[3];
static int chain_after;
static void chain_after_cb(ruv_work_t *req, int status) {
  CHECK_EQ(status, 0);
  chain_after++;
  if (req < &chained[2]) CHECK_EQ(ruv_queue_work(req->loop, req + 1, count_work, chain_after_cb), 0);
}

/* a request queued from an after-work callback runs too */
static void test_chain(void) {
  ruv_loop_t loop;
  chain_after = 0;
  work_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_queue_work(&loop, &chained[0], count_work, chain_after_cb), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(chain_after, 3);
  CHECK_EQ(atomic_load(&work_calls), 3);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- cancel ------------------------------------------------------------------------ */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;

static void gated_work(ruv_work_t *req) {
  (void)req;
  pthread_mutex_lock(&gate_lock);
  gate_waiting++;
  pthread_cond_broadcast(&gate_cond);
  while (!gate_open) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
  atomic_fetch_add(&work_calls, 1);
}

static void wait_for_waiting(int n) {
  pthread_mutex_lock(&gate_lock);
  while (gate_waiting < n) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
}

static void open_gate(void) {
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
}

#define POOL 3 /* RUV_THREADPOOL_SIZE, set in main */
#define QUEUED 5
static ruv_work_t running[POOL], queued[QUEUED];
static int statuses[POOL + QUEUED], calls[POOL + QUEUED];

static void record_after(ruv_work_t *req, int status) {
  int i = req < queued + QUEUED && req >= queued ? POOL + (int)(req - queued) : (int)(req - running);
  statuses[i] = status;
  calls[i]++;
  CHECK_EQ(in_queue_call, 0);
}

/* every thread busy: the requests queued behind them can be cancelled (their
 * callbacks get RUV_ECANCELED, from the loop, and their work never runs);
 * running ones cannot (RUV_EBUSY), nor one cancelled already */
static void test_cancel(void) {
  ruv_loop_t loop;
  work_calls = 0;
  gate_open = gate_waiting = 0;
  memset(calls, 0, sizeof calls);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  for (int i = 0; i < POOL; i++) CHECK_EQ(ruv_queue_work(&loop, &running[i], gated_work, record_after), 0);
  wait_for_waiting(POOL);
  for (int i = 0; i < QUEUED; i++) CHECK_EQ(ruv_queue_work(&loop, &queued[i], gated_work, record_after), 0);
  in_queue_call = 1; /* no callback inside ruv_cancel either */
  for (int i = 0; i < QUEUED; i++) CHECK_EQ(ruv_cancel((ruv_req_t *)&queued[i]), 0);
  CHECK_EQ(ruv_cancel((ruv_req_t *)&queued[0]), RUV_EBUSY); /* not queued any more */
  CHECK_EQ(ruv_cancel((ruv_req_t *)&running[0]), RUV_EBUSY);
  in_queue_call = 0;
  CHECK_EQ(loop.active_reqs.count, POOL + QUEUED); /* cancelled ones until their callback */
  open_gate();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  for (int i = 0; i < POOL + QUEUED; i++) {
    CHECK_EQ(calls[i], 1);
    CHECK_EQ(statuses[i], i < POOL ? 0 : RUV_ECANCELED);
  }
  CHECK_EQ(atomic_load(&work_calls), POOL); /* the cancelled work never ran */
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- misuse -------------------------------------------------------------------------- */

static void test_errors(void) {
  ruv_loop_t loop, never;
  ruv_work_t req;
  memset(&never, 0, sizeof never);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_queue_work(NULL, &req, count_work, count_after), RUV_EINVAL);
  CHECK_EQ(ruv_queue_work(&loop, NULL, count_work, count_after), RUV_EINVAL);
  CHECK_EQ(ruv_queue_work(&loop, &req, NULL, count_after), RUV_EINVAL);
  CHECK_EQ(ruv_queue_work(&never, &req, count_work, count_after), RUV_EINVAL);
  CHECK_EQ(loop.active_reqs.count, 0);
  CHECK_EQ(ruv_cancel(NULL), RUV_EINVAL);
  /* writes, connects and shutdowns cannot be cancelled, as in libuv */
  ruv_write_t w;
  memset(&w, 0, sizeof w);
  w.type = RUV_WRITE;
  CHECK_EQ(ruv_cancel((ruv_req_t *)&w), RUV_EINVAL);
  ruv_connect_t c;
  memset(&c, 0, sizeof c);
  c.type = RUV_CONNECT;
  CHECK_EQ(ruv_cancel((ruv_req_t *)&c), RUV_EINVAL);
  /* a work request that was never queued, on a loop that was never set up */
  memset(&req, 0, sizeof req);
  req.type = RUV_WORK;
  CHECK_EQ(ruv_cancel((ruv_req_t *)&req), RUV_EINVAL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- the pool's size, and shutting it down -------------------------------------------- */

static atomic_int now_running, most_running;

static void slow_work(ruv_work_t *req) {
  (void)req;
  int n = atomic_fetch_add(&now_running, 1) + 1;
  int m = atomic_load(&most_running);
  while (n > m && !atomic_compare_exchange_weak(&most_running, &m, n)) {
  }
  sleep_ms(20);
  atomic_fetch_sub(&now_running, 1);
}

/* the most work callbacks running at once, for 12 requests of 20 ms */
static int concurrency(void) {
  ruv_loop_t loop;
  ruv_work_t reqs[12];
  now_running = most_running = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  for (int i = 0; i < 12; i++) CHECK_EQ(ruv_queue_work(&loop, &reqs[i], slow_work, NULL), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  return atomic_load(&most_running);
}

static void test_pool_size(void) {
  int before = count_threads();
  CHECK_EQ(concurrency(), POOL); /* RUV_THREADPOOL_SIZE=3 */
  CHECK_EQ(count_threads(), before);
  ruv_library_shutdown();
  CHECK_EQ(wait_thread_count(before - POOL), before - POOL); /* joined */
  ruv_library_shutdown();                  /* twice is fine */
  /* libuv's variable when ruv's is unset; the next request starts a new pool */
  unsetenv("RUV_THREADPOOL_SIZE");
  setenv("UV_THREADPOOL_SIZE", "2", 1);
  CHECK_EQ(concurrency(), 2);
  CHECK_EQ(wait_thread_count(before - POOL + 2), before - POOL + 2);
  ruv_library_shutdown();
  /* ruv's wins over libuv's */
  setenv("RUV_THREADPOOL_SIZE", "4", 1);
  CHECK_EQ(concurrency(), 4);
  ruv_library_shutdown();
  CHECK_EQ(wait_thread_count(before - POOL), before - POOL);
  setenv("RUV_THREADPOOL_SIZE", "3", 1);
}

int main(void) {
  test_begin();
  main_thread = pthread_self();
  /* read when the pool starts: before the first request */
  setenv("RUV_THREADPOOL_SIZE", "3", 1);
  RUN(test_one_request);
  RUN(test_null_after_cb);
  RUN(test_many);
  RUN(test_chain);
  RUN(test_cancel);
  RUN(test_errors);
  RUN(test_pool_size);
  ruv_library_shutdown(); /* the workers joined, for valgrind */
  CHECK_EQ(count_threads(), 1);
  return test_end();
}
