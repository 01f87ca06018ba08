/* SPDX-License-Identifier: MIT */
/* Inside the http module: the live site (config + catalog + prepared
 * responses). */
#ifndef CERTPOST_HTTP_INT_H
#define CERTPOST_HTTP_INT_H

#include <stdatomic.h>

#include <microhttpd.h>

#include "catalog.h"
#include "config.h"

enum site_error {
	SITE_400,
	SITE_403,
	SITE_404,
	SITE_405,
	SITE_413,
	SITE_ERROR_COUNT
};

/*
 * What a request is answered from. Responses are built once, when the
 * site is made, and queued as they are on every request (libmicrohttpd
 * reference-counts them), so the request path allocates no response.
 */
struct site {
	atomic_uint refs;
	struct config *cfg;
	struct catalog *cat;
	size_t n;
	struct MHD_Response **full;   /* per catalog entry */
	struct MHD_Response **notmod; /* per catalog entry, 304 */
	struct MHD_Response *errors[SITE_ERROR_COUNT];
	long long built;
};

/* Takes ownership of cfg and cat (freed on failure too). refs = 1. */
struct site *site_new(struct config *cfg, struct catalog *cat, char *err,
		      size_t errlen);
/* Drops one reference; the last one frees everything. Accepts NULL. */
void site_unref(struct site *s);
/* Adds the headers every response carries. */
int site_common_headers(struct MHD_Response *r, const char *csp);
/* HTTP status of a prepared error. */
unsigned site_error_status(enum site_error e);

#endif
