/* File-system requests, each operation in both modes: synchronously (NULL
 * callback: the call returns the result, the loop may be NULL) and on the
 * thread pool (the callback runs on the loop's thread with req->result set,
 * never inside the call), the asynchronous ones twice: with the inline first
 * attempt and with the pool only (RUV_FS_INLINE=0). Checked: results, req->fs_type/path/statbuf/ptr,
 * errors as negative codes (ENOENT, EEXIST, ENOTEMPTY, EBADF, EISDIR...),
 * ruv_fs_req_cleanup twice, cancelling a queued fs request, NULL arguments.
 * Everything happens in a fresh temporary directory, removed at the end. */
#include "test.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

static char dir[64];
static char p1[128], p2[128], sub[128];

static ruv_loop_t loop;
static int cb_calls, cb_in_call;
static ssize_t cb_result;
static ruv_fs_type cb_type;

static void on_fs(ruv_fs_t *req) {
  cb_calls++;
  cb_result = req->result;
  cb_type = req->fs_type;
  CHECK_EQ(cb_in_call, 0);
  CHECK(req->loop == &loop);
}

/* Runs one asynchronous request to its callback; returns its result. */
#define ASYNC(req, call)                                 \
  do {                                                   \
    cb_calls = 0;                                        \
    cb_in_call = 1;                                      \
    CHECK_EQ((call), 0);                                 \
    cb_in_call = 0;                                      \
    CHECK_EQ(loop.active_reqs.count, 1);                 \
    CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);        \
    CHECK_EQ(cb_calls, 1);                               \
    CHECK_EQ((req)->result, cb_result);                  \
  } while (0)

/* ---- open, write, read, close ------------------------------------------------- */

static void test_file_round_trip(int async) {
  ruv_fs_t req;
  char text[] = "hello, file";
  char back[32];
  memset(back, 0, sizeof back);
  ruv_buf_t w[2] = {ruv_buf_init(text, 5), ruv_buf_init(text + 5, 6)};
  ruv_buf_t r = ruv_buf_init(back, sizeof back);
  int fd;
  if (async) {
    ASYNC(&req, ruv_fs_open(&loop, &req, p1, RUV_FS_O_CREAT | RUV_FS_O_RDWR | RUV_FS_O_TRUNC, 0644, on_fs));
    fd = (int)req.result;
  } else {
    fd = ruv_fs_open(NULL, &req, p1, RUV_FS_O_CREAT | RUV_FS_O_RDWR | RUV_FS_O_TRUNC, 0644, NULL);
    CHECK_EQ(req.result, fd);
  }
  CHECK(fd >= 0);
  CHECK_EQ(req.fs_type, RUV_FS_OPEN);
  CHECK_EQ(req.type, RUV_FS);
  CHECK_STR(req.path, p1);
  CHECK(req.path != p1); /* the request's own copy */
  CHECK_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ruv_fs_req_cleanup(&req);
  CHECK(req.path == NULL);
  ruv_fs_req_cleanup(&req); /* twice is fine */

  if (async) {
    ASYNC(&req, ruv_fs_write(&loop, &req, fd, w, 2, -1, on_fs));
  } else {
    CHECK_EQ(ruv_fs_write(NULL, &req, fd, w, 2, -1, NULL), 11);
  }
  CHECK_EQ(req.result, 11);
  CHECK_EQ(req.fs_type, RUV_FS_WRITE);
  ruv_fs_req_cleanup(&req);

  /* at an offset: the file's position is not used, nor moved */
  if (async) {
    ASYNC(&req, ruv_fs_read(&loop, &req, fd, &r, 1, 7, on_fs));
  } else {
    CHECK_EQ(ruv_fs_read(NULL, &req, fd, &r, 1, 7, NULL), 4);
  }
  CHECK_EQ(req.result, 4);
  CHECK(memcmp(back, "file", 4) == 0);
  /* at the position: the end of the file, after the write */
  CHECK_EQ(ruv_fs_read(NULL, &req, fd, &r, 1, -1, NULL), 0);
  ruv_fs_req_cleanup(&req);

  if (async) {
    ASYNC(&req, ruv_fs_close(&loop, &req, fd, on_fs));
  } else {
    CHECK_EQ(ruv_fs_close(NULL, &req, fd, NULL), 0);
  }
  CHECK_EQ(req.result, 0);
  CHECK_EQ(req.fs_type, RUV_FS_CLOSE);
  CHECK_EQ(fcntl(fd, F_GETFD), -1); /* closed */
  /* closing again: EBADF, as a result, not a crash */
  CHECK_EQ(ruv_fs_close(NULL, &req, fd, NULL), RUV_EBADF);
  CHECK_EQ(ruv_fs_get_system_error(&req), EBADF);
  ruv_fs_req_cleanup(&req);
}

