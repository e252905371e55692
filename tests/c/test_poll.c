/* Poll handles: readiness of a descriptor the caller owns, on pipes and
 * AF_UNIX socketpairs. Level-triggered like libuv: while a condition holds,
 * the callback runs on every iteration. Expectations were checked against
 * libuv 1.44 (Debian's libuv1-dev). */
#include "test.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>

struct rec {
  int calls;
  int status;
  int events;
  int all_events; /* OR of every call's events */
  int active_in_cb;
};

static void rec_cb(ruv_poll_t *h, int status, int events) {
  struct rec *r = h->data;
  r->calls++;
  r->status = status;
  r->events = events;
  r->all_events |= events;
  r->active_in_cb = ruv_is_active((ruv_handle_t *)h);
}

static int nonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }
static int fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

static void drain(int fd) {
  char buf[256];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

/* ---- readable and writable ------------------------------------------------------ */

static void readable_case(int use_socket) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int fds[2];
  if (use_socket)
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  else
    CHECK_EQ(pipe2(fds, O_CLOEXEC), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(use_socket ? ruv_poll_init_socket(&loop, &p, fds[0]) : ruv_poll_init(&loop, &p, fds[0]), 0);
  p.data = &r;
  CHECK_EQ(p.type, RUV_POLL);
  CHECK(p.loop == &loop);
  CHECK(!ruv_is_active((ruv_handle_t *)&p)); /* init does not start */
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, rec_cb), 0);
  CHECK(ruv_is_active((ruv_handle_t *)&p));
  CHECK(ruv_loop_alive(&loop) != 0);
  /* nothing to read yet */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(r.calls, 0);
  CHECK_EQ(write(fds[1], "x", 1), 1);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(r.calls, 1);
  CHECK_EQ(r.status, 0);
  CHECK(r.events & RUV_READABLE);
  CHECK_EQ(r.events, RUV_READABLE); /* only what was asked for */
  CHECK_EQ(r.active_in_cb, 1);
  /* level-triggered: not drained, so called again on every iteration */
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK(ruv_run(&loop, RUV_RUN_NOWAIT) != 0);
  CHECK_EQ(r.calls, 4);
  CHECK_EQ(r.all_events, RUV_READABLE);
  /* drained: no more calls */
  drain(fds[0]);
  int before = r.calls;
  for (int i = 0; i < 3; i++) ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, before);
  /* new data: called again */
  CHECK_EQ(write(fds[1], "yz", 2), 2);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, before + 1);
  close_loop(&loop);
  close(fds[0]);
  close(fds[1]);
}

static void test_readable_pipe(void) { readable_case(0); }
static void test_readable_socketpair(void) { readable_case(1); }

