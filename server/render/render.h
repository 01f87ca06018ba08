/* SPDX-License-Identifier: MIT */
/* render/: The bytes a person reads: the page and its text, platform detection,
 * language negotiation, profile labels, the e-mail, the QR code, the embedded
 * static files. The folder's whole surface. */
#ifndef CERTPOST_RENDER_H
#define CERTPOST_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "pki/pki.h"
#include "util.h"

/* i18n: The page's words per language: message catalogs (gettext PO files,
 * i18n/ in the source, static_dir for an admin's), their checks, and the
 * labels the devices show with where each wording comes from
 * (docs/translating.md). */

/*
 * One entry of a catalog. Keys: "m.<id>" an HTML fragment, "p.<id>" plain
 * text, "l.<id>" an on-screen label of a device. A label has source, os
 * and checked (a first-party text, the version it describes, the day it
 * was read), or unsourced (why there is none); note is free text.
 */
struct i18n_entry {
	const char *key;
	const char *text;
	const char *source, *os, *checked, *unsourced, *note;
};

struct i18n_catalog {
	const char *tag; /* BCP 47, the PO header's Language: "de", "zh-Hans" */
	const char *file;		  /* where it was read, for messages */
	const struct i18n_entry *entries; /* sorted by key (strcmp) */
	size_t n;
};

/* The catalogs compiled in (checked at build time), English first. */
extern const struct i18n_catalog i18n_builtin[];
extern const size_t i18n_builtin_count;

/* The entry named key (len bytes), or NULL. */
const struct i18n_entry *i18n_find(const struct i18n_catalog *c,
				   const char *key, size_t len);

/*
 * Checks c against the English catalog ref: every key of ref present with
 * a non-empty text and no other; per message the same {{...}} and {...}
 * placeholders, each as often, and as many of each HTML tag; no markup in
 * a "p." text; every label sourced or marked unsourced, never both. src
 * (c's file, may be NULL) gives problems their line. Appends one line per
 * problem ("file:line: key: problem\n") to errs; returns how many.
 */
unsigned i18n_check(const struct i18n_catalog *ref,
		    const struct i18n_catalog *c, const char *src,
		    size_t srclen, struct buf *errs);

/*
 * Reads a PO file (libgettextpo). reference: the English catalog
 * (certpost.pot), whose texts are the msgids; otherwise the msgstrs,
 * fuzzy and untranslated messages left out. Label provenance comes from
 * the translator comments ("# source: ...", "# os: ...", "# checked:
 * YYYY-MM-DD", "# unsourced: ...", "# note: "), the reference's from its
 * extracted comments ("#. source: ..."). Returns a catalog to
 * free with i18n_po_free(), or NULL with the reason (file:line) in err.
 */
struct i18n_catalog *i18n_po_read(const char *path, const char *name,
				  bool reference, char *err, size_t errlen);
/*
 * The same in a process of its own (libgettextpo keeps memory it never
 * frees, and a FILE after a syntax error): runs this binary as
 * "certpost --read-catalog NAME" with fd (a file of PO text, read from
 * its start) as its standard input. For a daemon that reads catalogs
 * at each reload. Returns a catalog to free with i18n_po_free(), or NULL
 * with the reason in err.
 */
struct i18n_catalog *i18n_po_read_fd(int fd, const char *name, char *err,
				     size_t errlen);
/* "certpost --read-catalog NAME": reads standard input and writes the
 * catalog to standard output for i18n_po_read_fd(); never returns. */
__attribute__((noreturn)) void i18n_po_child(const char *name);

/* A new catalog: over's entries, and base's where over has none (base may
 * be NULL). Free with i18n_po_free(). NULL on no memory. */
struct i18n_catalog *i18n_merge(const struct i18n_catalog *base,
				const struct i18n_catalog *over);
void i18n_po_free(struct i18n_catalog *c);

/* page: The instructions and helpdesk pages: template substitution with HTML
 * escaping, platform detection. */

/*
 * What the visitor is using, as far as the User-Agent tells. Each value
 * gets its own pre-rendered page with that platform's steps first.
 */
