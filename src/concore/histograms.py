"""Histograms, bincount and digitize with NumPy's names and answers, on all cores.

Exactness. Counts are exact integers, so every unweighted result (``histogram``,
``histogram2d``, ``histogramdd``, ``bincount``, ``digitize``) is NumPy's, value for
value, whatever the number of threads. Which bin a value falls into is decided as
NumPy decides it:

* uniform bins (an int or a string ``bins``): NumPy's edges (``np.linspace`` in
  NumPy's bin type), NumPy's kept range (compared in the type NumPy compares in),
  NumPy's index ``int((v - first) / (last - first) * n)`` in NumPy's types,
  clamped and corrected once against the edges as NumPy does, so values on,
  just below or just above an edge land where NumPy puts them;
* explicit edges: a binary search with NumPy's comparisons (``edges[i] <= v <
  edges[i+1]``, last bin closed, NaN never counted);
* ``histogramdd``: NumPy's ``searchsorted(edges, v, 'right')`` per dimension, the
  last edge moved into the last bin, outliers dropped. For int ``bins`` (uniform
  edges) the index is ``int((v - first) * (n / (last - first)))`` where that is
  certain (the edges' own deviation from it is measured first) and a search of the
  edges elsewhere, so the bins are NumPy's.

Weighted sums:

* ``histogram`` with uniform bins: NumPy adds the weights by chunks of 65536
  values (one ``bincount`` per chunk, sequential within it, in double) and adds
  each chunk's sums to the total in chunk order, in the weights' type. concore
  uses exactly these chunks as its blocks (private per-block sums, merged serially
  in block order): the result is NumPy's bit for bit, for any ``n_threads``.
* ``histogram`` with explicit edges: NumPy sorts each chunk and takes differences
  of cumulative sums (order of ties unspecified). concore adds the weights as for
  uniform bins (per chunk, in element order): not NumPy's last bits, but an error
  of at most about ``65536 * eps`` per chunk sum instead of cancellation in the
  differences; bitwise the same for any ``n_threads`` and on both backends.
* ``bincount``, ``histogram2d``, ``histogramdd``: NumPy's single sequential pass
  (one chain per bin, in input order): bincount gives each thread its own range of
  bins (all threads read all input); the N-d kernel computes the bin indices of a
  round of blocks on all threads, then each thread adds the round's weights, in
  order, into the bins it owns. NumPy's bits.

Inputs of other dtypes (float16, int16, uint64, bool data in ``histogram``,
complex or integer weights ...), byte-swapped or misaligned data, subclasses,
odd arguments, and any call NumPy would reject are handed to NumPy itself, so the
answers and the errors are NumPy's. ``n_threads``: threads for the call (default
``concore.get_num_threads()``; -1 = all CPUs).
"""
import operator

import numpy as np

from concore import _config
from concore._arrays import plain_array

__all__ = ["histogram", "histogram2d", "histogramdd", "bincount", "digitize"]

# Kernel data types: 0 f64, 1 f32, 2 i64, 3 i32, 4 u8 (and bool, where NumPy reads
# bool as 0/1 without a warning).
_TCODE = {np.dtype(t): i for i, t in enumerate(
    (np.float64, np.float32, np.int64, np.int32, np.uint8))}
_F8, _F4, _I8 = np.dtype(np.float64), np.dtype(np.float32), np.dtype(np.int64)
_INTP = np.dtype(np.intp)
_I64MIN, _I64MAX = -(1 << 63), (1 << 63) - 1
_builtin_range = range


# Below these sizes NumPy's own bincount / digitize answer sooner than the kernels'
# call overhead (measured, 1000 values: bincount 1.4 against 3.3 us, digitize with 101
# edges 6.4 against 10.5 us; the kernels are ahead from a few thousand). The answers
# are the same integers (and bincount's weighted sums the same in-order sums).
# _config.fast_paths(False) turns this off for the tests of the kernels.
SMALL_BINCOUNT = 4096
SMALL_DIGITIZE = 1024


def _kernels():
    return _config._backend_module().histograms


_run = _config.run_kernel


def _tcode(a, allow_bool=False):
    if a is None or not a.flags.aligned:
        return None
    if allow_bool and a.dtype == np.bool_:
        return 4
    return _TCODE.get(a.dtype)


