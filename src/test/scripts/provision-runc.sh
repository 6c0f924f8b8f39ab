#!/usr/bin/env bash
# Makes runc, the OCI runtime containerd uses, available at
# ${PITR_TOOLS_DIR:-~/.cache/pitr-operator}/runc/runc for the image tests: an installed runc is
# linked there; otherwise Debian's package is downloaded (apt-get download) and unpacked there, once,
# without installing anything on the host.
#
# Usage: provision-runc.sh
set -euo pipefail

tools="${PITR_TOOLS_DIR:-$HOME/.cache/pitr-operator}"
target="$tools/runc/runc"
log() { printf 'provision-runc: %s\n' "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

if [ -x "$target" ] && "$target" --version >/dev/null 2>&1; then
  log "reusing $target ($("$target" --version | head -1))"
  exit 0
fi
mkdir -p "$(dirname "$target")"
if installed=$(command -v runc 2>/dev/null); then
  ln -sf "$installed" "$target"
  log "using the installed $("$installed" --version | head -1) ($installed)"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
  fail "runc is not installed, and this is not a Debian machine to download it: install runc 1.1+"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt warns that root downloads unsandboxed: expected, and not worth a line in the build.
if ! (cd "$work" && apt-get download -q runc 2>&1 | { grep -v 'unsandboxed' || true; }) >&2; then
  fail "could not download runc: on a fresh machine run 'apt-get update' first"
fi
deb=$(ls "$work"/runc_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "could not download runc: on a fresh machine run 'apt-get update' first"
dpkg-deb -x "$deb" "$work/unpacked"
cp "$work/unpacked/usr/sbin/runc" "$target"
"$target" --version >/dev/null 2>&1 || fail "$target does not run (it needs libseccomp2): $("$target" --version 2>&1)"
log "unpacked $(basename "$deb") to $target"
