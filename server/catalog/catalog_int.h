/* SPDX-License-Identifier: MIT */
/* Inside the catalog module: the snapshot's layout, shared by catalog*.c only.
 */
#ifndef CERTPOST_CATALOG_INT_H
#define CERTPOST_CATALOG_INT_H

#include "catalog/catalog.h"
#include "pki/pki.h"

struct cat_ca {
	struct catalog_ca pub;
	const struct cert *cert; /* points into certs[] */
	bool own;		 /* its section's own (first) certificate */
};

/* A slug whose certificate another CA already serves (the same CA given
 * twice): its URLs serve cas[kept]'s bytes, nothing lists it. */
struct cat_alias {
	const char *slug;
	size_t kept;
};

/* A file of the site: embedded, or read from static_dir. */
struct cat_asset {
	const char *name;
	const unsigned char *data;
	size_t len;
};

struct catalog {
	struct catalog_entry
		*entries; /* [0, nsorted) sorted by path, then pages */
	size_t nentries, capentries, nsorted;
	void **owned; /* every heap block the entries point to */
	size_t nowned, capowned;
	const char *warnings[CONFIG_MAX_CERTS * CERT_MAX_WARNINGS];
	size_t nwarnings;
	struct cat_ca *cas;
	size_t ncas;
	struct cat_alias aliases[CONFIG_MAX_CERTS];
	size_t naliases;
	const char *organization;
	const char *public_url;
	const char *https_origin; /* NULL without an HTTPS listener */
	const char *checks;	  /* the trust-check URLs, space-separated */
	bool profile_signed;
	enum profile_label profile_label; /* what an iPhone will show */
	const char *profile_label_why;	  /* and why */
	const char *profile_store;	  /* the roots that decided it */
	bool profile_trust_file;	  /* those of [profile] trust_store */
	/* The signer's chain as checked, its earliest notAfter (0:
	 * unsigned), and when the label stops being true (0: never). */
	struct profile_link profile_path[PROFILE_PATH_MAX];
	size_t nprofile_path;
	long long profile_not_after;
	long long profile_rebuild_at;
	struct cert *certs[CONFIG_MAX_CA];
	size_t ncerts[CONFIG_MAX_CA];
	struct cat_asset *assets;
	size_t nassets;
	/* catalog_pki.c */
	struct cert *issuers[CONFIG_MAX_ISSUER];
	size_t nissuers[CONFIG_MAX_ISSUER];
	struct catalog_crl crls[2 * (CONFIG_MAX_CA + CONFIG_MAX_ISSUER)];
	size_t ncrls;
	const char *pki_urls;	    /* what --check-config prints, or NULL */
	const char *issued_urls;    /* cert_url, crl_url...: the same */
	const struct catalog *prev; /* during the build only */
	long long built;	    /* when the build began */
	char hsts[32];		    /* "max-age=N", or "" */
	const char *issuer_slugs[CONFIG_MAX_ISSUER]; /* of issuers[] */
	size_t nissuer_slugs;
	struct catalog_kept kept[2 * (CONFIG_MAX_CA + CONFIG_MAX_ISSUER) +
				 CONFIG_MAX_ISSUER];
	size_t nkept;
	size_t nloose; /* entries matched after decoding */
	/* catalog_lang.c: the languages served, as configured; the
	 * catalogs read from static_dir (owned); English, for labels. */
	const struct i18n_catalog *langs[CONFIG_MAX_LANG];
	const char *lang_tags[CONFIG_MAX_LANG];
	size_t nlang, default_lang;
	const struct i18n_catalog *english;
	struct i18n_catalog *own_langs[CONFIG_MAX_LANG];
	size_t nown_langs;
	/* The variants of "/" and "/helpdesk", per language, and every
	 * language's error pages. */
	size_t page_index[CONFIG_MAX_LANG][PAGE_PLATFORM_COUNT];
	size_t helpdesk_index[CONFIG_MAX_LANG];
	struct catalog_blob errors[CONFIG_MAX_LANG][CATALOG_NERRORS];
};

int cat_add(struct catalog *c, const char *path, const char *type, void *body,
	    size_t len, const char *filename, enum catalog_kind kind);
