/* Misuse is caught, never undefined (DESIGN.md §1): an `int` function
 * returns an error code (RUV_EINVAL, RUV_EBADF, RUV_EBUSY), a `void` function
 * writes one line to stderr and does nothing else. One case each; every case
 * runs under valgrind too, which must stay clean: "never initialised"
 * handles are zeroed or filled with 0xAB, never real stack garbage. */
#include "test.h"
#include <fcntl.h>
#include <sys/socket.h>

/* ---- counting the lines a call writes to stderr --------------------------------- */

#include "capture.h"

/* `stmt` writes exactly `n` lines to stderr. */
#define CHECK_LINES(n, stmt)            \
  do {                                  \
    capture_begin();                    \
    stmt;                               \
    CHECK_EQ(capture_end(), (n));       \
  } while (0)

/* `stmt` writes at most one line (functions that return a value and may say
 * why it is a default one). */
#define CHECK_AT_MOST_ONE_LINE(stmt)    \
  do {                                  \
    capture_begin();                    \
    stmt;                               \
    CHECK(capture_end() <= 1);          \
  } while (0)

static int cb_count;
static void timer_cb(ruv_timer_t *h) { (void)h; cb_count++; }
static void idle_cb(ruv_idle_t *h) { (void)h; cb_count++; }
static void prepare_cb(ruv_prepare_t *h) { (void)h; cb_count++; }
static void check_cb(ruv_check_t *h) { (void)h; cb_count++; }
static void poll_cb(ruv_poll_t *h, int s, int e) { (void)h; (void)s; (void)e; cb_count++; }
static void walk_cb(ruv_handle_t *h, void *arg) { (void)h; (void)arg; }
static int close_count;
static void close_cb(ruv_handle_t *h) { (void)h; close_count++; }
static int other_close_count;
static void other_close_cb(ruv_handle_t *h) { (void)h; other_close_count++; }

/* ---- NULL arguments ------------------------------------------------------------- */

static void test_null_loop_functions(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_loop_close(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_run(NULL, RUV_RUN_DEFAULT), RUV_EINVAL);
  CHECK_EQ(ruv_run(NULL, RUV_RUN_NOWAIT), RUV_EINVAL);
  CHECK_EQ(ruv_backend_fd(NULL), RUV_EINVAL);
  /* 0, not an error code: a negative timeout reads as "wait forever" */
  CHECK_LINES(1, CHECK_EQ(ruv_backend_timeout(NULL), 0));
  CHECK_EQ(ruv_loop_configure(NULL, RUV_METRICS_IDLE_TIME), RUV_EINVAL);
  CHECK_EQ(ruv_loop_configure(NULL, RUV_LOOP_BLOCK_SIGNAL, SIGPROF), RUV_EINVAL);
  CHECK_LINES(1, ruv_stop(NULL));
  CHECK_LINES(1, ruv_update_time(NULL));
  CHECK_LINES(1, ruv_walk(NULL, walk_cb, NULL));
  CHECK_LINES(1, ruv_loop_set_data(NULL, &loop));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_loop_alive(NULL), 0));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_now(NULL), 0));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_metrics_idle_time(NULL), 0));
  CHECK_AT_MOST_ONE_LINE(CHECK(ruv_loop_get_data(NULL) == NULL));
  /* a NULL callback for ruv_walk on a good loop */
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_LINES(1, ruv_walk(&loop, NULL, NULL));
  close_loop(&loop);
}

