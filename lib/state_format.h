/*
 * state_format: the version of the state folder's layout, kept in the small file
 * "format" beside the state files (a file of its own, so no GDBM file that prune or
 * list walk through holds a foreign record). A build refuses a state written in a
 * newer format than it knows, instead of misreading it; an older one it upgrades.
 */
#ifndef KZS_STATE_FORMAT_H
#define KZS_STATE_FORMAT_H

#include <stddef.h>

/* The newest format this build reads and writes. Raise it when the layout changes,
 * and add the upgrade from the previous one to state_format_use. */
#define STATE_FORMAT 1
#define STATE_FORMAT_FILE "format"

/*
 * Makes the state in dir usable by this build: an older recorded format is upgraded in
 * place to STATE_FORMAT; state files without a recorded format (kept before it was
 * recorded) are marked STATE_FORMAT; a folder with no state file yet is left alone.
 * Returns 0 when usable; the format found when it is newer than STATE_FORMAT, with the
 * one-line refusal in err; -1 when the format file cannot be read or written, with why.
 */
int state_format_use(const char *dir, char *err, size_t errlen);

/* The format recorded in dir into *found (0: none recorded yet), changing nothing;
 * -1 with why in err when the format file cannot be read. */
int state_format_read(const char *dir, int *found, char *err, size_t errlen);

/*
 * The refusal for a state written in format found: install the newer build or restore
 * a dump. dir NULL leaves the folder out (for an answer to a remote).
 */
void state_format_newer(const char *dir, int found, char *buf, size_t len);

/*
 * Records STATE_FORMAT in dir unless a format is recorded there already: called when a
 * state file is created. Looks at the folder once per process. 0, or -1 with why in err.
 */
int state_format_mark(const char *dir, char *err, size_t errlen);

/* Records STATE_FORMAT in dir, replacing what is there (after a restore of every file). */
int state_format_set(const char *dir, char *err, size_t errlen);

#endif
