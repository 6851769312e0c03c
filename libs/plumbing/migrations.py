"""Alembic per service: each service's schema holds its own version table.

A service's `migrations/env.py` calls `run_migrations(metadata, schema)`; the service
and the dev stack call `upgrade(migrations_dir, url, schema)`. An advisory lock per
schema lets several replicas start at once. A schema may have several heads (the audit log's
migration is a branch of its own, label `audit`): `upgrade` brings every head up.
"""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, text

from plumbing.config import sqlalchemy_url


def alembic_config(migrations_dir: Path, url: str, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


def upgrade(migrations_dir: Path, url: str, schema: str) -> None:
    command.upgrade(alembic_config(migrations_dir, url, schema), "heads")


REPO_ROOT = Path(__file__).resolve().parents[2]


def migration_dirs() -> dict[str, Path]:
    """Schema name -> migrations folder, by convention (services/<name>/migrations, gateway/migrations)."""
    found = {path.parent.name: path for path in sorted((REPO_ROOT / "services").glob("*/migrations"))}
    gateway = REPO_ROOT / "gateway" / "migrations"
    if gateway.exists():
        found["gateway"] = gateway
    return found


def migrate_all(database_url: str) -> None:
    """Brings every schema to its newest revision."""
    for schema, path in migration_dirs().items():
        upgrade(path, database_url, schema)


def run_migrations(metadata: MetaData, schema: str) -> None:
    """The body of a service's env.py (online mode only)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_engine(url)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(hashtext(:schema))"), {"schema": schema})
        connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        connection.commit()
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=lambda name, type_, _parent: type_ != "schema" or name == schema,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.execute(text("SELECT pg_advisory_unlock(hashtext(:schema))"), {"schema": schema})
        connection.commit()
    engine.dispose()


def main() -> None:
    """`python -m plumbing.migrations <migrations_dir> <schema> revision -m "message"`."""
    migrations_dir, schema, action, *rest = sys.argv[1:]
    from plumbing.config import env

    config = alembic_config(Path(migrations_dir), env("DATABASE_URL"), schema)
    if action == "revision":
        message = rest[rest.index("-m") + 1] if "-m" in rest else "change"
        command.revision(config, message=message, autogenerate=True)
    elif action == "upgrade":
        command.upgrade(config, "heads")
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main()
