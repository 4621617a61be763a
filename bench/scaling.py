"""Thread scaling of concore's kernels: each workload timed at several thread counts.

    python bench/scaling.py --threads 1,2,4,8,16 --json scaling.json --markdown scaling.md

One process builds each input once, times NumPy once and concore at every thread count
(``n_threads=k``): the median of repeated calls after one untimed warm-up call. The
workloads are those of the bench_*.py suites (named the same), plus ``sum`` and ``cumsum``
at 1e8. Every concore result is compared with NumPy's (bit for bit where concore promises
it, else to a tolerance) and with its own 1-thread result bit for bit (determinism); a
mismatch is reported in the table, never hidden. Use ``-k sort`` to run only the workloads
whose name contains "sort".

This is a measurement, not a test: on a machine with few cores the larger counts only
oversubscribe. pytest-benchmark (``pytest bench``) stays the place for side-by-side peers.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

import concore

N = 10**7


class Workload:
    """``make(rng)`` -> args; ``cc(args, k)`` and ``ref(args)`` the concore and NumPy
    calls; ``check`` is "bits" (identical), "close" (rtol 1e-12) or a function;
    ``timed`` the NumPy call timed when it is not ``ref`` (sort: NumPy's fastest)."""

    def __init__(self, name, make, cc, ref, check="bits", timed=None):
        self.name, self.make, self.cc, self.ref, self.check = name, make, cc, ref, check
        self.timed = timed or ref


def _u(rng, n=N):
    return rng.random(n)


def _kth_check(r, ref, args):
    k = args[1]
    return r[k] == ref[k] and r[:k].max() <= r[k] <= r[k + 1:].min()


EDGES = np.linspace(0.0, 1.0, 101) ** 2  # uneven edges: the binary-search path
W = Workload
WORKLOADS = [
    # reductions
    W("sum-1e7", lambda r: (_u(r),), lambda a, k: concore.sum(a[0], n_threads=k),
      lambda a: np.sum(a[0]), "close"),
    W("sum-1e8", lambda r: (_u(r, 10**8),), lambda a, k: concore.sum(a[0], n_threads=k),
      lambda a: np.sum(a[0]), "close"),
    W("var-1e7", lambda r: (_u(r),), lambda a, k: concore.var(a[0], n_threads=k),
      lambda a: np.var(a[0]), "close"),
    W("argmax-1e7", lambda r: (_u(r),), lambda a, k: concore.argmax(a[0], n_threads=k),
      lambda a: np.argmax(a[0])),
    W("dot-1e7", lambda r: (_u(r), _u(r)), lambda a, k: concore.dot(*a, n_threads=k),
      lambda a: np.dot(*a), "close"),
    W("sum-axis0-2d", lambda r: (r.random((3162, 3162)),),
      lambda a, k: concore.sum(a[0], axis=0, n_threads=k), lambda a: np.sum(a[0], axis=0),
      "close"),
    # elementwise and expressions
    W("exp-f64-1e7", lambda r: (_u(r) * 20 - 10,), lambda a, k: concore.exp(a[0], n_threads=k),
      lambda a: np.exp(a[0]), "close"),
    W("sin-f64-1e7", lambda r: (_u(r) * 200 - 100,),
      lambda a, k: concore.sin(a[0], n_threads=k), lambda a: np.sin(a[0]), "close"),
    W("exp-f32-1e7", lambda r: (r.random(N, dtype=np.float32) * 20 - 10,),
      lambda a, k: concore.exp(a[0], n_threads=k), lambda a: np.exp(a[0]),
      lambda r, ref, a: np.allclose(r, ref, rtol=1e-6, atol=0)),
    W("sqrt-f64-1e7", lambda r: (_u(r),), lambda a, k: concore.sqrt(a[0], n_threads=k),
      lambda a: np.sqrt(a[0])),
    W("expr-2a3bca", lambda r: (_u(r), _u(r), _u(r)),
      lambda a, k: concore.evaluate("2*a + 3*b - c*a", dict(zip("abc", a)), n_threads=k),
      lambda a: 2 * a[0] + 3 * a[1] - a[2] * a[0]),
    W("expr-sin2cos2", lambda r: (_u(r), _u(r)),
      lambda a, k: concore.evaluate("sin(a)**2 + cos(b)**2", dict(zip("ab", a)), n_threads=k),
      lambda a: np.sin(a[0]) ** 2 + np.cos(a[1]) ** 2, "close"),
    W("expr-sumab", lambda r: (_u(r), _u(r)),
      lambda a, k: concore.evaluate("sum(a*b)", dict(zip("ab", a)), n_threads=k),
      lambda a: np.sum(a[0] * a[1]), "close"),
    # scans
    W("cumsum-1e7", lambda r: (_u(r),), lambda a, k: concore.cumsum(a[0], n_threads=k),
      lambda a: np.cumsum(a[0]), "close"),
    W("cumsum-1e8", lambda r: (_u(r, 10**8),), lambda a, k: concore.cumsum(a[0], n_threads=k),
      lambda a: np.cumsum(a[0]), "close"),
    # sorting
    # sort: the result is NumPy's stable sort; the time is NumPy's default sort, its
    # fastest (AVX-512 quicksort where the CPU has it)
    W("sort-f64-1e7", lambda r: (_u(r),), lambda a, k: concore.sort(a[0], n_threads=k),
      lambda a: np.sort(a[0], kind="stable"), timed=lambda a: np.sort(a[0])),
    W("sort-i64-1e7", lambda r: (r.integers(-2**63, 2**63 - 1, N, endpoint=True),),
      lambda a, k: concore.sort(a[0], n_threads=k), lambda a: np.sort(a[0], kind="stable"),
      timed=lambda a: np.sort(a[0])),
    W("argsort-stable-f64-1e7", lambda r: (_u(r),),
      lambda a, k: concore.argsort(a[0], kind="stable", n_threads=k),
      lambda a: np.argsort(a[0], kind="stable")),
    W("argsort-stable-i64-1e7-near-zero",
      lambda r: (np.round(r.standard_normal(N) * 1e6).astype(np.int64),),
      lambda a, k: concore.argsort(a[0], kind="stable", n_threads=k),
      lambda a: np.argsort(a[0], kind="stable")),
    W("argsort-stable-f64-normal-1e7", lambda r: (r.standard_normal(N),),
      lambda a, k: concore.argsort(a[0], kind="stable", n_threads=k),
      lambda a: np.argsort(a[0], kind="stable")),
    W("unique-inverse-i64-1e7-repeats", lambda r: (r.integers(0, 1000, N),),
      lambda a, k: concore.unique(a[0], return_inverse=True, n_threads=k)[1],
      lambda a: np.unique(a[0], return_inverse=True)[1]),
    W("sort-f64-rows-1e5x100", lambda r: (r.random((N // 100, 100)),),
      lambda a, k: concore.sort(a[0], n_threads=k), lambda a: np.sort(a[0], kind="stable"),
      timed=lambda a: np.sort(a[0])),
    W("argsort-stable-f64-rows-1e6x10", lambda r: (r.random((N // 10, 10)),),
      lambda a, k: concore.argsort(a[0], kind="stable", n_threads=k),
      lambda a: np.argsort(a[0], kind="stable")),
    W("searchsorted-1e6-in-1e7", lambda r: (np.sort(_u(r)), _u(r, N // 10)),
      lambda a, k: concore.searchsorted(*a, n_threads=k), lambda a: np.searchsorted(*a)),
    W("unique-i64-1e7-repeats", lambda r: (r.integers(0, 1000, N),),
      lambda a, k: concore.unique(a[0], n_threads=k), lambda a: np.unique(a[0])),
    # selection
    W("median-f64", lambda r: (_u(r),), lambda a, k: concore.median(a[0], n_threads=k),
      lambda a: np.median(a[0])),
    W("percentile-f64", lambda r: (_u(r),),
      lambda a, k: concore.percentile(a[0], [1, 25, 50, 75, 99], n_threads=k),
      lambda a: np.percentile(a[0], [1, 25, 50, 75, 99])),
    W("partition-f64", lambda r: (_u(r), N // 3),
      lambda a, k: concore.partition(*a, n_threads=k), lambda a: np.partition(*a),
      _kth_check),
    W("partition-rows-1e6x10", lambda r: (r.random((N // 10, 10)), 5),
      lambda a, k: concore.partition(*a, n_threads=k), lambda a: np.partition(*a),
      lambda r, ref, a: bool(np.array_equal(r[:, 5], ref[:, 5])
                             and (r[:, :5].max(1) <= r[:, 5]).all()
                             and (r[:, 6:].min(1) >= r[:, 5]).all())),
    W("median-axis1", lambda r: (r.random((1000, 10000)),),
      lambda a, k: concore.median(a[0], axis=1, n_threads=k),
      lambda a: np.median(a[0], axis=1)),
    # histograms
    W("hist-uniform-1e7", lambda r: (_u(r),),
      lambda a, k: concore.histogram(a[0], 100, range=(0.0, 1.0), n_threads=k)[0],
      lambda a: np.histogram(a[0], 100, range=(0.0, 1.0))[0]),
    W("hist-edges-1e7", lambda r: (_u(r),),
      lambda a, k: concore.histogram(a[0], EDGES, n_threads=k)[0],
      lambda a: np.histogram(a[0], EDGES)[0]),
    W("hist-weighted-1e7", lambda r: (_u(r), _u(r)),
      lambda a, k: concore.histogram(a[0], 100, range=(0.0, 1.0), weights=a[1],
                                     n_threads=k)[0],
      lambda a: np.histogram(a[0], 100, range=(0.0, 1.0), weights=a[1])[0], "close"),
    W("hist2d-1e7", lambda r: (_u(r), _u(r)),
      lambda a, k: concore.histogram2d(*a, 100, range=[[0, 1], [0, 1]], n_threads=k)[0],
      lambda a: np.histogram2d(*a, 100, range=[[0, 1], [0, 1]])[0]),
    W("bincount-1e7", lambda r: (r.integers(0, 1000, N),),
      lambda a, k: concore.bincount(a[0], n_threads=k), lambda a: np.bincount(a[0])),
    W("digitize-1e7", lambda r: (_u(r),), lambda a, k: concore.digitize(a[0], EDGES, n_threads=k),
      lambda a: np.digitize(a[0], EDGES)),
]


def _bits(x):
    return np.asarray(x).tobytes()


def _agrees(w, r, ref, args):
    r, ref = np.asarray(r), np.asarray(ref)
    if callable(w.check):
        return bool(w.check(r, ref, args))
    if r.shape != ref.shape:
        return False
    if w.check == "bits":
        return r.dtype == ref.dtype and _bits(r) == _bits(ref)
    return bool(np.allclose(r, ref, rtol=1e-12, atol=0, equal_nan=True))


def _median_time(fn, budget, max_reps):
    fn()  # warm-up: pages, thread pool, caches
    times = []
    t_end = time.perf_counter() + budget
    while len(times) < 3 or (len(times) < max_reps and time.perf_counter() < t_end):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), times


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run(threads, budget, max_reps, select, log=print):
    rng_seed = 20240607
    results = []
    for i, w in enumerate(WORKLOADS):
        if select and not any(s in w.name for s in select):
            continue
        args = w.make(np.random.default_rng([rng_seed, i]))
        t_np, _ = _median_time(lambda: w.timed(args), budget, max_reps)
        ref = w.ref(args)
        row = {"name": w.name, "numpy_s": t_np, "concore_s": {}, "agrees": {},
               "deterministic": {}}
        first = None
        for k in threads:
            t, times = _median_time(lambda: w.cc(args, k), budget, max_reps)
            r = w.cc(args, k)
            row["concore_s"][k] = t
            row["agrees"][k] = _agrees(w, r, ref, args)
            if first is None:
                first = _bits(r)
            row["deterministic"][k] = _bits(r) == first
            log(f"{w.name:32s} k={k:2d} {t * 1e3:9.2f} ms  numpy {t_np * 1e3:9.2f} ms  "
                f"x{t_np / t:6.2f}  agrees={row['agrees'][k]} same-as-1t={row['deterministic'][k]}")
        results.append(row)
        args = ref = None  # free the inputs before the next workload
    return results


def markdown(results, threads, header):
    kmax = threads[-1]
    lines = [header, "",
             "| workload | NumPy ms | " + " | ".join(f"{k} thr ms" for k in threads)
             + f" | {kmax} vs 1 thr | vs NumPy at {kmax} | checks |",
             "|---|---:|" + "---:|" * len(threads) + "---:|---:|---|"]
    for row in results:
        cs = row["concore_s"]
        ok = all(row["agrees"].values()) and all(row["deterministic"].values())
        bad = [f"k={k}: {'wrong' if not row['agrees'][k] else 'differs from 1 thread'}"
               for k in threads if not (row["agrees"][k] and row["deterministic"][k])]
        lines.append(
            f"| {row['name']} | {row['numpy_s'] * 1e3:.2f} | "
            + " | ".join(f"{cs[k] * 1e3:.2f}" for k in threads)
            + f" | {cs[threads[0]] / cs[kmax]:.2f}x | {row['numpy_s'] / cs[kmax]:.2f}x | "
            + ("ok" if ok else "; ".join(bad)) + " |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", default="1,2,4,8,16",
                   help="comma-separated thread counts, ascending (default 1,2,4,8,16)")
    p.add_argument("--budget", type=float, default=0.3,
                   help="seconds of timed calls per measurement (default 0.3; at least 3 calls)")
    p.add_argument("--max-reps", type=int, default=15)
    p.add_argument("-k", dest="select", action="append", default=[],
                   help="run only workloads whose name contains this (repeatable)")
    p.add_argument("--json")
    p.add_argument("--markdown")
    opts = p.parse_args(argv)
    threads = sorted({int(t) for t in opts.threads.split(",")})
    if concore.backend() != "native":
        sys.exit("bench/scaling.py: concore's native backend is not active (build it first)")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    header = (f"concore thread scaling on {_cpu_model()} ({cpus} CPUs), Python "
              f"{platform.python_version()}, NumPy {np.__version__}; medians of "
              f"{opts.budget:g} s of calls (at least 3); 'vs NumPy' = NumPy time / concore time "
              "(sort: NumPy's default kind; argsort: NumPy's stable kind, the same result)")
    print(header, flush=True)
    results = run(threads, opts.budget, opts.max_reps, opts.select,
                  log=lambda s: print(s, flush=True))
    md = markdown(results, threads, header)
    print(md)
    if opts.markdown:
        with open(opts.markdown, "w") as f:
            f.write(md)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"header": header, "threads": threads, "results": results}, f, indent=1)
    failed = [r["name"] for r in results
              if not (all(r["agrees"].values()) and all(r["deterministic"].values()))]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
