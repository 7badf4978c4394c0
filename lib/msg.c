/*
 * msg: building the one-line error messages the parsers return.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
msg_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const char *
msg_printable(const char *s, size_t len, size_t max, char *buf, size_t buflen)
{
	size_t i, n = len > max ? max : len;

	if (buflen < max + 4)
		return "";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}
