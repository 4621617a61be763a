/* Block-level helpers of concore's stable LSD radix sort (used by sorting.pyx).
 *
 * Every supported dtype is moved as the unsigned integer of its width (its raw bits,
 * so values, NaN payloads and the sign of zero come out exactly as they went in) and
 * ordered by an order-preserving unsigned key computed from those bits on every pass:
 *
 *   float:  +x -> bits | sign,  -x -> ~bits,  -0.0 -> key of +0.0,  any NaN -> all ones
 *   signed: bits ^ sign         unsigned/bool: bits
 *
 * Equal keys keep their input order (LSD radix sort is stable), so the result is
 * numpy.sort(kind='stable')'s: -0.0/0.0 and NaNs in input order, NaNs last. Comparing
 * keys is also exactly NumPy's `less` for searchsorted (NaN sorts last, -0.0 == 0.0).
 *
 * Digits: 8 bits (a pass per byte whose digit is not the same for every key).
 * The parallel driver (sorting.pyx) calls the *_hist / *_scatter functions on fixed
 * blocks; *_sort_serial / *_argsort_serial sort one row in the calling thread.
 */
#ifndef CONCORE_SORT_H
#define CONCORE_SORT_H

#include <stdint.h>
#include <string.h>
#include "_ranks.h"
#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Scratch buffers of the blocked sorts: 2 MiB aligned and, on Linux, backed by
   transparent huge pages where the system allows it (madvise mode): 512x fewer page
   faults on a fresh buffer and fewer TLB misses in the scattered writes. */
static void *cs_big_alloc(size_t nbytes) {
    void *p = NULL;
    size_t align = (size_t)1 << 21;
    if (nbytes < align) return malloc(nbytes ? nbytes : 1);
    nbytes = (nbytes + align - 1) & ~(align - 1);
    if (posix_memalign(&p, align, nbytes) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, nbytes, MADV_HUGEPAGE);
#endif
    return p;
}
static void cs_big_free(void *p) { free(p); }

#define CS_MAXR 2048          /* largest radix (11-bit digits) */
#define CS_MAXP 8             /* most passes (64-bit keys) */
#define CS_SMALL 32           /* rows up to this length: sorted by rank (NAME##_ranks) */
#define CS_RUN 16             /* argsort of short rows: rank-sorted runs ... */
#define CS_MERGE_MAX 128      /* ... merged, for rows up to this length */
#define CS_MSD_BITS 11        /* digit of the MSD passes (2048 buckets) */
#define CS_MSD_R (1 << CS_MSD_BITS)
#define CS_MSD_MIN (1 << 17)
#define CS_AHEAD 32           /* elements between a gather's prefetch and its use */
#if defined(__GNUC__) || defined(__clang__)
#define CS_PREFETCH(p) __builtin_prefetch(p)
#elif defined(_MSC_VER)
#include <xmmintrin.h>
#define CS_PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#else
#define CS_PREFETCH(p) ((void)0)
#endif  /* buckets up to this size: LSD directly (mostly in cache) */

/* The MSD digit of keys in [lo, hi] (hi > lo), `bits` wide: ((key - *base) >> *shift)
   & (2**bits - 1), from the highest bit in which lo and hi differ. The base is lo
   rounded down to the digit's unit, so bucket edges stay where the plain top bits put
   them (a float's binades); one bit more of shift if that pushes hi past the last
   bucket. Keys near zero of both signs still spread over the buckets. */
static inline void cs_msd_plan(uint64_t lo, uint64_t hi, int bits, int *shift,
                               uint64_t *base) {
    uint64_t diff = hi - lo, mask = ((uint64_t)1 << bits) - 1;
    int hb = 63, s;
    while (!((diff >> hb) & 1)) hb--;
    s = hb - bits + 1 < 0 ? 0 : hb - bits + 1;
    if (((hi - (lo & ~(((uint64_t)1 << s) - 1))) >> s) > mask) s++;
    *shift = s;
    *base = lo & ~(((uint64_t)1 << s) - 1);
}

/* Whether q[0:n] holds a zero (of either sign) or a NaN: the filter of the NumPy-path
   fix-up (sorting.pyx zero_nan_rows). The baseline x86-64 build cannot vectorize these
   compares (no vector type for them in SSE2 here), so an AVX2 copy is chosen at run
   time: a quarter of the time on rows of 100. */
#define CS_ANY_ZN(NAME, T)                                                              \
    static int NAME(const T *q, intptr_t n) {                                          \
        int hits = 0;                                                                  \
        for (intptr_t j = 0; j < n; j++) hits |= (q[j] != q[j]) | (q[j] == 0);         \
        return hits;                                                                   \
    }
CS_ANY_ZN(cs_any_zn_f64_1, double)
CS_ANY_ZN(cs_any_zn_f32_1, float)
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
__attribute__((target("avx2"))) CS_ANY_ZN(cs_any_zn_f64_avx2, double)
__attribute__((target("avx2"))) CS_ANY_ZN(cs_any_zn_f32_avx2, float)
static int cs_avx2 = -1;   /* -1 until first use (a racing thread writes the same) */
static inline int cs_has_avx2(void) {
    if (cs_avx2 < 0) {
        __builtin_cpu_init();
        cs_avx2 = __builtin_cpu_supports("avx2") ? 1 : 0;
    }
    return cs_avx2;
}
static int cs_any_zn_f64(const double *q, intptr_t n) {
    return cs_has_avx2() ? cs_any_zn_f64_avx2(q, n) : cs_any_zn_f64_1(q, n);
}
static int cs_any_zn_f32(const float *q, intptr_t n) {
    return cs_has_avx2() ? cs_any_zn_f32_avx2(q, n) : cs_any_zn_f32_1(q, n);
}
#else
#define cs_any_zn_f64 cs_any_zn_f64_1
#define cs_any_zn_f32 cs_any_zn_f32_1
#endif
#undef CS_ANY_ZN

