/* Unit tests for kommo_webhook_parse: real Kommo bodies, ordering, limits, refusals. */
#include "kommo_webhook.h"

#include "check.h"
#include "testbuf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

static char err[256];

static int
parse(const char *body, struct kommo_webhook *w)
{
	memset(w, 0xa5, sizeof *w); /* garbage: the parser must always set *out */
	err[0] = '\0';
	return kommo_webhook_parse(body, strlen(body), w, err, sizeof err);
}

/* Expects body to be refused with a message containing want; *out must be empty. */
static void
refused(const char *what, const char *body, const char *want)
{
	struct kommo_webhook w;
	int rc = parse(body, &w);

	CHECK(rc == -1, "%s: refused", what);
	CHECK(w.events == NULL && w.nevents == 0 && w.account_id[0] == '\0' &&
	    w.subdomain[0] == '\0', "%s: output left empty", what);
	CHECK(strstr(err, want) != NULL, "%s: message contains \"%s\" (got \"%s\")", what, want, err);
	CHECK(strchr(err, '\n') == NULL, "%s: message is one line", what);
	kommo_webhook_free(&w);
}

/* Kommo's account-level status_lead body, URL-encoded as Kommo sends it. */
static const char real_status_body[] =
    "leads%5Bstatus%5D%5B2%5D%5Bid%5D=15318199"
    "&leads%5Bstatus%5D%5B2%5D%5Bname%5D=Deal+%232+%E2%80%94+ACME"
    "&leads%5Bstatus%5D%5B2%5D%5Bstatus_id%5D=67548619"
    "&leads%5Bstatus%5D%5B2%5D%5Bpipeline_id%5D=8572511"
    "&leads%5Bstatus%5D%5B0%5D%5Bid%5D=15318175"
    "&leads%5Bstatus%5D%5B0%5D%5Bname%5D=First+deal"
    "&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=67548619"
    "&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=67548607"
    "&leads%5Bstatus%5D%5B0%5D%5Bprice%5D=1500"
    "&leads%5Bstatus%5D%5B0%5D%5Bresponsible_user_id%5D=123"
    "&leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D=1726572758"
    "&leads%5Bstatus%5D%5B0%5D%5Bmodified_user_id%5D=123"
    "&leads%5Bstatus%5D%5B0%5D%5Bcreated_user_id%5D=123"
    "&leads%5Bstatus%5D%5B0%5D%5Bdate_create%5D=1726500000"
    "&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=8572511"
    "&leads%5Bstatus%5D%5B0%5D%5Baccount_id%5D=12345678"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bid%5D=553311"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bname%5D=Contract+no."
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=A-17%2F24"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bid%5D=553313"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=Gold"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B1%5D%5Bvalues%5D%5B0%5D%5Benum%5D=887"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B2%5D%5Bid%5D=553315"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B2%5D%5Bvalues%5D%5B0%5D=1726572758"
    "&leads%5Bstatus%5D%5B0%5D%5Bcreated_at%5D=1726500000"
    "&leads%5Bstatus%5D%5B0%5D%5Bupdated_at%5D=1726572758"
    "&leads%5Bstatus%5D%5B1%5D%5Bid%5D=15318180"
    "&leads%5Bstatus%5D%5B1%5D%5Bstatus_id%5D=142"
    "&leads%5Bstatus%5D%5B1%5D%5Bpipeline_id%5D=8572511"
    "&leads%5Bstatus%5D%5B1%5D%5Bold_pipeline_id%5D=8572500"
    "&account%5Bid%5D=12345678"
    "&account%5Bsubdomain%5D=acme"
    "&account%5B_links%5D%5Bself%5D=https%3A%2F%2Facme.kommo.com";

