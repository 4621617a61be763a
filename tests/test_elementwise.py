"""Elementwise functions against NumPy: bit for bit where promised, within 1 ULP of
the true result for the transcendental functions (on every SIMD target this CPU
runs), NumPy's answers at special values, and the same bits for any thread count."""
import threading

import numpy as np
import pytest

import concore
from concore import _config, elementwise as ew
from conftest import NATIVE
from hard_inputs import arrays, layouts

SIZES = (1, 9, 129, 4097, 8193)
FLOAT_DTYPES = ("float64", "float32")

EXACT_UNARY = ("negative", "absolute", "square", "reciprocal", "sign", "floor", "ceil",
               "trunc", "rint", "sqrt", "isnan", "isinf", "isfinite", "logical_not", "invert")
EXACT_BINARY = ("add", "subtract", "multiply", "divide", "floor_divide", "remainder",
                "minimum", "maximum", "fmin", "fmax", "copysign", "hypot", "less",
                "less_equal", "greater", "greater_equal", "equal", "not_equal",
                "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
                "bitwise_xor")
# fmin/fmax: NumPy's choice between +0.0 and -0.0 depends on the SIMD lane.
ZERO_SIGN_FREE = ("fmin", "fmax")


def same(r, e, zero_sign=True):
    """Same type, dtype, shape and values (NaN equal to NaN, zeros by sign)."""
    assert type(r) is type(e), (type(r), type(e))
    r, e = np.asarray(r), np.asarray(e)
    assert r.dtype == e.dtype and r.shape == e.shape, (r.dtype, e.dtype, r.shape, e.shape)
    if r.dtype.kind == "f":
        nan = np.isnan(e)
        assert np.array_equal(np.isnan(r), nan)
        assert np.array_equal(r[~nan], e[~nan])
        if zero_sign:
            assert np.array_equal(np.signbit(r[~nan]), np.signbit(e[~nan]))
    else:
        assert np.array_equal(r, e)


def numpy_result(f, *args, **kw):
    with np.errstate(all="ignore"):
        try:
            return f(*args, **kw)
        except Exception as e:  # noqa: BLE001 - the error is the expected result
            return e


def check(name, *args, n_threads=None, **kw):
    e = numpy_result(ew.UFUNCS[name], *args, **kw)
    kw["n_threads"] = n_threads
    if isinstance(e, Exception):
        with pytest.raises(type(e)):
            getattr(concore, name)(*args, **kw)
        return
    with np.errstate(all="ignore"):
        r = getattr(concore, name)(*args, **kw)
    same(r, e, zero_sign=name not in ZERO_SIGN_FREE)


# ------------------------------------------------------------------ tables

@pytest.mark.skipif(not NATIVE, reason="the native backend was not built")
def test_operation_tables_agree():
    from concore._native import elementwise as nat
    from concore._python import elementwise as py
    assert nat.OPS == py.OPS
    assert nat.BLOCK_SIZE == py.BLOCK_SIZE


def test_public_names():
    for name in ew.UNARY + ew.BINARY + ("abs", "mod", "clip", "where"):
        assert callable(getattr(concore, name)), name
    assert concore.abs.__name__ == "abs" and concore.mod.__name__ == "mod"


# ------------------------------------------------------------ exact, unary

@pytest.mark.parametrize("name", EXACT_UNARY)
@pytest.mark.parametrize("threads", [1, 3])
def test_exact_unary(name, threads, backend, small_grain):
    for label, x in arrays(sizes=SIZES):
        for lay, v in layouts(x):
            e = numpy_result(ew.UFUNCS[name], v)
            if isinstance(e, Exception):
                with pytest.raises(type(e)):
                    getattr(concore, name)(v, n_threads=threads)
                continue
            with np.errstate(all="ignore"):
                r = getattr(concore, name)(v, n_threads=threads)
            same(r, e)


# ----------------------------------------------------------- exact, binary

def _pairs():
    rng = np.random.default_rng(7)
    for dt in ("float64", "float32", "int64", "int32", "bool"):
        for label, x in arrays(dtypes=(dt,), sizes=(9, 4097)):
            y = x[rng.permutation(x.size)]
            yield f"{label}-same", x, y
            if x.size % 17 != 0 and x.size > 8:
                yield f"{label}-row", x[:8].reshape(2, 4), x[8:12]
                yield f"{label}-outer", x[:5].reshape(5, 1), y[:3].reshape(1, 3)
            if dt != "bool":
                yield f"{label}-pyint", x, 3
                yield f"{label}-pyfloat", x, -2.5
                yield f"{label}-npscalar", x, np.float32(1.5)
                yield f"{label}-zero", x, 0
            if dt in ("float64", "float32"):
                yield f"{label}-withzeros", x, np.where(rng.random(x.size) < 0.3, 0.0, y)
                yield f"{label}-specials", x, np.resize(
                    np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0], dt), x.size)
    a64 = np.linspace(-3, 3, 101)
    yield "mix-f64-i32", a64, np.arange(101, dtype=np.int32) - 50
    yield "mix-f32-i64", a64.astype(np.float32), np.arange(101, dtype=np.int64) - 50
    yield "mix-i32-i64", np.arange(101, dtype=np.int32) - 50, np.arange(101) * 7 - 300
    yield "mix-bool-f32", a64 > 0, a64.astype(np.float32)
    imin = np.array([np.iinfo(np.int64).min, -7, 7, 0, np.iinfo(np.int64).max] * 3)
    yield "int-edges", imin, np.array([-1, 2, -2, 0, 1, -1, 3, -3, 5, 0, -1, 0, 1, 2, 0])


@pytest.mark.parametrize("name", EXACT_BINARY)
def test_exact_binary(name, backend, small_grain):
    for label, x, y in _pairs():
        for threads in (1, 3):
            check(name, x, y, n_threads=threads)
            check(name, y, x, n_threads=threads)


