/* SPDX-License-Identifier: MIT */
/* Unit tests for config.c: good files, each kind of bad line, validation rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <netinet/in.h>

#include "config/config.h"
#include "ops/ops.h"

static char dir[] = "/tmp/certpost-config.XXXXXX";
static char path[PATH_MAX];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static int
load(const char *text, struct config *cfg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return config_load(cfg, path, err, errlen);
}

#define BASE                                                                   \
	"[server]\nlisten = 127.0.0.1:8080\n[access]\nallow = 10.0.0.0/8\n"    \
	"[ca \"root\"]\nfile = root.pem\n"

static void
test_good(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[2048], want[PATH_MAX];

	(void)state;
	assert_int_equal(
		load(BASE "name = Corp Root ; inline comment\n"
			  "[server]\nlisten = [::1]:8443\n"
			  "public_url = http://ca.example/\n"
			  "   threads = 2\n"
			  "[access]\nallow = fd00::/8\nadmin = 10.1.0.0/16\n"
			  "deny = 403\n[log]\nformat = json\n"
			  "[trust]\ncheck_url = https://chat.example/\n",
		     cfg, err, sizeof(err)),
		0);
	assert_int_equal(cfg->nlisten, 2);
	assert_string_equal(cfg->listen[0].text, "127.0.0.1:8080");
	assert_string_equal(cfg->listen[1].text, "[::1]:8443");
	assert_int_equal(cfg->listen[1].addr.ss_family, AF_INET6);
	assert_int_equal(cfg->nca, 1);
	assert_string_equal(cfg->ca[0].slug, "root");
	assert_string_equal(cfg->ca[0].name, "Corp Root");
	assert_true(cfg->ca[0].primary); /* the first, by default */
	snprintf(want, sizeof(want), "%s/root.pem", dir);
	assert_string_equal(cfg->ca[0].file, want); /* relative to the file */
	assert_int_equal(cfg->threads, 2);
	assert_int_equal(cfg->allow.n, 2);
	assert_int_equal(cfg->admin.n, 1);
	assert_int_equal(cfg->deny, CONFIG_DENY_403);
	assert_int_equal(cfg->log_format, CONFIG_LOG_JSON);
	assert_int_equal(cfg->ncheck_url, 1);
	/* Defaults. */
	assert_int_equal(cfg->max_connections, 1024);
	assert_int_equal(cfg->timeout_s, 15);
	assert_true(cfg->access_log);
	free(cfg);
}

struct bad {
	const char *text;
	const char *want; /* substring of the error */
};

static const struct bad bads[] = {
	{BASE "[server]\nlisten = 127.0.0.1\n", "c.conf:8: [server] listen"},
	{BASE "[server]\nlisten = [::1:80\n", "expected [IPv6]:PORT"},
	{BASE "[server]\nlisten = 127.0.0.1:65536\n", "bad port"},
	{BASE "[server]\nlisten = 127.0.0.1:-1\n", "bad port"},
	{BASE "[server]\nthreads = many\n", "c.conf:8: [server] threads"},
	{BASE "[server]\nthreads = 65\n", "from 0 to 64"},
	{BASE "[server]\ntimeout = 0\n", "timeout"},
	{BASE "[server]\nredirect_https = perhaps\n", "yes or no"},
	{BASE "[server]\nbogus = 1\n", "c.conf:8: [server] bogus: unknown key"},
	{BASE "[log]\nformat = xml\n", "text or json"},
	{BASE "[access]\ndeny = reject\n", "drop or 403"},
	{BASE "[access]\nallow = 10.0.0.1/8\n", "10.0.0.0/8"},
	{BASE "[access]\nallow =\n", "empty value"},
	{BASE "[trust]\ncheck_url = ftp://x/\n", "https://"},
	{BASE "[ca \"root\"]\nfile = other.pem\n", "slug given twice"},
	{BASE "[ca \"ca\"]\nfile = x.pem\n", "reserved"},
	{BASE "[ca root]\nfile = x.pem\n", "expected [ca \"slug\"]"},
	{BASE "[ca \"UPPER\"]\nfile = x.pem\n", "lower-case"},
	{BASE "[ca \"r2\"]\nname = no file\n", "has no file"},
	{BASE "[nope]\na = b\n", "c.conf:7: unknown section [nope]"},
	{"key = value\n" BASE, "c.conf:1: key: key outside any section"},
	{BASE "[server\n", "c.conf:7: syntax error"},
	{BASE "just words\n", "c.conf:7: syntax error"},
	{BASE "[profile]\nsign_cert = s.pem\n", "sign_key go together"},
	{BASE "[profile]\nsign_chain = c.pem\n", "sign_chain needs"},
	{BASE "[profile]\ntrust_store = r.pem\n",
	 "trust_store needs sign_cert"},
	{BASE "[server]\npublic_url = ca.example\n", "http:// or https://"},
	{"[access]\nallow = 10.0.0.0/8\n[ca \"r\"]\nfile = r.pem\n",
	 "no listen address"},
	{"[server]\nlisten = 127.0.0.1:80\n", "no CA configured"},
	{BASE "[server]\nlisten = 1.1.1.1:80\n", "publicly routable"},
	{BASE "[access]\nallow = 2001:db8::/32\n", "publicly routable"},
	{BASE "[server]\npublic_url = http://a/\npublic_url = http://b/\n",
	 "c.conf:9: [server] public_url: given twice (first on line 8)"},
	{BASE "[server]\npublic_url = http://x.example/\",\"evil\":\"1\n",
	 "c.conf:8: [server] public_url: byte 0x22"},
	{BASE "[trust]\ncheck_url = https://chat.example/\r/x\n",
	 "c.conf:8: byte 0x0d at column 34 is a control character"},
	{BASE "[trust]\ncheck_url = https://chat.example;script-src\n",
	 "c.conf:8: [trust] check_url: 'chat.example;script-src' is neither"},
	{BASE "[trust]\ncheck_url = https://chat.example/a,b\n",
	 "c.conf:8: [trust] check_url: ';' and ','"},
	{BASE "[trust]\ncheck_url = https://a_b.example/\n",
	 "c.conf:8: [trust] check_url: 'a_b.example' cannot be named"},
	{BASE "[trust]\ncheck_url = https://u@chat.example/\n", "'@'"},
	{BASE "[trust]\ncheck_url = https://chat.example/?x=1\n", "query"},
	{BASE "[profile]\nidentifier = com..example\n",
	 "c.conf:8: [profile] identifier: profile: identifier"},
	{BASE "name = \xe2\x81\xa6x\n", "c.conf:7: byte 0xe2 at column 8"},
};

