"""Scans (cumsum, cumprod, nancumsum, nancumprod) and diff against NumPy.

Below the grain and along axes with elements after them the results are NumPy's
bits; long runs take the blocked path, which is checked against an exact reference
within the documented bound, and bitwise across thread counts and backends.
"""
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import concore
from concore import _config
from concore import scans as S
from conftest import BACKENDS, NATIVE, ctrl_c_latency_ms
from hard_inputs import arrays, layouts

SCANS = ("cumsum", "cumprod", "nancumsum", "nancumprod")
BLOCK, SUB = 4160, 520  # the blocked structure (concore._native.scans)


# ------------------------------------------------------------------ helpers

def assert_same(r, e, label=""):
    """Same dtype, shape and values, NaN where NaN and the same sign of every zero."""
    r, e = np.asarray(r), np.asarray(e)
    assert r.dtype == e.dtype, f"{label}: dtype {r.dtype} != {e.dtype}"
    assert r.shape == e.shape, f"{label}: shape {r.shape} != {e.shape}"
    if r.dtype.kind == "f":
        ok = (r == e) & (np.signbit(r) == np.signbit(e)) | (np.isnan(r) & np.isnan(e))
        assert ok.all(), f"{label}: {np.count_nonzero(~ok)} elements differ, first at " \
                         f"{np.argwhere(~ok)[0]}: {r[~ok][:3]} vs {e[~ok][:3]}"
    else:
        np.testing.assert_array_equal(r, e, err_msg=label)


def bits(r):
    r = np.asarray(r)
    return r.dtype, r.shape, np.ascontiguousarray(r).tobytes()


def is_blocked(a, axis, name="cumsum"):
    """True when concore scans (a, axis) by the blocked definition."""
    if name.endswith("prod") and a.dtype.kind == "f":
        return False  # float products are always NumPy's loop
    if axis is None:
        return a.size >= _config.GRAIN
    ax = axis % a.ndim
    return int(np.prod(a.shape[ax + 1:])) == 1 and a.shape[ax] >= _config.GRAIN


_EXACT = {}


def exact_cumsum(x):
    """The exact prefix sums of a float array, correctly rounded to float64."""
    x = np.asarray(x, dtype=np.float64)
    key = x.tobytes()
    if key not in _EXACT:
        _EXACT.clear()
        _EXACT[key] = _exact_cumsum(x)
    return _EXACT[key]


