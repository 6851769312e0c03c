"""The one list of the project's source roots, and the .pth file that puts them on the
virtualenv's import path (`python tools/link_paths.py`, run by `make venv`).

Each service is its own top-level package in services/<name>/<name>/; the generated protos
live in gen/, the plumbing in libs/, the gateway in gateway/. Services are discovered from
the folders, so a new service is one folder. Lists that cannot be computed (pyproject.toml's
mypy and ruff settings, the image's PYTHONPATH) are checked against these functions by
tools/tests/test_tools_source_roots.py.
"""

from __future__ import annotations

import site
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def service_names() -> list[str]:
    """Every services/<name>/ holding its package services/<name>/<name>/."""
    return sorted(path.name for path in (ROOT / "services").iterdir() if (path / path.name).is_dir())


def source_roots() -> list[Path]:
    """The folders whose children are importable top-level packages."""
    return [
        ROOT / "gen",
        ROOT / "libs",
        ROOT / "gateway",
        *(ROOT / "services" / name for name in service_names()),
    ]


def client_roots() -> list[Path]:
    """The generated HTTP client (tools/gen_client.py): on the development path for the tests
    and the demo data, not in the image, which runs no client."""
    return [ROOT / "clients" / "python"]


def first_party_packages() -> list[str]:
    """The top-level packages the source roots hold."""
    return ["plumbing", "bookingplatform", "gateway", *service_names()]


def typed_packages() -> list[str]:
    """The package folders mypy checks (relative to the repo), besides tools/."""
    return ["libs/plumbing", "gateway/gateway", *(f"services/{name}/{name}" for name in service_names())]


def main() -> None:
    target = Path(site.getsitepackages()[0]) / "bookingplatform-dev.pth"
    target.write_text("".join(f"{path}\n" for path in [*source_roots(), *client_roots()]))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
