/* SPDX-License-Identifier: MIT */
/* What a request must look like before it is routed: the request line and
 * the header fields as libmicrohttpd's API hands them over, and how the
 * message is framed. Only the documented API is read: what libmicrohttpd
 * refuses or hides before certpost sees a request differs between 0.9.75
 * and 1.0, and docs/http.md says what each does. */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

/* RFC 9110 5.6.2: tchar. */
static bool
is_tchar(unsigned char ch)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return true;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

static bool
is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

bool
http_method_ok(const char *method)
{
	return is_token(method, strlen(method));
}

/*
 * RFC 9110 9.3's methods and PATCH (RFC 5789): what an origin server is
 * expected to recognise, so 405 with Allow (9.1); anything else is a
 * method this server does not implement for any resource: 501. Methods
 * are case-sensitive ("get" is not GET).
 */
bool
http_method_known(const char *method)
{
	static const char *const known[] = {
		"GET",	   "HEAD",    "POST",  "PUT",	"DELETE",
		"CONNECT", "OPTIONS", "TRACE", "PATCH",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(method, known[i]) == 0)
			return true;
	return false;
}

void
http_method_for_log(char *dst, size_t dstlen, const char *method)
{
	size_t n = strlen(method), i;

	if (dstlen == 0)
		return;
	if (n > dstlen - 1)
		n = dstlen - 1;
	/* Bad bytes become '?' so no log line carries them. */
	for (i = 0; i < n; i++)
		dst[i] = is_tchar((unsigned char)method[i]) ? method[i] : '?';
	dst[n] = '\0';
}

/* The length of "http://" or "https://" (any case) at s, else 0. */
static size_t
scheme_len(const char *s, bool *ret_https)
{
	if (strncasecmp(s, "http://", 7) == 0) {
		*ret_https = false;
		return 7;
	}
	if (strncasecmp(s, "https://", 8) == 0) {
		*ret_https = true;
		return 8;
	}
	return 0;
}

/*
 * The raw target, from the URI log callback (before libmicrohttpd splits
 * off the query): origin-form (RFC 9112 3.2.1) or the absolute-form of an
 * http or https URI (3.2.2), and no control byte, space or DEL anywhere
 * in it.
 */
