/* SPDX-License-Identifier: MIT */
/* Unit tests for mail: the draft's header, encoded subjects, line
 * lengths and line ends. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "render/render.h"

/* Every line ends CRLF and holds at most 76 characters (RFC 5322 2.1.1
 * allows 998; 76 is base64's). */
static void
assert_lines(const struct buf *b)
{
	const char *p = b->data, *end = b->data + b->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		assert_non_null(nl);
		assert_true(nl > p);
		assert_int_equal(nl[-1], '\r');
		assert_true(nl - p - 1 <= 76);
		p = nl + 1;
	}
}

static void
test_ascii_subject(void **state)
{
	static const unsigned char bytes[200] = {1, 2, 3, 0xff};
	struct mail_attachment att = {"ca.cer", "application/x-x509-ca-cert",
				      bytes, sizeof(bytes)};
	struct buf b = {0};
	char err[128];

	(void)state;
	assert_int_equal(mail_draft("Install the root", "Hello\n\nhttps://x/\n",
				    &att, 1, &b, err, sizeof(err)),
			 0);
	assert_memory_equal(b.data,
			    "X-Unsent: 1\r\nSubject: Install the root\r\n", 38);
	assert_non_null(strstr(b.data, "filename=\"ca.cer\"\r\n"));
	assert_lines(&b);
	buf_free(&b);
}

/* A subject that is not ASCII becomes RFC 2047 encoded-words, cut on
 * character boundaries, each line within the limit. */
static void
test_utf8_subject(void **state)
{
	struct buf b = {0};
	char err[128];
	const char *s;

	(void)state;
	assert_int_equal(mail_draft("Installer le certificat racine de "
				    "Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9"
				    "rale \xe2\x80\x94 \xc3\xa9quipe "
				    "informatique",
				    "Bonjour\n", NULL, 0, &b, err, sizeof(err)),
			 0);
	assert_non_null(s = strstr(b.data, "Subject: =?UTF-8?B?"));
	assert_null(memchr(b.data, 0xc3, b.len));
	assert_non_null(strstr(s + 10, "\r\n =?UTF-8?B?"));
	assert_lines(&b);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_subject),
		cmocka_unit_test(test_utf8_subject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
