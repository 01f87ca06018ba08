/* SPDX-License-Identifier: MIT */
/* HTTP/1.1 replies read off a raw socket, taken apart by bytes. */
#include "raw.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "harness.h"

int
raw_send(int port, const void *req, size_t len, long timeout_ms,
	 struct raw_reply *r)
{
	const char *end;
	long got;

	memset(r, 0, sizeof(*r));
	got = harness_raw_eof(port, req, len, r->bytes, sizeof(r->bytes),
			      timeout_ms > 0 ? timeout_ms : 3000, &r->closed);
	if (got < 0)
		return -1;
	r->len = (size_t)got;
	if (r->len >= 12 && strncmp(r->bytes, "HTTP/1.", 7) == 0)
		r->status = (int)strtol(r->bytes + 9, NULL, 10);
	end = mem_find(r->bytes, r->len, "\r\n\r\n");
	r->head = end != NULL ? (size_t)(end - r->bytes) + 4 : r->len;
	return 0;
}

int
raw_send_str(int port, const char *req, struct raw_reply *r)
{
	return raw_send(port, req, strlen(req), 0, r);
}

/* The next field line of the header section after *at: its name's length
 * and where its value starts; false at the end. */
static bool
next_field(const struct raw_reply *r, size_t *at, size_t *ret_name,
	   size_t *ret_value, size_t *ret_end)
{
	const char *p = r->bytes + *at, *eol, *colon;
	size_t limit = r->head >= 2 ? r->head - 2 : 0;

	if (*at >= limit)
		return false;
	eol = mem_find(p, limit - *at, "\r\n");
	if (eol == NULL)
		eol = r->bytes + limit;
	colon = memchr(p, ':', (size_t)(eol - p));
	*ret_end = (size_t)(eol - r->bytes);
	/* A line without a colon names no field. */
	*ret_name = colon != NULL ? (size_t)(colon - p) : 0;
	*ret_value = colon != NULL ? *at + *ret_name + 1 : *ret_end;
	*at = *ret_end + 2;
	return true;
}

const char *
raw_header(const struct raw_reply *r, const char *name)
{
	static char value[4096];
	size_t at, n, v, end;
	const char *first = mem_find(r->bytes, r->head, "\r\n");

	if (first == NULL)
		return NULL;
	at = (size_t)(first - r->bytes) + 2;
	while (next_field(r, &at, &n, &v, &end)) {
		if (n == 0 || n != strlen(name) ||
		    strncasecmp(r->bytes + v - n - 1, name, n) != 0)
			continue;
		while (v < end && (r->bytes[v] == ' ' || r->bytes[v] == '\t'))
			v++;
		while (end > v &&
		       (r->bytes[end - 1] == ' ' || r->bytes[end - 1] == '\t'))
			end--;
		if (end - v >= sizeof(value))
			end = v + sizeof(value) - 1;
		memcpy(value, r->bytes + v, end - v);
		value[end - v] = '\0';
		return value;
	}
	return NULL;
}

size_t
raw_header_count(const struct raw_reply *r, const char *name)
{
	size_t at, n, v, end, count = 0;
	const char *first = mem_find(r->bytes, r->head, "\r\n");

	if (first == NULL)
		return 0;
	at = (size_t)(first - r->bytes) + 2;
	while (next_field(r, &at, &n, &v, &end))
		if (n > 0 && n == strlen(name) &&
		    strncasecmp(r->bytes + v - n - 1, name, n) == 0)
			count++;
	return count;
}

size_t
raw_body_len(const struct raw_reply *r)
{
	return r->len - r->head;
}

size_t
raw_status_lines(const struct raw_reply *r)
{
	return count_mem(r->bytes, r->len, "HTTP/1.");
}
