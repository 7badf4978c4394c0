# apache.sh: starts Apache httpd on loopback in front of our programs (the fakes run on
# their own ports, see lib.sh). Two setups: kzs_apache_start, the server config of
# deploy/apache-fcgid.conf (/cgi-bin/ through mod_fcgid, /cgi/ as plain CGI through
# mod_cgid); kzs_apache_shared_start, a shared host's server where the folders are set
# up only by the .htaccess files deploy/ ships. Sourced after lib.sh's kzs_setup.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/recipe.sh"

# As root, Apache runs its children as www-data: they must be able to read the config
# and own the state, and kzsctl must run as that user too.
kzs_apache_user() { [ "$(id -u)" = 0 ] && echo www-data || id -un; }

# kzs_apache_prepare: the folders, each of cgi-bin and cgi holding the three programs,
# owned by the user Apache runs them as; picks the port (APACHE_PORT).
kzs_apache_prepare() {
	local user dir
	user=$(kzs_apache_user)
	mkdir -p "$T/apache/htdocs/cgi-bin" "$T/apache/htdocs/cgi" "$T/apache/fcgid" "$T/apache/logs"
	for dir in cgi-bin cgi; do
		cp "$KZS_OUT"/cgi-bin/kommo-hook "$KZS_OUT"/cgi-bin/zoho-hook "$KZS_OUT"/cgi-bin/oauth-callback \
			"$T/apache/htdocs/$dir/"
	done
	if [ "$(id -u)" = 0 ]; then
		chmod 711 "$T"
		chown -R "$user" "$T/state" "$T/kzs.conf" "$T/apache"
		# Under KZS_BACKEND=mariadb the programs also read the database's password.
		[ -z "${MARIADB_PASSWORD_FILE:-}" ] || chown "$user" "$MARIADB_PASSWORD_FILE"
	fi
	APACHE_PORT=$(recipe_free_port)
}

# kzs_apache_server_conf: the part of httpd.conf both setups share (modules, port, logs).
kzs_apache_server_conf() {
	local user mods=/usr/lib/apache2/modules
	user=$(kzs_apache_user)
	cat <<EOC
ServerRoot "$T/apache"
ServerName 127.0.0.1
Listen 127.0.0.1:$APACHE_PORT
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
FcgidMaxProcessesPerClass 4
EOC
}

# kzs_apache_run: starts Apache with $T/apache/httpd.conf; sets APACHE_URL.
kzs_apache_run() {
	apache2 -f "$T/apache/httpd.conf" -k start || return 1
	APACHE_URL=http://127.0.0.1:$APACHE_PORT
	for _ in $(seq 100); do
		curl -s -o /dev/null "$APACHE_URL/" && return 0
		sleep 0.1
	done
	return 1
}

# kzs_apache_start: sets APACHE_URL; Apache is stopped by kzs_apache_stop (on exit).
kzs_apache_start() {
	kzs_apache_prepare
	{
		kzs_apache_server_conf
		cat <<EOC
FcgidInitialEnv KZS_CONFIG "$T/kzs.conf"
FcgidMaxRequestLen 2097152
FcgidIOTimeout 40
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
EOC
	} >"$T/apache/httpd.conf"
	kzs_apache_run
}

# kzs_apache_shared_start HTACCESS_CGI_BIN HTACCESS_CGI: Apache as a shared host runs it:
# mod_fcgid at its defaults (FcgidMaxRequestLen 128 KiB), no ExecCGI and no handler for
# the user's folders, which may set only what "AllowOverride Options FileInfo
# AuthConfig" allows; cgi-bin/.htaccess and cgi/.htaccess are the files given. The one
# thing set outside the folders is where the config is: the test's own file stands in
# for ~/kzs/kzs.conf of the account's user, which a test cannot create.
kzs_apache_shared_start() {
	kzs_apache_prepare
	cp "$1" "$T/apache/htdocs/cgi-bin/.htaccess"
	cp "$2" "$T/apache/htdocs/cgi/.htaccess"
	[ "$(id -u)" = 0 ] && chown "$(kzs_apache_user)" "$T/apache/htdocs/cgi-bin/.htaccess" "$T/apache/htdocs/cgi/.htaccess"
	{
		kzs_apache_server_conf
		cat <<EOC
FcgidInitialEnv KZS_CONFIG "$T/kzs.conf"
SetEnv KZS_CONFIG "$T/kzs.conf"
AccessFileName .htaccess
<Directory "$T/apache/htdocs">
    Options SymLinksIfOwnerMatch
    AllowOverride Options FileInfo AuthConfig
    Require all granted
</Directory>
EOC
	} >"$T/apache/httpd.conf"
	kzs_apache_run
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
