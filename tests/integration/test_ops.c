/* SPDX-License-Identifier: MIT */
/* Running it as a service: JSON access log and its reopen, log failures
 * counted, metrics, TLS listener, redirect. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

#include "harness.h"
#include "testca.h"

static struct harness h;
static unsigned char *der;
static int der_len;
static long long not_after;

static int
setup(void **state)
{
	struct testca_tls t;
	struct tm tm;

	(void)state;
	harness_init(&h);
	if (testca_tls_files(h.dir, "Ops Root", &t) == -1)
		return -1;
	der_len = testca_der(t.root, &der);
	ASN1_TIME_to_tm(X509_get0_notAfter(t.root), &tm);
	not_after = (long long)timegm(&tm);
	testca_tls_free(&t);
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

static void
start(const char *extra)
{
	char conf[2048];

	snprintf(conf, sizeof(conf),
		 "[server]\nlisten = 127.0.0.1:0\n%s\n[ca \"ops-root\"]\n"
		 "file = root.pem\n[access]\nallow = 127.0.0.0/8\n"
		 "admin = 127.0.0.1\n",
		 extra);
	assert_int_equal(harness_start_conf(&h, conf), 0);
}

static void
stop(void)
{
	assert_int_equal(harness_stop(&h), 0);
}

static void
get(const char *path, const char *const *headers, struct hres *r)
{
	struct hreq opt = {.headers = headers};

	harness_request(&h, path, &opt, r);
	assert_int_equal(r->curl_code, 0);
}

/* Runs python3 on a file; returns its stdout (caller frees). */
static void
python(const char *script, const char *file, struct buf *out)
{
	char cmd[4096], chunk[1024];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "python3 -c '%s' '%s'", script, file);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		buf_append(out, chunk, n);
	if (pclose(p) != 0)
		fail_msg("python failed on %s:\n%s", file, out->data);
	buf_append(out, "", 0);
}

static void
wait_lines(const char *file, int want)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int i;

	for (i = 0; i < 300; i++) {
		FILE *f = fopen(file, "r");
		int n = 0, ch;

		while (f != NULL && (ch = fgetc(f)) != EOF)
			n += ch == '\n';
		if (f != NULL)
			fclose(f);
		if (n >= want)
			return;
		nanosleep(&ts, NULL);
	}
	fail_msg("%s: fewer than %d lines", file, want);
}

static void
test_json_log(void **state)
{
	static const char script[] =
		"import json,sys\n"
		"for l in open(sys.argv[1], encoding=\"utf-8\"):\n"
		"  d=json.loads(l)\n"
		"  assert d[\"type\"]==\"access\" and "
		"d[\"time\"].endswith(\"Z\")\n"
		"  assert isinstance(d[\"duration_us\"], int)\n"
		"  print(d[\"client\"], d[\"method\"], d[\"path\"], "
		"d[\"status\"], "
		"d[\"bytes\"], d[\"platform\"], d.get(\"download\"), "
		"repr(d[\"user_agent\"]))\n";
	const char *iphone[] = {"User-Agent: Mozilla/5.0 (iPhone; CPU iPhone "
				"OS 17_5 like Mac OS X) Version/17.5 Mobile "
				"Safari/604.1",
				NULL};
	const char *evil[] = {"User-Agent: a\"b\\c\x01\x7f\xff{}", NULL};
	struct buf out = {0};
	char want[1024];
	struct hres r;

	(void)state;
	start("[log]\nformat = json\nfile = access.log\n");
	get("/ca.cer", iphone, &r);
	hres_free(&r);
	/* A line is written when its request completes, which can trail
	 * the response (under valgrind, past the next request's). */
	wait_lines(harness_path(&h, "access.log"), 1);
	get("/nope", evil, &r);
	hres_free(&r);
	wait_lines(harness_path(&h, "access.log"), 2);
	python(script, harness_path(&h, "access.log"), &out);
	snprintf(want, sizeof(want),
		 "127.0.0.1 GET /ca.cer 200 %d ios ops-root.cer "
		 "'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
		 "Version/17.5 Mobile Safari/604.1'\n"
		 "127.0.0.1 GET /nope 400 82 other None "
		 /* Control bytes get a 400, and are logged escaped; \xff is
		  * not UTF-8: logged as U+00FF, valid JSON. */
		 "'a\"b\\\\c\\x01\\x7f\xc3\xbf{}'\n",
		 der_len);
	assert_string_equal(out.data, want);
	buf_free(&out);

	/* logrotate moves the file, then SIGUSR1: new lines, new file. */
	assert_int_equal(rename(harness_path(&h, "access.log"),
				harness_path(&h, "access.log.1")),
			 0);
	kill(h.pid, SIGUSR1);
	usleep(100 * 1000);
	get("/healthz", NULL, &r);
	hres_free(&r);
	wait_lines(harness_path(&h, "access.log"), 1);
	python(script, harness_path(&h, "access.log"), &out);
	assert_non_null(strstr(out.data, "GET /healthz 200 3"));
	buf_free(&out);
	stop();
}

