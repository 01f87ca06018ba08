/* SPDX-License-Identifier: MIT */
/* Building a snapshot: the Apple configuration profiles, signed when a
 * signer is configured, and what an iPhone will call them. */
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "pki/pki.h"

#define TYPE_PROFILE "application/x-apple-aspen-config"

/* What signing needs, loaded once per build; all NULL when unsigned. */
struct signing {
	struct cert *signer, *chain;
	size_t nsigner, nchain;
	EVP_PKEY *key;
};

static void
signing_free(struct signing *sg)
{
	EVP_PKEY_free(sg->key);
	cert_list_free(sg->signer, sg->nsigner);
	cert_list_free(sg->chain, sg->nchain);
}

static int
load_signing(const struct config *cfg, struct signing *sg, char *err,
	     size_t errlen)
{
	if (cert_load_file(cfg->sign_cert, &sg->signer, &sg->nsigner, err,
			   errlen)) {
		config_key_err(cfg, cfg->sign_cert_line, "profile", "sign_cert",
			       err, errlen);
		return -1;
	}
	if (cert_load_key(cfg->sign_key, &sg->key, err, errlen)) {
		config_key_err(cfg, cfg->sign_key_line, "profile", "sign_key",
			       err, errlen);
		return -1;
	}
	if (cfg->sign_chain[0] != '\0' &&
	    cert_load_file(cfg->sign_chain, &sg->chain, &sg->nchain, err,
			   errlen)) {
		config_key_err(cfg, cfg->sign_chain_line, "profile",
			       "sign_chain", err, errlen);
		return -1;
	}
	if (X509_check_private_key(sg->signer[0].x509, sg->key) != 1) {
		err_set(err, errlen, "%s does not match the key in %s",
			cfg->sign_cert, cfg->sign_key);
		config_key_err(cfg, cfg->sign_key_line, "profile", "sign_key",
			       err, errlen);
		return -1;
	}
	return 0;
}

/* What a certificate of the signer's chain is called in messages. */
const char *
cat_profile_link_name(enum profile_link_from f)
{
	switch (f) {
	case PROFILE_LINK_SIGNER: return "sign_cert";
	case PROFILE_LINK_CHAIN: return "sign_chain";
	case PROFILE_LINK_STORE: return "trust store root";
	case PROFILE_LINK_SERVED: break;
	}
	return "served CA";
}

/*
 * A certificate of the signer's chain that expires within 30 days (or has,
 * or is not valid yet), as the CAs are warned about; for a "Verified"
 * chain, with what iPhones show from then. The served CAs warn for
 * themselves.
 */
static void
warn_expiry(struct catalog *c, const struct profile_verdict *v, time_t now)
{
	char w[CERT_WARN_LEN];

	for (size_t i = 0; i < v->npath; i++) {
		const struct profile_link *l = &v->path[i];

		if (l->from == PROFILE_LINK_SERVED ||
		    !cert_time_warning(l->not_before, l->not_after, now, w))
			continue;
		cat_warn(c, "[profile] %s %s %s%s",
			 cat_profile_link_name(l->from), l->subject, w,
			 v->label == PROFILE_VERIFIED
				 ? "; from then iPhones show the signed "
				   "profile as \"Not Verified\" (and the page "
				   "says so)"
				 : "");
	}
}

/*
 * Records what an iPhone will call a profile signed as sg says (unsigned
 * without a signer), judged by trust_store or this host's system store,
 * for the page, /admin, the log and --check-config.
 */
