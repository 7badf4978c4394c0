/*
 * preflight: everything the programs need before they can work, checked at once, each
 * finding one line: the configuration as each program's start checks it, the state
 * folder and its files, the pacing and time limits against the remotes' and the web
 * server's, and (unless offline) both connections and the template, with one cheap
 * call each. What `kzsctl check` prints. Nothing in the state is changed, but for what
 * a remote call itself keeps there (a renewed access token, its pacing turn).
 */
#ifndef KZS_PREFLIGHT_H
#define KZS_PREFLIGHT_H

/*
 * One finding: ok, what was checked, and detail (what was found; for a failure the fix,
 * naming the config key or command). detail may be "" for an ok.
 */
typedef void (*preflight_line_fn)(int ok, const char *what, const char *detail, void *arg);

/*
 * Loads the configuration as the programs find it (config_path NULL: $KZS_CONFIG, else
 * the default location) and checks it all; offline leaves out the calls to Kommo and
 * Zoho Sign and the template checks that need them. Returns the number of failures.
 */
int preflight_run(const char *config_path, int offline, preflight_line_fn line, void *arg);

/*
 * The web server's usual wait for a FastCGI program's answer: mod_fcgid's FcgidIOTimeout
 * by default (nginx's fastcgi_read_timeout is 60 s by default, 40 s in deploy/nginx.conf).
 * oauth-callback makes one remote call while the browser and the server wait for it.
 */
#define PREFLIGHT_SERVER_IO_TIMEOUT 40
/* What the rest of such a request may take besides its remote call. */
#define PREFLIGHT_REQUEST_MARGIN 5

/* The remotes' limits (tests/fakes/API.md): Kommo blocks an address that keeps going
 * over 7 calls a second; Zoho Sign allows 50 calls a minute. */
#define PREFLIGHT_KOMMO_MAX_PER_SECOND 7
#define PREFLIGHT_ZOHO_MAX_PER_MINUTE 50

#endif
