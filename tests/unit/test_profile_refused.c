/* SPDX-License-Identifier: MIT */
/* Unit tests for what profile_build() and profile_sign() refuse: bad
 * options and arguments, a wrong or unsupported key, a bad chain. */
#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <openssl/evp.h>

#include "pki/pki.h"
#include "testprofile.h"
#include "util.h"

/* The group's certificates (testprofile.h). */
static struct testprofile_fx *const fx = testprofile_fx;

struct build_case {
	const char *name;
	const char *identifier;
	const char *display_name;
	const char *organization;
	const char *description;
	size_t n;
	const char *reason; /* a part of the error */
};

static void
test_build_refused(void **state)
{
	static char long_desc[4098], long_org[258];
	const struct build_case cases[] = {
		{"no certificates", TP_IDENT, "x", NULL, NULL, 0,
		 "0 certificates"},
		{"65 certificates", TP_IDENT, "x", NULL, NULL, 65,
		 "65 certificates"},
		{"no identifier", NULL, "x", NULL, NULL, 1,
		 "identifier is empty"},
		{"space in identifier", "com.example certpost", "x", NULL, NULL,
		 1, "reverse-DNS"},
		{"leading dot", ".com.example", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"double dot", "com..example", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"trailing dot", "com.example.", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"quote in identifier", "com.example\"", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"no display name", TP_IDENT, "", NULL, NULL, 1,
		 "display name is empty"},
		{"control character", TP_IDENT, "x", "Org\x01", NULL, 1,
		 "control"},
		{"overlong UTF-8", TP_IDENT, "x", NULL, "\xC0\xAF", 1, "UTF-8"},
		{"surrogate", TP_IDENT, "x\xED\xB0\x80", NULL, NULL, 1,
		 "UTF-8"},
		{"U+FFFE", TP_IDENT, "x\xEF\xBF\xBE", NULL, NULL, 1, "UTF-8"},
		{"long description", TP_IDENT, "x", NULL, long_desc, 1,
		 "description is 4097 bytes"},
		{"long organization", TP_IDENT, "x", long_org, NULL, 1,
		 "organization is 257 bytes"},
	};
	const struct cert *certs[65];
	struct buf out = {0};
	char err[256];
	size_t i;

	(void)state;
	memset(long_desc, 'd', sizeof(long_desc) - 1);
	memset(long_org, 'o', sizeof(long_org) - 1);
	for (i = 0; i < ARRAY_LEN(certs); i++)
		certs[i] = fx[TP_CA1].cert;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct profile_opts o = {
			.identifier = cases[i].identifier,
			.display_name = cases[i].display_name,
			.organization = cases[i].organization,
			.description = cases[i].description,
		};

		err[0] = '\0';
		if (profile_build(&o, certs, cases[i].n, &out, err,
				  sizeof(err)) != -1)
			fail_msg("%s: accepted", cases[i].name);
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("%s: reason \"%s\"", cases[i].name, err);
		assert_int_equal(out.len, 0);
	}
}

/* NULLs and a certificate without DER are refused, not dereferenced. */
static void
test_build_bad_args(void **state)
{
	struct cert empty;
	const struct cert *none[] = {NULL};
	const struct cert *no_der[] = {&empty};
	struct buf out = {0};
	char err[256];

	(void)state;
	memset(&empty, 0, sizeof(empty));
	assert_int_equal(profile_build(NULL, none, 1, &out, err, sizeof(err)),
			 -1);
	assert_int_equal(profile_build(&testprofile_opts, NULL, 1, &out, err,
				       sizeof(err)),
			 -1);
	assert_int_equal(profile_build(&testprofile_opts, none, 1, &out, err,
				       sizeof(err)),
			 -1);
	assert_string_equal(err, "profile: certificate 1 has no DER");
	assert_int_equal(profile_build(&testprofile_opts, no_der, 1, &out, err,
				       sizeof(err)),
			 -1);
	assert_string_equal(err, "profile: certificate 1 has no DER");
	assert_int_equal(out.len, 0);
}

struct sign_bad {
	const char *name;
	const char *data;
	size_t len;
	const struct cert *signer;
	EVP_PKEY *key;
	const struct cert *chain;
	size_t nchain;
	const char *reason; /* a part of the error */
};

static void
test_sign_refused(void **state)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	const struct cert *s = fx[TP_SELF_SIGNER].cert;
	EVP_PKEY *k = fx[TP_SELF_SIGNER].key;
	struct cert chain[9];
	const struct sign_bad cases[] = {
		{"wrong key", "x", 1, s, fx[TP_CA2].key, NULL, 0, "not match"},
		{"no bytes", "x", 0, s, k, NULL, 0, "0 bytes"},
		{"no data", NULL, 1, s, k, NULL, 0, "1 bytes"},
		{"no signer", "x", 1, NULL, k, NULL, 0, "no signer"},
		{"no key", "x", 1, s, NULL, NULL, 0, "no signer"},
		{"no chain", "x", 1, s, k, NULL, 1, "chain"},
		{"long chain", "x", 1, s, k, chain, 9, "chain"},
		{"Ed25519", "x", 1, s, ed, NULL, 0, "not supported"},
	};
	unsigned char *der = NULL;
	size_t len = 0, i;
	char err[256];

	(void)state;
	assert_non_null(ed);
	for (i = 0; i < ARRAY_LEN(chain); i++)
		chain[i] = *fx[TP_INTER].cert;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct sign_bad *t = &cases[i];

		err[0] = '\0';
		if (profile_sign(t->data, t->len, t->signer, t->key, t->chain,
				 t->nchain, &der, &len, err, sizeof(err)) != -1)
			fail_msg("%s: accepted", t->name);
		if (strstr(err, t->reason) == NULL)
			fail_msg("%s: reason \"%s\"", t->name, err);
		/* outputs are written only on success */
		assert_null(der);
		assert_int_equal(len, 0);
	}
	EVP_PKEY_free(ed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_build_bad_args),
		cmocka_unit_test(test_sign_refused),
	};

	return cmocka_run_group_tests(tests, testprofile_setup,
				      testprofile_teardown);
}
