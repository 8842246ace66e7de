#!/usr/bin/env bash
# Installs the host packages scx-slo needs to build, test and benchmark on a fresh
# Debian bookworm machine: the BPF toolchain (clang-19, libbpf >= 1.4 and bpftool from
# bookworm-backports), QEMU (>= 8.1, also from bookworm-backports) and busybox for the
# sched_ext guest, and the workload tools (stress-ng, rt-tests) the guest tests run, and
# trace-cmd (sim/test/fixtures/record-real-trace.sh), and a supported Node.js LTS
# (.ci/node-lts.sh: into /usr/local, ahead of /usr/bin on PATH, when `node` is older
# than 22; Debian's nodejs/npm only to fetch it on a machine with no npm at all).
# Idempotent: does nothing when all is there.
set -euo pipefail

need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for p in clang-19 llvm-19 busybox-static cpio stress-ng rt-tests \
         libelf-dev zlib1g-dev pkg-config xz-utils zstd trace-cmd; do
  have "$p" || need+=("$p")
done
libbpf_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' libbpf-dev 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge "1:1.4"
}
# QEMU before 8.1 (bookworm has 7.2) crashes SMP guests under multi-threaded TCG when
# the guest kernel patches its own code (an int3 oops on static-key flips, e.g. when a
# sched_ext scheduler attaches); bookworm-backports has a fixed one.
qemu_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge "1:8.1"
}
# promtool (the deploy/ tests check metrics and alerting rules with it): only the
# binary, extracted from Debian's `prometheus` package into .cache/tools/bin; installing
# the package would also install (and on systemd hosts start) a Prometheus server.
repo=$(cd "$(dirname "$0")/.." && pwd)
promtool_ok() { command -v promtool >/dev/null 2>&1 || [ -x "$repo/.cache/tools/bin/promtool" ]; }
fetch_promtool() {
  local tmp deb
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User="$(id -un)" prometheus) || { rm -rf "$tmp"; return 1; }
  deb=$(ls "$tmp"/prometheus_*.deb)
  mkdir -p "$repo/.cache/tools/bin"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./usr/bin/promtool >"$repo/.cache/tools/bin/promtool.new"
  chmod 0755 "$repo/.cache/tools/bin/promtool.new" && mv -f "$repo/.cache/tools/bin/promtool.new" "$repo/.cache/tools/bin/promtool"
  rm -rf "$tmp"
  echo "setup-host: promtool $("$repo/.cache/tools/bin/promtool" --version 2>&1 | head -n1 | cut -d' ' -f3) into .cache/tools/bin"
}
# With current package lists no root is needed; else it is fetched after apt-get update below.
promtool_ok || fetch_promtool 2>/dev/null || true

# Node.js: 20 reached its end of life on 2026-04-30; build and test on an LTS >= 22.
node_ok() {
  local v
  v=$(node --version 2>/dev/null || true)
  v=${v#v}
  [ -n "$v" ] && [ "${v%%.*}" -ge 22 ]
}
node_ok || { command -v npm >/dev/null 2>&1 || need+=(npm); }
bp=()
libbpf_ok || bp+=(libbpf-dev libbpf1)
qemu_ok || bp+=(qemu-system-x86)
command -v bpftool >/dev/null 2>&1 || bp+=(bpftool)

if [ ${#need[@]} -eq 0 ] && [ ${#bp[@]} -eq 0 ] && node_ok && promtool_ok; then
  echo "setup-host: all host packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  node_ok || need+=("node >= 22 (.ci/node-lts.sh)")
  promtool_ok || need+=("promtool (Debian package prometheus)")
  echo "setup-host: missing packages (${need[*]} ${bp[*]}) and not root: install them or run as root" >&2
  exit 1
fi

src=/etc/apt/sources.list.d/scx-slo-bookworm-backports.sources
if [ ${#bp[@]} -gt 0 ] && [ ! -f "$src" ]; then
  # bookworm-backports on the mirror this system already uses (.ci/apt-source.sh).
  bash "$(dirname "$0")/apt-source.sh" bookworm-backports >"$src.new" && mv "$src.new" "$src"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
[ ${#need[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends "${need[@]}"
[ ${#bp[@]} -gt 0 ] && apt-get install -y -qq --no-install-recommends -t bookworm-backports "${bp[@]}"
promtool_ok || fetch_promtool
if ! node_ok; then
  bash "$(dirname "$0")/node-lts.sh" --prefix /usr/local
  hash -r
  node_ok || { echo "setup-host: /usr/local/bin/node is installed but \`node\` is still $(node --version): put /usr/local/bin first on PATH" >&2; exit 1; }
fi
echo "setup-host: installed ${need[*]} ${bp[*]}"
