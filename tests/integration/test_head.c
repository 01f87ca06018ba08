/* SPDX-License-Identifier: MIT */
/* The request head's limits, on raw sockets: every head within them gets
 * its answer, and one past them exactly one 431, with many small cookies
 * and many small fields (a head fills libmicrohttpd's connection memory
 * by its fields and cookies, not by its bytes alone). */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
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
#include "raw.h"
#include "testca.h"

/* connection_memory's default, and the limits docs/http.md gives for it:
 * a quarter of it in bytes, one in 256 in fields and cookies. */
#define MEMORY 32768
#define HEAD_MAX (MEMORY / 4)
#define ITEMS_MAX (MEMORY / 256)

static struct harness h;
static unsigned char *der;
static int der_len;
static struct raw_reply r;
static char req[65536];
static unsigned n431;

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Head Test Root",
				   harness_path(&h, "root.pem"), &der);
	if (der_len == -1)
		return -1;
	return harness_start_conf(
		&h, "[server]\nlisten = 127.0.0.1:0\nserver_name = x\n"
		    "watch = no\n[ca \"root\"]\nfile = root.pem\n"
		    "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n");
}

static int
teardown(void **state)
{
	(void)state;
	OPENSSL_free(der);
	return harness_finish(&h) == 0 ? 0 : -1;
}

enum shape {
	COOKIES, /* n cookies of size bytes, one Cookie line */
	FIELDS,	 /* n fields of size bytes (with their CRLF) */
};

/*
 * GET /ca.cer with n cookies or fields of about size bytes each, then pad
 * bytes of one more field when pad > 0. Returns the head's length; *items
 * gets its fields and cookies.
 */
static size_t
build(enum shape s, unsigned n, size_t size, size_t pad, unsigned *items)
{
	size_t len = (size_t)snprintf(req, sizeof(req),
				      "GET /ca.cer HTTP/1.1\r\nHost: x\r\n");

	*items = 2; /* Host, Connection */
	if (s == COOKIES && n > 0) {
		len += (size_t)snprintf(req + len, sizeof(req) - len,
					"Cookie: ");
		(*items)++;
	}
	for (unsigned i = 0; i < n; i++) {
		/* "c123=vvv...; " or "X-H123: vvv...\r\n": size bytes. */
		size_t start = len, v;

		if (s == COOKIES)
			len += (size_t)snprintf(req + len, sizeof(req) - len,
						"%sc%03u=", i > 0 ? "; " : "",
						i);
		else
			len += (size_t)snprintf(req + len, sizeof(req) - len,
						"X-H%03u: ", i);
		v = size - (len - start) - (s == FIELDS ? 2 : 0);
		memset(req + len, 'v', v);
		len += v;
		if (s == FIELDS)
			len += (size_t)snprintf(req + len, sizeof(req) - len,
						"\r\n");
		(*items)++;
	}
	if (s == COOKIES && n > 0)
		len += (size_t)snprintf(req + len, sizeof(req) - len, "\r\n");
	if (pad > 0) {
		len += (size_t)snprintf(req + len, sizeof(req) - len,
					"X-Pad: ");
		memset(req + len, 'p', pad);
		len += pad;
		len += (size_t)snprintf(req + len, sizeof(req) - len, "\r\n");
		(*items)++;
	}
	len += (size_t)snprintf(req + len, sizeof(req) - len,
				"Connection: close\r\n\r\n");
	return len;
}

/* Sends the head built last: within the limits, the certificate; past
 * them, one 431 and a close. */
static void
expect(const char *what, size_t len, unsigned items)
{
	bool within = len <= HEAD_MAX && items <= ITEMS_MAX;

	if (raw_send(h.port, req, len, 0, &r) == -1)
		fail_msg("%s: cannot connect", what);
	if (within) {
		if (r.status != 200 || raw_status_lines(&r) != 1 ||
		    raw_body_len(&r) != (size_t)der_len ||
		    memcmp(r.bytes + r.head, der, (size_t)der_len) != 0)
			fail_msg("%s, %zu bytes, %u fields and cookies: want "
				 "the certificate, got %zu bytes:\n%.300s",
				 what, len, items, r.len, r.bytes);
		return;
	}
	if (r.status != 431 || raw_status_lines(&r) != 1 || !r.closed ||
	    raw_header(&r, "Connection") == NULL ||
	    strcmp(raw_header(&r, "Connection"), "close") != 0 ||
	    raw_header(&r, "Content-Security-Policy") == NULL ||
	    strstr(r.bytes + r.head, "<title>431 Request Header Fields Too "
				     "Large</title>") == NULL)
		fail_msg("%s, %zu bytes, %u fields and cookies: want one 431 "
			 "and a close, got %zu bytes:\n%.600s",
			 what, len, items, r.len, r.bytes);
	n431++;
}

/* From a few cookies or fields to well past the limits, one at a time;
 * returns how many heads were past them. */
static unsigned
sweep(enum shape s, size_t size, unsigned last)
{
	unsigned items, past = 0;
	char what[64];

	for (unsigned n = 0; n <= last; n++) {
		size_t len = build(s, n, size, 0, &items);

		snprintf(what, sizeof(what), "%u %s of %zu bytes", n,
			 s == COOKIES ? "cookies" : "fields", size);
		expect(what, len, items);
		past += len > HEAD_MAX || items > ITEMS_MAX;
	}
	return past;
}

