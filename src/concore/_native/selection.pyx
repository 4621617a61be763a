# distutils: language = c++
"""Parallel selection kernels: order statistics (for median/percentile/quantile) and
three-way partitions (for partition/argpartition).

Every value is mapped to an order-preserving unsigned key (floats: flip the sign bit
of positives, all bits of negatives; every NaN becomes the largest key of its type,
so NaNs sort last as in NumPy; -0.0 sorts just below +0.0; 4-byte types use the low
32 bits). Two ways to find the keys at given ranks of a row:

* long rows (few of them, or longer than HUGE): radix select on key ranges. A
  parallel pass finds the smallest and largest key; a pass splits that range into
  4096 bins of equal width (12 bits of key - min, from the highest bit in which the
  range varies: data-adaptive, so a narrow range of values still spreads over many
  bins); a serial prefix over the bin counts finds the bin of every wanted rank.
  A bin holding more than max(2^16, n/16) keys (many equal or close values) is
  split again the same way with another pass; the keys of the remaining small bins
  are gathered (in any order: only the multiset matters) and nth_element finds each
  rank among them. Histograms are per thread over fixed blocks; integer counts, so
  the totals and every answer are the same for any thread count. Memory: small
  histograms plus the candidates (at most the keys of the wanted bins).
* many rows: each thread copies one row's keys to its scratch and runs nth_element
  for the ranks in ascending order; a row of up to 24 keys is sorted instead, each
  key placed at its count of smaller keys (no branches to mispredict).

Partition layout (the same in both modes and in ``concore._python.selection``): with
u_1 < ... < u_p the distinct keys at the kth ranks, each element gets a class, 2i for
keys strictly between u_i and u_{i+1}, 2i+1 for keys equal to u_{i+1}; the row is laid
out by class, and within a class in input order (a stable partition). In long rows
the per-block class counts give every block its write offsets, so the blocks are
placed in parallel with the same layout for any thread count.

One kth of a row of 4096 values or more (partition's common case) is found from an
evenly spaced sample (n/16 keys, 1024 to 65536) that brackets it: one pass counts
the keys below the bracket and gathers those inside, nth_element finds the kth among
them (the radix select runs when the bracket misses). A contiguous float64 row runs
that pass and the placing with AVX2 / AVX-512 compares where the CPU has them
(_select.h): values are compared as doubles when the bracket's ends
and the kth value are no zero or NaN (then value order is key order), and placed by
packing each register's lanes of a class to the front (AVX-512's compress, a
permutation table on AVX2). The same layout as the scalar loops, bit for bit.
"""
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, int32_t, uint64_t, uint32_t, uint8_t
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from libc.math cimport INFINITY, sqrt

cimport numpy as cnp

from concore._native._openmp cimport Stop, stop_init, stopped, poll, raise_if_stopped

