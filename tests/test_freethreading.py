"""Free-threaded CPython (3.13t): concore keeps the GIL off, and Python-level work in
several threads runs on several cores at once.

These tests run in `.ci/run` on an interpreter built by build_tools/freethreaded-python.sh;
on a GIL build they are skipped (the GIL itself is what they would measure).
Parallelism is shown by CPU time, not speed: while two threads run pure-Python code at
the same time, the process accumulates about twice as much CPU time as wall time; with a
GIL it can accumulate at most about as much. No timing threshold on speed is asserted.
"""
import hashlib
import importlib
import os
import pkgutil
import sys
import sysconfig
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

import concore

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
# .ci/run sets this for its free-threaded run, so these tests can never be skipped there.
if os.environ.get("CONCORE_REQUIRE_FREETHREADED", "") not in ("", "0") and not FREE_THREADED:
    raise RuntimeError("CONCORE_REQUIRE_FREETHREADED is set but this CPython has a GIL")
pytestmark = pytest.mark.skipif(not FREE_THREADED, reason="needs a free-threaded CPython build")


def _cpu_over_wall(work, n_threads=2):
    """Process CPU time over wall time while `work` runs in n_threads threads at once."""
    barrier = threading.Barrier(n_threads + 1)

    def body():
        barrier.wait()
        work()

    threads = [threading.Thread(target=body) for _ in range(n_threads)]
    for t in threads:
        t.start()
    barrier.wait()
    c0, w0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.join()
    return (time.process_time() - c0) / (time.perf_counter() - w0)


_BYTES = bytes(1 << 24)


def _gil_free_work():
    for _ in range(8):  # hashlib releases the GIL on large buffers: C code in both threads
        hashlib.sha256(_BYTES).digest()


def assert_scales(work, what, n_threads=2):
    """`work` run in n_threads threads (2, or 1 for a call that makes its own) gets about as many CPUs as GIL-free C code gets right now.

    The reference (two threads hashing) says how much parallelism the shared machine
    offers at this moment; a GIL would hold the Python threads to about 1 CPU."""
    best, avail = 0.0, 0.0
    for _ in range(3):
        avail = max(avail, _cpu_over_wall(_gil_free_work))
        best = max(best, _cpu_over_wall(work, n_threads))
        if avail > 1.4 and best > 1 + 0.6 * (avail - 1):
            return
    if avail <= 1.4:
        pytest.skip(f"two GIL-free threads got only {avail:.2f} CPUs: the machine is too busy "
                    f"to measure scaling")
    raise AssertionError(f"{what}: 2 threads used {best:.2f} CPUs where GIL-free C code "
                         f"used {avail:.2f}: the threads did not run in parallel")


def test_gil_stays_disabled_after_importing_every_module():
    import concore._native  # noqa: F401
    for mod in pkgutil.walk_packages(concore.__path__, "concore."):
        if mod.name.endswith("__main__") or mod.name == "concore.dask":
            continue
        importlib.import_module(mod.name)
    assert not sys._is_gil_enabled()


def _pure_python_work():
    total = 0
    for i in range(3_000_000):
        total += i * i % 7
    return total


def _ping_pong(me, turn, rounds, deadline):
    """Take `rounds` turns with the other player, spinning in pure Python while waiting.
    Under a GIL a spinning thread keeps the other one from running until the interpreter
    switches threads (every 5 ms, or never while sys.setswitchinterval is huge)."""
    for _ in range(rounds):
        while turn[0] != me:
            if time.perf_counter() > deadline:
                raise TimeoutError("the other worker did not run while this one was spinning")
        turn[0] = 1 - me
    return me


def test_parallel_map_threads_runs_python_code_at_the_same_time():
    from concore.tasks import parallel_map

    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)  # a GIL would now serialize the two spinning workers
    try:
        turn = [0]
        deadline = time.perf_counter() + 60
        out = parallel_map(lambda me: _ping_pong(me, turn, 2000, deadline), [0, 1],
                           n_workers=2, backend="threads", chunksize=1)
    finally:
        sys.setswitchinterval(old)
    assert out == [0, 1] and turn[0] == 0


def test_parallel_map_threads_scales_python_functions_on_two_cores():
    from concore.tasks import parallel_map

    items = list(range(4))
    expected = _pure_python_work()
    results = []

    def work():  # one call, two workers
        results.append(parallel_map(lambda i: (i, _pure_python_work()), items, n_workers=2,
                                    backend="threads"))

    assert_scales(_pure_python_work, "plain Python threads")
    assert_scales(work, "parallel_map(backend='threads')", n_threads=1)
    assert results and all(r == [(i, expected) for i in items] for r in results)


def test_python_backend_from_two_threads_runs_on_two_cores():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(20_000)
    expr = "sin(x)**2 + cos(x)**3 * exp(-x*x/2)"
    # NumPy's functions, except that concore's float64 x**3 is the correctly rounded
    # cube (NumPy's pow can be 1 ULP off): exact rational arithmetic gives it.
    cube = np.array([float(Fraction(v) ** 3) for v in np.cos(x).tolist()])
    want = np.sin(x) ** 2 + cube * np.exp(-x * x / 2)
    results = []

    def work():
        # Small blocks keep the pure-Python backend's interpreter loop (not NumPy) busy.
        with concore.use_backend("python"):
            for _ in range(100):
                got = concore.evaluate(expr, {"x": x}, n_threads=1)
        results.append(got)

    assert_scales(work, "the Python backend")
    assert len(results) >= 2
    for got in results:
        np.testing.assert_array_equal(got, want)
