/* SPDX-License-Identifier: MIT */
/* Which of the enabled languages a request gets: Accept-Language read as
 * RFC 9110 12.5.4 says and matched by RFC 4647 3.4 lookup, on the request
 * path, without allocation. */
#include <string.h>

#include "render/render.h"
#include "util.h"

/* RFC 5646 4.4.1 asks for room for 35 characters, enough for every tag a
 * page tells apart; a longer range is noise, skipped. */
#define LANG_TAG_MAX 35
/* Browsers send a handful of ranges. Only this many well-formed ones are
 * read, which keeps the exclusion check (each range against each other)
 * cheap on an 8 KB header; the rest of the header is ignored. */
#define LANG_RANGES_MAX 32
#define LANG_Q_ONE 1000
#define LANG_NONE ((size_t)-1)

/* One element of the header: the range as sent, its weight in thousandths. */
struct lang_range {
	const char *s;
	size_t len;
	unsigned q;
};

struct lang_req {
	struct lang_range r[LANG_RANGES_MAX];
	size_t n;
	const char *const *enabled;
	size_t nenabled;
};

/* Where a range's Chinese script or Portuguese and Spanish region leads,
 * once its own subtags are exhausted (see lang_tail()). */
static const char *const tail_zh_hans[] = {"zh-Hans", "zh"};
static const char *const tail_zh_hant[] = {"zh-Hant"};
/* Plain "pt" says neither Brazil nor Portugal. Brazilian Portuguese comes
 * first: it is what CLDR's unqualified "pt" locale is, and by far the
 * larger population; a reader of either still beats the default. */
static const char *const tail_pt[] = {"pt", "pt-BR", "pt-PT"};
static const char *const tail_pt_br[] = {"pt-BR", "pt"};
static const char *const tail_pt_pt[] = {"pt-PT", "pt"};
static const char *const tail_es[] = {"es", "es-419"};
static const char *const tail_es_419[] = {"es-419", "es"};
static const char *const tail_es_other[] = {"es"};

/* Simplified and Traditional Chinese are different scripts: a reader of
 * one asked by region for the other must not get it. Regions written in
 * Traditional; any other region, or none, means Simplified. */
static const char *const zh_hant_regions[] = {"TW", "HK", "MO"};
/* CLDR's parent locales: Spanish of these regions inherits from es-419
 * (Latin America and the Caribbean) rather than from Spain's es. */
static const char *const es_419_regions[] = {
	"419", "AR", "BO", "BR", "BZ", "CL", "CO", "CR", "CU", "DO", "EC", "GT",
	"HN",  "MX", "NI", "PA", "PE", "PR", "PY", "SV", "US", "UY", "VE"};

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static char
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Language tags compare without regard to case (RFC 5646 2.1.1), in
 * ASCII whatever the locale. */
static bool
ci_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return false;
	for (i = 0; i < alen; i++)
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	return true;
}

/* True when the tag or range p starts with the range z on a subtag
 * boundary: "de" prefixes "de" and "de-CH", not "del". */
static bool
ci_prefix(const char *z, size_t zlen, const char *p, size_t plen)
{
	return zlen <= plen && ci_eq(z, zlen, p, zlen) &&
	       (plen == zlen || p[zlen] == '-');
}

static bool
ci_in(const char *s, size_t len, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ci_eq(s, len, set[i], strlen(set[i])))
			return true;
	return false;
}

/* RFC 4647 2.1: language-range = (1*8ALPHA *("-" 1*8alphanum)) / "*",
 * here at most LANG_TAG_MAX characters. */
static bool
range_well_formed(const char *s, size_t len)
{
	size_t i, sub = 0;
	bool first = true;

	if (len == 1 && s[0] == '*')
		return true;
	if (len == 0 || len > LANG_TAG_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '-') {
			if (sub == 0)
				return false;
			sub = 0;
			first = false;
		} else if (!(first ? is_alpha(s[i]) : is_alnum(s[i])) ||
			   ++sub > 8) {
			return false;
		}
	}
	return sub > 0;
}

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0")
 * ] ), the whole of [p, end). Sets *ret in thousandths. */
