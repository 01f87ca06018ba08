/* SPDX-License-Identifier: MIT */
/* Fuzz target: proxy_client() on a Forwarded and an X-Forwarded-For header
 * taken from one input, split at the first NUL or newline. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access/access.h"
#include "fuzz.h"
#include "util.h"

/* 32 hops of 128 bytes each, with separators and parameters, fit. */
#define FORWARDED_FUZZ_MAX 8192

static const char *const trusted_text[] = {
	"10.0.0.0/8", "192.168.0.0/16", "127.0.0.1", "fd00::/8", "::1",
};

static struct acl trusted;
static struct acl_addr peer, outsider;

static void
setup(void)
{
	static bool done;
	char err[128];
	size_t i;

	if (done)
		return;
	for (i = 0; i < ARRAY_LEN(trusted_text); i++)
		FUZZ_CHECK(acl_add(&trusted, trusted_text[i], err,
				   sizeof(err)) == 0);
	FUZZ_CHECK(acl_addr_parse("10.0.0.1", &peer, err, sizeof(err)) == 0);
	FUZZ_CHECK(acl_addr_parse("203.0.113.9", &outsider, err, sizeof(err)) ==
		   0);
	done = true;
}

/* One call from the trusted peer; the result must be a stored address. */
static void
check_client(enum proxy_header which, const char *value)
{
	static const uint8_t zero[12], mapped[12] = {[10] = 0xff, [11] = 0xff};
	struct acl_addr client, untouched;
	char err[512];

	memset(&client, 0xa5, sizeof(client));
	untouched = client;
	memset(err, 'x', sizeof(err));
	if (proxy_client(&trusted, &peer, which, value, &client, err,
			 sizeof(err)) == -1) {
		FUZZ_CHECK(memcmp(&client, &untouched, sizeof(client)) == 0);
		check_reason(err, sizeof(err));
		return;
	}
	FUZZ_CHECK(client.family == AF_INET || client.family == AF_INET6);
	if (client.family == AF_INET)
		FUZZ_CHECK(memcmp(client.bytes + 4, zero, sizeof(zero)) == 0);
	else
		FUZZ_CHECK(memcmp(client.bytes, mapped, sizeof(mapped)) != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acl_addr client;
	char *text, *fwd, *xff = NULL;
	char err[512];
	size_t i;

	if (size > FORWARDED_FUZZ_MAX || (text = fuzz_cstr(data, size)) == NULL)
		return 0;
	setup();
	/* Before the first NUL or newline: Forwarded; after: X-Forwarded-For.
	 * An empty first part means no Forwarded header. */
	for (i = 0; i < size && text[i] != '\n' && text[i] != '\0'; i++)
		;
	if (i < size) {
		text[i] = '\0';
		xff = text + i + 1;
	}
	fwd = text[0] != '\0' ? text : NULL;

	/* Each parser on its own, so both see every input. */
	check_client(PROXY_FORWARDED, fwd);
	check_client(PROXY_X_FORWARDED_FOR, xff != NULL ? xff : fwd);
	/* From a peer we do not trust, the header is not even read. */
	FUZZ_CHECK(proxy_client(&trusted, &outsider, PROXY_FORWARDED, fwd,
				&client, err, sizeof(err)) == 0);
	FUZZ_CHECK(acl_addr_equal(&client, &outsider));
	free(text);
	return 0;
}
