/* SPDX-License-Identifier: MIT */
/* What an iPhone's Install Profile screen will call the served profile,
 * worked out from the signer's chain and this host's system trust store. */
#include <string.h>

#include <openssl/x509_vfy.h>

#include "pki/pki.h"

static const char *const label_names[] = {
	[PROFILE_NOT_SIGNED] = "Not Signed",
	[PROFILE_VERIFIED] = "Verified",
	[PROFILE_NOT_VERIFIED] = "Not Verified",
};

const char *
profile_label_name(enum profile_label l)
{
	return (unsigned)l < PROFILE_LABEL_COUNT ? label_names[l] : "?";
}

static bool
is_served(X509 *x, const struct cert *const *served, size_t nserved)
{
	size_t i;

	for (i = 0; i < nserved; i++)
		if (X509_cmp(x, served[i]->x509) == 0)
			return true;
	return false;
}

/*
 * iOS shows "Verified" when the signer chains to a root the device trusts
 * before anything is installed: in practice a public root, the same set a
 * Debian host carries in /etc/ssl/certs. A chain ending at one of the
 * served CAs is not enough: the phone trusts that root only after this
 * very profile is installed and trusted, so the first install says "Not
 * Verified". OpenSSL's default paths honour SSL_CERT_FILE and SSL_CERT_DIR.
 */
enum profile_label
profile_expected_label(const struct cert *signer, const struct cert *chain,
		       size_t nchain, const struct cert *const *served,
		       size_t nserved, char *why, size_t whylen)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	STACK_OF(X509) * path;
	X509 *root;
	char name[256] = "";
	enum profile_label l = PROFILE_NOT_VERIFIED;
	size_t i;

	if (signer == NULL || signer->x509 == NULL) {
		err_set(why, whylen, "the profile is not signed");
		return PROFILE_NOT_SIGNED;
	}
	err_set(why, whylen, "out of memory");
	if ((store = X509_STORE_new()) == NULL ||
	    X509_STORE_set_default_paths(store) != 1 ||
	    (untrusted = sk_X509_new_null()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL)
		goto out;
	for (i = 0; i < nchain; i++)
		if (sk_X509_push(untrusted, chain[i].x509) <= 0)
			goto out;
	if (X509_STORE_CTX_init(ctx, store, signer->x509, untrusted) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1) {
		err_set(why, whylen,
			"the signer %s does not chain to a root in this "
			"host's system trust store (%s)",
			signer->subject,
			X509_verify_cert_error_string(
				X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	path = X509_STORE_CTX_get0_chain(ctx);
	root = sk_X509_value(path, sk_X509_num(path) - 1);
	X509_NAME_oneline(X509_get_subject_name(root), name, sizeof(name));
	if (is_served(root, served, nserved)) {
		err_set(why, whylen,
			"the signer chains to %s, one of the served CAs, which "
			"a phone trusts only after installing this profile",
			name);
		goto out;
	}
	err_set(why, whylen,
		"the signer chains to %s in this host's system trust store",
		name);
	l = PROFILE_VERIFIED;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return l;
}
