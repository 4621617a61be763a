"""Every reduction against NumPy on the shared hard inputs, on both backends.

Bitwise where concore promises NumPy's bits (the sum family on C-contiguous
floats); integers always exact; extremes exact up to the sign of a zero (see
concore.reductions); elsewhere within NumPy's own error bounds. Every result
must be bitwise the same for 1, 2 and 3 threads and on both backends.
"""
import threading
import warnings

import numpy as np
import pytest

import concore
from hard_inputs import arrays, axis_options, layouts, OTHER_DTYPES

SUM_FAMILY = ["sum", "mean", "var", "std", "nansum", "nanmean", "nanvar", "nanstd"]
EXTREMES = ["min", "max", "nanmin", "nanmax", "ptp"]
ARGS = ["argmin", "argmax", "nanargmin", "nanargmax"]
ALL = SUM_FAMILY + EXTREMES + ARGS


def cases(fname, quick=False):
    """(label, array, kwargs) for one function."""
    sizes = (1, 7, 9, 128, 129, 8193, 40001) if quick else None
    for label, x in arrays(**({"sizes": sizes} if sizes else {})):
        special = label.count("-") > 1
        for lay, y in (layouts(x) if not special else [("c", x)]):
            for axis in axis_options(y.ndim):
                if fname.startswith(("arg", "nanarg")) and isinstance(axis, tuple):
                    continue
                kw = {"axis": axis}
                yield f"{label}/{lay}/axis={axis}", y, kw
                if fname in ("var", "std", "nanvar", "nanstd") and axis is None:
                    yield f"{label}/{lay}/ddof=1", y, {"axis": axis, "ddof": 1}


def is_exact(fname, y):
    return (fname in SUM_FAMILY and y.dtype.kind == "f" and y.dtype.isnative
            and (y.flags.c_contiguous or y.flags.f_contiguous))


