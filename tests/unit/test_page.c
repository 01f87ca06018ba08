/* SPDX-License-Identifier: MIT */
/* Unit tests for page.c: templates and the rendered pages (UA detection:
 * test_page_detect.c). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "render/render.h"

#define FP256                                                                  \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"                     \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
#define FP1 "01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14"
/* 2030-01-01T00:00:00Z */
#define NOT_AFTER 1893456000LL

static const struct page_var test_vars[] = {
	{"name", "<>&\"'", false, false},   {"raw", "<b>", true, false},
	{"a", "A", false, false},	    {"b", "B", false, false},
	{"null_value", NULL, false, false},
};

#define LONG64                                                                 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct {
	const char *tmpl;
	const char *want;   /* NULL: an error is expected */
	const char *reason; /* substring of the error */
} subst[] = {
	{"x{{name}}y", "x&lt;&gt;&amp;&quot;&#39;y", NULL},
	{"{{raw}}", "<b>", NULL},
	{"{{a}}{{b}}", "AB", NULL},
	{"{{a}}{{a}}-{{b}}", "AA-B", NULL},
	{"{ {a} }", "{ {a} }", NULL},
	{"{", "{", NULL},
	{"a{", "a{", NULL},
	{"{a}}", "{a}}", NULL},
	{"}}", "}}", NULL},
	{"", "", NULL},
	{"{{null_value}}", "", NULL},
	{"{{nope}}", NULL, "unknown placeholder {{nope}}"},
	{"one\ntwo {{nope}}", NULL, "line 2: unknown"},
	{"{{a", NULL, "unterminated {{a"},
	{"{{a}", NULL, "unterminated"},
	{"{{a} }", NULL, "unterminated"},
	{"x {{", NULL, "unterminated"},
	{"{{}}", NULL, "empty placeholder"},
	{"{{A}}", NULL, "bad character"},
	{"{{ a }}", NULL, "bad character"},
	{"{{{a}}}", NULL, "bad character"},
	{"{{" LONG64 "}}", NULL, "unknown placeholder {{" LONG64 "}}"},
	{"{{" LONG64 "a}}", NULL, "longer than 64"},
	{"{{" LONG64 LONG64, NULL, "longer than 64"},
};

static void
test_substitute(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++) {
		struct buf out = {0};
		char err[256] = "";
		int r = page_substitute(
			subst[i].tmpl, strlen(subst[i].tmpl), test_vars,
			sizeof(test_vars) / sizeof(test_vars[0]), &out, err,
			sizeof(err));

		if (subst[i].want != NULL) {
			if (r != 0)
				fail_msg("%s: %s", subst[i].tmpl, err);
			assert_string_equal(out.data != NULL ? out.data : "",
					    subst[i].want);
		} else {
			if (r != -1)
				fail_msg("%s: no error", subst[i].tmpl);
			if (strstr(err, subst[i].reason) == NULL)
				fail_msg("%s: error \"%s\" lacks \"%s\"",
					 subst[i].tmpl, err, subst[i].reason);
		}
		buf_free(&out);
	}
}

/* The length bounds the template: no reading past it. */
static void
test_substitute_len(void **state)
{
	struct buf out = {0};
	char err[128];

	(void)state;
	assert_int_equal(page_substitute("{{a}}XYZ", 5, test_vars, 3, &out, err,
					 sizeof(err)),
			 0);
	assert_string_equal(out.data, "A");
	buf_free(&out);
	assert_int_equal(page_substitute("{{a}}", 4, test_vars, 3, &out, err,
					 sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "unterminated"));
	buf_free(&out);
}

static const struct {
	const char *hex;
	const char *want;
} fps[] = {
	{"AB:CD:EF", "AB CD EF"},
	{"ab:cd:0f", "AB CD 0F"},
	{"", ""},
	{"A<", "A&lt;"},
};

