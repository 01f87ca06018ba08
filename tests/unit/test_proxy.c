/* SPDX-License-Identifier: MIT */
/* Unit tests for proxy: the client behind trusted proxies; bad headers. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access/access.h"
#include "util.h"

#define TRUSTED_MAX 3

struct proxy_case {
	const char *name;
	const char *trusted[TRUSTED_MAX]; /* NULL ends the list */
	const char *peer;
	const char *forwarded;
	const char *xff;
	const char *want; /* client address, or NULL for an error */
	const char *why;  /* with want NULL: substring of the reason */
};

#define LAN                                                                    \
	{                                                                      \
		"10.0.0.0/8"                                                   \
	}

static const struct proxy_case cases[] = {
	/* Whose headers count. */
	{"untrusted peer, XFF ignored", LAN, "192.0.2.9", NULL, "203.0.113.7",
	 "192.0.2.9", NULL},
	{"untrusted peer, Forwarded ignored", LAN, "192.0.2.9",
	 "for=203.0.113.7", NULL, "192.0.2.9", NULL},
	{"untrusted peer, garbage ignored", LAN, "192.0.2.9", "garbage",
	 "garbage", "192.0.2.9", NULL},
	{"empty trusted list",
	 {NULL},
	 "10.0.0.1",
	 NULL,
	 "203.0.113.7",
	 "10.0.0.1",
	 NULL},
	{"trusted peer, no headers", LAN, "10.0.0.1", NULL, NULL, "10.0.0.1",
	 NULL},
	{"trusted peer behind mapped v6", LAN, "::ffff:10.0.0.1", NULL,
	 "203.0.113.7", "203.0.113.7", NULL},

	/* X-Forwarded-For walking. */
	{"XFF: skip trusted hop", LAN, "10.0.0.1", NULL,
	 "203.0.113.7, 10.0.0.5", "203.0.113.7", NULL},
	{"XFF: single hop", LAN, "10.0.0.1", NULL, "203.0.113.7", "203.0.113.7",
	 NULL},
	{"XFF: rightmost untrusted wins over spoofed left", LAN, "10.0.0.1",
	 NULL, "1.1.1.1, 198.51.100.2, 10.0.0.5", "198.51.100.2", NULL},
	{"XFF: all trusted -> leftmost", LAN, "10.0.0.1", NULL,
	 "10.0.0.7, 10.0.0.5", "10.0.0.7", NULL},
	{"XFF: tabs and no spaces", LAN, "10.0.0.1", NULL,
	 "\t203.0.113.7,10.0.0.5\t", "203.0.113.7", NULL},
	{"XFF: bare IPv6", LAN, "10.0.0.1", NULL, "2001:db8::1", "2001:db8::1",
	 NULL},
	{"XFF: bracketed IPv6", LAN, "10.0.0.1", NULL, "[2001:db8::1]",
	 "2001:db8::1", NULL},
	{"XFF: bracketed IPv6 with port", LAN, "10.0.0.1", NULL,
	 "[2001:db8::1]:443, 10.0.0.2", "2001:db8::1", NULL},
	{"XFF: IPv4 with port", LAN, "10.0.0.1", NULL, "192.0.2.1:8080",
	 "192.0.2.1", NULL},
	{"XFF: mapped hop is IPv4", LAN, "10.0.0.1", NULL,
	 "::ffff:203.0.113.7, ::ffff:10.0.0.5", "203.0.113.7", NULL},
	{"XFF: IPv6 proxies",
	 {"::1/128", "fd00::/8"},
	 "::1",
	 NULL,
	 "2001:db8::7, fd00::2",
	 "2001:db8::7",
	 NULL},

	/* Forwarded (RFC 7239). */
	{"Forwarded: single hop", LAN, "10.0.0.1", "for=198.51.100.1", NULL,
	 "198.51.100.1", NULL},
	{"Forwarded: RFC 7239 example",
	 {"10.0.0.0/8", "198.51.100.0/24"},
	 "10.0.0.1",
	 "for=192.0.2.43, for=198.51.100.17;by=203.0.113.60;proto=http;"
	 "host=example.com",
	 NULL,
	 "192.0.2.43",
	 NULL},
	{"Forwarded: quoted IPv6 with port", LAN, "10.0.0.1",
	 "for=\"[2001:db8:cafe::17]:4711\"", NULL, "2001:db8:cafe::17", NULL},
	{"Forwarded: quoted IPv6", LAN, "10.0.0.1", "for=\"[2001:db8::1]\"",
	 NULL, "2001:db8::1", NULL},
	{"Forwarded: quoted IPv4 with port", LAN, "10.0.0.1",
	 "for=\"192.0.2.1:8080\"", NULL, "192.0.2.1", NULL},
	{"Forwarded: obfuscated port", LAN, "10.0.0.1",
	 "for=\"192.0.2.1:_p0rt\"", NULL, "192.0.2.1", NULL},
	{"Forwarded: For= case-insensitive", LAN, "10.0.0.1", "For=192.0.2.43",
	 NULL, "192.0.2.43", NULL},
	{"Forwarded: FOR= case-insensitive", LAN, "10.0.0.1",
	 "proto=https;FOR=192.0.2.44", NULL, "192.0.2.44", NULL},
	{"Forwarded: other params any order", LAN, "10.0.0.1",
	 "proto=http;by=\"[2001:db8::9]\";for=192.0.2.60;x-ext=\"a;b,c\"", NULL,
	 "192.0.2.60", NULL},
	{"Forwarded: OWS around separators", LAN, "10.0.0.1",
	 " for=192.0.2.1 ; proto=http ,\tfor=10.0.0.2 ", NULL, "192.0.2.1",
	 NULL},
	{"Forwarded: empty pairs allowed", LAN, "10.0.0.1",
	 "for=192.0.2.1;;proto=http;", NULL, "192.0.2.1", NULL},
	{"Forwarded: escapes in quoted value", LAN, "10.0.0.1",
	 "for=\"19\\2.0.2.1\"", NULL, "192.0.2.1", NULL},
	{"Forwarded: all trusted -> leftmost", LAN, "10.0.0.1",
	 "for=10.0.0.9, for=10.0.0.8", NULL, "10.0.0.9", NULL},
	{"Forwarded: unknown left of the client is fine", LAN, "10.0.0.1",
	 "for=unknown, for=192.0.2.1, for=10.0.0.3", NULL, "192.0.2.1", NULL},
	{"Forwarded: obfuscated left of the client is fine", LAN, "10.0.0.1",
	 "for=_hidden, for=192.0.2.1", NULL, "192.0.2.1", NULL},
	{"Forwarded: mapped quoted", LAN, "10.0.0.1",
	 "for=\"[::ffff:192.0.2.5]\"", NULL, "192.0.2.5", NULL},

	/* Forwarded, malformed: the header we must believe is bad. */
	{"Forwarded: unknown chosen", LAN, "10.0.0.1", "for=unknown", NULL,
	 NULL, "element 1 would be the client but is \"unknown\""},
	{"Forwarded: UNKNOWN chosen", LAN, "10.0.0.1", "for=UNKNOWN", NULL,
	 NULL, "\"unknown\""},
	{"Forwarded: unknown chosen behind trusted", LAN, "10.0.0.1",
	 "for=192.0.2.1, for=unknown, for=10.0.0.3", NULL, NULL,
	 "element 2 would be the client but is \"unknown\""},
	{"Forwarded: quoted unknown with port chosen", LAN, "10.0.0.1",
	 "for=\"unknown:80\"", NULL, NULL, "\"unknown\""},
	{"Forwarded: obfuscated chosen", LAN, "10.0.0.1", "for=_hidden", NULL,
	 NULL, "an obfuscated identifier"},
	{"Forwarded: bad obfuscated", LAN, "10.0.0.1", "for=\"_a+b\"", NULL,
	 NULL, "not an IP address: '_a+b'"},
	{"Forwarded: unterminated quote", LAN, "10.0.0.1",
	 "for=\"[2001:db8::1]", NULL, NULL, "unterminated quoted value"},
	{"Forwarded: unterminated after backslash", LAN, "10.0.0.1",
	 "for=\"192.0.2.1\\", NULL, NULL, "unterminated quoted value"},
	{"Forwarded: IPv6 without brackets", LAN, "10.0.0.1",
	 "for=\"2001:db8::1\"", NULL, NULL, "IPv6 address must be in brackets"},
	{"Forwarded: unquoted bracketed IPv6", LAN, "10.0.0.1",
	 "for=[2001:db8::1]", NULL, NULL, "must be quoted"},
	{"Forwarded: unquoted IPv4 with port", LAN, "10.0.0.1",
	 "for=192.0.2.1:80", NULL, NULL, "unexpected ':'"},
	{"Forwarded: missing ']'", LAN, "10.0.0.1", "for=\"[2001:db8::1\"",
	 NULL, NULL, "missing ']'"},
	{"Forwarded: IPv4 in brackets", LAN, "10.0.0.1", "for=\"[192.0.2.1]\"",
	 NULL, NULL, "brackets around a non-IPv6 value"},
	{"Forwarded: junk after ']'", LAN, "10.0.0.1", "for=\"[2001:db8::1]x\"",
	 NULL, NULL, "trailing characters after ']'"},
	{"Forwarded: zone id", LAN, "10.0.0.1", "for=\"[fe80::1%eth0]\"", NULL,
	 NULL, "zone id not allowed"},
	{"Forwarded: bad port", LAN, "10.0.0.1", "for=\"192.0.2.1:99999\"",
	 NULL, NULL, "bad port '99999'"},
	{"Forwarded: empty port", LAN, "10.0.0.1", "for=\"192.0.2.1:\"", NULL,
	 NULL, "bad port"},
	{"Forwarded: garbage", LAN, "10.0.0.1", "garbage", NULL, NULL,
	 "Forwarded: element 1: expected name=value"},
	{"Forwarded: name only", LAN, "10.0.0.1", "for", NULL, NULL,
	 "expected name=value"},
	{"Forwarded: missing value", LAN, "10.0.0.1", "for=", NULL, NULL,
	 "missing value"},
	{"Forwarded: space before value", LAN, "10.0.0.1", "for= 192.0.2.1",
	 NULL, NULL, "missing value"},
	{"Forwarded: empty quoted value", LAN, "10.0.0.1", "for=\"\"", NULL,
	 NULL, "empty address"},
	{"Forwarded: empty header", LAN, "10.0.0.1", "", NULL, NULL,
	 "Forwarded: empty header"},
	{"Forwarded: blank header", LAN, "10.0.0.1", "  ", NULL, NULL,
	 "Forwarded: empty header"},
	{"Forwarded: empty element", LAN, "10.0.0.1",
	 "for=192.0.2.1,,for=10.0.0.2", NULL, NULL,
	 "Forwarded: element 2: empty element"},
	{"Forwarded: trailing comma", LAN, "10.0.0.1", "for=192.0.2.1,", NULL,
	 NULL, "element 2: empty element"},
	{"Forwarded: leading comma", LAN, "10.0.0.1", ", for=192.0.2.1", NULL,
	 NULL, "element 1: empty element"},
	{"Forwarded: element without for=", LAN, "10.0.0.1",
	 "for=192.0.2.1, proto=https", NULL, NULL,
	 "element 2: no for= parameter"},
	{"Forwarded: only semicolons", LAN, "10.0.0.1", ";;", NULL, NULL,
	 "no for= parameter"},
	{"Forwarded: for= twice", LAN, "10.0.0.1",
	 "for=192.0.2.1;for=192.0.2.2", NULL, NULL, "for= given twice"},
	{"Forwarded: pairs without ';'", LAN, "10.0.0.1",
	 "for=192.0.2.1 proto=http", NULL, NULL, "unexpected 'p'"},
	{"Forwarded: control byte in quotes", LAN, "10.0.0.1",
	 "for=\"192.0.2.1\x01\"", NULL, NULL, "control character 0x01"},
	{"Forwarded: control byte in token", LAN, "10.0.0.1",
	 "for=192.0.2.1\x7f", NULL, NULL, "unexpected byte 0x7f"},
	{"Forwarded: leading zero", LAN, "10.0.0.1", "for=010.0.0.1", NULL,
	 NULL, "leading zero in 010.0.0.1"},
	{"Forwarded: hostname", LAN, "10.0.0.1", "for=example.com", NULL, NULL,
	 "not an IP address: 'example.com'"},
	{"Forwarded: over-long value", LAN, "10.0.0.1",
	 "for=\"[2001:db8::1]:_"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "\"",
	 NULL, NULL, "value longer than 127 characters"},

	/* X-Forwarded-For, malformed. */
	{"XFF: unknown", LAN, "10.0.0.1", NULL, "unknown", NULL,
	 "X-Forwarded-For: element 1: not an IP address: 'unknown'"},
	{"XFF: empty header", LAN, "10.0.0.1", NULL, "", NULL,
	 "X-Forwarded-For: empty header"},
	{"XFF: empty element", LAN, "10.0.0.1", NULL, "192.0.2.1, , 10.0.0.2",
	 NULL, "X-Forwarded-For: element 2: empty element"},
	{"XFF: trailing comma", LAN, "10.0.0.1", NULL, "192.0.2.1,", NULL,
	 "element 2: empty element"},
	{"XFF: two addresses without comma", LAN, "10.0.0.1", NULL,
	 "192.0.2.1 10.0.0.2", NULL, "spaces not allowed"},
	{"XFF: leading zero", LAN, "10.0.0.1", NULL, "010.0.0.1", NULL,
	 "leading zero in 010.0.0.1"},
	{"XFF: short form", LAN, "10.0.0.1", NULL, "10.1", NULL,
	 "four decimal parts"},
	{"XFF: bad port", LAN, "10.0.0.1", NULL, "192.0.2.1:http", NULL,
	 "bad port 'http'"},
	{"XFF: obfuscated port is Forwarded-only", LAN, "10.0.0.1", NULL,
	 "192.0.2.1:_x", NULL, "bad port"},
	{"XFF: missing ']'", LAN, "10.0.0.1", NULL, "[2001:db8::1", NULL,
	 "missing ']'"},
	{"XFF: zone id", LAN, "10.0.0.1", NULL, "fe80::1%eth0", NULL,
	 "zone id not allowed in fe80::1%eth0"},
	{"XFF: garbage", LAN, "10.0.0.1", NULL, "garbage", NULL,
	 "not an IP address: 'garbage'"},
	{"XFF: quoted", LAN, "10.0.0.1", NULL, "\"192.0.2.1\"", NULL,
	 "not an IP address"},
	/* Found by fuzzing: the reason quoted a control byte. */
	{"XFF: space, then control byte", LAN, "10.0.0.1", NULL,
	 "2.&) [::1]:\x01", NULL, "invalid character 0x01"},
	{"XFF: non-ASCII byte", LAN, "10.0.0.1", NULL, "192.0.2.1\xff", NULL,
	 "invalid character 0xff"},
};

