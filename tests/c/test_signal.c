/* Signal handles: a delivery becomes a callback on the loop's thread, in the
 * loop, never inside the handler (raise() returns before it runs); once per
 * delivery; every handle watching the signal gets it, on one loop or two; a
 * one-shot handle gets one and is stopped before its callback; starting on
 * another signal moves the handle; stopping and closing put the previous
 * disposition back (a program's own handler works again); a signal sent from
 * another thread is still handled on the loop's thread; a started handle
 * keeps the loop alive; every argument error.
 * Also built against libuv (tests/c/libuv-shim, `make test-libuv`); under
 * RUV_STRICT what is ruv's only: libuv sets SIG_DFL when a signal's last
 * watcher stops (a delivery then ends the process) where ruv puts the
 * previous disposition back, and it crashes on NULL arguments. */
#include "test.h"
#include <pthread.h>
#include <stddef.h>
#include <sys/wait.h>

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
#if RUV_STRICT
  deliver(SIGUSR1); /* closed: the previous disposition (SIG_IGN) is back */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(calls[0], 4);
#endif
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

static void (*disposition(int sig))(int) {
  struct sigaction now;
  CHECK_EQ(sigaction(sig, NULL, &now), 0);
  return now.sa_handler;
}

static void test_oneshot(void) {
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start_oneshot(&h, on_oneshot, SIGUSR1), 0);
  deliver(SIGUSR1);
  /* "the signal handler is reset the moment the signal is received" (libuv's
   * docs): a second delivery before the callback gets the default action */
  CHECK(disposition(SIGUSR1) == SIG_DFL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0); /* returns: the handle stopped */
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(oneshot_active_in_cb, 1); /* stopped after its callback, as libuv */
  CHECK_EQ(oneshot_signum_in_cb, SIGUSR1);
  CHECK_EQ(h.signum, 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 0);
#if RUV_STRICT /* ruv puts the previous disposition back (libuv: SIG_DFL) */
  CHECK(disposition(SIGUSR1) == SIG_IGN);
  deliver(SIGUSR1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(calls[0], 1);
#endif
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

#if RUV_STRICT
/* A one-shot callback that starts its handle again keeps it started (in
 * libuv the stop after the callback undoes the restart). */
static void on_oneshot_again(ruv_signal_t *h, int signum) {
  on_signal(h, signum);
  CHECK_EQ(ruv_signal_start_oneshot(h, on_oneshot_again, signum), 0);
}

static void test_oneshot_restarted(void) {
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start_oneshot(&h, on_oneshot_again, SIGUSR2), 0);
  deliver(SIGUSR2);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(h.signum, SIGUSR2);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 1);
  deliver(SIGUSR2); /* re-armed: caught again */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 2);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  signal(SIGUSR2, SIG_IGN);
}

#endif

/* In a child: a one-shot handle, two deliveries before the loop runs. The
 * second gets the default action and ends the child (SIGUSR1). */
static void test_oneshot_second_delivery_kills(void) {
  fflush(stdout);
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    ruv_loop_t child_loop;
    ruv_signal_t h;
    if (ruv_loop_init(&child_loop) != 0 || ruv_signal_init(&child_loop, &h) != 0) _exit(2);
    if (ruv_signal_start_oneshot(&h, on_oneshot, SIGUSR1) != 0) _exit(3);
    raise(SIGUSR1);
    raise(SIGUSR1);
    _exit(4); /* not reached */
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR1);
}

/* A one-shot and a plain handle on one signal: no reset on receipt (the
 * plain one still wants the next); once the plain one stops, the one-shot
 * one alone gets the reset again. */
static void test_oneshot_beside_plain(void) {
  ruv_signal_t once, plain;
  reset();
  init(&loop, &once, 0);
  init(&loop, &plain, 1);
  CHECK_EQ(ruv_signal_start_oneshot(&once, on_oneshot, SIGUSR2), 0);
  CHECK_EQ(ruv_signal_start(&plain, on_signal, SIGUSR2), 0);
  deliver(SIGUSR2);
  deliver(SIGUSR2);
  CHECK(disposition(SIGUSR2) != SIG_DFL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(calls[1], 2);
  CHECK_EQ(ruv_signal_start_oneshot(&once, on_oneshot, SIGUSR2), 0); /* again */
  CHECK_EQ(ruv_signal_stop(&plain), 0);
  deliver(SIGUSR2);
  CHECK(disposition(SIGUSR2) == SIG_DFL); /* one-shot only now: reset */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(calls[0], 2);
  CHECK_EQ(calls[1], 2);
  ruv_close((ruv_handle_t *)&once, NULL);
  ruv_close((ruv_handle_t *)&plain, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  signal(SIGUSR2, SIG_IGN);
}

/* started on another signal: moved; the first gets its disposition back */
static void test_move(void) {
  ruv_signal_t h;
  reset();
  init(&loop, &h, 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), 0);
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR2), 0);
  CHECK_EQ(h.signum, SIGUSR2);
#if RUV_STRICT /* SIGUSR1's disposition back to SIG_IGN (libuv: SIG_DFL) */
  deliver(SIGUSR1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 0);
#endif
  deliver(SIGUSR2);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(calls[0], 1);
  CHECK_EQ(last_signum, SIGUSR2);
  ruv_close((ruv_handle_t *)&h, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
}

#if RUV_STRICT /* libuv sets SIG_DFL instead */
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

#endif

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
  CHECK_EQ(ruv_signal_start_oneshot(&h, on_signal, 0), RUV_EINVAL);
#if RUV_STRICT /* libuv crashes on these */
  CHECK_EQ(ruv_signal_start(&h, NULL, SIGUSR1), RUV_EINVAL);
  CHECK_EQ(ruv_signal_start(NULL, on_signal, SIGUSR1), RUV_EINVAL);
  CHECK_EQ(ruv_signal_stop(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_signal_init(NULL, &h), RUV_EINVAL);
#endif
  CHECK_EQ(h.signum, 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&h), 0);
  ruv_close((ruv_handle_t *)&h, NULL);
#if RUV_STRICT /* libuv asserts */
  CHECK_EQ(ruv_signal_start(&h, on_signal, SIGUSR1), RUV_EINVAL); /* closing */
#endif
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
  RUN(test_oneshot_second_delivery_kills);
#if RUV_STRICT
  RUN(test_oneshot_restarted);
#endif
  RUN(test_oneshot_beside_plain);
  RUN(test_move);
#if RUV_STRICT
  RUN(test_previous_restored);
#endif
  RUN(test_other_thread);
  RUN(test_errors);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  return test_end();
}
