/* SPDX-License-Identifier: MIT */
/* Compressed pages: gzip for clients that take it, the same bytes once
 * inflated, one ETag per form, never for a download. */
/* memmem() */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

#define IPHONE                                                                 \
	"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS "     \
	"X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "            \
	"Mobile/15E148 Safari/604.1"
/* What Safari sends. */
#define SAFARI_AE "Accept-Encoding: gzip, deflate, br"

static struct harness h;
static unsigned char *der;
static int der_len;

/* Starts the daemon and waits for its compressor: the gzip forms are
 * made after it is ready (http_gzip.c). */
static int
start_and_compress(const char *conf)
{
	if (harness_start_conf(&h, conf) != 0 ||
	    !harness_wait_log(&h, "gzip forms made", 10000))
		return -1;
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Gzip Test Root",
				   harness_path(&h, "root.pem"), &der);
	if (der_len == -1)
		return -1;
	return start_and_compress("[server]\nlisten = 127.0.0.1:0\n"
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

/* Inflates a gzip body; the bytes, or an empty buf when it is not one
 * whole gzip stream. */
static struct buf
gunzip(const struct buf *in)
{
	struct buf out = {0};
	unsigned char chunk[16384];
	z_stream z = {0};
	int rc = Z_OK;

	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return out;
	z.next_in = (Bytef *)in->data;
	z.avail_in = (uInt)in->len;
	while (rc == Z_OK) {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_OK || rc == Z_STREAM_END)
			assert_int_equal(
				buf_append(&out, chunk,
					   sizeof(chunk) - z.avail_out),
				0);
	}
	if (rc != Z_STREAM_END || z.avail_in != 0)
		buf_free(&out);
	inflateEnd(&z);
	return out;
}

static void
get(const char *path, const char *const *headers, bool head, struct hres *r)
{
	struct hreq o = {.headers = headers, .method = head ? "HEAD" : NULL};

	harness_request(&h, path, &o, r);
	assert_true(r->status != 0);
}

static bool
header_is(const struct hres *r, const char *name, const char *want)
{
	const char *v = hres_header(r, name);

	return want == NULL ? v == NULL : v != NULL && strcmp(v, want) == 0;
}

/* Every text response: gzip when asked, inflating to the identity bytes,
 * with its own ETag and Vary on both forms. */
static void
test_text_forms(void **state)
{
	static const struct {
		const char *path, *vary;
	} paths[] = {
		{"/", "User-Agent, Accept-Language, Accept-Encoding"},
		{"/static/style.css", "Accept-Encoding"},
		{"/static/check.js", "Accept-Encoding"},
		{"/qr.svg", "Accept-Encoding"},
		{"/helpdesk", "Accept-Language, Accept-Encoding"},
		{"/admin", "Accept-Encoding"},
	};
	const char *plain[] = {IPHONE, NULL};
	const char *gz[] = {IPHONE, SAFARI_AE, NULL};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		struct hres id, z, hd;
		struct buf inflated;
		char etag[80];

		get(paths[i].path, plain, false, &id);
		get(paths[i].path, gz, false, &z);
		get(paths[i].path, gz, true, &hd);
		assert_int_equal(id.status, 200);
		assert_int_equal(z.status, 200);
		assert_true(header_is(&id, "Content-Encoding", NULL));
		assert_true(header_is(&z, "Content-Encoding", "gzip"));
		assert_true(header_is(&id, "Vary", paths[i].vary));
		assert_true(header_is(&z, "Vary", paths[i].vary));
		assert_true(header_is(&id, "Content-Type",
				      hres_header(&z, "Content-Type")));
		/* Worth it: at least a tenth smaller. */
		assert_true(z.body.len <= id.body.len - id.body.len / 10);
		inflated = gunzip(&z.body);
		assert_int_equal(inflated.len, id.body.len);
		assert_memory_equal(inflated.data, id.body.data, id.body.len);
		buf_free(&inflated);
		/* "<hash>" and "<hash>-gz" */
		snprintf(etag, sizeof(etag), "%.*s-gz\"",
			 (int)strlen(hres_header(&id, "ETag")) - 1,
			 hres_header(&id, "ETag"));
		assert_true(header_is(&z, "ETag", etag));
		/* HEAD: the gzip form's length, no body. */
		assert_int_equal(hd.status, 200);
		assert_true(header_is(&hd, "Content-Encoding", "gzip"));
		assert_int_equal(
			strtoul(hres_header(&hd, "Content-Length"), NULL, 10),
			z.body.len);
		assert_int_equal(hd.body.len, 0);
		hres_free(&id);
		hres_free(&z);
		hres_free(&hd);
	}
}

