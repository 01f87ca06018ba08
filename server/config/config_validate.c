/* SPDX-License-Identifier: MIT */
/* A whole configuration checked: listen addresses, the rules that span
 * sections, the public-address guard, and the demo's configuration. */
#include "config/config.h"

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_int.h"
#include "util.h"

/* The address of a listener, for the public-range guard. */
static void
listen_addr(const struct config_listen *l, struct acl_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	(void)acl_addr_from_sockaddr((const struct sockaddr *)&l->addr, ret);
}

#define PUBLIC_WHY                                                             \
	"publicly routable; refusing to start so the CA certificate is not "   \
	"published beyond the internal network (set allow_public = yes in "    \
	"[access] if that is really intended)"

/*
 * Ranges no TCP peer can come from: "this network", multicast, the
 * reserved block with the broadcast address, the unspecified IPv6
 * address and IPv6 multicast. An entry inside one of them matches nothing
 * and so is a mistake, never a rule.
 */
static const char *const never_peer[] = {
	"0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4", "::/128", "ff00::/8",
};

static bool
entry_never_peer(const struct acl_entry *e)
{
	struct acl_entry r;
	char err[64];
	size_t i;

	for (i = 0; i < ARRAY_LEN(never_peer); i++) {
		if (acl_entry_parse(never_peer[i], &r, err, sizeof(err)) == 0 &&
		    r.prefix <= e->prefix && acl_entry_match(&r, &e->addr))
			return true;
	}
	return false;
}

/* Two networks overlap exactly when one holds the other's first address. */
static bool
entries_overlap(const struct acl_entry *a, const struct acl_entry *b)
{
	return acl_entry_match(a, &b->addr) || acl_entry_match(b, &a->addr);
}

static void
validate_list(const struct config *cfg, const char *key, const struct acl *acl,
	      const unsigned *lines, struct buf *b, unsigned *n)
{
	char text[ACL_ENTRY_STRLEN];
	size_t i;

	for (i = 0; i < acl->n; i++) {
		const struct acl_entry *e = &acl->entries[i];

		acl_entry_format(e, text, sizeof(text));
		if (entry_never_peer(e))
			config_verr(
				b, n, cfg->path, lines[i],
				"[access] %s %s can never be a "
				"client's address (unspecified, multicast or "
				"reserved)",
				key, text);
		else if (!acl_entry_is_private(e) && !cfg->allow_public &&
			 acl == &cfg->trusted_proxy)
			config_verr(
				b, n, cfg->path, lines[i],
				"[access] trusted_proxy %s is publicly "
				"routable, and a trusted proxy may name any "
				"client address: anyone there could claim an "
				"allowed one (set allow_public = yes in "
				"[access] "
				"if that is really intended)",
				text);
		else if (!acl_entry_is_private(e) && !cfg->allow_public &&
			 acl == &cfg->allow)
			config_verr(b, n, cfg->path, lines[i],
				    "[access] allow %s is " PUBLIC_WHY, text);
		else if (!acl_entry_is_private(e) && !cfg->allow_public &&
			 acl == &cfg->admin)
			config_verr(b, n, cfg->path, lines[i],
				    "[access] admin %s is publicly routable; "
				    "/metrics would be open to it (set "
				    "allow_public = yes in [access] if that "
				    "is really intended)",
				    text);
	}
}

static void
validate_public(const struct config *cfg, struct buf *b, unsigned *n)
{
	bool all_private = true;
	size_t i;

	validate_list(cfg, "allow", &cfg->allow, cfg->allow_line, b, n);
	validate_list(cfg, "admin", &cfg->admin, cfg->admin_line, b, n);
	validate_list(cfg, "trusted_proxy", &cfg->trusted_proxy,
		      cfg->trusted_proxy_line, b, n);
	for (i = 0; i < cfg->allow.n; i++)
		if (!acl_entry_is_private(&cfg->allow.entries[i]))
			all_private = false;
	for (i = 0; i < cfg->nlisten + cfg->nhttps_listen; i++) {
		const struct config_listen *l =
			i < cfg->nlisten ? &cfg->listen[i]
					 : &cfg->https_listen[i - cfg->nlisten];
		struct acl_addr a;

		listen_addr(l, &a);
		if (cfg->allow_public)
			continue;
		if (!acl_addr_is_unspecified(&a)) {
			if (!acl_addr_is_private(&a))
				config_verr(b, n, cfg->path, 0,
					    "[server] listen %s is " PUBLIC_WHY,
					    l->text);
		} else if (!all_private)
			config_verr(b, n, cfg->path, 0,
				    "[server] listen %s (every "
				    "address) is only allowed when every allow "
				    "entry "
				    "is private",
				    l->text);
	}
}

