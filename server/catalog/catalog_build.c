/* SPDX-License-Identifier: MIT */
/* Building a snapshot: load the CAs, render every response once. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog_int.h"
#include "pki/pki.h"
#include "render/render.h"

#define TYPE_DER "application/x-x509-ca-cert"
#define TYPE_PEM "application/x-pem-file"
#define TYPE_P7B "application/x-pkcs7-certificates"

static void *
dup_bytes(const void *p, size_t len)
{
	unsigned char *d = malloc(len + 1);

	if (d != NULL) {
		memcpy(d, p, len);
		d[len] = '\0';
	}
	return d;
}

/* "FILE:LINE: [ca "slug"] file: " before a reason about a CA's file, so
 * that every refusal names the section that asked for it. */
static void
ca_err(const struct config *cfg, const struct config_ca *ca, char *err,
       size_t errlen, const char *why)
{
	char where[PATH_MAX + 32];

	if (ca->line > 0)
		(void)str_printf(where, sizeof(where), "%s:%u", cfg->path,
				 ca->line);
	else
		(void)str_copy(where, sizeof(where), cfg->path);
	err_set(err, errlen, "%s: [ca \"%s\"] file: %s", where, ca->slug, why);
}

/* True (with a reason naming both sections) when another section has the
 * slug given to a later certificate of ca's file: their URLs would clash. */
static bool
slug_clash(const struct config *cfg, const struct config_ca *ca,
	   const char *slug, char *err, size_t errlen)
{
	char why[256];

	for (size_t i = 0; i < cfg->nca; i++) {
		if (strcmp(cfg->ca[i].slug, slug) != 0)
			continue;
		(void)str_printf(why, sizeof(why),
				 "a later certificate in it is served as "
				 "/%s.cer, which [ca \"%s\"] (line %u) also "
				 "names; rename that section",
				 slug, slug, cfg->ca[i].line);
		ca_err(cfg, ca, err, errlen, why);
		return true;
	}
	return false;
}

/*
 * Lists each certificate once: a bundle and a [ca] (or two sections) may
 * give the same one. The first copy stays, unless only a later one is its
 * section's own certificate (a slug and name the admin chose, rather than
 * a bundle's "<slug>-2"); the other's slug becomes an alias, so that no
 * URL goes away.
 */
static void
dedup_cas(struct catalog *c)
{
	size_t i, k, n = 0;

	for (i = 0; i < c->ncas; i++) {
		struct cat_ca gone = c->cas[i];

		for (k = 0; k < n; k++)
			if (memcmp(c->cas[k].cert->sha256, gone.cert->sha256,
				   sizeof(gone.cert->sha256)) == 0)
				break;
		if (k == n) {
			c->cas[n++] = gone;
			continue;
		}
		if (gone.own && !c->cas[k].own) {
			struct cat_ca kept = gone;

			gone = c->cas[k];
			c->cas[k] = kept;
		}
		c->cas[k].pub.primary |= gone.pub.primary;
		c->aliases[c->naliases++] =
			(struct cat_alias){gone.pub.slug, k};
		cat_warn(c,
			 "%s: the same certificate as %s (%s), configured "
			 "twice: listed once, as %s (/%s.cer, .crt and .pem "
			 "serve the same bytes)",
			 gone.pub.slug, c->cas[k].pub.slug,
			 c->cas[k].cert->subject, c->cas[k].pub.slug,
			 gone.pub.slug);
	}
	c->ncas = n;
}

/* Loads every configured CA; a file with several certificates yields
 * several CAs, the extra ones named "<slug>-2", "<slug>-3"... */
