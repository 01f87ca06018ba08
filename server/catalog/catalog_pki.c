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

/* A CRL's thisUpdate may lie this far ahead of our clock (the CA's and
 * ours differ a little); further is refused: its Last-Modified would be
 * later than Date, and clients would not use it yet. */
#define CRL_CLOCK_SKEW_S 300

static const struct catalog_crl *
prev_crl(const struct catalog *prev, const char *slug, bool delta)
{
	for (size_t i = 0; prev != NULL && i < prev->ncrls; i++)
		if (prev->crls[i].delta == delta &&
		    strcmp(prev->crls[i].slug, slug) == 0)
			return &prev->crls[i];
	return NULL;
}

static const struct catalog_entry *
prev_entry(const struct catalog *prev, const char *path)
{
	for (size_t i = 0; prev != NULL && i < prev->nentries; i++)
		if (strcmp(prev->entries[i].path, path) == 0)
			return &prev->entries[i];
	return NULL;
}

static void
note_kept(struct catalog *c, const char *slug, const char *file,
	  const char *reason)
{
	if (c->nkept < ARRAY_LEN(c->kept))
		c->kept[c->nkept++] = (struct catalog_kept){slug, file, reason};
}

/* Adds the CRL's entry (url) and its facts. */
static int
publish_crl(struct catalog *c, const char *url, const char *fname,
	    const char *s, bool delta, const void *der, size_t len,
	    long long this_update, long long next_update, const char *number)
{
	struct catalog_crl *pub = &c->crls[c->ncrls];
	struct catalog_entry *e;

	if (add_bytes(c, url, TYPE_CRL, der, len, fname, CATALOG_CRL, s,
		      delta ? "delta-crl" : "crl") == -1)
		return -1;
	e = &c->entries[c->nentries - 1];
	/* RFC 9110 8.8.2.1: never later than Date (a thisUpdate a little
	 * ahead of our clock is accepted). */
	e->last_modified = this_update < c->built ? this_update : c->built;
	e->fresh_until = next_update;
	pub->slug = s;
	pub->delta = delta;
	pub->this_update = this_update;
	pub->next_update = next_update;
	if ((pub->number = cat_strdup(c, number)) == NULL)
		return -1;
	c->ncrls++;
	return 0;
}

/*
 * The CRL in path could not be served (why): on a reload, the one being
 * served stays, with a warning; at start or in a check, that is an error
 * naming the line.
 */
