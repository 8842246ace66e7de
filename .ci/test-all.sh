#!/usr/bin/env bash
# Runs every suite after `make build`: the native ava suite (TAP), then the sched_ext
# guest suite on the main guest kernel, then its subset on the oldest and newest other
# Debian kernels with sched_ext, and closes with one line "tests: N passed, N failed"
# counting all. It also builds the agent image and runs it with the DaemonSet's security
# context (`make image-check`, one counted test): about 6 minutes from cold (no base
# image, no layer cache) on a 2-CPU machine, about a minute warm; SCX_TEST_IMAGE=0 skips it.
# Exits non-zero when anything failed or a suite did not report.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "== native suite (ava)"
npx ava --tap 2>&1 | tee "$log/native.tap"
native_rc=${PIPESTATUS[0]}
n_pass=$(grep -cE '^ok [0-9]+ ' "$log/native.tap" | tr -d ' ')
n_skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log/native.tap" | tr -d ' ')
n_fail=$(grep -cE '^not ok [0-9]+ ' "$log/native.tap" | tr -d ' ')
n_pass=$((n_pass - n_skip))
if [ "$native_rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then n_fail=1; fi
echo "native: $n_pass passed, $n_fail failed, $n_skip skipped"

echo "== sched_ext guest suite"
make --no-print-directory vm-test 2>&1 | tee "$log/guest.log"
guest_rc=${PIPESTATUS[0]}
g_line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed' "$log/guest.log" | tail -1)
g_pass=$(sed -E 's/^guest: ([0-9]+) passed.*/\1/' <<<"${g_line:-guest: 0 passed, 1 failed}")
g_fail=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"${g_line:-guest: 0 passed, 1 failed}")
if [ "$guest_rc" -ne 0 ] && [ "$g_fail" -eq 0 ]; then g_fail=1; fi

echo "== sched_ext guest suite, other kernels"
make --no-print-directory vm-test-kernels 2>&1 | tee "$log/kernels.log"
kernels_rc=${PIPESTATUS[0]}
k_line=$(grep -E '^other-kernels: [0-9]+ passed, [0-9]+ failed' "$log/kernels.log" | tail -1)
k_pass=$(sed -E 's/^other-kernels: ([0-9]+) passed.*/\1/' <<<"${k_line:-other-kernels: 0 passed, 1 failed}")
k_fail=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"${k_line:-other-kernels: 0 passed, 1 failed}")
if [ "$kernels_rc" -ne 0 ] && [ "$k_fail" -eq 0 ]; then k_fail=1; fi
grep -h '^verifier: ' "$log/guest.log" "$log/kernels.log" | sort -u || true

i_pass=0; i_fail=0
if [ "${SCX_TEST_IMAGE:-1}" = 1 ]; then
  echo "== agent image (make image-check)"
  make --no-print-directory image-check 2>&1 | tee "$log/image.log"
  if [ "${PIPESTATUS[0]}" -eq 0 ] && grep -q '^image-check: ok' "$log/image.log"; then i_pass=1; else i_fail=1; fi
else
  echo "== agent image: skipped (SCX_TEST_IMAGE=0)"
fi

echo "tests: $((n_pass + g_pass + k_pass + i_pass)) passed, $((n_fail + g_fail + k_fail + i_fail)) failed"
[ $((n_fail + g_fail + k_fail + i_fail)) -eq 0 ]
