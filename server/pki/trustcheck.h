/* SPDX-License-Identifier: MIT */
/* certpost --check-trust: will the page's trust check pass on an iPhone?
 * Connects to each check URL and judges its certificate chain by the
 * served CAs and Apple's rules for TLS server certificates. */
#ifndef CERTPOST_TRUSTCHECK_H
#define CERTPOST_TRUSTCHECK_H

#include <stddef.h>

#include "cert.h"
#include "util.h"

/*
 * Checks one https:// URL: a TLS 1.2+ handshake (SNI = the URL's host),
 * then the server's chain must verify to one of roots[0..nroots) and the
 * leaf must meet Apple's requirements (support.apple.com/en-us/103769):
 * the host in subjectAltName (a CN is not enough), the serverAuth
 * extended key usage, RSA of 2048 bits or more or ECDSA, SHA-2
 * signatures, and a validity of at most 825 days. Appends one line to
 * out: "ok URL" or "FAIL URL: problem; problem". Returns 0 when the
 * server would pass, 1 when it would not, -1 when it could not be asked
 * (the line says why).
 */
int trustcheck_url(const char *url, const struct cert *const *roots,
		   size_t nroots, long timeout_ms, struct buf *out);

#endif
