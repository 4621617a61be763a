"""Histograms, bincount and digitize against NumPy.

Counts and bin assignments are NumPy's exactly; weighted sums over uniform bins,
weighted bincount and weighted N-d histograms are NumPy's bits; weighted sums over
explicit edges are checked against an exact reference and bitwise across thread
counts and backends (see concore.histograms).
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import concore
from concore import _config, histograms as H
from conftest import BACKENDS
from hard_inputs import arrays, layouts

NT = [1, 3]


def outcome(f, *args, **kw):
    """("ok", result) or ("err", exception type)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return "ok", f(*args, **kw)
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return "err", type(e)


def same(r, e, label=""):
    """Same structure, dtypes, shapes and bits (NaN == NaN)."""
    if isinstance(e, (tuple, list)):
        assert isinstance(r, type(e)) and len(r) == len(e), label
        for i, (a, b) in enumerate(zip(r, e)):
            same(a, b, f"{label}[{i}]")
        return
    r, e = np.asarray(r), np.asarray(e)
    assert r.dtype == e.dtype, f"{label}: dtype {r.dtype} != {e.dtype}"
    assert r.shape == e.shape, f"{label}: shape {r.shape} != {e.shape}"
    if r.dtype.kind == "f":
        ok = (r.view(np.uint8) == e.view(np.uint8)).all() if r.size else True
        if not ok:
            bad = ~((r == e) & (np.signbit(r) == np.signbit(e)) | (np.isnan(r) & np.isnan(e)))
            raise AssertionError(f"{label}: {np.count_nonzero(bad)} differ: "
                                 f"{r[bad][:4]} vs {e[bad][:4]}")
    else:
        np.testing.assert_array_equal(r, e, err_msg=label)


def check(cf, nf, *args, label="", **kw):
    """concore's outcome is NumPy's: same result bits, or the same error type."""
    a = outcome(cf, *args, **kw)
    kw.pop("n_threads", None)
    b = outcome(nf, *args, **kw)
    assert a[0] == b[0], f"{label}: concore {a} vs NumPy {b}"
    if a[0] == "ok":
        same(a[1], b[1], label)
    else:
        assert a[1] is b[1], f"{label}: {a[1]} vs {b[1]}"
    return a[1]


def exact_weighted(x, w, edges):
    """Weighted histogram over explicit edges by concore's definition, in exact
    rational arithmetic per bin (for the error bound)."""
    from fractions import Fraction
    idx = np.searchsorted(edges, x, side="right") - 1
    idx[x == edges[-1]] = len(edges) - 2
    ok = (x >= edges[0]) & (x <= edges[-1])
    s = [Fraction(0)] * (len(edges) - 1)
    for i, v in zip(idx[ok], w[ok]):
        s[i] += Fraction(float(v))
    return np.array([float(v) for v in s])


# ----------------------------------------------------------- histogram oracle

@pytest.mark.parametrize("nt", NT)
def test_histogram_hard_inputs(backend, nt, small_grain):
    for label, x in arrays(sizes=(1, 7, 129, 4097, 40001)):
        for lay, v in layouts(x):
            if lay in ("0d", "3d-F", "2d-3-cols"):
                continue
            for kw in (dict(bins=10), dict(bins=7, range=(-3, 2.5)), dict(bins=3, range=(0, 0)),
                       dict(bins=[-10, -1, 0, 0, 0.5, 3, 1e3])):
                check(H.histogram, np.histogram, v, label=f"{label}/{lay}/{kw}", n_threads=nt,
                      **kw)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint8"])
