/*
 * dump: the parser behind kzsctl restore. GDBM's own loader accepts a dump cut short
 * (and crashes on some), so the count and the end marker GDBM writes are required here.
 */
#include "dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

enum { STAGE_HEADER, STAGE_DATA, STAGE_COUNTED, STAGE_DONE };

void
dump_parse_init(struct dump_parse *p, dump_record_fn fn, void *arg)
{
	memset(p, 0, sizeof *p);
	p->fn = fn;
	p->arg = arg;
}

void
dump_parse_free(struct dump_parse *p)
{
	free(p->datum[0]);
	free(p->datum[1]);
	p->datum[0] = p->datum[1] = NULL;
}

static int
fail(struct dump_parse *p, char *err, size_t errlen, const char *why)
{
	msg_set(err, errlen, "line %lu: %s", p->line, why);
	return -1;
}

/* 1 when line starts with prefix; *rest is what follows. */
static int
starts(const char *line, size_t len, const char *prefix, const char **rest, size_t *restlen)
{
	size_t n = strlen(prefix);

	if (len < n || memcmp(line, prefix, n) != 0)
		return 0;
	*rest = line + n;
	*restlen = len - n;
	return 1;
}

/* A decimal number of 1 to 19 digits, nothing else. */
static int
number(const char *s, size_t len, unsigned long long *out)
{
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	*out = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*out = *out * 10 + (unsigned long long)(s[i] - '0');
	}
	return 0;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes text (a multiple of 4) in place; -1 unless it is exactly want bytes of base64. */
static int
b64_decode(char *text, size_t textlen, size_t want)
{
	size_t i, o = 0, pad = 0;

	if (textlen % 4 != 0)
		return -1;
	for (i = 0; i < textlen; i += 4) {
		int v[4], k;

		for (k = 0; k < 4; k++) {
			char c = text[i + (size_t)k];

			if (c == '=' && i + 4 == textlen && k >= 2 && (k == 3 || text[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = b64_value(c)) < 0 || pad > 0) {
				return -1;
			}
		}
		text[o++] = (char)(v[0] << 2 | v[1] >> 4);
		text[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		text[o++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	return o - pad == want ? 0 : -1;
}

static int
header_line(struct dump_parse *p, const char *line, size_t len, char *err, size_t errlen)
{
	const char *rest;
	size_t n;

	if (p->line == 1 && !starts(line, len, "# GDBM dump file", &rest, &n))
		return fail(p, err, errlen, "not a GDBM dump (it starts with \"# GDBM dump file\")");
	if (len == 15 && memcmp(line, "# End of header", 15) == 0) {
		p->stage = STAGE_DATA;
		return 0;
	}
	if (starts(line, len, "#:file=", &rest, &n)) {
		if (n >= sizeof p->file)
			return fail(p, err, errlen, "file name too long");
		memcpy(p->file, rest, n);
		p->file[n] = '\0';
	} else if (starts(line, len, "#:format=", &rest, &n) && !(n == 8 && memcmp(rest, "standard", 8) == 0)) {
		return fail(p, err, errlen, "only the standard format is read");
	} else if (len == 0 || line[0] != '#') {
		return fail(p, err, errlen, "expected a header line (#...) or \"# End of header\"");
	}
	return 0;
}

/* A complete key, or a value that completes a record. */
static int
datum_done(struct dump_parse *p, char *err, size_t errlen)
{
	int w = p->which;

	if (b64_decode(p->datum[w], p->have[w], p->len[w]) == -1)
		return fail(p, err, errlen, "the text does not decode to the length given by #:len=");
	p->pending = 0;
	if (w == 0) {
		p->which = 1;
		return 0;
	}
	p->which = 0;
	p->records++;
	if (p->fn(p->datum[0], p->len[0], p->datum[1], p->len[1], p->arg, err, errlen) != 0) {
		char why[256];

		snprintf(why, sizeof why, "%s", err);
		return fail(p, err, errlen, why);
	}
	return 0;
}

static int
len_line(struct dump_parse *p, const char *rest, size_t n, char *err, size_t errlen)
{
	unsigned long long len;
	int w = p->which;

	if (number(rest, n, &len) == -1 || len > DUMP_MAX_DATUM)
		return fail(p, err, errlen, "#:len= needs a length up to 16 MiB");
	p->len[w] = (size_t)len;
	p->want[w] = (p->len[w] + 2) / 3 * 4;
	p->have[w] = 0;
	free(p->datum[w]);
	p->datum[w] = malloc(p->want[w] + 1);
	if (p->datum[w] == NULL)
		return fail(p, err, errlen, "out of memory");
	p->pending = 1;
	return p->want[w] == 0 ? datum_done(p, err, errlen) : 0;
}

static int
data_line(struct dump_parse *p, const char *line, size_t len, char *err, size_t errlen)
{
	const char *rest;
	size_t n;
	int w = p->which;

	if (p->pending) {
		if (len == 0 || line[0] == '#' || len > p->want[w] - p->have[w])
			return fail(p, err, errlen, "a record's text is cut short or too long");
		memcpy(p->datum[w] + p->have[w], line, len);
		p->have[w] += len;
		return p->have[w] == p->want[w] ? datum_done(p, err, errlen) : 0;
	}
	if (starts(line, len, "#:len=", &rest, &n))
		return len_line(p, rest, n, err, errlen);
	if (starts(line, len, "#:count=", &rest, &n)) {
		if (p->which != 0)
			return fail(p, err, errlen, "a key without its value before the count");
		if (number(rest, n, &p->count) == -1)
			return fail(p, err, errlen, "#:count= needs a number");
		if (p->count != p->records)
			return fail(p, err, errlen, "the count does not match the records before it");
		p->stage = STAGE_COUNTED;
		return 0;
	}
	return fail(p, err, errlen, "expected #:len= or #:count=");
}

int
dump_parse_line(struct dump_parse *p, const char *line, size_t len, char *err, size_t errlen)
{
	p->line++;
	if (len > DUMP_MAX_LINE)
		return fail(p, err, errlen, "line too long");
	switch (p->stage) {
	case STAGE_HEADER:
		return header_line(p, line, len, err, errlen);
	case STAGE_DATA:
		return data_line(p, line, len, err, errlen);
	case STAGE_COUNTED:
		if (len == 13 && memcmp(line, "# End of data", 13) == 0) {
			p->stage = STAGE_DONE;
			return 0;
		}
		return fail(p, err, errlen, "expected \"# End of data\" after the count");
	default:
		return fail(p, err, errlen, "text after \"# End of data\"");
	}
}

int
dump_parse_end(struct dump_parse *p, char *err, size_t errlen)
{
	if (p->stage == STAGE_DONE)
		return 0;
	msg_set(err, errlen, "incomplete: it ends after line %lu without %s", p->line,
	    p->stage == STAGE_COUNTED ? "\"# End of data\"" : "its record count and \"# End of data\"");
	return -1;
}
