/* Terminals, on a pseudo-terminal (openpty), so no real terminal is needed:
 * ruv_guess_handle for every kind of descriptor; ruv_tty_init (a slave side
 * is reopened and the new descriptor takes the caller's place; a master is
 * used as it is; files are refused); the size; the modes (RAW, IO, NORMAL
 * back, ruv_tty_reset_mode, NORMAL back on close) as tcgetattr sees them;
 * writing (ONLCR turns "\n" into "\r\n") and reading a line through the
 * stream calls; what a tty refuses. No descriptor is left open.
 * Also built against libuv (`make test-libuv`): under RUV_STRICT what is
 * ruv's own (NORMAL put back on close, argument errors). */
#include "test.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#include "net_util.h" /* guard timer, RUN_UNTIL */

static ruv_loop_t loop;
static int master, slave;

static void open_pty(void) {
  struct winsize ws = {.ws_row = 40, .ws_col = 100};
  CHECK_EQ(openpty(&master, &slave, NULL, NULL, &ws), 0);
  fcntl(master, F_SETFD, FD_CLOEXEC);
  fcntl(slave, F_SETFD, FD_CLOEXEC);
}

static void close_pty(void) {
  close(master);
  close(slave);
}

static int lflag(int fd) {
  struct termios t;
  CHECK_EQ(tcgetattr(fd, &t), 0);
  return (int)t.c_lflag;
}

static void test_guess_handle(void) {
  char path[] = "/tmp/ruv-tty-XXXXXX";
  int file = mkstemp(path);
  CHECK(file >= 0);
  unlink(path);
  CHECK_EQ(ruv_guess_handle(file), RUV_FILE);
  close(file);
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  CHECK_EQ(ruv_guess_handle(null), RUV_FILE); /* a character device, as libuv */
  close(null);
  int p[2];
  CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
  CHECK_EQ(ruv_guess_handle(p[0]), RUV_NAMED_PIPE);
  close(p[0]);
  close(p[1]);
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_guess_handle(sv[0]), RUV_NAMED_PIPE);
  close(sv[0]);
  close(sv[1]);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_guess_handle(sv[0]), RUV_UNKNOWN_HANDLE); /* a Unix datagram socket */
  close(sv[0]);
  close(sv[1]);
  int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK_EQ(ruv_guess_handle(tcp), RUV_TCP);
  close(tcp);
  int udp = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (udp >= 0) {
    CHECK_EQ(ruv_guess_handle(udp), RUV_UDP);
    close(udp);
  }
  open_pty();
  CHECK_EQ(ruv_guess_handle(slave), RUV_TTY);
  CHECK_EQ(ruv_guess_handle(master), RUV_TTY);
  close_pty();
  CHECK_EQ(ruv_guess_handle(-1), RUV_UNKNOWN_HANDLE);
  CHECK_EQ(ruv_guess_handle(master), RUV_UNKNOWN_HANDLE); /* closed now */
}

/* init on a slave: reopened; size; modes; reset; close puts NORMAL back */
static void test_slave_modes(void) {
  ruv_tty_t tty;
  open_pty();
  int cooked = lflag(slave);
  CHECK(cooked & ICANON);
  CHECK_EQ(ruv_tty_init(&loop, &tty, slave, 1), 0);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&tty), RUV_TTY);
  CHECK_EQ(sizeof(ruv_tty_t), 312);
  CHECK_EQ(ruv_handle_size(RUV_TTY), sizeof(ruv_tty_t));
  ruv_os_fd_t fd = -1;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&tty, &fd), 0);
  CHECK(fd != slave);              /* the reopened terminal */
  CHECK(isatty(slave) && isatty(fd)); /* the caller's descriptor is still a terminal */
  CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
  CHECK(ruv_is_readable((ruv_stream_t *)&tty) && ruv_is_writable((ruv_stream_t *)&tty));

  int w = 0, h = 0;
  CHECK_EQ(ruv_tty_get_winsize(&tty, &w, &h), 0);
  CHECK_EQ(w, 100);
  CHECK_EQ(h, 40);
#if RUV_STRICT /* libuv crashes */
  CHECK_EQ(ruv_tty_get_winsize(&tty, NULL, &h), RUV_EINVAL);
#endif

  CHECK_EQ(ruv_tty_set_mode(&tty, RUV_TTY_MODE_RAW), 0);
  CHECK_EQ(lflag(slave) & (ICANON | ECHO | ISIG), 0);
  CHECK_EQ(ruv_tty_set_mode(&tty, RUV_TTY_MODE_RAW), 0); /* the same: nothing */
  CHECK_EQ(ruv_tty_set_mode(&tty, RUV_TTY_MODE_NORMAL), 0);
  CHECK_EQ(lflag(slave), cooked);
  CHECK_EQ(ruv_tty_set_mode(&tty, RUV_TTY_MODE_IO), 0);
  struct termios t;
  CHECK_EQ(tcgetattr(slave, &t), 0);
  CHECK_EQ(t.c_oflag & OPOST, 0); /* cfmakeraw */
#if RUV_STRICT /* libuv returns 0 */
  CHECK_EQ(ruv_tty_set_mode(&tty, 7), RUV_EINVAL);
#endif
  /* reset: the settings from before the first change */
  CHECK_EQ(ruv_tty_reset_mode(), 0);
  CHECK_EQ(lflag(slave), cooked);
#if !LIBUV_BEFORE(1, 49)
  CHECK_EQ(ruv_tty_set_mode(&tty, RUV_TTY_MODE_RAW_VT), 0);
  CHECK_EQ(lflag(slave) & ICANON, 0);
