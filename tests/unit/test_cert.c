/* SPDX-License-Identifier: MIT */
/* Unit tests for cert: every file format, private keys refused, facts,
 * fingerprints, warnings, PKCS#7, keys. */
#include "pki/pki.h"
#include "config/config.h"
#include "testca.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include <openssl/err.h>
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

#define DAY 86400L
#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

enum fx {
	FX_ROOT,
	FX_ROOT2,
	FX_ROOT3,
	FX_LEAF,
	FX_SELF_LEAF,
	FX_EXPIRED,
	FX_EXPIRING,
	FX_NOT_YET,
	FX_RSA1024,
	FX_SHA1,
	FX_SAME_NAME,
	FX_NO_CN,
	FX_NO_KCS,
	FX_COUNT
};

static const struct fx_spec {
	const char *cn;
	bool ca;
	int rsa_bits;
	bool sha1;
	long start;
	long life;
	bool by_root; /* issued by FX_ROOT, else self-signed */
	bool no_cn;
	const char *key_usage;
} fx_specs[FX_COUNT] = {
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

static X509 *fx_cert[FX_COUNT];
static EVP_PKEY *fx_key[FX_COUNT];
static char dir[64];

/* dir/name in one of a few rotating buffers. */
static const char *
path_of(const char *name)
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
		o.cn = fx_specs[i].cn;
		o.ca = fx_specs[i].ca;
		o.rsa_bits = fx_specs[i].rsa_bits;
		o.sha1 = fx_specs[i].sha1;
		o.start_offset_s = fx_specs[i].start;
		o.lifetime_s = fx_specs[i].life;
		o.no_cn = fx_specs[i].no_cn;
		o.key_usage = fx_specs[i].key_usage;
		if (fx_specs[i].by_root) {
			o.issuer = fx_cert[FX_ROOT];
			o.issuer_key = fx_key[FX_ROOT];
		}
		if (testca_make(&o, &fx_cert[i], &fx_key[i]) == -1)
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
	if ((n = testca_der(fx_cert[FX_ROOT], &der)) > 10 &&
	    testca_write_file(path_of("garbage.txt"), text, strlen(text),
			      false) == 0 &&
	    testca_write_file(path_of("empty"), "", 0, false) == 0 &&
	    testca_write_file(path_of("not-der.pem"), not_der, strlen(not_der),
			      false) == 0 &&
	    testca_write_file(path_of("big"), big, CERT_MAX_FILE + 1, false) ==
		    0 &&
	    testca_write_file(path_of("truncated.der"), der, (size_t)n - 10,
			      false) == 0 &&
	    mkdir(path_of("subdir"), 0700) == 0)
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
	FILE *f = fopen(path_of("root-crlf.pem"), "wb");

	if (bio == NULL || f == NULL || !PEM_write_bio_X509(bio, fx_cert[0]))
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
	EVP_PKEY *rk = fx_key[FX_ROOT], *wk = fx_key[FX_RSA1024];

	if (testca_write_key(path_of("key.pem"), rk) ||
	    testca_write_key_der(path_of("key-pk8.der"), rk) ||
	    testca_write_pem(path_of("cert+key.pem"), fx_cert[FX_ROOT]) ||
	    testca_write_key_as(path_of("cert+key.pem"), rk,
				TESTCA_KEY_TRAD_PEM, true) ||
	    testca_write_der(path_of("cert+key.der"), fx_cert[FX_ROOT]) ||
	    testca_write_key_as(path_of("cert+key.der"), rk,
				TESTCA_KEY_TRAD_DER, true) ||
	    testca_write_key_as(path_of("key-rsa-trad.pem"), wk,
				TESTCA_KEY_TRAD_PEM, false) ||
	    testca_write_key_as(path_of("key-rsa-trad.der"), wk,
				TESTCA_KEY_TRAD_DER, false) ||
	    testca_write_key_as(path_of("key-ec-trad.der"), rk,
				TESTCA_KEY_TRAD_DER, false) ||
	    testca_write_key_as(path_of("key-enc.pem"), rk, TESTCA_KEY_ENC_PEM,
				false) ||
	    testca_write_key_as(path_of("key-enc.der"), rk, TESTCA_KEY_ENC_DER,
				false))
		return -1;
	return 0;
}

