"""Parallel histogram kernels: uniform and explicit-edge histograms, N-d histograms,
bincount and digitize.

``concore.histograms`` hands every kernel contiguous (or, for the N-d sample
columns, strided) buffers of a known dtype plus the constants NumPy would use,
already converted to the types NumPy computes in. Definitions:

* Work is split into fixed blocks of BLOCK = 65536 elements: NumPy's own chunk in
  ``numpy.histogram``. The blocks depend on the size only.
* Counts are integers: each thread adds into private counts (up to 4 interleaved copies,
  as many as stay in L1, so that equal neighbours do not wait on each other's store), summed
  at the end; for huge bin counts, atomic adds into the output instead of private
  copies. Integer sums are exact in any order.
* Weighted 1-d histograms: each block sums its weights per bin from 0.0 in element
  order, in double (NumPy's ``bincount``); the block sums are then added to the
  output, in the output type, serially in block order (NumPy's ``n += ...``). For
  uniform bins this is exactly NumPy's arithmetic.
* Weighted bincount and weighted N-d histograms: NumPy's single sequential pass,
  one chain per bin over the whole input. bincount splits the *bins* between
  threads (each thread scans all of x and adds only its own bins), so every bin
  keeps NumPy's order; the N-d kernel does the same by rounds: the bin indices of a
  round of blocks on all threads, then each thread adds the round into its bins.
* N-d uniform bins: per dimension, the arithmetic index where it is certain (as for
  1-d uniform bins, against NumPy's searchsorted edges: see histdd), a search of the
  edges elsewhere; then the linear index, counted per thread as above.
* Uniform bins: NumPy's index ``F(v) = (v - first) / denom * n`` (rounded as NumPy
  rounds), truncated, clamped, corrected once downwards and once upwards against
  the edges. F is monotone in v, and the caller measures ``delta = max |F(e_i) - i|``
  over the edges, so a value whose F lies more than delta from every integer is in
  bin ``int(F)`` and NumPy's correction leaves it there. The kernel computes
  ``F' = (v - first) * (n / denom)``, within ``eps_q = 8 eps (n + 2)`` of F; where
  ``|frac(F') - 0.5| < lim = 0.5 - delta - eps_q`` the bin is ``int(F')`` (no edge
  is read); elsewhere (values within about delta of an edge) it does NumPy's
  division and correction. So the bin is NumPy's, bit for bit. A value NumPy could
  not index (it would raise) is reported back and the caller lets NumPy handle
  the whole call. The common case is computed CHUNK values at a time by a C loop
  the compiler vectorizes (an AVX2 clone chosen at run time where GCC can), then
  counted; only the rare values near an edge take the scalar path.
* Explicit edges (histogram, digitize, the N-d histogram): equal cells over the
  edges' span, each knowing how many edges lie below it, narrow the search to an
  edge or two (two branch-free steps); comparisons with the edges always settle
  the answer (NumPy's ``searchsorted``, NaN after every edge), so the cells only
  decide the speed.
"""
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, int32_t, uint8_t, uint64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset
from libc.math cimport fabs, fabsf

cimport numpy as cnp

from concore._native._openmp cimport (
    NOGIL_MIN, Stop, stop_init, stopped, poll, raise_if_stopped,
)

cnp.import_array()

cdef extern from *:
    """
    #if defined(_MSC_VER)
    #include <intrin.h>
    static void cc_atomic_inc(long long *p) { _InterlockedIncrement64(p); }
    #else
    static void cc_atomic_inc(long long *p) { __atomic_fetch_add(p, 1, __ATOMIC_RELAXED); }
    #endif
    """
    void cc_atomic_inc(long long *p) noexcept nogil

