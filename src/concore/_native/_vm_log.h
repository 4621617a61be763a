/* _vm_log.h: kernels of the log family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_LOG names every kernel defined here.
 *
 * Algorithm (shared): x = 2^k z, z in [0x1.6955p-1, 0x1.6955p0); a 32-entry table gives
 * 1/c (24 significant bits, so r = z/c - 1 is exact as rhi + rlo without FMA) and log(c)
 * (a double within 2^-67 of it, plus the rest); log(x) = k ln2 + log(c) + log1p(r),
 * |r| < 2^-6; c = 1 on the interval holding 1.0, so x near 1 needs no separate path.
 *   log, log2, log10: log1p(r) to ~2^-62 relative (the polynomial in fused steps),
 *     summed as hi + lo (log2/log10 multiply the double-double by 1/ln2, 1/ln10 with
 *     a Dekker product): under 0.53 ULP.
 *   pow: log(|x|) as a double-double to ~2^-68 (the shared table, exact r^2 term),
 *     y*log as an exact product plus y*lo, exp of the double-double with a 32-entry
 *     2^(j/32) table and a degree-7 polynomial (the polynomials in fused steps): under
 *     0.53 ULP.  Two vectors per step and one test for the rare lanes (cc_pow_core).
 *   log1p, asinh, acosh, atanh: the argument of log built as a double-double
 *     (1+x; a+sqrt(a^2+1); x+sqrt(x^2-1); (1+a)/(1-a)) and fed to the precise log.
 * Table lookups are two-register permutes with AVX-512, gathers with AVX2, loads on the
 * base target: the same values, so all targets give the same bits (the fused steps of
 * the log and pow polynomials excepted on the SSE2 baseline, see _vm_fma.h).
 * Lanes outside the fast domain (zero, negative, subnormal, inf, NaN, pow overflow and
 * underflow ranges, ...) are recomputed with scalar libm when any lane of a vector has one.
 * float32: log, log2, log10 run in float32 lanes (2W per vector, a 32-entry table by
 * permute, hi + lo in float; see cc_lf_log); pow in float64 lanes with a short log2 and
 * exp2 (~2^-28 relative, see cc_pf_pow); the others go through the float64 kernels
 * and round once. */
#ifndef CC_LIST_LOG
#define CC_LIST_LOG(U, B)                                                            \
    U(log, log, logf) U(log2, log2, log2f) U(log10, log10, log10f)                   \
    U(log1p, log1p, log1pf) U(arcsinh, asinh, asinhf) U(arccosh, acosh, acoshf)      \
    U(arctanh, atanh, atanhf) B(power, pow, powf) U(cube, cc_cube1, cc_cube1f)
#endif

#ifndef CC_SCALAR

#ifndef CC_VM_LOG_TABLES
#define CC_VM_LOG_TABLES
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CC_LG_X86 1
#endif
#define CC_LOG_OFF 0x3fe6955500000000LL
/* {1/c (at most 24 significant bits), log(c) rounded to double (within 2^-67 of log(c)), rest of log(c)}
 * for z in [OFF + i<<47, OFF + (i+1)<<47) as bits; c = 1 on the interval holding 1.0 */
static const double cc_log_inv[32] = {
    0x1.66c8ba0000000p+0,
    0x1.5f07720000000p+0,
    0x1.578fca0000000p+0,
    0x1.50a7d60000000p+0,
    0x1.49d3c20000000p+0,
    0x1.4356720000000p+0,
    0x1.3d25800000000p+0,
    0x1.370d980000000p+0,
    0x1.314fba0000000p+0,
    0x1.2bb3660000000p+0,
    0x1.263fe60000000p+0,
    0x1.21221c0000000p+0,
    0x1.1c13460000000p+0,
    0x1.1743760000000p+0,
    0x1.128cea0000000p+0,
    0x1.0e11ee0000000p+0,
    0x1.09af360000000p+0,
    0x1.0571100000000p+0,
    0x1.0000000000000p+0,
    0x1.f58cdc0000000p-1,
    0x1.e6a77a0000000p-1,
    0x1.d89e8e0000000p-1,
    0x1.cb605e0000000p-1,
    0x1.bed3e00000000p-1,
    0x1.b2ebe60000000p-1,
    0x1.a7be620000000p-1,
    0x1.9d19cc0000000p-1,
    0x1.92e3340000000p-1,
    0x1.89348c0000000p-1,
    0x1.7ff86e0000000p-1,
    0x1.77179c0000000p-1,
    0x1.6ec9fc0000000p-1,
};
static const double cc_log_lc[32] = {
    -0x1.59a4f5ea4011cp-2,
    -0x1.4344aaeb8903ep-2,
    -0x1.2d3fef33ad23cp-2,
    -0x1.1874cb252d29ep-2,
    -0x1.0379072ac1a99p-2,
    -0x1.de3f9d4782112p-3,
    -0x1.b6a75109220c5p-3,
    -0x1.8eec107abdf17p-3,
    -0x1.68c3e65cd5203p-3,
    -0x1.42c7850f35023p-3,
    -0x1.1d2f9a95f6cdcp-3,
    -0x1.f2865e3601e0fp-4,
    -0x1.aa3cc30062373p-4,
    -0x1.644377d8c9370p-4,
    -0x1.1e8bd4c4d0a80p-4,
    -0x1.b64dc50263c71p-5,
    -0x1.302ef217a8643p-5,
    -0x1.589da5c8d6a32p-6,
    0x0.0p+0,
    0x1.51da270d4e0b2p-6,
    0x1.9fea184b7d1bep-5,
    0x1.47d20e139d88bp-4,
    0x1.bc3aeccb1dc9fp-4,
    0x1.16d6b4812561ap-3,
    0x1.4e265e625d29ap-3,
    0x1.837920605e667p-3,
    0x1.b7918adff3f4fp-3,
    0x1.ead6a6d4a7cfbp-3,
    0x1.0e5424b0ed15ap-2,
    0x1.26aa51463f849p-2,
    0x1.3e9ed01d4f712p-2,
    0x1.558af392159c5p-2,
};
static const double cc_log_lcl[32] = {
    -0x1.11e3eeef3e98ap-70,
    0x1.235e2144a24c6p-71,
    0x1.c6358334d547dp-68,
    0x1.6503e060b2bf1p-68,
    0x1.220b20ae7a921p-70,
    0x1.2b5e6192fb18bp-69,
    -0x1.14aeaddc9e9a8p-70,
    0x1.7a5bce6a660dcp-70,
    0x1.50affa85fd42ap-68,
    -0x1.a0bc33f7a31a7p-68,
    0x1.532e5c3fd8b58p-68,
    0x1.82d4cde47b6d3p-68,
    -0x1.fa2a2e3450c42p-69,
    -0x1.af05608973a10p-68,
    -0x1.c1919230bde99p-68,
    -0x1.8ec57b095e66cp-70,
    -0x1.bca04f51f2930p-68,
    0x1.b605eea7b181fp-68,
    0x0.0p+0,
    0x1.567549c04499dp-70,
    -0x1.96988ee80002fp-68,
    -0x1.be68cf0683846p-69,
    0x1.32b1637def64bp-70,
    -0x1.780923e18e2f9p-68,
    0x1.b608726db8f80p-68,
    -0x1.d06c4375e7c66p-68,
    0x1.0abeabf2e66dap-70,
    -0x1.71ed53665d519p-68,
    -0x1.0def0dac0b194p-68,
    0x1.c427af6248ac6p-69,
    -0x1.47cb836ad5247p-70,
    -0x1.7f94227b69920p-68,
};
#define CC_LN2HI 0x1.62e42fefa3800p-1 /* ln2 rounded to a multiple of 2^-42 */
#define CC_LN2LO 0x1.ef35793c76730p-45
/* {tail, bits - (j<<47)} of 2^(j/32) */
static const double cc_exp_tail[32] = {
    0x0.0p+0,
    0x1.cd2523567f613p-55,
    0x1.79aa65d837b6dp-54,
    -0x1.556522a2fbd0ep-54,
    -0x1.01b15eaa59348p-55,
    0x1.aecf73e3a2f60p-54,
    0x1.68efde3a8a894p-54,
    0x1.2f7e16d09ab31p-55,
    0x1.34d754db0abb6p-55,
    -0x1.24aedcc4b5068p-54,
    0x1.59f48a72a4c6dp-55,
    0x1.363ed60c2ac11p-59,
    0x1.690cebb7aafb0p-56,
    -0x1.8dec6bd0f385fp-56,
    0x1.063e1e21c5409p-54,
    -0x1.c33c53bef4da8p-55,
    -0x1.3b3efbf5e2228p-54,
    -0x1.81f647e5a3ecfp-56,
    -0x1.b32dcb94da51dp-56,
    -0x1.369b6f13b3734p-54,
    0x1.db72fc1f0eab4p-55,
    -0x1.da9b88b6c1e29p-58,
    0x1.1affc2b91ce27p-56,
    -0x1.1bbd1d3bcbb15p-54,
    0x1.c1a7792cb3387p-55,
    -0x1.8d6f438ad9334p-57,
    0x1.36eae30af0cb3p-56,
    0x1.76b2c6c921968p-57,
    0x1.4a385a63d07a7p-56,
    -0x1.2d52107b43e1fp-55,
    -0x1.ff7128fd391f0p-55,
    0x1.a64a931d185eep-55,
};
static const uint64_t cc_exp_sbits[32] = {
    0x3ff0000000000000ULL,
    0x3fefd9b0d3158574ULL,
    0x3fefb5586cf9890fULL,
    0x3fef9301d0125b51ULL,
    0x3fef72b83c7d517bULL,
    0x3fef54873168b9aaULL,
    0x3fef387a6e756238ULL,
    0x3fef1e9df51fdee1ULL,
    0x3fef06fe0a31b715ULL,
    0x3feef1a7373aa9cbULL,
    0x3feedea64c123422ULL,
    0x3feece086061892dULL,
    0x3feebfdad5362a27ULL,
    0x3feeb42b569d4f82ULL,
    0x3feeab07dd485429ULL,
    0x3feea47eb03a5585ULL,
    0x3feea09e667f3bcdULL,
    0x3fee9f75e8ec5f74ULL,
    0x3feea11473eb0187ULL,
    0x3feea589994cce13ULL,
    0x3feeace5422aa0dbULL,
    0x3feeb737b0cdc5e5ULL,
    0x3feec49182a3f090ULL,
    0x3feed503b23e255dULL,
    0x3feee89f995ad3adULL,
    0x3feeff76f2fb5e47ULL,
    0x3fef199bdd85529cULL,
    0x3fef3720dcef9069ULL,
    0x3fef5818dcfba487ULL,
    0x3fef7c97337b9b5fULL,
    0x3fefa4afa2a490daULL,
    0x3fefd0765b6e4540ULL,
};
#define CC_EXP_INVLN2N 0x1.71547652b82fep+5
#define CC_EXP_LN2HIN 0x1.62e42fefc0000p-6 /* ln2/32, multiple of 2^-40 */
#define CC_EXP_LN2LON -0x1.c610ca86c3899p-42
#define CC_SHIFT52 0x1.8p52
/* 1/ln2 and 1/ln10 as double-doubles */
#define CC_INVLN2_HI 0x1.71547652b82fep+0
#define CC_INVLN2_LO 0x1.777d0ffda0d24p-56
#define CC_INVLN10_HI 0x1.bcb7b1526e50ep-2
#define CC_INVLN10_LO 0x1.95355baaafad3p-57
/* float32 log (cc_lf_log): per base B, m = S1/c (12 bits; S1 = 1 for E), log_B c as
 * a multiple of 2^-15 (E), 2^-16 (2), 2^-17 (10) and its rest */
