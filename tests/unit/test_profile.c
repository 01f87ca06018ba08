/* SPDX-License-Identifier: MIT */
/* Unit tests for profile.h: plist checked by Python's plistlib, UUIDs, CMS. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pki/pki.h"
#include "testca.h"
#include "util.h"

#define IDENT "com.example.certpost"
#define ORG "A<&>B \"Q\" 'x'"
#define ORG_ESCAPED "A&lt;&amp;&gt;B &quot;Q&quot; &#39;x&#39;"
#define DESC "Install this to reach internal servers."
#define EM_DASH "\xE2\x80\x94"
#define MAX_KV 64
#define PLIST_PREFIX                                                           \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                         \
	"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "              \
	"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"                \
	"<plist version=\"1.0\">\n"

/* A certificate with its key, and the struct cert profile.c reads. */
struct fixture {
	X509 *x509;
	EVP_PKEY *key;
	struct cert *cert; /* from cert_load_mem(), one */
};

enum { CA1, CA2, SELF_SIGNER, ROOT, INTER, LEAF, NFIX };

static struct fixture fx[NFIX];
static char tmpdir[256];

static const struct profile_opts opts = {
	.organization = ORG,
	.identifier = IDENT,
	.display_name = "Example root <certificates>",
	.description = DESC,
};

/* Python's plistlib is a real XML plist parser; python3 comes with meson. */
static const char plist_script[] =
	"import plistlib, sys\n"
	"with open(sys.argv[1], 'rb') as f:\n"
	"    p = plistlib.load(f)\n"
	"def out(k, v):\n"
	"    s = str(v).replace('\\\\', '\\\\\\\\').replace('\\n', '\\\\n')\n"
	"    sys.stdout.buffer.write((k + '\\t' + s + '\\n').encode())\n"
	"for k in ('PayloadType', 'PayloadVersion', 'PayloadIdentifier',\n"
	"          'PayloadUUID', 'PayloadDisplayName', 'PayloadDescription',\n"
	"          'PayloadOrganization', 'PayloadRemovalDisallowed',\n"
	"          'PayloadScope'):\n"
	"    out(k, p.get(k))\n"
	"out('VersionType', type(p['PayloadVersion']).__name__)\n"
	"out('RemovalType', type(p['PayloadRemovalDisallowed']).__name__)\n"
	"out('Count', len(p['PayloadContent']))\n"
	"for i, c in enumerate(p['PayloadContent']):\n"
	"    for k in ('PayloadType', 'PayloadVersion', 'PayloadIdentifier',\n"
	"              'PayloadUUID', 'PayloadDisplayName',\n"
	"              'PayloadCertificateFileName'):\n"
	"        out('%d.%s' % (i, k), c.get(k))\n"
	"    out('%d.VersionType' % i, type(c['PayloadVersion']).__name__)\n"
	"    out('%d.Data' % i, c['PayloadContent'].hex())\n";

/* Fails the current test (or group setup) with OpenSSL's error queue. */
static void
ssl_ok(int ok, const char *what)
{
	if (!ok) {
		ERR_print_errors_fp(stderr);
		fail_msg("%s failed", what);
	}
}

/*
 * A certificate for a new key (EC P-256, or RSA of rsa_bits), signed by
 * issuer (NULL: self-signed), loaded back through cert_load_mem() so that
 * the struct cert is what the daemon would hand profile.c.
 */
static void
make(struct fixture *f, const char *cn, int rsa_bits,
     const struct fixture *issuer, bool ca)
{
	const struct testca_opts o = {
		.cn = cn,
		.ca = ca,
		.rsa_bits = rsa_bits,
		.start_offset_s = -3600,
		.issuer = issuer != NULL ? issuer->x509 : NULL,
		.issuer_key = issuer != NULL ? issuer->key : NULL,
	};
	unsigned char *der = NULL;
	char err[256];
	size_t n;
	int len;

	assert_int_equal(testca_make(&o, &f->x509, &f->key), 0);
	assert_true((len = testca_der(f->x509, &der)) > 0);
	if (cert_load_mem(der, (size_t)len, cn, &f->cert, &n, err,
			  sizeof(err)) != 0)
		fail_msg("cert_load_mem: %s", err);
	assert_int_equal(n, 1);
	OPENSSL_free(der);
}

