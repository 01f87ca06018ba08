/* SPDX-License-Identifier: MIT */
/* Facts about a loaded certificate (names, dates, fingerprints, key, flags),
 * warnings, PKCS#7. */
#include "pki/pki.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include "cert_int.h"
#include "util.h"

#define DAY_S 86400L
#define EXPIRY_WARN_DAYS 30

void
cert_ssl_error(char *err, size_t errlen, const char *what)
{
	char line[256];
	unsigned long e;
	size_t used;
	bool first = true;

	err_set(err, errlen, "%s", what);
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, line, sizeof(line));
		if (err != NULL && errlen > 0) {
			used = strlen(err);
			err_set(err + used, errlen - used, "%s%s",
				first ? ": " : "; ", line);
		}
		first = false;
	}
	if (first && err != NULL && errlen > 0) {
		used = strlen(err);
		err_set(err + used, errlen - used, ": unknown OpenSSL error");
	}
}

static int
bio_string(BIO *bio, char **ret, size_t *ret_len)
{
	char *p, *s;
	long n = BIO_get_mem_data(bio, &p);

	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return -1;
	memcpy(s, p, (size_t)n);
	s[n] = '\0';
	*ret = s;
	*ret_len = (size_t)n;
	return 0;
}

/* Names are for display: cut to fit, at a UTF-8 character boundary. */
static void
copy_cut(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int
name_oneline(const X509_NAME *nm, char *out, size_t outlen)
{
	BIO *bio;
	char *p;
	long n;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	/* RFC 2253, but UTF-8 kept as is rather than as \C3\BC escapes: the
	 * page and the JSON escape at their own boundary. */
	if (X509_NAME_print_ex(bio, nm, 0,
			       XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		BIO_free(bio);
		return -1;
	}
	n = BIO_get_mem_data(bio, &p);
	copy_cut(out, outlen, p, n > 0 ? (size_t)n : 0);
	BIO_free(bio);
	return 0;
}

int
cert_subject_line(X509 *x, char *out, size_t outlen)
{
	return name_oneline(X509_get_subject_name(x), out, outlen);
}

static void
common_name(const X509_NAME *nm, char *out, size_t outlen)
{
	const ASN1_STRING *s;
	unsigned char *u;
	int i, n;

	out[0] = '\0';
	if ((i = X509_NAME_get_index_by_NID(nm, NID_commonName, -1)) < 0)
		return;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i));
	if ((n = ASN1_STRING_to_UTF8(&u, s)) < 0)
		return;
	copy_cut(out, outlen, (const char *)u, (size_t)n);
	OPENSSL_free(u);
}

static int
asn1_time(const ASN1_TIME *t, time_t *ret)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*ret = timegm(&tm);
	return 0;
}

static int
fingerprint(X509 *x, const EVP_MD *md, unsigned char *out, size_t outlen,
	    char *hex, size_t hexlen)
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n;
	size_t i;

	if (X509_digest(x, md, buf, &n) != 1 || n != outlen ||
	    hexlen < 3 * outlen)
		return -1;
	memcpy(out, buf, outlen);
	for (i = 0; i < outlen; i++) {
		hex[3 * i] = digits[buf[i] >> 4];
		hex[3 * i + 1] = digits[buf[i] & 0x0f];
		hex[3 * i + 2] = i + 1 < outlen ? ':' : '\0';
	}
	return 0;
}

static void
key_info(struct cert *c)
{
	static const struct {
		int id;
		const char *name;
	} names[] = {
		{EVP_PKEY_RSA, "RSA"},	   {EVP_PKEY_RSA_PSS, "RSA-PSS"},
		{EVP_PKEY_EC, "EC"},	   {EVP_PKEY_ED25519, "Ed25519"},
		{EVP_PKEY_ED448, "Ed448"}, {EVP_PKEY_DSA, "DSA"},
	};
	const EVP_PKEY *pk = X509_get0_pubkey(c->x509);
	const char *type = "unknown";
	size_t i;
	int id;

	if (pk != NULL) {
		id = EVP_PKEY_get_base_id(pk);
		if ((type = EVP_PKEY_get0_type_name(pk)) == NULL)
			type = "unknown";
		for (i = 0; i < ARRAY_LEN(names); i++)
			if (names[i].id == id)
				type = names[i].name;
		c->key_bits = EVP_PKEY_get_bits(pk);
	}
	copy_cut(c->key_type, sizeof(c->key_type), type, strlen(type));
}

