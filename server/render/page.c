/* SPDX-License-Identifier: MIT */
/* The instructions and helpdesk pages assembled from {{name}} templates. */
#include "page_int.h"

#include <assert.h>
#include <string.h>
#include <time.h>

#define NAME_MAX_LEN 64

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

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static size_t
line_of(const char *tmpl, const char *at)
{
	size_t line = 1;
	const char *p;

	for (p = tmpl; p < at; p++)
		line += *p == '\n';
	return line;
}

static const struct page_var *
var_find(const struct page_var *vars, size_t nvars, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (vars[i].name != NULL && strlen(vars[i].name) == n &&
		    memcmp(vars[i].name, name, n) == 0)
			return &vars[i];
	return NULL;
}

/* Sets *ret_n to the length of the placeholder name at name (inside
 * "{{...}}"). Returns NULL, or why it is not one. */
static const char *
placeholder_name(const char *name, const char *end, size_t *ret_n)
{
	size_t n = 0, rest;

	while (name + n < end && n <= NAME_MAX_LEN && is_name_char(name[n]))
		n++;
	*ret_n = n;
	if (n > NAME_MAX_LEN)
		return "placeholder name longer than 64 bytes:";
	rest = (size_t)(end - (name + n));
	if (rest == 0 || (name[n] == '}' && (rest == 1 || name[n + 1] != '}')))
		return "unterminated";
	if (name[n] != '}' || name[n + 1] != '}')
		return "bad character in placeholder";
	if (n == 0)
		return "empty placeholder";
	return NULL;
}

int
page_substitute(const char *tmpl, size_t len, const struct page_var *vars,
		size_t nvars, struct buf *out, char *err, size_t errlen)
{
	const char *p = tmpl, *end = tmpl + len, *open, *why;
	const struct page_var *v;
	size_t n;
	int r;

	if (tmpl == NULL || out == NULL) {
		err_set(err, errlen, "no template");
		return -1;
	}
	while ((open = memchr(p, '{', (size_t)(end - p))) != NULL) {
		if (end - open < 2 || open[1] != '{') {
			if (buf_append(out, p, (size_t)(open - p) + 1) == -1)
				goto nomem;
			p = open + 1;
			continue;
		}
		if (buf_append(out, p, (size_t)(open - p)) == -1)
			goto nomem;
		/* The line is counted only for an error: templates may be
		 * large and placeholders many. */
		if ((why = placeholder_name(open + 2, end, &n)) != NULL) {
			err_set(err, errlen, "line %zu: %s {{%.*s",
				line_of(tmpl, open), why,
				(int)(n < 16 ? n : 16), open + 2);
			return -1;
		}
		if ((v = var_find(vars, nvars, open + 2, n)) == NULL) {
			err_set(err, errlen,
				"line %zu: unknown placeholder {{%.*s}}",
				line_of(tmpl, open), (int)n, open + 2);
			return -1;
		}
		if (v->value == NULL)
			r = 0;
		else if (v->raw)
			r = buf_puts(out, v->value);
		else
			r = buf_html_escape(out, v->value);
		if (r == -1)
			goto nomem;
		p = open + 2 + n + 2;
	}
	if (buf_append(out, p, (size_t)(end - p)) == -1)
		goto nomem;
	return 0;
nomem:
	err_set(err, errlen, "out of memory");
	return -1;
}

/* Everything one render needs; vars is the one set of placeholders every
 * template of the page may use. */
struct render {
	page_lookup_fn lookup;
	void *ctx;
	const struct page_site *site;
	enum page_platform p;
	struct page_var vars[32];
	size_t nvars;
	char *err;
	size_t errlen;
	struct buf steps, cas, check, msg, mailto; /* values of vars */
};

static void
render_free(struct render *r)
{
	buf_free(&r->steps);
	buf_free(&r->cas);
	buf_free(&r->check);
	buf_free(&r->msg);
	buf_free(&r->mailto);
}

static void
var_set(struct render *r, const char *name, const char *value, bool raw)
{
	size_t i;

	for (i = 0; i < r->nvars; i++)
		if (strcmp(r->vars[i].name, name) == 0)
			break;
	assert(i < ARRAY_LEN(r->vars));
	r->vars[i] = (struct page_var){name, value != NULL ? value : "", raw};
	if (i == r->nvars)
		r->nvars++;
}

