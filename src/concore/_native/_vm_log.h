/* _vm_log.h: kernels of the log family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_LOG names every kernel defined here. */
#ifndef CC_LIST_LOG
#define CC_LIST_LOG(U, B)
#endif

#ifndef CC_SCALAR
#endif
