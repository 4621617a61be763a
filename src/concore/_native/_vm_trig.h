/* _vm_trig.h: kernels of the trig family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_TRIG names every kernel defined here.
 *
 * float64: sin/cos/tan reduce by pi/2 in four Cody-Waite parts (33+33+33+53 bits,
 * exact products for |k| < 2^20) into a double-double r = hi + lo, then use the
 * FreeBSD msun (fdlibm) kernels __kernel_sin/__kernel_cos/__kernel_tan (those of sin
 * and cos with their polynomials in fused steps: the SSE2 baseline can differ in a
 * last bit, see _vm_fma.h; max 0.77 ULP measured), evaluated for all lanes and
 * selected by quadrant.  Lanes with |x| > 2^20, inf or NaN go
 * to scalar libm (Payne-Hanek there).  asin/acos/atan are msun's algorithms with
 * every branch computed and blended; atan2 reduces y/x like atan but forms the
 * reduced argument from x and y directly (no rounded quotient), with a Dekker
 * correction for the unreduced range, and its own table for x < 0.
 * float32: the same lanes in double with shorter polynomials (error < 2^-40
 * before the final rounding to float), except sin/cos: float lanes (2W per
 * vector), |x| <= 1024 reduced by pi/2 in float into hi - nl (see CCG_*), sin
 * and cos polynomials with the lo terms, selected by quadrant (max 0.81 ULP,
 * exhaustively checked); lanes with |x| > 1024, NaN, or |r| < 2^-10 (k != 0)
 * are redone by the float64-lane kernels. */
#ifndef CC_LIST_TRIG
#define CC_LIST_TRIG(U, B)                                                       \
    U(sin, sin, sinf) U(cos, cos, cosf) U(tan, tan, tanf)                        \
    U(arcsin, asin, asinf) U(arccos, acos, acosf) U(arctan, atan, atanf)         \
    B(arctan2, atan2, atan2f)

