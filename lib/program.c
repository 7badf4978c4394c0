/*
 * program: the start-up every program shares. FastCGI processes live for hours, so
 * an operator's edit of the config file (or of its permissions) is seen at the next request.
 */
#include "program.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "report.h"
#include "state_format.h"
#include "store.h"
#include "web.h"
#include "zone.h"

static unsigned reload_needs;
static struct stat loaded_stat;

static void
warn_config(const char *file, int line, const char *message, void *arg)
{
	(void)file;
	(void)line;
	(void)arg;
	log_warn("%s", message); /* message already names the file and line */
}

static int
read_config(struct config *cfg, const char *path)
{
	char err[512];

	if (config_load(path, reload_needs, cfg, warn_config, NULL, err, sizeof err) == -1) {
		log_err("%s", err);
		return -1;
	}
	if (log_use_file(cfg->log.file, err, sizeof err) == -1)
		log_err("%s", err);
	if (store_use(cfg, err, sizeof err) == -1) {
		log_err("%s", err);
		config_free(cfg);
		return -1;
	}
	zone_use(cfg->zoho.time_zone);
	if (stat(cfg->path, &loaded_stat) == -1)
		loaded_stat.st_mtime = 0;
	return 0;
}

int
program_start(const char *name, unsigned needs, struct config *cfg)
{
	log_init(name);
	reload_needs = needs;
	if (read_config(cfg, NULL) == -1)
		return -1;
	http_global_init();
	srandom((unsigned)(time(NULL) ^ getpid()));
	return 0;
}

void
program_config_refresh(struct config *cfg)
{
	struct stat st;
	struct config fresh;

	if (stat(cfg->path, &st) == -1 ||
	    (st.st_mtim.tv_sec == loaded_stat.st_mtim.tv_sec &&
		st.st_mtim.tv_nsec == loaded_stat.st_mtim.tv_nsec &&
		st.st_size == loaded_stat.st_size && st.st_ino == loaded_stat.st_ino))
		return;
	if (read_config(&fresh, cfg->path) == -1) {
		log_err("%s changed but does not load; still using the previous configuration", cfg->path);
		loaded_stat = st; /* say it once, not on every request */
		return;
	}
	config_free(cfg);
	*cfg = fresh;
	log_info("%s changed: configuration reloaded", cfg->path);
}

int
program_config_private(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return 0; /* gone since it was read: the next refresh says so */
	if ((st.st_mode & 077) == 0)
		return 0;
	snprintf(err, errlen, "%s holds secrets and is open to group or others (mode %03o); chmod 600 %s",
	    path, (unsigned)(st.st_mode & 0777), path);
	return -1;
}

int
program_private(const struct config *cfg)
{
	char err[1200];

	if (program_config_private(cfg->path, err, sizeof err) == 0 &&
	    (cfg->state_dir == NULL || store_dir_check(cfg->state_dir, err, sizeof err) == 0))
		return 0;
	report_trouble(cfg->state_dir, "permissions", "%s; refusing to work until then", err);
	return -1;
}

int
program_state_usable(const struct config *cfg, char *reason, size_t len)
{
	char err[1200];
	int rc;

	if (cfg->state_dir == NULL)
		return 0;
	rc = state_format_use(cfg->state_dir, err, sizeof err);
	if (rc == 0)
		return 0;
	report_trouble(cfg->state_dir, "format", "%s", err);
	if (rc > 0)
		state_format_newer(NULL, rc, reason, len); /* the folder is the operator's business */
	else
		snprintf(reason, len, "the state folder's format cannot be read; the error log says what to fix");
	return -1;
}

int
program_request_begin(struct config *cfg, struct web_request *req)
{
	char reason[300];

	program_config_refresh(cfg);
	if (program_private(cfg) == -1) {
		web_refuse(req, 503, "this service is not safely set up; its error log says what to fix");
		return -1;
	}
	/* Checked at every request: a newer build may have changed the state since this process started. */
	if (program_state_usable(cfg, reason, sizeof reason) == 0)
		return 0;
	web_refuse(req, 503, reason);
	return -1;
}