static const char *
path(const char *name)
{
	static char bufs[4][512];
	static unsigned next;
	char *p = bufs[next++ % 4];

	assert_int_equal(str_printf(p, 512, "%s/%s", tmpdir, name), 0);
	return p;
}

static void
write_file(const char *name, const void *data, size_t len)
{
	FILE *f = fopen(path(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void
read_file(const char *name, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path(name), "rb");

	assert_non_null(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(out, chunk, n), 0);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	assert_int_equal(str_printf(tmpdir, sizeof(tmpdir),
				    "%s/certpost-profile-XXXXXX",
				    t != NULL && *t != '\0' ? t : "/tmp"),
			 0);
	assert_non_null(mkdtemp(tmpdir));
	make(&fx[CA1], "Example Root CA 1", 0, NULL, true);
	make(&fx[CA2], "Example <Root> CA 2 & Co", 0, NULL, true);
	/* S/MIME rules: a signer's keyUsage needs digitalSignature */
	make(&fx[SELF_SIGNER], "Self-signed profile signer", 0, NULL, false);
	make(&fx[ROOT], "Signing Root", 0, NULL, true);
	make(&fx[INTER], "Signing Intermediate", 0, &fx[ROOT], true);
	make(&fx[LEAF], "profiles.example.com", 2048, &fx[INTER], false);
	return 0;
}

static int
teardown(void **state)
{
	static const char *const files[] = {
		"p.plist", "check.py", "p.mobileconfig", "anchor.pem", "out",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(files); i++)
		unlink(path(files[i]));
	rmdir(tmpdir);
	for (i = 0; i < NFIX; i++) {
		cert_list_free(fx[i].cert, 1);
		X509_free(fx[i].x509);
		EVP_PKEY_free(fx[i].key);
	}
	return 0;
}

/* Runs cmd (through sh), collecting stdout; returns its exit status. */
static int
run(const char *cmd, struct buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *p = popen(cmd, "r");
	int status;

	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(buf_append(out, chunk, n), 0);
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
build(const struct cert *const *certs, size_t n, struct buf *out)
{
	char err[256] = "";

	if (profile_build(&opts, certs, n, out, err, sizeof(err)) != 0)
		fail_msg("profile_build: %s", err);
	assert_string_equal(err, "");
}

/* Lines "key<TAB>value" from the script, values with \n and \\ escaped. */
struct kvs {
	struct buf raw;
	const char *key[MAX_KV];
	const char *val[MAX_KV];
	size_t n;
};

static void
unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++) {
		if (*s == '\\' && (s[1] == 'n' || s[1] == '\\'))
			*w++ = *++s == 'n' ? '\n' : '\\';
		else
			*w++ = *s;
	}
	*w = '\0';
}

static void
kv_split(struct kvs *k)
{
	char *line = k->raw.data, *nl, *tab;

	while (line != NULL && *line != '\0') {
		assert_true(k->n < MAX_KV);
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		tab = strchr(line, '\t');
		assert_non_null(tab);
		*tab = '\0';
		unescape(tab + 1);
		k->key[k->n] = line;
		k->val[k->n++] = tab + 1;
		line = nl != NULL ? nl + 1 : NULL;
	}
}

static const char *
kv(const struct kvs *k, const char *key)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->key[i], key) == 0)
			return k->val[i];
	fail_msg("no %s in the parsed plist", key);
	return NULL;
}

static const char *
kvf(const struct kvs *k, size_t i, const char *key)
{
	char full[128];

	assert_int_equal(str_printf(full, sizeof(full), "%zu.%s", i, key), 0);
	return kv(k, full);
}

/* Parses xml with plistlib, skipping the test when python3 is missing. */
static void
parse_plist(const struct buf *xml, struct kvs *k)
{
	char cmd[1200];
	int status;

	memset(k, 0, sizeof(*k));
	write_file("p.plist", xml->data, xml->len);
	write_file("check.py", plist_script, strlen(plist_script));
	assert_int_equal(str_printf(cmd, sizeof(cmd), "python3 '%s' '%s'",
				    path("check.py"), path("p.plist")),
			 0);
	status = run(cmd, &k->raw);
	if (status == 127)
		skip();
	if (status != 0)
		fail_msg("plistlib refused the profile (exit %d)", status);
	kv_split(k);
}

