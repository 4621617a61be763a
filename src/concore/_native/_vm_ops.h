/* The interpreter of compiled elementwise programs (see concore/elementwise.py).
 *
 * A program is a list of instructions {op, type, dst, a, b, c} over registers:
 * each register is a pointer to one block of m contiguous values.  `type` is
 * the type of the inputs (casts: a -> dst of type b).  Everything here is
 * defined element by element, so a result never depends on the block size or
 * on the number of threads.
 *
 * Exact operations follow NumPy's loops to the bit (minimum/maximum return
 * the second operand when both compare equal, as NumPy's SIMD loops do;
 * remainder/floor_divide are NumPy's npy_divmod).
 */
#ifndef CONCORE_VM_OPS_H
#define CONCORE_VM_OPS_H

#include <math.h>
#include <stdint.h>
#include <string.h>
#if defined(__linux__)
#include <unistd.h>
#endif
/* #define CC_NO_VMATH 1 */

/* x**3 for float64 (NumPy calls pow(x, 3)): x*x and then that times x as exact
 * double-double products (Dekker; no FMA), summed once at the end: within
 * 2^-104 relative before the last rounding, so the correctly rounded cube but for
 * values a hair from a rounding tie.  The products are exact where none of their
 * parts over- or underflows, 2^-300 <= |x| <= 2^340; cc_cube_edge scales by powers
 * of two (exact) for normal results beyond that, leaves 0, inf, NaN and overflow
 * to x*x*x (pow's answers) and subnormal results to pow.  The vector kernel
 * (cube_f64 in _vm_log.h) and concore._python do the same operations in the same
 * order. */
#define CC_CUBE_LO 0x1p-300
#define CC_CUBE_HI 0x1p340
static inline double cc_cube_core(double x)
{
    double s, e, p, f, c, xh, xl, sh, sl;
    c = x * 134217729.0;
    xh = c - (c - x);
    xl = x - xh;
    s = x * x;
    e = ((xh * xh - s) + xh * xl + xl * xh) + xl * xl;
    c = s * 134217729.0;
    sh = c - (c - s);
    sl = s - sh;
    p = s * x;
    f = ((sh * xh - p) + sh * xl + sl * xh) + sl * xl;
    return p + (f + e * x);
}
static double cc_cube_edge(double x)
{
    double a = fabs(x), r;
    if (a >= 0x1p-341 && a < CC_CUBE_LO) {
        r = cc_cube_core(x * 0x1p100);
        if (fabs(r) >= 0x1p-722)  /* a normal result: the scaling back is exact */
            return r * 0x1p-300;
    }
    if (a > CC_CUBE_HI && a < 0x1p342)
        return cc_cube_core(x * 0x1p-100) * 0x1p300;
    if (a < CC_CUBE_LO && a != 0)
        return pow(x, 3.0);
    return x * x * x;
}
static inline double cc_cube1(double x)
{
    double a = fabs(x);
    return a >= CC_CUBE_LO && a <= CC_CUBE_HI ? cc_cube_core(x) : cc_cube_edge(x);
}
/* float32 never takes the cube op (the compiler emits it for float64 only) */
static inline float cc_cube1f(float x) { return powf(x, 3.0f); }
#ifndef CC_NO_VMATH
#include "_vmath.h"
#else
static int cc_target(void) { return 0; }
static int cc_set_target(int t) { return t <= 0 ? 0 : -1; }
#endif

enum { T_F64 = 0, T_F32 = 1, T_I64 = 2, T_I32 = 3, T_B = 4, T_COUNT = 5 };

/* Every operation, in the order of their numbers (exported to Python by name). */
#define CC_OPS(X)                                                                \
    X(copy) X(negative) X(absolute) X(square) X(reciprocal) X(sign)              \
    X(floor) X(ceil) X(trunc) X(rint) X(sqrt) X(cube)                            \
    X(exp) X(exp2) X(expm1) X(log) X(log2) X(log10) X(log1p)                     \
    X(sin) X(cos) X(tan) X(arcsin) X(arccos) X(arctan)                           \
    X(sinh) X(cosh) X(tanh) X(arcsinh) X(arccosh) X(arctanh)                     \
    X(isnan) X(isinf) X(isfinite) X(logical_not) X(invert) X(nonzero)            \
    X(add) X(subtract) X(multiply) X(divide) X(floor_divide) X(remainder)        \
    X(power) X(minimum) X(maximum) X(fmin) X(fmax) X(copysign) X(arctan2) X(hypot) \
    X(less) X(less_equal) X(greater) X(greater_equal) X(equal) X(not_equal)      \
    X(logical_and) X(logical_or) X(logical_xor)                                  \
    X(bitwise_and) X(bitwise_or) X(bitwise_xor)                                  \
    X(where) X(clip) X(clip_s) X(cast)                                               \
    CC_PAIRS(X, add) CC_PAIRS(X, sub) CC_PAIRS(X, mul)