static void test_file_sync(void) { test_file_round_trip(0); }
static void test_file_async(void) { test_file_round_trip(1); }

/* ---- stat, fstat, lstat, ftruncate, fsync --------------------------------------- */

static void test_stat(int async) {
  ruv_fs_t req;
  int fd = ruv_fs_open(NULL, &req, p1, RUV_FS_O_CREAT | RUV_FS_O_WRONLY, 0600, NULL);
  CHECK(fd >= 0);
  ruv_fs_req_cleanup(&req);
  if (async) {
    ASYNC(&req, ruv_fs_ftruncate(&loop, &req, fd, 1000, on_fs));
  } else {
    CHECK_EQ(ruv_fs_ftruncate(NULL, &req, fd, 1000, NULL), 0);
  }
  CHECK_EQ(req.result, 0);
  if (async) {
    ASYNC(&req, ruv_fs_fsync(&loop, &req, fd, on_fs));
    ASYNC(&req, ruv_fs_fdatasync(&loop, &req, fd, on_fs));
  } else {
    CHECK_EQ(ruv_fs_fsync(NULL, &req, fd, NULL), 0);
    CHECK_EQ(ruv_fs_fdatasync(NULL, &req, fd, NULL), 0);
  }
  struct stat st;
  CHECK_EQ(stat(p1, &st), 0);

  if (async) {
    ASYNC(&req, ruv_fs_stat(&loop, &req, p1, on_fs));
  } else {
    CHECK_EQ(ruv_fs_stat(NULL, &req, p1, NULL), 0);
  }
  CHECK_EQ(req.result, 0);
  CHECK_EQ(req.fs_type, RUV_FS_STAT);
  CHECK_EQ(req.statbuf.st_size, 1000);
  CHECK_EQ(req.statbuf.st_mode, st.st_mode);
  CHECK_EQ(req.statbuf.st_ino, st.st_ino);
  CHECK_EQ(req.statbuf.st_dev, st.st_dev);
  CHECK_EQ(req.statbuf.st_nlink, 1);
  CHECK_EQ(req.statbuf.st_uid, st.st_uid);
  CHECK_EQ(req.statbuf.st_mtim.tv_sec, st.st_mtim.tv_sec);
  CHECK_EQ(req.statbuf.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
  CHECK(req.ptr == &req.statbuf);
  CHECK(ruv_fs_get_statbuf(&req) == &req.statbuf);
  CHECK(ruv_fs_get_ptr(&req) == req.ptr);
  CHECK_EQ(ruv_fs_get_type(&req), RUV_FS_STAT);
  CHECK_EQ(ruv_fs_get_result(&req), 0);
  CHECK_STR(ruv_fs_get_path(&req), p1);
  ruv_fs_req_cleanup(&req);

  if (async) {
    ASYNC(&req, ruv_fs_fstat(&loop, &req, fd, on_fs));
  } else {
    CHECK_EQ(ruv_fs_fstat(NULL, &req, fd, NULL), 0);
  }
  CHECK_EQ(req.statbuf.st_ino, st.st_ino);
  CHECK_EQ(req.statbuf.st_size, 1000);
  CHECK(req.path == NULL);
  ruv_fs_req_cleanup(&req);

  /* lstat of a symbolic link is the link; stat follows it */
  CHECK_EQ(symlink(p1, p2), 0);
  if (async) {
    ASYNC(&req, ruv_fs_lstat(&loop, &req, p2, on_fs));
  } else {
    CHECK_EQ(ruv_fs_lstat(NULL, &req, p2, NULL), 0);
  }
  CHECK(S_ISLNK(req.statbuf.st_mode));
  CHECK_EQ(req.fs_type, RUV_FS_LSTAT);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_stat(NULL, &req, p2, NULL), 0);
  CHECK(S_ISREG(req.statbuf.st_mode));
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(unlink(p2), 0);

  /* errors */
  if (async) {
    ASYNC(&req, ruv_fs_stat(&loop, &req, "/nonexistent/ruv/x", on_fs));
  } else {
    CHECK_EQ(ruv_fs_stat(NULL, &req, "/nonexistent/ruv/x", NULL), RUV_ENOENT);
  }
  CHECK_EQ(req.result, RUV_ENOENT);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_fstat(NULL, &req, -1, NULL), RUV_EBADF);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_close(NULL, &req, fd, NULL), 0);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(unlink(p1), 0);
}

