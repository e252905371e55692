/* fs_uv.c: the thread-pool benchmarks (fs requests and uv_queue_work),
 * written once against libuv's API, as bench_uv.c.
 *
 *   cc -O2 fs_uv.c libuv_a.a -lpthread -ldl                       -> libuv
 *   cc -O2 -I../include/uv-compat fs_uv.c ../target/release/libruv.a ...
 *                                                                 -> ruv, same source
 *
 * Workloads (see README.md):
 *   stat64 [N]   N uv_fs_stat of one file, 64 in flight
 *   chain [N]    N open / read 4 KiB / close chains, one at a time
 *   work1 [N]    N uv_queue_work round trips (empty work), 1 in flight
 *   work64 [N]   the same, 64 in flight
 * With --inline first (fs_X --inline stat64 N), the same system calls are
 * made directly on the calling thread, with no loop and no pool: the
 * reference that shows what the hand-off to the pool and back costs. For
 * work1/work64 that is a direct call of the work and after-work functions.
 *
 * Every workload checks its results and exits 1 with a FAIL line on stderr
 * when they are wrong. Output: one line, e.g.
 *   stat64 lib=ruv n=100000 depth=64 pool=4 ops_per_s=... cpu_ns_per_op=... csw_per_op=...
 */
#include <uv.h>
#include "bench_common.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef RUV_UV_COMPAT
#define BENCH_LIB "ruv"
#define BENCH_LIB_VERSION ruv_version_string()
#else
#define BENCH_LIB "libuv"
#define BENCH_LIB_VERSION uv_version_string()
#endif

#define STAT_N_DEFAULT  100000u
#define CHAIN_N_DEFAULT 20000u
#define WORK_N_DEFAULT  100000u
#define DEPTH           64u     /* requests in flight for stat64 and work64 */
#define FILE_SIZE       4096u
#define WARMUP_N        256u    /* untimed run first: pool threads started, caches warm */

static uv_loop_t loop;
static int inline_mode;
static const char *lib_name = BENCH_LIB;

static void check_rc(int rc, const char *what) {
  CHECK(rc == 0, "%s returned %d (%s)", what, rc, rc < 0 ? uv_strerror(rc) : "?");
}

/* ---- the file ------------------------------------------------------------ */

static char dir_path[4000], file_path[4096];
static unsigned char file_bytes[FILE_SIZE];
static struct stat file_st;

static void make_file(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir_path, sizeof dir_path, "%s/ruv-fs-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  CHECK(mkdtemp(dir_path) != NULL, "mkdtemp %s: %s", dir_path, strerror(errno));
  snprintf(file_path, sizeof file_path, "%s/file", dir_path);
  for (unsigned i = 0; i < FILE_SIZE; i++) file_bytes[i] = (unsigned char)(i * 131u + (i >> 8) + 7u);
  int fd = open(file_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0, "create %s: %s", file_path, strerror(errno));
  CHECK(write(fd, file_bytes, FILE_SIZE) == (ssize_t)FILE_SIZE, "write %s", file_path);
  CHECK(close(fd) == 0, "close %s", file_path);
  CHECK(stat(file_path, &file_st) == 0, "stat %s", file_path);
}

static void remove_file(void) {
  unlink(file_path);
  rmdir(dir_path);
}

/* ---- measuring ----------------------------------------------------------- */

struct mark {
  uint64_t cpu, wall;
  long csw;
};

static struct mark mark_now(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru); /* all threads of the process */
  struct mark m = {cpu_ns(), wall_ns(), ru.ru_nvcsw + ru.ru_nivcsw};
  return m;
}

static int pool_size(void) {
  if (inline_mode) return 0;
  const char *s = getenv("UV_THREADPOOL_SIZE");
  return s && *s ? atoi(s) : 4;
}

static void report(const char *wl, uint64_t n, unsigned depth, struct mark a, struct mark b) {
  printf("%s lib=%s n=%llu depth=%u pool=%d ops_per_s=%.0f cpu_ns_per_op=%.1f csw_per_op=%.3f\n", wl,
         lib_name, (unsigned long long)n, depth, pool_size(), n / ((double)(b.wall - a.wall) / 1e9),
         (double)(b.cpu - a.cpu) / n, (double)(b.csw - a.csw) / n);
}

