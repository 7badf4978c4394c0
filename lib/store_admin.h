/*
 * store_admin: the administrator's care of the state files: a full read to find damage,
 * GDBM's own recovery, a portable dump and its verified restore, and pruning of records that
 * have expired. Each works under the same lock as the programs, so it can run live.
 * With [state] backend = mariadb the state files are the database's tables: check,
 * dump, restore and prune work on them through the store's transactions and make and
 * read the same dump files, so a dump moves the state from one backend to the other;
 * recover is for GDBM files only.
 */
#ifndef KZS_STORE_ADMIN_H
#define KZS_STORE_ADMIN_H

#include <stddef.h>

/* The state files, for commands that act on all of them. */
extern const char *const store_admin_names[];
extern const size_t store_admin_count;

/* 1 when name is one of store_admin_names. */
int store_admin_known(const char *name);

/* 1 when the state file name exists (a file written at least once; a table always). */
int store_admin_present(const char *dir, const char *name);

/*
 * 0 when the state can be used now: with the database, connected and its schema and
 * tables as this build knows them; with GDBM files, always (each file is judged when
 * it is opened). -1 with the one-line reason in err, which the store has also logged.
 */
int store_admin_usable(const char *dir, char *err, size_t errlen);

/* Reads every record. 0 and the count in *records when sound; -1 with why in err. */
int store_admin_check(const char *dir, const char *name, size_t *records, char *err, size_t errlen);

/* Rebuilds a damaged file with gdbm_recover, keeping a backup beside it. Refused, with
 * the reason in err, when the state is in the database. */
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

/* Renames the new file over the live one under the file's lock and syncs the directory;
 * with the database, replaces the table's rows by the new file's records in one
 * transaction (and removes the file). */
int store_admin_restore_swap(const char *dir, struct store_admin_restore *r, char *err, size_t errlen);

/* Removes a loaded file that will not be swapped in. */
void store_admin_restore_drop(struct store_admin_restore *r);

/* Deletes delivery keys of the seen store whose expiry has passed. Returns how many. */
int store_admin_prune_seen(const char *dir, long long now, char *err, size_t errlen);

#endif
