/* SPDX-License-Identifier: MIT */
/* The publication point: CRLs and issuing CAs served with the right bytes,
 * types and caching headers; bad CRLs and issuers refused with file:line at
 * start and kept out by a reload. */
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
static X509 *root, *impostor, *inter, *leaf, *stranger;
static EVP_PKEY *root_key, *impostor_key, *inter_key, *leaf_key, *stranger_key;

/* watch = no: this file counts signal reloads; test_watch.c has files
 * followed without one. */
#define CONF_HEAD                                                              \
	"[server]\nlisten = 127.0.0.1:0\npublic_url = http://pki.test\n"       \
	"watch = no\n"                                                         \
	"[access]\nallow = 127.0.0.0/8\n"                                      \
	"[ca \"root\"]\nfile = root.pem\n"
#define CONF_GOOD                                                              \
	CONF_HEAD "crl = root.crl\ndelta_crl = root-delta.pem\n"               \
		  "[issuer \"issuing-1\"]\nname = Issuing CA 1\n"              \
		  "file = inter.pem\ncrl = inter.crl\n"

static const char *const *
args_check(void)
{
	static const char *a[4];

	a[0] = "--check-config";
	a[1] = "--config";
	a[2] = harness_path(&h, "certpost.conf");
	a[3] = NULL;
	return a;
}

static void
write_crl(const char *name, X509 *issuer, EVP_PKEY *key, long number,
	  long next_offset_s, bool delta, bool der)
{
	struct testca_crl o = {
		.issuer = issuer,
		.issuer_key = key,
		/* A stale CRL was issued a day before it went stale. */
		.this_offset_s =
			next_offset_s < 0 ? next_offset_s - 86400 : -60,
		.next_offset_s = next_offset_s,
		.number = number,
		.nrevoked = 3,
		.delta = delta,
		.der = der,
	};

	if (testca_write_crl(harness_path(&h, name), &o) == -1)
		fail_msg("cannot write %s", name);
}

static void
read_file(const char *name, struct buf *out)
{
	char err[256];

	if (file_read(harness_path(&h, name), 1 << 24, out, err, sizeof(err)) ==
	    -1)
		fail_msg("%s", err);
}

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "PKI Test Root", .ca = true};
	struct testca_opts so = {.cn = "Stranger Root", .ca = true};
	struct testca_opts io = {.cn = "PKI Issuing 1", .ca = true};
	struct testca_opts lo = {.cn = "leaf.pki.test", .dns_san = "leaf"};

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &root_key) ||
	    /* The same name as the root, another key: a forged CRL. */
	    testca_make(&ro, &impostor, &impostor_key) ||
	    testca_make(&so, &stranger, &stranger_key))
		return -1;
	io.issuer = root;
	io.issuer_key = root_key;
	lo.issuer = root;
	lo.issuer_key = root_key;
	if (testca_make(&io, &inter, &inter_key) ||
	    testca_make(&lo, &leaf, &leaf_key))
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	testca_write_pem(harness_path(&h, "inter.pem"), inter);
	testca_write_pem(harness_path(&h, "leaf.pem"), leaf);
	write_crl("root.crl", root, root_key, 7, 0, false, true);
	write_crl("root-delta.pem", root, root_key, 8, 3600, true, false);
	write_crl("inter.crl", inter, inter_key, 1, 0, false, true);
	harness_write(&h, "certpost.conf", CONF_GOOD);
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	int rc = harness_stop(&h);

	(void)state;
	X509_free(root);
	X509_free(impostor);
	X509_free(inter);
	X509_free(leaf);
	X509_free(stranger);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(impostor_key);
	EVP_PKEY_free(inter_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(stranger_key);
	harness_cleanup(&h);
	return rc == 0 ? 0 : -1;
}

/* The served bytes are the file's, with the CRL type and caching that
 * ends at nextUpdate. */
