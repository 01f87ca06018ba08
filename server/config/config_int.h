/* SPDX-License-Identifier: MIT */
/* Shared by config.c (the INI reader) and config_keys.c (each section's
 * keys); not part of the config module's surface. */
#ifndef CERTPOST_CONFIG_INT_H
#define CERTPOST_CONFIG_INT_H

#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "util.h"

/* Parser state: libinih calls our reader per line, so we know the line. */
struct config_parse {
	struct config *cfg;
	FILE *fp;
	const char *file; /* as given, for messages */
	char dir[PATH_MAX];
	unsigned line;
	unsigned section_line;		   /* of the last [section] header */
	char section[CONFIG_LINE_MAX + 1]; /* its name, whole */
	bool bad_section; /* its header was refused: its keys are ignored */
	unsigned seen_section_line; /* section_line at the last key */
	struct buf errors;
	unsigned nerrors;
	int cur_ca;	/* index into cfg->ca of the open [ca] section */
	int cur_issuer; /* the same for [issuer] */
	/* First line of each single-valued key, to reject repeats: the
	 * whole section name and key, so two sections differing only late
	 * in their names (long slugs) are two scopes. */
	struct seen {
		char *section;
		char *key;
		unsigned line;
	} * seen;
	size_t nseen, seen_cap;
};

/* Records one problem at the current line as "FILE:LINE: [section] key:
 * reason" (section and key may be NULL); at most CONFIG_MAX_ERRORS are
 * kept, the rest counted. */
void config_perr(struct config_parse *p, const char *section, const char *key,
		 const char *fmt, ...) PRINTF_LIKE(4, 5);
/* The same, reported at the line of the last section header. */
void config_perr_section(struct config_parse *p, const char *fmt, ...)
	PRINTF_LIKE(2, 3);

/* Applies one key = value line of section; new_section is true for the
 * first key after a header. Problems go to config_perr(). */
void config_key(struct config_parse *p, const char *section, const char *key,
		const char *value, bool new_section);

/* config_set.c: value into dst, or an error when it does not fit; for a
 * key whose config_once() its reader checked before validating it. */
void config_copy_str(struct config_parse *p, const char *section,
		     const char *key, char *dst, size_t dstlen,
		     const char *value);
/* config_keys.c: the checked setters every section's keys use. */
void config_set_str(struct config_parse *p, const char *section,
		    const char *key, char *dst, size_t dstlen,
		    const char *value);
void config_set_file(struct config_parse *p, const char *section,
		     const char *key, char *dst, const char *value);
/*
 * Reads the slug of a section header `kind "slug"` (section is the whole
 * header text, kind "ca" or "issuer") into slug (slugsize bytes): quoted,
 * lower-case letters, digits, '-' and '_', since it names URLs
 * (/<slug>.cer) and files. Returns true, or false having reported why.
 */
bool config_section_slug(struct config_parse *p, const char *section,
			 const char *kind, char *slug, size_t slugsize);

/* config_pki.c: [issuer "slug"] sections. */
void config_open_issuer(struct config_parse *p, const char *section);
void config_issuer_key(struct config_parse *p, const char *section,
		       const char *key, const char *value);
/* The cross-section rules of [issuer] sections and CRL files, appended
 * to b as "FILE:LINE: reason" lines; *n counts them. */
void config_validate_pki(const struct config *cfg, struct buf *b, unsigned *n);
/* cert_url, crl_url, delta_crl_url: one more URL of a section (kind from
 * the key). An absolute path or an http(s):// URL copied from a
 * certificate; percent-encoded or literal, decoded once here. */
void config_add_url(struct config_parse *p, const char *section,
		    const char *key, struct config_url *urls, size_t *n,
		    const char *value);
/* After the host names are known: each URL's host must be one of them. */
void config_validate_urls(const struct config *cfg, struct buf *b, unsigned *n);

/* config_value.c: 0 when GnuTLS accepts prio as a priority string, else
 * -1 and where it stopped in err. */
int config_priorities_check(const char *prio, char *err, size_t errlen);
/* config_value.c: 0 when url is an https:// URL whose origin can be named
 * in a Content-Security-Policy, else -1 and why in err. */
int config_check_url_check(const char *url, char *err, size_t errlen);

/* config_set.c: false (and an error reported) when key was already given
 * in section. */
bool config_once(struct config_parse *p, const char *section, const char *key);
/* config_set.c: a validation error into b, counted in n (the first
 * CONFIG_MAX_ERRORS kept), as "FILE:LINE: reason" or, when line is 0,
 * "FILE: reason". */
void config_verr(struct buf *b, unsigned *n, const char *file, unsigned line,
		 const char *fmt, ...) PRINTF_LIKE(5, 6);

#endif
