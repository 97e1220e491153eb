"""Shared fixtures: the standard parameter sets."""

import shutil

import pytest

from spincim.devices.mtj import SotDevice


@pytest.fixture
def device() -> SotDevice:
    """The DESIGN.md §3 default SOT-MTJ at 300 K."""
    return SotDevice()


@pytest.fixture(scope="session")
def ngspice_available() -> bool:
    return shutil.which("ngspice") is not None