@pytest.mark.parametrize("nt", NT)
def test_values_on_and_around_every_edge(backend, nt, dtype, small_grain):
    dt = np.dtype(dtype)
    for first, last, nb in [(-1.0, 1.0, 10), (0, 1, 7), (0.1, 0.7, 3), (-1e300, 1e300, 9),
                            (1e-300, 3e-300, 5), (1e6, 1e6 + 1e-6, 11), (-3, 5, 1000),
                            (0, 255, 255), (-2**40, 2**40, 33)]:
        if dt.kind in "iu":
            first, last = int(math.floor(first)), int(math.ceil(last))
            info = np.iinfo(dt)
            first, last = max(first, info.min), min(last, info.max)
            if first >= last:
                continue
        e = np.linspace(first, last, nb + 1)
        with np.errstate(over="ignore", invalid="ignore"):
            vals = np.concatenate([e, np.nextafter(e, -np.inf), np.nextafter(e, np.inf)])
            if dt.kind in "iu":
                vals = np.concatenate([np.floor(vals), np.ceil(vals)])
                vals = vals[(vals >= np.iinfo(dt).min) & (vals <= np.iinfo(dt).max)]
            x = vals.astype(dt)
        x = np.tile(x, 3)
        w = np.linspace(-1, 2, x.size)
        label = f"{dtype} {first} {last} {nb}"
        with np.errstate(over="ignore"):
            rng_t = (dt.type(first), dt.type(last))
        for kw in (dict(range=(first, last)), dict(range=(np.float64(first), np.float64(last))),
                   dict(range=rng_t), {}):
            check(H.histogram, np.histogram, x, nb, label=label + str(kw), n_threads=nt, **kw)
            check(H.histogram, np.histogram, x, nb, weights=w, label=label + "w" + str(kw),
                  n_threads=nt, **kw)
        check(H.histogram, np.histogram, x, e, label=label + " edges", n_threads=nt)


@pytest.mark.parametrize("nt", NT)
def test_histogram_weighted_uniform_is_numpy_bits(backend, nt, small_grain):
    rng = np.random.default_rng(5)
    for n in (1, 65535, 65536, 65537, 200001):
        x = rng.standard_normal(n)
        w = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
        for kw in (dict(bins=13), dict(bins=100, range=(-1, 1)), dict(bins=5, density=True)):
            check(H.histogram, np.histogram, x, weights=w, label=f"{n} {kw}", n_threads=nt, **kw)
            check(H.histogram, np.histogram, x.astype(np.float32),
                  weights=w.astype(np.float32), label=f"f32 {n} {kw}", n_threads=nt, **kw)


def test_histogram_weighted_edges_bound_and_determinism(backend, small_grain):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(150001)
    w = rng.standard_normal(150001) * 10.0 ** rng.integers(-4, 4, 150001)
    edges = np.array([-4, -1.5, -0.2, 0, 0.1, 0.1, 2, 5])
    ref = exact_weighted(x, w, edges)
    results = [H.histogram(x, edges, weights=w, n_threads=nt)[0] for nt in (1, 2, 3)]
    for r in results[1:]:
        assert r.tobytes() == results[0].tobytes()
    err = np.abs(results[0] - ref)
    bound = 65536 * np.finfo(float).eps * np.bincount(
        np.clip(np.searchsorted(edges, x, "right") - 1, 0, 6), np.abs(w), 7)[:7] * 4
    assert np.all(err <= bound + 1e-300)
    np.testing.assert_allclose(results[0], np.histogram(x, edges, weights=w)[0], rtol=1e-9,
                               atol=1e-6)


def test_backends_agree_bitwise(small_grain):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(100003)
    w = rng.standard_normal(100003)
    got = []
    for be in BACKENDS:
        with concore.use_backend(be):
            got.append([H.histogram(x, [-3, -1, 0, 0.5, 2], weights=w, n_threads=3)[0].tobytes(),
                        H.histogram(x, 17, weights=w)[0].tobytes()])
    assert all(g == got[0] for g in got)


