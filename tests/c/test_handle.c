/* What every handle has: ruv_close and its callback, is_active/is_closing,
 * ref counting, types and their names, data and loop accessors, ruv_fileno,
 * the request helpers, and re-entrancy around closing. */
#include "test.h"
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

/* every handle's data points at a one-char tag */
static void tagged_close_cb(ruv_handle_t *h) { rec(*(const char *)h->data); }

static int close_calls;
static void counting_close_cb(ruv_handle_t *h) {
  (void)h;
  close_calls++;
}

static int timer_calls;
static void counting_timer_cb(ruv_timer_t *t) {
  (void)t;
  timer_calls++;
}

static void rec_idle_cb(ruv_idle_t *h) { (void)h; rec('I'); }
static void rec_prepare_cb(ruv_prepare_t *h) { (void)h; rec('P'); }
static void rec_check_cb(ruv_check_t *h) { (void)h; rec('C'); }

/* ---- close callbacks ---------------------------------------------------- */

static void test_close_cb_runs_once_later(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  close_calls = 0;
  timer_calls = 0;
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  CHECK_EQ(close_calls, 0); /* never inside ruv_close */
  CHECK(ruv_is_closing((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(close_calls, 1);
  CHECK(ruv_is_closing((ruv_handle_t *)&t) != 0); /* still, after the callback */
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(close_calls, 1); /* exactly once */
  CHECK_EQ(timer_calls, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* close callbacks run in the close phase: after idle, prepare, poll, check */
static ruv_timer_t phase_timer;

static void closing_timer_cb(ruv_timer_t *t) {
  rec('T');
  ruv_close((ruv_handle_t *)t, tagged_close_cb);
  rec('t');
}

static void test_close_cb_in_close_phase(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  memset(&idle, 0, sizeof idle);
  memset(&prepare, 0, sizeof prepare);
  memset(&check, 0, sizeof check);
  memset(&phase_timer, 0, sizeof phase_timer);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_timer_init(&loop, &phase_timer), 0);
  phase_timer.data = "X";
  CHECK_EQ(ruv_idle_start(&idle, rec_idle_cb), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, rec_prepare_cb), 0);
  CHECK_EQ(ruv_check_start(&check, rec_check_cb), 0);
  close_calls = 0;
  reset_order();

  /* closed before the run */
  ruv_close((ruv_handle_t *)&phase_timer, tagged_close_cb);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "IPCX");

  /* closed from its own timer callback */
  memset(&phase_timer, 0, sizeof phase_timer);
  CHECK_EQ(ruv_timer_init(&loop, &phase_timer), 0);
  phase_timer.data = "X";
  CHECK_EQ(ruv_timer_start(&phase_timer, closing_timer_cb, 0, 0), 0);
  reset_order();
  /* libuv 1.52's order: in NOWAIT and ONCE the timers run at the end of the
   * iteration, so the timer's close callback waits for the next one. */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "IPCTt");
  reset_order();
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(order, "IPCX");
  close_loop(&loop);
}

/* A close callback that closes another handle: that one's callback waits
 * for the next iteration's close phase. */
static ruv_timer_t chain_a, chain_b;

static void chain_close_cb(ruv_handle_t *h) {
  rec(*(const char *)h->data);
  if (h == (ruv_handle_t *)&chain_a) ruv_close((ruv_handle_t *)&chain_b, tagged_close_cb);
}

static void test_close_from_close_cb(void) {
  ruv_loop_t loop;
  ruv_check_t check;
  memset(&check, 0, sizeof check);
  memset(&chain_a, 0, sizeof chain_a);
  memset(&chain_b, 0, sizeof chain_b);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_check_start(&check, rec_check_cb), 0);
  ruv_unref((ruv_handle_t *)&check);
  CHECK_EQ(ruv_timer_init(&loop, &chain_a), 0);
  CHECK_EQ(ruv_timer_init(&loop, &chain_b), 0);
  chain_a.data = "a";
  chain_b.data = "b";
  reset_order();
  ruv_close((ruv_handle_t *)&chain_a, chain_close_cb);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0); /* b's close is due */
  CHECK_STR(order, "Ca");
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_STR(order, "CaCb");
  close_loop(&loop);
}

