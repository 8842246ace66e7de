#!/bin/sh
# The sched_ext guest suite (make vm-test): runs inside the QEMU guest that
# bpf/vm/run-guest.sh boots, from the checkout shared read-only from the host, with the
# project already built (dist/, bpf/build/).
#   guest-suite.sh [full]   the scheduler checks, the failing-policy checks, the
#                           Kubernetes end-to-end checks and the stress pass (the
#                           suite on the main guest kernel);
#   guest-suite.sh subset   the scheduler checks (attach, scheduling, fallback, detach)
#                           and the stress pass, for the other kernels (other-kernels.sh).
# Closes with "guest: N passed, N failed"; exits non-zero on any failure.
set -u
MODE=${1:-full}
case $MODE in
  full) PARTS="guest-checks guest-policy-faults guest-k8s-e2e guest-stress" ;;
  subset) PARTS="guest-checks guest-stress" ;;
  *) echo "guest-suite: unknown mode '$MODE' (full or subset)"; exit 2 ;;
esac
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
export SCX_SLO_REPO="$REPO"
cd "$REPO"
echo "guest-suite: kernel $(uname -r), $(nproc) CPUs, sched_ext $(cat /sys/kernel/sched_ext/state), $MODE"
LOG=/tmp/guest-suite.log
mkdir -p /run/scx-slo-test
: > "$LOG"
EXPECTED=0
for part in $PARTS; do
  start=$(date +%s)
  node "dist/agent/test/vm/$part.js" 2>&1 | tee -a "$LOG"
  echo "guest-suite: $part took $(( $(date +%s) - start )) s"
  EXPECTED=$((EXPECTED + 1))
done
PASSED=$(sed -n 's/^[a-z0-9-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$LOG" | awk '{s+=$1} END {print s+0}')
FAILED=$(sed -n 's/^[a-z0-9-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$LOG" | awk '{s+=$1} END {print s+0}')
RUNS=$(grep -c '^[a-z0-9-]*: [0-9]* passed, [0-9]* failed$' "$LOG")
[ "$RUNS" -eq "$EXPECTED" ] || FAILED=$((FAILED + 1))
echo "guest: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
