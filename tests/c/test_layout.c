/* Struct sizes and public-field offsets match libuv's on Linux x86-64, so
 * programs that embed handles in their own structs, cast between handle
 * types, or read public fields keep working. The numbers are libuv 1.44's
 * (Debian's libuv1-dev), the same in 1.52. */
#include "test.h"
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>

#ifdef UV_VERSION_MAJOR /* built against libuv: the shim predates pipes */
#define ruv_pipe_t uv_pipe_t
#define ruv_work_t uv_work_t
#define ruv_fs_t uv_fs_t
#define ruv_stat_t uv_stat_t
#define ruv_timespec_t uv_timespec_t
#define ruv_dirent_t uv_dirent_t
#define ruv_dir_t uv_dir_t
#define ruv_statfs_t uv_statfs_t
#define ruv_getaddrinfo_t uv_getaddrinfo_t
#define ruv_fs_poll_t uv_fs_poll_t
#define ruv_fs_event_t uv_fs_event_t
#define ruv_getnameinfo_t uv_getnameinfo_t
#ifndef RUV_FS
#define RUV_FS UV_FS
#endif
#endif

static void test_sizes(void) {
  CHECK_EQ(sizeof(ruv_loop_t), 848);
  CHECK_EQ(sizeof(ruv_handle_t), 96);
  CHECK_EQ(sizeof(ruv_timer_t), 152);
  CHECK_EQ(sizeof(ruv_idle_t), 120);
  CHECK_EQ(sizeof(ruv_prepare_t), 120);
  CHECK_EQ(sizeof(ruv_check_t), 120);
  CHECK_EQ(sizeof(ruv_async_t), 128);
  CHECK_EQ(sizeof(ruv_poll_t), 160);
  CHECK_EQ(sizeof(ruv_req_t), 64);
  CHECK_EQ(sizeof(ruv_buf_t), 16);
  CHECK_EQ(sizeof(ruv_stream_t), 248);
  CHECK_EQ(sizeof(ruv_tcp_t), 248);
  CHECK_EQ(sizeof(ruv_pipe_t), 264);
  CHECK_EQ(sizeof(ruv_write_t), 192);
  CHECK_EQ(sizeof(ruv_connect_t), 96);
  CHECK_EQ(sizeof(ruv_shutdown_t), 80);
  CHECK_EQ(sizeof(ruv_work_t), 128);
  CHECK_EQ(sizeof(ruv_fs_t), 440);
  CHECK_EQ(sizeof(ruv_stat_t), 160);
  CHECK_EQ(sizeof(ruv_timespec_t), 16);
  CHECK_EQ(sizeof(ruv_dirent_t), 16);
  CHECK_EQ(sizeof(ruv_dir_t), 56);
  CHECK_EQ(sizeof(ruv_statfs_t), 88);
  CHECK_EQ(sizeof(ruv_fs_poll_t), 104);
  CHECK_EQ(ruv_handle_size(RUV_FS_POLL), sizeof(ruv_fs_poll_t));
  CHECK_EQ(sizeof(ruv_fs_event_t), 136);
  CHECK_EQ(offsetof(ruv_fs_event_t, path), 96);
  CHECK_EQ(ruv_handle_size(RUV_FS_EVENT), sizeof(ruv_fs_event_t));
  CHECK_EQ(sizeof(ruv_getaddrinfo_t), 160);
  CHECK_EQ(sizeof(ruv_getnameinfo_t), 1320);
  CHECK_EQ(offsetof(ruv_getaddrinfo_t, loop), 64);
  CHECK_EQ(offsetof(ruv_getaddrinfo_t, addrinfo), 144);
  CHECK_EQ(offsetof(ruv_getnameinfo_t, loop), 64);
  CHECK_EQ(offsetof(ruv_getnameinfo_t, host), 252);
  CHECK_EQ(offsetof(ruv_getnameinfo_t, service), 1277);
  CHECK_EQ(ruv_req_size(RUV_GETADDRINFO), sizeof(ruv_getaddrinfo_t));
  CHECK_EQ(ruv_req_size(RUV_GETNAMEINFO), sizeof(ruv_getnameinfo_t));
}

