/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: listeners, accept policy, routing, conditional requests,
 * security headers, access log. */
#ifndef CERTPOST_HTTP_H
#define CERTPOST_HTTP_H

#include <stddef.h>

#include "catalog.h"
#include "config.h"

struct http;

/*
 * Binds every listener in cfg and starts serving cat. Takes ownership of
 * cfg (heap) and cat on success. Returns the server, or NULL with a reason.
 */
struct http *http_start(struct config *cfg, struct catalog *cat, char *err,
			size_t errlen);

/*
 * Makes cfg+cat the live snapshot (ownership taken, even on failure).
 * Requests already running finish on the old one, which is freed when its
 * last request ends. Listener differences are not applied: they are
 * described in note (empty when none) so the caller can say a restart is
 * needed. Returns 0.
 */
int http_swap(struct http *h, struct config *cfg, struct catalog *cat,
	      char *note, size_t notelen);

/* Stops accepting, lets requests in flight finish (bounded), frees all. */
void http_stop(struct http *h);

#endif
