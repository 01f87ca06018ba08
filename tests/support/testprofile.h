/* SPDX-License-Identifier: MIT */
/* The fixture the unit tests of profile.h share (test_profile,
 * test_profile_sign, test_profile_refused): six certificates made once per
 * group, a temp dir for files and commands, and profile_build() with the
 * usual options. */
#ifndef CERTPOST_TESTPROFILE_H
#define CERTPOST_TESTPROFILE_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "pki/pki.h"
#include "util.h"

#define TP_IDENT "com.example.certpost"
#define TP_ORG "A<&>B \"Q\" 'x'"
#define TP_DESC "Install this to reach internal servers."

/* A certificate with its key, and the struct cert profile.c reads. */
struct testprofile_fx {
	X509 *x509;
	EVP_PKEY *key;
	struct cert *cert; /* from cert_load_mem(), one */
};

enum { TP_CA1, TP_CA2, TP_SELF_SIGNER, TP_ROOT, TP_INTER, TP_LEAF, TP_COUNT };

/* Filled by testprofile_setup(), freed by testprofile_teardown(). */
extern struct testprofile_fx testprofile_fx[TP_COUNT];
/* TP_IDENT, TP_ORG, TP_DESC and a display name with <>. */
extern const struct profile_opts testprofile_opts;

/* cmocka group setup and teardown: the temp dir and the certificates. */
int testprofile_setup(void **state);
int testprofile_teardown(void **state);

/* The temp dir's file name, in one of four rotating buffers. */
const char *testprofile_path(const char *name);
/* Writes the file name in the temp dir, or fails the test. */
void testprofile_write_file(const char *name, const void *data, size_t len);
/* Appends the file name in the temp dir to out, or fails the test. */
void testprofile_read_file(const char *name, struct buf *out);
/* Runs cmd (through sh), collecting stdout; returns its exit status. */
int testprofile_run(const char *cmd, struct buf *out);
/* profile_build() with testprofile_opts, or fails the test. */
void testprofile_build(const struct cert *const *certs, size_t n,
		       struct buf *out);

#endif