/* ---- constants (defined once) ---- */
#define CCT_SHIFT 0x1.8p52
#define CCT_2OPI 0x1.45f306dc9c883p-1
#define CCT_C1 0x1.921fb54400000p+0 /* pi/2 in 33 + 33 + 33 + 53 bits */
#define CCT_C2 0x1.0b4611a600000p-34
#define CCT_C3 0x1.3198a2e000000p-69
#define CCT_C4 0x1.b839a252049c1p-104
#define CCT_BOUND 0x1p20
#define CCT_PIO2_HI 0x1.921fb54442d18p+0
#define CCT_PIO2_LO 0x1.1a62633145c07p-54
#define CCT_PIO4_HI 0x1.921fb54442d18p-1
#define CCT_PIO4_LO 0x1.1a62633145c07p-55
#define CCT_PI_HI 0x1.921fb54442d18p+1
#define CCT_PI_LO 0x1.1a62633145c07p-53
#define CCT_SIGN ((int64_t)0x8000000000000000ULL)
#define CCT_ABS ((int64_t)0x7fffffffffffffffLL)
#define CCT_HI32 ((int64_t)0xffffffff00000000ULL)
/* msun __kernel_sin */
#define CCT_S1 -1.66666666666666324348e-01
#define CCT_S2 8.33333333332248946124e-03
#define CCT_S3 -1.98412698298579493134e-04
#define CCT_S4 2.75573137070700676789e-06
#define CCT_S5 -2.50507602534068634195e-08
#define CCT_S6 1.58969099521155010221e-10
/* msun __kernel_cos */
#define CCT_K1 4.16666666666666019037e-02
#define CCT_K2 -1.38888888888741095749e-03
#define CCT_K3 2.48015872894767294178e-05
#define CCT_K4 -2.75573143513906633035e-07
#define CCT_K5 2.08757232129817482790e-09
#define CCT_K6 -1.13596475577881948265e-11
/* msun __kernel_tan */
#define CCT_T0 3.33333333333334091986e-01
#define CCT_T1 1.33333333333201242699e-01
#define CCT_T2 5.39682539762260521377e-02
#define CCT_T3 2.18694882948595424599e-02
#define CCT_T4 8.86323982359930005737e-03
#define CCT_T5 3.59207910759131235356e-03
#define CCT_T6 1.45620945432529025516e-03
#define CCT_T7 5.88041240820264096874e-04
#define CCT_T8 2.46463134818469906812e-04
#define CCT_T9 7.81794442939557092300e-05
#define CCT_T10 7.14072491382608190305e-05
#define CCT_T11 -1.85586374855275456654e-05
#define CCT_T12 2.59073051863633712884e-05
#define CCT_TBIG 0x1.59428p-1 /* high word 0x3FE59428: |x| >= 0.6744 */
/* msun asin/acos */
#define CCT_PS0 1.66666666666666657415e-01
#define CCT_PS1 -3.25565818622400915405e-01
#define CCT_PS2 2.01212532134862925881e-01
#define CCT_PS3 -4.00555345006794114027e-02
#define CCT_PS4 7.91534994289814532176e-04
#define CCT_PS5 3.47933107596021167570e-05
#define CCT_QS1 -2.40339491173441421878e+00
#define CCT_QS2 2.02094576023350569471e+00
#define CCT_QS3 -6.88283971605453293030e-01
#define CCT_QS4 7.70381505559019352791e-02
/* msun atan */
#define CCT_AH0 4.63647609000806093515e-01
#define CCT_AH1 7.85398163397448278999e-01
#define CCT_AH2 9.82793723247329054082e-01
#define CCT_AH3 1.57079632679489655800e+00
#define CCT_AL0 2.26987774529616870924e-17
#define CCT_AL1 3.06161699786838301793e-17
#define CCT_AL2 1.39033110312309984516e-17
#define CCT_AL3 6.12323399573676603587e-17
/* pi - atan(c), c = 0, 1/2, 1, 3/2, inf: hi and lo */
#define CCT_BH0 0x1.56c6e7397f5aep+1
#define CCT_BH1 0x1.2d97c7f3321d2p+1
#define CCT_BH2 0x1.145385fa3af71p+1
#define CCT_BL0 0x1.660b64ece6f4bp-53
#define CCT_BL1 0x1.a79394c9e8a0ap-54
#define CCT_BL2 0x1.fa53523b6428fp-53
#define CCT_AT0 3.33333333333329318027e-01
#define CCT_AT1 -1.99999999998764832476e-01
#define CCT_AT2 1.42857142725034663711e-01
#define CCT_AT3 -1.11111104054623557880e-01
#define CCT_AT4 9.09088713343650656196e-02
#define CCT_AT5 -7.69187620504482999495e-02
#define CCT_AT6 6.66107313738753120669e-02
#define CCT_AT7 -5.83357013379057348645e-02
#define CCT_AT8 4.97687799461593236017e-02
#define CCT_AT9 -3.65315727442169155270e-02
#define CCT_AT10 1.62858201153657823623e-02
/* float32 lanes (computed in double): minimax polynomials, error < 2^-32 */
#define CCF_1OPI 0x1.45f306dc9c883p-2
#define CCF_P1 0x1.921fb54400000p+1 /* pi in 33 + 53 bits */
#define CCF_P2 0x1.0b4611a626331p-33
#define CCF_C2 0x1.0b4611a626331p-34 /* pi/2 - CCT_C1 */
#define CCF_T8 0x1.a827999fcef32p-2  /* tan(pi/8) */
#define CCF_T38 0x1.3504f333f9de6p+1 /* tan(3pi/8) */
/* sin(r) = r (1 + z P(z)), |r| <= pi/2 */
#define CCF_S0 -0x1.5555555460405p-3
#define CCF_S1 0x1.11110fda4b060p-7
#define CCF_S2 -0x1.a019055e06b93p-13
#define CCF_S3 0x1.71967be87ad70p-19
#define CCF_S4 -0x1.9daef08ed1209p-26
/* |r| <= pi/4: sin(r) = r (1 + z P(z)), cos(r) = 1 + z Q(z) */
#define CCF_TS0 -0x1.555555545c09ep-3
#define CCF_TS1 0x1.11110de9f7266p-7
#define CCF_TS2 -0x1.a013a048fc277p-13
#define CCF_TS3 0x1.6dbb9de14bff5p-19
#define CCF_TC0 -0x1.fffffffaa75b1p-2
#define CCF_TC1 0x1.55554cad67068p-5
#define CCF_TC2 -0x1.6c0dfebba5629p-10
#define CCF_TC3 0x1.9a6bebe1e7f79p-16
/* asin(v) = v (1 + t P(t)), t = v^2 <= 1/4 */
#define CCF_A0 0x1.5555555ce9a99p-3
#define CCF_A1 0x1.33331cbdcd8fap-4
#define CCF_A2 0x1.6dc1b33119bb6p-5
#define CCF_A3 0x1.efd3b81109cb9p-6
#define CCF_A4 0x1.83a73371fb256p-6
#define CCF_A5 0x1.54cb7f8c200f4p-7
#define CCF_A6 0x1.ff50e1d060ef8p-6
/* atan(v) = v (1 + z P(z)), |v| <= tan(pi/8) */
#define CCF_T0 -0x1.5555554c90978p-2
#define CCF_T1 0x1.99997c34f5596p-3
#define CCF_T2 -0x1.248a49614ee9fp-3
#define CCF_T3 0x1.c581c52828f32p-4
#define CCF_T4 -0x1.616ae59fe9e02p-4
#define CCF_T5 0x1.9e361edf1e6fdp-5
/* float32 in float lanes: |x| <= 1024, k = rint(x 2/pi) <= 652 < 2^10, pi/2 in
 * 14 + 11 + 24 bits: k C1, k C2 exact, so is h = x - k C1 - k C2 (multiples of
 * 2^-24 below 1); hi - nl = h - k C3 with an error < 2^-39.6 (|hi| >= 2^-10
 * outside the hard lanes: relative 2^-29.6) */
#define CCG_2OPI 0x1.45f306p-1f
#define CCG_SH 0x1.8p23f
#define CCG_C1 0x1.9218p+0f
#define CCG_C2 0x1.ed4p-14f
#define CCG_C3 0x1.110b46p-26f
#define CCG_BOUND 1024.0f
/* |r| <= pi/4: sin r = r + r z S(z), cos r = 1 - z/2 + z^2 K(z), z = r^2 (float) */
#define CCG_S0 -0x1.555556p-3f
#define CCG_S1 0x1.11110ep-7f
#define CCG_S2 -0x1.a01398p-13f
#define CCG_S3 0x1.6db8f0p-19f
#define CCG_K0 0x1.555554p-5f
#define CCG_K1 -0x1.6c12cap-10f
#define CCG_K2 0x1.9bd382p-16f
#endif /* CC_LIST_TRIG */

