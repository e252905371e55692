/* Socket addresses: ruv_ip4_addr, ruv_ip6_addr, the _name functions,
 * ruv_inet_pton and ruv_inet_ntop. Every expectation outside
 * test_ruv_only() is libuv 1.44's (checked by building this file against
 * Debian's libuv1-dev with -DRUV_TEST_LIBUV and a header mapping ruv_ names
 * to uv_ names); test_ruv_only() holds where ruv deliberately differs. */
#include "test.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>

/* Bytes of a struct, to check zeroing and byte order without assuming how
 * the fields are declared. */
#define BYTES(x) ((const unsigned char *)&(x))

static int all_zero(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    if (b[i]) return 0;
  return 1;
}

static void test_ip4_addr(void) {
  struct sockaddr_in a;
  memset(&a, 0xAB, sizeof a);
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", 80, &a), 0);
  CHECK_EQ(a.sin_family, AF_INET);
  CHECK_EQ(a.sin_port, htons(80));
  CHECK_EQ(BYTES(a.sin_port)[0], 0); /* network order: big-endian */
  CHECK_EQ(BYTES(a.sin_port)[1], 80);
  CHECK_EQ(a.sin_addr.s_addr, htonl(0x7f000001));
  CHECK_EQ(BYTES(a.sin_addr)[0], 127);
  CHECK_EQ(BYTES(a.sin_addr)[3], 1);
  CHECK(all_zero(a.sin_zero, sizeof a.sin_zero)); /* the whole struct is zeroed */

  CHECK_EQ(ruv_ip4_addr("0.0.0.0", 0, &a), 0);
  CHECK_EQ(a.sin_addr.s_addr, 0);
  CHECK_EQ(a.sin_port, 0);
  CHECK_EQ(ruv_ip4_addr("255.255.255.255", 65535, &a), 0);
  CHECK_EQ(a.sin_addr.s_addr, 0xffffffffu);
  CHECK_EQ(a.sin_port, 0xffff);
  CHECK_EQ(ruv_ip4_addr("10.20.30.40", 0x1234, &a), 0);
  CHECK_EQ(BYTES(a.sin_port)[0], 0x12);
  CHECK_EQ(BYTES(a.sin_port)[1], 0x34);
  CHECK_EQ(BYTES(a.sin_addr)[0], 10);
  CHECK_EQ(BYTES(a.sin_addr)[1], 20);
  CHECK_EQ(BYTES(a.sin_addr)[2], 30);
  CHECK_EQ(BYTES(a.sin_addr)[3], 40);

  /* The port is not range-checked: its low 16 bits are used, as htons does. */
  CHECK_EQ(ruv_ip4_addr("1.2.3.4", 65536 + 80, &a), 0);
  CHECK_EQ(a.sin_port, htons(80));
  CHECK_EQ(ruv_ip4_addr("1.2.3.4", -1, &a), 0);
  CHECK_EQ(a.sin_port, 0xffff);
}

static const char *const bad_ip4[] = {
    "256.1.1.1", "1.2.3.256", "", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.00",
    "1..2.3", ".1.2.3", "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "0x1.2.3.4", "1.2.3.4%lo",
    "1.2.3.-4", "1.2.3.2555", "::1", "a.b.c.d", "1.2.3.4/8", "127.1",
};

static void test_ip4_addr_errors(void) {
  for (size_t i = 0; i < sizeof bad_ip4 / sizeof bad_ip4[0]; i++) {
    struct sockaddr_in a;
    memset(&a, 0xAB, sizeof a);
    int r = ruv_ip4_addr(bad_ip4[i], 8080, &a);
    if (r != RUV_EINVAL) fprintf(stderr, "  ip4 \"%s\" -> %d\n", bad_ip4[i], r);
    CHECK_EQ(r, RUV_EINVAL);
    /* Still filled in, but for the address, which stays 0. */
    CHECK_EQ(a.sin_family, AF_INET);
    CHECK_EQ(a.sin_port, htons(8080));
    CHECK_EQ(a.sin_addr.s_addr, 0);
    CHECK(all_zero(a.sin_zero, sizeof a.sin_zero));
  }
  /* NULL text: libuv's inet_pton checks it too. */
  struct sockaddr_in a;
  memset(&a, 0xAB, sizeof a);
  CHECK_EQ(ruv_ip4_addr(NULL, 1, &a), RUV_EINVAL);
  CHECK_EQ(a.sin_family, AF_INET);
  CHECK_EQ(a.sin_addr.s_addr, 0);
}

