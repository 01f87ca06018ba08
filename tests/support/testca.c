/* SPDX-License-Identifier: MIT */
/* Test fixtures: certificates and keys generated with OpenSSL, written to
 * files. */
#include "testca.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define DEFAULT_LIFETIME_S (365L * 86400L)

static int
fail(const char *what)
{
	fprintf(stderr, "testca: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	return -1;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((e = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok == 1 ? 0 : -1;
}

static int
add_exts(const struct testca_opts *o, X509 *x, X509 *issuer)
{
	char san[256];
	int n;

	if (add_ext(x, issuer, NID_basic_constraints,
		    o->ca ? "critical,CA:TRUE" : "critical,CA:FALSE") == -1 ||
	    add_ext(x, issuer, NID_key_usage,
		    o->key_usage != NULL ? o->key_usage
		    : o->ca		 ? "critical,keyCertSign,cRLSign"
					 : "critical,digitalSignature") == -1 ||
	    add_ext(x, issuer, NID_subject_key_identifier, "hash") == -1)
		return -1;
	if (o->issuer != NULL &&
	    add_ext(x, issuer, NID_authority_key_identifier, "keyid:always"))
		return -1;
	if (o->server_auth &&
	    add_ext(x, issuer, NID_ext_key_usage, "serverAuth") == -1)
		return -1;
	if (o->dns_san == NULL && o->ip_san == NULL)
		return 0;
	n = snprintf(san, sizeof(san), "%s%s%s%s%s",
		     o->dns_san != NULL ? "DNS:" : "",
		     o->dns_san != NULL ? o->dns_san : "",
		     o->dns_san != NULL && o->ip_san != NULL ? "," : "",
		     o->ip_san != NULL ? "IP:" : "",
		     o->ip_san != NULL ? o->ip_san : "");
	if (n < 0 || (size_t)n >= sizeof(san))
		return -1;
	return add_ext(x, issuer, NID_subject_alt_name, san);
}

static int
set_serial(X509 *x)
{
	unsigned char raw[16];
	BIGNUM *bn;
	int ret = -1;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	raw[0] &= 0x7f;
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		ret = 0;
	BN_free(bn);
	return ret;
}

static int
set_name(X509 *x, const char *cn, bool no_cn)
{
	X509_NAME *nm = X509_get_subject_name(x);

	if (X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_UTF8,
				       (const unsigned char *)"certpost tests",
				       -1, -1, 0) != 1)
		return -1;
	if (no_cn)
		return 0;
	if (X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1,
				       0) != 1)
		return -1;
	return 0;
}

static int
set_validity(const struct testca_opts *o, X509 *x)
{
	long life = o->lifetime_s != 0 ? o->lifetime_s : DEFAULT_LIFETIME_S;

	if (X509_gmtime_adj(X509_getm_notBefore(x), o->start_offset_s) ==
		    NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), o->start_offset_s + life) ==
		    NULL)
		return -1;
	return 0;
}

int
testca_make(const struct testca_opts *o, X509 **ret_cert, EVP_PKEY **ret_key)
{
	EVP_PKEY *key, *signer;
	X509 *x = NULL, *issuer;

	if (o->rsa_bits > 0)
		key = EVP_RSA_gen((unsigned int)o->rsa_bits);
	else
		key = EVP_EC_gen("P-256");
	if (key == NULL)
		return fail("key generation");
	if ((x = X509_new()) == NULL)
		goto err;
	issuer = o->issuer != NULL ? o->issuer : x;
	signer = o->issuer_key != NULL ? o->issuer_key : key;
	if (X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) == -1 ||
	    set_validity(o, x) == -1 || X509_set_pubkey(x, key) != 1 ||
	    set_name(x, o->cn != NULL ? o->cn : "certpost test", o->no_cn) ==
		    -1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(issuer)) != 1 ||
	    add_exts(o, x, issuer) == -1 ||
	    X509_sign(x, signer, o->sha1 ? EVP_sha1() : EVP_sha256()) <= 0)
		goto err;
	*ret_cert = x;
	*ret_key = key;
	return 0;
err:
	X509_free(x);
	EVP_PKEY_free(key);
	return fail("certificate");
}

int
testca_write_file(const char *path, const void *data, size_t len, bool append)
{
	FILE *f = fopen(path, append ? "ab" : "wb");
	int ret = 0;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if (len > 0 && fwrite(data, 1, len, f) != len)
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	if (ret == -1)
		perror(path);
	return ret;
}