#ifndef CC_SCALAR
#if defined(__x86_64__) && !defined(CCT_IMM)
#define CCT_IMM
#include <immintrin.h>
#endif

#define CCT_(n) CC_CAT(cct_##n, CC_SFX)

/* m ? a : b, lane-wise (m is all ones or all zeros per lane) */
CC_INLINE vd CCT_(sel)(vl m, vd a, vd b) { return (vd)(((vl)a & m) | ((vl)b & ~m)); }
CC_INLINE vd CCT_(fabs)(vd x) { return (vd)((vl)x & CCT_ABS); }
/* any lane of m set (rare-path test, so cheap: movemask on x86) */
CC_INLINE int CCT_(any)(vl m)
{
#if defined(__x86_64__) && CC_W == 8
    return _mm512_movepi64_mask((__m512i)m) != 0;
#elif defined(__x86_64__) && CC_W == 4
    __m128i lo, hi;
    memcpy(&lo, &m, 16);
    memcpy(&hi, (char *)&m + 16, 16);
    return _mm_movemask_pd(_mm_castsi128_pd(_mm_or_si128(lo, hi))) != 0;
#else
    int64_t a = 0;
    int j;
    for (j = 0; j < CC_W; j++) a |= m[j];
    return a != 0;
#endif
}
/* r = x - k pi/2 as hi + lo (|lo| <= ulp(hi)/2), q = k mod 4 in the low bits */
CC_INLINE void CCT_(reduce)(vd x, vd *hi, vd *lo, vl *q)
{
    vd t = x * CCT_2OPI + CCT_SHIFT;
    vd k = t - CCT_SHIFT;
    vd a, b, r1, bv, av, e1, c, r2, e2, l, h;
    *q = (vl)t;
    a = x - k * CCT_C1; /* exact */
    b = k * CCT_C2;     /* exact */
    r1 = a - b;
    bv = r1 - a;
    av = r1 - bv;
    e1 = (a - av) - (b + bv);
    c = k * CCT_C3; /* exact */
    r2 = r1 - c;
    bv = r2 - r1;
    av = r2 - bv;
    e2 = (r1 - av) - (c + bv);
    l = (e1 + e2) - k * CCT_C4;
    h = r2 + l;
    *lo = (r2 - h) + l;
    *hi = h;
}
/* msun's kernels with the polynomials in fused steps (cc_fm_fma) */
#define CCT_FMA(a, b, c) CC_CAT(cc_fm_fma, CC_SFX)(a, b, c)
#define CCT_C(c) CC_CAT(cc_fm_c, CC_SFX)(c)
CC_INLINE vd CCT_(ksin)(vd x, vd y, vd z)
{
    vd w = z * z, v = z * x;
    vd r = CCT_FMA(z * w, CCT_FMA(z, CCT_C(CCT_S6), CCT_C(CCT_S5)),
                   CCT_FMA(z, CCT_FMA(z, CCT_C(CCT_S4), CCT_C(CCT_S3)), CCT_C(CCT_S2)));
    return x - (CCT_FMA(z, CCT_FMA(-v, r, 0.5 * y), -y) - v * CCT_S1);
}
CC_INLINE vd CCT_(kcos)(vd x, vd y, vd z)
{
    vd w = z * z;
    vd r = CCT_FMA(w * w, CCT_FMA(z, CCT_FMA(z, CCT_C(CCT_K6), CCT_C(CCT_K5)), CCT_C(CCT_K4)),
                   z * CCT_FMA(z, CCT_FMA(z, CCT_C(CCT_K3), CCT_C(CCT_K2)), CCT_C(CCT_K1)));
    vd hz = 0.5 * z, v = 1.0 - hz;
    return v + (((1.0 - v) - hz) + CCT_FMA(z, r, -(x * y)));
}
/* sin (c = 0) or cos (c = 1) of x, lane-wise */
CC_INLINE vd CCT_(sincos)(vd x, int c)
{
    vd hi, lo, z, s, co, res, ax = CCT_(fabs)(x);
    vl q, sp;
    int j;
    CCT_(reduce)(x, &hi, &lo, &q);
    z = hi * hi;
    s = CCT_(ksin)(hi, lo, z);
    co = CCT_(kcos)(hi, lo, z);
    q = q + c;
    res = CCT_(sel)((q & 1) == 0, s, co);
    res = (vd)((vl)res ^ ((q & 2) << 62));
    if (!c) res = CCT_(sel)(ax < 0x1p-26, x, res);
    sp = ~(ax <= CCT_BOUND);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = c ? cos(x[j]) : sin(x[j]);
    return res;
}
CC_INLINE vd CCT_(sin64)(vd x) { return CCT_(sincos)(x, 0); }
CC_INLINE vd CCT_(cos64)(vd x) { return CCT_(sincos)(x, 1); }

