#!/usr/bin/env bash
# Fails when gen/ is not what protos/ generates (run `make protos` to refresh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$root/tools/protogen.sh" "$tmp"
if ! diff -r -q "$root/gen/bookingplatform" "$tmp/bookingplatform" -x __pycache__; then
  echo "generated code in gen/ is stale: run 'make protos' and commit" >&2
  exit 1
fi
echo "generated code is up to date"
