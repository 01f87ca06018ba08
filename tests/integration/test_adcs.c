/* SPDX-License-Identifier: MIT */
/* Taking over an AD CS publication point: the CDP and AIA URLs issued
 * certificates already name (spaces, "(1)", "+"), served exactly, matched
 * as clients send them, and checked beforehand with --check-urls. */
#include <stdio.h>
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

#define HOST "pki.corp.example"
#define ENROLL "http://" HOST "/CertEnroll/"
/* As AD CS writes them into certificates: %20 for a space, "(1)" after a
 * CA key renewal, "+" for the delta CRL. */
#define CDP ENROLL "Corp%20Issuing%20CA%2001(1).crl"
#define DELTA ENROLL "Corp%20Issuing%20CA%2001(1)+.crl"
#define AIA ENROLL "ca01.corp.example_Corp%20Issuing%20CA%2001(1).crt"

#define CONF                                                                   \
	"[server]\nlisten = 127.0.0.1:0\npublic_url = "                        \
	"http://ca.corp.example/\n"                                            \
	"server_name = " HOST "\nwatch = no\n"                                 \
	"[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.1\n"                   \
	"[ca \"root\"]\nfile = root.pem\n"                                     \
	"[issuer \"ca01\"]\nfile = inter.pem\ncrl = inter.crl\n"               \
	"delta_crl = inter-delta.crl\n"                                        \
	"cert_url = " AIA "\n"                                                 \
	"crl_url = /CertEnroll/Corp Issuing CA 01(1).crl\n"                    \
	"delta_crl_url = " DELTA "\n"

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Corp Root", .ca = true};
	struct testca_opts io = {.cn = "Corp Issuing CA 01", .ca = true};
	X509 *root, *inter;
	EVP_PKEY *rk, *ik;
	struct testca_crl full = {.number = 12, .nrevoked = 2, .der = true};
	struct testca_crl delta = {
		.number = 13, .nrevoked = 1, .der = true, .delta = true};

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1)
		return -1;
	io.issuer = root;
	io.issuer_key = rk;
	if (testca_make(&io, &inter, &ik) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	testca_write_pem(harness_path(&h, "inter.pem"), inter);
	testca_write_der(harness_path(&h, "inter.der"), inter);
	testca_write_key(harness_path(&h, "inter.key"), ik);
	full.issuer = delta.issuer = inter;
	full.issuer_key = delta.issuer_key = ik;
	full.this_offset_s = delta.this_offset_s = -60;
	testca_write_crl(harness_path(&h, "inter.crl"), &full);
	testca_write_crl(harness_path(&h, "inter-delta.crl"), &delta);
	X509_free(root);
	X509_free(inter);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ik);
	/* A leaf the way AD CS issues it, made by the openssl tool. */
	harness_write(&h, "leaf.ext",
		      "crlDistributionPoints = URI:" CDP
		      ",URI:ldap:///CN=Corp%20Issuing%20CA%2001(1)"
		      "?certificateRevocationList?base\n"
		      "freshestCRL = URI:" DELTA "\n"
		      "authorityInfoAccess = caIssuers;URI:" AIA
		      ",OCSP;URI:http://ocsp.corp.example/ocsp\n");
	harness_write(&h, "other.ext",
		      "crlDistributionPoints = URI:" ENROLL "Other%20CA.crl\n"
		      "authorityInfoAccess = caIssuers;URI:http://elsewhere."
		      "example/ca.crt\n");
	if (harness_sh(
		    "cd '%s' && openssl req -new -newkey ec -pkeyopt "
		    "ec_paramgen_curve:P-256 -nodes -keyout leaf.key -subj "
		    "/CN=host.corp.example -out leaf.csr 2>/dev/null && "
		    "for e in leaf other; do openssl x509 -req -in leaf.csr "
		    "-CA inter.pem -CAkey inter.key -CAcreateserial -days 30 "
		    "-extfile $e.ext -out $e.pem 2>/dev/null || exit 1; done "
		    "&& openssl x509 -in leaf.pem -outform DER -out leaf.der",
		    h.dir) != 0)
		return -1;
	harness_write(&h, "certpost.conf", CONF);
	return harness_start_config(&h);
}

static int
teardown(void **state)
{
	(void)state;
	return harness_finish(&h) == 0 ? 0 : -1;
}

/* GET of path (as a client sends it) with Host: pki.corp.example. */
static void
get(const char *path, struct hres *r)
{
	const char *hdrs[] = {"Host: " HOST, NULL};
	struct hreq q = {.headers = hdrs};
	char url[1024];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", h.port, path);
	q.url = url;
	harness_request(&h, path, &q, r);
}