bool
http_target_ok(const char *raw)
{
	const unsigned char *p = (const unsigned char *)raw;
	bool https;

	if (p == NULL || (*p != '/' && scheme_len(raw, &https) == 0))
		return false;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

int
http_target_split(const char *url, struct http_target *ret)
{
	size_t n;

	memset(ret, 0, sizeof(*ret));
	if (url[0] == '/') {
		ret->path = url;
		return 0;
	}
	if ((n = scheme_len(url, &ret->https)) == 0)
		return -1;
	ret->absolute = true;
	ret->authority = url + n;
	ret->authority_len = strcspn(ret->authority, "/");
	/* RFC 9112 3.2.1: an empty path is "/". */
	ret->path = ret->authority[ret->authority_len] == '/'
			    ? ret->authority + ret->authority_len
			    : "/";
	return 0;
}

/* RFC 3986 2.3. */
static bool
is_unreserved(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* The unreserved character that "%XY" at p stands for, or -1 when p is
 * not such an escape (a reserved character, another byte, no escape). */
static int
escaped_unreserved(const char *p)
{
	int ch = url_escape_value(p);

	return ch >= 0 && is_unreserved(ch) ? ch : -1;
}

size_t
http_unescape_unreserved(char *s)
{
	char *w = s;

	for (const char *p = s; *p != '\0'; p++) {
		int ch = escaped_unreserved(p);

		if (ch >= 0) {
			*w++ = (char)ch;
			p += 2;
		} else {
			*w++ = *p;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* FNV-1a, 64 bits, one byte at a time: a fingerprint, not a defence
 * against a chosen collision (the client chose both strings anyway). */
#define FNV_OFFSET 0xcbf29ce484222325u

static uint64_t
fnv1a_byte(uint64_t h, unsigned char b)
{
	return (h ^ b) * 0x100000001b3u;
}

/* The raw path as http_unescape_unreserved() makes it, without a copy. */
void
http_target_sign(const char *raw, struct http_target_sig *ret)
{
	uint64_t h = FNV_OFFSET;
	size_t n = 0;

	for (const char *p = raw; *p != '\0' && *p != '?'; p++, n++) {
		int ch = escaped_unreserved(p);

		if (ch >= 0)
			p += 2;
		h = fnv1a_byte(h, (unsigned char)(ch >= 0 ? ch : *p));
	}
	ret->len = n;
	ret->hash = h;
}

/* The target was not split or rewritten anywhere between the URI log
 * callback and the handler (but by http_unescape_unreserved()). */
bool
http_target_whole(const struct http_target_sig *sig, const char *url)
{
	uint64_t h = FNV_OFFSET;
	size_t n;

	if (url == NULL)
		return false;
	n = strlen(url);
	for (size_t i = 0; i < n; i++)
		h = fnv1a_byte(h, (unsigned char)url[i]);
	return n == sig->len && h == sig->hash;
}

static bool
has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return true;
	return false;
}

/* RFC 9110 8.6: 1*DIGIT; at most 19 digits, so any value fits in 63 bits
 * and no two parsers can disagree on an overflow. */
static bool
parse_length(const char *s, unsigned long long *ret)
{
	unsigned long long v = 0;
	size_t n = 0;

	for (; n < 19 && s[n] >= '0' && s[n] <= '9'; n++)
		v = v * 10 + (unsigned)(s[n] - '0');
	if (n == 0 || s[n] != '\0')
		return false;
	*ret = v;
	return true;
}

struct scan {
	enum http_framing result;
	unsigned content_lengths;
	bool body;
};

static enum MHD_Result
scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
	    size_t key_size, const char *value, size_t value_size)
{
	struct scan *sc = cls;
	unsigned long long len;

	(void)kind;
	/*
	 * A name that is not a token ("Content-Length ", with the space
	 * before the colon that libmicrohttpd keeps) is a header some other
	 * parser may read as the real one.
	 */
	if (value == NULL || !is_token(key, key_size) ||
	    strlen(key) != key_size || strlen(value) != value_size ||
	    has_ctl(value)) {
		sc->result = HTTP_FRAMING_BAD;
		return MHD_NO;
	}
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		/* libmicrohttpd frames by the first and never looks at a
		 * second; RFC 9112 6.3 would allow collapsing equal ones,
		 * but no client sends two, so any second one is refused. */
		if (++sc->content_lengths > 1 || !parse_length(value, &len)) {
			sc->result = HTTP_FRAMING_BAD;
			return MHD_NO;
		}
		sc->body = sc->body || len > 0;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		/* Nothing here reads a body, and a coding is one more way
		 * for two parsers to disagree on where this request ends. */
		sc->result = HTTP_FRAMING_BAD;
		return MHD_NO;
	}
	return MHD_YES;
}

enum http_framing
http_check_headers(struct MHD_Connection *c)
{
	struct scan sc = {.result = HTTP_FRAMING_NONE};

	(void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, scan_header, &sc);
	if (sc.result != HTTP_FRAMING_NONE)
		return sc.result;
	return sc.body ? HTTP_FRAMING_BODY : HTTP_FRAMING_NONE;
}

/*
 * A connection's memory (connection_memory, M) holds, for the whole
 * request, the head libmicrohttpd read, an entry per field and per cookie,
 * and a copy of the Cookie field; what is left must hold the response's
 * header, or libmicrohttpd closes the connection without a reply
 * (connection.c, build_header_response() failing in START_REPLY). A head of
 * at most M/4 bytes with at most M/256 fields and cookies together takes at
 * most M/4 + M/4 + M/4 (libmicrohttpd's entries are 64 bytes with their
 * alignment), so M/4 is always left for the reply: these are certpost's
 * limits, refused with one 431 while there is room to say so.
 */
bool
http_head_fits(struct MHD_Connection *c, unsigned memory)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	int n = MHD_get_connection_values(
		c, (enum MHD_ValueKind)(MHD_HEADER_KIND | MHD_COOKIE_KIND),
		NULL, NULL);

	return ci != NULL && ci->header_size <= memory / HTTP_HEAD_SHARE &&
	       n >= 0 && (unsigned)n <= memory / HTTP_FIELD_COST;
}