CC_INLINE vd CCT_(tan64)(vd x)
{
    vd hi, lo, ax = CCT_(fabs)(x), xa, ya, xb, yb, z, w, r, v, s, vv, num, den, d;
    vd rbig, z2, v2, t, rodd, res;
    vl q, sp, big, odd, hs;
    int j;
    CCT_(reduce)(x, &hi, &lo, &q);
    odd = (q & 1) != 0;
    hs = (vl)hi & CCT_SIGN;
    big = CCT_(fabs)(hi) >= CCT_TBIG;
    xa = (vd)((vl)hi ^ hs);
    ya = (vd)((vl)lo ^ hs);
    xb = CCT_(sel)(big, (CCT_PIO4_HI - xa) + (CCT_PIO4_LO - ya), hi);
    yb = CCT_(sel)(big, (vd){0}, lo);
    z = xb * xb;
    w = z * z;
    r = CCT_T1 + w * (CCT_T3 + w * (CCT_T5 + w * (CCT_T7 + w * (CCT_T9 + w * CCT_T11))));
    v = z * (CCT_T2 + w * (CCT_T4 + w * (CCT_T6 + w * (CCT_T8 + w * (CCT_T10 + w * CCT_T12)))));
    s = z * xb;
    r = yb + z * (s * (r + v) + yb);
    r += CCT_T0 * s;
    w = xb + r;
    vv = CCT_(sel)(odd, (vd){0} - 1.0, (vd){0} + 1.0);
    num = CCT_(sel)(big, w * w, (vd){0} - 1.0);
    den = CCT_(sel)(big, w + vv, w);
    d = num / den;
    rbig = (vd)((vl)(vv - 2.0 * (xb - (d - r))) ^ hs);
    z2 = (vd)((vl)w & CCT_HI32);
    v2 = r - (z2 - xb);
    t = (vd)((vl)d & CCT_HI32);
    rodd = t + d * ((1.0 + t * z2) + t * v2);
    res = CCT_(sel)(odd, rodd, w);
    res = CCT_(sel)(big, rbig, res);
    res = CCT_(sel)(ax < 0x1p-27, x, res);
    sp = ~(ax <= CCT_BOUND);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = tan(x[j]);
    return res;
}

CC_INLINE vd CCT_(sqrt)(vd x)
{
    vd r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = __builtin_sqrt(x[j]);
    return r;
}

/* msun asin (c = 0) / acos (c = 1): every branch computed, then blended */
CC_INLINE vd CCT_(asinacos)(vd x, int c)
{
    vd ax = CCT_(fabs)(x), t, p, qq, s, r, df, cc, res, ra, rb, rc;
    vl small = ax < 0.5, sp, xs = (vl)x & CCT_SIGN;
    int j;
    t = CCT_(sel)(small, x * x, (1.0 - ax) * 0.5);
    p = t * (CCT_PS0 + t * (CCT_PS1 + t * (CCT_PS2 + t * (CCT_PS3 + t * (CCT_PS4 + t * CCT_PS5)))));
    qq = 1.0 + t * (CCT_QS1 + t * (CCT_QS2 + t * (CCT_QS3 + t * CCT_QS4)));
    r = p / qq;
    s = CCT_(sqrt)(t);
    df = (vd)((vl)s & CCT_HI32);
    cc = (t - df * df) / (s + df);
    if (!c) {
        ra = x + x * r;                                           /* |x| < 0.5 */
        rb = CCT_PIO2_HI - (2.0 * (s + s * r) - CCT_PIO2_LO);     /* |x| > 0.975 */
        rc = CCT_PIO4_HI - ((2.0 * s * r - (CCT_PIO2_LO - 2.0 * cc)) - (CCT_PIO4_HI - 2.0 * df));
        res = CCT_(sel)(ax >= 0x1.f3333p-1, rb, rc);
        res = (vd)((vl)res ^ xs);
        res = CCT_(sel)(small, ra, res);
        res = CCT_(sel)(ax < 0x1p-26, x, res);
    } else {
        ra = CCT_PIO2_HI - (x - (CCT_PIO2_LO - x * r));           /* |x| < 0.5 */
        rb = CCT_PI_HI - 2.0 * (s + (r * s - CCT_PIO2_LO));       /* x < -0.5 */
        rc = 2.0 * (df + (r * s + cc));                           /* x > 0.5 */
        res = CCT_(sel)(xs != 0, rb, rc);
        res = CCT_(sel)(small, ra, res);
    }
    sp = ~(ax < 1.0);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = c ? acos(x[j]) : asin(x[j]);
    return res;
}
CC_INLINE vd CCT_(asin64)(vd x) { return CCT_(asinacos)(x, 0); }
CC_INLINE vd CCT_(acos64)(vd x) { return CCT_(asinacos)(x, 1); }

/* atan polynomial part: u * (s1 + s2) in msun's terms */
CC_INLINE vd CCT_(atpoly)(vd u, vd z)
{
    vd w = z * z;
    vd s1 = z * (CCT_AT0 + w * (CCT_AT2 + w * (CCT_AT4 + w * (CCT_AT6 + w * (CCT_AT8 + w * CCT_AT10)))));
    vd s2 = w * (CCT_AT1 + w * (CCT_AT3 + w * (CCT_AT5 + w * (CCT_AT7 + w * CCT_AT9))));
    return u * (s1 + s2);
}