/* The names a Host header may give (see struct host_names). */
static void
build_hosts(struct config *cfg, struct buf *b, unsigned *n)
{
	char host[HOST_NAME_LEN], err[200];
	size_t i;

	memset(&cfg->hosts, 0, sizeof(cfg->hosts));
	if (cfg->public_url[0] != '\0') {
		if (host_from_url(cfg->public_url, host, sizeof(host), err,
				  sizeof(err)) == -1)
			config_verr(b, n, cfg->path, 0,
				    "[server] public_url: %s", err);
		else
			(void)host_names_add(&cfg->hosts, host, err,
					     sizeof(err));
	}
	(void)host_names_add(&cfg->hosts, "localhost", err, sizeof(err));
	for (i = 0; i < cfg->nserver_name; i++)
		if (host_names_add(&cfg->hosts, cfg->server_name[i], err,
				   sizeof(err)) == -1)
			config_verr(b, n, cfg->path, 0,
				    "[server] server_name: %s", err);
	for (i = 0; i < cfg->nlisten + cfg->nhttps_listen; i++) {
		struct acl_addr a;

		listen_addr(i < cfg->nlisten
				    ? &cfg->listen[i]
				    : &cfg->https_listen[i - cfg->nlisten],
			    &a);
		host_names_add_addr(&cfg->hosts, &a);
	}
}

/* The daemon's group when it runs as the package's service. */
#define SERVICE_GROUP "certpost"

bool
config_key_exposed(const char *path, unsigned *ret_mode)
{
	struct stat st;
	bool group_ok;

	if (stat(path, &st) == -1)
		return false;
	group_ok = st.st_gid == getegid();
	/* Checked by root (an admin, or a package script): the group the
	 * service runs as may read it too. */
	if (!group_ok && geteuid() == 0) {
		const struct group *g = getgrnam(SERVICE_GROUP);

		group_ok = g != NULL && g->gr_gid == st.st_gid;
	}
	*ret_mode = (unsigned)(st.st_mode & 0777);
	return (st.st_mode & 007) != 0 ||
	       ((st.st_mode & 070) != 0 && !group_ok);
}

/* Keys only the daemon should read. */
static unsigned
warn_keys(const struct config *cfg, struct buf *out)
{
	const struct {
		const char *section, *key, *path;
		unsigned line;
	} keys[] = {
		{"server", "tls_key", cfg->tls_key, cfg->tls_key_line},
		{"profile", "sign_key", cfg->sign_key, cfg->sign_key_line},
	};
	unsigned n = 0, mode;

	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		if (keys[i].path[0] == '\0' ||
		    !config_key_exposed(keys[i].path, &mode))
			continue;
		(void)buf_printf(out,
				 "%s:%u: [%s] %s %s is readable by other users "
				 "(mode %03o); chmod 600 it, or 640 with the "
				 "daemon's group\n",
				 cfg->path, keys[i].line, keys[i].section,
				 keys[i].key, keys[i].path, mode);
		n++;
	}
	if ((cfg->tls_cert[0] != '\0' || cfg->tls_key[0] != '\0') &&
	    cfg->nhttps_listen == 0) {
		(void)buf_printf(out,
				 "%s:%u: [server] tls_cert and tls_key are "
				 "set but there is no https_listen: nothing "
				 "is served over HTTPS\n",
				 cfg->path,
				 cfg->tls_cert_line ? cfg->tls_cert_line
						    : cfg->tls_key_line);
		n++;
	}
	return n;
}

/* An admin network with addresses outside allow: those are dropped (or
 * refused) before admin is looked at. */
static unsigned
warn_admin(const struct config *cfg, struct buf *out)
{
	char at[ACL_ENTRY_STRLEN];
	unsigned n = 0;

	for (size_t i = 0; i < cfg->admin.n; i++) {
		const struct acl_entry *a = &cfg->admin.entries[i];
		bool inside = false;

		for (size_t j = 0; j < cfg->allow.n && !inside; j++)
			inside = cfg->allow.entries[j].prefix <= a->prefix &&
				 acl_entry_match(&cfg->allow.entries[j],
						 &a->addr);
		if (inside)
			continue;
		acl_entry_format(a, at, sizeof(at));
		(void)buf_printf(out,
				 "%s:%u: [access] admin %s is not inside any "
				 "allow entry: a client there that allow does "
				 "not name is refused before admin is "
				 "looked at (add it to allow too)\n",
				 cfg->path, cfg->admin_line[i], at);
		n++;
	}
	return n;
}

