/* _select.h: the two passes over a long float64 row of a one-kth partition, with
 * AVX2 or AVX-512 where the CPU has them (chosen at run time; the scalar loops
 * define the results, the vector ones give the same bits).
 *
 * Values are compared as doubles where the caller has checked that this orders
 * them as their keys would (selection.pyx: value_bounds): no bound is a zero or NaN.
 * Included by selection.pyx after its key functions (sk_f64).
 */
#ifndef CONCORE_SELECT_H
#define CONCORE_SELECT_H

#include <stdint.h>
#include <string.h>
#include "_simd.h"

/* Count the values below lo and copy the keys of those in [lo, hi] to tmp, in
 * order; returns the count below, *nc the keys copied.  The bracket holds a few
 * percent of the values: the vector loops only test, and gather the rare hits. */
static Py_ssize_t cc_bracket_f64_1(const double *x, Py_ssize_t n, double lo, double hi,
                                   uint64_t *tmp, Py_ssize_t *nc)
{
    Py_ssize_t i, nb = 0, c = 0;
    for (i = 0; i < n; i++) {
        double v = x[i];
        nb += v < lo;
        if ((v >= lo) & (v <= hi))
            tmp[c++] = sk_f64(v);
    }
    *nc = c;
    return nb;
}

/* Lay out x[0:n] (positions i0 + i) by class: below u to o[a[0]...], equal to
 * o[a[1]...], above to o[a[2]...], each in input order, the positions to ix[...]
 * likewise (o or ix may be NULL); a[] advanced.  e[c]: the end of this block's
 * segment of class c, which the vector loops never write past (another thread
 * writes beyond it). */
static void cc_place_f64_1(const double *x, Py_ssize_t n, Py_ssize_t i0, double u, double *o,
                           int64_t *ix, Py_ssize_t *a, const Py_ssize_t *e)
{
    Py_ssize_t i, dst;
    (void)e;
    for (i = 0; i < n; i++) {
        double v = x[i];
        int c = v < u ? 0 : (v == u ? 1 : 2);
        dst = a[c]++;
        if (o)
            o[dst] = v;
        if (ix)
            ix[dst] = i0 + i;
    }
}

#ifdef CC_SIMD_WIDE

__attribute__((target("avx2,popcnt")))
static Py_ssize_t cc_bracket_f64_avx2(const double *x, Py_ssize_t n, double lo, double hi,
                                      uint64_t *tmp, Py_ssize_t *nc)
{
    const __m256d l = _mm256_set1_pd(lo), h = _mm256_set1_pd(hi);
    Py_ssize_t i = 0, nb = 0, c = 0, rest;
    for (; i + 16 <= n; i += 16) {
        unsigned below = 0, in = 0;
        int j;
        for (j = 0; j < 4; j++) {
            __m256d v = _mm256_loadu_pd(x + i + 4 * j);
            __m256d ge = _mm256_cmp_pd(v, l, _CMP_GE_OQ), le = _mm256_cmp_pd(v, h, _CMP_LE_OQ);
            below |= (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(v, l, _CMP_LT_OQ)) << (4 * j);
            in |= (unsigned)_mm256_movemask_pd(_mm256_and_pd(ge, le)) << (4 * j);
        }
        nb += __builtin_popcount(below);
        while (in) {
            tmp[c++] = sk_f64(x[i + __builtin_ctz(in)]);
            in &= in - 1;
        }
    }
    nb += cc_bracket_f64_1(x + i, n - i, lo, hi, tmp + c, &rest);
    *nc = c + rest;
    return nb;
}

__attribute__((target("avx512f,popcnt")))
static Py_ssize_t cc_bracket_f64_avx512(const double *x, Py_ssize_t n, double lo, double hi,
                                        uint64_t *tmp, Py_ssize_t *nc)
{
    const __m512d l = _mm512_set1_pd(lo), h = _mm512_set1_pd(hi);
    Py_ssize_t i = 0, nb = 0, c = 0, rest;
    for (; i + 32 <= n; i += 32) {
        unsigned below = 0, in = 0;
        int j;
        for (j = 0; j < 4; j++) {
            __m512d v = _mm512_loadu_pd(x + i + 8 * j);
            below |= (unsigned)_mm512_cmp_pd_mask(v, l, _CMP_LT_OQ) << (8 * j);
            in |= (unsigned)_mm512_mask_cmp_pd_mask(_mm512_cmp_pd_mask(v, l, _CMP_GE_OQ), v, h,
                                                    _CMP_LE_OQ) << (8 * j);
        }
        nb += __builtin_popcount(below);
        while (in) {
            tmp[c++] = sk_f64(x[i + __builtin_ctz(in)]);
            in &= in - 1;
        }
    }
    nb += cc_bracket_f64_1(x + i, n - i, lo, hi, tmp + c, &rest);
    *nc = c + rest;
    return nb;
}