/* Lower-case hex of data (caller frees). */
static char *
hex(const unsigned char *data, size_t len)
{
	char *s = malloc(2 * len + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < len; i++)
		assert_int_equal(str_printf(s + 2 * i, 3, "%02x", data[i]), 0);
	s[2 * len] = '\0';
	return s;
}

/* Appends "AB CD ..." as the description must show it. */
static void
grouped(struct buf *b, const struct cert *c)
{
	size_t i;

	for (i = 0; i < sizeof(c->sha256); i++)
		assert_int_equal(
			buf_printf(b, i > 0 ? " %02X" : "%02X", c->sha256[i]),
			0);
}

/* Upper-case 8-4-4-4-12, version 5 layout, RFC 4122 variant. */
static void
check_uuid(const char *u)
{
	size_t i;

	assert_int_equal(strlen(u), 36);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_non_null(strchr("0123456789ABCDEF", u[i]));
	}
	assert_int_equal(u[14], '5');
	assert_non_null(strchr("89AB", u[19]));
}

static void
check_root_payload(const struct kvs *k, size_t i, const struct cert *c)
{
	char want[256];
	char *data = hex(c->der, c->der_len);
	char *fp8 = hex(c->sha256, 8);

	assert_string_equal(kvf(k, i, "PayloadType"),
			    "com.apple.security.root");
	assert_string_equal(kvf(k, i, "PayloadVersion"), "1");
	assert_string_equal(kvf(k, i, "VersionType"), "int");
	/* the first 8 bytes of the fingerprint, in hex */
	assert_int_equal(str_printf(want, sizeof(want), "%s.%s", IDENT, fp8),
			 0);
	assert_string_equal(kvf(k, i, "PayloadIdentifier"), want);
	check_uuid(kvf(k, i, "PayloadUUID"));
	assert_string_equal(kvf(k, i, "PayloadDisplayName"), c->common_name);
	assert_int_equal(
		str_printf(want, sizeof(want), "%s.cer", c->common_name), 0);
	assert_string_equal(kvf(k, i, "PayloadCertificateFileName"), want);
	/* the payload carries exactly the DER */
	assert_string_equal(kvf(k, i, "Data"), data);
	free(data);
	free(fp8);
}

static void
test_plist_structure(void **state)
{
	const struct cert *certs[] = {fx[CA1].cert, fx[CA2].cert};
	struct buf xml = {0}, desc = {0};
	struct kvs k;
	size_t i;

	(void)state;
	build(certs, 2, &xml);
	assert_true(strncmp(xml.data, PLIST_PREFIX, strlen(PLIST_PREFIX)) == 0);
	assert_non_null(strstr(xml.data, "</dict>\n</plist>\n"));
	parse_plist(&xml, &k);
	assert_string_equal(kv(&k, "PayloadType"), "Configuration");
	assert_string_equal(kv(&k, "PayloadVersion"), "1");
	assert_string_equal(kv(&k, "VersionType"), "int");
	assert_string_equal(kv(&k, "PayloadIdentifier"), IDENT);
	assert_string_equal(kv(&k, "PayloadDisplayName"), opts.display_name);
	assert_string_equal(kv(&k, "PayloadOrganization"), ORG);
	assert_string_equal(kv(&k, "PayloadRemovalDisallowed"), "False");
	assert_string_equal(kv(&k, "RemovalType"), "bool");
	/* left to the default on purpose */
	assert_string_equal(kv(&k, "PayloadScope"), "None");
	check_uuid(kv(&k, "PayloadUUID"));

	assert_int_equal(buf_puts(&desc, DESC "\n\n"), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(buf_printf(&desc, "%s%s " EM_DASH " SHA-256: ",
					    i > 0 ? "\n" : "",
					    certs[i]->common_name),
				 0);
		grouped(&desc, certs[i]);
	}
	assert_string_equal(kv(&k, "PayloadDescription"), desc.data);

	assert_string_equal(kv(&k, "Count"), "2");
	for (i = 0; i < 2; i++)
		check_root_payload(&k, i, certs[i]);
	buf_free(&desc);
	buf_free(&k.raw);
	buf_free(&xml);
}

