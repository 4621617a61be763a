"""The compute server under load: requests/s and latency at 1, 2, 4, 8, 16 clients.

One group per number of concurrent clients, ``server-evaluate-1e6-c<clients>``: each
client keeps one ``http.client`` connection to a ``python -m concore serve`` subprocess
on a loopback port and posts ``/v1/evaluate?expr=sum(sin(x)**2 + cos(x)**3 *
exp(-x*x/2))`` with x = 1e6 float64 (8 MB raw; see bench/load_server.py for why the
body is the array). Entries (servers):

    concore-all      default settings: the core budget decides each request's threads
    concore-1t       --kernel-threads 1
    concore-python   --backend python

The timed calls are the requests of one client, made while the other ``clients - 1``
clients post in a loop: the median is that client's p50 latency under the load.
``extra_info`` holds, over every client's requests in the window: ``rps``
(throughput), ``p50_ms``, ``p99_ms``, ``requests``, ``errors`` (every answer is checked
bit for bit against concore.evaluate on the server's backend). At the end the suite
prints a table and the issue's targets (not asserted: timings are not tests), and writes
them as JSON to ``$CONCORE_BENCH_SERVER_JSON`` when that is set.

    CONCORE_BENCH_QUICK=1 pytest bench/bench_server.py --benchmark-only
    python bench/load_server.py            # the same load without pytest
"""
import contextlib
import json
import os
import sys

import pytest

try:
    import _common
except ImportError:  # pytest --import-mode=importlib leaves bench/ off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common
import load_server as L

QUICK = os.environ.get("CONCORE_BENCH_QUICK", "") not in ("", "0")
DURATION = float(os.environ.get("CONCORE_BENCH_SERVER_SECONDS", "1.5" if QUICK else "4"))
WARMUP = 0.3 if QUICK else 1.0
N = 1_000_000
ENTRIES = {  # entry -> load_server config
    "concore-all": "default",
    "concore-1t": "kernel-threads-1",
    "concore-python": "python",
}


@pytest.fixture(scope="module")
def workload():
    if _common.concore is None:
        pytest.skip("concore does not import")
    x = L.make_input(N)
    return x, x.astype("<f8").tobytes()


@pytest.fixture(scope="module")
def results(request):
    """{(config, clients): stats}; printed (and saved) when the module is done."""
    res = {}
    yield res
    if not res:
        return
    text = [L.table(res)] + [f"{'PASS' if ok else 'MISS'}  {t}" for t, ok in L.targets(res)]
    tr = request.config.pluginmanager.get_plugin("terminalreporter")
    capman = request.config.pluginmanager.get_plugin("capturemanager")
    if tr is not None:
        # fixture teardown output is captured: print past the capture
        with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
            tr.write_line("")
            tr.write_line(f"concore server under load ({DURATION} s per cell; machine load "
                          f"average {os.getloadavg()[0]:.1f} at the end):")
            for line in "\n".join(text).splitlines():
                tr.write_line(line)
    path = os.environ.get("CONCORE_BENCH_SERVER_JSON")
    if path:
        with open(path, "w") as f:
            json.dump({"workload": L.PATH, "n": N, "cpus": len(os.sched_getaffinity(0)),
                       "loadavg_after": os.getloadavg(),
                       "results": [dict(config=k[0], clients=k[1], **v)
                                   for k, v in res.items()],
                       "targets": [{"target": t, "ok": ok} for t, ok in L.targets(res)]},
                      f, indent=1)


@pytest.fixture(scope="module")
def servers(workload):
    """config -> (ServerProcess, expected answer bits), started on first use."""
    started = {}

    def get(config):
        if config not in started:
            extra, backend = L.CONFIGS[config]
            if backend == "native":
                _common.need_native()
            started[config] = (L.ServerProcess(*extra), L.expected_answer(workload[0], backend))
        return started[config]

    yield get
    for srv, _ in started.values():
        rc = srv.stop()
        assert rc == 0, f"server exited with {rc} after SIGTERM"


@pytest.mark.parametrize("clients", L.CLIENTS)
@pytest.mark.parametrize("entry", list(ENTRIES))
def test_server_evaluate(benchmark, servers, workload, results, entry, clients):
    config = ENTRIES[entry]
    srv, expected = servers(config)
    benchmark.group = f"server-evaluate-1e6-c{clients}"
    with L.Load(srv.port, clients, workload[1], expected) as load:
        lat = [load.timed()]
        while sum(lat) < WARMUP:
            lat.append(load.timed())
        load.window_start()
        rounds = int(max(3, min(500, DURATION / min(lat))))
        benchmark.pedantic(load.timed, rounds=rounds, iterations=1, warmup_rounds=0)
        stats = load.stats()
    benchmark.extra_info.update(
        entry=entry, impl=f"python -m concore serve {' '.join(L.CONFIGS[config][0])}".strip(),
        threads=None, bytes=len(workload[1]), clients=clients, **stats)
    results[(config, clients)] = stats
    assert stats["errors"] == 0, stats["first_error"]
