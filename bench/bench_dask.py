"""concore.dask against dask's own functions: one pytest-benchmark group per workload, on
1e7 float64 values as a dask array of ten chunks of 1e6, computed on dask's threaded
scheduler (its default for arrays, all cores).

Groups:

    dask-sum                  sum(x)
    dask-var                  var(x)
    dask-argmax               argmax(x)
    dask-expr-sin2cos2        sin(x)**2 + cos(y)**2   (an array result)
    dask-cumsum               cumsum(x)
    dask-histogram            histogram(x, 100, range=(0, 1))[0]
    dask-diff                 diff(x)
    dask-median               median(x)   (the chunks merged into one, then exact)

Entries of every group:

    concore-dask     concore.dask's function (each chunk through concore), .compute()
    dask             dask.array's own function or expression, .compute()
    concore          concore on the whole NumPy array (no dask): what chunking costs
    numpy            NumPy on the whole NumPy array

Timed calls build the graph and compute it, as user code does. Every result is checked
against NumPy after timing. Needs the dask extra (`pip install ".[dask,bench]"`); without
dask the module's benchmarks are skipped.
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
from _common import Impl

da = _common.optional_import("dask.array")
cd = _common.optional_import("concore.dask")

ENTRIES = ("concore-dask", "dask", "concore", "numpy")
CHUNK = 10**6


def _sin2cos2(m, x, y):
    return m.sin(x) ** 2 + m.cos(y) ** 2


# group -> (concore.dask call, dask call, concore call, numpy call, check tolerance)
# each call takes (x, y): dask arrays for the first two, NumPy arrays for the others
GROUPS = {
    "dask-sum": (lambda x, y: cd.sum(x), lambda x, y: x.sum(),
                 lambda x, y: _common.concore.sum(x), lambda x, y: np.sum(x), 1e-12),
    "dask-var": (lambda x, y: cd.var(x), lambda x, y: x.var(),
                 lambda x, y: _common.concore.var(x), lambda x, y: np.var(x), 1e-12),
    "dask-argmax": (lambda x, y: cd.argmax(x), lambda x, y: da.argmax(x),
                    lambda x, y: _common.concore.argmax(x), lambda x, y: np.argmax(x), 0),
    "dask-expr-sin2cos2": (
        lambda x, y: cd.evaluate("sin(a)**2 + cos(b)**2", {"a": x, "b": y}),
        lambda x, y: _sin2cos2(da, x, y),
        lambda x, y: _common.concore.evaluate("sin(a)**2 + cos(b)**2", {"a": x, "b": y}),
        lambda x, y: _sin2cos2(np, x, y), 1e-14),
    "dask-cumsum": (lambda x, y: cd.cumsum(x), lambda x, y: da.cumsum(x),
                    lambda x, y: _common.concore.cumsum(x), lambda x, y: np.cumsum(x), 1e-9),
    "dask-histogram": (
        lambda x, y: cd.histogram(x, 100, range=(0, 1))[0],
        lambda x, y: da.histogram(x, 100, range=(0, 1))[0],
        lambda x, y: _common.concore.histogram(x, 100, range=(0, 1))[0],
        lambda x, y: np.histogram(x, 100, range=(0, 1))[0], 0),
    "dask-diff": (lambda x, y: cd.diff(x), lambda x, y: da.diff(x),
                  lambda x, y: _common.concore.diff(x), lambda x, y: np.diff(x), 0),
    "dask-median": (lambda x, y: cd.median(x), lambda x, y: da.median(x, axis=0),
                    lambda x, y: _common.concore.median(x), lambda x, y: np.median(x), 0),
}


def _build(group, entry, a, b):
    dask_fn, own_fn, concore_fn, numpy_fn, _ = GROUPS[group]
    if entry in ("concore-dask", "dask"):
        if da is None or cd is None:
            pytest.skip("dask (or concore.dask) does not import: pip install '.[dask]'")
        x, y = da.from_array(a, chunks=CHUNK), da.from_array(b, chunks=CHUNK)
        fn = dask_fn if entry == "concore-dask" else own_fn
        label = "concore.dask" if entry == "concore-dask" else "dask.array"
        return Impl(lambda: fn(x, y).compute(scheduler="threads"),
                    f"{label} {group[5:]} of 10 chunks of 1e6, threaded scheduler",
                    _common.all_threads())
    if entry == "concore":
        _common.need_concore("sum")
        _common.need_native()
        return Impl(lambda: concore_fn(a, b), f"concore {group[5:]} of the NumPy array",
                    _common.concore_threads())
    return Impl(lambda: numpy_fn(a, b), f"NumPy {group[5:]}", 1)


@pytest.mark.parametrize("group, entry", [pytest.param(g, e, id=f"{g}/{e}")
                                          for g in GROUPS for e in ENTRIES])
def test_dask(benchmark, run_bench, a_1e7, b_1e7, group, entry):
    benchmark.group = group
    impl = _build(group, entry, a_1e7, b_1e7)
    tol = GROUPS[group][4]

    def check(result):
        want = GROUPS[group][3](a_1e7, b_1e7)
        if tol:
            np.testing.assert_allclose(result, want, rtol=tol, atol=tol)
        else:
            np.testing.assert_array_equal(result, want)

    nbytes = _common.input_bytes([a_1e7, b_1e7] if "sin2cos2" in group else [a_1e7])
    _common.run_entry(benchmark, run_bench, entry, impl, nbytes, check)
