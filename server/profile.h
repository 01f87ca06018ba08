/* SPDX-License-Identifier: MIT */
/* The Apple configuration profile (.mobileconfig) carrying the root(s),
 * optionally CMS-signed. */
#ifndef CERTPOST_PROFILE_H
#define CERTPOST_PROFILE_H

#include <stddef.h>

#include "cert.h"
#include "util.h"

struct profile_opts {
	const char *organization; /* PayloadOrganization */
	const char *identifier;	  /* reverse-DNS, e.g. com.example.certpost */
	const char *display_name; /* PayloadDisplayName */
	const char *description; /* PayloadDescription, fingerprints appended */
};

/*
 * Checks a PayloadIdentifier: reverse-DNS (letters, digits, '-', '_',
 * dot-separated, no empty label), at most 256 bytes. Returns 0, or -1
 * with a reason.
 */
int profile_identifier_check(const char *id, char *err, size_t errlen);

/*
 * Writes an XML property list: a Configuration profile with one
 * com.apple.security.root payload per cert (PayloadContent = the DER),
 * PayloadUUIDs derived from the fingerprints (stable across restarts),
 * every string XML-escaped. Returns 0, or -1 with a reason.
 */
int profile_build(const struct profile_opts *o, const struct cert *const *certs,
		  size_t n, struct buf *out, char *err, size_t errlen);

/*
 * Signs data as CMS SignedData, DER, content attached, with signer/key and
 * the optional intermediate chain. Returns 0 and a malloc'd buffer (caller
 * frees), or -1 with a reason.
 */
int profile_sign(const void *data, size_t len, const struct cert *signer,
		 EVP_PKEY *key, const struct cert *chain, size_t nchain,
		 unsigned char **ret, size_t *ret_len, char *err,
		 size_t errlen);

#endif
