"""Runtime configuration: backend choice, thread counts and the process-wide core budget.

Nothing here does work at import time beyond defining names and registering a
fork handler; the CPU count and environment variables are read on first use. The
first use comes at ``import concore``: the reductions and elementwise modules ask
``fast_module`` for the native fast paths, which resolves the default backend
(``CONCORE_BACKEND``) and loads the extension unless that names the Python backend.
"""
import contextlib
import importlib
import os
import threading

__all__ = [
    "backend", "use_backend", "get_num_threads", "set_num_threads", "threads",
    "GRAIN",
]

# Elements below which a kernel runs serially in the calling thread (it still
# releases the GIL): a parallel region costs microseconds, a 32k-element pass less.
GRAIN = 1 << 15

class _Local(threading.local):
    """Per-thread overrides. The class defaults make an unset one a plain attribute
    read: getattr(local, name, None) on a missing name raises and catches an
    AttributeError inside, 0.4 us of every call."""
    backend = None
    threads = None


_local = _Local()
_lock = threading.Lock()            # guards the globals below
_state = {
    "default": None,        # backend name chosen on first use
    "user": None,           # set_num_threads()
    "cpus": None,           # CPUs available, read on first use
    "in_use": 0,            # threads taken by running calls
    "peak": 0,              # most threads taken at once (peak_in_use)
    "went_parallel": False,  # this process has run an OpenMP team
    "serial_only": False,   # forked from a process that had: never go parallel
    "overrides": 0,         # threads that chose a backend of their own (use_backend)
    "fast": True,           # fast paths allowed (tests turn them off: fast_paths)
}
_backends = {}                      # name -> module, filled lazily

# Byte 0 is 0 while the native fast paths may answer the common call without a Python
# frame (concore._native.reductions.fast_calls): the process default backend is
# native and no thread has chosen a backend of its own. A bytearray, so the compiled
# code reads it with one load.
_fast_gate = bytearray(b"\x01")


# --------------------------------------------------------------------- backends

def _load_backend(name):
    mod = _backends.get(name)
    if mod is None:
        if name == "native":
            mod = _import_native()
        else:
            mod = importlib.import_module("concore._python")
        _backends[name] = mod
    return mod


def _import_native():
    # libgomp reads its wait policy once, when it is loaded: spin briefly (about
    # 10k iterations, a few microseconds) instead of its default ~8 ms, unless the
    # user chose a policy. Restore the environment afterwards so children and other
    # libraries see the user's environment unchanged.
    keys = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
    set_here = not any(k in os.environ for k in keys)
    if set_here:
        os.environ["GOMP_SPINCOUNT"] = "10000"
    try:
        return importlib.import_module("concore._native")
    finally:
        if set_here:
            os.environ.pop("GOMP_SPINCOUNT", None)


def _default_backend_name():
    name = os.environ.get("CONCORE_BACKEND", "").strip().lower() or "native"
    if name not in ("native", "python"):
        raise ValueError(f"CONCORE_BACKEND must be 'native' or 'python', got {name!r}")
    if name == "native":
        try:
            _load_backend("native")
        except ImportError:
            name = "python"
    return name


def _backend_module():
    """The backend package (concore._native or concore._python) for this thread."""
    name = _local.backend
    if name is None:
        name = _state["default"] or _resolve_default()
    return _backends.get(name) or _load_backend(name)


def _resolve_default():
    name = _default_backend_name()      # may import the extension: not under the lock
    with _lock:
        if _state["default"] is None:
            _state["default"] = name
            _update_gate()
    return _state["default"]


def _update_gate():
    """Open the fast paths' gate when nothing rules them out (call with _lock held)."""
    _fast_gate[0] = 0 if (_state["default"] == "native" and not _state["overrides"]
                          and _state["fast"]) else 1