def test_clip_ties_zeros_and_nan(backend):
    """Every combination of signed zeros, NaN and ties among value and bounds: a value
    equal to a bound is kept (NumPy's clip, not minimum(maximum(...)))."""
    vals = np.array([-0.0, 0.0, np.nan, 1.0, -1.0])
    x, lo, hi = (g.ravel() for g in np.meshgrid(vals, vals, vals, indexing="ij"))
    for dt in ("float64", "float32"):
        args = [v.astype(dt) for v in (x, lo, hi)]
        for nt in (1, 3):
            same(concore.clip(*args, n_threads=nt), np.clip(*args))         # array bounds
            same(concore.clip(args[0], args[1], 1.0, n_threads=nt), np.clip(args[0], args[1], 1.0))
        xs = np.tile(vals, 30).astype(dt)
        for l in vals:
            for h in vals:
                for bounds in ((float(l), float(h)), (np.float32(l), h), (np.array(l), h),
                               (np.array([l]), np.array([[h]]))):
                    for nt in (1, 3):
                        same(concore.clip(xs, *bounds, n_threads=nt), np.clip(xs, *bounds))
                    same(concore.clip(xs, *bounds), np.clip(xs, *bounds))
                    same(concore.evaluate("clip(x, l, h)", {"x": xs, "l": l, "h": h}),
                         np.clip(xs, l, h))


def test_where_and_clip(backend, small_grain):
    for label, x in arrays(dtypes=("float64", "float32", "int64", "int32"), sizes=SIZES):
        c = np.arange(x.size) % 3 == 0
        same(concore.where(c, x, x[::-1], n_threads=3), np.where(c, x, x[::-1]))
        same(concore.where(x, 1.5, x, n_threads=3), np.where(x, 1.5, x))
        same(concore.where(c, x, 0), np.where(c, x, 0))
        lo, hi = (-1, 2) if x.dtype.kind == "i" else (-1.5, 2.5)
        same(concore.clip(x, lo, hi, n_threads=3), np.clip(x, lo, hi))
        if x.dtype.kind == "f":
            bounds = np.resize(np.array([np.nan, 0.0, -1.0], x.dtype), x.size)
            same(concore.clip(x, bounds, 1.0), np.clip(x, bounds, 1.0))
    assert concore.where(np.array([0, 3, 0]))[0].tolist() == [1]
    with pytest.raises(ValueError):
        concore.where(np.ones(3), np.ones(3))


