/* SPDX-License-Identifier: MIT */
/* Parsing what a test knows is good, for the unit tests of acl (test_acl,
 * test_acl_match). */
#ifndef CERTPOST_TESTACL_H
#define CERTPOST_TESTACL_H

#include "access/access.h"

/* acl_entry_parse(text), or fails the running test with the reason. */
struct acl_entry testacl_entry_ok(const char *text);
/* acl_addr_parse(text), or fails the running test with the reason. */
struct acl_addr testacl_addr_ok(const char *text);

#endif