static void test_null_handle_functions(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  int fd = 7;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_is_active(NULL), 0);
  CHECK_EQ(ruv_is_closing(NULL), 0);
  CHECK_EQ(ruv_has_ref(NULL), 0);
  CHECK_LINES(1, ruv_close(NULL, close_cb));
  CHECK_LINES(1, ruv_close(NULL, NULL));
  CHECK_LINES(1, ruv_ref(NULL));
  CHECK_LINES(1, ruv_unref(NULL));
  CHECK_LINES(1, ruv_handle_set_data(NULL, &loop));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_handle_get_type(NULL), RUV_UNKNOWN_HANDLE));
  CHECK_AT_MOST_ONE_LINE(CHECK(ruv_handle_get_data(NULL) == NULL));
  CHECK_AT_MOST_ONE_LINE(CHECK(ruv_handle_get_loop(NULL) == NULL));
  CHECK_EQ(ruv_fileno(NULL, &fd), RUV_EINVAL);
  CHECK_EQ(fd, 7);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&t, NULL), RUV_EINVAL);
  /* requests */
  CHECK_LINES(1, ruv_req_set_data(NULL, &loop));
  CHECK_AT_MOST_ONE_LINE(CHECK(ruv_req_get_data(NULL) == NULL));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_req_get_type(NULL), RUV_UNKNOWN_REQ));
  /* buffers for the _r forms */
  CHECK(ruv_strerror_r(RUV_EOF, NULL, 16) == NULL);
  CHECK(ruv_err_name_r(RUV_EOF, NULL, 16) == NULL);
  close_loop(&loop);
}

static void test_null_typed_functions(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t i;
  ruv_prepare_t p;
  ruv_check_t k;
  ruv_async_t a;
  ruv_poll_t pl;
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  /* NULL loop (the handle struct is zeroed: it must stay untouched) */
  memset(&t, 0, sizeof t);
  memset(&i, 0, sizeof i);
  memset(&p, 0, sizeof p);
  memset(&k, 0, sizeof k);
  memset(&a, 0, sizeof a);
  memset(&pl, 0, sizeof pl);
  CHECK_EQ(ruv_timer_init(NULL, &t), RUV_EINVAL);
  CHECK_EQ(ruv_idle_init(NULL, &i), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_init(NULL, &p), RUV_EINVAL);
  CHECK_EQ(ruv_check_init(NULL, &k), RUV_EINVAL);
  CHECK_EQ(ruv_async_init(NULL, &a, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_poll_init(NULL, &pl, sv[0]), RUV_EINVAL);
  CHECK_EQ(ruv_poll_init_socket(NULL, &pl, sv[0]), RUV_EINVAL);
  CHECK(t.loop == NULL && t.type == 0);
  CHECK(a.loop == NULL && a.type == 0);
  CHECK(pl.loop == NULL && pl.type == 0);
  /* NULL handle */
  CHECK_EQ(ruv_timer_init(&loop, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_idle_init(&loop, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_init(&loop, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_check_init(&loop, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_async_init(&loop, NULL, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_poll_init(&loop, NULL, sv[0]), RUV_EINVAL);
  CHECK_EQ(ruv_poll_init_socket(&loop, NULL, sv[0]), RUV_EINVAL);
  CHECK_EQ(ruv_timer_start(NULL, timer_cb, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_timer_stop(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_timer_again(NULL), RUV_EINVAL);
  CHECK_LINES(1, ruv_timer_set_repeat(NULL, 5));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_timer_get_repeat(NULL), 0));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_timer_get_due_in(NULL), 0));
  CHECK_EQ(ruv_idle_start(NULL, idle_cb), RUV_EINVAL);
  CHECK_EQ(ruv_idle_stop(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_start(NULL, prepare_cb), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_stop(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_check_start(NULL, check_cb), RUV_EINVAL);
  CHECK_EQ(ruv_check_stop(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_async_send(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(NULL, RUV_READABLE, poll_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_stop(NULL), RUV_EINVAL);
  /* nothing was registered: the loop closes at once */
  CHECK_EQ(ruv_loop_close(&loop), 0);
  close(sv[0]);
  close(sv[1]);
}

/* ---- handles that were never initialised ---------------------------------------- */

static void never_initialised_case(int fill) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t i;
  ruv_prepare_t p;
  ruv_check_t k;
  ruv_async_t a;
  ruv_poll_t pl;
  int fd = 7;
  memset(&t, fill, sizeof t);
  memset(&i, fill, sizeof i);
  memset(&p, fill, sizeof p);
  memset(&k, fill, sizeof k);
  memset(&a, fill, sizeof a);
  memset(&pl, fill, sizeof pl);
  cb_count = close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_timer_stop(&t), RUV_EINVAL);
  CHECK_EQ(ruv_timer_again(&t), RUV_EINVAL);
  CHECK_LINES(1, ruv_timer_set_repeat(&t, 5));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_timer_get_repeat(&t), 0));
  CHECK_EQ(ruv_idle_start(&i, idle_cb), RUV_EINVAL);
  CHECK_EQ(ruv_idle_stop(&i), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_start(&p, prepare_cb), RUV_EINVAL);
  CHECK_EQ(ruv_check_start(&k, check_cb), RUV_EINVAL);
  CHECK_EQ(ruv_async_send(&a), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(&pl, RUV_READABLE, poll_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_stop(&pl), RUV_EINVAL);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&pl, &fd), RUV_EINVAL);
  CHECK_EQ(fd, 7);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_is_closing((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&t), 0);
  CHECK_LINES(1, ruv_ref((ruv_handle_t *)&t));
  CHECK_LINES(1, ruv_unref((ruv_handle_t *)&i));
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&t, close_cb));
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&a, close_cb));
  /* nothing happened on the loop */
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(cb_count, 0);
  CHECK_EQ(close_count, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

static void test_never_initialised_zeroed(void) { never_initialised_case(0); }
static void test_never_initialised_0xab(void) { never_initialised_case(0xAB); }

/* ---- closed handles ------------------------------------------------------------- */

static void test_closed_handle(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t i;
  ruv_poll_t pl;
  ruv_async_t a;
  int sv[2], fd = 7;
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  close_count = cb_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 10000, 0), 0);
  CHECK_EQ(ruv_idle_init(&loop, &i), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &pl, sv[0]), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, NULL), 0);
  ruv_close((ruv_handle_t *)&t, close_cb);
  ruv_close((ruv_handle_t *)&i, close_cb);
  ruv_close((ruv_handle_t *)&pl, close_cb);
  ruv_close((ruv_handle_t *)&a, close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_count, 4);
  /* int functions: RUV_EBADF */
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EBADF);
  CHECK_EQ(ruv_timer_stop(&t), RUV_EBADF);
  CHECK_EQ(ruv_timer_again(&t), RUV_EBADF);
  CHECK_EQ(ruv_idle_start(&i, idle_cb), RUV_EBADF);
  CHECK_EQ(ruv_idle_stop(&i), RUV_EBADF);
  CHECK_EQ(ruv_poll_start(&pl, RUV_READABLE, poll_cb), RUV_EBADF);
  CHECK_EQ(ruv_poll_stop(&pl), RUV_EBADF);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&pl, &fd), RUV_EBADF);
  CHECK_EQ(fd, 7);
  CHECK_EQ(ruv_async_send(&a), RUV_EBADF);
  /* predicates: closing (for good), not active, not referenced */
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK(ruv_is_closing((ruv_handle_t *)&t) != 0);
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&t), 0);
  /* void functions: one line */
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&t, other_close_cb));
  CHECK_LINES(1, ruv_ref((ruv_handle_t *)&i));
  CHECK_LINES(1, ruv_unref((ruv_handle_t *)&i));
  CHECK_LINES(1, ruv_timer_set_repeat(&t, 3));
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(other_close_count, 0);
  CHECK_EQ(cb_count, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  /* still refused once the loop is gone */
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EBADF);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&i, NULL));
  close(sv[0]);
  close(sv[1]);
}