static void test_size_functions_agree(void) {
  CHECK_EQ(ruv_loop_size(), sizeof(ruv_loop_t));
  CHECK_EQ(ruv_handle_size(RUV_HANDLE), sizeof(ruv_handle_t));
  CHECK_EQ(ruv_handle_size(RUV_TIMER), sizeof(ruv_timer_t));
  CHECK_EQ(ruv_handle_size(RUV_IDLE), sizeof(ruv_idle_t));
  CHECK_EQ(ruv_handle_size(RUV_PREPARE), sizeof(ruv_prepare_t));
  CHECK_EQ(ruv_handle_size(RUV_CHECK), sizeof(ruv_check_t));
  CHECK_EQ(ruv_handle_size(RUV_ASYNC), sizeof(ruv_async_t));
  CHECK_EQ(ruv_handle_size(RUV_POLL), sizeof(ruv_poll_t));
  CHECK_EQ(ruv_req_size(RUV_REQ), sizeof(ruv_req_t));
  /* libuv's sizes for the types later issues bring */
  CHECK_EQ(ruv_handle_size(RUV_TCP), sizeof(ruv_tcp_t));
  CHECK_EQ(ruv_handle_size(RUV_NAMED_PIPE), sizeof(ruv_pipe_t));
  CHECK_EQ(ruv_handle_size(RUV_STREAM), sizeof(ruv_stream_t));
  CHECK_EQ(ruv_req_size(RUV_WRITE), sizeof(ruv_write_t));
  CHECK_EQ(ruv_req_size(RUV_CONNECT), sizeof(ruv_connect_t));
  CHECK_EQ(ruv_req_size(RUV_SHUTDOWN), sizeof(ruv_shutdown_t));
  CHECK_EQ(ruv_req_size(RUV_WORK), sizeof(ruv_work_t));
  /* uv_work_t: the request fields, then loop, work_cb, after_work_cb */
  CHECK_EQ(offsetof(ruv_work_t, data), 0);
  CHECK_EQ(offsetof(ruv_work_t, type), 8);
  CHECK_EQ(offsetof(ruv_work_t, loop), 64);
  CHECK_EQ(offsetof(ruv_work_t, work_cb), 72);
  CHECK_EQ(offsetof(ruv_work_t, after_work_cb), 80);
  CHECK_EQ(ruv_req_size(RUV_FS), sizeof(ruv_fs_t));
  /* uv_fs_t's public fields */
  CHECK_EQ(offsetof(ruv_fs_t, fs_type), 64);
  CHECK_EQ(offsetof(ruv_fs_t, loop), 72);
  CHECK_EQ(offsetof(ruv_fs_t, cb), 80);
  CHECK_EQ(offsetof(ruv_fs_t, result), 88);
  CHECK_EQ(offsetof(ruv_fs_t, ptr), 96);
  CHECK_EQ(offsetof(ruv_fs_t, path), 104);
  CHECK_EQ(offsetof(ruv_fs_t, statbuf), 112);
  CHECK_EQ(offsetof(ruv_stat_t, st_flags), 80);
  CHECK_EQ(offsetof(ruv_stat_t, st_atim), 96);
  CHECK_EQ(offsetof(ruv_stat_t, st_birthtim), 144);
  CHECK_EQ(ruv_handle_size(RUV_NAMED_PIPE), 264);
  CHECK_EQ(ruv_handle_size(RUV_TTY), 312);
  CHECK_EQ(ruv_handle_size(RUV_UDP), 216);
  CHECK_EQ(ruv_handle_size(RUV_SIGNAL), 152);
  CHECK_EQ(ruv_handle_size(RUV_PROCESS), 136);
  CHECK_EQ(ruv_handle_size(RUV_FS_EVENT), 136);
  CHECK_EQ(ruv_handle_size(RUV_FS_POLL), 104);
  CHECK_EQ(ruv_req_size(RUV_CONNECT), 96);
  CHECK_EQ(ruv_req_size(RUV_WRITE), 192);
  CHECK_EQ(ruv_req_size(RUV_SHUTDOWN), 80);
  CHECK_EQ(ruv_req_size(RUV_UDP_SEND), 320);
  CHECK_EQ(ruv_req_size(RUV_FS), 440);
  CHECK_EQ(ruv_req_size(RUV_WORK), 128);
  CHECK_EQ(ruv_req_size(RUV_GETADDRINFO), 160);
  CHECK_EQ(ruv_req_size(RUV_GETNAMEINFO), 1320);
  CHECK_EQ(ruv_req_size(RUV_RANDOM), 144);
  CHECK_EQ(ruv_handle_size(RUV_FILE), (size_t)-1);
  CHECK_EQ(ruv_handle_size(99), (size_t)-1);
  CHECK_EQ(ruv_req_size(0), (size_t)-1);
}

