/* SPDX-License-Identifier: MIT */
/* Unit tests for the catalog: every path built once, static_dir overrides and
 * their checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "catalog/catalog.h"
#include "testca.h"

static char dir[] = "/tmp/certpost-catalog.XXXXXX";
static char sdir[PATH_MAX];
static struct config *cfg;

static const char *
p(const char *name)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *b = bufs[n++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

static void
write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static int
setup(void **state)
{
	struct testca_opts ra = {.cn = "Root A", .ca = true};
	struct testca_opts rb = {.cn = "Root B", .ca = true};
	struct testca_opts rc = {.cn = "Root C", .ca = true};
	struct testca_opts leaf = {.cn = "not a ca"};
	X509 *a, *b, *c, *l;
	EVP_PKEY *ka, *kb, *kc, *kl;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(sdir, sizeof(sdir), "%s/static", dir);
	mkdir(sdir, 0755);
	if (testca_make(&ra, &a, &ka) || testca_make(&rb, &b, &kb) ||
	    testca_make(&rc, &c, &kc) || testca_make(&leaf, &l, &kl))
		return -1;
	testca_write_pem(p("a.pem"), a);
	testca_write_pem(p("bundle.pem"), b);
	testca_append_pem(p("bundle.pem"), c);
	testca_write_pem(p("leaf.pem"), l);
	testca_write_pem(p("signer.pem"), a);
	testca_write_key(p("static/signer.key"), ka);
	X509_free(a);
	X509_free(b);
	X509_free(c);
	X509_free(l);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
	EVP_PKEY_free(kc);
	EVP_PKEY_free(kl);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	return system("rm -rf /tmp/certpost-catalog.*") == 0 ? 0 : -1;
}

static int
reset(void **state)
{
	char err[256];

	(void)state;
	cfg = malloc(sizeof(*cfg));
	config_defaults(cfg);
	config_parse_listen("127.0.0.1:8080", &cfg->listen[0], err,
			    sizeof(err));
	cfg->nlisten = 1;
	strcpy(cfg->ca[0].slug, "a");
	strcpy(cfg->ca[0].name, "Root A");
	strcpy(cfg->ca[0].file, p("a.pem"));
	strcpy(cfg->ca[1].slug, "b");
	strcpy(cfg->ca[1].name, "Bundle");
	strcpy(cfg->ca[1].file, p("bundle.pem"));
	cfg->ca[0].primary = true;
	cfg->nca = 2;
	strcpy(cfg->check_url[0], "https://chat.example:8443/x");
	cfg->ncheck_url = 1;
	return 0;
}

static int
done(void **state)
{
	(void)state;
	free(cfg);
	return 0;
}

static void
test_paths(void **state)
{
	static const char *const paths[] = {
		"/ca.cer",
		"/ca.crt",
		"/ca.pem",
		"/a.cer",
		"/a.crt",
		"/a.pem",
		"/b.cer",
		"/b.pem",
		"/b-2.cer",
		"/b-2.pem",
		"/ca.p7b",
		"/ca.mobileconfig",
		"/ca.json",
		"/qr.svg",
		"/healthz",
		"/helpdesk/email.eml",
		"/static/style.css",
		"/static/check.js",
		"/static/icon.svg",
	};
	char err[512];
	struct catalog *c;
	const struct catalog_entry *e;
	size_t i;

	(void)state;
	c = catalog_build(cfg, NULL, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (catalog_lookup(c, paths[i]) == NULL)
			fail_msg("no %s", paths[i]);
	/* Chosen per request, from the variants. */
	assert_null(catalog_lookup(c, "/"));
	assert_null(catalog_lookup(c, "/helpdesk"));
	assert_string_equal(catalog_helpdesk(c, 0)->path, "/helpdesk");
	assert_string_equal(catalog_helpdesk(c, 0)->lang, "en");
	assert_null(catalog_lookup(c, "/static/index.html"));
	assert_null(catalog_lookup(c, "/c.cer"));
	assert_int_equal(catalog_ca_count(c), 3);
	assert_string_equal(catalog_ca_at(c, 2)->slug, "b-2");
	assert_string_equal(catalog_ca_at(c, 2)->name, "Root C");
	e = catalog_lookup(c, "/ca.cer");
	assert_int_equal(e->kind, CATALOG_DOWNLOAD);
	assert_string_equal(e->filename, "a.cer");
	assert_string_equal(e->ca_slug, "a");
	assert_string_equal(e->format, "cer");
	/* Same bytes, same ETag. */
	assert_string_equal(e->etag, catalog_lookup(c, "/a.cer")->etag);
	assert_string_not_equal(e->etag, catalog_lookup(c, "/b.cer")->etag);
	for (i = 0; i < PAGE_PLATFORM_COUNT; i++) {
		e = catalog_page(c, (enum page_platform)i, 0);
		assert_int_equal(e->kind, CATALOG_PAGE);
		/* The whole rendered page, not a length from elsewhere. */
		assert_int_equal(e->len, strlen((const char *)e->body));
		assert_non_null(strstr((const char *)e->body, "</html>"));
		/* Exactly the check origin, in both directives. */
		assert_non_null(strstr(e->csp, "connect-src 'self' "
					       "https://chat.example:8443;"));
		assert_non_null(strstr(e->csp, "img-src 'self' "
					       "https://chat.example:8443;"));
	}
	assert_null(strstr(catalog_lookup(c, "/ca.cer")->csp, "chat"));
	catalog_free(c);
}

/* /ca.json goes through the JSON writer whole: a public_url that reached
 * the catalog with a quote or a backslash (a caller that skipped the
 * config's checks) used to inject keys or break the document. */
