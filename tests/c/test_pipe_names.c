/* Pipes on Unix-domain socket names: ruv_pipe_bind/bind2, listen, accept,
 * ruv_pipe_connect/connect2, the names (getsockname/getpeername, ENOBUFS with
 * the size needed), ruv_pipe_chmod; filesystem paths (unlinked when the
 * server closes) and Linux abstract names (a leading NUL); every argument
 * error; connect failures reported to the callback, never inside the call.
 * Then the descriptor-pair calls, ruv_pipe and ruv_socketpair.
 *
 * Everything happens in a fresh temporary directory, removed at the end;
 * main() checks that no descriptor is left open. */
#include "test.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "net_util.h" /* guard timer, RUN_UNTIL */

static ruv_loop_t loop;
static char dir[64], path[128];

/* ---- a server and a client talking ------------------------------------------------ */

static ruv_pipe_t server, served, client;
static ruv_connect_t creq;
static int connect_calls, connect_status, in_call, connections;
static char got_server[16], got_client[16];
static size_t got_server_n, got_client_n;
static ruv_write_t wreq1, wreq2;

static void on_connect(ruv_connect_t *req, int status) {
  CHECK_EQ(in_call, 0); /* never inside ruv_pipe_connect */
  CHECK(req == &creq);
  connect_calls++;
  connect_status = status;
}

static void on_server_read(ruv_stream_t *s, ssize_t n, const ruv_buf_t *buf) {
  (void)s;
  if (n > 0 && got_server_n + (size_t)n <= sizeof got_server) {
    memcpy(got_server + got_server_n, buf->base, (size_t)n);
    got_server_n += (size_t)n;
  }
}

static void on_client_read(ruv_stream_t *s, ssize_t n, const ruv_buf_t *buf) {
  (void)s;
  if (n > 0 && got_client_n + (size_t)n <= sizeof got_client) {
    memcpy(got_client + got_client_n, buf->base, (size_t)n);
    got_client_n += (size_t)n;
  }
}

static void on_connection(ruv_stream_t *s, int status) {
  CHECK_EQ(status, 0);
  CHECK(s == (ruv_stream_t *)&server);
  CHECK_EQ(ruv_pipe_init(&loop, &served, 0), 0);
  CHECK_EQ(ruv_accept(s, (ruv_stream_t *)&served), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&served, slab_alloc, on_server_read), 0);
  connections++;
}

/* a name read back with ruv_pipe_getsockname/getpeername */
static size_t name_of(ruv_pipe_t *p, int peer, char *buf, size_t room) {
  size_t size = room;
  int r = peer ? ruv_pipe_getpeername(p, buf, &size) : ruv_pipe_getsockname(p, buf, &size);
  CHECK_EQ(r, 0);
  return r == 0 ? size : (size_t)-1;
}

/* bind, listen, connect, accept, both ways of data, the names; name and
 * namelen as for bind2 (a path or an abstract name) */
static void talk(const char *name, size_t namelen) {
  char buf[256];
  connect_calls = connections = 0;
  got_server_n = got_client_n = 0;
  CHECK_EQ(ruv_pipe_init(&loop, &server, 0), 0);
  CHECK_EQ(ruv_pipe_bind2(&server, name, namelen, RUV_PIPE_NO_TRUNCATE), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&server, 8, on_connection), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &client, 0), 0);
  in_call = 1;
  CHECK_EQ(ruv_pipe_connect2(&creq, &client, name, namelen, 0, on_connect), 0);
  in_call = 0;
  CHECK_EQ(connect_calls, 0);
  CHECK_EQ(ruv_pipe_connect2(&creq, &client, name, namelen, 0, on_connect), RUV_EALREADY);
  RUN_UNTIL(&loop, connect_calls == 1 && connections == 1, 5000);
  CHECK_EQ(connect_status, 0);
  CHECK(ruv_is_readable((ruv_stream_t *)&client) && ruv_is_writable((ruv_stream_t *)&client));

  /* the names: the server's and the client's peer are `name`; the client's
   * own socket has none */
  CHECK_EQ(name_of(&server, 0, buf, sizeof buf), namelen);
  CHECK(memcmp(buf, name, namelen) == 0);
  if (name[0] != '\0') CHECK_EQ(buf[namelen], '\0'); /* a path is NUL-terminated */
  CHECK_EQ(name_of(&client, 1, buf, sizeof buf), namelen);
  CHECK(memcmp(buf, name, namelen) == 0);
  CHECK_EQ(name_of(&client, 0, buf, sizeof buf), 0);
  size_t size = namelen; /* one short: room for the NUL is needed too */
  CHECK_EQ(ruv_pipe_getsockname(&server, buf, &size), RUV_ENOBUFS);
  CHECK_EQ(size, namelen + 1);
  size = 0;
  CHECK_EQ(ruv_pipe_getsockname(&server, NULL, &size), RUV_ENOBUFS);
  CHECK_EQ(size, namelen + 1);

  ruv_buf_t ping = ruv_buf_init("ping", 4), pong = ruv_buf_init("pong!", 5);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&client, slab_alloc, on_client_read), 0);
  CHECK_EQ(ruv_write(&wreq1, (ruv_stream_t *)&client, &ping, 1, NULL), 0);
  RUN_UNTIL(&loop, got_server_n == 4, 5000);
  CHECK(memcmp(got_server, "ping", 4) == 0);
  CHECK_EQ(ruv_write(&wreq2, (ruv_stream_t *)&served, &pong, 1, NULL), 0);
  RUN_UNTIL(&loop, got_client_n == 5, 5000);
  CHECK(memcmp(got_client, "pong!", 5) == 0);

  ruv_close((ruv_handle_t *)&client, NULL);
  ruv_close((ruv_handle_t *)&served, NULL);
  ruv_close((ruv_handle_t *)&server, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
}