/* Renders template file name with r's variables, appending to out. */
static int
render_file(struct render *r, const char *name, struct buf *out)
{
	const char *t;
	size_t len = 0;
	char why[200];

	if (r->lookup == NULL || (t = r->lookup(r->ctx, name, &len)) == NULL) {
		err_set(r->err, r->errlen, "%s: template not found", name);
		return -1;
	}
	if (page_substitute(t, len, r->vars, r->nvars, out, why, sizeof(why)) ==
	    -1) {
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

static const char *
org_name(const struct page_site *s)
{
	return s->organization != NULL && *s->organization != '\0'
		       ? s->organization
		       : "Internal";
}

static void
render_init(struct render *r, page_lookup_fn lookup, void *ctx,
	    const struct page_site *site, enum page_platform p, char *err,
	    size_t errlen)
{
	const struct page_ca *ca = primary_ca(site);
	bool ios = p == PAGE_IOS || p == PAGE_IOS_OTHER_BROWSER ||
		   p == PAGE_IOS_CHROME;
	bool phone = ios || p == PAGE_ANDROID || p == PAGE_ANDROID_FIREFOX;

	*r = (struct render){.lookup = lookup,
			     .ctx = ctx,
			     .site = site,
			     .p = p,
			     .err = err,
			     .errlen = errlen};
	var_set(r, "organization", org_name(site), false);
	var_set(r, "demo_label", site->demo ? "DEMO " : "", true);
	var_set(r, "demo_banner", site->demo ? page_demo_banner : "", true);
	var_set(r, "platform", page_platform_name(p), false);
	var_set(r, "public_url", site->public_url, false);
	var_set(r, "qr",
		!phone && site->public_url && *site->public_url ? page_qr_block
								: "",
		true);
	var_set(r, "slug", ca != NULL ? ca->slug : "ca", false);
	var_set(r, "ca_name", ca != NULL ? ca->name : "", false);
	var_set(r, "ios_href", "/ca-ios.mobileconfig", false);
	var_set(r, "ios_warning",
		p == PAGE_IOS_OTHER_BROWSER ? page_ios_warning
		: p == PAGE_IOS_CHROME	    ? page_ios_chrome_warning
					    : "",
		true);
	var_set(r, "profile_note",
		page_profile_notes[(unsigned)site->profile_label <
						   PROFILE_LABEL_COUNT
					   ? site->profile_label
					   : PROFILE_NOT_VERIFIED],
		true);
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

/* The visitor's sections first and open, the others after them, closed. */
static int
render_steps(struct render *r, struct buf *out)
{
	size_t i;

	var_set(r, "open", " open", true);
	for (i = 0; i < ARRAY_LEN(lead_files[r->p]); i++)
		if (lead_files[r->p][i] != NULL &&
		    render_file(r, lead_files[r->p][i], out) == -1)
			return -1;
	var_set(r, "open", "", true);
	for (i = 0; i < ARRAY_LEN(steps_files); i++)
		if (!is_lead(r->p, steps_files[i]) &&
		    render_file(r, steps_files[i], out) == -1)
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
	var_set(r, "ca_name", ca->name, false);
	var_set(r, "ca_slug", ca->slug, false);
	var_set(r, "ca_subject", ca->subject, false);
	var_set(r, "ca_sha256", sha256.data, true);
	var_set(r, "ca_sha1", sha1.data, true);
	var_set(r, "ca_expires", expires, false);
	var_set(r, "ca_badges",
		ca->primary ? "<span class=\"badge\">Primary</span>" : "",
		true);
	ret = render_file(r, "ca.html", out);
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
	var_set(r, "check_items", items.data, true);
	ret = render_file(r, "check.html", out);
out:
	buf_free(&items);
	return ret;
}

/* Renders the fragments of a page, then the page template itself. */
static int
render_page(struct render *r, const char *name, struct buf *out)
{
	size_t i;

	if (render_steps(r, &r->steps) == -1)
		return -1;
	for (i = 0; i < r->site->nca; i++)
		if (render_ca(r, &r->site->cas[i], &r->cas) == -1)
			return -1;
	if (render_check(r, &r->check) == -1)
		return -1;
	var_set(r, "steps", r->steps.data, true);
	var_set(r, "ca_list", r->cas.data, true);
	var_set(r, "check", r->check.data, true);
	return render_file(r, name, out);
}

int
page_render_index(page_lookup_fn lookup, void *ctx,
		  const struct page_site *site, enum page_platform p,
		  struct buf *out, char *err, size_t errlen)
{
	struct render r;
	int ret;

	if (site == NULL || out == NULL) {
		err_set(err, errlen, "no site");
		return -1;
	}
	if ((unsigned)p >= PAGE_PLATFORM_COUNT)
		p = PAGE_OTHER;
	render_init(&r, lookup, ctx, site, p, err, errlen);
	ret = render_page(&r, "index.html", out);
	render_free(&r);
	return ret;
}

int
page_helpdesk_text(const struct page_site *site, struct buf *subject,
		   struct buf *body)
{
	const char *org = org_name(site);

	if (buf_printf(subject, "%sInstall the %s root certificate",
		       site->demo ? "DEMO: " : "", org) == -1 ||
	    page_helpdesk_message(site, org, body) == -1)
		return -1;
	return 0;
}

/* Sets "message" (plain text for chat) and "mailto" (the same, as a
 * mailto: URL) in r. */
static int
helpdesk_vars(struct render *r)
{
	struct buf subject = {0};
	int ret = -1;

	if (page_helpdesk_text(r->site, &subject, &r->msg) == -1 ||
	    buf_puts(&r->mailto, "mailto:?subject=") == -1 ||
	    page_pct(&r->mailto, subject.data) == -1 ||
	    buf_puts(&r->mailto, "&body=") == -1 ||
	    page_pct(&r->mailto, r->msg.data) == -1) {
		err_set(r->err, r->errlen, "out of memory");
		goto out;
	}
	var_set(r, "message", r->msg.data, false);
	var_set(r, "mailto", r->mailto.data, false);
	ret = 0;
out:
	buf_free(&subject);
	return ret;
}

int
page_render_helpdesk(page_lookup_fn lookup, void *ctx,
		     const struct page_site *site, struct buf *out, char *err,
		     size_t errlen)
{
	struct render r;
	int ret = -1;

	if (site == NULL || out == NULL) {
		err_set(err, errlen, "no site");
		return -1;
	}
	render_init(&r, lookup, ctx, site, PAGE_OTHER, err, errlen);
	/* The helpdesk shows the QR on its screen for the user's phone. */
	var_set(&r, "qr",
		site->public_url && *site->public_url ? page_qr_block : "",
		true);
	if (helpdesk_vars(&r) == 0)
		ret = render_page(&r, "helpdesk.html", out);
	render_free(&r);
	return ret;
}
