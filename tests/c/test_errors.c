/* Error codes, their names and messages, and the small utilities: version,
 * buffers, clocks, sleeping, library shutdown. Expected strings are libuv
 * 1.44's (checked against Debian's libuv1-dev). */
#include "test.h"
#include <errno.h>
#include <stdint.h>

static void test_numeric_values(void) {
  CHECK_EQ(RUV_EOF, -4095);
  CHECK_EQ(RUV_UNKNOWN, -4094);
  CHECK_EQ(RUV_EAI_ADDRFAMILY, -3000);
  CHECK_EQ(RUV_EAI_NONAME, -3008);
  CHECK_EQ(RUV_ECHARSET, -4080);
  CHECK_EQ(RUV_EFTYPE, -4028);
  CHECK_EQ(RUV_EINVAL, -EINVAL);
  CHECK_EQ(RUV_EAGAIN, -EAGAIN);
  CHECK_EQ(RUV_EBADF, -EBADF);
  CHECK_EQ(RUV_EBUSY, -EBUSY);
  CHECK_EQ(RUV_ECONNREFUSED, -ECONNREFUSED);
  CHECK_EQ(RUV_ENOENT, -ENOENT);
  CHECK_EQ(RUV_EPERM, -EPERM);
  CHECK_EQ(RUV_EEXIST, -EEXIST);
  CHECK_EQ(RUV_ECANCELED, -ECANCELED);
  CHECK_EQ(RUV_ENOTSUP, -ENOTSUP);
}

struct named {
  int code;
  const char *name;
  const char *message;
};

/* What libuv 1.44 prints for each. */
static const struct named samples[] = {
    {RUV_EOF, "EOF", "end of file"},
    {RUV_ECONNREFUSED, "ECONNREFUSED", "connection refused"},
    {RUV_EAI_NONAME, "EAI_NONAME", "unknown node or service"},
    {RUV_UNKNOWN, "UNKNOWN", "unknown error"},
    {RUV_EINVAL, "EINVAL", "invalid argument"},
    {RUV_EAGAIN, "EAGAIN", "resource temporarily unavailable"},
    {RUV_EAI_ADDRFAMILY, "EAI_ADDRFAMILY", "address family not supported"},
    {RUV_EBADF, "EBADF", "bad file descriptor"},
    {RUV_ENOENT, "ENOENT", "no such file or directory"},
    {RUV_EPERM, "EPERM", "operation not permitted"},
    {RUV_ECANCELED, "ECANCELED", "operation canceled"},
    {RUV_EAI_AGAIN, "EAI_AGAIN", "temporary failure"},
    {RUV_ECHARSET, "ECHARSET", "invalid Unicode character"},
    {RUV_EFTYPE, "EFTYPE", "inappropriate file type or format"},
    {RUV_ENOTSUP, "ENOTSUP", "operation not supported on socket"},
    {RUV_EBUSY, "EBUSY", "resource busy or locked"},
};

static void test_names_and_messages(void) {
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
    CHECK_STR(ruv_err_name(samples[i].code), samples[i].name);
    CHECK_STR(ruv_strerror(samples[i].code), samples[i].message);
  }
}

static void test_unknown_codes(void) {
  char buf[64];
  CHECK_STR(ruv_err_name_r(-12345, buf, sizeof buf), "Unknown system error -12345");
  CHECK_STR(ruv_strerror_r(-12345, buf, sizeof buf), "Unknown system error -12345");
  CHECK_STR(ruv_err_name_r(0, buf, sizeof buf), "Unknown system error 0");
  CHECK_STR(ruv_strerror_r(1, buf, sizeof buf), "Unknown system error 1");
  /* kept for the life of the process, reachable (the valgrind pass checks) */
  CHECK_STR(ruv_err_name(-12345), "Unknown system error -12345");
  CHECK_STR(ruv_strerror(-12345), "Unknown system error -12345");
  CHECK_STR(ruv_err_name(0), "Unknown system error 0");
  CHECK_STR(ruv_strerror(1), "Unknown system error 1");
  /* the pointer stays valid and the same text is returned again */
  const char *a = ruv_err_name(-12345);
  const char *b = ruv_err_name(-12345);
  CHECK_STR(a, b);
}