/* The thread and lock types are the pthread types, as libuv's on Linux. */
static void test_thread_types(void) {
  CHECK_EQ(sizeof(ruv_thread_t), sizeof(pthread_t));
  CHECK_EQ(sizeof(ruv_thread_t), 8);
  CHECK_EQ(sizeof(ruv_mutex_t), sizeof(pthread_mutex_t));
  CHECK_EQ(sizeof(ruv_mutex_t), 40);
  CHECK_EQ(sizeof(ruv_rwlock_t), sizeof(pthread_rwlock_t));
  CHECK_EQ(sizeof(ruv_rwlock_t), 56);
  CHECK_EQ(sizeof(ruv_sem_t), sizeof(sem_t));
  CHECK_EQ(sizeof(ruv_sem_t), 32);
  CHECK_EQ(sizeof(ruv_cond_t), sizeof(pthread_cond_t));
  CHECK_EQ(sizeof(ruv_cond_t), 48);
  CHECK_EQ(sizeof(ruv_barrier_t), sizeof(pthread_barrier_t));
  CHECK_EQ(sizeof(ruv_barrier_t), 32);
  CHECK_EQ(sizeof(ruv_once_t), sizeof(pthread_once_t));
  CHECK_EQ(sizeof(ruv_once_t), 4);
  CHECK_EQ(sizeof(ruv_key_t), sizeof(pthread_key_t));
  CHECK_EQ(sizeof(ruv_key_t), 4);
  CHECK_EQ(sizeof(ruv_thread_options_t), 16);
  CHECK_EQ(offsetof(ruv_thread_options_t, flags), 0);
  CHECK_EQ(offsetof(ruv_thread_options_t, stack_size), 8);
  /* the types themselves: a pthread function takes a pointer to them */
  ruv_mutex_t m;
  CHECK_EQ(ruv_mutex_init(&m), 0);
  CHECK_EQ(pthread_mutex_trylock(&m), 0);
  CHECK_EQ(ruv_mutex_trylock(&m), RUV_EBUSY);
  CHECK_EQ(pthread_mutex_unlock(&m), 0);
  ruv_mutex_destroy(&m);
  static ruv_once_t once = RUV_ONCE_INIT;
  static pthread_once_t p_once = PTHREAD_ONCE_INIT;
  CHECK_EQ(memcmp(&once, &p_once, sizeof once), 0);
}

#define CHECK_HANDLE_HEAD(T)                     \
  do {                                           \
    CHECK_EQ(offsetof(T, data), 0);              \
    CHECK_EQ(offsetof(T, loop), 8);              \
    CHECK_EQ(offsetof(T, type), 16);             \
  } while (0)

