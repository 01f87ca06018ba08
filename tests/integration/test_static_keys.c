/* SPDX-License-Identifier: MIT */
/* Private keys in static_dir, in every form and under any name, and files
 * that are the configured keys under another name: refused at start, and a
 * reload keeps the old snapshot. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "harness.h"
#include "testca.h"

static struct harness h;
static X509 *leaf;
static EVP_PKEY *ec_key, *rsa_key;

#define CONF_HEAD                                                              \
	"[server]\nlisten = 127.0.0.1:0\nhttps_listen = 127.0.0.1:0\n"         \
	"tls_cert = tls.pem\ntls_key = tls.key\n"
#define CONF_TAIL                                                              \
	"[ca \"root\"]\nfile = root.pem\n[profile]\nsign_cert = sign.pem\n"    \
	"sign_key = sign.key\n[access]\nallow = 127.0.0.0/8\n"
#define CONF CONF_HEAD "static_dir = static\n" CONF_TAIL

static const char pgp_key[] =
	"-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
	"lFgEZQ3p2hYJKwYBBAHaRw8BAQdAexampleexampleexampleexampleexample\n"
	"=AbCd\n-----END PGP PRIVATE KEY BLOCK-----\n";
static const char openssh_key[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
				  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAA"
				  "AAAAAAABAAAAMwAAAAtzc2gtZW\n"
				  "-----END OPENSSH PRIVATE KEY-----\n";
static const char putty_key[] =
	"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n"
	"Comment: admin@corp\nPublic-Lines: 2\n"
	"AAAAC3NzaC1lZDI1NTE5AAAAIBexampleexampleexampleexampleexamplee\n"
	"Private-Lines: 1\nAAAAIGexampleexampleexampleexampleexampleexam\n"
	"Private-MAC: 0123456789abcdef0123456789abcdef0123456789abcdef\n";

enum form {
	F_PK8_DER,
	F_RSA_DER,
	F_EC_DER,
	F_ENC_DER,
	F_ENC_PEM,
	F_RSA_PEM,
	F_P12_PASS,
	F_P12_NOPASS,
	F_P12_CERT,
	F_PEM_OTHER_LABEL,
	F_PEM_IN_CSS,
	F_PGP,
	F_OPENSSH,
	F_PUTTY,
};

static const struct form_case {
	const char *name; /* in static_dir */
	enum form form;
	const char *want; /* after "static/<name>: holds " */
} cases[] = {
	{"font.woff2", F_PK8_DER, "a private key"},
	{"icon.png", F_PK8_DER, "a private key"},
	{"icon.png", F_RSA_DER, "a private key"},
	{"favicon.ICO", F_EC_DER, "a private key"},
	{"font.woff2", F_EC_DER, "a private key"},
	{"font.woff2", F_ENC_DER, "an encrypted private key"},
	{"notes.txt", F_ENC_PEM, "an encrypted private key"},
	{"readme.txt", F_RSA_PEM, "a private key"},
	{"font.woff2", F_P12_PASS, "a PKCS#12 archive"},
	{"icon.png", F_P12_NOPASS, "a PKCS#12 archive"},
	{"photo.jpg", F_P12_CERT, "a PKCS#12 archive"},
	{"data.txt", F_PEM_OTHER_LABEL, "a private key"},
	{"Style.CSS", F_PEM_IN_CSS, "a private key"},
	{"keys.txt", F_PGP, "a PGP private key"},
	{"id.txt", F_OPENSSH, "an OpenSSH private key"},
	{"putty.txt", F_PUTTY, "a PuTTY private key"},
};

