/* SPDX-License-Identifier: MIT */
/* The fixture the unit tests of cert share. */
#include "testcert.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include <openssl/pem.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "config/config.h"
#include "testca.h"

#define DAY 86400L

const struct testcert_spec testcert_specs[FX_COUNT] = {
	[FX_ROOT] = {"Test Root A", true, 0, false, -DAY, 0, false},
	[FX_ROOT2] = {"Test Root B", true, 0, false, -DAY, 0, false},
	[FX_ROOT3] = {"Test Root C", true, 0, false, -DAY, 0, false},
	[FX_LEAF] = {"leaf.example", false, 0, false, -DAY, 0, true},
	[FX_SELF_LEAF] = {"self.example", false, 0, false, -DAY, 0, false},
	[FX_EXPIRED] = {"Expired CA", true, 0, false, -400 * DAY, 365 * DAY,
			false},
	/* notAfter = now + 10 days + 1 hour, so "10 days" whatever the
	 * scheduling delay. */
	[FX_EXPIRING] = {"Expiring CA", true, 0, false, -DAY, 11 * DAY + 3600,
			 false},
	[FX_NOT_YET] = {"Future CA", true, 0, false, 7 * DAY, 0, false},
	[FX_RSA1024] = {"Weak RSA CA", true, 1024, false, -DAY, 0, false},
	[FX_SHA1] = {"SHA-1 CA", true, 0, true, -DAY, 0, false},
	/* Subject == issuer, but signed by Root A's key, not its own. */
	[FX_SAME_NAME] = {"Test Root A", true, 0, false, -DAY, 0, true},
	[FX_NO_CN] = {"(no CN)", true, 0, false, -DAY, 0, false, true, NULL},
	[FX_NO_KCS] = {"No keyCertSign CA", true, 0, false, -DAY, 0, false,
		       false, "critical,cRLSign,digitalSignature"},
};

X509 *testcert_x509[FX_COUNT];
EVP_PKEY *testcert_key[FX_COUNT];
static char dir[64];