/* Lanes of mask m (4 bits) moved to the front in order, as 32-bit lane indices for
 * _mm256_permutevar8x32: a compress for AVX2, which has none. */
static const int32_t cc_pack4[16][8] __attribute__((aligned(32))) = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {2, 3, 0, 1, 4, 5, 6, 7},
    {0, 1, 2, 3, 4, 5, 6, 7}, {4, 5, 0, 1, 2, 3, 6, 7}, {0, 1, 4, 5, 2, 3, 6, 7},
    {2, 3, 4, 5, 0, 1, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7}, {6, 7, 0, 1, 2, 3, 4, 5},
    {0, 1, 6, 7, 2, 3, 4, 5}, {2, 3, 6, 7, 0, 1, 4, 5}, {0, 1, 2, 3, 6, 7, 4, 5},
    {4, 5, 6, 7, 0, 1, 2, 3}, {0, 1, 4, 5, 6, 7, 2, 3}, {2, 3, 4, 5, 6, 7, 0, 1},
    {0, 1, 2, 3, 4, 5, 6, 7}};

/* Store the lanes of m (packed to the front) at p[0..popcount(m)): four lanes at
 * once where the segment has room for them (the extra lanes are overwritten by
 * the next store or lie in this block's own segment), else one by one. */
#define CC_PUT4(T, p, at, end, vec, m, k)                                          \
    do {                                                                            \
        if ((at) + 4 <= (end)) {                                                    \
            _mm256_storeu_si256((__m256i *)((p) + (at)), (vec));                    \
        } else {                                                                    \
            T lanes_[4];                                                            \
            int q_;                                                                 \
            _mm256_storeu_si256((__m256i *)lanes_, (vec));                          \
            for (q_ = 0; q_ < (k); q_++)                                            \
                (p)[(at) + q_] = lanes_[q_];                                        \
        }                                                                           \
    } while (0)

__attribute__((target("avx2,popcnt")))
static void cc_place_f64_avx2(const double *x, Py_ssize_t n, Py_ssize_t i0, double u, double *o,
                              int64_t *ix, Py_ssize_t *a, const Py_ssize_t *e)
{
    const __m256d uu = _mm256_set1_pd(u);
    __m256i idx = _mm256_add_epi64(_mm256_set1_epi64x((long long)i0),
                                   _mm256_setr_epi64x(0, 1, 2, 3));
    const __m256i four = _mm256_set1_epi64x(4);
    Py_ssize_t i = 0, a0 = a[0], a2 = a[2];
    for (; i + 4 <= n; i += 4, idx = _mm256_add_epi64(idx, four)) {
        __m256d v = _mm256_loadu_pd(x + i);
        int lt = _mm256_movemask_pd(_mm256_cmp_pd(v, uu, _CMP_LT_OQ));
        int gt = _mm256_movemask_pd(_mm256_cmp_pd(v, uu, _CMP_GT_OQ));
        int k0 = __builtin_popcount(lt), k2 = __builtin_popcount(gt);
        __m256i p0, p2;
        if ((lt | gt) != 15) {  /* a value equal to u (or NaN: never here) */
            a[0] = a0;
            a[2] = a2;
            cc_place_f64_1(x + i, 4, i0 + i, u, o, ix, a, e);
            a0 = a[0];
            a2 = a[2];
            continue;
        }
        p0 = _mm256_load_si256((const __m256i *)cc_pack4[lt]);
        p2 = _mm256_load_si256((const __m256i *)cc_pack4[gt]);
        if (o) {
            __m256i bits = _mm256_castpd_si256(v);
            CC_PUT4(double, o, a0, e[0], _mm256_permutevar8x32_epi32(bits, p0), lt, k0);
            CC_PUT4(double, o, a2, e[2], _mm256_permutevar8x32_epi32(bits, p2), gt, k2);
        }
        if (ix) {
            CC_PUT4(int64_t, ix, a0, e[0], _mm256_permutevar8x32_epi32(idx, p0), lt, k0);
            CC_PUT4(int64_t, ix, a2, e[2], _mm256_permutevar8x32_epi32(idx, p2), gt, k2);
        }
        a0 += k0;
        a2 += k2;
    }
    a[0] = a0;
    a[2] = a2;
    cc_place_f64_1(x + i, n - i, i0 + i, u, o, ix, a, e);
}
#undef CC_PUT4