static void test_stat_sync(void) { test_stat(0); }
static void test_stat_async(void) { test_stat(1); }

/* ---- directories, rename, unlink ------------------------------------------------- */

static void test_dirs(int async) {
  ruv_fs_t req;
  if (async) {
    ASYNC(&req, ruv_fs_mkdir(&loop, &req, sub, 0755, on_fs));
  } else {
    CHECK_EQ(ruv_fs_mkdir(NULL, &req, sub, 0755, NULL), 0);
  }
  CHECK_EQ(req.result, 0);
  CHECK_EQ(req.fs_type, RUV_FS_MKDIR);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_mkdir(NULL, &req, sub, 0755, NULL), RUV_EEXIST);
  ruv_fs_req_cleanup(&req);

  /* a file inside: rmdir refuses, rename moves it, unlink removes it */
  char inner[192];
  snprintf(inner, sizeof inner, "%s/f", sub);
  int fd = ruv_fs_open(NULL, &req, inner, RUV_FS_O_CREAT | RUV_FS_O_WRONLY, 0600, NULL);
  CHECK(fd >= 0);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_close(NULL, &req, fd, NULL), 0);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_rmdir(NULL, &req, sub, NULL), RUV_ENOTEMPTY);
  ruv_fs_req_cleanup(&req);
  if (async) {
    ASYNC(&req, ruv_fs_rename(&loop, &req, inner, p2, on_fs));
  } else {
    CHECK_EQ(ruv_fs_rename(NULL, &req, inner, p2, NULL), 0);
  }
  CHECK_EQ(req.result, 0);
  CHECK_EQ(req.fs_type, RUV_FS_RENAME);
  CHECK_STR(req.path, inner);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(access(p2, F_OK), 0);
  CHECK_EQ(access(inner, F_OK), -1);
  if (async) {
    ASYNC(&req, ruv_fs_unlink(&loop, &req, p2, on_fs));
  } else {
    CHECK_EQ(ruv_fs_unlink(NULL, &req, p2, NULL), 0);
  }
  CHECK_EQ(req.fs_type, RUV_FS_UNLINK);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_unlink(NULL, &req, p2, NULL), RUV_ENOENT);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_unlink(NULL, &req, sub, NULL), RUV_EISDIR);
  ruv_fs_req_cleanup(&req);
  if (async) {
    ASYNC(&req, ruv_fs_rmdir(&loop, &req, sub, on_fs));
  } else {
    CHECK_EQ(ruv_fs_rmdir(NULL, &req, sub, NULL), 0);
  }
  CHECK_EQ(req.result, 0);
  CHECK_EQ(req.fs_type, RUV_FS_RMDIR);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(access(sub, F_OK), -1);
}

static void test_dirs_sync(void) { test_dirs(0); }
static void test_dirs_async(void) { test_dirs(1); }

/* ---- metadata, links, temporaries, copies ----------------------------------------- */

/* Runs `call` (whose last argument is the callback `cb`) synchronously or
 * on the pool; evaluates to req->result. */
#define OP(async, req, call) ((async) ? finish_async(call(&loop, on_fs), (req)) : (ssize_t)call(NULL, NULL))

/* The asynchronous half of OP: the call was accepted, and its callback runs
 * once, from the loop. */
static ssize_t finish_async(int submitted, ruv_fs_t *req) {
  CHECK_EQ(submitted, 0);
  cb_calls = 0;
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(cb_result, req->result);
  return req->result;
}

static ruv_fs_t mreq;
static char tmpl[160], made[160];
static int mfd;

