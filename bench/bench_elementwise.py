"""Elementwise functions and fused expressions: concore against NumPy and its peers, one
pytest-benchmark group per workload (1e7 elements each).

Groups:

    <func>-f64-1e7, <func>-f32-1e7   func in exp, log, sin, cos, tanh, sqrt, power:
                                     one function over 1e7 float64 / float32, into out=
    expr-2a3bca                      2*a + 3*b - c*a
    expr-abc                         a*b + c
    expr-sin2cos2                    sin(a)**2 + cos(b)**2
    expr-gauss                       exp(-a**2/2)
    expr-cube                        a**3   (concore: the correctly rounded cube)
    expr-where                       where(a > 0.5, a, b)
    expr-sumab                       sum(a*b)   (a scalar: no out=)
    call-n10-exp, call-n10-add       exp(a), add(a, b) of 10 float64, result allocated
                                     (no out=): the cost of a call
    call-n10-add-scalar              add(a, 1.5): a Python scalar operand
    call-n10-exp-out                 exp(a, out=o)
    call-n10-expr                    evaluate("2*a + 3*b - c*a") of 10 values
    call-view-exp, call-view-add     exp(a), a + b of 1-D views (every other one of 1000
                                     float64: 500 values), result allocated
    call-n5e4-sqrt-out, call-n5e4-expr-out
                                     sqrt(a) and 2*a + 3*b - c*a of 5e4 float64 into
                                     out=: just above the grain, where a call's fixed
                                     cost still shows

Entries of every group (where the implementation exists and can be imported):

    concore-1t       concore native backend, n_threads=1
    concore-all      concore native backend, default threads (concore.get_num_threads())
    concore-python   concore's pure-Python backend
    numpy            the NumPy function into out=; in the expr-* groups the plain NumPy
                     expression as users write it (its temporaries and result allocated)
    numexpr-1t       numexpr.evaluate(..., out=o) with ne.set_num_threads(1)
    numexpr-all      the same with numexpr at all threads (concore-all's count)
    numba            @numba.njit(parallel=True) prange kernels writing into o, compiled
                     and warmed first

Unary groups call concore.exp(a, out=o) etc.; expression groups call
concore.evaluate(expr, local_dict, out=o). Every entry that takes out= writes into an
array preallocated (NaN-filled) per benchmark, so a call that ignores out= fails the check.

Each benchmark's `extra_info` holds `entry`, `impl` (what exactly was called), `threads`
and `bytes` (input bytes read per call; the output write is not counted); bench/report.py
uses them. Every result is checked against NumPy after timing, so a fast wrong answer fails.
"""
import os
import sys

import numpy as np
import pytest

try:
    import _common
except ImportError:  # pytest --import-mode=importlib leaves bench/ off sys.path
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import _common
from _common import Impl, ne, numba

ENTRIES = (
    "concore-1t",
    "concore-all",
    "concore-python",
    "numpy",
    "numexpr-1t",
    "numexpr-all",
    "numba",
)

N = 10**7
F64, F32 = np.dtype(np.float64), np.dtype(np.float32)

# --------------------------------------------------------------------------------------
# Inputs: name -> (rng stream, low, high, open at low). float32 inputs are the float64
# values rounded (kept below `high`), so the f32 and f64 groups see the same numbers.
# Streams 101.. are this suite's; conftest.py's fixtures use 1..8.
# --------------------------------------------------------------------------------------
INPUTS = {
    "a": (101, 0.0, 1.0, False),   # uniform [0, 1)
    "b": (102, 0.0, 1.0, False),
    "c": (103, 0.0, 1.0, False),
    "trig": (104, 0.0, 10.0, False),  # sin / cos: [0, 10)
    "pos": (105, 0.0, 10.0, True),    # log, and power's base: (0, 10)
    "pexp": (106, 0.0, 3.0, True),    # power's exponent: (0, 3)
}


def _make_input(name, dtype):
    stream, lo, hi, open_lo = INPUTS[name]
    x = lo + (hi - lo) * np.random.default_rng([_common.SEED, stream]).random(N)
    if open_lo:
        x[x <= lo] = 0.5 * (lo + hi)  # probability ~1e-9 per draw, but keep it open
    if dtype == F32:
        x = np.minimum(x.astype(F32), np.nextafter(F32.type(hi), F32.type(lo)))
    return x


@pytest.fixture(scope="session")
def ew_inputs():
    """``ew_inputs(name, dtype)``: the seeded 1e7-element input, built once per session."""
    cache = {}

    def get(name, dtype=F64):
        key = (name, np.dtype(dtype))
        if key not in cache:
            cache[key] = _make_input(name, np.dtype(dtype))
        return cache[key]

    return get


