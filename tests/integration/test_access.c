/* SPDX-License-Identifier: MIT */
/* Access control against the real daemon from real source addresses: allow,
 * deny, proxies, admin, namespaces. */
/* memmem() */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

#include "harness.h"
#include "testca.h"

static struct harness h;
static unsigned char *der;
static int der_len;

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Access Test Root",
				   harness_path(&h, "root.pem"), &der);
	if (der_len == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	OPENSSL_free(der);
	harness_cleanup(&h);
	return 0;
}

/* Starts the daemon with one listen line and an [access] section. */
static void
start(const char *listen, const char *access)
{
	char conf[2048];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = %s\n[ca \"root\"]\nfile = root.pem\n"
		 "[access]\n%s",
		 listen, access);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

static void
stop(void)
{
	assert_int_equal(harness_stop(&h), 0);
}

static bool
has_cert(const struct hres *r)
{
	return r->body.len >= (size_t)der_len &&
	       memmem(r->body.data, r->body.len, der, (size_t)der_len) != NULL;
}

/* GET /ca.cer from a source address; returns the status (0 = no answer). */
static long
fetch(const char *url, const char *from, const char *const *headers,
      struct hres *r)
{
	struct hreq opt = {.url = url, .interface = from, .headers = headers};

	harness_request(&h, NULL, &opt, r);
	return r->status;
}

static const char *
url(const char *host, const char *path)
{
	static char buf[4][256];
	static int n;
	char *b = buf[n++ % 4];

	snprintf(b, 256, "http://%s:%d%s", host, h.port, path);
	return b;
}

static void
assert_dropped(const char *u, const char *from)
{
	struct hres r;

	assert_int_equal(fetch(u, from, NULL, &r), 0);
	assert_false(has_cert(&r));
	/* Closed at accept: curl saw the connection end with nothing. */
	assert_int_not_equal(r.curl_code, 0);
	assert_int_equal(r.body.len, 0);
	hres_free(&r);
}

static void
assert_served(const char *u, const char *from, const char *const *hdrs)
{
	struct hres r;

	if (fetch(u, from, hdrs, &r) != 200)
		fail_msg("%s from %s: status %ld (curl %d)", u,
			 from ? from : "default", r.status, r.curl_code);
	assert_true(has_cert(&r));
	hres_free(&r);
}

static void
assert_status(const char *u, const char *from, const char *const *hdrs,
	      long want)
{
	struct hres r;

	if (fetch(u, from, hdrs, &r) != want)
		fail_msg("%s from %s: status %ld, want %ld", u,
			 from ? from : "default", r.status, want);
	assert_false(has_cert(&r));
	hres_free(&r);
}

static void
assert_log_has(const char *needle)
{
	if (!harness_wait_log(&h, needle, 3000))
		fail_msg("log lacks '%s' (see %s)", needle, h.log_path);
}

static void
test_drop(void **state)
{
	(void)state;
	start("127.0.0.1:0", "allow = 127.0.0.1/32\n");
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.1", NULL);
	assert_dropped(url("127.0.0.1", "/ca.cer"), "127.0.0.2");
	assert_dropped(url("127.0.0.1", "/"), "127.0.0.3");
	assert_log_has("127.0.0.2 - \"-\" 0 0");
	assert_log_has("deny=not_allowed");
	stop();
}

static void
test_403(void **state)
{
	struct hres r;

	(void)state;
	start("127.0.0.1:0", "allow = 127.0.0.1/32\ndeny = 403\n");
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.1", NULL);
	assert_int_equal(
		fetch(url("127.0.0.1", "/ca.cer"), "127.0.0.2", NULL, &r), 403);
	assert_false(has_cert(&r));
	assert_string_equal(hres_header(&r, "Connection"), "close");
	hres_free(&r);
	assert_status(url("127.0.0.1", "/"), "127.0.0.2", NULL, 403);
	assert_log_has("127.0.0.2 GET \"/ca.cer\" 403");
	stop();
}

/* A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; they are
 * matched against IPv4 entries. */
static void
test_dual_stack(void **state)
{
	(void)state;
	start("[::]:0", "allow = ::1\nallow = 127.0.0.1/32\n");
	assert_served(url("[::1]", "/ca.cer"), "::1", NULL);
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.1", NULL);
	assert_dropped(url("127.0.0.1", "/ca.cer"), "127.0.0.2");
	assert_log_has("deny=not_allowed");
	stop();

	/* Without the IPv4 entry the mapped peer is refused: ::/0-style
	 * IPv6 entries never match IPv4 clients. */
	start("[::]:0", "allow = ::1\n");
	assert_served(url("[::1]", "/ca.cer"), "::1", NULL);
	assert_dropped(url("127.0.0.1", "/ca.cer"), "127.0.0.1");
	stop();
}

static void
test_trusted_proxy(void **state)
{
	const char *xff_ok[] = {"X-Forwarded-For: 192.0.2.9, 10.1.2.3", NULL};
	const char *xff_out[] = {"X-Forwarded-For: 10.1.2.3, 192.0.2.9", NULL};
	const char *fwd_ok[] = {"Forwarded: for=\"10.9.9.9:1234\";proto=http",
				NULL};
	const char *chain[] = {"X-Forwarded-For: 10.1.2.3, 127.0.0.1", NULL};
	const char *bad[] = {"X-Forwarded-For: not-an-address", NULL};
	const char *badfwd[] = {"Forwarded: for=[::1", NULL};

	(void)state;
	start("127.0.0.1:0", "allow = 10.0.0.0/8\ntrusted_proxy = 127.0.0.1\n"
			     "deny = drop\n");
	/* The proxy itself is not allowed: its own requests are refused. */
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", NULL, 403);
	/* Rightmost untrusted hop is the client. */
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.1", xff_ok);
	assert_log_has("10.1.2.3 via 127.0.0.1 GET \"/ca.cer\" 200");
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", xff_out, 403);
	/* Only X-Forwarded-For is believed by default: proxies pass a
	 * client's own Forwarded through untouched. */
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", fwd_ok, 403);
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", badfwd, 403);
	/* Trusted hops are walked past. */
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.1", chain);
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", bad, 400);
	assert_log_has("deny=bad_proxy_header");
	/* Not a proxy, not allowed: dropped however it dresses up. */
	assert_dropped(url("127.0.0.1", "/ca.cer"), "127.0.0.2");
	stop();

	/* proxy_header = forwarded: the other way round. */
	start("127.0.0.1:0", "allow = 10.0.0.0/8\ntrusted_proxy = 127.0.0.1\n"
			     "proxy_header = Forwarded\n");
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.1", fwd_ok);
	assert_log_has("10.9.9.9 via 127.0.0.1 GET \"/ca.cer\" 200");
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", xff_ok, 403);
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", bad, 403);
	assert_status(url("127.0.0.1", "/ca.cer"), "127.0.0.1", badfwd, 400);
	stop();
}

/* A client that is allowed but not a proxy cannot pose as another. */
static void
test_spoofed_header(void **state)
{
	const char *spoof[] = {"X-Forwarded-For: 10.1.2.3",
			       "Forwarded: for=10.1.2.3", NULL};

	(void)state;
	start("127.0.0.1:0", "allow = 127.0.0.2/32\nallow = 10.0.0.0/8\n"
			     "trusted_proxy = 127.0.0.1\n");
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.2", spoof);
	assert_log_has("127.0.0.2 GET \"/ca.cer\" 200");
	/* An untrusted, unlisted peer claiming an allowed address. */
	assert_dropped(url("127.0.0.1", "/ca.cer"), "127.0.0.3");
	stop();
}

static void
test_admin(void **state)
{
	struct hres r;

	(void)state;
	start("127.0.0.1:0", "allow = 127.0.0.0/8\nadmin = 127.0.0.1/32\n");
	assert_int_equal(
		fetch(url("127.0.0.1", "/metrics"), "127.0.0.1", NULL, &r),
		200);
	assert_string_equal(hres_header(&r, "Content-Type"),
			    "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(r.body.data, "certpost_build_info"));
	hres_free(&r);
	/* Allowed to download, but not an admin. */
	assert_served(url("127.0.0.1", "/ca.cer"), "127.0.0.2", NULL);
	assert_status(url("127.0.0.1", "/metrics"), "127.0.0.2", NULL, 403);
	assert_log_has("deny=not_admin");
	/* Every denial is counted. */
	assert_int_equal(
		fetch(url("127.0.0.1", "/metrics"), "127.0.0.1", NULL, &r),
		200);
	assert_non_null(
		strstr(r.body.data,
		       "certpost_denied_total{reason=\"not_admin\"} 1\n"));
	hres_free(&r);
	stop();
}

static void
test_no_allow(void **state)
{
	(void)state;
	start("127.0.0.1:0", "admin = 127.0.0.1/32\n");
	assert_log_has("no [access] allow entry");
	assert_dropped(url("127.0.0.1", "/ca.cer"), "127.0.0.1");
	stop();
}

/* Runs a GET of u from inside netns; returns 0 = got the certificate,
 * 1 = refused with nothing, 2 = something else. */
static int
fetch_in_netns(const char *netns, const char *u)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		struct hres r;
		int rc;

		if (harness_enter_netns(netns) == -1)
			_exit(3);
		fetch(u, NULL, NULL, &r);
		rc = has_cert(&r)			  ? 0
		     : (r.status == 0 && r.body.len == 0) ? 1
							  : 2;
		hres_free(&r);
		_exit(rc);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Three network namespaces made here: a server and two clients on their
 * own veth links (10.200.1.0/24 and 10.200.2.0/24). Only the first client
 * network is allowed. Nothing leaves these namespaces.
 */
static char srv[32], a[32], b[32];

/* Removes the namespaces whether the test passed or not. */
static int
netns_cleanup(void **state)
{
	(void)state;
	if (srv[0] != '\0')
		harness_sh("ip netns del %s 2>/dev/null; ip netns del %s "
			   "2>/dev/null; ip netns del %s 2>/dev/null",
			   srv, a, b);
	return 0;
}

static void
test_namespaces(void **state)
{
	char u[64];
	int pid = (int)getpid();

	(void)state;
	if (geteuid() != 0 || harness_sh("command -v ip >/dev/null") != 0) {
		skip();
		return;
	}
	snprintf(srv, sizeof(srv), "cps-%d", pid);
	snprintf(a, sizeof(a), "cpa-%d", pid);
	snprintf(b, sizeof(b), "cpb-%d", pid);
	if (harness_sh("ip netns add %s 2>/dev/null", srv) != 0) {
		srv[0] = '\0';
		skip(); /* no namespaces in this sandbox */
		return;
	}
	assert_int_equal(
		harness_sh("set -e; ip netns add %s; ip netns add %s;"
			   "ip -n %s link set lo up;"
			   "ip -n %s link add v%s type veth peer name v%s "
			   "netns %s;"
			   "ip -n %s link add v%s type veth peer name v%s "
			   "netns %s;"
			   "ip -n %s addr add 10.200.1.1/24 dev v%s;"
			   "ip -n %s addr add 10.200.2.1/24 dev v%s;"
			   "ip -n %s link set v%s up; ip -n %s link set v%s up;"
			   "ip -n %s addr add 10.200.1.2/24 dev v%s;"
			   "ip -n %s link set v%s up;"
			   "ip -n %s addr add 10.200.2.2/24 dev v%s;"
			   "ip -n %s link set v%s up",
			   a, b, srv, srv, a, a + 1, a, srv, b, b + 1, b, srv,
			   a, srv, b, srv, a, srv, b, a, a + 1, a, a + 1, b,
			   b + 1, b, b + 1),
		0);
	h.netns = srv;
	start("0.0.0.0:0", "allow = 10.200.1.0/24\n");
	h.netns = NULL;
	snprintf(u, sizeof(u), "http://10.200.1.1:%d/ca.cer", h.port);
	assert_int_equal(fetch_in_netns(a, u), 0);
	snprintf(u, sizeof(u), "http://10.200.2.1:%d/ca.cer", h.port);
	assert_int_equal(fetch_in_netns(b, u), 1);
	assert_log_has("10.200.2.2 - \"-\" 0 0");
	stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_403),
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_trusted_proxy),
		cmocka_unit_test(test_spoofed_header),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_no_allow),
		cmocka_unit_test_teardown(test_namespaces, netns_cleanup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