static struct acl_addr
addr_ok(const char *text)
{
	struct acl_addr a;
	char err[256] = "";

	if (acl_addr_parse(text, &a, err, sizeof(err)) != 0)
		fail_msg("acl_addr_parse(\"%s\") failed: %s", text, err);
	return a;
}

static void
make_trusted(struct acl *acl, const char *const *entries)
{
	char err[256];
	size_t i;

	acl->n = 0;
	for (i = 0; i < TRUSTED_MAX && entries[i] != NULL; i++) {
		if (acl_add(acl, entries[i], err, sizeof(err)) != 0)
			fail_msg("acl_add(%s): %s", entries[i], err);
	}
}

static bool
printable_line(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	}
	return true;
}

/* Returns true when the case passed; prints why not otherwise. */
static bool
run_case(const struct proxy_case *c, struct acl *trusted)
{
	struct acl_addr peer, got, want, before;
	char err[256], out[ACL_ADDR_STRLEN];
	int rc;

	make_trusted(trusted, c->trusted);
	peer = addr_ok(c->peer);
	memset(&got, 0x5a, sizeof(got));
	before = got;
	err[0] = '\0';
	/* A case names the one header the configuration believes. */
	rc = proxy_client(trusted, &peer,
			  c->forwarded != NULL ? PROXY_FORWARDED
					       : PROXY_X_FORWARDED_FOR,
			  c->forwarded != NULL ? c->forwarded : c->xff, &got,
			  err, sizeof(err));
	if (c->want == NULL) {
		if (rc != -1)
			print_error("%s: accepted, want \"%s\"\n", c->name,
				    c->why);
		else if (strstr(err, c->why) == NULL)
			print_error("%s: reason \"%s\", want \"%s\"\n", c->name,
				    err, c->why);
		else if (!printable_line(err))
			print_error("%s: reason is not one printable line\n",
				    c->name);
		else if (memcmp(&got, &before, sizeof(got)) != 0)
			print_error("%s: ret_client written on error\n",
				    c->name);
		else
			return true;
		return false;
	}
	want = addr_ok(c->want);
	acl_addr_format(&got, out, sizeof(out));
	if (rc != 0)
		print_error("%s: failed: %s\n", c->name, err);
	else if (memcmp(&got, &want, sizeof(got)) != 0)
		print_error("%s: client %s, want %s\n", c->name, out, c->want);
	else
		return true;
	return false;
}

