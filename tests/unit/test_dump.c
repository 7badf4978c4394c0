/*
 * Unit tests for lib/dump.c: a dump as GDBM writes it is read record by record; a dump
 * cut at any byte, a count that does not match, text that does not decode to its
 * length, or anything after the end is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dump.h"

/* Written by gdbm_dump (GDBM 1.23): key0..key2 with values, one empty value, one long. */
static const char good[] =
    "# GDBM dump file created by GDBM version 1.23. 04/02/2022 on Sun Dec  6 23:20:21 2026\n"
    "#:version=1.1\n"
    "#:file=deals.db\n"
    "#:uid=0,user=root,gid=0,group=root,mode=600\n"
    "#:format=standard\n"
    "# End of header\n"
    "#:len=4\n"
    "a2V5MA==\n"
    "#:len=14\n"
    "dmFsdWUgbnVtYmVyIDA=\n"
    "#:len=1\n"
    "ZQ==\n"
    "#:len=0\n"
    "#:len=1\n"
    "aw==\n"
    "#:len=60\n"
    "eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4\n"
    "eHh4\n"
    "#:count=3\n"
    "# End of data\n";

struct seen {
	int records;
	size_t bytes;
	char first_key[16], first_val[32];
};

static int
collect(const char *key, size_t keylen, const char *val, size_t vallen, void *arg, char *err,
    size_t errlen)
{
	struct seen *s = arg;

	(void)err;
	(void)errlen;
	if (s->records++ == 0) {
		snprintf(s->first_key, sizeof s->first_key, "%.*s", (int)keylen, key);
		snprintf(s->first_val, sizeof s->first_val, "%.*s", (int)vallen, val);
	}
	s->bytes += keylen + vallen;
	return 0;
}

/* Feeds text line by line; 0 when the whole dump is accepted. */
static int
parse(const char *text, size_t len, struct seen *s, char *err, size_t errlen)
{
	struct dump_parse p;
	size_t pos = 0;
	int rc = 0;

	memset(s, 0, sizeof *s);
	dump_parse_init(&p, collect, s);
	while (rc == 0 && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		rc = dump_parse_line(&p, text + pos, n, err, errlen);
		pos += n + (nl ? 1 : 0);
	}
	if (rc == 0)
		rc = dump_parse_end(&p, err, errlen);
	dump_parse_free(&p);
	return rc;
}

static void
refused(const char *text, const char *want, const char *desc)
{
	struct seen s;
	char err[256] = "";

	CHECK(parse(text, strlen(text), &s, err, sizeof err) == -1 && strstr(err, want) != NULL,
	    "%s: refused (%s)", desc, err);
}

/* good with the first occurrence of from replaced by to must be refused with want. */
static void
refused_altered(const char *from, const char *to, const char *want, const char *desc)
{
	const char *at = strstr(good, from);
	char *text = malloc(sizeof good + strlen(to));

	snprintf(text, sizeof good + strlen(to), "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	refused(text, want, desc);
	free(text);
}

int
main(void)
{
	struct seen s;
	char err[256];
	size_t cut, cut_accepted = 0;

	CHECK(parse(good, strlen(good), &s, err, sizeof err) == 0, "a dump as GDBM writes it is read (%s)", err);
	CHECK(s.records == 3, "three records (got %d)", s.records);
	CHECK_STR(s.first_key, "key0", "the first key decodes");
	CHECK_STR(s.first_val, "value number 0", "the first value decodes");
	CHECK(s.bytes == 4 + 14 + 1 + 0 + 1 + 60, "every byte of every record (got %zu)", s.bytes);

	for (cut = 0; cut < strlen(good) - 1; cut++)
		if (parse(good, cut, &s, err, sizeof err) == 0)
			cut_accepted++;
	CHECK(cut_accepted == 0, "a dump cut at any byte before its end is refused (%zu accepted)", cut_accepted);
	CHECK(parse(good, strlen(good) - 1, &s, err, sizeof err) == 0, "only the last newline may be missing");

	refused_altered("#:count=3", "#:count=4", "the count does not match", "a count one too high");
	refused_altered("#:count=3\n", "", "expected #:len= or #:count=", "no count before the end");
	refused_altered("a2V5MA==", "a2V5MQ", "cut short", "base64 shorter than its #:len=");
	refused_altered("#:len=4\n", "#:len=5\n", "does not decode", "a #:len= that does not fit its text");
	refused_altered("a2V5MA==", "a2V5M!==", "does not decode", "a character outside base64");
	refused_altered("# End of data\n", "# End of data\n#:len=1\n", "after \"# End of data\"", "text after the end");
	refused_altered("#:format=standard", "#:format=numsync", "standard format", "another format");
	refused_altered("#:len=60", "#:len=99999999999", "up to 16 MiB", "a length beyond the limit");
	refused("!\r\n! GDBM FLAT FILE DUMP -- THIS IS NOT A TEXT FILE\n", "not a GDBM dump", "a binary dump");
	refused("", "incomplete", "an empty file");
	return CHECK_DONE();
}
