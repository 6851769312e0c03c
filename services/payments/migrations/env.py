from payments.adapters.tables import metadata
from plumbing.migrations import run_migrations

run_migrations(metadata, schema="payments")
