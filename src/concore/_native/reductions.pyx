"""Parallel reduction kernels: sums and moments, extremes and their indices, dot.

Every kernel receives a normalised description of its input from
``concore.reductions`` (see ``_plan`` there): a base pointer, the kept index space
``K`` (output elements), the outer reduced space ``O`` and an inner reduced run of
``L`` elements with stride ``ls`` (strides in elements). Each output is

    row(k) = fold over o, in order, of (acc + pairwise(run(k, o)))      acc = 0

which is NumPy's own order for C-contiguous data (its pairwise sum over the
innermost run, its sequential loop over the outer reduced axes). How the work is
split across threads never changes which additions are made, so every result is
bitwise the same for any number of threads. ``concore._python.reductions``
implements the same definitions with NumPy.
"""
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, int32_t, uint8_t
from libc.stdlib cimport malloc, free
from libc.math cimport INFINITY

cimport numpy as cnp

cdef extern from "_simd.h" nogil:
    int cc_simd_force(int level)
    int cc_simd_level_now "cc_simd_level"()
    void cc_lanes_f64(const double *q, Py_ssize_t n8, int want_max, double *lane, int *anynan)
    void cc_lanes_f32(const float *q, Py_ssize_t n8, int want_max, float *lane, int *anynan)
    void cc_fold_f64(const double *x, double *c, Py_ssize_t n, int want_max)
    void cc_fold_f32(const float *x, float *c, Py_ssize_t n, int want_max)
    void cc_foldx_f64(const double *x, double *c, int64_t *ci, uint8_t *ck, Py_ssize_t n,
                      int64_t o, int want_max, int mode, int need_idx)
    void cc_foldx_f32(const float *x, float *c, int64_t *ci, uint8_t *ck, Py_ssize_t n,
                      int64_t o, int want_max, int mode, int need_idx)
    Py_ssize_t cc_argext_f64(const double *q, Py_ssize_t n, int want_max, int mode,
                             double *val)
    Py_ssize_t cc_argext_f32(const float *q, Py_ssize_t n, int want_max, int mode, float *val)
    int cc_fold4v_f64(const double *x0, const double *x1, const double *x2, const double *x3,
                      double *c, Py_ssize_t n, int want_max, int mode)
    int cc_fold4v_f32(const float *x0, const float *x1, const float *x2, const float *x3,
                      float *c, Py_ssize_t n, int want_max, int mode)
    void cc_addrow_cc_f64(double *acc, const double *r, Py_ssize_t n)
    void cc_addrow_cc_f32(float *acc, const float *r, Py_ssize_t n)
    void cc_addrow4_cc_f64(double *acc, const double *r0, const double *r1, const double *r2,
                           const double *r3, Py_ssize_t n)
    void cc_addrow4_cc_f32(float *acc, const float *r0, const float *r1, const float *r2,
                           const float *r3, Py_ssize_t n)
    void cc_sqdevrow_cc_f64(double *acc, const double *x, const double *m, Py_ssize_t n,
                            int skip_nan)
    void cc_sqdevrow_cc_f32(float *acc, const float *x, const float *m, Py_ssize_t n,
                            int skip_nan)
    void cc_fold4_f64(const double *x0, const double *x1, const double *x2, const double *x3,
                      double *c, Py_ssize_t n, int want_max)

from concore._native._openmp cimport (
    NOGIL_MIN, Stop, stop_init, stopped, poll, raise_if_stopped,
)

cnp.import_array()

# Operations of the sum family: which value each element contributes.
cdef enum:
    OP_SUM = 0        # x
    OP_NANSUM = 1     # x, NaN as 0
    OP_SQDEV = 2      # (x - mean)**2
    OP_NANSQDEV = 3   # (x - mean)**2, NaN as 0
    OP_COUNT = 4      # 1 for each non-NaN
    OP_DOT = 5        # x * y (y from a second array)

# Extremes: NaN handling.
cdef enum:
    NAN_PROPAGATE = 0   # min, max, argmin, argmax: the first NaN wins
    NAN_SKIP = 1        # nanmin, nanmax: NaN ignored, NaN if all are
    NAN_AS_WORST = 2    # nanargmin/nanargmax: NaN ranks as +inf (-inf), as NumPy

# Work sizes; they depend on the problem only, never on the thread count.
cdef enum:
    PW_LEAF = 8192          # pairwise nodes this small are one task (not split further)
    PW_MAX_DEPTH = 10       # a round splits a node into at most 2**10 such tasks
    PW_MAX_LEAVES = 1 << 10
    PW_ROUND = 1 << 24      # larger pairwise nodes are split serially into rounds
    TASK = 16384            # elements per parallel task elsewhere
    ROUND_TASKS = 4096      # tasks per round (bounds the partial-result buffers)
    SBLOCK_MAX = 256        # elements per scratch buffer (small stack frames: no page probes)
    EXT_BLOCK = 4096        # elements per extreme-value leaf (rescans stay in cache)
    TINY_EXTREME = 32       # the common call's plain loop up to here (measured ahead)
    SHORT_ROW = 1 << 16     # rows up to this long are reduced whole by one thread

ctypedef fused in_t:
    double
    float
    int64_t
    int32_t
    uint8_t

ctypedef fused acc_t:
    double
    float
    int64_t

cdef struct Dims:
    int nd
    Py_ssize_t size
    Py_ssize_t *shape
    Py_ssize_t *stride


# ------------------------------------------------------------------ helpers

cdef inline Py_ssize_t offset_of(Py_ssize_t i, const Dims *d) noexcept nogil:
    """Element offset of flat (C-order) index i in a strided index space."""
    cdef Py_ssize_t off = 0
    cdef int j
    if d.nd == 1:
        return i * d.stride[0]
    for j in range(d.nd - 1, -1, -1):
        off += (i % d.shape[j]) * d.stride[j]
        i = i // d.shape[j]
    return off


cdef int dims_from(Dims *d, tuple shape, tuple stride) except -1:
    cdef int j, nd = len(shape)
    d.nd = nd
    d.size = 1
    d.shape = <Py_ssize_t *> malloc((nd + 1) * sizeof(Py_ssize_t))
    d.stride = <Py_ssize_t *> malloc((nd + 1) * sizeof(Py_ssize_t))
    if d.shape == NULL or d.stride == NULL:
        raise MemoryError()
    for j in range(nd):
        d.shape[j] = shape[j]
        d.stride[j] = stride[j]
        d.size *= d.shape[j]
    return 0


cdef void dims_free(Dims *d) noexcept:
    free(d.shape)
    free(d.stride)


cdef inline int team(int nt, Py_ssize_t ntasks) noexcept nogil:
    """Threads for a parallel loop: no more than there are tasks."""
    return <int> min(<Py_ssize_t> nt, ntasks)


