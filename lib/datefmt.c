/*
 * datefmt: the pattern is read token by token, so nothing from the config file ever
 * reaches a printf or strftime format.
 */
#include "datefmt.h"

#include <stdio.h>
#include <string.h>

int
datefmt_write(const char *pattern, const struct tm *tm, char *buf, size_t len)
{
	/* Zoho's own short names: what a template's date field holds. */
	static const char *const english[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };

	return datefmt_write_months(pattern, tm, english, buf, len);
}

int
datefmt_write_months(const char *pattern, const struct tm *tm, const char *const months[12],
    char *buf, size_t len)
{
	int day = 0, month = 0, year = 0;
	size_t used = 0;

	if (len == 0)
		return -1;
	while (*pattern) {
		char part[16];
		int n;

		if (strncmp(pattern, "yyyy", 4) == 0) {
			n = snprintf(part, sizeof part, "%04d", tm->tm_year + 1900);
			year++;
			pattern += 4;
		} else if (strncmp(pattern, "MMM", 3) == 0) {
			n = snprintf(part, sizeof part, "%s", months[(unsigned)tm->tm_mon % 12]);
			month++;
			pattern += 3;
		} else if (strncmp(pattern, "MM", 2) == 0) {
			n = snprintf(part, sizeof part, "%02d", tm->tm_mon + 1);
			month++;
			pattern += 2;
		} else if (strncmp(pattern, "dd", 2) == 0) {
			n = snprintf(part, sizeof part, "%02d", tm->tm_mday);
			day++;
			pattern += 2;
		} else if (strchr("/-., ", *pattern) != NULL) {
			n = snprintf(part, sizeof part, "%c", *pattern);
			pattern++;
		} else {
			return -1;
		}
		if (n < 0 || (size_t)n >= sizeof part || used + (size_t)n >= len)
			return -1;
		memcpy(buf + used, part, (size_t)n + 1);
		used += (size_t)n;
	}
	buf[used] = '\0';
	return day == 1 && month == 1 && year == 1 ? 0 : -1;
}
