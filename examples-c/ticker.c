/* ticker: counts down on a repeating timer while a worker thread does some
 * work and hands its result back to the loop through an async handle. When
 * both are done every handle is closed and ruv_run returns.
 *
 * usage: ticker [count] [interval_ms]     (defaults: 5 ticks, 200 ms apart)
 *
 * Shows: a repeating timer with its context in `data`, an async handle woken
 * from another thread, a check handle counting loop iterations, and closing
 * handles so the loop ends by itself. */
#include "ruv.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct app {
  ruv_loop_t *loop;
  ruv_timer_t ticker;
  ruv_async_t result_ready;
  ruv_check_t iterations;
  int remaining;
  unsigned long iteration_count;
  unsigned long primes_found; /* written by the worker before its send */
  int have_result;            /* set on the loop thread by on_result */
  uint64_t started_ms;
  int handles_open;
};

static void on_close(ruv_handle_t *h) {
  struct app *app = h->data;
  app->handles_open--;
}

static void finish_if_done(struct app *app) {
  if (app->remaining > 0 || !app->have_result) return;
  printf("done after %lu loop iterations\n", app->iteration_count);
  ruv_close((ruv_handle_t *)&app->ticker, on_close);
  ruv_close((ruv_handle_t *)&app->result_ready, on_close);
  ruv_close((ruv_handle_t *)&app->iterations, on_close);
}

static void on_tick(ruv_timer_t *t) {
  struct app *app = t->data;
  printf("t+%4llu ms  %d...\n", (unsigned long long)(ruv_now(app->loop) - app->started_ms),
         app->remaining);
  if (--app->remaining == 0) {
    printf("liftoff\n");
    ruv_timer_stop(t);
    finish_if_done(app);
  }
}

static void on_result(ruv_async_t *a) {
  struct app *app = a->data;
  app->have_result = 1;
  printf("worker: %lu primes below 200000\n", app->primes_found);
  finish_if_done(app);
}

static void on_check(ruv_check_t *c) {
  struct app *app = c->data;
  app->iteration_count++;
}

static void *worker(void *arg) {
  struct app *app = arg;
  unsigned long found = 0;
  for (unsigned long n = 2; n < 200000; n++) {
    int prime = 1;
    for (unsigned long d = 2; d * d <= n; d++)
      if (n % d == 0) { prime = 0; break; }
    found += prime;
  }
  app->primes_found = found;
  ruv_async_send(&app->result_ready); /* the one call that is safe from any thread */
  return NULL;
}

int main(int argc, char **argv) {
  struct app app = {0};
  int count = argc > 1 ? atoi(argv[1]) : 5;
  int interval = argc > 2 ? atoi(argv[2]) : 200;
  if (count <= 0 || interval <= 0) {
    fprintf(stderr, "usage: %s [count > 0] [interval_ms > 0]\n", argv[0]);
    return 2;
  }
  app.loop = ruv_default_loop();
  app.remaining = count;
  app.started_ms = ruv_now(app.loop);

  ruv_timer_init(app.loop, &app.ticker);
  ruv_async_init(app.loop, &app.result_ready, on_result);
  ruv_check_init(app.loop, &app.iterations);
  app.ticker.data = app.result_ready.data = app.iterations.data = &app;
  app.handles_open = 3;
  ruv_timer_start(&app.ticker, on_tick, interval, interval);
  ruv_check_start(&app.iterations, on_check);

  pthread_t thread;
  if (pthread_create(&thread, NULL, worker, &app) != 0) {
    perror("pthread_create");
    return 1;
  }
  ruv_run(app.loop, RUV_RUN_DEFAULT);
  pthread_join(thread, NULL);

  int rc = ruv_loop_close(app.loop);
  printf("loop closed: %s, handles still open: %d\n", rc == 0 ? "ok" : ruv_strerror(rc),
         app.handles_open);
  return rc == 0 && app.handles_open == 0 ? 0 : 1;
}
