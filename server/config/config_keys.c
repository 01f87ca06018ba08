/* SPDX-License-Identifier: MIT */
/* The keys of each configuration section: what each accepts, checked as
 * the line is read. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_int.h"

/* Repeatable: the configuration-keys check knows add_* keeps each line. */
#define add_url config_add_url
#include "util.h"

static void
set_bool(struct config_parse *p, const char *section, const char *key,
	 bool *dst, const char *value)
{
	if (!config_once(p, section, key))
		return;
	if (parse_bool(value, dst) == -1)
		config_perr(p, section, key, "expected yes or no, not '%s'",
			    value);
}

static void
set_uint(struct config_parse *p, const char *section, const char *key,
	 unsigned *dst, const char *value, unsigned long min, unsigned long max)
{
	unsigned long v;

	if (!config_once(p, section, key))
		return;
	if (parse_ulong(value, min, max, &v) == -1) {
		config_perr(p, section, key,
			    "expected a whole number from %lu to %lu, "
			    "not '%s'",
			    min, max, value);
		return;
	}
	*dst = (unsigned)v;
}

static void
add_listen(struct config_parse *p, const char *section, const char *key,
	   struct config_listen *arr, size_t *n, const char *value)
{
	char err[160];

	if (*n >= CONFIG_MAX_LISTEN) {
		config_perr(p, section, key, "more than %d listen addresses",
			    CONFIG_MAX_LISTEN);
		return;
	}
	if (config_parse_listen(value, &arr[*n], err, sizeof(err)) == -1) {
		config_perr(p, section, key, "%s", err);
		return;
	}
	(*n)++;
}

static void
add_acl(struct config_parse *p, const char *section, const char *key,
	struct acl *acl, unsigned *lines, const char *value)
{
	char err[200];

	if (acl_add(acl, value, err, sizeof(err)) == -1)
		config_perr(p, section, key, "%s", err);
	else
		lines[acl->n - 1] = p->line;
}

static void
add_server_name(struct config_parse *p, const char *section, const char *key,
		const char *value)
{
	struct config *c = p->cfg;
	char err[200];

	if (c->nserver_name >= CONFIG_MAX_SERVER_NAME) {
		config_perr(p, section, key, "more than %d server names",
			    CONFIG_MAX_SERVER_NAME);
		return;
	}
	if (host_name_parse(value, c->server_name[c->nserver_name],
			    HOST_NAME_LEN, err, sizeof(err)) == -1) {
		config_perr(p, section, key, "%s", err);
		return;
	}
	c->nserver_name++;
}

static void
set_tls_priorities(struct config_parse *p, const char *section, const char *key,
		   const char *value)
{
	char err[200];
	const char *q;

	if (!config_once(p, section, key))
		return;
	for (q = value; *q != '\0'; q++) {
		unsigned char ch = (unsigned char)*q;

		if (!isalnum(ch) && strchr("+-!:%._@", ch) == NULL) {
			config_perr(
				p, section, key,
				"unexpected '%c' (a GnuTLS priority string: "
				"keywords joined with ':', '+', '-', '!')",
				ch >= 0x20 && ch < 0x7f ? ch : '?');
			return;
		}
	}
	if (config_priorities_check(value, err, sizeof(err)) == -1) {
		config_perr(p, section, key, "%s", err);
		return;
	}
	config_copy_str(p, section, key, p->cfg->tls_priorities,
			sizeof(p->cfg->tls_priorities), value);
}

/* What users are sent to: the QR code, links on the page and in
 * /ca.json, the Host check. host_from_url() keeps it to bytes that a
 * link, a JSON string and a header carry as they are. */
static void
set_public_url(struct config_parse *p, const char *section, const char *key,
	       const char *value)
{
	char host[HOST_NAME_LEN], err[200];

	if (!config_once(p, section, key))
		return;
	if (host_from_url(value, host, sizeof(host), err, sizeof(err)) == -1) {
		config_perr(p, section, key, "%s", err);
		return;
	}
	config_copy_str(p, section, key, p->cfg->public_url,
			sizeof(p->cfg->public_url), value);
}

