/* SPDX-License-Identifier: MIT */
/* Bad configurations and files: the daemon refuses to start and names the file
 * and line. */
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

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

static int
setup(void **state)
{
	struct testca_opts o = {.cn = "Config Test Root", .ca = true};
	X509 *x;
	EVP_PKEY *k;

	(void)state;
	harness_init(&h);
	if (testca_make(&o, &x, &k) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "good.pem"), x);
	testca_write_key(harness_path(&h, "key.pem"), k);
	testca_write_key_der(harness_path(&h, "key.der"), k);
	/* A certificate with its key appended: still a key file. */
	testca_write_pem(harness_path(&h, "cert-and-key.pem"), x);
	{
		FILE *f = fopen(harness_path(&h, "cert-and-key.pem"), "a");
		FILE *kf = fopen(harness_path(&h, "key.pem"), "r");
		char line[256];

		while (fgets(line, sizeof(line), kf) != NULL)
			fputs(line, f);
		fclose(kf);
		fclose(f);
	}
	harness_write(&h, "garbage.txt", "this is not a certificate\n");
	/* Where a file should be: a FIFO nobody writes (opening it blocking
	 * would hang the daemon and --check-config). */
	if (mkfifo(harness_path(&h, "fifo"), 0600) == -1)
		return -1;
	harness_write(&h, "empty.pem", "");
	harness_write(&h, "bad-store.pem",
		      "# Apple roots\n\n-----BEGIN CERTIFICATE-----\nAAAA\n"
		      "-----END CERTIFICATE-----\n");
	X509_free(x);
	EVP_PKEY_free(k);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_cleanup(&h);
	return 0;
}

struct bad_case {
	const char *name;
	const char *config;  /* %s = the temp dir */
	const char *want[3]; /* substrings the error must contain */
};

#define GOOD_CA "[ca \"root\"]\nfile = good.pem\n"
#define ACCESS "[access]\nallow = 127.0.0.0/8\n"
#define LISTEN "[server]\nlisten = 127.0.0.1:0\n"
#define SIGNED "[profile]\nsign_cert = good.pem\nsign_key = key.pem\n"

