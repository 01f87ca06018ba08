/* SPDX-License-Identifier: MIT */
/* One client of session_load: its connection (plain or TLS) and session,
 * the requests written and the responses framed by Content-Length, all
 * nonblocking and driven by epoll. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "session_load.h"

static void
watch(struct client *c, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = c};

	if (c->events == events)
		return;
	if (epoll_ctl(g.ep, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
		perror("session_load: epoll_ctl");
		exit(1);
	}
	c->events = events;
}

/* Closes the connection; keeps its TLS session for -r when it ended well. */
static void
hang_up(struct client *c, bool clean)
{
	if (c->ssl != NULL) {
		if (clean && g.resume) {
			SSL_SESSION_free(c->session);
			c->session = SSL_get1_session(c->ssl);
		}
		if (clean)
			SSL_shutdown(c->ssl); /* close_notify; no wait */
		SSL_free(c->ssl);
		ERR_clear_error();
		c->ssl = NULL;
	}
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

void
session_fail(struct client *c, const char *why)
{
	g.errors++;
	if (g.first_error[0] == '\0')
		snprintf(g.first_error, sizeof(g.first_error),
			 "%s (request %zu, %s)", why, c->next + 1,
			 c->next < g.npaths ? g.paths[c->next] : "-");
	SSL_SESSION_free(c->session);
	c->session = NULL;
	hang_up(c, false); /* the main loop starts the next session */
}

void
session_start(struct client *c)
{
	struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
	int one = 1;

	c->started_us = c->touched_us = now_us();
	c->next = 0;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		perror("session_load: socket");
		exit(1);
	}
	/* As browsers do; a request is one write either way. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (epoll_ctl(g.ep, EPOLL_CTL_ADD, c->fd, &ev) == -1) {
		perror("session_load: epoll_ctl");
		exit(1);
	}
	c->events = EPOLLOUT;
	c->state = ST_CONNECTING;
	if (connect(c->fd, (const struct sockaddr *)&g.addr, sizeof(g.addr)) ==
		    -1 &&
	    errno != EINPROGRESS) {
		session_fail(c, strerror(errno));
	}
}

static const char *
accept_for(const char *path)
{
	size_t n = strlen(path);

	if (strcmp(path, "/") == 0 ||
	    (n > 13 && strcmp(path + n - 13, ".mobileconfig") == 0))
		return "text/html,application/xhtml+xml,application/xml;q=0.9,"
		       "*/*;q=0.8";
	if (n > 4 && strcmp(path + n - 4, ".css") == 0)
		return "text/css,*/*;q=0.1";
	return "*/*";
}

static void
compose(struct client *c)
{
	bool last = g.idle == 0 && c->next + 1 == g.npaths;
	int n;

	n = snprintf(c->out, sizeof(c->out),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
		     "Accept: %s\r\nAccept-Language: en-GB,en;q=0.9\r\n"
		     "Accept-Encoding: gzip, deflate, br\r\n"
		     "Connection: %s\r\n\r\n",
		     g.paths[c->next], g.host, g.user_agent,
		     accept_for(g.paths[c->next]),
		     last ? "close" : "keep-alive");
	if (n < 0 || (size_t)n >= sizeof(c->out)) {
		fprintf(stderr, "session_load: request too long\n");
		exit(2);
	}
	c->out_len = (size_t)n;
	c->out_off = 0;
	c->in_len = 0;
	c->have_head = false;
	c->body_left = 0;
	c->state = ST_SENDING;
}

/* Reads the status and Content-Length from a complete head. Returns 0,
 * or -1 when the response cannot be framed by its length. */
static int
parse_head(struct client *c, size_t head_len)
{
	const char *p = c->in, *end = c->in + head_len;
	bool have_length = false;

	if (head_len < 13 || strncmp(p, "HTTP/1.", 7) != 0)
		return -1;
	c->status = (int)strtol(p + 9, NULL, 10);
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL && ++p < end) {
		if (strncasecmp(p, "Content-Length:", 15) == 0) {
			c->body_left = strtoll(p + 15, NULL, 10);
			have_length = c->body_left >= 0;
		} else if (strncasecmp(p, "Transfer-Encoding:", 18) == 0) {
			return -1;
		}
	}
	return have_length ? 0 : -1;
}

