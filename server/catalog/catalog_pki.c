/* SPDX-License-Identifier: MIT */
/* The publication point: CRLs of the configured CAs, issuing CAs for AIA,
 * and the URLs to put into certificates. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_int.h"
#include "pki/pki.h"

/* RFC 2585 3 and RFC 5280 4.2.2.1. */
#define TYPE_CRL "application/pkix-crl"
#define TYPE_CERT "application/pkix-cert"
#define TYPE_P7C "application/pkcs7-mime"

/* "FILE:LINE: [section "slug"] key: " before a reason about a file. */
static void
file_err(const struct config *cfg, unsigned line, const char *section,
	 const char *slug, const char *key, const char *why, char *err,
	 size_t errlen)
{
	char sect[CONFIG_SLUG_MAX + 16];

	(void)str_printf(sect, sizeof(sect), "%s \"%s\"", section, slug);
	err_set(err, errlen, "%s", why);
	config_key_err(cfg, line, sect, key, err, errlen);
}

static int
add_bytes(struct catalog *c, const char *path, const char *type,
	  const void *data, size_t len, const char *filename,
	  enum catalog_kind kind, const char *slug, const char *format)
{
	struct catalog_entry *e;
	void *body = malloc(len > 0 ? len : 1);

	if (body == NULL)
		return -1;
	memcpy(body, data, len);
	if (cat_add(c, path, type, body, len, filename, kind) == -1)
		return -1;
	e = &c->entries[c->nentries - 1];
	e->ca_slug = slug;
	e->format = format;
	return 0;
}

/* Loads one CRL of the CA ca (section/slug, configured at line) and adds
 * /<slug>.crl or /<slug>+.crl. */
static int
add_crl(struct catalog *c, const struct config *cfg, const char *section,
	const char *slug, const char *path, unsigned line, bool delta,
	const struct cert *ca, time_t now, char *err, size_t errlen)
{
	struct cert_crl crl = {0};
	struct catalog_crl *pub = &c->crls[c->ncrls];
	char url[CONFIG_SLUG_MAX + 16], fname[CONFIG_SLUG_MAX + 16], why[1024];
	const char *s = cat_strdup(c, slug);
	struct catalog_entry *e;
	char t[32];

	if (s == NULL)
		goto oom;
	if (cert_crl_load(path, ca, delta, &crl, why, sizeof(why)) == -1) {
		file_err(cfg, line, section, slug, delta ? "delta_crl" : "crl",
			 why, err, errlen);
		return -1;
	}
	(void)str_printf(fname, sizeof(fname), "%s%s.crl", slug,
			 delta ? "+" : "");
	(void)str_printf(url, sizeof(url), "/%s", fname);
	if (add_bytes(c, url, TYPE_CRL, crl.der, crl.der_len, fname,
		      CATALOG_CRL, s, delta ? "delta-crl" : "crl") == -1)
		goto oom;
	e = &c->entries[c->nentries - 1];
	e->last_modified = (long long)crl.this_update;
	e->fresh_until = (long long)crl.next_update;
	pub->slug = s;
	pub->delta = delta;
	pub->this_update = (long long)crl.this_update;
	pub->next_update = (long long)crl.next_update;
	if ((pub->number = cat_strdup(c, crl.number)) == NULL)
		goto oom;
	c->ncrls++;
	if (crl.next_update != 0 && crl.next_update < now) {
		(void)time_rfc3339(t, sizeof(t), (long long)crl.next_update);
		cat_warn(c,
			 "%s: %s %s is past its nextUpdate (%s); served as "
			 "published, but clients may refuse it: have the CA "
			 "publish a new one",
			 slug, delta ? "delta CRL" : "CRL", path, t);
	}
	cert_crl_finish(&crl);
	return 0;
oom:
	cert_crl_finish(&crl);
	err_set(err, errlen, "out of memory");
	return -1;
}

/* One certificate, a CA's, per [issuer]. */
static int
load_issuer(struct catalog *c, const struct config *cfg, size_t i, char *err,
	    size_t errlen)
{
	const struct config_issuer *is = &cfg->issuer[i];
	unsigned line = is->file_line ? is->file_line : is->line;
	char why[1024];

	if (cert_load_file(is->file, &c->issuers[i], &c->nissuers[i], why,
			   sizeof(why)) == -1) {
		file_err(cfg, line, "issuer", is->slug, "file", why, err,
			 errlen);
		return -1;
	}
	if (c->nissuers[i] != 1) {
		(void)str_printf(why, sizeof(why),
				 "%s holds %zu certificates; an [issuer] "
				 "publishes one (give each its own section)",
				 is->file, c->nissuers[i]);
		file_err(cfg, line, "issuer", is->slug, "file", why, err,
			 errlen);
		return -1;
	}
	if (!c->issuers[i][0].is_ca) {
		(void)str_printf(why, sizeof(why),
				 "%s is not a CA certificate (no "
				 "basicConstraints CA:TRUE): %s",
				 is->file, c->issuers[i][0].subject);
		file_err(cfg, line, "issuer", is->slug, "file", why, err,
			 errlen);
		return -1;
	}
	return 0;
}

/* True when ce chains, through configured issuers, to a configured CA. */
static bool
chains_to_root(const struct catalog *c, const struct config *cfg,
	       const struct cert *ce, unsigned depth)
{
	size_t i;

	for (i = 0; i < c->ncas; i++)
		if (cert_signed_by(ce, c->cas[i].cert))
			return true;
	if (depth >= CONFIG_MAX_ISSUER)
		return false;
	for (i = 0; i < cfg->nissuer; i++) {
		const struct cert *up = &c->issuers[i][0];

		if (up != ce && !up->self_signed && cert_signed_by(ce, up) &&
		    chains_to_root(c, cfg, up, depth + 1))
			return true;
	}
	return false;
}

