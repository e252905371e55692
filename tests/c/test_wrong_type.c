/* Every type-specific function of include/ruv.h, called on a handle of
 * another type, is refused and touches nothing: an `int` function returns
 * RUV_EINVAL, a `void` function writes one line to stderr, a function that
 * returns a value (a size, a time, a yes/no) returns 0 and writes at most one
 * line; the handle's bytes, the request passed along, the loop's counts and
 * any descriptor passed stay as they were, and the handle stays usable as
 * what it is. (ruv_is_readable/ruv_is_writable answer 0 rather than
 * RUV_EINVAL: they are predicates, and -22 would read as "yes".)
 *
 * ruv only: libuv has undefined behaviour here (it trusts the type), so this
 * file is not built against libuv.
 *
 *   cc -std=c11 -g -Wall -Wextra -Werror -Iinclude tests/c/test_wrong_type.c \
 *      target/release/libruv.a -lpthread -ldl -lm
 *
 * Each wrong-typed handle lives in a zeroed union bigger than any handle, so
 * the test never makes ruv read past the memory it owns; what is tested is
 * that ruv checks the type before it uses the struct. Each test runs in a
 * child process (isolate.h), so a crash fails that test only. */
#include "test.h"
#include "isolate.h" /* RUN_ISOLATED */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef UV_VERSION_MAJOR
#error "test_wrong_type.c is ruv-only: libuv does not check handle types"
#endif

/* ---- counting the lines a call writes to stderr --------------------------------- */

#include "capture.h"

/* ---- the handles ------------------------------------------------------------------- */

enum kind { K_IDLE, K_PREPARE, K_CHECK, K_TIMER, K_ASYNC, K_POLL, K_TCP, NKINDS };
static const char *const kind_name[NKINDS] = {"idle", "prepare", "check", "timer",
                                               "async", "poll", "tcp"};
static const int kind_type[NKINDS] = {RUV_IDLE, RUV_PREPARE, RUV_CHECK, RUV_TIMER,
                                      RUV_ASYNC, RUV_POLL, RUV_TCP};

union any {
  ruv_idle_t idle;
  ruv_prepare_t prepare;
  ruv_check_t check;
  ruv_timer_t timer;
  ruv_async_t async;
  ruv_poll_t poll;
  ruv_tcp_t tcp;
  char pad[512];
};

struct fixture {
  ruv_loop_t loop;
  union any h[NKINDS];
  int sp[2]; /* the poll handle's descriptor */
};

static int cb_calls, close_calls;
static void idle_cb(ruv_idle_t *h) { (void)h; cb_calls++; }
static void prepare_cb(ruv_prepare_t *h) { (void)h; cb_calls++; }
static void check_cb(ruv_check_t *h) { (void)h; cb_calls++; }
static void timer_cb(ruv_timer_t *h) { (void)h; cb_calls++; }
static void async_cb(ruv_async_t *h) { (void)h; cb_calls++; }
static void poll_cb(ruv_poll_t *h, int s, int e) { (void)h; (void)s; (void)e; cb_calls++; }
static void close_cb(ruv_handle_t *h) { (void)h; close_calls++; }
static void connection_cb(ruv_stream_t *s, int status) { (void)s; (void)status; cb_calls++; }
static void connect_cb(ruv_connect_t *r, int status) { (void)r; (void)status; cb_calls++; }
static void write_cb(ruv_write_t *r, int status) { (void)r; (void)status; cb_calls++; }
static void shutdown_cb(ruv_shutdown_t *r, int status) { (void)r; (void)status; cb_calls++; }
static void alloc_cb(ruv_handle_t *h, size_t n, ruv_buf_t *b) {
  (void)h;
  (void)n;
  cb_calls++;
  *b = ruv_buf_init(NULL, 0);
}
static void read_cb(ruv_stream_t *s, ssize_t n, const ruv_buf_t *b) { (void)s; (void)n; (void)b; cb_calls++; }

