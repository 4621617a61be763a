/* _vm_exp.h: kernels of the exp family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_EXP names every kernel defined here.
 *
 * float64 (all within 1 ULP, about 0.5x ULP in practice, see the tests):
 *   x = k'*ln2/16 + r (+ rl), k' = 16k + j, |r| <= ln2/32; rl is the rounding
 *   error of r (Cody-Waite, exact split of ln2/16).  2^(j/16) comes from a
 *   16-entry table as hi + lo; e^r - 1 = r + r^2 Q(r), Q of degree 5
 *   (error < 2^-65).
 *   exp, exp2: y = T_hi + (T_hi (p + rl) + T_lo), then 2^k added to the exponent.
 *   expm1: the same with a "short" table (T_hi has 21 bits) and r = r1 + r2
 *     where r1 has 32 bits, so E*r1 (E = 2^k T_hi) is exact and E - 1, E*r1 are
 *     summed with error-free transformations: relative error ~2^-60 everywhere.
 *     The same core gives tanh = -u / (2 + u), u = expm1(-2|x|), with one
 *     double-double correction of the quotient (Dekker product).
 *   cosh, sinh: e^y/2 +- e^-y/2 from the shared reduction of y = |x| (the
 *     polynomial's even and odd parts serve both), summed with Fast2Sum;
 *     sinh uses an odd polynomial for |x| < 0.25.
 *   Lanes outside the fast domain (NaN, inf, overflow/underflow regions) are
 *   recomputed with scalar libm; tanh and expm1's lower side need no such path.
 * float32 (through float64 lanes, rounded once): same scheme with a degree-4
 *   polynomial (error ~2^-37), inputs clamped so that the float64 result
 *   overflows/underflows exactly where float32 does; no scalar path.
 *   The float32 kernels themselves run in float32 lanes (see below) and use
 *   these float64-lane ones only for lanes outside their fast domain; tanh is
 *   a 32-interval table of degree-5 polynomials with an exact leading part, the
 *   polynomial and its tail in fused steps (cc_fm_fmaf).
 *
 * Only lane-wise operations (table lookups are exact) and FMA where written out
 * (cc_fm_fma: the reduction, the polynomial and the final scaling of exp and exp2, the
 * polynomial of expm1, tanh, sinh, cosh): the targets with FMA give the same bits,
 * the SSE2 baseline can differ from them in a last bit (see _vm_fma.h). */
#ifndef CC_LIST_EXP
#define CC_LIST_EXP(U, B)                                                      \
    U(exp, exp, expf) U(exp2, exp2, exp2f) U(expm1, expm1, expm1f)             \
    U(sinh, sinh, sinhf) U(cosh, cosh, coshf) U(tanh, tanh, tanhf)
#endif

#ifndef CC_SCALAR

