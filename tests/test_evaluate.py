"""evaluate() and Expression against NumPy evaluating the same expression.

The reference is the same string evaluated by Python over NumPy arrays and NumPy's
functions (safe here: every string is written in this file). Exact operations must
give NumPy's bits (same dtype, shape, NaN places and zero signs); expressions with
transcendental functions must stay within a few ULP (concore promises <= 1 ULP per
function, NumPy's own kernels are not correctly rounded either). Every result is
also compared bit for bit across thread counts and, for exact expressions, across
the native and Python backends.
"""
import builtins
import math
import re
import threading
import warnings

import numpy as np
import pytest

import concore
from concore import Expression, evaluate
from conftest import NATIVE
from hard_inputs import arrays, layouts

# ----------------------------------------------------------------- reference

_NUMPY_NAMES = (
    "sqrt exp expm1 exp2 log log1p log2 log10 sin cos tan arcsin arccos arctan sinh cosh "
    "tanh arcsinh arccosh arctanh absolute negative square reciprocal floor ceil trunc rint "
    "sign isnan isinf isfinite logical_not invert add subtract multiply divide power arctan2 "
    "hypot minimum maximum fmin fmax copysign remainder floor_divide less less_equal greater "
    "greater_equal equal not_equal logical_and logical_or logical_xor bitwise_and bitwise_or "
    "bitwise_xor where clip"
).split()
NP_FUNCS = {name: getattr(np, name) for name in _NUMPY_NAMES}
NP_FUNCS.update({"abs": np.abs, "mod": np.mod, "sum": np.sum, "prod": np.prod})


def numpy_eval(expr, env):
    """The expression evaluated by NumPy (our own strings only)."""
    with np.errstate(all="ignore"):
        return eval(expr, {"__builtins__": {}}, {**NP_FUNCS, **env})


