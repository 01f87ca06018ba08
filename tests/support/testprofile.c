/* SPDX-License-Identifier: MIT */
/* The fixture the unit tests of profile.h share. */
#include "testprofile.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "testca.h"

struct testprofile_fx testprofile_fx[TP_COUNT];
static char tmpdir[256];

const struct profile_opts testprofile_opts = {
	.organization = TP_ORG,
	.identifier = TP_IDENT,
	.display_name = "Example root <certificates>",
	.description = TP_DESC,
};

/*
 * A certificate for a new key (EC P-256, or RSA of rsa_bits), signed by
 * issuer (NULL: self-signed), loaded back through cert_load_mem() so that
 * the struct cert is what the daemon would hand profile.c.
 */
static void
make(struct testprofile_fx *f, const char *cn, int rsa_bits,
     const struct testprofile_fx *issuer, bool ca)
{
	const struct testca_opts o = {
		.cn = cn,
		.ca = ca,
		.rsa_bits = rsa_bits,
		.start_offset_s = -3600,
		.issuer = issuer != NULL ? issuer->x509 : NULL,
		.issuer_key = issuer != NULL ? issuer->key : NULL,
	};
	unsigned char *der = NULL;
	char err[256];
	size_t n;
	int len;

	assert_int_equal(testca_make(&o, &f->x509, &f->key), 0);
	assert_true((len = testca_der(f->x509, &der)) > 0);
	if (cert_load_mem(der, (size_t)len, cn, &f->cert, &n, err,
			  sizeof(err)) != 0)
		fail_msg("cert_load_mem: %s", err);
	assert_int_equal(n, 1);
	OPENSSL_free(der);
}

const char *
testprofile_path(const char *name)
{
	static char bufs[4][512];
	static unsigned next;
	char *p = bufs[next++ % 4];

	assert_int_equal(str_printf(p, 512, "%s/%s", tmpdir, name), 0);
	return p;
}

void
testprofile_write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(testprofile_path(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void
testprofile_read_file(const char *name, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(testprofile_path(name), "rb");

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(out, chunk, n), 0);
	assert_int_equal(fclose(f), 0);
}

int
testprofile_setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	assert_int_equal(str_printf(tmpdir, sizeof(tmpdir),
				    "%s/certpost-profile-XXXXXX",
				    t != NULL && *t != '\0' ? t : "/tmp"),
			 0);
	assert_non_null(mkdtemp(tmpdir));
	make(&testprofile_fx[TP_CA1], "Example Root CA 1", 0, NULL, true);
	make(&testprofile_fx[TP_CA2], "Example <Root> CA 2 & Co", 0, NULL,
	     true);
	/* S/MIME rules: a signer's keyUsage needs digitalSignature */
	make(&testprofile_fx[TP_SELF_SIGNER], "Self-signed profile signer", 0,
	     NULL, false);
	make(&testprofile_fx[TP_ROOT], "Signing Root", 0, NULL, true);
	make(&testprofile_fx[TP_INTER], "Signing Intermediate", 0,
	     &testprofile_fx[TP_ROOT], true);
	make(&testprofile_fx[TP_LEAF], "profiles.example.com", 2048,
	     &testprofile_fx[TP_INTER], false);
	return 0;
}

int
testprofile_teardown(void **state)
{
	static const char *const files[] = {
		"p.plist", "check.py", "p.mobileconfig", "anchor.pem", "out",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(files); i++)
		unlink(testprofile_path(files[i]));
	rmdir(tmpdir);
	for (i = 0; i < TP_COUNT; i++) {
		cert_list_free(testprofile_fx[i].cert, 1);
		X509_free(testprofile_fx[i].x509);
		EVP_PKEY_free(testprofile_fx[i].key);
	}
	return 0;
}

int
testprofile_run(const char *cmd, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *p = popen(cmd, "r");
	int status;

	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(buf_append(out, chunk, n), 0);
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void
testprofile_build(const struct cert *const *certs, size_t n, struct buf *out)
{
	char err[256] = "";

	if (profile_build(&testprofile_opts, certs, n, out, err, sizeof(err)) !=
	    0)
		fail_msg("profile_build: %s", err);
	assert_string_equal(err, "");
}
