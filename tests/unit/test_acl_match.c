/* SPDX-License-Identifier: MIT */
/* Unit tests for acl: matching addresses against lists, a full list,
 * private and unspecified addresses. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "access/access.h"
#include "testacl.h"
#include "util.h"

/* Up to four entries per list; NULL ends it. */
struct match_case {
	const char *entries[4];
	const char *addr;
	bool want;
};

struct private_case {
	const char *text;
	bool want;
};

static const struct match_case matches[] = {
	/* Both ends of a range match; one outside on each side does not. */
	{{"10.0.0.0/8"}, "10.0.0.0", true},
	{{"10.0.0.0/8"}, "10.255.255.255", true},
	{{"10.0.0.0/8"}, "9.255.255.255", false},
	{{"10.0.0.0/8"}, "11.0.0.0", false},
	{{"172.16.0.0/12"}, "172.16.0.0", true},
	{{"172.16.0.0/12"}, "172.31.255.255", true},
	{{"172.16.0.0/12"}, "172.15.255.255", false},
	{{"172.16.0.0/12"}, "172.32.0.0", false},
	{{"192.0.2.128/25"}, "192.0.2.128", true},
	{{"192.0.2.128/25"}, "192.0.2.255", true},
	{{"192.0.2.128/25"}, "192.0.2.127", false},
	{{"192.0.3.0/31"}, "192.0.3.1", true},
	{{"192.0.3.0/31"}, "192.0.3.2", false},
	{{"2001:db8::/32"}, "2001:db8::", true},
	{{"2001:db8::/32"}, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
	{{"2001:db8::/32"}, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", false},
	{{"2001:db8::/32"}, "2001:db9::", false},
	{{"fe80::/10"}, "febf:ffff::1", true},
	{{"fe80::/10"}, "fec0::", false},
	{{"2001:db8::/127"}, "2001:db8::1", true},
	{{"2001:db8::/127"}, "2001:db8::2", false},
	/* /0, /32, /128. */
	{{"0.0.0.0/0"}, "0.0.0.0", true},
	{{"0.0.0.0/0"}, "255.255.255.255", true},
	{{"0.0.0.0/0"}, "::1", false},
	{{"192.0.2.1/32"}, "192.0.2.1", true},
	{{"192.0.2.1/32"}, "192.0.2.0", false},
	{{"192.0.2.1/32"}, "192.0.2.2", false},
	{{"192.0.2.1"}, "192.0.2.1", true},
	{{"::1/128"}, "::1", true},
	{{"::1/128"}, "::", false},
	{{"::1/128"}, "::2", false},
	{{"::1/128"}, "127.0.0.1", false},
	{{"::/0"}, "2001:db8::1", true},
	{{"::/0"}, "::", true},
	/* A mapped address is IPv4: IPv4 entries only, never ::/0. */
	{{"127.0.0.0/8"}, "::ffff:127.0.0.2", true},
	{{"::/0"}, "::ffff:127.0.0.2", false},
	{{"::/0"}, "10.0.0.1", false},
	{{"::ffff:0:0/96"}, "::ffff:10.9.8.7", true},
	{{"::ffff:0:0/96"}, "10.9.8.7", true},
	{{"::ffff:0:0/96"}, "2001:db8::1", false},
	{{"::ffff:10.0.0.0/104"}, "10.1.2.3", true},
	{{"::ffff:10.0.0.0/104"}, "::ffff:10.255.255.255", true},
	{{"::ffff:10.0.0.0/104"}, "11.0.0.0", false},
	/* Mixed-family lists. */
	{{"10.0.0.0/8", "2001:db8::/32", "fe80::/10"}, "10.1.1.1", true},
	{{"10.0.0.0/8", "2001:db8::/32", "fe80::/10"}, "2001:db8::5", true},
	{{"10.0.0.0/8", "2001:db8::/32", "fe80::/10"}, "fe80::1", true},
	{{"10.0.0.0/8", "2001:db8::/32", "fe80::/10"}, "192.168.1.1", false},
	{{"10.0.0.0/8", "2001:db8::/32", "fe80::/10"}, "2001:db9::1", false},
	{{"10.0.0.0/8", "2001:db8::/32"}, "::ffff:10.0.0.1", true},
	{{"10.0.0.0/8", "2001:db8::/32"}, "::10.0.0.1", false},
	/* 6to4 and NAT64 are not translated to their embedded IPv4. */
	{{"10.0.0.0/8"}, "2002:a00:1::1", false},
	{{"10.0.0.0/8"}, "2002:a00:1::", false},
	{{"2002::/16"}, "2002:a00:1::1", true},
	{{"2002:a00::/24"}, "2002:a00:1::1", true},
	{{"10.0.0.0/8"}, "64:ff9b::a00:1", false},
	{{"10.0.0.0/8"}, "64:ff9b::10.0.0.1", false},
	{{"0.0.0.0/0"}, "64:ff9b::10.0.0.1", false},
	{{"64:ff9b::/96"}, "64:ff9b::10.0.0.1", true},
	{{"::/0"}, "64:ff9b::10.0.0.1", true},
	/* An empty list matches nothing. */
	{{NULL}, "10.0.0.1", false},
	{{NULL}, "::1", false},
};

static const struct private_case private_entries[] = {
	{"8.8.8.8", false},
	{"8.8.8.0/24", false},
	{"100.64.0.1", true},
	{"100.64.0.0/10", true},
	{"100.127.255.255", true},
	{"100.63.255.255", false},
	{"100.128.0.0", false},
	{"100.0.0.0/9", false},
	{"172.16.0.0/12", true},
	{"172.31.255.255", true},
	{"172.0.0.0/11", false},
	{"172.32.0.0", false},
	{"172.15.255.255", false},
	{"10.0.0.0/8", true},
	{"10.1.0.0/16", true},
	{"8.0.0.0/6", false},
	{"11.0.0.0", false},
	{"192.168.0.0/16", true},
	{"192.168.1.0/24", true},
	{"192.169.0.0", false},
	{"192.168.0.0/15", false},
	{"127.0.0.0/8", true},
	{"127.0.0.1", true},
	{"169.254.0.0/16", true},
	{"169.255.0.0", false},
	{"0.0.0.0", true},
	{"0.0.0.0/0", false},
	{"0.0.0.0/8", false},
	{"0.0.0.1", false},
	{"::", true},
	{"::/0", false},
	{"::1", true},
	{"::2", false},
	{"2001:db8::1", false},
	{"2001:db8::/32", false},
	{"fd00::1", true},
	{"fd00::/8", true},
	{"fc00::/7", true},
	{"fc00::/6", false},
	{"fe00::", false},
	{"fe80::/10", true},
	{"fe80::1", true},
	{"fec0::/10", false},
	{"::ffff:10.0.0.1", true},
	{"::ffff:8.8.8.8", false},
	{"::ffff:0:0/96", false},
	/* 6to4 and NAT64 of private IPv4 are public: not translated. */
	{"2002:a00:1::/48", false},
	{"2002:c0a8:101::1", false},
	{"64:ff9b::a00:1", false},
	{"64:ff9b::/96", false},
};

static void
test_match(void **state)
{
	const struct match_case *c;
	struct acl acl;
	char err[256];
	struct acl_addr a;
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_LEN(matches); i++) {
		c = &matches[i];
		acl.n = 0;
		for (j = 0; j < 4 && c->entries[j] != NULL; j++) {
			if (acl_add(&acl, c->entries[j], err, sizeof(err)) != 0)
				fail_msg("acl_add(%s): %s", c->entries[j], err);
		}
		a = testacl_addr_ok(c->addr);
		if (acl_match(&acl, &a) != c->want)
			fail_msg("case %zu: %s in {%s, ...}: got %d, want %d",
				 i, c->addr, c->entries[0] ? c->entries[0] : "",
				 !c->want, c->want);
		if (acl.n == 1 &&
		    acl_entry_match(&acl.entries[0], &a) != c->want)
			fail_msg("case %zu: acl_entry_match disagrees", i);
	}
}

/* Callers may hand-build a mapped AF_INET6 address: it still counts as IPv4. */
static void
test_match_hand_built_mapped(void **state)
{
	struct acl acl = {.n = 0};
	struct acl_addr a = {.family = AF_INET6};
	char err[256];

	(void)state;
	assert_int_equal(acl_add(&acl, "10.0.0.0/8", err, sizeof(err)), 0);
	a.bytes[10] = 0xff;
	a.bytes[11] = 0xff;
	a.bytes[12] = 10;
	a.bytes[15] = 1;
	assert_true(acl_match(&acl, &a));
	assert_true(acl_entry_match(&acl.entries[0], &a));
	assert_true(acl_addr_is_private(&a));
	/* A hand-built entry with an impossible prefix matches nothing. */
	acl.entries[0].prefix = 200;
	assert_false(acl_match(&acl, &a));
}

static void
test_acl_full(void **state)
{
	struct acl acl = {.n = 0};
	char err[256], text[32];
	size_t i;

	(void)state;
	for (i = 0; i < ACL_MAX_ENTRIES; i++) {
		assert_int_equal(
			str_printf(text, sizeof(text), "10.%zu.0.0/16", i), 0);
		assert_int_equal(acl_add(&acl, text, err, sizeof(err)), 0);
	}
	assert_int_equal(acl.n, ACL_MAX_ENTRIES);
	assert_int_equal(acl_add(&acl, "192.0.2.0/24", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many entries (at most 256)"));
	assert_int_equal(acl.n, ACL_MAX_ENTRIES);
	/* A bad entry leaves the list as it was. */
	acl.n = 1;
	assert_int_equal(acl_add(&acl, "10.0.0.1/8", err, sizeof(err)), -1);
	assert_int_equal(acl.n, 1);
}

static void
test_private(void **state)
{
	struct acl_entry e;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(private_entries); i++) {
		e = testacl_entry_ok(private_entries[i].text);
		if (acl_entry_is_private(&e) != private_entries[i].want)
			fail_msg("%s: private %d, want %d",
				 private_entries[i].text,
				 !private_entries[i].want,
				 private_entries[i].want);
		/* A single address answers the same through both calls. */
		if ((e.prefix == 32 && e.addr.family == AF_INET) ||
		    e.prefix == 128) {
			if (acl_addr_is_private(&e.addr) !=
			    private_entries[i].want)
				fail_msg("%s: acl_addr_is_private disagrees",
					 private_entries[i].text);
		}
	}
}

static void
test_unspecified(void **state)
{
	static const struct private_case cases[] = {
		{"0.0.0.0", true},
		{"::", true},
		{"::ffff:0.0.0.0", true},
		{"0.0.0.1", false},
		{"::1", false},
		{"127.0.0.1", false},
		{"::ffff:0.0.0.1", false},
	};
	struct acl_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		a = testacl_addr_ok(cases[i].text);
		if (acl_addr_is_unspecified(&a) != cases[i].want)
			fail_msg("%s: unspecified %d, want %d", cases[i].text,
				 !cases[i].want, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_match_hand_built_mapped),
		cmocka_unit_test(test_acl_full),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_unspecified),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
