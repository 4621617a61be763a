/* _vm_fma.h: exact products and fused multiply-adds, included once per SIMD target by
 * _vmath.h before the kernel bodies (see the contract there). */
#ifndef CC_SCALAR

#ifndef CC_VM_FMA_ONCE
#define CC_VM_FMA_ONCE
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#define CC_SPLIT27 134217729.0 /* 2^27 + 1, Veltkamp */
#endif

#define CC_FM(name) CC_CAT(name, CC_SFX)
#if (defined(__x86_64__) || defined(__i386__)) && CC_W == 8 && defined(__AVX512F__)
#define CC_FM_512 1
#elif (defined(__x86_64__) || defined(__i386__)) && CC_W == 4 && defined(__AVX2__)
#define CC_FM_256 1
#endif

CC_INLINE vd CC_FM(cc_fm_c)(double c) /* c in every lane */
{
    return (vd){0} + c;
}

/* Dekker: a*b = p + e exactly (|a|, |b| well inside the range).  e = a*b - p is a
 * double there, so one fused multiply-subtract gives the same e where the target
 * has it (AVX-512F, the FMA of the avx2 target): fewer operations, the same bits. */
CC_INLINE vd CC_FM(cc_fm_mul22)(vd a, vd b, vd *e)
{
    vd p = a * b;
#if defined(CC_FM_512)
    *e = (vd)_mm512_fmsub_pd((__m512d)a, (__m512d)b, (__m512d)p);
    return p;
#elif defined(CC_FM_256) && defined(__FMA__)
    *e = (vd)_mm256_fmsub_pd((__m256d)a, (__m256d)b, (__m256d)p);
    return p;
#else
    vd ca = a * CC_SPLIT27, cb = b * CC_SPLIT27;
    vd ah = ca - (ca - a), bh = cb - (cb - b);
    vd al = a - ah, bl = b - bh;
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return p;
#endif
}

/* a*b + c for the fused steps of the polynomials.  Rounded once where the target
 * has FMA (AVX-512F, the avx2 target, a base build for a CPU with fast FMA): those
 * targets all give the same bits.  The SSE2 baseline (x86-64 CPUs without FMA)
 * rounds the product and the sum separately: as accurate, but a result can differ
 * in its last bit, rarely (an exact emulation there costs 5-13x the kernel time). */
CC_INLINE vd CC_FM(cc_fm_fma)(vd a, vd b, vd c)
{
#if defined(CC_FM_512)
    return (vd)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
#elif defined(CC_FM_256) && defined(__FMA__)
    return (vd)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
#elif defined(__FMA__) || defined(__FP_FAST_FMA)
    vd r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = __builtin_fma(a[j], b[j], c[j]);
    return r;
#else
    return a * b + c;
#endif
}

/* the same for float32 lanes (vf: 2W floats) */
CC_INLINE vf CC_FM(cc_fm_fmaf)(vf a, vf b, vf c)
{
#if defined(CC_FM_512)
    return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(CC_FM_256) && defined(__FMA__)
    return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#elif defined(__FMA__) || defined(__FP_FAST_FMA)
    vf r;
    int j;
    for (j = 0; j < 2 * CC_W; j++) r[j] = __builtin_fmaf(a[j], b[j], c[j]);
    return r;
#else
    return a * b + c;
#endif
}

#undef CC_FM_512
#undef CC_FM_256
#undef CC_FM
#endif /* CC_SCALAR */
