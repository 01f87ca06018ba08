/* SPDX-License-Identifier: MIT */
/* "Verified" does not outlive the signer's chain: an intermediate that
 * expires while the daemon runs is warned about beforehand (log,
 * --check-config, /metrics, /admin), and when it expires the snapshot is
 * rebuilt, so the page says "Not Verified" as iPhones then do. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* The intermediate's validity left when the daemon starts, about. */
#define EXPIRES_IN_S 8

static struct harness h;
static X509 *public_root;
static EVP_PKEY *public_key;
static long long inter_not_after;

/* watch = no: the only reload is the one the expiry asks for. */
static const char conf[] =
	"[server]\nlisten = 127.0.0.1:0\nwatch = no\n"
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"
	"[ca \"corp\"]\nfile = corp.pem\n"
	"[profile]\nsign_cert = signer.pem\nsign_key = signer.key\n"
	"sign_chain = inter.pem\ntrust_store = roots.pem\n";

static const char ios_ua[] =
	"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) "
	"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 "
	"Mobile/15E148 Safari/604.1";

static long long
not_after(X509 *x)
{
	struct tm tm;

	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm), 1);
	return (long long)timegm(&tm);
}

/*
 * A signer (a year) under an intermediate that expires EXPIRES_IN_S from
 * now, under the public root roots.pem holds: "Verified" for a few
 * seconds.
 */
static void
make_chain(void)
{
	struct testca_opts io = {.cn = "Expiring Intermediate",
				 .ca = true,
				 .start_offset_s = -3600,
				 .lifetime_s = 3600 + EXPIRES_IN_S,
				 .issuer = public_root,
				 .issuer_key = public_key};
	struct testca_opts so = {.cn = "Profile Signer"};
	X509 *inter, *signer;
	EVP_PKEY *ik, *sk;

	assert_int_equal(testca_make(&io, &inter, &ik), 0);
	so.issuer = inter;
	so.issuer_key = ik;
	assert_int_equal(testca_make(&so, &signer, &sk), 0);
	testca_write_pem(harness_path(&h, "inter.pem"), inter);
	testca_write_pem(harness_path(&h, "signer.pem"), signer);
	testca_write_key(harness_path(&h, "signer.key"), sk);
	inter_not_after = not_after(inter);
	X509_free(inter);
	X509_free(signer);
	EVP_PKEY_free(ik);
	EVP_PKEY_free(sk);
}

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Public Root", .ca = true};
	unsigned char *der = NULL;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &public_root, &public_key) == -1 ||
	    testca_root_file("Corp Root", harness_path(&h, "corp.pem"), &der) ==
		    -1)
		return -1;
	OPENSSL_free(der);
	testca_write_pem(harness_path(&h, "roots.pem"), public_root);
	harness_write(&h, "certpost.conf", conf);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(public_root);
	EVP_PKEY_free(public_key);
	harness_cleanup(&h);
	return 0;
}

static void
get(const char *path, const char *ua, struct hres *r)
{
	const char *hdr[] = {ua, NULL};
	struct hreq q = {.headers = ua != NULL ? hdr : NULL};

	harness_request(&h, path, &q, r);
	assert_int_equal(r->status, 200);
}

static void
check_config(struct buf *out)
{
	const char *args[] = {"--check-config", "--config",
			      harness_path(&h, "certpost.conf"), NULL};

	assert_int_equal(harness_run(args, out), 0);
}

