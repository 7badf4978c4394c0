#!/usr/bin/env bash
# The layering lib/README.md describes, checked against the code: every module of lib/ is
# listed there, and no lib/*.c or lib/*.h includes the header of a module in a layer above
# its own, except the exceptions that section names. In "Jobs and flows" each module is
# a layer of its own (it may include those listed before it, none after).
. "$(dirname "$0")/e2e/lib.sh"
readme=$KZS_ROOT/lib/README.md

# "<module> <rank>" for every module the "Modules, in layers" section lists.
ranks() {
	awk '
	/^## Modules, in layers/ { on = 1; next }
	on && /^## / { exit }
	on && /^Known exceptions/ { exit }
	on && /^[A-Z].*:$/ { layer += 100; step = (/^Jobs and flows/) ? 1 : 0; next }
	on && /^- `[a-z_]+`/ {
		split($0, q, "`"); layer += step
		print q[2], layer
	}' "$readme"
}
# "<file> <header>" for each exception: "- `x.c` includes `y.h`".
exceptions() {
	awk '/^Known exceptions/ { on = 1; next } on && /^## / { exit }
	on && /^- `[a-z_]+\.c` includes `[a-z_]+\.h`/ { split($0, q, "`"); print q[2], q[4] }' "$readme"
}

declare -A rank
while read -r m r; do rank[$m]=$r; done < <(ranks)
allowed=$(exceptions)
check_eq "the design lists modules in layers" "$([ "${#rank[@]}" -gt 30 ] && echo yes)" yes

unlisted= upward=
for src in "$KZS_ROOT"/lib/*.c "$KZS_ROOT"/lib/*.h; do
	file=$(basename "$src") mod=${file%.*}
	if [ -z "${rank[$mod]:-}" ]; then
		unlisted="$unlisted $mod"
		continue
	fi
	for hdr in $(sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$src"); do
		[ "$hdr" = "$mod" ] && continue
		[ -n "${rank[$hdr]:-}" ] || { unlisted="$unlisted $hdr"; continue; }
		if [ "${rank[$hdr]}" -gt "${rank[$mod]}" ] && ! grep -qx "$mod.c $hdr.h" <<<"$allowed"; then
			upward="$upward $file->$hdr.h"
		fi
	done
done
check_eq "every lib module is in the design's layers" "$(tr ' ' '\n' <<<"$unlisted" | sort -u | xargs)" ""
check_eq "no module includes a header of a layer above it" "${upward# }" ""
[ "$KZS_FAILED" -eq 0 ]
