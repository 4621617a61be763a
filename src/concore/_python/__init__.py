"""Pure-Python backend: the reference definitions, written with NumPy."""
from concore._python import (  # noqa: F401
    elementwise, histograms, reductions, scans, selection, sorting,
)

NAME = "python"
