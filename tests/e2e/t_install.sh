#!/usr/bin/env bash
# make install into a staging folder (DESTDIR), as a packager or an upgrade does: the
# programs, kzsctl and the example config land where PREFIX, CGI_DIR and CONFIG say.
# Installing again while a program of the first install runs as FastCGI (under
# spawn-fcgi, behind lighttpd) succeeds where copying over it gives "Text file busy":
# the running process keeps answering from its old file, the files are the new ones,
# and the next start runs them. An install with nothing changed leaves every file as
# it was, and an existing config is never replaced.
. "$(dirname "$0")/lib.sh"
# lighttpd also passes /installed/kommo-hook to the program spawn-fcgi runs on a socket.
kzs_lighttpd_extra() {
	cat <<EOF
fastcgi.server += ( "/installed/kommo-hook" => ((
    "socket" => "$T/installed.sock",
    "check-local" => "disable",
)) )
EOF
}
kzs_setup
# A program this test spawned is ended whatever happens (then the usual teardown).
install_teardown() {
	local rc=$?
	if [ -n "${PID:-}" ]; then kill -USR1 "$PID" 2>/dev/null; fi
	(exit "$rc")
	kzs_teardown
}
trap install_teardown EXIT
case $KZS_OUT in */build/asan) variant=asan ;; */build/crash) variant=crash ;; *) variant=normal ;; esac
D=$T/stage
P=/opt/kzs
files="cgi-bin/kommo-hook cgi-bin/zoho-hook cgi-bin/oauth-callback bin/kzsctl"
# build_of FILE: the built program an installed file comes from.
build_of() { case $1 in bin/kzsctl) echo "$KZS_OUT/deploy/kzsctl" ;; *) echo "$KZS_OUT/$1" ;; esac; }
install_now() {
	make -C "$KZS_ROOT" -s --no-print-directory VARIANT="$variant" install DESTDIR="$D" PREFIX="$P" \
		CGI_DIR="$P/cgi-bin" CONFIG="$P/kzs.conf" >"$T/install.out" 2>&1
}
# same_as_build: every installed file holds what the build made, mode 755.
same_as_build() {
	local f
	for f in $files; do
		cmp -s "$(build_of "$f")" "$D$P/$f" && [ "$(stat -c %a "$D$P/$f")" = 755 ] || return 1
	done
}
# stamps: each installed file's inode and modification time.
# shellcheck disable=SC2086 # one name a word
stamps() { (cd "$D$P" && stat -c '%n %i %Y.%y' $files kzs.conf); }

# holds DESC CMD...: ok when CMD succeeds.
holds() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
running() { kill -0 "$PID" 2>/dev/null; }

# spawn-fcgi sends the program's stderr to /dev/null: a sanitizer build's reports go to files.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/sanitizer"
# spawn_installed: the installed kommo-hook as a FastCGI server on $T/installed.sock.
spawn_installed() {
	rm -f "$T/installed.sock"
	KZS_CONFIG=$T/kzs.conf spawn-fcgi -s "$T/installed.sock" -P "$T/installed.pid" -- \
		"$D$P/cgi-bin/kommo-hook" >/dev/null
	PID=$(tr -d '\n' <"$T/installed.pid")
}
# stop_installed: SIGUSR1 (the program leaves its accept loop and exits normally).
stop_installed() {
	kill -USR1 "$PID" 2>/dev/null
	wait_within 5 "the installed program ends on SIGUSR1" bash -c "! kill -0 $PID 2>/dev/null"
	PID=
}
post_installed() {
	http_call POST "$APP_URL/installed/kommo-hook?secret=$HOOK_SECRET" "$(kommo_status_body "$1")" \
		application/x-www-form-urlencoded
}

install_now
check_eq "first install: exit status 0" "$?" 0 || sed 's/^/#   /' "$T/install.out"
holds "...the three programs in CGI_DIR and kzsctl in PREFIX/bin, mode 755" same_as_build
check_eq "...the example config as CONFIG" "$(cmp "$KZS_ROOT/deploy/kzs.conf.example" "$D$P/kzs.conf" && echo same)" same
check_eq "...open to its owner only" "$(stat -c %a "$D$P/kzs.conf")" 600
check_eq "...and no temporary file left behind" "$(find "$D" -name '.*' -o -name '*.XXXXXX' -o -name 'kzs.conf.*' | wc -l)" 0

# The installed files become an older build's (one line more: it still runs).
for f in $files; do
	cp "$D$P/$f" "$T/old" && printf 'an older build\n' >>"$T/old" && chmod 755 "$T/old" && mv "$T/old" "$D$P/$f"
done
spawn_installed
holds "the installed kommo-hook runs as FastCGI" running
fixture_lead 1002
post_installed 1002
check_eq "...and answers a webhook" "$STATUS $BODY" "200 accepted 1 of 1"
cp "$(build_of cgi-bin/kommo-hook)" "$D$P/cgi-bin/kommo-hook" 2>"$T/cp.err"
check_match "copying over the running program fails (what make install must avoid)" "$(cat "$T/cp.err")" \
	"Text file busy"

printf '[state]\ndir = %s\n; my own settings\n' "$T/state" >"$D$P/kzs.conf"
conf_sum=$(md5sum <"$D$P/kzs.conf")
install_now
check_eq "install while the program runs: exit status 0" "$?" 0 || sed 's/^/#   /' "$T/install.out"
check_eq "...no 'Text file busy'" "$(grep -c 'busy' "$T/install.out")" 0
holds "...every installed file is the new build" same_as_build
check_match "...the output says so" "$(cat "$T/install.out")" "installed $D$P/cgi-bin/kommo-hook"
check_eq "...the existing config is not replaced" "$(md5sum <"$D$P/kzs.conf")" "$conf_sum"
check_match "...and the output says it was kept" "$(cat "$T/install.out")" "kept $D$P/kzs.conf"
holds "...the running process is still there" running
check_match "...running its old file" "$(readlink "/proc/$PID/exe")" "kommo-hook \(deleted\)\$"
fixture_lead 1003
post_installed 1003
check_eq "...and answers the next webhook" "$STATUS $BODY" "200 accepted 1 of 1"
taken() { store_keys outbox | grep -qx "send:$1" || store_keys deals | grep -qx "lead:$1"; }
holds "...which was stored" taken 1003

before=$(stamps)
install_now
check_eq "install again with nothing changed: exit status 0" "$?" 0
check_eq "...every file left as it was (inode and time)" "$(stamps)" "$before"
check_eq "...the output says so" "$(grep -c '^unchanged ' "$T/install.out")" 4

# The web server's next start runs the new file.
stop_installed
spawn_installed
check_eq "a program started after the install runs the new file" "$(readlink "/proc/$PID/exe")" \
	"$D$P/cgi-bin/kommo-hook"
fixture_lead 1004
post_installed 1004
check_eq "...and answers" "$STATUS $BODY" "200 accepted 1 of 1"
stop_installed
line=$(cat "$T"/sanitizer* 2>/dev/null | grep -m1 -E 'AddressSanitizer|runtime error:|LeakSanitizer')
check_eq "no sanitizer report from the spawned program" "$line" ""
