/* uv.h for ruv: libuv's names for ruv's. SPDX-License-Identifier: MIT */

/* Generated from include/ruv.h by tests/header.rs (make header). Do not edit. */

/*
 * Builds a program written against libuv's API, unchanged, against ruv:
 *
 *     cc -Iinclude/uv-compat app.c target/release/libruv.a -lpthread -ldl -lm
 *
 * The program's `#include <uv.h>` finds this file, which includes ../ruv.h and
 * maps every uv_ / UV_ name ruv has (functions, types, struct tags, constants)
 * to its ruv_ / RUV_ twin with one #define: the same functions, no wrappers.
 * It maps only what ruv has: a libuv name ruv lacks (uv_fs_*, uv_pipe_*,
 * uv_signal_*, ...) stays undeclared, so such a program fails to compile
 * rather than to run.
 *
 * Versions: UV_VERSION_* and UV_VERSION_HEX are the libuv API level ruv
 * follows, 1.52.0 (its names, struct layouts and behaviour, for the subset
 * ruv has), not ruv's own version; uv_version() and uv_version_string() return
 * the same, so a program that checks libuv's version to choose what it may
 * call compares it with libuv's numbering. ruv's own version stays
 * RUV_VERSION_*, ruv_version() and ruv_version_string(). RUV_UV_COMPAT is
 * defined, for a program that wants to know it runs on ruv.
 *
 * As libuv's uv.h does on Linux, this file includes the system headers below,
 * for programs that rely on getting them from <uv.h>.
 */

#ifndef UV_H
#define UV_H

#include "../ruv.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <semaphore.h>
#include <signal.h>
#include <termios.h>

#define RUV_UV_COMPAT 1

#define UV_VERSION_MAJOR 1
#define UV_VERSION_MINOR 52
#define UV_VERSION_PATCH 0
#define UV_VERSION_IS_RELEASE 1
#define UV_VERSION_SUFFIX ""
#define UV_VERSION_HEX ((UV_VERSION_MAJOR << 16) | (UV_VERSION_MINOR << 8) | (UV_VERSION_PATCH))

static inline unsigned int uv_version(void) { return UV_VERSION_HEX; }
static inline const char *uv_version_string(void) { return "1.52.0"; }