static void test_offsets(void) {
  CHECK_EQ(offsetof(ruv_loop_t, data), 0);
  CHECK_EQ(offsetof(ruv_loop_t, active_handles), 8);
  CHECK_EQ(offsetof(ruv_loop_t, handle_queue), 16);
  CHECK_EQ(offsetof(ruv_loop_t, active_reqs), 32);
  CHECK_EQ(offsetof(ruv_loop_t, internal_fields), 40);
  CHECK_EQ(offsetof(ruv_loop_t, stop_flag), 48);
  CHECK_HANDLE_HEAD(ruv_handle_t);
  CHECK_HANDLE_HEAD(ruv_timer_t);
  CHECK_HANDLE_HEAD(ruv_idle_t);
  CHECK_HANDLE_HEAD(ruv_prepare_t);
  CHECK_HANDLE_HEAD(ruv_check_t);
  CHECK_HANDLE_HEAD(ruv_async_t);
  CHECK_HANDLE_HEAD(ruv_poll_t);
  CHECK_HANDLE_HEAD(ruv_stream_t);
  CHECK_HANDLE_HEAD(ruv_tcp_t);
  CHECK_HANDLE_HEAD(ruv_pipe_t);
  /* libuv's stream fields: write_queue_size is the backpressure signal */
  CHECK_EQ(offsetof(ruv_stream_t, write_queue_size), 96);
  CHECK_EQ(offsetof(ruv_stream_t, alloc_cb), 104);
  CHECK_EQ(offsetof(ruv_stream_t, read_cb), 112);
  CHECK_EQ(offsetof(ruv_tcp_t, write_queue_size), 96);
  /* a pipe is a stream (the same fields where a stream has them), then ipc */
  CHECK_EQ(offsetof(ruv_pipe_t, write_queue_size), 96);
  CHECK_EQ(offsetof(ruv_pipe_t, alloc_cb), 104);
  CHECK_EQ(offsetof(ruv_pipe_t, read_cb), 112);
  CHECK_EQ(offsetof(ruv_pipe_t, ipc), 248);
  CHECK_EQ(offsetof(ruv_req_t, data), 0);
  CHECK_EQ(offsetof(ruv_req_t, type), 8);
  CHECK_EQ(offsetof(ruv_write_t, data), 0);
  CHECK_EQ(offsetof(ruv_write_t, type), 8);
  CHECK_EQ(offsetof(ruv_write_t, cb), 64);
  CHECK_EQ(offsetof(ruv_write_t, send_handle), 72);
  CHECK_EQ(offsetof(ruv_write_t, handle), 80);
  CHECK_EQ(offsetof(ruv_connect_t, cb), 64);
  CHECK_EQ(offsetof(ruv_connect_t, handle), 72);
  CHECK_EQ(offsetof(ruv_shutdown_t, handle), 64);
  CHECK_EQ(offsetof(ruv_shutdown_t, cb), 72);
  CHECK_EQ(offsetof(ruv_buf_t, base), 0);
  CHECK_EQ(offsetof(ruv_buf_t, len), 8);
}

/* Handles embedded in a caller's struct and reached through casts, as libuv
 * programs do. */
struct conn {
  int id;
  ruv_timer_t timer;
  int after;
};

static int embedded_fired;
static void embedded_cb(ruv_timer_t *t) {
  struct conn *c = (struct conn *)((char *)t - offsetof(struct conn, timer));
  CHECK_EQ(c->id, 7);
  CHECK_EQ(c->after, 9);
  CHECK(((ruv_handle_t *)t)->type == RUV_TIMER);
  CHECK(((ruv_handle_t *)t)->data == c);
  embedded_fired++;
}

static void test_embedded_handle(void) {
  ruv_loop_t loop;
  struct conn c = {7, {0}, 9};
  CHECK_EQ(ruv_loop_init(&loop), 0);
  CHECK_EQ(ruv_timer_init(&loop, &c.timer), 0);
  c.timer.data = &c;
  CHECK(c.timer.loop == &loop);
  CHECK_EQ(ruv_handle_get_type((ruv_handle_t *)&c.timer), RUV_TIMER);
  CHECK_EQ(ruv_timer_start(&c.timer, embedded_cb, 0, 0), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(embedded_fired, 1);
  CHECK_EQ(c.after, 9);
  close_loop(&loop);
}

int main(void) {
  test_begin();
  RUN(test_sizes);
  RUN(test_size_functions_agree);
  RUN(test_offsets);
  RUN(test_thread_types);
  RUN(test_embedded_handle);
  return test_end();
}
