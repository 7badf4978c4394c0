/*
 * deal: lead and request records in the deals store, and the events that came for a
 * request before it was recorded.
 */
#include "deal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jfield.h"
#include "log.h"
#include "store.h"

static void
record_key(char *buf, size_t len, const char *prefix, const char *id)
{
	snprintf(buf, len, "%s:%s", prefix, id);
}

static void
decode(const char *text, struct deal *out)
{
	json_object *obj = text ? json_tokener_parse(text) : NULL, *status, *claim;

	memset(out, 0, sizeof *out);
	snprintf(out->state, sizeof out->state, "%s", jfield_text(obj, "state"));
	snprintf(out->request_id, sizeof out->request_id, "%s", jfield_text(obj, "request_id"));
	snprintf(out->updated_at, sizeof out->updated_at, "%s", jfield_text(obj, "updated_at"));
	snprintf(out->marker, sizeof out->marker, "%s", jfield_text(obj, "marker"));
	out->since = strtoll(jfield_text(obj, "since"), NULL, 10);
	status = jfield_typed(obj, "status", json_type_object);
	claim = jfield_typed(status, "claim", json_type_object);
	snprintf(out->status_request, sizeof out->status_request, "%s", jfield_text(status, "request"));
	out->status_rank = atoi(jfield_text(status, "rank"));
	snprintf(out->claim_by, sizeof out->claim_by, "%s", jfield_text(claim, "by"));
	snprintf(out->claim_request, sizeof out->claim_request, "%s", jfield_text(claim, "request"));
	out->claim_rank = atoi(jfield_text(claim, "rank"));
	out->claim_at = strtoll(jfield_text(claim, "at"), NULL, 10);
	json_object_put(obj);
}

