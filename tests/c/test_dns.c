/* DNS on the thread pool: ruv_getaddrinfo, ruv_freeaddrinfo and
 * ruv_getnameinfo, synchronously (NULL callback) and asynchronously, their
 * errors (RUV_EAI_*, RUV_EINVAL) and cancelling a queued lookup
 * (RUV_EAI_CANCELED). Numeric names only, so no test needs a resolver or
 * a network. */
#include "test.h"
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>

static ruv_loop_t loop;
static int cb_calls, cb_status, in_call;
static struct addrinfo *cb_res;
static char cb_host[64], cb_service[16];

static void on_addrinfo(ruv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  cb_calls++;
  cb_status = status;
  cb_res = res;
  CHECK(req->addrinfo == res);
  CHECK(req->loop == &loop);
  CHECK_EQ(in_call, 0);
}

static void on_nameinfo(ruv_getnameinfo_t *req, int status, const char *host, const char *service) {
  (void)req;
  cb_calls++;
  cb_status = status;
  snprintf(cb_host, sizeof cb_host, "%s", host ? host : "(null)");
  snprintf(cb_service, sizeof cb_service, "%s", service ? service : "(null)");
  CHECK_EQ(in_call, 0);
}

static struct addrinfo numeric(int family) {
  struct addrinfo h;
  memset(&h, 0, sizeof h);
  h.ai_family = family;
  h.ai_socktype = SOCK_STREAM;
  h.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  return h;
}

static void test_getaddrinfo_sync(void) {
  ruv_getaddrinfo_t req;
  struct addrinfo h = numeric(AF_INET);
  CHECK_EQ(ruv_getaddrinfo(NULL, &req, NULL, "127.0.0.1", "8080", &h), 0);
  CHECK_EQ(req.type, RUV_GETADDRINFO);
  struct addrinfo *ai = req.addrinfo;
  CHECK(ai != NULL);
  CHECK_EQ(ai->ai_family, AF_INET);
  struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;
  CHECK_EQ(ntohs(sin->sin_port), 8080);
  CHECK_EQ(ntohl(sin->sin_addr.s_addr), 0x7f000001);
  ruv_freeaddrinfo(ai);
  ruv_freeaddrinfo(NULL);
  /* not a number, and numbers only asked for */
  CHECK_EQ(ruv_getaddrinfo(NULL, &req, NULL, "not-a-number", NULL, &h), RUV_EAI_NONAME);
  CHECK(req.addrinfo == NULL);
  /* IPv6 */
  h = numeric(AF_INET6);
  CHECK_EQ(ruv_getaddrinfo(NULL, &req, NULL, "::1", NULL, &h), 0);
  CHECK_EQ(req.addrinfo->ai_family, AF_INET6);
  ruv_freeaddrinfo(req.addrinfo);
  /* misuse */
  CHECK_EQ(ruv_getaddrinfo(NULL, NULL, NULL, "127.0.0.1", NULL, NULL), RUV_EINVAL);
  CHECK_EQ(ruv_getaddrinfo(NULL, &req, NULL, NULL, NULL, NULL), RUV_EINVAL);
}

static void test_getaddrinfo_async(void) {
  ruv_getaddrinfo_t req;
  struct addrinfo h = numeric(AF_UNSPEC);
  cb_calls = 0;
  in_call = 1;
  CHECK_EQ(ruv_getaddrinfo(&loop, &req, on_addrinfo, "127.0.0.1", "80", &h), 0);
  in_call = 0;
  CHECK_EQ(loop.active_reqs.count, 1);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(cb_status, 0);
  CHECK(cb_res != NULL);
  CHECK_EQ(ntohs(((struct sockaddr_in *)cb_res->ai_addr)->sin_port), 80);
  ruv_freeaddrinfo(cb_res);
  /* an error reaches the callback, with no list */
  cb_calls = 0;
  CHECK_EQ(ruv_getaddrinfo(&loop, &req, on_addrinfo, "300.1.1.1", NULL, &h), 0);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(cb_status, RUV_EAI_NONAME);
  CHECK(cb_res == NULL);
  /* a callback needs a live loop */
  ruv_loop_t never;
  memset(&never, 0, sizeof never);
  CHECK_EQ(ruv_getaddrinfo(&never, &req, on_addrinfo, "127.0.0.1", NULL, &h), RUV_EINVAL);
  CHECK_EQ(loop.active_reqs.count, 0);
}

