/* Signal handles: a delivery becomes a callback on the loop's thread, in the
 * loop, never inside the handler (raise() returns before it runs); once per
 * delivery; every handle watching the signal gets it, on one loop or two; a
 * one-shot handle gets one and is stopped before its callback; starting on
 * another signal moves the handle; stopping and closing put the previous
 * disposition back (a program's own handler works again); a signal sent from
 * another thread is still handled on the loop's thread; a started handle
 * keeps the loop alive; every argument error. */
#include "test.h"
#include <pthread.h>
#include <stddef.h>

static ruv_loop_t loop, loop2;
static int calls[4], in_raise;
static int last_signum;
static pthread_t cb_thread;

static void on_signal(ruv_signal_t *h, int signum) {
  CHECK_EQ(in_raise, 0); /* never inside the signal handler */
  int i = (int)(intptr_t)h->data;
  calls[i]++;
  last_signum = signum;
  cb_thread = pthread_self();
}

static void reset(void) { memset(calls, 0, sizeof calls); }

static void deliver(int sig) {
  in_raise = 1;
  CHECK_EQ(raise(sig), 0);
  in_raise = 0;
}

static void init(ruv_loop_t *l, ruv_signal_t *h, int index) {
  CHECK_EQ(ruv_signal_init(l, h), 0);
  h->data = (void *)(intptr_t)index;
}

static void test_fields(void) {
  ruv_signal_t h;
  CHECK_EQ(sizeof(ruv_signal_t), 152);
  CHECK_EQ(offsetof(ruv_signal_t, signal_cb), 96);
  CHECK_EQ(offsetof(ruv_signal_t, signum), 104);
  CHECK_EQ(ruv_handle_size(RUV_SIGNAL), sizeof(ruv_signal_t));
  init(&loop, &h, 0);
  CHECK_EQ(h.signum, 0);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&h), RUV_SIGNAL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), 0);
  CHECK_EQ(h.signum, SIGUSR1);
  CHECK(h.signal_cb == on_signal);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 1);
  CHECK_EQ(ruv_signal_stop(&h), 0);
  CHECK_EQ(h.signum, 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 0);
  CHECK_EQ(ruv_signal_stop(&h), 0); /* stopped already: nothing */
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

/* one callback per delivery, after raise() returned, from the loop */
static void test_deliveries(void) {
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), 0);
  deliver(SIGUSR1);
  CHECK_EQ(calls[0], 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(last_signum, SIGUSR1);
  deliver(SIGUSR1);
  deliver(SIGUSR1);
  deliver(SIGUSR1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 4);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1); /* nothing new */
  CHECK_EQ(calls[0], 4);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  deliver(SIGUSR1); /* closed: the previous disposition (SIG_IGN) is back */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(calls[0], 4);
}