static int
set_label(struct catalog *c, const struct config *cfg, const struct signing *sg,
	  char *err, size_t errlen)
{
	const struct cert *served[CONFIG_MAX_CERTS];
	struct profile_signing in = {
		.signer = sg->signer,
		.chain = sg->chain,
		.nchain = sg->nchain,
		.served = served,
		.nserved = c->ncas,
		.now = (time_t)c->built,
	};
	struct profile_verdict v;
	char roots[PATH_MAX + 64], store[PATH_MAX * 2 + 64];
	size_t i, nroots = 0;

	for (i = 0; i < c->ncas; i++)
		served[i] = c->cas[i].cert;
	if (sg->signer != NULL && cfg->trust_store[0] != '\0') {
		if (cert_store_load(cfg->trust_store, &in.roots, &nroots, err,
				    errlen) == -1) {
			config_key_err(cfg, cfg->trust_store_line, "profile",
				       "trust_store", err, errlen);
			return -1;
		}
		(void)str_printf(roots, sizeof(roots), "trust_store %s",
				 cfg->trust_store);
		in.roots_name = roots;
		(void)str_printf(store, sizeof(store),
				 "%s ([profile] trust_store, %zu root%s)",
				 cfg->trust_store, nroots,
				 nroots == 1 ? "" : "s");
	} else {
		profile_system_store(roots, sizeof(roots));
		(void)str_printf(store, sizeof(store),
				 "this host's system store (%s)", roots);
	}
	profile_expected_label(&in, &v);
	X509_STORE_free(in.roots);
	c->profile_label = v.label;
	c->profile_trust_file = cfg->trust_store[0] != '\0';
	memcpy(c->profile_path, v.path, v.npath * sizeof(v.path[0]));
	c->nprofile_path = v.npath;
	c->profile_not_after = (long long)v.not_after;
	/* The second after notAfter: RFC 5280 4.1.2.5 counts notAfter in,
	 * OpenSSL does not; past it, every verifier agrees. */
	if (v.label == PROFILE_VERIFIED)
		c->profile_rebuild_at = (long long)v.not_after + 1;
	warn_expiry(c, &v, in.now);
	if ((c->profile_label_why = cat_strdup(c, v.why)) == NULL ||
	    (c->profile_store = cat_strdup(c, store)) == NULL) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* One profile at path, signed with sg's signer when there is one. */
static int
add_profile(struct catalog *c, const struct profile_opts *po,
	    const struct cert *const *list, const struct signing *sg,
	    const char *path, char *err, size_t errlen)
{
	unsigned char *body = NULL;
	struct buf prof = {0};
	size_t len;

	if (profile_build(po, list, c->ncas, &prof, err, errlen) == -1)
		goto fail;
	if (sg->signer != NULL) {
		if (profile_sign(prof.data, prof.len, &sg->signer[0], sg->key,
				 sg->chain, sg->nchain, &body, &len, err,
				 errlen) == -1)
			goto fail;
		buf_free(&prof);
	} else {
		body = (unsigned char *)buf_steal(&prof, &len);
	}
	if (cat_add(c, path, TYPE_PROFILE, body, len, path + 1,
		    CATALOG_DOWNLOAD) == -1)
		return -1;
	c->entries[c->nentries - 1].ca_slug = "all";
	c->entries[c->nentries - 1].format = "mobileconfig";
	return 0;
fail:
	buf_free(&prof);
	return -1;
}

/* The options every variant shares; display and ident hold defaults. */
static void
profile_defaults(const struct catalog *c, const struct config *cfg,
		 struct profile_opts *po, char *display, size_t displaylen,
		 char *ident, size_t identlen)
{
	*po = (struct profile_opts){
		.organization = c->organization,
		.identifier = cfg->identifier,
		.display_name = cfg->display_name,
		.description = cfg->description,
	};
	/* Defaults a user sees on the device: who this is from. */
	if (po->display_name[0] == '\0') {
		(void)str_printf(display, displaylen,
				 "%.200s root "
				 "certificate%s",
				 c->organization, c->ncas > 1 ? "s" : "");
		po->display_name = display;
	}
	if (po->identifier[0] == '\0') {
		(void)str_printf(ident, identlen, "local.certpost.%s",
				 c->cas[0].pub.slug);
		po->identifier = ident;
	}
	if (po->description[0] == '\0')
		po->description =
			"Installs the root certificate that internal "
			"servers use, so this device can verify them.";
}

int
cat_add_profiles(struct catalog *c, const struct config *cfg, char *err,
		 size_t errlen)
{
	/* The unmarked profile for MDM and Configurator, and one marked for
	 * each device the page links it from. */
	static const struct {
		const char *path;
		int target;
		bool mac;
	} variants[] = {
		{"/ca.mobileconfig", 0, false},
		{"/ca-ios.mobileconfig", 1, false},
		{"/ca-mac.mobileconfig", 5, true},
	};
	const struct cert *list[CONFIG_MAX_CERTS];
	struct signing sg = {0};
	struct profile_opts po;
	char display[300], ident[300];
	size_t i;
	int rc = -1;

	profile_defaults(c, cfg, &po, display, sizeof(display), ident,
			 sizeof(ident));
	if (cfg->sign_cert[0] != '\0' &&
	    load_signing(cfg, &sg, err, errlen) == -1)
		goto out;
	if (set_label(c, cfg, &sg, err, errlen) == -1)
		goto out;
	c->profile_signed = sg.signer != NULL;
	for (i = 0; i < c->ncas; i++)
		list[i] = c->cas[i].cert;
	for (i = 0; i < ARRAY_LEN(variants); i++) {
		po.target_device_type = variants[i].target;
		po.scope = !variants[i].mac	 ? NULL
			   : cfg->profile_system ? "System"
						 : "User";
		if (add_profile(c, &po, list, &sg, variants[i].path, err,
				errlen) == -1)
			goto out;
	}
	rc = 0;
out:
	signing_free(&sg);
	return rc;
}

/*
 * The label, which roots decided it, and how to get "Verified". The system
 * store is a stand-in: on Debian it holds the roots Mozilla trusts for TLS
 * servers, so a signer under a root public CAs keep for S/MIME or code
 * signing (in Apple's store, not in that one) reads "Not Verified" here,
 * and a root Mozilla trusts but Apple does not reads "Verified".
 */
void
cat_profile_summary(const struct catalog *c, struct buf *out)
{
	char t[32];

	(void)buf_printf(out, "profile:      %s; an iPhone shows \"%s\": %s\n",
			 c->profile_signed ? "signed" : "unsigned",
			 profile_label_name(c->profile_label),
			 c->profile_label_why ? c->profile_label_why : "");
	for (size_t i = 0; i < c->nprofile_path; i++) {
		const struct profile_link *l = &c->profile_path[i];

		(void)time_rfc3339(t, sizeof(t), (long long)l->not_after);
		(void)buf_printf(out, "  %s: %s, until %s\n",
				 cat_profile_link_name(l->from), l->subject, t);
	}
	if (c->profile_rebuild_at != 0) {
		(void)time_rfc3339(t, sizeof(t), c->profile_not_after);
		(void)buf_printf(out,
				 "              \"Verified\" until %s: then "
				 "iPhones show \"Not Verified\", and the "
				 "page is rebuilt to say so\n",
				 t);
	}
	if (c->profile_signed)
		(void)buf_printf(out, "trust store:  %s decided the label%s\n",
				 c->profile_store,
				 c->profile_trust_file
					 ? ""
					 : "; on Debian it holds the roots "
					   "Mozilla trusts for TLS servers, "
					   "not Apple's: set [profile] "
					   "trust_store to an export of "
					   "Apple's list to judge by iPhones' "
					   "roots");
	if (c->profile_label == PROFILE_VERIFIED)
		return;
	if (c->profile_trust_file) {
		(void)buf_puts(out, "              for \"Verified\", sign with "
				    "a certificate that chains, with its "
				    "intermediates in sign_chain, to a root "
				    "in trust_store\n");
		return;
	}
	(void)buf_puts(out, "              for \"Verified\", sign with a "
			    "certificate that chains, with its intermediates "
			    "in sign_chain, to a root in Apple's trust store "
			    "(support.apple.com/103272); this host's store "
			    "lacks the roots public CAs keep for S/MIME or "
			    "code signing only, so such a signer reads \"Not "
			    "Verified\" here until [profile] trust_store is "
			    "set\n");
}
