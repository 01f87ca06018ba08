/* SPDX-License-Identifier: MIT */
/* The names this server answers to: the Host check that stops DNS
 * rebinding. */
#include "access/access.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* A host as it appears in a URL or a Host header, split from its port. */
#define HOST_TEXT_MAX 300

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/* A DNS name: labels of 1..63 name characters, not starting or ending
 * with '-', separated by single dots; at most 253 characters. */
static bool
dns_name_ok(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0 || n > HOST_NAME_LEN - 1)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!name_char(s[i]) || ++label > 63 ||
		    (label == 1 && s[i] == '-'))
			return false;
	}
	return label > 0 && s[n - 1] != '-';
}

/*
 * Parses "host" (no port) of length n into its canonical form: an
 * address into *ret_addr (returns 1), a name lower-cased into norm
 * (returns 0), or -1 when it is neither.
 */
static int
host_parse(const char *s, size_t n, bool wildcard_ok, char *norm,
	   size_t normlen, struct acl_addr *ret_addr)
{
	char text[HOST_TEXT_MAX], aerr[128];
	size_t i, skip = 0;

	if (n == 0 || n >= sizeof(text))
		return -1;
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return -1;
		memcpy(text, s + 1, n - 2);
		text[n - 2] = '\0';
		if (strchr(text, ':') == NULL ||
		    acl_addr_parse(text, ret_addr, aerr, sizeof(aerr)) == -1)
			return -1;
		return 1;
	}
	memcpy(text, s, n);
	text[n] = '\0';
	if (strchr(text, ':') != NULL)
		return acl_addr_parse(text, ret_addr, aerr, sizeof(aerr)) == 0
			       ? 1
			       : -1;
	/* One trailing dot names the same host (an absolute name). */
	if (n > 1 && text[n - 1] == '.')
		text[--n] = '\0';
	if (acl_addr_parse(text, ret_addr, aerr, sizeof(aerr)) == 0)
		return 1;
	if (wildcard_ok && n > 2 && text[0] == '*' && text[1] == '.')
		skip = 2;
	if (!dns_name_ok(text + skip, n - skip) || n >= normlen)
		return -1;
	for (i = 0; i <= n; i++)
		norm[i] = (char)(text[i] >= 'A' && text[i] <= 'Z'
					 ? text[i] - 'A' + 'a'
					 : text[i]);
	return 0;
}

int
host_name_parse(const char *text, char *norm, size_t normlen, char *err,
		size_t errlen)
{
	struct acl_addr a;
	int r = host_parse(text, strlen(text), true, norm, normlen, &a);

	if (r == -1) {
		err_set(err, errlen,
			"'%.80s' is neither a DNS name (letters, digits, '-', "
			"labels of at most 63) nor an IP address",
			text);
		return -1;
	}
	if (r == 1)
		acl_addr_format(&a, norm, normlen);
	return 0;
}

/* Splits "host[:port]" (host possibly "[v6]"): the host's length, or -1
 * when the port is not 1..65535 written plainly. */
static long
split_port(const char *s, size_t n)
{
	const char *colon;
	unsigned long port;
	char digits[8];
	size_t hl, pl;

	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL)
			return -1;
		hl = (size_t)(close - s) + 1;
		if (hl == n)
			return (long)hl;
		if (s[hl] != ':')
			return -1;
		colon = s + hl;
	} else {
		if ((colon = memchr(s, ':', n)) == NULL)
			return (long)n;
		hl = (size_t)(colon - s);
		if (memchr(colon + 1, ':', n - hl - 1) != NULL)
			return -1; /* bare IPv6, not allowed with a port */
	}
	pl = n - hl - 1;
	if (pl == 0 || pl >= sizeof(digits))
		return -1;
	memcpy(digits, colon + 1, pl);
	digits[pl] = '\0';
	if (parse_ulong(digits, 1, 65535, &port) == -1)
		return -1;
	return (long)hl;
}

int
host_from_url(const char *url, char *host, size_t hostlen, char *err,
	      size_t errlen)
{
	const char *p, *end;
	struct acl_addr a;
	long hl;
	int r;

	if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else {
		err_set(err, errlen, "must start with http:// or https://");
		return -1;
	}
	for (const char *q = url; *q != '\0'; q++) {
		unsigned char c = (unsigned char)*q;

		if (c <= 0x20 || c >= 0x7f || strchr("\"'<>\\`^{}|", c)) {
			err_set(err, errlen,
				"byte 0x%02x at offset %zu may not appear in a "
				"URL here (no spaces, quotes, backslashes, "
				"angle brackets or non-ASCII: percent-encode "
				"them)",
				c, (size_t)(q - url));
			return -1;
		}
		if (c == '?' || c == '#') {
			err_set(err, errlen,
				"a query or fragment is not "
				"allowed here");
			return -1;
		}
	}
	end = p + strcspn(p, "/");
	if (memchr(p, '@', (size_t)(end - p)) != NULL) {
		err_set(err, errlen, "user information ('@') is not allowed");
		return -1;
	}
	if ((hl = split_port(p, (size_t)(end - p))) <= 0) {
		err_set(err, errlen,
			"expected HOST, HOST:PORT or [IPv6]:PORT after "
			"the scheme");
		return -1;
	}
	r = host_parse(p, (size_t)hl, false, host, hostlen, &a);
	if (r == -1) {
		err_set(err, errlen,
			"'%.*s' is neither a DNS name nor an IP address",
			(int)(hl > 80 ? 80 : hl), p);
		return -1;
	}
	if (r == 1)
		acl_addr_format(&a, host, hostlen);
	return 0;
}

