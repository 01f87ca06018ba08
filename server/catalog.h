/* SPDX-License-Identifier: MIT */
/* The immutable snapshot: every response the server can give, built once per
 * start or reload. */
#ifndef CERTPOST_CATALOG_H
#define CERTPOST_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "page.h"

enum catalog_kind {
	CATALOG_PAGE,	  /* "/" (one per platform) */
	CATALOG_HELPDESK, /* "/helpdesk" */
	CATALOG_DOWNLOAD, /* a certificate artefact */
	CATALOG_INFO,	  /* /ca.json */
	CATALOG_QR,	  /* /qr.svg */
	CATALOG_STATIC,	  /* /static/... */
	CATALOG_HEALTH,	  /* /healthz */
};

struct catalog_entry {
	const char *path; /* "/ca.cer"; "/" for page variants */
	const char *content_type;
	const unsigned char *body; /* owned by the catalog */
	size_t len;
	char etag[72];	      /* strong, with quotes */
	const char *filename; /* attachment name, or NULL */
	const char *csp;      /* Content-Security-Policy */
	enum catalog_kind kind;
	const char *ca_slug; /* downloads: which CA ("all" for bundles) */
	const char *format;  /* downloads: "cer", "crt", "pem", "p7b",
				"mobileconfig" */
};

struct catalog;

/*
 * Builds a whole snapshot from cfg: loads every CA file, the static dir
 * (libmagic checks each file against its extension), renders the pages,
 * QR code and profile (signed when configured). Nothing in it refers to
 * cfg afterwards. Returns a catalog the caller frees with catalog_free(),
 * or NULL with the reason in err.
 */
struct catalog *catalog_build(const struct config *cfg, char *err,
			      size_t errlen);

/* Frees everything; accepts NULL. */
void catalog_free(struct catalog *c);

/* Exact-match lookup of a request path (no decoding, no normalisation:
 * anything not in the table is NULL). Borrowed, valid until catalog_free(). */
const struct catalog_entry *catalog_lookup(const struct catalog *c,
					   const char *path);

/* The instructions page rendered for platform p. Borrowed. */
const struct catalog_entry *catalog_page(const struct catalog *c,
					 enum page_platform p);

/* Every entry (pages included), for preparing responses. Borrowed. */
size_t catalog_count(const struct catalog *c);
const struct catalog_entry *catalog_entry_at(const struct catalog *c, size_t i);

/* "https://host[:port]" of certpost's own HTTPS listener as users reach
 * it (public_url's host), or NULL without one. Borrowed. */
const char *catalog_https_origin(const struct catalog *c);

/* Warnings found while building (weak CA, expiring, ...), one sentence
 * each, prefixed with the CA's slug. Borrowed. */
size_t catalog_warning_count(const struct catalog *c);
const char *catalog_warning(const struct catalog *c, size_t i);

/* Per-CA facts for metrics and the summary. Borrowed. */
struct catalog_ca {
	const char *slug;
	const char *name;
	const char *sha256_hex;
	long long not_after;
	bool primary;
};
size_t catalog_ca_count(const struct catalog *c);
const struct catalog_ca *catalog_ca_at(const struct catalog *c, size_t i);

/* Appends a human-readable summary (what --check-config prints). */
int catalog_summary(const struct catalog *c, struct buf *out);

#endif
