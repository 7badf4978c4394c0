/*
 * kzsctl send LEAD_ID [--dry-run]. Both read the lead from Kommo first: a lead Kommo does
 * not have, or no connection to it, ends the command with one line. The dry run then
 * builds the request with the send job's own code (contract_draft_*) and prints it;
 * the send queues the deal with the webhook's function, under the job's rules.
 */
#include "kzsctl_send.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "contract.h"
#include "deal.h"
#include "jfield.h"
#include "log.h"
#include "route.h"

/* The lead id and the dry-run flag from argv; -1 when they are not as usage says. */
static int
send_args(int argc, char **argv, const char **lead, int *dry)
{
	int i;

	*lead = NULL;
	*dry = 0;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		size_t n = strspn(a, "0123456789");

		if (strcmp(a, "--dry-run") == 0 && !*dry)
			*dry = 1;
		else if (*lead == NULL && n >= 1 && n <= 19 && a[n] == '\0' && a[0] != '0')
			*lead = a;
		else
			return -1;
	}
	return *lead ? 0 : -1;
}

int
kzsctl_send_args_fit(int argc, char **argv)
{
	const char *lead;
	int dry;

	return send_args(argc, argv, &lead, &dry) == 0;
}

/* Text from Kommo or Zoho, on one line and free of terminal escapes. */
static const char *
shown(const char *text, char *buf, size_t len)
{
	log_escape(text, buf, len);
	return buf;
}

/* The filled request: its name, template, signers and every [fields] value. */
static void
print_request(const struct config *cfg, const struct contract_draft *d)
{
	static const char *const kinds[][2] = {
		{ "field_text_data", "text" }, { "field_date_data", "date" }, { "field_boolean_data", "checkbox" },
	};
	json_object *root = json_tokener_parse(d->fill.data_json);
	json_object *t = jfield_typed(root, "templates", json_type_object);
	json_object *data = jfield_typed(t, "field_data", json_type_object);
	json_object *actions = jfield_typed(t, "actions", json_type_array);
	size_t i, k, n = actions ? json_object_array_length(actions) : 0;
	char a[1100], b[1100], c[1100];

	printf("request name: %s\n", shown(jfield_text(t, "request_name"), a, sizeof a));
	printf("template: %s (%s)\n", cfg->zoho.template_id,
	    shown(jfield_text(d->tpl, "template_name"), a, sizeof a));
	for (i = 0; i < n; i++) {
		json_object *act = json_object_array_get_idx(actions, i);
		const char *role = jfield_text(act, "role"), *source = "";

		for (k = 0; k < cfg->nsigners; k++)
			if (strcmp(cfg->signers[k].name, role) == 0)
				source = cfg->signers[k].source;
		printf("signer %s: %s <%s> from %s, %s, action id %s\n", shown(role, a, sizeof a),
		    shown(jfield_text(act, "recipient_name"), b, sizeof b),
		    shown(jfield_text(act, "recipient_email"), c, sizeof c), source,
		    jfield_text(act, "action_type"), jfield_text(act, "action_id"));
	}
	for (i = 0; i < cfg->nfields; i++) {
		for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			json_object *group = jfield_typed(data, kinds[k][0], json_type_object), *v;

			if (json_object_object_get_ex(group, cfg->fields[i].name, &v))
				printf("field %s (%s): %s\n", cfg->fields[i].name, kinds[k][1],
				    shown(json_object_get_string(v), a, sizeof a));
		}
	}
	json_object_put(root);
}

/* What the job would note on the lead, and what the administrator's log would say. */
static void
print_problems(const struct fill_result *fill)
{
	char a[1100];
	size_t i;

	for (i = 0; i < fill->nproblems; i++)
		printf("not sent: %s\n", shown(fill->problems[i].text, a, sizeof a));
	for (i = 0; i < fill->nproblems; i++)
		if (fill->problems[i].admin)
			printf("for the administrator: %s\n", shown(fill->problems[i].admin, a, sizeof a));
}

