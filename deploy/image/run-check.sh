#!/usr/bin/env bash
# run-check.sh [IMAGE]: `make image-check`. Runs the built agent image (default
# localhost/scx-slo:<package.json version>) on this machine the way the DaemonSet runs
# it: the podman arguments are derived from deploy/manifests/daemonset.yaml by
# dist/deploy/image/daemonset-podman.js (capabilities drop ALL + the listed ones,
# uid 0, read-only root, hostPID, default seccomp, the host's cgroup2 tree read-only,
# the ConfigMap's slos.yaml, in-memory emptyDirs) with the DaemonSet's own command minus
# --kubernetes (no API server here). The agent's port is published on 127.0.0.1 only.
# It fails unless:
#   - /healthz and /readyz answer 200 within SCX_IMAGE_CHECK_TIMEOUT s (default 90);
#   - /metrics carries the agent's metrics: mode, attached, policy, the SLO source and
#     config-error families, and the process/nodejs defaults; on a kernel without
#     sched_ext, scx_slo_mode{mode="monitor"} 1 (monitoring-only; --fallback-monitor);
#   - `promtool check metrics` accepts the scrape (when promtool is installed);
#   - `scx-slo status --json` (on the image's PATH) reaches the agent's control socket;
#   - the container's effective capabilities are exactly the listed ones the host can
#     grant, its root filesystem is read-only, and node is the pinned LTS;
#   - SIGTERM stops the agent cleanly (exit status 0) within the grace period.
#   (prom-client's nodejs_active_*_total gauge names are the one lint tolerated)
# The scrape is left in $SCX_IMAGE_CHECK_OUT/metrics.txt when that is set.
# Ends with the line "image-check: ok (...)" or "image-check: FAILED: <why>".
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
version=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
image=${1:-localhost/scx-slo:$version}
timeout=${SCX_IMAGE_CHECK_TIMEOUT:-90}
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
name=scx-slo-image-check-$$
work=$(mktemp -d)
fail() { printf 'image-check: FAILED: %s\n' "$*"; podman logs "$name" 2>&1 | tail -n 30 | sed 's/^/  agent| /' >&2 || true; exit 1; }
say() { printf 'image-check: %s\n' "$*" >&2; }
cleanup() { podman rm -f -t 5 "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

command -v podman >/dev/null || fail "podman not found (apt-get install podman runc)"
podman image exists "$image" || fail "no image $image: run \`make image\` first"
translator=$repo/dist/deploy/image/daemonset-podman.js
[ -f "$translator" ] || fail "$translator missing: run \`make build\` first"

# The host's cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host).
cg2=$(findmnt -n -t cgroup2 -o TARGET | head -n1)
[ -n "$cg2" ] || fail "this host has no cgroup2 mount"
# The ConfigMap's files, as the kubelet would mount them at /etc/scx-slo.
mkdir -p "$work/config"
(cd "$repo" && node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parse } from "yaml";
  const cm = parse(readFileSync("deploy/manifests/configmap.yaml", "utf8"));
  for (const [k, v] of Object.entries(cm.data)) writeFileSync(process.argv[1] + "/" + k, v);
' "$work/config") || fail "cannot read deploy/manifests/configmap.yaml"

mapfile -t lines < <(node "$translator" "$cg2" "$work/config") || true
[ ${#lines[@]} -gt 0 ] || fail "daemonset-podman.js produced nothing"
opts=(); cmd=(); port=; seen_sep=0
for l in "${lines[@]}"; do
  case "$l" in
    '# port '*) port=${l#\# port } ;;
    '# '*) say "${l#\# }" ;;
    --) seen_sep=1 ;;
    *) if [ $seen_sep = 1 ]; then cmd+=("$l"); else opts+=("$l"); fi ;;
  esac
