"""Property tests (hypothesis): NumPy's bits, thread-count determinism, index laws."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import concore
from concore import _config

FLOATS = st.sampled_from([np.float64, np.float32])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=40)


def float_arrays(dtype):
    elems = st.floats(width=np.dtype(dtype).itemsize * 8, allow_nan=True, allow_infinity=True,
                      allow_subnormal=True)
    return hnp.arrays(dtype, SHAPES, elements=elems)


@st.composite
def array_and_axis(draw, dtype=None):
    dtype = dtype or draw(FLOATS)
    a = draw(float_arrays(dtype))
    axis = draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1),
                          st.sets(st.integers(0, a.ndim - 1), min_size=1).map(tuple)))
    return a, axis


def bits(r):
    """dtype, shape and exact bits; NaNs compared as NaN (payload and sign are not kept,
    by NumPy or by concore)."""
    r = np.asarray(r)
    if r.dtype.kind == "f":
        r = np.where(np.isnan(r), r.dtype.type(np.nan), r)
    return r.dtype, r.shape, r.tobytes()


@pytest.fixture(autouse=True)
def _parallel_even_when_small(monkeypatch):
    monkeypatch.setattr(_config, "GRAIN", 4)


@settings(max_examples=150, deadline=None)
@given(array_and_axis(), st.sampled_from(["sum", "nansum", "mean", "var", "nanvar", "std"]))
def test_sum_family_is_numpys_bits(case, fname):
    a, axis = case
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = getattr(np, fname)(a, axis=axis)
            for nt in (1, 3):
                assert bits(getattr(concore, fname)(a, axis=axis, n_threads=nt)) == bits(ref)


@settings(max_examples=150, deadline=None)
@given(array_and_axis(), st.booleans())
def test_any_layout_is_deterministic(case, flip):
    a, axis = case
    v = a[..., ::-1] if flip else np.asfortranarray(a)
    with np.errstate(all="ignore"):
        r1 = concore.sum(v, axis=axis, n_threads=1)
        assert bits(concore.sum(v, axis=axis, n_threads=2)) == bits(r1)
        assert bits(concore.var(v, axis=axis, n_threads=3)) == bits(concore.var(v, axis=axis, n_threads=1))


@st.composite
def extreme_inputs(draw):
    """Few distinct values (many ties), signed zeros and NaN for floats."""
    dtype = np.dtype(draw(st.sampled_from([np.float64, np.float32, np.int64, np.int32,
                                            np.uint8, np.bool_])))
    if dtype.kind == "f":
        elems = st.integers(-5, 5).map(float) | st.sampled_from([0.0, -0.0, np.nan, np.inf])
    elif dtype.kind == "b":
        elems = st.booleans()
    else:
        elems = st.integers(0 if dtype.kind == "u" else -5, 5)
    return draw(hnp.arrays(dtype, SHAPES, elements=elems))


@settings(max_examples=200, deadline=None)
@given(extreme_inputs(), st.sampled_from(["argmin", "argmax", "nanargmin", "nanargmax"]),
       st.data())
def test_arg_extremes_are_numpys(a, fname, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-a.ndim, a.ndim - 1)))
    try:
        ref = getattr(np, fname)(a, axis=axis)
    except ValueError:  # an all-NaN slice
        with pytest.raises(ValueError):
            getattr(concore, fname)(a, axis=axis, n_threads=2)
        return
    assert bits(getattr(concore, fname)(a, axis=axis, n_threads=2)) == bits(ref)
    # the extreme itself: NumPy's value (either zero where both signs tie)
    vname = fname.replace("arg", "")
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        val = getattr(concore, vname)(a, axis=axis, n_threads=2)
        np.testing.assert_array_equal(val, getattr(np, vname)(a, axis=axis))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.int64, SHAPES, elements=st.integers(-2**62, 2**62)))
def test_integer_sums_wrap_like_numpy(a):
    for axis in (None, 0, -1):
        assert bits(concore.sum(a, axis=axis, n_threads=2)) == bits(np.sum(a, axis=axis))
