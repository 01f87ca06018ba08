/* SPDX-License-Identifier: MIT */
/* Load generator for the benchmark's device session: each client opens a
 * new connection (plain or TLS), fetches the given paths one after the
 * other on it, as a browser's first visit does, and the whole session is
 * timed. wrk times requests, never a session. */

/*
 * -t speaks TLS (OpenSSL, TLS 1.2 or 1.3, no certificate verification);
 * -r offers each client's previous TLS session (its ticket) again, as a
 * returning phone does; -i opens CLIENTS keep-alive connections, makes one
 * request on each, prints "idle=N errors=E" and holds them until killed.
 *
 * Each session: connect (+ handshake), PATH... as sequential keep-alive
 * requests, "Connection: close" on the last, every response read in full
 * by its Content-Length. A status other than 200, a response without
 * Content-Length, a close or a stall (10 s) counts as an error, so a
 * broken server cannot look fast. Prints one line:
 *   sessions=N seconds=S sessions_per_s=X p50_us=A p99_us=B errors=E
 *   resumed=R requests=Q
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define MAX_PATHS 16
#define MAX_CLIENTS 4096
#define STALL_US 10000000LL

enum state { ST_CONNECTING, ST_HANDSHAKE, ST_SENDING, ST_RECEIVING, ST_IDLE };

struct client {
	int fd;
	SSL *ssl;
	SSL_SESSION *session; /* the previous session's, for -r */
	enum state state;
	uint32_t events; /* what epoll waits for now */
	size_t next;	 /* index of the request in flight */
	char out[2048];
	size_t out_len, out_off;
	char in[16384]; /* the response's head; the body is only counted */
	size_t in_len;
	bool have_head;
	long long body_left;
	int status;
	long long started_us, touched_us;
};

static struct {
	struct sockaddr_in addr;
	char host[64];
	const char *paths[MAX_PATHS];
	size_t npaths;
	const char *user_agent;
	bool tls, resume;
	int clients, seconds, idle;
	SSL_CTX *ctx;
	int ep;
	long long *durations;
	size_t ndurations, cap;
	unsigned long long errors, resumed, requests;
	char first_error[160];
} g;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: session_load [-t [-r]] [-c CLIENTS] [-d SECONDS] "
		"[-a USER-AGENT] [-h ADDRESS] -p PORT PATH...\n"
		"       session_load [-t] -i CLIENTS [-h ADDRESS] -p PORT "
		"PATH\n");
	exit(2);
}

static long
number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min ||
	    v > max) {
		fprintf(stderr,
			"session_load: '%s' is not a number in %ld..%ld\n", s,
			min, max);
		exit(2);
	}
	return v;
}

static void
record(long long us)
{
	if (g.ndurations == g.cap) {
		size_t cap = g.cap ? g.cap * 2 : 4096;
		long long *d = realloc(g.durations, cap * sizeof(*d));

		if (d == NULL) {
			perror("session_load: realloc");
			exit(1);
		}
		g.durations = d;
		g.cap = cap;
	}
	g.durations[g.ndurations++] = us;
}

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

static void
fail(struct client *c, const char *why)
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

static void
start(struct client *c)
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
		fail(c, strerror(errno));
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
		fail(c, why);
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
	record(now_us() - c->started_us);
	hang_up(c, true);
	start(c);
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
	fail(c, "TLS handshake failed");
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
		fail(c, "connect failed");
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
 * whole. Returns 0, or -1 after fail(). */
static int
head_bytes(struct client *c, size_t n)
{
	char *eoh;

	c->in_len += n;
	c->in[c->in_len] = '\0';
	if ((eoh = strstr(c->in, "\r\n\r\n")) == NULL) {
		if (c->in_len == sizeof(c->in) - 1) {
			fail(c, "response head too long");
			return -1;
		}
		return 0;
	}
	eoh += 4;
	if (parse_head(c, (size_t)(eoh - c->in)) == -1) {
		fail(c, "response without Content-Length");
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
		fail(c, "closed before the response's end");
		return false;
	}
	if (c->have_head)
		c->body_left -= n;
	else if (head_bytes(c, (size_t)n) == -1)
		return false;
	if (!c->have_head || c->body_left > 0)
		return true;
	if (c->body_left < 0) {
		fail(c, "more bytes than Content-Length");
		return false;
	}
	response_done(c);
	return c->state == ST_SENDING;
}

/* Drives one client as far as it goes without blocking. */
static void
step(struct client *c)
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
				fail(c, "write failed");
			go = n > 0;
			if (go && (c->out_off += (size_t)n) == c->out_len)
				c->state = ST_RECEIVING;
			break;
		case ST_RECEIVING: go = receive(c); break;
		case ST_IDLE: go = false; break;
		}
	}
}

