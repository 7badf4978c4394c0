/*
 * Unit tests for lib/zone.c: which names are taken, which zones this machine has, and
 * that local time then follows the zone, daylight saving included.
 */
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "zone.h"

static void
test_names(void)
{
	static const char *const good[] = { "UTC", "Europe/Amsterdam", "America/Port-au-Prince",
		"Etc/GMT+1", "America/Argentina/Buenos_Aires", "EST5EDT" };
	static const char *const bad[] = { "", "/etc/passwd", "../etc/passwd", "Europe/../../etc/passwd",
		"Europe/", ":Europe/Amsterdam", "Europe//Amsterdam", "Europe/Amsterdam ", ".hidden",
		"Europe/Am$terdam" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		CHECK(zone_name_ok(good[i]), "%s is a zone name", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!zone_name_ok(bad[i]), "\"%s\" is refused", bad[i]);
	CHECK(!zone_name_ok(NULL), "NULL is refused");
}

static void
test_installed(void)
{
	CHECK(zone_installed("UTC"), "UTC is always there");
	CHECK(zone_installed("Europe/Amsterdam"), "Europe/Amsterdam is in the tz database (tzdata)");
	CHECK(!zone_installed("Europe/Atlantis"), "a zone that does not exist");
	CHECK(!zone_installed("Europe"), "a directory of zones is not a zone");
	CHECK(!zone_installed("../../etc/passwd"), "a path out of the database is not looked at");
	setenv("TZDIR", "/nonexistent", 1);
	CHECK(!zone_installed("Europe/Amsterdam"), "TZDIR is where zones are looked up");
	CHECK(zone_installed("UTC"), "UTC even without a database");
	unsetenv("TZDIR");
}

static void
test_local_time(void)
{
	const time_t winter = 1798761600; /* 2027-01-01 00:00 UTC */
	const time_t summer = 1814400000; /* 2027-07-01 00:00 UTC */
	struct tm tm;

	zone_use("Europe/Amsterdam");
	localtime_r(&winter, &tm);
	CHECK(tm.tm_hour == 1 && tm.tm_mday == 1 && tm.tm_year == 127, "Amsterdam in winter is UTC+1");
	localtime_r(&summer, &tm);
	CHECK(tm.tm_hour == 2, "Amsterdam in summer is UTC+2");
	zone_use("Pacific/Pago_Pago");
	localtime_r(&winter, &tm);
	CHECK(tm.tm_mday == 31 && tm.tm_mon == 11 && tm.tm_year == 126 && tm.tm_hour == 13,
	    "Pago Pago is still in 2026 (UTC-11)");
	zone_use("UTC");
	localtime_r(&winter, &tm);
	CHECK(tm.tm_hour == 0 && tm.tm_mday == 1, "back to UTC");
}

int
main(void)
{
	test_names();
	test_installed();
	test_local_time();
	return CHECK_DONE();
}