cdef extern from *:
    """
    /* Phase 1 of the uniform-bin kernel, written so that the compiler vectorizes it:
       for each value, its bin int(F') where that is certain (see the module
       docstring), -2 where NumPy's exact arithmetic must decide, -1 outside the
       kept range [lo, hi] (compared in double) or NaN. IN: data type, B: NumPy's
       bin type, Q: the type NumPy computes the index in. */
    /* Run-time SIMD dispatch (GCC ifunc): an AVX-512 (x86-64-v4) or AVX2 clone where
       the CPU has it. */
    #if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
    #define CC_CLONES __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
    #else
    #define CC_CLONES
    #endif
    #define CC_UPHASE(NAME, IN, B, Q, ABS)                                           \
    CC_CLONES static void NAME(const IN *restrict x, Py_ssize_t m, double lo, double hi,      \
                     B first, Q norm, Q nb, Q lim, int *restrict idx) {             \
        for (Py_ssize_t j = 0; j < m; j++) {                                        \
            IN xv = x[j];                                                           \
            B v = (B)xv;                                                            \
            Q f = (Q)(B)(v - first) * norm;                                         \
            f = f > (Q)-1 ? f : (Q)-1;      /* NaN and below: -1 (defined cast) */  \
            f = f < nb ? f : nb;                                                    \
            Q t = (Q)(int)f;                                                        \
            Q c = ABS(f - t - (Q)0.5) < lim ? t : (Q)-2;                            \
            c = ((double)xv >= lo) ? c : (Q)-1;                                     \
            c = ((double)xv <= hi) ? c : (Q)-1;                                     \
            idx[j] = (int)c;                                                        \
        }                                                                           \
    }
    CC_UPHASE(cc_up_ddd, double, double, double, fabs)
    CC_UPHASE(cc_up_fdd, float, double, double, fabs)
    CC_UPHASE(cc_up_ffd, float, float, double, fabs)
    CC_UPHASE(cc_up_fff, float, float, float, fabsf)
    CC_UPHASE(cc_up_ldd, int64_t, double, double, fabs)
    CC_UPHASE(cc_up_idd, int32_t, double, double, fabs)
    CC_UPHASE(cc_up_bdd, uint8_t, double, double, fabs)

    /* The N-d uniform-bin index, one dimension at a time, written so that the
       compiler vectorizes it: c = int(F') with F' = (v - first) * norm where that is
       certain (see histdd), -2 where the edges must decide, -1 outside [lo, hi] or
       NaN; folded into lin (the linear index of the dimensions before: -1 wins over
       -2, which wins over an index). st: the column's stride in elements. */
    #define CC_DDLOOP(XJ, INIT)                                                         \
        for (Py_ssize_t j = 0; j < m; j++) {                                            \
            double v = (double)(XJ);                                                    \
            double f = (v - first) * norm;                                              \
            f = f > -1.0 ? f : -1.0;                                                    \
            f = f < nb ? f : nb;                                                        \
            double t = (double)(int)f;                                                  \
            double cd = fabs(f - t - 0.5) < lim ? t : -2.0;                             \
            cd = (v >= lo) ? cd : -1.0;                                                 \
            cd = (v <= hi) ? cd : -1.0;                                                 \
            int c = (int)cd;                                                            \
            if (INIT) {                                                                 \
                lin[j] = c < 0 ? c : c * mul;                                           \
            } else {                                                                    \
                int p = lin[j];                                                         \
                int r = p + (c > 0 ? c : 0) * mul;                                      \
                int mn = c < p ? c : p, mx = c < p ? p : c;                             \
                /* both negative: -1 if either is -1; one negative: that one */         \
                lin[j] = mn < 0 ? (mx < 0 ? mx : mn) : r;                               \
            }                                                                           \
        }
    #define CC_DDPHASE(NAME, IN)                                                        \
    CC_CLONES static void NAME(const IN *restrict x, Py_ssize_t st, Py_ssize_t m,      \
            double lo, double hi, double first, double norm, double nb, double lim,    \
            int mul, int init, int *restrict lin) {                                    \
        if (init) {                                                                     \
            if (st == 1) { CC_DDLOOP(x[j], 1) } else { CC_DDLOOP(x[j * st], 1) }        \
        } else {                                                                        \
            if (st == 1) { CC_DDLOOP(x[j], 0) } else { CC_DDLOOP(x[j * st], 0) }        \
        }                                                                               \
    }

    /* Weighted 1-d, one chunk: acc[k] += w[j] in order for the bins k = ib[j] >= 0
       (element order within a bin is NumPy's; four at a time where all are bins). */
    #define CC_WADD(NAME, W)                                                            \
    static void NAME(const int *restrict ib, const W *restrict w, Py_ssize_t m,        \
                     double *acc) {                                                     \
        Py_ssize_t j = 0;                                                               \
        for (; j + 4 <= m; j += 4) {                                                    \
            int k0 = ib[j], k1 = ib[j + 1], k2 = ib[j + 2], k3 = ib[j + 3];             \
            if ((k0 | k1 | k2 | k3) >= 0) {                                             \
                acc[k0] += (double)w[j];                                                \
                acc[k1] += (double)w[j + 1];                                            \
                acc[k2] += (double)w[j + 2];                                            \
                acc[k3] += (double)w[j + 3];                                            \
            } else {                                                                    \
                if (k0 >= 0) acc[k0] += (double)w[j];                                   \
                if (k1 >= 0) acc[k1] += (double)w[j + 1];                               \
                if (k2 >= 0) acc[k2] += (double)w[j + 2];                               \
                if (k3 >= 0) acc[k3] += (double)w[j + 3];                               \
            }                                                                           \
        }                                                                               \
        for (; j < m; j++)                                                              \
            if (ib[j] >= 0) acc[ib[j]] += (double)w[j];                                 \
    }
    CC_WADD(cc_wadd_d, double)
    CC_WADD(cc_wadd_f, float)

    /* Weighted N-d, one thread's share: od[k] += w[j] for the bins k0 <= k < k1 it
       owns, in order; every other element adds into one of 8 dummy slots. Branch-free
       (the owner of an element is random, a branch would miss half the time). */
    #define CC_DDWOWN(NAME, W)                                                          \
    static void NAME(const int *restrict lin, const W *restrict w, Py_ssize_t m,      \
                     Py_ssize_t k0, Py_ssize_t k1, double *od, double *dum) {          \
        size_t span = (size_t)(k1 - k0);                                               \
        for (Py_ssize_t j = 0; j < m; j++) {                                           \
            Py_ssize_t k = lin[j];                                                     \
            uintptr_t own = (uintptr_t)0 - (uintptr_t)((size_t)(k - k0) < span);      \
            uintptr_t q = (((uintptr_t)od + (uintptr_t)k * sizeof(double)) & own)      \
                          | (((uintptr_t)(dum + (j & 7))) & ~own);                      \
            *(double *)q += (double)w[j];                                              \
        }                                                                              \
    }
    CC_DDWOWN(cc_ddw_own_d, double)
    CC_DDWOWN(cc_ddw_own_f, float)

    /* Whether v occurs in a[0:m] (vectorized: no early exit). */
    CC_CLONES static int cc_has(const int *restrict a, Py_ssize_t m, int v) {
        int r = 0;
        for (Py_ssize_t j = 0; j < m; j++) r |= a[j] == v;
        return r;
    }

    /* Two float64 dimensions in one pass (histogram2d), the same arithmetic. */
    #define CC_DD1(V, C, P)                                                             \
            double f##C = (V - P##first) * P##norm;                                     \
            f##C = f##C > -1.0 ? f##C : -1.0;                                           \
            f##C = f##C < P##nb ? f##C : P##nb;                                         \
            double t##C = (double)(int)f##C;                                            \
            double c##C = fabs(f##C - t##C - 0.5) < P##lim ? t##C : -2.0;               \
            c##C = (V >= P##lo) ? c##C : -1.0;                                          \
            c##C = (V <= P##hi) ? c##C : -1.0;
    #define CC_DD2LOOP(XJ, YJ)                                                          \
        for (Py_ssize_t j = 0; j < m; j++) {                                            \
            double xv = XJ, yv = YJ;                                                    \
            CC_DD1(xv, 0, a)                                                            \
            CC_DD1(yv, 1, b)                                                            \
            double mn = c0 < c1 ? c0 : c1, mx = c0 < c1 ? c1 : c0;                      \
            double r = mn < 0.0 ? (mx < 0.0 ? mx : mn) : c0 * amul + c1;                \
            lin[j] = (int)r;                                                            \
        }
    CC_CLONES static void cc_dd2_d(const double *restrict x, Py_ssize_t sx,
            const double *restrict y, Py_ssize_t sy, Py_ssize_t m,
            double alo, double ahi, double afirst, double anorm, double anb, double alim,
            double amul, double blo, double bhi, double bfirst, double bnorm, double bnb,
            double blim, int *restrict lin) {
        if (sx == 1 && sy == 1) { CC_DD2LOOP(x[j], y[j]) }
        else { CC_DD2LOOP(x[j * sx], y[j * sy]) }
    }

    CC_DDPHASE(cc_dd_d, double)
    CC_DDPHASE(cc_dd_f, float)
    CC_DDPHASE(cc_dd_l, int64_t)
    CC_DDPHASE(cc_dd_i, int32_t)
    CC_DDPHASE(cc_dd_b, uint8_t)

    /* min and max of a contiguous run in one pass (NaN flagged apart: a NaN never
       wins a comparison, so it never becomes the min or the max). */
    #define CC_MINMAX(NAME, T, FLOAT)                                                \
    CC_CLONES static int NAME(const T *restrict x, Py_ssize_t n, T *mn, T *mx) {     \
        T a = x[0], b = x[0];                                                        \
        int nn = 0;                                                                  \
        for (Py_ssize_t i = 0; i < n; i++) {                                         \
            T v = x[i];                                                              \
            a = v < a ? v : a;                                                       \
            b = v > b ? v : b;                                                       \
            if (FLOAT) nn |= v != v;                                                 \
        }                                                                            \
        *mn = a; *mx = b;                                                            \
        return nn;                                                                   \
    }
    CC_MINMAX(cc_mm_d, double, 1)
    CC_MINMAX(cc_mm_f, float, 1)
    CC_MINMAX(cc_mm_l, int64_t, 0)
    CC_MINMAX(cc_mm_i, int32_t, 0)
    CC_MINMAX(cc_mm_b, uint8_t, 0)
    """
    int cc_mm_d(const double *x, Py_ssize_t n, double *mn, double *mx) noexcept nogil
    int cc_mm_f(const float *x, Py_ssize_t n, float *mn, float *mx) noexcept nogil
    int cc_mm_l(const int64_t *x, Py_ssize_t n, int64_t *mn, int64_t *mx) noexcept nogil
    int cc_mm_i(const int32_t *x, Py_ssize_t n, int32_t *mn, int32_t *mx) noexcept nogil
    int cc_mm_b(const uint8_t *x, Py_ssize_t n, uint8_t *mn, uint8_t *mx) noexcept nogil
    int cc_has(const int *a, Py_ssize_t m, int v) noexcept nogil
    void cc_ddw_own_d(const int *lin, const double *w, Py_ssize_t m, Py_ssize_t k0,
                      Py_ssize_t k1, double *od, double *dum) noexcept nogil
    void cc_ddw_own_f(const int *lin, const float *w, Py_ssize_t m, Py_ssize_t k0,
                      Py_ssize_t k1, double *od, double *dum) noexcept nogil
    void cc_dd2_d(const double *x, Py_ssize_t sx, const double *y, Py_ssize_t sy,
                  Py_ssize_t m, double alo, double ahi, double afirst, double anorm,
                  double anb, double alim, double amul, double blo, double bhi,
                  double bfirst, double bnorm, double bnb, double blim,
                  int *lin) noexcept nogil
    void cc_wadd_d(const int *ib, const double *w, Py_ssize_t m, double *acc) noexcept nogil
    void cc_wadd_f(const int *ib, const float *w, Py_ssize_t m, double *acc) noexcept nogil
    void cc_dd_d(const double *x, Py_ssize_t st, Py_ssize_t m, double lo, double hi,
                 double first, double norm, double nb, double lim, int mul, int init,
                 int *lin) noexcept nogil
    void cc_dd_f(const float *x, Py_ssize_t st, Py_ssize_t m, double lo, double hi,
                 double first, double norm, double nb, double lim, int mul, int init,
                 int *lin) noexcept nogil
    void cc_dd_l(const int64_t *x, Py_ssize_t st, Py_ssize_t m, double lo, double hi,
                 double first, double norm, double nb, double lim, int mul, int init,
                 int *lin) noexcept nogil
    void cc_dd_i(const int32_t *x, Py_ssize_t st, Py_ssize_t m, double lo, double hi,
                 double first, double norm, double nb, double lim, int mul, int init,
                 int *lin) noexcept nogil
    void cc_dd_b(const uint8_t *x, Py_ssize_t st, Py_ssize_t m, double lo, double hi,
                 double first, double norm, double nb, double lim, int mul, int init,
                 int *lin) noexcept nogil
    void cc_up_ddd(const double *x, Py_ssize_t m, double lo, double hi, double first,
                   double norm, double nb, double lim, int *idx) noexcept nogil
    void cc_up_fdd(const float *x, Py_ssize_t m, double lo, double hi, double first,
                   double norm, double nb, double lim, int *idx) noexcept nogil
    void cc_up_ffd(const float *x, Py_ssize_t m, double lo, double hi, float first,
                   double norm, double nb, double lim, int *idx) noexcept nogil
    void cc_up_fff(const float *x, Py_ssize_t m, double lo, double hi, float first,
                   float norm, float nb, float lim, int *idx) noexcept nogil
    void cc_up_ldd(const int64_t *x, Py_ssize_t m, double lo, double hi, double first,
                   double norm, double nb, double lim, int *idx) noexcept nogil
    void cc_up_idd(const int32_t *x, Py_ssize_t m, double lo, double hi, double first,
                   double norm, double nb, double lim, int *idx) noexcept nogil
    void cc_up_bdd(const uint8_t *x, Py_ssize_t m, double lo, double hi, double first,
                   double norm, double nb, double lim, int *idx) noexcept nogil

cdef enum:
    BLOCK = 65536           # elements per block: NumPy's histogram chunk (part of the
                            # definition of weighted sums)
    FEW_BINS = 256          # up to this many bins: 4 interleaved private copies per
                            # thread, up to 4 * FEW_BINS 2 copies, else one (the copies
                            # of a thread stay within L1: 1000 bins x 4 copies x 8 bytes
                            # filled it and made counting 5x slower)
    PRIV_MAX = 1 << 22      # most private count slots (all threads) before atomics
    WBUF_MAX = 1 << 22      # most doubles of block partial sums held at once
    MERGE_TASK = 8192       # bins per parallel task when merging block sums
    ROUND_MAX = 512         # most blocks per round of the weighted kernel (~3e7 values)
    CHUNK = 256             # values per phase-1 pass of the uniform kernel (on the stack)
    WROUND = 16             # blocks per round of the parallel weighted N-d kernel

ctypedef fused in_t:
    double
    float
    int64_t
    int32_t
    uint8_t

ctypedef fused bin_t:
    double
    float

ctypedef fused int_t:
    int64_t
    int32_t
    uint8_t

# type codes shared with concore.histograms
cdef enum:
    T_F8 = 0
    T_F4 = 1
    T_I8 = 2
    T_I4 = 3
    T_U1 = 4


cdef struct UP:
    double lo, hi           # kept range, compared in double (exact for every case used)
    int64_t loi, hii        # kept range for integer comparisons
    int cint                # compare as integers
    double first_d, norm_d, denom_d, n_d, lim_d
    float first_f, norm_f, denom_f, n_f, lim_f
    int q32                 # NumPy divides in float32 (float32 data and bounds)
    double nlim             # n + 1: a larger index would make NumPy fail
    Py_ssize_t nb
    int fast                # phase 1 applies: double keep test, nb < 2**30