/* cat_add() with a rendered buffer's bytes (b is left empty). */
int cat_add_buf(struct catalog *c, const char *path, const char *type,
		struct buf *b, enum catalog_kind kind);
int cat_own(struct catalog *c, void *p);
char *cat_strdup(struct catalog *c, const char *s);
void cat_warn(struct catalog *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Makes the gzip form of every entry worth compressing (out of memory:
 * -1). */
int cat_compress(struct catalog *c);
/* Sorts the entries for catalog_lookup(). Returns NULL, or a path two
 * entries claim. */
const char *cat_finish(struct catalog *c);
/* catalog_admin.c: adds /admin, the managed-deployment page (csp: the
 * page's policy, for its stylesheet). Returns 0, or -1 with a reason. */
int cat_add_admin(struct catalog *c, bool demo, const char *csp, char *err,
		  size_t errlen);

/* Moves a rendered buffer into the catalog (b is left empty). */
int cat_add_buf(struct catalog *c, const char *path, const char *type,
		struct buf *b, enum catalog_kind kind);

/* catalog_lang.c: the catalogs there are (compiled in, and static_dir's
 * <tag>.po, each checked as the build checks the compiled ones) and the
 * languages served ([page] languages, default_language). Needs the
 * assets loaded. Returns 0, or -1 with a reason naming file and line. */
int cat_load_langs(struct catalog *c, const struct config *cfg, char *err,
		   size_t errlen);

/* catalog_page.c: the instructions pages (one per platform) and the
 * helpdesk view, rendered from the loaded CAs and the site's templates. */
int cat_add_pages(struct catalog *c, const struct config *cfg, char *err,
		  size_t errlen);

/*
 * catalog_pki.c: the publication point. Each [ca]'s CRLs (checked against
 * the section's certificate), each [issuer]'s certificate and CRL, their
 * entries, warnings (a CRL past nextUpdate, an issuer that chains to no
 * configured root) and the AIA and CDP URLs for the summary. Needs the CAs
 * and public_url loaded. Returns 0, or -1 with a reason naming the file
 * and the line that configured it.
 */
int cat_add_pki(struct catalog *c, const struct config *cfg, time_t now,
		char *err, size_t errlen);

/* catalog_urls.c: the URLs issued certificates already name (cert_url,
 * crl_url, delta_crl_url), each with the bytes of the slug URL it stands
 * for; after cat_add_pki(). Returns 0 or -1 (no memory). */
int cat_add_urls(struct catalog *c, const struct config *cfg);
/* Why path is claimed twice, naming the configuration line that claims
 * it when a URL key does. */
void cat_url_clash(const struct config *cfg, const char *path, char *err,
		   size_t errlen);

/* A configured file that must never be served: a private key. */
struct cat_secret {
	const char *what; /* "the TLS key" */
	const char *path;
};
#define CAT_MAX_SECRETS 4

/*
 * catalog_static.c: the site's files, embedded or from static_dir. Refuses
 * a static_dir that holds one of secrets[0..nsecrets) (by path, after
 * symbolic links, or as the same file under another name: a hard link), or
 * a file that holds a private key in any form.
 */
int cat_load_assets(struct catalog *c, const char *static_dir,
		    const struct cat_secret *secrets, size_t nsecrets,
		    char *err, size_t errlen);
const struct cat_asset *cat_asset(const struct catalog *c, const char *name);
/* MIME type for a served file name, or NULL when it is not served. */
const char *cat_mime(const char *name);

/* catalog_profile.c: the Apple configuration profiles of the CAs already
 * loaded into c, signed when cfg names a signer. Returns 0, or -1 with a
 * reason in err. */
int cat_add_profiles(struct catalog *c, const struct config *cfg, char *err,
		     size_t errlen);
/* The profile's lines of --check-config: the label and why, the signer's
 * chain and until when it holds, the roots that decided it, how to get
 * "Verified". */
void cat_profile_summary(const struct catalog *c, struct buf *out);
/* "sign_cert", "sign_chain", "trust store root"...: static. */
const char *cat_profile_link_name(enum profile_link_from f);

/* catalog_page.c: "/" for every platform and /helpdesk, rendered from the
 * CAs already loaded into c. Returns 0, or -1 with a reason in err. */
int cat_add_pages(struct catalog *c, const struct config *cfg, char *err,
		  size_t errlen);

#endif
