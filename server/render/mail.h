/* SPDX-License-Identifier: MIT */
/* A ready-to-send e-mail (RFC 5322, MIME) for the helpdesk: the
 * instructions as text and HTML, the profile and the certificate
 * attached, marked as a draft. */
#ifndef CERTPOST_MAIL_H
#define CERTPOST_MAIL_H

#include <stddef.h>

#include "util.h"

/* One attachment: bytes borrowed for the call. name is a plain file name
 * (letters, digits, '.', '-', '_'), type a MIME type. */
struct mail_attachment {
	const char *name;
	const char *type;
	const void *data;
	size_t len;
};

/*
 * Writes a draft message into out: "X-Unsent: 1" (Outlook and Apple Mail
 * open such a file ready to address and send), the subject (RFC 2047
 * encoded when it is not plain ASCII), a multipart/alternative body of
 * text (UTF-8) and HTML made from it (escaped, links made clickable),
 * and the attachments, every part base64 with CRLF line ends. No From,
 * To or Date: the agent's mail program fills them in. Returns 0, or -1
 * with a reason.
 */
int mail_draft(const char *subject, const char *text,
	       const struct mail_attachment *att, size_t natt, struct buf *out,
	       char *err, size_t errlen);

#endif
