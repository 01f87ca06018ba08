/* SPDX-License-Identifier: MIT */
/* Request targets and methods, on raw sockets: absolute-form (RFC 9112
 * 3.2.2) served when its authority names this server, percent-encoded
 * unreserved characters read as themselves (RFC 3986 6.2.2.2), 501 for a
 * method nobody implements and 405 with Allow for one not allowed here. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static struct harness h;
static unsigned char *der;
static int der_len;
static struct raw_reply r;

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Target Test Root",
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

struct target_case {
	const char *name;
	const char *req; /* the whole request */
	int status;
	bool cert; /* 200 with the certificate's bytes */
};

/* Each request on its own connection: its status, one status line, and
 * the certificate exactly when it is due. */
static void
run(const struct target_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct target_case *c = &cases[i];
		bool has_cert;

		if (raw_send_str(h.port, c->req, &r) == -1)
			fail_msg("%s: cannot connect", c->name);
		has_cert = memmem(r.bytes, r.len, der, (size_t)der_len) != NULL;
		if (r.status != c->status || raw_status_lines(&r) != 1 ||
		    has_cert != c->cert)
			fail_msg("%s: want %d%s, got:\n%.600s", c->name,
				 c->status,
				 c->cert ? " with the certificate" : "",
				 r.bytes);
		printf("# %-50s -> %d\n", c->name, c->status);
	}
}

#define RUN(cases) run(cases, sizeof(cases) / sizeof(cases[0]))
#define CLOSE "Connection: close\r\n\r\n"

/* RFC 9112 3.2.2: an origin server MUST accept absolute-form, and then
 * ignore Host for the target's authority, which passes the same check. */
