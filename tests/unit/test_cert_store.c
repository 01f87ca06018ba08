/* SPDX-License-Identifier: MIT */
/* Unit tests for cert_store_load(): a PEM bundle of roots with text
 * between its blocks, and every refusal naming the file and the line of
 * the block at fault. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
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

static char dir[] = "/tmp/certpost-store.XXXXXX";
static X509 *ra, *rb;
static EVP_PKEY *ka, *kb;

static const char *
p(const char *name)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *b = bufs[n++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

static void
put(const char *name, const char *text, bool append)
{
	assert_int_equal(testca_write_file(p(name), text, strlen(text), append),
			 0);
}

static int
setup(void **state)
{
	struct testca_opts oa = {.cn = "Store Root A", .ca = true};
	struct testca_opts ob = {.cn = "Store Root B", .ca = true};

	(void)state;
	if (mkdtemp(dir) == NULL || testca_make(&oa, &ra, &ka) == -1 ||
	    testca_make(&ob, &rb, &kb) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(ra);
	X509_free(rb);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		return system(cmd) == 0 ? 0 : -1;
	}
}

/* Comments and blank lines between the blocks, as exports have them; a
 * "TRUSTED CERTIFICATE" block is a root too. */
static void
test_bundle(void **state)
{
	X509_STORE *store = NULL;
	struct buf b = {0};
	size_t n = 0;
	char err[512];

	(void)state;
	put("roots.pem", "# Apple roots, exported\n\n", false);
	assert_int_equal(testca_append_pem(p("roots.pem"), ra), 0);
	put("roots.pem", "\nStore Root B\n", true);
	assert_int_equal(testca_write_pem_trusted(p("b.pem"), rb), 0);
	assert_int_equal(file_read(p("b.pem"), 1 << 16, &b, err, sizeof(err)),
			 0);
	assert_int_equal(testca_write_file(p("roots.pem"), b.data, b.len, true),
			 0);
	buf_free(&b);
	if (cert_store_load(p("roots.pem"), &store, &n, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 2);
	assert_int_equal(sk_X509_OBJECT_num(X509_STORE_get0_objects(store)), 2);
	assert_int_equal(ERR_peek_error(), 0);
	X509_STORE_free(store);
}

static void
test_refused(void **state)
{
	static const struct {
		const char *name;
		const char *text; /* NULL: made below */
		const char *want;
	} cases[] = {
		{"bad-block.pem",
		 "# one bad root\n\n-----BEGIN CERTIFICATE-----\nAAAA\n"
		 "-----END CERTIFICATE-----\n",
		 "bad-block.pem:3"},
		{"crl.pem",
		 "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
		 "crl.pem:1: a \"X509 CRL\" block; a trust store holds "
		 "certificates only"},
		{"no-end.pem", "\n-----BEGIN CERTIFICATE-----\nAAAA\n",
		 "no-end.pem:2: \"CERTIFICATE\" without its END line"},
		{"not-pem.pem", "-----BEGIN CERTIFICATE\nAAAA\n",
		 "not-pem.pem:1: a BEGIN line that is not PEM"},
		{"empty.pem", "", "empty.pem: empty"},
		{"text.pem", "no roots here\n",
		 "text.pem holds no PEM certificate"},
		{"key.pem", NULL, "key.pem holds a private key"},
		{"root.der", NULL, "root.der: not text"},
		{"missing.pem", NULL, "missing.pem: No such file"},
	};
	X509_STORE *store = NULL;
	char err[512];
	size_t n = 99;

	(void)state;
	assert_int_equal(testca_write_pem(p("key.pem"), ra), 0);
	assert_int_equal(testca_write_key_as(p("key.pem"), ka,
					     TESTCA_KEY_TRAD_PEM, true),
			 0);
	assert_int_equal(testca_write_der(p("root.der"), ra), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].text != NULL)
			put(cases[i].name, cases[i].text, false);
		err[0] = '\0';
		if (cert_store_load(p(cases[i].name), &store, &n, err,
				    sizeof(err)) != -1)
			fail_msg("%s: loaded", cases[i].name);
		if (strstr(err, cases[i].want) == NULL ||
		    strncmp(err, dir, strlen(dir)) != 0)
			fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].name, err,
				 cases[i].want);
		assert_null(store);
		assert_int_equal(n, 99);
		assert_int_equal(ERR_peek_error(), 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
