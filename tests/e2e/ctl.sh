# ctl.sh: kzsctl run with a given config, its output kept for the test. Sourced after lib.sh.
# shellcheck shell=bash

# ctl CONF ARGS...: kzsctl with the config CONF; sets OUT (stdout), ERR (stderr) and RC.
# The stderr also goes to $T/kzsctl.log, which teardown scans for sanitizer reports.
ctl() {
	local conf=$1
	shift
	OUT=$(KZS_CONFIG=$conf "$KZS_OUT/deploy/kzsctl" "$@" 2>"$T/ctl.err")
	RC=$?
	ERR=$(cat "$T/ctl.err")
	cat "$T/ctl.err" >>"$T/kzsctl.log"
}

# ctl_refused DESC PATTERN: the last ctl exited 1 with one line on stderr matching PATTERN.
ctl_refused() {
	check_eq "$1: exit status 1" "$RC" 1
	check_eq "$1: one line on stderr" "$(printf '%s\n' "$ERR" | grep -c .)" 1
	check_match "$1: the line says why" "$ERR" "$2"
}