enum page_platform {
	PAGE_IOS,		/* iPhone/iPad Safari (and iOS < 13 iPad) */
	PAGE_IOS_OTHER_BROWSER, /* FxiOS, EdgiOS, DuckDuckGo, in-app browsers */
	PAGE_ANDROID,
	PAGE_MACOS, /* also iPadOS Safari and Vision Pro Safari: same UA */
	PAGE_WINDOWS,
	PAGE_LINUX,
	PAGE_FIREFOX, /* Firefox on Linux and BSD: its own certificate store */
	PAGE_IOS_CHROME,      /* CriOS: a profile only over trusted HTTPS */
	PAGE_ANDROID_FIREFOX, /* ignores user CAs until told otherwise */
	PAGE_CHROMEOS,
	PAGE_OTHER,
	PAGE_PLATFORM_COUNT
};

/* Classifies a User-Agent (NULL or empty gives PAGE_OTHER). Pure string
 * work, no allocation: it runs on the request path. */
enum page_platform page_detect(const char *user_agent);

/* Short stable name for logs and metrics: "ios", "ios-other", "android",
 * "macos", "windows", "linux", "firefox", "ios-chrome", "android-firefox",
 * "chromeos", "other". */
const char *page_platform_name(enum page_platform p);
/* The platform's name as a person reads it ("iPhone and iPad (Safari)");
 * static. */
const char *page_platform_title(enum page_platform p);

/* Returns a template's bytes by file name ("index.html"), or NULL. The
 * bytes stay valid for the whole render. */
typedef const char *(*page_lookup_fn)(void *ctx, const char *name,
				      size_t *ret_len);

struct page_ca {
	const char *name;
	const char *slug;
	const char *subject;
	const char *sha256_hex; /* "AB:CD:..." */
	const char *sha1_hex;
	long long not_before; /* unix time */
	long long not_after;
	bool primary;
};

struct page_site {
	const char *organization;
	const char *public_url; /* may be "" */
	bool demo;		/* label everything DEMO */
	const struct page_ca *cas;
	size_t nca;
	const char *const *check_urls; /* trust check targets, may be 0 */
	size_t ncheck;
	enum profile_label profile_label; /* what the iPhone will show */
	/* The languages served, as configured, and the one for a visitor
	 * whose browser names none of them; english gives an unsourced
	 * label its English words. */
	const struct i18n_catalog *const *langs;
	size_t nlang;
	size_t default_lang;
	const struct i18n_catalog *english;
};

/* One {{name}} placeholder value. raw values are inserted as they are
 * (already-rendered HTML); others are HTML-escaped; a tmpl value is a
 * template fragment, substituted in turn (its messages too). */
struct page_var {
	const char *name;
	const char *value;
	bool raw;
	bool tmpl;
};

/* The words of one language: {{m.id}} (an HTML message), {{p.id}} (plain
 * text, escaped), {{l.id}} (a device label; one without a first-party
 * source gets en's words beside it). */
struct page_words {
	const struct i18n_catalog *cat;
	const struct i18n_catalog *en;
};

/*
 * Copies tmpl to out, replacing each {{name}} with its variable. An
 * unknown name, an unterminated "{{" or a name longer than 64 bytes is an
 * error naming it. Returns 0, or -1 with a reason (out then holds a
 * partial result the caller frees).
 */
int page_substitute(const char *tmpl, size_t len, const struct page_var *vars,
		    size_t nvars, struct buf *out, char *err, size_t errlen);
/* The same with a language's words (w may be NULL: none); text: plain
 * text out, nothing escaped and no {{m.id}}. */
int page_substitute_words(const char *tmpl, size_t len,
			  const struct page_var *vars, size_t nvars,
			  const struct page_words *w, bool text,
			  struct buf *out, char *err, size_t errlen);

/*
 * The parts of a page that do not depend on the platform (each steps
 * section open or closed, the CA list, the check), rendered once per
 * language and reused for every platform's page: a start renders a page
 * per platform and language. One cache serves one site, one language at
 * a time (a new language empties it).
 */
struct page_cache;
struct page_cache *page_cache_new(void);
void page_cache_free(struct page_cache *c);

/* Renders the instructions page for platform p in language lang (an
 * index into site->langs) into out; cache may be NULL. Returns 0 or -1. */
int page_render_index(page_lookup_fn lookup, void *ctx,
		      const struct page_site *site, enum page_platform p,
		      size_t lang, struct page_cache *cache, struct buf *out,
		      char *err, size_t errlen);

