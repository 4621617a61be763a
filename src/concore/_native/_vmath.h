/* Vectorised elementwise math: one body per family, compiled for several SIMD
 * targets in one object, chosen at run time.
 *
 * The bodies (_vm_*.h) are written once with GCC/Clang vector extensions over
 * W lanes and are included here once per target:
 *
 *   base    x86-64 baseline (SSE2), W = 2      (also every non-x86 GCC/Clang build)
 *   avx2    target("avx2,fma"), W = 4
 *   avx512  target("avx512f,avx512dq"), W = 8
 *
 * No contraction (-ffp-contract=off) and only lane-wise operations: every target
 * gives the same bits (but for the exception below), which tests check by forcing
 * each target in turn.  FMA is written out where it is used (_vm_fma.h): the error
 * term of an exact product (cc_fm_mul22: a*b - p is representable, so it equals
 * Dekker's splitting on SSE2) and the fused steps of the exp, log, pow, sin and cos
 * polynomials (cc_fm_fma: the same bits on the AVX2 and AVX-512 targets; the SSE2
 * baseline rounds them in two steps).
 * Compilers without vector extensions (MSVC) get the scalar libm loops at the end
 * of this file.
 *
 * Contract of every kernel (the dispatcher is cc_<name>_<f64|f32>):
 *   unary:  void f(const T *x, T *y, intptr_t n)           y[i] = f(x[i])
 *   binary: void f(const T *a, const T *b, T *y, intptr_t n)
 * x, y contiguous; y may be x (in place).  n may be 0.
 */
#ifndef CONCORE_VMATH_H
#define CONCORE_VMATH_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GNUC__
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
/* Helpers inside bodies: CC_INLINE vd CC_CAT(name, CC_SFX)(vd x) { ... } */
#define CC_INLINE static inline __attribute__((always_inline))

/* Compile the functions between CC_BEGIN_<target> and CC_END_TARGET for that
 * target only (GCC and Clang spell it differently). */
#ifdef __clang__
#define CC_BEGIN_AVX2 _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define CC_BEGIN_AVX512 _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512dq\"))), apply_to = function)")
#define CC_END_TARGET _Pragma("clang attribute pop")
#else
#define CC_BEGIN_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma\")")
#define CC_BEGIN_AVX512 _Pragma("GCC push_options") \
    _Pragma("GCC target(\"avx512f,avx512dq,prefer-vector-width=512\")")
#define CC_END_TARGET _Pragma("GCC pop_options")
#endif

#define CC_CAT_(a, b) a##b
#define CC_CAT(a, b) CC_CAT_(a, b)

enum { CC_TARGET_BASE = 0, CC_TARGET_AVX2 = 1, CC_TARGET_AVX512 = 2 };

#if (defined(__GNUC__) || defined(__clang__)) && !defined(CONCORE_VMATH_SCALAR)
#define CC_VECTOR 1
#endif
#if defined(CC_VECTOR) && defined(__x86_64__)
#define CC_MULTI 1
#endif

/* The best target this CPU runs, or the one forced; -1 until first use.
 * Written once with the same value by any racing thread. */
static int cc_target_now = -1;

static int cc_target_best(void)
{
#ifdef CC_MULTI
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        return CC_TARGET_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return CC_TARGET_AVX2;
#endif
    return CC_TARGET_BASE;
}

static int cc_target(void)
{
    int t = cc_target_now;
    if (t < 0) {
        t = cc_target_best();
        cc_target_now = t;
    }
    return t;
}

/* Force a target (tests); -1 returns to the best one.  Returns the target in
 * use afterwards, or -1 when this CPU or build cannot run the one asked. */
static int cc_set_target(int t)
{
    int best = cc_target_best();
    if (t < 0) {
        cc_target_now = best;
        return best;
    }
    if (t > best)
        return -1;
    cc_target_now = t;
    return t;
}

#define CC_LISTS(U, B) CC_LIST_EXP(U, B) CC_LIST_LOG(U, B) CC_LIST_TRIG(U, B)

#ifdef CC_VECTOR

/* Lane-wise loops.  K(v) maps a vd to a vd; float32 goes through float64
 * lanes and rounds once at the end.  The tail is padded with PAD (a value in
 * the fast domain of the kernel) and computed by the same vector code, so
 * every element gets the same bits whatever its position. */
