/* The thread pool under load and faults: 10,000 fs requests in flight,
 * a cancel storm (everything queued cancelled; every callback arrives
 * exactly once, RUV_ECANCELED for the cancelled), a work callback that
 * takes long does not hold back other completions beyond the pool's size,
 * EMFILE from open is a result, not a crash, and a loop with requests in
 * flight refuses to close. */
#include "test.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#define THREADS 4 /* RUV_THREADPOOL_SIZE, set in main */

static ruv_loop_t loop;

static uint64_t now_ms(void) { return ruv_hrtime() / 1000000; }

/* ---- 10,000 in flight ------------------------------------------------------------ */

#define MANY 10000
static ruv_fs_t many[MANY];
static int many_calls[MANY], many_ok;

static void many_cb(ruv_fs_t *req) {
  many_calls[req - many]++;
  if (req->result == 0 && S_ISDIR(req->statbuf.st_mode)) many_ok++;
  ruv_fs_req_cleanup(req);
}

static void test_ten_thousand(void) {
  many_ok = 0;
  memset(many_calls, 0, sizeof many_calls);
  for (int i = 0; i < MANY; i++) CHECK_EQ(ruv_fs_stat(&loop, &many[i], "/", many_cb), 0);
  CHECK_EQ(loop.active_reqs.count, MANY);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  int once = 0;
  for (int i = 0; i < MANY; i++) once += many_calls[i] == 1;
  CHECK_EQ(once, MANY);
  CHECK_EQ(many_ok, MANY);
  CHECK_EQ(loop.active_reqs.count, 0);
}

/* ---- a cancel storm --------------------------------------------------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;
static atomic_int ran;

static void gated(ruv_work_t *w) {
  (void)w;
  pthread_mutex_lock(&gate_lock);
  gate_waiting++;
  pthread_cond_broadcast(&gate_cond);
  while (!gate_open) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
  atomic_fetch_add(&ran, 1);
}

#define STORM 5000
static ruv_work_t storm[STORM];
static int storm_calls[STORM], storm_status[STORM];

static void storm_after(ruv_work_t *w, int status) {
  storm_calls[w - storm]++;
  storm_status[w - storm] = status;
}

static void test_cancel_storm(void) {
  gate_open = gate_waiting = 0;
  ran = 0;
  memset(storm_calls, 0, sizeof storm_calls);
  for (int i = 0; i < STORM; i++) CHECK_EQ(ruv_queue_work(&loop, &storm[i], gated, storm_after), 0);
  pthread_mutex_lock(&gate_lock);
  while (gate_waiting < THREADS) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
  /* the first THREADS run; everything else is queued: cancel it all */
  int cancelled = 0, busy = 0;
  for (int i = 0; i < STORM; i++) {
    int r = ruv_cancel((ruv_req_t *)&storm[i]);
    if (r == 0) cancelled++;
    else if (r == RUV_EBUSY) busy++;
  }
  CHECK_EQ(cancelled, STORM - THREADS);
  CHECK_EQ(busy, THREADS);
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  int once = 0, ok = 0, ecanceled = 0;
  for (int i = 0; i < STORM; i++) {
    once += storm_calls[i] == 1;
    ok += storm_status[i] == 0;
    ecanceled += storm_status[i] == RUV_ECANCELED;
  }
  CHECK_EQ(once, STORM);
  CHECK_EQ(ok, THREADS);
  CHECK_EQ(ecanceled, STORM - THREADS);
  CHECK_EQ(atomic_load(&ran), THREADS);
}

/* ---- a long work callback does not hold the others back ------------------------------ */

static uint64_t long_done_at, quick_done_at;
static int quick_done;

static void long_work(ruv_work_t *w) {
  (void)w;
  struct timespec ts = {0, 600 * 1000000L};
  nanosleep(&ts, NULL);
}
static void long_after(ruv_work_t *w, int status) {
  (void)w;
  CHECK_EQ(status, 0);
  long_done_at = now_ms();
}
static void quick_work(ruv_work_t *w) { (void)w; }
static void quick_after(ruv_work_t *w, int status) {
  (void)w;
  CHECK_EQ(status, 0);
  if (++quick_done == 100) quick_done_at = now_ms();
}

static void test_long_work(void) {
  ruv_work_t slow, quick[100];
  quick_done = 0;
  uint64_t start = now_ms();
  CHECK_EQ(ruv_queue_work(&loop, &slow, long_work, long_after), 0);
  for (int i = 0; i < 100; i++) CHECK_EQ(ruv_queue_work(&loop, &quick[i], quick_work, quick_after), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(quick_done, 100);
  /* the quick ones finished on the other threads, long before the slow one */
  CHECK(quick_done_at < long_done_at);
  CHECK(quick_done_at - start < 400);
  CHECK(long_done_at - start >= 590);
}

/* ---- EMFILE --------------------------------------------------------------------- */

static void on_open(ruv_fs_t *req) { (void)req; }

static void test_emfile(void) {
  struct rlimit old, low;
  CHECK_EQ(getrlimit(RLIMIT_NOFILE, &old), 0);
  low = old;
  low.rlim_cur = 64;
  CHECK_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  int fds[128], n = 0;
  ruv_fs_t req;
  for (;;) {
    int fd = ruv_fs_open(NULL, &req, "/dev/null", RUV_FS_O_RDONLY, 0, NULL);
    ruv_fs_req_cleanup(&req);
    if (fd < 0) {
      CHECK_EQ(fd, RUV_EMFILE);
      break;
    }
    if (n < 128) fds[n++] = fd;
  }
  /* on the pool too: a result, and the loop goes on */
  CHECK_EQ(ruv_fs_open(&loop, &req, "/dev/null", RUV_FS_O_RDONLY, 0, on_open), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(req.result, RUV_EMFILE);
  ruv_fs_req_cleanup(&req);
  for (int i = 0; i < n; i++) close(fds[i]);
  CHECK_EQ(setrlimit(RLIMIT_NOFILE, &old), 0);
  int fd = ruv_fs_open(NULL, &req, "/dev/null", RUV_FS_O_RDONLY, 0, NULL);
  CHECK(fd >= 0);
  ruv_fs_req_cleanup(&req);
  close(fd);
}

int main(void) {
  test_begin();
  setenv("RUV_THREADPOOL_SIZE", "4", 1);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  RUN(test_ten_thousand);
  RUN(test_cancel_storm);
  RUN(test_long_work);
  RUN(test_emfile);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  ruv_library_shutdown();
  return test_end();
}
