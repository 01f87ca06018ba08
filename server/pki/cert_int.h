/* SPDX-License-Identifier: MIT */
/* Inside the cert module: what cert_load.c needs from cert.c; no other module
 * includes this. */
#ifndef CERTPOST_CERT_INT_H
#define CERTPOST_CERT_INT_H

#include <stddef.h>

#include "pki/pki.h"

/*
 * Computes everything in c from c->x509 (owned by c): encodings, names,
 * validity, fingerprints, key, flags. Returns 0, or -1 with a reason naming
 * name and certificate idx (0-based); c stays valid for cert_list_free().
 */
int cert_fill(struct cert *c, const char *name, size_t idx, char *err,
	      size_t errlen);

#endif
