/*
 * fill: pure business logic that turns a template, the configured mapping and the
 * deal's data into the createdocument request, or into a list of what is missing.
 */
#ifndef KZS_FILL_H
#define KZS_FILL_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"
#include "texts.h"

#define FILL_MAX_PROBLEMS 16

/*
 * One reason the contract cannot go out, its text in [kommo] language (texts.h). Either
 * the sales manager can fix it on the deal (admin is NULL; text says what to add), or
 * only the administrator can (text ends with "ask your administrator", and admin is the
 * line for the log, in English, starting with the config key to fix, such as
 * "[fields] Currency: ...").
 */
struct fill_problem {
	char *text;
	char *admin;
};

struct fill_result {
	char *data_json;      /* the "data" JSON for createdocument; NULL when problems */
	char recipients[1024]; /* "Jane Doe <jane@example.com>", comma separated */
	struct fill_problem problems[FILL_MAX_PROBLEMS];
	size_t nproblems;
	int no_memory;        /* a problem could not be recorded */
};

struct fill_input {
	json_object *tpl;     /* the "templates" object of GET /templates/{id} */
	json_object *lead;    /* GET /leads/{id} */
	json_object *contact; /* main contact, NULL when the deal has none */
	json_object *company; /* NULL when the deal has none */
	json_object *others;  /* the other linked contacts (array, the deal's order), read when a
	                       * [signers] source needs them; NULL when not read */
	json_object *users;   /* the Kommo users the [signers] sources name, by id
	                       * ({"123": GET /users/123}); NULL when none */
	const char *today;    /* date for "today", as the account expects it */
	const char *marker;   /* appended to request_name so the request can be found again */
	enum texts_lang lang; /* of the problems' texts, [kommo] language */
};

/* Fills out; returns 0 when data_json is ready, 1 when there are problems, -1 on no memory. */
int fill_request(const struct config *cfg, const struct fill_input *in, struct fill_result *out);
void fill_result_free(struct fill_result *r);

/* Adds a problem (admin NULL: the manager's to fix); the copies are r's. */
void fill_problem_add(struct fill_result *r, const char *text, const char *admin);

/*
 * Resolves one [fields] source to text in buf. Returns 0; -1 when the deal lacks the
 * value, with what the manager should do in need, in in->lang (for example "a company on
 * the deal: link one"); -2 when the source names nothing known, with why in need.
 */
int fill_source(const struct fill_input *in, const char *source, char *buf, size_t buflen,
    char *need, size_t needlen);

/* The id of the deal's user a [signers] source names ("" for one naming none, or a
 * deal without a responsible user), for the reader to fetch. */
const char *fill_signer_user(const struct config_signer *s, json_object *lead);

/* At most this many other linked contacts are read for contact.other and contact.cf. */
#define FILL_MAX_OTHER_CONTACTS 10

/*
 * The configuration against the template, before any deal: fill_fields_check finds
 * [fields] names the template lacks, sources that do not fit a field's kind (a date
 * field takes today or a literal, a checkbox a custom field or a literal, a signer's
 * field none) and mandatory fields no line fills; fill_roles_check finds template roles
 * without a [signers] line and [signers] lines for no role. Each problem is one
 * sentence naming the config line to change, passed to problem; returns their count.
 */
typedef void (*fill_check_fn)(const char *problem, void *arg);
size_t fill_fields_check(const struct config *cfg, json_object *tpl, fill_check_fn problem, void *arg);
size_t fill_roles_check(const struct config *cfg, json_object *tpl, fill_check_fn problem, void *arg);

#endif
