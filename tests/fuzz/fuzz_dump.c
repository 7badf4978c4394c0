/*
 * libFuzzer target for the dump parser behind kzsctl restore. Beyond "no crash, no
 * leak": an accepted dump ended with "# End of data" and its count equals the records
 * handed out; a refusal carries a one-line printable reason.
 */
#include "dump.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count_record(const char *key, size_t keylen, const char *val, size_t vallen, void *arg, char *err,
    size_t errlen)
{
	(void)key;
	(void)val;
	(void)err;
	(void)errlen;
	if (keylen > DUMP_MAX_DATUM || vallen > DUMP_MAX_DATUM)
		abort();
	(*(unsigned long long *)arg)++;
	return 0;
}

/* A reason is one line of printable ASCII, never empty. */
static int
reason_ok(const char *err)
{
	const unsigned char *c = (const unsigned char *)err;

	while (*c >= 0x20 && *c < 0x7f)
		c++;
	return *c == '\0' && c != (const unsigned char *)err;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	unsigned long long records = 0;
	struct dump_parse p;
	char err[256] = "";
	size_t pos = 0;
	int rc = 0;

	dump_parse_init(&p, count_record, &records);
	while (rc == 0 && pos < size) {
		const char *nl = memchr(text + pos, '\n', size - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : size - pos;

		rc = dump_parse_line(&p, text + pos, n, err, sizeof err);
		pos += n + (nl ? 1 : 0);
	}
	if (rc == 0)
		rc = dump_parse_end(&p, err, sizeof err);
	if (rc == 0 && (records != p.count || records != p.records))
		abort();
	if (rc != 0 && !reason_ok(err))
		abort();
	dump_parse_free(&p);
	return 0;
}