/* A PEM block with a label that does not say what it holds. */
static int
write_other_label(const char *path, EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int len = i2d_PrivateKey(k, &der), ok = 0;
	FILE *f;

	if (len > 0 && (f = fopen(path, "w")) != NULL) {
		ok = PEM_write(f, "DATA", "", der, len);
		ok = fclose(f) == 0 && ok;
	}
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

static int
write_form(const char *path, enum form form)
{
	switch (form) {
	case F_PK8_DER: return testca_write_key_der(path, ec_key);
	case F_RSA_DER:
		return testca_write_key_as(path, rsa_key, TESTCA_KEY_TRAD_DER,
					   false);
	case F_EC_DER:
		return testca_write_key_as(path, ec_key, TESTCA_KEY_TRAD_DER,
					   false);
	case F_ENC_DER:
		return testca_write_key_as(path, ec_key, TESTCA_KEY_ENC_DER,
					   false);
	case F_ENC_PEM:
		return testca_write_key_as(path, ec_key, TESTCA_KEY_ENC_PEM,
					   false);
	case F_RSA_PEM:
		return testca_write_key_as(path, rsa_key, TESTCA_KEY_TRAD_PEM,
					   false);
	case F_P12_PASS: return testca_write_p12(path, leaf, ec_key, "secret");
	case F_P12_NOPASS: return testca_write_p12(path, leaf, ec_key, NULL);
	case F_P12_CERT: return testca_write_p12(path, leaf, NULL, "secret");
	case F_PEM_OTHER_LABEL: return write_other_label(path, ec_key);
	case F_PEM_IN_CSS:
		/* Rules first: the key is not where a sniffer looks. */
		if (testca_write_file(path, "body { color: #123; }\n", 22,
				      false) == -1)
			return -1;
		return testca_write_key_as(path, rsa_key, TESTCA_KEY_TRAD_PEM,
					   true);
	case F_PGP:
		return testca_write_file(path, pgp_key, sizeof(pgp_key) - 1,
					 false);
	case F_OPENSSH:
		return testca_write_file(path, openssh_key,
					 sizeof(openssh_key) - 1, false);
	case F_PUTTY:
		return testca_write_file(path, putty_key, sizeof(putty_key) - 1,
					 false);
	}
	return -1;
}

static int
setup(void **state)
{
	struct testca_tls t;
	X509 *signer;

	(void)state;
	harness_init(&h);
	if (testca_tls_files(h.dir, "Static Keys Root", &t) == -1)
		return -1;
	if (testca_signer_files(h.dir, &t, &signer, &rsa_key) == -1) {
		testca_tls_free(&t);
		return -1;
	}
	X509_free(signer);
	/* The leaf and its key outlive the set-up; the rest is freed. */
	leaf = t.leaf;
	ec_key = t.leaf_key;
	t.leaf = NULL;
	t.leaf_key = NULL;
	testca_tls_free(&t);
	mkdir(harness_path(&h, "static"), 0755);
	harness_write(&h, "static/style.css", "body { color: #123456; }\n");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(leaf);
	EVP_PKEY_free(ec_key);
	EVP_PKEY_free(rsa_key);
	harness_cleanup(&h);
	return 0;
}

/* Starts with conf, which must fail; the log must name the file and say
 * want. */
static void
assert_refused(const char *conf, const char *file, const char *want)
{
	const char *args[] = {"--config", harness_path(&h, "certpost.conf"),
			      NULL};
	struct buf log = {0};
	char needle[512];
	int status = 0;

	harness_write(&h, "certpost.conf", conf);
	if (harness_start(&h, args, &status) == 0) {
		(void)harness_stop(&h);
		fail_msg("started with %s (%s)", file, want);
	}
	assert_int_not_equal(status, 0);
	harness_log(&h, &log);
	snprintf(needle, sizeof(needle), "%s: %s", file, want);
	if (log.data == NULL || strstr(log.data, needle) == NULL)
		fail_msg("log lacks '%s':\n%s", needle,
			 log.data ? log.data : "");
	buf_free(&log);
}

/* Every form of key, under names the site serves. */
static void
test_forms_refused_at_start(void **state)
{
	char rel[128], want[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "static/%s", cases[i].name);
		assert_int_equal(
			write_form(harness_path(&h, rel), cases[i].form), 0);
		snprintf(want, sizeof(want), "holds %s", cases[i].want);
		print_message("# %s as %s\n", cases[i].want, cases[i].name);
		assert_refused(CONF, rel, want);
		assert_int_equal(unlink(harness_path(&h, rel)), 0);
	}
}

/* A hard link is the key itself, under any name, served or not. */
static void
test_hard_links_refused(void **state)
{
	static const struct {
		const char *target, *link, *want;
	} links[] = {
		{"tls.key", "static/tls-backup.key", "the TLS key"},
		{"tls.key", "static/font.woff2", "the TLS key"},
		{"sign.key", "static/sign.txt", "the profile signing key"},
	};
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		assert_int_equal(link(harness_path(&h, links[i].target),
				      harness_path(&h, links[i].link)),
				 0);
		snprintf(want, sizeof(want), "is the same file as %s (%s",
			 links[i].want, harness_path(&h, links[i].target));
		assert_refused(CONF, links[i].link, want);
		assert_int_equal(unlink(harness_path(&h, links[i].link)), 0);
	}
}

