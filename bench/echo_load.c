/* echo_load.c: the load generator and checker for the network benchmark
 * servers (net_common.h). Plain epoll, one thread (run.sh pins it to CPU 1,
 * the server to CPU 0). Every mode checks what the server sends and exits 1
 * with a "FAIL load: ..." line on stderr if it is wrong, so a broken server
 * posts no number.
 *
 *   echo_load echo PORT CONNS SIZE SECONDS WARMUP [SERVER_PID]
 *       CONNS connections, each sending a SIZE-byte message, waiting for all
 *       SIZE bytes back (compared byte for byte with what was sent), then
 *       sending the next: request/response round trips. Counts those that
 *       complete in SECONDS after WARMUP seconds. Prints
 *       "rt_per_s=R rts=N secs=S server_ns_per_rt=.. load_ns_per_rt=..
 *       server_cpu_pct=.. load_cpu_pct=..": the CPU time (user + kernel) the
 *       server (from /proc/SERVER_PID/schedstat; 0 without SERVER_PID) and
 *       this process used in the window, per round trip and in % of one CPU.
 *   echo_load count PORT CONNS SIZE TOTAL
 *       The same, exactly TOTAL round trips (TOTAL/CONNS per connection),
 *       then closes; prints "rts=N bytes=B" (the server must echo B bytes).
 *   echo_load idle PORT N
 *       Opens N connections, does one 16-byte round trip on each (so the
 *       server has accepted and served every one), prints "ready conns=N",
 *       then holds them until SIGTERM (or 120 s).
 *   echo_load http PORT
 *       Checks an HTTP server: 3 pipelined requests in one write, then one
 *       split over two writes, must get exactly 4 copies of HTTP_RESPONSE and
 *       nothing more; a malformed request must get the connection closed with
 *       no answer. Prints "http_ok".
 */
#include "net_common.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIZE (1u << 20)
#define PATTERN_SLACK 256u /* message (conn, seq) starts at pattern + 0..255 */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* CPU time process pid has used, in seconds (0 if pid is 0): the
 * scheduler's sum_exec_runtime from /proc/PID/schedstat (ns), else utime +
 * stime from /proc/PID/stat (clock ticks). */
static double proc_cpu_s(long pid) {
  if (pid <= 0) return 0;
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/schedstat", pid);
  FILE *f = fopen(path, "r");
  unsigned long long ns = 0;
  if (f) {
    int ok = fscanf(f, "%llu", &ns) == 1;
    fclose(f);
    if (ok && ns > 0) return ns / 1e9;
  }
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  f = fopen(path, "r");
  NET_CHECK(f != NULL, "cannot open %s (server gone?)", path);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  NET_CHECK(p != NULL, "bad %s", path);
  unsigned long ut = 0, st = 0;
  /* after "pid (comm)": state is field 3, utime 14, stime 15 */
  NET_CHECK(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) == 2,
            "bad %s", path);
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int connect_to(unsigned port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  NET_CHECK(fd >= 0, "socket: %s", strerror(errno));
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  NET_CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "connect to port %u: %s", port,
            strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

static void set_nonblock(int fd) {
  NET_CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "fcntl");
}

/* ---- echo, count --------------------------------------------------------- */

struct cl {
  int fd;
  int want_out;        /* EPOLLOUT registered */
  size_t sent, recvd;  /* of the current message */
  size_t off;          /* it is pattern[off .. off+size) */
  uint64_t seq, quota; /* messages completed; 0 quota: unlimited */
};

static unsigned char *pattern;
static size_t msg_size;
static int ep;
static uint64_t rts;

static void next_message(struct cl *c, size_t idx) {
  c->sent = c->recvd = 0;
  c->off = (idx * 31 + c->seq * 17) % PATTERN_SLACK;
}

static void set_out(struct cl *c, int on) {
  if (c->want_out == on) return;
  struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
  NET_CHECK(epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0, "epoll_ctl: %s", strerror(errno));
  c->want_out = on;
}

static void send_some(struct cl *c) {
  if (c->sent < msg_size) {
    ssize_t w = write(c->fd, pattern + c->off + c->sent, msg_size - c->sent);
    if (w < 0) {
      NET_CHECK(errno == EAGAIN, "write: %s", strerror(errno));
      w = 0;
    }
    c->sent += (size_t)w;
  }
  set_out(c, c->sent < msg_size);
}

/* Returns 1 when the connection finished its quota. */
static int on_input(struct cl *c, size_t idx, unsigned char *scratch, size_t scratch_len) {
  ssize_t n = read(c->fd, scratch, scratch_len);
  if (n < 0 && errno == EAGAIN) return 0;
  NET_CHECK(n != 0, "server closed connection %zu", idx);
  NET_CHECK(n > 0, "read: %s", strerror(errno));
  NET_CHECK((size_t)n <= c->sent - c->recvd,
            "connection %zu: %zd bytes back, only %zu sent and not yet echoed", idx, n,
            c->sent - c->recvd);
  NET_CHECK(!memcmp(scratch, pattern + c->off + c->recvd, (size_t)n),
            "connection %zu: echoed bytes differ from those sent", idx);
  c->recvd += (size_t)n;
  if (c->recvd < msg_size) return 0;
  rts++;
  c->seq++;
  if (c->quota && c->seq == c->quota) return 1;
  next_message(c, idx);
  send_some(c);
  return 0;
}