def test_power_exact_fast_paths(backend):
    # NumPy's power loop turns a scalar exponent of 2, 0.5, -1 and 1 into exact operations.
    x = np.concatenate([np.linspace(-5, 5, 1001), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    for dt in FLOAT_DTYPES:
        v = x.astype(dt)
        for e in (2, 2.0, 0.5, -1, -1.0, 1.0, np.float64(2.0), np.float32(0.5)):
            check("power", v, e)
        same(concore.evaluate("v**2"), v ** 2)
        same(concore.evaluate("v**0.5"), v ** 0.5)



def _cube_points(rng, n):
    """float64 points for x**3: every binade of the fast path, the scaled ranges
    around it, subnormal and overflowing results, and the special values."""
    sign = rng.choice([-1.0, 1.0], 5 * n)
    x = np.concatenate([rng.uniform(-10, 10, n), 2.0 ** rng.uniform(-300, 340, n),
                        2.0 ** rng.uniform(-342, -299, n), 2.0 ** rng.uniform(339, 343, n),
                        2.0 ** rng.uniform(-1074, -340, n)]) * sign
    return np.concatenate([x, SPECIALS, -SPECIALS, [2.0 ** -300, 2.0 ** 340, 2.0 ** -341,
                                                    2.0 ** 342, 5.643803094122362e102]])


def _correctly_rounded_cube(v):
    import math
    from fractions import Fraction
    if not math.isfinite(v) or v == 0:
        return v * v * v
    try:
        return float(Fraction(v) ** 3)      # int / int: correctly rounded
    except OverflowError:
        return math.copysign(math.inf, v)


def test_cube_is_correctly_rounded(backend):
    # float64 x**3 runs on exact double-double products, not the general power kernel:
    # the correctly rounded cube wherever the result is normal (C's pow gives the
    # subnormal ones), the same bits on every SIMD target and on both backends.
    x = _cube_points(np.random.default_rng(12), 600)
    expect = np.array([_correctly_rounded_cube(v) for v in x.tolist()])
    normal = ~(np.abs(expect) < 2.0 ** -1022) | (expect == 0)
    targets = [t for t in TARGETS if backend == "native" and _available(t)] or [None]
    results = []
    for t in targets:
        try:
            if t is not None:
                from concore._native import elementwise as nat
                nat.simd_target(t)
            results += [concore.evaluate("x ** 3"), concore.power(x, 3),
                        concore.power(x, np.float64(3.0), n_threads=3)]
        finally:
            if t is not None:
                nat.simd_target("best")
    for r in results:
        assert np.array_equal(r.view(np.int64), results[0].view(np.int64))
    r = results[0]
    bad = np.flatnonzero(normal & (r.view(np.int64) != expect.view(np.int64)))
    assert bad.size == 0, (x[bad[:3]], r[bad[:3]], expect[bad[:3]])
    with np.errstate(all="ignore"):
        e = x ** 3
    exact = ~np.isfinite(e) | (e == 0)      # inf, NaN, overflow, zeros: NumPy's bits
    same(r[exact], e[exact])
    np.testing.assert_array_max_ulp(r[~exact], e[~exact], maxulp=1)
    # float32 keeps the power kernel (within 1 ULP of NumPy there)
    with np.errstate(all="ignore"):
        x32 = x.astype(np.float32)
        e32 = x32 ** 3
    r32 = concore.evaluate("x32 ** 3")
    fin = np.isfinite(e32) & (e32 != 0)
    same(r32[~fin], e32[~fin])
    np.testing.assert_array_max_ulp(r32[fin], e32[fin], maxulp=1)
    if backend == "python":
        return
    with concore.use_backend("python"):
        assert np.array_equal(concore.evaluate("x ** 3").view(np.int64), r.view(np.int64))


# --------------------------------------------------------------- semantics

def test_out_in_place_and_aliasing(backend, small_grain):
    a = np.linspace(-2, 2, 10001)
    b = np.cos(a)
    o = np.empty_like(a)
    assert concore.add(a, b, out=o) is o
    same(o, a + b)
    x = a.copy()
    concore.multiply(x, b, out=x)
    same(x, a * b)
    # out overlaps an input at an offset: NumPy's answer (as if the input were copied)
    x, y = a.copy(), a.copy()
    concore.add(x[:-1], 1.0, out=x[1:], n_threads=3)
    np.add(y[:-1], 1.0, out=y[1:])
    same(x, y)
    x, y = a.copy(), a.copy()
    concore.exp(x[::-1], out=x, n_threads=3)
    np.exp(y[::-1].copy(), out=y)
    np.testing.assert_array_max_ulp(x, y, maxulp=1)
    # out of another kind of float: cast like NumPy's same_kind rule
    o32 = np.empty(a.shape, np.float32)
    concore.multiply(a, b, out=o32)
    same(o32, np.multiply(a, b, out=np.empty(a.shape, np.float32)))
    # out=(o,) as NumPy allows
    o = np.empty_like(a)
    concore.negative(a, out=(o,))
    same(o, -a)
    # strided and Fortran outputs
    m = a[:10000].reshape(100, 100)
    of = np.empty((100, 100), order="F")
    concore.sqrt(np.abs(m), out=of)
    same(of, np.sqrt(np.abs(m)))
    os_ = np.empty((100, 200))[:, ::2]
    concore.subtract(m, m.T, out=os_, n_threads=3)
    same(os_, m - m.T)


def test_out_errors_are_numpys():
    a = np.ones(5)
    with pytest.raises(ValueError):
        concore.add(a, a, out=np.empty(4))
    with pytest.raises(TypeError):  # NumPy's UFuncTypeError (same_kind casting)
        concore.add(a, a, out=np.empty(5, np.int64))
    with pytest.raises(ValueError):
        concore.add(np.ones(3), np.ones(4))
    with pytest.raises(TypeError):
        concore.add(a)
    with pytest.raises(ValueError):
        concore.exp(a, n_threads=0)
    with pytest.raises(ValueError):
        concore.exp(np.ones(100000), n_threads=0)
    with pytest.raises(OverflowError):
        concore.add(np.ones(3, np.int32), 2 ** 40)
    with pytest.raises(ValueError):
        concore.power(np.arange(3), -1)
    with pytest.raises(TypeError):
        concore.bitwise_and(a, a)


def test_types_orders_and_fallbacks(backend):
    a = np.arange(12.0).reshape(3, 4)
    same(concore.exp(a.T), np.exp(a.T))
    assert concore.exp(a.T).flags.f_contiguous == np.exp(a.T).flags.f_contiguous
    same(concore.add(np.float64(2.0), 3), np.add(np.float64(2.0), 3))   # 0-d: NumPy scalar
    same(concore.add([1, 2], [3.5, 4]), np.add([1, 2], [3.5, 4]))        # array-likes
    same(concore.add(np.ones(0), 1.0), np.ones(0) + 1.0)                # empty
    f32 = np.linspace(0, 1, 50, dtype=np.float32)
    same(concore.multiply(f32, 3.0), f32 * 3.0)                          # weak Python float
    same(concore.multiply(f32, np.float64(3.0)), f32 * np.float64(3.0))  # strong NumPy float
    same(concore.divide(np.arange(7), 2), np.arange(7) / 2)              # int / int -> float
    same(concore.sqrt(f32, dtype=np.float64), np.sqrt(f32, dtype=np.float64))
    same(concore.add(f32, f32, dtype=np.float64), np.add(f32, f32, dtype=np.float64))
    for other in (np.arange(9, dtype=np.float16), np.arange(9, dtype=np.uint8),
                  np.arange(9) * (1 + 1j), np.arange(9, dtype=">f8")):
        same(concore.multiply(other, other), np.multiply(other, other))
        same(concore.negative(other), np.negative(other))
    m = np.ma.masked_array([1.0, 2.0], mask=[0, 1])
    assert isinstance(concore.add(m, 1), np.ma.MaskedArray)
    i = np.array([np.iinfo(np.int64).min, -1, 5])
    same(concore.absolute(i), np.absolute(i))
    same(concore.floor_divide(i, -1), np.floor_divide(i, -1))



def test_repeated_small_calls_keep_numpys_answers(backend):
    # A second call with the same dtypes skips the general path's checks (the program
    # it compiled is reused): the answers, types and errors must not change.
    rng = np.random.default_rng(21)
    x = rng.standard_normal(37)
    cases = [("sqrt", (np.abs(x),)), ("negative", (x.astype(np.float32),)),
             ("add", (x, x.astype(np.float32))), ("multiply", (np.arange(37), x)),
             ("floor_divide", (np.arange(37), np.arange(1, 38))),
             ("less", (x, x[::-1].copy())), ("absolute", (np.arange(-5, 5),)),
             ("rint", (x.reshape(37, 1) * 3,))]
    for name, args in cases:
        for _ in range(3):
            same(getattr(concore, name)(*args), getattr(np, name)(*args))
        same(getattr(concore, name)(*[a[::2] for a in args]),
             getattr(np, name)(*[a[::2] for a in args]))
        with pytest.raises(ValueError):
            getattr(concore, name)(*args, n_threads=0)
    other = "python" if backend == "native" else "native"
    if other == "native" and not NATIVE:
        return
    with concore.use_backend(other):
        assert concore.backend() == other
        same(concore.add(x, x), x + x)
        same(concore.sqrt(np.abs(x)), np.sqrt(np.abs(x)))


# ------------------------------------------------------- transcendentals

# name -> samplers of (x[, y]) over the domain; each returns float64 points.
def _logu(rng, n, lo, hi, signed=False):
    x = 2.0 ** rng.uniform(lo, hi, n)
    return x * rng.choice([-1.0, 1.0], n) if signed else x


DOMAINS = {
    "exp": lambda r, n: np.concatenate([r.uniform(-745, 710, n), _logu(r, n, -60, 9, True)]),
    "exp2": lambda r, n: np.concatenate([r.uniform(-1075, 1024, n), _logu(r, n, -60, 10, True)]),
    "expm1": lambda r, n: np.concatenate([r.uniform(-40, 710, n), _logu(r, n, -60, 5, True)]),
    "log": lambda r, n: np.concatenate([_logu(r, n, -1074, 1024), r.uniform(0.5, 2, n)]),
    "log2": lambda r, n: np.concatenate([_logu(r, n, -1074, 1024), r.uniform(0.5, 2, n)]),
    "log10": lambda r, n: np.concatenate([_logu(r, n, -1074, 1024), r.uniform(0.5, 2, n)]),
    "log1p": lambda r, n: np.concatenate([_logu(r, n, -60, 1000), -_logu(r, n, -60, -0.001)]),
    "sin": lambda r, n: np.concatenate([r.uniform(-10, 10, n), _logu(r, n, -30, 1000, True)]),
    "cos": lambda r, n: np.concatenate([r.uniform(-10, 10, n), _logu(r, n, -30, 1000, True)]),
    "tan": lambda r, n: np.concatenate([r.uniform(-10, 10, n), _logu(r, n, -30, 1000, True)]),
    "arcsin": lambda r, n: np.concatenate([r.uniform(-1, 1, n), _logu(r, n, -60, 0, True)]),
    "arccos": lambda r, n: np.concatenate([r.uniform(-1, 1, n), _logu(r, n, -60, 0, True)]),
    "arctan": lambda r, n: np.concatenate([r.uniform(-10, 10, n), _logu(r, n, -60, 1000, True)]),
    "sinh": lambda r, n: np.concatenate([r.uniform(-710, 710, n), _logu(r, n, -60, 5, True)]),
    "cosh": lambda r, n: np.concatenate([r.uniform(-710, 710, n), _logu(r, n, -60, 5, True)]),
    "tanh": lambda r, n: np.concatenate([r.uniform(-20, 20, n), _logu(r, n, -60, 5, True)]),
    "arcsinh": lambda r, n: np.concatenate([r.uniform(-10, 10, n), _logu(r, n, -60, 1000, True)]),
    "arccosh": lambda r, n: np.concatenate([1 + _logu(r, n, -50, 3), _logu(r, n, 0, 1000)]),
    "arctanh": lambda r, n: np.concatenate([r.uniform(-1, 1, n), _logu(r, n, -60, -0.0001, True)]),
}
BINARY_DOMAINS = {
    "power": lambda r, n: (np.concatenate([r.uniform(0, 10, n), _logu(r, n, -20, 20)]),
                           np.concatenate([r.uniform(-3, 3, n), r.uniform(-30, 30, n)])),
    "arctan2": lambda r, n: (_logu(r, 2 * n, -100, 100, True), _logu(r, 2 * n, -100, 100, True)),
}
SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-310,
                     -1e-310, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                     -1.7976931348623157e308, 709.78, 709.79, -745.1, -745.2, 88.7, 88.8,
                     -103.9, 1e-20, -1e-20, 3.141592653589793, 1.5707963267948966, 1e22,
                     0.9999999999999999, 1.0000000000000002, 100.0, -100.0, 1e300])