static int
add_issuer(struct catalog *c, const struct config *cfg, size_t i, time_t now,
	   char *err, size_t errlen)
{
	const struct config_issuer *is = &cfg->issuer[i];
	const struct cert *ce = &c->issuers[i][0];
	char url[CONFIG_SLUG_MAX + 16], fname[CONFIG_SLUG_MAX + 16];
	const char *slug = cat_strdup(c, is->slug);
	unsigned char *p7 = NULL;
	size_t p7len;

	if (slug == NULL)
		goto oom;
	(void)str_printf(fname, sizeof(fname), "%s.cer", is->slug);
	(void)str_printf(url, sizeof(url), "/%s", fname);
	if (add_bytes(c, url, TYPE_CERT, ce->der, ce->der_len, fname,
		      CATALOG_ISSUER, slug, "cer") == -1)
		goto oom;
	if (cert_p7b(&ce, 1, &p7, &p7len, err, errlen) == -1)
		return -1;
	(void)str_printf(fname, sizeof(fname), "%s.p7c", is->slug);
	(void)str_printf(url, sizeof(url), "/%s", fname);
	if (cat_add(c, url, TYPE_P7C, p7, p7len, fname, CATALOG_ISSUER) == -1)
		goto oom;
	c->entries[c->nentries - 1].ca_slug = slug;
	c->entries[c->nentries - 1].format = "p7c";
	if (!chains_to_root(c, cfg, ce, 0))
		cat_warn(c,
			 "%s: the issuer %s does not chain to a configured "
			 "[ca] (issued by %s); clients that fetch it still "
			 "need that root",
			 is->slug, ce->subject, ce->issuer);
	if (is->crl[0] != '\0' &&
	    add_crl(c, cfg, "issuer", is->slug, is->crl, is->crl_line, false,
		    ce, now, err, errlen) == -1)
		return -1;
	if (is->delta_crl[0] != '\0')
		return add_crl(c, cfg, "issuer", is->slug, is->delta_crl,
			       is->delta_crl_line, true, ce, now, err, errlen);
	return 0;
oom:
	err_set(err, errlen, "out of memory");
	return -1;
}

/* The URLs an admin copies into the CA's certificate profile. */
static int
pki_urls(struct catalog *c, const struct config *cfg)
{
	struct buf b = {0};
	size_t i;

	for (i = 0; i < cfg->nca; i++) {
		const struct config_ca *ca = &cfg->ca[i];

		if (ca->crl[0] == '\0')
			continue;
		(void)buf_printf(&b,
				 "publication:  certificates issued by [ca "
				 "\"%s\"]:\n  AIA caIssuers: %s/%s.cer\n"
				 "  CDP:           %s/%s.crl\n",
				 ca->slug, c->public_url, ca->slug,
				 c->public_url, ca->slug);
		if (ca->delta_crl[0] != '\0')
			(void)buf_printf(&b, "  freshest CRL:  %s/%s+.crl\n",
					 c->public_url, ca->slug);
	}
	for (i = 0; i < cfg->nissuer; i++) {
		const struct config_issuer *is = &cfg->issuer[i];

		(void)buf_printf(
			&b,
			"publication:  certificates issued by "
			"[issuer \"%s\"] (%s):\n"
			"  AIA caIssuers: %s/%s.cer (or %s/%s.p7c)\n",
			is->slug,
			is->name[0] ? is->name : c->issuers[i][0].subject,
			c->public_url, is->slug, c->public_url, is->slug);
		if (is->crl[0] != '\0')
			(void)buf_printf(&b, "  CDP:           %s/%s.crl\n",
					 c->public_url, is->slug);
		if (is->delta_crl[0] != '\0')
			(void)buf_printf(&b, "  freshest CRL:  %s/%s+.crl\n",
					 c->public_url, is->slug);
	}
	if (b.data == NULL)
		return 0;
	if (strncmp(c->public_url, "https:", 6) == 0)
		cat_warn(c,
			 "public_url is https: clients fetch AIA and CDP URLs "
			 "over plain HTTP (RFC 5280 4.2.1.13), and a CRL "
			 "behind TLS can need itself to be checked; publish "
			 "them on an http listener");
	return cat_own(c, b.data) == -1 ? -1 : ((c->pki_urls = b.data), 0);
}

int
cat_add_pki(struct catalog *c, const struct config *cfg, time_t now, char *err,
	    size_t errlen)
{
	size_t i;

	for (i = 0; i < cfg->nca; i++) {
		const struct config_ca *ca = &cfg->ca[i];
		/* The section's own certificate (the first of its file). */
		const struct cert *ce = &c->certs[i][0];

		if (ca->crl[0] != '\0' &&
		    add_crl(c, cfg, "ca", ca->slug, ca->crl, ca->crl_line,
			    false, ce, now, err, errlen) == -1)
			return -1;
		if (ca->delta_crl[0] != '\0' &&
		    add_crl(c, cfg, "ca", ca->slug, ca->delta_crl,
			    ca->delta_crl_line, true, ce, now, err,
			    errlen) == -1)
			return -1;
	}
	for (i = 0; i < cfg->nissuer; i++)
		if (load_issuer(c, cfg, i, err, errlen) == -1)
			return -1;
	for (i = 0; i < cfg->nissuer; i++)
		if (add_issuer(c, cfg, i, now, err, errlen) == -1)
			return -1;
	if (pki_urls(c, cfg) == -1) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