/*
 * The text log shows what a client sent without letting it act on the
 * terminal: escape sequences, a right-to-left override (U+202E), C1
 * controls and zero-width characters come out as \uXXXX, in the path,
 * the User-Agent and a bad method alike.
 */
static void
test_text_log_escapes(void **state)
{
	static const char req[] = "GET /x\xe2\x80\xae"
				  "gpj.exe HTTP/1.1\r\nHost: localhost\r\n"
				  "User-Agent: "
				  "a\xe2\x80\xae\xe2\x81\xa6"
				  "b\xc2\x9b\xe2\x80\x8b"
				  "c\r\n"
				  "Connection: close\r\n\r\n";
	static const char bad_method[] =
		"G\x1b[2JT /ca.cer HTTP/1.1\r\nHost: localhost\r\n\r\n";
	const char *log = harness_path(&h, "text.log");
	struct buf b = {0};
	char out[4096], chunk[4096];
	FILE *f;
	size_t n;

	(void)state;
	start("[log]\nfile = text.log\n");
	assert_true(harness_raw(h.port, req, sizeof(req) - 1, out, sizeof(out),
				3000) > 0);
	assert_true(harness_raw(h.port, bad_method, sizeof(bad_method) - 1, out,
				sizeof(out), 3000) > 0);
	assert_memory_equal(out, "HTTP/1.1 400 ", 13);
	wait_lines(log, 2);
	assert_non_null(f = fopen(log, "r"));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	buf_append(&b, "", 0);
	assert_non_null(strstr(b.data, "\"/x\\u202egpj.exe\" 404"));
	assert_non_null(
		strstr(b.data, "ua=\"a\\u202e\\u2066b\\u009b\\u200bc\""));
	if (strstr(b.data, " G??2JT \"") == NULL)
		fail_msg("the bad method is not logged escaped:\n%s", b.data);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 && b.data[i] != '\n')
			fail_msg("control byte 0x%02x in the text log",
				 (unsigned char)b.data[i]);
	assert_null(strstr(b.data, "\xe2\x80\xae"));
	buf_free(&b);
	stop();
}

static void
test_log_failures_counted(void **state)
{
	bool found = false;
	struct hres r;
	int i;

	(void)state;
	/* Every write to /dev/full fails with ENOSPC. */
	start("[log]\nfile = /dev/full\n");
	get("/ca.cer", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, (size_t)der_len);
	hres_free(&r);
	get("/ca.cer", NULL, &r);
	hres_free(&r);
	/* Access lines are written as each request completes (the scrapes
	 * too, each adding a failure): poll until both downloads count. */
	for (i = 0; i < 300; i++) {
		const char *p;

		get("/metrics", NULL, &r);
		p = strstr(r.body.data, "\ncertpost_log_write_failures_total ");
		found = p != NULL && strtol(p + 35, NULL, 10) >= 2;
		hres_free(&r);
		if (found)
			break;
		usleep(10 * 1000);
	}
	assert_true(found);
	stop();
}

