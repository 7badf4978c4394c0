/*
 * zoho-hook: links the shared library and reads the configuration like the other
 * programs. Its own work is not in this version yet: every request gets 501, and the
 * time after each answer drains queued jobs like every program does.
 */
#include "config.h"
#include "drain.h"
#include "program.h"
#include "web.h"

static void
handle(struct web_request *req, void *arg)
{
	(void)arg;
	web_refuse(req, 501, "zoho-hook is not available in this version");
}

static void
after(void *arg)
{
	drain_run(arg, 25);
}

int
main(void)
{
	struct config cfg;
	int rc;

	if (program_start("zoho-hook", CONFIG_NEED_ZOHO_HOOK, &cfg) == -1)
		return 1;
	rc = web_serve(64 * 1024, handle, after, &cfg);
	config_free(&cfg);
	return rc == 0 ? 0 : 1;
}
