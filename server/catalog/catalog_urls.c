/* SPDX-License-Identifier: MIT */
/* The URLs issued certificates already name (cert_url, crl_url,
 * delta_crl_url: AD CS's CertEnroll layout): the same bytes as the slug
 * URLs at each, matched after percent-decoding. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_int.h"
#include "pki/pki.h"

/* RFC 5280 4.2.2.1: what an AIA caIssuers URL serves. */
#define TYPE_CERT "application/pkix-cert"

static const struct catalog_entry *
find(const struct catalog *c, const char *path)
{
	for (size_t i = 0; i < c->nentries; i++)
		if (strcmp(c->entries[i].path, path) == 0)
			return &c->entries[i];
	return NULL;
}

/* Adds path with the bytes and headers of the entry at from. */
static int
add_alias(struct catalog *c, const char *path, const char *from,
	  const char *type)
{
	const struct catalog_entry *e = find(c, from);
	struct catalog_entry *a;
	struct catalog_entry copy;
	void *body;

	if (e == NULL)
		return 0; /* the slug URL is not served: nothing to mirror */
	copy = *e;
	if ((body = malloc(copy.len > 0 ? copy.len : 1)) == NULL)
		return -1;
	memcpy(body, copy.body, copy.len);
	if (cat_add(c, path, type != NULL ? type : copy.content_type, body,
		    copy.len, copy.filename, copy.kind) == -1)
		return -1;
	a = &c->entries[c->nentries - 1];
	a->ca_slug = copy.ca_slug;
	a->format = copy.format;
	a->last_modified = copy.last_modified;
	a->fresh_until = copy.fresh_until;
	a->loose = true;
	c->nloose++;
	return 0;
}

static int
add_section(struct catalog *c, const char *slug, const struct config_url *urls,
	    size_t n)
{
	static const char *const suffix[] = {
		[CONFIG_URL_CERT] = ".cer",
		[CONFIG_URL_CRL] = ".crl",
		[CONFIG_URL_DELTA_CRL] = "+.crl",
	};
	char from[CONFIG_SLUG_MAX + 16];

	for (size_t i = 0; i < n; i++) {
		(void)str_printf(from, sizeof(from), "/%s%s", slug,
				 suffix[urls[i].kind]);
		if (add_alias(c, urls[i].path, from,
			      urls[i].kind == CONFIG_URL_CERT ? TYPE_CERT
							      : NULL) == -1)
			return -1;
	}
	return 0;
}

/* What --check-config lists: each URL and the key that set it. */
static int
summarize(struct catalog *c, const char *section, const char *slug,
	  const struct config_url *urls, size_t n, struct buf *b)
{
	for (size_t i = 0; i < n; i++)
		if (buf_printf(b, "issued URL:   %s  ([%s \"%s\"] %s)\n",
			       urls[i].text, section, slug,
			       config_url_key(urls[i].kind)) == -1)
			return -1;
	(void)c;
	return 0;
}

int
cat_add_urls(struct catalog *c, const struct config *cfg)
{
	struct buf b = {0};

	for (size_t i = 0; i < cfg->nca; i++)
		if (add_section(c, cfg->ca[i].slug, cfg->ca[i].urls,
				cfg->ca[i].nurls) == -1 ||
		    summarize(c, "ca", cfg->ca[i].slug, cfg->ca[i].urls,
			      cfg->ca[i].nurls, &b) == -1)
			goto fail;
	for (size_t i = 0; i < cfg->nissuer; i++)
		if (add_section(c, cfg->issuer[i].slug, cfg->issuer[i].urls,
				cfg->issuer[i].nurls) == -1 ||
		    summarize(c, "issuer", cfg->issuer[i].slug,
			      cfg->issuer[i].urls, cfg->issuer[i].nurls,
			      &b) == -1)
			goto fail;
	if (b.data != NULL && cat_own(c, b.data) == -1)
		return -1;
	c->issued_urls = b.data;
	return 0;
fail:
	buf_free(&b);
	return -1;
}

