#!/usr/bin/env bash
# deploy/nginx.conf and deploy/kzs-fcgi as a user follows them: the programs started
# by spawn-fcgi on sockets in ~/kzs/run, nginx (its workers as its own user when the
# test runs as root) passing /cgi-bin/ to them, [log] file set as deploy/README.md says.
# A deal goes through its whole lifecycle, bad input is refused by our programs (not
# by nginx's own body cap), and a program's log line reaches the [log] file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/recipe.sh"
kzs_setup --fakes-only
recipe_home
N=$T/nginx
mkdir -p "$N/tmp"
recipe_generate nginx.conf "$RECIPE_HOME/kzs/nginx.conf" || exit 1
recipe_generate kzs-fcgi "$RECIPE_HOME/kzs/kzs-fcgi" || exit 1
chmod 755 "$RECIPE_HOME/kzs/kzs-fcgi"
kzs_conf_set log file "$RECIPE_HOME/kzs/kzs.log"

# nginx_stop: SIGQUIT (graceful), then waits for the master to end.
nginx_stop() {
	[ -n "${NGINX_PID:-}" ] || return 0
	kill -QUIT "$NGINX_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
	NGINX_PID=
}
# program_pids: the pids in kzs-fcgi's pid files (spawn-fcgi ends the last line without a newline).
program_pids() { awk 1 "$RECIPE_HOME"/kzs/run/*.pid 2>/dev/null; }
# programs_stop: SIGUSR1 first (libfcgi leaves its accept loop and exits normally, so
# LeakSanitizer gets to run), then the recipe's own stop.
pids_gone() { for pid; do ! kill -0 "$pid" 2>/dev/null || return 1; done; }
programs_stop() {
	local pids
	pids=$(program_pids)
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086 # one pid a word
	kill -USR1 $pids 2>/dev/null
	# shellcheck disable=SC2086
	wait_within 5 "the programs end on SIGUSR1" pids_gone $pids
	"$RECIPE_HOME/kzs/kzs-fcgi" stop
}
trap 'nginx_stop; programs_stop; kzs_teardown' EXIT

# spawn-fcgi sends the programs' stderr to /dev/null: a sanitizer build's reports go to files.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$N/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$N/sanitizer"
if ! "$RECIPE_HOME/kzs/kzs-fcgi" start; then
	not_ok "kzs-fcgi start failed"
	exit 1
fi
check_eq "kzs-fcgi start: the sockets in ~/kzs/run" "$(find "$RECIPE_HOME/kzs/run" -type s -printf '%f\n' | sort | tr '\n' ' ')" \
	"kommo-hook.sock oauth-callback.sock zoho-hook.sock "
check_eq "kzs-fcgi start: two kommo-hook processes, one of each other" \
	"$(program_pids | wc -l)" 4

# The site's server block that includes the recipe; as root, the workers run as
# www-data, the Debian default, and reach the sockets through the recipe's modes.
ln -s /etc/nginx/fastcgi_params "$N/fastcgi_params"
if [ "$(id -u)" = 0 ]; then
	chmod 711 "$T"
	chown -R www-data "$N/tmp"
fi
port=$(recipe_free_port)
cat >"$N/nginx.conf" <<EOC
$([ "$(id -u)" = 0 ] && echo "user www-data;")
daemon off;
pid $N/nginx.pid;
error_log $N/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $N/tmp/body;
    fastcgi_temp_path $N/tmp/fastcgi;
    proxy_temp_path $N/tmp/proxy;
    uwsgi_temp_path $N/tmp/uwsgi;
    scgi_temp_path $N/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        include $RECIPE_HOME/kzs/nginx.conf;
    }
}
EOC
nginx -p "$N" -c "$N/nginx.conf" 2>>"$N/error.log" &
NGINX_PID=$!
disown
NGINX_URL=http://127.0.0.1:$port
wait_until "nginx answers" curl -s -o /dev/null "$NGINX_URL/" || { sed 's/^/#   /' "$N/error.log"; exit 1; }

recipe_lifecycle "$NGINX_URL/cgi-bin" 1001
recipe_refusals "$NGINX_URL/cgi-bin"

log=$RECIPE_HOME/kzs/kzs.log
check_match "a refused webhook's reason is in the [log] file" "$(cat "$log" 2>/dev/null)" \
	"kommo-hook\\[[0-9]+\\] warning: refused 401: missing or wrong secret in the webhook URL"
check_match "and zoho-hook's" "$(cat "$log" 2>/dev/null)" \
	"zoho-hook\[[0-9]+\] warning: refused 401: X-ZS-WEBHOOK-SIGNATURE does not match the body"
check_eq "the [log] file is readable by its owner only" "$(stat -c %a "$log")" 600
nginx_stop
programs_stop
check_eq "kzs-fcgi stop: no pid file left" "$(program_pids)" ""
recipe_no_sanitizer_report "$log" "$N/error.log" "$N"/sanitizer*