/* The struct of a closed handle may be initialised again: that is not misuse. */
static void test_reinit_after_close(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  cb_count = close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  ruv_close((ruv_handle_t *)&t, close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_count, 1);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_is_closing((ruv_handle_t *)&t), 0);
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_count, 1);
  close_loop(&loop);
}

/* ---- closing twice ---------------------------------------------------------------- */

static void test_close_twice(void) {
  ruv_loop_t loop;
  ruv_idle_t i;
  close_count = other_close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &i), 0);
  CHECK_EQ(ruv_idle_start(&i, idle_cb), 0);
  CHECK_LINES(0, ruv_close((ruv_handle_t *)&i, close_cb));
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&i, other_close_cb));
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&i, close_cb));
  CHECK(ruv_is_closing((ruv_handle_t *)&i));
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY); /* close callback not run yet */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_count, 1);
  CHECK_EQ(other_close_count, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(close_count, 1);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* ---- copied and restored structs ------------------------------------------------- */

static void test_copied_handle(void) {
  ruv_loop_t loop;
  ruv_timer_t t, copy;
  ruv_idle_t i, icopy;
  cb_count = close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 10000, 0), 0);
  memcpy(&copy, &t, sizeof t);
  CHECK_EQ(ruv_timer_start(&copy, timer_cb, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_timer_stop(&copy), RUV_EINVAL);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&copy), 0);
  CHECK_EQ(ruv_has_ref((ruv_handle_t *)&copy), 0);
  CHECK_LINES(1, ruv_unref((ruv_handle_t *)&copy));
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&copy, close_cb));
  /* the original is untouched: still active, referenced, due in 10 s */
  CHECK(ruv_is_active((ruv_handle_t *)&t));
  CHECK(ruv_has_ref((ruv_handle_t *)&t));
  CHECK(!ruv_is_closing((ruv_handle_t *)&t));
  CHECK(ruv_timer_get_due_in(&t) > 5000);
  CHECK_EQ(loop.active_handles, 1);
  /* the same for an idle handle */
  CHECK_EQ(ruv_idle_init(&loop, &i), 0);
  memcpy(&icopy, &i, sizeof i);
  CHECK_EQ(ruv_idle_start(&icopy, idle_cb), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&i));
  CHECK_EQ(ruv_idle_start(&i, idle_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(cb_count, 1);
  close_loop(&loop);
  CHECK_EQ(close_count, 0);
}

/* The bytes of a live handle, saved and written back after the handle was
 * closed: they name a registration that no longer exists. */
static void test_restored_stale_handle(void) {
  ruv_loop_t loop;
  ruv_timer_t t, saved;
  ruv_timer_t other;
  cb_count = close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  memcpy(&saved, &t, sizeof t);
  ruv_close((ruv_handle_t *)&t, close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  /* another handle now has the registry slot */
  CHECK_EQ(ruv_timer_init(&loop, &other), 0);
  memcpy(&t, &saved, sizeof t);
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EBADF);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&t), 0);
  CHECK_LINES(1, ruv_close((ruv_handle_t *)&t, close_cb));
  CHECK(!ruv_is_active((ruv_handle_t *)&other));
  CHECK(!ruv_is_closing((ruv_handle_t *)&other));
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(cb_count, 0);
  CHECK_EQ(close_count, 1);
  close_loop(&loop);
  /* and after the loop was closed */
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EBADF);
  CHECK_LINES(1, ruv_ref((ruv_handle_t *)&t));
}