static const float cc_lf_invE[32] __attribute__((aligned(64))) = {
    0x1.6c20000000000p+0f, 0x1.6420000000000p+0f, 0x1.5ca0000000000p+0f, 0x1.5560000000000p+0f,
    0x1.4e60000000000p+0f, 0x1.47a0000000000p+0f, 0x1.4140000000000p+0f, 0x1.3b20000000000p+0f,
    0x1.3520000000000p+0f, 0x1.2f60000000000p+0f, 0x1.29e0000000000p+0f, 0x1.24a0000000000p+0f,
    0x1.1f80000000000p+0f, 0x1.1a80000000000p+0f, 0x1.15c0000000000p+0f, 0x1.1120000000000p+0f,
    0x1.0ca0000000000p+0f, 0x1.0840000000000p+0f, 0x1.0420000000000p+0f, 0x1.0000000000000p+0f,
    0x1.f080000000000p-1f, 0x1.e1e0000000000p-1f, 0x1.d420000000000p-1f, 0x1.c720000000000p-1f,
    0x1.bac0000000000p-1f, 0x1.af20000000000p-1f, 0x1.a420000000000p-1f, 0x1.99a0000000000p-1f,
    0x1.8fa0000000000p-1f, 0x1.8620000000000p-1f, 0x1.7d00000000000p-1f, 0x1.7460000000000p-1f};
static const float cc_lf_lcE_h[32] __attribute__((aligned(64))) = {
    -0x1.68c8000000000p-2f, -0x1.5208000000000p-2f, -0x1.3c38000000000p-2f, -0x1.26b8000000000p-2f,
    -0x1.1180000000000p-2f, -0x1.f940000000000p-3f, -0x1.d100000000000p-3f, -0x1.a990000000000p-3f,
    -0x1.8230000000000p-3f, -0x1.5bc0000000000p-3f, -0x1.3640000000000p-3f, -0x1.11e0000000000p-3f,
    -0x1.db60000000000p-4f, -0x1.9380000000000p-4f, -0x1.4e00000000000p-4f, -0x1.0940000000000p-4f,
    -0x1.8a40000000000p-5f, -0x1.03c0000000000p-5f, -0x1.0600000000000p-6f, 0x0.0p+0f,
    0x1.f780000000000p-6f, 0x1.f0c0000000000p-5f, 0x1.6f00000000000p-4f, 0x1.e260000000000p-4f,
    0x1.29a0000000000p-3f, 0x1.6020000000000p-3f, 0x1.9510000000000p-3f, 0x1.c8e0000000000p-3f,
    0x1.fb80000000000p-3f, 0x1.1660000000000p-2f, 0x1.2ea0000000000p-2f, 0x1.4610000000000p-2f};
static const float cc_lf_lcE_l[32] __attribute__((aligned(64))) = {
    0x1.7c6ab80000000p-18f, 0x1.202e7a0000000p-18f, -0x1.939b5a0000000p-17f, 0x1.df6cb00000000p-18f,
    0x1.17e2020000000p-18f, 0x1.8ec6340000000p-17f, 0x1.20376a0000000p-17f, 0x1.2dc7480000000p-19f,
    -0x1.64c1a40000000p-23f, 0x1.fd07600000000p-18f, -0x1.e5682c0000000p-18f, 0x1.c6875c0000000p-17f,
    0x1.b1fcf00000000p-17f, 0x1.43554e0000000p-17f, -0x1.108a360000000p-20f, 0x1.9eb1780000000p-18f,
    -0x1.a9cc620000000p-17f, -0x1.5d85e80000000p-17f, 0x1.ab87da0000000p-18f, 0x0.0p+0f,
    0x1.4d8b3c0000000p-17f, 0x1.86088c0000000p-20f, -0x1.5ae7f60000000p-17f, -0x1.f11faa0000000p-17f,
    -0x1.679cfc0000000p-18f, -0x1.3e24620000000p-17f, -0x1.957fee0000000p-17f, -0x1.068cae0000000p-20f,
    -0x1.3c888e0000000p-18f, 0x1.caecba0000000p-18f, -0x1.d431ee0000000p-18f, 0x1.78538c0000000p-19f};
static const float cc_lf_inv2[32] __attribute__((aligned(64))) = {
    0x1.06a0000000000p+1f, 0x1.0100000000000p+1f, 0x1.f700000000000p+0f, 0x1.ec80000000000p+0f,
    0x1.e280000000000p+0f, 0x1.d8c0000000000p+0f, 0x1.cf80000000000p+0f, 0x1.c6a0000000000p+0f,
    0x1.be00000000000p+0f, 0x1.b5c0000000000p+0f, 0x1.ade0000000000p+0f, 0x1.a620000000000p+0f,
    0x1.9ec0000000000p+0f, 0x1.97a0000000000p+0f, 0x1.90a0000000000p+0f, 0x1.8a00000000000p+0f,
    0x1.8380000000000p+0f, 0x1.7d40000000000p+0f, 0x1.7740000000000p+0f, 0x1.7160000000000p+0f,
    0x1.6620000000000p+0f, 0x1.5ba0000000000p+0f, 0x1.51c0000000000p+0f, 0x1.4860000000000p+0f,
    0x1.3f80000000000p+0f, 0x1.3700000000000p+0f, 0x1.2f20000000000p+0f, 0x1.2780000000000p+0f,
    0x1.2040000000000p+0f, 0x1.1960000000000p+0f, 0x1.12e0000000000p+0f, 0x1.0ca0000000000p+0f};