/* two handles on one loop and one on another each get the delivery */
static void test_many_watchers(void) {
  ruv_signal_t a, b, c;
  reset();
  CHECK_EQ(ruv_loop_init(&loop2), 0);
  init(&loop, &a, 0);
  init(&loop, &b, 1);
  init(&loop2, &c, 2);
  CHECK_EQ(ruv_signal_start(&a, on_signal, SIGUSR2), 0);
  CHECK_EQ(ruv_signal_start(&b, on_signal, SIGUSR2), 0);
  CHECK_EQ(ruv_signal_start(&c, on_signal, SIGUSR2), 0);
  deliver(SIGUSR2);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(ruv_run(&loop2, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(calls[1], 1);
  CHECK_EQ(calls[2], 1);
  /* one stops: the others still get it */
  CHECK_EQ(ruv_signal_stop(&b), 0);
  deliver(SIGUSR2);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(ruv_run(&loop2, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 2);
  CHECK_EQ(calls[1], 1);
  CHECK_EQ(calls[2], 2);
  ruv_close((ruv_handle_t *)&a, NULL);
  ruv_close((ruv_handle_t *)&b, NULL);
  ruv_close((ruv_handle_t *)&c, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_run(&loop2, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_loop_close(&loop2), 0);
}

/* one-shot: one callback for several deliveries, stopped before it runs */
static int oneshot_active_in_cb = -1, oneshot_signum_in_cb = -1;
static void on_oneshot(ruv_signal_t *h, int signum) {
  on_signal(h, signum);
  oneshot_active_in_cb = ruv_is_active((ruv_handle_t *)h);
  oneshot_signum_in_cb = h->signum;
}

static void test_oneshot(void) {
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start_oneshot(&h, on_oneshot, SIGUSR1), 0);
  deliver(SIGUSR1);
  deliver(SIGUSR1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0); /* returns: the handle stopped */
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(oneshot_active_in_cb, 0);
  CHECK_EQ(oneshot_signum_in_cb, 0);
  CHECK_EQ(h.signum, 0);
  deliver(SIGUSR1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(calls[0], 1);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

/* started on another signal: moved; the first gets its disposition back */
static void test_move(void) {
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR2), 0);
  CHECK_EQ(h.signum, SIGUSR2);
  deliver(SIGUSR1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 0);
  deliver(SIGUSR2);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(last_signum, SIGUSR2);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

/* a program's own handler comes back after the last stop */
static volatile sig_atomic_t own_handler_ran;
static void own_handler(int sig) {
  (void)sig;
  own_handler_ran++;
}

static void test_previous_restored(void) {
  struct sigaction own, now;
  memset(&own, 0, sizeof own);
  own.sa_handler = own_handler;
  CHECK_EQ(sigaction(SIGUSR1, &own, NULL), 0);
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), 0);
  deliver(SIGUSR1);
  CHECK_EQ(own_handler_ran, 0); /* ruv's handler, not the program's */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(ruv_signal_stop(&h), 0);
  CHECK_EQ(sigaction(SIGUSR1, NULL, &now), 0);
  CHECK(now.sa_handler == own_handler);
  deliver(SIGUSR1);
  CHECK_EQ(own_handler_ran, 1);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  signal(SIGUSR1, SIG_IGN);
}

/* sent from another thread: the callback still runs on the loop's thread;
 * the started handle keeps ruv_run going until the callback closes it */
static void *send_later(void *arg) {
  (void)arg;
  usleep(20000);
  kill(getpid(), SIGUSR2);
  return NULL;
}

static void on_signal_close(ruv_signal_t *h, int signum) {
  on_signal(h, signum);
  ruv_close((ruv_handle_t *)h, NULL);
}

static void test_other_thread(void) {
  ruv_signal_t h;
  pthread_t t;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal_close, SIGUSR2), 0);
  CHECK_EQ(pthread_create(&t, NULL, send_later, NULL), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(pthread_join(t, NULL), 0);
  CHECK_EQ(calls[0], 1);
  CHECK(pthread_equal(cb_thread, pthread_self()));
}

static void test_errors(void) {
  ruv_signal_t h;
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, 0), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(&h, on_signal, -1), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(&h, on_signal, 65), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGKILL), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGSTOP), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(&h, NULL, SIGUSR1), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start_oneshot(&h, on_signal, 0), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(NULL, on_signal, SIGUSR1), RUV_EINVAL);
  CHECK_EQ(ruv_signal_stop(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_signal_init(NULL, &h), RUV_EINVAL);
  CHECK_EQ(h.signum, 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 0);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), RUV_EINVAL); /* closing */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

int main(void) {
  test_begin();
  /* while no handle watches them, these two are ignored */
  signal(SIGUSR1, SIG_IGN);
  signal(SIGUSR2, SIG_IGN);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  RUN(test_fields);
  RUN(test_deliveries);
  RUN(test_many_watchers);
  RUN(test_oneshot);
  RUN(test_move);
  RUN(test_previous_restored);
  RUN(test_other_thread);
  RUN(test_errors);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  return test_end();
}
