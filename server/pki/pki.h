/* SPDX-License-Identifier: MIT */
/* pki/: Certificates, keys and CRLs (OpenSSL), the Apple profile and its
 * signature, and the trust preflight. The folder's whole surface. */
#ifndef CERTPOST_PKI_H
#define CERTPOST_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

/* cert: CA certificates through OpenSSL: loading (refusing private keys),
 * checks, fingerprints, encodings. */

/* Largest file we will read as a certificate, key or bundle. */
#define CERT_MAX_FILE (1024 * 1024)
#define CERT_WARN_LEN 160
#define CERT_MAX_WARNINGS 8

/* One loaded certificate; everything computed once, at load. */
struct cert {
	X509 *x509;
	unsigned char *der; /* owned */
	size_t der_len;
	char *pem; /* owned, NUL-terminated, "-----BEGIN CERTIFICATE-----\n..."
		    */
	size_t pem_len;
	char subject[256]; /* one-line RFC 2253 form */
	char issuer[256];
	char common_name[128]; /* subject CN, or "" */
	time_t not_before;
	time_t not_after;
	unsigned char sha256[32];
	unsigned char sha1[20];
	char sha256_hex[96]; /* "AB:CD:..." upper case, colon separated */
	char sha1_hex[60];
	bool is_ca;	   /* basicConstraints CA:TRUE */
	bool self_signed;  /* issuer == subject and the signature verifies */
	char key_type[16]; /* "RSA", "EC", "Ed25519", ... */
	int key_bits;
	bool sha1_signature; /* signed with SHA-1 (or weaker) */
};

/*
 * Loads every certificate in a file: PEM (one or several CERTIFICATE
 * blocks), DER, or a PKCS#7 bundle (PEM or DER). Refuses, with a reason
 * naming the file (name), a file that holds a private key anywhere (any
 * "PRIVATE KEY" PEM block, or DER that parses as a key), holds no
 * certificate, holds more than CONFIG_MAX_CERTS_PER_FILE certificates, is
 * larger than CERT_MAX_FILE, or cannot be read; when it is
 * not a certificate, the reason says what libmagic thinks it is.
 * On success returns 0, *ret_certs is an array of *ret_n (>= 1) certs that
 * the caller frees with cert_list_free().
 */
int cert_load_file(const char *path, struct cert **ret_certs, size_t *ret_n,
		   char *err, size_t errlen);

/* The URLs a certificate names for its verifiers (RFC 5280): CRL
 * distribution points, the freshest (delta) CRL, and AIA. */
#define CERT_MAX_URLS 32
enum cert_url_kind {
	CERT_URL_CDP,
	CERT_URL_FRESHEST,
	CERT_URL_CA_ISSUERS,
	CERT_URL_OCSP,
};
struct cert_url_list {
	struct {
		enum cert_url_kind kind;
		char url[512];
	} urls[CERT_MAX_URLS];
	size_t n;
};
/* Fills ret with c's URLs (URIs only, in the certificate's order; one
 * that holds a control or non-ASCII byte is skipped). */
void cert_urls(const struct cert *c, struct cert_url_list *ret);
/* "CDP", "freshest CRL", "AIA caIssuers", "AIA OCSP". */
const char *cert_url_kind_name(enum cert_url_kind k);

/* Same, from bytes in memory; name is used in messages. */
int cert_load_mem(const void *data, size_t len, const char *name,
		  struct cert **ret_certs, size_t *ret_n, char *err,
		  size_t errlen);

/*
 * Looks for private key material anywhere in data, in every form we know:
 * a PEM block whose label says PRIVATE KEY (PKCS#8, encrypted, traditional
 * RSA/EC/DSA, OpenSSH, PGP), any other PEM block whose body is one of the
 * binary forms, the binary forms themselves as OpenSSL's decoders read them
 * (PKCS#8 and traditional DER, EncryptedPrivateKeyInfo, MSBLOB, PVK), any
 * PKCS#12 structure, and PuTTY, SSH1 and SSH.COM key files. Binary forms
 * are recognised at the start of data or of a PEM block's body.
 * Returns NULL when none is found, or what was found as a phrase for a
 * message ("a private key", "a PKCS#12 archive ..."; static storage).
 */
const char *cert_find_private_key(const void *data, size_t len);

/* cert_store: a trust store read from a file. */

#define CERT_STORE_MAX_FILE (8 * 1024 * 1024)
#define CERT_STORE_MAX_ROOTS 4096

/*
 * Reads a PEM bundle of trusted roots (an export of Apple's list, or any
 * CERTIFICATE and OpenSSL "TRUSTED CERTIFICATE" blocks, with any text
 * between them) into a new store. Refuses, with a reason naming path and
 * the line of the block at fault: a file that holds a private key in any
 * form, a PEM block of another kind, one that does not parse or has no END
 * line, a file with no certificate or more than CERT_STORE_MAX_ROOTS, or
 * one over CERT_STORE_MAX_FILE. Returns 0 with *ret (the caller frees it
 * with X509_STORE_free()) and *ret_n its certificates, or -1.
 */
