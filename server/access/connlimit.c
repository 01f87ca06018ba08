/* SPDX-License-Identifier: MIT */
/* Open connections counted per source address: an open-addressing hash
 * table under one mutex, sized for every connection the daemon may hold. */
#include "access/access.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct slot {
	struct acl_addr addr;
	unsigned count; /* 0 = empty */
};

struct connlimit {
	pthread_mutex_t lock;
	struct slot *slots;
	size_t mask; /* slots - 1; a power of two, at least twice the use */
	unsigned per_addr;
};

struct connlimit *
connlimit_new(unsigned max_conns, unsigned per_addr)
{
	struct connlimit *cl = calloc(1, sizeof(*cl));
	size_t n = 16;

	if (cl == NULL)
		return NULL;
	while (n < 2 * (size_t)max_conns + 2)
		n *= 2;
	if ((cl->slots = calloc(n, sizeof(*cl->slots))) == NULL) {
		free(cl);
		return NULL;
	}
	cl->mask = n - 1;
	cl->per_addr = per_addr;
	pthread_mutex_init(&cl->lock, NULL);
	return cl;
}

void
connlimit_free(struct connlimit *cl)
{
	if (cl == NULL)
		return;
	pthread_mutex_destroy(&cl->lock);
	free(cl->slots);
	free(cl);
}

static size_t
addr_hash(const struct acl_addr *a)
{
	return (size_t)acl_addr_hash(a, 0);
}

/* The slot holding a, or the empty slot where it would go; NULL only if
 * the table were full, which its size rules out. */
static struct slot *
find(struct connlimit *cl, const struct acl_addr *a)
{
	size_t i = addr_hash(a) & cl->mask;

	for (size_t n = 0; n <= cl->mask; n++) {
		if (cl->slots[i].count == 0 ||
		    acl_addr_equal(&cl->slots[i].addr, a))
			return &cl->slots[i];
		i = (i + 1) & cl->mask;
	}
	return NULL;
}

bool
connlimit_room(struct connlimit *cl, const struct acl_addr *a)
{
	struct slot *s;
	bool room;

	pthread_mutex_lock(&cl->lock);
	s = find(cl, a);
	room = s != NULL && s->count < cl->per_addr;
	pthread_mutex_unlock(&cl->lock);
	return room;
}

bool
connlimit_acquire(struct connlimit *cl, const struct acl_addr *a)
{
	struct slot *s;
	bool ok = false;

	pthread_mutex_lock(&cl->lock);
	s = find(cl, a);
	/* The table is sized for every connection libmicrohttpd may hold,
	 * so an empty slot is always there; count < per_addr decides. */
	if (s != NULL && s->count < cl->per_addr) {
		if (s->count == 0)
			s->addr = *a;
		s->count++;
		ok = true;
	}
	pthread_mutex_unlock(&cl->lock);
	return ok;
}

/* Linear probing without tombstones: after emptying slot i, move later
 * entries of the same run back so every lookup still finds them. */
static void
remove_at(struct connlimit *cl, size_t i)
{
	size_t j = i;

	cl->slots[i].count = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & cl->mask;
		if (cl->slots[j].count == 0)
			return;
		home = addr_hash(&cl->slots[j].addr) & cl->mask;
		/* Leave j where it is when its home lies cyclically in
		 * (i, j]; otherwise it belongs at or before i. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		cl->slots[i] = cl->slots[j];
		cl->slots[j].count = 0;
		i = j;
	}
}

void
connlimit_release(struct connlimit *cl, const struct acl_addr *a)
{
	struct slot *s;

	pthread_mutex_lock(&cl->lock);
	s = find(cl, a);
	if (s != NULL && s->count > 1)
		s->count--;
	else if (s != NULL && s->count == 1)
		remove_at(cl, (size_t)(s - cl->slots));
	pthread_mutex_unlock(&cl->lock);
}
