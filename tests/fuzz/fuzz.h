/* SPDX-License-Identifier: MIT */
/* What the fuzz targets and the replay main share: the libFuzzer entry
 * point, a check that survives NDEBUG, NUL-terminated copies. */
#ifndef CERTPOST_FUZZ_H
#define CERTPOST_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Runs one input. data is borrowed for the call. Returns 0 (libFuzzer
 * reserves other values); a finding aborts, through a sanitizer or
 * FUZZ_CHECK.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A property the code under test promised. assert() would vanish under
 * NDEBUG (b_ndebug=if-release); a broken promise must crash every build.
 */
#define FUZZ_CHECK(cond)                                                       \
	do {                                                                   \
		if (!(cond))                                                   \
			fuzz_fail(__FILE__, __LINE__, #cond);                  \
	} while (0)

/* Prints where and what, then aborts so libFuzzer saves the input. */
static inline _Noreturn void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
	abort();
}

/* A reason from acl.c or proxy.c is one printable line: they never echo a
 * control byte from their input. */
static inline void
check_reason(const char *err, size_t errlen)
{
	size_t i;

	FUZZ_CHECK(memchr(err, '\0', errlen) != NULL);
	FUZZ_CHECK(err[0] != '\0');
	for (i = 0; err[i] != '\0'; i++)
		FUZZ_CHECK(err[i] >= 0x20 && err[i] < 0x7f);
}

/*
 * Returns a heap copy of data with a NUL after size bytes (caller frees),
 * or NULL when out of memory. An embedded NUL simply ends the string early,
 * as it would in a header or a file read with fgets().
 */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
