"""concore: NumPy's heavy operations on every CPU core, with exact, deterministic results."""
from concore import _config
from concore._config import (
    backend, get_num_threads, register_threadpoolctl, set_num_threads, threads, use_backend,
)
from concore._info import show_config
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
