/* SPDX-License-Identifier: MIT */
/* The immutable snapshot: every response the server can give, built once per
 * start or reload. */
#ifndef CERTPOST_CATALOG_H
#define CERTPOST_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "render/render.h"

enum catalog_kind {
	CATALOG_PAGE,	  /* "/" (one per platform) */
	CATALOG_HELPDESK, /* "/helpdesk" */
	CATALOG_DOWNLOAD, /* a certificate artefact */
	CATALOG_INFO,	  /* /ca.json */
	CATALOG_QR,	  /* /qr.svg */
	CATALOG_STATIC,	  /* /static/... */
	CATALOG_HEALTH,	  /* /healthz */
	CATALOG_CRL,	  /* /<slug>.crl, /<slug>+.crl */
	CATALOG_ISSUER, /* for AIA: an [issuer]'s .cer, .p7c; /aia/<slug>.cer */
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
				"mobileconfig"; "crl", "delta-crl", "p7c" */
	/* Revocation data (RFC 5019 6 for the idea): Last-Modified is the
	 * CRL's thisUpdate, and caches may keep it until its nextUpdate.
	 * 0 = not given; such entries are revalidated (no-cache). */
	long long last_modified;
	long long fresh_until;
	/* The body gzip-compressed, made once when the catalog is built, for
	 * clients whose Accept-Encoding takes gzip: text that is shown, not
	 * saved (never an attachment), when it saves at least a tenth. NULL
	 * otherwise. Its ETag is the identity one with "-gz" added. */
	const unsigned char *gz_body;
	size_t gz_len;
	char gz_etag[72];
	/* Compressible: its responses name Accept-Encoding in Vary, whether
	 * the gzip form is made yet or not. */
	bool gz_vary;
	/* Its gzip form is still to be made (catalog_gzip_one()). Until
	 * then, and unless the caller made it so, gz_body is NULL. */
	bool gz_pending;
	/* Strict-Transport-Security's value, or NULL ([server]
	 * hsts_max_age). */
	const char *hsts;
	/* An issued URL (cert_url, crl_url, delta_crl_url): its path is kept
	 * percent-decoded, and a request path is also matched decoded. */
	bool loose;
	/* A page in a language (Content-Language), chosen per request from
	 * Accept-Language or ?lang=: NULL for everything else. */
	const char *lang;
};

struct catalog;

/*
 * Builds a whole snapshot from cfg: loads every CA file, the static dir
 * (libmagic checks each file against its extension), renders the pages,
 * QR code and profile (signed when configured). Nothing in it refers to
 * cfg afterwards. Returns a catalog the caller frees with catalog_free(),
 * or NULL with the reason in err.
 *
 * prev is the snapshot being served (a reload), or NULL (a start, a
 * check). With prev, one bad published file does not hold the rest back:
 * a CRL or issuer file that fails (see struct catalog_kept) keeps prev's
 * version, with a warning, while the rest of the build goes ahead; the
 * configuration and the [ca] files stay all-or-nothing. Nothing in the
 * result refers to prev.
 */
struct catalog *catalog_build(const struct config *cfg,
			      const struct catalog *prev, char *err,
			      size_t errlen);

/*
 * One published file that failed this build and was replaced by the
 * version prev served (see catalog_build()): a CRL or delta CRL that does
 * not load, is older than the one served (a lower crlNumber) or whose
 * thisUpdate lies ahead; an [issuer] file that does not load.
 */
struct catalog_kept {
	const char *slug;   /* the [ca] or [issuer] section's */
	const char *file;   /* "crl", "delta_crl" or "issuer" */
	const char *reason; /* "invalid", "older" or "future" */
};
/* The Strict-Transport-Security value every response carries, or NULL. */
const char *catalog_hsts(const struct catalog *c);
size_t catalog_kept_count(const struct catalog *c);
/* The published issuing CAs ([issuer]), in configuration order. */
size_t catalog_issuer_count(const struct catalog *c);
/* Its slug; *ret its certificate (borrowed). */
const char *catalog_issuer_at(const struct catalog *c, size_t i,
			      const struct cert **ret);
const struct catalog_kept *catalog_kept_at(const struct catalog *c, size_t i);

/* Frees everything; accepts NULL. */
void catalog_free(struct catalog *c);