/* The lead's record; since: when its state was set. */
static int
write_deal_since(struct store *s, const char *lead_id, const struct deal *d, long long since)
{
	json_object *obj = json_object_new_object();
	char key[64];
	int rc;

	json_object_object_add(obj, "state", json_object_new_string(d->state));
	json_object_object_add(obj, "request_id", json_object_new_string(d->request_id));
	json_object_object_add(obj, "updated_at", json_object_new_string(d->updated_at));
	if (d->marker[0])
		json_object_object_add(obj, "marker", json_object_new_string(d->marker));
	json_object_object_add(obj, "since", json_object_new_int64(since));
	if (d->status_request[0] || d->claim_by[0]) {
		json_object *status = json_object_new_object();

		json_object_object_add(status, "request", json_object_new_string(d->status_request));
		json_object_object_add(status, "rank", json_object_new_int(d->status_rank));
		if (d->claim_by[0]) {
			json_object *claim = json_object_new_object();

			json_object_object_add(claim, "by", json_object_new_string(d->claim_by));
			json_object_object_add(claim, "request", json_object_new_string(d->claim_request));
			json_object_object_add(claim, "rank", json_object_new_int(d->claim_rank));
			json_object_object_add(claim, "at", json_object_new_int64(d->claim_at));
			json_object_object_add(status, "claim", claim);
		}
		json_object_object_add(obj, "status", status);
	}
	record_key(key, sizeof key, "lead", lead_id);
	rc = store_put(s, key, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	json_object_put(obj);
	return rc;
}

/* The lead's record with its state set now. */
static int
write_deal(struct store *s, const char *lead_id, const struct deal *d)
{
	return write_deal_since(s, lead_id, d, (long long)time(NULL));
}

int
deal_load(const char *dir, const char *lead_id, struct deal *out)
{
	char key[64], *text = NULL;
	int rc;

	record_key(key, sizeof key, "lead", lead_id);
	rc = store_get1(dir, STORE_DEALS, key, &text);
	decode(rc == 0 ? text : NULL, out);
	free(text);
	return rc == -1 ? -1 : 0;
}

static int
begin(const char *dir, struct store **s)
{
	char err[256];

	if (store_begin(dir, STORE_DEALS, 1, s, err, sizeof err) == -1) {
		return -1;
	}
	return 0;
}

int
deal_mark(const char *dir, const char *lead_id, const char *state, const char *updated_at,
    const char *marker)
{
	struct store *s;
	char key[64], *text = NULL;
	struct deal d;

	if (begin(dir, &s) == -1)
		return -1;
	record_key(key, sizeof key, "lead", lead_id);
	if (store_get(s, key, &text) == -1) {
		store_abort(s); /* unread, its request id would be lost */
		return -1;
	}
	decode(text, &d);
	free(text);
	snprintf(d.state, sizeof d.state, "%s", state);
	snprintf(d.updated_at, sizeof d.updated_at, "%s", updated_at ? updated_at : "");
	snprintf(d.marker, sizeof d.marker, "%s", marker ? marker : "");
	if (write_deal(s, lead_id, &d) == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

/*
 * An outcome already set on the request's record (text, NULL when there is none)
 * goes into the new record rec and becomes the lead's state. -1 when text is not JSON.
 */
static int
keep_outcome(const char *text, json_object *rec, struct deal *d)
{
	json_object *old;
	const char *outcome;

	if (text == NULL)
		return 0;
	if ((old = json_tokener_parse(text)) == NULL)
		return -1;
	outcome = jfield_text(old, "outcome");
	if (*outcome) {
		json_object_object_add(rec, "outcome", json_object_new_string(outcome));
		snprintf(d->state, sizeof d->state, "%s", outcome);
	}
	json_object_put(old);
	return 0;
}

/* The status fields of the lead's record into d. */
static int
keep_status(struct store *s, const char *lead_id, struct deal *d)
{
	char key[64], *text = NULL;
	struct deal old;

	record_key(key, sizeof key, "lead", lead_id);
	if (store_get(s, key, &text) == -1)
		return -1;
	decode(text, &old);
	free(text);
	memcpy(d->status_request, old.status_request, sizeof d->status_request);
	d->status_rank = old.status_rank;
	memcpy(d->claim_by, old.claim_by, sizeof d->claim_by);
	memcpy(d->claim_request, old.claim_request, sizeof d->claim_request);
	d->claim_rank = old.claim_rank;
	d->claim_at = old.claim_at;
	return 0;
}

int
deal_record_request(const char *dir, const char *lead_id, const char *updated_at,
    json_object *request, int resend)
{
	struct store *s;
	struct deal d = { 0 };
	json_object *rec = json_object_new_object(), *actions, *route;
	char key[64], *text = NULL;
	int rc;

	snprintf(d.state, sizeof d.state, "%s", DEAL_INFLIGHT);
	snprintf(d.request_id, sizeof d.request_id, "%s", jfield_text(request, "request_id"));
	snprintf(d.updated_at, sizeof d.updated_at, "%s", updated_at);
	json_object_object_add(rec, "lead", json_object_new_string(lead_id));
	actions = jfield_typed(request, "actions", json_type_array);
	if (actions)
		json_object_object_add(rec, "actions", json_object_get(actions));
	if (resend)
		json_object_object_add(rec, "resend", json_object_new_boolean(1));
	route = jfield_typed(request, "route", json_type_object);
	if (route)
		json_object_object_add(rec, "route", json_object_get(route));
	record_key(key, sizeof key, "req", d.request_id);
	if (begin(dir, &s) == -1) {
		json_object_put(rec);
		return -1;
	}
	/* Recorded before (a retry after the lead's write was refused): its outcome stays. */
	if (store_get(s, key, &text) == -1 || keep_outcome(text, rec, &d) == -1) {
		free(text);
		json_object_put(rec);
		store_abort(s);
		return -1;
	}
	free(text);
	/* The lead's status record stays: a resend starts over by its new request id. */
	if (keep_status(s, lead_id, &d) == -1) {
		json_object_put(rec);
		store_abort(s);
		return -1;
	}
	/* The request before the lead: a change refused halfway (a full disk) leaves the lead
	 * "sending", whose retry records both again, while the request's events already find
	 * their lead. The other way round they would be ignored as not ours. */
	rc = store_put(s, key, json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
	if (rc == 0)
		rc = write_deal(s, lead_id, &d);
	json_object_put(rec);
	if (rc == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

/* The JSON record "<prefix>:<id>" into *out (NULL when absent); -1 on a store error. */
static int
json_load(const char *dir, const char *prefix, const char *id, json_object **out)
{
	char key[64], *text = NULL;
	int rc;

	*out = NULL;
	record_key(key, sizeof key, prefix, id);
	rc = store_get1(dir, STORE_DEALS, key, &text);
	if (rc == 0)
		*out = json_tokener_parse(text);
	free(text);
	return rc == -1 ? -1 : 0;
}

int
deal_request_load(const char *dir, const char *request_id, json_object **rec)
{
	return json_load(dir, "req", request_id, rec);
}

int
deal_request_outcome(const char *dir, const char *request_id, const char *outcome)
{
	struct store *s;
	char key[64], lead_key[64], *text = NULL;
	json_object *rec;
	struct deal d;
	int rc;

	if (begin(dir, &s) == -1)
		return -1;
	record_key(key, sizeof key, "req", request_id);
	rc = store_get(s, key, &text);
	if (rc == 1) {
		store_abort(s);
		return 1;
	}
	if (rc == -1 || (rec = json_tokener_parse(text)) == NULL) {
		free(text);
		store_abort(s);
		return -1;
	}
	free(text);
	text = NULL;
	/* The lead first: the request's outcome tells a later job that all is done
	 * (outcome_run), so after a write refused halfway the job still runs again. */
	record_key(lead_key, sizeof lead_key, "lead", jfield_text(rec, "lead"));
	rc = store_get(s, lead_key, &text);
	if (rc != -1) {
		decode(text, &d);
		rc = 0;
		if (strcmp(d.request_id, request_id) == 0) {
			snprintf(d.state, sizeof d.state, "%s", outcome);
			rc = write_deal(s, jfield_text(rec, "lead"), &d);
		}
	}
	free(text);
	if (rc == 0) {
		json_object_object_add(rec, "outcome", json_object_new_string(outcome));
		rc = store_put(s, key, json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(rec);
	if (rc == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

struct deal_walk {
	deal_each_fn fn;
	void *arg;
};

static int
walk_one(const char *key, const char *val, void *arg)
{
	struct deal_walk *walk = arg;
	struct deal d;

	if (strncmp(key, "lead:", 5) != 0)
		return 0;
	decode(val, &d);
	walk->fn(key + 5, &d, walk->arg);
	return 0;
}

int
deal_each(const char *dir, deal_each_fn fn, void *arg)
{
	struct deal_walk walk = { fn, arg };
	struct store *s;
	char err[256];

	if (store_begin(dir, STORE_DEALS, 0, &s, err, sizeof err) == -1) {
		return -1;
	}
	store_each(s, walk_one, &walk);
	store_abort(s);
	return 0;
}

/* A pending send's events beyond this many are not kept (a request has a few dozen). */
#define DEAL_EARLY_MAX 64

/* 1 when entries already holds an entry with the same "dedupe" as entry. */
static int
early_has(json_object *entries, json_object *entry)
{
	size_t i, n = json_object_array_length(entries);

	for (i = 0; i < n; i++)
		if (strcmp(jfield_text(json_object_array_get_idx(entries, i), "dedupe"),
			jfield_text(entry, "dedupe")) == 0)
			return 1;
	return 0;
}

/* In one transaction: recorded by now (0), the send not ours or over (2), full (3), kept (1). */
static int
early_put(struct store *s, const char *request_id, const char *lead_id, const char *marker,
    json_object *entry, json_object **rec)
{
	char key[64], *text = NULL;
	json_object *entries;
	struct deal d;
	int rc;

	/* A record that cannot be read is an error, never "absent": kept events would be lost. */
	record_key(key, sizeof key, "req", request_id);
	if ((rc = store_get(s, key, &text)) != 1) {
		*rec = rc == 0 ? json_tokener_parse(text) : NULL;
		free(text);
		return *rec ? 0 : -1;
	}
	record_key(key, sizeof key, "lead", lead_id);
	if (store_get(s, key, &text) == -1)
		return -1;
	decode(text, &d);
	free(text);
	text = NULL;
	if (strcmp(d.state, DEAL_SENDING) != 0 || strcmp(d.marker, marker) != 0)
		return 2;
	record_key(key, sizeof key, "early", request_id);
	if ((rc = store_get(s, key, &text)) == -1)
		return -1;
	entries = rc == 0 ? json_tokener_parse(text) : NULL;
	free(text);
	if (!json_object_is_type(entries, json_type_array)) {
		json_object_put(entries);
		entries = json_object_new_array();
	}
	rc = 1;
	if (json_object_array_length(entries) >= DEAL_EARLY_MAX)
		rc = 3;
	else if (!early_has(entries, entry) && json_object_array_add(entries, json_object_get(entry)) == 0)
		rc = store_put(s, key, json_object_to_json_string_ext(entries, JSON_C_TO_STRING_PLAIN)) == 0 ? 1 : -1;
	json_object_put(entries);
	return rc;
}

int
deal_early_keep(const char *dir, const char *request_id, const char *lead_id, const char *marker,
    json_object *entry, json_object **rec)
{
	struct store *s;
	int rc;

	*rec = NULL;
	if (begin(dir, &s) == -1)
		return -1;
	rc = early_put(s, request_id, lead_id, marker, entry, rec);
	if (rc != 1) {
		store_abort(s);
		return rc;
	}
	return store_commit(s) == 0 ? 1 : -1;
}

int
deal_early_take(const char *dir, const char *request_id, json_object **entries)
{
	return json_load(dir, "early", request_id, entries);
}

int
deal_early_drop(const char *dir, const char *request_id)
{
	struct store *s;
	char key[64];

	if (begin(dir, &s) == -1)
		return -1;
	record_key(key, sizeof key, "early", request_id);
	if (store_delete(s, key) == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

/* The claim rule of deal_status_claim on the lead's record d (changed when it is GO). */
static enum deal_claim
claim_verdict(struct deal *d, const char *request_id, int rank, const char *by, long long now)
{
	int current = strcmp(d->status_request, request_id) == 0 ? d->status_rank : 0;
	int claimed = d->claim_by[0] != '\0';

	if (strcmp(d->request_id, request_id) != 0)
		return DEAL_CLAIM_PASSED; /* a late event of an earlier request */
	if (claimed && strcmp(d->claim_by, by) == 0 && strcmp(d->claim_request, request_id) == 0 &&
	    d->claim_rank == rank)
		return DEAL_CLAIM_GO; /* ours, from a try whose end we did not record */
	if (rank <= current)
		return DEAL_CLAIM_PASSED;
	/* Another job's write of this request at this rank or beyond will be done by it. */
	if (claimed && strcmp(d->claim_request, request_id) == 0 && rank <= d->claim_rank)
		return DEAL_CLAIM_PASSED;
	/* Its write may still be on its way: ours must land after it. */
	if (claimed && now - d->claim_at < DEAL_CLAIM_SECONDS)
		return DEAL_CLAIM_BUSY;
	snprintf(d->claim_by, sizeof d->claim_by, "%s", by);
	snprintf(d->claim_request, sizeof d->claim_request, "%s", request_id);
	d->claim_rank = rank;
	d->claim_at = now;
	return DEAL_CLAIM_GO;
}

/* The lead's record, changed by fn and written back when fn returns 1, in one transaction. */
static int
change_lead(const char *dir, const char *lead_id, int (*fn)(struct deal *, void *), void *arg)
{
	struct store *s;
	char key[64], *text = NULL;
	struct deal d;
	int rc;

	if (begin(dir, &s) == -1)
		return -1;
	record_key(key, sizeof key, "lead", lead_id);
	if (store_get(s, key, &text) == -1) {
		store_abort(s);
		return -1;
	}
	decode(text, &d);
	free(text);
	if (fn(&d, arg) == 0) {
		store_abort(s);
		return 0;
	}
	/* The state is unchanged, and so is the time it was set (reconcile reads it). */
	rc = write_deal_since(s, lead_id, &d, d.since);
	if (rc == -1) {
		store_abort(s);
		return -1;
	}
	return store_commit(s);
}

struct status_change {
	const char *request_id, *by;
	int rank;
	long long now;
	enum deal_claim verdict;
};

static int
claim_change(struct deal *d, void *arg)
{
	struct status_change *c = arg;

	c->verdict = claim_verdict(d, c->request_id, c->rank, c->by, c->now);
	return c->verdict == DEAL_CLAIM_GO;
}

int
deal_status_claim(const char *dir, const char *lead_id, const char *request_id, int rank,
    const char *by, long long now, enum deal_claim *verdict)
{
	struct status_change c = { request_id, by, rank, now, DEAL_CLAIM_PASSED };
	int rc = change_lead(dir, lead_id, claim_change, &c);

	*verdict = c.verdict;
	return rc;
}

static int
passed_change(struct deal *d, void *arg)
{
	struct status_change *c = arg;

	if (strcmp(d->status_request, c->request_id) == 0) {
		if (c->rank > d->status_rank)
			d->status_rank = c->rank;
	} else if (strcmp(d->request_id, c->request_id) == 0) {
		snprintf(d->status_request, sizeof d->status_request, "%s", c->request_id);
		d->status_rank = c->rank;
	}
	if (strcmp(d->claim_by, c->by) == 0)
		memset(d->claim_by, 0, sizeof d->claim_by);
	return 1;
}

int
deal_status_passed(const char *dir, const char *lead_id, const char *request_id, int rank,
    const char *by)
{
	struct status_change c = { request_id, by, rank, 0, DEAL_CLAIM_GO };

	return change_lead(dir, lead_id, passed_change, &c);
}