cdef inline Py_ssize_t pw_split(Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t n2 = n // 2
    return n2 - n2 % 8


# ------------------------------------------------------------ sum family

cdef inline acc_t pw_block_c(const acc_t *v, Py_ssize_t n) noexcept nogil:
    """NumPy's pairwise base case (n <= 128) over ready values: a plain loop below 8
    elements, else 8 accumulators combined as ((0+1)+(2+3))+((4+5)+(6+7)), then the tail."""
    cdef acc_t r0, r1, r2, r3, r4, r5, r6, r7, res
    cdef Py_ssize_t i, n8
    if n < 8:
        res = 0
        for i in range(n):
            res = res + v[i]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
    n8 = n - n % 8
    for i in range(8, n8, 8):
        r0 = r0 + v[i]
        r1 = r1 + v[i + 1]
        r2 = r2 + v[i + 2]
        r3 = r3 + v[i + 3]
        r4 = r4 + v[i + 4]
        r5 = r5 + v[i + 5]
        r6 = r6 + v[i + 6]
        r7 = r7 + v[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(n8, n):
        res = res + v[i]
    return res


cdef inline void pw_block2_c(const acc_t *a, Py_ssize_t na, const acc_t *b, Py_ssize_t nb,
                             acc_t *ra, acc_t *rb) noexcept nogil:
    """pw_block_c of two sibling blocks at once: the same additions in the same order
    within each block, interleaved so the CPU has twice as many independent chains in
    flight. The left block is NumPy's split point, a multiple of 8 no longer than the
    right one: 8 <= na <= nb <= 128 and na % 8 == 0."""
    cdef acc_t a0, a1, a2, a3, a4, a5, a6, a7, b0, b1, b2, b3, b4, b5, b6, b7
    cdef Py_ssize_t i, nb8 = nb - nb % 8
    a0, a1, a2, a3, a4, a5, a6, a7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
    b0, b1, b2, b3, b4, b5, b6, b7 = b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
    for i in range(8, na, 8):
        a0 = a0 + a[i]
        a1 = a1 + a[i + 1]
        a2 = a2 + a[i + 2]
        a3 = a3 + a[i + 3]
        a4 = a4 + a[i + 4]
        a5 = a5 + a[i + 5]
        a6 = a6 + a[i + 6]
        a7 = a7 + a[i + 7]
        b0 = b0 + b[i]
        b1 = b1 + b[i + 1]
        b2 = b2 + b[i + 2]
        b3 = b3 + b[i + 3]
        b4 = b4 + b[i + 4]
        b5 = b5 + b[i + 5]
        b6 = b6 + b[i + 6]
        b7 = b7 + b[i + 7]
    for i in range(na, nb8, 8):  # the right block's extra groups
        b0 = b0 + b[i]
        b1 = b1 + b[i + 1]
        b2 = b2 + b[i + 2]
        b3 = b3 + b[i + 3]
        b4 = b4 + b[i + 4]
        b5 = b5 + b[i + 5]
        b6 = b6 + b[i + 6]
        b7 = b7 + b[i + 7]
    ra[0] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    rb[0] = ((b0 + b1) + (b2 + b3)) + ((b4 + b5) + (b6 + b7))
    for i in range(nb8, nb):
        rb[0] = rb[0] + b[i]


cdef void fill_values(const in_t *q, Py_ssize_t n, Py_ssize_t s, int op, acc_t m,
                      const in_t *q2, Py_ssize_t s2, acc_t *v) noexcept nogil:
    """What each of n <= SBLOCK_MAX elements contributes: strided inputs are gathered
    first, so every loop below is contiguous, one per operation, and vectorises."""
    cdef Py_ssize_t i
    cdef in_t x
    cdef acc_t d
    cdef in_t xb[SBLOCK_MAX]
    cdef in_t yb[SBLOCK_MAX]
    if s != 1:
        for i in range(n):
            xb[i] = q[i * s]
        q = xb
    if op == OP_SUM:
        for i in range(n):
            v[i] = <acc_t> q[i]
    elif op == OP_NANSUM:
        for i in range(n):
            x = q[i]
            v[i] = <acc_t> x if x == x else 0
    elif op == OP_SQDEV:
        for i in range(n):
            d = <acc_t> q[i] - m
            v[i] = d * d
    elif op == OP_NANSQDEV:
        for i in range(n):
            x = q[i]
            d = <acc_t> x - m
            v[i] = d * d if x == x else 0
    elif op == OP_COUNT:
        for i in range(n):
            x = q[i]
            v[i] = 1 if x == x else 0
    else:  # OP_DOT
        if s2 != 1:
            for i in range(n):
                yb[i] = q2[i * s2]
            q2 = yb
        for i in range(n):
            v[i] = <acc_t> q[i] * <acc_t> q2[i]


cdef inline acc_t pw_block_dot_c(const acc_t *a, const acc_t *b, Py_ssize_t n) noexcept nogil:
    """pw_block_c of the products a[i]*b[i], formed on the fly (rounded, then added:
    no FMA, so the bits equal NumPy's sum of a*b)."""
    cdef acc_t r0, r1, r2, r3, r4, r5, r6, r7, res
    cdef Py_ssize_t i, n8
    if n < 8:
        res = 0
        for i in range(n):
            res = res + a[i] * b[i]
        return res
    r0, r1, r2, r3 = a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]
    r4, r5, r6, r7 = a[4] * b[4], a[5] * b[5], a[6] * b[6], a[7] * b[7]
    n8 = n - n % 8
    for i in range(8, n8, 8):
        r0 = r0 + a[i] * b[i]
        r1 = r1 + a[i + 1] * b[i + 1]
        r2 = r2 + a[i + 2] * b[i + 2]
        r3 = r3 + a[i + 3] * b[i + 3]
        r4 = r4 + a[i + 4] * b[i + 4]
        r5 = r5 + a[i + 5] * b[i + 5]
        r6 = r6 + a[i + 6] * b[i + 6]
        r7 = r7 + a[i + 7] * b[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(n8, n):
        res = res + a[i] * b[i]
    return res


cdef acc_t pw_dot_same(const acc_t *a, const acc_t *b, Py_ssize_t n) noexcept nogil:
    """pw() of contiguous products a[i]*b[i] of the accumulator type."""
    cdef acc_t left
    cdef Py_ssize_t n2
    if n <= 128:
        return pw_block_dot_c(a, b, n)
    n2 = pw_split(n)
    left = pw_dot_same(a, b, n2)
    return left + pw_dot_same(a + n2, b + n2, n - n2)


cdef acc_t pw_same(const acc_t *q, Py_ssize_t n) noexcept nogil:
    """pw() of a contiguous run already of the accumulator type: the plain sum, with
    as little per-block overhead as possible."""
    cdef acc_t left, right
    cdef Py_ssize_t n2
    if n <= 128:
        return pw_block_c(q, n)
    n2 = pw_split(n)
    if acc_t is float and n - n2 <= 128 and n2 >= 8:
        # Sibling blocks side by side: float32 has too few accumulator vectors to
        # hide the add latency alone. (float64 pairs ran slower here, measured.)
        pw_block2_c(q, n2, q + n2, n - n2, &left, &right)
        return left + right
    left = pw_same(q, n2)
    return left + pw_same(q + n2, n - n2)


cdef acc_t pw(const in_t *q, Py_ssize_t n, Py_ssize_t s, int op, acc_t m,
             const in_t *q2=NULL, Py_ssize_t s2=0) noexcept nogil:
    """NumPy's pairwise sum of the values of `op`; halves split at a multiple of 8."""
    cdef acc_t v[SBLOCK_MAX]
    cdef acc_t left, right
    cdef Py_ssize_t n2
    if op == OP_SUM and s == 1 and (
            (in_t is double and acc_t is double) or (in_t is float and acc_t is float)
            or (in_t is int64_t and acc_t is int64_t)):
        return pw_same(<const acc_t *> q, n)
    if op == OP_DOT and s == 1 and s2 == 1 and (
            (in_t is double and acc_t is double) or (in_t is float and acc_t is float)
            or (in_t is int64_t and acc_t is int64_t)):
        return pw_dot_same(<const acc_t *> q, <const acc_t *> q2, n)
    if n <= 128:
        fill_values(q, n, s, op, m, q2, s2, v)
        return pw_block_c(v, n)
    n2 = pw_split(n)
    if n - n2 <= 128 and n2 >= 8:  # both blocks from the L1-resident buffer, side by side
        fill_values(q, n, s, op, m, q2, s2, v)
        pw_block2_c(v, n2, v + n2, n - n2, &left, &right)
        return left + right
    left = pw(q, n2, s, op, m, q2, s2)
    return left + pw(q + n2 * s, n - n2, s, op, m, q2 + n2 * s2, s2)


cdef int pw_leaves(Py_ssize_t off, Py_ssize_t n, int depth, Py_ssize_t *offs,
                   Py_ssize_t *lens, int k) noexcept nogil:
    """List the subtrees of NumPy's tree at `depth` levels below a node (or smaller than a leaf)."""
    if depth == 0 or n <= PW_LEAF:
        offs[k] = off
        lens[k] = n
        return k + 1
    cdef Py_ssize_t n2 = pw_split(n)
    k = pw_leaves(off, n2, depth - 1, offs, lens, k)
    return pw_leaves(off + n2, n - n2, depth - 1, offs, lens, k)


cdef acc_t pw_combine(Py_ssize_t n, int depth, const acc_t *part, int *k) noexcept nogil:
    """Add leaf results back up the same tree, left before right."""
    cdef acc_t left, r
    if depth == 0 or n <= PW_LEAF:
        r = part[k[0]]
        k[0] += 1
        return r
    cdef Py_ssize_t n2 = pw_split(n)
    left = pw_combine(n2, depth - 1, part, k)
    return left + pw_combine(n - n2, depth - 1, part, k)


cdef acc_t pw_parallel(const in_t *q, Py_ssize_t n, Py_ssize_t s, int op, acc_t m,
                       int nt, Stop *stop, acc_t *part, Py_ssize_t *offs,
                       Py_ssize_t *lens, const in_t *q2=NULL, Py_ssize_t s2=0) noexcept nogil:
    """pw() of a long run, its leaves computed by nt threads; same bits as pw()."""
    cdef Py_ssize_t n2, b
    cdef acc_t left
    cdef int nleaves, k = 0
    if n > PW_ROUND:  # serial rounds keep the leaf buffers small
        n2 = pw_split(n)
        left = pw_parallel(q, n2, s, op, m, nt, stop, part, offs, lens, q2, s2)
        if stopped(stop):
            return 0
        return left + pw_parallel(q + n2 * s, n - n2, s, op, m, nt, stop, part, offs, lens,
                                  q2 + n2 * s2, s2)
    nleaves = pw_leaves(0, n, PW_MAX_DEPTH, offs, lens, 0)
    if nt > 1 and nleaves > 1:
        for b in prange(nleaves, schedule="static", num_threads=team(nt, nleaves)):
            if not stopped(stop):
                part[b] = pw(q + offs[b] * s, lens[b], s, op, m, q2 + offs[b] * s2, s2)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nleaves):
            part[b] = pw(q + offs[b] * s, lens[b], s, op, m, q2 + offs[b] * s2, s2)
            poll(stop)
            if stopped(stop):
                return 0
    return pw_combine(n, PW_MAX_DEPTH, part, &k)


cdef inline acc_t sum_row(const in_t *p, const Dims *od, Py_ssize_t L, Py_ssize_t ls,
                          int op, acc_t m) noexcept nogil:
    """row(k) computed serially."""
    cdef acc_t acc = 0
    cdef Py_ssize_t o
    for o in range(od.size):
        acc = acc + pw(p + offset_of(o, od), L, ls, op, m)
    return acc


cdef int sum_p(in_t *base, acc_t *out, const acc_t *mean, const Dims *kd, const Dims *od,
               Py_ssize_t L, Py_ssize_t ls, int op, int nt, Stop *stop) except -1 nogil:
    """P-mode: the innermost reduced run is summed pairwise, outer reduced axes folded."""
    cdef Py_ssize_t K = kd.size, O = od.size, rowlen = O * L
    cdef Py_ssize_t per, ntask, t, k, k0, k1, o, o0, o1, cnt
    cdef acc_t acc, m = 0
    cdef in_t *p
    cdef acc_t *part = NULL
    cdef Py_ssize_t *offs = NULL
    cdef Py_ssize_t *lens = NULL
    cdef int ok = 1

    if nt > 1 and (K >= 4 * nt and rowlen <= (1 << 22)):
        # Many rows: one task per group of whole rows.
        per = max(1, TASK // max(rowlen, 1))
        ntask = (K + per - 1) // per
        for t in prange(ntask, schedule="static", num_threads=team(nt, ntask)):
            if not stopped(stop):
                k1 = min(K, (t + 1) * per)
                for k in range(t * per, k1):
                    out[k] = sum_row(base + offset_of(k, kd), od, L, ls, op,
                                     mean[k] if mean != NULL else <acc_t> 0)
                if threadid() == 0:
                    poll(stop)
        return 0
    if rowlen < TASK or (nt <= 1 and rowlen <= SHORT_ROW):
        # Serial, still without the GIL; poll every SHORT_ROW elements or so.
        per = max(1, SHORT_ROW // max(rowlen, 1))
        for k in range(K):
            out[k] = sum_row(base + offset_of(k, kd), od, L, ls, op,
                             mean[k] if mean != NULL else <acc_t> 0)
            if k % per == 0:
                poll(stop)
                if stopped(stop):
                    return 0
        return 0

    # Long rows: split inside each row (nt may be 1: then serial, polling per piece).
    part = <acc_t *> malloc(ROUND_TASKS * sizeof(acc_t))
    offs = <Py_ssize_t *> malloc(ROUND_TASKS * sizeof(Py_ssize_t))
    lens = <Py_ssize_t *> malloc(ROUND_TASKS * sizeof(Py_ssize_t))
    if part == NULL or offs == NULL or lens == NULL:
        free(part); free(offs); free(lens)
        with gil:
            raise MemoryError()
    for k in range(K):
        p = base + offset_of(k, kd)
        m = mean[k] if mean != NULL else <acc_t> 0
        acc = 0
        if L >= TASK:
            for o in range(O):
                acc = acc + pw_parallel(p + offset_of(o, od), L, ls, op, m, nt, stop,
                                        part, offs, lens)
                if stopped(stop):
                    break
        else:
            # Short runs: a round of runs at a time, one run per task slot.
            o0 = 0
            while o0 < O:
                cnt = min(O - o0, <Py_ssize_t> ROUND_TASKS)
                if nt > 1:
                    for o in prange(cnt, schedule="static", num_threads=team(nt, cnt)):
                        if not stopped(stop):
                            part[o] = pw(p + offset_of(o0 + o, od), L, ls, op, m)
                            if threadid() == 0 and (o & 63) == 0:
                                poll(stop)
                else:
                    for o in range(cnt):
                        part[o] = pw(p + offset_of(o0 + o, od), L, ls, op, m)
                        if (o & 63) == 0:
                            poll(stop)
                if stopped(stop):
                    break
                for o in range(cnt):
                    acc = acc + part[o]
                o0 += cnt
        out[k] = acc
        if stopped(stop):
            break
    free(part); free(offs); free(lens)
    return 0


cdef int sum_s(in_t *base, acc_t *out, const acc_t *mean, const Dims *kd, const Dims *od,
               int op, int nt, Stop *stop) except -1 nogil:
    """S-mode: the innermost axis is kept; each output adds its elements in order."""
    # kd's last axis is the inner kept run; its outer axes index groups of columns.
    cdef Py_ssize_t ki = kd.shape[kd.nd - 1], kis = kd.stride[kd.nd - 1]
    cdef Py_ssize_t kgroups = kd.size // ki if ki > 0 else 0
    cdef Py_ssize_t bw = s_width(ki, nt), nb = (ki + bw - 1) // bw
    cdef Py_ssize_t ntask = kgroups * nb, t
    cdef Dims kod
    kod.nd = kd.nd - 1
    kod.shape = kd.shape
    kod.stride = kd.stride
    kod.size = kgroups
    if nt > 1 and ntask > 1:
        for t in prange(ntask, schedule="static", num_threads=team(nt, ntask)):
            if not stopped(stop):
                sum_s_task(base, out, mean, &kod, od, ki, kis, bw, t // nb, t % nb, op, stop)
    else:
        for t in range(ntask):
            sum_s_task(base, out, mean, &kod, od, ki, kis, bw, t // nb, t % nb, op, stop)
            if stopped(stop):
                break
    return 0


cdef inline Py_ssize_t s_width(Py_ssize_t ki, int nt) noexcept nogil:
    """Columns per task in the S kernels: one stripe per thread, since long runs of a
    row stream best. (Each column is folded by one thread: the width never changes a
    result.)"""
    cdef Py_ssize_t w = (ki + nt - 1) // nt
    # Narrower stripes would make threads share cache lines and pages of each row.
    return max(<Py_ssize_t> 512, (w + 63) // 64 * 64)


cdef inline void add_row(acc_t *acc, const acc_t *r, Py_ssize_t n) noexcept nogil:
    """acc[j] += r[j]: the widest SIMD for floats (_simd.h), the same additions."""
    cdef Py_ssize_t j
    if acc_t is double:
        cc_addrow_cc_f64(acc, r, n)
    elif acc_t is float:
        cc_addrow_cc_f32(acc, r, n)
    else:
        for j in range(n):
            acc[j] = acc[j] + r[j]


cdef inline void add_rows4(acc_t *acc, const acc_t *r0, const acc_t *r1, const acc_t *r2,
                           const acc_t *r3, Py_ssize_t n) noexcept nogil:
    """Four rows in row order: acc[j] = (((acc[j] + r0[j]) + r1[j]) + r2[j]) + r3[j]."""
    cdef Py_ssize_t j
    if acc_t is double:
        cc_addrow4_cc_f64(acc, r0, r1, r2, r3, n)
    elif acc_t is float:
        cc_addrow4_cc_f32(acc, r0, r1, r2, r3, n)
    else:
        for j in range(n):
            acc[j] = (((acc[j] + r0[j]) + r1[j]) + r2[j]) + r3[j]


cdef void sum_s_task(in_t *base, acc_t *out, const acc_t *mean, const Dims *kod,
                     const Dims *od, Py_ssize_t ki, Py_ssize_t kis, Py_ssize_t bw,
                     Py_ssize_t g, Py_ssize_t blk, int op, Stop *stop) noexcept nogil:
    """Columns [blk*bw, blk*bw + bw) of column group g: each adds its rows in order."""
    cdef Py_ssize_t j0 = blk * bw, j1 = min(ki, j0 + bw), j, o, n = j1 - j0, c0, c1
    cdef Py_ssize_t ost, nrows
    cdef acc_t *acc = out + g * ki + j0
    cdef const acc_t *mrow = mean + g * ki + j0 if mean != NULL else NULL
    cdef in_t *p = base + (offset_of(g, kod) if kod.nd > 0 else 0) + j0 * kis
    cdef in_t *q
    cdef acc_t d
    cdef acc_t v[SBLOCK_MAX]
    cdef bint t0 = threadid() == 0
    cdef bint direct = op == OP_SUM and kis == 1 and (
        (in_t is double and acc_t is double) or (in_t is float and acc_t is float)
        or (in_t is int64_t and acc_t is int64_t))
    cdef const acc_t *r0
    cdef const acc_t *r1
    cdef const acc_t *r2
    cdef const acc_t *r3
    for j in range(n):
        acc[j] = 0
    o = 0
    if direct and n >= 1024:
        # Wide rows: four rows per pass over the accumulators (which no longer fit in
        # L1), still added in row order. Narrow rows stream better one at a time.
        while o + 4 <= od.size:
            r0 = <const acc_t *> (p + offset_of(o, od))
            r1 = <const acc_t *> (p + offset_of(o + 1, od))
            r2 = <const acc_t *> (p + offset_of(o + 2, od))
            r3 = <const acc_t *> (p + offset_of(o + 3, od))
            add_rows4(acc, r0, r1, r2, r3, n)
            o += 4
            if t0 and (o & 1023) == 0:
                poll(stop)
                if stopped(stop):
                    return
    if direct and od.nd == 1:  # narrow rows, one outer axis: the plainest loop
        ost = od.stride[0]
        nrows = od.size
        for o in range(o, nrows):
            add_row(acc, <const acc_t *> (p + o * ost), n)
            if t0 and (o & 1023) == 0:
                poll(stop)
                if stopped(stop):
                    return
        return
    for o in range(o, od.size):
        q = p + offset_of(o, od)
        if direct:
            add_row(acc, <const acc_t *> q, n)
        elif mrow == NULL:
            c0 = 0
            while c0 < n:
                c1 = min(n, c0 + <Py_ssize_t> SBLOCK_MAX)
                fill_values(q + c0 * kis, c1 - c0, kis, op, <acc_t> 0, <in_t *> NULL, 0, v)
                for j in range(c0, c1):
                    acc[j] = acc[j] + v[j - c0]
                c0 = c1
        elif kis == 1 and ((in_t is double and acc_t is double) or
                           (in_t is float and acc_t is float)):
            if acc_t is double:   # per-column means: (x - m[j])**2, SIMD (_simd.h)
                cc_sqdevrow_cc_f64(acc, <const double *> q, mrow, n, op == OP_NANSQDEV)
            elif acc_t is float:
                cc_sqdevrow_cc_f32(acc, <const float *> q, mrow, n, op == OP_NANSQDEV)
        else:
            for j in range(n):  # per-column means: (x - m[j])**2
                d = <acc_t> q[j * kis] - mrow[j]
                if op == OP_NANSQDEV and q[j * kis] != q[j * kis]:
                    d = 0
                acc[j] = acc[j] + d * d
        if t0 and (o & 1023) == 0:
            poll(stop)
            if stopped(stop):
                return


cdef inline int sum_any(in_t *base, acc_t *out, const acc_t *mean, const Dims *kd,
                        const Dims *od, Py_ssize_t L, Py_ssize_t ls, bint smode, int op,
                        int nt, Stop *stop) except -1 nogil:
    if smode:
        return sum_s(base, out, mean, kd, od, op, nt, stop)
    return sum_p(base, out, mean, kd, od, L, ls, op, nt, stop)


cdef int run_sum(in_t *base, acc_t *out, const acc_t *mean, tuple kshape, tuple kstride,
                 tuple oshape, tuple ostride, Py_ssize_t L, Py_ssize_t ls, bint smode,
                 int op, int nt, bint check) except -1:
    cdef Dims kd, od
    cdef Stop stop
    dims_from(&kd, kshape, kstride)
    try:
        dims_from(&od, oshape, ostride)
        try:
            stop_init(&stop, check)
            if nt <= 1 and kd.size * od.size * L < NOGIL_MIN:    # see _openmp.pxd
                sum_any(base, out, mean, &kd, &od, L, ls, smode, op, nt, &stop)
            else:
                with nogil:
                    sum_any(base, out, mean, &kd, &od, L, ls, smode, op, nt, &stop)
            raise_if_stopped(&stop)
        finally:
            dims_free(&od)
    finally:
        dims_free(&kd)
    return 0


def simd_level(int level=-1):
    """Cap the register width of the extreme-value loops (tests): 0 SSE2, 1 AVX2,
    2 AVX-512, -1 the best this CPU has. Returns the level in use."""
    return cc_simd_force(level)


def sum_rows(cnp.ndarray a, int tcode, cnp.ndarray out, cnp.ndarray mean, tuple kshape,
             tuple kstride, tuple oshape, tuple ostride, Py_ssize_t L, Py_ssize_t ls,
             bint smode, int op, int nt, bint check):
    """Fill ``out`` (C-contiguous, one accumulator per kept element) with row sums.

    tcode: input type (0 f64, 1 f32, 2 i64, 3 i32, 4 u8/bool); the accumulator
    type is ``out``'s dtype (f64, f32 or i64). ``mean`` (same type as ``out``, or
    None) is subtracted before squaring for OP_SQDEV / OP_NANSQDEV.
    """
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef void *po = cnp.PyArray_DATA(out)
    cdef void *pm = cnp.PyArray_DATA(mean) if mean is not None else NULL
    cdef int acode = {8: 0, 4: 1}.get(out.itemsize, 0) if out.dtype.kind == "f" else 2
    if acode == 0:
        if tcode == 0:
            run_sum[double, double](<double *> pa, <double *> po, <double *> pm, kshape, kstride,
                                    oshape, ostride, L, ls, smode, op, nt, check)
        elif tcode == 2:
            run_sum[int64_t, double](<int64_t *> pa, <double *> po, <double *> pm, kshape,
                                     kstride, oshape, ostride, L, ls, smode, op, nt, check)
        elif tcode == 3:
            run_sum[int32_t, double](<int32_t *> pa, <double *> po, <double *> pm, kshape,
                                     kstride, oshape, ostride, L, ls, smode, op, nt, check)
        elif tcode == 4:
            run_sum[uint8_t, double](<uint8_t *> pa, <double *> po, <double *> pm, kshape,
                                     kstride, oshape, ostride, L, ls, smode, op, nt, check)
        else:
            raise TypeError("unsupported input/accumulator pair")
    elif acode == 1:
        if tcode != 1:
            raise TypeError("unsupported input/accumulator pair")
        run_sum[float, float](<float *> pa, <float *> po, <float *> pm, kshape, kstride,
                              oshape, ostride, L, ls, smode, op, nt, check)
    else:
        if tcode == 0:
            run_sum[double, int64_t](<double *> pa, <int64_t *> po, NULL, kshape, kstride,
                                     oshape, ostride, L, ls, smode, op, nt, check)
        elif tcode == 1:
            run_sum[float, int64_t](<float *> pa, <int64_t *> po, NULL, kshape, kstride,
                                    oshape, ostride, L, ls, smode, op, nt, check)
        elif tcode == 2:
            run_sum[int64_t, int64_t](<int64_t *> pa, <int64_t *> po, NULL, kshape, kstride,
                                      oshape, ostride, L, ls, smode, op, nt, check)
        elif tcode == 3:
            run_sum[int32_t, int64_t](<int32_t *> pa, <int64_t *> po, NULL, kshape, kstride,
                                      oshape, ostride, L, ls, smode, op, nt, check)
        else:
            run_sum[uint8_t, int64_t](<uint8_t *> pa, <int64_t *> po, NULL, kshape, kstride,
                                      oshape, ostride, L, ls, smode, op, nt, check)
    return out


def sum_flat(cnp.ndarray a, int tcode, int op, double mean, int nt, bint check):
    """Fast path: pairwise sum of a whole C-contiguous float array (NumPy's 0.0 + pw(a)),
    or of its squared deviations from ``mean`` (op OP_SQDEV; ``mean`` in a's type)."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a)
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef double rd
    cdef float rf
    cdef Stop stop
    cdef double part_d[PW_MAX_LEAVES]
    cdef float part_f[PW_MAX_LEAVES]
    cdef Py_ssize_t offs[PW_MAX_LEAVES]
    cdef Py_ssize_t lens[PW_MAX_LEAVES]
    stop_init(&stop, check)
    if n < NOGIL_MIN:   # short, hence serial: keep the GIL (see _openmp.pxd)
        if tcode == 0:
            return 0.0 + pw(<double *> pa, n, 1, op, mean)
        return <float> 0.0 + pw(<float *> pa, n, 1, op, <float> mean)
    if tcode == 0:
        with nogil:
            if nt > 1 and n >= 2 * PW_LEAF:
                rd = pw_parallel(<double *> pa, n, 1, op, mean, nt, &stop, part_d, offs, lens)
            elif n > PW_ROUND:
                rd = pw_parallel(<double *> pa, n, 1, op, mean, 1, &stop, part_d, offs, lens)
            else:
                rd = pw(<double *> pa, n, 1, op, mean)
            rd = 0.0 + rd
        raise_if_stopped(&stop)
        return rd
    with nogil:
        if nt > 1 and n >= 2 * PW_LEAF:
            rf = pw_parallel(<float *> pa, n, 1, op, <float> mean, nt, &stop, part_f, offs, lens)
        elif n > PW_ROUND:
            rf = pw_parallel(<float *> pa, n, 1, op, <float> mean, 1, &stop, part_f, offs, lens)
        else:
            rf = pw(<float *> pa, n, 1, op, <float> mean)
        rf = <float> 0.0 + rf
    raise_if_stopped(&stop)
    return rf


cdef void dot_any(void *pa, void *pb, int tcode, Py_ssize_t n, Py_ssize_t sa, Py_ssize_t sb,
                  int nt, Stop *stop, double *part_d, float *part_f, int64_t *part_i,
                  Py_ssize_t *offs, Py_ssize_t *lens, double *rd, float *rf,
                  int64_t *ri) noexcept nogil:
    if tcode == 0:
        rd[0] = pw_parallel(<double *> pa, n, sa, OP_DOT, <double> 0, nt, stop, part_d, offs,
                            lens, <double *> pb, sb)
    elif tcode == 1:
        rf[0] = pw_parallel(<float *> pa, n, sa, OP_DOT, <float> 0, nt, stop, part_f, offs,
                            lens, <float *> pb, sb)
    elif tcode == 2:
        ri[0] = pw_parallel(<int64_t *> pa, n, sa, OP_DOT, <int64_t> 0, nt, stop, part_i,
                            offs, lens, <int64_t *> pb, sb)
    else:
        ri[0] = pw_parallel(<int32_t *> pa, n, sa, OP_DOT, <int64_t> 0, nt, stop, part_i,
                            offs, lens, <int32_t *> pb, sb)


def dot_flat(cnp.ndarray a, cnp.ndarray b, int tcode, Py_ssize_t sa, Py_ssize_t sb,
             int nt, bint check):
    """Sum of a*b over two 1-D runs (strides in elements), pairwise like sum()."""
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a)
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef void *pb = cnp.PyArray_DATA(b)
    cdef Stop stop
    cdef double part_d[PW_MAX_LEAVES]
    cdef float part_f[PW_MAX_LEAVES]
    cdef int64_t part_i[PW_MAX_LEAVES]
    cdef Py_ssize_t offs[PW_MAX_LEAVES]
    cdef Py_ssize_t lens[PW_MAX_LEAVES]
    cdef double rd = 0
    cdef float rf = 0
    cdef int64_t ri = 0
    stop_init(&stop, check)
    if nt > 1 and n < 2 * PW_LEAF:
        nt = 1
    if nt <= 1 and n < NOGIL_MIN:   # short and serial: keep the GIL (see _openmp.pxd)
        dot_any(pa, pb, tcode, n, sa, sb, nt, &stop, part_d, part_f, part_i, offs, lens,
                &rd, &rf, &ri)
    else:
        with nogil:
            dot_any(pa, pb, tcode, n, sa, sb, nt, &stop, part_d, part_f, part_i, offs, lens,
                    &rd, &rf, &ri)
    raise_if_stopped(&stop)
    if tcode == 0:
        return 0.0 + rd
    if tcode == 1:
        return <float> 0.0 + rf
    return ri


# ---------------------------------------------------------------- extremes
#
# Results are defined in the logical C order of the reduced elements: the first
# extreme wins (this decides between -0.0 and +0.0), the first NaN wins where NaN
# propagates. Runs are scanned with 8 independent lanes (vectorisable); the
# winning element's position is found by a second scan of the cached block, only
# where it is needed (an index was asked for, or the value is a zero or a NaN).

cdef inline bint better(in_t x, in_t c, bint want_max) noexcept nogil:
    return x > c if want_max else x < c


cdef inline in_t worst(in_t like, bint want_max) noexcept nogil:
    """The value every element beats (floats); `like` only selects the type."""
    if in_t is double or in_t is float:
        return -INFINITY if want_max else INFINITY
    else:  # an else, so no specialization holds unreachable code
        return 0  # integers: lanes start from the first element instead


cdef inline void ext_lanes(const in_t *q, Py_ssize_t n8, bint want_max, in_t *lane,
                           int *anynan) noexcept nogil:
    """8 independent running extremes over contiguous q (NaN never taken); anynan:
    whether a NaN was seen. Floats go through SSE2 (_simd.h), same bits as this loop."""
    cdef Py_ssize_t i
    cdef int j
    if in_t is double:
        cc_lanes_f64(q, n8, want_max, lane, anynan)
    elif in_t is float:
        cc_lanes_f32(q, n8, want_max, lane, anynan)
    elif want_max:
        for i in range(0, n8, 8):
            for j in range(8):
                lane[j] = q[i + j] if q[i + j] > lane[j] else lane[j]
    else:
        for i in range(0, n8, 8):
            for j in range(8):
                lane[j] = q[i + j] if q[i + j] < lane[j] else lane[j]


cdef inline bint arg_pass(const in_t *q, Py_ssize_t n, bint want_max, int nanmode,
                          in_t *val, int64_t *idx) noexcept nogil:
    """The index (and value) of the extreme of contiguous q in one SIMD pass where
    _simd.h has one and the case is not a rare one (see cc_argext); False otherwise."""
    cdef Py_ssize_t r = -2
    if nanmode == NAN_SKIP:
        return False
    if in_t is double:
        r = cc_argext_f64(q, n, want_max, nanmode, val)
    elif in_t is float:
        r = cc_argext_f32(q, n, want_max, nanmode, val)
    if r < 0:
        return False
    idx[0] = r
    return True


cdef int ext_run(const in_t *q, Py_ssize_t n, Py_ssize_t s, bint want_max, int nanmode,
                 bint need_idx, in_t *val, int64_t *idx) noexcept nogil:
    """Extreme of a run of 1 <= n <= EXT_BLOCK elements; returns 1 when it holds a
    non-NaN element. Strided runs are first copied to a contiguous buffer."""
    cdef in_t buf[EXT_BLOCK]
    cdef in_t lane[8]
    cdef in_t x, m
    cdef Py_ssize_t i, n8 = n - n % 8
    cdef int j, anynan = 0, anyok = 1
    if s != 1:
        for i in range(n):
            buf[i] = q[i * s]
        q = buf
    if need_idx and arg_pass(q, n, want_max, nanmode, val, idx):
        return 1
    for j in range(8):
        if in_t is double or in_t is float:
            lane[j] = worst(q[0], want_max)
        else:
            lane[j] = q[0]
    ext_lanes(q, n8, want_max, lane, &anynan)
    if in_t is double or in_t is float:
        anyok = n8 > 0
        if anynan:  # is any element not NaN?
            anyok = 0
            for i in range(n8):
                if q[i] == q[i]:
                    anyok = 1
                    break
    m = lane[0]
    for j in range(1, 8):
        if better(lane[j], m, want_max):
            m = lane[j]
    for i in range(n8, n):
        x = q[i]
        if in_t is double or in_t is float:
            if x != x:
                anynan = 1
                continue
            anyok = 1
        if better(x, m, want_max):
            m = x

    if in_t is double or in_t is float:
        if anynan and nanmode == NAN_PROPAGATE:
            for i in range(n):
                if q[i] != q[i]:
                    idx[0] = i
                    val[0] = q[i]
                    return 1
        if not anyok:
            val[0] = q[0]  # a NaN
            idx[0] = 0 if nanmode == NAN_AS_WORST else -1
            if nanmode == NAN_AS_WORST:
                val[0] = worst(q[0], want_max)
            return 0
        if nanmode == NAN_AS_WORST and m == worst(q[0], want_max):
            for i in range(n):  # NumPy ranks NaN like +-inf: the first of either
                x = q[i]
                if x != x or x == m:
                    idx[0] = i
                    val[0] = m
                    return 1
        if need_idx or m == 0:
            for i in range(n):
                if q[i] == m:
                    idx[0] = i
                    val[0] = q[i]
                    return 1
        val[0] = m
        idx[0] = -1
        return 1
    else:
        val[0] = m
        idx[0] = -1
        if need_idx:
            for i in range(n):
                if q[i] == m:
                    idx[0] = i
                    break
        return 1


cdef inline bint ext_take(in_t cur, bint cur_ok, in_t new, bint new_ok, bint want_max,
                          int nanmode) noexcept nogil:
    """Does a later partial result replace the current one?"""
    if in_t is double or in_t is float:
        if nanmode == NAN_PROPAGATE:
            if cur != cur:
                return False
            return new != new or better(new, cur, want_max)
        if nanmode == NAN_SKIP:
            if not new_ok:
                return False
            return (not cur_ok) or better(new, cur, want_max)
        return better(new, cur, want_max)  # NaN already ranked as +-inf
    else:
        return better(new, cur, want_max)


cdef void ext_row(const in_t *p, const Dims *od, Py_ssize_t L, Py_ssize_t ls, bint want_max,
                  int nanmode, bint need_idx, in_t *val, int64_t *idx, uint8_t *ok) noexcept nogil:
    """Serial extreme of one row (O runs of L); the index, if asked for, comes from
    one more scan of the winning block only."""
    cdef Py_ssize_t o, b0, n, wo = 0, wb = 0, wn = 0
    cdef int64_t ri
    cdef in_t v, cv = 0
    cdef int rok, cok = 0, first = 1, anyok = 0
    if need_idx and od.size == 1 and ls == 1 and arg_pass(p, L, want_max, nanmode, val, idx):
        ok[0] = 1   # one pass over the whole row instead of values, then a rescan
        return
    for o in range(od.size):
        b0 = 0
        while b0 < L:
            n = min(<Py_ssize_t> EXT_BLOCK, L - b0)
            rok = ext_run(p + offset_of(o, od) + b0 * ls, n, ls, want_max, nanmode, 0, &v, &ri)
            anyok |= rok
            if first or ext_take(cv, cok, v, rok, want_max, nanmode):
                cv = v
                cok = rok
                wo, wb, wn = o, b0, n
                first = 0
            b0 += n
    val[0] = cv
    idx[0] = -1
    if need_idx:
        ext_run(p + offset_of(wo, od) + wb * ls, wn, ls, want_max, nanmode, 1, &v, &ri)
        idx[0] = (wo * L + wb + ri) if ri >= 0 else -1
    ok[0] = anyok


cdef inline void ext_task(const in_t *p, const Dims *od, Py_ssize_t L, Py_ssize_t ls,
                          Py_ssize_t nbr, Py_ssize_t task, bint want_max, int nanmode,
                          bint need_idx, in_t *val, int64_t *idx, uint8_t *ok) noexcept nogil:
    """One block of one run of a row; writes only its own result slots."""
    cdef Py_ssize_t o = task // nbr, b0 = (task % nbr) * EXT_BLOCK
    ok[0] = ext_run(p + offset_of(o, od) + b0 * ls, min(<Py_ssize_t> EXT_BLOCK, L - b0), ls,
                    want_max, nanmode, need_idx, val, idx)
    if idx[0] >= 0:
        idx[0] += o * L + b0


cdef int ext_p(in_t *base, in_t *outv, int64_t *outi, uint8_t *outok, const Dims *kd,
               const Dims *od, Py_ssize_t L, Py_ssize_t ls, bint want_max, int nanmode,
               bint need_idx, int nt, Stop *stop) except -1 nogil:
    cdef Py_ssize_t K = kd.size, O = od.size, rowlen = O * L
    cdef Py_ssize_t nbr = (L + EXT_BLOCK - 1) // EXT_BLOCK, ntask = O * nbr
    cdef Py_ssize_t per, nt_k, t, k, k1, t0, cnt, win = 0
    cdef in_t *pv = NULL
    cdef int64_t *pi = NULL
    cdef uint8_t *pk = NULL
    cdef in_t v, cv
    cdef int64_t ci
    cdef int cok, first, anyok
    cdef in_t *p
    if nt > 1 and K >= 4 * nt and rowlen <= (1 << 22):
        per = max(1, TASK // max(rowlen, 1))
        nt_k = (K + per - 1) // per
        for t in prange(nt_k, schedule="static", num_threads=team(nt, nt_k)):
            if not stopped(stop):
                k1 = min(K, (t + 1) * per)
                for k in range(t * per, k1):
                    ext_row(base + offset_of(k, kd), od, L, ls, want_max, nanmode, need_idx,
                            outv + k, outi + k, outok + k)
                if threadid() == 0:
                    poll(stop)
        return 0
    if ntask < 2 or (nt <= 1 and rowlen <= SHORT_ROW):
        per = max(1, SHORT_ROW // max(rowlen, 1))
        for k in range(K):
            ext_row(base + offset_of(k, kd), od, L, ls, want_max, nanmode, need_idx,
                    outv + k, outi + k, outok + k)
            if k % per == 0:
                poll(stop)
                if stopped(stop):
                    return 0
        return 0
    pv = <in_t *> malloc(ROUND_TASKS * sizeof(in_t))
    pi = <int64_t *> malloc(ROUND_TASKS * sizeof(int64_t))
    pk = <uint8_t *> malloc(ROUND_TASKS * sizeof(uint8_t))
    if pv == NULL or pi == NULL or pk == NULL:
        free(pv); free(pi); free(pk)
        with gil:
            raise MemoryError()
    for k in range(K):
        p = base + offset_of(k, kd)
        first = 1
        anyok = 0
        cv = 0
        ci = -1
        cok = 0
        t0 = 0
        while t0 < ntask:
            cnt = min(ntask - t0, <Py_ssize_t> ROUND_TASKS)
            if nt > 1:
                for t in prange(cnt, schedule="static", num_threads=team(nt, cnt)):
                    if not stopped(stop):
                        ext_task(p, od, L, ls, nbr, t0 + t, want_max, nanmode, 0,
                                 pv + t, pi + t, pk + t)
                        if threadid() == 0:
                            poll(stop)
            else:
                for t in range(cnt):
                    ext_task(p, od, L, ls, nbr, t0 + t, want_max, nanmode, 0,
                             pv + t, pi + t, pk + t)
                    poll(stop)
            if stopped(stop):
                break
            for t in range(cnt):
                anyok |= pk[t]
                if first or ext_take(cv, cok, pv[t], pk[t], want_max, nanmode):
                    cv = pv[t]
                    win = t0 + t
                    cok = pk[t]
                    first = 0
            t0 += cnt
        outv[k] = cv
        if need_idx:  # one more scan, of the winning block only
            ext_task(p, od, L, ls, nbr, win, want_max, nanmode, 1, pv, &ci, pk)
        outi[k] = ci
        outok[k] = anyok
        if stopped(stop):
            break
    free(pv); free(pi); free(pk)
    return 0


cdef inline bint ext_take1(in_t c, in_t x, bint want_max, int nanmode) noexcept nogil:
    """Element-by-element rule of the S kernels (same outcome as ext_run + ext_take)."""
    if in_t is double or in_t is float:
        if nanmode == NAN_PROPAGATE:
            return better(x, c, want_max) or (x != x and c == c)
        if nanmode == NAN_SKIP:
            return better(x, c, want_max) or (c != c and x == x)
        return better(x, c, want_max) or (c != c and x == x and better(x, worst(x, want_max), want_max))
    else:
        return better(x, c, want_max)


cdef inline void ext_s_row(const in_t *x, in_t *cv, int64_t *ci, uint8_t *ck, Py_ssize_t n,
                           int64_t o, bint want_max, int nanmode, bint need_idx) noexcept nogil:
    """Fold one more row into the running extremes of n columns (contiguous x)."""
    cdef Py_ssize_t j
    cdef in_t y
    if in_t is double:  # the same rule as ext_take1, in SIMD selects (_simd.h)
        cc_foldx_f64(x, cv, ci, ck, n, o, want_max, nanmode, need_idx)
    elif in_t is float:
        cc_foldx_f32(x, cv, ci, ck, n, o, want_max, nanmode, need_idx)
    elif need_idx or nanmode != NAN_PROPAGATE:
        for j in range(n):
            y = x[j]
            if ext_take1(cv[j], y, want_max, nanmode):
                cv[j] = y
                ci[j] = o
            ck[j] |= y == y
    elif want_max:
        for j in range(n):
            cv[j] = x[j] if x[j] > cv[j] else cv[j]
    else:
        for j in range(n):
            cv[j] = x[j] if x[j] < cv[j] else cv[j]


cdef inline bint fold4(const in_t *x0, const in_t *x1, const in_t *x2, const in_t *x3,
                       in_t *cv, Py_ssize_t n, bint want_max, int nanmode) noexcept nogil:
    """Four rows into the running values (floats, no index, NaN rule 0 or 1), where a
    kernel for that exists (_simd.h); False: fold them one by one."""
    if in_t is double:
        if cc_fold4v_f64(x0, x1, x2, x3, cv, n, want_max, nanmode):
            return True
        if nanmode == NAN_PROPAGATE and cc_simd_level_now() < 1:
            cc_fold4_f64(x0, x1, x2, x3, cv, n, want_max)
            return True
        return False
    elif in_t is float:
        return cc_fold4v_f32(x0, x1, x2, x3, cv, n, want_max, nanmode) != 0
    else:
        return False


cdef void ext_s_task(in_t *base, in_t *outv, int64_t *outi, uint8_t *outok, const Dims *kod,
                     const Dims *od, Py_ssize_t ki, Py_ssize_t kis, Py_ssize_t bw, Py_ssize_t g,
                     Py_ssize_t blk, bint want_max, int nanmode, bint need_idx,
                     Stop *stop) noexcept nogil:
    """Columns [blk*bw, blk*bw + bw) of column group g, rows folded in order."""
    cdef Py_ssize_t j0 = blk * bw, j1 = min(ki, j0 + bw), j, o, n = j1 - j0, c0, c1
    cdef in_t *cv = outv + g * ki + j0
    cdef int64_t *ci = outi + g * ki + j0
    cdef uint8_t *ck = outok + g * ki + j0
    cdef in_t *p = base + (offset_of(g, kod) if kod.nd > 0 else 0) + j0 * kis
    cdef const in_t *q
    cdef in_t buf[SBLOCK_MAX]
    cdef bint t0 = threadid() == 0
    for j in range(n):
        cv[j] = p[j * kis]
        ci[j] = 0
        ck[j] = cv[j] == cv[j]
    o = 1
    if (in_t is double or in_t is float) and kis == 1 and n >= 1024 and not need_idx \
            and nanmode != NAN_AS_WORST:
        # Wide rows: four at a time, the running extremes read and written once per
        # four (AVX-512 in registers; SSE2 in two passes for min/max); else one by one.
        while o + 4 <= od.size:
            if not fold4(p + offset_of(o, od), p + offset_of(o + 1, od),
                         p + offset_of(o + 2, od), p + offset_of(o + 3, od), cv, n,
                         want_max, nanmode):
                break
            o += 4
            if t0 and (o & 1023) < 4:
                poll(stop)
                if stopped(stop):
                    return
    for o in range(o, od.size):
        q = p + offset_of(o, od)
        if kis == 1:
            ext_s_row(q, cv, ci, ck, n, o, want_max, nanmode, need_idx)
        else:
            c0 = 0
            while c0 < n:  # gather strided columns first
                c1 = min(n, c0 + <Py_ssize_t> SBLOCK_MAX)
                for j in range(c0, c1):
                    buf[j - c0] = q[j * kis]
                ext_s_row(buf, cv + c0, ci + c0, ck + c0, c1 - c0, o, want_max, nanmode,
                          need_idx)
                c0 = c1
        if t0 and (o & 1023) == 0:
            poll(stop)
            if stopped(stop):
                return
    if (in_t is double or in_t is float) and nanmode == NAN_SKIP:
        for j in range(n):  # a column holds a number once one was seen (cc_foldx)
            ck[j] = cv[j] == cv[j]


cdef int ext_s(in_t *base, in_t *outv, int64_t *outi, uint8_t *outok, const Dims *kd,
               const Dims *od, bint want_max, int nanmode, bint need_idx, int nt,
               Stop *stop) except -1 nogil:
    cdef Py_ssize_t ki = kd.shape[kd.nd - 1], kis = kd.stride[kd.nd - 1]
    cdef Py_ssize_t kgroups = kd.size // ki if ki > 0 else 0
    cdef Py_ssize_t bw = s_width(ki, nt), nb = (ki + bw - 1) // bw
    cdef Py_ssize_t ntask = kgroups * nb, t
    cdef Dims kod
    kod.nd = kd.nd - 1
    kod.shape = kd.shape
    kod.stride = kd.stride
    kod.size = kgroups
    if nt > 1 and ntask > 1:
        for t in prange(ntask, schedule="static", num_threads=team(nt, ntask)):
            if not stopped(stop):
                ext_s_task(base, outv, outi, outok, &kod, od, ki, kis, bw, t // nb, t % nb,
                           want_max, nanmode, need_idx, stop)
    else:
        for t in range(ntask):
            ext_s_task(base, outv, outi, outok, &kod, od, ki, kis, bw, t // nb, t % nb,
                       want_max, nanmode, need_idx, stop)
            if stopped(stop):
                break
    return 0


cdef inline int ext_any(in_t *base, in_t *outv, int64_t *outi, uint8_t *outok,
                        const Dims *kd, const Dims *od, Py_ssize_t L, Py_ssize_t ls,
                        bint smode, bint want_max, int nanmode, bint need_idx, int nt,
                        Stop *stop) except -1 nogil:
    if smode:
        return ext_s(base, outv, outi, outok, kd, od, want_max, nanmode, need_idx, nt, stop)
    return ext_p(base, outv, outi, outok, kd, od, L, ls, want_max, nanmode, need_idx, nt,
                 stop)


cdef int run_ext(in_t *base, in_t *outv, int64_t *outi, uint8_t *outok, tuple kshape,
                 tuple kstride, tuple oshape, tuple ostride, Py_ssize_t L, Py_ssize_t ls,
                 bint smode, bint want_max, int nanmode, bint need_idx, int nt,
                 bint check) except -1:
    cdef Dims kd, od
    cdef Stop stop
    dims_from(&kd, kshape, kstride)
    try:
        dims_from(&od, oshape, ostride)
        try:
            stop_init(&stop, check)
            if nt <= 1 and kd.size * od.size * L < NOGIL_MIN:    # see _openmp.pxd
                ext_any(base, outv, outi, outok, &kd, &od, L, ls, smode, want_max, nanmode,
                        need_idx, nt, &stop)
            else:
                with nogil:
                    ext_any(base, outv, outi, outok, &kd, &od, L, ls, smode, want_max,
                            nanmode, need_idx, nt, &stop)
            raise_if_stopped(&stop)
        finally:
            dims_free(&od)
    finally:
        dims_free(&kd)
    return 0


def extreme_flat(cnp.ndarray a, int tcode, cnp.ndarray outv, bint want_max, bint need_idx,
                 int nt, bint check):
    """Fast path: the extreme of a whole C-contiguous array (NaN propagates) into
    outv[0] (a's dtype, one element); returns its flat index."""
    cdef int64_t idx = 0
    cdef uint8_t ok = 0
    cdef Py_ssize_t n = cnp.PyArray_SIZE(a)
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef void *pv = cnp.PyArray_DATA(outv)
    if tcode == 0:
        run_ext[double](<double *> pa, <double *> pv, &idx, &ok, (), (), (), (), n, 1, False,
                        want_max, NAN_PROPAGATE, need_idx, nt, check)
    elif tcode == 1:
        run_ext[float](<float *> pa, <float *> pv, &idx, &ok, (), (), (), (), n, 1, False,
                       want_max, NAN_PROPAGATE, need_idx, nt, check)
    elif tcode == 2:
        run_ext[int64_t](<int64_t *> pa, <int64_t *> pv, &idx, &ok, (), (), (), (), n, 1,
                         False, want_max, NAN_PROPAGATE, need_idx, nt, check)
    elif tcode == 3:
        run_ext[int32_t](<int32_t *> pa, <int32_t *> pv, &idx, &ok, (), (), (), (), n, 1,
                         False, want_max, NAN_PROPAGATE, need_idx, nt, check)
    else:
        run_ext[uint8_t](<uint8_t *> pa, <uint8_t *> pv, &idx, &ok, (), (), (), (), n, 1,
                         False, want_max, NAN_PROPAGATE, need_idx, nt, check)
    return idx


def extreme_rows(cnp.ndarray a, int tcode, cnp.ndarray outv, cnp.ndarray outi,
                 cnp.ndarray outok, tuple kshape, tuple kstride, tuple oshape, tuple ostride,
                 Py_ssize_t L, Py_ssize_t ls, bint smode, bint want_max, int nanmode,
                 bint need_idx, int nt, bint check):
    """Per kept element: the extreme value (outv, input dtype), its flat index in the
    reduced space (outi, int64) and whether the row held a non-NaN element (outok, uint8).
    """
    cdef void *pa = cnp.PyArray_DATA(a)
    cdef void *pv = cnp.PyArray_DATA(outv)
    cdef int64_t *pi = <int64_t *> cnp.PyArray_DATA(outi)
    cdef uint8_t *pk = <uint8_t *> cnp.PyArray_DATA(outok)
    if tcode == 0:
        run_ext[double](<double *> pa, <double *> pv, pi, pk, kshape, kstride, oshape, ostride,
                        L, ls, smode, want_max, nanmode, need_idx, nt, check)
    elif tcode == 1:
        run_ext[float](<float *> pa, <float *> pv, pi, pk, kshape, kstride, oshape, ostride,
                       L, ls, smode, want_max, nanmode, need_idx, nt, check)
    elif tcode == 2:
        run_ext[int64_t](<int64_t *> pa, <int64_t *> pv, pi, pk, kshape, kstride, oshape,
                         ostride, L, ls, smode, want_max, nanmode, need_idx, nt, check)
    elif tcode == 3:
        run_ext[int32_t](<int32_t *> pa, <int32_t *> pv, pi, pk, kshape, kstride, oshape,
                         ostride, L, ls, smode, want_max, nanmode, need_idx, nt, check)
    else:
        run_ext[uint8_t](<uint8_t *> pa, <uint8_t *> pv, pi, pk, kshape, kstride, oshape,
                         ostride, L, ls, smode, want_max, nanmode, need_idx, nt, check)


# ------------------------------------------------------------ the common call

cdef extern from "numpy/arrayobject.h":
    object PyArray_Scalar(void *data, cnp.PyArray_Descr *descr, object base)

cdef extern from "<math.h>" nogil:
    double sqrt(double x)
    float sqrtf(float x)

from cpython.bytearray cimport PyByteArray_AS_STRING

# What fast_small computes.
cdef enum:
    F_SUM = 0
    F_MEAN = 1
    F_VAR = 2
    F_STD = 3
    F_MIN = 4
    F_MAX = 5
    F_ARGMIN = 6
    F_ARGMAX = 7


ctypedef fused flt_t:
    double
    float


cdef void small_moment(const flt_t *q, Py_ssize_t n, Py_ssize_t s, int fn, Py_ssize_t ddof,
                       flt_t *res) noexcept nogil:
    """sum/mean/var/std of a short run (stride s elements): _whole_var's and sum_flat's
    steps (NumPy adds a strided 1-D array in the same pairwise order)."""
    cdef flt_t r = <flt_t> 0.0 + pw(q, n, s, OP_SUM, <flt_t> 0.0)
    if fn != F_SUM:     # the count divides in float64, rounded once to the type
        r = <flt_t> (<double> r / <double> n)
    if fn >= F_VAR:
        r = <flt_t> 0.0 + pw(q, n, s, OP_SQDEV, r)
        r = <flt_t> (<double> r / <double> (n - ddof))
        if fn == F_STD:
            r = sqrtf(r) if flt_t is float else sqrt(r)
    res[0] = r


cdef void small_extreme(const in_t *q, Py_ssize_t n, Py_ssize_t s, int fn, in_t *val,
                        int64_t *idx) noexcept nogil:
    """min/max/argmin/argmax of a short run (stride s elements): extreme_flat's serial
    branch."""
    cdef Dims one
    cdef uint8_t ok
    cdef bint want_max = fn == F_MAX or fn == F_ARGMAX
    cdef Py_ssize_t i, w = 0
    cdef in_t x
    if n <= TINY_EXTREME:
        # ext_run's answer without its lanes and rescans: the first NaN, else the
        # first of the extreme values (so the first of equal zeros)
        for i in range(n):
            x = q[i * s]
            if in_t is double or in_t is float:
                if x != x:
                    val[0] = x
                    idx[0] = i
                    return
            if better(x, q[w * s], want_max):
                w = i
        val[0] = q[w * s]
        idx[0] = w
        return
    one.nd = 0      # one run of n elements: no outer index space
    one.size = 1
    one.shape = NULL
    one.stride = NULL
    ext_row(q, &one, n, s, want_max, NAN_PROPAGATE, fn >= F_ARGMIN, val, idx, &ok)


cdef int small_run(int fn, int typenum, void *p, Py_ssize_t n, Py_ssize_t s, Py_ssize_t ddof,
                   void *val, int64_t *idx) noexcept nogil:
    """fn of n elements of type typenum at p, s elements apart, into val (a's type) or
    idx; 0, or -1 for a type it does not handle."""
    if typenum == cnp.NPY_DOUBLE:
        if fn <= F_STD:
            small_moment(<double *> p, n, s, fn, ddof, <double *> val)
        else:
            small_extreme(<double *> p, n, s, fn, <double *> val, idx)
    elif typenum == cnp.NPY_FLOAT:
        if fn <= F_STD:
            small_moment(<float *> p, n, s, fn, ddof, <float *> val)
        else:
            small_extreme(<float *> p, n, s, fn, <float *> val, idx)
    elif fn <= F_STD:
        return -1
    elif typenum == cnp.NPY_INT64:
        small_extreme(<int64_t *> p, n, s, fn, <int64_t *> val, idx)
    elif typenum == cnp.NPY_INT32:
        small_extreme(<int32_t *> p, n, s, fn, <int32_t *> val, idx)
    else:
        return -1
    return 0


cdef object fast_small(int fn, object obj, Py_ssize_t grain, Py_ssize_t ddof):
    """fn over every element of `obj` when it is a plain ndarray (not a subclass) that is
    C-contiguous or 1-D with any stride (a slice with a step, reversed, a column),
    aligned, in native byte order, non-empty and shorter than `grain`, of float64 or
    float32 (and, for the extremes, int64 or int32); None otherwise.

    The same steps as the general path's serial branch for such an array
    (``concore.reductions._whole*`` with ``sum_flat``/``extreme_flat`` on one thread),
    so the same bits; it only skips the Python frames around them. Below NOGIL_MIN
    elements the GIL is kept (see _openmp.pxd)."""
    cdef cnp.ndarray a
    cdef Py_ssize_t n, s = 1
    cdef int rc
    cdef double val = 0     # room for one value of any handled type
    cdef int64_t idx = -1
    cdef cnp.npy_intp i
    cdef cnp.dtype intp
    if type(obj) is not cnp.ndarray:
        return None
    a = <cnp.ndarray> obj
    n = cnp.PyArray_SIZE(a)
    if n == 0 or n >= grain or (fn >= F_VAR and fn <= F_STD and n <= ddof):
        return None
    if not cnp.PyArray_ISCARRAY_RO(a):
        # aligned: the stride is a whole number of elements
        if cnp.PyArray_NDIM(a) != 1 or not cnp.PyArray_ISBEHAVED_RO(a):
            return None
        s = cnp.PyArray_STRIDE(a, 0) // cnp.PyArray_ITEMSIZE(a)
    if n >= NOGIL_MIN:
        with nogil:
            rc = small_run(fn, cnp.PyArray_TYPE(a), cnp.PyArray_DATA(a), n, s, ddof, &val, &idx)
    else:
        rc = small_run(fn, cnp.PyArray_TYPE(a), cnp.PyArray_DATA(a), n, s, ddof, &val, &idx)
    if rc < 0:
        return None
    if fn < F_ARGMIN:
        return PyArray_Scalar(&val, cnp.PyArray_DESCR(a), None)
    i = idx
    intp = cnp.PyArray_DescrFromType(cnp.NPY_INTP)
    return PyArray_Scalar(&i, <cnp.PyArray_Descr *> intp, None)


cdef object fast_dot(object x, object y, Py_ssize_t grain):
    """dot of two plain aligned native 1-D float64 (or float32) arrays of one length
    (any strides), non-empty and shorter than `grain`: dot_flat's serial sum of
    products (the same bits); None for any other pair."""
    cdef cnp.ndarray a, b
    cdef Py_ssize_t n, sa, sb
    cdef double rd
    cdef float rf
    if type(x) is not cnp.ndarray or type(y) is not cnp.ndarray:
        return None
    a = <cnp.ndarray> x
    b = <cnp.ndarray> y
    n = cnp.PyArray_SIZE(a)
    if (cnp.PyArray_NDIM(a) != 1 or cnp.PyArray_NDIM(b) != 1 or cnp.PyArray_SIZE(b) != n
            or n == 0 or n >= grain or cnp.PyArray_TYPE(a) != cnp.PyArray_TYPE(b)
            or not cnp.PyArray_ISBEHAVED_RO(a) or not cnp.PyArray_ISBEHAVED_RO(b)):
        return None
    sa = cnp.PyArray_STRIDE(a, 0) // cnp.PyArray_ITEMSIZE(a)   # aligned: whole elements
    sb = cnp.PyArray_STRIDE(b, 0) // cnp.PyArray_ITEMSIZE(b)
    if cnp.PyArray_TYPE(a) == cnp.NPY_DOUBLE:
        if n >= NOGIL_MIN:
            with nogil:
                rd = 0.0 + pw(<double *> cnp.PyArray_DATA(a), n, sa, OP_DOT, 0.0,
                              <double *> cnp.PyArray_DATA(b), sb)
        else:
            rd = 0.0 + pw(<double *> cnp.PyArray_DATA(a), n, sa, OP_DOT, 0.0,
                          <double *> cnp.PyArray_DATA(b), sb)
        return PyArray_Scalar(&rd, cnp.PyArray_DESCR(a), None)
    if cnp.PyArray_TYPE(a) == cnp.NPY_FLOAT:
        if n >= NOGIL_MIN:
            with nogil:
                rf = <float> 0.0 + pw(<float *> cnp.PyArray_DATA(a), n, sa, OP_DOT, <float> 0.0,
                                      <float *> cnp.PyArray_DATA(b), sb)
        else:
            rf = <float> 0.0 + pw(<float *> cnp.PyArray_DATA(a), n, sa, OP_DOT, <float> 0.0,
                                  <float *> cnp.PyArray_DATA(b), sb)
        return PyArray_Scalar(&rf, cnp.PyArray_DESCR(a), None)
    return None


cdef inline bint small_threads(object n_threads):
    """A thread count the fast path may ignore: a small call runs on the calling thread
    whatever the count (the same bits); any other value goes to the general path's check."""
    return n_threads is None or (type(n_threads) is int and n_threads > 0)


def fast_calls(dict py, bytearray gate, Py_ssize_t grain, object novalue):
    """The public sum, mean, var, std, min, max, argmin, argmax and dot with the common
    call (a whole small array, no other argument but n_threads; see fast_small and
    fast_dot) answered here without a Python frame, as long as ``gate[0]`` is 0
    (``concore._config`` keeps it so while
    the native backend is in force for every thread). Every other call goes to the
    Python function of the same name in ``py``, which gives the same answer."""
    cdef object py_sum = py["sum"], py_mean = py["mean"], py_var = py["var"]
    cdef object py_std = py["std"], py_min = py["min"], py_max = py["max"]
    cdef object py_argmin = py["argmin"], py_argmax = py["argmax"], py_dot = py["dot"]
    cdef object r

    def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=novalue,
            where=novalue, *, n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and dtype is None
                and out is None and keepdims is False and initial is novalue
                and where is novalue and small_threads(n_threads)):
            r = fast_small(F_SUM, a, grain, 0)
            if r is not None:
                return r
        return py_sum(a, axis, dtype, out, keepdims, initial, where, n_threads=n_threads)

    def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=novalue,
             n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and dtype is None
                and out is None and keepdims is False and where is novalue
                and small_threads(n_threads)):
            r = fast_small(F_MEAN, a, grain, 0)
            if r is not None:
                return r
        return py_mean(a, axis, dtype, out, keepdims, where=where, n_threads=n_threads)

    def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=novalue,
            mean=novalue, correction=novalue, n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and dtype is None
                and out is None and type(ddof) is int and 0 <= ddof < grain
                and keepdims is False and where is novalue and mean is novalue
                and correction is novalue and small_threads(n_threads)):
            r = fast_small(F_VAR, a, grain, ddof)
            if r is not None:
                return r
        return py_var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                      correction=correction, n_threads=n_threads)

    def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=novalue,
            mean=novalue, correction=novalue, n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and dtype is None
                and out is None and type(ddof) is int and 0 <= ddof < grain
                and keepdims is False and where is novalue and mean is novalue
                and correction is novalue and small_threads(n_threads)):
            r = fast_small(F_STD, a, grain, ddof)
            if r is not None:
                return r
        return py_std(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean,
                      correction=correction, n_threads=n_threads)

    def min(a, axis=None, out=None, keepdims=False, initial=novalue, where=novalue, *,
            n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and out is None
                and keepdims is False and initial is novalue and where is novalue
                and small_threads(n_threads)):
            r = fast_small(F_MIN, a, grain, 0)
            if r is not None:
                return r
        return py_min(a, axis, out, keepdims, initial, where, n_threads=n_threads)

    def max(a, axis=None, out=None, keepdims=False, initial=novalue, where=novalue, *,
            n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and out is None
                and keepdims is False and initial is novalue and where is novalue
                and small_threads(n_threads)):
            r = fast_small(F_MAX, a, grain, 0)
            if r is not None:
                return r
        return py_max(a, axis, out, keepdims, initial, where, n_threads=n_threads)

    def argmin(a, axis=None, out=None, *, keepdims=False, n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and out is None
                and keepdims is False and small_threads(n_threads)):
            r = fast_small(F_ARGMIN, a, grain, 0)
            if r is not None:
                return r
        return py_argmin(a, axis, out, keepdims=keepdims, n_threads=n_threads)

    def argmax(a, axis=None, out=None, *, keepdims=False, n_threads=None):
        if (PyByteArray_AS_STRING(gate)[0] == 0 and axis is None and out is None
                and keepdims is False and small_threads(n_threads)):
            r = fast_small(F_ARGMAX, a, grain, 0)
            if r is not None:
                return r
        return py_argmax(a, axis, out, keepdims=keepdims, n_threads=n_threads)

    def dot(a, b, out=None, *, n_threads=None):
        if PyByteArray_AS_STRING(gate)[0] == 0 and out is None and small_threads(n_threads):
            r = fast_dot(a, b, grain)
            if r is not None:
                return r
        return py_dot(a, b, out, n_threads=n_threads)

    return {"sum": sum, "mean": mean, "var": var, "std": std, "min": min, "max": max,
            "argmin": argmin, "argmax": argmax, "dot": dot}
