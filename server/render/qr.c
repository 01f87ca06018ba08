/* SPDX-License-Identifier: MIT */
/* QR codes (libqrencode) drawn as one-path SVG without inline styles. */
#include "render/render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <qrencode.h>

/* A URL to scan; version 40 at level M holds 2331 bytes, we stop well short. */
#define QR_MAX_TEXT 2000
/* ISO/IEC 18004 asks for 4 light modules around the symbol. */
#define QR_QUIET 4
/* Pixels per module for the intrinsic size; the viewBox lets CSS scale it. */
#define QR_PX 6

static int
check_text(const char *text, char *err, size_t errlen)
{
	size_t len;

	if (text == NULL || text[0] == '\0') {
		err_set(err, errlen, "qr: empty text");
		return -1;
	}
	if ((len = strlen(text)) > QR_MAX_TEXT) {
		err_set(err, errlen, "qr: text is %zu bytes (at most %d)", len,
			QR_MAX_TEXT);
		return -1;
	}
	/* A URL has no business with any control character at all. */
	if (!xml_text_ok(text) || strpbrk(text, "\t\n\r\x7f") != NULL) {
		err_set(err, errlen,
			"qr: text is not valid UTF-8 "
			"(or holds control characters)");
		return -1;
	}
	return 0;
}

/*
 * Every horizontal run of dark modules as one closed rectangle; a single
 * path keeps the file small and leaves no hairlines between modules.
 */
static int
put_runs(struct buf *b, const QRcode *q)
{
	const unsigned char *row;
	int x, y, start;

	for (y = 0; y < q->width; y++) {
		row = q->data + (size_t)y * (size_t)q->width;
		x = 0;
		while (x < q->width) {
			/* bit 0 is the module's colour: 1 = dark */
			if ((row[x] & 1) == 0) {
				x++;
				continue;
			}
			start = x;
			while (x < q->width && (row[x] & 1) != 0)
				x++;
			if (buf_printf(b, "M%d %dh%dv1h-%dz", start + QR_QUIET,
				       y + QR_QUIET, x - start,
				       x - start) == -1)
				return -1;
		}
	}
	return 0;
}

/* Presentation attributes only: the page's CSP forbids inline styles. */
static int
put_svg(struct buf *b, const QRcode *q, const char *text)
{
	int size = q->width + 2 * QR_QUIET;

	if (buf_printf(b,
		       "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		       "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		       "shape-rendering=\"crispEdges\" role=\"img\" "
		       "aria-label=\"",
		       size * QR_PX, size * QR_PX, size, size) == -1 ||
	    buf_html_escape(b, text) == -1 ||
	    buf_puts(b, "\">\n<title>") == -1 ||
	    buf_html_escape(b, text) == -1 ||
	    buf_printf(b,
		       "</title>\n"
		       "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n"
		       "<path fill=\"#000\" d=\"",
		       size, size) == -1 ||
	    put_runs(b, q) == -1 || buf_puts(b, "\"/>\n</svg>\n") == -1)
		return -1;
	return 0;
}

int
qr_svg(const char *text, struct buf *out, char *err, size_t errlen)
{
	struct buf b = {0};
	QRcode *q;
	int ret = -1;

	if (check_text(text, err, errlen) == -1)
		return -1;
	errno = 0;
	if ((q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL) {
		err_set(err, errlen, "qr: cannot encode %zu bytes: %s",
			strlen(text),
			errno == ERANGE	  ? "too long for a QR code"
			: errno == ENOMEM ? "out of memory"
					  : "invalid input");
		return -1;
	}
	/* out only ever receives a whole image */
	if (put_svg(&b, q, text) == -1 || buf_append(out, b.data, b.len) == -1)
		err_set(err, errlen, "qr: out of memory");
	else
		ret = 0;
	QRcode_free(q);
	buf_free(&b);
	return ret;
}