static void test_writable(void) {
  ruv_loop_t loop;
  ruv_poll_t sp, pw;
  struct rec rs = {0}, rp = {0};
  int sv[2], pf[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(pipe2(pf, O_CLOEXEC), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &sp, sv[0]), 0);
  CHECK_EQ(ruv_poll_init(&loop, &pw, pf[1]), 0);
  sp.data = &rs;
  pw.data = &rp;
  CHECK_EQ(ruv_poll_start(&sp, RUV_WRITABLE, rec_cb), 0);
  CHECK_EQ(ruv_poll_start(&pw, RUV_WRITABLE, rec_cb), 0);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(rs.calls, 1);
  CHECK_EQ(rs.status, 0);
  CHECK_EQ(rs.events, RUV_WRITABLE);
  CHECK_EQ(rp.calls, 1);
  CHECK_EQ(rp.events, RUV_WRITABLE);
  /* still writable: again */
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(rs.calls, 2);
  CHECK_EQ(rp.calls, 2);
  /* readable and writable at once: both reported in one call */
  CHECK_EQ(write(sv[1], "x", 1), 1);
  CHECK_EQ(ruv_poll_start(&sp, RUV_READABLE | RUV_WRITABLE, rec_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(rs.calls, 3);
  CHECK_EQ(rs.events, RUV_READABLE | RUV_WRITABLE);
  /* starting again replaces the events: only WRITABLE now, though readable */
  CHECK_EQ(ruv_poll_start(&sp, RUV_WRITABLE, rec_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(rs.calls, 4);
  CHECK_EQ(rs.events, RUV_WRITABLE);
  /* and only READABLE */
  CHECK_EQ(ruv_poll_start(&sp, RUV_READABLE, rec_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(rs.calls, 5);
  CHECK_EQ(rs.events, RUV_READABLE);
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
  close(pf[0]);
  close(pf[1]);
}

/* ---- disconnect ------------------------------------------------------------------ */

static void disconnect_case(int events, int how, int expect) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &p, sv[0]), 0);
  p.data = &r;
  CHECK_EQ(ruv_poll_start(&p, events, rec_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, (events & RUV_WRITABLE) ? 1 : 0);
  memset(&r, 0, sizeof r);
  if (how == 0)
    close(sv[1]);
  else
    shutdown(sv[1], SHUT_WR);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(r.calls, 1);
  CHECK_EQ(r.status, 0);
  CHECK_EQ(r.events, expect);
  close_loop(&loop);
  close(sv[0]);
  if (how != 0) close(sv[1]);
}

static void test_disconnect(void) {
  /* peer closed */
  disconnect_case(RUV_READABLE | RUV_DISCONNECT, 0, RUV_READABLE | RUV_DISCONNECT);
  /* peer shut down its writing side */
  disconnect_case(RUV_READABLE | RUV_DISCONNECT, 1, RUV_READABLE | RUV_DISCONNECT);
  /* only DISCONNECT asked for */
  disconnect_case(RUV_DISCONNECT, 0, RUV_DISCONNECT);
  /* not asked for: reported as readable (EOF) only */
  disconnect_case(RUV_READABLE, 0, RUV_READABLE);
  disconnect_case(RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT, 0,
                  RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT);
}

static void test_disconnect_pipe(void) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int pf[2];
  CHECK_EQ(pipe2(pf, O_CLOEXEC), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init(&loop, &p, pf[0]), 0);
  p.data = &r;
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE | RUV_DISCONNECT, rec_cb), 0);
  close(pf[1]);
  CHECK(ruv_run(&loop, RUV_RUN_ONCE) != 0);
  CHECK_EQ(r.calls, 1);
  CHECK_EQ(r.status, 0);
  CHECK_EQ(r.events, RUV_READABLE | RUV_DISCONNECT);
  close_loop(&loop);
  close(pf[0]);
}

/* The write end of a pipe whose reader is gone reports an error: the
 * callback gets RUV_EBADF with no events, and the handle is stopped. */
static void test_error_condition(void) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int pf[2];
  CHECK_EQ(pipe2(pf, O_CLOEXEC), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init(&loop, &p, pf[1]), 0);
  p.data = &r;
  CHECK_EQ(ruv_poll_start(&p, RUV_WRITABLE, rec_cb), 0);
  close(pf[0]);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_ONCE), 0); /* stopped: nothing keeps the loop */
  CHECK_EQ(r.calls, 1);
  CHECK_EQ(r.status, RUV_EBADF);
  CHECK_EQ(r.events, 0);
  CHECK_EQ(r.active_in_cb, 0);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, 1);
  close_loop(&loop);
  close(pf[1]);
}

/* ---- stopping -------------------------------------------------------------------- */

static void test_stop(void) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &p, sv[0]), 0);
  p.data = &r;
  CHECK_EQ(write(sv[1], "x", 1), 1);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, rec_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, 1);
  /* ruv_poll_stop: no more callbacks though still readable */
  CHECK_EQ(ruv_poll_stop(&p), 0);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  CHECK_EQ(ruv_loop_alive(&loop), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(r.calls, 1);
  CHECK_EQ(ruv_poll_stop(&p), 0); /* twice is fine */
  /* started again: called again */
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, rec_cb), 0);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, 2);
  /* events 0 stops */
  CHECK_EQ(ruv_poll_start(&p, 0, rec_cb), 0);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(r.calls, 2);
  CHECK_EQ(ruv_poll_start(&p, 0, rec_cb), 0); /* on a stopped handle too */
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  /* the descriptor is untouched by stopping */
  CHECK(fd_open(sv[0]));
  char c;
  CHECK_EQ(read(sv[0], &c, 1), 1);
  CHECK_EQ(c, 'x');
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

static void stop_self_cb(ruv_poll_t *h, int status, int events) {
  rec_cb(h, status, events);
  CHECK_EQ(ruv_poll_stop(h), 0);
}

