/* SPDX-License-Identifier: MIT */
/* Connection slots: denied peers cannot starve allowed ones, the
 * per-address limit counts clients, not the proxy in front of them, and a
 * burst of new connections is taken in batches under the same policy, and
 * a request head has a deadline however slowly its bytes come. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

#define MAX_CONN 64
#define FLOOD_PEERS 19
#define FLOOD_PER_PEER 4

static struct harness h;
static unsigned char *der;
static int der_len;

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Limits Test Root",
				   harness_path(&h, "root.pem"), &der);
	return der_len == -1 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	OPENSSL_free(der);
	harness_cleanup(&h);
	return 0;
}

/* A TCP connection to the daemon from source address src; -1 on error. */
static int
connect_from(const char *src)
{
	struct sockaddr_in from = {.sin_family = AF_INET};
	struct sockaddr_in to = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	inet_pton(AF_INET, src, &from.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
	to.sin_port = htons((uint16_t)h.port);
	if (fd == -1 ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)) == -1 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* True when the peer closed fd within ms (read returned 0 or an error). */
static bool
closed_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char b[256];

	if (poll(&p, 1, ms) <= 0)
		return false;
	return read(fd, b, sizeof(b)) <= 0;
}

static bool
served_from(const char *src, long timeout_ms)
{
	struct hreq opt = {.interface = src, .timeout_ms = timeout_ms};
	struct hres r;
	bool ok;

	harness_request(&h, "/ca.cer", &opt, &r);
	ok = r.status == 200 && r.body.len == (size_t)der_len &&
	     memcmp(r.body.data, der, (size_t)der_len) == 0;
	hres_free(&r);
	return ok;
}

/*
 * deny = 403 answers denied peers, so they get past accept. 19 of them
 * each holding 4 half-sent requests used to fill a 64-slot server for the
 * whole idle timeout. Now they hold at most a quarter of the slots, for a
 * second each, and an allowed client is served while they keep trying.
 */
static void
test_denied_flood(void **state)
{
	char conf[512], src[32];
	int fds[FLOOD_PEERS * FLOOD_PER_PEER];
	size_t n = 0, open_after = 0;
	struct hres r;

	(void)state;
	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nmax_connections = %d\n"
		 "timeout = 10\n[ca \"root\"]\nfile = root.pem\n"
		 "[access]\nallow = 127.0.0.2\nadmin = 127.0.0.2\n"
		 "deny = 403\n[log]\naccess_log = no\n",
		 MAX_CONN);
	assert_int_equal(harness_start_conf(&h, conf), 0);
	for (int p = 0; p < FLOOD_PEERS; p++) {
		snprintf(src, sizeof(src), "127.0.0.%d", 10 + p);
		for (int k = 0; k < FLOOD_PER_PEER; k++) {
			int fd = connect_from(src);

			if (fd == -1)
				continue;
			/* Half a request, never finished. */
			(void)write(fd, "GET /ca.cer HTTP/1.1\r\nHost: lo", 30);
			fds[n++] = fd;
		}
	}
	/* Well inside the 10 s idle timeout the flood would have held. */
	assert_true(served_from("127.0.0.2", 3000));
	/* The flood's connections are gone within about a second: past
	 * their share at once, the rest after the short timeout. */
	for (size_t i = 0; i < n; i++) {
		if (!closed_within(fds[i], 4000))
			open_after++;
		close(fds[i]);
	}
	assert_int_equal(open_after, 0);
	/* A denied peer that does ask in time still gets its 403. */
	{
		struct hreq opt = {.interface = "127.0.0.40"};

		harness_request(&h, "/ca.cer", &opt, &r);
		assert_int_equal(r.status, 403);
		hres_free(&r);
	}
	{
		struct hreq opt = {.interface = "127.0.0.2"};

		harness_request(&h, "/metrics", &opt, &r);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr(r.body.data,
				       "certpost_denied_total{reason="
				       "\"denied_share\"}"));
		hres_free(&r);
	}
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * Behind one proxy every user shares its address: trusted proxies are
 * exempt from max_connections_per_ip, other peers are held to it.
 */
