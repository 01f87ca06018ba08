/* SPDX-License-Identifier: MIT */
/* The real daemon serves every path of the URL map with the right bytes and
 * headers. */
/* memmem() */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
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

static struct harness h;
static X509 *root, *second;
static unsigned char *root_der, *second_der;
static int root_der_len, second_der_len;

static const char config_text[] = "[server]\n"
				  "listen = 127.0.0.1:0\n"
				  "public_url = http://ca.test.example/\n"
				  "\n"
				  "[ca \"test-root\"]\n"
				  "name = Test Root CA\n"
				  "file = root.pem\n"
				  "\n"
				  "[ca \"second\"]\n"
				  "name = Second <CA> & Co\n"
				  "file = second.der\n"
				  "\n"
				  "[profile]\n"
				  "organization = Example Test Org\n"
				  "identifier = org.example.test\n"
				  "\n"
				  "[access]\n"
				  "allow = 127.0.0.0/8\n"
				  "allow = ::1\n";

static int
setup(void **state)
{
	struct testca_opts o1 = {
		.cn = "Test Root CA", .ca = true, .rsa_bits = 2048};
	struct testca_opts o2 = {.cn = "Second Root", .ca = true};
	EVP_PKEY *k1, *k2;

	(void)state;
	harness_init(&h);
	if (testca_make(&o1, &root, &k1) || testca_make(&o2, &second, &k2))
		return -1;
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
	if (testca_write_pem(harness_path(&h, "root.pem"), root) ||
	    testca_write_der(harness_path(&h, "second.der"), second))
		return -1;
	root_der_len = testca_der(root, &root_der);
	second_der_len = testca_der(second, &second_der);
	harness_write(&h, "certpost.conf", config_text);
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	int rc = harness_stop(&h);

	(void)state;
	OPENSSL_free(root_der);
	OPENSSL_free(second_der);
	X509_free(root);
	X509_free(second);
	harness_cleanup(&h);
	/* Exit 0 after SIGTERM: a leak or crash at stop fails the suite. */
	return rc == 0 ? 0 : -1;
}

static void
get(const char *path, const struct hreq *opt, struct hres *res)
{
	harness_request(&h, path, opt, res);
	assert_int_equal(res->curl_code, 0);
}

static void
assert_header(const struct hres *r, const char *name, const char *want)
{
	const char *v = hres_header(r, name);

	if (v == NULL)
		fail_msg("missing header %s", name);
	assert_string_equal(v, want);
}

static void
assert_security_headers(const struct hres *r)
{
	const char *csp;

	assert_header(r, "X-Content-Type-Options", "nosniff");
	assert_header(r, "Referrer-Policy", "no-referrer");
	assert_header(r, "X-Frame-Options", "DENY");
	csp = hres_header(r, "Content-Security-Policy");
	assert_non_null(csp);
	assert_non_null(strstr(csp, "default-src 'none'"));
	/* No external source anywhere in the policy. */
	assert_null(strstr(csp, "http:"));
}