static void
assert_file_served(const char *path, const char *file, const char *type)
{
	struct buf want = {0};
	char err[256];
	struct hres r;

	assert_int_equal(file_read(harness_path(&h, file), 1 << 20, &want, err,
				   sizeof(err)),
			 0);
	get(path, &r);
	if (r.status != 200)
		fail_msg("%s: %ld", path, r.status);
	assert_int_equal(r.body.len, want.len);
	assert_memory_equal(r.body.data, want.data, want.len);
	assert_string_equal(hres_header(&r, "Content-Type"), type);
	assert_non_null(hres_header(&r, "ETag"));
	hres_free(&r);
	buf_free(&want);
}

/* Each URL exactly as the certificate spells it (libcurl sends a path as
 * given): the file's bytes, the type RFC 5280 names. */
static void
test_issued_urls_served(void **state)
{
	struct hres r;

	(void)state;
	assert_file_served(CDP + strlen("http://" HOST), "inter.crl",
			   "application/pkix-crl");
	assert_file_served(DELTA + strlen("http://" HOST), "inter-delta.crl",
			   "application/pkix-crl");
	assert_file_served(AIA + strlen("http://" HOST), "inter.der",
			   "application/pkix-cert");
	/* The slug URLs stay. */
	get("/ca01.crl", &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	/* Served CRL verifies against the issuer, as a client would check. */
	get(CDP + strlen("http://" HOST), &r);
	testca_write_file(harness_path(&h, "served.crl"), r.body.data,
			  r.body.len, false);
	hres_free(&r);
	assert_int_equal(harness_sh("openssl crl -in '%s/served.crl' -inform "
				    "DER -CAfile '%s/inter.pem' -noout 2>&1 | "
				    "grep -q 'verify OK'",
				    h.dir, h.dir),
			 0);
	/* Counted as the slug URL's download. */
	{
		const char *hdrs[] = {"Host: localhost", NULL};
		struct hreq q = {.interface = "127.0.0.1", .headers = hdrs};

		harness_request(&h, "/metrics", &q, &r);
		assert_non_null(strstr(r.body.data,
				       "certpost_downloads_total{ca=\"ca01\","
				       "format=\"crl\"} 3\n"));
		hres_free(&r);
	}
}

/* Raw bytes: what other clients may escape (or not) must match too, and
 * nothing that changes the path's meaning may. */
static void
test_encodings(void **state)
{
	static const struct {
		const char *path;
		int status;
	} cases[] = {
		/* "(" and ")" escaped, as some libraries do */
		{"/CertEnroll/Corp%20Issuing%20CA%2001%281%29.crl", 200},
		/* lower-case hex, and "+" escaped (IIS's double-escaping
		 * trap is about this one) */
		{"/CertEnroll/Corp%20Issuing%20CA%2001(1)%2b.crl", 200},
		{"/CertEnroll/Corp%20Issuing%20CA%2001(1)%2B.crl", 200},
		/* "+" is not a space in a path */
		{"/CertEnroll/Corp+Issuing+CA+01(1).crl", 404},
		/* an escaped slash or NUL, a bad escape */
		{"/CertEnroll%2FCorp%20Issuing%20CA%2001(1).crl", 404},
		{"/CertEnroll/Corp%20Issuing%20CA%2001(1).crl%00", 404},
		{"/CertEnroll/Corp%2GIssuing%20CA%2001(1).crl", 404},
		/* an escaped unreserved character is the character (RFC
		 * 3986 6.2.2.2), on the slug URLs too; an escaped reserved
		 * one is not */
		{"/ca01%2Ecrl", 200},
		{"/ca01.crl%3B", 404},
		/* case matters in a path */
		{"/certenroll/Corp%20Issuing%20CA%2001(1).crl", 404},
	};
	char req[512], out[8192];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[32];

		snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: " HOST
			 "\r\nConnection: close\r\n\r\n",
			 cases[i].path);
		assert_true(harness_raw(h.port, req, strlen(req), out,
					sizeof(out), 3000) > 0);
		snprintf(want, sizeof(want), "HTTP/1.1 %d ", cases[i].status);
		if (strncmp(out, want, strlen(want)) != 0)
			fail_msg("%s: %.40s", cases[i].path, out);
	}
}

static int
check_urls(const char *file, struct buf *out)
{
	const char *args[] = {"--check-urls", "--config",
			      harness_path(&h, "certpost.conf"),
			      harness_path(&h, file), NULL};

	return harness_run(args, out);
}

