/* SPDX-License-Identifier: MIT */
/* What a reload does with published files: a CRL never goes backwards nor
 * comes from the future, one bad file keeps its last good version while
 * the rest (a renewed TLS certificate) goes ahead, caching has a ceiling,
 * and issuing CAs' expiry is watched. */
/* strptime() */
#define _XOPEN_SOURCE 700
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
static struct testca_tls t;
static X509 *inter;
static EVP_PKEY *inter_key;

/* watch = no: each step is a SIGHUP, so each waits for its own reload. */
#define CONF                                                                   \
	"[server]\nlisten = 127.0.0.1:0\nhttps_listen = 127.0.0.1:0\n"         \
	"tls_cert = tls.pem\ntls_key = tls.key\nwatch = no\n"                  \
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"                   \
	"[ca \"root\"]\nfile = root.pem\ncrl = root.crl\n"                     \
	"delta_crl = root-delta.crl\n"                                         \
	"[issuer \"ca01\"]\nfile = inter.pem\ncrl = inter.crl\n"

static void
crl(const char *name, X509 *issuer, EVP_PKEY *key, long number,
    long this_offset, long next_offset, bool delta)
{
	struct testca_crl o = {
		.issuer = issuer,
		.issuer_key = key,
		.this_offset_s = this_offset,
		.next_offset_s = next_offset,
		.number = number,
		.nrevoked = 1,
		.delta = delta,
		.der = true,
	};

	if (testca_write_crl(harness_path(&h, name), &o) == -1)
		fail_msg("cannot write %s", name);
}

static int
setup(void **state)
{
	struct testca_opts io = {.cn = "Corp Issuing CA 01",
				 .ca = true,
				 /* 19 days and 23 hours whatever the second */
				 .lifetime_s = 20 * 86400 - 3600};
	(void)state;
	harness_init(&h);
	if (testca_tls_files(h.dir, "Rules Root", &t) == -1)
		return -1;
	io.issuer = t.root;
	io.issuer_key = t.root_key;
	if (testca_make(&io, &inter, &inter_key) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "inter.pem"), inter);
	crl("root.crl", t.root, t.root_key, 20, -60, 0, false);
	crl("inter.crl", inter, inter_key, 5, -60, 0, false);
	/* Its BaseCRLNumber is its own number (testca); 20 is served. */
	crl("root-delta.crl", t.root, t.root_key, 21, -60, 3600, true);
	harness_write(&h, "certpost.conf", CONF);
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	int rc = harness_finish(&h);

	(void)state;
	testca_tls_free(&t);
	X509_free(inter);
	EVP_PKEY_free(inter_key);
	return rc == 0 ? 0 : -1;
}

/* SIGHUP, and wait for the reload's own line. */
static void
reload(void)
{
	struct buf log = {0};
	size_t before;

	harness_log(&h, &log);
	before = log.len;
	buf_free(&log);
	kill(h.pid, SIGHUP);
	for (int i = 0; i < 200; i++) {
		harness_log(&h, &log);
		if (log.len > before &&
		    (strstr(log.data + before, "reloaded in") != NULL ||
		     strstr(log.data + before, "reload failed") != NULL)) {
			buf_free(&log);
			return;
		}
		buf_free(&log);
		nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
	}
	fail_msg("no reload in the log (%s)", h.log_path);
}

static void
metrics(struct hres *r)
{
	const char *hdrs[] = {"Host: localhost", NULL};
	struct hreq q = {.interface = "127.0.0.1", .headers = hdrs};

	harness_request(&h, "/metrics", &q, r);
	assert_int_equal(r->status, 200);
}

static void
assert_served_is(const char *path, const char *file)
{
	struct buf want = {0};
	char err[256];
	struct hres r;

	assert_int_equal(file_read(harness_path(&h, file), 1 << 20, &want, err,
				   sizeof(err)),
			 0);
	harness_request(&h, path, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.data, want.len);
	hres_free(&r);
	buf_free(&want);
}

/*
 * RFC 5280 5.2.3: numbers only increase. A lower-numbered CRL on disk (a
 * restored backup, a replayed file) is refused on reload, logged with
 * both numbers and counted; the served one stays. A higher one goes in.
 */