static void test_ip6_addr(void) {
  static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  static const unsigned char doc[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                        0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29};
  struct sockaddr_in6 a;
  memset(&a, 0xAB, sizeof a);
  CHECK_EQ(ruv_ip6_addr("::1", 443, &a), 0);
  CHECK_EQ(a.sin6_family, AF_INET6);
  CHECK_EQ(a.sin6_port, htons(443));
  CHECK_EQ(BYTES(a.sin6_port)[0], 1);
  CHECK_EQ(BYTES(a.sin6_port)[1], 0xbb);
  CHECK_EQ(a.sin6_flowinfo, 0);
  CHECK_EQ(a.sin6_scope_id, 0);
  CHECK(memcmp(&a.sin6_addr, loopback, 16) == 0);

  CHECK_EQ(ruv_ip6_addr("::", 0, &a), 0);
  CHECK(all_zero(&a.sin6_addr, 16));
  CHECK_EQ(ruv_ip6_addr("2001:db8::ff00:42:8329", 1, &a), 0);
  CHECK(memcmp(&a.sin6_addr, doc, 16) == 0);
  CHECK_EQ(ruv_ip6_addr("2001:0DB8:0000:0000:0000:FF00:0042:8329", 1, &a), 0);
  CHECK(memcmp(&a.sin6_addr, doc, 16) == 0);
  CHECK_EQ(ruv_ip6_addr("::ffff:1.2.3.4", 1, &a), 0);
  CHECK_EQ(a.sin6_addr.s6_addr[10], 0xff);
  CHECK_EQ(a.sin6_addr.s6_addr[11], 0xff);
  CHECK_EQ(a.sin6_addr.s6_addr[12], 1);
  CHECK_EQ(a.sin6_addr.s6_addr[15], 4);
  CHECK_EQ(ruv_ip6_addr("::1", 65536 + 7, &a), 0);
  CHECK_EQ(a.sin6_port, htons(7));
}

static const char *const bad_ip6[] = {
    "",          ":",          ":1",          "1:",           ":::",
    "12345::",   "::1::",      "1::2::3",     "1::2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8:9",       "1:2:3:4:5:6:7",               "1.2.3.4",
    "::ffff:1.2.3", "::01.2.3.4", "::1.2.3.4:5", "::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4",
    "g::1",      "::1 ",       " ::1",        "[::1]",        "::-1",
    "1:2:3:4:5:6:7:8::",       "::1.2.3.256",
};

static void test_ip6_addr_errors(void) {
  for (size_t i = 0; i < sizeof bad_ip6 / sizeof bad_ip6[0]; i++) {
    struct sockaddr_in6 a;
    memset(&a, 0xAB, sizeof a);
    int r = ruv_ip6_addr(bad_ip6[i], 9, &a);
    if (r != RUV_EINVAL) fprintf(stderr, "  ip6 \"%s\" -> %d\n", bad_ip6[i], r);
    CHECK_EQ(r, RUV_EINVAL);
    CHECK_EQ(a.sin6_family, AF_INET6);
    CHECK_EQ(a.sin6_port, htons(9));
    CHECK_EQ(a.sin6_flowinfo, 0);
    CHECK_EQ(a.sin6_scope_id, 0);
    CHECK(all_zero(&a.sin6_addr, 16));
  }
}

