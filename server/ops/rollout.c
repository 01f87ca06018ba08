/* SPDX-License-Identifier: MIT */
/* The rollout, measured: one confirmation per address, platform and day. */
#include "ops/ops.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

/* A power of two, twice the pairs kept: probes stay short. */
#define SLOTS (2 * ROLLOUT_MAX_PER_DAY)

struct pair {
	struct acl_addr addr;
	uint8_t platform;
	bool used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pair table[SLOTS];
static size_t used;
static long long day = -1;

static size_t
hash(const struct acl_addr *a, unsigned platform)
{
	return (size_t)acl_addr_hash(a, platform) & (SLOTS - 1);
}

bool
rollout_confirm(const struct acl_addr *a, unsigned platform, time_t now)
{
	long long today = (long long)now / 86400;
	bool counted = false;
	size_t i;

	pthread_mutex_lock(&lock);
	/* A new day forgets every address: only counts outlive it. */
	if (today != day) {
		/* Untouched pages stay untouched until the table is used. */
		if (used > 0)
			memset(table, 0, sizeof(table));
		used = 0;
		day = today;
	}
	for (i = hash(a, platform); table[i].used; i = (i + 1) & (SLOTS - 1))
		if (table[i].platform == platform &&
		    acl_addr_equal(&table[i].addr, a))
			goto out;
	if (used < ROLLOUT_MAX_PER_DAY) {
		table[i].addr = *a;
		table[i].platform = (uint8_t)platform;
		table[i].used = true;
		used++;
		counted = true;
	}
out:
	pthread_mutex_unlock(&lock);
	return counted;
}