@pytest.mark.parametrize("nt", NT)
def test_histogram_arguments_and_errors(backend, nt):
    rng = np.random.default_rng(8)
    x = rng.standard_normal(1000)
    xn = x.copy()
    xn[5] = np.nan
    xi = np.inf * x
    cases = [
        (x, dict(bins="auto")), (x, dict(bins="fd", range=(-1, 1))), (x, dict(bins="sturges")),
        (x, dict(bins="nope")), (x, dict(bins=0)), (x, dict(bins=-3)), (x, dict(bins=2.5)),
        (x, dict(bins=[[1, 2], [3, 4]])), (x, dict(bins=[3, 2, 1])), (x, dict(bins=[1.0])),
        (x, dict(range=(1, 0))), (x, dict(range=(0, np.nan))), (x, dict(range=(0, np.inf))),
        (x, dict(range=(0,))), (xn, {}), (xn, dict(range=(-1, 1))), (xi, dict(range=(-1, 1))),
        (xi, {}), (x, dict(weights=x[:10])), (x, dict(weights=np.ones(1000, np.int64))),
        (x, dict(weights=np.ones(1000, complex))), (x, dict(bins="auto", weights=x)),
        (x, dict(density=True)), (x, dict(bins=[-1, 0, 0, 1], density=True)),
        (x.astype(np.float16), {}), (x.astype(">f8"), {}), (x > 0, {}), (x.astype(np.int8), {}),
        ([1, 2, 3, 2.5], {}), ([], {}), (np.array([], np.int32), dict(bins=3)),
        (np.array([3, 3, 3]), {}), (np.array([2**62, -2**62], np.int64), dict(bins=5)),
        (x, dict(range=(np.float32(-1), np.float32(1)))), (x.astype(np.float32), dict(range=(-1, 1))),
        (x, dict(bins=10**6, range=(0, 1e-300))), (x, dict(bins=np.array([-1, 0, 1], np.int32))),
        ((x * 100).astype(np.int32), dict(bins=np.array([-5, 0, 7], np.int64))),
        ((x * 100).astype(np.int64), dict(bins=[-5.5, 0, 7])), (x, dict(bins=np.int64(4))),
    ]
    for i, (a, kw) in enumerate(cases):
        check(H.histogram, np.histogram, a, label=f"case {i} {kw}", n_threads=nt, **kw)


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, st.integers(1, 300),
                    elements=st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from([0.0, 1.0, -1.0, 0.5])),
       nb=st.integers(1, 40), lo=st.floats(-1e6, 1e6), width=st.floats(1e-9, 1e6),
       nt=st.sampled_from(NT), use_range=st.booleans(), f32=st.booleans())
def test_histogram_property(x, nb, lo, width, nt, use_range, f32):
    if f32:
        x = x.astype(np.float32)
    rng = (lo, lo + width) if use_range else None
    for be in BACKENDS:
        with concore.use_backend(be):
            check(H.histogram, np.histogram, x, nb, range=rng, n_threads=nt)
            check(H.histogram, np.histogram, x, nb, range=rng, weights=x.astype(np.float64),
                  n_threads=nt)


# ------------------------------------------------------------------ bincount

@pytest.mark.parametrize("nt", NT)
def test_bincount(backend, nt, small_grain):
    rng = np.random.default_rng(9)
    for dtype in ("int64", "int32", "uint8", "bool"):
        for n in (1, 3, 1000, 65537, 200003):
            x = rng.integers(0, 2 if dtype == "bool" else 200, n).astype(dtype)
            w = rng.standard_normal(n)
            check(H.bincount, np.bincount, x, label=f"{dtype} {n}", n_threads=nt)
            check(H.bincount, np.bincount, x, minlength=300, label=f"{dtype} {n} ml",
                  n_threads=nt)
            check(H.bincount, np.bincount, x, w, label=f"{dtype} {n} w", n_threads=nt)
            check(H.bincount, np.bincount, x, w.astype(np.float32), label=f"{dtype} {n} w32",
                  n_threads=nt)
            check(H.bincount, np.bincount, x[::-2], w[::2], label=f"{dtype} {n} strided",
                  n_threads=nt)


@pytest.mark.parametrize("nt", NT)
def test_bincount_huge_bins_and_errors(backend, nt, small_grain):
    rng = np.random.default_rng(10)
    x = rng.integers(0, 3_000_000, 50001)
    x[7] = 2_999_999
    check(H.bincount, np.bincount, x, n_threads=nt)
    check(H.bincount, np.bincount, x, rng.standard_normal(50001), n_threads=nt)
    for args in [(np.array([1, -1, 2]),), (np.array([1.0, 2.0]),), (np.ones((2, 2), int),),
                 ([],), ([1, 2, 3],), (np.array([1, 2]), np.ones(3)), (np.array([1, 2]), None, -1),
                 (np.array([1, 2], np.int16),), (np.array([1, 2], ">i8"),),
                 (np.array([1, 2]), np.array([1, 2], np.int32)), (np.array([1, 2]), None, 2.5)]:
        check(H.bincount, np.bincount, *args, label=str(args), n_threads=nt)