/* What the user controls reaches the XML escaped, and parses back intact. */
static void
test_escaping(void **state)
{
	const struct cert *certs[] = {fx[CA2].cert};
	struct buf xml = {0};

	(void)state;
	build(certs, 1, &xml);
	assert_non_null(strstr(xml.data, "<string>" ORG_ESCAPED "</string>"));
	assert_non_null(strstr(xml.data, "Example &lt;Root&gt; CA 2 &amp; Co"));
	assert_non_null(strstr(xml.data, "Example root &lt;certificates&gt;"));
	assert_null(strstr(xml.data, ORG));
	assert_null(strstr(xml.data, "<Root>"));
	buf_free(&xml);
}

struct name_case {
	const char *cn;
	const char *display; /* NULL: the subject */
	const char *file;    /* NULL: the subject + ".cer" */
};

/* Odd names still give a profile iOS accepts. */
static void
test_names(void **state)
{
	static const struct name_case cases[] = {
		{"a/b\\c:d", "a/b\\c:d", "a_b_c_d.cer"},
		{"Caf\xC3\xA9 Root", "Caf\xC3\xA9 Root",
		 "Caf\xC3\xA9 Root.cer"},
		{"bad\x01name", NULL, NULL},
		{"bad\xFFname", NULL, NULL},
		{"", NULL, NULL},
	};
	struct cert c = *fx[CA1].cert;
	const struct cert *certs[] = {&c};
	char file[300];
	size_t i;

	(void)state;
	assert_int_equal(str_printf(file, sizeof(file), "%s.cer", c.subject),
			 0);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf xml = {0};
		struct kvs k;

		assert_int_equal(str_copy(c.common_name, sizeof(c.common_name),
					  cases[i].cn),
				 0);
		build(certs, 1, &xml);
		parse_plist(&xml, &k);
		assert_string_equal(kvf(&k, 0, "PayloadDisplayName"),
				    cases[i].display != NULL ? cases[i].display
							     : c.subject);
		assert_string_equal(kvf(&k, 0, "PayloadCertificateFileName"),
				    cases[i].file != NULL ? cases[i].file
							  : file);
		buf_free(&k.raw);
		buf_free(&xml);
	}
}

/* Every PayloadUUID in document order: the payloads', then the profile's. */
static size_t
uuids(const struct buf *xml, char (*out)[37], size_t max)
{
	static const char key[] = "<key>PayloadUUID</key>\n";
	const char *p = xml->data, *s;
	size_t n = 0;

	while ((p = strstr(p, key)) != NULL) {
		assert_true(n < max);
		s = strstr(p, "<string>");
		assert_non_null(s);
		s += strlen("<string>");
		memcpy(out[n], s, 36);
		out[n][36] = '\0';
		check_uuid(out[n++]);
		p = s;
	}
	return n;
}

static void
build_uuids(const struct profile_opts *o, const struct cert *const *certs,
	    size_t n, char (*out)[37])
{
	struct buf xml = {0};
	char err[256];

	assert_int_equal(profile_build(o, certs, n, &xml, err, sizeof(err)), 0);
	assert_int_equal(uuids(&xml, out, n + 1), n + 1);
	buf_free(&xml);
}