static const float cc_lf_lc2_h[32] __attribute__((aligned(64))) = {
    -0x1.040e000000000p-1f, -0x1.e820000000000p-2f, -0x1.c828000000000p-2f, -0x1.a900000000000p-2f,
    -0x1.8ab0000000000p-2f, -0x1.6c88000000000p-2f, -0x1.4f58000000000p-2f, -0x1.32c8000000000p-2f,
    -0x1.167c000000000p-2f, -0x1.f5d0000000000p-3f, -0x1.c028000000000p-3f, -0x1.8a68000000000p-3f,
    -0x1.5658000000000p-3f, -0x1.2320000000000p-3f, -0x1.dff0000000000p-4f, -0x1.7d60000000000p-4f,
    -0x1.1b10000000000p-4f, -0x1.7600000000000p-5f, -0x1.7500000000000p-6f, 0x0.0p+0f,
    0x1.6d80000000000p-5f, 0x1.66a0000000000p-4f, 0x1.0878000000000p-3f, 0x1.5ba0000000000p-3f,
    0x1.ac98000000000p-3f, 0x1.fc40000000000p-3f, 0x1.2404000000000p-2f, 0x1.49a8000000000p-2f,
    0x1.6e5c000000000p-2f, 0x1.9204000000000p-2f, 0x1.b48c000000000p-2f, 0x1.d684000000000p-2f};
static const float cc_lf_lc2_l[32] __attribute__((aligned(64))) = {
    0x1.57931c0000000p-20f, 0x1.46faa00000000p-19f, -0x1.db97280000000p-18f, 0x1.a39fbe0000000p-20f,
    -0x1.7ee18a0000000p-18f, -0x1.ee773a0000000p-19f, 0x1.11143c0000000p-20f, 0x1.20e7500000000p-22f,
    -0x1.775b3e0000000p-24f, 0x1.3a29ca0000000p-18f, -0x1.3ad7a40000000p-18f, -0x1.817f840000000p-19f,
    0x1.1f1c700000000p-18f, -0x1.6c853a0000000p-18f, 0x1.93a4f60000000p-18f, -0x1.25b3ee0000000p-22f,
    -0x1.969a840000000p-19f, 0x1.ab6e1a0000000p-19f, 0x1.1e64f00000000p-22f, 0x0.0p+0f,
    0x1.a643340000000p-18f, -0x1.2517020000000p-21f, -0x1.39ceba0000000p-18f, 0x1.a82e840000000p-19f,
    -0x1.0c4af60000000p-18f, 0x1.6a564c0000000p-19f, 0x1.f721e00000000p-20f, -0x1.ed0cba0000000p-20f,
    -0x1.e3d6500000000p-18f, -0x1.5fb2c40000000p-20f, -0x1.40dff40000000p-18f, 0x1.3d996a0000000p-18f};
static const float cc_lf_inv10[32] __attribute__((aligned(64))) = {
    0x1.3c40000000000p-1f, 0x1.3560000000000p-1f, 0x1.2ec0000000000p-1f, 0x1.2880000000000p-1f,
    0x1.2280000000000p-1f, 0x1.1ca0000000000p-1f, 0x1.1700000000000p-1f, 0x1.11c0000000000p-1f,
    0x1.0c80000000000p-1f, 0x1.0780000000000p-1f, 0x1.02c0000000000p-1f, 0x1.fc40000000000p-2f,
    0x1.f360000000000p-2f, 0x1.eac0000000000p-2f, 0x1.e280000000000p-2f, 0x1.da60000000000p-2f,
    0x1.d2a0000000000p-2f, 0x1.cb20000000000p-2f, 0x1.c3c0000000000p-2f, 0x1.bcc0000000000p-2f,
    0x1.af40000000000p-2f, 0x1.a2a0000000000p-2f, 0x1.96a0000000000p-2f, 0x1.8b60000000000p-2f,
    0x1.80a0000000000p-2f, 0x1.7680000000000p-2f, 0x1.6ce0000000000p-2f, 0x1.63c0000000000p-2f,
    0x1.5b20000000000p-2f, 0x1.52e0000000000p-2f, 0x1.4b00000000000p-2f, 0x1.4380000000000p-2f};
static const float cc_lf_lc10_h[32] __attribute__((aligned(64))) = {
    -0x1.393c000000000p-3f, -0x1.25b0000000000p-3f, -0x1.126c000000000p-3f, -0x1.ffc0000000000p-4f,
    -0x1.db60000000000p-4f, -0x1.b708000000000p-4f, -0x1.9388000000000p-4f, -0x1.71c0000000000p-4f,
    -0x1.4f48000000000p-4f, -0x1.2dd8000000000p-4f, -0x1.0d80000000000p-4f, -0x1.dad0000000000p-5f,
    -0x1.9c20000000000p-5f, -0x1.5e30000000000p-5f, -0x1.21e0000000000p-5f, -0x1.cae0000000000p-6f,
    -0x1.55a0000000000p-6f, -0x1.c4c0000000000p-7f, -0x1.bc80000000000p-8f, 0x0.0p+0f,
    0x1.b6c0000000000p-7f, 0x1.aec0000000000p-6f, 0x1.3ee0000000000p-5f, 0x1.a2b0000000000p-5f,
    0x1.0260000000000p-4f, 0x1.31d0000000000p-4f, 0x1.6028000000000p-4f, 0x1.8d30000000000p-4f,
    0x1.b8d8000000000p-4f, 0x1.e3a8000000000p-4f, 0x1.06bc000000000p-3f, 0x1.1b20000000000p-3f};
static const float cc_lf_lc10_l[32] __attribute__((aligned(64))) = {
    0x1.fdc7840000000p-20f, 0x1.7dc5a80000000p-19f, -0x1.a4b7080000000p-19f, 0x1.ea21c40000000p-23f,
    -0x1.ea2b7c0000000p-20f, -0x1.cd60680000000p-20f, 0x1.15e2a20000000p-23f, 0x1.7bbf4c0000000p-19f,
    -0x1.56edbe0000000p-19f, -0x1.399fb00000000p-19f, 0x1.92f05e0000000p-20f, -0x1.ee15180000000p-21f,
    -0x1.5ea01c0000000p-19f, 0x1.a641320000000p-19f, 0x1.fa1f8e0000000p-19f, 0x1.c0834c0000000p-20f,
    -0x1.e90c820000000p-21f, 0x1.f04f5a0000000p-20f, 0x1.5f64e40000000p-22f, 0x0.0p+0f,
    -0x1.6f95f80000000p-19f, -0x1.a219c60000000p-24f, -0x1.b9a2660000000p-19f, -0x1.57e2360000000p-19f,
    -0x1.742e740000000p-20f, 0x1.8286780000000p-19f, -0x1.fdc9980000000p-19f, 0x1.837d140000000p-20f,
    0x1.26a77e0000000p-19f, -0x1.f259760000000p-19f, -0x1.48a1e20000000p-22f, -0x1.8ce7120000000p-19f};
/* float32 log in float32 lanes (see cc_lf_log) */
#define CC_LF_OFF 0x3f320000
#define CC_LF_LN2H 0x1.62e4000000000p-1f /* 15 bits */
#define CC_LF_LN2L 0x1.7f7d1c0000000p-20f
#define CC_LF_LG2H 0x1.3442000000000p-2f /* 16 bits */
#define CC_LF_LG2L -0x1.95ec100000000p-19f
#define CC_LF_S1_E 0x1.0000000000000p+0f
#define CC_LF_D_E 0x0.0p+0f /* S/S1 - 1 */
#define CC_LF_H_E -0x1.0000000000000p-1f
#define CC_LF_C3_E 0x1.555bbc0000000p-2f
#define CC_LF_C4_E -0x1.0008000000000p-2f
#define CC_LF_S1_2 0x1.7160000000000p+0f
#define CC_LF_D_2 -0x1.ffc5500000000p-14f /* S/S1 - 1 */
#define CC_LF_H_2 -0x1.62ce040000000p-2f
#define CC_LF_C3_2 0x1.47e4ac0000000p-3f
#define CC_LF_C4_2 -0x1.54e4780000000p-4f
#define CC_LF_S1_10 0x1.bcc0000000000p-2f
#define CC_LF_D_10 -0x1.3208000000000p-14f /* S/S1 - 1 */
#define CC_LF_H_10 -0x1.26b01a0000000p+0f
#define CC_LF_C3_10 0x1.c45cde0000000p+0f
#define CC_LF_C4_10 -0x1.86978c0000000p+1f
/* float32 pow in float64 lanes (see cc_k_powf) */
#define CC_PF_OFF 0x3fe6660000000000LL /* float 0x3f330000 */
static const double cc_pf_l2c[16] __attribute__((aligned(64))) = {
    -0x1.eff16e557a91dp-2, -0x1.b0bb8bf4af1a8p-2, -0x1.7450371443536p-2, -0x1.39fd9259eebbdp-2,
    -0x1.021fb2a7eba32p-2, -0x1.97ac270c8f462p-3, -0x1.30147d856ba35p-3, -0x1.96edbac9c6563p-4,
    -0x1.a9126604b42d9p-5, 0x0.0p+0, 0x1.3a0cf56a06c4bp-4, 0x1.47b2c2f8cb155p-3,
    0x1.e857d3d361368p-3, 0x1.409347a934e48p-2, 0x1.891fe20affb86p-2, 0x1.ce01a12f5d8d1p-2};
