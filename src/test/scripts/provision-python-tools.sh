#!/usr/bin/env bash
# Makes the Python programs the integration tests use as clients and as a second DynamoDB endpoint
# (the AWS CLI, boto3, moto server; versions pinned in src/test/python/requirements.txt) available
# in a virtual environment at ${PITR_TOOLS_DIR:-~/.cache/pitr-operator}/python-tools, outside the
# work tree. It is rebuilt only when requirements.txt changes. Needs python3 with its venv module.
#
# Usage: provision-python-tools.sh [--requirements src/test/python/requirements.txt]
set -euo pipefail

requirements="$(dirname "$0")/../python/requirements.txt"
while [ $# -gt 0 ]; do
  case "$1" in
    --requirements) requirements="$2"; shift 2 ;;
    *) echo "provision-python-tools: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

tools="${PITR_TOOLS_DIR:-$HOME/.cache/pitr-operator}"
target="$tools/python-tools"
log() { printf 'provision-python-tools: %s\n' "$*" >&2; }
fail() {
  log "ERROR: $*"
  exit 1
}

[ -f "$requirements" ] || fail "$requirements not found"
wanted=$(sha256sum "$requirements" | cut -c1-16)
if [ -f "$target/.requirements-$wanted" ]; then
  log "reusing $target"
  exit 0
fi

python=$(command -v python3 2>/dev/null) ||
  fail "python3 is not installed. Install Python 3.9 or newer with its venv module
  (Debian/Ubuntu: apt-get install python3 python3-venv)."

mkdir -p "$tools"
exec 9>"$tools/.python-tools.lock"
flock 9
if [ -f "$target/.requirements-$wanted" ]; then
  log "reusing $target (provisioned meanwhile)"
  exit 0
fi

started=$(date +%s)
# Built in place (a venv's scripts name their interpreter by absolute path); the stamp file, written
# last, tells a complete environment from one a failed run left behind.
rm -rf "$target"
"$python" -m venv "$target" ||
  fail "'$python -m venv' failed: install Python's venv module (Debian/Ubuntu: apt-get install python3-venv)"
log "installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into $target (first run only)"
"$target/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
  fail "pip could not install $requirements (see its output above)"
touch "$target/.requirements-$wanted"
log "installed into $target in $(($(date +%s) - started)) s"
