"""Sorting: concore against NumPy (default build and its AVX2 path) and numba.

Groups (1e7 elements unless noted): sort-f64, sort-i64 (full int64 range),
sort-f64-rows-30000x30 (each row of a 30000 x 30 array sorted) and sort-f64-1e5,
argsort-stable-f64-rows-15625x64 (1e6 values in rows of 64), sort-f64-rows-1e5x100 and
argsort-stable-f64-rows-1e6x10 (1e7 values in short rows),
argsort-stable-f64 (uniform), argsort-stable-f64-normal and sort-f64-normal (standard
normal: uneven first-digit buckets, the gathered and cooperative paths), sort-i64-near-zero and
argsort-stable-i64-near-zero (round(1e6 * standard normal): keys of both signs close
together), searchsorted (1e6
float64 queries into 1e7 sorted), unique-i64 (1e7 ints in [0, 1000): many repeats),
unique-inverse-i64 (the same with return_inverse=True),
sort-f64-1e8 (skipped by CONCORE_BENCH_QUICK).

Entries of every group (where the implementation exists and can be imported):

    concore-1t       concore native backend, n_threads=1
    concore-all      concore native backend, default threads
    concore-python   concore's pure-Python backend (NumPy's stable sort; not at 1e8)
    numpy            NumPy as imported here (its default CPU dispatch: AVX-512 sorts,
                     which are slow on Zen 4); sort groups call kind='stable' where
                     the group is stable (argsort-stable), else the default kind
    numpy-avx2       the same NumPy call timed in a child process started with
                     NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" (NumPy's
                     AVX2 sorts: its fastest on Zen 4). The child builds the same input
                     (same seed), warms up once, times ROUNDS calls with
                     time.perf_counter and prints their median; that median is then
                     *replayed* here as time.sleep(median) under benchmark.pedantic, so
                     report.py shows it like any entry. The child's raw times are in
                     extra_info["child_times_s"] and extra_info["replayed"] is True: the
                     row's time is the child's measurement (plus ~0.1 ms of sleep
                     overhead), not something timed in this process. For argsort the
                     child times NumPy's (unstable, fastest) AVX2 quicksort argsort.
    numba            @njit np.sort / np.argsort(kind='mergesort') / np.searchsorted /
                     np.unique (single-threaded), compiled and warmed first

Every result is checked after timing: concore's against NumPy's bits (stable sort),
peers' values against NumPy; the child checks its own result.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

try:
    import _common
except ImportError:  # pytest --import-mode=importlib leaves bench/ off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common
from _common import Impl, numba

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK = os.environ.get("CONCORE_BENCH_QUICK", "") not in ("", "0")
AVX2_ENV = "X86_V4 AVX512_ICL AVX512_SPR"
ENTRIES = ("concore-1t", "concore-all", "concore-python", "numpy", "numpy-avx2", "numba")


# --------------------------------------------------------------------------------------
# Inputs: built from (kind, n) and the seed, so that a child process builds the same
# --------------------------------------------------------------------------------------
def make_input(kind, n, seed=_common.SEED):
    rng = np.random.default_rng([seed, 400 + {"f64": 0, "i64": 1, "rep": 2, "ss": 3,
                                              "norm": 4, "rows30": 5, "rows64": 6,
                                              "rows100": 7, "rows10": 8,
                                              "inorm": 9}[kind]])
    if kind == "f64":
        return (rng.random(n),)
    if kind == "rows30":
        return (rng.random((n // 30, 30)),)
    if kind == "rows64":
        return (rng.random((n // 64, 64)),)
    if kind == "rows100":
        return (rng.random((n // 100, 100)),)
    if kind == "rows10":
        return (rng.random((n // 10, 10)),)
    if kind == "norm":
        return (rng.standard_normal(n),)
    if kind == "inorm":     # int64 of both signs near zero (measurements, counts)
        return (np.round(rng.standard_normal(n) * 1e6).astype(np.int64),)
    if kind == "i64":
        info = np.iinfo(np.int64)
        return (rng.integers(info.min, info.max, n, endpoint=True),)
    if kind == "rep":
        return (rng.integers(0, 1000, n),)
    if kind == "ss":
        return (np.sort(rng.random(n)), rng.random(n // 10))
    raise ValueError(kind)


# The NumPy call of each function, in this process and in the child.
def np_call(func, args, avx2_child=False):
    if func == "sort":
        return np.sort(*args)
    if func == "argsort":
        # here NumPy's stable argsort (what concore returns); the AVX2 child times the
        # fastest NumPy argsort there is, its default (quicksort) kind
        return np.argsort(*args) if avx2_child else np.argsort(*args, kind="stable")
    if func == "searchsorted":
        return np.searchsorted(*args)
    if func == "unique":
        return np.unique(*args)
    if func == "unique_inverse":
        return np.unique(*args, return_inverse=True)
    raise ValueError(func)


def child_main(func, kind, n, rounds):
    """In the NPY_DISABLE_CPU_FEATURES child: time np_call, check it, print JSON."""
    args = make_input(kind, n)
    r = np_call(func, args, avx2_child=True)
    _check_values(func, args, r)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        np_call(func, args, avx2_child=True)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"times": times, "features": os.environ.get("NPY_DISABLE_CPU_FEATURES")}))


def _check_values(func, args, r):
    a = args[0]
    if func == "sort":
        assert np.array_equal(r, np.sort(a, kind="stable"))
    elif func == "argsort":
        assert np.array_equal(np.take_along_axis(a, r, -1), np.sort(a, kind="stable"))
    elif func == "searchsorted":
        assert np.array_equal(r, np.searchsorted(*args))
    elif func == "unique":
        assert np.array_equal(r, np.unique(a))
    elif func == "unique_inverse":
        e = np.unique(a, return_inverse=True)
        assert np.array_equal(r[0], e[0]) and np.array_equal(r[1], e[1])


def run_child(func, kind, n):
    rounds = 3 if (QUICK or n >= 10**8) else 7
    code = (f"import sys; sys.path.insert(0, {HERE!r}); import bench_sorting as B; "
            f"B.child_main({func!r}, {kind!r}, {n}, {rounds})")
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=AVX2_ENV)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=1800)
    if proc.returncode != 0:
        pytest.fail(f"numpy-avx2 child failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["times"]


# --------------------------------------------------------------------------------------
# numba kernels (compiled lazily, warmed before timing)
# --------------------------------------------------------------------------------------
NB = {}
if numba is not None:
    from numba import njit

    @njit
    def _nb_sort(a):
        return np.sort(a)

    @njit
    def _nb_argsort(a):
        return np.argsort(a, kind="mergesort")

    @njit
    def _nb_searchsorted(a, v):
        return np.searchsorted(a, v)

    @njit
    def _nb_unique(a):
        return np.unique(a)

    NB = {"sort": _nb_sort, "argsort": _nb_argsort, "searchsorted": _nb_searchsorted,
          "unique": _nb_unique}


# --------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------
class Group:
    def __init__(self, name, func, kind, n, large=False):
        self.name, self.func, self.kind, self.n, self.large = name, func, kind, n, large
        self.entries = [e for e in ENTRIES if not (large and e in ("concore-python", "numba"))
                        and not ((kind.startswith("rows") or func == "unique_inverse")
                                 and e == "numba")]   # numba: 1-D, no return_inverse


GROUPS = [
    Group("sort-f64-1e7", "sort", "f64", 10**7),
    Group("sort-i64-1e7", "sort", "i64", 10**7),
    Group("argsort-stable-f64-1e7", "argsort", "f64", 10**7),
    Group("argsort-stable-f64-normal-1e7", "argsort", "norm", 10**7),
    # a binade bucket holding over a quarter of the keys: sorted by all threads (coop_sort)
    Group("sort-f64-normal-1e7", "sort", "norm", 10**7),
    # integers of both signs near zero: split in two by the top bits of their keys
    Group("sort-i64-1e7-near-zero", "sort", "inorm", 10**7),
    Group("argsort-stable-i64-1e7-near-zero", "argsort", "inorm", 10**7),
    Group("searchsorted-1e6-in-1e7", "searchsorted", "ss", 10**7),
    Group("unique-i64-1e7-repeats", "unique", "rep", 10**7),
    Group("unique-inverse-i64-1e7-repeats", "unique_inverse", "rep", 10**7),
    Group("sort-f64-1e8", "sort", "f64", 10**8, large=True),
    # mid sizes: a row short enough for NumPy's SIMD sort, one where the radix sort wins
    Group("sort-f64-rows-30000x30", "sort", "rows30", 9 * 10**5),
    Group("sort-f64-1e5", "sort", "f64", 10**5),
    # short rows: argsort's merged runs (radix passes cost a count table per row)
    Group("argsort-stable-f64-rows-15625x64", "argsort", "rows64", 10**6),
    # many short rows: NumPy's sort in chunks over the threads; argsort by rank counts
    Group("sort-f64-rows-1e5x100", "sort", "rows100", 10**7),
    Group("argsort-stable-f64-rows-1e6x10", "argsort", "rows10", 10**7),
]
GROUPS_BY_NAME = {g.name: g for g in GROUPS}
_INPUTS = {}


def _inputs(g):
    key = (g.kind, g.n)
    if key not in _INPUTS:
        _INPUTS.clear()  # one input set alive at a time (1e8 is 800 MB)
        _INPUTS[key] = make_input(g.kind, g.n)
    return _INPUTS[key]


def _params():
    for g in GROUPS:
        marks = [pytest.mark.large] if g.large else []
        for e in g.entries:
            yield pytest.param(g.name, e, id=f"{g.name}/{e}", marks=marks)


def _concore_func(func):
    if func == "unique_inverse":
        unique = _concore_func("unique")
        return lambda *a, **kw: unique(*a, return_inverse=True, **kw)
    if _common.concore is None:
        pytest.skip("concore does not import")
    f = getattr(_common.concore, func, None)
    if f is None:
        mod = _common.optional_import("concore.sorting")
        f = getattr(mod, func, None) if mod is not None else None
    if f is None:
        pytest.skip(f"concore has no {func}() yet")
    return f


def _call(func):
    """How an entry's implementation string shows the call."""
    return "unique(..., return_inverse=True)" if func == "unique_inverse" else f"{func}(...)"


