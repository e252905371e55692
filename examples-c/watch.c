/* watch: prints the file-system events of each PATH until Ctrl-C, one line
 * per event on stdout:
 *
 *   PATH: rename NAME     a name in the directory PATH appeared, went away or
 *                         was renamed (old and new name: one line each); or
 *                         PATH itself was removed or moved
 *   PATH: change NAME     the data or attributes of NAME changed
 *
 * NAME is the entry's name when PATH is a directory, PATH's own last part
 * when PATH is a file. An event that is both (the two bits RUV_RENAME and
 * RUV_CHANGE set at once, as for a chmod of a subdirectory, whose inotify
 * event carries IN_ISDIR) gives its rename line, then its change line.
 *
 * usage: watch PATH...
 *        e.g.  watch /tmp ~/.bashrc
 *        Ctrl-C (SIGINT) closes every handle and exits (status 0, or 1 if a
 *        PATH could not be watched).
 *
 * A PATH that cannot be watched is reported on stderr ("watch: nosuch: no
 * such file or directory") and skipped, as cat skips a file it cannot open;
 * the others are watched and the exit status is then 1. When no PATH can be
 * watched, watch exits at once with status 1. Once every start has been
 * tried, "watch: watching N paths" goes to stderr: the watches are in place.
 *
 * Shows: one ruv_fs_event_t per path (inotify underneath: one descriptor for
 * the loop, one kernel watch per path), ruv_fs_event_getpath for the
 * watched path (with the RUV_ENOBUFS retry for a long one), and a clean stop:
 * a plain signal() handler sets a flag that an unreferenced timer polls,
 * then ruv_walk closes every handle. Each line goes out with printf and
 * fflush: a short line per event, so that a reader of a pipe sees each
 * event as it comes. */
#include "ruv.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t stop_requested;

static struct {
  ruv_loop_t *loop;
  ruv_fs_event_t *watches; /* one per PATH, freed after ruv_loop_close */
  ruv_timer_t signal_poll;
  int status; /* the exit status */
} app;

static void on_sigint(int sig) {
  (void)sig;
  stop_requested = 1;
}

static void print_event(const char *path, const char *what, const char *name) {
  if (name != NULL)
    printf("%s: %s %s\n", path, what, name);
  else
    printf("%s: %s\n", path, what); /* libuv may give no name; ruv always does */
}

static void on_event(ruv_fs_event_t *h, const char *name, int events, int status) {
  /* The watched path, as ruv keeps it: a stack buffer for the usual path,
   * the heap for a longer one (RUV_ENOBUFS says how long). */
  char small[256];
  char *path = small;
  size_t len = sizeof small;
  int rc = ruv_fs_event_getpath(h, path, &len);
  if (rc == RUV_ENOBUFS && (path = malloc(len)) != NULL) rc = ruv_fs_event_getpath(h, path, &len);
  const char *shown = rc == 0 ? path : h->data; /* h->data: the PATH argument */

  if (status < 0) {
    fprintf(stderr, "watch: %s: %s\n", shown, ruv_strerror(status));
    app.status = 1;
    ruv_close((ruv_handle_t *)h, NULL); /* the others go on */
  } else {
    if (events & RUV_RENAME) print_event(shown, "rename", name);
    if (events & RUV_CHANGE) print_event(shown, "change", name);
    fflush(stdout);
  }
  if (path != small) free(path);
}

static void close_any(ruv_handle_t *h, void *arg) {
  (void)arg;
  if (!ruv_is_closing(h)) ruv_close(h, NULL); /* every handle lives in `app` */
}

static void on_check_signal(ruv_timer_t *t) {
  if (!stop_requested) return;
  fprintf(stderr, "watch: SIGINT, closing everything\n");
  ruv_walk(t->loop, close_any, NULL);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH...\n", argv[0]);
    return 2;
  }
  int count = argc - 1, watching = 0;
  app.loop = ruv_default_loop();
  app.watches = calloc((size_t)count, sizeof *app.watches);
  if (app.watches == NULL) return 1;

  signal(SIGINT, on_sigint);
  ruv_timer_init(app.loop, &app.signal_poll);
  ruv_timer_start(&app.signal_poll, on_check_signal, 100, 100);
  ruv_unref((ruv_handle_t *)&app.signal_poll); /* it alone does not keep the loop alive */

  for (int i = 0; i < count; i++) {
    ruv_fs_event_t *h = &app.watches[i];
    ruv_fs_event_init(app.loop, h);
    h->data = argv[i + 1];
    int rc = ruv_fs_event_start(h, on_event, argv[i + 1], 0);
    if (rc < 0) {
      fprintf(stderr, "watch: %s: %s\n", argv[i + 1], ruv_strerror(rc));
      app.status = 1;
      ruv_close((ruv_handle_t *)h, NULL); /* initialised, so closed like the rest */
    } else {
      watching++;
    }
  }
  if (watching > 0)
    fprintf(stderr, "watch: watching %d path%s\n", watching, watching == 1 ? "" : "s");

  /* Returns after SIGINT, or when nothing is watched (every start failed,
   * or every watch ended with an error): only the timer is left then, and
   * it is unreferenced. Whatever is still open is closed in the second run. */
  ruv_run(app.loop, RUV_RUN_DEFAULT);
  ruv_walk(app.loop, close_any, NULL);
  ruv_run(app.loop, RUV_RUN_DEFAULT);

  int rc = ruv_loop_close(app.loop);
  if (rc < 0) {
    fprintf(stderr, "watch: loop close: %s\n", ruv_strerror(rc));
    app.status = 1;
  }
  free(app.watches);
  return app.status;
}
