#!/usr/bin/env bash
# The build from a fresh copy of the sources, as on a new machine: the library flags
# are asked of pkg-config only once the packages are there (make's first step installs
# them), and a second make with nothing changed does nothing. The "fresh machine" is a
# pkg-config in front of the real one that knows no package until that first step ran
# (build/.deps-ok exists). Builds the variant this pass of the suite runs (normal, asan).
. "$(dirname "$0")/lib.sh"
case $KZS_OUT in */build/asan) variant=asan ;; *) variant=normal ;; esac
T=$(mktemp -d /tmp/kzs-build.XXXXXX)
trap '[ "${KZS_KEEP:-0}" = 1 ] || rm -rf "$T"; [ "$KZS_FAILED" -eq 0 ]' EXIT
mkdir "$T/src" "$T/bin"
(cd "$KZS_ROOT" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar cf - 2>/dev/null) |
	tar xf - -C "$T/src"
real=$(command -v pkg-config)
cat >"$T/bin/pkg-config" <<SH
#!/bin/sh
# No package is known before make's first step has installed them.
case "\$*" in --exists*) exec "$real" "\$@" ;; esac
[ -e "$T/src/build/.deps-ok" ] || exit 1
exec "$real" "\$@"
SH
chmod +x "$T/bin/pkg-config"

PATH=$T/bin:$PATH make -C "$T/src" -j2 VARIANT="$variant" all >"$T/first.out" 2>&1
check_eq "a fresh copy builds with one make ($variant)" "$?" 0 || tail -n 5 "$T/first.out" | sed 's/^/#   /'
out=$([ "$variant" = asan ] && echo "$T/src/build/asan" || echo "$T/src")
for p in cgi-bin/kommo-hook cgi-bin/zoho-hook cgi-bin/oauth-callback deploy/kzsctl; do
	[ -x "$out/$p" ] && ok "built $p" || not_ok "built $p"
done
check_match "the programs are linked with the libraries pkg-config named" \
	"$(grep -m1 -- '-o .*cgi-bin/kommo-hook' "$T/first.out")" "-ljson-c"
second=$(PATH=$T/bin:$PATH make -C "$T/src" -j2 VARIANT="$variant" all 2>&1)
check_match "a second make does nothing" "$second" "Nothing to be done"
check_eq "...compiles and links nothing" "$(printf '%s\n' "$second" | grep -cE '^(CC|cc|ar|rm) ')" 0