/* ---- the wrong type of handle ----------------------------------------------------- */

static void test_wrong_handle_type(void) {
  ruv_loop_t loop;
  /* exactly idle-sized on the heap: a timer function reading past the idle
   * handle's end would be reported by valgrind */
  ruv_idle_t *i = malloc(sizeof *i);
  ruv_prepare_t p;
  ruv_timer_t t;
  ruv_async_t a;
  cb_count = 0;
  CHECK(i != NULL);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, i), 0);
  CHECK_EQ(ruv_prepare_init(&loop, &p), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_async_init(&loop, &a, NULL), 0);
  ruv_unref((ruv_handle_t *)&a);
  CHECK_EQ(ruv_timer_start((ruv_timer_t *)i, timer_cb, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_timer_stop((ruv_timer_t *)i), RUV_EINVAL);
  CHECK_EQ(ruv_timer_again((ruv_timer_t *)i), RUV_EINVAL);
  CHECK_LINES(1, ruv_timer_set_repeat((ruv_timer_t *)i, 5));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_timer_get_repeat((ruv_timer_t *)i), 0));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_timer_get_due_in((ruv_timer_t *)i), 0));
  /* async (128 bytes) and poll (160 bytes) functions on the 120-byte idle */
  CHECK_EQ(ruv_async_send((ruv_async_t *)i), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start((ruv_poll_t *)i, RUV_READABLE, poll_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_stop((ruv_poll_t *)i), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)i));
  /* same layout, another type */
  CHECK_EQ(ruv_idle_start((ruv_idle_t *)&p, idle_cb), RUV_EINVAL);
  CHECK_EQ(ruv_prepare_start((ruv_prepare_t *)i, prepare_cb), RUV_EINVAL);
  CHECK_EQ(ruv_check_start((ruv_check_t *)&p, check_cb), RUV_EINVAL);
  CHECK_EQ(ruv_check_stop((ruv_check_t *)i), RUV_EINVAL);
  CHECK_EQ(ruv_idle_start((ruv_idle_t *)&t, idle_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start((ruv_poll_t *)&t, RUV_READABLE, poll_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_stop((ruv_poll_t *)&t), RUV_EINVAL);
  CHECK_EQ(ruv_async_send((ruv_async_t *)&t), RUV_EINVAL);
  CHECK_EQ(ruv_timer_start((ruv_timer_t *)&a, timer_cb, 0, 0), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  CHECK(!ruv_is_active((ruv_handle_t *)&t));
  CHECK_EQ(loop.active_handles, 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(cb_count, 0);
  close_loop(&loop);
  free(i);
}

/* ---- the loop ----------------------------------------------------------------------- */

static void test_bad_run_mode(void) {
  ruv_loop_t loop;
  ruv_idle_t i;
  cb_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &i), 0);
  CHECK_EQ(ruv_idle_start(&i, idle_cb), 0);
  CHECK_EQ(ruv_run(&loop, 7), RUV_EINVAL);
  CHECK_EQ(ruv_run(&loop, -1), RUV_EINVAL);
  CHECK_EQ(ruv_run(&loop, 3), RUV_EINVAL);
  CHECK_EQ(cb_count, 0); /* no iteration ran */
  /* and the loop still runs normally afterwards */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(cb_count, 1);
  close_loop(&loop);
}

static void test_start_closing_handle(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t i;
  cb_count = close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_idle_init(&loop, &i), 0);
  ruv_close((ruv_handle_t *)&t, close_cb);
  ruv_close((ruv_handle_t *)&i, close_cb);
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_idle_start(&i, idle_cb), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&t));
  CHECK(!ruv_is_active((ruv_handle_t *)&i));
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_count, 0);
  CHECK_EQ(close_count, 2);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