static void
test_real_status_body(void)
{
	struct kommo_webhook w;
	const struct kommo_webhook_event *e;

	CHECK(parse(real_status_body, &w) == 0, "real status_lead body parses (%s)", err);
	CHECK(w.nevents == 3, "three events (got %zu)", w.nevents);
	CHECK_STR(w.account_id, "12345678", "account id");
	CHECK_STR(w.subdomain, "acme", "subdomain");
	if (w.nevents != 3) {
		kommo_webhook_free(&w);
		return;
	}
	e = &w.events[0];
	CHECK(e->kind == KOMMO_WEBHOOK_STATUS, "event 0 is a status event");
	CHECK_STR(e->lead_id, "15318175", "index 0 comes first although sent second");
	CHECK_STR(e->status_id, "67548619", "event 0 status_id");
	CHECK_STR(e->pipeline_id, "8572511", "event 0 pipeline_id");
	CHECK_STR(e->old_status_id, "67548607", "event 0 old_status_id");
	CHECK_STR(e->responsible_user_id, "123", "event 0 responsible_user_id");
	CHECK_STR(e->updated_at, "1726572758", "event 0 updated_at");
	e = &w.events[1];
	CHECK_STR(e->lead_id, "15318180", "index 1 comes second");
	CHECK_STR(e->status_id, "142", "event 1 status_id");
	CHECK_STR(e->old_status_id, "", "absent old_status_id is empty");
	CHECK_STR(e->responsible_user_id, "", "absent responsible_user_id is empty");
	CHECK_STR(e->updated_at, "", "absent updated_at is empty");
	e = &w.events[2];
	CHECK_STR(e->lead_id, "15318199", "index 2 comes last although sent first");
	kommo_webhook_free(&w);
	CHECK(w.events == NULL && w.nevents == 0, "kommo_webhook_free empties the struct");
	kommo_webhook_free(&w);
}

static void
test_add_and_order(void)
{
	struct kommo_webhook w;

	CHECK(parse("leads[add][0][id]=77&leads[add][0][status_id]=5&leads[add][0][pipeline_id]=9"
	    "&leads[add][0][responsible_user_id]=4&account[id]=1", &w) == 0, "leads[add] parses");
	CHECK(w.nevents == 1 && w.events[0].kind == KOMMO_WEBHOOK_ADD, "one add event");
	CHECK_STR(w.events[0].lead_id, "77", "add event id");
	CHECK_STR(w.events[0].responsible_user_id, "4", "add event responsible user");
	CHECK_STR(w.subdomain, "", "absent subdomain is empty");
	kommo_webhook_free(&w);

	/* Sorted by action (status, then add), then by numeric index, not by text. */
	CHECK(parse("leads[add][10][id]=5&leads[add][10][status_id]=1&leads[add][10][pipeline_id]=1"
	    "&leads[status][10][id]=3&leads[status][10][status_id]=1&leads[status][10][pipeline_id]=1"
	    "&leads[add][9][id]=4&leads[add][9][status_id]=1&leads[add][9][pipeline_id]=1"
	    "&leads[status][2][id]=2&leads[status][2][status_id]=1&leads[status][2][pipeline_id]=1",
	    &w) == 0, "mixed add and status parse");
	CHECK(w.nevents == 4, "four events (got %zu)", w.nevents);
	if (w.nevents == 4) {
		CHECK(w.events[0].kind == KOMMO_WEBHOOK_STATUS && w.events[1].kind == KOMMO_WEBHOOK_STATUS,
		    "status events first");
		CHECK(w.events[2].kind == KOMMO_WEBHOOK_ADD && w.events[3].kind == KOMMO_WEBHOOK_ADD,
		    "add events after");
		CHECK(strcmp(w.events[0].lead_id, "2") == 0 && strcmp(w.events[1].lead_id, "3") == 0 &&
		    strcmp(w.events[2].lead_id, "4") == 0 && strcmp(w.events[3].lead_id, "5") == 0,
		    "numeric index order (2 before 10, 9 before 10)");
	}
	kommo_webhook_free(&w);
}