static int
percentile_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/* Nearest rank. */
static long long
percentile(double p)
{
	size_t i;

	if (g.ndurations == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)g.ndurations + 0.999999);
	if (i < 1)
		i = 1;
	if (i > g.ndurations)
		i = g.ndurations;
	return g.durations[i - 1];
}

static void
parse_args(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	int opt, port = 0;

	g.clients = 50;
	g.seconds = 5;
	g.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
		       "AppleWebKit/605.1.15 (KHTML, like Gecko) "
		       "Version/17.5 Mobile/15E148 Safari/604.1";
	while ((opt = getopt(argc, argv, "a:c:d:h:i:p:rt")) != -1) {
		switch (opt) {
		case 'a': g.user_agent = optarg; break;
		case 'c':
			g.clients = (int)number(optarg, 1, MAX_CLIENTS);
			break;
		case 'd': g.seconds = (int)number(optarg, 1, 3600); break;
		case 'h': address = optarg; break;
		case 'i': g.idle = (int)number(optarg, 1, MAX_CLIENTS); break;
		case 'p': port = (int)number(optarg, 1, 65535); break;
		case 'r': g.resume = true; break;
		case 't': g.tls = true; break;
		default: usage();
		}
	}
	if (port == 0 || optind == argc || argc - optind > MAX_PATHS ||
	    (g.resume && !g.tls))
		usage();
	for (; optind < argc; optind++)
		g.paths[g.npaths++] = argv[optind];
	g.addr.sin_family = AF_INET;
	g.addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, address, &g.addr.sin_addr) != 1) {
		fprintf(stderr, "session_load: '%s' is not an IPv4 address\n",
			address);
		exit(2);
	}
	/* The Host a browser sends for http://ADDRESS:PORT/. */
	snprintf(g.host, sizeof(g.host), "%s:%d", address, port);
	if (g.idle > 0)
		g.clients = g.idle;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct client *clients;
	long long t0, deadline, now;
	size_t ready;
	int i, n;

	parse_args(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	if (g.tls) {
		g.ctx = SSL_CTX_new(TLS_client_method());
		if (g.ctx == NULL ||
		    !SSL_CTX_set_min_proto_version(g.ctx, TLS1_2_VERSION)) {
			fprintf(stderr, "session_load: SSL_CTX_new failed\n");
			return 1;
		}
		SSL_CTX_set_verify(g.ctx, SSL_VERIFY_NONE, NULL);
		/* Sessions are kept by hand, per client, for -r only. */
		SSL_CTX_set_session_cache_mode(g.ctx, SSL_SESS_CACHE_OFF);
	}
	if ((g.ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("session_load: epoll_create1");
		return 1;
	}
	clients = calloc((size_t)g.clients, sizeof(*clients));
	if (clients == NULL) {
		perror("session_load: calloc");
		return 1;
	}
	t0 = now_us();
	deadline = t0 + (long long)g.seconds * 1000000;
	for (i = 0; i < g.clients; i++) {
		clients[i].fd = -1;
		start(&clients[i]);
	}
	for (;;) {
		n = epoll_wait(g.ep, evs, 256, 100);
		if (n == -1 && errno != EINTR) {
			perror("session_load: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++)
			step(evs[i].data.ptr);
		now = now_us();
		ready = 0;
		for (i = 0; i < g.clients; i++) {
			struct client *c = &clients[i];

			if (c->state == ST_IDLE || (g.idle > 0 && c->fd == -1))
				ready++;
			else if (c->fd != -1 && now - c->touched_us > STALL_US)
				fail(c, "stalled for 10 s");
			if (g.idle == 0 && c->fd == -1 && now < deadline)
				start(c);
		}
		if (g.idle > 0 && ready == (size_t)g.clients) {
			/* Held open until killed: the server's memory is
			 * read meanwhile. */
			printf("idle=%llu errors=%llu\n",
			       (unsigned long long)g.clients - g.errors,
			       g.errors);
			fflush(stdout);
			for (;;)
				pause();
		}
		if (g.idle == 0 && now >= deadline)
			break;
	}
	qsort(g.durations, g.ndurations, sizeof(*g.durations), percentile_cmp);
	printf("sessions=%zu seconds=%.3f sessions_per_s=%.0f p50_us=%lld "
	       "p99_us=%lld errors=%llu resumed=%llu requests=%llu\n",
	       g.ndurations, (double)(now - t0) / 1e6,
	       (double)g.ndurations * 1e6 / (double)(now - t0), percentile(50),
	       percentile(99), g.errors, g.resumed, g.requests);
	if (g.errors > 0)
		fprintf(stderr, "session_load: first error: %s\n",
			g.first_error);
	return 0;
}
