/* SPDX-License-Identifier: MIT */
/* Parsing what a test knows is good, for the unit tests of acl. */
#include "testacl.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

struct acl_entry
testacl_entry_ok(const char *text)
{
	struct acl_entry e;
	char err[256] = "";

	if (acl_entry_parse(text, &e, err, sizeof(err)) != 0)
		fail_msg("acl_entry_parse(\"%s\") failed: %s", text, err);
	return e;
}

struct acl_addr
testacl_addr_ok(const char *text)
{
	struct acl_addr a;
	char err[256] = "";

	if (acl_addr_parse(text, &a, err, sizeof(err)) != 0)
		fail_msg("acl_addr_parse(\"%s\") failed: %s", text, err);
	return a;
}