static void
test_bad(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[4096];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		err[0] = '\0';
		if (load(bads[i].text, cfg, err, sizeof(err)) != -1)
			fail_msg("case %zu accepted:\n%s", i, bads[i].text);
		if (strstr(err, bads[i].want) == NULL)
			fail_msg("case %zu: '%s' not in:\n%s", i, bads[i].want,
				 err);
	}
	free(cfg);
}

static void
test_many_errors_reported(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[4096];

	(void)state;
	assert_int_equal(load(BASE "[server]\na = 1\nb = 2\n[log]\nc = 3\n",
			      cfg, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "c.conf:8: [server] a"));
	assert_non_null(strstr(err, "c.conf:9: [server] b"));
	assert_non_null(strstr(err, "c.conf:11: [log] c"));
	free(cfg);
}

/* Found by fuzzing: a 199-byte line was refused, and a NUL byte made the
 * next line vanish and every later line number wrong. */
static void
test_line_edges(void **state)
{
	static const char nul_conf[] =
		BASE "name = a\0b\nbogus_key = 1\n[server]\nthreads = many\n";
	struct config *cfg = malloc(sizeof(*cfg));
	char text[1024], err[2048], value[200];
	FILE *f;

	(void)state;
	/* "name = " + 192 bytes = 199 bytes: the documented limit. */
	memset(value, 'x', 192);
	value[192] = '\0';
	snprintf(text, sizeof(text), BASE "name = %s\n", value);
	assert_int_equal(load(text, cfg, err, sizeof(err)), 0);
	snprintf(text, sizeof(text), BASE "name = %sy\n", value);
	assert_int_equal(load(text, cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "c.conf:7: line longer than 199 bytes"));

	f = fopen(path, "w");
	fwrite(nul_conf, 1, sizeof(nul_conf) - 1, f);
	fclose(f);
	assert_int_equal(config_load(cfg, path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "c.conf:7: NUL byte in the line"));
	assert_non_null(strstr(err, "c.conf:8: [ca \"root\"] bogus_key"));
	assert_non_null(strstr(err, "c.conf:10: [server] threads"));
	free(cfg);
}

/* Slugs may be 63 characters: sections differing only in their last one
 * are two scopes, so each may set its keys once (the duplicate check used
 * to compare the first 20 characters of the section name). */
#define SLUG62 "corporate-root-0123456789-0123456789-0123456789-0123456789-abc"

static void
test_long_slugs(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[2048];

	(void)state;
	assert_int_equal(strlen(SLUG62 "x"), CONFIG_SLUG_MAX - 1);
	assert_int_equal(
		load(BASE
		     "[ca \"corporate-root-2025\"]\nname = A\nfile = a.pem\n"
		     "[ca \"corporate-root-2026\"]\nname = B\nfile = b.pem\n"
		     "[ca \"" SLUG62 "x\"]\nname = C\nfile = c.pem\n"
		     "primary = no\n"
		     "[ca \"" SLUG62 "y\"]\nname = D\nfile = d.pem\n"
		     "primary = no\n",
		     cfg, err, sizeof(err)),
		0);
	assert_int_equal(cfg->nca, 5);
	assert_string_equal(cfg->ca[1].slug, "corporate-root-2025");
	assert_string_equal(cfg->ca[2].slug, "corporate-root-2026");
	assert_string_equal(cfg->ca[2].name, "B");
	assert_string_equal(cfg->ca[3].slug, SLUG62 "x");
	assert_string_equal(cfg->ca[4].slug, SLUG62 "y");
	assert_string_equal(cfg->ca[4].name, "D");

	/* Twice in one section is still refused, at the second line. */
	assert_int_equal(load(BASE "[ca \"" SLUG62 "x\"]\nname = C\n"
				   "file = c.pem\nname = again\n",
			      cfg, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err,
			       "c.conf:10: [ca \"" SLUG62
			       "x\"] name: given twice (first on line 8)"));
	/* The same section opened again is the same scope. */
	assert_int_equal(load(BASE "[server]\ntimeout = 5\n[log]\nformat = "
				   "json\n[server]\ntimeout = 6\n",
			      cfg, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "c.conf:12: [server] timeout: given twice "
				    "(first on line 8)"));
	/* A 64-character slug is refused, not cut. */
	assert_int_equal(load(BASE "[ca \"" SLUG62 "xy\"]\nfile = c.pem\n", cfg,
			      err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "c.conf:7: "));
	assert_non_null(strstr(err, "slug too long"));
	free(cfg);
}