#define CC_PUT8(T, p, at, end, vec, k)                                              \
    do {                                                                            \
        if ((at) + 8 <= (end))                                                      \
            _mm512_storeu_si512((void *)((p) + (at)), (vec));                       \
        else                                                                        \
            _mm512_mask_storeu_epi64((void *)((p) + (at)), (__mmask8)((1u << (k)) - 1), (vec)); \
    } while (0)

__attribute__((target("avx512f,popcnt")))
static void cc_place_f64_avx512(const double *x, Py_ssize_t n, Py_ssize_t i0, double u,
                                double *o, int64_t *ix, Py_ssize_t *a, const Py_ssize_t *e)
{
    const __m512d uu = _mm512_set1_pd(u);
    __m512i idx = _mm512_add_epi64(_mm512_set1_epi64((long long)i0),
                                   _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    const __m512i eight = _mm512_set1_epi64(8);
    Py_ssize_t i = 0, a0 = a[0], a2 = a[2];
    for (; i + 8 <= n; i += 8, idx = _mm512_add_epi64(idx, eight)) {
        __m512d v = _mm512_loadu_pd(x + i);
        __mmask8 lt = _mm512_cmp_pd_mask(v, uu, _CMP_LT_OQ);
        __mmask8 gt = _mm512_cmp_pd_mask(v, uu, _CMP_GT_OQ);
        int k0 = __builtin_popcount(lt), k2 = __builtin_popcount(gt);
        if ((lt | gt) != 0xFF) {
            a[0] = a0;
            a[2] = a2;
            cc_place_f64_1(x + i, 8, i0 + i, u, o, ix, a, e);
            a0 = a[0];
            a2 = a[2];
            continue;
        }
        /* compress into a register, then a plain store: the compressing store to
           memory is microcoded (slow) on some AVX-512 CPUs */
        if (o) {
            __m512i bits = _mm512_castpd_si512(v);
            CC_PUT8(double, o, a0, e[0], _mm512_maskz_compress_epi64(lt, bits), k0);
            CC_PUT8(double, o, a2, e[2], _mm512_maskz_compress_epi64(gt, bits), k2);
        }
        if (ix) {
            CC_PUT8(int64_t, ix, a0, e[0], _mm512_maskz_compress_epi64(lt, idx), k0);
            CC_PUT8(int64_t, ix, a2, e[2], _mm512_maskz_compress_epi64(gt, idx), k2);
        }
        a0 += k0;
        a2 += k2;
    }
    a[0] = a0;
    a[2] = a2;
    cc_place_f64_1(x + i, n - i, i0 + i, u, o, ix, a, e);
}
#undef CC_PUT8

__attribute__((target("avx2,popcnt"), always_inline))
static inline void cc_part16_body(const double *x, Py_ssize_t n, Py_ssize_t kth, double *o,
                                  int64_t *ix, const int nr)
{
    /* nr (registers of 4 lanes) is a constant at each call: K and L stay in registers */
    int64_t sk[16] __attribute__((aligned(32))), t[4] __attribute__((aligned(32)));
    __m256i K[4], L[4];
    const __m256i absm = _mm256_set1_epi64x(0x7fffffffffffffffLL);
    const __m256i infb = _mm256_set1_epi64x(0x7ff0000000000000LL);
    const __m256i lowest = _mm256_set1_epi64x(INT64_MIN);
    const __m256i zero = _mm256_setzero_si256(), lane0 = _mm256_set_epi64x(3, 2, 1, 0);
    const __m256i nv = _mm256_set1_epi64x(n), kv = _mm256_set1_epi64x(kth);
    int r;
    Py_ssize_t i, j;
    __m256i best = lowest;
    for (r = 0; r < nr; r++) {
        __m256i in = _mm256_cmpgt_epi64(nv, _mm256_add_epi64(lane0, _mm256_set1_epi64x(4 * r)));
        __m256i b = _mm256_castpd_si256(_mm256_maskload_pd(x + 4 * r, in));
        __m256i s = _mm256_xor_si256(b, _mm256_and_si256(_mm256_cmpgt_epi64(zero, b), absm));
        s = _mm256_blendv_epi8(s, absm, _mm256_cmpgt_epi64(_mm256_and_si256(b, absm), infb));
        K[r] = s;
        L[r] = zero;
        _mm256_store_si256((__m256i *)(sk + 4 * r), s);
    }
    for (j = 0; j < n; j++) {
        __m256i bj = _mm256_set1_epi64x(sk[j]);
        for (r = 0; r < nr; r++)
            L[r] = _mm256_sub_epi64(L[r], _mm256_cmpgt_epi64(K[r], bj));
    }
    for (r = 0; r < nr; r++) {
        __m256i in = _mm256_cmpgt_epi64(nv, _mm256_add_epi64(lane0, _mm256_set1_epi64x(4 * r)));
        __m256i ok = _mm256_andnot_si256(_mm256_cmpgt_epi64(L[r], kv), in);
        __m256i c = _mm256_blendv_epi8(lowest, K[r], ok);
        best = _mm256_blendv_epi8(best, c, _mm256_cmpgt_epi64(c, best));
    }
    _mm256_store_si256((__m256i *)t, best);
    int64_t u = t[0] > t[1] ? t[0] : t[1], u2 = t[2] > t[3] ? t[2] : t[3];
    u = u > u2 ? u : u2;
    const __m256i uv = _mm256_set1_epi64x(u);
    unsigned lt = 0, eq = 0, all = (1u << n) - 1;
    for (r = 0; r < nr; r++) {
        lt |= (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(uv, K[r]))) << (4 * r);
        eq |= (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(K[r], uv))) << (4 * r);
    }
    lt &= all;
    eq &= all;
    /* running write positions of the three classes, chosen without branches */
    Py_ssize_t a0 = 0, a1 = __builtin_popcount(lt), a2 = a1 + __builtin_popcount(eq);
    for (i = 0; i < n; i++, lt >>= 1, eq >>= 1) {
        Py_ssize_t isl = lt & 1, ise = eq & 1;
        Py_ssize_t dst = a2 + isl * (a0 - a2) + ise * (a1 - a2);
        a0 += isl;
        a1 += ise;
        a2 += 1 - isl - ise;
        if (o)
            o[dst] = x[i];
        if (ix)
            ix[dst] = i;
    }
}

