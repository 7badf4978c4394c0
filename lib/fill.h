/*
 * fill: pure business logic that turns a template, the configured mapping and the
 * deal's data into the createdocument request, or into a list of what is missing.
 */
#ifndef KZS_FILL_H
#define KZS_FILL_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"

#define FILL_MAX_PROBLEMS 16

struct fill_result {
	char *data_json;      /* the "data" JSON for createdocument; NULL when problems */
	char recipients[512]; /* "Jane Doe <jane@example.com>", comma separated */
	char *problems[FILL_MAX_PROBLEMS]; /* plain sentences for the note on the lead */
	size_t nproblems;
};

struct fill_input {
	json_object *tpl;     /* the "templates" object of GET /templates/{id} */
	json_object *lead;    /* GET /leads/{id} */
	json_object *contact; /* main contact, NULL when the deal has none */
	json_object *company; /* NULL when the deal has none */
	const char *today;    /* date for "today", as the account expects it */
	const char *marker;   /* appended to request_name so the request can be found again */
};

/* Fills out; returns 0 when data_json is ready, 1 when there are problems, -1 on no memory. */
int fill_request(const struct config *cfg, const struct fill_input *in, struct fill_result *out);
void fill_result_free(struct fill_result *r);

/*
 * Resolves one [fields] source to text in buf. Returns 0, or -1 with a sentence in why
 * saying what is missing (for example "the deal has no company").
 */
int fill_source(const struct fill_input *in, const char *source, char *buf, size_t buflen,
    char *why, size_t whylen);

#endif
