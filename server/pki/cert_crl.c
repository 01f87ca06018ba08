/* SPDX-License-Identifier: MIT */
/* CRLs through OpenSSL: reading one (PEM or DER), checking it against the CA
 * that must have issued it, and the facts a response and a metric need. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki/pki.h"
#include "util.h"

static int
asn1_time(const ASN1_TIME *t, time_t *ret)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*ret = timegm(&tm);
	return 0;
}

/* PEM ("X509 CRL" block) or DER, and nothing after it: a truncated or
 * padded file is one the CA did not publish. */
static X509_CRL *
parse_crl(const unsigned char *data, size_t len, const char *path, char *err,
	  size_t errlen)
{
	const unsigned char *p = data;
	X509_CRL *crl = NULL;
	BIO *bio;

	if (len >= 11 && memcmp(data, "-----BEGIN ", 11) == 0) {
		if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
			return NULL;
		crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
		BIO_free(bio);
		if (crl == NULL)
			cert_ssl_error(err, errlen, path);
		return crl;
	}
	crl = d2i_X509_CRL(NULL, &p, (long)len);
	if (crl == NULL) {
		cert_ssl_error(err, errlen, path);
		err_set(err + strlen(err), errlen - strlen(err),
			" (not a CRL in DER or PEM, or cut short)");
		return NULL;
	}
	if (p != data + len) {
		err_set(err, errlen,
			"%s: %zu bytes after the CRL's DER (a CRL file holds "
			"one CRL and nothing else)",
			path, len - (size_t)(p - data));
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* An INTEGER extension (crlNumber, or a delta's BaseCRLNumber) as decimal
 * text into dst ("" when absent). */
static int
ext_number(X509_CRL *crl, int nid, char *dst, size_t dstlen)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, nid, NULL, NULL);
	BIGNUM *bn = NULL;
	char *dec = NULL;
	int rc = -1;

	dst[0] = '\0';
	if (n == NULL)
		return 0;
	if ((bn = ASN1_INTEGER_to_BN(n, NULL)) == NULL ||
	    (dec = BN_bn2dec(bn)) == NULL || str_copy(dst, dstlen, dec) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_free(dec);
	BN_free(bn);
	ASN1_INTEGER_free(n);
	return rc;
}

/* Issued by ca (names equal) and signed with its key. */
static int
check_issuer(X509_CRL *crl, const struct cert *ca, const char *path, char *err,
	     size_t errlen)
{
	EVP_PKEY *pub = X509_get0_pubkey(ca->x509);
	char name[256];

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
			  X509_get_subject_name(ca->x509)) != 0) {
		if (X509_NAME_oneline(X509_CRL_get_issuer(crl), name,
				      sizeof(name)) == NULL)
			(void)str_copy(name, sizeof(name), "?");
		err_set(err, errlen, "%s: issued by %s, not by this CA (%s)",
			path, name, ca->subject);
		return -1;
	}
	if (pub == NULL || X509_CRL_verify(crl, pub) != 1) {
		ERR_clear_error();
		err_set(err, errlen,
			"%s: its signature does not verify with this CA's key "
			"(%s): signed by another CA of the same name, or "
			"altered",
			path, ca->subject);
		return -1;
	}
	return 0;
}

int
cert_crl_load(const char *path, const struct cert *ca, bool delta,
	      struct cert_crl *ret, char *err, size_t errlen)
{
	struct cert_crl c = {0};
	struct buf b = {0};
	X509_CRL *crl = NULL;
	unsigned char *der = NULL;
	const char *key;
	bool is_delta;
	int len, rc = -1;

	if (file_read(path, CERT_MAX_CRL, &b, err, errlen) == -1)
		return -1;
	if (b.len == 0) {
		err_set(err, errlen, "%s: empty", path);
		goto out;
	}
	if ((key = cert_find_private_key(b.data, b.len)) != NULL) {
		err_set(err, errlen,
			"%s holds %s; a CRL file must hold the CRL alone "
			"(refusing to read it further)",
			path, key);
		goto out;
	}
	if ((crl = parse_crl((const unsigned char *)b.data, b.len, path, err,
			     errlen)) == NULL ||
	    check_issuer(crl, ca, path, err, errlen) == -1)
		goto out;
	is_delta = X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0;
	if (is_delta != delta) {
		err_set(err, errlen,
			"%s: %s (delta_crl takes a delta CRL, crl a full one)",
			path,
			is_delta ? "a delta CRL (deltaCRLIndicator)"
				 : "not a delta CRL (no deltaCRLIndicator)");
		goto out;
	}
	if (asn1_time(X509_CRL_get0_lastUpdate(crl), &c.this_update) == -1 ||
	    (X509_CRL_get0_nextUpdate(crl) != NULL &&
	     asn1_time(X509_CRL_get0_nextUpdate(crl), &c.next_update) == -1)) {
		err_set(err, errlen, "%s: unreadable thisUpdate or nextUpdate",
			path);
		goto out;
	}
	if (c.next_update != 0 && c.next_update < c.this_update) {
		err_set(err, errlen, "%s: nextUpdate before thisUpdate", path);
		goto out;
	}
	if (ext_number(crl, NID_crl_number, c.number, sizeof(c.number)) == -1 ||
	    ext_number(crl, NID_delta_crl, c.base_number,
		       sizeof(c.base_number)) == -1 ||
	    (len = i2d_X509_CRL(crl, &der)) <= 0) {
		cert_ssl_error(err, errlen, path);
		goto out;
	}
	c.der = malloc((size_t)len);
	if (c.der == NULL) {
		err_set(err, errlen, "out of memory");
		goto out;
	}
	memcpy(c.der, der, (size_t)len);
	c.der_len = (size_t)len;
	c.has_number = c.number[0] != '\0';
	c.nrevoked = (size_t)sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl));
	*ret = c;
	rc = 0;
out:
	OPENSSL_free(der);
	X509_CRL_free(crl);
	buf_free(&b);
	return rc;
}

void
cert_crl_finish(struct cert_crl *crl)
{
	if (crl == NULL)
		return;
	free(crl->der);
	crl->der = NULL;
	crl->der_len = 0;
}

bool
cert_signed_by(const struct cert *c, const struct cert *issuer)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer->x509);
	bool ok;

	if (X509_NAME_cmp(X509_get_issuer_name(c->x509),
			  X509_get_subject_name(issuer->x509)) != 0 ||
	    pub == NULL)
		return false;
	ok = X509_verify(c->x509, pub) == 1;
	ERR_clear_error();
	return ok;
}

int
cert_crl_number_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	/* BN_bn2dec() writes no leading zeros: a longer number is larger. */
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

bool
cert_crl_issued_by(const unsigned char *der, size_t len, const struct cert *ca)
{
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	char err[256];
	bool ok;

	if (crl == NULL) {
		ERR_clear_error();
		return false;
	}
	ok = check_issuer(crl, ca, "", err, sizeof(err)) == 0;
	X509_CRL_free(crl);
	return ok;
}
