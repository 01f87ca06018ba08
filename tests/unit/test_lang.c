/* SPDX-License-Identifier: MIT */
/* Unit tests for lang.c: the language an Accept-Language header gets, and
 * which tags are well-formed. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "render/render.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The set the page is expected to ship with; index 0 ("en") and 2 ("fr")
 * serve as defaults. */
static const char *const all[] = {"en",	    "de",      "fr",	"es",
				  "ja",	    "zh-Hans", "pt-BR", "pt-PT",
				  "es-419", "it",      "nl"};
static const char *const hans[] = {"en", "zh-Hans"};
static const char *const hant[] = {"en", "zh-Hans", "zh-Hant"};
static const char *const hans_ja[] = {"en", "zh-Hans", "ja"};
static const char *const zh_bare[] = {"en", "zh"};
static const char *const br[] = {"en", "pt-BR"};
static const char *const br_fr[] = {"en", "pt-BR", "fr"};
static const char *const pt_pt[] = {"en", "pt-PT"};
static const char *const es[] = {"en", "es"};
static const char *const es_419[] = {"en", "es-419"};
static const char *const de_first[] = {"de", "en", "fr"};
static const char *const de_ch[] = {"en", "de-CH"};
static const char *const singleton[] = {"fr", "en-US-x"};
static const char *const odd_case[] = {"EN", "Zh-hANS", "pT-bR"};

struct lang_case {
	const char *what;
	const char *header;
	const char *const *set;
	size_t nset;
	size_t def;
	const char *want;
};

#define SET(a) (a), N(a)

