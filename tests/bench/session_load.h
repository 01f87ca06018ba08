/* SPDX-License-Identifier: MIT */
/* What the two halves of session_load share: a client's connection and
 * session (session_conn.c), and the run's options and counters, with the
 * report (session_load.c). */
#ifndef CERTPOST_SESSION_LOAD_H
#define CERTPOST_SESSION_LOAD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#define MAX_PATHS 16

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

/* The run: its options, then its counters. One per process, defined in
 * session_load.c; both halves read and count into it. */
struct session_load {
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
};

extern struct session_load g;

static inline long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Adds one session's duration to g.durations (session_load.c). */
void session_record(long long us);

/* Opens c's connection, a new session (session_conn.c). */
void session_start(struct client *c);
/* Drives c as far as it goes without blocking. */
void session_step(struct client *c);
/* Counts an error (the first one's why is kept) and closes c; the main
 * loop starts its next session. */
void session_fail(struct client *c, const char *why);

#endif
