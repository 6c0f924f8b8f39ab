#!/usr/bin/env bash
# Makes promtool (Prometheus's rule checker and rule unit-test runner) available at
# ${PITR_TOOLS_DIR:-~/.cache/pitr-operator}/promtool-<module version>/promtool for the tests of the
# chart's PrometheusRule, and prints that path. It is built once from its Go module
# (github.com/prometheus/prometheus/cmd/promtool) through the Go module proxy, with the versions
# pinned in src/test/prometheus/promtool/go.mod and go.sum; a change of either, or of this script,
# builds it again. No promtool is installed or downloaded: no package registry ships one.
#
# Usage: provision-promtool.sh
# Environment: PITR_TOOLS_DIR, GOPROXY and the other usual Go variables.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
module="$here/../prometheus/promtool"
tools="${PITR_TOOLS_DIR:-$HOME/.cache/pitr-operator}"
log() { printf 'provision-promtool: %s\n' "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

# The module's version (v0.316.0 is Prometheus 3.16.0: Prometheus 3 tags its Go module v0.3XX.Y).
module_version=$(sed -n 's|^[[:space:]]*github.com/prometheus/prometheus \(v[^ ]*\).*|\1|p' "$module/go.mod")
[ -n "$module_version" ] || fail "$module/go.mod requires no github.com/prometheus/prometheus"
target="$tools/promtool-${module_version#v}/promtool"
stamp=$(cat "$0" "$module/go.mod" "$module/go.sum" | sha256sum | cut -d' ' -f1)
if [ -x "$target" ] && [ "$(cat "$target.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$target"
  exit 0
fi
command -v go >/dev/null 2>&1 ||
  fail "Go is needed to build promtool $module_version (Go 1.26+, https://go.dev/doc/install), or
  put a promtool binary at $target and the line $stamp in $target.stamp."

started=$(date +%s)
mkdir -p "$(dirname "$target")"
release=$(cd "$module" && go list -m -f '{{.Dir}}' github.com/prometheus/prometheus | xargs -I{} cat {}/VERSION) ||
  fail "could not download github.com/prometheus/prometheus@$module_version (see the go output above)"
log "building promtool $release (module $module_version) from its Go module (first run only)"
# -mod=readonly: go.sum is the pinned record; a build that needs to change it fails instead.
(cd "$module" && CGO_ENABLED=0 go build -mod=readonly -trimpath \
  -ldflags "-s -w -X github.com/prometheus/common/version.Version=$release" \
  -o "$target.tmp" github.com/prometheus/prometheus/cmd/promtool) ||
  fail "building promtool $module_version failed (see the go output above)"
mv -f "$target.tmp" "$target"
echo "$stamp" >"$target.stamp"
log "installed $("$target" --version 2>&1 | head -1) into $target in $(($(date +%s) - started)) s"
echo "$target"
