"""Selection: concore against NumPy, bottleneck and numba, one pytest-benchmark group
per workload.

Groups (1e7 elements unless noted):

    median-f64        median of float64
    percentile-f64    percentile of float64 at q = [1, 50, 99]
    median-i64        median of int64
    partition-f64     partition of float64 at kth = n // 2
    partition-rows-1e6x10  each row of a (10**6, 10) float64 array partitioned at 5
    median-axis1      median along axis 1 of a (1000, 10000) float64 array

Entries of every group (where the implementation exists and can be imported):

    concore-1t       concore native backend, n_threads=1
    concore-all      concore native backend, default threads (concore.get_num_threads())
    concore-python   concore's pure-Python backend (sorts the keys: the reference)
    numpy            np.median / np.percentile / np.partition
    bottleneck       bn.median / bn.partition (median and partition groups)
    numba            @numba.njit np.median / np.percentile / np.partition (serial, numba's
                     quickselect); the axis group runs np.median per row in a prange

Each benchmark's `extra_info` holds `entry`, `impl` (what exactly was called), `threads`
and `bytes` (input bytes read per call); bench/report.py uses them. Every result is
checked after timing (medians and percentiles equal NumPy's; partitions hold the kth
value of a sort with nothing larger before it and nothing smaller after it).
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

bn = _common.optional_import("bottleneck")

ENTRIES = ("concore-1t", "concore-all", "concore-python", "numpy", "bottleneck", "numba")
Q = [1, 50, 99]


# --------------------------------------------------------------------------------------
# numba kernels (defined only when numba imports; compiled and warmed before timing)
# --------------------------------------------------------------------------------------
NB = {}
if numba is not None:
    from numba import njit, prange

    @njit
    def _nb_median(a):
        return np.median(a)

    @njit
    def _nb_percentile(a):
        return np.percentile(a, np.array([1.0, 50.0, 99.0]))

    @njit
    def _nb_partition(a):
        return np.partition(a, a.shape[0] // 2)

    @njit(parallel=True)
    def _nb_median_rows(a):
        out = np.empty(a.shape[0])
        for i in prange(a.shape[0]):
            out[i] = np.median(a[i])
        return out

    NB = {"median": _nb_median, "percentile": _nb_percentile, "partition": _nb_partition,
          "median-rows": _nb_median_rows}


# --------------------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------------------
class Group:
    def __init__(self, name, func, fixture, call, numba_key, bn_call=None):
        self.name = name
        self.func = func            # concore.selection / numpy function name
        self.fixture = fixture
        self.call = call            # f, a -> result (same call for concore and NumPy)
        self.numba_key = numba_key
        self.bn_call = bn_call      # bottleneck call, or None


def _kth(a):
    return a.shape[-1] // 2


GROUPS = [
    Group("median-f64", "median", "a_1e7", lambda f, a, **kw: f(a, **kw), "median",
          lambda a: bn.median(a)),
    Group("percentile-f64", "percentile", "a_1e7", lambda f, a, **kw: f(a, Q, **kw),
          "percentile"),
    Group("median-i64", "median", "i64_1e7", lambda f, a, **kw: f(a, **kw), "median",
          lambda a: bn.median(a)),
    Group("partition-f64", "partition", "a_1e7", lambda f, a, **kw: f(a, _kth(a), **kw),
          "partition", lambda a: bn.partition(a, _kth(a))),
    Group("median-axis1", "median", "a_1000x10000", lambda f, a, **kw: f(a, axis=1, **kw),
          "median-rows", lambda a: bn.median(a, axis=1)),
    # many short rows: each row partitioned at its middle (NumPy: AVX-512 quickselect)
    Group("partition-rows-1e6x10", "partition", "a_rows_10",
          lambda f, a, **kw: f(a, _kth(a), **kw), None,
          lambda a: bn.partition(a, _kth(a), axis=1)),
]
GROUPS_BY_NAME = {g.name: g for g in GROUPS}


@pytest.fixture(scope="session")
def i64_1e7():
    return np.random.default_rng([_common.SEED, 101]).integers(-10**9, 10**9, 10**7)


@pytest.fixture(scope="session")
def a_1000x10000():
    return np.random.default_rng([_common.SEED, 102]).random((1000, 10000))


# --------------------------------------------------------------------------------------
# Entry builders: each takes the workload and returns an Impl or calls pytest.skip
# --------------------------------------------------------------------------------------
def _concore_fn(func):
    """concore.<func>, or concore.selection.<func> while the top-level export is missing."""
    concore = _common.concore
    if concore is None:
        pytest.skip("concore does not import")
    f = getattr(concore, func, None)
    if f is None:
        mod = _common.optional_import("concore.selection")
        f = getattr(mod, func, None) if mod is not None else None
    if f is None:
        pytest.skip(f"concore has no {func}() yet")
    return f


def build_concore(g, a, threads):
    f = _concore_fn(g.func)
    _common.need_native()
    if threads == 1:
        return Impl(lambda: g.call(f, a, n_threads=1), f"concore.{g.func}(..., n_threads=1)", 1)
    return Impl(lambda: g.call(f, a), f"concore.{g.func}(...)", _common.concore_threads())


def build_concore_python(g, a):
    f = _concore_fn(g.func)
    context = _common.need_python_backend()
    return Impl(lambda: g.call(f, a), f'use_backend("python"): concore.{g.func}(...)', None,
                context)


def build_numpy(g, a):
    f = getattr(np, g.func)
    return Impl(lambda: g.call(f, a), f"np.{g.func}(...)", 1)


def build_bottleneck(g, a):
    if bn is None:
        pytest.skip("bottleneck does not import")
    if g.bn_call is None:
        pytest.skip("bottleneck has no percentile")
    return Impl(lambda: g.bn_call(a), f"bottleneck ({g.func})", 1)


def build_numba(g, a, warm_numba):
    _common.need_numba()
    if g.numba_key is None:
        pytest.skip("no numba kernel for this group")
    kernel = warm_numba(NB[g.numba_key], a)
    threads = numba.get_num_threads() if g.numba_key == "median-rows" else 1
    return Impl(lambda: kernel(a), f"numba njit {kernel.__name__.lstrip('_')}", threads)


BUILDERS = {
    "concore-1t": lambda g, a, w: build_concore(g, a, 1),
    "concore-all": lambda g, a, w: build_concore(g, a, None),
    "concore-python": lambda g, a, w: build_concore_python(g, a),
    "numpy": lambda g, a, w: build_numpy(g, a),
    "bottleneck": lambda g, a, w: build_bottleneck(g, a),
    "numba": lambda g, a, w: build_numba(g, a, w),
}


def _params():
    for g in GROUPS:
        for e in ENTRIES:
            yield pytest.param(g.name, e, id=f"{g.name}/{e}")


def _check_partition(p, a):
    k = _kth(a)
    assert p.shape == a.shape
    v = np.partition(a, k)[..., k:k + 1]      # every row's kth value, kept 2-D
    assert np.array_equal(p[..., k:k + 1], v)
    assert (p[..., :k] <= v).all() and (p[..., k + 1:] >= v).all()


@pytest.mark.parametrize("group_name, entry", list(_params()))
def test_selection(benchmark, run_bench, warm_numba, request, group_name, entry):
    group = GROUPS_BY_NAME[group_name]
    benchmark.group = group.name
    a = request.getfixturevalue(group.fixture)
    impl = BUILDERS[entry](group, a, warm_numba)

    def check(result):
        if group.func == "partition":
            _check_partition(np.asarray(result), a)
            return
        expected = group.call(getattr(np, group.func), a)
        # bottleneck and numba interpolate their own way: equal to rounding
        if entry in ("bottleneck", "numba"):
            np.testing.assert_allclose(result, expected, rtol=1e-12)
        else:
            np.testing.assert_array_equal(result, expected)

    _common.run_entry(benchmark, run_bench, entry, impl, _common.input_bytes([a]), check)