static int
load_cas(struct catalog *c, const struct config *cfg, time_t now, char *err,
	 size_t errlen)
{
	size_t i, j, total = 0;
	char why[1024];

	for (i = 0; i < cfg->nca; i++) {
		const struct config_ca *ca = &cfg->ca[i];
		int r;

		if (ca->inline_pem != NULL)
			r = cert_load_mem(ca->inline_pem,
					  strlen(ca->inline_pem), ca->slug,
					  &c->certs[i], &c->ncerts[i], why,
					  sizeof(why));
		else
			r = cert_load_file(ca->file, &c->certs[i],
					   &c->ncerts[i], why, sizeof(why));
		if (r == -1) {
			ca_err(cfg, ca, err, errlen, why);
			return -1;
		}
		total += c->ncerts[i];
		if (total > CONFIG_MAX_CERTS) {
			(void)str_printf(why, sizeof(why),
					 "%zu certificates bring the total to "
					 "%zu, more than the %d served in all",
					 c->ncerts[i], total, CONFIG_MAX_CERTS);
			ca_err(cfg, ca, err, errlen, why);
			return -1;
		}
	}
	if ((c->cas = calloc(total, sizeof(*c->cas))) == NULL)
		return -1;
	for (i = 0; i < cfg->nca; i++) {
		for (j = 0; j < c->ncerts[i]; j++) {
			struct cat_ca *cc = &c->cas[c->ncas++];
			const struct cert *ce = &c->certs[i][j];
			char slug[CONFIG_CA_SLUG_LEN];

			cc->cert = ce;
			if (j == 0) {
				cc->pub.slug = cat_strdup(c, cfg->ca[i].slug);
				cc->pub.name = cat_strdup(c, cfg->ca[i].name);
				cc->pub.primary = cfg->ca[i].primary;
			} else {
				(void)str_printf(slug, sizeof(slug), "%s-%zu",
						 cfg->ca[i].slug, j + 1);
				if (slug_clash(cfg, &cfg->ca[i], slug, err,
					       errlen))
					return -1;
				cc->pub.slug = cat_strdup(c, slug);
				cc->pub.name = cat_strdup(
					c, ce->common_name[0] ? ce->common_name
							      : ce->subject);
			}
			if (cc->pub.slug == NULL || cc->pub.name == NULL)
				return -1;
			cc->own = j == 0;
			cc->pub.sha256_hex = ce->sha256_hex;
			cc->pub.not_after = (long long)ce->not_after;
		}
	}
	dedup_cas(c);
	for (i = 0; i < c->ncas; i++) {
		char w[CERT_MAX_WARNINGS][CERT_WARN_LEN];
		size_t k, nw;

		nw = cert_warnings(c->cas[i].cert, now, w, CERT_MAX_WARNINGS);
		for (k = 0; k < nw; k++)
			cat_warn(c, "%s: %s", c->cas[i].pub.slug, w[k]);
	}
	return 0;
}

static int
add_copy(struct catalog *c, const char *path, const char *type,
	 const void *data, size_t len, const char *filename,
	 enum catalog_kind kind, const char *slug, const char *format)
{
	void *body = dup_bytes(data, len);

	if (body == NULL ||
	    cat_add(c, path, type, body, len, filename, kind) == -1)
		return -1;
	c->entries[c->nentries - 1].ca_slug = slug;
	c->entries[c->nentries - 1].format = format;
	return 0;
}

/* /<slug>.cer, .crt, .pem for one CA under the given URL name. */
static int
add_ca_files(struct catalog *c, const char *urlname, const struct cat_ca *cc)
{
	static const struct {
		const char *ext;
		const char *type;
		bool pem;
	} forms[] = {
		{"cer", TYPE_DER, false},
		{"crt", TYPE_DER, false},
		{"pem", TYPE_PEM, true},
	};
	char path[96], fname[96];
	size_t i;

	for (i = 0; i < ARRAY_LEN(forms); i++) {
		const struct cert *ce = cc->cert;

		if (str_printf(path, sizeof(path), "/%s.%s", urlname,
			       forms[i].ext) == -1 ||
		    str_printf(fname, sizeof(fname), "%s.%s", cc->pub.slug,
			       forms[i].ext) == -1)
			return -1;
		if (add_copy(c, path, forms[i].type,
			     forms[i].pem ? (const void *)ce->pem : ce->der,
			     forms[i].pem ? ce->pem_len : ce->der_len, fname,
			     CATALOG_DOWNLOAD, cc->pub.slug,
			     forms[i].ext) == -1)
			return -1;
	}
	return 0;
}

static int
add_p7b(struct catalog *c, char *err, size_t errlen)
{
	const struct cert *list[CONFIG_MAX_CERTS];
	unsigned char *p7 = NULL;
	size_t i, p7len;

	for (i = 0; i < c->ncas; i++)
		list[i] = c->cas[i].cert;
	if (cert_p7b(list, c->ncas, &p7, &p7len, err, errlen) == -1 ||
	    cat_add(c, "/ca.p7b", TYPE_P7B, p7, p7len, "ca.p7b",
		    CATALOG_DOWNLOAD) == -1)
		return -1;
	c->entries[c->nentries - 1].ca_slug = "all";
	c->entries[c->nentries - 1].format = "p7b";
	return 0;
}

/* public_url + "/" + name + "." + ext as a JSON string: the whole URL
 * goes through the one JSON writer, whatever public_url's checks let in. */
static void
json_url(struct buf *b, const struct catalog *c, const char *name,
	 const char *ext)
{
	struct buf url = {0};

	if (buf_printf(&url, "%s/%s.%s", c->public_url, name, ext) == 0)
		(void)buf_json_string(b, url.data);
	else
		(void)buf_puts(b, "null");
	buf_free(&url);
}

