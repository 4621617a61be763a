/* Extremes with SSE2 where available; the scalar loops define the results.
 *
 * GCC does not vectorise the select `x < m ? x : m` without -ffast-math, but
 * MINPD(x, m) computes exactly that (NaN and signed zeros included), as MAXPD
 * does `x > m ? x : m`: the SIMD and scalar paths give the same bits.
 */
#ifndef CONCORE_SIMD_H
#define CONCORE_SIMD_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define CC_HAVE_SSE2 1
#endif

/* Wider registers where the CPU has them (chosen at run time, GCC/Clang on x86-64),
 * four independent chains of 8 lanes each, folded into the 8 lanes at the end: each
 * lane gets the same value as the sequential loop's (a zero's sign may differ, which
 * the caller settles by rescanning for the first zero).  0.067 against 0.100 ns per
 * value from cache on one core here with one chain; the chains overlap the latency. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define CC_SIMD_WIDE 1
#include <immintrin.h>

/* 2: AVX-512F, 1: AVX2, 0: SSE2; -1 until first use (a racing thread writes the
 * same value).  cc_simd_force() caps it, for tests. */
static int cc_simd_now = -1;

static int cc_simd_best(void)
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return 2;
    return __builtin_cpu_supports("avx2") ? 1 : 0;
}

static int cc_simd_level(void)
{
    int l = cc_simd_now;
    if (l < 0)
        cc_simd_now = l = cc_simd_best();
    return l;
}

static int cc_simd_force(int level)
{
    int best = cc_simd_best();
    cc_simd_now = level < 0 || level > best ? best : level;
    return cc_simd_now;
}

#define CC_MINMAX4(T, LOAD, MIN, MAX, W)                                         \
    for (; i + 4 * W <= n8; i += 4 * W) {                                           \
        T x0 = LOAD(q + i), x1 = LOAD(q + i + W), x2 = LOAD(q + i + 2 * W);         \
        T x3 = LOAD(q + i + 3 * W);                                                 \
        if (want_max) {                                                             \
            l0 = MAX(x0, l0); l1 = MAX(x1, l1); l2 = MAX(x2, l2); l3 = MAX(x3, l3);  \
        } else {                                                                    \
            l0 = MIN(x0, l0); l1 = MIN(x1, l1); l2 = MIN(x2, l2); l3 = MIN(x3, l3);  \
        }                                                                           \
        CC_NANS4(x0, x1, x2, x3)                                                    \
    }

__attribute__((target("avx512f")))
static void cc_lanes_f64_avx512(const double *q, ptrdiff_t n8, int want_max, double *lane,
                                int *anynan)
{
    __m512d l0 = _mm512_loadu_pd(lane), l1 = l0, l2 = l0, l3 = l0;
    __mmask8 nan = 0;
    ptrdiff_t i = 0;
#define CC_NANS4(a, b, c, d)                                                        \
    nan |= _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q) | _mm512_cmp_pd_mask(b, b, _CMP_UNORD_Q) \
           | _mm512_cmp_pd_mask(c, c, _CMP_UNORD_Q) | _mm512_cmp_pd_mask(d, d, _CMP_UNORD_Q);
    CC_MINMAX4(__m512d, _mm512_loadu_pd, _mm512_min_pd, _mm512_max_pd, 8)
#undef CC_NANS4
    for (; i < n8; i += 8) {
        __m512d x = _mm512_loadu_pd(q + i);
        l0 = want_max ? _mm512_max_pd(x, l0) : _mm512_min_pd(x, l0);
        nan |= _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
    }
    if (want_max)
        l0 = _mm512_max_pd(_mm512_max_pd(l0, l1), _mm512_max_pd(l2, l3));
    else
        l0 = _mm512_min_pd(_mm512_min_pd(l0, l1), _mm512_min_pd(l2, l3));
    _mm512_storeu_pd(lane, l0);
    *anynan = nan != 0;
}

/* 8 doubles are two 256-bit registers: two chains of a pair each */
__attribute__((target("avx2")))
static void cc_lanes_f64_avx2(const double *q, ptrdiff_t n8, int want_max, double *lane,
                              int *anynan)
{
    __m256d l0 = _mm256_loadu_pd(lane), l1 = _mm256_loadu_pd(lane + 4), l2 = l0, l3 = l1;
    __m256d nan = _mm256_setzero_pd();
    ptrdiff_t i = 0;
#define CC_NANS4(a, b, c, d)                                                        \
    nan = _mm256_or_pd(nan, _mm256_or_pd(                                           \
        _mm256_or_pd(_mm256_cmp_pd(a, a, _CMP_UNORD_Q), _mm256_cmp_pd(b, b, _CMP_UNORD_Q)), \
        _mm256_or_pd(_mm256_cmp_pd(c, c, _CMP_UNORD_Q), _mm256_cmp_pd(d, d, _CMP_UNORD_Q))));
    CC_MINMAX4(__m256d, _mm256_loadu_pd, _mm256_min_pd, _mm256_max_pd, 4)
#undef CC_NANS4
    for (; i < n8; i += 8) {
        __m256d x0 = _mm256_loadu_pd(q + i), x1 = _mm256_loadu_pd(q + i + 4);
        l0 = want_max ? _mm256_max_pd(x0, l0) : _mm256_min_pd(x0, l0);
        l1 = want_max ? _mm256_max_pd(x1, l1) : _mm256_min_pd(x1, l1);
        nan = _mm256_or_pd(nan, _mm256_or_pd(_mm256_cmp_pd(x0, x0, _CMP_UNORD_Q),
                                             _mm256_cmp_pd(x1, x1, _CMP_UNORD_Q)));
    }
    /* l0, l2 hold lanes 0-3, l1, l3 lanes 4-7 */
    l0 = want_max ? _mm256_max_pd(l0, l2) : _mm256_min_pd(l0, l2);
    l1 = want_max ? _mm256_max_pd(l1, l3) : _mm256_min_pd(l1, l3);
    _mm256_storeu_pd(lane, l0);
    _mm256_storeu_pd(lane + 4, l1);
    *anynan = _mm256_movemask_pd(nan) != 0;
}

/* float32: 8 lanes are one 256-bit register (AVX2 and AVX-512 targets alike) */
__attribute__((target("avx2")))
static void cc_lanes_f32_avx2(const float *q, ptrdiff_t n8, int want_max, float *lane,
                              int *anynan)
{
    __m256 l0 = _mm256_loadu_ps(lane), l1 = l0, l2 = l0, l3 = l0, nan = _mm256_setzero_ps();
    ptrdiff_t i = 0;
#define CC_NANS4(a, b, c, d)                                                        \
    nan = _mm256_or_ps(nan, _mm256_or_ps(                                           \
        _mm256_or_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q), _mm256_cmp_ps(b, b, _CMP_UNORD_Q)), \
        _mm256_or_ps(_mm256_cmp_ps(c, c, _CMP_UNORD_Q), _mm256_cmp_ps(d, d, _CMP_UNORD_Q))));
    CC_MINMAX4(__m256, _mm256_loadu_ps, _mm256_min_ps, _mm256_max_ps, 8)
