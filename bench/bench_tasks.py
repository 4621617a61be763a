"""Task parallelism: concore.parallel_map / TaskPool against concurrent.futures,
multiprocessing.Pool and joblib, one pytest-benchmark group per workload.

Groups and entries (peers are skipped when they cannot be imported):

    tasks-overhead-threads-1e5      100 000 tiny tasks (x + 1) on threads
        concore-all         parallel_map(f, items, backend="threads")  (automatic chunks)
        concore-1t          the same with n_workers=1
        ThreadPoolExecutor  list(ex.map(f, items))                     (one future per item)
        serial              list(map(f, items))                        (the floor)
    tasks-overhead-processes-1e5    the same 100 000 tiny tasks on worker processes
        concore-all         parallel_map(f, items, backend="processes")
        ProcessPoolExecutor ex.map(f, items, chunksize=ceil(n / (4 * W)))  (Pool's own choice;
                            its default chunksize=1 takes minutes here)
        mp.Pool             pool.map(f, items)                         (automatic chunks)
        joblib              Parallel(n_jobs=W)(delayed(f)(x) for x in items)   (loky, batch auto)
    tasks-kernel-64xexp-1e6         64 calls of concore.exp on 1e6 doubles (releases the GIL)
        concore-all         parallel_map(concore.exp, arrays)          (auto -> threads)
        concore-1t          a serial loop, each call on all cores (concore's default)
        ThreadPoolExecutor  list(ex.map(concore.exp, arrays))
        joblib-threads      Parallel(n_jobs=W, prefer="threads")
    tasks-100MB-argument            one task receiving a 100 MB float64 array (returns a[-1])
        concore-shm         TaskPool("processes"): the array travels through shared memory
        concore-pickle      TaskPool("processes", shm_threshold=None): pickled through the pipe
        ProcessPoolExecutor pickled
        mp.Pool             pickled
        joblib              loky with joblib's automatic memmapping of large arrays

Every pool is started and warmed before timing (W workers = concore's thread count); every
process pool uses spawn (or loky). Results are checked after timing.
"""
import concurrent.futures as cf
import math
import multiprocessing
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

joblib = _common.optional_import("joblib")
N_TINY = 100_000


def tiny(x):
    return x + 1


def last(a):
    return float(a[-1])


def _tasks():
    mod = _common.optional_import("concore.tasks")
    if mod is None:
        pytest.skip("concore.tasks does not import")
    return mod


def _workers():
    return _common.all_threads()


# --------------------------------------------------------------------------------------
# Warm pools, one per kind for the whole session
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pools():
    made = {}
    yield made
    for key, pool in made.items():
        if key == "mp.Pool":
            pool.terminate()
            pool.join()
        elif hasattr(pool, "shutdown"):
            pool.shutdown(wait=True)


def _pool(pools, key):
    if key not in pools:
        w = _workers()
        ctx = multiprocessing.get_context("spawn")
        if key == "threads":
            pool = cf.ThreadPoolExecutor(w)
            list(pool.map(tiny, range(w)))
        elif key == "processes":
            pool = cf.ProcessPoolExecutor(w, mp_context=ctx)
            list(pool.map(tiny, range(4 * w)))
        elif key == "mp.Pool":
            pool = ctx.Pool(w)
            pool.map(tiny, range(4 * w))
        elif key == "concore-shm":
            pool = _tasks().TaskPool(w, "processes")
            pool.map(tiny, range(4 * w))
        elif key == "concore-pickle":
            pool = _tasks().TaskPool(w, "processes", shm_threshold=None)
            pool.map(tiny, range(4 * w))
        else:
            raise KeyError(key)
        pools[key] = pool
    return pools[key]


def _need_joblib():
    if joblib is None:
        pytest.skip("joblib does not import")
    return joblib


# --------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------
def build_overhead_threads(entry, pools):
    items = list(range(N_TINY))
    w = _workers()
    if entry == "concore-all":
        pm = _tasks().parallel_map
        pm(tiny, items, backend="threads")              # start its workers
        return Impl(lambda: pm(tiny, items, backend="threads"),
                    'parallel_map(f, items, backend="threads")', w)
    if entry == "concore-1t":
        pm = _tasks().parallel_map
        pm(tiny, items, backend="threads", n_workers=1)
        return Impl(lambda: pm(tiny, items, backend="threads", n_workers=1),
                    'parallel_map(f, items, backend="threads", n_workers=1)', 1)
    if entry == "ThreadPoolExecutor":
        ex = _pool(pools, "threads")
        return Impl(lambda: list(ex.map(tiny, items)), "list(ThreadPoolExecutor.map(f, items))",
                    w)
    if entry == "serial":
        return Impl(lambda: list(map(tiny, items)), "list(map(f, items))", 1)
    raise KeyError(entry)


def build_overhead_processes(entry, pools):
    items = list(range(N_TINY))
    w = _workers()
    if entry == "concore-all":
        pm = _tasks().parallel_map
        pm(tiny, items, backend="processes")            # start and warm its workers
        return Impl(lambda: pm(tiny, items, backend="processes"),
                    'parallel_map(f, items, backend="processes")', w)
    if entry == "ProcessPoolExecutor":
        ex = _pool(pools, "processes")
        cs = math.ceil(N_TINY / (4 * w))
        return Impl(lambda: list(ex.map(tiny, items, chunksize=cs)),
                    f"ProcessPoolExecutor(spawn).map(f, items, chunksize={cs})", w)
    if entry == "mp.Pool":
        pool = _pool(pools, "mp.Pool")
        return Impl(lambda: pool.map(tiny, items), "multiprocessing Pool(spawn).map(f, items)", w)
    if entry == "joblib":
        jl = _need_joblib()
        par = jl.Parallel(n_jobs=w)
        par(jl.delayed(tiny)(x) for x in range(4 * w))  # start loky's workers
        return Impl(lambda: par(jl.delayed(tiny)(x) for x in items),
                    f"joblib.Parallel(n_jobs={w})(delayed(f)(x) for x in items)", w)
    raise KeyError(entry)


