/* SPDX-License-Identifier: MIT */
/* openssl s_client against a test daemon's HTTPS listener. */
#include "sclient.h"

#include <stdio.h>
#include <string.h>

bool
sclient(int port, const char *opts, const char *input, struct buf *out)
{
	char cmd[1024], chunk[4096];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd),
		 "printf '%s' | timeout 10 openssl s_client -connect "
		 "127.0.0.1:%d -servername localhost %s 2>&1",
		 input, port, opts);
	if ((p = popen(cmd, "r")) == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		(void)buf_append(out, chunk, n);
	(void)pclose(p);
	(void)buf_append(out, "", 0);
	return out->data != NULL && strstr(out->data, ", Cipher is ") != NULL &&
	       strstr(out->data, "Cipher is (NONE)") == NULL;
}
