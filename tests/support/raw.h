/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 replies read off a raw socket (harness_raw_eof()): the status,
 * a header field and the body of the first reply, taken apart by bytes. */
#ifndef CERTPOST_RAW_H
#define CERTPOST_RAW_H

#include <stdbool.h>
#include <stddef.h>

struct raw_reply {
	char bytes[262144]; /* what came back, NUL-terminated */
	size_t len;
	bool closed; /* the server closed the connection */
	int status;  /* of the first status line, 0 when there is none */
	size_t head; /* length of the first reply's header section */
};

/* Sends len bytes of req to 127.0.0.1:port and reads until the server
 * closes or timeout_ms passes (3000 when 0). Returns 0, or -1 when it
 * could not connect. */
int raw_send(int port, const void *req, size_t len, long timeout_ms,
	     struct raw_reply *r);
/* The same for a C string. */
int raw_send_str(int port, const char *req, struct raw_reply *r);
/* The value of the first reply's header field name (case-insensitive),
 * without surrounding whitespace, or NULL; a static buffer that the next
 * call overwrites. */
const char *raw_header(const struct raw_reply *r, const char *name);
/* How many times the field name appears in the first reply's header. */
size_t raw_header_count(const struct raw_reply *r, const char *name);
/* Bytes after the first reply's header section (its body, and whatever
 * came after it). */
size_t raw_body_len(const struct raw_reply *r);
/* Status lines ("HTTP/1.") in everything that came back. */
size_t raw_status_lines(const struct raw_reply *r);

#endif