#undef CC_NANS4
    for (; i < n8; i += 8) {
        __m256 x = _mm256_loadu_ps(q + i);
        l0 = want_max ? _mm256_max_ps(x, l0) : _mm256_min_ps(x, l0);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    }
    if (want_max)
        l0 = _mm256_max_ps(_mm256_max_ps(l0, l1), _mm256_max_ps(l2, l3));
    else
        l0 = _mm256_min_ps(_mm256_min_ps(l0, l1), _mm256_min_ps(l2, l3));
    _mm256_storeu_ps(lane, l0);
    *anynan = _mm256_movemask_ps(nan) != 0;
}
#undef CC_MINMAX4
#else
static int cc_simd_force(int level)
{
    (void)level;
    return 0;
}
#endif

/* 8 lanes of running extremes over q[0:n8] (n8 a multiple of 8): lane j takes
 * elements i + j as  lane = x < lane ? x : lane  (max: >). NaN is never taken
 * into a lane; *anynan says whether one was seen. */
static void cc_lanes_f64(const double *q, ptrdiff_t n8, int want_max, double *lane, int *anynan)
{
    ptrdiff_t i = 0;
    int j, seen = 0;
#ifdef CC_SIMD_WIDE
    switch (cc_simd_level()) {
    case 2: cc_lanes_f64_avx512(q, n8, want_max, lane, anynan); return;
    case 1: cc_lanes_f64_avx2(q, n8, want_max, lane, anynan); return;
    }
#endif
#ifdef CC_HAVE_SSE2
    __m128d l0 = _mm_loadu_pd(lane), l1 = _mm_loadu_pd(lane + 2);
    __m128d l2 = _mm_loadu_pd(lane + 4), l3 = _mm_loadu_pd(lane + 6);
    __m128d nan = _mm_setzero_pd();
    for (; i < n8; i += 8) {
        __m128d x0 = _mm_loadu_pd(q + i), x1 = _mm_loadu_pd(q + i + 2);
        __m128d x2 = _mm_loadu_pd(q + i + 4), x3 = _mm_loadu_pd(q + i + 6);
        if (want_max) {
            l0 = _mm_max_pd(x0, l0); l1 = _mm_max_pd(x1, l1);
            l2 = _mm_max_pd(x2, l2); l3 = _mm_max_pd(x3, l3);
        } else {
            l0 = _mm_min_pd(x0, l0); l1 = _mm_min_pd(x1, l1);
            l2 = _mm_min_pd(x2, l2); l3 = _mm_min_pd(x3, l3);
        }
        nan = _mm_or_pd(nan, _mm_or_pd(_mm_or_pd(_mm_cmpunord_pd(x0, x0), _mm_cmpunord_pd(x1, x1)),
                                       _mm_or_pd(_mm_cmpunord_pd(x2, x2), _mm_cmpunord_pd(x3, x3))));
    }
    _mm_storeu_pd(lane, l0); _mm_storeu_pd(lane + 2, l1);
    _mm_storeu_pd(lane + 4, l2); _mm_storeu_pd(lane + 6, l3);
    seen = _mm_movemask_pd(nan) != 0;
#endif
    for (; i < n8; i += 8)
        for (j = 0; j < 8; j++) {
            double x = q[i + j];
            lane[j] = want_max ? (x > lane[j] ? x : lane[j]) : (x < lane[j] ? x : lane[j]);
            seen |= x != x;
        }
    *anynan = seen;
}

static void cc_lanes_f32(const float *q, ptrdiff_t n8, int want_max, float *lane, int *anynan)
{
    ptrdiff_t i = 0;
    int j, seen = 0;
#ifdef CC_SIMD_WIDE
    if (cc_simd_level() >= 1) {
        cc_lanes_f32_avx2(q, n8, want_max, lane, anynan);
        return;
    }
#endif
#ifdef CC_HAVE_SSE2
    __m128 l0 = _mm_loadu_ps(lane), l1 = _mm_loadu_ps(lane + 4);
    __m128 nan = _mm_setzero_ps();
    for (; i < n8; i += 8) {
        __m128 x0 = _mm_loadu_ps(q + i), x1 = _mm_loadu_ps(q + i + 4);
        if (want_max) {
            l0 = _mm_max_ps(x0, l0); l1 = _mm_max_ps(x1, l1);
        } else {
            l0 = _mm_min_ps(x0, l0); l1 = _mm_min_ps(x1, l1);
        }
        nan = _mm_or_ps(nan, _mm_or_ps(_mm_cmpunord_ps(x0, x0), _mm_cmpunord_ps(x1, x1)));
    }
    _mm_storeu_ps(lane, l0); _mm_storeu_ps(lane + 4, l1);
    seen = _mm_movemask_ps(nan) != 0;
#endif
    for (; i < n8; i += 8)
        for (j = 0; j < 8; j++) {
            float x = q[i + j];
            lane[j] = want_max ? (x > lane[j] ? x : lane[j]) : (x < lane[j] ? x : lane[j]);
            seen |= x != x;
        }
    *anynan = seen;
}

/* Fold one row x into the running extremes c of n columns:
 *     c = (x < c || (x != x && c == c)) ? x : c          (max: x > c)
 * the first NaN of a column sticks; of equal values the earlier stays.
 * Chunks of x without NaN take the short form c = MINPD(x, c), which is the same
 * select (and keeps a NaN already in c). */
#define CC_FOLD_CHUNK 512

static void cc_fold_f64(const double *x, double *c, ptrdiff_t n, int want_max)
{
    ptrdiff_t j = 0;
#ifdef CC_HAVE_SSE2
    for (; j + 2 <= n; ) {
        ptrdiff_t k, end = j + CC_FOLD_CHUNK < n ? j + CC_FOLD_CHUNK : n;
        __m128d nan = _mm_setzero_pd();
        end -= (end - j) % 2;
        for (k = j; k < end; k += 2) {
            __m128d y = _mm_loadu_pd(x + k);
            nan = _mm_or_pd(nan, _mm_cmpunord_pd(y, y));
        }
        if (!_mm_movemask_pd(nan)) {
            if (want_max)
                for (k = j; k < end; k += 2)
                    _mm_storeu_pd(c + k, _mm_max_pd(_mm_loadu_pd(x + k), _mm_loadu_pd(c + k)));
            else
                for (k = j; k < end; k += 2)
                    _mm_storeu_pd(c + k, _mm_min_pd(_mm_loadu_pd(x + k), _mm_loadu_pd(c + k)));
        } else {
            for (k = j; k < end; k += 2) {
                __m128d y = _mm_loadu_pd(x + k), v = _mm_loadu_pd(c + k);
                __m128d better = want_max ? _mm_cmpgt_pd(y, v) : _mm_cmplt_pd(y, v);
                __m128d first_nan = _mm_andnot_pd(_mm_cmpunord_pd(v, v), _mm_cmpunord_pd(y, y));
                __m128d take = _mm_or_pd(better, first_nan);
                _mm_storeu_pd(c + k, _mm_or_pd(_mm_and_pd(take, y), _mm_andnot_pd(take, v)));
            }
        }
        j = end;
    }
#endif
    for (; j < n; j++) {
        double y = x[j], v = c[j];
        int better = want_max ? y > v : y < v;
        c[j] = (better || (y != y && v == v)) ? y : v;
    }
}

