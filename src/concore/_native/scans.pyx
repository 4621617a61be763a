"""Parallel scan kernels: cumulative sums and products (and their NaN-skipping forms).

Every kernel receives a normalised description from ``concore.scans`` (see
``_plan`` there): the input ``x`` and the output ``out`` (data pointers at the
first logical element), the kept index space (every axis but the scanned one,
size-1 axes dropped, merged where the strides allow; strides in elements, one set
for ``x`` and one for ``out``) and the scanned axis (``N`` elements, stride ``xns``
in ``x``, ``ons`` in ``out``). Two definitions:

* sequential (``blocked`` false): ``out[0] = v[0]``, ``out[i] = out[i-1] op v[i]``
  along the axis for each kept position: NumPy's own loop, so NumPy's bits. The
  kept positions are independent chains, split across threads in any grouping.
* blocked (``blocked`` true; a run at least the grain long with nothing inside it):
  fixed blocks of BLOCK elements, each NSUB sub-blocks of SUB elements.

      s[b][j] = e op v[..] op v[..] ...        sequential sum of sub-block j of block b
      T[b]    = e op s[b][0] op ... op s[b][last]
      P[0] = e,  P[b+1] = P[b] op T[b]            (serial, in block order)
      Q[b][0] = P[b],  Q[b][j+1] = Q[b][j] op s[b][j]
      out in sub-block j of block b: sequential from Q[b][j]

  ``e`` is the identity: -0.0 for float sums (so that -0.0 + x == x for every x),
  0 for integer sums, 1 for products. The NSUB sub-blocks of a block are scanned as
  NSUB interleaved chains, which hides the latency of the adds. The structure
  depends on N only, never on the thread count, so every result is bitwise the same
  for any number of threads; ``concore._python.scans`` computes the same
  definitions with NumPy.
"""
from cython.parallel cimport prange, parallel, threadid
from libc.stdint cimport int64_t, int32_t, uint8_t
from libc.stdlib cimport malloc, free
from libc.math cimport copysign

cimport numpy as cnp

from concore._native._openmp cimport (
    NOGIL_MIN, Stop, stop_init, stopped, poll, raise_if_stopped,
)

cnp.import_array()

cdef extern from *:
    """
    /* The hand-off between the threads of the parallel blocked scan: a counter of
       units taken, and the number of units whose running total is published (the
       total itself is written before the release store and read after the acquire). */
    #if defined(_MSC_VER)
    #include <intrin.h>
    #include <windows.h>
    static Py_ssize_t cc_take(volatile Py_ssize_t *c) {
        return (Py_ssize_t)_InterlockedExchangeAdd64((volatile long long *)c, 1);
    }
    static Py_ssize_t cc_ready(volatile Py_ssize_t *r) {
        return (Py_ssize_t)_InterlockedOr64((volatile long long *)r, 0);
    }
    static void cc_publish(volatile Py_ssize_t *r, Py_ssize_t v) {
        _InterlockedExchange64((volatile long long *)r, (long long)v);
    }
    static void cc_relax(void) { YieldProcessor(); }
    static void cc_yield(void) { SwitchToThread(); }
    #else
    #include <sched.h>
    static Py_ssize_t cc_take(Py_ssize_t *c) { return __atomic_fetch_add(c, 1, __ATOMIC_RELAXED); }
    static Py_ssize_t cc_ready(Py_ssize_t *r) { return __atomic_load_n(r, __ATOMIC_ACQUIRE); }
    static void cc_publish(Py_ssize_t *r, Py_ssize_t v) { __atomic_store_n(r, v, __ATOMIC_RELEASE); }
    #if defined(__x86_64__) || defined(__i386__)
    static void cc_relax(void) { __builtin_ia32_pause(); }
    #elif defined(__aarch64__)
    static void cc_relax(void) { __asm__ __volatile__("yield"); }
    #else
    static void cc_relax(void) { }
    #endif
    static void cc_yield(void) { sched_yield(); }
    #endif
    /* Spin briefly (the unit waited for is usually a few microseconds from done),
       then give the core away: with more threads than free cores, the thread
       waited for may be the one that needs it. */
    static int cc_wait(int spins) {
        if (spins < 4096) { cc_relax(); return spins + 1; }
        cc_yield();
        return spins;
    }
    """
    Py_ssize_t cc_take(Py_ssize_t *c) noexcept nogil
    Py_ssize_t cc_ready(Py_ssize_t *r) noexcept nogil
    void cc_publish(Py_ssize_t *r, Py_ssize_t v) noexcept nogil
    int cc_wait(int spins) noexcept nogil