static void fixture_open(struct fixture *f) {
  memset(f, 0, sizeof *f);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->sp), 0);
  CHECK_EQ(ruv_loop_init(&f->loop), 0);
  CHECK_EQ(ruv_idle_init(&f->loop, &f->h[K_IDLE].idle), 0);
  CHECK_EQ(ruv_prepare_init(&f->loop, &f->h[K_PREPARE].prepare), 0);
  CHECK_EQ(ruv_check_init(&f->loop, &f->h[K_CHECK].check), 0);
  CHECK_EQ(ruv_timer_init(&f->loop, &f->h[K_TIMER].timer), 0);
  CHECK_EQ(ruv_async_init(&f->loop, &f->h[K_ASYNC].async, async_cb), 0);
  ruv_unref((ruv_handle_t *)&f->h[K_ASYNC].async); /* active from init: not keeping the loop alive */
  CHECK_EQ(ruv_poll_init_socket(&f->loop, &f->h[K_POLL].poll, f->sp[0]), 0);
  CHECK_EQ(ruv_tcp_init(&f->loop, &f->h[K_TCP].tcp), 0);
  cb_calls = close_calls = 0;
}

/* Each handle is still what it was: not closing, and it works. Then all are
 * closed and the loop closes. */
static void fixture_check_and_close(struct fixture *f) {
  ruv_loop_t *loop = &f->loop;
  for (int k = 0; k < NKINDS; k++) {
    /* (an async handle is active from its init on) */
    if (ruv_is_closing((ruv_handle_t *)&f->h[k]) ||
        ruv_is_active((ruv_handle_t *)&f->h[k]) != (k == K_ASYNC)) {
      t_failed++;
      fprintf(stderr, "   the %s handle is closing, or its activity changed\n", kind_name[k]);
    } else {
      t_passed++;
    }
    CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&f->h[k]), kind_type[k]);
  }
  CHECK_EQ(loop->active_handles, 0);
  CHECK_EQ(loop->active_reqs.count, 0);
  CHECK_EQ(ruv_run(loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(cb_calls, 0); /* no callback given to a refused call ever ran */
  /* each works as its own type */
  CHECK_EQ(ruv_idle_start(&f->h[K_IDLE].idle, idle_cb), 0);
  CHECK_EQ(ruv_prepare_start(&f->h[K_PREPARE].prepare, prepare_cb), 0);
  CHECK_EQ(ruv_check_start(&f->h[K_CHECK].check, check_cb), 0);
  CHECK_EQ(ruv_timer_start(&f->h[K_TIMER].timer, timer_cb, 0, 0), 0);
  CHECK_EQ(ruv_async_send(&f->h[K_ASYNC].async), 0);
  CHECK_EQ(ruv_poll_start(&f->h[K_POLL].poll, RUV_WRITABLE, poll_cb), 0);
  struct sockaddr_in a;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", 0, &a), 0);
  CHECK_EQ(ruv_tcp_bind(&f->h[K_TCP].tcp, (struct sockaddr *)&a, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&f->h[K_TCP].tcp, 4, connection_cb), 0);
  for (int i = 0; i < 20 && cb_calls < 6; i++) ruv_run(loop, RUV_RUN_NOWAIT);
  CHECK(cb_calls >= 6); /* idle, prepare, check, timer, async, poll */
  CHECK_EQ(ruv_idle_stop(&f->h[K_IDLE].idle), 0);
  CHECK_EQ(ruv_prepare_stop(&f->h[K_PREPARE].prepare), 0);
  CHECK_EQ(ruv_check_stop(&f->h[K_CHECK].check), 0);
  CHECK_EQ(ruv_poll_stop(&f->h[K_POLL].poll), 0);
  for (int k = 0; k < NKINDS; k++) ruv_close((ruv_handle_t *)&f->h[k], close_cb);
  CHECK_EQ(ruv_run(loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, NKINDS);
  CHECK_EQ(ruv_loop_close(loop), 0);
  close(f->sp[0]);
  close(f->sp[1]);
}

/* ---- checking one wrong call ----------------------------------------------------------- */

static union any snap;
static const char *ctx; /* the type of the handle the call is given */

static void untouched(const union any *u, const char *what, int line) {
  if (memcmp(&snap, u, sizeof snap) == 0) {
    t_passed++;
  } else {
    t_failed++;
    fprintf(stderr, "%s:%d: %s changed the bytes of the %s handle\n", __FILE__, line, what, ctx);
  }
}

static void expect_value(long long got, long long want, const char *what, int line) {
  if (got == want) {
    t_passed++;
  } else {
    t_failed++;
    fprintf(stderr, "%s:%d: %s on a %s handle gave %lld, not %lld\n", __FILE__, line, what, ctx,
            got, want);
  }
}

static void expect_lines(int got, int most, int least, const char *what, int line) {
  if (got <= most && got >= least) {
    t_passed++;
  } else {
    t_failed++;
    fprintf(stderr, "%s:%d: %s on a %s handle wrote %d lines to stderr\n", __FILE__, line, what,
            ctx, got);
  }
}

/* an int function: RUV_EINVAL, the handle untouched */
#define WRONG(u, call)                                        \
  do {                                                        \
    memcpy(&snap, (u), sizeof snap);                          \
    long long r_ = (long long)(call);                         \
    expect_value(r_, RUV_EINVAL, #call, __LINE__);            \
    untouched((u), #call, __LINE__);                          \
  } while (0)

/* a void function: one line, the handle untouched */
#define WRONG_VOID(u, call)                                   \
  do {                                                        \
    memcpy(&snap, (u), sizeof snap);                          \
    capture_begin();                                          \
    call;                                                     \
    int l_ = capture_end();                                   \
    expect_lines(l_, 1, 1, #call, __LINE__);                  \
    untouched((u), #call, __LINE__);                          \
  } while (0)

/* a function returning a value: 0, at most one line, the handle untouched */
#define WRONG_VALUE(u, call)                                  \
  do {                                                        \
    memcpy(&snap, (u), sizeof snap);                          \
    capture_begin();                                          \
    long long r_ = (long long)(call);                         \
    int l_ = capture_end();                                   \
    expect_value(r_, 0, #call, __LINE__);                     \
    expect_lines(l_, 1, 0, #call, __LINE__);                  \
    untouched((u), #call, __LINE__);                          \
  } while (0)

static int all_zero(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i]) return 0;
  return 1;
}

/* ---- the tests ----------------------------------------------------------------------- */

static void test_tcp_functions(void) {
  struct fixture f;
  fixture_open(&f);
  struct sockaddr_in a;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", 0, &a), 0);
  int sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK(sock >= 0);
  int sock_flags = fcntl(sock, F_GETFL);
  int fds = count_fds();
  for (int k = 0; k < NKINDS; k++) {
    if (k == K_TCP) continue;
    union any *u = &f.h[k];
    ruv_tcp_t *h = &u->tcp;
    ctx = kind_name[k];
    WRONG(u, ruv_tcp_open(h, sock));
    WRONG(u, ruv_tcp_bind(h, (struct sockaddr *)&a, 0));
    ruv_connect_t creq;
    memset(&creq, 0, sizeof creq);
    WRONG(u, ruv_tcp_connect(&creq, h, (struct sockaddr *)&a, connect_cb));
    CHECK(all_zero(&creq, sizeof creq));
    struct sockaddr_storage name;
    memset(&name, 0xAB, sizeof name);
    int len = sizeof name;
    WRONG(u, ruv_tcp_getsockname(h, (struct sockaddr *)&name, &len));
    WRONG(u, ruv_tcp_getpeername(h, (struct sockaddr *)&name, &len));
    CHECK_EQ(len, sizeof name);
    CHECK_EQ(((unsigned char *)&name)[0], 0xAB);
    WRONG(u, ruv_tcp_nodelay(h, 1));
    WRONG(u, ruv_tcp_keepalive(h, 1, 60));
    WRONG(u, ruv_tcp_simultaneous_accepts(h, 1));
    WRONG(u, ruv_tcp_close_reset(h, close_cb));
    CHECK(!ruv_is_closing((ruv_handle_t *)h));
  }
  /* the socket was not adopted (still open, mode unchanged), none was made */
  CHECK_EQ(fcntl(sock, F_GETFL), sock_flags);
  CHECK_EQ(count_fds(), fds);
  close(sock);
  fixture_check_and_close(&f);
}

/* the pipe functions on every kind in the fixture (none is a pipe) */
static void test_pipe_functions(void) {
  struct fixture f;
  fixture_open(&f);
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  int sv_flags = fcntl(sv[0], F_GETFL);
  int fds = count_fds();
  const char *name = "/tmp/ruv-wrong-type-pipe"; /* never made */
  for (int k = 0; k < NKINDS; k++) {
    union any *u = &f.h[k];
    ruv_pipe_t *h = (ruv_pipe_t *)u;
    ctx = kind_name[k];
    WRONG(u, ruv_pipe_open(h, sv[0]));
    WRONG(u, ruv_pipe_bind(h, name));
    WRONG(u, ruv_pipe_bind2(h, name, strlen(name), 0));
    ruv_connect_t creq;
    memset(&creq, 0, sizeof creq);
    WRONG(u, ruv_pipe_connect2(&creq, h, name, strlen(name), 0, connect_cb));
    WRONG_VOID(u, ruv_pipe_connect(&creq, h, name, connect_cb));
    CHECK(all_zero(&creq, sizeof creq));
    char buf[64];
    size_t size = sizeof buf;
    WRONG(u, ruv_pipe_getsockname(h, buf, &size));
    WRONG(u, ruv_pipe_getpeername(h, buf, &size));
    CHECK_EQ(size, sizeof buf);
    WRONG(u, ruv_pipe_chmod(h, RUV_READABLE));
    WRONG_VALUE(u, ruv_pipe_pending_count(h));
    WRONG_VALUE(u, ruv_pipe_pending_type(h)); /* RUV_UNKNOWN_HANDLE */
    WRONG_VOID(u, ruv_pipe_pending_instances(h, 4));
  }
  CHECK_EQ(access(name, F_OK), -1);
  CHECK_EQ(fcntl(sv[0], F_GETFL), sv_flags); /* not adopted */
  CHECK_EQ(count_fds(), fds);
  close(sv[0]);
  close(sv[1]);
  fixture_check_and_close(&f);
}

/* the signal functions on every kind in the fixture (none is a signal
 * handle): refused, and no handler is installed */
static void signal_cb(ruv_signal_t *h, int signum) {
  (void)h;
  (void)signum;
}

static void test_signal_functions(void) {
  struct fixture f;
  fixture_open(&f);
  struct sigaction before, after;
  CHECK_EQ(sigaction(SIGUSR1, NULL, &before), 0);
  for (int k = 0; k < NKINDS; k++) {
    union any *u = &f.h[k];
    ruv_signal_t *h = (ruv_signal_t *)u;
    ctx = kind_name[k];
    WRONG(u, ruv_signal_start(h, signal_cb, SIGUSR1));
    WRONG(u, ruv_signal_start_oneshot(h, signal_cb, SIGUSR1));
    WRONG(u, ruv_signal_stop(h));
  }
  CHECK_EQ(sigaction(SIGUSR1, NULL, &after), 0);
  CHECK(after.sa_handler == before.sa_handler);
  fixture_check_and_close(&f);
}

/* the tty functions on every kind in the fixture (none is a tty) */
static void test_tty_functions(void) {
  struct fixture f;
  fixture_open(&f);
  for (int k = 0; k < NKINDS; k++) {
    union any *u = &f.h[k];
    ruv_tty_t *h = (ruv_tty_t *)u;
    ctx = kind_name[k];
    WRONG(u, ruv_tty_set_mode(h, RUV_TTY_MODE_RAW));
    int w = -7, rows = -7;
    WRONG(u, ruv_tty_get_winsize(h, &w, &rows));
    CHECK(w == -7 && rows == -7);
  }
  fixture_check_and_close(&f);
}

/* the process functions on every kind in the fixture (none is a process) */
static void test_process_functions(void) {
  struct fixture f;
  fixture_open(&f);
  for (int k = 0; k < NKINDS; k++) {
    union any *u = &f.h[k];
    ruv_process_t *h = (ruv_process_t *)u;
    ctx = kind_name[k];
    WRONG(u, ruv_process_kill(h, 0));
    WRONG_VALUE(u, ruv_process_get_pid(h));
  }
  fixture_check_and_close(&f);
}

static void test_stream_functions(void) {
  struct fixture f;
  fixture_open(&f);
  ruv_buf_t b = ruv_buf_init((char *)"x", 1);
  for (int k = 0; k < NKINDS; k++) {
    if (k == K_TCP) continue;
    union any *u = &f.h[k];
    ruv_stream_t *s = (ruv_stream_t *)u;
    ctx = kind_name[k];
    WRONG(u, ruv_listen(s, 8, connection_cb));
    WRONG(u, ruv_accept(s, (ruv_stream_t *)&f.h[K_TCP].tcp));
    WRONG(u, ruv_read_start(s, alloc_cb, read_cb));
    WRONG(u, ruv_read_stop(s));
    ruv_write_t wreq;
    memset(&wreq, 0, sizeof wreq);
    WRONG(u, ruv_write(&wreq, s, &b, 1, write_cb));
    CHECK(all_zero(&wreq, sizeof wreq));
    WRONG(u, ruv_write2(&wreq, s, &b, 1, NULL, write_cb));
    WRONG(u, ruv_write2(&wreq, s, &b, 1, (ruv_stream_t *)&f.h[K_TCP].tcp, write_cb));
    CHECK(all_zero(&wreq, sizeof wreq));
    WRONG(u, ruv_try_write(s, &b, 1));
    ruv_shutdown_t sreq;
    memset(&sreq, 0, sizeof sreq);
    WRONG(u, ruv_shutdown(&sreq, s, shutdown_cb));
    CHECK(all_zero(&sreq, sizeof sreq));
    WRONG(u, ruv_stream_set_blocking(s, 1));
    WRONG_VALUE(u, ruv_is_readable(s));
    WRONG_VALUE(u, ruv_is_writable(s));
    WRONG_VALUE(u, ruv_stream_get_write_queue_size(s));
  }
  fixture_check_and_close(&f);
}

/* ruv_accept with a wrong-typed client: the pending connection is not
 * consumed, a TCP client can still take it */
static int pending_conns;
static void hold_connection_cb(ruv_stream_t *s, int status) {
  (void)s;
  if (status == 0) pending_conns++;
}
static int connected;
static void counted_connect_cb(ruv_connect_t *r, int status) {
  (void)r;
  if (status == 0) connected++;
}

static void test_accept_wrong_client(void) {
  struct fixture f;
  ruv_tcp_t srv, cli, good;
  ruv_connect_t creq;
  fixture_open(&f);
  pending_conns = connected = 0;
  CHECK_EQ(ruv_tcp_init(&f.loop, &srv), 0);
  struct sockaddr_in a;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", 0, &a), 0);
  CHECK_EQ(ruv_tcp_bind(&srv, (struct sockaddr *)&a, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&srv, 8, hold_connection_cb), 0);
  int len = sizeof a;
  CHECK_EQ(ruv_tcp_getsockname(&srv, (struct sockaddr *)&a, &len), 0);
  CHECK_EQ(ruv_tcp_init(&f.loop, &cli), 0);
  CHECK_EQ(ruv_tcp_connect(&creq, &cli, (struct sockaddr *)&a, counted_connect_cb), 0);
  for (int i = 0; i < 2000 && !(pending_conns == 1 && connected == 1); i++)
    ruv_run(&f.loop, RUV_RUN_NOWAIT);
  CHECK_EQ(pending_conns, 1);
  CHECK_EQ(connected, 1);
  int fds = count_fds();
  for (int k = 0; k < NKINDS; k++) {
    if (k == K_TCP) continue;
    ctx = kind_name[k];
    WRONG(&f.h[k], ruv_accept((ruv_stream_t *)&srv, (ruv_stream_t *)&f.h[k]));
  }
  CHECK_EQ(count_fds(), fds);
  CHECK_EQ(ruv_tcp_init(&f.loop, &good), 0);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&srv, (ruv_stream_t *)&good), 0);
  CHECK_EQ(ruv_is_writable((ruv_stream_t *)&good), 1);
  ruv_close((ruv_handle_t *)&srv, NULL);
  ruv_close((ruv_handle_t *)&cli, NULL);
  ruv_close((ruv_handle_t *)&good, NULL);
  CHECK_EQ(ruv_run(&f.loop, RUV_RUN_DEFAULT), 0);
  fixture_check_and_close(&f);
}

static void test_timer_functions(void) {
  struct fixture f;
  fixture_open(&f);
  for (int k = 0; k < NKINDS; k++) {
    if (k == K_TIMER) continue;
    union any *u = &f.h[k];
    ruv_timer_t *t = &u->timer;
    ctx = kind_name[k];
    WRONG(u, ruv_timer_start(t, timer_cb, 0, 0));
    WRONG(u, ruv_timer_stop(t));
    WRONG(u, ruv_timer_again(t));
    WRONG_VOID(u, ruv_timer_set_repeat(t, 5));
    WRONG_VALUE(u, ruv_timer_get_repeat(t));
    WRONG_VALUE(u, ruv_timer_get_due_in(t));
  }
  fixture_check_and_close(&f);
}

static void test_idle_prepare_check_functions(void) {
  struct fixture f;
  fixture_open(&f);
  for (int k = 0; k < NKINDS; k++) {
    union any *u = &f.h[k];
    ctx = kind_name[k];
    if (k != K_IDLE) {
      WRONG(u, ruv_idle_start(&u->idle, idle_cb));
      WRONG(u, ruv_idle_stop(&u->idle));
    }
    if (k != K_PREPARE) {
      WRONG(u, ruv_prepare_start(&u->prepare, prepare_cb));
      WRONG(u, ruv_prepare_stop(&u->prepare));
    }
    if (k != K_CHECK) {
      WRONG(u, ruv_check_start(&u->check, check_cb));
      WRONG(u, ruv_check_stop(&u->check));
    }
  }
  fixture_check_and_close(&f);
}

static void test_poll_and_async_functions(void) {
  struct fixture f;
  fixture_open(&f);
  for (int k = 0; k < NKINDS; k++) {
    union any *u = &f.h[k];
    ctx = kind_name[k];
    if (k != K_POLL) {
      WRONG(u, ruv_poll_start(&u->poll, RUV_READABLE | RUV_WRITABLE, poll_cb));
      WRONG(u, ruv_poll_stop(&u->poll));
    }
    if (k != K_ASYNC) WRONG(u, ruv_async_send(&u->async));
  }
  fixture_check_and_close(&f);
}

/* the brief's example, spelled out: close_reset on an idle handle */
static void test_close_reset_on_idle(void) {
  ruv_loop_t loop;
  union {
    ruv_idle_t idle;
    ruv_tcp_t tcp;
    char pad[512];
  } u;
  memset(&u, 0, sizeof u);
  cb_calls = close_calls = 0;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_idle_init(&loop, &u.idle), 0);
  CHECK_EQ(ruv_tcp_close_reset(&u.tcp, close_cb), RUV_EINVAL);
  CHECK_EQ(ruv_is_closing((ruv_handle_t *)&u.idle), 0);
  CHECK_EQ(ruv_idle_start(&u.idle, idle_cb), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(ruv_idle_stop(&u.idle), 0);
  CHECK_EQ(close_calls, 0);
  ruv_close((ruv_handle_t *)&u.idle, close_cb);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

int main(void) {
  test_begin();
  RUN_ISOLATED(test_close_reset_on_idle, 20);
  RUN_ISOLATED(test_tcp_functions, 20);
  RUN_ISOLATED(test_pipe_functions, 20);
  RUN_ISOLATED(test_signal_functions, 20);
  RUN_ISOLATED(test_tty_functions, 20);
  RUN_ISOLATED(test_process_functions, 20);
  RUN_ISOLATED(test_stream_functions, 20);
  RUN_ISOLATED(test_accept_wrong_client, 20);
  RUN_ISOLATED(test_timer_functions, 20);
  RUN_ISOLATED(test_idle_prepare_check_functions, 20);
  RUN_ISOLATED(test_poll_and_async_functions, 20);
  return test_end();
}
