/*
 * libFuzzer target for oauth_cookie_values, the parser of the Cookie header that
 * oauth-callback trusts for the CSRF check and the flow binding. Beyond "no crash, no
 * leak": never more values than asked for, and each one is exactly 64 lower-case hex
 * digits that occur in the header right after "<name>=".
 */
#include "oauth_cookie.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char values[OAUTH_COOKIE_MAX_VALUES][OAUTH_COOKIE_VALUE_LEN + 1], needle[128];
	char *header = malloc(size + 1);
	size_t n, i;

	if (header == NULL)
		return 0;
	memcpy(header, data, size);
	header[size] = '\0';
	n = oauth_cookie_values(header, OAUTH_COOKIE_CSRF, values, OAUTH_COOKIE_MAX_VALUES);
	if (n > OAUTH_COOKIE_MAX_VALUES)
		abort();
	for (i = 0; i < n; i++) {
		if (strlen(values[i]) != OAUTH_COOKIE_VALUE_LEN ||
		    strspn(values[i], "0123456789abcdef") != OAUTH_COOKIE_VALUE_LEN)
			abort();
		strcpy(needle, OAUTH_COOKIE_CSRF "=");
		strcat(needle, values[i]);
		if (strstr(header, needle) == NULL)
			abort();
	}
	free(header);
	return 0;
}