static const struct lang_case cases[] = {
	/* Ranking: q first, then header order. */
	{"browser list", "de-CH,de;q=0.9,en;q=0.8", SET(all), 0, "de"},
	{"tie keeps order", "fr;q=0.5, de;q=0.5", SET(all), 0, "fr"},
	{"tie keeps order 2", "de;q=0.5, fr;q=0.5", SET(all), 0, "de"},
	{"higher q wins", "fr;q=0.4, de;q=0.5", SET(all), 0, "de"},
	{"q=1 by default", "en;q=0.1, ja", SET(all), 2, "ja"},
	{"unknown then known", "ko, sv;q=0.9, it;q=0.8", SET(all), 0, "it"},
	{"NULL", NULL, SET(all), 2, "fr"},
	{"empty", "", SET(all), 2, "fr"},
	{"only OWS", " \t ", SET(all), 2, "fr"},
	{"nothing enabled asked", "ko, sv", SET(all), 2, "fr"},
	/* Case does not matter, in the header or in the enabled tags. */
	{"upper range", "DE-ch", SET(all), 0, "de"},
	{"mixed zh", "ZH-hans-cn", SET(all), 0, "zh-Hans"},
	{"mixed pt", "PT-pt", SET(all), 0, "pt-PT"},
	{"odd enabled zh", "zh-cn", SET(odd_case), 0, "Zh-hANS"},
	{"odd enabled pt", "PT-BR", SET(odd_case), 0, "pT-bR"},
	/* q=0 rules out a range and every tag it prefixes. */
	{"wildcard, de ruled out", "*;q=0.5, de;q=0", SET(de_first), 0, "en"},
	{"q=0 prefix rules out de-CH", "de;q=0, de-CH", SET(all), 0, "en"},
	{"q=0 prefix, next range", "de;q=0, de-CH, fr;q=0.5", SET(all), 0,
	 "fr"},
	{"q=0 longer does not rule out shorter", "de-CH;q=0, de", SET(all), 2,
	 "de"},
	{"q=0 after the range", "en-US, en;q=0, fr;q=0.1", SET(all), 0, "fr"},
	{"q=0 beats q=1 for the same range", "de, de;q=0", SET(all), 2, "fr"},
	{"q=0 on a mapped tag", "zh-Hans;q=0, zh-CN, ja;q=0.2", SET(all), 0,
	 "ja"},
	{"zh;q=0 rules out both scripts", "zh;q=0, zh-TW, zh-CN, it;q=0.1",
	 SET(hant), 0, "en"},
	{"q=0 es-419 leaves es", "es-419;q=0, es-MX", SET(all), 0, "es"},
	{"q=0 is not a prefix of del", "de;q=0, del, it;q=0.1", SET(all), 0,
	 "it"},
	{"q=0. is zero", "de;q=0., ja;q=0.9", SET(all), 0, "ja"},
	{"q=0.000 is zero", "de;q=0.000, ja;q=0.001", SET(all), 0, "ja"},
	/* "*": the default unless ruled out, else the first not ruled out. */
	{"wildcard gives default", "*", SET(all), 2, "fr"},
	{"wildcard before lower q", "*, ja;q=0.9", SET(all), 0, "en"},
	{"wildcard after higher q", "*;q=0.1, ja", SET(all), 0, "ja"},
	{"wildcard q=0", "*;q=0", SET(all), 2, "fr"},
	{"wildcard q=0, named", "*;q=0, nl;q=0.1", SET(all), 0, "nl"},
	{"wildcard, all ruled out", "*, de;q=0, en;q=0, fr;q=0", SET(de_first),
	 0, "de"},
	/* RFC 4647 3.4 lookup: drop subtags from the end. */
	{"truncate to region", "de-CH-1996", SET(de_ch), 0, "de-CH"},
	{"truncate to language", "de-CH-1996", SET(all), 0, "de"},
	{"truncate fr-CA", "fr-CA", SET(all), 0, "fr"},
	{"singleton dropped", "en-US-x-twain", SET(all), 2, "en"},
	{"singleton never tried", "en-US-x-twain", SET(singleton), 0, "fr"},
	{"private use then it", "x-klingon, it", SET(all), 0, "it"},
	/* Chinese: Traditional never gets Simplified, nor bare zh. */
	{"zh-TW falls to en", "zh-TW, en;q=0.1", SET(hans), 1, "en"},
	{"zh-TW, default", "zh-TW", SET(hans_ja), 2, "ja"},
	{"zh-TW gets zh-Hant", "zh-TW", SET(hant), 0, "zh-Hant"},
	{"zh-HK gets zh-Hant", "zh-HK", SET(hant), 0, "zh-Hant"},
	{"zh-MO not zh-Hans", "zh-MO", SET(hans), 0, "en"},
	{"zh-Hant not zh-Hans", "zh-Hant", SET(hans), 0, "en"},
	{"zh-Hant-HK not zh-Hans", "zh-Hant-HK", SET(hans), 0, "en"},
	{"zh-Hant-HK gets zh-Hant", "zh-Hant-HK", SET(hant), 0, "zh-Hant"},
	{"zh-Hant-TW, next range", "zh-Hant-TW, ja;q=0.5", SET(hans_ja), 0,
	 "ja"},
	{"zh-TW not bare zh", "zh-TW", SET(zh_bare), 0, "en"},
	{"zh-yue-HK gets zh-Hant", "zh-yue-HK", SET(hant), 0, "zh-Hant"},
	{"zh-yue names no script", "zh-yue", SET(hans), 0, "en"},
	{"zh-Latn neither script", "zh-Latn-pinyin", SET(hans), 0, "en"},
	{"zh-CN", "zh-CN", SET(hans), 0, "zh-Hans"},
	{"zh-SG", "zh-SG", SET(hant), 0, "zh-Hans"},
	{"zh", "zh", SET(hant), 0, "zh-Hans"},
	{"zh-Hans", "zh-Hans", SET(hant), 0, "zh-Hans"},
	{"zh-Hans-HK", "zh-Hans-HK", SET(hant), 0, "zh-Hans"},
	{"zh-Hans-CN", "zh-Hans-CN", SET(all), 0, "zh-Hans"},
	{"zh-CN gets bare zh", "zh-CN", SET(zh_bare), 0, "zh"},
	/* Portuguese: neither region gets the other; plain pt prefers
	 * pt-BR. */
	{"pt-PT not pt-BR", "pt-PT", SET(br), 0, "en"},
	{"pt-PT, next range", "pt-PT, fr;q=0.5", SET(br_fr), 0, "fr"},
	{"pt-PT", "pt-PT", SET(all), 0, "pt-PT"},
	{"pt-BR", "pt-BR", SET(all), 0, "pt-BR"},
	{"pt prefers pt-BR", "pt", SET(all), 0, "pt-BR"},
	{"pt with only pt-PT", "pt", SET(pt_pt), 0, "pt-PT"},
	{"pt with only pt-BR", "pt", SET(br), 0, "pt-BR"},
	{"pt-BR not pt-PT", "pt-BR", SET(pt_pt), 0, "en"},
	{"pt-AO writes as Portugal", "pt-AO", SET(all), 0, "pt-PT"},
	{"pt-AO not pt-BR", "pt-AO", SET(br), 0, "en"},
	/* Spanish: Latin-American regions to es-419 when enabled. */
	{"es-MX gets es-419", "es-MX", SET(all), 0, "es-419"},
	{"es-MX without es-419", "es-MX", SET(es), 0, "es"},
	{"es-AR", "es-AR", SET(es_419), 0, "es-419"},
	{"es-US", "es-US", SET(all), 0, "es-419"},
	{"es-419", "es-419", SET(all), 0, "es-419"},
	{"es-419 without es-419", "es-419", SET(es), 0, "es"},
	{"es-ES gets es", "es-ES", SET(all), 0, "es"},
	{"es-ES not es-419", "es-ES", SET(es_419), 0, "en"},
	{"es", "es", SET(all), 0, "es"},
	{"es with only es-419", "es", SET(es_419), 0, "es-419"},
	/* Malformed elements are skipped; the rest count. */
	{"q=2", "de;q=2, fr", SET(all), 0, "fr"},
	{"q=abc", "de;q=abc, en", SET(all), 2, "en"},
	{"empty elements", ";;,,", SET(all), 2, "fr"},
	{"q with 4 decimals", "de;q=0.5000, en", SET(all), 2, "en"},
	{"q=1.5", "de;q=1.5, en", SET(all), 2, "en"},
	{"q=1.000", "de;q=1.000, ja", SET(all), 2, "de"},
	{"q=1.001", "de;q=1.001, ja", SET(all), 2, "ja"},
	{"q=.5", "de;q=.5, ja", SET(all), 2, "ja"},
	{"q=-0", "de;q=-0, ja", SET(all), 2, "ja"},
	{"q empty", "de;q=, ja", SET(all), 2, "ja"},
	{"space before =", "de;q =0.5, ja", SET(all), 2, "ja"},
	{"Q upper case", "de;Q=0.5, ja;q=0.4", SET(all), 2, "de"},
	{"other parameter", "de;level=1, ja", SET(all), 2, "ja"},
	{"two weights", "de;q=0.5;q=0.9, ja;q=0.1", SET(all), 2, "ja"},
	{"bare semicolon", "de;, ja", SET(all), 2, "ja"},
	{"digit in language", "d3, ja", SET(all), 2, "ja"},
	{"9-letter subtag", "abcdefghi, ja", SET(all), 2, "ja"},
	{"trailing hyphen", "de-, ja", SET(all), 2, "ja"},
	{"double hyphen", "de--CH, ja", SET(all), 2, "ja"},
	{"leading hyphen", "-de, ja", SET(all), 2, "ja"},
	{"space inside", "de CH, ja", SET(all), 2, "ja"},
	{"control byte", "de\x01, ja", SET(all), 2, "ja"},
	{"UTF-8",
	 "\xc3\xbc"
	 "ber, ja",
	 SET(all), 2, "ja"},
	{"wildcard with subtag", "*-CH, ja", SET(all), 2, "ja"},
	{"underscore", "de_CH, ja", SET(all), 2, "ja"},
	{"36 characters", "de-CH-abcdefgh-abcdefgh-abcdefgh-abc, ja", SET(all),
	 2, "ja"},
	{"35 characters", "de-CH-abcdefgh-abcdefgh-abcdefgh-ab, ja", SET(all),
	 2, "de"},
	{"OWS everywhere", " \tde ; q=0.5 ,\tja;q=0.4 ", SET(all), 2, "de"},
	{"malformed q=0 rules nothing out", "de;q=0.0000, de", SET(all), 2,
	 "de"},
};

