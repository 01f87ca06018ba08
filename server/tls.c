/* SPDX-License-Identifier: MIT */
/* The TLS policy of the HTTPS listener (libmicrohttpd's TLS is GnuTLS). */
#include "tls.h"

#include <gnutls/gnutls.h>

#include "util.h"

const char *
tls_priorities(const char *configured)
{
	return configured != NULL && configured[0] != '\0'
		       ? configured
		       : TLS_PRIORITIES_DEFAULT;
}

int
tls_priorities_check(const char *prio, char *err, size_t errlen)
{
	gnutls_priority_t p;
	const char *where = NULL;
	int r = gnutls_priority_init(&p, prio, &where);

	if (r != GNUTLS_E_SUCCESS) {
		if (where != NULL && r == GNUTLS_E_INVALID_REQUEST)
			err_set(err, errlen,
				"GnuTLS does not accept it at offset %zu "
				"('%.40s'): %s",
				(size_t)(where - prio), where,
				gnutls_strerror(r));
		else
			err_set(err, errlen, "GnuTLS does not accept it: %s",
				gnutls_strerror(r));
		return -1;
	}
	gnutls_priority_deinit(p);
	return 0;
}
