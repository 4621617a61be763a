"""``concore.show_config()`` / ``python -m concore info``."""
import platform
import sys

import numpy as np

from concore import _config


def _cpu_features():
    """SIMD features of this CPU as NumPy's dispatcher sees them."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:
        return []
    return [k for k, v in feats.items() if v]


def config():
    """The facts ``show_config`` prints, as a dict."""
    import concore

    info = {
        "concore": concore.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "backend": _config.backend(),
        "threads": _config.get_num_threads(),
        "cpus_available": _config._cpus(),
        "grain_size": _config.GRAIN,
        "openmp": None,
        "openmp_runtime": None,
        "cpu_features": " ".join(_cpu_features()),
    }
    try:
        native = _config._load_backend("native")
    except ImportError as e:
        info["native_error"] = str(e)
    else:
        from concore._native import _openmp
        v = _openmp.openmp_version()
        info["openmp"] = v if v else False
        info["openmp_runtime"] = _openmp.runtime_library()
        from concore._native import elementwise
        info["simd_target"] = elementwise.simd_target()
        info["native"] = native.__file__
    return info


def show_config():
    """Print version, backend, OpenMP runtime, threads, grain size and CPU features."""
    for k, v in config().items():
        print(f"{k:>16}: {v}")
