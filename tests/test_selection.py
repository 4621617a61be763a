"""Selection (partition, argpartition, median, percentile, quantile) against NumPy.

median/percentile/quantile must be NumPy's bits (dtype, shape, value, NaN), except
that a zero result may carry the other sign (concore orders -0.0 below +0.0, NumPy
returns whichever zero its introselect leaves in place). partition/argpartition
are checked for the partition properties and the kth values of a full sort, and
for the same layout on both backends and any thread count.
"""
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import concore
from concore import selection as S
from conftest import BACKENDS, NATIVE, ctrl_c_latency_ms
from hard_inputs import arrays, layouts, axis_options

DTYPES = ("float64", "float32", "int64", "int32")
SIZES = (1, 2, 7, 8, 9, 128, 129, 1000, 4097)
LONG = 1 << 17  # rows at least this long take the radix select (native kernels)


# ------------------------------------------------------------------ helpers

def assert_same(r, e, label=""):
    """Same type, dtype, shape and values; NaN where NaN; zeros of either sign."""
    assert type(r) is type(e) or (isinstance(r, np.generic) and isinstance(e, np.generic)), \
        f"{label}: type {type(r)} != {type(e)}"
    r, e = np.asarray(r), np.asarray(e)
    assert r.dtype == e.dtype, f"{label}: dtype {r.dtype} != {e.dtype}"
    assert r.shape == e.shape, f"{label}: shape {r.shape} != {e.shape}"
    if r.dtype.kind == "f":
        ok = (r == e) & ((np.signbit(r) == np.signbit(e)) | (r == 0)) | (np.isnan(r) & np.isnan(e))
        assert ok.all(), f"{label}: {np.count_nonzero(~ok)} differ: {r[~ok][:3]} vs {e[~ok][:3]}"
    else:
        np.testing.assert_array_equal(r, e, err_msg=label)


def bits(r):
    r = np.asarray(r)
    return r.dtype, r.shape, np.ascontiguousarray(r).tobytes()


