/* _vm_exp.h: kernels of the exp family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_EXP names every kernel defined here. */
#ifndef CC_LIST_EXP
#define CC_LIST_EXP(U, B) U(demo, sqrt, sqrtf)
#endif

#ifndef CC_SCALAR
static inline vd CC_CAT(demo_k, CC_SFX)(vd x) { return x * x + (vd){0}; }
CC_UNARY_F64(demo_f64, CC_CAT(demo_k, CC_SFX), 1.0)
CC_UNARY_F32(demo_f32, CC_CAT(demo_k, CC_SFX), 1.0f)
#endif