cnp.import_array()

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #include <math.h>
    #define SK_NAN (~(uint64_t)0)
    /* Branch-free (the sign of random data is a coin toss): negatives flip all bits,
       positives the sign bit; NaN (any sign, any payload) becomes the largest key. */
    static inline uint64_t sk_f64(double v) {
        uint64_t u, k;
        memcpy(&u, &v, 8);
        k = u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ULL);
        return (v != v) ? SK_NAN : k;
    }
    static inline double sk_f64_inv(uint64_t k) {
        uint64_t u; double v;
        if (k == SK_NAN) return NAN;
        u = (k >> 63) ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k;
        memcpy(&v, &u, 8);
        return v;
    }
    #define SK_NAN32 ((uint64_t)0xFFFFFFFFU)
    static inline uint64_t sk_f32(float v) {
        uint32_t u, k;
        memcpy(&u, &v, 4);
        k = u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000U);
        return (v != v) ? SK_NAN32 : (uint64_t)k;
    }
    static inline float sk_f32_inv(uint64_t k) {
        uint32_t u = (uint32_t)k; float v;
        if (u == 0xFFFFFFFFU) return NAN;
        u = (u >> 31) ? (u & 0x7FFFFFFFU) : ~u;
        memcpy(&v, &u, 4);
        return v;
    }
    static inline uint64_t sk_i64(int64_t v) { return ((uint64_t)v) ^ 0x8000000000000000ULL; }
    static inline int64_t sk_i64_inv(uint64_t k) { return (int64_t)(k ^ 0x8000000000000000ULL); }
    static inline uint64_t sk_i32(int32_t v) { return (uint64_t)(((uint32_t)v) ^ 0x80000000U); }
    static inline int32_t sk_i32_inv(uint64_t k) { return (int32_t)(((uint32_t)k) ^ 0x80000000U); }
    #include "_ranks.h"
    CC_RANKS(sk_ranks, uint64_t)   /* stable ranks of a short row's keys */
    /* Leading zero bits of v != 0. */
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline int sk_clz64(uint64_t v) { unsigned long i; _BitScanReverse64(&i, v); return 63 - (int)i; }
    #else
    static inline int sk_clz64(uint64_t v) { return __builtin_clzll(v); }
    #endif
    /* Next free slot of a shared gather buffer (relaxed: only the count matters). */
    #if defined(_MSC_VER)
    #include <intrin.h>
    static inline Py_ssize_t sk_fadd(Py_ssize_t *p) {
        return (Py_ssize_t)_InterlockedExchangeAdd64((volatile __int64 *)p, 1);
    }
    static inline Py_ssize_t sk_faddn(Py_ssize_t *p, Py_ssize_t n) {
        return (Py_ssize_t)_InterlockedExchangeAdd64((volatile __int64 *)p, n);
    }
    #else
    static inline Py_ssize_t sk_fadd(Py_ssize_t *p) {
        return __atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
    }
    static inline Py_ssize_t sk_faddn(Py_ssize_t *p, Py_ssize_t n) {
        return __atomic_fetch_add(p, n, __ATOMIC_RELAXED);
    }
    #endif
    """
    uint64_t SK_NAN
    uint64_t SK_NAN32
    uint64_t sk_f64(double v) noexcept nogil
    double sk_f64_inv(uint64_t k) noexcept nogil
    uint64_t sk_f32(float v) noexcept nogil
    float sk_f32_inv(uint64_t k) noexcept nogil
    uint64_t sk_i64(int64_t v) noexcept nogil
    int64_t sk_i64_inv(uint64_t k) noexcept nogil
    uint64_t sk_i32(int32_t v) noexcept nogil
    int32_t sk_i32_inv(uint64_t k) noexcept nogil
    Py_ssize_t sk_fadd(Py_ssize_t *p) noexcept nogil
    Py_ssize_t sk_faddn(Py_ssize_t *p, Py_ssize_t n) noexcept nogil
    int clz64 "sk_clz64" (uint64_t v) noexcept nogil
    void sk_ranks(const uint64_t *k, Py_ssize_t n, uint8_t *rank) noexcept nogil

cdef extern from "_select.h" nogil:
    Py_ssize_t cc_bracket_f64(const double *x, Py_ssize_t n, double lo, double hi,
                              uint64_t *tmp, Py_ssize_t *nc)
    void cc_place_f64(const double *x, Py_ssize_t n, Py_ssize_t i0, double u, double *o,
                      int64_t *ix, Py_ssize_t *a, const Py_ssize_t *e)
    int cc_simd_force(int level)
    int cc_part_short_f64(const double *x, Py_ssize_t n, Py_ssize_t kth, double *o,
                          int64_t *ix)

cdef extern from "<algorithm>" namespace "std" nogil:
    void nth_element[T](T first, T nth, T last) noexcept


cdef enum:
    BLK = 65536             # elements per block of a parallel pass (groups work only:
                            # no result depends on it)
    WBITS = 12              # key bits split per histogram pass
    NB = 1 << WBITS         # histogram bins (4 x 16 KiB of 32-bit counters per block)
    MAXR = 64               # most ranks / kth values per call (the public module
                            # sends more to NumPy)
    LONG = 1 << 17          # rows at least this long use the radix select when there
                            # are fewer than 2 per thread or they are longer than
                            # HUGE (a per-thread row copy stays <= 8 MiB); other
                            # rows the per-row scratch copy and nth_element
    HUGE = 1 << 20
    DYN = 2                 # blocks handed out at a time in the passes over a long row
                            # (dynamic: a thread slowed down by another process does
                            # less; blocks write only their own counts or slots, so
                            # the schedule never changes a result)
    MINCAP = 1 << 16        # a bucket of at most max(MINCAP, n / 16) keys is gathered
    POLL_SPAN = 1 << 16     # values of short rows between two Ctrl-C polls: a clock
                            # read per row of 30 cost 6% of a partition
    SORT_SEL = 24           # rows up to this long: keys sorted by rank, not selected

ctypedef fused in_t:
    double
    float
    int64_t
    int32_t

cdef struct Bucket:         # the keys k of a row with lo <= k <= hi
    uint64_t lo
    uint64_t hi
    Py_ssize_t below        # keys of the row smaller than every key of the bucket
    Py_ssize_t count        # keys in the bucket


# ------------------------------------------------------------------ keys

cdef inline uint64_t key(in_t v) noexcept nogil:
    if in_t is double:
        return sk_f64(v)
    elif in_t is float:
        return sk_f32(v)
    elif in_t is int64_t:
        return sk_i64(v)
    else:
        return sk_i32(v)


cdef inline uint64_t nankey(const in_t *dummy) noexcept nogil:
    """The key of NaN (the largest key of the type)."""
    if in_t is float:
        return SK_NAN32
    else:
        return SK_NAN


cdef inline void put(in_t *dst, uint64_t k) noexcept nogil:
    if in_t is double:
        dst[0] = sk_f64_inv(k)
    elif in_t is float:
        dst[0] = sk_f32_inv(k)
    elif in_t is int64_t:
        dst[0] = sk_i64_inv(k)
    else:
        dst[0] = sk_i32_inv(k)


cdef inline int team(int nt, Py_ssize_t ntasks) noexcept nogil:
    return <int> min(<Py_ssize_t> nt, ntasks)


# ---------------------------------------------------------- radix select

cdef void minmax_block(const in_t *x, Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t xs,
                       uint64_t *mm) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint64_t k, lo = mm[0], hi = mm[1]
    for i in range(i0, i1):
        k = key(x[i * xs])
        lo = k if k < lo else lo
        hi = k if k > hi else hi
    mm[0] = lo
    mm[1] = hi


cdef int minmax_pass(const in_t *x, Py_ssize_t n, Py_ssize_t xs, uint64_t *gmm,
                     uint64_t *mm, int nt, Stop *stop) noexcept nogil:
    """gmm = (smallest key, largest key) of the row (integers: exact in any order)."""
    cdef Py_ssize_t nblk = (n + BLK - 1) // BLK, b
    cdef int t = team(nt, nblk), j
    for j in range(max(t, 1)):
        mm[2 * j] = SK_NAN
        mm[2 * j + 1] = 0
    if t <= 1:
        for b in range(nblk):
            minmax_block(x, b * BLK, min(n, (b + 1) * BLK), xs, mm)
            poll(stop)
            if stopped(stop):
                break
    else:
        for b in prange(nblk, schedule="dynamic", chunksize=DYN, num_threads=t):
            if not stopped(stop):
                minmax_block(x, b * BLK, min(n, (b + 1) * BLK), xs, mm + 2 * threadid())
                if threadid() == 0:
                    poll(stop)
    gmm[0] = SK_NAN
    gmm[1] = 0
    for j in range(max(t, 1)):
        gmm[0] = min(gmm[0], mm[2 * j])
        gmm[1] = max(gmm[1], mm[2 * j + 1])
    return 0


cdef void hist_block(const in_t *x, Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t xs,
                     Py_ssize_t *h, bint all_, uint64_t lo, uint64_t span, int s2) noexcept nogil:
    """h[(k - lo) >> s2] += 1 for the keys of x[i0:i1] in [lo, lo + span] (all_: every
    key is). Four interleaved 32-bit sub-histograms (on the stack) break the chains
    of read-modify-writes on one hot counter; keys outside the range add 0 to some
    counter instead of taking a branch that random data mispredicts."""
    cdef uint32_t sub[4][NB]
    cdef Py_ssize_t i, L = i1 - i0
    cdef uint64_t k0, k1, k2, k3, d
    cdef const in_t *p = x + i0 * xs
    memset(sub, 0, sizeof(sub))
    if all_:
        i = 0
        while i + 4 <= L:
            k0 = key(p[i * xs]) - lo
            k1 = key(p[(i + 1) * xs]) - lo
            k2 = key(p[(i + 2) * xs]) - lo
            k3 = key(p[(i + 3) * xs]) - lo
            sub[0][k0 >> s2] += 1
            sub[1][k1 >> s2] += 1
            sub[2][k2 >> s2] += 1
            sub[3][k3 >> s2] += 1
            i += 4
        while i < L:
            sub[0][(key(p[i * xs]) - lo) >> s2] += 1
            i += 1
    else:
        for i in range(L):
            d = key(p[i * xs]) - lo
            sub[i & 3][(d >> s2) & (NB - 1)] += d <= span
    for i in range(NB):
        h[i] += <Py_ssize_t> sub[0][i] + sub[1][i] + sub[2][i] + sub[3][i]


cdef int hist_pass(const in_t *x, Py_ssize_t n, Py_ssize_t xs, Py_ssize_t *H,
                   Py_ssize_t *work, bint all_, uint64_t lo, uint64_t span, int s2, int nt,
                   Stop *stop) noexcept nogil:
    """H = histogram of (k - lo) >> s2 over the keys k in [lo, lo + span]. Integer
    counts: any combine order gives the same totals, whatever the thread count."""
    cdef Py_ssize_t nblk = (n + BLK - 1) // BLK, b, i
    cdef int t = team(nt, nblk), j
    memset(H, 0, NB * sizeof(Py_ssize_t))
    if t <= 1:
        for b in range(nblk):
            hist_block(x, b * BLK, min(n, (b + 1) * BLK), xs, H, all_, lo, span, s2)
            poll(stop)
            if stopped(stop):
                return 0
        return 0
    memset(work, 0, t * NB * sizeof(Py_ssize_t))
    for b in prange(nblk, schedule="dynamic", chunksize=DYN, num_threads=t):
        if not stopped(stop):
            hist_block(x, b * BLK, min(n, (b + 1) * BLK), xs, work + threadid() * NB,
                       all_, lo, span, s2)
            if threadid() == 0:
                poll(stop)
    for j in range(t):
        for i in range(NB):
            H[i] += work[j * NB + i]
    return 0


cdef inline int window(const Bucket *b) noexcept nogil:
    """Shift s2 such that (hi - lo) >> s2 < NB: the bucket splits into NB bins."""
    return max(0, 64 - clz64(b.hi - b.lo) - WBITS)


cdef void locate(const Py_ssize_t *H, const Bucket *par, int s2,
                 const Py_ssize_t *ranks, int m, Bucket *out) noexcept nogil:
    """The sub-bucket (bin) of each (ascending) rank, from the histogram H of par."""
    cdef Py_ssize_t c = par.below
    cdef uint64_t lo, w = ((<uint64_t> 1) << s2) - 1
    cdef int j = 0, b
    for b in range(NB):
        while j < m and ranks[j] < c + H[b]:
            lo = par.lo + ((<uint64_t> b) << s2)
            out[j].lo = lo
            out[j].hi = par.hi if par.hi - lo <= w else lo + w
            out[j].below = c
            out[j].count = H[b]
            j += 1
        c += H[b]
        if j == m:
            break


cdef void gather_block(const in_t *x, Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t xs,
                       const uint8_t *tab, uint64_t g0, int s0, const Bucket *bk,
                       const int *dlist, int nd, Py_ssize_t *fill,
                       uint64_t *buf) noexcept nogil:
    cdef Py_ssize_t i, pos
    cdef uint64_t k
    cdef int d
    cdef const Bucket *q
    for i in range(i0, i1):
        k = key(x[i * xs])
        if tab[(k - g0) >> s0]:
            for d in range(nd):
                q = bk + dlist[d]
                if k - q.lo <= q.hi - q.lo:
                    pos = sk_fadd(fill + d)
                    buf[pos] = k
                    break


cdef inline bint same(const Bucket *a, const Bucket *b) noexcept nogil:
    return a.lo == b.lo and a.hi == b.hi


cdef int select_long(const in_t *x, Py_ssize_t n, Py_ssize_t xs, const Py_ssize_t *ranks,
                     int m, uint64_t *res, bint stop_at_nan, int nt, Stop *stop,
                     Py_ssize_t *H, Py_ssize_t *work) noexcept nogil:
    """res[j] = the key of rank ranks[j] (ascending, distinct) of the row. Returns 1
    (and leaves res alone) when stop_at_nan and the row holds a NaN, -1 when out of
    memory, else 0."""
    cdef Bucket bk[MAXR]
    cdef Bucket par
    cdef int dlist[MAXR]
    cdef Py_ssize_t fill[MAXR]
    cdef Py_ssize_t start[MAXR]
    cdef bint done[MAXR]
    cdef uint64_t gmm[2]
    cdef Py_ssize_t cap = max(<Py_ssize_t> MINCAP, n // 16), total, lo, nblk, b
    cdef int j, j1, d, nd, t, s2, s0 = 0
    cdef bint first = True
    cdef uint8_t *tab = NULL
    cdef uint64_t *buf = NULL
    minmax_pass(x, n, xs, gmm, <uint64_t *> work, nt, stop)
    if stopped(stop):
        return 0
    if (in_t is double or in_t is float) and stop_at_nan and gmm[1] == nankey(x):
        return 1
    for j in range(m):
        bk[j].lo = gmm[0]
        bk[j].hi = gmm[1]
        bk[j].below = 0
        bk[j].count = n
        done[j] = False
    # Split the buckets too big to gather, 12 bits a pass (the first pass splits
    # the whole row), until every rank's bucket is small or holds a single key.
    while True:
        j = 0
        while j < m:
            if not done[j]:
                if bk[j].lo == bk[j].hi:
                    res[j] = bk[j].lo
                    done[j] = True
                elif bk[j].count > cap:
                    break
            j += 1
        if j == m:
            break
        par = bk[j]
        j1 = j
        while j1 < m and not done[j1] and same(&bk[j1], &par):
            j1 += 1
        s2 = window(&par)
        if first:
            s0 = s2  # the first split (the whole row): its bins prefilter the gather
            first = False
        hist_pass(x, n, xs, H, work, par.count == n, par.lo, par.hi - par.lo, s2, nt, stop)
        if stopped(stop):
            return 0
        locate(H, &par, s2, ranks + j, j1 - j, bk + j)
    # Distinct small buckets still to search.
    nd = 0
    total = 0
    for j in range(m):
        if done[j]:
            continue
        if nd == 0 or not same(&bk[dlist[nd - 1]], &bk[j]):
            dlist[nd] = j
            start[nd] = total
            fill[nd] = total
            total += bk[j].count
            nd += 1
    if nd == 0:
        return 0
    tab = <uint8_t *> malloc(NB)
    buf = <uint64_t *> malloc(total * sizeof(uint64_t))
    if tab == NULL or buf == NULL:
        free(tab)
        free(buf)
        return -1
    memset(tab, 0, NB)
    for d in range(nd):  # the first split's bins that hold a bucket (one, or a run)
        for b in range(<Py_ssize_t> ((bk[dlist[d]].lo - gmm[0]) >> s0),
                       <Py_ssize_t> ((bk[dlist[d]].hi - gmm[0]) >> s0) + 1):
            tab[b] = 1
    nblk = (n + BLK - 1) // BLK
    t = team(nt, nblk)
    if t <= 1:
        for b in range(nblk):
            gather_block(x, b * BLK, min(n, (b + 1) * BLK), xs, tab, gmm[0], s0, bk, dlist,
                         nd, fill, buf)
            poll(stop)
            if stopped(stop):
                break
    else:
        for b in prange(nblk, schedule="dynamic", chunksize=DYN, num_threads=t):
            if not stopped(stop):
                gather_block(x, b * BLK, min(n, (b + 1) * BLK), xs, tab, gmm[0], s0, bk,
                             dlist, nd, fill, buf)
                if threadid() == 0:
                    poll(stop)
    if not stopped(stop):
        # Each bucket's keys are all there (in some order); its ranks in ascending order.
        d = -1
        lo = 0
        for j in range(m):
            if done[j]:
                continue
            if d < 0 or not same(&bk[dlist[d]], &bk[j]):
                d += 1
                lo = start[d]
            b = start[d] + (ranks[j] - bk[j].below)
            nth_element(buf + lo, buf + b, buf + start[d] + bk[j].count)
            res[j] = buf[b]
            lo = b + 1
    free(tab)
    free(buf)
    return 0


# --------------------------------------------------------- per-row select

cdef inline Py_ssize_t padded(Py_ssize_t words) noexcept nogil:
    """A thread's share of a scratch buffer of 8-byte words, with a cache line between
    it and the next thread's: short rows shared lines between threads (partition of
    rows of 10: slower on two threads than on one)."""
    return (words + 7) // 8 * 8 + 8

cdef bint select_row(const in_t *x, Py_ssize_t n, Py_ssize_t xs, const Py_ssize_t *ranks,
                     int m, uint64_t *buf, uint64_t *res, bint stop_at_nan) noexcept nogil:
    """The same answer as select_long from a copy of the row's keys in buf."""
    cdef Py_ssize_t i, lo = 0
    cdef int j
    cdef bint nan = False
    cdef uint64_t k
    cdef uint8_t rank[SORT_SEL]
    cdef uint64_t srt[SORT_SEL]
    for i in range(n):
        k = key(x[i * xs])
        buf[i] = k
        if in_t is double or in_t is float:
            nan = nan | (k == nankey(x))
    if nan and stop_at_nan:
        return 1
    if n <= SORT_SEL:
        # a short row: sorting its keys by rank (no branches) beats a selection per kth
        sk_ranks(buf, n, rank)
        for i in range(n):
            srt[rank[i]] = buf[i]
        for j in range(m):
            res[j] = srt[ranks[j]]
        return 0
    for j in range(m):
        nth_element(buf + lo, buf + ranks[j], buf + n)
        res[j] = buf[ranks[j]]
        lo = ranks[j] + 1
    return 0


