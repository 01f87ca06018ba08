/* SPDX-License-Identifier: MIT */
/* The fixture the unit tests of cert share (test_cert, test_cert_facts):
 * certificates of every kind made once per group (FX_*), and files of
 * every format written from them to a temp dir. */
#ifndef CERTPOST_TESTCERT_H
#define CERTPOST_TESTCERT_H

#include <stdbool.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki/pki.h"

enum testcert_fx {
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

struct testcert_spec {
	const char *cn;
	bool ca;
	int rsa_bits;
	bool sha1;
	long start;
	long life;
	bool by_root; /* issued by FX_ROOT, else self-signed */
	bool no_cn;
	const char *key_usage;
};

/* What each FX_* certificate is made as. */
extern const struct testcert_spec testcert_specs[FX_COUNT];
/* Made by testcert_setup(), freed by testcert_teardown(). */
extern X509 *testcert_x509[FX_COUNT];
extern EVP_PKEY *testcert_key[FX_COUNT];

/*
 * cmocka group setup: the certificates, and in a temp dir root.pem,
 * root.der, bundles, PKCS#7 files, keys in every form, certificates with
 * their keys, and files that are not certificates (see testcert.c).
 * Teardown removes the dir and frees the certificates.
 */
int testcert_setup(void **state);
int testcert_teardown(void **state);

/* The temp dir's file name, in one of four rotating buffers. */
const char *testcert_path(const char *name);
/* The one certificate in the temp dir's file name, or fails the test.
 * Caller frees with cert_list_free(c, 1). */
struct cert *testcert_load_one(const char *file);

#endif
