"""A script without an ``if __name__ == "__main__":`` guard runs the library once.

ngspice workers are spawned; spawn normally re-imports the parent's script in every
child, which re-ran the whole script (and started workers of its own) for each worker.
The workers now import an empty module instead: the script's body runs exactly once.
"""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.ngspice

SCRIPT = """\
from spincim.characterize import sense_margin as sm
print("script body runs", flush=True)
volts, failed = sm.simulate(sm.SenseSetup(), trials=2000, seed=1, workers=2)
print("trials", len(volts["bl0"]), "failed", failed, flush=True)
"""


def test_unguarded_script_runs_once_and_finishes(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=30, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("script body runs") == 1
    assert "trials 2000 failed 0" in run.stdout
    assert "Traceback" not in run.stderr
