"""sort, argsort, searchsorted and unique against NumPy.

``sort`` must be ``numpy.sort(kind='stable')`` bit for bit (NaN payloads, the sign of
zero and the input order of ties included) and ``argsort`` NumPy's stable argsort
exactly, on both backends, for 1 and several threads, on the shared hard inputs and
on sizes around the radix sort's block boundaries.
"""
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import concore
from concore import _config, sorting as S
from conftest import NATIVE, ctrl_c_latency_ms
from hard_inputs import OTHER_DTYPES, arrays, layouts

THREADS = (1, 3)
BLOCK = 1 << 16          # smallest block of the blocked radix sort
BLOCKED_MIN = 1 << 17    # 1-D runs from this length are sorted by blocks on all threads
SMALL = 32               # rows up to this length: sorted by rank counts


def same_bits(r, e, label=""):
    r, e = np.asarray(r), np.asarray(e)
    assert r.dtype == e.dtype, f"{label}: dtype {r.dtype} != {e.dtype}"
    assert r.shape == e.shape, f"{label}: shape {r.shape} != {e.shape}"
    rb = np.ascontiguousarray(r).view(np.uint8)
    eb = np.ascontiguousarray(e).view(np.uint8)
    if not np.array_equal(rb, eb):
        first = np.flatnonzero(rb != eb)[0] // max(r.itemsize, 1)
        raise AssertionError(f"{label}: bits differ from element {first}: "
                             f"{r.ravel()[first:first + 3]} vs {e.ravel()[first:first + 3]}")


def payload_nans(n, dtype, rng):
    """NaNs with distinct payloads and both signs, mixed with -0.0/0.0 and numbers."""
    dt = np.dtype(dtype)
    ui = np.uint64 if dt.itemsize == 8 else np.uint32
    exp = np.array(0x7FF8000000000000 if dt.itemsize == 8 else 0x7FC00000, dtype=ui)
    sign = np.array(1 << (8 * dt.itemsize - 1), dtype=ui)
    x = rng.standard_normal(n).astype(dt)
    bits = x.view(ui)
    k = rng.integers(0, 6, n)
    pay = rng.integers(1, 1 << 20, n).astype(ui)
    bits[k == 0] = exp | pay[k == 0]
    bits[k == 1] = sign | exp | pay[k == 1]
    x[k == 2] = -0.0
    x[k == 3] = 0.0
    return x


def _cases():
    for label, x in arrays(sizes=(1, 2, 7, 31, 32, 33, 127, 1000, 4097, 40001)):
        for lay, y in layouts(x):
            yield f"{label}/{lay}", y
    for label, x in arrays(dtypes=OTHER_DTYPES, sizes=(1, 33, 1000)):
        yield label, x
    rng = np.random.default_rng(5)
    for dt in ("float64", "float32"):
        for n in (5, 33, 5000):
            yield f"{dt}-payload-nans-{n}", payload_nans(n, dt, rng)
    for dt in ("int16", "uint16", "uint32", "uint64", "int8"):
        info = np.iinfo(dt)
        yield f"{dt}-full", rng.integers(info.min, info.max, 3001, dtype=dt, endpoint=True)
    x = rng.integers(-3, 3, 3000)
    yield "ties", x
    yield "sorted", np.sort(x)
    yield "reversed", np.sort(x)[::-1].copy()
    yield "allequal", np.full(999, 7.5)
    yield "allequal-zeros", np.where(rng.random(999) < 0.5, -0.0, 0.0)
    yield "infs", rng.choice([-np.inf, np.inf, 0.0, -0.0, np.nan, 1.0], 777)


CASES = list(_cases())


def _axes(x):
    return [-1, None] + ([0] if x.ndim >= 2 else [])


@pytest.mark.parametrize("nt", THREADS)
def test_sort_hard_inputs(backend, nt, small_grain):
    for label, x in CASES:
        for axis in _axes(x):
            if x.ndim == 0 and axis is not None:
                with pytest.raises(np.exceptions.AxisError):
                    S.sort(x, axis=axis, n_threads=nt)
                continue
            e = np.sort(x, axis=axis, kind="stable")
            for kind in (None, "quicksort"):
                same_bits(S.sort(x, axis=axis, kind=kind, n_threads=nt), e,
                          f"{label} axis={axis} kind={kind}")


