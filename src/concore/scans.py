"""Cumulative sums and products and n-th differences, with NumPy's names and answers.

Exactness. A scan adds (or multiplies) one element after the other, a chain that
neither threads nor SIMD can shorten without changing the order of the operations.
concore keeps NumPy's order, and so NumPy's bits, wherever that costs nothing:

* along an axis with more elements after it (``cumsum(a, axis=0)`` of a 2-D array):
  ``out[..., i, :] = out[..., i-1, :] + a[..., i, :]``, exactly NumPy's loop, in
  parallel over the other positions;
* along a run shorter than the grain (``concore._config.GRAIN``, 32768 elements):
  the plain sequential loop, NumPy's bits.

A sum along a run at least the grain long with nothing after it (a 1-D array, the
last axis, ``axis=None``) is scanned by fixed blocks of 4160 elements in parallel: block
totals, their serial scan, then each block from its offset, its 8 sub-blocks of 520
elements as 8 interleaved chains. Integer results are exact (wrapping around as
NumPy's do) whatever the order; integer products take the same path. Float
products always run NumPy's sequential loop along the axis (a blocked product can
overflow inside a block where the sequential one does not, and turn NumPy's 0 into
NaN): NumPy's bits, in parallel only over the other positions. Float sums are not
NumPy's last bits on the blocked path, but
are more accurate: the error of ``cumsum(x)[i]`` is at most about
``(i // 4160 + 8 + 520) * eps * sum(|x[:i+1]|)``, where NumPy's sequential loop
allows ``i * eps * sum(|x[:i+1]|)``. The block structure depends on the length only, so results are
bitwise the same for any number of threads and on both backends.

Inputs of other dtypes, byte-swapped or misaligned data, subclasses, a ``dtype``
or ``out`` that is not the natural result type, and empty inputs are handed to
NumPy itself, so the answers (and errors) are NumPy's there too.
"""
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from concore import _config
from concore._arrays import plain_array
from concore import elementwise as _ew

__all__ = ["cumsum", "cumprod", "nancumsum", "nancumprod", "diff"]

_NOVALUE = np._NoValue

# Kernel input types: 0 f64, 1 f32, 2 i64, 3 i32, 4 u8 (and bool).
_TCODE = {np.dtype(t): i for i, t in enumerate(
    (np.float64, np.float32, np.int64, np.int32, np.uint8))}
_TCODE[np.dtype(np.bool_)] = 4
_I64, _U64 = np.dtype(np.int64), np.dtype(np.uint64)

OP_SUM, OP_PROD = 0, 1
# Scans of fewer values than this (a 1-D run, or axis=None) call NumPy itself: below
# the grain the kernels run NumPy's sequential loop, the same bits, after more
# plumbing (10 values: 3.0 against 1.2 us; ahead from about 700). Off under
# _config.fast_paths(False) (the kernels' tests).
SMALL_SCAN = 512


# ------------------------------------------------------------------ plumbing

def _kernels():
    return _config._backend_module().scans


_run = _config.run_kernel


def _native_input(a):
    """(array, tcode) when a kernel can read `a` as it is, else (None, None)."""
    a = plain_array(a)
    t = None if a is None else _TCODE.get(a.dtype)
    if t is None or a.size == 0 or not a.flags.aligned:
        return None, None
    return a, t


def _result_type(dt):
    """(result dtype, accumulator dtype) of a scan of dtype dt, as NumPy's default."""
    if dt.kind == "f":
        return dt, dt
    return (_U64 if dt == np.uint8 else _I64), _I64


