/*
 * kzsctl: the operator's tool. "drain" runs queued jobs now (the cron line),
 * "status" says how things stand, "jobs" lists the queue, "retry" makes every queued job due now, "reconcile" asks
 * Zoho about requests in flight (and Kommo about deals whose webhook was lost), "authorize-url" prints the address that connects
 * Zoho Sign (or Kommo) in a browser; "check" is the preflight (kzsctl_check.c); recover,
 * dump, restore and prune look after the state files (or the database's tables: db init
 * and db migrate make them).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "drain.h"
#include "kzsctl_check.h"
#include "kzsctl_discover.h"
#include "kzsctl_send.h"
#include "log.h"
#include "oauth_start.h"
#include "outbox.h"
#include "program.h"
#include "reconcile.h"
#include "status.h"
#include "report.h"
#include "state_format.h"
#include "store.h"
#include "store_admin.h"
#include "store_sql.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: kzsctl drain [--watch]\n"
	    "                         run due jobs now, and those falling due within [limits]\n"
	    "                         cron_drain_seconds; --watch (the cron line, every few\n"
	    "                         minutes) also takes jobs queued later, to the run's end\n"
	    "       kzsctl status     who is connected, when each webhook last came, the queue,\n"
	    "                         requests in flight, the last outcomes and errors\n"
	    "       kzsctl jobs       list queued jobs\n"
	    "       kzsctl retry      make every queued job due now, given-up (DEAD) ones too\n"
	    "       kzsctl reconcile [--leads] [MINUTES]\n"
	    "                         ask Zoho about every request in flight for at least\n"
	    "                         MINUTES (default 60) and bring back outcomes whose\n"
	    "                         webhook never came (cron, hourly); with --leads, also\n"
	    "                         send the deals that entered the trigger stage since the\n"
	    "                         last run (the first run: the last day) without their\n"
	    "                         webhook\n"
	    "       kzsctl send LEAD_ID [--dry-run]\n"
	    "                         queue the deal's contract now, as Kommo's webhook would\n"
	    "                         (nothing when a request is in flight); --dry-run shows\n"
	    "                         the request it would make, or what is missing, and\n"
	    "                         sends and records nothing\n"
	    "       kzsctl db init | db migrate\n"
	    "                         with [state] backend = mariadb: make the state tables in\n"
	    "                         an empty database, or upgrade them to this version's\n"
	    "       kzsctl check [--offline]\n"
	    "                         the preflight: the configuration each program needs, the\n"
	    "                         state folder and every state file, the limits, and one\n"
	    "                         call each to Kommo and Zoho Sign (none with --offline)\n"
	    "                         with the template against [fields] and [signers]; a line\n"
	    "                         OK or FAIL (with the fix) each, exit status 1 on a FAIL\n"
	    "       kzsctl recover NAME  rebuild a damaged state file (a backup is kept);\n"
	    "                         for the GDBM files of backend = gdbm only\n"
	    "       kzsctl dump DIR   write every state file (backend = mariadb: every state\n"
	    "                         table) to DIR as a portable dump, NAME.dump each\n"
	    "       kzsctl restore DIR [NAME]\n"
	    "                         replace the state files or tables (or only NAME) with\n"
	    "                         the dumps in DIR, once every dump has loaded completely\n"
	    "                         and its record count matches; work queued after the dump\n"
	    "                         is lost. A dump of either backend restores into either\n"
	    "       kzsctl prune      forget webhook deliveries whose event is older than\n"
	    "                         30 days (zoho-hook refuses those as stale)\n"
	    "       kzsctl authorize-url [zoho|kommo]\n"
	    "                         print a single-use address that connects Zoho Sign (or\n"
	    "                         Kommo): open it once, within 10 minutes, in your own\n"
	    "                         browser; only that browser can finish the connection\n");
	discover_usage(out);
	fprintf(out,
	    "       kzsctl help       this text\n"
	    "The configuration is $KZS_CONFIG, else ~/kzs/kzs.conf.\n");
}

struct job_listing {
	long long now;
	int count;
};

static void
print_job(const struct outbox_job *job, void *arg)
{
	struct job_listing *listing = arg;
	long long now = listing->now;
	char key[4 * sizeof job->key], error[4 * sizeof job->last_error];

	/* The error may quote Kommo or Zoho: one job, one line, whatever they said. */
	log_escape(job->key, key, sizeof key);
	log_escape(job->last_error, error, sizeof error);
	printf("%-24s %sattempts=%d due_in=%llds%s%s\n", key, job->dead ? "DEAD " : "", job->attempts,
	    job->next_at > now ? job->next_at - now : 0LL, error[0] ? " last_error=" : "", error);
	listing->count++;
}