def _weights(w, shape):
    """Weights as a contiguous float64/float32 array of `shape`, raveled; None when
    NumPy should handle them."""
    w = plain_array(w)
    if w is None or w.shape != shape or w.dtype not in (_F8, _F4) or not w.flags.aligned:
        return None
    return np.ascontiguousarray(w).ravel()


def _minmax(x, t, n_threads):
    """(min, max) of the 1-d x as NumPy scalars of x's dtype, as ``x.min(), x.max()``."""
    lo, hi = _run(_kernels().minmax, x.size, n_threads, x, t)
    typ = x.dtype.type
    if t <= 1:
        # the sign of a zero min/max depends on NumPy's reduction order: ask NumPy
        lo = x.min() if lo == 0 else typ(lo)
        hi = x.max() if hi == 0 else typ(hi)
        return lo, hi
    return typ(lo), typ(hi)


def _outer_edges(x, t, rng, n_threads):
    """NumPy's (first_edge, last_edge), or None where NumPy raises."""
    if rng is not None:
        try:
            first, last = rng
            if first > last or not (np.isfinite(first) and np.isfinite(last)):
                return None
        except Exception:
            return None
    elif x.size == 0:
        first, last = 0, 1
    else:
        first, last = _minmax(x, t, n_threads)
        if not (np.isfinite(first) and np.isfinite(last)):
            return None
    if first == last:
        first = first - 0.5
        last = last + 0.5
    return first, last


def _unsigned_subtract(a, b):
    """a - b as NumPy's histogram computes it (signed ints into their unsigned type)."""
    signed_to_unsigned = {np.byte: np.ubyte, np.short: np.ushort, np.intc: np.uintc,
                          np.int_: np.uint, np.longlong: np.ulonglong}
    dt = np.result_type(a, b)
    u = signed_to_unsigned.get(dt.type)
    if u is None:
        return np.subtract(a, b, dtype=dt)
    return np.subtract(np.asarray(a, dtype=dt), np.asarray(b, dtype=dt), casting="unsafe",
                       dtype=u)


def _operand(v):
    """v as an argument of ``ufunc.resolve_dtypes``: Python scalars stay weak."""
    if type(v) in (int, float):
        return type(v)
    if isinstance(v, np.generic):
        return v.dtype
    return None


def _keep(xdt, first, last):
    """(cint, lo, hi): NumPy's ``first <= v <= last`` test, as int64 or double bounds."""
    kinds = []
    for v in (first, last):
        op = _operand(v)
        if op is None:
            return None
        try:
            cdt = np.greater_equal.resolve_dtypes((xdt, op, None))[0]
        except Exception:
            return None
        kinds.append(cdt)
    if all(c.kind in "iu" for c in kinds):
        lo, hi = int(first), int(last)
        if abs(lo) < 2 ** 53 and abs(hi) < 2 ** 53:
            return 0, float(lo), float(hi)     # the same test, done in double
        if not (_I64MIN <= lo <= _I64MAX and _I64MIN <= hi <= _I64MAX):
            return None
        return 1, lo, hi
    bounds = []
    for c, v in zip(kinds, (first, last)):
        if c in (_F8, _F4):
            with np.errstate(over="ignore"):
                bounds.append(float(c.type(v)))
        elif c.kind in "iu" and abs(int(v)) < 2 ** 53:
            bounds.append(float(int(v)))    # the exact integer test, done in double
        else:
            return None
    return 0, bounds[0], bounds[1]


def _hist_out(weights, nb):
    return np.zeros(nb, _INTP if weights is None else weights.dtype)


def _density(n, bin_edges):
    db = np.array(np.diff(bin_edges), float)
    return n / db / n.sum()


# ----------------------------------------------------------------- histogram

