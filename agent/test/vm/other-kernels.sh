#!/usr/bin/env bash
# other-kernels.sh: runs the guest suite's subset (guest-suite.sh subset: scheduler
# checks and the stress pass) on the other Debian kernels with sched_ext, after the full
# suite ran on the main guest kernel (make vm-test):
#   oldest  the oldest kernel series Debian ships with CONFIG_SCHED_CLASS_EXT=y
#           (SCX_SLO_OLDEST_SERIES, default 6.16: trixie's 6.12 is built without
#           sched_ext, and 6.16 is the oldest series in sid/trixie-backports that has it);
#   latest  the newest kernel with sched_ext in sid/trixie-backports.
# Each is fetched once by bpf/vm/fetch-kernel.sh into $REPO/.cache/vm/kernel-NAME (kept:
# delete the folder to take a newer one). SCX_SLO_OTHER_KERNELS picks which (default
# "oldest latest"; empty runs none). Prints "guest-NAME: N passed, N failed" per kernel
# and closes with "other-kernels: N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
VM=$REPO/bpf/vm
CACHE=${SCX_VM_CACHE:-$REPO/.cache/vm}
read -r -a KERNELS <<<"${SCX_SLO_OTHER_KERNELS-oldest latest}"
passed=0 failed=0
for name in "${KERNELS[@]}"; do
  case $name in
    oldest) select=(SCX_VM_KERNEL_SERIES="${SCX_SLO_OLDEST_SERIES:-6.16}") ;;
    latest) select=() ;;
    *) echo "other-kernels: unknown kernel '$name' (oldest or latest)"; failed=$((failed + 1)); continue ;;
  esac
  dir=$CACHE/kernel-$name
  start=$(date +%s)
  # Not the shared cache (it holds the main kernel) and no preferred release: Debian's.
  if ! env SCX_VM_SHARED_KERNEL= SCX_VM_KERNEL_PREFER= SCX_VM_KERNEL_RELEASE= "${select[@]}" \
      bash "$VM/fetch-kernel.sh" "$dir"; then
    echo "guest-$name: 0 passed, 1 failed (no kernel)"
    failed=$((failed + 1))
    continue
  fi
  log=$(mktemp)
  bash "$VM/run-guest.sh" --timeout 900 --kernel-dir "$dir" "$REPO/agent/test/vm/guest-suite.sh" subset 2>&1 | tee "$log"
  line=$(grep -E '^guest: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
  rm -f "$log"
  p=$(sed -E 's/^guest: ([0-9]+) passed.*/\1/' <<<"${line:-guest: 0 passed, 1 failed}")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"${line:-guest: 0 passed, 1 failed}")
  echo "guest-$name: $p passed, $f failed (kernel $(cat "$dir/release"), $(( $(date +%s) - start )) s)"
  passed=$((passed + p)) failed=$((failed + f))
done
echo "other-kernels: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
