"""concore's functions over dask arrays: the same names, every chunk computed by concore.

    import dask.array as da
    import concore.dask as cd

    x = da.random.random(100_000_000, chunks=10_000_000)
    y = cd.evaluate("sin(a)**2 + cos(a)**2", {"a": x})   # lazy, one fused pass a chunk
    cd.var(x).compute(), cd.histogram(x, 100, range=(0, 1))[0].compute()

Everything here is lazy: functions take dask arrays (NumPy arrays and Python scalars
too) and return dask arrays, so graphs run on any dask scheduler, one machine or a
cluster. Needs the ``dask`` extra (``pip install concore[dask]``); ``import concore``
never imports dask.

Threads. A chunk runs concore on the worker thread that computes it, with the worker's
thread count divided among the chunks that may run at once: one thread a chunk when
there are at least as many chunks as cores (dask runs a chunk per core), every core for
a lone chunk. ``n_threads=`` fixes the count of every chunk's call; concurrent calls
then share the cores through concore's process-wide budget. ``concore.threads()`` and
``concore.use_backend()`` act on the thread that runs a chunk, not on the thread that
built the graph.

Answers. The elementwise functions, ``evaluate``, ``digitize`` and the histogram's
counts are concore's answers (NumPy's bits) element by element, whatever the chunks.
``min``/``max``/``ptp`` and the ``arg*`` family are exact (NumPy's NaN, tie and signed
zero rules). Integer sums and counts are exact. Float sums, means and variances combine
the chunks' results in dask's fixed tree (variances with Chan's update): the same bits
for any scheduler and worker count, within rounding of NumPy's; where every result
comes from one chunk (one chunk along the reduced axes) it is concore's own call. Scans
carry the running total into each chunk's first element, so along an axis they run the
same chain of additions as one call would. ``diff`` subtracts within each chunk and
across each chunk border (NumPy's bits). Sorting and selection along an axis (``sort``, ``argsort``,
``partition``, ``argpartition``, ``median``, ``quantile``, ``percentile``) first merge
the chunks along that axis, so each chunk's call is exact; ``unique`` merges the chunks'
distinct values, counts and first indices, and finds each chunk's inverse with
``searchsorted`` in the merged values.
"""
import ast
import builtins
import math
import operator
import sys
import uuid

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

try:
    import dask
    import dask.array as da
except ImportError as e:  # pragma: no cover - exercised only without dask
    raise ImportError(
        "concore.dask needs dask: pip install 'concore[dask]' (or dask[array])") from e

import concore
from concore import _config, elementwise as _ew
from concore.expressions import _lookup, _parse

__all__ = list(_ew.__all__) + [
    "evaluate",
    "sum", "nansum", "mean", "nanmean", "var", "nanvar", "std", "nanstd",
    "min", "max", "nanmin", "nanmax", "ptp", "argmin", "argmax", "nanargmin", "nanargmax",
    "dot", "cumsum", "cumprod", "nancumsum", "nancumprod",
    "histogram", "histogram2d", "histogramdd", "bincount", "digitize",
    "diff", "sort", "argsort", "partition", "argpartition", "median", "quantile",
    "percentile", "searchsorted", "unique",
]

# --------------------------------------------------------------------- elementwise

def _is_scalar(v):
    return isinstance(v, (bool, int, float, complex, np.generic)) or (
        isinstance(v, np.ndarray) and v.ndim == 0)


def _meta_value(v):
    """A stand-in of one element for working out a result's type."""
    if _is_scalar(v):
        return v
    return np.ones((1,) * v.ndim, v.dtype)


def _named(fn):
    """``fn`` with a name dask reads at once: to name a task dask otherwise pickles its
    function, a closure here, about 0.2 ms each (1-2 ms a graph, measured). A fresh
    random token per function made never names two different tasks alike."""
    token = "concore-" + uuid.uuid4().hex
    fn.__dask_tokenize__ = lambda: token
    return fn


