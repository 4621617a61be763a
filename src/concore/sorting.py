"""Sorting, searching and unique values, with NumPy's names and answers.

``sort`` returns ``numpy.sort(a, kind='stable')`` bit for bit whatever ``kind`` is
asked: equal values (``-0.0`` and ``0.0`` among them) keep their input order, NaNs go
last in input order, NaN payloads and the sign of zero are kept. ``argsort`` returns
NumPy's stable argsort exactly; for ``kind='quicksort'``/``'heapsort'`` that is one of
the valid answers (NumPy's own unstable kinds may order ties differently).

How: stable radix sorts on order-preserving keys computed from each value's bits on
every pass (floats: sign flipped for positives, all bits for negatives, -0.0 as +0.0,
every NaN as the largest key), moving the raw values. A long 1-D run is first split
by the 11 bits below the highest bit in which its keys differ (one parallel scatter
into 2048 buckets), and every bucket is then sorted whole by one thread, mostly in
cache (a large bucket gets a second such pass first). When one bucket would hold
more than half of the values, it is sorted least significant digit first instead,
with every thread on every pass: 8-bit digits, counts per fixed
block in parallel, a serial prefix over (digit, block), a parallel scatter; passes
where every key has the same digit are skipped. A stable sort has one answer, so
results are the same for any number of threads and on both backends.

Where the radix sort would not pay (fewer than about 2**22 / threads values, at least
64), ``sort`` runs NumPy's own sort (its SIMD quicksort, one thread): equal values
are equal bits except ``-0.0``/``0.0`` and NaNs, whose runs are then rewritten from
the input in input order (float rows: 1-D, not in place; otherwise the radix sort
runs), so the answer is the stable one all the same. Many rows
(sorting along an axis of a 2-D+ array) are spread over the threads, one row per
thread at a time; one long row is sorted by blocks on all threads.

Memory, besides the result: a long run (1-D, or a few long rows) takes at most one
scratch buffer the size of the input, for ``sort`` and ``argsort`` alike. When the
keys spread evenly over the first digit, ``sort`` needs only a scratch of one bucket
per thread instead, and ``argsort`` such a scratch (an eighth of the input at most)
beside its buffer of keys; on uneven keys ``argsort`` reads the keys through the
indices instead of keeping a buffer of them (slower where one value range holds more
than about a third of the input).
Many short rows: each thread holds scratch the size of one row (``argsort``: two rows
of keys and one of int64 indices). A non-contiguous axis is first copied.

Natively: float64, float32, int64, int32, int16, int8, uint64, uint32, uint16,
uint8 and bool in native byte order. Everything else (other dtypes, ``order=``,
structured arrays, subclasses, byte-swapped data, 0-d arrays, empty arrays, odd
arguments) is handed to NumPy, so the answers and errors are NumPy's there; NumPy
is then asked for its stable kind, so ``sort``/``argsort`` give the stable answer
on every path.
"""
import operator

import numpy as np

from concore import _config
from concore._arrays import plain_array

__all__ = ["sort", "argsort", "searchsorted", "unique"]

# The kernels write int64 indices: NumPy's intp on every 64-bit platform.
_INTP64 = np.dtype(np.intp) == np.dtype(np.int64)

# Kernel type codes (see concore/_native/_sort.h).
_TCODE = {np.dtype(t): i for i, t in enumerate(
    (np.float64, np.float32, np.int64, np.int32, np.uint8, np.int8, np.uint64, np.uint32,
     np.int16, np.uint16))}
_TCODE[np.dtype(np.bool_)] = 4  # moved and ordered as uint8 (False < True)


def _kernels():
    return _config._backend_module().sorting


_run = _config.run_kernel


def _native_array(a):
    """`a` as an ndarray a kernel can read, and its type code; (None, None) if not."""
    a = plain_array(a)
    t = None if a is None else _TCODE.get(a.dtype)
    if (t is None or not a.dtype.isnative or a.size == 0 or a.ndim == 0
            or not a.flags.aligned):
        return None, None
    return a, t


def _check_kind(kind, stable):
    """NumPy's errors for a bad ``kind``/``stable``, cheaply (an empty sort)."""
    if kind is None and stable is None:
        return
    np.sort(np.empty(0), kind=kind, stable=stable)


def _axis_of(arr, axis):
    """Normalised axis, or None when NumPy should answer (and raise)."""
    try:
        ax = operator.index(axis)
    except TypeError:
        return None
    if not -arr.ndim <= ax < arr.ndim:
        return None
    return ax % arr.ndim


def _rows(arr, ax):
    """`arr` with `ax` last, and the same as a 2-D (rows, n) view when C-contiguous."""
    xm = np.moveaxis(arr, ax, -1) if ax != arr.ndim - 1 else arr
    return xm


