"""Reference histogram kernels in NumPy: the definitions the native kernels reproduce.

Same names and signatures as ``concore._native.histograms`` (see its module
docstring): blocks of 65536 values, weighted 1-d sums per block (``bincount`` in
double, element order) added to the output in block order, NumPy's uniform-bin
index arithmetic and correction. ``n_threads`` and ``check`` are accepted for the
common signature; this backend runs in the calling thread.
"""
import numpy as np

BLOCK = 65536

_TYPES = (np.float64, np.float32, np.int64, np.int32, np.uint8)


def _add_block(out, idx, wb):
    """out += this block's counts / weight sums, as NumPy's histogram does."""
    nb = out.shape[0]
    if wb is None:
        out += np.bincount(idx, minlength=nb)
    else:
        out += np.bincount(idx, weights=wb, minlength=nb).astype(out.dtype)


def hist_uniform(x, t, w, out, edges, keep, arith, n_threads, check):
    cint, lo, hi = keep
    q32, first, norm, denom, n, lim = arith  # lim: a native shortcut only
    btype = edges.dtype
    qtype = np.dtype(np.float32 if q32 else np.float64)
    nb = out.shape[0]
    for s in range(0, x.size, BLOCK):
        xb = x[s:s + BLOCK]
        wb = None if w is None else w[s:s + BLOCK]
        c = xb.astype(np.int64) if cint else xb.astype(np.float64)
        m = (c >= lo) & (c <= hi)
        xb = xb[m]
        if wb is not None:
            wb = wb[m]
        v = xb.astype(btype)
        d = v - btype.type(first)
        f = (d.astype(qtype) / qtype.type(denom)) * qtype.type(n)
        if not np.all((f >= 0) & (f < nb + 1)):
            return True
        i = f.astype(np.intp)
        i[i == nb] -= 1
        i[v < edges[i]] -= 1
        inc = (v >= edges[i + 1]) & (i != nb - 1)
        i[inc] += 1
        if np.any(i < 0):
            return True
        _add_block(out, i, wb)
    return False


def _edge_index(v, edges):
    """Bin of each value over increasing edges, last bin closed; -1 outside."""
    ne = edges.shape[0]
    i = np.searchsorted(edges, v, side="right") - 1
    i[i == ne - 1] = ne - 2
    i[~((v >= edges[0]) & (v <= edges[-1]))] = -1
    return i


def hist_edges(x, t, w, out, edges, loc, n_threads, check):
    for s in range(0, x.size, BLOCK):
        v = x[s:s + BLOCK].astype(edges.dtype)
        i = _edge_index(v, edges)
        m = i >= 0
        _add_block(out, i[m], None if w is None else w[s:s + BLOCK][m])
    return False


def minmax(x, t, n_threads, check):
    lo, hi = x.min(), x.max()
    if t <= 1:
        return float(lo), float(hi)
    return int(lo), int(hi)


def bincount_counts(x, t, minlength, n_threads, check):
    if x.min() < 0:
        return 0
    return np.bincount(x, minlength=minlength).astype(np.int64, copy=False)


def bincount(x, t, w, out, n_threads, check):
    out[...] = np.bincount(x, weights=None if w is None else w.astype(np.float64),
                           minlength=out.shape[0])


def digitize(x, t, edges, loc, right, dec, out, n_threads, check):
    v = x.astype(edges.dtype)
    r = np.searchsorted(edges, v, side="left" if right else "right")
    if edges.dtype.kind == "f" and right:
        r[np.isnan(v)] = edges.shape[0]
    out[...] = edges.shape[0] - r if dec else r


def histdd(cols, types, edges, locs, unis, out, w, n_threads, check):
    # unis: the native kernel's uniform-bin shortcut; the searchsorted below decides
    n = cols[0].shape[0]
    lin = np.zeros(n, np.intp)
    ok = np.ones(n, bool)
    mul = 1
    for c, e in zip(reversed(cols), reversed(edges)):
        v = c.astype(np.float64)
        ne = e.shape[0]
        i = np.searchsorted(e, v, side="right")
        i[v == e[-1]] -= 1
        ok &= (i >= 1) & (i <= ne - 1)
        lin += (i - 1) * mul
        mul *= ne - 1
    if w is None:
        out += np.bincount(lin[ok], minlength=out.shape[0])
    else:
        # NumPy's bincount over every sample in order; outliers add to no core bin
        out += np.bincount(lin[ok], weights=w[ok].astype(np.float64),
                           minlength=out.shape[0])