static const struct bad_case cases[] = {
	{"missing CA file",
	 LISTEN ACCESS "[ca \"root\"]\nfile = nope.pem\n",
	 {"nope.pem", "No such file"}},
	{"private key PEM",
	 LISTEN ACCESS "[ca \"root\"]\nfile = key.pem\n",
	 {"key.pem", "private key"}},
	{"private key DER",
	 LISTEN ACCESS "[ca \"root\"]\nfile = key.der\n",
	 {"key.der", "private key"}},
	{"key appended to cert",
	 LISTEN ACCESS "[ca \"root\"]\nfile = cert-and-key.pem\n",
	 {"cert-and-key.pem", "private key"}},
	{"garbage file",
	 LISTEN ACCESS "[ca \"root\"]\nfile = garbage.txt\n",
	 {"garbage.txt", "no certificate", "text"}},
	{"empty file",
	 LISTEN ACCESS "[ca \"root\"]\nfile = empty.pem\n",
	 {"empty.pem"}},
	{"unknown key",
	 LISTEN "colour = blue\n" ACCESS GOOD_CA,
	 {"certpost.conf:3:", "colour", "unknown key"}},
	{"unknown section",
	 LISTEN ACCESS GOOD_CA "[extra]\nx = 1\n",
	 {"certpost.conf:7:", "unknown section [extra]"}},
	{"syntax error",
	 LISTEN "this line is wrong\n" ACCESS GOOD_CA,
	 {"certpost.conf:3:", "syntax error"}},
	{"bad listen",
	 "[server]\nlisten = localhost:80\n" ACCESS GOOD_CA,
	 {"certpost.conf:2:", "localhost:80"}},
	{"bad port",
	 "[server]\nlisten = 127.0.0.1:99999\n" ACCESS GOOD_CA,
	 {"certpost.conf:2:", "port"}},
	{"host bits",
	 LISTEN "[access]\nallow = 10.0.0.1/8\n" GOOD_CA,
	 {"certpost.conf:4:", "10.0.0.0/8"}},
	{"bad bool",
	 LISTEN ACCESS "[ca \"root\"]\nfile = good.pem\n"
		       "primary = maybe\n",
	 {"certpost.conf:7:", "primary", "yes or no"}},
	{"duplicate key",
	 LISTEN "public_url = http://a/\n"
		"public_url = http://b/\n" ACCESS GOOD_CA,
	 {"certpost.conf:4:", "given twice (first on line 3)"}},
	{"bad slug",
	 LISTEN ACCESS "[ca \"Bad Slug\"]\nfile = good.pem\n",
	 {"certpost.conf:", "slug"}},
	{"no CA", LISTEN ACCESS, {"no CA configured"}},
	{"public listen",
	 "[server]\nlisten = 8.8.8.8:80\n" ACCESS GOOD_CA,
	 {"8.8.8.8:80", "publicly routable", "allow_public"}},
	{"public allow",
	 LISTEN "[access]\nallow = 0.0.0.0/0\n" GOOD_CA,
	 {"0.0.0.0/0", "publicly routable"}},
	{"wildcard listen, public allow",
	 "[server]\nlisten = 0.0.0.0:0\n[access]\nallow = 10.0.0.0/8\n"
	 "allow = 203.0.113.0/24\nallow_public = no\n" GOOD_CA,
	 {"203.0.113.0/24", "publicly routable"}},
	{"two primaries",
	 LISTEN ACCESS
	 "[ca \"a\"]\nfile = good.pem\n"
	 "primary = yes\n[ca \"b\"]\nfile = good.pem\nprimary = yes\n",
	 {"primary"}},
	{"long line",
	 LISTEN ACCESS GOOD_CA
	 "[profile]\ndescription = "
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	 "\n",
	 {"certpost.conf:8:", "longer than"}},
	{"https without cert",
	 "[server]\nhttps_listen = 127.0.0.1:0\n" ACCESS GOOD_CA,
	 {"tls_cert"}},
	{"public trusted_proxy",
	 LISTEN ACCESS "trusted_proxy = 0.0.0.0/0\n" GOOD_CA,
	 {"certpost.conf:5:", "trusted_proxy 0.0.0.0/0",
	  "may name any client address"}},
	{"public trusted_proxy, IPv6",
	 LISTEN ACCESS
	 "trusted_proxy = 10.0.0.1\ntrusted_proxy = ::/0\n" GOOD_CA,
	 {"certpost.conf:6:", "trusted_proxy ::/0", "allow_public"}},
	{"public trusted_proxy, one public host",
	 LISTEN ACCESS "trusted_proxy = 198.51.100.7\n" GOOD_CA,
	 {"certpost.conf:5:", "198.51.100.7/32", "publicly routable"}},
	{"trusted_proxy that is no peer",
	 LISTEN ACCESS "trusted_proxy = 224.0.0.1\n" GOOD_CA,
	 {"certpost.conf:5:", "224.0.0.1/32", "can never be"}},
	{"allow that is no peer",
	 LISTEN "[access]\nallow = 10.0.0.0/8\nallow = 0.0.0.0\n" GOOD_CA,
	 {"certpost.conf:5:", "allow 0.0.0.0/32", "can never be"}},
	{"admin that is no peer",
	 LISTEN ACCESS "admin = ff02::1\n" GOOD_CA,
	 {"certpost.conf:5:", "admin ff02::1/128", "can never be"}},
	{"bad proxy_header",
	 LISTEN ACCESS "proxy_header = x-real-ip\n" GOOD_CA,
	 {"certpost.conf:5:", "proxy_header",
	  "expected x-forwarded-for or forwarded"}},
	{"bad server_name",
	 LISTEN "server_name = ca corp\n" ACCESS GOOD_CA,
	 {"certpost.conf:3:", "server_name", "neither a DNS name"}},
	{"public_url with a quote",
	 LISTEN
	 "public_url = http://x.example/\",\"evil\":\"1\n" ACCESS GOOD_CA,
	 {"public_url", "may not appear in a URL"}},
	{"public_url with user information",
	 LISTEN
	 "public_url = http://ca.corp.example:8443@evil.example/\n" ACCESS
		 GOOD_CA,
	 {"public_url", "'@'"}},
	{"bad tls_priorities",
	 LISTEN "tls_priorities = NORMAL;x\n" ACCESS GOOD_CA,
	 {"certpost.conf:3:", "tls_priorities", "unexpected ';'"}},
	{"CA file is a FIFO",
	 LISTEN ACCESS "[ca \"root\"]\nfile = fifo\n",
	 {"fifo", "not a regular file"}},
	{"TLS key is a FIFO",
	 LISTEN "https_listen = 127.0.0.1:0\ntls_cert = good.pem\n"
		"tls_key = fifo\n" ACCESS GOOD_CA,
	 {"fifo", "not a regular file"}},
	{"signing key is a FIFO",
	 LISTEN ACCESS GOOD_CA "[profile]\nsign_cert = good.pem\n"
			       "sign_key = fifo\n",
	 {"fifo", "not a regular file"}},
	{"profile scope",
	 LISTEN ACCESS GOOD_CA "[profile]\nscope = everyone\n",
	 {"[profile] scope", "'everyone': neither user nor system"}},
	{"log file is a FIFO",
	 LISTEN ACCESS GOOD_CA "[log]\nfile = fifo\n",
	 {"fifo", "regular file or device"}},
	{"log file in a missing directory",
	 LISTEN ACCESS GOOD_CA "[log]\nfile = no-such-dir/access.log\n",
	 {"no-such-dir/access.log", "regular file or device"}},
	{"check_url not https",
	 LISTEN ACCESS GOOD_CA "[trust]\ncheck_url = http://chat.example/\n",
	 {"certpost.conf:8:", "https://"}},
	/* A CR made every start and reload fail with "out of memory" (the
	 * CSP header could not be set); ';' and ',' in the host added a
	 * directive and a policy to the page's Content-Security-Policy. */
	{"check_url with a CR",
	 LISTEN ACCESS GOOD_CA
	 "[trust]\ncheck_url = https://chat.example/\r/x\n",
	 {"certpost.conf:8: byte 0x0d at column 34", "control character"}},
	{"check_url with ';' in the host",
	 LISTEN ACCESS GOOD_CA
	 "[trust]\ncheck_url = https://chat.example;script-src\n",
	 {"certpost.conf:8: [trust] check_url:", "neither a DNS name"}},
	{"check_url with ',' in the host",
	 LISTEN ACCESS GOOD_CA
	 "[trust]\ncheck_url = https://chat.example,evil.example\n",
	 {"certpost.conf:8: [trust] check_url:", "neither a DNS name"}},
	{"check_url with ';' in the path",
	 LISTEN ACCESS GOOD_CA
	 "[trust]\ncheck_url = https://chat.example/a;b\n",
	 {"certpost.conf:8: [trust] check_url:", "Content-Security-Policy"}},
	{"check_url naming an IPv6 address",
	 LISTEN ACCESS GOOD_CA "[trust]\ncheck_url = https://[fd00::1]:8443/\n",
	 {"certpost.conf:8: [trust] check_url:", "no IPv6 address"}},
	{"public_url with a backslash",
	 LISTEN "public_url = http://x.example/a\\b\n" ACCESS GOOD_CA,
	 {"certpost.conf:3: [server] public_url:", "byte 0x5c"}},
	{"CA name with an escape sequence",
	 LISTEN ACCESS GOOD_CA "name = Root \x1b[2J\n",
	 {"certpost.conf:7: byte 0x1b at column 13", "control character"}},
	{"CA name with a bidi override",
	 LISTEN ACCESS GOOD_CA "name = Root \xe2\x80\xae"
			       "AC\n",
	 {"certpost.conf:7: byte 0xe2 at column 13", "bidi override"}},
	{"organization with a C1 control",
	 LISTEN ACCESS GOOD_CA "[profile]\norganization = Corp\xc2\x9b"
			       "2J\n",
	 {"certpost.conf:8: byte 0xc2 at column 20", "control character"}},
	{"description not UTF-8",
	 LISTEN ACCESS GOOD_CA "[profile]\ndescription = Z\xfcrich\n",
	 {"certpost.conf:8: byte 0xfc at column 16", "not UTF-8"}},
	{"identifier not reverse-DNS",
	 LISTEN ACCESS GOOD_CA "[profile]\nidentifier = com.example/x\n",
	 {"certpost.conf:8: [profile] identifier:", "reverse-DNS"}},
	{"missing TLS key: file, line and key named",
	 "[server]\nlisten = 127.0.0.1:0\nhttps_listen = 127.0.0.1:0\n"
	 "tls_cert = good.pem\ntls_key = nokey.pem\n" ACCESS GOOD_CA,
	 {"certpost.conf:5: [server] tls_key: ", "nokey.pem", "No such file"}},
	{"missing profile signing key: file, line and key named",
	 LISTEN ACCESS GOOD_CA "[profile]\nsign_cert = good.pem\n"
			       "sign_key = nokey.pem\n",
	 {"certpost.conf:9: [profile] sign_key: ", "nokey.pem"}},
	/* [profile] trust_store: the key's line, then the file's. */
	{"trust store missing",
	 LISTEN ACCESS GOOD_CA SIGNED "trust_store = nostore.pem\n",
	 {"certpost.conf:10: [profile] trust_store: ", "nostore.pem",
	  "No such file"}},
	{"trust store holding a key",
	 LISTEN ACCESS GOOD_CA SIGNED "trust_store = cert-and-key.pem\n",
	 {"certpost.conf:10: [profile] trust_store: ",
	  "cert-and-key.pem holds a private key"}},
	{"trust store with a broken certificate",
	 LISTEN ACCESS GOOD_CA SIGNED "trust_store = bad-store.pem\n",
	 {"certpost.conf:10: [profile] trust_store: ", "bad-store.pem:3: "}},
	{"trust store that is not PEM",
	 LISTEN ACCESS GOOD_CA SIGNED "trust_store = garbage.txt\n",
	 {"certpost.conf:10: [profile] trust_store: ",
	  "garbage.txt holds no PEM certificate"}},
	{"trust store without a signer",
	 LISTEN ACCESS GOOD_CA "[profile]\ntrust_store = good.pem\n",
	 {"certpost.conf:8: [profile] trust_store needs sign_cert"}},
	{"admin open to the world: guarded like allow",
	 LISTEN ACCESS "admin = 0.0.0.0/0\n" GOOD_CA,
	 {"certpost.conf:5: [access] admin 0.0.0.0/0 is publicly routable",
	  "allow_public = yes"}},
	{"hsts without redirect_https",
	 LISTEN "hsts_max_age = 600\n" ACCESS GOOD_CA,
	 {"hsts_max_age needs redirect_https = yes"}},
	{"header_timeout of 0",
	 LISTEN "header_timeout = 0\n" ACCESS GOOD_CA,
	 {"certpost.conf:3: [server] header_timeout"}},
	{"slug with an escape sequence",
	 LISTEN ACCESS "[ca \"root\x1b[2J\"]\nfile = good.pem\n",
	 {"certpost.conf:5: byte 0x1b at column 10", "control character"}},
};

