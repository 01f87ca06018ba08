/* SPDX-License-Identifier: MIT */
/* openssl s_client against a test daemon's HTTPS listener. */
#ifndef CERTPOST_SCLIENT_H
#define CERTPOST_SCLIENT_H

#include <stdbool.h>

#include "util.h"

/*
 * Runs `openssl s_client -connect 127.0.0.1:port -servername localhost
 * OPTS` with input (a printf format: \r\n as such) on its standard
 * input ("" for none), into out (stdout
 * and stderr; caller frees). Returns true when a handshake completed with
 * a cipher.
 */
bool sclient(int port, const char *opts, const char *input, struct buf *out);

#endif
