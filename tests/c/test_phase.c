/* Idle, prepare and check handles, and the order of the loop's phases.
 * Every expectation here is what libuv 1.44 does (checked against Debian's
 * libuv1-dev): within one iteration timers, idle, prepare, poll, check,
 * close callbacks; within a phase the most recently started handle first; a
 * handle started by a callback of its own phase waits for the next
 * iteration; one stopped (or closed) by an earlier callback does not run. */
#include "test.h"
#include <sys/socket.h>

static char trace[512];

static void recs(const char *s) {
  size_t n = strlen(trace);
  if (n + strlen(s) < sizeof trace) strcat(trace, s);
}

/* ---- one iteration: the phase order ------------------------------------ */

static void order_timer_cb(ruv_timer_t *h) { (void)h; recs("T"); }
static void order_idle_cb(ruv_idle_t *h) { (void)h; recs("I"); }
static void order_prepare_cb(ruv_prepare_t *h) { (void)h; recs("P"); }
static void order_check_cb(ruv_check_t *h) { (void)h; recs("K"); }
static void order_poll_cb(ruv_poll_t *h, int status, int events) {
  (void)h;
  recs(status == 0 && (events & RUV_WRITABLE) ? "O" : "o?");
}
static void order_close_cb(ruv_handle_t *h) { (void)h; recs("C"); }

static void test_phase_order_in_one_iteration(void) {
  ruv_loop_t loop;
  ruv_timer_t timer;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  ruv_poll_t poll;
  ruv_idle_t closing;
  int sv[2];
  trace[0] = 0;
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  /* started in reverse phase order, so start order cannot explain the trace */
  CHECK_EQ(ruv_idle_init(&loop, &closing), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_check_start(&check, order_check_cb), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &poll, sv[0]), 0);
  CHECK_EQ(ruv_poll_start(&poll, RUV_WRITABLE, order_poll_cb), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, order_prepare_cb), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, order_idle_cb), 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_timer_start(&timer, order_timer_cb, 0, 0), 0);
  ruv_close((ruv_handle_t *)&closing, order_close_cb);
  CHECK_STR(trace, ""); /* the close callback never runs inside ruv_close */
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  /* libuv 1.52: pending, idle, prepare, poll, check, close, then timers */
  CHECK_STR(trace, "IPOKCT");
  /* the next iteration: the timer and the close callback are done */
  trace[0] = 0;
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_STR(trace, "IPOK");
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

/* ---- the same checks for each of idle, prepare and check ------------------
 * The three types have the same API; PHASE_TESTS(kind) defines the tests for
 * one of them. */