TARGETS = ["base", "avx2", "avx512"]
FUSED_STEPS = {"exp", "exp2", "expm1", "tanh", "log", "log2", "log10", "power", "sin", "cos"}


def _available(t):
    if not NATIVE:
        return False
    from concore._native import elementwise as nat
    try:
        nat.simd_target(t)
        return True
    except ValueError:
        return False
    finally:
        nat.simd_target("best")


def _ulps(r, ref, dtype):
    """|r - ref| in units of the spacing of the result type at ref (ref in long double)."""
    ld = np.longdouble
    fin = np.isfinite(ref) & np.isfinite(r.astype(ld))
    sp = np.spacing(np.abs(ref[fin]).astype(dtype)).astype(ld)
    # at the bottom of a binade the spacing below is half: use the smaller one
    return np.abs(r[fin].astype(ld) - ref[fin]) / sp, fin


@pytest.mark.skipif(not NATIVE, reason="the native backend was not built")
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", sorted(DOMAINS) + sorted(BINARY_DOMAINS))
def test_transcendental_within_one_ulp_on_every_target(name, dtype):
    from concore._native import elementwise as nat
    if np.finfo(np.longdouble).nmant < 63:
        pytest.fail("this test needs an 80-bit long double reference (x86)")
    rng = np.random.default_rng(99)
    n = 100_000
    if name in BINARY_DOMAINS:
        x, y = BINARY_DOMAINS[name](rng, n)
        xs, ys = np.meshgrid(SPECIALS, SPECIALS)
        x, y = np.concatenate([x, xs.ravel()]), np.concatenate([y, ys.ravel()])
        args = (x.astype(dtype), y.astype(dtype))
    else:
        args = (np.concatenate([DOMAINS[name](rng, n), SPECIALS]).astype(dtype),)
    uf = ew.UFUNCS[name]
    with np.errstate(all="ignore"):
        ref = uf(*[a.astype(np.longdouble) for a in args])
        expected = uf(*args)
    results = {}
    for t in TARGETS:
        if not _available(t):
            continue
        try:
            nat.simd_target(t)
            with concore.use_backend("native"):
                r = getattr(concore, name)(*args)
        finally:
            nat.simd_target("best")
        err, fin = _ulps(r, ref, dtype)
        worst = int(np.argmax(err)) if err.size else 0
        assert err.size == 0 or float(err.max()) <= 1.0, (
            f"{name} {dtype} on {t}: {float(err.max()):.3f} ULP at "
            f"{[a[fin][worst] for a in args]}")
        # NumPy's answer wherever it is not finite or the reference is not (±inf, NaN,
        # overflow, and the exact zeros/ones of special points).
        special = ~fin
        same(r[special], expected[special])
        results[t] = r
    assert results, "no SIMD target available"
    # Every target gives the same bits, but for the SSE2 baseline in the functions
    # whose polynomials take fused steps: there it rounds a*b + c twice (within
    # 1 ULP all the same, checked above).
    if name in FUSED_STEPS:
        results.pop("base", None)
    first = next(iter(results.values()), None)
    for t, r in results.items():
        assert np.array_equal(r.view(np.uint8), first.view(np.uint8)) or \
            np.array_equal(r, first, equal_nan=True), f"{name}: target {t} differs"


@pytest.mark.parametrize("name", sorted(DOMAINS))
def test_transcendental_special_values_are_numpys(name, backend):
    for dt in FLOAT_DTYPES:
        x = SPECIALS.astype(dt)
        with np.errstate(all="ignore"):
            e = ew.UFUNCS[name](x)
            r = getattr(concore, name)(x)
        exactly = ~np.isfinite(e) | (e == 0) | ~np.isfinite(x)
        same(r[exactly], e[exactly])
        np.testing.assert_array_max_ulp(r[~exactly], e[~exactly], maxulp=2)


