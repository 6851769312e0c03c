"""Checks deploy/Dockerfile's steps without a container daemon, as far as that is honest.

Default (fast, `deploy/check.sh` runs it):
  1. The build stage installs requirements.txt and nothing else (`pip install -r`), and the
     runtime stage copies every source root (tools/link_paths.py; the image's PYTHONPATH is
     checked against the same list by tools/tests/test_tools_source_roots.py).
  2. Each entry point the image runs (`python -m catalog|bookings|wallet|passes|payments|gateway`,
     `python deploy/migrate.py`, `deploy/healthcheck.py`) imports: every module its file imports
     is imported in a fresh interpreter whose path is what the image's is, the source roots
     from PYTHONPATH and the packages of a virtualenv, without the dev virtualenv's link file.
  deploy/check_requirements.py proves that requirements.txt provides every import of the code.

`--fresh-venv` (slow: minutes, downloads wheels or reads pip's cache): the build stage's step
itself, `pip install -r requirements.txt` into a new virtualenv, then step 2 with that one
instead of the dev virtualenv, so a dev-only package cannot stand in for a missing runtime one.

Not checked without a daemon: the base image, the user and file modes, `compileall` on the
read-only root, and a service actually serving from the image (the tests start the same code
from the dev virtualenv). `make image` builds the image where docker, podman or buildah exists.

Usage: .venv/bin/python deploy/check_image.py [--fresh-venv]
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.link_paths import service_names, source_roots  # noqa: E402

DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def entry_points() -> dict[str, Path]:
    """What the image runs -> the file that runs."""
    points = {name: ROOT / "services" / name / name / "__main__.py" for name in service_names()}
    points["gateway"] = ROOT / "gateway" / "gateway" / "__main__.py"
    points["deploy/migrate.py"] = ROOT / "deploy" / "migrate.py"
    points["deploy/healthcheck.py"] = ROOT / "deploy" / "healthcheck.py"
    return points


def imported_modules(path: Path) -> list[str]:
    """The absolute imports of a file, wherever they are (a function's lazy imports too)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return sorted({name for name in found if name != "__future__"})


def check_dockerfile() -> list[str]:
    problems = []
    text = DOCKERFILE.read_text()
    installs = re.findall(r"^RUN .*pip install (.*)$", text, flags=re.MULTILINE)
    if installs != ["-r /tmp/requirements.txt"]:
        problems.append(f"the build stage should install requirements.txt only, found: {installs}")
    if "COPY requirements.txt /tmp/requirements.txt" not in text:
        problems.append("the build stage does not copy requirements.txt")
    copied = set(re.findall(r"^COPY (?:--from=\S+ )?(\S+) ", text, flags=re.MULTILINE))
    for root in source_roots():
        top = root.relative_to(ROOT).parts[0]
        if top not in copied:
            problems.append(f"the runtime stage does not copy {top}/ (source root {root.relative_to(ROOT)})")
    return problems


def site_packages(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def check_imports(python: Path, packages: str) -> list[str]:
    """Imports each entry point's modules in one `python -S` whose path is the image's only."""
    path = [str(root) for root in source_roots()] + [packages]
    points = {name: imported_modules(file) for name, file in entry_points().items()}
    code = (
        "import importlib, sys\n"
        f"sys.path[:0] = {path!r}\n"
        f"for name, modules in {points!r}.items():\n"
        "    try:\n"
        "        for module in modules:\n"
        "            importlib.import_module(module)\n"
        "    except Exception as error:\n"
        "        print(f'FAIL {name}: {module}: {type(error).__name__}: {error}')\n"
        "    else:\n"
        "        print(f'OK {name} ({len(modules)} modules)')\n"
    )
    with tempfile.TemporaryDirectory() as empty:  # not the repo as the working directory
        result = subprocess.run(
            [str(python), "-S", "-c", code],
            cwd=empty,
            capture_output=True,
            text=True,
            env={"PATH": os.environ.get("PATH", ""), "PYTHONNOUSERSITE": "1"},
            timeout=300,
        )
    problems = []
    for line in result.stdout.splitlines():
        if line.startswith("OK "):
            print(f"image: {line[3:]} imports")
        elif line.startswith("FAIL "):
            problems.append(line[5:])
    if result.returncode != 0 or len(problems) + result.stdout.count("OK ") != len(points):
        problems.append(f"the import check itself failed: {result.stderr.strip()[-500:]}")
    return problems


def fresh_venv() -> tuple[Path, str, tempfile.TemporaryDirectory[str]]:
    holder = tempfile.TemporaryDirectory(prefix="image-venv-")
    target = Path(holder.name)
    print(f"image: pip install -r requirements.txt into a fresh virtualenv {target} (slow)")
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-r", str(ROOT / "requirements.txt")],
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    return python, site_packages(python), holder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh-venv", action="store_true", help="install requirements.txt into a new venv")
    args = parser.parse_args(argv)
    problems = check_dockerfile()
    if args.fresh_venv:
        python, packages, holder = fresh_venv()
        with holder:
            problems += check_imports(python, packages)
    else:
        problems += check_imports(Path(sys.executable), sysconfig.get_paths()["purelib"])
    for problem in problems:
        print(f"image: {problem}", file=sys.stderr)
    if not problems:
        print("image: Dockerfile steps and entry points checked (no daemon; see deploy/check_image.py)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