static void test_r_forms(void) {
  char buf[8];
  memset(buf, 'Z', sizeof buf);
  CHECK(ruv_err_name_r(RUV_ECONNREFUSED, buf, sizeof buf) == buf);
  CHECK_STR(buf, "ECONNRE");
  memset(buf, 'Z', sizeof buf);
  CHECK(ruv_strerror_r(RUV_ECONNREFUSED, buf, sizeof buf) == buf);
  CHECK_STR(buf, "connect");
  memset(buf, 'Z', sizeof buf);
  CHECK(ruv_err_name_r(-12345, buf, sizeof buf) == buf);
  CHECK_STR(buf, "Unknown");
  /* fits exactly */
  char big[32];
  CHECK(ruv_err_name_r(RUV_EOF, big, sizeof big) == big);
  CHECK_STR(big, "EOF");
  CHECK(ruv_strerror_r(RUV_EOF, big, sizeof big) == big);
  CHECK_STR(big, "end of file");
  char four[4];
  CHECK_STR(ruv_err_name_r(RUV_EOF, four, sizeof four), "EOF");
  /* one byte: only the terminator */
  char one[2] = {'Z', 'Y'};
  CHECK(ruv_err_name_r(RUV_EOF, one, 1) == one);
  CHECK_EQ(one[0], 0);
  CHECK_EQ(one[1], 'Y');
  /* zero bytes: nothing written */
  char none[1] = {'Z'};
  CHECK(ruv_strerror_r(RUV_EOF, none, 0) == none);
  CHECK_EQ(none[0], 'Z');
}

static void test_translate_sys_error(void) {
  CHECK_EQ(ruv_translate_sys_error(5), -5);
  CHECK_EQ(ruv_translate_sys_error(-5), -5);
  CHECK_EQ(ruv_translate_sys_error(0), 0);
  CHECK_EQ(ruv_translate_sys_error(EINVAL), RUV_EINVAL);
  CHECK_EQ(ruv_translate_sys_error(ECONNREFUSED), RUV_ECONNREFUSED);
}

static void test_version(void) {
  CHECK_EQ(ruv_version(), RUV_VERSION_HEX);
  CHECK_EQ(RUV_VERSION_HEX,
           (RUV_VERSION_MAJOR << 16) | (RUV_VERSION_MINOR << 8) | RUV_VERSION_PATCH);
  char expect[32];
  snprintf(expect, sizeof expect, "%d.%d.%d", RUV_VERSION_MAJOR, RUV_VERSION_MINOR,
           RUV_VERSION_PATCH);
  CHECK_STR(ruv_version_string(), expect);
  CHECK(ruv_version_string() == ruv_version_string());
}

static void test_buf_init(void) {
  char storage[16];
  ruv_buf_t b = ruv_buf_init(storage, sizeof storage);
  CHECK(b.base == storage);
  CHECK_EQ(b.len, 16);
  ruv_buf_t e = ruv_buf_init(NULL, 0);
  CHECK(e.base == NULL);
  CHECK_EQ(e.len, 0);
  ruv_buf_t m = ruv_buf_init(storage, 0xffffffffu);
  CHECK_EQ(m.len, 0xffffffffu);
}

static void test_hrtime_and_sleep(void) {
  uint64_t a = ruv_hrtime();
  uint64_t b = ruv_hrtime();
  CHECK(b >= a);
  ruv_sleep(10);
  uint64_t c = ruv_hrtime();
  CHECK(c - a >= 10 * 1000 * 1000ull);
  ruv_sleep(0);
  CHECK(ruv_hrtime() >= c);
}

/* The loop's cached clock follows the same monotonic time. */
static void test_sleep_and_loop_time(void) {
  ruv_loop_t loop;
  CHECK_EQ(ruv_loop_init(&loop), 0);
  uint64_t before = ruv_now(&loop);
  ruv_sleep(10);
  CHECK_EQ(ruv_now(&loop), before); /* cached until updated */
  ruv_update_time(&loop);
  CHECK(ruv_now(&loop) >= before + 10);
  close_loop(&loop);
}

static void test_library_shutdown(void) {
  /* Last: no ruv call may follow it. Twice is allowed. */
  ruv_library_shutdown();
  ruv_library_shutdown();
  CHECK(1);
}

int main(void) {
  test_begin();
  RUN(test_numeric_values);
  RUN(test_names_and_messages);
  RUN(test_unknown_codes);
  RUN(test_r_forms);
  RUN(test_translate_sys_error);
  RUN(test_version);
  RUN(test_buf_init);
  RUN(test_hrtime_and_sleep);
  RUN(test_sleep_and_loop_time);
  RUN(test_library_shutdown);
  return test_end();
}
