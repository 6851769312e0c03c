"""Writes the secrets of the Kubernetes deployment with random values, for the
`secretGenerator` of deploy/k8s/kustomization.yaml: no placeholder to replace by hand.

- `deploy/k8s/secrets.env` -> Secret `bookingplatform-secrets` (name suffixed with a hash of
  the content, so a changed secret rolls the pods that read it): DATABASE_URL, JWT_SECRET,
  PAYMENTS_WEBHOOK_SECRET, GATEWAY_VAPID_PRIVATE_KEY.
- `deploy/k8s/pg-credentials.env` -> Secret `bookingplatform-pg-credentials`
  (kubernetes.io/basic-auth): the owner CloudNativePG creates the database with, the same
  password as in DATABASE_URL.
- `deploy/k8s/backup-credentials.env` -> Secret `bookingplatform-backup-credentials`: the object
  store's keys for CloudNativePG's barman backups (ACCESS_KEY_ID, ACCESS_SECRET_KEY), from
  BACKUP_S3_ACCESS_KEY_ID / BACKUP_S3_SECRET_ACCESS_KEY when set (your provider's key), else
  random, to create as the bucket's key on a store you run (e.g. MinIO). Written when missing,
  on its own: a first run after an upgrade adds it and keeps the two files above.

The files are git-ignored and written owner-only (0600). Existing files are kept: the
database password is set once, when the cluster bootstraps, so a new one would lock the
services out; `--force` writes new values anyway (then change the password in PostgreSQL too).
Keep the files (or their values, in your secret manager) with the cluster's other secrets.

Usage: python deploy/k8s_secrets.py [--out DIR] [--force]   (`make k8s-secrets`)
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

HERE = Path(__file__).resolve().parent
DATABASE_USER = "booking"
DATABASE_NAME = "booking"
# The read-write Service of the CloudNativePG Cluster (k8s/postgres-cnpg.yaml).
DATABASE_HOST = "bookingplatform-pg-rw"
# The port of that Service (CloudNativePG's `-rw` Service listens on PostgreSQL's usual one);
# `K8S_DATABASE_PORT` for a cluster that moved it.
DATABASE_PORT = int(os.environ.get("K8S_DATABASE_PORT", "5432"))
APP_FILE = "secrets.env"
POSTGRES_FILE = "pg-credentials.env"
BACKUP_FILE = "backup-credentials.env"


def vapid_private_key() -> str:
    """A P-256 private key as base64url of its 32-byte scalar (one line, as gateway.push reads it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(scalar).decode().rstrip("=")


def generate() -> dict[str, dict[str, str]]:
    password = secrets.token_hex(24)  # hex: nothing to escape in the URL
    return {
        APP_FILE: {
            "DATABASE_URL": f"postgresql://{DATABASE_USER}:{password}@{DATABASE_HOST}:{DATABASE_PORT}/{DATABASE_NAME}",
            "JWT_SECRET": secrets.token_hex(32),
            "PAYMENTS_WEBHOOK_SECRET": secrets.token_hex(32),
            "GATEWAY_VAPID_PRIVATE_KEY": vapid_private_key(),
        },
        POSTGRES_FILE: {"username": DATABASE_USER, "password": password},
    }


def backup_credentials() -> dict[str, str]:
    """The object store's keys for barman: the provider's from the environment, else random."""
    return {
        "ACCESS_KEY_ID": os.environ.get("BACKUP_S3_ACCESS_KEY_ID") or secrets.token_hex(10).upper(),
        "ACCESS_SECRET_KEY": os.environ.get("BACKUP_S3_SECRET_ACCESS_KEY") or secrets.token_urlsafe(30),
    }


def write_private(path: Path, values: dict[str, str]) -> None:
    text = "".join(f"{key}={value}\n" for key, value in values.items())
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)
    os.replace(temporary, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "k8s", help="folder of the env files")
    parser.add_argument("--force", action="store_true", help="replace existing files with new values")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    backup = args.out / BACKUP_FILE
    if args.force or not backup.exists():
        values = backup_credentials()
        write_private(backup, values)
        print(f"k8s-secrets: wrote {backup} ({', '.join(values)})")
    paths = [args.out / APP_FILE, args.out / POSTGRES_FILE]
    existing = [path for path in paths if path.exists()]
    if existing and not args.force:
        if len(existing) != len(paths):
            print(f"k8s-secrets: only {existing[0]} exists; write both with --force", file=sys.stderr)
            return 1
        print(f"k8s-secrets: kept {', '.join(map(str, existing))} (--force writes new values)")
        return 0
    for name, values in generate().items():
        write_private(args.out / name, values)
        print(f"k8s-secrets: wrote {args.out / name} ({', '.join(values)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