static void
add_addr(struct host_names *hn, const struct acl_addr *a)
{
	for (size_t i = 0; i < hn->naddrs; i++)
		if (acl_addr_equal(&hn->addrs[i], a))
			return;
	if (hn->naddrs < HOST_MAX)
		hn->addrs[hn->naddrs++] = *a;
}

int
host_names_add(struct host_names *hn, const char *norm, char *err,
	       size_t errlen)
{
	struct acl_addr a;
	char aerr[128];

	if (acl_addr_parse(norm, &a, aerr, sizeof(aerr)) == 0) {
		add_addr(hn, &a);
		return 0;
	}
	for (size_t i = 0; i < hn->nnames; i++)
		if (strcmp(hn->names[i], norm) == 0)
			return 0;
	if (hn->nnames >= HOST_MAX) {
		err_set(err, errlen, "more than %d server names", HOST_MAX);
		return -1;
	}
	if (str_copy(hn->names[hn->nnames], HOST_NAME_LEN, norm) == -1) {
		err_set(err, errlen, "name too long");
		return -1;
	}
	hn->nnames++;
	return 0;
}

void
host_names_add_addr(struct host_names *hn, const struct acl_addr *a)
{
	if (acl_addr_is_unspecified(a))
		hn->any_address = true;
	else
		add_addr(hn, a);
}

static bool
name_matches(const char *pattern, const char *name, size_t n)
{
	size_t pl;

	if (pattern[0] != '*') {
		pl = strlen(pattern);
		return pl == n && strncasecmp(pattern, name, n) == 0;
	}
	/* "*.example.org" matches "a.example.org", not "example.org". */
	pl = strlen(pattern + 1);
	return n > pl && strncasecmp(pattern + 1, name + n - pl, pl) == 0;
}

/* RFC 9110 5.5: whitespace around a field value is not part of it. */
static const char *
trim_ows(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

static bool
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* RFC 3986 2.3 and 2.2: unreserved and sub-delims. */
static bool
unreserved_or_sub_delim(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/* RFC 3986 3.2.2: IP-literal, without its brackets: an IPv6 address or
 * IPvFuture ("v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )). */
static bool
ip_literal_ok(const char *s, size_t n)
{
	char text[64], aerr[128];
	struct acl_addr a;
	size_t i = 1;

	if (n > 0 && (s[0] == 'v' || s[0] == 'V')) {
		while (i < n && is_hex(s[i]))
			i++;
		if (i == 1 || i + 1 >= n || s[i] != '.')
			return false;
		for (i++; i < n; i++)
			if (!unreserved_or_sub_delim(s[i]) && s[i] != ':')
				return false;
		return true;
	}
	if (n == 0 || n >= sizeof(text) || memchr(s, ':', n) == NULL)
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	return acl_addr_parse(text, &a, aerr, sizeof(aerr)) == 0 &&
	       a.family == AF_INET6;
}

bool
host_value_valid(const char *s, size_t n)
{
	size_t i = 0;

	s = trim_ows(s, &n);
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL ||
		    !ip_literal_ok(s + 1, (size_t)(close - s) - 1))
			return false;
		i = (size_t)(close - s) + 1;
	} else {
		/* reg-name (an IPv4 address is one too): unreserved,
		 * pct-encoded, sub-delims. */
		for (; i < n && s[i] != ':'; i++) {
			if (s[i] == '%') {
				if (i + 2 >= n || !is_hex(s[i + 1]) ||
				    !is_hex(s[i + 2]))
					return false;
				i += 2;
			} else if (!unreserved_or_sub_delim(s[i])) {
				return false;
			}
		}
	}
	if (i == n)
		return true;
	if (s[i] != ':')
		return false;
	for (i++; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool
host_names_match(const struct host_names *hn, const char *host)
{
	return host != NULL && host_names_match_n(hn, host, strlen(host));
}

bool
host_names_match_n(const struct host_names *hn, const char *host, size_t n)
{
	char norm[HOST_NAME_LEN];
	struct acl_addr a;
	size_t i;
	long hl;
	int r;

	host = trim_ows(host, &n);
	if (n == 0 || (hl = split_port(host, n)) <= 0)
		return false;
	r = host_parse(host, (size_t)hl, false, norm, sizeof(norm), &a);
	if (r == 1) {
		if (hn->any_address)
			return true;
		for (i = 0; i < hn->naddrs; i++)
			if (acl_addr_equal(&hn->addrs[i], &a))
				return true;
		return false;
	}
	if (r == -1)
		return false;
	for (i = 0; i < hn->nnames; i++)
		if (name_matches(hn->names[i], norm, strlen(norm)))
			return true;
	return false;
}

int
host_names_format(const struct host_names *hn, struct buf *out)
{
	char text[ACL_ADDR_STRLEN];
	size_t i;
	int r = 0;

	for (i = 0; i < hn->nnames; i++)
		r |= buf_printf(out, "%s%s", i > 0 ? " " : "", hn->names[i]);
	for (i = 0; i < hn->naddrs; i++) {
		acl_addr_format(&hn->addrs[i], text, sizeof(text));
		r |= buf_printf(out, "%s%s%s%s", out->len > 0 ? " " : "",
				hn->addrs[i].family == AF_INET6 ? "[" : "",
				text,
				hn->addrs[i].family == AF_INET6 ? "]" : "");
	}
	if (hn->any_address)
		r |= buf_puts(out, out->len > 0 ? " (and any IP address: a "
						  "wildcard listener)"
						: "any IP address");
	return r == 0 ? 0 : -1;
}