static void
test_dp_and_others(void)
{
	struct kommo_webhook w;

	CHECK(parse("leads%5Bstatus%5D%5B0%5D%5Bid%5D=15318175"
	    "&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=67548619"
	    "&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=8572511"
	    "&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=67548607"
	    "&leads%5Bstatus%5D%5B0%5D%5Bold_pipeline_id%5D=8572511"
	    "&account%5Bid%5D=12345678&account%5Bsubdomain%5D=acme-co", &w) == 0,
	    "Digital Pipeline body parses (%s)", err);
	CHECK(w.nevents == 1, "DP body has one event");
	CHECK_STR(w.events[0].lead_id, "15318175", "DP lead id");
	CHECK_STR(w.events[0].old_status_id, "67548607", "DP old status");
	CHECK_STR(w.account_id, "12345678", "DP account id");
	CHECK_STR(w.subdomain, "acme-co", "DP subdomain");
	kommo_webhook_free(&w);

	CHECK(parse("contacts[update][0][id]=12&contacts[update][0][name]=Ann"
	    "&leads[update][0][id]=abc&leads[delete][0][id]=1&leads[note][0][note][text]=x"
	    "&account[id]=5&account[_links][self]=https%3A%2F%2Fx.amocrm.com", &w) == 0,
	    "other entities and actions only parse (%s)", err);
	CHECK(w.nevents == 0 && w.events == NULL, "they make no events");
	CHECK_STR(w.account_id, "5", "account id still read");
	kommo_webhook_free(&w);

	CHECK(parse("leads[status]=x&leads=y&leads[status][0][custom_fields][]=1"
	    "&leads[status][0][id]=1&leads[status][0][status_id]=2&leads[status][0][pipeline_id]=3"
	    "&leads[status][0][x][]=&leads[]=1", &w) == 0,
	    "empty segments and short lead keys are allowed (%s)", err);
	CHECK(w.nevents == 1, "one event from them");
	kommo_webhook_free(&w);
}

static void
test_ids(void)
{
	struct kommo_webhook w;

	refused("non-numeric id",
	    "leads[status][0][id]=12a&leads[status][0][status_id]=1&leads[status][0][pipeline_id]=1",
	    "leads[status][0][id]: expected 1-19 digits");
	refused("empty id", "leads[status][0][id]=&leads[status][0][status_id]=1",
	    "leads[status][0][id]: expected 1-19 digits");
	refused("negative status", "leads[status][0][status_id]=-1",
	    "leads[status][0][status_id]: expected 1-19 digits");
	refused("spaced id", "leads[status][0][pipeline_id]=+12",
	    "leads[status][0][pipeline_id]: expected");
	refused("20-digit id", "leads[status][0][id]=12345678901234567890",
	    "leads[status][0][id]: expected 1-19 digits");
	refused("30-digit id", "leads[add][3][id]=123456789012345678901234567890",
	    "leads[add][3][id]: expected 1-19 digits");
	refused("19 digits above INT64_MAX", "leads[status][0][id]=9223372036854775808",
	    "leads[status][0][id]: expected");
	refused("bad updated_at", "leads[status][0][updated_at]=1.5", "[updated_at]: expected");
	refused("bad responsible", "leads[status][0][responsible_user_id]=x",
	    "[responsible_user_id]: expected");
	refused("bad old status", "leads[status][0][old_status_id]=x", "[old_status_id]: expected");
	CHECK(parse("leads[status][0][id]=5&leads[status][0][status_id]=6&leads[status][0][pipeline_id]=7"
	    "&leads[status][0][old_status_id]=&leads[status][0][updated_at]=", &w) == 0 &&
	    w.nevents == 1 && w.events[0].old_status_id[0] == '\0',
	    "empty optional fields are taken as absent");
	kommo_webhook_free(&w);
	refused("bad account id", "account[id]=acme", "account[id]: expected 1-19 digits");
	refused("id with a subkey", "leads[status][0][id][0]=1", "leads[status][0][id][0]: id must be a plain value");

	CHECK(parse("leads[status][0][id]=1234567890123456789&leads[status][0][status_id]=9223372036854775807"
	    "&leads[status][0][pipeline_id]=0000000000000000001&account[id]=1", &w) == 0,
	    "19-digit ids up to INT64_MAX accepted (%s)", err);
	CHECK_STR(w.events[0].lead_id, "1234567890123456789", "19-digit id kept as text");
	CHECK_STR(w.events[0].status_id, "9223372036854775807", "INT64_MAX kept");
	CHECK_STR(w.events[0].pipeline_id, "0000000000000000001", "leading zeros kept as sent");
	kommo_webhook_free(&w);
}