def _exp_inputs():
    rng = np.random.default_rng([_common.SEED, 40])
    return [rng.random(10**6) for _ in range(64)]


def build_kernel(entry, pools, arrays):
    concore = _common.concore
    if concore is None or not hasattr(concore, "exp"):
        pytest.skip("concore.exp is missing")
    _common.need_native()
    w = _workers()
    f = concore.exp
    if entry == "concore-all":
        pm = _tasks().parallel_map
        pm(f, arrays[:w])
        return Impl(lambda: pm(f, arrays), "parallel_map(concore.exp, arrays)  (auto: threads)",
                    w)
    if entry == "concore-1t":
        return Impl(lambda: [f(a) for a in arrays],
                    "[concore.exp(a) for a in arrays]  (each call on all cores)",
                    _common.concore_threads())
    if entry == "ThreadPoolExecutor":
        ex = _pool(pools, "threads")
        return Impl(lambda: list(ex.map(f, arrays)), "list(ThreadPoolExecutor.map(concore.exp, "
                    "arrays))", w)
    if entry == "joblib-threads":
        jl = _need_joblib()
        par = jl.Parallel(n_jobs=w, prefer="threads")
        return Impl(lambda: par(jl.delayed(f)(a) for a in arrays),
                    f'joblib.Parallel(n_jobs={w}, prefer="threads")', w)
    raise KeyError(entry)


def build_big_argument(entry, pools, big):
    w = _workers()
    items = [big]
    if entry in ("concore-shm", "concore-pickle"):
        pool = _pool(pools, entry)
        how = "shared memory" if entry == "concore-shm" else "shm_threshold=None: pickled"
        return Impl(lambda: pool.map(last, items), f"TaskPool(processes).map(f, [a])  ({how})", w)
    if entry == "ProcessPoolExecutor":
        ex = _pool(pools, "processes")
        return Impl(lambda: list(ex.map(last, items)), "ProcessPoolExecutor(spawn).map(f, [a])",
                    w)
    if entry == "mp.Pool":
        pool = _pool(pools, "mp.Pool")
        return Impl(lambda: pool.map(last, items), "multiprocessing Pool(spawn).map(f, [a])", w)
    if entry == "joblib":
        jl = _need_joblib()
        par = jl.Parallel(n_jobs=w)
        par(jl.delayed(tiny)(x) for x in range(4 * w))
        return Impl(lambda: par(jl.delayed(last)(a) for a in items),
                    "joblib.Parallel()(delayed(f)(a))  (auto memmap of arrays > 1 MB)", w)
    raise KeyError(entry)


GROUPS = {
    "tasks-overhead-threads-1e5": ("concore-all", "concore-1t", "ThreadPoolExecutor", "serial"),
    "tasks-overhead-processes-1e5": ("concore-all", "ProcessPoolExecutor", "mp.Pool", "joblib"),
    "tasks-kernel-64xexp-1e6": ("concore-all", "concore-1t", "ThreadPoolExecutor",
                                "joblib-threads"),
    "tasks-100MB-argument": ("concore-shm", "concore-pickle", "ProcessPoolExecutor", "mp.Pool",
                             "joblib"),
}


def _params():
    for g, entries in GROUPS.items():
        for e in entries:
            yield pytest.param(g, e, id=f"{g}/{e}")


@pytest.fixture(scope="module")
def exp_arrays():
    return _exp_inputs()


@pytest.fixture(scope="module")
def big_100mb():
    return np.random.default_rng([_common.SEED, 41]).random(100 * 10**6 // 8)


@pytest.mark.parametrize("group_name, entry", list(_params()))
def test_tasks(benchmark, run_bench, request, pools, group_name, entry):
    benchmark.group = group_name
    if group_name == "tasks-overhead-threads-1e5":
        impl = build_overhead_threads(entry, pools)
        nbytes, expected = 0, list(range(1, N_TINY + 1))
    elif group_name == "tasks-overhead-processes-1e5":
        impl = build_overhead_processes(entry, pools)
        nbytes, expected = 0, list(range(1, N_TINY + 1))
    elif group_name == "tasks-kernel-64xexp-1e6":
        arrays = request.getfixturevalue("exp_arrays")
        impl = build_kernel(entry, pools, arrays)
        nbytes, expected = _common.input_bytes(arrays), None
    else:
        big = request.getfixturevalue("big_100mb")
        impl = build_big_argument(entry, pools, big)
        nbytes, expected = big.nbytes, [float(big[-1])]

    def check(result):
        result = list(result)
        if expected is not None:
            assert result == expected
        else:
            arrays = request.getfixturevalue("exp_arrays")
            assert len(result) == len(arrays)
            for i in (0, len(arrays) - 1):
                np.testing.assert_array_equal(result[i], _common.concore.exp(arrays[i]))

    _common.run_entry(benchmark, run_bench, entry, impl, nbytes, check)