/* The bytes: 90-byte cookies (the Cookie field of a browser on a domain
 * with many), and 90-byte fields, to 1.3 times the limit. */
static void
test_bytes(void **state)
{
	(void)state;
	assert_true(sweep(COOKIES, 90, HEAD_MAX * 13 / 10 / 90) > 20);
	assert_true(sweep(FIELDS, 90, HEAD_MAX * 13 / 10 / 90) > 20);
}

/* The count: many tiny cookies and fields fill libmicrohttpd's memory with
 * their entries long before the bytes count. */
static void
test_count(void **state)
{
	(void)state;
	assert_true(sweep(COOKIES, 8, ITEMS_MAX + 40) > 30);
	assert_true(sweep(FIELDS, 10, ITEMS_MAX + 40) > 30);
}

/* The last byte: a head of exactly the limit is answered, one more is
 * not. */
static void
test_boundary(void **state)
{
	unsigned items;
	size_t base = build(COOKIES, 60, 90, 0, &items) + strlen("X-Pad: \r\n");
	size_t len;

	(void)state;
	assert_true(base < HEAD_MAX);
	len = build(COOKIES, 60, 90, HEAD_MAX - base, &items);
	assert_int_equal(len, HEAD_MAX);
	expect("exactly the limit", len, items);
	len = build(COOKIES, 60, 90, HEAD_MAX - base + 1, &items);
	assert_int_equal(len, HEAD_MAX + 1);
	expect("one byte past the limit", len, items);
	assert_true(r.status == 431);
}

/*
 * Far past the limits, libmicrohttpd runs out of connection memory before
 * certpost sees the request, and answers 431 itself, without certpost's
 * headers. For a Cookie field that is what fills it, 0.9.75 writes its
 * status line and header twice (parse_connection_headers() queues the
 * error, and the state machine builds the reply's header again); 1.0
 * once (docs/http.md).
 */
static void
test_library_limit(void **state)
{
#if MHD_VERSION >= 0x00097701
	const size_t cookie_lines = 1;
#else
	const size_t cookie_lines = 2;
#endif
	unsigned items;
	size_t len;

	(void)state;
	len = build(FIELDS, 400, 90, 0, &items);
	assert_int_equal(raw_send(h.port, req, len, 0, &r), 0);
	if (r.status != 431 || raw_status_lines(&r) != 1 || !r.closed)
		fail_msg("36 KB of fields: want libmicrohttpd's one 431, got:\n"
			 "%.400s",
			 r.bytes);
	len = build(COOKIES, 260, 90, 0, &items);
	assert_int_equal(raw_send(h.port, req, len, 0, &r), 0);
	if (r.status != 431 || raw_status_lines(&r) != cookie_lines ||
	    !r.closed)
		fail_msg("23 KB of cookies: want libmicrohttpd's 431 %zu "
			 "time(s), got:\n%.800s",
			 cookie_lines, r.bytes);
}

/* Each 431 of certpost's is counted under its code. */
static void
test_counted(void **state)
{
	struct hreq q = {.interface = "127.0.0.1"};
	struct hres m;
	char want[96];

	(void)state;
	snprintf(want, sizeof(want),
		 "certpost_http_requests_total{class=\"other\",code=\"431\"} "
		 "%u\n",
		 n431);
	harness_request(&h, "/metrics", &q, &m);
	assert_int_equal(m.status, 200);
	if (strstr(m.body.data, want) == NULL)
		fail_msg("want %s in:\n%s", want, m.body.data);
	hres_free(&m);
}

/* A connection_memory too small for the responses' headers (a long
 * Content-Security-Policy) is refused at start, not met by a request. */
static void
test_memory_too_small(void **state)
{
	struct harness small;
	struct buf conf = {0}, out = {0};
	const char *args[] = {"--check-config", "--config", NULL, NULL};
	unsigned char *d = NULL;

	(void)state;
	harness_init(&small);
	assert_true(testca_root_file("Head Test Root",
				     harness_path(&small, "root.pem"), &d) > 0);
	OPENSSL_free(d);
	(void)buf_printf(&conf, "[server]\nlisten = 127.0.0.1:0\n"
				"connection_memory = 4096\nwatch = no\n"
				"[ca \"root\"]\nfile = root.pem\n"
				"[access]\nallow = 127.0.0.0/8\n[trust]\n");
	for (int i = 0; i < 16; i++)
		(void)buf_printf(&conf,
				 "check_url = https://service-%02d-with-a-long-"
				 "name.internal.corp.example/\n",
				 i);
	harness_write(&small, "certpost.conf", conf.data);
	args[2] = harness_path(&small, "certpost.conf");
	assert_int_not_equal(harness_run(args, &out), 0);
	if (out.data == NULL ||
	    strstr(out.data, "connection_memory = 4096 leaves 1024 bytes for "
			     "a response's header") == NULL)
		fail_msg("want the reason, got:\n%s", out.data ? out.data : "");
	buf_free(&out);
	buf_free(&conf);
	harness_cleanup(&small);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_library_limit),
		cmocka_unit_test(test_counted),
		cmocka_unit_test(test_memory_too_small),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
