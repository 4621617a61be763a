"""``python -m concore info | demo | serve``."""
import argparse
import sys
import time


def _best(f, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = f()
        best = min(best, time.perf_counter() - t0)
    return best, r


def demo(n=20_000_000, repeat=5):
    """Time a large reduction serially and in parallel, check it against NumPy."""
    import numpy as np

    import concore

    a = np.random.default_rng(42).standard_normal(n)
    nt = concore.get_num_threads()
    print(f"concore {concore.__version__}, backend {concore.backend()}, {nt} threads")
    print(f"array: {n:,} float64 ({a.nbytes / 1e6:.0f} MB)\n")
    ok = True
    for name in ("sum", "var", "argmax"):
        f_np = getattr(np, name)
        f_cc = getattr(concore, name)
        t_np, r_np = _best(lambda: f_np(a), repeat)
        t_1, r_1 = _best(lambda: f_cc(a, n_threads=1), repeat)
        t_n, r_n = _best(lambda: f_cc(a, n_threads=nt), repeat)
        same = np.asarray(r_np).tobytes() == np.asarray(r_1).tobytes() == np.asarray(r_n).tobytes()
        ok &= same
        print(f"{name:>7}: numpy {t_np * 1e3:7.2f} ms | concore 1 thread {t_1 * 1e3:7.2f} ms"
              f" | {nt} threads {t_n * 1e3:7.2f} ms | speedup vs numpy {t_np / t_n:4.2f}x"
              f" | {'bit-identical to NumPy' if same else 'DIFFERS from NumPy'}")
    b = np.random.default_rng(43).random(n)
    print()
    for expr, exact in (("2*a + 3*b - b*a", True), ("sin(a)**2 + cos(b)**2", False),
                        ("sum(a*b)", True)):
        ns = {"a": a, "b": b, "sin": np.sin, "cos": np.cos, "sum": np.sum}
        t_np, r_np = _best(lambda: eval(expr, {"__builtins__": {}}, ns), repeat)  # our literal
        t_1, r_1 = _best(lambda: concore.evaluate(expr, ns, n_threads=1), repeat)
        t_n, r_n = _best(lambda: concore.evaluate(expr, ns, n_threads=nt), repeat)
        if exact:
            good = np.array_equal(r_np, r_1) and np.array_equal(r_1, r_n)
            verdict = "bit-identical to NumPy" if good else "DIFFERS from NumPy"
        else:
            good = np.allclose(r_np, r_n, rtol=1e-14, atol=0) and np.array_equal(r_1, r_n)
            verdict = "within 1e-14 of NumPy" if good else "DIFFERS from NumPy"
        ok &= good
        print(f"evaluate({expr!r}): numpy {t_np * 1e3:7.2f} ms | concore 1 thread "
              f"{t_1 * 1e3:7.2f} ms | {nt} threads {t_n * 1e3:7.2f} ms | speedup vs numpy "
              f"{t_np / t_n:4.2f}x | {verdict}")
    return 0 if ok else 1


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m concore")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info", help="version, backend, OpenMP runtime, threads, CPU features")
    d = sub.add_parser("demo", help="time a large reduction serially and in parallel")
    d.add_argument("-n", type=int, default=20_000_000, help="array size")
    s = sub.add_parser("serve", help="run the threaded compute server (see concore.server)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free port)")
    s.add_argument("--threads", type=int, default=None,
                   help="requests computed at once (default: the CPUs, at least 2)")
    s.add_argument("--kernel-threads", type=int, default=None,
                   help="cap on one request's kernel threads (default: the core budget decides)")
    s.add_argument("--max-body", type=int, default=None,
                   help="largest request body in bytes (default 256 MiB)")
    s.add_argument("--timeout", type=float, default=None,
                   help="seconds a socket read or write may wait (default 30)")
    s.add_argument("--max-connections", type=int, default=None,
                   help="open connections at most (default max(64, 4 * threads))")
    s.add_argument("--backend", choices=("native", "python"), default=None,
                   help="backend for the requests (default: CONCORE_BACKEND or native)")
    s.add_argument("--quiet", action="store_true", help="no access log on stderr")
    args = p.parse_args(argv)
    if args.cmd == "info":
        from concore import show_config
        show_config()
        return 0
    if args.cmd == "serve":
        from concore import server
        kw = {k: v for k, v in (("threads", args.threads), ("kernel_threads", args.kernel_threads),
                                ("max_body", args.max_body), ("timeout", args.timeout),
                                ("max_connections", args.max_connections),
                                ("backend", args.backend)) if v is not None}
        try:
            return server.serve(args.host, args.port, log_requests=not args.quiet, **kw)
        except (ValueError, OSError, ImportError) as e:
            p.error(f"serve: {e}")
    return demo(args.n)


if __name__ == "__main__":
    sys.exit(main())
