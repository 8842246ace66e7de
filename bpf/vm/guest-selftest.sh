#!/usr/bin/env bash
# guest-selftest.sh: runs INSIDE the test guest (via run-guest.sh; selftest.sh does
# that) and checks what the scheduler tests rely on: a kernel with sched_ext and no
# scheduler attached, cgroup2 with the cpu controller (enabled at the root), bpffs,
# tracefs, the guest's own /tmp and /dev/shm, and the host tools node, stress-ng and
# cyclictest. Prints one line per check; exits 1 if any check failed.
set -euo pipefail

[ "${SCX_VM_GUEST:-}" = 1 ] || { echo "guest-selftest: run me in the guest: bpf/vm/selftest.sh" >&2; exit 2; }
t0=${EPOCHREALTIME/./}
failed=0
ok() { echo "selftest: ok   $*"; }
bad() { echo "selftest: FAIL $*"; failed=1; }
mounted() { # mounted DIR TYPE
  awk -v d="$1" -v t="$2" '$2 == d && $3 == t { f = 1 } END { exit !f }' /proc/mounts
}
check_mount() { if mounted "$1" "$2"; then ok "$2 on $1"; else bad "$2 is not mounted on $1"; fi; }
check_cmd() { # check_cmd LABEL CMD...: CMD must succeed; print LABEL and its first line
  local out
  if out=$("${@:2}" 2>&1); then ok "$1: $(head -n1 <<<"$out")"; else bad "$1: '${*:2}' failed: $(head -n1 <<<"$out")"; fi
}

ok "kernel $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MB" }' /proc/meminfo)"

st=/sys/kernel/sched_ext/state
if [ ! -e $st ]; then bad "$st missing: this kernel has no sched_ext"
elif [ "$(cat $st)" = disabled ]; then ok "$st = disabled"
else bad "$st = $(cat $st), expected disabled (a BPF scheduler is attached?)"
fi

cg=/sys/fs/cgroup
check_mount $cg cgroup2
if grep -qw cpu $cg/cgroup.controllers 2>/dev/null; then
  echo +cpu >$cg/cgroup.subtree_control 2>/dev/null || true
  if grep -qw cpu $cg/cgroup.subtree_control; then ok "cpu controller enabled in $cg/cgroup.subtree_control"
  else bad "cannot enable the cpu controller in $cg/cgroup.subtree_control"; fi
else
  bad "no cpu controller in $cg/cgroup.controllers ($(cat $cg/cgroup.controllers 2>/dev/null))"
fi

check_mount /sys/fs/bpf bpf
check_mount /sys/kernel/tracing tracefs
check_mount /sys/kernel/debug debugfs
check_mount /tmp tmpfs
check_mount /dev/shm tmpfs
if [ -n "${SCX_VM_OUT:-}" ]; then
  if echo probe >"$SCX_VM_OUT/.selftest-probe" && rm -f "$SCX_VM_OUT/.selftest-probe"; then
    ok "$SCX_VM_OUT is writable (host share)"
  else bad "$SCX_VM_OUT is not writable"; fi
fi

check_cmd node node --version
check_cmd stress-ng stress-ng --version
check_cmd cyclictest cyclictest --help

el=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
echo "selftest: checks took ${el} ms in the guest"
if [ $failed -ne 0 ]; then echo "selftest: FAILED"; exit 1; fi
echo "selftest: all passed"