/* libuv runs the close callbacks of one iteration last-closed first */
static void test_close_order_is_lifo(void) {
  ruv_loop_t loop;
  ruv_timer_t a, b;
  ruv_idle_t c;
  ruv_check_t d;
  ruv_async_t e;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  memset(&c, 0, sizeof c);
  memset(&d, 0, sizeof d);
  memset(&e, 0, sizeof e);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &a), 0);
  CHECK_EQ(ruv_timer_init(&loop, &b), 0);
  CHECK_EQ(ruv_idle_init(&loop, &c), 0);
  CHECK_EQ(ruv_check_init(&loop, &d), 0);
  CHECK_EQ(ruv_async_init(&loop, &e, NULL), 0);
  a.data = "a";
  b.data = "b";
  c.data = "c";
  d.data = "d";
  e.data = "e";
  reset_order();
  ruv_close((ruv_handle_t *)&b, tagged_close_cb);
  ruv_close((ruv_handle_t *)&d, tagged_close_cb);
  ruv_close((ruv_handle_t *)&a, tagged_close_cb);
  ruv_close((ruv_handle_t *)&e, tagged_close_cb);
  ruv_close((ruv_handle_t *)&c, tagged_close_cb);
  CHECK_STR(order, "");
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "ceadb");
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

static void test_close_cb_null(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  memset(&idle, 0, sizeof idle);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, rec_idle_cb), 0);
  ruv_close((ruv_handle_t *)&idle, NULL);
  CHECK(ruv_is_closing((ruv_handle_t *)&idle) != 0);
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, ""); /* a closed idle handle does not run */
  CHECK(ruv_is_closing((ruv_handle_t *)&idle) != 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ruv: closing twice prints one line and does nothing more (libuv asserts) */
static void test_close_twice_is_harmless(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  fprintf(stderr, "(the next line is expected)\n");
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- is_active, ref/unref ----------------------------------------------- */

static void test_is_active(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t idle;
  ruv_async_t async;
  memset(&t, 0, sizeof t);
  memset(&idle, 0, sizeof idle);
  memset(&async, 0, sizeof async);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_is_closing((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&t) != 0);
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0); /* closing: not active */

  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, rec_idle_cb), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&idle) != 0);
  CHECK_EQ(ruv_idle_stop(&idle), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&idle), 0);

  CHECK_EQ(ruv_async_init(&loop, &async, NULL), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&async) != 0); /* active from init */
  ruv_close((ruv_handle_t *)&async, NULL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&async), 0);
  close_loop(&loop);
}

static void test_ref_unref(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK(ruv_has_ref((ruv_handle_t *)&t) != 0); /* referenced from init */
  ruv_unref((ruv_handle_t *)&t);
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&t), 0);
  ruv_unref((ruv_handle_t *)&t); /* idempotent */
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&t), 0);
  ruv_ref((ruv_handle_t *)&t);
  CHECK(ruv_has_ref((ruv_handle_t *)&t) != 0);
  ruv_ref((ruv_handle_t *)&t); /* idempotent */
  CHECK(ruv_has_ref((ruv_handle_t *)&t) != 0);

  /* one active, referenced handle counts once however often ref'd */
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 1, 0), 0);
  CHECK_EQ(loop.active_handles, 1);
  ruv_ref((ruv_handle_t *)&t);
  CHECK_EQ(loop.active_handles, 1);
  ruv_unref((ruv_handle_t *)&t);
  ruv_unref((ruv_handle_t *)&t);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);

  /* an unreferenced active timer does not keep ruv_run going */
  timer_calls = 0;
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 0);
  CHECK(ruv_is_active((ruv_handle_t *)&t) != 0);

  /* referenced once again (after two unrefs), it does */
  ruv_ref((ruv_handle_t *)&t);
  CHECK_EQ(loop.active_handles, 1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  CHECK_EQ(loop.active_handles, 0);

  /* ref state survives stop and start */
  ruv_unref((ruv_handle_t *)&t);
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 1, 0), 0);
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&t), 0);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  CHECK_EQ(ruv_timer_stop(&t), 0);
  ruv_ref((ruv_handle_t *)&t);
  CHECK_EQ(loop.active_handles, 0); /* stopped: not counted */

  /* a closing handle keeps its ref flag; after its close callback it has
   * none (as in libuv) */
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 100000, 0), 0);
  CHECK_EQ(loop.active_handles, 1);
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(loop.active_handles, 0);
  CHECK(ruv_has_ref((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&t), 0);
  CHECK_EQ(timer_calls, 1);
  close_loop(&loop);
}

