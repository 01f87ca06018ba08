/* SPDX-License-Identifier: MIT */
/* What a TLS scanner checks, with openssl s_client: Mozilla's
 * "intermediate" profile as it is written (DHE with ffdhe2048 for an RSA
 * certificate, the client's order of ciphers and groups), the alert each
 * refused offer gets, the reason each failed handshake is counted under,
 * and plain HTTP sent to the HTTPS port. */
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
#include "sclient.h"
#include "testca.h"

static struct harness h;

/* An RSA server certificate (DHE-RSA needs one) from a root of its own,
 * and a second root the client may wrongly trust. */
static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Scan Root", .ca = true};
	struct testca_opts oo = {.cn = "Other Root", .ca = true};
	struct testca_opts lo = {.cn = "localhost",
				 .rsa_bits = 2048,
				 .dns_san = "localhost",
				 .ip_san = "127.0.0.1",
				 .server_auth = true};
	X509 *root, *other, *leaf;
	EVP_PKEY *rk, *ok, *lk;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1 ||
	    testca_make(&oo, &other, &ok) == -1)
		return -1;
	lo.issuer = root;
	lo.issuer_key = rk;
	if (testca_make(&lo, &leaf, &lk) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	testca_write_pem(harness_path(&h, "other.pem"), other);
	testca_write_pem(harness_path(&h, "tls.pem"), leaf);
	testca_write_key(harness_path(&h, "tls.key"), lk);
	X509_free(root);
	X509_free(other);
	X509_free(leaf);
	EVP_PKEY_free(rk);
	EVP_PKEY_free(ok);
	EVP_PKEY_free(lk);
	if (harness_sh("command -v openssl >/dev/null") != 0)
		return -1;
	return harness_start_conf(
		&h, "[server]\nlisten = 127.0.0.1:0\nhttps_listen = "
		    "127.0.0.1:0\ntls_cert = tls.pem\ntls_key = tls.key\n"
		    "[ca \"root\"]\nfile = root.pem\n"
		    "[access]\nallow = 127.0.0.1\nadmin = 127.0.0.1\n");
}

static int
teardown(void **state)
{
	(void)state;
	return harness_finish(&h) == 0 ? 0 : -1;
}

/* One handshake; out holds s_client's words. */
static bool
hs(const char *opts, struct buf *out)
{
	out->len = 0;
	return sclient(h.https_port, opts, "", out);
}

static void
assert_has(const struct buf *b, const char *needle, const char *what)
{
	assert_contains(b->data != NULL ? b->data : "", needle, what);
}

/* Mozilla "intermediate": DHE-RSA with the 2048-bit RFC 7919 group for an
 * RSA certificate; the client's cipher order; its first key share used
 * (no HelloRetryRequest for P-256). */
static void
test_intermediate(void **state)
{
	struct buf b = {0};

	(void)state;
	assert_true(hs("-tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256", &b));
	assert_has(&b, "Cipher is DHE-RSA-AES128-GCM-SHA256", "dhe");
	assert_has(&b, "Temp Key: DH, 2048 bits", "ffdhe2048");
	assert_true(
		hs("-tls1_2 -cipher "
		   "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256",
		   &b));
	assert_has(&b, "Cipher is ECDHE-RSA-CHACHA20-POLY1305", "client order");
	assert_true(hs("-tls1_3 -ciphersuites "
		       "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256",
		       &b));
	assert_has(&b, "Cipher is TLS_CHACHA20_POLY1305_SHA256", "tls13 order");
	/* A first key share of P-256 is taken as it is. */
	assert_true(hs("-tls1_3 -groups P-256:X25519", &b));
	assert_has(&b, "Temp Key: ECDH, prime256v1", "no HRR");
	/* Still refused: CBC, and RSA key exchange. */
	assert_false(hs("-tls1_2 -cipher ECDHE-RSA-AES128-SHA256", &b));
	assert_false(hs("-tls1_2 -cipher AES128-GCM-SHA256", &b));
	buf_free(&b);
}

static long
metric(const char *reason)
{
	const char *hdrs[] = {"Host: localhost", NULL};
	struct hreq q = {.interface = "127.0.0.1", .headers = hdrs};
	char needle[160];
	struct hres r;
	const char *p;
	long v = -1;

	harness_request(&h, "/metrics", &q, &r);
	snprintf(needle, sizeof(needle),
		 "\ncertpost_tls_handshake_failures_total{reason=\"%s\"} ",
		 reason);
	if (r.body.data != NULL && (p = strstr(r.body.data, needle)) != NULL)
		v = strtol(p + strlen(needle), NULL, 10);
	hres_free(&r);
	return v;
}

/*
 * Offers that cannot succeed get the alert their RFC names (libmicrohttpd
 * alone would close without one), and each failed handshake is counted
 * and logged with the peer and the reason.
 */