/* Without branches: data of both signs (normal noise) would mispredict every other
   key on the sign. */
static inline uint64_t cs_key_f64(uint64_t u) {
    uint64_t a = u & 0x7fffffffffffffffULL;
    uint64_t k = u ^ ((uint64_t)((int64_t)u >> 63) | 0x8000000000000000ULL);
    k = a == 0 ? 0x8000000000000000ULL : k;                     /* -0.0 as +0.0 */
    return a > 0x7ff0000000000000ULL ? ~(uint64_t)0 : k;        /* NaN, any payload */
}
static inline uint32_t cs_key_f32(uint32_t u) {
    uint32_t a = u & 0x7fffffffU;
    uint32_t k = u ^ ((uint32_t)((int32_t)u >> 31) | 0x80000000U);
    k = a == 0 ? 0x80000000U : k;
    return a > 0x7f800000U ? ~(uint32_t)0 : k;
}
static inline uint64_t cs_key_i64(uint64_t u) { return u ^ 0x8000000000000000ULL; }
static inline uint32_t cs_key_i32(uint32_t u) { return u ^ 0x80000000U; }
static inline uint16_t cs_key_i16(uint16_t u) { return (uint16_t)(u ^ 0x8000U); }
static inline uint8_t cs_key_i8(uint8_t u) { return (uint8_t)(u ^ 0x80U); }
static inline uint64_t cs_key_u64(uint64_t u) { return u; }
static inline uint32_t cs_key_u32(uint32_t u) { return u; }
static inline uint16_t cs_key_u16(uint16_t u) { return u; }
static inline uint8_t cs_key_u8(uint8_t u) { return u; }

/* NaN test on raw bits (only floats have NaNs). */
static inline int cs_nan_f64(uint64_t u) { return (u & 0x7fffffffffffffffULL) > 0x7ff0000000000000ULL; }
static inline int cs_nan_f32(uint32_t u) { return (u & 0x7fffffffU) > 0x7f800000U; }
static inline int cs_nan_none(uint64_t u) { (void)u; return 0; }

/* Prefix over (digit, block): block b's run of digit d starts after every element of a
   smaller digit and after digit d's elements in blocks before b (stability). */
static void cs_prefix(const int64_t *cnt, int64_t *pos, intptr_t nb, int R, intptr_t stride) {
    int64_t total = 0;
    for (int d = 0; d < R; d++)
        for (intptr_t b = 0; b < nb; b++) {
            pos[b * R + d] = total;
            total += cnt[b * stride + d];
        }
}

#define CS_DEFINE(NAME, UT, BITS, DIG, KEY, ISNAN)                                         \
enum { NAME##_D = DIG, NAME##_R = 1 << DIG, NAME##_NP = (BITS + DIG - 1) / DIG };          \
                                                                                           \
/* Counts of every digit of every pass over s[lo:hi]: cnt[NP][R]. */                       \
static void NAME##_hist_all(const void *s_, intptr_t lo, intptr_t hi, int64_t *cnt) {      \
    const UT *s = (const UT *)s_;                                                          \
    memset(cnt, 0, sizeof(int64_t) * NAME##_NP * NAME##_R);                                \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = KEY(s[i]);                                                                  \
        for (int p = 0; p < NAME##_NP; p++)                                                \
            cnt[p * NAME##_R + ((k >> (p * DIG)) & (NAME##_R - 1))]++;                     \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* OR and AND of the keys of s[lo:hi]: a digit is the same for every key exactly where  \
   they agree (the passes to skip), found with one cheap read. */                        \
static void NAME##_orand(const void *s_, intptr_t lo, intptr_t hi, uint64_t *o, uint64_t *a) {\
    const UT *s = (const UT *)s_;                                                          \
    UT vo = 0, va = (UT)~(UT)0;                                                            \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = KEY(s[i]);                                                                  \
        vo |= k;                                                                           \
        va &= k;                                                                           \
    }                                                                                      \
    *o = vo;                                                                               \
    *a = va;                                                                               \
}                                                                                          \
/* Smallest and largest key of s[lo:hi]: the MSD digit is taken from key - min, so keys   \
   that differ high up but lie close together (integers of both signs near zero) still   \
   spread over the buckets. */                                                           \
static void NAME##_minmax(const void *s_, intptr_t lo, intptr_t hi, uint64_t *mn,          \
                          uint64_t *mx) {                                                  \
    const UT *s = (const UT *)s_;                                                          \
    UT a = (UT)~(UT)0, b = 0;                                                              \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = KEY(s[i]);                                                                  \
        a = k < a ? k : a;                                                                 \
        b = k > b ? k : b;                                                                 \
    }                                                                                      \
    *mn = a;                                                                               \
    *mx = b;                                                                               \
}                                                                                          \
                                                                                           \
/* Counts / stable scatter by an arbitrary digit ((key - base) >> shift) & mask (MSD      \
   pass; base at most every key). */                                                     \
static void NAME##_hist_m(const void *s_, intptr_t lo, intptr_t hi, int shift,             \
                          uint64_t mask, uint64_t base, int64_t *cnt) {                    \
    const UT *s = (const UT *)s_;                                                          \
    memset(cnt, 0, sizeof(int64_t) * (mask + 1));                                          \
    for (intptr_t i = lo; i < hi; i++)                                                     \
        cnt[(((uint64_t)KEY(s[i]) - base) >> shift) & mask]++;                             \
}                                                                                          \
static void NAME##_scatter_m(const void *s_, void *d_, intptr_t lo, intptr_t hi, int shift,\
                             uint64_t mask, uint64_t base, int64_t *pos) {                 \
    const UT *s = (const UT *)s_;                                                          \
    UT *d = (UT *)d_;                                                                      \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT v = s[i];                                                                       \
        d[pos[(((uint64_t)KEY(v) - base) >> shift) & mask]++] = v;                         \
    }                                                                                      \
}                                                                                          \
                                                                                           \
