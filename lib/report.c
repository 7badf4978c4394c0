/*
 * report: once-a-minute logging of troubles that last. Each process remembers when it
 * last saw a topic reported; a stamp file's time, under flock, tells the other processes.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

#define REPORT_TOPICS 16

static int report_always;
static struct {
	char topic[32];
	time_t at;
} report_seen[REPORT_TOPICS];

void
report_every_time(void)
{
	report_always = 1;
}

/* This process's memory of the topic; the least recent slot when it is new. */
static time_t *
report_slot(const char *topic)
{
	size_t i, oldest = 0;

	for (i = 0; i < REPORT_TOPICS; i++) {
		if (strcmp(report_seen[i].topic, topic) == 0)
			return &report_seen[i].at;
		if (report_seen[i].at < report_seen[oldest].at)
			oldest = i;
	}
	snprintf(report_seen[oldest].topic, sizeof report_seen[oldest].topic, "%s", topic);
	report_seen[oldest].at = 0;
	return &report_seen[oldest].at;
}

static int
report_recent(time_t at, time_t now)
{
	return at != 0 && at <= now && now - at < REPORT_INTERVAL_SECONDS;
}

/* Writing the byte sets the file's time, which is the stamp; a failure only means more lines. */
static void
report_stamp(int fd)
{
	if (pwrite(fd, "1", 1, 0) != 1)
		return;
}

/* 1 when another process reported the topic within the interval; else stamps it as ours. */
static int
report_shared(const char *dir, const char *topic, time_t now, time_t *seen)
{
	char path[512], err[256];
	struct stat st;
	int fd, recent = 0;

	if (dir == NULL)
		return 0;
	snprintf(path, sizeof path, "%s/%s.reported", dir, topic);
	fd = store_file_open(path, 1, 1, err, sizeof err);
	if (fd < 0)
		return 0; /* no stamp to share: this process's own memory still limits it */
	if (flock(fd, LOCK_EX) == 0 && fstat(fd, &st) == 0) {
		/* A fresh stamp file is empty: nobody has reported through it yet. */
		recent = st.st_size > 0 && report_recent(st.st_mtime, now);
		if (recent)
			*seen = st.st_mtime;
		else
			report_stamp(fd);
	}
	close(fd);
	return recent;
}

void
report_trouble(const char *dir, const char *topic, const char *fmt, ...)
{
	char msg[1024];
	time_t now = time(NULL), *seen = report_slot(topic);
	va_list ap;

	if (!report_always && (report_recent(*seen, now) || report_shared(dir, topic, now, seen)))
		return;
	*seen = now;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_err("%s", msg);
}
