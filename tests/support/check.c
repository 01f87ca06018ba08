/* SPDX-License-Identifier: MIT */
/* Assertions on text that the unit and integration tests share. */
#include "check.h"

#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "util.h"

size_t
count_str(const char *s, const char *needle)
{
	return s == NULL ? 0 : count_mem(s, strlen(s), needle);
}

size_t
count_mem(const void *p, size_t len, const char *needle)
{
	const char *at = p, *end = at + len;
	size_t n = 0;

	while ((at = mem_find(at, (size_t)(end - at), needle)) != NULL) {
		n++;
		at += strlen(needle);
	}
	return n;
}

void
assert_contains(const char *hay, const char *needle, const char *what)
{
	if (hay == NULL || strstr(hay, needle) == NULL)
		fail_msg("%s: lacks '%s':\n%s", what, needle,
			 hay != NULL ? hay : "(null)");
}
