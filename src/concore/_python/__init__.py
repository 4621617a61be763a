"""Pure-Python backend: the reference definitions, written with NumPy."""
from concore._python import elementwise, reductions, scans  # noqa: F401

NAME = "python"
