/* SPDX-License-Identifier: MIT */
/* config/: The configuration: the INI reader (libinih), its keys and sections,
 * validation, and the command line. The folder's whole surface. */
#ifndef CERTPOST_CONFIG_H
#define CERTPOST_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "access/access.h"

/* config: The configuration file (INI, read with libinih) parsed and validated
 * into struct config. */

#define CONFIG_MAX_LISTEN 16
/*
 * What the CAs may add up to. Each refusal names the file and line, and
 * every output follows these: the page, /ca.json, /ca.p7b, the profile and
 * the metrics hold every certificate a configuration that loads can serve.
 */
#define CONFIG_MAX_CA 32	     /* [ca] sections */
#define CONFIG_MAX_CERTS_PER_FILE 32 /* certificates in one CA file */
#define CONFIG_MAX_CERTS 64	     /* certificates served, all files */
/* [issuer] sections: intermediate CAs published for AIA. */
#define CONFIG_MAX_ISSUER 16
#define CONFIG_MAX_CHECK_URL 16
/* [page] languages: how many, and a tag's room (RFC 5646 4.4.1: 35). */
#define CONFIG_MAX_LANG 16
#define CONFIG_LANG_MAX 36
#define CONFIG_MAX_SERVER_NAME 32
#define CONFIG_MAX_ERRORS 20
#define CONFIG_SLUG_MAX 64
/* A served CA's slug: the section's, or "<slug>-N" for the Nth certificate
 * of its file (N up to CONFIG_MAX_CERTS_PER_FILE), with the NUL. */
#define CONFIG_CA_SLUG_LEN (CONFIG_SLUG_MAX + 4)
#define CONFIG_STR_MAX 512
/* inih reads at most 200 bytes per line; we refuse longer lines outright. */
#define CONFIG_LINE_MAX 199
/* A configuration file larger than this is refused. */
#define CONFIG_FILE_MAX (1024 * 1024)

struct config_listen {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char text[64]; /* as written, normalised: "127.0.0.1:8080", "[::1]:8080"
			*/
};

/* The URLs issued certificates already name (AD CS's CertEnroll layout):
 * cert_url, crl_url, delta_crl_url, repeatable in [ca] and [issuer]. */
#define CONFIG_MAX_URLS 8 /* per section */
#define CONFIG_URL_MAX 256
enum config_url_kind { CONFIG_URL_CERT, CONFIG_URL_CRL, CONFIG_URL_DELTA_CRL };
struct config_url {
	enum config_url_kind kind;
	char path[CONFIG_URL_MAX]; /* percent-decoded, starts with '/' */
	char text[CONFIG_URL_MAX]; /* as written, for messages */
	char host[HOST_NAME_LEN];  /* of an http(s):// URL; "" for a path */
	unsigned line;
};
/* The key that sets a URL of this kind ("cert_url", ...). */
const char *config_url_key(enum config_url_kind k);

struct config_ca {
	char slug[CONFIG_SLUG_MAX];
	char name[256];
	char file[PATH_MAX];	/* absolute, or "" when inline_pem is set */
	const char *inline_pem; /* borrowed; the demo's in-memory root */
	bool primary;
	unsigned line;		  /* of the section header, for messages */
	char crl[PATH_MAX];	  /* "" = none; served at /<slug>.crl */
	char delta_crl[PATH_MAX]; /* "" = none; served at /<slug>+.crl */
	unsigned crl_line, delta_crl_line;
	struct config_url urls[CONFIG_MAX_URLS];
	size_t nurls;
};

/* An issuing (intermediate) CA, published for AIA, never offered for
 * installation. */
struct config_issuer {
	char slug[CONFIG_SLUG_MAX];
	char name[256];
	char file[PATH_MAX];
	char crl[PATH_MAX];	  /* "" = none; /<slug>.crl */
	char delta_crl[PATH_MAX]; /* "" = none; /<slug>+.crl */
	unsigned line, file_line, crl_line, delta_crl_line;
	struct config_url urls[CONFIG_MAX_URLS];
	size_t nurls;
};

enum config_deny { CONFIG_DENY_DROP, CONFIG_DENY_403 };
enum config_log_format { CONFIG_LOG_TEXT, CONFIG_LOG_JSON };

struct config {
	char path[PATH_MAX]; /* the file read, or "(demo)" */
	bool demo;

	/* [server] */
	struct config_listen listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	struct config_listen https_listen[CONFIG_MAX_LISTEN];
	size_t nhttps_listen;
	char public_url[CONFIG_STR_MAX];
	char static_dir[PATH_MAX]; /* "" = built-in assets only */
	char tls_cert[PATH_MAX];
	char tls_key[PATH_MAX];
	unsigned tls_cert_line,
		tls_key_line;	  /* where they were set, for errors */
	const char *tls_cert_pem; /* borrowed; demo */
	const char *tls_key_pem;  /* borrowed; demo */
	bool redirect_https;
	unsigned hsts_max_age; /* Strict-Transport-Security; 0 = none */
	unsigned threads;      /* 0 = one per core */
	unsigned max_connections;
	unsigned max_connections_per_ip;
	unsigned timeout_s;
	/* A request head (and a TLS handshake before it) must be complete
	 * this long after the connection opened or its previous response
	 * ended, however steadily its bytes trickle in. */
	unsigned header_timeout_s;
	/* Where the rollout counts are kept across restarts; "" = not kept.
	 * Default: systemd's $STATE_DIRECTORY. */
	char state_dir[PATH_MAX];
	unsigned state_dir_line;
	unsigned connection_memory; /* bytes per connection */
	/* server_name as written, normalised (host_name_parse()) */
	char server_name[CONFIG_MAX_SERVER_NAME][HOST_NAME_LEN];
	size_t nserver_name;
	char tls_priorities[CONFIG_STR_MAX]; /* "" = the built-in floor */
	bool tls_session_tickets;	     /* TLS resumption by tickets */
	unsigned tls_session_lifetime;	     /* seconds a ticket is good for */
	/* Follow every loaded file with inotify and reload when one
	 * changes, as SIGHUP does. */
	bool watch;
	/* Every name a Host header may give: public_url's host, listen
	 * addresses, localhost, server_name. Filled by config_validate(). */
	struct host_names hosts;