/* The migration preflight: every URL of the certificates, and what this
 * configuration serves there. */
static void
test_check_urls(void **state)
{
	struct buf out = {0};

	(void)state;
	assert_int_equal(check_urls("leaf.pem", &out), 0);
	assert_contains(out.data, "CN=host.corp.example", "subject");
	assert_contains(out.data,
			"CDP            " CDP
			"\n                 served: ca01 crl "
			"(application/pkix-crl)",
			"cdp");
	assert_contains(out.data,
			"freshest CRL   " DELTA
			"\n                 served: ca01 delta-crl "
			"(application/pkix-crl)",
			"delta");
	assert_contains(out.data,
			"AIA caIssuers  " AIA
			"\n                 served: ca01 cer "
			"(application/pkix-cert)",
			"aia");
	assert_contains(out.data, "not certpost's: an LDAP URL", "ldap");
	assert_contains(out.data, "not certpost's: an OCSP responder", "ocsp");
	assert_contains(out.data, "certpost: 0 URLs not served", "sum");
	buf_free(&out);
	/* DER works as well. */
	assert_int_equal(check_urls("leaf.der", &out), 0);
	buf_free(&out);
	/* A URL nothing serves, and a host certpost does not answer to. */
	assert_int_equal(check_urls("other.pem", &out), 1);
	assert_contains(out.data,
			"Other%20CA.crl\n                 NOT "
			"SERVED: 404",
			"404");
	assert_contains(out.data,
			"NOT SERVED: elsewhere.example is not a "
			"name certpost answers to",
			"host");
	assert_contains(out.data, "certpost: 2 URLs not served", "sum");
	buf_free(&out);
	/* --check-config lists the issued URLs. */
	{
		const char *args[] = {"--check-config", "--config",
				      harness_path(&h, "certpost.conf"), NULL};

		assert_int_equal(harness_run(args, &out), 0);
		assert_contains(out.data,
				"issued URL:   " AIA
				"  ([issuer \"ca01\"] cert_url)",
				"listed");
		buf_free(&out);
	}
}

/* A URL's host must be ours, a path is claimed once, and there must be
 * something to serve: each an error naming the line. */
static void
test_url_errors(void **state)
{
	static const struct {
		const char *extra, *want;
	} cases[] = {
		{"crl_url = http://other.example/x.crl\n",
		 "bad.conf:18: [issuer \"ca01\"] crl_url: host "
		 "other.example is not a name certpost answers to"},
		{"cert_url = /ca01.crl\n", "bad.conf:18: [issuer "
					   "\"ca01\"] cert_url: /ca01.crl is "
					   "claimed twice"},
		{"cert_url = ldap:///CN=x\n", "bad.conf:18: [issuer "
					      "\"ca01\"] cert_url: 'ldap:"},
		{"crl_url = /a%2Fb.crl\n", "bad.conf:18: [issuer "
					   "\"ca01\"] crl_url: '/a%2Fb.crl'"},
		{"crl_url = CertEnroll/x.crl\n", "neither an absolute path"},
		/* answered before the table: never served */
		{"crl_url = /metrics\n", "/metrics is certpost's own"},
		{"cert_url = http://pki.corp.example/trust/confirm\n",
		 "/trust/confirm is certpost's own"},
	};
	const char *args[] = {"--check-config", "--config",
			      harness_path(&h, "certpost.conf"), NULL};
	char conf[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = {0};

		snprintf(conf, sizeof(conf), "%s%s", CONF, cases[i].extra);
		harness_write(&h, "bad.conf", conf);
		args[2] = harness_path(&h, "bad.conf");
		if (harness_run(args, &out) != 1)
			fail_msg("%s: accepted", cases[i].extra);
		assert_contains(out.data, cases[i].want, cases[i].extra);
		buf_free(&out);
	}
	/* A delta URL with no delta CRL to serve. */
	harness_write(&h, "bad.conf",
		      "[server]\nlisten = 127.0.0.1:0\n[access]\nallow = "
		      "127.0.0.0/8\n[ca \"root\"]\nfile = root.pem\n"
		      "delta_crl_url = /x+.crl\n");
	{
		struct buf out = {0};

		assert_int_equal(harness_run(args, &out), 1);
		assert_contains(out.data,
				"bad.conf:7: [ca \"root\"] delta_crl_url "
				"needs delta_crl",
				"needs");
		buf_free(&out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issued_urls_served),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_check_urls),
		cmocka_unit_test(test_url_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
