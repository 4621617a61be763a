"""Reference selection kernels in NumPy: the definitions the native kernels reproduce.

Same names and signatures as ``concore._native.selection`` (see its module
docstring). Values are compared through the same order-preserving keys (NaN last,
-0.0 just below +0.0), order statistics are read from a sort of the keys, and a
partition is the stable layout by class (``np.argsort(kind="stable")``), so both
backends give the same bits. ``n_threads`` and ``check`` are accepted for the
common signature; this backend runs in the calling thread.
"""
import numpy as np

_TYPES = (np.float64, np.float32, np.int64, np.int32)
_NAN = np.uint64(0xFFFFFFFFFFFFFFFF)
_TOP = np.uint64(1 << 63)


def keys(x):
    """The order-preserving uint64 keys of x (a float64/float32/int64/int32 array)."""
    x = np.asarray(x)
    dt = x.dtype
    if dt == np.float64 or dt == np.int64:
        u = np.ascontiguousarray(x).view(np.uint64)
        if dt == np.int64:
            return u ^ _TOP
        k = np.where(u >> np.uint64(63) != 0, ~u, u | _TOP)
    else:
        u = np.ascontiguousarray(x).view(np.uint32)
        if dt == np.int32:
            return (u ^ np.uint32(1 << 31)).astype(np.uint64) << np.uint64(32)
        k = np.where(u >> np.uint32(31) != 0, ~u, u | np.uint32(1 << 31))
        k = k.astype(np.uint64) << np.uint64(32)
    return np.where(np.isnan(x), _NAN, k)


def values(k, dtype):
    """The inverse of keys(): values of dtype from uint64 keys."""
    k = np.asarray(k, dtype=np.uint64)
    dt = np.dtype(dtype)
    if dt == np.int64:
        return (k ^ _TOP).view(np.int64)
    if dt == np.int32:
        return ((k >> np.uint64(32)).astype(np.uint32) ^ np.uint32(1 << 31)).view(np.int32)
    if dt == np.float64:
        u = np.where(k >> np.uint64(63) != 0, k & ~_TOP, ~k)
        v = u.view(np.float64)
    else:
        k32 = (k >> np.uint64(32)).astype(np.uint32)
        u = np.where(k32 >> np.uint32(31) != 0, k32 & np.uint32(0x7FFFFFFF), ~k32)
        v = u.view(np.float32)
    return np.where(k == _NAN, dt.type(np.nan), v).astype(dt)


def select(x, tcode, ranks, vals, nanflag, nt, check):
    """vals[r, j] = rank ranks[j] of row r of the 2-D x in key order; nanflag[r] = 1
    and vals[r] NaN when the row holds a NaN."""
    dt = np.dtype(_TYPES[tcode])
    s = np.sort(keys(x), axis=1)
    nan = s[:, -1] == _NAN if dt.kind == "f" else np.zeros(s.shape[0], bool)
    v = values(s[:, np.asarray(ranks)], dt)
    v[nan] = np.nan if dt.kind == "f" else 0
    vals[...] = v
    nanflag[...] = nan
    return vals


def classes(k, kk):
    """Class of each key of the rows of k given the kth keys kk (K, p), ascending:
    2i between the i-th and (i+1)-th distinct kth key, 2i+1 equal to the (i+1)-th."""
    first = np.ones(kk.shape, bool)
    first[:, 1:] = kk[:, 1:] != kk[:, :-1]
    cls = np.zeros(k.shape, np.int64)
    for j in range(kk.shape[1]):
        col = kk[:, j:j + 1]
        cls += 2 * (first[:, j:j + 1] & (col < k))
        cls |= (col == k)
    return cls


def partition(x, tcode, ranks, out, idx, nt, check):
    """Stable layout of each row of the 2-D x by class around its kth keys."""
    k = keys(x)
    kk = np.sort(k, axis=1)[:, np.asarray(ranks)]
    order = np.argsort(classes(k, kk), axis=1, kind="stable")
    if idx is not None:
        idx[...] = order
    if out is not None:
        out[...] = np.take_along_axis(np.asarray(x), order, axis=1)
    return None