static void
server_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config *c = p->cfg;

	if (strcmp(k, "listen") == 0)
		add_listen(p, s, k, c->listen, &c->nlisten, v);
	else if (strcmp(k, "https_listen") == 0)
		add_listen(p, s, k, c->https_listen, &c->nhttps_listen, v);
	else if (strcmp(k, "public_url") == 0)
		set_public_url(p, s, k, v);
	else if (strcmp(k, "static_dir") == 0)
		config_set_file(p, s, k, c->static_dir, v);
	else if (strcmp(k, "tls_cert") == 0) {
		config_set_file(p, s, k, c->tls_cert, v);
		c->tls_cert_line = p->line;
	} else if (strcmp(k, "tls_key") == 0) {
		config_set_file(p, s, k, c->tls_key, v);
		c->tls_key_line = p->line;
	} else if (strcmp(k, "redirect_https") == 0)
		set_bool(p, s, k, &c->redirect_https, v);
	else if (strcmp(k, "hsts_max_age") == 0)
		/* RFC 6797; two years is what preload lists ask for. */
		set_uint(p, s, k, &c->hsts_max_age, v, 0, 63072000);
	else if (strcmp(k, "threads") == 0)
		set_uint(p, s, k, &c->threads, v, 0, 64);
	else if (strcmp(k, "max_connections") == 0)
		set_uint(p, s, k, &c->max_connections, v, 1, 100000);
	else if (strcmp(k, "max_connections_per_ip") == 0)
		set_uint(p, s, k, &c->max_connections_per_ip, v, 1, 100000);
	else if (strcmp(k, "timeout") == 0)
		set_uint(p, s, k, &c->timeout_s, v, 1, 3600);
	else if (strcmp(k, "header_timeout") == 0)
		set_uint(p, s, k, &c->header_timeout_s, v, 1, 3600);
	else if (strcmp(k, "state_dir") == 0 && strcmp(v, "none") == 0) {
		/* The counts are not kept, whatever systemd says. */
		if (config_once(p, s, k))
			c->state_dir[0] = '\0';
	} else if (strcmp(k, "state_dir") == 0) {
		config_set_file(p, s, k, c->state_dir, v);
		c->state_dir_line = p->line;
	} else if (strcmp(k, "connection_memory") == 0)
		set_uint(p, s, k, &c->connection_memory, v, 4096, 1048576);
	else if (strcmp(k, "tls_session_tickets") == 0)
		set_bool(p, s, k, &c->tls_session_tickets, v);
	else if (strcmp(k, "tls_session_lifetime") == 0)
		/* RFC 8446 4.6.1: a ticket lives at most 7 days. */
		set_uint(p, s, k, &c->tls_session_lifetime, v, 1, 604800);
	else if (strcmp(k, "server_name") == 0)
		add_server_name(p, s, k, v);
	else if (strcmp(k, "tls_priorities") == 0)
		set_tls_priorities(p, s, k, v);
	else if (strcmp(k, "watch") == 0)
		set_bool(p, s, k, &c->watch, v);
	else
		config_perr(p, s, k, "unknown key");
}

static void
log_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config *c = p->cfg;

	if (strcmp(k, "format") == 0) {
		if (!config_once(p, s, k))
			return;
		if (strcmp(v, "text") == 0)
			c->log_format = CONFIG_LOG_TEXT;
		else if (strcmp(v, "json") == 0)
			c->log_format = CONFIG_LOG_JSON;
		else
			config_perr(p, s, k, "expected text or json, not '%s'",
				    v);
	} else if (strcmp(k, "access_log") == 0) {
		set_bool(p, s, k, &c->access_log, v);
	} else if (strcmp(k, "healthz") == 0) {
		set_bool(p, s, k, &c->log_healthz, v);
	} else if (strcmp(k, "file") == 0) {
		config_set_file(p, s, k, c->log_file, v);
	} else {
		config_perr(p, s, k, "unknown key");
	}
}

static void
ca_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config_ca *ca = &p->cfg->ca[p->cur_ca];

	if (strcmp(k, "name") == 0)
		config_set_str(p, s, k, ca->name, sizeof(ca->name), v);
	else if (strcmp(k, "file") == 0)
		config_set_file(p, s, k, ca->file, v);
	else if (strcmp(k, "primary") == 0)
		set_bool(p, s, k, &ca->primary, v);
	else if (strcmp(k, "crl") == 0) {
		config_set_file(p, s, k, ca->crl, v);
		ca->crl_line = p->line;
	} else if (strcmp(k, "delta_crl") == 0) {
		config_set_file(p, s, k, ca->delta_crl, v);
		ca->delta_crl_line = p->line;
	} else if (strcmp(k, "cert_url") == 0 || strcmp(k, "crl_url") == 0 ||
		   strcmp(k, "delta_crl_url") == 0) {
		add_url(p, s, k, ca->urls, &ca->nurls, v);
	} else
		config_perr(p, s, k, "unknown key");
}

