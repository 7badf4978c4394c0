/*
 * libFuzzer target for kommo_webhook_parse. Beyond "no crash, no leak" it checks the
 * promises kommo-hook relies on: a refusal leaves the result empty with a one-line
 * printable reason; an accepted webhook has at most 1000 events, each with the three
 * required ids, every id 1..19 digits, and events ordered by action.
 */
#include "kommo_webhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_id(const char *s, int required)
{
	size_t n = strlen(s);

	if (n == 0 && !required)
		return;
	if (n == 0 || n > KOMMO_WEBHOOK_ID_MAX || strspn(s, "0123456789") != n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kommo_webhook w;
	char err[256];
	size_t i;

	if (kommo_webhook_parse((const char *)data, size, &w, err, sizeof err) != 0) {
		if (w.events != NULL || w.nevents != 0 || w.account_id[0] != '\0' ||
		    w.subdomain[0] != '\0' || err[0] == '\0')
			abort();
		for (i = 0; err[i] != '\0'; i++)
			if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] >= 0x7f)
				abort();
		return 0;
	}
	if (w.nevents > 1000 || (w.nevents > 0) != (w.events != NULL))
		abort();
	check_id(w.account_id, 0);
	if (strlen(w.subdomain) > 63)
		abort();
	for (i = 0; i < w.nevents; i++) {
		const struct kommo_webhook_event *e = &w.events[i];
		if (e->kind != KOMMO_WEBHOOK_STATUS && e->kind != KOMMO_WEBHOOK_ADD)
			abort();
		if (i > 0 && e->kind < w.events[i - 1].kind)
			abort();
		check_id(e->lead_id, 1);
		check_id(e->status_id, 1);
		check_id(e->pipeline_id, 1);
		check_id(e->old_status_id, 0);
		check_id(e->responsible_user_id, 0);
		check_id(e->updated_at, 0);
	}
	kommo_webhook_free(&w);
	return 0;
}
