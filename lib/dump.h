/*
 * dump: reads GDBM's ASCII dump format (what gdbm_dump and kzsctl dump write) strictly,
 * one line at a time, with no I/O, so that a truncated or altered dump is refused.
 */
#ifndef KZS_DUMP_H
#define KZS_DUMP_H

#include <stddef.h>

#define DUMP_MAX_LINE 4096          /* GDBM writes 76 characters of base64 a line */
#define DUMP_MAX_DATUM (16 << 20)   /* one key or value */

/* Called once per record; non-zero refuses the dump (why in err). */
typedef int (*dump_record_fn)(const char *key, size_t keylen, const char *val, size_t vallen,
    void *arg, char *err, size_t errlen);

struct dump_parse {
	int stage;             /* header, data, after the count, done */
	unsigned long line;    /* lines read so far */
	char file[256];        /* the #:file= of the header, "" when absent */
	unsigned long long records, count;
	char *datum[2];        /* key and value being read (base64 text) */
	size_t want[2], have[2], len[2];
	int which;             /* 0 reading a key, 1 its value */
	int pending;           /* a #:len= line awaits its text */
	dump_record_fn fn;
	void *arg;
};

void dump_parse_init(struct dump_parse *p, dump_record_fn fn, void *arg);

/* One line without its newline. 0, or -1 with "line N: why" in err. */
int dump_parse_line(struct dump_parse *p, const char *line, size_t len, char *err, size_t errlen);

/*
 * After the last line: 0 when the dump ended with its record count and "# End of data"
 * and the count matches the records read; -1 with why in err (a truncated dump).
 */
int dump_parse_end(struct dump_parse *p, char *err, size_t errlen);

void dump_parse_free(struct dump_parse *p);

#endif
