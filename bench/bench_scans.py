"""Scans: concore against NumPy and numba, one pytest-benchmark group per workload.

Entries of every group (where the implementation exists and can be imported):

    concore-1t       concore native backend, n_threads=1
    concore-all      concore native backend, default threads (concore.get_num_threads())
    concore-python   concore's pure-Python backend (not in the 1e8 group)
    numpy            np.cumsum(a) / np.diff(a) (along the last axis)
    numba            @numba.njit(parallel=True): a blocked parallel scan (block totals in
                     a prange, their serial scan, then each block from its offset);
                     for diff a prange over the rows (over the values of a lone row),
                     compiled and warmed first

Each benchmark's `extra_info` holds `entry`, `impl` (what exactly was called), `threads`
and `bytes` (input bytes read per call); bench/report.py uses them.
Every result is checked against NumPy after timing, so a fast wrong answer fails.
"""
import os
import sys

import numpy as np
import pytest

try:
    import _common
except ImportError:  # pytest --import-mode=importlib leaves bench/ off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common
from _common import Impl, numba

ENTRIES = ("concore-1t", "concore-all", "concore-python", "numpy", "numba")


# --------------------------------------------------------------------------------------
# numba kernel (defined only when numba imports; compiled lazily, warmed before timing)
# --------------------------------------------------------------------------------------
NB = {}
if numba is not None:
    from numba import njit, prange

    @njit(parallel=True)
    def _nb_cumsum(a):
        n = a.shape[0]
        out = np.empty_like(a)
        bs = 65536
        nb = (n + bs - 1) // bs
        tot = np.empty(nb)
        for b in prange(nb):
            s = 0.0
            for i in range(b * bs, min(n, (b + 1) * bs)):
                s += a[i]
            tot[b] = s
        off = np.empty(nb)
        c = 0.0
        for b in range(nb):
            off[b] = c
            c += tot[b]
        for b in prange(nb):
            s = off[b]
            for i in range(b * bs, min(n, (b + 1) * bs)):
                s += a[i]
                out[i] = s
        return out

    @njit(parallel=True)
    def _nb_diff_rows(a):
        rows, n = a.shape
        out = np.empty((rows, n - 1))
        if rows >= 64:
            for r in prange(rows):
                for j in range(n - 1):
                    out[r, j] = a[r, j + 1] - a[r, j]
        else:
            for r in range(rows):
                for j in prange(n - 1):
                    out[r, j] = a[r, j + 1] - a[r, j]
        return out

    def _nb_diff(a):
        if a.ndim == 1:
            return _nb_diff_rows(a.reshape(1, -1)).reshape(-1)
        return _nb_diff_rows(a)

    NB = {"cumsum": _nb_cumsum, "diff": _nb_diff}


# --------------------------------------------------------------------------------------
# Entry builders: each takes the workload and returns an Impl or calls pytest.skip
# --------------------------------------------------------------------------------------
def _concore_scan(func):
    """concore.<func>, or concore.scans.<func> while the top-level export is missing."""
    concore = _common.concore
    if concore is None:
        pytest.skip("concore does not import")
    f = getattr(concore, func, None)
    if f is None:
        scans = _common.optional_import("concore.scans")
        f = getattr(scans, func, None) if scans is not None else None
    if f is None:
        pytest.skip(f"concore has no {func}() yet")
    return f


def build_concore(w, threads):
    f = _concore_scan(w.func)
    _common.need_native()
    a = w.array
    if threads == 1:
        return Impl(lambda: f(a, n_threads=1), f"concore.{w.func}(a, n_threads=1)", 1)
    return Impl(lambda: f(a), f"concore.{w.func}(a)", _common.concore_threads())


def build_concore_python(w):
    f = _concore_scan(w.func)
    context = _common.need_python_backend()
    a = w.array
    return Impl(lambda: f(a), f'use_backend("python"): concore.{w.func}(a)', None, context)


def build_numpy(w):
    f = getattr(np, w.func)
    a = w.array
    return Impl(lambda: f(a), f"np.{w.func}(a)", 1)


def build_numba(w):
    _common.need_numba()
    kernel = w.warm_numba(NB[w.func], w.array)
    a = w.array
    label = f"numba njit(parallel=True) blocked prange scan: {kernel.__name__.lstrip('_')}"
    return Impl(lambda: kernel(a), label, numba.get_num_threads())


BUILDERS = {
    "concore-1t": lambda w: build_concore(w, 1),
    "concore-all": lambda w: build_concore(w, None),
    "concore-python": build_concore_python,
    "numpy": build_numpy,
    "numba": build_numba,
}


# --------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------
class Group:
    def __init__(self, name, func, fixture, large=False):
        self.name = name
        self.func = func
        self.fixture = fixture
        self.large = large
        self.entries = [e for e in ENTRIES if not (e == "concore-python" and large)]


GROUPS = [
    Group("cumsum-1e7", "cumsum", "a_1e7"),
    Group("cumsum-1e8", "cumsum", "a_1e8", large=True),
    Group("diff-1e7", "diff", "a_1e7"),
    Group("diff-axis1-1e6x10", "diff", "a_rows_10"),
    Group("diff-axis1-1000x1000", "diff", "a_2d_1000"),
    # call cost on small views: diff subtracts two views of a 10 x 10 array
    Group("diff-axis1-10x10", "diff", "a_2d_10"),
]
GROUPS_BY_NAME = {g.name: g for g in GROUPS}


@pytest.fixture(scope="session")
def a_2d_10():
    return np.random.default_rng([_common.SEED, 160]).random((10, 10))


def _params():
    for g in GROUPS:
        marks = [pytest.mark.large] if g.large else []
        for e in g.entries:
            yield pytest.param(g.name, e, id=f"{g.name}/{e}", marks=marks)


class Workload:
    def __init__(self, group, array, warm_numba):
        self.group = group
        self.func = group.func
        self.array = array
        self.warm_numba = warm_numba


@pytest.mark.parametrize("group_name, entry", list(_params()))
def test_scan(benchmark, run_bench, warm_numba, request, group_name, entry):
    group = GROUPS_BY_NAME[group_name]
    benchmark.group = group.name
    a = request.getfixturevalue(group.fixture)
    w = Workload(group, a, warm_numba)
    impl = BUILDERS[entry](w)

    def check(result):
        expected = getattr(np, group.func)(a)
        if group.func == "diff":    # one subtraction a value: NumPy's bits
            np.testing.assert_array_equal(result, expected)
            return
        # Long float runs are scanned in blocks: not NumPy's last bits (more accurate).
        np.testing.assert_allclose(result, expected, rtol=1e-9, atol=1e-9 * a.size)

    _common.run_entry(benchmark, run_bench, entry, impl, _common.input_bytes([a]), check)