static void
test_metrics(void **state)
{
	static const char script[] =
		"import re,sys\n"
		"types={}\n"
		"vals={}\n"
		"for l in open(sys.argv[1]):\n"
		"  l=l.rstrip(\"\\n\")\n"
		"  if l.startswith(\"# TYPE \"):\n"
		"    n,t=l[7:].split(\" \"); types[n]=t; continue\n"
		"  if l.startswith(\"#\") or not l: continue\n"
		"  m=re.fullmatch(r\"([a-z_]+)(\\{[^}]*\\})? "
		"(-?[0-9.e+]+)\",l)\n"
		"  assert m, l\n"
		"  assert m.group(1) in types, l\n"
		"  assert types[m.group(1)]!=\"counter\" or "
		"m.group(1).endswith(\"_total\"), l\n"
		"  vals[m.group(1)+(m.group(2) or \"\")]=float(m.group(3))\n"
		"for k in sys.argv[2:]: print(k, int(vals.get(k,-1)))\n";
	const char *keys[] = {
		"certpost_downloads_total{ca=\"ops-root\",format=\"cer\"}",
		"certpost_downloads_total{ca=\"ops-root\",format=\"pem\"}",
		"certpost_downloads_total{ca=\"all\",format=\"mobileconfig\"}",
		"certpost_http_requests_total{class=\"download\",code=\"200\"}",
		"certpost_http_requests_total{class=\"other\",code=\"404\"}",
		"certpost_http_requests_total{class=\"page\",code=\"200\"}",
		"certpost_ca_not_after_timestamp_seconds{ca=\"ops-root\"}",
		"certpost_reloads_total{trigger=\"signal\",result=\"ok\"}",
	};
	char file[PATH_MAX], cmd[PATH_MAX + 2048], want[2048];
	struct buf out = {0};
	struct hres r;
	size_t i;
	FILE *f;

	(void)state;
	start("");
	for (i = 0; i < 3; i++) {
		get("/ca.cer", NULL, &r);
		hres_free(&r);
	}
	get("/ca.pem", NULL, &r);
	hres_free(&r);
	get("/ca.mobileconfig", NULL, &r);
	hres_free(&r);
	get("/", NULL, &r);
	hres_free(&r);
	get("/missing", NULL, &r);
	hres_free(&r);
	kill(h.pid, SIGHUP);
	usleep(200 * 1000);
	get("/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	snprintf(file, sizeof(file), "%s", harness_path(&h, "metrics.txt"));
	f = fopen(file, "w");
	fwrite(r.body.data, 1, r.body.len, f);
	fclose(f);
	hres_free(&r);
	/* Keys go through the shell: single quotes keep them whole. */
	snprintf(cmd, sizeof(cmd), "%s", file);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t n = strlen(cmd);

		snprintf(cmd + n, sizeof(cmd) - n, "' '%s", keys[i]);
	}
	python(script, cmd, &out);
	snprintf(want, sizeof(want),
		 "%s 3\n%s 1\n%s 1\n%s 5\n%s 1\n%s 1\n%s %lld\n%s 1\n", keys[0],
		 keys[1], keys[2], keys[3], keys[4], keys[5], keys[6],
		 not_after, keys[7]);
	assert_string_equal(out.data, want);
	buf_free(&out);
	stop();
}

static void
test_tls(void **state)
{
	struct hreq ok = {.https = true,
			  .cainfo = harness_path(&h, "root.pem")};
	struct hreq untrusted = {.https = true};
	struct buf log = {0};
	struct hres r;

	(void)state;
	start("https_listen = 127.0.0.1:0\ntls_cert = tls.pem\n"
	      "tls_key = tls.key\n");
	assert_true(h.https_port > 0);
	harness_request(&h, "/ca.cer", &ok, &r);
	assert_int_equal(r.curl_code, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, (size_t)der_len);
	assert_memory_equal(r.body.data, der, (size_t)der_len);
	hres_free(&r);
	/* A client that does not trust the CA cannot complete the
	 * handshake: exactly what the page's trust check relies on. */
	untrusted.cainfo = "/dev/null";
	harness_request(&h, "/healthz", &untrusted, &r);
	assert_int_not_equal(r.curl_code, 0);
	hres_free(&r);
	/* The plain listener is not redirected by default. */
	harness_request(&h, "/", NULL, &r);
	assert_int_equal(r.status, 200);
	hres_free(&r);
	harness_log(&h, &log);
	assert_null(strstr(log.data, "readable by other users"));
	buf_free(&log);
	stop();

	/* A key others can read still starts, with a warning. */
	chmod(harness_path(&h, "tls.key"), 0644);
	start("https_listen = 127.0.0.1:0\ntls_cert = tls.pem\n"
	      "tls_key = tls.key\n");
	harness_log(&h, &log);
	assert_non_null(strstr(log.data, "readable by other users"));
	buf_free(&log);
	stop();
	chmod(harness_path(&h, "tls.key"), 0600);
}

