/* SPDX-License-Identifier: MIT */
/* Checks of single values that need more than a type: a profile
 * identifier, a GnuTLS priority string, a trust-check URL. */
#include <string.h>

#include <gnutls/gnutls.h>

#include "config_int.h"
#include "util.h"

/* iOS wants a reverse-DNS PayloadIdentifier, and the profile appends to
 * it; the profile checks what it is given with this same function. */
int
config_identifier_check(const char *id, char *err, size_t errlen)
{
	size_t len = id != NULL ? strlen(id) : 0;
	const char *p;

	if (len == 0) {
		err_set(err, errlen, "profile: identifier is empty");
		return -1;
	}
	if (len > CONFIG_MAX_IDENTIFIER) {
		err_set(err, errlen,
			"profile: identifier is %zu bytes (at most %d)", len,
			CONFIG_MAX_IDENTIFIER);
		return -1;
	}
	for (p = id; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_')
			continue;
		if (*p == '.' && p != id && p[1] != '\0' && p[1] != '.')
			continue;
		err_set(err, errlen,
			"profile: identifier \"%s\" is not reverse-DNS "
			"(letters, digits, '-', '_', dot-separated)",
			id);
		return -1;
	}
	return 0;
}

/* GnuTLS parses the string as libmicrohttpd will: an error names where it
 * stopped. */
int
config_priorities_check(const char *prio, char *err, size_t errlen)
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

/* A GnuTLS priority string goes to the library as it is; keep it to the
 * characters its syntax uses so a typo cannot hide a control byte. */
/*
 * A trust-check URL is fetched by the page's script from an HTML
 * attribute, and its origin goes into the page's Content-Security-Policy
 * (connect-src, img-src). host_from_url() keeps it to a plain URL; a CSP
 * source is narrower (CSP3 host-source: labels of letters, digits and
 * '-', no IPv6 literal), and ';' and ',' end a directive or a policy.
 */
int
config_check_url_check(const char *url, char *err, size_t errlen)
{
	char host[HOST_NAME_LEN];

	if (strncmp(url, "https://", 8) != 0) {
		err_set(err, errlen,
			"expected an https:// URL, not '%s' (the check proves "
			"the device trusts TLS servers)",
			url);
		return -1;
	}
	if (host_from_url(url, host, sizeof(host), err, errlen) == -1)
		return -1;
	if (strpbrk(url, ";,") != NULL) {
		err_set(err, errlen,
			"';' and ',' may not appear (the URL's origin goes "
			"into a Content-Security-Policy, where they end a "
			"directive or a policy)");
		return -1;
	}
	if (strchr(host, ':') != NULL || strchr(host, '_') != NULL) {
		err_set(err, errlen,
			"'%s' cannot be named in a Content-Security-Policy "
			"(no IPv6 address, no '_'): give a DNS name of "
			"letters, digits and '-', or an IPv4 address",
			host);
		return -1;
	}
	return 0;
}

void
config_key_err(const struct config *cfg, unsigned line, const char *section,
	       const char *key, char *err, size_t errlen)
{
	char why[512];

	(void)str_copy(why, sizeof(why), err);
	err_set(err, errlen, "%s:%u: [%s] %s: %s", cfg->path, line, section,
		key, why);
}