static void
test_never_backwards(void **state)
{
	struct hres r;

	(void)state;
	harness_write(&h, "served.crl", "");
	(void)rename(harness_path(&h, "root.crl"),
		     harness_path(&h, "served.crl"));
	crl("root.crl", t.root, t.root_key, 19, -30, 0, false);
	reload();
	assert_true(harness_wait_log(&h,
				     "number 19 is lower than the one "
				     "being served (20)",
				     5000));
	assert_served_is("/root.crl", "served.crl");
	metrics(&r);
	assert_non_null(strstr(r.body.data,
			       "certpost_published_rejected_total{ca=\"root\","
			       "file=\"crl\",reason=\"older\"} 1\n"));
	assert_non_null(strstr(r.body.data, "certpost_crl_number{ca=\"root\","
					    "crl=\"full\"} 20\n"));
	hres_free(&r);
	/* Number 22 is newer: served. */
	crl("root.crl", t.root, t.root_key, 22, -30, 0, false);
	reload();
	assert_served_is("/root.crl", "root.crl");
	metrics(&r);
	assert_non_null(strstr(r.body.data, "certpost_crl_number{ca=\"root\","
					    "crl=\"full\"} 22\n"));
	hres_free(&r);
	/* The delta served is based on 21, not 22: said, still served. */
	assert_true(harness_wait_log(&h,
				     "based on CRL number 21, but the "
				     "full CRL served is number 22",
				     5000));
}

/* A thisUpdate more than five minutes ahead is a wrong clock: refused,
 * the served CRL stays. */
static void
test_not_from_the_future(void **state)
{
	(void)state;
	(void)rename(harness_path(&h, "inter.crl"),
		     harness_path(&h, "served-inter.crl"));
	crl("inter.crl", inter, inter_key, 6, 3600, 7200, false);
	reload();
	assert_true(
		harness_wait_log(&h, "is ahead of this host's clock", 5000));
	assert_served_is("/ca01.crl", "served-inter.crl");
	/* Back to a good one. */
	crl("inter.crl", inter, inter_key, 7, -60, 0, false);
	reload();
	assert_served_is("/ca01.crl", "inter.crl");
}

/*
 * A CRL whose nextUpdate is in 9999 is cached for an hour at most, and
 * its Last-Modified is never later than Date.
 */
static void
test_cache_ceiling(void **state)
{
	struct hres r;
	const char *cc;
	struct tm lm = {0}, date = {0};

	(void)state;
	crl("inter.crl", inter, inter_key, 8, 200, 250000000000L, false);
	reload();
	harness_request(&h, "/ca01.crl", NULL, &r);
	assert_int_equal(r.status, 200);
	cc = hres_header(&r, "Cache-Control");
	assert_non_null(cc);
	assert_true(strcmp(cc, "max-age=3600") == 0 ||
		    strcmp(cc, "max-age=3599") == 0);
	/* thisUpdate is 200 s ahead (inside the allowed skew): Last-Modified
	 * is clamped to the build, before Date. */
	assert_non_null(strptime(hres_header(&r, "Last-Modified"),
				 "%a, %d %b %Y %H:%M:%S GMT", &lm));
	assert_non_null(strptime(hres_header(&r, "Date"),
				 "%a, %d %b %Y %H:%M:%S GMT", &date));
	assert_true(timegm(&lm) <= timegm(&date));
	hres_free(&r);
}

/*
 * A bad CRL left on disk must not hold a renewed TLS certificate back:
 * the reload goes ahead with the new certificate, the bad CRL's last
 * good version stays, and it is counted.
 */
static void
test_bad_crl_does_not_block_tls(void **state)
{
	struct testca_tls t2;
	struct hres r;
	char dir[PATH_MAX];

	(void)state;
	(void)rename(harness_path(&h, "inter.crl"),
		     harness_path(&h, "served-inter.crl"));
	harness_write(&h, "inter.crl", "not a CRL\n");
	/* A new leaf under a new root, written over tls.pem and tls.key. */
	snprintf(dir, sizeof(dir), "%s", harness_path(&h, "renew"));
	assert_int_equal(harness_sh("mkdir -p '%s'", dir), 0);
	assert_int_equal(testca_tls_files(dir, "Renewed Root", &t2), 0);
	assert_int_equal(harness_sh("cp '%s/tls.pem' '%s/tls.key' '%s'", dir,
				    dir, h.dir),
			 0);
	reload();
	assert_true(harness_wait_log(&h, "reloaded in", 5000));
	assert_true(harness_sh("a=$(openssl s_client -connect 127.0.0.1:%d "
			       "-servername localhost </dev/null 2>/dev/null | "
			       "openssl x509 -noout -fingerprint -sha256) && "
			       "b=$(openssl x509 -in '%s/tls.pem' -noout "
			       "-fingerprint -sha256) && [ -n \"$a\" ] && "
			       "[ \"$a\" = \"$b\" ]",
			       h.https_port, dir) == 0);
	assert_served_is("/ca01.crl", "served-inter.crl");
	metrics(&r);
	assert_non_null(strstr(r.body.data,
			       "certpost_published_rejected_total{ca=\"ca01\","
			       "file=\"crl\",reason=\"invalid\"} 1\n"));
	hres_free(&r);
	testca_tls_free(&t2);
	/* --check-config still says the file is bad. */
	{
		const char *args[] = {"--check-config", "--config",
				      harness_path(&h, "certpost.conf"), NULL};
		struct buf out = {0};

		assert_int_equal(harness_run(args, &out), 1);
		assert_contains(out.data, "[issuer \"ca01\"] crl:", "check");
		buf_free(&out);
	}
	(void)rename(harness_path(&h, "served-inter.crl"),
		     harness_path(&h, "inter.crl"));
}