static int
send_dry_run(const struct config *all, const char *lead_id, struct contract_draft *d,
    const struct deal *deal, struct job_result *res)
{
	struct remote_result rr;
	struct config route_cfg, *cfg = &route_cfg;
	char marker[64], why[1024];
	int rc, matched;

	printf("lead %s: dry run; nothing is sent or recorded\n", lead_id);
	/* The route that sends it (said when there are [route] sections); when none does,
	 * contract_skip says why. With the one default route its request is shown anyway,
	 * as it was before there were routes. */
	matched = route_choose(all, d->lead, &d->route, why, sizeof why);
	if (matched && all->nroutes > 0)
		printf("matches %s\n", why);
	if (contract_skip(all, deal, d->lead, why, sizeof why))
		printf("a send job would send nothing now: %s\n", why);
	route_view(all, d->route, cfg);
	if (!matched && (all->nroutes > 0 || cfg->zoho.template_id == NULL))
		return 1;
	contract_marker(lead_id, (long long)time(NULL), marker, sizeof marker);
	rc = contract_draft_read(cfg, d, &rr);
	if (rc == -1) {
		fprintf(stderr, "kzsctl: lead %s: %s\n", lead_id, rr.message);
		return 1;
	}
	if (rc == 0)
		rc = contract_draft_fill(cfg, d, marker, res);
	if (rc == -1) {
		fprintf(stderr, "kzsctl: lead %s: %s\n", lead_id, res->error);
		return 1;
	}
	if (rc == 1) {
		print_problems(&d->fill);
		return 1;
	}
	print_request(cfg, d);
	return 0;
}

/* Queues the deal unless the send job would leave it alone. */
static int
send_queue(const struct config *cfg, const char *lead_id, const struct contract_draft *d,
    const struct deal *deal)
{
	char why[1024], err[256];
	int rc;

	if (contract_skip(cfg, deal, d->lead, why, sizeof why)) {
		printf("lead %s: %s; nothing queued\n", lead_id, why);
		return strcmp(deal->state, DEAL_INFLIGHT) == 0 ? 0 : 1;
	}
	rc = contract_queue(cfg, lead_id, (long long)time(NULL), err, sizeof err);
	if (rc == -1) {
		fprintf(stderr, "kzsctl: lead %s: %s; nothing queued\n", lead_id, err);
		return 1;
	}
	if (rc == 1)
		printf("lead %s: already queued to send; nothing more queued\n", lead_id);
	else
		printf("lead %s: queued to send now; the next drain sends it\n", lead_id);
	return 0;
}

int
kzsctl_send(const struct config *cfg, int argc, char **argv)
{
	struct contract_draft d = { 0 };
	struct job_result res = { .retry_after = -1 };
	struct remote_result rr;
	struct deal deal;
	const char *lead_id;
	int dry, rc;

	if (send_args(argc, argv, &lead_id, &dry) == -1)
		return 2;
	if (deal_load(cfg->state_dir, lead_id, &deal) == -1) {
		fprintf(stderr, "kzsctl: cannot read the deals store\n");
		return 1;
	}
	contract_draft_lead(cfg, lead_id, &d, &rr);
	rc = rr.outcome == REMOTE_OK ? 0 : 1;
	if (rr.outcome == REMOTE_NOT_FOUND)
		fprintf(stderr, "kzsctl: Kommo has no lead %s\n", lead_id);
	else if (rr.outcome != REMOTE_OK)
		fprintf(stderr, "kzsctl: cannot read lead %s from Kommo: %s\n", lead_id, rr.message);
	else
		rc = dry ? send_dry_run(cfg, lead_id, &d, &deal, &res) : send_queue(cfg, lead_id, &d, &deal);
	contract_draft_free(&d);
	return rc == -1 ? 1 : rc;
}
