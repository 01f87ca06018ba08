/* SPDX-License-Identifier: MIT */
/* The publication point's configuration: [issuer "slug"] sections and the
 * rules that tie them and the CRL files to the rest. */
#include <string.h>
#include <strings.h>

#include "config_int.h"
#include "util.h"

/* Repeatable: the configuration-keys check knows add_* keeps each line. */
#define add_url config_add_url

/* Opens an [issuer "slug"] section; cur_issuer is -1 when it cannot be
 * used. Its slug shares the URL space of the [ca] slugs (/<slug>.cer). */
void
config_open_issuer(struct config_parse *p, const char *section)
{
	struct config_issuer *is;
	char slug[CONFIG_SLUG_MAX];

	p->cur_issuer = -1;
	if (!config_section_slug(p, section, "issuer", slug, sizeof(slug)))
		return;
	for (size_t i = 0; i < p->cfg->nissuer; i++) {
		if (strcmp(p->cfg->issuer[i].slug, slug) == 0) {
			config_perr_section(p,
					    "[%s]: slug given twice (first on "
					    "line %u)",
					    section, p->cfg->issuer[i].line);
			return;
		}
	}
	if (p->cfg->nissuer >= CONFIG_MAX_ISSUER) {
		config_perr_section(p, "more than %d issuers",
				    CONFIG_MAX_ISSUER);
		return;
	}
	is = &p->cfg->issuer[p->cfg->nissuer];
	(void)str_copy(is->slug, sizeof(is->slug), slug);
	is->line = p->section_line;
	p->cur_issuer = (int)p->cfg->nissuer++;
}

static const char *const url_keys[] = {
	[CONFIG_URL_CERT] = "cert_url",
	[CONFIG_URL_CRL] = "crl_url",
	[CONFIG_URL_DELTA_CRL] = "delta_crl_url",
};

const char *
config_url_key(enum config_url_kind k)
{
	return url_keys[k];
}

/* Paths the request path answers itself (http_request.c, http_counts.c). */
static const char *const routed[] = {"/metrics", "/trust/confirm",
				     "/helpdesk/rollout.json"};

void
config_add_url(struct config_parse *p, const char *s, const char *k,
	       struct config_url *urls, size_t *n, const char *v)
{
	struct config_url *u = &urls[*n];
	const char *path = v;
	size_t hostlen;

	if (*n >= CONFIG_MAX_URLS) {
		config_perr(p, s, k, "more than %d URLs in one section",
			    CONFIG_MAX_URLS);
		return;
	}
	memset(u, 0, sizeof(*u));
	for (int i = 0; i < 3; i++)
		if (strcmp(k, url_keys[i]) == 0)
			u->kind = (enum config_url_kind)i;
	if (strncasecmp(v, "http://", 7) == 0 ||
	    strncasecmp(v, "https://", 8) == 0) {
		const char *auth = strstr(v, "://") + 3;

		hostlen = strcspn(auth, "/");
		path = auth + hostlen;
		if (hostlen == 0 || hostlen >= sizeof(u->host) ||
		    memchr(auth, '@', hostlen) != NULL) {
			config_perr(p, s, k,
				    "'%s': no host, or a user name, in the URL",
				    v);
			return;
		}
		memcpy(u->host, auth, hostlen);
		u->host[hostlen] = '\0';
	} else if (strstr(v, "://") != NULL || strncmp(v, "ldap:", 5) == 0) {
		config_perr(p, s, k,
			    "'%s': only http:// and https:// URLs can be "
			    "served (an ldap: URL is the directory's)",
			    v);
		return;
	}
	if (path[0] != '/') {
		config_perr(p, s, k,
			    "'%s' is neither an absolute path nor an http:// "
			    "URL",
			    v);
		return;
	}
	if (url_path_decode(path, u->path, sizeof(u->path)) == -1 ||
	    strcmp(u->path, "/") == 0) {
		config_perr(p, s, k,
			    "'%s': not a path certpost can serve (a bad %%XX "
			    "escape, an escaped / or NUL, a query or "
			    "fragment, a control character)",
			    path);
		return;
	}
	/* Answered before the table is looked at: a URL there would never
	 * be served. */
	for (size_t i = 0; i < ARRAY_LEN(routed); i++)
		if (strcmp(u->path, routed[i]) == 0) {
			config_perr(p, s, k, "'%s': %s is certpost's own", v,
				    routed[i]);
			return;
		}
	(void)str_copy(u->text, sizeof(u->text), v);
	u->line = p->line;
	(*n)++;
}

