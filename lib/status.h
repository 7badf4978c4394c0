/*
 * status: what an operator wants to know at a glance, read from the state: who is
 * connected, when each webhook last came, the queue (due, waiting, given up), the
 * requests out for signature and their age, the last outcomes and the jobs' last
 * errors. The admin page shows it as HTML (every value escaped by page) and
 * "kzsctl status" prints it as text; both say the same. No secret or token is read
 * into it. Times are in [zoho] time_zone (the programs call zone_use at start).
 */
#ifndef KZS_STATUS_H
#define KZS_STATUS_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "page.h"

/* How many outcomes, requests in flight and errors are listed at most. */
#define STATUS_LIST_MAX 20
#define STATUS_ERRORS_MAX 10

/*
 * The Zoho Sign connection in one sentence ("Connected to Zoho Sign's eu data centre
 * ... since ..."); 1 when oauth-callback stored the authorization.
 */
int status_zoho_connection(const struct config *cfg, char *buf, size_t len);

/* The Kommo account and how it is reached, in one sentence; 1 when OAuth tokens are stored. */
int status_kommo_connection(const struct config *cfg, char *buf, size_t len);

/* The status sections as HTML, into p (between page_begin and page_end); without the
 * connections, which the admin page shows with its Connect buttons. */
void status_page(const struct config *cfg, long long now, struct page *p);

/* Everything, connections included, as text lines (kzsctl status). -1 when a state
 * file could not be read (what could be read is printed). */
int status_print(const struct config *cfg, long long now, FILE *out);

/*
 * Records that program ("kommo-hook", "zoho-hook") accepted a delivery now: the time
 * of the file <dir>/<program>.last is the record, so it costs no transaction and no
 * space once the file exists. A failure only leaves the time older.
 */
void status_hook_received(const char *dir, const char *program);

#endif
