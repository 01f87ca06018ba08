/* SPDX-License-Identifier: MIT */
/* The keys that seal TLS session tickets: random, in memory only, a new
 * one every tls_session_lifetime, the one before overwritten a period
 * later. */
#include "tls_int.h"

#include <string.h>

#include <gnutls/gnutls.h>

/* Writes a fresh GnuTLS ticket master into dst. */
static int
make_key(unsigned char dst[TLS_TICKET_KEY_LEN])
{
	gnutls_datum_t k = {NULL, 0};
	int rc = -1;

	if (gnutls_session_ticket_key_generate(&k) == GNUTLS_E_SUCCESS &&
	    k.size == TLS_TICKET_KEY_LEN) {
		memcpy(dst, k.data, k.size);
		rc = 0;
	}
	if (k.data != NULL) {
		gnutls_memset(k.data, 0, k.size);
		gnutls_free(k.data);
	}
	return rc;
}

int
tls_tickets_init(struct tls_tickets *t, long long now_s)
{
	memset(t, 0, sizeof(*t));
	if (make_key(t->keys[0]) == -1)
		return -1;
	atomic_store(&t->cur, 0);
	t->made_s = now_s;
	t->have = true;
	return 0;
}

/*
 * Once a lifetime has passed, a new key goes into the other slot, over
 * the key before the current one: nothing has sealed with that one for a
 * whole period, and every ticket it sealed has expired (a ticket lives
 * one lifetime). So a key read from memory opens at most the tickets of
 * the last two periods. Tickets sealed under the key being replaced no
 * longer resume (each session is given one key): a full handshake.
 */
bool
tls_tickets_rotate(struct tls_tickets *t, unsigned lifetime_s, long long now_s)
{
	unsigned next;

	if (!t->have || now_s - t->made_s < (long long)lifetime_s)
		return false;
	next = atomic_load(&t->cur) ^ 1u;
	gnutls_memset(t->keys[next], 0, TLS_TICKET_KEY_LEN);
	if (make_key(t->keys[next]) == -1)
		return false; /* the current key stays; tried again */
	atomic_store(&t->cur, next);
	t->made_s = now_s;
	return true;
}

const unsigned char *
tls_tickets_current(const struct tls_tickets *t)
{
	return t->have ? t->keys[atomic_load(&t->cur)] : NULL;
}

void
tls_tickets_wipe(struct tls_tickets *t)
{
	gnutls_memset(t->keys, 0, sizeof(t->keys));
	t->have = false;
}