static const double cc_pf_inv[16] __attribute__((aligned(64))) = {
    0x1.6620000000000p+0, 0x1.5720000000000p+0, 0x1.4960000000000p+0, 0x1.3ca0000000000p+0,
    0x1.30e0000000000p+0, 0x1.25e0000000000p+0, 0x1.1bc0000000000p+0, 0x1.1240000000000p+0,
    0x1.0960000000000p+0, 0x1.0000000000000p+0, 0x1.e580000000000p-1, 0x1.ca40000000000p-1,
    0x1.b200000000000p-1, 0x1.9c20000000000p-1, 0x1.8860000000000p-1, 0x1.7680000000000p-1};
/* bits of 2^(j/16) less j << 48 (so that + (n << 48) scales by 2^(n >> 4)) */
static const uint64_t cc_pf_e2[16] __attribute__((aligned(64))) = {
    0x3ff0000000000000ULL, 0x3fefb5586cf9890fULL, 0x3fef72b83c7d517bULL, 0x3fef387a6e756238ULL,
    0x3fef06fe0a31b715ULL, 0x3feedea64c123422ULL, 0x3feebfdad5362a27ULL, 0x3feeab07dd485429ULL,
    0x3feea09e667f3bcdULL, 0x3feea11473eb0187ULL, 0x3feeace5422aa0dbULL, 0x3feec49182a3f090ULL,
    0x3feee89f995ad3adULL, 0x3fef199bdd85529cULL, 0x3fef5818dcfba487ULL, 0x3fefa4afa2a490daULL};
#define CC_PF_L0 0x1.71547652bd274p+0
#define CC_PF_L1 -0x1.71547652d6975p-1
#define CC_PF_L2 0x1.ec70979f32c45p-2
#define CC_PF_L3 -0x1.71546df3167a5p-2
#define CC_PF_L4 0x1.27becc2748887p-2
#define CC_PF_L5 -0x1.ed03d42dc7455p-3
#define CC_PF_SHIFT 0x1.8p48 /* t + SHIFT rounds t to a multiple of 1/16 */
#define CC_PF_E1 0x1.62e42fee45f19p-1 /* 2^f - 1 = f (E1 + E2 f + E3 f^2), |f| <= 1/32 */
#define CC_PF_E2 0x1.ebff91abe2b34p-3
#define CC_PF_E3 0x1.c6b348a60507ap-5
#endif

#define CC_LG(name) CC_CAT(name, CC_SFX)

#if defined(CC_LG_X86) && CC_W == 8 && defined(__AVX512F__)
#define CC_LG_512 1
#elif defined(CC_LG_X86) && CC_W == 4 && defined(__AVX2__)
#define CC_LG_256 1
#endif

/* t[idx] for a 32-entry table, idx in [0, 32) */
CC_INLINE vd CC_LG(cc_lg_lut)(const double *t, vl idx)
{
#if defined(CC_LG_512)
    __m512i i = (__m512i)idx;
    __m512d a = _mm512_permutex2var_pd(_mm512_loadu_pd(t), i, _mm512_loadu_pd(t + 8));
    __m512d b = _mm512_permutex2var_pd(_mm512_loadu_pd(t + 16), i, _mm512_loadu_pd(t + 24));
    return (vd)_mm512_mask_blend_pd(_mm512_test_epi64_mask(i, _mm512_set1_epi64(16)), a, b);
#elif defined(CC_LG_256)
    return (vd)_mm256_i64gather_pd(t, (__m256i)idx, 8);
#else
    vd r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = t[idx[j]];
    return r;
#endif
}

/* base[idx] for any table: hardware gather where there is one */
/* any lane of the mask m (lanes 0 or -1) set */
CC_INLINE int CC_LG(cc_lg_any)(vl m)
{
#if defined(CC_LG_512)
    return _mm512_test_epi64_mask((__m512i)m, (__m512i)m) != 0;
#elif defined(CC_LG_256)
    return !_mm256_testz_si256((__m256i)m, (__m256i)m);
#else
    int64_t a = 0;
    int j;
    for (j = 0; j < CC_W; j++) a |= m[j];
    return a != 0;
#endif
}

CC_INLINE vd CC_LG(cc_lg_sel)(vl m, vd a, vd b)
{
    return (vd)(((vl)a & m) | ((vl)b & ~m));
}

CC_INLINE vd CC_LG(cc_lg_c)(double c) { return CC_CAT(cc_fm_c, CC_SFX)(c); }

/* small integer vector (|k| < 2^51) to double */
CC_INLINE vd CC_LG(cc_lg_i2d)(vl k)
{
#if defined(CC_LG_512) && defined(__AVX512DQ__)
    return __builtin_convertvector(k, vd); /* exact either way */
#else
    return (vd)(k + (int64_t)0x4338000000000000LL) - CC_SHIFT52;
#endif
}

CC_INLINE vd CC_LG(cc_lg_mul22)(vd a, vd b, vd *e) { return CC_CAT(cc_fm_mul22, CC_SFX)(a, b, e); }
CC_INLINE vd CC_LG(cc_lg_fma)(vd a, vd b, vd c) { return CC_CAT(cc_fm_fma, CC_SFX)(a, b, c); }

/* Table reduction shared by all, x positive normal (bits ix):
 * k, kd = k as double, r = z/c - 1 = rh + rl exactly (|rl| <= ulp(rh)/2), table
 * entries invc, lch.  With FMA: z*invc = ph + pl exactly and ph - 1 is exact (ph is
 * within 2^-5 of 1); without: z = zh + zl with zh of 26 bits, and zh*invc, zl*invc are
 * exact (1/c has at most 24 bits).  Both give the same rh and rl. */
#if defined(CC_LG_512) || (defined(CC_LG_256) && defined(__FMA__))
#define CC_LG_R(z, invc)                                                           \
    vd pl, ph = CC_LG(cc_lg_mul22)(z, invc, &pl);                                  \
    vd rt = ph - 1.0;                                                              \
    vd rh = rt + pl;                                                               \
    vd rl = pl - (rh - rt); /* exact: rt == 0 or |rt| >= ulp(ph) > |pl| */
#else
#define CC_LG_R(z, invc)                                                           \
    vd zh = (vd)((vl)(z) & -(1LL << 27));                                          \
    vd zl = (z) - zh;                                                              \
    vd rhi = zh * (invc) - 1.0; /* exact */                                        \
    vd rlo = zl * (invc);       /* exact */                                        \
    vd rh = rhi + rlo;                                                             \
    vd rl = rlo - (rh - rhi);   /* exact */
#endif
#define CC_LG_REDUCE(ix)                                                           \
    vl tmp = (ix) - CC_LOG_OFF;                                                    \
    vl ti = (tmp >> 47) & 31;                                                      \
    vl k = tmp >> 52;                                                              \
    vd z = (vd)((ix) - (tmp & -(1LL << 52)));                                      \
    vd invc = CC_LG(cc_lg_lut)(cc_log_inv, ti);                                    \
    vd lch = CC_LG(cc_lg_lut)(cc_log_lc, ti);                                      \
    CC_LG_R(z, invc)                                                               \
    vd kd = CC_LG(cc_lg_i2d)(k);

/* log(x) = hi + lo to ~2^-62 relative, x positive normal finite */
CC_INLINE vd CC_LG(cc_log_fast)(vd x, vd *lo_out)
{
    vl ix = (vl)x;
    CC_LG_REDUCE(ix)
    vd a = kd * CC_LN2HI;       /* exact */
    vd w = a + lch;
    vd wl = (a - w) + lch;      /* exact: |a| > |log c| or a == 0 */
    vd hi = w + rh;
    vd lo = (w - hi) + rh;      /* exact: |w| > |r| or w == 0 */
    vd r = rh, r2 = r * r, r4 = r2 * r2;
    vd p01 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.000000000175ap-2), CC_LG(cc_lg_c)(0x1.5555555555555p-2));
    vd p23 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.5555545b183c0p-3), CC_LG(cc_lg_c)(0x1.99999999a1858p-3));
    vd p45 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.00195879fa754p-3), CC_LG(cc_lg_c)(0x1.249247a6833a2p-3));
    vd p46 = CC_LG(cc_lg_fma)(r2, CC_LG(cc_lg_c)(0x1.c7553cbfc713fp-4), p45);
    vd p = CC_LG(cc_lg_fma)(r4, p46, CC_LG(cc_lg_fma)(r2, p23, p01));
    vd s = CC_LG(cc_lg_fma)(r2 * r, p, r2 * -0.5);
    lo = lo + rl + CC_LG(cc_lg_fma)(kd, CC_LG(cc_lg_c)(CC_LN2LO), wl) + s;
    *lo_out = lo;
    return hi;
}