cdef struct Edges:
    const double *ed        # edges as double (double comparisons)
    const int64_t *ei       # edges as int64 (integer comparisons)
    int cint
    Py_ssize_t ne           # number of edges
    # Search accelerator (double edges): G equal cells over [e0, e0 + G / scale];
    # tab[c] = number of edges <= the lower bound of cell c (G + 1 entries); ed then
    # has a NaN after its last edge. It only narrows the search: the answer is
    # always settled by comparisons with the edges.
    const int32_t *tab
    Py_ssize_t G
    double e0, scale


cdef inline int team(int nt, Py_ssize_t ntasks) noexcept nogil:
    return <int> min(<Py_ssize_t> nt, ntasks)


cdef inline double wget(const double *wd, const float *wf, Py_ssize_t i) noexcept nogil:
    if wd != NULL:
        return wd[i]
    return <double> wf[i]


# ------------------------------------------------------------ bin indices

cdef inline Py_ssize_t fix_index(Py_ssize_t i, bin_t v, const bin_t *e,
                                 Py_ssize_t nb) noexcept nogil:
    """NumPy's clamp and one-step correction against the edges."""
    if i == nb:
        i = nb - 1
    if v < e[i]:
        i -= 1
    if i != nb - 1 and v >= e[i + 1]:
        i += 1
    if i < 0:
        return -2
    return i


cdef inline Py_ssize_t uidx(in_t x, const bin_t *e, const UP *p) noexcept nogil:
    """Bin of x for uniform bins: -1 outside the range, -2 where NumPy would fail."""
    cdef double xd, f, r
    cdef float ff, rf
    cdef bin_t v, d
    cdef Py_ssize_t i
    if in_t is double or in_t is float:
        if not (x >= p.lo and x <= p.hi):
            return -1
    else:
        if p.cint:
            if <int64_t> x < p.loi or <int64_t> x > p.hii:
                return -1
        else:
            xd = <double> x
            if not (xd >= p.lo and xd <= p.hi):
                return -1
    v = <bin_t> x
    if bin_t is float:
        d = v - p.first_f
        if p.q32:
            ff = d * p.norm_f
            if ff >= 0.0 and ff < p.nlim:
                i = <Py_ssize_t> ff
                rf = ff - <float> i
                if fabsf(rf - <float> 0.5) < p.lim_f and i < p.nb:
                    return i
            ff = (d / p.denom_f) * p.n_f
            if not (ff >= 0.0 and ff < p.nlim):
                return -2
            return fix_index(<Py_ssize_t> ff, v, e, p.nb)
        xd = <double> d
    else:
        d = v - p.first_d
        xd = d
    f = xd * p.norm_d
    if f >= 0.0 and f < p.nlim:
        i = <Py_ssize_t> f
        r = f - <double> i
        if fabs(r - 0.5) < p.lim_d and i < p.nb:
            return i
    f = (xd / p.denom_d) * p.n_d
    if not (f >= 0.0 and f < p.nlim):
        return -2
    return fix_index(<Py_ssize_t> f, v, e, p.nb)


cdef inline Py_ssize_t count_le(double v, const Edges *E) noexcept nogil:
    """Number of edges <= v (v not NaN): NumPy's searchsorted(edges, v, 'right')."""
    cdef Py_ssize_t lo = 0, hi = E.ne, mid, c, ne = E.ne
    cdef double f
    if E.G > 0:
        f = (v - E.e0) * E.scale
        f = f if f > 0.0 else 0.0
        f = f if f < <double> (E.G - 1) else <double> (E.G - 1)
        c = <Py_ssize_t> f
        lo = E.tab[c]
        hi = E.tab[c + 1]
        if hi - lo <= 2:
            # few edges in the cell (the usual case): two branch-free steps; ed[ne]
            # is a NaN sentinel, so lo stays <= ne
            lo += <Py_ssize_t> (E.ed[lo] <= v)
            lo += <Py_ssize_t> (E.ed[lo] <= v)
            hi = lo
    while lo < hi:
        mid = (lo + hi) >> 1
        if E.ed[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    while lo < ne and E.ed[lo] <= v:        # exact whatever the cell said
        lo += 1
    while lo > 0 and E.ed[lo - 1] > v:
        lo -= 1
    return lo


cdef inline Py_ssize_t count_lt(double v, const Edges *E) noexcept nogil:
    """Number of edges < v (v not NaN): NumPy's searchsorted(edges, v, 'left')."""
    cdef Py_ssize_t lo = 0, hi = E.ne, mid, c, ne = E.ne
    cdef double f
    if E.G > 0:
        f = (v - E.e0) * E.scale
        f = f if f > 0.0 else 0.0
        f = f if f < <double> (E.G - 1) else <double> (E.G - 1)
        c = <Py_ssize_t> f
        lo = E.tab[c]
        hi = E.tab[c + 1]
        lo = lo - 1 if lo > 0 else 0        # edges equal to a cell bound count in tab
        if hi - lo <= 3:
            lo += <Py_ssize_t> (E.ed[lo] < v)
            lo += <Py_ssize_t> (E.ed[lo] < v)
            lo += <Py_ssize_t> (E.ed[lo] < v)
            hi = lo
    while lo < hi:
        mid = (lo + hi) >> 1
        if E.ed[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    while lo < ne and E.ed[lo] < v:
        lo += 1
    while lo > 0 and E.ed[lo - 1] >= v:
        lo -= 1
    return lo


cdef inline Py_ssize_t eidx(in_t x, const Edges *E) noexcept nogil:
    """Bin of x for explicit edges (last bin closed), -1 outside; NaN is outside."""
    cdef Py_ssize_t lo = 0, hi = E.ne, mid
    cdef double v
    cdef int64_t vi
    if (in_t is double or in_t is float) or not E.cint:
        v = <double> x
        if not (v >= E.ed[0] and v <= E.ed[E.ne - 1]):
            return -1
        lo = count_le(v, E) - 1               # E.ed[lo] <= v < E.ed[lo + 1]
    else:
        vi = <int64_t> x
        if vi < E.ei[0] or vi > E.ei[E.ne - 1]:
            return -1
        while hi - lo > 1:
            mid = (lo + hi) >> 1
            if E.ei[mid] <= vi:
                lo = mid
            else:
                hi = mid
    if lo == E.ne - 1:
        lo -= 1
    return lo


cdef inline void phase1(const in_t *x, Py_ssize_t m, const bin_t *e, const UP *p,
                        int *idx) noexcept nogil:
    if in_t is double:
        cc_up_ddd(x, m, p.lo, p.hi, p.first_d, p.norm_d, p.n_d, p.lim_d, idx)
    elif in_t is float:
        if bin_t is double:
            cc_up_fdd(x, m, p.lo, p.hi, p.first_d, p.norm_d, p.n_d, p.lim_d, idx)
        elif p.q32:
            cc_up_fff(x, m, p.lo, p.hi, p.first_f, p.norm_f, p.n_f, p.lim_f, idx)
        else:
            cc_up_ffd(x, m, p.lo, p.hi, p.first_f, p.norm_d, p.n_d, p.lim_d, idx)
    elif in_t is int64_t:
        cc_up_ldd(x, m, p.lo, p.hi, p.first_d, p.norm_d, p.n_d, p.lim_d, idx)
    elif in_t is int32_t:
        cc_up_idd(x, m, p.lo, p.hi, p.first_d, p.norm_d, p.n_d, p.lim_d, idx)
    else:
        cc_up_bdd(x, m, p.lo, p.hi, p.first_d, p.norm_d, p.n_d, p.lim_d, idx)


cdef void count_uniform(const in_t *x, Py_ssize_t s, Py_ssize_t e, const bin_t *ue,
                        const UP *p, int64_t *c0, int64_t *c1, int64_t *c2, int64_t *c3,
                        int *bad) noexcept nogil:
    """count_block for uniform bins through phase 1, CHUNK values at a time."""
    cdef int ib[CHUNK]
    cdef Py_ssize_t j, m, k0, k1, k2, k3, c
    cdef int b = 0
    cdef int64_t *cs[4]
    cs[0] = c0
    cs[1] = c1
    cs[2] = c2
    cs[3] = c3
    while s < e:
        m = min(<Py_ssize_t> CHUNK, e - s)
        phase1(x + s, m, ue, p, ib)
        j = 0
        while j + 4 <= m:
            k0 = ib[j]
            k1 = ib[j + 1]
            k2 = ib[j + 2]
            k3 = ib[j + 3]
            if (k0 | k1 | k2 | k3) >= 0:
                c0[k0] += 1
                c1[k1] += 1
                c2[k2] += 1
                c3[k3] += 1
            else:
                for c in range(4):
                    k0 = ib[j + c]
                    if k0 == -2:
                        k0 = uidx(x[s + j + c], ue, p)
                    if k0 >= 0:
                        cs[c][k0] += 1
                    elif k0 == -2:
                        b = 1
            j += 4
        while j < m:
            k0 = ib[j]
            if k0 == -2:
                k0 = uidx(x[s + j], ue, p)
            if k0 >= 0:
                c0[k0] += 1
            elif k0 == -2:
                b = 1
            j += 1
        s += m
    if b:
        bad[0] = 1


# ------------------------------------------------------------- count kernels

cdef inline void count_block(const in_t *x, Py_ssize_t s, Py_ssize_t e, int uniform,
                             const bin_t *ue, const UP *p, const Edges *E,
                             int64_t *c0, int64_t *c1, int64_t *c2, int64_t *c3,
                             long long *atom, int *bad) noexcept nogil:
    """Counts of x[s:e] into c0..c3 (element i into copy i % 4), or atomically into
    atom when it is not NULL."""
    cdef Py_ssize_t i = s, k0, k1, k2, k3
    cdef int b = 0
    if uniform and p.fast and atom == NULL:
        count_uniform(x, s, e, ue, p, c0, c1, c2, c3, bad)
        return
    if atom != NULL:
        for i in range(s, e):
            k0 = uidx(x[i], ue, p) if uniform else eidx(x[i], E)
            if k0 >= 0:
                cc_atomic_inc(&atom[k0])
            elif k0 == -2:
                b = 1
        if b:
            bad[0] = 1
        return
    while i + 4 <= e:
        if uniform:
            k0 = uidx(x[i], ue, p)
            k1 = uidx(x[i + 1], ue, p)
            k2 = uidx(x[i + 2], ue, p)
            k3 = uidx(x[i + 3], ue, p)
        else:
            k0 = eidx(x[i], E)
            k1 = eidx(x[i + 1], E)
            k2 = eidx(x[i + 2], E)
            k3 = eidx(x[i + 3], E)
        if k0 >= 0:
            c0[k0] += 1
        if k1 >= 0:
            c1[k1] += 1
        if k2 >= 0:
            c2[k2] += 1
        if k3 >= 0:
            c3[k3] += 1
        if (k0 | k1 | k2 | k3) < -1:
            b |= (k0 == -2) | (k1 == -2) | (k2 == -2) | (k3 == -2)
        i += 4
    while i < e:
        k0 = uidx(x[i], ue, p) if uniform else eidx(x[i], E)
        if k0 >= 0:
            c0[k0] += 1
        elif k0 == -2:
            b = 1
        i += 1
    if b:
        bad[0] = 1


cdef int count_run(const in_t *x, Py_ssize_t n, int uniform, const bin_t *ue, const UP *p,
                   const Edges *E, int64_t *out, Py_ssize_t nb, int nt,
                   Stop *stop) except -1 nogil:
    """Counts of all of x into out (zeroed, nb bins). Returns 1 if NumPy would fail."""
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, b, j, t, copies
    cdef int T = team(nt, nblk), tid, bad = 0
    cdef int64_t *priv = NULL
    cdef int64_t *c
    cdef int64_t s
    cdef long long *atom = NULL
    copies = 4 if nb <= FEW_BINS else (2 if nb <= 4 * FEW_BINS else 1)
    if <Py_ssize_t> T * copies * nb > PRIV_MAX and T > 1 and nb > n // 4:
        atom = <long long *> out        # huge bin count: no private copies
    else:
        priv = <int64_t *> calloc(<size_t> (T * copies * nb), sizeof(int64_t))
        if priv == NULL:
            with gil:
                raise MemoryError()
    if T > 1:
        for b in prange(nblk, schedule="static", num_threads=T):
            if not stopped(stop):
                tid = threadid()
                if atom != NULL:
                    count_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), uniform, ue, p, E,
                                NULL, NULL, NULL, NULL, atom, &bad)
                else:
                    c = priv + tid * copies * nb
                    count_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), uniform, ue, p, E,
                                c, c + (1 % copies) * nb, c + (2 % copies) * nb,
                                c + (3 % copies) * nb, NULL, &bad)
                if tid == 0:
                    poll(stop)
    else:
        c = priv
        for b in range(nblk):
            count_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), uniform, ue, p, E,
                        c, c + (1 % copies) * nb, c + (2 % copies) * nb,
                        c + (3 % copies) * nb, NULL, &bad)
            poll(stop)
            if stopped(stop):
                break
    if priv != NULL:
        for j in range(nb):
            s = 0
            for t in range(T * copies):
                s = s + priv[t * nb + j]
            out[j] = s
        free(priv)
    return bad