static bool
qvalue_parse(const char *p, const char *end, unsigned *ret)
{
	size_t n = (size_t)(end - p), i;
	unsigned v = 0, scale = 100;

	if (n == 0 || (p[0] != '0' && p[0] != '1'))
		return false;
	if (n > 1 && (p[1] != '.' || n > 5))
		return false;
	for (i = 2; i < n; i++) {
		if (!is_digit(p[i]) || (p[0] == '1' && p[i] != '0'))
			return false;
		v += (unsigned)(p[i] - '0') * scale;
		scale /= 10;
	}
	*ret = p[0] == '1' ? LANG_Q_ONE : v;
	return true;
}

/*
 * Reads one list element [p, end): OWS language-range OWS [";" OWS "q="
 * qvalue] OWS. The parameter name is case-insensitive (RFC 9110 12.4.2);
 * Accept-Language has no other parameter, so any other is malformed.
 * Returns false for an empty or malformed element (r then unspecified).
 */
static bool
element_parse(const char *p, const char *end, struct lang_range *r)
{
	const char *s;

	while (p < end && is_ows(*p))
		p++;
	while (end > p && is_ows(end[-1]))
		end--;
	for (s = p; p < end && !is_ows(*p) && *p != ';'; p++)
		;
	if (!range_well_formed(s, (size_t)(p - s)))
		return false;
	r->s = s;
	r->len = (size_t)(p - s);
	r->q = LANG_Q_ONE;
	while (p < end && is_ows(*p))
		p++;
	if (p == end)
		return true;
	if (*p++ != ';')
		return false;
	while (p < end && is_ows(*p))
		p++;
	if (end - p < 2 || ascii_lower(p[0]) != 'q' || p[1] != '=')
		return false;
	return qvalue_parse(p + 2, end, &r->q);
}

/* Reads the header's first LANG_RANGES_MAX well-formed elements into req,
 * highest q first, header order kept among equals (a stable sort). */
static void
ranges_read(struct lang_req *req, const char *header)
{
	const char *p = header, *comma;
	struct lang_range r;
	size_t i;

	req->n = 0;
	while (req->n < LANG_RANGES_MAX) {
		if ((comma = strchr(p, ',')) == NULL)
			comma = p + strlen(p);
		if (element_parse(p, comma, &r)) {
			for (i = req->n; i > 0 && req->r[i - 1].q < r.q; i--)
				req->r[i] = req->r[i - 1];
			req->r[i] = r;
			req->n++;
		}
		if (*comma == '\0')
			break;
		p = comma + 1;
	}
}

/* True when a q=0 range of the request prefixes s: "de;q=0" rules out
 * de, de-CH and de-CH-1996, as ranges asked for and as enabled tags. */
static bool
excluded(const struct lang_req *req, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < req->n; i++) {
		const struct lang_range *z = &req->r[i];

		if (z->q == 0 && ci_prefix(z->s, z->len, s, len))
			return true;
	}
	return false;
}

/* The first enabled tag equal to [s, len) and not excluded, or LANG_NONE. */
static size_t
enabled_find(const struct lang_req *req, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < req->nenabled; i++) {
		const char *e = req->enabled[i];
		size_t elen = strlen(e);

		if (ci_eq(s, len, e, elen) && !excluded(req, e, elen))
			return i;
	}
	return LANG_NONE;
}

/* The length of the subtag at p, up to the next '-' or end. */
static size_t
subtag_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != '-')
		q++;
	return (size_t)(q - p);
}

static bool
all_of(const char *p, size_t n, bool (*is)(char))
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is(p[i]))
			return false;
	return true;
}

