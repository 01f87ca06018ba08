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

#include "check.h"
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

/*
 * Values that every output must carry intact: quotes, backslashes, a tab (a
 * control byte the file allows), "</script>", "]]>", '&' and non-ASCII
 * text in the CA name and the profile's strings, and a public_url with
 * every URL byte public_url's checks let through. /ca.json and the
 * profile are parsed with Python's json and plistlib and each value
 * compared with what the file said.
 */
#define ODD "q\"uo\\te\t</script> ]]> &amp; Z\xc3\xbcrich \xf0\x9f\x94\x92"
#define ODD_URL "http://127.0.0.1:8080/p;a=1,b$c!d*e(f)g~h+i=j&k%22l/"

static const char json_check[] =
	"import json, plistlib, sys\n"
	"d = json.load(open(sys.argv[1], encoding='utf-8'))\n"
	"want = open(sys.argv[2], encoding='utf-8').read().split('\\n')\n"
	"org, name, url = want[0], want[1], want[2]\n"
	"assert d['organization'] == org, d['organization']\n"
	"assert d['cas'][0]['name'] == name, d['cas'][0]['name']\n"
	"assert d['cas'][0]['downloads']['pem'] == url + 'odd.pem'\n"
	"assert d['bundles']['p7b'] == url + 'ca.p7b'\n"
	"assert d['bundles']['mobileconfig'] == url + 'ca.mobileconfig'\n"
	"p = plistlib.load(open(sys.argv[3], 'rb'))\n"
	"assert p['PayloadOrganization'] == org, p['PayloadOrganization']\n"
	"assert p['PayloadDisplayName'] == name, p['PayloadDisplayName']\n"
	"assert p['PayloadDescription'].startswith(org)\n";

static void
save(const char *name, const struct buf *b)
{
	FILE *f = fopen(harness_path(&h, name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	fclose(f);
}

static void
test_values_reach_json_intact(void **state)
{
	static const char conf[] =
		"[server]\nlisten = 127.0.0.1:0\npublic_url = " ODD_URL
		"\n" ACCESS "[ca \"odd\"]\nname = N" ODD "\nfile = a.pem\n"
		"[profile]\norganization = O" ODD "\n"
		"display_name = N" ODD "\n"
		"description = O" ODD " more\n";
	const char *want = "O" ODD "\nN" ODD "\n" ODD_URL "\n";
	struct hres r, p;
	struct buf page = {0};

	(void)state;
	assert_int_equal(harness_start_conf(&h, conf), 0);
	get_ok("/ca.json", &r);
	get_ok("/ca.mobileconfig", &p);
	save("ca.json", &r.body);
	save("ca.mobileconfig", &p.body);
	harness_write(&h, "want.txt", want);
	harness_write(&h, "check.py", json_check);
	if (harness_sh("cd '%s' && python3 check.py ca.json want.txt "
		       "ca.mobileconfig",
		       h.dir) != 0)
		fail_msg("/ca.json or the profile lost a value:\n%s",
			 r.body.data);
	/* The JSON writer escapes the tab and the quote. */
	assert_contains(r.body.data, "\"Nq\\\"uo\\\\te\\u0009</script>",
			"/ca.json");
	hres_free(&r);
	hres_free(&p);
	get_ok("/", &r);
	buf_append(&page, r.body.data, r.body.len);
	buf_append(&page, "", 0);
	assert_contains(page.data, "&lt;/script&gt; ]]&gt; &amp;amp;", "page");
	if (strstr(page.data, "</script> ]]>") != NULL)
		fail_msg("the page holds a name unescaped");
	buf_free(&page);
	hres_free(&r);
	assert_int_equal(harness_stop(&h), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_slugs),
		cmocka_unit_test(test_long_slug_twice),
		cmocka_unit_test(test_values_reach_json_intact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