static void
test_per_ip_and_proxies(void **state)
{
	enum { PER_IP = 4, USERS = 40 };
	int fds[USERS];
	char conf[512], req[256], out[4096];
	int n = 0, ok = 0;

	(void)state;
	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nmax_connections_per_ip = "
		 "%d\n[ca \"root\"]\nfile = root.pem\n"
		 "[access]\nallow = 127.0.0.2\nallow = 10.0.0.0/8\n"
		 "trusted_proxy = 127.0.0.1\n[log]\naccess_log = no\n",
		 PER_IP);
	assert_int_equal(harness_start_conf(&h, conf), 0);
	/* 40 users through the proxy, each on its own open connection. */
	for (int i = 0; i < USERS; i++) {
		assert_true((fds[i] = connect_from("127.0.0.1")) != -1);
		n++;
	}
	for (int i = 0; i < n; i++) {
		snprintf(req, sizeof(req),
			 "GET /ca.cer HTTP/1.1\r\nHost: localhost\r\n"
			 "X-Forwarded-For: 10.0.0.%d\r\n\r\n",
			 i + 1);
		(void)write(fds[i], req, strlen(req));
	}
	for (int i = 0; i < n; i++) {
		struct pollfd p = {.fd = fds[i], .events = POLLIN};
		ssize_t got = 0;

		if (poll(&p, 1, 3000) == 1)
			got = read(fds[i], out, sizeof(out) - 1);
		if (got > 12 && memcmp(out, "HTTP/1.1 200", 12) == 0)
			ok++;
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	assert_int_equal(ok, USERS);

	/* An ordinary client: PER_IP connections, and the next is closed. */
	for (int i = 0; i < PER_IP; i++) {
		assert_true((fds[i] = connect_from("127.0.0.2")) != -1);
		(void)write(fds[i], "GET", 3);
	}
	usleep(200 * 1000); /* accepted and counted */
	{
		int extra = connect_from("127.0.0.2");

		assert_true(extra != -1);
		/* The listener defers accept until a peer sends something. */
		(void)write(extra, "GET", 3);
		assert_true(closed_within(extra, 3000));
		close(extra);
	}
	for (int i = 0; i < PER_IP; i++)
		close(fds[i]);
	/* Once the daemon has seen them close (it may be slow to: valgrind),
	 * the client is served again. */
	for (int tries = 0; tries < 200 && !served_from("127.0.0.2", 2000);
	     tries++)
		usleep(50000);
	assert_true(served_from("127.0.0.2", 2000));
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * The listener defers accept until a peer's first bytes arrive (as
 * nginx's "deferred"): peers that connect and say nothing take none of
 * libmicrohttpd's slots, so a client that does ask is served even when
 * they outnumber max_connections.
 */
static void
test_silent_peers(void **state)
{
	enum { SILENT = 40 };
	int fds[SILENT];
	char conf[512];

	(void)state;
	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nmax_connections = 8\n"
		 "timeout = 10\n[ca \"root\"]\nfile = root.pem\n"
		 "[access]\nallow = 127.0.0.0/8\n[log]\naccess_log = no\n");
	assert_int_equal(harness_start_conf(&h, conf), 0);
	for (int i = 0; i < SILENT; i++) {
		char src[32];

		snprintf(src, sizeof(src), "127.0.0.%d", 50 + i);
		assert_true((fds[i] = connect_from(src)) != -1);
	}
	usleep(200 * 1000);
	/* Well inside the 10 s they could otherwise hold their slots. */
	assert_true(served_from("127.0.0.2", 3000));
	for (int i = 0; i < SILENT; i++)
		close(fds[i]);
	assert_int_equal(harness_stop(&h), 0);
}

/* Reads one response to a GET on fd, up to ms: the bytes, or 0 when the
 * peer closed without a byte (or -1 on a timeout). */
static long
read_response(int fd, char *out, size_t cap, int ms)
{
	size_t got = 0;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		const char *end, *cl;
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return -1;
		if ((n = read(fd, out + got, cap - 1 - got)) <= 0)
			return (long)got;
		got += (size_t)n;
		out[got] = '\0';
		if ((end = strstr(out, "\r\n\r\n")) != NULL &&
		    (cl = strstr(out, "Content-Length: ")) != NULL &&
		    got >= (size_t)(end + 4 - out) + strtoul(cl + 16, NULL, 10))
			return (long)got;
		if (got == cap - 1)
			return (long)got;
	}
}

/* A 200 whose body is the root's DER. */
static bool
is_the_root(const char *resp, long len)
{
	const char *end = len > 0 ? strstr(resp, "\r\n\r\n") : NULL;

	return end != NULL && strncmp(resp, "HTTP/1.1 200 ", 13) == 0 &&
	       resp + len - (end + 4) == der_len &&
	       memcmp(end + 4, der, (size_t)der_len) == 0;
}

/*
 * With 70 keep-alive connections open, 100 new ones send their first
 * request together, half from an allowed address and half from a denied
 * one (deny = drop). libmicrohttpd accepts one connection per turn of its
 * loop; certpost takes the rest of such a burst in batches and hands them
 * to it. Every batched connection goes through the same accept policy:
 * each allowed one is served the root, each denied one is closed without
 * a byte, and the open-connection gauge counts exactly the allowed ones.
 */