static void
test_structure(void)
{
	struct kommo_webhook w;
	char body[400];

	refused("empty body", "", "empty body");
	refused("only separators", "&&", "empty body");
	CHECK(kommo_webhook_parse(NULL, 0, &w, err, sizeof err) == -1, "NULL body refused");
	refused("form error", "leads[status][0][id]=%G1", "leads[status][0][id]: '%' not followed");
	refused("empty key", "=1", "empty key");

	refused("unclosed bracket", "leads[status][0[id]=1", "unclosed bracket in key leads[status][0[id]");
	refused("unclosed at end", "account[id=1", "unclosed bracket in key account[id");
	refused("unclosed in other entity", "contacts[update][0][id=1", "unclosed bracket in key");
	refused("stray bracket in name", "lea]ds=1", "stray ']' in key lea]ds");
	refused("stray bracket after segment", "leads[status]]=1", "stray ']' in key");
	refused("text after bracket", "leads[status]x[0]=1", "unexpected text after ']' in key");
	refused("encoded bracket still checked", "leads%5Bstatus=1", "unclosed bracket in key leads[status");

	refused("missing id", "leads[status][0][status_id]=1&leads[status][0][pipeline_id]=1",
	    "leads[status][0]: missing id");
	refused("missing status_id",
	    "leads[status][4][id]=1&leads[status][4][pipeline_id]=2&account[id]=3",
	    "leads[status][4]: missing status_id");
	refused("missing pipeline_id", "leads[add][0][id]=1&leads[add][0][status_id]=2",
	    "leads[add][0]: missing pipeline_id");
	refused("event with only custom fields",
	    "leads[status][0][id]=1&leads[status][0][status_id]=2&leads[status][0][pipeline_id]=3"
	    "&leads[status][1][custom_fields][0][id]=5", "leads[status][1]: missing id");

	refused("index x", "leads[status][x][id]=1", "leads[status][x][id]: event index must be 1-6 digits");
	refused("empty index", "leads[status][][id]=1", "leads[status][][id]: event index must be");
	refused("7-digit index", "leads[status][1234567][id]=1", "event index must be 1-6 digits");
	refused("signed index", "leads[add][-1][id]=1", "leads[add][-1][id]: event index");
	CHECK(parse("leads[status][999999][id]=1&leads[status][999999][status_id]=2"
	    "&leads[status][999999][pipeline_id]=3", &w) == 0 && w.nevents == 1,
	    "6-digit index accepted (%s)", err);
	kommo_webhook_free(&w);

	refused("duplicate field",
	    "leads[status][0][id]=1&leads[status][0][status_id]=2&leads[status][0][id]=1"
	    "&leads[status][0][pipeline_id]=3", "leads[status][0][id]: given twice");
	refused("duplicate by leading zero",
	    "leads[status][0][id]=1&leads[status][0][status_id]=2&leads[status][00][status_id]=2"
	    "&leads[status][0][pipeline_id]=3", "leads[status][00][status_id]: given twice");
	refused("duplicate account id", "account[id]=1&account[id]=2", "account[id]: given twice");
	refused("duplicate subdomain", "account[subdomain]=a&account[subdomain]=b",
	    "account[subdomain]: given twice");
	CHECK(parse("leads[status][0][id]=1&leads[status][0][status_id]=2&leads[status][0][pipeline_id]=3"
	    "&leads[status][0][name]=a&leads[status][0][name]=b", &w) == 0,
	    "a repeated ignored field is not an error");
	kommo_webhook_free(&w);

	memset(body, 'a', sizeof body);
	memcpy(body, "account[subdomain]=", 19);
	body[19 + 63] = '\0';
	CHECK(parse(body, &w) == 0 && strlen(w.subdomain) == 63, "63-char subdomain accepted");
	kommo_webhook_free(&w);
	body[19 + 63] = 'a';
	body[19 + 64] = '\0';
	refused("64-char subdomain", body, "account[subdomain]: expected at most 63");
	refused("subdomain with a dot", "account[subdomain]=evil.example.com%2F", "account[subdomain]: expected");

	/* Message naming a hostile key: cut to about 60 chars, no control bytes. */
	memset(body, 'z', sizeof body);
	memcpy(body, "leads[%1B%0A", 12);
	body[300] = '\0';
	refused("long unclosed key", body, "unclosed bracket in key leads[??zzz");
	CHECK(strstr(err, "z...") != NULL && strlen(err) < 100, "long key truncated (%zu chars)", strlen(err));
}

