/* SPDX-License-Identifier: MIT */
/* Unit tests for profile_expected_label(): the label at a given time, the
 * chain it found, and its earliest notAfter, which is when "Verified"
 * stops being true. */
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "pki/pki.h"
#include "testca.h"

/* A public root, an intermediate that expires first, a signer. */
static X509 *root, *inter, *signer;
static EVP_PKEY *root_key, *inter_key, *signer_key;
static struct cert *c_inter, *c_signer, *c_root;
static X509_STORE *roots;
static time_t t0;

static struct cert *
load(X509 *x)
{
	unsigned char *der = NULL;
	struct cert *c = NULL;
	char err[256];
	size_t n;
	int len = testca_der(x, &der);

	assert_true(len > 0);
	if (cert_load_mem(der, (size_t)len, "test", &c, &n, err, sizeof(err)) !=
	    0)
		fail_msg("%s", err);
	OPENSSL_free(der);
	return c;
}

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Label Root", .ca = true};
	struct testca_opts io = {.cn = "Label Intermediate",
				 .ca = true,
				 .start_offset_s = -3600,
				 .lifetime_s = 3600 + 1000};
	struct testca_opts so = {.cn = "Label Signer",
				 .start_offset_s = -3600,
				 .lifetime_s = 3600 + 2000};

	(void)state;
	t0 = time(NULL);
	if (testca_make(&ro, &root, &root_key) == -1)
		return -1;
	io.issuer = root;
	io.issuer_key = root_key;
	if (testca_make(&io, &inter, &inter_key) == -1)
		return -1;
	so.issuer = inter;
	so.issuer_key = inter_key;
	if (testca_make(&so, &signer, &signer_key) == -1)
		return -1;
	c_root = load(root);
	c_inter = load(inter);
	c_signer = load(signer);
	roots = X509_STORE_new();
	return X509_STORE_add_cert(roots, root) == 1 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	X509_STORE_free(roots);
	cert_list_free(c_root, 1);
	cert_list_free(c_inter, 1);
	cert_list_free(c_signer, 1);
	X509_free(root);
	X509_free(inter);
	X509_free(signer);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(signer_key);
	return 0;
}

static void
judge(time_t now, const struct cert *const *served, size_t nserved,
      struct profile_verdict *v)
{
	const struct profile_signing s = {
		.signer = c_signer,
		.chain = c_inter,
		.nchain = 1,
		.served = served,
		.nserved = nserved,
		.roots = roots,
		.roots_name = "trust_store roots.pem",
		.now = now,
	};

	profile_expected_label(&s, v);
}

/* Verified until the intermediate expires; the chain found is signer,
 * sign_chain, root, and its earliest notAfter the intermediate's. */
static void
test_until_first_not_after(void **state)
{
	struct profile_verdict v;

	(void)state;
	judge(t0, NULL, 0, &v);
	assert_int_equal(v.label, PROFILE_VERIFIED);
	assert_non_null(strstr(v.why, "Label Root in trust_store roots.pem"));
	assert_int_equal(v.npath, 3);
	assert_int_equal(v.path[0].from, PROFILE_LINK_SIGNER);
	assert_int_equal(v.path[1].from, PROFILE_LINK_CHAIN);
	assert_int_equal(v.path[2].from, PROFILE_LINK_STORE);
	assert_string_equal(v.path[0].subject, c_signer->subject);
	assert_string_equal(v.path[1].subject, c_inter->subject);
	assert_string_equal(v.path[2].subject, c_root->subject);
	assert_int_equal(v.path[1].not_after, c_inter->not_after);
	assert_int_equal(v.path[2].not_after, c_root->not_after);
	assert_int_equal(v.not_after, c_inter->not_after);
	assert_true(v.not_after < c_signer->not_after);

	judge(c_inter->not_after - 1, NULL, 0, &v);
	assert_int_equal(v.label, PROFILE_VERIFIED);
	/* The second after it, every verifier agrees it has expired; the
	 * path is still told. */
	judge(c_inter->not_after + 1, NULL, 0, &v);
	assert_int_equal(v.label, PROFILE_NOT_VERIFIED);
	assert_non_null(strstr(v.why, "certificate has expired"));
	assert_int_equal(v.npath, 3);
	assert_int_equal(v.not_after, c_inter->not_after);
}

/* The root being one of the served CAs: its link says so. */
static void
test_served_root(void **state)
{
	const struct cert *served[1] = {c_root};
	struct profile_verdict v;

	(void)state;
	judge(t0, served, 1, &v);
	assert_int_equal(v.label, PROFILE_NOT_VERIFIED);
	assert_non_null(strstr(v.why, "one of the served CAs"));
	assert_int_equal(v.npath, 3);
	assert_int_equal(v.path[2].from, PROFILE_LINK_SERVED);
}

/* Unsigned: no chain, no date. */
static void
test_unsigned(void **state)
{
	const struct profile_signing s = {.now = t0};
	struct profile_verdict v;

	(void)state;
	profile_expected_label(&s, &v);
	assert_int_equal(v.label, PROFILE_NOT_SIGNED);
	assert_int_equal(v.npath, 0);
	assert_int_equal(v.not_after, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_until_first_not_after),
		cmocka_unit_test(test_served_root),
		cmocka_unit_test(test_unsigned),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