static void
set_identifier(struct config_parse *p, const char *section, const char *key,
	       const char *value)
{
	char err[200];

	if (!config_once(p, section, key))
		return;
	if (config_identifier_check(value, err, sizeof(err)) == -1) {
		config_perr(p, section, key, "%s", err);
		return;
	}
	config_copy_str(p, section, key, p->cfg->identifier,
			sizeof(p->cfg->identifier), value);
}

static void
set_scope(struct config_parse *p, const char *section, const char *key,
	  const char *value)
{
	if (!config_once(p, section, key))
		return;
	if (strcmp(value, "user") == 0)
		p->cfg->profile_system = false;
	else if (strcmp(value, "system") == 0)
		p->cfg->profile_system = true;
	else
		config_perr(p, section, key, "'%s': neither user nor system",
			    value);
}

static void
profile_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config *c = p->cfg;

	if (strcmp(k, "organization") == 0)
		config_set_str(p, s, k, c->organization,
			       sizeof(c->organization), v);
	else if (strcmp(k, "identifier") == 0)
		set_identifier(p, s, k, v);
	else if (strcmp(k, "display_name") == 0)
		config_set_str(p, s, k, c->display_name,
			       sizeof(c->display_name), v);
	else if (strcmp(k, "description") == 0)
		config_set_str(p, s, k, c->description, sizeof(c->description),
			       v);
	else if (strcmp(k, "sign_cert") == 0) {
		config_set_file(p, s, k, c->sign_cert, v);
		c->sign_cert_line = p->line;
	} else if (strcmp(k, "sign_key") == 0) {
		config_set_file(p, s, k, c->sign_key, v);
		c->sign_key_line = p->line;
	} else if (strcmp(k, "sign_chain") == 0) {
		config_set_file(p, s, k, c->sign_chain, v);
		c->sign_chain_line = p->line;
	} else if (strcmp(k, "trust_store") == 0) {
		config_set_file(p, s, k, c->trust_store, v);
		c->trust_store_line = p->line;
	} else if (strcmp(k, "scope") == 0)
		set_scope(p, s, k, v);
	else
		config_perr(p, s, k, "unknown key");
}

static void
access_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config *c = p->cfg;

	if (strcmp(k, "allow") == 0) {
		add_acl(p, s, k, &c->allow, c->allow_line, v);
	} else if (strcmp(k, "admin") == 0) {
		add_acl(p, s, k, &c->admin, c->admin_line, v);
	} else if (strcmp(k, "trusted_proxy") == 0) {
		add_acl(p, s, k, &c->trusted_proxy, c->trusted_proxy_line, v);
	} else if (strcmp(k, "proxy_header") == 0) {
		if (!config_once(p, s, k))
			return;
		/* Header names are case-insensitive; so is this value. */
		if (strcasecmp(v, "x-forwarded-for") == 0)
			c->proxy_header = PROXY_X_FORWARDED_FOR;
		else if (strcasecmp(v, "forwarded") == 0)
			c->proxy_header = PROXY_FORWARDED;
		else
			config_perr(
				p, s, k,
				"expected x-forwarded-for or forwarded, not "
				"'%s'",
				v);
	} else if (strcmp(k, "deny") == 0) {
		if (!config_once(p, s, k))
			return;
		if (strcmp(v, "drop") == 0)
			c->deny = CONFIG_DENY_DROP;
		else if (strcmp(v, "403") == 0)
			c->deny = CONFIG_DENY_403;
		else
			config_perr(p, s, k, "expected drop or 403, not '%s'",
				    v);
	} else if (strcmp(k, "allow_public") == 0) {
		set_bool(p, s, k, &c->allow_public, v);
	} else {
		config_perr(p, s, k, "unknown key");
	}
}

static void
trust_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config *c = p->cfg;
	char err[300];

	if (strcmp(k, "check_url") != 0) {
		config_perr(p, s, k, "unknown key");
		return;
	}
	if (c->ncheck_url >= CONFIG_MAX_CHECK_URL) {
		config_perr(p, s, k, "more than %d check URLs",
			    CONFIG_MAX_CHECK_URL);
		return;
	}
	if (config_check_url_check(v, err, sizeof(err)) == -1) {
		config_perr(p, s, k, "%s", err);
		return;
	}
	if (str_copy(c->check_url[c->ncheck_url], CONFIG_STR_MAX, v) == -1) {
		config_perr(p, s, k, "URL too long");
		return;
	}
	c->ncheck_url++;
}

/* A language tag as the config may name it: letters, digits and '-', at
 * most 35 (the catalogs decide whether there is such a language). */
