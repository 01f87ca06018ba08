/* SPDX-License-Identifier: MIT */
/* Unit tests for util.c: checked copies, number parsing, the buffer and both
 * escapers. */
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "util.h"

static void
test_str(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(str_copy(small, sizeof(small), "abc"), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(str_copy(small, sizeof(small), "abcd"), -1);
	assert_string_equal(small, "abc"); /* truncated, terminated */
	assert_int_equal(str_printf(small, sizeof(small), "%d", 123), 0);
	assert_int_equal(str_printf(small, sizeof(small), "%d", 1234), -1);
}

static void
test_parse(void **state)
{
	static const struct {
		const char *in;
		int ret;
		unsigned long v;
	} cases[] = {
		{"0", 0, 0},
		{"42", 0, 42},
		{"100", 0, 100},
		{"101", -1, 0},
		{"", -1, 0},
		{" 1", -1, 0},
		{"+1", -1, 0},
		{"-1", -1, 0},
		{"1x", -1, 0},
		{"0x10", -1, 0},
		{"99999999999999999999", -1, 0},
	};
	unsigned long v;
	bool b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = 7;
		assert_int_equal(parse_ulong(cases[i].in, 0, 100, &v),
				 cases[i].ret);
		assert_int_equal(v, cases[i].ret == 0 ? cases[i].v : 7);
	}
	assert_int_equal(parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("2", &b), -1);
}

static void
test_escape(void **state)
{
	static const struct {
		const char *in;
		const char *html;
		const char *json;
	} cases[] = {
		{"plain", "plain", "\"plain\""},
		{"<a href='x'>&\"</a>",
		 "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;",
		 "\"<a href='x'>&\\\"</a>\""},
		{"line\nbreak\t\x01", "line\nbreak\t\x01",
		 "\"line\\u000abreak\\u0009\\u0001\""},
		{"back\\slash", "back\\slash", "\"back\\\\slash\""},
		{"caf\xc3\xa9", "caf\xc3\xa9", "\"caf\xc3\xa9\""},
		/* Invalid UTF-8 never reaches a JSON consumer raw. */
		{"bad\xff\xc3", "bad\xff\xc3", "\"bad\\u00ff\\u00c3\""},
		{"\xed\xa0\x80", "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\""},
		/* Bidi override, isolate, zero width, line separator, C1. */
		{"a\xe2\x80\xaegpj.exe", "a\xe2\x80\xaegpj.exe",
		 "\"a\\u202egpj.exe\""},
		{"\xe2\x81\xa6x\xe2\x80\x8b\xe2\x80\xa8\xc2\x9b\xef\xbb\xbf",
		 "\xe2\x81\xa6x\xe2\x80\x8b\xe2\x80\xa8\xc2\x9b\xef\xbb\xbf",
		 "\"\\u2066x\\u200b\\u2028\\u009b\\ufeff\""},
		{"", "", "\"\""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf h = {0}, j = {0};

		assert_int_equal(buf_html_escape(&h, cases[i].in), 0);
		assert_int_equal(buf_json_string(&j, cases[i].in), 0);
		assert_string_equal(h.data ? h.data : "", cases[i].html);
		assert_string_equal(j.data, cases[i].json);
		buf_free(&h);
		buf_free(&j);
	}
}

static void
test_buf(void **state)
{
	struct buf b = {0};
	size_t len, i;
	char *p;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%zu,", i), 0);
	assert_int_equal(b.len, strlen(b.data));
	assert_non_null(strstr(b.data, ",999,"));
	p = buf_steal(&b, &len);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(len, strlen(p));
	free(p);
	buf_free(&b);
	buf_free(&b); /* twice is fine */
	assert_int_equal(buf_append(&b, "x", BUF_MAX + 1), -1);
	assert_null(b.data);
}

static void
test_xml_text(void **state)
{
	static const struct {
		const char *in;
		bool ok;
	} cases[] = {
		{"plain", true},
		{"tab\tand\nlines\r", true},
		{"caf\xc3\xa9", true},
		{"\xf0\x9f\x94\x92", true},
		{"bell\x07", false},
		{"\xff", false},
		{"\xc0\xaf", false},	     /* overlong '/' */
		{"\xed\xa0\x80", false},     /* surrogate */
		{"\xef\xbf\xbe", false},     /* U+FFFE */
		{"\xf4\x90\x80\x80", false}, /* past U+10FFFF */
		{"cut\xe2\x82", false},
		{"", true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (xml_text_ok(cases[i].in) != cases[i].ok)
			fail_msg("case %zu", i);
}

/* What a configuration value may hold: text every output carries. */
static void
test_text_unsafe(void **state)
{
	static const struct {
		const char *in;
		long off; /* -1 = accepted */
	} cases[] = {
		{"Corp Root CA", -1},
		{"tab\there", -1},
		{"Z\xc3\xbcrich \xe2\x80\x8f\xd7\x90", -1}, /* RLM is fine */
		{"\"q\" \\ </script> ]]> &amp;", -1},
		{"a\rb", 1},
		{"ab\x1b[2J", 2},
		{"\x7f", 0},
		{"x\xc2\x85", 1}, /* NEL, C1 */
		{"xy\xe2\x80\xae"
		 "cba",
		 2},		     /* RIGHT-TO-LEFT OVERRIDE */
		{"\xe2\x80\xaa", 0}, /* embedding */
		{"\xe2\x81\xa6", 0}, /* isolate */
		{"\xe2\x80\xa8", 0}, /* LINE SEPARATOR */
		{"Z\xfcrich", 1},    /* Latin-1 */
		{"\xc0\xaf", 0},     /* overlong '/' */
		{"\xef\xbf\xbf", 0},
	};
	size_t i, off;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = text_unsafe(cases[i].in, &off);

		if ((why == NULL) != (cases[i].off == -1))
			fail_msg("case %zu: %s", i, why ? why : "accepted");
		if (why != NULL && off != (size_t)cases[i].off)
			fail_msg("case %zu: offset %zu", i, off);
	}
}

static void
test_time(void **state)
{
	char t[32];

	(void)state;
	assert_int_equal(time_rfc3339(t, sizeof(t), 0), 0);
	assert_string_equal(t, "1970-01-01T00:00:00Z");
	assert_int_equal(time_rfc3339(t, sizeof(t), 1795651200), 0);
	assert_string_equal(t, "2026-11-26T00:00:00Z");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_xml_text),
		cmocka_unit_test(test_text_unsafe),
		cmocka_unit_test(test_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
