/*
 * Unit tests for lib/datefmt.c: dates written the way a Zoho Sign account shows them,
 * and the patterns it refuses.
 */
#include <string.h>

#include "check.h"
#include "datefmt.h"

static void
test_patterns(void)
{
	static const struct {
		const char *pattern, *want;
	} cases[] = {
		{ "dd/MM/yyyy", "05/03/2027" },
		{ "MM/dd/yyyy", "03/05/2027" },
		{ "yyyy-MM-dd", "2027-03-05" },
		{ "dd.MM.yyyy", "05.03.2027" },
		{ "dd MMM yyyy", "05 Mar 2027" },
		{ "MMM dd, yyyy", "Mar 05, 2027" },
		{ "yyyy/MM/dd", "2027/03/05" },
	};
	struct tm tm = { .tm_mday = 5, .tm_mon = 2, .tm_year = 127 };
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(buf, 'x', sizeof buf);
		CHECK(datefmt_write(cases[i].pattern, &tm, buf, sizeof buf) == 0, "%s", cases[i].pattern);
		CHECK_STR(buf, cases[i].want, "%s", cases[i].pattern);
	}
	tm.tm_mon = 11;
	tm.tm_mday = 31;
	CHECK(datefmt_write("dd MMM yyyy", &tm, buf, sizeof buf) == 0 && strcmp(buf, "31 Dec 2027") == 0,
	    "December's short name");
}

/* A note in the managers' language names the month in it. */
static void
test_own_months(void)
{
	static const char *const pt[12] = { "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago",
		"set", "out", "nov", "dez" };
	static const char *const long_name[12] = { "a name of sixteen", "", "", "", "", "", "", "", "", "", "", "" };
	struct tm tm = { .tm_mday = 24, .tm_mon = 11, .tm_year = 126 };
	char buf[32];

	CHECK(datefmt_write_months("dd MMM yyyy", &tm, pt, buf, sizeof buf) == 0, "dd MMM yyyy with pt's names");
	CHECK_STR(buf, "24 dez 2026", "...December is dez");
	CHECK(datefmt_write_months("dd/MM/yyyy", &tm, pt, buf, sizeof buf) == 0 && strcmp(buf, "24/12/2026") == 0,
	    "without MMM the names are not used");
	tm.tm_mon = 0;
	CHECK(datefmt_write_months("MMM dd, yyyy", &tm, long_name, buf, sizeof buf) == -1,
	    "a name longer than a month's part is refused, not cut");
}

static void
test_refused(void)
{
	static const char *const bad[] = {
		"", "dd/MM", "MM/yyyy", "dd/yyyy", "dd/MM/yyyy/dd", "dd/MM/MMM/yyyy", "dd/mm/yyyy",
		"DD/MM/YYYY", "dd/MM/yy", "%d/%m/%Y", "dd_MM_yyyy", "dd/MM/yyyy hh:mm",
	};
	struct tm tm = { .tm_mday = 5, .tm_mon = 2, .tm_year = 127 };
	char buf[32], small[10];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(datefmt_write(bad[i], &tm, buf, sizeof buf) == -1, "refused: \"%s\"", bad[i]);
	CHECK(datefmt_write("dd/MM/yyyy", &tm, small, sizeof small) == -1, "a buffer one byte short");
	CHECK(datefmt_write("dd/MM/yyyy", &tm, small, 0) == -1, "no buffer");
}

int
main(void)
{
	test_patterns();
	test_own_months();
	test_refused();
	return CHECK_DONE();
}