	/* [log] */
	enum config_log_format log_format;
	bool access_log;
	bool log_healthz;	 /* log /healthz requests (probes) too */
	char log_file[PATH_MAX]; /* "" = stderr */

	/* [ca "slug"] */
	struct config_ca ca[CONFIG_MAX_CA];
	size_t nca;

	/* [issuer "slug"] */
	struct config_issuer issuer[CONFIG_MAX_ISSUER];
	size_t nissuer;

	/* [profile] */
	char organization[256];
	char identifier[256];
	char display_name[256];
	char description[CONFIG_STR_MAX];
	char sign_cert[PATH_MAX];
	char sign_key[PATH_MAX];
	char sign_chain[PATH_MAX];
	unsigned sign_cert_line, sign_key_line, sign_chain_line;
	/* The roots iPhones trust, for the label ("" = this host's system
	 * store). */
	char trust_store[PATH_MAX];
	unsigned trust_store_line;
	bool profile_system; /* scope = system: the Mac profile for all users */

	/* [access] */
	struct acl allow;
	struct acl admin;
	struct acl trusted_proxy;
	/* The line of each entry above, for messages (0 = not from a file). */
	unsigned allow_line[ACL_MAX_ENTRIES];
	unsigned admin_line[ACL_MAX_ENTRIES];
	unsigned trusted_proxy_line[ACL_MAX_ENTRIES];
	enum proxy_header proxy_header;
	enum config_deny deny;
	bool allow_public;

	/* [trust] */
	char check_url[CONFIG_MAX_CHECK_URL][CONFIG_STR_MAX];
	size_t ncheck_url;

	/* [page]: the languages served (none given: every catalog there
	 * is), and the one for a browser that names none of them ("" =
	 * en, or the first). Tags are checked against the catalogs when
	 * the snapshot is built; the lines are for its messages. */
	char languages[CONFIG_MAX_LANG][CONFIG_LANG_MAX];
	size_t nlanguages;
	unsigned languages_line;
	char default_language[CONFIG_LANG_MAX];
	unsigned default_language_line;
};

/* Fills cfg with the defaults (no CA, no listener, nothing allowed). */
/* Puts "FILE:LINE: [section] key: " before the reason already in err: for
 * a problem with a file that key names, found after parsing. */
void config_key_err(const struct config *cfg, unsigned line,
		    const char *section, const char *key, char *err,
		    size_t errlen);
/* Longest profile identifier (PayloadIdentifier) accepted. */
#define CONFIG_MAX_IDENTIFIER 255
/* 0 when id is a reverse-DNS identifier iOS accepts as a PayloadIdentifier
 * (NULL is empty, an error);
 * else -1 and why in err. */
int config_identifier_check(const char *id, char *err, size_t errlen);
void config_defaults(struct config *cfg);

/*
 * Reads and validates path into cfg (heap-allocated by the caller; it is
 * large). Every problem found is reported, one per line, as
 * "FILE:LINE: section: key: reason", up to CONFIG_MAX_ERRORS, in err.
 * Relative paths in the file are taken relative to its directory.
 * Returns 0, or -1 (cfg then holds garbage).
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/*
 * Checks the rules that span sections: at least one listener and one CA,
 * one primary CA, unique slugs, public addresses refused unless
 * allow_public. Called by config_load(); also for the demo and after
 * command-line overrides. Returns 0, or -1 with reasons in err.
 */
int config_validate(struct config *cfg, char *err, size_t errlen);

/*
 * Appends to out, one per line, what is allowed but probably a mistake
 * (a trusted proxy inside allow or admin). For --check-config and the
 * start-up log. Returns the number of warnings.
 */
unsigned config_warnings(const struct config *cfg, struct buf *out);
/* What --check-config prints about a configuration that loaded: access,
 * proxies, host names, warnings, listeners. */
void config_summary(const struct config *cfg, struct buf *out);
/* Whether the key at path may be read by others than the daemon: others
 * may read it, or a group that is not the daemon's (its own, or, checked
 * as root, the service's "certpost"). ret_mode: its permission bits. */
bool config_key_exposed(const char *path, unsigned *ret_mode);

/* Parses "ADDR:PORT" / "[ADDR6]:PORT" / "*:PORT" into l. Returns 0 or -1. */
int config_parse_listen(const char *text, struct config_listen *l, char *err,
			size_t errlen);

/* Fills cfg for --demo: the demo's root and leaf (borrowed, must outlive
 * cfg), 127.0.0.1:8080 and, for the trust check, HTTPS on
 * 127.0.0.1:8443, loopback-only access. */
struct demo;

/* options: The command line. */

struct options {
	const char *config;
	bool demo;
	bool check;
	bool check_trust;
	bool check_urls; /* the files are in files[0..nfiles) */
	bool debug;
	char *const *files;
	size_t nfiles;
	const char *listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	const char *https_listen[CONFIG_MAX_LISTEN];
	size_t nhttps_listen;
};

/* Parses argv into o (zeroed by the caller). --help and --version print
 * and exit 0; a usage error prints why and exits 2. */
void options_parse(int argc, char **argv, struct options *o);

#endif
