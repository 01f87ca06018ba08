/* SPDX-License-Identifier: MIT */
/* A trust store read from a file: the roots a device trusts, as a PEM
 * bundle (an export of Apple's list), for the profile's label. */
#include "pki/pki.h"

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "util.h"

#define BEGIN "-----BEGIN "
#define DASHES "-----"
#define MAX_LABEL 64

/* The 1-based line of p in data. */
static unsigned
line_of(const char *data, const char *p)
{
	unsigned line = 1;

	for (; data < p; data++)
		line += *data == '\n';
	return line;
}

/* Finds the next "-----BEGIN " at the start of a line, from p on. */
static const char *
next_begin(const char *data, const char *p)
{
	while ((p = strstr(p, BEGIN)) != NULL) {
		if (p == data || p[-1] == '\n')
			return p;
		p += strlen(BEGIN);
	}
	return NULL;
}

/*
 * Adds the PEM block at p (through its END line) to store, when it is a
 * certificate ("CERTIFICATE", or OpenSSL's "TRUSTED CERTIFICATE"). Returns
 * the end of the block, or NULL with a reason naming path and line.
 */
static const char *
add_block(X509_STORE *store, const char *path, const char *data, const char *p,
	  char *err, size_t errlen)
{
	const char *label = p + strlen(BEGIN), *end;
	char tail[96], where[PATH_MAX + 16];
	size_t n = strcspn(label, "\r\n");
	BIO *bio;
	X509 *x;

	(void)str_printf(where, sizeof(where), "%s:%u", path, line_of(data, p));
	/* n: the label's length, without the dashes that close the line */
	if (n <= strlen(DASHES) ||
	    strncmp(label + n - strlen(DASHES), DASHES, strlen(DASHES)) != 0 ||
	    n - strlen(DASHES) > MAX_LABEL) {
		err_set(err, errlen, "%s: a BEGIN line that is not PEM", where);
		return NULL;
	}
	n -= strlen(DASHES);
	if (!(n == 11 && memcmp(label, "CERTIFICATE", 11) == 0) &&
	    !(n == 19 && memcmp(label, "TRUSTED CERTIFICATE", 19) == 0)) {
		err_set(err, errlen,
			"%s: a \"%.*s\" block; a trust store holds "
			"certificates only",
			where, (int)n, label);
		return NULL;
	}
	(void)str_printf(tail, sizeof(tail), "-----END %.*s-----", (int)n,
			 label);
	if ((end = strstr(label, tail)) == NULL) {
		err_set(err, errlen, "%s: \"%.*s\" without its END line", where,
			(int)n, label);
		return NULL;
	}
	end += strlen(tail);
	if ((bio = BIO_new_mem_buf(p, (int)(end - p))) == NULL) {
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (x == NULL) {
		cert_ssl_error(err, errlen, where);
		return NULL;
	}
	if (X509_STORE_add_cert(store, x) != 1) {
		X509_free(x);
		cert_ssl_error(err, errlen, where);
		return NULL;
	}
	X509_free(x);
	return end;
}

int
cert_store_load(const char *path, X509_STORE **ret, size_t *ret_n, char *err,
		size_t errlen)
{
	struct buf b = {0};
	X509_STORE *store = NULL;
	const char *p, *key;
	size_t n = 0;
	int rc = -1;

	if (file_read(path, CERT_STORE_MAX_FILE, &b, err, errlen) == -1)
		return -1;
	if (b.len == 0 || memchr(b.data, '\0', b.len) != NULL) {
		err_set(err, errlen,
			"%s: %s; a trust store is a PEM bundle of "
			"CERTIFICATE blocks",
			path, b.len == 0 ? "empty" : "not text");
		goto out;
	}
	if ((key = cert_find_private_key(b.data, b.len)) != NULL) {
		err_set(err, errlen,
			"%s holds %s; a trust store holds certificates only "
			"(refusing to read it further)",
			path, key);
		goto out;
	}
	if ((store = X509_STORE_new()) == NULL) {
		err_set(err, errlen, "out of memory");
		goto out;
	}
	for (p = b.data; (p = next_begin(b.data, p)) != NULL; n++) {
		if (n == CERT_STORE_MAX_ROOTS) {
			err_set(err, errlen,
				"%s:%u: more than %d certificates in one "
				"trust store",
				path, line_of(b.data, p), CERT_STORE_MAX_ROOTS);
			goto out;
		}
		if ((p = add_block(store, path, b.data, p, err, errlen)) ==
		    NULL)
			goto out;
	}
	if (n == 0) {
		err_set(err, errlen,
			"%s holds no PEM certificate; a trust store is a PEM "
			"bundle of CERTIFICATE blocks",
			path);
		goto out;
	}
	*ret = store;
	*ret_n = n;
	store = NULL;
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_free(store);
	buf_free(&b);
	return rc;
}
