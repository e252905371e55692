/* Which path an asynchronous fs request takes. A cached open without
 * O_CREAT/O_TRUNC, a read at an offset of cached pages, and the fstat and
 * close of a local file are answered inline, in the submitting call, without
 * the thread pool (seen here: the process never gets a pool thread); the
 * callback still runs later, from the loop. Everything else takes the pool:
 * an open that creates, a read of pages not in memory, a FIFO's open (which
 * must wait for its peer), the close of a socket, every error; and every
 * request when RUV_FS_INLINE=0 (checked in a child process).
 * Files live in a fresh temporary directory, removed at the end. */
#include "test.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

enum { POOL_THREADS = 2 };

static char dir[64], path[128], fifo[128];
static ruv_loop_t loop;
static int cb_calls, in_call;
/* openat2 is there (Linux 5.6+; valgrind 3.19 does not know it): without it
 * every open takes the pool, and so does a test's later read and close. */
static int have_openat2;

static void on_fs(ruv_fs_t *req) {
  cb_calls++;
  CHECK_EQ(in_call, 0); /* never inside the submitting call */
  CHECK(req->loop == &loop);
}

/* Submits one request (asserting it is accepted and not called back in the
 * call), runs the loop until it is done, returns its result. */
#define ASYNC(req, call)                          \
  do {                                            \
    cb_calls = 0;                                 \
    in_call = 1;                                  \
    CHECK_EQ((call), 0);                          \
    in_call = 0;                                  \
    CHECK_EQ(cb_calls, 0);                        \
    CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0); \
    CHECK_EQ(cb_calls, 1);                        \
  } while (0)

static void write_file(const char *p, const char *text) {
  int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  CHECK_EQ(fsync(fd), 0);
  close(fd);
}

/* open, read (several buffers, a short read at the end of the file, a read
 * past it), fstat, close of a cached file: right answers, no pool thread */
static void test_inline_answers(void) {
  ruv_fs_t req;
  char a[2], b[2], c[16];
  write_file(path, "hello");
  CHECK_EQ(count_threads(), 1);

  ASYNC(req, ruv_fs_open(&loop, &req, path, RUV_FS_O_RDONLY, 0, on_fs));
  int fd = (int)req.result;
  CHECK(fd >= 0);
  CHECK_EQ(req.fs_type, RUV_FS_OPEN);
  CHECK_STR(req.path, path);
  CHECK_EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0); /* taken off again */
  CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
  ruv_fs_req_cleanup(&req);

  ruv_buf_t bufs[3] = {ruv_buf_init(a, 2), ruv_buf_init(b, 2), ruv_buf_init(c, sizeof c)};
  memset(c, 0, sizeof c);
  ASYNC(req, ruv_fs_read(&loop, &req, fd, bufs, 3, 0, on_fs));
  CHECK_EQ(req.result, 5); /* short: the end of the file */
  CHECK(memcmp(a, "he", 2) == 0 && memcmp(b, "ll", 2) == 0 && c[0] == 'o');
  ruv_fs_req_cleanup(&req);
  ASYNC(req, ruv_fs_read(&loop, &req, fd, bufs, 1, 3, on_fs));
  CHECK_EQ(req.result, 2);
  CHECK(memcmp(a, "lo", 2) == 0);
  ruv_fs_req_cleanup(&req);
  ASYNC(req, ruv_fs_read(&loop, &req, fd, bufs, 3, 5, on_fs));
  CHECK_EQ(req.result, 0); /* at the end */
  ruv_fs_req_cleanup(&req);

  ASYNC(req, ruv_fs_fstat(&loop, &req, fd, on_fs));
  CHECK_EQ(req.result, 0);
  CHECK_EQ(req.statbuf.st_size, 5);
  CHECK(S_ISREG(req.statbuf.st_mode));
  CHECK(req.ptr == &req.statbuf);
  struct stat st;
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(req.statbuf.st_ino, st.st_ino);
  CHECK_EQ(req.statbuf.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
  ruv_fs_req_cleanup(&req);

  ASYNC(req, ruv_fs_close(&loop, &req, fd, on_fs));
  CHECK_EQ(req.result, 0);
  CHECK_EQ(fcntl(fd, F_GETFD), -1); /* closed */
  ruv_fs_req_cleanup(&req);

  /* O_NONBLOCK asked for stays */
  ASYNC(req, ruv_fs_open(&loop, &req, path, RUV_FS_O_RDONLY | RUV_FS_O_NONBLOCK, 0, on_fs));
  CHECK(req.result >= 0);
  CHECK(fcntl((int)req.result, F_GETFL) & O_NONBLOCK);
  close((int)req.result);
  ruv_fs_req_cleanup(&req);

  /* a directory opens inline too */
  ASYNC(req, ruv_fs_open(&loop, &req, dir, RUV_FS_O_RDONLY | RUV_FS_O_DIRECTORY, 0, on_fs));
  CHECK(req.result >= 0);
  close((int)req.result);
  ruv_fs_req_cleanup(&req);

  if (have_openat2)
    CHECK_EQ(count_threads(), 1); /* the pool never started */
  else
    fprintf(stderr, "   no openat2 here: the opens took the pool\n");
}

