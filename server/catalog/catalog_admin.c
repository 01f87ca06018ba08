/* SPDX-License-Identifier: MIT */
/* /admin: managed deployment (Group Policy, MDM, policies.json, admin
 * consoles, scripts), each command filled in with this server's URLs,
 * file names and fingerprints. */
#include <string.h>

#include "catalog_int.h"
#include "pki/pki.h"
#include "render/render.h"

/* "AB:CD:..." without the colons: how Windows shows a thumbprint. */
static void
thumbprint(const char *hex, char *dst, size_t dstlen)
{
	size_t n = 0;

	for (; *hex != '\0' && n + 1 < dstlen; hex++)
		if (*hex != ':')
			dst[n++] = *hex;
	dst[n] = '\0';
}

/* One row of the expiry table (escaped into b). */
static void
expiry_row(struct buf *b, const char *what, const char *slug,
	   const char *subject, long long not_after)
{
	char na[32];

	(void)time_rfc3339(na, sizeof(na), not_after);
	(void)buf_puts(b, "<tr><td>");
	(void)buf_html_escape(b, subject);
	(void)buf_printf(b, "</td><td>%s <code>", what);
	(void)buf_html_escape(b, slug);
	(void)buf_puts(b, "</code></td><td>");
	(void)buf_html_escape(b, na);
	(void)buf_puts(b, "</td></tr>\n");
}

/* Every served root, published issuing CA and certificate of the profile
 * signer's chain with its expiry: an expiring issuing CA is the likelier
 * outage, an expiring signer turns "Verified" into "Not Verified". */
static char *
expiry_rows(const struct catalog *c)
{
	struct buf b = {0};

	for (size_t i = 0; i < c->ncas; i++)
		expiry_row(&b, "[ca]", c->cas[i].pub.slug,
			   c->cas[i].cert->subject,
			   (long long)c->cas[i].cert->not_after);
	for (size_t i = 0; i < c->nissuer_slugs; i++)
		expiry_row(&b, "[issuer]", c->issuer_slugs[i],
			   c->issuers[i][0].subject,
			   (long long)c->issuers[i][0].not_after);
	for (size_t i = 0; i < c->nprofile_path; i++) {
		const struct profile_link *l = &c->profile_path[i];

		if (l->from != PROFILE_LINK_SERVED)
			expiry_row(&b, "[profile]",
				   cat_profile_link_name(l->from), l->subject,
				   (long long)l->not_after);
	}
	return b.data;
}

int
cat_add_admin(struct catalog *c, bool demo, const char *csp, char *err,
	      size_t errlen)
{
	const struct cat_asset *t = cat_asset(c, "admin.html");
	const struct cat_ca *ca = &c->cas[0];
	char urls[4][CONFIG_STR_MAX + 80], thumb[64];
	static const char *const ext[3] = {"cer", "crt", "pem"};
	struct buf b = {0};
	char *rows;
	size_t i;

	for (i = 0; i < c->ncas; i++)
		if (c->cas[i].pub.primary)
			ca = &c->cas[i];
	if (t == NULL) {
		err_set(err, errlen, "admin.html: no such template");
		return -1;
	}
	for (i = 0; i < 3; i++)
		(void)str_printf(urls[i], sizeof(urls[i]), "%s/%s.%s",
				 c->public_url, ca->pub.slug, ext[i]);
	(void)str_printf(urls[3], sizeof(urls[3]), "%s/ca.mobileconfig",
			 c->public_url);
	thumbprint(ca->cert->sha1_hex, thumb, sizeof(thumb));
	if ((rows = expiry_rows(c)) == NULL || cat_own(c, rows) == -1) {
		err_set(err, errlen, "/admin: out of memory");
		return -1;
	}
	{
		const struct page_var vars[] = {
			{"demo_label", demo ? "DEMO " : "", false, false},
			{"organization", c->organization, false, false},
			{"ca_name", ca->pub.name, false, false},
			{"slug", ca->pub.slug, false, false},
			{"sha256", ca->cert->sha256_hex, false, false},
			{"thumbprint", thumb, false, false},
			{"cer_url", urls[0], false, false},
			{"crt_url", urls[1], false, false},
			{"pem_url", urls[2], false, false},
			{"mobileconfig_url", urls[3], false, false},
			{"expiry_rows", rows, true, false},
		};

		if (page_substitute((const char *)t->data, t->len, vars,
				    ARRAY_LEN(vars), &b, err, errlen) == -1) {
			buf_free(&b);
			return -1;
		}
	}
	if (cat_add_buf(c, "/admin", "text/html; charset=utf-8", &b,
			CATALOG_HELPDESK) == -1) {
		err_set(err, errlen, "/admin: out of memory");
		return -1;
	}
	c->entries[c->nentries - 1].csp = csp;
	return 0;
}
