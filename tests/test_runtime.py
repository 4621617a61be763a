"""Runtime: thread settings, the core budget, GIL release, fork, Ctrl-C, many callers."""
import os
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import concore
from concore import _config
from conftest import NATIVE, ctrl_c_latency_ms


def run_script(code, timeout=120, env=None):
    """Run Python code in a fresh interpreter; returns (rc, stdout+stderr).

    env: variables to set, or to remove where the value is None.
    """
    full_env = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            full_env.pop(k, None)
        else:
            full_env[k] = v
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=timeout, env=full_env)
    return p.returncode, p.stdout + p.stderr


def test_native_extension_present():
    """The compiled backend is there unless this is a deliberate pure-Python install."""
    if os.environ.get("CONCORE_PURE_PYTHON", "") not in ("", "0"):
        assert not NATIVE and concore.backend() == "python"
    else:
        assert NATIVE, "concore._native did not import"
        expected = os.environ.get("CONCORE_BACKEND") or "native"
        assert concore.backend() == expected


def test_use_backend_is_per_thread():
    seen = {}
    default = concore.backend()

    def other():
        seen["other"] = concore.backend()

    with concore.use_backend("python"):
        assert concore.backend() == "python"
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen["other"] == default
    assert concore.backend() == default
    with pytest.raises(ValueError):
        with concore.use_backend("fortran"):
            pass


