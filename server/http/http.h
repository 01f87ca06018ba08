/* SPDX-License-Identifier: MIT */
/* http/: The libmicrohttpd glue: listeners, connections, the request path,
 * conditional requests, encoding, the TLS listener. The folder's whole surface.
 */
#ifndef CERTPOST_HTTP_H
#define CERTPOST_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "config/config.h"

/* encoding: Accept-Encoding (RFC 9110 12.5.3): whether a client takes gzip. */

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

/* http: libmicrohttpd glue: listeners, accept policy, routing, conditional
 * requests, security headers, access log. */

struct http;

/*
 * Binds every listener of cfg and reads the TLS files; nothing is served
 * yet. cfg's listener addresses are rewritten to what was bound (port 0
 * becomes the real port), so the catalog built from cfg names addresses
 * that work. Returns the server, or NULL with a reason.
 */
struct http *http_bind(struct config *cfg, char *err, size_t errlen);

/* Starts serving cfg+cat on the bound sockets; takes ownership of both,
 * even on failure. Returns 0, or -1 with a reason. */
int http_serve(struct http *h, struct config *cfg, struct catalog *cat,
	       char *err, size_t errlen);

/*
 * For a reload, before the catalog is built: describes in note (empty
 * when none) what in cfg differs from the running listeners, TLS files,
 * threads and connection limits (those need a restart), then puts the
 * running values into cfg so the new snapshot tells the truth.
 */
void http_adopt(const struct http *h, struct config *cfg, char *note,
		size_t notelen);

/*
 * Makes cfg+cat the live snapshot (ownership taken, even on failure).
 * Requests already running finish on the old one, which is freed when its
 * last request ends. Returns 0, or -1 with the reason in err.
 */
int http_swap(struct http *h, struct config *cfg, struct catalog *cat,
	      char *err, size_t errlen);

/*
 * For --check-config: prepares every response of cfg+cat as a start
 * would (ownership taken, even on failure) and frees them. Returns 0, or
 * -1 with the reason a start would fail with.
 */
int http_check(struct config *cfg, struct catalog *cat, char *err,
	       size_t errlen);

/* Stops accepting, lets requests in flight finish (bounded), frees all.
 * Accepts NULL and a server that was bound but never served. */
void http_stop(struct http *h);
/* The snapshot being served, for the next build to keep what it must
 * (catalog_build()'s prev). Main thread only: it is the one that swaps,
 * so the snapshot stays until its next http_swap(). */
const struct catalog *http_live_catalog(struct http *h);
/* Once a second, from the main loop: shuts down every connection whose
 * request head is late (header_timeout). */
void http_tick(struct http *h);

#endif