/* jobs: one line per queued job; a person running it sees when there are none (the
 * list itself, on stdout, stays empty for scripts). */
static int
list_jobs(const struct config *cfg, long long now)
{
	struct job_listing listing = { now, 0 };

	if (outbox_list(cfg->state_dir, print_job, &listing) == -1)
		return 1;
	if (listing.count == 0)
		log_info("no jobs queued");
	return 0;
}

/* reconcile [--leads] [MINUTES] */
static int
reconcile(const struct config *cfg, int argc, char **argv)
{
	struct reconcile_counts counts;
	const char *minutes = NULL;
	char *end = NULL;
	int i, leads = 0, rc = 0;
	long m = 60;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--leads") == 0 && !leads) {
			leads = 1;
		} else if (minutes == NULL && *argv[i] && (m = strtol(argv[i], &end, 10)) >= 0 &&
		    m <= 525600 && *end == '\0') {
			minutes = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (reconcile_run(cfg, m * 60, &counts) == -1)
		return 1;
	printf("checked %d request(s), queued %d outcome(s), %d could not be checked now\n",
	    counts.checked, counts.queued, counts.failed);
	if (leads) {
		rc = reconcile_leads(cfg, &counts) == -1;
		if (rc)
			printf("could not list the leads in the trigger stage now (see the log)\n");
		else
			printf("found %d lead(s) in the trigger stage, started %d without a request\n",
			    counts.leads_listed, counts.leads_started);
	}
	return rc;
}

/* The outbox's index of due times, built again from the jobs; 0 done. */
static int
queue_index_rebuilt(const struct config *cfg)
{
	char err[256];

	if (outbox_index_rebuild(cfg->state_dir, err, sizeof err) == -1) {
		fprintf(stderr, "kzsctl: %s\n", err);
		return -1;
	}
	printf("outbox   its index of due times was built again from the jobs\n");
	return 0;
}

/*
 * Over a state in a newer format, only a restore of every file is allowed: each state
 * file present needs its dump, so no file of the newer format stays. 0 when so.
 */
