/* SPDX-License-Identifier: MIT */
/* Small shared helpers: checked string copies, a growable byte buffer, number
 * parsing, escaping. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int
str_copy(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (dstlen == 0)
		return -1;
	if (n >= dstlen) {
		memcpy(dst, src, dstlen - 1);
		dst[dstlen - 1] = '\0';
		return -1;
	}
	memcpy(dst, src, n + 1);
	return 0;
}

int
str_printf(char *dst, size_t dstlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, dstlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= dstlen)
		return -1;
	return 0;
}

void
err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	/* A truncated reason is still the best we have. */
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
parse_ulong(const char *s, unsigned long min, unsigned long max,
	    unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

int
parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -1;
}

static int
buf_reserve(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > BUF_MAX || b->len > BUF_MAX - extra - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int
buf_append(struct buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	/* Format straight into the free space; measure-and-retry only when
	 * it does not fit. */
	if (b->cap == 0 && buf_reserve(b, 255) == -1)
		return -1;
	va_copy(ap2, ap);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -1;
	if ((size_t)n >= b->cap - b->len) {
		if (buf_reserve(b, (size_t)n) == -1) {
			b->data[b->len] = '\0'; /* drop the cut attempt */
			return -1;
		}
		(void)vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
	return 0;
}

int
buf_put_ull(struct buf *b, unsigned long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

int
buf_html_escape(struct buf *b, const char *s)
{
	const char *run = s;
	const char *rep;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		if (buf_append(b, run, (size_t)(s - run)) == -1 ||
		    buf_puts(b, rep) == -1)
			return -1;
		run = s + 1;
	}
	return buf_append(b, run, (size_t)(s - run));
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one;
 * *ret_cp gets its code point. */
static size_t
utf8_decode(const unsigned char *s, uint32_t *ret_cp)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	*ret_cp = cp;
	return n;
}

/*
 * Code points that change how a line reads without being seen: C1
 * controls, bidirectional overrides and isolates (U+202E makes a
 * terminal show "gpj.exe" as "exe.jpg"), zero-width characters, line and
 * paragraph separators, the byte order mark.
 */
static bool
invisible(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x180e ||
	       (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
}

int
buf_json_string(struct buf *b, const char *s)
{
	if (buf_puts(b, "\"") == -1 || buf_json_escape(b, s) == -1)
		return -1;
	return buf_puts(b, "\"");
}

static int
escape(struct buf *b, const char *s, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	while (*p != '\0') {
		int r;
		const unsigned char *q = p;

		/* Printable ASCII needs no escaping: copy the run at once. */
		while (*q >= 0x20 && *q < 0x7f &&
		       (!json || (*q != '"' && *q != '\\')))
			q++;
		if (q != p) {
			if (buf_append(b, p, (size_t)(q - p)) == -1)
				return -1;
			p = q;
			continue;
		}
		if (json && (*p == '"' || *p == '\\'))
			r = buf_printf(b, "\\%c", *p), n = 1;
		else if (*p < 0x20 || *p == 0x7f)
			r = buf_printf(b, "\\u%04x", *p), n = 1;
		else if ((n = utf8_decode(p, &cp)) == 0)
			r = buf_printf(b, "\\u%04x", *p), n = 1;
		else if (invisible(cp))
			r = buf_printf(b, "\\u%04x", (unsigned)cp);
		else
			r = buf_append(b, p, n);
		if (r == -1)
			return -1;
		p += n;
	}
	return 0;
}

int
buf_json_escape(struct buf *b, const char *s)
{
	return escape(b, s, true);
}

int
buf_text_escape(struct buf *b, const char *s)
{
	return escape(b, s, false);
}

bool
xml_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	size_t n;

	for (; *p != '\0'; p += n) {
		if ((n = utf8_decode(p, &cp)) == 0)
			return false;
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
		    cp == 0xFFFE || cp == 0xFFFF)
			return false;
	}
	return true;
}

const char *
text_unsafe(const char *s, size_t *ret_off)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *why = NULL;
	uint32_t cp;
	size_t n;

	for (; *p != '\0'; p += n) {
		if ((n = utf8_decode(p, &cp)) == 0)
			why = "not UTF-8";
		else if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp < 0xa0))
			why = "a control character";
		else if (cp == 0x2028 || cp == 0x2029)
			why = "a Unicode line separator";
		else if ((cp >= 0x202a && cp <= 0x202e) ||
			 (cp >= 0x2066 && cp <= 0x2069))
			why = "a bidi override, embedding or isolate";
		else if (cp == 0xfffe || cp == 0xffff)
			why = "a Unicode noncharacter";
		if (why != NULL) {
			*ret_off = (size_t)(p - (const unsigned char *)s);
			return why;
		}
	}
	return NULL;
}

char *
buf_steal(struct buf *b, size_t *ret_len)
{
	char *p = b->data;

	if (ret_len != NULL)
		*ret_len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int
time_rfc3339(char *dst, size_t dstlen, long long t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL)
		return -1;
	if (strftime(dst, dstlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}

int
file_read(const char *path, size_t max, struct buf *out, char *err,
	  size_t errlen)
{
	struct stat st;
	size_t size, got = 0;
	char extra;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) ==
	    -1) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if ((unsigned long long)st.st_size > max) {
		err_set(err, errlen, "%s: larger than %zu bytes", path, max);
		goto fail;
	}
	size = (size_t)st.st_size;
	if ((out->data = malloc(size + 1)) == NULL) {
		err_set(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	out->cap = size + 1;
	while (got < size) {
		if ((n = read(fd, out->data + got, size - got)) <= 0) {
			err_set(err, errlen, "%s: %s", path,
				n == 0 ? "shorter than it was a moment ago"
				       : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	/* A file still growing is being written: better the next reload. */
	if (read(fd, &extra, 1) != 0) {
		err_set(err, errlen, "%s: changed while it was read", path);
		goto fail;
	}
	out->data[got] = '\0';
	out->len = got;
	close(fd);
	return 0;
fail:
	if (out->data != NULL)
		explicit_bzero(out->data, got);
	buf_free(out);
	close(fd);
	return -1;
}

const void *
mem_find(const void *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	const unsigned char *p = hay, *end = p + len;

	for (; n <= (size_t)(end - p); p++) {
		p = memchr(p, needle[0], (size_t)(end - p) - n + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, n) == 0)
			return p;
	}
	return NULL;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
url_escape_value(const char *p)
{
	int hi, lo;

	if (p[0] != '%' || (hi = hex_value(p[1])) < 0 ||
	    (lo = hex_value(p[2])) < 0)
		return -1;
	return hi * 16 + lo;
}

int
url_path_decode(const char *src, char *dst, size_t dstlen)
{
	size_t n = 0;

	for (const char *p = src; *p != '\0'; p++) {
		int ch = (unsigned char)*p;

		if (ch == '%') {
			if ((ch = url_escape_value(p)) < 0)
				return -1;
			if (ch == '/' || ch == 0)
				return -1;
			p += 2;
		} else if (ch == '?' || ch == '#') {
			return -1;
		}
		if (ch < 0x20 || ch == 0x7f || n + 1 >= dstlen)
			return -1;
		dst[n++] = (char)ch;
	}
	if (n >= dstlen)
		return -1;
	dst[n] = '\0';
	return 0;
}
