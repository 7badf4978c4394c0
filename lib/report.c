/*
 * report: once-a-minute logging of troubles that last. Each process remembers when it
 * last saw a topic's message reported; a stamp file (its time, and a hash of the message
 * in it), under flock, tells the other processes. Another message on the topic is new.
 */
#include "report.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

#define REPORT_TOPICS 16

static int always;
static struct {
	char topic[32];
	char hash[17];
	time_t at;
} report_seen[REPORT_TOPICS];

void
report_every_time(void)
{
	always = 1;
}

/* FNV-1a of the message, as 16 hex digits: the stamp tells messages apart by it. */
static void
topic_hash(const char *msg, char out[17])
{
	uint64_t h = 1469598103934665603ULL;

	for (; *msg != '\0'; msg++)
		h = (h ^ (unsigned char)*msg) * 1099511628211ULL;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* This process's memory of the topic; the least recent slot when it is new. */
static size_t
topic_slot(const char *topic)
{
	size_t i, oldest = 0;

	for (i = 0; i < REPORT_TOPICS; i++) {
		if (strcmp(report_seen[i].topic, topic) == 0)
			return i;
		if (report_seen[i].at < report_seen[oldest].at)
			oldest = i;
	}
	memset(&report_seen[oldest], 0, sizeof report_seen[oldest]);
	snprintf(report_seen[oldest].topic, sizeof report_seen[oldest].topic, "%s", topic);
	return oldest;
}

static int
was_recent(time_t at, time_t now)
{
	return at != 0 && at <= now && now - at < REPORT_INTERVAL_SECONDS;
}

/* Writing the hash also sets the file's time, which is the stamp. */
static void
stamp(int fd, const char *hash)
{
	if (pwrite(fd, hash, 16, 0) != 16)
		return; /* unstamped: other processes may report it too, nothing worse */
}

/* 1 when another process reported this message within the interval; else stamps it as ours. */
static int
shared(const char *dir, const char *topic, const char *hash, time_t now)
{
	char path[512], err[256], stamped[17] = "";
	struct stat st;
	int fd, recent = 0;

	if (dir == NULL)
		return 0;
	snprintf(path, sizeof path, "%s/%s.reported", dir, topic);
	fd = store_file_open(path, 1, 1, err, sizeof err);
	if (fd < 0)
		return 0; /* no stamp to share: this process's own memory still limits it */
	if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0) {
		recent = pread(fd, stamped, 16, 0) == 16 && strcmp(stamped, hash) == 0 &&
		    was_recent(st.st_mtime, now);
		if (!recent)
			stamp(fd, hash);
	}
	close(fd);
	return recent;
}

void
report_trouble(const char *dir, const char *topic, const char *fmt, ...)
{
	char msg[1024], hash[17];
	time_t now = time(NULL);
	size_t slot = topic_slot(topic);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	topic_hash(msg, hash);
	if (!always) {
		if (strcmp(report_seen[slot].hash, hash) == 0 && was_recent(report_seen[slot].at, now))
			return;
		snprintf(report_seen[slot].hash, sizeof report_seen[slot].hash, "%s", hash);
		report_seen[slot].at = now;
		if (shared(dir, topic, hash, now))
			return;
	}
	log_err("%s", msg);
}