/* Exact-match lookup of a request path (no decoding, no normalisation:
 * anything not in the table is NULL). Borrowed, valid until catalog_free(). */
const struct catalog_entry *catalog_lookup(const struct catalog *c,
					   const char *path);

/* The instructions page rendered for platform p in language lang (an
 * index into catalog_lang_tags()). Borrowed. */
const struct catalog_entry *catalog_page(const struct catalog *c,
					 enum page_platform p, size_t lang);
/* The helpdesk view in language lang. Borrowed. */
const struct catalog_entry *catalog_helpdesk(const struct catalog *c,
					     size_t lang);

/* The languages served (canonical tags: "en", "zh-Hans"), in the order
 * configured, and the index of the default. Borrowed. */
size_t catalog_lang_count(const struct catalog *c);
const char *const *catalog_lang_tags(const struct catalog *c);
size_t catalog_default_lang(const struct catalog *c);
/* The index of tag among them (compared without regard to case), or
 * (size_t)-1. */
size_t catalog_lang_find(const struct catalog *c, const char *tag);

/* The error pages every language has, by status. */
#define CATALOG_NERRORS 9
extern const unsigned catalog_error_status[CATALOG_NERRORS];
struct catalog_blob {
	const unsigned char *body;
	size_t len;
};
/* The error page for status in language lang, or NULL (no page for that
 * status). Borrowed. */
const struct catalog_blob *catalog_error(const struct catalog *c, size_t lang,
					 unsigned status);

/*
 * Compression waits until the snapshot is served: a build gives an entry
 * its gzip form only from the forms it made before (a reload compresses
 * what changed, a start nothing). catalog_gzip_one() makes entry i's
 * when it is pending: it writes the entry's gz fields and nothing else,
 * so one thread may call it while others read the rest of the snapshot;
 * a reader may read the gz fields only after learning, with acquire
 * ordering, that they were made. Returns 1 (made; gz_body may still be
 * NULL when compressing did not pay), 0 (nothing pending), -1 (out of
 * memory). Calls for one catalog must not overlap.
 */
int catalog_gzip_one(struct catalog *c, size_t i);
/* How many entries wait for their gzip form (not while
 * catalog_gzip_one() runs). */
size_t catalog_gzip_pending(const struct catalog *c);

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

/* Per-CRL facts for metrics and the summary. Borrowed. */
struct catalog_crl {
	const char *slug; /* the [ca] or [issuer] section's */
	bool delta;
	long long this_update;
	long long next_update; /* 0 = none */
	const char *number;    /* decimal crlNumber, "" without one */
};
size_t catalog_crl_count(const struct catalog *c);
const struct catalog_crl *catalog_crl_at(const struct catalog *c, size_t i);

/*
 * --check-urls: every CDP and AIA URL of each certificate in file (PEM or
 * DER, one or many), and what this snapshot serves there, appended to
 * out. *ret_bad counts the http(s) URLs it would not serve (404, or a host
 * certpost does not answer to); ldap: and OCSP URLs are listed as not
 * certpost's. Returns 0, or -1 when file cannot be read.
 */
int catalog_check_url_file(const struct catalog *c, const struct config *cfg,
			   const char *file, struct buf *out, unsigned *ret_bad,
			   char *err, size_t errlen);

/* The trust-check URLs, space-separated ("none" when there are none).
 * Borrowed, valid until catalog_free(). */
const char *catalog_check_urls(const struct catalog *c);

/* The certificate of CA i (0 <= i < catalog_ca_count()). Borrowed. */
struct cert;
const struct cert *catalog_ca_cert(const struct catalog *c, size_t i);

/* The earliest notAfter of the profile signer's chain (the signer, its
 * intermediates, the root it chains to): 0 when the profile is unsigned. */
long long catalog_profile_not_after(const struct catalog *c);
/*
 * When this snapshot's words about the profile go stale: the second after
 * the first certificate of a "Verified" chain expires, from which iPhones
 * show "Not Verified". 0 when nothing will change. The snapshot should be
 * rebuilt then (main.c's loop does, as a reload).
 */
long long catalog_profile_rebuild_at(const struct catalog *c);

/* Appends a human-readable summary (what --check-config prints). */
int catalog_summary(const struct catalog *c, struct buf *out);

#endif
