/* SPDX-License-Identifier: MIT */
/* Unit tests for rollout: once per address, platform and day; bounded. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <sys/socket.h>

#include "ops/ops.h"

static struct acl_addr
v4(unsigned n)
{
	struct acl_addr a = {.family = AF_INET};

	a.bytes[0] = 10;
	a.bytes[1] = (uint8_t)(n >> 16);
	a.bytes[2] = (uint8_t)(n >> 8);
	a.bytes[3] = (uint8_t)n;
	return a;
}

static void
test_once_a_day(void **state)
{
	const time_t day1 = 20000 * 86400L + 100, day2 = day1 + 86400;
	struct acl_addr a = v4(1), b = v4(2);

	(void)state;
	assert_true(rollout_confirm(&a, 0, day1));
	assert_false(rollout_confirm(&a, 0, day1 + 3600));
	assert_true(rollout_confirm(&a, 2, day1)); /* another platform */
	assert_true(rollout_confirm(&b, 0, day1));
	/* The next day, every address counts again. */
	assert_true(rollout_confirm(&a, 0, day2));
	assert_false(rollout_confirm(&a, 0, day2 + 10));
}

/* A day's table holds ROLLOUT_MAX_PER_DAY pairs; more are not counted
 * (and not remembered), whatever the addresses. */
static void
test_bounded(void **state)
{
	const time_t day = 30000 * 86400L;
	unsigned i, counted = 0;

	(void)state;
	for (i = 0; i < ROLLOUT_MAX_PER_DAY + 500; i++) {
		struct acl_addr a = v4(i);

		counted += rollout_confirm(&a, 1, day);
	}
	assert_int_equal(counted, ROLLOUT_MAX_PER_DAY);
	{
		struct acl_addr a = v4(5);

		assert_false(rollout_confirm(&a, 1, day));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once_a_day),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