static int
write_with(const char *path, const char *mode, X509 *x, EVP_PKEY *k,
	   int (*fn)(BIO *, X509 *, EVP_PKEY *))
{
	BIO *bio;
	int ok;

	if ((bio = BIO_new_file(path, mode)) == NULL)
		return fail(path);
	ok = fn(bio, x, k);
	if (BIO_free(bio) != 1 || ok != 1)
		return fail(path);
	return 0;
}

static int
w_pem(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)k;
	return PEM_write_bio_X509(b, x);
}

static int
w_der(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)k;
	return i2d_X509_bio(b, x);
}

static int
w_key(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)x;
	return PEM_write_bio_PKCS8PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}

static int
w_key_der(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)x;
	return i2d_PKCS8PrivateKey_bio(b, k, NULL, NULL, 0, NULL, NULL);
}

static int
w_trusted(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)k;
	return PEM_write_bio_X509_AUX(b, x);
}

static int
w_trad_pem(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)x;
	return PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL,
						    NULL);
}

static int
w_trad_der(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)x;
	return i2d_PrivateKey_bio(b, k);
}

static int
w_enc_pem(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)x;
	return PEM_write_bio_PKCS8PrivateKey(b, k, EVP_aes_256_cbc(), "secret",
					     6, NULL, NULL);
}

static int
w_enc_der(BIO *b, X509 *x, EVP_PKEY *k)
{
	(void)x;
	return i2d_PKCS8PrivateKey_bio(b, k, EVP_aes_256_cbc(), "secret", 6,
				       NULL, NULL);
}

int
testca_write_pem_trusted(const char *path, X509 *x)
{
	return write_with(path, "wb", x, NULL, w_trusted);
}

int
testca_write_key_as(const char *path, EVP_PKEY *k, enum testca_key_form form,
		    bool append)
{
	static int (*const fns[])(BIO *, X509 *, EVP_PKEY *) = {
		[TESTCA_KEY_TRAD_PEM] = w_trad_pem,
		[TESTCA_KEY_TRAD_DER] = w_trad_der,
		[TESTCA_KEY_ENC_PEM] = w_enc_pem,
		[TESTCA_KEY_ENC_DER] = w_enc_der,
	};

	return write_with(path, append ? "ab" : "wb", NULL, k, fns[form]);
}

int
testca_write_p7(const char *path, X509 *const *certs, size_t n, bool der)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	PKCS7 *p7 = NULL;
	BIO *bio = NULL;
	size_t i;
	int ok = 0;

	if (sk == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (sk_X509_push(sk, certs[i]) <= 0)
			goto out;
	/* No signer: the documented way to get a certificates-only bundle. */
	p7 = PKCS7_sign(NULL, NULL, sk, NULL, PKCS7_PARTIAL | PKCS7_DETACHED);
	if (p7 == NULL || (bio = BIO_new_file(path, "wb")) == NULL)
		goto out;
	ok = der ? i2d_PKCS7_bio(bio, p7) : PEM_write_bio_PKCS7(bio, p7);
out:
	if (bio != NULL && BIO_free(bio) != 1)
		ok = 0;
	PKCS7_free(p7);
	sk_X509_free(sk);
	return ok == 1 ? 0 : fail(path);
}

int
testca_write_p12(const char *path, X509 *x, EVP_PKEY *k, const char *pass)
{
	PKCS12 *p12;
	BIO *bio = NULL;
	int ok = 0;

	/* -1 for the encryption algorithms: leave the parts unencrypted. */
	p12 = PKCS12_create(pass, "certpost test", k, x, NULL, pass ? 0 : -1,
			    pass ? 0 : -1, 0, 0, 0);
	if (p12 != NULL && (bio = BIO_new_file(path, "wb")) != NULL)
		ok = i2d_PKCS12_bio(bio, p12);
	if (bio != NULL && BIO_free(bio) != 1)
		ok = 0;
	PKCS12_free(p12);
	return ok == 1 ? 0 : fail(path);
}

int
testca_write_pem(const char *path, X509 *x)
{
	return write_with(path, "wb", x, NULL, w_pem);
}

int
testca_write_der(const char *path, X509 *x)
{
	return write_with(path, "wb", x, NULL, w_der);
}

int
testca_write_key(const char *path, EVP_PKEY *k)
{
	return write_with(path, "wb", NULL, k, w_key);
}

int
testca_write_key_der(const char *path, EVP_PKEY *k)
{
	return write_with(path, "wb", NULL, k, w_key_der);
}

int
testca_append_pem(const char *path, X509 *x)
{
	return write_with(path, "ab", x, NULL, w_pem);
}

int
testca_der(X509 *x, unsigned char **ret)
{
	unsigned char *der = NULL;
	int n;

	if ((n = i2d_X509(x, &der)) <= 0)
		return fail("i2d_X509");
	*ret = der;
	return n;
}

