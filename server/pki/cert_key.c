/* SPDX-License-Identifier: MIT */
/* Finding private key material in bytes that are about to be served, in any
 * form OpenSSL reads and in the text forms of other tools. */
#include "pki/pki.h"

#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "util.h"

#define PEM_BEGIN "-----BEGIN "

static const char *const KEY = "a private key";
static const char *const ENCRYPTED = "an encrypted private key";

/* Keys of tools OpenSSL cannot read: recognised by the line that starts
 * them, wherever it is. */
static const struct {
	const char *marker;
	const char *what;
} foreign[] = {
	{"PuTTY-User-Key-File-", "a PuTTY private key"},
	{"SSH PRIVATE KEY FILE FORMAT 1.1\n", "an SSH1 private key"},
	{"---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----",
	 "an SSH.COM private key"},
};

/* What a PEM label says, when it says private key. The test is loose on
 * purpose: "RSA", "EC", "DSA", "ENCRYPTED", "ANY", "OPENSSH", "PGP ...
 * BLOCK" and whatever comes next all say PRIVATE KEY. */
static const char *
label_key(const unsigned char *label, size_t len)
{
	if (mem_find(label, len, "PRIVATE KEY") == NULL)
		return NULL;
	if (mem_find(label, len, "PGP ") != NULL)
		return "a PGP private key block";
	if (mem_find(label, len, "OPENSSH ") != NULL)
		return "an OpenSSH private key";
	if (mem_find(label, len, "ENCRYPTED ") != NULL)
		return ENCRYPTED;
	return KEY;
}

/* The decoders ask for a pass phrase only when the bytes are an encrypted
 * key: asking is the answer, and no phrase is ever given. */
static int
note_asked(char *pass, size_t size, size_t *ret_len, const OSSL_PARAM *params,
	   void *arg)
{
	(void)pass;
	(void)size;
	(void)ret_len;
	(void)params;
	*(int *)arg = 1;
	return 0;
}

/*
 * Binary forms: any PKCS#12 structure (with or without a pass phrase, with
 * or without a key: it is where keys travel), an EncryptedPrivateKeyInfo,
 * then whatever OpenSSL's key decoders take as a private key from DER (PKCS#8,
 * traditional RSA/EC/DSA), PEM, MSBLOB or PVK.
 */
static const char *
binary_key(const unsigned char *data, size_t len)
{
	const unsigned char *p;
	OSSL_DECODER_CTX *dctx;
	EVP_PKEY *k = NULL;
	PKCS12 *p12;
	X509_SIG *sig;
	const char *why = NULL;
	size_t left;
	int asked = 0;

	if (len > LONG_MAX)
		return NULL;
	p = data;
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) != NULL) {
		PKCS12_free(p12);
		return "a PKCS#12 archive (the form private keys travel in)";
	}
	p = data;
	if ((sig = d2i_X509_SIG(NULL, &p, (long)len)) != NULL) {
		X509_SIG_free(sig);
		return ENCRYPTED;
	}
	dctx = OSSL_DECODER_CTX_new_for_pkey(&k, NULL, NULL, NULL,
					     OSSL_KEYMGMT_SELECT_PRIVATE_KEY,
					     NULL, NULL);
	if (dctx == NULL)
		return NULL;
	if (OSSL_DECODER_CTX_set_passphrase_cb(dctx, note_asked, &asked) == 1) {
		p = data;
		left = len;
		if (OSSL_DECODER_from_data(dctx, &p, &left) == 1 && k != NULL)
			why = KEY;
		else if (asked)
			why = ENCRYPTED;
	}
	EVP_PKEY_free(k);
	OSSL_DECODER_CTX_free(dctx);
	return why;
}

/* Every PEM block, whatever its label: a key may hide in a block named
 * after something else, and PEM readers skip blocks they were not asked
 * for. */
static const char *
pem_key(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len, *eol;
	char *name = NULL, *header = NULL;
	unsigned char *body = NULL;
	const char *why = NULL;
	long body_len;
	BIO *bio;

	while (why == NULL &&
	       (p = mem_find(p, (size_t)(end - p), PEM_BEGIN)) != NULL) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if ((why = label_key(p, (size_t)(eol - p))) != NULL)
			break;
		if ((size_t)(end - p) > INT_MAX ||
		    (bio = BIO_new_mem_buf(p, (int)(end - p))) == NULL)
			break;
		if (PEM_read_bio(bio, &name, &header, &body, &body_len) == 1 &&
		    body_len > 0)
			why = binary_key(body, (size_t)body_len);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(body);
		name = header = NULL;
		body = NULL;
		BIO_free(bio);
		p += strlen(PEM_BEGIN);
	}
	return why;
}

const char *
cert_find_private_key(const void *data, size_t len)
{
	const unsigned char *d = data;
	const char *why = NULL;
	size_t i;

	if (len == 0)
		return NULL;
	for (i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++)
		if (mem_find(d, len, foreign[i].marker) != NULL)
			return foreign[i].what;
	/* Failed guesses leave errors behind; they are nobody's concern. */
	ERR_set_mark();
	if ((why = pem_key(d, len)) == NULL)
		why = binary_key(d, len);
	ERR_pop_to_mark();
	return why;
}