#define ACCESS_OK(l, c) ruv_fs_access(l, &mreq, p1, R_OK | W_OK, c)
#define ACCESS_X(l, c) ruv_fs_access(l, &mreq, p1, X_OK, c)
#define CHMOD(l, c) ruv_fs_chmod(l, &mreq, p1, 0700, c)
#define FCHMOD(l, c) ruv_fs_fchmod(l, &mreq, mfd, 0640, c)
#define UTIME(l, c) ruv_fs_utime(l, &mreq, p1, 1000000000.25, 1200000000.5, c)
#define UTIME_OMIT_NOW(l, c) ruv_fs_utime(l, &mreq, p1, RUV_FS_UTIME_OMIT, RUV_FS_UTIME_NOW, c)
#define FUTIME(l, c) ruv_fs_futime(l, &mreq, mfd, 1300000000.0, 1400000000.0, c)
#define LUTIME(l, c) ruv_fs_lutime(l, &mreq, p2, 1500000000.0, 1600000000.0, c)
#define LINK(l, c) ruv_fs_link(l, &mreq, p1, made, c)
#define SYMLINK(l, c) ruv_fs_symlink(l, &mreq, p1, p2, 0, c)
#define READLINK(l, c) ruv_fs_readlink(l, &mreq, p2, c)
#define REALPATH(l, c) ruv_fs_realpath(l, &mreq, p2, c)
#define CHOWN(l, c) ruv_fs_chown(l, &mreq, p1, (ruv_uid_t)-1, getgid(), c)
#define FCHOWN(l, c) ruv_fs_fchown(l, &mreq, mfd, getuid(), (ruv_gid_t)-1, c)
#define LCHOWN(l, c) ruv_fs_lchown(l, &mreq, p2, getuid(), getgid(), c)
#define MKDTEMP(l, c) ruv_fs_mkdtemp(l, &mreq, tmpl, c)
#define MKSTEMP(l, c) ruv_fs_mkstemp(l, &mreq, tmpl, c)
#define COPY(l, c) ruv_fs_copyfile(l, &mreq, p1, made, 0, c)
#define COPY_EXCL(l, c) ruv_fs_copyfile(l, &mreq, p1, made, RUV_FS_COPYFILE_EXCL, c)
#define COPY_CLONE(l, c) ruv_fs_copyfile(l, &mreq, p1, made, RUV_FS_COPYFILE_FICLONE, c)
#define SENDFILE(l, c) ruv_fs_sendfile(l, &mreq, mfd, sfd, 2, 5, c)

static int sfd;

