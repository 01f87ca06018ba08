/* SPDX-License-Identifier: MIT */
/* Unit tests for cert_find_private_key(): every form of key found, in files
 * of any kind; certificates, public keys and site files are not keys. */
#include "pki/pki.h"
#include "testca.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static X509 *cert;
static EVP_PKEY *ec, *rsa, *ed;

enum form {
	PK8_PEM,
	PK8_DER,
	PK8_DER_ED25519,
	RSA_PEM,
	RSA_DER,
	EC_PEM,
	EC_DER,
	ENC_PEM,
	ENC_DER,
	LEGACY_ENC_PEM,
	P12_PASS,
	P12_NOPASS,
	P12_CERT_ONLY,
	MSBLOB,
	PVK,
	OTHER_LABEL,
	CSS_THEN_KEY,
	CERT_THEN_KEY,
	KEY_THEN_JUNK,
	PGP,
	OPENSSH,
	PUTTY,
	SSH1,
	SSHCOM,
	/* Not keys. */
	CERT_PEM,
	CERT_DER,
	PUB_PEM,
	PUB_DER,
	P7B,
	CSS,
	PNG,
	RANDOM,
	PROSE,
	EMPTY,
};

static const struct key_case {
	enum form form;
	const char *label;
	const char *want; /* start of the answer; NULL = no key */
} cases[] = {
	{PK8_PEM, "PKCS#8 PEM", "a private key"},
	{PK8_DER, "PKCS#8 DER", "a private key"},
	{PK8_DER_ED25519, "Ed25519 PKCS#8 DER", "a private key"},
	{RSA_PEM, "RSA PRIVATE KEY", "a private key"},
	{RSA_DER, "RSAPrivateKey DER", "a private key"},
	{EC_PEM, "EC PRIVATE KEY", "a private key"},
	{EC_DER, "ECPrivateKey DER", "a private key"},
	{ENC_PEM, "ENCRYPTED PRIVATE KEY", "an encrypted private key"},
	{ENC_DER, "EncryptedPrivateKeyInfo DER", "an encrypted private key"},
	{LEGACY_ENC_PEM, "Proc-Type encrypted PEM", "a private key"},
	{P12_PASS, "PKCS#12 with a pass phrase", "a PKCS#12 archive"},
	{P12_NOPASS, "PKCS#12 without one", "a PKCS#12 archive"},
	{P12_CERT_ONLY, "PKCS#12 of a certificate", "a PKCS#12 archive"},
	{MSBLOB, "MSBLOB private key", "a private key"},
	{PVK, "PVK", "a private key"},
	{OTHER_LABEL, "key DER in a DATA PEM block", "a private key"},
	{CSS_THEN_KEY, "CSS, then a PEM key", "a private key"},
	{CERT_THEN_KEY, "certificate, then a PKCS#8 PEM in another label",
	 "a private key"},
	{KEY_THEN_JUNK, "PKCS#8 DER with bytes after it", "a private key"},
	{PGP, "PGP PRIVATE KEY BLOCK", "a PGP private key block"},
	{OPENSSH, "OPENSSH PRIVATE KEY", "an OpenSSH private key"},
	{PUTTY, "PuTTY key file", "a PuTTY private key"},
	{SSH1, "SSH1 key file", "an SSH1 private key"},
	{SSHCOM, "SSH.COM key file", "an SSH.COM private key"},
	{CERT_PEM, "certificate PEM", NULL},
	{CERT_DER, "certificate DER", NULL},
	{PUB_PEM, "public key PEM", NULL},
	{PUB_DER, "public key DER", NULL},
	{P7B, "PKCS#7 bundle", NULL},
	{CSS, "a stylesheet", NULL},
	{PNG, "a PNG header", NULL},
	{RANDOM, "random bytes", NULL},
	{PROSE, "a page about private keys", NULL},
	{EMPTY, "nothing", NULL},
};

static const char pgp[] = "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
			  "lFgEZQ3p2hYJKwYBBAHaRw8BAQdA\n=AbCd\n"
			  "-----END PGP PRIVATE KEY BLOCK-----\n";
