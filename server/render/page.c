/* SPDX-License-Identifier: MIT */
/* The instructions and helpdesk pages assembled from {{name}} templates. */
#include "page_int.h"

#include <assert.h>
#include <string.h>
#include <time.h>

/* Every platform's steps, one template each, in the order of the closed
 * sections after the visitor's own. */
static const char *const steps_files[] = {
	"steps-ios.html",
	"steps-android.html",
	"steps-firefox-android.html",
	"steps-windows.html",
	"steps-macos.html",
	"steps-visionos.html",
	"steps-chromeos.html",
	"steps-linux.html",
	"steps-firefox.html",
	"steps-developers.html",
};

/*
 * The sections a platform gets first, open. A Mac User-Agent may be an
 * iPad (iPadOS Safari asks for the desktop site): without JavaScript to
 * tell them apart, the iPad's steps are open right after the Mac's.
 * Firefox for Android needs Android's install and then its own switch.
 */
static const char *const lead_files[PAGE_PLATFORM_COUNT][3] = {
	[PAGE_IOS] = {"steps-ios.html"},
	[PAGE_IOS_OTHER_BROWSER] = {"steps-ios.html"},
	[PAGE_IOS_CHROME] = {"steps-ios.html"},
	[PAGE_ANDROID] = {"steps-android.html"},
	[PAGE_ANDROID_FIREFOX] = {"steps-firefox-android.html",
				  "steps-android.html"},
	[PAGE_MACOS] = {"steps-macos.html", "steps-ios.html"},
	[PAGE_WINDOWS] = {"steps-windows.html"},
	[PAGE_CHROMEOS] = {"steps-chromeos.html"},
	[PAGE_LINUX] = {"steps-linux.html"},
	[PAGE_FIREFOX] = {"steps-firefox.html", "steps-linux.html"},
};

void
page_render_free(struct render *r)
{
	buf_free(&r->steps);
	buf_free(&r->cas);
	buf_free(&r->check);
	buf_free(&r->msgs);
	buf_free(&r->hreflang);
	buf_free(&r->switcher);
}

static void
var_put(struct render *r, const char *name, const char *value, bool raw,
	bool tmpl)
{
	size_t i;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->vars[i].name, name) == 0)
			break;
	assert(i < ARRAY_LEN(r->vars));
	r->vars[i] =
		(struct page_var){name, value != NULL ? value : "", raw, tmpl};
	if (i == r->nvars)
		r->nvars++;
}

void
page_var_set(struct render *r, const char *name, const char *value, bool raw)
{
	var_put(r, name, value, raw, false);
}

/* A fragment of template (its messages in the page's language). */
void
page_var_tmpl(struct render *r, const char *name, const char *fragment)
{
	var_put(r, name, fragment, false, true);
}

/* Renders template file name with r's variables, appending to out. */
int
page_render_file(struct render *r, const char *name, struct buf *out)
{
	const char *t;
	size_t len = 0;
	char why[300];

	if (r->lookup == NULL || (t = r->lookup(r->ctx, name, &len)) == NULL) {
		err_set(r->err, r->errlen, "%s: template not found", name);
		return -1;
	}
	if (page_substitute_words(t, len, r->vars, r->nvars, &r->w, false, out,
				  why, sizeof(why)) == -1) {
		err_set(r->err, r->errlen, "%s: %s", name, why);
		return -1;
	}
	return 0;
}

static const struct page_ca *
primary_ca(const struct page_site *s)
{
	size_t i;

	for (i = 0; i < s->nca; i++)
		if (s->cas[i].primary)
			return &s->cas[i];
	return s->nca > 0 ? &s->cas[0] : NULL;
}

const char *
page_org_name(const struct page_site *s)
{
	return s->organization != NULL && *s->organization != '\0'
		       ? s->organization
		       : "Internal";
}

/* The language's own name ("Deutsch"), from its catalog. */
const char *
page_lang_name(const struct i18n_catalog *c)
{
	const struct i18n_entry *e = i18n_find(c, "p.lang.name", 11);

	return e != NULL ? e->text : c->tag;
}