static void
test_crl_served(void **state)
{
	struct buf want = {0};
	struct hres r;
	const char *v;
	long age;

	(void)state;
	read_file("root.crl", &want);
	harness_request(&h, "/root.crl", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.data, want.len);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/pkix-crl");
	assert_non_null(hres_header(&r, "Last-Modified"));
	assert_non_null(hres_header(&r, "Expires"));
	assert_non_null(hres_header(&r, "ETag"));
	v = hres_header(&r, "Cache-Control");
	assert_non_null(v);
	assert_int_equal(strncmp(v, "max-age=", 8), 0);
	age = strtol(v + 8, NULL, 10);
	/* nextUpdate is 7 days out: held to the one-hour ceiling. */
	assert_true(age > 3600 - 120 && age <= 3600);
	hres_free(&r);
	buf_free(&want);

	/* The delta, given as PEM, is served as DER, and its max-age ends
	 * at its own nextUpdate, an hour out. */
	harness_request(&h, "/root+.crl", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(r.body.len > 0 && (unsigned char)r.body.data[0] == 0x30);
	v = hres_header(&r, "Cache-Control");
	assert_non_null(v);
	age = strtol(v + 8, NULL, 10);
	assert_true(age > 3600 - 120 && age <= 3600);
	hres_free(&r);
	assert_true(harness_wait_log(&h, "download=root.delta-crl", 5000));

	/* The roots keep no-cache. */
	harness_request(&h, "/ca.cer", NULL, &r);
	assert_string_equal(hres_header(&r, "Cache-Control"), "no-cache");
	assert_null(hres_header(&r, "Expires"));
	hres_free(&r);
}

/* RFC 9110 5.6.7: a recipient must accept the two obsolete date forms,
 * RFC 850's and asctime()'s. lm is the IMF-fixdate Last-Modified. */
static void
obsolete_dates(const char *lm)
{
	char rfc850[100], asc[100];
	const char *h850[] = {rfc850, NULL}, *hasc[] = {asc, NULL};
	const char *old850[] = {"If-Modified-Since: Thursday, 01-Jan-15 "
				"00:00:00 GMT",
				NULL};
	const char *bad[] = {"If-Modified-Since: Thursday, 01-Jan-15 "
			     "00:00:00 UTC",
			     NULL};
	struct hreq q = {0};
	struct hres r;
	struct tm tm = {0};

	assert_non_null(strptime(lm, "%a, %d %b %Y %H:%M:%S GMT", &tm));
	{
		char day[16], mon[8];

		/* By hand: strftime's %y draws a y2k warning. */
		strftime(day, sizeof(day), "%A", &tm);
		strftime(mon, sizeof(mon), "%b", &tm);
		snprintf(rfc850, sizeof(rfc850),
			 "If-Modified-Since: %s, %02d-%s-%02d "
			 "%02d:%02d:%02d GMT",
			 day, tm.tm_mday, mon, tm.tm_year % 100, tm.tm_hour,
			 tm.tm_min, tm.tm_sec);
	}
	strftime(asc, sizeof(asc), "If-Modified-Since: %a %b %e %H:%M:%S %Y",
		 &tm);
	q.headers = h850;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 304);
	hres_free(&r);
	q.headers = hasc;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 304);
	hres_free(&r);
	/* 2015, not 2115: older than the CRL. */
	q.headers = old850;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	/* Not an HTTP-date: ignored. */
	q.headers = bad;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
}

static void
test_crl_conditional(void **state)
{
	char lm[64], etag[80], ims[100], inm[100];
	const char *hdr_ims[] = {ims, NULL}, *hdr_inm[] = {inm, NULL};
	const char *hdr_old[] = {"If-Modified-Since: Thu, 01 Jan 2015 "
				 "00:00:00 GMT",
				 NULL};
	struct hreq q = {0};
	struct hres r;

	(void)state;
	harness_request(&h, "/root.crl", NULL, &r);
	snprintf(lm, sizeof(lm), "%s", hres_header(&r, "Last-Modified"));
	snprintf(etag, sizeof(etag), "%s", hres_header(&r, "ETag"));
	hres_free(&r);
	snprintf(ims, sizeof(ims), "If-Modified-Since: %s", lm);
	snprintf(inm, sizeof(inm), "If-None-Match: %s", etag);

	q.headers = hdr_ims;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 304);
	assert_int_equal(r.body.len, 0);
	/* RFC 9110 15.4.5: the 304 carries the caching headers too. */
	assert_non_null(hres_header(&r, "Expires"));
	assert_non_null(hres_header(&r, "Cache-Control"));
	hres_free(&r);

	q.headers = hdr_inm;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 304);
	hres_free(&r);

	q.headers = hdr_old;
	harness_request(&h, "/root.crl", &q, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	assert_true(harness_wait_log(&h, "download=root.crl", 5000));
	obsolete_dates(lm);
}