static void test_ip6_scope(void) {
  unsigned lo = if_nametoindex("lo");
  CHECK(lo != 0);
  struct sockaddr_in6 a;
  char buf[64];
  memset(&a, 0xAB, sizeof a);
  CHECK_EQ(ruv_ip6_addr("fe80::1%lo", 80, &a), 0);
  CHECK_EQ(a.sin6_scope_id, lo);
  CHECK_EQ(a.sin6_port, htons(80));
  CHECK_EQ(a.sin6_addr.s6_addr[0], 0xfe);
  CHECK_EQ(a.sin6_addr.s6_addr[15], 1);
  /* The name leaves the scope out. */
  CHECK_EQ(ruv_ip6_name(&a, buf, sizeof buf), 0);
  CHECK_STR(buf, "fe80::1");
  CHECK_EQ(ruv_ip6_addr("::ffff:1.2.3.4%lo", 0, &a), 0);
  CHECK_EQ(a.sin6_scope_id, lo);

  /* An unknown or empty zone is silently ignored: scope 0, no error. */
  CHECK_EQ(ruv_ip6_addr("fe80::1%no-such-if0", 0, &a), 0);
  CHECK_EQ(a.sin6_scope_id, 0);
  CHECK_EQ(a.sin6_addr.s6_addr[15], 1);
  CHECK_EQ(ruv_ip6_addr("fe80::1%", 0, &a), 0);
  CHECK_EQ(a.sin6_scope_id, 0);
  /* The zone is everything after the first '%'. */
  CHECK_EQ(ruv_ip6_addr("fe80::1%lo%x", 0, &a), 0);
  CHECK_EQ(a.sin6_scope_id, 0);
  /* A bad address with a good zone: the scope is set all the same. */
  memset(&a, 0xAB, sizeof a);
  CHECK_EQ(ruv_ip6_addr("zz::1%lo", 0, &a), RUV_EINVAL);
  CHECK_EQ(a.sin6_scope_id, lo);
  CHECK(all_zero(&a.sin6_addr, 16));
  CHECK_EQ(ruv_ip6_addr("%lo", 0, &a), RUV_EINVAL);
}

struct canon {
  const char *in, *out;
};

/* Text in, ruv_ip6_name's text out: libuv's inet_ntop6 rules (RFC 5952-ish:
 * lower case, "::" for the first longest run of two or more zero words, a
 * dotted quad for ::a.b.c.d with six zero words and for ::ffff:a.b.c.d). */
