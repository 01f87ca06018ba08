/* SPDX-License-Identifier: MIT */
/* Hostile clients: malformed requests on raw sockets, slow clients
 * (slowhttptest), and the daemon keeps serving. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

#define PER_IP 16
#define MAX_CONN 64

static struct harness h;
static unsigned char *der;
static int der_len;

static int
setup(void **state)
{
	char conf[1024];

	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Hostile Test Root",
				   harness_path(&h, "root.pem"), &der);
	if (der_len == -1)
		return -1;
	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\nmax_connections = %d\n"
		 "max_connections_per_ip = %d\ntimeout = 5\n"
		 "[ca \"root\"]\nfile = root.pem\n"
		 "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.3\n"
		 "[log]\naccess_log = no\n",
		 MAX_CONN, PER_IP);
	harness_write(&h, "certpost.conf", conf);
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	int rc = harness_stop(&h);

	(void)state;
	OPENSSL_free(der);
	harness_cleanup(&h);
	return rc == 0 ? 0 : -1;
}

/* The daemon is alive and a normal client gets the whole certificate. */
static void
assert_still_serving(const char *after)
{
	struct hreq opt = {.interface = "127.0.0.2"};
	struct hres r;

	if (kill(h.pid, 0) != 0)
		fail_msg("daemon gone after %s", after);
	harness_request(&h, "/ca.cer", &opt, &r);
	if (r.status != 200 || r.body.len != (size_t)der_len ||
	    memcmp(r.body.data, der, (size_t)der_len) != 0)
		fail_msg("after %s: status %ld, %zu bytes", after, r.status,
			 r.body.len);
	hres_free(&r);
}

struct raw_case {
	const char *name;
	const char *head; /* request bytes before the filler */
	size_t headlen;	  /* exact, NULs included */
	size_t fill;	  /* bytes of 'a' inserted after head */
	const char *tail;
};

#define RAW(name, lit)                                                         \
	{                                                                      \
		name, lit, sizeof(lit) - 1, 0, "",                             \
	}

#define RAW_FILL(name, lit, fill, tail)                                        \
	{                                                                      \
		name, lit, sizeof(lit) - 1, fill, tail                         \
	}