static void
test_uuids(void **state)
{
	const struct cert *both[] = {fx[CA1].cert, fx[CA2].cert};
	const struct cert *dup[] = {fx[CA1].cert, fx[CA2].cert, fx[CA1].cert};
	struct profile_opts other = opts;
	char u12[3][37], u1[2][37], u2[2][37], again[3][37], o12[3][37];
	struct buf a = {0}, b = {0};
	char err[256];

	(void)state;
	/* the same input gives the same bytes: stable ETags, no reinstall */
	build(both, 2, &a);
	build(both, 2, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);

	build_uuids(&opts, both, 2, u12);
	build_uuids(&opts, both, 2, again);
	build_uuids(&opts, both, 1, u1);
	build_uuids(&opts, both + 1, 1, u2);
	assert_memory_equal(u12, again, sizeof(u12));
	/* a payload's UUID follows its certificate */
	assert_string_equal(u12[0], u1[0]);
	assert_string_equal(u12[1], u2[0]);
	assert_string_not_equal(u12[0], u12[1]);
	/* the profile's follows the set of certificates */
	assert_string_not_equal(u12[2], u1[1]);
	assert_string_not_equal(u12[2], u2[1]);
	assert_string_not_equal(u1[1], u2[1]);
	assert_string_not_equal(u12[2], u12[0]);
	/* and the identifier */
	other.identifier = "org.example.other";
	build_uuids(&other, both, 2, o12);
	assert_string_not_equal(o12[0], u12[0]);
	assert_string_not_equal(o12[2], u12[2]);

	/* a repeated CA is left out: iOS refuses duplicate payload UUIDs */
	buf_free(&b);
	assert_int_equal(profile_build(&opts, dup, 3, &b, err, sizeof(err)), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_free(&a);
	buf_free(&b);
}

struct build_case {
	const char *name;
	const char *identifier;
	const char *display_name;
	const char *organization;
	const char *description;
	size_t n;
	const char *reason; /* a part of the error */
};

static void
test_build_refused(void **state)
{
	static char long_desc[4098], long_org[258];
	const struct build_case cases[] = {
		{"no certificates", IDENT, "x", NULL, NULL, 0,
		 "0 certificates"},
		{"65 certificates", IDENT, "x", NULL, NULL, 65,
		 "65 certificates"},
		{"no identifier", NULL, "x", NULL, NULL, 1,
		 "identifier is empty"},
		{"space in identifier", "com.example certpost", "x", NULL, NULL,
		 1, "reverse-DNS"},
		{"leading dot", ".com.example", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"double dot", "com..example", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"trailing dot", "com.example.", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"quote in identifier", "com.example\"", "x", NULL, NULL, 1,
		 "reverse-DNS"},
		{"no display name", IDENT, "", NULL, NULL, 1,
		 "display name is empty"},
		{"control character", IDENT, "x", "Org\x01", NULL, 1,
		 "control"},
		{"overlong UTF-8", IDENT, "x", NULL, "\xC0\xAF", 1, "UTF-8"},
		{"surrogate", IDENT, "x\xED\xB0\x80", NULL, NULL, 1, "UTF-8"},
		{"U+FFFE", IDENT, "x\xEF\xBF\xBE", NULL, NULL, 1, "UTF-8"},
		{"long description", IDENT, "x", NULL, long_desc, 1,
		 "description is 4097 bytes"},
		{"long organization", IDENT, "x", long_org, NULL, 1,
		 "organization is 257 bytes"},
	};
	const struct cert *certs[65];
	struct buf out = {0};
	char err[256];
	size_t i;

	(void)state;
	memset(long_desc, 'd', sizeof(long_desc) - 1);
	memset(long_org, 'o', sizeof(long_org) - 1);
	for (i = 0; i < ARRAY_LEN(certs); i++)
		certs[i] = fx[CA1].cert;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct profile_opts o = {
			.identifier = cases[i].identifier,
			.display_name = cases[i].display_name,
			.organization = cases[i].organization,
			.description = cases[i].description,
		};

		err[0] = '\0';
		if (profile_build(&o, certs, cases[i].n, &out, err,
				  sizeof(err)) != -1)
			fail_msg("%s: accepted", cases[i].name);
		if (strstr(err, cases[i].reason) == NULL)
			fail_msg("%s: reason \"%s\"", cases[i].name, err);
		assert_int_equal(out.len, 0);
	}
}