def histogram(a, bins=10, range=None, density=None, weights=None, *, n_threads=None):
    """Histogram of a data set, as ``numpy.histogram``; returns ``(hist, bin_edges)``.

    Counts are ``intp``, weighted sums have the weights' dtype; ``density=True``
    as NumPy. Uniform bins and unweighted results are NumPy's bit for bit;
    weighted sums over uniform bins too (NumPy's 65536-value chunks are the
    blocks); weighted sums over explicit edges are summed per chunk in element
    order (see the module docstring). The same bits for any ``n_threads``.
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.histogram(a, bins=bins, range=range, density=density, weights=weights)

    x = plain_array(a)
    t = _tcode(x)
    if t is None or x.size == 0:
        return numpy()
    w = None
    if weights is not None:
        w = _weights(weights, x.shape)
        if w is None:
            return numpy()
    x = x.ravel()
    if isinstance(bins, str):
        try:
            nbins = len(np.histogram_bin_edges(x, bins, range, weights)) - 1
        except Exception:
            return numpy()
        res = _uniform(x, t, w, nbins, range, n_threads)
    elif np.ndim(bins) == 0:
        try:
            nbins = operator.index(bins)
        except TypeError:
            return numpy()
        if nbins < 1:
            return numpy()
        res = _uniform(x, t, w, nbins, range, n_threads)
    elif np.ndim(bins) == 1:
        res = _explicit(x, t, w, bins, n_threads)
    else:
        return numpy()
    if res is None:
        return numpy()
    n, bin_edges = res
    if density:
        return _density(n, bin_edges), bin_edges
    return n, bin_edges


def _uniform(x, t, w, nbins, rng, n_threads):
    """NumPy's equal-bin histogram, or None where NumPy should answer."""
    oe = _outer_edges(x, t, rng, n_threads)
    if oe is None:
        return None
    first, last = oe
    try:
        btype = np.result_type(first, last, x)
        if np.issubdtype(btype, np.integer):
            btype = np.result_type(btype, float)
        if btype not in (_F8, _F4) or (btype == _F4 and t != 1):
            return None
        edges = np.linspace(first, last, nbins + 1, endpoint=True, dtype=btype)
        if np.any(edges[:-1] >= edges[1:]):
            return None
        keep = _keep(x.dtype, first, last)
        if keep is None:
            return None
        zero = np.zeros(1, btype)
        if np.result_type(zero, first) != btype:
            return None
        denom = _unsigned_subtract(last, first)
        qtype = np.result_type(zero, denom)
        if qtype not in (_F8, _F4) or (qtype == _F4 and btype != _F4):
            return None
        with np.errstate(all="ignore"):
            first_b = float(btype.type(first))
            denom_q = float(qtype.type(denom))
            n_q = float(qtype.type(nbins))
            norm = float(qtype.type(n_q) / qtype.type(denom_q))
    except Exception:
        return None
    q32 = qtype == _F4
    out = _hist_out(w, nbins)
    bad = _run(_kernels().hist_uniform, x.size, n_threads, x, t, w, out, edges, keep,
               (int(q32), first_b, norm, denom_q, n_q, _fast_limit(edges, first, denom,
                                                                   nbins, qtype, norm)))
    if bad:
        return None
    return out, edges


def _fast_limit(edges, first, denom, nbins, qtype, norm):
    """lim such that a value with ``|frac(F') - 0.5| < lim`` is in bin ``int(F')``.

    NumPy's index F(v) = (v - first) / denom * n is monotone in v, so a value in
    [e_i, e_i+1) has F(e_i) <= F(v) <= F(e_i+1), each within delta of its edge's
    number; F' = (v - first) * norm is within eps_q of F (a few roundings of a
    value <= n + 1). Beyond delta + eps_q from every integer, int(F') is the bin
    and NumPy's correction keeps it. 0 (always NumPy's arithmetic) when in doubt.
    """
    eps = float(np.finfo(qtype).eps)
    eps_q = 8.0 * eps * (nbins + 2)
    if not (np.isfinite(norm) and norm > (2.0 ** -100 if qtype == _F4 else 2.0 ** -900)):
        return 0.0
    with np.errstate(all="ignore"):
        fe = (_unsigned_subtract(edges, first) / denom) * nbins     # NumPy's expression
        dev = np.abs(fe.astype(np.float64) - np.arange(nbins + 1, dtype=np.float64))
    if fe.dtype != qtype or not np.all(np.isfinite(dev)):
        return 0.0
    return max(0.0, 0.5 - (float(dev.max()) * 1.0001 + eps_q + 4 * eps))


