/* SPDX-License-Identifier: MIT */
/* Unit tests for host: what is a Host value at all (400 otherwise), and
 * which values name this server (421 otherwise). */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "access/access.h"

/* RFC 9110 7.2: uri-host [ ":" port ] (RFC 3986 3.2.2, 3.2.3). */
static void
test_value_valid(void **state)
{
	static const struct {
		const char *value;
		bool valid;
	} cases[] = {
		{"ca.corp.example", true},
		{"CA.Corp.Example.", true},
		{"ca.corp.example:8080", true},
		{"ca.corp.example:", true},	 /* port = *DIGIT */
		{"ca.corp.example:99999", true}, /* syntax, not a port */
		{"", true},			 /* RFC 9112 3.2 */
		{"  localhost\t", true},	 /* OWS is not the value */
		{"127.0.0.1", true},
		{"127.1", true}, /* a reg-name */
		{"ca..corp.example", true},
		{"a%2Eb", true},
		{"!$&'()*+,;=-._~", true},
		{"[::1]", true},
		{"[::1]:443", true},
		{"[2001:db8::1]", true},
		{"[v1.fe80::a+en1]", true},
		{"a b", false},
		{"u@h", false},
		{"h:abc", false},
		{"h:80:80", false},
		{"h/x", false},
		{"h?x", false},
		{"h#x", false},
		{"\"h\"", false},
		{"a%zzb", false},
		{"a%4", false},
		{"local\thost", false},
		{"::1", false},
		{"[::1", false},
		{"[::1]x", false},
		{"[127.0.0.1]", false},
		{"[zz]", false},
		{"[v.x]", false},
		{"[vz.x]", false},
		{"h\xc3\xa9", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (host_value_valid(cases[i].value, strlen(cases[i].value)) !=
		    cases[i].valid)
			fail_msg("'%s': want %s", cases[i].value,
				 cases[i].valid ? "valid" : "invalid");
}

/* The length-bounded form reads only its n bytes: an authority inside a
 * target is not NUL-terminated where it ends. */
static void
test_match_n(void **state)
{
	static const char target[] = "ca.corp.example:80/ca.cer";
	struct host_names hn;
	char err[128];

	(void)state;
	memset(&hn, 0, sizeof(hn));
	assert_int_equal(
		host_names_add(&hn, "ca.corp.example", err, sizeof(err)), 0);
	assert_true(host_names_match_n(&hn, target, 18));
	assert_true(host_names_match_n(&hn, target, 15));
	assert_false(host_names_match_n(&hn, target, 14));
	assert_false(host_names_match_n(&hn, target, sizeof(target) - 1));
	assert_true(host_names_match(&hn, "CA.corp.example."));
	assert_false(host_names_match(&hn, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_valid),
		cmocka_unit_test(test_match_n),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
