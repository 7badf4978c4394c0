# apache.sh: starts Apache httpd on loopback in front of our programs: /cgi-bin/ through
# mod_fcgid, /cgi/ as plain CGI through mod_cgid (the fakes run on their own ports, see lib.sh).
# Sourced after lib.sh's kzs_setup.
# shellcheck shell=bash

# As root, Apache runs its children as www-data: they must be able to read the config
# and own the state, and kzsctl must run as that user too.
kzs_apache_user() { [ "$(id -u)" = 0 ] && echo www-data || id -un; }

# kzs_apache_start: sets APACHE_URL; Apache is stopped by kzs_apache_stop (on exit).
kzs_apache_start() {
	local user mods=/usr/lib/apache2/modules port
	user=$(kzs_apache_user)
	mkdir -p "$T/apache/htdocs/cgi-bin" "$T/apache/htdocs/cgi" "$T/apache/fcgid" "$T/apache/logs"
	for dir in cgi-bin cgi; do
		cp "$KZS_OUT"/cgi-bin/kommo-hook "$KZS_OUT"/cgi-bin/zoho-hook "$KZS_OUT"/cgi-bin/oauth-callback \
			"$T/apache/htdocs/$dir/"
	done
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$T"
		chown -R "$user" "$T/state" "$T/kzs.conf" "$T/apache"
	fi
	port=$((32000 + RANDOM % 8000))
	cat >"$T/apache/httpd.conf" <<EOF
ServerRoot "$T/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$T/apache/httpd.pid"
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule fcgid_module $mods/mod_fcgid.so
LoadModule cgid_module $mods/mod_cgid.so
LoadModule env_module $mods/mod_env.so
ScriptSock "$T/apache/cgid.sock"
$([ "$(id -u)" = 0 ] && printf 'User %s\nGroup %s\n' "$user" "$(id -gn "$user")")
ErrorLog "$T/apache/logs/error.log"
LogLevel warn
DocumentRoot "$T/apache/htdocs"
FcgidIPCDir "$T/apache/fcgid"
FcgidProcessTableFile "$T/apache/fcgid/shm"
FcgidInitialEnv KZS_CONFIG "$T/kzs.conf"
FcgidMaxRequestLen 2097152
FcgidIOTimeout 40
FcgidMaxProcessesPerClass 4
<Directory "$T/apache/htdocs/cgi-bin">
    Options +ExecCGI
    SetHandler fcgid-script
    Require all granted
</Directory>
<Directory "$T/apache/htdocs/cgi">
    Options +ExecCGI
    SetHandler cgi-script
    SetEnv KZS_CONFIG "$T/kzs.conf"
    Require all granted
</Directory>
EOF
	apache2 -f "$T/apache/httpd.conf" -k start || return 1
	APACHE_URL=http://127.0.0.1:$port
	for _ in $(seq 100); do
		curl -s -o /dev/null "$APACHE_URL/" && return 0
		sleep 0.1
	done
	return 1
}

kzs_apache_stop() {
	[ -f "$T/apache/httpd.pid" ] || return 0
	apache2 -f "$T/apache/httpd.conf" -k stop 2>/dev/null
	for _ in $(seq 50); do [ -f "$T/apache/httpd.pid" ] || break; sleep 0.1; done
}

# kzsctl as the user Apache runs the programs as, so state files keep one owner.
kzsctl_apache() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$(kzs_apache_user)" -- env KZS_CONFIG="$T/kzs.conf" "$KZS_OUT/deploy/kzsctl" "$@" 2>>"$T/apache/logs/kzsctl.log"
	else
		kzsctl "$@"
	fi
}
