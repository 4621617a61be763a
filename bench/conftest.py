"""Shared fixtures and helpers for concore's pytest-benchmark suites.

Run with ``pytest bench --benchmark-only`` (see bench/README.md).

Environment variables
---------------------
CONCORE_BENCH_QUICK=1     skip the 1e8-element groups and shorten every benchmark.
CONCORE_BENCH_BUDGET=S    seconds of timed calls per benchmark (default 0.5, quick 0.15).
CONCORE_BENCH_SEED=N      seed of the input arrays (default 20240607).

Every peer (numexpr, numba, bottleneck) and concore itself are optional: a benchmark
whose implementation cannot be imported is skipped, never an error for the module.
"""
import math
import os
import time

import numpy as np
import pytest

QUICK = os.environ.get("CONCORE_BENCH_QUICK", "") not in ("", "0")
BUDGET = float(os.environ.get("CONCORE_BENCH_BUDGET", "0.15" if QUICK else "0.5"))
SEED = int(os.environ.get("CONCORE_BENCH_SEED", "20240607"))

# Round limits of `run_pedantic`: a call of t seconds gets about BUDGET / t rounds.
MIN_ROUNDS = 3
MAX_ROUNDS = 100
# Calls shorter than this are repeated inside one round (timer resolution and overhead).
MIN_ROUND_TIME = 2e-4
# A single call longer than this is timed once (after the calibration call).
SLOW_CALL = 1.0


# --------------------------------------------------------------------------------------
# Collection: the suites are named bench_*.py, which pytest does not collect by default,
# and the project's pytest configuration (testpaths = tests) is not ours to change.
# --------------------------------------------------------------------------------------
def pytest_collect_file(file_path, parent):
    if (
        file_path.suffix == ".py"
        and file_path.name.startswith("bench_")
        # Files named on the command line are collected by pytest itself already.
        and not parent.session.isinitpath(file_path)
    ):
        ihook = parent.session.gethookproxy(file_path)
        return ihook.pytest_pycollect_makemodule(module_path=file_path, parent=parent)
    return None


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "large: 1e8-element workloads, skipped when CONCORE_BENCH_QUICK=1"
    )


def pytest_collection_modifyitems(config, items):
    if not QUICK:
        return
    skip = pytest.mark.skip(reason="CONCORE_BENCH_QUICK=1 skips the 1e8-element groups")
    for item in items:
        if "large" in item.keywords:
            item.add_marker(skip)


# NumPy's OpenBLAS threads busy-wait about 2^28 cycles (~0.1 s here) after each BLAS
# call, NumPy's import included; a `dot` entry or a `dot` reference check leaves them
# spinning on the cores the next entry's threads need (measured: concore's two-thread
# `sum` of 1e6 values 15x slower in that window). Each benchmark starts after they idle.
BLAS_IDLE = 0.2


@pytest.fixture(autouse=True)
def _blas_idle():
    time.sleep(BLAS_IDLE)
    yield


# --------------------------------------------------------------------------------------
# Timing helpers
# --------------------------------------------------------------------------------------
def warm(fn, *args, repeat=2, **kwargs):
    """Call ``fn(*args, **kwargs)`` ``repeat`` times (numba compiles on the first call
    for these argument types; later calls fault in pages and start thread pools).
    Returns ``fn`` so that ``kernel = warm(njit_fn, a)`` reads naturally."""
    for _ in range(repeat):
        fn(*args, **kwargs)
    return fn


def warm_numba(fn, *args):
    """Compile and warm a numba dispatcher for exactly these argument types, so that no
    compilation time is ever timed. Returns ``fn``."""
    return warm(fn, *args, repeat=2)


def run_pedantic(benchmark, fn, budget=None):
    """Time the zero-argument callable ``fn`` with a number of rounds chosen by its speed.

    One untimed calibration call measures the cost t of a call; a round then repeats the
    call enough times to last MIN_ROUND_TIME, and there are about ``budget / t`` rounds
    (MIN_ROUNDS to MAX_ROUNDS). Calls slower than SLOW_CALL seconds run once.
    Returns what ``fn`` returned.
    """
    budget = BUDGET if budget is None else budget
    t0 = time.perf_counter()
    fn()
    t = max(time.perf_counter() - t0, 1e-9)
    if t > SLOW_CALL:
        return benchmark.pedantic(fn, rounds=1, iterations=1, warmup_rounds=0)
    iterations = max(1, min(10000, math.ceil(MIN_ROUND_TIME / t)))
    rounds = int(budget / (t * iterations))
    rounds = max(MIN_ROUNDS, min(MAX_ROUNDS, rounds))
    return benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)


@pytest.fixture
def run_bench(benchmark):
    """``run_bench(fn)``: time the zero-argument ``fn`` with `run_pedantic` (rounds chosen
    by its speed); returns what ``fn`` returned."""

    def run(fn, budget=None):
        return run_pedantic(benchmark, fn, budget)

    return run


@pytest.fixture(scope="session", name="warm_numba")
def warm_numba_fixture():
    """The `warm_numba` helper as a fixture (suites do not import conftest: every
    conftest.py outside a package is the module "conftest", so imports of it clash)."""
    return warm_numba


# --------------------------------------------------------------------------------------
# Input arrays (session-scoped, seeded, created only when a benchmark asks for them)
# --------------------------------------------------------------------------------------
N_2D = 3162  # 3162 x 3162 = 9_998_244 elements, ~1e7 like the 1-D groups


def _rng(stream):
    # One independent stream per fixture: the values do not depend on which fixtures
    # a run happens to create, or in which order.
    return np.random.default_rng([SEED, stream])


@pytest.fixture(scope="session")
def a_n10():
    return _rng(1).random(10)


@pytest.fixture(scope="session")
def a_1e3():
    return _rng(2).random(10**3)


@pytest.fixture(scope="session")
def a_view500():
    """500 values, every other one of 1000: a strided 1-D view (a[::2])."""
    return _rng(2).random(10**3)[::2]


@pytest.fixture(scope="session")
def a_1e7():
    return _rng(3).random(10**7)


@pytest.fixture(scope="session")
def b_1e7():
    """A second 1e7 float64 array (the other operand of dot)."""
    return _rng(4).random(10**7)


@pytest.fixture(scope="session")
def a_f32_1e7():
    return _rng(5).random(10**7, dtype=np.float32)


@pytest.fixture(scope="session")
def a_1e8():
    if QUICK:
        pytest.skip("CONCORE_BENCH_QUICK=1 skips the 1e8-element groups")
    return _rng(6).random(10**8)


@pytest.fixture(scope="session")
def a_2d():
    """A C-contiguous 3162 x 3162 float64 array for the axis=0 / axis=1 groups."""
    return _rng(7).random((N_2D, N_2D))


@pytest.fixture(scope="session")
def a_rows_10():
    """A C-contiguous 10**6 x 10 float64 array (80 MB): many short rows."""
    return _rng(9).random((10**6, 10))


@pytest.fixture(scope="session")
def a_2d_1000():
    """A C-contiguous 1000 x 1000 float64 array (8 MB) for axis=0."""
    return _rng(8).random((1000, 1000))