/* Requests the kernel cannot answer without blocking, or that fail: on the
 * pool, with the pool's answer */
static void test_pool_answers(void) {
  ruv_fs_t req;
  char buf[8];
  ruv_buf_t b = ruv_buf_init(buf, sizeof buf);

  /* an open that creates: the pool starts */
  ASYNC(req, ruv_fs_open(&loop, &req, path, RUV_FS_O_WRONLY | RUV_FS_O_CREAT | RUV_FS_O_TRUNC, 0600, on_fs));
  int wfd = (int)req.result;
  CHECK(wfd >= 0);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(count_threads(), 1 + POOL_THREADS); /* started now, or by an open without openat2 */

  /* errors come from the pool: a read of a write-only descriptor, a missing
   * file, a closed descriptor */
  ASYNC(req, ruv_fs_read(&loop, &req, wfd, &b, 1, 0, on_fs));
  CHECK_EQ(req.result, RUV_EBADF);
  ruv_fs_req_cleanup(&req);
  ASYNC(req, ruv_fs_close(&loop, &req, wfd, on_fs));
  CHECK_EQ(req.result, 0);
  ruv_fs_req_cleanup(&req);
  ASYNC(req, ruv_fs_fstat(&loop, &req, wfd, on_fs));
  CHECK_EQ(req.result, RUV_EBADF);
  ruv_fs_req_cleanup(&req);
  ASYNC(req, ruv_fs_close(&loop, &req, wfd, on_fs));
  CHECK_EQ(req.result, RUV_EBADF);
  ruv_fs_req_cleanup(&req);
  ASYNC(req, ruv_fs_open(&loop, &req, fifo, RUV_FS_O_RDONLY, 0, on_fs)); /* not made yet */
  CHECK_EQ(req.result, RUV_ENOENT);
  ruv_fs_req_cleanup(&req);

  /* the close of a socket: not a file */
  int sv[2];
  CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ASYNC(req, ruv_fs_close(&loop, &req, sv[0], on_fs));
  CHECK_EQ(req.result, 0);
  CHECK_EQ(fcntl(sv[0], F_GETFD), -1);
  ruv_fs_req_cleanup(&req);
  close(sv[1]);
}

/* A FIFO's open waits for the other end, as a blocking open does: the inline
 * attempt (non-blocking) must not answer it */