static void test_getnameinfo(void) {
  ruv_getnameinfo_t req;
  struct sockaddr_in a4;
  struct sockaddr_in6 a6;
  CHECK_EQ(ruv_ip4_addr("127.0.0.1", 80, &a4), 0);
  CHECK_EQ(ruv_ip6_addr("::1", 443, &a6), 0);
  /* synchronously */
  CHECK_EQ(ruv_getnameinfo(NULL, &req, NULL, (struct sockaddr *)&a4, NI_NUMERICHOST | NI_NUMERICSERV), 0);
  CHECK_EQ(req.type, RUV_GETNAMEINFO);
  CHECK_STR(req.host, "127.0.0.1");
  CHECK_STR(req.service, "80");
  /* asynchronously */
  cb_calls = 0;
  in_call = 1;
  CHECK_EQ(ruv_getnameinfo(&loop, &req, on_nameinfo, (struct sockaddr *)&a6, NI_NUMERICHOST | NI_NUMERICSERV), 0);
  in_call = 0;
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(cb_status, 0);
  CHECK_STR(cb_host, "::1");
  CHECK_STR(cb_service, "443");
  /* misuse */
  CHECK_EQ(ruv_getnameinfo(NULL, &req, NULL, NULL, 0), RUV_EINVAL);
  CHECK_EQ(ruv_getnameinfo(NULL, NULL, NULL, (struct sockaddr *)&a4, 0), RUV_EINVAL);
  struct sockaddr un;
  memset(&un, 0, sizeof un);
  un.sa_family = AF_UNIX;
  CHECK_EQ(ruv_getnameinfo(NULL, &req, NULL, &un, 0), RUV_EINVAL);
}

/* every pool thread busy: a queued lookup can be cancelled; its callback
 * gets RUV_EAI_CANCELED and no list */
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

static void test_cancel(void) {
  enum { THREADS = 2 }; /* RUV_THREADPOOL_SIZE, set in main */
  ruv_work_t busy[THREADS];
  ruv_getaddrinfo_t req;
  struct addrinfo h = numeric(AF_INET);
  for (int i = 0; i < THREADS; i++) CHECK_EQ(ruv_queue_work(&loop, &busy[i], gated, NULL), 0);
  pthread_mutex_lock(&gate_lock);
  while (gate_waiting < THREADS) pthread_cond_wait(&gate_cond, &gate_lock);
  pthread_mutex_unlock(&gate_lock);
  cb_calls = 0;
  CHECK_EQ(ruv_getaddrinfo(&loop, &req, on_addrinfo, "127.0.0.1", NULL, &h), 0);
  CHECK_EQ(ruv_cancel((ruv_req_t *)&req), 0);
  CHECK_EQ(ruv_cancel((ruv_req_t *)&req), RUV_EBUSY);
  pthread_mutex_lock(&gate_lock);
  gate_open = 1;
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_lock);
  CHECK_EQ(ruv_run(&loop, RUV_RUN_DEFAULT), 0);
  CHECK_EQ(cb_calls, 1);
  CHECK_EQ(cb_status, RUV_EAI_CANCELED);
  CHECK(cb_res == NULL);
}

int main(void) {
  test_begin();
  setenv("RUV_THREADPOOL_SIZE", "2", 1);
  CHECK_EQ(ruv_loop_init(&loop), 0);
  RUN(test_getaddrinfo_sync);
  RUN(test_getaddrinfo_async);
  RUN(test_getnameinfo);
  RUN(test_cancel);
  CHECK_EQ(ruv_loop_close(&loop), 0);
  ruv_library_shutdown();
  return test_end();
}
