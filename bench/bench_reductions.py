"""Reductions: concore against NumPy and its peers, one pytest-benchmark group per workload.

Entries of every group (where the implementation exists and can be imported):

    concore-1t       concore native backend, n_threads=1
    concore-all      concore native backend, default threads (concore.get_num_threads())
    concore-python   concore's pure-Python backend (not in the 1e8 group)
    numpy            the NumPy function
    numexpr          numexpr.evaluate("sum(a)") etc.; no entry where numexpr has no equivalent
    numba            @numba.njit(parallel=True) prange kernels, compiled and warmed first
    bottleneck       bn.nansum / nanmean / nanvar / nanstd / nanmin / nanmax / nanargmax:
                     the NaN-skipping functions, bottleneck's closest equivalents
    read-bandwidth   concore._native._openmp.read_probe: a parallel read of every element,
                     the memory-bandwidth ceiling of a streaming reduction

Each benchmark's `extra_info` holds `entry`, `impl` (what exactly was called), `threads`
and `bytes` (input bytes read per call); bench/report.py uses them.
Every result is checked against NumPy after timing, so a fast wrong answer fails.
"""
import contextlib
import math
import os
import sys
import threading

import numpy as np
import pytest

try:
    import _common
except ImportError:  # pytest --import-mode=importlib leaves bench/ off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common
from _common import Impl, concore, ne, numba, optional_import

bn = optional_import("bottleneck")

ENTRIES = (
    "concore-1t",
    "concore-all",
    "concore-python",
    "numpy",
    "numexpr",
    "numba",
    "bottleneck",
    "read-bandwidth",
)


