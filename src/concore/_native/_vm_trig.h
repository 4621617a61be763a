/* _vm_trig.h: kernels of the trig family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_TRIG names every kernel defined here. */
#ifndef CC_LIST_TRIG
#define CC_LIST_TRIG(U, B)
#endif

#ifndef CC_SCALAR
#endif
