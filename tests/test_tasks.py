"""concore.tasks: parallel_map and TaskPool on threads and processes.

Worker processes are interpreters started with spawn: the processes tests share one pool
(module fixture) and the error paths that could hang (worker death, Ctrl-C) run in a
child Python under a timeout, so that a hang fails the test instead of the run.
"""
import functools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import concore
from concore import _config, tasks
from concore.tasks import TaskPool, parallel_map

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


# ---------------------------------------------------------------- task functions
# Module level, so that worker processes can unpickle them (they import this module).

def square(x):
    return x * x


def fail_at_7(x):
    if x == 7:
        raise ValueError(f"bad item {x}")
    return x


class NeedsTwo(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def fail_two_args(x):
    raise NeedsTwo(x, "two")


def make_array(n):
    return np.arange(n, dtype=np.float64) * 0.5


def array_stats(a):
    return (a.dtype.str, a.shape, bool(a.flags.f_contiguous), float(np.sum(a, dtype=np.float64)))


def echo(a):
    return a


def worker_threads(_):
    return concore.get_num_threads()


def worker_backend(_):
    return concore.backend()


def concore_sum(args):
    a, n_threads = args
    return concore.sum(a, n_threads=n_threads)


def nested(x):
    # A call from inside a worker runs inline: no deadlock on a busy pool.
    return sum(parallel_map(square, range(x), backend="threads"))


def shm_names():
    try:
        return {n for n in os.listdir("/dev/shm") if n.startswith("concore_")}
    except FileNotFoundError:  # pragma: no cover - no /dev/shm on this platform
        return set()


def procs_threads():
    return concore.get_num_threads()


@pytest.fixture(scope="module")
def procs():
    """parallel_map's own 2-worker process pool, started once for the module."""
    pool = tasks._default_pool("processes", 2)
    assert pool.map(square, [3]) == [9]
    return pool


@pytest.fixture(params=["threads", "processes"])
def kind(request):
    if request.param == "processes":
        request.getfixturevalue("procs")
    return request.param


def run_child(code, timeout=90):
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=timeout)


# ---------------------------------------------------------------- ordering, chunking

@pytest.mark.parametrize("n", [0, 1, 2, 5, 17, 1000])
@pytest.mark.parametrize("chunksize", [None, 1, 3, 10_000])
def test_order(kind, n, chunksize):
    out = parallel_map(square, range(n), backend=kind, n_workers=2, chunksize=chunksize)
    assert isinstance(out, list)
    assert out == [x * x for x in range(n)]


def test_unordered_is_iterator(kind):
    it = parallel_map(square, range(100), backend=kind, n_workers=2, chunksize=7,
                      ordered=False)
    assert not isinstance(it, list)
    assert sorted(it) == [x * x for x in range(100)]


def sleep_then(x):
    time.sleep(x)
    return x


def test_unordered_yields_as_they_finish(kind):
    it = parallel_map(sleep_then, [0.5, 0.0, 0.0, 0.0], backend=kind, n_workers=2,
                      chunksize=1, ordered=False)
    got = list(it)
    assert sorted(got) == [0.0, 0.0, 0.0, 0.5]
    assert got[-1] == 0.5           # the slow first item comes last


def test_unordered_dropped_early():
    seen = []

    def work(x):
        time.sleep(0.001)
        seen.append(x)
        return x

    workers = 4   # explicit: each may finish the item it is on (16 did on a 16-core machine)
    it = parallel_map(work, range(2000), n_workers=workers, backend="threads", chunksize=10,
                      ordered=False)
    assert next(it) in range(2000)
    it.close()
    n = len(seen)
    time.sleep(0.1)
    # cancelled: the workers stop after the item they are on
    assert len(seen) <= n + workers and n < 2000


def test_auto_chunksize():
    assert tasks._auto_chunksize(100_000, 2, "threads") == 6250
    assert tasks._auto_chunksize(100_000, 2, "processes") == 12_500
    assert tasks._auto_chunksize(3, 4, "threads") == 1
    assert tasks._auto_chunksize(64, 2, "threads") == 4


@pytest.mark.parametrize("chunksize,expect", [(None, 16), (1000, 10), (1, 10_000)])
def test_chunks_per_queue_operation(monkeypatch, chunksize, expect):
    with TaskPool(2, "threads") as pool:
        pool.map(square, [0])
        puts = []
        real = pool._workers.put
        monkeypatch.setattr(pool._workers, "put",
                            lambda job, s, items: (puts.append(len(items)), real(job, s, items)))
        assert pool.map(square, range(10_000), chunksize=chunksize) == [
            x * x for x in range(10_000)]
    assert len(puts) == expect and sum(puts) == 10_000


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), max_size=300),
       st.one_of(st.none(), st.integers(1, 50)), st.booleans())