/* Two arithmetic steps in one loop (see _fuse_pairs in concore/elementwise.py):
 * <op1>_<op2> is (a op1 b) op2 c and <op1>_r<op2> is c op2 (a op1 b), each
 * operation rounded on its own as the two steps would be (no contraction). */
#define CC_PAIRS(X, N1)                                                         \
    X(N1##_add) X(N1##_radd) X(N1##_sub) X(N1##_rsub) X(N1##_mul) X(N1##_rmul)

#define CC_OP_ENUM(n) OP_##n,
enum { CC_OPS(CC_OP_ENUM) OP_COUNT };
#define CC_OP_NAME(n) #n,
static const char *const cc_op_names[] = {CC_OPS(CC_OP_NAME)};

typedef struct {
    int32_t op, type, dst, a, b, c;
} cc_instr;

/* ---------------------------------------------------------------- scalars */

/* NumPy's npy_divmod: the remainder has the divisor's sign, the quotient is
 * snapped to the nearest integer. */
#define CC_DIVMOD(NAME, T, FMOD, FLOOR, COPYSIGN)                               \
    static inline T NAME(T a, T b, T *modulus)                                  \
    {                                                                           \
        T mod = FMOD(a, b), div, floordiv;                                      \
        if (!b) {                                                               \
            *modulus = mod;                                                     \
            return a / b;                                                       \
        }                                                                       \
        div = (a - mod) / b;                                                    \
        if (mod) {                                                              \
            if (isless(b, 0) != isless(mod, 0)) {                               \
                mod += b;                                                       \
                div -= (T)1;                                                    \
            }                                                                   \
        }                                                                       \
        else                                                                    \
            mod = COPYSIGN((T)0, b);                                            \
        if (div) {                                                              \
            floordiv = FLOOR(div);                                              \
            if (isgreater(div - floordiv, (T)0.5))                              \
                floordiv += (T)1;                                               \
        }                                                                       \
        else                                                                    \
            floordiv = COPYSIGN((T)0, a / b);                                   \
        *modulus = mod;                                                         \
        return floordiv;                                                        \
    }
CC_DIVMOD(cc_divmod_f64, double, fmod, floor, copysign)
CC_DIVMOD(cc_divmod_f32, float, fmodf, floorf, copysignf)

static inline double cc_floordiv_f64(double a, double b)
{
    double m;
    return b ? cc_divmod_f64(a, b, &m) : a / b;
}
static inline float cc_floordiv_f32(float a, float b)
{
    float m;
    return b ? cc_divmod_f32(a, b, &m) : a / b;
}
static inline double cc_rem_f64(double a, double b)
{
    double m;
    if (!b)
        return fmod(a, b);
    cc_divmod_f64(a, b, &m);
    return m;
}
static inline float cc_rem_f32(float a, float b)
{
    float m;
    if (!b)
        return fmodf(a, b);
    cc_divmod_f32(a, b, &m);
    return m;
}

/* Integers as NumPy: x // 0 == 0 and x % 0 == 0; MIN // -1 wraps to MIN. */
#define CC_IDIV(NAME, T, TMIN)                                                  \
    static inline T NAME##_fdiv(T a, T b)                                       \
    {                                                                           \
        T q;                                                                    \
        if (b == 0)                                                             \
            return 0;                                                           \
        if (b == -1)                                                            \
            return a == TMIN ? TMIN : -a;                                       \
        q = a / b;                                                              \
        if ((a % b != 0) && ((a < 0) != (b < 0)))                               \
            q--;                                                                \
        return q;                                                               \
    }                                                                           \
    static inline T NAME##_mod(T a, T b)                                        \
    {                                                                           \
        T r;                                                                    \
        if (b == 0 || b == -1)                                                  \
            return 0;                                                           \
        r = a % b;                                                              \
        if (r != 0 && ((r < 0) != (b < 0)))                                     \
            r += b;                                                             \
        return r;                                                               \
    }
CC_IDIV(cc_i64, int64_t, INT64_MIN)
CC_IDIV(cc_i32, int32_t, INT32_MIN)

/* ------------------------------------------------------------------ loops */

/* Registers are either the same block (in place) or disjoint, and every loop
 * reads element i before writing element i: no loop-carried dependence, so the
 * compiler need not test for overlap before each of the (short) loops. */
#if defined(__GNUC__) && !defined(__clang__)
#define CC_IVDEP _Pragma("GCC ivdep")
#elif defined(__clang__)
#define CC_IVDEP _Pragma("clang loop vectorize(assume_safety)")
#else
#define CC_IVDEP
#endif

#define U_LOOP(TI, TO, EXPR)                                                    \
    {                                                                           \
        const TI *x_ = (const TI *)A;                                           \
        TO *y_ = (TO *)Y;                                                       \
        CC_IVDEP                                                                \
        for (i = 0; i < m; i++) {                                               \
            TI v = x_[i];                                                       \
            (void)v;                                                            \
            y_[i] = (TO)(EXPR);                                                 \
        }                                                                       \
    }                                                                           \
    break;

#define B_LOOP(TI, TO, EXPR)                                                    \
    {                                                                           \
        const TI *x_ = (const TI *)A;                                           \
        const TI *z_ = (const TI *)B;                                           \
        TO *y_ = (TO *)Y;                                                       \
        CC_IVDEP                                                                \
        for (i = 0; i < m; i++) {                                               \
            TI v = x_[i], w = z_[i];                                            \
            y_[i] = (TO)(EXPR);                                                 \
        }                                                                       \
    }                                                                           \
    break;

/* Same expression on every numeric type / on the two float types. */
#define U_NUM(EXPR)                                                             \
    switch (t) {                                                                \
    case T_F64: U_LOOP(double, double, EXPR)                                    \
    case T_F32: U_LOOP(float, float, EXPR)                                      \
    case T_I64: U_LOOP(int64_t, int64_t, EXPR)                                  \
    case T_I32: U_LOOP(int32_t, int32_t, EXPR)                                  \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define U_FLT(E64, E32)                                                         \
    switch (t) {                                                                \
    case T_F64: U_LOOP(double, double, E64)                                     \
    case T_F32: U_LOOP(float, float, E32)                                       \
    default: return -1;                                                         \
    }                                                                           \
    break;
/* Predicates: bool out, any input type. */
#define U_PRED(EF, EI)                                                          \
    switch (t) {                                                                \
    case T_F64: U_LOOP(double, uint8_t, EF)                                     \
    case T_F32: U_LOOP(float, uint8_t, EF)                                      \
    case T_I64: U_LOOP(int64_t, uint8_t, EI)                                    \
    case T_I32: U_LOOP(int32_t, uint8_t, EI)                                    \
    case T_B: U_LOOP(uint8_t, uint8_t, EI)                                      \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define B_NUM(EXPR)                                                             \
    switch (t) {                                                                \
    case T_F64: B_LOOP(double, double, EXPR)                                    \
    case T_F32: B_LOOP(float, float, EXPR)                                      \
    case T_I64: B_LOOP(int64_t, int64_t, EXPR)                                  \
    case T_I32: B_LOOP(int32_t, int32_t, EXPR)                                  \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define B_ALL(EXPR, EBOOL)                                                      \
    switch (t) {                                                                \
    case T_F64: B_LOOP(double, double, EXPR)                                    \
    case T_F32: B_LOOP(float, float, EXPR)                                      \
    case T_I64: B_LOOP(int64_t, int64_t, EXPR)                                  \
    case T_I32: B_LOOP(int32_t, int32_t, EXPR)                                  \
    case T_B: B_LOOP(uint8_t, uint8_t, EBOOL)                                   \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define B_FLT(E64, E32)                                                         \
    switch (t) {                                                                \
    case T_F64: B_LOOP(double, double, E64)                                     \
    case T_F32: B_LOOP(float, float, E32)                                       \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define B_INT(EXPR, EBOOL)                                                      \
    switch (t) {                                                                \
    case T_I64: B_LOOP(int64_t, int64_t, EXPR)                                  \
    case T_I32: B_LOOP(int32_t, int32_t, EXPR)                                  \
    case T_B: B_LOOP(uint8_t, uint8_t, EBOOL)                                   \
    default: return -1;                                                         \
    }                                                                           \
    break;
#ifdef CC_NO_VMATH /* scalar libm (a build without the vector kernels) */
#define U_VEC(NAME, F64, F32) U_FLT(F64(v), F32(v))
#define B_VEC(NAME, F64, F32) B_FLT(F64(v, w), F32(v, w))
#else
#define U_VEC(NAME, F64, F32)                                                   \
    switch (t) {                                                                \
    case T_F64: cc_##NAME##_f64((const double *)A, (double *)Y, m); break;      \
    case T_F32: cc_##NAME##_f32((const float *)A, (float *)Y, m); break;        \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define B_VEC(NAME, F64, F32)                                                   \
    switch (t) {                                                                \
    case T_F64: cc_##NAME##_f64((const double *)A, (const double *)B, (double *)Y, m); break; \
    case T_F32: cc_##NAME##_f32((const float *)A, (const float *)B, (float *)Y, m); break;    \
    default: return -1;                                                         \
    }                                                                           \
    break;
#endif
#define B_CMP(EXPR)                                                             \
    switch (t) {                                                                \
    case T_F64: B_LOOP(double, uint8_t, EXPR)                                   \
    case T_F32: B_LOOP(float, uint8_t, EXPR)                                    \
    case T_I64: B_LOOP(int64_t, uint8_t, EXPR)                                  \
    case T_I32: B_LOOP(int32_t, uint8_t, EXPR)                                  \
    case T_B: B_LOOP(uint8_t, uint8_t, EXPR)                                    \
    default: return -1;                                                         \
    }                                                                           \
    break;

#define CC_SIGN(v) ((v) > 0 ? 1 : ((v) < 0 ? -1 : ((v) == 0 ? 0 : (v))))
#define CC_MIN(v, w) (((v) < (w) || (v) != (v)) ? (v) : (w))
#define CC_MAX(v, w) (((v) > (w) || (v) != (v)) ? (v) : (w))
#define CC_FMIN(v, w) ((w) != (w) ? (v) : ((v) < (w) ? (v) : (w)))
#define CC_FMAX(v, w) ((w) != (w) ? (v) : ((v) > (w) ? (v) : (w)))

/* NumPy's clip loops: NaN in any argument gives NaN. A value equal to a bound
   (zeros of opposite sign) gives the bound where the bounds are arrays (clip) and
   the value where both are scalars (clip_s: NumPy's loop for that case). */
#define CC_CLIP(T)                                                              \
    {                                                                           \
        const T *x_ = (const T *)A, *l_ = (const T *)B, *h_ = (const T *)C;     \
        T *y_ = (T *)Y;                                                         \
        for (i = 0; i < m; i++) {                                               \
            T v = CC_MAX(x_[i], l_[i]);                                         \
            y_[i] = CC_MIN(v, h_[i]);                                           \
        }                                                                       \
    }                                                                           \
    break;

#define CC_CLIPS(T)                                                             \
    {                                                                           \
        const T *x_ = (const T *)A, *l_ = (const T *)B, *h_ = (const T *)C;     \
        T *y_ = (T *)Y;                                                         \
        for (i = 0; i < m; i++) {                                               \
            T l = l_[i], h = h_[i];                                             \
            T v = (x_[i] < l || l != l) ? l : x_[i];                            \
            y_[i] = (v > h || h != h) ? h : v;                                  \
        }                                                                       \
    }                                                                           \
    break;

#define F2_LOOP(T, E1, E2)                                                      \
    {                                                                           \
        const T *x_ = (const T *)A, *z_ = (const T *)B, *u_ = (const T *)C;     \
        T *y_ = (T *)Y;                                                         \
        CC_IVDEP                                                                \
        for (i = 0; i < m; i++) {                                               \
            T v = x_[i], w = z_[i], u = u_[i];                                  \
            T p = (T)(E1);                                                      \
            y_[i] = (T)(E2);                                                    \
        }                                                                       \
    }                                                                           \
    break;
#define F2(E1, E2)                                                              \
    switch (t) {                                                                \
    case T_F64: F2_LOOP(double, E1, E2)                                         \
    case T_F32: F2_LOOP(float, E1, E2)                                          \
    default: return -1;                                                         \
    }                                                                           \
    break;
#define F2_CASES(N1, E1)                                                        \
    case OP_##N1##_add: F2(E1, p + u)                                           \
    case OP_##N1##_radd: F2(E1, u + p)                                          \
    case OP_##N1##_sub: F2(E1, p - u)                                           \
    case OP_##N1##_rsub: F2(E1, u - p)                                          \
    case OP_##N1##_mul: F2(E1, p * u)                                           \
    case OP_##N1##_rmul: F2(E1, u * p)

#define CC_WHERE(T)                                                             \
    {                                                                           \
        const uint8_t *c_ = (const uint8_t *)A;                                 \
        const T *x_ = (const T *)B, *z_ = (const T *)C;                         \
        T *y_ = (T *)Y;                                                         \
        /* Both sides read and blended by a mask: no branch to mispredict on   \
         * random conditions, and the loop vectorizes. Bits are copied as is. */ \
        CC_IVDEP                                                                \
        for (i = 0; i < m; i++) {                                               \
            T xv = x_[i], zv = z_[i];                                           \
            T mask = (T)((T)0 - (T)(c_[i] != 0));                               \
            y_[i] = (T)(zv ^ ((xv ^ zv) & mask));                               \
        }                                                                       \
    }                                                                           \
    break;

#define CAST_FROM(TI)                                                           \
    switch (to) {                                                               \
    case T_F64: U_LOOP(TI, double, v)                                           \
    case T_F32: U_LOOP(TI, float, v)                                            \
    case T_I64: U_LOOP(TI, int64_t, v)                                          \
    case T_I32: U_LOOP(TI, int32_t, v)                                          \
    case T_B: U_LOOP(TI, uint8_t, v != 0)                                       \
    default: return -1;                                                         \
    }                                                                           \
    break;

/* Per target: the instruction body (CC_EXEC_NAME) and the loop over a program's
 * instructions (CC_EXECN_NAME), so that the target is chosen once per block, not
 * once per instruction. */
#define CC_EXECN_BODY                                                           \
    {                                                                           \
        int k;                                                                  \
        for (k = 0; k < n; k++)                                                 \
            if (CC_EXEC_NAME(code + k, R, m) < 0)                               \
                return -1;                                                      \
        return 0;                                                               \
    }
#define CC_EXEC_NAME cc_exec1_base
#include "_vm_exec.h"
static int cc_execn_base(const cc_instr *code, int n, char *const *R, intptr_t m)
CC_EXECN_BODY
#undef CC_EXEC_NAME
#ifdef CC_MULTI
CC_BEGIN_AVX2
#define CC_EXEC_NAME cc_exec1_avx2
#include "_vm_exec.h"
static int cc_execn_avx2(const cc_instr *code, int n, char *const *R, intptr_t m)
CC_EXECN_BODY
#undef CC_EXEC_NAME
CC_END_TARGET
CC_BEGIN_AVX512
#define CC_EXEC_NAME cc_exec1_avx512
#include "_vm_exec.h"
static int cc_execn_avx512(const cc_instr *code, int n, char *const *R, intptr_t m)
CC_EXECN_BODY
#undef CC_EXEC_NAME
CC_END_TARGET
#endif
#undef CC_EXECN_BODY

/* Run the n instructions of code on m values.  Returns -1 on an (op, type) the
 * compiler never emits: the caller turns that into an error instead of a wrong
 * answer. */
static int cc_exec(const cc_instr *code, int n, char *const *R, intptr_t m)
{
#ifdef CC_MULTI
    switch (cc_target()) {
    case CC_TARGET_AVX512: return cc_execn_avx512(code, n, R, m);
    case CC_TARGET_AVX2: return cc_execn_avx2(code, n, R, m);
    }
#endif
    return cc_execn_base(code, n, R, m);
}

#define CC_WALK2(T, STORE)                                                      \
    while (done < m) {                                                          \
        intptr_t run = n1 - j < m - done ? n1 - j : m - done, t;               \
        T *b_ = (T *)buf + done;                                                \
        char *p_ = row + j * s;                                                 \
        if (s == (intptr_t)sizeof(T)) {                                         \
            for (t = 0; t < run; t++)                                           \
                if (STORE) ((T *)p_)[t] = b_[t]; else b_[t] = ((T *)p_)[t];     \
        }                                                                       \
        else {                                                                  \
            for (t = 0; t < run; t++)                                           \
                if (STORE) *(T *)(p_ + t * s) = b_[t]; else b_[t] = *(T *)(p_ + t * s); \
        }                                                                       \
        done += run;                                                            \
        j = 0;                                                                  \
        row += strides[0];                                                      \
    }                                                                           \
    break;

/* Copy m elements of an n-d strided operand, starting at flat (C-order)
 * index `start`, to or from a contiguous buffer.  Strides are in bytes. */
static void cc_walk(char *buf, char *base, int nd, const intptr_t *shape,
                    const intptr_t *strides, intptr_t start, intptr_t m, int isz, int store)
{
    intptr_t idx[32], rem = start, off = 0, done = 0;
    int d;
    if (nd == 2) {
        /* the rows of a 2-D view (diff along the last axis, a transpose): the
         * copy loop without the general walk's bookkeeping, 3x faster on rows of 10 */
        intptr_t n1 = shape[1], j = start % n1, s = strides[1];
        char *row = base + (start / n1) * strides[0];
        switch (isz * 2 + store) {
        case 16: CC_WALK2(uint64_t, 0)
        case 17: CC_WALK2(uint64_t, 1)
        case 8: CC_WALK2(uint32_t, 0)
        case 9: CC_WALK2(uint32_t, 1)
        case 2: CC_WALK2(uint8_t, 0)
        default: CC_WALK2(uint8_t, 1)
        }
        return;
    }
    for (d = nd - 1; d >= 0; d--) {
        idx[d] = shape[d] ? rem % shape[d] : 0;
        rem = shape[d] ? rem / shape[d] : 0;
        off += idx[d] * strides[d];
    }
    while (done < m) {
        intptr_t run = shape[nd - 1] - idx[nd - 1], j, s = strides[nd - 1];
        char *p = base + off;
        if (run > m - done)
            run = m - done;
        if (s == isz && run >= 64) {   /* a long contiguous run: one copy */
            if (store)
                memcpy(p, buf + done * isz, (size_t)(run * isz));
            else
                memcpy(buf + done * isz, p, (size_t)(run * isz));
        }
        else if (store) {
            switch (isz) {
            case 8: for (j = 0; j < run; j++) memcpy(p + j * s, buf + (done + j) * 8, 8); break;
            case 4: for (j = 0; j < run; j++) memcpy(p + j * s, buf + (done + j) * 4, 4); break;
            default: for (j = 0; j < run; j++) p[j * s] = buf[done + j];
            }
        }
        else if (isz == 8 && (s == 16 || s == -8)) {
            /* every other element (a[::2]) or reversed (a[::-1]): a constant stride,
               so the loop vectorizes (loads and a shuffle), 2-3x the loop below */
            uint64_t *b = (uint64_t *)(buf + done * 8);
            const uint64_t *q = (const uint64_t *)p;
            if (s == 16)
                for (j = 0; j < run; j++) b[j] = q[2 * j];
            else
                for (j = 0; j < run; j++) b[j] = q[-j];
        }
        else if (isz == 4 && (s == 8 || s == -4)) {
            uint32_t *b = (uint32_t *)(buf + done * 4);
            const uint32_t *q = (const uint32_t *)p;
            if (s == 8)
                for (j = 0; j < run; j++) b[j] = q[2 * j];
            else
                for (j = 0; j < run; j++) b[j] = q[-j];
        }
        else {
            switch (isz) {
            case 8: for (j = 0; j < run; j++) memcpy(buf + (done + j) * 8, p + j * s, 8); break;
            case 4: for (j = 0; j < run; j++) memcpy(buf + (done + j) * 4, p + j * s, 4); break;
            default: for (j = 0; j < run; j++) buf[done + j] = p[j * s];
            }
        }
        done += run;
        off += run * s;
        idx[nd - 1] += run;
        /* carry into the outer dimensions */
        for (d = nd - 1; d > 0 && idx[d] == shape[d]; d--) {
            off -= idx[d] * strides[d];
            idx[d] = 0;
            idx[d - 1]++;
            off += strides[d - 1];
        }
    }
}

/* The address of flat (C-order) element `start` of an n-d strided operand when
 * elements start ... start+m-1 lie contiguous in one run of its last dimension,
 * else NULL (the block is then copied through cc_walk). */
static inline char *cc_run_at(char *base, int nd, const intptr_t *shape,
                              const intptr_t *strides, intptr_t start, intptr_t m, int isz)
{
    intptr_t off = 0, rem = start, i;
    int d;
    if (strides[nd - 1] != isz)
        return NULL;
    i = rem % shape[nd - 1];
    if (i + m > shape[nd - 1])
        return NULL;
    rem /= shape[nd - 1];
    off = i * isz;
    for (d = nd - 2; d >= 0 && rem; d--) {
        off += (rem % shape[d]) * strides[d];
        rem /= shape[d];
    }
    return base + off;
}

/* NumPy's pairwise sum (n <= 128: 8 accumulators; else halves split at a
 * multiple of 8), so a fused sum() adds like numpy.sum of the result. */
#define CC_PAIRWISE(NAME, T)                                                    \
    static T NAME(const T *v, intptr_t n)                                       \
    {                                                                           \
        T r0, r1, r2, r3, r4, r5, r6, r7, res;                                  \
        intptr_t i, n8, n2;                                                     \
        if (n < 8) {                                                            \
            res = 0;                                                            \
            for (i = 0; i < n; i++)                                             \
                res = res + v[i];                                               \
            return res;                                                         \
        }                                                                       \
        if (n > 128) {                                                          \
            n2 = n / 2;                                                         \
            n2 -= n2 % 8;                                                       \
            res = NAME(v, n2);                                                  \
            return res + NAME(v + n2, n - n2);                                  \
        }                                                                       \
        r0 = v[0]; r1 = v[1]; r2 = v[2]; r3 = v[3];                             \
        r4 = v[4]; r5 = v[5]; r6 = v[6]; r7 = v[7];                             \
        n8 = n - n % 8;                                                         \
        for (i = 8; i < n8; i += 8) {                                           \
            r0 += v[i]; r1 += v[i + 1]; r2 += v[i + 2]; r3 += v[i + 3];         \
            r4 += v[i + 4]; r5 += v[i + 5]; r6 += v[i + 6]; r7 += v[i + 7];     \
        }                                                                       \
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));                \
        for (i = n8; i < n; i++)                                                \
            res += v[i];                                                        \
        return res;                                                             \
    }
/* The 8 accumulators become 8 SIMD lanes on wider targets: the same additions
 * in the same order, so the same bits on every target. */
CC_PAIRWISE(cc_pw_f64_base, double)
CC_PAIRWISE(cc_pw_f32_base, float)
#ifdef CC_MULTI
CC_BEGIN_AVX2
CC_PAIRWISE(cc_pw_f64_avx2, double)
CC_PAIRWISE(cc_pw_f32_avx2, float)
CC_END_TARGET
CC_BEGIN_AVX512
CC_PAIRWISE(cc_pw_f64_avx512, double)
CC_PAIRWISE(cc_pw_f32_avx512, float)
CC_END_TARGET
#define CC_PW_DISPATCH(T, SFX)                                                  \
    static T cc_pw_##SFX(const T *v, intptr_t n)                                \
    {                                                                           \
        switch (cc_target()) {                                                  \
        case CC_TARGET_AVX512: return cc_pw_##SFX##_avx512(v, n);               \
        case CC_TARGET_AVX2: return cc_pw_##SFX##_avx2(v, n);                   \
        default: return cc_pw_##SFX##_base(v, n);                               \
        }                                                                       \
    }
#else
#define CC_PW_DISPATCH(T, SFX)                                                  \
    static T cc_pw_##SFX(const T *v, intptr_t n) { return cc_pw_##SFX##_base(v, n); }
#endif
CC_PW_DISPATCH(double, f64)
CC_PW_DISPATCH(float, f32)


/* Bytes of the last-level cache an expression may use with long blocks: half of
 * the L3 that sysconf reports, capped at 32 MiB (VMs report whole-socket or made-up
 * sizes: 320 MiB on a 32 MiB host here), 16 MiB where it reports none. */
static long cc_cache_budget(void)
{
    long l3 = 0;
#if defined(__linux__) && defined(_SC_LEVEL3_CACHE_SIZE)
    l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
    if (l3 <= 0 || l3 > (32L << 20))
        l3 = 32L << 20;
    return l3 / 2;
}
#endif /* CONCORE_VM_OPS_H */