void
config_validate_urls(const struct config *cfg, struct buf *b, unsigned *n)
{
	for (size_t i = 0; i < cfg->nca + cfg->nissuer; i++) {
		bool ca = i < cfg->nca;
		const struct config_url *urls =
			ca ? cfg->ca[i].urls : cfg->issuer[i - cfg->nca].urls;
		size_t nurls =
			ca ? cfg->ca[i].nurls : cfg->issuer[i - cfg->nca].nurls;
		const char *slug =
			ca ? cfg->ca[i].slug : cfg->issuer[i - cfg->nca].slug;
		const char *section = ca ? "ca" : "issuer";

		for (size_t j = 0; j < nurls; j++) {
			const struct config_url *u = &urls[j];
			bool has = true;

			if (u->host[0] != '\0' &&
			    !host_names_match(&cfg->hosts, u->host))
				config_verr(b, n, cfg->path, u->line,
					    "[%s \"%s\"] %s: host %s is not a "
					    "name certpost answers to (add "
					    "server_name = %s)",
					    section, slug,
					    config_url_key(u->kind), u->host,
					    u->host);
			if (u->kind == CONFIG_URL_CRL)
				has = ca ? cfg->ca[i].crl[0] != '\0'
					 : cfg->issuer[i - cfg->nca].crl[0] !=
						      '\0';
			else if (u->kind == CONFIG_URL_DELTA_CRL)
				has = ca ? cfg->ca[i].delta_crl[0] != '\0'
					 : cfg->issuer[i - cfg->nca]
							      .delta_crl[0] !=
						      '\0';
			if (!has)
				config_verr(b, n, cfg->path, u->line,
					    "[%s \"%s\"] %s needs %s: there is "
					    "nothing to serve there",
					    section, slug,
					    config_url_key(u->kind),
					    u->kind == CONFIG_URL_CRL
						    ? "crl"
						    : "delta_crl");
		}
	}
}

void
config_issuer_key(struct config_parse *p, const char *s, const char *k,
		  const char *v)
{
	struct config_issuer *is = &p->cfg->issuer[p->cur_issuer];

	if (strcmp(k, "name") == 0) {
		config_set_str(p, s, k, is->name, sizeof(is->name), v);
	} else if (strcmp(k, "file") == 0) {
		config_set_file(p, s, k, is->file, v);
		is->file_line = p->line;
	} else if (strcmp(k, "crl") == 0) {
		config_set_file(p, s, k, is->crl, v);
		is->crl_line = p->line;
	} else if (strcmp(k, "delta_crl") == 0) {
		config_set_file(p, s, k, is->delta_crl, v);
		is->delta_crl_line = p->line;
	} else if (strcmp(k, "cert_url") == 0 || strcmp(k, "crl_url") == 0 ||
		   strcmp(k, "delta_crl_url") == 0) {
		add_url(p, s, k, is->urls, &is->nurls, v);
	} else {
		config_perr(p, s, k, "unknown key");
	}
}

void
config_validate_pki(const struct config *cfg, struct buf *b, unsigned *n)
{
	size_t i, j;

	for (i = 0; i < cfg->nissuer; i++) {
		const struct config_issuer *is = &cfg->issuer[i];

		if (is->file[0] == '\0')
			config_verr(b, n, cfg->path, is->line,
				    "[issuer \"%s\"] has no file", is->slug);
		/* One URL space: /<slug>.cer is one file. */
		for (j = 0; j < cfg->nca; j++)
			if (strcmp(cfg->ca[j].slug, is->slug) == 0)
				config_verr(
					b, n, cfg->path, is->line,
					"[issuer \"%s\"]: [ca \"%s\"] (line "
					"%u) "
					"already serves /%s.cer; rename one",
					is->slug, is->slug, cfg->ca[j].line,
					is->slug);
		if (strcmp(is->slug, "ca") == 0)
			config_verr(b, n, cfg->path, is->line,
				    "[issuer \"ca\"]: slug 'ca' is reserved "
				    "for the "
				    "primary CA's URLs (/ca.cer)");
	}
	for (i = 0; i < cfg->nissuer; i++) {
		const struct config_issuer *is = &cfg->issuer[i];

		if (is->delta_crl[0] != '\0' && is->crl[0] == '\0')
			config_verr(b, n, cfg->path, is->delta_crl_line,
				    "[issuer \"%s\"] delta_crl needs crl (a "
				    "delta CRL lists changes since a full one)",
				    is->slug);
	}
	for (i = 0; i < cfg->nca; i++) {
		const struct config_ca *ca = &cfg->ca[i];

		if (ca->delta_crl[0] != '\0' && ca->crl[0] == '\0')
			config_verr(
				b, n, cfg->path, ca->delta_crl_line,
				"[ca \"%s\"] delta_crl needs crl (a delta CRL "
				"lists changes since a full one)",
				ca->slug);
	}
}
