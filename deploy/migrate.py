"""Brings every schema to its newest revision: `python deploy/migrate.py` with DATABASE_URL set.

Run once per release before the services roll (compose `migrate`, the Kubernetes Job). Each
schema is migrated under a PostgreSQL advisory lock, so a second run at the same time waits
and then finds nothing to do.
"""

from plumbing.config import env
from plumbing.migrations import migrate_all

if __name__ == "__main__":
    migrate_all(env("DATABASE_URL"))
    print("migrations applied")
