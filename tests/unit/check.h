/*
 * check: the smallest test harness. Each CHECK prints "ok - ..." or "not ok - ...";
 * tests/run.sh counts those lines across all test programs.
 */
#ifndef KZS_CHECK_H
#define KZS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			printf("ok - ");                                        \
		} else {                                                        \
			printf("not ok - %s:%d: (%s) ", __FILE__, __LINE__, #cond); \
			check_failed = 1;                                       \
		}                                                               \
		printf(__VA_ARGS__);                                            \
		printf("\n");                                                   \
	} while (0)

#define CHECK_STR(got, want, ...)                                                  \
	do {                                                                       \
		const char *check_got_ = (got), *check_want_ = (want);             \
		int check_same_ = check_got_ && check_want_ && strcmp(check_got_, check_want_) == 0; \
		CHECK(check_same_, __VA_ARGS__);                                   \
		if (!check_same_)                                                  \
			printf("#   got  \"%s\"\n#   want \"%s\"\n",                  \
			    check_got_ ? check_got_ : "(null)",                    \
			    check_want_ ? check_want_ : "(null)");                 \
	} while (0)

#define CHECK_DONE() (check_failed ? 1 : 0)

#endif
