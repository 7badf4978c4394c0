/*
 * reconcile: Zoho disables a webhook after 20 failed deliveries and Kommo drops some,
 * so outcomes can go missing. For each request in flight longer than a given age,
 * ask Zoho for its status and queue the outcome as if its webhook had arrived.
 */
#ifndef KZS_RECONCILE_H
#define KZS_RECONCILE_H

#include "config.h"

struct reconcile_counts {
	int checked; /* requests asked about */
	int queued;  /* outcomes queued */
	int failed;  /* requests Zoho could not tell us about now */
};

/* Checks requests in flight for at least min_age_s seconds (paced like every call). */
int reconcile_run(const struct config *cfg, long min_age_s, struct reconcile_counts *out);

#endif
