/* SPDX-License-Identifier: MIT */
/* Reading certificate and key files: PEM, DER, PKCS#7; private keys refused;
 * libmagic says what else. */
#include "pki/pki.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <magic.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "cert_int.h"
#include "config/config.h"
#include "util.h"

#define PEM_BEGIN "-----BEGIN "

/* Certificates found in one file, before they become struct certs. */
struct certset {
	X509 *x[CONFIG_MAX_CERTS_PER_FILE];
	size_t n;
};

static void
describe(const void *data, size_t len, char *out, size_t outlen)
{
	magic_t m;
	const char *s;

	(void)str_copy(out, outlen, "unknown");
	/* No decompressing: these are an admin's files, not archives. */
	if ((m = magic_open(MAGIC_NO_CHECK_COMPRESS)) == NULL)
		return;
	/* A cut description still helps, so truncation is fine. */
	if (magic_load(m, NULL) == 0 && (s = magic_buffer(m, data, len)))
		(void)str_copy(out, outlen, s);
	magic_close(m);
}

static int
set_push(struct certset *set, X509 *x, const char *name, char *err,
	 size_t errlen)
{
	if (set->n == CONFIG_MAX_CERTS_PER_FILE) {
		X509_free(x);
		err_set(err, errlen,
			"%s: more than %d certificates in one file", name,
			CONFIG_MAX_CERTS_PER_FILE);
		return -1;
	}
	set->x[set->n++] = x;
	return 0;
}

static int
p7_certs(const PKCS7 *p7, const char *name, struct certset *set, char *err,
	 size_t errlen)
{
	STACK_OF(X509) *certs = NULL;
	X509 *x;
	int i;

	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	for (i = 0; i < sk_X509_num(certs); i++) {
		x = sk_X509_value(certs, i);
		if (X509_up_ref(x) != 1 ||
		    set_push(set, x, name, err, errlen) == -1)
			return -1;
	}
	return 0;
}

static int
bad_pem(const char *name, const char *label, char *err, size_t errlen)
{
	char what[512];

	/* A cut file name still points at the file. */
	if (label != NULL)
		(void)str_printf(what, sizeof(what),
				 "%s: unreadable %s PEM block", name, label);
	else
		(void)str_printf(what, sizeof(what), "%s: unreadable PEM data",
				 name);
	cert_ssl_error(err, errlen, what);
	return -1;
}

/* One PEM block; kinds that hold no certificate (CRL, CSR, ...) are
 * skipped, since bundles exported by some tools carry them. */
static int
pem_block(const char *label, const unsigned char *body, long len,
	  const char *name, struct certset *set, char *err, size_t errlen)
{
	const unsigned char *p = body;
	X509 *x = NULL;
	PKCS7 *p7;
	int ret;

	if (strcmp(label, PEM_STRING_X509) == 0 ||
	    strcmp(label, PEM_STRING_X509_OLD) == 0)
		x = d2i_X509(NULL, &p, len);
	else if (strcmp(label, PEM_STRING_X509_TRUSTED) == 0)
		x = d2i_X509_AUX(NULL, &p, len);
	else if (strcmp(label, PEM_STRING_PKCS7) == 0 ||
		 strcmp(label, PEM_STRING_PKCS7_SIGNED) == 0) {
		if ((p7 = d2i_PKCS7(NULL, &p, len)) == NULL)
			return bad_pem(name, label, err, errlen);
		ret = p7_certs(p7, name, set, err, errlen);
		PKCS7_free(p7);
		return ret;
	} else
		return 0;
	if (x == NULL)
		return bad_pem(name, label, err, errlen);
	return set_push(set, x, name, err, errlen);
}

static int
load_pem(const unsigned char *data, size_t len, const char *name,
	 struct certset *set, char *err, size_t errlen)
{
	BIO *bio;
	char *label = NULL, *header = NULL;
	unsigned char *body = NULL;
	long body_len;
	unsigned long e;
	int ret = -1;

	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		cert_ssl_error(err, errlen, name);
		return -1;
	}
	while (PEM_read_bio(bio, &label, &header, &body, &body_len) == 1) {
		ret = pem_block(label, body, body_len, name, set, err, errlen);
		OPENSSL_free(label);
		OPENSSL_free(header);
		OPENSSL_free(body);
		if (ret == -1)
			goto out;
	}
	/* "No start line" is how PEM_read_bio() says it reached the end. */
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		ret = 0;
	} else {
		ret = bad_pem(name, NULL, err, errlen);
	}
