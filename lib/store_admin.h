/*
 * store_admin: the administrator's care of the state files: a full read to find damage,
 * GDBM's own recovery, a portable dump and its restore, and pruning of records that
 * have expired. Each works under the same lock as the programs, so it can run live.
 */
#ifndef KZS_STORE_ADMIN_H
#define KZS_STORE_ADMIN_H

#include <stddef.h>

/* The state files, for commands that act on all of them. */
extern const char *const store_names[];
extern const size_t store_count;

/* Reads every record. 0 and the count in *records when sound; -1 with why in err. */
int store_check(const char *dir, const char *name, size_t *records, char *err, size_t errlen);

/* Rebuilds a damaged file with gdbm_recover, keeping a backup beside it. */
int store_recover(const char *dir, const char *name, char *err, size_t errlen);

/* Writes the file as GDBM's ASCII dump to path (portable between machines). */
int store_dump(const char *dir, const char *name, const char *path, char *err, size_t errlen);

/* Replaces the file's content with the dump at path. */
int store_restore(const char *dir, const char *name, const char *path, char *err, size_t errlen);

/* Deletes delivery keys of the seen store whose expiry has passed. Returns how many. */
int store_prune_seen(const char *dir, long long now, char *err, size_t errlen);

#endif