static void cc_fold_f32(const float *x, float *c, ptrdiff_t n, int want_max)
{
    ptrdiff_t j = 0;
#ifdef CC_HAVE_SSE2
    for (; j + 4 <= n; ) {
        ptrdiff_t k, end = j + CC_FOLD_CHUNK < n ? j + CC_FOLD_CHUNK : n;
        __m128 nan = _mm_setzero_ps();
        end -= (end - j) % 4;
        for (k = j; k < end; k += 4) {
            __m128 y = _mm_loadu_ps(x + k);
            nan = _mm_or_ps(nan, _mm_cmpunord_ps(y, y));
        }
        if (!_mm_movemask_ps(nan)) {
            if (want_max)
                for (k = j; k < end; k += 4)
                    _mm_storeu_ps(c + k, _mm_max_ps(_mm_loadu_ps(x + k), _mm_loadu_ps(c + k)));
            else
                for (k = j; k < end; k += 4)
                    _mm_storeu_ps(c + k, _mm_min_ps(_mm_loadu_ps(x + k), _mm_loadu_ps(c + k)));
        } else {
            for (k = j; k < end; k += 4) {
                __m128 y = _mm_loadu_ps(x + k), v = _mm_loadu_ps(c + k);
                __m128 better = want_max ? _mm_cmpgt_ps(y, v) : _mm_cmplt_ps(y, v);
                __m128 first_nan = _mm_andnot_ps(_mm_cmpunord_ps(v, v), _mm_cmpunord_ps(y, y));
                __m128 take = _mm_or_ps(better, first_nan);
                _mm_storeu_ps(c + k, _mm_or_ps(_mm_and_ps(take, y), _mm_andnot_ps(take, v)));
            }
        }
        j = end;
    }
#endif
    for (; j < n; j++) {
        float y = x[j], v = c[j];
        int better = want_max ? y > v : y < v;
        c[j] = (better || (y != y && v == v)) ? y : v;
    }
}

/* Four rows x0..x3 folded in that order: the same selects as four cc_fold calls,
 * with the running extremes loaded and stored once per four rows (wide rows). */
static void cc_fold4_f64(const double *x0, const double *x1, const double *x2,
                         const double *x3, double *c, ptrdiff_t n, int want_max)
{
    ptrdiff_t j = 0;
#ifdef CC_HAVE_SSE2
    for (; j + 2 <= n; ) {
        ptrdiff_t k, end = j + CC_FOLD_CHUNK < n ? j + CC_FOLD_CHUNK : n;
        __m128d nan = _mm_setzero_pd();
        end -= (end - j) % 2;
        for (k = j; k < end; k += 2) {
            __m128d a = _mm_loadu_pd(x0 + k), b = _mm_loadu_pd(x1 + k);
            __m128d d = _mm_loadu_pd(x2 + k), e = _mm_loadu_pd(x3 + k);
            nan = _mm_or_pd(nan, _mm_or_pd(_mm_or_pd(_mm_cmpunord_pd(a, a), _mm_cmpunord_pd(b, b)),
                                           _mm_or_pd(_mm_cmpunord_pd(d, d), _mm_cmpunord_pd(e, e))));
        }
        if (!_mm_movemask_pd(nan)) {
            for (k = j; k < end; k += 2) {
                __m128d v = _mm_loadu_pd(c + k);
                if (want_max) {
                    v = _mm_max_pd(_mm_loadu_pd(x0 + k), v);
                    v = _mm_max_pd(_mm_loadu_pd(x1 + k), v);
                    v = _mm_max_pd(_mm_loadu_pd(x2 + k), v);
                    v = _mm_max_pd(_mm_loadu_pd(x3 + k), v);
                } else {
                    v = _mm_min_pd(_mm_loadu_pd(x0 + k), v);
                    v = _mm_min_pd(_mm_loadu_pd(x1 + k), v);
                    v = _mm_min_pd(_mm_loadu_pd(x2 + k), v);
                    v = _mm_min_pd(_mm_loadu_pd(x3 + k), v);
                }
                _mm_storeu_pd(c + k, v);
            }
        } else {
            cc_fold_f64(x0 + j, c + j, end - j, want_max);
            cc_fold_f64(x1 + j, c + j, end - j, want_max);
            cc_fold_f64(x2 + j, c + j, end - j, want_max);
            cc_fold_f64(x3 + j, c + j, end - j, want_max);
        }
        j = end;
    }
#endif
    if (j < n) {
        cc_fold_f64(x0 + j, c + j, n - j, want_max);
        cc_fold_f64(x1 + j, c + j, n - j, want_max);
        cc_fold_f64(x2 + j, c + j, n - j, want_max);
        cc_fold_f64(x3 + j, c + j, n - j, want_max);
    }
}


/* ---- the fold with indices and NaN rules (axis reductions over rows) ----
 * One more row x (its position o) into the running extremes c of n columns, with
 * their indices ci and whether a non-NaN was seen (ck; the wide kernels update it in
 * mode 2 only: in mode 0 it is not used, in mode 1 it is !isnan(c) at the end):
 *     take = better(x, c) || rule;  c = take ? x : c;  ci = take ? o : ci
 * rule, by mode (ext_take1 in reductions.pyx):  0 (min/max, arg*): x NaN and c not;
 * 1 (nanmin/nanmax): c NaN and x not;  2 (nanarg*: NaN ranks last): c NaN and x
 * beats the worst value (+-inf).  Only selects: every target gives the same bits. */
#define CC_FOLDX_SCALAR(T, WORST)                                                  \
    for (; j < n; j++) {                                                           \
        T y = x[j], v = c[j];                                                      \
        int take = want_max ? y > v : y < v;                                       \
        if (mode == 0)                                                             \
            take |= y != y && v == v;                                              \
        else if (mode == 1)                                                        \
            take |= v != v && y == y;                                              \
        else                                                                       \
            take |= v != v && (want_max ? y > -(WORST) : y < (WORST));             \
        if (take) {                                                                \
            c[j] = y;                                                              \
            ci[j] = o;                                                             \
        }                                                                          \
        ck[j] |= y == y;                                                           \
    }

/* bit j of m (j < 8) to byte j of the result, as 0 or 1 */
static inline uint64_t cc_bits_to_bytes(unsigned m)
{
    uint64_t b = ((uint64_t)(m & 0xff) * 0x0101010101010101ULL) & 0x8040201008040201ULL;
    return ((b + 0x7f7f7f7f7f7f7f7fULL) >> 7) & 0x0101010101010101ULL;
}