static bool
weak_signature(X509 *x)
{
	int md = NID_undef, pk, secbits;
	uint32_t flags;

	if (X509_get_signature_info(x, &md, &pk, &secbits, &flags) != 1 &&
	    OBJ_find_sigid_algs(X509_get_signature_nid(x), &md, &pk) != 1)
		md = NID_undef;
	switch (md) {
	case NID_sha1:
	case NID_md5:
	case NID_md5_sha1:
	case NID_md4:
	case NID_md2:
	case NID_mdc2: return true;
	default: return false;
	}
}

static void
check_flags(struct cert *c)
{
	X509 *x = c->x509;
	EVP_PKEY *pk = X509_get0_pubkey(x);

	ERR_set_mark();
	c->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	/* Not X509_check_issued(): it also wants keyCertSign, and a
	 * self-signed leaf is still self-signed. */
	c->self_signed = X509_NAME_cmp(X509_get_subject_name(x),
				       X509_get_issuer_name(x)) == 0 &&
			 pk != NULL && X509_verify(x, pk) == 1;
	c->sha1_signature = weak_signature(x);
	ERR_pop_to_mark();
}

int
cert_fill(struct cert *c, const char *name, size_t idx, char *err,
	  size_t errlen)
{
	X509 *x = c->x509;
	BIO *bio = NULL;
	int n, ret = -1;

	if ((n = i2d_X509(x, &c->der)) <= 0 ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_X509(bio, x) != 1 ||
	    bio_string(bio, &c->pem, &c->pem_len) == -1 ||
	    name_oneline(X509_get_subject_name(x), c->subject,
			 sizeof(c->subject)) == -1 ||
	    name_oneline(X509_get_issuer_name(x), c->issuer,
			 sizeof(c->issuer)) == -1) {
		cert_ssl_error(err, errlen, name);
		goto out;
	}
	c->der_len = (size_t)n;
	common_name(X509_get_subject_name(x), c->common_name,
		    sizeof(c->common_name));
	if (asn1_time(X509_get0_notBefore(x), &c->not_before) == -1 ||
	    asn1_time(X509_get0_notAfter(x), &c->not_after) == -1) {
		err_set(err, errlen, "%s: certificate %zu: unreadable validity",
			name, idx + 1);
		goto out;
	}
	if (fingerprint(x, EVP_sha256(), c->sha256, sizeof(c->sha256),
			c->sha256_hex, sizeof(c->sha256_hex)) == -1 ||
	    fingerprint(x, EVP_sha1(), c->sha1, sizeof(c->sha1), c->sha1_hex,
			sizeof(c->sha1_hex)) == -1) {
		cert_ssl_error(err, errlen, name);
		goto out;
	}
	key_info(c);
	check_flags(c);
	ret = 0;
out:
	BIO_free(bio);
	return ret;
}

void
cert_list_free(struct cert *certs, size_t n)
{
	size_t i;

	if (certs == NULL)
		return;
	for (i = 0; i < n; i++) {
		X509_free(certs[i].x509);
		OPENSSL_free(certs[i].der);
		free(certs[i].pem);
	}
	free(certs);
}

static void warn_add(char (*ret)[CERT_WARN_LEN], size_t max, size_t *n,
		     const char *fmt, ...) PRINTF_LIKE(4, 5);

static void
warn_add(char (*ret)[CERT_WARN_LEN], size_t max, size_t *n, const char *fmt,
	 ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	/* A cut warning (a long issuer name) still says what is wrong. */
	(void)vsnprintf(ret[*n], CERT_WARN_LEN, fmt, ap);
	va_end(ap);
	(*n)++;
}

static void
warn_validity(time_t not_before, time_t not_after, time_t now,
	      char (*ret)[CERT_WARN_LEN], size_t max, size_t *n)
{
	char when[40];
	long long days;

	if (now > not_after) {
		(void)time_rfc3339(when, sizeof(when), not_after);
		warn_add(ret, max, n, "expired on %s", when);
	} else if (now < not_before) {
		(void)time_rfc3339(when, sizeof(when), not_before);
		warn_add(ret, max, n, "not valid until %s", when);
	} else if (not_after - now < EXPIRY_WARN_DAYS * DAY_S) {
		(void)time_rfc3339(when, sizeof(when), not_after);
		days = (long long)(not_after - now) / DAY_S;
		warn_add(ret, max, n, "expires in %lld day%s, on %s", days,
			 days == 1 ? "" : "s", when);
	}
}

