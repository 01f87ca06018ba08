/* SPDX-License-Identifier: MIT */
/* What page.c, page_detect.c and page_text.c share; not for other modules. */
#ifndef CERTPOST_PAGE_INT_H
#define CERTPOST_PAGE_INT_H

#include "render/render.h"

extern const char page_demo_banner[];
extern const char page_ios_warning[];
extern const char page_ios_chrome_warning[];
extern const char *const page_profile_notes[PROFILE_LABEL_COUNT];
extern const char page_qr_block[];

/* page.c: one render of a page, and what the page's files share. */
/* Everything one render needs; vars is the one set of placeholders every
 * template of the page may use. */
struct render {
	page_lookup_fn lookup;
	void *ctx;
	const struct page_site *site;
	enum page_platform p;
	size_t lang;
	struct page_words w;
	struct page_cache *cache; /* may be NULL */
	const char *ios_warning;  /* the iPhone section's, by platform */
	struct page_var vars[40];
	size_t nvars;
	char *err;
	size_t errlen;
	/* values of vars */
	struct buf steps, cas, check, msgs, hreflang, switcher;
};

void page_render_free(struct render *r);
void page_var_set(struct render *r, const char *name, const char *value,
		  bool raw);
/* A fragment of template (its messages in the page's language). */
void page_var_tmpl(struct render *r, const char *name, const char *fragment);
/* Renders template file name with r's variables, appending to out. */
int page_render_file(struct render *r, const char *name, struct buf *out);
int page_render_init(struct render *r, page_lookup_fn lookup, void *ctx,
		     const struct page_site *site, enum page_platform p,
		     size_t lang, char *err, size_t errlen);
/* Renders the fragments of a page, then the page template name. */
int page_render_page(struct render *r, const char *name, struct buf *out);
/* The language's own name ("Deutsch"), from its catalog. */
const char *page_lang_name(const struct i18n_catalog *c);
const char *page_org_name(const struct page_site *s);

/* page_cache.c: a fragment cached for language lang (by name, open,
 * and variant: a pointer compared as such), or NULL; keeping one. */
const struct buf *page_cache_get(struct page_cache *c, size_t lang,
				 const char *name, bool open,
				 const char *variant);
void page_cache_put(struct page_cache *c, size_t lang, const char *name,
		    bool open, const char *variant, const char *data,
		    size_t len);

/* The grouped fingerprint as lines of 8 pairs, one <span> each, appended
 * to out. Returns 0 or -1 (out of memory). */
int page_fingerprint_lines(const char *hex, struct buf *out);

/* Appends s percent-encoded for a mailto: URL. Returns 0 or -1. */
int page_pct(struct buf *b, const char *s);

/* Appends the helpdesk's plain-text message for site s in language lang
 * (whose words w are) to m, its subject line to subject. Returns 0 or -1
 * with the reason in err. */
int page_helpdesk_message(const struct page_site *s, const char *org,
			  const struct page_words *w, size_t lang,
			  struct buf *subject, struct buf *m, char *err,
			  size_t errlen);

#endif