/*
 * An issuer file that breaks keeps its last good certificate, and an
 * issuing CA's expiry is watched like a root's: the metric, --check-config,
 * /admin and a warning 30 days ahead (this one has 20 days).
 */
static void
test_issuer(void **state)
{
	struct buf der = {0};
	struct hres r;
	char err[256];

	(void)state;
	testca_write_der(harness_path(&h, "inter.der"), inter);
	harness_write(&h, "inter.pem", "-----BEGIN CERTIFICATE-----\n");
	reload();
	assert_true(harness_wait_log(&h,
				     "still serving the last good "
				     "certificate",
				     5000));
	assert_int_equal(file_read(harness_path(&h, "inter.der"), 1 << 20, &der,
				   err, sizeof(err)),
			 0);
	harness_request(&h, "/ca01.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, der.len);
	assert_memory_equal(r.body.data, der.data, der.len);
	hres_free(&r);
	buf_free(&der);
	metrics(&r);
	assert_non_null(strstr(r.body.data,
			       "certpost_published_rejected_total{ca=\"ca01\","
			       "file=\"issuer\",reason=\"invalid\"} 1\n"));
	assert_non_null(strstr(r.body.data,
			       "certpost_issuer_not_after_timestamp_seconds"
			       "{issuer=\"ca01\"} "));
	hres_free(&r);
	assert_true(harness_wait_log(&h, "[issuer \"ca01\"] ", 5000));
	if (!harness_wait_log(&h, "expires in 19 days", 5000)) {
		struct buf log = {0};

		harness_log(&h, &log);
		fail_msg("%s", log.data);
	}
	testca_write_pem(harness_path(&h, "inter.pem"), inter);
	reload();
	harness_request(&h, "/admin", NULL, &r);
	assert_non_null(strstr(r.body.data, "id=\"expiry-table\""));
	assert_non_null(strstr(r.body.data, "[issuer] <code>ca01</code>"));
	hres_free(&r);
	{
		const char *args[] = {"--check-config", "--config",
				      harness_path(&h, "certpost.conf"), NULL};
		struct buf out = {0};

		assert_int_equal(harness_run(args, &out), 0);
		assert_contains(out.data, "issuer ca01: ", "summary");
		assert_contains(out.data, "  valid:   ", "summary");
		assert_contains(out.data, "expires in 19 days", "warning");
		buf_free(&out);
	}
}

/* redirect_https sends visitors to HTTPS, but what certificates' AIA and
 * CDP name stays on plain HTTP (RFC 5280 4.2.1.13): fetchers may not
 * follow a redirect. */
static void
test_redirect_spares_pki(void **state)
{
	static const char *const http_only[] = {"/root.crl", "/root+.crl",
						"/ca01.crl", "/ca01.cer",
						"/ca01.p7c"};
	struct hres r;

	(void)state;
	harness_write(&h, "certpost.conf",
		      "[server]\nlisten = 127.0.0.1:0\nhttps_listen = "
		      "127.0.0.1:0\ntls_cert = tls.pem\ntls_key = tls.key\n"
		      "watch = no\nredirect_https = yes\n"
		      "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"
		      "[ca \"root\"]\nfile = root.pem\ncrl = root.crl\n"
		      "delta_crl = root-delta.crl\n"
		      "[issuer \"ca01\"]\nfile = inter.pem\ncrl = inter.crl\n");
	reload();
	assert_true(harness_wait_log(&h, "reloaded in", 5000));
	for (size_t i = 0; i < sizeof(http_only) / sizeof(http_only[0]); i++) {
		harness_request(&h, http_only[i], NULL, &r);
		if (r.status != 200)
			fail_msg("%s: %ld", http_only[i], r.status);
		hres_free(&r);
	}
	harness_request(&h, "/root.cer", NULL, &r);
	assert_int_equal(r.status, 301);
	hres_free(&r);
	harness_request(&h, "/", NULL, &r);
	assert_int_equal(r.status, 301);
	hres_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_backwards),
		cmocka_unit_test(test_not_from_the_future),
		cmocka_unit_test(test_cache_ceiling),
		cmocka_unit_test(test_bad_crl_does_not_block_tls),
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_redirect_spares_pki),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
