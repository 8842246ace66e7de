#!/bin/sh
# The sched_ext guest suite (make vm-test): runs inside the QEMU guest that
# bpf/vm/run-guest.sh boots, from the checkout shared read-only from the host, with the
# project already built (dist/, bpf/build/). Prints the checks and a closing
# "guest: N passed, N failed" line; exits non-zero on any failure.
set -eu
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
export SCX_SLO_REPO="$REPO"
cd "$REPO"
echo "guest-suite: kernel $(uname -r), $(nproc) CPUs, sched_ext $(cat /sys/kernel/sched_ext/state)"
exec node dist/agent/test/vm/guest-checks.js
