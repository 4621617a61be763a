"""Stress: 32 Python threads making thousands of mixed concore calls of random sizes at once.

Every result is checked bit for bit: against NumPy where concore promises NumPy's bits
(the reductions, arithmetic ``evaluate``), else against concore's own serial result
computed beforehand (exp/sin use concore's vector math; cumsum's blocked path is not
NumPy's order), which must not depend on the thread count or on the other callers.
A watchdog fails the test instead of hanging on a deadlock, and the resident memory after
a second round must stay where the first (warm-up) round left it.
"""
import ctypes
import gc
import os
import random
import threading
import time

import numpy as np

import concore
from concore import _config

N_THREADS = 32
WATCHDOG_S = 240

# name -> (call(a, n_threads), exact NumPy reference or None when the serial concore
# result is the reference)
OPS = {
    "sum": (lambda a, t: concore.sum(a, n_threads=t), np.sum),
    "mean": (lambda a, t: concore.mean(a, n_threads=t), np.mean),
    "std": (lambda a, t: concore.std(a, n_threads=t), np.std),
    "min": (lambda a, t: concore.min(a, n_threads=t), np.min),
    "max": (lambda a, t: concore.max(a, n_threads=t), np.max),
    "argmax": (lambda a, t: concore.argmax(a, n_threads=t), np.argmax),
    "exp": (lambda a, t: concore.exp(a, n_threads=t), None),
    "sin": (lambda a, t: concore.sin(a, n_threads=t), None),
    "cumsum": (lambda a, t: concore.cumsum(a, n_threads=t), None),
    "evaluate": (lambda a, t: concore.evaluate("2*x + x*x - 0.5", {"x": a}, n_threads=t),
                 lambda a: 2 * a + a * a - 0.5),
    "evaluate_sum": (lambda a, t: concore.evaluate("sum(sin(x)**2 + x*x)", {"x": a},
                                                   n_threads=t), None),
    # Python scalar operands (the compiled fast path converts them per call) and power,
    # whose programs are chosen by the exponent's value
    "add_scalar": (lambda a, t: concore.add(a, 1.5, n_threads=t), lambda a: a + 1.5),
    "clip": (lambda a, t: concore.clip(a, -1.0, 0.5, n_threads=t),
             lambda a: np.clip(a, -1.0, 0.5)),
    "where": (lambda a, t: concore.where(a > 0, a, 0.0, n_threads=t),
              lambda a: np.where(a > 0, a, 0.0)),
    "square": (lambda a, t: concore.power(a, 2.0, n_threads=t), lambda a: a ** 2.0),
    "power": (lambda a, t: concore.power(a, 2.5, n_threads=t), None),
}
# Sizes around the grain and block boundaries, plus random ones.
SIZES = [1, 7, 100, 4159, 4160, 4161, _config.GRAIN - 1, _config.GRAIN, _config.GRAIN + 1,
         65_537, 100_003, 250_000]


def _rss_bytes():
    """Resident memory after glibc returned its free heap pages: 32 threads get up to
    32 malloc arenas, whose free memory would otherwise count as growth."""
    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _same(got, want):
    got, want = np.asarray(got), np.asarray(want)
    return got.dtype == want.dtype and got.shape == want.shape and (
        got.tobytes() == want.tobytes())


def _cases(seed):
    rng = np.random.default_rng(seed)
    sizes = SIZES + [int(n) for n in rng.integers(1, 300_000, 8)]
    arrays = []
    for n in sizes:
        a = rng.standard_normal(n) * 3.0
        arrays.append(a)
    cases = []
    for a in arrays:
        for name, (call, ref) in OPS.items():
            serial = call(a, 1)
            if ref is not None:
                want = ref(a)
                assert _same(serial, want), (name, a.size)
            else:
                want = serial
                # sanity: the serial result is right too (a scan's error grows with the
                # running sum of magnitudes, hence the absolute tolerance)
                atol = 1e-13 * float(np.sum(np.abs(a))) if name == "cumsum" else 0.0
                np.testing.assert_allclose(serial, _numpy_value(name, a), rtol=1e-12,
                                           atol=atol)
            cases.append((name, call, a, want))
    return cases


def _numpy_value(name, a):
    if name == "evaluate_sum":
        return np.sum(np.sin(a) ** 2 + a * a)
    if name == "power":
        with np.errstate(invalid="ignore"):     # negative bases: NaN, as concore's
            return np.power(a, 2.5)
    return getattr(np, name)(a)


def _hammer(cases, calls_per_thread, seed, backend):
    failures = []
    done = [0]
    lock = threading.Lock()

    def work(k):
        rnd = random.Random(seed * 1000 + k)
        try:
            # the backend is a per-thread setting: each caller picks the one under test
            with concore.use_backend(backend):
                _calls(rnd)
        except BaseException as e:  # noqa: B902 - report anything, never hang
            with lock:
                failures.append(("exception", repr(e), k))
        with lock:
            done[0] += 1

    def _calls(rnd):
        for _ in range(calls_per_thread):
            name, call, a, want = rnd.choice(cases)
            t = rnd.choice((None, 1, 2, 3))
            got = call(a, t)
            if not _same(got, want):
                with lock:
                    failures.append((name, a.size, t))

    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(N_THREADS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + WATCHDOG_S
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t for t in threads if t.is_alive()]
    assert not alive, f"deadlock? {len(alive)} of {N_THREADS} threads still running"
    assert done[0] == N_THREADS
    return failures


def test_32_threads_mixed_kernels(backend):
    # 32 x 100 checked calls (native); the reference backend is slower: 32 x 40
    calls = 100 if backend == "native" else 40
    cases = _cases(seed=11)
    # Warm-up as long as the measured round: pools, caches, and the allocator's high-water
    # mark of memory live at once (a shorter warm-up read as growth in one CI run).
    failures = _hammer(cases, calls, seed=1, backend=backend)
    assert not failures, failures[:10]
    rss0 = _rss_bytes()
    failures = _hammer(cases, calls, seed=2, backend=backend)          # 32 x calls checked results
    rss1 = _rss_bytes()
    assert not failures, failures[:10]
    # Every call gave back what it took from the core budget.
    assert _config.in_use() == 0
    # Inputs are about 16 MB in all; a leak of the per-call outputs (up to 2 MB each, 1280
    # to 3200 calls) would add gigabytes. Allow the allocator's fragmentation some slack.
    assert rss1 - rss0 < 256 << 20, (rss0, rss1)
