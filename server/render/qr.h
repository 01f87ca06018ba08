/* SPDX-License-Identifier: MIT */
/* QR codes (libqrencode) drawn as SVG. */
#ifndef CERTPOST_QR_H
#define CERTPOST_QR_H

#include <stddef.h>

#include "util.h"

/*
 * Encodes text (a URL) at error-correction level M and writes a standalone
 * SVG (black modules as one path, 4-module quiet zone, scalable viewBox,
 * role="img" with an aria-label naming the URL) into out.
 * Returns 0, or -1 with a reason.
 */
int qr_svg(const char *text, struct buf *out, char *err, size_t errlen);

#endif