/* n events in descending index order, each with extra fields and custom fields. */
static void
make_body(struct buf *b, unsigned n, unsigned ncustom)
{
	unsigned i, c;

	b->len = 0;
	buf_add(b, "account%%5Bid%%5D=12345678&account%%5Bsubdomain%%5D=acme");
	for (i = n; i-- > 0;) {
		buf_add(b, "&leads%%5Bstatus%%5D%%5B%u%%5D%%5Bid%%5D=%u", i, 1000000 + i);
		buf_add(b, "&leads%%5Bstatus%%5D%%5B%u%%5D%%5Bname%%5D=Deal+number+%u", i, i);
		for (c = 0; c < ncustom; c++)
			buf_add(b, "&leads%%5Bstatus%%5D%%5B%u%%5D%%5Bcustom_fields%%5D%%5B%u%%5D"
			    "%%5Bvalues%%5D%%5B0%%5D%%5Bvalue%%5D=v%u", i, c, c);
		buf_add(b, "&leads%%5Bstatus%%5D%%5B%u%%5D%%5Bstatus_id%%5D=67548619", i);
		buf_add(b, "&leads%%5Bstatus%%5D%%5B%u%%5D%%5Bpipeline_id%%5D=8572511", i);
		buf_add(b, "&leads%%5Bstatus%%5D%%5B%u%%5D%%5Bupdated_at%%5D=%u", i, 1726572758 + i);
	}
}

static void
test_large(void)
{
	struct buf b = { NULL, 0, 0 };
	struct kommo_webhook w;
	clock_t t0;
	double secs;
	size_t i;
	int ok = 1;

	make_body(&b, 300, 10);
	t0 = clock();
	CHECK(kommo_webhook_parse(b.s, b.len, &w, err, sizeof err) == 0,
	    "300-event body of %zu bytes parses (%s)", b.len, err);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK(w.nevents == 300, "300 events (got %zu)", w.nevents);
	for (i = 0; i < w.nevents; i++) {
		char want[16];
		snprintf(want, sizeof want, "%zu", 1000000 + i);
		if (strcmp(w.events[i].lead_id, want) != 0)
			ok = 0;
	}
	CHECK(ok, "300 events in index order");
	/* Generous, so that it only fails on a quadratic blowup, even under ASan. */
	CHECK(secs < 1.0, "300-event body parsed in %.3f s", secs);
	kommo_webhook_free(&w);

	/* About 1 MiB: 1000 events with 10 custom fields each (15k pairs). */
	make_body(&b, 1000, 10);
	t0 = clock();
	CHECK(kommo_webhook_parse(b.s, b.len, &w, err, sizeof err) == 0 && w.nevents == 1000,
	    "1000 events (the cap) accepted, %zu bytes (%s)", b.len, err);
	secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	CHECK(secs < 2.0, "1000-event body of %zu bytes parsed in %.3f s", b.len, secs);
	CHECK(w.nevents == 1000 && strcmp(w.events[999].lead_id, "1000999") == 0, "last event is index 999");
	kommo_webhook_free(&w);

	make_body(&b, 1001, 0);
	CHECK(kommo_webhook_parse(b.s, b.len, &w, err, sizeof err) == -1, "1001 events refused");
	CHECK(strstr(err, "more than 1000") != NULL, "cap message (got \"%s\")", err);
	CHECK(w.events == NULL && w.nevents == 0, "cap leaves output empty");
	free(b.s);
}

int
main(void)
{
	test_real_status_body();
	test_add_and_order();
	test_dp_and_others();
	test_ids();
	test_structure();
	test_large();
	return CHECK_DONE();
}