static void
test_issuer_served(void **state)
{
	unsigned char *der = NULL;
	int len = testca_der(inter, &der);
	const unsigned char *p;
	struct hres r;
	PKCS7 *p7;

	(void)state;
	harness_request(&h, "/issuing-1.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/pkix-cert");
	assert_int_equal(r.body.len, (size_t)len);
	assert_memory_equal(r.body.data, der, (size_t)len);
	hres_free(&r);
	OPENSSL_free(der);

	harness_request(&h, "/issuing-1.p7c", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/pkcs7-mime");
	p = (const unsigned char *)r.body.data;
	p7 = d2i_PKCS7(NULL, &p, (long)r.body.len);
	assert_non_null(p7);
	assert_int_equal(sk_X509_num(p7->d.sign->cert), 1);
	PKCS7_free(p7);
	hres_free(&r);

	harness_request(&h, "/issuing-1.crl", NULL, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	assert_true(harness_wait_log(&h, "download=issuing-1.p7c", 5000));

	/* Published, not offered for installation. */
	harness_request(&h, "/", NULL, &r);
	assert_null(strstr(r.body.data, "issuing-1"));
	hres_free(&r);
	harness_request(&h, "/ca.json", NULL, &r);
	assert_null(strstr(r.body.data, "issuing-1"));
	hres_free(&r);
}

/*
 * A [ca]'s AIA URL, the one --check-config prints, is served as RFC 5280
 * 4.2.2.1 asks (application/pkix-cert); /<slug>.cer stays the install
 * download iOS Safari needs (application/x-x509-ca-cert).
 */
static void
test_root_aia_served(void **state)
{
	unsigned char *der = NULL;
	int len = testca_der(root, &der);
	struct hres r;

	(void)state;
	harness_request(&h, "/aia/root.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/pkix-cert");
	assert_string_equal(hres_header(&r, "Content-Disposition"),
			    "attachment; filename=\"root.cer\"");
	assert_int_equal(r.body.len, (size_t)len);
	assert_memory_equal(r.body.data, der, (size_t)len);
	hres_free(&r);
	harness_request(&h, "/root.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "application/x-x509-ca-cert");
	assert_int_equal(r.body.len, (size_t)len);
	assert_memory_equal(r.body.data, der, (size_t)len);
	hres_free(&r);
	OPENSSL_free(der);
}

static void
test_check_config_urls(void **state)
{
	struct buf out = {0};

	(void)state;
	assert_int_equal(harness_run(args_check(), &out), 0);
	assert_contains(out.data, "AIA caIssuers: http://pki.test/aia/root.cer",
			"urls");
	assert_contains(out.data, "CDP:           http://pki.test/root.crl",
			"urls");
	assert_contains(out.data, "freshest CRL:  http://pki.test/root+.crl",
			"urls");
	assert_contains(out.data,
			"AIA caIssuers: http://pki.test/issuing-1.cer", "urls");
	assert_contains(out.data,
			"CDP:           http://pki.test/issuing-1.crl", "urls");
	assert_null(strstr(out.data, "does not chain"));
	buf_free(&out);

	/* An issuer from another hierarchy: published, but warned about. */
	testca_write_pem(harness_path(&h, "stranger.pem"), stranger);
	harness_write(&h, "certpost.conf",
		      CONF_HEAD "[issuer \"lost\"]\nfile = stranger.pem\n");
	assert_int_equal(harness_run(args_check(), &out), 0);
	assert_contains(
		out.data,
		"warning: lost: the issuer CN=Stranger Root,O=certpost tests "
		"does not "
		"chain to a configured [ca]",
		"chain");
	buf_free(&out);

	/* Past nextUpdate: served as published, warned about. */
	write_crl("old.crl", root, root_key, 3, -3600, false, true);
	harness_write(&h, "certpost.conf", CONF_HEAD "crl = old.crl\n");
	assert_int_equal(harness_run(args_check(), &out), 0);
	assert_contains(out.data, "is past its nextUpdate", "stale");
	buf_free(&out);
	harness_write(&h, "certpost.conf", CONF_GOOD);
}

/* Each bad file fails --check-config and a start, naming file:line. */
static void
test_refused(void **state)
{
	static const struct {
		const char *name;
		const char *conf;
		const char *want;
	} cases[] = {
		{"forged", CONF_HEAD "crl = forged.crl\n",
		 "certpost.conf:9: [ca \"root\"] crl: "},
		{"truncated", CONF_HEAD "crl = cut.crl\n", "cut short"},
		{"key", CONF_HEAD "crl = withkey.pem\n", "a private key"},
		{"stranger", CONF_HEAD "crl = stranger.crl\n",
		 "not by this CA"},
		{"not delta",
		 CONF_HEAD "crl = root.crl\ndelta_crl = root.crl\n",
		 "not a delta CRL"},
		{"not a CA", CONF_HEAD "[issuer \"leaf\"]\nfile = leaf.pem\n",
		 "certpost.conf:10: [issuer \"leaf\"] file: "},
		{"clash", CONF_HEAD "[issuer \"root\"]\nfile = inter.pem\n",
		 "already serves /root.cer"},
	};
	const char *conf = harness_path(&h, "certpost.conf");
	const char *start[] = {"--config", conf, NULL};
	struct buf crl = {0};

	(void)state;
	write_crl("forged.crl", impostor, impostor_key, 9, 0, false, true);
	write_crl("stranger.crl", stranger, stranger_key, 9, 0, false, true);
	read_file("root.crl", &crl);
	testca_write_file(harness_path(&h, "cut.crl"), crl.data, crl.len - 7,
			  false);
	buf_free(&crl);
	write_crl("withkey.pem", root, root_key, 9, 0, false, false);
	testca_write_key_as(harness_path(&h, "withkey.pem"), root_key,
			    TESTCA_KEY_TRAD_PEM, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct harness h2 = h;
		struct buf out = {0};
		int status = 0;

		harness_write(&h, "certpost.conf", cases[i].conf);
		assert_int_equal(harness_run(args_check(), &out), 1);
		assert_contains(out.data, cases[i].want, cases[i].name);
		buf_free(&out);
		/* Its own log: the running daemon's is read later. */
		h2.pid = 0;
		(void)str_copy(h2.log_path, sizeof(h2.log_path),
			       harness_path(&h, "start.log"));
		if (harness_start(&h2, start, &status) == 0)
			fail_msg("%s: the daemon started", cases[i].name);
	}
	harness_write(&h, "certpost.conf", CONF_GOOD);
}

/* A reload that finds a CRL signed by another key keeps the last good
 * one serving. */
static void
test_reload_keeps_good_crl(void **state)
{
	struct buf want = {0};
	struct hres r;

	(void)state;
	read_file("root.crl", &want);
	write_crl("root.crl", impostor, impostor_key, 99, 0, false, true);
	kill(h.pid, SIGHUP);
	/* The rest of the reload goes ahead; this CRL stays as it was. */
	assert_true(
		harness_wait_log(&h, "its signature does not verify", 5000));
	assert_true(harness_wait_log(&h,
				     "still serving the last good CRL "
				     "(number 7)",
				     5000));
	assert_true(harness_wait_log(&h, "reloaded in", 5000));
	harness_request(&h, "/root.crl", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.data, want.len);
	hres_free(&r);
	buf_free(&want);
	write_crl("root.crl", root, root_key, 10, 0, false, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crl_served),
		cmocka_unit_test(test_crl_conditional),
		cmocka_unit_test(test_issuer_served),
		cmocka_unit_test(test_root_aia_served),
		cmocka_unit_test(test_check_config_urls),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reload_keeps_good_crl),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