int
page_lang_url(const struct page_site *site, size_t lang, struct buf *out)
{
	const char *base = site->public_url != NULL && *site->public_url
				   ? site->public_url
				   : "/";

	const char *host = strstr(base, "://");
	/* "http://ca.example" has the path "/" (RFC 3986 6.2.3): written. */
	bool root = host != NULL && strchr(host + 3, '/') == NULL &&
		    strchr(host + 3, '?') == NULL;

	return buf_printf(out, "%s%s%slang=%s", base, root ? "/" : "",
			  strchr(base, '?') != NULL ? "&" : "?",
			  site->langs[lang]->tag);
}

/*
 * <link rel="alternate" hreflang> for every language and x-default (the
 * address that negotiates), and the switcher: each language in its own
 * name, the current one marked. Nothing with one language.
 */
static int
lang_links(struct render *r)
{
	const struct page_site *s = r->site;
	size_t i;
	int ret = -1;

	if (s->nlang < 2)
		return 0;
	if (buf_puts(&r->switcher,
		     "<nav class=\"langs\" aria-label=\"{{p.lang.switcher}}"
		     "\"><ul>") == -1)
		goto out;
	for (i = 0; i < s->nlang; i++) {
		const char *tag = s->langs[i]->tag;

		/* Relative: the bytes (and ETag) do not depend on the
		 * name the page is reached by. */
		if (buf_printf(&r->hreflang,
			       "<link rel=\"alternate\" hreflang=\"%s\" "
			       "href=\"/?lang=%s\">\n",
			       tag, tag) == -1)
			goto out;
		if (i == r->lang ? buf_printf(&r->switcher,
					      "<li><span lang=\"%s\" "
					      "aria-current=\"true\">",
					      tag) == -1
				 : buf_printf(&r->switcher,
					      "<li><a href=\"/?lang=%s\" "
					      "hreflang=\"%s\" lang=\"%s\">",
					      tag, tag, tag) == -1)
			goto out;
		/* The name is a checked p. message (no placeholder). */
		if (buf_html_escape(&r->switcher,
				    page_lang_name(s->langs[i])) == -1 ||
		    buf_puts(&r->switcher,
			     i == r->lang ? "</span></li>" : "</a></li>") == -1)
			goto out;
	}
	if (buf_puts(&r->switcher, "</ul></nav>\n") == -1 ||
	    buf_puts(&r->hreflang, "<link rel=\"alternate\" "
				   "hreflang=\"x-default\" href=\"/\">") == -1)
		goto out;
	ret = 0;
out:
	return ret;
}

int
page_render_init(struct render *r, page_lookup_fn lookup, void *ctx,
		 const struct page_site *site, enum page_platform p,
		 size_t lang, char *err, size_t errlen)
{
	const struct page_ca *ca = primary_ca(site);
	bool ios = p == PAGE_IOS || p == PAGE_IOS_OTHER_BROWSER ||
		   p == PAGE_IOS_CHROME;
	bool phone = ios || p == PAGE_ANDROID || p == PAGE_ANDROID_FIREFOX;

	*r = (struct render){.lookup = lookup,
			     .ctx = ctx,
			     .site = site,
			     .p = p,
			     .lang = lang,
			     .err = err,
			     .errlen = errlen};
	if (lang >= site->nlang) {
		err_set(err, errlen, "no such language");
		return -1;
	}
	r->w = (struct page_words){site->langs[lang], site->english};
	page_var_set(r, "lang", site->langs[lang]->tag, false);
	page_var_set(r, "organization", page_org_name(site), false);
	page_var_set(r, "demo_label", site->demo ? "DEMO " : "", true);
	page_var_tmpl(r, "demo_banner", site->demo ? page_demo_banner : "");
	page_var_set(r, "platform", page_platform_name(p), false);
	page_var_set(r, "public_url", site->public_url, false);
	page_var_tmpl(r, "qr",
		      !phone && site->public_url && *site->public_url
			      ? page_qr_block
			      : "");
	page_var_set(r, "slug", ca != NULL ? ca->slug : "ca", false);
	page_var_set(r, "ca_name", ca != NULL ? ca->name : "", false);
	page_var_set(r, "ios_href", "/ca-ios.mobileconfig", false);
	r->ios_warning = p == PAGE_IOS_OTHER_BROWSER ? page_ios_warning
			 : p == PAGE_IOS_CHROME	     ? page_ios_chrome_warning
						     : "";
	page_var_tmpl(r, "ios_warning", r->ios_warning);
	page_var_tmpl(r, "profile_note",
		      page_profile_notes[(unsigned)site->profile_label <
							 PROFILE_LABEL_COUNT
						 ? site->profile_label
						 : PROFILE_NOT_VERIFIED]);
	return 0;
}

