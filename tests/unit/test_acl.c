/* SPDX-License-Identifier: MIT */
/* Unit tests for acl: parsing and canonical output of entries and
 * addresses, and addresses from a struct sockaddr. Matching and private
 * ranges are in test_acl_match.c. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "access/access.h"
#include "testacl.h"
#include "util.h"

struct bad_case {
	const char *text;
	const char *want; /* substring of the reason */
};

struct good_case {
	const char *text;
	const char *canonical; /* acl_entry_format() / acl_addr_format() */
	int family;
};

static const struct bad_case bad_entries[] = {
	{"10.0.0.1/8",
	 "host bits set in 10.0.0.1/8 (the network is 10.0.0.0/8)"},
	{"192.168.1.1/16", "(the network is 192.168.0.0/16)"},
	{"2001:db8::1/32",
	 "host bits set in 2001:db8::1/32 (the network is 2001:db8::/32)"},
	{"::ffff:10.0.0.1/104", "(the network is ::ffff:10.0.0.0/104)"},
	{"10.0.0.0/33", "prefix 33 out of range for IPv4 (0-32)"},
	{"::/129", "prefix 129 out of range for IPv6 (0-128)"},
	{"::ffff:10.0.0.0/129", "prefix 129 out of range for IPv6 (0-128)"},
	{"::ffff:10.0.0.0/95", "prefix 95 too short for IPv4-mapped"},
	{"::ffff:0.0.0.0/8", "prefix 8 too short for IPv4-mapped"},
	{"10.0.0.0/9999", "prefix 9999 out of range"},
	{"10.0.0.0/99999999999999999999999", "out of range"},
	{"10.0.0.0/08", "prefix has leading zeros in 10.0.0.0/08"},
	{"10.0.0.0/00", "prefix has leading zeros"},
	{"10.0.0.0/8x", "trailing characters after prefix in 10.0.0.0/8x"},
	{"10.0.0.0/8/8", "trailing characters"},
	{"10.0.0.0/", "missing prefix after '/' in 10.0.0.0/"},
	{"10.0.0.0/x", "prefix is not a number"},
	{"10.0.0.0/-8", "prefix is not a number"},
	{"10.0.0.0/+8", "prefix is not a number"},
	{"/8", "empty address in /8"},
	{"", "empty address"},
	{"010.0.0.1", "leading zero in 010.0.0.1"},
	{"10.0.0.01", "leading zero in 10.0.0.01"},
	{"00.0.0.0", "leading zero"},
	{"10.1", "IPv4 address needs four decimal parts: '10.1'"},
	{"10", "IPv4 address needs four decimal parts"},
	{"10.0.0", "four decimal parts"},
	{"10.0.0.", "not an IP address: '10.0.0.'"},
	{".10.0.0", "not an IP address"},
	{"10..0.0", "not an IP address"},
	{"10.0.0.0.0", "four decimal parts: '10.0.0.0.0'"},
	{"0x0a000001", "hex not allowed in 0x0a000001"},
	{"10.0x0.0.1", "hex not allowed"},
	{"167772161", "four decimal parts"},
	{"10.0.0.256", "256 out of range (0-255) in 10.0.0.256"},
	{"10.0.0.1000", "1000 out of range (0-255)"},
	{"fe80::1%eth0", "zone id not allowed in fe80::1%eth0"},
	{"fe80::%1/64", "zone id not allowed"},
	{"[::1]", "brackets not allowed in [::1]"},
	{"[2001:db8::]/32", "brackets not allowed"},
	{"foo", "not an IP address: 'foo'"},
	{"localhost", "not an IP address: 'localhost'"},
	{" 10.0.0.0/8", "spaces not allowed in ' 10.0.0.0/8'"},
	{"10.0.0.0/8 ", "spaces not allowed"},
	{"10.0.0.0 /8", "spaces not allowed"},
	{"10.0.0.0/ 8", "spaces not allowed"},
	{"10.0.0.0\t/8", "invalid character 0x09 at offset 8"},
	/* Found by fuzzing: a space first must not quote a later control. */
	{"1 2\x01", "invalid character 0x01 at offset 3"},
	{"10.0.0.0/8\n", "invalid character 0x0a at offset 10"},
	{"10.0.0.0/8\xc2\xa0", "invalid character 0xc2"},
	{"10.0.0.0/8#x", "trailing characters"},
	{"10.0.0.0:80", "not an IP address: '10.0.0.0:80'"},
	{"1::2::3", "not an IP address: '1::2::3'"},
	{"2001:db8::g", "not an IP address"},
	{"12345::", "not an IP address"},
	{"::ffff:010.0.0.1", "leading zero in ::ffff:010.0.0.1"},
	{"::ffff:10.0.0.256", "256 out of range"},
	{"::ffff:10.1", "four decimal parts"},
	{"1.2.3.4::", "not an IP address"},
	{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "not an IP address"},
	{"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000",
	 "not an IP address"},
};

