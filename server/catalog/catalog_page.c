/* SPDX-License-Identifier: MIT */
/* Building a snapshot: the instructions page (one variant per platform) and
 * the helpdesk view, with the Content-Security-Policy that lets them reach
 * the trust-check servers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "pki/pki.h"
#include "render/render.h"

static const char *
lookup(void *ctx, const char *name, size_t *ret_len)
{
	const struct cat_asset *a = cat_asset(ctx, name);

	if (a == NULL)
		return NULL;
	*ret_len = a->len;
	return (const char *)a->data;
}

/* "https://host:port/path" -> "https://host:port" (into dst). */
static int
url_origin(const char *url, char *dst, size_t dstlen)
{
	const char *host = strstr(url, "://");
	size_t n;

	if (host == NULL)
		return -1;
	n = (size_t)(host + 3 - url) + strcspn(host + 3, "/?#");
	if (n >= dstlen)
		return -1;
	memcpy(dst, url, n);
	dst[n] = '\0';
	return 0;
}

/*
 * The page may reach exactly the trust-check origins, nothing else; every
 * other response keeps the base policy.
 */
static const char *
page_csp(struct catalog *c, const char *const *urls, size_t n)
{
	struct buf b = {0}, src = {0};
	char origin[CONFIG_STR_MAX];
	size_t i;

	for (i = 0; i < n; i++)
		if (url_origin(urls[i], origin, sizeof(origin)) == 0)
			(void)buf_printf(&src, " %s", origin);
	(void)buf_printf(&b,
			 "default-src 'none'; style-src 'self'; "
			 "script-src 'self'; img-src 'self'%s; "
			 "connect-src 'self'%s; base-uri 'none'; "
			 "form-action 'none'; frame-ancestors 'none'",
			 src.data ? src.data : "", src.data ? src.data : "");
	buf_free(&src);
	if (b.data == NULL || cat_own(c, b.data) == -1)
		return NULL;
	return b.data;
}

/* Everything the templates need to know about the site. */
struct site_input {
	struct page_site site;
	struct page_ca pcas[CONFIG_MAX_CERTS];
	const char *checks[CONFIG_MAX_CHECK_URL];
	char own_check[CONFIG_STR_MAX];
};

/* An entry already added, by path (the table is not sorted yet). */
static const struct catalog_entry *
added(const struct catalog *c, const char *path)
{
	for (size_t i = 0; i < c->nentries; i++)
		if (strcmp(c->entries[i].path, path) == 0)
			return &c->entries[i];
	return NULL;
}

/*
 * /helpdesk/email-<tag>.eml (the default language's also at
 * /helpdesk/email.eml): the helpdesk's message as a draft e-mail with the
 * iOS profile and the primary root's DER attached, the very bytes served
 * at /ca-ios.mobileconfig and /ca.cer. iOS Mail installs an attached
 * profile as Safari does.
 */
static int
add_email(struct catalog *c, const struct page_site *site, size_t lang,
	  const char *path, char *err, size_t errlen)
{
	/* The profile marked for iPhone and iPad, the one the iPhone steps
	 * link. */
	const struct catalog_entry *prof = added(c, "/ca-ios.mobileconfig");
	const struct catalog_entry *der = added(c, "/ca.cer");
	struct buf subject = {0}, text = {0}, eml = {0};
	struct mail_attachment att[2];
	size_t n = 0;
	int ret = -1;

	if (prof != NULL)
		att[n++] = (struct mail_attachment){prof->filename,
						    prof->content_type,
						    prof->body, prof->len};
	if (der != NULL)
		att[n++] = (struct mail_attachment){
			der->filename, der->content_type, der->body, der->len};
	if (page_helpdesk_text(site, lang, &subject, &text, err, errlen) ==
		    -1 ||
	    mail_draft(subject.data, text.data, att, n, &eml, err, errlen) ==
		    -1)
		goto out;
	/* The catalog owns the bytes from here, even on failure. */
	if (cat_add_buf(c, path, "message/rfc822", &eml, CATALOG_HELPDESK) ==
	    -1)
		goto out;
	c->entries[c->nentries - 1].filename =
		cat_strdup(c, "install-root-certificate.eml");
	if (c->entries[c->nentries - 1].filename == NULL)
		goto out;
	ret = 0;
out:
	if (ret == -1 && err[0] == '\0')
		err_set(err, errlen, "helpdesk e-mail: out of memory");
	buf_free(&subject);
	buf_free(&text);
	buf_free(&eml);
	return ret;
}

/* What the helpdesk sends in each language: the e-mail, and the QR code
 * of the page in that language (the default language's are the ones
 * there were before languages). */
static int
add_messages(struct catalog *c, const struct page_site *site, char *err,
	     size_t errlen)
{
	char path[96];
	struct buf url = {0}, svg = {0};
	size_t i;
	int ret = -1;

	if (add_email(c, site, site->default_lang, "/helpdesk/email.eml", err,
		      errlen) == -1)
		return -1;
	if (site->nlang < 2)
		return 0;
	for (i = 0; i < site->nlang; i++) {
		if (i == site->default_lang)
			continue; /* /helpdesk/email.eml, /qr.svg */
		(void)str_printf(path, sizeof(path), "/helpdesk/email-%s.eml",
				 site->langs[i]->tag);
		if (add_email(c, site, i, path, err, errlen) == -1)
			goto out;
		if (c->public_url == NULL || c->public_url[0] == '\0')
			continue;
		buf_free(&url);
		(void)str_printf(path, sizeof(path), "/helpdesk/qr-%s.svg",
				 site->langs[i]->tag);
		if (page_lang_url(site, i, &url) == -1 ||
		    qr_svg(url.data, &svg, err, errlen) == -1 ||
		    cat_add_buf(c, path, "image/svg+xml", &svg, CATALOG_QR) ==
			    -1)
			goto out;
	}
	ret = 0;
out:
	if (ret == -1 && err[0] == '\0')
		err_set(err, errlen, "helpdesk messages: out of memory");
	buf_free(&url);
	buf_free(&svg);
	return ret;
}

