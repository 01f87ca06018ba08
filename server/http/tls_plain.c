/* SPDX-License-Identifier: MIT */
/* Plain HTTP sent to the HTTPS port: a short 400 that says to use
 * https://, instead of a TLS handshake that fails into an empty reply. */
#include "tls_int.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define BODY                                                                   \
	"<!doctype html><title>400 Bad Request</title>"                        \
	"<h1>This port speaks HTTPS</h1><p>The request was plain HTTP. "       \
	"Type <b>https://</b> before the address.</p>\n"

/* What nginx answers here too ("The plain HTTP request was sent to HTTPS
 * port"), with certpost's usual headers. */
static const char response[] = "HTTP/1.1 400 Bad Request\r\n"
			       "Content-Type: text/html; charset=utf-8\r\n"
			       "Content-Length: 152\r\n"
			       "Cache-Control: no-store\r\n"
			       "X-Content-Type-Options: nosniff\r\n"
			       "Content-Security-Policy: default-src 'none'\r\n"
			       "Connection: close\r\n\r\n" BODY;

_Static_assert(sizeof(BODY) - 1 == 152, "Content-Length must match BODY");

size_t
tls_plain_response_len(void)
{
	return sizeof(BODY) - 1;
}

bool
tls_plain_http_answer(int fd)
{
	unsigned char first;
	char drain[4096];
	ssize_t n;

	/* A TLS record starts with its type (22, a handshake); an HTTP
	 * request with a method's first letter. Nothing there yet (the
	 * accept was not deferred): TLS goes ahead. */
	if (recv(fd, &first, 1, MSG_PEEK | MSG_DONTWAIT) != 1 || first < 'A' ||
	    first > 'Z')
		return false;
	/* Read what was sent, so that closing with unread bytes does not
	 * reset the connection before the client reads the answer. */
	for (int i = 0; i < 16; i++) {
		n = recv(fd, drain, sizeof(drain), MSG_DONTWAIT);
		if (n <= 0 || (size_t)n < sizeof(drain))
			break;
	}
	(void)send(fd, response, sizeof(response) - 1,
		   MSG_DONTWAIT | MSG_NOSIGNAL);
	return true;
}