static void
test_cases(void **state)
{
	struct acl *trusted = *state;
	size_t i, failed = 0;

	for (i = 0; i < ARRAY_LEN(cases); i++)
		failed += !run_case(&cases[i], trusted);
	if (failed > 0)
		fail_msg("%zu of %zu cases failed", failed, ARRAY_LEN(cases));
}

/* Builds n hops "192.0.2.1, 10.0.0.1, ..." in Forwarded or XFF syntax. */
static void
build_hops(struct buf *b, size_t n, bool forwarded)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(buf_printf(b, "%s%s%s", i ? ", " : "",
					    forwarded ? "for=" : "",
					    i ? "10.0.0.1" : "192.0.2.1"),
				 0);
	}
}

static void
test_hop_limit(void **state)
{
	struct acl *trusted = *state;
	struct acl_addr peer = addr_ok("10.0.0.1"), got;
	struct acl_addr want = addr_ok("192.0.2.1");
	char err[256];
	int fwd;

	make_trusted(trusted, (const char *const[]){"10.0.0.0/8", NULL});
	for (fwd = 0; fwd <= 1; fwd++) {
		struct buf b = {0};

		build_hops(&b, PROXY_MAX_HOPS, fwd);
		assert_int_equal(proxy_client(trusted, &peer,
					      fwd ? PROXY_FORWARDED
						  : PROXY_X_FORWARDED_FOR,
					      b.data, &got, err, sizeof(err)),
				 0);
		assert_memory_equal(&got, &want, sizeof(got));
		buf_free(&b);
		build_hops(&b, PROXY_MAX_HOPS + 1, fwd);
		assert_int_equal(proxy_client(trusted, &peer,
					      fwd ? PROXY_FORWARDED
						  : PROXY_X_FORWARDED_FOR,
					      b.data, &got, err, sizeof(err)),
				 -1);
		assert_non_null(strstr(err, "more than 32 hops"));
		buf_free(&b);
	}
}