static ruv_loop_t *nested_loop;
static int nested_result, nested_close_result;

static void nested_idle_cb(ruv_idle_t *h) {
  nested_result = ruv_run(nested_loop, RUV_RUN_NOWAIT);
  nested_close_result = ruv_loop_close(nested_loop);
  cb_count++;
  ruv_close((ruv_handle_t *)h, NULL);
}

static void test_nested_run(void) {
  ruv_loop_t loop;
  ruv_idle_t i;
  cb_count = 0;
  nested_result = nested_close_result = 12345;
  nested_loop = &loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &i), 0);
  CHECK_EQ(ruv_idle_start(&i, nested_idle_cb), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_count, 1);
  CHECK_EQ(nested_result, RUV_EBUSY);
  CHECK_EQ(nested_close_result, RUV_EBUSY);
  /* the refusal left the loop usable: it runs and closes normally */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* Running another loop from a callback is not misuse: only the same loop is
 * refused. */
static ruv_loop_t *inner_loop;
static int inner_result, inner_cb_count;

static void inner_idle_cb(ruv_idle_t *h) {
  inner_cb_count++;
  CHECK_EQ(ruv_idle_stop(h), 0);
}

static void outer_idle_cb(ruv_idle_t *h) {
  inner_result = ruv_run(inner_loop, RUV_RUN_DEFAULT);
  cb_count++;
  CHECK_EQ(ruv_idle_stop(h), 0);
}