def _as_rows(x):
    n = x.shape[-1]
    return x.reshape(-1, n)


def _numpy_sort(func, a, axis, kind, order, stable):
    """NumPy's ``func`` (np.sort / np.argsort): its own error for a bad ``kind``, else
    its stable kind whatever was asked (the same answers as the native path)."""
    try:
        _check_kind(kind, stable)
    except Exception:
        return func(a, axis=axis, kind=kind, order=order, stable=stable)
    return func(a, axis=axis, kind="stable", order=order)


# Arrays of at most this many values are sorted by NumPy's stable kind: the same
# answer (a stable sort has one), without the ~1.5 us of setting up a kernel call
# (10 float64: 2.3 -> 0.9 us, NumPy's default sort 0.75); as many queries of
# searchsorted likewise (2.6 -> 1.1 us).
TINY = 64


def _tiny(a, kind, order, stable):
    return (type(a) is np.ndarray and a.size <= TINY and kind is None and order is None
            and stable is None)


def _sort_plan(a, axis, kind, order, stable):
    """(x, ax, tcode) to sort ``a`` natively along axis ``ax`` of ``x`` (``a`` flattened
    for axis=None), or None where NumPy decides."""
    if order is not None:
        return None
    arr, t = _native_array(a)
    if arr is None:
        return None
    try:
        _check_kind(kind, stable)
    except Exception:
        return None
    if axis is None:
        return arr.reshape(-1), 0, t
    ax = _axis_of(arr, axis)
    return None if ax is None else (arr, ax, t)


def sort(a, axis=-1, kind=None, order=None, *, stable=None, n_threads=None):
    """Sorted copy of ``a`` along ``axis`` (flattened for ``axis=None``), as ``numpy.sort``.

    The result is ``numpy.sort(a, axis, kind='stable')`` bit for bit for every
    ``kind`` (a stable radix sort; NaNs last in input order, ``-0.0``/``0.0`` and
    other ties in input order, payloads kept), on all cores. ``n_threads``: threads
    for this call (default ``concore.get_num_threads()``; -1 = all CPUs). See the
    module docstring for what goes to NumPy.
    """
    if n_threads is not None:
        _config._resolve(n_threads)
    if _tiny(a, kind, order, stable):
        return np.sort(a, axis=axis, kind="stable")
    plan = _sort_plan(a, axis, kind, order, stable)
    if plan is None:
        return _numpy_sort(np.sort, a, axis, kind, order, stable)
    x, ax, t = plan
    xm = _rows(x, ax)
    out = np.empty(xm.shape, dtype=x.dtype)
    if xm.flags.c_contiguous:
        src = _as_rows(xm)
    else:
        out[...] = xm  # gather into the result, then sort it in place
        src = _as_rows(out)
    _run(_kernels().sort, out.size, n_threads, src, _as_rows(out), t)
    return np.moveaxis(out, -1, ax) if ax != x.ndim - 1 else out


def argsort(a, axis=-1, kind=None, order=None, *, stable=None, n_threads=None):
    """Indices that sort ``a`` along ``axis`` (flattened for ``axis=None``), as
    ``numpy.argsort``.

    Always NumPy's *stable* argsort exactly (``kind='stable'``/``stable=True``), which
    is also a valid answer for the other kinds: ties keep their input order where
    NumPy's quicksort may not. Memory besides the result: see the module docstring.
    ``n_threads`` as for ``sort``.
    """
    if n_threads is not None:
        _config._resolve(n_threads)
    if _tiny(a, kind, order, stable):
        return np.argsort(a, axis=axis, kind="stable")
    plan = _sort_plan(a, axis, kind, order, stable) if _INTP64 else None
    if plan is None:
        return _numpy_sort(np.argsort, a, axis, kind, order, stable)
    x, ax, t = plan
    xm = np.ascontiguousarray(_rows(x, ax))
    out = np.empty(xm.shape, dtype=np.intp)
    _run(_kernels().argsort, out.size, n_threads, _as_rows(xm), _as_rows(out), t)
    return np.moveaxis(out, -1, ax) if ax != x.ndim - 1 else out


