/*
 * token: the life of an access token a remote gives us, the same for Kommo's and
 * Zoho's. The token is cached for all processes in the tokens store with its expiry,
 * read once per job step (step.h) and kept in memory for the rest of the step, renewed
 * by one process at a time under a lock, forgotten when the remote answers 401 to it,
 * and not renewed at all while the remote's refusal of our grant is on record ("auth
 * needed", until a person connects again). A `struct token_kind` says how one remote's
 * token is stored and renewed.
 */
#ifndef KZS_TOKEN_H
#define KZS_TOKEN_H

#include <stddef.h>

#include "config.h"
#include "remote.h"

/* What a step read of the tokens store: the access token, its expiry, and one more
 * value the kind keeps with it (Zoho's Sign API base). */
struct token_kept {
	unsigned long step; /* the step it was read in (step.h); 0: not to be used */
	char token[2048];
	long long expires_at;
	char extra[512];
};

struct token_kind {
	const char *name;            /* "Kommo", "Zoho": in messages */
	const char *lock;            /* the refresh lock's name in the state directory */
	const char *auth_needed_key; /* the refusal mark in the tokens store: {reason, at[, refresh_sha]} */
	int mark_names_grant;        /* the mark keeps a fingerprint of the refused grant, and
	                                counts only for that grant (the config may change it) */
	long early_seconds;          /* renewed this long before the access token expires */
	const char *auth_needed_tail; /* said after "<name> authorization needed (why)" */
	const char *not_connected;   /* what to do when there is no grant yet */
	struct token_kept *kept;     /* this kind's kept read */

	/* A token from the configuration used as it is, never renewed nor forgotten; NULL: none. */
	const char *(*fixed)(const struct config *cfg);
	/* Reads the cached access token (and extra) from the tokens store into *kept;
	 * -1 when nothing was read that may be kept for the step. */
	int (*read)(const struct config *cfg, struct token_kept *kept);
	/* Makes the stored access token unusable if it is still `rejected`. */
	void (*forget)(const struct config *cfg, const char *rejected);
	/* The grant a renewal spends into grant ("" when not connected yet: see
	 * not_connected); -1 (REMOTE_AUTH in rr, saying what to do) when it cannot be had. */
	int (*grant)(const struct config *cfg, char *grant, size_t grantlen, struct remote_result *rr);
	/* Seconds during which no renewal may be asked (Zoho's throttle); NULL: never. */
	long (*paused)(const struct config *cfg);
	/* Asks the remote for a new access token with grant and stores it; rr says how it
	 * went (OK: the token and its expiry in *kept). Returns 1 when the remote refused the
	 * grant itself, with REMOTE_AUTH and why in rr->message (lib/token records it), else 0.
	 * Logs what it did. */
	int (*renew)(const struct config *cfg, const char *grant, struct token_kept *kept,
	    struct remote_result *rr);
};

/*
 * A usable access token into tok. rejected: a token the remote just answered 401 to
 * (or NULL); it is forgotten, in the store too if it is still the one stored, and a new
 * one is had. While the remote's refusal of the grant is on record, answers REMOTE_AUTH
 * without asking.
 */
void token_get(const struct token_kind *kind, const struct config *cfg, const char *rejected,
    char *tok, size_t toklen, struct remote_result *rr);

/* After a 401: `rejected` is not used again in this step, nor by any process (the next
 * read renews it). */
void token_forget(const struct token_kind *kind, const struct config *cfg, const char *rejected);

/* 1 when the kind's token can be renewed after a 401 (it is not a fixed one). */
int token_renewable(const struct token_kind *kind, const struct config *cfg);

/* The extra value this step read with the token ("" when none). */
const char *token_extra(const struct token_kind *kind, const struct config *cfg);

/* Drops what this process kept: another grant was stored. */
void token_unkeep(const struct token_kind *kind);

/* The reason the remote refused `grant` into why ("" when no refusal of it is on record;
 * grant may be NULL when the kind's mark does not name it). 1 when refused. */
int token_refused(const struct token_kind *kind, const struct config *cfg, const char *grant,
    char *why, size_t whylen);

/* Reads a field of a JSON record text into buf; "" when absent. */
void token_record_field(const char *record, const char *field, char *buf, size_t buflen);

#endif