#define PHASE_TESTS(kind)                                                      \
  static ruv_##kind##_t kind##_h[4];                                           \
  static ruv_##kind##_t kind##_late;                                           \
  static int kind##_late_count;                                                \
                                                                               \
  static void kind##_rec_cb(ruv_##kind##_t *h) {                               \
    char s[2] = {(char)('0' + (int)(h - kind##_h)), 0};                        \
    recs(s);                                                                    \
  }                                                                            \
  static void kind##_other_cb(ruv_##kind##_t *h) { (void)h; recs("X"); }        \
  static void kind##_late_cb(ruv_##kind##_t *h) {                              \
    (void)h;                                                                   \
    kind##_late_count++;                                                       \
    recs("L");                                                                  \
  }                                                                            \
  /* handle 2's callback: starts `late`, stops handle 0 */                     \
  static void kind##_meddle_cb(ruv_##kind##_t *h) {                            \
    (void)h;                                                                   \
    recs("2");                                                                  \
    CHECK_EQ(ruv_##kind##_start(&kind##_late, kind##_late_cb), 0);             \
    CHECK_EQ(ruv_##kind##_stop(&kind##_h[0]), 0);                              \
  }                                                                            \
  /* handle 3's callback: stops handle 1 and starts it again */                \
  static void kind##_restart_cb(ruv_##kind##_t *h) {                           \
    (void)h;                                                                   \
    recs("3");                                                                  \
    CHECK_EQ(ruv_##kind##_stop(&kind##_h[1]), 0);                              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[1], kind##_rec_cb), 0);              \
  }                                                                            \
  /* handle 3's callback: closes handle 1 */                                   \
  static void kind##_close_other_cb(ruv_##kind##_t *h) {                       \
    (void)h;                                                                   \
    recs("3");                                                                  \
    ruv_close((ruv_handle_t *)&kind##_h[1], NULL);                             \
  }                                                                            \
                                                                               \
  static void test_##kind##_most_recent_first(void) {                          \
    ruv_loop_t loop;                                                           \
    trace[0] = 0;                                                              \
    CHECK_EQ(ruv_loop_init(&loop), 0);                                         \
    for (int i = 0; i < 4; i++) CHECK_EQ(ruv_##kind##_init(&loop, &kind##_h[i]), 0); \
    /* started 1, 3, 0, 2: run 2, 0, 3, 1 */                                   \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[1], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[3], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[2], kind##_rec_cb), 0);              \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "2031");                                                  \
    /* the order is kept across iterations */                                  \
    trace[0] = 0;                                                              \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "2031");                                                  \
    /* stopping and starting again makes a handle the most recent */          \
    CHECK_EQ(ruv_##kind##_stop(&kind##_h[3]), 0);                              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[3], kind##_rec_cb), 0);              \
    trace[0] = 0;                                                              \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "3201");                                                  \
    close_loop(&loop);                                                         \
  }                                                                            \
                                                                               \
  static void test_##kind##_changes_during_the_phase(void) {                   \
    ruv_loop_t loop;                                                           \
    trace[0] = 0;                                                              \
    kind##_late_count = 0;                                                     \
    CHECK_EQ(ruv_loop_init(&loop), 0);                                         \
    for (int i = 0; i < 3; i++) CHECK_EQ(ruv_##kind##_init(&loop, &kind##_h[i]), 0); \
    CHECK_EQ(ruv_##kind##_init(&loop, &kind##_late), 0);                       \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[1], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[2], kind##_meddle_cb), 0);           \
    /* 2 runs first, starts `late` (not run now) and stops 0 (not run) */      \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "21");                                                    \
    CHECK_EQ(kind##_late_count, 0);                                            \
    CHECK(ruv_is_active((ruv_handle_t *)&kind##_late));                        \
    CHECK(!ruv_is_active((ruv_handle_t *)&kind##_h[0]));                       \
    /* next iteration: `late` is the most recently started */                  \
    trace[0] = 0;                                                              \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "L21");                                                   \
    CHECK_EQ(kind##_late_count, 1);                                            \
    close_loop(&loop);                                                         \
  }                                                                            \
                                                                               \
  static void test_##kind##_restarted_during_the_phase(void) {                 \
    ruv_loop_t loop;                                                           \
    trace[0] = 0;                                                              \
    CHECK_EQ(ruv_loop_init(&loop), 0);                                         \
    for (int i = 0; i < 4; i++) CHECK_EQ(ruv_##kind##_init(&loop, &kind##_h[i]), 0); \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[1], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[3], kind##_restart_cb), 0);          \
    /* 3 stops and restarts 1: 1 is a new start and waits a round */           \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "30");                                                    \
    trace[0] = 0;                                                              \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "130");                                                   \
    close_loop(&loop);                                                         \
  }                                                                            \
                                                                               \
  static void test_##kind##_closed_during_the_phase(void) {                    \
    ruv_loop_t loop;                                                           \
    trace[0] = 0;                                                              \
    CHECK_EQ(ruv_loop_init(&loop), 0);                                         \
    for (int i = 0; i < 4; i++) CHECK_EQ(ruv_##kind##_init(&loop, &kind##_h[i]), 0); \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[1], kind##_rec_cb), 0);              \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[3], kind##_close_other_cb), 0);      \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "30");                                                    \
    CHECK(ruv_is_closing((ruv_handle_t *)&kind##_h[1]));                       \
    close_loop(&loop);                                                         \
  }                                                                            \
                                                                               \
  static void test_##kind##_start_rules(void) {                                \
    ruv_loop_t loop;                                                           \
    ruv_##kind##_t h;                                                          \
    trace[0] = 0;                                                              \
    CHECK_EQ(ruv_loop_init(&loop), 0);                                         \
    CHECK_EQ(ruv_##kind##_init(&loop, &kind##_h[0]), 0);                       \
    CHECK(!ruv_is_active((ruv_handle_t *)&kind##_h[0]));                       \
    CHECK(ruv_has_ref((ruv_handle_t *)&kind##_h[0]));                          \
    /* a NULL callback is refused and the handle stays inactive */            \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], NULL), RUV_EINVAL);              \
    CHECK(!ruv_is_active((ruv_handle_t *)&kind##_h[0]));                       \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_rec_cb), 0);              \
    CHECK(ruv_is_active((ruv_handle_t *)&kind##_h[0]));                        \
    CHECK_EQ(loop.active_handles, 1);                                          \
    /* starting an active handle: 0, and the first callback stays */          \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_other_cb), 0);            \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], NULL), 0);                       \
    CHECK_EQ(loop.active_handles, 1);                                          \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "0");                                                     \
    /* stop twice is fine */                                                   \
    CHECK_EQ(ruv_##kind##_stop(&kind##_h[0]), 0);                              \
    CHECK_EQ(ruv_##kind##_stop(&kind##_h[0]), 0);                              \
    CHECK(!ruv_is_active((ruv_handle_t *)&kind##_h[0]));                       \
    CHECK_EQ(loop.active_handles, 0);                                          \
    trace[0] = 0;                                                              \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "");                                                      \
    /* restarted after a stop, the new callback is used */                    \
    CHECK_EQ(ruv_##kind##_start(&kind##_h[0], kind##_other_cb), 0);            \
    ruv_run(&loop, RUV_RUN_NOWAIT);                                            \
    CHECK_STR(trace, "X");                                                     \
    /* a closing handle cannot be started; close stopped it */                \
    CHECK_EQ(ruv_##kind##_init(&loop, &h), 0);                                 \
    CHECK_EQ(ruv_##kind##_start(&h, kind##_rec_cb), 0);                        \
    ruv_close((ruv_handle_t *)&h, NULL);                                       \
    CHECK(!ruv_is_active((ruv_handle_t *)&h));                                 \
    CHECK_EQ(ruv_##kind##_start(&h, kind##_other_cb), RUV_EINVAL);             \
    CHECK(!ruv_is_active((ruv_handle_t *)&h));                                 \
    CHECK_EQ(ruv_##kind##_stop(&h), 0);                                        \
    close_loop(&loop);                                                         \
  }

PHASE_TESTS(idle)
PHASE_TESTS(prepare)
PHASE_TESTS(check)

/* ---- idle and blocking ----------------------------------------------------- */

static int idle_count, far_timer_count;

static void count_idle_cb(ruv_idle_t *h) { (void)h; idle_count++; }
static void far_timer_cb(ruv_timer_t *h) { (void)h; far_timer_count++; }

/* An active idle handle makes the poll phase not wait: ONCE returns after
 * one iteration even with a 10 s timer pending. */
static void test_idle_makes_once_not_block(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  ruv_timer_t timer;
  idle_count = far_timer_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_timer_start(&timer, far_timer_cb, 10000, 0), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, count_idle_cb), 0);
  CHECK_EQ(ruv_backend_timeout(&loop), 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(idle_count, 1);
  CHECK_EQ(far_timer_count, 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(idle_count, 2);
  CHECK_EQ(far_timer_count, 0);
  /* without the idle handle the poll would wait for the timer */
  CHECK_EQ(ruv_idle_stop(&idle), 0);
  int t = ruv_backend_timeout(&loop);
  CHECK(t > 0 && t <= 10000);
  CHECK_EQ(ruv_timer_stop(&timer), 0);
  CHECK_EQ(ruv_backend_timeout(&loop), 0); /* nothing keeps the loop alive */
  CHECK_EQ(far_timer_count, 0);
  close_loop(&loop);
}

static void stop_after_five_cb(ruv_idle_t *h) {
  if (++idle_count == 5) CHECK_EQ(ruv_idle_stop(h), 0);
}

/* An idle handle keeps the loop alive; stopping it from its callback ends
 * ruv_run(DEFAULT). */
static void test_idle_keeps_loop_alive(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  idle_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0); /* initialised but not started */
  CHECK_EQ(ruv_idle_start(&idle, stop_after_five_cb), 0);
  CHECK(ruv_loop_alive(&loop) != 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(idle_count, 5);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK(!ruv_is_active((ruv_handle_t *)&idle));
  close_loop(&loop);
}

/* ---- unreferenced handles ------------------------------------------------------ */

static int prepare_count, check_count, timer_count;

static void count_prepare_cb(ruv_prepare_t *h) { (void)h; prepare_count++; }
static void count_check_cb(ruv_check_t *h) { (void)h; check_count++; }
static void count_timer_cb(ruv_timer_t *h) { (void)h; timer_count++; }

static void test_unref_does_not_keep_alive(void) {
  ruv_loop_t loop;
  ruv_prepare_t prepare;
  ruv_check_t check;
  ruv_idle_t idle;
  ruv_timer_t timer;
  prepare_count = check_count = idle_count = timer_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, count_prepare_cb), 0);
  CHECK_EQ(ruv_check_start(&check, count_check_cb), 0);
  CHECK_EQ(ruv_idle_start(&idle, count_idle_cb), 0);
  CHECK_EQ(loop.active_handles, 3);
  ruv_unref((ruv_handle_t *)&prepare);
  ruv_unref((ruv_handle_t *)&check);
  ruv_unref((ruv_handle_t *)&idle);
  ruv_unref((ruv_handle_t *)&idle); /* idempotent */
  CHECK(!ruv_has_ref((ruv_handle_t *)&prepare));
  CHECK(ruv_is_active((ruv_handle_t *)&prepare));
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  /* nothing keeps the loop alive: DEFAULT returns without an iteration */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(prepare_count, 0);
  CHECK_EQ(check_count, 0);
  CHECK_EQ(idle_count, 0);
  /* a referenced timer makes one iteration, in which they run once */
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_timer_start(&timer, count_timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(timer_count, 1);
  CHECK_EQ(idle_count, 1);
  CHECK_EQ(prepare_count, 1);
  CHECK_EQ(check_count, 1);
  /* ref again: alive again */
  ruv_ref((ruv_handle_t *)&check);
  ruv_ref((ruv_handle_t *)&check);
  CHECK(ruv_has_ref((ruv_handle_t *)&check));
  CHECK_EQ(loop.active_handles, 1);
  CHECK(ruv_loop_alive(&loop) != 0);
  CHECK_EQ(ruv_check_stop(&check), 0);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  /* a stopped, referenced handle does not keep the loop alive either */
  CHECK(ruv_has_ref((ruv_handle_t *)&check));
  close_loop(&loop);
}

/* ---- a closed handle's callback in the same phase never runs ------------------- */

static ruv_check_t chk_a, chk_b;
static int close_cb_count;

static void closer_check_cb(ruv_check_t *h) {
  (void)h;
  recs("a");
  ruv_close((ruv_handle_t *)&chk_b, NULL);
  ruv_close((ruv_handle_t *)&chk_a, NULL); /* itself, from its callback */
}
static void victim_check_cb(ruv_check_t *h) { (void)h; recs("b"); }
static void count_close_cb(ruv_handle_t *h) { (void)h; close_cb_count++; recs("c"); }

static void test_close_from_own_callback(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  trace[0] = 0;
  close_cb_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_check_init(&loop, &chk_b), 0);
  CHECK_EQ(ruv_check_init(&loop, &chk_a), 0);
  CHECK_EQ(ruv_check_start(&chk_b, victim_check_cb), 0);
  CHECK_EQ(ruv_check_start(&chk_a, closer_check_cb), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_idle_start(&idle, count_idle_cb), 0);
  ruv_close((ruv_handle_t *)&idle, count_close_cb);
  /* the close callbacks of handles closed in the check phase run in the
   * same iteration's close phase */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_STR(trace, "ac");
  CHECK_EQ(close_cb_count, 1);
  close_loop(&loop);
}

/* ---- handles started by an earlier phase of the same iteration ------------------ */

static ruv_idle_t ep_idle;
static ruv_prepare_t ep_prepare;
static ruv_check_t ep_check;

static void ep_check_cb(ruv_check_t *h) { (void)h; recs("K"); }
static void ep_prepare_cb(ruv_prepare_t *h) { (void)h; recs("P"); }
static void ep_idle_cb(ruv_idle_t *h) {
  (void)h;
  recs("I");
  /* prepare and check come later in this iteration: they run now */
  CHECK_EQ(ruv_check_start(&ep_check, ep_check_cb), 0);
}
static void ep_timer_cb(ruv_timer_t *h) {
  (void)h;
  recs("T");
  CHECK_EQ(ruv_idle_start(&ep_idle, ep_idle_cb), 0);
  CHECK_EQ(ruv_prepare_start(&ep_prepare, ep_prepare_cb), 0);
}

static void test_started_by_earlier_phase(void) {
  ruv_loop_t loop;
  ruv_timer_t timer;
  trace[0] = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &ep_idle), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &ep_prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &ep_check), 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_timer_start(&timer, ep_timer_cb, 0, 0), 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_STR(trace, "T"); /* libuv 1.52: ONCE runs timers at the end */
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_STR(trace, "TIPK");
  ruv_idle_stop(&ep_idle);
  ruv_prepare_stop(&ep_prepare);
  ruv_check_stop(&ep_check);
  close_loop(&loop);
}

/* ---- the close phase ------------------------------------------------------------ */

static void close_a_cb(ruv_handle_t *h) { (void)h; recs("a"); }
static void close_b_cb(ruv_handle_t *h) { (void)h; recs("b"); }
static void close_c_cb(ruv_handle_t *h) { (void)h; recs("c"); }

/* Close callbacks run in the iteration's last phase, the most recently
 * closed handle first (libuv's closing list is LIFO). */
static void test_close_phase_order(void) {
  ruv_loop_t loop;
  ruv_idle_t a;
  ruv_prepare_t b;
  ruv_check_t c;
  trace[0] = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &a), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &b), 0);
  CHECK_EQ(ruv_check_init(&loop, &c), 0);
  CHECK_EQ(ruv_idle_start(&a, order_idle_cb), 0);
  CHECK_EQ(ruv_check_start(&c, order_check_cb), 0);
  ruv_close((ruv_handle_t *)&b, close_b_cb);
  ruv_close((ruv_handle_t *)&a, close_a_cb);
  ruv_close((ruv_handle_t *)&c, close_c_cb);
  CHECK(!ruv_is_active((ruv_handle_t *)&a));
  CHECK(!ruv_is_active((ruv_handle_t *)&c));
  CHECK(ruv_loop_alive(&loop) != 0); /* close callbacks due */
  /* closed handles' callbacks do not run; their close callbacks do */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_ONCE), 0);
  CHECK_STR(trace, "cab");
  close_loop(&loop);
}

/* ---- ruv_stop ------------------------------------------------------------------- */

static void stopping_idle_cb(ruv_idle_t *h) {
  recs("I");
  ruv_stop(h->loop);
}

/* ruv_stop from an idle callback: the rest of the iteration still runs
 * (without waiting for I/O), then ruv_run returns non-zero. */
static void test_stop_from_idle(void) {
  ruv_loop_t loop;
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  ruv_timer_t timer;
  far_timer_count = 0;
  trace[0] = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &timer), 0);
  CHECK_EQ(ruv_timer_start(&timer, far_timer_cb, 10000, 0), 0);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &prepare), 0);
  CHECK_EQ(ruv_check_init(&loop, &check), 0);
  CHECK_EQ(ruv_idle_start(&idle, stopping_idle_cb), 0);
  CHECK_EQ(ruv_prepare_start(&prepare, order_prepare_cb), 0);
  CHECK_EQ(ruv_check_start(&check, order_check_cb), 0);
  CHECK(ruv_run(&loop, RUV_RUN_DEFAULT) != 0);
  CHECK_STR(trace, "IPK");
  CHECK_EQ(far_timer_count, 0);
  CHECK_EQ(loop.stop_flag, 0); /* cleared when ruv_run returns */
  /* a stop before ruv_run: no iteration at all */
  CHECK_EQ(ruv_idle_stop(&idle), 0);
  trace[0] = 0;
  ruv_stop(&loop);
  CHECK(ruv_run(&loop, RUV_RUN_DEFAULT) != 0);
  CHECK_STR(trace, "");
  CHECK_EQ(loop.stop_flag, 0);
  close_loop(&loop);
}

int main(void) {
  test_begin();
  RUN(test_phase_order_in_one_iteration);
  RUN(test_idle_most_recent_first);
  RUN(test_prepare_most_recent_first);
  RUN(test_check_most_recent_first);
  RUN(test_idle_changes_during_the_phase);
  RUN(test_prepare_changes_during_the_phase);
  RUN(test_check_changes_during_the_phase);
  RUN(test_idle_restarted_during_the_phase);
  RUN(test_prepare_restarted_during_the_phase);
  RUN(test_check_restarted_during_the_phase);
  RUN(test_idle_closed_during_the_phase);
  RUN(test_prepare_closed_during_the_phase);
  RUN(test_check_closed_during_the_phase);
  RUN(test_idle_start_rules);
  RUN(test_prepare_start_rules);
  RUN(test_check_start_rules);
  RUN(test_idle_makes_once_not_block);
  RUN(test_idle_keeps_loop_alive);
  RUN(test_unref_does_not_keep_alive);
  RUN(test_close_from_own_callback);
  RUN(test_started_by_earlier_phase);
  RUN(test_close_phase_order);
  RUN(test_stop_from_idle);
  return test_end();
}
