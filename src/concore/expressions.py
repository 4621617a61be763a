"""Fused expressions: ``evaluate("sin(a)**2 + cos(b)**2")`` in one parallel pass.

The string is parsed with :mod:`ast` into a whitelist of nodes and never given to
``eval``. It is compiled once per expression and operand types into a small
program (cached, safe under concurrent threads) that runs over blocks of 64 to 256
elements (in L1) on every core with the GIL released: no full-size
temporaries, one pass over memory.

The language is numexpr's, with NumPy's semantics: ``+ - * / // % **``, unary
``-``/``+``, comparisons, ``& | ^ ~``, ``where(c, a, b)``, ``clip(a, lo, hi)``,
the functions of :mod:`concore.elementwise` (and ``abs``, ``mod``), numeric
literals, and ``sum(...)``/``prod(...)`` with an optional ``axis`` as the
outermost call. Results equal those of the same expression written with NumPy
arrays (bit for bit for the exact operations; see concore.elementwise), and a
``sum`` over all elements equals ``numpy.sum`` of the result bit for bit.
``prod`` multiplies within fixed blocks, then the block products in order: the
same answer for any number of threads, not always NumPy's last bit.
"""
import ast
import sys
import threading

import numpy as np

from concore import _config, elementwise as _ew, reductions as _reductions

_native_ew = _config.fast_module("elementwise")   # the compiled fast path, or None

__all__ = ["evaluate", "Expression"]

_BINOPS = {
    ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
    ast.FloorDiv: "floor_divide", ast.Mod: "remainder", ast.Pow: "power",
    ast.BitAnd: "bitwise_and", ast.BitOr: "bitwise_or", ast.BitXor: "bitwise_xor",
}
_CMPOPS = {
    ast.Lt: "less", ast.LtE: "less_equal", ast.Gt: "greater", ast.GtE: "greater_equal",
    ast.Eq: "equal", ast.NotEq: "not_equal",
}
_FUNCS = {name: (name, 1) for name in _ew.UNARY}
_FUNCS.update({name: (name, 2) for name in _ew.BINARY})
_FUNCS.update({"abs": ("absolute", 1), "mod": ("remainder", 2), "fmod": ("fmod", 2),
               "where": ("where", 3), "clip": ("clip", 3)})
del _FUNCS["fmod"]  # C's fmod is not NumPy's remainder: not offered
_REDUCTIONS = {"sum": _ew.RED_SUM, "prod": _ew.RED_PROD}


def _describe(node, src):
    try:
        text = ast.get_source_segment(src, node)
    except Exception:
        text = None
    return repr(text) if text else type(node).__name__