static void
check_download(const char *path, const char *type, const char *filename,
	       const void *body, size_t len)
{
	struct hres r;
	char disp[128];
	const char *etag;

	get(path, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", type);
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	assert_header(&r, "Content-Disposition", disp);
	assert_header(&r, "Cache-Control", "no-cache");
	etag = hres_header(&r, "ETag");
	assert_non_null(etag);
	assert_int_equal(etag[0], '"'); /* strong: no W/ */
	assert_security_headers(&r);
	assert_int_equal(r.body.len, len);
	assert_memory_equal(r.body.data, body, len);
	hres_free(&r);
}

static void
test_der_downloads(void **state)
{
	(void)state;
	check_download("/ca.cer", "application/x-x509-ca-cert", "test-root.cer",
		       root_der, (size_t)root_der_len);
	check_download("/ca.crt", "application/x-x509-ca-cert", "test-root.crt",
		       root_der, (size_t)root_der_len);
	check_download("/test-root.cer", "application/x-x509-ca-cert",
		       "test-root.cer", root_der, (size_t)root_der_len);
	check_download("/second.cer", "application/x-x509-ca-cert",
		       "second.cer", second_der, (size_t)second_der_len);
	check_download("/second.crt", "application/x-x509-ca-cert",
		       "second.crt", second_der, (size_t)second_der_len);
}

static void
test_pem_downloads(void **state)
{
	struct hres r;
	BIO *bio;
	X509 *x;

	(void)state;
	get("/ca.pem", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/x-pem-file");
	assert_header(&r, "Content-Disposition",
		      "attachment; filename=\"test-root.pem\"");
	bio = BIO_new_mem_buf(r.body.data, (int)r.body.len);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	assert_int_equal(X509_cmp(x, root), 0);
	X509_free(x);
	BIO_free(bio);
	hres_free(&r);

	get("/second.pem", NULL, &r);
	assert_int_equal(r.status, 200);
	bio = BIO_new_mem_buf(r.body.data, (int)r.body.len);
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	assert_non_null(x);
	assert_int_equal(X509_cmp(x, second), 0);
	X509_free(x);
	BIO_free(bio);
	hres_free(&r);
}

static void
test_p7b(void **state)
{
	const unsigned char *p;
	STACK_OF(X509) * certs;
	struct hres r;
	PKCS7 *p7;

	(void)state;
	get("/ca.p7b", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/x-pkcs7-certificates");
	assert_header(&r, "Content-Disposition",
		      "attachment; filename=\"ca.p7b\"");
	p = (const unsigned char *)r.body.data;
	p7 = d2i_PKCS7(NULL, &p, (long)r.body.len);
	assert_non_null(p7);
	assert_true(PKCS7_type_is_signed(p7));
	certs = p7->d.sign->cert;
	assert_int_equal(sk_X509_num(certs), 2);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 0), root), 0);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 1), second), 0);
	PKCS7_free(p7);
	hres_free(&r);
}

/* Runs a python3 one-off on a file of the response body; python3 is there
 * wherever meson is. Returns its stdout. */
