/* SPDX-License-Identifier: MIT */
/* The built-in demo: a throwaway root CA and a localhost leaf, generated in
 * memory. */
#include "ops/ops.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "pki/pki.h"
#include "util.h"

#define DEMO_ORG "certpost demo"
#define DEMO_ROOT_DAYS 365L
#define DEMO_LEAF_DAYS 90L
/* A device whose clock runs a little behind ours must not find the fresh
 * certificates "not yet valid". */
#define DEMO_BACKDATE_S (5L * 60L)

struct ext {
	int nid;
	const char *value;
};

static const struct ext root_exts[] = {
	{NID_basic_constraints, "critical,CA:TRUE"},
	{NID_key_usage, "critical,keyCertSign,cRLSign"},
	{NID_subject_key_identifier, "hash"},
};

/* What Apple requires of a TLS server certificate: SAN, serverAuth, a
 * lifetime under 398 days. */
static const struct ext leaf_exts[] = {
	{NID_basic_constraints, "critical,CA:FALSE"},
	{NID_key_usage, "critical,digitalSignature"},
	{NID_ext_key_usage, "serverAuth"},
	{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"},
	{NID_subject_key_identifier, "hash"},
	{NID_authority_key_identifier, "keyid:always"},
};

static int
set_serial(X509 *x)
{
	unsigned char raw[16];
	BIGNUM *bn;
	int ret = -1;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	raw[0] &= 0x7f; /* positive, and within RFC 5280's 20 octets */
	if ((bn = BN_bin2bn(raw, sizeof(raw), NULL)) != NULL &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		ret = 0;
	BN_free(bn);
	return ret;
}

static int
add_name(X509_NAME *nm, const char *field, const char *value)
{
	return X509_NAME_add_entry_by_txt(nm, field, MBSTRING_UTF8,
					  (const unsigned char *)value, -1, -1,
					  0) == 1
		       ? 0
		       : -1;
}

/* A version 3 certificate for key, named O=org, CN=cn, valid from a few
 * minutes ago for days. */
static X509 *
skeleton(EVP_PKEY *key, const char *org, const char *cn, long days)
{
	X509 *x;
	X509_NAME *nm;

	if ((x = X509_new()) == NULL)
		return NULL;
	nm = X509_get_subject_name(x);
	if (X509_set_version(x, X509_VERSION_3) != 1 || set_serial(x) == -1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -DEMO_BACKDATE_S) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), days * 86400L) == NULL ||
	    X509_set_pubkey(x, key) != 1 ||
	    (org != NULL && add_name(nm, "O", org) == -1) ||
	    add_name(nm, "CN", cn) == -1) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
add_exts(X509 *x, X509 *issuer, const struct ext *exts, size_t n)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	size_t i;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	for (i = 0; i < n; i++) {
		e = X509V3_EXT_nconf_nid(NULL, &ctx, exts[i].nid,
					 exts[i].value);
		if (e == NULL)
			return -1;
		ok = X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		if (ok != 1)
			return -1;
	}
	return 0;
}