/* Before: "Verified", and everywhere an admin looks says until when. */
static void
assert_warned(void)
{
	char line[160], t[32];
	struct buf out = {0};
	struct hres r;

	(void)time_rfc3339(t, sizeof(t), inter_not_after);
	get("/", ios_ua, &r);
	assert_contains(r.body.data, ">Verified</b> in green", "page");
	hres_free(&r);
	get("/metrics", NULL, &r);
	snprintf(line, sizeof(line),
		 "\ncertpost_profile_signer_not_after_timestamp_seconds %lld\n",
		 inter_not_after);
	assert_contains(r.body.data, line, "/metrics");
	hres_free(&r);
	get("/admin", NULL, &r);
	assert_contains(r.body.data,
			"<tr><td>CN=Expiring Intermediate,O=certpost tests</td>"
			"<td>[profile] <code>sign_chain</code></td>",
			"/admin");
	assert_contains(r.body.data, t, "/admin");
	hres_free(&r);
	snprintf(line, sizeof(line),
		 "[profile] sign_chain CN=Expiring Intermediate,O=certpost "
		 "tests expires in 0 days, on %s; from then iPhones show",
		 t);
	assert_true(harness_wait_log(&h, line, 1000));
	check_config(&out);
	assert_contains(out.data, line, "--check-config");
	snprintf(line, sizeof(line),
		 "\"Verified\" until %s: then iPhones show \"Not Verified\", "
		 "and the page is rebuilt to say so",
		 t);
	assert_contains(out.data, line, "--check-config");
	buf_free(&out);
}

/* The intermediate expires: the snapshot is rebuilt at once (within the
 * loop's second), once, and the page says "Not Verified". */
static void
test_rebuilt_at_expiry(void **state)
{
	struct buf out = {0};
	struct hres r;

	(void)state;
	make_chain();
	assert_int_equal(harness_start_config(&h), 0);
	assert_warned();
	assert_true(harness_wait_log(&h,
				     "the profile signer's chain expired at ",
				     (EXPIRES_IN_S + 5) * 1000));
	assert_true(harness_wait_count(&h, "reloaded in ", 1, 5000));
	assert_true((long long)time(NULL) > inter_not_after);
	get("/", ios_ua, &r);
	assert_contains(r.body.data, ">Not Verified</b> in red", "page");
	hres_free(&r);
	get("/metrics", NULL, &r);
	assert_contains(r.body.data,
			"certpost_reloads_total{trigger=\"expiry\","
			"result=\"ok\"} 1\n",
			"/metrics");
	hres_free(&r);
	/* Nothing is due any more: no second rebuild. */
	sleep(2);
	assert_int_equal(harness_count_log(&h, "reloaded in "), 1);
	check_config(&out);
	assert_contains(out.data, "an iPhone shows \"Not Verified\"", "after");
	assert_contains(out.data,
			"is not valid now: CN=Expiring Intermediate,O=certpost "
			"tests: certificate has expired",
			"after");
	assert_contains(out.data,
			"[profile] sign_chain CN=Expiring Intermediate,"
			"O=certpost tests expired on ",
			"after");
	buf_free(&out);
	assert_int_equal(harness_stop(&h), 0);
}

/* A rebuild that fails (a CA file broken meanwhile) keeps the old snapshot
 * and is not retried every second; SIGHUP still works. */
static void
test_failed_rebuild_not_retried_each_second(void **state)
{
	struct hres r;

	(void)state;
	make_chain();
	assert_int_equal(harness_start_config(&h), 0);
	harness_write(&h, "corp.pem", "not a certificate\n");
	assert_true(harness_wait_log(&h, "reload failed",
				     (EXPIRES_IN_S + 5) * 1000));
	sleep(3);
	assert_int_equal(harness_count_log(&h, "reload failed"), 1);
	get("/metrics", NULL, &r);
	assert_contains(r.body.data,
			"certpost_reloads_total{trigger=\"expiry\","
			"result=\"failed\"} 1\n",
			"/metrics");
	hres_free(&r);
	{
		unsigned char *der = NULL;

		assert_true(testca_root_file("Corp Root",
					     harness_path(&h, "corp.pem"),
					     &der) > 0);
		OPENSSL_free(der);
	}
	kill(h.pid, SIGHUP);
	assert_true(harness_wait_count(&h, "reloaded in ", 1, 5000));
	get("/", ios_ua, &r);
	assert_contains(r.body.data, ">Not Verified</b> in red", "page");
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rebuilt_at_expiry),
		cmocka_unit_test(test_failed_rebuild_not_retried_each_second),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