class _Parser:
    """ast -> tree of ("in", k) / ("lit", v) / (op, args...), variables numbered in order."""

    def __init__(self, src):
        self.src = src
        self.names = []

    def bad(self, node, why):
        return ValueError(f"evaluate: {why}: {_describe(node, self.src)} in {self.src!r}")

    def top(self, node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in _REDUCTIONS:
            if len(node.args) != 1:
                raise self.bad(node, f"{node.func.id}() takes one expression")
            axis = None
            for kw in node.keywords:
                if kw.arg != "axis":
                    raise self.bad(node, f"{node.func.id}() accepts only axis=")
                if not (isinstance(kw.value, ast.Constant) and (
                        kw.value.value is None or type(kw.value.value) is int)) and not (
                        isinstance(kw.value, ast.UnaryOp) and isinstance(kw.value.op, ast.USub)
                        and isinstance(kw.value.operand, ast.Constant)
                        and type(kw.value.operand.value) is int):
                    raise self.bad(kw.value, "axis must be an integer literal or None")
                axis = ast.literal_eval(kw.value)
            return node.func.id, axis, self.expr(node.args[0])
        return None, None, self.expr(node)

    def expr(self, node, depth=0):
        if depth > 100:
            raise self.bad(node, "expression nested too deeply")
        return self._expr(node, depth + 1)

    def _expr(self, node, depth):
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.bad(node, "operator not allowed")
            return (op, self.expr(node.left, depth), self.expr(node.right, depth))
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                inner = self.expr(node.operand, depth)
                if inner[0] == "lit":
                    return ("lit", -inner[1])
                return ("negative", inner)
            if isinstance(node.op, ast.UAdd):
                inner = self.expr(node.operand, depth)
                return inner if inner[0] == "lit" else ("positive", inner)
            if isinstance(node.op, ast.Invert):
                return ("invert", self.expr(node.operand, depth))
            raise self.bad(node, "operator not allowed (use ~ for not)")
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise self.bad(node, "chained comparisons are not allowed")
            op = _CMPOPS.get(type(node.ops[0]))
            if op is None:
                raise self.bad(node, "comparison not allowed")
            return (op, self.expr(node.left, depth), self.expr(node.comparators[0], depth))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                raise self.bad(node.func, "only calls of named functions are allowed")
            name = node.func.id
            if name in _REDUCTIONS:
                raise self.bad(node, f"{name}() is allowed only as the outermost call")
            if name not in _FUNCS:
                raise self.bad(node.func, "unknown function")
            if node.keywords:
                raise self.bad(node, "keyword arguments are not allowed")
            op, nargs = _FUNCS[name]
            if len(node.args) != nargs:
                raise self.bad(node, f"{name}() takes {nargs} argument{'s' * (nargs > 1)}")
            return (op,) + tuple(self.expr(a, depth) for a in node.args)
        if isinstance(node, ast.Name):
            if "__" in node.id:
                raise self.bad(node, "dunder names are not allowed")
            if node.id in _FUNCS or node.id in _REDUCTIONS:
                raise self.bad(node, "a function name is not a value")
            if node.id not in self.names:
                self.names.append(node.id)
            return ("in", self.names.index(node.id))
        if isinstance(node, ast.Constant):
            if type(node.value) in (bool, int, float):
                return ("lit", node.value)
            raise self.bad(node, "only int, float and bool literals are allowed")
        what = {ast.Attribute: "attribute access", ast.Subscript: "subscripts",
                ast.Lambda: "lambdas", ast.BoolOp: "and/or (use & and |)",
                ast.IfExp: "conditional expressions (use where)"}.get(type(node), "syntax")
        raise self.bad(node, f"{what} not allowed")


class _Parsed:
    # fast: programs by operand types for the compiled fast path (native backend);
    # table: the same for elementwise._fast_call (whole arrays above the grain);
    # learned: the operand types _learn_fast has seen; views: elementwise._view_call's
    __slots__ = ("src", "tree", "names", "red", "axis", "fast", "table", "learned", "views")


_parse_lock = threading.Lock()
_parsed = {}


def _parse(src):
    if not isinstance(src, str):
        raise TypeError(f"evaluate: the expression must be a str, got {type(src).__name__}")
    with _parse_lock:
        p = _parsed.get(src)
    if p is not None:
        return p
    if len(src) > 10000:
        raise ValueError("evaluate: expression longer than 10000 characters")
    try:
        node = ast.parse(src.strip(), mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"evaluate: invalid syntax in {src!r}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ValueError("evaluate: expression nested too deeply") from None
    parser = _Parser(src.strip())
    red, axis, tree = parser.top(node)
    p = _Parsed()
    p.src, p.tree, p.names, p.red, p.axis = src, tree, tuple(parser.names), red, axis
    p.fast = {} if _native_ew is not None and red is None else None
    p.table = {} if red is None else None
    p.learned = set()
    p.views = {} if red is None else None
    with _parse_lock:
        if len(_parsed) > 1024:
            _parsed.clear()
        _parsed[src] = p
    return p


# ----------------------------------------------------------------- running

def _numpy_tree(tree, ops):
    """The tree evaluated by NumPy: the reference, and the path for what the kernels skip."""
    kind = tree[0]
    if kind == "in":
        return ops[tree[1]]
    if kind == "lit":
        return tree[1]
    args = [_numpy_tree(t, ops) for t in tree[1:]]
    if kind in _ew.PYOPS and all(type(a) in (bool, int, float) for a in args):
        return _ew.PYOPS[kind](*args)  # Python computes it before NumPy sees it
    if kind == "where":
        return np.where(*args)
    if kind == "clip":
        return np.clip(*args)
    if kind == "power":
        return args[0] ** args[1]
    return _ew.UFUNCS[kind](*args)


def _run(p, ops, out, n_threads):
    fast = p.fast
    if fast and _config._fast_gate[0] == 0 and (
            n_threads is None or type(n_threads) is int and n_threads > 0):
        # small whole arrays and Python scalars: the learned program from compiled code
        r = _native_ew.fast_eval(fast, tuple(ops), _config.GRAIN, out)
        if r is not None:
            return r
    if p.table:
        # whole arrays above the grain: the learned program from here
        r = _ew._fast_call(p.table, ops, n_threads, out)
        if r is not None:
            return r
    if p.views and out is None:
        # views of dtypes, shapes and strides seen before
        r = _ew._view_call(p.views, ops, n_threads)
        if r is not None:
            return r
    ops = [o if type(o) in (bool, int, float) or isinstance(o, np.ndarray)
           else np.asarray(o) for o in ops]
    if p.red is None:
        try:
            r = _ew.run_tree(p.tree, ops, out, None, n_threads, _ew._cache, p.src)
            if p.table is not None:
                _ew._learn_fast(p.table, p.src, p.tree, ops, fast, p.learned)
                if out is None:
                    _ew._learn_views(p.views, p.src, p.tree, ops)
            return r
        except _ew.Fallback:
            if n_threads is not None:
                _config._resolve(n_threads)
            with np.errstate(all="ignore"):
                r = _numpy_tree(p.tree, ops)
            if out is None:
                return r
            np.copyto(out, r, casting="same_kind")  # NumPy's rule for ufunc outputs
            return out
    if p.axis is None:
        r = _reduce_all(p, ops, n_threads)
    else:
        from concore import reductions
        inner = _Parsed()
        inner.src, inner.tree, inner.names, inner.red, inner.axis = p.src, p.tree, p.names, None, None
        inner.fast = inner.table = inner.views = None
        values = _run(inner, ops, None, n_threads)
        f = reductions.sum if p.red == "sum" else np.prod
        r = f(values, axis=p.axis) if p.red == "prod" else f(values, axis=p.axis,
                                                           n_threads=n_threads)
    if out is None:
        return r
    out[...] = r
    return out


def _reduce_all(p, ops, n_threads):
    red = _REDUCTIONS[p.red]
    try:
        sigs, ops2 = zip(*[_ew.describe(o) for o in ops]) if ops else ((), ())
        shapes = [o.shape for s, o in zip(sigs, ops2) if s[0] == "a"]
        if not shapes:
            raise _ew.Fallback
        try:
            shape = np.broadcast_shapes(*shapes)
        except ValueError:
            raise _ew.Fallback
        key = ("red", p.src, tuple(s[:2] if s[0] != "w" else ("w", _ew._weak_type(s[1]))
                                   for s in sigs), _ew._power_key(p.tree, sigs))
        prog = _ew._cache.get(key)
        if prog is None:
            prog = _ew.compile_tree(p.tree, sigs, red=red)
            _ew._cache.put(key, prog)
        pair = _dot_pair(prog, ops2, shape) if p.red == "sum" else None
        if pair is not None:
            with np.errstate(all="ignore"):  # as the interpreter: no warnings
                return _reductions._dot_1d(*pair, n_threads)
        r = _ew.execute(prog, list(ops2), shape, None, n_threads, red)
        return prog.dtype.type(r)
    except _ew.Fallback:
        if n_threads is not None:
            _config._resolve(n_threads)
        with np.errstate(all="ignore"):
            values = _numpy_tree(p.tree, ops)
        return np.sum(values) if p.red == "sum" else np.prod(values)


def _dot_pair(prog, ops, shape):
    """(x, y, type code) when the program is ``sum(x*y)`` of two C-contiguous float
    arrays of the full shape: the dot kernel then adds the same products along the same
    pairwise tree (the same bits) without storing them first (measured: 0.65-0.7x the
    time). None otherwise."""
    if len(prog.code) != 1:
        return None
    op, t, dst, ra, rb, _ = prog.code[0]
    if op != "multiply" or t not in (0, 1) or dst != prog.out_reg:
        return None
    regs = {reg: k for k, reg in prog.inputs}
    if ra not in regs or rb not in regs:
        return None
    x, y = ops[regs[ra]], ops[regs[rb]]
    want = _ew._TYPES[t]
    for v in (x, y):
        if v.shape != shape or v.dtype != want or not v.flags.c_contiguous:
            return None
    return x.reshape(-1), y.reshape(-1), t


def _lookup(names, local_dict, frame):
    ops = []
    for name in names:
        if local_dict is not None:
            if name not in local_dict:
                raise NameError(f"evaluate: name {name!r} is not in local_dict")
            ops.append(local_dict[name])
            continue
        if name in frame.f_locals:
            ops.append(frame.f_locals[name])
        elif name in frame.f_globals:
            ops.append(frame.f_globals[name])
        else:
            raise NameError(f"evaluate: name {name!r} is not defined")
    return ops


def evaluate(expr, local_dict=None, *, out=None, n_threads=None):
    """Evaluate an array expression on every core, fused into one pass.

    ``expr`` uses numexpr's language (see the module docstring); variables come
    from ``local_dict`` or else the caller's locals and globals. ``out`` receives
    the result (it may be one of the inputs). Returns an array, or a NumPy scalar
    for ``sum``/``prod`` over all elements.

    Raises ``ValueError`` for anything outside the language (attribute access,
    subscripts, unknown functions, lambdas, dunder names), ``NameError`` for an
    unknown variable, and NumPy's errors for shapes that do not broadcast.
    """
    p = _parse(expr)
    frame = sys._getframe(1) if local_dict is None else None
    try:
        ops = _lookup(p.names, local_dict, frame)
    finally:
        del frame
    return _run(p, ops, out, n_threads)


class Expression:
    """An expression compiled once and run many times: ``Expression("a*b + c")(a=x, b=y, c=z)``.

    Call with the variables as keywords, as one mapping, or by position in the
    order of ``names`` (their first appearance in the string).
    """

    def __init__(self, expr):
        self._p = _parse(expr)

    @property
    def names(self):
        """The variables of the expression, in order of first appearance."""
        return self._p.names

    def __repr__(self):
        return f"Expression({self._p.src!r})"

    def __call__(self, *args, out=None, n_threads=None, **kwargs):
        names = self._p.names
        if len(args) == 1 and not kwargs and isinstance(args[0], dict):
            return _run(self._p, _lookup(names, args[0], None), out, n_threads)
        if len(args) > len(names):
            raise TypeError(f"{self!r} takes {len(names)} operands ({len(args)} given)")
        values = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names:
                raise TypeError(f"{self!r} has no variable {k!r}")
            if k in values:
                raise TypeError(f"{self!r} got {k!r} twice")
            values[k] = v
        return _run(self._p, _lookup(names, values, None), out, n_threads)