def _edges_for(xdt, edges):
    """Edges as float64 (double comparisons) or int64 (integer comparisons) for data of
    dtype xdt, as NumPy's searchsorted compares them; None where NumPy should answer."""
    if edges.dtype.kind not in "fiub" or edges.dtype.itemsize > 8:
        return None
    try:
        common = np.result_type(xdt, edges.dtype)
    except Exception:
        return None
    if common.kind == "f" and common.itemsize <= 8:
        e = edges.astype(_F8)
        if np.isnan(e).any():
            return None
        return e
    if common.kind in "iu" and edges.dtype.kind in "iub":
        if edges.size and edges.dtype == np.uint64 and edges.max() > _I64MAX:
            return None
        if common == np.uint64:
            return None
        e = edges.astype(_I8)
        if e.size and (e.max() > 2**53 or e.min() < -2**53):
            # NumPy decides whether such edges increase in doubles, where
            # neighbours can compare equal: its answer, not the exact one
            return None
        return e
    return None


def _locator(e, nvalues):
    """(tab, e0, scale, e + [NaN]): cells that narrow the search over the float64
    edges e (the kernels settle every value by comparisons with the edges, so this
    only has to be close), or None when the edges are not finite or are integers,
    or when nvalues values are too few to repay building the cells (a plain binary
    search is then faster; 10 values: 11 -> 3 us)."""
    if e.dtype != _F8 or e.size < 4:
        return None
    G = int(min(max(4 * (e.size - 1), 16), 1 << 16))
    if nvalues < 8 * G:
        return None
    e0, e1 = float(e[0]), float(e[-1])
    if not (np.isfinite(e0) and np.isfinite(e1) and e1 > e0):
        return None
    scale = G / (e1 - e0)
    if not np.isfinite(scale) or scale <= 0:
        return None
    with np.errstate(all="ignore"):
        bounds = e0 + np.arange(G + 1, dtype=_F8) / scale
    tab = np.searchsorted(e, bounds, side="right").astype(np.int32)
    return tab, e0, scale, np.append(e, np.nan)


def _explicit(x, t, w, bins, n_threads):
    bin_edges = plain_array(bins)
    if bin_edges is None or bin_edges.ndim != 1 or bin_edges.size < 2:
        return None
    try:
        if np.any(bin_edges[:-1] > bin_edges[1:]):
            return None
    except Exception:
        return None
    e = _edges_for(x.dtype, bin_edges)
    if e is None:
        return None
    out = _hist_out(w, e.size - 1)
    _run(_kernels().hist_edges, x.size, n_threads, x, t, w, out, e, _locator(e, x.size))
    return out, bin_edges


# -------------------------------------------------------------- histogramdd

