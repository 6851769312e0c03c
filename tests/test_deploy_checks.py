"""deploy/'s own checks and generators, offline (deploy/check.sh runs the checks on the real
files; these prove they catch what they claim to, and that the secrets generator is sound)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
import yaml

from gateway.push.vapid import load_private_key

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


def deploy_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DEPLOY / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


k8s_secrets = deploy_module("k8s_secrets")
check_k8s = deploy_module("check_k8s")
check_observability = deploy_module("check_observability")
check_image = deploy_module("check_image")


def read_env(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


def test_generated_secrets_are_random_private_and_consistent(tmp_path):
    assert k8s_secrets.main(["--out", str(tmp_path)]) == 0
    app = read_env(tmp_path / "secrets.env")
    postgres = read_env(tmp_path / "pg-credentials.env")
    for path in tmp_path.glob("*.env"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    url = urlsplit(app["DATABASE_URL"])
    assert (url.username, url.password) == (postgres["username"], postgres["password"])
    assert url.hostname == "bookingplatform-pg-rw" and len(postgres["password"]) >= 32
    assert len(app["JWT_SECRET"]) >= 32 and len(app["PAYMENTS_WEBHOOK_SECRET"]) >= 32
    load_private_key(app["GATEWAY_VAPID_PRIVATE_KEY"])  # the gateway accepts it
    assert "REPLACE_ME" not in (tmp_path / "secrets.env").read_text()

    # A second run keeps them (the database password is set once); --force makes new ones.
    assert k8s_secrets.main(["--out", str(tmp_path)]) == 0
    assert read_env(tmp_path / "secrets.env") == app
    assert k8s_secrets.main(["--out", str(tmp_path), "--force"]) == 0
    renewed = read_env(tmp_path / "secrets.env")
    assert renewed["JWT_SECRET"] != app["JWT_SECRET"]
    assert renewed["DATABASE_URL"] != app["DATABASE_URL"]


@pytest.fixture
def k8s_copy(tmp_path) -> Path:
    folder = tmp_path / "k8s"
    shutil.copytree(DEPLOY / "k8s", folder, ignore=shutil.ignore_patterns("*.env"))
    assert k8s_secrets.main(["--out", str(folder)]) == 0
    return folder


def edit(path: Path, change) -> None:
    docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for doc in docs:
        change(doc)
    path.write_text(yaml.safe_dump_all(docs))


def test_the_manifests_pass_the_checks(k8s_copy):
    assert check_k8s.check(k8s_copy, k8s_copy, None) == []


def test_a_clusterip_grpc_service_fewer_stream_replicas_and_a_wider_policy_are_caught(k8s_copy):
    def clusterip(doc):
        if doc["kind"] == "Service":
            doc["spec"].pop("clusterIP", None)

    def one_replica(doc):
        if doc["kind"] == "ConfigMap":
            doc["data"]["NATS_STREAM_REPLICAS"] = "1"

    def wallet_may_call_payments(doc):
        if doc["kind"] == "NetworkPolicy" and doc["metadata"]["name"] == "payments-ingress":
            doc["spec"]["ingress"][0]["from"].append(
                {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "wallet"}}}
            )

    edit(k8s_copy / "catalog.yaml", clusterip)
    edit(k8s_copy / "config.yaml", one_replica)
    edit(k8s_copy / "networkpolicies.yaml", wallet_may_call_payments)
    problems = "\n".join(check_k8s.check(k8s_copy, k8s_copy, None))
    assert "Service catalog: gRPC needs a headless Service" in problems
    assert "NATS_STREAM_REPLICAS must be 3" in problems
    assert "payments-ingress allows gRPC from" in problems


def test_a_placeholder_secret_or_a_missing_secret_key_is_caught(k8s_copy):
    (k8s_copy / "secrets.env").write_text("DATABASE_URL=postgresql://booking:REPLACE_ME@h/booking\n")
    problems = "\n".join(check_k8s.check(k8s_copy, k8s_copy, None))
    assert "placeholder" in problems
    assert "has no key JWT_SECRET" in problems
    assert "DATABASE_URL must carry the owner and the password" in problems


def test_backup_keys_come_from_the_environment_or_are_random_and_are_added_to_old_secrets(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("BACKUP_S3_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("BACKUP_S3_SECRET_ACCESS_KEY", "provider-secret")
    assert k8s_secrets.main(["--out", str(tmp_path)]) == 0
    keys = read_env(tmp_path / "backup-credentials.env")
    assert keys == {"ACCESS_KEY_ID": "AKIAEXAMPLE", "ACCESS_SECRET_KEY": "provider-secret"}
    assert stat.S_IMODE((tmp_path / "backup-credentials.env").stat().st_mode) == 0o600
    # An older install has the two other files only: the keys are added, the password kept.
    app = read_env(tmp_path / "secrets.env")
    (tmp_path / "backup-credentials.env").unlink()
    monkeypatch.delenv("BACKUP_S3_ACCESS_KEY_ID")
    monkeypatch.delenv("BACKUP_S3_SECRET_ACCESS_KEY")
    assert k8s_secrets.main(["--out", str(tmp_path)]) == 0
    assert read_env(tmp_path / "secrets.env") == app
    random_keys = read_env(tmp_path / "backup-credentials.env")
    assert len(random_keys["ACCESS_SECRET_KEY"]) >= 32 and random_keys["ACCESS_KEY_ID"]


def test_a_cluster_without_backups_or_a_schedule_of_another_cluster_is_caught(k8s_copy):
    def no_backup(doc):
        doc["spec"].pop("backup")

    def other_cluster(doc):
        doc["spec"]["cluster"]["name"] = "another-pg"

    edit(k8s_copy / "postgres-cnpg.yaml", no_backup)
    edit(k8s_copy / "postgres-backup.yaml", other_cluster)
    problems = "\n".join(check_k8s.check(k8s_copy, k8s_copy, None))
    assert "backup.barmanObjectStore.destinationPath" in problems
    assert "retentionPolicy" in problems and "s3Credentials" in problems
    assert "the ScheduledBackup must back up the Cluster" in problems


def test_promql_metric_names_are_found_and_unknown_ones_reported():
    names = check_observability.metric_names
    assert names(
        "histogram_quantile(0.95, sum by (le, method)"
        " (rate(bp_grpc_server_handling_seconds_bucket[$__rate_interval])))"
    ) == {"bp_grpc_server_handling_seconds_bucket"}
    assert names('max by (kind) (bp_sagas{state=~"A|B"} offset 15m) unless on () up > 0') == {
        "bp_sagas",
        "up",
    }
    dashboard = json.loads(check_observability.DASHBOARD.read_text())
    rule = yaml.safe_load(check_observability.ALERTS.read_text())
    used = {name for _title, expr in check_observability.dashboard_queries(dashboard) for name in names(expr)}
    used |= {
        name for group in rule["spec"]["groups"] for item in group["rules"] for name in names(item["expr"])
    }
    assert check_observability.check(used) == []
    problems = check_observability.check(used - {"bp_outbox_oldest_unsent_seconds"})
    assert any("OutboxLagging: bp_outbox_oldest_unsent_seconds is not a metric" in p for p in problems)


def test_the_dashboard_and_alerts_name_only_metrics_the_platform_exports():
    # In its own interpreter: it instruments an app and sets the OpenTelemetry meter provider.
    result = subprocess.run(
        [sys.executable, str(DEPLOY / "check_observability.py")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "name only exported metrics" in result.stdout


def test_the_dockerfile_installs_requirements_only_and_copies_every_source_root():
    assert check_image.check_dockerfile() == []
    assert "catalog.bootstrap" in check_image.imported_modules(
        DEPLOY.parent / "services/catalog/catalog/__main__.py"
    )
