/* SPDX-License-Identifier: MIT */
/* The publication point's configuration: [issuer "slug"] sections and the
 * rules that tie them and the CRL files to the rest. */
#include <string.h>

#include "config_int.h"
#include "util.h"

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