/* static_dir reached through a symbolic link is still where the keys
 * are. */
static void
test_symlinked_static_dir(void **state)
{
	(void)state;
	/* static_dir is a link to the directory holding both keys. */
	assert_int_equal(symlink(".", harness_path(&h, "site")), 0);
	assert_refused(CONF_HEAD "static_dir = site\n" CONF_TAIL, "tls.key",
		       "the TLS key is inside static_dir");
	assert_int_equal(unlink(harness_path(&h, "site")), 0);
	/* The key named through a link into static_dir. */
	assert_int_equal(rename(harness_path(&h, "sign.key"),
				harness_path(&h, "static/sign.key")),
			 0);
	assert_int_equal(symlink("static", harness_path(&h, "keys")), 0);
	assert_refused(CONF_HEAD
		       "static_dir = static\n"
		       "[ca \"root\"]\nfile = root.pem\n[profile]\n"
		       "sign_cert = sign.pem\nsign_key = keys/sign.key\n"
		       "[access]\nallow = 127.0.0.0/8\n",
		       "sign.key", "the profile signing key is inside");
	assert_int_equal(unlink(harness_path(&h, "keys")), 0);
	assert_int_equal(rename(harness_path(&h, "static/sign.key"),
				harness_path(&h, "sign.key")),
			 0);
}

static void
assert_style_served(void)
{
	struct hres r;

	harness_request(&h, "/static/style.css", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "#123456"));
	hres_free(&r);
}

/* A reload that finds a key keeps serving the snapshot it had. */
static void
test_reload_keeps_snapshot(void **state)
{
	static const struct {
		const char *rel;
		enum form form;
		const char *link; /* hard link to this instead */
		const char *want;
	} adds[] = {
		{"static/font.woff2", F_PK8_DER, NULL, "holds a private key"},
		{"static/icon.png", F_P12_PASS, NULL, "holds a PKCS#12"},
		{"static/keys.txt", F_PGP, NULL, "holds a PGP private key"},
		{"static/old.key", F_PK8_DER, "tls.key",
		 "is the same file as the TLS key"},
	};
	struct hres r;
	size_t i;

	(void)state;
	assert_int_equal(harness_start_conf(&h, CONF), 0);
	assert_style_served();
	for (i = 0; i < sizeof(adds) / sizeof(adds[0]); i++) {
		const char *path = harness_path(&h, adds[i].rel);
		struct buf log = {0};
		char needle[256];

		if (adds[i].link != NULL)
			assert_int_equal(
				link(harness_path(&h, adds[i].link), path), 0);
		else
			assert_int_equal(write_form(path, adds[i].form), 0);
		kill(h.pid, SIGHUP);
		assert_true(harness_wait_log(&h, "reload failed", 5000));
		harness_log(&h, &log);
		snprintf(needle, sizeof(needle), "%s: %s", adds[i].rel,
			 adds[i].want);
		if (strstr(log.data, needle) == NULL)
			fail_msg("log lacks '%s':\n%s", needle, log.data);
		buf_free(&log);
		assert_style_served();
		harness_request(&h, adds[i].rel + 6, NULL, &r);
		assert_int_equal(r.status, 404);
		hres_free(&r);
		harness_request(&h, "/ca.cer", NULL, &r);
		assert_int_equal(r.status, 200);
		hres_free(&r);
		assert_int_equal(unlink(path), 0);
		/* harness_wait_log() reads from the start: forget this
		 * failure (the daemon's stderr is opened O_APPEND). */
		assert_int_equal(truncate(h.log_path, 0), 0);
	}
	kill(h.pid, SIGHUP);
	assert_true(harness_wait_log(&h, "reloaded in ", 5000));
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms_refused_at_start),
		cmocka_unit_test(test_hard_links_refused),
		cmocka_unit_test(test_symlinked_static_dir),
		cmocka_unit_test(test_reload_keeps_snapshot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
