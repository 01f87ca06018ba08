/* SPDX-License-Identifier: MIT */
/* Request targets and methods, on raw sockets: 501 for a method this
 * server does not implement and 405 with Allow for one not allowed
 * here. */
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

#define CLOSE "Connection: close\r\n\r\n"

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
		cmocka_unit_test(test_methods),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
