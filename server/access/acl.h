/* SPDX-License-Identifier: MIT */
/* Address lists (CIDR) for IPv4 and IPv6: strict parsing, matching,
 * private-range checks. */
#ifndef CERTPOST_ACL_H
#define CERTPOST_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

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

#endif