out:
	BIO_free(bio);
	return ret;
}

static void
key_refusal(const char *name, const char *why, char *err, size_t errlen)
{
	err_set(err, errlen,
		"%s: holds %s; refusing to load it (only the certificate may "
		"be served)",
		name, why);
}

/* DER: a key (refused), one or more certificates back to back, or a
 * PKCS#7 bundle. Trailing bytes are refused: they could be a key. */
static int
load_der(const unsigned char *data, size_t len, const char *name,
	 struct certset *set, char *err, size_t errlen)
{
	const unsigned char *p = data, *end = data + len;
	const char *why;
	X509 *x;
	PKCS7 *p7;
	int ret = 0;

	ERR_set_mark();
	while (p < end && (x = d2i_X509(NULL, &p, end - p)) != NULL) {
		if (set_push(set, x, name, err, errlen) == -1) {
			ERR_pop_to_mark();
			return -1;
		}
	}
	p = set->n > 0 ? p : data;
	if (set->n == 0 && (p7 = d2i_PKCS7(NULL, &p, (long)len)) != NULL) {
		ret = p7_certs(p7, name, set, err, errlen);
		PKCS7_free(p7);
	}
	ERR_pop_to_mark();
	if (ret == 0 && set->n > 0 && p != end) {
		if ((why = cert_find_private_key(p, (size_t)(end - p))) != NULL)
			key_refusal(name, why, err, errlen);
		else
			err_set(err, errlen,
				"%s: unexpected bytes after the "
				"certificates (offset %ld)",
				name, (long)(p - data));
		ret = -1;
	}
	return ret;
}

/* Keys are looked for first, in the whole file: certificates found
 * first would not make a key beside them any less of a key. */
static int
find_certs(const unsigned char *data, size_t len, const char *name,
	   struct certset *set, char *err, size_t errlen)
{
	const char *why;

	if (len > CERT_MAX_FILE) {
		err_set(err, errlen,
			"%s: larger than %d bytes, too big for a "
			"certificate file",
			name, CERT_MAX_FILE);
		return -1;
	}
	if (len == 0) {
		err_set(err, errlen, "%s: file is empty", name);
		return -1;
	}
	if ((why = cert_find_private_key(data, len)) != NULL) {
		key_refusal(name, why, err, errlen);
		return -1;
	}
	if (mem_find(data, len, PEM_BEGIN) != NULL &&
	    load_pem(data, len, name, set, err, errlen) == -1)
		return -1;
	/* 0x30 is a DER SEQUENCE: every format we take starts with one. */
	if (set->n == 0 && data[0] == 0x30)
		return load_der(data, len, name, set, err, errlen);
	return 0;
}

int
cert_load_mem(const void *data, size_t len, const char *name,
	      struct cert **ret_certs, size_t *ret_n, char *err, size_t errlen)
{
	struct certset set = {0};
	struct cert *certs = NULL;
	char what[128];
	size_t i, n = 0;
	int ret = -1;

	if (find_certs(data, len, name, &set, err, errlen) == -1)
		goto out;
	if (set.n == 0) {
		describe(data, len, what, sizeof(what));
		err_set(err, errlen, "%s: no certificate found (file is: %s)",
			name, what);
		goto out;
	}
	if ((certs = calloc(set.n, sizeof(*certs))) == NULL) {
		err_set(err, errlen, "%s: out of memory", name);
		goto out;
	}
	for (n = 0; n < set.n; n++) {
		certs[n].x509 = set.x[n]; /* certs owns it now */
		set.x[n] = NULL;
		if (cert_fill(&certs[n], name, n, err, errlen) == -1) {
			n++;
			goto out;
		}
	}
	*ret_certs = certs;
	*ret_n = n;
	certs = NULL;
	ret = 0;
out:
	cert_list_free(certs, n);
	for (i = 0; i < set.n; i++)
		X509_free(set.x[i]);
	return ret;
}