def call(f, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return f(*args, **kw), None
        except Exception as e:  # compared by type below
            return None, e


def general(f, *args, **kw):
    """call() with the compiled fast paths off: the general path."""
    from concore import _config
    with _config.fast_paths(False):
        return call(f, *args, **kw)


def bits(r):
    r = np.asarray(r)
    return r.dtype, r.shape, r.tobytes()


def assert_close_to_numpy(fname, y, r, ref, label):
    r, ref = np.asarray(r), np.asarray(ref)
    assert r.dtype == ref.dtype, f"{label}: dtype {r.dtype} != NumPy's {ref.dtype}"
    assert r.shape == ref.shape, f"{label}: shape {r.shape} != NumPy's {ref.shape}"
    if r.dtype.kind != "f":
        np.testing.assert_array_equal(r, ref, err_msg=label)
        return
    np.testing.assert_array_equal(np.isnan(r), np.isnan(ref), err_msg=label)
    if fname in EXTREMES:  # same value; the sign of a zero may differ (documented)
        np.testing.assert_array_equal(r, ref, err_msg=label)
        return
    eps = np.finfo(r.dtype).eps
    with np.errstate(all="ignore"):
        scale = np.nanmax(np.abs(y.astype(np.float64))) if y.size else 1.0
        if fname.endswith(("var", "std")):
            scale = scale * scale if fname.endswith("var") else scale
        tol = 8 * eps * y.size * scale + np.finfo(r.dtype).tiny
        finite = np.isfinite(ref)
        assert (np.isinf(r) == np.isinf(ref)).all(), label
        np.testing.assert_allclose(r[finite], ref[finite], rtol=64 * eps, atol=tol,
                                   err_msg=label)


@pytest.mark.parametrize("fname", ALL)
def test_matches_numpy_and_thread_counts(fname, backend, small_grain):
    """NumPy's answer (bitwise where promised); identical bits for 1, 2 and 3 threads."""
    f, ref_f = getattr(concore, fname), getattr(np, fname)
    quick = backend == "python"
    n = 0
    for label, y, kw in cases(fname, quick):
        ref, ref_err = call(ref_f, y, **kw)
        r1, err = call(f, y, n_threads=1, **kw)
        if ref_err is not None:
            assert err is not None and isinstance(err, type(ref_err)), (
                f"{label}: NumPy raised {ref_err!r}, concore gave {err!r}")
            continue
        assert err is None, f"{label}: concore raised {err!r}"
        for nt in (2, 3):
            rn, _ = call(f, y, n_threads=nt, **kw)
            assert bits(rn) == bits(r1), f"{label}: {nt} threads differ from 1"
        if is_exact(fname, y):
            assert bits(r1) == bits(ref), f"{label}: not NumPy's bits: {r1!r} vs {ref!r}"
        else:
            assert_close_to_numpy(fname, y, r1, ref, label)
        n += 1
    assert n > 100


@pytest.mark.parametrize("fname", ALL)
def test_backends_agree_bitwise(fname, small_grain):
    from conftest import NATIVE
    if not NATIVE:
        pytest.skip("pure-Python install: no native backend to compare with")
    f = getattr(concore, fname)
    for label, y, kw in cases(fname, quick=True):
        with concore.use_backend("python"):
            rp, ep = call(f, y, n_threads=2, **kw)
        with concore.use_backend("native"):
            rn, en = call(f, y, n_threads=2, **kw)
        assert type(ep) is type(en), label
        if ep is None:
            assert bits(rp) == bits(rn), f"{label}: python {rp!r} != native {rn!r}"


@pytest.mark.parametrize("dtype", OTHER_DTYPES + ("complex128", ">f8", "<M8[s]"))
@pytest.mark.parametrize("fname", ["sum", "mean", "min", "argmax", "var", "nansum"])
def test_other_dtypes_give_numpy_answer(dtype, fname, backend):
    x = (np.arange(50) % 7).astype(dtype)
    ref, ref_err = call(getattr(np, fname), x)
    r, err = call(getattr(concore, fname), x)
    if ref_err is not None:
        assert isinstance(err, type(ref_err))
    else:
        assert bits(r) == bits(ref)


@pytest.mark.parametrize("fname", SUM_FAMILY + EXTREMES)
def test_keepdims_out_dtype(fname, backend):
    x = np.random.default_rng(3).standard_normal((6, 5, 40))
    f, g = getattr(concore, fname), getattr(np, fname)
    for axis in (None, 1, (0, 2)):
        r, ref = f(x, axis=axis, keepdims=True), g(x, axis=axis, keepdims=True)
        assert r.shape == ref.shape
        out = np.empty_like(ref)
        assert f(x, axis=axis, keepdims=True, out=out) is out
        np.testing.assert_allclose(out, ref, rtol=1e-12)
    if fname in SUM_FAMILY:
        r = f(x.astype(np.float32), axis=1, dtype=np.float64)  # handed to NumPy
        ref = g(x.astype(np.float32), axis=1, dtype=np.float64)
        assert bits(r) == bits(ref)


def test_sum_exact_bits_large(backend, n_threads):
    """NumPy's pairwise tree reproduced on arrays big enough for many parallel leaves."""
    rng = np.random.default_rng(7)
    for n in (2**20 + 13, 3_000_001):
        x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
        for dt in (np.float64, np.float32):
            y = x.astype(dt)
            for fname in ("sum", "mean", "var", "std", "nansum"):
                r = getattr(concore, fname)(y, n_threads=n_threads)
                assert bits(r) == bits(getattr(np, fname)(y)), (fname, n, dt)
        m = x[: 1000 * 1000].reshape(1000, 1000)
        for axis in (0, 1):
            assert bits(concore.sum(m, axis=axis, n_threads=n_threads)) == bits(m.sum(axis=axis))
            assert bits(concore.var(m, axis=axis, n_threads=n_threads)) == bits(m.var(axis=axis))


def test_integer_wraparound(backend):
    x = np.full(100_000, np.iinfo(np.int64).max // 3, np.int64)
    assert concore.sum(x) == np.sum(x)
    u = np.full(70_000, 255, np.uint8)
    assert bits(concore.sum(u)) == bits(np.sum(u))
    i = np.full(70_000, 2**31 - 1, np.int32)
    assert bits(concore.sum(i)) == bits(np.sum(i))
    assert bits(concore.dot(i, i)) == bits(np.dot(i, i))


def test_dot(backend, n_threads):
    rng = np.random.default_rng(5)
    for n in (1, 7, 129, 100_003):
        for dt in (np.float64, np.float32, np.int64, np.int32):
            a = (rng.standard_normal(n) * 100).astype(dt)
            b = (rng.standard_normal(n) * 100).astype(dt)
            r = concore.dot(a, b, n_threads=n_threads)
            assert bits(r) == bits(np.sum(a * b) if dt in (np.float64, np.float32) else np.dot(a, b))
            ref = np.dot(a, b)
            assert np.asarray(r).dtype == ref.dtype
            np.testing.assert_allclose(r, ref, rtol=1e-4 if dt == np.float32 else 1e-10)
            assert bits(concore.dot(a[::-2], b[::2], n_threads=n_threads)) == bits(
                np.sum(a[::-2] * b[::2]) if dt in (np.float64, np.float32) else np.dot(a[::-2], b[::2]))
    m = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(concore.dot(m, m.T), np.dot(m, m.T))
    with pytest.raises(ValueError):
        concore.dot(np.ones(3), np.ones(4))


def test_errors_match_numpy(backend):
    x = np.ones((3, 4))
    with pytest.raises(np.exceptions.AxisError):
        concore.sum(x, axis=2)
    with pytest.raises(np.exceptions.AxisError):
        concore.argmax(x, axis=-3)
    with pytest.raises(ValueError):
        concore.min(np.empty(0))
    with pytest.raises(ValueError):
        concore.nanargmin(np.array([np.nan, np.nan]))
    with pytest.raises(ValueError):
        concore.sum(x, axis=(0, 0))
    with pytest.raises(ValueError):
        concore.sum(x, axis=0, out=np.empty(5))
    with pytest.raises(TypeError):
        concore.sum(x, axis=1.0)
    with pytest.raises(TypeError):
        concore.argmin(x, axis=(0, 1))
    for bad in (0, 1.5, "2", True):
        with pytest.raises(ValueError, match="n_threads"):
            concore.sum(x, n_threads=bad)
        with pytest.raises(ValueError, match="n_threads"):
            concore.sum(np.ones(10**5), n_threads=bad)


def test_warnings_match_numpy(backend):
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        assert np.isnan(concore.nanmean(np.array([np.nan, np.nan])))
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        assert np.isnan(concore.nanmin(np.array([np.nan])))
    with pytest.warns(RuntimeWarning, match="Degrees of freedom"):
        assert np.isnan(concore.nanvar(np.array([1.0, np.nan]), ddof=1))


def test_signed_zero_rule(backend, n_threads, small_grain):
    """The first of equal zeros wins: deterministic where NumPy's choice is not."""
    x = np.zeros(50_000)
    x[1::2] = -0.0
    assert not np.signbit(concore.min(x, n_threads=n_threads))
    assert np.signbit(concore.max(x[1:], n_threads=n_threads))
    assert concore.argmin(x[1:], n_threads=n_threads) == 0


def test_array_likes_and_scalars(backend):
    assert concore.sum([1, 2, 3]) == 6
    assert concore.mean(4.0) == 4.0
    assert concore.max([[1, 5], [7, 2]], axis=0).tolist() == [7, 5]
    assert isinstance(concore.sum(np.ones(3)), np.float64)
    m = np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0])
    assert concore.sum(m) == np.sum(m) == 4.0