# ------------------------------------------------------- weighted 1-d kernels

cdef void wsum_block(const in_t *x, const double *wd, const float *wf, Py_ssize_t s,
                     Py_ssize_t e, int uniform, const bin_t *ue, const UP *p,
                     const Edges *E, double *acc, int *bad) noexcept nogil:
    """acc[k] = 0.0 + w[i] + ... over the elements of x[s:e] in bin k, in order."""
    cdef Py_ssize_t i, k, j, m
    cdef int b = 0
    cdef int ib[CHUNK]
    if uniform and p.fast:
        while s < e:
            m = min(<Py_ssize_t> CHUNK, e - s)
            phase1(x + s, m, ue, p, ib)
            if cc_has(ib, m, -2):       # rare: values within rounding of an edge
                for j in range(m):
                    if ib[j] == -2:
                        k = uidx(x[s + j], ue, p)
                        if k == -2:
                            b = 1
                        ib[j] = <int> k
            if wd != NULL:
                cc_wadd_d(ib, wd + s, m, acc)
            else:
                cc_wadd_f(ib, wf + s, m, acc)
            s += m
    else:
        for i in range(s, e):
            k = uidx(x[i], ue, p) if uniform else eidx(x[i], E)
            if k >= 0:
                acc[k] += wget(wd, wf, i)
            elif k == -2:
                b = 1
    if b:
        bad[0] = 1