static void
json_ca(struct buf *b, const struct catalog *c, const struct cat_ca *cc)
{
	const struct cert *ce = cc->cert;
	static const char *const ext[] = {"cer", "crt", "pem"};
	char t[32];
	size_t i;

	(void)buf_puts(b, "{\"name\":");
	(void)buf_json_string(b, cc->pub.name);
	(void)buf_puts(b, ",\"slug\":");
	(void)buf_json_string(b, cc->pub.slug);
	(void)buf_printf(b, ",\"primary\":%s,\"subject\":",
			 cc->pub.primary ? "true" : "false");
	(void)buf_json_string(b, ce->subject);
	(void)buf_puts(b, ",\"issuer\":");
	(void)buf_json_string(b, ce->issuer);
	(void)time_rfc3339(t, sizeof(t), (long long)ce->not_before);
	(void)buf_printf(b, ",\"not_before\":\"%s\"", t);
	(void)time_rfc3339(t, sizeof(t), (long long)ce->not_after);
	(void)buf_printf(b,
			 ",\"not_after\":\"%s\",\"sha256\":\"%s\","
			 "\"sha1\":\"%s\",\"downloads\":{",
			 t, ce->sha256_hex, ce->sha1_hex);
	for (i = 0; i < ARRAY_LEN(ext); i++) {
		(void)buf_printf(b, "%s\"%s\":", i ? "," : "", ext[i]);
		json_url(b, c, cc->pub.slug, ext[i]);
	}
	(void)buf_puts(b, "}}");
}

static int
add_json(struct catalog *c)
{
	struct buf b = {0};
	size_t i, len;
	char *body;

	(void)buf_puts(&b, "{\"organization\":");
	(void)buf_json_string(&b, c->organization);
	(void)buf_puts(&b, ",\"cas\":[");
	for (i = 0; i < c->ncas; i++) {
		if (i > 0)
			(void)buf_puts(&b, ",");
		json_ca(&b, c, &c->cas[i]);
	}
	(void)buf_puts(&b, "],\"bundles\":{\"p7b\":");
	json_url(&b, c, "ca", "p7b");
	(void)buf_puts(&b, ",\"mobileconfig\":");
	json_url(&b, c, "ca", "mobileconfig");
	(void)buf_printf(&b, "},\"profile_signed\":%s}\n",
			 c->profile_signed ? "true" : "false");
	if (b.data == NULL)
		return -1;
	body = buf_steal(&b, &len);
	return cat_add(c, "/ca.json", "application/json", body, len, NULL,
		       CATALOG_INFO);
}

static int
add_static(struct catalog *c)
{
	char path[300];
	size_t i;

	for (i = 0; i < c->nassets; i++) {
		const char *type = cat_mime(c->assets[i].name);

		if (type == NULL)
			continue; /* templates */
		if (str_printf(path, sizeof(path), "/static/%s",
			       c->assets[i].name) == -1 ||
		    add_copy(c, path, type, c->assets[i].data, c->assets[i].len,
			     NULL, CATALOG_STATIC, NULL, NULL) == -1)
			return -1;
	}
	return 0;
}

static int
add_misc(struct catalog *c, char *err, size_t errlen)
{
	struct buf b = {0};

	if (qr_svg(c->public_url, &b, err, errlen) == -1) {
		buf_free(&b);
		return -1;
	}
	if (cat_add_buf(c, "/qr.svg", "image/svg+xml", &b, CATALOG_QR) == -1)
		return -1;
	return add_copy(c, "/healthz", "text/plain; charset=utf-8", "ok\n", 3,
			NULL, CATALOG_HEALTH, NULL, NULL);
}

/*
 * certpost's own HTTPS address as users reach it: public_url's host with
 * the first HTTPS listener's port ("https://ca.corp.example:8443"), or the
 * listener itself without a public_url. NULL without HTTPS.
 */
static int
set_https_origin(struct catalog *c, const struct config *cfg)
{
	const char *lt, *port, *host;
	char origin[CONFIG_STR_MAX];
	int hostlen;

	if (cfg->nhttps_listen == 0)
		return 0;
	lt = cfg->https_listen[0].text;
	port = strrchr(lt, ':') + 1;
	if ((host = strstr(cfg->public_url, "://")) != NULL) {
		host += 3;
		hostlen = *host == '[' ? (int)strcspn(host, "]") + 1
				       : (int)strcspn(host, ":/");
		if (str_printf(origin, sizeof(origin), "https://%.*s%s%s",
			       hostlen, host, strcmp(port, "443") ? ":" : "",
			       strcmp(port, "443") ? port : "") == -1)
			return -1;
	} else if (str_printf(origin, sizeof(origin), "https://%s", lt) == -1) {
		return -1;
	}
	c->https_origin = cat_strdup(c, origin);
	return c->https_origin == NULL ? -1 : 0;
}

