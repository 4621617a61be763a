"""Code shared by the bench_*.py suites: optional imports, the Impl record, the concore /
numexpr entry helpers and the runner that times, records and checks one entry.

The suites import it as ``_common`` (bench/ is on sys.path under pytest's default import
mode; the suites add it otherwise). Fixtures stay in conftest.py, which the suites never
import (every conftest.py outside a package is the module "conftest": imports clash).
"""
import contextlib
import importlib
import os

import numpy as np
import pytest

# Same variable and default as conftest.py, for the arrays a suite builds itself.
SEED = int(os.environ.get("CONCORE_BENCH_SEED", "20240607"))


def optional_import(name):
    """The module, or None when it (or something it needs) cannot be imported."""
    try:
        return importlib.import_module(name)
    except Exception:  # ImportError, but also peers broken by a NumPy version mismatch
        return None


concore = optional_import("concore")
ne = optional_import("numexpr")
numba = optional_import("numba")


class Impl:
    """One timed callable: ``fn()`` runs the workload inside ``context()``."""

    def __init__(self, fn, label, threads=None, context=contextlib.nullcontext, check=True):
        self.fn = fn
        self.label = label
        self.threads = threads
        self.context = context
        self.check = check


# --------------------------------------------------------------------------------------
# concore
# --------------------------------------------------------------------------------------
def need_concore(func):
    """``concore.<func>``, or skip the benchmark when concore or the function is missing."""
    if concore is None:
        pytest.skip("concore does not import")
    f = getattr(concore, func, None)
    if f is None:
        pytest.skip(f"concore has no {func}() yet")
    return f


def need_native():
    """Skip the benchmark unless concore's native backend is the active one."""
    if getattr(concore, "backend", lambda: "native")() != "native":
        pytest.skip("concore's native backend is not active (extension not built?)")


def concore_threads():
    """concore's default thread count (what a call without n_threads uses), or None."""
    return concore.get_num_threads() if hasattr(concore, "get_num_threads") else None


def need_python_backend():
    """A context manager that runs the block under concore's pure-Python backend; skips
    the benchmark when concore has no use_backend()."""
    if not hasattr(concore, "use_backend"):
        pytest.skip("concore has no use_backend() yet")

    @contextlib.contextmanager
    def context():
        with concore.use_backend("python"):
            if hasattr(concore, "backend"):
                assert concore.backend() == "python"
            yield

    return context


def all_threads():
    """"All threads" for the peers: concore's default when concore imports (the same
    count as the concore-all entry), else the CPUs this process may run on."""
    n = concore_threads() if concore is not None else None
    if n:
        return int(n)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# --------------------------------------------------------------------------------------
# numexpr
# --------------------------------------------------------------------------------------
def need_numexpr():
    if ne is None:
        pytest.skip("numexpr does not import")
    return ne


def ne_threads():
    """numexpr's current thread count."""
    get = getattr(ne, "get_num_threads", None) or getattr(ne.utils, "get_num_threads", None)
    try:
        return int(get())
    except Exception:
        return getattr(ne, "nthreads", None)


def ne_threads_context(n):
    """A context manager that runs the block with numexpr at ``n`` threads and restores
    the previous count afterwards (numexpr's setting is process-wide)."""

    @contextlib.contextmanager
    def context():
        old = ne.set_num_threads(n)
        try:
            yield
        finally:
            ne.set_num_threads(old)

    return context


# --------------------------------------------------------------------------------------
# numba
# --------------------------------------------------------------------------------------
def need_numba():
    if numba is None:
        pytest.skip("numba does not import")
    return numba


# --------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------
def call_of(f, args, kw):
    """A zero-argument callable that calls ``f`` the way user code would (``f(a)``,
    ``f(a, b)``, keywords only when there are any): ``f(*args, **kw)`` would charge
    every call an argument unpacking that costs a C function with the fast calling
    convention (concore's, NumPy's) more than one with the classic one (bottleneck's),
    tens of nanoseconds in the call-overhead groups."""
    if kw:
        return lambda: f(*args, **kw)
    if len(args) == 1:
        a, = args
        return lambda: f(a)
    if len(args) == 2:
        a, b = args
        return lambda: f(a, b)
    return lambda: f(*args)


def input_bytes(arrays):
    return int(sum(np.asarray(a).nbytes for a in arrays))


def run_entry(benchmark, run_bench, entry, impl, nbytes, check):
    """Time ``impl`` with ``run_bench``, record extra_info (entry, impl, threads, bytes:
    input bytes read per call) and, unless ``impl.check`` is off, call ``check(result)``
    after timing so that a fast wrong answer fails. Returns the result."""
    benchmark.extra_info.update(
        entry=entry,
        impl=impl.label,
        threads=impl.threads,
        bytes=int(nbytes),
    )
    with impl.context():
        result = run_bench(impl.fn)
    if impl.check:
        check(result)
    return result