# Work sizes: the blocked structure (BLOCK, NSUB, SUB) is part of the definition of
# the result (concore._python.scans uses the same numbers); the others only group work.
cdef enum:
    BLOCK = 4160            # elements per block of the blocked scan
    NSUB = 8                # sub-blocks per block (interleaved chains)
    SUB = 520               # elements per sub-block (BLOCK // NSUB): not a multiple of
                            # 512, so that the 16 streams of a block (8 read, 8 written)
                            # do not fall into the same L1 set 4 KiB apart
    UNIT = 63               # blocks a thread takes at a time in the parallel scan
                            # (520 KiB of float64 input: still in L2 when scanned);
                            # taken in order, a slow thread just takes fewer
    TASK = 16384            # elements per parallel task of the sequential kernels
    COLW = 1024             # columns per task of the column kernel
    POLL_EVERY = 1 << 16    # elements between polls in serial loops

cdef struct Chain:
    Py_ssize_t next         # units taken so far
    Py_ssize_t ready        # units whose running total is published


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

cdef struct AddOp:
    char unused

cdef struct MulOp:
    char unused

ctypedef fused op_t:
    AddOp
    MulOp

cdef struct Kept:
    int nd
    Py_ssize_t size
    Py_ssize_t *shape
    Py_ssize_t *xs
    Py_ssize_t *os


# ------------------------------------------------------------------ helpers

cdef inline int team(int nt, Py_ssize_t ntasks) noexcept nogil:
    """Threads for a parallel loop: no more than there are tasks."""
    return <int> min(<Py_ssize_t> nt, ntasks)


cdef inline Py_ssize_t iabs(Py_ssize_t v) noexcept nogil:
    return -v if v < 0 else v


cdef inline acc_t comb(acc_t a, acc_t b, op_t *t) noexcept nogil:
    if op_t is AddOp:
        return a + b
    else:
        return a * b


cdef inline acc_t val(in_t x, bint nan, acc_t nv) noexcept nogil:
    """What an element contributes: itself in the accumulator type, NaN as nv if nan."""
    if in_t is double or in_t is float:
        if nan and x != x:
            return nv
    return <acc_t> x


cdef inline void offsets(Py_ssize_t i, const Kept *d, int nd, Py_ssize_t *ox,
                         Py_ssize_t *oo) noexcept nogil:
    """Offsets in x and out of flat (C-order) index i over the first nd kept axes."""
    cdef Py_ssize_t a = 0, b = 0, r
    cdef int j
    for j in range(nd - 1, -1, -1):
        r = i % d.shape[j]
        i = i // d.shape[j]
        a += r * d.xs[j]
        b += r * d.os[j]
    ox[0] = a
    oo[0] = b


cdef int kept_from(Kept *d, tuple shape, tuple xs, tuple os) except -1:
    cdef int j, nd = len(shape)
    d.nd = nd
    d.size = 1
    d.shape = <Py_ssize_t *> malloc((nd + 1) * sizeof(Py_ssize_t))
    d.xs = <Py_ssize_t *> malloc((nd + 1) * sizeof(Py_ssize_t))
    d.os = <Py_ssize_t *> malloc((nd + 1) * sizeof(Py_ssize_t))
    if d.shape == NULL or d.xs == NULL or d.os == NULL:
        free(d.shape); free(d.xs); free(d.os)
        d.shape = d.xs = d.os = NULL
        raise MemoryError()
    for j in range(nd):
        d.shape[j] = shape[j]
        d.xs[j] = xs[j]
        d.os[j] = os[j]
        d.size *= d.shape[j]
    return 0


cdef void kept_free(Kept *d) noexcept:
    free(d.shape)
    free(d.xs)
    free(d.os)


# ------------------------------------------------------- sequential kernels

cdef inline void seq_run(const in_t *p, Py_ssize_t n, Py_ssize_t xs, acc_t *o, Py_ssize_t os,
                         bint nan, acc_t nv, op_t *t) noexcept nogil:
    """NumPy's loop along one run: o[0] = v[0], o[i] = o[i-1] op v[i]."""
    cdef acc_t c = val(p[0], nan, nv)
    cdef Py_ssize_t i
    o[0] = c
    if xs == 1 and os == 1:
        for i in range(1, n):
            c = comb(c, val(p[i], nan, nv), t)
            o[i] = c
    else:
        for i in range(1, n):
            c = comb(c, val(p[i * xs], nan, nv), t)
            o[i * os] = c