cdef int wsum_run(const in_t *x, const double *wd, const float *wf, Py_ssize_t n,
                  int uniform, const bin_t *ue, const UP *p, const Edges *E,
                  double *od, float *of, Py_ssize_t nb, int nt, Stop *stop) except -1 nogil:
    """Block sums, added to the output (od or of, zeroed) in block order."""
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, R, r0, cnt, b, j, k, ntask, task
    cdef int bad = 0
    cdef double *buf
    R = max(<Py_ssize_t> 1, min(nblk, WBUF_MAX // max(nb, <Py_ssize_t> 1)))
    R = min(R, <Py_ssize_t> ROUND_MAX)
    R = max(R, min(<Py_ssize_t> nt, nblk))
    buf = <double *> malloc(<size_t> (R * nb) * sizeof(double))
    if buf == NULL:
        with gil:
            raise MemoryError()
    ntask = (nb + MERGE_TASK - 1) // MERGE_TASK
    r0 = 0
    while r0 < nblk and not stopped(stop):
        cnt = min(R, nblk - r0)
        memset(buf, 0, <size_t> (cnt * nb) * sizeof(double))
        if nt > 1 and cnt > 1:
            for b in prange(cnt, schedule="static", num_threads=team(nt, cnt)):
                if not stopped(stop):
                    wsum_block(x, wd, wf, (r0 + b) * BLOCK, min(n, (r0 + b + 1) * BLOCK),
                               uniform, ue, p, E, buf + b * nb, &bad)
                    if threadid() == 0:
                        poll(stop)
        else:
            for b in range(cnt):
                wsum_block(x, wd, wf, (r0 + b) * BLOCK, min(n, (r0 + b + 1) * BLOCK),
                           uniform, ue, p, E, buf + b * nb, &bad)
        # serial in block order for every bin; bins are independent
        if nt > 1 and ntask > 1:
            for task in prange(ntask, schedule="static", num_threads=team(nt, ntask)):
                merge(buf, od, of, nb, cnt, task * MERGE_TASK, min(nb, (task + 1) * MERGE_TASK))
        else:
            merge(buf, od, of, nb, cnt, 0, nb)
        r0 += cnt
        poll(stop)
    free(buf)
    return bad


cdef inline void merge(const double *buf, double *od, float *of, Py_ssize_t nb,
                       Py_ssize_t cnt, Py_ssize_t k0, Py_ssize_t k1) noexcept nogil:
    cdef Py_ssize_t b, k
    cdef float c
    for b in range(cnt):
        if od != NULL:
            for k in range(k0, k1):
                od[k] = od[k] + buf[b * nb + k]
        else:
            for k in range(k0, k1):
                c = <float> buf[b * nb + k]
                of[k] = of[k] + c


# ------------------------------------------------------------ entry points

cdef inline const void *ptr(cnp.ndarray a):
    return <const void *> cnp.PyArray_DATA(a)


cdef int hist_dispatch(cnp.ndarray x, int t, object w, int uniform, cnp.ndarray ue,
                       int bf4, UP *p, Edges *E, cnp.ndarray out, Py_ssize_t nb,
                       int nt, Stop *stop) except -1:
    """Runs the counting or weighted kernel for data type code t."""
    cdef Py_ssize_t n = x.shape[0]
    cdef const void *xp = ptr(x)
    cdef const void *ep = ptr(ue) if ue is not None else NULL
    cdef const double *wd = NULL
    cdef const float *wf = NULL
    cdef double *od = NULL
    cdef float *of = NULL
    cdef int64_t *oc = NULL
    cdef int r = 0
    if w is None:
        oc = <int64_t *> cnp.PyArray_DATA(out)
    else:
        if (<cnp.ndarray> w).dtype.char == 'd':
            wd = <const double *> ptr(w)
        else:
            wf = <const float *> ptr(w)
        if out.dtype.char == 'd':
            od = <double *> cnp.PyArray_DATA(out)
        else:
            of = <float *> cnp.PyArray_DATA(out)
    with nogil:
        if oc != NULL:
            if t == T_F8:
                r = count_run(<const double *> xp, n, uniform, <const double *> ep, p, E, oc, nb, nt, stop)
            elif t == T_F4 and bf4:
                r = count_run(<const float *> xp, n, uniform, <const float *> ep, p, E, oc, nb, nt, stop)
            elif t == T_F4:
                r = count_run(<const float *> xp, n, uniform, <const double *> ep, p, E, oc, nb, nt, stop)
            elif t == T_I8:
                r = count_run(<const int64_t *> xp, n, uniform, <const double *> ep, p, E, oc, nb, nt, stop)
            elif t == T_I4:
                r = count_run(<const int32_t *> xp, n, uniform, <const double *> ep, p, E, oc, nb, nt, stop)
            else:
                r = count_run(<const uint8_t *> xp, n, uniform, <const double *> ep, p, E, oc, nb, nt, stop)
        else:
            if t == T_F8:
                r = wsum_run(<const double *> xp, wd, wf, n, uniform, <const double *> ep, p, E, od, of, nb, nt, stop)
            elif t == T_F4 and bf4:
                r = wsum_run(<const float *> xp, wd, wf, n, uniform, <const float *> ep, p, E, od, of, nb, nt, stop)
            elif t == T_F4:
                r = wsum_run(<const float *> xp, wd, wf, n, uniform, <const double *> ep, p, E, od, of, nb, nt, stop)
            elif t == T_I8:
                r = wsum_run(<const int64_t *> xp, wd, wf, n, uniform, <const double *> ep, p, E, od, of, nb, nt, stop)
            elif t == T_I4:
                r = wsum_run(<const int32_t *> xp, wd, wf, n, uniform, <const double *> ep, p, E, od, of, nb, nt, stop)
            else:
                r = wsum_run(<const uint8_t *> xp, wd, wf, n, uniform, <const double *> ep, p, E, od, of, nb, nt, stop)
    raise_if_stopped(stop)
    return r


def hist_uniform(cnp.ndarray x, int t, object w, cnp.ndarray out, cnp.ndarray edges,
                 tuple keep, tuple arith, int nt, bint check):
    """Uniform-bin histogram of the contiguous 1-d x (type code t) into out (zeroed;
    int64 counts, or float64/float32 sums of the weights w).

    edges: NumPy's edges in the bin type (float64 or float32). keep = (cint, lo, hi):
    the kept range, compared as int64 (cint) or as double. arith = (q32, first, norm,
    denom, n, tol): NumPy's index arithmetic constants, in float32 where q32.
    Returns True if NumPy would fail on some value (the caller then asks NumPy).
    """
    cdef UP p
    cdef Stop stop
    cdef Py_ssize_t nb = out.shape[0]
    cdef int bf4 = edges.dtype.char == 'f'
    p.cint = keep[0]
    if p.cint:
        p.loi = keep[1]
        p.hii = keep[2]
        p.lo = p.hi = 0.0
    else:
        p.lo = keep[1]
        p.hi = keep[2]
        p.loi = p.hii = 0
    p.q32 = arith[0]
    p.first_d = arith[1]
    p.norm_d = arith[2]
    p.denom_d = arith[3]
    p.n_d = arith[4]
    p.lim_d = arith[5]
    p.first_f = <float> p.first_d
    p.norm_f = <float> p.norm_d
    p.denom_f = <float> p.denom_d
    p.n_f = <float> p.n_d
    p.lim_f = <float> p.lim_d
    p.nlim = <double> nb + 1.0
    p.nb = nb
    p.fast = (not p.cint) and nb < (1 << 30)
    stop_init(&stop, check)
    if x.shape[0] == 0:
        return False
    return hist_dispatch(x, t, w, 1, edges, bf4, &p, NULL, out, nb, nt, &stop) != 0


cdef int set_locator(Edges *E, object loc) except -1:
    """loc = (tab int32 array, e0, scale, the edges followed by a NaN) or None."""
    E.G = 0
    E.tab = NULL
    E.e0 = E.scale = 0.0
    if loc is not None:
        if len(loc) != 4 or (<cnp.ndarray> loc[3]).shape[0] != E.ne + 1:
            raise ValueError("bad search accelerator")
        E.tab = <const int32_t *> ptr(loc[0])
        E.G = (<cnp.ndarray> loc[0]).shape[0] - 1
        E.e0 = loc[1]
        E.scale = loc[2]
        E.ed = <const double *> ptr(loc[3])
    return 0


def hist_edges(cnp.ndarray x, int t, object w, cnp.ndarray out, cnp.ndarray edges,
               object loc, int nt, bint check):
    """Histogram of x over explicit increasing edges (float64 edges: double
    comparisons; int64 edges: integer comparisons), last bin closed, into out
    (zeroed; int64 counts or float64/float32 weight sums, by blocks). loc: the
    search accelerator of float64 edges (see Edges), or None."""
    cdef Edges E
    cdef Stop stop
    cdef Py_ssize_t nb = out.shape[0]
    E.cint = edges.dtype.char != 'd'
    E.ed = <const double *> ptr(edges)
    E.ei = <const int64_t *> ptr(edges)
    E.ne = edges.shape[0]
    set_locator(&E, loc)
    stop_init(&stop, check)
    if x.shape[0] == 0:
        return False
    hist_dispatch(x, t, w, 0, None, 0, NULL, &E, out, nb, nt, &stop)
    return False


# ---------------------------------------------------------------- min / max

cdef void mm_block(const in_t *x, Py_ssize_t s, Py_ssize_t e, Py_ssize_t st,
                   double *mnd, double *mxd, int64_t *mni, int64_t *mxi,
                   int *nan) noexcept nogil:
    cdef Py_ssize_t i
    cdef in_t v, mn = x[s * st], mx = x[s * st]
    cdef int nn = 0
    if st == 1:
        if in_t is double:
            nn = cc_mm_d(x + s, e - s, &mn, &mx)
        elif in_t is float:
            nn = cc_mm_f(x + s, e - s, &mn, &mx)
        elif in_t is int64_t:
            cc_mm_l(x + s, e - s, &mn, &mx)
        elif in_t is int32_t:
            cc_mm_i(x + s, e - s, &mn, &mx)
        else:
            cc_mm_b(x + s, e - s, &mn, &mx)
        e = s   # done
    for i in range(s, e):
        v = x[i * st]
        mn = v if v < mn else mn
        mx = v if v > mx else mx
        if in_t is double or in_t is float:
            nn |= v != v
    if in_t is double or in_t is float:
        mnd[0] = mn
        mxd[0] = mx
        nan[0] = nn
    else:
        mni[0] = mn
        mxi[0] = mx


cdef void mm_run(const in_t *x, Py_ssize_t n, Py_ssize_t st, double *mnd, double *mxd,
                 int64_t *mni, int64_t *mxi, int *nan, int nt, Stop *stop) noexcept nogil:
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, b
    cdef int T = team(nt, nblk)
    if T > 1:
        for b in prange(nblk, schedule="static", num_threads=T):
            if not stopped(stop):
                mm_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), st, mnd + b, mxd + b,
                         mni + b, mxi + b, nan + b)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nblk):
            mm_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), st, mnd + b, mxd + b,
                     mni + b, mxi + b, nan + b)
            poll(stop)
            if stopped(stop):
                break


def minmax(cnp.ndarray x, int t, int nt, bint check):
    """(min, max) of the 1-d x (any stride, n > 0): floats (NaN if any NaN) or ints."""
    cdef Py_ssize_t n = x.shape[0], st = x.strides[0] // x.itemsize, nblk, b
    cdef const void *xp = ptr(x)
    cdef Stop stop
    cdef double *mnd
    cdef double *mxd
    cdef int64_t *mni
    cdef int64_t *mxi
    cdef int *nan
    cdef double lo, hi
    cdef int64_t ilo, ihi
    cdef bint isnan
    nblk = (n + BLOCK - 1) // BLOCK
    mnd = <double *> malloc(nblk * (2 * sizeof(double) + 2 * sizeof(int64_t) + sizeof(int)))
    if mnd == NULL:
        raise MemoryError()
    mxd = mnd + nblk
    mni = <int64_t *> (mxd + nblk)
    mxi = mni + nblk
    nan = <int *> (mxi + nblk)
    stop_init(&stop, check)
    with nogil:
        if t == T_F8:
            mm_run(<const double *> xp, n, st, mnd, mxd, mni, mxi, nan, nt, &stop)
        elif t == T_F4:
            mm_run(<const float *> xp, n, st, mnd, mxd, mni, mxi, nan, nt, &stop)
        elif t == T_I8:
            mm_run(<const int64_t *> xp, n, st, mnd, mxd, mni, mxi, nan, nt, &stop)
        elif t == T_I4:
            mm_run(<const int32_t *> xp, n, st, mnd, mxd, mni, mxi, nan, nt, &stop)
        else:
            mm_run(<const uint8_t *> xp, n, st, mnd, mxd, mni, mxi, nan, nt, &stop)
    try:
        raise_if_stopped(&stop)
        if t == T_F8 or t == T_F4:
            lo, hi = mnd[0], mxd[0]
            isnan = False
            for b in range(nblk):
                isnan = isnan or nan[b]
                lo = min(lo, mnd[b])
                hi = max(hi, mxd[b])
            if isnan:
                return float("nan"), float("nan")
            return lo, hi
        ilo, ihi = mni[0], mxi[0]
        for b in range(nblk):
            ilo = min(ilo, mni[b])
            ihi = max(ihi, mxi[b])
        return int(ilo), int(ihi)
    finally:
        free(mnd)


# ---------------------------------------------------------------- bincount

cdef void bc_block(const int_t *x, Py_ssize_t s, Py_ssize_t e, int64_t *c0, int64_t *c1,
                   int64_t *c2, int64_t *c3, long long *atom) noexcept nogil:
    cdef Py_ssize_t i = s
    if atom != NULL:
        for i in range(s, e):
            cc_atomic_inc(&atom[<Py_ssize_t> x[i]])
        return
    while i + 4 <= e:
        c0[<Py_ssize_t> x[i]] += 1
        c1[<Py_ssize_t> x[i + 1]] += 1
        c2[<Py_ssize_t> x[i + 2]] += 1
        c3[<Py_ssize_t> x[i + 3]] += 1
        i += 4
    while i < e:
        c0[<Py_ssize_t> x[i]] += 1
        i += 1