static inline void cc_or_bytes(unsigned char *ck, unsigned m, ptrdiff_t nb)
{
    uint64_t cur = 0, add = cc_bits_to_bytes(m);
    ptrdiff_t k;
    if (nb == 8) {  /* a constant size: one load and one store */
        memcpy(&cur, ck, 8);
        cur |= add;
        memcpy(ck, &cur, 8);
        return;
    }
    if (nb == 4) {
        uint32_t c4;
        memcpy(&c4, ck, 4);
        c4 |= (uint32_t)add;
        memcpy(ck, &c4, 4);
        return;
    }
    for (k = 0; k < nb; k++)
        ck[k] |= (unsigned char)((m >> k) & 1);
}

#ifdef CC_SIMD_WIDE
/* take mask of 8 lanes (AVX-512) for values y against running values v */
#define CC_TAKE512(CMP, y, v, w)                                                   \
    ((want_max ? CMP(y, v, _CMP_GT_OQ) : CMP(v, y, _CMP_GT_OQ))                    \
     | (mode == 0 ? (CMP(y, y, _CMP_UNORD_Q) & CMP(v, v, _CMP_ORD_Q))              \
        : mode == 1 ? (CMP(v, v, _CMP_UNORD_Q) & CMP(y, y, _CMP_ORD_Q))            \
        : (CMP(v, v, _CMP_UNORD_Q) & (want_max ? CMP(y, w, _CMP_GT_OQ)             \
                                               : CMP(w, y, _CMP_GT_OQ)))))

/* the 12 (want_max, mode, need_idx) cases as constants, so each loop is branch-free */
#define CC_FOLD_CASES(CALL)                                                        \
    switch ((want_max ? 6 : 0) + mode * 2 + (need_idx != 0)) {                     \
    case 0: CALL(0, 0, 0); break;  case 1: CALL(0, 0, 1); break;                   \
    case 2: CALL(0, 1, 0); break;  case 3: CALL(0, 1, 1); break;                   \
    case 4: CALL(0, 2, 0); break;  case 5: CALL(0, 2, 1); break;                   \
    case 6: CALL(1, 0, 0); break;  case 7: CALL(1, 0, 1); break;                   \
    case 8: CALL(1, 1, 0); break;  case 9: CALL(1, 1, 1); break;                   \
    case 10: CALL(1, 2, 0); break; default: CALL(1, 2, 1); break;                  \
    }

/* one vector of 8 doubles at j under lane mask m (all lanes in the loop) */
#define CC_FOLD8_F64(m)                                                            \
    {                                                                              \
        __m512d y = _mm512_maskz_loadu_pd(m, x + j), v = _mm512_maskz_loadu_pd(m, c + j); \
        __mmask8 take = CC_TAKE512(_mm512_cmp_pd_mask, y, v, w) & (m);             \
        _mm512_mask_storeu_pd(c + j, take, y);                                     \
        if (need_idx)                                                              \
            _mm512_mask_storeu_epi64(ci + j, take, vo);                            \
        if (mode == 2)                                                             \
            cc_or_bytes(ck + j, _mm512_cmp_pd_mask(y, y, _CMP_ORD_Q) & (m),        \
                        n - j >= 8 ? 8 : n - j);                                   \
    }

__attribute__((target("avx512f"), always_inline))
static inline void cc_foldx_f64_avx512_k(const double *x, double *c, int64_t *ci,
                                         unsigned char *ck, ptrdiff_t n, int64_t o,
                                         const int want_max, const int mode,
                                         const int need_idx)
{
    const __m512d w = _mm512_set1_pd(want_max ? -INFINITY : INFINITY);
    const __m512i vo = _mm512_set1_epi64(o);
    ptrdiff_t j = 0;
    for (; j + 8 <= n; j += 8)
        CC_FOLD8_F64((__mmask8)0xff)
    if (j < n)
        CC_FOLD8_F64((__mmask8)((1u << (n - j)) - 1))
}
#undef CC_FOLD8_F64

__attribute__((target("avx512f")))
static void cc_foldx_f64_avx512(const double *x, double *c, int64_t *ci, unsigned char *ck,
                                ptrdiff_t n, int64_t o, int want_max, int mode, int need_idx)
{
#define CALL(WM, MD, NI) cc_foldx_f64_avx512_k(x, c, ci, ck, n, o, WM, MD, NI)
    CC_FOLD_CASES(CALL)
#undef CALL
}

/* one vector of 16 floats at j under lane mask m */
#define CC_FOLD16_F32(m)                                                           \
    {                                                                              \
        __m512 y = _mm512_maskz_loadu_ps(m, x + j), v = _mm512_maskz_loadu_ps(m, c + j); \
        __mmask16 take = CC_TAKE512(_mm512_cmp_ps_mask, y, v, w) & (m);           \
        _mm512_mask_storeu_ps(c + j, take, y);                                     \
        if (need_idx) {                                                            \
            _mm512_mask_storeu_epi64(ci + j, (__mmask8)take, vo);                  \
            _mm512_mask_storeu_epi64(ci + j + 8, (__mmask8)(take >> 8), vo);       \
        }                                                                          \
        if (mode == 2) {                                                           \
            unsigned ord = _mm512_cmp_ps_mask(y, y, _CMP_ORD_Q) & (m);             \
            ptrdiff_t left = n - j;                                                \
            cc_or_bytes(ck + j, ord, left >= 8 ? 8 : left);                        \
            if (left > 8)                                                          \
                cc_or_bytes(ck + j + 8, ord >> 8, left >= 16 ? 8 : left - 8);      \
        }                                                                          \
    }

__attribute__((target("avx512f"), always_inline))
static inline void cc_foldx_f32_avx512_k(const float *x, float *c, int64_t *ci,
                                         unsigned char *ck, ptrdiff_t n, int64_t o,
                                         const int want_max, const int mode,
                                         const int need_idx)
{
    const __m512 w = _mm512_set1_ps(want_max ? -INFINITY : INFINITY);
    const __m512i vo = _mm512_set1_epi64(o);
    ptrdiff_t j = 0;
    for (; j + 16 <= n; j += 16)
        CC_FOLD16_F32((__mmask16)0xffff)
    if (j < n)
        CC_FOLD16_F32((__mmask16)((1u << (n - j)) - 1))
}
#undef CC_FOLD16_F32

__attribute__((target("avx512f")))
static void cc_foldx_f32_avx512(const float *x, float *c, int64_t *ci, unsigned char *ck,
                                ptrdiff_t n, int64_t o, int want_max, int mode, int need_idx)
{
#define CALL(WM, MD, NI) cc_foldx_f32_avx512_k(x, c, ci, ck, n, o, WM, MD, NI)
    CC_FOLD_CASES(CALL)
#undef CALL
}
#undef CC_TAKE512

/* AVX2: whole vectors, the rest by the scalar rule */
#define CC_TAKE256(CMP, AND, ANDN, OR, y, v, w)                                    \
    OR(want_max ? CMP(y, v, _CMP_GT_OQ) : CMP(v, y, _CMP_GT_OQ),                   \
       mode == 0 ? ANDN(CMP(v, v, _CMP_UNORD_Q), CMP(y, y, _CMP_UNORD_Q))          \
       : mode == 1 ? ANDN(CMP(y, y, _CMP_UNORD_Q), CMP(v, v, _CMP_UNORD_Q))        \
       : AND(CMP(v, v, _CMP_UNORD_Q), want_max ? CMP(y, w, _CMP_GT_OQ)             \
                                               : CMP(w, y, _CMP_GT_OQ)))