bool
cert_time_warning(time_t not_before, time_t not_after, time_t now, char *out)
{
	char w[1][CERT_WARN_LEN];
	size_t n = 0;

	warn_validity(not_before, not_after, now, w, 1, &n);
	if (n == 1)
		memcpy(out, w[0], CERT_WARN_LEN);
	return n == 1;
}

bool
cert_validity_warning(const struct cert *c, time_t now, char *out)
{
	return cert_time_warning(c->not_before, c->not_after, now, out);
}

size_t
cert_warnings(const struct cert *c, time_t now, char (*ret)[CERT_WARN_LEN],
	      size_t max)
{
	size_t n = 0;

	if (!c->is_ca)
		warn_add(ret, max, &n,
			 "not a CA certificate (no "
			 "basicConstraints CA:TRUE); devices will not trust "
			 "servers through it");
	if (!c->self_signed)
		warn_add(ret, max, &n,
			 "not self-signed, so not a root; "
			 "issued by %s",
			 c->issuer);
	/* iOS lists a root in Certificate Trust Settings by its CN only: one
	 * without it never appears there, and the user cannot finish. */
	if (c->common_name[0] == '\0')
		warn_add(
			ret, max, &n,
			"no Subject CN: iPhone and iPad do not list it in "
			"Certificate Trust Settings, so users cannot trust it");
	if (c->is_ca && c->x509 != NULL &&
	    (X509_get_extension_flags(c->x509) & EXFLAG_KUSAGE) != 0 &&
	    (X509_get_key_usage(c->x509) & KU_KEY_CERT_SIGN) == 0)
		warn_add(ret, max, &n,
			 "keyUsage without keyCertSign: devices will not "
			 "accept certificates it issued");
	warn_validity(c->not_before, c->not_after, now, ret, max, &n);
	if (strncmp(c->key_type, "RSA", 3) == 0 && c->key_bits < 2048)
		warn_add(ret, max, &n,
			 "RSA key of %d bits; devices refuse "
			 "RSA keys under 2048 bits",
			 c->key_bits);
	if (c->sha1_signature)
		warn_add(ret, max, &n,
			 "signed with SHA-1 (or weaker), which "
			 "current devices refuse");
	return n;
}

int
cert_p7b(const struct cert *const *certs, size_t n, unsigned char **ret,
	 size_t *ret_len, char *err, size_t errlen)
{
	PKCS7 *p7 = NULL;
	unsigned char *der = NULL, *out;
	size_t i;
	int len, rc = -1;

	if (n == 0) {
		err_set(err, errlen, "PKCS#7 bundle: no certificates");
		return -1;
	}
	/* Signed data with no content and no signer: the certs-only form,
	 * byte for byte what "openssl crl2pkcs7 -nocrl" writes. */
	if ((p7 = PKCS7_new()) == NULL ||
	    PKCS7_set_type(p7, NID_pkcs7_signed) != 1 ||
	    PKCS7_content_new(p7, NID_pkcs7_data) != 1 ||
	    PKCS7_set_detached(p7, 1) != 1)
		goto ssl_err;
	for (i = 0; i < n; i++)
		if (PKCS7_add_certificate(p7, certs[i]->x509) != 1)
			goto ssl_err;
	if ((len = i2d_PKCS7(p7, &der)) <= 0)
		goto ssl_err;
	if ((out = malloc((size_t)len)) == NULL) {
		err_set(err, errlen, "PKCS#7 bundle: out of memory");
		goto out;
	}
	memcpy(out, der, (size_t)len);
	*ret = out;
	*ret_len = (size_t)len;
	rc = 0;
	goto out;
ssl_err:
	cert_ssl_error(err, errlen, "PKCS#7 bundle");
out:
	OPENSSL_free(der);
	PKCS7_free(p7);
	return rc;
}

/* OpenSSL's allocator hooks: every free and every move wipes the old
 * block first. Only snapshot builds use OpenSSL (never the request path),
 * so the cost is a memset per block there. */
static void *
wipe_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	return malloc(n);
}

static void
wipe_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (p != NULL)
		explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

static void *
wipe_realloc(void *p, size_t n, const char *file, int line)
{
	size_t old;
	void *q;

	if (p == NULL)
		return wipe_malloc(n, file, line);
	if (n == 0) {
		wipe_free(p, file, line);
		return NULL;
	}
	old = malloc_usable_size(p);
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	wipe_free(p, file, line);
	return q;
}

int
cert_wipe_freed_memory(void)
{
	return CRYPTO_set_mem_functions(wipe_malloc, wipe_realloc, wipe_free) ==
			       1
		       ? 0
		       : -1;
}