cdef int bc_run(const int_t *x, Py_ssize_t n, int64_t *out, Py_ssize_t nb, int nt,
                Stop *stop) except -1 nogil:
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, b, j, t, copies
    cdef int T = team(nt, nblk), tid
    cdef int64_t *priv = NULL
    cdef int64_t *c
    cdef int64_t s
    cdef long long *atom = NULL
    copies = 4 if nb <= FEW_BINS else (2 if nb <= 4 * FEW_BINS else 1)
    if T > 1 and <Py_ssize_t> T * copies * nb > PRIV_MAX and nb > n // 4:
        atom = <long long *> out
    elif T > 1 or copies > 1:
        priv = <int64_t *> calloc(<size_t> (T * copies * nb), sizeof(int64_t))
        if priv == NULL:
            with gil:
                raise MemoryError()
    if T > 1:
        for b in prange(nblk, schedule="static", num_threads=T):
            if not stopped(stop):
                tid = threadid()
                c = priv + tid * copies * nb if priv != NULL else NULL
                if c != NULL:
                    bc_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), c, c + (1 % copies) * nb,
                             c + (2 % copies) * nb, c + (3 % copies) * nb, NULL)
                else:
                    bc_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), NULL, NULL, NULL, NULL,
                             atom)
                if tid == 0:
                    poll(stop)
    else:
        c = priv if priv != NULL else out
        for b in range(nblk):
            bc_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), c, c + (1 % copies) * nb,
                     c + (2 % copies) * nb, c + (3 % copies) * nb, NULL)
            poll(stop)
            if stopped(stop):
                break
    if priv != NULL:
        for j in range(nb):
            s = 0
            for t in range(T * copies):
                s = s + priv[t * nb + j]
            out[j] = s
        free(priv)
    return 0


cdef void bcw_own(const int_t *x, const double *wd, const float *wf, Py_ssize_t n,
                  Py_ssize_t k0, Py_ssize_t k1, double *out, Stop *stop,
                  int t0) noexcept nogil:
    """out[k] += w[i] for every i with k0 <= x[i] < k1, in index order."""
    cdef Py_ssize_t i, b, e, k
    b = 0
    while b < n:
        e = min(n, b + BLOCK)
        if wd != NULL:
            for i in range(b, e):
                k = <Py_ssize_t> x[i]
                if k >= k0 and k < k1:
                    out[k] += wd[i]
        else:
            for i in range(b, e):
                k = <Py_ssize_t> x[i]
                if k >= k0 and k < k1:
                    out[k] += <double> wf[i]
        b = e
        if t0:
            poll(stop)
        if stopped(stop):
            break


cdef int bcw_run(const int_t *x, const double *wd, const float *wf, Py_ssize_t n,
                 double *out, Py_ssize_t nb, int nt, Stop *stop) except -1 nogil:
    cdef int t, T = team(nt, nb)
    if T > 1:
        for t in prange(T, schedule="static", num_threads=T):
            bcw_own(x, wd, wf, n, nb * t // T, nb * (t + 1) // T, out, stop, threadid() == 0)
    else:
        bcw_own(x, wd, wf, n, 0, nb, out, stop, 1)
    return 0


cdef enum:
    FUSED_SLOTS = 1 << 17   # most count slots per thread in the one-pass bincount (1 MiB)


cdef struct Own:
    int64_t *c              # `copies` interleaved count arrays of cap bins each
    Py_ssize_t cap          # a power of two
    int status              # 0 counting, 1 a negative value, 2 too many bins or no memory


cdef int own_room(Own *o, int64_t need, int copies) noexcept nogil:
    """Bins 0 ... need-1 in each copy (the counts so far kept), a power of two of them;
    2 when that is more than FUSED_SLOTS or memory ran out."""
    cdef Py_ssize_t cap = max(<Py_ssize_t> 64, 2 * o.cap), k
    cdef int64_t *c
    if need > FUSED_SLOTS // copies:
        return 2
    while cap < need:
        cap *= 2
    cap = min(cap, <Py_ssize_t> (FUSED_SLOTS // copies))
    c = <int64_t *> calloc(<size_t> (copies * cap), sizeof(int64_t))
    if c == NULL:
        return 2
    if o.c != NULL:
        for k in range(copies):
            memcpy(c + k * cap, o.c + k * o.cap, o.cap * sizeof(int64_t))
        free(o.c)
    o.c = c
    o.cap = cap
    return 0


cdef Py_ssize_t own_count(const int_t *x, Py_ssize_t i, Py_ssize_t e, int64_t *c0,
                          int64_t *c1, int64_t *c2, int64_t *c3, uint64_t cap) noexcept nogil:
    """Count x[i:e] while the values are in [0, cap); returns where a value was not (e
    when all were). cap is a power of two, so four values are all below it exactly when
    their OR is (a negative value, seen unsigned, is far above)."""
    cdef uint64_t v0, v1, v2, v3
    while i + 4 <= e:
        v0 = <uint64_t> <int64_t> x[i]
        v1 = <uint64_t> <int64_t> x[i + 1]
        v2 = <uint64_t> <int64_t> x[i + 2]
        v3 = <uint64_t> <int64_t> x[i + 3]
        if (v0 | v1 | v2 | v3) >= cap:
            break
        c0[v0] += 1
        c1[v1] += 1
        c2[v2] += 1
        c3[v3] += 1
        i += 4
    while i < e:
        v0 = <uint64_t> <int64_t> x[i]
        if v0 >= cap:
            return i
        c0[v0] += 1
        i += 1
    return e


cdef void own_block(const int_t *x, Py_ssize_t s, Py_ssize_t e, Own *o,
                    int copies) noexcept nogil:
    """Count x[s:e] into o, making room for larger values as they come (the range is
    checked as the values are counted: one read of the input)."""
    cdef int64_t *c
    cdef int64_t v
    while o.status == 0:
        c = o.c
        s = own_count(x, s, e, c, c + (1 % copies) * o.cap, c + (2 % copies) * o.cap,
                      c + (3 % copies) * o.cap, <uint64_t> o.cap)
        if s == e:
            return
        v = <int64_t> x[s]
        if v < 0:
            o.status = 1
        elif v >= o.cap:
            o.status = own_room(o, v + 1, copies)


cdef int own_run(const int_t *x, Py_ssize_t n, Own *own, int T, int copies,
                 Stop *stop) noexcept nogil:
    """Every block counted into the counts of the thread that reads it."""
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, b
    cdef int tid
    if T > 1:
        for b in prange(nblk, schedule="static", num_threads=T):
            tid = threadid()
            if not stopped(stop):
                own_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), own + tid, copies)
                if tid == 0:
                    poll(stop)
    else:
        for b in range(nblk):
            own_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), own, copies)
            poll(stop)
            if stopped(stop) or own.status != 0:
                break
    return 0


cdef int own_any(const void *xp, int t, Py_ssize_t n, Own *own, int T, int copies,
                 Stop *stop) noexcept nogil:
    if t == T_I8:
        return own_run(<const int64_t *> xp, n, own, T, copies, stop)
    if t == T_I4:
        return own_run(<const int32_t *> xp, n, own, T, copies, stop)
    return own_run(<const uint8_t *> xp, n, own, T, copies, stop)


