/* SPDX-License-Identifier: MIT */
/* certpost behind Debian's real nginx and HAProxy on loopback: the client
 * address comes from the one header the proxy writes, never from one the
 * client sent. */
/* memmem() */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "front.h"
#include "harness.h"
#include "testca.h"

/*
 * The addresses: the proxy reaches certpost from 127.0.0.1 (proxy_bind,
 * "source"), the allowed client is 127.0.0.2, the denied one 127.0.0.3.
 */
#define PROXY_ADDR "127.0.0.1"
#define ALLOWED "127.0.0.2"
#define DENIED "127.0.0.3"

static struct harness h;
static unsigned char *der;
static int der_len;

/* The front proxy: nginx or haproxy, a child of this process. */
static struct front front;

/* front_start(), failing the test with the proxy's own words. */
static void
start_front(const char *name, const char *const *argv, int port)
{
	char why[256];

	if (front_start(&front, &h, name, argv, port, why, sizeof(why)) == -1)
		fail_msg("%s", why);
}

static int
setup(void **state)
{
	(void)state;
	harness_init(&h);
	der_len = testca_root_file("Proxy Test Root",
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

/* After each test, passed or not: no proxy or daemon is left running. */
static int
stop_all(void **state)
{
	(void)state;
	front_stop(&front);
	if (h.pid != 0)
		(void)harness_stop(&h);
	return 0;
}

/*
 * Starts certpost with one plain listener, the proxy trusted, only the
 * allowed client allowed, and the users' URL being the proxy's. extra is
 * appended to [access]; log to [log].
 */
static void
start_certpost(int front_port, const char *extra, const char *log)
{
	char conf[2048];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\n"
		 "public_url = http://127.0.0.1:%d/\n"
		 "[log]\n%s"
		 "[ca \"root\"]\nfile = root.pem\n"
		 "[access]\nallow = " ALLOWED "/32\n"
		 "trusted_proxy = " PROXY_ADDR "/32\ndeny = 403\n%s",
		 front_port, log, extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

/* The nginx a how-to sets up: X-Forwarded-For with the peer appended. */
static const char nginx_xff[] = "\t\t\tproxy_set_header X-Forwarded-For "
				"$proxy_add_x_forwarded_for;\n";

/*
 * RFC 7239 wants an IPv6 node in brackets and, with its ':'s, quoted;
 * nginx's $remote_addr has no brackets. The client's own Forwarded is
 * replaced, not passed on.
 */
static const char nginx_forwarded_map[] =
	"\tmap $remote_addr $forwarded_node {\n"
	"\t\t~: \"[$remote_addr]\";\n"
	"\t\tdefault $remote_addr;\n"
	"\t}\n";
static const char nginx_forwarded[] =
	"\t\t\tproxy_set_header Forwarded \"for=\\\"$forwarded_node\\\"\";\n";

/* Writes dir/nginx.conf and starts nginx in front of certpost. */
static void
start_nginx(int port, bool ipv6, const char *http_extra,
	    const char *location_extra)
{
	char conf[4096], tmp[PATH_MAX], listen6[64] = "";
	const char *bin = front_find_bin("nginx");
	const char *dir = h.dir;

	assert_non_null(bin);
	assert_int_equal(str_printf(tmp, sizeof(tmp), "%s/nginx-tmp", dir), 0);
	if (mkdir(tmp, 0700) == -1 && errno != EEXIST)
		fail_msg("mkdir %s: %s", tmp, strerror(errno));
	if (ipv6)
		snprintf(listen6, sizeof(listen6), "\t\tlisten [::1]:%d;\n",
			 port);
	/* As root the workers would become nobody, who cannot enter the
	 * 0700 temp dir. */
	(void)str_printf(conf, sizeof(conf),
			 "%s"
			 "daemon off;\n"
			 "worker_processes 1;\n"
			 "pid %s/nginx.pid;\n"
			 "error_log %s/proxy-error.log info;\n"
			 "events {\n\tworker_connections 64;\n}\n"
			 "http {\n"
			 "\taccess_log %s/nginx-access.log;\n"
			 "\tclient_body_temp_path %s/body;\n"
			 "\tproxy_temp_path %s/proxy;\n"
			 "\tfastcgi_temp_path %s/fastcgi;\n"
			 "\tuwsgi_temp_path %s/uwsgi;\n"
			 "\tscgi_temp_path %s/scgi;\n"
			 "%s"
			 "\tserver {\n"
			 "\t\tlisten 127.0.0.1:%d;\n"
			 "%s"
			 "\t\tlocation / {\n"
			 "\t\t\tproxy_pass http://127.0.0.1:%d;\n"
			 "\t\t\tproxy_bind " PROXY_ADDR ";\n"
			 "\t\t\tproxy_set_header Host $host;\n"
			 "%s"
			 "\t\t}\n"
			 "\t}\n"
			 "}\n",
			 geteuid() == 0 ? "user root;\n" : "", dir, dir, dir,
			 tmp, tmp, tmp, tmp, tmp, http_extra, port, listen6,
			 h.port, location_extra);
	harness_write(&h, "nginx.conf", conf);
	{
		char cpath[PATH_MAX], prefix[PATH_MAX], elog[PATH_MAX];
		const char *argv[] = {bin,    "-c", cpath, "-p",
				      prefix, "-e", elog,  NULL};

		assert_int_equal(
			str_printf(cpath, sizeof(cpath), "%s/nginx.conf", dir),
			0);
		assert_int_equal(str_printf(prefix, sizeof(prefix), "%s/", dir),
				 0);
		assert_int_equal(str_printf(elog, sizeof(elog),
					    "%s/proxy-error.log", dir),
				 0);
		start_front("nginx", argv, port);
	}
}

/* Writes dir/haproxy.cfg and starts HAProxy (foreground, -db). */
static void
start_haproxy(int port, const char *frontend_extra)
{
	char conf[2048], cpath[PATH_MAX];
	const char *bin = front_find_bin("haproxy");
	const char *argv[] = {bin, "-f", cpath, "-db", NULL};

	assert_non_null(bin);
	snprintf(conf, sizeof(conf),
		 "global\n"
		 "\tmaxconn 64\n"
		 "defaults\n"
		 "\tmode http\n"
		 "\ttimeout connect 5s\n"
		 "\ttimeout client 10s\n"
		 "\ttimeout server 10s\n"
		 "frontend fe\n"
		 "\tbind 127.0.0.1:%d\n"
		 "%s"
		 "\tdefault_backend be\n"
		 "backend be\n"
		 "\tserver certpost 127.0.0.1:%d source " PROXY_ADDR "\n",
		 port, frontend_extra, h.port);
	harness_write(&h, "haproxy.cfg", conf);
	assert_int_equal(
		str_printf(cpath, sizeof(cpath), "%s/haproxy.cfg", h.dir), 0);
	start_front("haproxy", argv, port);
}

/* One request through the front proxy and what certpost must answer. */
/* A case wanting exactly status want, on 127.0.0.1; the rest of the
 * arguments are the client's header lines (NULL for none). */
#define CASE(what, from, want, ...)                                            \
	{                                                                      \
		what, from, {__VA_ARGS__}, want, false, NULL                   \
	}

struct pcase {
	const char *what;
	const char *from;	/* client source address */
	const char *headers[4]; /* sent by the client */
	long want;		/* status */
	bool not_200;		/* want is ignored: anything but 200 */
	const char *host;	/* URL host, NULL = 127.0.0.1 */
};

static bool
has_cert(const struct hres *r)
{
	return r->body.len >= (size_t)der_len &&
	       memmem(r->body.data, r->body.len, der, (size_t)der_len) != NULL;
}

/*
 * Runs every case and reports each one that fails (a TAP comment), then
 * fails the test if any did, so one run names every broken case.
 */
static void
run_cases(const struct pcase *cases, size_t n)
{
	size_t i, failed = 0;

	for (i = 0; i < n; i++) {
		const struct pcase *c = &cases[i];
		char u[128];
		struct hreq opt = {
			.url = u, .interface = c->from, .headers = c->headers};
		struct hres r;
		bool ok;

		snprintf(u, sizeof(u), "http://%s:%d/ca.cer",
			 c->host != NULL ? c->host : "127.0.0.1", front.port);
		harness_request(&h, NULL, &opt, &r);
		if (c->not_200)
			ok = r.status != 200 && r.status != 0 && !has_cert(&r);
		else if (c->want == 200)
			ok = r.status == 200 && has_cert(&r) &&
			     r.body.len == (size_t)der_len;
		else
			ok = r.status == c->want && !has_cert(&r);
		if (!ok) {
			failed++;
			printf("# FAILED via %s: %s (from %s): status %ld, "
			       "want %s%ld%s\n",
			       front.name, c->what, c->from, r.status,
			       c->not_200 ? "not " : "",
			       c->not_200 ? 200L : c->want,
			       has_cert(&r) ? ", and the CA was sent" : "");
		} else {
			printf("# ok via %s: %s: %ld\n", front.name, c->what,
			       r.status);
		}
		fflush(stdout);
		hres_free(&r);
	}
	if (failed > 0)
		fail_msg("%zu of %zu cases through %s failed (listed above)",
			 failed, n, front.name);
}

static void
assert_log_has(const char *needle)
{
	if (!harness_wait_log(&h, needle, 3000))
		fail_msg("log lacks '%s' (see %s)", needle, h.log_path);
}

static void
finish(void)
{
	front_stop(&front);
	assert_int_equal(harness_stop(&h), 0);
}

static bool
skip_without(const char *bin)
{
	if (front_find_bin(bin) != NULL)
		return false;
	printf("# %s is not installed (apt-get install %s)\n", bin, bin);
	return true;
}

/* nginx with $proxy_add_x_forwarded_for, certpost with the default
 * proxy_header (x-forwarded-for). */
static void
start_nginx_xff(void)
{
	int port = front_free_port(AF_INET);

	assert_true(port > 0);
	start_certpost(port, "", "");
	start_nginx(port, false, "", nginx_xff);
}

/* Runs cases through nginx set up as the how-tos do (skipped without
 * nginx). */
static void
through_nginx_xff(const struct pcase *cases, size_t n)
{
	if (skip_without("nginx"))
		skip();
	start_nginx_xff();
	run_cases(cases, n);
}

static void
test_nginx_clients(void **state)
{
	static const struct pcase cases[] = {
		CASE("allowed client", ALLOWED, 200, NULL),
		CASE("denied client", DENIED, 403, NULL),
	};

	(void)state;
	through_nginx_xff(cases, ARRAY_LEN(cases));
	/* The log names both: the client, and the proxy it came through. */
	assert_log_has(ALLOWED " via " PROXY_ADDR " GET \"/ca.cer\" 200");
	assert_log_has(DENIED " via " PROXY_ADDR " GET \"/ca.cer\" 403");
	assert_log_has("deny=not_allowed");
	finish();
}

/*
 * nginx passes the client's own Forwarded header on untouched: believing
 * it would let anyone in. With proxy_header = x-forwarded-for it must not
 * count, either way.
 */
static void
test_nginx_forged_forwarded(void **state)
{
	static const struct pcase cases[] = {
		CASE("forged Forwarded", DENIED, 403,
		     "Forwarded: for=127.0.0.2"),
		CASE("forged lowercase forwarded", DENIED, 403,
		     "forwarded: for=127.0.0.2"),
		CASE("two forged Forwarded lines", DENIED, 403,
		     "Forwarded: for=127.0.0.3", "Forwarded: for=127.0.0.2"),
		CASE("forged quoted Forwarded with the proxy as the last hop",
		     DENIED, 403,
		     "Forwarded: for=\"127.0.0.2\", for=127.0.0.1"),
		/* Nor does it lock out an allowed client, nor is a malformed
		 * one a 400: it is not read at all. */
		CASE("allowed client sending Forwarded for a denied address",
		     ALLOWED, 200, "Forwarded: for=127.0.0.3"),
		CASE("allowed client sending a malformed Forwarded", ALLOWED,
		     200, "Forwarded: for=[::1"),
	};

	(void)state;
	through_nginx_xff(cases, ARRAY_LEN(cases));
	finish();
}

/* nginx appends the real peer to whatever X-Forwarded-For the client
 * sent (all its lines, joined): the rightmost untrusted hop is the real
 * client. */
static void
test_nginx_forged_xff(void **state)
{
	static const struct pcase cases[] = {
		CASE("forged X-Forwarded-For", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2"),
		CASE("two forged X-Forwarded-For lines", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2",
		     "X-Forwarded-For: 127.0.0.2"),
		CASE("forged x-FORWARDED-for", DENIED, 403,
		     "x-FORWARDED-for: 127.0.0.2"),
		CASE("forged chain ending in the trusted proxy", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2, 127.0.0.1"),
		CASE("garbage X-Forwarded-For", DENIED, 400,
		     "X-Forwarded-For: ]]"),
		{"garbage X-Forwarded-For (anything but 200)",
		 DENIED,
		 {"X-Forwarded-For: ]]"},
		 0,
		 true,
		 NULL},
		CASE("allowed client with a forged denied address", ALLOWED,
		     200, "X-Forwarded-For: 127.0.0.3"),
	};

	(void)state;
	through_nginx_xff(cases, ARRAY_LEN(cases));
	assert_log_has("deny=bad_proxy_header");
	finish();
}

/* A Host that does not name the server is DNS rebinding, proxy or not:
 * nginx passes the client's Host on ($host). */
static void
test_nginx_host(void **state)
{
	static const struct pcase cases[] = {
		CASE("Host naming the server", ALLOWED, 200, NULL),
		CASE("Host of another name", ALLOWED, 421,
		     "Host: rebind.example"),
	};

	(void)state;
	through_nginx_xff(cases, ARRAY_LEN(cases));
	finish();
}

/*
 * proxy_header = forwarded, nginx overwriting Forwarded with the peer:
 * X-Forwarded-For (passed on untouched, as the client wrote it) is
 * ignored. Also over IPv6, to check the quoted, bracketed node.
 */
static void
test_nginx_forwarded(void **state)
{
	static const struct pcase cases[] = {
		CASE("allowed client", ALLOWED, 200, NULL),
		CASE("denied client", DENIED, 403, NULL),
		CASE("forged X-Forwarded-For", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2"),
		CASE("allowed client with a forged denied X-Forwarded-For",
		     ALLOWED, 200, "X-Forwarded-For: 127.0.0.3"),
		CASE("allowed client with garbage X-Forwarded-For", ALLOWED,
		     200, "X-Forwarded-For: ]]"),
		CASE("forged Forwarded (nginx replaces it)", DENIED, 403,
		     "Forwarded: for=127.0.0.2"),
	};
	static const struct pcase v6[] = {
		{"IPv6 client, Forwarded: for=\"[::1]\"",
		 "::1",
		 {"Host: 127.0.0.1"},
		 200,
		 false,
		 "[::1]"},
	};
	int port = front_free_port(AF_INET);
	bool ipv6 = front_free_port(AF_INET6) > 0;

	(void)state;
	if (skip_without("nginx")) {
		skip();
		return;
	}
	assert_true(port > 0);
	start_certpost(port,
		       ipv6 ? "proxy_header = forwarded\nallow = ::1/128\n"
			    : "proxy_header = forwarded\n",
		       "format = json\n");
	start_nginx(port, ipv6, nginx_forwarded_map, nginx_forwarded);
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	assert_log_has("\"client\":\"" ALLOWED "\",\"peer\":\"" PROXY_ADDR
		       "\"");
	if (ipv6) {
		run_cases(v6, 1);
		assert_log_has("\"client\":\"::1\",\"peer\":\"" PROXY_ADDR
			       "\"");
	} else {
		printf("# no IPv6 loopback: the IPv6 case is left out\n");
	}
	finish();
}

/*
 * HAProxy's "option forwardfor" adds its own X-Forwarded-For line after
 * the client's: the lines are joined in order, so the real peer is still
 * the rightmost hop. The client's Forwarded is passed on untouched.
 */
static void
test_haproxy_xff(void **state)
{
	static const struct pcase cases[] = {
		CASE("allowed client", ALLOWED, 200, NULL),
		CASE("denied client", DENIED, 403, NULL),
		CASE("forged Forwarded", DENIED, 403,
		     "Forwarded: for=127.0.0.2"),
		CASE("forged lowercase forwarded", DENIED, 403,
		     "forwarded: for=127.0.0.2"),
		CASE("forged X-Forwarded-For", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2"),
		CASE("forged chain ending in the trusted proxy", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2, 127.0.0.1"),
	};
	int port = front_free_port(AF_INET);

	(void)state;
	if (skip_without("haproxy")) {
		skip();
		return;
	}
	assert_true(port > 0);
	start_certpost(port, "", "");
	start_haproxy(port, "\toption forwardfor\n");
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	assert_log_has(ALLOWED " via " PROXY_ADDR " GET \"/ca.cer\" 200");
	finish();
}

/* HAProxy before 2.8 has no "option forwarded": set-header replaces the
 * client's Forwarded with the peer (IPv4 here, so no quoting needed). */
static void
test_haproxy_forwarded(void **state)
{
	static const struct pcase cases[] = {
		CASE("allowed client", ALLOWED, 200, NULL),
		CASE("denied client", DENIED, 403, NULL),
		CASE("forged Forwarded (HAProxy replaces it)", DENIED, 403,
		     "Forwarded: for=127.0.0.2"),
		CASE("forged X-Forwarded-For", DENIED, 403,
		     "X-Forwarded-For: 127.0.0.2"),
	};
	int port = front_free_port(AF_INET);

	(void)state;
	if (skip_without("haproxy")) {
		skip();
		return;
	}
	assert_true(port > 0);
	start_certpost(port, "proxy_header = forwarded\n", "");
	start_haproxy(port, "\thttp-request set-header Forwarded "
			    "for=%[src]\n");
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	finish();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_nginx_clients, stop_all),
		cmocka_unit_test_teardown(test_nginx_forged_forwarded,
					  stop_all),
		cmocka_unit_test_teardown(test_nginx_forged_xff, stop_all),
		cmocka_unit_test_teardown(test_nginx_host, stop_all),
		cmocka_unit_test_teardown(test_nginx_forwarded, stop_all),
		cmocka_unit_test_teardown(test_haproxy_xff, stop_all),
		cmocka_unit_test_teardown(test_haproxy_forwarded, stop_all),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