/* log(xh + xl) = hi + lo to ~2^-68 relative; xh positive normal finite, |xl| <= ulp(xh),
 * kadd (a small integer as double) is added to the exponent (kadd = 1: log(2x)). */
CC_INLINE vd CC_LG(cc_log_dd)(vd xh, vd xl, vd kadd, vd *lo_out, int has_xl)
{
    vl ix = (vl)xh;
    CC_LG_REDUCE(ix)
    vd lcl = CC_LG(cc_lg_lut)(cc_log_lcl, ti);
    if (has_xl) {
        /* + xl 2^-k / c; 2^-k taken as 0 for k >= 1023 (xl negligible then) */
        vl ek = 0x3ffLL - k;
        vd t = (xl * (vd)((ek & ~(ek >> 63)) << 52)) * invc;
        vd s = rh + t;
        vd bb = s - rh;
        rl = rl + ((rh - (s - bb)) + (t - bb));
        rh = s;
    }
    kd = kd + kadd;
    vd a = kd * CC_LN2HI;       /* exact */
    vd w = a + lch;
    vd wl = (a - w) + lch;
    vd hi1 = w + rh;
    vd lo1 = (w - hi1) + rh;
    vd e2;
    vd p2 = CC_LG(cc_lg_mul22)(rh, rh, &e2);
    vd q = p2 * -0.5;
    vd hi = hi1 + q;
    vd lo2 = (hi1 - hi) + q;
    vd r = rh, r2 = p2, r4 = r2 * r2;
    vd p = (0x1.5555555555555p-2 + r * -0x1.fffffffffffffp-3)
           + r2 * (0x1.99999999a0ad4p-3 + r * -0x1.555555555e731p-3)
           + r4 * ((0x1.249247c2add61p-3 + r * -0x1.fffffce9c9517p-4)
                   + r2 * (0x1.c7531040ad569p-4 + r * -0x1.99d04abd8ca71p-4));
    vd lo = lo1 + lo2 + rl + (wl + (kd * CC_LN2LO + lcl)) + (e2 * -0.5 - rh * rl) + (r2 * r) * p;
    *lo_out = lo;
    return hi;
}

/* log(x) = hi + lo to ~2^-68 relative for pow, x positive normal finite: cc_log_dd
 * without xl, its polynomial in fused steps */
CC_INLINE vd CC_LG(cc_log_pow)(vd x, vd *lo_out)
{
    vl ix = (vl)x;
    CC_LG_REDUCE(ix)
    vd lcl = CC_LG(cc_lg_lut)(cc_log_lcl, ti);
    vd a = kd * CC_LN2HI;       /* exact */
    vd w = a + lch;
    vd wl = (a - w) + lch;      /* exact: |a| > |log c| or a == 0 */
    vd hi1 = w + rh;
    vd lo1 = (w - hi1) + rh;    /* exact: |w| > |r| or w == 0 */
    vd e2;
    vd p2 = CC_LG(cc_lg_mul22)(rh, rh, &e2);
    vd q = p2 * -0.5;
    vd hi = hi1 + q;
    vd lo2 = (hi1 - hi) + q;
    vd r = rh, r2 = p2, r4 = r2 * r2;
    vd p01 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.fffffffffffffp-3), CC_LG(cc_lg_c)(0x1.5555555555555p-2));
    vd p23 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.555555555e731p-3), CC_LG(cc_lg_c)(0x1.99999999a0ad4p-3));
    vd p45 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.fffffce9c9517p-4), CC_LG(cc_lg_c)(0x1.249247c2add61p-3));
    vd p67 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(-0x1.99d04abd8ca71p-4), CC_LG(cc_lg_c)(0x1.c7531040ad569p-4));
    vd p = CC_LG(cc_lg_fma)(r4, CC_LG(cc_lg_fma)(r2, p67, p45), CC_LG(cc_lg_fma)(r2, p23, p01));
    vd lo = lo1 + lo2 + rl + (wl + CC_LG(cc_lg_fma)(kd, CC_LG(cc_lg_c)(CC_LN2LO), lcl))
            + CC_LG(cc_lg_fma)(r2 * r, p, CC_LG(cc_lg_fma)(-rh, rl, e2 * -0.5));
    *lo_out = lo;
    return hi;
}

/* not (positive normal finite): ix - 2^52 as unsigned at or above 0x7fe0... */
CC_INLINE vl CC_LG(cc_lg_notnormal)(vd x)
{
    return (vl)((vu)((vl)x - (1LL << 52)) >= (vu){0} + 0x7fe0000000000000ULL);
}

/* res[j] = f(x[j]) where m[j]: out of line and cold, so that the hot loop makes no
 * call and keeps its constants in registers */
static __attribute__((noinline, cold)) vd CC_LG(cc_lg_fixup)(vd res, vd x, vl m,
                                                           double (*f)(double))
{
    int j;
    for (j = 0; j < CC_W; j++)
        if (m[j]) res[j] = f(x[j]);
    return res;
}
#define CC_LG_FIX(res, x, m, F)                                                    \
    if (__builtin_expect(CC_LG(cc_lg_any)(m), 0))                                  \
        res = CC_LG(cc_lg_fixup)(res, x, m, F);

/* ---- log ---- */
CC_INLINE vd CC_LG(cc_k_log)(vd x)
{
    vd lo, hi = CC_LG(cc_log_fast)(x, &lo);
    vd res = hi + lo;
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log)
    return res;
}
CC_UNARY_F64(log_f64, CC_LG(cc_k_log), 1.0)

/* float32 log, log2, log10: the same reduction in plain double arithmetic (~2^-45
 * relative), then one rounding to float */
CC_INLINE vd CC_LG(cc_log_f32core)(vd x)
{
    vl ix = (vl)x;
    vl tmp = ix - CC_LOG_OFF;
    vl ti = (tmp >> 47) & 31;
    vd kd = CC_LG(cc_lg_i2d)(tmp >> 52);
    vd z = (vd)(ix - (tmp & -(1LL << 52)));
    vd r = z * CC_LG(cc_lg_lut)(cc_log_inv, ti) - 1.0;
    vd r2 = r * r;
    vd q = (-0.5 + r * 0x1.5555555555555p-2) + r2 * (-0.25 + r * 0.2);
    return (kd * 0x1.62e42fefa39efp-1 + CC_LG(cc_lg_lut)(cc_log_lc, ti)) + (r + r2 * q);
}
CC_INLINE vd CC_LG(cc_k_logf)(vd x)
{
    vd res = CC_LG(cc_log_f32core)(x);
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log)
    return res;
}
CC_INLINE vd CC_LG(cc_k_log2f)(vd x)
{
    vd res = CC_LG(cc_log_f32core)(x) * CC_INVLN2_HI;
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log2)
    return res;
}
CC_INLINE vd CC_LG(cc_k_log10f)(vd x)
{
    vd res = CC_LG(cc_log_f32core)(x) * CC_INVLN10_HI;
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log10)
    return res;
}

/* ---- log2, log10: (hi + lo) * C, C a double-double ---- */
CC_INLINE vd CC_LG(cc_lg_scale)(vd hi, vd lo, double ch, double cl)
{
    vd e, p = CC_LG(cc_lg_mul22)(hi, (vd){0} + ch, &e);
    return p + (e + (hi * cl + lo * ch));
}
CC_INLINE vd CC_LG(cc_k_log2)(vd x)
{
    vd lo, hi = CC_LG(cc_log_fast)(x, &lo);
    vd res = CC_LG(cc_lg_scale)(hi, lo, CC_INVLN2_HI, CC_INVLN2_LO);
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log2)
    return res;
}
CC_UNARY_F64(log2_f64, CC_LG(cc_k_log2), 1.0)
CC_INLINE vd CC_LG(cc_k_log10)(vd x)
{
    vd lo, hi = CC_LG(cc_log_fast)(x, &lo);
    vd res = CC_LG(cc_lg_scale)(hi, lo, CC_INVLN10_HI, CC_INVLN10_LO);
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log10)
    return res;
}
CC_UNARY_F64(log10_f64, CC_LG(cc_k_log10), 1.0)

