/* SPDX-License-Identifier: MIT */
/* The rollout count, against the real daemon: only the page's own POST
 * confirms, each source counts once a day whatever it claims, IPv6 by its
 * /64, and the counts outlive a restart. */
#define _GNU_SOURCE /* unshare() */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* What the page's own POST carries: its origin is the Host it was
 * loaded from. (Two header lines.) */
#define ORIGIN "Origin: http://ca.test.example", "Host: ca.test.example"
#define IPHONE                                                                 \
	"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "  \
	"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "               \
	"Mobile/15E148 Safari/604.1"
#define ANDROID                                                                \
	"User-Agent: Mozilla/5.0 (Linux; Android 14; Pixel 8) "                \
	"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile "          \
	"Safari/537.36"

static int
setup(void **state)
{
	struct testca_opts ro = {.cn = "Corp Root", .ca = true};
	EVP_PKEY *rk;
	X509 *root;

	(void)state;
	harness_init(&h);
	if (testca_make(&ro, &root, &rk) == -1)
		return -1;
	testca_write_pem(harness_path(&h, "root.pem"), root);
	X509_free(root);
	EVP_PKEY_free(rk);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return harness_finish(&h) == 0 ? 0 : -1;
}

/* extra: more [server] lines. */
static void
start(const char *listen, const char *extra)
{
	char conf[2048];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = %s\n"
		 "public_url = http://ca.test.example/\n%s"
		 "[ca \"corp\"]\nname = Corp Root\nfile = root.pem\n"
		 "[access]\nallow = 127.0.0.0/8\nallow = ::1\n"
		 "allow = fd00::/8\nadmin = 127.0.0.1\n",
		 listen, extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

/* A confirmation from src with the given header lines (NULL-ended, at
 * most 6); returns the status and checks the body is empty. */
static long
confirm(const char *src, const char *method, const char *const *hdrs)
{
	struct hreq opt = {.interface = src,
			   .method = method ? method : "POST",
			   .headers = hdrs};
	struct hres r;
	long status;

	harness_request(&h, "/trust/confirm", &opt, &r);
	status = r.status;
	if (status == 204)
		assert_int_equal(r.body.len, 0);
	if (status == 405)
		assert_string_equal(hres_header(&r, "Allow"), "POST");
	hres_free(&r);
	return status;
}

/* The metric's value (a line "name value"), or -1. */
static long
metric(const char *name)
{
	const char *hdrs[] = {"Host: localhost", NULL};
	struct hreq opt = {.interface = "127.0.0.1", .headers = hdrs};
	struct hres r;
	char needle[200], u[64];
	const char *p;
	long v = -1;

	/* Every test's daemon listens on 127.0.0.1 ([::] takes IPv4 too). */
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/metrics", h.port);
	opt.url = u;
	harness_request(&h, "/metrics", &opt, &r);
	assert_int_equal(r.status, 200);
	snprintf(needle, sizeof(needle), "\n%s ", name);
	if ((p = strstr(r.body.data, needle)) != NULL)
		v = strtol(p + strlen(needle), NULL, 10);
	hres_free(&r);
	return v;
}

/*
 * Only a same-origin POST counts. What another site's page can make an
 * insider's browser send (an <img> or link: GET; a form: POST with the
 * other site's Origin, or Sec-Fetch-Site: cross-site) is refused and
 * counted nowhere; HEAD no longer counts.
 */
static void
test_same_origin_only(void **state)
{
	const char *img[] = {IPHONE, "Sec-Fetch-Site: cross-site",
			     "Sec-Fetch-Dest: image",
			     "Referer: http://evil.example/", NULL};
	const char *form[] = {IPHONE, "Origin: http://evil.example",
			      "Sec-Fetch-Site: cross-site", NULL};
	const char *liar[] = {IPHONE, ORIGIN, "Sec-Fetch-Site: cross-site",
			      NULL};
	const char *sibling[] = {IPHONE, ORIGIN, "Sec-Fetch-Site: same-site",
				 NULL};
	const char *null_origin[] = {IPHONE, "Origin: null", NULL};
	const char *path_origin[] = {IPHONE, "Origin: http://ca.test.example/x",
				     NULL};
	const char *no_origin[] = {IPHONE, NULL};
	const char *page[] = {IPHONE, ORIGIN, "Sec-Fetch-Site: same-origin",
			      "Sec-Fetch-Dest: empty", NULL};
	const char *old_safari[] = {IPHONE, ORIGIN, NULL};
	/* Another of our names, another port: other origins. */
	const char *other_name[] = {IPHONE, "Origin: http://localhost",
				    "Host: ca.test.example", NULL};
	const char *other_port[] = {IPHONE, "Origin: http://ca.test.example:81",
				    "Host: ca.test.example", NULL};
	char by_addr_origin[64];
	const char *by_addr[] = {IPHONE, by_addr_origin, NULL};

	(void)state;
	start("127.0.0.1:0", "");
	assert_int_equal(confirm("127.0.0.2", "GET", img), 405);
	assert_int_equal(confirm("127.0.0.2", "HEAD", page), 405);
	assert_int_equal(confirm("127.0.0.2", NULL, form), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, liar), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, sibling), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, null_origin), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, path_origin), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, no_origin), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, other_name), 403);
	assert_int_equal(confirm("127.0.0.2", NULL, other_port), 403);
	assert_true(harness_wait_log(&h, "deny=cross_site", 5000));
	assert_int_equal(metric("certpost_trust_confirmed_total{platform="
				"\"ios\"}"),
			 0);
	assert_int_equal(metric("certpost_denied_total{reason=\"cross_site\"}"),
			 8);
	/* The page's own script, in a browser with and without Fetch
	 * Metadata (Safari before 16.4 sends Origin alone). */
	assert_int_equal(confirm("127.0.0.2", NULL, page), 204);
	assert_int_equal(confirm("127.0.0.3", NULL, old_safari), 204);
	/* The page opened by the listener's address is its own origin
	 * (curl sends Host: 127.0.0.1:port). */
	snprintf(by_addr_origin, sizeof(by_addr_origin),
		 "Origin: http://127.0.0.1:%d", h.port);
	assert_int_equal(confirm("127.0.0.4", NULL, by_addr), 204);
	assert_int_equal(metric("certpost_trust_confirmed_total{platform="
				"\"ios\"}"),
			 3);
	assert_int_equal(harness_stop(&h), 0);
}