static void
test_fingerprint_groups(void **state)
{
	size_t i;
	struct buf out = {0};

	(void)state;
	for (i = 0; i < sizeof(fps) / sizeof(fps[0]); i++) {
		out.len = 0;
		assert_int_equal(page_fingerprint_groups(fps[i].hex, &out), 0);
		assert_int_equal(out.len, strlen(fps[i].want));
		if (out.len > 0)
			assert_memory_equal(out.data, fps[i].want, out.len);
	}
	out.len = 0;
	assert_int_equal(page_fingerprint_groups(NULL, &out), 0);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

/* --- rendering over the embedded static/ files --- */

struct lookup_ctx {
	const char *missing;  /* pretend this file does not exist */
	const char *override; /* replace it with ... */
	const char *with;
};

static const char *
asset_lookup(void *ctx, const char *name, size_t *ret_len)
{
	const struct lookup_ctx *l = ctx;
	size_t i;

	if (l != NULL && l->missing != NULL && strcmp(name, l->missing) == 0)
		return NULL;
	if (l != NULL && l->override != NULL &&
	    strcmp(name, l->override) == 0) {
		*ret_len = strlen(l->with);
		return l->with;
	}
	for (i = 0; i < assets_count; i++) {
		if (strcmp(assets[i].name, name) == 0) {
			*ret_len = assets[i].len;
			return (const char *)assets[i].data;
		}
	}
	return NULL;
}

static const struct page_ca test_cas[] = {
	{"<script>alert(1)</script>", "evil", "CN=<script>", FP256, FP1, 0,
	 NOT_AFTER, false},
	{"Example Root CA", "example-root", "CN=Example Root CA,O=Example",
	 FP256, FP1, 0, NOT_AFTER, true},
};

static const char *const test_checks[] = {"https://intranet.example/",
					  "https://a.example/?x=\"y\"&z"};

static const struct i18n_catalog *const english_only[] = {
	&i18n_builtin[0],
};

static struct page_site
test_site(void)
{
	struct page_site s = {
		.langs = english_only,
		.nlang = 1,
		.english = &i18n_builtin[0],
		.organization = "Example & Co",
		.public_url = "http://certs.example:8080/",
		.cas = test_cas,
		.nca = 2,
		.check_urls = test_checks,
		.ncheck = 2,
	};
	return s;
}

static char *
render(const struct page_site *s, enum page_platform p)
{
	struct buf out = {0};
	char err[256] = "";

	if (page_render_index(asset_lookup, NULL, s, p, 0, NULL, &out, err,
			      sizeof(err)) != 0)
		fail_msg("render %s: %s", page_platform_name(p), err);
	return buf_steal(&out, NULL);
}

/* No inline style, no inline script, no event handler: the CSP forbids
 * them and a browser would silently drop them. */
static void
assert_csp_clean(const char *html)
{
	const char *p;

	assert_null(strstr(html, "{{"));
	assert_null(strstr(html, "style="));
	for (p = html; (p = strstr(p, "<script")) != NULL; p++)
		assert_true(strncmp(p, "<script src=\"/static/", 20) == 0);
	for (p = html; (p = strstr(p, " on")) != NULL; p++) {
		const char *q = p + 3;

		while (*q >= 'a' && *q <= 'z')
			q++;
		if (q > p + 3 && *q == '=')
			fail_msg("event handler at: %.40s", p);
	}
}

/* Every platform section, and the ones each platform gets first, open. */
static const char *const all_sections[] = {
	"ios",	    "android",	"firefox-android", "windows", "macos",
	"visionos", "chromeos", "linux",	   "firefox", "developers"};

static const char *const lead_ids[PAGE_PLATFORM_COUNT][2] = {
	[PAGE_IOS] = {"ios"},
	[PAGE_IOS_OTHER_BROWSER] = {"ios"},
	[PAGE_IOS_CHROME] = {"ios"},
	[PAGE_ANDROID] = {"android"},
	[PAGE_ANDROID_FIREFOX] = {"firefox-android", "android"},
	/* An iPad without JavaScript looks like a Mac. */
	[PAGE_MACOS] = {"macos", "ios"},
	[PAGE_WINDOWS] = {"windows"},
	[PAGE_CHROMEOS] = {"chromeos"},
	[PAGE_LINUX] = {"linux"},
	[PAGE_FIREFOX] = {"firefox", "linux"},
};

static void
assert_order(const char *html, enum page_platform p)
{
	const char *at = html;
	char want[128];
	size_t i, nlead = 0;

	for (i = 0; i < sizeof(all_sections) / sizeof(all_sections[0]); i++) {
		snprintf(want, sizeof(want),
			 "<details class=\"platform\" id=\"%s\"",
			 all_sections[i]);
		assert_int_equal(count_str(html, want), 1);
	}
	for (i = 0; i < 2 && lead_ids[p][i] != NULL; i++, nlead++) {
		at = strstr(at, "<details class=\"platform\"");
		assert_non_null(at);
		snprintf(want, sizeof(want),
			 "<details class=\"platform\" id=\"%s\" open>",
			 lead_ids[p][i]);
		if (strncmp(at, want, strlen(want)) != 0)
			fail_msg("%s: section %zu is %.50s",
				 page_platform_name(p), i, at);
		at++;
	}
	assert_int_equal(count_str(html, "\" open>"), nlead);
}

static void
test_render_platforms(void **state)
{
	struct page_site s = test_site();
	int p;

	(void)state;
	for (p = 0; p < PAGE_PLATFORM_COUNT; p++) {
		char *html = render(&s, (enum page_platform)p);
		bool phone = p == PAGE_IOS || p == PAGE_IOS_OTHER_BROWSER ||
			     p == PAGE_IOS_CHROME || p == PAGE_ANDROID ||
			     p == PAGE_ANDROID_FIREFOX;

		assert_csp_clean(html);
		assert_order(html, (enum page_platform)p);
		assert_int_equal(strstr(html, "Open this page in Safari") !=
					 NULL,
				 p == PAGE_IOS_OTHER_BROWSER);
		assert_int_equal(strstr(html, "Chrome on iPhone hands the "
					      "profile") != NULL,
				 p == PAGE_IOS_CHROME);
		assert_int_equal(strstr(html, "src=\"/qr.svg\"") != NULL,
				 !phone);
		assert_non_null(strstr(html, "On an iPad?"));
		assert_non_null(strstr(html, "data-platform=\""));
		assert_non_null(strstr(html, page_platform_name(p)));
		free(html);
	}
}

static void
test_render_content(void **state)
{
	struct page_site s = test_site();
	char *html;

	(void)state;
	html = render(&s, PAGE_IOS);
	/* Escaped everywhere, never raw. */
	assert_null(strstr(html, "<script>alert"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "CN=&lt;script&gt;"));
	assert_non_null(strstr(html, "Example &amp; Co"));
	/* Grouped fingerprints, 8 pairs a line. */
	assert_non_null(strstr(html, "<span>AB CD EF 01 23 45 67 89</span> "
				     "<span>AB CD EF 01 23 45 67 89</span>"));
	assert_non_null(strstr(html, "<span>11 12 13 14</span>"));
	assert_non_null(strstr(html, "2030-01-01"));
	assert_int_equal(count_str(html, "class=\"badge\">Primary"), 1);
	assert_non_null(strstr(html, "href=\"/example-root.cer\""));
	assert_non_null(strstr(html, "href=\"/example-root.pem\""));
	/* The primary CA names the trust switch. */
	assert_non_null(strstr(html, "switch on <b>Example Root CA</b>"));
	/* Unsigned: the words the iPhone shows, and the profile all the
	 * same (a raw certificate download is unreliable on recent iOS). */
	assert_non_null(strstr(html, ">Not Signed</b>"));
	assert_null(strstr(html, "Not Verified"));
	assert_non_null(strstr(
		html, "<a class=\"btn\" href=\"/ca-ios.mobileconfig\">"));
	assert_non_null(strstr(html, "<a class=\"btn\" href=\"/ca.cer\">"));
	assert_null(strstr(html, "DEMO"));
	/* The trust check, escaped into attributes. */
	assert_non_null(strstr(html, "id=\"check\""));
	assert_non_null(strstr(
		html,
		"data-check-url=\"https://a.example/?x=&quot;y&quot;&amp;z\""));
	assert_int_equal(count_str(html, "data-check-url="), 2);
	assert_non_null(strstr(html, "needs JavaScript"));
	assert_non_null(strstr(html, "id=\"admin\""));
	assert_non_null(strstr(html, "Certificate Trust Settings"));
	free(html);
}

static void
test_render_variants(void **state)
{
	struct page_site s = test_site();
	char *html;

	(void)state;
	s.demo = true;
	s.ncheck = 0;
	s.profile_label = PROFILE_VERIFIED;
	html = render(&s, PAGE_IOS);
	assert_csp_clean(html);
	assert_non_null(strstr(html, "class=\"demo-banner\""));
	assert_non_null(strstr(html, "Do not install it"));
	assert_non_null(strstr(html, "<h1>DEMO Example &amp; Co"));
	assert_non_null(strstr(html, "DEMO Example Root CA"));
	assert_null(strstr(html, "id=\"check\""));
	assert_null(strstr(html, "data-check-url"));
	assert_non_null(strstr(html, ">Verified<"));
	assert_non_null(strstr(
		html, "<a class=\"btn\" href=\"/ca-ios.mobileconfig\">"));
	free(html);

	/* Signed by a signer the phone does not trust yet: no call to the
	 * helpdesk, the fingerprint is what to compare. */
	s.profile_label = PROFILE_NOT_VERIFIED;
	html = render(&s, PAGE_IOS);
	assert_non_null(strstr(html, ">Not Verified</b>"));
	assert_null(strstr(html, ">Verified</b>"));
	assert_null(strstr(html, "instead, stop and ask"));
	assert_non_null(
		strstr(html, "Not Verified</b> in red. That is expected"));
	assert_non_null(strstr(html, "is its fingerprint"));
	assert_non_null(strstr(
		html, "<a class=\"btn\" href=\"/ca-ios.mobileconfig\">"));
	free(html);

	s.organization = NULL;
	s.public_url = "";
	s.nca = 0;
	html = render(&s, PAGE_WINDOWS);
	assert_csp_clean(html);
	assert_null(strstr(html, "/qr.svg"));
	free(html);
}

static void
test_render_errors(void **state)
{
	struct page_site s = test_site();
	struct lookup_ctx missing = {.missing = "steps-linux.html"};
	struct lookup_ctx bad = {.override = "ca.html",
				 .with = "<p>\n{{ca_name}}\n{{nope}}</p>"};
	struct buf out = {0};
	char err[256] = "";

	(void)state;
	assert_int_equal(page_render_index(asset_lookup, &missing, &s, PAGE_IOS,
					   0, NULL, &out, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "steps-linux.html"));
	buf_free(&out);
	assert_int_equal(page_render_index(asset_lookup, &bad, &s, PAGE_IOS, 0,
					   NULL, &out, err, sizeof(err)),
			 -1);
	assert_non_null(strstr(err, "ca.html: line 3: unknown placeholder "
				    "{{nope}}"));
	buf_free(&out);
	assert_int_equal(page_render_index(NULL, NULL, &s, PAGE_IOS, 0, NULL,
					   &out, err, sizeof(err)),
			 -1);
	buf_free(&out);
}

/* The mailto: link carries nothing but unreserved bytes and %XX. */
static void
assert_mailto_encoded(const char *html)
{
	const char *p = strstr(html, "href=\"mailto:?subject=");
	const char *end;

	assert_non_null(p);
	p += strlen("href=\"mailto:?");
	end = strchr(p, '"');
	assert_non_null(end);
	for (; p < end; p++) {
		if (strncmp(p, "&amp;", 5) == 0) {
			p += 4;
			continue;
		}
		if (*p == '%') {
			assert_true(strchr("0123456789ABCDEF", p[1]) != NULL);
			assert_true(strchr("0123456789ABCDEF", p[2]) != NULL);
			continue;
		}
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXY"
			   "Z"
			   "0123456789-._~=",
			   *p) == NULL)
			fail_msg("unencoded byte '%c' in mailto link", *p);
	}
}

