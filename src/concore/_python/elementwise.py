"""Reference backend of elementwise programs: each instruction is one NumPy call
over the whole operand (same results as the kernels for the exact operations;
NumPy's own transcendental functions), and the same block structure for the
fused ``prod``. See concore/_native/elementwise.pyx for the program format."""
import functools
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

OPS = (
    "copy", "negative", "absolute", "square", "reciprocal", "sign",
    "floor", "ceil", "trunc", "rint", "sqrt", "cube",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "isnan", "isinf", "isfinite", "logical_not", "invert", "nonzero",
    "add", "subtract", "multiply", "divide", "floor_divide", "remainder",
    "power", "minimum", "maximum", "fmin", "fmax", "copysign", "arctan2", "hypot",
    "less", "less_equal", "greater", "greater_equal", "equal", "not_equal",
    "logical_and", "logical_or", "logical_xor",
    "bitwise_and", "bitwise_or", "bitwise_xor",
    "where", "clip", "clip_s", "cast",
) + tuple(f"{o1}_{r}{o2}" for o1 in ("add", "sub", "mul") for o2 in ("add", "sub", "mul")
          for r in ("", "r"))
BLOCK_SIZE = 256
_TYPES = (np.float64, np.float32, np.int64, np.int32, np.bool_)


def _fmin(a, b):
    # The kernels' rule: NaN ignored; of two equal values (±0) the second.
    return np.where(np.isnan(b) | (a < b), a, b)


def _fmax(a, b):
    return np.where(np.isnan(b) | (a > b), a, b)


def _two_prod(a, b):
    """a*b = p + e exactly (Dekker's product, as the kernels compute it)."""
    p = a * b
    ca, cb = a * 134217729.0, b * 134217729.0
    ah, bh = ca - (ca - a), cb - (cb - b)
    al, bl = a - ah, b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _cube_core(x):
    s, e = _two_prod(x, x)
    p, f = _two_prod(s, x)
    return p + (f + e * x)


def _cube(x):
    # float64 x**3 as the kernels' cc_cube1 (see _vm_ops.h): double-double
    # products where they are exact, scaled by powers of two beyond that, pow
    # (math.pow: the C library's, as the kernels call) for subnormal results.
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x)
    r = np.asarray(_cube_core(x))
    edge = ~((a >= 2.0 ** -300) & (a <= 2.0 ** 340))
    if edge.any():
        y, b = x[edge], a[edge]
        v = y * y * y
        lo = (b >= 2.0 ** -341) & (b < 2.0 ** -300)
        w = _cube_core(y[lo] * 2.0 ** 100)
        normal = np.abs(w) >= 2.0 ** -722
        lo[lo] = normal
        v[lo] = w[normal] * 2.0 ** -300
        hi = (b > 2.0 ** 340) & (b < 2.0 ** 342)
        v[hi] = _cube_core(y[hi] * 2.0 ** -100) * 2.0 ** 300
        tiny = (b < 2.0 ** -300) & (b != 0) & ~lo
        v[tiny] = [math.pow(t, 3.0) for t in y[tiny].tolist()]
        r[edge] = v
    return r


_SPECIAL = {
    "copy": lambda a: a.copy(),
    "cube": _cube,
    "nonzero": lambda a: a != 0,
    "where": lambda c, a, b: np.where(c, a, b),
    # NumPy's clip: with array bounds a value equal to a bound gives the bound (as
    # minimum(maximum(...))); with two scalar bounds, the value (its zero's sign)
    "clip": lambda a, lo, hi: np.minimum(np.maximum(a, lo), hi),
    "clip_s": lambda a, lo, hi: np.clip(a, lo.flat[0], hi.flat[0]),
    "fmin": _fmin,
    "fmax": _fmax,
}


_ARITH = {"add": np.add, "sub": np.subtract, "mul": np.multiply}


def _pair(o1, o2, r):
    f1, f2 = _ARITH[o1], _ARITH[o2]
    if r:
        return lambda a, b, c: f2(c, f1(a, b))
    return lambda a, b, c: f2(f1(a, b), c)


_SPECIAL.update({f"{o1}_{r}{o2}": _pair(o1, o2, r) for o1 in _ARITH for o2 in _ARITH
                 for r in ("", "r")})


def _apply(name, args):
    f = _SPECIAL.get(name) or getattr(np, name)
    return f(*args)


def run(code, nregs, shape, inputs, consts, out, out_reg, red, rtype, nt, check):
    """Same arguments and results as concore._native.elementwise.run."""
    size = 1
    for n in shape:
        size *= n
    if size == 0:
        return None if red == 0 else (0 if red == 1 else 1)
    R = [None] * nregs
    for arr, reg, st in inputs:
        R[reg] = as_strided(arr, shape, st).reshape(-1)
    for reg, val, isz, t in consts:
        R[reg] = np.frombuffer(val[:isz], dtype=_TYPES[t]).copy()
    with np.errstate(all="ignore"):
        for op, t, dst, a, b, c in code.tolist():
            name = OPS[op]
            if name == "cast":
                R[dst] = R[a].astype(_TYPES[b])
                continue
            args = [R[r] for r in (a, b, c) if r >= 0]
            R[dst] = np.asarray(_apply(name, args))
        res = np.broadcast_to(R[out_reg], (size,))
        if red == 0:
            arr, st = out
            as_strided(arr, shape, st)[...] = res.reshape(shape)
            return None
        if red == 1:
            return _TYPES[rtype](np.add.reduce(res)).item()
        parts = [np.multiply.reduce(res[i:i + BLOCK_SIZE]) for i in range(0, size, BLOCK_SIZE)]
        one = _TYPES[rtype](1)
        return functools.reduce(lambda x, y: x * y, parts, one).item()
