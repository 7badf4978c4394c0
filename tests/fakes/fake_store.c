/*
 * fake_store: the fakes' state in files under $FAKE_DIR, shared by all processes.
 */
#include "fake_store.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fake_json.h"
#include "log.h"

static const char *store_dir;
static const char *self_url;

void
fake_store_init(void)
{
	store_dir = getenv("FAKE_DIR");
	self_url = getenv("FAKE_SELF_URL");
	if (store_dir == NULL || *store_dir == '\0' || self_url == NULL || *self_url == '\0') {
		log_err("FAKE_DIR and FAKE_SELF_URL must be set");
		exit(2);
	}
}

const char *
fake_self_url(void)
{
	return self_url;
}

int
fake_path(char *buf, size_t len, const char *rel)
{
	int n = snprintf(buf, len, "%s/%s", store_dir, rel);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* mkdir -p for the directory part of an absolute path. */
static void
make_parents(const char *path)
{
	char dir[4096];
	char *p;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return;
	for (p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST)
			log_warn("mkdir %s: %s", dir, strerror(errno));
		*p = '/';
	}
}

int
fake_exists(const char *rel)
{
	char path[4096];

	return fake_path(path, sizeof path, rel) == 0 && access(path, F_OK) == 0;
}

static int
read_fd(int fd, struct fbuf *out)
{
	char chunk[65536];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		fbuf_add(out, chunk, (size_t)n);
	}
	fbuf_add(out, "", 0); /* NUL-terminated even when empty */
	return 0;
}

int
fake_read(const char *rel, struct fbuf *out)
{
	char path[4096];
	int fd, rc;

	if (fake_path(path, sizeof path, rel) == -1 || (fd = open(path, O_RDONLY)) == -1)
		return -1;
	rc = read_fd(fd, out);
	close(fd);
	return rc;
}