void
cat_url_clash(const struct config *cfg, const char *path, char *err,
	      size_t errlen)
{
	for (size_t i = 0; i < cfg->nca + cfg->nissuer; i++) {
		bool ca = i < cfg->nca;
		const struct config_url *urls =
			ca ? cfg->ca[i].urls : cfg->issuer[i - cfg->nca].urls;
		size_t n =
			ca ? cfg->ca[i].nurls : cfg->issuer[i - cfg->nca].nurls;

		for (size_t j = 0; j < n; j++) {
			if (strcmp(urls[j].path, path) != 0)
				continue;
			err_set(err, errlen,
				"%s:%u: [%s \"%s\"] %s: %s is claimed twice "
				"(by another URL key, or a path certpost "
				"serves itself)",
				cfg->path, urls[j].line, ca ? "ca" : "issuer",
				ca ? cfg->ca[i].slug
				   : cfg->issuer[i - cfg->nca].slug,
				config_url_key(urls[j].kind), urls[j].text);
			return;
		}
	}
	err_set(err, errlen,
		"two responses for %s (a CA slug clashes with another URL)",
		path);
}

/* "http://host[:port]/path" -> host (with port) and path; false for
 * another scheme or no path. */
static bool
split_url(const char *url, char *host, size_t hostlen, const char **path)
{
	const char *auth;
	size_t n;

	if (strncasecmp(url, "http://", 7) == 0)
		auth = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		auth = url + 8;
	else
		return false;
	n = strcspn(auth, "/?#");
	if (n == 0 || n >= hostlen)
		return false;
	memcpy(host, auth, n);
	host[n] = '\0';
	*path = auth[n] == '/' ? auth + n : "/";
	return true;
}

/* One URL's verdict; true when it counts against the exit status. */
static bool
judge(const struct catalog *c, const struct config *cfg,
      enum cert_url_kind kind, const char *url, struct buf *out)
{
	const struct catalog_entry *e;
	char host[HOST_NAME_LEN], path[1024];
	const char *p;

	(void)buf_printf(out, "  %-14s %s\n", cert_url_kind_name(kind), url);
	if (strncasecmp(url, "ldap:", 5) == 0) {
		(void)buf_puts(out, "                 not certpost's: an LDAP "
				    "URL (the directory serves it)\n");
		return false;
	}
	if (kind == CERT_URL_OCSP) {
		(void)buf_puts(out, "                 not certpost's: an OCSP "
				    "responder\n");
		return false;
	}
	if (!split_url(url, host, sizeof(host), &p)) {
		(void)buf_puts(out, "                 not certpost's: not an "
				    "http:// URL\n");
		return false;
	}
	if (!host_names_match(&cfg->hosts, host)) {
		(void)buf_printf(
			out,
			"                 NOT SERVED: %s is not a name "
			"certpost answers to (server_name)\n",
			host);
		return true;
	}
	/* The path as a client sends it, query cut off. */
	(void)str_printf(path, sizeof(path), "%.*s", (int)strcspn(p, "?#"), p);
	if ((e = catalog_lookup(c, path)) == NULL) {
		(void)buf_puts(out, "                 NOT SERVED: 404 (add "
				    "cert_url, crl_url or delta_crl_url)\n");
		return true;
	}
	(void)buf_printf(out, "                 served: %s %s (%s)\n",
			 e->ca_slug != NULL ? e->ca_slug : e->path,
			 e->format != NULL ? e->format : "file",
			 e->content_type);
	return false;
}

int
catalog_check_url_file(const struct catalog *c, const struct config *cfg,
		       const char *file, struct buf *out, unsigned *ret_bad,
		       char *err, size_t errlen)
{
	struct cert *certs = NULL;
	size_t n = 0;

	if (cert_load_file(file, &certs, &n, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct cert_url_list l;

		cert_urls(&certs[i], &l);
		(void)buf_printf(out, "%s: %s\n", file, certs[i].subject);
		if (l.n == 0)
			(void)buf_puts(out, "  (no CDP or AIA URL)\n");
		for (size_t j = 0; j < l.n; j++)
			*ret_bad += judge(c, cfg, l.urls[j].kind, l.urls[j].url,
					  out);
	}
	cert_list_free(certs, n);
	return 0;
}