@pytest.mark.parametrize("nt", NT)
def test_bincount_counts_that_grow(backend, nt, small_grain):
    """The one-pass count: per-thread counts sized by the first values grow as later
    blocks hold larger ones (copies kept), a late negative value is NumPy's error, and
    counts too wide for it fall back to two passes."""
    rng = np.random.default_rng(12)
    small = rng.integers(0, 10, 70000)
    for tail_hi in (300, 5000, 40000, 200000):
        x = np.concatenate([small, rng.integers(0, tail_hi, 140000), [tail_hi - 1]])
        for dtype in ("int64", "int32"):
            check(H.bincount, np.bincount, x.astype(dtype), label=f"{tail_hi} {dtype}",
                  n_threads=nt)
            check(H.bincount, np.bincount, x.astype(dtype), minlength=3 * tail_hi,
                  label=f"{tail_hi} {dtype} ml", n_threads=nt)
    x = rng.integers(0, 100, 200000)
    x[150001] = -3
    check(H.bincount, np.bincount, x, label="late negative", n_threads=nt)


# ------------------------------------------------------------------ digitize

@pytest.mark.parametrize("nt", NT)
def test_digitize(backend, nt, small_grain):
    for label, x in arrays(sizes=(1, 129, 40001)):
        for bins in (np.linspace(-3, 3, 13), np.array([-1.0, 0.0, 0.0, 2.0]), [5.0, 1.0, -2.0],
                     np.array([0, 1, 10], np.int64), np.array([1.0]), np.array([3, 2, 2, 1])):
            for right in (False, True):
                for lay, v in layouts(x):
                    if lay in ("reversed", "2d-3-F", "3d-F"):
                        continue
                    check(H.digitize, np.digitize, v, bins, right, label=f"{label}/{lay}",
                          n_threads=nt)
    x = np.arange(10.0)
    for bins in ([1, 3, 2], [[1, 2]], [], [np.nan, 1.0]):
        check(H.digitize, np.digitize, x, bins, n_threads=nt, label=str(bins))
    check(H.digitize, np.digitize, x.astype(complex), [1, 2], n_threads=nt)
    check(H.digitize, np.digitize, np.array([2**62 + 1, 5]), np.array([2**62 + 1, 2**62 + 2]),
          n_threads=nt)


# ------------------------------------------------------ histogram2d / histogramdd

@pytest.mark.parametrize("nt", NT)
def test_histogram2d(backend, nt, small_grain):
    rng = np.random.default_rng(11)
    for n in (1, 100, 70001):
        x, y = rng.standard_normal(n), rng.standard_normal(n) * 3
        x[::7] = np.round(x[::7], 1)
        w = rng.standard_normal(n)
        for kw in (dict(), dict(bins=5), dict(bins=(4, 9)), dict(bins=[-1, 0, 0.5, 1]),
                   dict(bins=[[-1, 0, 1], [-2, 0, 0, 2]]), dict(bins=6, range=[[-1, 1], [0, 3]]),
                   dict(bins=3, density=True), dict(bins=4, weights=w),
                   dict(bins=4, weights=w, density=True), dict(bins=[3, np.array([0.0, 1.0])]),
                   dict(bins=0), dict(range=[[1, 0], [0, 1]]), dict(weights=w[:1])):
            check(H.histogram2d, np.histogram2d, x, y, label=f"{n} {kw}", n_threads=nt, **kw)
        check(H.histogram2d, np.histogram2d, x, y.astype(np.float32), n_threads=nt)
        check(H.histogram2d, np.histogram2d, (x * 5).astype(np.int32), y, n_threads=nt)
        check(H.histogram2d, np.histogram2d, x, y[:-1] if n > 1 else y[:0], n_threads=nt)


