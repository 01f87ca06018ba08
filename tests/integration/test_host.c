/* SPDX-License-Identifier: MIT */
/* DNS rebinding: only requests whose Host names this server are answered;
 * another name gets 421, a value that is no Host 400, and neither any
 * certificate bytes. */
/* memmem() */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
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

static struct harness h;
static unsigned char *der;
static int der_len;

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Host Test Root",
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

static void
start(const char *listen)
{
	char conf[1024];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = %s\n"
		 "public_url = http://ca.corp.example:8080/\n"
		 "server_name = certpost.corp.example\n"
		 "server_name = *.pki.corp.example\n"
		 "[ca \"root\"]\nfile = root.pem\n"
		 "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"
		 "deny = 403\n",
		 listen);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

/* GETs path with the Host line given ("Host: ..."); returns the status. */
static long
get_with_host(const char *path, const char *host_line, struct hres *r)
{
	const char *hdrs[] = {host_line, NULL};
	struct hreq opt = {.headers = hdrs, .interface = "127.0.0.1"};

	harness_request(&h, path, &opt, r);
	return r->status;
}

static bool
has_cors_header(const struct hres *r)
{
	return r->headers.data != NULL &&
	       strcasestr(r->headers.data, "Access-Control-Allow") != NULL;
}

static void
test_names_accepted(void **state)
{
	static const char *const ok[] = {
		"Host: ca.corp.example",
		"Host: CA.Corp.Example.",
		"Host: ca.corp.example:8080",
		"Host: ca.corp.example.:8080",
		"Host: certpost.corp.example",
		"Host: a.pki.corp.example",
		"Host: b.c.pki.corp.example:443",
		"Host: localhost",
		"Host: LOCALHOST:1",
		"Host: 127.0.0.1",
	};
	struct hres r;
	char line[64];

	(void)state;
	start("127.0.0.1:0");
	for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
		if (get_with_host("/ca.cer", ok[i], &r) != 200 ||
		    r.body.len != (size_t)der_len ||
		    memcmp(r.body.data, der, (size_t)der_len) != 0)
			fail_msg("%s: status %ld", ok[i], r.status);
		assert_false(has_cors_header(&r));
		hres_free(&r);
	}
	/* The listen address with its port, as curl sends it by default. */
	snprintf(line, sizeof(line), "Host: 127.0.0.1:%d", h.port);
	assert_int_equal(get_with_host("/ca.cer", line, &r), 200);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