static const struct good_case good_entries[] = {
	{"10.0.0.0/8", "10.0.0.0/8", AF_INET},
	{"10.0.0.1", "10.0.0.1/32", AF_INET},
	{"10.0.0.1/32", "10.0.0.1/32", AF_INET},
	{"0.0.0.0/0", "0.0.0.0/0", AF_INET},
	{"0.0.0.0", "0.0.0.0/32", AF_INET},
	{"255.255.255.255", "255.255.255.255/32", AF_INET},
	{"172.16.0.0/12", "172.16.0.0/12", AF_INET},
	{"100.64.0.0/10", "100.64.0.0/10", AF_INET},
	{"::/0", "::/0", AF_INET6},
	{"::", "::/128", AF_INET6},
	{"::1", "::1/128", AF_INET6},
	{"2001:DB8::/32", "2001:db8::/32", AF_INET6},
	{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1/128",
	 AF_INET6},
	{"fe80::/10", "fe80::/10", AF_INET6},
	{"fc00::/7", "fc00::/7", AF_INET6},
	{"::ffff:10.0.0.0/104", "10.0.0.0/8", AF_INET},
	{"::ffff:0.0.0.0/96", "0.0.0.0/0", AF_INET},
	{"::ffff:0:0/96", "0.0.0.0/0", AF_INET},
	{"::ffff:127.0.0.1", "127.0.0.1/32", AF_INET},
	{"::ffff:7f00:1", "127.0.0.1/32", AF_INET},
	{"::FFFF:7F00:1/128", "127.0.0.1/32", AF_INET},
	{"2002::/16", "2002::/16", AF_INET6},
	{"64:ff9b::/96", "64:ff9b::/96", AF_INET6},
	{"::10.0.0.1", "::10.0.0.1/128", AF_INET6},
	{"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", AF_INET6},
};

static const struct bad_case bad_addrs[] = {
	{"", "empty address"},
	{"10.0.0.0/8", "not an IP address: '10.0.0.0/8'"},
	{"[::1]", "brackets not allowed in [::1]"},
	{"::1]", "brackets not allowed"},
	{"fe80::1%eth0", "zone id not allowed in fe80::1%eth0"},
	{"010.0.0.1", "leading zero in 010.0.0.1"},
	{"10.1", "four decimal parts"},
	{"0x0a000001", "hex not allowed"},
	{"10.0.0.0x1", "hex not allowed"},
	{"10.0.0.1a", "not an IP address: '10.0.0.1a'"},
	{"1e1.0.0.1", "not an IP address"},
	{"0X0A.0.0.1", "hex not allowed"},
	{"10.0.0.256", "out of range"},
	{"1.2.3.4:80", "not an IP address"},
	{" ::1", "spaces not allowed"},
	{"::1 ", "spaces not allowed"},
	{"foo", "not an IP address: 'foo'"},
	{"unknown", "not an IP address"},
};

static const struct good_case good_addrs[] = {
	{"0.0.0.0", "0.0.0.0", AF_INET},
	{"192.0.2.1", "192.0.2.1", AF_INET},
	{"255.255.255.255", "255.255.255.255", AF_INET},
	{"::", "::", AF_INET6},
	{"::1", "::1", AF_INET6},
	{"2001:DB8:0:0:0:0:0:1", "2001:db8::1", AF_INET6},
	{"::ffff:192.0.2.1", "192.0.2.1", AF_INET},
	{"::ffff:c000:201", "192.0.2.1", AF_INET},
	{"2002:c000:201::1", "2002:c000:201::1", AF_INET6},
	{"64:ff9b::c000:201", "64:ff9b::c000:201", AF_INET6},
};

static void
check_bad(const struct bad_case *c, int rc, const char *err)
{
	if (rc != -1)
		fail_msg("\"%s\": accepted, want error \"%s\"", c->text,
			 c->want);
	if (strstr(err, c->want) == NULL)
		fail_msg("\"%s\": reason \"%s\", want \"%s\"", c->text, err,
			 c->want);
}

static void
test_entry_bad(void **state)
{
	struct acl_entry e, before;
	char err[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad_entries); i++) {
		memset(&e, 0xa5, sizeof(e));
		before = e;
		err[0] = '\0';
		rc = acl_entry_parse(bad_entries[i].text, &e, err, sizeof(err));
		check_bad(&bad_entries[i], rc, err);
		/* ret_* is written only on success. */
		assert_memory_equal(&e, &before, sizeof(e));
	}
}

