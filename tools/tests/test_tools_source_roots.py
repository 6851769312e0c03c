"""The lists that name the services by hand agree with the folders (tools/link_paths.py)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from tools.link_paths import (
    ROOT,
    client_roots,
    first_party_packages,
    service_names,
    source_roots,
    typed_packages,
)

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_service_folder_is_found_and_holds_its_package() -> None:
    folders = sorted(path.name for path in (ROOT / "services").iterdir() if path.is_dir())
    assert service_names() == folders
    assert {"catalog", "bookings", "wallet", "passes", "payments"} <= set(service_names())


def test_mypy_checks_every_package_and_finds_every_source_root() -> None:
    mypy = PYPROJECT["tool"]["mypy"]
    assert sorted(mypy["files"]) == sorted([*typed_packages(), "tools"])
    assert sorted(mypy["mypy_path"].split(":")) == sorted(
        relative(root) for root in [*source_roots(), *client_roots()]
    )


def test_ruff_knows_every_first_party_package() -> None:
    known = PYPROJECT["tool"]["ruff"]["lint"]["isort"]["known-first-party"]
    assert sorted(known) == sorted(first_party_packages())


def test_pytest_collects_every_top_level_test_folder() -> None:
    testpaths = PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"]
    assert sorted(testpaths) == ["gateway", "libs", "services", "tests", "tools"]


def test_the_image_puts_every_source_root_on_its_python_path() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    match = re.search(r"PYTHONPATH=(\S+)", dockerfile)
    assert match, "deploy/Dockerfile sets no PYTHONPATH"
    assert sorted(match.group(1).split(":")) == sorted(f"/app/{relative(root)}" for root in source_roots())


def test_every_service_is_deployed_by_compose_and_kubernetes() -> None:
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    kustomization = yaml.safe_load((ROOT / "deploy" / "k8s" / "kustomization.yaml").read_text())
    for name in [*service_names(), "gateway"]:
        assert name in compose["services"], f"deploy/compose.yaml runs no {name}"
        assert f"{name}.yaml" in kustomization["resources"], f"deploy/k8s has no {name}.yaml"
