"""Histograms: concore against NumPy, fast-histogram and numba, one group per workload.

Groups (1e7 float64 values uniform in [0, 1); ``b`` a second such array):

    hist-uniform-1e7    histogram(a, 100, range=(0, 1))
    hist-edges-1e7      histogram(a, edges): 101 non-uniform edges (linspace(0, 1, 101)**2)
    hist-weighted-1e7   histogram(a, 100, range=(0, 1), weights=b)
    hist2d-1e7          histogram2d(a, b, 100, range=[(0, 1), (0, 1)])
    bincount-1e7        bincount(x), x = int64(a * 1000)
    digitize-1e7        digitize(a, edges)

Entries (where the implementation exists and imports):

    concore-1t       concore native backend, n_threads=1
    concore-all      concore native backend, default threads
    concore-python   concore's pure-Python backend
    numpy            the NumPy function
    fast-histogram   fast_histogram.histogram1d / histogram2d (uniform groups only; it
                     decides edge values its own way, so it is checked approximately)
    numba            @njit(parallel=True): per-chunk private histograms in a prange,
                     compiled and warmed first

Every result is checked after timing: concore's against NumPy's exactly (weighted sums
over uniform bins are NumPy's bits), the peers' approximately.
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

fast_histogram = _common.optional_import("fast_histogram")

ENTRIES = ("concore-1t", "concore-all", "concore-python", "numpy", "fast-histogram", "numba")
EDGES = np.linspace(0.0, 1.0, 101) ** 2
NBINS = 100

# --------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------
NB = {}
if numba is not None:
    from numba import njit, prange

    CH = 65536

    @njit(parallel=True)
    def _nb_hist(a, nb, lo, hi):
        n = a.shape[0]
        nch = (n + CH - 1) // CH
        part = np.zeros((nch, nb), np.int64)
        norm = nb / (hi - lo)
        for c in prange(nch):
            for i in range(c * CH, min(n, (c + 1) * CH)):
                v = a[i]
                if v >= lo and v <= hi:
                    k = int((v - lo) * norm)
                    if k == nb:
                        k = nb - 1
                    part[c, k] += 1
        return part.sum(axis=0)

    @njit(parallel=True)
    def _nb_hist_w(a, w, nb, lo, hi):
        n = a.shape[0]
        nch = (n + CH - 1) // CH
        part = np.zeros((nch, nb))
        norm = nb / (hi - lo)
        for c in prange(nch):
            for i in range(c * CH, min(n, (c + 1) * CH)):
                v = a[i]
                if v >= lo and v <= hi:
                    k = int((v - lo) * norm)
                    if k == nb:
                        k = nb - 1
                    part[c, k] += w[i]
        return part.sum(axis=0)

    @njit(parallel=True)
    def _nb_hist_edges(a, edges):
        n = a.shape[0]
        nb = edges.shape[0] - 1
        nch = (n + CH - 1) // CH
        part = np.zeros((nch, nb), np.int64)
        for c in prange(nch):
            idx = np.searchsorted(edges, a[c * CH:min(n, (c + 1) * CH)], side="right") - 1
            for k in idx:
                if k >= 0 and k <= nb:
                    part[c, min(k, nb - 1)] += 1
        return part.sum(axis=0)

    @njit(parallel=True)
    def _nb_hist2d(x, y, nb, lo, hi):
        n = x.shape[0]
        nch = (n + CH - 1) // CH
        part = np.zeros((nch, nb * nb), np.int64)
        norm = nb / (hi - lo)
        for c in prange(nch):
            for i in range(c * CH, min(n, (c + 1) * CH)):
                u, v = x[i], y[i]
                if u >= lo and u <= hi and v >= lo and v <= hi:
                    k = min(int((u - lo) * norm), nb - 1)
                    m = min(int((v - lo) * norm), nb - 1)
                    part[c, k * nb + m] += 1
        return part.sum(axis=0).reshape(nb, nb).astype(np.float64)

    @njit(parallel=True)
    def _nb_bincount(x, nb):
        n = x.shape[0]
        nch = (n + CH - 1) // CH
        part = np.zeros((nch, nb), np.int64)
        for c in prange(nch):
            for i in range(c * CH, min(n, (c + 1) * CH)):
                part[c, x[i]] += 1
        return part.sum(axis=0)

    @njit(parallel=True)
    def _nb_digitize(a, edges):
        out = np.empty(a.shape[0], np.int64)
        n = a.shape[0]
        nch = (n + CH - 1) // CH
        for c in prange(nch):
            s, e = c * CH, min(n, (c + 1) * CH)
            out[s:e] = np.searchsorted(edges, a[s:e], side="right")
        return out


# --------------------------------------------------------------------------------------
# Workloads: args(a, b) -> (args, kwargs) of the NumPy/concore call
# --------------------------------------------------------------------------------------
class Group:
    def __init__(self, name, func, make, peers):
        self.name, self.func, self.make, self.peers = name, func, make, peers


def _ints(a):
    return (a * 1000).astype(np.int64)


GROUPS = [
    Group("hist-uniform-1e7", "histogram", lambda a, b: ((a, NBINS), dict(range=(0.0, 1.0))),
          {"fast-histogram": lambda a, b: lambda: fast_histogram.histogram1d(a, NBINS, (0.0, 1.0)),
           "numba": lambda a, b: lambda: NB["hist"](a, NBINS, 0.0, 1.0)}),
    Group("hist-edges-1e7", "histogram", lambda a, b: ((a, EDGES), {}),
          {"numba": lambda a, b: lambda: NB["hist_edges"](a, EDGES)}),
    Group("hist-weighted-1e7", "histogram",
          lambda a, b: ((a, NBINS), dict(range=(0.0, 1.0), weights=b)),
          {"fast-histogram": lambda a, b: lambda: fast_histogram.histogram1d(
              a, NBINS, (0.0, 1.0), weights=b),
           "numba": lambda a, b: lambda: NB["hist_w"](a, b, NBINS, 0.0, 1.0)}),
    Group("hist2d-1e7", "histogram2d",
          lambda a, b: ((a, b, NBINS), dict(range=[(0.0, 1.0), (0.0, 1.0)])),
          {"fast-histogram": lambda a, b: lambda: fast_histogram.histogram2d(
              a, b, (NBINS, NBINS), [(0.0, 1.0), (0.0, 1.0)]),
           "numba": lambda a, b: lambda: NB["hist2d"](a, b, NBINS, 0.0, 1.0)}),
    Group("bincount-1e7", "bincount", lambda a, b: ((_ints(a),), {}),
          {"numba": lambda a, b: (lambda x: lambda: NB["bincount"](x, 1000))(_ints(a))}),
    Group("digitize-1e7", "digitize", lambda a, b: ((a, EDGES), {}),
          {"numba": lambda a, b: lambda: NB["digitize"](a, EDGES)}),
]
GROUPS_BY_NAME = {g.name: g for g in GROUPS}
if numba is not None:
    NB.update(hist=_nb_hist, hist_w=_nb_hist_w, hist_edges=_nb_hist_edges,
              hist2d=_nb_hist2d, bincount=_nb_bincount, digitize=_nb_digitize)


def _concore_func(func):
    if _common.concore is None:
        pytest.skip("concore does not import")
    mod = _common.optional_import("concore.histograms")
    f = getattr(mod, func, None) if mod is not None else None
    if f is None:
        pytest.skip(f"concore has no {func}() yet")
    return f


def build(entry, group, a, b, warm_numba):
    args, kw = group.make(a, b)
    if entry in ("concore-1t", "concore-all"):
        f = _concore_func(group.func)
        _common.need_native()
        if entry == "concore-1t":
            return Impl(lambda: f(*args, n_threads=1, **kw),
                        f"concore.{group.func}(..., n_threads=1)", 1)
        return Impl(lambda: f(*args, **kw), f"concore.{group.func}(...)",
                    _common.concore_threads())
    if entry == "concore-python":
        f = _concore_func(group.func)
        return Impl(lambda: f(*args, **kw), f'use_backend("python"): concore.{group.func}',
                    None, _common.need_python_backend())
    if entry == "numpy":
        f = getattr(np, group.func)
        return Impl(lambda: f(*args, **kw), f"np.{group.func}(...)", 1)
    peer = group.peers.get(entry)
    if peer is None:
        pytest.skip(f"{entry} has no {group.name} workload")
    if entry == "fast-histogram":
        if fast_histogram is None:
            pytest.skip("fast-histogram does not import")
        return Impl(peer(a, b), f"fast_histogram ({group.name})", 1)
    _common.need_numba()
    fn = peer(a, b)
    warm_numba(lambda: fn())
    return Impl(fn, f"numba njit(parallel=True) {group.name}", numba.get_num_threads())


@pytest.mark.parametrize("group_name, entry",
                         [pytest.param(g.name, e, id=f"{g.name}/{e}") for g in GROUPS
                          for e in ENTRIES])
def test_histograms(benchmark, run_bench, warm_numba, a_1e7, b_1e7, group_name, entry):
    group = GROUPS_BY_NAME[group_name]
    benchmark.group = group.name
    impl = build(entry, group, a_1e7, b_1e7, warm_numba)
    args, kw = group.make(a_1e7, b_1e7)
    expected = getattr(np, group.func)(*args, **kw)

    def check(result):
        exp = expected[0] if group.func != "bincount" and group.func != "digitize" else expected
        if entry.startswith("concore"):
            r = result[0] if isinstance(result, tuple) else result
            assert np.asarray(r).dtype == np.asarray(exp).dtype
            assert np.array_equal(r, exp)
            return
        r = result[0] if isinstance(result, tuple) else result
        r = np.asarray(r, dtype=float).reshape(np.shape(exp))
        exp = np.asarray(exp, dtype=float)
        # peers decide values on (or within an ulp of) an edge their own way
        np.testing.assert_allclose(r, exp, rtol=1e-3, atol=1e-3 * np.abs(exp).max() + 2)

    _common.run_entry(benchmark, run_bench, entry, impl,
                      _common.input_bytes([x for x in args if isinstance(x, np.ndarray)]
                                          + [v for v in kw.values()
                                             if isinstance(v, np.ndarray)]), check)