#define CC_UNARY_F64(NAME, K, PAD)                                          \
    static void CC_CAT(NAME, CC_SFX)(const double *x, double *y, intptr_t n) \
    {                                                                        \
        intptr_t i = 0;                                                      \
        for (; i + CC_W <= n; i += CC_W) {                                   \
            vd v;                                                            \
            memcpy(&v, x + i, sizeof v);                                     \
            v = K(v);                                                        \
            memcpy(y + i, &v, sizeof v);                                     \
        }                                                                    \
        if (i < n) {                                                         \
            double buf[CC_W];                                                \
            intptr_t j, r = n - i;                                           \
            vd v;                                                            \
            for (j = 0; j < CC_W; j++) buf[j] = j < r ? x[i + j] : (PAD);    \
            memcpy(&v, buf, sizeof v);                                       \
            v = K(v);                                                        \
            memcpy(buf, &v, sizeof v);                                       \
            for (j = 0; j < r; j++) y[i + j] = buf[j];                       \
        }                                                                    \
    }

#define CC_UNARY_F32(NAME, K, PAD)                                          \
    static void CC_CAT(NAME, CC_SFX)(const float *x, float *y, intptr_t n)   \
    {                                                                        \
        intptr_t i = 0;                                                      \
        for (; i + CC_W <= n; i += CC_W) {                                   \
            vfh h;                                                           \
            vd v;                                                            \
            memcpy(&h, x + i, sizeof h);                                     \
            v = K(__builtin_convertvector(h, vd));                           \
            h = __builtin_convertvector(v, vfh);                             \
            memcpy(y + i, &h, sizeof h);                                     \
        }                                                                    \
        if (i < n) {                                                         \
            float buf[CC_W];                                                 \
            intptr_t j, r = n - i;                                           \
            vfh h;                                                           \
            vd v;                                                            \
            for (j = 0; j < CC_W; j++) buf[j] = j < r ? x[i + j] : (PAD);    \
            memcpy(&h, buf, sizeof h);                                       \
            v = K(__builtin_convertvector(h, vd));                           \
            h = __builtin_convertvector(v, vfh);                             \
            memcpy(buf, &h, sizeof h);                                       \
            for (j = 0; j < r; j++) y[i + j] = buf[j];                       \
        }                                                                    \
    }

#define CC_BINARY_F64(NAME, K, PAD_A, PAD_B)                                 \
    static void CC_CAT(NAME, CC_SFX)(const double *a, const double *b,       \
                                     double *y, intptr_t n)                  \
    {                                                                        \
        intptr_t i = 0;                                                      \
        for (; i + CC_W <= n; i += CC_W) {                                   \
            vd u, v;                                                         \
            memcpy(&u, a + i, sizeof u);                                     \
            memcpy(&v, b + i, sizeof v);                                     \
            u = K(u, v);                                                     \
            memcpy(y + i, &u, sizeof u);                                     \
        }                                                                    \
        if (i < n) {                                                         \
            double ba[CC_W], bb[CC_W];                                       \
            intptr_t j, r = n - i;                                           \
            vd u, v;                                                         \
            for (j = 0; j < CC_W; j++) {                                     \
                ba[j] = j < r ? a[i + j] : (PAD_A);                          \
                bb[j] = j < r ? b[i + j] : (PAD_B);                          \
            }                                                                \
            memcpy(&u, ba, sizeof u);                                        \
            memcpy(&v, bb, sizeof v);                                        \
            u = K(u, v);                                                     \
            memcpy(ba, &u, sizeof u);                                        \
            for (j = 0; j < r; j++) y[i + j] = ba[j];                        \
        }                                                                    \
    }

/* As CC_BINARY_F64 for a long kernel split in CORE(a, b, &mask) and a cold
 * FIX(res, a, b) for the vectors whose mask ANY finds set: two vectors per step, so
 * that their dependency chains overlap, and one test for both. */