__attribute__((target("avx2"), always_inline))
static inline void cc_foldx_f64_avx2_k(const double *x, double *c, int64_t *ci, unsigned char *ck,
                                       ptrdiff_t n, int64_t o, const int want_max,
                                       const int mode, const int need_idx)
{
    const __m256d w = _mm256_set1_pd(want_max ? -INFINITY : INFINITY);
    const __m256i vo = _mm256_set1_epi64x(o);
    ptrdiff_t j = 0;
    for (; j + 4 <= n; j += 4) {
        __m256d y = _mm256_loadu_pd(x + j), v = _mm256_loadu_pd(c + j);
        __m256d take = CC_TAKE256(_mm256_cmp_pd, _mm256_and_pd, _mm256_andnot_pd,
                                  _mm256_or_pd, y, v, w);
        /* blends and whole stores: masked stores are slow on some AMD cores */
        _mm256_storeu_pd(c + j, _mm256_blendv_pd(v, y, take));
        if (need_idx) {
            __m256i i0 = _mm256_loadu_si256((const __m256i *)(ci + j));
            _mm256_storeu_si256((__m256i *)(ci + j),
                                _mm256_castpd_si256(_mm256_blendv_pd(
                                    _mm256_castsi256_pd(i0), _mm256_castsi256_pd(vo), take)));
        }
        if (mode == 2)
            cc_or_bytes(ck + j, (unsigned)_mm256_movemask_pd(_mm256_cmp_pd(y, y, _CMP_ORD_Q)), 4);
    }
    CC_FOLDX_SCALAR(double, INFINITY)
}

__attribute__((target("avx2")))
static void cc_foldx_f64_avx2(const double *x, double *c, int64_t *ci, unsigned char *ck,
                              ptrdiff_t n, int64_t o, int want_max, int mode, int need_idx)
{
#define CALL(WM, MD, NI) cc_foldx_f64_avx2_k(x, c, ci, ck, n, o, WM, MD, NI)
    CC_FOLD_CASES(CALL)
#undef CALL
}

__attribute__((target("avx2"), always_inline))
static inline void cc_foldx_f32_avx2_k(const float *x, float *c, int64_t *ci, unsigned char *ck,
                                       ptrdiff_t n, int64_t o, const int want_max,
                                       const int mode, const int need_idx)
{
    const __m256 w = _mm256_set1_ps(want_max ? -INFINITY : INFINITY);
    const __m256i vo = _mm256_set1_epi64x(o);
    ptrdiff_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 y = _mm256_loadu_ps(x + j), v = _mm256_loadu_ps(c + j);
        __m256 take = CC_TAKE256(_mm256_cmp_ps, _mm256_and_ps, _mm256_andnot_ps,
                                 _mm256_or_ps, y, v, w);
        __m256i t = _mm256_castps_si256(take);
        _mm256_storeu_ps(c + j, _mm256_blendv_ps(v, y, take));
        if (need_idx) {   /* the 32-bit lane masks widened to the 64-bit indices */
            __m256d t0 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(t)));
            __m256d t1 = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(t, 1)));
            __m256d i0 = _mm256_loadu_pd((const double *)(ci + j));
            __m256d i1 = _mm256_loadu_pd((const double *)(ci + j + 4));
            _mm256_storeu_pd((double *)(ci + j), _mm256_blendv_pd(i0, _mm256_castsi256_pd(vo), t0));
            _mm256_storeu_pd((double *)(ci + j + 4), _mm256_blendv_pd(i1, _mm256_castsi256_pd(vo), t1));
        }
        if (mode == 2)
            cc_or_bytes(ck + j, (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(y, y, _CMP_ORD_Q)), 8);
    }
    CC_FOLDX_SCALAR(float, INFINITY)
}

__attribute__((target("avx2")))
static void cc_foldx_f32_avx2(const float *x, float *c, int64_t *ci, unsigned char *ck,
                              ptrdiff_t n, int64_t o, int want_max, int mode, int need_idx)
{
#define CALL(WM, MD, NI) cc_foldx_f32_avx2_k(x, c, ci, ck, n, o, WM, MD, NI)
    CC_FOLD_CASES(CALL)
#undef CALL
}
#undef CC_TAKE256
#undef CC_FOLD_CASES
#endif

/* Four rows folded in order with the running values kept in registers (values only,
 * modes 0 and 1): c is read and written once per four rows, for wide rows whose c
 * does not stay in L1.  Returns 0 where there is no AVX-512 (the caller folds the
 * rows one by one: the same selects). */
#ifdef CC_SIMD_WIDE
#define CC_FOLD4_STEP(CMP, MOV, W, y, v, wv)                                       \
    v = MOV(v, CC_TAKE512(CMP, y, v, wv), y);
#define CC_FOLD4_BODY(T, W, VT, LOADZ, CMP, MOV, STORE, SET1, MT)                  \
    {                                                                              \
        const VT wv = SET1(want_max ? -INFINITY : INFINITY);                       \
        ptrdiff_t j;                                                               \
        for (j = 0; j < n; j += W) {                                               \
            MT m = n - j >= W ? (MT)~0u : (MT)((1u << (n - j)) - 1);               \
            VT v = LOADZ(m, c + j);                                                \
            VT y0 = LOADZ(m, x0 + j), y1 = LOADZ(m, x1 + j);                       \
            VT y2 = LOADZ(m, x2 + j), y3 = LOADZ(m, x3 + j);                       \
            CC_FOLD4_STEP(CMP, MOV, W, y0, v, wv)                                  \
            CC_FOLD4_STEP(CMP, MOV, W, y1, v, wv)                                  \
            CC_FOLD4_STEP(CMP, MOV, W, y2, v, wv)                                  \
            CC_FOLD4_STEP(CMP, MOV, W, y3, v, wv)                                  \
            STORE(c + j, m, v);                                                    \
        }                                                                          \
    }
#define CC_TAKE512(CMP, y, v, w)                                                   \
    ((want_max ? CMP(y, v, _CMP_GT_OQ) : CMP(v, y, _CMP_GT_OQ))                    \
     | (mode == 0 ? (CMP(y, y, _CMP_UNORD_Q) & CMP(v, v, _CMP_ORD_Q))              \
        : (CMP(v, v, _CMP_UNORD_Q) & CMP(y, y, _CMP_ORD_Q))))

__attribute__((target("avx512f"), always_inline))
static inline void cc_fold4v_f64_k(const double *x0, const double *x1, const double *x2,
                                   const double *x3, double *c, ptrdiff_t n,
                                   const int want_max, const int mode)
CC_FOLD4_BODY(double, 8, __m512d, _mm512_maskz_loadu_pd, _mm512_cmp_pd_mask,
              _mm512_mask_mov_pd, _mm512_mask_storeu_pd, _mm512_set1_pd, __mmask8)

