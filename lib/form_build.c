/*
 * form_build: two passes, one to size and one to write, so there is one allocation.
 */
#include "form_build.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"

char *
form_build(const char *const *pairs)
{
	size_t i, n = 0, len = 0;
	char **escaped, *out, *p;

	while (pairs[2 * n] != NULL && pairs[2 * n + 1] != NULL)
		n++;
	if ((escaped = calloc(n + 1, sizeof *escaped)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((escaped[i] = http_form_escape(pairs[2 * i + 1])) == NULL)
			goto fail;
		len += strlen(pairs[2 * i]) + 1 + strlen(escaped[i]) + 1;
	}
	if ((out = malloc(len + 1)) == NULL)
		goto fail;
	p = out;
	for (i = 0; i < n; i++) {
		size_t kn = strlen(pairs[2 * i]), vn = strlen(escaped[i]);

		if (i > 0)
			*p++ = '&';
		memcpy(p, pairs[2 * i], kn);
		p += kn;
		*p++ = '=';
		memcpy(p, escaped[i], vn);
		p += vn;
	}
	*p = '\0';
	for (i = 0; i < n; i++)
		free(escaped[i]);
	free(escaped);
	return out;
fail:
	for (i = 0; i < n; i++)
		free(escaped[i]);
	free(escaped);
	return NULL;
}
