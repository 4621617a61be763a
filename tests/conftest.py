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
    """Send even small inputs down the parallel paths."""
    monkeypatch.setattr(_config, "GRAIN", 16)
