/* SPDX-License-Identifier: MIT */
/* Inside ops/: the rollout's counts, shared by rollout.c (which counts)
 * and rollout_state.c (which keeps them across restarts). */
#ifndef CERTPOST_ROLLOUT_INT_H
#define CERTPOST_ROLLOUT_INT_H

#include <stdatomic.h>

#include "render/render.h"

struct rollout_counts {
	atomic_ullong downloads[PAGE_PLATFORM_COUNT];
	atomic_ullong confirmed[PAGE_PLATFORM_COUNT];
	atomic_llong since;
	atomic_bool dirty; /* changed since the state file was written */
};

extern struct rollout_counts rollout_counts;

#endif