def bincount_counts(cnp.ndarray x, int t, Py_ssize_t minlength, int nt, bint check):
    """numpy.bincount(x, minlength=minlength) of the contiguous non-negative ints x in
    one read: each thread checks a block's range and counts it into counts of its own
    that grow with the largest value seen. Returns the int64 counts, 0 when x holds a
    negative value (NumPy's error is the caller's), or 1 when the counts would need
    more than FUSED_SLOTS slots a thread (the caller then counts in two passes)."""
    cdef Py_ssize_t n = x.shape[0], j, k, nb
    cdef const void *xp = ptr(x)
    cdef int T = team(nt, (n + BLOCK - 1) // BLOCK), i, copies, status = 0
    cdef int64_t hi = -1
    cdef Own *own = <Own *> calloc(T, sizeof(Own))
    cdef Py_ssize_t cap0
    cdef Stop stop
    cdef cnp.ndarray out
    cdef int64_t *po
    if own == NULL:
        raise MemoryError()
    try:
        # Interleaved copies for few bins, as bc_run, judged by the first values.
        for k in range(min(n, <Py_ssize_t> 4096)):
            if t == T_I8:
                hi = max(hi, (<const int64_t *> xp)[k])
            elif t == T_I4:
                hi = max(hi, <int64_t> (<const int32_t *> xp)[k])
            else:
                hi = max(hi, <int64_t> (<const uint8_t *> xp)[k])
        copies = 4 if hi < FEW_BINS else (2 if hi < 4 * FEW_BINS else 1)
        for i in range(T):
            if own_room(&own[i], hi + 1, copies) != 0:
                return 1
        stop_init(&stop, check)
        if T <= 1 and n < NOGIL_MIN:      # short and serial: keep the GIL (_openmp.pxd)
            own_any(xp, t, n, own, T, copies, &stop)
        else:
            with nogil:
                own_any(xp, t, n, own, T, copies, &stop)
        raise_if_stopped(&stop)
        hi = -1
        for i in range(T):
            status = max(status, own[i].status)
        if status == 1:
            return 0
        if status == 2:
            return 1
        for i in range(T):      # the largest value: the last bin counted
            for k in range(copies):
                j = own[i].cap - 1
                while j > hi and own[i].c[k * own[i].cap + j] == 0:
                    j -= 1
                hi = max(hi, <int64_t> j)
        nb = max(<Py_ssize_t> (hi + 1), minlength)
        out = cnp.PyArray_ZEROS(1, <cnp.npy_intp *> &nb, cnp.NPY_INT64, 0)
        po = <int64_t *> cnp.PyArray_DATA(out)
        for i in range(T):
            for k in range(copies):
                for j in range(min(own[i].cap, nb)):
                    po[j] += own[i].c[k * own[i].cap + j]
        return out
    finally:
        for i in range(T):
            free(own[i].c)
        free(own)


def bincount(cnp.ndarray x, int t, object w, cnp.ndarray out, int nt, bint check):
    """Counts (out int64, zeroed) or weight sums (out float64, zeroed; w float64 or
    float32, NumPy's sequential order per bin) of the non-negative ints x, all < len(out)."""
    cdef Py_ssize_t n = x.shape[0], nb = out.shape[0]
    cdef const void *xp = ptr(x)
    cdef const double *wd = NULL
    cdef const float *wf = NULL
    cdef Stop stop
    cdef int64_t *oc = <int64_t *> cnp.PyArray_DATA(out)
    cdef double *od = <double *> cnp.PyArray_DATA(out)
    cdef int weighted = w is not None
    if weighted:
        if (<cnp.ndarray> w).dtype.char == 'd':
            wd = <const double *> ptr(w)
        else:
            wf = <const float *> ptr(w)
    stop_init(&stop, check)
    if n == 0:
        return None
    with nogil:
        if not weighted:
            if t == T_I8:
                bc_run(<const int64_t *> xp, n, oc, nb, nt, &stop)
            elif t == T_I4:
                bc_run(<const int32_t *> xp, n, oc, nb, nt, &stop)
            else:
                bc_run(<const uint8_t *> xp, n, oc, nb, nt, &stop)
        else:
            if t == T_I8:
                bcw_run(<const int64_t *> xp, wd, wf, n, od, nb, nt, &stop)
            elif t == T_I4:
                bcw_run(<const int32_t *> xp, wd, wf, n, od, nb, nt, &stop)
            else:
                bcw_run(<const uint8_t *> xp, wd, wf, n, od, nb, nt, &stop)
    raise_if_stopped(&stop)
    return None


# ---------------------------------------------------------------- digitize

cdef void dg_block(const in_t *x, Py_ssize_t s, Py_ssize_t e, const Edges *E, int right,
                   int dec, int64_t *out) noexcept nogil:
    """NumPy's searchsorted(edges, x, side) (side 'left' if right else 'right'),
    NaN sorting last; len(edges) - that for decreasing bins (edges given reversed)."""
    cdef Py_ssize_t i, lo, hi, mid, ne = E.ne
    cdef double v
    cdef int64_t vi
    for i in range(s, e):
        lo = 0
        hi = ne
        if (in_t is double or in_t is float) or not E.cint:
            v = <double> x[i]
            if v != v:
                lo = ne
            elif right:
                lo = count_lt(v, E)
            else:
                lo = count_le(v, E)
        else:
            vi = <int64_t> x[i]
            if right:
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if E.ei[mid] < vi:
                        lo = mid + 1
                    else:
                        hi = mid
            else:
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if vi < E.ei[mid]:
                        hi = mid
                    else:
                        lo = mid + 1
        out[i] = ne - lo if dec else lo


cdef void dg_run(const in_t *x, Py_ssize_t n, const Edges *E, int right, int dec,
                 int64_t *out, int nt, Stop *stop) noexcept nogil:
    cdef Py_ssize_t nblk = (n + BLOCK - 1) // BLOCK, b
    cdef int T = team(nt, nblk)
    if T > 1:
        for b in prange(nblk, schedule="static", num_threads=T):
            if not stopped(stop):
                dg_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), E, right, dec, out)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nblk):
            dg_block(x, b * BLOCK, min(n, (b + 1) * BLOCK), E, right, dec, out)
            poll(stop)
            if stopped(stop):
                break


def digitize(cnp.ndarray x, int t, cnp.ndarray edges, object loc, bint right, bint dec,
             cnp.ndarray out, int nt, bint check):
    """out (int64, contiguous, size of x) = NumPy's digitize of the contiguous x;
    edges increasing (reversed by the caller for decreasing bins: dec), float64
    (double comparisons) or int64 (integer comparisons)."""
    cdef Edges E
    cdef Stop stop
    cdef Py_ssize_t n = x.size
    cdef const void *xp = ptr(x)
    cdef int64_t *o = <int64_t *> cnp.PyArray_DATA(out)
    E.cint = edges.dtype.char != 'd'
    E.ed = <const double *> ptr(edges)
    E.ei = <const int64_t *> ptr(edges)
    E.ne = edges.shape[0]
    set_locator(&E, loc)
    stop_init(&stop, check)
    if n == 0:
        return None
    with nogil:
        if t == T_F8:
            dg_run(<const double *> xp, n, &E, right, dec, o, nt, &stop)
        elif t == T_F4:
            dg_run(<const float *> xp, n, &E, right, dec, o, nt, &stop)
        elif t == T_I8:
            dg_run(<const int64_t *> xp, n, &E, right, dec, o, nt, &stop)
        elif t == T_I4:
            dg_run(<const int32_t *> xp, n, &E, right, dec, o, nt, &stop)
        else:
            dg_run(<const uint8_t *> xp, n, &E, right, dec, o, nt, &stop)
    raise_if_stopped(&stop)
    return None


# ------------------------------------------------------------ N-d histogram

cdef struct DU:
    # Uniform-bin constants of one dimension: kept range [lo, hi] (the first and
    # last edge), F' = (v - first) * norm, nb bins, lim (see histdd).
    double lo, hi, first, norm, nb, lim


cdef struct DD:
    int D
    Py_ssize_t n
    const double **col      # column data (as double pointers; see ct)
    const int *ct           # column type codes
    const Py_ssize_t *cs    # column strides in elements
    const Edges *E          # edges (and search accelerator) per dimension
    const Py_ssize_t *mul   # linear-index multiplier per dimension (core bins)
    const DU *U             # uniform-bin constants per dimension, or NULL


cdef inline double colval(const DD *d, int j, Py_ssize_t i) noexcept nogil:
    cdef const void *p = <const void *> d.col[j]
    cdef int t = d.ct[j]
    cdef Py_ssize_t k = i * d.cs[j]
    if t == T_F8:
        return (<const double *> p)[k]
    elif t == T_F4:
        return <double> (<const float *> p)[k]
    elif t == T_I8:
        return <double> (<const int64_t *> p)[k]
    elif t == T_I4:
        return <double> (<const int32_t *> p)[k]
    return <double> (<const uint8_t *> p)[k]


cdef inline Py_ssize_t ddidx(const DD *d, Py_ssize_t i) noexcept nogil:
    """Linear index of sample i over the core bins, -1 for outliers (NumPy's
    searchsorted(edges, v, 'right'), minus one on the last edge)."""
    cdef Py_ssize_t lin = 0, lo, ne
    cdef const Edges *E
    cdef double v
    cdef int j
    for j in range(d.D):
        v = colval(d, j, i)
        E = d.E + j
        ne = E.ne
        if not (v >= E.ed[0] and v <= E.ed[ne - 1]):
            return -1
        if v == E.ed[ne - 1]:           # NumPy: on the last edge, one bin to the left
            lo = ne - 2
        else:
            lo = count_le(v, E) - 1     # e[lo] <= v < e[lo + 1]
        lin += lo * d.mul[j]
    return lin


cdef void dd_phase(const DD *d, Py_ssize_t s, Py_ssize_t m, int *lin) noexcept nogil:
    """lin[0:m] for samples s..s+m-1 over uniform bins: the linear index where the
    arithmetic is certain, -1 for outliers, -2 where the edges must decide."""
    cdef int j, t, mul
    cdef const void *p
    cdef Py_ssize_t st, off
    cdef const DU *u
    cdef const DU *v
    if d.D == 2 and d.ct[0] == T_F8 and d.ct[1] == T_F8:
        u = d.U
        v = d.U + 1
        cc_dd2_d(d.col[0] + s * d.cs[0], d.cs[0], d.col[1] + s * d.cs[1], d.cs[1], m,
                 u.lo, u.hi, u.first, u.norm, u.nb, u.lim, <double> d.mul[0],
                 v.lo, v.hi, v.first, v.norm, v.nb, v.lim, lin)
        return
    for j in range(d.D):
        p = <const void *> d.col[j]
        t = d.ct[j]
        st = d.cs[j]
        off = s * st
        u = d.U + j
        mul = <int> d.mul[j]
        if t == T_F8:
            cc_dd_d((<const double *> p) + off, st, m, u.lo, u.hi, u.first, u.norm, u.nb,
                    u.lim, mul, j == 0, lin)
        elif t == T_F4:
            cc_dd_f((<const float *> p) + off, st, m, u.lo, u.hi, u.first, u.norm, u.nb,
                    u.lim, mul, j == 0, lin)
        elif t == T_I8:
            cc_dd_l((<const int64_t *> p) + off, st, m, u.lo, u.hi, u.first, u.norm, u.nb,
                    u.lim, mul, j == 0, lin)
        elif t == T_I4:
            cc_dd_i((<const int32_t *> p) + off, st, m, u.lo, u.hi, u.first, u.norm, u.nb,
                    u.lim, mul, j == 0, lin)
        else:
            cc_dd_b((<const uint8_t *> p) + off, st, m, u.lo, u.hi, u.first, u.norm, u.nb,
                    u.lim, mul, j == 0, lin)


cdef void dd_lin(const DD *d, Py_ssize_t s, Py_ssize_t e, int *lin) noexcept nogil:
    """lin[0:e-s] = the linear index of samples s..e-1, -1 for outliers."""
    cdef Py_ssize_t j, m
    cdef int *l
    if d.U == NULL:
        for j in range(s, e):
            lin[j - s] = <int> ddidx(d, j)
        return
    while s < e:
        m = min(<Py_ssize_t> CHUNK, e - s)
        dd_phase(d, s, m, lin)
        if cc_has(lin, m, -2):          # rare: a value within rounding of an edge
            for j in range(m):
                if lin[j] == -2:
                    lin[j] = <int> ddidx(d, s + j)
        lin += m
        s += m


