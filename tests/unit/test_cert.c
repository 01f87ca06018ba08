/* SPDX-License-Identifier: MIT */
/* Unit tests for loading with cert: every file format, private keys
 * refused, the source named in every reason, cert_load_key(), OpenSSL's
 * error queue drained. What a loaded certificate says is in
 * test_cert_facts.c. */
#include "pki/pki.h"
#include "testcert.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The group's certificates (testcert.h). */
static X509 *const *const fx_cert = testcert_x509;

/* Fails unless reason starts with "<path>: " and contains want. */
static void
check_reason(const char *reason, const char *path, const char *want)
{
	size_t n = strlen(path);

	if (strncmp(reason, path, n) != 0 || strncmp(reason + n, ": ", 2) != 0)
		fail_msg("reason \"%s\" does not start with \"%s: \"", reason,
			 path);
	if (want != NULL && strstr(reason, want) == NULL)
		fail_msg("reason \"%s\" does not say \"%s\"", reason, want);
}

#define REFUSED_KEY "holds a private key; refusing to load it"

static const struct load_case {
	const char *file;
	size_t want_n;	      /* 0 = refused */
	const char *want_err; /* part of the reason when refused */
} load_cases[] = {
	{"root.pem", 1, NULL},
	{"root.der", 1, NULL},
	{"root-crlf.pem", 1, NULL},
	{"root-trusted.pem", 1, NULL},
	{"bundle3.pem", 3, NULL},
	{"bundle.p7b", 3, NULL},
	{"bundle-p7.pem", 3, NULL},
	{"key.pem", 0, REFUSED_KEY},
	{"cert+key.pem", 0, REFUSED_KEY},
	{"key-rsa-trad.pem", 0, REFUSED_KEY},
	{"key-enc.pem", 0, "holds an encrypted private key"},
	{"key-pk8.der", 0, REFUSED_KEY},
	{"key-ec-trad.der", 0, REFUSED_KEY},
	{"key-rsa-trad.der", 0, REFUSED_KEY},
	{"key-enc.der", 0, "holds an encrypted private key"},
	{"cert+key.der", 0, REFUSED_KEY},
	{"garbage.txt", 0, "no certificate found (file is: ASCII text"},
	{"truncated.der", 0, "no certificate found (file is: "},
	{"not-der.pem", 0, "unreadable CERTIFICATE PEM block: error:"},
	{"empty", 0, "file is empty"},
	{"missing", 0, "No such file or directory"},
	{"subdir", 0, "not a regular file"},
	{"big", 0, "larger than 1048576 bytes"},
	{"too-many.pem", 0, "more than 32 certificates"},
};

static void
test_load_table(void **state)
{
	const struct load_case *c;
	struct cert *certs;
	char err[512];
	size_t i, n;
	int rc;

	(void)state;
	for (i = 0; i < N_ELEMS(load_cases); i++) {
		c = &load_cases[i];
		certs = NULL;
		n = 0;
		err[0] = '\0';
		rc = cert_load_file(testcert_path(c->file), &certs, &n, err,
				    sizeof(err));
		if (c->want_n > 0 && (rc != 0 || n != c->want_n))
			fail_msg("%s: want %zu certs, got rc %d n %zu (%s)",
				 c->file, c->want_n, rc, n, err);
		if (c->want_n == 0 && rc != -1)
			fail_msg("%s: loaded, want refused", c->file);
		if (c->want_n == 0)
			check_reason(err, testcert_path(c->file), c->want_err);
		cert_list_free(certs, n);
		assert_int_equal(ERR_peek_error(), 0);
	}
}

static void
test_load_mem_names_source(void **state)
{
	struct cert *certs = NULL;
	size_t n = 0;
	char err[256];

	(void)state;
	assert_int_equal(cert_load_mem("hello", 5, "upload", &certs, &n, err,
				       sizeof(err)),
			 -1);
	check_reason(err, "upload", "no certificate found (file is: ");
	assert_int_equal(
		cert_load_mem("", 0, "upload", &certs, &n, err, sizeof(err)),
		-1);
	check_reason(err, "upload", "empty");
	assert_null(certs);
}