@pytest.mark.parametrize("nt", NT)
def test_histogramdd(backend, nt, small_grain):
    rng = np.random.default_rng(12)
    s = rng.standard_normal((40001, 3))
    s[::5, 1] = 0.0
    s[3, 2] = np.nan
    w = rng.standard_normal(40001)
    for kw in (dict(), dict(bins=4), dict(bins=(2, 3, 4)), dict(bins=(2, [-1, 0, 1], 4)),
               dict(bins=3, range=[(-1, 1), None, (0, 2)]), dict(bins=3, density=True),
               dict(bins=5, weights=w), dict(bins=(2, 2)), dict(range=[(0, 1)])):
        kwr = dict(kw)
        if "range" not in kw and "bins" in kw and not isinstance(kw.get("bins"), tuple):
            kwr["range"] = [(-2, 2)] * 3
        check(H.histogramdd, np.histogramdd, s, label=str(kwr), n_threads=nt, **kwr)
    check(H.histogramdd, np.histogramdd, s, n_threads=nt)  # NaN: NumPy's error
    check(H.histogramdd, np.histogramdd, s[:, 0], bins=7, n_threads=nt)
    check(H.histogramdd, np.histogramdd, [s[:, 0], s[:, 1]], bins=7,
          range=[(-1, 1), (-2, 2)], n_threads=nt)
    check(H.histogramdd, np.histogramdd, s[::-3], bins=3, range=[(-3, 3)] * 3, n_threads=nt)


@pytest.mark.parametrize("nt", NT)
def test_histogramdd_uniform_bins_on_every_edge(backend, nt, small_grain):
    """Uniform bins in 2-d and N-d: the arithmetic index only settles values far from
    an edge, so values on, just below and just above every edge, outliers and coarse
    edges land where NumPy's searchsorted puts them (the last edge in the last bin);
    weighted sums are NumPy's bits (one chain per bin, in sample order)."""
    rng = np.random.default_rng(17)
    n = 140001                          # > 2 blocks: the parallel paths run
    for lo, hi, nb in [(0.0, 1.0, 100), (1e8, 1e8 + 1e-3, 50), (-3.0, 7.0, 300),
                       (5.0, 5.0 + 1e-9, 3), (-1e300, 1e300, 7), (0.1, 0.7, 13),
                       (-1.5e308, 1.5e308, 4)]:
        with np.errstate(all="ignore"):
            e = np.linspace(lo, hi, nb + 1)
            near = np.concatenate([e, np.nextafter(e, -np.inf), np.nextafter(e, np.inf)])
        near = near[np.isfinite(near)]
        u = rng.uniform(-0.05, 1.05, n - near.size - 20000)
        x = np.concatenate([near, rng.choice(near, 20000), lo * (1 - u) + hi * u])
        y = rng.permutation(x)
        w = rng.standard_normal(n)
        label = f"{lo} {hi} {nb}"
        for kw in (dict(range=[(lo, hi), (lo, hi)]), dict()):
            check(H.histogram2d, np.histogram2d, x, y, nb, label=label, n_threads=nt, **kw)
            check(H.histogram2d, np.histogram2d, x, y, nb, weights=w, label=label + " w",
                  n_threads=nt, **kw)
        with np.errstate(over="ignore"):
            x32 = x.astype(np.float32)
        check(H.histogram2d, np.histogram2d, x32, y, (nb, 5), weights=w.astype(np.float32),
              label=label + " f4", n_threads=nt)
        if np.all(np.isfinite(e)):                  # the same edges given explicitly
            check(H.histogram2d, np.histogram2d, x, y, [e, e[::2].copy()], weights=w,
                  label=label + " edges", n_threads=nt)
        s = np.stack([x, y, x[::-1]], axis=1)       # strided columns
        for wt in (None, w):
            check(H.histogramdd, np.histogramdd, s, bins=(nb, 3, 5), weights=wt,
                  range=[(lo, hi)] * 3, label=label + " dd", n_threads=nt)
    xi = rng.integers(-20, 20, n)
    check(H.histogram2d, np.histogram2d, xi, xi[::-1].astype(np.int32), 8, weights=w,
          n_threads=nt)
    # several rounds of blocks in the weighted kernel, few and many bins
    x, y, w = rng.standard_normal(700001), rng.standard_normal(700001), rng.standard_normal(700001)
    for nb in (1, 2, 9, 300):
        check(H.histogram2d, np.histogram2d, x, y, nb, weights=w, range=[(-2, 2), (-3, 1)],
              label=f"rounds {nb}", n_threads=nt)
    check(H.histogram2d, np.histogram2d, xi.astype(np.uint8), xi, 8, n_threads=nt)


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, st.integers(1, 300),
                    elements=st.floats(-1e6, 1e6, allow_nan=False) | st.sampled_from([0.0, 1.0, -1.0, 0.5])),
       nb=st.integers(1, 40), mb=st.integers(1, 5), nt=st.sampled_from(NT),
       use_range=st.booleans(), weighted=st.booleans())
