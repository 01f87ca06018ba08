/* SPDX-License-Identifier: MIT */
/* Apple configuration profile: a plist of root payloads, CMS-signed or not. */
#include "pki/pki.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "config/config.h"
/* Limits on what the configuration and the CA files hand us. */
#define PROFILE_MAX_NAME 256 /* identifier, organisation, display name */
#define PROFILE_MAX_DESCRIPTION 4096
#define PROFILE_MAX_CHAIN 8
#define PROFILE_MAX_SIGNED (16u * 1024u * 1024u)

/* Apple's own tools wrap <data> at 52 columns; any whitespace is allowed. */
#define B64_LINE 52
#define UUID_STR_LEN 37
#define FP_GROUPED_LEN (32 * 3)

/* U+2014 EM DASH, spelled in bytes so the source stays ASCII. */
#define EM_DASH "\xE2\x80\x94"

/* Domain separation: the profile's UUID and a payload's never coincide. */
#define TAG_PROFILE "certpost profile"
#define TAG_ROOT "certpost root payload"

/* No content transformation: the plist bytes are signed as they are. */
#define SIGN_FLAGS (CMS_BINARY | CMS_NOSMIMECAP)

static const char plist_head[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
	"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
	"<plist version=\"1.0\">\n"
	"<dict>\n";

/* Checks one option: NULL or "" allowed unless required. */
static int
check_text(const char *what, const char *s, bool required, size_t max,
	   char *err, size_t errlen)
{
	size_t len = s == NULL ? 0 : strlen(s);

	if (len == 0) {
		if (!required)
			return 0;
		err_set(err, errlen, "profile: %s is empty", what);
		return -1;
	}
	if (len > max) {
		err_set(err, errlen, "profile: %s is %zu bytes (at most %zu)",
			what, len, max);
		return -1;
	}
	if (!xml_text_ok(s)) {
		err_set(err, errlen,
			"profile: %s is not valid UTF-8 text "
			"(or holds control characters)",
			what);
		return -1;
	}
	return 0;
}

static int
check_input(const struct profile_opts *o, const struct cert *const *certs,
	    size_t n, char *err, size_t errlen)
{
	size_t i;

	if (o == NULL || certs == NULL) {
		err_set(err, errlen, "profile: no options or certificates");
		return -1;
	}
	if (config_identifier_check(o->identifier, err, errlen) == -1 ||
	    check_text("display name", o->display_name, true, PROFILE_MAX_NAME,
		       err, errlen) == -1 ||
	    check_text("organization", o->organization, false, PROFILE_MAX_NAME,
		       err, errlen) == -1 ||
	    check_text("description", o->description, false,
		       PROFILE_MAX_DESCRIPTION, err, errlen) == -1)
		return -1;
	if (n == 0 || n > CONFIG_MAX_CERTS) {
		err_set(err, errlen, "profile: %zu certificates (need 1 to %d)",
			n, CONFIG_MAX_CERTS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (certs[i] == NULL || certs[i]->der == NULL ||
		    certs[i]->der_len == 0 ||
		    certs[i]->der_len > CERT_MAX_FILE) {
			err_set(err, errlen,
				"profile: certificate %zu has no DER", i + 1);
			return -1;
		}
	}
	return 0;
}

/* True when certs[i] repeats an earlier one: iOS refuses duplicate UUIDs. */
static bool
is_dup(const struct cert *const *certs, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (memcmp(certs[j]->sha256, certs[i]->sha256,
			   sizeof(certs[i]->sha256)) == 0)
			return true;
	return false;
}

/*
 * Formats a SHA-256 digest as an RFC 4122 name-based UUID: version 5's
 * layout (version nibble 5, variant 10) over SHA-256 instead of SHA-1,
 * upper case as Apple's tools write it.
 */
static void
uuid_format(const unsigned char *md, char out[UUID_STR_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char u[16];
	size_t i, j = 0;

	memcpy(u, md, sizeof(u));
	u[6] = (unsigned char)((u[6] & 0x0F) | 0x50);
	u[8] = (unsigned char)((u[8] & 0x3F) | 0x80);
	for (i = 0; i < sizeof(u); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[u[i] >> 4];
		out[j++] = hex[u[i] & 0x0F];
	}
	out[j] = '\0';
}

/*
 * Derives a UUID from tag, identifier and the fingerprints of certs, so it
 * stays the same across restarts and changes when the set of CAs does
 * (iOS then sees a new version of the same PayloadIdentifier).
 */
static int
derive_uuid(const char *tag, const char *identifier,
	    const struct cert *const *certs, size_t n, char out[UUID_STR_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *ctx;
	size_t i;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, tag, strlen(tag) + 1) &&
	     EVP_DigestUpdate(ctx, identifier, strlen(identifier) + 1);
	for (i = 0; ok && i < n; i++)
		if (!is_dup(certs, i))
			ok = EVP_DigestUpdate(ctx, certs[i]->sha256,
					      sizeof(certs[i]->sha256));
	ok = ok && EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	uuid_format(md, out);
	return 0;
}

/* "AB CD EF ...": the grouping iOS shows under the certificate's details. */
static void
fp_grouped(const struct cert *c, char out[FP_GROUPED_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, j = 0;

	for (i = 0; i < sizeof(c->sha256); i++) {
		if (i > 0)
			out[j++] = ' ';
		out[j++] = hex[c->sha256[i] >> 4];
		out[j++] = hex[c->sha256[i] & 0x0F];
	}
	out[j] = '\0';
}

/* True when field (a fixed array) is terminated, non-empty, and XML-safe. */
static bool
field_ok(const char *field, size_t size)
{
	return memchr(field, '\0', size) != NULL && field[0] != '\0' &&
	       xml_text_ok(field);
}

/*
 * The name a user sees: the CN, else the subject, else a placeholder, so
 * that an odd certificate name never makes the profile unservable.
 */
static const char *
cert_name(const struct cert *c)
{
	if (field_ok(c->common_name, sizeof(c->common_name)))
		return c->common_name;
	if (field_ok(c->subject, sizeof(c->subject)))
		return c->subject;
	return "Root certificate";
}

static int
put_string(struct buf *b, const char *ind, const char *key, const char *val)
{
	if (buf_printf(b, "%s<key>%s</key>\n%s<string>", ind, key, ind) == -1 ||
	    buf_html_escape(b, val) == -1 || buf_puts(b, "</string>\n") == -1)
		return -1;
	return 0;
}

static int
put_integer(struct buf *b, const char *ind, const char *key, int val)
{
	return buf_printf(b, "%s<key>%s</key>\n%s<integer>%d</integer>\n", ind,
			  key, ind, val);
}

/* The DER as base64 in a <data> element, wrapped like Apple's tools. */
static int
put_data(struct buf *b, const char *ind, const char *key,
	 const unsigned char *der, size_t len)
{
	unsigned char *b64;
	size_t b64len, off, line;
	int ret = -1;

	if ((b64 = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return -1;
	b64len = (size_t)EVP_EncodeBlock(b64, der, (int)len);
	if (buf_printf(b, "%s<key>%s</key>\n%s<data>\n", ind, key, ind) == -1)
		goto out;
	for (off = 0; off < b64len; off += line) {
		line = b64len - off < B64_LINE ? b64len - off : B64_LINE;
		if (buf_puts(b, ind) == -1 ||
		    buf_append(b, b64 + off, line) == -1 ||
		    buf_puts(b, "\n") == -1)
			goto out;
	}
	if (buf_printf(b, "%s</data>\n", ind) == -1)
		goto out;
	ret = 0;
out:
	free(b64);
	return ret;
}

/* "<name>.cer" with path separators replaced: iOS shows it as a file. */
static int
put_file_name(struct buf *b, const char *ind, const char *name)
{
	char file[PROFILE_MAX_NAME + 8];
	size_t i;

	for (i = 0; name[i] != '\0' && i < PROFILE_MAX_NAME; i++)
		file[i] = strchr("/\\:", name[i]) != NULL ? '_' : name[i];
	/* a cut through a UTF-8 sequence would make the XML invalid */
	while (i > 0 && ((unsigned char)file[i - 1] & 0x80) != 0 &&
	       name[i] != '\0')
		i--;
	memcpy(file + i, ".cer", sizeof(".cer"));
	return put_string(b, ind, "PayloadCertificateFileName", file);
}

/* One com.apple.security.root payload dict for c. */
static int
put_root(struct buf *b, const char *identifier, const struct cert *c)
{
	static const char ind[] = "\t\t\t";
	const struct cert *one[1] = {c};
	char uuid[UUID_STR_LEN];
	const char *name = cert_name(c);

	if (derive_uuid(TAG_ROOT, identifier, one, 1, uuid) == -1)
		return -1;
	if (buf_puts(b, "\t\t<dict>\n") == -1 ||
	    put_file_name(b, ind, name) == -1 ||
	    put_data(b, ind, "PayloadContent", c->der, c->der_len) == -1 ||
	    put_string(b, ind, "PayloadDisplayName", name) == -1 ||
	    buf_printf(b, "%s<key>PayloadIdentifier</key>\n%s<string>", ind,
		       ind) == -1 ||
	    buf_html_escape(b, identifier) == -1 ||
	    buf_printf(b, ".%02x%02x%02x%02x%02x%02x%02x%02x</string>\n",
		       c->sha256[0], c->sha256[1], c->sha256[2], c->sha256[3],
		       c->sha256[4], c->sha256[5], c->sha256[6],
		       c->sha256[7]) == -1 ||
	    put_string(b, ind, "PayloadType", "com.apple.security.root") ==
		    -1 ||
	    put_string(b, ind, "PayloadUUID", uuid) == -1 ||
	    put_integer(b, ind, "PayloadVersion", 1) == -1 ||
	    buf_puts(b, "\t\t</dict>\n") == -1)
		return -1;
	return 0;
}

/* The description, then "Name — SHA-256: AB CD ..." per CA, one a line. */
static int
put_description(struct buf *b, const struct profile_opts *o,
		const struct cert *const *certs, size_t n)
{
	struct buf d = {0};
	char fp[FP_GROUPED_LEN];
	size_t i;
	int ret = -1;

	if (o->description != NULL && o->description[0] != '\0' &&
	    (buf_puts(&d, o->description) == -1 || buf_puts(&d, "\n\n") == -1))
		goto out;
	for (i = 0; i < n; i++) {
		if (is_dup(certs, i))
			continue;
		fp_grouped(certs[i], fp);
		if (buf_printf(&d, "%s%s " EM_DASH " SHA-256: %s",
			       i > 0 ? "\n" : "", cert_name(certs[i]),
			       fp) == -1)
			goto out;
	}
	ret = put_string(b, "\t", "PayloadDescription", d.data);
out:
	buf_free(&d);
	return ret;
}

/* The top-level keys after PayloadContent, in Apple's (sorted) order. */
static int
put_top(struct buf *b, const struct profile_opts *o,
	const struct cert *const *certs, size_t n, const char *uuid)
{
	if (put_description(b, o, certs, n) == -1 ||
	    put_string(b, "\t", "PayloadDisplayName", o->display_name) == -1 ||
	    put_string(b, "\t", "PayloadIdentifier", o->identifier) == -1)
		return -1;
	if (o->organization != NULL && o->organization[0] != '\0' &&
	    put_string(b, "\t", "PayloadOrganization", o->organization) == -1)
		return -1;
	/*
	 * PayloadScope (a string, "User" or "System", macOS 10.8+) and
	 * TargetDeviceType (an integer, iOS 12.2+, macOS 10.15+: 1 iPhone/iPad,
	 * 5 Mac), as Apple's schema has them:
	 * https://github.com/apple/device-management/blob/b6202ca2fbd31286a52eb160b67a4db7b4fe1f1f/mdm/profiles/TopLevel.yaml
	 * A marked profile spares an iPhone paired with a Watch the "choose a
	 * device" prompt; the unmarked one is for MDM and Configurator.
	 */
	if (buf_puts(b, "\t<key>PayloadRemovalDisallowed</key>\n"
			"\t<false/>\n") == -1 ||
	    (o->scope != NULL &&
	     put_string(b, "\t", "PayloadScope", o->scope) == -1) ||
	    put_string(b, "\t", "PayloadType", "Configuration") == -1 ||
	    put_string(b, "\t", "PayloadUUID", uuid) == -1 ||
	    put_integer(b, "\t", "PayloadVersion", 1) == -1 ||
	    (o->target_device_type != 0 &&
	     put_integer(b, "\t", "TargetDeviceType", o->target_device_type) ==
		     -1) ||
	    buf_puts(b, "</dict>\n</plist>\n") == -1)
		return -1;
	return 0;
}

int
profile_build(const struct profile_opts *o, const struct cert *const *certs,
	      size_t n, struct buf *out, char *err, size_t errlen)
{
	struct buf b = {0};
	char uuid[UUID_STR_LEN];
	size_t i;
	int ret = -1;

	if (check_input(o, certs, n, err, errlen) == -1)
		return -1;
	if (derive_uuid(TAG_PROFILE, o->identifier, certs, n, uuid) == -1) {
		cert_ssl_error(err, errlen, "profile: UUID");
		return -1;
	}
	if (buf_puts(&b, plist_head) == -1 ||
	    buf_puts(&b, "\t<key>PayloadContent</key>\n\t<array>\n") == -1)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (!is_dup(certs, i) &&
		    put_root(&b, o->identifier, certs[i]) == -1)
			goto nomem;
	}
	if (buf_puts(&b, "\t</array>\n") == -1 ||
	    put_top(&b, o, certs, n, uuid) == -1)
		goto nomem;
	/* out only ever receives a whole profile */
	if (buf_append(out, b.data, b.len) == -1)
		goto nomem;
	ret = 0;
	goto out;
nomem:
	err_set(err, errlen, "profile: out of memory (or over %u bytes)",
		BUF_MAX);
out:
	buf_free(&b);
	return ret;
}

static int
check_signer(const void *data, size_t len, const struct cert *signer,
	     EVP_PKEY *key, const struct cert *chain, size_t nchain, char *err,
	     size_t errlen)
{
	const char *sn;
	size_t i;
	int type;

	if (data == NULL || len == 0 || len > PROFILE_MAX_SIGNED) {
		err_set(err, errlen, "profile signing: %zu bytes to sign", len);
		return -1;
	}
	if (signer == NULL || signer->x509 == NULL || key == NULL ||
	    nchain > PROFILE_MAX_CHAIN || (nchain > 0 && chain == NULL)) {
		err_set(err, errlen,
			"profile signing: no signer, key, "
			"or a chain of over %d certificates",
			PROFILE_MAX_CHAIN);
		return -1;
	}
	for (i = 0; i < nchain; i++) {
		if (chain[i].x509 == NULL) {
			err_set(err, errlen,
				"profile signing: chain "
				"certificate %zu is empty",
				i + 1);
			return -1;
		}
	}
	type = EVP_PKEY_get_base_id(key);
	if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC) {
		sn = OBJ_nid2sn(type);
		err_set(err, errlen,
			"profile signing: key type %s is not "
			"supported (use RSA or EC)",
			sn != NULL ? sn : "unknown");
		return -1;
	}
	if (X509_check_private_key(signer->x509, key) != 1) {
		ERR_clear_error();
		err_set(err, errlen,
			"profile signing: the key does not "
			"match the signer certificate");
		return -1;
	}
	return 0;
}

/* DER of cms in a malloc'd buffer (caller frees), as the header promises. */
static int
cms_to_der(CMS_ContentInfo *cms, unsigned char **ret, size_t *ret_len)
{
	unsigned char *der, *p;
	int len;

	if ((len = i2d_CMS_ContentInfo(cms, NULL)) <= 0)
		return -1;
	if ((der = malloc((size_t)len)) == NULL)
		return -1;
	p = der;
	if (i2d_CMS_ContentInfo(cms, &p) != len) {
		free(der);
		return -1;
	}
	*ret = der;
	*ret_len = (size_t)len;
	return 0;
}

int
profile_sign(const void *data, size_t len, const struct cert *signer,
	     EVP_PKEY *key, const struct cert *chain, size_t nchain,
	     unsigned char **ret, size_t *ret_len, char *err, size_t errlen)
{
	STACK_OF(X509) *extra = NULL;
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL;
	size_t i;
	int rc = -1;

	if (check_signer(data, len, signer, key, chain, nchain, err, errlen) ==
	    -1)
		return -1;
	/* CMS_sign() takes its own references to the certificates */
	if ((extra = sk_X509_new_null()) == NULL)
		goto ssl_error;
	for (i = 0; i < nchain; i++)
		if (sk_X509_push(extra, chain[i].x509) <= 0)
			goto ssl_error;
	if ((in = BIO_new_mem_buf(data, (int)len)) == NULL)
		goto ssl_error;
	/* partial first, so that the digest can be chosen: SHA-256 */
	if ((cms = CMS_sign(NULL, NULL, extra, NULL,
			    SIGN_FLAGS | CMS_PARTIAL)) == NULL ||
	    CMS_add1_signer(cms, signer->x509, key, EVP_sha256(), SIGN_FLAGS) ==
		    NULL ||
	    CMS_final(cms, in, NULL, SIGN_FLAGS) != 1 ||
	    cms_to_der(cms, ret, ret_len) == -1)
		goto ssl_error;
	rc = 0;
	goto out;
ssl_error:
	cert_ssl_error(err, errlen, "profile signing");
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	sk_X509_free(extra);
	return rc;
}