/* NULLs and a certificate without DER are refused, not dereferenced. */
static void
test_build_bad_args(void **state)
{
	struct cert empty;
	const struct cert *none[] = {NULL};
	const struct cert *no_der[] = {&empty};
	struct buf out = {0};
	char err[256];

	(void)state;
	memset(&empty, 0, sizeof(empty));
	assert_int_equal(profile_build(NULL, none, 1, &out, err, sizeof(err)),
			 -1);
	assert_int_equal(profile_build(&opts, NULL, 1, &out, err, sizeof(err)),
			 -1);
	assert_int_equal(profile_build(&opts, none, 1, &out, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "profile: certificate 1 has no DER");
	assert_int_equal(
		profile_build(&opts, no_der, 1, &out, err, sizeof(err)), -1);
	assert_string_equal(err, "profile: certificate 1 has no DER");
	assert_int_equal(out.len, 0);
}

/* One signer, SHA-256, content attached, and the expected certificates. */
static void
check_cms_shape(CMS_ContentInfo *cms, int ncerts)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	ASN1_OCTET_STRING **content = CMS_get0_content(cms);
	const ASN1_OBJECT *obj;
	X509_ALGOR *digest;

	assert_int_equal(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	/* iOS needs the plist inside the signature, not detached */
	assert_true(content != NULL && *content != NULL);
	assert_int_equal(sk_CMS_SignerInfo_num(sis), 1);
	CMS_SignerInfo_get0_algs(sk_CMS_SignerInfo_value(sis, 0), NULL, NULL,
				 &digest, NULL);
	X509_ALGOR_get0(&obj, NULL, NULL, digest);
	assert_int_equal(OBJ_obj2nid(obj), NID_sha256);
	assert_int_equal(sk_X509_num(certs), ncerts);
	sk_X509_pop_free(certs, X509_free);
}

/*
 * Verifies der against a store holding only anchor; returns CMS_verify()'s
 * result, and on success the content must be exactly want.
 */
static int
verify_api(const unsigned char *der, size_t len, X509 *anchor,
	   const struct buf *want, int ncerts)
{
	BIO *in = BIO_new_mem_buf(der, (int)len);
	BIO *out = BIO_new(BIO_s_mem());
	X509_STORE *store = X509_STORE_new();
	CMS_ContentInfo *cms;
	char *data;
	long n;
	int ok;

	assert_true(in != NULL && out != NULL && store != NULL);
	cms = d2i_CMS_bio(in, NULL);
	ssl_ok(cms != NULL, "d2i_CMS_bio");
	check_cms_shape(cms, ncerts);
	assert_int_equal(X509_STORE_add_cert(store, anchor), 1);
	ok = CMS_verify(cms, NULL, store, NULL, out, CMS_BINARY);
	if (ok == 1) {
		n = BIO_get_mem_data(out, &data);
		assert_int_equal(n, want->len);
		assert_memory_equal(data, want->data, want->len);
	}
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	X509_STORE_free(store);
	BIO_free(out);
	BIO_free(in);
	return ok;
}

static void
write_pem(const char *name, X509 *x)
{
	FILE *f = fopen(path(name), "w");

	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

/* The same check with the openssl command, when it is installed. */
static void
verify_cli(const unsigned char *der, size_t len, X509 *anchor,
	   const struct buf *want)
{
	struct buf log = {0}, got = {0};
	char cmd[2048];
	int status;

	write_file("p.mobileconfig", der, len);
	write_pem("anchor.pem", anchor);
	assert_int_equal(
		str_printf(cmd, sizeof(cmd),
			   "openssl cms -verify -inform DER -CAfile '%s' "
			   "-in '%s' -out '%s' 2>&1",
			   path("anchor.pem"), path("p.mobileconfig"),
			   path("out")),
		0);
	if ((status = run(cmd, &log)) == 127) {
		print_message("# no openssl command: CLI check skipped\n");
		buf_free(&log);
		return;
	}
	if (status != 0)
		fail_msg("openssl cms -verify: exit %d: %s", status,
			 log.data != NULL ? log.data : "");
	read_file("out", &got);
	assert_int_equal(got.len, want->len);
	assert_memory_equal(got.data, want->data, want->len);
	buf_free(&got);
	buf_free(&log);
}

struct sign_case {
	const char *name;
	int signer;
	int anchor;
	int chain; /* -1: none */
};

static void
test_sign_verify(void **state)
{
	static const struct sign_case cases[] = {
		{"self-signed EC signer", SELF_SIGNER, SELF_SIGNER, -1},
		{"RSA leaf under an intermediate", LEAF, ROOT, INTER},
	};
	const struct cert *certs[] = {fx[CA1].cert, fx[CA2].cert};
	struct buf xml = {0};
	char err[256];
	size_t i, len, nchain;
	unsigned char *der;

	(void)state;
	build(certs, 2, &xml);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct sign_case *t = &cases[i];

		nchain = t->chain >= 0 ? 1 : 0;
		der = NULL;
		if (profile_sign(xml.data, xml.len, fx[t->signer].cert,
				 fx[t->signer].key,
				 nchain ? fx[t->chain].cert : NULL, nchain,
				 &der, &len, err, sizeof(err)) != 0)
			fail_msg("%s: %s", t->name, err);
		print_message("# %s: %zu bytes signed\n", t->name, len);
		assert_int_equal(verify_api(der, len, fx[t->anchor].x509, &xml,
					    1 + (int)nchain),
				 1);
		/* the signature means something: another anchor fails */
		assert_int_equal(verify_api(der, len, fx[CA1].x509, &xml,
					    1 + (int)nchain),
				 0);
		verify_cli(der, len, fx[t->anchor].x509, &xml);
		free(der);
	}
	buf_free(&xml);
}

/* The first occurrence of s in data (glibc's memmem() needs _GNU_SOURCE). */
static unsigned char *
find(unsigned char *data, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(data + i, s, n) == 0)
			return data + i;
	fail_msg("no \"%s\" in the signed profile", s);
	return NULL;
}

