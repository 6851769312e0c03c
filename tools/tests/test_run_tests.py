"""`make test`'s runner (tools/run_tests.py) names the tests that failed, last: a CI log that
keeps only its tail (the fault suite's report comes after the rest's) must still say what
failed in the rest."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tools import run_tests


def test_the_failed_and_erred_tests_of_a_real_pytest_run_are_named_with_their_message(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(
        "import pytest\n"
        "def test_passes():\n    assert True\n"
        "def test_fails():\n    assert 1 + 1 == 3, 'arithmetic is broken'\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('fixture fell over')\n"
        "def test_errs(broken):\n    pass\n"
    )
    report = tmp_path / "report.xml"
    subprocess.run(
        run_tests.pytest("-q", "-p", "no:cacheprovider", "-c", "/dev/null", f"--junit-xml={report}"),
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )

    found = run_tests.failures(report)

    assert len(found) == 2, found
    failed = next(line for line in found if "test_fails" in line)
    erred = next(line for line in found if "test_errs" in line)
    assert failed.startswith("FAILURE test_sample::test_fails") and "arithmetic is broken" in failed
    assert erred.startswith("ERROR test_sample::test_errs") and "fixture fell over" in erred


def test_a_run_that_wrote_no_report_names_nothing(tmp_path: Path) -> None:
    assert run_tests.failures(tmp_path / "never-written.xml") == []