def _set_local_backend(name):
    """Choose this thread's backend (None: the process default), closing the fast
    paths' gate while any thread has a backend of its own."""
    with _lock:
        _state["overrides"] += (name is not None) - (_local.backend is not None)
        _local.backend = name
        _update_gate()


def fast_module(family):
    """``concore._native.<family>`` when the process default backend is native (resolving
    it now, so ``CONCORE_BACKEND`` is read at import), else None: the public functions
    of that family then take their fast paths from it."""
    if (_state["default"] or _resolve_default()) != "native":
        return None
    return getattr(_backends["native"], family)


@contextlib.contextmanager
def fast_paths(enabled):
    """Allow or forbid the native fast paths within a ``with`` block (tests: the general
    path with a small grain size must see the small inputs)."""
    with _lock:
        old, _state["fast"] = _state["fast"], bool(enabled)
        _update_gate()
    try:
        yield
    finally:
        with _lock:
            _state["fast"] = old
            _update_gate()


def backend():
    """Name of the backend used by the calling thread: ``"native"`` or ``"python"``."""
    return _backend_module().NAME


@contextlib.contextmanager
def use_backend(name):
    """Use backend ``name`` ("native" or "python") in the current thread within a ``with`` block.

    Raises ``ValueError`` for an unknown name and ``ImportError`` when the native
    extension was not built.
    """
    if name not in ("native", "python"):
        raise ValueError(f"backend must be 'native' or 'python', got {name!r}")
    _load_backend(name)
    old = _local.backend
    _set_local_backend(name)
    try:
        yield name
    finally:
        _set_local_backend(old)


# ---------------------------------------------------------------------- threads