static void test_path(void) {
  talk(path, strlen(path));
  struct stat st;
  CHECK_EQ(stat(path, &st), -1); /* unlinked when the server closed */
  CHECK_EQ(errno, ENOENT);
}

static void test_abstract(void) {
  char name[64];
  int n = snprintf(name + 1, sizeof name - 1, "ruv-test-%d", (int)getpid());
  name[0] = '\0';
  talk(name, (size_t)n + 1);
}

/* ruv_pipe_bind and ruv_pipe_connect: the NUL-terminated forms */
static void test_plain_forms(void) {
  connect_calls = connections = 0;
  CHECK_EQ(ruv_pipe_init(&loop, &server, 0), 0);
  CHECK_EQ(ruv_pipe_bind(&server, path), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&server, 8, on_connection), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &client, 0), 0);
  in_call = 1;
  ruv_pipe_connect(&creq, &client, path, on_connect);
  in_call = 0;
  RUN_UNTIL(&loop, connect_calls == 1 && connections == 1, 5000);
  CHECK_EQ(connect_status, 0);
  ruv_close((ruv_handle_t *)&client, NULL);
  ruv_close((ruv_handle_t *)&served, NULL);
  ruv_close((ruv_handle_t *)&server, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(access(path, F_OK), -1);
}

/* ---- errors ----------------------------------------------------------------------- */