#else
  CHECK_EQ(ruv_tty_set_mode(&tty, RUV_TTY_MODE_RAW), 0);
#endif
  ruv_close((ruv_handle_t *)&tty, NULL); /* puts NORMAL back */
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
#if RUV_STRICT /* libuv leaves the terminal raw, and its reset then fails (EBADF) */
  CHECK_EQ(lflag(slave), cooked);
  CHECK_EQ(ruv_tty_reset_mode(), 0); /* forgot the closed descriptor: nothing to do */
#endif
  close_pty();
}

/* writing and reading through the stream calls */
static char line[64];
static size_t line_n;
static void on_read(ruv_stream_t *s, ssize_t n, const ruv_buf_t *buf) {
  (void)s;
  if (n > 0 && line_n + (size_t)n <= sizeof line) {
    memcpy(line + line_n, buf->base, (size_t)n);
    line_n += (size_t)n;
  }
}
static int writes;
static void on_write(ruv_write_t *req, int status) {
  (void)req;
  CHECK_EQ(status, 0);
  writes++;
}

static void test_stream(void) {
  ruv_tty_t tty;
  ruv_write_t wreq;
  open_pty();
  CHECK_EQ(ruv_tty_init(&loop, &tty, slave, 0), 0);
  ruv_buf_t b = ruv_buf_init("hello\n", 6);
  writes = 0;
  CHECK_EQ(ruv_write(&wreq, (ruv_stream_t *)&tty, &b, 1, on_write), 0);
  RUN_UNTIL(&loop, writes == 1, 5000);
  char got[16] = {0};
  CHECK_EQ(read(master, got, 7), 7);
  CHECK_STR(got, "hello\r\n"); /* the terminal's ONLCR */

  line_n = 0;
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&tty, slab_alloc, on_read), 0);
  CHECK_EQ(write(master, "abc\n", 4), 4); /* a line typed */
  RUN_UNTIL(&loop, line_n == 4, 5000);
  CHECK(memcmp(line, "abc\n", 4) == 0);

  /* a terminal neither listens nor takes connections */
  CHECK_EQ(ruv_listen((ruv_stream_t *)&tty, 1, NULL), RUV_EINVAL);
  ruv_tcp_t server;
  CHECK_EQ(ruv_tcp_init(&loop, &server), 0);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&server, (ruv_stream_t *)&tty), RUV_EAGAIN); /* nothing waiting */
  ruv_close((ruv_handle_t *)&server, NULL);
  ruv_close((ruv_handle_t *)&tty, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  close_pty();
}

/* a master is used as it is (reopening it would make a new pair); a pipe is
 * a stream too; a file is refused */
static void test_other_descriptors(void) {
  ruv_tty_t tty;
  open_pty();
  CHECK_EQ(ruv_tty_init(&loop, &tty, master, 0), 0);
  ruv_os_fd_t fd = -1;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&tty, &fd), 0);
  CHECK_EQ(fd, master);
  CHECK_EQ(fcntl(master, F_GETFL) & O_NONBLOCK, 0); /* blocking writes, as libuv */
  ruv_buf_t b = ruv_buf_init("xy\n", 3);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&tty, &b, 1), 3);
  char got[4] = {0};
  CHECK_EQ(read(slave, got, 3), 3); /* a line: the slave is in canonical mode */
  CHECK_STR(got, "xy\n");
  ruv_close((ruv_handle_t *)&tty, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(fcntl(master, F_GETFD), -1); /* the handle closed it */
  close(slave);

  int p[2];
  CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
  CHECK_EQ(ruv_tty_init(&loop, &tty, p[1], 0), 0);
  CHECK(!ruv_is_readable((ruv_stream_t *)&tty) && ruv_is_writable((ruv_stream_t *)&tty));
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&tty, &b, 1), 3);
  CHECK_EQ(read(p[0], got, 3), 3);
  ruv_close((ruv_handle_t *)&tty, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  close(p[0]);

  char path[] = "/tmp/ruv-tty-XXXXXX";
  int file = mkstemp(path);
  unlink(path);
  CHECK_EQ(ruv_tty_init(&loop, &tty, file, 0), RUV_EINVAL);
  close(file);
  CHECK_EQ(ruv_tty_init(&loop, &tty, -1, 0), RUV_EINVAL);
  CHECK_EQ(ruv_tty_init(NULL, &tty, 0, 0), RUV_EINVAL);
  CHECK_EQ(loop.active_handles, 0);

  ruv_tty_vtermstate_t state = RUV_TTY_SUPPORTED;
  ruv_tty_set_vterm_state(RUV_TTY_UNSUPPORTED); /* Windows only: nothing */
  CHECK_EQ(ruv_tty_get_vterm_state(&state), RUV_ENOTSUP);
  CHECK_EQ(RUV_TTY_MODE_NORMAL, 0);
  CHECK_EQ(RUV_TTY_MODE_RAW, 1);
  CHECK_EQ(RUV_TTY_MODE_IO, 2);
#if !LIBUV_BEFORE(1, 49)
  CHECK_EQ(RUV_TTY_MODE_RAW_VT, 3);
#endif
}

int main(void) {
  test_begin();
  int fds_at_start = count_fds();
  loop_setup(&loop);
  RUN(test_guess_handle);
  RUN(test_slave_modes);
  RUN(test_stream);
  RUN(test_other_descriptors);
  close_loop(&loop);
  CHECK_EQ(count_fds(), fds_at_start + LIBUV_KEEPS_FDS);
  return test_end();
}