static void
python_on(const struct hres *r, const char *script, struct buf *out)
{
	const char *file = harness_path(&h, "body.bin");
	char cmd[2048], chunk[1024];
	FILE *f = fopen(file, "wb"), *p;
	size_t n;

	assert_non_null(f);
	assert_int_equal(fwrite(r->body.data, 1, r->body.len, f), r->body.len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' '%s'", script, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(out, chunk, n);
	assert_int_equal(pclose(p), 0);
}

static void
sha256_hex(const unsigned char *d, size_t len, char *out)
{
	unsigned char md[32];
	unsigned i;

	EVP_Digest(d, len, md, NULL, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void
test_mobileconfig(void **state)
{
	static const char script[] =
		"import plistlib,sys,hashlib\n"
		"p=plistlib.load(open(sys.argv[1],\"rb\"))\n"
		"print(p[\"PayloadType\"], p[\"PayloadOrganization\"])\n"
		"for c in p[\"PayloadContent\"]:\n"
		"  print(c[\"PayloadType\"], "
		"hashlib.sha256(c[\"PayloadContent\"]).hexdigest())\n";
	char want[512], h1[65], h2[65];
	struct buf out = {0};
	struct hres r;

	(void)state;
	get("/ca.mobileconfig", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/x-apple-aspen-config");
	assert_header(&r, "Content-Disposition",
		      "attachment; filename=\"ca.mobileconfig\"");
	python_on(&r, script, &out);
	sha256_hex(root_der, (size_t)root_der_len, h1);
	sha256_hex(second_der, (size_t)second_der_len, h2);
	snprintf(want, sizeof(want),
		 "Configuration Example Test Org\n"
		 "com.apple.security.root %s\n"
		 "com.apple.security.root %s\n",
		 h1, h2);
	assert_string_equal(out.data, want);
	buf_free(&out);
	hres_free(&r);
}

/* "AB:CD:..." of the certificate, as OpenSSL computes it. */
static void
fingerprint(X509 *x, char *out, char sep)
{
	unsigned char md[32];
	unsigned int n = 0, i;

	X509_digest(x, EVP_sha256(), md, &n);
	for (i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%c", md[i], sep);
	out[3 * n - 1] = '\0';
}

static void
test_json(void **state)
{
	static const char script[] = "import json,sys\n"
				     "d=json.load(open(sys.argv[1]))\n"
				     "print(d[\"organization\"])\n"
				     "for c in d[\"cas\"]:\n"
				     "  print(c[\"slug\"], c[\"name\"], "
				     "c[\"primary\"], c[\"sha256\"], "
				     "c[\"downloads\"][\"cer\"])\n";
	char fp1[100], fp2[100], want[1024];
	struct buf out = {0};
	struct hres r;

	(void)state;
	get("/ca.json", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "application/json");
	assert_null(hres_header(&r, "Content-Disposition"));
	python_on(&r, script, &out);
	fingerprint(root, fp1, ':');
	fingerprint(second, fp2, ':');
	snprintf(want, sizeof(want),
		 "Example Test Org\n"
		 "test-root Test Root CA True %s "
		 "http://ca.test.example/test-root.cer\n"
		 "second Second <CA> & Co False %s "
		 "http://ca.test.example/second.cer\n",
		 fp1, fp2);
	assert_string_equal(out.data, want);
	buf_free(&out);
	hres_free(&r);
}

/* The body with every tag removed, to search the text a person reads. */
static void
strip_tags(const char *html, struct buf *out)
{
	bool in_tag = false;

	for (; *html != '\0'; html++) {
		if (*html == '<')
			in_tag = true;
		else if (*html == '>')
			in_tag = false;
		else if (!in_tag)
			buf_append(out, html, 1);
	}
	buf_append(out, "", 0);
}

static void
test_page(void **state)
{
	const char *const iphone[] = {
		"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac "
		"OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
		"Mobile/15E148 Safari/604.1",
		NULL};
	struct hreq opt = {.headers = iphone};
	struct buf text = {0};
	char fp[100];
	struct hres r;

	(void)state;
	get("/", &opt, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_header(&r, "Vary", "User-Agent, Accept-Language, Accept-Encoding");
	assert_header(&r, "Cache-Control", "no-cache");
	assert_security_headers(&r);
	assert_non_null(strstr(hres_header(&r, "Content-Security-Policy"),
			       "script-src 'self'"));
	/* The fingerprint as the iPhone shows it: pairs and spaces. */
	fingerprint(root, fp, ' ');
	strip_tags(r.body.data, &text);
	if (strstr(text.data, fp) == NULL)
		fail_msg("fingerprint %s not in page text (%zu bytes): %.300s",
			 fp, text.len,
			 strstr(text.data, "Test Root CA Primary"));
	buf_free(&text);
	assert_non_null(strstr(r.body.data, "Second &lt;CA&gt; &amp; Co"));
	assert_null(strstr(r.body.data, "Second <CA>"));
	assert_non_null(strstr(r.body.data, "Example Test Org"));
	assert_non_null(strstr(r.body.data, "href=\"/ca.cer\""));
	assert_null(strstr(r.body.data, "{{"));
	hres_free(&r);
}

static void
test_small_paths(void **state)
{
	struct hres r;

	(void)state;
	get("/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
	assert_string_equal(r.body.data, "ok\n");
	assert_security_headers(&r);
	hres_free(&r);

	get("/static/style.css", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/css; charset=utf-8");
	assert_true(r.body.len > 0);
	hres_free(&r);

	get("/qr.svg", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "image/svg+xml");
	assert_non_null(strstr(r.body.data, "<svg"));
	assert_security_headers(&r);
	hres_free(&r);
}

static void
test_conditional(void **state)
{
	char inm[160], weak[160];
	const char *hdr1[] = {inm, NULL}, *hdr2[] = {weak, NULL};
	const char *other[] = {"If-None-Match: \"nope\"", NULL};
	const char *star[] = {"If-None-Match: *", NULL};
	struct hreq o1 = {.headers = hdr1}, o2 = {.headers = hdr2};
	struct hreq o3 = {.headers = other}, o4 = {.headers = star};
	struct hres r;
	char etag[128];

	(void)state;
	get("/ca.cer", NULL, &r);
	snprintf(etag, sizeof(etag), "%s", hres_header(&r, "ETag"));
	hres_free(&r);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);
	snprintf(weak, sizeof(weak), "If-None-Match: \"x\", W/%s", etag);

	get("/ca.cer", &o1, &r);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body.len, 0);
	assert_header(&r, "ETag", etag);
	assert_header(&r, "Cache-Control", "no-cache");
	assert_security_headers(&r);
	hres_free(&r);

	get("/ca.cer", &o2, &r);
	assert_int_equal(r.status, 304);
	hres_free(&r);

	get("/ca.cer", &o4, &r);
	assert_int_equal(r.status, 304);
	hres_free(&r);

	get("/ca.cer", &o3, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, (size_t)root_der_len);
	hres_free(&r);

	/* The same bytes under another URL carry the same validator. */
	get("/test-root.cer", NULL, &r);
	assert_string_equal(hres_header(&r, "ETag"), etag);
	hres_free(&r);
}

static void
test_head(void **state)
{
	struct hreq opt = {.method = "HEAD"};
	char len[32];
	struct hres r;

	(void)state;
	get("/ca.cer", &opt, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	snprintf(len, sizeof(len), "%d", root_der_len);
	assert_header(&r, "Content-Length", len);
	assert_header(&r, "Content-Type", "application/x-x509-ca-cert");
	hres_free(&r);

	get("/", &opt, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 0);
	hres_free(&r);
}

static void
test_methods(void **state)
{
	static const char *const methods[] = {"POST",  "PUT",	  "DELETE",
					      "PATCH", "OPTIONS", "TRACE"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct hreq opt = {.method = methods[i]};
		struct hres r;

		get("/ca.cer", &opt, &r);
		if (r.status != 405)
			fail_msg("%s: status %ld", methods[i], r.status);
		assert_header(&r, "Allow", "GET, HEAD");
		assert_security_headers(&r);
		assert_null(memmem(r.body.data, r.body.len, root_der, 16));
		hres_free(&r);
	}
}

static void
test_not_found(void **state)
{
	static const char *const paths[] = {
		"/nope",
		"/../ca.cer",
		"/%2e%2e/ca.cer",
		/* "%2e" is ".", but "%2f" is not "/" (test_target.c) */
		"/ca%2fcer",
		"/ca.cer%00",
		"/ca.cer%00.txt",
		"//ca.cer",
		"/static/../ca.cer",
		"/ca.cer/",
		"/CA.CER",
		"/static/",
		"/static/index.html",
		"/static/../../etc/passwd",
		"/ca.der",
		"/ca.key",
		"/.git/config",
		"/static/%2e%2e/ca.cer",
		"/ca.cer;",
		"/ca.cer.",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct hres r;

		get(paths[i], NULL, &r);
		if (r.status != 404)
			fail_msg("%s: status %ld", paths[i], r.status);
		assert_header(&r, "Content-Type", "text/html; charset=utf-8");
		assert_security_headers(&r);
		hres_free(&r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_der_downloads),
		cmocka_unit_test(test_pem_downloads),
		cmocka_unit_test(test_p7b),
		cmocka_unit_test(test_mobileconfig),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_small_paths),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_not_found),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
