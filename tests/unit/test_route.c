/*
 * Unit tests for lib/route.c: which route a lead takes (a table of leads and configs),
 * kommo-hook's stage filter, the config a route sees, and the stages kept on a request.
 */
#include "check.h"
#include "config.h"
#include "route.h"

#include <stdio.h>
#include <string.h>

static const char config_text[] =
    "[kommo]\npipeline_id = 1\ntrigger_status_id = 10\nsigned_status_id = 11\n"
    "[zoho]\ntemplate_id = 500\n"
    "[fields]\nName = lead.name\n"
    "[signers]\nClient = contact.main\n"
    "[route b2b]\npipeline_id = 2\ntrigger_status_id = 20\ntemplate_id = 600\n"
    "signed_status_id = 21\nwhen = lead.cf.77 = \"B2B\"\n"
    "[route b2b fields]\nVAT = lead.cf.78\n"
    "[route b2c]\npipeline_id = 2\ntrigger_status_id = 20\ntemplate_id = 700\n"
    "signed_status_id = 22\ndeclined_status_id = 23\nwhen = lead.cf.77 = \"B2C\"\n"
    "[route late]\npipeline_id = 3\ntrigger_status_id = 30\ntemplate_id = 800\n"
    "[route also-late]\npipeline_id = 3\ntrigger_status_id = 30\ntemplate_id = 801\n";

/* A lead as GET /leads/{id} gives it; kind "" leaves field 77 unset. */
static json_object *
lead_new(const char *pipeline, const char *status, const char *kind)
{
	char text[512];

	snprintf(text, sizeof text, "{\"id\":5,\"pipeline_id\":%s,\"status_id\":%s,\"custom_fields_values\":"
	    "[{\"field_id\":77,\"values\":[{\"value\":\"%s\",\"enum_id\":4}]}]}", pipeline, status, kind);
	if (*kind == '\0')
		snprintf(text, sizeof text, "{\"id\":5,\"pipeline_id\":%s,\"status_id\":%s}", pipeline, status);
	return json_tokener_parse(text);
}

static void
test_choice_table(const struct config *cfg)
{
	static const struct {
		const char *pipeline, *status, *kind; /* the lead */
		const char *route;                    /* chosen: name, "" default, NULL none */
		const char *why;
	} cases[] = {
		{ "1", "10", "", "", "the default route (pipeline 1, stage 10)" },
		{ "1", "10", "B2B", "", "the default route (pipeline 1, stage 10)" },
		{ "2", "20", "B2B", "b2b", "route b2b (pipeline 2, stage 20, lead.cf.77 is \"B2B\")" },
		{ "2", "20", "B2C", "b2c", "route b2c (pipeline 2, stage 20, lead.cf.77 is \"B2C\")" },
		{ "2", "20", "b2c", NULL, "no route matches (route b2b: lead.cf.77 is \"b2c\", not \"B2B\"; "
		    "route b2c: lead.cf.77 is \"b2c\", not \"B2C\"; route late: not in the trigger stage; "
		    "route also-late: not in the trigger stage; the default route: not in the trigger stage)" },
		{ "2", "20", "", NULL, "no route matches (route b2b: lead.cf.77 is \"\", not \"B2B\"; "
		    "route b2c: lead.cf.77 is \"\", not \"B2C\"; route late: not in the trigger stage; "
		    "route also-late: not in the trigger stage; the default route: not in the trigger stage)" },
		{ "2", "21", "B2B", NULL, NULL },   /* the right pipeline, another stage */
		{ "1", "20", "B2B", NULL, NULL },   /* the stage of another pipeline */
		{ "3", "30", "", "late", "route late (pipeline 3, stage 30)" }, /* two match: the first */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_object *lead = lead_new(cases[i].pipeline, cases[i].status, cases[i].kind);
		const struct config_route *r = (const void *)cfg; /* must be overwritten */
		char why[1024];
		int found = route_choose(cfg, lead, &r, why, sizeof why);

		if (cases[i].route == NULL)
			CHECK(found == 0 && r == NULL, "case %zu: no route", i);
		else
			CHECK(found == 1 && strcmp(route_name(r), cases[i].route) == 0 && (r == NULL) == !*cases[i].route,
			    "case %zu: route \"%s\" (got %d \"%s\")", i, cases[i].route, found, found ? route_name(r) : "");
		if (cases[i].why)
			CHECK_STR(why, cases[i].why, "case %zu: why", i);
		json_object_put(lead);
	}
}

