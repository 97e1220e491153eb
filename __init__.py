"""spincim: spintronic compute-in-memory characterization in ngspice.

The package is light to import: PySpice, h5py, numba and matplotlib load only in
the modules that need them (``netlists/ngspice.py``, ``lut/io.py``, the LLGS kernel,
plotting), so ``spincim --help`` answers at once.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
