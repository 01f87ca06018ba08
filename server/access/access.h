/* SPDX-License-Identifier: MIT */
/* access/: Who may ask: address lists (CIDR), the believed proxy header, the
 * Host names, per-IP connection counting. The folder's whole surface. */
#ifndef CERTPOST_ACCESS_H
#define CERTPOST_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "util.h"

/* acl: Address lists (CIDR) for IPv4 and IPv6: strict parsing, matching,
 * private-range checks. */

#define ACL_MAX_ENTRIES 256
/* Longest text form of an address, as written by acl_addr_format(). */
#define ACL_ADDR_STRLEN 46
/* Longest text form of an entry, as written by acl_entry_format(). */
#define ACL_ENTRY_STRLEN 50

/*
 * One address. family is AF_INET (bytes[0..3] used) or AF_INET6. An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) is always stored as AF_INET:
 * that is how a dual-stack listener's peers are compared against IPv4 lists.
 */
struct acl_addr {
	int family;
	uint8_t bytes[16];
};

/* One network: addr with all host bits zero, prefix 0..32 or 0..128. */
struct acl_entry {
	struct acl_addr addr;
	unsigned prefix;
};

struct acl {
	struct acl_entry entries[ACL_MAX_ENTRIES];
	size_t n;
};

/*
 * Parses one address in canonical text form: dotted quad with no leading
 * zeros and exactly four parts, or RFC 4291 IPv6 text (no zone id).
 * Surrounding brackets are not accepted here. Mapped IPv6 becomes AF_INET.
 * Returns 0 and fills *ret, or -1 with a reason in err.
 */
int acl_addr_parse(const char *text, struct acl_addr *ret, char *err,
		   size_t errlen);

/* Converts a socket address (AF_INET or AF_INET6) to an acl_addr, mapping
 * ::ffff:a.b.c.d to IPv4. Returns 0, or -1 for another family. */
int acl_addr_from_sockaddr(const struct sockaddr *sa, struct acl_addr *ret);

/* True when a and b are the same address (family and its bytes). */
bool acl_addr_equal(const struct acl_addr *a, const struct acl_addr *b);

/* A hash of what a means (family and its bytes), mixed with seed: equal
 * addresses hash alike. FNV-1a; for tables, not for secrets. */
uint64_t acl_addr_hash(const struct acl_addr *a, uint64_t seed);

/* Writes the address as text (IPv4 dotted quad, IPv6 RFC 5952). */
void acl_addr_format(const struct acl_addr *a, char *dst, size_t dstlen);

/*
 * Parses "ADDR" or "ADDR/PREFIX". Rejects host bits set (the error names
 * the network it would be), prefix out of range or with leading zeros,
 * non-canonical IPv4 (010.0.0.1, 10.1, 0x0a000001), zone ids, empty text,
 * spaces and trailing garbage. A single address means /32 or /128.
 * Returns 0 and fills *ret, or -1 with a reason in err.
 */
int acl_entry_parse(const char *text, struct acl_entry *ret, char *err,
		    size_t errlen);

/* Writes "network/prefix". */
void acl_entry_format(const struct acl_entry *e, char *dst, size_t dstlen);

/* Parses text and appends it; -1 with a reason when invalid or full. */
int acl_add(struct acl *acl, const char *text, char *err, size_t errlen);

/* True when a lies in e (same family after mapping). */
bool acl_entry_match(const struct acl_entry *e, const struct acl_addr *a);

/* True when a lies in any entry of acl. An empty list matches nothing. */
bool acl_match(const struct acl *acl, const struct acl_addr *a);

/*
 * True when every address of the entry is in a non-public range: loopback
 * (127/8, ::1), RFC 1918, RFC 6598 shared (100.64/10), link-local
 * (169.254/16, fe80::/10), ULA (fc00::/7), or the unspecified address.
 * 0.0.0.0/0 and ::/0 are public (they contain public addresses).
 */
bool acl_entry_is_private(const struct acl_entry *e);

/* True when the address itself is in one of the ranges above. */
bool acl_addr_is_private(const struct acl_addr *a);

/* True for 0.0.0.0 and :: (a wildcard listen address). */
bool acl_addr_is_unspecified(const struct acl_addr *a);

/* host: The names this server answers to: the Host check that stops DNS
 * rebinding. */

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
/* The same for the n bytes at host (an authority inside a target). */
bool host_names_match_n(const struct host_names *hn, const char *host,
			size_t n);

/*
 * Whether the n bytes at s, whitespace around them aside, are a Host value
 * at all (RFC 9110 7.2: RFC 3986's host, then ":" and any digits): a
 * reg-name of unreserved characters, sub-delims and %XX escapes (an IPv4
 * address is one), or an IPv6 address or IPvFuture in brackets. An empty
 * value is one (RFC 9112 3.2); "a b", "u@h", "h:abc" and "[::1" are not.
 */
bool host_value_valid(const char *s, size_t n);

/* Appends the accepted names and addresses, space-separated. */
int host_names_format(const struct host_names *hn, struct buf *out);

/* proxy: Finding the real client behind trusted reverse proxies (RFC 7239
 * Forwarded, X-Forwarded-For). */

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

/* connlimit: Open connections counted per source address, for
 * max_connections_per_ip (trusted proxies exempt). Thread-safe. */

struct connlimit;

/* A table for up to max_conns open connections, each allowed per_addr
 * from one address. Returns NULL when out of memory. */
struct connlimit *connlimit_new(unsigned max_conns, unsigned per_addr);

/* Frees the table; accepts NULL. */
void connlimit_free(struct connlimit *cl);

/* True when a may open one more connection (a read-only guess, for the
 * accept policy; connlimit_acquire() decides). */
bool connlimit_room(struct connlimit *cl, const struct acl_addr *a);

/* Counts one connection from a. Returns true, or false (nothing counted)
 * when a already has per_addr open or the table is full. */
bool connlimit_acquire(struct connlimit *cl, const struct acl_addr *a);

/* Uncounts one connection from a, counted by connlimit_acquire(). */
void connlimit_release(struct connlimit *cl, const struct acl_addr *a);

#endif
