from gateway.tables import metadata
from plumbing.migrations import run_migrations

run_migrations(metadata, schema="gateway")
