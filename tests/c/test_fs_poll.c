/* Stat polling (ruv_fs_poll_t), as libuv's uv_fs_poll_t: the first stat
 * only records; a change calls back with the statuses before and after; a
 * failed stat (the file removed) calls back once with the error, and the
 * file coming back calls back again; getpath; stop and close from the
 * callback and with a stat in flight. Paths are in a fresh temporary
 * directory, removed at the end. */
#include "test.h"
#include <fcntl.h>
#include <sys/stat.h>

static char dir[64], path[128];
static ruv_loop_t loop;
static ruv_fs_poll_t poll_handle;
static ruv_timer_t guard;
static int calls, guard_fired;
static int statuses[8];
static uint64_t prev_size[8], curr_size[8];
static int stop_in_cb, close_in_cb, close_calls;

static void write_file(const char *text) {
  int fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
}

static void on_close(ruv_handle_t *h) {
  (void)h;
  close_calls++;
}

static void on_poll(ruv_fs_poll_t *h, int status, const ruv_stat_t *prev, const ruv_stat_t *curr) {
  CHECK(h == &poll_handle);
  if (calls < 8) {
    statuses[calls] = status;
    prev_size[calls] = prev->st_size;
    curr_size[calls] = curr->st_size;
  }
  calls++;
  if (stop_in_cb) CHECK_EQ(ruv_fs_poll_stop(h), 0);
  if (close_in_cb) ruv_close((ruv_handle_t *)h, on_close);
}

static void on_guard(ruv_timer_t *t) {
  (void)t;
  guard_fired = 1;
}

/* Runs the loop until `n` callbacks came (or 3 s passed: a failure). */
static void run_until_calls(int n) {
  guard_fired = 0;
  ruv_timer_start(&guard, on_guard, 3000, 0);
  while (calls < n && !guard_fired) ruv_run(&loop, RUV_RUN_ONCE);
  ruv_timer_stop(&guard);
  CHECK_EQ(guard_fired, 0);
}

/* Runs the loop for `ms` milliseconds. */
static void run_for_ms(uint64_t ms) {
  guard_fired = 0;
  ruv_timer_start(&guard, on_guard, ms, 0);
  while (!guard_fired) ruv_run(&loop, RUV_RUN_ONCE);
}

static void test_changes(void) {
  calls = 0;
  stop_in_cb = close_in_cb = 0;
  write_file("one");
  CHECK_EQ(ruv_fs_poll_init(&loop, &poll_handle), 0);
  CHECK_EQ(poll_handle.type, RUV_FS_POLL);
  char buf[256];
  size_t size = sizeof buf;
  CHECK_EQ(ruv_fs_poll_getpath(&poll_handle, buf, &size), RUV_EINVAL); /* not started */
  CHECK_EQ(ruv_fs_poll_start(&poll_handle, on_poll, path, 20), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&poll_handle), 1);
  CHECK_EQ(ruv_fs_poll_start(&poll_handle, on_poll, "/elsewhere", 20), 0); /* started: nothing changes */
  size = sizeof buf;
  CHECK_EQ(ruv_fs_poll_getpath(&poll_handle, buf, &size), 0);
  CHECK_STR(buf, path);
  CHECK_EQ(size, strlen(path));
  size = 4;
  CHECK_EQ(ruv_fs_poll_getpath(&poll_handle, buf, &size), RUV_ENOBUFS);
  CHECK_EQ(size, strlen(path) + 1);

  /* the first stat only records */
  run_for_ms(100);
  CHECK_EQ(calls, 0);
  /* a change */
  write_file("two");
  run_until_calls(1);
  CHECK_EQ(statuses[0], 0);
  CHECK_EQ(prev_size[0], 3);
  CHECK_EQ(curr_size[0], 6);
  /* removed: reported once */
  CHECK_EQ(unlink(path), 0);
  run_until_calls(2);
  CHECK_EQ(statuses[1], RUV_ENOENT);
  CHECK_EQ(prev_size[1], 6); /* the last status seen */
  CHECK_EQ(curr_size[1], 0);
  run_for_ms(100);
  CHECK_EQ(calls, 2); /* not again while it stays away */
  /* back */
  write_file("three");
  run_until_calls(3);
  CHECK_EQ(statuses[2], 0);
  CHECK_EQ(curr_size[2], 5);
  /* stopped: no more callbacks */
  CHECK_EQ(ruv_fs_poll_stop(&poll_handle), 0);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&poll_handle), 0);
  CHECK_EQ(ruv_fs_poll_stop(&poll_handle), 0);
  write_file("four");
  run_for_ms(100);
  CHECK_EQ(calls, 3);
  close_calls = 0;
  ruv_close((ruv_handle_t *)&poll_handle, on_close);
  run_for_ms(10);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(unlink(path), 0);
}

/* a path missing from the start: the first stat's error is reported */
static void test_missing_from_start(void) {
  calls = 0;
  stop_in_cb = 0;
  close_in_cb = 1; /* and closed from its callback */
  close_calls = 0;
  CHECK_EQ(ruv_fs_poll_init(&loop, &poll_handle), 0);
  CHECK_EQ(ruv_fs_poll_start(&poll_handle, on_poll, path, 20), 0);
  run_until_calls(1);
  CHECK_EQ(statuses[0], RUV_ENOENT);
  run_for_ms(60);
  CHECK_EQ(calls, 1);
  CHECK_EQ(close_calls, 1);
}

/* closed with a stat in flight: no callback, and nothing leaks */
static void test_close_in_flight(void) {
  calls = 0;
  close_calls = 0;
  close_in_cb = stop_in_cb = 0;
  write_file("x");
  CHECK_EQ(ruv_fs_poll_init(&loop, &poll_handle), 0);
  CHECK_EQ(ruv_fs_poll_start(&poll_handle, on_poll, path, 10), 0);
  ruv_close((ruv_handle_t *)&poll_handle, on_close);
  run_for_ms(50);
  CHECK_EQ(calls, 0);
  CHECK_EQ(close_calls, 1);
  CHECK_EQ(loop.active_reqs.count, 0);
  CHECK_EQ(unlink(path), 0);
}

static void test_misuse(void) {
  ruv_timer_t t;
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_fs_poll_start((ruv_fs_poll_t *)&t, on_poll, path, 10), RUV_EINVAL); /* not a poll handle */
  CHECK_EQ(ruv_fs_poll_init(&loop, &poll_handle), 0);
  CHECK_EQ(ruv_fs_poll_start(&poll_handle, on_poll, NULL, 10), RUV_EINVAL);
  CHECK_EQ(ruv_fs_poll_start(&poll_handle, NULL, path, 10), RUV_EINVAL);
  CHECK_EQ(ruv_fs_poll_getpath(&poll_handle, NULL, NULL), RUV_EINVAL);
  ruv_close((ruv_handle_t *)&poll_handle, NULL);
  ruv_close((ruv_handle_t *)&t, NULL);
  run_for_ms(5);
}

int main(void) {
  test_begin();
  strcpy(dir, "/tmp/ruv-fspoll-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/watched", dir);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &guard), 0);
  RUN(test_changes);
  RUN(test_missing_from_start);
  RUN(test_close_in_flight);
  RUN(test_misuse);
  ruv_close((ruv_handle_t *)&guard, NULL);
  ruv_run(&loop, RUV_RUN_DEFAULT);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  CHECK_EQ(rmdir(dir), 0);
  ruv_library_shutdown();
  return test_end();
}
