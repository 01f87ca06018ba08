/* SPDX-License-Identifier: MIT */
/* Unit tests for what cert reads from a certificate: facts, fingerprints,
 * warnings; and the PKCS#7 bundle cert_p7b() writes. */
#include "pki/pki.h"
#include "testca.h"
#include "testcert.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#define DAY 86400L
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The group's certificates (testcert.h). */
static X509 *const *const fx_cert = testcert_x509;
static const struct testcert_spec *const fx_specs = testcert_specs;

static void
test_root_facts(void **state)
{
	struct cert *c = testcert_load_one("root.pem");
	unsigned char *der = NULL;
	int n;

	(void)state;
	assert_string_equal(c->subject, "CN=Test Root A,O=certpost tests");
	assert_string_equal(c->issuer, c->subject);
	assert_string_equal(c->common_name, "Test Root A");
	assert_true(c->is_ca);
	assert_true(c->self_signed);
	assert_false(c->sha1_signature);
	assert_string_equal(c->key_type, "EC");
	assert_int_equal(c->key_bits, 256);
	assert_int_equal(c->not_after - c->not_before, 365 * DAY);
	assert_true(c->not_before <= time(NULL) - DAY + 60);
	n = testca_der(fx_cert[FX_ROOT], &der);
	assert_int_equal(c->der_len, n);
	assert_memory_equal(c->der, der, c->der_len);
	assert_int_equal(strncmp(c->pem, "-----BEGIN CERTIFICATE-----\n", 28),
			 0);
	assert_int_equal(strlen(c->pem), c->pem_len);
	OPENSSL_free(der);
	cert_list_free(c, 1);
}