def test_histogram2d_property(x, nb, mb, nt, use_range, weighted):
    """Uniform 2-d bins over values that often sit on an edge (the range is drawn from
    the data), counts and weighted sums, both backends."""
    y = x[::-1].copy()
    rng = [(x.min(), x.max()), (float(np.median(y)), y.max())] if use_range else None
    w = np.linspace(-1.0, 1.0, x.size) ** 3 if weighted else None
    for be in BACKENDS:
        with concore.use_backend(be):
            check(H.histogram2d, np.histogram2d, x, y, (nb, mb), range=rng, weights=w,
                  n_threads=nt)


def test_threads_agree_bitwise(small_grain):
    rng = np.random.default_rng(13)
    x = rng.standard_normal(300001)
    w = rng.standard_normal(300001)
    xi = rng.integers(0, 5000, 300001)
    fs = [lambda nt: H.histogram(x, 50, weights=w, n_threads=nt)[0],
          lambda nt: H.histogram(x, [-3, 0, 0.1, 2], weights=w, n_threads=nt)[0],
          lambda nt: H.bincount(xi, w, n_threads=nt),
          lambda nt: H.histogram2d(x, w, bins=8, weights=x, n_threads=nt)[0]]
    for be in BACKENDS:
        with concore.use_backend(be):
            for f in fs:
                ref = f(1).tobytes()
                assert all(f(nt).tobytes() == ref for nt in (2, 3, -1))


def test_fallbacks_give_numpy_results():
    class Sub(np.ndarray):
        pass
    x = np.linspace(-1, 1, 101).view(Sub)
    check(H.histogram, np.histogram, x, 5)
    check(H.bincount, np.bincount, np.array([1, 2, 2], np.uint64))
    check(H.digitize, np.digitize, np.linspace(0, 1, 7).astype(np.float16), [0.2, 0.5])
    with pytest.raises(ValueError):
        H.histogram(np.arange(10.0), n_threads=0)


def _no_numpy(monkeypatch, backend):
    """Make NumPy's own histogram functions fail: a call that falls back shows."""
    def boom(*a, **k):
        raise AssertionError("fell back to NumPy")
    names = ["histogram", "histogram2d", "histogramdd", "digitize"]
    if backend == "native":
        names.append("bincount")
    saved = {n: getattr(np, n) for n in names}
    for n in names:
        monkeypatch.setattr(np, n, boom)
    return saved