/* One kth of a short contiguous float64 row (n <= 16), the whole partition in
 * registers: each value's count of smaller keys by n broadcast compares of all lanes
 * at once (the scalar path's n * n compares one by one), the kth key u as the largest
 * key with at most kth keys below it, then the stable class layout (below u, equal,
 * above, each in input order) from the class bit masks.  Keys as signed integers:
 * the order of selection.pyx's keys (NaN largest, -0.0 just below +0.0). */
__attribute__((target("avx2,popcnt")))
static void cc_part16_f64_avx2(const double *x, Py_ssize_t n, Py_ssize_t kth, double *o,
                               int64_t *ix)
{
    switch ((n + 3) >> 2) {
    case 1: cc_part16_body(x, n, kth, o, ix, 1); return;
    case 2: cc_part16_body(x, n, kth, o, ix, 2); return;
    case 3: cc_part16_body(x, n, kth, o, ix, 3); return;
    default: cc_part16_body(x, n, kth, o, ix, 4); return;
    }
}

#endif /* CC_SIMD_WIDE */

/* The partition of a short contiguous float64 row around one kth (see
 * cc_part16_f64_avx2); 0 when this CPU or row is not one for it (the caller's
 * scalar loops then do it, with the same layout). */
static int cc_part_short_f64(const double *x, Py_ssize_t n, Py_ssize_t kth, double *o,
                             int64_t *ix)
{
#ifdef CC_SIMD_WIDE
    if (n <= 16 && cc_simd_level() >= 1) {
        cc_part16_f64_avx2(x, n, kth, o, ix);
        return 1;
    }
#endif
    (void)x; (void)n; (void)kth; (void)o; (void)ix;
    return 0;
}

static Py_ssize_t cc_bracket_f64(const double *x, Py_ssize_t n, double lo, double hi,
                                 uint64_t *tmp, Py_ssize_t *nc)
{
#ifdef CC_SIMD_WIDE
    switch (cc_simd_level()) {
    case 2: return cc_bracket_f64_avx512(x, n, lo, hi, tmp, nc);
    case 1: return cc_bracket_f64_avx2(x, n, lo, hi, tmp, nc);
    }
#endif
    return cc_bracket_f64_1(x, n, lo, hi, tmp, nc);
}

static void cc_place_f64(const double *x, Py_ssize_t n, Py_ssize_t i0, double u, double *o,
                         int64_t *ix, Py_ssize_t *a, const Py_ssize_t *e)
{
#ifdef CC_SIMD_WIDE
    switch (cc_simd_level()) {
    case 2: cc_place_f64_avx512(x, n, i0, u, o, ix, a, e); return;
    case 1: cc_place_f64_avx2(x, n, i0, u, o, ix, a, e); return;
    }
#endif
    cc_place_f64_1(x, n, i0, u, o, ix, a, e);
}

#endif /* CONCORE_SELECT_H */
