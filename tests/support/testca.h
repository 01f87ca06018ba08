/* SPDX-License-Identifier: MIT */
/* Test fixtures: certificates and keys generated with OpenSSL, written to files. */
#ifndef CERTPOST_TESTCA_H
#define CERTPOST_TESTCA_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct testca_opts {
	const char *cn;      /* subject CN (and O=certpost tests) */
	bool ca;             /* basicConstraints CA:TRUE + keyCertSign */
	int rsa_bits;        /* 0 = EC P-256, else RSA of that size */
	bool sha1;           /* sign with SHA-1 instead of SHA-256 */
	long start_offset_s; /* notBefore = now + this (negative: in the past) */
	long lifetime_s;     /* notAfter = notBefore + this; 0 = 365 days */
	X509 *issuer;        /* NULL = self-signed */
	EVP_PKEY *issuer_key;
	const char *dns_san; /* optional subjectAltName DNS entry (leaves) */
	const char *ip_san;  /* optional subjectAltName IP entry */
	bool server_auth;    /* extendedKeyUsage serverAuth */
};

/* Makes a key and a certificate. Returns 0, or -1 (printing the OpenSSL
 * error to stderr). Caller frees both. */
int testca_make(const struct testca_opts *o, X509 **ret_cert,
		EVP_PKEY **ret_key);

/* Writers; each returns 0 or -1. */
int testca_write_pem(const char *path, X509 *x);
int testca_write_der(const char *path, X509 *x);
int testca_write_key(const char *path, EVP_PKEY *k); /* PKCS#8 PEM */
int testca_write_key_der(const char *path, EVP_PKEY *k);
/* Appends a certificate as PEM to an existing file (bundles). */
int testca_append_pem(const char *path, X509 *x);

/* DER bytes of x (caller frees with OPENSSL_free). Returns length or -1. */
int testca_der(X509 *x, unsigned char **ret);

#endif