/* A started poll handle keeps the loop alive; stopping it from its callback
 * ends ruv_run(DEFAULT). */
static void test_stop_from_callback_ends_run(void) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &p, sv[0]), 0);
  p.data = &r;
  CHECK_EQ(write(sv[1], "x", 1), 1);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, stop_self_cb), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(r.calls, 1);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

/* Two ready handles whose callbacks each close the other: only the first to
 * run is called (pending callbacks of a closed handle do not run). */
static ruv_poll_t pair[2];
static int pair_calls;

static void close_other_cb(ruv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  pair_calls++;
  ruv_poll_t *other = h == &pair[0] ? &pair[1] : &pair[0];
  ruv_close((ruv_handle_t *)other, NULL);
}

static void test_closed_by_other_callback(void) {
  ruv_loop_t loop;
  int a[2], b[2];
  pair_calls = 0;
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a), 0);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &pair[0], a[0]), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &pair[1], b[0]), 0);
  CHECK_EQ(ruv_poll_start(&pair[0], RUV_WRITABLE, close_other_cb), 0);
  CHECK_EQ(ruv_poll_start(&pair[1], RUV_WRITABLE, close_other_cb), 0);
  ruv_run(&loop, RUV_RUN_ONCE);
  CHECK_EQ(pair_calls, 1);
  CHECK_EQ(ruv_is_closing((ruv_handle_t *)&pair[0]) + ruv_is_closing((ruv_handle_t *)&pair[1]), 1);
  close_loop(&loop);
  close(a[0]);
  close(a[1]);
  close(b[0]);
  close(b[1]);
}

/* ---- argument errors ------------------------------------------------------------- */

static void test_start_errors(void) {
  ruv_loop_t loop;
  ruv_poll_t p;
  struct rec r = {0};
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &p, sv[0]), 0);
  p.data = &r;
  /* refused, and the handle stays stopped */
  CHECK_EQ(ruv_poll_start(&p, 16, rec_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE | 0x100, rec_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(&p, -1, rec_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(&p, RUV_WRITABLE, NULL), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  /* refused on a started handle: it keeps watching what it watched */
  CHECK_EQ(ruv_poll_start(&p, RUV_WRITABLE, rec_cb), 0);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE | 32, rec_cb), RUV_EINVAL);
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, NULL), RUV_EINVAL);
  CHECK(ruv_is_active((ruv_handle_t *)&p));
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, 1);
  CHECK_EQ(r.events, RUV_WRITABLE);
  /* every valid bit is accepted */
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE | RUV_WRITABLE | RUV_DISCONNECT | RUV_PRIORITIZED, rec_cb), 0);
  /* closing: start refused, stop harmless */
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  CHECK_EQ(ruv_poll_start(&p, RUV_READABLE, rec_cb), RUV_EINVAL);
  CHECK(!ruv_is_active((ruv_handle_t *)&p));
  int before = r.calls;
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, before);
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

static void test_init_errors(void) {
  ruv_loop_t loop;
  ruv_poll_t a, b, c;
  struct rec r = {0};
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &a, sv[0]), 0);
  a.data = &r;
  CHECK_EQ(ruv_poll_start(&a, RUV_READABLE, rec_cb), 0);
  /* a second poll handle for a descriptor that one is watching */
  CHECK_EQ(ruv_poll_init(&loop, &b, sv[0]), RUV_EEXIST);
  CHECK_EQ(ruv_poll_init_socket(&loop, &b, sv[0]), RUV_EEXIST);
  /* a regular file: epoll cannot watch it */
  char path[] = "/tmp/ruv-test-poll-XXXXXX";
  int file = mkstemp(path);
  CHECK(file >= 0);
  unlink(path);
  CHECK_EQ(ruv_poll_init(&loop, &c, file), RUV_EPERM);
  close(file);
  /* a closed descriptor, a negative one */
  CHECK_EQ(ruv_poll_init(&loop, &c, file), RUV_EBADF);
  CHECK_EQ(ruv_poll_init(&loop, &c, -1), RUV_EBADF);
  CHECK_EQ(ruv_poll_init_socket(&loop, &c, -1), RUV_EBADF);
  /* the failed inits left nothing behind: the first handle still works and
   * the loop closes */
  CHECK_EQ(write(sv[1], "x", 1), 1);
  ruv_run(&loop, RUV_RUN_NOWAIT);
  CHECK_EQ(r.calls, 1);
  /* once the first handle is closed, the descriptor can have a new one */
  ruv_close((ruv_handle_t *)&a, NULL);
  CHECK_EQ(ruv_poll_init(&loop, &b, sv[0]), 0);
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