static void
test_entry_good(void **state)
{
	struct acl_entry e, back;
	char out[ACL_ENTRY_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(good_entries); i++) {
		e = testacl_entry_ok(good_entries[i].text);
		acl_entry_format(&e, out, sizeof(out));
		if (strcmp(out, good_entries[i].canonical) != 0 ||
		    e.addr.family != good_entries[i].family)
			fail_msg("\"%s\": got %s (family %d), want %s",
				 good_entries[i].text, out, e.addr.family,
				 good_entries[i].canonical);
		/* The canonical form parses back to the same entry. */
		back = testacl_entry_ok(out);
		assert_memory_equal(&e, &back, sizeof(e));
	}
}

static void
test_addr_bad(void **state)
{
	struct acl_addr a;
	struct acl_entry e;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad_addrs); i++) {
		err[0] = '\0';
		check_bad(
			&bad_addrs[i],
			acl_addr_parse(bad_addrs[i].text, &a, err, sizeof(err)),
			err);
	}
	assert_int_equal(acl_addr_parse(NULL, &a, err, sizeof(err)), -1);
	assert_string_equal(err, "empty address");
	/* err may be NULL: the caller does not want a reason. */
	assert_int_equal(acl_addr_parse("foo", &a, NULL, 0), -1);
	assert_int_equal(acl_entry_parse("foo/8", &e, NULL, 0), -1);
}

static void
test_addr_good(void **state)
{
	struct acl_addr a;
	char out[ACL_ADDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(good_addrs); i++) {
		a = testacl_addr_ok(good_addrs[i].text);
		acl_addr_format(&a, out, sizeof(out));
		if (strcmp(out, good_addrs[i].canonical) != 0 ||
		    a.family != good_addrs[i].family)
			fail_msg("\"%s\": got %s (family %d), want %s",
				 good_addrs[i].text, out, a.family,
				 good_addrs[i].canonical);
	}
	/* Mapped addresses keep no IPv6 residue in the unused bytes. */
	a = testacl_addr_ok("::ffff:192.0.2.1");
	assert_memory_equal(a.bytes, ((const uint8_t[16]){192, 0, 2, 1}), 16);
}

static void
test_format_small_buffer(void **state)
{
	struct acl_addr a =
		testacl_addr_ok("2001:db8:1234:5678:9abc:def0:1234:5678");
	struct acl_entry e = testacl_entry_ok("255.255.255.255/32");
	char out[8];

	(void)state;
	memset(out, 'x', sizeof(out));
	acl_addr_format(&a, out, sizeof(out));
	assert_non_null(memchr(out, '\0', sizeof(out)));
	memset(out, 'x', sizeof(out));
	acl_entry_format(&e, out, sizeof(out));
	assert_non_null(memchr(out, '\0', sizeof(out)));
	acl_addr_format(&a, out, 0);
	a.family = AF_UNIX;
	acl_addr_format(&a, out, sizeof(out));
	assert_non_null(memchr(out, '\0', sizeof(out)));
}

static void
test_from_sockaddr(void **state)
{
	struct sockaddr_in in = {.sin_family = AF_INET};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	struct acl_addr a;
	char out[ACL_ADDR_STRLEN];

	(void)state;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.7", &in.sin_addr), 1);
	assert_int_equal(acl_addr_from_sockaddr((struct sockaddr *)&in, &a), 0);
	acl_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "192.0.2.7");
	assert_int_equal(a.family, AF_INET);

	assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3", &in6.sin6_addr),
			 1);
	assert_int_equal(acl_addr_from_sockaddr((struct sockaddr *)&in6, &a),
			 0);
	assert_int_equal(a.family, AF_INET);
	acl_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "10.1.2.3");

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::9", &in6.sin6_addr), 1);
	assert_int_equal(acl_addr_from_sockaddr((struct sockaddr *)&in6, &a),
			 0);
	assert_int_equal(a.family, AF_INET6);
	acl_addr_format(&a, out, sizeof(out));
	assert_string_equal(out, "2001:db8::9");

	assert_int_equal(acl_addr_from_sockaddr((struct sockaddr *)&un, &a),
			 -1);
	assert_int_equal(acl_addr_from_sockaddr(NULL, &a), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_bad),
		cmocka_unit_test(test_entry_good),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_addr_good),
		cmocka_unit_test(test_format_small_buffer),
		cmocka_unit_test(test_from_sockaddr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
