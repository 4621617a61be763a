"""concore: NumPy's heavy operations on every CPU core, with exact, deterministic results."""
from concore import _config, elementwise
from concore._config import (
    backend, get_num_threads, register_threadpoolctl, set_num_threads, threads, use_backend,
)
from concore._info import show_config
from concore.expressions import Expression, evaluate
from concore.scans import cumprod, cumsum, diff, nancumprod, nancumsum
from concore.histograms import bincount, digitize, histogram, histogram2d, histogramdd
from concore.selection import argpartition, median, partition, percentile, quantile
from concore.sorting import argsort, searchsorted, sort, unique
from concore.elementwise import (
    abs, absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
    bitwise_and, bitwise_or, bitwise_xor, ceil, clip, copysign, cos, cosh, divide, equal, exp,
    exp2, expm1, floor, floor_divide, fmax, fmin, greater, greater_equal, hypot, invert,
    isfinite, isinf, isnan, less, less_equal, log, log1p, log2, log10, logical_and,
    logical_not, logical_or, logical_xor, maximum, minimum, mod, multiply, negative,
    not_equal, power, reciprocal, remainder, rint, sign, sin, sinh, sqrt, square, subtract,
    tan, tanh, trunc, where,
)
from concore.reductions import (
    argmax, argmin, dot, max, mean, min, nanargmax, nanargmin, nanmax, nanmean, nanmin,
    nanstd, nansum, nanvar, ptp, std, sum, var,
)

__version__ = "0.1.0"

if "threadpoolctl" in __import__("sys").modules:
    _config.register_threadpoolctl()

__all__ = [
    "backend", "use_backend", "get_num_threads", "set_num_threads", "threads", "show_config",
    "register_threadpoolctl",
    "sum", "mean", "var", "std", "min", "max", "argmin", "argmax", "ptp", "dot",
    "nansum", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax", "nanargmin", "nanargmax",
]
__all__ += elementwise.__all__ + ["evaluate", "Expression"]
__all__ += ["cumsum", "cumprod", "nancumsum", "nancumprod", "diff"]
__all__ += ["histogram", "histogram2d", "histogramdd", "bincount", "digitize"]
__all__ += ["partition", "argpartition", "median", "percentile", "quantile"]
__all__ += ["sort", "argsort", "searchsorted", "unique"]
__all__ += ["parallel_map", "TaskPool", "WorkerDied"]

# Loaded on first use: concore.tasks imports multiprocessing and concurrent.futures
# (about 25 ms), which `import concore` should not pay.
_LAZY = {"parallel_map": "concore.tasks", "TaskPool": "concore.tasks",
         "WorkerDied": "concore.tasks", "tasks": "concore.tasks", "server": "concore.server"}


def __getattr__(name):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'concore' has no attribute {name!r}")
    import importlib
    m = importlib.import_module(mod)
    return m if mod.endswith("." + name) else getattr(m, name)
