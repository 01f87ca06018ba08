/* SPDX-License-Identifier: MIT */
/* CIDR lists for IPv4 and IPv6: strict parsing, matching, private ranges. */
#include "access/access.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/*
 * Only IPv4-mapped addresses (::ffff:0:0/96) are folded into IPv4. A mapped
 * address never crosses a wire: it is how the kernel shows a real IPv4 peer
 * on a dual-stack socket, so the IPv4 entries must judge it, and only they
 * do (::/0 does not match it).
 *
 * 6to4 (2002::/16) and NAT64 (64:ff9b::/96) addresses are not translated.
 * They are ordinary routed IPv6 sources whose embedded IPv4 part is chosen
 * by a relay, a translator, or anyone who builds such an address: reading
 * 2002:a00:1:: as 10.0.0.1 would let a host anywhere on the IPv6 internet
 * pass a "10.0.0.0/8" rule. They are matched only against IPv6 entries and
 * are public unless an IPv6 entry says otherwise.
 */

/* Longest IPv6 text inet_pton can accept ("ffff:...:255.255.255.255"). */
#define V6_TEXT_MAX 45
/* Longest address part of an entry we copy out before parsing. */
#define ENTRY_ADDR_MAX 64

/* Non-public ranges, see acl_entry_is_private() in acl.h. */
static const struct acl_entry private_ranges[] = {
	{{AF_INET, {127}}, 8},		/* loopback */
	{{AF_INET, {10}}, 8},		/* RFC 1918 */
	{{AF_INET, {172, 16}}, 12},	/* RFC 1918 */
	{{AF_INET, {192, 168}}, 16},	/* RFC 1918 */
	{{AF_INET, {100, 64}}, 10},	/* RFC 6598 carrier-grade NAT */
	{{AF_INET, {169, 254}}, 16},	/* RFC 3927 link-local */
	{{AF_INET, {0}}, 32},		/* unspecified */
	{{AF_INET6, {[15] = 1}}, 128},	/* loopback */
	{{AF_INET6, {0xfe, 0x80}}, 10}, /* link-local */
	{{AF_INET6, {0xfc}}, 7},	/* RFC 4193 unique local */
	{{AF_INET6, {0}}, 128},		/* unspecified */
};

static unsigned
family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static bool
bytes_mapped(const uint8_t *b)
{
	static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};

	return memcmp(b, prefix, sizeof(prefix)) == 0;
}

/* Rewrites a mapped AF_INET6 address as AF_INET, unused bytes zero. */
static void
addr_unmap(struct acl_addr *a)
{
	if (a->family != AF_INET6 || !bytes_mapped(a->bytes))
		return;
	a->family = AF_INET;
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, 12);
}

/* Callers may build an acl_addr by hand; compare what it means. */
static const struct acl_addr *
addr_view(const struct acl_addr *a, struct acl_addr *tmp)
{
	if (a->family != AF_INET6 || !bytes_mapped(a->bytes))
		return a;
	*tmp = *a;
	addr_unmap(tmp);
	return tmp;
}

static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xffu << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

static void
mask_host_bits(uint8_t *b, unsigned prefix)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (prefix >= 8) {
			prefix -= 8;
			continue;
		}
		b[i] &= (uint8_t)(0xffu << (8 - prefix));
		prefix = 0;
	}
}

/*
 * Rejects bytes that must never reach a message or a parser: control
 * (tab included) or non-ASCII bytes, named by value and never echoed so a
 * reason stays one printable line; then spaces.
 */
static int
check_chars(const char *text, char *err, size_t errlen)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			err_set(err, errlen,
				"invalid character 0x%02x at offset %zu", *p,
				(size_t)(p - (const unsigned char *)text));
			return -1;
		}
	}
	/* Only now is the text safe to quote. */
	if (strchr(text, ' ') != NULL) {
		err_set(err, errlen, "spaces not allowed in '%s'", text);
		return -1;
	}
	return 0;
}