#define UV_ASYNC RUV_ASYNC
#define UV_CHANGE RUV_CHANGE
#define UV_CHECK RUV_CHECK
#define UV_CONNECT RUV_CONNECT
#define UV_CREATE_PIPE RUV_CREATE_PIPE
#define UV_DIRENT_BLOCK RUV_DIRENT_BLOCK
#define UV_DIRENT_CHAR RUV_DIRENT_CHAR
#define UV_DIRENT_DIR RUV_DIRENT_DIR
#define UV_DIRENT_FIFO RUV_DIRENT_FIFO
#define UV_DIRENT_FILE RUV_DIRENT_FILE
#define UV_DIRENT_LINK RUV_DIRENT_LINK
#define UV_DIRENT_SOCKET RUV_DIRENT_SOCKET
#define UV_DIRENT_UNKNOWN RUV_DIRENT_UNKNOWN
#define UV_DISCONNECT RUV_DISCONNECT
#define UV_E2BIG RUV_E2BIG
#define UV_EACCES RUV_EACCES
#define UV_EADDRINUSE RUV_EADDRINUSE
#define UV_EADDRNOTAVAIL RUV_EADDRNOTAVAIL
#define UV_EAFNOSUPPORT RUV_EAFNOSUPPORT
#define UV_EAGAIN RUV_EAGAIN
#define UV_EAI_ADDRFAMILY RUV_EAI_ADDRFAMILY
#define UV_EAI_AGAIN RUV_EAI_AGAIN
#define UV_EAI_BADFLAGS RUV_EAI_BADFLAGS
#define UV_EAI_BADHINTS RUV_EAI_BADHINTS
#define UV_EAI_CANCELED RUV_EAI_CANCELED
#define UV_EAI_FAIL RUV_EAI_FAIL
#define UV_EAI_FAMILY RUV_EAI_FAMILY
#define UV_EAI_MEMORY RUV_EAI_MEMORY
#define UV_EAI_NODATA RUV_EAI_NODATA
#define UV_EAI_NONAME RUV_EAI_NONAME
#define UV_EAI_OVERFLOW RUV_EAI_OVERFLOW
#define UV_EAI_PROTOCOL RUV_EAI_PROTOCOL
#define UV_EAI_SERVICE RUV_EAI_SERVICE
#define UV_EAI_SOCKTYPE RUV_EAI_SOCKTYPE
#define UV_EALREADY RUV_EALREADY
#define UV_EBADF RUV_EBADF
#define UV_EBUSY RUV_EBUSY
#define UV_ECANCELED RUV_ECANCELED
#define UV_ECHARSET RUV_ECHARSET
#define UV_ECONNABORTED RUV_ECONNABORTED
#define UV_ECONNREFUSED RUV_ECONNREFUSED
#define UV_ECONNRESET RUV_ECONNRESET
#define UV_EDESTADDRREQ RUV_EDESTADDRREQ
#define UV_EEXIST RUV_EEXIST
#define UV_EFAULT RUV_EFAULT
#define UV_EFBIG RUV_EFBIG
#define UV_EFTYPE RUV_EFTYPE
#define UV_EHOSTDOWN RUV_EHOSTDOWN
#define UV_EHOSTUNREACH RUV_EHOSTUNREACH
#define UV_EILSEQ RUV_EILSEQ
#define UV_EINTR RUV_EINTR
#define UV_EINVAL RUV_EINVAL
#define UV_EIO RUV_EIO
#define UV_EISCONN RUV_EISCONN
#define UV_EISDIR RUV_EISDIR
#define UV_ELOOP RUV_ELOOP
#define UV_EMFILE RUV_EMFILE
#define UV_EMLINK RUV_EMLINK
#define UV_EMSGSIZE RUV_EMSGSIZE
#define UV_ENAMETOOLONG RUV_ENAMETOOLONG
#define UV_ENETDOWN RUV_ENETDOWN
#define UV_ENETUNREACH RUV_ENETUNREACH
#define UV_ENFILE RUV_ENFILE
#define UV_ENOBUFS RUV_ENOBUFS
#define UV_ENODATA RUV_ENODATA
#define UV_ENODEV RUV_ENODEV
#define UV_ENOENT RUV_ENOENT
#define UV_ENOEXEC RUV_ENOEXEC
#define UV_ENOMEM RUV_ENOMEM
#define UV_ENONET RUV_ENONET
#define UV_ENOPROTOOPT RUV_ENOPROTOOPT
#define UV_ENOSPC RUV_ENOSPC
#define UV_ENOSYS RUV_ENOSYS
#define UV_ENOTCONN RUV_ENOTCONN
#define UV_ENOTDIR RUV_ENOTDIR
#define UV_ENOTEMPTY RUV_ENOTEMPTY
#define UV_ENOTSOCK RUV_ENOTSOCK
#define UV_ENOTSUP RUV_ENOTSUP
#define UV_ENOTTY RUV_ENOTTY
#define UV_ENXIO RUV_ENXIO
#define UV_EOF RUV_EOF
#define UV_EOVERFLOW RUV_EOVERFLOW
#define UV_EPERM RUV_EPERM
#define UV_EPIPE RUV_EPIPE
#define UV_EPROTO RUV_EPROTO
#define UV_EPROTONOSUPPORT RUV_EPROTONOSUPPORT
#define UV_EPROTOTYPE RUV_EPROTOTYPE
#define UV_ERANGE RUV_ERANGE
#define UV_EREMOTEIO RUV_EREMOTEIO
#define UV_EROFS RUV_EROFS
#define UV_ESHUTDOWN RUV_ESHUTDOWN
#define UV_ESOCKTNOSUPPORT RUV_ESOCKTNOSUPPORT
#define UV_ESPIPE RUV_ESPIPE
#define UV_ESRCH RUV_ESRCH
#define UV_ETIMEDOUT RUV_ETIMEDOUT
#define UV_ETXTBSY RUV_ETXTBSY
#define UV_EUNATCH RUV_EUNATCH
#define UV_EXDEV RUV_EXDEV
#define UV_FILE RUV_FILE
#define UV_FS RUV_FS
#define UV_FS_ACCESS RUV_FS_ACCESS
#define UV_FS_CHMOD RUV_FS_CHMOD
#define UV_FS_CHOWN RUV_FS_CHOWN
#define UV_FS_CLOSE RUV_FS_CLOSE
#define UV_FS_CLOSEDIR RUV_FS_CLOSEDIR
#define UV_FS_COPYFILE RUV_FS_COPYFILE
#define UV_FS_COPYFILE_EXCL RUV_FS_COPYFILE_EXCL
#define UV_FS_COPYFILE_FICLONE RUV_FS_COPYFILE_FICLONE
#define UV_FS_COPYFILE_FICLONE_FORCE RUV_FS_COPYFILE_FICLONE_FORCE
#define UV_FS_CUSTOM RUV_FS_CUSTOM
#define UV_FS_EVENT RUV_FS_EVENT
#define UV_FS_EVENT_RECURSIVE RUV_FS_EVENT_RECURSIVE
#define UV_FS_EVENT_STAT RUV_FS_EVENT_STAT
#define UV_FS_EVENT_WATCH_ENTRY RUV_FS_EVENT_WATCH_ENTRY
#define UV_FS_FCHMOD RUV_FS_FCHMOD
#define UV_FS_FCHOWN RUV_FS_FCHOWN
#define UV_FS_FDATASYNC RUV_FS_FDATASYNC
#define UV_FS_FSTAT RUV_FS_FSTAT
#define UV_FS_FSYNC RUV_FS_FSYNC
#define UV_FS_FTRUNCATE RUV_FS_FTRUNCATE
#define UV_FS_FUTIME RUV_FS_FUTIME
#define UV_FS_LCHOWN RUV_FS_LCHOWN
#define UV_FS_LINK RUV_FS_LINK
#define UV_FS_LSTAT RUV_FS_LSTAT
#define UV_FS_LUTIME RUV_FS_LUTIME
#define UV_FS_MKDIR RUV_FS_MKDIR
#define UV_FS_MKDTEMP RUV_FS_MKDTEMP
#define UV_FS_MKSTEMP RUV_FS_MKSTEMP
#define UV_FS_OPEN RUV_FS_OPEN
#define UV_FS_OPENDIR RUV_FS_OPENDIR
#define UV_FS_O_APPEND RUV_FS_O_APPEND
#define UV_FS_O_CREAT RUV_FS_O_CREAT
#define UV_FS_O_DIRECT RUV_FS_O_DIRECT
#define UV_FS_O_DIRECTORY RUV_FS_O_DIRECTORY
#define UV_FS_O_DSYNC RUV_FS_O_DSYNC
#define UV_FS_O_EXCL RUV_FS_O_EXCL
#define UV_FS_O_EXLOCK RUV_FS_O_EXLOCK
#define UV_FS_O_FILEMAP RUV_FS_O_FILEMAP
#define UV_FS_O_NOATIME RUV_FS_O_NOATIME
#define UV_FS_O_NOCTTY RUV_FS_O_NOCTTY
#define UV_FS_O_NOFOLLOW RUV_FS_O_NOFOLLOW
#define UV_FS_O_NONBLOCK RUV_FS_O_NONBLOCK
#define UV_FS_O_RANDOM RUV_FS_O_RANDOM
#define UV_FS_O_RDONLY RUV_FS_O_RDONLY
#define UV_FS_O_RDWR RUV_FS_O_RDWR
#define UV_FS_O_SEQUENTIAL RUV_FS_O_SEQUENTIAL
#define UV_FS_O_SHORT_LIVED RUV_FS_O_SHORT_LIVED
#define UV_FS_O_SYMLINK RUV_FS_O_SYMLINK
#define UV_FS_O_SYNC RUV_FS_O_SYNC
#define UV_FS_O_TEMPORARY RUV_FS_O_TEMPORARY
#define UV_FS_O_TRUNC RUV_FS_O_TRUNC
#define UV_FS_O_WRONLY RUV_FS_O_WRONLY
#define UV_FS_POLL RUV_FS_POLL
#define UV_FS_READ RUV_FS_READ
#define UV_FS_READDIR RUV_FS_READDIR
#define UV_FS_READLINK RUV_FS_READLINK
#define UV_FS_REALPATH RUV_FS_REALPATH
#define UV_FS_RENAME RUV_FS_RENAME
#define UV_FS_RMDIR RUV_FS_RMDIR
#define UV_FS_SCANDIR RUV_FS_SCANDIR
#define UV_FS_SENDFILE RUV_FS_SENDFILE
#define UV_FS_STAT RUV_FS_STAT
#define UV_FS_STATFS RUV_FS_STATFS
#define UV_FS_SYMLINK RUV_FS_SYMLINK
#define UV_FS_SYMLINK_DIR RUV_FS_SYMLINK_DIR
#define UV_FS_SYMLINK_JUNCTION RUV_FS_SYMLINK_JUNCTION
#define UV_FS_UNKNOWN RUV_FS_UNKNOWN
#define UV_FS_UNLINK RUV_FS_UNLINK
#define UV_FS_UTIME RUV_FS_UTIME
#define UV_FS_UTIME_NOW RUV_FS_UTIME_NOW
#define UV_FS_UTIME_OMIT RUV_FS_UTIME_OMIT
#define UV_FS_WRITE RUV_FS_WRITE
#define UV_GETADDRINFO RUV_GETADDRINFO
#define UV_GETNAMEINFO RUV_GETNAMEINFO
#define UV_HANDLE RUV_HANDLE
#define UV_HANDLE_TYPE_MAX RUV_HANDLE_TYPE_MAX
#define UV_IDLE RUV_IDLE
#define UV_IGNORE RUV_IGNORE
#define UV_INHERIT_FD RUV_INHERIT_FD
#define UV_INHERIT_STREAM RUV_INHERIT_STREAM
#define UV_LOOP_BLOCK_SIGNAL RUV_LOOP_BLOCK_SIGNAL
#define UV_LOOP_USE_IO_URING_SQPOLL RUV_LOOP_USE_IO_URING_SQPOLL
#define UV_METRICS_IDLE_TIME RUV_METRICS_IDLE_TIME
#define UV_NAMED_PIPE RUV_NAMED_PIPE
#define UV_NONBLOCK_PIPE RUV_NONBLOCK_PIPE
#define UV_ONCE_INIT RUV_ONCE_INIT
#define UV_OVERLAPPED_PIPE RUV_OVERLAPPED_PIPE
#define UV_PIPE_NO_TRUNCATE RUV_PIPE_NO_TRUNCATE
#define UV_POLL RUV_POLL
#define UV_PREPARE RUV_PREPARE
#define UV_PRIORITIZED RUV_PRIORITIZED
#define UV_PROCESS RUV_PROCESS
#define UV_RANDOM RUV_RANDOM
#define UV_READABLE RUV_READABLE
#define UV_READABLE_PIPE RUV_READABLE_PIPE
#define UV_RENAME RUV_RENAME
#define UV_REQ RUV_REQ
#define UV_REQ_TYPE_MAX RUV_REQ_TYPE_MAX
#define UV_RUN_DEFAULT RUV_RUN_DEFAULT
#define UV_RUN_NOWAIT RUV_RUN_NOWAIT
#define UV_RUN_ONCE RUV_RUN_ONCE
#define UV_SHUTDOWN RUV_SHUTDOWN
#define UV_SIGNAL RUV_SIGNAL
#define UV_STREAM RUV_STREAM
#define UV_TCP RUV_TCP
#define UV_TCP_IPV6ONLY RUV_TCP_IPV6ONLY
#define UV_THREAD_HAS_STACK_SIZE RUV_THREAD_HAS_STACK_SIZE
#define UV_THREAD_NO_FLAGS RUV_THREAD_NO_FLAGS
#define UV_THREAD_PRIORITY_ABOVE_NORMAL RUV_THREAD_PRIORITY_ABOVE_NORMAL
#define UV_THREAD_PRIORITY_BELOW_NORMAL RUV_THREAD_PRIORITY_BELOW_NORMAL
#define UV_THREAD_PRIORITY_HIGHEST RUV_THREAD_PRIORITY_HIGHEST
#define UV_THREAD_PRIORITY_LOWEST RUV_THREAD_PRIORITY_LOWEST
#define UV_THREAD_PRIORITY_NORMAL RUV_THREAD_PRIORITY_NORMAL
#define UV_TIMER RUV_TIMER
#define UV_TTY RUV_TTY
#define UV_UDP RUV_UDP
#define UV_UDP_SEND RUV_UDP_SEND
#define UV_UNKNOWN RUV_UNKNOWN
#define UV_UNKNOWN_HANDLE RUV_UNKNOWN_HANDLE
#define UV_UNKNOWN_REQ RUV_UNKNOWN_REQ
#define UV_WORK RUV_WORK
#define UV_WRITABLE RUV_WRITABLE
#define UV_WRITABLE_PIPE RUV_WRITABLE_PIPE
#define UV_WRITE RUV_WRITE
#define uv_accept ruv_accept
#define uv_after_work_cb ruv_after_work_cb
#define uv_alloc_cb ruv_alloc_cb
#define uv_async_cb ruv_async_cb
#define uv_async_init ruv_async_init
#define uv_async_private_t ruv_async_private_t
#define uv_async_s ruv_async_s
#define uv_async_send ruv_async_send
#define uv_async_t ruv_async_t
#define uv_backend_fd ruv_backend_fd
#define uv_backend_timeout ruv_backend_timeout
#define uv_barrier_destroy ruv_barrier_destroy
#define uv_barrier_init ruv_barrier_init
#define uv_barrier_t ruv_barrier_t
#define uv_barrier_wait ruv_barrier_wait
#define uv_buf_init ruv_buf_init
#define uv_buf_s ruv_buf_s
#define uv_buf_t ruv_buf_t
#define uv_cancel ruv_cancel
#define uv_check_cb ruv_check_cb
#define uv_check_init ruv_check_init
#define uv_check_s ruv_check_s
#define uv_check_start ruv_check_start
#define uv_check_stop ruv_check_stop
#define uv_check_t ruv_check_t
#define uv_close ruv_close
#define uv_close_cb ruv_close_cb
#define uv_cond_broadcast ruv_cond_broadcast
#define uv_cond_destroy ruv_cond_destroy
#define uv_cond_init ruv_cond_init
#define uv_cond_signal ruv_cond_signal
#define uv_cond_t ruv_cond_t
#define uv_cond_timedwait ruv_cond_timedwait
#define uv_cond_wait ruv_cond_wait
#define uv_connect_cb ruv_connect_cb
#define uv_connect_s ruv_connect_s
#define uv_connect_t ruv_connect_t
#define uv_connection_cb ruv_connection_cb
#define uv_cpumask_size ruv_cpumask_size
#define uv_default_loop ruv_default_loop
#define uv_dir_s ruv_dir_s
#define uv_dir_t ruv_dir_t
#define uv_dirent_s ruv_dirent_s
#define uv_dirent_t ruv_dirent_t
#define uv_dirent_type_t ruv_dirent_type_t
#define uv_err_name ruv_err_name
#define uv_err_name_r ruv_err_name_r
#define uv_file ruv_file
#define uv_fileno ruv_fileno
#define uv_freeaddrinfo ruv_freeaddrinfo
#define uv_fs_access ruv_fs_access
#define uv_fs_cb ruv_fs_cb
#define uv_fs_chmod ruv_fs_chmod
#define uv_fs_chown ruv_fs_chown
#define uv_fs_close ruv_fs_close
#define uv_fs_closedir ruv_fs_closedir
#define uv_fs_copyfile ruv_fs_copyfile
#define uv_fs_event_cb ruv_fs_event_cb
#define uv_fs_event_getpath ruv_fs_event_getpath
#define uv_fs_event_init ruv_fs_event_init
#define uv_fs_event_s ruv_fs_event_s
#define uv_fs_event_start ruv_fs_event_start
#define uv_fs_event_stop ruv_fs_event_stop
#define uv_fs_event_t ruv_fs_event_t
#define uv_fs_fchmod ruv_fs_fchmod
#define uv_fs_fchown ruv_fs_fchown
#define uv_fs_fdatasync ruv_fs_fdatasync
#define uv_fs_fstat ruv_fs_fstat
#define uv_fs_fsync ruv_fs_fsync
#define uv_fs_ftruncate ruv_fs_ftruncate
#define uv_fs_futime ruv_fs_futime
#define uv_fs_get_path ruv_fs_get_path
#define uv_fs_get_ptr ruv_fs_get_ptr
#define uv_fs_get_result ruv_fs_get_result
#define uv_fs_get_statbuf ruv_fs_get_statbuf
#define uv_fs_get_system_error ruv_fs_get_system_error
#define uv_fs_get_type ruv_fs_get_type
#define uv_fs_lchown ruv_fs_lchown
#define uv_fs_link ruv_fs_link
#define uv_fs_lstat ruv_fs_lstat
#define uv_fs_lutime ruv_fs_lutime
#define uv_fs_mkdir ruv_fs_mkdir
#define uv_fs_mkdtemp ruv_fs_mkdtemp
#define uv_fs_mkstemp ruv_fs_mkstemp
#define uv_fs_open ruv_fs_open
#define uv_fs_opendir ruv_fs_opendir
#define uv_fs_poll_cb ruv_fs_poll_cb
#define uv_fs_poll_getpath ruv_fs_poll_getpath
#define uv_fs_poll_init ruv_fs_poll_init
#define uv_fs_poll_s ruv_fs_poll_s
#define uv_fs_poll_start ruv_fs_poll_start
#define uv_fs_poll_stop ruv_fs_poll_stop
#define uv_fs_poll_t ruv_fs_poll_t
#define uv_fs_read ruv_fs_read
#define uv_fs_readdir ruv_fs_readdir
#define uv_fs_readlink ruv_fs_readlink
#define uv_fs_realpath ruv_fs_realpath
#define uv_fs_rename ruv_fs_rename
#define uv_fs_req_cleanup ruv_fs_req_cleanup
#define uv_fs_rmdir ruv_fs_rmdir
#define uv_fs_s ruv_fs_s
#define uv_fs_scandir ruv_fs_scandir
#define uv_fs_scandir_next ruv_fs_scandir_next
#define uv_fs_sendfile ruv_fs_sendfile
#define uv_fs_stat ruv_fs_stat
#define uv_fs_statfs ruv_fs_statfs
#define uv_fs_symlink ruv_fs_symlink
#define uv_fs_t ruv_fs_t
#define uv_fs_type ruv_fs_type
#define uv_fs_unlink ruv_fs_unlink
#define uv_fs_utime ruv_fs_utime
#define uv_fs_write ruv_fs_write
#define uv_get_osfhandle ruv_get_osfhandle
#define uv_getaddrinfo ruv_getaddrinfo
#define uv_getaddrinfo_cb ruv_getaddrinfo_cb
#define uv_getaddrinfo_s ruv_getaddrinfo_s
#define uv_getaddrinfo_t ruv_getaddrinfo_t
#define uv_getnameinfo ruv_getnameinfo
#define uv_getnameinfo_cb ruv_getnameinfo_cb
#define uv_getnameinfo_s ruv_getnameinfo_s
#define uv_getnameinfo_t ruv_getnameinfo_t
#define uv_gid_t ruv_gid_t
#define uv_handle_get_data ruv_handle_get_data
#define uv_handle_get_loop ruv_handle_get_loop
#define uv_handle_get_type ruv_handle_get_type
#define uv_handle_private_t ruv_handle_private_t
#define uv_handle_s ruv_handle_s
#define uv_handle_set_data ruv_handle_set_data
#define uv_handle_size ruv_handle_size
#define uv_handle_t ruv_handle_t
#define uv_handle_type ruv_handle_type
#define uv_handle_type_name ruv_handle_type_name
#define uv_has_ref ruv_has_ref
#define uv_hrtime ruv_hrtime
#define uv_idle_cb ruv_idle_cb
#define uv_idle_init ruv_idle_init
#define uv_idle_s ruv_idle_s
#define uv_idle_start ruv_idle_start
#define uv_idle_stop ruv_idle_stop
#define uv_idle_t ruv_idle_t
#define uv_inet_ntop ruv_inet_ntop
#define uv_inet_pton ruv_inet_pton
#define uv_ip4_addr ruv_ip4_addr
#define uv_ip4_name ruv_ip4_name
#define uv_ip6_addr ruv_ip6_addr
#define uv_ip6_name ruv_ip6_name
#define uv_ip_name ruv_ip_name
#define uv_is_active ruv_is_active
#define uv_is_closing ruv_is_closing
#define uv_is_readable ruv_is_readable
#define uv_is_writable ruv_is_writable
#define uv_key_create ruv_key_create
#define uv_key_delete ruv_key_delete
#define uv_key_get ruv_key_get
#define uv_key_set ruv_key_set
#define uv_key_t ruv_key_t
#define uv_library_shutdown ruv_library_shutdown
#define uv_listen ruv_listen
#define uv_loop_active_reqs_u ruv_loop_active_reqs_u
#define uv_loop_alive ruv_loop_alive
#define uv_loop_close ruv_loop_close
#define uv_loop_configure ruv_loop_configure
#define uv_loop_get_data ruv_loop_get_data
#define uv_loop_init ruv_loop_init
#define uv_loop_option ruv_loop_option
#define uv_loop_private_t ruv_loop_private_t
#define uv_loop_s ruv_loop_s
#define uv_loop_set_data ruv_loop_set_data
#define uv_loop_size ruv_loop_size
#define uv_loop_t ruv_loop_t
#define uv_metrics_idle_time ruv_metrics_idle_time
#define uv_mutex_destroy ruv_mutex_destroy
#define uv_mutex_init ruv_mutex_init
#define uv_mutex_init_recursive ruv_mutex_init_recursive
#define uv_mutex_lock ruv_mutex_lock
#define uv_mutex_t ruv_mutex_t
#define uv_mutex_trylock ruv_mutex_trylock
#define uv_mutex_unlock ruv_mutex_unlock
#define uv_now ruv_now
#define uv_once ruv_once
#define uv_once_t ruv_once_t
#define uv_open_osfhandle ruv_open_osfhandle
#define uv_os_fd_t ruv_os_fd_t
#define uv_os_sock_t ruv_os_sock_t
#define uv_pipe ruv_pipe
#define uv_pipe_bind ruv_pipe_bind
#define uv_pipe_bind2 ruv_pipe_bind2
#define uv_pipe_chmod ruv_pipe_chmod
#define uv_pipe_connect ruv_pipe_connect
#define uv_pipe_connect2 ruv_pipe_connect2
#define uv_pipe_flags ruv_pipe_flags
#define uv_pipe_getpeername ruv_pipe_getpeername
#define uv_pipe_getsockname ruv_pipe_getsockname
#define uv_pipe_init ruv_pipe_init
#define uv_pipe_open ruv_pipe_open
#define uv_pipe_pending_instances ruv_pipe_pending_instances
#define uv_pipe_s ruv_pipe_s
#define uv_pipe_t ruv_pipe_t
#define uv_poll_cb ruv_poll_cb
#define uv_poll_init ruv_poll_init
#define uv_poll_init_socket ruv_poll_init_socket
#define uv_poll_s ruv_poll_s
#define uv_poll_start ruv_poll_start
#define uv_poll_stop ruv_poll_stop
#define uv_poll_t ruv_poll_t
#define uv_prepare_cb ruv_prepare_cb
#define uv_prepare_init ruv_prepare_init
#define uv_prepare_s ruv_prepare_s
#define uv_prepare_start ruv_prepare_start
#define uv_prepare_stop ruv_prepare_stop
#define uv_prepare_t ruv_prepare_t
#define uv_queue_work ruv_queue_work
#define uv_read_cb ruv_read_cb
#define uv_read_start ruv_read_start
#define uv_read_stop ruv_read_stop
#define uv_ref ruv_ref
#define uv_req_get_data ruv_req_get_data
#define uv_req_get_type ruv_req_get_type
#define uv_req_s ruv_req_s
#define uv_req_set_data ruv_req_set_data
#define uv_req_size ruv_req_size
#define uv_req_t ruv_req_t
#define uv_req_type ruv_req_type
#define uv_req_type_name ruv_req_type_name
#define uv_run ruv_run
#define uv_run_mode ruv_run_mode
#define uv_rwlock_destroy ruv_rwlock_destroy
#define uv_rwlock_init ruv_rwlock_init
#define uv_rwlock_rdlock ruv_rwlock_rdlock
#define uv_rwlock_rdunlock ruv_rwlock_rdunlock
#define uv_rwlock_t ruv_rwlock_t
#define uv_rwlock_tryrdlock ruv_rwlock_tryrdlock
#define uv_rwlock_trywrlock ruv_rwlock_trywrlock
#define uv_rwlock_wrlock ruv_rwlock_wrlock
#define uv_rwlock_wrunlock ruv_rwlock_wrunlock
#define uv_sem_destroy ruv_sem_destroy
#define uv_sem_init ruv_sem_init
#define uv_sem_post ruv_sem_post
#define uv_sem_t ruv_sem_t
#define uv_sem_trywait ruv_sem_trywait
#define uv_sem_wait ruv_sem_wait
#define uv_shutdown ruv_shutdown
#define uv_shutdown_cb ruv_shutdown_cb
#define uv_shutdown_s ruv_shutdown_s
#define uv_shutdown_t ruv_shutdown_t
#define uv_sleep ruv_sleep
#define uv_socketpair ruv_socketpair
#define uv_stat_t ruv_stat_t
#define uv_statfs_s ruv_statfs_s
#define uv_statfs_t ruv_statfs_t
#define uv_stdio_flags ruv_stdio_flags
#define uv_stop ruv_stop
#define uv_stream_get_write_queue_size ruv_stream_get_write_queue_size
#define uv_stream_private_t ruv_stream_private_t
#define uv_stream_s ruv_stream_s
#define uv_stream_set_blocking ruv_stream_set_blocking
#define uv_stream_t ruv_stream_t
#define uv_strerror ruv_strerror
#define uv_strerror_r ruv_strerror_r
#define uv_tcp_bind ruv_tcp_bind
#define uv_tcp_close_reset ruv_tcp_close_reset
#define uv_tcp_connect ruv_tcp_connect
#define uv_tcp_getpeername ruv_tcp_getpeername
#define uv_tcp_getsockname ruv_tcp_getsockname
#define uv_tcp_init ruv_tcp_init
#define uv_tcp_init_ex ruv_tcp_init_ex
#define uv_tcp_keepalive ruv_tcp_keepalive
#define uv_tcp_nodelay ruv_tcp_nodelay
#define uv_tcp_open ruv_tcp_open
#define uv_tcp_s ruv_tcp_s
#define uv_tcp_simultaneous_accepts ruv_tcp_simultaneous_accepts
#define uv_tcp_t ruv_tcp_t
#define uv_thread_cb ruv_thread_cb
#define uv_thread_create ruv_thread_create
#define uv_thread_create_ex ruv_thread_create_ex
#define uv_thread_create_flags ruv_thread_create_flags
#define uv_thread_detach ruv_thread_detach
#define uv_thread_equal ruv_thread_equal
#define uv_thread_getaffinity ruv_thread_getaffinity
#define uv_thread_getcpu ruv_thread_getcpu
#define uv_thread_getname ruv_thread_getname
#define uv_thread_getpriority ruv_thread_getpriority
#define uv_thread_join ruv_thread_join
#define uv_thread_options_s ruv_thread_options_s
#define uv_thread_options_t ruv_thread_options_t
#define uv_thread_self ruv_thread_self
#define uv_thread_setaffinity ruv_thread_setaffinity
#define uv_thread_setname ruv_thread_setname
#define uv_thread_setpriority ruv_thread_setpriority
#define uv_thread_t ruv_thread_t
#define uv_timer_again ruv_timer_again
#define uv_timer_cb ruv_timer_cb
#define uv_timer_get_due_in ruv_timer_get_due_in
#define uv_timer_get_repeat ruv_timer_get_repeat
#define uv_timer_init ruv_timer_init
#define uv_timer_s ruv_timer_s
#define uv_timer_set_repeat ruv_timer_set_repeat
#define uv_timer_start ruv_timer_start
#define uv_timer_stop ruv_timer_stop
#define uv_timer_t ruv_timer_t
#define uv_timespec_t ruv_timespec_t
#define uv_translate_sys_error ruv_translate_sys_error
#define uv_try_write ruv_try_write
#define uv_uid_t ruv_uid_t
#define uv_unref ruv_unref
#define uv_update_time ruv_update_time
#define uv_walk ruv_walk
#define uv_walk_cb ruv_walk_cb
#define uv_work_cb ruv_work_cb
#define uv_work_s ruv_work_s
#define uv_work_t ruv_work_t
#define uv_write ruv_write
#define uv_write_cb ruv_write_cb
#define uv_write_private_t ruv_write_private_t
#define uv_write_s ruv_write_s
#define uv_write_t ruv_write_t

#endif /* UV_H */
