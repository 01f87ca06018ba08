/* SPDX-License-Identifier: MIT */
/* Conditional requests (RFC 9110 13), on raw sockets: the four
 * preconditions in the order 13.2.2 gives them, and what a 304 and a 412
 * carry, byte for byte. */
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
static struct raw_reply r;

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Conditional Test Root", .ca = true};
	struct testca_crl crl = {.number = 3,
				 .nrevoked = 2,
				 .der = true,
				 .this_offset_s = -3600};
	X509 *root;
	EVP_PKEY *key;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &key) == -1)
		return -1;
	crl.issuer = root;
	crl.issuer_key = key;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	testca_write_crl(harness_path(&h, "root.crl"), &crl);
	X509_free(root);
	EVP_PKEY_free(key);
	return harness_start_conf(
		&h, "[server]\nlisten = 127.0.0.1:0\nserver_name = x\n"
		    "watch = no\n[ca \"root\"]\nfile = root.pem\n"
		    "crl = root.crl\n[access]\nallow = 127.0.0.0/8\n"
		    "admin = 127.0.0.1\n");
}

static int
teardown(void **state)
{
	(void)state;
	return harness_finish(&h) == 0 ? 0 : -1;
}

/* METHOD path with the extra header lines (each ending in CRLF), one
 * request on its own connection; the reply is in r. */
static void
ask(const char *method, const char *path, const char *extra)
{
	char req[2048];

	snprintf(req, sizeof(req),
		 "%s %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n",
		 method, path, extra);
	if (raw_send_str(h.port, req, &r) == -1 || !r.closed)
		fail_msg("%s %s: no reply, or the connection stayed open",
			 method, path);
}

/* The 200's Content-Length and ETag for path (with extra headers). */
static void
validators(const char *path, const char *extra, char *len, size_t lenlen,
	   char *etag, size_t etaglen)
{
	ask("GET", path, extra);
	assert_int_equal(r.status, 200);
	snprintf(len, lenlen, "%s", raw_header(&r, "Content-Length"));
	snprintf(etag, etaglen, "%s", raw_header(&r, "ETag"));
	assert_int_equal(raw_body_len(&r), strtoul(len, NULL, 10));
}

/*
 * RFC 9110 8.6: a 304 MUST NOT carry a Content-Length unless it is the
 * 200's. libmicrohttpd adds one from the response's body size on both
 * releases; the 304 is made from the 200's body (never sent), so the two
 * agree: for GET and HEAD, plain and gzip, and for a CRL's per-second
 * caching responses. No body byte follows the 304's header section.
 */
static void
test_304_length(void **state)
{
	static const struct {
		const char *path, *extra;
	} cases[] = {
		{"/ca.cer", ""},
		{"/", "Accept-Encoding: gzip\r\n"},
		{"/", "Accept-Encoding: identity\r\n"},
		{"/root.crl", ""},
	};
	char len[32], etag[128], extra[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		validators(cases[i].path, cases[i].extra, len, sizeof(len),
			   etag, sizeof(etag));
		snprintf(extra, sizeof(extra), "%sIf-None-Match: %s\r\n",
			 cases[i].extra, etag);
		for (int head = 0; head < 2; head++) {
			ask(head ? "HEAD" : "GET", cases[i].path, extra);
			if (r.status != 304 ||
			    raw_header_count(&r, "Content-Length") != 1 ||
			    strcmp(raw_header(&r, "Content-Length"), len) !=
				    0 ||
			    raw_body_len(&r) != 0 || raw_status_lines(&r) != 1)
				fail_msg("%s %s%s: want one 304 with "
					 "Content-Length: %s and no body, "
					 "got:\n%s",
					 head ? "HEAD" : "GET", cases[i].path,
					 cases[i].extra, len, r.bytes);
			assert_string_equal(raw_header(&r, "ETag"), etag);
			assert_null(raw_header(&r, "Content-Type"));
		}
	}
}

/* The CRL's ETag and Last-Modified. */
static char crl_etag[128], crl_lm[64];

