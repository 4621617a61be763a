"""Cython/OpenMP backend."""
from concore._native import _openmp, elementwise, reductions, scans  # noqa: F401

NAME = "native"