/* Returns the tag the case's header gets. */
static const char *
negotiate(const struct lang_case *c)
{
	size_t got = lang_negotiate(c->header, c->set, c->nset, c->def);

	if (got >= c->nset)
		fail_msg("%s: index %zu out of %zu", c->what, got, c->nset);
	return c->set[got];
}

static void
test_negotiate(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(cases); i++) {
		const char *got = negotiate(&cases[i]);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("%s: \"%s\" got %s, want %s", cases[i].what,
				 cases[i].header ? cases[i].header : "(NULL)",
				 got, cases[i].want);
	}
}

/* An enabled tag asked for by itself is what a request gets, whatever
 * the family rules say about the rest. */
static void
test_exact(void **state)
{
	static const char *const extra[] = {
		"en", "zh", "zh-Hant", "pt", "de-CH", "de-CH-1996", "zh-TW"};
	size_t i;

	(void)state;
	for (i = 0; i < N(all); i++)
		assert_int_equal(lang_negotiate(all[i], all, N(all), 2), i);
	for (i = 0; i < N(extra); i++)
		assert_int_equal(lang_negotiate(extra[i], extra, N(extra), 0),
				 i);
}

/* Fills s (size n + 1) with copies of unit, then a NUL. */
static void
repeat(char *s, size_t n, const char *unit)
{
	size_t ulen = strlen(unit), i;

	for (i = 0; i < n; i++)
		s[i] = unit[i % ulen];
	s[n] = '\0';
}

