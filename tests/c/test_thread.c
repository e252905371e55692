/* Threads and locks: ruv_thread_*, ruv_mutex_*, ruv_rwlock_*, ruv_sem_*,
 * ruv_cond_*, ruv_barrier_*, ruv_once, ruv_key_*, as libuv 1.52 has them.
 *
 * Builds against libuv too (tests/c/libuv-shim/), to check the expectations:
 * what libuv 1.44 lacks (affinity and getcpu came in 1.45, priorities in
 * 1.48, detach and names in 1.50) is under UV_AT_LEAST(...), and the misuse
 * ruv reports instead of aborting or hanging (NULL, unlocking a mutex not
 * held, a thread joined twice, ...) under RUV_ONLY. Every wait is bounded:
 * test.h's alarm ends a hung program. */
#include "test.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <time.h>

#ifdef UV_VERSION_MAJOR /* built against libuv */
#define RUV_ONLY 0
#define UV_AT_LEAST(minor) (UV_VERSION_HEX >= ((1 << 16) | ((minor) << 8)))
#else
#define RUV_ONLY 1
#define UV_AT_LEAST(minor) 1
#endif

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static uint64_t now_ms(void) { return ruv_hrtime() / 1000000; }

/* ---- counting the lines a call writes to stderr --------------------------------- */

#if RUV_ONLY
#include "capture.h"

/* `stmt` writes exactly one line to stderr, naming `fn`. */
#define CHECK_ONE_LINE(fn, stmt)                     \
  do {                                               \
    capture_begin();                                 \
    stmt;                                            \
    CHECK_EQ(capture_end(), 1);                      \
    CHECK(strstr(cap_text, "ruv: " fn ":") != NULL); \
  } while (0)
#endif

/* ---- create, join, self, equal ------------------------------------------------ */

struct seen {
  int arg;
  ruv_thread_t self;
};

static void record_self(void *arg) {
  struct seen *s = arg;
  s->arg++;
  s->self = ruv_thread_self();
}

static void test_create_join(void) {
  ruv_thread_t tid, self = ruv_thread_self();
  struct seen s = {41, 0};
  CHECK_EQ(ruv_thread_create(&tid, record_self, &s), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK_EQ(s.arg, 42);
  CHECK(ruv_thread_equal(&tid, &s.self) != 0);
  CHECK(ruv_thread_equal(&self, &self) != 0);
  CHECK_EQ(ruv_thread_equal(&tid, &self), 0);
  CHECK(pthread_equal(self, pthread_self()) != 0); /* a pthread_t */
  CHECK_EQ(ruv_thread_join(&self), -EDEADLK);       /* itself, as pthreads */
#if RUV_ONLY
  /* pthreads would read a freed thread here */
  CHECK_EQ(ruv_thread_join(&tid), RUV_EINVAL);
#endif
}

/* many at once, each with its own argument */
#define MANY 16
static atomic_int many_sum;
static void add_arg(void *arg) { atomic_fetch_add(&many_sum, (int)(intptr_t)arg); }

static void test_many_threads(void) {
  ruv_thread_t tids[MANY];
  int before = count_threads(), expected = 0;
  atomic_store(&many_sum, 0);
  for (int i = 0; i < MANY; i++) {
    CHECK_EQ(ruv_thread_create(&tids[i], add_arg, (void *)(intptr_t)(i + 1)), 0);
    expected += i + 1;
  }
  for (int i = 0; i < MANY; i++) CHECK_EQ(ruv_thread_join(&tids[i]), 0);
  CHECK_EQ(atomic_load(&many_sum), expected);
  CHECK_EQ(count_threads(), before); /* all joined */
}

/* ---- stack sizes ------------------------------------------------------------------ */

static void measure_stack(void *arg) {
  pthread_attr_t attr;
  size_t size = 0;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    pthread_attr_getstacksize(&attr, &size);
    pthread_attr_destroy(&attr);
  }
  *(size_t *)arg = size;
}

static size_t stack_of(unsigned int flags, size_t stack_size) {
  ruv_thread_options_t opts;
  ruv_thread_t tid;
  size_t got = 0;
  opts.flags = flags;
  opts.stack_size = stack_size;
  CHECK_EQ(ruv_thread_create_ex(&tid, &opts, measure_stack, &got), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  return got;
}

/* libuv: a size is rounded up to a page, and to at least PTHREAD_STACK_MIN
 * (8 KiB if that is less); 0, or no RUV_THREAD_HAS_STACK_SIZE, is the default:
 * RLIMIT_STACK rounded down to a page (libuv 1.52: 2 MiB when unlimited).
 * The sizes go up: glibc gives a new thread the stack of a joined one when it
 * is large enough (up to 4 times), and pthread_getattr_np reports that one. */
static void test_create_ex_stack(void) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t min = PTHREAD_STACK_MIN > 8192 ? PTHREAD_STACK_MIN : 8192;
  min = (min + page - 1) / page * page;
  CHECK_EQ(stack_of(RUV_THREAD_HAS_STACK_SIZE, 1), min);            /* too small: the minimum */
  CHECK_EQ(stack_of(RUV_THREAD_HAS_STACK_SIZE, min - 1), min);
  CHECK_EQ(stack_of(RUV_THREAD_HAS_STACK_SIZE, 100 * page), 100 * page);
  CHECK_EQ(stack_of(RUV_THREAD_HAS_STACK_SIZE, 100 * page + 1), 101 * page); /* up to a page */
  struct rlimit lim;
  CHECK_EQ(getrlimit(RLIMIT_STACK, &lim), 0);
  size_t by_default = 0;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur >= min)
    by_default = (size_t)lim.rlim_cur / page * page;
  else if (RUV_ONLY)
    by_default = 2 << 20;
  if (by_default != 0) {
    CHECK_EQ(stack_of(RUV_THREAD_HAS_STACK_SIZE, 0), by_default);
    CHECK_EQ(stack_of(RUV_THREAD_NO_FLAGS, 100 * page), by_default); /* the size is not read */
    ruv_thread_t tid;
    size_t got = 0;
    CHECK_EQ(ruv_thread_create(&tid, measure_stack, &got), 0);
    CHECK_EQ(ruv_thread_join(&tid), 0);
    CHECK_EQ(got, by_default);
  }
}