@pytest.mark.parametrize("name", ["exp", "log", "sin", "tanh", "power", "arctan2"])
def test_transcendental_thread_counts_agree(name, backend, small_grain):
    rng = np.random.default_rng(3)
    x = rng.uniform(0.1, 5, 50001)
    args = (x, x[::-1]) if name in BINARY_DOMAINS else (x,)
    r1 = getattr(concore, name)(*args, n_threads=1)
    r3 = getattr(concore, name)(*args, n_threads=3)
    assert np.array_equal(r1, r3)
    np.testing.assert_array_max_ulp(r1, ew.UFUNCS[name](*args), maxulp=2)


def test_concurrent_callers_get_their_own_answers():
    rng = np.random.default_rng(5)
    xs = [rng.uniform(-3, 3, 200_000) for _ in range(6)]
    out = [None] * 6
    funcs = ["exp", "sin", "add", "tanh", "sqrt", "multiply"]

    def work(i):
        f = getattr(concore, funcs[i])
        args = (xs[i],) if ew.UFUNCS[funcs[i]].nin == 1 else (xs[i], xs[i - 1])
        for _ in range(5):
            out[i] = (f(*args), args)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, (r, args) in enumerate(out):
        assert np.array_equal(r, getattr(concore, funcs[i])(*args, n_threads=1), equal_nan=True)


# ----------------------------------------------------------- the fast path
# A call of whole small C-contiguous arrays of one shape and no keyword runs the
# general path's program from compiled code once the general path has compiled it
# for those types (concore._native.elementwise.fast_call); general() takes the
# general path. Both must give the same bits.

FAST_DTYPES = ("float64", "float32", "int64", "int32", "bool")


def general(f, *args, **kw):
    """f(*args, **kw) on the general path (which also learns the fast path's program)."""
    with _config.fast_paths(False):
        return f(*args, **kw)


def _operands(rng, shape, dts):
    out = []
    for dt in dts:
        if dt == "bool":
            out.append(rng.random(shape) < 0.5)
        elif dt.startswith("int"):
            out.append(rng.integers(-50, 50, shape).astype(dt))
        else:
            x = rng.standard_normal(shape) * 3
            x.flat[:: 7] = np.nan
            x.flat[1:: 11] = -0.0
            out.append(x.astype(dt))
    return out


@pytest.mark.parametrize("nin", [1, 2])
def test_fast_path_same_bits_as_general_path(nin):
    rng = np.random.default_rng(11)
    names = ew.UNARY if nin == 1 else ew.BINARY
    n = 0
    for name in names:
        f = getattr(concore, name)
        for dts in ([(d,) for d in FAST_DTYPES] if nin == 1 else
                    [("float64", "float64"), ("float32", "float32"), ("float32", "float64"),
                     ("int64", "int64"), ("int32", "float64"), ("bool", "bool")]):
            for shape in ((1,), (10,), (3, 5), (300,), (4097,)):
                args = _operands(rng, shape, dts)
                with np.errstate(all="ignore"):
                    try:
                        ref = general(f, *args)             # general path (learns)
                    except (TypeError, ValueError) as e:    # as NumPy (int ** -int...)
                        with pytest.raises(type(e)):
                            f(*args)
                        continue
                    first = f(*args)
                    again = f(*args)                        # fast path once learned
                    expect = getattr(np, name)(*args)
                same(first, ref)
                same(again, ref)
                same(ref, expect, zero_sign=name not in ZERO_SIGN_FREE) if (
                    name in EXACT_UNARY + EXACT_BINARY) else None
                n += 1
    assert n > 400


SCALARS = (2.5, -0.0, float("nan"), 1e300, 3, -7, 0, True, False, 2**40, 2**53 + 1,
           -2**63, 2**64)


def _call_all_ways(f, name, args):
    """(general path, first call, fast call) of f(*args), or the error NumPy raises."""
    with np.errstate(all="ignore"):
        try:
            expect = getattr(np, name)(*args)
        except (TypeError, ValueError, OverflowError) as e:
            for _ in range(3):
                with pytest.raises(type(e)):
                    f(*args)
            return None
        return general(f, *args), f(*args), f(*args, n_threads=1), expect


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "power", "minimum",
                                  "fmax", "greater", "equal", "logical_and", "bitwise_and",
                                  "remainder", "copysign"])
def test_fast_path_python_scalars(name):
    """A Python float, int or bool operand beside small arrays: the compiled fast path
    converts it per call as the general path does (NumPy's weak-scalar rules, NaN, -0.0),
    and leaves to the general path what only it handles: values out of the array
    type's range (NumPy's OverflowError) and power's value-dependent programs."""
    rng = np.random.default_rng(5)
    f = getattr(concore, name)
    n = 0
    for dt in FAST_DTYPES:
        a, = _operands(rng, (13,), (dt,))
        for v in SCALARS:
            for args in ((a, v), (v, a)):
                got = _call_all_ways(f, name, args)
                if got is None:
                    continue
                ref, first, fast, expect = got
                same(first, ref)
                same(fast, ref)
                if name in EXACT_BINARY:
                    same(ref, expect)
                else:
                    assert ref.dtype == expect.dtype
                n += 1
    assert n > 30


def test_fast_path_power_scalar_exponents():
    """power(a, scalar): NumPy's loop depends on the exponent's value (2, 0.5, -1, 1 are
    exact operations, 3 the cube for float64), so each fast program applies only to
    the values it was compiled for, whatever order the calls come in."""
    rng = np.random.default_rng(8)
    exps = [2.5, 2.0, 2, 0.5, -1, 1.0, 3, 3.0, float("nan"), -0.0, True, False, 7,
            2**60, 1e300, 0.5000000000000001, 2.0000001]
    for dt in ("float64", "float32"):
        a = rng.uniform(-3, 3, 19).astype(dt)
        a[::4] = np.abs(a[::4])
        for order in (exps, exps[::-1], list(rng.permutation(np.array(exps, dtype=object)))):
            for v in order:
                with np.errstate(all="ignore"):
                    ref = general(concore.power, a, v)
                    assert ref.dtype == np.power(a, v).dtype
                    for _ in range(2):
                        same(concore.power(a, v), ref)
                        same(concore.power(a, v, n_threads=1), ref)


