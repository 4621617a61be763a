/* Extremes with SSE2 where available; the scalar loops define the results.
 *
 * GCC does not vectorise the select `x < m ? x : m` without -ffast-math, but
 * MINPD(x, m) computes exactly that (NaN and signed zeros included), as MAXPD
 * does `x > m ? x : m`: the SIMD and scalar paths give the same bits.
 */
#ifndef CONCORE_SIMD_H
#define CONCORE_SIMD_H

#include <stddef.h>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define CC_HAVE_SSE2 1
#endif

/* 8 lanes of running extremes over q[0:n8] (n8 a multiple of 8): lane j takes
 * elements i + j as  lane = x < lane ? x : lane  (max: >). NaN is never taken
 * into a lane; *anynan says whether one was seen. */
static void cc_lanes_f64(const double *q, ptrdiff_t n8, int want_max, double *lane, int *anynan)
{
    ptrdiff_t i = 0;
    int j, seen = 0;
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

#endif
