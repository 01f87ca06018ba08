/* SPDX-License-Identifier: MIT */
/* A ready-to-send e-mail for the helpdesk, built with the snapshot. */
#include "render/render.h"

#include <string.h>

#include <openssl/evp.h>

/* Base64 never holds '-' or '_', so this cannot occur in a part. */
#define BOUNDARY_MIXED "=_certpost_mixed_1"
#define BOUNDARY_ALT "=_certpost_alt_1"
/* RFC 2045 6.8: encoded lines of at most 76 characters. */
#define B64_LINE_BYTES 57

/* Appends data as base64 in lines of 76 characters, each ending CRLF. */
static int
put_base64(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned char line[80];

	while (len > 0) {
		size_t n = len < B64_LINE_BYTES ? len : B64_LINE_BYTES;
		int m = EVP_EncodeBlock(line, p, (int)n);

		if (m < 0 || buf_append(out, line, (size_t)m) == -1 ||
		    buf_puts(out, "\r\n") == -1)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static bool
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* RFC 2047 encoded-word for a subject that is not plain ASCII. */
static int
put_subject(struct buf *out, const char *subject)
{
	unsigned char enc[1024];
	size_t len = strlen(subject);

	if (plain_ascii(subject))
		return buf_printf(out, "Subject: %s\r\n", subject);
	/* An encoded-word holds at most 75 characters (RFC 2047 2) and a
	 * line 76: 39 bytes make 52 base64 characters, 73 with
	 * "Subject: =?UTF-8?B?" and "?=". Longer subjects get several words,
	 * cut on UTF-8 boundaries (bytes that are not UTF-8 cut anywhere,
	 * never before the first). */
	if (buf_puts(out, "Subject:") == -1)
		return -1;
	while (len > 0) {
		size_t n = len < 39 ? len : 39;
		int m;

		while (n > 1 && n < len &&
		       ((unsigned char)subject[n] & 0xc0) == 0x80)
			n--;
		m = EVP_EncodeBlock(enc, (const unsigned char *)subject,
				    (int)n);
		if (m < 0 || buf_printf(out, " =?UTF-8?B?%.*s?=\r\n", m,
					(const char *)enc) == -1)
			return -1;
		subject += n;
		len -= n;
	}
	return 0;
}

/* The text as HTML: escaped, one paragraph per blank-line block, a line
 * that is a URL made a link. */
static int
text_html(const char *text, struct buf *out)
{
	struct buf line = {0};
	int r = buf_puts(out,
			 "<!doctype html><html><head><meta charset=\"utf-8\">"
			 "</head><body><p>");

	while (r == 0 && *text != '\0') {
		size_t n = strcspn(text, "\n");
		const char *s;

		buf_free(&line);
		r |= buf_append(&line, text, n);
		r |= buf_append(&line, "", 0);
		s = line.data;
		while (*s == ' ')
			s++;
		if (n == 0)
			r |= buf_puts(out, "</p><p>");
		else if (strncmp(s, "http://", 7) == 0 ||
			 strncmp(s, "https://", 8) == 0) {
			r |= buf_puts(out, "<a href=\"");
			r |= buf_html_escape(out, s);
			r |= buf_puts(out, "\">");
			r |= buf_html_escape(out, s);
			r |= buf_puts(out, "</a><br>");
		} else {
			r |= buf_html_escape(out, line.data);
			r |= buf_puts(out, "<br>");
		}
		text += n + (text[n] == '\n');
	}
	r |= buf_puts(out, "</p></body></html>\n");
	buf_free(&line);
	return r == 0 ? 0 : -1;
}

static int
put_part(struct buf *out, const char *boundary, const char *headers,
	 const void *data, size_t len)
{
	if (buf_printf(out,
		       "--%s\r\n%sContent-Transfer-Encoding: base64\r\n\r\n",
		       boundary, headers) == -1)
		return -1;
	return put_base64(out, data, len);
}

int
mail_draft(const char *subject, const char *text,
	   const struct mail_attachment *att, size_t natt, struct buf *out,
	   char *err, size_t errlen)
{
	struct buf html = {0}, h = {0};
	int r = 0;

	r |= buf_puts(out, "X-Unsent: 1\r\n");
	r |= put_subject(out, subject);
	r |= buf_puts(
		out,
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"" BOUNDARY_MIXED
		"\"\r\n\r\n"
		"This is a MIME message.\r\n\r\n"
		"--" BOUNDARY_MIXED "\r\n"
		"Content-Type: multipart/alternative; boundary=\"" BOUNDARY_ALT
		"\"\r\n\r\n");
	r |= text_html(text, &html);
	r |= put_part(out, BOUNDARY_ALT,
		      "Content-Type: text/plain; charset=utf-8\r\n", text,
		      strlen(text));
	r |= put_part(out, BOUNDARY_ALT,
		      "Content-Type: text/html; charset=utf-8\r\n", html.data,
		      html.len);
	r |= buf_puts(out, "--" BOUNDARY_ALT "--\r\n\r\n");
	for (size_t i = 0; i < natt && r == 0; i++) {
		buf_free(&h);
		r |= buf_printf(&h,
				"Content-Type: %s; name=\"%s\"\r\n"
				"Content-Disposition: attachment; "
				"filename=\"%s\"\r\n",
				att[i].type, att[i].name, att[i].name);
		r |= put_part(out, BOUNDARY_MIXED, h.data, att[i].data,
			      att[i].len);
	}
	r |= buf_puts(out, "--" BOUNDARY_MIXED "--\r\n");
	buf_free(&html);
	buf_free(&h);
	if (r != 0) {
		err_set(err, errlen, "helpdesk e-mail: out of memory");
		return -1;
	}
	return 0;
}
