/* uv_compat.h: lets bench_uv.c and net_uv.c, written against libuv's API,
 * build for ruv.
 *
 * Without BENCH_RUV this is just <uv.h>. With -DBENCH_RUV it includes ruv.h
 * and maps every uv_ / UV_ name bench_uv.c and net_uv.c use to its ruv_ / RUV_
 * counterpart, one to one: no wrapper functions, no changed arguments. If
 * bench_uv.c or net_uv.c needs a new libuv name, add its #define here.
 */
#ifndef BENCH_UV_COMPAT_H
#define BENCH_UV_COMPAT_H

#ifndef BENCH_RUV

#include <uv.h>
#define BENCH_LIB "libuv"

#else

#include "ruv.h"
#define BENCH_LIB "ruv"

/* types */
#define uv_loop_t            ruv_loop_t
#define uv_buf_t             ruv_buf_t
#define uv_stream_t          ruv_stream_t
#define uv_tcp_t             ruv_tcp_t
#define uv_write_t           ruv_write_t
#define uv_handle_t          ruv_handle_t
#define uv_timer_t           ruv_timer_t
#define uv_idle_t            ruv_idle_t
#define uv_close_cb          ruv_close_cb

/* constants */
#define UV_RUN_DEFAULT       RUV_RUN_DEFAULT
#define UV_RUN_NOWAIT        RUV_RUN_NOWAIT
#define UV_EOF               RUV_EOF
#define UV_EAGAIN            RUV_EAGAIN

/* loop */
#define uv_loop_init         ruv_loop_init
#define uv_loop_close        ruv_loop_close
#define uv_loop_alive        ruv_loop_alive
#define uv_run               ruv_run
#define uv_now               ruv_now
#define uv_update_time       ruv_update_time
#define uv_version_string    ruv_version_string
#define uv_strerror          ruv_strerror

/* handles */
#define uv_close             ruv_close
#define uv_is_active         ruv_is_active
#define uv_is_closing        ruv_is_closing
#define uv_fileno            ruv_fileno
#define uv_buf_init          ruv_buf_init

/* timers */
#define uv_timer_init        ruv_timer_init
#define uv_timer_start       ruv_timer_start
#define uv_timer_stop        ruv_timer_stop
#define uv_timer_get_due_in  ruv_timer_get_due_in

/* idle */
#define uv_idle_init         ruv_idle_init
#define uv_idle_start        ruv_idle_start
#define uv_idle_stop         ruv_idle_stop

/* tcp and streams (net_uv.c) */
#define uv_ip4_addr          ruv_ip4_addr
#define uv_tcp_init          ruv_tcp_init
#define uv_tcp_bind          ruv_tcp_bind
#define uv_tcp_nodelay       ruv_tcp_nodelay
#define uv_listen            ruv_listen
#define uv_accept            ruv_accept
#define uv_read_start        ruv_read_start
#define uv_read_stop         ruv_read_stop
#define uv_try_write         ruv_try_write
#define uv_write             ruv_write

#endif /* BENCH_RUV */

#endif /* BENCH_UV_COMPAT_H */