static X509 *
make_root(EVP_PKEY *key)
{
	X509 *x;

	if ((x = skeleton(key, DEMO_ORG, DEMO_CA_NAME, DEMO_ROOT_DAYS)) == NULL)
		return NULL;
	if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
	    add_exts(x, x, root_exts, ARRAY_LEN(root_exts)) == -1 ||
	    X509_sign(x, key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *
make_leaf(EVP_PKEY *key, X509 *root, EVP_PKEY *root_key)
{
	X509 *x;

	if ((x = skeleton(key, NULL, "localhost", DEMO_LEAF_DAYS)) == NULL)
		return NULL;
	if (X509_set_issuer_name(x, X509_get_subject_name(root)) != 1 ||
	    add_exts(x, root, leaf_exts, ARRAY_LEN(leaf_exts)) == -1 ||
	    X509_sign(x, root_key, EVP_sha256()) <= 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* The PEM text in bio as a malloc'd string, or NULL. */
static char *
bio_strdup(BIO *bio)
{
	char *p, *s;
	long n = BIO_get_mem_data(bio, &p);

	if (n <= 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	return s;
}

static char *
cert_pem(X509 *x)
{
	BIO *bio;
	char *s = NULL;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio_X509(bio, x) == 1)
		s = bio_strdup(bio);
	BIO_free(bio);
	return s;
}

/* PKCS#8 "PRIVATE KEY"; the secure-memory BIO wipes its copy when freed. */
static char *
key_pem(EVP_PKEY *k)
{
	BIO *bio;
	char *s = NULL;

	if ((bio = BIO_new(BIO_s_secmem())) == NULL)
		return NULL;
	if (PEM_write_bio_PKCS8PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) ==
	    1)
		s = bio_strdup(bio);
	BIO_free(bio);
	return s;
}

static void
free_secret(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

int
demo_generate(struct demo *d, char *err, size_t errlen)
{
	EVP_PKEY *root_key = NULL, *leaf_key = NULL;
	X509 *root = NULL, *leaf = NULL;
	char *root_pem = NULL, *leaf_pem = NULL, *leaf_key_pem = NULL;
	int ret = -1;

	/* EC, not RSA: generating a P-256 key takes well under a
	 * millisecond, an RSA one can take a large part of a second. */
	if ((root_key = EVP_EC_gen("P-256")) == NULL ||
	    (leaf_key = EVP_EC_gen("P-256")) == NULL) {
		cert_ssl_error(err, errlen, "demo: generating EC P-256 keys");
		goto out;
	}
	if ((root = make_root(root_key)) == NULL ||
	    (leaf = make_leaf(leaf_key, root, root_key)) == NULL) {
		cert_ssl_error(err, errlen, "demo: building the certificates");
		goto out;
	}
	/* Nothing else will ever be signed by this root. */
	EVP_PKEY_free(root_key);
	root_key = NULL;
	if ((root_pem = cert_pem(root)) == NULL ||
	    (leaf_pem = cert_pem(leaf)) == NULL ||
	    (leaf_key_pem = key_pem(leaf_key)) == NULL) {
		cert_ssl_error(err, errlen, "demo: encoding PEM");
		goto out;
	}
	d->root_pem = root_pem;
	d->leaf_pem = leaf_pem;
	d->leaf_key_pem = leaf_key_pem;
	root_pem = leaf_pem = leaf_key_pem = NULL;
	ret = 0;
out:
	free(root_pem);
	free(leaf_pem);
	free_secret(leaf_key_pem);
	X509_free(leaf);
	X509_free(root);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(root_key);
	return ret;
}

void
demo_finish(struct demo *d)
{
	if (d == NULL)
		return;
	free(d->root_pem);
	free(d->leaf_pem);
	free_secret(d->leaf_key_pem);
	memset(d, 0, sizeof(*d));
}

/* The demo's configuration: loopback only, the demo root and leaf. */
void
demo_config(struct config *cfg, const struct demo *demo)
{
	char err[128];

	config_defaults(cfg);
	cfg->demo = true;
	(void)str_copy(cfg->path, sizeof(cfg->path), "(demo)");
	(void)config_parse_listen("127.0.0.1:8080", &cfg->listen[0], err,
				  sizeof(err));
	cfg->nlisten = 1;
	(void)config_parse_listen("127.0.0.1:8443", &cfg->https_listen[0], err,
				  sizeof(err));
	cfg->nhttps_listen = 1;
	cfg->tls_cert_pem = demo->leaf_pem;
	cfg->tls_key_pem = demo->leaf_key_pem;
	(void)str_copy(cfg->ca[0].slug, sizeof(cfg->ca[0].slug), "demo-root");
	(void)str_copy(cfg->ca[0].name, sizeof(cfg->ca[0].name), DEMO_CA_NAME);
	cfg->ca[0].inline_pem = demo->root_pem;
	cfg->ca[0].primary = true;
	cfg->nca = 1;
	(void)str_copy(cfg->organization, sizeof(cfg->organization),
		       "certpost demo");
	(void)str_copy(cfg->identifier, sizeof(cfg->identifier),
		       "org.certpost.demo");
	(void)acl_add(&cfg->allow, "127.0.0.0/8", err, sizeof(err));
	(void)acl_add(&cfg->allow, "::1", err, sizeof(err));
	(void)acl_add(&cfg->admin, "127.0.0.0/8", err, sizeof(err));
	(void)acl_add(&cfg->admin, "::1", err, sizeof(err));
}
