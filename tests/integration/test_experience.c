/* SPDX-License-Identifier: MIT */
/* The user's side, served by the real daemon: the signed profile and the
 * label iOS shows, the profiles per device, the trust-check policy. (The
 * helpdesk's side is test_helpdesk.c.) */
/* memmem() */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "check.h"
#include "harness.h"
#include "testca.h"

static struct harness h;
static X509 *root, *signer, *public_root, *pub_signer, *smime_root,
	*smime_signer;
static unsigned char *der;
static int der_len;
static struct buf unsigned_profile;

static const char base_conf[] =
	"[server]\nlisten = 127.0.0.1:0\npublic_url = http://ca.test.example/\n"
	"[ca \"corp\"]\nname = Corp Root\nfile = root.pem\n"
	"[profile]\norganization = Corp & Co\nidentifier = com.example.corp\n"
	"%s"
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"
	"[trust]\ncheck_url = https://chat.corp.example/\n"
	"check_url = https://mail.corp.example:8443/login\n";

static void
start(const char *profile_extra)
{
	char conf[2048];

	snprintf(conf, sizeof(conf), base_conf, profile_extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Corp Root", .ca = true};
	struct testca_opts so = {.cn = "Profile Signer", .rsa_bits = 2048};
	EVP_PKEY *rk, *sk;
	struct hres r;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1)
		return -1;
	so.issuer = root;
	so.issuer_key = rk;
	if (testca_make(&so, &signer, &sk) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	testca_write_pem(harness_path(&h, "signer.pem"), signer);
	testca_write_key(harness_path(&h, "signer.key"), sk);
	der_len = testca_der(root, &der);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(sk);
	/* A stand-in for a public CA: in the system trust store the check
	 * reads (SSL_CERT_FILE), not served. */
	ro.cn = "Public Root";
	so.cn = "Public Signer";
	if (testca_make(&ro, &public_root, &rk) == -1)
		return -1;
	so.issuer = public_root;
	so.issuer_key = rk;
	if (testca_make(&so, &pub_signer, &sk) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "public-root.pem"), public_root);
	testca_write_pem(harness_path(&h, "public-signer.pem"), pub_signer);
	testca_write_key(harness_path(&h, "public-signer.key"), sk);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(sk);
	/* A public root Apple trusts that this host's (TLS) store lacks, as
	 * S/MIME-only roots are: in the export of Apple's list only. */
	ro.cn = "SMIME Root";
	so.cn = "SMIME Signer";
	if (testca_make(&ro, &smime_root, &rk) == -1)
		return -1;
	so.issuer = smime_root;
	so.issuer_key = rk;
	if (testca_make(&so, &smime_signer, &sk) == -1)
		return -1;
	harness_write(&h, "apple-roots.pem", "# Apple's roots, exported\n");
	testca_append_pem(harness_path(&h, "apple-roots.pem"), smime_root);
	testca_write_pem(harness_path(&h, "smime-signer.pem"), smime_signer);
	testca_write_key(harness_path(&h, "smime-signer.key"), sk);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(sk);
	/* The unsigned profile, to compare the signed one's content with. */
	start("");
	harness_request(&h, "/ca.mobileconfig", NULL, &r);
	if (r.status != 200)
		return -1;
	buf_append(&unsigned_profile, r.body.data, r.body.len);
	hres_free(&r);
	return harness_stop(&h) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	buf_free(&unsigned_profile);
	OPENSSL_free(der);
	X509_free(root);
	X509_free(signer);
	X509_free(public_root);
	X509_free(pub_signer);
	X509_free(smime_root);
	X509_free(smime_signer);
	harness_cleanup(&h);
	return 0;
}

