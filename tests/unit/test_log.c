/* Unit tests for log_escape: no value from outside can start a log line of its own. */
#include "log.h"

#include "check.h"

static const char *
escaped(const char *in, size_t outlen)
{
	static char out[256];

	log_escape(in, out, outlen);
	return out;
}

int
main(void)
{
	CHECK_STR(escaped("Jane Doe <jane@example.com>", 256), "Jane Doe <jane@example.com>",
	    "plain text stays as it is");
	CHECK_STR(escaped("Eve\r\nX-Injected: yes", 256), "Eve\\r\\nX-Injected: yes",
	    "CR and LF become \\r and \\n: one line");
	CHECK_STR(escaped("a\tb\x1b[31mc\x7f", 256), "a\\tb\\x1b[31mc\\x7f",
	    "tab, ESC and DEL are escaped: no terminal escapes");
	CHECK_STR(escaped("C:\\n", 256), "C:\\\\n", "a backslash is doubled, so a literal \\n reads back apart");
	CHECK_STR(escaped("Zoë 北京", 256), "Zoë 北京", "UTF-8 text stays readable");
	CHECK_STR(escaped("ab\ncd", 4), "ab", "cut before an escape that would not fit");
	CHECK_STR(escaped("abcdef", 4), "abc", "cut to the buffer, terminated");
	return CHECK_DONE();
}
