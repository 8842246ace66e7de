# bench/demo/harness.sh: sourced by bench/demo.sh and bench/guest-share.sh. Runs the
# measuring half of the head-to-head (dist/bench/demo/guest-run.js) where sched_ext is:
# directly on a host whose kernel has it, else inside the QEMU guest of
# bpf/vm/run-guest.sh (which fetches a sched_ext kernel itself on first use), with the
# results directory shared into the guest.
#
#   demo_measure OUTDIR [guest-run.js options...]
# The caller sets REPO and `set -euo pipefail`. SCX_DEMO_FORCE_GUEST=1 uses the guest
# even on a sched_ext host; SCX_DEMO_TIMEOUT bounds the guest run (seconds).

demo_say() { printf 'demo: %s\n' "$*" >&2; }
demo_die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

demo_check_build() {
  [ -f "$REPO/dist/bench/demo/guest-run.js" ] && [ -f "$REPO/dist/cli/main.js" ] ||
    demo_die "dist/ is missing or stale: run 'make build' first (make demo does)"
  [ -f "$REPO/bpf/build/scx_slo.bpf.o" ] || demo_die "bpf/build/scx_slo.bpf.o is missing: run 'make build-bpf'"
  [ -x "$REPO/bench/build/slo-service" ] || demo_die "bench/build/slo-service is missing: run 'make build-service'"
}

# A note on what else the host was doing: other processes compete with the guest's
# emulated CPUs and make every figure noisier.
demo_host_load() { cut -d' ' -f1-3 /proc/loadavg; }

# demo_sample_host OUTDIR: once a second, the host's CPU time and the guest's QEMU
# process's, into OUTDIR/host-cpu.tsv (the report tells from it how much CPU other
# processes took from the guest during each cell). Runs until killed.
demo_sample_host() {
  local out=$1 pid= p cmd u n s i w irq sirq st busy q
  local tck
  tck=$(getconf CLK_TCK)
  echo "# t_ms host_busy_ticks host_total_ticks qemu_ticks; CLK_TCK=$tck; CPUS=$(nproc)" >"$out/host-cpu.tsv"
  while :; do
    if [ -z "$pid" ]; then
      for p in /proc/[0-9]*; do
        cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
        case $cmd in qemu-system*"path=$out,mount_tag=out"*) pid=${p#/proc/}; break ;; esac
      done
    fi
    read -r _ u n s i w irq sirq st _ </proc/stat
    busy=$((u + n + s + irq + sirq + st))
    q=0
    if [ -n "$pid" ]; then q=$( { awk '{ print $14 + $15 }' "/proc/$pid/stat"; } 2>/dev/null || echo 0); fi
    echo "$(date +%s%3N) $busy $((busy + i + w)) $q" >>"$out/host-cpu.tsv"
    sleep 1
  done
}

# demo_snapshot OUTDIR: freezes what the measurement runs (dist/ and the BPF object,
# about 3 MB) into OUTDIR/snapshot, so a rebuild of the checkout during the run (make
# build in another shell; the guest reads files through 9p while they change) cannot
# break or mix up the measurement. node_modules is linked, not copied.
demo_snapshot() {
  local out=$1 snap=$1/snapshot
  rm -rf "$snap"
  mkdir -p "$snap/bpf/build"
  cp -r "$REPO/dist" "$snap/dist"
  cp "$REPO/bpf/build/scx_slo.bpf.o" "$snap/bpf/build/scx_slo.bpf.o"
  mkdir -p "$snap/bench/build"
  cp "$REPO/bench/build/slo-service" "$snap/bench/build/slo-service"
  cp "$REPO/package.json" "$snap/package.json"
  ln -s "$REPO/node_modules" "$snap/node_modules"
  # A truncated copy (caught mid-rebuild) fails here rather than in the guest.
  od -An -c -N4 "$snap/bpf/build/scx_slo.bpf.o" | grep -q 'E   L   F' || demo_die "bpf/build/scx_slo.bpf.o is not an ELF object (being rebuilt?)"
  { echo "commit $(git -C "$REPO" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$REPO" status --porcelain 2>/dev/null | grep -q . && echo ' (with uncommitted changes)')"
    (cd "$snap" && sha256sum bpf/build/scx_slo.bpf.o); } >"$snap/VERSION"
}

demo_measure() {
  local out=$1; shift
  mkdir -p "$out"
  out=$(realpath "$out")
  demo_snapshot "$out"
  if [ -e /sys/kernel/sched_ext/state ] && [ -z "${SCX_DEMO_FORCE_GUEST:-}" ]; then
    [ "$(id -u)" -eq 0 ] || demo_die "attaching a sched_ext scheduler needs root"
    demo_say "this kernel has sched_ext: measuring on the host itself"
    cp "/boot/config-$(uname -r)" "$out/kernel-config" 2>/dev/null || true
    node "$out/snapshot/dist/bench/demo/guest-run.js" --out "$out" --bpf-object "$out/snapshot/bpf/build/scx_slo.bpf.o" \
      --service-bin "$out/snapshot/bench/build/slo-service" "$@"
  else
    demo_say "no sched_ext on this kernel ($(uname -r)): measuring inside the QEMU guest (bpf/vm/run-guest.sh)"
    local rc=0 sampler
    demo_sample_host "$out" &
    sampler=$!
    bash "$REPO/bpf/vm/run-guest.sh" --timeout "${SCX_DEMO_TIMEOUT:-1500}" --out "$out" \
      "$REPO/bench/demo/in-guest.sh" --bpf-object /mnt/out/snapshot/bpf/build/scx_slo.bpf.o \
      --service-bin /mnt/out/snapshot/bench/build/slo-service "$@" || rc=$?
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    # The guest kernel's config (its HZ sets the simulator's tick in the fidelity check).
    cp "$REPO/.cache/vm/kernel/config" "$out/kernel-config" 2>/dev/null || true
    [ "$rc" -eq 0 ] || demo_say "the guest run exited with status $rc (124 = timeout); reporting what it measured"
    [ -f "$out/raw.json" ] || demo_die "the guest wrote no results into $out"
  fi
}
