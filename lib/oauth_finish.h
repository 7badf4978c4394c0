/*
 * oauth_finish: the second half of a flow, when the browser comes back from Zoho's or
 * Kommo's consent page: the state is checked and used up, Zoho's accounts-server is
 * taken only from the allow-list, the browser must be the one that started the flow, the
 * code is exchanged and the tokens stored.
 */
#ifndef KZS_OAUTH_FINISH_H
#define KZS_OAUTH_FINISH_H

#include "config.h"
#include "oauth_query.h"

/* What to show: an HTTP status and a page of one title and one paragraph (plain text). */
struct oauth_finish_outcome {
	int status;
	const char *title;
	char text[640];
	const char *headers; /* extra response headers, or NULL */
};

/*
 * Handles a callback query (q->is_callback) in the browser whose Cookie header is
 * cookie_header (NULL: none); its flow cookie must be the one the state is bound to.
 * Nothing is stored unless status is 200.
 */
void oauth_finish(const struct config *cfg, const struct oauth_query *q, const char *cookie_header,
    struct oauth_finish_outcome *out);

#endif
