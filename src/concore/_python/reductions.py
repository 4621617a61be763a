"""Reference reduction kernels in NumPy: the definitions the native kernels reproduce.

Same names and signatures as ``concore._native.reductions``. Inputs arrive
normalised by ``concore.reductions`` (see ``_plan`` there): a base array whose
data pointer is the first element, the kept index space, the outer reduced space
and an inner reduced run (strides in elements). Each sum-family output is

    row(k) = fold over o, in order, of (acc + pairwise(run(k, o)))      acc = 0

NumPy's ``add.reduce`` over the last axis of a C-contiguous array is exactly its
pairwise sum per row, and ``cumsum`` is exactly a sequential fold, so these few
lines give the native kernels' bits. ``n_threads`` and ``check`` are accepted
for the common signature; this backend runs in the calling thread.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

OP_SUM, OP_NANSUM, OP_SQDEV, OP_NANSQDEV, OP_COUNT = 0, 1, 2, 3, 4
NAN_PROPAGATE, NAN_SKIP, NAN_AS_WORST = 0, 1, 2

_TYPES = (np.float64, np.float32, np.int64, np.int32, np.uint8)


def _view(a, tcode, shape, strides):
    """The logical array a kernel reads: `shape` with element strides from a's first element."""
    t = _TYPES[tcode]
    a = a if a.dtype == t else a.view(t)
    isz = a.itemsize
    return as_strided(a, shape=shape, strides=tuple(s * isz for s in strides), writeable=False)


def _values(c, op, mean, acc):
    """What each element contributes to the sum, in the accumulator dtype."""
    if op == OP_COUNT:
        return (~np.isnan(c)).astype(acc) if c.dtype.kind == "f" else np.ones(c.shape, acc)
    x = c.astype(acc, copy=False)
    nan = np.isnan(c) if (c.dtype.kind == "f" and op in (OP_NANSUM, OP_NANSQDEV)) else None
    if op in (OP_SQDEV, OP_NANSQDEV):
        d = x - mean
        x = d * d
    if nan is not None:
        x = np.where(nan, acc.type(0), x)
    return x


def _fold(p, axis, acc):
    """Sequential left fold from zero along `axis` (cumsum adds in order)."""
    return np.cumsum(p, axis=axis, dtype=acc).take(-1, axis=axis) + acc.type(0)


def sum_rows(a, tcode, out, mean, kshape, kstride, oshape, ostride, L, ls, smode, op, nt, check):
    acc = out.dtype
    K = int(np.prod(kshape, dtype=np.int64))
    O = int(np.prod(oshape, dtype=np.int64))
    if smode:
        ki = kshape[-1]
        v = _view(a, tcode, kshape[:-1] + oshape + (ki,), kstride[:-1] + ostride + (kstride[-1],))
        c = np.ascontiguousarray(v).reshape(K // ki, O, ki)
        m = None if mean is None else mean.reshape(K // ki, 1, ki)
        res = _fold(_values(c, op, m, acc), 1, acc)
    else:
        v = _view(a, tcode, kshape + oshape + (L,), kstride + ostride + (ls,))
        c = np.ascontiguousarray(v).reshape(K, O, L)
        m = None if mean is None else mean.reshape(K, 1, 1)
        runs = np.add.reduce(_values(c, op, m, acc), axis=2)  # NumPy's pairwise, per run
        res = _fold(runs, 1, acc)
    out[...] = res.reshape(-1)
    return out


def sum_flat(a, tcode, op, mean, nt, check):
    acc = a.dtype
    return np.add.reduce(_values(a.reshape(-1), op, acc.type(mean), acc))


def dot_flat(a, b, tcode, sa, sb, nt, check):
    n = a.size
    x = _view(a, tcode, (n,), (sa,))
    y = _view(b, tcode, (n,), (sb,))
    acc = np.dtype(np.int64) if tcode >= 2 else x.dtype
    return np.add.reduce(x.astype(acc) * y.astype(acc))


def extreme_flat(a, tcode, outv, want_max, need_idx, nt, check):
    idx = np.empty(1, np.int64)
    extreme_rows(a, tcode, outv, idx, np.empty(1, np.uint8), (), (), (), (), a.size, 1,
                 False, want_max, 0, need_idx, nt, check)
    return int(idx[0])


def extreme_rows(a, tcode, outv, outi, outok, kshape, kstride, oshape, ostride, L, ls,
                 smode, want_max, nanmode, need_idx, nt, check):
    K = int(np.prod(kshape, dtype=np.int64))
    if smode:
        ki = kshape[-1]
        v = _view(a, tcode, kshape[:-1] + (ki,) + oshape, kstride[:-1] + (kstride[-1],) + ostride)
    else:
        v = _view(a, tcode, kshape + oshape + (L,), kstride + ostride + (ls,))
    c = np.ascontiguousarray(v).reshape(K, -1)
    arg = np.argmax if want_max else np.argmin
    rows = np.arange(K)
    if c.dtype.kind == "f":
        nan = np.isnan(c)
        ok = ~nan.all(axis=1)
        worst = -np.inf if want_max else np.inf
        if nanmode == NAN_PROPAGATE:
            idx = arg(c, axis=1)  # NumPy: the first NaN, else the first extreme
            val = c[rows, idx]
        else:
            key = np.where(nan, c.dtype.type(worst), c)
            idx = arg(key, axis=1)
            if nanmode == NAN_SKIP:  # the first non-NaN element equal to the extreme
                best = key[rows, idx]
                idx = np.where(ok, np.argmax(c == best[:, None], axis=1), -1)
                val = np.where(ok, c[rows, np.maximum(idx, 0)], c[:, 0])
            else:  # NaN ranks as +-inf: the first of either
                val = key[rows, idx]
    else:
        ok = np.ones(K, bool)
        idx = arg(c, axis=1)
        val = c[rows, idx]
    outv[...] = val
    outi[...] = idx
    outok[...] = ok