static void test_meta(int async) {
  struct stat st;
  mfd = ruv_fs_open(NULL, &mreq, p1, RUV_FS_O_CREAT | RUV_FS_O_RDWR, 0600, NULL);
  CHECK(mfd >= 0);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(write(mfd, "0123456789", 10), 10);

  CHECK_EQ(OP(async, &mreq, ACCESS_OK), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_ACCESS);
  ruv_fs_req_cleanup(&mreq);
  if (getuid() != 0) { /* root may execute anything */
    CHECK_EQ(OP(async, &mreq, ACCESS_X), RUV_EACCES);
    ruv_fs_req_cleanup(&mreq);
  }
  CHECK_EQ(OP(async, &mreq, CHMOD), 0);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_mode & 0777, 0700);
  CHECK_EQ(OP(async, &mreq, FCHMOD), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_FCHMOD);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_mode & 0777, 0640);

  CHECK_EQ(OP(async, &mreq, UTIME), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_UTIME);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_atim.tv_sec, 1000000000);
  CHECK_EQ(st.st_atim.tv_nsec, 250000000);
  CHECK_EQ(st.st_mtim.tv_sec, 1200000000);
  CHECK_EQ(st.st_mtim.tv_nsec, 500000000);
  CHECK_EQ(OP(async, &mreq, UTIME_OMIT_NOW), 0); /* atime kept, mtime now */
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_atim.tv_sec, 1000000000);
  CHECK(st.st_mtim.tv_sec > 1600000000);
  CHECK_EQ(OP(async, &mreq, FUTIME), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_FUTIME);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_mtim.tv_sec, 1400000000);

  /* links */
  snprintf(made, sizeof made, "%s/hard", dir);
  CHECK_EQ(OP(async, &mreq, LINK), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_LINK);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_nlink, 2);
  CHECK_EQ(OP(async, &mreq, LINK), RUV_EEXIST);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(unlink(made), 0);
  CHECK_EQ(OP(async, &mreq, SYMLINK), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_SYMLINK);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(OP(async, &mreq, READLINK), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_READLINK);
  CHECK_STR((const char *)mreq.ptr, p1);
  ruv_fs_req_cleanup(&mreq);
  CHECK(mreq.ptr == NULL);
  CHECK_EQ(OP(async, &mreq, REALPATH), 0);
  char real[PATH_MAX];
  CHECK(realpath(p1, real) != NULL);
  CHECK_STR((const char *)mreq.ptr, real);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(OP(async, &mreq, LUTIME), 0); /* the link, not its target */
  CHECK_EQ(mreq.fs_type, RUV_FS_LUTIME);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(lstat(p2, &st), 0);
  CHECK_EQ(st.st_mtim.tv_sec, 1600000000);
  CHECK_EQ(stat(p1, &st), 0);
  CHECK_EQ(st.st_mtim.tv_sec, 1400000000);

  /* owner: to what it is already (allowed for anyone) */
  CHECK_EQ(OP(async, &mreq, CHOWN), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_CHOWN);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(OP(async, &mreq, FCHOWN), 0);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(OP(async, &mreq, LCHOWN), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_LCHOWN);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(unlink(p2), 0);
  CHECK_EQ(OP(async, &mreq, READLINK), RUV_ENOENT);
  CHECK(mreq.ptr == NULL);
  ruv_fs_req_cleanup(&mreq);

  /* temporaries: req->path is the name made */
  snprintf(tmpl, sizeof tmpl, "%s/tdXXXXXX", dir);
  CHECK_EQ(OP(async, &mreq, MKDTEMP), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_MKDTEMP);
  CHECK(strncmp(mreq.path, tmpl, strlen(tmpl) - 6) == 0);
  CHECK(strcmp(mreq.path, tmpl) != 0);
  CHECK_EQ(stat(mreq.path, &st), 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK_EQ(rmdir(mreq.path), 0);
  ruv_fs_req_cleanup(&mreq);
  snprintf(tmpl, sizeof tmpl, "%s/tfXXXXXX", dir);
  int tfd = (int)OP(async, &mreq, MKSTEMP);
  CHECK(tfd >= 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_MKSTEMP);
  CHECK_EQ(fcntl(tfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  CHECK_EQ(unlink(mreq.path), 0);
  close(tfd);
  ruv_fs_req_cleanup(&mreq);
  snprintf(tmpl, sizeof tmpl, "%s/bad", dir); /* no XXXXXX */
  CHECK_EQ(OP(async, &mreq, MKDTEMP), RUV_EINVAL);
  ruv_fs_req_cleanup(&mreq);

  /* copies */
  snprintf(made, sizeof made, "%s/copy", dir);
  CHECK_EQ(OP(async, &mreq, COPY), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_COPYFILE);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(made, &st), 0);
  CHECK_EQ(st.st_size, 10);
  CHECK_EQ(st.st_mode & 0777, 0640);
  CHECK_EQ(OP(async, &mreq, COPY_EXCL), RUV_EEXIST);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(OP(async, &mreq, COPY_CLONE), 0); /* a reflink, or a copy */
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(stat(made, &st), 0);
  CHECK_EQ(st.st_size, 10);
  CHECK_EQ(unlink(made), 0);

  /* sendfile: 5 bytes from offset 2 of p1 into the copy */
  sfd = mfd;
  mfd = open(made, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  CHECK(mfd >= 0);
  CHECK_EQ(OP(async, &mreq, SENDFILE), 5);
  CHECK_EQ(mreq.fs_type, RUV_FS_SENDFILE);
  ruv_fs_req_cleanup(&mreq);
  char got[8] = {0};
  int rfd = open(made, O_RDONLY | O_CLOEXEC);
  CHECK_EQ(read(rfd, got, sizeof got), 5);
  CHECK(memcmp(got, "23456", 5) == 0);
  close(rfd);
  close(mfd);
  close(sfd);
  CHECK_EQ(unlink(made), 0);
  CHECK_EQ(unlink(p1), 0);
}

static void test_meta_sync(void) { test_meta(0); }
static void test_meta_async(void) { test_meta(1); }

/* ---- listing directories, statfs ------------------------------------------------------ */

static ruv_dir_t *opened;
static ruv_dirent_t slots[2];
#define SCANDIR(l, c) ruv_fs_scandir(l, &mreq, sub, 0, c)
#define SCANDIR_MISSING(l, c) ruv_fs_scandir(l, &mreq, "/nonexistent/ruv", 0, c)
#define OPENDIR(l, c) ruv_fs_opendir(l, &mreq, sub, c)
#define READDIR(l, c) ruv_fs_readdir(l, &mreq, opened, c)
#define CLOSEDIR(l, c) ruv_fs_closedir(l, &mreq, opened, c)
#define STATFS(l, c) ruv_fs_statfs(l, &mreq, dir, c)

static void test_listing(int async) {
  char path[200];
  CHECK_EQ(mkdir(sub, 0755), 0);
  snprintf(path, sizeof path, "%s/c-link", sub);
  CHECK_EQ(symlink("a-file", path), 0);
  snprintf(path, sizeof path, "%s/a-file", sub);
  close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
  snprintf(path, sizeof path, "%s/b-dir", sub);
  CHECK_EQ(mkdir(path, 0755), 0);

  /* scandir: sorted, "." and ".." left out, then RUV_EOF */
  CHECK_EQ(OP(async, &mreq, SCANDIR), 3);
  CHECK_EQ(mreq.fs_type, RUV_FS_SCANDIR);
  ruv_dirent_t ent;
  const char *names[] = {"a-file", "b-dir", "c-link"};
  ruv_dirent_type_t types[] = {RUV_DIRENT_FILE, RUV_DIRENT_DIR, RUV_DIRENT_LINK};
  for (int i = 0; i < 3; i++) {
    CHECK_EQ(ruv_fs_scandir_next(&mreq, &ent), 0);
    CHECK_STR(ent.name, names[i]);
    CHECK_EQ(ent.type, types[i]);
  }
  CHECK_EQ(ruv_fs_scandir_next(&mreq, &ent), RUV_EOF);
  CHECK_EQ(ruv_fs_scandir_next(&mreq, &ent), RUV_EOF);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(OP(async, &mreq, SCANDIR_MISSING), RUV_ENOENT);
  CHECK_EQ(ruv_fs_scandir_next(&mreq, &ent), RUV_ENOENT);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(ruv_fs_scandir_next(NULL, &ent), RUV_EINVAL);

  /* opendir, readdir two at a time, closedir */
  CHECK_EQ(OP(async, &mreq, OPENDIR), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_OPENDIR);
  opened = mreq.ptr;
  CHECK(opened != NULL);
  ruv_fs_req_cleanup(&mreq); /* the directory stays open */
  opened->dirents = slots;
  opened->nentries = 2;
  int seen = 0, files = 0;
  for (;;) {
    ssize_t n = OP(async, &mreq, READDIR);
    CHECK_EQ(mreq.fs_type, RUV_FS_READDIR);
    CHECK(n >= 0 && n <= 2);
    for (ssize_t i = 0; i < n; i++) {
      seen++;
      if (strcmp(slots[i].name, "a-file") == 0) {
        files++;
        CHECK_EQ(slots[i].type, RUV_DIRENT_FILE);
      }
    }
    ruv_fs_req_cleanup(&mreq);
    if (n == 0) break;
  }
  CHECK_EQ(seen, 3);
  CHECK_EQ(files, 1);
  CHECK_EQ(OP(async, &mreq, CLOSEDIR), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_CLOSEDIR);
  ruv_fs_req_cleanup(&mreq);
  CHECK_EQ(ruv_fs_readdir(NULL, &mreq, NULL, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_fs_closedir(NULL, &mreq, NULL, NULL), RUV_EINVAL);

  /* statfs */
  CHECK_EQ(OP(async, &mreq, STATFS), 0);
  CHECK_EQ(mreq.fs_type, RUV_FS_STATFS);
  ruv_statfs_t *fig = mreq.ptr;
  CHECK(fig != NULL);
  CHECK(fig->f_bsize > 0);
  CHECK(fig->f_blocks > 0);
  CHECK(fig->f_bavail <= fig->f_blocks);
  ruv_fs_req_cleanup(&mreq);
  CHECK(mreq.ptr == NULL);

  CHECK_EQ(unlink(path) == 0 || rmdir(path) == 0, 1);
  snprintf(path, sizeof path, "%s/a-file", sub);
  CHECK_EQ(unlink(path), 0);
  snprintf(path, sizeof path, "%s/c-link", sub);
  CHECK_EQ(unlink(path), 0);
  CHECK_EQ(rmdir(sub), 0);
}

static void test_listing_sync(void) { test_listing(0); }
static void test_listing_async(void) { test_listing(1); }

/* ---- cancel --------------------------------------------------------------------- */

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_waiting;

static void gated(ruv_work_t *w) {
  (void)w;
  pthread_mutex_lock(&gate_lock);
  gate_waiting++;
  pthread_cond_broadcast(&gate_cond);
  while (!gate_open) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
}

/* every pool thread busy: a queued fs request can be cancelled; its
 * callback gets RUV_ECANCELED and the operation never happens */
static void test_cancel(void) {
  enum { THREADS = 2 }; /* RUV_THREADPOOL_SIZE, set in main */
  ruv_work_t busy[THREADS];
  ruv_fs_t req;
  gate_open = gate_waiting = 0;
  for (int i = 0; i < THREADS; i++) CHECK_EQ(ruv_queue_work(&loop, &busy[i], gated, NULL), 0);
  pthread_mutex_lock(&gate_lock);
  while (gate_waiting < THREADS) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
  cb_calls = 0;
  CHECK_EQ(ruv_fs_mkdir(&loop, &req, sub, 0755, on_fs), 0);
  CHECK_EQ(ruv_cancel((ruv_req_t *)&req), 0);
  CHECK_EQ(ruv_cancel((ruv_req_t *)&req), RUV_EBUSY);
  CHECK_EQ(cb_calls, 0);
  ruv_fs_req_cleanup(&req); /* not yet called back: refused */
  CHECK_STR(req.path, sub);
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(cb_result, RUV_ECANCELED);
  CHECK_EQ(req.result, RUV_ECANCELED);
  CHECK_EQ(access(sub, F_OK), -1); /* never made */
  CHECK_STR(req.path, sub);
  ruv_fs_req_cleanup(&req);
  CHECK(req.path == NULL);
}

/* ruv_fs_req_cleanup before the callback (misuse: libuv would free the path
 * the pool is reading) prints a line and frees nothing; the request completes
 * normally, with its path, and can be cleaned up then */
static void on_stat_path(ruv_fs_t *req) {
  cb_calls++;
  CHECK_EQ(req->result, 0);
  CHECK_STR(req->path, p1);
  CHECK_EQ(req->statbuf.st_size, 3);
}

static void test_cleanup_in_flight(void) {
  ruv_fs_t req;
  int fd = open(p1, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
  CHECK(fd >= 0);
  CHECK_EQ(write(fd, "abc", 3), 3);
  close(fd);
  cb_calls = 0;
  CHECK_EQ(ruv_fs_stat(&loop, &req, p1, on_stat_path), 0);
  ruv_fs_req_cleanup(&req);
  ruv_fs_req_cleanup(&req);
  CHECK_STR(req.path, p1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  ruv_fs_req_cleanup(&req);
  CHECK(req.path == NULL);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(unlink(p1), 0);
}

/* ---- misuse ---------------------------------------------------------------------- */

static void test_errors(void) {
  ruv_fs_t req;
  char b[4];
  ruv_buf_t buf = ruv_buf_init(b, sizeof b);
  ruv_loop_t never;
  memset(&never, 0, sizeof never);
  CHECK_EQ(ruv_fs_open(NULL, NULL, p1, 0, 0, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_fs_open(NULL, &req, NULL, 0, 0, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_fs_rename(NULL, &req, p1, NULL, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_fs_read(NULL, &req, 0, NULL, 1, -1, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_fs_read(NULL, &req, 0, &buf, 0, -1, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_fs_write(NULL, &req, 1, NULL, 1, -1, NULL), RUV_EINVAL);
  /* a callback needs a live loop */
  CHECK_EQ(ruv_fs_stat(NULL, &req, p1, on_fs), RUV_EINVAL);
  CHECK_EQ(ruv_fs_stat(&never, &req, p1, on_fs), RUV_EINVAL);
  CHECK_EQ(loop.active_reqs.count, 0);
  /* opening a directory for writing */
  CHECK_EQ(ruv_fs_open(NULL, &req, dir, RUV_FS_O_WRONLY, 0, NULL), RUV_EISDIR);
  ruv_fs_req_cleanup(&req);
  /* O_EXCL on an existing file */
  CHECK_EQ(ruv_fs_open(NULL, &req, dir, RUV_FS_O_CREAT | RUV_FS_O_EXCL, 0600, NULL), RUV_EEXIST);
  ruv_fs_req_cleanup(&req);
  /* the getters on NULL */
  CHECK_EQ(ruv_fs_get_type(NULL), RUV_FS_UNKNOWN);
  CHECK(ruv_fs_get_path(NULL) == NULL);
  CHECK(ruv_fs_get_statbuf(NULL) == NULL);
  ruv_fs_req_cleanup(NULL);
  /* descriptors are their own platform handles on Unix */
  CHECK_EQ(ruv_get_osfhandle(7), 7);
  CHECK_EQ(ruv_open_osfhandle(9), 9);
  /* cleanup of a request that never ran */
  memset(&req, 0, sizeof req);
  ruv_fs_req_cleanup(&req);
}

/* ---- many in flight ------------------------------------------------------------- */

#define MANY 200
static ruv_fs_t many[MANY];
static int many_ok;
static void many_cb(ruv_fs_t *req) {
  if (req->result == 0 && req->statbuf.st_size == 1000) many_ok++;
  ruv_fs_req_cleanup(req);
}

static void test_many(void) {
  ruv_fs_t req;
  int fd = ruv_fs_open(NULL, &req, p1, RUV_FS_O_CREAT | RUV_FS_O_WRONLY, 0600, NULL);
  ruv_fs_req_cleanup(&req);
  CHECK_EQ(ruv_fs_ftruncate(NULL, &req, fd, 1000, NULL), 0);
  CHECK_EQ(ruv_fs_close(NULL, &req, fd, NULL), 0);
  many_ok = 0;
  for (int i = 0; i < MANY; i++) CHECK_EQ(ruv_fs_stat(&loop, &many[i], p1, many_cb), 0);
  CHECK_EQ(loop.active_reqs.count, MANY);
  CHECK_EQ(ruv_loop_close(&loop), RUV_EBUSY);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(many_ok, MANY);
  CHECK_EQ(unlink(p1), 0);
}

/* Every test, on a fresh loop; then the loop is closed. */
static void run_all(void) {
  CHECK_EQ(ruv_loop_init(&loop), 0);
  RUN(test_file_sync);
  RUN(test_file_async);
  RUN(test_stat_sync);
  RUN(test_stat_async);
  RUN(test_dirs_sync);
  RUN(test_dirs_async);
  RUN(test_meta_sync);
  RUN(test_meta_async);
  RUN(test_listing_sync);
  RUN(test_listing_async);
  RUN(test_cancel);
  RUN(test_cleanup_in_flight);
  RUN(test_errors);
  RUN(test_many);
  CHECK_EQ(ruv_loop_close(&loop), 0);
}

int main(void) {
  test_begin();
  setenv("RUV_THREADPOOL_SIZE", "2", 1);
  strcpy(dir, "/tmp/ruv-fs-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(p1, sizeof p1, "%s/one", dir);
  snprintf(p2, sizeof p2, "%s/two", dir);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  /* Both paths of an asynchronous request: tried inline first where the
   * kernel answers without blocking (the default; which requests take which
   * path is test_fs_fast.c's), then with RUV_FS_INLINE=0, read when a loop
   * is initialised: every request on the pool, as libuv runs them. */
  fprintf(stderr, "== inline first attempt, then the pool\n");
  run_all();
  setenv("RUV_FS_INLINE", "0", 1);
  fprintf(stderr, "== the pool only (RUV_FS_INLINE=0)\n");
  run_all();
  CHECK_EQ(rmdir(dir), 0); /* everything inside was removed */
  ruv_library_shutdown();
  return test_end();
}