/* ---- types, names, accessors -------------------------------------------- */

static void test_handle_types(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  ruv_async_t async;
  ruv_poll_t poll;
  memset(&t, 0, sizeof t);
  memset(&idle, 0, sizeof idle);
  memset(&prepare, 0, sizeof prepare);
  memset(&check, 0, sizeof check);
  memset(&async, 0, sizeof async);
  memset(&poll, 0, sizeof poll);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_async_init(&loop, &async, NULL), 0);
  CHECK_EQ(ruv_poll_init(&loop, &poll, fds[0]), 0);

  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&t), RUV_TIMER);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&idle), RUV_IDLE);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&prepare), RUV_PREPARE);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&check), RUV_CHECK);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&async), RUV_ASYNC);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&poll), RUV_POLL);
  CHECK_EQ(t.type, RUV_TIMER);
  CHECK_EQ(idle.type, RUV_IDLE);
  CHECK_EQ(prepare.type, RUV_PREPARE);
  CHECK_EQ(check.type, RUV_CHECK);
  CHECK_EQ(async.type, RUV_ASYNC);
  CHECK_EQ(poll.type, RUV_POLL);
  CHECK_STR(ruv_handle_type_name(ruv_handle_get_type((ruv_handle_t *)&t)), "timer");
  CHECK_STR(ruv_handle_type_name(ruv_handle_get_type((ruv_handle_t *)&poll)), "poll");

  /* the type stays readable while closing and after the close callback */
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&t), RUV_TIMER);
  close_loop(&loop);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&t), RUV_TIMER);
  close(fds[0]);
  close(fds[1]);
}

static void test_handle_type_names(void) {
  CHECK_STR(ruv_handle_type_name(RUV_ASYNC), "async");
  CHECK_STR(ruv_handle_type_name(RUV_CHECK), "check");
  CHECK_STR(ruv_handle_type_name(RUV_FS_EVENT), "fs_event");
  CHECK_STR(ruv_handle_type_name(RUV_FS_POLL), "fs_poll");
  CHECK_STR(ruv_handle_type_name(RUV_HANDLE), "handle");
  CHECK_STR(ruv_handle_type_name(RUV_IDLE), "idle");
  CHECK_STR(ruv_handle_type_name(RUV_NAMED_PIPE), "pipe");
  CHECK_STR(ruv_handle_type_name(RUV_POLL), "poll");
  CHECK_STR(ruv_handle_type_name(RUV_PREPARE), "prepare");
  CHECK_STR(ruv_handle_type_name(RUV_PROCESS), "process");
  CHECK_STR(ruv_handle_type_name(RUV_STREAM), "stream");
  CHECK_STR(ruv_handle_type_name(RUV_TCP), "tcp");
  CHECK_STR(ruv_handle_type_name(RUV_TIMER), "timer");
  CHECK_STR(ruv_handle_type_name(RUV_TTY), "tty");
  CHECK_STR(ruv_handle_type_name(RUV_UDP), "udp");
  CHECK_STR(ruv_handle_type_name(RUV_SIGNAL), "signal");
  /* libuv (1.44 and current) names RUV_FILE "file" */
  CHECK_STR(ruv_handle_type_name(RUV_FILE), "file");
  CHECK(ruv_handle_type_name(RUV_UNKNOWN_HANDLE) == NULL);
  CHECK(ruv_handle_type_name(RUV_HANDLE_TYPE_MAX) == NULL);
  CHECK(ruv_handle_type_name(99) == NULL);
  CHECK(ruv_handle_type_name(-1) == NULL);
  /* the constants have libuv's values */
  CHECK_EQ(RUV_UNKNOWN_HANDLE, 0);
  CHECK_EQ(RUV_ASYNC, 1);
  CHECK_EQ(RUV_TIMER, 13);
  CHECK_EQ(RUV_SIGNAL, 16);
  CHECK_EQ(RUV_FILE, 17);
  CHECK_EQ(RUV_HANDLE_TYPE_MAX, 18);
}