# --------------------------------------------------------------------------------------
# numba kernels (defined only when numba imports; compiled lazily, warmed before timing)
# --------------------------------------------------------------------------------------
NB = {}
if numba is not None:
    from numba import njit, prange

    @njit(parallel=True)
    def _nb_sum(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i]
        return s

    @njit(parallel=True)
    def _nb_mean(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i]
        return s / a.shape[0]

    @njit(parallel=True)
    def _nb_var(a):
        n = a.shape[0]
        s = 0.0
        for i in prange(n):
            s += a[i]
        m = s / n
        q = 0.0
        for i in prange(n):
            d = a[i] - m
            q += d * d
        return q / n

    @njit(parallel=True)
    def _nb_std(a):
        n = a.shape[0]
        s = 0.0
        for i in prange(n):
            s += a[i]
        m = s / n
        q = 0.0
        for i in prange(n):
            d = a[i] - m
            q += d * d
        return math.sqrt(q / n)

    @njit(parallel=True)
    def _nb_min(a):
        m = np.inf
        for i in prange(a.shape[0]):
            m = min(m, a[i])
        return m

    @njit(parallel=True)
    def _nb_max(a):
        m = -np.inf
        for i in prange(a.shape[0]):
            m = max(m, a[i])
        return m

    @njit(parallel=True)
    def _nb_argmax(a):
        # No index-carrying reduction in numba: argmax per chunk, then combine in order.
        n = a.shape[0]
        nchunks = max(1, min(64, n // 16384))
        idx = np.empty(nchunks, np.int64)
        val = np.empty(nchunks, a.dtype)
        for c in prange(nchunks):
            lo = c * n // nchunks
            hi = (c + 1) * n // nchunks
            best = lo
            bestv = a[lo]
            for i in range(lo + 1, hi):
                if a[i] > bestv:
                    bestv = a[i]
                    best = i
            idx[c] = best
            val[c] = bestv
        best = idx[0]
        bestv = val[0]
        for c in range(1, nchunks):
            if val[c] > bestv:
                bestv = val[c]
                best = idx[c]
        return best

    @njit(parallel=True)
    def _nb_dot(a, b):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i] * b[i]
        return s

    @njit(parallel=True)
    def _nb_sum_axis0(a):
        # Column blocks in parallel; each walks the rows in order (contiguous reads).
        n, m = a.shape
        out = np.zeros(m)
        nblk = (m + 255) // 256
        for blk in prange(nblk):
            j0 = blk * 256
            j1 = min(j0 + 256, m)
            for i in range(n):
                for j in range(j0, j1):
                    out[j] += a[i, j]
        return out

    @njit(parallel=True)
    def _nb_max_axis0(a):
        # As _nb_sum_axis0, NaN propagating as np.max does.
        n, m = a.shape
        out = a[0].copy()
        nblk = (m + 255) // 256
        for blk in prange(nblk):
            j0 = blk * 256
            j1 = min(j0 + 256, m)
            for i in range(1, n):
                for j in range(j0, j1):
                    x = a[i, j]
                    if x > out[j] or (x != x and out[j] == out[j]):
                        out[j] = x
        return out

    @njit(parallel=True)
    def _nb_argmax_axis0(a):
        n, m = a.shape
        best = a[0].copy()
        out = np.zeros(m, np.int64)
        nblk = (m + 255) // 256
        for blk in prange(nblk):
            j0 = blk * 256
            j1 = min(j0 + 256, m)
            for i in range(1, n):
                for j in range(j0, j1):
                    x = a[i, j]
                    if x > best[j] or (x != x and best[j] == best[j]):
                        best[j] = x
                        out[j] = i
        return out

    @njit(parallel=True)
    def _nb_sum_axis1(a):
        n, m = a.shape
        out = np.empty(n)
        for i in prange(n):
            s = 0.0
            for j in range(m):
                s += a[i, j]
            out[i] = s
        return out

    NB = {
        "sum": _nb_sum,
        "mean": _nb_mean,
        "var": _nb_var,
        "std": _nb_std,
        "min": _nb_min,
        "max": _nb_max,
        "argmax": _nb_argmax,
        "dot": _nb_dot,
        "sum-axis0": _nb_sum_axis0,
        "sum-axis1": _nb_sum_axis1,
        "max-axis0": _nb_max_axis0,
        "argmax-axis0": _nb_argmax_axis0,
    }


# --------------------------------------------------------------------------------------
# numexpr expressions
# --------------------------------------------------------------------------------------
def _ne_sum(a):
    return ne.evaluate("sum(a)", local_dict={"a": a})


def _ne_mean(a):
    return ne.evaluate("sum(a)", local_dict={"a": a}) / a.size


def _ne_var(a):
    m = float(ne.evaluate("sum(a)", local_dict={"a": a})) / a.size
    return ne.evaluate("sum((a - m) ** 2)", local_dict={"a": a, "m": m}) / a.size


def _ne_std(a):
    return np.sqrt(_ne_var(a))


NE = {
    "sum": (_ne_sum, 'evaluate("sum(a)")'),
    "mean": (_ne_mean, 'evaluate("sum(a)") / n'),
    "var": (_ne_var, 'two passes: evaluate("sum(a)"), evaluate("sum((a - m) ** 2)")'),
    "std": (_ne_std, "sqrt of the two-pass var"),
    "min": (lambda a: ne.evaluate("min(a)", local_dict={"a": a}), 'evaluate("min(a)")'),
    "max": (lambda a: ne.evaluate("max(a)", local_dict={"a": a}), 'evaluate("max(a)")'),
    "dot": (
        lambda a, b: ne.evaluate("sum(a * b)", local_dict={"a": a, "b": b}),
        'evaluate("sum(a * b)")',
    ),
    "sum-axis0": (
        lambda a: ne.evaluate("sum(a, axis=0)", local_dict={"a": a}),
        'evaluate("sum(a, axis=0)")',
    ),
    "sum-axis1": (
        lambda a: ne.evaluate("sum(a, axis=1)", local_dict={"a": a}),
        'evaluate("sum(a, axis=1)")',
    ),
}


# --------------------------------------------------------------------------------------
# Entry builders: each takes the workload and returns an Impl or calls pytest.skip
# --------------------------------------------------------------------------------------
def build_concore(w, threads):
    f = _common.need_concore(w.func)
    _common.need_native()
    kw = dict(w.kwargs)
    if threads == 1:
        kw["n_threads"] = 1
        label, nthr = f"concore.{w.func}({w.argtext}, n_threads=1)", 1
    else:
        label = f"concore.{w.func}({w.argtext})"
        nthr = _common.concore_threads()
    args = w.arrays
    return Impl(_common.call_of(f, args, kw), label, nthr)


def build_concore_python(w):
    f = _common.need_concore(w.func)
    context = _common.need_python_backend()
    kw = dict(w.kwargs)
    args = w.arrays
    label = f'use_backend("python"): concore.{w.func}({w.argtext})'
    return Impl(_common.call_of(f, args, kw), label, None, context)


def build_numpy(w):
    f = getattr(np, w.func)
    kw = dict(w.kwargs)
    args = w.arrays
    threads = None if w.func == "dot" else 1  # np.dot runs in the BLAS's threads
    return Impl(_common.call_of(f, args, kw), f"np.{w.func}({w.argtext})", threads)


def build_numexpr(w):
    _common.need_numexpr()
    fn, label = NE[w.op]
    args = w.arrays
    return Impl(lambda: fn(*args), f"numexpr {label}", _common.ne_threads())


def build_numba(w):
    _common.need_numba()
    kernel = w.warm_numba(NB[w.op], *w.arrays)
    args = w.arrays
    label = f"numba njit(parallel=True) prange: {kernel.__name__.lstrip('_')}"
    return Impl(lambda: kernel(*args), label, numba.get_num_threads())


BN_FUNCS = {
    "sum": "nansum",
    "mean": "nanmean",
    "var": "nanvar",
    "std": "nanstd",
    "min": "nanmin",
    "max": "nanmax",
    "argmax": "nanargmax",
    "sum-axis0": "nansum",
    "sum-axis1": "nansum",
    "max-axis0": "nanmax",
    "argmax-axis0": "nanargmax",
}


def build_bottleneck(w):
    if bn is None:
        pytest.skip("bottleneck does not import")
    name = BN_FUNCS[w.op]
    f = getattr(bn, name)
    kw = {k: v for k, v in w.kwargs.items() if k == "axis"}
    args = w.arrays
    text = ", ".join(f"{k}={v}" for k, v in kw.items())
    label = f"bn.{name}(a{', ' + text if text else ''}) (NaN-skipping equivalent)"
    return Impl(_common.call_of(f, args, kw), label, 1)


def build_read_bandwidth(w):
    if concore is None:
        pytest.skip("concore does not import")
    omp = optional_import("concore._native._openmp")
    if omp is None or not hasattr(omp, "read_probe"):
        pytest.skip("concore._native._openmp.read_probe is not available")
    x = w.arrays[0]
    n = concore.get_num_threads() if hasattr(concore, "get_num_threads") else 1
    return Impl(lambda: omp.read_probe(x, n), f"read_probe(x, n_threads={n})", n, check=False)


BUILDERS = {
    "concore-1t": lambda w: build_concore(w, 1),
    "concore-all": lambda w: build_concore(w, None),
    "concore-python": build_concore_python,
    "numpy": build_numpy,
    "numexpr": build_numexpr,
    "numba": build_numba,
    "bottleneck": build_bottleneck,
    "read-bandwidth": build_read_bandwidth,
}


# --------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------
class Group:
    """A benchmark group: ``func`` (NumPy/concore name) applied to the named fixtures."""

    def __init__(self, name, func, fixtures, op=None, kwargs=None, entries=None,
                 large=False, rtol=1e-9, busy=False):
        self.name = name
        self.busy = busy  # timed while another Python thread runs pure-Python code
        self.func = func
        self.fixtures = fixtures
        self.op = op or func  # key of the numexpr / numba / bottleneck tables
        self.kwargs = kwargs or {}
        self.large = large
        self.rtol = rtol
        if entries is None:
            entries = [
                e for e in ENTRIES
                if e != "read-bandwidth"
                and not (e == "numexpr" and self.op not in NE)
                and not (e == "numba" and self.op not in _NB_OPS)
                and not (e == "bottleneck" and self.op not in BN_FUNCS)
                and not (e == "concore-python" and large)
            ]
        self.entries = list(entries)

    @property
    def argtext(self):
        """``"a, axis=0"`` / ``"a, b"``: the arguments as the labels show them."""
        names = ["a", "b"][: len(self.fixtures)]
        return ", ".join(names + [f"{k}={v!r}" for k, v in self.kwargs.items()])


# numba's kernels are keyed like the workloads; list them even when numba is missing so
# that the set of benchmarks (and their ids) does not depend on what is installed.
_NB_OPS = {"sum", "mean", "var", "std", "min", "max", "argmax", "dot", "sum-axis0", "sum-axis1",
           "max-axis0", "argmax-axis0"}


def _with_bandwidth(g):
    g.entries.append("read-bandwidth")
    return g


GROUPS = [
    Group("call-n10", "sum", ["a_n10"]),
    Group("call-n10-mean", "mean", ["a_n10"]),
    Group("call-n10-var", "var", ["a_n10"]),
    Group("call-n10-max", "max", ["a_n10"]),
    Group("call-n10-busy", "sum", ["a_n10"], busy=True,
          entries=["concore-1t", "concore-all", "numpy", "bottleneck"]),
    Group("sum-1e3", "sum", ["a_1e3"]),
    Group("call-view-sum", "sum", ["a_view500"]),
    Group("call-view-argmax", "argmax", ["a_view500"]),
    _with_bandwidth(Group("sum-1e7", "sum", ["a_1e7"])),
    _with_bandwidth(Group("sum-1e8", "sum", ["a_1e8"], large=True)),
    _with_bandwidth(Group("mean-1e7", "mean", ["a_1e7"])),
    Group("sum-f32-1e7", "sum", ["a_f32_1e7"], rtol=1e-4),
    Group("var-1e7", "var", ["a_1e7"]),
    Group("std-1e7", "std", ["a_1e7"]),
    Group("min-1e7", "min", ["a_1e7"]),
    Group("max-1e7", "max", ["a_1e7"]),
    Group("argmax-1e7", "argmax", ["a_1e7"]),
    Group("dot-1e7", "dot", ["a_1e7", "b_1e7"]),
    Group("sum-axis0-2d", "sum", ["a_2d"], op="sum-axis0", kwargs={"axis": 0}),
    Group("sum-axis1-2d", "sum", ["a_2d"], op="sum-axis1", kwargs={"axis": 1}),
    Group("max-axis0-2d", "max", ["a_2d"], op="max-axis0", kwargs={"axis": 0}),
    Group("argmax-axis0-2d", "argmax", ["a_2d"], op="argmax-axis0", kwargs={"axis": 0}),
    Group("max-axis0-1000", "max", ["a_2d_1000"], op="max-axis0", kwargs={"axis": 0}),
    Group("nanmax-axis0-1000", "nanmax", ["a_2d_1000"], op="max-axis0", kwargs={"axis": 0},
          entries=["concore-1t", "concore-all", "concore-python", "numpy", "bottleneck"]),
]
GROUPS_BY_NAME = {g.name: g for g in GROUPS}


def _params():
    for g in GROUPS:
        marks = [pytest.mark.large] if g.large else []
        for e in g.entries:
            yield pytest.param(g.name, e, id=f"{g.name}/{e}", marks=marks)


class Workload:
    """A group bound to its arrays."""

    def __init__(self, group, arrays, warm_numba):
        self.group = group
        self.warm_numba = warm_numba
        self.arrays = arrays
        self.func = group.func
        self.op = group.op
        self.kwargs = group.kwargs
        self.argtext = group.argtext

    def reference(self):
        return getattr(np, self.func)(*self.arrays, **self.kwargs)


@pytest.mark.parametrize("group_name, entry", list(_params()))
def test_reduction(benchmark, run_bench, warm_numba, request, group_name, entry):
    group = GROUPS_BY_NAME[group_name]
    benchmark.group = group.name
    arrays = [request.getfixturevalue(f) for f in group.fixtures]
    w = Workload(group, arrays, warm_numba)
    impl = BUILDERS[entry](w)

    def check(result):
        expected = w.reference()
        if group.func.startswith(("arg", "nanarg")):
            np.testing.assert_array_equal(result, expected)
        else:
            np.testing.assert_allclose(
                np.asarray(result, dtype=np.float64),
                np.asarray(expected, dtype=np.float64),
                rtol=group.rtol,
            )

    with _busy_thread(group.busy):
        _common.run_entry(benchmark, run_bench, entry, impl, _common.input_bytes(arrays),
                          check)


@contextlib.contextmanager
def _busy_thread(on):
    """Another Python thread counting in a loop, as a threaded server's other requests
    would: a call that releases the GIL may wait for it up to the switch interval."""
    if not on:
        yield
        return
    stop = threading.Event()

    def spin():
        n = 0
        while not stop.is_set():
            n += 1

    t = threading.Thread(target=spin, daemon=True)
    t.start()
    try:
        yield
    finally:
        stop.set()
        t.join()
