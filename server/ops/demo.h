/* SPDX-License-Identifier: MIT */
/* The built-in demo: a throwaway root CA and a localhost leaf, generated in
 * memory. */
#ifndef CERTPOST_DEMO_H
#define CERTPOST_DEMO_H

#include <stddef.h>

#define DEMO_CA_NAME "certpost Demo Root CA"

struct demo {
	char *root_pem;	    /* owned: the root certificate, PEM */
	char *leaf_pem;	    /* owned: leaf for localhost/127.0.0.1/::1, PEM */
	char *leaf_key_pem; /* owned: the leaf's private key, PKCS#8 PEM */
};

/*
 * Generates a fresh root CA ("certpost Demo Root CA", EC P-256, 1 year,
 * CA:TRUE, keyCertSign) and a TLS server leaf signed by it (CN localhost,
 * SAN DNS:localhost, IP:127.0.0.1, IP:::1, serverAuth, 90 days). The root's
 * private key is discarded. Returns 0, or -1 with a reason.
 * Free with demo_finish().
 */
int demo_generate(struct demo *d, char *err, size_t errlen);

/* Frees what demo_generate() made; accepts a zeroed struct. */
void demo_finish(struct demo *d);

#endif
