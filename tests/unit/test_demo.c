/* SPDX-License-Identifier: MIT */
/* Unit tests for demo: the generated root is a proper CA, the leaf verifies for
 * localhost under it. */
#include "pki/pki.h"
#include "ops/ops.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#define DAY 86400L
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static struct demo demo;
static X509 *root, *leaf;

static X509 *
parse_pem(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x = NULL;

	if (bio != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

static int
group_setup(void **state)
{
	char err[256];

	(void)state;
	if (demo_generate(&demo, err, sizeof(err)) != 0) {
		fprintf(stderr, "demo_generate: %s\n", err);
		return -1;
	}
	if ((root = parse_pem(demo.root_pem)) == NULL ||
	    (leaf = parse_pem(demo.leaf_pem)) == NULL)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	X509_free(root);
	X509_free(leaf);
	demo_finish(&demo);
	return 0;
}

static bool
ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

static void
test_root_is_ca(void **state)
{
	char w[CERT_MAX_WARNINGS][CERT_WARN_LEN], err[256];
	struct cert *c = NULL;
	size_t n = 0;

	(void)state;
	if (cert_load_mem(demo.root_pem, strlen(demo.root_pem), "demo root", &c,
			  &n, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 1);
	assert_string_equal(c->common_name, DEMO_CA_NAME);
	assert_string_equal(c->subject,
			    "CN=certpost Demo Root CA,O=certpost demo");
	assert_true(c->is_ca);
	assert_true(c->self_signed);
	assert_string_equal(c->key_type, "EC");
	assert_int_equal(c->key_bits, 256);
	assert_int_equal(cert_warnings(c, time(NULL), w, CERT_MAX_WARNINGS), 0);
	/* One year, give or take the few minutes of back-dating. */
	assert_true(c->not_after - c->not_before >= 365 * DAY);
	assert_true(c->not_after - c->not_before <= 365 * DAY + 3600);
	cert_list_free(c, n);
}

static void
test_root_extensions(void **state)
{
	(void)state;
	assert_true(ext_critical(root, NID_basic_constraints));
	assert_true(ext_critical(root, NID_key_usage));
	assert_int_equal(X509_get_key_usage(root),
			 KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_non_null(X509_get0_subject_key_id(root));
	assert_int_equal(X509_get_signature_nid(root), NID_ecdsa_with_SHA256);
	assert_int_equal(X509_check_ca(root), 1);
}

static void
test_leaf_fields(void **state)
{
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(leaf);
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(root);
	time_t start = time(NULL) - 3600, end = time(NULL) + 3600;
	const ASN1_TIME *na = X509_get0_notAfter(leaf);

	(void)state;
	assert_int_equal(X509_check_ca(leaf), 0);
	assert_true(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER);
	assert_true(X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE);
	assert_non_null(akid);
	assert_int_equal(ASN1_OCTET_STRING_cmp(akid, skid), 0);
	assert_int_equal(X509_get_signature_nid(leaf), NID_ecdsa_with_SHA256);
	assert_int_equal(X509_check_issued(root, leaf), X509_V_OK);
	/* 90 days from now: after now + 89 days, before now + 91 days. */
	start += 89 * DAY;
	end += 90 * DAY;
	assert_int_equal(X509_cmp_time(na, &start), 1);
	assert_int_equal(X509_cmp_time(na, &end), -1);
}

static const struct verify_case {
	const char *name;
	bool ip;
	bool ok;
} verify_cases[] = {
	{"localhost", false, true}, {"127.0.0.1", true, true},
	{"::1", true, true},	    {"example.com", false, false},
	{"10.0.0.1", true, false},
};

static int
verify_leaf(X509 *anchor, const struct verify_case *vc)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	int ok = -1;

	if (store == NULL || ctx == NULL ||
	    X509_STORE_add_cert(store, anchor) != 1 ||
	    X509_STORE_CTX_init(ctx, store, leaf, NULL) != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	if (X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER) != 1)
		goto out;
	if (vc->ip ? X509_VERIFY_PARAM_set1_ip_asc(param, vc->name) != 1
		   : X509_VERIFY_PARAM_set1_host(param, vc->name, 0) != 1)
		goto out;
	ok = X509_verify_cert(ctx);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}

static void
test_leaf_verifies(void **state)
{
	const struct verify_case *vc;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(verify_cases); i++) {
		vc = &verify_cases[i];
		if ((verify_leaf(root, vc) == 1) != vc->ok)
			fail_msg("%s: want %s", vc->name,
				 vc->ok ? "verified" : "refused");
	}
}

static void
test_leaf_refused_by_other_root(void **state)
{
	struct demo other = {0};
	X509 *other_root;
	char err[256];

	(void)state;
	if (demo_generate(&other, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_not_equal(other.root_pem, demo.root_pem);
	assert_non_null(other_root = parse_pem(other.root_pem));
	assert_int_not_equal(
		ASN1_INTEGER_cmp(X509_get0_serialNumber(root),
				 X509_get0_serialNumber(other_root)),
		0);
	assert_int_equal(verify_leaf(other_root, &verify_cases[0]), 0);
	X509_free(other_root);
	demo_finish(&other);
	assert_null(other.root_pem);
	assert_null(other.leaf_key_pem);
	demo_finish(&other); /* twice is harmless */
}

static void
test_leaf_key_matches(void **state)
{
	BIO *bio = BIO_new_mem_buf(demo.leaf_key_pem, -1);
	EVP_PKEY *k;

	(void)state;
	assert_non_null(bio);
	assert_int_equal(
		strncmp(demo.leaf_key_pem, "-----BEGIN PRIVATE KEY-----\n", 28),
		0);
	assert_non_null(k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL));
	assert_int_equal(X509_check_private_key(leaf, k), 1);
	assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(root), k), 1);
	EVP_PKEY_free(k);
	BIO_free(bio);
	ERR_clear_error();
	/* What is served must not carry the key. */
	assert_null(strstr(demo.root_pem, "PRIVATE KEY"));
	assert_null(strstr(demo.leaf_pem, "PRIVATE KEY"));
}

static void
test_finish_zeroed(void **state)
{
	struct demo d = {0};

	(void)state;
	demo_finish(&d);
	demo_finish(NULL);
	assert_null(d.root_pem);
	assert_null(d.leaf_pem);
	assert_null(d.leaf_key_pem);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_is_ca),
		cmocka_unit_test(test_root_extensions),
		cmocka_unit_test(test_leaf_fields),
		cmocka_unit_test(test_leaf_verifies),
		cmocka_unit_test(test_leaf_refused_by_other_root),
		cmocka_unit_test(test_leaf_key_matches),
		cmocka_unit_test(test_finish_zeroed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