static void
crl_validators(void)
{
	char len[32];

	validators("/root.crl", "", len, sizeof(len), crl_etag,
		   sizeof(crl_etag));
	snprintf(crl_lm, sizeof(crl_lm), "%s", raw_header(&r, "Last-Modified"));
}

struct cond_case {
	const char *name;
	const char *path;
	const char *lines; /* header lines, "%E" for the CRL's ETag and "%L"
			      for its Last-Modified */
	int status;
};

/* Expands %E and %L in c->lines. */
static void
expand(const char *in, char *out, size_t outlen)
{
	size_t n = 0;

	for (const char *p = in; *p != '\0' && n + 1 < outlen; p++) {
		const char *sub = NULL;

		if (p[0] == '%' && p[1] == 'E')
			sub = crl_etag;
		else if (p[0] == '%' && p[1] == 'L')
			sub = crl_lm;
		if (sub != NULL) {
			n += (size_t)snprintf(out + n, outlen - n, "%s", sub);
			p++;
		} else {
			out[n++] = *p;
		}
	}
	out[n < outlen ? n : outlen - 1] = '\0';
}

/* A 412 is a prepared error page like the others, sent once. */
static void
assert_412(const char *name, bool head)
{
	if (r.status != 412 || raw_status_lines(&r) != 1)
		fail_msg("%s: want one 412, got:\n%s", name, r.bytes);
	assert_string_equal(raw_header(&r, "Content-Type"),
			    "text/html; charset=utf-8");
	assert_string_equal(raw_header(&r, "Cache-Control"), "no-store");
	assert_string_equal(raw_header(&r, "X-Content-Type-Options"),
			    "nosniff");
	assert_non_null(raw_header(&r, "Content-Security-Policy"));
	if (head)
		assert_int_equal(raw_body_len(&r), 0);
	else
		assert_non_null(
			strstr(r.bytes + r.head,
			       "<title>412 Precondition Failed</title>"));
}

static void
run_cases(const struct cond_case *cases, size_t n)
{
	char lines[1024];

	for (size_t i = 0; i < n; i++) {
		expand(cases[i].lines, lines, sizeof(lines));
		for (int head = 0; head < 2; head++) {
			ask(head ? "HEAD" : "GET", cases[i].path, lines);
			if (r.status != cases[i].status)
				fail_msg("%s (%s): want %d, got:\n%s",
					 cases[i].name, head ? "HEAD" : "GET",
					 cases[i].status, r.bytes);
			if (r.status == 412)
				assert_412(cases[i].name, head);
		}
		printf("# %-52s -> %d\n", cases[i].name, cases[i].status);
	}
}

#define OLD_DATE "Thu, 01 Jan 2015 00:00:00 GMT"
#define NEW_DATE "Fri, 01 Jan 2100 00:00:00 GMT"

/* RFC 9110 13.1.1: If-Match, strong comparison, a list over any number
 * of lines; "*" matches any current representation. */
