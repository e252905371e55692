/* spawn_uv.c: spawning a child that exits at once, written once with libuv's API and built
 * for libuv (spawn_libuv) and, unchanged through include/uv-compat, for ruv
 * (spawn_ruv). See bench/README.md ("Spawn benchmarks").
 *
 * usage: spawn_<lib> MODE N [MIB [PROGRAM]]
 *   MODE     seq (one child at a time) or par16 (16 in flight)
 *   N        children in all
 *   MIB      memory the parent allocates and touches first (fork copies the
 *            page tables of all of it; a vfork-class spawn does not)
 *   PROGRAM  the child, run without arguments (default /bin/true)
 * Prints: spawn lib=... mode=... n=... mem_mib=... ops_per_s=... cpu_us_per_op=...
 *         all_cpu_us_per_op=... (cpu_us: this process's; all_cpu_us: with
 *         its children's, the whole cost of a spawn, steadier than the rate
 *         on a busy machine)
 * Every child must exit with status 0 and no signal, else FAIL and exit 1. */
#include <uv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef RUV_UV_COMPAT
#define LIB "ruv"
#else
#define LIB "libuv"
#endif

static uv_loop_t *loop;
static int n_total, started, finished, failed;
static char *args[] = {"/bin/true", NULL};

static double now(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double children_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void spawn_one(void);

static void on_close(uv_handle_t *h) {
  free(h);
  if (started < n_total) spawn_one();
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
  if (status != 0 || sig != 0) failed++;
  finished++;
  uv_close((uv_handle_t *)p, on_close);
}

static void spawn_one(void) {
  uv_process_options_t o;
  memset(&o, 0, sizeof o);
  o.file = args[0];
  o.args = args;
  o.exit_cb = on_exit_cb;
  uv_process_t *p = malloc(sizeof *p);
  int r = uv_spawn(loop, p, &o);
  if (r != 0) {
    fprintf(stderr, "FAIL %s: uv_spawn: %s\n", LIB, uv_strerror(r));
    exit(1);
  }
  started++;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s seq|par16 N [MIB [PROGRAM]]\n", argv[0]);
    return 2;
  }
  int depth = strcmp(argv[1], "par16") == 0 ? 16 : 1;
  n_total = atoi(argv[2]);
  long mib = argc > 3 ? atol(argv[3]) : 0;
  if (argc > 4) args[0] = argv[4];
  if (mib > 0) {
    char *mem = malloc((size_t)mib << 20);
    if (!mem) return 1;
    memset(mem, 1, (size_t)mib << 20); /* touched: mapped and in the page tables */
  }
  loop = uv_default_loop();
  double t0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID), k0 = children_cpu();
  for (int i = 0; i < depth && started < n_total; i++) spawn_one();
  uv_run(loop, UV_RUN_DEFAULT);
  double wall = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0, kids = children_cpu() - k0;
  if (finished != n_total || failed) {
    fprintf(stderr, "FAIL %s: %d of %d children exited, %d failed\n", LIB, finished, n_total, failed);
    return 1;
  }
  printf("spawn lib=%s mode=%s n=%d mem_mib=%ld ops_per_s=%.1f cpu_us_per_op=%.1f all_cpu_us_per_op=%.1f\n", LIB,
         argv[1], n_total, mib, n_total / wall, cpu * 1e6 / n_total, (cpu + kids) * 1e6 / n_total);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