@pytest.mark.parametrize("nt", THREADS)
def test_sort_numpy_path_hard_inputs(backend, nt):
    """With the fast paths on, rows of at most 1024 values (64 to 2**22 / threads in
    all) are sorted by NumPy's own (unstable, SIMD) sort, zeros and NaNs then put back
    in input order:
    still numpy.sort(kind='stable') bit for bit, for 1-D and 2-D inputs, contiguous
    or not (sorted in place: the radix sort then), every dtype."""
    for label, x in CASES:
        for axis in _axes(x):
            if x.ndim == 0 and axis is not None:
                continue
            same_bits(S.sort(x, axis=axis, n_threads=nt), np.sort(x, axis=axis, kind="stable"),
                      f"{label} axis={axis}")
    rng = np.random.default_rng(8)
    for dt in ("float64", "float32"):
        for n in (64, 65, 1000, 100_003):
            x = payload_nans(n, dt, rng)
            x[rng.integers(0, n, n // 7)] = rng.choice([0.0, -0.0], n // 7)
            for y in (x, x[::-1], np.abs(x), -np.abs(x), x[~np.isnan(x)], x[x != 0]):
                same_bits(S.sort(y, n_threads=nt), np.sort(y, kind="stable"), f"{dt}-{n}")
        # many short rows: the rows holding zeros or NaNs put back one by one (a few
        # of them), or the radix sort (many)
        # (from 2**17 values the rows are shared among the threads, NumPy sorting each
        # share at once)
        for rows, width, marked in ((500, 60, 3), (500, 60, 31), (500, 60, 33), (40, 1024, 40),
                                    (300, 300, 0), (2300, 60, 5), (3, 50000, 2)):
            x = rng.standard_normal((rows, width)).astype(dt)
            for r in rng.choice(rows, marked, replace=False):
                x[r] = payload_nans(width, dt, rng)
                x[r, rng.integers(0, width, width // 5)] = rng.choice([0.0, -0.0], width // 5)
            for y in (x, x.T, x[:, ::-1]):
                for axis in (-1, 0):
                    same_bits(S.sort(y, axis=axis, n_threads=nt),
                              np.sort(y, axis=axis, kind="stable"),
                              f"{dt} {rows}x{width} marked {marked} axis {axis}")
    for dt in ("int64", "int32"):
        x = rng.integers(-50, 50, (3500, 40)).astype(dt)
        for y in (x, x.copy(), x[:, ::-1]):
            ref = np.sort(y, kind="stable")
            same_bits(S.sort(y, n_threads=nt), ref, f"{dt} rows")
            z = y.copy()
            z.sort()            # in place (ndarray's own sort) as the reference
            assert np.array_equal(z, ref)


def test_numpy_row_limit_either_way(monkeypatch):
    """Rows longer than 1024 values go to NumPy's sort or the radix sort by a one-off
    measurement (_calibrate): both give numpy.sort(kind='stable')'s bits."""
    if not NATIVE:
        pytest.skip("pure-Python install: no native sort")
    from concore._native import sorting as ns
    assert ns._numpy_row_max() in (ns.NUMPY_ROW_MAX, ns.NUMPY_SORT_MAX)
    rng = np.random.default_rng(41)
    for dt in ("float64", "float32"):
        x = payload_nans(5000, dt, rng)
        x[rng.integers(0, 5000, 700)] = rng.choice([0.0, -0.0], 700)
        rows = np.stack([x, x[::-1], np.abs(x)])
        for limit in (ns.NUMPY_ROW_MAX, ns.NUMPY_SORT_MAX):
            monkeypatch.setattr(ns, "_row_max", [limit])
            for nt in (1, 2):
                same_bits(S.sort(x, n_threads=nt), np.sort(x, kind="stable"), f"{dt} {limit}")
                same_bits(S.sort(rows, n_threads=nt), np.sort(rows, kind="stable"),
                          f"{dt} rows {limit}")
                same_bits(S.sort(rows.T, axis=0, n_threads=nt),
                          np.sort(rows.T, axis=0, kind="stable"), f"{dt} in place {limit}")


@pytest.mark.parametrize("nt", (1, 2, 3))
def test_many_short_rows_numpy_chunks(nt):
    """Over a million values in rows of at most 1024: NumPy's sort in chunks of whole
    rows over the threads, zeros and NaNs of a few rows put back in input order, the
    radix sort where too many rows hold them, in place too: the stable sort's bits."""
    rng = np.random.default_rng(43)
    for n in (3, 40, 1000):
        rows = (1 << 20) // n + 7 * n + 5
        x = rng.standard_normal((rows, n))
        some = x.copy()
        for r in rng.integers(0, rows, 20):    # zeros and NaNs in 20 rows: fixed up
            some[r] = payload_nans(n, np.float64, rng)
        relu = np.maximum(x, 0.0)     # +0.0 in most rows: no fixing
        many = x.copy()
        many[rng.random((rows, n)) < 0.2] = -0.0
        many[rng.random((rows, n)) < 0.2] = 0.0    # both signs in most rows: radix sort
        f32 = some.astype(np.float32)
        ints = rng.integers(-5, 5, (rows, n)).astype(np.int32)
        for label, a in (("plain", x), ("some", some), ("relu", relu), ("many", many),
                         ("f32", f32), ("ints", ints)):
            e = np.sort(a, kind="stable")
            same_bits(S.sort(a, n_threads=nt), e, f"{label} rows of {n}, {nt}t")
            b = np.asfortranarray(a.T)   # axis 0 of a transpose: sorted in place
            same_bits(S.sort(b, axis=0, n_threads=nt), e.T, f"{label} in place {n}")


@pytest.mark.parametrize("nt", THREADS)
def test_argsort_hard_inputs(backend, nt, small_grain):
    for label, x in CASES:
        for axis in _axes(x):
            if x.ndim == 0 and axis is not None:
                continue
            e = np.argsort(x, axis=axis, kind="stable")
            r = S.argsort(x, axis=axis, n_threads=nt)
            same_bits(r, e, f"{label} axis={axis}")
            same_bits(S.argsort(x, axis=axis, stable=True, n_threads=nt), e, label)


@pytest.mark.parametrize("n", [BLOCKED_MIN - 1, BLOCKED_MIN, BLOCKED_MIN + 1,
                               3 * BLOCK + 7, 16 * BLOCK + 3])
@pytest.mark.parametrize("nt", THREADS)
def test_block_boundaries(backend, nt, n):
    """Long runs (the blocked parallel path) of every kind of key."""
    rng = np.random.default_rng(n)
    xs = {
        "f64": payload_nans(n, np.float64, rng),
        "f32": rng.standard_normal(n).astype(np.float32),
        "i64-small": rng.integers(-5, 5, n),                      # most passes skipped
        "i64-full": rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, n),
        "i32": rng.integers(-2**31, 2**31 - 1, n).astype(np.int32),
        "u8": rng.integers(0, 256, n).astype(np.uint8),
        "const": np.full(n, 3, np.int64),                          # every pass skipped
        # even top bits: the MSD path (2048 buckets, each sorted whole by one thread)
        "f64-unif": rng.random(n),
        "f64-1to2-ties": np.round(1 + rng.random(n), 3),
        "f32-unif": rng.random(n, dtype=np.float32),
        # one sign per bucket: sorted by the raw bits (or their complement) as integers
        "f64-neg": np.where(rng.random(n) < 0.01, -np.inf, -rng.random(n) - 1e-300),
        "f32-neg-nan": np.where(rng.random(n) < 0.01, np.float32(np.nan),
                                -rng.random(n, dtype=np.float32) - np.float32(1)),
        # uneven buckets (binades): big ones get a second MSD pass of their own
        "f64-normal-zeros": np.where(rng.random(n) < 0.05, -0.0,
                                     np.round(rng.standard_normal(n), 4)),
        # a tenth of one value: argsort gathers each bucket's keys through its indices
        "f64-tenth-ties": np.where(rng.random(n) < 0.1, 0.25, rng.random(n)),
        # both signs near zero: the top bits split the keys in two halves; the digit is
        # taken from key - smallest key, so they spread over the buckets
        "i64-near-zero": np.round(rng.standard_normal(n) * 1e4).astype(np.int64),
        "i32-near-zero": np.round(rng.standard_normal(n) * 1e4).astype(np.int32),
        # 1023 .. 1023 + 2**21 - 1: the base rounded down to the digit's unit puts the
        # largest key one past the last bucket, so the digit takes one bit more
        "i64-unit-edge": np.concatenate([[1023, 1023 + 2**21 - 1],
                                         rng.integers(1023, 1023 + 2**21, n - 2)]),
        # a fifth of the keys in one narrow cluster: argsort's bucket holding it takes an
        # MSD pass of its own, and the sub-bucket holding it another
        "i64-cluster": np.where(rng.random(n) < 0.2, rng.integers(0, 1000, n),
                                rng.integers(0, 2**40, n)),
        "f64-cluster": np.where(rng.random(n) < 0.2, 1.0 + 1e-12 * rng.integers(0, 999, n),
                                rng.uniform(0.5, 1e6, n)),
        # most keys 0, the rest spread: one bucket over a third of the run (LSD passes)
        "i64-nested": np.where(rng.random(n) < 0.7, 0,
                               np.left_shift(1, 10 * rng.integers(0, 7, n))
                               + rng.integers(0, 3, n)),
        # narrow keys: argsort counts them in one pass
        "i16": rng.integers(-300, 300, n).astype(np.int16),
        "u16-full": rng.integers(0, 2**16, n).astype(np.uint16),
        "i8": rng.integers(-128, 128, n).astype(np.int8),
        "bool": rng.random(n) < 0.3,
        # one bucket with most keys: argsort's index-only LSD passes (int32 scratch)
        "i32-skewed": np.where(rng.random(n) < 0.9, 7, rng.integers(-2**31, 2**31 - 1, n)
                               ).astype(np.int32),
    }
    if n > 10 * BLOCK:
        xs = {k: xs[k] for k in ("f64", "i64-small", "f64-unif", "f64-neg",
                                 "f64-normal-zeros", "f64-tenth-ties", "i64-near-zero",
                                 "i64-unit-edge", "i64-cluster", "f64-cluster",
                                 "i64-nested")}
    for label, x in xs.items():
        e = np.sort(x, kind="stable")
        for fast in (True, False):  # NumPy's sort below 2**22 / threads values; the radix sort
            with _config.fast_paths(fast):
                same_bits(S.sort(x, n_threads=nt), e, f"{label} fast={fast}")
        same_bits(S.argsort(x, n_threads=nt), np.argsort(x, kind="stable"), label)
        y = x.copy()
        same_bits(S.sort(y[::-1], n_threads=nt), np.sort(y[::-1], kind="stable"), label)


@pytest.mark.parametrize("nt", THREADS)
def test_argsort_short_rows(backend, nt, small_grain):
    """Rows around the short-row paths of sort and argsort: ranks counted (up to 24),
    insertion sort (up to 32), runs of 16 merged (up to 64, and up to 128 where the keys
    differ in more than one radix digit), radix passes beyond: NumPy's stable sort and
    argsort on every kind of key."""
    rng = np.random.default_rng(47)
    for n in (1, 2, 5, 10, 16, 17, 23, 24, 25, 31, 32, 33, 40, 48, 63, 64, 65, 100, 127,
              128, 129, 200):
        rows = 700 if n < 100 else 120
        xs = {
            "f64": payload_nans(rows * n, np.float64, rng).reshape(rows, n),
            "f64-zeros-ties": np.where(rng.random((rows, n)) < 0.3, -0.0,
                                       np.round(rng.standard_normal((rows, n)), 1)),
            "f32-inf": np.where(rng.random((rows, n)) < 0.1, np.float32(-np.inf),
                                rng.standard_normal((rows, n)).astype(np.float32)),
            "i64-small": rng.integers(-3, 3, (rows, n)),          # one digit: radix above 64
            "i64-full": rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max,
                                     (rows, n)),
            "i32": rng.integers(-1000, 1000, (rows, n)).astype(np.int32),
            "u8": rng.integers(0, 256, (rows, n)).astype(np.uint8),
            "bool": rng.random((rows, n)) < 0.5,
            "sorted": np.sort(rng.standard_normal((rows, n)), axis=1),
            "reversed": -np.sort(rng.standard_normal((rows, n)), axis=1),
        }
        for label, x in xs.items():
            same_bits(S.argsort(x, n_threads=nt), np.argsort(x, kind="stable"),
                      f"{label} rows of {n}")
            same_bits(S.sort(x, n_threads=nt), np.sort(x, kind="stable"),
                      f"{label} sort rows of {n}")
            same_bits(S.argsort(x.T, axis=0, n_threads=nt),
                      np.argsort(x.T, axis=0, kind="stable"), f"{label} axis 0, {n}")


@pytest.mark.parametrize("nt", THREADS)
def test_many_rows(backend, nt, small_grain):
    rng = np.random.default_rng(3)
    # 3000 rows of 40: several tasks of rows (32768 elements each) on the threads
    x = payload_nans(3000 * 40, np.float64, rng).reshape(3000, 40)
    for axis in (0, 1, None):
        same_bits(S.sort(x, axis=axis, n_threads=nt), np.sort(x, axis=axis, kind="stable"))
        same_bits(S.argsort(x, axis=axis, n_threads=nt),
                  np.argsort(x, axis=axis, kind="stable"))
    y = rng.integers(0, 4, (3, BLOCKED_MIN + 5)).astype(np.int32)  # few long rows
    same_bits(S.sort(y, n_threads=nt), np.sort(y, kind="stable"))
    same_bits(S.argsort(y, n_threads=nt), np.argsort(y, kind="stable"))


def test_same_bits_for_any_thread_count(backend):
    rng = np.random.default_rng(11)
    x = payload_nans(BLOCKED_MIN * 2 + 3, np.float64, rng)
    ref = S.sort(x, n_threads=1)
    with _config.fast_paths(False):  # the radix sort on every count
        for nt in (1, 2, 3, 4):
            same_bits(S.sort(x, n_threads=nt), ref)


def test_errors_and_fallbacks(backend):
    x = np.arange(10.0)
    for f in (S.sort, S.argsort):
        for bad in ({"axis": 2}, {"axis": 1.5}, {"kind": "bogus"},
                    {"kind": "stable", "stable": True}, {"order": "x"}):
            with pytest.raises(Exception) as ours:
                f(x, **bad)
            with pytest.raises(Exception) as theirs:
                getattr(np, f.__name__)(x, **bad)
            assert ours.type is theirs.type, bad
        with pytest.raises(ValueError):
            f(x, n_threads=0)
    rec = np.array([(2, 1.0), (1, 2.0)], dtype=[("a", "i4"), ("b", "f8")])
    assert np.array_equal(S.sort(rec, order="a"), np.sort(rec, order="a"))
    assert np.array_equal(S.argsort(rec, order="b"), np.argsort(rec, order="b"))
    m = np.ma.array([3, 1, 2], mask=[0, 1, 0])
    assert type(S.sort(m)) is np.ma.MaskedArray
    assert S.sort([3, 1, 2]).tolist() == [1, 2, 3]
    assert S.sort(np.array(5.0), axis=None).tolist() == [5.0]
    c = np.array([3 + 1j, 1 - 1j])
    same_bits(S.sort(c), np.sort(c))
    buf = bytearray(b"\0" + np.random.default_rng(0).standard_normal(100).tobytes())
    mis = np.frombuffer(buf, np.float64, offset=1)       # misaligned: NumPy's answer
    assert not mis.flags.aligned
    same_bits(S.sort(mis), np.sort(mis, kind="stable"))
    same_bits(S.argsort(mis), np.argsort(mis, kind="stable"))
    e = np.empty((0, 3))
    same_bits(S.sort(e, axis=0), np.sort(e, axis=0))
    same_bits(S.argsort(e), np.argsort(e))


# ------------------------------------------------------------------ hypothesis

_dtypes = st.sampled_from(["float64", "float32", "int64", "int32", "uint8", "int8", "bool"])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_properties(data):
    dt = data.draw(_dtypes)
    x = data.draw(hnp.arrays(dt, st.integers(0, 300),
                             elements=None if dt != "float64" else
                             st.sampled_from([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan])))
    nt = data.draw(st.sampled_from(THREADS))
    be = data.draw(st.sampled_from(["native", "python"]))
    from conftest import BACKENDS
    if be not in BACKENDS:
        be = "python"
    with concore.use_backend(be):
        s = S.sort(x, n_threads=nt)
        i = S.argsort(x, n_threads=nt)
    # a permutation that sorts, stable: equal keys in increasing index order
    assert sorted(i.tolist()) == list(range(x.size))
    same_bits(x[i], s)
    same_bits(s, np.sort(x, kind="stable"))
    if x.size > 1:
        k = np.argsort(np.argsort(x, kind="stable"), kind="stable")  # ranks
        assert np.all(np.diff(k[i]) > 0)
        if x.dtype.kind == "f":
            fin = s[~np.isnan(s)]
            assert np.all(fin[:-1] <= fin[1:])
            assert not np.isnan(s[:fin.size]).any()          # NaNs last
        else:
            assert np.all(s[:-1] <= s[1:])
        with np.errstate(invalid="ignore"):
            eq = np.diff(s.astype(np.float64)) == 0
        assert np.all(np.diff(i)[eq] > 0)                    # ties in input order


# --------------------------------------------------------------- searchsorted

@pytest.mark.parametrize("nt", THREADS)
def test_searchsorted(backend, nt, small_grain):
    rng = np.random.default_rng(7)
    for dt in ("float64", "float32", "int64", "int32", "uint8", "int8", "uint64"):
        if np.dtype(dt).kind == "f":
            a = np.sort(payload_nans(5000, dt, rng))
            a[:10] = -np.inf
            v = np.concatenate([payload_nans(3000, dt, rng),
                                np.array([np.inf, -np.inf, np.nan, -0.0, 0.0], dt)])
        else:
            a = np.sort(rng.integers(0, 100, 5000).astype(dt))
            v = rng.integers(0, 110, 3000).astype(dt)
        for side in ("left", "right"):
            same_bits(S.searchsorted(a, v, side, n_threads=nt), np.searchsorted(a, v, side),
                      f"{dt} {side}")
            same_bits(S.searchsorted(a[:1], v, side, n_threads=nt),
                      np.searchsorted(a[:1], v, side))
            same_bits(S.searchsorted(a, v.reshape(-1, 1)[::2], side, n_threads=nt),
                      np.searchsorted(a, v.reshape(-1, 1)[::2], side))
    a = np.arange(10.0)
    r = S.searchsorted(a, 3.5)
    assert r == 4 and type(r) is type(np.searchsorted(a, 3.5))
    assert S.searchsorted(a, np.float64(3.0), "right") == 4
    same_bits(S.searchsorted(a, [1, 2]), np.searchsorted(a, [1, 2]))        # int -> NumPy
    same_bits(S.searchsorted(a, 2.0, sorter=np.arange(10)),
              np.searchsorted(a, 2.0, sorter=np.arange(10)))
    same_bits(S.searchsorted(a[::2], [2.0, 3.0]), np.searchsorted(a[::2], [2.0, 3.0]))
    same_bits(S.searchsorted(np.empty(0), [1.0]), np.searchsorted(np.empty(0), [1.0]))
    same_bits(S.searchsorted(a, np.empty(0)), np.searchsorted(a, np.empty(0)))
    for bad in ({"side": "middle"}, {"side": 1}):
        with pytest.raises(Exception) as ours:
            S.searchsorted(a, 1.0, **bad)
        with pytest.raises(Exception) as theirs:
            np.searchsorted(a, 1.0, **bad)
        assert ours.type is theirs.type


# --------------------------------------------------------------------- unique

def _same_unique(r, e, label=""):
    if isinstance(e, tuple):
        assert isinstance(r, tuple) and len(r) == len(e), label
        for a, b in zip(r, e):
            assert a.dtype == b.dtype, label
            np.testing.assert_array_equal(a, b, err_msg=label)
    else:
        assert r.dtype == e.dtype, label
        np.testing.assert_array_equal(r, e, err_msg=label)


@pytest.mark.parametrize("nt", THREADS)
def test_unique(backend, nt, small_grain):
    rng = np.random.default_rng(9)
    ins = {
        "ints": rng.integers(-50, 50, 100_000),
        "i32": rng.integers(0, 7, 3333).astype(np.int32),
        "u8": rng.integers(0, 256, 5000).astype(np.uint8),
        "bool": rng.random(300) < 0.3,
        "f64-nans": payload_nans(20_000, np.float64, rng).round(1),
        "f32-nans": payload_nans(999, np.float32, rng),
        "allnan": np.full(50, np.nan),
        "one": np.array([4.0]),
        "2d": rng.integers(0, 9, (30, 40)),
        # sorted, a run starts exactly at the second block of 2**16 (unique's inverse)
        "edge": rng.permutation(np.repeat([5, -1, 7], [1000, 64536, 70000])),
    }
    for label, x in ins.items():
        for en in (True, False):
            for rc in (False, True):
                r = S.unique(x, return_counts=rc, equal_nan=en, n_threads=nt)
                e = np.unique(x, return_counts=rc, equal_nan=en)
                _same_unique(r, e, f"{label} equal_nan={en} counts={rc}")
    z = np.array([0.0, -0.0, 1.0, -0.0])
    assert np.signbit(S.unique(z)[0]) == np.signbit(z[0])   # first in input order
    # first indices and the inverse: NumPy's arrays; values bit for bit as NumPy's with
    # return_index (a stable sort: the first zero, the first NaN's payload)
    for label, x in ins.items():
        for en in (True, False):
            for ri, rv, rc in ((1, 0, 0), (0, 1, 0), (1, 1, 1), (0, 1, 1), (1, 0, 1)):
                r = S.unique(x, return_index=ri, return_inverse=rv, return_counts=rc,
                             equal_nan=en, n_threads=nt)
                e = np.unique(x, return_index=True, return_inverse=rv, return_counts=rc,
                              equal_nan=en)
                e = (e[0],) + ((e[1],) if ri else ()) + e[2:]
                lab = f"{label} equal_nan={en} index={ri} inverse={rv} counts={rc}"
                assert isinstance(r, tuple) and len(r) == len(e), lab
                for a, b in zip(r, e):
                    same_bits(a, b, lab)
    _same_unique(S.unique(ins["2d"], axis=0), np.unique(ins["2d"], axis=0))
    _same_unique(S.unique(np.array(3)), np.unique(np.array(3)))
    _same_unique(S.unique(np.empty(0)), np.unique(np.empty(0)))
    _same_unique(S.unique([3, 1, 3]), np.unique([3, 1, 3]))


@pytest.mark.parametrize("nt", THREADS)
def test_unique_index_inverse_hard_inputs(backend, nt, small_grain):
    """return_index / return_inverse / return_counts on the shared hard inputs: NumPy's
    arrays bit for bit (values as NumPy's stable path keeps them: the first zero, the
    first NaN's payload) at every thread count."""
    for label, x in CASES:
        e = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
        r = S.unique(x, return_index=True, return_inverse=True, return_counts=True,
                     n_threads=nt)
        assert isinstance(r, tuple) and len(r) == 4, label
        for a, b in zip(r, e):
            same_bits(a, b, label)


# ---------------------------------------------------------------------- Ctrl-C

@pytest.mark.skipif(not NATIVE or sys.platform == "win32", reason="needs native + POSIX signals")
@pytest.mark.parametrize("nt", [1, 2])
@pytest.mark.parametrize("fn, data", [
    ("sort", "integers(-2**62, 2**62, 6 * 10**7)"),
    ("argsort", "standard_normal(3 * 10**7)"),     # the index-only passes (uneven buckets)
    ("sort", "standard_normal((4 * 10**5, 100))"),  # short rows: NumPy's sort in chunks
])
def test_ctrl_c_interrupts_long_sort(nt, fn, data):
    """SIGINT during a long sort raises KeyboardInterrupt promptly (native backend)."""
    latency = ctrl_c_latency_ms(f"""
        import numpy as np
        from concore import sorting
        x = np.random.default_rng(0).{data}
    """, f"""
        for _ in range(20):
            sorting.{fn}(x, n_threads={nt})
    """, delay=0.3)
    assert latency < 1000
