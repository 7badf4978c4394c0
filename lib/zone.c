/*
 * zone: a name from the config becomes the TZ variable, so the C library does the
 * daylight saving arithmetic from the tz database (Debian's tzdata).
 */
#include "zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZONE_DIR_DEFAULT "/usr/share/zoneinfo"

int
zone_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || name[0] == '\0' || name[0] == '/' || name[0] == '.' ||
	    strlen(name) > 64 || strstr(name, "..") != NULL || strstr(name, "//") != NULL)
		return 0;
	for (p = name; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			strchr("/_+-", *p) != NULL))
			return 0;
	}
	return p[-1] != '/';
}

const char *
zone_dir(void)
{
	const char *dir = getenv("TZDIR");

	return dir != NULL && dir[0] != '\0' ? dir : ZONE_DIR_DEFAULT;
}

int
zone_installed(const char *name)
{
	char path[512];
	struct stat st;

	if (!zone_name_ok(name))
		return 0;
	if (strcmp(name, "UTC") == 0)
		return 1; /* the C library knows it without the database */
	if ((size_t)snprintf(path, sizeof path, "%s/%s", zone_dir(), name) >= sizeof path)
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

void
zone_use(const char *name)
{
	const char *now = getenv("TZ");

	if (now != NULL && strcmp(now, name) == 0)
		return;
	setenv("TZ", name, 1);
	tzset();
}