/* A long hostile value is quoted in the reason only in part. */
static void
test_reason_is_short(void **state)
{
	struct acl *trusted = *state;
	struct acl_addr peer = addr_ok("10.0.0.1"), got;
	char err[1024], hdr[400];

	make_trusted(trusted, (const char *const[]){"10.0.0.0/8", NULL});
	memset(hdr, 'a', sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	hdr[0] = '=';
	assert_int_equal(proxy_client(trusted, &peer, PROXY_FORWARDED, hdr,
				      &got, err, sizeof(err)),
			 -1);
	assert_true(strlen(err) < 120);
	assert_non_null(strstr(err, "..."));
	/* err may be NULL. */
	assert_int_equal(proxy_client(trusted, &peer, PROXY_FORWARDED, hdr,
				      &got, NULL, 0),
			 -1);
}

/*
 * Every prefix of some tricky headers, in both syntaxes: under ASan this
 * shows that no input makes the parser read past the end.
 */
static void
test_truncations(void **state)
{
	static const char *const headers[] = {
		"for=\"[2001:db8:cafe::17]:4711\";proto=http, For=192.0.2.1",
		"for=\"\\\"\\\\\", for=_x.y-z, for=unknown;by=\"[::1]\"",
		"[2001:db8::1]:443, ::ffff:10.0.0.1, 192.0.2.1:80",
		"for=\"[::ffff:1.2.3.4]:_p\" ; ; x=\"a\\",
	};
	struct acl *trusted = *state;
	struct acl_addr peer = addr_ok("10.0.0.1"), got;
	char err[256];
	size_t i, len;
	char *copy;

	make_trusted(trusted, (const char *const[]){"0.0.0.0/0", NULL});
	for (i = 0; i < ARRAY_LEN(headers); i++) {
		for (len = 0; len <= strlen(headers[i]); len++) {
			/* Exact-size heap copy so ASan sees any overread. */
			copy = malloc(len + 1);
			assert_non_null(copy);
			memcpy(copy, headers[i], len);
			copy[len] = '\0';
			(void)proxy_client(trusted, &peer, PROXY_FORWARDED,
					   copy, &got, err, sizeof(err));
			(void)proxy_client(trusted, &peer,
					   PROXY_X_FORWARDED_FOR, copy, &got,
					   err, sizeof(err));
			free(copy);
		}
	}
}

static int
setup(void **state)
{
	/* struct acl is large; keep it off the test stack. */
	*state = calloc(1, sizeof(struct acl));
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_hop_limit),
		cmocka_unit_test(test_reason_is_short),
		cmocka_unit_test(test_truncations),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
