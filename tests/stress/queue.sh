#!/usr/bin/env bash
# The queue alone at scale: 100,000 jobs enqueued by two processes (every tenth merged
# once) while four workers claim them, fail one claim in ten for a second's backoff and
# put one in ten back; every job must be finished exactly once, the queue left empty and
# its index sound (build/stress/queue_stress). KZS_STRESS_JOBS changes the number.
. "$(dirname "$0")/../e2e/lib.sh"
JOBS=${KZS_STRESS_JOBS:-100000}
STRESS=$KZS_ROOT/build/stress/queue_stress
if [ ! -x "$STRESS" ]; then
	not_ok "setup: $STRESS is missing (make stress builds it)"
	exit 1
fi
dir=$(mktemp -d /tmp/kzs-queue-XXXXXX)
chmod 700 "$dir"
trap 'rm -rf "$dir"' EXIT
"$STRESS" "$dir" "$JOBS" 4 2>"$dir/log"
grep -c "index .*built again" "$dir/log" | sed 's/^/# index rebuilds: /'