def histogramdd(sample, bins=10, range=None, density=None, weights=None, *, n_threads=None):
    """Multidimensional histogram, as ``numpy.histogramdd``; returns ``(hist, edges)``.

    Counts are exact (NumPy's, as float64); weighted sums follow NumPy's single
    sequential pass (one chain per bin in sample order: NumPy's bits, for any
    ``n_threads``).
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.histogramdd(sample, bins=bins, range=range, density=density,
                              weights=weights)

    if hasattr(sample, "shape"):
        s = plain_array(sample)
        if s is None or s.ndim not in (1, 2):
            return numpy()
        cols = [s] if s.ndim == 1 else [s[:, i] for i in _builtin_range(s.shape[1])]
    else:
        try:
            cols = [plain_array(c) for c in sample]
        except Exception:
            return numpy()
        if not cols or any(c is None or c.ndim != 1 for c in cols):
            return numpy()
    res = _dd(cols, bins, range, density, weights, n_threads)
    return numpy() if res is None else res


def histogram2d(x, y, bins=10, range=None, density=None, weights=None, *, n_threads=None):
    """Bi-dimensional histogram, as ``numpy.histogram2d``; returns
    ``(H, xedges, yedges)``. Exactness as ``histogramdd``."""
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.histogram2d(x, y, bins=bins, range=range, density=density, weights=weights)

    xs, ys = plain_array(x), plain_array(y)
    if xs is None or ys is None or xs.ndim != 1 or ys.ndim != 1 or len(xs) != len(ys):
        return numpy()
    b = bins
    try:
        N = len(b)
    except TypeError:
        N = 1
    if N != 1 and N != 2:
        xedges = yedges = np.asarray(b)
        b = [xedges, yedges]
    res = _dd([xs, ys], b, range, density, weights, n_threads)
    if res is None:
        return numpy()
    hist, edges = res
    return hist, edges[0], edges[1]


def _dd(cols, bins, rng, density, weights, n_threads):
    """NumPy's histogramdd over the columns `cols`, or None where NumPy should answer."""
    D = len(cols)
    N = cols[0].shape[0]
    types = [_tcode(c, allow_bool=False) for c in cols]
    if any(tc is None for tc in types) or any(c.shape[0] != N for c in cols) or N == 0:
        return None
    try:
        common = np.result_type(*[c.dtype for c in cols])
    except Exception:
        return None
    w = None
    if weights is not None:
        w = _weights(weights, (N,))
        if w is None:
            return None
    try:
        M = len(bins)
        if M != D:
            return None
    except TypeError:
        bins = D * [bins]
    if rng is None:
        rng = (None,) * D
    else:
        try:
            if len(rng) != D:
                return None
        except TypeError:
            return None
    edges, kedges, uniform = [], [], True
    for i in _builtin_range(D):
        bi = bins[i]
        if isinstance(bi, str):
            return None
        if np.ndim(bi) == 0:
            try:
                nb = operator.index(bi)
            except TypeError:
                return None
            if nb < 1:
                return None
            col = cols[i]
            if rng[i] is None:
                lo, hi = _minmax(col, types[i], n_threads)
                lo, hi = common.type(lo), common.type(hi)
            else:
                lo = hi = None
            oe = _outer_edges_dd(lo, hi, rng[i])
            if oe is None:
                return None
            e = np.linspace(oe[0], oe[1], nb + 1)
        elif np.ndim(bi) == 1:
            uniform = False
            e = np.asarray(bi)
            try:
                if np.any(e[:-1] > e[1:]):
                    return None
            except Exception:
                return None
        else:
            return None
        if e.size < 2 or e.dtype.kind not in "fiu" or e.dtype.itemsize > 8:
            return None
        if e.dtype.kind in "iu" and not _exact_in_double(e.min(), e.max()):
            # NumPy finds the bin in doubles but tests the last edge exactly
            return None
        if e.dtype.kind in "iu" and cols[i].dtype.kind in "iu" and not _exact_in_double(
                *_minmax(cols[i], types[i], n_threads)):
            return None
        try:
            cmp = np.result_type(e.dtype, common)
        except Exception:
            return None
        if cmp.kind != "f" or cmp.itemsize > 8:
            return None
        ke = np.ascontiguousarray(e, dtype=_F8)
        if np.isnan(ke).any():
            return None
        edges.append(e)
        kedges.append(ke)
    core = tuple(len(e) - 1 for e in edges)
    total = 1
    for c in core:
        total *= c
    if total > (1 << 31):
        return None
    out = np.zeros(total, _F8 if w is not None else _I8)
    unis = [_dd_uniform(e) for e in kedges] if uniform else None
    _run(_kernels().histdd, N * D, n_threads, list(cols), types, kedges,
         [_locator(e, N) for e in kedges], unis, out, w)
    hist = out.reshape(core).astype(float, casting="safe")
    return (dd_density(hist, edges) if density else hist), edges


def dd_density(hist, edges):
    """``numpy.histogramdd``'s density from its float64 counts ``hist``, bit for bit."""
    D, core = hist.ndim, hist.shape
    # NumPy sums a view of its histogram with the outlier bins around it; its order of
    # additions (so the divisor's last bit) is that view's
    pad = np.zeros(tuple(c + 2 for c in core))
    view = pad[(slice(1, -1),) * D]
    view[...] = hist
    s = view.sum()
    for i in _builtin_range(D):
        shape = np.ones(D, int)
        shape[i] = core[i]
        hist = hist / np.diff(edges[i]).reshape(shape)
    hist /= s
    return hist


def _exact_in_double(lo, hi):
    """Whether the integers from lo to hi are all exact as doubles (|v| <= 2**53)."""
    return -2**53 <= int(lo) and int(hi) <= 2**53


