/* SPDX-License-Identifier: MIT */
/* Unit tests for profile_build(): the plist checked by Python's plistlib,
 * escaping, odd names, UUIDs. Signing is in test_profile_sign.c, what is
 * refused in test_profile_refused.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "pki/pki.h"
#include "testprofile.h"
#include "util.h"

/* The group's certificates (testprofile.h). */
static struct testprofile_fx *const fx = testprofile_fx;

#define ORG_ESCAPED "A&lt;&amp;&gt;B &quot;Q&quot; &#39;x&#39;"
#define EM_DASH "\xE2\x80\x94"
#define MAX_KV 64
#define PLIST_PREFIX                                                           \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                         \
	"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "              \
	"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"                \
	"<plist version=\"1.0\">\n"

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
	testprofile_write_file("p.plist", xml->data, xml->len);
	testprofile_write_file("check.py", plist_script, strlen(plist_script));
	assert_int_equal(str_printf(cmd, sizeof(cmd), "python3 '%s' '%s'",
				    testprofile_path("check.py"),
				    testprofile_path("p.plist")),
			 0);
	status = testprofile_run(cmd, &k->raw);
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
	assert_int_equal(str_printf(want, sizeof(want), "%s.%s", TP_IDENT, fp8),
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
	const struct cert *certs[] = {fx[TP_CA1].cert, fx[TP_CA2].cert};
	struct buf xml = {0}, desc = {0};
	struct kvs k;
	size_t i;

	(void)state;
	testprofile_build(certs, 2, &xml);
	assert_true(strncmp(xml.data, PLIST_PREFIX, strlen(PLIST_PREFIX)) == 0);
	assert_non_null(strstr(xml.data, "</dict>\n</plist>\n"));
	parse_plist(&xml, &k);
	assert_string_equal(kv(&k, "PayloadType"), "Configuration");
	assert_string_equal(kv(&k, "PayloadVersion"), "1");
	assert_string_equal(kv(&k, "VersionType"), "int");
	assert_string_equal(kv(&k, "PayloadIdentifier"), TP_IDENT);
	assert_string_equal(kv(&k, "PayloadDisplayName"),
			    testprofile_opts.display_name);
	assert_string_equal(kv(&k, "PayloadOrganization"), TP_ORG);
	assert_string_equal(kv(&k, "PayloadRemovalDisallowed"), "False");
	assert_string_equal(kv(&k, "RemovalType"), "bool");
	/* left to the default on purpose */
	assert_string_equal(kv(&k, "PayloadScope"), "None");
	check_uuid(kv(&k, "PayloadUUID"));

	assert_int_equal(buf_puts(&desc, TP_DESC "\n\n"), 0);
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
	const struct cert *certs[] = {fx[TP_CA2].cert};
	struct buf xml = {0};

	(void)state;
	testprofile_build(certs, 1, &xml);
	assert_non_null(strstr(xml.data, "<string>" ORG_ESCAPED "</string>"));
	assert_non_null(strstr(xml.data, "Example &lt;Root&gt; CA 2 &amp; Co"));
	assert_non_null(strstr(xml.data, "Example root &lt;certificates&gt;"));
	assert_null(strstr(xml.data, TP_ORG));
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
	struct cert c = *fx[TP_CA1].cert;
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
		testprofile_build(certs, 1, &xml);
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
	const struct cert *both[] = {fx[TP_CA1].cert, fx[TP_CA2].cert};
	const struct cert *dup[] = {fx[TP_CA1].cert, fx[TP_CA2].cert,
				    fx[TP_CA1].cert};
	struct profile_opts other = testprofile_opts;
	char u12[3][37], u1[2][37], u2[2][37], again[3][37], o12[3][37];
	struct buf a = {0}, b = {0};
	char err[256];

	(void)state;
	/* the same input gives the same bytes: stable ETags, no reinstall */
	testprofile_build(both, 2, &a);
	testprofile_build(both, 2, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);

	build_uuids(&testprofile_opts, both, 2, u12);
	build_uuids(&testprofile_opts, both, 2, again);
	build_uuids(&testprofile_opts, both, 1, u1);
	build_uuids(&testprofile_opts, both + 1, 1, u2);
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
	assert_int_equal(
		profile_build(&testprofile_opts, dup, 3, &b, err, sizeof(err)),
		0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	buf_free(&a);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plist_structure),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_uuids),
	};

	return cmocka_run_group_tests(tests, testprofile_setup,
				      testprofile_teardown);
}