static int
write_files(void)
{
	X509 *const *x = fx_cert;
	int i;

	if (testca_write_pem(path_of("root.pem"), x[FX_ROOT]) ||
	    testca_write_der(path_of("root.der"), x[FX_ROOT]) ||
	    testca_write_pem_trusted(path_of("root-trusted.pem"), x[FX_ROOT]) ||
	    testca_write_pem(path_of("bundle3.pem"), x[FX_ROOT]) ||
	    testca_append_pem(path_of("bundle3.pem"), x[FX_ROOT2]) ||
	    testca_append_pem(path_of("bundle3.pem"), x[FX_ROOT3]) ||
	    testca_write_p7(path_of("bundle.p7b"), &x[FX_ROOT], 3, true) ||
	    testca_write_p7(path_of("bundle-p7.pem"), &x[FX_ROOT], 3, false) ||
	    write_odd_files() || write_keys() || write_crlf_pem())
		return -1;
	if (testca_write_pem(path_of("too-many.pem"), x[FX_ROOT]))
		return -1;
	for (i = 0; i < CONFIG_MAX_CERTS_PER_FILE; i++)
		if (testca_append_pem(path_of("too-many.pem"), x[FX_ROOT]))
			return -1;
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/certpost-test-cert.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	if (make_certs() == -1 || write_files() == -1) {
		fprintf(stderr, "test_cert: cannot write fixtures in %s\n",
			dir);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	int i;

	(void)state;
	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				remove(path_of(e->d_name));
		closedir(d);
	}
	rmdir(dir);
	for (i = 0; i < FX_COUNT; i++) {
		X509_free(fx_cert[i]);
		EVP_PKEY_free(fx_key[i]);
	}
	return 0;
}

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
		rc = cert_load_file(path_of(c->file), &certs, &n, err,
				    sizeof(err));
		if (c->want_n > 0 && (rc != 0 || n != c->want_n))
			fail_msg("%s: want %zu certs, got rc %d n %zu (%s)",
				 c->file, c->want_n, rc, n, err);
		if (c->want_n == 0 && rc != -1)
			fail_msg("%s: loaded, want refused", c->file);
		if (c->want_n == 0)
			check_reason(err, path_of(c->file), c->want_err);
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

static struct cert *
load_one(const char *file)
{
	struct cert *certs = NULL;
	size_t n = 0;
	char err[256];

	if (cert_load_file(path_of(file), &certs, &n, err, sizeof(err)) != 0)
		fail_msg("%s: %s", file, err);
	assert_int_equal(n, 1);
	return certs;
}

static void
test_root_facts(void **state)
{
	struct cert *c = load_one("root.pem");
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
test_pem_der_same(void **state)
{
	static const char *const files[] = {"root.der", "root-crlf.pem",
					    "root-trusted.pem"};
	struct cert *pem = load_one("root.pem"), *other;
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(files); i++) {
		other = load_one(files[i]);
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
		if (cert_load_file(path_of(files[i]), &certs, &n, err,
				   sizeof(err)) != 0)
			fail_msg("%s: %s", files[i], err);
		assert_int_equal(n, 3);
		assert_string_equal(certs[0].common_name, "Test Root A");
		assert_string_equal(certs[1].common_name, "Test Root B");
		assert_string_equal(certs[2].common_name, "Test Root C");
		cert_list_free(certs, n);
	}
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
	enum fx fx;
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
	if (cert_load_file(path_of("bundle3.pem"), &certs, &n, err,
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
		rc = cert_load_key(path_of(k->file), &key, err, sizeof(err));
		if (k->fx >= 0 && rc != 0)
			fail_msg("%s: %s", k->file, err);
		if (k->fx >= 0 &&
		    X509_check_private_key(fx_cert[k->fx], key) != 1)
			fail_msg("%s: key does not match its certificate",
				 k->file);
		if (k->fx < 0 && rc != -1)
			fail_msg("%s: loaded, want refused", k->file);
		if (k->fx < 0)
			check_reason(err, path_of(k->file), k->want_err);
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
		cmocka_unit_test(test_root_facts),
		cmocka_unit_test(test_pem_der_same),
		cmocka_unit_test(test_bundle_order),
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_warnings_table),
		cmocka_unit_test(test_warnings_facts_and_max),
		cmocka_unit_test(test_p7b_round_trip),
		cmocka_unit_test(test_p7b_empty),
		cmocka_unit_test(test_load_key_table),
		cmocka_unit_test(test_ssl_error_drains),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