/* Reads one dotted-quad part at *pp: 1-3 digits, no leading zero, <= 255. */
static int
v4_part(const char **pp, const char *whole, uint8_t *ret, char *err,
	size_t errlen)
{
	const char *p = *pp;
	unsigned v = 0;
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9') {
		if (n < 4)
			v = v * 10 + (unsigned)(p[n] - '0');
		n++;
	}
	if (n == 0) {
		err_set(err, errlen, "not an IP address: '%s'", whole);
		return -1;
	}
	if (n > 1 && p[0] == '0') {
		err_set(err, errlen, "leading zero in %s", whole);
		return -1;
	}
	if (n > 3 || v > 255) {
		err_set(err, errlen, "%.*s out of range (0-255) in %s", (int)n,
			p, whole);
		return -1;
	}
	*ret = (uint8_t)v;
	*pp = p + n;
	return 0;
}

/* Strict dotted quad; whole is the text to name in a reason. */
static int
v4_parse(const char *s, const char *whole, uint8_t out[4], char *err,
	 size_t errlen)
{
	const char *p;
	size_t dots = 0;
	int i;

	for (p = s; *p != '\0'; p++) {
		if ((p == s || p[-1] == '.') && p[0] == '0' &&
		    (p[1] == 'x' || p[1] == 'X')) {
			err_set(err, errlen, "hex not allowed in %s", whole);
			return -1;
		}
		if (*p != '.' && (*p < '0' || *p > '9'))
			goto bad;
		dots += *p == '.';
	}
	if (dots != 3) {
		err_set(err, errlen,
			"IPv4 address needs four decimal parts: '%s'", whole);
		return -1;
	}
	p = s;
	for (i = 0; i < 4; i++) {
		if (i > 0 && *p++ != '.')
			goto bad;
		if (v4_part(&p, whole, &out[i], err, errlen) == -1)
			return -1;
	}
	if (*p != '\0')
		goto bad;
	/* Belt and braces: the C library must agree with the hand check. */
	if (inet_pton(AF_INET, s, out) != 1)
		goto bad;
	return 0;
bad:
	err_set(err, errlen, "not an IP address: '%s'", whole);
	return -1;
}

/* text contains ':' (the caller dispatched on it). */
static int
v6_parse(const char *text, struct acl_addr *ret, char *err, size_t errlen)
{
	const char *dot = strchr(text, '.'), *tail = strrchr(text, ':') + 1;
	uint8_t v4[4];

	if (strlen(text) > V6_TEXT_MAX) {
		err_set(err, errlen, "not an IP address: '%s'", text);
		return -1;
	}
	/* A dotted quad may only end the text, and obeys the IPv4 rules. */
	if (dot != NULL && dot < tail) {
		err_set(err, errlen, "not an IP address: '%s'", text);
		return -1;
	}
	if (dot != NULL && v4_parse(tail, text, v4, err, errlen) == -1)
		return -1;
	if (inet_pton(AF_INET6, text, ret->bytes) != 1) {
		err_set(err, errlen, "not an IP address: '%s'", text);
		return -1;
	}
	ret->family = AF_INET6;
	return 0;
}

/* acl_addr_parse(), also telling whether the text was a mapped IPv6. */
static int
addr_parse(const char *text, struct acl_addr *ret, bool *ret_mapped, char *err,
	   size_t errlen)
{
	struct acl_addr a;

	memset(&a, 0, sizeof(a));
	if (text == NULL || text[0] == '\0') {
		err_set(err, errlen, "empty address");
		return -1;
	}
	if (check_chars(text, err, errlen) == -1)
		return -1;
	if (strchr(text, '%') != NULL) {
		err_set(err, errlen, "zone id not allowed in %s", text);
		return -1;
	}
	if (strchr(text, '[') != NULL || strchr(text, ']') != NULL) {
		err_set(err, errlen, "brackets not allowed in %s", text);
		return -1;
	}
	if (strchr(text, ':') != NULL) {
		if (v6_parse(text, &a, err, errlen) == -1)
			return -1;
	} else {
		if (v4_parse(text, text, a.bytes, err, errlen) == -1)
			return -1;
		a.family = AF_INET;
	}
	*ret_mapped = a.family == AF_INET6 && bytes_mapped(a.bytes);
	addr_unmap(&a);
	*ret = a;
	return 0;
}

int
acl_addr_parse(const char *text, struct acl_addr *ret, char *err, size_t errlen)
{
	bool mapped;

	return addr_parse(text, ret, &mapped, err, errlen);
}