static const struct canon ip6_canon[] = {
    {"::1", "::1"},
    {"::", "::"},
    {"FE80::ABCD", "fe80::abcd"},
    {"fe80:0000:0000:0000:0000:0000:0000:0001", "fe80::1"},
    {"1::", "1::"},
    {"::2", "::2"},
    {"::0.0.0.2", "::2"},
    {"::1:2", "::0.1.0.2"},
    {"::1.2.3.4", "::1.2.3.4"},
    {"::0:1.2.3.4", "::1.2.3.4"},
    {"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
    {"::ffff:0:0", "::ffff:0.0.0.0"},
    {"::ffff:102:304", "::ffff:1.2.3.4"},
    {"0000:0000:0000:0000:0000:ffff:255.255.255.255", "::ffff:255.255.255.255"},
    {"::fffe:1.2.3.4", "::fffe:102:304"},
    {"1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"},
    {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
    {"::1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"},
    {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
    {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
    {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
    {"2001:db8::ff00:42:8329", "2001:db8::ff00:42:8329"},
    {"fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"0:0:1::", "0:0:1::"},
};

static void test_ip6_round_trips(void) {
  for (size_t i = 0; i < sizeof ip6_canon / sizeof ip6_canon[0]; i++) {
    struct sockaddr_in6 a;
    char buf[64];
    memset(buf, 'Z', sizeof buf);
    CHECK_EQ(ruv_ip6_addr(ip6_canon[i].in, 1, &a), 0);
    CHECK_EQ(ruv_ip6_name(&a, buf, sizeof buf), 0);
    CHECK_STR(buf, ip6_canon[i].out);
    /* The canonical text parses back to the same address. */
    struct sockaddr_in6 b;
    CHECK_EQ(ruv_ip6_addr(buf, 1, &b), 0);
    CHECK(memcmp(&a.sin6_addr, &b.sin6_addr, 16) == 0);
    /* The system's parser agrees on the address. */
    struct in6_addr sys;
    CHECK_EQ(inet_pton(AF_INET6, ip6_canon[i].in, &sys), 1);
    CHECK(memcmp(&a.sin6_addr, &sys, 16) == 0);
  }
}

static void test_ip4_round_trips(void) {
  static const char *const ips[] = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "1.2.3.4",
                                    "10.0.100.200", "192.168.0.1"};
  for (size_t i = 0; i < sizeof ips / sizeof ips[0]; i++) {
    struct sockaddr_in a;
    char buf[32];
    CHECK_EQ(ruv_ip4_addr(ips[i], 1, &a), 0);
    CHECK_EQ(ruv_ip4_name(&a, buf, sizeof buf), 0);
    CHECK_STR(buf, ips[i]);
    struct in_addr sys;
    CHECK_EQ(inet_pton(AF_INET, ips[i], &sys), 1);
    CHECK_EQ(a.sin_addr.s_addr, sys.s_addr);
  }
}

/* Too small a buffer: RUV_ENOSPC and nothing written (no truncated text);
 * exactly strlen + 1 bytes is enough. */
static void check_sizes(const struct sockaddr *sa, const char *text) {
  size_t need = strlen(text) + 1;
  char buf[64];
  for (size_t size = 0; size < need; size++) {
    memset(buf, 'Z', sizeof buf);
    CHECK_EQ(ruv_ip_name(sa, buf, size), RUV_ENOSPC);
    CHECK_EQ(buf[0], 'Z');
    CHECK_EQ(buf[size ? size - 1 : 0], 'Z');
  }
  memset(buf, 'Z', sizeof buf);
  CHECK_EQ(ruv_ip_name(sa, buf, need), 0);
  CHECK_STR(buf, text);
  CHECK_EQ(buf[need], 'Z'); /* nothing written past the NUL */
}

static void test_name_buffer_sizes(void) {
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  char buf[64];

  CHECK_EQ(ruv_ip4_addr("1.2.3.4", 0, &a4), 0);
  check_sizes((const struct sockaddr *)&a4, "1.2.3.4");
  CHECK_EQ(ruv_ip4_name(&a4, buf, 7), RUV_ENOSPC);
  CHECK_EQ(ruv_ip4_name(&a4, buf, 8), 0);
  CHECK_EQ(ruv_ip4_addr("255.255.255.255", 0, &a4), 0);
  check_sizes((const struct sockaddr *)&a4, "255.255.255.255");
  CHECK_EQ(ruv_ip4_name(&a4, buf, 15), RUV_ENOSPC);
  CHECK_EQ(ruv_ip4_name(&a4, buf, 16), 0); /* INET_ADDRSTRLEN is enough */

  CHECK_EQ(ruv_ip6_addr("::1", 0, &a6), 0);
  check_sizes((const struct sockaddr *)&a6, "::1");
  CHECK_EQ(ruv_ip6_name(&a6, buf, 3), RUV_ENOSPC);
  CHECK_EQ(ruv_ip6_name(&a6, buf, 4), 0);
  CHECK_EQ(ruv_ip6_addr("fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, &a6), 0);
  check_sizes((const struct sockaddr *)&a6, "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  CHECK_EQ(ruv_ip6_addr("::ffff:255.255.255.255", 0, &a6), 0);
  check_sizes((const struct sockaddr *)&a6, "::ffff:255.255.255.255");
  CHECK_EQ(ruv_ip6_name(&a6, buf, 46), 0); /* INET6_ADDRSTRLEN is enough */

  /* With a too-small size, dst is never touched: even NULL is fine. */
  CHECK_EQ(ruv_ip4_name(&a4, NULL, 0), RUV_ENOSPC);
  CHECK_EQ(ruv_ip6_name(&a6, NULL, 0), RUV_ENOSPC);
}

static void test_ip_name(void) {
  struct sockaddr_storage ss;
  char buf[64];

  memset(&ss, 0, sizeof ss);
  CHECK_EQ(ruv_ip4_addr("192.168.1.2", 5, (struct sockaddr_in *)&ss), 0);
  CHECK_EQ(ruv_ip_name((const struct sockaddr *)&ss, buf, sizeof buf), 0);
  CHECK_STR(buf, "192.168.1.2");
  CHECK_EQ(ruv_ip6_addr("fe80::1%lo", 5, (struct sockaddr_in6 *)&ss), 0);
  CHECK_EQ(ruv_ip_name((const struct sockaddr *)&ss, buf, sizeof buf), 0);
  CHECK_STR(buf, "fe80::1");

  /* Another family: RUV_EAFNOSUPPORT, buffer untouched. */
  static const int others[] = {AF_UNSPEC, AF_UNIX, AF_PACKET, 255};
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    memset(&ss, 0, sizeof ss);
    ss.ss_family = (sa_family_t)others[i];
    strcpy(buf, "untouched");
    CHECK_EQ(ruv_ip_name((const struct sockaddr *)&ss, buf, sizeof buf), RUV_EAFNOSUPPORT);
    CHECK_STR(buf, "untouched");
  }

  /* The typed functions do not look at the family field. */
  struct sockaddr_in a4;
  CHECK_EQ(ruv_ip4_addr("10.0.0.1", 1, &a4), 0);
  a4.sin_family = AF_INET6;
  CHECK_EQ(ruv_ip4_name(&a4, buf, sizeof buf), 0);
  CHECK_STR(buf, "10.0.0.1");
  struct sockaddr_in6 a6;
  CHECK_EQ(ruv_ip6_addr("::5", 1, &a6), 0);
  a6.sin6_family = AF_UNIX;
  CHECK_EQ(ruv_ip6_name(&a6, buf, sizeof buf), 0);
  CHECK_STR(buf, "::5");
}

static void test_inet_pton(void) {
  unsigned char d[16];
  memset(d, 0xAB, sizeof d);
  CHECK_EQ(ruv_inet_pton(AF_INET, "10.1.2.3", d), 0);
  CHECK_EQ(d[0], 10);
  CHECK_EQ(d[3], 3);
  CHECK_EQ(d[4], 0xAB); /* 4 bytes only */
  CHECK_EQ(ruv_inet_pton(AF_INET6, "ff02::1:2", d), 0);
  CHECK_EQ(d[0], 0xff);
  CHECK_EQ(d[1], 0x02);
  CHECK_EQ(d[13], 1);
  CHECK_EQ(d[15], 2);

  /* A failure leaves dst alone. */
  memset(d, 0xAB, sizeof d);
  CHECK_EQ(ruv_inet_pton(AF_INET, "1.2.3.256", d), RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "1::2::3", d), RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "1.2.3.4", d), RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(AF_INET, "::1", d), RUV_EINVAL);
  CHECK_EQ(d[0], 0xAB);
  CHECK_EQ(d[15], 0xAB);

  /* AF_INET6 ignores a "%zone" (when the part before it is at most 45
   * characters); AF_INET does not accept one. */
  CHECK_EQ(ruv_inet_pton(AF_INET6, "fe80::7%lo", d), 0);
  CHECK_EQ(d[15], 7);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "fe80::8%anything at all", d), 0);
  CHECK_EQ(d[15], 8);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "0000:0000:0000:0000:0000:ffff:255.255.255.254%lo", d), 0);
  CHECK_EQ(d[15], 254);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "0000:0000:0000:0000:0000:ffff:255.255.255.255x%lo", d),
           RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "zz%lo", d), RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(AF_INET, "1.2.3.4%lo", d), RUV_EINVAL);

  /* Unknown family; NULL pointers (checked before the family). */
  CHECK_EQ(ruv_inet_pton(AF_UNIX, "1.2.3.4", d), RUV_EAFNOSUPPORT);
  CHECK_EQ(ruv_inet_pton(12345, "1.2.3.4", d), RUV_EAFNOSUPPORT);
  CHECK_EQ(ruv_inet_pton(AF_INET, NULL, d), RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(AF_INET6, "::1", NULL), RUV_EINVAL);
  CHECK_EQ(ruv_inet_pton(12345, NULL, NULL), RUV_EINVAL);
}

