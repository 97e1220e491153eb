"""Shared fixtures (the standard parameter sets) and the ``ngspice`` marker.

A test that runs the real simulator carries ``@pytest.mark.ngspice``. Where libngspice (the
shared library PySpice loads) is missing, every such test is skipped with the reason; where
it is present they all run. Tests *without* the marker run with ``NGSPICE_LIBRARY_PATH``
pointed at a file that does not exist, so one that starts ngspice anyway fails instead of
passing only on machines that happen to have it (the library is loaded in worker processes,
which inherit the environment).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from spincim.devices.mtj import SotDevice

#: what PySpice 1.5 dlopens on Linux unless NGSPICE_LIBRARY_PATH is set
#: (PySpice/Spice/NgSpice/Shared.py, NgSpiceShared.setup_platform)
_PYSPICE_DEFAULT_LIBRARY = "libngspice.so"
_MISSING_LIBRARY = os.path.join(os.sep, "nonexistent", "spincim-test-guard", "libngspice.so")
_PROBE = """
import ctypes, os, sys
path = os.environ.get("NGSPICE_LIBRARY_PATH") or sys.argv[1]
try:
    ctypes.CDLL(path)
except OSError as exc:
    print(f"libngspice not loadable ({path}): {exc}")
    raise SystemExit(1)
try:
    import PySpice  # noqa: F401
except ImportError as exc:
    print(f"PySpice not importable: {exc}")
    raise SystemExit(1)
"""


def ngspice_missing_reason() -> str | None:
    """Why the ngspice tests cannot run here, or None when libngspice loads.

    The library is opened in a child process, exactly as PySpice opens it (the
    ``NGSPICE_LIBRARY_PATH`` environment variable, else ``libngspice.so`` through the
    dynamic linker), so the test process itself never loads it.
    """
    done = subprocess.run([sys.executable, "-c", _PROBE, _PYSPICE_DEFAULT_LIBRARY],
                          capture_output=True, text=True, check=False, timeout=60)
    if done.returncode == 0:
        return None
    return (done.stdout.strip() or done.stderr.strip().splitlines()[-1]
            or "libngspice not loadable")


def pytest_configure(config) -> None:
    config._spincim_ngspice_missing = ngspice_missing_reason()


def pytest_collection_modifyitems(config, items) -> None:
    reason = config._spincim_ngspice_missing
    if reason is None:
        return
    skip = pytest.mark.skip(reason=f"ngspice not available: {reason}")
    for item in items:
        if item.get_closest_marker("ngspice") is not None:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_ngspice_without_marker(request, monkeypatch):
    """Hide libngspice from tests that do not declare the ``ngspice`` marker."""
    if request.node.get_closest_marker("ngspice") is None:
        monkeypatch.setenv("NGSPICE_LIBRARY_PATH", _MISSING_LIBRARY)
    yield


@pytest.fixture
def device() -> SotDevice:
    """The default SOT-MTJ (docs/physics.md, parameter table) at 300 K."""
    return SotDevice()


@pytest.fixture(scope="session")
def ex():
    """Two ngspice workers shared by the tests that run many small simulations."""
    from spincim.characterize.executor import LocalExecutor

    with LocalExecutor(2) as executor:
        yield executor