/* Every language's error pages. */
static int
add_errors(struct catalog *c, const struct page_site *site, char *err,
	   size_t errlen)
{
	struct buf b = {0};
	size_t i, k;

	for (i = 0; i < site->nlang; i++) {
		for (k = 0; k < CATALOG_NERRORS; k++) {
			if (page_render_error(site, i, catalog_error_status[k],
					      &b, err, errlen) == -1) {
				buf_free(&b);
				return -1;
			}
			c->errors[i][k].len = b.len;
			c->errors[i][k].body =
				(const unsigned char *)buf_steal(&b, NULL);
			if (c->errors[i][k].body == NULL ||
			    cat_own(c,
				    (void *)(uintptr_t)c->errors[i][k].body) ==
				    -1) {
				err_set(err, errlen, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

/* The trust check targets: the configured ones, or certpost's own HTTPS
 * listener. */
static void
check_urls(const struct catalog *c, const struct config *cfg,
	   struct site_input *in)
{
	size_t i;

	for (i = 0; i < cfg->ncheck_url; i++)
		in->checks[in->site.ncheck++] = cfg->check_url[i];
	if (in->site.ncheck > 0 || c->https_origin == NULL)
		return;
	if (str_printf(in->own_check, sizeof(in->own_check), "%s/healthz",
		       c->https_origin) == 0)
		in->checks[in->site.ncheck++] = in->own_check;
}

int
cat_add_pages(struct catalog *c, const struct config *cfg, char *err,
	      size_t errlen)
{
	struct site_input *in = calloc(1, sizeof(*in));
	/* The parts every platform's page shares, rendered once per
	 * language. */
	struct page_cache *cache = page_cache_new();
	const char *csp;
	struct buf b = {0};
	size_t i, k;
	int ret = -1;

	if (in == NULL || cache == NULL) {
		free(in);
		page_cache_free(cache);
		return -1;
	}
	for (i = 0; i < c->ncas; i++) {
		const struct cert *ce = c->cas[i].cert;

		in->pcas[i] = (struct page_ca){
			.name = c->cas[i].pub.name,
			.slug = c->cas[i].pub.slug,
			.subject = ce->subject,
			.sha256_hex = ce->sha256_hex,
			.sha1_hex = ce->sha1_hex,
			.not_before = (long long)ce->not_before,
			.not_after = (long long)ce->not_after,
			.primary = c->cas[i].pub.primary,
		};
	}
	in->site = (struct page_site){
		.organization = c->organization,
		.public_url = c->public_url,
		.demo = cfg->demo,
		.cas = in->pcas,
		.nca = c->ncas,
		.check_urls = in->checks,
		.profile_label = c->profile_label,
		.langs = c->langs,
		.nlang = c->nlang,
		.default_lang = c->default_lang,
		.english = c->english,
	};
	check_urls(c, cfg, in);
	for (i = 0; i < in->site.ncheck; i++)
		(void)buf_printf(&b, "%s%s", i ? " " : "", in->checks[i]);
	c->checks = cat_strdup(c, b.data ? b.data : "none");
	buf_free(&b);
	if (c->checks == NULL)
		goto out;
	if ((csp = page_csp(c, in->checks, in->site.ncheck)) == NULL)
		goto out;
	if (add_messages(c, &in->site, err, errlen) == -1 ||
	    add_errors(c, &in->site, err, errlen) == -1 ||
	    cat_add_admin(c, cfg->demo, csp, err, errlen) == -1)
		goto out;
	/* The variants come after the table catalog_lookup() searches: the
	 * request picks one. */
	c->nsorted = c->nentries;
	for (k = 0; k < c->nlang; k++) {
		if (page_render_helpdesk(lookup, c, &in->site, k, cache, &b,
					 err, errlen) == -1 ||
		    cat_add_buf(c, "/helpdesk", "text/html; charset=utf-8", &b,
				CATALOG_HELPDESK) == -1)
			goto out;
		/* The helpdesk view uses the page's stylesheet and QR. */
		c->entries[c->nentries - 1].csp = csp;
		c->entries[c->nentries - 1].lang = c->lang_tags[k];
		c->helpdesk_index[k] = c->nentries - 1;
		for (i = 0; i < PAGE_PLATFORM_COUNT; i++) {
			if (page_render_index(lookup, c, &in->site,
					      (enum page_platform)i, k, cache,
					      &b, err, errlen) == -1)
				goto out;
			if (cat_add_buf(c, "/", "text/html; charset=utf-8", &b,
					CATALOG_PAGE) == -1)
				goto out;
			c->entries[c->nentries - 1].csp = csp;
			c->entries[c->nentries - 1].lang = c->lang_tags[k];
			c->page_index[k][i] = c->nentries - 1;
		}
	}
	ret = 0;
out:
	buf_free(&b);
	free(in);
	page_cache_free(cache);
	return ret;
}