static void test_inet_ntop(void) {
  static const unsigned char v4[4] = {192, 0, 2, 33};
  static const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  char buf[64];
  CHECK_EQ(ruv_inet_ntop(AF_INET, v4, buf, sizeof buf), 0);
  CHECK_STR(buf, "192.0.2.33");
  CHECK_EQ(ruv_inet_ntop(AF_INET6, v6, buf, sizeof buf), 0);
  CHECK_STR(buf, "2001:db8::1");
  CHECK_EQ(ruv_inet_ntop(AF_INET, v4, buf, 10), RUV_ENOSPC);
  CHECK_EQ(ruv_inet_ntop(AF_INET, v4, buf, 11), 0);
  CHECK_EQ(ruv_inet_ntop(AF_INET6, v6, buf, 11), RUV_ENOSPC);
  CHECK_EQ(ruv_inet_ntop(AF_INET6, v6, buf, 12), 0);
  CHECK_STR(buf, "2001:db8::1");

  /* Unknown family: checked first, so the pointers are not read. */
  strcpy(buf, "untouched");
  CHECK_EQ(ruv_inet_ntop(AF_UNIX, v4, buf, sizeof buf), RUV_EAFNOSUPPORT);
  CHECK_EQ(ruv_inet_ntop(12345, NULL, NULL, 0), RUV_EAFNOSUPPORT);
  CHECK_STR(buf, "untouched");
  CHECK_EQ(ruv_inet_ntop(AF_INET, v4, NULL, 0), RUV_ENOSPC);
}