/* A request with a body, or a target libmicrohttpd would normalise,
 * sent as raw bytes. */
static void
test_confirm_raw(void **state)
{
	static const char body[] =
		"POST /trust/confirm HTTP/1.1\r\nHost: ca.test.example\r\n"
		"Origin: http://ca.test.example\r\nContent-Length: 2\r\n\r\nhi";
	static const char empty[] =
		"POST /trust/confirm HTTP/1.1\r\nHost: ca.test.example\r\n"
		"Origin: http://ca.test.example\r\nContent-Length: 0\r\n\r\n"
		"POST /trust/confirm HTTP/1.1\r\nHost: ca.test.example\r\n"
		"Origin: http://ca.test.example\r\nConnection: close\r\n\r\n";
	static const char elsewhere[] =
		"POST /ca.cer HTTP/1.1\r\nHost: ca.test.example\r\n"
		"Origin: http://ca.test.example\r\nConnection: close\r\n\r\n";
	char out[4096];

	(void)state;
	start("127.0.0.1:0", "");
	assert_true(harness_raw(h.port, body, strlen(body), out, sizeof(out),
				3000) > 0);
	assert_true(strncmp(out, "HTTP/1.1 400 ", 13) == 0);
	/* Two on one connection: kept alive, both answered, one count. */
	assert_true(harness_raw(h.port, empty, strlen(empty), out, sizeof(out),
				3000) > 0);
	assert_true(strncmp(out, "HTTP/1.1 204 ", 13) == 0);
	assert_non_null(strstr(out + 13, "HTTP/1.1 204 "));
	/* POST is for the confirmation alone. */
	assert_true(harness_raw(h.port, elsewhere, strlen(elsewhere), out,
				sizeof(out), 3000) > 0);
	assert_true(strncmp(out, "HTTP/1.1 405 ", 13) == 0);
	assert_non_null(strstr(out, "\r\nAllow: GET, HEAD\r\n"));
	assert_int_equal(metric("certpost_trust_confirmed_total{platform="
				"\"other\"}"),
			 1);
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * One source, one count a day, whatever platform its User-Agent claims
 * and however often; the helpdesk's JSON and /metrics agree, and both say
 * whose counts they are and since when.
 */
static void
test_once_per_source(void **state)
{
	static const char *const uas[] = {
		IPHONE,
		ANDROID,
		"User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
		"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
		"Safari/605.1.15",
		"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
		"Safari/537.36",
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:127.0) "
		"Gecko/20100101 Firefox/127.0",
		"User-Agent: Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) "
		"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
		"Safari/537.36",
		"User-Agent: curl/8.0",
		"User-Agent: Mozilla/5.0 (Android 14; Mobile; rv:127.0) "
		"Gecko/127.0 Firefox/127.0",
		"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac "
		"OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 "
		"Mobile/15E148 Safari/604.1",
		"User-Agent: Mozilla/5.0 (Linux; Android 10; K) "
		"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari",
		"User-Agent: Mozilla/5.0 (iPad; CPU OS 12_5 like Mac OS X)",
	};
	struct hreq admin = {.interface = "127.0.0.1"};
	char host[256], needle[300];
	long total = 0;
	struct hres r;

	(void)state;
	start("127.0.0.1:0", "");
	for (size_t i = 0; i < sizeof(uas) / sizeof(uas[0]); i++) {
		const char *hdrs[] = {uas[i], ORIGIN, NULL};

		assert_int_equal(confirm("127.0.0.2", NULL, hdrs), 204);
	}
	for (int i = 0; i < 200; i++) {
		const char *hdrs[] = {ANDROID, ORIGIN, NULL};

		assert_int_equal(confirm("127.0.0.3", NULL, hdrs), 204);
	}
	harness_request(&h, "/metrics", &admin, &r);
	for (const char *p = r.body.data;
	     (p = strstr(p, "\ncertpost_trust_confirmed_total{")) != NULL; p++)
		total += strtol(strchr(p, '}') + 1, NULL, 10);
	assert_int_equal(total, 2);
	assert_non_null(strstr(r.body.data, "\ncertpost_trust_confirmed_total{"
					    "platform=\"ios\"} 1\n"));
	assert_non_null(strstr(r.body.data, "\ncertpost_trust_confirmed_total{"
					    "platform=\"android\"} 1\n"));
	assert_non_null(
		strstr(r.body.data, "\ncertpost_rollout_sources_today 2\n"));
	assert_non_null(
		strstr(r.body.data, "\ncertpost_rollout_table_full 0\n"));
	assert_non_null(
		strstr(r.body.data,
		       "\ncertpost_trust_confirmed_not_counted_total 0\n"));
	assert_non_null(strstr(r.body.data,
			       "\ncertpost_rollout_since_timestamp_seconds "));
	hres_free(&r);
	harness_request(&h, "/helpdesk/rollout.json", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	snprintf(needle, sizeof(needle), "{\"instance\":\"%s\",\"since\":\"20",
		 host);
	assert_true(strncmp(r.body.data, needle, strlen(needle)) == 0);
	assert_non_null(strstr(r.body.data,
			       "\"sources_today\":2,\"sources_per_day\":16384,"
			       "\"table_full\":false,\"not_counted\":0,"));
	assert_non_null(strstr(r.body.data,
			       "{\"platform\":\"ios\",\"name\":\"iPhone and "
			       "iPad (Safari)\",\"downloads\":0,"
			       "\"confirmed\":1}"));
	hres_free(&r);
	/* The helpdesk view says whose counts these are. */
	harness_request(&h, "/helpdesk", NULL, &r);
	assert_non_null(strstr(r.body.data, "id=\"rollout-note\""));
	assert_non_null(strstr(r.body.data, "each instance counts its own"));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/*
 * The counts outlive a restart through the state file (a package upgrade
 * restarts the service): systemd's $STATE_DIRECTORY by default, written
 * 0600 at stop; a broken file is a warning and a fresh start, never a
 * failure.
 */
static void
test_kept_across_restarts(void **state)
{
	const char *hdrs[] = {IPHONE, ORIGIN, NULL};
	const char *dl_hdrs[] = {IPHONE, NULL};
	struct hreq dl = {.interface = "127.0.0.2", .headers = dl_hdrs};
	char state_dir[PATH_MAX], file[PATH_MAX + 32], since[64];
	struct hres r;
	struct stat st;
	const char *p;

	(void)state;
	snprintf(state_dir, sizeof(state_dir), "%s", harness_path(&h, "state"));
	assert_int_equal(mkdir(state_dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/rollout.state", state_dir);
	assert_int_equal(setenv("STATE_DIRECTORY", state_dir, 1), 0);
	start("127.0.0.1:0", "");
	assert_int_equal(confirm("127.0.0.2", NULL, hdrs), 204);
	harness_request(&h, "/ca.mobileconfig", &dl, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	harness_request(&h, "/helpdesk/rollout.json", NULL, &r);
	p = strstr(r.body.data, "\"since\":\"");
	assert_non_null(p);
	snprintf(since, sizeof(since), "%.*s", (int)strcspn(p + 9, "\""),
		 p + 9);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Back up: the same counts, the same since. */
	start("127.0.0.1:0", "");
	harness_request(&h, "/helpdesk/rollout.json", NULL, &r);
	assert_non_null(strstr(r.body.data, since));
	assert_non_null(strstr(r.body.data,
			       "{\"platform\":\"ios\",\"name\":\"iPhone and "
			       "iPad (Safari)\",\"downloads\":1,"
			       "\"confirmed\":1}"));
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
	/* state_dir = none keeps nothing, whatever systemd says. */
	assert_int_equal(unlink(file), 0);
	start("127.0.0.1:0", "state_dir = none\n");
	assert_int_equal(confirm("127.0.0.2", NULL, hdrs), 204);
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(stat(file, &st), -1);
	/* Broken: a warning naming the file and line, then zero. */
	harness_write(&h, "state/rollout.state", "since 1\nconfirmed ios x\n");
	start("127.0.0.1:0", "");
	assert_true(harness_wait_log(&h, "rollout.state:2: not a line", 5000));
	assert_true(harness_wait_log(&h, "the rollout counts start from zero",
				     5000));
	assert_int_equal(metric("certpost_trust_confirmed_total{platform="
				"\"ios\"}"),
			 0);
	assert_int_equal(harness_stop(&h), 0);
	assert_int_equal(unsetenv("STATE_DIRECTORY"), 0);
	/* A state_dir that is not a directory is a configuration error. */
	harness_write(&h, "certpost.conf",
		      "[server]\nlisten = 127.0.0.1:0\nstate_dir = root.pem\n"
		      "[ca \"corp\"]\nfile = root.pem\n"
		      "[access]\nallow = 127.0.0.0/8\n");
	{
		const char *args[] = {"--check-config", "--config",
				      harness_path(&h, "certpost.conf"), NULL};
		struct buf out = {0};

		assert_int_equal(harness_run(args, &out), 1);
		assert_non_null(strstr(out.data, "certpost.conf:3: [server] "
						 "state_dir"));
		assert_non_null(strstr(out.data, "not a directory"));
		buf_free(&out);
	}
}

/*
 * IPv6: one host holds a whole /64, so its addresses are one source;
 * another /64 is another. Real source addresses on the loopback of a
 * network namespace this test makes (root only: skipped otherwise).
 */
static void
test_ipv6_per_64(void **state)
{
	static const char *const srcs[] = {"fd00:1::1", "fd00:1::2",
					   "fd00:1::ffff:1", "fd00:2::1"};
	const char *hdrs[] = {IPHONE, ORIGIN, NULL};

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) == -1)
		skip();
	assert_int_equal(
		harness_sh("ip link set lo up && "
			   "ip -6 addr add fd00:1::1/128 dev lo nodad && "
			   "ip -6 addr add fd00:1::2/128 dev lo nodad && "
			   "ip -6 addr add fd00:1::ffff:1/128 dev lo "
			   "nodad && "
			   "ip -6 addr add fd00:2::1/128 dev lo nodad && "
			   "ip addr add 127.0.0.1/8 dev lo 2>/dev/null; "
			   "true"),
		0);
	start("[::]:0", "");
	for (size_t i = 0; i < 4; i++) {
		struct hreq opt = {.interface = srcs[i],
				   .method = "POST",
				   .headers = hdrs};
		struct hres r;
		char u[128];

		snprintf(u, sizeof(u), "http://[%s]:%d/trust/confirm", srcs[i],
			 h.port);
		opt.url = u;
		harness_request(&h, "/trust/confirm", &opt, &r);
		assert_int_equal(r.status, 204);
		hres_free(&r);
	}
	assert_int_equal(metric("certpost_rollout_sources_today"), 2);
	assert_int_equal(metric("certpost_trust_confirmed_total{platform="
				"\"ios\"}"),
			 2);
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_origin_only),
		cmocka_unit_test(test_confirm_raw),
		cmocka_unit_test(test_once_per_source),
		cmocka_unit_test(test_kept_across_restarts),
		/* Last: it moves this process into its own namespace. */
		cmocka_unit_test(test_ipv6_per_64),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