static void
test_if_match(void **state)
{
	static const struct cond_case cases[] = {
		{"another tag", "/root.crl", "If-Match: \"x\"\r\n", 412},
		{"the tag", "/root.crl", "If-Match: %E\r\n", 200},
		{"*", "/root.crl", "If-Match: *\r\n", 200},
		{"the tag as weak (strong comparison)", "/root.crl",
		 "If-Match: W/%E\r\n", 412},
		{"in a list", "/root.crl", "If-Match: \"x\", %E\r\n", 200},
		{"on a second line", "/root.crl",
		 "If-Match: \"x\"\r\nIf-Match: %E\r\n", 200},
		{"a comma inside a tag", "/root.crl", "If-Match: \"a,%E\"\r\n",
		 412},
		{"empty", "/root.crl", "If-Match:\r\n", 412},
		{"no Last-Modified needed", "/ca.cer", "If-Match: \"x\"\r\n",
		 412},
		{"not the gzip form's tag", "/",
		 "Accept-Encoding: gzip\r\nIf-Match: \"x\"\r\n", 412},
	};

	(void)state;
	crl_validators();
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* RFC 9110 13.1.4: If-Unmodified-Since, only where there is a
 * Last-Modified, only for a valid date. */
static void
test_if_unmodified_since(void **state)
{
	static const struct cond_case cases[] = {
		{"an older date", "/root.crl",
		 "If-Unmodified-Since: " OLD_DATE "\r\n", 412},
		{"an older date, RFC 850 form", "/root.crl",
		 "If-Unmodified-Since: Thursday, 01-Jan-15 00:00:00 GMT\r\n",
		 412},
		{"Last-Modified itself", "/root.crl",
		 "If-Unmodified-Since: %L\r\n", 200},
		{"a later date", "/root.crl",
		 "If-Unmodified-Since: " NEW_DATE "\r\n", 200},
		{"not a date: ignored", "/root.crl",
		 "If-Unmodified-Since: yesterday\r\n", 200},
		{"two lines: not a date, ignored", "/root.crl",
		 "If-Unmodified-Since: " OLD_DATE
		 "\r\nIf-Unmodified-Since: " OLD_DATE "\r\n",
		 200},
		{"no Last-Modified: ignored", "/ca.cer",
		 "If-Unmodified-Since: " OLD_DATE "\r\n", 200},
	};

	(void)state;
	crl_validators();
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* RFC 9110 13.2.2: If-Match, else If-Unmodified-Since; then
 * If-None-Match, else If-Modified-Since. */
static void
test_order(void **state)
{
	static const struct cond_case cases[] = {
		{"If-Match holds: If-Unmodified-Since not read", "/root.crl",
		 "If-Match: %E\r\nIf-Unmodified-Since: " OLD_DATE "\r\n", 200},
		{"If-Match fails before If-None-Match", "/root.crl",
		 "If-Match: \"x\"\r\nIf-None-Match: %E\r\n", 412},
		{"If-Unmodified-Since fails before If-None-Match", "/root.crl",
		 "If-Unmodified-Since: " OLD_DATE "\r\nIf-None-Match: %E\r\n",
		 412},
		{"If-Match holds, then If-None-Match", "/root.crl",
		 "If-Match: %E\r\nIf-None-Match: %E\r\n", 304},
		{"If-Unmodified-Since holds, then If-None-Match", "/root.crl",
		 "If-Unmodified-Since: %L\r\nIf-None-Match: %E\r\n", 304},
		{"If-None-Match misses: If-Modified-Since not read",
		 "/root.crl",
		 "If-None-Match: \"x\"\r\nIf-Modified-Since: %L\r\n", 200},
		{"If-Modified-Since alone", "/root.crl",
		 "If-Modified-Since: %L\r\n", 304},
	};

	(void)state;
	crl_validators();
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* RFC 9110 5.3 and 13.1.2: If-None-Match lines are one list, compared
 * weakly. */
static void
test_if_none_match(void **state)
{
	static const struct cond_case cases[] = {
		{"on a second line", "/root.crl",
		 "If-None-Match: \"x\"\r\nIf-None-Match: %E\r\n", 304},
		{"on a third line, after an empty one", "/root.crl",
		 "If-None-Match: \"x\"\r\nIf-None-Match:\r\n"
		 "If-None-Match: %E\r\n",
		 304},
		{"weak", "/root.crl", "If-None-Match: W/%E\r\n", 304},
		{"*", "/root.crl", "If-None-Match: *\r\n", 304},
		{"another tag", "/root.crl", "If-None-Match: \"x\"\r\n", 200},
		{"a comma inside a tag", "/root.crl",
		 "If-None-Match: \"a,%E\"\r\n", 200},
	};
	struct hreq q = {.interface = "127.0.0.1"};
	struct hres m;

	(void)state;
	crl_validators();
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	/* The 412s above are counted under their own code. */
	harness_request(&h, "/metrics", &q, &m);
	assert_int_equal(m.status, 200);
	assert_non_null(strstr(m.body.data,
			       "certpost_http_requests_total{"
			       "class=\"download\",code=\"412\"}"));
	hres_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_304_length),
		cmocka_unit_test(test_if_match),
		cmocka_unit_test(test_if_unmodified_since),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_if_none_match),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