int cert_store_load(const char *path, X509_STORE **ret, size_t *ret_n,
		    char *err, size_t errlen);

/* x's subject in the form struct cert's subject has (RFC 2253, UTF-8
 * kept). Returns 0 or -1. */
int cert_subject_line(X509 *x, char *out, size_t outlen);

/* Frees an array from cert_load_*(); accepts NULL. */
void cert_list_free(struct cert *certs, size_t n);

/*
 * Fills ret[0..max) with warnings about c, one short sentence each: not a
 * CA (no basicConstraints CA:TRUE), not self-signed, expired, not yet
 * valid, expires within 30 days of now, RSA key under 2048 bits, SHA-1
 * signature. Returns how many were written.
 */
/* Its validity alone, as cert_warnings() words it (expired, not yet
 * valid, expiring within 30 days): true and out (CERT_WARN_LEN bytes)
 * filled when there is something to say. For issuing CAs. */
bool cert_validity_warning(const struct cert *c, time_t now, char *out);
/* The same for a validity period given by its ends. */
bool cert_time_warning(time_t not_before, time_t not_after, time_t now,
		       char *out);
size_t cert_warnings(const struct cert *c, time_t now,
		     char (*ret)[CERT_WARN_LEN], size_t max);

/*
 * Encodes certs as a PKCS#7 certs-only SignedData (DER), the .p7b format.
 * Returns 0 and a malloc'd buffer (caller frees), or -1 with a reason.
 */
int cert_p7b(const struct cert *const *certs, size_t n, unsigned char **ret,
	     size_t *ret_len, char *err, size_t errlen);

/*
 * Loads a private key (PEM or DER, unencrypted) for TLS or profile signing.
 * Returns 0 and a key the caller frees with EVP_PKEY_free(), or -1.
 */
int cert_load_key(const char *path, EVP_PKEY **ret, char *err, size_t errlen);

/*
 * Checks a TLS certificate file (PEM, leaf first, chain after) and its key
 * file: both load and the key belongs to the first certificate. Returns 0,
 * or -1 with a reason naming the files, and in *ret_key_at_fault whether
 * the key file (true) or the certificate file (false) is the one to fix.
 */
int cert_check_pair(const char *cert_path, const char *key_path,
		    bool *ret_key_at_fault, char *err, size_t errlen);

/* Drains OpenSSL's error queue into err, prefixed with what (for example a
 * file name). */
void cert_ssl_error(char *err, size_t errlen, const char *what);

/*
 * Makes OpenSSL wipe every block it frees. A private key passes through
 * its decoders as PEM text and DER in buffers OpenSSL frees without
 * cleansing; with this, no copy of a key outlives its use. Call before
 * anything else touches OpenSSL (it cannot be changed afterwards).
 * Returns 0, or -1 when OpenSSL had already allocated.
 */
int cert_wipe_freed_memory(void);

/* Largest CRL we will read: a big organisation's full CRL runs to a few
 * megabytes. */
#define CERT_MAX_CRL (16 * 1024 * 1024)

/* A CRL as published, with what its responses and metrics need. */
struct cert_crl {
	unsigned char *der; /* owned; re-encoded from PEM when given as PEM */
	size_t der_len;
	time_t this_update;
	time_t next_update; /* 0 when the CRL gives none */
	bool has_number;
	char number[64];      /* crlNumber in decimal, "" without one */
	char base_number[64]; /* a delta's BaseCRLNumber, "" for a full CRL */
	size_t nrevoked;
};
/* Compares two CRL numbers in decimal (RFC 5280 5.2.3: up to 20 octets,
 * more than a long long holds): <0, 0 or >0 as a is below, equal to or
 * above b. */
int cert_crl_number_cmp(const char *a, const char *b);
/* Whether the CRL in der (DER) is ca's: issued by its subject and signed
 * with its key. */
bool cert_crl_issued_by(const unsigned char *der, size_t len,
			const struct cert *ca);

/*
 * Reads the CRL in path (PEM or DER) and checks it is ca's: issued by
 * ca's subject and signed with ca's key, a delta CRL when delta is true
 * and a full one otherwise. Refuses, with a reason naming path, a file
 * holding a private key, anything after the CRL's DER, a truncated CRL, or
 * a nextUpdate before thisUpdate. A nextUpdate in the past is not refused
 * (it is what the CA published). Returns 0 and fills *ret (free with
 * cert_crl_finish()), or -1.
 */
int cert_crl_load(const char *path, const struct cert *ca, bool delta,
		  struct cert_crl *ret, char *err, size_t errlen);