# --------------------------------------------------------------------------------------
# numba kernels (defined only when numba imports; compiled lazily, warmed before timing)
# --------------------------------------------------------------------------------------
NB = {}
if numba is not None:
    from numba import njit, prange

    def _nb_map1(f, name):
        def kernel(a, o):
            for i in prange(a.shape[0]):
                o[i] = f(a[i])

        kernel.__name__ = kernel.__qualname__ = name
        return njit(parallel=True)(kernel)

    @njit(parallel=True)
    def _nb_power(a, b, o):
        for i in prange(a.shape[0]):
            o[i] = a[i] ** b[i]

    @njit(parallel=True)
    def _nb_2a3bca(a, b, c, o):
        for i in prange(a.shape[0]):
            o[i] = 2.0 * a[i] + 3.0 * b[i] - c[i] * a[i]

    @njit(parallel=True)
    def _nb_abc(a, b, c, o):
        for i in prange(a.shape[0]):
            o[i] = a[i] * b[i] + c[i]

    @njit(parallel=True)
    def _nb_sin2cos2(a, b, o):
        for i in prange(a.shape[0]):
            o[i] = np.sin(a[i]) ** 2 + np.cos(b[i]) ** 2

    @njit(parallel=True)
    def _nb_gauss(a, o):
        for i in prange(a.shape[0]):
            o[i] = np.exp(-a[i] ** 2 / 2.0)

    @njit(parallel=True)
    def _nb_cube(a, o):
        for i in prange(a.shape[0]):
            o[i] = a[i] ** 3

    @njit(parallel=True)
    def _nb_where(a, b, o):
        for i in prange(a.shape[0]):
            o[i] = a[i] if a[i] > 0.5 else b[i]

    @njit(parallel=True)
    def _nb_sumab(a, b):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i] * b[i]
        return s

    NB = {
        "exp": _nb_map1(np.exp, "_nb_exp"),
        "log": _nb_map1(np.log, "_nb_log"),
        "sin": _nb_map1(np.sin, "_nb_sin"),
        "cos": _nb_map1(np.cos, "_nb_cos"),
        "tanh": _nb_map1(np.tanh, "_nb_tanh"),
        "sqrt": _nb_map1(np.sqrt, "_nb_sqrt"),
        "power": _nb_power,
        "expr-2a3bca": _nb_2a3bca,
        "expr-abc": _nb_abc,
        "expr-sin2cos2": _nb_sin2cos2,
        "expr-gauss": _nb_gauss,
        "expr-cube": _nb_cube,
        "expr-where": _nb_where,
        "expr-sumab": _nb_sumab,
    }


# --------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------
class Group:
    """A benchmark group.

    ``func``: the NumPy / concore function of a unary group (called with ``out=``), or None
    for an expression group, which concore and numexpr evaluate from ``expr`` and NumPy
    runs as ``numpy_fn(**arrays)``. ``inputs`` maps the expression's names to INPUTS keys.
    """

    def __init__(self, name, expr, inputs, dtype=F64, func=None, numpy_fn=None,
                 numpy_text=None, nb=None, rtol=1e-12, atol=0.0, out=True, n=N,
                 entries=ENTRIES, scalars=(), step=1):
        self.name = name
        self.expr = expr
        self.inputs = dict(inputs)
        self.dtype = np.dtype(dtype)
        self.func = func
        self.numpy_fn = numpy_fn
        self.numpy_text = numpy_text
        self.nb = nb or func or name  # key of NB
        self.rtol = rtol
        self.atol = atol
        self.out = out  # False: no out= (a reduction's scalar, or the result allocated)
        self.n = n      # the first n values of the 1e7-value inputs
        self.entries = list(entries)
        self.scalars = tuple(scalars)   # Python scalars after the arrays (func groups)
        self.step = step  # > 1: every step-th of the first n * step values (a view)


# Tolerances: f64 results are within an ULP or two of NumPy's (libm / SIMD / own kernels
# round differently), so rtol 1e-12; atol for results near 0 (sin, cos, log near 1).
# f32: a few ULPs (1 ULP is ~6e-8 relative).
TOL = {F64: dict(rtol=1e-12, atol=1e-15), F32: dict(rtol=1e-6, atol=1e-6)}

UNARY = {  # func -> input
    "exp": "a",
    "log": "pos",
    "sin": "trig",
    "cos": "trig",
    "tanh": "a",
    "sqrt": "a",
}

GROUPS = []
for _func, _inp in UNARY.items():
    for _dt in (F64, F32):
        GROUPS.append(Group(
            f"{_func}-{'f64' if _dt == F64 else 'f32'}-1e7", f"{_func}(a)", {"a": _inp},
            dtype=_dt, func=_func, **TOL[_dt],
        ))
