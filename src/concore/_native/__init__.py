"""Cython/OpenMP backend."""
from concore._native import _openmp, reductions  # noqa: F401

NAME = "native"