/* ---- detach ---------------------------------------------------------------------- */

#if UV_AT_LEAST(50)
static ruv_sem_t detach_go, detach_done;
static int detach_self_result = 12345;

static void wait_go(void *arg) {
  (void)arg;
  ruv_sem_wait(&detach_go);
  ruv_sem_post(&detach_done);
}

static void detach_itself(void *arg) {
  ruv_thread_t me = ruv_thread_self();
  (void)arg;
  detach_self_result = ruv_thread_detach(&me);
  ruv_sem_post(&detach_done);
}

/* a detached thread frees itself when it ends; a thread may detach itself */
static void test_detach(void) {
  ruv_thread_t tid;
  int before = count_threads();
  CHECK_EQ(ruv_sem_init(&detach_go, 0), 0);
  CHECK_EQ(ruv_sem_init(&detach_done, 0), 0);
  CHECK_EQ(ruv_thread_create(&tid, wait_go, NULL), 0);
  CHECK_EQ(ruv_thread_detach(&tid), 0);
#if RUV_ONLY
  CHECK_EQ(ruv_thread_detach(&tid), RUV_EINVAL); /* once */
  CHECK_EQ(ruv_thread_join(&tid), RUV_EINVAL);   /* not joinable */
#endif
  ruv_sem_post(&detach_go);
  ruv_sem_wait(&detach_done);
  CHECK_EQ(wait_thread_count(before), before); /* it ended and was freed */
  CHECK_EQ(ruv_thread_create(&tid, detach_itself, NULL), 0);
  ruv_sem_wait(&detach_done);
  CHECK_EQ(detach_self_result, 0);
  CHECK_EQ(wait_thread_count(before), before);
#if RUV_ONLY
  CHECK_EQ(ruv_thread_join(&tid), RUV_EINVAL);
#endif
  ruv_sem_destroy(&detach_go);
  ruv_sem_destroy(&detach_done);
}
#endif

/* ---- names ------------------------------------------------------------------------- */

#if UV_AT_LEAST(50)
static ruv_sem_t name_set, name_read;

static void name_worker(void *arg) {
  char buf[16];
  ruv_thread_t me = ruv_thread_self();
  (void)arg;
  CHECK_EQ(ruv_thread_setname("worker-thread"), 0);
  CHECK_EQ(ruv_thread_getname(&me, buf, sizeof buf), 0);
  CHECK_STR(buf, "worker-thread");
  ruv_sem_post(&name_set);
  ruv_sem_wait(&name_read);
}