/* Each bad case fails both ways: --check-config exits 1, and a real start
 * exits non-zero without ever listening. */
static void
test_bad_configs(void **state)
{
	const char *conf = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", conf, NULL};
	const char *start[] = {"--config", conf, NULL};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = {0};
		int rc, status = 0;

		harness_write(&h, "certpost.conf", cases[i].config);
		rc = harness_run(check, &out);
		if (rc != 1)
			fail_msg("%s: --check-config exited %d:\n%s",
				 cases[i].name, rc, out.data);
		for (j = 0; j < 3 && cases[i].want[j] != NULL; j++)
			assert_contains(out.data, cases[i].want[j],
					cases[i].name);
		assert_contains(out.data, "test failed", cases[i].name);
		buf_free(&out);

		if (harness_start(&h, start, &status) == 0)
			fail_msg("%s: the daemon started", cases[i].name);
		if (status == 0)
			fail_msg("%s: the daemon exited 0", cases[i].name);
		harness_log(&h, &out);
		assert_contains(out.data, cases[i].want[0], cases[i].name);
		buf_free(&out);
	}
}

static void
test_good_config_check(void **state)
{
	const char *conf = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", conf, NULL};
	struct buf out = {0};

	(void)state;
	harness_write(&h, "certpost.conf",
		      LISTEN "allow_public = no\n" ACCESS GOOD_CA);
	/* allow_public belongs to [access]: the line above is an error in
	 * [server]; write the real good file next. */
	harness_write(&h, "certpost.conf", LISTEN ACCESS GOOD_CA);
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data, "test is successful", "good");
	assert_contains(out.data, "SHA-256:", "good");
	assert_contains(out.data, "Config Test Root", "good");
	buf_free(&out);
}

