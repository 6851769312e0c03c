"""The typed Python client of the gateway's HTTP API, generated with openapi-python-client from
`create_app(...).openapi()` (no server is started): `make client` writes it to
clients/python/booking_platform_client/, `make clientcheck` (and tools/tests) fail when the
committed copy is not what the gateway's schema generates now.

`python -m tools.gen_client` regenerates; `python -m tools.gen_client --check` compares.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "booking_platform_client"
TARGET = ROOT / "clients" / "python" / PACKAGE
BIN = Path(sys.executable).parent

# --isolated: the result must not depend on the folder it is generated in (a temporary one for
# --check), so the repo's ruff settings are not picked up; the package is excluded from the
# repo's ruff for the same reason.
CONFIG = {
    "package_name_override": PACKAGE,
    "post_hooks": [
        "ruff check . --isolated --fix-only --extend-select=I --quiet --no-cache",
        "ruff format . --isolated --quiet --no-cache",
    ],
}


def openapi_document() -> dict[str, Any]:
    """The gateway's schema as the running gateway serves it; the settings only have to build
    the app (nothing is connected)."""
    from gateway.app import create_app
    from gateway.settings import Settings

    unused = "127.0.0.1:1"
    settings = Settings(
        catalog_addr=unused,
        bookings_addr=unused,
        wallet_addr=unused,
        passes_addr=unused,
        payments_addr=unused,
        database_url="postgresql://unused@127.0.0.1:1/unused",
        jwt_secret="schema-only-" + "x" * 32,
    )
    return distinct_titles(create_app(settings).openapi())


def distinct_titles(document: dict[str, Any]) -> dict[str, Any]:
    """FastAPI keys two models of one name by their module (`gateway__routes__admin_sessions__
    SessionOut`) but keeps the bare title, from which the generator names classes: it would drop
    one of them. The module-qualified ones get a title of their module and name."""
    for key, schema in document.get("components", {}).get("schemas", {}).items():
        if "__" not in key:
            continue
        *modules, name = key.split("__")
        prefix = "".join(
            part.title().replace("_", "") for part in modules if part not in {"gateway", "routes", "schemas"}
        )
        schema["title"] = prefix + name
    return document


def generate(into: Path) -> Path:
    """Generates the package into `into`/PACKAGE and returns that folder."""
    schema_file = into / "openapi.json"
    schema_file.write_text(json.dumps(openapi_document(), indent=1, sort_keys=True))
    config_file = into / "config.json"
    config_file.write_text(json.dumps(CONFIG))
    out = into / "out"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema_file),
            "--config",
            str(config_file),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--fail-on-warning",
        ],
        cwd=into,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"openapi-python-client failed:\n{result.stdout}\n{result.stderr}")
    return out


def differences(left: Path, right: Path) -> list[str]:
    """Relative paths that differ, exist on one side only (caches ignored)."""
    found: list[str] = []

    def walk(compare: filecmp.dircmp[str], prefix: str) -> None:
        for name in compare.left_only + compare.right_only:
            if name != "__pycache__":
                found.append(prefix + name)
        found.extend(prefix + name for name in compare.diff_files)
        for name, sub in compare.subdirs.items():
            if name != "__pycache__":
                walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=["__pycache__"]), "")
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when the committed client is stale")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        if args.check:
            stale = differences(TARGET, fresh) if TARGET.is_dir() else [str(TARGET)]
            if stale:
                print(
                    "the generated client in clients/python/ is stale (run 'make client' and commit): "
                    + ", ".join(stale[:20]),
                    file=sys.stderr,
                )
                return 1
            print("the generated client is up to date")
            return 0
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(fresh, TARGET)
        print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