/* ---- float32 log, log2, log10 in float32 lanes (2W of them) ----
 * x = 2^k z, z in [0x1.64p-1, 0x1.64p0) split by its top 5 fraction bits (32 entries,
 * one two-register permute with AVX-512); the table's m = S1/c has 12 bits and
 * z = zh + zl (12 bits each), so S1 r = z m - S1 (r = z/c - 1) is exact as a float
 * pair.  log_b x = (k log_b 2 + log_b c) + S r + S q(r) (S = 1/ln b, q(r) = log1p(r) - r
 * to ~2^-27 relative, |r| <= 2^-6): the first sum is exact (log_b c rounded to the
 * grid of k log_b 2's high part, its rest added to the low part), the rest is summed
 * as hi + lo in float: under 0.6 ULP in all (checked on every float).  c = 1 on the
 * interval holding 1.0.  Lanes that are not positive normal floats are recomputed
 * by the float64-lane kernels above. */
CC_INLINE vf CC_LG(cc_lf_lut)(const float *t, vi j) /* t[j & 31] */
{
#if defined(CC_LG_512)
    return (vf)_mm512_permutex2var_ps(_mm512_load_ps(t), (__m512i)j, _mm512_load_ps(t + 16));
#elif defined(CC_LG_256)
    __m256i jj = (__m256i)j;
    __m256 b3 = _mm256_castsi256_ps(_mm256_slli_epi32(jj, 28));
    __m256 lo = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(t), jj),
                                 _mm256_permutevar8x32_ps(_mm256_load_ps(t + 8), jj), b3);
    __m256 hi = _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_load_ps(t + 16), jj),
                                 _mm256_permutevar8x32_ps(_mm256_load_ps(t + 24), jj), b3);
    return (vf)_mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(_mm256_slli_epi32(jj, 27)));
#else
    vf r;
    int i;
    for (i = 0; i < 2 * CC_W; i++) r[i] = t[j[i] & 31];
    return r;
#endif
}

/* x (bits ix) not a positive normal float: ix - 2^23 unsigned at or above 0x7f000000 */
CC_INLINE vi CC_LG(cc_lf_notnormal)(vi ix)
{
    return (ix + 0x7f800000) >= (int32_t)0xff000000;
}

CC_INLINE int CC_LG(cc_lf_anybad)(vi ix)
{
#if defined(CC_LG_512)
    return _mm512_cmpge_epu32_mask(_mm512_sub_epi32((__m512i)ix, _mm512_set1_epi32(0x00800000)),
                                   _mm512_set1_epi32(0x7f000000)) != 0;
#elif defined(CC_LG_256)
    __m256i m = (__m256i)CC_LG(cc_lf_notnormal)(ix);
    return !_mm256_testz_si256(m, m);
#else
    vi m = CC_LG(cc_lf_notnormal)(ix);
    int32_t a = 0;
    int i;
    for (i = 0; i < 2 * CC_W; i++) a |= m[i];
    return a != 0;
#endif
}

/* lanes of res whose x is not a positive normal float := float64-lane kernel (mode
 * 0: log, 1: log2, 2: log10) */
static __attribute__((noinline, cold)) vf CC_LG(cc_lf_fix)(vf x, vf res, int mode)
{
    float xa[2 * CC_W], ya[2 * CC_W];
    vi m = CC_LG(cc_lf_notnormal)((vi)x);
    vfh h;
    vd d;
    int i, c;
    memcpy(xa, &x, sizeof xa);
    memcpy(ya, &res, sizeof ya);
    for (c = 0; c < 2; c++) {
        memcpy(&h, xa + c * CC_W, sizeof h);
        d = __builtin_convertvector(h, vd);
        d = mode == 0 ? CC_LG(cc_k_logf)(d) : mode == 1 ? CC_LG(cc_k_log2f)(d) : CC_LG(cc_k_log10f)(d);
        h = __builtin_convertvector(d, vfh);
        for (i = 0; i < CC_W; i++)
            if (m[c * CC_W + i]) ya[c * CC_W + i] = h[i];
    }
    memcpy(&res, ya, sizeof ya);
    return res;
}

/* B: E, 2 or 10; x positive normal float.  With S1 = S rounded to 12 bits (1 for
 * log), the table holds m = S1/c (12 bits), so v = S1 r = z m - S1 = v + vl exactly
 * and S r = (v + vl)(1 + D). */