int
testca_root_file(const char *cn, const char *path, unsigned char **ret_der)
{
	struct testca_opts o = {.cn = cn, .ca = true};
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int len = -1;

	if (testca_make(&o, &x, &k) == 0 && testca_write_pem(path, x) == 0)
		len = testca_der(x, ret_der);
	X509_free(x);
	EVP_PKEY_free(k);
	return len;
}

int
testca_write_crl(const char *path, const struct testca_crl *o)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	BIO *bio = NULL;
	int ok = 0;

	if (crl == NULL || X509_CRL_set_version(crl, 1) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(o->issuer)) !=
		    1)
		goto out;
	if ((t = X509_gmtime_adj(NULL, o->this_offset_s)) == NULL ||
	    X509_CRL_set1_lastUpdate(crl, t) != 1)
		goto out;
	ASN1_TIME_free(t);
	if ((t = X509_gmtime_adj(NULL, o->next_offset_s ? o->next_offset_s
							: 7L * 86400L)) ==
		    NULL ||
	    X509_CRL_set1_nextUpdate(crl, t) != 1)
		goto out;
	for (long i = 0; i < o->nrevoked; i++) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		if (r == NULL || sn == NULL ||
		    ASN1_INTEGER_set(sn, 1000 + i) != 1 ||
		    X509_REVOKED_set_serialNumber(r, sn) != 1 ||
		    X509_REVOKED_set_revocationDate(r, t) != 1 ||
		    X509_CRL_add0_revoked(crl, r) != 1) {
			X509_REVOKED_free(r);
			ASN1_INTEGER_free(sn);
			goto out;
		}
		ASN1_INTEGER_free(sn);
	}
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    ASN1_INTEGER_set(num, o->number) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1)
		goto out;
	if (o->delta &&
	    X509_CRL_add1_ext_i2d(crl, NID_delta_crl, num, 1, 0) != 1)
		goto out;
	if (X509_CRL_sort(crl) != 1 ||
	    X509_CRL_sign(crl, o->issuer_key, EVP_sha256()) <= 0)
		goto out;
	if ((bio = BIO_new_file(path, "wb")) == NULL)
		goto out;
	ok = o->der ? i2d_X509_CRL_bio(bio, crl)
		    : PEM_write_bio_X509_CRL(bio, crl);
out:
	BIO_free(bio);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	return ok == 1 ? 0 : fail("testca_write_crl");
}

/* dir/name into buf (PATH_MAX). */
static const char *
in_dir(char *buf, const char *dir, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	return buf;
}

int
testca_tls_files(const char *dir, const char *cn, struct testca_tls *t)
{
	struct testca_opts ro = {.cn = cn, .ca = true};
	struct testca_opts lo = {.cn = "localhost",
				 .dns_san = "localhost",
				 .ip_san = "127.0.0.1",
				 .server_auth = true};
	char path[PATH_MAX];

	memset(t, 0, sizeof(*t));
	if (testca_make(&ro, &t->root, &t->root_key) == -1)
		return -1;
	lo.issuer = t->root;
	lo.issuer_key = t->root_key;
	if (testca_make(&lo, &t->leaf, &t->leaf_key) == -1 ||
	    testca_write_pem(in_dir(path, dir, "root.pem"), t->root) == -1 ||
	    testca_write_pem(in_dir(path, dir, "tls.pem"), t->leaf) == -1 ||
	    testca_write_key(in_dir(path, dir, "tls.key"), t->leaf_key) == -1 ||
	    chmod(path, 0600) == -1) {
		testca_tls_free(t);
		return -1;
	}
	return 0;
}

void
testca_tls_free(struct testca_tls *t)
{
	X509_free(t->root);
	X509_free(t->leaf);
	EVP_PKEY_free(t->root_key);
	EVP_PKEY_free(t->leaf_key);
	memset(t, 0, sizeof(*t));
}

int
testca_signer_files(const char *dir, const struct testca_tls *t,
		    X509 **ret_cert, EVP_PKEY **ret_key)
{
	struct testca_opts so = {.cn = "Profile Signer",
				 .rsa_bits = 2048,
				 .issuer = t->root,
				 .issuer_key = t->root_key};
	char path[PATH_MAX];

	if (testca_make(&so, ret_cert, ret_key) == -1)
		return -1;
	if (testca_write_pem(in_dir(path, dir, "sign.pem"), *ret_cert) == -1 ||
	    testca_write_key(in_dir(path, dir, "sign.key"), *ret_key) == -1 ||
	    chmod(path, 0600) == -1) {
		X509_free(*ret_cert);
		EVP_PKEY_free(*ret_key);
		return -1;
	}
	return 0;
}