static void test_run_other_loop_from_callback(void) {
  ruv_loop_t outer, inner;
  ruv_idle_t oi, ii;
  cb_count = inner_cb_count = 0;
  inner_result = 12345;
  inner_loop = &inner;
  CHECK_EQ(ruv_loop_init(&outer), 0);
  CHECK_EQ(ruv_loop_init(&inner), 0);
  CHECK_EQ(ruv_idle_init(&outer, &oi), 0);
  CHECK_EQ(ruv_idle_init(&inner, &ii), 0);
  CHECK_EQ(ruv_idle_start(&oi, outer_idle_cb), 0);
  CHECK_EQ(ruv_idle_start(&ii, inner_idle_cb), 0);
  CHECK_EQ(ruv_run(&outer, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_count, 1);
  CHECK_EQ(inner_cb_count, 1);
  CHECK_EQ(inner_result, 0);
  close_loop(&inner);
  close_loop(&outer);
}

static void test_loop_close_errors(void) {
  ruv_loop_t loop, zeroed, filled;
  ruv_timer_t t;
  /* open handles: EBUSY, also while one is closing */
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY);
  ruv_close((ruv_handle_t *)&t, NULL);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  /* twice: the second is refused */
  CHECK_EQ(ruv_loop_close(&loop), RUV_EINVAL);
  /* never initialised */
  memset(&zeroed, 0, sizeof zeroed);
  memset(&filled, 0xAB, sizeof filled);
  CHECK_EQ(ruv_loop_close(&zeroed), RUV_EINVAL);
  CHECK_EQ(ruv_loop_close(&filled), RUV_EINVAL);
  CHECK_EQ(ruv_run(&zeroed, RUV_RUN_DEFAULT), RUV_EINVAL);
  CHECK_EQ(ruv_run(&filled, RUV_RUN_NOWAIT), RUV_EINVAL);
  CHECK_EQ(ruv_timer_init(&zeroed, &t), RUV_EINVAL);
  CHECK_EQ(ruv_timer_init(&filled, &t), RUV_EINVAL);
  CHECK_LINES(1, ruv_stop(&zeroed));
  CHECK_LINES(1, ruv_update_time(&filled));
  CHECK_EQ(ruv_backend_fd(&filled), RUV_EINVAL);
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_loop_alive(&zeroed), 0));
  /* a loop struct holding a copy of a live loop is not that loop */
  ruv_loop_t live, copy;
  CHECK_EQ(ruv_loop_init(&live), 0);
  memcpy(&copy, &live, sizeof live);
  CHECK_EQ(ruv_loop_close(&copy), RUV_EINVAL);
  CHECK_EQ(ruv_run(&copy, RUV_RUN_NOWAIT), RUV_EINVAL);
  CHECK_EQ(ruv_timer_init(&copy, &t), RUV_EINVAL);
  CHECK_EQ(ruv_loop_close(&live), 0);
}