/* names are cut to 15 bytes on Linux; getname cuts to its buffer */
static void test_names(void) {
  ruv_thread_t self = ruv_thread_self(), tid;
  char buf[16], original[16];
  CHECK_EQ(ruv_thread_getname(&self, original, sizeof original), 0);
  CHECK_EQ(ruv_thread_setname("aaaaaaaaaaaaaaaaaaaa"), 0); /* 20 */
  CHECK_EQ(ruv_thread_getname(&self, buf, sizeof buf), 0);
  CHECK_STR(buf, "aaaaaaaaaaaaaaa"); /* 15 */
  CHECK_EQ(ruv_thread_getname(&self, buf, 3), 0);
  CHECK_STR(buf, "aa");
  CHECK_EQ(ruv_thread_setname("main-thread"), 0);
  CHECK_EQ(ruv_thread_getname(&self, buf, sizeof buf), 0);
  CHECK_STR(buf, "main-thread");
  CHECK_EQ(ruv_sem_init(&name_set, 0), 0);
  CHECK_EQ(ruv_sem_init(&name_read, 0), 0);
  CHECK_EQ(ruv_thread_create(&tid, name_worker, NULL), 0);
  ruv_sem_wait(&name_set);
  CHECK_EQ(ruv_thread_getname(&tid, buf, sizeof buf), 0); /* another thread's */
  CHECK_STR(buf, "worker-thread");
  CHECK_EQ(ruv_thread_getname(&self, buf, sizeof buf), 0);
  CHECK_STR(buf, "main-thread");
  ruv_sem_post(&name_read);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK_EQ(ruv_thread_setname(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_getname(&self, buf, 0), RUV_EINVAL);
  CHECK_EQ(ruv_thread_setname(original), 0);
  ruv_sem_destroy(&name_set);
  ruv_sem_destroy(&name_read);
}
#endif

/* ---- affinity and the current CPU ------------------------------------------------------- */

#if UV_AT_LEAST(45)
static int first_cpu(const char *mask, int n) {
  for (int i = 0; i < n; i++)
    if (mask[i]) return i;
  return -1;
}

static void pin_self(void *arg) {
  int n = ruv_cpumask_size();
  char *mask = calloc((size_t)n, 1), *old = calloc((size_t)n, 1), *now = calloc((size_t)n, 1);
  ruv_thread_t me = ruv_thread_self();
  int *cpu = arg;
  CHECK_EQ(ruv_thread_getaffinity(&me, mask, (size_t)n), 0);
  int c = first_cpu(mask, n);
  CHECK(c >= 0);
  char *only = calloc((size_t)n, 1);
  only[c >= 0 ? c : 0] = 1;
  int r = ruv_thread_setaffinity(&me, only, old, (size_t)n);
  if (r == RUV_EPERM || r == RUV_EACCES) {
    fprintf(stderr, "(affinity may not be set here: %s; skipped)\n", ruv_strerror(r));
    *cpu = -2;
  } else {
    CHECK_EQ(r, 0);
    CHECK_EQ(memcmp(old, mask, (size_t)n), 0); /* the previous mask */
    CHECK_EQ(ruv_thread_getaffinity(&me, now, (size_t)n), 0);
    CHECK_EQ(memcmp(now, only, (size_t)n), 0);
    *cpu = ruv_thread_getcpu(); /* the kernel moved it before returning */
    CHECK_EQ(*cpu, c);
  }
  free(mask);
  free(old);
  free(now);
  free(only);
}

static void test_affinity(void) {
  int n = ruv_cpumask_size();
  CHECK_EQ(n, CPU_SETSIZE);
  char *mask = calloc((size_t)n, 1);
  ruv_thread_t self = ruv_thread_self(), tid;
  CHECK_EQ(ruv_thread_getaffinity(&self, mask, (size_t)n), 0);
  int allowed = 0, odd_bytes = 0;
  for (int i = 0; i < n; i++) {
    odd_bytes += mask[i] != 0 && mask[i] != 1;
    allowed += mask[i];
  }
  CHECK_EQ(odd_bytes, 0); /* 1 or 0 */
  CHECK(allowed >= 1);
  CHECK_EQ(ruv_thread_getaffinity(&self, mask, (size_t)n - 1), RUV_EINVAL); /* too small */
  CHECK_EQ(ruv_thread_setaffinity(&self, mask, NULL, (size_t)n - 1), RUV_EINVAL);
  CHECK_EQ(ruv_thread_setaffinity(&self, mask, NULL, (size_t)n), 0); /* as it was */
  int cpu = -1;
  CHECK_EQ(ruv_thread_create(&tid, pin_self, &cpu), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK(cpu >= 0 || cpu == -2);
  int here = ruv_thread_getcpu();
  CHECK(here >= 0 && here < n);
  CHECK(mask[here] == 1);
#if RUV_ONLY
  CHECK_EQ(ruv_thread_getaffinity(NULL, mask, (size_t)n), RUV_EINVAL);
  CHECK_EQ(ruv_thread_getaffinity(&self, NULL, (size_t)n), RUV_EINVAL);
  CHECK_EQ(ruv_thread_setaffinity(NULL, mask, NULL, (size_t)n), RUV_EINVAL);
  CHECK_EQ(ruv_thread_setaffinity(&self, NULL, mask, (size_t)n), RUV_EINVAL);
#endif
  free(mask);
}
#endif

/* ---- priorities ------------------------------------------------------------------------ */

#if UV_AT_LEAST(48)
static ruv_sem_t prio_ready, prio_done;
static int prio_before, prio_after_lowest, prio_set_lowest, prio_set_highest, prio_after_highest;

static void prio_worker(void *arg) {
  ruv_thread_t me = ruv_thread_self();
  (void)arg;
  CHECK_EQ(ruv_thread_getpriority(me, &prio_before), 0);
  CHECK_EQ(ruv_thread_setpriority(me, RUV_THREAD_PRIORITY_HIGHEST + 1), RUV_EINVAL);
  CHECK_EQ(ruv_thread_setpriority(me, RUV_THREAD_PRIORITY_LOWEST - 1), RUV_EINVAL);
  if (prio_before <= 4) { /* nice 4 is allowed without privilege */
    prio_set_lowest = ruv_thread_setpriority(me, RUV_THREAD_PRIORITY_LOWEST);
    CHECK_EQ(ruv_thread_getpriority(me, &prio_after_lowest), 0);
  }
  prio_set_highest = ruv_thread_setpriority(me, RUV_THREAD_PRIORITY_HIGHEST);
  CHECK_EQ(ruv_thread_getpriority(me, &prio_after_highest), 0);
  ruv_sem_post(&prio_ready);
  ruv_sem_wait(&prio_done);
}

/* libuv on Linux: the calling thread's priority is its nice value, -2 times
 * the level (raising it takes privilege); another thread's is its policy's
 * priority, 0 under SCHED_OTHER, where setting it changes nothing */
static void test_priority(void) {
  ruv_thread_t tid;
  int p = 12345;
  prio_before = prio_after_lowest = prio_after_highest = 12345;
  prio_set_lowest = prio_set_highest = 12345;
  CHECK_EQ(ruv_sem_init(&prio_ready, 0), 0);
  CHECK_EQ(ruv_sem_init(&prio_done, 0), 0);
  CHECK_EQ(ruv_thread_create(&tid, prio_worker, NULL), 0);
  ruv_sem_wait(&prio_ready);
  if (prio_before <= 4) {
    CHECK_EQ(prio_set_lowest, 0);
    CHECK_EQ(prio_after_lowest, 4);
  }
  if (prio_set_highest == 0) {
    CHECK_EQ(prio_after_highest, -4); /* privileged */
  } else {
    CHECK(prio_set_highest == RUV_EACCES || prio_set_highest == RUV_EPERM);
    CHECK_EQ(prio_after_highest, prio_before <= 4 ? 4 : prio_before);
  }
  CHECK_EQ(ruv_thread_getpriority(tid, &p), 0); /* from another thread */
  CHECK_EQ(p, 0);
  CHECK_EQ(ruv_thread_setpriority(tid, RUV_THREAD_PRIORITY_LOWEST), 0);
  CHECK_EQ(ruv_thread_getpriority(tid, &p), 0);
  CHECK_EQ(p, 0);
  CHECK_EQ(ruv_thread_getpriority(tid, NULL), RUV_EINVAL);
  ruv_sem_post(&prio_done);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  ruv_sem_destroy(&prio_ready);
  ruv_sem_destroy(&prio_done);
}
#endif

/* ---- mutexes ------------------------------------------------------------------------------ */

static ruv_mutex_t shared_mutex;
static int trylock_result;

static void try_shared_mutex(void *arg) {
  (void)arg;
  trylock_result = ruv_mutex_trylock(&shared_mutex);
  if (trylock_result == 0) ruv_mutex_unlock(&shared_mutex);
}

/* ruv_mutex_trylock from another thread */
static int trylock_elsewhere(void) {
  ruv_thread_t tid;
  trylock_result = 12345;
  CHECK_EQ(ruv_thread_create(&tid, try_shared_mutex, NULL), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  return trylock_result;
}

#define ROUNDS 100000
static long counted;

static void count_locked(void *arg) {
  (void)arg;
  for (int i = 0; i < ROUNDS; i++) {
    ruv_mutex_lock(&shared_mutex);
    counted++;
    ruv_mutex_unlock(&shared_mutex);
  }
}

static void test_mutex(void) {
  CHECK_EQ(ruv_mutex_init(&shared_mutex), 0);
  CHECK_EQ(trylock_elsewhere(), 0);
  ruv_mutex_lock(&shared_mutex);
  CHECK_EQ(trylock_elsewhere(), RUV_EBUSY);
  CHECK_EQ(ruv_mutex_trylock(&shared_mutex), RUV_EBUSY); /* held, by this thread too */
  ruv_mutex_unlock(&shared_mutex);
  CHECK_EQ(ruv_mutex_trylock(&shared_mutex), 0);
  CHECK_EQ(trylock_elsewhere(), RUV_EBUSY);
  ruv_mutex_unlock(&shared_mutex);
  /* mutual exclusion */
  ruv_thread_t a, b;
  counted = 0;
  CHECK_EQ(ruv_thread_create(&a, count_locked, NULL), 0);
  CHECK_EQ(ruv_thread_create(&b, count_locked, NULL), 0);
  CHECK_EQ(ruv_thread_join(&a), 0);
  CHECK_EQ(ruv_thread_join(&b), 0);
  CHECK_EQ(counted, 2L * ROUNDS);
  ruv_mutex_destroy(&shared_mutex);
  /* recursive: the holder locks it again, and unlocks as often */
  CHECK_EQ(ruv_mutex_init_recursive(&shared_mutex), 0);
  ruv_mutex_lock(&shared_mutex);
  ruv_mutex_lock(&shared_mutex);
  CHECK_EQ(ruv_mutex_trylock(&shared_mutex), 0);
  CHECK_EQ(trylock_elsewhere(), RUV_EBUSY);
  ruv_mutex_unlock(&shared_mutex);
  ruv_mutex_unlock(&shared_mutex);
  CHECK_EQ(trylock_elsewhere(), RUV_EBUSY);
  ruv_mutex_unlock(&shared_mutex);
  CHECK_EQ(trylock_elsewhere(), 0);
  ruv_mutex_destroy(&shared_mutex);
}

#if RUV_ONLY
/* libuv aborts (or hangs, or breaks the mutex); ruv says so in one line and
 * the mutex stays usable */
static void test_mutex_misuse(void) {
  CHECK_EQ(ruv_mutex_init(&shared_mutex), 0);
  CHECK_ONE_LINE("ruv_mutex_unlock", ruv_mutex_unlock(&shared_mutex)); /* not held */
  CHECK_EQ(trylock_elsewhere(), 0);
  ruv_mutex_lock(&shared_mutex);
  CHECK_ONE_LINE("ruv_mutex_lock", ruv_mutex_lock(&shared_mutex)); /* held already: no hang */
  CHECK_ONE_LINE("ruv_mutex_destroy", ruv_mutex_destroy(&shared_mutex)); /* locked */
  CHECK_EQ(trylock_elsewhere(), RUV_EBUSY);
  ruv_mutex_unlock(&shared_mutex); /* once unlocks it */
  CHECK_EQ(trylock_elsewhere(), 0);
  ruv_mutex_lock(&shared_mutex);
  CHECK_EQ(trylock_elsewhere(), RUV_EBUSY); /* another thread cannot unlock it either */
  ruv_mutex_unlock(&shared_mutex);
  ruv_mutex_destroy(&shared_mutex);
  CHECK_ONE_LINE("ruv_mutex_lock", ruv_mutex_lock(&shared_mutex)); /* destroyed */
  /* a recursive one unlocked more often than locked */
  CHECK_EQ(ruv_mutex_init_recursive(&shared_mutex), 0);
  ruv_mutex_lock(&shared_mutex);
  ruv_mutex_unlock(&shared_mutex);
  CHECK_ONE_LINE("ruv_mutex_unlock", ruv_mutex_unlock(&shared_mutex));
  CHECK_EQ(trylock_elsewhere(), 0);
  ruv_mutex_destroy(&shared_mutex);
  /* NULL */
  CHECK_EQ(ruv_mutex_init(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_mutex_init_recursive(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_mutex_trylock(NULL), RUV_EINVAL);
  CHECK_ONE_LINE("ruv_mutex_lock", ruv_mutex_lock(NULL));
  CHECK_ONE_LINE("ruv_mutex_unlock", ruv_mutex_unlock(NULL));
  CHECK_ONE_LINE("ruv_mutex_destroy", ruv_mutex_destroy(NULL));
}
#endif

/* ---- read-write locks ------------------------------------------------------------------- */

static ruv_rwlock_t rw;
static int try_rd, try_wr;

static void try_rw(void *arg) {
  (void)arg;
  try_rd = ruv_rwlock_tryrdlock(&rw);
  if (try_rd == 0) ruv_rwlock_rdunlock(&rw);
  try_wr = ruv_rwlock_trywrlock(&rw);
  if (try_wr == 0) ruv_rwlock_wrunlock(&rw);
}

static void try_rw_elsewhere(void) {
  ruv_thread_t tid;
  try_rd = try_wr = 12345;
  CHECK_EQ(ruv_thread_create(&tid, try_rw, NULL), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
}

#define READERS 3
static ruv_barrier_t readers_in;
static atomic_int reading, most_reading;

/* all READERS hold the read lock at once: each waits at the barrier
 * holding it */
static void reader(void *arg) {
  (void)arg;
  ruv_rwlock_rdlock(&rw);
  int n = atomic_fetch_add(&reading, 1) + 1;
  int m = atomic_load(&most_reading);
  while (n > m && !atomic_compare_exchange_weak(&most_reading, &m, n)) {
  }
  ruv_barrier_wait(&readers_in);
  atomic_fetch_sub(&reading, 1);
  ruv_rwlock_rdunlock(&rw);
}

static void test_rwlock(void) {
  CHECK_EQ(ruv_rwlock_init(&rw), 0);
  try_rw_elsewhere();
  CHECK_EQ(try_rd, 0);
  CHECK_EQ(try_wr, 0);
  ruv_rwlock_rdlock(&rw);
  try_rw_elsewhere(); /* another reader may; a writer may not */
  CHECK_EQ(try_rd, 0);
  CHECK_EQ(try_wr, RUV_EBUSY);
  CHECK_EQ(ruv_rwlock_tryrdlock(&rw), 0); /* a second hold */
  ruv_rwlock_rdunlock(&rw);
  ruv_rwlock_rdunlock(&rw);
  ruv_rwlock_wrlock(&rw);
  try_rw_elsewhere(); /* neither while a writer holds it */
  CHECK_EQ(try_rd, RUV_EBUSY);
  CHECK_EQ(try_wr, RUV_EBUSY);
  ruv_rwlock_wrunlock(&rw);
  CHECK_EQ(ruv_rwlock_trywrlock(&rw), 0);
  CHECK_EQ(ruv_rwlock_tryrdlock(&rw), RUV_EBUSY);
  ruv_rwlock_wrunlock(&rw);
  /* several readers at once */
  ruv_thread_t tids[READERS];
  atomic_store(&reading, 0);
  atomic_store(&most_reading, 0);
  CHECK_EQ(ruv_barrier_init(&readers_in, READERS), 0);
  for (int i = 0; i < READERS; i++) CHECK_EQ(ruv_thread_create(&tids[i], reader, NULL), 0);
  for (int i = 0; i < READERS; i++) CHECK_EQ(ruv_thread_join(&tids[i]), 0);
  CHECK_EQ(atomic_load(&most_reading), READERS);
  ruv_barrier_destroy(&readers_in);
  try_rw_elsewhere(); /* all released */
  CHECK_EQ(try_wr, 0);
  ruv_rwlock_destroy(&rw);
#if RUV_ONLY
  /* the writer taking it again, or reading it: one line, no hang */
  CHECK_EQ(ruv_rwlock_init(&rw), 0);
  ruv_rwlock_wrlock(&rw);
  CHECK_ONE_LINE("ruv_rwlock_wrlock", ruv_rwlock_wrlock(&rw));
  CHECK_ONE_LINE("ruv_rwlock_rdlock", ruv_rwlock_rdlock(&rw));
  ruv_rwlock_wrunlock(&rw);
  try_rw_elsewhere();
  CHECK_EQ(try_wr, 0);
  ruv_rwlock_destroy(&rw);
  CHECK_EQ(ruv_rwlock_init(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_rwlock_tryrdlock(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_rwlock_trywrlock(NULL), RUV_EINVAL);
  CHECK_ONE_LINE("ruv_rwlock_rdlock", ruv_rwlock_rdlock(NULL));
  CHECK_ONE_LINE("ruv_rwlock_rdunlock", ruv_rwlock_rdunlock(NULL));
  CHECK_ONE_LINE("ruv_rwlock_wrlock", ruv_rwlock_wrlock(NULL));
  CHECK_ONE_LINE("ruv_rwlock_wrunlock", ruv_rwlock_wrunlock(NULL));
  CHECK_ONE_LINE("ruv_rwlock_destroy", ruv_rwlock_destroy(NULL));
#endif
}

/* ---- semaphores ----------------------------------------------------------------------------- */

static ruv_sem_t ping, pong;
#define PINGS 1000

static void ponger(void *arg) {
  (void)arg;
  for (int i = 0; i < PINGS; i++) {
    ruv_sem_wait(&ping);
    ruv_sem_post(&pong);
  }
}

static void poster(void *arg) {
  for (int i = 0; i < 5; i++) {
    sleep_ms(2);
    ruv_sem_post(arg);
  }
}

static void test_sem(void) {
  ruv_sem_t s;
  ruv_thread_t tid;
  CHECK_EQ(ruv_sem_init(&s, 2), 0);
  CHECK_EQ(ruv_sem_trywait(&s), 0);
  CHECK_EQ(ruv_sem_trywait(&s), 0);
  CHECK_EQ(ruv_sem_trywait(&s), RUV_EAGAIN);
  ruv_sem_post(&s);
  CHECK_EQ(ruv_sem_trywait(&s), 0);
  /* waiting for another thread's posts */
  CHECK_EQ(ruv_thread_create(&tid, poster, &s), 0);
  for (int i = 0; i < 5; i++) ruv_sem_wait(&s);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK_EQ(ruv_sem_trywait(&s), RUV_EAGAIN);
  ruv_sem_destroy(&s);
  /* ping-pong */
  CHECK_EQ(ruv_sem_init(&ping, 0), 0);
  CHECK_EQ(ruv_sem_init(&pong, 0), 0);
  CHECK_EQ(ruv_thread_create(&tid, ponger, NULL), 0);
  for (int i = 0; i < PINGS; i++) {
    ruv_sem_post(&ping);
    ruv_sem_wait(&pong);
  }
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK_EQ(ruv_sem_trywait(&ping), RUV_EAGAIN);
  CHECK_EQ(ruv_sem_trywait(&pong), RUV_EAGAIN);
  ruv_sem_destroy(&ping);
  ruv_sem_destroy(&pong);
  CHECK_EQ(ruv_sem_init(&s, (unsigned int)SEM_VALUE_MAX + 1), RUV_EINVAL);
#if RUV_ONLY
  CHECK_EQ(ruv_sem_init(&s, SEM_VALUE_MAX), 0);
  CHECK_ONE_LINE("ruv_sem_post", ruv_sem_post(&s)); /* overflow: libuv aborts */
  CHECK_EQ(ruv_sem_trywait(&s), 0);
  ruv_sem_destroy(&s);
  CHECK_EQ(ruv_sem_init(NULL, 0), RUV_EINVAL);
  CHECK_EQ(ruv_sem_trywait(NULL), RUV_EINVAL);
  CHECK_ONE_LINE("ruv_sem_post", ruv_sem_post(NULL));
  CHECK_ONE_LINE("ruv_sem_wait", ruv_sem_wait(NULL));
  CHECK_ONE_LINE("ruv_sem_destroy", ruv_sem_destroy(NULL));
#endif
}

/* ---- condition variables ------------------------------------------------------------------ */

static ruv_mutex_t cm;
static ruv_cond_t cv;
static int flag, woken, waiting;

static void wait_flag(void *arg) {
  (void)arg;
  ruv_mutex_lock(&cm);
  waiting++;
  ruv_cond_broadcast(&cv); /* tell the main thread */
  while (!flag) ruv_cond_wait(&cv, &cm);
  woken++;
  ruv_mutex_unlock(&cm);
}

static void wait_waiting(int n) {
  int r = 0;
  ruv_mutex_lock(&cm);
  while (waiting < n && r == 0) r = ruv_cond_timedwait(&cv, &cm, 5000000000ull);
  ruv_mutex_unlock(&cm);
  CHECK_EQ(r, 0);
}

static void test_cond(void) {
  ruv_thread_t tids[3];
  CHECK_EQ(ruv_mutex_init(&cm), 0);
  CHECK_EQ(ruv_cond_init(&cv), 0);
  /* signal wakes the one waiter */
  flag = woken = waiting = 0;
  CHECK_EQ(ruv_thread_create(&tids[0], wait_flag, NULL), 0);
  wait_waiting(1);
  ruv_mutex_lock(&cm);
  flag = 1;
  ruv_cond_signal(&cv);
  ruv_mutex_unlock(&cm);
  CHECK_EQ(ruv_thread_join(&tids[0]), 0);
  CHECK_EQ(woken, 1);
  /* broadcast wakes all three */
  flag = woken = waiting = 0;
  for (int i = 0; i < 3; i++) CHECK_EQ(ruv_thread_create(&tids[i], wait_flag, NULL), 0);
  wait_waiting(3);
  ruv_mutex_lock(&cm);
  flag = 1;
  ruv_cond_broadcast(&cv);
  ruv_mutex_unlock(&cm);
  for (int i = 0; i < 3; i++) CHECK_EQ(ruv_thread_join(&tids[i]), 0);
  CHECK_EQ(woken, 3);
  /* a timed wait nobody ends: RUV_ETIMEDOUT after the time, the mutex held */
  ruv_mutex_lock(&cm);
  uint64_t t0 = now_ms();
  CHECK_EQ(ruv_cond_timedwait(&cv, &cm, 50 * 1000000ull), RUV_ETIMEDOUT);
  uint64_t took = now_ms() - t0;
  CHECK(took >= 49 && took < 5000);
  CHECK_EQ(ruv_cond_timedwait(&cv, &cm, 0), RUV_ETIMEDOUT);
  ruv_mutex_unlock(&cm);
  CHECK_EQ(ruv_mutex_trylock(&cm), 0);
  ruv_mutex_unlock(&cm);
  ruv_mutex_destroy(&cm);
  ruv_cond_destroy(&cv);
}

static ruv_mutex_t tm;
static ruv_cond_t tc;
static int tflag;

static void set_flag_later(void *arg) {
  (void)arg;
  sleep_ms(20);
  ruv_mutex_lock(&tm);
  tflag = 1;
  ruv_cond_signal(&tc);
  ruv_mutex_unlock(&tm);
}

static void test_cond_timedwait_woken(void) {
  ruv_thread_t tid;
  CHECK_EQ(ruv_mutex_init(&tm), 0);
  CHECK_EQ(ruv_cond_init(&tc), 0);
  tflag = 0;
  ruv_mutex_lock(&tm);
  uint64_t t0 = now_ms();
  CHECK_EQ(ruv_thread_create(&tid, set_flag_later, NULL), 0);
  int r = 0;
  while (!tflag && r == 0) r = ruv_cond_timedwait(&tc, &tm, 10ull * 1000000000ull);
  uint64_t took = now_ms() - t0;
  CHECK_EQ(r, 0);
  CHECK_EQ(tflag, 1);
  CHECK(took < 5000); /* woken, not timed out */
  ruv_mutex_unlock(&tm);
  CHECK_EQ(ruv_thread_join(&tid), 0);
#if RUV_ONLY
  /* waiting without holding the mutex: libuv aborts */
  CHECK_EQ(ruv_cond_timedwait(&tc, &tm, 1000000), RUV_EPERM);
  CHECK_ONE_LINE("ruv_cond_wait", ruv_cond_wait(&tc, &tm));
  CHECK_EQ(ruv_cond_init(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_cond_timedwait(NULL, &tm, 1), RUV_EINVAL);
  CHECK_EQ(ruv_cond_timedwait(&tc, NULL, 1), RUV_EINVAL);
  CHECK_ONE_LINE("ruv_cond_wait", ruv_cond_wait(NULL, &tm));
  CHECK_ONE_LINE("ruv_cond_wait", ruv_cond_wait(&tc, NULL));
  CHECK_ONE_LINE("ruv_cond_signal", ruv_cond_signal(NULL));
  CHECK_ONE_LINE("ruv_cond_broadcast", ruv_cond_broadcast(NULL));
  CHECK_ONE_LINE("ruv_cond_destroy", ruv_cond_destroy(NULL));
#endif
  ruv_mutex_destroy(&tm);
  ruv_cond_destroy(&tc);
}

/* ---- barriers ---------------------------------------------------------------------------- */

#define PARTIES 4
#define BARRIER_ROUNDS 3
static ruv_barrier_t bar;
static atomic_int serial[BARRIER_ROUNDS], passed[BARRIER_ROUNDS], arrived[BARRIER_ROUNDS];
static atomic_int early; /* a thread got past a round before all had arrived */
static atomic_int odd;   /* a return other than 0 and 1 */

static void party(void *arg) {
  (void)arg;
  for (int round = 0; round < BARRIER_ROUNDS; round++) {
    atomic_fetch_add(&arrived[round], 1);
    int r = ruv_barrier_wait(&bar);
    if (atomic_load(&arrived[round]) != PARTIES) atomic_fetch_add(&early, 1);
    if (r != 0 && r != 1) atomic_fetch_add(&odd, 1);
    if (r > 0) atomic_fetch_add(&serial[round], 1);
    atomic_fetch_add(&passed[round], 1);
  }
}

/* each round lets all PARTIES through together; exactly one gets 1 */
static void test_barrier(void) {
  ruv_thread_t tids[PARTIES];
  for (int i = 0; i < BARRIER_ROUNDS; i++) serial[i] = passed[i] = arrived[i] = 0;
  early = odd = 0;
  CHECK_EQ(ruv_barrier_init(&bar, PARTIES), 0);
  for (int i = 0; i < PARTIES; i++) CHECK_EQ(ruv_thread_create(&tids[i], party, NULL), 0);
  for (int i = 0; i < PARTIES; i++) CHECK_EQ(ruv_thread_join(&tids[i]), 0);
  for (int i = 0; i < BARRIER_ROUNDS; i++) {
    CHECK_EQ(atomic_load(&serial[i]), 1);
    CHECK_EQ(atomic_load(&passed[i]), PARTIES);
  }
  CHECK_EQ(atomic_load(&early), 0);
  CHECK_EQ(atomic_load(&odd), 0);
  ruv_barrier_destroy(&bar);
  /* one party: it is the serial one */
  CHECK_EQ(ruv_barrier_init(&bar, 1), 0);
  CHECK_EQ(ruv_barrier_wait(&bar), 1);
  ruv_barrier_destroy(&bar);
  CHECK_EQ(ruv_barrier_init(&bar, 0), RUV_EINVAL);
#if RUV_ONLY
  CHECK_EQ(ruv_barrier_init(NULL, 2), RUV_EINVAL);
  CHECK_EQ(ruv_barrier_wait(NULL), RUV_EINVAL);
  CHECK_ONE_LINE("ruv_barrier_destroy", ruv_barrier_destroy(NULL));
#endif
}

/* ---- once ------------------------------------------------------------------------------- */

static ruv_once_t once_guard = RUV_ONCE_INIT;
static ruv_once_t once_guard2 = RUV_ONCE_INIT;
static atomic_int once_runs, once_runs2, once_seen_done;

static void slow_init(void) {
  sleep_ms(20); /* the others wait for it */
  atomic_fetch_add(&once_runs, 1);
}

static void init2(void) { atomic_fetch_add(&once_runs2, 1); }

static void call_once(void *arg) {
  (void)arg;
  ruv_once(&once_guard, slow_init);
  if (atomic_load(&once_runs) == 1) atomic_fetch_add(&once_seen_done, 1);
}

static void test_once(void) {
  ruv_thread_t tids[8];
  for (int i = 0; i < 8; i++) CHECK_EQ(ruv_thread_create(&tids[i], call_once, NULL), 0);
  for (int i = 0; i < 8; i++) CHECK_EQ(ruv_thread_join(&tids[i]), 0);
  CHECK_EQ(atomic_load(&once_runs), 1);
  CHECK_EQ(atomic_load(&once_seen_done), 8); /* each returned after it ran */
  ruv_once(&once_guard, slow_init);
  CHECK_EQ(atomic_load(&once_runs), 1);
  ruv_once(&once_guard2, init2); /* another guard: its own once */
  ruv_once(&once_guard2, init2);
  CHECK_EQ(atomic_load(&once_runs2), 1);
#if RUV_ONLY
  ruv_once_t fresh = RUV_ONCE_INIT;
  CHECK_ONE_LINE("ruv_once", ruv_once(NULL, init2));
  CHECK_ONE_LINE("ruv_once", ruv_once(&fresh, NULL));
  CHECK_EQ(atomic_load(&once_runs2), 1);
#endif
}

/* ---- thread-local keys -------------------------------------------------------------------- */

static ruv_key_t key;
static void *worker_first, *worker_after;

static void use_key(void *arg) {
  worker_first = ruv_key_get(&key);
  ruv_key_set(&key, arg);
  worker_after = ruv_key_get(&key);
}

static void test_keys(void) {
  int a, b;
  ruv_thread_t tid;
  CHECK_EQ(ruv_key_create(&key), 0);
  CHECK(ruv_key_get(&key) == NULL);
  ruv_key_set(&key, &a);
  CHECK(ruv_key_get(&key) == &a);
  worker_first = worker_after = &a;
  CHECK_EQ(ruv_thread_create(&tid, use_key, &b), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK(worker_first == NULL); /* per thread */
  CHECK(worker_after == &b);
  CHECK(ruv_key_get(&key) == &a); /* this thread's is untouched */
  ruv_key_set(&key, NULL);
  CHECK(ruv_key_get(&key) == NULL);
  ruv_key_delete(&key);
#if RUV_ONLY
  /* a deleted key: libuv aborts */
  CHECK_ONE_LINE("ruv_key_set", ruv_key_set(&key, &a));
  CHECK_ONE_LINE("ruv_key_delete", ruv_key_delete(&key));
  CHECK(ruv_key_get(&key) == NULL);
  CHECK_EQ(ruv_key_create(NULL), RUV_EINVAL);
  void *got = &a;
  CHECK_ONE_LINE("ruv_key_get", got = ruv_key_get(NULL));
  CHECK(got == NULL);
  CHECK_ONE_LINE("ruv_key_set", ruv_key_set(NULL, &a));
  CHECK_ONE_LINE("ruv_key_delete", ruv_key_delete(NULL));
#endif
}

/* ---- misuse of the thread functions -------------------------------------------------------- */

#if RUV_ONLY
static void *foreign(void *arg) { return arg; }
static void nothing(void *arg) { (void)arg; }
static int joined_main = 12345;
static ruv_thread_t main_thread;
static void join_main(void *arg) {
  (void)arg;
  joined_main = ruv_thread_join(&main_thread);
}

static void test_thread_misuse(void) {
  ruv_thread_t tid, self = ruv_thread_self();
  ruv_thread_options_t opts = {RUV_THREAD_HAS_STACK_SIZE, (size_t)-1};
  char buf[16];
  CHECK_EQ(ruv_thread_create(NULL, nothing, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_create(&tid, NULL, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_create_ex(&tid, NULL, nothing, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_create_ex(NULL, &opts, nothing, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_create_ex(&tid, &opts, NULL, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_create_ex(&tid, &opts, nothing, NULL), RUV_EINVAL); /* no such stack */
  CHECK_EQ(ruv_thread_join(NULL), RUV_EINVAL);
  CHECK_EQ(ruv_thread_detach(NULL), RUV_EINVAL);
  CHECK_ONE_LINE("ruv_thread_equal", CHECK_EQ(ruv_thread_equal(NULL, &self), 0));
  CHECK_ONE_LINE("ruv_thread_equal", CHECK_EQ(ruv_thread_equal(&self, NULL), 0));
  CHECK_EQ(ruv_thread_getname(NULL, buf, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_thread_getname(&self, NULL, sizeof buf), RUV_EINVAL);
  /* threads ruv did not start are neither joined nor detached by it */
  pthread_t p;
  CHECK_EQ(pthread_create(&p, NULL, foreign, NULL), 0);
  CHECK_EQ(ruv_thread_join(&p), RUV_EINVAL);
  CHECK_EQ(ruv_thread_detach(&p), RUV_EINVAL);
  CHECK_EQ(pthread_join(p, NULL), 0);
  main_thread = self;
  CHECK_EQ(ruv_thread_create(&tid, join_main, NULL), 0);
  CHECK_EQ(ruv_thread_join(&tid), 0);
  CHECK_EQ(joined_main, RUV_EINVAL);
  CHECK_EQ(ruv_thread_detach(&self), RUV_EINVAL);
}
#endif

int main(void) {
  test_begin();
  int before = count_threads();
  RUN(test_create_join);
  RUN(test_many_threads);
  RUN(test_create_ex_stack);
#if UV_AT_LEAST(50)
  RUN(test_detach);
  RUN(test_names);
#endif
#if UV_AT_LEAST(45)
  RUN(test_affinity);
#endif
#if UV_AT_LEAST(48)
  RUN(test_priority);
#endif
  RUN(test_mutex);
#if RUV_ONLY
  RUN(test_mutex_misuse);
#endif
  RUN(test_rwlock);
  RUN(test_sem);
  RUN(test_cond);
  RUN(test_cond_timedwait_woken);
  RUN(test_barrier);
  RUN(test_once);
  RUN(test_keys);
#if RUV_ONLY
  RUN(test_thread_misuse);
#endif
  CHECK_EQ(wait_thread_count(before), before); /* every thread ended */
  return test_end();
}