__attribute__((target("avx512f"), always_inline))
static inline void cc_fold4v_f32_k(const float *x0, const float *x1, const float *x2,
                                   const float *x3, float *c, ptrdiff_t n,
                                   const int want_max, const int mode)
CC_FOLD4_BODY(float, 16, __m512, _mm512_maskz_loadu_ps, _mm512_cmp_ps_mask,
              _mm512_mask_mov_ps, _mm512_mask_storeu_ps, _mm512_set1_ps, __mmask16)
#undef CC_TAKE512
#undef CC_FOLD4_BODY
#undef CC_FOLD4_STEP

#define CC_FOLD4V(T, SFX)                                                          \
    __attribute__((target("avx512f"))) static void cc_fold4v_##SFX##_avx512(       \
        const T *x0, const T *x1, const T *x2, const T *x3, T *c, ptrdiff_t n,      \
        int want_max, int mode)                                                    \
    {                                                                              \
        if (want_max)                                                              \
            mode ? cc_fold4v_##SFX##_k(x0, x1, x2, x3, c, n, 1, 1)                 \
                 : cc_fold4v_##SFX##_k(x0, x1, x2, x3, c, n, 1, 0);                \
        else                                                                       \
            mode ? cc_fold4v_##SFX##_k(x0, x1, x2, x3, c, n, 0, 1)                 \
                 : cc_fold4v_##SFX##_k(x0, x1, x2, x3, c, n, 0, 0);                \
    }                                                                              \
    static int cc_fold4v_##SFX(const T *x0, const T *x1, const T *x2, const T *x3, \
                               T *c, ptrdiff_t n, int want_max, int mode)          \
    {                                                                              \
        if (cc_simd_level() < 2 || mode > 1)                                       \
            return 0;                                                              \
        cc_fold4v_##SFX##_avx512(x0, x1, x2, x3, c, n, want_max, mode);            \
        return 1;                                                                  \
    }
CC_FOLD4V(double, f64)
CC_FOLD4V(float, f32)
#undef CC_FOLD4V
#else
static int cc_fold4v_f64(const double *x0, const double *x1, const double *x2,
                         const double *x3, double *c, ptrdiff_t n, int want_max, int mode)
{
    (void)x0, (void)x1, (void)x2, (void)x3, (void)c, (void)n, (void)want_max, (void)mode;
    return 0;
}
static int cc_fold4v_f32(const float *x0, const float *x1, const float *x2,
                         const float *x3, float *c, ptrdiff_t n, int want_max, int mode)
{
    (void)x0, (void)x1, (void)x2, (void)x3, (void)c, (void)n, (void)want_max, (void)mode;
    return 0;
}
#endif

#ifdef CC_SIMD_WIDE
#define CC_FOLDX_WIDE(SFX)                                                         \
    switch (cc_simd_level()) {                                                     \
    case 2: cc_foldx_##SFX##_avx512(x, c, ci, ck, n, o, want_max, mode, need_idx); return; \
    case 1: cc_foldx_##SFX##_avx2(x, c, ci, ck, n, o, want_max, mode, need_idx); return;   \
    }
#else
#define CC_FOLDX_WIDE(SFX)
#endif
/* The widest fold the CPU runs; SSE2's two-pass fold for min/max values; else the rule */
#define CC_FOLDX(T, SFX)                                                           \
    static void cc_foldx_##SFX(const T *x, T *c, int64_t *ci, unsigned char *ck,    \
                               ptrdiff_t n, int64_t o, int want_max, int mode,      \
                               int need_idx)                                        \
    {                                                                              \
        ptrdiff_t j = 0;                                                           \
        CC_FOLDX_WIDE(SFX)                                                         \
        if (!need_idx && mode == 0) {                                              \
            cc_fold_##SFX(x, c, n, want_max);                                      \
            return;                                                                \
        }                                                                          \
        CC_FOLDX_SCALAR(T, INFINITY)                                               \
    }
CC_FOLDX(double, f64)
CC_FOLDX(float, f32)
#undef CC_FOLDX
#undef CC_FOLDX_WIDE
#undef CC_FOLDX_SCALAR

/* ---- argmin / argmax of a contiguous run in one pass (AVX-512) ----
 * Each lane keeps its first strictly better value and that value's index; the answer
 * is the smallest index among the lanes holding the best value (equal zeros of either
 * sign count as equal, as in NumPy's comparisons).  mode 0 (argmin/argmax): the first
 * NaN wins, found as soon as its vector is read.  mode 2 (nanarg*): NaN never wins.
 * Returns the index (and *val); -1 when no value beats the worst (+-inf or NaN only,
 * mode 2) and -2 without AVX-512: the caller's general rule decides those. */
#ifdef CC_SIMD_WIDE
/* W lanes lv/li (index -1: never taken) to the smallest index of the best value */
/* the best value `best` of the lanes lv/li (32 of them; never-taken lanes hold the
 * worst value, index -1) and `eq`, the lanes equal to it: the smallest index among
 * those (equal zeros of both signs included), or -1 when nothing beat the worst */
#define CC_ARGEXT_FINISH(T, lv, li, best, eq)                                      \
    {                                                                              \
        ptrdiff_t bidx = -1;                                                       \
        int bk = 0;                                                                \
        uint32_t e = (eq);                                                         \
        if (best == (want_max ? -(T)INFINITY : (T)INFINITY))                       \
            return -1;                                                             \
        while (e) {                                                                \
            int k = __builtin_ctz(e);                                              \
            if (bidx < 0 || li[k] < bidx) {                                        \
                bidx = (ptrdiff_t)li[k];                                           \
                bk = k;                                                            \
            }                                                                      \
            e &= e - 1;                                                            \
        }                                                                          \
        *val = lv[bk];  /* the element's own zero sign */                         \
        return bidx;                                                               \
    }

/* four independent chains (the compare-select chain is the loop's latency) */
#define CC_ARG_STEP(GT, MOVV, y, bv, bi, ix)                                       \
    {                                                                              \
        __typeof__(GT(y, bv)) gt_ = GT(y, bv);                                     \
        bv = MOVV(bv, gt_, y);                                                     \
        bi = _mm512_mask_mov_epi64(bi, gt_, ix);                                   \
    }

