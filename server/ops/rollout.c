/* SPDX-License-Identifier: MIT */
/* The rollout, measured: downloads by platform, and one confirmation per
 * source and day (the state file that keeps the counts: rollout_state.c). */
#include "ops/ops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "rollout_int.h"

/* A power of two, twice the sources kept: probes stay short. */
#define SLOTS (2 * ROLLOUT_MAX_PER_DAY)

struct source {
	struct acl_addr addr; /* IPv6: its /64, the rest zero */
	bool used;
};

struct rollout_counts rollout_counts;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct source table[SLOTS];
static unsigned used;
static long long day = -1;
static atomic_ullong not_counted;
static atomic_bool full;

/* SipHash-2-4 from OpenSSL, under a key drawn once per process. */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static EVP_MAC_CTX *mac;

static void
make_key(void)
{
	unsigned char key[16];
	EVP_MAC *m = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	size_t size = 8;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
		OSSL_PARAM_construct_end(),
	};

	if (m != NULL && RAND_bytes(key, sizeof(key)) == 1 &&
	    (mac = EVP_MAC_CTX_new(m)) != NULL &&
	    EVP_MAC_init(mac, key, sizeof(key), params) != 1) {
		EVP_MAC_CTX_free(mac);
		mac = NULL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	EVP_MAC_free(m);
}

/* Under the lock. Without a key (no SipHash in this OpenSSL: not
 * expected) every source hashes to 0 and probing still finds it. */
static size_t
hash(const struct acl_addr *a)
{
	unsigned char out[8];
	size_t outlen = 0;
	uint64_t h = 0;
	EVP_MAC_CTX *c;

	if (mac == NULL || (c = EVP_MAC_CTX_dup(mac)) == NULL)
		return 0;
	if (EVP_MAC_update(c, (const unsigned char *)&a->family,
			   sizeof(a->family)) == 1 &&
	    EVP_MAC_update(c, a->bytes, sizeof(a->bytes)) == 1 &&
	    EVP_MAC_final(c, out, &outlen, sizeof(out)) == 1 &&
	    outlen == sizeof(out))
		memcpy(&h, out, sizeof(h));
	EVP_MAC_CTX_free(c);
	return (size_t)h & (SLOTS - 1);
}

/* The source an address stands for: IPv4 as it is, IPv6 by its /64. */
static void
source_of(const struct acl_addr *a, struct acl_addr *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = a->family;
	memcpy(ret->bytes, a->bytes, a->family == AF_INET ? 4 : 8);
}

enum rollout_result
rollout_confirm(const struct acl_addr *a, enum page_platform p, time_t now)
{
	long long today = (long long)now / 86400;
	enum rollout_result r = ROLLOUT_FULL;
	struct acl_addr s;
	size_t i;

	source_of(a, &s);
	(void)pthread_once(&key_once, make_key);
	pthread_mutex_lock(&lock);
	/* A new day forgets every source: only counts outlive it. */
	if (today != day) {
		/* Untouched pages stay untouched until the table is used. */
		if (used > 0)
			memset(table, 0, sizeof(table));
		used = 0;
		day = today;
		atomic_store(&full, false);
	}
	for (i = hash(&s); table[i].used; i = (i + 1) & (SLOTS - 1))
		if (acl_addr_equal(&table[i].addr, &s)) {
			r = ROLLOUT_REPEAT;
			goto out;
		}
	if (used < ROLLOUT_MAX_PER_DAY) {
		table[i].addr = s;
		table[i].used = true;
		used++;
		r = ROLLOUT_COUNTED;
		atomic_fetch_add(&rollout_counts.confirmed[p], 1);
		atomic_store(&rollout_counts.dirty, true);
	} else {
		atomic_store(&full, true);
		atomic_fetch_add(&not_counted, 1);
	}
out:
	pthread_mutex_unlock(&lock);
	return r;
}

void
rollout_download(enum page_platform p)
{
	atomic_fetch_add_explicit(&rollout_counts.downloads[p], 1,
				  memory_order_relaxed);
	atomic_store_explicit(&rollout_counts.dirty, true,
			      memory_order_relaxed);
}

unsigned long long
rollout_downloads(enum page_platform p)
{
	return atomic_load(&rollout_counts.downloads[p]);
}

unsigned long long
rollout_confirmations(enum page_platform p)
{
	return atomic_load(&rollout_counts.confirmed[p]);
}

void
rollout_status(struct rollout_status *ret)
{
	pthread_mutex_lock(&lock);
	ret->sources_today = used;
	pthread_mutex_unlock(&lock);
	ret->since = atomic_load(&rollout_counts.since);
	ret->full = atomic_load(&full);
	ret->not_counted = atomic_load(&not_counted);
}

void
rollout_reset(void)
{
	pthread_mutex_lock(&lock);
	memset(table, 0, sizeof(table));
	used = 0;
	day = -1;
	pthread_mutex_unlock(&lock);
	for (int p = 0; p < PAGE_PLATFORM_COUNT; p++) {
		atomic_store(&rollout_counts.downloads[p], 0);
		atomic_store(&rollout_counts.confirmed[p], 0);
	}
	atomic_store(&full, false);
	atomic_store(&not_counted, 0);
}