cdef void dd_block(const DD *d, Py_ssize_t s, Py_ssize_t e, int64_t *c0, int64_t *c1,
                   int64_t *c2, int64_t *c3, long long *atom) noexcept nogil:
    """Counts of samples s..e-1 into c0..c3 (sample i into copy i % 4), or atomically
    into atom when it is not NULL."""
    cdef int lin[CHUNK]
    cdef Py_ssize_t i, j, m, k0, k1, k2, k3
    if atom != NULL:
        for i in range(s, e):
            k0 = ddidx(d, i)
            if k0 >= 0:
                cc_atomic_inc(&atom[k0])
        return
    while s < e:
        m = min(<Py_ssize_t> CHUNK, e - s)
        dd_lin(d, s, s + m, lin)
        j = 0
        while j + 4 <= m:
            k0 = lin[j]
            k1 = lin[j + 1]
            k2 = lin[j + 2]
            k3 = lin[j + 3]
            if (k0 | k1 | k2 | k3) >= 0:
                c0[k0] += 1
                c1[k1] += 1
                c2[k2] += 1
                c3[k3] += 1
            else:
                if k0 >= 0:
                    c0[k0] += 1
                if k1 >= 0:
                    c1[k1] += 1
                if k2 >= 0:
                    c2[k2] += 1
                if k3 >= 0:
                    c3[k3] += 1
            j += 4
        while j < m:
            if lin[j] >= 0:
                c0[lin[j]] += 1
            j += 1
        s += m


cdef inline void ddw_all(const int *lin, const double *wd, const float *wf, Py_ssize_t m,
                         double *od) noexcept nogil:
    """od[lin[j]] += w[j] in order, outliers (-1) skipped."""
    if wd != NULL:
        cc_wadd_d(lin, wd, m, od)
    else:
        cc_wadd_f(lin, wf, m, od)


cdef inline void ddw_own(const int *lin, const double *wd, const float *wf, Py_ssize_t m,
                         Py_ssize_t k0, Py_ssize_t k1, double *od, double *dum) noexcept nogil:
    """ddw_all for the bins k0 <= k < k1 only (see cc_ddw_own_d)."""
    if wd != NULL:
        cc_ddw_own_d(lin, wd, m, k0, k1, od, dum)
    else:
        cc_ddw_own_f(lin, wf, m, k0, k1, od, dum)


cdef int ddw_run(const DD *d, const double *wd, const float *wf, double *od,
                 Py_ssize_t nb, int nt, Stop *stop) except -1 nogil:
    """Weight sums in NumPy's order (one chain per bin, in sample order). Serially: by
    chunks, indices then sums. In parallel: by rounds of WROUND blocks, the indices of
    a round by blocks on all threads, then each thread adds the whole round into the
    bins it owns."""
    cdef Py_ssize_t n = d.n, nblk = (n + BLOCK - 1) // BLOCK, r0, cnt, b, s, m, j
    cdef int T = team(nt, min(nblk, nb)), t
    cdef int lin[CHUNK]
    cdef int *buf
    cdef double *dum
    cdef const double *wdr
    cdef const float *wfr
    if T <= 1:
        s = 0
        while s < n and not stopped(stop):
            m = min(<Py_ssize_t> BLOCK, n - s)
            j = 0
            while j < m:
                b = min(<Py_ssize_t> CHUNK, m - j)
                dd_lin(d, s + j, s + j + b, lin)
                ddw_all(lin, wd + s + j if wd != NULL else NULL,
                        wf + s + j if wf != NULL else NULL, b, od)
                j += b
            s += m
            poll(stop)
        return 0
    buf = <int *> malloc(<size_t> WROUND * BLOCK * sizeof(int))
    dum = <double *> calloc(<size_t> T * 16, sizeof(double))
    if buf == NULL or dum == NULL:
        free(buf)
        free(dum)
        with gil:
            raise MemoryError()
    r0 = 0
    while r0 < nblk and not stopped(stop):
        cnt = min(<Py_ssize_t> WROUND, nblk - r0)
        for b in prange(cnt, schedule="static", num_threads=team(T, cnt)):
            if not stopped(stop):
                dd_lin(d, (r0 + b) * BLOCK, min(n, (r0 + b + 1) * BLOCK), buf + b * BLOCK)
                if threadid() == 0:
                    poll(stop)
        s = r0 * BLOCK
        m = min(n, (r0 + cnt) * BLOCK) - s
        wdr = wd + s if wd != NULL else NULL
        wfr = wf + s if wf != NULL else NULL
        if not stopped(stop):
            for t in prange(T, schedule="static", num_threads=T):
                ddw_own(buf, wdr, wfr, m, nb * t // T, nb * (t + 1) // T, od, dum + 16 * t)
        r0 += cnt
        poll(stop)
    free(buf)
    free(dum)
    return 0


cdef int ddc_run(const DD *d, int64_t *oc, Py_ssize_t nb, int nt,
                 Stop *stop) except -1 nogil:
    """Counts: private copies per thread (block-parallel), summed at the end; atomic
    adds into the output for huge bin counts."""
    cdef Py_ssize_t n = d.n, nblk = (n + BLOCK - 1) // BLOCK, b, k, t, copies
    cdef int T = team(nt, nblk), tid
    cdef int64_t *priv = NULL
    cdef int64_t *c
    cdef long long *atom = NULL
    cdef int64_t s
    copies = 4 if nb <= FEW_BINS else (2 if nb <= 4 * FEW_BINS else 1)
    if T > 1 and <Py_ssize_t> T * copies * nb > PRIV_MAX and nb > n // 4:
        atom = <long long *> oc
    elif T > 1 or copies > 1:
        priv = <int64_t *> calloc(<size_t> (T * copies * nb), sizeof(int64_t))
        if priv == NULL:
            with gil:
                raise MemoryError()
    if T > 1:
        for b in prange(nblk, schedule="static", num_threads=T):
            if not stopped(stop):
                tid = threadid()
                if atom != NULL:
                    dd_block(d, b * BLOCK, min(n, (b + 1) * BLOCK), NULL, NULL, NULL, NULL,
                             atom)
                else:
                    c = priv + tid * copies * nb
                    dd_block(d, b * BLOCK, min(n, (b + 1) * BLOCK), c, c + (1 % copies) * nb,
                             c + (2 % copies) * nb, c + (3 % copies) * nb, NULL)
                if tid == 0:
                    poll(stop)
    else:
        c = priv if priv != NULL else oc
        for b in range(nblk):
            dd_block(d, b * BLOCK, min(n, (b + 1) * BLOCK), c, c + (1 % copies) * nb,
                     c + (2 % copies) * nb, c + (3 % copies) * nb, NULL)
            poll(stop)
            if stopped(stop):
                break
    if priv != NULL:
        for k in range(nb):
            s = 0
            for t in range(T * copies):
                s = s + priv[t * nb + k]
            oc[k] = s
        free(priv)
    return 0


def histdd(list cols, list types, list edges, list locs, object unis, cnp.ndarray out,
           object w, int nt, bint check):
    """N-d histogram over the core bins into out (zeroed, flat; int64 counts, or
    float64 weight sums in NumPy's order: one chain per bin in sample order). cols:
    1-d (strided) arrays of equal length; edges: increasing float64 arrays (double
    comparisons). unis: None, or per dimension (lo, hi, first, norm, nb, lim) of
    uniform bins: F' = (v - first) * norm is monotone in v and the caller measured
    delta = max |F'(e_i) - i| over the edges, with lim <= 0.5 - delta (minus
    rounding), so a value with |frac(F') - 0.5| < lim is in bin int(F'); the others
    are settled by comparisons with the edges."""
    cdef int D = len(cols), j
    cdef Py_ssize_t n = cols[0].shape[0], nb = out.shape[0], m
    cdef DD d
    cdef Stop stop
    cdef int64_t *oc = <int64_t *> cnp.PyArray_DATA(out)
    cdef double *od = <double *> cnp.PyArray_DATA(out)
    cdef const double *wd = NULL
    cdef const float *wf = NULL
    cdef void **mem = <void **> calloc(4 * D + 1, sizeof(void *))
    cdef Edges *Es = <Edges *> calloc(D, sizeof(Edges))
    cdef DU *U = <DU *> calloc(D, sizeof(DU))
    if mem == NULL or Es == NULL or U == NULL:
        free(mem)
        free(Es)
        free(U)
        raise MemoryError()
    try:
        d.D = D
        d.n = n
        d.col = <const double **> mem
        d.ct = <const int *> (mem + D)              # D ints fit in D pointers
        d.cs = <const Py_ssize_t *> (mem + 2 * D)
        d.mul = <const Py_ssize_t *> (mem + 3 * D)
        d.E = Es
        d.U = NULL
        m = 1
        for j in range(D - 1, -1, -1):
            (<const double **> d.col)[j] = <const double *> ptr(cols[j])
            (<int *> d.ct)[j] = types[j]
            (<Py_ssize_t *> d.cs)[j] = cols[j].strides[0] // cols[j].itemsize
            Es[j].ed = <const double *> ptr(edges[j])
            Es[j].ne = edges[j].shape[0]
            Es[j].cint = 0
            set_locator(&Es[j], locs[j])
            (<Py_ssize_t *> d.mul)[j] = m
            m *= edges[j].shape[0] - 1
        if unis is not None and nb < (1 << 31) - 1:
            for j in range(D):
                U[j].lo, U[j].hi, U[j].first, U[j].norm, U[j].nb, U[j].lim = unis[j]
            d.U = U
        stop_init(&stop, check)
        if n == 0:
            return None
        if w is not None:
            if (<cnp.ndarray> w).dtype.char == 'd':
                wd = <const double *> ptr(w)
            else:
                wf = <const float *> ptr(w)
            with nogil:
                ddw_run(&d, wd, wf, od, nb, nt, &stop)
        else:
            with nogil:
                ddc_run(&d, oc, nb, nt, &stop)
        raise_if_stopped(&stop)
        return None
    finally:
        free(mem)
        free(Es)
        free(U)
