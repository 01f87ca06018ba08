/* SPDX-License-Identifier: MIT */
/* Fuzz target: page_detect() on a User-Agent header. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "render/render.h"

/* page.c looks at the first 1024 bytes only; past them is where an
 * over-read would show. */
#define UA_FUZZ_MAX 4096
#define UA_SCANNED 1024

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum page_platform p;
	const char *name;
	char *ua;

	if (size > UA_FUZZ_MAX || (ua = fuzz_cstr(data, size)) == NULL)
		return 0;
	p = page_detect(ua);
	FUZZ_CHECK((unsigned)p < PAGE_PLATFORM_COUNT);
	name = page_platform_name(p);
	FUZZ_CHECK(name != NULL && name[0] != '\0');
	/* Only the first UA_SCANNED bytes decide. */
	if (strlen(ua) > UA_SCANNED) {
		ua[UA_SCANNED] = '\0';
		FUZZ_CHECK(page_detect(ua) == p);
	}
	free(ua);
	return 0;
}