cdef inline void seq_run4(const in_t *p0, const in_t *p1, const in_t *p2, const in_t *p3,
                          Py_ssize_t n, Py_ssize_t xs, acc_t *o0, acc_t *o1, acc_t *o2,
                          acc_t *o3, Py_ssize_t os, bint nan, acc_t nv,
                          op_t *t) noexcept nogil:
    """seq_run of four runs side by side: four independent chains (the same operations
    as four separate calls, so the same bits)."""
    cdef acc_t c0 = val(p0[0], nan, nv), c1 = val(p1[0], nan, nv)
    cdef acc_t c2 = val(p2[0], nan, nv), c3 = val(p3[0], nan, nv)
    cdef Py_ssize_t i
    o0[0] = c0
    o1[0] = c1
    o2[0] = c2
    o3[0] = c3
    for i in range(1, n):
        c0 = comb(c0, val(p0[i * xs], nan, nv), t)
        c1 = comb(c1, val(p1[i * xs], nan, nv), t)
        c2 = comb(c2, val(p2[i * xs], nan, nv), t)
        c3 = comb(c3, val(p3[i * xs], nan, nv), t)
        o0[i * os] = c0
        o1[i * os] = c1
        o2[i * os] = c2
        o3[i * os] = c3


cdef void seq_rows_task(const in_t *x, acc_t *out, const Kept *kd, Py_ssize_t k0,
                        Py_ssize_t k1, Py_ssize_t N, Py_ssize_t xns, Py_ssize_t ons,
                        bint nan, acc_t nv, op_t *t) noexcept nogil:
    """Runs k0..k1-1, four at a time while there are four."""
    cdef Py_ssize_t k = k0, a0, a1, a2, a3, b0, b1, b2, b3
    while k + 4 <= k1:
        offsets(k, kd, kd.nd, &a0, &b0)
        offsets(k + 1, kd, kd.nd, &a1, &b1)
        offsets(k + 2, kd, kd.nd, &a2, &b2)
        offsets(k + 3, kd, kd.nd, &a3, &b3)
        seq_run4(x + a0, x + a1, x + a2, x + a3, N, xns, out + b0, out + b1, out + b2,
                 out + b3, ons, nan, nv, t)
        k += 4
    while k < k1:
        offsets(k, kd, kd.nd, &a0, &b0)
        seq_run(x + a0, N, xns, out + b0, ons, nan, nv, t)
        k += 1