cdef int run_select(const in_t *x, Py_ssize_t K, Py_ssize_t n, Py_ssize_t sK, Py_ssize_t sn,
                    const Py_ssize_t *ranks, int m, in_t *vals, uint8_t *nanflag, int nt,
                    bint check) except -1:
    cdef Py_ssize_t every, span
    cdef Stop stop
    cdef Py_ssize_t r, t
    cdef int j, rc = 0
    cdef uint64_t res[MAXR]
    cdef uint64_t *scratch = NULL
    cdef uint64_t *rr = NULL
    cdef Py_ssize_t *H = NULL
    cdef Py_ssize_t *work = NULL
    stop_init(&stop, check)
    if n >= LONG and (K < 2 * nt or n > HUGE):
        H = <Py_ssize_t *> malloc(NB * sizeof(Py_ssize_t))
        work = <Py_ssize_t *> malloc(max(nt, 1) * NB * sizeof(Py_ssize_t))
        if H == NULL or work == NULL:
            free(H); free(work)
            raise MemoryError()
        with nogil:
            for r in range(K):
                rc = select_long(x + r * sK, n, sn, ranks, m, res, True, nt, &stop, H, work)
                if rc < 0 or stopped(&stop):
                    break
                nanflag[r] = rc
                for j in range(m):
                    put(vals + r * m + j, SK_NAN if rc else res[j])
        free(H); free(work)
        if rc < 0:
            raise MemoryError()
    else:
        t = team(nt, K)
        every = max(1, POLL_SPAN // n)     # rows between two clock reads (~64k values)
        span = padded(n + m)
        scratch = <uint64_t *> malloc(max(t, 1) * span * sizeof(uint64_t))
        if scratch == NULL:
            raise MemoryError()
        with nogil:
            if t <= 1:
                for r in range(K):
                    nanflag[r] = select_row(x + r * sK, n, sn, ranks, m, scratch,
                                            scratch + n, True)
                    for j in range(m):
                        put(vals + r * m + j, SK_NAN if nanflag[r] else scratch[n + j])
                    if r % every == 0:
                        poll(&stop)
                        if stopped(&stop):
                            break
            else:
                for r in prange(K, schedule="static", num_threads=t):
                    if not stopped(&stop):
                        rr = scratch + threadid() * span
                        nanflag[r] = select_row(x + r * sK, n, sn, ranks, m, rr, rr + n, True)
                        for j in range(m):
                            put(vals + r * m + j, SK_NAN if nanflag[r] else rr[n + j])
                        if threadid() == 0 and r % every == 0:
                            poll(&stop)
        free(scratch)
    raise_if_stopped(&stop)
    return 0


def select(cnp.ndarray x, int tcode, cnp.ndarray ranks, cnp.ndarray vals,
           cnp.ndarray nanflag, int nt, bint check):
    """Order statistics of each row of the 2-D view x (type code 0 f64, 1 f32, 2 i64,
    3 i32): vals[r, j] = the value of rank ranks[j] (int64, ascending, distinct) of
    row r in key order (NaN last); nanflag[r] = 1 (and vals[r] NaN) when row r holds
    a NaN. vals (K, m) C-contiguous of x's dtype, nanflag (K,) uint8."""
    cdef Py_ssize_t K = x.shape[0], n = x.shape[1]
    cdef Py_ssize_t isz = x.itemsize
    cdef Py_ssize_t sK = x.strides[0] // isz, sn = x.strides[1] // isz
    cdef int m = ranks.shape[0]
    cdef const Py_ssize_t *rk = <const Py_ssize_t *> cnp.PyArray_DATA(ranks)
    cdef void *px = cnp.PyArray_DATA(x)
    cdef void *pv = cnp.PyArray_DATA(vals)
    cdef uint8_t *pn = <uint8_t *> cnp.PyArray_DATA(nanflag)
    if m < 1 or m > MAXR or n < 1:
        raise ValueError("select: 1 to 64 ranks of a non-empty row")
    if tcode == 0:
        run_select(<const double *> px, K, n, sK, sn, rk, m, <double *> pv, pn, nt, check)
    elif tcode == 1:
        run_select(<const float *> px, K, n, sK, sn, rk, m, <float *> pv, pn, nt, check)
    elif tcode == 2:
        run_select(<const int64_t *> px, K, n, sK, sn, rk, m, <int64_t *> pv, pn, nt, check)
    elif tcode == 3:
        run_select(<const int32_t *> px, K, n, sK, sn, rk, m, <int32_t *> pv, pn, nt, check)
    else:
        raise ValueError(f"select: unknown type code {tcode}")
    return vals


# -------------------------------------------------------------- partition

cdef inline int klass(uint64_t k, const uint64_t *u, int p) noexcept nogil:
    """2i for keys between u[i-1] and u[i], 2i+1 for keys equal to u[i]. Counted
    without branches: a binary search mispredicts on every other element."""
    cdef int lo = 0, j
    for j in range(p):
        lo += u[j] < k
    return 2 * lo + (lo < p and u[min(lo, p - 1)] == k)


cdef inline int uniq(const uint64_t *res, int m, uint64_t *u) noexcept nogil:
    cdef int j, p = 0
    for j in range(m):
        if p == 0 or u[p - 1] != res[j]:
            u[p] = res[j]
            p += 1
    return p


cdef void count_block(const in_t *x, Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t xs,
                      const uint64_t *u, int p, Py_ssize_t *cnt) noexcept nogil:
    cdef Py_ssize_t i, nlt = 0, neq = 0
    cdef uint64_t k, u0 = u[0]
    if p == 1:  # one kth value: two counters in registers
        for i in range(i0, i1):
            k = key(x[i * xs])
            nlt += k < u0
            neq += k == u0
        cnt[0] += nlt
        cnt[1] += neq
        cnt[2] += (i1 - i0) - nlt - neq
        return
    for i in range(i0, i1):
        cnt[klass(key(x[i * xs]), u, p)] += 1


cdef void place_block(const in_t *x, Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t xs,
                      const uint64_t *u, int p, Py_ssize_t *off, in_t *o, int64_t *ix,
                      const uint64_t *keys=NULL) noexcept nogil:
    """x[i0:i1] to the write offsets off (one per class, advanced); keys: the keys of
    x[i] at keys[i] when the caller has them."""
    cdef Py_ssize_t i, dst, a0 = off[0], a1 = off[1], a2 = off[2]
    cdef Py_ssize_t lt, eq
    cdef int c
    cdef in_t v
    cdef uint64_t k, u0 = u[0]
    if p == 1:  # the three write positions in registers, chosen without branches
        for i in range(i0, i1):
            v = x[i * xs]
            k = keys[i] if keys != NULL else key(v)
            lt = k < u0
            eq = k == u0
            dst = a2 + lt * (a0 - a2) + eq * (a1 - a2)
            a0 += lt
            a1 += eq
            a2 += 1 - lt - eq
            if o != NULL:
                o[dst] = v
            if ix != NULL:
                ix[dst] = i
        return
    for i in range(i0, i1):
        v = x[i * xs]
        c = klass(keys[i] if keys != NULL else key(v), u, p)
        dst = off[c]
        off[c] = dst + 1
        if o != NULL:
            o[dst] = v
        if ix != NULL:
            ix[dst] = i


cdef void prefix_offsets(Py_ssize_t *cnt, Py_ssize_t nblk, int C) noexcept nogil:
    """Counts per (block, class) -> write offsets: class-major, block order within."""
    cdef Py_ssize_t acc = 0, b, v
    cdef int c
    for c in range(C):
        for b in range(nblk):
            v = cnt[b * C + c]
            cnt[b * C + c] = acc
            acc += v


cdef void place_any(const in_t *x, Py_ssize_t n, Py_ssize_t xs, const uint64_t *u, int p,
                    Py_ssize_t *cnt, Py_ssize_t nblk, int C, in_t *o, int64_t *ix,
                    Py_ssize_t b) noexcept nogil:
    """Block b of place_pass: one kth of a contiguous float64 row that is no zero or
    NaN goes to the vector loops (_select.h), which need the ends of the block's
    segments; everything else to place_block."""
    cdef Py_ssize_t i0 = b * BLK, i1 = min(n, (b + 1) * BLK)
    cdef Py_ssize_t e[3]
    cdef Py_ssize_t a[3]
    cdef double uv
    cdef int c
    if in_t is double:
        if p == 1 and xs == 1 and u[0] != SK_NAN:
            uv = sk_f64_inv(u[0])
            if uv != 0:
                for c in range(3):  # cnt stays as it is: other blocks read their ends there
                    a[c] = cnt[b * C + c]
                    if b + 1 < nblk:
                        e[c] = cnt[(b + 1) * C + c]
                    else:
                        e[c] = cnt[c + 1] if c + 1 < C else n
                cc_place_f64(x + i0, i1 - i0, i0, uv, o, ix, a, e)
                return
    place_block(x, i0, i1, xs, u, p, cnt + b * C, o, ix)


cdef void place_pass(const in_t *x, Py_ssize_t n, Py_ssize_t xs, const uint64_t *u, int p,
                     Py_ssize_t *cnt, Py_ssize_t nblk, int C, in_t *o, int64_t *ix, int t,
                     Stop *stop) noexcept nogil:
    """Every block of a long row to its write offsets (cnt, C per block) on t threads."""
    cdef Py_ssize_t b
    if t <= 1:
        for b in range(nblk):
            place_any(x, n, xs, u, p, cnt, nblk, C, o, ix, b)
        poll(stop)
        return
    for b in prange(nblk, schedule="dynamic", chunksize=DYN, num_threads=t):
        if not stopped(stop):
            place_any(x, n, xs, u, p, cnt, nblk, C, o, ix, b)
            if threadid() == 0:
                poll(stop)


# ------------------------------------------- one kth value of a huge row

cdef enum:
    SAMPLE = 1 << 16        # most keys sampled (evenly spaced) to bracket the kth key
    SAMPLE_MIN = 1 << 12    # rows from this long with one kth take the sampled select


cdef inline bint value_bounds(uint64_t lo, uint64_t hi, double *lov, double *hiv) noexcept nogil:
    """Doubles lov, hiv that order values as the keys lo, hi order their keys (lo = 0:
    no lower end), unless an end is a zero (keys put -0 below +0, values do not) or
    hi is NaN's key (values put NaN nowhere)."""
    if hi == SK_NAN:
        return False
    hiv[0] = sk_f64_inv(hi)
    lov[0] = -INFINITY if lo == 0 else sk_f64_inv(lo)
    return hiv[0] != 0 and lov[0] != 0


cdef void bracket_block(const in_t *x, Py_ssize_t i0, Py_ssize_t i1, Py_ssize_t xs,
                        uint64_t lo, uint64_t hi, uint64_t *tmp, Py_ssize_t *below,
                        Py_ssize_t *seg, Py_ssize_t *fill, Py_ssize_t cap,
                        uint64_t *cand) noexcept nogil:
    """Keys of x[i0:i1] below lo counted, those in [lo, hi] copied (in order) to one
    segment of cand: seg = (start, length), start = -1 when cand is full."""
    cdef Py_ssize_t i, c = 0, nb = 0, at
    cdef uint64_t k
    cdef double lov, hiv
    if in_t is double and xs == 1 and value_bounds(lo, hi, &lov, &hiv):
        nb = cc_bracket_f64(x + i0, i1 - i0, lov, hiv, tmp, &c)  # vector compares
    else:
        for i in range(i0, i1):
            k = key(x[i * xs])
            nb += k < lo
            tmp[c] = k
            c += (k >= lo) & (k <= hi)
    below[0] = nb
    at = sk_faddn(fill, c)
    seg[1] = c
    if at + c > cap:
        seg[0] = -1
        return
    seg[0] = at
    for i in range(c):
        cand[at + i] = tmp[i]


cdef int select_count_one(const in_t *x, Py_ssize_t n, Py_ssize_t xs, Py_ssize_t k, int nt,
                          Stop *stop, Py_ssize_t *cnt, uint64_t *kth) noexcept nogil:
    """The key of rank k of a huge row and, for every block of BLK, how many keys are
    below it, equal and above (cnt, 3 per block), in one pass over the row: an evenly
    spaced sample brackets the kth key, the pass counts the keys below the bracket and
    keeps those inside it, nth_element finds the kth among them. Returns 1 on success,
    0 when the bracket missed or held too many keys (many equal values) or memory ran
    short: the caller then takes the radix select. Exact either way: the same cnt and
    key as the radix select and count passes."""
    cdef Py_ssize_t nblk = (n + BLK - 1) // BLK, b, i, j, nbelow = 0, ncand, r
    # the sample: n/16 keys (1024 to SAMPLE); its rank has a standard deviation of at
    # most sqrt(S)/2, so a slack of 3 sqrt(S) ranks is 6 sigma: the bracket holds
    # about 6/sqrt(S) of the row (2.3% at S = SAMPLE), 24 sqrt(n) keys
    cdef Py_ssize_t S = min(<Py_ssize_t> SAMPLE, max(n // 16, <Py_ssize_t> 1024))
    cdef Py_ssize_t slack = 3 * <Py_ssize_t> sqrt(<double> S)
    cdef Py_ssize_t cap = n // 16 + 32 * <Py_ssize_t> sqrt(<double> n) + S, fill = 0
    cdef Py_ssize_t ks = (k * S) // n
    cdef Py_ssize_t bl = min(<Py_ssize_t> BLK, n)
    cdef int t = team(nt, nblk), ok = 1, th
    cdef uint64_t lo, hi, u, v
    cdef uint64_t *smp = <uint64_t *> malloc(S * sizeof(uint64_t))
    cdef uint64_t *cand = <uint64_t *> malloc(2 * cap * sizeof(uint64_t))
    cdef uint64_t *tmp = <uint64_t *> malloc(max(t, 1) * bl * sizeof(uint64_t))
    cdef Py_ssize_t *blk = <Py_ssize_t *> malloc(3 * nblk * sizeof(Py_ssize_t))
    if smp == NULL or cand == NULL or tmp == NULL or blk == NULL:
        free(smp); free(cand); free(tmp); free(blk)
        return 0  # the radix select needs less memory
    for i in range(S):
        smp[i] = key(x[((i * n) // S) * xs])
    lo = 0
    hi = SK_NAN
    if ks - slack > 0:
        nth_element(smp, smp + (ks - slack), smp + S)
        lo = smp[ks - slack]
    if ks + slack < S:  # above the lower end's rank already (nth_element's order)
        nth_element(smp + (ks - slack + 1 if ks - slack > 0 else 0), smp + (ks + slack),
                    smp + S)
        hi = smp[ks + slack]
    free(smp)
    # blk[3b] = keys below lo, blk[3b+1], blk[3b+2] = the block's segment of cand
    if t <= 1:
        for b in range(nblk):
            bracket_block(x, b * BLK, min(n, (b + 1) * BLK), xs, lo, hi, tmp, blk + 3 * b,
                          blk + 3 * b + 1, &fill, cap, cand)
            poll(stop)
            if stopped(stop):
                break
    else:
        for b in prange(nblk, schedule="dynamic", chunksize=DYN, num_threads=t):
            if not stopped(stop):
                th = threadid()
                bracket_block(x, b * BLK, min(n, (b + 1) * BLK), xs, lo, hi,
                              tmp + th * bl, blk + 3 * b, blk + 3 * b + 1, &fill, cap, cand)
                if th == 0:
                    poll(stop)
    free(tmp)
    ncand = 0
    for b in range(nblk):
        nbelow += blk[3 * b]
        ncand += blk[3 * b + 2]
        ok = ok and blk[3 * b + 1] >= 0
    r = k - nbelow
    if stopped(stop) or not ok or r < 0 or r >= ncand:
        free(cand); free(blk)
        return 0
    # the kth among the bracket's keys, from a copy (the segments stay for the counts)
    for i in range(ncand):
        cand[cap + i] = cand[i]
    nth_element(cand + cap, cand + cap + r, cand + cap + ncand)
    u = cand[cap + r]
    for b in range(nblk):
        cnt[3 * b] = blk[3 * b]
        cnt[3 * b + 1] = 0
        for j in range(blk[3 * b + 1], blk[3 * b + 1] + blk[3 * b + 2]):
            v = cand[j]
            cnt[3 * b] += v < u
            cnt[3 * b + 1] += v == u
        cnt[3 * b + 2] = min(n, (b + 1) * BLK) - b * BLK - cnt[3 * b] - cnt[3 * b + 1]
    kth[0] = u
    free(cand); free(blk)
    return 1


cdef int run_partition(const in_t *x, Py_ssize_t K, Py_ssize_t n, Py_ssize_t sK, Py_ssize_t sn,
                       const Py_ssize_t *ranks, int m, in_t *o, int64_t *ix, int nt,
                       bint check) except -1:
    cdef Stop stop
    cdef Py_ssize_t r, t, nblk, b, i, every, span
    cdef int j, p, C = 2 * m + 1, rc = 0
    cdef uint64_t res[MAXR]
    cdef uint64_t u[MAXR]
    cdef uint64_t *scratch = NULL
    cdef uint64_t *rr = NULL
    cdef Py_ssize_t *H = NULL
    cdef Py_ssize_t *work = NULL
    cdef Py_ssize_t *cnt = NULL
    cdef Py_ssize_t *cc = NULL
    stop_init(&stop, check)
    if (n >= LONG and (K < 2 * nt or n > HUGE)) or (m == 1 and n >= SAMPLE_MIN and K < 2 * nt):
        nblk = (n + BLK - 1) // BLK
        H = <Py_ssize_t *> malloc(NB * sizeof(Py_ssize_t))
        work = <Py_ssize_t *> malloc(max(nt, 1) * NB * sizeof(Py_ssize_t))
        cnt = <Py_ssize_t *> malloc(nblk * C * sizeof(Py_ssize_t))
        if H == NULL or work == NULL or cnt == NULL:
            free(H); free(work); free(cnt)
            raise MemoryError()
        with nogil:
            for r in range(K):
                t = team(nt, nblk)
                if m == 1 and n >= SAMPLE_MIN:
                    # one kth value: select and count in one pass when the sample works
                    rc = select_count_one(x + r * sK, n, sn, ranks[0], nt, &stop, cnt, u)
                    if rc < 0 or stopped(&stop):
                        break
                    if rc == 1:
                        p = 1
                        C = 3
                        prefix_offsets(cnt, nblk, C)
                        place_pass(x + r * sK, n, sn, u, p, cnt, nblk, C,
                                   (o + r * n) if o != NULL else NULL,
                                   (ix + r * n) if ix != NULL else NULL, t, &stop)
                        if stopped(&stop):
                            break
                        continue
                rc = select_long(x + r * sK, n, sn, ranks, m, res, False, nt, &stop, H, work)
                if rc < 0 or stopped(&stop):
                    break
                p = uniq(res, m, u)
                C = 2 * p + 1
                memset(cnt, 0, nblk * C * sizeof(Py_ssize_t))
                if t <= 1:
                    for b in range(nblk):
                        count_block(x + r * sK, b * BLK, min(n, (b + 1) * BLK), sn, u, p,
                                    cnt + b * C)
                    poll(&stop)
                    if stopped(&stop):
                        break
                else:
                    for b in prange(nblk, schedule="dynamic", chunksize=DYN, num_threads=t):
                        if not stopped(&stop):
                            count_block(x + r * sK, b * BLK, min(n, (b + 1) * BLK), sn, u,
                                        p, cnt + b * C)
                            if threadid() == 0:
                                poll(&stop)
                if stopped(&stop):
                    break
                prefix_offsets(cnt, nblk, C)
                place_pass(x + r * sK, n, sn, u, p, cnt, nblk, C,
                           (o + r * n) if o != NULL else NULL,
                           (ix + r * n) if ix != NULL else NULL, t, &stop)
                if stopped(&stop):
                    break
        free(H); free(work); free(cnt)
        if rc < 0:
            raise MemoryError()
    else:
        t = team(nt, K)
        every = max(1, POLL_SPAN // n)     # rows between two clock reads (~64k values)
        # per thread: the row's keys, the m answers, and C class counters
        span = padded(n + 2 * m + C + 1)
        scratch = <uint64_t *> malloc(max(t, 1) * span * sizeof(uint64_t))
        if scratch == NULL:
            raise MemoryError()
        with nogil:
            if t <= 1:
                for r in range(K):
                    part_row(x + r * sK, n, sn, ranks, m, scratch,
                             (o + r * n) if o != NULL else NULL,
                             (ix + r * n) if ix != NULL else NULL)
                    if r % every == 0:
                        poll(&stop)
                        if stopped(&stop):
                            break
            else:
                for r in prange(K, schedule="static", num_threads=t):
                    if not stopped(&stop):
                        part_row(x + r * sK, n, sn, ranks, m,
                                 scratch + threadid() * span,
                                 (o + r * n) if o != NULL else NULL,
                                 (ix + r * n) if ix != NULL else NULL)
                        if threadid() == 0 and r % every == 0:
                            poll(&stop)
        free(scratch)
    raise_if_stopped(&stop)
    return 0


cdef void part_row(const in_t *x, Py_ssize_t n, Py_ssize_t xs, const Py_ssize_t *ranks,
                   int m, uint64_t *scr, in_t *o, int64_t *ix) noexcept nogil:
    """One row: its kth keys from a scratch copy, then the stable class layout."""
    cdef uint64_t *res = scr + n
    cdef uint64_t *u = res + m
    cdef Py_ssize_t *cnt = <Py_ssize_t *> (u + m)
    cdef int p, C
    if in_t is double:
        if m == 1 and xs == 1 and cc_part_short_f64(x, n, ranks[0], o, ix):
            return
    select_row(x, n, xs, ranks, m, scr, res, False)
    p = uniq(res, m, u)
    C = 2 * p + 1
    if n <= SORT_SEL:   # scr still holds the row's keys in order: no second conversion
        place_short(scr, x, n, xs, u, p, cnt, o, ix)
        return
    memset(cnt, 0, C * sizeof(Py_ssize_t))
    count_block(x, 0, n, xs, u, p, cnt)
    prefix_offsets(cnt, 1, C)
    place_block(x, 0, n, xs, u, p, cnt, o, ix)


cdef void place_short(const uint64_t *keys, const in_t *x, Py_ssize_t n, Py_ssize_t xs,
                      const uint64_t *u, int p, Py_ssize_t *cnt, in_t *o,
                      int64_t *ix) noexcept nogil:
    """count_block and place_block of a short row from its keys."""
    cdef Py_ssize_t i, nlt = 0, neq = 0
    cdef int C = 2 * p + 1
    if p == 1:
        for i in range(n):
            nlt += keys[i] < u[0]
            neq += keys[i] == u[0]
        cnt[0] = nlt
        cnt[1] = neq
        cnt[2] = n - nlt - neq
    else:
        memset(cnt, 0, C * sizeof(Py_ssize_t))
        for i in range(n):
            cnt[klass(keys[i], u, p)] += 1
    prefix_offsets(cnt, 1, C)
    place_block(x, 0, n, xs, u, p, cnt, o, ix, keys)


def partition(cnp.ndarray x, int tcode, cnp.ndarray ranks, object out, object idx, int nt,
              bint check):
    """Partition each row of the 2-D view x around the ranks in ranks (int64, ascending,
    distinct) into the C-contiguous (K, n) out (x's dtype) and/or idx (int64, the
    source positions), either may be None. Layout: see the module docstring."""
    cdef Py_ssize_t K = x.shape[0], n = x.shape[1]
    cdef Py_ssize_t isz = x.itemsize
    cdef Py_ssize_t sK = x.strides[0] // isz, sn = x.strides[1] // isz
    cdef int m = ranks.shape[0]
    cdef const Py_ssize_t *rk = <const Py_ssize_t *> cnp.PyArray_DATA(ranks)
    cdef void *px = cnp.PyArray_DATA(x)
    cdef void *po = NULL
    cdef int64_t *pi = NULL
    if m < 1 or m > MAXR or n < 1:
        raise ValueError("partition: 1 to 64 kth of a non-empty row")
    if out is not None:
        po = cnp.PyArray_DATA(<cnp.ndarray> out)
    if idx is not None:
        pi = <int64_t *> cnp.PyArray_DATA(<cnp.ndarray> idx)
    if tcode == 0:
        run_partition(<const double *> px, K, n, sK, sn, rk, m, <double *> po, pi, nt, check)
    elif tcode == 1:
        run_partition(<const float *> px, K, n, sK, sn, rk, m, <float *> po, pi, nt, check)
    elif tcode == 2:
        run_partition(<const int64_t *> px, K, n, sK, sn, rk, m, <int64_t *> po, pi, nt, check)
    elif tcode == 3:
        run_partition(<const int32_t *> px, K, n, sK, sn, rk, m, <int32_t *> po, pi, nt, check)
    else:
        raise ValueError(f"partition: unknown type code {tcode}")
    return None


def simd_level(int level=-1):
    """Cap the register width of the one-kth partition loops (tests): 0 SSE2, 1 AVX2,
    2 AVX-512, -1 the best this CPU has. Returns the level in use."""
    return cc_simd_force(level)