static struct cl *open_clients(unsigned port, size_t conns, size_t size, uint64_t quota) {
  NET_CHECK(size > 0 && size <= MAX_SIZE, "bad message size %zu", size);
  msg_size = size;
  pattern = malloc(size + PATTERN_SLACK);
  NET_CHECK(pattern != NULL, "out of memory");
  uint64_t x = 88172645463325252ull; /* xorshift64 */
  for (size_t k = 0; k < size + PATTERN_SLACK; k++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    pattern[k] = (unsigned char)x;
  }
  ep = epoll_create1(EPOLL_CLOEXEC);
  NET_CHECK(ep >= 0, "epoll_create1");
  struct cl *cs = calloc(conns, sizeof *cs);
  NET_CHECK(cs != NULL, "out of memory");
  for (size_t i = 0; i < conns; i++) {
    cs[i].fd = connect_to(port);
    set_nonblock(cs[i].fd);
    cs[i].quota = quota;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cs[i]};
    NET_CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev) == 0, "epoll_ctl");
    next_message(&cs[i], i);
  }
  return cs;
}

/* Runs the round trips until done() says stop; returns after each batch of
 * events so the caller can look at the clock. */
static void run_clients(struct cl *cs, size_t conns, double deadline_s,
                        int (*done)(double now, void *arg), void *arg) {
  static unsigned char scratch[NET_READ_BUF];
  static struct epoll_event evs[1024];
  size_t active = conns;
  double last_progress = now_s();
  uint64_t last_rts = rts;
  for (size_t i = 0; i < conns; i++) send_some(&cs[i]);
  while (active > 0) {
    int n = epoll_wait(ep, evs, 1024, 100);
    NET_CHECK(n >= 0 || errno == EINTR, "epoll_wait: %s", strerror(errno));
    for (int k = 0; k < n; k++) {
      struct cl *c = evs[k].data.ptr;
      size_t idx = (size_t)(c - cs);
      if (evs[k].events & EPOLLOUT) send_some(c);
      if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        if (on_input(c, idx, scratch, sizeof scratch)) {
          close(c->fd);
          active--;
        }
    }
    double t = now_s();
    if (rts != last_rts) last_rts = rts, last_progress = t;
    NET_CHECK(t - last_progress < 5, "no round trip completed in 5 s (%llu so far)",
              (unsigned long long)rts);
    NET_CHECK(t < deadline_s, "did not finish in time");
    if (done && done(t, arg)) return;
  }
}

struct window {
  double warm_end, end, t0, c0, s0, t1, c1, s1;
  uint64_t r0, r1;
  long server_pid;
  int phase;
};

static int window_done(double t, void *arg) {
  struct window *w = arg;
  if (w->phase == 0 && t >= w->warm_end) {
    w->phase = 1;
    w->t0 = now_s(), w->c0 = cpu_s(), w->s0 = proc_cpu_s(w->server_pid), w->r0 = rts;
  } else if (w->phase == 1 && t >= w->end) {
    w->t1 = now_s(), w->c1 = cpu_s(), w->s1 = proc_cpu_s(w->server_pid), w->r1 = rts;
    return 1;
  }
  return 0;
}

static void mode_echo(unsigned port, size_t conns, size_t size, double secs, double warm,
                      long server_pid) {
  struct cl *cs = open_clients(port, conns, size, 0);
  struct window w = {0};
  w.server_pid = server_pid;
  w.warm_end = now_s() + warm;
  w.end = w.warm_end + secs;
  run_clients(cs, conns, w.end + 10, window_done, &w);
  double dt = w.t1 - w.t0, n = (double)(w.r1 - w.r0);
  printf("rt_per_s=%.0f rts=%llu secs=%.3f server_ns_per_rt=%.0f load_ns_per_rt=%.0f"
         " server_cpu_pct=%.0f load_cpu_pct=%.0f\n",
         n / dt, (unsigned long long)(w.r1 - w.r0), dt, 1e9 * (w.s1 - w.s0) / n,
         1e9 * (w.c1 - w.c0) / n, 100 * (w.s1 - w.s0) / dt, 100 * (w.c1 - w.c0) / dt);
  for (size_t i = 0; i < conns; i++) close(cs[i].fd);
}

static void mode_count(unsigned port, size_t conns, size_t size, uint64_t total) {
  NET_CHECK(total % conns == 0, "TOTAL must be a multiple of CONNS");
  struct cl *cs = open_clients(port, conns, size, total / conns);
  run_clients(cs, conns, now_s() + 600, NULL, NULL);
  NET_CHECK(rts == total, "%llu of %llu round trips", (unsigned long long)rts,
            (unsigned long long)total);
  printf("rts=%llu bytes=%llu\n", (unsigned long long)rts,
         (unsigned long long)(rts * msg_size));
}