#define CC_BINARY_F64_X2(NAME, CORE, FIX, ANY, PAD_A, PAD_B)                 \
    static void CC_CAT(NAME, CC_SFX)(const double *a, const double *b,       \
                                     double *y, intptr_t n)                  \
    {                                                                        \
        double ba[2 * CC_W], bb[2 * CC_W];                                   \
        intptr_t i = 0, j, r;                                                \
        for (;; i += 2 * CC_W) {                                             \
            const double *pa = a + i, *pb = b + i;                           \
            double *py = y + i;                                              \
            vd u0, v0, u1, v1;                                               \
            vl m0, m1;                                                       \
            r = n - i;                                                       \
            if (r <= 0)                                                      \
                break;                                                       \
            if (r < 2 * CC_W) { /* the tail, padded */                       \
                for (j = 0; j < 2 * CC_W; j++) {                             \
                    ba[j] = j < r ? pa[j] : (PAD_A);                         \
                    bb[j] = j < r ? pb[j] : (PAD_B);                         \
                }                                                            \
                pa = ba, pb = bb, py = ba;                                   \
            }                                                                \
            memcpy(&u0, pa, sizeof u0);                                      \
            memcpy(&v0, pb, sizeof v0);                                      \
            memcpy(&u1, pa + CC_W, sizeof u1);                               \
            memcpy(&v1, pb + CC_W, sizeof v1);                               \
            vd r0 = CORE(u0, v0, &m0);                                       \
            vd r1 = CORE(u1, v1, &m1);                                       \
            if (__builtin_expect(ANY(m0 | m1), 0)) {                         \
                r0 = FIX(r0, u0, v0);                                        \
                r1 = FIX(r1, u1, v1);                                        \
            }                                                                \
            memcpy(py, &r0, sizeof r0);                                      \
            memcpy(py + CC_W, &r1, sizeof r1);                               \
            if (r < 2 * CC_W) {                                              \
                for (j = 0; j < r; j++)                                      \
                    y[i + j] = ba[j];                                        \
                break;                                                       \
            }                                                                \
        }                                                                    \
    }

#define CC_BINARY_F32(NAME, K, PAD_A, PAD_B)                                 \
    static void CC_CAT(NAME, CC_SFX)(const float *a, const float *b,         \
                                     float *y, intptr_t n)                   \
    {                                                                        \
        intptr_t i = 0;                                                      \
        for (; i + CC_W <= n; i += CC_W) {                                   \
            vfh g, h;                                                        \
            vd u;                                                            \
            memcpy(&g, a + i, sizeof g);                                     \
            memcpy(&h, b + i, sizeof h);                                     \
            u = K(__builtin_convertvector(g, vd), __builtin_convertvector(h, vd)); \
            g = __builtin_convertvector(u, vfh);                             \
            memcpy(y + i, &g, sizeof g);                                     \
        }                                                                    \
        if (i < n) {                                                         \
            float ba[CC_W], bb[CC_W];                                        \
            intptr_t j, r = n - i;                                           \
            vfh g, h;                                                        \
            vd u;                                                            \
            for (j = 0; j < CC_W; j++) {                                     \
                ba[j] = j < r ? a[i + j] : (PAD_A);                          \
                bb[j] = j < r ? b[i + j] : (PAD_B);                          \
            }                                                                \
            memcpy(&g, ba, sizeof g);                                        \
            memcpy(&h, bb, sizeof h);                                        \
            u = K(__builtin_convertvector(g, vd), __builtin_convertvector(h, vd)); \
            g = __builtin_convertvector(u, vfh);                             \
            memcpy(ba, &g, sizeof g);                                        \
            for (j = 0; j < r; j++) y[i + j] = ba[j];                        \
        }                                                                    \
    }

/* float32 in float32 lanes: K(vf) -> vf over 2W floats per vector. */
#define CC_UNARY_F32L(NAME, K, PAD)                                          \
    static void CC_CAT(NAME, CC_SFX)(const float *x, float *y, intptr_t n)   \
    {                                                                        \
        intptr_t i = 0;                                                      \
        for (; i + 2 * CC_W <= n; i += 2 * CC_W) {                           \
            vf v;                                                            \
            memcpy(&v, x + i, sizeof v);                                     \
            v = K(v);                                                        \
            memcpy(y + i, &v, sizeof v);                                     \
        }                                                                    \
        if (i < n) {                                                         \
            float buf[2 * CC_W];                                             \
            intptr_t j, r = n - i;                                           \
            vf v;                                                            \
            for (j = 0; j < 2 * CC_W; j++) buf[j] = j < r ? x[i + j] : (PAD); \
            memcpy(&v, buf, sizeof v);                                       \
            v = K(v);                                                        \
            memcpy(buf, &v, sizeof v);                                       \
            for (j = 0; j < r; j++) y[i + j] = buf[j];                       \
        }                                                                    \
    }