static bool
is_lead(enum page_platform p, const char *file)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(lead_files[p]); i++)
		if (lead_files[p][i] != NULL &&
		    strcmp(lead_files[p][i], file) == 0)
			return true;
	return false;
}

/* File name rendered open or closed, from the cache when it holds it.
 * Only the iPhone section's bytes depend on the platform (its warning). */
static int
cached_file(struct render *r, const char *name, bool open, struct buf *out)
{
	const char *variant =
		strcmp(name, "steps-ios.html") == 0 ? r->ios_warning : NULL;
	const struct buf *hit =
		page_cache_get(r->cache, r->lang, name, open, variant);
	size_t before = out->len;

	if (hit != NULL)
		return buf_append(out, hit->data != NULL ? hit->data : "",
				  hit->len) == -1
			       ? -1
			       : 0;
	page_var_set(r, "open", open ? " open" : "", true);
	if (page_render_file(r, name, out) == -1)
		return -1;
	page_cache_put(r->cache, r->lang, name, open, variant,
		       out->data + before, out->len - before);
	return 0;
}

/* The visitor's sections first and open, the others after them, closed. */
static int
render_steps(struct render *r, struct buf *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(lead_files[r->p]); i++)
		if (lead_files[r->p][i] != NULL &&
		    cached_file(r, lead_files[r->p][i], true, out) == -1)
			return -1;
	for (i = 0; i < ARRAY_LEN(steps_files); i++)
		if (!is_lead(r->p, steps_files[i]) &&
		    cached_file(r, steps_files[i], false, out) == -1)
			return -1;
	return 0;
}

/* Per-CA values go into a copy of r's variables, so that none of them
 * outlives its buffer. */
static int
render_ca(const struct render *page, const struct page_ca *ca, struct buf *out)
{
	struct render one = *page, *r = &one;
	struct buf sha256 = {0}, sha1 = {0};
	char expires[32];
	time_t t = (time_t)ca->not_after;
	struct tm tm;
	int ret = -1;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(expires, sizeof(expires), "%Y-%m-%d", &tm) == 0) {
		err_set(r->err, r->errlen, "%s: bad expiry date", ca->name);
		return -1;
	}
	if (page_fingerprint_lines(ca->sha256_hex, &sha256) == -1 ||
	    page_fingerprint_lines(ca->sha1_hex, &sha1) == -1) {
		err_set(r->err, r->errlen, "out of memory");
		goto out;
	}
	page_var_set(r, "ca_name", ca->name, false);
	page_var_set(r, "ca_slug", ca->slug, false);
	page_var_set(r, "ca_subject", ca->subject, false);
	page_var_set(r, "ca_sha256", sha256.data, true);
	page_var_set(r, "ca_sha1", sha1.data, true);
	page_var_set(r, "ca_expires", expires, false);
	page_var_tmpl(r, "ca_badges",
		      ca->primary
			      ? "<span class=\"badge\">{{p.ca.primary}}</span>"
			      : "");
	ret = page_render_file(r, "ca.html", out);
out:
	buf_free(&sha256);
	buf_free(&sha1);
	return ret;
}

static int
check_item(struct buf *b, const char *url)
{
	/* Only web addresses become links: a config typo must not turn
	 * into a javascript: URL on the page. */
	bool web = strncmp(url, "https://", 8) == 0 ||
		   strncmp(url, "http://", 7) == 0;

	if (buf_puts(b, "<li class=\"check-item\" data-state=\"idle\" "
			"data-check-url=\"") == -1 ||
	    buf_html_escape(b, url) == -1 || buf_puts(b, "\">") == -1)
		return -1;
	if (web && (buf_puts(b, "<a href=\"") == -1 ||
		    buf_html_escape(b, url) == -1 || buf_puts(b, "\">") == -1))
		return -1;
	if (buf_html_escape(b, url) == -1 || (web && buf_puts(b, "</a>") == -1))
		return -1;
	return buf_puts(b, " <span class=\"check-result\"></span></li>\n");
}