#ifndef CC_EXP_CONSTS
#define CC_EXP_CONSTS
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
/* 2^(j/16) = CC_E_TH[j] + CC_E_TL[j] (hi correctly rounded) */
static const double cc_e_th[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
static const double cc_e_tl[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
    0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
    -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
    0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54};
/* the same with a 21-bit hi part (so that hi * (32-bit number) is exact) */
static const double cc_e_sh[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b55800000000p+0, 0x1.172b800000000p+0, 0x1.2387a00000000p+0,
    0x1.306fe00000000p+0, 0x1.3dea600000000p+0, 0x1.4bfdb00000000p+0, 0x1.5ab0800000000p+0,
    0x1.6a09e00000000p+0, 0x1.7a11400000000p+0, 0x1.8ace500000000p+0, 0x1.9c49200000000p+0,
    0x1.ae8a000000000p+0, 0x1.c199c00000000p+0, 0x1.d581900000000p+0, 0x1.ea4b000000000p+0};
static const double cc_e_sl[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.b3e6243d8a62ep-22, 0x1.e3ea8bd6e6fbep-23, 0x1.b9d588e19b07fp-22,
    0x1.4636e2a5bd1abp-25, 0x1.3048d088d6d05p-22, -0x1.564eaec715e34p-23, -0x1.15bd5eb539b68p-23,
    0x1.99fcef32422ccp-22, 0x1.cfac061b5f544p-22, 0x1.08aa836d6e9f1p-22, -0x1.f5703dbf8e0eep-22,
    -0x1.9a94b14a85e33p-22, -0x1.13d56b1eeef9ap-23, -0x1.1822dbc6d12fdp-23, -0x1.756dbc99e9c23p-22};

#define CC_E_SH 0x1.8p52           /* round-to-integer shift */
#define CC_E_SHBITS 0x4338000000000000LL
#define CC_E_ONEBITS 0x3ff0000000000000LL
#define CC_E_HALFBITS 0x3fe0000000000000LL
#define CC_E_SIGN ((long long)0x8000000000000000ULL)
#define CC_E_SPLITMASK ((long long)0xfffffffff8000000ULL) /* keep 26 bits */
#define CC_E_R1MASK ((long long)0xffffffffffe00000ULL) /* keep 32 bits */
#define CC_E_QUARTERBITS 0x3fd0000000000000LL
#define CC_E_INVL 0x1.71547652b82fep+4 /* 16/ln2 */
#define CC_E_L1 0x1.62e42fefa0000p-5   /* ln2/16, 37 bits */
#define CC_E_L2 0x1.cf79abc9e3b3ap-44  /* ln2/16 - L1 */
#define CC_E_L 0x1.62e42fefa39efp-5    /* ln2/16 */
#define CC_E_LN2 0x1.62e42fefa39efp-1
#define CC_E_LN2H 0x1.62e4300000000p-1
#define CC_E_LN2L -0x1.05c610ca86c39p-29
/* e^r - 1 = r + r^2 (Q0 + Q1 r + ... + Q5 r^5), |r| <= ln2/32, error < 2^-65 */
#define CC_E_Q0 0.5000000000000004
#define CC_E_Q1 0.16666666666666677
#define CC_E_Q2 0.041666666660538546
#define CC_E_Q3 0.008333333332404685
#define CC_E_Q4 0.0013889113309494161
#define CC_E_Q5 0.0001984155433750965
/* float32: e^r - 1 = r + r^2 (F0 + F1 r + F2 r^2), error < 2^-37 */
#define CC_E_F0 0.499999999839295
#define CC_E_F1 0.16667007843203646
#define CC_E_F2 0.041667662071516634
/* the same with 4 terms, error < 2^-47 (expm1, tanh: relative error near 0) */
#define CC_E_G0 0.4999999998672379
#define CC_E_G1 0.16666666663985197
#define CC_E_G2 0.04166757759135312
#define CC_E_G3 0.008333482538208946
/* sinh(y) = y + y^3 P(y^2), |y| <= 0.25, relative error < 2^-60 */
#define CC_E_S0 0.16666666666666666
#define CC_E_S1 0.008333333333333333
#define CC_E_S2 0.0001984126984126862
#define CC_E_S3 2.7557319229797475e-06
#define CC_E_S4 2.5052094407133717e-08
#define CC_E_S5 1.6075581015035382e-10
/* float32 fast kernels: 2^(j/32) = hi + lo in floats */
static const float cc_ef_th[32] __attribute__((aligned(64))) = {
    0x1.000000p+0f, 0x1.059b0ep+0f, 0x1.0b5586p+0f, 0x1.11301ep+0f, 0x1.172b84p+0f, 0x1.1d4874p+0f,
    0x1.2387a6p+0f, 0x1.29e9e0p+0f, 0x1.306fe0p+0f, 0x1.371a74p+0f, 0x1.3dea64p+0f, 0x1.44e086p+0f,
    0x1.4bfdaep+0f, 0x1.5342b6p+0f, 0x1.5ab07ep+0f, 0x1.6247ecp+0f, 0x1.6a09e6p+0f, 0x1.71f75ep+0f,
    0x1.7a1148p+0f, 0x1.82589ap+0f, 0x1.8ace54p+0f, 0x1.93737cp+0f, 0x1.9c4918p+0f, 0x1.a5503cp+0f,
    0x1.ae89fap+0f, 0x1.b7f770p+0f, 0x1.c199bep+0f, 0x1.cb720ep+0f, 0x1.d5818ep+0f, 0x1.dfc974p+0f,
    0x1.ea4afap+0f, 0x1.f50766p+0f};
static const float cc_ef_tl[32] __attribute__((aligned(64))) = {
    0x0.0p+0f, -0x1.9d4f52p-25f, 0x1.9f3122p-25f, -0x1.fdb496p-25f, -0x1.c15742p-27f, -0x1.d2e8cap-25f,
    0x1.ceac48p-25f, -0x1.5c0424p-25f, 0x1.4636e2p-25f, -0x1.18aac6p-25f, 0x1.824684p-25f, 0x1.8624b4p-30f,
    -0x1.593abcp-25f, -0x1.2c5610p-25f, -0x1.5bd5ecp-27f, -0x1.f8b550p-25f, 0x1.9fcef4p-26f, 0x1.1d8beep-25f,
    -0x1.829fd0p-25f, -0x1.accc7cp-26f, 0x1.15506ep-27f, -0x1.e64744p-25f, 0x1.51f848p-27f, -0x1.b83b54p-25f,
    -0x1.a94b14p-26f, -0x1.a09438p-25f, -0x1.3d56b2p-27f, -0x1.8837ccp-27f, -0x1.822dbcp-27f, -0x1.908c94p-25f,
    0x1.52486cp-27f, -0x1.246eb0p-26f};
#define CC_EF_SH 0x1.8p23f
#define CC_EF_INVL 0x1.715476p+5f /* 32/ln2 */
#define CC_EF_L1 0x1.62cp-6f      /* ln2/32, 11 bits */
#define CC_EF_L2 0x1.217f7ep-17f
#define CC_EF_LN2 0x1.62e430p-1f
#define CC_EF_C2 0.5000040650586988f /* e^r - 1 = r + r^2 (C2 + C3 r), |r| <= ln2/64 */
#define CC_EF_C3 0.16666756426996515f
/* the same with a 12-bit hi part */
static const float cc_ef_sh[32] __attribute__((aligned(64))) = {
    0x1.000p+0f, 0x1.05ap+0f, 0x1.0b6p+0f, 0x1.114p+0f, 0x1.172p+0f, 0x1.1d4p+0f, 0x1.238p+0f,
    0x1.29ep+0f, 0x1.306p+0f, 0x1.372p+0f, 0x1.3dep+0f, 0x1.44ep+0f, 0x1.4c0p+0f, 0x1.534p+0f,
    0x1.5acp+0f, 0x1.624p+0f, 0x1.6a0p+0f, 0x1.720p+0f, 0x1.7a2p+0f, 0x1.826p+0f, 0x1.8acp+0f,
    0x1.938p+0f, 0x1.9c4p+0f, 0x1.a56p+0f, 0x1.ae8p+0f, 0x1.b80p+0f, 0x1.c1ap+0f, 0x1.cb8p+0f,
    0x1.d58p+0f, 0x1.dfcp+0f, 0x1.ea4p+0f, 0x1.f50p+0f};
static const float cc_ef_sl[32] __attribute__((aligned(64))) = {
    0x0.0p+0f, -0x1.3cb3aap-14f, -0x1.4f260cp-13f, -0x1.fc5fdcp-13f, 0x1.7078fap-13f,
    0x1.0e62d2p-13f, 0x1.e9b9d6p-14f, 0x1.3bea40p-13f, 0x1.fc1464p-13f, -0x1.632316p-14f,
    0x1.4c9824p-13f, 0x1.0c0c32p-17f, -0x1.29564ep-15f, 0x1.5ab4eap-15f, -0x1.f04570p-13f,
    0x1.fac0eap-14f, 0x1.3cccfep-13f, -0x1.142e28p-13f, -0x1.d7182ap-13f, -0x1.d99accp-14f,
    0x1.ca8456p-13f, -0x1.909e64p-13f, 0x1.230548p-13f, -0x1.f89b84p-13f, 0x1.3f32b6p-13f,
    -0x1.121a0ap-13f, -0x1.9089eap-14f, -0x1.be4620p-13f, 0x1.8dcfbap-16f, 0x1.2e66f8p-13f,
    0x1.5f454ap-13f, 0x1.d96dbap-14f};
#define CC_EF_L3 -0x1.c610cap-42f
#define CC_EF_R1MASK ((int32_t)0xfffff000) /* keep 12 bits */
/* e^r - 1 = r + r^2 (D2 + D3 r + D4 r^2), |r| <= ln2/64, error 2^-42 */
#define CC_EF_D2 0.49999999998995603f
#define CC_EF_D3 0.16666751960151838f
#define CC_EF_D4 0.04166691551591845f
/* sinh y = y + y^3 (P0 + P1 y^2 + P2 y^4), y <= 0.25, relative error 2^-41 */
#define CC_EF_P0 0.16666666679056472f
#define CC_EF_P1 0.008333321314976706f
#define CC_EF_P2 0.00019874406537238453f
#endif /* CC_EXP_CONSTS */

#define CC_EF(name) CC_CAT(name, CC_SFX)

/* a where m is set, else b */
CC_INLINE vd CC_EF(cc_e_sel)(vl m, vd a, vd b)
{
    return (vd)(((vl)a & m) | ((vl)b & ~m));
}

CC_INLINE vd CC_EF(cc_e_splat)(double c) { return CC_CAT(cc_fm_c, CC_SFX)(c); }

/* t[j] for j in 0..15 */
CC_INLINE vd CC_EF(cc_e_lut)(const double *t, vl j)
{
#if CC_W == 8
    vd a, b;
    memcpy(&a, t, sizeof a);
    memcpy(&b, t + 8, sizeof b);
    return __builtin_shuffle(a, b, j);
#else
    vd r;
    int i;
    for (i = 0; i < CC_W; i++) r[i] = t[j[i]];
    return r;
#endif
}

/* nonzero when some lane of x is not <= lim (NaN included) */
CC_INLINE int CC_EF(cc_e_anyout)(vd x, double lim)
{
#if CC_W == 8 && defined(__AVX512F__)
    return _mm512_cmp_pd_mask((__m512d)x, _mm512_set1_pd(lim), _CMP_NLE_UQ) != 0;
#elif CC_W == 4 && defined(__AVX__)
    return _mm256_movemask_pd(_mm256_cmp_pd((__m256d)x, _mm256_set1_pd(lim), _CMP_NLE_UQ)) != 0;
#else
    vl m = ~(x <= lim);
    long long acc = 0;
    int i;
    for (i = 0; i < CC_W; i++) acc |= m[i];
    return acc != 0;
#endif
}

/* recompute with scalar libm the lanes where !(key <= lim) */
#define CC_E_FIXUP(res, x, key, lim, FN)                                       \
    if (__builtin_expect(CC_EF(cc_e_anyout)(key, lim), 0)) {                   \
        double xa_[CC_W], ka_[CC_W], ya_[CC_W];                                \
        int i_;                                                                \
        memcpy(xa_, &(x), sizeof xa_);                                         \
        memcpy(ka_, &(key), sizeof ka_);                                       \
        memcpy(ya_, &(res), sizeof ya_);                                       \
        for (i_ = 0; i_ < CC_W; i_++)                                          \
            if (!(ka_[i_] <= (lim))) ya_[i_] = FN(xa_[i_]);                    \
        memcpy(&(res), ya_, sizeof ya_);                                       \
    }

/* a < b ? a : b (MINPD: a NaN in b is passed through) */
CC_INLINE vd CC_EF(cc_e_min)(vd a, vd b)
{
#if CC_W == 8 && defined(__AVX512F__)
    return (vd)_mm512_min_pd((__m512d)a, (__m512d)b);
#elif CC_W == 4 && defined(__AVX__)
    return (vd)_mm256_min_pd((__m256d)a, (__m256d)b);
#elif CC_W == 2 && defined(__SSE2__)
    return (vd)_mm_min_pd((__m128d)a, (__m128d)b);
#else
    return CC_EF(cc_e_sel)(a < b, a, b);
#endif
}

CC_INLINE vd CC_EF(cc_e_fma)(vd a, vd b, vd c) { return CC_CAT(cc_fm_fma, CC_SFX)(a, b, c); }
CC_INLINE vd CC_EF(cc_e_abs)(vd x) { return (vd)((vl)x & ~CC_E_SIGN); }

/* 2^(k'/16 with j removed) as a double: 2^k * 2^(bias) */
CC_INLINE vd CC_EF(cc_e_pow2)(vl ki, long long basebits)
{
    return (vd)(((ki & ~15LL) << 48) + basebits);
}

/* ---------------- float64 ---------------- */

CC_INLINE vd CC_EF(cc_e_q)(vd r, vd r2)
{
    vd q01 = CC_EF(cc_e_fma)(r, CC_EF(cc_e_splat)(CC_E_Q1), CC_EF(cc_e_splat)(CC_E_Q0));
    vd q23 = CC_EF(cc_e_fma)(r, CC_EF(cc_e_splat)(CC_E_Q3), CC_EF(cc_e_splat)(CC_E_Q2));
    vd q45 = CC_EF(cc_e_fma)(r, CC_EF(cc_e_splat)(CC_E_Q5), CC_EF(cc_e_splat)(CC_E_Q4));
    return CC_EF(cc_e_fma)(r2, CC_EF(cc_e_fma)(r2, q45, q23), q01);
}

CC_INLINE vd CC_EF(cc_exp_k)(vd x)
{
    vd kd = x * CC_E_INVL + CC_E_SH;
    vl ki = (vl)kd;
    kd = kd - CC_E_SH;
    vd r0 = x - kd * CC_E_L1;       /* exact */
    vd r = CC_EF(cc_e_fma)(-kd, CC_EF(cc_e_splat)(CC_E_L2), r0);
    vd rl = CC_EF(cc_e_fma)(-kd, CC_EF(cc_e_splat)(CC_E_L2), r0 - r); /* r0 - r exact */
    vl j = ki & 15;
    vd th = CC_EF(cc_e_lut)(cc_e_th, j), tl = CC_EF(cc_e_lut)(cc_e_tl, j);
    vd r2 = r * r;
    vd p = CC_EF(cc_e_fma)(r2, CC_EF(cc_e_q)(r, r2), r);
    vd y = th + CC_EF(cc_e_fma)(th, p + rl, tl);
    vd res = (vd)((vl)y + ((ki & ~15LL) << 48));
    vd ax = CC_EF(cc_e_abs)(x);
    CC_E_FIXUP(res, x, ax, 708.0, exp)
    return res;
}

CC_INLINE vd CC_EF(cc_exp2_k)(vd x)
{
    vd kd = x * 16.0 + CC_E_SH;
    vl ki = (vl)kd;
    kd = kd - CC_E_SH;
    vd f = x - kd * 0.0625; /* exact, |f| <= 1/32 */
    /* r + rl = f * ln2 to ~2^-100 */
    vd fh = (vd)((vl)f & CC_E_SPLITMASK);
    vd fl = f - fh;
    vd r = f * CC_E_LN2;
    vd rl = (fh * CC_E_LN2H - r) + (fl * CC_E_LN2H + f * CC_E_LN2L);
    vl j = ki & 15;
    vd th = CC_EF(cc_e_lut)(cc_e_th, j), tl = CC_EF(cc_e_lut)(cc_e_tl, j);
    vd r2 = r * r;
    vd p = CC_EF(cc_e_fma)(r2, CC_EF(cc_e_q)(r, r2), r);
    vd y = th + CC_EF(cc_e_fma)(th, p + rl, tl);
    vd res = (vd)((vl)y + ((ki & ~15LL) << 48));
    vd ax = CC_EF(cc_e_abs)(x);
    CC_E_FIXUP(res, x, ax, 1020.0, exp2)
    return res;
}

/* e^x - 1 = s + t (unnormalised double-double, |t| <~ ulp(s)), x in [-45, 709] */
CC_INLINE void CC_EF(cc_e_expm1dd)(vd x, vd *ps, vd *pt)
{
    vd kd = x * CC_E_INVL + CC_E_SH;
    vl ki = (vl)kd;
    kd = kd - CC_E_SH;
    vd r0 = x - kd * CC_E_L1;       /* exact */
    vd r = CC_EF(cc_e_fma)(-kd, CC_EF(cc_e_splat)(CC_E_L2), r0);
    vd rl = CC_EF(cc_e_fma)(-kd, CC_EF(cc_e_splat)(CC_E_L2), r0 - r); /* r0 - r exact */
    vd r1 = (vd)((vl)r & CC_E_R1MASK); /* 32 significant bits, |r1| <= |r| */
    vd rr = r - r1;
    vl j = ki & 15;
    vd sc = CC_EF(cc_e_pow2)(ki, CC_E_ONEBITS);
    vd E = CC_EF(cc_e_lut)(cc_e_sh, j) * sc;
    vd El = CC_EF(cc_e_lut)(cc_e_sl, j) * sc;
    vd r2 = r * r;
    vd q = r2 * CC_EF(cc_e_q)(r, r2);
    /* A + Ae = E - 1 exactly (2Sum) */
    vd A = E - 1.0;
    vd bb = A - E;
    vd Ae = (E - (A - bb)) + (-1.0 - bb);
    /* S + Se = A + E*r1 exactly (Fast2Sum, |A| >= |E r1| or A == 0) */
    vd B = E * r1;
    vd S = A + B;
    vd Se = (A - S) + B;
    vd tail = CC_EF(cc_e_fma)(E, (rr + rl) + q, El * (1.0 + (r + q))) + (Se + Ae);
    *ps = S;
    *pt = tail;
}

CC_INLINE vd CC_EF(cc_expm1_k)(vd x)
{
    vd xc = CC_EF(cc_e_sel)(x < -45.0, CC_EF(cc_e_splat)(-45.0), x);
    vd s, t;
    CC_EF(cc_e_expm1dd)(xc, &s, &t);
    vd res = (vd)((vl)(s + t) | ((vl)x & CC_E_SIGN)); /* expm1(-0) = -0 */
    CC_E_FIXUP(res, x, x, 709.0, expm1)
    return res;
}

CC_INLINE vd CC_EF(cc_tanh_k)(vd x)
{
    vd y = CC_EF(cc_e_abs)(x);
    y = CC_EF(cc_e_min)(CC_EF(cc_e_splat)(22.0), y);
    vd s, t;
    CC_EF(cc_e_expm1dd)(y * -2.0, &s, &t);
    /* u = uh + ul = e^-2y - 1 in (-1, 0] */
    vd uh = s + t;
    vd ul = t - (uh - s);
    /* tanh y = -u / (2 + u) */
    vd dh = 2.0 + uh;
    vd dl = ((2.0 - dh) + uh) + ul;
    vd inv = 1.0 / dh;
    vd q0 = -uh * inv;
    /* rem = -u - q0 (dh + dl), with q0*dh = P + Pe exactly */
#if (CC_W == 8 && defined(__AVX512F__)) || (CC_W == 4 && defined(__FMA__))
    vd rem = CC_EF(cc_e_fma)(-q0, dh, -uh) /* exact: the same value as below */
             - CC_EF(cc_e_fma)(q0, dl, ul);
#else
    vd Pe, P = CC_CAT(cc_fm_mul22, CC_SFX)(q0, dh, &Pe);
    vd rem = ((-uh - P) - Pe) - CC_EF(cc_e_fma)(q0, dl, ul);
#endif
    vd res = CC_EF(cc_e_abs)(q0 + rem * inv);
    return (vd)((vl)res | ((vl)x & CC_E_SIGN));
}

/* e^y/4 = ah + at, e^-y/4 = bh + bt for y >= 0 (ah >= bh), y <= 711 */
CC_INLINE void CC_EF(cc_e_exppair)(vd y, vd *pah, vd *pat, vd *pbh, vd *pbt)
{
    vd kd = y * CC_E_INVL + CC_E_SH;
    vl ki = (vl)kd;
    kd = kd - CC_E_SH;
    vd r0 = y - kd * CC_E_L1;
    vd t = kd * CC_E_L2;
    vd r = r0 - t;
    vd rl = (r0 - r) - t;
    vl ni = (vl)CC_EF(cc_e_splat)(CC_E_SH) - ki; /* -k' */
    ni = (vl)CC_EF(cc_e_sel)(ni < -16000, (vd)(ni - ni - 16000), (vd)ni);
    vl ja = ki & 15, jb = ni & 15;
    vd sa = CC_EF(cc_e_pow2)(ki, CC_E_QUARTERBITS);
    vd sb = CC_EF(cc_e_pow2)(ni, CC_E_QUARTERBITS);
    vd r2 = r * r;
    vd ev = r2 * ((CC_E_Q0 + CC_E_Q2 * r2) + (r2 * r2) * CC_E_Q4);
    vd od = r + (r2 * r) * ((CC_E_Q1 + CC_E_Q3 * r2) + (r2 * r2) * CC_E_Q5);
    vd pa = (ev + od) + rl;
    vd pb = (ev - od) - rl;
    vd tah = CC_EF(cc_e_lut)(cc_e_th, ja), tal = CC_EF(cc_e_lut)(cc_e_tl, ja);
    vd tbh = CC_EF(cc_e_lut)(cc_e_th, jb), tbl = CC_EF(cc_e_lut)(cc_e_tl, jb);
    *pah = tah * sa;
    *pat = (tah * pa + tal) * sa;
    *pbh = tbh * sb;
    *pbt = (tbh * pb + tbl) * sb;
}

CC_INLINE vd CC_EF(cc_cosh_k)(vd x)
{
    vd y = CC_EF(cc_e_abs)(x);
    vd ah, at, bh, bt;
    /* beyond 711 the result overflows anyway; NaN propagates */
    CC_EF(cc_e_exppair)(CC_EF(cc_e_min)(CC_EF(cc_e_splat)(711.0), y), &ah, &at, &bh, &bt);
    vd H = ah + bh;
    vd He = (ah - H) + bh;
    return (H + ((He + at) + bt)) * 2.0;
}

CC_INLINE vd CC_EF(cc_sinh_k)(vd x)
{
    vd y = CC_EF(cc_e_abs)(x);
    vd ah, at, bh, bt;
    CC_EF(cc_e_exppair)(CC_EF(cc_e_min)(CC_EF(cc_e_splat)(711.0), y), &ah, &at, &bh, &bt);
    vd H = ah - bh;
    vd He = (ah - H) - bh;
    vd big = (H + ((He + at) - bt)) * 2.0;
    vd y2 = y * y;
    vd y4 = y2 * y2;
    vd P = ((CC_E_S0 + CC_E_S1 * y2) + y4 * (CC_E_S2 + CC_E_S3 * y2)) + (y4 * y4) * (CC_E_S4 + CC_E_S5 * y2);
    vd small = y + (y * y2) * P;
    vd res = CC_EF(cc_e_sel)(y < 0.25, small, big);
    return (vd)((vl)res | ((vl)x & CC_E_SIGN));
}

CC_UNARY_F64(exp_f64, CC_EF(cc_exp_k), 0.0)
CC_UNARY_F64(exp2_f64, CC_EF(cc_exp2_k), 0.0)
CC_UNARY_F64(expm1_f64, CC_EF(cc_expm1_k), 0.0)
CC_UNARY_F64(tanh_f64, CC_EF(cc_tanh_k), 0.0)
CC_UNARY_F64(cosh_f64, CC_EF(cc_cosh_k), 0.0)
CC_UNARY_F64(sinh_f64, CC_EF(cc_sinh_k), 0.0)

/* ---------------- float32 (float64 lanes, ~2^-37 relative) ---------------- */

/* E = 2^(k'/16) (exact power times table value), p = e^r - 1, for z = k' ln2/16 + r */
CC_INLINE vd CC_EF(cc_e_f32core)(vd z, vd *pp, int fine)
{
    vd kd = z * CC_E_INVL + CC_E_SH;
    vl ki = (vl)kd;
    kd = kd - CC_E_SH;
    vd r = z - kd * CC_E_L;
    vd r2 = r * r;
    if (fine)
        *pp = r + r2 * ((CC_E_G0 + CC_E_G1 * r) + r2 * (CC_E_G2 + CC_E_G3 * r));
    else
        *pp = r + r2 * (CC_E_F0 + CC_E_F1 * r + CC_E_F2 * r2);
    return CC_EF(cc_e_lut)(cc_e_th, ki & 15) * CC_EF(cc_e_pow2)(ki, CC_E_ONEBITS);
}

CC_INLINE vd CC_EF(cc_e_clamp)(vd x, double lo, double hi)
{
    x = CC_EF(cc_e_sel)(x < lo, CC_EF(cc_e_splat)(lo), x);
    return CC_EF(cc_e_sel)(x > hi, CC_EF(cc_e_splat)(hi), x);
}

CC_INLINE vd CC_EF(cc_expf_k)(vd x)
{
    vd p;
    vd E = CC_EF(cc_e_f32core)(CC_EF(cc_e_clamp)(x, -110.0, 100.0), &p, 0);
    return E + E * p;
}

CC_INLINE vd CC_EF(cc_exp2f_k)(vd x)
{
    x = CC_EF(cc_e_clamp)(x, -160.0, 140.0);
    vd kd = x * 16.0 + CC_E_SH;
    vl ki = (vl)kd;
    kd = kd - CC_E_SH;
    vd r = (x - kd * 0.0625) * CC_E_LN2;
    vd r2 = r * r;
    vd p = r + r2 * (CC_E_F0 + CC_E_F1 * r + CC_E_F2 * r2);
    vd E = CC_EF(cc_e_lut)(cc_e_th, ki & 15) * CC_EF(cc_e_pow2)(ki, CC_E_ONEBITS);
    return E + E * p;
}

CC_INLINE vd CC_EF(cc_expm1f_k)(vd x)
{
    vd p;
    vd E = CC_EF(cc_e_f32core)(CC_EF(cc_e_clamp)(x, -30.0, 100.0), &p, 1);
    return (E - 1.0) + E * p;
}



/* ---- float32 in float32 lanes (2W of them): exp, exp2 ----
 * x = k'/32 ln2 + r, 2^(j/32) = hi + lo from a 32-entry table, e^r - 1 = r +
 * r^2 (C2 + C3 r) (error 2^-33); y = hi + (hi p + lo), 2^k added to the
 * exponent.  Lanes whose result would not be a normal float (or NaN/inf)
 * are recomputed by the float64-lane kernels above. */

CC_INLINE vf CC_EF(cc_ef_lut)(const float *t, vi j)
{
#if CC_W == 8
    vf a, b;
    memcpy(&a, t, sizeof a);
    memcpy(&b, t + 16, sizeof b);
    return __builtin_shuffle(a, b, j);
#else
    vf r;
    int i;
    for (i = 0; i < 2 * CC_W; i++) r[i] = t[j[i]];
    return r;
#endif
}

CC_INLINE int CC_EF(cc_ef_anyout)(vf x, float lim)
{
#if CC_W == 8 && defined(__AVX512F__)
    return _mm512_cmp_ps_mask((__m512)x, _mm512_set1_ps(lim), _CMP_NLE_UQ) != 0;
#elif CC_W == 4 && defined(__AVX__)
    return _mm256_movemask_ps(_mm256_cmp_ps((__m256)x, _mm256_set1_ps(lim), _CMP_NLE_UQ)) != 0;
#else
    vi m = ~(x <= lim);
    int acc = 0, i;
    for (i = 0; i < 2 * CC_W; i++) acc |= m[i];
    return acc != 0;
#endif
}

/* lanes of res where !(key <= lim) := float64-lane kernel DK(x) */
#define CC_EF_FIXUP(res, x, key, lim, DK)                                      \
    if (__builtin_expect(CC_EF(cc_ef_anyout)(key, lim), 0)) {                  \
        float xa_[2 * CC_W], ka_[2 * CC_W], ya_[2 * CC_W];                     \
        vfh h_;                                                                \
        vd d_;                                                                 \
        int i_, c_;                                                            \
        memcpy(xa_, &(x), sizeof xa_);                                         \
        memcpy(ka_, &(key), sizeof ka_);                                       \
        memcpy(ya_, &(res), sizeof ya_);                                       \
        for (c_ = 0; c_ < 2; c_++) {                                           \
            memcpy(&h_, xa_ + c_ * CC_W, sizeof h_);                           \
            d_ = DK(__builtin_convertvector(h_, vd));                          \
            h_ = __builtin_convertvector(d_, vfh);                             \
            for (i_ = 0; i_ < CC_W; i_++)                                      \
                if (!(ka_[c_ * CC_W + i_] <= (lim))) ya_[c_ * CC_W + i_] = h_[i_]; \
        }                                                                      \
        memcpy(&(res), ya_, sizeof ya_);                                       \
    }

/* 2^(k'/32) (1 + p) for r, ki from the reduction */
CC_INLINE vf CC_EF(cc_ef_fin)(vf r, vi ki)
{
    vi j = ki & 31;
    vf th = CC_EF(cc_ef_lut)(cc_ef_th, j), tl = CC_EF(cc_ef_lut)(cc_ef_tl, j);
    vf p = r + (r * r) * (CC_EF_C2 + CC_EF_C3 * r);
    vf y = th + (th * p + tl);
    return (vf)((vi)y + ((ki & ~31) << 18));
}

CC_INLINE vf CC_EF(cc_expf_fast)(vf x)
{
    vf z = x * CC_EF_INVL + CC_EF_SH;
    vi ki = (vi)z;
    vf kf = z - CC_EF_SH;
    vf r = (x - kf * CC_EF_L1) - kf * CC_EF_L2;
    vf res = CC_EF(cc_ef_fin)(r, ki);
    vf ax = (vf)((vi)x & 0x7fffffff);
    CC_EF_FIXUP(res, x, ax, 87.0f, CC_EF(cc_expf_k))
    return res;
}

CC_INLINE vf CC_EF(cc_exp2f_fast)(vf x)
{
    vf z = x * 32.0f + CC_EF_SH;
    vi ki = (vi)z;
    vf kf = z - CC_EF_SH;
    vf r = (x - kf * 0.03125f) * CC_EF_LN2;
    vf res = CC_EF(cc_ef_fin)(r, ki);
    vf ax = (vf)((vi)x & 0x7fffffff);
    CC_EF_FIXUP(res, x, ax, 125.0f, CC_EF(cc_exp2f_k))
    return res;
}

CC_UNARY_F32L(exp_f32, CC_EF(cc_expf_fast), 0.0f)
CC_UNARY_F32L(exp2_f32, CC_EF(cc_exp2f_fast), 0.0f)

/* e^z - 1 = s + t in float32 lanes, z in [-20, 88]: as the float64 version,
 * with a 12-bit table hi part times a 12-bit head of r (exact product). */
CC_INLINE void CC_EF(cc_ef_expm1ff)(vf z, vf *ps, vf *pt)
{
    vf zz = z * CC_EF_INVL + CC_EF_SH;
    vi ki = (vi)zz;
    vf kf = zz - CC_EF_SH;
    vf r0 = z - kf * CC_EF_L1;
    vf t = kf * CC_EF_L2;
    vf r = r0 - t;
    vf rl = ((r0 - r) - t) - kf * CC_EF_L3;
    vf r1 = (vf)((vi)r & CC_EF_R1MASK);
    vf rr = r - r1;
    vi j = ki & 31;
    vf sc = (vf)(((ki & ~31) << 18) + 0x3f800000);
    vf E = CC_EF(cc_ef_lut)(cc_ef_sh, j) * sc;
    vf El = CC_EF(cc_ef_lut)(cc_ef_sl, j) * sc;
    vf q = (r * r) * ((CC_EF_D2 + CC_EF_D3 * r) + (r * r) * CC_EF_D4);
    vf A = E - 1.0f;
    vf bb = A - E;
    vf Ae = (E - (A - bb)) + (-1.0f - bb);
    vf B = E * r1;
    vf S = A + B;
    vf Se = (A - S) + B;
    *ps = S;
    *pt = (E * ((rr + rl) + q) + El * (1.0f + (r + q))) + (Se + Ae);
}

CC_INLINE vf CC_EF(cc_ef_sel)(vi m, vf a, vf b)
{
    return (vf)(((vi)a & m) | ((vi)b & ~m));
}

CC_INLINE vf CC_EF(cc_ef_splat)(float c)
{
    vf v = {0};
    return v + c;
}

CC_INLINE vf CC_EF(cc_expm1f_fast)(vf x)
{
    vf s, t;
    CC_EF(cc_ef_expm1ff)(CC_EF(cc_ef_sel)(x < -18.0f, CC_EF(cc_ef_splat)(-18.0f), x), &s, &t);
    vf res = (vf)((vi)(s + t) | ((vi)x & (int32_t)0x80000000));
    CC_EF_FIXUP(res, x, x, 88.0f, CC_EF(cc_expm1f_k))
    return res;
}

/* tanh in float32 lanes, y = |x| clamped to 9.05 (tanh rounds to 1 beyond 9.01):
 * 32 intervals indexed by the top bits of v = y + 1/2 (widths 1/16 on [0, 1/2),
 * then 1/8, 1/4, 1/2; the last one is [7, 9.05]).  With t = y - c (exact:
 * Sterbenz, or c = 0 on the first interval)
 *   tanh(c + t) = c0h + c1h t + t (c1l + t (c2 + ... + t c5)),
 * c a float near the middle of the interval where c0h = tanh(c) to 2^-36
 * (found by search), c1h a power of two (c1h t exact): S + e1 = c0h + c1h t
 * exactly (Fast2Sum), and the rest is a small tail, so the only large error is
 * the final rounding of S + tail.  Fit error < 2^-30 relative, tail errors
 * below 2^-32. */
#ifndef CC_ETH_TABLES
#define CC_ETH_TABLES
/* entry (k + 16) & 31 for interval k (the low 5 bits of (bits of v) >> 20) */
static const float cc_eth_cen[32] __attribute__((aligned(64))) = {
    0x1.9fff1p+0f, 0x1.e00076p+0f, 0x1.0fee3ap+1f, 0x1.2fee7ap+1f, 0x1.4ffca6p+1f, 0x1.7004ep+1f,
    0x1.8ff904p+1f, 0x1.affedap+1f, 0x1.e002cep+1f, 0x1.0fe318p+2f, 0x1.2ffe1ep+2f, 0x1.4fff82p+2f,
    0x1.6ffdbep+2f, 0x1.9002f4p+2f, 0x1.b00042p+2f, 0x1.cfdaf8p+2f, 0.0f, 0x1.7ff814p-4f,
    0x1.3febc8p-3f, 0x1.bffda6p-3f, 0x1.1ffe3ap-2f, 0x1.600068p-2f, 0x1.a0044cp-2f, 0x1.e00444p-2f,
    0x1.1ff3a2p-1f, 0x1.5ffc7cp-1f, 0x1.9fef8ap-1f, 0x1.dffc92p-1f, 0x1.0ffe9cp+0f, 0x1.3007fep+0f,
    0x1.5003c4p+0f, 0x1.701b82p+0f};
static const float cc_eth_c0h[32] __attribute__((aligned(64))) = {
    0x1.d9c6b6p-1f, 0x1.e878b4p-1f, 0x1.f1955cp-1f, 0x1.f73514p-1f, 0x1.faa74cp-1f, 0x1.fcc08cp-1f,
    0x1.fe06b4p-1f, 0x1.fecd66p-1f, 0x1.ff6f1ep-1f, 0x1.ffca7cp-1f, 0x1.ffec6p-1f, 0x1.fff8c8p-1f,
    0x1.fffd58p-1f, 0x1.ffff06p-1f, 0x1.ffffa4p-1f, 0x1.ffffdep-1f, 0.0f, 0x1.7ed928p-4f,
    0x1.3d580cp-3f, 0x1.b8fac6p-3f, 0x1.18a1f6p-2f, 0x1.52c322p-2f, 0x1.8a8b8ap-2f, 0x1.bfb1dep-2f,
    0x1.04ff48p-1f, 0x1.31559cp-1f, 0x1.577ff2p-1f, 0x1.77d6a4p-1f, 0x1.92bea4p-1f, 0x1.a8e0c6p-1f,
    0x1.bad6fp-1f, 0x1.c95bc2p-1f};
static const float cc_eth_c1h[32] __attribute__((aligned(64))) = {
    0x1.0p-3f, 0x1.0p-3f, 0x1.0p-4f, 0x1.0p-5f, 0x1.0p-6f, 0x1.0p-6f,
    0x1.0p-7f, 0x1.0p-8f, 0x1.0p-9f, 0x1.0p-10f, 0x1.0p-12f, 0x1.0p-13f,
    0x1.0p-15f, 0x1.0p-16f, 0x1.0p-17f, 0x1.0p-19f, 0x1.0p+0f, 0x1.0p+0f,
    0x1.0p+0f, 0x1.0p+0f, 0x1.0p+0f, 0x1.0p+0f, 0x1.0p+0f, 0x1.0p+0f,
    0x1.0p+0f, 0x1.0p-1f, 0x1.0p-1f, 0x1.0p-1f, 0x1.0p-1f, 0x1.0p-2f,
    0x1.0p-2f, 0x1.0p-2f};
static const float cc_eth_c1l[32] __attribute__((aligned(64))) = {
    0x1.330192p-6f, -0x1.20633ap-5f, -0x1.c95198p-8f, 0x1.6f3032p-9f, 0x1.518e9p-8f, -0x1.865e38p-9f,
    -0x1.eb55c8p-14f, 0x1.91f198p-11f, 0x1.0cd846p-12f, -0x1.4fd96ap-13f, 0x1.cfd01cp-15f, -0x1.9019a6p-17f,
    0x1.4ffc72p-17f, -0x1.8008a8p-22f, -0x1.1fff44p-19f, 0x1.0ef15p-23f, 0.0f, -0x1.1e4666p-7f,
    -0x1.89632cp-6f, -0x1.7bcf8p-5f, -0x1.33a2bp-4f, -0x1.c047dap-4f, -0x1.3008e8p-3f, -0x1.87775p-3f,
    -0x1.0a1788p-2f, 0x1.27a5ccp-3f, 0x1.98bf2cp-5f, -0x1.3e3444p-5f, -0x1.e66d24p-4f, 0x1.f6b556p-5f,
    0x1.f516c8p-10f, -0x1.88c5dcp-5f};
static const float cc_eth_c2[32] __attribute__((aligned(64))) = {
    -0x1.106658p-3f, -0x1.5ee77ep-4f, -0x1.ba071ap-5f, -0x1.12287cp-5f, -0x1.50d56ep-6f, -0x1.9bc70cp-7f,
    -0x1.f66068p-8f, -0x1.31868ap-8f, -0x1.2143acp-9f, -0x1.abd4ccp-11f, -0x1.39e7ccp-12f, -0x1.cded48p-14f,
    -0x1.53f4e8p-15f, -0x1.f3fe36p-17f, -0x1.701694p-18f, -0x1.10008cp-19f, 0.0f, -0x1.7b80e6p-4f,
    -0x1.35b96ep-3f, -0x1.a488cp-3f, -0x1.038e2ap-2f, -0x1.2dafd6p-2f, -0x1.4ff91ep-2f, -0x1.6a1eb6p-2f,
    -0x1.8259eap-2f, -0x1.897d74p-2f, -0x1.79c73cp-2f, -0x1.5aa416p-2f, -0x1.331678p-2f, -0x1.0895c6p-2f,
    -0x1.be39c8p-3f, -0x1.71a508p-3f};
static const float cc_eth_c3[32] __attribute__((aligned(64))) = {
    0x1.33e0cp-4f, 0x1.a85b3cp-5f, 0x1.15f894p-5f, 0x1.60efa4p-6f, 0x1.b7b4fcp-7f, 0x1.0f079p-7f,
    0x1.4c555ap-8f, 0x1.9575f8p-9f, 0x1.80d4c6p-10f, 0x1.1cff86p-11f, 0x1.a26a34p-13f, 0x1.33ea8cp-14f,
    0x1.c54334p-16f, 0x1.4d4e72p-17f, 0x1.eaa4dp-19f, 0x1.4f2cdap-20f, -0x1.55553ep-2f, -0x1.497bb4p-2f,
    -0x1.352438p-2f, -0x1.183a2ap-2f, -0x1.e925d8p-3f, -0x1.985c36p-3f, -0x1.427224p-3f, -0x1.d7200ap-4f,
    -0x1.bd96fep-5f, 0x1.d6dea4p-7f, 0x1.0703cp-4f, 0x1.8430ecp-4f, 0x1.bdb55p-4f, 0x1.c522bap-4f,
    0x1.abf50cp-4f, 0x1.8084bcp-4f};
static const float cc_eth_c4[32] __attribute__((aligned(64))) = {
    -0x1.9bb454p-6f, -0x1.559b64p-6f, -0x1.eb994ep-7f, -0x1.48c14ep-7f, -0x1.a603b6p-8f, -0x1.08c33cp-8f,
    -0x1.480c4ap-9f, -0x1.92b352p-10f, -0x1.838088p-11f, -0x1.1fd23cp-12f, -0x1.a714b8p-14f, -0x1.3776c8p-15f,
    -0x1.caecc8p-17f, -0x1.502cdcp-18f, -0x1.e92d16p-20f, -0x1.e31e76p-22f, 0.0f, 0x1.f30d86p-5f,
    0x1.8dd778p-4f, 0x1.04becp-3f, 0x1.32dd62p-3f, 0x1.4ffbf4p-3f, 0x1.5c2b32p-3f, 0x1.5862e4p-3f,
    0x1.3a0596p-3f, 0x1.e95ad8p-4f, 0x1.476842p-4f, 0x1.6339ep-5f, 0x1.da2702p-7f, -0x1.6dfc58p-8f,
    -0x1.218b26p-6f, -0x1.837b4ep-6f};
static const float cc_eth_c5[32] __attribute__((aligned(64))) = {
    0x1.6baf32p-10f, 0x1.2d03f8p-8f, 0x1.259f28p-8f, 0x1.bfc92ap-9f, 0x1.342f16p-9f, 0x1.91b0dcp-10f,
    0x1.fc1d6ep-11f, 0x1.3bef9ap-11f, 0x1.332d8ap-12f, 0x1.c95114p-14f, 0x1.51ea7p-15f, 0x1.f2034cp-17f,
    0x1.6ec5aap-18f, 0x1.0d6fp-19f, 0x1.8c34a8p-21f, 0x1.2f18dcp-24f, 0x1.107864p-3f, 0x1.f9e868p-4f,
    0x1.b79f52p-4f, 0x1.4c6872p-4f, 0x1.10e78ap-4f, 0x1.3cb2a4p-5f, 0x1.dbfb62p-7f, -0x1.1880a6p-7f,
    -0x1.584c8p-5f, -0x1.f2e00cp-5f, -0x1.016f78p-4f, -0x1.b43ea6p-5f, -0x1.401c32p-5f, -0x1.9ed496p-6f,
    -0x1.c8abfcp-7f, -0x1.701084p-8f};
#endif

CC_INLINE vf CC_EF(cc_eth_lut)(const float *t, vi j)
{
#if CC_W == 8
    vf a, b;
    memcpy(&a, t, sizeof a);
    memcpy(&b, t + 16, sizeof b);
    return __builtin_shuffle(a, b, j); /* indices taken modulo 32 */
#elif CC_W == 4 && defined(__AVX2__)
    /* four 8-entry permutes, then bits 3 and 4 of j pick one (blendv reads
     * the sign bit) */
    __m256i ji = (__m256i)j;
    __m256 m3 = (__m256)(j << 28), m4 = (__m256)(j << 27);
    __m256 p0 = _mm256_permutevar8x32_ps(_mm256_load_ps(t), ji);
    __m256 p1 = _mm256_permutevar8x32_ps(_mm256_load_ps(t + 8), ji);
    __m256 p2 = _mm256_permutevar8x32_ps(_mm256_load_ps(t + 16), ji);
    __m256 p3 = _mm256_permutevar8x32_ps(_mm256_load_ps(t + 24), ji);
    return (vf)_mm256_blendv_ps(_mm256_blendv_ps(p0, p1, m3), _mm256_blendv_ps(p2, p3, m3), m4);
#else
    vf r;
    int i;
    for (i = 0; i < 2 * CC_W; i++) r[i] = t[j[i] & 31];
    return r;
#endif
}

/* a < b ? a : b (MINPS: a NaN in b is passed through) */
CC_INLINE vf CC_EF(cc_ef_min)(vf a, vf b)
{
#if CC_W == 8 && defined(__AVX512F__)
    return (vf)_mm512_min_ps((__m512)a, (__m512)b);
#elif CC_W == 4 && defined(__AVX__)
    return (vf)_mm256_min_ps((__m256)a, (__m256)b);
#elif CC_W == 2 && defined(__SSE__)
    return (vf)_mm_min_ps((__m128)a, (__m128)b);
#else
    return CC_EF(cc_ef_sel)(a < b, a, b);
#endif
}

CC_INLINE vf CC_EF(cc_ef_fma)(vf a, vf b, vf c) { return CC_CAT(cc_fm_fmaf, CC_SFX)(a, b, c); }

CC_INLINE vf CC_EF(cc_tanhf_fast)(vf x)
{
    vf y = (vf)((vi)x & 0x7fffffff);
    y = CC_EF(cc_ef_min)(CC_EF(cc_ef_splat)(9.05f), y); /* NaN stays */
    vf v = CC_EF(cc_ef_min)(CC_EF(cc_ef_splat)(0x1.fffffep2f), y + 0.5f);
    vi j = (vi)v >> 20;
    vf t = y - CC_EF(cc_eth_lut)(cc_eth_cen, j);
    vf q = CC_EF(cc_ef_fma)(t, CC_EF(cc_eth_lut)(cc_eth_c5, j), CC_EF(cc_eth_lut)(cc_eth_c4, j));
    q = CC_EF(cc_ef_fma)(t, q, CC_EF(cc_eth_lut)(cc_eth_c3, j));
    q = CC_EF(cc_ef_fma)(t, q, CC_EF(cc_eth_lut)(cc_eth_c2, j));
    q = CC_EF(cc_ef_fma)(t, q, CC_EF(cc_eth_lut)(cc_eth_c1l, j));
    vf c0h = CC_EF(cc_eth_lut)(cc_eth_c0h, j);
    vf p1 = CC_EF(cc_eth_lut)(cc_eth_c1h, j) * t;
    vf S = c0h + p1;
    vf e1 = (c0h - S) + p1;
    vf res = S + CC_EF(cc_ef_fma)(t, q, e1); /* the tail t q + e1 */
    return (vf)((vi)res | ((vi)x & (int32_t)0x80000000));
}

/* max(a, b) of int32 lanes */
CC_INLINE vi CC_EF(cc_ef_maxi)(vi a, vi b)
{
#if CC_W == 8 && defined(__AVX512F__)
    return (vi)_mm512_max_epi32((__m512i)a, (__m512i)b);
#elif CC_W == 4 && defined(__AVX2__)
    return (vi)_mm256_max_epi32((__m256i)a, (__m256i)b);
#else
    vi m = a > b;
    return (a & m) | (b & ~m);
#endif
}

/* e^y/4 = ah + at, e^-y/4 = bh + bt (float32 lanes), 0 <= y <= 90.
 * y = k ln2/32 + r with ln2/32 = L1 + K2 + K3 (L1, K2 of 11 bits: kf*L1,
 * kf*K2 and both subtractions are exact), so r is only rounded once
 * (|error| < 2^-31.5). */
#define CC_EF_K2 0x1.214p-17f
#define CC_EF_K3 0x1.fbe8e8p-28f
CC_INLINE void CC_EF(cc_ef_pair)(vf y, vf *pah, vf *pat, vf *pbh, vf *pbt)
{
    /* the shift carries 4000 (= 125*32, 4000 << 18 = bits of 1/4): the low
     * bits of zz are 4000 + k, so (bits & ~31) << 18 is 2^(k>>5)/4 directly */
    vf zz = y * CC_EF_INVL + (CC_EF_SH + 4000.0f);
    vi ki = (vi)zz;
    vf kf = zz - (CC_EF_SH + 4000.0f);
    vf r = ((y - kf * CC_EF_L1) - kf * CC_EF_K2) - kf * CC_EF_K3;
    /* 4000 - k, kept >= 160 (e^-y/4 >= 2^-120) */
    vi ni = CC_EF(cc_ef_maxi)((vi)CC_EF(cc_ef_splat)(CC_EF_SH + 8000.0f) - ki,
                              (vi)CC_EF(cc_ef_splat)(0.0f) + 160);
    vf sa = (vf)((ki & ~31) << 18);
    vf sb = (vf)((ni & ~31) << 18);
    vf r2 = r * r;
    vf ev = r2 * CC_EF_C2; /* cosh r - 1, error 2^-33 */
    vf od = r + (r2 * r) * (1.0f / 6);
    vf pa = ev + od;
    vf pb = ev - od;
    vf tah = CC_EF(cc_eth_lut)(cc_ef_th, ki), tal = CC_EF(cc_eth_lut)(cc_ef_tl, ki);
    vf tbh = CC_EF(cc_eth_lut)(cc_ef_th, ni), tbl = CC_EF(cc_eth_lut)(cc_ef_tl, ni);
    *pah = tah * sa;
    *pat = (tah * pa + tal) * sa;
    *pbh = tbh * sb;
    *pbt = (tbh * pb + tbl) * sb;
}

CC_INLINE vf CC_EF(cc_coshf_fast)(vf x)
{
    vf y = (vf)((vi)x & 0x7fffffff);
    vf ah, at, bh, bt;
    CC_EF(cc_ef_pair)(CC_EF(cc_ef_min)(CC_EF(cc_ef_splat)(90.0f), y), &ah, &at, &bh, &bt);
    vf H = ah + bh;
    vf He = (ah - H) + bh;
    return (H + ((He + at) + bt)) * 2.0f;
}

CC_INLINE vf CC_EF(cc_sinhf_fast)(vf x)
{
    vf y = (vf)((vi)x & 0x7fffffff);
    vf ah, at, bh, bt;
    CC_EF(cc_ef_pair)(CC_EF(cc_ef_min)(CC_EF(cc_ef_splat)(90.0f), y), &ah, &at, &bh, &bt);
    vf H = ah - bh;
    vf He = (ah - H) - bh;
    vf big = (H + ((He + at) - bt)) * 2.0f;
    vf y2 = y * y;
    vf small = y + (y * y2) * ((CC_EF_P0 + CC_EF_P1 * y2) + (y2 * y2) * CC_EF_P2);
    vf res = CC_EF(cc_ef_sel)(y < 0.25f, small, big);
    return (vf)((vi)res | ((vi)x & (int32_t)0x80000000));
}

CC_UNARY_F32L(expm1_f32, CC_EF(cc_expm1f_fast), 0.0f)
CC_UNARY_F32L(tanh_f32, CC_EF(cc_tanhf_fast), 0.0f)
CC_UNARY_F32L(cosh_f32, CC_EF(cc_coshf_fast), 0.0f)
CC_UNARY_F32L(sinh_f32, CC_EF(cc_sinhf_fast), 0.0f)

#undef CC_EF
#endif /* !CC_SCALAR */