struct json_object *
fake_read_json(const char *rel)
{
	struct fbuf b = {0};
	struct json_object *obj = NULL;

	if (fake_read(rel, &b) == 0)
		obj = json_tokener_parse(b.data);
	fbuf_free(&b);
	return obj;
}

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
fake_write(const char *rel, const void *data, size_t len)
{
	char path[4096], tmp[4200];
	int fd, rc;

	if (fake_path(path, sizeof path, rel) == -1)
		return -1;
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	make_parents(path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1) {
		log_err("open %s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = write_all(fd, data, len);
	if (close(fd) == -1 || rc == -1 || rename(tmp, path) == -1) {
		log_err("write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
fake_write_json(const char *rel, struct json_object *obj)
{
	const char *text = fake_json_string(obj);

	return fake_write(rel, text, strlen(text));
}

/* Opens (creating) $FAKE_DIR/rel and takes an exclusive flock on it. */
static int
open_locked(const char *rel, int flags)
{
	char path[4096];
	int fd;

	if (fake_path(path, sizeof path, rel) == -1)
		return -1;
	make_parents(path);
	if ((fd = open(path, flags | O_CREAT, 0600)) == -1) {
		log_err("open %s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
fake_append_bytes(const char *rel, const void *data, size_t len)
{
	int fd = open_locked(rel, O_WRONLY | O_APPEND);
	int rc;

	if (fd == -1)
		return -1;
	rc = write_all(fd, data, len);
	close(fd);
	return rc;
}

int
fake_append(const char *rel, const char *line)
{
	struct fbuf b = {0};
	int rc;

	fbuf_adds(&b, line);
	fbuf_add(&b, "\n", 1);
	rc = fake_append_bytes(rel, b.data, b.len); /* one write: the line stays whole */
	fbuf_free(&b);
	return rc;
}

int
fake_rename(const char *from, const char *to)
{
	char a[4096], b[4096];

	if (fake_path(a, sizeof a, from) == -1 || fake_path(b, sizeof b, to) == -1)
		return -1;
	make_parents(b);
	return rename(a, b);
}

int
fake_remove(const char *rel)
{
	char path[4096];

	return fake_path(path, sizeof path, rel) == -1 ? -1 : unlink(path);
}

long long
fake_number(const char *rel, long long dflt)
{
	struct fbuf b = {0};
	long long v = dflt;
	char *end;

	if (fake_read(rel, &b) == 0) {
		errno = 0;
		v = strtoll(b.data, &end, 10);
		while (isspace((unsigned char)*end))
			end++;
		if (errno != 0 || end == b.data || *end != '\0')
			v = dflt;
	}
	fbuf_free(&b);
	return v;
}

/* Replaces the content of an open file (used under its flock). */
static int
rewrite_fd(int fd, const char *data, size_t len)
{
	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		return -1;
	return write_all(fd, data, len);
}

long long
fake_next_id(const char *rel, long long first)
{
	int fd = open_locked(rel, O_RDWR);
	struct fbuf b = {0};
	long long v = first;
	char text[32];

	if (fd == -1)
		return -1;
	if (read_fd(fd, &b) == 0 && b.len > 0)
		v = strtoll(b.data, NULL, 10) + 1;
	snprintf(text, sizeof text, "%lld\n", v);
	if (rewrite_fd(fd, text, strlen(text)) == -1)
		v = -1;
	fbuf_free(&b);
	close(fd);
	return v;
}

int
fake_find_line(const char *rel, const char *word, char *rest, size_t restlen)
{
	struct fbuf b = {0};
	size_t wlen = strlen(word);
	char *line, *save = NULL;
	int found = 0;

	if (wlen == 0 || fake_read(rel, &b) == -1)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		char *end;

		while (isspace((unsigned char)*line))
			line++;
		if (strncmp(line, word, wlen) != 0 ||
		    (line[wlen] != '\0' && !isspace((unsigned char)line[wlen])))
			continue;
		found = 1;
		line += wlen;
		while (isspace((unsigned char)*line))
			line++;
		end = line + strlen(line);
		while (end > line && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (rest != NULL)
			snprintf(rest, restlen, "%s", line);
	}
out:
	fbuf_free(&b);
	return found;
}

static int
by_id(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);

	return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x, y);
}

struct json_object *
fake_list(const char *dir_rel)
{
	struct json_object *out = json_object_new_array();
	char path[4096], **names = NULL;
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;

	if (fake_path(path, sizeof path, dir_rel) == -1 || (d = opendir(path)) == NULL)
		return out;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 5 && e->d_name[0] != '.' && strcmp(e->d_name + len - 5, ".json") == 0) {
			char **grown = realloc(names, (n + 1) * sizeof *names);

			if (grown == NULL)
				break;
			names = grown;
			names[n++] = strndup(e->d_name, len - 5);
		}
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, by_id);
	for (i = 0; i < n; i++) {
		json_object_array_add(out, json_object_new_string(names[i]));
		free(names[i]);
	}
	free(names);
	return out;
}

int
fake_lock(const char *rel)
{
	return open_locked(rel, O_RDWR);
}

void
fake_unlock(int fd)
{
	if (fd != -1)
		close(fd); /* closing the only descriptor releases the flock */
}

int
fake_admit(const char *rel, long long limit, long long window_ms)
{
	long long now = fake_now_ms();
	struct fbuf in = {0}, kept = {0};
	char *line, *save = NULL;
	long long count = 0;
	int fd, admitted;

	if (limit <= 0)
		return 1;
	if ((fd = open_locked(rel, O_RDWR)) == -1)
		return 1;
	read_fd(fd, &in);
	for (line = strtok_r(in.data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		long long at = strtoll(line, NULL, 10);

		if (at > now - window_ms) {
			fbuf_addf(&kept, "%lld\n", at);
			count++;
		}
	}
	admitted = count < limit;
	if (admitted)
		fbuf_addf(&kept, "%lld\n", now);
	rewrite_fd(fd, kept.data ? kept.data : "", kept.len);
	fbuf_free(&in);
	fbuf_free(&kept);
	close(fd);
	return admitted;
}

long long
fake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
fake_random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	size_t i;

	if (nbytes > sizeof raw)
		nbytes = sizeof raw;
	if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes) {
		log_err("getrandom: %s", strerror(errno));
		exit(70);
	}
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	out[2 * nbytes] = '\0';
}