static void
test_single_route(void)
{
	static const char one[] = "[kommo]\npipeline_id = 1\ntrigger_status_id = 10\n[zoho]\ntemplate_id = 5\n";
	const struct config_route *r;
	struct config cfg;
	json_object *lead = lead_new("1", "11", "");
	char err[256], why[256];

	CHECK(config_parse(one, strlen(one), "t.conf", &cfg, NULL, NULL, err, sizeof err) == 0, "parses");
	CHECK(route_choose(&cfg, lead, &r, why, sizeof why) == 0, "one route: another stage does not send");
	CHECK_STR(why, "not in the trigger stage", "one route: the reason as before routes");
	CHECK(route_stage_starts(&cfg, "1", "10") && !route_stage_starts(&cfg, "1", "11") &&
	    !route_stage_starts(&cfg, "2", "10"), "one route: only its stage starts");
	json_object_put(lead);
	config_free(&cfg);
	/* Routes alone: no default route, even for a lead in the [kommo] keys' stage. */
	CHECK(config_parse("[kommo]\nsigned_status_id = 1\n", 29, "t.conf", &cfg, NULL, NULL, err, sizeof err) == 0,
	    "no route at all parses");
	lead = lead_new("1", "10", "");
	CHECK(route_choose(&cfg, lead, &r, why, sizeof why) == 0 && !route_stage_starts(&cfg, "1", "10"),
	    "without pipeline, stage and template there is no default route");
	CHECK_STR(why, "no route matches ()", "nothing to try");
	json_object_put(lead);
	config_free(&cfg);
}

static void
test_view_and_record(const struct config *cfg)
{
	const struct config_route *b2b = &cfg->routes[0], *b2c = &cfg->routes[1];
	struct route_stages st;
	struct config view;
	json_object *rec, *req;

	CHECK(route_stage_starts(cfg, "2", "20") && route_stage_starts(cfg, "3", "30") &&
	    route_stage_starts(cfg, "1", "10") && !route_stage_starts(cfg, "2", "10") &&
	    !route_stage_starts(cfg, "1", "20"), "kommo-hook's filter: any route's pipeline and stage");
	route_view(cfg, b2b, &view);
	CHECK(strcmp(view.zoho.template_id, "600") == 0 && strcmp(view.kommo.pipeline_id, "2") == 0 &&
	    strcmp(view.kommo.signed_status_id, "21") == 0 && view.kommo.declined_status_id == NULL,
	    "the view has the route's template and stages");
	CHECK(view.nfields == 2 && strcmp(view.fields[0].name, "VAT") == 0 && strcmp(view.fields[1].name, "Name") == 0,
	    "the view has the route's fields, then the inherited ones");
	CHECK(view.nsigners == 1 && view.state_dir == cfg->state_dir && view.kommo.base_url == cfg->kommo.base_url,
	    "the rest is the config's");
	route_view(cfg, NULL, &view);
	CHECK(strcmp(view.zoho.template_id, "500") == 0 && view.fields == cfg->fields, "the default route's view");

	/* The record keeps the stages as they were: a later config does not move the deal elsewhere. */
	route_view(cfg, b2c, &view);
	req = json_object_new_object();
	json_object_object_add(req, "route", route_record(&view, b2c));
	CHECK_STR(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
	    "{\"route\":{\"name\":\"b2c\",\"pipeline_id\":\"2\",\"trigger_status_id\":\"20\","
	    "\"signed_status_id\":\"22\",\"declined_status_id\":\"23\"}}", "the route as recorded");
	rec = json_tokener_parse(json_object_to_json_string(req));
	route_recorded(cfg, rec, &st);
	CHECK(strcmp(st.pipeline_id, "2") == 0 && strcmp(st.trigger_status_id, "20") == 0 &&
	    strcmp(st.signed_status_id, "22") == 0 && strcmp(st.declined_status_id, "23") == 0,
	    "the outcome uses the recorded route's stages");
	json_object_put(rec);
	json_object_put(req);
	rec = json_tokener_parse("{\"lead\":\"5\",\"actions\":[]}");
	route_recorded(cfg, rec, &st);
	CHECK(st.pipeline_id == cfg->kommo.pipeline_id && st.signed_status_id == cfg->kommo.signed_status_id &&
	    st.declined_status_id == NULL, "a record from before routes: the default route's stages");
	json_object_put(rec);
	route_recorded(cfg, NULL, &st);
	CHECK(st.trigger_status_id == cfg->kommo.trigger_status_id, "no record: the default route's stages");
}

int
main(void)
{
	struct config cfg;
	char err[512];

	CHECK(config_parse(config_text, strlen(config_text), "t.conf", &cfg, NULL, NULL, err, sizeof err) == 0,
	    "the routes config parses (%s)", err);
	test_choice_table(&cfg);
	test_view_and_record(&cfg);
	config_free(&cfg);
	test_single_route();
	return CHECK_DONE();
}
