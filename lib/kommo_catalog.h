/*
 * kommo_catalog: what an integrator looks up in the Kommo account to fill in the
 * configuration: the account itself, its users, its pipelines with their stages, and
 * the custom fields of leads, contacts and companies. Reads only, through kommo_api;
 * every list is read to its end, page after page. Ids stay text.
 */
#ifndef KZS_KOMMO_CATALOG_H
#define KZS_KOMMO_CATALOG_H

#include <stddef.h>

#include "config.h"
#include "remote.h"

#define KOMMO_CATALOG_STAGE_WON "142"  /* every pipeline's "Closed - won" */
#define KOMMO_CATALOG_STAGE_LOST "143" /* every pipeline's "Closed - lost" */

struct kommo_catalog_account {
	char id[24];
	char name[256];
	char subdomain[128];
};

struct kommo_catalog_user {
	char id[24];
	char name[256];
	char email[256];
};

struct kommo_catalog_users {
	struct kommo_catalog_user *items;
	size_t n;
};

struct kommo_catalog_stage {
	char id[24];
	char name[256];
};

struct kommo_catalog_pipeline {
	char id[24];
	char name[256];
	int is_main, is_archive;
	struct kommo_catalog_stage *stages; /* in Kommo's order */
	size_t nstages;
};

struct kommo_catalog_pipelines {
	struct kommo_catalog_pipeline *items;
	size_t n;
};

struct kommo_catalog_field {
	char entity[16]; /* leads, contacts or companies */
	char id[24];
	char name[256];
	char type[32]; /* text, numeric, date, select, multitext ... */
	char code[64]; /* PHONE, EMAIL ...; "" when none */
};

struct kommo_catalog_fields {
	struct kommo_catalog_field *items; /* the leads', then the contacts', then the companies' */
	size_t n;
};

/* GET /api/v4/account: its id, name and subdomain. */
void kommo_catalog_account(const struct config *cfg, struct kommo_catalog_account *out,
    struct remote_result *rr);

/* GET /api/v4/users, every page (Kommo allows it to administrators only). */
void kommo_catalog_users(const struct config *cfg, struct kommo_catalog_users *out, struct remote_result *rr);

/* GET /api/v4/leads/pipelines: every pipeline with its stages. */
void kommo_catalog_pipelines(const struct config *cfg, struct kommo_catalog_pipelines *out,
    struct remote_result *rr);

/* GET /api/v4/{leads,contacts,companies}/custom_fields, every page of each. */
void kommo_catalog_fields(const struct config *cfg, struct kommo_catalog_fields *out,
    struct remote_result *rr);

/* The pipeline with this id, or NULL; the stage with this id in it, or NULL. */
const struct kommo_catalog_pipeline *kommo_catalog_pipeline_find(const struct kommo_catalog_pipelines *list,
    const char *id);
const struct kommo_catalog_stage *kommo_catalog_stage_find(const struct kommo_catalog_pipeline *pipeline,
    const char *id);

/* Each list is left empty when its call did not end REMOTE_OK; freeing an empty one is fine. */
void kommo_catalog_users_free(struct kommo_catalog_users *list);
void kommo_catalog_pipelines_free(struct kommo_catalog_pipelines *list);
void kommo_catalog_fields_free(struct kommo_catalog_fields *list);

#endif
