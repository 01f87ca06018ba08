/* SPDX-License-Identifier: MIT */
/* Open connections counted per source address, for max_connections_per_ip
 * (trusted proxies exempt). Thread-safe. */
#ifndef CERTPOST_CONNLIMIT_H
#define CERTPOST_CONNLIMIT_H

#include <stdbool.h>

#include "acl.h"

struct connlimit;

/* A table for up to max_conns open connections, each allowed per_addr
 * from one address. Returns NULL when out of memory. */
struct connlimit *connlimit_new(unsigned max_conns, unsigned per_addr);

/* Frees the table; accepts NULL. */
void connlimit_free(struct connlimit *cl);

/* True when a may open one more connection (a read-only guess, for the
 * accept policy; connlimit_acquire() decides). */
bool connlimit_room(struct connlimit *cl, const struct acl_addr *a);

/* Counts one connection from a. Returns true, or false (nothing counted)
 * when a already has per_addr open or the table is full. */
bool connlimit_acquire(struct connlimit *cl, const struct acl_addr *a);

/* Uncounts one connection from a, counted by connlimit_acquire(). */
void connlimit_release(struct connlimit *cl, const struct acl_addr *a);

#endif
