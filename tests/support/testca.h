/* SPDX-License-Identifier: MIT */
/* Test fixtures: certificates and keys generated with OpenSSL, written to
 * files. */
#ifndef CERTPOST_TESTCA_H
#define CERTPOST_TESTCA_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct testca_opts {
	const char *cn;	     /* subject CN (and O=certpost tests) */
	bool ca;	     /* basicConstraints CA:TRUE + keyCertSign */
	int rsa_bits;	     /* 0 = EC P-256, else RSA of that size */
	bool sha1;	     /* sign with SHA-1 instead of SHA-256 */
	long start_offset_s; /* notBefore = now + this (negative: in the past)
			      */
	long lifetime_s;     /* notAfter = notBefore + this; 0 = 365 days */
	X509 *issuer;	     /* NULL = self-signed */
	EVP_PKEY *issuer_key;
	const char *dns_san;   /* optional subjectAltName DNS entry (leaves) */
	const char *ip_san;    /* optional subjectAltName IP entry */
	bool server_auth;      /* extendedKeyUsage serverAuth */
	bool no_cn;	       /* subject without a CN (O only) */
	const char *key_usage; /* keyUsage value instead of the default */
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

/* The usual fixture: a self-signed EC root CA named cn, written as PEM to
 * path; *ret_der gets its DER (caller frees with OPENSSL_free). Returns the
 * DER length, or -1. */
int testca_root_file(const char *cn, const char *path, unsigned char **ret_der);

/* Writes len bytes to path, replacing it, or appending when append. */
int testca_write_file(const char *path, const void *data, size_t len,
		      bool append);
/* x as a "TRUSTED CERTIFICATE" PEM block (OpenSSL's trust-settings form). */
int testca_write_pem_trusted(const char *path, X509 *x);

/* Other forms of a private key, for the tests that must see them refused. */
enum testca_key_form {
	TESTCA_KEY_TRAD_PEM, /* "RSA PRIVATE KEY" / "EC PRIVATE KEY" */
	TESTCA_KEY_TRAD_DER, /* RSAPrivateKey / ECPrivateKey */
	TESTCA_KEY_ENC_PEM,  /* "ENCRYPTED PRIVATE KEY", pass phrase "secret" */
	TESTCA_KEY_ENC_DER,  /* EncryptedPrivateKeyInfo, same pass phrase */
};
int testca_write_key_as(const char *path, EVP_PKEY *k,
			enum testca_key_form form, bool append);

/* A PKCS#12 archive of x and k (k may be NULL: certificate only), with
 * pass phrase pass (NULL: none, MAC included), as DER. */
int testca_write_p12(const char *path, X509 *x, EVP_PKEY *k, const char *pass);

/* A certs-only PKCS#7 bundle of certs[0..n), made with PKCS7_sign() (not
 * with certpost's own encoder), as PEM or DER. */
int testca_write_p7(const char *path, X509 *const *certs, size_t n, bool der);

/* A CRL signed by issuer_key in issuer's name. */
struct testca_crl {
	X509 *issuer;
	EVP_PKEY *issuer_key;
	long this_offset_s; /* thisUpdate = now + this */
	long next_offset_s; /* nextUpdate = now + this; 0 = 7 days */
	long number;	    /* crlNumber */
	long nrevoked;	    /* serials 1000, 1001, ... */
	bool delta;	    /* with a deltaCRLIndicator */
	bool der;	    /* DER instead of PEM */
};
int testca_write_crl(const char *path, const struct testca_crl *o);

/* The TLS set-up most integration tests want. */
struct testca_tls {
	X509 *root, *leaf;
	EVP_PKEY *root_key, *leaf_key;
};

/*
 * Under dir: a root CA (CN cn) as root.pem, and a server leaf for
 * localhost and 127.0.0.1 that it issued (P-256) as tls.pem, with its key
 * as tls.key, mode 0600. Returns 0 with t filled (free with
 * testca_tls_free()), or -1.
 */
int testca_tls_files(const char *dir, const char *cn, struct testca_tls *t);
void testca_tls_free(struct testca_tls *t);
/* A profile signer (RSA-2048) issued by t's root, as sign.pem and sign.key
 * (0600) under dir. Returns 0 with both (caller frees), or -1. */
int testca_signer_files(const char *dir, const struct testca_tls *t,
			X509 **ret_cert, EVP_PKEY **ret_key);

#endif