static void
test_burst(void **state)
{
	enum { HELD = 70, BURST = 100 };
	static const char get[] =
		"GET /ca.cer HTTP/1.1\r\nHost: localhost\r\n\r\n";
	int held[HELD], burst[BURST], served = 0, closed = 0;
	char conf[512], out[8192];
	struct hres r;

	(void)state;
	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nmax_connections = 1024\n"
		 "max_connections_per_ip = 512\n[ca \"root\"]\nfile = "
		 "root.pem\n[access]\nallow = 127.0.0.1\nadmin = 127.0.0.1\n"
		 "deny = drop\n[log]\naccess_log = no\n");
	assert_int_equal(harness_start_conf(&h, conf), 0);
	for (int i = 0; i < HELD; i++) {
		assert_true((held[i] = connect_from("127.0.0.1")) != -1);
		assert_int_equal(write(held[i], get, strlen(get)),
				 (ssize_t)strlen(get));
		assert_true(is_the_root(
			out, read_response(held[i], out, sizeof(out), 5000)));
	}
	for (int i = 0; i < BURST; i++)
		assert_true((burst[i] = connect_from(
				     i % 2 ? "127.0.0.2" : "127.0.0.1")) != -1);
	/* Deferred accept: none is acceptable until these arrive. */
	for (int i = 0; i < BURST; i++)
		assert_int_equal(write(burst[i], get, strlen(get)),
				 (ssize_t)strlen(get));
	for (int i = 0; i < BURST; i++) {
		long n = read_response(burst[i], out, sizeof(out), 5000);

		if (i % 2 == 0 && is_the_root(out, n))
			served++;
		if (i % 2 == 1 && n == 0)
			closed++;
	}
	assert_int_equal(served, BURST / 2);
	assert_int_equal(closed, BURST / 2);
	/* The held connections and the allowed half are open, and this
	 * request's own. */
	harness_request(&h, "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	snprintf(conf, sizeof(conf), "\ncertpost_open_connections %d\n",
		 HELD + BURST / 2 + 1);
	assert_non_null(strstr(r.body.data, conf));
	assert_non_null(strstr(r.body.data, "certpost_denied_total{reason="
					    "\"not_allowed\"} 50\n"));
	hres_free(&r);
	/* The held ones still answer. */
	for (int i = 0; i < HELD; i++) {
		assert_int_equal(write(held[i], get, strlen(get)),
				 (ssize_t)strlen(get));
		assert_true(is_the_root(
			out, read_response(held[i], out, sizeof(out), 5000)));
	}
	for (int i = 0; i < HELD; i++)
		close(held[i]);
	for (int i = 0; i < BURST; i++)
		close(burst[i]);
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * libmicrohttpd's timeout is an idle one: a byte a second keeps it from
 * ever firing. 8 connections trickle a request head at 1 byte/s from a
 * trusted proxy's address (exempt from the per-address limit): the
 * proxies' share (6 of 8 slots) leaves room for a direct client, and
 * every trickle is cut at header_timeout, well before the head is done.
 */
static void
test_head_deadline(void **state)
{
	enum { TRICKLES = 8, SECONDS = 9 };
	static const char head[] = "GET /ca.cer HTTP/1.1\r\nHost: localhost\r\n"
				   "X-Forwarded-For: 10.0.0.9\r\n"
				   "User-Agent: slow\r\n\r\n";
	int fds[TRICKLES], closed_at[TRICKLES];
	size_t sent = 0;
	struct buf log = {0};

	(void)state;
	assert_int_equal(
		harness_start_conf(&h,
				   "[server]\nlisten = 127.0.0.1:0\n"
				   "max_connections = 8\ntimeout = 4\n"
				   "header_timeout = 2\n[ca \"root\"]\nfile = "
				   "root.pem\n[access]\nallow = 127.0.0.2\n"
				   "allow = 10.0.0.0/8\nadmin = 127.0.0.2\n"
				   "trusted_proxy = 127.0.0.1\n"),
		0);
	for (int i = 0; i < TRICKLES; i++) {
		assert_true((fds[i] = connect_from("127.0.0.1")) != -1);
		closed_at[i] = -1;
	}
	/* One byte a second on each, for longer than timeout = 4. */
	for (int t = 0; t < SECONDS && sent < sizeof(head) - 1; t++) {
		for (int i = 0; i < TRICKLES; i++)
			if (closed_at[i] == -1)
				(void)send(fds[i], head + sent, 1,
					   MSG_NOSIGNAL);
		sent++;
		if (t == 1)
			/* While the proxy's six hold their slots. */
			assert_true(served_from("127.0.0.2", 3000));
		for (int i = 0; i < TRICKLES; i++)
			if (closed_at[i] == -1 && closed_within(fds[i], 0))
				closed_at[i] = t;
		usleep(1000 * 1000);
	}
	for (int i = 0; i < TRICKLES; i++) {
		close(fds[i]);
		/* Still sending a byte a second: the idle timeout (4 s)
		 * would never have closed it. */
		if (closed_at[i] == -1)
			fail_msg("trickle %d still open after %d s", i,
				 SECONDS);
	}
	/* Two refused at once (the proxies' share), six cut at the
	 * deadline. */
	{
		const char *hdrs[] = {"Host: localhost", NULL};
		struct hreq opt = {.interface = "127.0.0.2", .headers = hdrs};
		struct hres r;

		harness_request(&h, "/metrics", &opt, &r);
		assert_non_null(strstr(r.body.data,
				       "\ncertpost_header_timeouts_total 6\n"));
		assert_non_null(strstr(r.body.data,
				       "\ncertpost_denied_total{reason="
				       "\"proxy_share\"} 2\n"));
		hres_free(&r);
	}
	harness_log(&h, &log);
	assert_non_null(strstr(log.data, "127.0.0.1: no complete request head "
					 "within 2 s of opening"));
	buf_free(&log);
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_denied_flood),
		cmocka_unit_test(test_per_ip_and_proxies),
		cmocka_unit_test(test_silent_peers),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_head_deadline),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