def test_out_of_range_python_int_on_empty_arrays():
    """NumPy checks a Python int against the array's type even when there is nothing
    to compute: so does concore (OverflowError, from NumPy)."""
    for dt, v in (("int32", 2**31), ("int32", -2**63), ("int64", 2**63), ("bool", 2**64)):
        a = np.empty(0, dt)
        for name in ("add", "bitwise_and", "maximum"):
            with pytest.raises(OverflowError):
                getattr(np, name)(a, v)
            with pytest.raises(OverflowError):
                getattr(concore, name)(a, v)
    same(concore.add(np.empty(0, np.int32), 5), np.empty(0, np.int32))


def test_fast_path_where_clip_scalars():
    rng = np.random.default_rng(6)
    for dt in ("float64", "float32", "int64", "int32"):
        a, = _operands(rng, (20,), (dt,))
        c = rng.random(20) < 0.5
        cases = [("where", (c, a, 0.0)), ("where", (c, 1, a)), ("where", (c, 2.5, -1)),
                 ("where", (c, a, 2**40)), ("clip", (a, -1, 2)), ("clip", (a, -0.5, 0.5)),
                 ("clip", (a, 0, 2**33)), ("clip", (a, float("nan"), 1.0))]
        for name, args in cases:
            got = _call_all_ways(getattr(concore, name), name, args)
            if got is None:
                continue
            ref, first, fast, expect = got
            same(first, ref)
            same(fast, ref)
            same(ref, expect)


def test_fast_path_out():
    """out= of the result's shape and type runs the fast path in place (also when only
    ever called with out=); an out that overlaps an operand without being it, of
    another type, strided or read-only goes to the general path: NumPy's answers."""
    rng = np.random.default_rng(7)
    for name, nin in (("exp", 1), ("sqrt", 1), ("subtract", 2), ("arctan2", 2),
                      ("copysign", 2)):
        # the general path is the reference; it equals NumPy where exact
        f, g = getattr(concore, name), getattr(np, name)
        base = rng.standard_normal(40)
        for _ in range(3):
            args = [rng.standard_normal(33) for _ in range(nin)]
            with np.errstate(all="ignore"):
                o = np.empty(33)
                assert f(*args, out=o) is o
                same(o, general(f, *args))
                inplace = args[0].copy()
                expect = general(f, *([inplace.copy()] + args[1:]))
                r = f(*([inplace] + args[1:]), out=inplace)     # out is the operand
                assert r is inplace
                same(inplace, expect)
                b1 = base.copy()
                b2 = base.copy()
                f(*([b1[:33]] + args[1:]), out=b1[1:34])             # overlaps only
                general(f, *([b2[:33]] + args[1:]), out=b2[1:34])
                same(b1, b2)
                o32 = np.empty(33, np.float32)
                same(f(*args, out=o32), general(f, *args, out=np.empty(33, np.float32)))
                if name in EXACT_UNARY + EXACT_BINARY:
                    same(o32, g(*args, out=np.empty(33, np.float32)))
                ostr = np.empty(66)[::2]
                same(f(*args, out=ostr), general(f, *args))
    ro = np.empty(5)
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        concore.exp(np.ones(5), out=ro)
    o = np.empty(7, np.int64)
    concore.add(np.arange(7), 2, out=o)
    same(concore.add(np.arange(7), 3, out=o), np.arange(7) + 3)


@pytest.mark.parametrize("n", [33_000, 50_001, 131_073, 300_000])
def test_direct_blocks_shared_evenly_same_bits(n):
    """One-step calls on whole arrays split into blocks a few per thread below
    8 x 8192 values a thread, 8192 above: NumPy's bits for every count."""
    rng = np.random.default_rng(29)
    a, b = rng.standard_normal(n), rng.standard_normal(n)
    a[::101] = np.nan
    with np.errstate(invalid="ignore"):
        ref = np.sqrt(a)
    for nt in (1, 2, 3, 5):
        same(concore.sqrt(a, n_threads=nt), ref)
        o = np.full(n, 7.0)
        same(concore.add(a, b, out=o, n_threads=nt), a + b)
        x = a.copy()
        same(concore.multiply(x, b, out=x, n_threads=nt), a * b)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool"])
def test_views_with_rows_same_bits(dtype, small_grain):
    """2-D views: rows of at least 16 contiguous values are cut into blocks row by row
    and read and written in place (8192 a block for one step, so 9000-long rows take
    two pieces, 16384-long ones two of exactly 8192), shorter or strided rows are copied through the 2-D walk, a dense result
    beside strided operands is written in place; NumPy's bits on every layout, for
    any thread count, also for results written into strided views."""
    rng = np.random.default_rng(31)
    for rows, cols in ((700, 9), (300, 15), (200, 16), (150, 17), (40, 300), (3, 9000),
                       (3, 16384)):
        base = [rng.standard_normal((rows + 1, cols + 3)) * 5 for _ in range(3)]
        if dtype == "bool":
            base = [b > 0 for b in base]
        else:
            base = [b.astype(dtype) for b in base]
        x, y, z = base
        views = {
            "rows": (x[1:, 1:-2], y[:-1, 2:-1], z[1:, :-3]),
            "diff": (x[:-1, 1:-2], x[:-1, :-3], z[1:, 3:]),
            "transposed": (x[1:, 1:-2], y[:-1, 2:-1].T.copy().T, z[1:, 2:-1]),
            "broadcast row": (x[1:, 1:-2], y[0, 2:-1], z[1:, :-3]),
            "broadcast column": (x[1:, 1:-2], y[:-1, :1], z[1:, :-3]),
            "strided rows": (x[1:, 1:-2], y[:-1, ::-1][:, 1:-2], z[1:, :-3]),
        }
        for kind, (a, b, c) in views.items():
            with np.errstate(all="ignore"):
                ref_sub = np.not_equal(a, b) if dtype == "bool" else np.subtract(a, b)
                ref_expr = (a & b) | ~c if dtype == "bool" else a * b + c
            expr = "(a & b) | ~c" if dtype == "bool" else "a * b + c"
            for nt in (1, 2, 3):
                tag = (dtype, rows, cols, kind, nt)
                with np.errstate(all="ignore"):
                    if dtype == "bool":
                        same(concore.not_equal(a, b, n_threads=nt), ref_sub)
                    else:
                        same(concore.subtract(a, b, n_threads=nt), ref_sub)
                        same(concore.sqrt(np.abs(a), n_threads=nt), np.sqrt(np.abs(a)))
                    same(concore.evaluate(expr, {"a": a, "b": b, "c": c}, n_threads=nt),
                         ref_expr)
                    # into strided views of a larger array, which stays untouched outside
                    big = np.zeros((rows + 2, 2 * cols + 1), dtype)
                    o = big[1:-1, ::2][:, :cols]
                    assert o.shape == ref_expr.shape, tag
                    concore.evaluate(expr, {"a": a, "b": b, "c": c}, out=o, n_threads=nt)
                    same(o.copy(), ref_expr)
                    mask = np.ones(big.shape, bool)
                    mask[1:-1, ::2][:, :cols] = False
                    assert not big[mask].any(), tag
                    # in place in a row view
                    wb = np.zeros((rows + 1, cols + 3), dtype)
                    w = wb[1:, 1:-2]
                    w[...] = a
                    if dtype != "bool":
                        concore.add(w, b, out=w, n_threads=nt)
                        with np.errstate(all="ignore"):
                            same(w, np.add(a, b))


