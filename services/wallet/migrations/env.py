from plumbing.migrations import run_migrations
from wallet.adapters.tables import metadata

run_migrations(metadata, schema="wallet")