static void test_fifo_open_waits(void) {
  ruv_fs_t req;
  CHECK_EQ(mkfifo(fifo, 0600), 0);
  cb_calls = 0;
  in_call = 1;
  CHECK_EQ(ruv_fs_open(&loop, &req, fifo, RUV_FS_O_RDONLY, 0, on_fs), 0);
  in_call = 0;
  for (int i = 0; i < 20; i++) CHECK_EQ(ruv_run(&loop, RUV_RUN_NOWAIT), 1);
  CHECK_EQ(cb_calls, 0); /* still waiting for a writer */
  int wfd = open(fifo, O_WRONLY | O_CLOEXEC); /* meets the pool's open */
  CHECK(wfd >= 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  int rfd = (int)req.result;
  CHECK(rfd >= 0);
  CHECK_EQ(fcntl(rfd, F_GETFL) & O_NONBLOCK, 0);
  CHECK_EQ(write(wfd, "x", 1), 1);
  char got = 0;
  CHECK_EQ(read(rfd, &got, 1), 1);
  CHECK_EQ(got, 'x');
  close(wfd);
  close(rfd);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(unlink(fifo), 0);
}

/* A read of pages that are not in memory goes to the pool and reads them.
 * Whether the pages could be dropped depends on the file system (tmpfs keeps
 * them): the read is checked either way. */
static void test_uncached_read(void) {
  enum { SIZE = 1 << 20 };
  char *data = malloc(SIZE), *got = malloc(SIZE);
  CHECK(data && got);
  for (int i = 0; i < SIZE; i++) data[i] = (char)(i * 7);
  int fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, data, SIZE), SIZE);
  CHECK_EQ(fdatasync(fd), 0);
  CHECK_EQ(posix_fadvise(fd, 0, SIZE, POSIX_FADV_DONTNEED), 0);
  void *map = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
  CHECK(map != MAP_FAILED);
  unsigned char resident[SIZE / 4096];
  CHECK_EQ(mincore(map, SIZE, resident), 0);
  int cached = 0;
  for (size_t i = 0; i < sizeof resident; i++) cached += resident[i] & 1;
  munmap(map, SIZE);
  fprintf(stderr, "   %d of %d pages still cached after POSIX_FADV_DONTNEED\n", cached, SIZE / 4096);

  ruv_fs_t req;
  ruv_buf_t b = ruv_buf_init(got, SIZE);
  memset(got, 0, SIZE);
  ASYNC(req, ruv_fs_read(&loop, &req, fd, &b, 1, 0, on_fs));
  CHECK_EQ(req.result, SIZE);
  CHECK(memcmp(got, data, SIZE) == 0);
  ruv_fs_req_cleanup(&req);
  close(fd);
  free(data);
  free(got);
}

/* RUV_FS_INLINE=0: the same cached open takes the pool (a child process, so
 * the pool's threads can be counted from none) */
static ssize_t child_result = -1;
static void on_child_open(ruv_fs_t *req) { child_result = req->result; }

static void test_inline_off(void) {
  write_file(path, "hello");
  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    ruv_loop_t l;
    ruv_fs_t req;
    int ok = count_threads() == 1;
    setenv("RUV_FS_INLINE", "0", 1);
    ok = ok && ruv_loop_init(&l) == 0;
    ok = ok && ruv_fs_open(&l, &req, path, RUV_FS_O_RDONLY, 0, on_child_open) == 0;
    ok = ok && ruv_run(&l, RUV_RUN_DEFAULT) == 0 && child_result >= 0;
    ok = ok && count_threads() == 1 + POOL_THREADS;
    if (!ok) fprintf(stderr, "child: result %zd, %d threads\n", child_result, count_threads());
    if (child_result >= 0) close((int)child_result);
    ruv_fs_req_cleanup(&req);
    ok = ok && ruv_loop_close(&l) == 0;
    ruv_library_shutdown();
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  CHECK_EQ(waitpid(pid, &status, 0), pid);
  CHECK(WIFEXITED(status));
  CHECK_EQ(WEXITSTATUS(status), 0);
}

int main(void) {
  test_begin();
  setenv("RUV_THREADPOOL_SIZE", "2", 1);
  unsetenv("RUV_FS_INLINE");
  strcpy(dir, "/tmp/ruv-fs-fast-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  have_openat2 = !(syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0) < 0 && errno == ENOSYS);
  snprintf(path, sizeof path, "%s/file", dir);
  snprintf(fifo, sizeof fifo, "%s/fifo", dir);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  RUN(test_inline_off); /* forks: before this process has a pool */
  RUN(test_inline_answers);
  RUN(test_pool_answers);
  RUN(test_fifo_open_waits);
  RUN(test_uncached_read);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  CHECK_EQ(unlink(path), 0);
  CHECK_EQ(rmdir(dir), 0);
  ruv_library_shutdown();
  return test_end();
}