static void test_handle_data_and_loop(void) {
  int x = 1, y = 2;
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  t.data = &x;
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK(t.data == &x); /* init leaves data alone */
  CHECK(ruv_handle_get_data((ruv_handle_t *)&t) == &x);
  ruv_handle_set_data((ruv_handle_t *)&t, &y);
  CHECK(t.data == &y);
  CHECK(ruv_handle_get_data((ruv_handle_t *)&t) == &y);
  CHECK(t.loop == &loop);
  CHECK(ruv_handle_get_loop((ruv_handle_t *)&t) == &loop);
  /* data is the caller's: ruv does not touch it while running */
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK(t.data == &y);
  close_loop(&loop);
}

static void test_fileno(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t idle;
  ruv_poll_t poll;
  memset(&t, 0, sizeof t);
  memset(&idle, 0, sizeof idle);
  memset(&poll, 0, sizeof poll);
  int fds[2];
  CHECK_EQ(pipe(fds), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_poll_init(&loop, &poll, fds[0]), 0);
  int fd = -7;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&t, &fd), RUV_EINVAL);
  CHECK_EQ(fd, -7); /* untouched */
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&idle, &fd), RUV_EINVAL);
  CHECK_EQ(fd, -7);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&poll, &fd), 0);
  CHECK_EQ(fd, fds[0]);
  ruv_close((ruv_handle_t *)&poll, NULL);
  fd = -7;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&poll, &fd), RUV_EBADF);
  CHECK_EQ(fd, -7);
  /* libuv checks the type first: a closing timer still gives RUV_EINVAL */
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&t, &fd), RUV_EINVAL);
  close_loop(&loop);
  close(fds[0]);
  close(fds[1]);
}

/* ---- requests ----------------------------------------------------------- */

static void test_req_helpers(void) {
  int x = 1;
  ruv_req_t req;
  memset(&req, 0, sizeof req);
  req.type = RUV_WRITE;
  CHECK_EQ(ruv_req_get_type(&req), RUV_WRITE);
  CHECK_STR(ruv_req_type_name(ruv_req_get_type(&req)), "write");
  req.type = RUV_FS;
  CHECK_EQ(ruv_req_get_type(&req), RUV_FS);
  CHECK(ruv_req_get_data(&req) == NULL);
  ruv_req_set_data(&req, &x);
  CHECK(req.data == &x);
  CHECK(ruv_req_get_data(&req) == &x);
  req.data = NULL;
  CHECK(ruv_req_get_data(&req) == NULL);

  CHECK_STR(ruv_req_type_name(RUV_REQ), "req");
  CHECK_STR(ruv_req_type_name(RUV_CONNECT), "connect");
  CHECK_STR(ruv_req_type_name(RUV_WRITE), "write");
  CHECK_STR(ruv_req_type_name(RUV_SHUTDOWN), "shutdown");
  CHECK_STR(ruv_req_type_name(RUV_UDP_SEND), "udp_send");
  CHECK_STR(ruv_req_type_name(RUV_FS), "fs");
  CHECK_STR(ruv_req_type_name(RUV_WORK), "work");
  CHECK_STR(ruv_req_type_name(RUV_GETADDRINFO), "getaddrinfo");
  CHECK_STR(ruv_req_type_name(RUV_GETNAMEINFO), "getnameinfo");
  CHECK_STR(ruv_req_type_name(RUV_RANDOM), "random");
  CHECK(ruv_req_type_name(RUV_UNKNOWN_REQ) == NULL);
  CHECK(ruv_req_type_name(RUV_REQ_TYPE_MAX) == NULL);
  CHECK(ruv_req_type_name(99) == NULL);
  CHECK(ruv_req_type_name(-1) == NULL);

  CHECK_EQ(ruv_req_size(RUV_REQ), sizeof(ruv_req_t));
  CHECK_EQ(ruv_req_size(RUV_WRITE), 192);
  CHECK_EQ(ruv_req_size(RUV_FS), 440);
  CHECK_EQ(ruv_req_size(RUV_REQ_TYPE_MAX), (size_t)-1);
  CHECK_EQ(RUV_REQ, 1);
  CHECK_EQ(RUV_RANDOM, 10);
  CHECK_EQ(RUV_REQ_TYPE_MAX, 11);
}