#ifndef RUV_TEST_LIBUV
/* Where ruv deliberately differs from libuv 1.44 (which crashes on these
 * NULL pointers, or gives other results). Left out when this file is built
 * against libuv. */
static void test_ruv_only(void) {
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  char buf[64];
  static const unsigned char v4[4] = {1, 2, 3, 4};

  /* NULL pointers: RUV_EINVAL instead of a crash. */
  CHECK_EQ(ruv_ip4_addr("1.2.3.4", 1, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_ip6_addr("::1", 1, NULL), RUV_EINVAL);
  memset(&a6, 0xAB, sizeof a6);
  CHECK_EQ(ruv_ip6_addr(NULL, 7, &a6), RUV_EINVAL); /* filled, as ruv_ip4_addr does */
  CHECK_EQ(a6.sin6_family, AF_INET6);
  CHECK_EQ(a6.sin6_port, htons(7));
  CHECK(all_zero(&a6.sin6_addr, 16));
  CHECK_EQ(ruv_ip4_name(NULL, buf, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_ip6_name(NULL, buf, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_ip_name(NULL, buf, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_ip4_addr("1.2.3.4", 1, &a4), 0);
  CHECK_EQ(ruv_ip4_name(&a4, NULL, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_inet_ntop(AF_INET, NULL, buf, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_inet_ntop(AF_INET6, NULL, buf, sizeof buf), RUV_EINVAL);
  CHECK_EQ(ruv_inet_ntop(AF_INET, v4, NULL, sizeof buf), RUV_EINVAL);

  /* A numeric zone that names no interface is the scope id itself (libuv
   * on Unix gives 0: it only asks if_nametoindex). */
  CHECK_EQ(ruv_ip6_addr("fe80::1%1", 0, &a6), 0);
  CHECK_EQ(a6.sin6_scope_id, 1);
  CHECK_EQ(ruv_ip6_addr("fe80::1%4294967295", 0, &a6), 0);
  CHECK_EQ(a6.sin6_scope_id, 4294967295u);
  CHECK_EQ(ruv_ip6_addr("fe80::1%4294967296", 0, &a6), 0); /* too big: ignored */
  CHECK_EQ(a6.sin6_scope_id, 0);
  CHECK_EQ(ruv_ip6_addr("fe80::1%-1", 0, &a6), 0);
  CHECK_EQ(a6.sin6_scope_id, 0);
  CHECK_EQ(ruv_ip6_addr("fe80::1%2x", 0, &a6), 0);
  CHECK_EQ(a6.sin6_scope_id, 0);

  /* The address before a zone is parsed whole, as ruv_inet_pton does
   * (libuv's uv_ip6_addr cuts it at 39 characters: it accepts the first and
   * refuses the second). */
  CHECK_EQ(ruv_ip6_addr("0000:0000:0000:0000:0000:0000:0000:0001xyz%lo", 0, &a6), RUV_EINVAL);
  CHECK_EQ(ruv_ip6_addr("0000:0000:0000:0000:0000:ffff:255.255.255.255%lo", 0, &a6), 0);
  CHECK_EQ(a6.sin6_addr.s6_addr[15], 255);
  CHECK_EQ(a6.sin6_scope_id, if_nametoindex("lo"));
}
#endif

int main(void) {
  test_begin();
  RUN(test_ip4_addr);
  RUN(test_ip4_addr_errors);
  RUN(test_ip6_addr);
  RUN(test_ip6_addr_errors);
  RUN(test_ip6_scope);
  RUN(test_ip6_round_trips);
  RUN(test_ip4_round_trips);
  RUN(test_name_buffer_sizes);
  RUN(test_ip_name);
  RUN(test_inet_pton);
  RUN(test_inet_ntop);
#ifndef RUV_TEST_LIBUV
  RUN(test_ruv_only);
#endif
  return test_end();
}
