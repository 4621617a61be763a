"""concore.dask: the same functions over dask arrays, checked against NumPy (and against
concore on the whole array where the chunks must not change the bits)."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import concore
from concore import _config

if os.environ.get("CONCORE_REQUIRE_DASK") == "1":
    import dask   # CI installs the dask extra: a missing dask fails here, never skips
else:
    dask = pytest.importorskip("dask")
import dask.array as da  # noqa: E402

import concore.dask as cd  # noqa: E402

from conftest import BACKENDS  # noqa: E402

RNG = np.random.default_rng(20261129)


def compute(x, scheduler="threads", **kw):
    with dask.config.set(scheduler=scheduler, **kw):
        return x.compute()


@pytest.fixture(params=BACKENDS)
def on_backend(request):
    """Chunks computed on the calling thread, inside use_backend (it is per thread)."""
    with concore.use_backend(request.param), dask.config.set(scheduler="synchronous"):
        yield request.param


def normal(shape, dtype=np.float64):
    return RNG.normal(size=shape).astype(dtype)


def test_import_concore_does_not_import_dask():
    code = "import sys, concore; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- elementwise

@pytest.mark.parametrize("name", ["exp", "log", "sin", "tanh", "sqrt", "negative", "isnan",
                                  "floor", "square"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_unary_same_bits_as_concore(on_backend, name, dtype):
    x = np.abs(normal((513, 7), dtype)) + 0.5
    x[3, 2], x[100, 0] = np.nan, np.inf
    d = da.from_array(x, chunks=(100, 3))
    r = getattr(cd, name)(d)
    want = getattr(concore, name)(x)
    assert r.dtype == want.dtype
    np.testing.assert_array_equal(r.compute(), want)


def test_binary_broadcasting_and_scalars(on_backend):
    x = normal((300, 8))
    row = normal(8)
    d = da.from_array(x, chunks=(64, 3))
    np.testing.assert_array_equal(cd.add(d, row).compute(), x + row)
    np.testing.assert_array_equal(cd.multiply(2.5, d).compute(), 2.5 * x)
    np.testing.assert_array_equal(cd.power(d, 2.0).compute(), x ** 2)
    np.testing.assert_array_equal(cd.maximum(d, da.from_array(row, chunks=5)).compute(),
                                  np.maximum(x, row))
    f = d.astype(np.float32)
    assert cd.add(f, 1.5).dtype == np.float32          # NumPy's weak scalar
    np.testing.assert_array_equal(cd.add(f, 1.5).compute(), x.astype(np.float32) + 1.5)
    c = x > 0
    np.testing.assert_array_equal(cd.where(da.from_array(c, chunks=50), d, 0.0).compute(),
                                  np.where(c, x, 0.0))
    np.testing.assert_array_equal(cd.clip(d, -0.5, 0.5).compute(), np.clip(x, -0.5, 0.5))
    xi = RNG.integers(-50, 50, size=200)
    di = da.from_array(xi, chunks=33)
    np.testing.assert_array_equal(cd.floor_divide(di, 7).compute(), xi // 7)
    np.testing.assert_array_equal(cd.bitwise_xor(di, 5).compute(), xi ^ 5)


def test_elementwise_keywords_and_errors():
    d = da.from_array(normal(100), chunks=30)
    assert cd.exp(d, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(cd.exp(d, n_threads=1).compute(), concore.exp(d.compute()))
    with pytest.raises(TypeError, match="out= is not supported"):
        cd.exp(d, out=np.empty(100))
    with pytest.raises(NotImplementedError):
        cd.where(d > 0)
    with pytest.raises(ValueError):
        cd.add(d, da.ones(7, chunks=3))   # shapes that do not broadcast
    for bad in (0, 1.5, "2"):           # a bad thread count fails when the graph is built
        for call in (lambda: cd.exp(d, n_threads=bad), lambda: cd.sum(d, n_threads=bad),
                     lambda: cd.cumsum(d, n_threads=bad), lambda: cd.var(d, n_threads=bad)):
            with pytest.raises(ValueError):
                call()


def test_distinct_calls_distinct_keys():
    # graph keys come from the call's operands and options: two calls never share one
    a, b = normal(1000), normal(1000)
    x, y = da.from_array(a, chunks=300), da.from_array(b, chunks=300)
    r = (cd.exp(x) - cd.exp(y) + cd.add(x, 1.0) - cd.add(x, 2.0)
         + cd.exp(x, dtype=np.float32) + cd.evaluate("a*2", {"a": x})
         - cd.evaluate("a*2", {"a": y}))
    want = (concore.exp(a) - concore.exp(b) + (a + 1.0) - (a + 2.0)
            + concore.exp(a, dtype=np.float32) + a * 2 - b * 2)
    np.testing.assert_allclose(r.compute(), want, rtol=1e-12)
    s = (cd.sum(x) + 10 * cd.nansum(y) + 100 * cd.max(x) + 1000 * cd.min(x)
         + cd.argmax(x) + 3 * cd.argmax(y) + cd.mean(x) + cd.std(x))
    want = (a.sum() + 10 * b.sum() + 100 * a.max() + 1000 * a.min() + a.argmax()
            + 3 * b.argmax() + a.mean() + a.std())
    np.testing.assert_allclose(s.compute(), want, rtol=1e-12)


def test_digitize(on_backend):
    x = normal(1000)
    bins = np.linspace(-2, 2, 17)
    d = da.from_array(x, chunks=111)
    for right in (False, True):
        np.testing.assert_array_equal(cd.digitize(d, bins, right).compute(),
                                      np.digitize(x, bins, right))


# ---------------------------------------------------------------- evaluate

def test_evaluate_fused(on_backend):
    a, b = normal((400, 5)), normal(5)
    da_ = da.from_array(a, chunks=(70, 2))
    r = cd.evaluate("sin(a)**2 + cos(b)**2 - 2*a*b", {"a": da_, "b": b})
    np.testing.assert_array_equal(
        r.compute(), concore.evaluate("sin(a)**2 + cos(b)**2 - 2*a*b", {"a": a, "b": b}))
    s = cd.evaluate("sum(a*a)", {"a": da_})
    assert s.shape == ()
    np.testing.assert_allclose(s.compute(), np.sum(a * a), rtol=1e-13)
    one = cd.evaluate("sum(a*a)", {"a": da.from_array(a, chunks=-1)}).compute()
    assert one == np.sum(a * a)            # one chunk: NumPy's bits
    np.testing.assert_allclose(cd.evaluate("sum(a + 1, axis=0)", {"a": da_}).compute(),
                               np.sum(a + 1, axis=0), rtol=1e-13)
    np.testing.assert_allclose(cd.evaluate("prod(a * 0 + 1.01)", {"a": da_}).compute(),
                               np.prod(a * 0 + 1.01), rtol=1e-12)
    with pytest.raises(NameError):
        cd.evaluate("a + c", {"a": da_})
    c = da_   # noqa: F841 - found in this frame
    np.testing.assert_array_equal(cd.evaluate("c * 2 + b").compute(), a * 2 + b)
    with pytest.raises(ValueError):
        cd.evaluate("a.T", {"a": da_})


# ---------------------------------------------------------------- reductions

CHUNKINGS = [(-1, -1), (97, 5), (1000, 1), (13, 17)]


@pytest.mark.parametrize("chunks", CHUNKINGS)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_sum_integers_exact(on_backend, chunks, axis):
    x = RNG.integers(-2**40, 2**40, size=(500, 23))
    d = da.from_array(x, chunks=chunks)
    np.testing.assert_array_equal(cd.sum(d, axis=axis).compute(), np.sum(x, axis=axis))
    b = x > 0
    np.testing.assert_array_equal(cd.sum(da.from_array(b, chunks=chunks), axis=axis).compute(),
                                  np.sum(b, axis=axis))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_sum_floats(on_backend, dtype, axis):
    x = normal((600, 31), dtype)
    whole = cd.sum(da.from_array(x, chunks=-1), axis=axis).compute()
    np.testing.assert_array_equal(whole, np.sum(x, axis=axis))      # one chunk: NumPy's bits
    r = cd.sum(da.from_array(x, chunks=(77, 9)), axis=axis, keepdims=True).compute()
    assert r.dtype == dtype
    tol = 1e-5 if dtype == np.float32 else 1e-12     # of the sum of magnitudes
    scale = np.sum(np.abs(x), axis=axis, keepdims=True)
    assert np.all(np.abs(r - np.sum(x, axis=axis, keepdims=True)) <= tol * scale)
    xn = x.copy()
    xn[::7, 3] = np.nan
    r = cd.nansum(da.from_array(xn, chunks=(77, 9)), axis=axis).compute()
    assert np.all(np.abs(r - np.nansum(xn, axis=axis)) <= tol * np.nansum(np.abs(xn), axis=axis))


@pytest.mark.parametrize("name", ["mean", "var", "std", "nanmean", "nanvar", "nanstd"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_moments(on_backend, name, axis):
    x = normal((400, 19)) * 3 + 1e4        # a large mean: a naive formula loses digits
    if name.startswith("nan"):
        x[RNG.random(x.shape) < 0.2] = np.nan
        x[:, 4] = np.nan                  # an all-NaN column
        x[:200, 5] = np.nan               # a column all NaN in some chunks only
    d = da.from_array(x, chunks=(64, 5))
    ref = getattr(np, name)
    kw = {} if "mean" in name else {"ddof": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = ref(x, axis=axis, **kw)
        got = getattr(cd, name)(d, axis=axis, **kw).compute()
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-10, equal_nan=True)
    # one chunk: concore's own call, NumPy's bits; one chunk along the reduced axes:
    # concore's call per chunk (NumPy's order of additions may differ for a column
    # alone, so not always the whole array's bits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        one = getattr(cd, name)(da.from_array(x, chunks=-1), axis=axis, **kw)
        np.testing.assert_array_equal(one.compute(), want)
        chunks = (-1, 3) if axis == 0 else (50, -1) if axis == 1 else -1
        part = getattr(cd, name)(da.from_array(x, chunks=chunks), axis=axis, **kw)
        np.testing.assert_allclose(part.compute(), want, rtol=1e-14, equal_nan=True)


def test_moments_integers_float32_and_warnings(on_backend):
    x = RNG.integers(0, 1000, size=(300, 4))
    d = da.from_array(x, chunks=(50, 3))
    assert cd.mean(d).dtype == np.float64
    np.testing.assert_allclose(cd.mean(d, axis=0).compute(), x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(cd.var(d, axis=1, ddof=2).compute(), x.var(axis=1, ddof=2),
                               rtol=1e-12)
    f = normal(1000, np.float32)
    assert cd.std(da.from_array(f, chunks=99)).dtype == np.float32
    np.testing.assert_allclose(cd.std(da.from_array(f, chunks=99)).compute(), f.std(), rtol=1e-5)
    allnan = da.from_array(np.full((4, 3), np.nan), chunks=2)
    with pytest.warns(RuntimeWarning):
        r = cd.nanmean(allnan, axis=0).compute()
    assert np.isnan(r).all()
    with pytest.warns(RuntimeWarning):
        assert np.isnan(cd.var(da.from_array(np.ones(3), chunks=2), ddof=3).compute())


@pytest.mark.parametrize("name", ["min", "max", "nanmin", "nanmax", "ptp"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_extremes_exact(on_backend, name, axis):
    x = normal((300, 11))
    x[5, 2] = np.nan
    if name.startswith("nan"):
        x[:150, 7] = np.nan            # all NaN in the first chunks of that column only
    d = da.from_array(x, chunks=(40, 4))
    ref = getattr(np, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no spurious all-NaN warning from a chunk
        got = getattr(cd, name)(d, axis=axis).compute()
    np.testing.assert_array_equal(got, ref(x, axis=axis))
    xi = RNG.integers(-9, 9, size=(300, 11)).astype(np.int32)
    got = getattr(cd, name)(da.from_array(xi, chunks=(40, 4)), axis=axis, keepdims=True)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.compute(), ref(xi, axis=axis, keepdims=True))


def test_extremes_signed_zeros_all_nan_and_empty(on_backend):
    z = np.array([1.0, 0.0, -0.0, 2.0, -0.0, 0.0])
    for chunks in (1, 2, 4):
        d = da.from_array(z, chunks=chunks)
        for name in ("min", "nanmin"):
            r = getattr(cd, name)(d).compute()
            assert r == 0 and np.signbit(r) == np.signbit(getattr(concore, name)(z))
    allnan = da.from_array(np.full((4, 3), np.nan), chunks=2)
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        assert np.isnan(cd.nanmax(allnan, axis=0).compute()).all()
    with pytest.raises(ValueError, match="zero-size"):
        cd.min(da.zeros((0, 3), chunks=2))
    assert cd.max(da.zeros((0, 3), chunks=2), axis=1).compute().shape == (0,)


@pytest.mark.parametrize("name", ["argmin", "argmax", "nanargmin", "nanargmax"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("chunks", [(-1, -1), (7, 3), (50, 50), (1, 5)])
def test_arg_reductions_exact(on_backend, name, axis, chunks):
    x = RNG.integers(-3, 4, size=(60, 13)).astype(np.float64)   # many ties
    x[RNG.random(x.shape) < 0.05] = np.nan
    x[:, 6] = np.nan
    x[:, 6][40] = -np.inf if "min" in name else np.inf
    x[:, 9] = np.inf if "min" in name else -np.inf             # NaN ranks as the worst
    x[:30, 9] = np.nan
    ref = getattr(np, name)
    d = da.from_array(x, chunks=chunks)
    np.testing.assert_array_equal(getattr(cd, name)(d, axis=axis).compute(),
                                  ref(x, axis=axis))
    xi = RNG.integers(0, 3, size=(60, 13))
    r = getattr(cd, name)(da.from_array(xi, chunks=chunks), axis=axis, keepdims=True)
    np.testing.assert_array_equal(r.compute(), ref(xi, axis=axis, keepdims=True))


def test_arg_reductions_errors(on_backend):
    x = np.full((6, 4), np.nan)
    x[:, 1] = 1.0
    d = da.from_array(x, chunks=2)
    assert cd.nanargmin(d, axis=1).compute().tolist() == [1] * 6
    with pytest.raises(ValueError, match="All-NaN"):
        cd.nanargmin(d, axis=0).compute()
    with pytest.raises(ValueError, match="All-NaN"):
        cd.nanargmax(da.from_array(np.full(5, np.nan), chunks=2)).compute()
    assert cd.argmax(d).compute() == np.argmax(x)   # the first NaN
    with pytest.raises(ValueError, match="empty"):
        cd.argmin(da.zeros(0, chunks=1))


def test_dot(on_backend):
    a, b = normal(10001), normal(10001)
    one = cd.dot(da.from_array(a, chunks=-1), da.from_array(b, chunks=-1)).compute()
    assert one == concore.dot(a, b)
    r = cd.dot(da.from_array(a, chunks=1000), da.from_array(b, chunks=777))
    np.testing.assert_allclose(r.compute(), np.dot(a, b), rtol=1e-12)
    m = normal((30, 4))
    np.testing.assert_allclose(cd.dot(da.from_array(m, chunks=7), b[:4]).compute(), m @ b[:4])
    with pytest.raises(ValueError, match="not aligned"):
        cd.dot(da.ones(3, chunks=2), da.ones(4, chunks=2))


# ---------------------------------------------------------------- scans

@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
def test_scans_numpy_bits(on_backend, name):
    # chunks shorter than concore's grain run NumPy's sequential loop; the carry makes
    # the chain of operations across chunks exactly one call's
    x = 1 + normal(5000) * 1e-3
    x[[17, 2500, 4999]] = np.nan if name.startswith("nan") else x[[17, 2500, 4999]]
    ref = getattr(np, name)
    for chunks in (1000, 333, 4999):
        np.testing.assert_array_equal(
            getattr(cd, name)(da.from_array(x, chunks=chunks)).compute(), ref(x))
    m = normal((200, 9))
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(
            getattr(cd, name)(da.from_array(m, chunks=(30, 4)), axis=axis).compute(),
            ref(m, axis=axis))
    np.testing.assert_array_equal(getattr(cd, name)(da.from_array(m, chunks=(30, 4))).compute(),
                                  ref(m))   # axis=None: the C-order flattening


def test_scans_integers_and_dtype(on_backend):
    x = RNG.integers(-5, 5, size=1000).astype(np.int32)
    d = da.from_array(x, chunks=70)
    r = cd.cumsum(d)
    assert r.dtype == np.cumsum(x).dtype
    np.testing.assert_array_equal(r.compute(), np.cumsum(x))
    np.testing.assert_array_equal(cd.cumsum(d, dtype=np.float32).compute(),
                                  np.cumsum(x, dtype=np.float32))
    b = da.from_array(x > 0, chunks=70)
    np.testing.assert_array_equal(cd.cumsum(b).compute(), np.cumsum(x > 0))
    e = cd.cumsum(da.zeros((0, 3), chunks=2), axis=0)
    assert e.compute().shape == (0, 3)


# ------------------------------------------------- diff, sorting and selection

def same_bits(got, want):
    """Equal values, NaN where NaN, and the same sign bits (so -0.0 is not 0.0)."""
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape)
    assert np.array_equal(got, want, equal_nan=True)
    if want.dtype.kind == "f":
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_diff(on_backend):
    m = normal((61, 23))
    m[5, 6], m[7, 0] = np.nan, -0.0
    x = da.from_array(m, chunks=(10, 6))
    for kw in ({}, {"axis": 0}, {"n": 3, "axis": 1}, {"n": 2, "axis": 0, "prepend": 0.5},
               {"append": m[:, :2], "prepend": -1.0}, {"n": 0}):
        same_bits(cd.diff(x, **kw).compute(), np.diff(m, **kw))
    i = RNG.integers(-2**62, 2**62, size=500)            # wraps as NumPy's int64
    same_bits(cd.diff(da.from_array(i, chunks=77), 2).compute(), np.diff(i, 2))
    b = i > 0
    same_bits(cd.diff(da.from_array(b, chunks=77)).compute(), np.diff(b))   # not_equal
    same_bits(cd.diff(da.from_array(m[:, :1], chunks=4)).compute(), np.diff(m[:, :1]))
    v = normal(12)                   # chunks of one value and empty ones, n up to 12
    for chunks in ((1, 0, 5, 1, 0, 3, 2), (1,) * 12, (0, 12, 0), (11, 1)):
        for k in (1, 2, 5, 12, 13):
            same_bits(cd.diff(da.from_array(v, chunks=(chunks,)), k).compute(), np.diff(v, k))
    same_bits(cd.diff(da.from_array(m, chunks=((1, 20, 40), (1, 1, 21))), 3, axis=0).compute(),
              np.diff(m, 3, axis=0))
    with pytest.raises(ValueError, match="non-negative"):
        cd.diff(x, -1)
    with pytest.raises(ValueError, match="one dimensional"):
        cd.diff(da.from_array(np.float64(1.0)))


def test_sort_argsort_partition(on_backend):
    m = RNG.integers(-3, 3, size=(90, 37)).astype(np.float64)   # many ties
    m[RNG.random(m.shape) < 0.05] = np.nan
    m[m == 0] = np.where(RNG.random((m == 0).sum()) < 0.5, -0.0, 0.0)
    x = da.from_array(m, chunks=(20, 8))
    for axis in (-1, 0, None):
        same_bits(cd.sort(x, axis=axis).compute(), np.sort(m, axis=axis, kind="stable"))
        same_bits(cd.argsort(x, axis=axis, kind="stable").compute(),
                  np.argsort(m, axis=axis, kind="stable"))
    i = RNG.integers(0, 50, size=(40, 300)).astype(np.int32)
    y = da.from_array(i, chunks=(7, 64))
    for kth in (0, 17, [3, -1]):
        p = cd.partition(y, kth, axis=1).compute()
        ap = cd.argpartition(y, kth, axis=1).compute()
        srt = np.sort(i, axis=1)
        for k in np.atleast_1d(kth):
            np.testing.assert_array_equal(p[:, k], srt[:, k])
            np.testing.assert_array_equal(np.take_along_axis(i, ap, 1)[:, k], srt[:, k])
            assert (p[:, :k % 300] <= p[:, [k]]).all() and (p[:, k:] >= p[:, [k]]).all()
        np.testing.assert_array_equal(np.sort(p, axis=1), srt)     # a permutation
    with pytest.raises(ValueError, match="out of bounds"):
        cd.partition(y, 300, axis=1)
    with pytest.raises(ValueError, match="kind"):
        cd.sort(y, kind="bogus")


def test_median_quantile_percentile_exact(on_backend):
    m = normal((50, 12, 9))
    x = da.from_array(m, chunks=(13, 5, 4))
    for axis in (None, 0, -1, (0, 2)):
        for keepdims in (False, True):
            same_bits(cd.median(x, axis=axis, keepdims=keepdims).compute(),
                      np.median(m, axis=axis, keepdims=keepdims))
            for q in (0.3, [0.0, 0.25, 1.0], [[0.1], [0.9]]):
                same_bits(cd.quantile(x, q, axis=axis, keepdims=keepdims).compute(),
                          np.quantile(m, q, axis=axis, keepdims=keepdims))
    for method in ("lower", "higher", "nearest", "midpoint", "inverted_cdf"):
        same_bits(cd.percentile(x, [5, 50, 95], axis=1, method=method).compute(),
                  np.percentile(m, [5, 50, 95], axis=1, method=method))
    m[3, 4, 5] = np.nan                                    # NaN where a line holds one
    same_bits(cd.median(da.from_array(m, chunks=7), axis=2).compute(), np.median(m, axis=2))
    same_bits(cd.quantile(da.from_array(m, chunks=7), 0.5).compute(), np.quantile(m, 0.5))
    ints = RNG.integers(0, 9, size=1001)
    same_bits(cd.median(da.from_array(ints, chunks=100)).compute(), np.median(ints))
    with pytest.raises(ValueError, match="range"):
        cd.quantile(x, 1.5)


def test_searchsorted(on_backend):
    a = np.sort(RNG.integers(0, 100, size=500)).astype(np.float64)   # many ties
    v = RNG.integers(-5, 105, size=(40, 30)).astype(np.float64)
    v[0, 0] = np.nan
    x = da.from_array(v, chunks=(9, 7))
    for side in ("left", "right"):
        same_bits(cd.searchsorted(a, x, side=side).compute(), np.searchsorted(a, v, side=side))
        same_bits(cd.searchsorted(da.from_array(a, chunks=64), x, side=side).compute(),
                  np.searchsorted(a, v, side=side))
    perm = RNG.permutation(500)
    shuffled = a[perm]
    order = np.argsort(shuffled, kind="stable")
    same_bits(cd.searchsorted(shuffled, x, sorter=order).compute(),
              np.searchsorted(shuffled, v, sorter=order))
    with pytest.raises(ValueError):
        cd.searchsorted(a, x, side="middle")
    with pytest.raises(ValueError, match="too deep"):
        cd.searchsorted(v, x)


def test_unique(on_backend):
    i = RNG.integers(-20, 20, size=(300, 7))
    x = da.from_array(i, chunks=(41, 3))
    same_bits(cd.unique(x).compute(), np.unique(i))
    u, c = cd.unique(x, return_counts=True)
    u0, c0 = np.unique(i, return_counts=True)
    same_bits(u.compute(), u0)
    np.testing.assert_array_equal(c.compute(), c0)
    f = RNG.integers(0, 5, size=1000).astype(np.float32)
    f[[3, 500, 999]] = np.nan                   # NaNs count as one value (equal_nan)
    u, c = cd.unique(da.from_array(f, chunks=128), return_counts=True)
    u0, c0 = np.unique(f, return_counts=True)
    same_bits(u.compute(), u0)
    np.testing.assert_array_equal(c.compute(), c0)
    assert cd.unique(da.from_array(np.zeros(0), chunks=1)).compute().size == 0


@pytest.mark.parametrize("n_threads", [1, 2])
def test_unique_index_inverse(on_backend, n_threads):
    """return_index / return_inverse / return_counts in every combination: NumPy's
    arrays (values of the first occurrence, so the sign of zero too), any chunks."""
    i = RNG.integers(-20, 20, size=(300, 7))
    f = RNG.integers(-3, 4, size=(40, 50)).astype(np.float64)
    f[RNG.random(f.shape) < 0.2] = -0.0
    f[RNG.random(f.shape) < 0.05] = np.nan
    f[0, :3] = [0.0, np.nan, 2.0]   # +0.0 before every -0.0: the value kept
    e = np.zeros(0, np.float32)
    for a, chunks in ((i, (41, 3)), (f, (7, 16)), (f.astype(np.float32), 500), (e, 1)):
        x = da.from_array(a, chunks=chunks)
        for flags in ((1, 0, 0), (0, 1, 0), (1, 1, 1), (0, 1, 1), (1, 0, 1)):
            kw = dict(zip(("return_index", "return_inverse", "return_counts"), flags))
            got = dask.compute(*cd.unique(x, **kw, n_threads=n_threads))
            want = np.unique(a, return_index=True, return_inverse=kw["return_inverse"],
                             return_counts=kw["return_counts"])
            want = (want[0],) + ((want[1],) if kw["return_index"] else ()) + want[2:]
            assert len(got) == len(want), kw
            for g, w in zip(got, want):
                same_bits(g, w)


# ---------------------------------------------------------------- histograms

def test_histogram_counts_exact(on_backend):
    x = normal((2000, 3))
    x[0, 0], x[1, 1] = 3.0, -3.0          # on the outer edges
    d = da.from_array(x, chunks=(300, 2))
    for bins, rng in ((10, (-3, 3)), (100, (-1, 2.5)), (np.array([-3, -1, 0, 0.5, 3]), None)):
        counts, edges = cd.histogram(d, bins, range=rng)
        want, want_edges = np.histogram(x, bins, range=rng)
        np.testing.assert_array_equal(edges, want_edges)
        assert counts.dtype == want.dtype
        np.testing.assert_array_equal(counts.compute(), want)
    w = normal((2000, 3))
    counts, _ = cd.histogram(d, 20, range=(-2, 2), weights=da.from_array(w, chunks=500))
    np.testing.assert_allclose(counts.compute(), np.histogram(x, 20, (-2, 2), weights=w)[0],
                               rtol=1e-12, atol=1e-12)
    dens, _ = cd.histogram(d, 20, range=(-2, 2), density=True)
    np.testing.assert_allclose(dens.compute(), np.histogram(x, 20, (-2, 2), density=True)[0],
                               rtol=1e-15)
    f = x.astype(np.float32)
    c32, e32 = cd.histogram(da.from_array(f, chunks=400), 7, range=(-1, 1))
    np.testing.assert_array_equal(c32.compute(), np.histogram(f, 7, range=(-1, 1))[0])
    assert e32.dtype == np.histogram(f, 7, range=(-1, 1))[1].dtype


def test_histogram_errors():
    d = da.from_array(normal(100), chunks=30)
    with pytest.raises(ValueError, match="range"):
        cd.histogram(d, 10)
    with pytest.raises(ValueError):
        cd.histogram(d, "auto")
    with pytest.raises(ValueError):
        cd.histogram(d, [3, 2, 1])
    with pytest.raises(ValueError, match="same shape"):
        cd.histogram(d, 10, range=(0, 1), weights=da.ones(99, chunks=30))


def test_histogramdd_and_2d(on_backend):
    x = normal((3000, 3))
    w = RNG.random(3000)
    d = da.from_array(x, chunks=(400, 2))      # column chunks: gathered per point block
    dw = da.from_array(w, chunks=700)
    cases = [dict(bins=(4, 5, 6), range=[(-2, 2)] * 3),
             dict(bins=[np.array([-3, -1, 0, 2]), 5, 3], range=[None, (-1, 1), (0, 3)]),
             dict(bins=4, range=[(-2, 2), (-1, 1), (0, 1)], density=True)]
    for kw in cases:
        h, e = cd.histogramdd(d, **kw)
        H, E = np.histogramdd(x, **kw)
        np.testing.assert_array_equal(h.compute(), H)     # counts exact; density NumPy's bits
        for a, b in zip(e, E):
            np.testing.assert_array_equal(a, b)
        h, _ = cd.histogramdd(d, weights=dw, **kw)
        np.testing.assert_allclose(h.compute(), np.histogramdd(x, weights=w, **kw)[0],
                                   rtol=1e-12)
    cols = [da.from_array(x[:, 0], chunks=500), da.from_array(x[:, 2], chunks=333)]
    h, _ = cd.histogramdd(cols, bins=3, range=[(-1, 1), (-2, 2)])
    np.testing.assert_array_equal(h.compute(),
                                  np.histogramdd([x[:, 0], x[:, 2]], 3, [(-1, 1), (-2, 2)])[0])
    h, xe, ye = cd.histogram2d(cols[0], cols[1], bins=[np.linspace(-3, 3, 7), 5],
                               range=[None, (-1, 1)], density=True)
    H, XE, YE = np.histogram2d(x[:, 0], x[:, 2], bins=[np.linspace(-3, 3, 7), 5],
                               range=[None, (-1, 1)], density=True)
    np.testing.assert_array_equal(h.compute(), H)
    np.testing.assert_array_equal(ye, YE)
    with pytest.raises(ValueError, match="range"):
        cd.histogramdd(d, bins=4)
    with pytest.raises(ValueError, match="range"):
        cd.histogram2d(cols[0], cols[1], bins=4, range=[(0, 1), None])


def test_bincount(on_backend):
    x = RNG.integers(0, 50, size=3000)
    d = da.from_array(x, chunks=400)
    r = cd.bincount(d)
    assert np.isnan(r.shape[0])
    np.testing.assert_array_equal(r.compute(), np.bincount(x))
    r = cd.bincount(d, minlength=60)
    assert r.shape == (60,)
    np.testing.assert_array_equal(r.compute(), np.bincount(x, minlength=60))
    w = normal(3000)
    np.testing.assert_allclose(cd.bincount(d, da.from_array(w, chunks=999)).compute(),
                               np.bincount(x, w), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="minlength"):
        cd.bincount(d, minlength=10).compute()
    with pytest.raises(TypeError):
        cd.bincount(da.from_array(np.ones(4), chunks=2))
    with pytest.raises(ValueError):
        cd.bincount(da.ones((2, 2), dtype=int, chunks=1))
    with pytest.raises(ValueError):
        cd.bincount(da.from_array(np.array([1, -1, 2]), chunks=2)).compute()


# ---------------------------------------------------------------- runtime

def test_same_bits_for_any_scheduler_and_worker_count():
    x = normal((3000, 40))
    d = da.from_array(x, chunks=(250, 15))
    graphs = [cd.sum(d), cd.var(d, axis=0), cd.evaluate("sum(exp(a) * a)", {"a": d}),
              cd.argmax(d, axis=1), cd.cumsum(d, axis=0), cd.histogram(d, 50, (-3, 3))[0]]
    first = [compute(g, "synchronous") for g in graphs]
    for workers in (1, 2, 4, 8):
        for g, want in zip(graphs, first):
            got = compute(g, "threads", num_workers=workers)
            np.testing.assert_array_equal(got, want)


@pytest.mark.skipif(concore.backend() != "native" or concore.get_num_threads() < 2,
                    reason="threads of native kernels on a machine with several")
def test_dask_chunks_share_the_cores():
    a = normal(8 * 400_000)
    want = np.sum(np.sin(a) ** 2)
    expr = "sum(sin(a)**2)"

    def peak(x, **kw):
        _config.peak_in_use(reset=True)
        r = compute(cd.evaluate(expr, {"a": x}, **kw), "threads", num_workers=8)
        np.testing.assert_allclose(r, want, rtol=1e-12)
        return _config.peak_in_use()

    # at least as many chunks as cores: a thread each (dask runs them side by side),
    # no chunk starts a team of OpenMP threads
    many = -(-a.size // max(8, concore.get_num_threads()))
    assert peak(da.from_array(a, chunks=many)) == 0
    # one chunk: it takes every core
    assert peak(da.from_array(a, chunks=-1)) == concore.get_num_threads()
    # chunks asking for every core, run by eight dask threads at once, share them
    # through the budget: a chunk takes the cores no other holds, or runs on its own
    # dask thread, so at most cores + 7 threads work at once (not 8 x cores)
    n = concore.get_num_threads()
    assert 1 <= peak(da.from_array(a, chunks=400_000), n_threads=n) <= n + 7


def test_unknown_chunk_sizes():
    a = normal(1000)
    x = da.from_array(a, chunks=100)
    y, b = x[x > 0], a[a > 0]            # chunk lengths known only once computed
    np.testing.assert_allclose(cd.sum(y).compute(), b.sum(), rtol=1e-13)
    np.testing.assert_allclose(cd.var(y).compute(), b.var(), rtol=1e-12)
    assert cd.max(y).compute() == b.max()
    np.testing.assert_array_equal(cd.exp(y).compute(), concore.exp(b))
    np.testing.assert_array_equal(cd.cumsum(y).compute(), np.cumsum(b))
    np.testing.assert_array_equal(cd.histogram(y, 10, range=(0, 3))[0].compute(),
                                  np.histogram(b, 10, range=(0, 3))[0])
    for call in (lambda: cd.argmax(y), lambda: cd.dot(y, y)):
        with pytest.raises(ValueError, match="known chunk sizes"):
            call()
    y.compute_chunk_sizes()
    assert cd.argmax(y).compute() == b.argmax()


def test_process_scheduler():
    # graphs are pickled to worker processes (as to a distributed cluster's workers)
    a = normal((2000, 30))
    x = da.from_array(a, chunks=(300, 7))
    graphs = [cd.var(x, axis=0), cd.argmax(x), cd.cumsum(x, axis=0),
              cd.histogram(x, 10, range=(-2, 2))[0], cd.evaluate("sum(exp(a))", {"a": x})]
    want = [compute(g, "synchronous") for g in graphs]
    got = dask.compute(*graphs, scheduler="processes", num_workers=2)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_allclose(want[0], a.var(axis=0), rtol=1e-12)
    assert want[1] == a.argmax()


@pytest.mark.parametrize("n_threads", [1, 2])
def test_hard_inputs_exact_functions(on_backend, n_threads):
    # the functions promised exact whatever the chunks, on the shared hard inputs
    from hard_inputs import arrays
    checked = 0
    for label, a in arrays(dtypes=("float64", "float32", "int64", "int32"),
                           sizes=(1, 9, 129, 1000, 4097)):
        x = da.from_array(a, chunks=max(1, a.size // 3))
        kw = {"n_threads": n_threads}
        for name in ("min", "max", "argmin", "argmax", "nanargmin", "nanargmax"):
            try:
                want = getattr(np, name)(a)
            except ValueError:            # all NaN: the same error
                with pytest.raises(ValueError):
                    getattr(cd, name)(x, **kw).compute()
                continue
            got = getattr(cd, name)(x, **kw).compute()
            if name in ("min", "max"):   # concore's zero rule: the first of equal zeros
                want = getattr(concore, name)(a)
            assert np.array_equal(got, want, equal_nan=True) and \
                np.signbit(got) == np.signbit(want), f"{label} {name}: {got!r} {want!r}"
        np.testing.assert_array_equal(cd.exp(x, **kw).compute(), concore.exp(a), label)
        # sorting, selection and diff: NumPy's bits whatever the chunks and threads
        same_bits(cd.sort(x, **kw).compute(), np.sort(a, kind="stable"))
        same_bits(cd.argsort(x, **kw).compute(), np.argsort(a, kind="stable"))
        same_bits(cd.diff(x, **kw).compute(), np.diff(a))
        same_bits(cd.median(x, **kw).compute(), np.asarray(np.median(a)))
        same_bits(cd.searchsorted(np.sort(a), x, **kw).compute(),
                  np.searchsorted(np.sort(a), a))
        same_bits(cd.unique(x, **kw).compute(), np.unique(a))
        if a.size <= 1000 and a.dtype.kind == "f":      # under the grain: NumPy's loop
            np.testing.assert_array_equal(cd.cumsum(x, **kw).compute(), np.cumsum(a), label)
        checked += 1
    assert checked > 50
