import os
import subprocess
import sys
import textwrap

import pytest

import concore
from concore import _config


def _native_available():
    try:
        _config._load_backend("native")
    except ImportError:
        return False
    return True


NATIVE = _native_available()
BACKENDS = ["native", "python"] if NATIVE else ["python"]


def pytest_report_header(config):
    return (f"concore {concore.__version__}: backends under test {BACKENDS}, "
            f"default {concore.backend()}, {concore.get_num_threads()} threads")


@pytest.fixture(params=BACKENDS)
def backend(request):
    with concore.use_backend(request.param):
        yield request.param


@pytest.fixture(params=[1, 2, 3])
def n_threads(request):
    return request.param


@pytest.fixture
def small_grain(monkeypatch):
    """Send even small inputs down the parallel paths (and not down the fast paths of
    the common call, which never go parallel)."""
    monkeypatch.setattr(_config, "GRAIN", 16)
    with _config.fast_paths(False):
        yield


def ctrl_c_latency_ms(setup, call, delay=0.5, timeout=120):
    """Run ``setup`` then ``call`` (Python source) in a fresh interpreter on the native
    backend while another thread sends the process SIGINT after ``delay`` seconds;
    return how long after the signal KeyboardInterrupt reached the caller (ms). Fails
    the test when the run ends without it or the process does not exit cleanly."""
    code = textwrap.dedent(setup) + textwrap.dedent("""
        import os as _os, signal as _signal, threading as _threading, time as _time
        _sent = []
        def _interrupt():
            _time.sleep(%r)
            _sent.append(_time.perf_counter())
            _os.kill(_os.getpid(), _signal.SIGINT)
        _threading.Thread(target=_interrupt, daemon=True).start()
        try:
        %s
        except KeyboardInterrupt:
            print("latency_ms", (_time.perf_counter() - _sent[0]) * 1e3)
        else:
            print("not interrupted")
    """) % (delay, textwrap.indent(textwrap.dedent(call).strip(), " " * 4))
    env = dict(os.environ, CONCORE_BACKEND="native")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=timeout, env=env)
    out = p.stdout + p.stderr
    assert p.returncode == 0 and "latency_ms" in out, out
    return float(out.split("latency_ms")[1].split()[0])