def test_thread_settings(monkeypatch):
    monkeypatch.delenv("CONCORE_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cpus = _config._cpus()
    assert concore.get_num_threads() == cpus
    monkeypatch.setenv("OMP_NUM_THREADS", "3,2")
    assert concore.get_num_threads() == 3
    monkeypatch.setenv("CONCORE_NUM_THREADS", "5")
    assert concore.get_num_threads() == 5
    concore.set_num_threads(2)
    try:
        assert concore.get_num_threads() == 2
        with concore.threads(7):
            assert concore.get_num_threads() == 7
            box = []
            t = threading.Thread(target=lambda: box.append(concore.get_num_threads()))
            t.start()
            t.join()
            assert box == [2]  # threads() is for the current thread only
        assert concore.get_num_threads() == 2
        concore.set_num_threads(-1)
        assert concore.get_num_threads() == cpus
    finally:
        concore.set_num_threads(None)
    for bad in (0, 2.0, "2", True, 1.5):
        with pytest.raises(ValueError):
            concore.set_num_threads(bad)
    monkeypatch.setenv("CONCORE_NUM_THREADS", "zero")
    with pytest.raises(ValueError, match="CONCORE_NUM_THREADS"):
        concore.get_num_threads()


def test_available_cpus_respects_affinity():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no affinity API on this platform")
    assert _config._available_cpus() <= len(os.sched_getaffinity(0))
    rc, out = run_script("""
        import os, concore
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        print(concore.get_num_threads())
    """, env={"CONCORE_NUM_THREADS": None, "OMP_NUM_THREADS": None})
    assert rc == 0 and out.strip() == "1", out


def test_budget_shares_cores():
    cpus = _config._cpus()
    with _config.budget(cpus) as a:
        assert a == cpus  # alone: everything asked for
        with _config.budget(cpus) as b:
            assert b == 1  # nothing free: serial in its own thread
        assert _config.in_use() == cpus
    assert _config.in_use() == 0
    with _config.budget(cpus + 3) as c:  # a lone caller gets what it asks for
        assert c == cpus + 3


@pytest.mark.skipif(not NATIVE, reason="needs the native backend")
def test_many_callers_start_no_extra_threads(monkeypatch):
    """8 Python threads calling at once never run more OpenMP workers than cores."""
    cpus = _config._cpus()
    kernels = concore.reductions._kernels()
    lock = threading.Lock()
    state = {"workers": 0, "peak": 0, "calls": 0}

    class Counting:
        def __getattr__(self, name):
            f = getattr(kernels, name)

            def wrapped(*args):
                nt = args[-2]
                with lock:
                    state["workers"] += nt - 1
                    state["peak"] = max(state["peak"], state["workers"])
                    state["calls"] += 1
                try:
                    return f(*args)
                finally:
                    with lock:
                        state["workers"] -= nt - 1
            return wrapped

    monkeypatch.setattr(concore.reductions, "_kernels", lambda: Counting())
    x = np.random.default_rng(0).standard_normal(400_000)
    ref = np.sum(x)
    errors = []
    start = threading.Barrier(8)

    def worker():
        with concore.use_backend("native"):
            start.wait()
            for _ in range(20):
                if concore.sum(x) != ref:
                    errors.append("wrong")

    ts = [threading.Thread(target=worker) for _ in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert state["calls"] == 160
    assert state["peak"] <= cpus - 1, state


@pytest.mark.parametrize("fname", ["sum", "var", "argmax", "nanmin", "mean"])
def test_stress_16_threads_exact(fname, backend):
    rng = np.random.default_rng(11)
    data = [rng.standard_normal(50_000 + 1000 * i) for i in range(16)]
    data[3][17] = np.nan
    f, g = getattr(concore, fname), getattr(np, fname)
    refs = [np.asarray(g(d)).tobytes() for d in data]
    bad = []

    def worker(i):
        for _ in range(5):
            if np.asarray(f(data[i])).tobytes() != refs[i]:
                bad.append(i)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not bad


@pytest.mark.skipif(not NATIVE, reason="needs the native backend")
@pytest.mark.parametrize("n_threads", [1, 2])
def test_gil_released(n_threads):
    """Another Python thread keeps running while a long kernel runs."""
    big = np.broadcast_to(np.float64(1.0), (300_000_000,))  # no memory, ~0.3 s of work
    counter = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.05)
        with concore.use_backend("native"):
            before = counter[0]
            t0 = time.perf_counter()
            r = concore.sum(big, n_threads=n_threads)
            elapsed = time.perf_counter() - t0
            during = counter[0] - before
    finally:
        stop.set()
        t.join()
    assert r == 300_000_000.0
    # With the GIL held, the spinning thread could not have advanced at all.
    assert during > 1000, (during, elapsed)


@pytest.mark.skipif(not NATIVE, reason="needs the native backend")
def test_fork_after_parallel_call():
    rc, out = run_script("""
        import os, sys, numpy as np, concore, multiprocessing as mp
        x = np.random.default_rng(0).standard_normal(2_000_000)
        ref = np.sum(x)
        assert concore.sum(x, n_threads=2) == ref      # parent opens a parallel region
        pid = os.fork()
        if pid == 0:
            ok = concore.sum(x, n_threads=2) == ref and concore.var(x) == np.var(x)
            os._exit(0 if ok else 3)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status
        with mp.get_context("fork").Pool(2) as pool:
            assert pool.map(concore.sum, [x, x]) == [ref, ref]
        print("fork ok")
    """, timeout=120)
    assert rc == 0 and "fork ok" in out, out


@pytest.mark.skipif(not NATIVE or sys.platform == "win32", reason="needs native + POSIX signals")
@pytest.mark.parametrize("n_threads", [1, 2])
@pytest.mark.parametrize("fname", ["sum", "var", "argmax", "nanmin", "evaluate", "exp"])
def test_ctrl_c_interrupts_long_kernel(fname, n_threads):
    """SIGINT during a kernel of ~100 s raises KeyboardInterrupt promptly."""
    call = {
        "evaluate": f"concore.evaluate('sum(sin(big) * 2)', n_threads={n_threads})",
        # 10**9 outputs (8 GB, untouched but the first pages): stopped long before the end
        "exp": f"concore.exp(big[:10**9], out=np.empty(10**9), n_threads={n_threads})",
    }.get(fname, f"concore.{fname}(big, n_threads={n_threads})")
    latency = ctrl_c_latency_ms("""
        import numpy as np, concore
        big = np.broadcast_to(np.float64(1.0), (10**11,))   # ~100 s of work, no memory
    """, call, delay=0.5, timeout=60)
    print(f"Ctrl-C latency, {fname} with {n_threads} threads: {latency:.1f} ms")
    assert latency < 1000  # the poll runs every 50 ms; this only rules out "never"


def test_import_is_cheap_and_leaves_environment():
    rc, out = run_script("""
        import os, sys, threading
        before = threading.active_count()
        import concore
        # the extension loads at import (its fast paths become the public functions)
        # but starts no OpenMP thread before the first parallel call
        assert ("concore._native" in sys.modules) is (concore.backend() == "native")
        assert threading.active_count() == before
        import numpy as np
        concore.sum(np.ones(100_000), n_threads=2)
        assert "GOMP_SPINCOUNT" not in os.environ        # the user's environment is unchanged
        print("ok", concore.backend())
    """, env={"OMP_WAIT_POLICY": None, "GOMP_SPINCOUNT": None})
    assert rc == 0 and "ok" in out, out


def test_python_backend_by_environment_never_loads_the_extension():
    rc, out = run_script("""
        import sys
        import numpy as np
        import concore
        assert concore.backend() == "python"
        assert concore.sum(np.arange(10.0)) == 45.0
        assert "concore._native" not in sys.modules
        print("ok")
    """, env={"CONCORE_BACKEND": "python"})
    assert rc == 0 and "ok" in out, out


def test_show_config_and_cli():
    rc, out = run_script("import concore; concore.show_config()")
    assert rc == 0 and "backend" in out and "threads" in out and "grain_size" in out, out
    p = subprocess.run([sys.executable, "-m", "concore", "info"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0 and "openmp" in p.stdout
    p = subprocess.run([sys.executable, "-m", "concore", "demo", "-n", "300000"],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "bit-identical to NumPy" in p.stdout, p.stdout + p.stderr


@pytest.mark.skipif(not NATIVE, reason="needs the native backend")
def test_threadpoolctl_governs_concore():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    assert concore.register_threadpoolctl()
    info = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "concore"]
    assert len(info) == 1 and info[0]["num_threads"] == concore.get_num_threads()
    with threadpoolctl.threadpool_limits(1):
        assert concore.get_num_threads() == 1
    concore.set_num_threads(None)