done
[ -n "$port" ] && [ ${#cmd[@]} -gt 1 ] || fail "could not translate the DaemonSet"
hport=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

say "podman run ${opts[*]} -p 127.0.0.1:$hport:$port $image ${cmd[*]}"
podman run -d --name "$name" "${opts[@]}" -p "127.0.0.1:$hport:$port" \
  --entrypoint "${cmd[0]}" "$image" "${cmd[@]:1}" >/dev/null || fail "podman run failed"

url=http://127.0.0.1:$hport
up=0
for _ in $(seq 1 "$timeout"); do
  [ "$(podman inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] || fail "the agent exited: status $(podman inspect -f '{{.State.ExitCode}}' "$name")"
  if curl -fsS -o /dev/null "$url/healthz" 2>/dev/null && curl -fsS -o /dev/null "$url/readyz" 2>/dev/null; then up=1; break; fi
  sleep 1
done
[ $up = 1 ] || fail "/healthz and /readyz not both 200 within ${timeout}s"

curl -fsS "$url/metrics" >"$work/metrics.txt" || fail "GET /metrics failed"
[ -z "${SCX_IMAGE_CHECK_OUT:-}" ] || { mkdir -p "$SCX_IMAGE_CHECK_OUT" && cp "$work/metrics.txt" "$SCX_IMAGE_CHECK_OUT/metrics.txt"; }
for family in scx_slo_mode scx_slo_attached scx_slo_policy_info scx_slo_config_errors_total \
              scx_slo_source_synced scx_slo_source_workloads scx_slo_stats_read_errors_total \
              process_cpu_seconds_total nodejs_heap_size_used_bytes; do
  grep -q "^# TYPE $family " "$work/metrics.txt" || fail "/metrics lacks $family"
done
if [ -e /sys/kernel/sched_ext ]; then
  grep -qE '^scx_slo_mode\{mode="(sched_ext|monitor)"\} 1$' "$work/metrics.txt" || fail "neither attached nor monitoring"
else
  grep -qx 'scx_slo_mode{mode="monitor"} 1' "$work/metrics.txt" || fail "no sched_ext here, yet not monitoring-only: $(grep '^scx_slo_mode' "$work/metrics.txt" | tr '\n' ' ')"
  grep -qx 'scx_slo_attached 0' "$work/metrics.txt" || fail "scx_slo_attached is not 0 on a kernel without sched_ext"
fi
families=$(grep -c '^# TYPE scx_slo_' "$work/metrics.txt")
if command -v promtool >/dev/null; then
  # prom-client's own nodejs_active_*_total gauges break one naming lint; that is the
  # library's, not the agent's: tolerated by name, anything else fails.
  promtool check metrics <"$work/metrics.txt" >"$work/promtool.txt" 2>&1 || true
  grep -vE '^nodejs_[a-z_]+_total non-counter metrics should not have "_total" suffix$' "$work/promtool.txt" >"$work/promtool-agent.txt" || true
  [ ! -s "$work/promtool-agent.txt" ] || fail "promtool check metrics: $(cat "$work/promtool-agent.txt")"
  promtool_note="promtool check metrics ok (prom-client lints tolerated: $(grep -c . "$work/promtool.txt"))"
else
  promtool_note="promtool not installed: metrics not linted"
fi

# Exit status 3 = no scx-slo scheduler attached (expected without sched_ext); what
# matters is that the agent answered over its control socket.
rc=0; status=$(podman exec "$name" scx-slo status --json 2>&1) || rc=$?
[ $rc = 0 ] || [ $rc = 3 ] || fail "scx-slo status in the container exited $rc: $status"
agent_mode=$(node -e 'const s=JSON.parse(process.argv[1]); if (!s.agent) { console.error(s.agentError); process.exit(1) } console.log(s.agent.mode)' "$status") ||
  fail "scx-slo status did not reach the agent: $status"

# Capabilities: the DaemonSet's list, as far as this host's bounding set has them.
want=0
for ((i = 0; i < ${#opts[@]}; i++)); do
  [ "${opts[$i]}" = --cap-add ] || continue
  c=${opts[$((i + 1))]}
  bit=$(grep -m1 -E "^#define CAP_${c}[[:space:]]+[0-9]+" /usr/include/linux/capability.h | awk '{print $3}')
  [ -n "$bit" ] || fail "capability $c unknown to /usr/include/linux/capability.h"
  want=$((want | (1 << bit)))
done
host_bnd=$((16#$(awk '/^CapBnd/ {print $2}' /proc/self/status)))
expect=$((want & host_bnd))
eff=$((16#$(podman exec "$name" awk '/^CapEff/ {print $2}' /proc/self/status)))
[ "$eff" -eq "$expect" ] || fail "CapEff $(printf %x "$eff"), expected $(printf %x "$expect")"
missing=$((want & ~host_bnd))
cap_note="CapEff $(printf %x "$eff")"
[ "$missing" -eq 0 ] || cap_note="$cap_note (this host cannot grant $(printf %x "$missing"))"
if podman exec "$name" sh -c 'touch /app/.write-probe' 2>/dev/null; then fail "the root filesystem is writable"; fi
podman exec "$name" sh -c 'touch /run/scx-slo/.probe /tmp/.probe' || fail "the emptyDirs are not writable"
nodev=$(podman exec "$name" node --version)
[ "$nodev" = "v$(bash "$repo/.ci/node-lts.sh" --print-version)" ] || fail "node in the image is $nodev"

podman stop -t 30 "$name" >/dev/null || fail "podman stop failed"
code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
[ "$code" = 0 ] || fail "the agent exited with status $code on SIGTERM"
mode=$(sed -n 's/^scx_slo_mode{mode="\([a-z_]*\)"} 1$/\1/p' "$work/metrics.txt")
echo "image-check: ok ($image: mode $mode, $families scx_slo_ families, $promtool_note, scx-slo status: agent $agent_mode, $cap_note, read-only root, node $nodev, clean stop)"