#define CC_LF_BODY(B, KH, KL)                                                  \
    vi ix = (vi)x;                                                             \
    vi tmp = ix - CC_LF_OFF;                                                   \
    vi j = tmp >> 18;                                                          \
    vf kf = __builtin_convertvector(tmp >> 23, vf);                            \
    vf z = (vf)(ix - (tmp & (int32_t)0xff800000));                             \
    vf zh = (vf)((vi)z & (int32_t)0xfffff000);                                 \
    vf zl = z - zh;                                                            \
    vf m = CC_LG(cc_lf_lut)(cc_lf_inv##B, j);                                  \
    vf vhi = zh * m - CC_LF_S1_##B; /* exact */                                \
    vf vlo = zl * m;                /* exact */                                \
    vf v = vhi + vlo;                                                          \
    vf vl = vlo - (v - vhi);                                                   \
    vf v2 = v * v;                                                             \
    vf p = v2 * (CC_LF_H_##B + v * (CC_LF_C3_##B + v * CC_LF_C4_##B));          \
    vf w = KH + CC_LG(cc_lf_lut)(cc_lf_lc##B##_h, j); /* exact */             \
    vf hi = w + v;                                                             \
    vf lo = (w - hi) + v;                                                      \
    vf res = hi + ((lo + (KL + CC_LG(cc_lf_lut)(cc_lf_lc##B##_l, j))) + (vl + p));

#define CC_LF_RET(MODE)                                                        \
    if (__builtin_expect(CC_LG(cc_lf_anybad)(ix), 0))                          \
        res = CC_LG(cc_lf_fix)(x, res, MODE);                                  \
    return res;

CC_INLINE vf CC_LG(cc_lf_log)(vf x)
{
    CC_LF_BODY(E, kf * CC_LF_LN2H, kf * CC_LF_LN2L)
    CC_LF_RET(0)
}

CC_INLINE vf CC_LG(cc_lf_log2)(vf x)
{
    CC_LF_BODY(2, kf, v * CC_LF_D_2)
    CC_LF_RET(1)
}

CC_INLINE vf CC_LG(cc_lf_log10)(vf x)
{
    CC_LF_BODY(10, kf * CC_LF_LG2H, (kf * CC_LF_LG2L + v * CC_LF_D_10))
    CC_LF_RET(2)
}
CC_UNARY_F32L(log_f32, CC_LG(cc_lf_log), 1.0f)
CC_UNARY_F32L(log2_f32, CC_LG(cc_lf_log2), 1.0f)
CC_UNARY_F32L(log10_f32, CC_LG(cc_lf_log10), 1.0f)

/* ---- pow ---- */
CC_INLINE vd CC_LG(cc_lg_sqrt)(vd x)
{
    vd r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = __builtin_sqrt(x[j]);
    return r;
}

/* exp(ehi + elo), -700 <= ehi <= 708, |elo| <= 2^-24 |ehi| */
CC_INLINE vd CC_LG(cc_exp_dd)(vd ehi, vd elo)
{
    vd kt = ehi * CC_EXP_INVLN2N + CC_SHIFT52;
    vl ki = (vl)kt;
    vd kd = kt - CC_SHIFT52;
    vd r = CC_LG(cc_lg_fma)(-kd, CC_LG(cc_lg_c)(CC_EXP_LN2LON), ehi - kd * CC_EXP_LN2HIN) + elo;
    vl j = ki & 31;
    vd tail = CC_LG(cc_lg_lut)(cc_exp_tail, j);
    vd sc = (vd)((vl)CC_LG(cc_lg_lut)((const double *)cc_exp_sbits, j) + (ki << 47));
    vd r2 = r * r, r4 = r2 * r2;
    vd p01 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(0x1.5555555555555p-3), CC_LG(cc_lg_c)(0x1.0000000000000p-1));
    vd p23 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(0x1.1111111109e89p-7), CC_LG(cc_lg_c)(0x1.5555555547aafp-5));
    vd p45 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(0x1.a01a5dca2e267p-13), CC_LG(cc_lg_c)(0x1.6c17225fd71d0p-10));
    vd t = tail + r + CC_LG(cc_lg_fma)(r2, p01, r4 * CC_LG(cc_lg_fma)(r2, p45, p23));
    return CC_LG(cc_lg_fma)(sc, t, sc);
}

/* x^y for x positive normal finite and y*log(x) in [-700, 708]; *bad flags the lanes
 * outside that (x <= 0, subnormal, inf, NaN; |y| >= 2^900, y NaN, since the base
 * target's Dekker split of y would overflow; overflow and underflow) and those with y in
 * {2, -1, 0.5}, for cc_pow_fix */
CC_INLINE vd CC_LG(cc_pow_core)(vd x, vd y, vl *bad)
{
    vl ix = (vl)x, iy = (vl)y;
    vd ax = (vd)(ix & 0x7fffffffffffffffLL);
    vd lo, hi = CC_LG(cc_log_pow)(ax, &lo);
    vd th = hi + lo;
    lo = lo - (th - hi);
    hi = th;
    vd ee, ehi = CC_LG(cc_lg_mul22)(y, hi, &ee); /* y*hi = ehi + ee exactly */
    vd elo = CC_LG(cc_lg_fma)(y, lo, ee);
    vd res = CC_LG(cc_exp_dd)(ehi, elo);
    *bad = CC_LG(cc_lg_notnormal)(x) | ((iy & 0x7ff0000000000000LL) >= 0x7830000000000000LL)
           | ~((ehi <= 708.0) & (ehi >= -700.0)) | (y == 2.0) | (y == -1.0) | (y == 0.5);
    return res;
}

/* The lanes cc_pow_core flagged, out of line and cold: the exponents whose correctly
 * rounded pow is one IEEE operation (x*x and 1/x for every x, as C's pow gives the same
 * there; sqrt(x) for x > 0); x < 0 with an integer y below 2^51 where |x|^y is in the
 * fast domain: that, negated for odd y; every other flagged lane C's pow. */
static __attribute__((noinline, cold)) vd CC_LG(cc_pow_fix)(vd res, vd x, vd y)
{
    vl bad;
    vd pa = CC_LG(cc_pow_core)((vd)((vl)x & 0x7fffffffffffffffLL), y, &bad);
    int j;
    for (j = 0; j < CC_W; j++) {
        double xj = x[j], yj = y[j];
        if (yj == 2.0)
            res[j] = xj * xj;
        else if (yj == -1.0)
            res[j] = 1.0 / xj;
        else if (yj == 0.5 && xj > 0.0)
            res[j] = __builtin_sqrt(xj);
        else if (xj < 0.0 && !bad[j] && __builtin_fabs(yj) < 0x1p51 && yj == __builtin_trunc(yj))
            res[j] = ((int64_t)yj & 1) ? -pa[j] : pa[j];
        else if (bad[j] || xj < 0.0)
            res[j] = pow(xj, yj);
    }
    return res;
}

CC_INLINE vd CC_LG(cc_k_pow)(vd x, vd y)
{
    vl bad;
    vd res = CC_LG(cc_pow_core)(x, y, &bad);
    if (__builtin_expect(CC_LG(cc_lg_any)(bad), 0))
        res = CC_LG(cc_pow_fix)(res, x, y);
    return res;
}
CC_BINARY_F64_X2(power_f64, CC_LG(cc_pow_core), CC_LG(cc_pow_fix), CC_LG(cc_lg_any), 1.0, 1.0)

/* ---- x**3 (float64): cc_cube1 in _vm_ops.h, lane by lane ---- */
CC_INLINE vd CC_LG(cc_k_cube)(vd x)
{
    vd e, f, s = CC_LG(cc_lg_mul22)(x, x, &e);
    vd p = CC_LG(cc_lg_mul22)(s, x, &f);
    vd res = p + (f + e * x);
    vd a = (vd)((vl)x & 0x7fffffffffffffffLL);
    vl m = ~((a >= CC_CUBE_LO) & (a <= CC_CUBE_HI));
    CC_LG_FIX(res, x, m, cc_cube_edge)
    return res;
}
CC_UNARY_F64(cube_f64, CC_LG(cc_k_cube), 1.0)
CC_UNARY_F32(cube_f32, CC_LG(cc_k_cube), 1.0f)  /* never emitted (see cc_cube1f) */
/* ---- float32 pow in float64 lanes ----
 * A float result needs only ~2^-28 relative accuracy (0.5 + 2^24 eps ULP):
 * log2|x| = k + log2 c + r Q(r) (the 16-entry float reduction, m = 1/c of 12 bits:
 * r = z/c - 1 is exact in double, |r| < 0.0298, Q of degree 5, ~2^-38 relative),
 * t = y log2|x| in plain double, 2^t = 2^(n/16) (1 + f P(f)), n = round(16 t), from
 * a 16-entry table and a degree-3 polynomial (~2^-28.7), the polynomials in fused
 * steps; one rounding to float (max 0.537 ULP; the same floats as unfused steps on
 * 8e6 sampled pairs).
 * Vectors with a lane that has x <= 0, x inf/NaN or t outside [-160, 127.99]
 * (overflow, NaN, y = +-inf) take the cold path: x < 0 with integer y flips the
 * sign for odd y, and the rest goes to the float64 pow kernel. */
CC_INLINE vd CC_LG(cc_pf_lut)(const double *t, vl j) /* t[j & 15] */
{
#if defined(CC_LG_512)
    return (vd)_mm512_permutex2var_pd(_mm512_load_pd(t), (__m512i)j, _mm512_load_pd(t + 8));
#elif defined(CC_LG_256)
    return (vd)_mm256_i64gather_pd(t, (__m256i)(j & 15), 8);
#else
    vd r;
    int i;
    for (i = 0; i < CC_W; i++) r[i] = t[j[i] & 15];
    return r;
#endif
}

/* log2(x) as in cc_pf_core, x positive normal */
CC_INLINE vd CC_LG(cc_pf_log2)(vd x)
{
    vl tmp = (vl)x - CC_PF_OFF;
    vd kd = CC_LG(cc_lg_i2d)(tmp >> 52);
    vd z = (vd)((vl)x - (tmp & -(1LL << 52)));
    vd r = CC_LG(cc_lg_fma)(z, CC_LG(cc_pf_lut)(cc_pf_inv, tmp >> 48), CC_LG(cc_lg_c)(-1.0));
    vd r2 = r * r;
    vd q01 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(CC_PF_L1), CC_LG(cc_lg_c)(CC_PF_L0));
    vd q23 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(CC_PF_L3), CC_LG(cc_lg_c)(CC_PF_L2));
    vd q45 = CC_LG(cc_lg_fma)(r, CC_LG(cc_lg_c)(CC_PF_L5), CC_LG(cc_lg_c)(CC_PF_L4));
    vd q = CC_LG(cc_lg_fma)(r2, CC_LG(cc_lg_fma)(r2, q45, q23), q01);
    return CC_LG(cc_lg_fma)(r, q, kd + CC_LG(cc_pf_lut)(cc_pf_l2c, tmp >> 48));
}

/* x^y as above for x > 0 (garbage where that is not defined); *bad: nonzero if some
 * lane needs the cold path */
CC_INLINE vd CC_LG(cc_pf_core)(vd x, vd y, int *bad)
{
    vd t = y * CC_LG(cc_pf_log2)(x);
    vd kt = t + CC_PF_SHIFT;
    vl ki = (vl)kt;
    vd f = t - (kt - CC_PF_SHIFT);
    vd p = f * CC_LG(cc_lg_fma)(f, CC_LG(cc_lg_fma)(f, CC_LG(cc_lg_c)(CC_PF_E3), CC_LG(cc_lg_c)(CC_PF_E2)),
                                CC_LG(cc_lg_c)(CC_PF_E1));
    vd sc = (vd)((vl)CC_LG(cc_pf_lut)((const double *)cc_pf_e2, ki) + (ki << 48));
#if defined(CC_LG_512)
    *bad |= _mm512_cmp_pd_mask((__m512d)t, _mm512_set1_pd(127.99), _CMP_NLE_UQ)
            | _mm512_cmp_pd_mask((__m512d)t, _mm512_set1_pd(-160.0), _CMP_NGE_UQ)
            | _mm512_cmpge_epu64_mask(_mm512_sub_epi64((__m512i)x, _mm512_set1_epi64(1)),
                                      _mm512_set1_epi64(0x7fefffffffffffffLL));
#else
    *bad |= CC_LG(cc_lg_any)(~((t >= -160.0) & (t <= 127.99))
                             | ((vu)((vl)x - 1) >= (vu){0} + 0x7fefffffffffffffULL));
#endif
    return CC_LG(cc_lg_fma)(sc, p, sc);
}

/* cold path for one half */
static __attribute__((noinline, cold)) vd CC_LG(cc_pf_fix)(vd x, vd y)
{
    int bad = 0;
    vl ix = (vl)x;
    vd ax = (vd)(ix & 0x7fffffffffffffffLL);
    vd res = CC_LG(cc_pf_core)(ax, y, &bad);
    vd t = y * CC_LG(cc_pf_log2)(ax);
    vl xneg = ix >> 63;
    vd yt = y + CC_SHIFT52;
    vl yint = ((yt - CC_SHIFT52) == y) & ((vd)((vl)y & 0x7fffffffffffffffLL) < 0x1p51);
    vl m = ~((t >= -160.0) & (t <= 127.99))
           | ((vu)((ix & 0x7fffffffffffffffLL) - 1) >= (vu){0} + 0x7fefffffffffffffULL)
           | (xneg & ~yint);
    /* x < 0 and y an integer below 2^51: |x|^y, negated for odd y */
    res = (vd)((vl)res ^ (xneg & ((vl)yt << 63)));
    if (CC_LG(cc_lg_any)(m))
        res = CC_LG(cc_lg_sel)(m, CC_LG(cc_k_pow)(x, y), res);
    return res;
}

CC_INLINE vf CC_LG(cc_pf_pow)(vf a, vf b)
{
    vd x0, x1, y0, y1, r0, r1;
    int bad = 0;
    vf out;
#if defined(CC_LG_512)
    x0 = (vd)_mm512_cvtps_pd(_mm512_castps512_ps256((__m512)a));
    x1 = (vd)_mm512_cvtps_pd(_mm512_extractf32x8_ps((__m512)a, 1));
    y0 = (vd)_mm512_cvtps_pd(_mm512_castps512_ps256((__m512)b));
    y1 = (vd)_mm512_cvtps_pd(_mm512_extractf32x8_ps((__m512)b, 1));
#elif defined(CC_LG_256)
    x0 = (vd)_mm256_cvtps_pd(_mm256_castps256_ps128((__m256)a));
    x1 = (vd)_mm256_cvtps_pd(_mm256_extractf128_ps((__m256)a, 1));
    y0 = (vd)_mm256_cvtps_pd(_mm256_castps256_ps128((__m256)b));
    y1 = (vd)_mm256_cvtps_pd(_mm256_extractf128_ps((__m256)b, 1));
#else
    {
        int i;
        for (i = 0; i < CC_W; i++) {
            x0[i] = a[i], x1[i] = a[CC_W + i];
            y0[i] = b[i], y1[i] = b[CC_W + i];
        }
    }
#endif
    r0 = CC_LG(cc_pf_core)(x0, y0, &bad);
    r1 = CC_LG(cc_pf_core)(x1, y1, &bad);
    if (__builtin_expect(bad != 0, 0)) {
        r0 = CC_LG(cc_pf_fix)(x0, y0);
        r1 = CC_LG(cc_pf_fix)(x1, y1);
    }
#if defined(CC_LG_512)
    out = (vf)_mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps((__m512d)r0)),
                                 _mm512_cvtpd_ps((__m512d)r1), 1);
#elif defined(CC_LG_256)
    out = (vf)_mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps((__m256d)r0)),
                                   _mm256_cvtpd_ps((__m256d)r1), 1);