def _dd_uniform(e):
    """(lo, hi, first, norm, nb, lim) of the float64 uniform edges e for the N-d
    kernel: F'(v) = (v - first) * norm is monotone in v, so a value in bin i
    (e[i] <= v < e[i+1]) has F'(e[i]) <= F'(v) <= F'(e[i+1]), each within delta of its
    edge's number; where ``|frac(F') - 0.5| < lim = 0.5 - delta - rounding`` the bin
    is int(F'). lim = 0 (every value settled by the edges) when in doubt."""
    nb = e.size - 1
    first, last = float(e[0]), float(e[-1])
    eps = float(np.finfo(_F8).eps)
    lim, norm = 0.0, 0.0
    with np.errstate(all="ignore"):
        span = last - first
        if span > 0 and np.isfinite(span):
            norm = nb / span
            dev = np.abs((e - first) * norm - np.arange(nb + 1, dtype=_F8))
            if np.isfinite(norm) and norm > 0 and np.all(np.isfinite(dev)):
                lim = max(0.0, 0.5 - (float(dev.max()) * 1.0001 + 4 * eps * (nb + 2)))
    return first, last, first, norm, float(nb), lim


def _outer_edges_dd(lo, hi, rng):
    if rng is not None:
        try:
            first, last = rng
            if first > last or not (np.isfinite(first) and np.isfinite(last)):
                return None
        except Exception:
            return None
    else:
        first, last = lo, hi
        if not (np.isfinite(first) and np.isfinite(last)):
            return None
    if first == last:
        first = first - 0.5
        last = last + 0.5
    return first, last


# ------------------------------------------------------------------ bincount

def bincount(x, weights=None, minlength=0, *, n_threads=None):
    """Occurrences of each value in an array of non-negative ints, as ``numpy.bincount``.

    Counts are ``intp``; weighted sums are float64, each bin summed in input order as
    NumPy does (threads split the bins), so NumPy's bits for any ``n_threads``.
    """
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.bincount(x, weights, minlength)

    arr = plain_array(x)
    t = _tcode(arr, allow_bool=True)
    if t is None or t < 2 or arr.ndim != 1 or arr.size == 0:
        return numpy()
    try:
        ml = operator.index(minlength)
    except TypeError:
        return numpy()
    if ml < 0:
        return numpy()
    w = None
    if weights is not None:
        w = _weights(weights, arr.shape)
        if w is None:
            return numpy()
    if arr.size < SMALL_BINCOUNT and _config._state["fast"]:
        return numpy()  # the same counts (and sums, in input order): NumPy is quicker here
    arr = np.ascontiguousarray(arr)
    if arr.dtype == np.bool_:
        arr = arr.view(np.uint8)
    if w is None:
        # One read: each block's range checked, then counted from cache.
        r = _run(_kernels().bincount_counts, arr.size, n_threads, arr, t, ml)
        if type(r) is not int:
            return r.astype(_INTP, copy=False)
        if r == 0:
            return numpy()      # a negative value: NumPy's error
        # else too many bins for per-thread counts: the two passes below
    lo, hi = _run(_kernels().minmax, arr.size, n_threads, arr, t)
    if lo < 0:
        return numpy()
    out = np.zeros(max(int(hi) + 1, ml), _INTP if w is None else _F8)
    _run(_kernels().bincount, arr.size, n_threads, arr, t, w, out)
    return out


# ------------------------------------------------------------------ digitize

def digitize(x, bins, right=False, *, n_threads=None):
    """Indices of the bins to which each value belongs, as ``numpy.digitize``
    (``intp``, NumPy's ``searchsorted`` comparisons, NaN after every edge)."""
    if n_threads is not None:
        _config._resolve(n_threads)

    def numpy():
        return np.digitize(x, bins, right=right)

    xa = plain_array(x)
    t = _tcode(xa, allow_bool=True)
    if t is None or xa.ndim == 0 or xa.size == 0 or not xa.flags.c_contiguous:
        return numpy()
    if xa.size < SMALL_DIGITIZE and _config._state["fast"]:
        return numpy()  # the same indices: NumPy's searchsorted is quicker here
    b = plain_array(bins)
    if b is None or b.ndim != 1 or b.size == 0:
        return numpy()
    e = _edges_for(xa.dtype, b)
    if e is None:
        return numpy()
    if np.all(e[:-1] <= e[1:]):
        dec = False
    elif np.all(e[:-1] >= e[1:]):
        dec = True
        e = np.ascontiguousarray(e[::-1])
    else:
        return numpy()
    if xa.dtype == np.bool_:
        xa = xa.view(np.uint8)
    out = np.empty(xa.shape, _INTP)
    _run(_kernels().digitize, xa.size, n_threads, xa, t, e, _locator(e, xa.size), bool(right),
         dec, out)
    return out
