/*
 * check.h: CHECK(cond) for boot tests that go on after a failed check, so
 * that one run reports every difference, and exit 1 at the end when
 * `failures` is not zero.
 */
#ifndef LULL_TEST_BOOT_CHECK_H
#define LULL_TEST_BOOT_CHECK_H

#include <errno.h>
#include <stdio.h>

static int failures;

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (!(cond)) {                                                      \
			printf("FAILED line %d: %s (errno %d)\n", __LINE__, #cond, errno); \
			failures++;                                                 \
		}                                                                   \
	} while (0)

#endif
