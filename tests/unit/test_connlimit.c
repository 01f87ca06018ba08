/* SPDX-License-Identifier: MIT */
/* Unit tests for connlimit: counts per address, the limit, and removal
 * from the open-addressing table under random churn. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "access/access.h"

static struct acl_addr
addr(const char *text)
{
	struct acl_addr a;
	char err[128];

	if (acl_addr_parse(text, &a, err, sizeof(err)) == -1)
		fail_msg("%s: %s", text, err);
	return a;
}

static void
test_limit(void **state)
{
	struct connlimit *cl = connlimit_new(16, 2);
	struct acl_addr a = addr("10.0.0.1"), b = addr("2001:db8::1");
	struct acl_addr mapped = addr("::ffff:10.0.0.1");

	(void)state;
	assert_non_null(cl);
	assert_true(connlimit_room(cl, &a));
	assert_true(connlimit_acquire(cl, &a));
	assert_true(connlimit_acquire(cl, &mapped)); /* the same address */
	assert_false(connlimit_room(cl, &a));
	assert_false(connlimit_acquire(cl, &a));
	assert_true(connlimit_acquire(cl, &b));
	connlimit_release(cl, &a);
	assert_true(connlimit_acquire(cl, &a));
	connlimit_release(cl, &a);
	connlimit_release(cl, &a);
	connlimit_release(cl, &a); /* one too many: ignored */
	assert_true(connlimit_acquire(cl, &a));
	assert_true(connlimit_acquire(cl, &a));
	assert_false(connlimit_acquire(cl, &a));
	connlimit_free(cl);
	connlimit_free(NULL);
}

/* Random acquire/release over more addresses than slots would hold at
 * once, checked against plain counters: any slot lost or duplicated by
 * the backward-shift removal shows as a wrong answer. */
static void
test_churn(void **state)
{
	enum { ADDRS = 200, MAXC = 300, PER = 3, STEPS = 200000 };
	struct connlimit *cl = connlimit_new(MAXC, PER);
	static unsigned count[ADDRS];
	struct acl_addr as[ADDRS];
	unsigned total = 0, seed = 12345;
	char text[32];

	(void)state;
	assert_non_null(cl);
	for (int i = 0; i < ADDRS; i++) {
		snprintf(text, sizeof(text), "10.%d.%d.1", i / 7, i % 7);
		as[i] = addr(text);
	}
	for (int s = 0; s < STEPS; s++) {
		int i;

		seed = seed * 1103515245u + 12345u;
		i = (int)((seed >> 8) % ADDRS);
		if (((seed >> 4) & 1) && total < MAXC) {
			bool want = count[i] < PER;

			assert_int_equal(connlimit_acquire(cl, &as[i]), want);
			if (want) {
				count[i]++;
				total++;
			}
		} else if (count[i] > 0) {
			connlimit_release(cl, &as[i]);
			count[i]--;
			total--;
		}
		assert_int_equal(connlimit_room(cl, &as[i]), count[i] < PER);
	}
	connlimit_free(cl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
