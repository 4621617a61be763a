"""Cython/OpenMP backend."""
from concore._native import _openmp, elementwise, reductions  # noqa: F401

NAME = "native"
