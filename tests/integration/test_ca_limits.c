/* SPDX-License-Identifier: MIT */
/* The documented limits on CAs: at each limit every certificate is served
 * and measured; one past it is refused by --check-config and at start, with
 * the file and line. The same CA given twice is served once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "check.h"
#include "config/config.h"
#include "harness.h"
#include "testca.h"

static struct harness h;

#define ACCESS "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.0/8\n"
#define LISTEN "[server]\nlisten = 127.0.0.1:0\n"
/* 63 characters, the longest slug: its 32nd certificate is "<slug>-32". */
#define SLUG63 "corporate-root-0123456789-0123456789-0123456789-0123456789-abcd"

/* Writes a PEM file holding n new self-signed CA certificates. */
static int
write_bundle(const char *name, size_t n)
{
	const char *path = harness_path(&h, name);
	char file[PATH_MAX], cn[64];

	snprintf(file, sizeof(file), "%s", path);
	testca_write_file(file, "", 0, false);
	for (size_t i = 0; i < n; i++) {
		struct testca_opts o = {.cn = cn, .ca = true};
		X509 *x;
		EVP_PKEY *k;

		snprintf(cn, sizeof(cn), "Limits %s %zu", name, i + 1);
		if (testca_make(&o, &x, &k) == -1)
			return -1;
		testca_append_pem(file, x);
		X509_free(x);
		EVP_PKEY_free(k);
	}
	return 0;
}

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	if (write_bundle("full-a.pem", CONFIG_MAX_CERTS_PER_FILE) ||
	    write_bundle("full-b.pem", CONFIG_MAX_CERTS_PER_FILE) ||
	    write_bundle("one.pem", 1) ||
	    write_bundle("over.pem", CONFIG_MAX_CERTS_PER_FILE + 1) ||
	    write_bundle("b22.pem", 22))
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_cleanup(&h);
	return 0;
}

static void
get_ok(const char *path, struct hres *r)
{
	harness_request(&h, path, NULL, r);
	if (r->status != 200)
		fail_msg("%s: status %ld", path, r->status);
}

/* Two files of 32 certificates: 64 in all, the limit. Each one is in
 * /ca.p7b, /ca.mobileconfig and /ca.json and has its expiry gauge, the
 * longest generated slug included. */
static void
test_at_limit(void **state)
{
	static const char conf[] =
		LISTEN ACCESS "[ca \"" SLUG63 "\"]\n"
			      "file = full-a.pem\n"
			      "[ca \"b\"]\nfile = full-b.pem\n";
	const char *cfgpath = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", cfgpath, NULL};
	struct buf out = {0};
	struct hres r;
	const unsigned char *p;
	PKCS7 *p7;
	char gauge[160];

	(void)state;
	harness_write(&h, "certpost.conf", conf);
	if (harness_run(check, &out) != 0)
		fail_msg("--check-config refused the limit:\n%s", out.data);
	buf_free(&out);
	assert_int_equal(harness_start_conf(&h, conf), 0);

	get_ok("/ca.p7b", &r);
	p = (const unsigned char *)r.body.data;
	p7 = d2i_PKCS7(NULL, &p, (long)r.body.len);
	assert_non_null(p7);
	assert_int_equal(sk_X509_num(p7->d.sign->cert), CONFIG_MAX_CERTS);
	PKCS7_free(p7);
	hres_free(&r);

	get_ok("/ca.mobileconfig", &r);
	assert_int_equal(count_mem(r.body.data, r.body.len,
				   "<string>com.apple.security.root</string>"),
			 CONFIG_MAX_CERTS);
	hres_free(&r);

	get_ok("/ca.json", &r);
	assert_int_equal(count_mem(r.body.data, r.body.len, "\"sha256\":"),
			 CONFIG_MAX_CERTS);
	assert_contains(r.body.data, "\"slug\":\"" SLUG63 "-32\"", "/ca.json");
	assert_contains(r.body.data, "\"slug\":\"b-32\"", "/ca.json");
	hres_free(&r);

	get_ok("/metrics", &r);
	assert_int_equal(count_mem(r.body.data, r.body.len,
				   "certpost_ca_not_after_timestamp_seconds{"),
			 CONFIG_MAX_CERTS);
	for (int i = 1; i <= CONFIG_MAX_CERTS_PER_FILE; i++) {
		if (i == 1)
			snprintf(gauge, sizeof(gauge), "{ca=\"%s\"}", SLUG63);
		else
			snprintf(gauge, sizeof(gauge), "{ca=\"%s-%d\"}", SLUG63,
				 i);
		assert_contains(r.body.data, gauge, "/metrics");
	}
	hres_free(&r);

	get_ok("/" SLUG63 "-32.cer", &r);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* The number of certificates in a PKCS#7 bundle. */
static int
p7b_count(const struct hres *r)
{
	const unsigned char *p = (const unsigned char *)r->body.data;
	PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)r->body.len);
	int n;

	assert_non_null(p7);
	n = sk_X509_num(p7->d.sign->cert);
	PKCS7_free(p7);
	return n;
}

/*
 * A bundle holding roots A and B, and a [ca] giving B again: B is listed
 * once, under the section that names it, with a warning; the bundle's
 * extra slug still answers with B's bytes.
 */