/* msun atan */
CC_INLINE vd CCT_(atan64)(vd x)
{
    vd ax = CCT_(fabs)(x), n = ax, d = (vd){0} + 1.0, h = (vd){0}, l = (vd){0}, u, res;
    vl m, xs = (vl)x & CCT_SIGN;
    m = ax >= 0.4375;
    n = CCT_(sel)(m, 2.0 * ax - 1.0, n);
    d = CCT_(sel)(m, 2.0 + ax, d);
    h = CCT_(sel)(m, (vd){0} + CCT_AH0, h);
    l = CCT_(sel)(m, (vd){0} + CCT_AL0, l);
    m = ax >= 0.6875;
    n = CCT_(sel)(m, ax - 1.0, n);
    d = CCT_(sel)(m, ax + 1.0, d);
    h = CCT_(sel)(m, (vd){0} + CCT_AH1, h);
    l = CCT_(sel)(m, (vd){0} + CCT_AL1, l);
    m = ax >= 1.1875;
    n = CCT_(sel)(m, ax - 1.5, n);
    d = CCT_(sel)(m, 1.0 + 1.5 * ax, d);
    h = CCT_(sel)(m, (vd){0} + CCT_AH2, h);
    l = CCT_(sel)(m, (vd){0} + CCT_AL2, l);
    m = ax >= 2.4375;
    n = CCT_(sel)(m, (vd){0} - 1.0, n);
    d = CCT_(sel)(m, ax, d);
    h = CCT_(sel)(m, (vd){0} + CCT_AH3, h);
    l = CCT_(sel)(m, (vd){0} + CCT_AL3, l);
    u = n / d;
    res = h - ((CCT_(atpoly)(u, u * u) - l) - u);
    res = (vd)((vl)res ^ xs);
    return CCT_(sel)(ax < 0x1p-27, x, res);
}

/* atan2(y, x): the reduced argument of atan(|y|/|x|) from x and y directly */
CC_INLINE vd CCT_(atan2_64)(vd y, vd x)
{
    vd ax = CCT_(fabs)(x), ay = CCT_(fabs)(y), n = ay, d = ax, u, du, z, w, res;
    vd t2, t3, e3, ph, c, uh, ul, xh, xl, pl, hp, lp, hn, ln, h, l, uu;
    vl m, m0, xs = (vl)x & CCT_SIGN, ys = (vl)y & CCT_SIGN, sp;
    int j;
    /* 3|x| = t3 + e3 exactly */
    t2 = 2.0 * ax;
    t3 = t2 + ax;
    e3 = ax - (t3 - t2);
    hp = (vd){0};
    lp = (vd){0};
    hn = (vd){0} + CCT_PI_HI;
    ln = (vd){0} + CCT_PI_LO;
    m0 = ay >= 0.4375 * ax;
    n = CCT_(sel)(m0, 2.0 * ay - ax, n);
    d = CCT_(sel)(m0, t2 + ay, d);
    hp = CCT_(sel)(m0, (vd){0} + CCT_AH0, hp);
    lp = CCT_(sel)(m0, (vd){0} + CCT_AL0, lp);
    hn = CCT_(sel)(m0, (vd){0} + CCT_BH0, hn);
    ln = CCT_(sel)(m0, (vd){0} + CCT_BL0, ln);
    m = ay >= 0.6875 * ax;
    n = CCT_(sel)(m, ay - ax, n);
    d = CCT_(sel)(m, ay + ax, d);
    hp = CCT_(sel)(m, (vd){0} + CCT_AH1, hp);
    lp = CCT_(sel)(m, (vd){0} + CCT_AL1, lp);
    hn = CCT_(sel)(m, (vd){0} + CCT_BH1, hn);
    ln = CCT_(sel)(m, (vd){0} + CCT_BL1, ln);
    m = ay >= 1.1875 * ax;
    n = CCT_(sel)(m, (2.0 * ay - t3) - e3, n);
    d = CCT_(sel)(m, t2 + 3.0 * ay, d);
    hp = CCT_(sel)(m, (vd){0} + CCT_AH2, hp);
    lp = CCT_(sel)(m, (vd){0} + CCT_AL2, lp);
    hn = CCT_(sel)(m, (vd){0} + CCT_BH2, hn);
    ln = CCT_(sel)(m, (vd){0} + CCT_BL2, ln);
    m = ay >= 2.4375 * ax;
    n = CCT_(sel)(m, (vd){0} - ax, n);
    d = CCT_(sel)(m, ay, d);
    hp = CCT_(sel)(m, (vd){0} + CCT_PIO2_HI, hp);
    lp = CCT_(sel)(m, (vd){0} + CCT_PIO2_LO, lp);
    hn = CCT_(sel)(m, (vd){0} + CCT_PIO2_HI, hn);
    ln = CCT_(sel)(m, (vd){0} + CCT_PIO2_LO, ln);
    u = n / d;
    /* unreduced lanes: du = (|y| - u |x|) / |x| with u |x| exact (Veltkamp/Dekker) */
    ph = u * ax;
    c = 134217729.0 * u;
    uh = c - (c - u);
    ul = u - uh;
    c = 134217729.0 * ax;
    xh = c - (c - ax);
    xl = ax - xh;
    pl = ((uh * xh - ph) + uh * xl + ul * xh) + ul * xl;
    du = ((ay - ph) - pl) / ax;
    du = CCT_(sel)(m0, (vd){0}, du);
    z = u * u;
    w = z * z;
    du = du * ((1.0 - z) + w * (1.0 - z));
    h = CCT_(sel)(xs != 0, hn, hp);
    l = CCT_(sel)(xs != 0, ln, lp);
    uu = (vd)((vl)u ^ xs);
    du = (vd)((vl)du ^ xs);
    res = h - ((CCT_(atpoly)(uu, z) - (l + du)) - uu);
    res = (vd)((vl)res ^ ys);
    sp = ~((ax >= 0x1p-500) & (ax <= 0x1p500) & (ay >= 0x1p-500) & (ay <= 0x1p500));
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = atan2(y[j], x[j]);
    return res;
}

