/* Passing handles over IPC pipes, as libuv's multi-process servers do: two
 * IPC pipes on the ends of a socketpair; ruv_write2 sends a TCP handle (an
 * accepted connection) or a pipe with a byte; the receiver's read callback
 * sees the byte, ruv_pipe_pending_count/pending_type say what came, and
 * ruv_accept turns it into a working handle. Several handles queue in order;
 * handles never accepted are closed with the pipe; the errors (not an IPC
 * pipe, no descriptor to pass, no byte to carry it, nothing pending). No
 * descriptor is left open at the end. */
#include "test.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "net_util.h" /* guard timer, RUN_UNTIL */

static ruv_loop_t loop;
static ruv_pipe_t sender, receiver;
static char got[64];
static size_t got_n;
static int reads, write_calls, write_status;
/* what the read callback saw right after each chunk */
static int pending_seen[8], type_seen[8];

static void on_read(ruv_stream_t *s, ssize_t n, const ruv_buf_t *buf) {
  CHECK(s == (ruv_stream_t *)&receiver);
  if (n <= 0) return;
  memcpy(got + got_n, buf->base, (size_t)n);
  got_n += (size_t)n;
  if (reads < 8) {
    pending_seen[reads] = ruv_pipe_pending_count(&receiver);
    type_seen[reads] = ruv_pipe_pending_type(&receiver);
  }
  reads++;
}

static void on_write(ruv_write_t *req, int status) {
  (void)req;
  write_calls++;
  write_status = status;
}

/* the two IPC pipes, reading on the receiver */
static void ipc_pair(void) {
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &sender, 1), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &receiver, 1), 0);
  CHECK_EQ(sender.ipc, 1);
  CHECK_EQ(ruv_pipe_open(&sender, sv[0]), 0);
  CHECK_EQ(ruv_pipe_open(&receiver, sv[1]), 0);
  CHECK_EQ(ruv_read_start((ruv_stream_t *)&receiver, slab_alloc, on_read), 0);
  got_n = 0;
  reads = write_calls = 0;
}

static void close_pair(void) {
  ruv_close((ruv_handle_t *)&sender, NULL);
  ruv_close((ruv_handle_t *)&receiver, NULL);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 0);
}

/* a TCP connection accepted here, passed over the IPC pipe, accepted on the
 * other side and used there: the peer talks to the new handle */
static ruv_tcp_t listener, conn, moved;
static int connections;
static void on_connection(ruv_stream_t *s, int status) {
  CHECK_EQ(status, 0);
  CHECK_EQ(ruv_tcp_init(&loop, &conn), 0);
  CHECK_EQ(ruv_accept(s, (ruv_stream_t *)&conn), 0);
  connections++;
}