static int
read_file(const char *path, struct buf *b, char *err, size_t errlen)
{
	if (file_read(path, CERT_MAX_FILE, b, err, errlen) == -1) {
		if (strstr(err, "larger than") != NULL)
			err_set(err, errlen,
				"%s: larger than %d bytes, too big for a "
				"certificate file",
				path, CERT_MAX_FILE);
		return -1;
	}
	return 0;
}

int
cert_load_file(const char *path, struct cert **ret_certs, size_t *ret_n,
	       char *err, size_t errlen)
{
	struct buf b = {0};
	int ret;

	if ((ret = read_file(path, &b, err, errlen)) == 0)
		ret = cert_load_mem(b.data, b.len, path, ret_certs, ret_n, err,
				    errlen);
	buf_free(&b);
	return ret;
}

/* Never prompt on a terminal for a pass phrase: a daemon has no one to
 * ask. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool
key_encrypted(const unsigned char *data, size_t len)
{
	const unsigned char *p = data;
	X509_SIG *sig;
	bool enc = false;

	if (mem_find(data, len, PEM_BEGIN) != NULL)
		return mem_find(data, len, "ENCRYPTED PRIVATE KEY") != NULL ||
		       mem_find(data, len, "Proc-Type: 4,ENCRYPTED") != NULL;
	ERR_set_mark();
	if ((sig = d2i_X509_SIG(NULL, &p, (long)len)) != NULL) {
		X509_SIG_free(sig);
		enc = true;
	}
	ERR_pop_to_mark();
	return enc;
}

static EVP_PKEY *
parse_key(const unsigned char *data, size_t len)
{
	const unsigned char *p = data;
	EVP_PKEY *k = NULL;
	BIO *bio;

	ERR_set_mark();
	if (mem_find(data, len, PEM_BEGIN) == NULL) {
		k = d2i_AutoPrivateKey(NULL, &p, (long)len);
	} else if ((bio = BIO_new_mem_buf(data, (int)len)) != NULL) {
		k = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
	}
	ERR_pop_to_mark();
	return k;
}

int
cert_load_key(const char *path, EVP_PKEY **ret, char *err, size_t errlen)
{
	struct buf b = {0};
	const unsigned char *data;
	EVP_PKEY *k;
	char what[128];
	int rc = -1;

	if (read_file(path, &b, err, errlen) == -1)
		goto out;
	if (b.len == 0) {
		err_set(err, errlen, "%s: file is empty", path);
		goto out;
	}
	data = (const unsigned char *)b.data;
	if (key_encrypted(data, b.len)) {
		err_set(err, errlen,
			"%s: the private key is encrypted; certpost "
			"needs it unencrypted (readable by certpost only)",
			path);
		goto out;
	}
	if ((k = parse_key(data, b.len)) == NULL) {
		describe(data, b.len, what, sizeof(what));
		err_set(err, errlen, "%s: no private key found (file is: %s)",
			path, what);
		goto out;
	}
	*ret = k;
	rc = 0;
out:
	/* The bytes were a private key: do not leave them in freed memory. */
	if (b.data != NULL)
		OPENSSL_cleanse(b.data, b.len);
	buf_free(&b);
	return rc;
}

/* Here, beside the readers it uses: cert.c calls nothing in this file, so
 * the calls between the two run one way. */
int
cert_check_pair(const char *cert_path, const char *key_path,
		bool *ret_key_at_fault, char *err, size_t errlen)
{
	struct cert *certs = NULL;
	size_t n = 0;
	EVP_PKEY *key = NULL;
	int ret = -1;

	*ret_key_at_fault = false;
	if (cert_load_file(cert_path, &certs, &n, err, errlen) == -1)
		goto out;
	*ret_key_at_fault = true;
	if (cert_load_key(key_path, &key, err, errlen) == -1)
		goto out;
	if (X509_check_private_key(certs[0].x509, key) != 1) {
		ERR_clear_error();
		err_set(err, errlen,
			"%s: the key does not belong to the first "
			"certificate in %s",
			key_path, cert_path);
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(key);
	cert_list_free(certs, n);
	return ret;
}