/* ---- float32 kernels: double lanes, one rounding to float at the end ---- */
CC_INLINE vd CCT_(sin32)(vd x)
{
    vd t = x * CCF_1OPI + CCT_SHIFT, q = t - CCT_SHIFT, r, z, res;
    vl sp;
    int j;
    r = (x - q * CCF_P1) - q * CCF_P2;
    z = r * r;
    res = r * (1.0 + z * (CCF_S0 + z * (CCF_S1 + z * (CCF_S2 + z * (CCF_S3 + z * CCF_S4)))));
    res = (vd)((vl)res ^ ((vl)t << 63));
    sp = ~(CCT_(fabs)(x) <= 0x1p21);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = sin(x[j]);
    return res;
}
/* cos(x) = (-1)^(m+1) sin(x - (m + 1/2) pi), m = round(x/pi - 1/2) */
CC_INLINE vd CCT_(cos32)(vd x)
{
    vd t = (x * CCF_1OPI - 0.5) + CCT_SHIFT, m = t - CCT_SHIFT, r, z, res;
    vl sp;
    int j;
    r = ((x - m * CCF_P1) - 0.5 * CCF_P1) - (m + 0.5) * CCF_P2;
    z = r * r;
    res = r * (1.0 + z * (CCF_S0 + z * (CCF_S1 + z * (CCF_S2 + z * (CCF_S3 + z * CCF_S4)))));
    res = (vd)((vl)res ^ (~(vl)t << 63));
    sp = ~(CCT_(fabs)(x) <= 0x1p21);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = cos(x[j]);
    return res;
}
CC_INLINE vd CCT_(tan32)(vd x)
{
    vd t = x * CCT_2OPI + CCT_SHIFT, q = t - CCT_SHIFT, r, z, s, c, res;
    vl sp, odd = ((vl)t & 1) != 0;
    int j;
    r = (x - q * CCT_C1) - q * CCF_C2;
    z = r * r;
    s = r * (1.0 + z * (CCF_TS0 + z * (CCF_TS1 + z * (CCF_TS2 + z * CCF_TS3))));
    c = 1.0 + z * (CCF_TC0 + z * (CCF_TC1 + z * (CCF_TC2 + z * CCF_TC3)));
    res = CCT_(sel)(odd, -c, s) / CCT_(sel)(odd, s, c);
    sp = ~(CCT_(fabs)(x) <= 0x1p20);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = tan(x[j]);
    return res;
}
CC_INLINE vd CCT_(asinacos32)(vd x, int c)
{
    vd ax = CCT_(fabs)(x), t, s, p, res;
    vl small = ax < 0.5, xs = (vl)x & CCT_SIGN, sp;
    int j;
    t = CCT_(sel)(small, x * x, (1.0 - ax) * 0.5);
    s = CCT_(sel)(small, ax, CCT_(sqrt)(t));
    p = s * (1.0 + t * (CCF_A0 + t * (CCF_A1 + t * (CCF_A2 + t * (CCF_A3 + t * (CCF_A4 + t * (CCF_A5 + t * CCF_A6)))))));
    if (!c) {
        res = CCT_(sel)(small, p, CCT_PIO2_HI - 2.0 * p);
        res = (vd)((vl)res ^ xs);
    } else {
        res = CCT_(sel)(xs != 0, CCT_PI_HI - 2.0 * p, 2.0 * p);
        res = CCT_(sel)(small, CCT_PIO2_HI - (vd)((vl)p ^ xs), res);
    }
    sp = ~(ax <= 1.0);
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = c ? acos(x[j]) : asin(x[j]);
    return res;
}
CC_INLINE vd CCT_(asin32)(vd x) { return CCT_(asinacos32)(x, 0); }
CC_INLINE vd CCT_(acos32)(vd x) { return CCT_(asinacos32)(x, 1); }
/* atan(v) for |v| <= tan(pi/8) */
CC_INLINE vd CCT_(atk32)(vd v)
{
    vd z = v * v;
    return v * (1.0 + z * (CCF_T0 + z * (CCF_T1 + z * (CCF_T2 + z * (CCF_T3 + z * (CCF_T4 + z * CCF_T5))))));
}
CC_INLINE vd CCT_(atan32)(vd x)
{
    vd ax = CCT_(fabs)(x), n, d, b, res;
    vl m1 = ax > CCF_T8, m2 = ax > CCF_T38;
    n = CCT_(sel)(m1, ax - 1.0, ax);
    d = CCT_(sel)(m1, ax + 1.0, (vd){0} + 1.0);
    b = CCT_(sel)(m1, (vd){0} + CCT_PIO4_HI, (vd){0});
    n = CCT_(sel)(m2, (vd){0} - 1.0, n);
    d = CCT_(sel)(m2, ax, d);
    b = CCT_(sel)(m2, (vd){0} + CCT_PIO2_HI, b);
    res = b + CCT_(atk32)(n / d);
    return (vd)((vl)res ^ ((vl)x & CCT_SIGN));
}
CC_INLINE vd CCT_(atan2_32)(vd y, vd x)
{
    vd ax = CCT_(fabs)(x), ay = CCT_(fabs)(y), n, d, b, a, res;
    vl m1 = ay > CCF_T8 * ax, m2 = ay > CCF_T38 * ax, xs = (vl)x & CCT_SIGN, sp;
    int j;
    n = CCT_(sel)(m1, ay - ax, ay);
    d = CCT_(sel)(m1, ay + ax, ax);
    b = CCT_(sel)(m1, (vd){0} + CCT_PIO4_HI, (vd){0});
    n = CCT_(sel)(m2, -ax, n);
    d = CCT_(sel)(m2, ay, d);
    b = CCT_(sel)(m2, (vd){0} + CCT_PIO2_HI, b);
    a = CCT_(atk32)(n / d);
    b = CCT_(sel)(xs != 0, CCT_PI_HI - b, b);
    res = b + (vd)((vl)a ^ xs);
    res = (vd)((vl)res ^ ((vl)y & CCT_SIGN));
    sp = ~((ax > 0.0) & (ax < __builtin_inf()) & (ay > 0.0) & (ay < __builtin_inf()));
    if (__builtin_expect(CCT_(any)(sp), 0))
        for (j = 0; j < CC_W; j++)
            if (sp[j]) res[j] = atan2(y[j], x[j]);
    return res;
}

