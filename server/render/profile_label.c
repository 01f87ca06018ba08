/* SPDX-License-Identifier: MIT */
/* What an iPhone's Install Profile screen will call the served profile,
 * worked out from the signer's chain and the roots iPhones trust (a
 * trust_store file, or this host's system store). */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
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

/* A certificate's time as Unix time, counted from now (no timegm()). */
static time_t
unix_time(const ASN1_TIME *when, time_t now)
{
	ASN1_TIME *t = ASN1_TIME_set(NULL, now);
	int days, secs;
	time_t r = 0;

	if (t != NULL && ASN1_TIME_diff(&days, &secs, t, when) == 1)
		r = now + (time_t)days * 86400 + secs;
	ASN1_TIME_free(t);
	return r;
}

static enum profile_link_from
link_from(const struct profile_signing *s, X509 *x, int depth)
{
	if (depth == 0)
		return PROFILE_LINK_SIGNER;
	if (is_served(x, s->served, s->nserved))
		return PROFILE_LINK_SERVED;
	for (size_t i = 0; i < s->nchain; i++)
		if (X509_cmp(x, s->chain[i].x509) == 0)
			return PROFILE_LINK_CHAIN;
	return PROFILE_LINK_STORE;
}

/* The chain as OpenSSL built it (as far as it got) into ret->path, and
 * its earliest notAfter. */
static void
fill_path(const struct profile_signing *s, X509_STORE_CTX *ctx,
	  struct profile_verdict *ret)
{
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
	int n = chain != NULL ? sk_X509_num(chain) : 0;

	if (n <= 0) {
		/* Nothing built: the signer alone. */
		chain = NULL;
		n = 1;
	}
	for (int i = 0; i < n && ret->npath < PROFILE_PATH_MAX; i++) {
		X509 *x = chain != NULL ? sk_X509_value(chain, i)
					: s->signer->x509;
		struct profile_link *l = &ret->path[ret->npath++];

		l->from = link_from(s, x, i);
		if (cert_subject_line(x, l->subject, sizeof(l->subject)) == -1)
			l->subject[0] = '\0';
		l->not_before = unix_time(X509_get0_notBefore(x), s->now);
		l->not_after = unix_time(X509_get0_notAfter(x), s->now);
		if (ret->not_after == 0 || l->not_after < ret->not_after)
			ret->not_after = l->not_after;
	}
}

/* Why the chain did not verify: no path to a root, or a certificate on
 * it (named) outside its validity now. */
static void
not_verified(const struct profile_signing *s, X509_STORE_CTX *ctx,
	     const char *roots, struct profile_verdict *ret)
{
	int e = X509_STORE_CTX_get_error(ctx);
	X509 *at = X509_STORE_CTX_get_current_cert(ctx);
	char name[256] = "?";

	if ((e == X509_V_ERR_CERT_HAS_EXPIRED ||
	     e == X509_V_ERR_CERT_NOT_YET_VALID) &&
	    at != NULL) {
		(void)cert_subject_line(at, name, sizeof(name));
		err_set(ret->why, sizeof(ret->why),
			"the signer's chain to a root in %s is not valid now: "
			"%s: %s",
			roots, name, X509_verify_cert_error_string(e));
		return;
	}
	err_set(ret->why, sizeof(ret->why),
		"the signer %s does not chain to a root in %s (%s)",
		s->signer->subject, roots, X509_verify_cert_error_string(e));
}

void
profile_system_store(char *out, size_t outlen)
{
	const char *file = getenv(X509_get_default_cert_file_env());
	const char *dir = getenv(X509_get_default_cert_dir_env());

	(void)str_printf(out, outlen, "%s, %s",
			 file != NULL ? file : X509_get_default_cert_file(),
			 dir != NULL ? dir : X509_get_default_cert_dir());
}

/*
 * iOS shows "Verified" when the signer chains to a root the device trusts
 * before anything is installed: a root of Apple's trust store, which
 * s->roots stands for when given. Without it, this host's system store
 * stands in (OpenSSL's default paths: SSL_CERT_FILE and SSL_CERT_DIR),
 * which on Debian holds the roots Mozilla trusts for TLS servers: close,
 * not the same. A chain ending at one of the served CAs is not enough:
 * the phone trusts that root only after this very profile is installed
 * and trusted, so the first install says "Not Verified".
 */
void
profile_expected_label(const struct profile_signing *s,
		       struct profile_verdict *ret)
{
	X509_STORE *own = NULL, *store = s->roots;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	STACK_OF(X509) * path;
	X509 *root;
	char name[256] = "";
	const char *roots = s->roots_name != NULL
				    ? s->roots_name
				    : "this host's system trust store";
	size_t i;
	bool ok;

	ret->label = PROFILE_NOT_VERIFIED;
	ret->npath = 0;
	ret->not_after = 0;
	if (s->signer == NULL || s->signer->x509 == NULL) {
		err_set(ret->why, sizeof(ret->why),
			"the profile is not signed");
		ret->label = PROFILE_NOT_SIGNED;
		return;
	}
	err_set(ret->why, sizeof(ret->why), "out of memory");
	if (store == NULL && ((store = own = X509_STORE_new()) == NULL ||
			      X509_STORE_set_default_paths(store) != 1))
		goto out;
	if ((untrusted = sk_X509_new_null()) == NULL ||
	    (ctx = X509_STORE_CTX_new()) == NULL)
		goto out;
	for (i = 0; i < s->nchain; i++)
		if (sk_X509_push(untrusted, s->chain[i].x509) <= 0)
			goto out;
	if (X509_STORE_CTX_init(ctx, store, s->signer->x509, untrusted) != 1)
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), s->now);
	ok = X509_verify_cert(ctx) == 1;
	fill_path(s, ctx, ret);
	if (!ok) {
		not_verified(s, ctx, roots, ret);
		goto out;
	}
	path = X509_STORE_CTX_get0_chain(ctx);
	root = sk_X509_value(path, sk_X509_num(path) - 1);
	X509_NAME_oneline(X509_get_subject_name(root), name, sizeof(name));
	if (is_served(root, s->served, s->nserved)) {
		err_set(ret->why, sizeof(ret->why),
			"the signer chains to %s, one of the served CAs, which "
			"a phone trusts only after installing this profile",
			name);
		goto out;
	}
	err_set(ret->why, sizeof(ret->why), "the signer chains to %s in %s",
		name, roots);
	ret->label = PROFILE_VERIFIED;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(own);
}
