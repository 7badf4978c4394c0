/*
 * fake_store: the fakes' state. Everything lives in files under $FAKE_DIR so that any
 * number of fake processes (and the tests, which write fixtures) see the same thing.
 * Paths given to these functions are relative to $FAKE_DIR.
 */
#ifndef FAKE_STORE_H
#define FAKE_STORE_H

#include <stddef.h>

#include "fake_buf.h"

struct json_object;

/* Reads FAKE_DIR and FAKE_SELF_URL from the environment; exits when they are missing. */
void fake_store_init(void);
const char *fake_self_url(void);

/* $FAKE_DIR/<rel> into buf; -1 when it does not fit. */
int fake_path(char *buf, size_t len, const char *rel);

int fake_exists(const char *rel);
/* Whole file into out (appended); -1 when it cannot be read. */
int fake_read(const char *rel, struct fbuf *out);
/* Parsed JSON, or NULL when the file is missing or not JSON. */
struct json_object *fake_read_json(const char *rel);

/* Replace the file atomically (temporary file + rename), creating directories. */
int fake_write(const char *rel, const void *data, size_t len);
int fake_write_json(const char *rel, struct json_object *obj);
/* Append bytes, or one line (a newline is added), under an exclusive flock. */
int fake_append_bytes(const char *rel, const void *data, size_t len);
int fake_append(const char *rel, const char *line);
int fake_rename(const char *from, const char *to);
int fake_remove(const char *rel);

/* An integer setting from a file (tests write e.g. kommo/rate_limit); dflt when absent. */
long long fake_number(const char *rel, long long dflt);
/* Next value of a counter kept in a file, starting at first. */
long long fake_next_id(const char *rel, long long first);

/*
 * Finds the first line whose first word is `word`; copies the rest of the line,
 * trimmed, into rest (may be NULL). Returns 1 when found.
 */
int fake_find_line(const char *rel, const char *word, char *rest, size_t restlen);

/*
 * Names (without ".json") of the *.json files in a directory, shortest first, then by
 * bytes (numeric order for ids). A JSON array of strings, empty when there is none.
 */
struct json_object *fake_list(const char *dir_rel);

/* Exclusive flock on a lock file; returns the descriptor for fake_unlock, or -1. */
int fake_lock(const char *rel);
void fake_unlock(int fd);

/*
 * Rolling-window limiter shared by all processes: admits (and records) a call when
 * fewer than `limit` calls were admitted in the last window_ms. limit <= 0 admits all.
 */
int fake_admit(const char *rel, long long limit, long long window_ms);

long long fake_now_ms(void);
/* 2 * nbytes lowercase hex digits and a NUL into out. */
void fake_random_hex(char *out, size_t nbytes);

#endif