static void
test_signed_profile(void **state)
{
	X509_STORE *store = X509_STORE_new();
	BIO *in, *out = BIO_new(BIO_s_mem());
	CMS_ContentInfo *cms;
	struct hres r;
	char *content;
	long n;

	(void)state;
	start("sign_cert = signer.pem\nsign_key = signer.key\n");
	harness_request(&h, "/ca.mobileconfig", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/x-apple-aspen-config");
	in = BIO_new_mem_buf(r.body.data, (int)r.body.len);
	cms = d2i_CMS_bio(in, NULL);
	assert_non_null(cms);
	/* The device trusts the root that issued the signer. */
	X509_STORE_add_cert(store, root);
	if (CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY) != 1)
		fail_msg("the served profile does not verify");
	n = BIO_get_mem_data(out, &content);
	/* Signed content is exactly the unsigned profile. */
	assert_int_equal((size_t)n, unsigned_profile.len);
	assert_memory_equal(content, unsigned_profile.data, (size_t)n);
	assert_non_null(
		memmem(content, (size_t)n, "com.apple.security.root", 23));
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(out);
	X509_STORE_free(store);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* --check-config's profile line with the system trust store in
 * store_file: the label an iPhone shows. */
static void
check_label(const char *profile_extra, const char *store_file, const char *want,
	    const char *want_why)
{
	char conf[2048];
	const char *args[] = {"--check-config", "--config", NULL, NULL};
	struct buf out = {0};

	snprintf(conf, sizeof(conf), base_conf, profile_extra);
	args[2] = harness_write(&h, "label.conf", conf);
	setenv("SSL_CERT_FILE", harness_path(&h, store_file), 1);
	setenv("SSL_CERT_DIR", harness_path(&h, "no-such-dir"), 1);
	assert_int_equal(harness_run(args, &out), 0);
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	if (strstr(out.data, want) == NULL ||
	    strstr(out.data, want_why) == NULL)
		fail_msg("want '%s' (%s) in:\n%s", want, want_why, out.data);
	if ((strstr(want, "\"Verified\"") != NULL) !=
	    (strstr(out.data, "for \"Verified\", sign with") == NULL))
		fail_msg("how to get Verified, wrongly:\n%s", out.data);
	buf_free(&out);
}

/* What the iPhone's Install Profile screen will say, worked out at load. */
static void
test_profile_label(void **state)
{
	(void)state;
	check_label("", "public-root.pem", "an iPhone shows \"Not Signed\"",
		    "not signed");
	/* Signed under the served root: the phone does not trust it yet,
	 * even when this host does. */
	check_label("sign_cert = signer.pem\nsign_key = signer.key\n",
		    "public-root.pem", "an iPhone shows \"Not Verified\"",
		    "does not chain to a root");
	check_label("sign_cert = signer.pem\nsign_key = signer.key\n",
		    "root.pem", "an iPhone shows \"Not Verified\"",
		    "one of the served CAs");
	check_label("sign_cert = public-signer.pem\n"
		    "sign_key = public-signer.key\n",
		    "public-root.pem", "an iPhone shows \"Verified\"",
		    "Public Root in this host's system trust store");
}

/*
 * [profile] trust_store decides instead of this host's store, and
 * --check-config says which one did: a signer under a root only Apple's
 * list has is Verified, one under a root only this host's store has is
 * not. Without trust_store, the S/MIME-only root reads "Not Verified" and
 * the advice says why.
 */
static void
test_trust_store(void **state)
{
	static const char smime[] = "sign_cert = smime-signer.pem\n"
				    "sign_key = smime-signer.key\n";
	static const char pub[] = "sign_cert = public-signer.pem\n"
				  "sign_key = public-signer.key\n"
				  "trust_store = apple-roots.pem\n";
	char conf[2048];
	struct buf out = {0};
	const char *args[] = {"--check-config", "--config", NULL, NULL};

	(void)state;
	snprintf(conf, sizeof(conf), "%strust_store = apple-roots.pem\n",
		 smime);
	check_label(conf, "public-root.pem", "an iPhone shows \"Verified\"",
		    "SMIME Root in trust_store ");
	check_label(pub, "public-root.pem", "an iPhone shows \"Not Verified\"",
		    "does not chain to a root in trust_store ");
	check_label(smime, "public-root.pem",
		    "an iPhone shows \"Not Verified\"",
		    "reads \"Not Verified\" here until [profile] trust_store "
		    "is set");
	/* Which store decided. */
	snprintf(conf, sizeof(conf), base_conf, pub);
	args[2] = harness_write(&h, "store.conf", conf);
	assert_int_equal(harness_run(args, &out), 0);
	assert_contains(out.data,
			"apple-roots.pem ([profile] trust_store, 1 "
			"root) decided the label\n",
			"trust store");
	buf_free(&out);
	snprintf(conf, sizeof(conf), base_conf, smime);
	harness_write(&h, "store.conf", conf);
	setenv("SSL_CERT_FILE", harness_path(&h, "public-root.pem"), 1);
	assert_int_equal(harness_run(args, &out), 0);
	unsetenv("SSL_CERT_FILE");
	assert_contains(out.data, "trust store:  this host's system store (",
			"trust store");
	assert_contains(out.data, "public-root.pem, ", "trust store");
	assert_contains(out.data,
			"the roots Mozilla trusts for TLS servers, not "
			"Apple's: set [profile] trust_store",
			"trust store");
	buf_free(&out);
}

/* The page says what the screen will say. */
static void
test_page_label(void **state)
{
	static const char ios_ua[] =
		"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac "
		"OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 "
		"Mobile/15E148 Safari/604.1";
	const char *hdr[] = {ios_ua, NULL};
	struct hreq q = {.headers = hdr};
	struct hres r;

	(void)state;
	start("sign_cert = signer.pem\nsign_key = signer.key\n");
	harness_request(&h, "/", &q, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, ">Not Verified</b> in red"));
	assert_non_null(strstr(r.body.data,
			       "class=\"btn\" href=\"/ca-ios.mobileconfig\""));
	hres_free(&r);
	harness_request(&h, "/helpdesk", NULL, &r);
	assert_non_null(strstr(r.body.data, ">Not Verified</b> in red"));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* Writes path's body to dir/name and returns what script (python3, the
 * file on stdin) prints. */