#else
    {
        int i;
        for (i = 0; i < CC_W; i++) out[i] = (float)r0[i], out[CC_W + i] = (float)r1[i];
    }
#endif
    return out;
}
CC_BINARY_F32L(power_f32, CC_LG(cc_pf_pow), 1.0f, 1.0f)

/* ---- log1p ---- */
CC_INLINE vd CC_LG(cc_k_log1p)(vd x)
{
    const vd zero = {0};
    vd s = 1.0 + x;
    vd bb = s - 1.0;
    vd t = (1.0 - (s - bb)) + (x - bb);
    vd lo, hi = CC_LG(cc_log_dd)(s, t, zero, &lo, 1);
    vd res = hi + lo;
    vd ax = (vd)((vl)x & 0x7fffffffffffffffLL);
    res = CC_LG(cc_lg_sel)(ax < 0x1p-54, x, res);
    vl m = ~(x > -1.0) | (x == __builtin_inf());
    CC_LG_FIX(res, x, m, log1p)
    return res;
}
CC_UNARY_F64(log1p_f64, CC_LG(cc_k_log1p), 1.0)
CC_UNARY_F32(log1p_f32, CC_LG(cc_k_log1p), 1.0f)

/* sqrt(sh + sl) = q + *ql, sh > 0 */
CC_INLINE vd CC_LG(cc_lg_sqrt2)(vd sh, vd sl, vd *ql)
{
    vd q = CC_LG(cc_lg_sqrt)(sh);
    vd qe, q2 = CC_LG(cc_lg_mul22)(q, q, &qe);
    *ql = (((sh - q2) - qe) + sl) / (q + q);
    return q;
}

/* ---- arcsinh ---- */
CC_INLINE vd CC_LG(cc_k_asinh)(vd x)
{
    vl sgn = (vl)x & (-0x7fffffffffffffffLL - 1);
    vd a = (vd)((vl)x ^ sgn);
    vd e, p = CC_LG(cc_lg_mul22)(a, a, &e);
    vd sh = p + 1.0;
    vd bb = sh - p;
    vd sl = ((p - (sh - bb)) + (1.0 - bb)) + e;
    vd ql, q = CC_LG(cc_lg_sqrt2)(sh, sl, &ql);
    vd xh = q + a;                       /* q >= a */
    vd xl = ((q - xh) + a) + ql;
    vd th = xh + xl;
    xl = xl - (th - xh);
    xh = th;
    vl big = a > 0x1p28;                 /* asinh = log(2a) */
    xh = CC_LG(cc_lg_sel)(big, a, xh);
    xl = (vd)((vl)xl & ~big);
    vd kadd = (vd)(big & (vl)((vd){0} + 1.0));
    vd lo, hi = CC_LG(cc_log_dd)(xh, xl, kadd, &lo, 1);
    vd res = (vd)((vl)(hi + lo) | sgn);
    res = CC_LG(cc_lg_sel)(a < 0x1p-26, x, res);
    vl m = ((vl)a >= 0x7ff0000000000000LL);
    CC_LG_FIX(res, x, m, asinh)
    return res;
}
CC_UNARY_F64(arcsinh_f64, CC_LG(cc_k_asinh), 1.0)
CC_UNARY_F32(arcsinh_f32, CC_LG(cc_k_asinh), 1.0f)

/* ---- arccosh ---- */
CC_INLINE vd CC_LG(cc_k_acosh)(vd x)
{
    vd e, p = CC_LG(cc_lg_mul22)(x, x, &e);
    vd sh = p - 1.0;
    vd sl = ((p - sh) - 1.0) + e;
    vd ql, q = CC_LG(cc_lg_sqrt2)(sh, sl, &ql);
    ql = (vd)((vl)ql & ~(sh == 0.0));
    vd xh = x + q;                       /* x >= q */
    vd xl = ((x - xh) + q) + ql;
    vd th = xh + xl;
    xl = xl - (th - xh);
    xh = th;
    vl big = x > 0x1p28;                 /* acosh = log(2x) */
    xh = CC_LG(cc_lg_sel)(big, x, xh);
    xl = (vd)((vl)xl & ~big);
    vd kadd = (vd)(big & (vl)((vd){0} + 1.0));
    vd lo, hi = CC_LG(cc_log_dd)(xh, xl, kadd, &lo, 1);
    vd res = hi + lo;
    vl m = ~(x >= 1.0) | (x == __builtin_inf());
    CC_LG_FIX(res, x, m, acosh)
    return res;
}
CC_UNARY_F64(arccosh_f64, CC_LG(cc_k_acosh), 2.0)
CC_UNARY_F32(arccosh_f32, CC_LG(cc_k_acosh), 2.0f)

/* ---- arctanh: log((1+a)/(1-a)) / 2 ---- */
CC_INLINE vd CC_LG(cc_k_atanh)(vd x)
{
    const vd zero = {0};
    vl sgn = (vl)x & (-0x7fffffffffffffffLL - 1);
    vd a = (vd)((vl)x ^ sgn);
    vd nh = 1.0 + a;
    vd nl = (1.0 - nh) + a;
    vd dh = 1.0 - a;
    vd dl = (1.0 - dh) - a;
    vd q = nh / dh;
    vd pe, pp = CC_LG(cc_lg_mul22)(q, dh, &pe);
    vd ql = (((nh - pp) - pe) + nl - q * dl) / dh;
    vd th = q + ql;
    ql = ql - (th - q);
    vd lo, hi = CC_LG(cc_log_dd)(th, ql, zero, &lo, 1);
    vd res = (vd)((vl)((hi + lo) * 0.5) | sgn);
    res = CC_LG(cc_lg_sel)(a < 0x1p-28, x, res);
    vl m = ~(a < 1.0);
    CC_LG_FIX(res, x, m, atanh)
    return res;
}
CC_UNARY_F64(arctanh_f64, CC_LG(cc_k_atanh), 0.5)
CC_UNARY_F32(arctanh_f32, CC_LG(cc_k_atanh), 0.5f)

#undef CC_LG_R
#undef CC_LG_512
#undef CC_LG_256
#undef CC_LG
#endif /* CC_SCALAR */
