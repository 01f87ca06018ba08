/* SPDX-License-Identifier: MIT */
/* Building a snapshot: the Apple configuration profiles, signed when a
 * signer is configured. */
#include <stdlib.h>
#include <string.h>

#include "catalog_int.h"
#include "pki/pki.h"

#define TYPE_PROFILE "application/x-apple-aspen-config"

static int cat_sign_profile(struct catalog *c, const struct config *cfg,
			    const void *data, size_t len, unsigned char **ret,
			    size_t *ret_len, char *err, size_t errlen);

/* Records what an iPhone will call a profile signed by signer (NULL:
 * unsigned), for the page and --check-config. */
static int
set_label(struct catalog *c, const struct cert *signer,
	  const struct cert *chain, size_t nchain)
{
	const struct cert *served[CONFIG_MAX_CERTS];
	char why[600];
	size_t i;

	for (i = 0; i < c->ncas; i++)
		served[i] = c->cas[i].cert;
	c->profile_label = profile_expected_label(signer, chain, nchain, served,
						  c->ncas, why, sizeof(why));
	c->profile_label_why = cat_strdup(c, why);
	return c->profile_label_why == NULL ? -1 : 0;
}

/* One profile at path, signed when cfg names a signer. */
static int
add_profile(struct catalog *c, const struct config *cfg,
	    const struct profile_opts *po, const struct cert *const *list,
	    const char *path, char *err, size_t errlen)
{
	unsigned char *body = NULL;
	struct buf prof = {0};
	size_t len;

	if (profile_build(po, list, c->ncas, &prof, err, errlen) == -1)
		goto fail;
	if (cfg->sign_cert[0] != '\0') {
		if (cat_sign_profile(c, cfg, prof.data, prof.len, &body, &len,
				     err, errlen) == -1)
			goto fail;
		buf_free(&prof);
		c->profile_signed = true;
	} else {
		if (set_label(c, NULL, NULL, 0) == -1)
			goto fail;
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
	size_t i;
	char display[300], ident[300];
	struct profile_opts po = {
		.organization = c->organization,
		.identifier = cfg->identifier,
		.display_name = cfg->display_name,
		.description = cfg->description,
	};

	/* Defaults a user sees on the device: who this is from. */
	if (po.display_name[0] == '\0') {
		(void)str_printf(display, sizeof(display),
				 "%.200s root "
				 "certificate%s",
				 c->organization, c->ncas > 1 ? "s" : "");
		po.display_name = display;
	}
	if (po.identifier[0] == '\0') {
		(void)str_printf(ident, sizeof(ident), "local.certpost.%s",
				 c->cas[0].pub.slug);
		po.identifier = ident;
	}
	if (po.description[0] == '\0')
		po.description = "Installs the root certificate that internal "
				 "servers use, so this device can verify them.";

	for (i = 0; i < c->ncas; i++)
		list[i] = c->cas[i].cert;
	for (i = 0; i < ARRAY_LEN(variants); i++) {
		po.target_device_type = variants[i].target;
		po.scope = !variants[i].mac	 ? NULL
			   : cfg->profile_system ? "System"
						 : "User";
		if (add_profile(c, cfg, &po, list, variants[i].path, err,
				errlen) == -1)
			return -1;
	}
	return 0;
}

static int
cat_sign_profile(struct catalog *c, const struct config *cfg, const void *data,
		 size_t len, unsigned char **ret, size_t *ret_len, char *err,
		 size_t errlen)
{
	struct cert *signer = NULL, *chain = NULL;
	size_t nsigner = 0, nchain = 0;
	EVP_PKEY *key = NULL;
	int ret_code = -1;

	if (cert_load_file(cfg->sign_cert, &signer, &nsigner, err, errlen)) {
		config_key_err(cfg, cfg->sign_cert_line, "profile", "sign_cert",
			       err, errlen);
		goto out;
	}
	if (cert_load_key(cfg->sign_key, &key, err, errlen)) {
		config_key_err(cfg, cfg->sign_key_line, "profile", "sign_key",
			       err, errlen);
		goto out;
	}
	if (cfg->sign_chain[0] != '\0' &&
	    cert_load_file(cfg->sign_chain, &chain, &nchain, err, errlen)) {
		config_key_err(cfg, cfg->sign_chain_line, "profile",
			       "sign_chain", err, errlen);
		goto out;
	}
	if (X509_check_private_key(signer[0].x509, key) != 1) {
		err_set(err, errlen, "%s does not match the key in %s",
			cfg->sign_cert, cfg->sign_key);
		config_key_err(cfg, cfg->sign_key_line, "profile", "sign_key",
			       err, errlen);
		goto out;
	}
	if (set_label(c, &signer[0], chain, nchain) == -1) {
		err_set(err, errlen, "out of memory");
		goto out;
	}
	ret_code = profile_sign(data, len, &signer[0], key, chain, nchain, ret,
				ret_len, err, errlen);
out:
	EVP_PKEY_free(key);
	cert_list_free(signer, nsigner);
	cert_list_free(chain, nchain);
	return ret_code;
}