int
acl_addr_from_sockaddr(const struct sockaddr *sa, struct acl_addr *ret)
{
	struct acl_addr a;

	if (sa == NULL)
		return -1;
	memset(&a, 0, sizeof(a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		a.family = AF_INET;
		memcpy(a.bytes, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 =
			(const struct sockaddr_in6 *)sa;

		a.family = AF_INET6;
		memcpy(a.bytes, &in6->sin6_addr, 16);
		addr_unmap(&a);
	} else {
		return -1;
	}
	*ret = a;
	return 0;
}

void
acl_addr_format(const struct acl_addr *a, char *dst, size_t dstlen)
{
	char buf[INET6_ADDRSTRLEN];

	if (dstlen == 0)
		return;
	if (a->family == AF_INET) {
		(void)str_printf(dst, dstlen, "%u.%u.%u.%u", a->bytes[0],
				 a->bytes[1], a->bytes[2], a->bytes[3]);
	} else if (a->family == AF_INET6 &&
		   inet_ntop(AF_INET6, a->bytes, buf, sizeof(buf)) != NULL) {
		(void)str_copy(dst, dstlen, buf);
	} else {
		(void)str_copy(dst, dstlen, "(invalid)");
	}
}

/*
 * Parses the text after '/'. Digits only, no leading zero; the range
 * depends on the family and is the caller's to check.
 */
static int
prefix_parse(const char *s, const char *whole, unsigned long *ret, char *err,
	     size_t errlen)
{
	size_t n = 0;

	if (s[0] == '\0') {
		err_set(err, errlen, "missing prefix after '/' in %s", whole);
		return -1;
	}
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0) {
		err_set(err, errlen, "prefix is not a number in %s", whole);
		return -1;
	}
	if (n > 1 && s[0] == '0') {
		err_set(err, errlen, "prefix has leading zeros in %s", whole);
		return -1;
	}
	if (s[n] != '\0') {
		err_set(err, errlen, "trailing characters after prefix in %s",
			whole);
		return -1;
	}
	if (n > 3 || parse_ulong(s, 0, 999, ret) == -1) {
		err_set(err, errlen, "prefix %s out of range in %s", s, whole);
		return -1;
	}
	return 0;
}

/*
 * Checks the prefix against the family; a mapped network is written with
 * an IPv6 prefix (96-128) that becomes an IPv4 one.
 */
static int
entry_prefix(unsigned long prefix, int family, bool mapped, const char *whole,
	     unsigned *ret, char *err, size_t errlen)
{
	if (mapped) {
		if (prefix > 128) {
			err_set(err, errlen,
				"prefix %lu out of range for IPv6 (0-128)",
				prefix);
			return -1;
		}
		if (prefix < 96) {
			err_set(err, errlen,
				"prefix %lu too short for IPv4-mapped %s "
				"(96-128: the network must stay inside "
				"::ffff:0:0/96)",
				prefix, whole);
			return -1;
		}
		prefix -= 96;
	}
	if (prefix > family_bits(family)) {
		err_set(err, errlen, "prefix %lu out of range for %s (0-%u)",
			prefix, family == AF_INET ? "IPv4" : "IPv6",
			family_bits(family));
		return -1;
	}
	*ret = (unsigned)prefix;
	return 0;
}

static int
entry_host_bits(const struct acl_entry *e, bool mapped, const char *whole,
		char *err, size_t errlen)
{
	struct acl_entry net = *e;
	char addr[ACL_ADDR_STRLEN];

	mask_host_bits(net.addr.bytes, net.prefix);
	if (memcmp(net.addr.bytes, e->addr.bytes, sizeof(e->addr.bytes)) == 0)
		return 0;
	acl_addr_format(&net.addr, addr, sizeof(addr));
	err_set(err, errlen, "host bits set in %s (the network is %s%s/%u)",
		whole, mapped ? "::ffff:" : "", addr,
		mapped ? net.prefix + 96 : net.prefix);
	return -1;
}

int
acl_entry_parse(const char *text, struct acl_entry *ret, char *err,
		size_t errlen)
{
	char buf[ENTRY_ADDR_MAX];
	const char *slash;
	struct acl_entry e;
	unsigned long prefix;
	size_t alen;
	bool mapped;

	if (text == NULL || text[0] == '\0') {
		err_set(err, errlen, "empty address");
		return -1;
	}
	if (check_chars(text, err, errlen) == -1)
		return -1;
	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (alen == 0) {
		err_set(err, errlen, "empty address in %s", text);
		return -1;
	}
	if (alen >= sizeof(buf)) {
		err_set(err, errlen, "not an IP address: '%.*s'", (int)alen,
			text);
		return -1;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	memset(&e, 0, sizeof(e));
	if (addr_parse(buf, &e.addr, &mapped, err, errlen) == -1)
		return -1;
	if (slash == NULL) {
		e.prefix = family_bits(e.addr.family);
	} else if (prefix_parse(slash + 1, text, &prefix, err, errlen) == -1 ||
		   entry_prefix(prefix, e.addr.family, mapped, text, &e.prefix,
				err, errlen) == -1) {
		return -1;
	}
	if (entry_host_bits(&e, mapped, text, err, errlen) == -1)
		return -1;
	*ret = e;
	return 0;
}

void
acl_entry_format(const struct acl_entry *e, char *dst, size_t dstlen)
{
	char addr[ACL_ADDR_STRLEN];

	acl_addr_format(&e->addr, addr, sizeof(addr));
	(void)str_printf(dst, dstlen, "%s/%u", addr, e->prefix);
}

int
acl_add(struct acl *acl, const char *text, char *err, size_t errlen)
{
	struct acl_entry e;

	if (acl->n >= ACL_MAX_ENTRIES) {
		err_set(err, errlen, "too many entries (at most %d)",
			ACL_MAX_ENTRIES);
		return -1;
	}
	if (acl_entry_parse(text, &e, err, errlen) == -1)
		return -1;
	acl->entries[acl->n++] = e;
	return 0;
}

/* The hot path: a is already unmapped. */
static bool
entry_match(const struct acl_entry *e, const struct acl_addr *a)
{
	if (e->addr.family != a->family)
		return false;
	/* A hand-built entry with a wild prefix must not read past bytes. */
	if (e->prefix > family_bits(a->family))
		return false;
	return prefix_equal(e->addr.bytes, a->bytes, e->prefix);
}

bool
acl_entry_match(const struct acl_entry *e, const struct acl_addr *a)
{
	struct acl_addr tmp;

	return entry_match(e, addr_view(a, &tmp));
}

bool
acl_match(const struct acl *acl, const struct acl_addr *a)
{
	struct acl_addr tmp;
	size_t i, n;

	a = addr_view(a, &tmp);
	n = acl->n < ACL_MAX_ENTRIES ? acl->n : ACL_MAX_ENTRIES;
	for (i = 0; i < n; i++) {
		if (entry_match(&acl->entries[i], a))
			return true;
	}
	return false;
}

bool
acl_entry_is_private(const struct acl_entry *e)
{
	const struct acl_entry *r;
	size_t i;

	for (i = 0; i < ARRAY_LEN(private_ranges); i++) {
		r = &private_ranges[i];
		if (r->addr.family == e->addr.family &&
		    r->prefix <= e->prefix &&
		    prefix_equal(r->addr.bytes, e->addr.bytes, r->prefix))
			return true;
	}
	return false;
}

bool
acl_addr_is_private(const struct acl_addr *a)
{
	struct acl_addr tmp;
	struct acl_entry e;

	e.addr = *addr_view(a, &tmp);
	e.prefix = family_bits(e.addr.family);
	return acl_entry_is_private(&e);
}

bool
acl_addr_is_unspecified(const struct acl_addr *a)
{
	static const uint8_t zero[16];
	struct acl_addr tmp;

	a = addr_view(a, &tmp);
	if (a->family == AF_INET)
		return memcmp(a->bytes, zero, 4) == 0;
	if (a->family == AF_INET6)
		return memcmp(a->bytes, zero, 16) == 0;
	return false;
}

uint64_t
acl_addr_hash(const struct acl_addr *a, uint64_t seed)
{
	size_t len = a->family == AF_INET ? 4 : 16;
	uint64_t h = 1469598103934665603ull ^ seed;

	h = (h ^ (uint64_t)a->family) * 1099511628211ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ a->bytes[i]) * 1099511628211ull;
	return h;
}

bool
acl_addr_equal(const struct acl_addr *a, const struct acl_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, a->family == AF_INET ? 4 : 16) == 0;
}
