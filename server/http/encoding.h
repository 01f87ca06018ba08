/* SPDX-License-Identifier: MIT */
/* Accept-Encoding (RFC 9110 12.5.3): whether a client takes gzip. */
#ifndef CERTPOST_ENCODING_H
#define CERTPOST_ENCODING_H

#include <stdbool.h>

/* What the Accept-Encoding lines of one request said so far. */
struct encoding_accept {
	signed char gzip; /* -1 unsaid, 0 refused (q=0), 1 accepted */
	signed char star; /* the same for "*" */
};

#define ENCODING_ACCEPT_INIT                                                   \
	{                                                                      \
		-1, -1                                                         \
	}

/*
 * Reads one Accept-Encoding field value into a. Call it for every line
 * of the field: lines combine as one list. Codings are case-insensitive;
 * "x-gzip" is gzip. An element whose weight is not a valid qvalue, or
 * that is not a token followed by parameters, is ignored. When a coding
 * is named twice, a refusal wins.
 */
void encoding_scan(struct encoding_accept *a, const char *value);

/* gzip named with q > 0, or not named and "*" with q > 0. */
bool encoding_gzip_ok(const struct encoding_accept *a);

#endif
