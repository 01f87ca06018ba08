/* SPDX-License-Identifier: MIT */
/* Small shared helpers: checked string copies, a growable byte buffer, number
 * parsing, escaping. */
#ifndef CERTPOST_UTIL_H
#define CERTPOST_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Copies src into dst (size dstlen, always NUL-terminated when dstlen > 0).
 * Returns 0, or -1 when src did not fit (dst then holds a truncated copy).
 */
int str_copy(char *dst, size_t dstlen, const char *src);

/* snprintf that returns 0, or -1 on truncation or encoding error. */
int str_printf(char *dst, size_t dstlen, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Writes a one-line reason into err (may be NULL or errlen 0); never fails. */
void err_set(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);

/*
 * Parses a whole string as an unsigned decimal in [min, max]: no sign, no
 * leading space, no trailing garbage, no empty string. Returns 0 and sets
 * *ret, or -1 (ret untouched).
 */
int parse_ulong(const char *s, unsigned long min, unsigned long max,
		unsigned long *ret);

/* Parses yes/no/true/false/on/off/1/0. Returns 0 and sets *ret, or -1. */
int parse_bool(const char *s, bool *ret);

/*
 * A growable byte buffer, always NUL-terminated after data[len] once
 * anything was appended. Initialise with `struct buf b = {0};`.
 * Appends return 0, or -1 on allocation failure or when the buffer would
 * exceed BUF_MAX; after a failure the buffer stays valid (not truncated
 * mid-append) and buf_free() still works.
 */
#define BUF_MAX (64u * 1024u * 1024u)
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
/* Appends v in decimal, without printf. */
int buf_put_ull(struct buf *b, unsigned long long v);
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
/* Appends s with & < > " ' escaped for HTML/XML text and attributes. */
int buf_html_escape(struct buf *b, const char *s);
/* Appends s as a JSON string with the quotes; control bytes and invalid
 * UTF-8 bytes are escaped as \u00XX so the output is always valid JSON,
 * and so are code points that change how text reads without showing (C1
 * controls, bidi overrides and isolates, zero-width characters, U+2028,
 * U+2029, BOM), so a log line shows what was sent. */
int buf_json_string(struct buf *b, const char *s);
/* The same escaping without the quotes. */
int buf_json_escape(struct buf *b, const char *s);
/* The same, but '"' and '\\' kept as they are: for the text log's
 * messages, readable, and no byte can forge a line or hide text. */
int buf_text_escape(struct buf *b, const char *s);
/* True when s is UTF-8 that XML 1.0 can carry: no overlong forms,
 * surrogates, code points past U+10FFFF, U+FFFE/U+FFFF, and no control
 * characters but tab, LF and CR. */
bool xml_text_ok(const char *s);
/*
 * Checks that s is text every output certpost writes can carry once
 * escaped: UTF-8 as xml_text_ok() wants it, no control character but tab
 * (C0, DEL, C1), no U+2028/U+2029 line separator, and no bidi embedding,
 * override or isolate (U+202A..U+202E, U+2066..U+2069), which make a log
 * line or a name on a screen read differently from its bytes. Returns
 * NULL, or what is wrong with *ret_off the byte offset of the first
 * offending byte.
 */
const char *text_unsafe(const char *s, size_t *ret_off);
/* The first needle (a C string, not empty) in the len bytes at hay, or
 * NULL: memmem() without the GNU extension. */
const void *mem_find(const void *hay, size_t len, const char *needle);
/* Hands the bytes to the caller (caller frees) and resets b. May be NULL
 * when nothing was appended. */
char *buf_steal(struct buf *b, size_t *ret_len);
/* Frees the bytes; accepts a zeroed or already-freed buffer. */
void buf_free(struct buf *b);

/*
 * Reads the whole regular file at path into out, which must be empty.
 * Opened non-blocking, so a FIFO or device put where a file was never
 * hangs the caller; anything but a regular file of at most max bytes is
 * refused. The bytes go straight from read(2) into out's one allocation
 * (no stdio buffer, no regrowth), so a caller holding a secret can wipe
 * every copy. Returns 0, or -1 with a reason naming path (out then
 * empty and wiped).
 */
int file_read(const char *path, size_t max, struct buf *out, char *err,
	      size_t errlen);

/* Formats t (UTC) as RFC 3339, e.g. 2026-11-26T12:00:00Z. */
int time_rfc3339(char *dst, size_t dstlen, long long t);

/*
 * Percent-decodes a URL path (RFC 3986 2.1) into dst: each %XX becomes its
 * byte, everything else is copied. Returns 0, or -1 for a malformed
 * escape, an escaped '/' or NUL (they would change what the path means),
 * a control byte, '?' or '#' (no query or fragment), or no room.
 */
int url_path_decode(const char *src, char *dst, size_t dstlen);
/* The byte a "%XY" escape at p stands for, or -1 when p holds none. */
int url_escape_value(const char *p);

#endif