/* a connect that fails: 0 from the call, the error in the callback */
static int connect_fails(const char *name, size_t namelen) {
  ruv_pipe_t p;
  CHECK_EQ(ruv_pipe_init(&loop, &p, 0), 0);
  connect_calls = 0;
  in_call = 1;
  CHECK_EQ(ruv_pipe_connect2(&creq, &p, name, namelen, 0, on_connect), 0);
  in_call = 0;
  CHECK_EQ(connect_calls, 0);
  RUN_UNTIL(&loop, connect_calls == 1, 5000);
  ruv_close((ruv_handle_t *)&p, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  return connect_status;
}

static void test_errors(void) {
  ruv_pipe_t p, q;
  char longname[200], buf[8];
  size_t size = sizeof buf;
  memset(longname, 'x', sizeof longname);
  longname[0] = '\0'; /* abstract, so a long name needs no long directory */

  CHECK_EQ(ruv_pipe_init(&loop, &p, 0), 0);
  CHECK_EQ(ruv_pipe_bind2(&p, NULL, 3, 0), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_bind2(&p, path, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_bind2(&p, "a\0b", 3, 0), RUV_EINVAL); /* a NUL inside */
  CHECK_EQ(ruv_pipe_bind2(&p, path, strlen(path), 2), RUV_EINVAL); /* unknown flag */
  CHECK_EQ(ruv_pipe_bind2(&p, longname, sizeof longname, RUV_PIPE_NO_TRUNCATE), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_bind(&p, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_bind(NULL, path), RUV_EINVAL);
  /* names and chmod need a socket */
  CHECK_EQ(ruv_pipe_getsockname(&p, buf, &size), RUV_EBADF);
  CHECK_EQ(size, 0);
  size = sizeof buf;
  CHECK_EQ(ruv_pipe_getpeername(&p, buf, &size), RUV_EBADF);
  CHECK_EQ(ruv_pipe_getsockname(&p, buf, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_chmod(&p, RUV_READABLE), RUV_EBADF);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&p, 8, on_connection), RUV_EINVAL); /* not bound */
  ruv_pipe_pending_instances(&p, 4); /* Windows-only: nothing */

  /* without the flag a long name is cut to the 108 bytes an address holds */
  CHECK_EQ(ruv_pipe_bind2(&p, longname, sizeof longname, 0), 0);
  char got[256];
  size = sizeof got;
  CHECK_EQ(ruv_pipe_getsockname(&p, got, &size), 0);
  CHECK_EQ(size, 108);
  CHECK(memcmp(got, longname, 108) == 0);
  CHECK_EQ(ruv_pipe_bind2(&p, path, strlen(path), 0), RUV_EINVAL); /* bound already */
  CHECK_EQ(ruv_pipe_chmod(&p, RUV_READABLE), RUV_ENOENT);         /* abstract: no file */

  /* the path is taken; a directory that is not there */
  CHECK_EQ(ruv_pipe_init(&loop, &q, 0), 0);
  CHECK_EQ(ruv_pipe_bind(&q, path), 0);
  ruv_pipe_t r;
  CHECK_EQ(ruv_pipe_init(&loop, &r, 0), 0);
  CHECK_EQ(ruv_pipe_bind(&r, path), RUV_EADDRINUSE);
  char missing[160];
  snprintf(missing, sizeof missing, "%s/no/such/dir", dir);
  CHECK_EQ(ruv_pipe_bind(&r, missing), RUV_EACCES); /* ENOENT reads as EACCES, as in libuv */

  /* chmod of a bound path */
  CHECK_EQ(ruv_pipe_chmod(&q, 0), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_chmod(&q, 4), RUV_EINVAL);
  CHECK_EQ(chmod(path, 0600), 0);
  CHECK_EQ(ruv_pipe_chmod(&q, RUV_READABLE), 0);
  struct stat st;
  CHECK_EQ(stat(path, &st), 0);
  CHECK_EQ(st.st_mode & 0777, 0644);
  CHECK_EQ(ruv_pipe_chmod(&q, RUV_READABLE | RUV_WRITABLE), 0);
  CHECK_EQ(stat(path, &st), 0);
  CHECK_EQ(st.st_mode & 0777, 0666);

  /* connects that fail reach the callback: bound but not listening, no such
   * name, a bad name through the void form */
  CHECK_EQ(connect_fails(path, strlen(path)), RUV_ECONNREFUSED);
  CHECK_EQ(connect_fails(missing, strlen(missing)), RUV_ENOENT);
  ruv_pipe_t v;
  CHECK_EQ(ruv_pipe_init(&loop, &v, 0), 0);
  connect_calls = 0;
  ruv_pipe_connect(&creq, &v, "", on_connect);
  RUN_UNTIL(&loop, connect_calls == 1, 5000);
  CHECK_EQ(connect_status, RUV_EINVAL);
  CHECK_EQ(ruv_pipe_connect2(&creq, &v, NULL, 3, 0, on_connect), RUV_EINVAL);
  CHECK_EQ(ruv_pipe_connect2(NULL, &v, path, strlen(path), 0, on_connect), RUV_EINVAL);

  /* an IPC pipe does not listen (as libuv) */
  ruv_pipe_t ipc;
  char ipcname[160];
  snprintf(ipcname, sizeof ipcname, "%s/ipc", dir);
  CHECK_EQ(ruv_pipe_init(&loop, &ipc, 1), 0);
  CHECK_EQ(ruv_pipe_bind(&ipc, ipcname), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&ipc, 8, on_connection), RUV_EINVAL);

  ruv_close((ruv_handle_t *)&p, NULL);
  ruv_close((ruv_handle_t *)&q, NULL);
  ruv_close((ruv_handle_t *)&r, NULL);
  ruv_close((ruv_handle_t *)&v, NULL);
  ruv_close((ruv_handle_t *)&ipc, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  CHECK_EQ(access(path, F_OK), -1); /* both bound paths are gone */
  CHECK_EQ(access(ipcname, F_OK), -1);
}

/* ---- descriptor pairs ---------------------------------------------------------- */

static int nonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }
static int cloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

static void test_pairs(void) {
  /* libuv's values */
  CHECK_EQ(RUV_PIPE_NO_TRUNCATE, 1);
  CHECK_EQ(RUV_IGNORE, 0);
  CHECK_EQ(RUV_CREATE_PIPE, 1);
  CHECK_EQ(RUV_INHERIT_FD, 2);
  CHECK_EQ(RUV_INHERIT_STREAM, 4);
  CHECK_EQ(RUV_READABLE_PIPE, 0x10);
  CHECK_EQ(RUV_WRITABLE_PIPE, 0x20);
  CHECK_EQ(RUV_NONBLOCK_PIPE, 0x40);
  CHECK_EQ(RUV_OVERLAPPED_PIPE, 0x40);
  ruv_file fds[2];
  char c = 0;
  CHECK_EQ(ruv_pipe(fds, 0, 0), 0);
  CHECK(!nonblocking(fds[0]) && !nonblocking(fds[1]));
  CHECK(cloexec(fds[0]) && cloexec(fds[1]));
  CHECK_EQ(write(fds[1], "a", 1), 1);
  CHECK_EQ(read(fds[0], &c, 1), 1);
  CHECK_EQ(c, 'a');
  CHECK_EQ(write(fds[0], "a", 1), -1); /* the read end */
  close(fds[0]);
  close(fds[1]);
  CHECK_EQ(ruv_pipe(fds, RUV_NONBLOCK_PIPE, 0), 0);
  CHECK(nonblocking(fds[0]) && !nonblocking(fds[1]));
  CHECK_EQ(read(fds[0], &c, 1), -1);
  CHECK_EQ(errno, EAGAIN);
  close(fds[0]);
  close(fds[1]);
  CHECK_EQ(ruv_pipe(fds, RUV_NONBLOCK_PIPE, RUV_NONBLOCK_PIPE), 0);
  CHECK(nonblocking(fds[0]) && nonblocking(fds[1]));
  close(fds[0]);
  close(fds[1]);
  CHECK_EQ(ruv_pipe(NULL, 0, 0), RUV_EINVAL);

  ruv_os_sock_t sv[2];
  CHECK_EQ(ruv_socketpair(SOCK_STREAM, 0, sv, 0, RUV_NONBLOCK_PIPE), 0);
  CHECK(!nonblocking(sv[0]) && nonblocking(sv[1]));
  CHECK(cloexec(sv[0]) && cloexec(sv[1]));
  CHECK_EQ(write(sv[1], "b", 1), 1); /* both ways */
  CHECK_EQ(read(sv[0], &c, 1), 1);
  CHECK_EQ(c, 'b');
  CHECK_EQ(write(sv[0], "c", 1), 1);
  CHECK_EQ(read(sv[1], &c, 1), 1);
  CHECK_EQ(c, 'c');
  close(sv[0]);
  close(sv[1]);
  CHECK_EQ(ruv_socketpair(SOCK_DGRAM, 0, sv, RUV_NONBLOCK_PIPE, RUV_NONBLOCK_PIPE), 0);
  int type = 0;
  socklen_t len = sizeof type;
  CHECK_EQ(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len), 0);
  CHECK_EQ(type, SOCK_DGRAM);
  close(sv[0]);
  close(sv[1]);
  CHECK_EQ(ruv_socketpair(SOCK_STREAM, 0, NULL, 0, 0), RUV_EINVAL);
  CHECK_EQ(ruv_socketpair(12345, 0, sv, 0, 0), RUV_EINVAL); /* no such type */

  /* a pair end as a pipe handle */
  CHECK_EQ(ruv_socketpair(SOCK_STREAM, 0, sv, 0, 0), 0);
  ruv_pipe_t a;
  CHECK_EQ(ruv_pipe_init(&loop, &a, 0), 0);
  CHECK_EQ(ruv_pipe_open(&a, sv[0]), 0);
  ruv_buf_t x = ruv_buf_init("xyz", 3);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&a, &x, 1), 3);
  char got[4] = {0};
  CHECK_EQ(read(sv[1], got, 3), 3);
  CHECK_STR(got, "xyz");
  ruv_close((ruv_handle_t *)&a, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
  close(sv[1]);
}

int main(void) {
  test_begin();
  int fds_at_start = count_fds();
  strcpy(dir, "/tmp/ruv-pipe-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/sock", dir);
  loop_setup(&loop);
  RUN(test_path);
  RUN(test_abstract);
  RUN(test_plain_forms);
  RUN(test_errors);
  RUN(test_pairs);
  close_loop(&loop);
  CHECK_EQ(rmdir(dir), 0);
  CHECK_EQ(count_fds(), fds_at_start);
  return test_end();
}
