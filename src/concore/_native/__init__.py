"""Cython/OpenMP backend."""
from concore._native import (  # noqa: F401
    _openmp, elementwise, histograms, reductions, scans, selection, sorting,
)

NAME = "native"