static ruv_write_t wreq, wreq2;
static void test_pass_tcp(void) {
  ipc_pair();
  struct sockaddr_in addr;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", 0, &addr), 0);
  CHECK_EQ(ruv_tcp_init(&loop, &listener), 0);
  CHECK_EQ(ruv_tcp_bind(&listener, (struct sockaddr *)&addr, 0), 0);
  CHECK_EQ(ruv_listen((ruv_stream_t *)&listener, 8, on_connection), 0);
  int namelen = sizeof addr;
  CHECK_EQ(ruv_tcp_getsockname(&listener, (struct sockaddr *)&addr, &namelen), 0);
  int peer = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK_EQ(connect(peer, (struct sockaddr *)&addr, sizeof addr), 0);
  connections = 0;
  RUN_UNTIL(&loop, connections == 1, 5000);

  ruv_buf_t t = ruv_buf_init("T", 1);
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&sender, &t, 1, (ruv_stream_t *)&conn, on_write), 0);
  /* the sender's handle may go at once: the peer's copy stays */
  ruv_close((ruv_handle_t *)&conn, NULL);
  RUN_UNTIL(&loop, got_n == 1 && write_calls == 1, 5000);
  CHECK_EQ(write_status, 0);
  CHECK(wreq.send_handle == NULL); /* cleared once sent, as in libuv */
  CHECK_EQ(got[0], 'T');
  CHECK_EQ(pending_seen[0], 1);
  CHECK_EQ(type_seen[0], RUV_TCP);

  CHECK_EQ(ruv_tcp_init(&loop, &moved), 0);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&receiver, (ruv_stream_t *)&moved), 0);
  CHECK_EQ(ruv_pipe_pending_count(&receiver), 0);
  CHECK_EQ(ruv_pipe_pending_type(&receiver), RUV_UNKNOWN_HANDLE);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&receiver, (ruv_stream_t *)&moved), RUV_EAGAIN);
  ruv_os_fd_t mfd = -1;
  CHECK_EQ(ruv_fileno((ruv_handle_t *)&moved, &mfd), 0);
  CHECK(fcntl(mfd, F_GETFL) & O_NONBLOCK);
  CHECK(fcntl(mfd, F_GETFD) & FD_CLOEXEC);
  ruv_buf_t hello = ruv_buf_init("hello", 5);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&moved, &hello, 1), 5);
  char in[8] = {0};
  CHECK_EQ(recv(peer, in, 5, MSG_WAITALL), 5);
  CHECK_STR(in, "hello");

  close(peer);
  ruv_close((ruv_handle_t *)&moved, NULL);
  ruv_close((ruv_handle_t *)&listener, NULL);
  close_pair();
}

/* two pipes passed before the receiver accepts: queued in order, counted,
 * each accepted into a working pipe */
static void test_pass_pipes_queue(void) {
  ipc_pair();
  int a[2], b[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a), 0);
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b), 0);
  ruv_pipe_t pa, pb, ra, rb;
  CHECK_EQ(ruv_pipe_init(&loop, &pa, 0), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &pb, 0), 0);
  CHECK_EQ(ruv_pipe_open(&pa, a[0]), 0);
  CHECK_EQ(ruv_pipe_open(&pb, b[0]), 0);
  ruv_buf_t x = ruv_buf_init("A", 1), y = ruv_buf_init("B", 1);
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&sender, &x, 1, (ruv_stream_t *)&pa, on_write), 0);
  CHECK_EQ(ruv_write2(&wreq2, (ruv_stream_t *)&sender, &y, 1, (ruv_stream_t *)&pb, on_write), 0);
  RUN_UNTIL(&loop, got_n == 2 && write_calls == 2, 5000);
  CHECK(memcmp(got, "AB", 2) == 0);
  CHECK_EQ(ruv_pipe_pending_count(&receiver), 2);
  CHECK_EQ(ruv_pipe_pending_type(&receiver), RUV_NAMED_PIPE);

  CHECK_EQ(ruv_pipe_init(&loop, &ra, 0), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &rb, 0), 0);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&receiver, (ruv_stream_t *)&ra), 0);
  CHECK_EQ(ruv_pipe_pending_count(&receiver), 1);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&receiver, (ruv_stream_t *)&rb), 0);
  CHECK_EQ(ruv_pipe_pending_count(&receiver), 0);
  /* ra is a's far end passed first, rb is b's: a[1] and b[1] hear them */
  ruv_buf_t one = ruv_buf_init("1", 1), two = ruv_buf_init("2", 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&ra, &one, 1), 1);
  CHECK_EQ(ruv_try_write((ruv_stream_t *)&rb, &two, 1), 1);
  char c = 0;
  CHECK_EQ(read(a[1], &c, 1), 1);
  CHECK_EQ(c, '1');
  CHECK_EQ(read(b[1], &c, 1), 1);
  CHECK_EQ(c, '2');

  ruv_close((ruv_handle_t *)&pa, NULL);
  ruv_close((ruv_handle_t *)&pb, NULL);
  ruv_close((ruv_handle_t *)&ra, NULL);
  ruv_close((ruv_handle_t *)&rb, NULL);
  close(a[1]);
  close(b[1]);
  close_pair();
}

