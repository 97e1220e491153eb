"""The ``ngspice`` marker: skipped with a reason without libngspice, hidden from unmarked tests."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text()
INNER = """
import ctypes, os
import pytest

@pytest.mark.ngspice
def test_marked():
    ctypes.CDLL(os.environ.get("NGSPICE_LIBRARY_PATH") or "libngspice.so")

def test_unmarked_sees_no_library():
    with pytest.raises(OSError):
        ctypes.CDLL(os.environ["NGSPICE_LIBRARY_PATH"])
"""


def _inner(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    ngspice: runs ngspice\n")
    pytester.makepyfile(test_inner=INNER)


def test_marked_tests_skip_with_a_reason_when_libngspice_is_missing(pytester, monkeypatch):
    _inner(pytester)
    monkeypatch.setenv("NGSPICE_LIBRARY_PATH", str(pytester.path / "absent" / "libngspice.so"))
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*SKIPPED*ngspice not available: libngspice not loadable*"])


@pytest.mark.ngspice
def test_marked_tests_run_when_libngspice_is_present(pytester):
    _inner(pytester)
    result = pytester.runpytest_subprocess("-rs")
    result.assert_outcomes(passed=2)