static int
render_check(const struct render *page, struct buf *out)
{
	struct render one = *page, *r = &one;
	struct buf items = {0};
	size_t i;
	int ret = -1;

	if (r->site->ncheck == 0)
		return 0;
	for (i = 0; i < r->site->ncheck; i++) {
		if (r->site->check_urls[i] != NULL &&
		    check_item(&items, r->site->check_urls[i]) == -1) {
			err_set(r->err, r->errlen, "out of memory");
			goto out;
		}
	}
	page_var_set(r, "check_items", items.data, true);
	ret = page_render_file(r, "check.html", out);
out:
	buf_free(&items);
	return ret;
}

/* Renders the fragments of a page, then the page template itself. */
/* A part every platform's page shares: from the cache, or rendered and
 * kept. */
static int
shared_part(struct render *r, const char *name,
	    int (*make)(struct render *r, struct buf *out), struct buf *out)
{
	const struct buf *hit =
		page_cache_get(r->cache, r->lang, name, false, NULL);

	if (hit != NULL)
		return buf_append(out, hit->data != NULL ? hit->data : "",
				  hit->len);
	if (make(r, out) == -1)
		return -1;
	page_cache_put(r->cache, r->lang, name, false, NULL,
		       out->data != NULL ? out->data : "", out->len);
	return 0;
}

static int
make_ca_list(struct render *r, struct buf *out)
{
	for (size_t i = 0; i < r->site->nca; i++)
		if (render_ca(r, &r->site->cas[i], out) == -1)
			return -1;
	return 0;
}

static int
make_check(struct render *r, struct buf *out)
{
	return render_check(r, out);
}

int
page_render_page(struct render *r, const char *name, struct buf *out)
{
	/* Only a whole page has the switcher and the alternates (not the
	 * error pages, 81 of them per snapshot). */
	if (lang_links(r) == -1) {
		err_set(r->err, r->errlen, "out of memory");
		return -1;
	}
	page_var_set(r, "hreflang", r->hreflang.data, true);
	page_var_tmpl(r, "switcher",
		      r->switcher.data != NULL ? r->switcher.data : "");
	if (render_steps(r, &r->steps) == -1 ||
	    shared_part(r, "ca_list", make_ca_list, &r->cas) == -1 ||
	    shared_part(r, "check", make_check, &r->check) == -1)
		return -1;
	page_var_set(r, "steps", r->steps.data, true);
	page_var_set(r, "ca_list", r->cas.data, true);
	page_var_set(r, "check", r->check.data, true);
	return page_render_file(r, name, out);
}

int
page_render_index(page_lookup_fn lookup, void *ctx,
		  const struct page_site *site, enum page_platform p,
		  size_t lang, struct page_cache *cache, struct buf *out,
		  char *err, size_t errlen)
{
	struct render r;
	int ret = -1;

	if (site == NULL || out == NULL) {
		err_set(err, errlen, "no site");
		return -1;
	}
	if ((unsigned)p >= PAGE_PLATFORM_COUNT)
		p = PAGE_OTHER;
	if (page_render_init(&r, lookup, ctx, site, p, lang, err, errlen) ==
	    0) {
		r.cache = cache;
		ret = page_render_page(&r, "index.html", out);
	}
	page_render_free(&r);
	return ret;
}

int
page_render_error(const struct page_site *site, size_t lang, unsigned status,
		  struct buf *out, char *err, size_t errlen)
{
	struct render r;
	struct buf t = {0};
	char key[40];
	int ret = -1;

	if (page_render_init(&r, NULL, NULL, site, PAGE_OTHER, lang, err,
			     errlen) == -1)
		goto out;
	(void)str_printf(key, sizeof(key), "p.error.%u_text", status);
	if (buf_printf(&t,
		       "<!doctype html><html lang=\"{{lang}}\"><title>%u "
		       "{{p.error.%u}}</title><h1>{{p.error.%u}}</h1>",
		       status, status, status) == -1 ||
	    (i18n_find(r.w.cat, key, strlen(key)) != NULL &&
	     buf_printf(&t, "<p>{{%s}}</p>", key) == -1) ||
	    (status == 404 &&
	     buf_puts(&t, "<p><a href=\"/\">{{p.error.404_link}}</a></p>") ==
		     -1) ||
	    buf_puts(&t, "\n") == -1) {
		err_set(err, errlen, "out of memory");
		goto out;
	}
	ret = page_substitute_words(t.data, t.len, r.vars, r.nvars, &r.w, false,
				    out, err, errlen);
out:
	buf_free(&t);
	page_render_free(&r);
	return ret;
}