static const char openssh[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
			      "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n"
			      "-----END OPENSSH PRIVATE KEY-----\n";
static const char putty[] = "PuTTY-User-Key-File-2: ssh-rsa\n"
			    "Encryption: none\nComment: x\nPublic-Lines: 1\n"
			    "AAAAB3NzaC1yc2E=\nPrivate-Lines: 1\nAAAAgQ==\n";
static const char ssh1[] = "SSH PRIVATE KEY FILE FORMAT 1.1\n\0\0\0\0";
static const char sshcom[] = "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n"
			     "Comment: \"x\"\nP2/56wAAAi4AAAA3aWYtbW9kbntzaW\n"
			     "---- END SSH2 ENCRYPTED PRIVATE KEY ----\n";
static const char css[] = "body { color: #123456; }\n"
			  "/* -----BEGIN CERTIFICATE----- is not here */\n";
static const char prose[] =
	"<p>Never put your PRIVATE KEY here; keep the private key file "
	"readable by certpost only.</p>\n";
static const unsigned char png[] = {0x89, 'P',	'N', 'G', '\r', '\n',
				    0x1a, '\n', 0,   0,	  0,	13,
				    'I',  'H',	'D', 'R', 0,	0};

static int
put(BIO *b, const void *data, size_t len)
{
	return BIO_write(b, data, (int)len) == (int)len;
}

static int
p12(BIO *b, EVP_PKEY *k, const char *pass)
{
	PKCS12 *p = PKCS12_create(pass, "x", k, cert, NULL, pass ? 0 : -1,
				  pass ? 0 : -1, 0, 0, 0);
	int ok = p != NULL && i2d_PKCS12_bio(b, p) == 1;

	PKCS12_free(p);
	return ok;
}

static int
other_label(BIO *b)
{
	unsigned char *der = NULL;
	int len = i2d_PrivateKey(ec, &der);
	int ok = len > 0 && PEM_write_bio(b, "DATA", "", der, len) > 0;

	OPENSSL_free(der);
	return ok;
}

static int
write_form(BIO *b, enum form f)
{
	static unsigned char pass[] = "secret";
	unsigned char junk[64];

	switch (f) {
	case PK8_PEM:
		return PEM_write_bio_PKCS8PrivateKey(b, ec, NULL, NULL, 0, NULL,
						     NULL);
	case PK8_DER:
		return i2d_PKCS8PrivateKey_bio(b, rsa, NULL, NULL, 0, NULL,
					       NULL);
	case PK8_DER_ED25519:
		return i2d_PKCS8PrivateKey_bio(b, ed, NULL, NULL, 0, NULL,
					       NULL);
	case RSA_PEM:
		return PEM_write_bio_PrivateKey_traditional(b, rsa, NULL, NULL,
							    0, NULL, NULL);
	case RSA_DER: return i2d_PrivateKey_bio(b, rsa);
	case EC_PEM:
		return PEM_write_bio_PrivateKey_traditional(b, ec, NULL, NULL,
							    0, NULL, NULL);
	case EC_DER: return i2d_PrivateKey_bio(b, ec);
	case ENC_PEM:
		return PEM_write_bio_PKCS8PrivateKey(b, ec, EVP_aes_256_cbc(),
						     "secret", 6, NULL, NULL);
	case ENC_DER:
		return i2d_PKCS8PrivateKey_bio(b, ec, EVP_aes_256_cbc(),
					       "secret", 6, NULL, NULL);
	case LEGACY_ENC_PEM:
		return PEM_write_bio_PrivateKey_traditional(
			b, rsa, EVP_aes_256_cbc(), pass, 6, NULL, NULL);
	case P12_PASS: return p12(b, ec, "secret");
	case P12_NOPASS: return p12(b, ec, NULL);
	case P12_CERT_ONLY: return p12(b, NULL, "secret");
	case MSBLOB: return i2b_PrivateKey_bio(b, rsa) > 0;
	case PVK: return i2b_PVK_bio(b, rsa, 0, NULL, NULL) > 0;
	case OTHER_LABEL: return other_label(b);
	case CSS_THEN_KEY:
		return put(b, css, sizeof(css) - 1) &&
		       PEM_write_bio_PrivateKey_traditional(b, rsa, NULL, NULL,
							    0, NULL, NULL);
	case CERT_THEN_KEY:
		return PEM_write_bio_X509(b, cert) && other_label(b);
	case KEY_THEN_JUNK:
		memset(junk, 'x', sizeof(junk));
		return i2d_PKCS8PrivateKey_bio(b, ec, NULL, NULL, 0, NULL,
					       NULL) &&
		       put(b, junk, sizeof(junk));
	case PGP: return put(b, pgp, sizeof(pgp) - 1);
	case OPENSSH: return put(b, openssh, sizeof(openssh) - 1);
	case PUTTY: return put(b, putty, sizeof(putty) - 1);
	case SSH1: return put(b, ssh1, sizeof(ssh1) - 1);
	case SSHCOM: return put(b, sshcom, sizeof(sshcom) - 1);
	case CERT_PEM: return PEM_write_bio_X509(b, cert);
	case CERT_DER: return i2d_X509_bio(b, cert);
	case PUB_PEM: return PEM_write_bio_PUBKEY(b, rsa);
	case PUB_DER: return i2d_PUBKEY_bio(b, ec);
	case P7B: {
		STACK_OF(X509) *sk = sk_X509_new_null();
		PKCS7 *p7;
		int ok;

		sk_X509_push(sk, cert);
		p7 = PKCS7_sign(NULL, NULL, sk, NULL,
				PKCS7_PARTIAL | PKCS7_DETACHED);
		ok = p7 != NULL && i2d_PKCS7_bio(b, p7);
		PKCS7_free(p7);
		sk_X509_free(sk);
		return ok;
	}
	case CSS: return put(b, css, sizeof(css) - 1);
	case PNG: return put(b, png, sizeof(png));
	case RANDOM: {
		unsigned char r[4096];

		return RAND_bytes(r, sizeof(r)) == 1 && put(b, r, sizeof(r));
	}
	case PROSE: return put(b, prose, sizeof(prose) - 1);
	case EMPTY: return 1;
	}
	return 0;
}

static int
setup(void **state)
{
	struct testca_opts o = {.cn = "Key Test Root", .ca = true};
	struct testca_opts ro = {.cn = "RSA", .ca = true, .rsa_bits = 2048};
	X509 *x;

	(void)state;
	if (cert_wipe_freed_memory() == -1 || testca_make(&o, &cert, &ec) ||
	    testca_make(&ro, &x, &rsa) ||
	    (ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return -1;
	X509_free(x);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(cert);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ed);
	return 0;
}

static void
test_forms(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_ELEMS(cases); i++) {
		const struct key_case *c = &cases[i];
		BIO *b = BIO_new(BIO_s_mem());
		const char *got;
		char *data;
		long len;

		assert_non_null(b);
		if (write_form(b, c->form) <= 0)
			fail_msg("cannot make %s", c->label);
		len = BIO_get_mem_data(b, &data);
		got = cert_find_private_key(data, (size_t)len);
		if (c->want == NULL && got != NULL)
			fail_msg("%s: found %s", c->label, got);
		if (c->want != NULL &&
		    (got == NULL || strncmp(got, c->want, strlen(c->want))))
			fail_msg("%s: found %s, want %s", c->label,
				 got ? got : "nothing", c->want);
		/* Failed guesses leave nothing in OpenSSL's error queue. */
		assert_int_equal(ERR_peek_error(), 0);
		BIO_free(b);
	}
}

/* Every PKCS#8 DER prefix: a cut key is no certificate either, and no
 * prefix may crash the decoders. */
static void
test_truncated(void **state)
{
	unsigned char *der = NULL;
	int len = i2d_PrivateKey(rsa, &der), i;

	(void)state;
	assert_true(len > 0);
	assert_non_null(cert_find_private_key(der, (size_t)len));
	for (i = 0; i < len; i += 7)
		(void)cert_find_private_key(der, (size_t)i);
	assert_int_equal(ERR_peek_error(), 0);
	OPENSSL_free(der);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