def test_property_threads(xs, chunksize, ordered):
    out = parallel_map(square, xs, backend="threads", chunksize=chunksize, ordered=ordered)
    expect = [x * x for x in xs]
    assert (out if ordered else sorted(out)) == (expect if ordered else sorted(expect))


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(-10**6, 10**6), max_size=100),
       st.one_of(st.none(), st.integers(1, 50)))
def test_property_processes(procs, xs, chunksize):
    assert procs.map(square, xs, chunksize=chunksize) == [x * x for x in xs]


# ---------------------------------------------------------------- errors

def test_error_index_and_cause(kind):
    with pytest.raises(ValueError, match=r"item 7 raised ValueError: bad item 7") as info:
        parallel_map(fail_at_7, range(20), backend=kind, n_workers=2, chunksize=3)
    err = info.value
    assert err.item_index == 7
    cause = err.__cause__
    assert type(cause) is ValueError and str(cause) == "bad item 7"
    if kind == "threads":
        import traceback
        frames = [f.name for f in traceback.extract_tb(cause.__traceback__)]
        assert "fail_at_7" in frames          # the worker's traceback
    else:
        remote = cause.__cause__
        assert isinstance(remote, tasks.RemoteTraceback)
        assert "fail_at_7" in str(remote) and "bad item 7" in str(remote)


def test_error_cancels_what_has_not_started():
    ran = []
    lock = threading.Lock()

    def work(x):
        if x == 0:
            raise KeyError("first")
        time.sleep(0.002)
        with lock:
            ran.append(x)

    with pytest.raises(KeyError, match="item 0"):
        parallel_map(work, range(2000), backend="threads", n_workers=2, chunksize=1)
    time.sleep(0.05)
    assert len(ran) < 100


def test_error_constructor_with_other_args(kind):
    with pytest.raises(NeedsTwo) as info:
        parallel_map(fail_two_args, [5], backend=kind, n_workers=2)
    assert info.value.args == (5, "two")
    assert any("item 0" in note for note in info.value.__notes__)


def test_unpicklable_func_is_typeerror(procs):
    with pytest.raises(TypeError, match="cannot be pickled"):
        parallel_map(lambda x: x, [1, 2], backend="processes", n_workers=2)

    def local(x):
        return x
    with pytest.raises(TypeError, match="backend='threads'"):
        procs.map(local, [1])
    assert procs.map(square, [4]) == [16]        # the pool still works


def test_unpicklable_item_is_typeerror(procs):
    with pytest.raises(TypeError, match="cannot be sent to a worker process"):
        procs.map(echo, [1, threading.Lock(), 3], chunksize=1)


def test_unpicklable_result_is_typeerror(procs):
    with pytest.raises(TypeError, match="item 1.*cannot be pickled"):
        procs.map(make_lock_at_1, [0, 1, 2], chunksize=3)


def make_lock_at_1(x):
    return threading.Lock() if x == 1 else x


def test_timeout_threads():
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="timeout=0.2"):
        parallel_map(time.sleep, [0.5] * 4, backend="threads", n_workers=2, chunksize=1,
                     timeout=0.2)
    assert time.monotonic() - t0 < 0.45


@pytest.mark.parametrize("bad", [
    dict(backend="gpu"), dict(chunksize=0), dict(chunksize=1.5), dict(n_workers=0),
    dict(timeout=-1), dict(timeout="soon"),
])
def test_bad_arguments(bad):
    with pytest.raises((ValueError, TypeError)) as info:
        parallel_map(square, [1], **bad)
    expect = TypeError if bad in (dict(chunksize=1.5), dict(timeout="soon")) else ValueError
    assert type(info.value) is expect
    with pytest.raises(TypeError, match="callable"):
        parallel_map(3, [1])


