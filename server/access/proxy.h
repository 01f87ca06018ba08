/* SPDX-License-Identifier: MIT */
/* Finding the real client behind trusted reverse proxies (RFC 7239 Forwarded,
 * X-Forwarded-For). */
#ifndef CERTPOST_PROXY_H
#define CERTPOST_PROXY_H

#include <stddef.h>

#include "acl.h"

/* Most hops we will walk in one header chain; more is an error. */
#define PROXY_MAX_HOPS 32

/* The one header a trusted proxy's word is taken from ([access]
 * proxy_header), as nginx's real_ip_header: the other is ignored. */
enum proxy_header { PROXY_X_FORWARDED_FOR, PROXY_FORWARDED };

/* "X-Forwarded-For" or "Forwarded". */
const char *proxy_header_name(enum proxy_header which);

/*
 * Decides who the client is. peer is the TCP peer. When peer is not in
 * trusted, or value is NULL (the header is absent), the client is peer.
 * Otherwise value, the header `which` (several header lines already
 * joined with ", "), is walked from the right: each hop that is itself in
 * trusted is skipped, and the first one that is not is the client. When
 * every hop is trusted, the leftmost one is the client.
 *
 * Forwarded: only the for= parameter is used; values may be quoted, IPv6
 * must be bracketed ("[2001:db8::1]"), an optional :port is ignored;
 * "unknown" or an obfuscated identifier (_abc) as the hop we would pick is
 * an error. X-Forwarded-For: comma-separated bare addresses (IPv6 without
 * brackets; a bracketed form with optional port is tolerated).
 *
 * Returns 0 and fills *ret_client, or -1 with a reason in err when the
 * believed header is malformed (the caller answers 400).
 */
int proxy_client(const struct acl *trusted, const struct acl_addr *peer,
		 enum proxy_header which, const char *value,
		 struct acl_addr *ret_client, char *err, size_t errlen);

#endif