unsigned
config_warnings(const struct config *cfg, struct buf *out)
{
	static const char *const keys[] = {"allow", "admin"};
	const struct acl *lists[] = {&cfg->allow, &cfg->admin};
	char pt[ACL_ENTRY_STRLEN], lt[ACL_ENTRY_STRLEN];
	unsigned n = 0;
	size_t i, j, k;

	for (i = 0; i < cfg->trusted_proxy.n; i++) {
		const struct acl_entry *pe = &cfg->trusted_proxy.entries[i];

		for (k = 0; k < ARRAY_LEN(lists); k++) {
			for (j = 0; j < lists[k]->n; j++) {
				if (!entries_overlap(pe, &lists[k]->entries[j]))
					continue;
				acl_entry_format(pe, pt, sizeof(pt));
				acl_entry_format(&lists[k]->entries[j], lt,
						 sizeof(lt));
				(void)buf_printf(
					out,
					"%s:%u: [access] trusted_proxy %s "
					"overlaps %s %s: a request from the "
					"proxy without a forwarded address is "
					"the proxy's own, and counts as %s\n",
					cfg->path, cfg->trusted_proxy_line[i],
					pt, keys[k], lt,
					k == 0 ? "allowed" : "an admin's");
				n++;
				break;
			}
		}
	}
	/* header_timeout also counts from the end of the previous response,
	 * so it caps how long a keep-alive connection may idle. */
	if (cfg->timeout_s > cfg->header_timeout_s) {
		(void)buf_printf(out,
				 "%s: [server] timeout = %u is longer than "
				 "header_timeout = %u: an idle keep-alive "
				 "connection is closed after %u s, and counted "
				 "as a late request head\n",
				 cfg->path, cfg->timeout_s,
				 cfg->header_timeout_s, cfg->header_timeout_s);
		n++;
	}
	return n + warn_admin(cfg, out) + warn_keys(cfg, out);
}

int
config_validate(struct config *cfg, char *err, size_t errlen)
{
	struct buf b = {0};
	struct stat st;
	unsigned n = 0;
	size_t i, primary = 0;

	if (cfg->nlisten + cfg->nhttps_listen == 0)
		config_verr(&b, &n, cfg->path, 0,
			    "no listen address ([server] listen)");
	if (cfg->nca == 0)
		config_verr(&b, &n, cfg->path, 0,
			    "no CA configured (add a [ca \"slug\"] "
			    "section with a file)");
	for (i = 0; i < cfg->nca; i++) {
		struct config_ca *ca = &cfg->ca[i];

		if (ca->file[0] == '\0' && ca->inline_pem == NULL)
			config_verr(&b, &n, cfg->path, ca->line,
				    "[ca \"%s\"] has no file", ca->slug);
		if (ca->name[0] == '\0')
			(void)str_copy(ca->name, sizeof(ca->name), ca->slug);
		if (ca->primary)
			primary++;
	}
	if (primary > 1)
		config_verr(&b, &n, cfg->path, 0,
			    "%zu CAs say primary = yes; only one "
			    "can be behind /ca.cer",
			    primary);
	else if (primary == 0 && cfg->nca > 0)
		cfg->ca[0].primary = true;
	if (cfg->nhttps_listen > 0 && cfg->tls_cert_pem == NULL &&
	    (cfg->tls_cert[0] == '\0' || cfg->tls_key[0] == '\0'))
		config_verr(&b, &n, cfg->path, 0,
			    "[server] https_listen needs tls_cert "
			    "and tls_key");
	if (cfg->hsts_max_age > 0 && !cfg->redirect_https)
		config_verr(&b, &n, cfg->path, 0,
			    "[server] hsts_max_age needs redirect_https = yes: "
			    "a device that does not trust the CA yet must not "
			    "be held to HTTPS");
	if (cfg->redirect_https && cfg->nhttps_listen == 0)
		config_verr(&b, &n, cfg->path, 0,
			    "[server] redirect_https needs an https_listen");
	if ((cfg->sign_cert[0] == '\0') != (cfg->sign_key[0] == '\0'))
		config_verr(&b, &n, cfg->path, 0,
			    "[profile] sign_cert and sign_key go "
			    "together");
	if (cfg->sign_chain[0] != '\0' && cfg->sign_cert[0] == '\0')
		config_verr(&b, &n, cfg->path, 0,
			    "[profile] sign_chain needs sign_cert");
	/* It decides only what a signed profile is called. */
	if (cfg->trust_store[0] != '\0' && cfg->sign_cert[0] == '\0')
		config_verr(&b, &n, cfg->path, cfg->trust_store_line,
			    "[profile] trust_store needs sign_cert");
	if (cfg->state_dir[0] != '\0' &&
	    (stat(cfg->state_dir, &st) == -1 || !S_ISDIR(st.st_mode)))
		config_verr(&b, &n, cfg->path, cfg->state_dir_line,
			    "[server] state_dir %s: not a directory%s",
			    cfg->state_dir,
			    cfg->state_dir_line == 0
				    ? " (from $STATE_DIRECTORY)"
				    : "");
	config_validate_pki(cfg, &b, &n);
	build_hosts(cfg, &b, &n);
	config_validate_urls(cfg, &b, &n);
	validate_public(cfg, &b, &n);
	if (n > CONFIG_MAX_ERRORS)
		(void)buf_printf(&b, "\n%s: (%u more errors)", cfg->path,
				 n - CONFIG_MAX_ERRORS);
	if (n > 0)
		err_set(err, errlen, "%s", b.data ? b.data : "invalid");
	buf_free(&b);
	return n > 0 ? -1 : 0;
}