/* A trusted proxy inside allow or admin starts, with a warning that
 * names the line; a proxy outside them gets none. */
static void
test_proxy_overlap_warning(void **state)
{
	const char *conf = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", conf, NULL};
	struct buf out = {0};

	(void)state;
	harness_write(&h, "certpost.conf",
		      LISTEN ACCESS "admin = 127.0.0.9\n"
				    "trusted_proxy = 127.0.0.0/24\n"
				    "trusted_proxy = 10.1.0.0/16\n" GOOD_CA);
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data,
			"certpost.conf:6: [access] trusted_proxy 127.0.0.0/24 "
			"overlaps allow 127.0.0.0/8",
			"overlap");
	assert_contains(out.data,
			"certpost.conf:6: [access] trusted_proxy 127.0.0.0/24 "
			"overlaps admin 127.0.0.9/32",
			"overlap");
	assert_contains(out.data, "warning: /", "overlap");
	if (strstr(out.data, "10.1.0.0/16") != NULL)
		fail_msg("a proxy outside allow/admin was warned about:\n%s",
			 out.data);
	assert_contains(out.data, "read from X-Forwarded-For only", "overlap");
	buf_free(&out);
}

/*
 * What starts but is likely a mistake, said by --check-config (and at
 * every start and reload): an admin network allow does not cover, a key
 * others can read, TLS files without an HTTPS listener.
 */
