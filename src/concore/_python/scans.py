"""Reference scan kernels in NumPy: the definitions the native kernels reproduce.

Same names and signatures as ``concore._native.scans`` (see its module docstring
for the two definitions). The sequential one is NumPy's ``cumsum``/``cumprod``
itself; the blocked one is written below with ``accumulate`` calls, each of which
is a plain sequential loop in NumPy, so the bits match the native kernels'.
``n_threads`` and ``check`` are accepted for the common signature; this backend
runs in the calling thread.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

# The blocked structure: part of the definition of the result (same as the native side).
BLOCK = 4160
NSUB = 8
SUB = BLOCK // NSUB

_TYPES = (np.float64, np.float32, np.int64, np.int32, np.uint8)


def _view(a, dtype, shape, strides, writeable=False):
    """`shape` with element strides from a's first element, as `dtype` (same itemsize)."""
    a = a if a.dtype == dtype else a.view(dtype)
    isz = a.itemsize
    return as_strided(a, shape=shape, strides=tuple(s * isz for s in strides),
                      writeable=writeable)


def _identity(acc, op):
    if op == 1:
        return acc.type(1)
    if acc.kind == "f":
        return acc.type(-0.0)  # -0.0 + x == x for every x, -0.0 included
    return acc.type(0)


def blocked(v, op):
    """The blocked scan of each row of the 2-D array v (already in the accumulator type)."""
    acc = v.dtype
    ufunc = np.add if op == 0 else np.multiply
    e = _identity(acc, op)
    K, N = v.shape
    nsub = -(-N // SUB)
    nblk = -(-nsub // NSUB)
    V = np.full((K, nblk * NSUB, SUB), e, acc)
    V.reshape(K, -1)[:, :N] = v                                   # padded with e
    s = ufunc.accumulate(V, axis=2)[:, :, -1]                     # s[b][j]
    S8 = s.reshape(K, nblk, NSUB)
    T = ufunc.accumulate(S8, axis=2)[:, :, -1]                    # T[b]
    Pin = np.empty((K, nblk + 1), acc)
    Pin[:, 0] = e
    Pin[:, 1:] = T
    P = ufunc.accumulate(Pin, axis=1)[:, :nblk]                   # P[b]
    Qin = np.empty((K, nblk, NSUB), acc)
    Qin[:, :, 0] = P
    Qin[:, :, 1:] = S8[:, :, :NSUB - 1]
    Q = ufunc.accumulate(Qin, axis=2)                             # Q[b][j]
    W = np.empty((K, nblk * NSUB, SUB + 1), acc)
    W[:, :, 0] = Q.reshape(K, -1)
    W[:, :, 1:] = V
    R = ufunc.accumulate(W, axis=2)[:, :, 1:]                     # each sub-block from Q
    return R.reshape(K, -1)[:, :N]


def touch(out, nt, check):
    """The native backend maps a new output's pages in on all threads; nothing to do here."""
    return out


def scan(x, tcode, out, kshape, xks, oks, N, xns, ons, op, nan, blocked_, nt, check):
    acc = out.dtype
    xv = _view(x, _TYPES[tcode], tuple(kshape) + (N,), tuple(xks) + (xns,))
    ov = _view(out, acc, tuple(kshape) + (N,), tuple(oks) + (ons,), writeable=True)
    v = xv.astype(acc)
    if nan and xv.dtype.kind == "f":
        v[np.isnan(xv)] = acc.type(0 if op == 0 else 1)
    if blocked_:
        K = 1
        for n in kshape:
            K *= n
        res = blocked(v.reshape(K, N), op).reshape(v.shape)
    else:
        ufunc = np.add if op == 0 else np.multiply
        res = ufunc.accumulate(v, axis=-1)
    ov[...] = res
    return out