/* 8 KB headers: bounded work, a sane answer, and only the first 32
 * well-formed ranges count. */
static void
test_long(void **state)
{
	size_t n = 8192, i;
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	repeat(s, n, "a");
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 2);
	repeat(s, n, ";");
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 2);
	repeat(s, n, ",");
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 2);
	repeat(s, n, "de-CH-1996;q=0.5,");
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 1);
	repeat(s, n, "x");
	memcpy(s, "ja, ", 4);
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 4);
	repeat(s, n, "zz,");
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 2);
	/* The 32nd range counts, the 33rd does not. */
	for (i = 0; i < 31; i++)
		memcpy(s + 3 * i, "zz,", 3);
	memcpy(s + 93, "it", 3);
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 9);
	memcpy(s + 93, "zz,it", 6);
	assert_int_equal(lang_negotiate(s, all, N(all), 2), 2);
	free(s);
}

/* A caller's broken bounds give an index that is still in range. */
static void
test_bounds(void **state)
{
	(void)state;
	assert_int_equal(lang_negotiate("de", all, 0, 0), 0);
	assert_int_equal(lang_negotiate(NULL, all, N(all), N(all)), 0);
	assert_int_equal(lang_negotiate("ko", all, N(all), 99), 0);
	assert_int_equal(lang_negotiate("de", all, N(all), 99), 1);
}

static const struct {
	const char *tag;
	bool want;
} tags[] = {
	{"en", true},
	{"de", true},
	{"gsw", true},
	{"zh-Hans", true},
	{"zh-Hant-TW", true},
	{"pt-BR", true},
	{"es-419", true},
	{"de-CH-1996", true},
	{"de-1996", true},
	{"sl-rozaj", true},
	{"sl-rozaj-biske", true},
	{"ca-valencia", true},
	{"sr-Latn-RS", true},
	{"EN-us", true},
	{"zH-hAnS", true},
	{"de-abcd", true}, /* a script, unknown but well-formed */
	{"de-abcdefgh-abcdefgh-abcdefgh-abcde", true}, /* 35 */
	{"de-abcdefgh-abcdefgh-abcdefgh-abcdef", false},
	{NULL, false},
	{"", false},
	{"e", false},
	{"english", false},
	{"en-", false},
	{"-en", false},
	{"en--US", false},
	{"en_US", false},
	{"en-U", false},
	{"en-USA", false},
	{"zh-cmn", false},
	{"zh-Hans-Hant", false},
	{"en-US-GB", false},
	{"de-1996-CH", false},
	{"de-CH-abcd", false},
	{"de-abcdefghi", false},
	{"x-private", false},
	{"en-x-foo", false},
	{"i-klingon", false},
	{"*", false},
	{"en US", false},
	{"en-US\n", false},
	{"d1", false},
};

static void
test_tag_valid(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(tags); i++)
		if (lang_tag_valid(tags[i].tag) != tags[i].want)
			fail_msg("lang_tag_valid(\"%s\") should be %s",
				 tags[i].tag ? tags[i].tag : "(NULL)",
				 tags[i].want ? "true" : "false");
	for (i = 0; i < N(all); i++)
		assert_true(lang_tag_valid(all[i]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate), cmocka_unit_test(test_exact),
		cmocka_unit_test(test_long),	  cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_tag_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
