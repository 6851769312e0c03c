"""What the schema validation of deploy/check.sh cannot see in deploy/k8s/: the custom
resources, the kustomization, the generated secrets and how the manifests fit together.

- postgres-cnpg.yaml is a CloudNativePG Cluster of 3+ instances bootstrapped from the
  generated Secret bookingplatform-pg-credentials, backed up with barman to an object store
  (keys from a generated Secret, a retention policy) by postgres-backup.yaml's ScheduledBackup
  of that Cluster; servicemonitor.yaml a ServiceMonitor
  scraping the Services' `metrics` port;
- kustomization.yaml lists every manifest, and its secretGenerator reads the env files
  deploy/k8s_secrets.py writes (here into a throwaway folder), which hold every key a
  secretKeyRef names, and the same database password in DATABASE_URL and for the owner;
- no Secret with placeholders in the manifests;
- JetStream: NATS_STREAM_REPLICAS is 3 and no more than the NATS StatefulSet's replicas;
- gRPC: every Service with a `grpc` port is headless, and the callers' <NAME>_ADDR is
  dns:///<service>.<namespace>.svc.cluster.local:<port>; GRPC_MAX_CONNECTION_AGE_SECONDS set;
- every Deployment has a HorizontalPodAutoscaler and no fixed `replicas`, and a container
  port `metrics` equal to METRICS_PORT (METRICS_HOST 0.0.0.0);
- NetworkPolicies: a default deny of ingress for every pod, and each gRPC service reachable
  from exactly its callers (docs/architecture.md);
- with `--rendered FILE` (the output of `kubectl kustomize` on the throwaway folder): the
  generated Secrets exist, and every secretKeyRef points at one of them by its hashed name.

Usage: .venv/bin/python deploy/check_k8s.py deploy/k8s --secrets DIR [--rendered FILE]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

# Who calls whom over gRPC (docs/architecture.md, "Who calls whom").
CALLERS = {
    "catalog": {"gateway", "bookings", "wallet", "passes"},
    "bookings": {"gateway"},
    "wallet": {"gateway", "catalog"},
    "passes": {"gateway", "bookings"},
    "payments": {"gateway", "bookings"},
}


def load(folder: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(folder.glob("*.yaml"))
    }


def read_env(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key: value for key, value in pairs}


def secret_refs(doc: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    for container in spec.get("containers", []):
        for item in container.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                found.append((ref["name"], ref["key"]))
    return found


def check(folder: Path, secrets: Path, rendered: Path | None) -> list[str]:
    problems: list[str] = []

    def expect(condition: bool, message: str) -> None:
        if not condition:
            problems.append(message)

    files = load(folder)
    docs = [doc for name, items in files.items() if name != "kustomization.yaml" for doc in items]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc["kind"], []).append(doc)

    (cluster,) = files["postgres-cnpg.yaml"]
    expect(
        (cluster["apiVersion"], cluster["kind"]) == ("postgresql.cnpg.io/v1", "Cluster"),
        "postgres-cnpg.yaml: not a CloudNativePG Cluster",
    )
    expect(cluster["spec"]["instances"] >= 3, "the PostgreSQL cluster needs 3 instances")
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    backup = cluster["spec"].get("backup", {})
    store = backup.get("barmanObjectStore", {})
    expect(
        str(store.get("destinationPath", "")).startswith(("s3://", "gs://", "https://")),
        "the Cluster needs backup.barmanObjectStore.destinationPath (an object store)",
    )
    expect(bool(backup.get("retentionPolicy")), "the Cluster's backups need a retentionPolicy")
    store_keys = [ref for ref in store.get("s3Credentials", {}).values() if isinstance(ref, dict)]
    expect(len(store_keys) == 2, "the Cluster's barmanObjectStore needs s3Credentials from a Secret")
    (scheduled,) = files.get("postgres-backup.yaml", [{}])
    expect(
        (scheduled.get("apiVersion"), scheduled.get("kind")) == ("postgresql.cnpg.io/v1", "ScheduledBackup"),
        "postgres-backup.yaml: not a CloudNativePG ScheduledBackup",
    )
    scheduled_spec = scheduled.get("spec", {})
    expect(
        scheduled_spec.get("cluster", {}).get("name") == cluster["metadata"]["name"]
        and scheduled_spec.get("method", "barmanObjectStore") == "barmanObjectStore"
        and len(str(scheduled_spec.get("schedule", "")).split()) == 6,
        "the ScheduledBackup must back up the Cluster to its barmanObjectStore on a 6-field schedule",
    )
    (monitor,) = files["servicemonitor.yaml"]
    expect(
        (monitor["apiVersion"], monitor["kind"]) == ("monitoring.coreos.com/v1", "ServiceMonitor"),
        "servicemonitor.yaml: not a monitoring.coreos.com/v1 ServiceMonitor",
    )
    expect(
        [endpoint["port"] for endpoint in monitor["spec"]["endpoints"]] == ["metrics"],
        "the ServiceMonitor must scrape the port `metrics`",
    )

    # The restore drill's Cluster (not applied by the kustomization): a new Cluster recovering
    # from the live one's object store.
    recovery_file = folder / "restore" / "postgres-recovery.yaml"
    if recovery_file.exists():
        (recovery,) = [doc for doc in yaml.safe_load_all(recovery_file.read_text()) if doc]
        sources = {item["name"]: item for item in recovery["spec"].get("externalClusters", [])}
        source = sources.get(recovery["spec"].get("bootstrap", {}).get("recovery", {}).get("source", ""), {})
        origin = source.get("barmanObjectStore", {})
        expect(
            recovery["kind"] == "Cluster"
            and recovery["metadata"]["name"] != cluster["metadata"]["name"]
            and origin.get("destinationPath") == store.get("destinationPath")
            and origin.get("serverName") == cluster["metadata"]["name"]
            and origin.get("s3Credentials") == store.get("s3Credentials"),
            "restore/postgres-recovery.yaml must bootstrap a new Cluster from the live one's backups",
        )

    kustomization = files["kustomization.yaml"][0]
    listed = set(kustomization["resources"])
    present = set(files) - {"kustomization.yaml"}
    differ = sorted(listed ^ present)
    expect(not differ, f"kustomization.yaml resources differ from the files: {differ}")
    generators = {item["name"]: item for item in kustomization.get("secretGenerator", [])}
    expect(not by_kind.get("Secret"), "a Secret in the manifests: secrets are generated (make k8s-secrets)")
    generated: dict[str, dict[str, str]] = {}
    for name, generator in generators.items():
        values: dict[str, str] = {}
        for env_file in generator.get("envs", []):
            path = secrets / env_file
            expect(path.exists(), f"deploy/k8s_secrets.py does not write {env_file} (secretGenerator {name})")
            if path.exists():
                values.update(read_env(path))
        generated[name] = values
        for key, value in values.items():
            expect(value and "REPLACE_ME" not in value, f"generated {name}.{key} is empty or a placeholder")
    credentials_name = initdb.get("secret", {}).get("name", "")
    credentials = generated.get(credentials_name, {})
    expect(
        bool(credentials) and credentials.get("username") == initdb["owner"],
        "the Cluster's initdb.secret must be a generated Secret whose username is the owner",
    )
    options = generators.get(credentials_name, {}).get("options", {})
    expect(
        options.get("disableNameSuffixHash") is True,
        "the Cluster's credentials Secret needs disableNameSuffixHash (kustomize renames no CRD's reference)",
    )
    for ref in store_keys:
        expect(
            ref.get("key") in generated.get(ref.get("name", ""), {}),
            f"the Cluster's backup keys: generated secret {ref.get('name')} has no key {ref.get('key')}",
        )
        expect(
            generators.get(ref.get("name", ""), {}).get("options", {}).get("disableNameSuffixHash") is True,
            f"{ref.get('name')} needs disableNameSuffixHash (kustomize renames no CRD's reference)",
        )
    for doc in by_kind.get("Deployment", []) + by_kind.get("Job", []):
        for name, key in secret_refs(doc):
            where = doc["metadata"]["name"]
            expect(key in generated.get(name, {}), f"{where}: secret {name} has no key {key}")
    url = urlsplit(generated.get("bookingplatform-secrets", {}).get("DATABASE_URL", ""))
    expect(
        url.password is not None
        and url.password == credentials.get("password")
        and url.username == initdb["owner"],
        "DATABASE_URL must carry the owner and the password of the Cluster's bootstrap Secret",
    )

    (config,) = [doc for doc in by_kind["ConfigMap"] if doc["metadata"]["name"] == "bookingplatform-config"]
    data = config["data"]
    (nats,) = [doc for doc in by_kind["StatefulSet"] if doc["metadata"]["name"] == "nats"]
    replicas = int(data.get("NATS_STREAM_REPLICAS", "1"))
    expect(replicas == 3, "NATS_STREAM_REPLICAS must be 3 on the 3-node JetStream cluster")
    expect(replicas <= nats["spec"]["replicas"], "NATS_STREAM_REPLICAS exceeds the NATS nodes")
    age = float(data.get("GRPC_MAX_CONNECTION_AGE_SECONDS", "0"))
    expect(age > 0, "GRPC_MAX_CONNECTION_AGE_SECONDS unset: clients would never re-resolve")
    namespace = config["metadata"]["namespace"]
    for service in by_kind["Service"]:
        ports = {port["name"]: port["port"] for port in service["spec"]["ports"]}
        name = service["metadata"]["name"]
        if "grpc" not in ports:
            continue
        expect(service["spec"].get("clusterIP") == "None", f"Service {name}: gRPC needs a headless Service")
        wanted = f"dns:///{name}.{namespace}.svc.cluster.local:{ports['grpc']}"
        expect(data.get(f"{name.upper()}_ADDR") == wanted, f"{name.upper()}_ADDR must be {wanted}")

    deployments = {doc["metadata"]["name"]: doc for doc in by_kind["Deployment"]}
    scaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in by_kind.get("HorizontalPodAutoscaler", [])}
    expect(data.get("METRICS_HOST") == "0.0.0.0", "METRICS_HOST must be 0.0.0.0 in a pod")
    for name, deployment in deployments.items():
        expect(name in scaled, f"Deployment {name} has no HorizontalPodAutoscaler")
        expect("replicas" not in deployment["spec"], f"Deployment {name}: the HPA owns `replicas`; remove it")
        ports = {
            port.get("name"): port["containerPort"]
            for container in deployment["spec"]["template"]["spec"]["containers"]
            for port in container.get("ports", [])
        }
        expect(
            str(ports.get("metrics")) == data.get("METRICS_PORT"),
            f"Deployment {name}: container port `metrics` must be METRICS_PORT",
        )

    policies = {doc["metadata"]["name"]: doc["spec"] for doc in by_kind.get("NetworkPolicy", [])}
    deny = policies.get("default-deny-ingress", {})
    expect(
        deny.get("podSelector") == {} and deny.get("policyTypes") == ["Ingress"] and not deny.get("ingress"),
        "no default-deny-ingress NetworkPolicy for every pod",
    )
    for service, callers in CALLERS.items():
        spec = policies.get(f"{service}-ingress", {})
        allowed = {
            peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
            for rule in spec.get("ingress", [])
            if any(port.get("port") == 50051 for port in rule.get("ports", []))
            for peer in rule.get("from", [])
        }
        expect(
            allowed == callers,
            f"{service}-ingress allows gRPC from {sorted(map(str, allowed))}, not {sorted(callers)}",
        )

    if rendered is not None:
        output = [doc for doc in yaml.safe_load_all(rendered.read_text()) if doc]
        names = {doc["metadata"]["name"] for doc in output if doc["kind"] == "Secret"}
        for generator in generators:
            expect(
                any(name == generator or name.startswith(generator + "-") for name in names),
                f"kustomize rendered no Secret {generator}",
            )
        for doc in output:
            if doc["kind"] in ("Deployment", "Job"):
                for name, _key in secret_refs(doc):
                    where = doc["metadata"]["name"]
                    expect(name in names, f"rendered {where} refers to a missing Secret {name}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("--secrets", type=Path, required=True, help="folder of the generated env files")
    parser.add_argument("--rendered", type=Path, help="kubectl kustomize output of that folder")
    args = parser.parse_args()
    problems = check(args.folder, args.secrets, args.rendered)
    for problem in problems:
        print(f"kubernetes: {problem}", file=sys.stderr)
    if not problems:
        print(
            "kubernetes: CRDs (the Cluster's barman backups and their schedule), kustomization and"
            " generated secrets, stream replicas, headless gRPC"
            " Services, HPAs, metrics ports and NetworkPolicies checked"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