static void
test_absolute_form(void **state)
{
	static const struct target_case cases[] = {
		{"absolute-form",
		 "GET http://x/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"scheme and host in upper case",
		 "GET HTTP://X/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"with a port",
		 "GET http://x:8080/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"with a query",
		 "GET http://x/ca.cer?a=1 HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"the listen address",
		 "GET http://127.0.0.1/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 200, true},
		{"stands for Host: another Host is ignored",
		 "GET http://x/ca.cer HTTP/1.1\r\nHost: evil.example\r\n" CLOSE,
		 200, true},
		{"HTTP/1.0 without Host",
		 "GET http://x/ca.cer HTTP/1.0\r\n\r\n", 200, true},
		{"no path is /", "GET http://x HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 200, false},
		{"an unknown path",
		 "GET http://x/nope HTTP/1.1\r\nHost: x\r\n" CLOSE, 404, false},
		{"another name",
		 "GET http://evil.example/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 421, false},
		{"an address not listened on",
		 "GET http://[::1]/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 421,
		 false},
		{"https on the plain listener",
		 "GET https://x/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 421,
		 false},
		{"user information",
		 "GET http://u@x/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 400,
		 false},
		{"an empty host",
		 "GET http:///ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 400,
		 false},
		{"a port that is not digits",
		 "GET http://x:8a/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 400,
		 false},
		{"another scheme",
		 "GET ftp://x/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 400,
		 false},
		{"an invalid Host is still refused (RFC 9112 3.2)",
		 "GET http://x/ca.cer HTTP/1.1\r\nHost: a b\r\n" CLOSE, 400,
		 false},
		{"two Host lines are still refused",
		 "GET http://x/ca.cer HTTP/1.1\r\nHost: x\r\nHost: x\r\n" CLOSE,
		 400, false},
		{"/healthz stays open to any name",
		 "GET http://10.1.2.3/healthz HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 200, false},
	};
	static const char two[] =
		"GET http://x/ca.cer HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE;

	(void)state;
	RUN(cases);
	/* And the connection goes on: both answered, in order. */
	assert_int_equal(raw_send(h.port, two, sizeof(two) - 1, 0, &r), 0);
	assert_int_equal(raw_status_lines(&r), 2);
	assert_int_equal(r.status, 200);
	assert_true(harness_wait_log(&h, "GET \"http://x/ca.cer\" 200", 3000));
}

/* RFC 3986 6.2.2.2: "%63" is "c"; an escaped reserved character (or any
 * other byte) is not the character, and the publication point's issued
 * URLs keep their own rule (test_adcs.c). */
static void
test_unreserved(void **state)
{
	static const struct target_case cases[] = {
		{"/%63a.cer", "GET /%63a.cer HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 200, true},
		{"every byte escaped",
		 "GET /%63%61%2E%63%65%72 HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"lower-case hex",
		 "GET /ca%2ecer HTTP/1.1\r\nHost: x\r\n" CLOSE, 200, true},
		{"with a query",
		 "GET /ca%2Ecer?%61=1 HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"in absolute-form, authority too",
		 "GET http://%78/%63a.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 200,
		 true},
		{"an escaped slash",
		 "GET /%2Fca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 404, false},
		{"an escaped reserved character",
		 "GET /ca.cer%3B HTTP/1.1\r\nHost: x\r\n" CLOSE, 404, false},
		{"an escaped NUL",
		 "GET /ca%00.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 404, false},
		{"a bad escape", "GET /ca%zz.cer HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 404, false},
		{"a half escape", "GET /ca.cer%6 HTTP/1.1\r\nHost: x\r\n" CLOSE,
		 404, false},
		{"escaped dots are dots, not removed",
		 "GET /%2e%2e/ca.cer HTTP/1.1\r\nHost: x\r\n" CLOSE, 404,
		 false},
	};

	(void)state;
	RUN(cases);
	/* The log names the path as it was matched. */
	assert_true(harness_wait_log(&h, "GET \"/ca.cer\" 200", 3000));
	assert_true(harness_wait_log(&h, "GET \"/%2Fca.cer\" 404", 3000));
}

/* RFC 9110 9.1 and 15.5.6: 501 for a method this server does not
 * recognise, 405 with Allow for one it does but not for that path. */
static void
test_methods(void **state)
{
	static const struct {
		const char *method, *path;
		int status;
		const char *allow;
	} cases[] = {
		{"BREW", "/ca.cer", 501, NULL},
		{"get", "/ca.cer", 501, NULL}, /* methods are case-sensitive */
		{"PROPFIND", "/", 501, NULL},
		{"BREW", "/trust/confirm", 501, NULL},
		{"PUT", "/ca.cer", 405, "GET, HEAD"},
		{"DELETE", "/", 405, "GET, HEAD"},
		{"OPTIONS", "/ca.cer", 405, "GET, HEAD"},
		{"TRACE", "/", 405, "GET, HEAD"},
		{"PATCH", "/ca.cer", 405, "GET, HEAD"},
		{"POST", "/ca.cer", 405, "GET, HEAD"},
		{"CONNECT", "/ca.cer", 405, "GET, HEAD"},
		{"GET", "/trust/confirm", 405, "POST"},
		{"PUT", "/trust/confirm", 405, "POST"},
	};
	struct hreq q = {.interface = "127.0.0.1"};
	struct hres m;
	char req[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: x\r\n" CLOSE, cases[i].method,
			 cases[i].path);
		assert_int_equal(raw_send_str(h.port, req, &r), 0);
		if (r.status != cases[i].status || raw_status_lines(&r) != 1 ||
		    !r.closed ||
		    (cases[i].allow == NULL
			     ? raw_header(&r, "Allow") != NULL
			     : raw_header(&r, "Allow") == NULL ||
				       strcmp(raw_header(&r, "Allow"),
					      cases[i].allow) != 0))
			fail_msg("%s %s: want %d%s%s and a close, got:\n%s",
				 cases[i].method, cases[i].path,
				 cases[i].status,
				 cases[i].allow ? " with Allow: " : "",
				 cases[i].allow ? cases[i].allow : "", r.bytes);
		assert_string_equal(raw_header(&r, "X-Content-Type-Options"),
				    "nosniff");
		printf("# %-8s %-16s -> %d\n", cases[i].method, cases[i].path,
		       cases[i].status);
	}
	harness_request(&h, "/metrics", &q, &m);
	assert_non_null(strstr(m.body.data, "code=\"501\"} 4\n"));
	hres_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absolute_form),
		cmocka_unit_test(test_unreserved),
		cmocka_unit_test(test_methods),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