static void NAME##_hist(const void *s_, intptr_t lo, intptr_t hi, int shift, int64_t *cnt) {\
    const UT *s = (const UT *)s_;                                                          \
    memset(cnt, 0, sizeof(int64_t) * NAME##_R);                                            \
    for (intptr_t i = lo; i < hi; i++)                                                     \
        cnt[(KEY(s[i]) >> shift) & (NAME##_R - 1)]++;                                      \
}                                                                                          \
                                                                                           \
/* Stable scatter of s[lo:hi] by digit; pos[d]: next slot of digit d (advanced).         \
   (Measured here: plain stores beat write-combining buffers at 8-bit digits.) */         \
static void NAME##_scatter(const void *s_, void *d_, intptr_t lo, intptr_t hi, int shift,  \
                           int64_t *pos) {                                                 \
    const UT *s = (const UT *)s_;                                                          \
    UT *d = (UT *)d_;                                                                      \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT v = s[i];                                                                       \
        d[pos[(KEY(v) >> shift) & (NAME##_R - 1)]++] = v;                                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* scatter that also counts the next pass's digit (shift2) per destination block of     \
   2**bshift elements into cnt2[block * R + digit]: saves a read of the array. */          \
static void NAME##_scatter_h(const void *s_, void *d_, intptr_t lo, intptr_t hi, int shift,\
                             int64_t *pos, int shift2, int bshift, int64_t *cnt2) {        \
    const UT *s = (const UT *)s_;                                                          \
    UT *d = (UT *)d_;                                                                      \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT v = s[i], k = KEY(v);                                                           \
        int64_t p = pos[(k >> shift) & (NAME##_R - 1)]++;                                  \
        d[p] = v;                                                                          \
        cnt2[((p >> bshift) << DIG) + ((k >> shift2) & (NAME##_R - 1))]++;                 \
    }                                                                                      \
}                                                                                          \
/* Stable scatter of (key, index) pairs (keys already order keys) that also counts the     \
   next pass's digit per destination block, as _scatter_h. */                              \
static void NAME##_pscatter_h(const void *ks_, const int64_t *is, void *kd_, int64_t *id,  \
                              intptr_t lo, intptr_t hi, int shift, int64_t *pos, int shift2,\
                              int bshift, int64_t *cnt2) {                                 \
    const UT *ks = (const UT *)ks_;                                                        \
    UT *kd = (UT *)kd_;                                                                    \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = ks[i];                                                                      \
        int64_t p = pos[(k >> shift) & (NAME##_R - 1)]++;                                  \
        kd[p] = k;                                                                         \
        id[p] = is[i];                                                                     \
        cnt2[((p >> bshift) << DIG) + ((k >> shift2) & (NAME##_R - 1))]++;                 \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* (key, index) pairs; kd NULL: indices only. First pass (ks NULL): keys from the        \
   values s, indices lo..hi-1. */                                                         \
static inline void NAME##_pscatter(const UT *s, const UT *ks, const int64_t *is, UT *kd,   \
                                   int64_t *id, intptr_t lo, intptr_t hi, int shift,       \
                                   int64_t *pos) {                                         \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = ks ? ks[i] : KEY(s[i]);                                                     \
        int64_t p = pos[(k >> shift) & (NAME##_R - 1)]++;                                  \
        if (kd) kd[p] = k;                                                                 \
        id[p] = is ? is[i] : i;                                                            \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* First argsort pass: keys from values, indices lo..hi-1; kd NULL: indices only. */      \
static void NAME##_ascatter0(const void *s_, void *kd_, int64_t *id, intptr_t lo,          \
                             intptr_t hi, int shift, int64_t *pos) {                       \
    NAME##_pscatter((const UT *)s_, NULL, NULL, (UT *)kd_, id, lo, hi, shift, pos);        \
}                                                                                          \
                                                                                           \
/* Later argsort passes: (key, index) pairs; kd NULL on the last pass: indices only. */    \
static void NAME##_ascatter(const void *ks_, const int64_t *is, void *kd_, int64_t *id,    \
                            intptr_t lo, intptr_t hi, int shift, int64_t *pos) {           \
    NAME##_pscatter(NULL, (const UT *)ks_, is, (UT *)kd_, id, lo, hi, shift, pos);         \
}                                                                                          \
                                                                                           \
/* Passes whose digit is not the same for all n elements (given all-pass counts). */       \
static int NAME##_active(const int64_t *cnt, intptr_t n, int *act) {                       \
    int k = 0;                                                                             \
    for (int p = 0; p < NAME##_NP; p++) {                                                  \
        int trivial = 0;                                                                   \
        for (int d = 0; d < NAME##_R; d++)                                                 \
            if (cnt[p * NAME##_R + d] == n) { trivial = 1; break; }                        \
        if (!trivial) act[k++] = p;                                                        \
    }                                                                                      \
    return k;                                                                              \
}                                                                                          \
                                                                                           \
/* MSD pass of argsort: keys from the values s[lo:hi] by an arbitrary digit, (key, index)  \
   pairs scattered to kd / id at pos (advanced). */                                        \
static void NAME##_ascatter_m(const void *s_, void *kd_, int64_t *id, intptr_t lo,         \
                              intptr_t hi, int shift, uint64_t mask, uint64_t base,        \
                              int64_t *pos) {                                              \
    const UT *s = (const UT *)s_;                                                          \
    UT *kd = (UT *)kd_;                                                                    \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = KEY(s[i]);                                                                  \
        int64_t p = pos[(((uint64_t)k - base) >> shift) & mask]++;                         \
        kd[p] = k;                                                                         \
        id[p] = i;                                                                         \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* MSD pass over (key, index) pairs, keys already order keys: ks / is [lo:hi] scattered   \
   to kd / id by ((key - base) >> shift) & mask at pos (advanced). */                      \
static void NAME##_pscatter_m(const void *ks_, const int64_t *is, void *kd_, int64_t *id,  \
                              intptr_t lo, intptr_t hi, int shift, uint64_t mask,          \
                              uint64_t base, int64_t *pos) {                               \
    const UT *ks = (const UT *)ks_;                                                        \
    UT *kd = (UT *)kd_;                                                                    \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        UT k = ks[i];                                                                      \
        int64_t p = pos[(((uint64_t)k - base) >> shift) & mask]++;                         \
        kd[p] = k;                                                                         \
        id[p] = is[i];                                                                     \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* The keys of s at the indices ix[0:m] into kd (prefetched gathers). */                   \
static void NAME##_gkeys(const void *s_, const int64_t *ix, intptr_t m, void *kd_) {       \
    const UT *s = (const UT *)s_;                                                          \
    UT *kd = (UT *)kd_;                                                                    \
    for (intptr_t i = 0; i < m; i++) {                                                     \
        if (i + CS_AHEAD < m) CS_PREFETCH(&s[ix[i + CS_AHEAD]]);                           \
        kd[i] = KEY(s[ix[i]]);                                                             \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* Counting pass of argsort: index i of s[lo:hi] to id[pos[digit]++] (keys not kept). */   \
static void NAME##_iscatter_m(const void *s_, int64_t *id, intptr_t lo, intptr_t hi,       \
                              int shift, uint64_t mask, uint64_t base, int64_t *pos) {     \
    const UT *s = (const UT *)s_;                                                          \
    for (intptr_t i = lo; i < hi; i++)                                                     \
        id[pos[(((uint64_t)KEY(s[i]) - base) >> shift) & mask]++] = i;                     \
}                                                                                          \
                                                                                           \
/* LSD pass of argsort on indices alone, each key read from the values through its         \
   index (no key buffers): the indices is[lo:hi] (isw bytes each: 4, 8, or 0 for           \
   lo..hi-1 themselves) to id (idw bytes each) at pos (advanced); cnt2 not NULL: also      \
   counts the digit at shift2 per destination block of 2**bshift, as _scatter_h. */        \
static void NAME##_gscatter(const void *s_, const void *is_, int isw, void *id_, int idw,  \
                            intptr_t lo, intptr_t hi, int shift, int64_t *pos, int shift2, \
                            int bshift, int64_t *cnt2) {                                   \
    const UT *s = (const UT *)s_;                                                          \
    const int32_t *is4 = (const int32_t *)is_;                                             \
    const int64_t *is8 = (const int64_t *)is_;                                             \
    int32_t *id4 = (int32_t *)id_;                                                         \
    int64_t *id8 = (int64_t *)id_;                                                         \
    for (intptr_t i = lo; i < hi; i++) {                                                   \
        if (isw && i + CS_AHEAD < hi)          /* the gathers miss: start them early */     \
            CS_PREFETCH(&s[isw == 4 ? (int64_t)is4[i + CS_AHEAD] : is8[i + CS_AHEAD]]);     \
        int64_t j = isw == 0 ? (int64_t)i : (isw == 4 ? (int64_t)is4[i] : is8[i]);         \
        UT k = KEY(s[j]);                                                                  \
        int64_t p = pos[(k >> shift) & (NAME##_R - 1)]++;                                  \
        if (idw == 4) id4[p] = (int32_t)j; else id8[p] = j;                                \
        if (cnt2) cnt2[((p >> bshift) << DIG) + ((k >> shift2) & (NAME##_R - 1))]++;       \
    }                                                                                      \
}                                                                                          \
                                                                                           \
CC_RANKS(NAME##_ranks, UT)   /* stable ranks of up to CS_SMALL keys (_ranks.h) */          \
                                                                                           \
/* Stable sort of n (key, index) pairs by key, keys already order keys (so only the        \
   identity-key NAMEs are called): by rank when short, else LSD over the digits            \
   that vary, (k2, i2) as the other buffer. The indices end in ix, the keys anywhere.      \
   cnt: NP*R + R counts. */                                                                \
static void NAME##_pair_sort(void *k_, int64_t *ix, intptr_t n, void *k2_, int64_t *i2,    \
                             int64_t *cnt) {                                               \
    UT *k = (UT *)k_, *k2 = (UT *)k2_;                                                     \
    int act[CS_MAXP], np_;                                                                 \
    if (n <= CS_SMALL) {                                                                   \
        UT kk[CS_SMALL];                                                                   \
        int64_t ii[CS_SMALL];                                                              \
        uint8_t rank[CS_SMALL];                                                            \
        memcpy(kk, k, sizeof(UT) * n);                                                     \
        memcpy(ii, ix, sizeof(int64_t) * n);                                               \
        NAME##_ranks(kk, n, rank);                                                         \
        for (intptr_t i = 0; i < n; i++) { k[rank[i]] = kk[i]; ix[rank[i]] = ii[i]; }      \
        return;                                                                            \
    }                                                                                      \
    UT vo = 0, va = (UT)~(UT)0, diff;           /* the digits that vary, then their counts */ \
    for (intptr_t i = 0; i < n; i++) { vo |= k[i]; va &= k[i]; }                           \
    diff = vo ^ va;                                                                        \
    np_ = 0;                                                                               \
    for (int p = 0; p < NAME##_NP; p++)                                                    \
        if ((diff >> (p * DIG)) & (NAME##_R - 1)) act[np_++] = p;                          \
    memset(cnt, 0, sizeof(int64_t) * NAME##_NP * NAME##_R);                                \
    for (intptr_t i = 0; i < n; i++)                                                       \
        for (int j = 0; j < np_; j++)                                                      \
            cnt[act[j] * NAME##_R + ((k[i] >> (act[j] * DIG)) & (NAME##_R - 1))]++;        \
    int64_t *pos = cnt + NAME##_NP * NAME##_R;                                             \
    const UT *kf = k;                                                                      \
    const int64_t *ifr = ix;                                                               \
    for (int j = 0; j < np_; j++) {                                                        \
        int last = j == np_ - 1;                                                           \
        UT *kt = last ? NULL : ((j & 1) ? k : k2);                                         \
        int64_t *it = (j & 1) ? ix : i2;                                                   \
        cs_prefix(cnt + act[j] * NAME##_R, pos, 1, NAME##_R, 0);                           \
        NAME##_pscatter(NULL, kf, ifr, kt, it, 0, n, act[j] * DIG, pos);                   \
        kf = kt;                                                                           \
        ifr = it;                                                                          \
    }                                                                                      \
    if (ifr != ix) memcpy(ix, ifr, sizeof(int64_t) * n);                                   \
}                                                                                          \
                                                                                           \
/* Sort src[0:n] into dst (src may be dst or tmp). tmp: n elements; cnt: NP*R + R counts. */      \
static void NAME##_sort_serial(const void *src_, void *dst_, intptr_t n, void *tmp_,       \
                               int64_t *cnt) {                                             \
    const UT *src = (const UT *)src_;                                                      \
    UT *dst = (UT *)dst_, *tmp = (UT *)tmp_;                                               \
    int act[CS_MAXP], k;                                                                   \
    if (n <= CS_SMALL) {                                                                   \
        UT kk[CS_SMALL], vv[CS_SMALL];                                                     \
        uint8_t rank[CS_SMALL];                                                            \
        for (intptr_t i = 0; i < n; i++) { vv[i] = src[i]; kk[i] = KEY(vv[i]); }           \
        NAME##_ranks(kk, n, rank);                                                         \
        for (intptr_t i = 0; i < n; i++) dst[rank[i]] = vv[i];                             \
        return;                                                                            \
    }                                                                                      \
    NAME##_hist_all(src, 0, n, cnt);                                                       \
    k = NAME##_active(cnt, n, act);                                                        \
    if (k == 0) { if (dst != src) memcpy(dst, src, sizeof(UT) * n); return; }              \
    const UT *from = src;                                                                  \
    if (src == dst && (k & 1)) { memcpy(tmp, src, sizeof(UT) * n); from = tmp; }           \
    else if (src == tmp && !(k & 1)) { memcpy(dst, src, sizeof(UT) * n); from = dst; }     \
    int64_t *pos = cnt + NAME##_NP * NAME##_R;                                             \
    for (int j = 0; j < k; j++) {                                                          \
        int p = act[j];                                                                    \
        UT *to = ((k - 1 - j) & 1) ? tmp : dst;   /* the last pass lands in dst */         \
        cs_prefix(cnt + p * NAME##_R, pos, 1, NAME##_R, 0);                                \
        NAME##_scatter(from, to, 0, n, p * DIG, pos);                                      \
        from = to;                                                                         \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* Sort a bucket src[0:n] into dst (src may be tmp or dst): a large one first gets       \
   a most-significant-digit pass of its own (the 11 bits below the highest bit in which  \
   its keys differ, into dst, or into tmp when src is dst), then every sub-bucket is     \
   sorted into dst (LSD, tmp as scratch). cnt: NP*R + R counts; mc: 2 * 2048 + 1. */     \
static void NAME##_sort_bucket(const void *src_, void *dst_, intptr_t n, void *tmp_,       \
                               int64_t *cnt, int64_t *mc) {                                \
    const UT *src = (const UT *)src_;                                                      \
    UT *dst = (UT *)dst_, *tmp = (UT *)tmp_;                                               \
    uint64_t lo, hi, mask;                                                                 \
    int shift, bits = CS_MSD_BITS;                                                         \
    if (n <= CS_MSD_MIN) { NAME##_sort_serial(src, dst, n, tmp, cnt); return; }            \
    NAME##_minmax(src, 0, n, &lo, &hi);                                                    \
    if (hi == lo) { memcpy(dst, src, sizeof(UT) * n); return; }                            \
    /* sub-buckets of about 2**15 elements on average: small enough for cache, large   \
       enough that their counting overhead stays small */                                \
    while (bits > 1 && (n >> bits) < (1 << 15)) bits--;                                    \
    mask = ((uint64_t)1 << bits) - 1;                                                      \
    cs_msd_plan(lo, hi, bits, &shift, &lo);                                                \
    int64_t *pos = mc, *start = mc + CS_MSD_R;                                             \
    NAME##_hist_m(src, 0, n, shift, mask, lo, pos);                                        \
    int64_t t = 0;                                                                         \
    int R = 1 << bits;                                                                     \
    for (int d = 0; d < R; d++) { int64_t c = pos[d]; pos[d] = start[d] = t; t += c; }     \
    start[R] = n;                                                                          \
    UT *mid = (UT *)src == dst ? tmp : dst;     /* sorting in place: the pass goes to tmp */ \
    NAME##_scatter_m(src, mid, 0, n, shift, mask, lo, pos);                                \
    for (int d = 0; d < R; d++) {                                                          \
        intptr_t a = start[d], m = start[d + 1] - a;                                       \
        if (m > 1) NAME##_sort_serial(mid + a, dst + a, m, tmp + a, cnt);                  \
        else if (m == 1) dst[a] = mid[a];                                                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* Stable argsort of a short row: keys rank-sorted in runs of CS_RUN, then runs         \
   merged pairwise (equal keys: the left run's first) between (k1, idx) and (k2, i2):    \
   no count tables to clear and scan per row (which made rows of 64 values 2.7x slower   \
   than NumPy's stable argsort). */                                                      \
static void NAME##_argsort_merge(const UT *vals, int64_t *idx, intptr_t n, UT *k1,         \
                                 UT *k2, int64_t *i2) {                                    \
    UT kk[CS_RUN];                                                                         \
    uint8_t rank[CS_RUN];                                                                  \
    for (intptr_t r = 0; r < n; r += CS_RUN) {                                             \
        intptr_t e = r + CS_RUN < n ? r + CS_RUN : n;                                      \
        for (intptr_t i = r; i < e; i++) kk[i - r] = KEY(vals[i]);                         \
        NAME##_ranks(kk, e - r, rank);                                                     \
        for (intptr_t i = r; i < e; i++) {                                                 \
            k1[r + rank[i - r]] = kk[i - r];                                               \
            idx[r + rank[i - r]] = i;                                                      \
        }                                                                                  \
    }                                                                                      \
    UT *ka = k1, *kb = k2, *kt;                                                            \
    int64_t *ia = idx, *ib = i2, *it;                                                      \
    for (intptr_t w = CS_RUN; w < n; w *= 2) {                                             \
        for (intptr_t lo = 0; lo < n; lo += 2 * w) {                                       \
            intptr_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;  \
            intptr_t i = lo, j = mid, o = lo;                                              \
            while (i < mid && j < hi) {                                                    \
                int right = ka[j] < ka[i];                                                 \
                kb[o] = right ? ka[j] : ka[i];                                             \
                ib[o++] = right ? ia[j++] : ia[i++];                                       \
            }                                                                              \
            for (; i < mid; i++, o++) { kb[o] = ka[i]; ib[o] = ia[i]; }                    \
            for (; j < hi; j++, o++) { kb[o] = ka[j]; ib[o] = ia[j]; }                     \
        }                                                                                  \
        kt = ka; ka = kb; kb = kt;                                                         \
        it = ia; ia = ib; ib = it;                                                         \
    }                                                                                      \
    if (ia != idx) memcpy(idx, ia, sizeof(int64_t) * n);                                   \
}                                                                                          \
                                                                                           \
/* Stable argsort of vals[0:n] into idx. k1, k2: n keys each, i2: n indices;              \
   cnt: NP*R + R counts. */                                                                \
static void NAME##_argsort_serial(const void *vals_, int64_t *idx, intptr_t n, void *k1_,  \
                                  void *k2_, int64_t *i2, int64_t *cnt) {                  \
    const UT *vals = (const UT *)vals_;                                                    \
    UT *k1 = (UT *)k1_, *k2 = (UT *)k2_;                                                   \
    int act[CS_MAXP], k;                                                                   \
    if (n <= CS_SMALL) {                                                                   \
        uint8_t rank[CS_SMALL];                                                            \
        for (intptr_t i = 0; i < n; i++) k1[i] = KEY(vals[i]);                             \
        NAME##_ranks(k1, n, rank);                                                         \
        for (intptr_t i = 0; i < n; i++) idx[rank[i]] = i;                                 \
        return;                                                                            \
    }                                                                                      \
    if (n <= CS_MERGE_MAX) {                                                               \
        /* merging, unless the keys of a row of over 64 differ in one digit only */       \
        uint64_t vo, va;                                                                   \
        int busy = 0;                                                                      \
        NAME##_orand(vals, 0, n, &vo, &va);                                                \
        for (int p = 0; p < NAME##_NP; p++)                                                \
            busy += (((vo ^ va) >> (p * DIG)) & (NAME##_R - 1)) != 0;                      \
        if (busy > 1 || n <= CS_MERGE_MAX / 2) {                                           \
            NAME##_argsort_merge(vals, idx, n, k1, k2, i2);                                \
            return;                                                                        \
        }                                                                                  \
    }                                                                                      \
    NAME##_hist_all(vals, 0, n, cnt);                                                      \
    k = NAME##_active(cnt, n, act);                                                        \
    if (k == 0) { for (intptr_t i = 0; i < n; i++) idx[i] = i; return; }                   \
    int64_t *pos = cnt + NAME##_NP * NAME##_R;                                             \
    const UT *kf = NULL;                                                                   \
    const int64_t *ifr = NULL;                                                             \
    for (int j = 0; j < k; j++) {                                                          \
        int p = act[j], last = j == k - 1;                                                 \
        UT *kt = last ? NULL : ((j & 1) ? k2 : k1);                                        \
        int64_t *it = ((k - 1 - j) & 1) ? i2 : idx;                                        \
        cs_prefix(cnt + p * NAME##_R, pos, 1, NAME##_R, 0);                                \
        if (j == 0) NAME##_ascatter0(vals, kt, it, 0, n, p * DIG, pos);                    \
        else NAME##_ascatter(kf, ifr, kt, it, 0, n, p * DIG, pos);                         \
        kf = kt;                                                                           \
        ifr = it;                                                                          \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* searchsorted: q[lo:hi] into the sorted a[0:n] -> out (NumPy's less: keys).          \
   Branch-free lower/upper bound: the probe sequence of lengths depends on n only, so    \
   16 queries walk it in lockstep and their cache misses overlap. */                     \
static void NAME##_search(const void *a_, intptr_t n, const void *q_, int64_t *out,        \
                          intptr_t lo, intptr_t hi, int right) {                           \
    const UT *a = (const UT *)a_, *q = (const UT *)q_;                                     \
    enum { G = 16 };                                                                       \
    for (intptr_t i0 = lo; i0 < hi; i0 += G) {                                             \
        int m = (int)((hi - i0 < G) ? hi - i0 : G);                                        \
        UT kq[G];                                                                          \
        intptr_t base[G];                                                                  \
        for (int g = 0; g < m; g++) { kq[g] = KEY(q[i0 + g]); base[g] = 0; }               \
        intptr_t len = n;                                                                  \
        while (len > 1) {                                                                  \
            intptr_t half = len >> 1;                                                      \
            if (right)                                                                     \
                for (int g = 0; g < m; g++)                                                \
                    base[g] += (KEY(a[base[g] + half - 1]) <= kq[g]) ? half : 0;           \
            else                                                                           \
                for (int g = 0; g < m; g++)                                                \
                    base[g] += (KEY(a[base[g] + half - 1]) < kq[g]) ? half : 0;            \
            len -= half;                                                                   \
        }                                                                                  \
        for (int g = 0; g < m; g++) {                                                      \
            int after = n > 0 && (right ? KEY(a[base[g]]) <= kq[g] : KEY(a[base[g]]) < kq[g]); \
            out[i0 + g] = base[g] + after;                                                 \
        }                                                                                  \
    }                                                                                      \
}                                                                                          \
                                                                                           \
/* unique: s[i] starts a run unless it equals s[i-1] (keys; NaN == NaN iff equal_nan). */  \
static inline int NAME##_head(const UT *s, intptr_t i, int equal_nan) {                    \
    if (i == 0) return 1;                                                                  \
    if (KEY(s[i]) != KEY(s[i - 1])) return 1;                                              \
    return !equal_nan && ISNAN(s[i]);                                                      \
}                                                                                          \
static int64_t NAME##_count_heads(const void *s_, intptr_t lo, intptr_t hi, int equal_nan) { \
    const UT *s = (const UT *)s_;                                                          \
    int64_t c = 0;                                                                         \
    for (intptr_t i = lo; i < hi; i++) c += NAME##_head(s, i, equal_nan);                  \
    return c;                                                                              \
}                                                                                          \
static void NAME##_write_heads(const void *s_, intptr_t lo, intptr_t hi, int equal_nan,    \
                               void *out_, int64_t *where, int64_t at) {                   \
    const UT *s = (const UT *)s_;                                                          \
    UT *out = (UT *)out_;                                                                  \
    for (intptr_t i = lo; i < hi; i++)                                                     \
        if (NAME##_head(s, i, equal_nan)) {                                                \
            out[at] = s[i];                                                                \
            if (where) where[at] = i;                                                      \
            at++;                                                                          \
        }                                                                                  \
}

CS_DEFINE(cs_f64, uint64_t, 64, 8, cs_key_f64, cs_nan_f64)
CS_DEFINE(cs_f32, uint32_t, 32, 8, cs_key_f32, cs_nan_f32)
CS_DEFINE(cs_i64, uint64_t, 64, 8, cs_key_i64, cs_nan_none)
CS_DEFINE(cs_i32, uint32_t, 32, 8, cs_key_i32, cs_nan_none)
CS_DEFINE(cs_i16, uint16_t, 16, 8, cs_key_i16, cs_nan_none)
CS_DEFINE(cs_i8, uint8_t, 8, 8, cs_key_i8, cs_nan_none)
CS_DEFINE(cs_u64, uint64_t, 64, 8, cs_key_u64, cs_nan_none)
CS_DEFINE(cs_u32, uint32_t, 32, 8, cs_key_u32, cs_nan_none)
CS_DEFINE(cs_u16, uint16_t, 16, 8, cs_key_u16, cs_nan_none)
CS_DEFINE(cs_u8, uint8_t, 8, 8, cs_key_u8, cs_nan_none)

/* Complemented bits: the order of negative floats (their key is ~bits). */
static inline uint64_t cs_key_n64(uint64_t u) { return ~u; }
static inline uint32_t cs_key_n32(uint32_t u) { return ~u; }
CS_DEFINE(cs_n64, uint64_t, 64, 8, cs_key_n64, cs_nan_none)
CS_DEFINE(cs_n32, uint32_t, 32, 8, cs_key_n32, cs_nan_none)

/* sort_bucket of a float type: a bucket whose values are all +0.0 ... +inf has the
   float key bits | sign, so its raw bits give the same order and the same ties; one of
   values all -tiny ... -inf (no -0.0, no NaN) has the key ~bits. Those buckets (nearly
   all of them unless the signs mix within one) are sorted by the plain integer helpers,
   whose key costs nothing on every pass; the others by the float ones. */
#define CS_FLOAT_BUCKET(NAME, UT, UNAME, NNAME, POSMAX, NEGMIN, NEGMAX)                     \
static void NAME##_sort_bucket_signs(const void *src_, void *dst_, intptr_t n, void *tmp_, \
                                     int64_t *cnt, int64_t *mc) {                          \
    const UT *s = (const UT *)src_;                                                        \
    UT lo = (UT)~(UT)0, hi = 0;                                                            \
    for (intptr_t i = 0; i < n; i++) {                                                     \
        lo = s[i] < lo ? s[i] : lo;                                                        \
        hi = s[i] > hi ? s[i] : hi;                                                        \
    }                                                                                      \
    if (hi <= (UT)(POSMAX))                                                                \
        UNAME##_sort_bucket(src_, dst_, n, tmp_, cnt, mc);                                 \
    else if (lo >= (UT)(NEGMIN) && hi <= (UT)(NEGMAX))                                     \
        NNAME##_sort_bucket(src_, dst_, n, tmp_, cnt, mc);                                 \
    else                                                                                   \
        NAME##_sort_bucket(src_, dst_, n, tmp_, cnt, mc);                                  \
}
CS_FLOAT_BUCKET(cs_f64, uint64_t, cs_u64, cs_n64, 0x7ff0000000000000ULL,
                0x8000000000000001ULL, 0xfff0000000000000ULL)
CS_FLOAT_BUCKET(cs_f32, uint32_t, cs_u32, cs_n32, 0x7f800000U, 0x80000001U, 0xff800000U)

/* One dtype's helpers, for the driver. `keys` is the identity-key type of the same
   width (argsort's later passes move keys, not values). */
typedef struct cs_ops {
    int width, D, R, NP;
    void (*hist_all)(const void *, intptr_t, intptr_t, int64_t *);
    void (*orand)(const void *, intptr_t, intptr_t, uint64_t *, uint64_t *);
    void (*minmax)(const void *, intptr_t, intptr_t, uint64_t *, uint64_t *);
    void (*hist_m)(const void *, intptr_t, intptr_t, int, uint64_t, uint64_t, int64_t *);
    void (*scatter_m)(const void *, void *, intptr_t, intptr_t, int, uint64_t, uint64_t,
                      int64_t *);
    void (*hist)(const void *, intptr_t, intptr_t, int, int64_t *);
    void (*scatter)(const void *, void *, intptr_t, intptr_t, int, int64_t *);
    void (*ascatter0)(const void *, void *, int64_t *, intptr_t, intptr_t, int, int64_t *);
    void (*ascatter)(const void *, const int64_t *, void *, int64_t *, intptr_t, intptr_t,
                     int, int64_t *);
    void (*sort_serial)(const void *, void *, intptr_t, void *, int64_t *);
    void (*sort_bucket)(const void *, void *, intptr_t, void *, int64_t *, int64_t *);
    void (*argsort_serial)(const void *, int64_t *, intptr_t, void *, void *, int64_t *,
                           int64_t *);
    void (*scatter_h)(const void *, void *, intptr_t, intptr_t, int, int64_t *, int, int,
                      int64_t *);
    void (*search)(const void *, intptr_t, const void *, int64_t *, intptr_t, intptr_t, int);
    void (*ascatter_m)(const void *, void *, int64_t *, intptr_t, intptr_t, int, uint64_t,
                       uint64_t, int64_t *);
    void (*pair_sort)(void *, int64_t *, intptr_t, void *, int64_t *, int64_t *);
    void (*iscatter_m)(const void *, int64_t *, intptr_t, intptr_t, int, uint64_t, uint64_t,
                       int64_t *);
    void (*gkeys)(const void *, const int64_t *, intptr_t, void *);
    void (*pscatter_h)(const void *, const int64_t *, void *, int64_t *, intptr_t, intptr_t,
                       int, int64_t *, int, int, int64_t *);
    void (*gscatter)(const void *, const void *, int, void *, int, intptr_t, intptr_t, int,
                     int64_t *, int, int, int64_t *);
    void (*pscatter_m)(const void *, const int64_t *, void *, int64_t *, intptr_t, intptr_t,
                       int, uint64_t, uint64_t, int64_t *);
    int64_t (*count_heads)(const void *, intptr_t, intptr_t, int);
    void (*write_heads)(const void *, intptr_t, intptr_t, int, void *, int64_t *, int64_t);
} cs_ops;

#define CS_OPS(NAME, W, KNAME) CS_OPS_B(NAME, W, KNAME, NAME##_sort_bucket)
#define CS_OPS_B(NAME, W, KNAME, BUCKET)                                                   \
    {W, NAME##_D, NAME##_R, NAME##_NP, NAME##_hist_all, NAME##_orand, NAME##_minmax, NAME##_hist_m,\
     NAME##_scatter_m, NAME##_hist, NAME##_scatter,       \
     NAME##_ascatter0, KNAME##_ascatter, NAME##_sort_serial, BUCKET,                      \
     NAME##_argsort_serial,        \
     NAME##_scatter_h, NAME##_search, NAME##_ascatter_m, KNAME##_pair_sort, \
     NAME##_iscatter_m, NAME##_gkeys, KNAME##_pscatter_h, NAME##_gscatter,                                                  \
     KNAME##_pscatter_m, NAME##_count_heads, NAME##_write_heads}

/* Type codes (concore.sorting): 0 f64, 1 f32, 2 i64, 3 i32, 4 u8 (and bool), 5 i8,
   6 u64, 7 u32, 8 i16, 9 u16. */
static const cs_ops CS_OPS_TABLE[10] = {
    CS_OPS_B(cs_f64, 8, cs_u64, cs_f64_sort_bucket_signs),
    CS_OPS_B(cs_f32, 4, cs_u32, cs_f32_sort_bucket_signs), CS_OPS(cs_i64, 8, cs_u64),
    CS_OPS(cs_i32, 4, cs_u32), CS_OPS(cs_u8, 1, cs_u8),   CS_OPS(cs_i8, 1, cs_u8),
    CS_OPS(cs_u64, 8, cs_u64), CS_OPS(cs_u32, 4, cs_u32), CS_OPS(cs_i16, 2, cs_u16),
    CS_OPS(cs_u16, 2, cs_u16),
};

static const cs_ops *cs_get_ops(int tcode) {
    return (tcode >= 0 && tcode < 10) ? &CS_OPS_TABLE[tcode] : NULL;
}

#endif