/* If-None-Match is compared with the ETag of the form that would be
 * sent. */
static void
test_revalidation(void **state)
{
	const char *gz[] = {IPHONE, SAFARI_AE, NULL};
	char inm_gz[120], inm_id[120];
	struct hres id, z, r;

	(void)state;
	get("/static/style.css", NULL, false, &id);
	get("/static/style.css", gz, false, &z);
	snprintf(inm_id, sizeof(inm_id), "If-None-Match: %s",
		 hres_header(&id, "ETag"));
	snprintf(inm_gz, sizeof(inm_gz), "If-None-Match: %s",
		 hres_header(&z, "ETag"));
	{
		const char *hd[] = {SAFARI_AE, inm_gz, NULL};

		get("/static/style.css", hd, false, &r);
		assert_int_equal(r.status, 304);
		assert_true(header_is(&r, "ETag", hres_header(&z, "ETag")));
		assert_true(header_is(&r, "Vary", "Accept-Encoding"));
		assert_int_equal(r.body.len, 0);
		hres_free(&r);
	}
	{
		/* A cache holding the plain form, now asking with gzip. */
		const char *hd[] = {SAFARI_AE, inm_id, NULL};

		get("/static/style.css", hd, false, &r);
		assert_int_equal(r.status, 200);
		assert_true(header_is(&r, "Content-Encoding", "gzip"));
		hres_free(&r);
	}
	{
		/* And the other way round. */
		const char *hd[] = {inm_gz, NULL};

		get("/static/style.css", hd, false, &r);
		assert_int_equal(r.status, 200);
		assert_true(header_is(&r, "Content-Encoding", NULL));
		assert_int_equal(r.body.len, id.body.len);
		hres_free(&r);
	}
	{
		const char *hd[] = {inm_id, NULL};

		get("/static/style.css", hd, false, &r);
		assert_int_equal(r.status, 304);
		hres_free(&r);
	}
	hres_free(&id);
	hres_free(&z);
}

/* What the header says decides, weights and wildcards included. */
static void
test_accept_encoding_values(void **state)
{
	static const struct {
		const char *ae;
		bool gzip;
	} cases[] = {
		{"Accept-Encoding: gzip", true},
		{"Accept-Encoding: GZIP;Q=0.5", true},
		{"Accept-Encoding: x-gzip", true},
		{"Accept-Encoding: *", true},
		{"Accept-Encoding: gzip;q=0", false},
		{"Accept-Encoding: *, gzip;q=0", false},
		{"Accept-Encoding: gzip;q=2", false},
		{"Accept-Encoding: br, deflate", false},
		{"Accept-Encoding: identity", false},
		/* Nothing acceptable: identity all the same, never 406
		 * (RFC 9110 12.5.3 lets a server disregard the field; a
		 * certificate page is better than an error). */
		{"Accept-Encoding: identity;q=0", false},
		{"Accept-Encoding: identity;q=0, *;q=0", false},
		{"Accept-Encoding: identity;q=0, gzip", true},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const char *hd[] = {cases[i].ae, NULL};
		struct hres r;

		get("/static/style.css", hd, false, &r);
		assert_int_equal(r.status, 200);
		if (!header_is(&r, "Content-Encoding",
			       cases[i].gzip ? "gzip" : NULL))
			fail_msg("%s: want %s", cases[i].ae,
				 cases[i].gzip ? "gzip" : "identity");
		hres_free(&r);
	}
}

