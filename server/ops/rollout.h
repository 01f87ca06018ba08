/* SPDX-License-Identifier: MIT */
/* The rollout, measured: devices whose trust check succeeded, counted once
 * per client address and platform per day, in bounded memory. */
#ifndef CERTPOST_ROLLOUT_H
#define CERTPOST_ROLLOUT_H

#include <stdbool.h>
#include <time.h>

#include "acl.h"

/* Distinct (address, platform) pairs remembered per day; past that a
 * confirmation is not counted (and rollout_confirm() says so). */
#define ROLLOUT_MAX_PER_DAY 16384

/*
 * Records that the device at a, of platform (an index below 256),
 * confirmed trust at now. Returns true when this is the pair's first
 * confirmation of the UTC day (count it), false for a repeat or when the
 * day's table is full. Thread-safe; nothing about the device is kept
 * past the day.
 */
bool rollout_confirm(const struct acl_addr *a, unsigned platform, time_t now);

#endif
