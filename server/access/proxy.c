/* SPDX-License-Identifier: MIT */
/* Real client behind trusted proxies: RFC 7239 Forwarded, X-Forwarded-For. */
#include "access/access.h"

#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "util.h"

/* Longest single hop we look at; no valid node is near this long. */
#define HOP_TEXT_MAX 128
/* How much of a hostile header one reason may quote. */
#define SHOW_MAX 48
/* Reason from a lower layer, before the header and element are added. */
#define WHY_MAX 192

enum hop_kind { HOP_ADDR, HOP_UNKNOWN, HOP_OBFUSCATED };

struct hop {
	struct acl_addr addr; /* valid for HOP_ADDR */
	enum hop_kind kind;
};

struct hops {
	struct hop h[PROXY_MAX_HOPS];
	size_t n;
};

/*
 * Copies s for quoting in a reason: printable ASCII only (anything else
 * becomes '?'), cut at SHOW_MAX with "...", so a header cannot put a
 * newline or escape sequence into a log line.
 */
static const char *
show(const char *s, char *buf, size_t buflen)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n + 4 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (s[i] != '\0') {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static const char *
skip_ows(const char *p)
{
	while (is_ows(*p))
		p++;
	return p;
}

/* RFC 7230 section 3.2.6 tchar. */
static bool
is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 7239 obfnode and obfport, after the leading '_'. */
static bool
is_obfuscated(const char *s)
{
	size_t i;

	if (s[0] != '_' || s[1] == '\0')
		return false;
	for (i = 1; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

static int
port_check(const char *port, bool obfuscated_ok, char *err, size_t errlen)
{
	unsigned long v;
	char b[SHOW_MAX];

	if (obfuscated_ok && is_obfuscated(port))
		return 0;
	if (strlen(port) > 5 || parse_ulong(port, 0, 65535, &v) == -1) {
		err_set(err, errlen, "bad port '%s'", show(port, b, sizeof(b)));
		return -1;
	}
	return 0;
}

/*
 * Parses "[v6]" or "[v6]:port" in s (which starts with '['): the address
 * into *ret, the port text into *ret_port (NULL when absent).
 */
static int
parse_bracketed(const char *s, struct acl_addr *ret, const char **ret_port,
		char *err, size_t errlen)
{
	const char *close = strchr(s, ']');
	char name[HOP_TEXT_MAX], b[SHOW_MAX];
	size_t n;

	if (close == NULL) {
		err_set(err, errlen, "missing ']' in '%s'",
			show(s, b, sizeof(b)));
		return -1;
	}
	n = (size_t)(close - s - 1);
	memcpy(name, s + 1, n);
	name[n] = '\0';
	if (strchr(name, ':') == NULL) {
		err_set(err, errlen, "brackets around a non-IPv6 value in '%s'",
			show(s, b, sizeof(b)));
		return -1;
	}
	if (close[1] != '\0' && close[1] != ':') {
		err_set(err, errlen, "trailing characters after ']' in '%s'",
			show(s, b, sizeof(b)));
		return -1;
	}
	if (acl_addr_parse(name, ret, err, errlen) == -1)
		return -1;
	*ret_port = close[1] == ':' ? close + 2 : NULL;
	return 0;
}

/*
 * One RFC 7239 node (the unescaped for= value): IPv4, "[IPv6]", "unknown"
 * or an obfuscated identifier, each with an optional port.
 */
static int
fwd_node(const char *v, struct hop *hop, char *err, size_t errlen)
{
	const char *colon, *port = NULL;
	char name[HOP_TEXT_MAX], b[SHOW_MAX];
	size_t n;

	hop->kind = HOP_ADDR;
	if (v[0] == '[') {
		if (parse_bracketed(v, &hop->addr, &port, err, errlen) == -1)
			return -1;
		return port == NULL ? 0 : port_check(port, true, err, errlen);
	}
	colon = strchr(v, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		err_set(err, errlen, "IPv6 address must be in brackets: '%s'",
			show(v, b, sizeof(b)));
		return -1;
	}
	n = colon != NULL ? (size_t)(colon - v) : strlen(v);
	memcpy(name, v, n);
	name[n] = '\0';
	if (strcasecmp(name, "unknown") == 0)
		hop->kind = HOP_UNKNOWN;
	else if (is_obfuscated(name))
		hop->kind = HOP_OBFUSCATED;
	else if (acl_addr_parse(name, &hop->addr, err, errlen) == -1)
		return -1;
	if (colon != NULL)
		return port_check(colon + 1, true, err, errlen);
	return 0;
}

static void
unexpected(char c, char *err, size_t errlen)
{
	if (c == ':' || c == '[' || c == ']')
		err_set(err, errlen,
			"unexpected '%c' (a value with ':' or '[' must be "
			"quoted)",
			c);
	else if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		err_set(err, errlen, "unexpected '%c'", c);
	else
		err_set(err, errlen, "unexpected byte 0x%02x",
			(unsigned char)c);
}

/*
 * Reads a token or a quoted-string (RFC 7230 section 3.2.6) at *pp and
 * advances past it. When out is not NULL the unescaped value is written
 * there; a longer value than fits is an error.
 */
static int
fwd_value(const char **pp, char *out, size_t outlen, char *err, size_t errlen)
{
	const char *p = *pp;
	size_t n = 0;
	bool quoted = *p == '"';
	char c;

	if (quoted)
		p++;
	while ((c = *p) != '\0') {
		if (!quoted && !is_tchar(c))
			break;
		if (quoted && c == '"')
			break;
		if (quoted && c == '\\' && (c = *++p) == '\0')
			break;
		/* qdtext and quoted-pair both exclude controls but HTAB. */
		if (quoted && c != '\t' &&
		    ((unsigned char)c < 0x20 || c == 0x7f)) {
			err_set(err, errlen,
				"control character 0x%02x in a quoted value",
				(unsigned char)c);
			return -1;
		}
		if (out != NULL && n + 1 >= outlen) {
			err_set(err, errlen, "value longer than %zu characters",
				outlen - 1);
			return -1;
		}
		if (out != NULL)
			out[n] = c;
		n++;
		p++;
	}
	if (quoted && *p != '"') {
		err_set(err, errlen, "unterminated quoted value");
		return -1;
	}
	if (!quoted && n == 0 && (*p == '[' || *p == ':')) {
		unexpected(*p, err, errlen);
		return -1;
	}
	if (!quoted && n == 0) {
		err_set(err, errlen, "missing value");
		return -1;
	}
	if (out != NULL)
		out[n] = '\0';
	*pp = quoted ? p + 1 : p;
	return 0;
}

/* One token=value pair; only for= is looked at, the rest is checked. */
static int
fwd_pair(const char **pp, struct hop *hop, bool *seen_for, char *err,
	 size_t errlen)
{
	const char *p = *pp, *name = p;
	char val[HOP_TEXT_MAX], b[SHOW_MAX];
	size_t nlen = 0;
	bool is_for;

	while (is_tchar(p[nlen]))
		nlen++;
	if (nlen == 0 || p[nlen] != '=') {
		err_set(err, errlen, "expected name=value at '%s'",
			show(p, b, sizeof(b)));
		return -1;
	}
	is_for = nlen == 3 && strncasecmp(name, "for", 3) == 0;
	if (is_for && *seen_for) {
		err_set(err, errlen, "for= given twice");
		return -1;
	}
	p += nlen + 1;
	if (fwd_value(&p, is_for ? val : NULL, sizeof(val), err, errlen) == -1)
		return -1;
	if (is_for) {
		if (fwd_node(val, hop, err, errlen) == -1)
			return -1;
		*seen_for = true;
	}
	*pp = p;
	return 0;
}

/*
 * One forwarded-element: pairs separated by ';' (empty pairs are allowed
 * by the RFC 7239 grammar), up to ',' or the end. It must carry for=.
 */
static int
fwd_element(const char **pp, struct hop *hop, char *err, size_t errlen)
{
	const char *p = skip_ows(*pp);
	bool seen_for = false;

	if (*p == ',' || *p == '\0') {
		err_set(err, errlen, "empty element");
		return -1;
	}
	while (*p != ',' && *p != '\0') {
		if (*p != ';' &&
		    fwd_pair(&p, hop, &seen_for, err, errlen) == -1)
			return -1;
		p = skip_ows(p);
		if (*p == ';')
			p = skip_ows(p + 1);
		else if (*p != ',' && *p != '\0') {
			unexpected(*p, err, errlen);
			return -1;
		}
	}
	if (!seen_for) {
		err_set(err, errlen, "no for= parameter");
		return -1;
	}
	*pp = p;
	return 0;
}

static int
fwd_parse(const char *hdr, struct hops *hops, char *err, size_t errlen)
{
	const char *p = hdr;
	char why[WHY_MAX];

	if (*skip_ows(p) == '\0') {
		err_set(err, errlen, "Forwarded: empty header");
		return -1;
	}
	for (;;) {
		if (hops->n == PROXY_MAX_HOPS) {
			err_set(err, errlen, "Forwarded: more than %d hops",
				PROXY_MAX_HOPS);
			return -1;
		}
		if (fwd_element(&p, &hops->h[hops->n], why, sizeof(why)) ==
		    -1) {
			err_set(err, errlen, "Forwarded: element %zu: %s",
				hops->n + 1, why);
			return -1;
		}
		hops->n++;
		if (*p == '\0')
			return 0;
		p++;
	}
}

/* One X-Forwarded-For entry: v4, v4:port, bare v6, [v6], [v6]:port. */
static int
xff_hop(const char *s, size_t len, struct hop *hop, char *err, size_t errlen)
{
	char buf[HOP_TEXT_MAX];
	const char *colon, *port = NULL;

	if (len >= sizeof(buf)) {
		err_set(err, errlen, "longer than %zu characters",
			sizeof(buf) - 1);
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	hop->kind = HOP_ADDR;
	if (buf[0] == '[') {
		if (parse_bracketed(buf, &hop->addr, &port, err, errlen) == -1)
			return -1;
	} else if ((colon = strchr(buf, ':')) != NULL &&
		   strchr(colon + 1, ':') == NULL) {
		buf[colon - buf] = '\0';
		port = colon + 1;
		if (acl_addr_parse(buf, &hop->addr, err, errlen) == -1)
			return -1;
	} else if (acl_addr_parse(buf, &hop->addr, err, errlen) == -1) {
		return -1;
	}
	return port == NULL ? 0 : port_check(port, false, err, errlen);
}

static int
xff_parse(const char *hdr, struct hops *hops, char *err, size_t errlen)
{
	const char *p = hdr, *start, *end;
	char why[WHY_MAX];

	if (*skip_ows(p) == '\0') {
		err_set(err, errlen, "X-Forwarded-For: empty header");
		return -1;
	}
	for (;;) {
		start = p = skip_ows(p);
		while (*p != ',' && *p != '\0')
			p++;
		end = p;
		while (end > start && is_ows(end[-1]))
			end--;
		if (end == start) {
			err_set(err, errlen, "X-Forwarded-For: element %zu: %s",
				hops->n + 1, "empty element");
			return -1;
		}
		if (hops->n == PROXY_MAX_HOPS) {
			err_set(err, errlen,
				"X-Forwarded-For: more than %d hops",
				PROXY_MAX_HOPS);
			return -1;
		}
		if (xff_hop(start, (size_t)(end - start), &hops->h[hops->n],
			    why, sizeof(why)) == -1) {
			err_set(err, errlen, "X-Forwarded-For: element %zu: %s",
				hops->n + 1, why);
			return -1;
		}
		hops->n++;
		if (*p == '\0')
			return 0;
		p++;
	}
}

/* Walks from the right past trusted hops; see proxy_client(). */
static int
pick_client(const struct acl *trusted, const struct hops *hops, const char *hdr,
	    struct acl_addr *ret, char *err, size_t errlen)
{
	const struct hop *h;
	size_t i = hops->n;

	while (i > 0) {
		h = &hops->h[--i];
		if (h->kind != HOP_ADDR) {
			err_set(err, errlen,
				"%s: element %zu would be the client but is %s",
				hdr, i + 1,
				h->kind == HOP_UNKNOWN
					? "\"unknown\""
					: "an obfuscated identifier");
			return -1;
		}
		if (!acl_match(trusted, &h->addr)) {
			*ret = h->addr;
			return 0;
		}
	}
	*ret = hops->h[0].addr;
	return 0;
}

const char *
proxy_header_name(enum proxy_header which)
{
	return which == PROXY_FORWARDED ? "Forwarded" : "X-Forwarded-For";
}

int
proxy_client(const struct acl *trusted, const struct acl_addr *peer,
	     enum proxy_header which, const char *value,
	     struct acl_addr *ret_client, char *err, size_t errlen)
{
	struct hops hops;
	int r;

	if (trusted == NULL || !acl_match(trusted, peer) || value == NULL) {
		*ret_client = *peer;
		return 0;
	}
	hops.n = 0;
	if (which == PROXY_FORWARDED)
		r = fwd_parse(value, &hops, err, errlen);
	else
		r = xff_parse(value, &hops, err, errlen);
	if (r == -1)
		return -1;
	return pick_client(trusted, &hops, proxy_header_name(which), ret_client,
			   err, errlen);
}
