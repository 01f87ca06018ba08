/* SPDX-License-Identifier: MIT */
/* Request framing and request-line/header validation, on raw sockets: each
 * refused request gets one status line and a close, and the request
 * smuggled behind it is never answered. */
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

#include "check.h"
#include "harness.h"
#include "testca.h"

/* What a front end that frames differently would pass on as a second
 * request: the certificate, if we answered it. */
#define SMUGGLED "GET /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n"
#define SMUGGLED_LEN "33"
/* The same request padded to 60 bytes, the shape of issue 9. */
#define SMUGGLED60                                                             \
	"GET /ca.cer HTTP/1.1\r\nHost: x\r\nX: aaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
_Static_assert(sizeof(SMUGGLED) - 1 == 33, "SMUGGLED_LEN");
_Static_assert(sizeof(SMUGGLED60) - 1 == 60, "SMUGGLED60");

#define GET_CA "GET /ca.cer HTTP/1.1\r\nHost: x\r\n"

static struct harness h;
static unsigned char *der;
static int der_len;

static int
setup(void **state)
{
	struct testca_tls t;

	(void)state;
	harness_init(&h);
	if (testca_tls_files(h.dir, "Framing Test Root", &t) == -1)
		return -1;
	der_len = testca_der(t.root, &der);
	testca_tls_free(&t);
	if (der_len == -1)
		return -1;
	/* Access lines go to the daemon's log, for the method test. */
	return harness_start_conf(
		&h, "[server]\nlisten = 127.0.0.1:0\nserver_name = x\n"
		    "[ca \"root\"]\nfile = root.pem\n"
		    "[access]\nallow = 127.0.0.0/8\n");
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

struct refusal {
	const char *name;
	const char *req;
	size_t len; /* exact, NULs included */
	int status;
	/*
	 * libmicrohttpd answers this one itself, before certpost sees the
	 * request. 0.9.75 then writes its status line and headers twice
	 * (parse_connection_headers() queues the error, and the state
	 * machine goes on to build the reply's header again), so two copies
	 * of the same status line are allowed; nothing else is.
	 */
	bool by_mhd;
};

#define REFUSE(name, lit)                                                      \
	{                                                                      \
		name, lit, sizeof(lit) - 1, 400, false                         \
	}
#define REFUSE_MHD(name, lit, status)                                          \
	{                                                                      \
		name, lit, sizeof(lit) - 1, status, true                       \
	}
/* Status 0: libmicrohttpd closes the connection without a word. */
#define CLOSED_BY_MHD(name, lit) REFUSE_MHD(name, lit, 0)

/*
 * Where the two libmicrohttpd lines differ (docs/http.md). 1.0, at client
 * discipline 1, refuses a NUL in the request line by closing, and a NUL,
 * bare LF or obs-fold in the header section, or a second space in the
 * request line, with its own 400. 0.9.75 accepts them and hides the bytes
 * from its API (its C strings end at the NUL; bare LF and folds are
 * normalised), so the request is answered as it normalised it: status
 * 200, pinned so the documentation stays true.
 */
#if MHD_VERSION >= 0x00097701
#define LINE_NUL(name, lit) CLOSED_BY_MHD(name, lit)
#define HIDDEN(name, lit) REFUSE_MHD(name, lit, 400)
#else
#define LINE_NUL(name, lit) REFUSE_MHD(name, lit, 200)
#define HIDDEN(name, lit) REFUSE_MHD(name, lit, 200)
#endif

/* One refusal with the expected status, a close, and nothing answered
 * after it: the certificate is never in the reply. */
static void
expect_refused(const struct refusal *c)
{
	static char out[65536];
	struct hreq opt = {.interface = "127.0.0.2"};
	bool closed = false;
	char want[32];
	size_t lines;
	struct hres r;
	long got;

	snprintf(want, sizeof(want), "HTTP/1.1 %d ", c->status);
	got = harness_raw_eof(h.port, c->req, c->len, out, sizeof(out), 3000,
			      &closed);
	if (c->status == 0) {
		if (got != 0 || !closed)
			fail_msg("%s: want a close without a reply, got %ld "
				 "bytes%s",
				 c->name, got, closed ? "" : " (left open)");
		goto still_serving;
	}
	if (got <= 0)
		fail_msg("%s: no reply (%ld)", c->name, got);
	if (c->status == 200) {
		/* 0.9.75 normalised it: answered, and nothing to refuse. */
		if (strncmp(out, want, strlen(want)) != 0)
			fail_msg("%s: want %s, got %.40s", c->name, want, out);
		goto still_serving;
	}
	lines = count_mem(out, (size_t)got, "HTTP/1.");
	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("%s: want %s, got %.40s", c->name, want, out);
	if (lines != 1 && !(c->by_mhd && lines == 2 &&
			    count_mem(out, (size_t)got, want) == 2))
		fail_msg("%s: %zu status lines in the reply (a request after "
			 "it was answered)",
			 c->name, lines);
	if (memmem(out, (size_t)got, der, (size_t)der_len) != NULL)
		fail_msg("%s: the certificate was sent", c->name);
	if (strstr(out, "\r\nConnection: close\r\n") == NULL)
		fail_msg("%s: no Connection: close", c->name);
	if (!closed)
		fail_msg("%s: the connection was left open", c->name);
still_serving:
	printf("# %-44s -> %d%s\n", c->name, c->status,
	       c->by_mhd ? " (libmicrohttpd)" : "");
	/* And the daemon goes on serving others. */
	harness_request(&h, "/ca.cer", &opt, &r);
	if (r.status != 200 || r.body.len != (size_t)der_len)
		fail_msg("after %s: status %ld", c->name, r.status);
	hres_free(&r);
}

static void
expect_all(const struct refusal *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		expect_refused(&cases[i]);
}

#define EXPECT_ALL(cases) expect_all(cases, sizeof(cases) / sizeof(cases[0]))

/* RFC 9112 6.3: one Content-Length of 1*DIGIT, or nothing is framed. */
static void
test_content_length(void **state)
{
	static const struct refusal cases[] = {
		REFUSE("differing duplicates 0 and 60",
		       GET_CA "Content-Length: 0\r\nContent-Length: "
			      "60\r\n\r\n" SMUGGLED60),
		REFUSE("differing duplicates 0 and " SMUGGLED_LEN, GET_CA
		       "Content-Length: 0\r\nContent-Length: " SMUGGLED_LEN
		       "\r\n\r\n" SMUGGLED),
		REFUSE("differing duplicates " SMUGGLED_LEN " and 0",
		       GET_CA "Content-Length: " SMUGGLED_LEN
			      "\r\nContent-Length: 0\r\n\r\n" SMUGGLED),
		REFUSE("equal duplicates 0 and 0",
		       GET_CA "Content-Length: 0\r\nContent-Length: "
			      "0\r\n\r\n" SMUGGLED),
		REFUSE("duplicates, other case", GET_CA
		       "Content-Length: 0\r\ncontent-length: " SMUGGLED_LEN
		       "\r\n\r\n" SMUGGLED),
		REFUSE("0, then +33", GET_CA
		       "Content-Length: 0\r\nContent-Length: +" SMUGGLED_LEN
		       "\r\n\r\n" SMUGGLED),
		REFUSE("0, then -1",
		       GET_CA "Content-Length: 0\r\nContent-Length: "
			      "-1\r\n\r\n" SMUGGLED),
		REFUSE("0, then 0x21",
		       GET_CA "Content-Length: 0\r\nContent-Length: "
			      "0x21\r\n\r\n" SMUGGLED),
		REFUSE("0, then empty", GET_CA
		       "Content-Length: 0\r\nContent-Length:\r\n\r\n" SMUGGLED),
		REFUSE("21 digits (libmicrohttpd reads 33)",
		       GET_CA "Content-Length: 0000000000000000000" SMUGGLED_LEN
			      "\r\n\r\n" SMUGGLED),
		REFUSE("20 zeros", GET_CA
		       "Content-Length: 00000000000000000000\r\n\r\n" SMUGGLED),
		REFUSE("a body on HEAD", "HEAD /ca.cer HTTP/1.1\r\nHost: "
					 "x\r\nContent-Length: " SMUGGLED_LEN
					 "\r\n\r\n" SMUGGLED),
		/* Alone, these are libmicrohttpd's to refuse. */
		REFUSE_MHD("+33",
			   GET_CA "Content-Length: +" SMUGGLED_LEN
				  "\r\n\r\n" SMUGGLED,
			   400),
		REFUSE_MHD("-1", GET_CA "Content-Length: -1\r\n\r\n" SMUGGLED,
			   400),
		REFUSE_MHD("0x21",
			   GET_CA "Content-Length: 0x21\r\n\r\n" SMUGGLED, 400),
		REFUSE_MHD("' 33 '",
			   GET_CA "Content-Length:  " SMUGGLED_LEN
				  " \r\n\r\n" SMUGGLED,
			   400),
		REFUSE_MHD("3 3", GET_CA "Content-Length: 3 3\r\n\r\n" SMUGGLED,
			   400),
		REFUSE_MHD("5,5", GET_CA "Content-Length: 5,5\r\n\r\n" SMUGGLED,
			   400),
		REFUSE_MHD("empty", GET_CA "Content-Length:\r\n\r\n" SMUGGLED,
			   400),
		REFUSE_MHD(
			"more than 2^64-1",
			GET_CA
			"Content-Length: 99999999999999999999\r\n\r\n" SMUGGLED,
			413),
	};

	(void)state;
	EXPECT_ALL(cases);
}

/* certpost reads no body, so any Transfer-Encoding is refused. */
static void
test_transfer_encoding(void **state)
{
	static const struct refusal cases[] = {
		REFUSE("chunked on GET",
		       GET_CA "Transfer-Encoding: chunked\r\n\r\n"
			      "21\r\n" SMUGGLED "\r\n0\r\n\r\n" SMUGGLED),
		REFUSE("chunked on HEAD",
		       "HEAD /ca.cer HTTP/1.1\r\nHost: x\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
		REFUSE("gzip on GET",
		       GET_CA "Transfer-Encoding: gzip\r\n\r\n" SMUGGLED),
		REFUSE("empty on GET",
		       GET_CA "Transfer-Encoding:\r\n\r\n" SMUGGLED),
		REFUSE("with Content-Length: 0",
		       GET_CA "Content-Length: 0\r\nTransfer-Encoding: "
			      "chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
		REFUSE("twice", GET_CA
		       "Transfer-Encoding: identity\r\n"
		       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
		REFUSE("chunked on POST",
		       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
		       "chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
	};

	(void)state;
	EXPECT_ALL(cases);
}

/* RFC 9110 5.1 / RFC 9112 5.1: a field name is a token, and whitespace
 * before the colon MUST be refused. */
static void
test_header_names(void **state)
{
	static const struct refusal cases[] = {
		REFUSE("'Content-Length : 33'", GET_CA
		       "Content-Length : " SMUGGLED_LEN "\r\n\r\n" SMUGGLED),
		REFUSE("'Transfer-Encoding : chunked'",
		       GET_CA "Transfer-Encoding : chunked\r\n\r\n"
			      "21\r\n" SMUGGLED "\r\n0\r\n\r\n"),
		REFUSE("tab before the colon", GET_CA
		       "Content-Length\t: " SMUGGLED_LEN "\r\n\r\n" SMUGGLED),
		REFUSE("vertical tab before the colon", GET_CA
		       "Content-Length\x0b: " SMUGGLED_LEN "\r\n\r\n" SMUGGLED),
		REFUSE("space inside the name", GET_CA
		       "Content Length: " SMUGGLED_LEN "\r\n\r\n" SMUGGLED),
		REFUSE("'@' in the name", GET_CA "X@y: 1\r\n\r\n" SMUGGLED),
		REFUSE("'(' in the name", GET_CA "X(y): 1\r\n\r\n" SMUGGLED),
		REFUSE("'/' in the name", GET_CA "X/y: 1\r\n\r\n" SMUGGLED),
		REFUSE("'\"' in the name", GET_CA "X\"y: 1\r\n\r\n" SMUGGLED),
		REFUSE("a byte above 0x7f in the name",
		       GET_CA "X\xc3\xa9: 1\r\n\r\n" SMUGGLED),
		REFUSE("empty name", "GET /ca.cer HTTP/1.1\r\n: 1\r\nHost: "
				     "x\r\n\r\n" SMUGGLED),
		REFUSE("whitespace before the first header",
		       "GET /ca.cer HTTP/1.1\r\n X: 1\r\nHost: "
		       "x\r\n\r\n" SMUGGLED),
		/* The Host it sees is "Host " (no Host): libmicrohttpd's. */
		REFUSE_MHD("'Host : x'",
			   "GET /ca.cer HTTP/1.1\r\nHost : x\r\n\r\n" SMUGGLED,
			   400),
	};

	(void)state;
	EXPECT_ALL(cases);
}

/* What libmicrohttpd's C strings hide: a NUL, a bare LF, an obs-fold, a
 * dropped line. 1.0 refuses them; 0.9.75 normalises them where its API
 * cannot show it, so a front proxy must refuse them (docs/http.md). */
static void
test_header_section(void **state)
{
	static const struct refusal cases[] = {
		HIDDEN("obs-fold hiding a Content-Length", GET_CA
		       "Content-Length:\r\n " SMUGGLED_LEN "\r\n\r\n" SMUGGLED),
		HIDDEN("obs-fold", GET_CA "X-A: a\r\n b\r\n\r\n" SMUGGLED),
		HIDDEN("NUL in a value", GET_CA "X-A: a\0b\r\n\r\n" SMUGGLED),
		HIDDEN("NUL in Content-Length", GET_CA
		       "Content-Length: 0\0" SMUGGLED_LEN "\r\n\r\n" SMUGGLED),
		/* 0.9.75 ends the line at the LF and so sees a body on a
		 * GET: certpost's 400 there, libmicrohttpd's on 1.0. */
		REFUSE("bare LF inside a field",
		       GET_CA "X-A: 1\nContent-Length: " SMUGGLED_LEN
			      "\r\n\r\n" SMUGGLED),
		HIDDEN("bare LF everywhere",
		       "GET /ca.cer HTTP/1.1\nHost: x\n\n" SMUGGLED),
		HIDDEN("bare LF after the request line",
		       "GET /ca.cer HTTP/1.1\nHost: x\r\n\r\n" SMUGGLED),
		HIDDEN("empty name after a field",
		       GET_CA ": 1\r\nContent-Length: " SMUGGLED_LEN
			      "\r\n\r\n" SMUGGLED),
	};

	(void)state;
	EXPECT_ALL(cases);
}

/* RFC 9110 9.1: the method is a token. libmicrohttpd hands it over as a C
 * string, so a NUL hides the rest of it from certpost: 1.0 closes such a
 * request line, 0.9.75 passes the part before the NUL. */
static void
test_method(void **state)
{
	static const struct refusal cases[] = {
		LINE_NUL("'GET\\0junk'", "GET\0junk /ca.cer HTTP/1.1\r\nHost: "
					 "x\r\n\r\n" SMUGGLED),
		LINE_NUL("'HEAD\\0'",
			 "HEAD\0 /ca.pem HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		LINE_NUL("'GET\\0'",
			 "GET\0 /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		REFUSE("control byte",
		       "G\x01T /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		REFUSE("DEL",
		       "GET\x7f /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		REFUSE("'@'",
		       "G@T /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		REFUSE("'('",
		       "GE(T /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		REFUSE("byte above 0x7f",
		       "GET\xff /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
		HIDDEN("two spaces after the method",
		       "GET  /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	};
	static const char ctl[] = "G\x01T /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n";
	char out[1024];

	(void)state;
	EXPECT_ALL(cases);
	/* The access log gets the method with its bad bytes replaced. */
	(void)harness_raw(h.port, ctl, sizeof(ctl) - 1, out, sizeof(out), 3000);
	assert_true(harness_wait_log(&h, " G?T \"/ca.cer\" 400 ", 3000));
}

/* RFC 9112 3.2: certpost is an origin server: origin-form, and
 * absolute-form of http or https without user information
 * (test_target.c serves it). */
static const struct refusal target_cases[] = {
	REFUSE("'@evil.example/x'",
	       "GET @evil.example/x HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("'evil.example/x'",
	       "GET evil.example/x HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("absolute-form with user information",
	       "GET http://u@x/ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("absolute-form of another scheme",
	       "GET ftp://x/ca.cer HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("authority-form",
	       "GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("asterisk-form on GET",
	       "GET * HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("asterisk-form on OPTIONS",
	       "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("query only", "GET ?x=1 HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	LINE_NUL("NUL after the path",
		 "GET /ca.cer\0junk HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	LINE_NUL("NUL in the query",
		 "GET /ca.cer?a\0b HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
	REFUSE("control byte in the query",
	       "GET /ca.cer?\x01 HTTP/1.1\r\nHost: x\r\n\r\n" SMUGGLED),
};

static void
test_target(void **state)
{
	(void)state;
	EXPECT_ALL(target_cases);
}

/* With redirect_https, a target not starting with "/" once became
 * Location: https://host:port@evil.example/x. A daemon of its own,
 * stopped by its teardown whether the test passed or not. */
static struct harness redirect;

static void
test_target_redirect(void **state)
{
	static const char evil[] =
		"GET @evil.example/x HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char good[] = "GET /ca.cer HTTP/1.1\r\nHost: x\r\n\r\n";
	char out[4096];
	long got;

	(void)state;
	harness_init(&redirect);
	snprintf(out, sizeof(out),
		 "[server]\nlisten = 127.0.0.1:0\nserver_name = x\n"
		 "https_listen = 127.0.0.1:0\ntls_cert = %s\ntls_key = %s\n"
		 "redirect_https = yes\npublic_url = http://ca.example/\n"
		 "[ca \"root\"]\nfile = %s\n[access]\nallow = 127.0.0.0/8\n"
		 "[log]\naccess_log = no\n",
		 harness_path(&h, "tls.pem"), harness_path(&h, "tls.key"),
		 harness_path(&h, "root.pem"));
	assert_int_equal(harness_start_conf(&redirect, out), 0);
	got = harness_raw(redirect.port, evil, sizeof(evil) - 1, out,
			  sizeof(out), 3000);
	assert_true(got > 0);
	assert_memory_equal(out, "HTTP/1.1 400 ", 13);
	assert_null(strstr(out, "Location:"));
	/* The redirect itself still works. */
	got = harness_raw(redirect.port, good, sizeof(good) - 1, out,
			  sizeof(out), 1000);
	assert_true(got > 0);
	assert_memory_equal(out, "HTTP/1.1 301 ", 13);
	assert_non_null(strstr(out, "\r\nLocation: https://ca.example:"));
}

static int
teardown_redirect(void **state)
{
	(void)state;
	return harness_finish(&redirect) == 0 ? 0 : -1;
}

/* What stays accepted: the checks above must not cost a normal client. */
static void
test_accepted(void **state)
{
	static const char req[] =
		GET_CA "Content-Length: 0\r\n\r\n"
		       "GET /ca.cer?x=1&y=%41 HTTP/1.1\r\nHost: x\r\n"
		       "X-A!#$%&'*+-.^_`|~09: v\r\n\r\n"
		       "HEAD /ca.pem HTTP/1.1\r\nHost: x\r\n"
		       "Connection: close\r\n\r\n";
	static char out[65536];
	bool closed = false;
	long got;

	(void)state;
	got = harness_raw_eof(h.port, req, sizeof(req) - 1, out, sizeof(out),
			      3000, &closed);
	assert_true(got > 0);
	/* Three answers on one connection, then the close asked for. */
	assert_int_equal(count_mem(out, (size_t)got, "HTTP/1.1 200 OK\r\n"), 3);
	assert_int_equal(count_mem(out, (size_t)got, "HTTP/1."), 3);
	assert_int_equal(count_mem(out, (size_t)got, "-----BEGIN"), 0);
	assert_true(closed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_transfer_encoding),
		cmocka_unit_test(test_header_names),
		cmocka_unit_test(test_header_section),
		cmocka_unit_test(test_method),
		cmocka_unit_test(test_target),
		cmocka_unit_test_teardown(test_target_redirect,
					  teardown_redirect),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