/* A CRLF file reads as the same file; a refused section header takes its
 * keys with it rather than lending them to the section before. */
static void
test_line_text(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[2048];

	(void)state;
	assert_int_equal(load("[server]\r\nlisten = 127.0.0.1:8080\r\n"
			      "[access]\r\nallow = 10.0.0.0/8\r\n"
			      "[ca \"root\"]\r\nname = Corp\r\nfile = r.pem\r\n"
			      "; a comment may say Z\xfcrich\r\n",
			      cfg, err, sizeof(err)),
			 0);
	assert_string_equal(cfg->ca[0].name, "Corp");
	assert_string_equal(cfg->listen[0].text, "127.0.0.1:8080");
	assert_int_equal(load(BASE "[ca \"x\x1b\"]\nfile = x.pem\nbogus = 1\n",
			      cfg, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "c.conf:7: byte 0x1b at column 7"));
	assert_null(strstr(err, "\n"));
	assert_null(strstr(err, "\x1b"));
	free(cfg);
}

static void
test_public_guard(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char err[2048];

	(void)state;
	/* Wildcard listener with private allow entries: fine. */
	assert_int_equal(
		load("[server]\nlisten = [::]:80\nlisten = 0.0.0.0:81\n"
		     "[access]\nallow = 192.168.0.0/16\n"
		     "allow = 100.64.0.0/10\n[ca \"r\"]\nfile = r\n",
		     cfg, err, sizeof(err)),
		0);
	/* Wildcard listener with a public allow entry, even when allowed
	 * explicitly, is fine only with allow_public. */
	assert_int_equal(load("[server]\nlisten = 0.0.0.0:80\n[access]\n"
			      "allow = 198.51.100.0/24\n[ca \"r\"]\nfile = r\n",
			      cfg, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "every allow entry"));
	assert_int_equal(load("[server]\nlisten = 198.51.100.7:80\n[access]\n"
			      "allow = 198.51.100.0/24\nallow_public = yes\n"
			      "[ca \"r\"]\nfile = r\n",
			      cfg, err, sizeof(err)),
			 0);
	free(cfg);
}

static void
test_listen_parse(void **state)
{
	static const struct {
		const char *in;
		const char *text;
	} good[] = {
		{"127.0.0.1:80", "127.0.0.1:80"},
		{"[::1]:8080", "[::1]:8080"},
		{"*:8080", "0.0.0.0:8080"},
		{"[::]:0", "[::]:0"},
		{"10.1.2.3:65535", "10.1.2.3:65535"},
	};
	static const char *const bad[] = {
		"",
		":80",
		"127.0.0.1:",
		"127.0.0.1:080x",
		"host:80",
		"::1:80",
		"[::1]80",
		"[fe80::1%eth0]:80",
		"010.0.0.1:80",
		"1.2.3.4:80:90",
	};
	struct config_listen l;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(
			config_parse_listen(good[i].in, &l, err, sizeof(err)),
			0);
		assert_string_equal(l.text, good[i].text);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (config_parse_listen(bad[i], &l, err, sizeof(err)) != -1)
			fail_msg("accepted '%s'", bad[i]);
}

static void
test_demo(void **state)
{
	struct config *cfg = malloc(sizeof(*cfg));
	char x[] = "x", y[] = "y", z[] = "z";
	struct demo d = {.root_pem = x, .leaf_pem = y, .leaf_key_pem = z};
	char err[1024];

	(void)state;
	demo_config(cfg, &d);
	assert_int_equal(config_validate(cfg, err, sizeof(err)), 0);
	assert_true(cfg->demo);
	assert_string_equal(cfg->listen[0].text, "127.0.0.1:8080");
	assert_string_equal(cfg->https_listen[0].text, "127.0.0.1:8443");
	assert_int_equal(cfg->allow.n, 2);
	assert_ptr_equal(cfg->ca[0].inline_pem, d.root_pem);
	free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_many_errors_reported),
		cmocka_unit_test(test_line_edges),
		cmocka_unit_test(test_long_slugs),
		cmocka_unit_test(test_line_text),
		cmocka_unit_test(test_public_guard),
		cmocka_unit_test(test_listen_parse),
		cmocka_unit_test(test_demo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