/* Frees what cert_crl_load() filled in; accepts NULL and a zeroed one. */
void cert_crl_finish(struct cert_crl *crl);

/* True when c names issuer's subject as its issuer and its signature
 * verifies with issuer's key. */
bool cert_signed_by(const struct cert *c, const struct cert *issuer);

/* profile: The Apple configuration profile (.mobileconfig) carrying the
 * root(s), optionally CMS-signed. */

struct profile_opts {
	const char *organization; /* PayloadOrganization */
	const char *identifier;	  /* reverse-DNS, e.g. com.example.certpost */
	const char *display_name; /* PayloadDisplayName */
	const char *description; /* PayloadDescription, fingerprints appended */
	int target_device_type;	 /* TargetDeviceType; 0: left out (any) */
	const char *scope; /* PayloadScope "User"/"System"; NULL: left out */
};

/*
 * Writes an XML property list: a Configuration profile with one
 * com.apple.security.root payload per cert (PayloadContent = the DER),
 * PayloadUUIDs derived from the fingerprints (stable across restarts),
 * every string XML-escaped. Returns 0, or -1 with a reason.
 */
int profile_build(const struct profile_opts *o, const struct cert *const *certs,
		  size_t n, struct buf *out, char *err, size_t errlen);

/*
 * Signs data as CMS SignedData, DER, content attached, with signer/key and
 * the optional intermediate chain. Returns 0 and a malloc'd buffer (caller
 * frees), or -1 with a reason.
 */
int profile_sign(const void *data, size_t len, const struct cert *signer,
		 EVP_PKEY *key, const struct cert *chain, size_t nchain,
		 unsigned char **ret, size_t *ret_len, char *err,
		 size_t errlen);

/* What an iPhone's Install Profile screen calls a profile. */
enum profile_label {
	PROFILE_NOT_SIGNED, /* red "Not Signed" */
	PROFILE_VERIFIED, /* green "Verified": signer chains to a public root */
	PROFILE_NOT_VERIFIED, /* red "Not Verified": signed, chain not trusted
			       */
	PROFILE_LABEL_COUNT
};

/* The words the iPhone shows: "Not Signed", "Verified", "Not Verified". */
const char *profile_label_name(enum profile_label l);

/* A signed (or unsigned) profile and the roots its label is judged by. */
struct profile_signing {
	const struct cert *signer; /* NULL: the profile is unsigned */
	const struct cert *chain;  /* its intermediates (sign_chain) */
	size_t nchain;
	const struct cert *const *served; /* the CAs the profile installs */
	size_t nserved;
	/* The roots iPhones trust (trust_store), borrowed; NULL: this
	 * host's system store. */
	X509_STORE *roots;
	const char *roots_name; /* how reasons name roots (NULL: system) */
	time_t now;		/* when the chain is judged */
};

/* Where a certificate of the signer's chain came from. */
enum profile_link_from {
	PROFILE_LINK_SIGNER, /* sign_cert */
	PROFILE_LINK_CHAIN,  /* sign_chain */
	PROFILE_LINK_STORE,  /* the roots (trust_store or the system's) */
	PROFILE_LINK_SERVED, /* one of the served CAs */
};

/* The signer's chain as checked: the signer, then each issuer found. */
#define PROFILE_PATH_MAX 10
struct profile_link {
	enum profile_link_from from;
	char subject[256]; /* one-line RFC 2253 form */
	time_t not_before, not_after;
};

struct profile_verdict {
	enum profile_label label;
	char why[768]; /* the reason, naming the root and the store */
	struct profile_link path[PROFILE_PATH_MAX];
	size_t npath; /* 0 when unsigned */
	/* The earliest notAfter in path[] (0 when unsigned): when it passes,
	 * a "Verified" chain no longer verifies and iPhones show "Not
	 * Verified". */
	time_t not_after;
};

/*
 * Works out the label an iPhone will show at s->now, before anything is
 * installed, for the profile s describes: "Verified" only when the
 * signer's chain is valid then and ends at a root of s->roots (or this
 * host's system store) that is not one of the served CAs. Fills the chain
 * it found (as far as it got) and its earliest notAfter. Never fails:
 * anything that goes wrong gives "Not Verified" with the reason.
 */
void profile_expected_label(const struct profile_signing *s,
			    struct profile_verdict *ret);

/* This host's system store as OpenSSL finds it: "FILE, DIR" (the
 * defaults, or SSL_CERT_FILE and SSL_CERT_DIR). */
void profile_system_store(char *out, size_t outlen);

/* trustcheck: certpost --check-trust: will the page's trust check pass on an
 * iPhone? Connects to each check URL and judges its certificate chain by the
 * served CAs and Apple's rules for TLS server certificates. */

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
