"""Selection: partition, argpartition, median, percentile and quantile, with NumPy's
names and answers, by parallel selection instead of a sort.

The kernels (``concore._native.selection``) find the values at given sorted
positions of each row: a long row by radix select (parallel min/max and histogram
passes over order-preserving keys, 4096 bins across the key range, a serial prefix
to the bins of the wanted ranks, a further split of any bin still large, then the
few candidates of those bins), many rows by a scratch copy and ``nth_element`` per
row, in parallel over the rows. Nothing proportional to the input
is allocated beyond the output, small histograms, the candidates and (rows of up
to 2^20 elements) one row copy per thread, except where the reduced axes of an
odd layout cannot be viewed as rows (then they are copied, as NumPy does). The
input is never modified (``overwrite_input`` is accepted and ignored).

median/percentile/quantile then combine those order statistics with NumPy's own
formulas (``np.mean`` of the middle values; ``_lerp``'s two branches for 'linear'),
in NumPy's dtypes, so the results are NumPy's bits. One difference: concore orders
-0.0 just below +0.0, where NumPy treats them as equal and returns whichever its
introselect leaves in place; a result that NumPy gives as a zero may have the
other sign of zero here (it compares equal).

partition/argpartition return a valid partition (the kth elements are those of a
full sort, everything before them is <=, everything after >=, NaNs last), laid out
stably by class around the kth values: the same layout for any ``n_threads`` and on
both backends, but not NumPy's introselect layout (NumPy does not promise one).

Native kernels cover float64, float32, int64 and int32. Other dtypes, byte-swapped
or misaligned data, subclasses, empty inputs, methods other than 'linear',
``weights``, ``order``, more than 64 kth values or quantile positions, and any
``out`` that is not exactly the result's type and shape go to NumPy, so its answers
and errors come back.
"""
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from concore import _config
from concore._arrays import plain_array

__all__ = ["partition", "argpartition", "median", "percentile", "quantile"]

# Kernel input types: 0 f64, 1 f32, 2 i64, 3 i32.
_TCODE = {np.dtype(t): i for i, t in enumerate((np.float64, np.float32, np.int64, np.int32))}
MAXR = 64  # most distinct ranks per kernel call


# ------------------------------------------------------------------ plumbing

def _kernels():
    return _config._backend_module().selection


def _input(a):
    """(array, tcode) when a kernel can read `a` as it is, else (None, None)."""
    a = plain_array(a)
    t = None if a is None else _TCODE.get(a.dtype)
    if t is None or a.size == 0 or a.ndim == 0 or not a.flags.aligned:
        return None, None
    return a, t


def _axes(axis, ndim):
    """The reduced axes as a sorted tuple, or None when NumPy must raise its error."""
    if axis is None:
        return tuple(range(ndim))
    try:
        return tuple(sorted(normalize_axis_tuple(axis, ndim)))
    except Exception:
        return None


def _rows(arr, axes):
    """(x2, kept shape): arr with the kept axes first and the reduced ones merged
    into the rows of a 2-D array. The order of the reduced axes does not change an
    order statistic, so they go in memory order: a view (no copy) whenever the
    reduced axes together are contiguous or one strided run."""
    keep = [d for d in range(arr.ndim) if d not in axes]
    kshape = tuple(arr.shape[d] for d in keep)
    n = 1
    for d in axes:
        n *= arr.shape[d]
    red = sorted(axes, key=lambda d: abs(arr.strides[d]), reverse=True)
    x = arr.transpose(keep + red)
    return x.reshape(-1, n), kshape


def _select(x2, t, ranks, n_threads):
    """(values (K, m), NaN flags (K,)) of the sorted positions `ranks` of each row."""
    ranks = np.asarray(ranks, dtype=np.intp)
    vals = np.empty((x2.shape[0], ranks.size), x2.dtype)
    nan = np.empty(x2.shape[0], np.uint8)
    _config.run_kernel(_kernels().select, x2.size, n_threads, x2, t, ranks, vals, nan)
    return vals, nan.view(bool)


def _keepdims_shape(shape, axes):
    return tuple(1 if d in axes else s for d, s in enumerate(shape))


def _finish(res, out, shape):
    """Reshape to `shape` (keepdims), or write into out when it fits exactly; None
    when out does not fit (the caller then asks NumPy)."""
    if out is None:
        if shape is not None:
            res = np.asarray(res).reshape(shape)
        return res
    res = np.asarray(res)
    want = res.shape if shape is None else shape
    if type(out) is not np.ndarray or out.shape != want or out.dtype != res.dtype:
        return None
    out[...] = res.reshape(want)
    return out