/* Two Accept-Encoding lines are one list (a lookup would see only the
 * first), sent raw so that no client library merges them. */
static void
test_two_lines(void **state)
{
	static const char req[] = "GET /static/style.css HTTP/1.1\r\n"
				  "Host: localhost\r\n"
				  "Accept-Encoding: br\r\n"
				  "Accept-Encoding: gzip\r\n"
				  "Connection: close\r\n\r\n";
	static const char refused[] = "GET /static/style.css HTTP/1.1\r\n"
				      "Host: localhost\r\n"
				      "Accept-Encoding: gzip\r\n"
				      "Accept-Encoding: gzip;q=0\r\n"
				      "Connection: close\r\n\r\n";
	char out[16384];
	long n;

	(void)state;
	n = harness_raw(h.port, req, sizeof(req) - 1, out, sizeof(out), 5000);
	assert_true(n > 12 && memcmp(out, "HTTP/1.1 200", 12) == 0);
	assert_non_null(
		memmem(out, (size_t)n, "\r\nContent-Encoding: gzip\r\n", 26));
	n = harness_raw(h.port, refused, sizeof(refused) - 1, out, sizeof(out),
			5000);
	assert_true(n > 12 && memcmp(out, "HTTP/1.1 200", 12) == 0);
	assert_null(memmem(out, (size_t)n, "Content-Encoding", 16));
}

/* A download is saved, not shown: never compressed, whatever is asked. */
static void
test_downloads_plain(void **state)
{
	static const char *const paths[] = {"/ca.cer",		"/ca.crt",
					    "/ca.pem",		"/ca.p7b",
					    "/ca.mobileconfig", "/root.cer"};
	const char *gz[] = {IPHONE, "Accept-Encoding: gzip, *", NULL};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		struct hres r;

		get(paths[i], gz, false, &r);
		assert_int_equal(r.status, 200);
		assert_true(header_is(&r, "Content-Encoding", NULL));
		assert_null(hres_header(&r, "Vary"));
		if (strcmp(paths[i], "/ca.cer") == 0 ||
		    strcmp(paths[i], "/root.cer") == 0) {
			assert_int_equal(r.body.len, der_len);
			assert_memory_equal(r.body.data, der, der_len);
		}
		hres_free(&r);
	}
}

/* The gzip bytes, and so their ETag, are the same after a reload (the
 * reload reuses them) and after a restart. */
static void
test_stable_across_reload(void **state)
{
	const char *gz[] = {IPHONE, SAFARI_AE, NULL};
	struct hres a, b;

	(void)state;
	get("/", gz, false, &a);
	assert_int_equal(kill(h.pid, SIGHUP), 0);
	assert_true(harness_wait_log(&h, "reloaded in", 10000));
	get("/", gz, false, &b);
	assert_true(header_is(&b, "ETag", hres_header(&a, "ETag")));
	assert_int_equal(a.body.len, b.body.len);
	assert_memory_equal(a.body.data, b.body.data, a.body.len);
	hres_free(&b);
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(harness_start_config(&h), 0);
	assert_true(harness_wait_log(&h, "gzip forms made", 10000));
	get("/", gz, false, &b);
	assert_true(header_is(&b, "ETag", hres_header(&a, "ETag")));
	assert_memory_equal(a.body.data, b.body.data, a.body.len);
	hres_free(&a);
	hres_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_forms),
		cmocka_unit_test(test_revalidation),
		cmocka_unit_test(test_accept_encoding_values),
		cmocka_unit_test(test_two_lines),
		cmocka_unit_test(test_downloads_plain),
		cmocka_unit_test(test_stable_across_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
