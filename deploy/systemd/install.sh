#!/usr/bin/env bash
# install.sh: `make install`. Installs the built agent (after `make build`) for a host
# without Kubernetes, run by systemd (scx-slo.service):
#   $PREFIX/lib/scx-slo/{dist,bpf/build/*.o,node_modules,package.json}   the agent
#   $PREFIX/bin/scx-slo                        -> ../lib/scx-slo/dist/cli/main.js
#   $UNITDIR/scx-slo.service                   from deploy/systemd/scx-slo.service.in
#   $SYSCONFDIR/default/scx-slo, $SYSCONFDIR/scx-slo/slos.yaml   (kept if present)
#   $PREFIX/share/doc/scx-slo/README.md
# All under $DESTDIR when set (packaging, tests). Only the runtime npm dependencies are
# copied (`npm ls --omit=dev`), from the build's node_modules: nothing is downloaded.
# Environment: DESTDIR, PREFIX (/usr/local), SYSCONFDIR (/etc),
# UNITDIR ($PREFIX/lib/systemd/system, which systemd searches).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
LIBDIR=$PREFIX/lib/scx-slo
BINDIR=$PREFIX/bin
DOCDIR=$PREFIX/share/doc/scx-slo
say() { printf 'install: %s\n' "$*" >&2; }

for f in dist/cli/main.js bpf/build/scx_slo.bpf.o bpf/build/rqlat.bpf.o; do
  [ -f "$repo/$f" ] || { say "$f missing: run \`make build\` first"; exit 1; }
done

lib=$DESTDIR$LIBDIR
rm -rf "$lib.new"
mkdir -p "$lib.new/bpf/build" "$lib.new/node_modules"
# dist/ without tests and source maps.
(cd "$repo" && find dist -type f -name '*.js' ! -path '*/test/*' -print0 | xargs -0 cp --parents -t "$lib.new")
cp "$repo"/bpf/build/scx_slo.bpf.o "$repo"/bpf/build/rqlat.bpf.o "$lib.new/bpf/build/"
cp "$repo/package.json" "$lib.new/"
# Runtime dependencies only, at their place in the tree.
(cd "$repo" && npm ls --omit=dev --all --parseable 2>/dev/null) | tail -n +2 | while read -r dir; do
  rel=${dir#"$repo"/}
  mkdir -p "$lib.new/$(dirname "$rel")"
  cp -a "$dir" "$lib.new/$rel"
done
[ -d "$lib.new/node_modules/koffi" ] || { say "runtime dependencies not found (npm ls --omit=dev)"; exit 1; }
chmod 0755 "$lib.new/dist/cli/main.js"
rm -rf "$lib" && mv "$lib.new" "$lib"

mkdir -p "$DESTDIR$BINDIR" "$DESTDIR$UNITDIR" "$DESTDIR$SYSCONFDIR/default" "$DESTDIR$SYSCONFDIR/scx-slo" "$DESTDIR$DOCDIR"
ln -sfn "$(realpath -m --relative-to="$BINDIR" "$LIBDIR/dist/cli/main.js")" "$DESTDIR$BINDIR/scx-slo"
sed -e "s|@BINDIR@|$BINDIR|g" -e "s|@SYSCONFDIR@|$SYSCONFDIR|g" -e "s|@DOCDIR@|$DOCDIR|g" \
  "$repo/deploy/systemd/scx-slo.service.in" >"$DESTDIR$UNITDIR/scx-slo.service"
chmod 0644 "$DESTDIR$UNITDIR/scx-slo.service"
[ -e "$DESTDIR$SYSCONFDIR/default/scx-slo" ] || install -m 0644 "$repo/deploy/systemd/scx-slo.default" "$DESTDIR$SYSCONFDIR/default/scx-slo"
[ -e "$DESTDIR$SYSCONFDIR/scx-slo/slos.yaml" ] || install -m 0644 "$repo/deploy/systemd/slos.yaml" "$DESTDIR$SYSCONFDIR/scx-slo/slos.yaml"
install -m 0644 "$repo/README.md" "$DESTDIR$DOCDIR/README.md"
say "installed into ${DESTDIR:-/}: $BINDIR/scx-slo, $LIBDIR, $UNITDIR/scx-slo.service, $SYSCONFDIR/default/scx-slo, $SYSCONFDIR/scx-slo/slos.yaml"
[ -n "$DESTDIR" ] || say "now: systemctl daemon-reload && systemctl enable --now scx-slo"
