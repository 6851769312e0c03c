# Fixtures come from plumbing.testing (loaded with -p in pyproject.toml).
