#!/usr/bin/env bash
# apt-source.sh [--root DIR] [--format sources|list|uri] SUITE...
# Prints apt sources entries for Debian SUITEs (e.g. bookworm-backports, sid) on the
# Debian mirror this system already uses, so no mirror host name is ever written into
# the repository. The mirror is taken from the system's own apt sources
# (DIR/etc/apt/sources.list, DIR/etc/apt/sources.list.d/*.list and *.sources, one-line
# and deb822 formats; DIR defaults to /): the first enabled `deb` entry carrying a
# Debian suite (the system's codename from DIR/etc/os-release, or any Debian codename,
# stable/testing/unstable) gives the archive URI and its Signed-By; `*-security` SUITEs
# take the URI of the system's security entry when it has one.
#   --format sources   one deb822 stanza per SUITE (default; for sources.list.d/*.sources)
#   --format list      one-line `deb [signed-by=...] URI SUITE main` per SUITE
#   --format uri       only the archive URI (of the first SUITE's kind)
# Used by .ci/setup-host.sh (bookworm-backports), bpf/vm/lib.sh (the guest kernel's
# suites), deploy/image/make-base.sh and deploy/Dockerfile (inside the image, reading
# the image's own sources). Tested by .ci/test/apt-source.test.sh.
# Exits 1 with a message naming the files read when no Debian entry is found.
set -euo pipefail

root=/
format=sources
suites=()
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --format) format=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "apt-source: unknown option $1" >&2; exit 2 ;;
    *) suites+=("$1"); shift ;;
  esac
done
case "$format" in sources|list|uri) ;; *) echo "apt-source: --format must be sources, list or uri, not '$format'" >&2; exit 2 ;; esac
[ ${#suites[@]} -gt 0 ] || { echo "apt-source: name at least one SUITE" >&2; exit 2; }

root=${root%/}
files=()
[ -f "$root/etc/apt/sources.list" ] && files+=("$root/etc/apt/sources.list")
for f in "$root"/etc/apt/sources.list.d/*.list "$root"/etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || { echo "apt-source: no apt sources under $root/etc/apt" >&2; exit 1; }

codename=
if [ -r "$root/etc/os-release" ]; then
  codename=$(sed -n 's/^VERSION_CODENAME=["]*\([a-z]*\)["]*$/\1/p' "$root/etc/os-release")
fi

# One record per (entry, suite): "URI<TAB>SUITE<TAB>SIGNED-BY", in file order.
records() {
  local f
  for f in "${files[@]}"; do
    case "$f" in
      *.sources) awk -v OFS='\t' '
          function flush() {
            if (types ~ /(^| )deb( |$)/ && enabled != "no" && uris != "")
              for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j], signed
            types = ""; uris = ""; enabled = ""; signed = ""; nu = 0; ns = 0; field = ""
          }
          /^#/ { next }
          /^[ \t]*$/ { flush(); next }
          /^[ \t]/ { next }   # continuation line (e.g. an inline key): not used
          {
            field = tolower(substr($0, 1, index($0, ":") - 1))
            val = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", val)
            if (field == "types") types = val
            else if (field == "uris") { uris = val; nu = split(val, u, /[ \t]+/) }
            else if (field == "suites") ns = split(val, s, /[ \t]+/)
            else if (field == "enabled") enabled = tolower(val)
            else if (field == "signed-by" && val ~ /^\//) signed = val
          }
          END { flush() }' "$f" ;;
      *) awk -v OFS='\t' '
          /^[ \t]*deb[ \t]/ {
            sub(/#.*/, ""); signed = ""
            if (match($0, /\[[^]]*\]/)) {
              opts = substr($0, RSTART + 1, RLENGTH - 2)
              $0 = substr($0, 1, RSTART - 1) substr($0, RSTART + RLENGTH)
              n = split(opts, o, /[ \t]+/)
              for (i = 1; i <= n; i++) if (o[i] ~ /^signed-by=\//) signed = substr(o[i], 11)
            }
            if (NF >= 3) print $2, $3, signed
          }' "$f" ;;
    esac
  done
}

debian_suite='^(buzz|rex|bo|hamm|slink|potato|woody|sarge|etch|lenny|squeeze|wheezy|jessie|stretch|buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)(-updates|-backports|-proposed-updates)?$'
main_uri=; main_signed=; main_pref=0; sec_uri=; sec_signed=
while IFS=$'\t' read -r uri suite signed; do
  s=${suite%/}
  if [[ "$s" =~ -security$|/updates$ ]]; then
    if [ -z "$sec_uri" ]; then sec_uri=$uri; sec_signed=$signed; fi
    continue
  fi
  [[ "$s" =~ $debian_suite ]] || continue
  # Prefer the entry for this system's own codename; else the first Debian one.
  if [ -z "$main_uri" ] || { [ -n "$codename" ] && [ "${s%%-*}" = "$codename" ] && [ "$main_pref" != 1 ]; }; then
    main_uri=$uri; main_signed=$signed
    main_pref=0; [ -n "$codename" ] && [ "${s%%-*}" = "$codename" ] && main_pref=1
  fi
done < <(records)

[ -n "$main_uri" ] || {
  echo "apt-source: no enabled Debian 'deb' entry in ${files[*]}" >&2
  exit 1
}
default_key=/usr/share/keyrings/debian-archive-keyring.gpg

for suite in "${suites[@]}"; do
  uri=$main_uri; key=${main_signed:-$default_key}
  if [[ "$suite" =~ -security$ ]]; then
    if [ -n "$sec_uri" ]; then uri=$sec_uri; key=${sec_signed:-$default_key}
    else uri=${main_uri%/}-security; fi
  fi
  case "$format" in
    uri) echo "$uri"; exit 0 ;;
    list) echo "deb [signed-by=$key] $uri $suite main" ;;
    sources) printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' "$uri" "$suite" "$key" ;;
  esac
done
