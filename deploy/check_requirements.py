"""Fails when the image would miss a package: every module the runtime code imports must come
from requirements.txt (or what those packages depend on), and no package is pinned in both
requirements files. Runs in the dev virtualenv, which has both sets installed.

Runtime code = the source roots the image copies (tools/link_paths.py), without tests and
without the dev-only plumbing modules listed in DEV_ONLY.

Usage: .venv/bin/python deploy/check_requirements.py
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.link_paths import source_roots  # noqa: E402

# Imported only by make run / make test, never by a service: their imports are dev packages.
DEV_ONLY = {
    ROOT / "libs/plumbing/testing.py",
    ROOT / "libs/plumbing/devstack.py",
    ROOT / "libs/plumbing/mailsink.py",
}


def requirement_names(path: Path) -> list[Requirement]:
    found = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def distribution_closure(requirements: list[Requirement]) -> set[str]:
    """The distributions these requirements install, with their dependencies (as installed)."""
    seen: set[str] = set()
    todo = [(req.name, frozenset(req.extras)) for req in requirements]
    while todo:
        name, extras = todo.pop()
        key = name.lower().replace("_", "-")
        if (key, extras) in seen:
            continue
        seen.add((key, extras))  # type: ignore[arg-type]
        for spec in metadata.distribution(name).requires or []:
            dep = Requirement(spec)
            envs = [{"extra": extra} for extra in extras] or [{"extra": ""}]
            if dep.marker is None or any(dep.marker.evaluate(env) for env in envs):
                todo.append((dep.name, frozenset(dep.extras)))
    return {key for key, _ in seen}  # type: ignore[misc]


def imported_modules(roots: list[Path]) -> dict[str, Path]:
    """Top-level module of every absolute import in the runtime code -> one file importing it."""
    found: dict[str, Path] = {}
    for root in roots:
        for file in root.rglob("*.py"):
            if "tests" in file.relative_to(root).parts or file in DEV_ONLY:
                continue
            for node in ast.walk(ast.parse(file.read_text(), str(file))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], file)
    return found


def main() -> int:
    runtime = requirement_names(ROOT / "requirements.txt")
    dev = requirement_names(ROOT / "requirements-dev.txt")
    problems = [
        f"{name} is pinned in both requirements files"
        for name in {r.name.lower() for r in runtime} & {r.name.lower() for r in dev}
    ]
    provided = distribution_closure(runtime)
    providers = metadata.packages_distributions()
    roots = source_roots()
    first_party = {path.name for root in roots for path in root.iterdir() if path.is_dir()}
    for module, file in sorted(imported_modules(roots).items()):
        if module in sys.stdlib_module_names or module in first_party or module == "__future__":
            continue
        dists = {name.lower().replace("_", "-") for name in providers.get(module, [])}
        if not dists & provided:
            where = file.relative_to(ROOT)
            problems.append(
                f"{where} imports {module} ({', '.join(sorted(dists)) or 'not installed'}), "
                "which requirements.txt does not provide"
            )
    for problem in problems:
        print(f"requirements: {problem}", file=sys.stderr)
    if not problems:
        print(f"requirements: every import of the runtime code is provided ({len(provided)} distributions)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