/* A whole response arrived: the next request, or the session's end. */
static void
response_done(struct client *c)
{
	g.requests++;
	if (c->status != 200) {
		char why[48];

		snprintf(why, sizeof(why), "status %d", c->status);
		session_fail(c, why);
		return;
	}
	if (g.idle > 0) {
		/* Out of epoll: a close by the server must not spin. */
		c->state = ST_IDLE;
		epoll_ctl(g.ep, EPOLL_CTL_DEL, c->fd, NULL);
		return;
	}
	if (++c->next < g.npaths) {
		compose(c);
		return;
	}
	session_record(now_us() - c->started_us);
	hang_up(c, true);
	session_start(c);
}

/* Plain or TLS I/O: > 0 bytes, 0 would block (c->events set), -1 failed
 * (closed counts as failed: no response is framed by the close). */
static ssize_t
io(struct client *c, bool writing, void *buf, size_t len)
{
	ssize_t n;
	int r, e;

	if (c->ssl == NULL) {
		n = writing ? write(c->fd, buf, len) : read(c->fd, buf, len);
		if (n > 0)
			return n;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			watch(c, writing ? EPOLLOUT : EPOLLIN);
			return 0;
		}
		return -1;
	}
	r = writing ? SSL_write(c->ssl, buf, (int)len)
		    : SSL_read(c->ssl, buf, (int)len);
	if (r > 0)
		return r;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		watch(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return 0;
	}
	ERR_clear_error();
	return -1;
}

/* The TLS handshake: true once done (c->state moved on). */
static bool
handshake(struct client *c)
{
	int r = SSL_connect(c->ssl), e;

	if (r == 1) {
		if (SSL_session_reused(c->ssl))
			g.resumed++;
		compose(c);
		return true;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		watch(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
		return false;
	}
	ERR_clear_error();
	session_fail(c, "TLS handshake failed");
	return false;
}

/* The connect's outcome, then the TLS session or the first request. */
static bool
connected(struct client *c)
{
	int soerr;
	socklen_t sl = sizeof(soerr);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
	    soerr != 0) {
		session_fail(c, "connect failed");
		return false;
	}
	if (!g.tls) {
		compose(c);
		return true;
	}
	if ((c->ssl = SSL_new(g.ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1) {
		fprintf(stderr, "session_load: SSL_new failed\n");
		exit(1);
	}
	if (c->session != NULL)
		SSL_set_session(c->ssl, c->session);
	c->state = ST_HANDSHAKE;
	return true;
}

/* Bytes of the response arrived in c->in: frames it once the head is
 * whole. Returns 0, or -1 after session_fail(). */
static int
head_bytes(struct client *c, size_t n)
{
	char *eoh;

	c->in_len += n;
	c->in[c->in_len] = '\0';
	if ((eoh = strstr(c->in, "\r\n\r\n")) == NULL) {
		if (c->in_len == sizeof(c->in) - 1) {
			session_fail(c, "response head too long");
			return -1;
		}
		return 0;
	}
	eoh += 4;
	if (parse_head(c, (size_t)(eoh - c->in)) == -1) {
		session_fail(c, "response without Content-Length");
		return -1;
	}
	c->have_head = true;
	c->body_left -= c->in + c->in_len - eoh;
	return 0;
}

/* Reads the response: true while c should be driven on. */
static bool
receive(struct client *c)
{
	char sink[16384];
	ssize_t n;

	if (!c->have_head)
		n = io(c, false, c->in + c->in_len,
		       sizeof(c->in) - 1 - c->in_len);
	else
		n = io(c, false, sink, sizeof(sink));
	if (n == 0)
		return false;
	if (n < 0) {
		session_fail(c, "closed before the response's end");
		return false;
	}
	if (c->have_head)
		c->body_left -= n;
	else if (head_bytes(c, (size_t)n) == -1)
		return false;
	if (!c->have_head || c->body_left > 0)
		return true;
	if (c->body_left < 0) {
		session_fail(c, "more bytes than Content-Length");
		return false;
	}
	response_done(c);
	return c->state == ST_SENDING;
}

void
session_step(struct client *c)
{
	ssize_t n;
	bool go = true;

	c->touched_us = now_us();
	while (go) {
		switch (c->state) {
		case ST_CONNECTING: go = connected(c); break;
		case ST_HANDSHAKE: go = handshake(c); break;
		case ST_SENDING:
			n = io(c, true, c->out + c->out_off,
			       c->out_len - c->out_off);
			if (n < 0)
				session_fail(c, "write failed");
			go = n > 0;
			if (go && (c->out_off += (size_t)n) == c->out_len)
				c->state = ST_RECEIVING;
			break;
		case ST_RECEIVING: go = receive(c); break;
		case ST_IDLE: go = false; break;
		}
	}
}
