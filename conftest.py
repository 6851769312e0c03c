# Fixtures come from plumbing.testing (loaded with -p in pyproject.toml).
#
# pytest's importlib mode names gateway/tests/* modules `gateway.tests.*`; importing the
# real `gateway` package (gateway/gateway/) first keeps pytest from registering the
# folder gateway/ under that name instead.
import gateway  # noqa: F401
