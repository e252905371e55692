/* uv_compat.h: lets bench_uv.c, written against libuv's API, build for ruv.
 *
 * Without BENCH_RUV this is just <uv.h>. With -DBENCH_RUV it includes ruv.h
 * and maps every uv_ / UV_ name bench_uv.c uses to its ruv_ / RUV_
 * counterpart, one to one: no wrapper functions, no changed arguments. If
 * bench_uv.c needs a new libuv name, add its #define here.
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
#define uv_handle_t          ruv_handle_t
#define uv_timer_t           ruv_timer_t
#define uv_idle_t            ruv_idle_t
#define uv_close_cb          ruv_close_cb

/* constants */
#define UV_RUN_DEFAULT       RUV_RUN_DEFAULT
#define UV_RUN_NOWAIT        RUV_RUN_NOWAIT

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

/* timers */
#define uv_timer_init        ruv_timer_init
#define uv_timer_start       ruv_timer_start
#define uv_timer_stop        ruv_timer_stop
#define uv_timer_get_due_in  ruv_timer_get_due_in

/* idle */
#define uv_idle_init         ruv_idle_init
#define uv_idle_start        ruv_idle_start
#define uv_idle_stop         ruv_idle_stop

#endif /* BENCH_RUV */

#endif /* BENCH_UV_COMPAT_H */