/* The subtags RFC 5646 2.1 puts in fixed places after the language. */
struct lang_parts {
	bool extlang;	    /* up to three 3-letter subtags: "zh-yue" */
	const char *script; /* 4 letters, or NULL */
	const char *region; /* 2 letters or 3 digits, or NULL */
	size_t region_len;
};

static void
parts_read(const char *s, size_t len, struct lang_parts *pt)
{
	const char *p = s, *end = s + len;
	size_t n, lang_len = subtag_len(s, end), nextlang = 0;

	memset(pt, 0, sizeof(*pt));
	for (p = s + lang_len; p < end; p += n) {
		n = subtag_len(++p, end);
		if (pt->script == NULL && lang_len <= 3 && nextlang < 3 &&
		    n == 3 && all_of(p, n, is_alpha)) {
			pt->extlang = true;
			nextlang++;
		} else if (pt->script == NULL && n == 4 &&
			   all_of(p, n, is_alpha)) {
			pt->script = p;
			nextlang = 3;
		} else if ((n == 2 && all_of(p, n, is_alpha)) ||
			   (n == 3 && all_of(p, n, is_digit))) {
			pt->region = p;
			pt->region_len = n;
			return;
		} else {
			return;
		}
	}
}

/* Where lookup goes once a range is cut down to its language subtag:
 * tags to try in order, or tags NULL for the language subtag itself
 * (plain RFC 4647 3.4). */
struct lang_tail {
	const char *const *tags;
	size_t n;
};

#define TAIL(a) ((struct lang_tail){(a), ARRAY_LEN(a)})

static struct lang_tail
zh_tail(const struct lang_parts *pt)
{
	static const struct lang_tail none = {tail_zh_hans, 0};

	if (pt->script != NULL) {
		if (ci_eq(pt->script, 4, "Hans", 4))
			return TAIL(tail_zh_hans);
		if (ci_eq(pt->script, 4, "Hant", 4))
			return TAIL(tail_zh_hant);
		return none; /* zh-Latn (Pinyin) is neither script */
	}
	if (pt->region != NULL)
		return ci_in(pt->region, pt->region_len, zh_hant_regions,
			     ARRAY_LEN(zh_hant_regions))
			       ? TAIL(tail_zh_hant)
			       : TAIL(tail_zh_hans);
	/* "zh-yue" (Cantonese) alone names no script; plain "zh" is
	 * Simplified, as CLDR's likely subtags have it. */
	return pt->extlang ? none : TAIL(tail_zh_hans);
}

static struct lang_tail
lang_tail(const char *s, size_t len)
{
	static const struct lang_tail generic = {NULL, 0};
	struct lang_parts pt;
	size_t lang_len = subtag_len(s, s + len);

	parts_read(s, len, &pt);
	if (ci_eq(s, lang_len, "zh", 2))
		return zh_tail(&pt);
	if (ci_eq(s, lang_len, "pt", 2)) {
		/* pt-PT must never get pt-BR: spelling and the words on
		 * the iPhone's own screens differ. Every other region
		 * (Angola, Mozambique, ...) writes as Portugal does, and
		 * the rule holds both ways. */
		if (pt.region == NULL)
			return TAIL(tail_pt);
		return ci_eq(pt.region, pt.region_len, "BR", 2)
			       ? TAIL(tail_pt_br)
			       : TAIL(tail_pt_pt);
	}
	if (ci_eq(s, lang_len, "es", 2)) {
		if (pt.region == NULL)
			return TAIL(tail_es);
		return ci_in(pt.region, pt.region_len, es_419_regions,
			     ARRAY_LEN(es_419_regions))
			       ? TAIL(tail_es_419)
			       : TAIL(tail_es_other);
	}
	return generic;
}

/* RFC 4647 3.4: drops the last subtag, then a single-letter subtag left
 * at the end ("en-US-x" becomes "en-US"), never the language (the first
 * lang_len bytes). */
