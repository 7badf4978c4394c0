#!/bin/sh
# Installs the Debian packages the build needs (and, with --tests, what the tests and
# the demo need). As root it runs apt-get; otherwise it prints the command and stops.
set -u
build_pkgs="gcc make pkg-config libfcgi-dev libcurl4-openssl-dev libjson-c-dev libssl-dev libgdbm-dev libmariadb-dev tzdata"
test_pkgs="lighttpd apache2 apache2-utils libapache2-mod-fcgid nginx spawn-fcgi curl jq clang chromium perl gnuplot-nox strace wrk mariadb-server mariadb-client"

missing_build() {
	pkg-config --exists fcgi libcurl json-c openssl 2>/dev/null || return 0
	[ -f /usr/include/gdbm.h ] || return 0
	[ -f /usr/include/mariadb/mysql.h ] || return 0 # libmariadb-dev: [state] backend = mariadb
	[ -d /usr/share/zoneinfo/Europe ] || return 0 # tzdata: [zoho] time_zone
	return 1
}
missing_tests() {
	# gnuplot, wrk: make bench; strace: t_step_visits; nginx, spawn-fcgi: t_nginx; mariadb*: tests/e2e/mariadb.sh
	for c in lighttpd apache2 ab nginx spawn-fcgi curl jq clang chromium gnuplot strace wrk \
		mariadbd mariadb-install-db mariadb-admin mariadb; do
		command -v "$c" >/dev/null 2>&1 || [ -x "/usr/sbin/$c" ] || return 0
	done
	[ -f /usr/lib/apache2/modules/mod_fcgid.so ] || return 0
	perl -MGDBM_File -e 1 2>/dev/null || return 0 # tests/e2e/lib.sh reads the state store
	return 1
}

pkgs=""
missing_build && pkgs=" $build_pkgs"
[ "${1:-}" = "--tests" ] && missing_tests && pkgs="$pkgs $test_pkgs"
[ -n "$pkgs" ] || exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "Missing packages. Run as root:" >&2
	echo "  apt-get install -y$pkgs" >&2
	exit 1
fi
echo "Installing:$pkgs"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs || exit 1