/* handles nobody accepts are closed with the receiving pipe */
static void test_unaccepted_closed(void) {
  int fds_before = count_fds();
  ipc_pair();
  int a[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a), 0);
  ruv_pipe_t pa;
  CHECK_EQ(ruv_pipe_init(&loop, &pa, 0), 0);
  CHECK_EQ(ruv_pipe_open(&pa, a[0]), 0);
  ruv_buf_t x = ruv_buf_init("xyz", 3);
  for (int i = 0; i < 3; i++) {
    ruv_write_t *w = i == 0 ? &wreq : &wreq2;
    if (i == 2) {
      static ruv_write_t w3;
      w = &w3;
    }
    CHECK_EQ(ruv_write2(w, (ruv_stream_t *)&sender, &x, 1, (ruv_stream_t *)&pa, on_write), 0);
  }
  RUN_UNTIL(&loop, got_n == 9 && write_calls == 3, 5000);
  CHECK_EQ(ruv_pipe_pending_count(&receiver), 3);
  ruv_close((ruv_handle_t *)&pa, NULL);
  close(a[1]);
  close_pair();
  CHECK_EQ(count_fds(), fds_before); /* the three received copies too */
}

static void test_errors(void) {
  ipc_pair();
  ruv_buf_t x = ruv_buf_init("x", 1);
  ruv_pipe_t plain, fresh;
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &plain, 0), 0);
  CHECK_EQ(ruv_pipe_open(&plain, sv[0]), 0);
  CHECK_EQ(ruv_pipe_init(&loop, &fresh, 0), 0);
  int fds = count_fds();
  /* only an IPC pipe passes handles */
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&plain, &x, 1, (ruv_stream_t *)&sender, on_write), RUV_EINVAL);
  /* a handle with no descriptor */
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&sender, &x, 1, (ruv_stream_t *)&fresh, on_write), RUV_EBADF);
#if RUV_STRICT /* libuv sends no byte (so no handle), asserts, crashes */
  /* no byte to carry it */
  ruv_buf_t empty = ruv_buf_init("", 0);
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&sender, &empty, 1, (ruv_stream_t *)&plain, on_write), RUV_EINVAL);
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&sender, NULL, 0, (ruv_stream_t *)&plain, on_write), RUV_EINVAL);
  CHECK_EQ(ruv_write2(NULL, (ruv_stream_t *)&sender, &x, 1, (ruv_stream_t *)&plain, on_write), RUV_EINVAL);
#endif
  CHECK_EQ(count_fds(), fds); /* no duplicate left behind */
  CHECK_EQ(loop.active_reqs.count, 0);
  /* NULL send_handle: a plain write */
  CHECK_EQ(ruv_write2(&wreq, (ruv_stream_t *)&plain, &x, 1, NULL, on_write), 0);
  RUN_UNTIL(&loop, write_calls == 1, 5000);
  CHECK_EQ(write_status, 0);
  /* nothing pending; not an IPC pipe */
  CHECK_EQ(ruv_pipe_pending_count(&receiver), 0);
  CHECK_EQ(ruv_pipe_pending_type(&receiver), RUV_UNKNOWN_HANDLE);
  CHECK_EQ(ruv_accept((ruv_stream_t *)&receiver, (ruv_stream_t *)&fresh), RUV_EAGAIN);
  CHECK_EQ(ruv_pipe_pending_count(&plain), 0);
  CHECK_EQ(ruv_pipe_pending_type(&plain), RUV_UNKNOWN_HANDLE);
  ruv_close((ruv_handle_t *)&plain, NULL);
  ruv_close((ruv_handle_t *)&fresh, NULL);
  close(sv[1]);
  close_pair();
}

int main(void) {
  test_begin();
  int fds_at_start = count_fds();
  loop_setup(&loop);
  RUN(test_pass_tcp);
  RUN(test_pass_pipes_queue);
  RUN(test_unaccepted_closed);
  RUN(test_errors);
  close_loop(&loop);
  CHECK_EQ(count_fds(), fds_at_start + LIBUV_KEEPS_FDS);
  return test_end();
}
