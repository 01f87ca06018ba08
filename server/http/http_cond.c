/* SPDX-License-Identifier: MIT */
/* Conditional requests and content negotiation: which form of an entry a
 * request gets (gzip or not), and what its preconditions (If-Match,
 * If-Unmodified-Since, If-None-Match, If-Modified-Since) make of it. */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/http.h"
#include "http_int.h"

static enum MHD_Result
scan_accept_encoding(void *cls, enum MHD_ValueKind kind, const char *key,
		     const char *value)
{
	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_ACCEPT_ENCODING) == 0)
		encoding_scan(cls, value);
	return MHD_YES;
}

/* Whether the client takes gzip, every Accept-Encoding line read (a
 * lookup would see the first one only). */
bool
http_accepts_gzip(struct MHD_Connection *c)
{
	struct encoding_accept a = ENCODING_ACCEPT_INIT;

	(void)MHD_get_connection_values(c, MHD_HEADER_KIND,
					scan_accept_encoding, &a);
	return encoding_gzip_ok(&a);
}

/*
 * RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc any
 * visible byte but DQUOTE (a comma included, so a list is not split at
 * every comma). Reads one from *p; returns its length (quotes included)
 * and sets *weak, or 0 when what is there is not one.
 */
static size_t
entity_tag(const char **p, bool *weak)
{
	const char *s = *p;
	size_t n = 1;

	*weak = s[0] == 'W' && s[1] == '/';
	if (*weak)
		s += 2;
	if (s[0] != '"')
		return 0;
	for (; s[n] != '"'; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (ch < 0x21 || ch == 0x7f)
			return 0;
	}
	*p = s;
	return n + 1;
}

/*
 * Whether one line of If-Match or If-None-Match ("*" / #entity-tag)
 * names etag (ours: always strong). strong: RFC 9110 8.8.3.2's strong
 * comparison (a weak tag never matches), else the weak one. A line that
 * is not such a list matches nothing from where it goes wrong.
 */
static bool
etag_listed(const char *value, const char *etag, bool strong)
{
	const char *p = value;
	size_t elen = strlen(etag);

	for (;;) {
		size_t n;
		bool weak;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return false;
		if (*p == '*')
			return true;
		if ((n = entity_tag(&p, &weak)) == 0)
			return false;
		if (n == elen && memcmp(p, etag, n) == 0 && !(strong && weak))
			return true;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != ',' && *p != '\0')
			return false;
	}
}

/* Every line of one field, read as one list (RFC 9110 5.3). */
struct tag_scan {
	const char *name;
	const char *etag;
	bool strong;
	bool seen;
	bool listed;
};

static enum MHD_Result
scan_tags(void *cls, enum MHD_ValueKind kind, const char *key,
	  const char *value)
{
	struct tag_scan *t = cls;

	(void)kind;
	if (strcasecmp(key, t->name) != 0)
		return MHD_YES;
	t->seen = true;
	t->listed = t->listed ||
		    (value != NULL && etag_listed(value, t->etag, t->strong));
	return MHD_YES;
}

/* -1: the field is absent; else whether its list names etag. */
static int
tags_name(struct MHD_Connection *c, const char *field, const char *etag,
	  bool strong)
{
	struct tag_scan t = {.name = field, .etag = etag, .strong = strong};

	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, scan_tags, &t);
	return t.seen ? t.listed : -1;
}

struct date_scan {
	const char *name;
	const char *value;
	unsigned lines;
};

static enum MHD_Result
scan_date(void *cls, enum MHD_ValueKind kind, const char *key,
	  const char *value)
{
	struct date_scan *d = cls;

	(void)kind;
	if (strcasecmp(key, d->name) == 0) {
		d->value = value;
		d->lines++;
	}
	return MHD_YES;
}

/*
 * The date in field, or -1 when there is none to read: absent, not an
 * HTTP-date, or on two lines (a list of dates is no date); RFC 9110
 * 13.1.3 and 13.1.4 say to ignore the field then, and when the entry has
 * no Last-Modified (the caller's test).
 */
static long long
field_date(struct MHD_Connection *c, const char *field)
{
	struct date_scan d = {.name = field};

	(void)MHD_get_connection_values(c, MHD_HEADER_KIND, scan_date, &d);
	if (d.lines != 1 || d.value == NULL)
		return -1;
	return http_date_parse(d.value, (long long)time(NULL));
}

/*
 * RFC 9110 13.2.2, for GET and HEAD of an entry (the only requests that
 * get here): If-Match, or without it If-Unmodified-Since, may fail the
 * request (412); then If-None-Match, or without it If-Modified-Since, may
 * make it a 304. The tags compared are those of the form that would be
 * sent (gz or not).
 */
enum http_cond
http_preconditions(struct MHD_Connection *c, const struct catalog_entry *e,
		   bool gz)
{
	const char *etag = gz ? e->gz_etag : e->etag;
	long long t;
	int r;

	if ((r = tags_name(c, MHD_HTTP_HEADER_IF_MATCH, etag, true)) == 0)
		return HTTP_COND_FAILED;
	if (r == -1 && e->last_modified != 0 &&
	    (t = field_date(c, MHD_HTTP_HEADER_IF_UNMODIFIED_SINCE)) != -1 &&
	    e->last_modified > t)
		return HTTP_COND_FAILED;
	if ((r = tags_name(c, MHD_HTTP_HEADER_IF_NONE_MATCH, etag, false)) !=
	    -1)
		return r == 1 ? HTTP_COND_NOT_MODIFIED : HTTP_COND_SEND;
	if (e->last_modified != 0 &&
	    (t = field_date(c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE)) != -1 &&
	    e->last_modified <= t)
		return HTTP_COND_NOT_MODIFIED;
	return HTTP_COND_SEND;
}