def outcome(f, *args, **kw):
    """(result, None) or (None, exception), warnings and FP flags silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return f(*args, **kw), None
        except Exception as e:  # compared by type by the callers
            return None, e


def bits(r):
    """Everything that must be identical for 'bit for bit' (type, dtype, shape, bytes).
    NaNs are made one NaN first: IEEE leaves the sign and payload of a NaN produced
    from two NaN operands open (x86 keeps the first operand's), so a + b and b + a
    may give NaNs of opposite signs; every other bit counts, -0.0 included."""
    a = np.asarray(r)
    if a.dtype.kind in "fc":
        a = np.where(np.isnan(a), np.array(np.nan, a.dtype), a)
    return type(r), a.dtype, a.shape, a.tobytes()


def assert_exact(r, ref, label):
    """NumPy's answer exactly: type, dtype, shape, values, NaN places, signs of zeros."""
    assert type(r) is type(ref), f"{label}: type {type(r).__name__} != {type(ref).__name__}"
    r, ref = np.asarray(r), np.asarray(ref)
    assert r.dtype == ref.dtype, f"{label}: dtype {r.dtype} != NumPy's {ref.dtype}"
    assert r.shape == ref.shape, f"{label}: shape {r.shape} != NumPy's {ref.shape}"
    if r.dtype.kind in "fc":
        ok = np.array_equal(r, ref, equal_nan=True)
        if ok and r.dtype.kind == "f":
            nan = np.isnan(ref)
            ok = np.array_equal(np.signbit(r)[~nan], np.signbit(ref)[~nan])
    else:
        ok = np.array_equal(r, ref)
    if not ok:
        bad = np.flatnonzero(~((r == ref) | (r != r) & (ref != ref)).reshape(-1))
        if bad.size == 0:  # only zero signs differ
            bad = np.flatnonzero(np.signbit(r).reshape(-1) != np.signbit(ref).reshape(-1))
        i = bad[0]
        raise AssertionError(f"{label}: {bad.size} values differ, first at flat index {i}: "
                             f"{r.reshape(-1)[i]!r} vs NumPy's {ref.reshape(-1)[i]!r}")


def ulp_distance(r, ref):
    """|r - ref| in units in the last place (NaN vs NaN and inf vs inf count 0)."""
    dt = r.dtype
    it = np.int64 if dt.itemsize == 8 else np.int32
    def ordered(x):
        i = x.view(it).astype(np.int64)
        return np.where(i < 0, np.iinfo(it).min - i, i)
    d = np.abs(ordered(r) - ordered(ref))
    d[np.isnan(r) & np.isnan(ref)] = 0
    return d


def assert_close(r, ref, label, maxulp, work=None):
    """Type, dtype, shape, NaN and inf places exactly; finite values within maxulp ULP
    of `work` (the working precision: float32 when a float32 operand fed a float64
    result, whose error is then a float32 ULP)."""
    assert type(r) is type(ref), f"{label}: type {type(r).__name__} != {type(ref).__name__}"
    r, ref = np.asarray(r), np.asarray(ref)
    assert r.dtype == ref.dtype, f"{label}: dtype {r.dtype} != NumPy's {ref.dtype}"
    assert r.shape == ref.shape, f"{label}: shape {r.shape} != NumPy's {ref.shape}"
    if r.dtype.kind not in "f" or r.dtype.itemsize not in (4, 8):
        return assert_exact(r, ref, label)  # integer, bool, fallback dtypes: NumPy's own
    rr, ff = r.reshape(-1), ref.reshape(-1)
    if work is not None and np.dtype(work).itemsize < rr.dtype.itemsize:
        with np.errstate(all="ignore"):
            rr, ff = rr.astype(work), ff.astype(work)
    assert np.array_equal(np.isnan(rr), np.isnan(ff)), f"{label}: NaN places differ"
    d = ulp_distance(rr, ff)
    i = int(np.argmax(d)) if d.size else 0
    assert d.size == 0 or d[i] <= maxulp, (
        f"{label}: {d[i]} ULP at flat index {i}: {rr[i]!r} vs NumPy's {ff[i]!r}")


# ----------------------------------------------------------------- operands

N, M = 37, 5  # odd sizes: SIMD tails everywhere; 37 > small_grain's 16: parallel


def _floats(rng, shape, dtype):
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-2, 3, shape)
    flat = x.reshape(-1)
    specials = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 0.5]
    k = min(len(specials), max(1, flat.size // 4))
    flat[rng.choice(flat.size, k, replace=False)] = specials[:k]
    return x.astype(dtype)


def _ints(rng, shape, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(-40, 41, shape).astype(dtype)
    flat = x.reshape(-1)
    extremes = [0, -1, 1, info.min, info.max]
    k = min(len(extremes), max(1, flat.size // 4))
    flat[rng.choice(flat.size, k, replace=False)] = extremes[:k]
    return x


def make_env(seed=0):
    """Named operands of every kind: arrays per dtype and shape, 0-d arrays, Python
    scalars (weak in NumPy's promotion), NumPy scalars (strong), fallback dtypes."""
    rng = np.random.default_rng(seed)
    f, i = _floats, _ints
    return {
        "f8": f(rng, (N,), np.float64), "g8": f(rng, (N,), np.float64),
        "f4": f(rng, (N,), np.float32), "g4": f(rng, (N,), np.float32),
        "i8": i(rng, (N,), np.int64), "j8": i(rng, (N,), np.int64),
        "i4": i(rng, (N,), np.int32), "j4": i(rng, (N,), np.int32),
        "p": rng.random(N) < 0.5, "q": rng.random(N) < 0.5,
        "F8": f(rng, (M, N), np.float64), "I4": i(rng, (M, N), np.int32),
        "col": f(rng, (M, 1), np.float64), "row": f(rng, (1, N), np.float32),
        "icol": i(rng, (M, 1), np.int64),
        "z8": np.array(1.75), "zi4": np.array(-3, np.int32), "zb": np.array(True),
        "pyi": 3, "pyf": 2.5, "pyb": True, "pyneg": -2,
        "sf4": np.float32(1.25), "sf8": np.float64(-0.5), "si4": np.int32(-7),
        "si8": np.int64(5), "sb": np.bool_(False),
        "h2": f(rng, (N,), np.float16), "c16": f(rng, (N,), np.float64) * (1 - 0.5j),
    }


# Pairs of operands for binary templates: (x, y) names or literals.
PAIRS = [
    # one dtype
    ("f8", "g8"), ("f4", "g4"), ("i8", "j8"), ("i4", "j4"), ("p", "q"),
    # mixed dtypes
    ("f8", "f4"), ("f4", "i4"), ("f4", "i8"), ("i4", "i8"), ("i4", "p"), ("f8", "p"),
    ("i8", "f4"), ("p", "f4"),
    # broadcasting
    ("F8", "f8"), ("col", "row"), ("F8", "col"), ("I4", "row"), ("icol", "i4"),
    ("row", "F8"),
    # 0-d arrays (all-0-d gives NumPy scalars)
    ("f8", "z8"), ("zi4", "i4"), ("f4", "zi4"), ("zb", "p"), ("z8", "zi4"),
    # Python scalars, literals and variables: weak (a32 * 2.5 stays float32)
    ("f4", "2.5"), ("f4", "pyf"), ("i4", "3"), ("i4", "pyi"), ("i8", "2.5"), ("-2", "i4"),
    ("i4", "pyneg"), ("p", "True"), ("p", "pyb"), ("1.5", "f4"), ("f8", "pyi"),
    ("I4", "2.5"),
    # NumPy scalars: strong
    ("f4", "sf8"), ("i4", "sf4"), ("f4", "si4"), ("i4", "si8"), ("f4", "sf4"), ("p", "sb"),
    # float16 and complex: NumPy computes them
    ("h2", "f4"), ("c16", "f8"), ("h2", "1.5"), ("h2", "h2"),
]
UNARY_OPERANDS = ["f8", "f4", "i8", "i4", "p", "F8", "col", "row", "z8", "zi4", "zb",
                  "sf4", "h2", "c16"]

# Templates whose result must be NumPy's bits.
EXACT_BINARY = [
    "{x} + {y}", "{x} - {y}", "{x} * {y}", "{x} / {y}", "{x} // {y}", "{x} % {y}",
    "{x} < {y}", "{x} <= {y}", "{x} > {y}", "{x} >= {y}", "{x} == {y}", "{x} != {y}",
    "{x} & {y}", "{x} | {y}", "{x} ^ {y}", "~({x} < {y}) | ({x} == {y})",
    "minimum({x}, {y})", "maximum({x}, {y})", "copysign({x}, {y})", "hypot({x}, {y})",
    "mod({x}, {y})", "where({x} > {y}, {x}, {y})", "where(p, {x}, {y})",
    "clip({x}, {y}, 4)", "clip(p, {x}, {y})", "{x} * {y} + {x} - 1", "-{x} // ({x} * {y} + 1)",
    "abs({x} - {y}) * 0.5", "({x} + {y}) ** 2", "sqrt(abs({x} * {y}))",
]
EXACT_UNARY = [
    "-{x}", "~{x}", "abs({x})", "sqrt({x})", "floor({x})", "ceil({x})",
    "trunc({x})", "rint({x})", "sign({x})", "square({x})", "reciprocal({x})",
    "{x} ** 2", "{x} ** 0.5", "{x} ** -1", "{x} ** 1", "{x} ** 2.0", "isnan({x})",
    "isinf({x})", "isfinite({x})", "{x} * 3 - 1", "{x} / 7", "{x} // 3", "{x} % 3",
    "where({x} > 0, {x}, 0)", "clip({x}, -1, 1)", "clip({x}, 0.5, 2.5)", "{x} > 1.5",
    "{x} == 0", "{x} * True", "{x} + False", "floor({x} / 2) * 2",
]
TRANSCENDENTAL = ["exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sin", "cos",
                  "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh",
                  "arccosh", "arctanh"]
# Single functions: within a few ULP of NumPy (concore <= 1 ULP from correctly rounded;
# NumPy's float32 SIMD kernels measured up to 3).
SINGLE_ULP = 4
TRANS_UNARY = [f"{name}({{x}})" for name in TRANSCENDENTAL] + ["{x} ** 3", "{x} ** 1.7"]
TRANS_BINARY = ["arctan2({x}, {y})", "{x} ** {y}", "power(abs({x}), {y})"]
# Short chains without cancellation: a few ULP in all (2 measured with scalar libm).
CHAIN_ULP = 6
TRANS_CHAINS = [
    "sin({x}) ** 2 + cos({x}) ** 2", "exp(-{x} * {x}) * {y}", "log(abs({x}) + 1) / (1 + abs({y}))",
    "tanh({x}) + 2", "hypot(sin({x}), cos({y}))", "sqrt(exp({x} * 0.01))",
    "where({x} > {y}, exp({x} * 0.1), log1p(abs({y})))", "arctan2(sin({x}), 2 + cos({y}))",
]


def fill(template, x, y=None):
    return template.format(x=x, y=y)


def working_precision(expr, env):
    """float32 when any operand named in expr is float32 or float16."""
    names = set(re.findall(r"[A-Za-z_]\w*", expr))
    low = [v for k, v in env.items() if k in names and np.asarray(v).dtype.kind == "f"
           and np.asarray(v).dtype.itemsize < 8]
    return np.float32 if low else None


def check_case(expr, env, exact, maxulp=0, **kw):
    """Evaluate `expr` with concore and NumPy; return a failure message or None."""
    ref, ref_err = outcome(numpy_eval, expr, env)
    r, err = outcome(evaluate, expr, env, **kw)
    if ref_err is not None:
        if err is None or not isinstance(err, type(ref_err)):
            return f"{expr}: NumPy raised {ref_err!r}, concore gave {err!r} / {r!r}"
        return None
    if err is not None:
        return f"{expr}: concore raised {err!r}, NumPy returned {ref!r}"
    try:
        if exact:
            assert_exact(r, ref, expr)
        else:
            assert_close(r, ref, expr, maxulp, working_precision(expr, env))
    except AssertionError as e:
        return str(e)
    return None


def run_matrix(cases, env, **kw):
    failures = [m for m in (check_case(e, env, ex, u, **kw) for e, ex, u in cases) if m]
    assert not failures, f"{len(failures)} of {len(cases)} failed:\n" + "\n".join(failures[:40])


PY_SCALARS = {"2.5", "pyf", "3", "pyi", "-2", "pyneg", "True", "pyb", "1.5"}


def binary_cases(templates, exact, maxulp=0):
    # clip's first argument is made an array by numpy.clip: see test_clip_is_numpy_clip
    return [(fill(t, x, y), exact, maxulp) for t in templates for x, y in PAIRS
            if not (t.startswith("clip({x}") and x in PY_SCALARS)]


def unary_cases(templates, exact, maxulp=0):
    return [(fill(t, x), exact, maxulp) for t in templates for x in UNARY_OPERANDS]


# ----------------------------------------------------- 1. the expression matrix

@pytest.mark.parametrize("template", EXACT_BINARY)
def test_exact_binary_matrix(template, backend):
    run_matrix(binary_cases([template], True), make_env())


@pytest.mark.parametrize("template", EXACT_UNARY)
def test_exact_unary_matrix(template, backend):
    run_matrix(unary_cases([template], True), make_env())


@pytest.mark.parametrize("template", TRANS_UNARY + TRANS_BINARY)
def test_transcendental_single_function(template, backend):
    cases = (binary_cases if "{y}" in template else unary_cases)([template], False, SINGLE_ULP)
    run_matrix(cases, make_env())


@pytest.mark.parametrize("template", TRANS_CHAINS)
def test_transcendental_chains(template, backend):
    run_matrix(binary_cases([template], False, CHAIN_ULP), make_env(seed=1))


def test_weak_and_strong_scalars_choose_numpys_dtype(backend):
    """NEP 50: Python scalars are weak, NumPy scalars and 0-d arrays are not."""
    a32 = np.arange(5, dtype=np.float32)
    i32 = np.arange(5, dtype=np.int32)
    s = 2.5
    cases = [("a32 * 2.5", np.float32), ("a32 * s", np.float32), ("i32 + 3", np.int32),
             ("i32 * 2.5", np.float64), ("a32 * f64s", np.float64), ("i32 + i64s", np.int64),
             ("a32 + i32", np.float64), ("i32 > 1.5", np.bool_), ("a32 + z64", np.float64),
             ("i32 / 2", np.float64), ("a32 ** 2", np.float32), ("a32 ** 0.5", np.float32)]
    f64s, i64s, z64 = np.float64(0.5), np.int64(2), np.array(0.25)
    for expr, dt in cases:
        r = evaluate(expr)
        assert r.dtype == dt, expr
        assert_exact(r, numpy_eval(expr, locals()), expr)


def test_out_of_range_python_int_is_numpys_error(backend):
    i32 = np.arange(5, dtype=np.int32)
    with pytest.raises(OverflowError):
        i32 * 2**40
    with pytest.raises(OverflowError):
        evaluate("i32 * 2**40")


def test_arithmetic_on_python_scalars_stays_weak(backend):
    """In NumPy, `-s`, `2.5 + 1` and `k + 1` on Python scalars are Python scalars again
    (weak), so `f4 * -s` stays float32; they must not become float64/int64 arrays."""
    env = {"f4": np.linspace(-2, 2, 9, dtype=np.float32), "h2": np.ones(9, np.float16),
           "i4": np.arange(-4, 5, dtype=np.int32), "s": 2.5, "k": 3, "m": -2}
    wrong = []
    for e in ["f4 * -s", "f4 * (2.5 + 1)", "f4 * (s * 2)", "f4 / abs(-s)", "i4 + (k + 1)",
              "i4 * -k", "i4 // (m + 1)", "h2 * (1.5 + 1)", "f4 + minimum(s, 1.0)",
              "i4 * (k * k)"]:
        msg = check_case(e, env, True)
        if msg:
            wrong.append(msg.splitlines()[0])
    assert not wrong, "\n".join(wrong)


def test_clip_is_numpy_clip(backend):
    """clip(a, lo, hi) is numpy.clip: it accepts Python int bounds outside the array's
    type (NumPy >= 2.1) and makes a scalar first argument an array (strong)."""
    env = {"i4": np.arange(-3, 4, dtype=np.int32), "f4": np.linspace(-5, 5, 7, dtype=np.float32)}
    wrong = []
    for e in ["clip(i4, 0, 2**40)", "clip(i4, -1099511627776, 1)", "clip(-2, i4, 4)",
              "clip(1.5, f4, 4)"]:
        msg = check_case(e, env, True)
        if msg:
            wrong.append(msg.splitlines()[0])
    assert not wrong, "\n".join(wrong)


def test_unary_plus_is_numpys_positive(backend):
    """`+x` is numpy.positive: TypeError for booleans, a NumPy scalar for 0-d inputs."""
    env = make_env()
    wrong = []
    for x in ["f8", "i4", "F8", "p", "zb", "z8", "zi4", "sf4"]:
        msg = check_case(f"+{x}", env, True)
        if msg:
            wrong.append(msg.splitlines()[0])
    assert not wrong, "\n".join(wrong)


def _domain(name, x):
    """Map standard-normal-ish values into the function's domain (most of them)."""
    with np.errstate(all="ignore"):
        if name in ("arcsin", "arccos", "arctanh"):
            return np.tanh(x)
        if name == "arccosh":
            return 1 + np.abs(x)
        if name in ("log", "log2", "log10"):
            return np.abs(x)
        if name == "log1p":
            return np.abs(x) - 0.5
        if name in ("exp", "expm1", "exp2", "sinh", "cosh"):
            return np.fmod(x, 80.0)
    return x


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_transcendental_within_one_ulp_of_higher_precision(dtype):
    """The promise: within 1 ULP of the correctly rounded result. The reference is
    the same function in long double (float64) or float64 (float32), rounded."""
    if not NATIVE:
        pytest.skip("pure-Python install: the Python backend uses NumPy's functions")
    hi = np.longdouble if dtype == "float64" else np.float64
    if dtype == "float64" and np.finfo(np.longdouble).nmant < 60:
        pytest.skip("long double is no wider than double here: no reference")
    rng = np.random.default_rng(21)
    n = 20000
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 3, n)
    y = rng.standard_normal(n) * 2
    wrong = []
    with concore.use_backend("native"):
        for name in TRANSCENDENTAL + ["arctan2", "power"]:
            v = _domain(name, x).astype(dtype)
            w = y.astype(dtype)
            if name == "power":
                v = np.abs(v)
            expr = f"{name}(v, w)" if name in ("arctan2", "power") else f"{name}(v)"
            r = evaluate(expr, {"v": v, "w": w})
            with np.errstate(all="ignore"):
                args = [v.astype(hi)] + ([w.astype(hi)] if "w" in expr else [])
                ref = getattr(np, name)(*args).astype(dtype)
            d = ulp_distance(r, ref)
            if d.max() > 1 or not np.array_equal(np.isnan(r), np.isnan(ref)):
                i = int(np.argmax(d))
                wrong.append(f"{expr} {dtype}: {d.max()} ULP at v={v[i]!r}, w={w[i]!r}: "
                             f"{r[i]!r} vs {ref[i]!r}")
    assert not wrong, "\n".join(wrong)


SPECIAL_INPUTS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-310,
                  -1e-310, 5e-324, 1e-30, 88.8, -103.9, 709.9, 710.0, -745.2, -746.0, 1e300,
                  -1e300, 3.4e38, np.pi, -np.pi / 2, 1e22]


@pytest.mark.parametrize("name", TRANSCENDENTAL + ["arctan2", "power"])
def test_transcendental_special_values_are_numpys(name, backend):
    """At ±0, ±inf, NaN, and where the result overflows or underflows: NumPy's bits;
    elsewhere a few ULP."""
    wrong = []
    for dtype in (np.float64, np.float32):
        with np.errstate(all="ignore"):
            v = np.array(SPECIAL_INPUTS, dtype)
        pairs = [(v, None)] if name not in ("arctan2", "power") else [
            (np.repeat(v, v.size), np.tile(v, v.size))]
        for a, b in pairs:
            env = {"v": a, "w": b}
            expr = f"{name}(v, w)" if b is not None else f"{name}(v)"
            ref, r = numpy_eval(expr, env), evaluate(expr, env)
            special = ~np.isfinite(ref) | (ref == 0) | ~np.isfinite(a) | (a == 0)
            if b is not None:
                special |= ~np.isfinite(b) | (b == 0)
            msg = check_case(expr, env, False, SINGLE_ULP)
            if msg:
                wrong.append(f"{dtype.__name__}: {msg}")
            try:
                assert_exact(r[special], ref[special], f"{expr} {dtype.__name__} (special)")
            except AssertionError as e:
                wrong.append(str(e).splitlines()[0])
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("n", [1, 7, 8, 4095, 4096, 4097, 8193, 20011])
def test_sizes_around_blocks(n, backend, small_grain):
    """Block and SIMD-tail boundaries: exact and transcendental on 1 and 3 threads."""
    rng = np.random.default_rng(n)
    env = {"x": _floats(rng, (n,), np.float64), "y": _floats(rng, (n,), np.float64),
           "x4": _floats(rng, (n,), np.float32), "k": _ints(rng, (n,), np.int32)}
    for nt in (1, 3):
        run_matrix([("x * y + x4 - k // 3", True, 0), ("where(x > y, k, x4) % 2.5", True, 0),
                    ("sin(x) * cos(y) * exp(x4 * 0.01)", False, CHAIN_ULP),
                    ("log1p(abs(x4))", False, SINGLE_ULP)], env, n_threads=nt)


def test_cheap_programs_over_many_rounds(backend):
    """Programs of cheap steps only run in short blocks: sizes past one round of
    them (65536 blocks), with a tail, on 1 and 3 threads."""
    n = 65536 * 64 + 77
    rng = np.random.default_rng(17)
    env = {"x": _floats(rng, (n,), np.float64), "y": _floats(rng, (n,), np.float64),
           "k": _ints(rng, (n,), np.int32)}
    for nt in (1, 3):
        run_matrix([("2*x + 3*y - x*y", True, 0), ("where(x > y, x * 2, y - k) + k", True, 0),
                    ("(x < y) & (k > 0) | (x == x)", True, 0)], env, n_threads=nt)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_pairs_round_each_step_as_numpy(dtype, backend, monkeypatch):
    """(x op1 y) op2 z and z op2 (x op1 y) run as one step: the bits of NumPy's two
    steps, NaN, inf, -0 and subnormals included."""
    import concore.elementwise as E
    seen = []
    run = E.execute
    monkeypatch.setattr(E, "execute", lambda prog, *a, **k: seen.append(prog) or run(prog, *a, **k))
    rng = np.random.default_rng(11)
    env = {v: _floats(rng, (3001,), dtype) for v in "xyz"}
    cases = []
    for o1, n1 in (("+", "add"), ("-", "sub"), ("*", "mul")):
        for o2, n2 in (("+", "add"), ("-", "sub"), ("*", "mul")):
            cases += [(f"(x {o1} y) {o2} z", f"{n1}_{n2}"), (f"z {o2} (x {o1} y)", f"{n1}_r{n2}")]
    for nt in (1, 3):
        run_matrix([(e, True, 0) for e, _ in cases], env, n_threads=nt)
    names = {ins[0] for prog in seen for ins in prog.code}
    assert {name for _, name in cases} <= names
    seen.clear()
    evaluate("x * y + x * y", env)  # the left product merges into the sum, the right stays
    assert [ins[0] for ins in seen[0].code] == ["multiply", "mul_add"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sum_of_a_product_is_numpys_sum_bitwise(dtype, backend, small_grain, monkeypatch):
    """sum(x*y) of two contiguous arrays runs on the dot kernel: the same bits as
    numpy.sum(x*y) (NaN, inf, -0 included); broadcasting or strides keep the
    interpreter, with the same bits."""
    import concore.reductions as R
    calls = []
    dot = R._dot_1d
    monkeypatch.setattr(R, "_dot_1d", lambda *a: calls.append(1) or dot(*a))
    rng = np.random.default_rng(23)
    pairs = [(np.zeros(0, dtype), np.zeros(0, dtype))] + [
        (_floats(rng, shape, dtype), _floats(rng, shape, dtype))
        for shape in [(1,), (7,), (4097,), (100003,), (129, 130)]]
    for x, y in pairs:
        with np.errstate(all="ignore"):
            ref = np.sum(x * y)
        for nt in (1, 3):
            r = evaluate("sum(x * y)", n_threads=nt)
            assert type(r) is type(ref) and bits(r) == bits(ref), (x.shape, nt)
    assert len(calls) == 12
    x, row = _floats(rng, (300, 200), dtype), _floats(rng, (200,), dtype)
    xt = x.T
    with np.errstate(all="ignore"):
        assert bits(evaluate("sum(x * row)")) == bits(np.sum(x * row))
        assert bits(evaluate("sum(xt * xt)")) == bits(np.sum(xt * xt))
    assert len(calls) == 12


def _interpret(code, nregs, regs):
    """Run a program with NumPy, register by register (checks the register pass)."""
    ops = {"multiply": np.multiply, "add": np.add, "subtract": np.subtract,
           "greater": np.greater, "logical_and": np.logical_and}
    types = (np.float64, np.float32, np.int64, np.int32, np.bool_)
    R = [None] * nregs
    for r, v in regs.items():
        R[r] = v
    for op, t, dst, a, b, c in code:
        if op == "sqrt":
            R[dst] = np.sqrt(np.abs(R[a]))
        elif op == "cast":
            R[dst] = R[a].astype(types[b])
        elif op == "where":
            R[dst] = np.where(R[a], R[b], R[c])
        else:
            R[dst] = ops[op](*[R[s] for s in (a, b, c) if s >= 0])
    return R


def test_register_reuse_keeps_every_value_until_its_last_use():
    from concore.elementwise import _reuse_registers
    # inputs 0, 1; a constant 2; result 12; values of three sizes (f64, f32, bool)
    code = [["multiply", 0, 3, 0, 1, -1],          # t3 = x*y
            ["add", 0, 4, 3, 2, -1],               # t4 = t3 + 2
            ["greater", 0, 5, 4, 0, -1],           # t5 = t4 > x     (bool)
            ["cast", 0, 6, 4, 1, -1],              # t6 = f32(t4)
            ["cast", 1, 7, 6, 0, -1],              # t7 = f64(t6)
            ["sqrt", 0, 8, 7, -1, -1],             # t8 = sqrt(|t7|) (here)
            ["where", 0, 9, 5, 8, 3],              # t9 = where(t5, t8, t3)
            ["greater", 0, 10, 9, 1, -1],          # t10 = t9 > y
            ["logical_and", 4, 11, 10, 5, -1],     # t11 = t10 & t5
            ["cast", 4, 12, 11, 0, -1]]            # out = f64(t11)
    new, nregs, regmap = _reuse_registers(code, [0, 1, 2], 12)
    assert nregs < 13
    fixed = {regmap[r] for r in (0, 1, 2, 12)}
    assert len(fixed) == 4
    sizes = {}
    for ins in new:
        op, dst = ins[0], ins[2]
        assert dst not in {regmap[0], regmap[1], regmap[2]}, ins
        srcs = [ins[3]] if op == "cast" else [s for s in ins[3:] if s >= 0]
        size = 1 if op in ("greater", "logical_and") else (
            4 if (op == "cast" and ins[4] == 1) else 8)
        for s in srcs:
            if s == dst:  # in place only between values of one size
                assert sizes[s] == size, ins
        sizes[dst] = size
    assert new[-1][2] == regmap[12]
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(1000), rng.standard_normal(1000)
    before = _interpret(code, 13, {0: x, 1: y, 2: np.float64(2.0)})[12]
    regs = {regmap[0]: x, regmap[1]: y, regmap[2]: np.float64(2.0)}
    after = _interpret(new, nregs, regs)[regmap[12]]
    assert before.dtype == after.dtype == np.float64
    assert np.array_equal(before, after) and 0 < before.sum() < 1000


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool"])
def test_layouts_of_hard_inputs(dtype, backend):
    """Strided, reversed, Fortran, transposed, 0-d and byte-swapped operands."""
    exprs = ["x * 2 + x", "where(x > 0, x, -x)", "maximum(x, 1) - minimum(x, -1)"]
    if dtype == "bool":
        exprs = ["x & ~x | x", "where(x, 1.5, -2)", "x + x"]
    n = 0
    for label, x in arrays(dtypes=(dtype,), sizes=(9, 24, 129, 4097)):
        for lay, y in layouts(x):
            for e in exprs:
                msg = check_case(e, {"x": y}, True)
                assert msg is None, f"{label}/{lay}: {msg}"
                n += 1
    assert n > 30


def test_fallback_dtypes_give_numpys_answer(backend):
    """float16, complex, unsigned and object operands are computed by NumPy itself."""
    env = make_env()
    h2, c16 = env["h2"], env["c16"]
    u8 = np.arange(N, dtype=np.uint8)
    env.update(u8=u8, obj=np.arange(N).astype(object), be=env["f8"].astype(">f8"))
    for e in ["h2 * 2 + 1", "sin(h2)", "c16 * c16 + 1", "abs(c16)", "exp(c16)", "u8 - 3",
              "u8 * 200", "h2 + f4", "where(h2 > 0, c16, 0)", "sqrt(c16)", "obj * 2 + 1",
              "be * 3 + f8", "sum(h2)", "sum(c16 * 2)", "prod(u8 % 3 + 1)"]:
        msg = check_case(e, env, True)
        assert msg is None, msg
    assert h2.dtype == np.float16 and c16.dtype == np.complex128


# --------------------------------------- 2. determinism across threads, backends

DETERMINISM_CASES = (
    binary_cases(["{x} * {y} + {x} - 1", "where({x} > {y}, {x}, {y}) // 3",
                  "hypot({x}, {y}) % 7", "minimum({x}, {y}) / ({y} + 2.5)"], True)
    + unary_cases(["sqrt(abs({x})) + rint({x} * 0.3)", "{x} ** -1 - sign({x})"], True)
)


def _big_env():
    """Operands of several blocks of 4096 (so threads split the work), in mixed
    layouts: names as make_env's (1-D of length n, 2-D of (7, 3001)), where pairs
    that do not broadcast raise the same error on every run."""
    rng = np.random.default_rng(11)
    env = make_env(seed=11)
    n = 3 * 4096 + 129
    rows, cols = 7, 3001
    big = _floats(rng, (2 * n,), np.float64)
    env.update(f8=big[::-2], g8=_floats(rng, (n,), np.float64),  # reversed, strided
               f4=_floats(rng, (n,), np.float32), g4=_floats(rng, (n,), np.float32),
               i8=_ints(rng, (n,), np.int64), j8=_ints(rng, (n,), np.int64),
               i4=_ints(rng, (n,), np.int32), j4=_ints(rng, (n,), np.int32),
               p=rng.random(n) < 0.5, q=rng.random(n) < 0.5,
               F8=np.asfortranarray(_floats(rng, (rows, cols), np.float64)),
               I4=_ints(rng, (rows, cols), np.int32), col=_floats(rng, (rows, 1), np.float64),
               row=_floats(rng, (1, cols), np.float32), icol=_ints(rng, (rows, 1), np.int64))
    return env


def test_bitwise_same_for_any_thread_count(backend, small_grain):
    exprs = [e for e, _, _ in DETERMINISM_CASES] + [
        fill(t, x, y) for t in TRANS_CHAINS[:4] for x, y in PAIRS[:19]] + [
        "sum(f8 * g8 - f4)", "prod(1 + f8 * 1e-6)", "sum(i4 * 3, axis=0)", "sum(F8 * col)"]
    for env in (make_env(seed=5), _big_env()):
        for e in exprs:
            r1, err1 = outcome(evaluate, e, env, n_threads=1)
            for nt in (2, 3):
                rn, errn = outcome(evaluate, e, env, n_threads=nt)
                assert type(errn) is type(err1), e
                if err1 is None:
                    assert bits(rn) == bits(r1), f"{e}: {nt} threads differ from 1"


def test_bitwise_same_on_both_backends(small_grain):
    if not NATIVE:
        pytest.skip("pure-Python install: no native backend to compare with")
    exprs = [e for e, _, _ in DETERMINISM_CASES] + [
        "sum(f8 * g8 - f4)", "prod(1 + f8 * 1e-6)", "sum(i4 * 3)", "sum(F8 * col, axis=1)"]
    for env in (make_env(seed=6), _big_env()):
        for e in exprs:
            with concore.use_backend("python"):
                rp, ep = outcome(evaluate, e, env, n_threads=2)
            with concore.use_backend("native"):
                rn, en = outcome(evaluate, e, env, n_threads=2)
            assert type(ep) is type(en), f"{e}: python {ep!r}, native {en!r}"
            if ep is None:
                assert bits(rp) == bits(rn), f"{e}: python and native differ"


# -------------------------------------------------------------- 3. reductions

SUM_SIZES = [1, 7, 8, 9, 127, 128, 129, 4095, 4096, 4097, 8193, 100003]


def _sum_env(n, dtype, rng):
    """Operands whose values vary in magnitude, so the order of additions shows."""
    if dtype in ("float64", "float32"):
        mk = lambda: (rng.standard_normal(n) * 10.0 ** rng.integers(-6, 6, n)).astype(dtype)
        return {"a": mk(), "b": mk(), "c": mk()}, ["a * b - c", "where(a > b, a, c * 3)",
                                                    "a ** 2 + 1.5", "a"]
    if dtype in ("int64", "int32"):
        info = np.iinfo(dtype)
        mk = lambda: rng.integers(info.min // 2, info.max // 2, n, dtype=dtype)
        return {"a": mk(), "b": mk(), "c": mk() | 1}, ["a * 3 - b", "a // c + b % c",
                                                       "where(a > b, a, b)", "a"]
    return ({"a": rng.random(n) < 0.5, "b": rng.random(n) < 0.3, "x": rng.random(n)},
            ["a | b", "a ^ b", "x > 0.5", "~a"])


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "bool"])
@pytest.mark.parametrize("n", SUM_SIZES)
def test_sum_all_is_numpys_sum_bitwise(n, dtype, backend, small_grain):
    """Fused sum == numpy.sum of the materialised result (ints and bool add in int64)."""
    env, exprs = _sum_env(n, dtype, np.random.default_rng(n))
    for e in exprs:
        ref = np.sum(numpy_eval(e, env))
        r1 = evaluate(f"sum({e})", env, n_threads=1)
        assert bits(r1) == bits(ref), f"sum({e}), n={n}: {r1!r} vs NumPy's {ref!r}"
        assert bits(evaluate(f"sum({e})", env, n_threads=3)) == bits(r1), f"sum({e}) n={n}"


@pytest.mark.parametrize("shape", [(3, 4097), (129, 130), (1, 8193), (8193, 1), (7, 1, 33)])
def test_sum_all_of_nd_results(shape, backend, small_grain):
    """Over every element of a 2-D/3-D result: C order, Fortran order, broadcast."""
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 6, shape)
    env = {"a": a, "f": np.asfortranarray(a[::-1]), "row": rng.standard_normal(shape[-1]),
           "col": rng.standard_normal(shape[:-1] + (1,)), "s": np.float32(1.5)}
    for e in ["a * 2 - row", "col * row + 1", "f * a", "f + 1", "a * s"]:
        ref = np.sum(numpy_eval(e, env))
        for nt in (1, 3):
            r = evaluate(f"sum({e})", env, n_threads=nt)
            assert bits(r) == bits(ref), f"sum({e}) {shape} nt={nt}: {r!r} vs {ref!r}"


@pytest.mark.parametrize("dtype", ["float64", "float32", "int32", "bool"])
def test_sum_along_axis_is_numpys(dtype, backend, small_grain):
    rng = np.random.default_rng(4)
    a = (rng.standard_normal((6, 7, 300)) * 100).astype(dtype)
    b = (rng.standard_normal((7, 1)) * 100).astype(dtype)
    for e in ["a * b + a", "where(a > b, a, b)", "a"]:
        for axis in (0, 1, 2, -1, -3, None):
            ref = np.sum(numpy_eval(e, {"a": a, "b": b}), axis=axis)
            for nt in (1, 3):
                r = evaluate(f"sum({e}, axis={axis})", {"a": a, "b": b}, n_threads=nt)
                assert bits(r) == bits(ref), f"sum({e}, axis={axis}) nt={nt}"
    with pytest.raises(np.exceptions.AxisError):
        evaluate("sum(a * 2, axis=3)", {"a": a})


@pytest.mark.parametrize("n", [1, 7, 129, 4095, 4096, 4097, 8193, 100003])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_prod_close_to_numpy_and_thread_independent(n, dtype, backend, small_grain):
    # prod multiplies sequentially within fixed blocks of 4096, then the block
    # products in order: not NumPy's sequential order, so only close to np.prod
    # (within the rounding-error bound of either order), but the same bits for
    # every thread count.
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n).astype(dtype)
    env = {"a": a}
    e = "1 + a * 0.001"
    ref = np.prod(numpy_eval(e, env))
    r1 = evaluate(f"prod({e})", env, n_threads=1)
    assert type(r1) is type(ref)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(r1, ref, rtol=10 * math.sqrt(n) * eps + 4 * eps)
    for nt in (2, 3):
        assert bits(evaluate(f"prod({e})", env, n_threads=nt)) == bits(r1), nt


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_prod_of_integers_is_exact(dtype, backend, small_grain):
    """Integer products wrap modulo 2**64 in any order: NumPy's answer exactly."""
    rng = np.random.default_rng(8)
    for n in (1, 9, 4097, 100003):
        a = rng.integers(-3, 4, n).astype(dtype) if dtype != "bool" else rng.random(n) < 0.999
        for e in (["a * 3 + 1", "where(a == 0, 1, a)"] if dtype != "bool" else ["a", "a | ~a"]):
            ref = np.prod(numpy_eval(e, {"a": a}))
            for nt in (1, 3):
                r = evaluate(f"prod({e})", {"a": a}, n_threads=nt)
                assert bits(r) == bits(ref), f"prod({e}) n={n} nt={nt}: {r!r} vs {ref!r}"


def test_reductions_of_empty_and_scalar_results(backend):
    e = np.empty(0)
    assert bits(evaluate("sum(e * 2)")) == bits(np.sum(e * 2))
    assert bits(evaluate("prod(e * 2)")) == bits(np.prod(e * 2))
    i = np.empty((0, 3), np.int32)
    assert bits(evaluate("sum(i + 1)")) == bits(np.sum(i + 1))
    assert bits(evaluate("sum(i + 1, axis=1)")) == bits(np.sum(i + 1, axis=1))
    z = np.array(2.5)
    assert bits(evaluate("sum(z * 2)")) == bits(np.sum(z * 2))
    assert bits(evaluate("prod(z * 2)")) == bits(np.prod(z * 2))


# ------------------------------------------------------------------- 4. out=

def test_out_preallocated(backend, small_grain):
    env = make_env()
    for expr in ["F8 * 2 + col", "where(F8 > col, F8, row)", "sin(F8) + row"]:
        ref = numpy_eval(expr, env)
        out = np.full(ref.shape, 7.0, ref.dtype)
        assert evaluate(expr, env, out=out) is out
        if "sin" in expr:
            assert_close(out, ref, expr, CHAIN_ULP)
        else:
            assert_exact(out, ref, expr)
    out = np.empty(N)
    assert evaluate("sum(F8 * 2, axis=0)", env, out=out) is out
    assert_exact(out, np.sum(env["F8"] * 2, axis=0), "sum(..., axis=0) into out")
    out = np.empty((M, N))
    # an output larger than the operands: NumPy's ufuncs broadcast into it
    np.add(env["f8"], 1.0, out=out)
    r = evaluate("f8 + 1.0", env, out=np.zeros((M, N)))
    assert_exact(r, out, "f8 + 1.0 into (M, N)")


def test_out_is_an_input(backend, small_grain):
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(1000), rng.standard_normal(1000)
    ref = a * 2 + b
    r = evaluate("a*2+b", out=a)
    assert r is a
    assert_exact(a, ref, "a*2+b into a")
    # in place with broadcasting and the output read twice
    m, row = rng.standard_normal((30, 40)), rng.standard_normal(40)
    ref = np.where(m > row, m * m, row - m)
    evaluate("where(m > row, m * m, row - m)", out=m)
    assert_exact(m, ref, "where(...) into m")
    # partially overlapping output: as if the inputs were copied first (NumPy's rule)
    base = rng.standard_normal(5000)
    x, y = base[1:], base[:-1]
    ref = x * 3 + y
    evaluate("x * 3 + y", out=x)
    assert_exact(x, ref, "overlapping out")
    base = rng.standard_normal(5000)
    x, y = base[:-1], base[1:]
    ref = np.sqrt(np.abs(y)) - x
    evaluate("sqrt(abs(y)) - x", out=x)
    assert_exact(x, ref, "overlapping out (other direction)")


def test_out_of_another_dtype(backend, small_grain):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(777), rng.standard_normal(777)
    out32 = np.empty(777, np.float32)
    assert evaluate("a * b + 1", out=out32) is out32
    assert_exact(out32, (a * b + 1).astype(np.float32), "float64 result into float32 out")
    i32 = rng.integers(-100, 100, 777).astype(np.int32)
    out64 = np.empty(777, np.int64)
    evaluate("i32 * 3 - 1", out=out64)
    assert_exact(out64, (i32 * 3 - 1).astype(np.int64), "int32 result into int64 out")
    outf = np.empty(777)
    evaluate("i32 > 0", out=outf)
    assert_exact(outf, (i32 > 0).astype(np.float64), "bool result into float64 out")


def test_out_cast_that_numpy_refuses(backend):
    """A float result into an int out: NumPy's ufuncs refuse (same_kind casting)."""
    a = np.linspace(-3, 3, 11)
    out = np.zeros(11, np.int64)
    with pytest.raises(TypeError):
        np.multiply(a, 2.5, out=out)
    with pytest.raises(TypeError):
        evaluate("a * 2.5", out=out)
    assert not out.any(), f"out was written: {out}"


def test_out_of_wrong_shape_is_numpys_error(backend):
    a, b = np.ones(10), np.ones(10)
    for shape in [(11,), (1,), (2, 5), (10, 2), ()]:
        out = np.empty(shape)
        _, ref_err = outcome(np.add, a, b, out=out)
        assert isinstance(ref_err, ValueError), shape
        with pytest.raises(type(ref_err)):
            evaluate("a + b", out=out)
        with pytest.raises(ValueError):
            evaluate("sin(a) * b", out=out)


# ----------------------------------------------------- 5. variables, Expression

GLOBAL_G = np.arange(5.0)


def test_variables_from_callers_frame(backend):
    local_l = np.arange(5.0) * 2
    assert_exact(evaluate("local_l + GLOBAL_G"), local_l + GLOBAL_G, "locals + globals")

    def inner():
        local_l  # noqa: B018  (referenced, so it is a closure variable of inner)
        return evaluate("local_l * 2")
    assert_exact(inner(), local_l * 2, "closure")

    def shadowing():
        GLOBAL_G = np.ones(5)  # noqa: N806, F841  (a local wins over the global)
        return evaluate("GLOBAL_G + 1")
    assert_exact(shadowing(), np.full(5, 2.0), "a local shadows a global")


def test_local_dict_replaces_the_frame(backend):
    a = np.arange(4.0)  # noqa: F841  (must not be seen)
    b = np.full(4, 10.0)
    assert_exact(evaluate("a + 1", {"a": b}), b + 1, "local_dict")
    with pytest.raises(NameError):
        evaluate("a + b", {"b": b})  # a is a local of this frame, not in local_dict
    with pytest.raises(NameError):
        evaluate("a + undefined_name_xyz")
    with pytest.raises(NameError):
        evaluate("len + 1")  # builtins are not variables


def test_expression_object(backend):
    e = Expression("a*b + c - a")
    assert e.names == ("a", "b", "c")
    assert "a*b + c - a" in repr(e)
    rng = np.random.default_rng(0)
    for n, dt in [(10, np.float64), (5000, np.float32), (3, np.int32), (1, np.float64)]:
        a, b, c = (rng.standard_normal(n) * 10).astype(dt), rng.standard_normal(n).astype(dt), \
            (rng.standard_normal(n) * 10).astype(dt)
        ref = a * b + c - a
        assert_exact(e(a, b, c), ref, "positional")
        assert_exact(e(a=a, b=b, c=c), ref, "keywords")
        assert_exact(e({"a": a, "b": b, "c": c}), ref, "dict")
        assert_exact(e(a, c=c, b=b), ref, "mixed")
        out = np.empty_like(ref)
        assert e(a, b, c, out=out, n_threads=2) is out
        assert_exact(out, ref, "out")
    with pytest.raises(TypeError):
        e(1, 2, 3, 4)
    with pytest.raises(TypeError):
        e(1, 2, a=3)
    with pytest.raises(TypeError):
        e(1, 2, 3, d=4)
    with pytest.raises(NameError):
        e(1, 2)
    with pytest.raises(ValueError):
        Expression("a.b")
    with pytest.raises(TypeError):
        Expression(b"a + b")
    # compiled once: new arrays of the same dtypes reuse the cached program
    from concore import elementwise
    f = Expression("a * 2 + b")
    f(np.ones(10), np.ones(10))
    before = len(elementwise._cache)
    for n in range(1, 30):
        x, y = rng.standard_normal(n), rng.standard_normal(n)
        assert_exact(f(x, y), x * 2 + y, "Expression reused")
    assert len(elementwise._cache) == before, "a new program was compiled for new arrays"
    s = Expression("sum(x * y)")
    assert s.names == ("x", "y")
    x = np.arange(1000.0)
    assert bits(s(x, x)) == bits(np.sum(x * x))
    assert Expression("2 + 3").names == ()


# ----------------------------------------------------------------- 6. safety

CANARY = {"ran": False}


def _malicious(tmp_path):
    sentinel = str(tmp_path / "pwned")
    return sentinel, [
        "a.__class__",
        "().__class__.__bases__[0].__subclasses__()",
        f"__import__('os').system('touch {sentinel}')",
        "__import__('os')",
        f"eval(\"open('{sentinel}', 'w')\")",
        f"exec(\"open('{sentinel}', 'w')\")",
        f"open('{sentinel}', 'w')",
        "open('/etc/passwd').read()",
        "getattr(a, 'x')",
        "setattr(a, 'x', 1)",
        "(lambda: 1)()",
        "lambda: 1",
        "[x for x in a]",
        "{x for x in a}",
        "sum(x for x in a)",
        "f'{a}'",
        "(x := 1)",
        "a[0]",
        "a[::2] + 1",
        "sin(*a)",
        "where(**a)",
        "globals()",
        "locals()['CANARY']",
        "__builtins__",
        "__name__",
        "(1).real",
        "a.T",
        "'abc'",
        "b'abc'",
        "a + 'x'",
        "None",
        "...",
        "1j * a",
        "a" + " + a" * 2600,  # longer than 10000 characters
        "sum(sum(a))",
        "sum(a) + 1",
        "sin(sum(a))",
        "prod(a) * sum(a)",
        "sin(a, out=a)",
        "sum(a, dtype=1)",
        "sum(a, axis=b)",
        "sum(a, axis=1.5)",
        "sum(a, b)",
        "a if b else a",
        "a and b",
        "a or b",
        "not a",
        "a < b < a",
        "a is b",
        "a in b",
        "a @ b",
        "a << 1",
        "yield a",
        "await a",
        "import os",
        "a = 1",
        "del a",
        "a; b",
        "os.system('echo hi')",
        "np.sin(a)",
        "sin",
        "sum",
        "unknownfunc(a)",
        "(a, b)",
        "[a]",
        "{'k': a}",
        "a\x00",
        "",
        "CANARY.update(ran=True)",
        "exit()",
    ]


def test_malicious_strings_are_rejected_and_never_run(tmp_path, monkeypatch, backend):
    sentinel, bad = _malicious(tmp_path)
    assert len(bad) >= 25

    def trap(*args, **kw):
        CANARY["ran"] = True
        raise AssertionError("evaluate called eval/exec")

    monkeypatch.setattr(builtins, "eval", trap)
    monkeypatch.setattr(builtins, "exec", trap)
    monkeypatch.setattr(builtins, "open", trap)
    a = np.arange(3.0)
    b = np.ones(3)
    env = {"a": a, "b": b, "x": a, "os": None, "np": None, "CANARY": CANARY}
    wrong = []
    for s in bad:
        for how in ("local_dict", "frame", "Expression"):
            try:
                if how == "local_dict":
                    evaluate(s, env)
                elif how == "frame":
                    evaluate(s)
                else:
                    Expression(s)
            except (ValueError, NameError) as e:
                if isinstance(e, NameError) and how != "frame":
                    wrong.append(f"{s[:60]!r} ({how}): NameError, expected ValueError")
            except BaseException as e:  # anything else is a finding
                wrong.append(f"{s[:60]!r} ({how}): {type(e).__name__}: {e}"[:200])
            else:
                wrong.append(f"{s[:60]!r} ({how}): accepted")
    assert not CANARY["ran"]
    assert not (tmp_path / "pwned").exists()
    assert not wrong, "\n".join(wrong)


def test_valid_expressions_never_use_eval(monkeypatch, backend):
    def trap(*args, **kw):
        raise AssertionError("evaluate called eval/exec")
    monkeypatch.setattr(builtins, "eval", trap)
    monkeypatch.setattr(builtins, "exec", trap)
    a = np.arange(1.0, 6.0)
    assert_exact(evaluate("where(a > 2, a ** 2, -a) // 2 + sum_ok", {"a": a, "sum_ok": 1}),
                 np.where(a > 2, a ** 2, -a) // 2 + 1, "trapped eval")
    assert evaluate("sum(a * 2, axis=0)", {"a": a}) == 30.0


@pytest.mark.parametrize("depth", [500, 2000, 4999])
def test_deeply_nested_expression(depth, backend):
    """A long chain under the 10000-character limit: NumPy's answer or ValueError,
    never RecursionError (which escapes the documented error contract)."""
    a = np.ones(4)
    for expr, ref in [("a" + "+a" * depth, np.full(4, depth + 1.0)),
                      ("-" * depth + "a", a * (-1) ** depth)]:
        r, err = outcome(evaluate, expr, {"a": a})
        assert err is None or isinstance(err, ValueError), (
            f"{len(expr)}-character chain of depth {depth}: {type(err).__name__}: {err}")
        if err is None:
            assert_exact(r, ref, f"chain of depth {depth}")


def test_function_names_are_not_shadowed_by_variables(backend):
    sin = np.zeros(3)  # noqa: F841
    a = np.arange(3.0)
    assert_close(evaluate("sin(a)"), np.sin(a), "sin(a)", SINGLE_ULP)
    with pytest.raises(ValueError):
        evaluate("sin + 1")


# ---------------------------------------------------- 7, 8. errors as NumPy's

@pytest.mark.parametrize("expr", ["a + b", "a * c", "sum(a * b)", "sin(a) + b",
                                  "where(a > 0, b, c)", "sum(a + b, axis=0)", "prod(a - b)"])
def test_shapes_that_do_not_broadcast(expr, backend):
    env = {"a": np.ones(3), "b": np.ones(4), "c": np.ones((2, 4))}
    _, ref_err = outcome(numpy_eval, expr, env)
    assert isinstance(ref_err, ValueError), expr
    with pytest.raises(ValueError):
        evaluate(expr, env)


def test_numpys_type_errors_come_back(backend):
    env = {"p": np.ones(3, bool), "f": np.ones(3), "i": np.arange(3), "c": np.ones(3, complex)}
    for expr in ["p - p", "-p", "~f", "f & f", "f ^ i", "i ** -1", "c % f", "floor(c)"]:
        _, ref_err = outcome(numpy_eval, expr, env)
        assert ref_err is not None, expr
        _, err = outcome(evaluate, expr, env)
        assert isinstance(err, type(ref_err)), f"{expr}: NumPy {ref_err!r}, concore {err!r}"


@pytest.mark.parametrize("bad", [None, 1, 1.5, b"a + b", ["a"], ("a",), np.array("a")])
def test_non_str_expression_is_a_type_error(bad):
    with pytest.raises(TypeError):
        evaluate(bad, {"a": np.ones(2)})
    with pytest.raises(TypeError):
        Expression(bad)


def test_bad_n_threads(backend):
    a = np.ones(10)
    for bad in (0, 1.5, "2", True):
        with pytest.raises(ValueError, match="n_threads"):
            evaluate("a + 1", n_threads=bad)
        with pytest.raises(ValueError, match="n_threads"):
            evaluate("sum(a * 2)", n_threads=bad)


# ------------------------------------------------------------ 9. thread safety

def test_concurrent_threads_share_the_program_cache(backend, small_grain):
    """8 Python threads evaluate different expressions over their own arrays at once
    (same strings and dtypes compile to shared cached programs); each gets NumPy's."""
    exprs = ["a * b + 1", "where(a > b, a, b) // 2", "sqrt(abs(a)) - b", "a % 3 + b * b",
             "maximum(a, b) - minimum(a, b)", "sum(a * b)", "-a + b / 7", "hypot(a, b) * 2"]
    concore.expressions._ew._cache.clear()
    barrier = threading.Barrier(8)
    errors = []

    def worker(k):
        rng = np.random.default_rng(k)
        try:
            barrier.wait()
            for it in range(40):
                n = int(rng.integers(1, 3000))
                dt = (np.float64, np.float32, np.int32)[it % 3]
                env = {"a": (rng.standard_normal(n) * 50).astype(dt),
                       "b": (rng.standard_normal(n) * 50).astype(dt)}
                # every thread runs every expression, in its own order
                e = exprs[(k + it) % len(exprs)]
                msg = check_case(e, env, True, n_threads=int(rng.integers(1, 4)))
                if msg:
                    errors.append(f"thread {k}: {msg}")
        except Exception as e:  # reported below
            errors.append(f"thread {k}: {e!r}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, "\n".join(errors[:20])


# ------------------------------------------------- the compiled fast path
# Once the general path has run an expression for some operand types, a call with
# whole small C-contiguous arrays of one shape (and Python scalars) runs that program
# from compiled code. It must give the general path's bits, and NumPy's where exact.

FAST_EXPRS = [
    ("2*a + 3*b - a*b", True), ("where(a > 0.5, a, b)", True), ("a*c + 1", True),
    ("(a < b) & (b > 0)", True), ("-a + abs(b) * 0.25", True), ("a**2 + b**0.5", True),
    ("a**c", False), ("clip(a, -1, c)", True), ("a // 3 + b % 2", True),
    ("a + b + c + a*b + 7", True), ("exp(a) - sin(b)", False),
]


def _general(f, *args, **kw):
    from concore import _config
    with _config.fast_paths(False):
        return outcome(f, *args, **kw)


@pytest.mark.parametrize("dt", ["float64", "float32", "int64", "int32", "bool"])
def test_fast_path_same_bits_as_general_path(dt):
    rng = np.random.default_rng(12)
    n = 0
    for expr, exact in FAST_EXPRS:
        for c in (2.5, 3, True, -0.0, 2**40):
            for size in (1, 7, 300):
                a = (rng.standard_normal(size) * 4).astype(dt)
                b = (rng.standard_normal(size) * 4).astype(dt)
                env = {"a": a, "b": b, "c": c}
                ref, ref_err = _general(evaluate, expr, env)
                e = Expression(expr)
                for r, err in (outcome(evaluate, expr, env), outcome(evaluate, expr, env),
                               outcome(e, env), outcome(e, env),
                               outcome(evaluate, expr, env, n_threads=1)):
                    assert type(err) is type(ref_err), (expr, dt, c, err, ref_err)
                    if err is None:
                        assert bits(r) == bits(ref), (expr, dt, c, size)
                # NumPy's OverflowError needs __import__, which numpy_eval withholds
                np_ref, np_err = outcome(eval, expr, {"__builtins__": builtins},
                                         {**NP_FUNCS, **env})
                assert type(np_err) is type(ref_err), (expr, dt, c, np_err, ref_err)
                if exact and ref_err is None:
                    assert_exact(ref, np_ref, f"{expr} {dt} c={c!r}")
                n += ref_err is None
    assert n > 100


@pytest.mark.parametrize("n", [40_000, 700_001])
def test_block_lengths_same_bits(backend, n):
    """A program of several cheap steps runs in long blocks while its operands fit in
    the cache and in short ones beyond (700k values of four arrays: 22 MB): the
    same bits either way, for any thread count."""
    rng = np.random.default_rng(23)
    a, b, c = (rng.standard_normal(n) for _ in range(3))
    a[::97] = np.nan
    b[1::89] = -0.0
    env = {"a": a, "b": b, "c": c}
    for expr in ("2*a + 3*b - c*a", "(a - b) * (b + c) / (c - a)"):
        ref = numpy_eval(expr, env)
        for nt in (1, 2, 3):
            assert_exact(evaluate(expr, env, n_threads=nt), ref, f"{expr} n={n} nt={nt}")


def test_table_path_above_the_grain(backend, small_grain, monkeypatch):
    """An expression of whole arrays above the grain runs, from its second call with
    those types on, the learned program (its literals included) without the general
    path; out= as in the fast path; the answers NumPy's."""
    from concore import elementwise as ew
    calls = []
    general_path = ew.run_tree
    monkeypatch.setattr(ew, "run_tree", lambda *a, **k: calls.append(1) or general_path(*a, **k))
    rng = np.random.default_rng(19)
    a, b = rng.standard_normal(70), rng.standard_normal(70)
    a32 = a.astype(np.float32)
    for expr in ("2*a + 3.5*b - a*b", "where(a > 0.25, a, -b)", "a*b + 1"):
        for env in ({"a": a, "b": b}, {"a": a32, "b": b}):
            ref = numpy_eval(expr, env)
            for k in range(3):
                del calls[:]
                assert_exact(evaluate(expr, env, n_threads=2), ref, expr)
                assert k == 0 or not calls, (expr, k)   # the first call may learn
                o = np.full(70, np.nan)
                assert evaluate(expr, env, out=o) is o
                assert_exact(o, ref, expr + " out")
                if env["a"].dtype == ref.dtype:
                    x = env["a"].copy()
                    assert evaluate(expr, {"a": x, "b": b}, out=x) is x     # in place
                    assert_exact(x, ref, expr + " in place")
                    buf = np.concatenate([env["a"], [0.0]])
                    evaluate(expr, {"a": buf[:70], "b": b}, out=buf[1:])   # overlap
                    assert_exact(buf[1:], ref, expr + " overlap")


def test_fast_path_out_and_many_operands():
    rng = np.random.default_rng(13)
    a, b = rng.standard_normal(50), rng.standard_normal(50)
    e = Expression("2*a + 3*b - a*b")
    ref = 2 * a + 3 * b - a * b
    for _ in range(3):
        o = np.empty(50)
        assert e(a, b, out=o) is o
        assert_exact(o, ref, "out")
        x = a.copy()
        assert e(x, b, out=x) is x              # out is an operand
        assert_exact(x, ref, "out is a")
        buf = np.concatenate([a, [0.0]])
        e(buf[:50], b, out=buf[1:])              # out only overlaps an operand
        assert_exact(buf[1:], ref, "overlap")
        o32 = np.empty(50, np.float32)           # another type: NumPy's cast
        assert_exact(e(a, b, out=o32), ref.astype(np.float32), "out f32")
    names = "abcdefgh"
    env = {k: rng.standard_normal(9) for k in names}
    expr = " + ".join(f"{k}*{i + 1}" for i, k in enumerate(names))   # 8 operands
    ref = numpy_eval(expr, env)
    for _ in range(3):
        assert_exact(evaluate(expr, env), ref, "8 operands")
