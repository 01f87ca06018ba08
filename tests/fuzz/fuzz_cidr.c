/* SPDX-License-Identifier: MIT */
/* Fuzz target: acl_addr_parse() and acl_entry_parse() on one text, with
 * the round trip through the formatters. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access/access.h"
#include "fuzz.h"

/* The longest valid entry is 43 bytes; a little past ENTRY_ADDR_MAX (64)
 * and the v6 text limit is all the parser can tell apart. */
#define CIDR_FUZZ_MAX 256

static unsigned
bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static bool
is_mapped(const struct acl_addr *a)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	return a->family == AF_INET6 &&
	       memcmp(a->bytes, mapped, sizeof(mapped)) == 0;
}

/* Mapped input is stored as IPv4, and IPv4 leaves bytes[4..15] zero. */
static void
check_stored(const struct acl_addr *a)
{
	static const uint8_t zero[12];

	FUZZ_CHECK(a->family == AF_INET || a->family == AF_INET6);
	if (a->family == AF_INET)
		FUZZ_CHECK(memcmp(a->bytes + 4, zero, sizeof(zero)) == 0);
	FUZZ_CHECK(!is_mapped(a));
}

static void
check_addr(const char *text)
{
	struct acl_addr a, untouched, again;
	char err[256], back[ACL_ADDR_STRLEN];

	memset(&a, 0xa5, sizeof(a));
	untouched = a;
	memset(err, 'x', sizeof(err));
	if (acl_addr_parse(text, &a, err, sizeof(err)) == -1) {
		FUZZ_CHECK(memcmp(&a, &untouched, sizeof(a)) == 0);
		check_reason(err, sizeof(err));
		return;
	}
	check_stored(&a);
	/* What we print, we must read back as the same address. */
	acl_addr_format(&a, back, sizeof(back));
	FUZZ_CHECK(acl_addr_parse(back, &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(acl_addr_equal(&a, &again));
}

/* The highest address of the network: every host bit set. */
static struct acl_addr
last_addr(const struct acl_entry *e)
{
	struct acl_addr a = e->addr;
	unsigned i;

	for (i = e->prefix; i < bits(a.family); i++)
		a.bytes[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return a;
}

static void
check_entry(const char *text)
{
	struct acl_entry e, untouched, again;
	struct acl_addr last, single;
	char err[256], back[ACL_ENTRY_STRLEN];

	memset(&e, 0xa5, sizeof(e));
	untouched = e;
	memset(err, 'x', sizeof(err));
	if (acl_entry_parse(text, &e, err, sizeof(err)) == -1) {
		FUZZ_CHECK(memcmp(&e, &untouched, sizeof(e)) == 0);
		check_reason(err, sizeof(err));
		/* A bare address that parses is a valid /32 or /128. */
		if (strchr(text, '/') == NULL)
			FUZZ_CHECK(acl_addr_parse(text, &single, err,
						  sizeof(err)) == -1);
		return;
	}
	check_stored(&e.addr);
	FUZZ_CHECK(e.prefix <= bits(e.addr.family));
	if (strchr(text, '/') == NULL) {
		FUZZ_CHECK(e.prefix == bits(e.addr.family));
		FUZZ_CHECK(acl_addr_parse(text, &single, err, sizeof(err)) ==
			   0);
		FUZZ_CHECK(acl_addr_equal(&single, &e.addr));
	}
	FUZZ_CHECK(acl_entry_match(&e, &e.addr));
	if (acl_entry_is_private(&e))
		FUZZ_CHECK(acl_addr_is_private(&e.addr));
	/* Private means every address of the network, both ends included.
	 * An IPv6 network's top may be mapped (::/80 ends in ::ffff:...),
	 * and a mapped address is judged by IPv4 entries only (acl.c). */
	last = last_addr(&e);
	if (!is_mapped(&last)) {
		FUZZ_CHECK(acl_entry_match(&e, &last));
		if (acl_entry_is_private(&e))
			FUZZ_CHECK(acl_addr_is_private(&last));
	}
	acl_entry_format(&e, back, sizeof(back));
	FUZZ_CHECK(acl_entry_parse(back, &again, err, sizeof(err)) == 0);
	FUZZ_CHECK(acl_addr_equal(&e.addr, &again.addr));
	FUZZ_CHECK(e.prefix == again.prefix);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size > CIDR_FUZZ_MAX || (text = fuzz_cstr(data, size)) == NULL)
		return 0;
	check_addr(text);
	check_entry(text);
	free(text);
	return 0;
}