/* The helpdesk's message to a user in language lang, as plain text: what
 * /helpdesk shows and its e-mail carries, and its subject line. Appends
 * to both; returns 0 or -1 with the reason in err. */
int page_helpdesk_text(const struct page_site *site, size_t lang,
		       struct buf *subject, struct buf *body, char *err,
		       size_t errlen);

/* Renders the helpdesk page in language lang (the helpdesk's own; each
 * language's message is on it) into out; cache (may be NULL) as for
 * page_render_index(). Returns 0 or -1. */
int page_render_helpdesk(page_lookup_fn lookup, void *ctx,
			 const struct page_site *site, size_t lang,
			 struct page_cache *cache, struct buf *out, char *err,
			 size_t errlen);

/* An error page for status in language lang ("<!doctype html>..."),
 * appended to out. Returns 0 or -1. */
int page_render_error(const struct page_site *site, size_t lang,
		      unsigned status, struct buf *out, char *err,
		      size_t errlen);

/* The address a language's page has: public_url (or "/") with
 * "?lang=<tag>", into out. */
int page_lang_url(const struct page_site *site, size_t lang, struct buf *out);

/* Writes a fingerprint "AB:CD:EF:..." as the groups iOS and macOS show
 * ("AB CD EF ..."), into out, HTML-escaped. Returns 0 or -1. */
int page_fingerprint_groups(const char *hex, struct buf *out);

/* lang: Which of the page's languages a request gets: Accept-Language
 * (RFC 9110 12.5.4) matched by RFC 4647 3.4 lookup, with the product's
 * rules for Chinese scripts and Portuguese and Spanish regions
 * (docs/languages.md). */

/*
 * Picks the language for a request from the enabled set. enabled holds
 * nenabled canonical tags ("en", "zh-Hans", "pt-BR"), none NULL, compared
 * without regard to case; accept_language may be NULL. Returns an index
 * into enabled: default_index when the header names nothing acceptable
 * (a request is never refused), 0 when default_index is out of range or
 * nenabled is 0. Pure string work, no allocation, thread-safe: it runs
 * on the request path.
 */
size_t lang_negotiate(const char *accept_language, const char *const *enabled,
		      size_t nenabled, size_t default_index);

/*
 * True when tag is a well-formed BCP 47 tag of the shape the page uses:
 * a 2-3 letter language, an optional 4-letter script, an optional
 * 2-letter or 3-digit region, then variants (5-8 letters and digits, or
 * a digit and 3 more), at most 35 characters in all, any case. No
 * extlang, extension or private use. For ?lang= values and the config.
 */
bool lang_tag_valid(const char *tag);

/* mail: A ready-to-send e-mail (RFC 5322, MIME) for the helpdesk: the
 * instructions as text and HTML, the profile and the certificate
 * attached, marked as a draft. */

/* One attachment: bytes borrowed for the call. name is a plain file name
 * (letters, digits, '.', '-', '_'), type a MIME type. */
struct mail_attachment {
	const char *name;
	const char *type;
	const void *data;
	size_t len;
};

/*
 * Writes a draft message into out: "X-Unsent: 1" (Outlook and Apple Mail
 * open such a file ready to address and send), the subject (RFC 2047
 * encoded when it is not plain ASCII), a multipart/alternative body of
 * text (UTF-8) and HTML made from it (escaped, links made clickable),
 * and the attachments, every part base64 with CRLF line ends. No From,
 * To or Date: the agent's mail program fills them in. Returns 0, or -1
 * with a reason.
 */
int mail_draft(const char *subject, const char *text,
	       const struct mail_attachment *att, size_t natt, struct buf *out,
	       char *err, size_t errlen);

/* qr: QR codes (libqrencode) drawn as SVG. */

/*
 * Encodes text (a URL) at error-correction level M and writes a standalone
 * SVG (black modules as one path, 4-module quiet zone, scalable viewBox,
 * role="img" with an aria-label naming the URL) into out.
 * Returns 0, or -1 with a reason.
 */
int qr_svg(const char *text, struct buf *out, char *err, size_t errlen);

/* assets: The files of static/, compiled into the binary by tools/embed.py. */

struct asset {
	const char *name;	   /* file name, no directory: "style.css" */
	const unsigned char *data; /* NUL-terminated after len bytes */
	size_t len;
};

/* Sorted by name. */
extern const struct asset assets[];
extern const size_t assets_count;

#endif
