#!/usr/bin/env bash
# Runs every test program given on the command line, shows their output, counts the
# "ok" / "not ok" lines and ends with "N passed, N failed". A program that exits
# non-zero without reporting a failure (a crash, a sanitizer report) counts as one.
# Before that line, a table gives each program's own counts.
set -u
passed=0
failed=0
table=""
# "test_contract", "t_send.sh (asan)", "t_send.sh (mariadb)": the program's name and the build
# or state backend it ran with.
run_label() {
	local words last variant=""
	read -ra words <<<"$1"
	last=${words[${#words[@]} - 1]}
	case $1 in
	*build/asan*) variant=" (asan)" ;;
	*build/crash*) variant=" (crash)" ;;
	*KZS_BACKEND=mariadb*) variant=" (mariadb)" ;;
	esac
	printf '%s%s' "${last##*/}" "$variant"
}

for t in "$@"; do
	echo "# $t"
	out=$(mktemp)
	bash -c "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^ok' "$out")
	f=$(grep -c '^not ok' "$out")
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t exited with status $rc"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $t reported no result"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	table+=$(printf '%-40s %5d passed %3d failed' "$(run_label "$t")" "$p" "$f")$'\n'
done
printf '# per program:\n%s' "$table"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