/* dir/name in one of a few rotating buffers. */
const char *
testcert_path(const char *name)
{
	static char bufs[4][PATH_MAX];
	static unsigned int next;
	char *p = bufs[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

static int
make_certs(void)
{
	struct testca_opts o;
	int i;

	for (i = 0; i < FX_COUNT; i++) {
		memset(&o, 0, sizeof(o));
		o.cn = testcert_specs[i].cn;
		o.ca = testcert_specs[i].ca;
		o.rsa_bits = testcert_specs[i].rsa_bits;
		o.sha1 = testcert_specs[i].sha1;
		o.start_offset_s = testcert_specs[i].start;
		o.lifetime_s = testcert_specs[i].life;
		o.no_cn = testcert_specs[i].no_cn;
		o.key_usage = testcert_specs[i].key_usage;
		if (testcert_specs[i].by_root) {
			o.issuer = testcert_x509[FX_ROOT];
			o.issuer_key = testcert_key[FX_ROOT];
		}
		if (testca_make(&o, &testcert_x509[i], &testcert_key[i]) == -1)
			return -1;
	}
	return 0;
}

static int
write_odd_files(void)
{
	static const char text[] = "This is not a certificate.\n";
	static const char not_der[] = "-----BEGIN CERTIFICATE-----\n"
				      "aGVsbG8gd29ybGQ=\n"
				      "-----END CERTIFICATE-----\n";
	unsigned char *der = NULL;
	char *big;
	int n, ret = -1;

	if ((big = malloc(CERT_MAX_FILE + 1)) == NULL)
		return -1;
	memset(big, 'A', CERT_MAX_FILE + 1);
	if ((n = testca_der(testcert_x509[FX_ROOT], &der)) > 10 &&
	    testca_write_file(testcert_path("garbage.txt"), text, strlen(text),
			      false) == 0 &&
	    testca_write_file(testcert_path("empty"), "", 0, false) == 0 &&
	    testca_write_file(testcert_path("not-der.pem"), not_der,
			      strlen(not_der), false) == 0 &&
	    testca_write_file(testcert_path("big"), big, CERT_MAX_FILE + 1,
			      false) == 0 &&
	    testca_write_file(testcert_path("truncated.der"), der,
			      (size_t)n - 10, false) == 0 &&
	    mkdir(testcert_path("subdir"), 0700) == 0)
		ret = 0;
	OPENSSL_free(der);
	free(big);
	return ret;
}

static int
write_crlf_pem(void)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n, i;
	int ret = -1;
	FILE *f = fopen(testcert_path("root-crlf.pem"), "wb");

	if (bio == NULL || f == NULL ||
	    !PEM_write_bio_X509(bio, testcert_x509[0]))
		goto out;
	/* As some Windows exports look: a text preamble, CRLF lines. */
	fputs("Bag Attributes\r\n    friendlyName: Test Root A\r\n", f);
	n = BIO_get_mem_data(bio, &p);
	for (i = 0; i < n; i++) {
		if (p[i] == '\n')
			fputc('\r', f);
		fputc(p[i], f);
	}
	ret = 0;
out:
	if (f != NULL && fclose(f) != 0)
		ret = -1;
	BIO_free(bio);
	return ret;
}

static int
write_keys(void)
{
	EVP_PKEY *rk = testcert_key[FX_ROOT], *wk = testcert_key[FX_RSA1024];

	if (testca_write_key(testcert_path("key.pem"), rk) ||
	    testca_write_key_der(testcert_path("key-pk8.der"), rk) ||
	    testca_write_pem(testcert_path("cert+key.pem"),
			     testcert_x509[FX_ROOT]) ||
	    testca_write_key_as(testcert_path("cert+key.pem"), rk,
				TESTCA_KEY_TRAD_PEM, true) ||
	    testca_write_der(testcert_path("cert+key.der"),
			     testcert_x509[FX_ROOT]) ||
	    testca_write_key_as(testcert_path("cert+key.der"), rk,
				TESTCA_KEY_TRAD_DER, true) ||
	    testca_write_key_as(testcert_path("key-rsa-trad.pem"), wk,
				TESTCA_KEY_TRAD_PEM, false) ||
	    testca_write_key_as(testcert_path("key-rsa-trad.der"), wk,
				TESTCA_KEY_TRAD_DER, false) ||
	    testca_write_key_as(testcert_path("key-ec-trad.der"), rk,
				TESTCA_KEY_TRAD_DER, false) ||
	    testca_write_key_as(testcert_path("key-enc.pem"), rk,
				TESTCA_KEY_ENC_PEM, false) ||
	    testca_write_key_as(testcert_path("key-enc.der"), rk,
				TESTCA_KEY_ENC_DER, false))
		return -1;
	return 0;
}

static int
write_files(void)
{
	X509 *const *x = testcert_x509;
	int i;

	if (testca_write_pem(testcert_path("root.pem"), x[FX_ROOT]) ||
	    testca_write_der(testcert_path("root.der"), x[FX_ROOT]) ||
	    testca_write_pem_trusted(testcert_path("root-trusted.pem"),
				     x[FX_ROOT]) ||
	    testca_write_pem(testcert_path("bundle3.pem"), x[FX_ROOT]) ||
	    testca_append_pem(testcert_path("bundle3.pem"), x[FX_ROOT2]) ||
	    testca_append_pem(testcert_path("bundle3.pem"), x[FX_ROOT3]) ||
	    testca_write_p7(testcert_path("bundle.p7b"), &x[FX_ROOT], 3,
			    true) ||
	    testca_write_p7(testcert_path("bundle-p7.pem"), &x[FX_ROOT], 3,
			    false) ||
	    write_odd_files() || write_keys() || write_crlf_pem())
		return -1;
	if (testca_write_pem(testcert_path("too-many.pem"), x[FX_ROOT]))
		return -1;
	for (i = 0; i < CONFIG_MAX_CERTS_PER_FILE; i++)
		if (testca_append_pem(testcert_path("too-many.pem"),
				      x[FX_ROOT]))
			return -1;
	return 0;
}

int
testcert_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/certpost-test-cert.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	if (make_certs() == -1 || write_files() == -1) {
		fprintf(stderr, "testcert: cannot write fixtures in %s\n", dir);
		return -1;
	}
	return 0;
}

int
testcert_teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	int i;

	(void)state;
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				remove(testcert_path(e->d_name));
		closedir(d);
	}
	rmdir(dir);
	for (i = 0; i < FX_COUNT; i++) {
		X509_free(testcert_x509[i]);
		EVP_PKEY_free(testcert_key[i]);
	}
	return 0;
}

struct cert *
testcert_load_one(const char *file)
{
	struct cert *certs = NULL;
	size_t n = 0;
	char err[256];

	if (cert_load_file(testcert_path(file), &certs, &n, err, sizeof(err)) !=
	    0)
		fail_msg("%s: %s", file, err);
	assert_int_equal(n, 1);
	return certs;
}