static bool
tag_shaped(const char *t, size_t n)
{
	size_t i;

	if (n == 0 || n >= CONFIG_LANG_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		      (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9') || t[i] == '-'))
			return false;
	return true;
}

/* languages = en de fr (spaces or commas between). */
static void
set_languages(struct config_parse *p, const char *s, const char *k,
	      const char *v)
{
	struct config *c = p->cfg;
	size_t n, i;

	if (!config_once(p, s, k))
		return;
	c->languages_line = p->line;
	for (; *v != '\0'; v += n) {
		v += strspn(v, " ,\t");
		if ((n = strcspn(v, " ,\t")) == 0)
			break;
		if (!tag_shaped(v, n)) {
			config_perr(p, s, k,
				    "'%.*s' is not a language tag (en, de, "
				    "zh-Hans, pt-BR)",
				    (int)(n < 40 ? n : 40), v);
			return;
		}
		for (i = 0; i < c->nlanguages; i++)
			if (strncasecmp(c->languages[i], v, n) == 0 &&
			    c->languages[i][n] == '\0') {
				config_perr(p, s, k, "'%.*s' given twice",
					    (int)n, v);
				return;
			}
		if (c->nlanguages == CONFIG_MAX_LANG) {
			config_perr(p, s, k, "more than %d languages",
				    CONFIG_MAX_LANG);
			return;
		}
		memcpy(c->languages[c->nlanguages], v, n);
		c->languages[c->nlanguages++][n] = '\0';
	}
	if (c->nlanguages == 0)
		config_perr(p, s, k, "no language");
}

static void
page_key(struct config_parse *p, const char *s, const char *k, const char *v)
{
	struct config *c = p->cfg;

	if (strcmp(k, "languages") == 0) {
		set_languages(p, s, k, v);
	} else if (strcmp(k, "default_language") == 0) {
		if (!config_once(p, s, k))
			return;
		c->default_language_line = p->line;
		if (!tag_shaped(v, strlen(v)))
			config_perr(p, s, k,
				    "'%s' is not a language tag (en, de, "
				    "zh-Hans, pt-BR)",
				    v);
		else
			config_copy_str(p, s, k, c->default_language,
					sizeof(c->default_language), v);
	} else {
		config_perr(p, s, k, "unknown key");
	}
}

/* Opens a [ca "slug"] section; cur_ca is -1 when it cannot be used. */
static void
open_ca(struct config_parse *p, const char *section)
{
	char slug[CONFIG_SLUG_MAX];
	struct config_ca *ca;

	p->cur_ca = -1;
	if (!config_section_slug(p, section, "ca", slug, sizeof(slug)))
		return;
	if (strcmp(slug, "ca") == 0) {
		config_perr_section(p,
				    "[%s]: slug 'ca' is reserved for the "
				    "primary CA's URLs (/ca.cer)",
				    section);
		return;
	}
	for (size_t i = 0; i < p->cfg->nca; i++) {
		if (strcmp(p->cfg->ca[i].slug, slug) == 0) {
			config_perr_section(p,
					    "[%s]: slug given twice (first on "
					    "line %u)",
					    section, p->cfg->ca[i].line);
			return;
		}
	}
	if (p->cfg->nca >= CONFIG_MAX_CA) {
		config_perr_section(p, "more than %d CAs", CONFIG_MAX_CA);
		return;
	}
	ca = &p->cfg->ca[p->cfg->nca];
	(void)str_copy(ca->slug, sizeof(ca->slug), slug);
	ca->line = p->section_line;
	p->cur_ca = (int)p->cfg->nca++;
}

void
config_key(struct config_parse *p, const char *section, const char *key,
	   const char *value, bool new_section)
{
	if (strcmp(section, "server") == 0)
		server_key(p, section, key, value);
	else if (strcmp(section, "log") == 0)
		log_key(p, section, key, value);
	else if (strcmp(section, "profile") == 0)
		profile_key(p, section, key, value);
	else if (strcmp(section, "access") == 0)
		access_key(p, section, key, value);
	else if (strcmp(section, "trust") == 0)
		trust_key(p, section, key, value);
	else if (strcmp(section, "page") == 0)
		page_key(p, section, key, value);
	else if (strncmp(section, "ca ", 3) == 0) {
		if (new_section)
			open_ca(p, section);
		if (p->cur_ca >= 0)
			ca_key(p, section, key, value);
	} else if (strncmp(section, "issuer ", 7) == 0) {
		if (new_section)
			config_open_issuer(p, section);
		if (p->cur_issuer >= 0)
			config_issuer_key(p, section, key, value);
	} else if (section[0] == '\0')
		config_perr(p, NULL, key, "key outside any section");
	else if (new_section)
		config_perr_section(p, "unknown section [%s]", section);
}