def test_kernels_do_the_work(backend, monkeypatch, small_grain):
    """The common cases run in concore's kernels, not in the NumPy fallback."""
    rng = np.random.default_rng(14)
    x = rng.standard_normal(70001)
    x[:11] = np.linspace(-1, 1, 11)
    w = rng.standard_normal(70001)
    xi = rng.integers(-50, 50, 70001)
    x32 = x.astype(np.float32)
    cases = [
        ("histogram", (x, 10), {}), ("histogram", (x, 10), dict(range=(-1, 1), weights=w)),
        ("histogram", (x32, 10), dict(range=(-1, 1))), ("histogram", (x32, 7), {}),
        ("histogram", (x32, 7), dict(weights=w.astype(np.float32))),
        ("histogram", (x, 7), dict(range=(np.float32(-1), np.float32(2)))),
        ("histogram", (xi, 9), {}), ("histogram", (xi.astype(np.int32), 9), dict(range=(-3, 4))),
        ("histogram", (xi, 9), dict(range=(-3.5, 4))), ("histogram", (x, [-1, 0, 0.5, 2]), {}),
        ("histogram", (xi, [-5, 0, 7]), dict(weights=w)), ("histogram", (x, "auto"), {}),
        ("histogram", (x, 5), dict(density=True)),
        ("histogram2d", (x, w), dict(bins=7)), ("histogram2d", (x, w), dict(bins=7, weights=w)),
        ("histogramdd", (np.stack([x, w, x]).T,), dict(bins=3)),
        ("digitize", (x, [-1, 0, 1]), {}), ("digitize", (xi, [3, 1, -2]), dict(right=True)),
        ("bincount", (xi + 50,), {}), ("bincount", (xi + 50, w), dict(minlength=200)),
    ]
    expected = []
    for name, args, kw in cases:
        expected.append(getattr(np, name)(*args, **kw))
    saved = _no_numpy(monkeypatch, backend)
    for (name, args, kw), e in zip(cases, expected):
        r = getattr(H, name)(*args, n_threads=3, **kw)
        if name == "histogram" and np.ndim(args[1]) == 1 and "weights" in kw:
            np.testing.assert_allclose(r[0], e[0], rtol=1e-12, atol=1e-9)  # documented
        else:
            same(r, e, f"{name} {kw}")
    assert saved


@pytest.mark.parametrize("nt", NT)
def test_explicit_edges_dense_skewed_and_repeated(backend, nt, small_grain):
    """The search accelerator only narrows the search: skewed, repeated and infinite
    edges, and values on every edge and next to it, land where NumPy puts them."""
    rng = np.random.default_rng(15)
    for edges in (np.geomspace(1e-10, 1e10, 300), np.linspace(0, 1, 1001) ** 4,
                  np.array([0.0, 0.0, 0.0, 1e-300, 1.0, 1.0, 2.0, 2.0]),
                  np.array([-np.inf, -1.0, 0.0, 1.0, np.inf]),
                  np.concatenate([np.linspace(0, 1e-12, 50), [1.0, 1e6]]),
                  np.array([-5, -5, 0, 3, 3, 3, 9], np.int64)):
        with np.errstate(all="ignore"):
            near = np.concatenate([edges, np.nextafter(edges, -np.inf),
                                   np.nextafter(edges, np.inf)])
        x = np.concatenate([near, rng.choice(near, 5000),
                            10.0 ** rng.uniform(-12, 12, 20000) * rng.choice([-1, 1], 20000),
                            rng.uniform(max(float(edges[0]), -1e300),
                                        min(float(edges[-1]), 1e300), 20000),
                            [np.nan, np.inf, -np.inf]])
        label = f"edges {edges[:3]}..."
        check(H.histogram, np.histogram, x, edges, label=label, n_threads=nt)
        for right in (False, True):
            check(H.digitize, np.digitize, x, edges, right, label=label, n_threads=nt)
            check(H.digitize, np.digitize, x, edges[::-1], right, label=label, n_threads=nt)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_uniform_shortcut_over_many_values(backend, dtype, small_grain):
    """The kernel trusts int((v - first) * (n / denom)) away from integers: check it
    over many random values, offsets that make the edges coarse, and many bins."""
    rng = np.random.default_rng(16)
    for first, width, nb in [(0.0, 1.0, 100), (1e6, 1.0, 1000), (-1e-5, 3e-5, 7),
                             (1e8, 1e-3, 50), (-3.0, 7.0, 100000), (5.0, 1e-9, 3)]:
        x = (first + width * rng.uniform(-0.05, 1.05, 300001)).astype(dtype)
        w = rng.standard_normal(x.size)
        for rng_arg in ((first, first + width), None):
            check(H.histogram, np.histogram, x, nb, range=rng_arg, n_threads=3,
                  label=f"{first} {width} {nb} {rng_arg}")
            check(H.histogram, np.histogram, x, nb, range=rng_arg, weights=w, n_threads=3,
                  label=f"{first} {width} {nb} {rng_arg} w")