static void test_closed_loop(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  ruv_idle_t i;
  ruv_async_t a;
  ruv_poll_t pl;
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  memset(&t, 0, sizeof t);
  memset(&i, 0, sizeof i);
  memset(&a, 0, sizeof a);
  memset(&pl, 0, sizeof pl);
  loop.data = &t;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK(loop.data == &t); /* kept by init */
  CHECK_EQ(ruv_loop_close(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), RUV_EINVAL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), RUV_EINVAL);
  CHECK_EQ(ruv_timer_init(&loop, &t), RUV_EINVAL);
  CHECK_EQ(ruv_idle_init(&loop, &i), RUV_EINVAL);
  CHECK_EQ(ruv_async_init(&loop, &a, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_poll_init(&loop, &pl, sv[0]), RUV_EINVAL);
  CHECK_EQ(ruv_backend_fd(&loop), RUV_EINVAL);
  CHECK_LINES(1, CHECK_EQ(ruv_backend_timeout(&loop), 0));
  CHECK_EQ(ruv_loop_configure(&loop, RUV_METRICS_IDLE_TIME), RUV_EINVAL);
  CHECK_LINES(1, ruv_stop(&loop));
  CHECK_LINES(1, ruv_update_time(&loop));
  CHECK_LINES(1, ruv_walk(&loop, walk_cb, NULL));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_loop_alive(&loop), 0));
  CHECK_AT_MOST_ONE_LINE(CHECK_EQ(ruv_now(&loop), 0));
  /* the failed inits registered nothing; their structs are still unusable */
  CHECK_EQ(ruv_timer_start(&t, timer_cb, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_async_send(&a), RUV_EINVAL);
  /* fcntl: poll_init on a closed loop did not touch the descriptor */
  CHECK_EQ(fcntl(sv[0], F_GETFL) & O_NONBLOCK, 0);
  /* the struct can be initialised again */
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

/* ---- inside a close callback ----------------------------------------------------- */

static int in_close_lines, in_close_start, in_close_is_closing;

static void reclose_cb(ruv_handle_t *h) {
  close_count++;
  in_close_start = ruv_timer_start((ruv_timer_t *)h, timer_cb, 0, 0);
  in_close_is_closing = ruv_is_closing(h);
  capture_begin();
  ruv_close(h, close_cb); /* the handle is closed now */
  in_close_lines = capture_end();
}

static void test_use_in_own_close_callback(void) {
  ruv_loop_t loop;
  ruv_timer_t t;
  cb_count = close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  ruv_close((ruv_handle_t *)&t, reclose_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_count, 1);
  CHECK_EQ(in_close_start, RUV_EBADF);
  CHECK(in_close_is_closing != 0);
  CHECK_EQ(in_close_lines, 1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(close_count, 1);
  CHECK_EQ(cb_count, 0);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

/* Freeing a handle in its close callback is allowed (not misuse): valgrind
 * checks that ruv does not touch the memory afterwards. */
static void free_close_cb(ruv_handle_t *h) {
  close_count++;
  free(h);
}

static void test_free_in_close_callback(void) {
  ruv_loop_t loop;
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  close_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  ruv_timer_t *t = malloc(sizeof *t);
  ruv_idle_t *i = malloc(sizeof *i);
  ruv_async_t *a = malloc(sizeof *a);
  ruv_poll_t *p = malloc(sizeof *p);
  CHECK(t && i && a && p);
  CHECK_EQ(ruv_timer_init(&loop, t), 0);
  CHECK_EQ(ruv_timer_start(t, timer_cb, 10000, 0), 0);
  CHECK_EQ(ruv_idle_init(&loop, i), 0);
  CHECK_EQ(ruv_idle_start(i, idle_cb), 0);
  CHECK_EQ(ruv_async_init(&loop, a, NULL), 0);
  CHECK_EQ(ruv_async_send(a), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, p, sv[0]), 0);
  CHECK_EQ(ruv_poll_start(p, RUV_WRITABLE, poll_cb), 0);
  ruv_close((ruv_handle_t *)t, free_close_cb);
  ruv_close((ruv_handle_t *)i, free_close_cb);
  ruv_close((ruv_handle_t *)a, free_close_cb);
  ruv_close((ruv_handle_t *)p, free_close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_count, 4);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  close(sv[0]);
  close(sv[1]);
}

/* libuv says not to close a descriptor while it is polled; doing it must
 * still not hurt the loop. */
static void test_descriptor_closed_under_poll(void) {
  ruv_loop_t loop;
  ruv_poll_t p;
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  cb_count = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &p, sv[0]), 0);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE | RUV_WRITABLE, poll_cb), 0);
  close(sv[0]);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(ruv_poll_stop(&p), 0);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, poll_cb), RUV_EBADF);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  close_loop(&loop);
  close(sv[1]);
}

/* Initialising a live handle again (without closing it) is not tested: like
 * libuv, ruv cannot detect it (the struct is uninitialised memory at init in
 * a correct program, and branching on it is a valgrind error), so it is
 * documented as undefined instead (src/ffi/mod.rs, init_target; README). */

int main(void) {
  test_begin();
  RUN(test_null_loop_functions);
  RUN(test_null_handle_functions);
  RUN(test_null_typed_functions);
  RUN(test_never_initialised_zeroed);
  RUN(test_never_initialised_0xab);
  RUN(test_closed_handle);
  RUN(test_reinit_after_close);
  RUN(test_close_twice);
  RUN(test_copied_handle);
  RUN(test_restored_stale_handle);
  RUN(test_wrong_handle_type);
  RUN(test_bad_run_mode);
  RUN(test_start_closing_handle);
  RUN(test_nested_run);
  RUN(test_run_other_loop_from_callback);
  RUN(test_loop_close_errors);
  RUN(test_closed_loop);
  RUN(test_use_in_own_close_callback);
  RUN(test_free_in_close_callback);
  RUN(test_descriptor_closed_under_poll);
  return test_end();
}