def quiet(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(*args, **kw)


def check_partition(p, a, kth, axis, label):
    """p is a valid partition of a along axis around every kth."""
    a = np.asarray(a)
    if axis is None:
        a, axis = a.ravel(), -1
    assert p.shape == a.shape and p.dtype == a.dtype, label
    s = np.sort(a, axis=axis)
    pm, sm = np.moveaxis(p, axis, -1), np.moveaxis(s, axis, -1)
    n = pm.shape[-1]
    # the same multiset in each row
    u = f"u{a.dtype.itemsize}"
    if not a.dtype.isnative:  # NumPy's own partition here (it may flip a zero's sign)
        assert_same(np.sort(pm, axis=-1), sm, f"{label}: not a permutation")
    else:
        assert bits(np.sort(np.ascontiguousarray(pm).view(u), axis=-1)) == \
            bits(np.sort(np.ascontiguousarray(np.moveaxis(a, axis, -1)).view(u), axis=-1)), \
            f"{label}: not a permutation"
    for k in np.atleast_1d(kth):
        k = int(k) % n
        v = pm[..., k]
        assert_same(v, sm[..., k], f"{label}: kth={k}")
        if a.dtype.kind == "f":
            vv = v[..., None]
            nanv = np.isnan(vv)
            before, after = pm[..., :k], pm[..., k + 1:]
            ok_b = np.where(nanv, True, (before <= vv)).all()
            ok_a = np.where(nanv, np.isnan(after), (after >= vv) | np.isnan(after)).all()
        else:
            ok_b = (pm[..., :k] <= v[..., None]).all()
            ok_a = (pm[..., k + 1:] >= v[..., None]).all()
        assert ok_b and ok_a, f"{label}: kth={k} not partitioned"


def cases(sizes=SIZES, dtypes=DTYPES):
    for label, x in arrays(dtypes=dtypes, sizes=sizes):
        for lay, a in layouts(x):
            yield f"{label}/{lay}", a


# ------------------------------------------------------------- oracles

def test_median_matches_numpy(backend):
    for label, a in cases():
        for axis in axis_options(a.ndim):
            for keepdims in (False, True):
                e = quiet(np.median, a, axis=axis, keepdims=keepdims)
                r = quiet(S.median, a, axis=axis, keepdims=keepdims)
                assert_same(r, e, f"median/{backend}/{label}/axis={axis}/kd={keepdims}")


QS = [50, 0, 100, [1, 37.5, 99], np.array([25.0, 75.0], np.float32),
      np.array([[10.0, 90.0], [0.0, 100.0]]), np.float64(12.5)]


def test_percentile_matches_numpy(backend):
    for label, a in cases(sizes=(1, 2, 9, 1000)):
        for axis in axis_options(a.ndim)[:3]:
            for q in QS:
                e = quiet(np.percentile, a, q, axis=axis)
                r = quiet(S.percentile, a, q, axis=axis)
                assert_same(r, e, f"percentile/{backend}/{label}/axis={axis}/q={q}")


def test_quantile_matches_numpy(backend):
    qs = [0.5, 1.0, [0.1, 0.5, 0.9], np.float32(0.25)]
    for label, a in cases(sizes=(2, 9, 1000)):
        for axis in ((None, -1, 0) if a.ndim else (None,)):
            for q in qs:
                for kd in (False, True):
                    e = quiet(np.quantile, a, q, axis=axis, keepdims=kd)
                    r = quiet(S.quantile, a, q, axis=axis, keepdims=kd)
                    assert_same(r, e, f"quantile/{backend}/{label}/axis={axis}/q={q}/kd={kd}")


def test_partition_properties(backend):
    for label, a in cases(sizes=(1, 2, 9, 129, 1000)):
        for axis in [None] + list(range(-a.ndim, a.ndim)) if a.ndim else [None]:
            n = a.size if axis is None else a.shape[axis]
            for kth in (n - 1, -1, [0, n // 3, n // 2, n - 1]):
                lab = f"partition/{backend}/{label}/axis={axis}/kth={kth}"
                if a.ndim == 0:
                    continue
                p = S.partition(a, kth, axis=axis)
                check_partition(p, a, kth, axis, lab)
                i = S.argpartition(a, kth, axis=axis)
                assert i.dtype == np.intp, lab
                src = a.ravel() if axis is None else a
                taken = np.take_along_axis(src, i, axis=-1 if axis is None else axis)
                check_partition(taken, a, kth, axis, lab + "/arg")
                if a.dtype.isnative:  # concore's kernels: the same layout
                    assert bits(taken) == bits(p), f"{lab}: argpartition != partition"


# ------------------------------------- long rows, ties, parallel determinism

def _long_inputs(rng):
    n = LONG + 3
    yield "f64-normal", rng.standard_normal(n)
    yield "f64-ties", rng.integers(0, 5, n).astype(np.float64)
    yield "f64-allequal", np.full(n, 2.5)
    yield "f64-zeros", np.where(rng.random(n) < 0.5, -0.0, 0.0)
    x = rng.standard_normal(n)
    x[rng.random(n) < 0.3] = np.inf
    x[rng.random(n) < 0.3] = -np.inf
    yield "f64-infs", x
    x = rng.standard_normal(n)
    x[123] = np.nan
    yield "f64-onenan", x
    x = rng.standard_normal(n)
    x[rng.random(n) < 0.6] = np.nan
    yield "f64-mostnan", x
    yield "f64-sorted", np.sort(rng.standard_normal(n))
    yield "f64-reversed", np.sort(rng.standard_normal(n))[::-1].copy()
    yield "f64-tiny", rng.standard_normal(n) * 1e-310
    yield "f64-strided", rng.standard_normal(2 * n)[::2]
    yield "f32", rng.standard_normal(n).astype(np.float32)
    yield "f32-ties", rng.integers(-3, 3, n).astype(np.float32)
    x = rng.standard_normal(n).astype(np.float32)
    x[rng.random(n) < 0.2] = np.nan
    yield "f32-nans", x
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n)
    x[::7] = -0.0
    yield "f64-wide", x
    yield "i64", rng.integers(-10**9, 10**9, n)
    yield "i64-wide", rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, n)
    yield "i64-ties", rng.integers(0, 3, n) + 10**15
    yield "i32", rng.integers(-2**31, 2**31 - 1, n, dtype=np.int32)
    yield "i32-allequal", np.full(n, -7, np.int32)
    x = np.zeros(n)
    x[: n // 2 + 1] = 1.0  # one value heavier than the bucket cap on each side
    yield "f64-halfhalf", x


@pytest.mark.parametrize("n_threads", [1, 3])
def test_long_rows(backend, n_threads):
    """Rows long enough for the radix select (histogram passes, bucket splits of
    heavy ties, gathering): NumPy's order statistics at every thread count."""
    rng = np.random.default_rng(11)
    for label, x in _long_inputs(rng):
        n = x.size
        lab = f"{backend}/{n_threads}t/{label}"
        assert_same(quiet(S.median, x, n_threads=n_threads), quiet(np.median, x), lab)
        q = [0, 1, 50, 99, 100]
        assert_same(quiet(S.percentile, x, q, n_threads=n_threads), quiet(np.percentile, x, q),
                    lab)
        kth = [0, 17, n // 2, n - 1]
        p = S.partition(x, kth, n_threads=n_threads)
        check_partition(p, x, kth, -1, lab)
        i = S.argpartition(x, n // 3, n_threads=n_threads)
        check_partition(x[i], x, n // 3, -1, lab + "/arg")
        kth = [n - 5, n - 1]  # in the NaN tail where there is one
        check_partition(S.partition(x, kth, n_threads=n_threads), x, kth, -1, lab + "/tail")


def test_long_rows_2d():
    """A few long rows (radix select per row) and along axis 0."""
    rng = np.random.default_rng(12)
    x = rng.standard_normal((3, LONG + 1))
    x[1, 5] = np.nan
    for nt in (1, 3):
        assert_same(quiet(S.median, x, axis=1, n_threads=nt), quiet(np.median, x, axis=1))
        assert_same(quiet(S.median, x.T, axis=0, n_threads=nt), quiet(np.median, x.T, axis=0))
        assert_same(quiet(S.quantile, x, [0.2, 0.7], axis=-1, n_threads=nt),
                    quiet(np.quantile, x, [0.2, 0.7], axis=-1))


@pytest.mark.parametrize("n_threads", [1, 3])
def test_parallel_paths_deterministic(n_threads, small_grain):
    """With a grain of 16 every kernel runs parallel: results and partition layouts
    are the same bits on both backends and for every thread count."""
    rng = np.random.default_rng(13)
    shapes = [(9,), (1000,), (40, 33), (7, 130), (LONG + 5,)]
    for shape in shapes:
        for dt in DTYPES:
            x = (rng.standard_normal(shape) * 100).astype(dt)
            if dt.startswith("float"):
                x.flat[rng.integers(0, x.size, 3)] = np.nan if x.size > 100 else 0.0
            kth = [0, shape[-1] // 2]
            ref = {}
            for be in BACKENDS:
                with concore.use_backend(be):
                    for nt in (1, n_threads):
                        got = (quiet(S.median, x, axis=-1, n_threads=nt),
                               quiet(S.percentile, x, [5, 95], axis=-1, n_threads=nt),
                               S.partition(x, kth, n_threads=nt),
                               S.argpartition(x, kth, n_threads=nt))
                        got = [bits(g) for g in got]
                        if not ref:
                            ref["v"] = got
                        assert got == ref["v"], f"{shape}/{dt}/{be}/{nt}t"
            assert_same(S.median(x, axis=-1), quiet(np.median, x, axis=-1), f"{shape}/{dt}")


@pytest.mark.parametrize("n_threads", [1, 3])
def test_short_rows(n_threads, small_grain):
    """Many rows of up to 26 values (sorted by rank up to 24, nth_element beyond): the
    partition properties, the same layout on both backends, NumPy's medians."""
    rng = np.random.default_rng(14)
    for n in (1, 2, 3, 5, 10, 16, 23, 24, 25, 26):
        rows = 300
        xs = {
            "f64": rng.standard_normal((rows, n)),
            "f64-ties-zeros": np.where(rng.random((rows, n)) < 0.3, -0.0,
                                       np.round(rng.standard_normal((rows, n)))),
            "f64-nan-inf": np.where(rng.random((rows, n)) < 0.2, np.nan,
                                    np.where(rng.random((rows, n)) < 0.2, -np.inf,
                                             rng.standard_normal((rows, n)))),
            "f32-ties": rng.integers(-2, 3, (rows, n)).astype(np.float32),
            "i64-wide": rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max,
                                     (rows, n)),
            "i32-allequal": np.full((rows, n), -7, np.int32),
        }
        for label, x in xs.items():
            for kth in (n // 2, [0, n - 1], sorted({0, n // 3, n // 2, n - 1})):
                lab = f"{label} rows of {n}, kth={kth}, {n_threads}t"
                layouts_ = []
                for be in BACKENDS:
                    with concore.use_backend(be):
                        p = S.partition(x, kth, n_threads=n_threads)
                        i = S.argpartition(x, kth, n_threads=n_threads)
                    check_partition(p, x, kth, -1, f"{lab} {be}")
                    assert bits(np.take_along_axis(x, i, axis=-1)) == bits(p), lab
                    layouts_.append((bits(p), bits(i)))
                assert all(b == layouts_[0] for b in layouts_), f"{lab}: layouts differ"
            assert_same(quiet(S.median, x, axis=1, n_threads=n_threads),
                        quiet(np.median, x, axis=1), label)


HUGE = 1 << 20  # the largest sample (2^16 keys) from 2^20 values
SAMPLE_MIN = 1 << 12  # one kth of a row this long: sampled bracket, one counting pass


@pytest.fixture(params=[0, 1, 2], ids=["sse2", "avx2", "avx512"])
def simd_level(request):
    """The one-kth partition's vector loops capped at each width this CPU runs."""
    if not NATIVE:
        pytest.skip("pure-Python install: one backend")
    from concore._native import selection as native_selection
    if native_selection.simd_level(request.param) != request.param:
        native_selection.simd_level(-1)
        pytest.skip("this CPU lacks the instructions")
    yield request.param
    native_selection.simd_level(-1)


def test_short_rows_one_kth_vector_layout(simd_level):
    """One kth of float64 rows of up to 16 values is found and laid out in AVX2
    registers: the layout of the scalar loops and of the Python backend at every kth,
    with ties, zeros of both signs, NaNs of both signs and infinities."""
    rng = np.random.default_rng(15)
    pool = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.5, 5e-324])
    for n in range(1, 18):
        rows = 64
        xs = [rng.standard_normal((rows, n)),
              rng.choice(pool, (rows, n)),
              np.where(rng.random((rows, n)) < 0.5, rng.choice(pool, (rows, n)),
                       np.round(rng.standard_normal((rows, n))))]
        for x in xs:
            for kth in range(n):
                p = S.partition(x, kth, n_threads=1)
                i = S.argpartition(x, kth, n_threads=1)
                check_partition(p, x, kth, -1, f"rows of {n}, kth={kth}")
                with concore.use_backend("python"):
                    rp = S.partition(x, kth)
                    ri = S.argpartition(x, kth)
                assert bits(p) == bits(rp), f"rows of {n}, kth={kth}: layout"
                assert bits(i) == bits(ri), f"rows of {n}, kth={kth}: indices"
    # a long row and rows of a strided view take the scalar loops: the same answers
    x = rng.standard_normal((40, 24))[:, ::2]
    with concore.use_backend("python"):
        ref = S.partition(x, 5)
    assert bits(S.partition(x, 5)) == bits(ref)


@pytest.mark.parametrize("n_threads", [1, 3])
def test_huge_row_one_kth_same_layout(n_threads, simd_level):
    """A single kth of a row of 2^12+ values takes the sampled one-pass select (or, when
    the sample's bracket misses or holds too many keys, the radix select): either way
    the layout is the Python backend's, bit for bit, and a valid partition, at every
    register width (float64 rows compare values with AVX2 / AVX-512 where the kth
    value and the bracket's ends are no zero or NaN), for samples of every size."""
    for n in (SAMPLE_MIN + 5, 100_003, HUGE + 3):
        _one_kth_rows(n, n_threads)


def _one_kth_rows(n, n_threads):
    rng = np.random.default_rng(14)
    cases = {
        "f64-normal": rng.standard_normal(n),
        "f64-nan": np.where(rng.random(n) < 0.01, np.nan, rng.standard_normal(n)),
        "f64-sorted": np.sort(rng.random(n)),
        "f64-reversed": np.sort(rng.random(n))[::-1].copy(),
        "f64-ties": rng.integers(0, 7, n).astype(np.float64),  # bracket too full
        "f64-zeros": np.where(rng.random(n) < 0.5, 0.0, -0.0),
        # ties at the kth value inside vector groups; zeros and infinities around it
        "f64-few": rng.choice([-np.inf, -2.5, -0.0, 0.0, 1.5, 1.5000000000000002, np.inf],
                              n),
        "f64-strided": rng.standard_normal(2 * n)[::2],
        "f32-uniform": rng.random(n, dtype=np.float32),
        "i64-wide": rng.integers(-2**62, 2**62, n),
        "i32-narrow": rng.integers(-1000, 1000, n).astype(np.int32),
    }
    for label, x in cases.items():
        for kth in (0, 1, 1000, n // 3, n // 2, n - 1001, n - 2, n - 1):
            lab = f"{label}/kth={kth}/{n_threads}t"
            got = S.partition(x, kth, n_threads=n_threads)
            goti = S.argpartition(x, kth, n_threads=n_threads)
            with concore.use_backend("python"):
                ref = S.partition(x, kth)
                refi = S.argpartition(x, kth)
            assert bits(got) == bits(ref), lab
            assert bits(goti) == bits(refi), lab + "/arg"
            check_partition(got, x, kth, -1, lab)


def test_huge_row_segment_ends():
    """The vector loops store whole registers where a block's segment has room and
    lane by lane at its end: blocks whose segments end at every offset from a
    register's width, on several threads, against the serial scalar layout."""
    if not NATIVE:
        pytest.skip("pure-Python install: one backend")
    from concore._native import selection as native_selection
    rng = np.random.default_rng(15)
    n = HUGE + 37
    x = rng.standard_normal(n)
    x[rng.integers(0, n, 5000)] = 0.25   # ties with the kth value, scattered
    kth = int(np.searchsorted(np.sort(x), 0.25)) + 2
    try:
        native_selection.simd_level(0)
        ref = S.partition(x, kth, n_threads=1)
        refi = S.argpartition(x, kth, n_threads=1)
        for level in (1, 2):
            if native_selection.simd_level(level) != level:
                continue
            for nt in (1, 2, 4):
                assert bits(S.partition(x, kth, n_threads=nt)) == bits(ref), (level, nt)
                assert bits(S.argpartition(x, kth, n_threads=nt)) == bits(refi), (level, nt)
    finally:
        native_selection.simd_level(-1)
    assert ref[kth] == 0.25
    check_partition(ref, x, kth, -1, "ties")


# ---------------------------------------------------- arguments and fallbacks

def test_errors_match_numpy(backend):
    a = np.arange(10.0)
    for f, args, kw in [
        ("percentile", (a, 101), {}), ("percentile", (a, -1), {}),
        ("percentile", (a, np.nan), {}), ("quantile", (a, 1.5), {}),
        ("quantile", (a, [[[0.5]]]), {}), ("median", (a,), {"axis": 1}),
        ("percentile", (a, 50), {"axis": 2}), ("percentile", (a, 50), {"method": "nope"}),
        ("partition", (a, 10), {}), ("partition", (a, -11), {}),
        ("argpartition", (a, [1, 20]), {}), ("partition", (a, 1), {"axis": 1}),
        ("partition", (a, 1.5), {}), ("median", (a,), {"axis": (0, 0)}),
    ]:
        with pytest.raises(Exception) as want:
            getattr(np, f)(*args, **kw)
        with pytest.raises(type(want.value)):
            getattr(S, f)(*args, **kw)
    with pytest.raises(ValueError):
        S.median(a, n_threads=0)


def test_out_and_keepdims(backend):
    rng = np.random.default_rng(14)
    x = rng.standard_normal((4, 5, 6))
    out = np.empty((4, 6))
    r = S.median(x, axis=1, out=out)
    assert r is out
    assert_same(out, np.median(x, axis=1))
    out = np.empty((3, 4, 1, 6))
    r = S.percentile(x, [10, 50, 90], axis=1, out=out, keepdims=True)
    assert r is out
    assert_same(out, np.percentile(x, [10, 50, 90], axis=1, keepdims=True))
    # an out of another dtype goes to NumPy, which casts
    out32 = np.empty((4, 6), np.float32)
    assert S.median(x, axis=1, out=out32) is out32
    assert_same(out32, np.median(x, axis=1, out=np.empty((4, 6), np.float32)))
    for f, args in ((S.median, ()), (S.percentile, ([10, 60],))):  # axis=(): no reduction
        assert_same(f(x, *args, axis=()), getattr(np, f.__name__)(x, *args, axis=()))
    xi = rng.integers(0, 9, (4, 5))
    assert_same(S.median(xi, axis=(0, 1), keepdims=True),
                np.median(xi, axis=(0, 1), keepdims=True))


def test_fallbacks(backend):
    rng = np.random.default_rng(15)
    for dt in ("float16", "int8", "uint64", "bool", ">f8", ">i4"):
        x = (rng.standard_normal(50) * 10).astype(dt)
        assert_same(S.median(x), np.median(x), dt)
        if dt != "bool":  # NumPy cannot interpolate booleans (TypeError), tested above
            assert_same(S.percentile(x, [5, 50]), np.percentile(x, [5, 50]), dt)
        assert bits(S.partition(x, 7)) == bits(np.partition(x, 7)), dt
    x = rng.standard_normal(51)
    for m in ("lower", "higher", "nearest", "midpoint", "median_unbiased"):
        assert_same(S.percentile(x, 33, method=m), np.percentile(x, 33, method=m), m)
    w = rng.random(51)
    assert_same(S.quantile(x, 0.3, method="inverted_cdf", weights=w),
                np.quantile(x, 0.3, method="inverted_cdf", weights=w))
    m = np.ma.masked_array(x, mask=x > 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # NumPy: partition ignores the mask
        assert type(S.median(m)) is type(np.median(m))
    assert S.median([3, 1, 2]) == 2.0
    assert_same(S.median(np.float64(3.5)), np.median(np.float64(3.5)))
    for e in (np.empty(0), np.empty((0, 3))):
        assert_same(quiet(S.median, e), quiet(np.median, e))
    assert_same(S.quantile(x, 1), np.quantile(x, 1))  # integer q: NumPy's take path
    y = rng.standard_normal(200)  # more than 64 kth: NumPy's own partition
    assert bits(S.partition(y, range(70))) == bits(np.partition(y, range(70)))


def test_input_not_modified(backend):
    rng = np.random.default_rng(16)
    x = rng.standard_normal(LONG + 1)
    c = x.copy()
    S.median(x, overwrite_input=True)
    S.percentile(x, [1, 99], overwrite_input=True)
    S.partition(x, 5)
    assert bits(x) == bits(c)


# ----------------------------------------------------------------- Ctrl-C

@pytest.mark.skipif(not NATIVE or sys.platform == "win32", reason="needs native + POSIX signals")
@pytest.mark.parametrize("n_threads", [1, 2])
def test_ctrl_c_interrupts_long_selection(n_threads):
    latency = ctrl_c_latency_ms("""
        import numpy as np
        from concore import selection
        # 4e9 elements of one value (a zero-stride view: no memory): seconds of passes
        big = np.broadcast_to(np.float64(1.0), (4 * 10**9,))
    """, f"selection.median(big, n_threads={n_threads})", delay=0.3)
    assert latency < 1000


# ------------------------------------------------------------- properties

finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 300),
                  elements=st.one_of(finite, st.just(np.nan), st.just(-0.0), st.just(np.inf))),
       st.lists(st.floats(0, 100), min_size=1, max_size=5), st.sampled_from([1, 3]))
def test_property_percentile(x, q, nt):
    with concore.threads(nt):
        assert_same(quiet(S.percentile, x, q), quiet(np.percentile, x, q))
        assert_same(quiet(S.median, x), quiet(np.median, x))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(st.sampled_from([np.int64, np.int32, np.float32]),
                  hnp.array_shapes(min_dims=1, max_dims=3, max_side=12)),
       st.data())
def test_property_partition(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    kth = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    p = S.partition(x, kth, axis=axis)
    check_partition(p, x, kth, axis, "property")
    i = S.argpartition(x, kth, axis=axis)
    assert bits(np.take_along_axis(x, i, axis=axis)) == bits(p)
    assert_same(quiet(S.median, x, axis=axis), quiet(np.median, x, axis=axis))