/* ---- stat64 -------------------------------------------------------------- */

static uv_fs_t stat_reqs[DEPTH];
static uint64_t stat_n, stat_submitted, stat_done;

static void check_stat(const uv_stat_t *s) {
  CHECK(s->st_size == FILE_SIZE, "stat: size %llu, expected %u", (unsigned long long)s->st_size, FILE_SIZE);
  CHECK(s->st_ino == (uint64_t)file_st.st_ino && s->st_dev == (uint64_t)file_st.st_dev,
        "stat: another file's inode");
  CHECK(S_ISREG(s->st_mode), "stat: not a regular file (mode %llo)", (unsigned long long)s->st_mode);
}

static void stat_cb(uv_fs_t *req);

static void stat_submit(uv_fs_t *req) {
  stat_submitted++;
  check_rc(uv_fs_stat(&loop, req, file_path, stat_cb), "uv_fs_stat");
}

static void stat_cb(uv_fs_t *req) {
  CHECK(req >= stat_reqs && req < stat_reqs + DEPTH, "callback for a request that is not ours");
  CHECK(req->fs_type == UV_FS_STAT, "fs_type %d, expected UV_FS_STAT", (int)req->fs_type);
  CHECK(req->result == 0, "stat result %ld (%s)", (long)req->result,
        req->result < 0 ? uv_strerror((int)req->result) : "?");
  check_stat(&req->statbuf);
  uv_fs_req_cleanup(req);
  stat_done++;
  CHECK(stat_done <= stat_submitted && stat_submitted - stat_done < DEPTH, "more than %u in flight", DEPTH);
  if (stat_submitted < stat_n) stat_submit(req);
}