static int
set_names(struct catalog *c, const struct config *cfg)
{
	char url[CONFIG_STR_MAX];
	size_t n;

	if (cfg->public_url[0] != '\0')
		(void)str_copy(url, sizeof(url), cfg->public_url);
	else if (cfg->nlisten > 0)
		(void)str_printf(url, sizeof(url), "http://%s",
				 cfg->listen[0].text);
	else
		(void)str_printf(url, sizeof(url), "https://%s",
				 cfg->https_listen[0].text);
	/* Kept without the trailing slash: paths are appended to it. */
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	if ((c->public_url = cat_strdup(c, url)) == NULL)
		return -1;
	c->organization =
		cat_strdup(c, cfg->organization[0] ? cfg->organization
						   : c->cas[0].pub.name);
	if (c->organization == NULL)
		return -1;
	return set_https_origin(c, cfg);
}

/* The HTTPS listener's files are not part of the snapshot, but a check or
 * a reload should still find them broken before anything is served. */
static int
check_tls_files(const struct config *cfg, char *err, size_t errlen)
{
	bool key;

	if (cfg->nhttps_listen == 0 || cfg->tls_cert_pem != NULL)
		return 0;
	if (cert_check_pair(cfg->tls_cert, cfg->tls_key, &key, err, errlen) ==
	    0)
		return 0;
	config_key_err(cfg, key ? cfg->tls_key_line : cfg->tls_cert_line,
		       "server", key ? "tls_key" : "tls_cert", err, errlen);
	return -1;
}

/* The files static_dir must never hold, under any name. */
static size_t
secrets(const struct config *cfg, struct cat_secret *ret)
{
	size_t n = 0;

	if (cfg->nhttps_listen > 0 && cfg->tls_key_pem == NULL &&
	    cfg->tls_key[0] != '\0')
		ret[n++] = (struct cat_secret){"the TLS key", cfg->tls_key};
	if (cfg->sign_key[0] != '\0')
		ret[n++] = (struct cat_secret){"the profile signing key",
					       cfg->sign_key};
	return n;
}

struct catalog *
catalog_build(const struct config *cfg, const struct catalog *prev, char *err,
	      size_t errlen)
{
	struct catalog *c = calloc(1, sizeof(*c));
	struct cat_secret secret[CAT_MAX_SECRETS];
	size_t i, nsecret = secrets(cfg, secret);
	const char *clash;

	err_set(err, errlen, "out of memory");
	if (c == NULL)
		return NULL;
	c->prev = prev;
	c->built = (long long)time(NULL);
	if (cfg->redirect_https && cfg->hsts_max_age > 0)
		(void)str_printf(c->hsts, sizeof(c->hsts), "max-age=%u",
				 cfg->hsts_max_age);
	if (check_tls_files(cfg, err, errlen) == -1 ||
	    load_cas(c, cfg, time(NULL), err, errlen) == -1 ||
	    set_names(c, cfg) == -1 ||
	    cat_load_assets(c, cfg->static_dir, secret, nsecret, err, errlen) ==
		    -1 ||
	    cat_load_langs(c, cfg, err, errlen) == -1)
		goto fail;
	for (i = 0; i < c->ncas; i++) {
		if (add_ca_files(c, c->cas[i].pub.slug, &c->cas[i]) == -1 ||
		    (c->cas[i].pub.primary &&
		     add_ca_files(c, "ca", &c->cas[i]) == -1))
			goto fail;
	}
	for (i = 0; i < c->naliases; i++)
		if (add_ca_files(c, c->aliases[i].slug,
				 &c->cas[c->aliases[i].kept]) == -1)
			goto fail;
	if (cat_add_pki(c, cfg, time(NULL), err, errlen) == -1 ||
	    cat_add_urls(c, cfg) == -1 || add_p7b(c, err, errlen) == -1 ||
	    cat_add_profiles(c, cfg, err, errlen) == -1 || add_json(c) == -1 ||
	    add_static(c) == -1 || add_misc(c, err, errlen) == -1 ||
	    cat_add_pages(c, cfg, err, errlen) == -1)
		goto fail;
	if (cat_compress(c) == -1) {
		err_set(err, errlen, "out of memory compressing the pages");
		goto fail;
	}
	if ((clash = cat_finish(c)) != NULL) {
		cat_url_clash(cfg, clash, err, errlen);
		goto fail;
	}
	c->prev = NULL;
	/* The files are in the entries now; the table is only for builds. */
	free(c->assets);
	c->assets = NULL;
	c->nassets = 0;
	return c;
fail:
	catalog_free(c);
	return NULL;
}