static const struct raw_case raw_cases[] = {
	RAW_FILL("oversized request line", "GET /", 100000,
		 " HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	RAW_FILL("oversized header",
		 "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ", 100000,
		 "\r\n\r\n"),
	RAW("bad version 9.9", "GET / HTTP/9.9\r\nHost: localhost\r\n\r\n"),
	RAW("bad protocol name", "GET / FOO/1.1\r\nHost: localhost\r\n\r\n"),
	RAW("no version", "GET /\r\nHost: localhost\r\n\r\n"),
	RAW("absolute-form",
	    "GET http://x/ca.cer HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	RAW("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	RAW("CL and TE",
	    "GET /ca.cer HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
	    "5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	RAW("POST with CL and TE",
	    "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
	RAW("body on GET",
	    "GET /ca.cer HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
	    "5\r\n\r\nhello"),
	RAW("control byte in header",
	    "GET /ca.cer HTTP/1.1\r\nHost: localhost\r\nX-A: a\x01b\r\n\r\n"),
	RAW("DEL in path",
	    "GET /ca\x7f.cer HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	RAW("NUL in path", "GET /ca\0.cer HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	/* A NUL in a header value is refused by libmicrohttpd 1.0 and
	 * hidden by 0.9.75: test_framing.c holds it, release by release. */
	RAW("invalid percent-encoding",
	    "GET /ca%zz.cer HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	RAW("percent-encoded traversal", "GET /%2e%2e/%2e%2e/etc/passwd "
					 "HTTP/1.1\r\nHost: localhost\r\n\r\n"),
	RAW("missing Host", "GET /ca.cer HTTP/1.1\r\n\r\n"),
	RAW("space before colon", "GET /ca.cer HTTP/1.1\r\nHost : x\r\n\r\n"),
	RAW("TLS handshake on plain port",
	    "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
	RAW("unknown method",
	    "BREW /ca.cer HTTP/1.1\r\nHost: localhost\r\n\r\n"),
};

/* Status of the first response line, 0 when there is none. */
static int
first_status(const char *out)
{
	int code = 0;

	if (strncmp(out, "HTTP/1.", 7) == 0)
		code = atoi(out + 9);
	return code;
}

static void
test_malformed(void **state)
{
	static char req[300000], out[65536];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(raw_cases) / sizeof(raw_cases[0]); i++) {
		const struct raw_case *c = &raw_cases[i];
		size_t n = c->headlen;
		long got;
		int code;

		memcpy(req, c->head, n);
		memset(req + n, 'a', c->fill);
		n += c->fill;
		memcpy(req + n, c->tail, strlen(c->tail));
		n += strlen(c->tail);
		got = harness_raw(h.port, req, n, out, sizeof(out), 3000);
		assert_true(got >= 0);
		code = first_status(out);
		/* A 4xx (501 for an unknown method, 505 for a version), or a
		 * close without a response: never a 2xx, never certificate
		 * bytes, never a hang. */
		if (!(code == 0 && got == 0) && !(code >= 400 && code < 500) &&
		    code != 501 && code != 505)
			fail_msg("%s: got %ld bytes, status %d", c->name, got,
				 code);
		printf("# %-26s -> %s %d\n", c->name,
		       code ? "status" : "closed", code);
		assert_still_serving(c->name);
	}
}

static void
test_many_headers(void **state)
{
	static char req[200000], out[4096];
	size_t n = 0;
	int i;

	(void)state;
	n += (size_t)snprintf(req, sizeof(req),
			      "GET / HTTP/1.1\r\nHost: localhost\r\n");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(req + n, sizeof(req) - n, "X-%d: y\r\n",
				      i);
	n += (size_t)snprintf(req + n, sizeof(req) - n, "\r\n");
	assert_true(harness_raw(h.port, req, n, out, sizeof(out), 3000) >= 0);
	assert_true(first_status(out) == 0 || first_status(out) == 431 ||
		    first_status(out) == 400 || first_status(out) == 413);
	assert_still_serving("5000 headers");
}

static void
test_pipelined(void **state)
{
	static const char req[] =
		"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"
		"HEAD /ca.cer HTTP/1.1\r\nHost: localhost\r\n\r\n"
		"GET /ca.pem HTTP/1.1\r\nHost: localhost\r\n"
		"Connection: close\r\n\r\n";
	static char out[65536];
	const char *p = out;
	int n = 0;

	(void)state;
	assert_true(harness_raw(h.port, req, sizeof(req) - 1, out, sizeof(out),
				3000) > 0);
	/* Three answers, in order, on one connection. */
	while ((p = strstr(p, "HTTP/1.1 200 OK\r\n")) != NULL) {
		n++;
		p++;
	}
	assert_int_equal(n, 3);
	assert_non_null(strstr(out, "ok\n"));
	assert_non_null(strstr(out, "-----BEGIN CERTIFICATE-----"));
	assert_still_serving("pipelined requests");
}

/* Clients that ask for much and leave mid-response. */
static void
test_disconnect_mid_response(void **state)
{
	static char req[64 * 40];
	size_t n = 0;
	int i, j;

	(void)state;
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(
			req + n, sizeof(req) - n,
			"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
	for (j = 0; j < 20; j++) {
		char out[16];

		/* Read a few bytes of forty pages, then hang up. */
		assert_true(harness_raw(h.port, req, n, out, sizeof(out),
					200) >= 0);
	}
	assert_still_serving("clients leaving mid-response");
}

static atomic_bool loading;
static atomic_int normal_ok, normal_bad;

/* The normal client: from another source address than the attacker,
 * fetching the certificate the whole time. */
static void *
normal_client(void *arg)
{
	(void)arg;
	while (atomic_load(&loading)) {
		struct hreq opt = {.interface = "127.0.0.2",
				   .timeout_ms = 5000};
		struct hres r;

		harness_request(&h, "/ca.cer", &opt, &r);
		if (r.status == 200 && r.body.len == (size_t)der_len &&
		    memcmp(r.body.data, der, (size_t)der_len) == 0)
			atomic_fetch_add(&normal_ok, 1);
		else
			atomic_fetch_add(&normal_bad, 1);
		hres_free(&r);
		usleep(20 * 1000);
	}
	return NULL;
}

/* certpost_open_connections, scraped from the admin address. */
static long
open_connections(void)
{
	struct hreq opt = {.interface = "127.0.0.3"};
	const char *p;
	struct hres r;
	long v = -1;

	harness_request(&h, "/metrics", &opt, &r);
	if (r.status == 200 &&
	    (p = strstr(r.body.data, "\ncertpost_open_connections ")) != NULL)
		v = strtol(p + 28, NULL, 10);
	hres_free(&r);
	return v;
}

static void
slow_attack(const char *mode, const char *extra)
{
	pthread_t t;
	long rss_before = harness_rss_kib(&h), rss_peak = rss_before;
	long conns_peak = 0;
	char cmd[512];
	int i;

	if (harness_sh("command -v slowhttptest >/dev/null") != 0) {
		skip();
		return;
	}
	atomic_store(&normal_ok, 0);
	atomic_store(&normal_bad, 0);
	atomic_store(&loading, true);
	pthread_create(&t, NULL, normal_client, NULL);
	/* 200 slow connections over 8 s from 127.0.0.1, bounded. */
	snprintf(cmd, sizeof(cmd),
		 "timeout 20 slowhttptest %s -c 200 -r 100 -l 8 -p 3 "
		 "-u http://127.0.0.1:%d/ %s >/dev/null 2>&1 &",
		 mode, h.port, extra);
	assert_int_equal(harness_sh("%s", cmd), 0);
	for (i = 0; i < 16; i++) {
		long c, rss;

		usleep(500 * 1000);
		if ((c = open_connections()) > conns_peak)
			conns_peak = c;
		if ((rss = harness_rss_kib(&h)) > rss_peak)
			rss_peak = rss;
	}
	harness_sh("pkill -f 'slowhttptest %s' >/dev/null 2>&1", mode);
	atomic_store(&loading, false);
	pthread_join(t, NULL);
	printf("# slowhttptest %s: normal client %d whole, %d failed; peak "
	       "%ld open connections (limit %d per address, %d in all); RSS "
	       "%ld -> %ld KiB\n",
	       mode, atomic_load(&normal_ok), atomic_load(&normal_bad),
	       conns_peak, PER_IP, MAX_CONN, rss_before, rss_peak);
	assert_int_equal(atomic_load(&normal_bad), 0);
	assert_true(atomic_load(&normal_ok) >= 50);
	/* Bounded by the limits: the attacker's address gets PER_IP, plus
	 * the normal client and this scrape. */
	assert_true(conns_peak <= PER_IP + 4);
	/* Memory bounded by connections × connection_memory, far below
	 * (not meaningful under valgrind, whose own memory grows, nor in an
	 * AddressSanitizer build, whose quarantine keeps every freed pool
	 * resident). */
#if defined(__SANITIZE_ADDRESS__)
	(void)rss_peak;
#else
	if (getenv("CERTPOST_WRAPPER") == NULL)
		assert_true(rss_peak - rss_before < 16 * 1024);
#endif
	assert_still_serving(mode);
}

static void
test_slowloris(void **state)
{
	(void)state;
	slow_attack("-H", "-i 2");
}

static void
test_slow_body(void **state)
{
	(void)state;
	slow_attack("-B", "-i 2 -s 8192");
}

static void
test_slow_read(void **state)
{
	(void)state;
	slow_attack("-X", "-w 1 -y 2 -n 3 -z 4 -k 8");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_many_headers),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_disconnect_mid_response),
		cmocka_unit_test(test_slowloris),
		cmocka_unit_test(test_slow_body),
		cmocka_unit_test(test_slow_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
