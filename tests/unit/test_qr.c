/* SPDX-License-Identifier: MIT */
/* Unit tests for qr.h: SVG structure, the path redrawn, refusals. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <qrencode.h>

#include "check.h"
#include "render/render.h"
#include "util.h"

#define QUIET 4

/* Text of attribute name="..." in the first tag of svg, or NULL. */
static char *
attr(const char *svg, const char *name)
{
	char pat[64];
	const char *p, *end;
	char *v;

	assert_int_equal(str_printf(pat, sizeof(pat), " %s=\"", name), 0);
	if ((p = strstr(svg, pat)) == NULL)
		return NULL;
	p += strlen(pat);
	end = strchr(p, '"');
	assert_non_null(end);
	v = malloc((size_t)(end - p) + 1);
	assert_non_null(v);
	memcpy(v, p, (size_t)(end - p));
	v[end - p] = '\0';
	return v;
}

static int
parse_px(const char *s)
{
	unsigned long v;

	assert_int_equal(parse_ulong(s, 1, 100000, &v), 0);
	return (int)v;
}

/*
 * Parses d (only "M x y h n v1 h-n z" runs, as qr_svg writes them) back into
 * a size x size grid of dark modules; fails on anything else or any overlap.
 */
static unsigned char *
redraw(const char *d, int size)
{
	unsigned char *grid = calloc((size_t)size * (size_t)size, 1);
	int x, y, n, n2, used, i;

	assert_non_null(grid);
	while (*d != '\0') {
		assert_int_equal(
			sscanf(d, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &n2, &used),
			4);
		assert_int_equal(n, n2);
		assert_true(n >= 1 && x >= QUIET && y >= QUIET);
		/* nothing may be drawn in the quiet zone */
		assert_true(x + n <= size - QUIET && y < size - QUIET);
		for (i = x; i < x + n; i++) {
			assert_int_equal(grid[y * size + i], 0);
			grid[y * size + i] = 1;
		}
		d += used;
	}
	return grid;
}

/* The path must draw exactly libqrencode's dark modules. */
static void
check_modules(const char *d, const char *text, int size)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	unsigned char *grid;
	int x, y;

	assert_non_null(q);
	assert_int_equal(size, q->width + 2 * QUIET);
	grid = redraw(d, size);
	for (y = 0; y < q->width; y++)
		for (x = 0; x < q->width; x++)
			assert_int_equal(grid[(y + QUIET) * size + x + QUIET],
					 q->data[y * q->width + x] & 1);
	free(grid);
	QRcode_free(q);
}

static void
check_title(const char *svg, const char *text)
{
	struct buf want = {0};

	assert_int_equal(buf_puts(&want, "<title>"), 0);
	assert_int_equal(buf_html_escape(&want, text), 0);
	assert_int_equal(buf_puts(&want, "</title>"), 0);
	assert_non_null(strstr(svg, want.data));
	buf_free(&want);
}