def test_misaligned_and_keyword_fallbacks_give_numpys_answer(backend):
    raw = np.zeros(8 * 1000 + 1, np.uint8)
    raw[1:] = np.random.default_rng(2).standard_normal(1000).view(np.uint8)
    y = np.frombuffer(raw, dtype=np.float64, offset=1)  # misaligned: NumPy's own path
    assert not y.flags.aligned
    for fname in ("sum", "var", "min", "argmax", "nanmean"):
        assert bits(getattr(concore, fname)(y)) == bits(getattr(np, fname)(y))
    m = np.arange(12.0).reshape(3, 4)
    w = m > 3
    assert bits(concore.sum(m, axis=1, where=w)) == bits(np.sum(m, axis=1, where=w))
    assert bits(concore.sum(m, initial=5.0)) == bits(np.sum(m, initial=5.0))
    assert bits(concore.max(m, axis=0, initial=7.0)) == bits(np.max(m, axis=0, initial=7.0))
    assert bits(concore.mean(m, where=w)) == bits(np.mean(m, where=w))
    assert bits(concore.std(m, ddof=1.5)) == bits(np.std(m, ddof=1.5))


def test_var_ddof_at_least_count_is_numpys(backend):
    x = np.arange(5.0)
    with pytest.warns(RuntimeWarning):
        r = concore.var(x, ddof=5)
    with pytest.warns(RuntimeWarning):
        assert bits(r) == bits(np.var(x, ddof=5))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_wide_column_folds(backend, dtype):
    """Axis-0 reductions over wide rows (several rows folded per pass) keep the rules:
    NumPy's values, the first NaN of a column, identical bits for any thread count."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((13, 2500)).astype(dtype)
    x[5, 7] = np.nan
    x[2, 7] = np.nan
    x[11, 2000] = np.nan
    x[:, 30] = 0.0
    x[3::2, 30] = -0.0
    for fname in ("max", "min", "sum", "var", "argmax", "nanmin"):
        f, g = getattr(concore, fname), getattr(np, fname)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r1 = f(x, axis=0, n_threads=1)
            assert bits(f(x, axis=0, n_threads=3)) == bits(r1)
            ref = g(x, axis=0)
        np.testing.assert_array_equal(r1, ref)
        if fname in ("sum", "var"):
            assert bits(r1) == bits(ref)
    assert not np.signbit(concore.max(x, axis=0)[30])  # the first zero of the column


@pytest.mark.parametrize("fname", ["sum", "mean", "var", "std", "min", "max", "argmin",
                                   "argmax"])
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf, as NumPy
def test_whole_array_calls_match_the_general_path(fname, backend):
    # A plain contiguous array reduced whole skips the general path's planning: the
    # same value, type and bits as that path (reached through an explicit axis tuple)
    # and as NumPy.
    rng = np.random.default_rng(8)
    base = rng.standard_normal(61) * 10.0 ** rng.integers(-3, 4, 61)
    base[[3, 17, 40]] = [np.inf, -0.0, -np.inf]
    for dt in (np.float64, np.float32, np.int64, np.int32, np.bool_):
        if fname in ("sum", "mean", "var", "std") and dt not in (np.float64, np.float32):
            continue  # (not taken by the shortcut; covered above)
        with np.errstate(invalid="ignore"):
            xs = (base.astype(dt)[:1], base.astype(dt), base.astype(dt)[:60].reshape(6, 10),
                  np.where(np.arange(61) == 30, np.nan, base).astype(dt))
        for x in xs:
            kws = [{}] if fname not in ("var", "std") else [{}, {"ddof": 1}, {"ddof": -2}]
            for kw in kws:
                if x.size <= kw.get("ddof", 0):
                    continue
                f = getattr(concore, fname)
                r = f(x, **kw)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    e = getattr(np, fname)(x, **kw)
                if fname.startswith("arg"):     # (an index: no axis tuple)
                    g = np.intp(f(x, keepdims=True).item())
                else:
                    g = f(x, axis=tuple(range(x.ndim)), **kw)
                for other in (e, g):
                    assert type(r) is type(other), (fname, dt, type(r), type(other))
                    assert np.array_equal(np.asarray(r), np.asarray(other), equal_nan=True)
                    if np.asarray(r).dtype.kind == "f" and r == 0:
                        assert np.signbit(r) == np.signbit(other)
                with pytest.raises(ValueError):
                    f(x, n_threads=0, **kw)


@pytest.mark.parametrize("fname", ["sum", "mean", "var", "std", "nanvar", "nansum"])
def test_column_sums_numpys_bits_at_every_width(fname):
    """Sums along a leading axis add each column's rows in order (NumPy's order) with
    SSE2, AVX2 or AVX-512 row kernels: NumPy's bits at every width, narrow and wide
    rows (four rows a pass from 1024 columns), float64 and float32."""
    from conftest import NATIVE
    if not NATIVE:
        pytest.skip("pure-Python install: no native loops")
    from concore._native import reductions as nat
    rng = np.random.default_rng(37)
    f, g = getattr(concore, fname), getattr(np, fname)
    best = nat.simd_level(-1)
    try:
        for level in range(best + 1):
            assert nat.simd_level(level) == level
            for shape in ((13, 37), (9, 1029), (3, 5, 33)):
                for dt in ("float64", "float32"):
                    x = (rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3, shape)).astype(dt)
                    x.flat[::17] = np.nan if fname.startswith("nan") else 1e8
                    for nt in (1, 2):
                        r = f(x, axis=0, n_threads=nt)
                        ref = g(x, axis=0)
                        assert r.dtype == ref.dtype
                        np.testing.assert_array_equal(r.view(np.uint8), ref.view(np.uint8),
                                                      err_msg=f"{fname} {shape} {dt} level {level}")
    finally:
        nat.simd_level(-1)


@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_all_nan_columns_warn_or_raise_at_every_width(backend, dt):
    """Folding rows column by column, an all-NaN column is noticed (nanmin/nanmax warn,
    nanargmin/nanargmax raise) and a column with one number is not, at every width."""
    from conftest import NATIVE
    x = np.full((9, 21), np.nan, dtype=dt)
    x[4, :] = 1.0
    x[8, 3] = -np.inf
    levels = [None]
    if NATIVE and backend == "native":
        from concore._native import reductions as nat
        levels = range(nat.simd_level(-1) + 1)
    try:
        for level in levels:
            if level is not None:
                nat.simd_level(level)
            for fname in ("nanmin", "nanmax"):
                f = getattr(concore, fname)
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    np.testing.assert_array_equal(f(x, axis=0), getattr(np, fname)(x, axis=0))
                y = x.copy()
                y[:, 7] = np.nan
                with pytest.warns(RuntimeWarning, match="All-NaN"):
                    r = f(y, axis=0, n_threads=2)
                assert np.isnan(r[7]) and not np.isnan(np.delete(r, 7)).any()
                with pytest.raises(ValueError, match="All-NaN"):
                    getattr(concore, "nanarg" + fname[3:])(y, axis=0)
                np.testing.assert_array_equal(getattr(concore, "nanarg" + fname[3:])(x, axis=0),
                                              getattr(np, "nanarg" + fname[3:])(x, axis=0))
    finally:
        if levels[0] is not None:
            nat.simd_level(-1)


@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_arg_rows_random_ties_nans_infs(backend, dt):
    """argmin/argmax/nanargmin/nanargmax along rows of every length from 1 to 80 (the
    one-pass SIMD kernel's chains and masked tail), and of whole arrays: few distinct
    values (ties across lanes), zeros of both signs, +-inf and NaN at random places,
    against NumPy."""
    rng = np.random.default_rng(31)
    pool = np.array([0.0, -0.0, 1.5, -1.5, 2.0, np.inf, -np.inf, np.nan], dtype=dt)
    for width in range(1, 81):
        rows = pool[rng.integers(0, len(pool) - 1, (6, width))]     # no NaN yet
        rows[1] = pool[rng.integers(0, len(pool), width)]            # NaN anywhere
        rows[2, :] = np.nan
        rows[2, rng.integers(0, width)] = -np.inf
        rows[3] = rng.standard_normal(width).astype(dt)
        rows[4] = np.inf if width % 2 else -np.inf
        for fname in ("argmin", "argmax", "nanargmin", "nanargmax"):
            f, g = getattr(concore, fname), getattr(np, fname)
            for x in (rows, rows[3], rows[1]):
                for axis in ((None, -1) if x.ndim > 1 else (None,)):
                    ref, err = call(g, x, axis=axis)
                    r, e = call(f, x, axis=axis, n_threads=2)
                    assert type(e) is type(err), (fname, width, axis, e, err)
                    if err is None:
                        np.testing.assert_array_equal(r, ref, err_msg=f"{fname} {width} {axis}")


@pytest.mark.parametrize("fname", EXTREMES + ARGS)
def test_extreme_loops_same_bits_at_every_register_width(fname):
    """The SSE2, AVX2 and AVX-512 extreme-value loops keep the same 8 lanes and selects:
    the same bits (first of equal zeros, first NaN) on every width this CPU runs."""
    from conftest import NATIVE
    if not NATIVE:
        pytest.skip("pure-Python install: no native loops")
    from concore._native import reductions as nat
    f = getattr(concore, fname)
    zeros = np.zeros(20_001)
    zeros[1::3] = -0.0
    mixed = np.random.default_rng(7).standard_normal(30_011)
    mixed[[5, 9000, 20_000]] = np.nan
    extra = [("zeros", zeros, {}), ("zeros-1", zeros[1:], {}), ("mixed", mixed, {}),
             ("mixed-f32", mixed.astype(np.float32), {}), ("zeros-f32", zeros.astype(np.float32), {})]
    # Rows folded column by column (axis 0): NaN first and later, ties, zeros of both
    # signs, +-inf, an all-NaN column, widths around the 4/8/16-lane tails.
    cols = np.random.default_rng(9).standard_normal((37, 35))
    cols[::5, ::3] = np.nan
    cols[2::7, 1::4] = -0.0
    cols[3::7, 1::4] = 0.0
    cols[:, 10] = 1.0
    cols[4::6, 12] = np.inf
    cols[5::6, 13] = -np.inf
    cols[:, 14] = -np.inf
    cols[1:, 15] = np.nan
    cols[:, 4] = np.nan
    # wide rows (four rows a pass from 1024 columns), 11 rows: two passes and three
    wide = np.random.default_rng(10).standard_normal((11, 1100))
    wide[::3, ::7] = np.nan
    wide[1::4, 2::5] = -0.0
    wide[2::4, 2::5] = 0.0
    wide[:, 9] = np.nan
    for width in (1, 3, 4, 5, 8, 9, 16, 17, 35, 1100):
        for dt in (np.float64, np.float32):
            src = wide if width == 1100 else cols
            for c in (src[:, :width], np.delete(src, 4 if width < 1100 else 9, axis=1)[:, :width]):
                extra.append((f"cols-{width}-{np.dtype(dt).name}", c.astype(dt), {"axis": 0}))
                ref, err = call(getattr(np, fname), c.astype(dt), axis=0)
                r, e = call(f, c.astype(dt), axis=0, n_threads=2)
                assert type(e) is type(err), (fname, width, e, err)
                if err is None:
                    assert_close_to_numpy(fname, c, r, ref, f"cols-{width}")
    best = nat.simd_level(-1)
    try:
        results = {}
        for level in range(best + 1):
            assert nat.simd_level(level) == level
            out = []
            for label, y, kw in list(cases(fname, quick=True)) + extra:
                if y.dtype.kind != "f":
                    continue
                r, e = call(f, y, n_threads=2, **kw)
                out.append((label, type(e), None if e is not None else bits(r)))
            results[level] = out
    finally:
        nat.simd_level(-1)
    assert len(results[0]) > 50
    for level, out in results.items():
        assert out == results[0], f"{fname}: width level {level} differs from SSE2"


# ----------------------------------------------------------- the fast paths
# concore.sum(a) and seven others answer a whole small plain array with no other
# argument but n_threads in compiled code (concore._native.reductions.fast_calls); any
# other argument takes the general path (the tests reach it with the fast paths off,
# general()). Both must give the same bits.

FAST = ["sum", "mean", "var", "std", "min", "max", "argmin", "argmax"]


def fast_cases():
    for label, x in arrays(dtypes=("float64", "float32", "int64", "int32"),
                           sizes=(1, 2, 7, 8, 9, 31, 32, 33, 127, 128, 129, 1000, 4095,
                                  4096, 4097,
                                  8193, 32767, 32768)):
        yield label, x
    for dt in ("float64", "float32"):
        yield f"{dt}-negzeros", np.full(16, -0.0, dt)
    # 1-D views: the fast path walks them by their stride
    for label, x in arrays(dtypes=("float64", "float32", "int64", "int32"),
                           sizes=(2, 9, 33, 257, 4097, 20000)):
        yield f"{label}-step2", x[::2]
        yield f"{label}-rev3", x[::-3]
        yield f"{label}-column", np.repeat(x, 3).reshape(-1, 3)[:, 1]
    x = np.arange(24.0)
    yield "float64-reversed", x[::-1]
    yield "float64-2d", x.reshape(4, 6)
    yield "float64-fortran", np.asfortranarray(x.reshape(4, 6))
    yield "float64-byteswapped", x.astype(">f8")
    yield "float64-subclass", x.view(np.matrix)
    yield "float64-0d", np.array(2.5)
    yield "float64-empty", np.array([])
    yield "list", [1.0, 2.0, 4.0]


@pytest.mark.parametrize("fname", FAST)
def test_fast_path_same_bits_as_general_path(fname):
    f = getattr(concore, fname)
    n = 0
    for label, x in fast_cases():
        r, e = call(f, x)
        ref, ref_e = general(f, x)
        r1, e1 = call(f, x, n_threads=1)       # a thread count: still the fast path
        assert type(e1) is type(e) and (e is not None or bits(r1) == bits(r))
        np_ref, np_e = call(getattr(np, fname), x)
        assert type(e) is type(ref_e) is type(np_e), f"{label}: {e!r} {ref_e!r} {np_e!r}"
        if e is not None:
            continue
        assert type(r) is type(ref) is type(np_ref), f"{label}: {type(r)} {type(ref)}"
        assert bits(r) == bits(ref), f"{label}: fast {r!r} != general {ref!r}"
        if fname in FAST[:4] and np.asarray(x).dtype.kind == "f":
            assert bits(r) == bits(np_ref), f"{label}: {r!r} != NumPy's {np_ref!r}"
        n += 1
    if fname in ("var", "std"):
        x = np.random.default_rng(5).standard_normal(100)
        for ddof in (1, 2, 99, 100, 101):
            r, ref = call(f, x, ddof=ddof), general(f, x, ddof=ddof)
            assert bits(r[0]) == bits(ref[0]) == bits(call(getattr(np, fname), x, ddof=ddof)[0])
    assert n > 300


def test_fast_paths_gate():
    """The compiled fast paths answer only while every thread uses the native default:
    use_backend (in any thread) and fast_paths(False) close the gate."""
    from conftest import NATIVE
    from concore import _config
    if not NATIVE or concore.backend() != "native":
        pytest.skip("the fast paths exist with the native default backend only")
    assert type(concore.sum).__name__ == "cython_function_or_method"
    x = np.random.default_rng(2).standard_normal(10)
    assert _config._fast_gate[0] == 0
    with concore.use_backend("python"):
        assert _config._fast_gate[0] == 1
        with concore.use_backend("native"):
            assert _config._fast_gate[0] == 1
        assert bits(concore.sum(x)) == bits(np.sum(x))
    assert _config._fast_gate[0] == 0
    with _config.fast_paths(False):
        assert _config._fast_gate[0] == 1
    assert _config._fast_gate[0] == 0
    entered, leave = threading.Event(), threading.Event()

    def other():
        with concore.use_backend("python"):
            entered.set()
            leave.wait(10)

    t = threading.Thread(target=other)
    t.start()
    try:
        assert entered.wait(10)
        assert _config._fast_gate[0] == 1
    finally:
        leave.set()
        t.join()
    assert _config._fast_gate[0] == 0


def test_fast_paths_look_like_the_python_functions():
    import inspect
    import pickle
    from concore import tasks
    for name in FAST + ["dot"]:
        f = getattr(concore, name)
        assert f is getattr(concore.reductions, name)
        assert f.__name__ == name and f.__module__ == "concore.reductions"
        assert f.__doc__ and ("numpy." + name) in f.__doc__.replace("``", "")
        assert "n_threads" in inspect.signature(f).parameters
        assert pickle.loads(pickle.dumps(f)) is f
        assert tasks._choose(f)[0] == "threads"


def test_fast_dot_same_bits_as_general_path():
    rng = np.random.default_rng(8)
    n = 0
    for dt in ("float64", "float32", "int64", "int32"):
        for size in (1, 2, 7, 8, 9, 127, 128, 129, 1000, 4095, 4096, 4097, 32767, 32768):
            x = (rng.standard_normal(size) * 100).astype(dt)
            y = (rng.standard_normal(size) * 100).astype(dt)
            if dt.startswith("float"):
                x[size // 2] = -0.0
            for a, b in ((x, y), (x[::2], y[::2]), (x[::-1], y), (x, y[::-1]),
                         (np.repeat(x, 2).reshape(-1, 2)[:, 1], y)):
                r, ref = concore.dot(a, b), general(concore.dot, a, b)[0]
                assert type(r) is type(ref) is type(np.dot(a, b)), (dt, size)
                assert bits(r) == bits(ref), (dt, size, r, ref)
                n += 1
    x = np.arange(6.0)
    for a, b in [(x.reshape(2, 3), x.reshape(3, 2)), (x, x.astype(np.float32)), (x[::2], x[:3]),
                 ([1.0, 2.0], [3.0, 4.0]), (x, np.arange(5.0)), (np.float64(2.0), x)]:
        r, e = call(concore.dot, a, b)
        ref, ref_e = call(np.dot, a, b)
        assert type(e) is type(ref_e)
        if e is None:
            np.testing.assert_allclose(r, ref)
    assert n > 50


ALL_REDUCTIONS = ["sum", "mean", "var", "std", "min", "max", "argmin", "argmax", "ptp",
                  "nansum", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax", "nanargmin",
                  "nanargmax"]


@pytest.mark.parametrize("fname", ALL_REDUCTIONS)
def test_zero_d_input_with_an_axis_is_numpys(fname, backend):
    """NumPy accepts axis 0 and -1 for a 0-d array in some reductions (sum, min, argmin,
    the nan* family...) and not in others (mean, var, std): concore follows each."""
    for x in (np.array(2.5), np.array(3, np.int32), np.array(np.nan)):
        for axis in (0, -1, 1, (0,), None):
            for kw in ({}, {"keepdims": True}):
                if fname.startswith(("arg", "nanarg")) and (kw or type(axis) is tuple):
                    continue
                r, e = call(getattr(concore, fname), x, axis=axis, **kw)
                ref, ref_e = call(getattr(np, fname), x, axis=axis, **kw)
                assert type(e) is type(ref_e), (fname, x, axis, kw, e, ref_e)
                if e is None:
                    assert type(r) is type(ref) and bits(r) == bits(ref), (fname, x, axis, r, ref)


@pytest.mark.parametrize("fname", FAST + ["dot"])
def test_fast_path_checks_thread_counts(fname):
    """A small call with a bad n_threads gets the general path's ValueError; -1 (all
    CPUs) and large counts give the same bits as the default."""
    f = getattr(concore, fname)
    x = np.random.default_rng(3).standard_normal(10)
    args = (x, x) if fname == "dot" else (x,)
    for bad in (0, True, 1.5, "2"):
        with pytest.raises(ValueError, match="n_threads"):
            f(*args, n_threads=bad)
    for nt in (-1, 1, 64):
        assert bits(f(*args, n_threads=nt)) == bits(f(*args))
