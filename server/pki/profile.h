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
	int target_device_type;	 /* TargetDeviceType; 0: left out (any) */
	const char *scope; /* PayloadScope "User"/"System"; NULL: left out */
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

/* What an iPhone's Install Profile screen calls a profile. */
enum profile_label {
	PROFILE_NOT_SIGNED, /* red "Not Signed" */
	PROFILE_VERIFIED, /* green "Verified": signer chains to a public root */
	PROFILE_NOT_VERIFIED, /* red "Not Verified": signed, chain not trusted
			       */
	PROFILE_LABEL_COUNT
};

/* The words the iPhone shows: "Not Signed", "Verified", "Not Verified". */
const char *profile_label_name(enum profile_label l);

/*
 * Works out the label an iPhone will show, before anything is installed,
 * for a profile signed by signer (NULL: unsigned) with its intermediates
 * chain[0..nchain): "Verified" only when the chain ends at a root of this
 * host's system trust store that is not one of served[0..nserved). Writes
 * the reason into why. Reads the trust store; never fails (anything that
 * goes wrong gives "Not Verified" with the reason).
 */
enum profile_label
profile_expected_label(const struct cert *signer, const struct cert *chain,
		       size_t nchain, const struct cert *const *served,
		       size_t nserved, char *why, size_t whylen);

#endif