__attribute__((target("avx512f")))
static ptrdiff_t cc_argext_f64_avx512(const double *q, ptrdiff_t n, int want_max, int mode,
                                      double *val)
{
    const __m512d worst = _mm512_set1_pd(want_max ? -INFINITY : INFINITY);
    __m512d b0 = worst, b1 = worst, b2 = worst, b3 = worst;
    __m512i i0 = _mm512_set1_epi64(-1), i1 = i0, i2 = i0, i3 = i0;
    __m512i x0 = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    __m512i x1 = _mm512_add_epi64(x0, _mm512_set1_epi64(8));
    __m512i x2 = _mm512_add_epi64(x0, _mm512_set1_epi64(16));
    __m512i x3 = _mm512_add_epi64(x0, _mm512_set1_epi64(24));
    const __m512i step4 = _mm512_set1_epi64(32), step1 = _mm512_set1_epi64(8);
    double lv[32];
    int64_t li[32];
    ptrdiff_t i = 0, f;
#define GTMAX(a, b) _mm512_cmp_pd_mask(a, b, _CMP_GT_OQ)
#define GTMIN(a, b) _mm512_cmp_pd_mask(b, a, _CMP_GT_OQ)
#define NANS(a) _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q)
    for (; i + 32 <= n; i += 32) {
        __m512d y0 = _mm512_loadu_pd(q + i), y1 = _mm512_loadu_pd(q + i + 8);
        __m512d y2 = _mm512_loadu_pd(q + i + 16), y3 = _mm512_loadu_pd(q + i + 24);
        if (mode == 0 && (NANS(y0) | NANS(y1) | NANS(y2) | NANS(y3)))
            goto first_nan;
        if (want_max) {
            CC_ARG_STEP(GTMAX, _mm512_mask_mov_pd, y0, b0, i0, x0)
            CC_ARG_STEP(GTMAX, _mm512_mask_mov_pd, y1, b1, i1, x1)
            CC_ARG_STEP(GTMAX, _mm512_mask_mov_pd, y2, b2, i2, x2)
            CC_ARG_STEP(GTMAX, _mm512_mask_mov_pd, y3, b3, i3, x3)
        } else {
            CC_ARG_STEP(GTMIN, _mm512_mask_mov_pd, y0, b0, i0, x0)
            CC_ARG_STEP(GTMIN, _mm512_mask_mov_pd, y1, b1, i1, x1)
            CC_ARG_STEP(GTMIN, _mm512_mask_mov_pd, y2, b2, i2, x2)
            CC_ARG_STEP(GTMIN, _mm512_mask_mov_pd, y3, b3, i3, x3)
        }
        x0 = _mm512_add_epi64(x0, step4);
        x1 = _mm512_add_epi64(x1, step4);
        x2 = _mm512_add_epi64(x2, step4);
        x3 = _mm512_add_epi64(x3, step4);
    }
    for (; i < n; i += 8) {    /* the rest on chain 0, the last vector masked */
        __mmask8 m = n - i >= 8 ? 0xff : (__mmask8)((1u << (n - i)) - 1);
        __m512d y = _mm512_mask_loadu_pd(b0, m, q + i);  /* missing lanes: no change */
        if (mode == 0 && NANS(y))
            goto first_nan;
        if (want_max)
            CC_ARG_STEP(GTMAX, _mm512_mask_mov_pd, y, b0, i0, x0)
        else
            CC_ARG_STEP(GTMIN, _mm512_mask_mov_pd, y, b0, i0, x0)
        x0 = _mm512_add_epi64(x0, step1);
    }
#undef GTMAX
#undef GTMIN
#undef NANS
    _mm512_storeu_pd(lv, b0);
    _mm512_storeu_pd(lv + 8, b1);
    _mm512_storeu_pd(lv + 16, b2);
    _mm512_storeu_pd(lv + 24, b3);
    _mm512_storeu_si512((void *)li, i0);
    _mm512_storeu_si512((void *)(li + 8), i1);
    _mm512_storeu_si512((void *)(li + 16), i2);
    _mm512_storeu_si512((void *)(li + 24), i3);
    {
        __m512d m = want_max ? _mm512_max_pd(_mm512_max_pd(b0, b1), _mm512_max_pd(b2, b3))
                             : _mm512_min_pd(_mm512_min_pd(b0, b1), _mm512_min_pd(b2, b3));
        double best = want_max ? _mm512_reduce_max_pd(m) : _mm512_reduce_min_pd(m);
        __m512d bb = _mm512_set1_pd(best);
        uint32_t eq = (uint32_t)_mm512_cmp_pd_mask(b0, bb, _CMP_EQ_OQ)
                      | (uint32_t)_mm512_cmp_pd_mask(b1, bb, _CMP_EQ_OQ) << 8
                      | (uint32_t)_mm512_cmp_pd_mask(b2, bb, _CMP_EQ_OQ) << 16
                      | (uint32_t)_mm512_cmp_pd_mask(b3, bb, _CMP_EQ_OQ) << 24;
        CC_ARGEXT_FINISH(double, lv, li, best, eq)
    }
first_nan:  /* the first NaN is in the vectors just read: find it from i on */
    for (f = i; q[f] == q[f]; f++)
        ;
    *val = q[f];
    return f;
}

__attribute__((target("avx512f")))
static ptrdiff_t cc_argext_f32_avx512(const float *q, ptrdiff_t n, int want_max, int mode,
                                      float *val)
{
    /* 16 floats a vector, two chains; each chain's indices in two vectors of 8 */
    const __m512 worst = _mm512_set1_ps(want_max ? -INFINITY : INFINITY);
    __m512 b0 = worst, b1 = worst;
    __m512i l0 = _mm512_set1_epi64(-1), h0 = l0, l1 = l0, h1 = l0;
    __m512i xl0 = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    __m512i xh0 = _mm512_add_epi64(xl0, _mm512_set1_epi64(8));
    __m512i xl1 = _mm512_add_epi64(xl0, _mm512_set1_epi64(16));
    __m512i xh1 = _mm512_add_epi64(xl0, _mm512_set1_epi64(24));
    const __m512i step2 = _mm512_set1_epi64(32), step1 = _mm512_set1_epi64(16);
    float lv[32];
    int64_t li[32];
    ptrdiff_t i = 0, f;
#define GT(a, b) (want_max ? _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ) : _mm512_cmp_ps_mask(b, a, _CMP_GT_OQ))
#define NANS(a) _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q)
#define STEP16(y, b, lo, hi, xlo, xhi)                                             \
    {                                                                              \
        __mmask16 gt_ = GT(y, b);                                                  \
        b = _mm512_mask_mov_ps(b, gt_, y);                                         \
        lo = _mm512_mask_mov_epi64(lo, (__mmask8)gt_, xlo);                        \
        hi = _mm512_mask_mov_epi64(hi, (__mmask8)(gt_ >> 8), xhi);                 \
    }
    for (; i + 32 <= n; i += 32) {
        __m512 y0 = _mm512_loadu_ps(q + i), y1 = _mm512_loadu_ps(q + i + 16);
        if (mode == 0 && (NANS(y0) | NANS(y1)))
            goto first_nan;
        STEP16(y0, b0, l0, h0, xl0, xh0)
        STEP16(y1, b1, l1, h1, xl1, xh1)
        xl0 = _mm512_add_epi64(xl0, step2);
        xh0 = _mm512_add_epi64(xh0, step2);
        xl1 = _mm512_add_epi64(xl1, step2);
        xh1 = _mm512_add_epi64(xh1, step2);
    }
    for (; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xffff : (__mmask16)((1u << (n - i)) - 1);
        __m512 y = _mm512_mask_loadu_ps(b0, m, q + i);
        if (mode == 0 && NANS(y))
            goto first_nan;
        STEP16(y, b0, l0, h0, xl0, xh0)
        xl0 = _mm512_add_epi64(xl0, step1);
        xh0 = _mm512_add_epi64(xh0, step1);
    }
#undef GT
#undef NANS
#undef STEP16
    _mm512_storeu_ps(lv, b0);
    _mm512_storeu_ps(lv + 16, b1);
    _mm512_storeu_si512((void *)li, l0);
    _mm512_storeu_si512((void *)(li + 8), h0);
    _mm512_storeu_si512((void *)(li + 16), l1);
    _mm512_storeu_si512((void *)(li + 24), h1);
    {
        __m512 m = want_max ? _mm512_max_ps(b0, b1) : _mm512_min_ps(b0, b1);
        float best = want_max ? _mm512_reduce_max_ps(m) : _mm512_reduce_min_ps(m);
        __m512 bb = _mm512_set1_ps(best);
        uint32_t eq = (uint32_t)_mm512_cmp_ps_mask(b0, bb, _CMP_EQ_OQ)
                      | (uint32_t)_mm512_cmp_ps_mask(b1, bb, _CMP_EQ_OQ) << 16;
        CC_ARGEXT_FINISH(float, lv, li, best, eq)
    }
first_nan:
    for (f = i; q[f] == q[f]; f++)
        ;
    *val = q[f];
    return f;
}
#undef CC_ARG_STEP
#undef CC_ARGEXT_FINISH
#endif

