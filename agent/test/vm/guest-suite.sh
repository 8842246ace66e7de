#!/bin/sh
# The sched_ext guest suite (make vm-test): runs inside the QEMU guest that
# bpf/vm/run-guest.sh boots, from the checkout shared read-only from the host, with the
# project already built (dist/, bpf/build/). Runs the scheduler checks, the failing-policy
# checks (guest-policy-faults.ts), then the Kubernetes end-to-end checks, and closes with "guest: N passed, N failed"; exits
# non-zero on any failure.
set -u
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
export SCX_SLO_REPO="$REPO"
cd "$REPO"
echo "guest-suite: kernel $(uname -r), $(nproc) CPUs, sched_ext $(cat /sys/kernel/sched_ext/state)"
LOG=/tmp/guest-suite.log
: > "$LOG"
node dist/agent/test/vm/guest-checks.js 2>&1 | tee -a "$LOG"
mkdir -p /run/scx-slo-test
node dist/agent/test/vm/guest-policy-faults.js 2>&1 | tee -a "$LOG"
node dist/agent/test/vm/guest-k8s-e2e.js 2>&1 | tee -a "$LOG"
PASSED=$(sed -n 's/^[a-z0-9-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$LOG" | awk '{s+=$1} END {print s+0}')
FAILED=$(sed -n 's/^[a-z0-9-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$LOG" | awk '{s+=$1} END {print s+0}')
RUNS=$(grep -c '^[a-z0-9-]*: [0-9]* passed, [0-9]* failed$' "$LOG")
[ "$RUNS" -eq 3 ] || FAILED=$((FAILED + 1))
echo "guest: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