def _share(n_threads, nblocks):
    """A function giving a chunk's thread count when it runs: ``n_threads`` where given
    (checked now), else the worker's count shared among the ``nblocks`` chunks that may
    run at once (dask runs about a chunk per core). Measured here (2 cores, ten chunks
    of 1e6): one thread a chunk 8-15% faster than every chunk asking for all cores; a
    lone chunk of 1e7 1.5x faster with all."""
    if n_threads is not None:
        _config.requested_threads(n_threads)      # a bad count fails here, not later
        return lambda: n_threads
    nblocks = builtins.max(1, nblocks)
    return lambda: builtins.max(1, concore.get_num_threads() // nblocks)


def _blockwise_elementwise(call, args, name, n_threads, block_total=False):
    """``call(threads, *blocks)`` over the chunks of ``args`` broadcast together
    (NumPy's rules): dask arrays, array-likes (turned into one-chunk dask arrays) and
    scalars. ``block_total``: ``call`` reduces a chunk to one value (a block of ones)."""
    vals = [v if _is_scalar(v) or isinstance(v, da.Array) else da.asarray(v) for v in args]
    arrays = [v for v in vals if not _is_scalar(v)]
    share = _share(n_threads, builtins.max([1] + [v.npartitions for v in arrays]))

    def fn(*blocks):
        return call(share(), *blocks)

    if not arrays:
        return fn(*vals)   # all scalars: nothing to chunk
    with np.errstate(all="ignore"):
        dtype = np.asarray(fn(*[_meta_value(v) for v in vals])).dtype
    ndim = builtins.max(v.ndim for v in arrays)
    out_ind = tuple(range(ndim))[::-1]
    pairs = []
    for v in vals:
        pairs += [v, None] if _is_scalar(v) else [v, tuple(range(v.ndim))[::-1]]
    if block_total:
        def one(*blocks):
            return np.asarray(fn(*blocks)).reshape((1,) * ndim)
        return da.blockwise(_named(one), out_ind, *pairs, dtype=dtype, token=name,
                            adjust_chunks={i: lambda c: 1 for i in out_ind},
                            meta=np.empty((0,) * ndim, dtype))
    return da.blockwise(_named(fn), out_ind, *pairs, dtype=dtype, token=name,
                        meta=np.empty((0,) * ndim, dtype))


def _no_out(kwargs, name):
    if kwargs.get("out") is not None:
        raise TypeError(f"concore.dask.{name}: out= is not supported (dask arrays are "
                        "immutable; the result is a new dask array)")
    kwargs.pop("out", None)


def _make_elementwise(name):
    f = getattr(concore, name)

    def g(*args, **kwargs):
        _no_out(kwargs, name)
        if name == "where" and len(args) == 1:
            raise NotImplementedError(
                "concore.dask.where(condition) (the indices) is not offered: use "
                "dask.array.nonzero")
        n_threads = kwargs.pop("n_threads", None)

        def call(nt, *vals):
            return f(*vals, n_threads=nt, **kwargs)

        return _blockwise_elementwise(call, args, f"concore-{name}", n_threads)

    g.__name__ = g.__qualname__ = name
    g.__doc__ = (f"``concore.{name}`` over dask arrays, chunk by chunk, broadcast as NumPy "
                 "does; keywords (dtype, n_threads) go to each chunk's call.")
    return g


globals().update({name: _make_elementwise(name) for name in _ew.__all__})


def digitize(x, bins, right=False, *, n_threads=None):
    """``concore.digitize`` of every chunk against the same (NumPy) ``bins``."""
    bins = np.asarray(bins)
    if bins.ndim != 1:
        raise ValueError("object too deep for desired array")

    def call(nt, v):
        return concore.digitize(v, bins, right, n_threads=nt)

    return _blockwise_elementwise(call, [x], "concore-digitize", n_threads)


def evaluate(expr, local_dict=None, *, n_threads=None):
    """``concore.evaluate`` over dask arrays: the expression fused per chunk.

    Names come from ``local_dict`` (dask arrays, array-likes or scalars), else from the
    caller's locals and globals, taken when the graph is built. An outermost
    ``sum(...)`` over everything adds each chunk's fused sum, then the chunks' sums;
    with ``axis`` the operand is evaluated per chunk and summed by :func:`sum`;
    ``prod(...)`` evaluates the operand with concore and multiplies with dask's ``prod``.
    """
    p = _parse(expr)
    frame = sys._getframe(1) if local_dict is None else None
    try:
        ops = _lookup(p.names, local_dict, frame)
    finally:
        del frame
    names = p.names
    if local_dict is None:
        local_dict = dict(zip(names, ops))
    if p.red is None:
        def call(nt, *vals):
            return concore.evaluate(expr, dict(zip(names, vals)), n_threads=nt)
        return _blockwise_elementwise(call, ops, "concore-evaluate", n_threads)
    inner = ast.unparse(ast.parse(p.src.strip(), mode="eval").body.args[0])
    if p.red == "sum" and p.axis is None:
        return _fused_sum_all(expr, names, ops, n_threads)
    values = evaluate(inner, local_dict, n_threads=n_threads)
    if p.red == "sum":
        return sum(values, axis=p.axis, n_threads=n_threads)
    return values.prod(axis=p.axis)


def _fused_sum_all(expr, names, ops, n_threads):
    """sum(...) over all elements: each chunk's fused sum, then concore.sum of those."""
    def block_sum(nt, *vals):
        return concore.evaluate(expr, dict(zip(names, vals)), n_threads=nt)

    parts = _blockwise_elementwise(block_sum, ops, "concore-evaluate-sum", n_threads,
                                   block_total=True)
    return sum(parts, n_threads=n_threads) if isinstance(parts, da.Array) else parts


# ---------------------------------------------------------------------- reductions

def _as_dask(a):
    return a if isinstance(a, da.Array) else da.asarray(a)


def _known_chunks(x, axes, name):
    """Raise where a chunk's length along ``axes`` is unknown (after boolean indexing):
    ``name`` needs each chunk's place in the whole array."""
    if any(math.isnan(c) for ax in axes for c in x.chunks[ax]):
        raise ValueError(f"concore.dask.{name} needs known chunk sizes: call "
                         "x.compute_chunk_sizes() first")


def _reduced_axes(x, axis):
    if axis is None:
        return tuple(range(x.ndim))
    return normalize_axis_tuple(axis, x.ndim)


def _result_meta(x, axes, keepdims, dtype):
    nd = x.ndim if keepdims else x.ndim - len(axes)
    return np.empty((0,) * nd, dtype)


def _reduce(x, axis, keepdims, split_every, chunk, combine, aggregate, dtype, name,
            inner=None):
    """dask's tree reduction; ``inner``: the type of the chunks' records where it is
    not the result's (dask checks the intermediate blocks against it)."""
    axes = _reduced_axes(x, axis)
    r = da.reduction(x, _named(chunk), _named(aggregate), axis=axes, keepdims=keepdims,
                     dtype=dtype if inner is None else inner, split_every=split_every,
                     combine=_named(combine), name=name,
                     meta=_result_meta(x, axes, keepdims, dtype))
    return r


def _sum_type(x, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    return np.sum(np.ones(1, x.dtype)).dtype


def _sum_like(name, nan):
    f = concore.nansum if nan else concore.sum

    def g(a, axis=None, dtype=None, keepdims=False, *, split_every=None, n_threads=None):
        x = _as_dask(a)
        t = _sum_type(x, dtype)
        share = _share(n_threads, x.npartitions)

        def chunk(b, axis=None, keepdims=True, **_):
            return f(b, axis=axis, dtype=t, keepdims=True, n_threads=share())

        def agg(b, axis=None, keepdims=False, **_):
            # the chunks' sums contain no NaN that nansum should skip but real NaNs
            return concore.sum(b, axis=axis, dtype=t, keepdims=keepdims, n_threads=share())

        return _reduce(x, axis, keepdims, split_every, chunk, agg, agg, t, f"concore-{name}")

    g.__name__ = g.__qualname__ = name
    g.__doc__ = (f"``concore.{name}`` of a dask array: each chunk's sum, then the sums "
                 "added in dask's fixed tree (exact for integers).")
    return g


sum = _sum_like("sum", False)       # noqa: A001
nansum = _sum_like("nansum", True)


def _mean_type(x, dtype):
    if dtype is not None:
        return np.dtype(dtype)
    return np.mean(np.ones(1, x.dtype)).dtype


def _moment_fields(t):
    """The record a chunk hands on: count, mean and the sum of squared deviations, in
    the mean's type (float16 accumulates in float32, as NumPy's does)."""
    acc = np.result_type(t, np.float32)
    real = np.finfo(acc).dtype if acc.kind == "c" else acc
    return np.dtype([("n", np.int64), ("mu", acc), ("m2", real)])


def _count(b, axis, nan):
    if not nan:
        n = 1
        for ax in axis:
            n *= b.shape[ax]
        shape = tuple(1 if i in axis else s for i, s in enumerate(b.shape))
        return np.full(shape, n, np.int64)
    return concore.sum(concore.logical_not(concore.isnan(b)), axis=axis, keepdims=True,
                       dtype=np.int64)


def _moment_chunk(nan, fields, share, second):
    mean_f = concore.nanmean if nan else concore.mean
    var_f = concore.nanvar if nan else concore.var

    def chunk(b, axis=None, keepdims=True, **_):
        rec = np.empty(tuple(1 if i in axis else s for i, s in enumerate(b.shape)), fields)
        n = _count(b, axis, nan and b.dtype.kind in "fc")
        rec["n"] = n
        with np.errstate(all="ignore"):
            if b.size == 0 or (n == 0).any():
                # empty or all-NaN parts: zero weight, no warning from the chunk
                bb = np.where(np.isnan(b), 0, b) if nan and b.dtype.kind in "fc" else b
                mu = np.sum(bb, axis=axis, keepdims=True, dtype=fields["mu"]) / np.maximum(n, 1)
                dev = bb - mu
                if nan and b.dtype.kind in "fc":
                    dev = np.where(np.isnan(b), 0, dev)
                m2 = np.sum((dev * np.conj(dev)).real, axis=axis, keepdims=True) \
                    if second else 0
            else:
                mu = mean_f(b, axis=axis, keepdims=True, dtype=fields["mu"],
                            n_threads=share())
                m2 = var_f(b, axis=axis, keepdims=True, dtype=fields["mu"],
                           n_threads=share()) * n if second else 0
        rec["mu"] = mu
        rec["m2"] = m2
        return rec

    return chunk


def _merge_moments(rec, axis, second):
    """One record from records along ``axis`` (Chan et al.'s pairwise update, vectorised)."""
    n_i = rec["n"]
    n = n_i.sum(axis=axis, keepdims=True)
    w = np.where(n_i > 0, n_i, 0)
    with np.errstate(all="ignore"):
        mu = np.where(n_i > 0, rec["mu"] * w, 0).sum(axis=axis, keepdims=True) / np.maximum(n, 1)
        out = np.empty(n.shape, rec.dtype)
        out["n"], out["mu"] = n, mu
        if second:
            d = np.where(n_i > 0, rec["mu"] - mu, 0)
            out["m2"] = (np.where(n_i > 0, rec["m2"], 0).sum(axis=axis, keepdims=True)
                         + (w * (d * np.conj(d)).real).sum(axis=axis, keepdims=True))
        else:
            out["m2"] = 0
    return out


def _moments(name, nan, kind):
    second = kind != "mean"

    def g(a, axis=None, dtype=None, keepdims=False, ddof=0, *, split_every=None,
          n_threads=None):
        x = _as_dask(a)
        if kind == "mean" and ddof != 0:
            raise TypeError(f"{name}() got an unexpected keyword argument 'ddof'")
        t = _mean_type(x, dtype)
        fields = _moment_fields(t)
        rt = t if kind == "mean" or t.kind != "c" else np.finfo(t).dtype
        axes = _reduced_axes(x, axis)
        share = _share(n_threads, x.npartitions)
        if all(x.numblocks[ax] == 1 for ax in axes):
            # each result from one chunk: concore's own call, its bits (NumPy's)
            kw = {} if kind == "mean" else {"ddof": ddof}
            f = getattr(concore, name)
            return x.map_blocks(
                _named(lambda b: f(b, axis=axes, dtype=dtype, keepdims=keepdims,
                            n_threads=share(), **kw)),
                chunks=tuple((1,) if ax in axes else c for ax, c in enumerate(x.chunks)
                             if keepdims or ax not in axes),
                drop_axis=[] if keepdims else list(axes), dtype=rt,
                meta=_result_meta(x, axes, keepdims, rt), token=f"concore-{name}")
        chunk = _moment_chunk(nan, fields, share, second)

        def combine(rec, axis=None, keepdims=True, **_):
            return _merge_moments(rec, axis, second)

        def agg(rec, axis=None, keepdims=False, **_):
            r = _merge_moments(rec, axis, second)
            n = r["n"]
            with np.errstate(all="ignore"):
                if kind == "mean":
                    v = np.where(n > 0, r["mu"], np.nan)
                    empty_msg = "Mean of empty slice" if nan else "Mean of empty slice."
                    bad = n == 0
                else:
                    dof = np.maximum(n - ddof, 0)
                    v = r["m2"] / dof
                    v = np.where(n > 0, v, np.nan)
                    if kind == "std":
                        v = np.sqrt(v)
                    empty_msg = "Degrees of freedom <= 0 for slice."
                    bad = dof <= 0
            if bad.any():
                import warnings
                warnings.warn(empty_msg, RuntimeWarning, stacklevel=2)
            v = np.asarray(v).astype(rt, copy=False)
            if not keepdims:
                v = v.reshape(tuple(s for i, s in enumerate(v.shape) if i not in axis))
            return v

        return _reduce(x, axis, keepdims, split_every, chunk, combine, agg, rt,
                       f"concore-{name}", inner=fields)

    g.__name__ = g.__qualname__ = name
    g.__doc__ = (f"``concore.{name}`` of a dask array: per chunk count, mean"
                 f"{' and squared deviations' if second else ''} (concore), combined "
                 "with Chan's update in dask's fixed tree.")
    return g


mean = _moments("mean", False, "mean")
nanmean = _moments("nanmean", True, "mean")
var = _moments("var", False, "var")
nanvar = _moments("nanvar", True, "var")
std = _moments("std", False, "std")
nanstd = _moments("nanstd", True, "std")


def _check_nonempty(x, axes, name):
    if any(x.shape[ax] == 0 for ax in axes):
        raise ValueError(f"zero-size array to reduction operation {name} which has no "
                         "identity")


def _nan_extreme_chunk(b, axis, want_max, nt):
    """nanmin/nanmax of a chunk; NaN (and no warning) where a slice is all NaN."""
    f = concore.max if want_max else concore.min
    r = f(b, axis=axis, keepdims=True, n_threads=nt)
    if b.dtype.kind not in "fc" or not np.isnan(r).any():
        return r   # no NaN in the chunk: the plain extreme
    nanmask = concore.isnan(b, n_threads=nt)
    filled = concore.where(nanmask, -np.inf if want_max else np.inf, b, n_threads=nt)
    r = f(filled, axis=axis, keepdims=True, n_threads=nt)
    allnan = np.logical_and.reduce(nanmask, axis=axis, keepdims=True)
    return np.where(allnan, np.array(np.nan, b.dtype), r).astype(b.dtype, copy=False)


def _extreme(name, want_max, nan):
    op = "maximum" if want_max else "minimum"
    final = getattr(concore, name)

    def g(a, axis=None, keepdims=False, *, split_every=None, n_threads=None):
        x = _as_dask(a)
        _check_nonempty(x, _reduced_axes(x, axis), op)
        share = _share(n_threads, x.npartitions)

        if nan:
            def chunk(b, axis=None, keepdims=True, **_):
                return _nan_extreme_chunk(b, axis, want_max, share())
        else:
            def chunk(b, axis=None, keepdims=True, **_):
                return final(b, axis=axis, keepdims=True, n_threads=share())

        def agg(b, axis=None, keepdims=False, **_):
            return final(b, axis=axis, keepdims=keepdims, n_threads=share())

        return _reduce(x, axis, keepdims, split_every, chunk, chunk, agg, x.dtype,
                       f"concore-{name}")

    g.__name__ = g.__qualname__ = name
    g.__doc__ = f"``concore.{name}`` of a dask array: the chunks' extremes, then theirs (exact)."
    return g


min = _extreme("min", False, False)        # noqa: A001
max = _extreme("max", True, False)         # noqa: A001
nanmin = _extreme("nanmin", False, True)
nanmax = _extreme("nanmax", True, True)


def ptp(a, axis=None, keepdims=False, *, split_every=None, n_threads=None):
    """``max - min`` of a dask array (NumPy's ``ptp``), both exact."""
    hi = max(a, axis, keepdims, split_every=split_every, n_threads=n_threads)
    lo = min(a, axis, keepdims, split_every=split_every, n_threads=n_threads)
    return globals()["subtract"](hi, lo)


# ------------------------------------------------------------------- arg reductions

def _arg_record(dtype):
    """A chunk's candidate: its best value, the value's index in the whole array, and
    whether the chunk's slice was all NaN (the nanarg* family's error)."""
    return np.dtype([("v", dtype), ("i", np.int64), ("dead", np.bool_)])


def _merge_records(rec, axes, want_max):
    """The best record over ``axes`` (kept as length 1): NaN first where a value is
    NaN, else the extreme; of equal candidates the one with the smallest index, so the
    answer is the first occurrence in the whole array (NumPy's rule)."""
    keep = [ax for ax in range(rec.ndim) if ax not in axes]
    r = np.transpose(rec, keep + list(axes))
    r = r.reshape(r.shape[:len(keep)] + (-1,))
    v = r["v"]
    with np.errstate(invalid="ignore"):
        best = v.max(axis=-1, keepdims=True) if want_max else v.min(axis=-1, keepdims=True)
        cand = v == best
        if v.dtype.kind in "fc":
            isn = np.isnan(v)
            cand = np.where(isn.any(axis=-1, keepdims=True), isn, cand)
    k = np.where(cand, r["i"], np.iinfo(np.int64).max).argmin(axis=-1)[..., None]
    out = np.take_along_axis(r, k, axis=-1)
    out["dead"] = r["dead"].all(axis=-1, keepdims=True)
    return out.reshape([1 if ax in axes else s for ax, s in enumerate(rec.shape)])


def _arg(name, want_max, nan):
    local = getattr(concore, "argmax" if want_max else "argmin")
    worst = -np.inf if want_max else np.inf

    def g(a, axis=None, keepdims=False, *, split_every=None, n_threads=None):
        x = _as_dask(a)
        if axis is not None:
            axis = normalize_axis_index(operator.index(axis), x.ndim)
        axes = _reduced_axes(x, axis)
        _known_chunks(x, range(x.ndim) if axis is None else axes, name)
        if x.size == 0 or any(x.shape[ax] == 0 for ax in axes):
            raise ValueError(f"attempt to get {name} of an empty sequence")
        fields = _arg_record(x.dtype)
        share = _share(n_threads, x.npartitions)

        def block(b, block_info=None):
            nt = share()
            info = block_info[0]
            starts = [lo for lo, _ in info["array-location"]]
            v, dead = b, False
            if nan and b.dtype.kind in "fc":
                # NumPy's nanarg*: NaN ranks as the worst value; all-NaN is an error
                isn = concore.isnan(b, n_threads=nt)
                dead = np.logical_and.reduce(isn, axis=axis, keepdims=True)
                if isn.any():
                    v = concore.where(isn, worst, b, n_threads=nt)
            if axis is None:
                loc = np.unravel_index(int(local(v, n_threads=nt)), b.shape)
                rec = np.empty((1,) * b.ndim, fields)
                rec["v"] = v[loc]
                rec["i"] = np.ravel_multi_index(
                    tuple(s + j for s, j in zip(starts, loc)), info["shape"])
            else:
                k = local(v, axis=axis, keepdims=True, n_threads=nt)
                rec = np.empty(k.shape, fields)
                rec["v"] = np.take_along_axis(v, k, axis=axis)
                rec["i"] = k + starts[axis]
            rec["dead"] = dead
            return rec

        chunks = tuple((1,) * len(c) if ax in axes else c for ax, c in enumerate(x.chunks))
        recs = x.map_blocks(_named(block), chunks=chunks, dtype=fields,
                            meta=np.empty((0,) * x.ndim, fields), token=f"concore-{name}-chunk")

        def ident(r, axis=None, keepdims=True, **_):
            return r

        def combine(r, axis=None, keepdims=True, **_):
            return _merge_records(r, axis, want_max)

        def agg(r, axis=None, keepdims=False, **_):
            r = _merge_records(r, axis, want_max)
            if r["dead"].any():
                raise ValueError("All-NaN slice encountered")
            out = r["i"].astype(np.intp)
            if not keepdims:
                out = out.reshape(tuple(s for ax, s in enumerate(out.shape) if ax not in axis))
            return out

        return da.reduction(recs, _named(ident), _named(agg), axis=axes, keepdims=keepdims,
                            dtype=fields, split_every=split_every, combine=_named(combine),
                            name=f"concore-{name}",
                            meta=_result_meta(x, axes, keepdims, np.intp))

    g.__name__ = g.__qualname__ = name
    g.__doc__ = (f"``concore.{name}`` of a dask array (``axis`` None or one int): each "
                 "chunk's winner and its index in the whole array, then the first best "
                 "of those (NumPy's NaN and tie rules, exact).")
    return g


argmin = _arg("argmin", False, False)
argmax = _arg("argmax", True, False)
nanargmin = _arg("nanargmin", False, True)
nanargmax = _arg("nanargmax", True, True)


def dot(a, b, *, split_every=None, n_threads=None):
    """``concore.dot`` of two 1-D dask arrays: each pair of chunks' dot (pairwise, as
    concore), then the partial dots added in dask's fixed tree. Other shapes are
    dask's own ``dot`` (NumPy's per block)."""
    x, y = _as_dask(a), _as_dask(b)
    if x.ndim != 1 or y.ndim != 1:
        return da.dot(x, y)
    _known_chunks(x, (0,), "dot")
    _known_chunks(y, (0,), "dot")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"shapes {x.shape} and {y.shape} not aligned: {x.shape[0]} (dim 0) "
                         f"!= {y.shape[0]} (dim 0)")
    t = np.result_type(x.dtype, y.dtype)
    y = y.rechunk(x.chunks)
    share = _share(n_threads, x.npartitions)

    def block(p, q):
        return np.asarray(concore.dot(p, q, n_threads=share()), dtype=t).reshape(1)

    parts = da.blockwise(_named(block), "i", x, "i", y, "i", adjust_chunks={"i": 1}, dtype=t,
                         meta=np.empty((0,), t), token="concore-dot-chunk")
    return sum(parts, split_every=split_every, n_threads=n_threads)


# ------------------------------------------------------------------------- scans

def _scan(name, multiply, nan):
    f = concore.cumprod if multiply else concore.cumsum
    ref = np.cumprod if multiply else np.cumsum
    ident = 1 if multiply else 0

    def block(b, carry, axis, t, nt):
        """The chunk's scan, continuing from ``carry`` (the previous chunk's last
        values along the axis): its first values become carry (op) value, then the
        chunk runs the same chain of operations one call over everything would."""
        y = np.array(b, dtype=t, copy=True)
        if nan and y.dtype.kind in "fc":
            y[np.isnan(y)] = ident       # NumPy's nancum*: NaN as the identity
        if carry is not None and y.shape[axis]:
            first = (slice(None),) * axis + (slice(0, 1),)
            y[first] = y[first] * carry if multiply else carry + y[first]
        return f(y, axis=axis, dtype=t, out=y, n_threads=nt)   # in place: no more memory

    def last(out, carry, axis):
        if out.shape[axis] == 0:
            return carry
        return out[(slice(None),) * axis + (slice(-1, None),)]

    def g(a, axis=None, dtype=None, *, n_threads=None):
        x = _as_dask(a)
        if axis is None:
            x, axis = x.reshape(-1), 0        # NumPy scans the C-order flattening
        else:
            axis = normalize_axis_index(operator.index(axis), x.ndim)
        t = np.dtype(dtype) if dtype is not None else ref(np.ones(1, x.dtype)).dtype
        # the chunks along the axis run one after the other: only the others share
        share = _share(n_threads, x.npartitions // x.numblocks[axis])
        run = dask.delayed(_named(lambda b, c: block(b, c, axis, t, share())), pure=True)
        tail = dask.delayed(_named(lambda o, c: last(o, c, axis)), pure=True)
        blocks = x.to_delayed()
        out = np.empty(blocks.shape, dtype=object)
        for idx in np.ndindex(*blocks.shape[:axis], *blocks.shape[axis + 1:]):
            carry = None
            for k in range(blocks.shape[axis]):
                pos = idx[:axis] + (k,) + idx[axis:]
                o = run(blocks[pos], carry)
                shape = tuple(c[j] for c, j in zip(x.chunks, pos))
                out[pos] = da.from_delayed(o, shape, dtype=t, meta=np.empty((0,) * x.ndim, t))
                carry = tail(o, carry)
        return da.block(out.tolist()) if out.size else da.zeros(x.shape, t)

    g.__name__ = g.__qualname__ = name
    g.__doc__ = (f"``concore.{name}`` of a dask array: chunk after chunk along the axis, "
                 "each continuing from the previous chunk's last values (the chain of "
                 "operations of one call; chunks of other positions in parallel).")
    return g


cumsum = _scan("cumsum", False, False)
cumprod = _scan("cumprod", True, False)
nancumsum = _scan("nancumsum", False, True)
nancumprod = _scan("nancumprod", True, True)


# --------------------------------------------------------------------- histograms

def histogram(a, bins=10, range=None, weights=None, density=None, *, n_threads=None):  # noqa: A002
    """``concore.histogram`` of a dask array: every chunk binned with the same bins
    (so each value lands where NumPy puts it), the counts added. Returns
    ``(counts, edges)``: counts a dask array, edges NumPy's. A count of ``bins`` needs
    ``range`` (the data's extremes are known only once computed)."""
    x = _as_dask(a)
    if isinstance(bins, str):
        raise ValueError("concore.dask.histogram: bins given as a rule name needs the "
                         "data; pass edges or a count with range=")
    if np.ndim(bins) == 0:
        nb = operator.index(bins)
        if range is None:
            raise ValueError("concore.dask.histogram: a count of bins needs range=(lo, hi): "
                             "the data's extremes are known only once computed")
        kw = {"bins": nb, "range": range}
    else:
        kw = {"bins": np.asarray(bins)}
    edges = np.histogram_bin_edges(np.empty(0, x.dtype), **kw)   # NumPy's checks and type
    nb = len(edges) - 1
    args = [x.reshape(1) if x.ndim == 0 else x]
    if weights is not None:
        w = _as_dask(weights)
        if w.shape != x.shape:
            raise ValueError("weights should have the same shape as a.")
        args.append(w.reshape(1) if w.ndim == 0 else w.rechunk(args[0].chunks))
    nd = args[0].ndim
    t = concore.histogram(np.zeros(1, x.dtype), weights=None if weights is None
                          else np.ones(1, args[1].dtype), **kw)[0].dtype

    share = _share(n_threads, args[0].npartitions)

    def block(b, wb=None):
        h = concore.histogram(b.reshape(-1), weights=None if wb is None else wb.reshape(-1),
                              n_threads=share(), **kw)[0]
        return h.reshape((1,) * nd + (nb,))

    parts = da.map_blocks(_named(block), *args, chunks=tuple((1,) * len(c) for c in args[0].chunks)
                          + ((nb,),), new_axis=nd, dtype=t, meta=np.empty((0,) * (nd + 1), t),
                          token="concore-histogram-chunk")
    counts = sum(parts, axis=tuple(builtins.range(nd)), n_threads=n_threads)
    if density:
        db = np.diff(edges).astype(float)
        return counts / db / counts.sum(), edges
    return counts, edges


def bincount(x, weights=None, minlength=0, *, n_threads=None):
    """``concore.bincount`` of a 1-D dask array of non-negative integers: each
    chunk's counts, added in chunk order. With ``minlength`` > 0 the result's length
    is ``minlength`` (a larger value is an error when computed); with 0 it is known
    only once computed (dask's nan)."""
    v = _as_dask(x)
    if v.ndim != 1:
        raise ValueError("object too deep for desired array")
    if v.dtype.kind not in "iub":
        raise TypeError(f"Cannot cast array data from {v.dtype!r} to dtype('int64') "
                        "according to the rule 'safe'")
    minlength = operator.index(minlength)
    if minlength < 0:
        raise ValueError("'minlength' must not be negative")
    blocks = list(v.to_delayed())
    if weights is not None:
        w = _as_dask(weights)
        if w.shape != v.shape:
            raise ValueError("The weights and list don't have the same length.")
        wblocks = list(w.rechunk(v.chunks).to_delayed())
        t = np.dtype(np.float64)
    else:
        wblocks = [None] * len(blocks)
        t = np.dtype(np.intp)
    share = _share(n_threads, v.npartitions)
    count = dask.delayed(
        _named(lambda b, wb: concore.bincount(b, wb, minlength, n_threads=share())), pure=True)
    total = dask.delayed(_add_counts, pure=True)([count(b, wb) for b, wb in zip(blocks, wblocks)],
                                                 minlength, t)
    shape = (minlength,) if minlength else (math.nan,)
    return da.from_delayed(total, shape, dtype=t, meta=np.empty((0,), t))


def _add_counts(parts, minlength, t):
    n = builtins.max([minlength] + [len(p) for p in parts])
    if minlength and n > minlength:
        raise ValueError(f"concore.dask.bincount: a value is >= minlength={minlength}; pass "
                         "a larger minlength (or 0: a length known once computed)")
    total = np.zeros(n, t)
    for p in parts:
        total[:len(p)] += p
    return total


def histogramdd(sample, bins=10, range=None, density=None, weights=None, *,  # noqa: A002
                n_threads=None):
    """``concore.histogramdd`` of dask arrays: ``sample`` an (N, D) dask array (chunked
    along N; its columns are gathered per chunk) or a sequence of D 1-D dask arrays of
    one length. Every chunk is binned with the same edges, the counts added (exact).
    Returns ``(hist, edges)``: hist a dask array, edges NumPy's. A count of bins needs
    its dimension's ``range``."""
    if isinstance(sample, (list, tuple)):
        cols = [_as_dask(c) for c in sample]
        if any(c.ndim != 1 for c in cols) or len({c.shape[0] for c in cols}) > 1:
            raise ValueError("concore.dask.histogramdd: the sample's arrays must be 1-D "
                             "and of one length")
        first = cols[0]
        cols = [first] + [c.rechunk(first.chunks) for c in cols[1:]]
    else:
        s = _as_dask(sample)
        if s.ndim == 1:
            cols = [s]
        elif s.ndim == 2:
            cols = [s.rechunk({1: -1})]     # a chunk holds whole points
        else:
            raise ValueError("concore.dask.histogramdd: sample must be 2-D (N, D)")
    D = cols[0].shape[1] if cols[0].ndim == 2 else len(cols)
    try:
        per_dim = list(bins) if len(bins) == D else [bins] * D
    except TypeError:
        per_dim = [bins] * D      # one count for every dimension
    rng = [None] * D if range is None else list(range)
    if len(rng) != D:
        raise ValueError("range argument must have one entry per dimension")
    for i, b in enumerate(per_dim):
        if np.ndim(b) == 0 and rng[i] is None:
            raise ValueError(f"concore.dask.histogramdd: a count of bins needs range= for "
                             f"dimension {i}: the data's extremes are known only once computed")
    dtype = np.result_type(*[c.dtype for c in cols])
    edges = np.histogramdd(np.empty((0, D), dtype), bins=bins, range=range)[1]
    core = tuple(len(e) - 1 for e in edges)
    args = list(cols)
    if weights is not None:
        w = _as_dask(weights)
        if w.shape != (cols[0].shape[0],):
            raise ValueError("concore.dask.histogramdd: weights must be 1-D, one per point")
        args.append(w.rechunk(cols[0].chunks[:1]))

    share = _share(n_threads, cols[0].npartitions)

    def block(*blocks):
        wb = blocks[-1] if weights is not None else None
        pts = blocks[:-1] if weights is not None else blocks
        smp = pts[0] if pts[0].ndim == 2 else list(pts)
        h = concore.histogramdd(smp, bins=bins, range=range, weights=wb,
                                n_threads=share())[0]
        return h.reshape((1,) + core)

    # index 0: the points, 1: a 2-D sample's columns (one chunk), 2...: the bins
    pairs = []
    for k, v in enumerate(args):
        pairs += [v, (0, 1) if v.ndim == 2 else (0,)]
    out_ind = (0,) + tuple(builtins.range(2, D + 2))
    parts = da.blockwise(_named(block), out_ind, *pairs, concatenate=True,
                         new_axes={2 + k: c for k, c in enumerate(core)},
                         adjust_chunks={0: 1}, dtype=np.float64,
                         meta=np.empty((0,) * (D + 1), np.float64),
                         token="concore-histogramdd-chunk")
    hist = sum(parts, axis=0, n_threads=n_threads)
    if density:
        from concore.histograms import dd_density
        hist = hist.map_blocks(_named(lambda h: dd_density(h, edges)), dtype=np.float64)
    return hist, edges


def histogram2d(x, y, bins=10, range=None, density=None, weights=None, *,  # noqa: A002
                n_threads=None):
    """``concore.histogram2d`` of two 1-D dask arrays (see :func:`histogramdd`); returns
    ``(H, xedges, yedges)``."""
    try:
        n = len(bins)
    except TypeError:
        n = 1
    if n != 1 and n != 2:
        bins = [np.asarray(bins)] * 2      # one array of edges for both, as NumPy
    hist, edges = histogramdd([x, y], bins, range, density, weights, n_threads=n_threads)
    return hist, edges[0], edges[1]


# ------------------------------------------------------------------ differences

def diff(a, n=1, axis=-1, prepend=np._NoValue, append=np._NoValue, *, n_threads=None):
    """``concore.diff`` of a dask array: each chunk's differences, its last value's
    with the next chunk's first (no rechunking, no copy of the input); ``n`` times.
    NumPy's bits (``not_equal`` for booleans)."""
    x = _as_dask(a)
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if n == 0:
        return x
    if x.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(operator.index(axis), x.ndim)
    parts = []
    for extra in (prepend, x, append):
        if extra is x:
            parts.append(x)
        elif extra is not np._NoValue:
            e = _as_dask(extra)
            if e.ndim == 0:
                e = da.broadcast_to(e, x.shape[:axis] + (1,) + x.shape[axis + 1:])
            parts.append(e)
    if len(parts) > 1:
        x = da.concatenate(parts, axis=axis)
    _known_chunks(x, (axis,), "diff")
    for _ in range(n):
        x = _diff_once(x, axis, n_threads)
    return x


def _diff_once(x, axis, n_threads):
    t = concore.diff(np.zeros((2,), x.dtype)).dtype
    f = concore.not_equal if x.dtype == np.bool_ else concore.subtract
    share = _share(n_threads, x.npartitions)

    def at(lo, hi):
        return (slice(None),) * axis + (slice(lo, hi),)

    def block(b, nxt):
        """b's differences along the axis, then nxt's first value minus b's last."""
        m = b.shape[axis]
        if nxt is None or m == 0:
            return concore.diff(b, axis=axis, n_threads=share())
        out = np.empty(b.shape, t)
        nt = share()
        if m > 1:
            f(b[at(1, None)], b[at(None, -1)], out=out[at(None, -1)], n_threads=nt)
        f(nxt[at(None, 1)], b[at(-1, None)], out=out[at(-1, None)], n_threads=nt)
        return out

    run = dask.delayed(_named(block), pure=True)
    blocks = x.to_delayed()
    sizes = x.chunks[axis]
    nonempty = [k for k, c in enumerate(sizes) if c]
    last = nonempty[-1] if nonempty else -1
    out = np.empty(blocks.shape, dtype=object)
    for pos in np.ndindex(*blocks.shape):
        k = pos[axis]
        later = [j for j in nonempty if j > k]
        nxt = blocks[pos[:axis] + (later[0],) + pos[axis + 1:]] if later else None
        shape = [c[j] for c, j in zip(x.chunks, pos)]
        if k == last or not sizes[k] and not later:
            shape[axis] = builtins.max(0, sizes[k] - 1)
        out[pos] = da.from_delayed(run(blocks[pos], nxt), tuple(shape), dtype=t,
                                   meta=np.empty((0,) * x.ndim, t))
    if not out.size:
        shape = list(x.shape)
        shape[axis] = builtins.max(0, shape[axis] - 1)
        return da.zeros(tuple(shape), t)
    return da.block(out.tolist())


# -------------------------------------------------------- sorting and selection

def _whole_along(a, axis, name):
    """(x, axes): ``a`` as a dask array whose chunks each hold whole lines along
    ``axes`` (``axis`` None: the C-order flattening in one chunk, as NumPy flattens),
    so that a chunk's sort or selection along them is the whole array's."""
    x = _as_dask(a)
    if axis is None:
        x, axes = x.reshape(-1), (0,)
    else:
        axes = normalize_axis_tuple(axis, x.ndim)
    _known_chunks(x, axes, name)
    return x.rechunk({ax: -1 for ax in axes}), axes


def _map_lines(name, a, axis, n_threads, index_result, *args, **kwargs):
    """``concore.<name>(chunk, *args, axis=...)`` over chunks holding whole lines
    along ``axis``; the lines of different chunks run in parallel."""
    f = getattr(concore, name)
    x, (ax,) = _whole_along(a, None if axis is None else operator.index(axis), name)
    t = np.dtype(np.intp) if index_result else x.dtype
    f(np.zeros((1,), x.dtype), *((0,) if args else ()), **kwargs)   # a bad kind fails now
    for k in np.atleast_1d(args[0]) if args else ():     # partition's kth, NumPy's error
        if not -x.shape[ax] <= operator.index(k) < x.shape[ax]:
            raise ValueError(f"kth(={k}) out of bounds ({x.shape[ax]})")
    share = _share(n_threads, x.npartitions)
    block = _named(lambda b: f(b, *args, axis=ax, n_threads=share(), **kwargs))
    return x.map_blocks(block, dtype=t, meta=np.empty((0,) * x.ndim, t),
                        token=f"concore-{name}")


_LINES = ("The chunks are first merged along the axis (``axis=None``: the flattened "
          "array in one chunk), so that each holds whole lines; lines in different "
          "chunks run in parallel.")


def sort(a, axis=-1, kind=None, *, stable=None, n_threads=None):
    return _map_lines("sort", a, axis, n_threads, False, kind=kind, stable=stable)


def argsort(a, axis=-1, kind=None, *, stable=None, n_threads=None):
    return _map_lines("argsort", a, axis, n_threads, True, kind=kind, stable=stable)


def partition(a, kth, axis=-1, kind="introselect", *, n_threads=None):
    return _map_lines("partition", a, axis, n_threads, False, kth, kind=kind)


def argpartition(a, kth, axis=-1, kind="introselect", *, n_threads=None):
    return _map_lines("argpartition", a, axis, n_threads, True, kth, kind=kind)


sort.__doc__ = "``concore.sort`` of a dask array along ``axis``: NumPy's stable sort. " + _LINES
argsort.__doc__ = ("``concore.argsort`` of a dask array: indices along ``axis`` (NumPy's "
                   "stable order with ``kind='stable'``). " + _LINES)
partition.__doc__ = ("``concore.partition`` of a dask array: the ``kth`` values in their "
                     "sorted places along ``axis``, smaller before, larger after. " + _LINES)
argpartition.__doc__ = "``concore.argpartition``: the indices of :func:`partition`. " + _LINES


def _select(name, a, q, axis, method, keepdims, n_threads):
    """concore's median (q None), quantile or percentile of chunks that hold the
    reduced axes whole: every result comes from one exact call."""
    f = getattr(concore, name)
    x, axes = _whole_along(a, axis, name)
    qa = () if q is None else (np.asarray(q),)
    kw = {} if q is None else {"method": method}
    # the result's type; a bad q or method fails now, not when computed
    t = np.asarray(f(np.ones((1,) * x.ndim, x.dtype), *qa, axis=axes, **kw)).dtype
    share = _share(n_threads, x.npartitions)
    nd, qshape = x.ndim, qa[0].shape if qa else ()
    out_ind = tuple(range(nd, nd + len(qshape))) + tuple(i for i in range(nd) if i not in axes)

    def block(b):
        return np.asarray(f(b, *qa, axis=axes, n_threads=share(), **kw), dtype=t)

    r = da.blockwise(_named(block), out_ind, x, tuple(range(nd)), concatenate=True,
                     new_axes={nd + i: n for i, n in enumerate(qshape)}, dtype=t,
                     meta=np.empty((0,) * len(out_ind), t), token=f"concore-{name}")
    if keepdims:
        shape = _as_dask(a).shape
        shape = (1,) * len(shape) if axis is None else tuple(
            1 if i in axes else n for i, n in enumerate(shape))
        r = r.reshape(qshape + shape)
    return r


def median(a, axis=None, keepdims=False, *, n_threads=None):
    """``concore.median`` of a dask array: the reduced axes merged into one chunk
    (``axis=None``: the whole array in one chunk, as dask's own median), then each
    chunk's exact median (NumPy's NaN rule: NaN where a line holds one)."""
    return _select("median", a, None, axis, None, keepdims, n_threads)


def quantile(a, q, axis=None, method="linear", keepdims=False, *, n_threads=None):
    """``concore.quantile`` of a dask array: exact (NumPy's ``method``s, not dask's
    approximate percentiles); the reduced axes are merged into one chunk first
    (``axis=None``: the whole array in one chunk). ``q`` is a NumPy value or list."""
    return _select("quantile", a, q, axis, method, keepdims, n_threads)


def percentile(a, q, axis=None, method="linear", keepdims=False, *, n_threads=None):
    """``concore.percentile`` of a dask array (``q`` in percent; see :func:`quantile`)."""
    return _select("percentile", a, q, axis, method, keepdims, n_threads)


def searchsorted(a, v, side="left", sorter=None, *, n_threads=None):
    """``concore.searchsorted`` of the chunks of ``v`` (a dask array, any shape) in the
    sorted 1-D ``a`` (NumPy or dask; a dask ``a`` is merged into one chunk that every
    task reads): the indices NumPy gives, chunked like ``v``."""
    s = _as_dask(a)
    if s.ndim != 1:
        raise ValueError("object too deep for desired array" if s.ndim > 1
                         else "object of too small depth for desired array")
    _known_chunks(s, (0,), "searchsorted")
    args = [s.rechunk(-1)]
    if sorter is not None:
        so = _as_dask(sorter)
        if so.shape != s.shape:
            raise ValueError("sorter.size must equal a.size")
        args.append(so.rechunk(-1))
    q = _as_dask(v)
    concore.searchsorted(np.empty(0, s.dtype), np.empty(0, q.dtype), side=side)  # checks
    share = _share(n_threads, q.npartitions)
    t = np.dtype(np.intp)

    def block(vb, sb, *so):
        return concore.searchsorted(sb, vb, side=side, sorter=so[0] if so else None,
                                    n_threads=share())

    ind = tuple(range(1, q.ndim + 1))
    pairs = [q, ind]
    for arg in args:
        pairs += [arg, (0,)]
    return da.blockwise(_named(block), ind, *pairs, concatenate=True, dtype=t,
                        meta=np.empty((0,) * q.ndim, t), token="concore-searchsorted")


def unique(ar, return_index=False, return_inverse=False, return_counts=False, *,
           n_threads=None):
    """``concore.unique`` of a dask array (flattened): each chunk's distinct values (and
    counts, first indices), then those of all chunks merged in chunk order (counts
    added, the earliest index kept; NaNs are one value, NumPy's ``equal_nan=True``;
    the zero kept is the first in input order). The result's length is known once
    computed (dask's nan). ``return_inverse``: each chunk's values looked up in the
    merged ones (``searchsorted``), shaped and chunked like ``ar``. Returns what
    ``numpy.unique`` returns for the same flags, in its order."""
    arr = _as_dask(ar)
    x = arr.reshape(-1)
    share = _share(n_threads, x.npartitions)

    def chunk(b):
        if return_index:
            v, i, c = concore.unique(b, return_index=True, return_counts=True,
                                     n_threads=share())
            return v, c, i, b.size
        v, c = concore.unique(b, return_counts=True, n_threads=share())
        return v, c, None, b.size

    part = dask.delayed(_named(chunk), pure=True)
    merged = dask.delayed(_merge_unique, pure=True, nout=3)(
        [part(b) for b in x.to_delayed()], x.dtype, return_index)
    t = np.dtype(np.intp)
    vals = da.from_delayed(merged[0], (math.nan,), dtype=x.dtype,
                           meta=np.empty((0,), x.dtype))
    out = [vals]
    if return_index:
        out.append(da.from_delayed(merged[2], (math.nan,), dtype=t, meta=np.empty((0,), t)))
    if return_inverse:
        ind = tuple(range(1, arr.ndim + 1))

        def lookup(b, u):
            return concore.searchsorted(u, b, n_threads=share())

        out.append(da.blockwise(_named(lookup), ind, arr, ind, vals, (0,), concatenate=True,
                                dtype=t, meta=np.empty((0,) * arr.ndim, t),
                                token="concore-unique-inverse"))
    if return_counts:
        out.append(da.from_delayed(merged[1], (math.nan,), dtype=t, meta=np.empty((0,), t)))
    return out[0] if len(out) == 1 else tuple(out)


def _merge_unique(parts, dtype, with_index):
    """One (values, counts, first indices or None) from the chunks' ones, in chunk
    order: a stable merge, so equal values (-0.0 and 0.0, NaNs) keep the earliest."""
    if not parts:
        return np.empty(0, dtype), np.empty(0, np.intp), np.empty(0, np.intp)
    vals = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts]).astype(np.intp)
    # return_index makes NumPy's unique sort stably (its quicksort may swap -0.0 and 0.0)
    u, first, inv = concore.unique(vals, return_index=True, return_inverse=True)
    total = np.zeros(len(u), np.intp)
    np.add.at(total, inv, counts)
    index = None
    if with_index:
        offsets = np.cumsum([0] + [p[3] for p in parts[:-1]])
        index = np.concatenate([p[2] + o for p, o in zip(parts, offsets)])[first]
        index = index.astype(np.intp)
    return u, total, index