#define CC_BINARY_F32L(NAME, K, PAD_A, PAD_B)                                \
    static void CC_CAT(NAME, CC_SFX)(const float *a, const float *b,         \
                                     float *y, intptr_t n)                   \
    {                                                                        \
        intptr_t i = 0;                                                      \
        for (; i + 2 * CC_W <= n; i += 2 * CC_W) {                           \
            vf u, v;                                                         \
            memcpy(&u, a + i, sizeof u);                                     \
            memcpy(&v, b + i, sizeof v);                                     \
            u = K(u, v);                                                     \
            memcpy(y + i, &u, sizeof u);                                     \
        }                                                                    \
        if (i < n) {                                                         \
            float ba[2 * CC_W], bb[2 * CC_W];                                \
            intptr_t j, r = n - i;                                           \
            vf u, v;                                                         \
            for (j = 0; j < 2 * CC_W; j++) {                                 \
                ba[j] = j < r ? a[i + j] : (PAD_A);                          \
                bb[j] = j < r ? b[i + j] : (PAD_B);                          \
            }                                                                \
            memcpy(&u, ba, sizeof u);                                        \
            memcpy(&v, bb, sizeof v);                                        \
            u = K(u, v);                                                     \
            memcpy(ba, &u, sizeof u);                                        \
            for (j = 0; j < r; j++) y[i + j] = ba[j];                        \
        }                                                                    \
    }

/* One target's worth of kernels.  Inside the bodies:
 *   vd  W doubles    vl  W int64 (masks of comparisons)    vu  W uint64
 *   vfh W floats     vih W int32
 *   vf  2W floats    vi  2W int32 (float32 kernels in float lanes: CC_UNARY_F32L)
 * Reinterpret with a cast ((vl)v), convert with __builtin_convertvector.
 * Static inline helpers in a body must be named with CC_CAT(name, CC_SFX)
 * or declared inside the functions, since each body is included 3 times. */
#define CC_TYPES                                                             \
    typedef double CC_CAT(cc_vd, CC_SFX) __attribute__((vector_size(8 * CC_W)));   \
    typedef int64_t CC_CAT(cc_vl, CC_SFX) __attribute__((vector_size(8 * CC_W)));  \
    typedef uint64_t CC_CAT(cc_vu, CC_SFX) __attribute__((vector_size(8 * CC_W))); \
    typedef float CC_CAT(cc_vfh, CC_SFX) __attribute__((vector_size(4 * CC_W)));   \
    typedef int32_t CC_CAT(cc_vih, CC_SFX) __attribute__((vector_size(4 * CC_W))); \
    typedef float CC_CAT(cc_vf, CC_SFX) __attribute__((vector_size(8 * CC_W)));    \
    typedef int32_t CC_CAT(cc_vi, CC_SFX) __attribute__((vector_size(8 * CC_W)));

#define vd CC_CAT(cc_vd, CC_SFX)
#define vl CC_CAT(cc_vl, CC_SFX)
#define vu CC_CAT(cc_vu, CC_SFX)
#define vfh CC_CAT(cc_vfh, CC_SFX)
#define vih CC_CAT(cc_vih, CC_SFX)
#define vf CC_CAT(cc_vf, CC_SFX)
#define vi CC_CAT(cc_vi, CC_SFX)

/* ---- base target (W = 2: SSE2 compares whole vectors only at its width) ---- */
#define CC_W 2
#define CC_SFX _base
CC_TYPES
#include "_vm_fma.h"
#include "_vm_exp.h"
#include "_vm_log.h"
#include "_vm_trig.h"
#undef CC_SFX
#undef CC_W

#ifdef CC_MULTI
/* ---- AVX2 (no FMA on purpose) ---- */
CC_BEGIN_AVX2
#define CC_W 4
#define CC_SFX _avx2
CC_TYPES
#include "_vm_fma.h"
#include "_vm_exp.h"
#include "_vm_log.h"
#include "_vm_trig.h"
#undef CC_SFX
#undef CC_W
CC_END_TARGET