def test_row_views_of_more_dimensions(small_grain):
    """Views of 3 and 4 dimensions with contiguous rows (leading axes swapped, sliced,
    reversed): each piece of a row is found by unravelling its row over the leading
    axes, for every operand and the output; NumPy's bits on any thread count."""
    rng = np.random.default_rng(41)
    for shape in ((5, 7, 40), (3, 4, 5, 30), (2, 3, 9000)):
        x = rng.standard_normal(shape)
        y = rng.standard_normal(shape)
        a = np.swapaxes(x, 0, 1)[..., 1:]
        b = np.swapaxes(y[::-1], 0, 1)[..., :-1]
        big = np.zeros(a.shape[:-1] + (a.shape[-1] + 5,))
        o = big[..., 2:-3]
        for nt in (1, 2, 3):
            same(concore.diff(x, n_threads=nt), np.diff(x))
            same(concore.evaluate("a * b - a", n_threads=nt), a * b - a)
            big[...] = 0
            concore.subtract(a, b, out=o, n_threads=nt)
            same(o.copy(), a - b)
            assert not big[..., :2].any() and not big[..., -3:].any()


@pytest.mark.parametrize("backend", ["native", "python"] if NATIVE else ["python"])
def test_repeated_calls_on_views(backend, small_grain):
    """A second call (function or expression) on views of the dtypes, shapes and
    strides of an earlier one takes the remembered program and walk: NumPy's values
    and result layout on new data,
    an unaligned view of the same strides still NumPy's, bad n_threads still refused."""
    rng = np.random.default_rng(43)
    cases = {
        "rows": lambda m: (m[:, 1:], m[:, :-1]),
        "transposed": lambda m: (m.T[:, 2:], m.T[:, :-2]),
        "reversed": lambda m: (m[::-1, ::-2], m[:, 1::2]),
        "broadcast": lambda m: (m[:, 3:5], m[:1, :2]),
        "3-D": lambda m: (m.reshape(4, 10, 10)[:, 1:, :9:3], m.reshape(4, 10, 10)[:, :-1, 1::3]),
    }
    with concore.use_backend(backend):
        for kind, views in cases.items():
            for rep in range(3):
                m = rng.standard_normal((40, 10))
                a, b = views(m)
                for f, ref in ((concore.subtract, np.subtract), (concore.maximum, np.maximum),
                               (concore.less, np.less)):
                    r, want = f(a, b, n_threads=1 + rep), ref(a, b)   # 1, 2, 3 threads
                    same(r, want)
                    assert (r.flags.c_contiguous, r.flags.f_contiguous) == \
                        (want.flags.c_contiguous, want.flags.f_contiguous), (kind, rep)
                e, want = concore.evaluate("a * b - a", {"a": a, "b": b}), a * b - a
                same(e, want)
                assert e.flags.f_contiguous == want.flags.f_contiguous, (kind, rep)
                w = concore.where(a > 0, a, b)
                same(w, np.where(a > 0, a, b))
                same(concore.clip(a, b, b + 1), np.clip(a, b, b + 1))
        a, b = cases["rows"](rng.standard_normal((40, 10)))
        with pytest.raises(ValueError):
            concore.subtract(a, b, n_threads=0)
        # Python scalars: converted on each call; power's program follows the exponent
        for v in (1.5, -2.0, 3, True):
            same(concore.add(a, v), np.add(a, v))
            same(concore.evaluate("2 * x + y", {"x": a, "y": v}), 2 * a + v)
        c = np.abs(b)
        for v in (2.0, 0.5, -1.0, 3.0, 1.7, 2.0):     # a**3: concore's rounded cube
            same(concore.power(c, v), concore.power(c.copy(), v))
            if v in (2.0, 0.5, -1.0):
                same(concore.power(c, v), np.power(c, v))
        i8 = rng.integers(-50, 50, size=(30, 12)).astype(np.int8)[:, 1:]
        for v in (3, -7, 300, 5):
            if v == 300:    # beyond int8: NumPy's error, not a wrapped constant
                with pytest.raises(OverflowError):
                    np.add(i8, v)
                with pytest.raises(OverflowError):
                    concore.add(i8, v)
            else:
                same(concore.add(i8, v), np.add(i8, v))
        # the same dtype, shape and strides, but data one byte off alignment
        buf = np.zeros(40 * 10 * 8 + 1, np.uint8)
        m = np.ndarray((40, 10), np.float64, buf, offset=1)
        m[...] = rng.standard_normal((40, 10))
        u, v = m[:, 1:], m[:, :-1]
        assert not u.flags.aligned and u.strides == a.strides
        same(concore.subtract(u, v), np.subtract(u, v))


def test_in_place_expressions_on_row_views(small_grain):
    """An expression of several steps written into one of its operands, a view with
    contiguous rows (every block read and written in place): each step reads a value
    before the last one writes it, so NumPy's answer at every row length and count."""
    rng = np.random.default_rng(37)
    for shape in ((300, 10), (50, 40), (20, 9000)):
        for nt in (1, 2, 3):
            base = rng.standard_normal((shape[0] + 1, shape[1] + 2))
            b = rng.standard_normal(shape)
            before = base.copy()
            a = base[1:, 1:-1]
            ref = a * b + a * a - b
            concore.evaluate("a*b + a*a - b", {"a": a, "b": b}, out=a, n_threads=nt)
            same(a, ref)
            before[1:, 1:-1] = ref      # nothing outside the view written
            same(base, before)


