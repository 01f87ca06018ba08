/* SPDX-License-Identifier: MIT */
/* Unit tests for profile_sign(): the CMS signature checked with OpenSSL's
 * API and its command, and broken by a changed byte. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki/pki.h"
#include "testprofile.h"
#include "util.h"

/* The group's certificates (testprofile.h). */
static struct testprofile_fx *const fx = testprofile_fx;

/* Fails the current test (or group setup) with OpenSSL's error queue. */
static void
ssl_ok(int ok, const char *what)
{
	if (!ok) {
		ERR_print_errors_fp(stderr);
		fail_msg("%s failed", what);
	}
}

/* One signer, SHA-256, content attached, and the expected certificates. */
static void
check_cms_shape(CMS_ContentInfo *cms, int ncerts)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	ASN1_OCTET_STRING **content = CMS_get0_content(cms);
	const ASN1_OBJECT *obj;
	X509_ALGOR *digest;

	assert_int_equal(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	/* iOS needs the plist inside the signature, not detached */
	assert_true(content != NULL && *content != NULL);
	assert_int_equal(sk_CMS_SignerInfo_num(sis), 1);
	CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, 0), NULL, NULL,
				 &digest, NULL);
	X509_ALGOR_get0(&obj, NULL, NULL, digest);
	assert_int_equal(OBJ_obj2nid(obj), NID_sha256);
	assert_int_equal(sk_X509_num(certs), ncerts);
	sk_X509_pop_free(certs, X509_free);
}

/*
 * Verifies der against a store holding only anchor; returns CMS_verify()'s
 * result, and on success the content must be exactly want.
 */
static int
verify_api(const unsigned char *der, size_t len, X509 *anchor,
	   const struct buf *want, int ncerts)
{
	BIO *in = BIO_new_mem_buf(der, (int)len);
	BIO *out = BIO_new(BIO_s_mem());
	X509_STORE *store = X509_STORE_new();
	CMS_ContentInfo *cms;
	char *data;
	long n;
	int ok;

	assert_true(in != NULL && out != NULL && store != NULL);
	cms = d2i_CMS_bio(in, NULL);
	ssl_ok(cms != NULL, "d2i_CMS_bio");
	check_cms_shape(cms, ncerts);
	assert_int_equal(X509_STORE_add_cert(store, anchor), 1);
	ok = CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY);
	if (ok == 1) {
		n = BIO_get_mem_data(out, &data);
		assert_int_equal(n, want->len);
		assert_memory_equal(data, want->data, want->len);
	}
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	BIO_free(out);
	BIO_free(in);
	return ok;
}

static void
write_pem(const char *name, X509 *x)
{
	FILE *f = fopen(testprofile_path(name), "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

/* The same check with the openssl command, when it is installed. */
static void
verify_cli(const unsigned char *der, size_t len, X509 *anchor,
	   const struct buf *want)
{
	struct buf log = {0}, got = {0};
	char cmd[2048];
	int status;

	testprofile_write_file("p.mobileconfig", der, len);
	write_pem("anchor.pem", anchor);
	assert_int_equal(
		str_printf(cmd, sizeof(cmd),
			   "openssl cms -verify -inform DER -CAfile '%s' "
			   "-in '%s' -out '%s' 2>&1",
			   testprofile_path("anchor.pem"),
			   testprofile_path("p.mobileconfig"),
			   testprofile_path("out")),
		0);
	if ((status = testprofile_run(cmd, &log)) == 127) {
		print_message("# no openssl command: CLI check skipped\n");
		buf_free(&log);
		return;
	}
	if (status != 0)
		fail_msg("openssl cms -verify: exit %d: %s", status,
			 log.data != NULL ? log.data : "");
	testprofile_read_file("out", &got);
	assert_int_equal(got.len, want->len);
	assert_memory_equal(got.data, want->data, want->len);
	buf_free(&got);
	buf_free(&log);
}

struct sign_case {
	const char *name;
	int signer;
	int anchor;
	int chain; /* -1: none */
};

static void
test_sign_verify(void **state)
{
	static const struct sign_case cases[] = {
		{"self-signed EC signer", TP_SELF_SIGNER, TP_SELF_SIGNER, -1},
		{"RSA leaf under an intermediate", TP_LEAF, TP_ROOT, TP_INTER},
	};
	const struct cert *certs[] = {fx[TP_CA1].cert, fx[TP_CA2].cert};
	struct buf xml = {0};
	char err[256];
	size_t i, len, nchain;
	unsigned char *der;

	(void)state;
	testprofile_build(certs, 2, &xml);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct sign_case *t = &cases[i];

		nchain = t->chain >= 0 ? 1 : 0;
		der = NULL;
		if (profile_sign(xml.data, xml.len, fx[t->signer].cert,
				 fx[t->signer].key,
				 nchain ? fx[t->chain].cert : NULL, nchain,
				 &der, &len, err, sizeof(err)) != 0)
			fail_msg("%s: %s", t->name, err);
		print_message("# %s: %zu bytes signed\n", t->name, len);
		assert_int_equal(verify_api(der, len, fx[t->anchor].x509, &xml,
					    1 + (int)nchain),
				 1);
		/* the signature means something: another anchor fails */
		assert_int_equal(verify_api(der, len, fx[TP_CA1].x509, &xml,
					    1 + (int)nchain),
				 0);
		verify_cli(der, len, fx[t->anchor].x509, &xml);
		free(der);
	}
	buf_free(&xml);
}

/* The first occurrence of s in data (glibc's memmem() needs _GNU_SOURCE). */
static unsigned char *
find(unsigned char *data, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(data + i, s, n) == 0)
			return data + i;
	fail_msg("no \"%s\" in the signed profile", s);
	return NULL;
}

/* A byte changed in the signed plist breaks the signature. */
static void
test_sign_tamper(void **state)
{
	const struct cert *certs[] = {fx[TP_CA1].cert};
	struct buf xml = {0};
	unsigned char *der = NULL, *hit;
	char err[256];
	size_t len;

	(void)state;
	testprofile_build(certs, 1, &xml);
	assert_int_equal(profile_sign(xml.data, xml.len,
				      fx[TP_SELF_SIGNER].cert,
				      fx[TP_SELF_SIGNER].key, NULL, 0, &der,
				      &len, err, sizeof(err)),
			 0);
	hit = find(der, len, "Configuration");
	*hit = 'c';
	assert_int_equal(verify_api(der, len, fx[TP_SELF_SIGNER].x509, &xml, 1),
			 0);
	free(der);
	buf_free(&xml);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sign_tamper),
	};

	return cmocka_run_group_tests(tests, testprofile_setup,
				      testprofile_teardown);
}