static void
test_render_helpdesk(void **state)
{
	struct page_site s = test_site();
	struct buf out = {0};
	char err[256] = "";

	(void)state;
	assert_int_equal(page_render_helpdesk(asset_lookup, NULL, &s, 0, NULL,
					      &out, err, sizeof(err)),
			 0);
	assert_csp_clean(out.data);
	assert_mailto_encoded(out.data);
	assert_non_null(strstr(out.data,
			       "subject=Install%20the%20Example%20%26"
			       "%20Co%20root%20certificate&amp;body="));
	assert_non_null(
		strstr(out.data, "http%3A%2F%2Fcerts.example%3A8080%2F"));
	assert_non_null(strstr(out.data, "%0D%0A"));
	assert_non_null(strstr(out.data, "AB%20CD%20EF%2001"));
	assert_non_null(strstr(out.data, "<textarea id=\"message\""));
	assert_non_null(strstr(out.data, "http://certs.example:8080/\n"));
	assert_non_null(strstr(out.data, "Example Root CA: AB CD EF 01 23"));
	assert_non_null(
		strstr(out.data, "<span>AB CD EF 01 23 45 67 89</span>"));
	assert_non_null(strstr(out.data, "src=\"/qr.svg\""));
	assert_non_null(strstr(out.data, "Certificate Trust Settings"));
	assert_null(strstr(out.data, "<script>alert"));
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substitute),
		cmocka_unit_test(test_substitute_len),
		cmocka_unit_test(test_fingerprint_groups),
		cmocka_unit_test(test_render_platforms),
		cmocka_unit_test(test_render_content),
		cmocka_unit_test(test_render_variants),
		cmocka_unit_test(test_render_errors),
		cmocka_unit_test(test_render_helpdesk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
