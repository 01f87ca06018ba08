/* SPDX-License-Identifier: MIT */
/* Unit tests for encoding: which Accept-Encoding values take gzip. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>

#include "http/http.h"

static const struct {
	const char *lines[3]; /* one request's Accept-Encoding lines */
	bool gzip;
} cases[] = {
	/* What browsers send. */
	{{"gzip, deflate, br"}, true},
	{{"gzip, deflate, br, zstd"}, true},
	{{"gzip, deflate"}, true},
	{{"br;q=1.0, gzip;q=0.8, *;q=0.1"}, true},
	{{"identity"}, false},
	{{""}, false},
	{{NULL}, false},
	/* Case, aliases, spacing and empty elements. */
	{{"GZIP"}, true},
	{{"x-gzip"}, true},
	{{"X-GZip;Q=0.5"}, true},
	{{" ,, gzip ,"}, true},
	{{"gzip\t;\tq=1"}, true},
	{{"gzip ; q=0.001"}, true},
	/* Refusals. */
	{{"gzip;q=0"}, false},
	{{"gzip;q=0.000"}, false},
	{{"gzip;q=0, *"}, false},
	{{"*;q=0"}, false},
	{{"*"}, true},
	{{"*;q=0.5, br"}, true},
	{{"*, gzip;q=0"}, false},
	/* A refusal wins, on the same line or another. */
	{{"gzip, gzip;q=0"}, false},
	{{"gzip;q=0", "gzip"}, false},
	{{"br", "gzip"}, true},
	{{"br", "identity", "*"}, true},
	/* Not qvalues: the element is ignored. */
	{{"gzip;q=2"}, false},
	{{"gzip;q=1.5"}, false},
	{{"gzip;q=0.0001"}, false},
	{{"gzip;q=-1"}, false},
	{{"gzip;q="}, false},
	{{"gzip;q=abc, *"}, true},
	{{"gzip;q=0x1"}, false},
	/* Other parameters are skipped, quoted ones included. */
	{{"gzip;level=9"}, true},
	{{"gzip;a=\"x,y;q=0\";q=1"}, true},
	{{"gzip;a=\"unterminated"}, false},
	/* Not a coding: ignored. */
	{{"gzipx"}, false},
	{{"gzip/1"}, false},
	{{"g zip"}, false},
	{{"\"gzip\""}, false},
	{{";q=1"}, false},
	{{"gzip;=1"}, false},
	{{"deflate;gzip"}, false},
};

static void
test_cases(void **state)
{
	size_t failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct encoding_accept a = ENCODING_ACCEPT_INIT;

		for (size_t j = 0; j < 3 && (j == 0 || cases[i].lines[j]); j++)
			encoding_scan(&a, cases[i].lines[j]);
		if (encoding_gzip_ok(&a) != cases[i].gzip) {
			printf("# \"%s\"%s: want %s\n",
			       cases[i].lines[0] ? cases[i].lines[0] : "(none)",
			       cases[i].lines[1] ? " + more lines" : "",
			       cases[i].gzip ? "gzip" : "identity");
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* Every byte value after "gzip" or in a weight: no crash, no read past
 * the end (run under ASan in CI). */
static void
test_every_byte(void **state)
{
	(void)state;
	for (int b = 1; b < 256; b++) {
		char v[32];
		struct encoding_accept a = ENCODING_ACCEPT_INIT;

		snprintf(v, sizeof(v), "gzip%c;q=0.%c\"\\%c", b, b, b);
		encoding_scan(&a, v);
		snprintf(v, sizeof(v), "%c", b);
		encoding_scan(&a, v);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
