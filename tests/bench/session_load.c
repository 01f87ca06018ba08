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
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "session_load.h"

#define MAX_CLIENTS 4096
#define STALL_US 10000000LL

struct session_load g;

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

void
session_record(long long us)
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
		session_start(&clients[i]);
	}
	for (;;) {
		n = epoll_wait(g.ep, evs, 256, 100);
		if (n == -1 && errno != EINTR) {
			perror("session_load: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++)
			session_step(evs[i].data.ptr);
		now = now_us();
		ready = 0;
		for (i = 0; i < g.clients; i++) {
			struct client *c = &clients[i];

			if (c->state == ST_IDLE || (g.idle > 0 && c->fd == -1))
				ready++;
			else if (c->fd != -1 && now - c->touched_us > STALL_US)
				session_fail(c, "stalled for 10 s");
			if (g.idle == 0 && c->fd == -1 && now < deadline)
				session_start(c);
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