static void
test_more_warnings(void **state)
{
	const char *conf = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", conf, NULL};
	struct buf out = {0};

	(void)state;
	assert_int_equal(chmod(harness_path(&h, "key.pem"), 0644), 0);
	harness_write(&h, "certpost.conf",
		      "[server]\nlisten = 127.0.0.1:0\n"
		      "https_listen = 127.0.0.1:0\ntls_cert = good.pem\n"
		      "tls_key = key.pem\n" ACCESS "admin = 127.0.0.9\n"
		      "admin = 10.9.0.0/16\n" GOOD_CA);
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data,
			"certpost.conf:9: [access] admin 10.9.0.0/16 is not "
			"inside any allow entry",
			"admin");
	if (strstr(out.data, "admin 127.0.0.9/32 is not") != NULL)
		fail_msg("an admin inside allow was warned about:\n%s",
			 out.data);
	assert_contains(out.data, "certpost.conf:5: [server] tls_key ",
			"key mode");
	assert_contains(out.data,
			"key.pem is readable by other users (mode 644)",
			"key mode");
	assert_contains(out.data, "test is successful", "warnings only");
	buf_free(&out);
	/* 0600: no word about it. */
	assert_int_equal(chmod(harness_path(&h, "key.pem"), 0600), 0);
	assert_int_equal(harness_run(check, &out), 0);
	if (strstr(out.data, "readable by other users") != NULL)
		fail_msg("a 0600 key was warned about:\n%s", out.data);
	buf_free(&out);
	harness_write(&h, "certpost.conf",
		      LISTEN
		      "timeout = 30\nheader_timeout = 10\n" ACCESS GOOD_CA);
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data,
			"[server] timeout = 30 is longer than header_timeout "
			"= 10: an idle keep-alive connection is closed after "
			"10 s",
			"timeouts");
	buf_free(&out);
	harness_write(
		&h, "certpost.conf",
		LISTEN
		"tls_cert = good.pem\ntls_key = key.pem\n" ACCESS GOOD_CA);
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data,
			"certpost.conf:3: [server] tls_cert and tls_key are "
			"set but there is no https_listen",
			"tls without https");
	buf_free(&out);
}

/* The configuration itself replaced by a FIFO: refused at once. */
static void
test_config_fifo(void **state)
{
	const char *fifo = harness_path(&h, "fifo");
	const char *check[] = {"--check-config", "--config", fifo, NULL};
	struct buf out = {0};

	(void)state;
	assert_int_equal(harness_run(check, &out), 1);
	assert_contains(out.data, "not a regular file", "config fifo");
	buf_free(&out);
}

static void
test_demo_check(void **state)
{
	const char *check[] = {"--demo", "--check-config", NULL};
	struct buf out = {0};

	(void)state;
	assert_int_equal(harness_run(check, &out), 0);
	assert_contains(out.data, "certpost Demo Root CA", "demo");
	assert_contains(out.data, "http://127.0.0.1:8080", "demo");
	assert_contains(out.data, "(demo) test is successful", "demo");
	buf_free(&out);
}

static void
test_usage(void **state)
{
	const char *version[] = {"--version", NULL};
	const char *help[] = {"--help", NULL};
	const char *bad[] = {"--no-such-option", NULL};
	struct buf out = {0};

	(void)state;
	assert_int_equal(harness_run(version, &out), 0);
	assert_contains(out.data, "certpost ", "version");
	buf_free(&out);
	assert_int_equal(harness_run(help, &out), 0);
	assert_contains(out.data, "--check-config", "help");
	buf_free(&out);
	assert_int_equal(harness_run(bad, &out), 2);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_good_config_check),
		cmocka_unit_test(test_proxy_overlap_warning),
		cmocka_unit_test(test_more_warnings),
		cmocka_unit_test(test_config_fifo),
		cmocka_unit_test(test_demo_check),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