def test_digitize_and_histogram_with_integer_edges_beyond_2_53(backend):
    """NumPy checks whether edges increase in doubles, where int64 neighbours beyond
    2**53 can compare equal: its answer then is not the exact one, and concore's must
    be NumPy's (it hands such edges to NumPy)."""
    big = 2**63 - 250
    e = np.array([big + 53, big + 19])                  # decreasing, equal as doubles
    v = np.array([big + 30, big + 70, big, big + 53, big + 19])
    for right in (False, True):
        np.testing.assert_array_equal(concore.digitize(v, e, right=right),
                                      np.digitize(v, e, right=right))
        np.testing.assert_array_equal(concore.digitize(-v, -e, right=right),
                                      np.digitize(-v, -e, right=right))
    inc = np.sort(e)
    for a, b in zip(concore.histogram(v, inc), np.histogram(v, inc)):
        np.testing.assert_array_equal(a, b)


def test_histogramdd_integer_edges_and_data_beyond_2_53(backend):
    """NumPy's histogramdd places values in doubles but counts the last edge by an
    exact integer comparison: concore hands such integers to NumPy."""
    rng = np.random.default_rng(4)
    y = rng.random(200)
    for base, dt in ((2**63 - 250, np.uint64), (2**53 - 50, np.uint64), (2**53 - 50, np.int64)):
        x = (base + rng.integers(0, 100, 200)).astype(np.int64)
        e = np.sort(base + rng.choice(100, 4, replace=False)).astype(dt)
        for bins in ([e, 7], [e, np.linspace(0, 1, 5)]):
            for a, b in zip(concore.histogram2d(x, y, bins=bins), np.histogram2d(x, y, bins=bins)):
                np.testing.assert_array_equal(a, b)


def test_histogramdd_weighted_density_is_numpys_bitwise(backend):
    """NumPy divides by the sum of a view of its padded histogram: concore adds in that
    order too, so every bin has NumPy's bits (large grids make the orders differ)."""
    rng = np.random.default_rng(6)
    for n, bins in ((4, [17, 1000]), (500, [31, 700]), (300, [5, 6, 40])):
        sample = rng.random((n, len(bins)))
        w = rng.random(n)
        for weights in (w, None):
            got = concore.histogramdd(sample, bins=bins, weights=weights, density=True)[0]
            ref = np.histogramdd(sample, bins=bins, weights=weights, density=True)[0]
            assert got.dtype == ref.dtype and got.tobytes() == np.ascontiguousarray(ref).tobytes()
    x, y = rng.random(50), rng.random(50)
    got = concore.histogram2d(x, y, bins=[17, 1000], weights=x, density=True)[0]
    ref = np.histogram2d(x, y, bins=[17, 1000], weights=x, density=True)[0]
    assert got.tobytes() == np.ascontiguousarray(ref).tobytes()


@pytest.mark.parametrize("n", [1, 10, H.SMALL_DIGITIZE - 1, H.SMALL_DIGITIZE,
                               H.SMALL_BINCOUNT - 1, H.SMALL_BINCOUNT])
def test_small_bincount_digitize_numpy_lane_same_answer(backend, n):
    """Small inputs call NumPy's bincount / digitize; the kernels (fast paths off) give
    the same integers and the same in-order weighted sums."""
    rng = np.random.default_rng(n)
    ints = rng.integers(0, 50, n)
    w = rng.standard_normal(n)
    x = np.where(rng.random(n) < 0.05, np.nan, rng.uniform(-1, 2, n))
    edges = np.linspace(0, 1, 11)
    for call in (lambda: H.bincount(ints), lambda: H.bincount(ints, w, minlength=60),
                 lambda: H.bincount(ints.astype(np.int32)),
                 lambda: H.digitize(x, edges), lambda: H.digitize(x, edges[::-1], right=True)):
        fast = call()
        with _config.fast_paths(False):
            slow = call()
        assert fast.dtype == slow.dtype and fast.tobytes() == slow.tobytes()