for _dt in (F64, F32):
    GROUPS.append(Group(
        f"power-{'f64' if _dt == F64 else 'f32'}-1e7", "a**b", {"a": "pos", "b": "pexp"},
        dtype=_dt, func="power", **TOL[_dt],
    ))

ABC = {"a": "a", "b": "b", "c": "c"}
GROUPS += [
    Group("expr-2a3bca", "2*a + 3*b - c*a", ABC,
          numpy_fn=lambda a, b, c: 2 * a + 3 * b - c * a, numpy_text="2*a + 3*b - c*a"),
    Group("expr-abc", "a*b + c", ABC,
          numpy_fn=lambda a, b, c: a * b + c, numpy_text="a*b + c"),
    Group("expr-sin2cos2", "sin(a)**2 + cos(b)**2", {"a": "a", "b": "b"},
          numpy_fn=lambda a, b: np.sin(a) ** 2 + np.cos(b) ** 2,
          numpy_text="np.sin(a)**2 + np.cos(b)**2"),
    Group("expr-gauss", "exp(-a**2/2)", {"a": "a"},
          numpy_fn=lambda a: np.exp(-a ** 2 / 2), numpy_text="np.exp(-a**2/2)"),
    Group("expr-cube", "a**3", {"a": "a"},
          numpy_fn=lambda a: a ** 3, numpy_text="a**3"),
    Group("expr-where", "where(a > 0.5, a, b)", {"a": "a", "b": "b"},
          numpy_fn=lambda a, b: np.where(a > 0.5, a, b),
          numpy_text="np.where(a > 0.5, a, b)", rtol=0.0),
    # Different summation orders: the sums agree to rounding, not to the last bit.
    Group("expr-sumab", "sum(a*b)", {"a": "a", "b": "b"},
          numpy_fn=lambda a, b: np.sum(a * b), numpy_text="np.sum(a*b)", rtol=1e-9,
          out=False),
    # Call overhead: 10 values, the result allocated (no out=), as in a loop over rows.
    Group("call-n10-exp", "exp(a)", {"a": "a"}, func="exp", n=10, out=False,
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all"), **TOL[F64]),
    Group("call-n10-add", "a + b", {"a": "a", "b": "b"}, func="add", n=10, out=False,
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all")),
    # A Python scalar operand, and a result written into out=.
    Group("call-n10-add-scalar", "a + 1.5", {"a": "a"}, func="add", n=10, out=False,
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all"), scalars=(1.5,)),
    Group("call-n10-exp-out", "exp(a)", {"a": "a"}, func="exp", n=10,
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all"), **TOL[F64]),
    Group("call-n10-expr", "2*a + 3*b - c*a", ABC, n=10, out=False,
          numpy_fn=lambda a, b, c: 2 * a + 3 * b - c * a, numpy_text="2*a + 3*b - c*a",
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all")),
    # 1-D views (a[::2], 500 values), the result allocated.
    Group("call-view-exp", "exp(a)", {"a": "a"}, func="exp", n=500, step=2, out=False,
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all"), **TOL[F64]),
    Group("call-view-add", "a + b", {"a": "a", "b": "b"}, func="add", n=500, step=2,
          out=False, entries=("concore-1t", "concore-all", "numpy", "numexpr-all")),
    # Just above the grain, into out=: the call's cost next to 25-100 us of work.
    Group("call-n5e4-sqrt-out", "sqrt(a)", {"a": "a"}, func="sqrt", n=50000,
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all", "numba")),
    Group("call-n5e4-expr-out", "2*a + 3*b - c*a", ABC, n=50000, nb="expr-2a3bca",
          numpy_fn=lambda a, b, c: 2 * a + 3 * b - c * a, numpy_text="2*a + 3*b - c*a",
          entries=("concore-1t", "concore-all", "numpy", "numexpr-all", "numba")),
]
GROUPS_BY_NAME = {g.name: g for g in GROUPS}


class Workload:
    """A group bound to its arrays (``arrays``: name -> array, in the expression's order)
    and its preallocated output ``o`` (None for a reduction)."""

    def __init__(self, group, arrays, warm_numba):
        self.group = group
        self.arrays = {k: v[:group.n * group.step:group.step] for k, v in arrays.items()}
        self.args = list(self.arrays.values()) + list(group.scalars)
        self.warm_numba = warm_numba
        self.o = np.full(group.n, np.nan, dtype=group.dtype) if group.out else None

    @property
    def outtext(self):
        return ", out=o" if self.o is not None else ""

    def reference(self):
        g = self.group
        if g.func is not None:
            return getattr(np, g.func)(*self.args)
        return g.numpy_fn(**self.arrays)


# --------------------------------------------------------------------------------------
# Entry builders: each takes the workload and returns an Impl or calls pytest.skip
# --------------------------------------------------------------------------------------
def _concore_call(w, threads):
    """(fn, label) of the concore call; ``threads``: 1, or None for the default."""
    g, o = w.group, w.o
    kw = {} if o is None else {"out": o}
    if threads == 1:
        kw["n_threads"] = 1
    extra = "" if threads is None else ", n_threads=1"
    if g.func is not None:
        f = _common.need_concore(g.func)
        names = ", ".join(list(w.arrays) + [repr(v) for v in g.scalars])
        return (_common.call_of(f, w.args, kw),
                f"concore.{g.func}({names}{w.outtext}{extra})")
    f = _common.need_concore("evaluate")
    expr, local = g.expr, dict(w.arrays)
    return (
        (lambda: f(expr, local, **kw)),
        f'concore.evaluate("{expr}"{w.outtext}{extra})',
    )


def build_concore(w, threads):
    fn, label = _concore_call(w, threads)
    _common.need_native()
    nthr = 1 if threads == 1 else _common.concore_threads()
    return Impl(fn, label, nthr)


def build_concore_python(w):
    fn, label = _concore_call(w, None)
    context = _common.need_python_backend()
    return Impl(fn, f'use_backend("python"): {label}', None, context)


def build_numpy(w):
    g = w.group
    if g.func is not None:
        f = getattr(np, g.func)
        o = w.o
        names = ", ".join(list(w.arrays) + [repr(v) for v in g.scalars])
        return Impl(_common.call_of(f, w.args, {} if o is None else {"out": o}),
                    f"np.{g.func}({names}{w.outtext})", 1)
    fn, arrays = g.numpy_fn, w.arrays
    impl = Impl(lambda: fn(**arrays), f"{g.numpy_text} (NumPy temporaries)", 1)
    impl.out = None  # allocates its result: judged by what it returns
    return impl


def build_numexpr(w, threads):
    _common.need_numexpr()
    g = w.group
    n = 1 if threads == 1 else _common.all_threads()
    expr, local, o = g.expr, dict(w.arrays), w.o
    if o is None:
        fn = lambda: ne.evaluate(expr, local_dict=local)  # noqa: E731
    else:
        fn = lambda: ne.evaluate(expr, local_dict=local, out=o)  # noqa: E731
    label = f'numexpr evaluate("{expr}"{w.outtext}), set_num_threads({n})'
    return Impl(fn, label, n, _common.ne_threads_context(n))


def build_numba(w):
    _common.need_numba()
    kernel = NB[w.group.nb]
    args = w.args + ([] if w.o is None else [w.o])
    kernel = w.warm_numba(kernel, *args)
    label = f"numba njit(parallel=True) prange: {kernel.__name__.lstrip('_')}"
    o = w.o
    if o is None:
        fn = lambda: kernel(*args)  # noqa: E731
    else:
        def fn():
            kernel(*args)
            return o
    return Impl(fn, label, numba.get_num_threads())


BUILDERS = {
    "concore-1t": lambda w: build_concore(w, 1),
    "concore-all": lambda w: build_concore(w, None),
    "concore-python": build_concore_python,
    "numpy": build_numpy,
    "numexpr-1t": lambda w: build_numexpr(w, 1),
    "numexpr-all": lambda w: build_numexpr(w, None),
    "numba": build_numba,
}


def _params():
    for g in GROUPS:
        for e in g.entries:
            yield pytest.param(g.name, e, id=f"{g.name}/{e}")


@pytest.mark.parametrize("group_name, entry", list(_params()))
def test_elementwise(benchmark, run_bench, warm_numba, ew_inputs, group_name, entry):
    group = GROUPS_BY_NAME[group_name]
    benchmark.group = group.name
    arrays = {k: ew_inputs(v, group.dtype) for k, v in group.inputs.items()}
    w = Workload(group, arrays, warm_numba)
    impl = BUILDERS[entry](w)

    def check(result):
        # An out= entry is judged by what it wrote into o, whatever it returned.
        o = getattr(impl, "out", w.o)
        got = result if o is None else o
        expected = w.reference()
        np.testing.assert_allclose(
            np.asarray(got, dtype=np.float64),
            np.asarray(expected, dtype=np.float64),
            rtol=group.rtol,
            atol=group.atol,
        )

    _common.run_entry(benchmark, run_bench, entry, impl, _common.input_bytes(w.args), check)
