#!/usr/bin/env bash
# selftest.sh [run-guest options]: boots the test guest and runs guest-selftest.sh in
# it (kernel has sched_ext, cgroup2 cpu controller, bpffs, node, stress-ng,
# cyclictest). Exits with the selftest's status (124 timeout, 125 harness failure).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec "$here/run-guest.sh" --timeout "${SCX_VM_TIMEOUT:-300}" "$@" "$here/guest-selftest.sh"