static int
restore_covers_all(const struct config *cfg, const char *folder, const char *only)
{
	char dump[1024];
	size_t i;

	if (only != NULL) {
		fprintf(stderr, "kzsctl: the state is in a newer format: restore every file (kzsctl restore %s), "
		    "not one; nothing restored\n", folder);
		return -1;
	}
	for (i = 0; i < store_admin_count; i++) {
		snprintf(dump, sizeof dump, "%s/%s.dump", folder, store_admin_names[i]);
		if (store_admin_present(cfg->state_dir, store_admin_names[i]) && access(dump, F_OK) == -1) {
			fprintf(stderr, "kzsctl: the state is in a newer format and %s has no dump of %s: move the "
			    "state folder aside and restore into an empty one; nothing restored\n", folder,
			    store_admin_names[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * restore DIR [NAME]: every dump is loaded and checked before any live file is replaced.
 * newer: the state is in a format newer than this build's, and becomes this build's.
 */
static int
restore(const struct config *cfg, const char *folder, const char *only, int newer)
{
	struct store_admin_restore loaded[16];
	char err[1024], path[1024];
	struct stat st;
	size_t i, n = 0;
	int rc = 0;

	if (stat(folder, &st) == -1 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "kzsctl: %s: no such folder; nothing restored\n", folder);
		return 1;
	}
	if (only != NULL && !store_admin_known(only)) {
		fprintf(stderr, "kzsctl: unknown state file \"%s\"; nothing restored\n", only);
		return 1;
	}
	if (newer && restore_covers_all(cfg, folder, only) == -1)
		return 1;
	for (i = 0; i < store_admin_count && n < sizeof loaded / sizeof loaded[0] && rc == 0; i++) {
		if (only != NULL && strcmp(only, store_admin_names[i]) != 0)
			continue;
		snprintf(path, sizeof path, "%s/%s.dump", folder, store_admin_names[i]);
		if (only == NULL && access(path, F_OK) == -1 && errno == ENOENT) {
			printf("%-8s no dump in %s, left as it is\n", store_admin_names[i], folder);
			continue;
		}
		rc = store_admin_restore_load(cfg->state_dir, store_admin_names[i], path, &loaded[n], err, sizeof err);
		if (rc == 0)
			n++;
		else
			fprintf(stderr, "kzsctl: %s\n", err);
	}
	if (rc == 0 && n == 0) {
		fprintf(stderr, "kzsctl: %s holds no dump (NAME.dump); nothing restored\n", folder);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (rc == 0 && store_admin_restore_swap(cfg->state_dir, &loaded[i], err, sizeof err) == 0) {
			printf("%-8s <- %s/%s.dump\n", loaded[i].name, folder, loaded[i].name);
			if (strcmp(loaded[i].name, STORE_OUTBOX) == 0 && queue_index_rebuilt(cfg) == -1)
				rc = -1;
		} else if (rc == 0) {
			fprintf(stderr, "kzsctl: %s; the ones listed above were replaced, the others not\n", err);
			rc = -1;
		}
		store_admin_restore_drop(&loaded[i]);
	}
	if (rc == 0 && newer && state_format_set(cfg->state_dir, err, sizeof err) == -1) {
		fprintf(stderr, "kzsctl: %s\n", err);
		rc = -1;
	}
	return rc != 0;
}

/* Creates the dump folder (and its parents) open to its owner only, as the state is. */
static int
folder_made(const char *folder)
{
	char path[1024];
	size_t i;

	snprintf(path, sizeof path, "%s", folder);
	for (i = 1; path[i] != '\0'; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			break;
		path[i] = '/';
	}
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		fprintf(stderr, "kzsctl: cannot create the folder %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* recover, dump, prune: the state files' care. */
static int
state_command(const struct config *cfg, const char *cmd, const char *arg)
{
	char err[512], path[1024];
	size_t i, present = 0;
	int rc = 0, n;

	if (strcmp(cmd, "recover") == 0) {
		rc = store_admin_recover(cfg->state_dir, arg, err, sizeof err);
		printf("%s\n", err);
		if (rc == 0 && strcmp(arg, STORE_OUTBOX) == 0)
			rc = queue_index_rebuilt(cfg);
		return rc == 0 ? 0 : 1;
	}
	if (strcmp(cmd, "prune") == 0) {
		n = store_admin_prune_seen(cfg->state_dir, (long long)time(NULL), err, sizeof err);
		if (n < 0)
			fprintf(stderr, "kzsctl: %s\n", err);
		else
			printf("pruned %d expired delivery key(s)\n", n);
		return n < 0;
	}
	if (strcmp(cmd, "dump") == 0 && folder_made(arg) == -1)
		return 1;
	for (i = 0; i < store_admin_count; i++) {
		int one;

		if (!store_admin_present(cfg->state_dir, store_admin_names[i])) {
			if (strcmp(cmd, "dump") == 0)
				printf("%-8s not created yet, nothing to dump\n", store_admin_names[i]);
			continue;
		}
		present++;
		snprintf(path, sizeof path, "%s/%s.dump", arg ? arg : "", store_admin_names[i]);
		one = store_admin_dump(cfg->state_dir, store_admin_names[i], path, err, sizeof err);
		if (one == 0)
			printf("%-8s -> %s\n", store_admin_names[i], path);
		else
			fprintf(stderr, "kzsctl: %s\n", err);
		rc |= one != 0;
	}
	if (present == 0) /* only GDBM files are created as needed */
		printf("no state file in %s yet: each is created by the first webhook or job that needs "
		    "it; nothing to %s\n", cfg->state_dir, cmd);
	return rc;
}

/* db init, db migrate: the tables of [state] backend = mariadb. */
static int
db_command(const struct config *cfg, const char *what)
{
	char msg[1200];
	int rc;

	if (strcmp(what, "init") != 0 && strcmp(what, "migrate") != 0) {
		usage(stderr);
		return 2;
	}
	if (cfg->state_backend != CONFIG_BACKEND_MARIADB) {
		fprintf(stderr, "kzsctl: %s: [state] backend is gdbm (files in %s); db %s is for "
		    "backend = mariadb\n", cfg->path, cfg->state_dir ? cfg->state_dir : "[state] dir", what);
		return 1;
	}
	rc = strcmp(what, "init") == 0 ? store_sql_init(msg, sizeof msg) : store_sql_migrate(msg, sizeof msg);
	fprintf(rc == 0 ? stdout : stderr, "%s%s\n", rc == 0 ? "" : "kzsctl: ", msg);
	return rc != 0;
}

static int
authorize_url(const struct config *cfg, const char *provider)
{
	char err[256], *url = NULL;

	if (strcmp(provider, "zoho") != 0 && strcmp(provider, "kommo") != 0) {
		usage(stderr);
		return 2;
	}
	if (oauth_start_code_url(cfg, provider, &url, err, sizeof err) == -1) {
		fprintf(stderr, "kzsctl: %s\n", err);
		return 1;
	}
	printf("%s\n", url);
	fprintf(stderr, "kzsctl: open this address once, within 10 minutes, in the browser you "
	    "approve the access with; it works one time only, and only that browser can finish "
	    "the connection\n");
	free(url);
	return 0;
}

/* 1 when the command is known and has as many arguments as it takes. */
static int
args_fit(int argc, char **argv)
{
	static const struct {
		const char *name;
		int min, max; /* arguments after the command */
	} commands[] = {
		{ "drain", 0, 1 }, { "status", 0, 0 }, { "jobs", 0, 0 }, { "retry", 0, 0 },
		{ "prune", 0, 0 }, { "recover", 1, 1 }, { "dump", 1, 1 }, { "restore", 1, 2 },
		{ "reconcile", 0, 2 }, { "authorize-url", 0, 1 }, { "send", 1, 2 }, { "db", 1, 1 },
	};
	size_t i;

	if (argc >= 2 && discover_is_command(argv[1]))
		return discover_args_fit(argc, argv);
	for (i = 0; argc >= 2 && i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return argc - 2 >= commands[i].min && argc - 2 <= commands[i].max;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	long long now = (long long)time(NULL);
	char err[1200];
	int rc = 0, format;

	if (argc == 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	/* Before the start-up below: the check reports what that would stop at. */
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return kzsctl_check(argc, argv);
	if (!args_fit(argc, argv) || (strcmp(argv[1], "send") == 0 && !kzsctl_send_args_fit(argc, argv))) {
		usage(stderr);
		return 2;
	}
	report_every_time(); /* the operator sees every trouble, not one a minute */
	if (program_start("kzsctl", 0, &cfg) == -1)
		return 1;
	if (program_private(&cfg) == -1) {
		config_free(&cfg);
		return 1;
	}
	/* A state in a newer format is left to the newer build, or replaced by a dump. */
	format = state_format_use(cfg.state_dir, err, sizeof err);
	if (format != 0 && !(format > 0 && strcmp(argv[1], "restore") == 0)) {
		fprintf(stderr, "kzsctl: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	/* The database must answer, in the schema this build knows (db init and migrate make it so). */
	if (strcmp(argv[1], "db") != 0 && strcmp(argv[1], "recover") != 0 && store_admin_usable(cfg.state_dir, err, sizeof err) == -1) {
		config_free(&cfg); /* the store has said why, in one line */
		return 1;
	}
	if (strcmp(argv[1], "drain") == 0 && argc == 3 && strcmp(argv[2], "--watch") != 0) {
		usage(stderr);
		rc = 2;
	} else if (strcmp(argv[1], "drain") == 0) {
		int busy, ran = drain_cron(&cfg, argc == 3, &busy);

		if (busy)
			printf("another drain is running; this one leaves the work to it\n");
		else
			printf("ran %d job(s)\n", ran);
	} else if (strcmp(argv[1], "status") == 0) {
		rc = status_print(&cfg, now, stdout) == -1;
	} else if (strcmp(argv[1], "jobs") == 0) {
		rc = list_jobs(&cfg, now);
	} else if (strcmp(argv[1], "retry") == 0) {
		int n = outbox_make_all_due(cfg.state_dir, now);

		rc = n < 0;
		if (n >= 0)
			printf("%d job(s) due now\n", n);
	} else if (strcmp(argv[1], "reconcile") == 0) {
		rc = reconcile(&cfg, argc, argv);
	} else if (strcmp(argv[1], "authorize-url") == 0) {
		rc = authorize_url(&cfg, argc == 3 ? argv[2] : "zoho");
	} else if (strcmp(argv[1], "send") == 0) {
		rc = kzsctl_send(&cfg, argc, argv);
	} else if (discover_is_command(argv[1])) {
		rc = discover_run(&cfg, argc, argv);
	} else if (strcmp(argv[1], "db") == 0) {
		rc = db_command(&cfg, argv[2]);
	} else if (strcmp(argv[1], "restore") == 0) {
		rc = restore(&cfg, argv[2], argc == 4 ? argv[3] : NULL, format > 0);
	} else { /* prune, recover, dump */
		rc = state_command(&cfg, argv[1], argc >= 3 ? argv[2] : NULL);
	}
	config_free(&cfg);
	return rc;
}