/* ---- idle ---------------------------------------------------------------- */

static void read_exact(int fd, char *buf, size_t len, const char *what) {
  size_t got = 0;
  while (got < len) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    NET_CHECK(poll(&p, 1, 5000) == 1, "%s: no answer in 5 s", what);
    ssize_t n = read(fd, buf + got, len - got);
    NET_CHECK(n > 0, "%s: %s", what, n == 0 ? "connection closed" : strerror(errno));
    got += (size_t)n;
  }
}

static void on_term(int sig) {
  (void)sig;
  _exit(0);
}

static void mode_idle(unsigned port, size_t n) {
  int *fds = malloc(n * sizeof *fds);
  NET_CHECK(fds != NULL, "out of memory");
  const size_t window = 256; /* connect and echo in groups */
  for (size_t base = 0; base < n; base += window) {
    size_t end = base + window < n ? base + window : n;
    for (size_t i = base; i < end; i++) fds[i] = connect_to(port);
    for (size_t i = base; i < end; i++) {
      char msg[16];
      snprintf(msg, sizeof msg, "idle%011zu", i);
      NET_CHECK(write(fds[i], msg, 16) == 16, "write: %s", strerror(errno));
    }
    for (size_t i = base; i < end; i++) {
      char msg[16], back[16];
      snprintf(msg, sizeof msg, "idle%011zu", i);
      read_exact(fds[i], back, 16, "idle echo");
      NET_CHECK(!memcmp(msg, back, 16), "connection %zu: echoed bytes differ", i);
    }
  }
  signal(SIGTERM, on_term);
  printf("ready conns=%zu\n", n);
  fflush(stdout);
  sleep(120);
}

/* ---- http ---------------------------------------------------------------- */

static void mode_http(unsigned port) {
  int fd = connect_to(port);
  const char *three = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      "GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: x\r\n\r\n"
                      "GET /b?c=d HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const char *fourth = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  NET_CHECK(write(fd, three, strlen(three)) == (ssize_t)strlen(three), "write");
  usleep(20000);
  NET_CHECK(write(fd, fourth, 20) == 20, "write");
  usleep(20000);
  NET_CHECK(write(fd, fourth + 20, strlen(fourth) - 20) == (ssize_t)(strlen(fourth) - 20),
            "write");
  char buf[4 * HTTP_RESPONSE_LEN + 1];
  read_exact(fd, buf, 4 * HTTP_RESPONSE_LEN, "http: 4 responses");
  for (int k = 0; k < 4; k++)
    NET_CHECK(!memcmp(buf + k * HTTP_RESPONSE_LEN, HTTP_RESPONSE, HTTP_RESPONSE_LEN),
              "http: response %d differs from the expected bytes", k + 1);
  struct pollfd p = {.fd = fd, .events = POLLIN};
  NET_CHECK(poll(&p, 1, 100) == 0, "http: more bytes than 4 responses");
  /* a malformed request: the connection must close, unanswered */
  const char *bad = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  NET_CHECK(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad), "write");
  NET_CHECK(poll(&p, 1, 2000) == 1, "http: malformed request neither answered nor closed");
  ssize_t n = read(fd, buf, sizeof buf);
  NET_CHECK(n == 0 || (n < 0 && errno == ECONNRESET),
            "http: malformed request got %zd bytes instead of a close", n);
  close(fd);
  printf("http_ok\n");
}

int main(int argc, char **argv) {
  net_lib_name = "load";
  setvbuf(stdout, NULL, _IOLBF, 0);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive run.sh, even if it is killed */
  if (argc < 3) goto usage;
  unsigned port = (unsigned)strtoul(argv[2], NULL, 10);
  NET_CHECK(port > 0 && port < 65536, "bad port %s", argv[2]);
  if (!strcmp(argv[1], "echo") && (argc == 7 || argc == 8))
    mode_echo(port, strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10), atof(argv[5]),
              atof(argv[6]), argc == 8 ? atol(argv[7]) : 0);
  else if (!strcmp(argv[1], "count") && argc == 6)
    mode_count(port, strtoul(argv[3], NULL, 10), strtoul(argv[4], NULL, 10),
               strtoull(argv[5], NULL, 10));
  else if (!strcmp(argv[1], "idle") && argc == 4)
    mode_idle(port, strtoul(argv[3], NULL, 10));
  else if (!strcmp(argv[1], "http") && argc == 3)
    mode_http(port);
  else
    goto usage;
  return 0;
usage:
  fprintf(stderr, "usage: %s echo PORT CONNS SIZE SECONDS WARMUP [SERVER_PID]\n"
                  "       %s count PORT CONNS SIZE TOTAL\n"
                  "       %s idle PORT N\n"
                  "       %s http PORT\n",
          argv[0], argv[0], argv[0], argv[0]);
  return 2;
}