/* ---- re-entrancy -------------------------------------------------------- */

/* A timer callback closes another timer due in the same iteration: the
 * closed timer's callback does not run; its close callback runs once. */
static ruv_timer_t victim;

static void closer_cb(ruv_timer_t *t) {
  (void)t;
  rec('A');
  ruv_close((ruv_handle_t *)&victim, tagged_close_cb);
}

static void victim_cb(ruv_timer_t *t) {
  (void)t;
  rec('B');
}

static void test_close_timer_due_in_same_batch(void) {
  ruv_loop_t loop;
  ruv_timer_t closer;
  memset(&closer, 0, sizeof closer);
  memset(&victim, 0, sizeof victim);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &closer), 0);
  CHECK_EQ(ruv_timer_init(&loop, &victim), 0);
  victim.data = "x";
  /* same timeout, same cached time: both due in the same batch */
  CHECK_EQ(ruv_timer_start(&closer, closer_cb, 1, 0), 0);
  CHECK_EQ(ruv_timer_start(&victim, victim_cb, 1, 0), 0);
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "Ax");
  close_loop(&loop);
  CHECK_STR(order, "Ax");
}

/* The same, with the closed timer's memory freed in its close callback. */
static ruv_timer_t *heap_victim;
static int heap_victim_calls;

static void heap_victim_close_cb(ruv_handle_t *h) {
  rec('f');
  free(h);
}

static void heap_closer_cb(ruv_timer_t *t) {
  (void)t;
  rec('A');
  ruv_close((ruv_handle_t *)heap_victim, heap_victim_close_cb);
}

static void heap_victim_cb(ruv_timer_t *t) {
  (void)t;
  heap_victim_calls++;
}

static void test_close_and_free_timer_due_in_same_batch(void) {
  ruv_loop_t loop;
  ruv_timer_t closer;
  memset(&closer, 0, sizeof closer);
  heap_victim = calloc(1, sizeof *heap_victim);
  CHECK(heap_victim != NULL);
  if (heap_victim == NULL) return;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &closer), 0);
  CHECK_EQ(ruv_timer_init(&loop, heap_victim), 0);
  /* same due time, started after the closer: in the batch when it is
   * closed; its callback must not run, and nothing touches it once freed */
  CHECK_EQ(ruv_timer_start(&closer, heap_closer_cb, 2, 0), 0);
  CHECK_EQ(ruv_timer_start(heap_victim, heap_victim_cb, 2, 0), 0);
  heap_victim_calls = 0;
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "Af");
  CHECK_EQ(heap_victim_calls, 0);
  close_loop(&loop);
}

/* A handle malloc'd, and freed in its own close callback. */
static int heap_close_calls;

static void free_close_cb(ruv_handle_t *h) {
  heap_close_calls++;
  free(h);
}

static void heap_timer_cb(ruv_timer_t *t) {
  timer_calls++;
  ruv_close((ruv_handle_t *)t, free_close_cb);
}

static void heap_idle_cb(ruv_idle_t *h) {
  rec('I');
  ruv_close((ruv_handle_t *)h, free_close_cb);
}

