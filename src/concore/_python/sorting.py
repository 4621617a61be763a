"""Reference sorting kernels in NumPy: the answers the native kernels reproduce.

Same names and signatures as ``concore._native.sorting``. A stable sort has exactly
one answer, so NumPy's stable sort/argsort is the reference for the radix sort; the
searchsorted and unique kernels are written out with NumPy in the same terms as the
native ones (order keys; the first of each run of equal keys). ``n_threads`` and
``check`` are accepted for the common signature; this backend runs in the calling
thread.
"""
import numpy as np


def sort(x, out, tcode, nt, check):
    """Sort each row of the 2-D ``x`` into ``out`` (``out`` may be ``x``)."""
    out[...] = np.sort(x, axis=-1, kind="stable")
    return out


def argsort(x, out, tcode, nt, check):
    """Stable argsort of each row of the 2-D ``x`` into the int64 ``out``."""
    out[...] = np.argsort(x, axis=-1, kind="stable")
    return out


def searchsorted(a, v, out, tcode, right, nt, check):
    """Insertion points of ``v`` in the sorted 1-D ``a`` (NumPy's order: NaN last)."""
    out[...] = np.searchsorted(a, v, side="right" if right else "left")
    return out


def _same_as_previous(s, equal_nan):
    """same[i]: s[i] equals s[i-1] (i >= 1): -0.0 == 0.0; NaN == NaN iff equal_nan."""
    same = s[1:] == s[:-1]
    if s.dtype.kind == "f" and equal_nan:
        same |= np.isnan(s[1:]) & np.isnan(s[:-1])
    return same


def unique(s, tcode, equal_nan, want_where, nt, check):
    """(first value of each run of equal values of the sorted 1-D ``s``, where each run
    starts or None)."""
    head = np.empty(s.size, dtype=bool)
    head[:1] = True
    np.logical_not(_same_as_previous(s, equal_nan), out=head[1:])
    where = np.flatnonzero(head)
    return s[where], (where.astype(np.int64) if want_where else None)


def inverse_runs(perm, where, inverse, nt, check):
    """inverse[perm[i]] = the run of sorted position i (runs start at ``where``)."""
    run = np.zeros(perm.size, dtype=np.int64)
    run[where[1:]] = 1
    np.cumsum(run, out=run)
    inverse[perm] = run
    return inverse