static void
test_redirect(void **state)
{
	char want[128];
	struct hres r;

	(void)state;
	start("https_listen = 127.0.0.1:0\ntls_cert = tls.pem\n"
	      "tls_key = tls.key\nredirect_https = yes\n"
	      "public_url = http://ca.example:8080/\n");
	harness_request(&h, "/ca.cer?x=1", NULL, &r);
	assert_int_equal(r.status, 301);
	/* public_url's host, the HTTPS listener's port. */
	snprintf(want, sizeof(want), "https://ca.example:%d/ca.cer",
		 h.https_port);
	assert_string_equal(hres_header(&r, "Location"), want);
	hres_free(&r);
	/* Health checks stay on the plain listener. */
	harness_request(&h, "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	/* No HSTS unless asked for. */
	assert_null(hres_header(&r, "Strict-Transport-Security"));
	hres_free(&r);
	stop();
	/* With hsts_max_age, every response says it (browsers heed it over
	 * HTTPS only). */
	start("https_listen = 127.0.0.1:0\ntls_cert = tls.pem\n"
	      "tls_key = tls.key\nredirect_https = yes\nhsts_max_age = 600\n"
	      "public_url = http://ca.example:8080/\n");
	{
		struct hreq q = {.https = true};

		q.cainfo = harness_path(&h, "root.pem");
		harness_request(&h, "/ca.cer", &q, &r);
		assert_int_equal(r.status, 200);
		assert_string_equal(hres_header(&r, "Strict-Transport-Security"),
				    "max-age=600");
		hres_free(&r);
		harness_request(&h, "/nope", &q, &r);
		assert_int_equal(r.status, 404);
		assert_string_equal(hres_header(&r, "Strict-Transport-Security"),
				    "max-age=600");
		hres_free(&r);
	}
	stop();
}

static void
test_key_in_static_dir(void **state)
{
	const char *args[] = {"--config", harness_path(&h, "certpost.conf"),
			      NULL};
	struct buf log = {0};
	int status = 0;

	(void)state;
	mkdir(harness_path(&h, "static"), 0755);
	rename(harness_path(&h, "tls.key"), harness_path(&h, "static/tls.key"));
	harness_write(&h, "certpost.conf",
		      "[server]\nlisten = 127.0.0.1:0\nstatic_dir = static\n"
		      "https_listen = 127.0.0.1:0\ntls_cert = tls.pem\n"
		      "tls_key = static/tls.key\n[ca \"r\"]\nfile = root.pem\n"
		      "[access]\nallow = 127.0.0.0/8\n");
	assert_int_equal(harness_start(&h, args, &status), -1);
	assert_int_not_equal(status, 0);
	harness_log(&h, &log);
	assert_non_null(strstr(log.data, "inside static_dir"));
	buf_free(&log);
	rename(harness_path(&h, "static/tls.key"), harness_path(&h, "tls.key"));
}

static void
wait_log(const char *needle)
{
	if (!harness_wait_log(&h, needle, 3000))
		fail_msg("log lacks '%s' (see %s)", needle, h.log_path);
}

/* The access log counts the bytes an error page sends, as it does a
 * download's: a 4xx with a body is not "0", a HEAD is. */
static void
test_error_bytes_logged(void **state)
{
	struct hreq head = {.method = "HEAD"};
	struct hreq post = {.method = "DELETE"};
	char needle[64];
	struct hres r;

	(void)state;
	start("");
	harness_request(&h, "/nope", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_true(r.body.len > 60);
	snprintf(needle, sizeof(needle), "GET \"/nope\" 404 %zu ", r.body.len);
	hres_free(&r);
	wait_log(needle);
	harness_request(&h, "/nope2", &head, &r);
	assert_int_equal(r.status, 404);
	hres_free(&r);
	wait_log("HEAD \"/nope2\" 404 0 ");
	harness_request(&h, "/ca.cer", &post, &r);
	assert_int_equal(r.status, 405);
	snprintf(needle, sizeof(needle), "DELETE \"/ca.cer\" 405 %zu ",
		 r.body.len);
	assert_true(r.body.len > 0);
	hres_free(&r);
	wait_log(needle);
	stop();
}

/* A reload applies [log] changes at once: format, file, healthz. */
static void
test_reload_log_settings(void **state)
{
	const char *log2 = harness_path(&h, "access2.log");
	struct buf text = {0};
	struct hres r;

	(void)state;
	start("[log]\nfile = access.log\n");
	get("/healthz", NULL, &r);
	hres_free(&r);
	wait_lines(harness_path(&h, "access.log"), 1);
	harness_write(
		&h, "certpost.conf",
		"[server]\nlisten = 127.0.0.1:0\n[ca \"ops-root\"]\n"
		"file = root.pem\n[access]\nallow = 127.0.0.0/8\n"
		"[log]\nformat = json\nfile = access2.log\nhealthz = no\n");
	kill(h.pid, SIGHUP);
	wait_log("reloaded in ");
	get("/healthz", NULL, &r);
	hres_free(&r);
	get("/ca.pem", NULL, &r);
	hres_free(&r);
	wait_lines(log2, 1);
	usleep(100 * 1000);
	harness_log(&h, &text);
	/* listen = 127.0.0.1:0 in both: no restart needed. */
	assert_null(strstr(text.data, "need a restart"));
	buf_free(&text);
	{
		FILE *f = fopen(log2, "r");
		char line[2048];
		int n = 0;

		assert_non_null(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			n++;
			assert_int_equal(line[0], '{');
			assert_non_null(strstr(line, "\"path\":\"/ca.pem\""));
		}
		fclose(f);
		assert_int_equal(n, 1); /* no /healthz line */
	}
	stop();
}

/* The TLS listener cannot take a new certificate without a restart; a
 * reload says so instead of pretending. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_log),
		cmocka_unit_test(test_text_log_escapes),
		cmocka_unit_test(test_log_failures_counted),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_key_in_static_dir),
		cmocka_unit_test(test_reload_log_settings),
		cmocka_unit_test(test_error_bytes_logged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
