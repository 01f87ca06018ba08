/* SPDX-License-Identifier: MIT */
/* What a request must look like before it is routed: the request line and
 * the header fields as libmicrohttpd 0.9.75 hands them over, and how the
 * message is framed. docs/http.md says what libmicrohttpd decides first. */
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

/*
 * libmicrohttpd 0.9.75 parses the request line in place: the method starts
 * the line, the space after it becomes the method's NUL, and the target
 * starts right after (extra spaces are skipped). So the method is whole
 * only when the target starts one byte after its strlen(): a NUL inside
 * the method ("GET\0junk") leaves a gap, and so does a second space.
 * Only the addresses are compared; nothing between them is read.
 */
bool
http_method_ok(const char *method, const char *url)
{
	size_t n = strlen(method);

	return is_token(method, n) && url == method + n + 1;
}

void
http_method_for_log(char *dst, size_t dstlen, const char *method,
		    const char *url)
{
	size_t n = strlen(method), i;
	uintptr_t m = (uintptr_t)method, u = (uintptr_t)url;

	if (dstlen == 0)
		return;
	/* The raw method, NULs included, when the line is laid out as
	 * above; bad bytes become '?' so no log line carries them. */
	if (u > m && u - m - 1 > n && u - m - 1 < dstlen)
		n = u - m - 1;
	if (n > dstlen - 1)
		n = dstlen - 1;
	for (i = 0; i < n; i++)
		dst[i] = is_tchar((unsigned char)method[i]) ? method[i] : '?';
	dst[n] = '\0';
}

/*
 * The raw target, from the URI log callback (before libmicrohttpd splits
 * off the query): origin-form (RFC 9112 3.2.1) only, and no control byte,
 * space or DEL anywhere in it.
 */
bool
http_target_ok(const char *raw)
{
	const unsigned char *p = (const unsigned char *)raw;

	if (p == NULL || *p != '/')
		return false;
	for (; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* The target ends where the version begins, one byte after the raw
 * target's strlen() (the space turned NUL): a NUL inside the target
 * leaves a gap. Addresses only, as in http_method_ok(). */
bool
http_target_whole(const char *raw, size_t rawlen, const char *url,
		  const char *version)
{
	return raw != NULL && raw == url && version == raw + rawlen + 1;
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
	uintptr_t start; /* the header section, as libmicrohttpd read it */
	uintptr_t end;
	uintptr_t next; /* where the next field line must start */
};

/* Is [p, p + n) inside the header section? */
static bool
inside(const struct scan *sc, const char *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	return a >= sc->start && a <= sc->end && n <= sc->end - a;
}

/*
 * libmicrohttpd 0.9.75 parses the header section in place: each field
 * line becomes name, NUL (the colon), optional SP/HTAB, value, NUL NUL
 * (the CRLF), and the next line starts right after. Walking the fields
 * in order and requiring exactly that finds what its C strings hide: a
 * NUL inside a value (the value ends early), a bare LF (one NUL, not
 * two), an obs-fold (0.9.75 appends the continuation to the name, which
 * moves it out of the section), and a line it dropped.
 */
static bool
field_in_place(struct scan *sc, const char *key, size_t key_size,
	       const char *value, size_t value_size)
{
	const char *p;

	if ((uintptr_t)key != sc->next || !inside(sc, key, key_size + 1) ||
	    key[key_size] != '\0')
		return false;
	for (p = key + key_size + 1; p != value; p++)
		if (!inside(sc, p, 1) || (*p != ' ' && *p != '\t'))
			return false;
	if (!inside(sc, value, value_size + 2) || value[value_size] != '\0' ||
	    value[value_size + 1] != '\0')
		return false;
	sc->next = (uintptr_t)value + value_size + 2;
	return true;
}

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
	if (value == NULL || !is_token(key, key_size) || has_ctl(value) ||
	    !field_in_place(sc, key, key_size, value, value_size)) {
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
http_check_headers(struct MHD_Connection *c, const char *method,
		   const char *version)
{
	const union MHD_ConnectionInfo *ci;
	struct scan sc = {.result = HTTP_FRAMING_NONE};
	const char *p;

	/* The section runs from the method to the end of the empty line;
	 * the request line ends with the version (8 bytes, checked by
	 * libmicrohttpd) and its CRLF. */
	ci = MHD_get_connection_info(c,
				     MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	if (ci == NULL || (uintptr_t)version < (uintptr_t)method)
		return HTTP_FRAMING_BAD;
	sc.start = (uintptr_t)method;
	sc.end = (uintptr_t)method + ci->header_size;
	if (!inside(&sc, version, 10) || version[8] != '\0' ||
	    version[9] != '\0')
		return HTTP_FRAMING_BAD;
	sc.next = (uintptr_t)version + 10;
	(void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, scan_header, &sc);
	if (sc.result != HTTP_FRAMING_NONE)
		return sc.result;
	/* Then the empty line, and nothing libmicrohttpd skipped. */
	p = (const char *)sc.next;
	if (sc.end - sc.next != 2 || p[0] != '\0' || p[1] != '\0')
		return HTTP_FRAMING_BAD;
	return sc.body ? HTTP_FRAMING_BODY : HTTP_FRAMING_NONE;
}