static ptrdiff_t cc_argext_f64(const double *q, ptrdiff_t n, int want_max, int mode,
                               double *val)
{
#ifdef CC_SIMD_WIDE
    if (cc_simd_level() == 2)
        return cc_argext_f64_avx512(q, n, want_max, mode, val);
#endif
    (void)q, (void)n, (void)want_max, (void)mode, (void)val;
    return -2;
}

static ptrdiff_t cc_argext_f32(const float *q, ptrdiff_t n, int want_max, int mode,
                               float *val)
{
#ifdef CC_SIMD_WIDE
    if (cc_simd_level() == 2)
        return cc_argext_f32_avx512(q, n, want_max, mode, val);
#endif
    (void)q, (void)n, (void)want_max, (void)mode, (void)val;
    return -2;
}

/* ---- rows added into per-column accumulators (sums along a leading axis) ----
 * acc[j] += r[j] (four rows: in row order), and the squared deviations of var:
 * acc[j] += (x[j] - m[j])**2 (NaN as 0 with skip_nan).  Each column's additions
 * happen in the same order on every target, without contraction: the same bits. */
#if defined(__GNUC__) || defined(__clang__)
#define CC_ROWS_INLINE static inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define CC_ROWS_INLINE static __forceinline
#else
#define CC_ROWS_INLINE static inline
#endif
#define CC_ROWS_BODY(T)                                                            \
    CC_ROWS_INLINE void cc_addrow_##T##_k(T *acc, const T *r, ptrdiff_t n)          \
    {                                                                              \
        ptrdiff_t j;                                                               \
        for (j = 0; j < n; j++)                                                    \
            acc[j] = acc[j] + r[j];                                                \
    }                                                                              \
    CC_ROWS_INLINE void cc_addrow4_##T##_k(T *acc, const T *r0, const T *r1,        \
                                          const T *r2, const T *r3, ptrdiff_t n)   \
    {                                                                              \
        ptrdiff_t j;                                                               \
        for (j = 0; j < n; j++)                                                    \
            acc[j] = (((acc[j] + r0[j]) + r1[j]) + r2[j]) + r3[j];                 \
    }                                                                              \
    CC_ROWS_INLINE void cc_sqdevrow_##T##_k(T *acc, const T *x, const T *m,         \
                                           ptrdiff_t n, int skip_nan)              \
    {                                                                              \
        ptrdiff_t j;                                                               \
        if (skip_nan)                                                              \
            for (j = 0; j < n; j++) {                                              \
                T d = x[j] - m[j];                                                 \
                d = x[j] != x[j] ? (T)0 : d;                                       \
                acc[j] = acc[j] + d * d;                                           \
            }                                                                      \
        else                                                                       \
            for (j = 0; j < n; j++) {                                              \
                T d = x[j] - m[j];                                                 \
                acc[j] = acc[j] + d * d;                                           \
            }                                                                      \
    }
#define CC_ROWS_TARGET(T, TGT, ATTR)                                               \
    __attribute__((target(ATTR))) static void cc_addrow_##T##_##TGT(               \
        T *acc, const T *r, ptrdiff_t n) { cc_addrow_##T##_k(acc, r, n); }         \
    __attribute__((target(ATTR))) static void cc_addrow4_##T##_##TGT(              \
        T *acc, const T *r0, const T *r1, const T *r2, const T *r3, ptrdiff_t n)   \
        { cc_addrow4_##T##_k(acc, r0, r1, r2, r3, n); }                            \
    __attribute__((target(ATTR))) static void cc_sqdevrow_##T##_##TGT(             \
        T *acc, const T *x, const T *m, ptrdiff_t n, int skip_nan)                 \
        { cc_sqdevrow_##T##_k(acc, x, m, n, skip_nan); }
#define CC_ROWS(T)                                                                 \
    CC_ROWS_BODY(T)                                                                \
    CC_ROWS_WIDE(T)                                                                \
    static void cc_addrow_##T(T *acc, const T *r, ptrdiff_t n)                     \
    {                                                                              \
        CC_ROWS_PICK(cc_addrow_##T, (acc, r, n))                                   \
        cc_addrow_##T##_k(acc, r, n);                                              \
    }                                                                              \
    static void cc_addrow4_##T(T *acc, const T *r0, const T *r1, const T *r2,      \
                               const T *r3, ptrdiff_t n)                           \
    {                                                                              \
        CC_ROWS_PICK(cc_addrow4_##T, (acc, r0, r1, r2, r3, n))                     \
        cc_addrow4_##T##_k(acc, r0, r1, r2, r3, n);                                \
    }                                                                              \
    static void cc_sqdevrow_##T(T *acc, const T *x, const T *m, ptrdiff_t n,       \
                                int skip_nan)                                      \
    {                                                                              \
        CC_ROWS_PICK(cc_sqdevrow_##T, (acc, x, m, n, skip_nan))                    \
        cc_sqdevrow_##T##_k(acc, x, m, n, skip_nan);                               \
    }
#ifdef CC_SIMD_WIDE
#define CC_ROWS_WIDE(T)                                                            \
    CC_ROWS_TARGET(T, avx2, "avx2")                                                \
    CC_ROWS_TARGET(T, avx512, "avx512f,prefer-vector-width=512")
#define CC_ROWS_PICK(NAME, ARGS)                                                   \
    switch (cc_simd_level()) {                                                     \
    case 2: NAME##_avx512 ARGS; return;                                            \
    case 1: NAME##_avx2 ARGS; return;                                              \
    }
#else
#define CC_ROWS_WIDE(T)
#define CC_ROWS_PICK(NAME, ARGS)
#endif
typedef double cc_f64;
typedef float cc_f32;
CC_ROWS(cc_f64)
CC_ROWS(cc_f32)
#undef CC_ROWS
#undef CC_ROWS_BODY
#undef CC_ROWS_TARGET
#undef CC_ROWS_WIDE
#undef CC_ROWS_PICK
#undef CC_ROWS_INLINE
#endif