static void stat_run(uint64_t n) {
  stat_n = n;
  stat_submitted = stat_done = 0;
  for (unsigned k = 0; k < DEPTH && stat_submitted < n; k++) stat_submit(&stat_reqs[k]);
  check_rc(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
  CHECK(stat_done == n, "%llu of %llu stat callbacks", (unsigned long long)stat_done, (unsigned long long)n);
}

static void stat_inline(uint64_t n) {
  struct stat st;
  for (uint64_t i = 0; i < n; i++) {
    CHECK(stat(file_path, &st) == 0, "stat: %s", strerror(errno));
    CHECK(st.st_size == FILE_SIZE && st.st_ino == file_st.st_ino && S_ISREG(st.st_mode), "stat: wrong file");
  }
}

/* ---- chain --------------------------------------------------------------- */

static uv_fs_t chain_req;
static unsigned char chain_buf[FILE_SIZE];
static uv_buf_t chain_uvbuf;
static uv_file chain_fd;
static uint64_t chain_n, chain_done;
static int chain_step; /* 0 open, 1 read, 2 close: the request in flight */

static void chain_cb(uv_fs_t *req);

static void chain_open(void) {
  chain_step = 0;
  check_rc(uv_fs_open(&loop, &chain_req, file_path, O_RDONLY, 0, chain_cb), "uv_fs_open");
}

/* The buffer is poisoned before every read, so a read that did not happen
 * (or a stale buffer) fails the comparison. */
static void poison(unsigned char *b) {
  b[0] = (unsigned char)~file_bytes[0];
  b[FILE_SIZE - 1] = (unsigned char)~file_bytes[FILE_SIZE - 1];
}

static void chain_cb(uv_fs_t *req) {
  CHECK(req == &chain_req, "callback for a request that is not ours");
  ssize_t r = req->result;
  int type = (int)req->fs_type;
  uv_fs_req_cleanup(req);
  switch (chain_step) {
  case 0:
    CHECK(type == UV_FS_OPEN, "fs_type %d, expected UV_FS_OPEN", type);
    CHECK(r >= 0, "open: %ld (%s)", (long)r, r < 0 ? uv_strerror((int)r) : "?");
    chain_fd = (uv_file)r;
    chain_step = 1;
    poison(chain_buf);
    chain_uvbuf = uv_buf_init((char *)chain_buf, FILE_SIZE);
    check_rc(uv_fs_read(&loop, &chain_req, chain_fd, &chain_uvbuf, 1, 0, chain_cb), "uv_fs_read");
    break;
  case 1:
    CHECK(type == UV_FS_READ, "fs_type %d, expected UV_FS_READ", type);
    CHECK(r == FILE_SIZE, "read: %ld, expected %u", (long)r, FILE_SIZE);
    CHECK(memcmp(chain_buf, file_bytes, FILE_SIZE) == 0, "read: wrong bytes");
    chain_step = 2;
    check_rc(uv_fs_close(&loop, &chain_req, chain_fd, chain_cb), "uv_fs_close");
    break;
  case 2:
    CHECK(type == UV_FS_CLOSE, "fs_type %d, expected UV_FS_CLOSE", type);
    CHECK(r == 0, "close: %ld (%s)", (long)r, r < 0 ? uv_strerror((int)r) : "?");
    if (++chain_done < chain_n) chain_open();
    break;
  }
}

static void chain_run(uint64_t n) {
  chain_n = n;
  chain_done = 0;
  chain_open();
  check_rc(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
  CHECK(chain_done == n, "%llu of %llu chains", (unsigned long long)chain_done, (unsigned long long)n);
}

static void chain_inline(uint64_t n) {
  for (uint64_t i = 0; i < n; i++) {
    int fd = open(file_path, O_RDONLY);
    CHECK(fd >= 0, "open: %s", strerror(errno));
    poison(chain_buf);
    CHECK(pread(fd, chain_buf, FILE_SIZE, 0) == (ssize_t)FILE_SIZE, "pread");
    CHECK(memcmp(chain_buf, file_bytes, FILE_SIZE) == 0, "read: wrong bytes");
    CHECK(close(fd) == 0, "close: %s", strerror(errno));
  }
}

/* ---- work1 / work64 ------------------------------------------------------ */

static uv_work_t work_reqs[DEPTH];
static uint64_t work_n, work_submitted, work_done;
static unsigned work_depth;
static atomic_ulong work_ran, work_on_loop_thread;
static pthread_t loop_thread;

static void work_cb(uv_work_t *req) {
  (void)req;
  atomic_fetch_add_explicit(&work_ran, 1, memory_order_relaxed);
  if (!inline_mode && pthread_equal(pthread_self(), loop_thread))
    atomic_fetch_add_explicit(&work_on_loop_thread, 1, memory_order_relaxed);
}

static void after_work_cb(uv_work_t *req, int status);

static void work_submit(uv_work_t *req) {
  work_submitted++;
  check_rc(uv_queue_work(&loop, req, work_cb, after_work_cb), "uv_queue_work");
}

static void after_work_cb(uv_work_t *req, int status) {
  CHECK(req >= work_reqs && req < work_reqs + work_depth, "callback for a request that is not ours");
  CHECK(status == 0, "after_work status %d", status);
  work_done++;
  if (!inline_mode && work_submitted < work_n) work_submit(req);
}

static void work_run(uint64_t n, unsigned depth) {
  work_n = n;
  work_depth = depth;
  work_submitted = work_done = 0;
  atomic_store(&work_ran, 0);
  for (unsigned k = 0; k < depth && work_submitted < n; k++) work_submit(&work_reqs[k]);
  check_rc(uv_run(&loop, UV_RUN_DEFAULT), "uv_run");
  CHECK(work_done == n, "%llu of %llu after-work callbacks", (unsigned long long)work_done,
        (unsigned long long)n);
  CHECK(atomic_load(&work_ran) == n, "work callback ran %lu times, expected %llu", atomic_load(&work_ran),
        (unsigned long long)n);
  CHECK(atomic_load(&work_on_loop_thread) == 0, "work callback ran on the loop thread");
}

/* A direct call of both functions (through pointers the compiler cannot
 * see through): what the work costs without any hand-off. */
static void work_inline(uint64_t n, unsigned depth) {
  void (*volatile w)(uv_work_t *) = work_cb;
  void (*volatile a)(uv_work_t *, int) = after_work_cb;
  work_n = n;
  work_depth = depth;
  work_done = 0;
  atomic_store(&work_ran, 0);
  for (uint64_t i = 0; i < n; i++) {
    w(&work_reqs[i % depth]);
    a(&work_reqs[i % depth], 0);
  }
  CHECK(work_done == n && atomic_load(&work_ran) == n, "inline work: wrong counts");
}

/* ---- main ---------------------------------------------------------------- */

static void usage_fs(const char *argv0) {
  fprintf(stderr,
          "usage: %s [--inline] stat64|chain|work1|work64 [N] | version\n"
          "  stat64: N uv_fs_stat (default %u), %u in flight\n"
          "  chain:  N open/read %u B/close chains (default %u), one at a time\n"
          "  work1:  N uv_queue_work round trips (default %u), 1 in flight\n"
          "  work64: the same, %u in flight\n"
          "  --inline: the same system calls on this thread, no loop, no pool\n",
          argv0, STAT_N_DEFAULT, DEPTH, FILE_SIZE, CHAIN_N_DEFAULT, WORK_N_DEFAULT, DEPTH);
  exit(2);
}

int main(int argc, char **argv) {
  (void)usage; /* bench_common.h's, for the timer workloads */
  (void)touch_pages;
  setvbuf(stdout, NULL, _IOLBF, 0);
  int a = 1;
  if (a < argc && !strcmp(argv[a], "--inline")) {
    inline_mode = 1;
    lib_name = "inline";
    a++;
  }
  bench_lib_name = lib_name;
  if (a >= argc) usage_fs(argv[0]);
  const char *wl = argv[a], *ns = a + 1 < argc ? argv[a + 1] : NULL;
  if (!strcmp(wl, "version")) {
    printf("%s %s\n", BENCH_LIB, BENCH_LIB_VERSION);
    return 0;
  }

  int kind; /* 0 stat64, 1 chain, 2 work1, 3 work64 */
  uint64_t n;
  if (!strcmp(wl, "stat64")) kind = 0, n = parse_n(ns, STAT_N_DEFAULT);
  else if (!strcmp(wl, "chain")) kind = 1, n = parse_n(ns, CHAIN_N_DEFAULT);
  else if (!strcmp(wl, "work1")) kind = 2, n = parse_n(ns, WORK_N_DEFAULT);
  else if (!strcmp(wl, "work64")) kind = 3, n = parse_n(ns, WORK_N_DEFAULT);
  else usage_fs(argv[0]);
  unsigned depth = kind == 0 || kind == 3 ? DEPTH : 1;

  make_file();
  loop_thread = pthread_self();
  struct mark m0, m1;
  if (inline_mode) {
    /* warm-up as below, then the timed run */
    for (int round = 0; round < 2; round++) {
      uint64_t k = round ? n : WARMUP_N;
      m0 = mark_now();
      switch (kind) {
      case 0: stat_inline(k); break;
      case 1: chain_inline(k); break;
      default: work_inline(k, depth); break;
      }
      m1 = mark_now();
    }
  } else {
    check_rc(uv_loop_init(&loop), "uv_loop_init");
    /* The first round is a warm-up (the pool's threads start on first use,
     * in both libraries); the second is measured. */
    for (int round = 0; round < 2; round++) {
      uint64_t k = round ? n : WARMUP_N;
      m0 = mark_now();
      switch (kind) {
      case 0: stat_run(k); break;
      case 1: chain_run(k); break;
      default: work_run(k, depth); break;
      }
      m1 = mark_now();
    }
    CHECK(!uv_loop_alive(&loop), "loop still alive after uv_run");
    check_rc(uv_loop_close(&loop), "uv_loop_close");
  }
  remove_file();
  report(wl, n, depth, m0, m1);
  return 0;
}