static void
test_same_ca_twice(void **state)
{
	static const char conf[] = LISTEN ACCESS
		"[ca \"bundle\"]\nfile = pair.pem\n[ca \"b\"]\nfile = b.pem\n";
	static const char warning[] =
		"bundle-2: the same certificate as b (CN=Twice B,O=certpost "
		"tests), configured twice: listed once, as b";
	struct testca_opts oa = {.cn = "Twice A", .ca = true};
	struct testca_opts ob = {.cn = "Twice B", .ca = true};
	const char *cfgpath = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", cfgpath, NULL};
	struct buf out = {0}, b_der = {0};
	X509 *a, *b;
	EVP_PKEY *ka, *kb;
	struct hres r;

	(void)state;
	assert_int_equal(testca_make(&oa, &a, &ka), 0);
	assert_int_equal(testca_make(&ob, &b, &kb), 0);
	testca_write_pem(harness_path(&h, "pair.pem"), a);
	testca_append_pem(harness_path(&h, "pair.pem"), b);
	testca_write_pem(harness_path(&h, "b.pem"), b);
	harness_write(&h, "certpost.conf", conf);
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data, warning, "--check-config");
	assert_int_equal(count_str(out.data, "\nCA "), 2);
	buf_free(&out);
	assert_int_equal(harness_start_conf(&h, conf), 0);
	assert_true(harness_wait_log(&h, warning, 5000));

	get_ok("/ca.p7b", &r);
	assert_int_equal(p7b_count(&r), 2);
	hres_free(&r);
	get_ok("/ca.json", &r);
	assert_int_equal(count_mem(r.body.data, r.body.len, "\"sha256\":"), 2);
	assert_contains(r.body.data, "\"slug\":\"b\"", "/ca.json");
	assert_null(strstr(r.body.data, "bundle-2"));
	hres_free(&r);
	get_ok("/ca.mobileconfig", &r);
	assert_int_equal(count_mem(r.body.data, r.body.len,
				   "<string>com.apple.security.root</string>"),
			 2);
	hres_free(&r);
	get_ok("/metrics", &r);
	assert_int_equal(count_mem(r.body.data, r.body.len,
				   "certpost_ca_not_after_timestamp_seconds{"),
			 2);
	hres_free(&r);
	/* No URL goes away: the extra slug serves B's bytes. */
	get_ok("/b.cer", &r);
	buf_append(&b_der, r.body.data, r.body.len);
	hres_free(&r);
	get_ok("/bundle-2.cer", &r);
	assert_int_equal(r.body.len, b_der.len);
	assert_memory_equal(r.body.data, b_der.data, b_der.len);
	hres_free(&r);
	buf_free(&b_der);
	assert_int_equal(harness_stop(&h), 0);
	X509_free(a);
	X509_free(b);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

struct past_case {
	const char *name;
	const char *config;
	const char *want[2];
};

static const struct past_case past[] = {
	{"65 certificates in all",
	 LISTEN ACCESS "[ca \"a\"]\nfile = full-a.pem\n"
		       "[ca \"b\"]\nfile = full-b.pem\n"
		       "[ca \"c\"]\nfile = one.pem\n",
	 {"certpost.conf:10: [ca \"c\"] file: 1 certificates bring the "
	  "total to 65, more than the 64 served in all"}},
	/* The case: three bundles of 22. */
	{"3 x 22 certificates",
	 LISTEN ACCESS "[ca \"a\"]\nfile = b22.pem\n"
		       "[ca \"b\"]\nfile = b22.pem\n"
		       "[ca \"c\"]\nfile = b22.pem\n",
	 {"certpost.conf:10: [ca \"c\"] file: 22 certificates bring the "
	  "total to 66"}},
	{"33 certificates in one file",
	 LISTEN ACCESS "[ca \"a\"]\nfile = one.pem\n[ca \"b\"]\nfile = "
		       "over.pem\n",
	 {"certpost.conf:8: [ca \"b\"] file: ",
	  "more than 32 certificates in one file"}},
	{"a later certificate's slug is another section's",
	 LISTEN ACCESS "[ca \"a\"]\nfile = b22.pem\n"
		       "[ca \"a-2\"]\nfile = one.pem\n",
	 {"certpost.conf:6: [ca \"a\"] file: ", "[ca \"a-2\"] (line 8)"}},
};

static void
run_refused(const char *name, const char *config, const char *const *want,
	    size_t nwant)
{
	const char *cfgpath = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", cfgpath, NULL};
	const char *start[] = {"--config", cfgpath, NULL};
	struct buf out = {0};
	int status = 0;

	harness_write(&h, "certpost.conf", config);
	if (harness_run(check, &out) != 1)
		fail_msg("%s: --check-config accepted it:\n%s", name, out.data);
	for (size_t j = 0; j < nwant && want[j] != NULL; j++)
		assert_contains(out.data, want[j], name);
	buf_free(&out);
	if (harness_start(&h, start, &status) == 0)
		fail_msg("%s: the daemon started", name);
	harness_log(&h, &out);
	for (size_t j = 0; j < nwant && want[j] != NULL; j++)
		assert_contains(out.data, want[j], name);
	buf_free(&out);
}

static void
test_one_past(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++)
		run_refused(past[i].name, past[i].config, past[i].want, 2);
}

/* 32 sections start; a 33rd is refused at its header. */
static void
test_sections(void **state)
{
	struct buf conf = {0};
	const char *want[] = {"certpost.conf:70: more than 32 CAs", NULL};
	const char *cfgpath = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", cfgpath, NULL};
	struct buf out = {0};

	(void)state;
	buf_puts(&conf, LISTEN ACCESS);
	for (int i = 1; i <= CONFIG_MAX_CA; i++)
		buf_printf(&conf, "[ca \"s%d\"]\nfile = one.pem\n", i);
	harness_write(&h, "certpost.conf", conf.data);
	if (harness_run(check, &out) != 0)
		fail_msg("32 sections refused:\n%s", out.data);
	buf_free(&out);
	buf_printf(&conf, "[ca \"s%d\"]\nfile = one.pem\n", CONFIG_MAX_CA + 1);
	run_refused("33 sections", conf.data, want, 1);
	buf_free(&conf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_at_limit),
		cmocka_unit_test(test_one_past),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_same_ca_twice),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
