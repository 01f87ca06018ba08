/* SPDX-License-Identifier: MIT */
/* Conditional requests (RFC 9110 13), on raw sockets: what a 304 carries,
 * byte for byte. */
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_304_length),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