/* ---- AVX-512 ---- */
CC_BEGIN_AVX512
#define CC_W 8
#define CC_SFX _avx512
CC_TYPES
#include "_vm_fma.h"
#include "_vm_exp.h"
#include "_vm_log.h"
#include "_vm_trig.h"
#undef CC_SFX
#undef CC_W
CC_END_TARGET
#endif /* CC_MULTI */

#undef vd
#undef vl
#undef vu
#undef vfh
#undef vih
#undef vf
#undef vi

/* Each body lists its kernels once (guarded) as
 *   CC_LIST_<FAMILY>(U, B)  with  U(name, libm_f64, libm_f32)  per unary kernel
 *                           and   B(name, libm_f64, libm_f32)  per binary one;
 * the dispatchers below are cc_<name>_f64 and cc_<name>_f32. */

#ifdef CC_MULTI
#define CC_DISP_U1(NAME, T)                                                      \
    static void cc_##NAME(const T *x, T *y, intptr_t n)                          \
    {                                                                            \
        switch (cc_target()) {                                                   \
        case CC_TARGET_AVX512: NAME##_avx512(x, y, n); break;                    \
        case CC_TARGET_AVX2: NAME##_avx2(x, y, n); break;                        \
        default: NAME##_base(x, y, n);                                           \
        }                                                                        \
    }
#define CC_DISP_B1(NAME, T)                                                      \
    static void cc_##NAME(const T *a, const T *b, T *y, intptr_t n)              \
    {                                                                            \
        switch (cc_target()) {                                                   \
        case CC_TARGET_AVX512: NAME##_avx512(a, b, y, n); break;                 \
        case CC_TARGET_AVX2: NAME##_avx2(a, b, y, n); break;                     \
        default: NAME##_base(a, b, y, n);                                        \
        }                                                                        \
    }
#else
#define CC_DISP_U1(NAME, T)                                                      \
    static void cc_##NAME(const T *x, T *y, intptr_t n) { NAME##_base(x, y, n); }
#define CC_DISP_B1(NAME, T)                                                      \
    static void cc_##NAME(const T *a, const T *b, T *y, intptr_t n)              \
    {                                                                            \
        NAME##_base(a, b, y, n);                                                 \
    }
#endif
#define CC_DISP_U(NAME, F64, F32) CC_DISP_U1(NAME##_f64, double) CC_DISP_U1(NAME##_f32, float)
#define CC_DISP_B(NAME, F64, F32) CC_DISP_B1(NAME##_f64, double) CC_DISP_B1(NAME##_f32, float)
CC_LISTS(CC_DISP_U, CC_DISP_B)

#else /* !CC_VECTOR: scalar libm loops (MSVC) */

#define CC_SCALAR 1
#include "_vm_exp.h"
#include "_vm_log.h"
#include "_vm_trig.h"
#define CC_SCAL_U(NAME, F64, F32)                                                \
    static void cc_##NAME##_f64(const double *x, double *y, intptr_t n)          \
    {                                                                            \
        intptr_t i;                                                              \
        for (i = 0; i < n; i++) y[i] = F64(x[i]);                                \
    }                                                                            \
    static void cc_##NAME##_f32(const float *x, float *y, intptr_t n)            \
    {                                                                            \
        intptr_t i;                                                              \
        for (i = 0; i < n; i++) y[i] = F32(x[i]);                                \
    }
#define CC_SCAL_B(NAME, F64, F32)                                                \
    static void cc_##NAME##_f64(const double *a, const double *b, double *y, intptr_t n) \
    {                                                                            \
        intptr_t i;                                                              \
        for (i = 0; i < n; i++) y[i] = F64(a[i], b[i]);                          \
    }                                                                            \
    static void cc_##NAME##_f32(const float *a, const float *b, float *y, intptr_t n) \
    {                                                                            \
        intptr_t i;                                                              \
        for (i = 0; i < n; i++) y[i] = F32(a[i], b[i]);                          \
    }
CC_LISTS(CC_SCAL_U, CC_SCAL_B)

#endif /* CC_VECTOR */

#endif /* CONCORE_VMATH_H */
