/* _vm_exec.h: the body of the interpreter's instruction loop, included once per
 * SIMD target by _vm_ops.h (so simple loops use the widest vectors the CPU has;
 * the operations are the same IEEE operations on every target, the same bits). */
/* Run instruction k on m values.  Returns -1 on an (op, type) the compiler
 * never emits: the caller turns that into an error instead of a wrong answer. */
static int CC_EXEC_NAME(const cc_instr *k, char *const *R, intptr_t m)
{
    intptr_t i;
    int t = k->type;
    char *Y = R[k->dst];
    const char *A = R[k->a];
    const char *B = k->b >= 0 ? R[k->b] : NULL;
    const char *C = k->c >= 0 ? R[k->c] : NULL;

    switch (k->op) {
    case OP_copy:
        if (A != Y)
            memmove(Y, A, (size_t)m * (t == T_B ? 1 : (t == T_F32 || t == T_I32) ? 4 : 8));
        break;
    case OP_negative: U_NUM(-v)
    case OP_absolute:
        switch (t) {
        case T_F64: U_LOOP(double, double, fabs(v))
        case T_F32: U_LOOP(float, float, fabsf(v))
        case T_I64: U_LOOP(int64_t, int64_t, v < 0 ? (int64_t)(0 - (uint64_t)v) : v)
        case T_I32: U_LOOP(int32_t, int32_t, v < 0 ? (int32_t)(0 - (uint32_t)v) : v)
        default: return -1;
        }
        break;
    case OP_square: U_NUM(v * v)
    case OP_reciprocal: U_FLT(1.0 / v, 1.0f / v)
    case OP_sign: U_NUM(CC_SIGN(v))
    case OP_floor: U_FLT(floor(v), floorf(v))
    case OP_ceil: U_FLT(ceil(v), ceilf(v))
    case OP_trunc: U_FLT(trunc(v), truncf(v))
    case OP_rint: U_FLT(rint(v), rintf(v))
    case OP_sqrt: U_FLT(sqrt(v), sqrtf(v))
    case OP_cube: U_VEC(cube, cc_cube1, cc_cube1f)
    case OP_exp: U_VEC(exp, exp, expf)
    case OP_exp2: U_VEC(exp2, exp2, exp2f)
    case OP_expm1: U_VEC(expm1, expm1, expm1f)
    case OP_log: U_VEC(log, log, logf)
    case OP_log2: U_VEC(log2, log2, log2f)
    case OP_log10: U_VEC(log10, log10, log10f)
    case OP_log1p: U_VEC(log1p, log1p, log1pf)
    case OP_sin: U_VEC(sin, sin, sinf)
    case OP_cos: U_VEC(cos, cos, cosf)
    case OP_tan: U_VEC(tan, tan, tanf)
    case OP_arcsin: U_VEC(arcsin, asin, asinf)
    case OP_arccos: U_VEC(arccos, acos, acosf)
    case OP_arctan: U_VEC(arctan, atan, atanf)
    case OP_sinh: U_VEC(sinh, sinh, sinhf)
    case OP_cosh: U_VEC(cosh, cosh, coshf)
    case OP_tanh: U_VEC(tanh, tanh, tanhf)
    case OP_arcsinh: U_VEC(arcsinh, asinh, asinhf)
    case OP_arccosh: U_VEC(arccosh, acosh, acoshf)
    case OP_arctanh: U_VEC(arctanh, atanh, atanhf)
    case OP_isnan: U_PRED(v != v, 0)
    case OP_isinf: U_PRED(v - v != v - v && v == v, 0)
    case OP_isfinite: U_PRED(v - v == v - v, 1)
    case OP_logical_not: U_PRED(v == 0, v == 0)
    case OP_nonzero: U_PRED(v != 0, v != 0)
    case OP_invert:
        switch (t) {
        case T_I64: U_LOOP(int64_t, int64_t, ~v)
        case T_I32: U_LOOP(int32_t, int32_t, ~v)
        case T_B: U_LOOP(uint8_t, uint8_t, !v)
        default: return -1;
        }
        break;
    case OP_add: B_ALL(v + w, v | w)
    case OP_subtract: B_NUM(v - w)
    case OP_multiply: B_ALL(v * w, v & w)
    case OP_divide: B_FLT(v / w, v / w)
    case OP_floor_divide:
        switch (t) {
        case T_F64: B_LOOP(double, double, cc_floordiv_f64(v, w))
        case T_F32: B_LOOP(float, float, cc_floordiv_f32(v, w))
        case T_I64: B_LOOP(int64_t, int64_t, cc_i64_fdiv(v, w))
        case T_I32: B_LOOP(int32_t, int32_t, cc_i32_fdiv(v, w))
        default: return -1;
        }
        break;
    case OP_remainder:
        switch (t) {
        case T_F64: B_LOOP(double, double, cc_rem_f64(v, w))
        case T_F32: B_LOOP(float, float, cc_rem_f32(v, w))
        case T_I64: B_LOOP(int64_t, int64_t, cc_i64_mod(v, w))
        case T_I32: B_LOOP(int32_t, int32_t, cc_i32_mod(v, w))
        default: return -1;
        }
        break;
    case OP_power: B_VEC(power, pow, powf)
    case OP_minimum: B_ALL(CC_MIN(v, w), CC_MIN(v, w))
    case OP_maximum: B_ALL(CC_MAX(v, w), CC_MAX(v, w))
    case OP_fmin: B_FLT(CC_FMIN(v, w), CC_FMIN(v, w))
    case OP_fmax: B_FLT(CC_FMAX(v, w), CC_FMAX(v, w))
    case OP_copysign: B_FLT(copysign(v, w), copysignf(v, w))
    case OP_arctan2: B_VEC(arctan2, atan2, atan2f)
    case OP_hypot: B_FLT(hypot(v, w), hypotf(v, w))
    case OP_less: B_CMP(v < w)
    case OP_less_equal: B_CMP(v <= w)
    case OP_greater: B_CMP(v > w)
    case OP_greater_equal: B_CMP(v >= w)
    case OP_equal: B_CMP(v == w)
    case OP_not_equal: B_CMP(v != w)
    case OP_logical_and: B_CMP((v != 0) & (w != 0))
    case OP_logical_or: B_CMP((v != 0) | (w != 0))
    case OP_logical_xor: B_CMP((v != 0) ^ (w != 0))
    case OP_bitwise_and: B_INT(v & w, v & w)
    case OP_bitwise_or: B_INT(v | w, v | w)
    case OP_bitwise_xor: B_INT(v ^ w, v ^ w)
    case OP_where:
        switch (t) {
        case T_F64: case T_I64: CC_WHERE(int64_t)
        case T_F32: case T_I32: CC_WHERE(int32_t)
        case T_B: CC_WHERE(uint8_t)
        default: return -1;
        }
        break;
    case OP_clip:
        switch (t) {
        case T_F64: CC_CLIP(double)
        case T_F32: CC_CLIP(float)
        case T_I64: CC_CLIP(int64_t)
        case T_I32: CC_CLIP(int32_t)
        case T_B: CC_CLIP(uint8_t)
        default: return -1;
        }
        break;
    case OP_clip_s:
        switch (t) {
        case T_F64: CC_CLIPS(double)
        case T_F32: CC_CLIPS(float)
        case T_I64: CC_CLIPS(int64_t)
        case T_I32: CC_CLIPS(int32_t)
        case T_B: CC_CLIPS(uint8_t)
        default: return -1;
        }
        break;
    case OP_cast: {
        int to = k->b;
        B = NULL;
        switch (t) {
        case T_F64: CAST_FROM(double)
        case T_F32: CAST_FROM(float)
        case T_I64: CAST_FROM(int64_t)
        case T_I32: CAST_FROM(int32_t)
        case T_B: CAST_FROM(uint8_t)
        default: return -1;
        }
        break;
    }
    F2_CASES(add, v + w)
    F2_CASES(sub, v - w)
    F2_CASES(mul, v * w)
    default:
        return -1;
    }
    return 0;
}

