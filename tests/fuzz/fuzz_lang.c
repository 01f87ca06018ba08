/* SPDX-License-Identifier: MIT */
/* Fuzz target: lang_negotiate() on an Accept-Language header, and
 * lang_tag_valid() on the same bytes. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "render/render.h"

/* Past lang.c's 32 ranges of 35 characters is where an over-read or a
 * missed bound would show. */
#define LANG_FUZZ_MAX 8192
/* Input: two bytes choose the enabled languages, one the default, the
 * rest is the header. */
#define LANG_FUZZ_HEAD 3

/* "en" is always enabled; each bit of the first two bytes adds one. */
static const char *const pool[] = {
	"de",	 "de-CH", "fr", "es", "es-419", "zh-Hans", "zh-Hant", "zh",
	"pt-BR", "pt-PT", "pt", "ja", "it",	"nl",	   "sr-Latn", "zh-TW"};

static const char *const traditional[] = {"zh-TW", "zh-HK", "zh-MO", "zh-Hant"};
static const char *const portugal[] = {"pt-PT"};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* True when the len bytes at s start with the tag z on a subtag boundary,
 * in any case. */
static bool
starts(const char *s, size_t len, const char *z)
{
	size_t i, zlen = strlen(z);

	if (len < zlen)
		return false;
	for (i = 0; i < zlen; i++)
		if (lower(s[i]) != lower(z[i]))
			return false;
	return len == zlen || s[zlen] == '-';
}

static bool
same_tag(const char *a, const char *b)
{
	return starts(a, strlen(a), b) && strlen(a) == strlen(b);
}

/* A reading of the header independent of lang.c's: true when it has at
 * least one element and every non-empty one (what comes before ';',
 * trimmed of spaces and tabs) starts with one of fam. */
static bool
only_family(const char *h, const char *const *fam, size_t nfam)
{
	size_t n = 0, i;
	const char *end, *semi;

	for (;; h = end + 1) {
		if ((end = strchr(h, ',')) == NULL)
			end = h + strlen(h);
		if ((semi = memchr(h, ';', (size_t)(end - h))) == NULL)
			semi = end;
		while (h < semi && (*h == ' ' || *h == '\t'))
			h++;
		while (semi > h && (semi[-1] == ' ' || semi[-1] == '\t'))
			semi--;
		if (semi > h) {
			for (i = 0; i < nfam; i++)
				if (starts(h, (size_t)(semi - h), fam[i]))
					break;
			if (i == nfam)
				return false;
			n++;
		}
		if (*end == '\0')
			return n > 0;
	}
}

/* The header with "<tag>;q=0, " in front (caller frees), or NULL. */
static char *
with_excluded(const char *tag, const char *header)
{
	size_t len = strlen(tag) + strlen(header) + 7;
	char *s = malloc(len);

	if (s != NULL)
		snprintf(s, len, "%s;q=0, %s", tag, header);
	return s;
}

static void
check_header(const char *h, const char *const *en, size_t n, size_t def)
{
	size_t got = lang_negotiate(h, en, n, def), i;
	char *more;

	FUZZ_CHECK(got < n);
	FUZZ_CHECK(lang_negotiate(h, en, n, def) == got);
	/* Traditional Chinese never reads Simplified, Portugal never
	 * Brazil, unless the default says so. */
	if (only_family(h, traditional, ARRAY_LEN(traditional)) &&
	    !starts(en[def], strlen(en[def]), "zh-Hans") &&
	    !same_tag(en[def], "zh"))
		FUZZ_CHECK(!starts(en[got], strlen(en[got]), "zh-Hans") &&
			   !same_tag(en[got], "zh"));
	if (only_family(h, portugal, ARRAY_LEN(portugal)) &&
	    !same_tag(en[def], "pt-BR"))
		FUZZ_CHECK(!same_tag(en[got], "pt-BR"));
	/* A tag asked for by itself is what the request gets. */
	if (lang_tag_valid(h)) {
		FUZZ_CHECK(strlen(h) <= 35);
		for (i = 0; i < n && !same_tag(h, en[i]); i++)
			;
		if (i < n)
			FUZZ_CHECK(got == i);
	}
	/* Ruling the answer out in front changes it, or it was the
	 * fallback anyway. */
	if (got != def && (more = with_excluded(en[got], h)) != NULL) {
		FUZZ_CHECK(lang_negotiate(more, en, n, def) != got);
		free(more);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *en[1 + ARRAY_LEN(pool)];
	size_t n = 0, i, def;
	unsigned mask;
	char *h;

	if (size < LANG_FUZZ_HEAD || size > LANG_FUZZ_MAX)
		return 0;
	mask = (unsigned)data[0] | (unsigned)data[1] << 8;
	en[n++] = "en";
	for (i = 0; i < ARRAY_LEN(pool); i++)
		if (mask & 1u << i)
			en[n++] = pool[i];
	def = data[2] % n;
	FUZZ_CHECK(lang_negotiate(NULL, en, n, def) == def);
	if ((h = fuzz_cstr(data + LANG_FUZZ_HEAD, size - LANG_FUZZ_HEAD)) ==
	    NULL)
		return 0;
	check_header(h, en, n, def);
	free(h);
	return 0;
}