def _exact_cumsum(x):
    scale = 1 << 1074
    total = 0
    out = np.empty(x.size)
    for i, v in enumerate(x.tolist()):
        n, d = v.as_integer_ratio()
        total += n * (scale // d)
        out[i] = total / scale
    return out


def check_blocked_sum(r, x, label, eps):
    """|r - exact| within (i // BLOCK + 8 + SUB + 2) * eps * sum(|x[:i+1]|), per position."""
    x = np.asarray(x, dtype=np.float64)
    ref = exact_cumsum(x)
    i = np.arange(x.size)
    scale = np.cumsum(np.abs(x)) * (1 + 1e-9) + np.finfo(np.float64).tiny
    bound = (i // BLOCK + 8 + SUB + 2) * eps * scale
    err = np.abs(np.asarray(r, dtype=np.float64) - ref)
    bad = err > bound
    assert not bad.any(), f"{label}: error {err[bad][:3]} > bound {bound[bad][:3]}"


def numpy_scan(name, a, **kw):
    return getattr(np, name)(a, **kw)


def cases(sizes=None, dtypes=None):
    """(label, array, axis) over the hard inputs, their layouts and every axis."""
    kw = {}
    if sizes is not None:
        kw["sizes"] = sizes
    if dtypes is not None:
        kw["dtypes"] = dtypes
    for label, x in arrays(**kw):
        for lay, a in layouts(x):
            if lay == "byteswapped":
                continue  # covered by test_fallbacks_to_numpy
            axes = [None] + list(range(-a.ndim, a.ndim))
            for axis in axes:
                yield f"{label}/{lay}/axis={axis}", a, axis


# -------------------------------------------------------------- the oracle

def _check_case(name, r, a, axis, label, exact_limit=10**9):
    e = numpy_scan(name, a, axis=axis)
    if r.dtype.kind != "f" or not is_blocked(a, axis, name):
        assert_same(r, e, label)
        return r
    # Blocked float sum: not NumPy's last bit. Specials must land where NumPy's do.
    assert r.dtype == e.dtype and r.shape == e.shape, label
    x = np.ravel(a) if axis is None else a
    if "huge" in label:
        return r  # partial sums may overflow at other places than NumPy's loop
    if name.endswith("cumsum"):
        assert np.array_equal(np.isnan(r), np.isnan(e)), label
        assert np.array_equal(np.isinf(r), np.isinf(e)), label
        if x.size > exact_limit:
            return r
        if x.ndim == 1 and np.isfinite(x).all() or (name == "nancumsum" and x.ndim == 1
                                                    and not np.isinf(x).any()):
            xv = np.where(np.isnan(x), 0, x) if name == "nancumsum" else x
            check_blocked_sum(r, xv, label, np.finfo(r.dtype).eps)
    return r


@pytest.mark.parametrize("name", SCANS)
def test_matches_numpy(name, backend):
    """Every hard input, layout and axis at the default grain: NumPy's bits except
    along long runs, which are within the bound of an exact reference."""
    for label, a, axis in cases():
        _check_case(name, getattr(S, name)(a, axis=axis), a, axis, f"{name}/{backend}/{label}")


@pytest.mark.parametrize("n_threads", [1, 3])
@pytest.mark.parametrize("name", SCANS)
def test_parallel_paths_deterministic(name, n_threads, small_grain):
    """With a grain of 16 every path is parallel: integers and inner-axis scans stay
    NumPy's bits; blocked float scans are the same bits on both backends and for
    every thread count, and within the bound."""
    sizes = (7, 9, 129, 521, 1041, 4161, 8321, 40001)
    for label, a, axis in cases(sizes=sizes):
        with concore.use_backend("python"):
            ref = getattr(S, name)(a, axis=axis)
        for be in BACKENDS:
            with concore.use_backend(be), concore.threads(n_threads):
                r = getattr(S, name)(a, axis=axis)
            lab = f"{name}/{be}/{n_threads}t/{label}"
            assert bits(r) == bits(ref), f"{lab}: differs from the Python backend"
        # (the exact reference of the longest runs is checked at the default grain)
        _check_case(name, ref, a, axis, f"{name}/{n_threads}t/{label}", exact_limit=9000)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cumsum_blocked_accuracy(dtype, backend):
    """A long run with heavy cancellation: within the documented bound of the exact
    prefix sums for any thread count (NumPy's loop needs a bound n times larger)."""
    rng = np.random.default_rng(7)
    n = 3 * BLOCK * 8 + 1234
    y = rng.standard_normal(n) * 10.0 ** rng.integers(-4, 5, n)
    y[1::2] = -y[0::2][: y[1::2].size] * (1 + 1e-6)  # heavy cancellation
    x = y.astype(dtype)
    r1 = S.cumsum(x, n_threads=1)
    for nt in (2, 3):
        assert bits(S.cumsum(x, n_threads=nt)) == bits(r1)
    check_blocked_sum(r1, x, f"cumsum {dtype}", np.finfo(dtype).eps)


@pytest.mark.parametrize("name", ["cumsum", "nancumsum", "cumprod"])
def test_runs_of_many_units(name):
    """Runs long enough for the threads to hand running totals on to each other
    (units of 63 blocks, the last one partial), also strided, reversed and several
    runs side by side: the same bits for 1 to 5 threads as the Python backend."""
    rng = np.random.default_rng(11)
    n = 2 * 63 * BLOCK + 5 * BLOCK + 77
    f = rng.standard_normal(n)
    f[rng.integers(0, n, 50)] = np.nan
    cases = {
        "f64": f,
        "f32 strided": f.astype(np.float32)[::-1],
        "i32": rng.integers(-1000, 1000, n, dtype=np.int32),
        "i64 wraps": rng.integers(-2**62, 2**62, n, dtype=np.int64),
        "rows": rng.standard_normal((3, n // 3 + 5)),
        "every other": f[::2],
    }
    if name == "cumprod":  # float products are sequential: integers are blocked;
        odd = rng.choice(np.array([-1, 1, 1, 3]), n)  # odd products never wrap to 0
        cases = {"i64 odd": odd, "i32 odd": odd.astype(np.int32)[::-1],
                 "i64 rows": odd[: 3 * (n // 3)].reshape(3, -1)}
    for label, a in cases.items():
        with concore.use_backend("python"):
            ref = getattr(S, name)(a, axis=-1)
        if a.dtype.kind == "i":
            np.testing.assert_array_equal(ref, getattr(np, name)(a, axis=-1), err_msg=label)
        for be in BACKENDS:
            for nt in (1, 2, 3, 5):
                with concore.use_backend(be):
                    r = getattr(S, name)(a, axis=-1, n_threads=nt)
                assert bits(r) == bits(ref), f"{name}/{be}/{nt}t/{label}"
    if name == "cumsum":
        g = np.nan_to_num(f)
        check_blocked_sum(S.cumsum(g), g, "cumsum over many units", np.finfo(g.dtype).eps)


def test_long_products(backend, n_threads):
    """Float products are NumPy's loop at any length (overflow then underflow gives
    NumPy's inf/0, never NaN); integer products wrap exactly on the blocked path."""
    rng = np.random.default_rng(8)
    x = np.concatenate([np.full(5000, 1e10), np.full(50000, 1e-10), rng.random(5000)])
    for name in ("cumprod", "nancumprod"):
        assert_same(getattr(S, name)(x, n_threads=n_threads), getattr(np, name)(x))
    i = rng.integers(-7, 8, 70001)
    assert_same(S.cumprod(i, n_threads=n_threads), np.cumprod(i))


def test_negative_zero_and_first_element(backend, small_grain):
    """out[0] is x[0] itself (-0.0 stays -0.0), on every path."""
    for n in (1, 5, 20, BLOCK + 3):
        x = np.full(n, -0.0)
        for name in ("cumsum", "nancumsum"):
            for nt in (1, 2):
                assert_same(getattr(S, name)(x, n_threads=nt), getattr(np, name)(x))
        x = np.full(n, np.nan)
        assert_same(S.nancumsum(x), np.nancumsum(x))
        assert_same(S.nancumprod(x), np.nancumprod(x))


def test_strided_reversed_and_3d_layouts(backend, n_threads, small_grain):
    rng = np.random.default_rng(3)
    base = rng.standard_normal((6, 50, 70))
    views = {
        "c": base, "F": np.asfortranarray(base), "rev": base[::-1, ::-2, ::-1],
        "T": base.transpose(2, 0, 1), "sub": base[1:5, 3:40:3, ::7],
    }
    ints = (base * 1000).astype(np.int32)
    for lab, a in list(views.items()) + [("int", ints), ("intF", np.asfortranarray(ints))]:
        with concore.use_backend("python"):
            refs = {ax: S.cumsum(a, axis=ax) for ax in (None, 0, 1, 2)}
        for ax in (None, 0, 1, 2):
            r = S.cumsum(a, axis=ax, n_threads=n_threads)
            assert bits(r) == bits(refs[ax]), (lab, ax)
            if not is_blocked(a, ax) or r.dtype.kind != "f":
                assert_same(r, np.cumsum(a, axis=ax), f"{lab} axis={ax}")
            else:
                np.testing.assert_allclose(r, np.cumsum(a, axis=ax), rtol=1e-9, atol=1e-9)
            # NumPy keeps the input's memory order
            assert r.flags.f_contiguous == np.cumsum(a, axis=ax).flags.f_contiguous


# ------------------------------------------------------------ out / dtype / fallbacks

def test_out_dtype_and_in_place(backend):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(50000)
    out = np.empty_like(x)
    r = S.cumsum(x, out=out)
    assert r is out
    assert_same(out, S.cumsum(x))
    y = x.copy()
    assert S.cumsum(y, out=y) is y  # in place
    assert_same(y, S.cumsum(x))
    y = x.copy()
    S.cumsum(y[:-1], out=y[1:])  # overlapping, shifted: scanned aside first
    assert_same(y[1:], S.cumsum(x[:-1]))
    assert S.cumsum(x, dtype=np.float64).dtype == np.float64
    # another dtype or out type: NumPy's own result
    assert_same(S.cumsum(x[:100], dtype=np.float32), np.cumsum(x[:100], dtype=np.float32))
    o32 = np.empty(100, np.float32)
    assert S.cumsum(x[:100], out=o32) is o32
    assert_same(o32, np.cumsum(x[:100], out=np.empty(100, np.float32)))
    i = np.arange(10, dtype=np.int32)
    assert_same(S.cumsum(i), np.cumsum(i))
    assert_same(S.cumsum(i.astype(np.uint8)), np.cumsum(i.astype(np.uint8)))  # uint64
    o = np.empty(10, np.uint64)
    assert S.cumprod(i.astype(np.uint8) + 1, out=o) is o
    assert_same(o, np.cumprod(i.astype(np.uint8) + 1))
    m = rng.standard_normal((4, 5))
    o = np.empty(20)
    assert S.cumsum(m, out=o) is o
    assert_same(o, np.cumsum(m))


def test_integer_wraparound_and_bool(backend, small_grain):
    rng = np.random.default_rng(5)
    x = rng.integers(-(2**62), 2**62, 30000, dtype=np.int64)
    for name in SCANS:
        for nt in (1, 2):
            assert_same(getattr(S, name)(x, n_threads=nt), getattr(np, name)(x), name)
    b = rng.random(30000) < 0.5
    for name in SCANS:
        assert_same(getattr(S, name)(b), getattr(np, name)(b), name)
        assert_same(getattr(S, name)(b.reshape(100, -1), axis=0),
                    getattr(np, name)(b.reshape(100, -1), axis=0), name)


def test_fallbacks_to_numpy(backend):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(1000)
    for name in SCANS:
        f, g = getattr(S, name), getattr(np, name)
        for a in (x.astype(np.float16), (x * 10).astype(np.int8), x.astype(">f8"),
                  np.frombuffer(b"\0" + x.tobytes(), np.float64, 999, 1),  # misaligned
                  (x * 10).astype(np.uint64), x.astype(np.complex128), [1, 2, 3],
                  np.float64(2.5), np.array(3), np.empty((0, 3)), x[:0]):
            assert_same(f(a), g(a), f"{name} {getattr(a, 'dtype', type(a))}")
        assert_same(f(np.empty((0, 3)), axis=0), g(np.empty((0, 3)), axis=0))
        assert_same(f(np.array(2.0), axis=0), g(np.array(2.0), axis=0))
        m = np.ma.masked_array(x, x > 1)
        r = f(m)
        assert type(r) is type(g(m))
        assert_same(np.asarray(r), np.asarray(g(m)))


def test_errors_match_numpy(backend):
    x = np.arange(12.0).reshape(3, 4)
    for name in SCANS:
        f, g = getattr(S, name), getattr(np, name)
        for a, kw in ((x, {"axis": 2}), (x, {"axis": -3}), (x, {"axis": 1.5}),
                      (x, {"axis": (0, 1)}), (x, {"dtype": "nope"}),
                      (x, {"out": np.empty(3)})):
            with pytest.raises(Exception) as exp:
                g(a, **kw)
            with pytest.raises(exp.type):
                f(a, **kw)
        for bad in (0, 1.5, "2", True):
            with pytest.raises(ValueError):
                f(x, n_threads=bad)
        with pytest.raises(ValueError):
            f(np.float16(x), n_threads=0)  # validated on the NumPy path too
        ro = np.empty(12)
        ro.flags.writeable = False
        with pytest.raises(ValueError):
            f(x, out=ro)


# ---------------------------------------------------------------------- diff

def test_diff_matches_numpy(backend, small_grain):
    for label, x in arrays(sizes=(1, 2, 9, 129, 4097)):
        for lay, a in layouts(x):
            if a.ndim == 0:
                continue
            for axis in range(-a.ndim, a.ndim):
                for n in (0, 1, 2, 3):
                    r = S.diff(a, n=n, axis=axis, n_threads=2)
                    assert_same(r, np.diff(a, n=n, axis=axis), f"{label}/{lay}/{axis}/{n}")
    a = np.arange(12.0).reshape(3, 4) ** 2
    assert S.diff(a, n=0) is a
    for kw in ({"prepend": 0}, {"append": -1.5}, {"prepend": 0, "append": [[1], [2], [3]]},
               {"axis": 0, "prepend": a[:1]}, {"n": 2, "axis": 0, "append": 7}):
        assert_same(S.diff(a, **kw), np.diff(a, **kw), str(kw))
    b = np.array([True, False, False, True])
    assert_same(S.diff(b), np.diff(b))
    u = np.array([0, 5, 3, 255], np.uint8)
    assert_same(S.diff(u, n=2), np.diff(u, n=2))
    assert_same(S.diff([1, 4, 9]), np.diff([1, 4, 9]))
    m = np.ma.masked_array(a, a > 50)
    assert type(S.diff(m)) is type(np.diff(m))


def test_diff_errors(backend):
    a = np.arange(5.0)
    with pytest.raises(ValueError, match="order must be non-negative"):
        S.diff(a, n=-1)
    with pytest.raises(ValueError):
        S.diff(np.array(1.0))
    with pytest.raises(np.exceptions.AxisError):
        S.diff(a, axis=1)
    with pytest.raises(TypeError):
        S.diff(a, n=1.5)
    with pytest.raises(ValueError):
        S.diff(a, n_threads=0)


# ------------------------------------------------------------ properties

@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 3000),
                  elements=st.floats(-1e6, 1e6) | st.just(np.nan)),
       st.integers(1, 2000), st.sampled_from(SCANS), st.integers(1, 3))
def test_property_backends_agree(x, grain, name, nt):
    old = _config.GRAIN
    _config.GRAIN = grain
    try:
        with concore.use_backend("python"):
            ref = getattr(S, name)(x)
        for be in BACKENDS:
            with concore.use_backend(be):
                assert bits(getattr(S, name)(x, n_threads=nt)) == bits(ref)
        if x.size < grain:
            assert_same(ref, getattr(np, name)(x))
    finally:
        _config.GRAIN = old


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, st.integers(1, 5000)), st.integers(1, 3))
def test_property_diff_inverts_cumsum(x, nt):
    old = _config.GRAIN
    _config.GRAIN = 16
    try:
        c = S.cumsum(x, n_threads=nt)
        assert_same(S.diff(c), x[1:])
        assert_same(c, np.cumsum(x))
    finally:
        _config.GRAIN = old


# ----------------------------------------------------------------- Ctrl-C

@pytest.mark.skipif(not NATIVE or sys.platform == "win32", reason="needs native + POSIX signals")
@pytest.mark.parametrize("n_threads", [1, 2])
def test_ctrl_c_interrupts_long_scan(n_threads):
    latency = ctrl_c_latency_ms("""
        import numpy as np
        from concore import scans
        # 10**9 outputs (8 GB reserved, only the pages written before the stop are used)
        big = np.broadcast_to(np.float64(1.0), (10**9,))
        out = np.empty(10**9)
    """, f"scans.cumsum(big, out=out, n_threads={n_threads})", delay=0.5, timeout=60)
    assert latency < 1000


@pytest.mark.parametrize("n", [1, 10, S.SMALL_SCAN - 1, S.SMALL_SCAN, S.SMALL_SCAN + 1])
def test_small_scans_numpy_lane_same_bits(backend, n):
    """Short 1-D scans call NumPy itself; the kernels (fast paths off) give the same bits."""
    rng = np.random.default_rng(n)
    for x in (rng.standard_normal(n), rng.standard_normal(n).astype(np.float32),
              rng.integers(-9, 9, n), rng.integers(0, 255, n).astype(np.uint8),
              rng.random(n) < 0.5, rng.standard_normal((1, n))):
        for f, ref in ((S.cumsum, np.cumsum), (S.cumprod, np.cumprod)):
            fast = f(x)
            with _config.fast_paths(False):
                slow = f(x)
            want = ref(x)
            assert fast.dtype == slow.dtype == want.dtype
            assert fast.tobytes() == slow.tobytes() == want.tobytes(), (f.__name__, x.dtype)
