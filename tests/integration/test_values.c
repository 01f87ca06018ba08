/* SPDX-License-Identifier: MIT */
/* Configuration values on their way to every output: long slugs keep their
 * identity, and what the file says reaches /ca.json, headers and the page
 * intact or is refused with file and line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

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

#define ACCESS "[access]\nallow = 127.0.0.0/8\nadmin = 127.0.0.0/8\n"
#define LISTEN "[server]\nlisten = 127.0.0.1:0\n"
/* 62 characters; with one more, a slug of the documented maximum. */
#define SLUG62 "corporate-root-0123456789-0123456789-0123456789-0123456789-abc"

static int
setup(void **state)
{
	static const char *const names[] = {"a", "b", "c", "d"};
	unsigned char *der;
	char file[16], cn[32];

	(void)state;
	harness_init(&h);
	for (size_t i = 0; i < 4; i++) {
		snprintf(file, sizeof(file), "%s.pem", names[i]);
		snprintf(cn, sizeof(cn), "Values Root %s", names[i]);
		if (testca_root_file(cn, harness_path(&h, file), &der) == -1)
			return -1;
		OPENSSL_free(der);
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_cleanup(&h);
	return 0;
}

static void
assert_contains(const char *hay, const char *needle, const char *what)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("%s: lacks '%s':\n%s", what, needle, hay ? hay : "");
}

static void
get_ok(const char *path, struct hres *r)
{
	harness_request(&h, path, NULL, r);
	if (r->status != 200)
		fail_msg("%s: status %ld", path, r->status);
}

/* The two sections, whose slugs share 18 characters, and two
 * 63-character slugs that differ only in the last one: each is its own
 * section with its own keys, served under its own URLs and gauge. */
static void
test_long_slugs(void **state)
{
	static const char conf[] =
		LISTEN ACCESS "[ca \"corporate-root-2025\"]\n"
			      "name = Root 2025\nfile = a.pem\nprimary = yes\n"
			      "[ca \"corporate-root-2026\"]\n"
			      "name = Root 2026\nfile = b.pem\nprimary = no\n"
			      "[ca \"" SLUG62 "x\"]\n"
			      "name = Root X\nfile = c.pem\nprimary = no\n"
			      "[ca \"" SLUG62 "y\"]\n"
			      "name = Root Y\nfile = d.pem\nprimary = no\n";
	static const char *const slugs[] = {"corporate-root-2025",
					    "corporate-root-2026", SLUG62 "x",
					    SLUG62 "y"};
	const char *cfgpath = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", cfgpath, NULL};
	struct buf out = {0};
	struct hres r;
	char path[128], gauge[160];

	(void)state;
	harness_write(&h, "certpost.conf", conf);
	if (harness_run(check, &out) != 0)
		fail_msg("--check-config refused it:\n%s", out.data);
	buf_free(&out);
	assert_int_equal(harness_start_conf(&h, conf), 0);
	get_ok("/metrics", &r);
	for (size_t i = 0; i < 4; i++) {
		struct hres one;

		snprintf(path, sizeof(path), "/%s.cer", slugs[i]);
		get_ok(path, &one);
		hres_free(&one);
		snprintf(gauge, sizeof(gauge),
			 "certpost_ca_not_after_timestamp_seconds{ca=\"%s\"}",
			 slugs[i]);
		assert_contains(r.body.data, gauge, "/metrics");
	}
	hres_free(&r);
	get_ok("/ca.json", &r);
	assert_contains(r.body.data, "\"name\":\"Root 2026\"", "/ca.json");
	assert_contains(r.body.data, "\"name\":\"Root Y\"", "/ca.json");
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

/* A key twice in one long-named section is refused at its second line. */
static void
test_long_slug_twice(void **state)
{
	static const char conf[] = LISTEN ACCESS "[ca \"" SLUG62 "x\"]\n"
						 "file = a.pem\n"
						 "[ca \"" SLUG62 "y\"]\n"
						 "file = b.pem\n"
						 "file = c.pem\n";
	const char *cfgpath = harness_path(&h, "certpost.conf");
	const char *check[] = {"--check-config", "--config", cfgpath, NULL};
	struct buf out = {0};

	(void)state;
	harness_write(&h, "certpost.conf", conf);
	assert_int_equal(harness_run(check, &out), 1);
	assert_contains(out.data,
			"certpost.conf:10: [ca \"" SLUG62
			"y\"] file: given twice (first on line 9)",
			"twice");
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_slugs),
		cmocka_unit_test(test_long_slug_twice),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
