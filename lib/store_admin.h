/*
 * store_admin: the administrator's care of the state files: a full read to find damage,
 * GDBM's own recovery, a portable dump and its verified restore, and pruning of records that
 * have expired. Each works under the same lock as the programs, so it can run live.
 */
#ifndef KZS_STORE_ADMIN_H
#define KZS_STORE_ADMIN_H

#include <stddef.h>

/* The state files, for commands that act on all of them. */
extern const char *const store_admin_names[];
extern const size_t store_admin_count;

/* 1 when name is one of store_admin_names. */
int store_admin_known(const char *name);

/* Reads every record. 0 and the count in *records when sound; -1 with why in err. */
int store_admin_check(const char *dir, const char *name, size_t *records, char *err, size_t errlen);

/* Rebuilds a damaged file with gdbm_recover, keeping a backup beside it. */
int store_admin_recover(const char *dir, const char *name, char *err, size_t errlen);

/*
 * Writes the file as GDBM's ASCII dump to path (portable between machines), through a
 * new file renamed over path, so a dump is whole or absent.
 */
int store_admin_dump(const char *dir, const char *name, const char *path, char *err, size_t errlen);

/* A dump loaded into a new file beside the live one, waiting to be swapped in. */
struct store_admin_restore {
	char name[32];
	char tmp[512]; /* the new file; "" once swapped in or dropped */
	unsigned long long records;
};

/*
 * Loads the dump at path into a new file and checks it: every line parses, it ends with
 * its record count and "# End of data", the count matches, it is a dump of this file.
 * The live file is not touched. -1 with why in err (the new file is removed).
 */
int store_admin_restore_load(const char *dir, const char *name, const char *path,
    struct store_admin_restore *r, char *err, size_t errlen);

/* Renames the new file over the live one under the file's lock and syncs the directory. */
int store_admin_restore_swap(const char *dir, struct store_admin_restore *r, char *err, size_t errlen);

/* Removes a loaded file that will not be swapped in. */
void store_admin_restore_drop(struct store_admin_restore *r);

/* Deletes delivery keys of the seen store whose expiry has passed. Returns how many. */
int store_admin_prune_seen(const char *dir, long long now, char *err, size_t errlen);

#endif