/* libuv refuses a second poll handle for a descriptor only while another
 * handle is started on it (uv__fd_exists looks at the started watchers):
 * initialising one for a descriptor whose handle is not started, or was
 * stopped, returns 0. */
static void test_init_same_fd_not_started(void) {
  ruv_loop_t loop;
  ruv_poll_t a, b, c;
  int sv[2];
  memset(&b, 0, sizeof b);
  memset(&c, 0, sizeof c);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_poll_init_socket(&loop, &a, sv[0]), 0);
  CHECK_EQ(ruv_poll_init(&loop, &b, sv[0]), 0);
  ruv_close((ruv_handle_t *)&b, NULL);
  CHECK_EQ(ruv_poll_start(&a, RUV_READABLE, rec_cb), 0);
  CHECK_EQ(ruv_poll_stop(&a), 0);
  CHECK_EQ(ruv_poll_init(&loop, &c, sv[0]), 0);
  close_loop(&loop);
  close(sv[0]);
  close(sv[1]);
}

/* ---- the descriptor ------------------------------------------------------------- */

static void test_descriptor(void) {
  ruv_loop_t loop;
  ruv_poll_t p, s;
  ruv_idle_t idle;
  int pf[2], sv[2], fd = -1;
  CHECK_EQ(pipe2(pf, O_CLOEXEC), 0); /* blocking */
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK(!nonblocking(pf[0]));
  CHECK(!nonblocking(sv[0]));
  CHECK_EQ(ruv_loop_init(&loop), 0);
  /* init makes it non-blocking */
  CHECK_EQ(ruv_poll_init(&loop, &p, pf[0]), 0);
  CHECK(nonblocking(pf[0]));
  CHECK(!nonblocking(pf[1]));
  CHECK_EQ(ruv_poll_init_socket(&loop, &s, sv[0]), 0);
  CHECK(nonblocking(sv[0]));
  /* ruv_fileno */
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&p, &fd), 0);
  CHECK_EQ(fd, pf[0]);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&s, &fd), 0);
  CHECK_EQ(fd, sv[0]);
  CHECK_EQ(ruv_idle_init(&loop, &idle), 0);
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&idle, &fd), RUV_EINVAL);
  /* closing the handle leaves the descriptor open and usable */
  ruv_close((ruv_handle_t *)&p, NULL);
  fd = -1;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&p, &fd), RUV_EBADF);
  CHECK_EQ(fd, -1);
  ruv_close((ruv_handle_t *)&s, NULL);
  close_loop(&loop);
  CHECK(fd_open(pf[0]));
  CHECK(fd_open(sv[0]));
  CHECK_EQ(write(pf[1], "ab", 2), 2);
  char buf[4];
  CHECK_EQ(read(pf[0], buf, sizeof buf), 2);
  CHECK_EQ(write(sv[1], "c", 1), 1);
  CHECK_EQ(read(sv[0], buf, sizeof buf), 1);
  CHECK_EQ(buf[0], 'c');
  /* still non-blocking: ruv does not restore the flag */
  CHECK_EQ(read(pf[0], buf, sizeof buf), -1);
  CHECK_EQ(errno, EAGAIN);
  close(pf[0]);
  close(pf[1]);
  close(sv[0]);
  close(sv[1]);
}

int main(void) {
  test_begin();
  RUN(test_readable_pipe);
  RUN(test_readable_socketpair);
  RUN(test_writable);
  RUN(test_disconnect);
  RUN(test_disconnect_pipe);
  RUN(test_error_condition);
  RUN(test_stop);
  RUN(test_stop_from_callback_ends_run);
  RUN(test_closed_by_other_callback);
  RUN(test_start_errors);
  RUN(test_init_errors);
  RUN(test_init_same_fd_not_started);
  RUN(test_descriptor);
  return test_end();
}