static void
test_refusals(void **state)
{
	struct buf b = {0};

	(void)state;
	/* RFC 8446 4.2.1, RFC 5246 E.1: protocol_version. */
	assert_false(hs("-tls1_1 -cipher 'ALL:@SECLEVEL=0'", &b));
	assert_has(&b, "alert protocol version", "tls1.1");
	/* RFC 7507: a TLS 1.2 fallback while 1.3 is spoken. */
	assert_false(hs("-tls1_2 -fallback_scsv", &b));
	assert_has(&b, "alert inappropriate fallback", "scsv");
	/* RFC 7301 3.2: h2 alone. */
	assert_false(hs("-alpn h2", &b));
	assert_has(&b, "alert no application protocol", "alpn");
	/* h2 with http/1.1 is fine. */
	assert_true(hs("-alpn h2,http/1.1", &b));
	/* A client that does not trust the certificate leaves after it. */
	{
		char opts[PATH_MAX + 64];

		snprintf(opts, sizeof(opts),
			 "-CAfile '%s' -verify_return_error",
			 harness_path(&h, "other.pem"));
		/* s_client prints the cipher either way: its own words. */
		(void)hs(opts, &b);
		assert_has(&b, "certificate verify failed", "untrusted");
	}
	buf_free(&b);
	assert_true(harness_wait_log(&h,
				     "TLS handshake with 127.0.0.1 failed: "
				     "protocol_version (client offered TLS "
				     "1.1 at most); alert sent",
				     5000));
	assert_true(
		harness_wait_log(&h, "failed: inappropriate_fallback", 5000));
	assert_true(harness_wait_log(&h, "failed: client_aborted", 5000));
	assert_int_equal(metric("protocol_version"), 1);
	assert_int_equal(metric("inappropriate_fallback"), 1);
	assert_int_equal(metric("no_application_protocol"), 1);
	assert_true(metric("client_aborted") >= 1);
	/* libmicrohttpd's own line, without peer or reason, is gone. */
	{
		struct buf log = {0};

		harness_log(&h, &log);
		if (strstr(log.data, "handshake message out of context") !=
		    NULL)
			fail_msg("libmicrohttpd's line is still logged");
		buf_free(&log);
	}
}

/* A client-initiated renegotiation (TLS 1.2) is not served: the
 * connection closes (GnuTLS reports the ClientHello as a rehandshake and
 * libmicrohttpd ends the connection), so a client cannot make the server
 * do handshake after handshake on one connection. */
static void
test_no_client_renegotiation(void **state)
{
	(void)state;
	assert_int_equal(
		harness_sh("(printf 'R\\n'; sleep 1; printf 'GET /healthz "
			   "HTTP/1.0\\r\\n\\r\\n'; sleep 1) | timeout 10 "
			   "openssl s_client -connect 127.0.0.1:%d -tls1_2 "
			   ">%s 2>&1",
			   h.https_port, harness_path(&h, "reneg.out")),
		0);
	{
		struct buf b = {0};
		char err[256];

		assert_int_equal(file_read(harness_path(&h, "reneg.out"),
					   1 << 20, &b, err, sizeof(err)),
				 0);
		(void)buf_append(&b, "", 0);
		assert_has(&b, "RENEGOTIATING", "sent");
		if (strstr(b.data, "HTTP/1.1 200") != NULL)
			fail_msg("served after a renegotiation:\n%s", b.data);
		buf_free(&b);
	}
}

/* Plain HTTP typed at the HTTPS port: a 400 saying to use https://, not
 * an empty reply; a denied peer still gets nothing. */
static void
test_plain_http(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n"
				  "User-Agent: typed-it\r\n\r\n";
	struct hreq q = {.interface = "127.0.0.2"};
	char out[2048], url[64];
	struct hres r;
	long n;

	(void)state;
	n = harness_raw(h.https_port, req, sizeof(req) - 1, out, sizeof(out),
			3000);
	assert_true(n > 0);
	assert_true(strncmp(out, "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
	assert_non_null(strstr(out, "\r\nConnection: close\r\n"));
	assert_non_null(strstr(out, "\r\nContent-Length: 152\r\n"));
	assert_non_null(strstr(out, "<b>https://</b>"));
	assert_true(harness_wait_log(&h, "400 152 ", 5000));
	assert_true(harness_wait_log(&h, "deny=plain_http_on_https", 5000));
	/* Not counted as a failed handshake. */
	assert_int_equal(metric("no_client_hello"), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", h.https_port);
	q.url = url;
	harness_request(&h, "/", &q, &r);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.body.len, 0);
	hres_free(&r);
	/* HTTPS itself is unchanged. */
	{
		struct buf b = {0};

		assert_true(sclient(h.https_port, "-tls1_3 -ign_eof",
				    "GET /healthz HTTP/1.0\\r\\n\\r\\n", &b));
		assert_has(&b, "HTTP/1.1 200 OK", "https");
		buf_free(&b);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intermediate),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_client_renegotiation),
		cmocka_unit_test(test_plain_http),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