def test_table_path_out_above_the_grain(backend, small_grain, monkeypatch):
    """Whole arrays above the grain with out=: from the second call of a signature on,
    the program the general path compiled runs straight into out (it is not compiled or
    laid out again); an out that is an operand runs in place, one that only overlaps
    an operand, of another type, strided or read-only goes to the general path."""
    calls = []
    general_path = ew.run_tree
    monkeypatch.setattr(ew, "run_tree", lambda *a, **k: calls.append(1) or general_path(*a, **k))
    rng = np.random.default_rng(17)
    for name, nin in (("sqrt", 1), ("exp", 1), ("subtract", 2), ("copysign", 2)):
        f, g = getattr(concore, name), getattr(np, name)
        args = [rng.standard_normal(64) for _ in range(nin)]
        with np.errstate(all="ignore"):
            ref = g(*args)
            for k in range(3):
                del calls[:]
                o = np.full(64, np.nan)
                assert f(*args, out=o, n_threads=2) is o
                assert k == 0 or not calls          # the first call may learn, no other
                if name in EXACT_UNARY + EXACT_BINARY:
                    same(o, ref)
                else:
                    np.testing.assert_array_max_ulp(o, ref, maxulp=1)
                x = args[0].copy()
                assert f(*([x] + args[1:]), out=x) is x
                same(x, o)
                buf = np.concatenate([args[0], [0.0]])
                f(*([buf[:64]] + args[1:]), out=buf[1:])     # overlaps only: copied first
                same(buf[1:], o)
                o32 = np.empty(64, np.float32)
                same(f(*args, out=o32), o.astype(np.float32))
                ostr = np.empty(128)[::2]
                same(f(*args, out=ostr), o)
            ro = np.empty(64)
            ro.flags.writeable = False
            with pytest.raises(ValueError):
                f(*args, out=ro)
            with pytest.raises(ValueError, match="n_threads"):
                f(*args, out=o, n_threads=0)


def test_fast_path_declines_what_it_does_not_handle():
    """Everything but the common call goes to the general path: same answers as NumPy
    for broadcasting, 0-d, empty, strided, byte-swapped, subclass and list operands,
    out=/dtype=, and the general path's errors."""
    a = np.arange(12.0)
    b = np.arange(3.0)
    concore.add(a, a)
    cases = [
        ("add", (a.reshape(4, 3), b)), ("add", (np.float64(2.0), a)), ("sqrt", (np.array(1.5),)),
        ("sqrt", (np.array([]),)), ("sqrt", (a[::2],)), ("sqrt", (a.astype(">f8"),)),
        ("sqrt", (a.view(np.matrix),)), ("add", ([1.0, 2.0], [3.0, 4.0])),
        ("add", (a, a.astype(np.float32))),
    ]
    for name, args in cases:
        for _ in range(2):
            r = getattr(concore, name)(*args)
        same(r, getattr(np, name)(*args))
    out = np.empty(12)
    assert concore.exp(a, out=out) is out
    same(concore.sqrt(a, dtype=np.float32), np.sqrt(a, dtype=np.float32))
    with pytest.raises(TypeError):
        concore.exp(a, a)
    for bad in (0, True, 1.5, "2"):    # the general path's check, also for a small call
        with pytest.raises(ValueError, match="n_threads"):
            concore.exp(a, n_threads=bad)
    same(concore.exp(a, n_threads=-1), concore.exp(a, n_threads=2))
    with pytest.raises(ValueError):
        concore.add(a, np.arange(5.0))


def test_fast_path_1d_views():
    """1-D views (a step, reversed, a column, a broadcast, mixed with contiguous arrays
    and scalars) answered by the compiled small-call path: the bits of the same call on
    contiguous copies (NumPy's for the exact functions), on the second call (the first
    teaches the types) as on the first."""
    base = np.linspace(-3.0, 3.0, 64)
    m = base.reshape(16, 4)
    f32 = base.astype(np.float32)
    raw = np.zeros(8 * 17 + 1, np.uint8)[1:].view(np.float64)   # unaligned
    raw[:] = base[:17]
    cases = [
        ("exp", (base[::2],)), ("exp", (base[::-1],)), ("exp", (base[::-3],)),
        ("sqrt", (np.abs(m)[:, 1],)), ("negative", (np.broadcast_to(base[5], (9,)),)),
        ("add", (base[::2], base[1::2])), ("add", (base[:32], base[::-2])),
        ("multiply", (base[::4], 2.5)), ("power", (np.abs(m[:, 0]), 2)),
        ("subtract", (3, base[10:40:3])), ("maximum", (base[::2].astype(np.float32), m[::-1, 3].astype(np.float32)[:8].repeat(4))),
        ("exp", (base.astype(">f8")[::2],)), ("exp", (raw[:16],)),
        ("less", (base[::2], base[::-2])), ("where", (base[::2] > 0, base[::2], base[1::2])),
        ("add", (np.arange(40, dtype=np.int64)[::4], np.arange(10, dtype=np.int64))),
        ("add", (f32[::2], f32[::-1][:32])), ("sqrt", (np.abs(f32)[::-1],)),
        ("multiply", (base[::-1], base[::2].repeat(2))),
    ]
    for name, args in cases:
        dense = [np.array(x) if isinstance(x, np.ndarray) else x for x in args]
        native = concore.backend() == "native"
        for _ in range(3):
            r = getattr(concore, name)(*args)
            if native:   # one kernel whatever the layout (NumPy's exp differs by layout)
                same(r, getattr(concore, name)(*dense))
            if name != "exp" or not native:
                same(r, getattr(np, name)(*args))
            assert r.flags.c_contiguous
    for _ in range(3):   # expressions take the same path
        x, y = base[::2], base[::-2]
        same(concore.evaluate("x * 2.0 + y - 1"), x * 2.0 + y - 1)
        same(concore.evaluate("where(x > y, x, y * y)"), np.where(x > y, x, y * y))
    # a length the view path does not share with the contiguous one
    with pytest.raises(ValueError):
        concore.add(base[::2], base[::3])


def test_fast_path_metadata():
    import pickle
    for name in ("exp", "add", "abs", "mod"):
        f = getattr(concore, name)
        assert f.__name__ == name and f.__module__ == "concore.elementwise"
        assert f.__doc__.startswith(name + "(")
        assert pickle.loads(pickle.dumps(f)) is f