static void
test_pem_der_same(void **state)
{
	static const char *const files[] = {"root.der", "root-crlf.pem",
					    "root-trusted.pem"};
	struct cert *pem = testcert_load_one("root.pem"), *other;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(files); i++) {
		other = testcert_load_one(files[i]);
		assert_int_equal(other->der_len, pem->der_len);
		assert_memory_equal(other->der, pem->der, pem->der_len);
		assert_string_equal(other->pem, pem->pem);
		assert_string_equal(other->sha256_hex, pem->sha256_hex);
		cert_list_free(other, 1);
	}
	cert_list_free(pem, 1);
}

static void
test_bundle_order(void **state)
{
	static const char *const files[] = {"bundle3.pem", "bundle.p7b",
					    "bundle-p7.pem"};
	struct cert *certs = NULL;
	size_t i, n = 0;
	char err[256];

	(void)state;
	for (i = 0; i < N_ELEMS(files); i++) {
		if (cert_load_file(testcert_path(files[i]), &certs, &n, err,
				   sizeof(err)) != 0)
			fail_msg("%s: %s", files[i], err);
		assert_int_equal(n, 3);
		assert_string_equal(certs[0].common_name, "Test Root A");
		assert_string_equal(certs[1].common_name, "Test Root B");
		assert_string_equal(certs[2].common_name, "Test Root C");
		cert_list_free(certs, n);
	}
}

static const struct key_case {
	const char *file;
	int fx;		      /* the certificate it belongs to; -1 refused */
	const char *want_err; /* when refused */
} key_cases[] = {
	{"key.pem", FX_ROOT, NULL},
	{"key-pk8.der", FX_ROOT, NULL},
	{"key-ec-trad.der", FX_ROOT, NULL},
	{"key-rsa-trad.pem", FX_RSA1024, NULL},
	{"key-rsa-trad.der", FX_RSA1024, NULL},
	{"cert+key.pem", FX_ROOT, NULL},
	{"key-enc.pem", -1, "the private key is encrypted"},
	{"key-enc.der", -1, "the private key is encrypted"},
	{"root.pem", -1, "no private key found (file is: "},
	{"garbage.txt", -1, "no private key found (file is: ASCII text"},
	{"empty", -1, "file is empty"},
	{"missing", -1, "No such file or directory"},
	{"big", -1, "larger than"},
};

static void
test_load_key_table(void **state)
{
	const struct key_case *k;
	EVP_PKEY *key;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < N_ELEMS(key_cases); i++) {
		k = &key_cases[i];
		key = NULL;
		err[0] = '\0';
		rc = cert_load_key(testcert_path(k->file), &key, err,
				   sizeof(err));
		if (k->fx >= 0 && rc != 0)
			fail_msg("%s: %s", k->file, err);
		if (k->fx >= 0 &&
		    X509_check_private_key(fx_cert[k->fx], key) != 1)
			fail_msg("%s: key does not match its certificate",
				 k->file);
		if (k->fx < 0 && rc != -1)
			fail_msg("%s: loaded, want refused", k->file);
		if (k->fx < 0)
			check_reason(err, testcert_path(k->file), k->want_err);
		EVP_PKEY_free(key);
		assert_int_equal(ERR_peek_error(), 0);
	}
}

static void
test_ssl_error_drains(void **state)
{
	const unsigned char *p = (const unsigned char *)"junk";
	char err[512];

	(void)state;
	assert_null(d2i_X509(NULL, &p, 4));
	assert_int_not_equal(ERR_peek_error(), 0);
	cert_ssl_error(err, sizeof(err), "thing");
	assert_int_equal(strncmp(err, "thing: error:", 13), 0);
	assert_int_equal(ERR_peek_error(), 0);
	cert_ssl_error(err, sizeof(err), "thing");
	assert_string_equal(err, "thing: unknown OpenSSL error");
	p = (const unsigned char *)"junk";
	assert_null(d2i_X509(NULL, &p, 4));
	cert_ssl_error(NULL, 0, "thing");
	assert_int_equal(ERR_peek_error(), 0);
	cert_ssl_error(err, 8, "a long prefix");
	assert_string_equal(err, "a long ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_table),
		cmocka_unit_test(test_load_mem_names_source),
		cmocka_unit_test(test_pem_der_same),
		cmocka_unit_test(test_bundle_order),
		cmocka_unit_test(test_load_key_table),
		cmocka_unit_test(test_ssl_error_drains),
	};

	return cmocka_run_group_tests(tests, testcert_setup, testcert_teardown);
}