static void
hex_of(const unsigned char *md, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 3 * i, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

static void
test_fingerprints(void **state)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der;
	unsigned int mdlen;
	char hex[EVP_MAX_MD_SIZE * 3], err[256];
	struct cert *c;
	size_t n;
	int i, len;

	(void)state;
	for (i = 0; i < FX_COUNT; i++) {
		der = NULL;
		len = testca_der(fx_cert[i], &der);
		assert_true(len > 0);
		if (cert_load_mem(der, (size_t)len, fx_specs[i].cn, &c, &n, err,
				  sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_true(X509_digest(fx_cert[i], EVP_sha256(), md, &mdlen));
		assert_int_equal(mdlen, 32);
		assert_memory_equal(c->sha256, md, 32);
		hex_of(md, 32, hex);
		assert_string_equal(c->sha256_hex, hex);
		assert_true(X509_digest(fx_cert[i], EVP_sha1(), md, &mdlen));
		assert_int_equal(mdlen, 20);
		assert_memory_equal(c->sha1, md, 20);
		hex_of(md, 20, hex);
		assert_string_equal(c->sha1_hex, hex);
		cert_list_free(c, n);
		OPENSSL_free(der);
	}
}

static const struct warn_case {
	enum testcert_fx fx;
	size_t want_n;
	const char *want; /* in one of the warnings */
} warn_cases[] = {
	{FX_ROOT, 0, NULL},
	{FX_ROOT2, 0, NULL},
	{FX_SELF_LEAF, 1, "not a CA certificate"},
	{FX_LEAF, 2,
	 "not self-signed, so not a root; issued by CN=Test Root A"},
	{FX_EXPIRED, 1, "expired on "},
	{FX_EXPIRING, 1, "expires in 10 days, on "},
	{FX_NOT_YET, 1, "not valid until "},
	{FX_RSA1024, 1, "RSA key of 1024 bits"},
	{FX_SHA1, 1, "signed with SHA-1"},
	{FX_SAME_NAME, 1, "not self-signed"},
	{FX_NO_CN, 1, "no Subject CN: iPhone and iPad do not list it"},
	{FX_NO_KCS, 1, "keyUsage without keyCertSign"},
};

static struct cert *
load_x509(X509 *x)
{
	unsigned char *der = NULL;
	struct cert *c = NULL;
	size_t n;
	char err[256];
	int len = testca_der(x, &der);

	if (len <= 0 || cert_load_mem(der, (size_t)len, "fixture", &c, &n, err,
				      sizeof(err)) != 0)
		fail_msg("fixture: %s", err);
	OPENSSL_free(der);
	return c;
}

static void
test_warnings_table(void **state)
{
	char w[CERT_MAX_WARNINGS][CERT_WARN_LEN];
	const struct warn_case *wc;
	struct cert *c;
	size_t i, j, n;
	bool found;

	(void)state;
	for (i = 0; i < N_ELEMS(warn_cases); i++) {
		wc = &warn_cases[i];
		c = load_x509(fx_cert[wc->fx]);
		n = cert_warnings(c, time(NULL), w, CERT_MAX_WARNINGS);
		found = wc->want == NULL;
		for (j = 0; j < n; j++)
			found = found || strstr(w[j], wc->want) != NULL;
		if (n != wc->want_n || !found)
			fail_msg("%s: want %zu warnings with \"%s\", got %zu "
				 "(first: \"%s\")",
				 fx_specs[wc->fx].cn, wc->want_n,
				 wc->want ? wc->want : "", n, n ? w[0] : "");
		cert_list_free(c, 1);
	}
}

static void
test_warnings_facts_and_max(void **state)
{
	char w[1][CERT_WARN_LEN];
	struct cert *c;

	(void)state;
	c = load_x509(fx_cert[FX_RSA1024]);
	assert_string_equal(c->key_type, "RSA");
	assert_int_equal(c->key_bits, 1024);
	cert_list_free(c, 1);
	c = load_x509(fx_cert[FX_SHA1]);
	assert_true(c->sha1_signature);
	cert_list_free(c, 1);
	c = load_x509(fx_cert[FX_LEAF]);
	assert_false(c->is_ca);
	assert_false(c->self_signed);
	assert_string_equal(c->issuer, "CN=Test Root A,O=certpost tests");
	assert_int_equal(cert_warnings(c, time(NULL), w, 1), 1);
	assert_int_equal(cert_warnings(c, time(NULL), w, 0), 0);
	cert_list_free(c, 1);
}

static void
test_p7b_round_trip(void **state)
{
	const struct cert *ptrs[3];
	struct cert *certs = NULL, *back = NULL;
	const unsigned char *p;
	unsigned char *der = NULL;
	size_t i, n = 0, len = 0, n_back = 0;
	STACK_OF(X509) *sk = NULL;
	PKCS7 *p7;
	char err[256];

	(void)state;
	if (cert_load_file(testcert_path("bundle3.pem"), &certs, &n, err,
			   sizeof(err)) != 0)
		fail_msg("%s", err);
	for (i = 0; i < n; i++)
		ptrs[i] = &certs[i];
	if (cert_p7b(ptrs, n, &der, &len, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	p = der;
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, (long)len));
	assert_ptr_equal(p, der + len);
	assert_true(PKCS7_type_is_signed(p7));
	sk = p7->d.sign->cert;
	assert_int_equal(sk_X509_num(sk), 3);
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info), 0);
	/* No content at all, as crl2pkcs7 writes it, not an empty one. */
	assert_int_equal(PKCS7_get_detached(p7), 1);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, (int)i),
					  fx_cert[FX_ROOT + i]),
				 0);
	if (cert_load_mem(der, len, "p7b", &back, &n_back, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(n_back, 3);
	assert_string_equal(back[2].sha256_hex, certs[2].sha256_hex);
	cert_list_free(back, n_back);
	PKCS7_free(p7);
	free(der);
	cert_list_free(certs, n);
}

static void
test_p7b_empty(void **state)
{
	unsigned char *der = NULL;
	size_t len = 0;
	char err[128];

	(void)state;
	assert_int_equal(cert_p7b(NULL, 0, &der, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no certificates"));
	assert_null(der);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_facts),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_warnings_table),
		cmocka_unit_test(test_warnings_facts_and_max),
		cmocka_unit_test(test_p7b_round_trip),
		cmocka_unit_test(test_p7b_empty),
	};

	return cmocka_run_group_tests(tests, testcert_setup, testcert_teardown);
}