# Worker death and timeouts of processes could hang: they run in a child under a timeout.
DEATH = """
import os, signal, sys, time
sys.path.insert(0, {tests!r})
from concore import tasks
import test_tasks as T

with tasks.TaskPool(2, "processes") as pool:
    for f, want in ((T.exit_at_3, "exit code 7"), (T.segv_at_3, "SIGSEGV")):
        t0 = time.monotonic()
        try:
            pool.map(f, range(8), chunksize=1)
        except tasks.WorkerDied as e:
            assert isinstance(e, RuntimeError)
            assert want in str(e) and "items 3..3" in str(e), str(e)
        else:
            raise AssertionError("no WorkerDied")
        assert time.monotonic() - t0 < 20
        assert pool.map(T.square, range(5)) == [0, 1, 4, 9, 16]   # the pool recovers
    fut = pool.submit(T.exit_at_3, 3)
    try:
        fut.result(timeout=20)
    except tasks.WorkerDied:
        pass
    else:
        raise AssertionError("no WorkerDied from submit")
    t0 = time.monotonic()
    try:
        pool.map(time.sleep, [30, 30, 30], chunksize=1, timeout=0.5)
    except TimeoutError:
        pass
    assert time.monotonic() - t0 < 5
    assert pool.map(T.square, [3]) == [9]       # hung workers were replaced
print("DONE")
"""


def exit_at_3(x):
    if x == 3:
        os._exit(7)
    return x


def segv_at_3(x):
    if x == 3:
        os.kill(os.getpid(), signal.SIGSEGV)
    return x


def test_worker_death_and_timeout_in_child():
    before = shm_names()
    r = run_child(DEATH.format(tests=os.path.dirname(os.path.abspath(__file__))))
    assert r.returncode == 0 and "DONE" in r.stdout, r.stderr[-3000:]
    assert shm_names() <= before


