/* SPDX-License-Identifier: MIT */
/* The URLs a certificate points its verifiers at: CRL distribution points,
 * the freshest CRL (delta), and Authority Information Access (caIssuers,
 * OCSP), as RFC 5280 4.2.1.13, 4.2.1.15 and 4.2.2.1 define them. */
#include <string.h>

#include <openssl/x509v3.h>

#include "pki/pki.h"
#include "util.h"

static int
add(struct cert_url_list *l, enum cert_url_kind kind, const GENERAL_NAME *g)
{
	const unsigned char *s;
	int len;

	if (g->type != GEN_URI || l->n >= CERT_MAX_URLS)
		return 0;
	s = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
	len = ASN1_STRING_length(g->d.uniformResourceIdentifier);
	/* An IA5String with a NUL or a control byte is not a URL. */
	for (int i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return 0;
	if (len <= 0 || (size_t)len >= sizeof(l->urls[0].url))
		return 0;
	l->urls[l->n].kind = kind;
	memcpy(l->urls[l->n].url, s, (size_t)len);
	l->urls[l->n].url[len] = '\0';
	l->n++;
	return 0;
}

static void
dist_points(const X509 *x, int nid, enum cert_url_kind kind,
	    struct cert_url_list *l)
{
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, nid, NULL, NULL);

	for (int i = 0; i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (dp->distpoint == NULL || dp->distpoint->type != 0)
			continue; /* a relative name: no URL */
		for (int j = 0;
		     j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++)
			(void)add(l, kind,
				  sk_GENERAL_NAME_value(
					  dp->distpoint->name.fullname, j));
	}
	CRL_DIST_POINTS_free(dps);
}

void
cert_urls(const struct cert *c, struct cert_url_list *ret)
{
	AUTHORITY_INFO_ACCESS *aia;

	memset(ret, 0, sizeof(*ret));
	dist_points(c->x509, NID_crl_distribution_points, CERT_URL_CDP, ret);
	dist_points(c->x509, NID_freshest_crl, CERT_URL_FRESHEST, ret);
	aia = X509_get_ext_d2i(c->x509, NID_info_access, NULL, NULL);
	for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int nid = OBJ_obj2nid(ad->method);

		if (nid == NID_ad_ca_issuers)
			(void)add(ret, CERT_URL_CA_ISSUERS, ad->location);
		else if (nid == NID_ad_OCSP)
			(void)add(ret, CERT_URL_OCSP, ad->location);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
}

const char *
cert_url_kind_name(enum cert_url_kind k)
{
	switch (k) {
	case CERT_URL_CDP: return "CDP";
	case CERT_URL_FRESHEST: return "freshest CRL";
	case CERT_URL_CA_ISSUERS: return "AIA caIssuers";
	case CERT_URL_OCSP: return "AIA OCSP";
	}
	return "?";
}