def build(entry, g, args, warm_numba):
    func = g.func
    call = _call(func)
    if entry in ("concore-1t", "concore-all", "concore-python"):
        f = _concore_func(func)
        if entry == "concore-python":
            return Impl(lambda: f(*args), f'use_backend("python"): concore.{call}', None,
                        _common.need_python_backend())
        _common.need_native()
        if entry == "concore-1t":
            return Impl(lambda: f(*args, n_threads=1), f"concore.{call[:-1]}, n_threads=1)", 1)
        return Impl(lambda: f(*args), f"concore.{call}", _common.concore_threads())
    if entry == "numpy":
        label = f"np.{call}" + (", kind='stable'" if func == "argsort" else "")
        return Impl(lambda: np_call(func, args), label, 1)
    if entry == "numba":
        _common.need_numba()
        kernel = warm_numba(NB[func], *args)
        return Impl(lambda: kernel(*args), f"numba njit np.{func}", 1)
    raise ValueError(entry)


@pytest.mark.parametrize("group_name, entry", list(_params()))
def test_sorting(benchmark, run_bench, warm_numba, group_name, entry):
    g = GROUPS_BY_NAME[group_name]
    benchmark.group = g.name
    args = _inputs(g)
    nbytes = _common.input_bytes(args)

    if entry == "numpy-avx2":
        times = run_child(g.func, g.kind, g.n)
        median = float(np.median(times))
        benchmark.extra_info.update(
            entry=entry, threads=1, bytes=int(nbytes), replayed=True,
            child_times_s=times, child_env=f"NPY_DISABLE_CPU_FEATURES={AVX2_ENV}",
            impl=f"np.{_call(g.func)} in a child with NumPy's AVX2 sorts "
                 f"({'quicksort ' if g.func == 'argsort' else ''}median of "
                 f"{len(times)}, replayed)")
        benchmark.pedantic(lambda: time.sleep(median), rounds=1, iterations=1)
        return

    impl = build(entry, g, args, warm_numba)

    def check(result):
        a = args[0]
        if entry.startswith("concore"):
            if g.func == "sort":
                assert result.tobytes() == np.sort(a, kind="stable").tobytes()
            elif g.func == "argsort":
                assert np.array_equal(result, np.argsort(a, kind="stable"))
            elif g.func == "searchsorted":
                assert np.array_equal(result, np.searchsorted(*args))
            else:
                _check_values(g.func, args, result)
        else:
            _check_values(g.func, args, result)

    _common.run_entry(benchmark, run_bench, entry, impl, nbytes, check)