static void
check_svg(const char *text)
{
	struct buf out = {0};
	char err[256] = "";
	char *view, *d, *w, *h, want[64];
	int size;

	assert_int_equal(qr_svg(text, &out, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_true(strncmp(out.data, "<svg ", 5) == 0);
	assert_non_null(
		strstr(out.data, "xmlns=\"http://www.w3.org/2000/svg\""));
	assert_non_null(strstr(out.data, " role=\"img\""));
	assert_non_null(strstr(out.data, " shape-rendering=\"crispEdges\""));
	assert_non_null(strstr(out.data, " fill=\"#fff\""));
	assert_non_null(strstr(out.data, "</svg>\n"));
	/* the page's Content-Security-Policy forbids inline styles */
	assert_null(strstr(out.data, "style"));
	assert_int_equal(count_str(out.data, "<path"), 1);
	assert_int_equal(count_str(out.data, "<title>"), 1);
	check_title(out.data, text);

	view = attr(out.data, "viewBox");
	assert_non_null(view);
	assert_int_equal(sscanf(view, "0 0 %d", &size), 1);
	assert_int_equal(
		str_printf(want, sizeof(want), "0 0 %d %d", size, size), 0);
	assert_string_equal(view, want);
	/* an intrinsic size, square, a whole number of pixels per module */
	w = attr(out.data, "width");
	h = attr(out.data, "height");
	assert_non_null(w);
	assert_non_null(h);
	assert_string_equal(w, h);
	assert_true(parse_px(w) % size == 0);
	free(w);
	free(h);

	d = attr(strstr(out.data, "<path"), "d");
	assert_non_null(d);
	check_modules(d, text, size);
	free(d);
	free(view);
	buf_free(&out);
}

static void
test_urls(void **state)
{
	static const char *const urls[] = {
		"https://certpost.example.lan/",
		"http://10.0.0.5:8080/?a=1&b=<2>&c=\"3\"&d='4'",
		"https://xn--r8jz45g.example/",
		"https://\xE4\xBE\x8B\xE3\x81\x88.example/ca",
		"x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(urls); i++)
		check_svg(urls[i]);
}

/* The longest accepted text still fits a QR code at level M. */
static void
test_longest(void **state)
{
	char text[2001];

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	memcpy(text, "https://x/", 10);
	text[sizeof(text) - 1] = '\0';
	check_svg(text);
}

/* Bigger inputs need more modules: the viewBox follows libqrencode. */
static void
test_sizes_grow(void **state)
{
	struct buf a = {0}, b = {0};
	char err[256], long_url[600];
	char *va, *vb;
	int sa, sb;

	(void)state;
	memset(long_url, 'z', sizeof(long_url) - 1);
	long_url[sizeof(long_url) - 1] = '\0';
	assert_int_equal(qr_svg("https://a/", &a, err, sizeof(err)), 0);
	assert_int_equal(qr_svg(long_url, &b, err, sizeof(err)), 0);
	va = attr(a.data, "viewBox");
	vb = attr(b.data, "viewBox");
	assert_int_equal(sscanf(va, "0 0 %d", &sa), 1);
	assert_int_equal(sscanf(vb, "0 0 %d", &sb), 1);
	/* version 1 is 21 modules wide */
	assert_int_equal(sa, 21 + 2 * QUIET);
	assert_true(sb > sa);
	free(va);
	free(vb);
	buf_free(&a);
	buf_free(&b);
}

struct bad_case {
	const char *name;
	const char *text;
	const char *reason; /* a word the error must contain */
};

static void
test_refused(void **state)
{
	static char too_long[2002];
	const struct bad_case cases[] = {
		{"NULL", NULL, "empty"},
		{"empty", "", "empty"},
		{"2001 bytes", too_long, "2001 bytes"},
		{"newline", "https://a/\nb", "control"},
		{"tab", "https://a/\tb", "control"},
		{"DEL", "https://a/\x7F", "control"},
		{"invalid UTF-8", "https://a/\xFF", "UTF-8"},
		{"overlong NUL", "https://a/\xC0\x80", "UTF-8"},
		{"surrogate", "https://a/\xED\xA0\x80", "UTF-8"},
		{"truncated", "https://a/\xE4\xBE", "UTF-8"},
	};
	struct buf out = {0};
	char err[256];
	size_t i;

	(void)state;
	memset(too_long, 'a', sizeof(too_long) - 1);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		err[0] = '\0';
		if (qr_svg(cases[i].text, &out, err, sizeof(err)) != -1)
			fail_msg("%s: accepted", cases[i].name);
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("%s: reason \"%s\"", cases[i].name, err);
		assert_true(strncmp(err, "qr: ", 4) == 0);
		/* nothing half-written */
		assert_int_equal(out.len, 0);
	}
	buf_free(&out);
}

/* Output is appended, not overwritten: the catalog may build in one buf. */
static void
test_appends(void **state)
{
	struct buf out = {0};
	char err[256];

	(void)state;
	assert_int_equal(buf_puts(&out, "PREFIX"), 0);
	assert_int_equal(qr_svg("https://a/", &out, err, sizeof(err)), 0);
	assert_true(strncmp(out.data, "PREFIX<svg ", 11) == 0);
	buf_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_longest),
		cmocka_unit_test(test_sizes_grow),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_appends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
