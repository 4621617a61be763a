"""One generator of hard inputs shared by every test.

Sizes sit around the pairwise tree's boundaries (8, 128) and the kernels' block
and leaf sizes (4096, 8192, 16384); values include NaN, +-inf and -0.0 in first,
middle and last place, huge and tiny magnitudes; layouts include strided,
reversed, Fortran-ordered, transposed, 0-d and byte-swapped arrays.
"""
import numpy as np

NATIVE_DTYPES = ("float64", "float32", "int64", "int32", "uint8", "bool")
OTHER_DTYPES = ("float16", "int8", "uint64")
SIZES = (1, 2, 7, 8, 9, 127, 128, 129, 1000, 4097, 8193, 16385, 40001)


def _values(rng, n, dtype):
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return rng.random(n) < 0.5
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = max(info.min, -(1 << 40)), min(info.max, 1 << 40)
        if dt.itemsize >= 8:  # exercise wrap-around of 64-bit sums
            lo, hi = info.min // 4, info.max // 4
        return rng.integers(lo, hi, n, dtype=dt, endpoint=True)
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)
    return x.astype(dt)


def arrays(dtypes=NATIVE_DTYPES, sizes=SIZES, seed=1234):
    """Yield (label, array) pairs: every dtype x size x special-value placement."""
    rng = np.random.default_rng(seed)
    for dtype in dtypes:
        dt = np.dtype(dtype)
        for n in sizes:
            base = _values(rng, n, dt)
            yield f"{dtype}-{n}", base
            if dt.kind != "f":
                continue
            for where in ("first", "middle", "last"):
                i = {"first": 0, "middle": n // 2, "last": n - 1}[where]
                for special in (np.nan, np.inf, -np.inf, -0.0):
                    if n > 129 and special in (np.inf, -np.inf):
                        continue  # keep the matrix small; inf is covered below
                    x = base.copy()
                    x[i] = special
                    yield f"{dtype}-{n}-{special}@{where}", x
            if n >= 8:
                big = np.finfo(dt).max / 4
                tiny = np.finfo(dt).smallest_subnormal
                yield f"{dtype}-{n}-huge", (base * 0 + big * np.sign(base)).astype(dt)
                yield f"{dtype}-{n}-tiny", (np.sign(base) * tiny * 3).astype(dt)
                yield f"{dtype}-{n}-zeros", np.where(rng.random(n) < 0.5, -0.0, 0.0).astype(dt)
                x = base.copy()
                x[rng.random(n) < 0.1] = np.nan
                yield f"{dtype}-{n}-nans", x
                yield f"{dtype}-{n}-allnan", np.full(n, np.nan, dt)


def layouts(x):
    """Views of a 1-D array in other memory layouts and shapes: (label, array)."""
    n = x.size
    yield "c", x
    yield "0d", x[0].copy().reshape(())
    if n >= 4:
        yield "strided", x[::3]
        yield "reversed", x[::-1]
        yield "byteswapped", x.astype(x.dtype.newbyteorder())
    for rows in (2, 3, 7):
        if n % rows == 0 and n // rows > 1:
            m = x.reshape(rows, -1)
            yield f"2d-{rows}", m
            yield f"2d-{rows}-F", np.asfortranarray(m)
            yield f"2d-{rows}-T", m.T
            yield f"2d-{rows}-cols", m[:, ::2]
            break
    if n % 12 == 0:
        yield "3d", x.reshape(3, 4, -1)
        yield "3d-F", np.asfortranarray(x.reshape(3, 4, -1))


def axis_options(ndim):
    opts = [None]
    opts += list(range(-ndim, ndim))
    if ndim >= 2:
        opts += [(0, 1), (0, ndim - 1)]
    if ndim == 3:
        opts += [(1, 2), (0, 1, 2), (0, 2)]
    return opts