def _plan(x, out, axis):
    """The kept index space (every axis but `axis`) for the kernels: size-1 axes
    dropped, sorted by x's strides (outermost first) and merged where both x's and
    out's strides allow. The order in which kept positions are visited never
    changes a result: each is its own chain. Strides in elements."""
    xi, oi = x.itemsize, out.itemsize
    dims = [(n, xs // xi, os // oi)
            for d, (n, xs, os) in enumerate(zip(x.shape, x.strides, out.strides))
            if d != axis and n != 1]
    dims.sort(key=lambda d: (abs(d[1]), abs(d[2])), reverse=True)
    merged = []
    for n, xs, os in dims:
        if merged:
            m = merged[-1]
            if m[1] == n * xs and m[2] == n * os:
                m[0] *= n
                m[1], m[2] = xs, os
                continue
        merged.append([n, xs, os])
    return (tuple(m[0] for m in merged), tuple(m[1] for m in merged),
            tuple(m[2] for m in merged))


def _same_layout(x, y):
    return (x.__array_interface__["data"][0] == y.__array_interface__["data"][0]
            and x.strides == y.strides and x.itemsize == y.itemsize)


def _scan(name, op, nan, a, axis, dtype, out, n_threads):
    if n_threads is not None:
        _config._resolve(n_threads)
    npf = getattr(np, name)

    def numpy():
        return npf(a, axis=axis, dtype=dtype, out=out)

    arr, t = _native_input(a)
    if arr is None:
        return numpy()
    if (arr.size < SMALL_SCAN and not nan and dtype is None and out is None
            and (axis is None or arr.ndim == 1) and _config._state["fast"]):
        return numpy()  # a run below the grain is NumPy's loop anyway: its call is quicker
    rtype, acc = _result_type(arr.dtype)
    if dtype is not None:
        try:
            if np.dtype(dtype) != rtype:
                return numpy()
        except TypeError:
            return numpy()
    if axis is None:
        x = arr if arr.ndim == 1 else arr.reshape(-1)
        ax = 0
    else:
        try:
            ax = operator.index(axis)
        except TypeError:
            return numpy()
        if not -arr.ndim <= ax < arr.ndim:
            return numpy()  # AxisError, NumPy's message
        ax %= arr.ndim
        x = arr
    if out is not None and (type(out) is not np.ndarray or out.shape != x.shape
                            or out.dtype != rtype or not out.flags.writeable
                            or not out.flags.aligned):
        return numpy()

    copy_back = False
    if out is None:
        res = target = np.empty_like(x, dtype=acc)  # x's memory order, as NumPy
    else:
        res = out
        target = out if rtype == acc else out.view(acc)
        if np.may_share_memory(out, x) and not _same_layout(out, x):
            target = np.empty_like(x, dtype=acc)  # partial overlap: scan aside first
            copy_back = True
    N = x.shape[ax]
    kshape, xks, oks = _plan(x, target, ax)
    inner = 1
    for n in x.shape[ax + 1:]:
        inner *= n
    # Float products stay sequential: a blocked product can overflow (or underflow)
    # inside a block where the sequential one does not, turning NumPy's 0 into NaN.
    blocked = inner == 1 and N >= _config.GRAIN and not (op == OP_PROD and acc.kind == "f")
    nan = nan and x.dtype.kind == "f"
    if out is None and not blocked and target.size >= _config.GRAIN:
        # The blocked scan's threads map in the pages of their own units; the
        # sequential kernels' would interleave, so map them in first (a call below
        # the grain runs on one thread: nothing to order).
        _run(_kernels().touch, target.size, n_threads, target)
    _run(_kernels().scan, x.size, n_threads, x, t, target, kshape, xks, oks, N,
         x.strides[ax] // x.itemsize, target.strides[ax] // target.itemsize, op, nan,
         blocked)
    if copy_back:
        out[...] = target.view(rtype) if rtype != acc else target
    if out is not None:
        return out
    return res.view(rtype) if rtype != acc else res


_EXACT = """

    Bit for bit NumPy's result along an axis with more elements after it and along
    runs shorter than ``concore._config.GRAIN`` (32768); longer runs are scanned by
    fixed blocks on all cores: integers exactly (wrapping around as NumPy), floats
    with an error of at most about ``(i // 4160 + 528) * eps * sum(|x[:i+1]|)`` at
    position i (NumPy's loop: ``i * eps * ...``), not NumPy's last bit, but bitwise
    the same for any ``n_threads`` and on both backends (see the module docstring).
    ``n_threads``: threads for this call (default ``concore.get_num_threads()``;
    -1 = all CPUs).
"""


def cumsum(a, axis=None, dtype=None, out=None, *, n_threads=None):
    return _scan("cumsum", OP_SUM, False, a, axis, dtype, out, n_threads)


def cumprod(a, axis=None, dtype=None, out=None, *, n_threads=None):
    return _scan("cumprod", OP_PROD, False, a, axis, dtype, out, n_threads)


def nancumsum(a, axis=None, dtype=None, out=None, *, n_threads=None):
    return _scan("nancumsum", OP_SUM, True, a, axis, dtype, out, n_threads)


def nancumprod(a, axis=None, dtype=None, out=None, *, n_threads=None):
    return _scan("nancumprod", OP_PROD, True, a, axis, dtype, out, n_threads)


cumsum.__doc__ = ("Cumulative sum along an axis (flattened for ``axis=None``), as "
                  "``numpy.cumsum``; ints and bool sum in int64 (uint8 in uint64)." + _EXACT)
_PROD = """

    Float products are NumPy's sequential loop along the axis, so NumPy's bits
    (in parallel over the other positions); integer products are exact (wrapping
    around as NumPy's) and run long 1-D runs by blocks on all cores. ``n_threads``:
    threads for this call (default ``concore.get_num_threads()``; -1 = all CPUs).
"""
cumprod.__doc__ = "Cumulative product, as ``numpy.cumprod``." + _PROD
nancumsum.__doc__ = ("Cumulative sum treating NaN as zero, as ``numpy.nancumsum``."
                     + _EXACT)
nancumprod.__doc__ = ("Cumulative product treating NaN as one, as ``numpy.nancumprod``."
                      + _PROD)


# ---------------------------------------------------------------------- diff

def diff(a, n=1, axis=-1, prepend=_NOVALUE, append=_NOVALUE, *, n_threads=None):
    """The n-th discrete difference along an axis, as ``numpy.diff``.

    ``a[..., 1:] - a[..., :-1]`` applied n times (``not_equal`` for bool), through
    ``concore.subtract`` / ``concore.not_equal`` on views: NumPy's results, types
    and errors, on all cores. ``n=0`` returns ``a`` itself; ``prepend``/``append``
    are joined to ``a`` along the axis first (scalars broadcast), as in NumPy.
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.diff(a, n=n, axis=axis, prepend=prepend, append=append)

    if type(a) is not np.ndarray and (isinstance(a, np.ndarray)
                                      or hasattr(a, "__array_function__")):
        return numpy()
    try:
        n = operator.index(n)
    except TypeError:
        return numpy()
    if n == 0:
        return a
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    arr = np.asanyarray(a)
    if type(arr) is not np.ndarray or arr.ndim == 0:
        return numpy()
    try:
        ax = normalize_axis_index(operator.index(axis), arr.ndim)
    except TypeError:
        return numpy()
    parts = []
    for extra in (prepend,):
        if extra is not _NOVALUE:
            parts.append(_edge(extra, arr, ax))
    parts.append(arr)
    if append is not _NOVALUE:
        parts.append(_edge(append, arr, ax))
    if len(parts) > 1:
        arr = np.concatenate(parts, ax)
    if type(arr) is not np.ndarray:
        return numpy()
    lo = [slice(None)] * arr.ndim
    hi = [slice(None)] * arr.ndim
    lo[ax] = slice(None, -1)
    hi[ax] = slice(1, None)
    lo, hi = tuple(lo), tuple(hi)
    f = _ew.not_equal if arr.dtype == np.bool_ else _ew.subtract
    for _ in range(n):
        arr = f(arr[hi], arr[lo], n_threads=n_threads)
    return arr


def _edge(v, arr, ax):
    v = np.asanyarray(v)
    if v.ndim == 0:
        shape = list(arr.shape)
        shape[ax] = 1
        v = np.broadcast_to(v, tuple(shape))
    return v