static void
profile_keys(const char *path, const char *name, struct buf *out)
{
	static const char script[] =
		"import plistlib,sys\n"
		"p=plistlib.loads(sys.stdin.buffer.read())\n"
		"print(p.get(\"TargetDeviceType\"),p.get(\"PayloadScope\"),"
		"len(p[\"PayloadContent\"]))\n";
	char line[128] = "", txt[600];
	struct hres r;
	FILE *f;

	harness_request(&h, path, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/x-apple-aspen-config");
	f = fopen(harness_path(&h, name), "wb");
	fwrite(r.body.data, 1, r.body.len, f);
	fclose(f);
	hres_free(&r);
	assert_int_equal(harness_sh("python3 -c '%s' < '%s' > '%s.txt'", script,
				    harness_path(&h, name),
				    harness_path(&h, name)),
			 0);
	snprintf(txt, sizeof(txt), "%s.txt", harness_path(&h, name));
	f = fopen(txt, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	buf_puts(out, line);
}

/* One profile per Apple platform: iPhone/iPad (TargetDeviceType 1), Mac
 * (5, with [profile] scope), and the unmarked one for MDM. */
static void
test_profile_targets(void **state)
{
	struct buf o = {0};

	(void)state;
	start("");
	profile_keys("/ca.mobileconfig", "any.mobileconfig", &o);
	profile_keys("/ca-ios.mobileconfig", "ios.mobileconfig", &o);
	profile_keys("/ca-mac.mobileconfig", "mac.mobileconfig", &o);
	assert_string_equal(o.data, "None None 1\n1 None 1\n5 User 1\n");
	buf_free(&o);
	assert_int_equal(harness_stop(&h), 0);
	start("scope = system\n");
	profile_keys("/ca-mac.mobileconfig", "mac.mobileconfig", &o);
	assert_string_equal(o.data, "5 System 1\n");
	buf_free(&o);
	assert_int_equal(harness_stop(&h), 0);
}

/* The profile a device gets holds the root's exact DER. */
static void
test_profile_payload(void **state)
{
	static const char script[] =
		"import plistlib,sys\n"
		"p=plistlib.loads(sys.stdin.buffer.read())\n"
		"for c in p[\"PayloadContent\"]:\n"
		"  sys.stdout.write(c[\"PayloadType\"]+\" \"+"
		"c[\"PayloadContent\"].hex()+\"\\n\")\n";
	char cmd[1024];
	struct buf out = {0};
	FILE *p;
	int i;

	(void)state;
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' < '%s' > '%s'", script,
		 harness_write(&h, "unsigned.mobileconfig", ""),
		 harness_path(&h, "payload.txt"));
	p = fopen(harness_path(&h, "unsigned.mobileconfig"), "wb");
	fwrite(unsigned_profile.data, 1, unsigned_profile.len, p);
	fclose(p);
	assert_int_equal(system(cmd), 0);
	p = fopen(harness_path(&h, "payload.txt"), "r");
	while ((i = fgetc(p)) != EOF) {
		char ch = (char)i;

		buf_append(&out, &ch, 1);
	}
	fclose(p);
	{
		struct buf w = {0};

		buf_puts(&w, "com.apple.security.root ");
		for (i = 0; i < der_len; i++)
			buf_printf(&w, "%02x", der[i]);
		buf_puts(&w, "\n");
		assert_string_equal(out.data, w.data);
		buf_free(&w);
	}
	buf_free(&out);
}

static void
test_trust_check_policy(void **state)
{
	const char *csp;
	struct hres r;

	(void)state;
	start("");
	harness_request(&h, "/", NULL, &r);
	assert_int_equal(r.status, 200);
	csp = hres_header(&r, "Content-Security-Policy");
	assert_non_null(csp);
	/* 'self' for the trust confirmation (/trust/confirm). */
	assert_non_null(strstr(csp, "connect-src 'self' https://chat.corp."
				    "example https://mail.corp.example:8443;"));
	assert_non_null(strstr(csp, "img-src 'self' https://chat.corp.example "
				    "https://mail.corp.example:8443;"));
	assert_non_null(strstr(csp, "script-src 'self';"));
	assert_null(strstr(csp, "unsafe"));
	assert_non_null(strstr(r.body.data, "data-check-url=\"https://chat."
					    "corp.example/\""));
	assert_non_null(strstr(r.body.data, "src=\"/static/check.js\""));
	hres_free(&r);
	/* Everything else keeps the closed policy. */
	harness_request(&h, "/ca.cer", NULL, &r);
	assert_null(strstr(hres_header(&r, "Content-Security-Policy"),
			   "corp.example"));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signed_profile),
		cmocka_unit_test(test_profile_payload),
		cmocka_unit_test(test_profile_label),
		cmocka_unit_test(test_trust_store),
		cmocka_unit_test(test_profile_targets),
		cmocka_unit_test(test_page_label),
		cmocka_unit_test(test_trust_check_policy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