/* ---- float32 in float32 lanes (2W of them) ---- */
CC_INLINE vf CCT_(fsel)(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }
CC_INLINE int CCT_(anyi)(vi m)
{
#if defined(__x86_64__) && CC_W == 8
    return _mm512_movepi32_mask((__m512i)m) != 0;
#elif defined(__x86_64__) && CC_W == 4
    return _mm256_movemask_ps((__m256)m) != 0;
#elif defined(__x86_64__) && CC_W == 2
    return _mm_movemask_ps((__m128)m) != 0;
#else
    int32_t a = 0;
    int j;
    for (j = 0; j < 2 * CC_W; j++) a |= m[j];
    return a != 0;
#endif
}
/* y = DK(x) through the float64-lane kernel DK, both halves */
#undef CCT_VIA64
#if defined(__x86_64__) && CC_W == 8
#define CCT_VIA64(y, x, DK)                                                    \
    {                                                                          \
        __m256 l_ = _mm512_castps512_ps256((__m512)(x));                       \
        __m256 h_ = _mm512_extractf32x8_ps((__m512)(x), 1);                    \
        l_ = (__m256)__builtin_convertvector(DK(__builtin_convertvector((vfh)l_, vd)), vfh); \
        h_ = (__m256)__builtin_convertvector(DK(__builtin_convertvector((vfh)h_, vd)), vfh); \
        (y) = (vf)_mm512_insertf32x8(_mm512_castps256_ps512(l_), h_, 1);        \
    }
#else
#define CCT_VIA64(y, x, DK)                                                    \
    {                                                                          \
        float xa_[2 * CC_W];                                                   \
        vfh h_;                                                                \
        int c_;                                                                \
        memcpy(xa_, &(x), sizeof xa_);                                         \
        for (c_ = 0; c_ < 2; c_++) {                                           \
            memcpy(&h_, xa_ + c_ * CC_W, sizeof h_);                           \
            h_ = __builtin_convertvector(DK(__builtin_convertvector(h_, vd)), vfh); \
            memcpy(xa_ + c_ * CC_W, &h_, sizeof h_);                           \
        }                                                                      \
        memcpy(&(y), xa_, sizeof xa_);                                         \
    }
#endif
/* x = k pi/2 + hi - nl, |nl| <= ulp(hi)/2 (+ the error 2^-39.6).  Not
 * accurate enough (hard lanes): |x| > 1024, NaN, or z = hi^2 < 2^-20 with k != 0 */
CC_INLINE void CCT_(freduce)(vf x, vf *hi, vf *nl, vi *q, vf *k)
{
    vf t = x * CCG_2OPI + CCG_SH, kf = t - CCG_SH;
    vf h = (x - kf * CCG_C1) - kf * CCG_C2; /* exact */
    vf p3 = kf * CCG_C3;
    vf h2 = h - p3;
    *nl = p3 - (h - h2);
    *hi = h2;
    *q = (vi)t;
    *k = kf;
}
/* lanes out of the float-lane domain: |x| > 1024 or NaN */
CC_INLINE vi CCT_(fbig)(vf x) { return ~((vf)((vi)x & 0x7fffffff) <= CCG_BOUND); }
CC_INLINE int CCT_(fanybig)(vf x)
{
#if defined(__x86_64__) && CC_W == 8
    return _mm512_cmp_ps_mask(_mm512_abs_ps((__m512)x), _mm512_set1_ps(CCG_BOUND), _CMP_NLE_UQ) != 0;
#else
    return CCT_(anyi)(CCT_(fbig)(x));
#endif
}
/* lanes with too few correct bits in hi: z = hi^2 < 2^-20 with k != 0 */
CC_INLINE vi CCT_(ftiny)(vf k, vf z) { return (z < 0x1p-20f) & (k != 0.0f); }
CC_INLINE int CCT_(fanytiny)(vf k, vf z)
{
#if defined(__x86_64__) && CC_W == 8
    __mmask16 m = _mm512_cmp_ps_mask((__m512)k, _mm512_setzero_ps(), _CMP_NEQ_UQ);
    return _mm512_mask_cmp_ps_mask(m, (__m512)z, _mm512_set1_ps(0x1p-20f), _CMP_LT_OQ) != 0;
#else
    return CCT_(anyi)(CCT_(ftiny)(k, z));
#endif
}
/* sin (c = 0) or cos (c = 1): sin(hi+lo) = hi + (lo w + hi z S(z)),
 * cos(hi+lo) = w + ((1 - w - z/2) + (z^2 C(z) - hi lo)), w = 1 - z/2, z = hi^2.
 * Written with nl = -lo so that sin(-0) = -0. */
