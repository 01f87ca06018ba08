/* SPDX-License-Identifier: MIT */
/* Fuzz target: encoding_scan() on an Accept-Encoding value. */
#include <stdlib.h>

#include "http/http.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct encoding_accept a = ENCODING_ACCEPT_INIT;
	struct encoding_accept b = ENCODING_ACCEPT_INIT;
	char *v;

	if ((v = fuzz_cstr(data, size)) == NULL)
		return 0;
	encoding_scan(&a, v);
	FUZZ_CHECK(a.gzip >= -1 && a.gzip <= 1 && a.star >= -1 && a.star <= 1);
	/* A refusal on another line wins, before or after. */
	encoding_scan(&a, "gzip;q=0");
	FUZZ_CHECK(!encoding_gzip_ok(&a));
	encoding_scan(&b, "gzip;q=0");
	encoding_scan(&b, v);
	FUZZ_CHECK(!encoding_gzip_ok(&b));
	free(v);
	return 0;
}