static void test_free_in_close_cb(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  ruv_timer_t *t = calloc(1, sizeof *t);
  ruv_idle_t *idle = calloc(1, sizeof *idle);
  ruv_async_t *async = calloc(1, sizeof *async);
  CHECK(t != NULL && idle != NULL && async != NULL);
  if (!t || !idle || !async) {
    free(t);
    free(idle);
    free(async);
    return;
  }
  CHECK_EQ(ruv_timer_init(&loop, t), 0);
  CHECK_EQ(ruv_idle_init(&loop, idle), 0);
  CHECK_EQ(ruv_async_init(&loop, async, NULL), 0);
  timer_calls = 0;
  heap_close_calls = 0;
  reset_order();
  CHECK_EQ(ruv_timer_start(t, heap_timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_idle_start(idle, heap_idle_cb), 0);
  ruv_close((ruv_handle_t *)async, free_close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  CHECK_STR(order, "I");
  CHECK_EQ(heap_close_calls, 3);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* Closing a handle from inside its own callback: the callback does not run
 * again, the close callback runs once. */
static int self_calls;

static void self_closing_timer_cb(ruv_timer_t *t) {
  self_calls++;
  ruv_close((ruv_handle_t *)t, counting_close_cb);
  CHECK_EQ(close_calls, 0);
  CHECK(ruv_is_closing((ruv_handle_t *)t) != 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)t), 0);
}

static void self_closing_prepare_cb(ruv_prepare_t *h) {
  self_calls++;
  ruv_close((ruv_handle_t *)h, counting_close_cb);
}

static void test_close_from_own_callback(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_prepare_t prepare;
  memset(&t, 0, sizeof t);
  memset(&prepare, 0, sizeof prepare);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  self_calls = 0;
  close_calls = 0;
  /* a repeating timer: would run forever if not closed */
  CHECK_EQ(ruv_timer_start(&t, self_closing_timer_cb, 1, 1), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(self_calls, 1);
  CHECK_EQ(close_calls, 1);

  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, self_closing_prepare_cb), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(self_calls, 2);
  CHECK_EQ(close_calls, 2);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* An idle callback closes a check handle started in the same iteration: the
 * check callback does not run. */
static ruv_check_t doomed_check;

static void closing_idle_cb(ruv_idle_t *h) {
  rec('I');
  ruv_close((ruv_handle_t *)&doomed_check, tagged_close_cb);
  ruv_close((ruv_handle_t *)h, NULL);
}

static void test_close_other_handle_before_its_phase(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  memset(&idle, 0, sizeof idle);
  memset(&doomed_check, 0, sizeof doomed_check);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_check_init(&loop, &doomed_check), 0);
  doomed_check.data = "k";
  CHECK_EQ(ruv_idle_start(&idle, closing_idle_cb), 0);
  CHECK_EQ(ruv_check_start(&doomed_check, rec_check_cb), 0);
  reset_order();
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(order, "Ik");
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* After its close callback, a handle's memory may be initialised again as a
 * new handle. */
static void test_reinit_after_close(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  memset(&t, 0, sizeof t);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 1);
  CHECK(ruv_is_closing((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_is_closing((ruv_handle_t *)&t), 0);
  CHECK(ruv_has_ref((ruv_handle_t *)&t) != 0);
  timer_calls = 0;
  CHECK_EQ(ruv_timer_start(&t, counting_timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_calls, 1);
  ruv_close((ruv_handle_t *)&t, counting_close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 2);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

int main(void) {
  test_begin();
  RUN(test_close_cb_runs_once_later);
  RUN(test_close_cb_in_close_phase);
  RUN(test_close_from_close_cb);
  RUN(test_close_order_is_lifo);
  RUN(test_close_cb_null);
  RUN(test_close_twice_is_harmless);
  RUN(test_is_active);
  RUN(test_ref_unref);
  RUN(test_handle_types);
  RUN(test_handle_type_names);
  RUN(test_handle_data_and_loop);
  RUN(test_fileno);
  RUN(test_req_helpers);
  RUN(test_close_timer_due_in_same_batch);
  RUN(test_close_and_free_timer_due_in_same_batch);
  RUN(test_free_in_close_cb);
  RUN(test_close_from_own_callback);
  RUN(test_close_other_handle_before_its_phase);
  RUN(test_reinit_after_close);
  return test_end();
}