CC_INLINE vf CCT_(fsincos)(vf x, int c, vf *k, vf *z)
{
    vf hi, nl, ps, s, hz, w, qc, co, res;
    vi q;
    CCT_(freduce)(x, &hi, &nl, &q, k);
    q += c;
    *z = hi * hi;
    hz = 0.5f * *z;
    w = 1.0f - hz;
    ps = *z * (CCG_S0 + *z * (CCG_S1 + *z * (CCG_S2 + *z * CCG_S3)));
    s = hi - (nl * w - hi * ps);
    qc = (*z * *z) * (CCG_K0 + *z * (CCG_K1 + *z * CCG_K2));
    co = w + (((1.0f - w) - hz) + (qc + hi * nl));
#if defined(__x86_64__) && CC_W == 8
    res = (vf)_mm512_mask_blend_ps(_mm512_test_epi32_mask((__m512i)q, _mm512_set1_epi32(1)),
                                   (__m512)s, (__m512)co);
    /* res ^ (q << 30 & sign) */
    return (vf)_mm512_ternarylogic_epi32((__m512i)res, _mm512_slli_epi32((__m512i)q, 30),
                                         _mm512_set1_epi32((int32_t)0x80000000), 0x78);
#else
    res = CCT_(fsel)((q & 1) == 0, s, co);
    return (vf)((vi)res ^ ((q << 30) & (int32_t)0x80000000));
#endif
}
/* The rare paths.  Every lane gets the same bits whatever its neighbours (so
 * on every target): big and tiny-r lanes from the float64-lane kernel, the
 * others from the float-lane path. */
#define CCT_FSC(NAME, C, DK)                                                   \
    static __attribute__((noinline)) vf CCT_(NAME##_fix)(vf x, vf res, vf k, vf z) \
    {                                                                          \
        vf y;                                                                  \
        CCT_VIA64(y, x, DK)                                                    \
        return CCT_(fsel)(CCT_(ftiny)(k, z), y, res);                          \
    }                                                                          \
    static __attribute__((noinline)) vf CCT_(NAME##_mixed)(vf x)              \
    {                                                                          \
        vf y, k, z, res;                                                       \
        vi m = CCT_(fbig)(x);                                                  \
        CCT_VIA64(y, x, DK)                                                    \
        if (!CCT_(anyi)(~m))                                                   \
            return y;                                                          \
        res = CCT_(fsincos)(x, C, &k, &z);                                     \
        return CCT_(fsel)(m | CCT_(ftiny)(k, z), y, res);                      \
    }                                                                          \
    CC_INLINE vf CCT_(NAME)(vf x)                                              \
    {                                                                          \
        vf k, z, res;                                                          \
        if (__builtin_expect(CCT_(fanybig)(x), 0))                             \
            return CCT_(NAME##_mixed)(x);                                      \
        res = CCT_(fsincos)(x, C, &k, &z);                                     \
        if (__builtin_expect(CCT_(fanytiny)(k, z), 0))                         \
            res = CCT_(NAME##_fix)(x, res, k, z);                              \
        return res;                                                            \
    }
CCT_FSC(fsin, 0, CCT_(sin32))
CCT_FSC(fcos, 1, CCT_(cos32))

CC_UNARY_F64(sin_f64, CCT_(sin64), 1.0)
CC_UNARY_F64(cos_f64, CCT_(cos64), 1.0)
CC_UNARY_F64(tan_f64, CCT_(tan64), 1.0)
CC_UNARY_F64(arcsin_f64, CCT_(asin64), 0.5)
CC_UNARY_F64(arccos_f64, CCT_(acos64), 0.5)
CC_UNARY_F64(arctan_f64, CCT_(atan64), 1.0)
CC_BINARY_F64(arctan2_f64, CCT_(atan2_64), 1.0, 1.0)
CC_UNARY_F32L(sin_f32, CCT_(fsin), 1.0f)
CC_UNARY_F32L(cos_f32, CCT_(fcos), 1.0f)
CC_UNARY_F32(tan_f32, CCT_(tan32), 1.0f)
CC_UNARY_F32(arcsin_f32, CCT_(asin32), 0.5f)
CC_UNARY_F32(arccos_f32, CCT_(acos32), 0.5f)
CC_UNARY_F32(arctan_f32, CCT_(atan32), 1.0f)
CC_BINARY_F32(arctan2_f32, CCT_(atan2_32), 1.0f, 1.0f)

#undef CCT_FMA
#undef CCT_C
#undef CCT_
#endif /* !CC_SCALAR */