static void
test_rebinding_refused(void **state)
{
	static const char *const bad[] = {
		"Host: rebind.attacker.example",
		"Host: ca.corp.example.attacker.example",
		"Host: attacker.example:8080",
		"Host: pki.corp.example", /* the wildcard needs a label */
		"Host: xpki.corp.example",
		"Host: ca.corp.example:99999", /* no such port */
		"Host: ca.corp.example:",
		"Host: ca..corp.example",
		"Host: ca%2Ecorp.example", /* a reg-name, not ours */
		"Host: 127.0.0.2",	   /* an address we do not listen on */
		"Host: 127.1",
		"Host: 0x7f.0.0.1",
		"Host: [::1]",
	};
	/* Not a Host value at all (RFC 9110 7.2: uri-host [":" port], RFC
	 * 3986's host): 400, RFC 9112 3.2. */
	static const char *const invalid[] = {
		"Host: a b",
		"Host: u@h",
		"Host: user@ca.corp.example",
		"Host: h:abc",
		"Host: ca.corp.example:80:80",
		"Host: ca.corp.example/x",
		"Host: ca.corp.example?x",
		"Host: ca.corp.example#x",
		"Host: [::1",
		"Host: ::1",
		"Host: [zz]",
		"Host: ca%zz.corp.example",
		"Host: \"ca.corp.example\"",
	};
	static const char *const paths[] = {"/ca.cer", "/ca.json", "/metrics",
					    "/", "/ca.mobileconfig"};
	struct hres r;

	(void)state;
	start("127.0.0.1:0");
	for (size_t i = 0; i < ARRAY_LEN(bad) + ARRAY_LEN(invalid); i++) {
		bool ok = i < ARRAY_LEN(bad);
		const char *line = ok ? bad[i] : invalid[i - ARRAY_LEN(bad)];
		long want = ok ? 421 : 400;

		for (size_t j = 0; j < ARRAY_LEN(paths); j++) {
			if (get_with_host(paths[j], line, &r) != want)
				fail_msg("%s %s: status %ld, want %ld",
					 paths[j], line, r.status, want);
			assert_null(memmem(r.body.data, r.body.len, der,
					   (size_t)der_len));
			assert_null(strstr(r.body.data, "BEGIN CERT"));
			assert_false(has_cors_header(&r));
			hres_free(&r);
		}
	}
	/* Even /healthz refuses a value that is no Host. */
	assert_int_equal(get_with_host("/healthz", "Host: a b", &r), 400);
	hres_free(&r);
	/* Probes that send an address still reach /healthz. */
	assert_int_equal(get_with_host("/healthz", "Host: 10.9.9.9", &r), 200);
	hres_free(&r);
	assert_true(harness_wait_log(&h, "deny=host", 3000));
	assert_int_equal(get_with_host("/metrics", "Host: localhost", &r), 200);
	/* Both kinds are counted as refused hosts: (13 + 13) * 5 + 1. */
	assert_non_null(strstr(r.body.data, "certpost_denied_total{reason="
					    "\"host\"} 131"));
	assert_non_null(strstr(r.body.data,
			       "certpost_http_requests_total{class=\"other\","
			       "code=\"421\"}"));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

static long
raw_status(const char *req)
{
	char out[4096];

	if (harness_raw(h.port, req, strlen(req), out, sizeof(out), 3000) <= 0)
		return 0;
	if (memmem(out, strlen(out), "BEGIN CERT", 10) != NULL)
		return 200;
	return strncmp(out, "HTTP/1.", 7) == 0 ? strtol(out + 9, NULL, 10) : -1;
}

/* What a client library would not send. */
static void
test_raw_hosts(void **state)
{
	(void)state;
	start("127.0.0.1:0");
	assert_int_equal(raw_status("GET /ca.pem HTTP/1.1\r\nHost: localhost"
				    "\r\nConnection: close\r\n\r\n"),
			 200);
	/* HTTP/1.0 may omit Host: served under the configured name. */
	assert_int_equal(raw_status("GET /ca.pem HTTP/1.0\r\n\r\n"), 200);
	assert_int_equal(raw_status("GET /healthz HTTP/1.0\r\n\r\n"), 200);
	/* With Host, HTTP/1.0 is held to it like HTTP/1.1. */
	assert_int_equal(
		raw_status(
			"GET /ca.pem HTTP/1.0\r\nHost: evil.example\r\n\r\n"),
		421);
	assert_int_equal(
		raw_status("GET /ca.pem HTTP/1.0\r\nHost: a b\r\n\r\n"), 400);
	/* Empty, or a second Host line (RFC 9112 3.2: 400). */
	assert_int_equal(raw_status("GET /ca.pem HTTP/1.1\r\nHost: \r\n\r\n"),
			 421);
	assert_int_equal(raw_status("GET /ca.pem HTTP/1.1\r\nHost: localhost"
				    "\r\nHost: evil.example\r\n\r\n"),
			 400);
	assert_int_equal(raw_status("GET /ca.pem HTTP/1.1\r\nHost: evil."
				    "example\r\nhost: localhost\r\n\r\n"),
			 400);
	/* Whitespace and case around the value. */
	assert_int_equal(
		raw_status("GET /ca.pem HTTP/1.1\r\nhOsT:   "
			   "LocalHost   \r\nConnection: close\r\n\r\n"),
		200);
	assert_int_equal(raw_status("GET /ca.pem HTTP/1.1\r\nHost: local"
				    "host\t.evil\r\n\r\n"),
			 400);
	assert_int_equal(harness_stop(&h), 0);
}

static size_t
occurrences(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/*
 * An HTTP/1.1 request without Host, a field name with a space before the
 * colon, a space inside the target. On libmicrohttpd 0.9.75 they reach
 * certpost, whose 400 carries every security header; 1.0 (client
 * discipline 1) refuses each itself with its own 400 page, which an
 * application cannot dress (docs/http.md). Either way: one status line,
 * Connection: close, and the connection closed.
 */
static void
test_own_400s(void **state)
{
	static const char *const reqs[] = {
		"GET /ca.cer HTTP/1.1\r\n\r\n",
		"GET /ca.cer HTTP/1.1\r\nHost : localhost\r\n\r\n",
		"GET /ca cer HTTP/1.1\r\nHost: localhost\r\n\r\n",
		"GET / ca.cer HTTP/1.1\r\nHost: localhost\r\n\r\n",
	};
#if MHD_VERSION >= 0x00097701
	const bool ours = false;
#else
	const bool ours = true;
#endif
	char out[4096];

	(void)state;
	start("127.0.0.1:0");
	for (size_t i = 0; i < ARRAY_LEN(reqs); i++) {
		bool closed = false;
		long n = harness_raw_eof(h.port, reqs[i], strlen(reqs[i]), out,
					 sizeof(out) - 1, 3000, &closed);

		out[n > 0 ? n : 0] = '\0';
		if (n <= 0 || strncmp(out, "HTTP/1.1 400 ", 13) != 0 ||
		    occurrences(out, "\r\nHTTP/1.") != 0 || !closed ||
		    strstr(out, "Connection: close") == NULL)
			fail_msg("request %zu: got\n%s", i, out);
		if (ours !=
		    (strstr(out, "X-Content-Type-Options: nosniff") != NULL &&
		     strstr(out, "Content-Security-Policy: default-src "
				 "'none'") != NULL))
			fail_msg("request %zu: %s security headers:\n%s", i,
				 ours ? "no" : "unexpected", out);
	}
	assert_int_equal(harness_stop(&h), 0);
}

/* A wildcard listener is reached by every address of the machine. */
static void
test_wildcard_listen(void **state)
{
	struct hres r;

	(void)state;
	start("0.0.0.0:0");
	assert_int_equal(get_with_host("/ca.cer", "Host: 127.0.0.5:80", &r),
			 200);
	hres_free(&r);
	assert_int_equal(get_with_host("/ca.cer", "Host: evil.example", &r),
			 421);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* --check-config lists what is accepted. */
static void
test_check_config_names(void **state)
{
	struct buf out = {0};
	const char *args[] = {"--check-config", "--config",
			      harness_path(&h, "certpost.conf"), NULL};

	(void)state;
	start("127.0.0.1:0");
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_run(args, &out), 0);
	assert_non_null(strstr(out.data,
			       "host names:   ca.corp.example localhost "
			       "certpost.corp.example *.pki.corp.example "
			       "127.0.0.1 (any other Host gets 421)"));
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_accepted),
		cmocka_unit_test(test_rebinding_refused),
		cmocka_unit_test(test_raw_hosts),
		cmocka_unit_test(test_own_400s),
		cmocka_unit_test(test_wildcard_listen),
		cmocka_unit_test(test_check_config_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