static int
keep_crl(struct catalog *c, const struct config *cfg, const char *section,
	 const char *slug, const char *s, unsigned line, bool delta,
	 const struct cert *ca, const char *url, const char *fname,
	 const char *reason, const char *why, char *err, size_t errlen)
{
	const struct catalog_crl *old = prev_crl(c->prev, slug, delta);
	const struct catalog_entry *e = prev_entry(c->prev, url);
	char t[32];

	/* Only while it is still this CA's (a renewed CA file under the
	 * same slug has other keys). */
	if (old == NULL || e == NULL ||
	    !cert_crl_issued_by(e->body, e->len, ca)) {
		file_err(cfg, line, section, slug, delta ? "delta_crl" : "crl",
			 why, err, errlen);
		return -1;
	}
	cat_warn(c,
		 "%s; still serving the last good %s (number %s) until it is "
		 "fixed",
		 why, delta ? "delta CRL" : "CRL",
		 old->number[0] ? old->number : "none");
	note_kept(c, s, delta ? "delta_crl" : "crl", reason);
	if (old->next_update != 0 && old->next_update < c->built) {
		(void)time_rfc3339(t, sizeof(t), old->next_update);
		cat_warn(c,
			 "%s: the %s kept is past its nextUpdate (%s): clients "
			 "may refuse it",
			 slug, delta ? "delta CRL" : "CRL", t);
	}
	if (publish_crl(c, url, fname, s, delta, e->body, e->len,
			old->this_update, old->next_update,
			old->number) == -1) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Loads one CRL of the CA ca (section/slug, configured at line) and adds
 * /<slug>.crl or /<slug>+.crl: the file's, or on a reload, when the file
 * is bad, older than the one served, or from the future, the one served. */
static int
add_crl(struct catalog *c, const struct config *cfg, const char *section,
	const char *slug, const char *path, unsigned line, bool delta,
	const struct cert *ca, time_t now, char *err, size_t errlen)
{
	struct cert_crl crl = {0};
	char url[CONFIG_SLUG_MAX + 16], fname[CONFIG_SLUG_MAX + 16], why[1536];
	const char *s = cat_strdup(c, slug);
	const struct catalog_crl *old, *full;
	char t[32];

	if (s == NULL)
		goto oom;
	(void)str_printf(fname, sizeof(fname), "%s%s.crl", slug,
			 delta ? "+" : "");
	(void)str_printf(url, sizeof(url), "/%s", fname);
	if (cert_crl_load(path, ca, delta, &crl, why, sizeof(why)) == -1)
		return keep_crl(c, cfg, section, slug, s, line, delta, ca, url,
				fname, "invalid", why, err, errlen);
	if (crl.this_update > now + CRL_CLOCK_SKEW_S) {
		(void)time_rfc3339(t, sizeof(t), (long long)crl.this_update);
		(void)str_printf(why, sizeof(why),
				 "%s: thisUpdate %s is ahead of this host's "
				 "clock by more than %d s (a clock is wrong)",
				 path, t, CRL_CLOCK_SKEW_S);
		cert_crl_finish(&crl);
		return keep_crl(c, cfg, section, slug, s, line, delta, ca, url,
				fname, "future", why, err, errlen);
	}
	/* RFC 5280 5.2.3: CRL numbers only increase; and a CRL issued
	 * before the one served, or without the number it had, is older
	 * too. */
	if ((old = prev_crl(c->prev, slug, delta)) != NULL &&
	    ((old->number[0] != '\0' &&
	      (!crl.has_number ||
	       cert_crl_number_cmp(crl.number, old->number) < 0)) ||
	     (long long)crl.this_update < old->this_update)) {
		(void)time_rfc3339(t, sizeof(t), old->this_update);
		(void)str_printf(
			why, sizeof(why),
			"%s: number %s is lower than the one being "
			"served (%s), or it was issued before it (%s): "
			"CRL numbers only increase (RFC 5280 5.2.3), "
			"so this is an older CRL",
			path, crl.has_number ? crl.number : "none",
			old->number[0] ? old->number : "none", t);
		cert_crl_finish(&crl);
		return keep_crl(c, cfg, section, slug, s, line, delta, ca, url,
				fname, "older", why, err, errlen);
	}
	if (publish_crl(c, url, fname, s, delta, crl.der, crl.der_len,
			(long long)crl.this_update, (long long)crl.next_update,
			crl.number) == -1)
		goto oom;
	if (delta && (full = prev_crl(c, slug, false)) != NULL &&
	    strcmp(crl.base_number, full->number) != 0)
		cat_warn(c,
			 "%s: the delta CRL %s is based on CRL number %s, but "
			 "the full CRL served is number %s: clients cannot "
			 "combine them until both are republished",
			 slug, path, crl.base_number[0] ? crl.base_number : "?",
			 full->number[0] ? full->number : "none");
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

/* The [issuer] file could not be used (why): on a reload, the
 * certificate being served stays; otherwise an error naming the line. */
static int
keep_issuer(struct catalog *c, const struct config *cfg, size_t i,
	    unsigned line, const char *why, char *err, size_t errlen)
{
	const struct config_issuer *is = &cfg->issuer[i];
	const struct catalog_entry *e;
	char path[CONFIG_SLUG_MAX + 8], why2[256];
	const char *s;

	(void)str_printf(path, sizeof(path), "/%s.cer", is->slug);
	e = prev_entry(c->prev, path);
	if (e == NULL || e->kind != CATALOG_ISSUER ||
	    cert_load_mem(e->body, e->len, path, &c->issuers[i],
			  &c->nissuers[i], why2, sizeof(why2)) == -1) {
		file_err(cfg, line, "issuer", is->slug, "file", why, err,
			 errlen);
		return -1;
	}
	cat_warn(c,
		 "%s; still serving the last good certificate until it "
		 "is fixed",
		 why);
	if ((s = cat_strdup(c, is->slug)) == NULL) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	note_kept(c, s, "issuer", "invalid");
	return 0;
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
			   sizeof(why)) == -1)
		return keep_issuer(c, cfg, i, line, why, err, errlen);
	if (c->nissuers[i] != 1)
		(void)str_printf(why, sizeof(why),
				 "%s holds %zu certificates; an [issuer] "
				 "publishes one (give each its own section)",
				 is->file, c->nissuers[i]);
	else if (!c->issuers[i][0].is_ca)
		(void)str_printf(why, sizeof(why),
				 "%s is not a CA certificate (no "
				 "basicConstraints CA:TRUE): %s",
				 is->file, c->issuers[i][0].subject);
	else
		return 0;
	cert_list_free(c->issuers[i], c->nissuers[i]);
	c->issuers[i] = NULL;
	c->nissuers[i] = 0;
	return keep_issuer(c, cfg, i, line, why, err, errlen);
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
	c->issuer_slugs[i] = slug;
	c->nissuer_slugs = i + 1;
	{
		/* An expiring issuing CA is the likelier outage. */
		char w[CERT_WARN_LEN];

		if (cert_validity_warning(ce, now, w))
			cat_warn(c, "[issuer \"%s\"] %s %s", is->slug,
				 ce->subject, w);
	}
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

/*
 * /aia/<slug>.cer: a [ca]'s certificate for the AIA caIssuers URL of what
 * it issues, as RFC 5280 4.2.2.1 asks (application/pkix-cert). Not
 * /<slug>.cer: that is the install download, whose type iOS Safari needs
 * to offer the certificate for installation.
 */
static int
add_ca_aia(struct catalog *c, const char *slug, const struct cert *ce)
{
	char url[CONFIG_SLUG_MAX + 16], fname[CONFIG_SLUG_MAX + 16];
	const char *s = cat_strdup(c, slug);

	if (s == NULL)
		return -1;
	(void)str_printf(fname, sizeof(fname), "%s.cer", slug);
	(void)str_printf(url, sizeof(url), "/aia/%s", fname);
	return add_bytes(c, url, TYPE_CERT, ce->der, ce->der_len, fname,
			 CATALOG_ISSUER, s, "cer");
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
				 "\"%s\"]:\n  AIA caIssuers: %s/aia/%s.cer\n"
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

		if (add_ca_aia(c, ca->slug, ce) == -1) {
			err_set(err, errlen, "out of memory");
			return -1;
		}
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
