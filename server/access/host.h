/* SPDX-License-Identifier: MIT */
/* The names this server answers to: the Host check that stops DNS
 * rebinding. */
#ifndef CERTPOST_HOST_H
#define CERTPOST_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "acl.h"
#include "util.h"

/* Names and literal addresses one server may be reached by. */
#define HOST_MAX 64
/* RFC 1035: 253 characters of text, plus the NUL. */
#define HOST_NAME_LEN 254

/*
 * What a Host header may name: DNS names (lower case, no trailing dot,
 * "*.example.org" for any name below example.org) and IP addresses. A
 * wildcard listener (0.0.0.0, [::]) reaches every address of the machine,
 * so it makes any IP literal acceptable: a rebinding page is always on a
 * DNS name, never on an address, so an address in Host is never an
 * attacker's origin.
 */
struct host_names {
	char names[HOST_MAX][HOST_NAME_LEN];
	size_t nnames;
	struct acl_addr addrs[HOST_MAX];
	size_t naddrs;
	bool any_address;
};

/*
 * Checks one configured name: a DNS name (letters, digits, '-', '_',
 * labels of 1..63, at most 253 in all, one optional trailing dot), the
 * same with a leading "*." wildcard, or an IP address (IPv6 with or
 * without brackets). Writes its canonical form (lower case, no trailing
 * dot, addresses as acl_addr_format() writes them) into norm. Returns 0,
 * or -1 with a reason in err.
 */
int host_name_parse(const char *text, char *norm, size_t normlen, char *err,
		    size_t errlen);

/*
 * Finds the host of an http:// or https:// URL ("http://[::1]:80/x" gives
 * "::1") and checks the whole URL for what may appear in a link, a JSON
 * string and a header without escaping surprises: printable ASCII, no
 * space, quote, backslash, angle bracket, backtick, query or fragment, and
 * a port of 1..65535 when given. Returns 0 with the host (as
 * host_name_parse() normalises it) in host, or -1 with a reason.
 */
int host_from_url(const char *url, char *host, size_t hostlen, char *err,
		  size_t errlen);

/* Adds a name in host_name_parse() form (an address goes to addrs).
 * Duplicates are kept once. Returns 0, or -1 with a reason when full. */
int host_names_add(struct host_names *hn, const char *norm, char *err,
		   size_t errlen);

/* Adds a listen address; the unspecified address sets any_address. */
void host_names_add_addr(struct host_names *hn, const struct acl_addr *a);

/*
 * True when the value of a request's Host header names this server:
 * "name", "name.", "name:port", "1.2.3.4:port", "[v6]:port"; names
 * compared without regard to case. The port is not compared (the socket
 * already chose the listener). NULL, empty or malformed: false.
 */
bool host_names_match(const struct host_names *hn, const char *host);

/* Appends the accepted names and addresses, space-separated. */
int host_names_format(const struct host_names *hn, struct buf *out);

#endif