cdef int seq_rows(const in_t *x, acc_t *out, const Kept *kd, Py_ssize_t N, Py_ssize_t xns,
                  Py_ssize_t ons, bint nan, acc_t nv, int nt, Stop *stop,
                  op_t *t) except -1 nogil:
    """Each kept position scans its run along the axis (row mode)."""
    cdef Py_ssize_t K = kd.size, per, ntask, task, k0
    per = max(<Py_ssize_t> 4, (TASK // max(N, <Py_ssize_t> 1)) // 4 * 4)
    ntask = (K + per - 1) // per
    if nt > 1 and ntask > 1:
        for task in prange(ntask, schedule="static", num_threads=team(nt, ntask)):
            if not stopped(stop):
                seq_rows_task(x, out, kd, task * per, min(K, (task + 1) * per), N, xns, ons,
                              nan, nv, t)
                if threadid() == 0:
                    poll(stop)
    else:
        for task in range(ntask):
            seq_rows_task(x, out, kd, task * per, min(K, (task + 1) * per), N, xns, ons,
                          nan, nv, t)
            poll(stop)
            if stopped(stop):
                break
    return 0


cdef void seq_cols_task(const in_t *x, acc_t *out, const Kept *kd, Py_ssize_t g,
                        Py_ssize_t j0, Py_ssize_t j1, Py_ssize_t N, Py_ssize_t xns,
                        Py_ssize_t ons, bint nan, acc_t nv, Stop *stop,
                        op_t *t) noexcept nogil:
    """Columns j0..j1-1 of column group g, swept along the axis row after row."""
    cdef int last = kd.nd - 1
    cdef Py_ssize_t xis = kd.xs[last], ois = kd.os[last], gx, go, i, j, n = j1 - j0
    cdef const in_t *px
    cdef acc_t *po
    cdef const acc_t *prev
    cdef bint t0 = threadid() == 0
    offsets(g, kd, last, &gx, &go)
    px = x + gx + j0 * xis
    po = out + go + j0 * ois
    if xis == 1 and ois == 1:
        for j in range(n):
            po[j] = val(px[j], nan, nv)
        for i in range(1, N):
            prev = po
            px = px + xns
            po = po + ons
            for j in range(n):
                po[j] = comb(prev[j], val(px[j], nan, nv), t)
            if t0 and (i & 255) == 0:
                poll(stop)
                if stopped(stop):
                    return
    else:
        for j in range(n):
            po[j * ois] = val(px[j * xis], nan, nv)
        for i in range(1, N):
            prev = po
            px = px + xns
            po = po + ons
            for j in range(n):
                po[j * ois] = comb(prev[j * ois], val(px[j * xis], nan, nv), t)
            if t0 and (i & 255) == 0:
                poll(stop)
                if stopped(stop):
                    return


cdef int seq_cols(const in_t *x, acc_t *out, const Kept *kd, Py_ssize_t N, Py_ssize_t xns,
                  Py_ssize_t ons, bint nan, acc_t nv, int nt, Stop *stop,
                  op_t *t) except -1 nogil:
    """Column mode: the innermost kept axis is faster in memory than the scanned one."""
    cdef Py_ssize_t I = kd.shape[kd.nd - 1], G = kd.size // I
    cdef Py_ssize_t w, nb, ntask, task, g, b
    w = (I + max(nt, 1) - 1) // max(nt, 1)
    w = min(<Py_ssize_t> COLW, max(<Py_ssize_t> 64, (w + 7) // 8 * 8))
    nb = (I + w - 1) // w
    ntask = G * nb
    if nt > 1 and ntask > 1:
        for task in prange(ntask, schedule="static", num_threads=team(nt, ntask)):
            if not stopped(stop):
                g = task // nb
                b = task % nb
                seq_cols_task(x, out, kd, g, b * w, min(I, (b + 1) * w), N, xns, ons, nan,
                              nv, stop, t)
                if threadid() == 0:
                    poll(stop)
    else:
        for task in range(ntask):
            g = task // nb
            b = task % nb
            seq_cols_task(x, out, kd, g, b * w, min(I, (b + 1) * w), N, xns, ons, nan, nv,
                          stop, t)
            poll(stop)
            if stopped(stop):
                break
    return 0


# ---------------------------------------------------------- blocked kernel

cdef void block_sums(const in_t *p, Py_ssize_t n, Py_ssize_t xs, Py_ssize_t b, bint nan,
                     acc_t nv, acc_t e, acc_t *sub, acc_t *tot, op_t *t) noexcept nogil:
    """s[b][j] for every sub-block j of block b, and T[b]."""
    cdef Py_ssize_t start = b * BLOCK, L = min(<Py_ssize_t> BLOCK, n - start), i, j, m, hi
    cdef const in_t *q = p + start * xs
    cdef acc_t c0, c1, c2, c3, c4, c5, c6, c7, c
    if L == BLOCK:
        c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = e
        if xs == 1:
            for i in range(SUB):
                c0 = comb(c0, val(q[i], nan, nv), t)
                c1 = comb(c1, val(q[SUB + i], nan, nv), t)
                c2 = comb(c2, val(q[2 * SUB + i], nan, nv), t)
                c3 = comb(c3, val(q[3 * SUB + i], nan, nv), t)
                c4 = comb(c4, val(q[4 * SUB + i], nan, nv), t)
                c5 = comb(c5, val(q[5 * SUB + i], nan, nv), t)
                c6 = comb(c6, val(q[6 * SUB + i], nan, nv), t)
                c7 = comb(c7, val(q[7 * SUB + i], nan, nv), t)
        else:
            for i in range(SUB):
                c0 = comb(c0, val(q[i * xs], nan, nv), t)
                c1 = comb(c1, val(q[(SUB + i) * xs], nan, nv), t)
                c2 = comb(c2, val(q[(2 * SUB + i) * xs], nan, nv), t)
                c3 = comb(c3, val(q[(3 * SUB + i) * xs], nan, nv), t)
                c4 = comb(c4, val(q[(4 * SUB + i) * xs], nan, nv), t)
                c5 = comb(c5, val(q[(5 * SUB + i) * xs], nan, nv), t)
                c6 = comb(c6, val(q[(6 * SUB + i) * xs], nan, nv), t)
                c7 = comb(c7, val(q[(7 * SUB + i) * xs], nan, nv), t)
        sub[0], sub[1], sub[2], sub[3] = c0, c1, c2, c3
        sub[4], sub[5], sub[6], sub[7] = c4, c5, c6, c7
        m = NSUB
    else:
        m = (L + SUB - 1) // SUB
        for j in range(m):
            c = e
            hi = min(L, (j + 1) * SUB)
            for i in range(j * SUB, hi):
                c = comb(c, val(q[i * xs], nan, nv), t)
            sub[j] = c
    c = e
    for j in range(m):
        c = comb(c, sub[j], t)
    tot[0] = c


cdef void block_scan(const in_t *p, Py_ssize_t n, Py_ssize_t xs, acc_t *o, Py_ssize_t os,
                     Py_ssize_t b, bint nan, acc_t nv, acc_t off, const acc_t *sub,
                     op_t *t) noexcept nogil:
    """Block b scanned from its offset P[b] = off, each sub-block from its Q[b][j]."""
    cdef Py_ssize_t start = b * BLOCK, L = min(<Py_ssize_t> BLOCK, n - start), i, j, m, hi
    cdef const in_t *q = p + start * xs
    cdef acc_t *r = o + start * os
    cdef acc_t c0, c1, c2, c3, c4, c5, c6, c7, c, qj
    if L == BLOCK:
        c0 = off
        c1 = comb(c0, sub[0], t)
        c2 = comb(c1, sub[1], t)
        c3 = comb(c2, sub[2], t)
        c4 = comb(c3, sub[3], t)
        c5 = comb(c4, sub[4], t)
        c6 = comb(c5, sub[5], t)
        c7 = comb(c6, sub[6], t)
        if xs == 1 and os == 1:
            for i in range(SUB):
                c0 = comb(c0, val(q[i], nan, nv), t)
                c1 = comb(c1, val(q[SUB + i], nan, nv), t)
                c2 = comb(c2, val(q[2 * SUB + i], nan, nv), t)
                c3 = comb(c3, val(q[3 * SUB + i], nan, nv), t)
                c4 = comb(c4, val(q[4 * SUB + i], nan, nv), t)
                c5 = comb(c5, val(q[5 * SUB + i], nan, nv), t)
                c6 = comb(c6, val(q[6 * SUB + i], nan, nv), t)
                c7 = comb(c7, val(q[7 * SUB + i], nan, nv), t)
                r[i] = c0
                r[SUB + i] = c1
                r[2 * SUB + i] = c2
                r[3 * SUB + i] = c3
                r[4 * SUB + i] = c4
                r[5 * SUB + i] = c5
                r[6 * SUB + i] = c6
                r[7 * SUB + i] = c7
        else:
            for i in range(SUB):
                c0 = comb(c0, val(q[i * xs], nan, nv), t)
                c1 = comb(c1, val(q[(SUB + i) * xs], nan, nv), t)
                c2 = comb(c2, val(q[(2 * SUB + i) * xs], nan, nv), t)
                c3 = comb(c3, val(q[(3 * SUB + i) * xs], nan, nv), t)
                c4 = comb(c4, val(q[(4 * SUB + i) * xs], nan, nv), t)
                c5 = comb(c5, val(q[(5 * SUB + i) * xs], nan, nv), t)
                c6 = comb(c6, val(q[(6 * SUB + i) * xs], nan, nv), t)
                c7 = comb(c7, val(q[(7 * SUB + i) * xs], nan, nv), t)
                r[i * os] = c0
                r[(SUB + i) * os] = c1
                r[(2 * SUB + i) * os] = c2
                r[(3 * SUB + i) * os] = c3
                r[(4 * SUB + i) * os] = c4
                r[(5 * SUB + i) * os] = c5
                r[(6 * SUB + i) * os] = c6
                r[(7 * SUB + i) * os] = c7
    else:
        m = (L + SUB - 1) // SUB
        qj = off
        for j in range(m):
            c = qj
            hi = min(L, (j + 1) * SUB)
            for i in range(j * SUB, hi):
                c = comb(c, val(q[i * xs], nan, nv), t)
                r[i * os] = c
            qj = comb(qj, sub[j], t)


cdef void chain_worker(const in_t *p, Py_ssize_t n, Py_ssize_t xs, acc_t *o, Py_ssize_t os,
                       bint nan, acc_t nv, acc_t e, Stop *stop, Chain *ch, acc_t *carry,
                       op_t *t) noexcept nogil:
    """One thread of the parallel blocked scan: take the next unit of UNIT blocks, sum
    its blocks, wait for the running total of the units before it, pass the new total
    on at once, then scan the blocks (still in cache) from their offsets.

    Units are taken in order from one counter, so the unit a thread waits for is
    always held by a running thread; the wait ends early once the scan is stopped."""
    cdef acc_t sub[NSUB * UNIT]
    cdef acc_t tot[UNIT]
    cdef acc_t offs[UNIT]
    cdef acc_t P
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, nunit = (nblk + UNIT - 1) // UNIT
    cdef Py_ssize_t u, b0, cnt, j
    cdef int spins
    cdef bint t0 = threadid() == 0
    while not stopped(stop):
        u = cc_take(&ch.next)
        if u >= nunit:
            return
        b0 = u * UNIT
        cnt = min(<Py_ssize_t> UNIT, nblk - b0)
        for j in range(cnt):
            block_sums(p, n, xs, b0 + j, nan, nv, e, sub + NSUB * j, tot + j, t)
        spins = 0
        while cc_ready(&ch.ready) != u:
            if stopped(stop):
                return
            if t0:
                poll(stop)
            spins = cc_wait(spins)
        P = carry[0]
        for j in range(cnt):
            offs[j] = P
            P = comb(P, tot[j], t)
        carry[0] = P
        cc_publish(&ch.ready, u + 1)
        for j in range(cnt):
            block_scan(p, n, xs, o, os, b0 + j, nan, nv, offs[j], sub + NSUB * j, t)
        if t0:
            poll(stop)


cdef int blocked_run(const in_t *p, Py_ssize_t n, Py_ssize_t xs, acc_t *o, Py_ssize_t os,
                     bint nan, acc_t nv, acc_t e, int nt, Stop *stop, op_t *t) except -1 nogil:
    """The blocked scan of one run (see the module docstring). One thread: each block's
    sums and scan back to back. Several: chain_worker on every thread, which reads
    the input from memory once and never waits at a barrier."""
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, b
    cdef acc_t P = e
    cdef acc_t sub[NSUB]
    cdef acc_t tot
    cdef Chain ch
    if nt <= 1 or nblk <= UNIT:
        for b in range(nblk):
            block_sums(p, n, xs, b, nan, nv, e, sub, &tot, t)
            block_scan(p, n, xs, o, os, b, nan, nv, P, sub, t)
            P = comb(P, tot, t)
            if (b & 15) == 15:
                poll(stop)
                if stopped(stop):
                    return 0
        return 0
    ch.next = 0
    ch.ready = 0
    with parallel(num_threads=team(nt, (nblk + UNIT - 1) // UNIT)):
        chain_worker(p, n, xs, o, os, nan, nv, e, stop, &ch, &P, t)
    return 0


# ------------------------------------------------------------------ driver

cdef int scan_all(const in_t *x, acc_t *out, const Kept *kd, Py_ssize_t N, Py_ssize_t xns,
                  Py_ssize_t ons, bint nan, acc_t nv, acc_t e, bint blocked, int nt,
                  Stop *stop, op_t *t) except -1 nogil:
    """Every run of the scan (see run_scan)."""
    cdef Py_ssize_t k, kx, ko, I
    if blocked:
        for k in range(kd.size):
            offsets(k, kd, kd.nd, &kx, &ko)
            blocked_run(x + kx, N, xns, out + ko, ons, nan, nv, e, nt, stop, t)
            if stopped(stop):
                break
        return 0
    I = kd.shape[kd.nd - 1] if kd.nd > 0 else 1
    if I > 1 and iabs(kd.xs[kd.nd - 1]) < iabs(xns):
        seq_cols(x, out, kd, N, xns, ons, nan, nv, nt, stop, t)
    else:
        seq_rows(x, out, kd, N, xns, ons, nan, nv, nt, stop, t)
    return 0


cdef int run_scan(const in_t *x, acc_t *out, tuple kshape, tuple xks, tuple oks,
                  Py_ssize_t N, Py_ssize_t xns, Py_ssize_t ons, bint nan, bint blocked,
                  int nt, bint check, op_t *t) except -1:
    cdef Kept kd
    cdef Stop stop
    cdef acc_t e, nv
    if op_t is MulOp:
        e = 1
        nv = 1
    elif acc_t is int64_t:
        e = 0
        nv = 0
    else:
        e = <acc_t> copysign(0.0, -1.0)  # -0.0 + x == x for every x, -0.0 included
        nv = 0
    kept_from(&kd, kshape, xks, oks)
    try:
        stop_init(&stop, check)
        if nt <= 1 and kd.size * N < NOGIL_MIN:     # short and serial: keep the GIL
            scan_all(x, out, &kd, N, xns, ons, nan, nv, e, blocked, nt, &stop, t)
        else:
            with nogil:
                scan_all(x, out, &kd, N, xns, ons, nan, nv, e, blocked, nt, &stop, t)
        raise_if_stopped(&stop)
    finally:
        kept_free(&kd)
    return 0


cdef int dispatch_op(const in_t *x, acc_t *out, tuple kshape, tuple xks, tuple oks,
                     Py_ssize_t N, Py_ssize_t xns, Py_ssize_t ons, int op, bint nan,
                     bint blocked, int nt, bint check) except -1:
    if op == 0:
        run_scan(x, out, kshape, xks, oks, N, xns, ons, nan, blocked, nt, check,
                 <AddOp *> NULL)
    else:
        run_scan(x, out, kshape, xks, oks, N, xns, ons, nan, blocked, nt, check,
                 <MulOp *> NULL)
    return 0


def touch(cnp.ndarray out, int nt, bint check):
    """Map a freshly allocated output's pages in, each thread its own contiguous part.

    For the sequential kernels, whose tasks would otherwise fault in the same huge
    pages from both threads and wait for each other's zeroing. ``out``'s contents
    are undefined before and after."""
    cdef char *p = <char *> cnp.PyArray_DATA(out)
    cdef Py_ssize_t nbytes = out.nbytes, piece = 1 << 21, b, i, hi
    cdef Py_ssize_t npc = (nbytes + piece - 1) // piece
    with nogil:
        if nt > 1 and npc > 1:
            for b in prange(npc, schedule="static", num_threads=team(nt, npc)):
                hi = min(nbytes, (b + 1) * piece)
                i = b * piece
                while i < hi:
                    p[i] = 0
                    i = i + 4096        # every page, also where there are no huge pages
    return out


def scan(cnp.ndarray x, int tcode, cnp.ndarray out, tuple kshape, tuple xks, tuple oks,
         Py_ssize_t N, Py_ssize_t xns, Py_ssize_t ons, int op, bint nan, bint blocked,
         int nt, bint check):
    """Scan ``x`` (type code tcode: 0 f64, 1 f32, 2 i64, 3 i32, 4 u8/bool) into ``out``
    (float64, float32 or int64 for the integer codes) along one axis.

    op: 0 sum, 1 product; nan: NaN counts as the identity; blocked: the blocked
    definition (see the module docstring) instead of the sequential one.
    """
    cdef void *px = cnp.PyArray_DATA(x)
    cdef void *po = cnp.PyArray_DATA(out)
    if tcode == 0:
        dispatch_op(<const double *> px, <double *> po, kshape, xks, oks, N, xns, ons, op,
                    nan, blocked, nt, check)
    elif tcode == 1:
        dispatch_op(<const float *> px, <float *> po, kshape, xks, oks, N, xns, ons, op,
                    nan, blocked, nt, check)
    elif tcode == 2:
        dispatch_op(<const int64_t *> px, <int64_t *> po, kshape, xks, oks, N, xns, ons, op,
                    nan, blocked, nt, check)
    elif tcode == 3:
        dispatch_op(<const int32_t *> px, <int64_t *> po, kshape, xks, oks, N, xns, ons, op,
                    nan, blocked, nt, check)
    elif tcode == 4:
        dispatch_op(<const uint8_t *> px, <int64_t *> po, kshape, xks, oks, N, xns, ons, op,
                    nan, blocked, nt, check)
    else:
        raise ValueError(f"scan: unknown type code {tcode}")
    return out