static void
test_json_escaped(void **state)
{
	const struct catalog_entry *e;
	struct catalog *c;
	char err[512], *body;

	(void)state;
	strcpy(cfg->public_url, "http://x.example/a\\b\",\"evil\":\"1");
	c = catalog_build(cfg, NULL, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	e = catalog_lookup(c, "/ca.json");
	assert_non_null(e);
	body = strndup((const char *)e->body, e->len);
	assert_non_null(body);
	assert_non_null(strstr(body, "\"p7b\":\"http://x.example/a\\\\b\\\","
				     "\\\"evil\\\":\\\"1/ca.p7b\""));
	assert_non_null(strstr(body, "\"pem\":\"http://x.example/a\\\\b\\\","
				     "\\\"evil\\\":\\\"1/a.pem\""));
	assert_null(strstr(body, "\"evil\":"));
	free(body);
	catalog_free(c);
}

static void
test_warnings(void **state)
{
	char err[512];
	struct catalog *c;
	struct buf b = {0};

	(void)state;
	strcpy(cfg->ca[1].file, p("leaf.pem"));
	c = catalog_build(cfg, NULL, err, sizeof(err));
	assert_non_null(c);
	assert_true(catalog_warning_count(c) >= 1);
	assert_non_null(strstr(catalog_warning(c, 0), "b: "));
	catalog_summary(c, &b);
	assert_non_null(strstr(b.data, "warning: b: "));
	assert_non_null(strstr(b.data, "CA a (primary, /ca.cer): Root A"));
	buf_free(&b);
	catalog_free(c);
}

static void
test_static_override(void **state)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,	   0,	 0,
		13,   'I', 'H', 'D', 'R',  0,	 0,    0,    1,	   0,	 0,
		0,    1,   8,	6,   0,	   0,	 0,    0x1f, 0x15, 0xc4, 0x89};
	const char css[] = "body { color: red; }\n";
	const struct catalog_entry *e;
	char err[512];
	struct catalog *c;

	(void)state;
	unlink(p("static/signer.key"));
	write_file(p("static/style.css"), css, strlen(css));
	write_file(p("static/logo.png"), png, sizeof(png));
	write_file(p("static/notes.key"), "secret", 6);
	strcpy(cfg->static_dir, sdir);
	c = catalog_build(cfg, NULL, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	e = catalog_lookup(c, "/static/style.css");
	assert_int_equal(e->len, strlen(css));
	assert_memory_equal(e->body, css, strlen(css));
	e = catalog_lookup(c, "/static/logo.png");
	assert_non_null(e);
	assert_string_equal(e->content_type, "image/png");
	assert_null(catalog_lookup(c, "/static/notes.key"));
	/* Files not overridden still come from the binary. */
	assert_non_null(catalog_lookup(c, "/static/check.js"));
	catalog_free(c);
}

struct static_bad {
	const char *name;
	const void *data;
	size_t len;
	bool symlink;
	const char *want;
};

static void
test_static_refused(void **state)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I',  'H', 'D', 'R', 0,	   0,	 0,    1,    0, 0, 0, 1};
	static const char key[] = "-----BEGIN PRIVATE KEY-----\nMIIB\n"
				  "-----END PRIVATE KEY-----\n";
	const struct static_bad cases[] = {
		{"evil.css", png, sizeof(png), false, "not what the extension"},
		{"notes.txt", key, sizeof(key) - 1, false, "private key"},
		{"link.css", NULL, 0, true, "link.css"},
	};
	char err[512];
	size_t i;

	(void)state;
	strcpy(cfg->static_dir, sdir);
	unlink(p("static/logo.png"));
	unlink(p("static/notes.key"));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char full[PATH_MAX + 64];

		snprintf(full, sizeof(full), "%s/%s", sdir, cases[i].name);
		if (cases[i].symlink)
			assert_int_equal(symlink(p("a.pem"), full), 0);
		else
			write_file(full, cases[i].data, cases[i].len);
		err[0] = '\0';
		assert_null(catalog_build(cfg, NULL, err, sizeof(err)));
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("%s: '%s' not in '%s'", cases[i].name,
				 cases[i].want, err);
		unlink(full);
	}
	strcpy(cfg->static_dir, p("missing"));
	assert_null(catalog_build(cfg, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "missing"));
}

static void
test_signing_key_in_static(void **state)
{
	char err[512];
	EVP_PKEY *k;
	X509 *x;
	struct testca_opts o = {.cn = "Signer"};

	(void)state;
	assert_int_equal(testca_make(&o, &x, &k), 0);
	testca_write_pem(p("signer.pem"), x);
	testca_write_key(p("static/signer.key"), k);
	strcpy(cfg->static_dir, sdir);
	strcpy(cfg->sign_cert, p("signer.pem"));
	strcpy(cfg->sign_key, p("static/signer.key"));
	assert_null(catalog_build(cfg, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "inside static_dir"));
	/* Moved out, it signs. */
	testca_write_key(p("signer.key"), k);
	unlink(p("static/signer.key"));
	strcpy(cfg->sign_key, p("signer.key"));
	struct catalog *c = catalog_build(cfg, NULL, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	catalog_free(c);
	X509_free(x);
	EVP_PKEY_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paths, reset, done),
		cmocka_unit_test_setup_teardown(test_json_escaped, reset, done),
		cmocka_unit_test_setup_teardown(test_warnings, reset, done),
		cmocka_unit_test_setup_teardown(test_static_override, reset,
						done),
		cmocka_unit_test_setup_teardown(test_static_refused, reset,
						done),
		cmocka_unit_test_setup_teardown(test_signing_key_in_static,
						reset, done),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