def _out_ok(out):
    return out is None or (type(out) is np.ndarray and out.flags.writeable)


# -------------------------------------------------------------------- median

def median(a, axis=None, out=None, overwrite_input=False, keepdims=False, *,
           n_threads=None):
    """Median along the axes, as ``numpy.median``: NumPy's result bit for bit
    (float32 stays float32, integers give float64, any NaN in a slice gives NaN),
    computed by parallel selection of the middle value(s) instead of a partition of
    a copy. ``overwrite_input`` is accepted; the input is never modified.
    ``n_threads``: threads for this call (default ``concore.get_num_threads()``;
    -1 = all CPUs). See the module docstring for the sign of zero results.
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.median(a, axis=axis, out=out, overwrite_input=overwrite_input,
                         keepdims=keepdims)

    arr, t = _input(a)
    if arr is None or not _out_ok(out):
        return numpy()
    axes = _axes(axis, arr.ndim)
    if axes is None:
        return numpy()
    x2, kshape = _rows(arr, axes)
    n = x2.shape[1]
    ranks = [n // 2] if n % 2 else [n // 2 - 1, n // 2]
    vals, nan = _select(x2, t, ranks, n_threads)
    # NumPy takes np.mean of the middle slice along the reduced axis: the same here,
    # on an array with that axis where NumPy has it.
    m = len(ranks)
    if axis is None or len(axes) != 1:
        mid = vals.reshape(kshape + (m,))
        ax = -1
    else:
        ax = axes[0]
        mid = np.moveaxis(vals.reshape(kshape + (m,)), -1, ax)
    res = np.mean(mid, axis=ax)
    if arr.dtype.kind == "f" and nan.any():
        if np.ndim(res) == 0:
            res = arr.dtype.type(np.nan)
        else:
            res[nan.reshape(kshape)] = np.nan
    shape = _keepdims_shape(arr.shape, axes) if keepdims else None
    r = _finish(res, out, shape)
    return numpy() if r is None else r


# ---------------------------------------------------------- percentile/quantile

def _lerp(a, b, t):
    """NumPy's linear interpolation of quantiles (``_lerp``): a + (b-a)*t, and
    b - (b-a)*(1-t) where t >= 0.5, in the same ufuncs and dtypes."""
    diff_b_a = np.subtract(b, a)
    res = np.add(a, diff_b_a * t, out=...)
    np.subtract(b, diff_b_a * (1 - t), out=res, where=t >= 0.5, casting="unsafe",
                dtype=type(res.dtype))
    if res.ndim == 0:
        res = res[()]
    return res


def _quantile(name, a, q, axis, out, overwrite_input, method, keepdims, weights,
              n_threads):
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return getattr(np, name)(a, q, axis=axis, out=out, overwrite_input=overwrite_input,
                                 method=method, keepdims=keepdims, weights=weights)

    if weights is not None or not isinstance(method, str) or method != "linear":
        return numpy()
    arr, t = _input(a)
    if arr is None or not _out_ok(out):
        return numpy()
    weak_q = type(q) in (int, float)  # NumPy: weak promotion of the result
    try:
        qa = np.true_divide(q, 100, out=...) if name == "percentile" else np.asanyarray(q)
    except Exception:
        return numpy()
    if type(qa) is not np.ndarray or qa.dtype not in (np.float64, np.float32) \
            or qa.ndim > 2 or qa.size == 0:
        return numpy()
    with np.errstate(invalid="ignore"):
        if not ((qa >= 0) & (qa <= 1)).all():
            return numpy()  # NumPy's ValueError
    axes = _axes(axis, arr.ndim)
    if axes is None:
        return numpy()
    x2, kshape = _rows(arr, axes)
    n = x2.shape[1]
    # NumPy's 'linear': virtual index (n-1)*q, its floor and the next position,
    # both the last element at or above n-1; gamma in q's dtype.
    vi = np.asanyarray((n - 1) * qa)
    prev = np.floor(vi, out=...)
    nxt = np.add(prev, 1, out=...)
    above = vi >= n - 1
    prev[above] = -1
    nxt[above] = -1
    below = vi < 0
    prev[below] = 0
    nxt[below] = 0
    prev = prev.astype(np.intp)
    nxt = nxt.astype(np.intp)
    gamma = np.asanyarray(np.asanyarray(vi - prev), dtype=vi.dtype)
    pos_prev = prev % n
    pos_next = nxt % n
    ranks = np.unique(np.concatenate((pos_prev.ravel(), pos_next.ravel())))
    if ranks.size > MAXR:
        return numpy()
    vals, nan = _select(x2, t, ranks, n_threads)
    V = vals.T  # (m, K)
    ip = np.searchsorted(ranks, pos_prev)
    inx = np.searchsorted(ranks, pos_next)
    previous = V[ip].reshape(qa.shape + kshape)
    following = V[inx].reshape(qa.shape + kshape)
    if weak_q:
        g = float(gamma)
    else:
        g = gamma.reshape(vi.shape + (1,) * len(kshape))
    res = _lerp(previous, following, g)
    if arr.dtype.kind == "f" and nan.any():
        if np.ndim(res) == 0:
            res = arr.dtype.type(np.nan)
        else:
            np.copyto(res, np.nan, where=nan.reshape(kshape))
    shape = qa.shape + _keepdims_shape(arr.shape, axes) if keepdims else None
    r = _finish(res, out, shape)
    return numpy() if r is None else r


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, n_threads=None):
    """The q-th percentiles (q in [0, 100]) along the axes, as ``numpy.percentile``.

    For ``method='linear'`` (the default) without weights: NumPy's result bit for
    bit (its dtypes, NaN propagation, interpolation formula), from a parallel
    selection of the needed order statistics instead of a partition of a copy.
    Other methods and ``weights`` go to NumPy. ``overwrite_input`` is accepted; the
    input is never modified. ``n_threads``: threads for this call (default
    ``concore.get_num_threads()``; -1 = all CPUs).
    """
    return _quantile("percentile", a, q, axis, out, overwrite_input, method, keepdims,
                     weights, n_threads)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None, n_threads=None):
    """The q-th quantiles (q in [0, 1]) along the axes, as ``numpy.quantile``; see
    ``concore.selection.percentile`` (same path, q not divided by 100)."""
    return _quantile("quantile", a, q, axis, out, overwrite_input, method, keepdims,
                     weights, n_threads)


# ----------------------------------------------------------------- partition

def _partition(a, kth, axis, kind, order, n_threads, want_idx):
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        f = np.argpartition if want_idx else np.partition
        return f(a, kth, axis=axis, kind=kind, order=order)

    if not isinstance(kind, str) or kind != "introselect" or order is not None:
        return numpy()
    arr, t = _input(a)
    if arr is None:
        return numpy()
    if axis is None:
        x = arr.reshape(-1)
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
    n = x.shape[ax]
    if type(kth) is int:  # the common call: one kth, no arrays to build it from
        if not -n <= kth < n:
            return numpy()  # NumPy's "kth out of bounds"
        ranks = np.array((kth + n if kth < 0 else kth,), np.intp)
    else:
        try:
            k = np.asarray(kth)
        except Exception:
            return numpy()
        if k.dtype.kind not in "iu" or k.ndim > 1 or k.size == 0:
            return numpy()
        k = k.ravel().astype(np.int64)
        if ((k < -n) | (k >= n)).any():
            return numpy()  # NumPy's "kth out of bounds"
        ranks = np.unique(np.where(k < 0, k + n, k))
        if ranks.size > MAXR:
            return numpy()
        ranks = ranks.astype(np.intp)
    last = ax == x.ndim - 1
    xm = x if last else np.moveaxis(x, ax, -1)
    x2 = xm.reshape(-1, n)
    res = np.empty(xm.shape, np.intp if want_idx else x.dtype)
    r2 = res.reshape(-1, n)
    o, i = (None, r2) if want_idx else (r2, None)
    _config.run_kernel(_kernels().partition, x2.size, n_threads, x2, t, ranks, o, i)
    return res if last else np.moveaxis(res, -1, ax)


def partition(a, kth, axis=-1, kind="introselect", order=None, *, n_threads=None):
    """A partitioned copy of ``a``, as ``numpy.partition``: each kth element (kth:
    an int or a sequence) is where a full sort puts it, everything before it is <=
    and everything after >= (NaNs last). ``axis=None`` partitions the flattened
    array. Found by parallel radix select and written by a parallel stable placement
    by class (below, equal to and between the kth values): a valid partition,
    bitwise the same for any ``n_threads`` and on both backends, though not NumPy's
    exact layout (which NumPy leaves unspecified). ``n_threads``: threads for this
    call (default ``concore.get_num_threads()``; -1 = all CPUs).
    """
    return _partition(a, kth, axis, kind, order, n_threads, False)


def argpartition(a, kth, axis=-1, kind="introselect", order=None, *, n_threads=None):
    """Indices that partition ``a``, as ``numpy.argpartition``:
    ``take_along_axis(a, argpartition(a, kth), axis)`` is a valid partition (see
    ``concore.selection.partition``; the same layout)."""
    return _partition(a, kth, axis, kind, order, n_threads, True)