/* A byte changed in the signed plist breaks the signature. */
static void
test_sign_tamper(void **state)
{
	const struct cert *certs[] = {fx[CA1].cert};
	struct buf xml = {0};
	unsigned char *der = NULL, *hit;
	char err[256];
	size_t len;

	(void)state;
	build(certs, 1, &xml);
	assert_int_equal(profile_sign(xml.data, xml.len, fx[SELF_SIGNER].cert,
				      fx[SELF_SIGNER].key, NULL, 0, &der, &len,
				      err, sizeof(err)),
			 0);
	hit = find(der, len, "Configuration");
	*hit = 'c';
	assert_int_equal(verify_api(der, len, fx[SELF_SIGNER].x509, &xml, 1),
			 0);
	free(der);
	buf_free(&xml);
}

struct sign_bad {
	const char *name;
	const char *data;
	size_t len;
	const struct cert *signer;
	EVP_PKEY *key;
	const struct cert *chain;
	size_t nchain;
	const char *reason; /* a part of the error */
};

static void
test_sign_refused(void **state)
{
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	const struct cert *s = fx[SELF_SIGNER].cert;
	EVP_PKEY *k = fx[SELF_SIGNER].key;
	struct cert chain[9];
	const struct sign_bad cases[] = {
		{"wrong key", "x", 1, s, fx[CA2].key, NULL, 0, "not match"},
		{"no bytes", "x", 0, s, k, NULL, 0, "0 bytes"},
		{"no data", NULL, 1, s, k, NULL, 0, "1 bytes"},
		{"no signer", "x", 1, NULL, k, NULL, 0, "no signer"},
		{"no key", "x", 1, s, NULL, NULL, 0, "no signer"},
		{"no chain", "x", 1, s, k, NULL, 1, "chain"},
		{"long chain", "x", 1, s, k, chain, 9, "chain"},
		{"Ed25519", "x", 1, s, ed, NULL, 0, "not supported"},
	};
	unsigned char *der = NULL;
	size_t len = 0, i;
	char err[256];

	(void)state;
	assert_non_null(ed);
	for (i = 0; i < ARRAY_LEN(chain); i++)
		chain[i] = *fx[INTER].cert;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		const struct sign_bad *t = &cases[i];

		err[0] = '\0';
		if (profile_sign(t->data, t->len, t->signer, t->key, t->chain,
				 t->nchain, &der, &len, err, sizeof(err)) != -1)
			fail_msg("%s: accepted", t->name);
		if (strstr(err, t->reason) == NULL)
			fail_msg("%s: reason \"%s\"", t->name, err);
		/* outputs are written only on success */
		assert_null(der);
		assert_int_equal(len, 0);
	}
	EVP_PKEY_free(ed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plist_structure),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_uuids),
		cmocka_unit_test(test_build_refused),
		cmocka_unit_test(test_build_bad_args),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_sign_tamper),
		cmocka_unit_test(test_sign_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
