/* SPDX-License-Identifier: MIT */
/* Accept-Encoding (RFC 9110 12.5.3): whether a client takes gzip. */
#include "http/http.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 5.6.2 */
static bool
tchar(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') ||
	       (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static const char *
ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *
token(const char *p)
{
	while (tchar(*p))
		p++;
	return p;
}

/* RFC 9110 12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "."
 * 0*3("0") ] ). Returns 1 for q > 0, 0 for q = 0, -1 when not a qvalue. */
static int
qvalue(const char *p, const char *end)
{
	bool one, nonzero = false;
	int digits = 0;

	if (p == end || (*p != '0' && *p != '1'))
		return -1;
	one = *p++ == '1';
	if (p < end && *p == '.') {
		for (p++; p < end && digits < 3 && *p >= '0' && *p <= '9';
		     p++, digits++) {
			if (one && *p != '0')
				return -1;
			nonzero = nonzero || *p != '0';
		}
	}
	if (p != end)
		return -1;
	return one || nonzero ? 1 : 0;
}

static void
note(signed char *slot, int verdict)
{
	/* A refusal wins over anything said before or after it. */
	if (*slot != 0)
		*slot = (signed char)verdict;
}

/* Reads one element at p (a coding and its parameters); returns where it
 * ends (at a comma or the end), with the coding in [*c, *ce) and its
 * weight in *w (1, 0), or *w = -1 for an element to ignore. */
static const char *
element(const char *p, const char **c, const char **ce, int *w)
{
	*c = p;
	*ce = p = token(p);
	*w = *ce > *c ? 1 : -1;
	for (;;) {
		const char *name, *name_end, *val;

		p = ows(p);
		if (*p != ';')
			break;
		p = ows(p + 1);
		name = p;
		name_end = p = token(p);
		if (name_end == name || *p != '=') {
			*w = -1;
			break;
		}
		val = ++p;
		if (*p == '"') {
			/* A quoted parameter value: skipped, backslash
			 * escapes included. */
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p != '"') {
				*w = -1;
				break;
			}
			p++;
		} else {
			p = token(p);
		}
		if (name_end - name == 1 && (*name == 'q' || *name == 'Q') &&
		    *w != -1)
			*w = qvalue(val, p);
	}
	p = ows(p);
	if (*p != ',' && *p != '\0') {
		*w = -1;
		while (*p != ',' && *p != '\0')
			p++;
	}
	return p;
}

void
encoding_scan(struct encoding_accept *a, const char *value)
{
	const char *p = value;

	if (p == NULL)
		return;
	while (*p != '\0') {
		const char *c, *ce;
		size_t n;
		int w;

		p = ows(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		p = element(p, &c, &ce, &w);
		if (w == -1)
			continue;
		n = (size_t)(ce - c);
		if ((n == 4 && strncasecmp(c, "gzip", 4) == 0) ||
		    (n == 6 && strncasecmp(c, "x-gzip", 6) == 0))
			note(&a->gzip, w);
		else if (n == 1 && *c == '*')
			note(&a->star, w);
	}
}

bool
encoding_gzip_ok(const struct encoding_accept *a)
{
	return a->gzip == 1 || (a->gzip == -1 && a->star == 1);
}