def _available_cpus():
    """CPUs this process may use: affinity mask and cgroup CPU quota."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        n = min(n, quota)
    return max(1, n)


def _cgroup_quota():
    try:  # cgroup v2
        with open("/sys/fs/cgroup/cpu.max") as f:
            q, p = f.read().split()[:2]
        if q != "max":
            return max(1, -(-int(q) // int(p)))
    except (OSError, ValueError):
        pass
    try:  # cgroup v1
        with open("/sys/fs/cgroup/cpu/cpu.cfs_quota_us") as f:
            q = int(f.read())
        with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as f:
            p = int(f.read())
        if q > 0 and p > 0:
            return max(1, -(-q // p))
    except (OSError, ValueError):
        pass
    return None


def _cpus():
    n = _state["cpus"]
    if n is None:
        n = _state["cpus"] = _available_cpus()
    return n


def _env_threads():
    for key in ("CONCORE_NUM_THREADS", "OMP_NUM_THREADS"):
        raw = os.environ.get(key, "").strip()
        if raw:
            first = raw.split(",")[0].strip()
            try:
                n = int(first)
            except ValueError:
                raise ValueError(f"{key} must be a positive integer, got {raw!r}") from None
            if n <= 0:
                raise ValueError(f"{key} must be a positive integer, got {raw!r}")
            return n
    return None


def _resolve(n, name="n_threads"):
    """Validate a thread count: int != 0; negative counts down from the CPUs (-1 = all)."""
    if type(n) is int and n > 0:
        return n
    if isinstance(n, bool) or not hasattr(n, "__index__"):
        raise ValueError(f"{name} must be a non-zero integer or None, got {n!r}")
    n = n.__index__()
    if n == 0:
        raise ValueError(f"{name} must be a non-zero integer or None, got 0")
    if n < 0:
        n = max(1, _cpus() + 1 + n)
    return n


def get_num_threads():
    """Threads a call uses when it gets no ``n_threads``.

    In order: ``with concore.threads(n)`` in this thread, ``set_num_threads(n)``,
    ``CONCORE_NUM_THREADS``, ``OMP_NUM_THREADS``, the CPUs this process may use
    (affinity and cgroup quota).
    """
    n = _local.threads
    if n is not None:
        return n
    n = _state["user"]
    if n is not None:
        return n
    env = _env_threads()
    return env if env is not None else _cpus()


def set_num_threads(n):
    """Set the process-wide default thread count (``None`` restores the default)."""
    _state["user"] = None if n is None else _resolve(n)


@contextlib.contextmanager
def threads(n):
    """Use ``n`` threads for concore calls made by the current thread within the block."""
    n = _resolve(n)
    old = _local.threads
    _local.threads = n
    try:
        yield n
    finally:
        _local.threads = old


def requested_threads(n_threads):
    """Threads asked for by one call: its ``n_threads`` argument or the default."""
    return get_num_threads() if n_threads is None else _resolve(n_threads)


# ---------------------------------------------------------------- core budget

@contextlib.contextmanager
def budget(want):
    """Take up to ``want`` threads from the process-wide budget; never waits.

    A caller alone gets what it asked for; concurrent callers share the CPUs, and
    one that finds none free runs serially in its own thread. A forked child
    always runs serially (GNU OpenMP hangs in a child whose parent used it).
    """
    if _state["serial_only"]:
        yield 1
        return
    with _lock:
        used = _state["in_use"]
        got = want if used == 0 else max(1, min(want, _cpus() - used))
        _state["in_use"] = used + got
        if used + got > _state["peak"]:
            _state["peak"] = used + got
        if got > 1:
            _state["went_parallel"] = True
    try:
        yield got
    finally:
        with _lock:
            _state["in_use"] -= got


_main_ident = threading.main_thread().ident  # the thread that receives Ctrl-C


def run_kernel(kernel, n_elems, n_threads, *args):
    """Call ``kernel(*args, threads, check)``: serial below the grain, else with the
    threads this call may take from the budget; ``check`` says whether the caller is
    the main thread (the only one that receives Ctrl-C)."""
    check = threading.get_ident() == _main_ident
    if n_elems < GRAIN:
        if n_threads is not None:
            _resolve(n_threads)
        return kernel(*args, 1, check)
    want = requested_threads(n_threads)
    if want == 1:
        return kernel(*args, 1, check)
    with budget(want) as nt:
        return kernel(*args, nt, check)


def in_use():
    """Threads currently taken from the budget by running calls (for tests and info)."""
    return _state["in_use"]


def peak_in_use(reset=False):
    """Most threads ever taken from the budget at once (``reset=True`` starts over):
    lets tests check that concurrent callers never oversubscribe the cores."""
    with _lock:
        peak = _state["peak"]
        if reset:
            _state["peak"] = _state["in_use"]
    return peak


def _after_fork_in_child():
    global _lock, _main_ident
    _lock = threading.Lock()
    _main_ident = threading.get_ident()     # the forking thread is the child's main one
    _state["in_use"] = 0
    _state["serial_only"] = _state["went_parallel"] or _state["serial_only"]
    _state["overrides"] = int(_local.backend is not None)  # the other threads are gone
    _update_gate()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# --------------------------------------------------------------- threadpoolctl

def register_threadpoolctl():
    """Let ``threadpoolctl.threadpool_limits`` govern concore's default thread count.

    Called at import when threadpoolctl is already imported; call it yourself if
    you import threadpoolctl later. Returns False when threadpoolctl (>= 3.5) or
    the native backend is missing.
    """
    try:
        from threadpoolctl import LibController, register
        _load_backend("native")
    except ImportError:
        return False
    if _state.get("tpctl"):
        return True

    class ConcoreController(LibController):
        user_api = "concore"
        internal_api = "concore"
        # The extension module that carries concore's OpenMP plumbing.
        filename_prefixes = ("_openmp.",)

        def get_num_threads(self):
            return get_num_threads()

        def set_num_threads(self, num_threads):
            set_num_threads(num_threads)

        def get_version(self):
            from concore import __version__
            return __version__

        def set_additional_attributes(self):
            pass

    register(ConcoreController)
    _state["tpctl"] = True
    return True