def test_script_without_main_guard_fails_instead_of_hanging(tmp_path):
    """A script that calls parallel_map(processes) at import, with no
    `if __name__ == "__main__":`: every spawned worker runs the script again, where its
    own pool cannot start a process. It must end with an error, not wait forever."""
    script = tmp_path / "noguard.py"
    script.write_text("import concore\n"
                      "print(concore.parallel_map(abs, [-1, -2, -3], backend='processes',"
                      " n_workers=2))\n")
    env = dict(os.environ, PYTHONPATH=SRC + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode != 0, r.stdout
    assert "could not start a worker process" in r.stderr, r.stderr[-3000:]
    assert "__main__" in r.stderr, r.stderr[-3000:]


CTRL_C = """
import os, sys, time
import numpy as np
from concore import tasks
sys.path.insert(0, {tests!r})
import test_tasks as T
big = np.ones(1 << 18)   # 2 MiB: goes through shared memory
pool = tasks._default_pool({kind!r}, 2)
pool.map(len, [[1]])
print("READY", os.getpid(), *pool.worker_pids(), flush=True)
t0 = time.monotonic()
try:
    tasks.parallel_map(T.sleep_arg, [(60, big)] * 4, backend={kind!r}, n_workers=2,
                       chunksize=1)
except KeyboardInterrupt:
    print("INTERRUPTED", round(time.monotonic() - t0, 2), flush=True)
    raise
"""


@pytest.mark.parametrize("kind_", ["threads", "processes"])
def test_ctrl_c_stops_everything(kind_):
    env = dict(os.environ, PYTHONPATH=SRC)
    before = shm_names()
    code = CTRL_C.format(kind=kind_, tests=os.path.dirname(os.path.abspath(__file__)))
    p = subprocess.Popen([sys.executable, "-c", code], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        assert line.startswith("READY"), line + p.stderr.read()
        pids = [int(x) for x in line.split()[2:]]
        if kind_ == "processes":
            assert len(pids) >= 1
        time.sleep(0.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert "INTERRUPTED" in out and "KeyboardInterrupt" in err, err[-2000:]
    assert p.returncode != 0
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in pids if _alive(pid)]
        time.sleep(0.05)
    assert not alive, f"worker processes left behind: {alive}"
    assert shm_names() <= before


def sleep_arg(arg):
    time.sleep(arg[0])


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- shared memory

@pytest.mark.parametrize("arr", [
    np.arange(300_000, dtype=np.float64),
    np.arange(600_000, dtype=np.int32).reshape(600, 1000),
    np.asfortranarray(np.random.default_rng(1).random((500, 400))),
    np.arange(600_000, dtype=">f4"),
], ids=["f8", "i4-2d", "fortran", "big-endian"])
def test_shared_memory_arguments_and_results(procs, arr):
    before = shm_names()
    tasks.shared_memory_stats(reset=True)
    out = procs.map(echo, [arr, arr, arr[:10]], chunksize=1)
    stats = tasks.shared_memory_stats()
    assert stats["args"] == 1                  # copied once for the whole call
    assert stats["results"] == 2               # the two big results came back by segment
    assert stats["bytes"] == 3 * arr.nbytes
    for got, want in zip(out, [arr, arr, arr[:10]]):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.flags.f_contiguous == want.flags.f_contiguous
        np.testing.assert_array_equal(got, want)
    assert out[0].flags.writeable
    out[0][...] = 0                            # a private copy: the input is untouched
    assert arr.ravel()[5] != 0
    assert procs.map(array_stats, [arr]) == [array_stats(arr)]
    del out
    assert shm_names() <= before               # nothing left in /dev/shm


def _open_fds():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_big_argument_segment_is_freed_after_the_call(procs):
    """A big argument's segment keeps its descriptor until the call ends; its name is
    gone when map returns and the descriptor is closed (pages freed) soon after."""
    big = np.arange(3 << 20, dtype=np.float64)          # 24 MiB, above _CLOSE_LATER
    procs.map(array_stats, [np.arange(10.0)])
    before, fds = shm_names(), _open_fds()
    assert procs.map(array_stats, [big]) == [array_stats(big)]
    assert shm_names() <= before
    assert not tasks._open_segs
    deadline = time.monotonic() + 10
    while _open_fds() > fds and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _open_fds() <= fds


def test_small_arrays_are_pickled(procs):
    tasks.shared_memory_stats(reset=True)
    a = np.arange(1000.0)
    assert procs.map(array_stats, [a]) == [array_stats(a)]
    assert tasks.shared_memory_stats()["bytes"] == 0


def test_shm_threshold_none_pickles_everything():
    tasks.shared_memory_stats(reset=True)
    a = np.arange(300_000.0)
    with TaskPool(1, "processes", shm_threshold=None) as pool:
        assert pool.map(array_stats, [a]) == [array_stats(a)]
    assert tasks.shared_memory_stats()["bytes"] == 0


def test_shared_memory_released_on_error(procs):
    before = shm_names()
    a = np.arange(300_000.0)
    with pytest.raises(ValueError, match="item 7"):
        procs.map(fail_or_echo, [(i, a) for i in range(12)], chunksize=2)
    time.sleep(0.2)   # let the other worker's results arrive and be released
    assert shm_names() <= before


def fail_or_echo(arg):
    i, a = arg
    if i == 7:
        raise ValueError("seven")
    return a


def test_big_results_from_submit(procs):
    before = shm_names()
    fut = procs.submit(make_array, 500_000)
    np.testing.assert_array_equal(fut.result(timeout=60), make_array(500_000))
    assert shm_names() <= before


# ---------------------------------------------------------------- core budget

def test_each_worker_gets_its_share(monkeypatch, procs):
    # the worker processes: T threads here, 2 workers -> T // 2 each (at least 1)
    assert procs.kernel_threads == max(1, procs_threads() // 2)
    assert set(procs.map(worker_threads, range(4), chunksize=1)) == {procs.kernel_threads}
    monkeypatch.setitem(_config._state, "cpus", 4)
    monkeypatch.setitem(_config._state, "user", None)
    monkeypatch.delenv("CONCORE_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    with TaskPool(2, "threads") as pool:
        assert pool.kernel_threads == 2
        assert set(pool.map(worker_threads, range(8))) == {2}
    with TaskPool(3, "threads") as pool:
        assert set(pool.map(worker_threads, range(8))) == {1}
    with concore.threads(1):
        with TaskPool(1, "threads") as pool:
            assert pool.map(worker_threads, range(2)) == [1, 1]


def test_budget_never_exceeded(monkeypatch):
    # Pretend to have 4 cores: 2 workers of 2 threads each must never take more than 4
    # from the budget, whatever the timing (on their own, each kernel would ask for all 4).
    monkeypatch.setitem(_config._state, "cpus", 4)
    monkeypatch.setitem(_config._state, "user", None)
    monkeypatch.delenv("CONCORE_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    a = np.random.default_rng(2).random(1 << 18)
    _config.peak_in_use(reset=True)
    with TaskPool(2, "threads") as pool:
        out = pool.map(concore_sum, [(a, None)] * 64, chunksize=1)
    peak = _config.peak_in_use(reset=True)
    assert 2 <= peak <= 4
    assert all(x == out[0] for x in out) and out[0] == np.sum(a)
    assert _config.in_use() == 0


@pytest.mark.parametrize("n_threads", [1, 3])
def test_concore_kernels_in_workers(backend, n_threads, kind, small_grain):
    a = np.random.default_rng(3).random(100_003)
    out = parallel_map(concore_sum, [(a, n_threads)] * 6, backend=kind, n_workers=2)
    with concore.use_backend(backend):
        ref = concore.sum(a, n_threads=1)
    assert all(x == ref for x in out)
    assert ref == np.sum(a)


def test_backend_propagates(backend, kind):
    out = parallel_map(worker_backend, range(4), backend=kind, n_workers=2, chunksize=1)
    assert out == [backend] * 4


# ---------------------------------------------------------------- TaskPool

def test_taskpool_threads_reuses_workers():
    with TaskPool(2, "threads") as pool:
        a = set(pool.map(_thread_id, range(200), chunksize=1))
        b = set(pool.map(_thread_id, range(200), chunksize=1))
        assert a | b <= {t.ident for t in pool._workers.threads}
        futs = [pool.submit(square, i) for i in range(10)]
        assert [f.result() for f in futs] == [i * i for i in range(10)]
        f = pool.submit(divmod, 7, 2)
        assert f.result() == (3, 1)
        g = pool.submit(fail_at_7, 7)
        with pytest.raises(ValueError, match="bad item 7"):
            g.result()
    with pytest.raises(RuntimeError, match="after shutdown"):
        pool.submit(square, 1)


def _thread_id(_):
    return threading.get_ident()


def test_taskpool_processes_reuses_workers(procs):
    pids = set(procs.worker_pids())
    assert len(pids) == 2
    got = set(procs.map(_pid, range(50), chunksize=1))
    assert got <= pids and set(procs.worker_pids()) == pids
    assert procs.submit(_pid, 0).result(timeout=60) in pids


def _pid(_):
    return os.getpid()


def test_repr_and_auto_choice(monkeypatch):
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: True, raising=False)  # as on a GIL build
    pool = TaskPool(2)
    assert "undecided" in repr(pool) and pool.backend is None
    pool.map(concore.sum, [np.ones(3)])
    assert pool.backend == "threads"
    assert "backend='threads'" in repr(pool) and "concore function" in repr(pool)
    pool.shutdown()
    assert "closed" in repr(pool)
    assert tasks._choose(square)[0] == "processes"
    assert "GIL is enabled" in tasks._choose(square)[1]
    assert tasks._choose(concore.exp)[0] == "threads"
    assert tasks._choose(functools.partial(concore.sum, axis=0))[0] == "threads"
    assert TaskPool(2, "processes").backend == "processes"
    monkeypatch.setattr(sys, "_is_gil_enabled", lambda: False, raising=False)
    assert tasks._choose(square) == ("threads", "free-threaded CPython (the GIL is disabled)")
    ft = TaskPool(2)
    assert ft.backend == "threads" and "free-threaded" in repr(ft)


def test_auto_map_uses_threads_for_concore():
    a = np.random.default_rng(4).random(1000)
    out = parallel_map(concore.exp, [a, a])
    for x in out:
        np.testing.assert_array_equal(x, concore.exp(a))
    assert ("threads", None, concore.get_num_threads()) in tasks._default_pools


def test_nested_call_runs_inline():
    assert parallel_map(nested, [10, 20], backend="threads", n_workers=2) == [
        sum(x * x for x in range(10)), sum(x * x for x in range(20))]
    with TaskPool(1, "threads") as pool:
        # the only worker maps on its own pool: inline, not a deadlock
        fut = pool.submit(lambda: pool.map(square, range(5)))
        assert fut.result(timeout=10) == [0, 1, 4, 9, 16]


def raise_stop(x):
    raise StopIteration(x)


def test_stopiteration_becomes_runtimeerror():
    # unordered: either item may be the first to fail
    with pytest.raises(RuntimeError, match=r"item [01] raised StopIteration") as info:
        list(parallel_map(raise_stop, [1, 2], backend="threads", ordered=False))
    assert type(info.value.__cause__) is StopIteration


def test_shutdown_cancel_futures():
    pool = TaskPool(1, "threads")
    gate = threading.Event()
    first = pool.submit(gate.wait, 10)
    rest = [pool.submit(square, i) for i in range(5)]
    time.sleep(0.05)
    pool.shutdown(wait=False, cancel_futures=True)
    gate.set()
    assert first.result(timeout=10) is True
    assert all(f.cancelled() for f in rest)


# ---------------------------------------------------------------- progress

def test_progress_tqdm(capsys):
    pytest.importorskip("tqdm")
    assert parallel_map(square, range(50), backend="threads", progress=True) == [
        x * x for x in range(50)]
    assert "50/50" in capsys.readouterr().err


def test_progress_plain_counter(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    assert parallel_map(square, range(50), backend="threads", progress=True) == [
        x * x for x in range(50)]
    err = capsys.readouterr().err
    assert "parallel_map: 50/50" in err and err.endswith("\n")