static size_t
truncate_range(const char *s, size_t len, size_t lang_len)
{
	do {
		while (len > lang_len && s[len - 1] != '-')
			len--;
		if (len > lang_len)
			len--;
	} while (len > lang_len + 1 && s[len - 2] == '-');
	return len;
}

/* The enabled language the range r leads to, or LANG_NONE. */
static size_t
range_lookup(const struct lang_req *req, const struct lang_range *r)
{
	size_t lang_len = subtag_len(r->s, r->s + r->len), len, got, i;
	struct lang_tail t = lang_tail(r->s, r->len);

	if ((got = enabled_find(req, r->s, r->len)) != LANG_NONE)
		return got;
	for (len = truncate_range(r->s, r->len, lang_len); len > lang_len;
	     len = truncate_range(r->s, len, lang_len))
		if ((got = enabled_find(req, r->s, len)) != LANG_NONE)
			return got;
	if (t.tags == NULL)
		return r->len > lang_len ? enabled_find(req, r->s, lang_len)
					 : LANG_NONE;
	for (i = 0; i < t.n; i++)
		if ((got = enabled_find(req, t.tags[i], strlen(t.tags[i]))) !=
		    LANG_NONE)
			return got;
	return LANG_NONE;
}

/* "*": the default unless ruled out, else the first enabled language not
 * ruled out, or LANG_NONE. */
static size_t
wildcard_pick(const struct lang_req *req, size_t default_index)
{
	size_t i;

	if (!excluded(req, req->enabled[default_index],
		      strlen(req->enabled[default_index])))
		return default_index;
	for (i = 0; i < req->nenabled; i++)
		if (!excluded(req, req->enabled[i], strlen(req->enabled[i])))
			return i;
	return LANG_NONE;
}

size_t
lang_negotiate(const char *accept_language, const char *const *enabled,
	       size_t nenabled, size_t default_index)
{
	struct lang_req req;
	size_t i, got;

	if (nenabled == 0)
		return 0;
	if (default_index >= nenabled)
		default_index = 0;
	if (accept_language == NULL)
		return default_index;
	req.enabled = enabled;
	req.nenabled = nenabled;
	ranges_read(&req, accept_language);
	/* Highest q first; the q=0 ranges at the end only rule out. */
	for (i = 0; i < req.n && req.r[i].q > 0; i++) {
		const struct lang_range *r = &req.r[i];

		if (excluded(&req, r->s, r->len))
			continue;
		got = r->len == 1 && r->s[0] == '*'
			      ? wildcard_pick(&req, default_index)
			      : range_lookup(&req, r);
		if (got != LANG_NONE)
			return got;
	}
	return default_index;
}

/* 5 to 8 letters and digits, or a digit and 3 (RFC 5646 2.2.5). */
static bool
variant_ok(const char *p, size_t n)
{
	return ((n >= 5 && n <= 8) || (n == 4 && is_digit(p[0]))) &&
	       all_of(p, n, is_alnum);
}

bool
lang_tag_valid(const char *tag)
{
	const char *p, *end;
	size_t len, n;
	bool script = false, region = false, variant = false;

	if (tag == NULL || (len = strnlen(tag, LANG_TAG_MAX + 1)) == 0 ||
	    len > LANG_TAG_MAX)
		return false;
	end = tag + len;
	n = subtag_len(tag, end);
	if (n < 2 || n > 3 || !all_of(tag, n, is_alpha))
		return false;
	for (p = tag + n; p < end; p += n) {
		n = subtag_len(++p, end);
		if (n == 0)
			return false;
		if (!script && !region && !variant && n == 4 &&
		    all_of(p, n, is_alpha)) {
			script = true;
		} else if (!region && !variant &&
			   ((n == 2 && all_of(p, n, is_alpha)) ||
			    (n == 3 && all_of(p, n, is_digit)))) {
			region = true;
		} else if (variant_ok(p, n)) {
			variant = true;
		} else {
			return false;
		}
	}
	return true;
}
