/* SPDX-License-Identifier: MIT */
/* What every key's reader stands on: errors with file and line, a key given
 * once, strings and paths set, a section's slug, a listen address. Calls
 * nothing else in config/; the readers above call down to it. */
#include "config/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "util.h"

/* "FILE:LINE: [section] key: reason", one per line in p->errors. */
void
config_perr(struct config_parse *p, const char *section, const char *key,
	    const char *fmt, ...)
{
	va_list ap;

	if (p->nerrors++ >= CONFIG_MAX_ERRORS)
		return;
	if (p->errors.len > 0)
		(void)buf_puts(&p->errors, "\n");
	(void)buf_printf(&p->errors, "%s:%u: ", p->file, p->line);
	if (section != NULL && section[0] != '\0')
		(void)buf_printf(&p->errors, "[%s] ", section);
	if (key != NULL)
		(void)buf_printf(&p->errors, "%s: ", key);
	va_start(ap, fmt);
	(void)buf_vprintf(&p->errors, fmt, ap);
	va_end(ap);
}

/* An error about a section header, reported at the header's line. */
void
config_perr_section(struct config_parse *p, const char *fmt, ...)
{
	unsigned line = p->line;
	struct buf msg = {0};
	va_list ap;

	va_start(ap, fmt);
	(void)buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	p->line = p->section_line;
	config_perr(p, NULL, NULL, "%s", msg.data ? msg.data : "");
	p->line = line;
	buf_free(&msg);
}

/* Resolves a path from the file against the config file's directory. */
static int
config_set_path(struct config_parse *p, char *dst, const char *value)
{
	if (value[0] == '/' || p->dir[0] == '\0')
		return str_copy(dst, PATH_MAX, value);
	return str_printf(dst, PATH_MAX, "%s/%s", p->dir, value);
}

bool
config_once(struct config_parse *p, const char *section, const char *key)
{
	struct seen *s;
	size_t i;

	for (i = 0; i < p->nseen; i++) {
		if (strcmp(p->seen[i].section, section) == 0 &&
		    strcmp(p->seen[i].key, key) == 0) {
			config_perr(p, section, key,
				    "given twice (first on line %u)",
				    p->seen[i].line);
			return false;
		}
	}
	if (p->nseen == p->seen_cap) {
		size_t cap = p->seen_cap ? 2 * p->seen_cap : 64;

		if ((s = realloc(p->seen, cap * sizeof(*s))) == NULL) {
			config_perr(p, section, key, "out of memory");
			return false;
		}
		p->seen = s;
		p->seen_cap = cap;
	}
	s = &p->seen[p->nseen];
	s->section = strdup(section);
	s->key = strdup(key);
	s->line = p->line;
	if (s->section == NULL || s->key == NULL) {
		free(s->section);
		free(s->key);
		config_perr(p, section, key, "out of memory");
		return false;
	}
	p->nseen++;
	return true;
}

void
config_copy_str(struct config_parse *p, const char *section, const char *key,
		char *dst, size_t dstlen, const char *value)
{
	if (str_copy(dst, dstlen, value) == -1)
		config_perr(p, section, key, "value too long (max %zu bytes)",
			    dstlen - 1);
}

void
config_set_str(struct config_parse *p, const char *section, const char *key,
	       char *dst, size_t dstlen, const char *value)
{
	if (config_once(p, section, key))
		config_copy_str(p, section, key, dst, dstlen, value);
}

void
config_set_file(struct config_parse *p, const char *section, const char *key,
		char *dst, const char *value)
{
	if (!config_once(p, section, key))
		return;
	if (config_set_path(p, dst, value) == -1)
		config_perr(p, section, key, "path too long");
}

static bool
slug_valid(const char *s)
{
	size_t i;

	if (s[0] == '\0' ||
	    !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!islower(ch) && !isdigit(ch) && ch != '-' && ch != '_')
			return false;
	}
	return i < CONFIG_SLUG_MAX;
}

bool
config_section_slug(struct config_parse *p, const char *section,
		    const char *kind, char *slug, size_t slugsize)
{
	const char *q = section + strlen(kind) + 1, *end = strrchr(q, '"');
	size_t len;

	if (q[0] != '"' || end == q || end[1] != '\0') {
		config_perr_section(p, "[%s]: expected [%s \"slug\"]", section,
				    kind);
		return false;
	}
	len = (size_t)(end - q - 1);
	if (len >= slugsize) {
		config_perr_section(p, "[%s]: slug too long", section);
		return false;
	}
	memcpy(slug, q + 1, len);
	slug[len] = '\0';
	if (!slug_valid(slug)) {
		config_perr_section(p,
				    "[%s]: slug '%s' must be lower-case "
				    "letters, digits, '-' or '_'",
				    section, slug);
		return false;
	}
	return true;
}

int
config_parse_listen(const char *text, struct config_listen *l, char *err,
		    size_t errlen)
{
	char host[64];
	const char *colon, *hstart, *hend;
	unsigned long port;
	struct acl_addr a;
	char aerr[128];

	memset(l, 0, sizeof(*l));
	if (text[0] == '[') {
		hstart = text + 1;
		if ((hend = strchr(text, ']')) == NULL || hend[1] != ':') {
			err_set(err, errlen, "expected [IPv6]:PORT, not '%s'",
				text);
			return -1;
		}
		colon = hend + 1;
	} else {
		hstart = text;
		if ((colon = strrchr(text, ':')) == NULL ||
		    memchr(text, ':', (size_t)(colon - text)) != NULL) {
			err_set(err, errlen,
				"expected ADDRESS:PORT (IPv6 in "
				"brackets), not '%s'",
				text);
			return -1;
		}
		hend = colon;
	}
	if (parse_ulong(colon + 1, 0, 65535, &port) == -1) {
		err_set(err, errlen, "bad port in '%s' (0-65535)", text);
		return -1;
	}
	if ((size_t)(hend - hstart) >= sizeof(host)) {
		err_set(err, errlen, "address too long in '%s'", text);
		return -1;
	}
	memcpy(host, hstart, (size_t)(hend - hstart));
	host[hend - hstart] = '\0';
	if (strcmp(host, "*") == 0)
		(void)str_copy(host, sizeof(host), "0.0.0.0");
	if (acl_addr_parse(host, &a, aerr, sizeof(aerr)) == -1) {
		err_set(err, errlen,
			"'%s': %s (listen takes an IP address, "
			"not a host name)",
			text, aerr);
		return -1;
	}
	if (a.family == AF_INET && text[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, a.bytes, 4);
		l->addrlen = sizeof(*sin);
		(void)str_printf(l->text, sizeof(l->text), "%s:%lu", host,
				 port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;

		/* A bracketed mapped address stays IPv6 on the wire. */
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			err_set(err, errlen, "'%s': not an IPv6 address", text);
			return -1;
		}
		l->addrlen = sizeof(*sin6);
		(void)str_printf(l->text, sizeof(l->text), "[%s]:%lu", host,
				 port);
	}
	return 0;
}

/* One reason, as "FILE: reason" or, with a line, "FILE:LINE: reason". */
void
config_verr(struct buf *b, unsigned *n, const char *file, unsigned line,
	    const char *fmt, ...)
{
	va_list ap;

	if ((*n)++ >= CONFIG_MAX_ERRORS)
		return;
	if (b->len > 0)
		(void)buf_puts(b, "\n");
	if (line > 0)
		(void)buf_printf(b, "%s:%u: ", file, line);
	else
		(void)buf_printf(b, "%s: ", file);
	va_start(ap, fmt);
	(void)buf_vprintf(b, fmt, ap);
	va_end(ap);
}
