/*
 * Unit tests for lib/deal.c on real GDBM files in a temporary directory: recording a
 * request, events kept before it, outcomes, and what a write refused halfway leaves
 * (the request recorded, its lead still "sending") once the send records it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "deal.h"
#include "jfield.h"
#include "store.h"

/* Zoho's answer to createdocument, as contract.c hands it over. */
static json_object *
request(const char *id)
{
	json_object *r = json_object_new_object();

	json_object_object_add(r, "request_id", json_object_new_string(id));
	json_object_object_add(r, "actions", json_object_new_array());
	return r;
}

/* The "req:<id>" record's field, "" when absent. */
static const char *
req_field(const char *dir, const char *id, const char *field)
{
	static char buf[64];
	json_object *rec = NULL;

	buf[0] = '\0';
	if (deal_request_load(dir, id, &rec) == 0 && rec != NULL)
		snprintf(buf, sizeof buf, "%s", jfield_text(rec, field));
	json_object_put(rec);
	return buf;
}

int
main(void)
{
	char dir[] = "/tmp/kzs-deal-XXXXXX";
	json_object *r, *entry, *rec = NULL, *entries = NULL;
	struct deal d;

	if (mkdtemp(dir) == NULL)
		return 1;

	/* An event before the request is recorded is kept, then taken once it is. */
	CHECK(deal_mark(dir, "1001", DEAL_SENDING, "1700000000", "(ref 1001-1)") == 0, "intent recorded");
	entry = json_object_new_object();
	json_object_object_add(entry, "dedupe", json_object_new_string("R1:RequestCompleted:a:1"));
	CHECK(deal_early_keep(dir, "R1", "1001", "(ref 1001-1)", entry, &rec) == 1 && rec == NULL,
	    "an event for the waiting send is kept");
	CHECK(deal_early_keep(dir, "R1", "1001", "(ref 1001-2)", entry, &rec) == 2,
	    "another marker: not this send's");
	r = request("R1");
	CHECK(deal_record_request(dir, "1001", "1700000000", r, 0) == 0, "request recorded");
	json_object_put(r);
	CHECK(deal_load(dir, "1001", &d) == 0 && strcmp(d.state, DEAL_INFLIGHT) == 0 &&
	    strcmp(d.request_id, "R1") == 0, "the lead is in flight with it");
	CHECK_STR(req_field(dir, "R1", "lead"), "1001", "the request names its lead");
	CHECK(deal_early_keep(dir, "R1", "1001", "(ref 1001-1)", entry, &rec) == 0 && rec != NULL,
	    "recorded meanwhile: the record comes back to act on at once");
	json_object_put(rec);
	json_object_put(entry);
	CHECK(deal_early_take(dir, "R1", &entries) == 0 && json_object_array_length(entries) == 1,
	    "the kept event is there to queue");
	json_object_put(entries);
	CHECK(deal_early_drop(dir, "R1") == 0 && deal_early_take(dir, "R1", &entries) == 0 && entries == NULL,
	    "and gone once dropped");

	/* Outcomes. */
	CHECK(deal_request_outcome(dir, "R404", DEAL_COMPLETED) == 1, "an unknown request: nothing to record");
	CHECK(deal_request_outcome(dir, "R1", DEAL_COMPLETED) == 0, "outcome recorded");
	CHECK(deal_load(dir, "1001", &d) == 0 && strcmp(d.state, DEAL_COMPLETED) == 0, "the lead is completed");
	CHECK_STR(req_field(dir, "R1", "outcome"), DEAL_COMPLETED, "so is its request");

	/* A recording refused halfway leaves the request written and the lead "sending"; the
	 * request's completion runs meanwhile, then the send's retry records the request again. */
	CHECK(deal_mark(dir, "1002", DEAL_SENDING, "1700000000", "(ref 1002-1)") == 0, "second intent");
	CHECK(store_put1(dir, STORE_DEALS, "req:R2", "{\"lead\":\"1002\",\"actions\":[]}") == 0,
	    "only the request's half written");
	CHECK(deal_request_outcome(dir, "R2", DEAL_COMPLETED) == 0, "its completion is recorded");
	CHECK(deal_load(dir, "1002", &d) == 0 && strcmp(d.state, DEAL_SENDING) == 0,
	    "the lead, not yet on this request, stays sending");
	r = request("R2");
	CHECK(deal_record_request(dir, "1002", "1700000000", r, 0) == 0, "the retry records the request");
	json_object_put(r);
	CHECK(deal_load(dir, "1002", &d) == 0 && strcmp(d.state, DEAL_COMPLETED) == 0 &&
	    strcmp(d.request_id, "R2") == 0, "the lead takes the outcome that came meanwhile");
	CHECK_STR(req_field(dir, "R2", "outcome"), DEAL_COMPLETED, "the request keeps it");

	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return CHECK_DONE();
}
