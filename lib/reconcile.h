/*
 * reconcile: Zoho disables a webhook after 20 failed deliveries and Kommo drops some,
 * so outcomes can go missing. For each request in flight longer than a given age,
 * ask Zoho for its status and queue the outcome as if its webhook had arrived; and
 * optionally start the deals in the trigger stage whose Kommo webhook never came.
 */
#ifndef KZS_RECONCILE_H
#define KZS_RECONCILE_H

#include "config.h"

struct reconcile_counts {
	int checked; /* requests asked about */
	int queued;  /* outcomes queued */
	int failed;  /* requests Zoho could not tell us about now */
	int leads_listed;  /* leads found in the trigger stage (reconcile_leads) */
	int leads_started; /* of those, sends queued */
};

/* Checks requests in flight for at least min_age_s seconds (paced like every call). */
int reconcile_run(const struct config *cfg, long min_age_s, struct reconcile_counts *out);

/*
 * Lists the leads in the trigger stage updated since the last run (the first run looks
 * back a day) and queues a send for each one we never saw, or saw blocked and which
 * changed since: the webhook that should have started it was lost. Leads with a
 * request, or with an outcome, are left alone. 0, or -1 when Kommo could not list them
 * (the next run covers the same time again).
 */
int reconcile_leads(const struct config *cfg, struct reconcile_counts *out);

#endif
