/* SPDX-License-Identifier: MIT */
/* Conditional requests and content negotiation: which form of an entry a
 * request gets (gzip or not), and whether the copy it holds is current. */
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

/* RFC 9110 13.1.2: weak comparison, a list of tags, or "*". */
static bool
etag_matches(const char *header, const char *etag)
{
	const char *p = header;
	size_t elen = strlen(etag);

	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		n = strcspn(p, ",");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == elen && memcmp(p, etag, n) == 0)
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

/* RFC 9110 13.1.3: only without If-None-Match (the caller's test), only
 * for an entry with a Last-Modified, only for a valid date. */
static bool
not_modified_since(struct MHD_Connection *c, const struct catalog_entry *e)
{
	const char *ims;
	long long t;

	if (e->last_modified == 0)
		return false;
	ims = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					  MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
	return ims != NULL &&
	       (t = http_date_parse(ims, (long long)time(NULL))) != -1 &&
	       e->last_modified <= t;
}

bool
http_not_modified(struct MHD_Connection *c, const struct catalog_entry *e,
		  bool gz)
{
	const char *inm = MHD_lookup_connection_value(
		c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);

	return inm != NULL ? etag_matches(inm, gz ? e->gz_etag : e->etag)
			   : not_modified_since(c, e);
}