def searchsorted(a, v, side="left", sorter=None, *, n_threads=None):
    """Indices where ``v`` would go into the sorted 1-D ``a``, as ``numpy.searchsorted``.

    One binary search per query, queries spread over the threads; NumPy's order
    (NaN after everything, ``-0.0 == 0.0``). ``sorter=``, queries of another dtype
    than ``a`` (NumPy casts to a common type) and non-contiguous ``a`` go to NumPy.
    ``n_threads`` as for ``sort``.
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.searchsorted(a, v, side=side, sorter=sorter)

    if type(a) is np.ndarray and type(v) is np.ndarray and v.size <= TINY:
        return numpy()  # NumPy's answers, without a kernel call's set-up
    if (sorter is not None or not isinstance(side, str) or side not in ("left", "right")
            or not _INTP64):
        return numpy()
    arr, t = _native_array(a)
    if arr is None or arr.ndim != 1 or not arr.flags.c_contiguous:
        return numpy()
    if type(v) is not np.ndarray and (isinstance(v, np.ndarray)
                                      or hasattr(v, "__array_function__")):
        return numpy()
    try:
        q = np.asarray(v)
    except Exception:
        return numpy()
    if q.dtype != arr.dtype:
        return numpy()
    qc = np.ascontiguousarray(q).reshape(-1)
    out = np.empty(qc.shape, dtype=np.intp)
    if qc.size:
        # ~log2(n) probes per query: the work the grain is compared with
        work = qc.size * max(1, int(arr.size).bit_length())
        _run(_kernels().searchsorted, work, n_threads, arr, qc, out, t, side == "right")
    out = out.reshape(q.shape)
    return out[()] if q.ndim == 0 else out


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None,
           *, equal_nan=True, sorted=True, n_threads=None):
    """Sorted unique values of ``ar`` (flattened), as ``numpy.unique``; also the index
    of each value's first occurrence (``return_index``), the index into the values of
    every input element (``return_inverse``, shaped as NumPy shapes it) and how often
    each value occurs (``return_counts``).

    Natively (``axis=None``): a parallel stable sort, then a parallel mark-and-compact
    pass; with ``return_index``/``return_inverse`` also a parallel stable argsort,
    whose values at the run starts are the first indices and through which the run
    numbers are scattered back in parallel (NumPy takes a mergesort or quicksort
    argsort on one thread: 1e7 int64 with the inverse about 10x slower).
    ``-0.0`` and ``0.0`` are one value, and so are all NaNs when ``equal_nan``; the
    value kept is the first in input order (NumPy keeps whichever its sort puts first:
    the same with ``return_index``). Other options go to NumPy. ``n_threads`` as for
    ``sort``.
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.unique(ar, return_index=return_index, return_inverse=return_inverse,
                         return_counts=return_counts, axis=axis, equal_nan=equal_nan,
                         sorted=sorted)

    if axis is not None or sorted is not True:
        return numpy()
    arr, t = _native_array(ar)
    if arr is None:
        if type(ar) is np.ndarray and ar.ndim == 0 and ar.dtype in _TCODE \
                and ar.dtype.isnative:
            arr, t = ar.reshape(1), _TCODE[ar.dtype]
        else:
            return numpy()
    if return_index or return_inverse:
        if not _INTP64:
            return numpy()
        return _unique_perm(arr, t, np.shape(ar), return_index, return_inverse,
                            return_counts, equal_nan, n_threads)
    s = sort(arr, axis=None, n_threads=n_threads)
    vals, where = _run(_kernels().unique, s.size, n_threads, s, t, bool(equal_nan),
                       bool(return_counts))
    if not return_counts:
        return vals
    return vals, _run_lengths(where, s.size)


def _run_lengths(where, n):
    counts = np.empty(where.size, dtype=np.intp)
    np.subtract(where[1:], where[:-1], out=counts[:-1])
    counts[-1] = n - where[-1]
    return counts


_INVERSE_NDIM = {}


def _inverse_shape(shape):
    """The shape NumPy gives unique's inverse for an input of this shape (flat, or
    the input's: NumPy 2.0 and later releases differ), asked once per ndim."""
    nd = len(shape)
    if nd not in _INVERSE_NDIM:
        probe = np.unique(np.zeros((1,) * nd), return_inverse=True)[1]
        _INVERSE_NDIM[nd] = probe.ndim == nd
    return shape if _INVERSE_NDIM[nd] else (-1,)


def _unique_perm(arr, t, shape, return_index, return_inverse, return_counts, equal_nan,
                 n_threads):
    """unique with first indices and/or the inverse, through a stable argsort: each
    run of equal keys in the sorted order starts at its first occurrence."""
    flat = arr.reshape(-1)
    perm = argsort(flat, kind="stable", n_threads=n_threads)
    # the same order as flat[perm] (a stable sort has one answer), but sorted in
    # parallel and read in sequence: faster than gathering through perm
    s = sort(flat, n_threads=n_threads)
    vals, where = _run(_kernels().unique, s.size, n_threads, s, t, bool(equal_nan), True)
    out = [vals]
    if return_index:
        out.append(perm.take(where))
    if return_inverse:
        inverse = np.empty(s.size, dtype=np.intp)
        _run(_kernels().inverse_runs, s.size, n_threads, perm, where, inverse)
        out.append(inverse.reshape(_inverse_shape(shape)))
    if return_counts:
        out.append(_run_lengths(where, s.size))
    return tuple(out)
