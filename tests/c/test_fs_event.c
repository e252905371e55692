/* File-system events (ruv_fs_event_t, inotify): a watched directory reports
 * an entry made (RUV_RENAME, its name) and written (RUV_CHANGE); a watched
 * file reports a change with its own name; two handles on one path both
 * hear; stop and close end the callbacks; getpath; misuse. In a fresh
 * temporary directory, removed at the end. */
#include "test.h"
#include <fcntl.h>
#include <sys/stat.h>

static char dir[64], file[128];
static ruv_loop_t loop;
static ruv_timer_t guard;
static int guard_fired;

struct seen {
  int calls, renames, changes;
  char last[64];
};
static struct seen a_seen, b_seen;

static void on_event(ruv_fs_event_t *h, const char *filename, int events, int status) {
  struct seen *s = h->data;
  CHECK_EQ(status, 0);
  s->calls++;
  if (events & RUV_RENAME) s->renames++;
  if (events & RUV_CHANGE) s->changes++;
  snprintf(s->last, sizeof s->last, "%s", filename ? filename : "(null)");
}

static void on_guard(ruv_timer_t *t) {
  (void)t;
  guard_fired = 1;
}

/* Runs the loop until `*counter >= n` (or 3 s: a failure). */
static void run_until(int *counter, int n) {
  guard_fired = 0;
  ruv_timer_start(&guard, on_guard, 3000, 0);
  while (*counter < n && !guard_fired) ruv_run(&loop, RUV_RUN_ONCE);
  ruv_timer_stop(&guard);
  CHECK_EQ(guard_fired, 0);
}

static void run_for_ms(uint64_t ms) {
  guard_fired = 0;
  ruv_timer_start(&guard, on_guard, ms, 0);
  while (!guard_fired) ruv_run(&loop, RUV_RUN_ONCE);
}

static void test_directory(void) {
  ruv_fs_event_t a, b;
  memset(&a_seen, 0, sizeof a_seen);
  memset(&b_seen, 0, sizeof b_seen);
  CHECK_EQ(ruv_fs_event_init(&loop, &a), 0);
  CHECK_EQ(ruv_fs_event_init(&loop, &b), 0);
  CHECK_EQ(a.type, RUV_FS_EVENT);
  a.data = &a_seen;
  b.data = &b_seen;
  CHECK_EQ(ruv_fs_event_start(&a, on_event, dir, 0), 0);
  CHECK_EQ(ruv_fs_event_start(&b, on_event, dir, 0), 0); /* one watch, two handles */
  CHECK_EQ(ruv_fs_event_start(&a, on_event, dir, 0), RUV_EINVAL); /* started */
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&a), 1);
  char buf[128];
  size_t size = sizeof buf;
  CHECK_EQ(ruv_fs_event_getpath(&a, buf, &size), 0);
  CHECK_STR(buf, dir);
  CHECK_EQ(size, strlen(dir));
  size = 3;
  CHECK_EQ(ruv_fs_event_getpath(&a, buf, &size), RUV_ENOBUFS);
  CHECK_EQ(size, strlen(dir) + 1);

  /* an entry made, then written */
  int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  run_until(&a_seen.renames, 1);
  CHECK_STR(a_seen.last, "f");
  CHECK_EQ(write(fd, "x", 1), 1);
  close(fd);
  run_until(&a_seen.changes, 1);
  CHECK_STR(a_seen.last, "f");
  run_until(&b_seen.changes, 1);
  CHECK(b_seen.renames >= 1);

  /* b stops: a still hears */
  CHECK_EQ(ruv_fs_event_stop(&b), 0);
  CHECK_EQ(ruv_fs_event_stop(&b), 0);
  size = sizeof buf;
  CHECK_EQ(ruv_fs_event_getpath(&b, buf, &size), RUV_EINVAL); /* stopped */
  int b_before = b_seen.calls, a_before = a_seen.calls;
  CHECK_EQ(unlink(file), 0);
  run_until(&a_seen.calls, a_before + 1);
  run_for_ms(50);
  CHECK_EQ(b_seen.calls, b_before);
  CHECK(a_seen.renames >= 2);

  ruv_close((ruv_handle_t *)&a, NULL);
  ruv_close((ruv_handle_t *)&b, NULL);
  run_for_ms(10);
}

static void test_file(void) {
  ruv_fs_event_t f;
  memset(&a_seen, 0, sizeof a_seen);
  int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(ruv_fs_event_init(&loop, &f), 0);
  f.data = &a_seen;
  CHECK_EQ(ruv_fs_event_start(&f, on_event, file, 0), 0);
  CHECK_EQ(write(fd, "y", 1), 1);
  close(fd);
  run_until(&a_seen.changes, 1);
  CHECK_STR(a_seen.last, "f"); /* the file's own name */
  /* the watched file deleted: a rename for the deletion and one for the
   * watch going away (IN_DELETE_SELF, IN_IGNORED), as libuv reports them */
  CHECK_EQ(unlink(file), 0);
  run_until(&a_seen.renames, 2);
  run_for_ms(20);
  CHECK_EQ(a_seen.renames, 2);
  CHECK_STR(a_seen.last, "f");
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&f), 1); /* still started, as libuv */
  /* closed: nothing more, even for a file made again at the path */
  ruv_close((ruv_handle_t *)&f, NULL);
  int before = a_seen.calls;
  fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  close(fd);
  CHECK_EQ(unlink(file), 0);
  run_for_ms(50);
  CHECK_EQ(a_seen.calls, before);
}

static void test_misuse(void) {
  ruv_fs_event_t e;
  ruv_timer_t t;
  CHECK_EQ(ruv_fs_event_init(&loop, &e), 0);
  CHECK_EQ(ruv_fs_event_start(&e, on_event, "/nonexistent/ruv", 0), RUV_ENOENT);
  CHECK_EQ(ruv_is_active((ruv_handle_t *)&e), 0);
  CHECK_EQ(ruv_fs_event_start(&e, on_event, NULL, 0), RUV_EINVAL);
  CHECK_EQ(ruv_fs_event_start(&e, NULL, dir, 0), RUV_EINVAL);
  CHECK_EQ(ruv_timer_init(&loop, &t), 0);
  CHECK_EQ(ruv_fs_event_start((ruv_fs_event_t *)&t, on_event, dir, 0), RUV_EINVAL); /* not an fs event */
  ruv_close((ruv_handle_t *)&e, NULL);
  ruv_close((ruv_handle_t *)&t, NULL);
  run_for_ms(5);
}

int main(void) {
  test_begin();
  strcpy(dir, "/tmp/ruv-fsevent-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(file, sizeof file, "%s/f", dir);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &guard), 0);
  RUN(test_directory);
  RUN(test_file);
  RUN(test_misuse);
  ruv_close((ruv_handle_t *)&guard, NULL);
  ruv_run(&loop, RUV_RUN_DEFAULT);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  CHECK_EQ(rmdir(dir), 0);
  return test_end();
}
