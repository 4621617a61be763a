/* _vm_log.h: kernels of the log family, included once per SIMD target by _vmath.h
 * (see the contract there).  CC_LIST_LOG names every kernel defined here.
 *
 * Algorithm (all kernels share it): x = 2^k z, z in [0x1.6955p-1, 0x1.6955p0); a 128-entry
 * table gives 1/c (20 significant bits, so z*(1/c) - 1 = r is exact as rhi + rlo without
 * FMA) and log(c) as a double-double; log(x) = k ln2 + log(c) + log1p(r), |r| < 2^-7.5.
 * c = 1 on the interval holding 1.0, so x near 1 needs no separate path.
 *   log, log2, log10: log1p(r) to ~2^-62 relative, summed as hi + lo (log2/log10 multiply
 *     the double-double by 1/ln2, 1/ln10 with a Dekker product): about 0.5 ULP.
 *   pow: log(|x|) as a double-double to ~2^-68 (exact r^2 term), y*log split Dekker-style,
 *     exp of the double-double with a 128-entry 2^(j/128) table and a degree-5 polynomial.
 *   log1p, asinh, acosh, atanh: the argument of log built as a double-double
 *     (1+x; a+sqrt(a^2+1); x+sqrt(x^2-1); (1+a)/(1-a)) and fed to the precise log.
 * Lanes outside the fast domain (zero, negative, subnormal, inf, NaN, pow overflow and
 * underflow ranges, ...) are recomputed with scalar libm when any lane of a vector has one.
 * float32 goes through the same float64 lanes and rounds once. */
#ifndef CC_LIST_LOG
#define CC_LIST_LOG(U, B)                                                            \
    U(log, log, logf) U(log2, log2, log2f) U(log10, log10, log10f)                   \
    U(log1p, log1p, log1pf) U(arcsinh, asinh, asinhf) U(arccosh, acosh, acoshf)      \
    U(arctanh, atanh, atanhf) B(power, pow, powf)
#endif

#ifndef CC_SCALAR

#ifndef CC_VM_LOG_TABLES
#define CC_VM_LOG_TABLES
#define CC_LOG_OFF 0x3fe6955500000000LL
#define CC_LN2HI 0x1.62e42ff000000p-1 /* ln2 rounded to a multiple of 2^-33 */
#define CC_LN2LO -0x1.718432a1b0e26p-35
/* {1/c (20 bits), log(c) rounded to a multiple of 2^-43, rest of log(c), pad}: z in
 * [OFF + i<<45, OFF + (i+1)<<45) as bits, c = 1 on the interval holding 1.0 */
static const double cc_log_tab[128][4] = {
    {0x1.69be800000000p+0, -0x1.620ed6447a000p-2, -0x1.5f9d91f6c9520p-47, 0},
    {0x1.67c2200000000p+0, -0x1.5c6bccd3c4800p-2, -0x1.c60bff540c6d5p-45, 0},
    {0x1.65cb600000000p+0, -0x1.56d0dff378000p-2, -0x1.d07e2a6f8f99ap-45, 0},
    {0x1.63da000000000p+0, -0x1.513d84f358800p-2, -0x1.dc0404f40fa2bp-45, 0},
    {0x1.61ee000000000p+0, -0x1.4bb1e6a96c000p-2, 0x1.8d814ba84b1bap-46, 0},
    {0x1.6007600000000p+0, -0x1.462e304554800p-2, 0x1.65b44fd690cc8p-48, 0},
    {0x1.5e25e00000000p+0, -0x1.40b1d223bc000p-2, -0x1.325c14802369ap-46, 0},
    {0x1.5c49800000000p+0, -0x1.3b3cf521c8800p-2, -0x1.928b68ec53fe0p-45, 0},
    {0x1.5a72200000000p+0, -0x1.35cf63db4d000p-2, 0x1.1820e4c4a0e1fp-47, 0},
    {0x1.589fc00000000p+0, -0x1.30694653ab000p-2, -0x1.9eaa9ad68bcbcp-45, 0},
    {0x1.56d2400000000p+0, -0x1.2b0a654973000p-2, -0x1.b2ee50b0fdaa3p-47, 0},
    {0x1.5509a00000000p+0, -0x1.25b2e7df5b000p-2, -0x1.e68e4a2128859p-46, 0},
    {0x1.5345a00000000p+0, -0x1.2062345aa6800p-2, 0x1.9847168fca4abp-45, 0},
    {0x1.5186400000000p+0, -0x1.1b186f76d3000p-2, 0x1.df95595e43625p-46, 0},
    {0x1.4fcb800000000p+0, -0x1.15d5be396d000p-2, 0x1.b89fe2bb07846p-46, 0},
    {0x1.4e15600000000p+0, -0x1.109a45f088800p-2, -0x1.7e58efcc41fbep-48, 0},
    {0x1.4c63800000000p+0, -0x1.0b65047149000p-2, -0x1.0201236ca42ddp-45, 0},
    {0x1.4ab6200000000p+0, -0x1.0636e14117000p-2, -0x1.a23f52f61ec7fp-45, 0},
    {0x1.490d200000000p+0, -0x1.010f9d6992800p-2, 0x1.28c3b7ad74778p-45, 0},
    {0x1.4768400000000p+0, -0x1.f7dd2843c4000p-3, 0x1.c03bc80927796p-46, 0},
    {0x1.45c7a00000000p+0, -0x1.eda8954556000p-3, 0x1.45e943d7e6858p-45, 0},
    {0x1.442b200000000p+0, -0x1.e380fc7446000p-3, 0x1.ffb886567aa1bp-45, 0},
    {0x1.4292a00000000p+0, -0x1.d965d4eae8000p-3, 0x1.923d40535656bp-45, 0},
    {0x1.40fe200000000p+0, -0x1.cf575e699c000p-3, -0x1.3c8262322966fp-45, 0},
    {0x1.3f6da00000000p+0, -0x1.c555d929cc000p-3, -0x1.0d0b7a1bc1806p-45, 0},
    {0x1.3de1000000000p+0, -0x1.bb60b7b0e0000p-3, 0x1.db3bdd4fe72dbp-45, 0},
    {0x1.3c58200000000p+0, -0x1.b17768f89b000p-3, 0x1.4ad360d1fd7b4p-46, 0},
    {0x1.3ad3200000000p+0, -0x1.a79af8c233000p-3, -0x1.84d47612e6b76p-46, 0},
    {0x1.3951e00000000p+0, -0x1.9dcad4e975000p-3, -0x1.a303e8d780a3dp-45, 0},
    {0x1.37d4200000000p+0, -0x1.9405958d5f000p-3, -0x1.bffcf962d0e9fp-46, 0},
    {0x1.365a200000000p+0, -0x1.8a4d17e338000p-3, -0x1.364930d790633p-45, 0},
    {0x1.34e3a00000000p+0, -0x1.809ff0df59000p-3, 0x1.123eef443cfafp-45, 0},
    {0x1.3370c00000000p+0, -0x1.76ff2d5dc4000p-3, -0x1.b3da8d5ad40b1p-45, 0},
    {0x1.3201400000000p+0, -0x1.6d695c2046000p-3, 0x1.54e37c73c5044p-45, 0},
    {0x1.3095200000000p+0, -0x1.63deb2a1cf000p-3, -0x1.715e48307f30ep-45, 0},
    {0x1.2f2c600000000p+0, -0x1.5a5f66bf51000p-3, -0x1.64755deb703a6p-45, 0},
    {0x1.2dc7000000000p+0, -0x1.50ebaeb5f5000p-3, -0x1.b7e792ba1a00cp-47, 0},
    {0x1.2c64e00000000p+0, -0x1.4782e6f69f000p-3, 0x1.73879ccfc3b06p-46, 0},
    {0x1.2b06000000000p+0, -0x1.3e25437994000p-3, -0x1.e0e87ea0dd160p-50, 0},
    {0x1.29aa600000000p+0, -0x1.34d2f89219000p-3, -0x1.ae0593658ca70p-46, 0},
    {0x1.2851c00000000p+0, -0x1.2b8a809779000p-3, -0x1.f6036af6a6911p-48, 0},
    {0x1.26fc600000000p+0, -0x1.224dc6e36c000p-3, -0x1.cc4992a7bc860p-50, 0},
    {0x1.25aa000000000p+0, -0x1.191b427b24000p-3, -0x1.078e10de77e7fp-46, 0},
    {0x1.245aa00000000p+0, -0x1.0ff3230dd0000p-3, 0x1.6abdcf0296bf2p-50, 0},
    {0x1.230e400000000p+0, -0x1.06d5989db9000p-3, 0x1.ccc9f6dbc0fb2p-46, 0},
    {0x1.21c4c00000000p+0, -0x1.fb83e2a850000p-4, 0x1.f125d3d89fdb6p-45, 0},
    {0x1.207e400000000p+0, -0x1.e9727bffd2000p-4, -0x1.b3ad42aa3608fp-45, 0},
    {0x1.1f3a800000000p+0, -0x1.d773ce7d3c000p-4, -0x1.418c2e1d2eae5p-45, 0},
    {0x1.1df9a00000000p+0, -0x1.c589faf698000p-4, -0x1.d82d3e2206ffdp-45, 0},
    {0x1.1cbba00000000p+0, -0x1.b3b55e84ce000p-4, 0x1.5f2cfe965ef8dp-46, 0},
    {0x1.1b80400000000p+0, -0x1.a1f2ba2b8c000p-4, 0x1.78aee34db080ep-45, 0},
    {0x1.1a47a00000000p+0, -0x1.9044308174000p-4, 0x1.07d92a1fd1da9p-45, 0},
    {0x1.1911c00000000p+0, -0x1.7eaa1a5842000p-4, -0x1.ba13f5aae5a15p-48, 0},
    {0x1.17de800000000p+0, -0x1.6d22fcba36000p-4, 0x1.85cfd1ea02822p-47, 0},
    {0x1.16ade00000000p+0, -0x1.5baf2b9270000p-4, 0x1.a0afae874aa81p-47, 0},
    {0x1.157fc00000000p+0, -0x1.4a4d22fff0000p-4, 0x1.adb4ff66d9b51p-46, 0},
    {0x1.1454400000000p+0, -0x1.38ff0c530a000p-4, 0x1.a1158c6369ab0p-46, 0},
    {0x1.132b200000000p+0, -0x1.27c18460c8000p-4, 0x1.985b5958c76cfp-45, 0},
    {0x1.1204a00000000p+0, -0x1.169891d5c8000p-4, 0x1.70ad77f789172p-45, 0},
    {0x1.10e0a00000000p+0, -0x1.0582aadec4000p-4, -0x1.499226dda9d47p-47, 0},
    {0x1.0fbee00000000p+0, -0x1.e8f8b7a2ac000p-5, 0x1.6da8e6ae7e491p-45, 0},
    {0x1.0e9fa00000000p+0, -0x1.c71365a844000p-5, -0x1.17621b115378dp-45, 0},
    {0x1.0d82c00000000p+0, -0x1.a552370fac000p-5, -0x1.e093ac44c58cbp-48, 0},
    {0x1.0c68200000000p+0, -0x1.83b1f409fc000p-5, -0x1.bcc7b0adc52a9p-45, 0},
    {0x1.0b4fe00000000p+0, -0x1.6236ff097c000p-5, -0x1.2cca4e17fd64dp-46, 0},
    {0x1.0a39e00000000p+0, -0x1.40de1a1320000p-5, 0x1.2accaf8332869p-46, 0},
    {0x1.0926200000000p+0, -0x1.1fa7d4bad0000p-5, -0x1.1e1a0b72c9ae0p-49, 0},
    {0x1.0814a00000000p+0, -0x1.fd297eea20000p-6, 0x1.262f0a7721051p-45, 0},
    {0x1.0705600000000p+0, -0x1.bb4ad72670000p-6, -0x1.6a2a6f84a61fap-48, 0},
    {0x1.05f8200000000p+0, -0x1.79a533d610000p-6, -0x1.1e79dd6953597p-45, 0},
    {0x1.04ed200000000p+0, -0x1.38493da500000p-6, -0x1.51c6a8458f0a7p-45, 0},
    {0x1.03e4400000000p+0, -0x1.ee6075c990000p-7, -0x1.1cb92f7d7c61fp-46, 0},
    {0x1.02dd800000000p+0, -0x1.6cb679b510000p-7, -0x1.ae2217aaa2934p-47, 0},
    {0x1.01d8c00000000p+0, -0x1.d70d943900000p-8, -0x1.fd49cf77b3b49p-46, 0},
    {0x1.00d6000000000p+0, -0x1.ab4d7f7380000p-9, 0x1.c9347e3731820p-45, 0},
    {0x1.0000000000000p+0, 0x0.0p+0, 0x0.0p+0, 0},
    {0x1.fb60200000000p-1, 0x1.2950409180000p-7, 0x1.fc4227f8a0de4p-45, 0},
    {0x1.f77a400000000p-1, 0x1.1303969a28000p-6, -0x1.1f38d96a1e59ep-46, 0},
    {0x1.f3a3a00000000p-1, 0x1.90665bf628000p-6, 0x1.b90bb36ac57e2p-46, 0},
    {0x1.efdbe00000000p-1, 0x1.066a938314000p-5, -0x1.7b7be50861057p-45, 0},
    {0x1.ec22a00000000p-1, 0x1.442a7c5740000p-5, 0x1.0d49562b869c3p-45, 0},
    {0x1.e877a00000000p-1, 0x1.817375b020000p-5, 0x1.b0ca4b23a9d74p-45, 0},
    {0x1.e4da800000000p-1, 0x1.be483f3210000p-5, 0x1.bf31429c88bc1p-45, 0},
    {0x1.e14ae00000000p-1, 0x1.faabbe8ffc000p-5, 0x1.e73be998349bbp-46, 0},
    {0x1.ddc8a00000000p-1, 0x1.1b4e5b404c000p-4, 0x1.fe379dfe3f43ep-47, 0},
    {0x1.da53600000000p-1, 0x1.390f20d85e000p-4, 0x1.3c1840ae54d69p-47, 0},
    {0x1.d6eae00000000p-1, 0x1.5698ba8456000p-4, -0x1.eb564c6a9ff8fp-47, 0},
    {0x1.d38ec00000000p-1, 0x1.73ecd6a20e000p-4, -0x1.82bda46e76fdcp-47, 0},
    {0x1.d03ee00000000p-1, 0x1.910b02994c000p-4, 0x1.941c233fcf51ep-45, 0},
    {0x1.ccfae00000000p-1, 0x1.adf5085022000p-4, -0x1.8274e7a6dd7cbp-45, 0},
    {0x1.c9c2a00000000p-1, 0x1.caaa88f382000p-4, -0x1.05f1157b7aff3p-45, 0},
    {0x1.c695c00000000p-1, 0x1.e72d6a698c000p-4, 0x1.0f1cd0e3847c0p-45, 0},
    {0x1.c374200000000p-1, 0x1.01beb10c0f000p-3, -0x1.de10c0f02069fp-47, 0},
    {0x1.c05d800000000p-1, 0x1.0fcda6ffe2000p-3, 0x1.13120704f2372p-48, 0},
    {0x1.bd51800000000p-1, 0x1.1dc49f6adb000p-3, 0x1.19ac2aa4e43dep-46, 0},
    {0x1.ba50200000000p-1, 0x1.2ba2f063eb000p-3, 0x1.70d6d9cbf75b3p-45, 0},
    {0x1.b759000000000p-1, 0x1.3969adca63000p-3, -0x1.c3640fe6a391ap-45, 0},
    {0x1.b46c000000000p-1, 0x1.4718c97c72000p-3, -0x1.eb60730b6d8b1p-46, 0},
    {0x1.b188e00000000p-1, 0x1.54b0cee27a000p-3, -0x1.8ca607e008082p-45, 0},
    {0x1.aeaf800000000p-1, 0x1.6231b7a4b6000p-3, -0x1.3b32a3354613dp-46, 0},
    {0x1.abdfc00000000p-1, 0x1.6f9b7fe087000p-3, -0x1.5f947dd5f21cdp-48, 0},
    {0x1.a919400000000p-1, 0x1.7cef5a880c000p-3, -0x1.a892a944ab1ddp-46, 0},
    {0x1.a65be00000000p-1, 0x1.8a2d4ec16e000p-3, -0x1.b7a721fe3af5fp-47, 0},
    {0x1.a3a7800000000p-1, 0x1.97556645d7000p-3, 0x1.fb7f29856bf98p-45, 0},
    {0x1.a0fc000000000p-1, 0x1.a467ad6ac2000p-3, 0x1.88d3eb4bf813ap-46, 0},
    {0x1.9e59000000000p-1, 0x1.b1656f804c000p-3, 0x1.b9022d37f4a17p-46, 0},
    {0x1.9bbea00000000p-1, 0x1.be4d85da08000p-3, 0x1.a4d94435c4f16p-45, 0},
    {0x1.992c800000000p-1, 0x1.cb21452cb7000p-3, -0x1.248ac8e07fbdep-45, 0},
    {0x1.96a2a00000000p-1, 0x1.d7e0296bdc000p-3, -0x1.9bc2df602ea3cp-46, 0},
    {0x1.9420a00000000p-1, 0x1.e48b93d1a3000p-3, 0x1.0788d2767edfbp-45, 0},
    {0x1.91a6a00000000p-1, 0x1.f12263bc04000p-3, -0x1.f3133a9ae365ep-46, 0},
    {0x1.8f34400000000p-1, 0x1.fda604096e000p-3, 0x1.90964912357ffp-47, 0},
    {0x1.8cc9800000000p-1, 0x1.050afd7abc800p-2, -0x1.e500abb7c8efcp-47, 0},
    {0x1.8a66400000000p-1, 0x1.0b3939e542000p-2, -0x1.6fb5cf9a4ddefp-47, 0},
    {0x1.880a400000000p-1, 0x1.115e21f444000p-2, 0x1.aac83ad70ded3p-45, 0},
    {0x1.85b5600000000p-1, 0x1.1779cfbb34800p-2, -0x1.21e2c6dc25a61p-45, 0},
    {0x1.8367a00000000p-1, 0x1.1d8c0a3429000p-2, 0x1.ab1ba773a8596p-45, 0},
    {0x1.8120e00000000p-1, 0x1.2394eceda7800p-2, -0x1.cf5a67cd4f655p-46, 0},
    {0x1.7ee0e00000000p-1, 0x1.2994ea8da8000p-2, -0x1.48bd0fa7b443dp-45, 0},
    {0x1.7ca7800000000p-1, 0x1.2f8c2329da800p-2, 0x1.91d3e27858329p-45, 0},
    {0x1.7a74c00000000p-1, 0x1.357a61ca82000p-2, -0x1.1f14c243b5044p-45, 0},
    {0x1.7848800000000p-1, 0x1.3b5fc817de000p-2, -0x1.ecbb5d422a3d6p-46, 0},
    {0x1.7622a00000000p-1, 0x1.413c79478b800p-2, 0x1.81c3c9afe02ebp-46, 0},
    {0x1.7402e00000000p-1, 0x1.4710f23472000p-2, -0x1.b57b9277ef677p-45, 0},
    {0x1.71e9600000000p-1, 0x1.4cdca98bf8800p-2, 0x1.b501e5eb71389p-46, 0},
    {0x1.6fd5e00000000p-1, 0x1.52a01ed07f800p-2, 0x1.e8102bdfcf9f3p-47, 0},
    {0x1.6dc8400000000p-1, 0x1.585b7b866d000p-2, -0x1.dd78bc47c1ca0p-45, 0},
    {0x1.6bc0800000000p-1, 0x1.5e0e90b682800p-2, 0x1.20437252e9f83p-46, 0},
};
static const uint64_t cc_exp_tab[256] = { /* {tail, bits - (j<<45)} of 2^(j/128) */
    0x0000000000000000ULL, 0x3ff0000000000000ULL,
    0x3c9b3b4f1a88bf6eULL, 0x3feff63da9fb3335ULL,
    0xbc7160139cd8dc5dULL, 0x3fefec9a3e778061ULL,
    0xbc905e7a108766d1ULL, 0x3fefe315e86e7f85ULL,
    0x3c8cd2523567f613ULL, 0x3fefd9b0d3158574ULL,
    0xbc8bce8023f98efaULL, 0x3fefd06b29ddf6deULL,
    0x3c60f74e61e6c861ULL, 0x3fefc74518759bc8ULL,
    0x3c90a3e45b33d399ULL, 0x3fefbe3ecac6f383ULL,
    0x3c979aa65d837b6dULL, 0x3fefb5586cf9890fULL,
    0x3c8eb51a92fdeffcULL, 0x3fefac922b7247f7ULL,
    0x3c3ebe3d702f9cd1ULL, 0x3fefa3ec32d3d1a2ULL,
    0xbc6a033489906e0bULL, 0x3fef9b66affed31bULL,
    0xbc9556522a2fbd0eULL, 0x3fef9301d0125b51ULL,
    0xbc5080ef8c4eea55ULL, 0x3fef8abdc06c31ccULL,
    0xbc91c923b9d5f416ULL, 0x3fef829aaea92de0ULL,
    0x3c80d3e3e95c55afULL, 0x3fef7a98c8a58e51ULL,
    0xbc801b15eaa59348ULL, 0x3fef72b83c7d517bULL,
    0xbc8f1ff055de323dULL, 0x3fef6af9388c8deaULL,
    0x3c8b898c3f1353bfULL, 0x3fef635beb6fcb75ULL,
    0xbc96d99c7611eb26ULL, 0x3fef5be084045cd4ULL,
    0x3c9aecf73e3a2f60ULL, 0x3fef54873168b9aaULL,
    0xbc8fe782cb86389dULL, 0x3fef4d5022fcd91dULL,
    0x3c8a6f4144a6c38dULL, 0x3fef463b88628cd6ULL,
    0x3c807a05b0e4047dULL, 0x3fef3f49917ddc96ULL,
    0x3c968efde3a8a894ULL, 0x3fef387a6e756238ULL,
    0x3c875e18f274487dULL, 0x3fef31ce4fb2a63fULL,
    0x3c80472b981fe7f2ULL, 0x3fef2b4565e27cddULL,
    0xbc96b87b3f71085eULL, 0x3fef24dfe1f56381ULL,
    0x3c82f7e16d09ab31ULL, 0x3fef1e9df51fdee1ULL,
    0xbc3d219b1a6fbffaULL, 0x3fef187fd0dad990ULL,
    0x3c8b3782720c0ab4ULL, 0x3fef1285a6e4030bULL,
    0x3c6e149289cecb8fULL, 0x3fef0cafa93e2f56ULL,
    0x3c834d754db0abb6ULL, 0x3fef06fe0a31b715ULL,
    0x3c864201e2ac744cULL, 0x3fef0170fc4cd831ULL,
    0x3c8fdd395dd3f84aULL, 0x3feefc08b26416ffULL,
    0xbc86a3803b8e5b04ULL, 0x3feef6c55f929ff1ULL,
    0xbc924aedcc4b5068ULL, 0x3feef1a7373aa9cbULL,
    0xbc9907f81b512d8eULL, 0x3feeecae6d05d866ULL,
    0xbc71d1e83e9436d2ULL, 0x3feee7db34e59ff7ULL,
    0xbc991919b3ce1b15ULL, 0x3feee32dc313a8e5ULL,
    0x3c859f48a72a4c6dULL, 0x3feedea64c123422ULL,
    0xbc9312607a28698aULL, 0x3feeda4504ac801cULL,
    0xbc58a78f4817895bULL, 0x3feed60a21f72e2aULL,
    0xbc7c2c9b67499a1bULL, 0x3feed1f5d950a897ULL,
    0x3c4363ed60c2ac11ULL, 0x3feece086061892dULL,
    0x3c9666093b0664efULL, 0x3feeca41ed1d0057ULL,
    0x3c6ecce1daa10379ULL, 0x3feec6a2b5c13cd0ULL,
    0x3c93ff8e3f0f1230ULL, 0x3feec32af0d7d3deULL,
    0x3c7690cebb7aafb0ULL, 0x3feebfdad5362a27ULL,
    0x3c931dbdeb54e077ULL, 0x3feebcb299fddd0dULL,
    0xbc8f94340071a38eULL, 0x3feeb9b2769d2ca7ULL,
    0xbc87deccdc93a349ULL, 0x3feeb6daa2cf6642ULL,
    0xbc78dec6bd0f385fULL, 0x3feeb42b569d4f82ULL,
    0xbc861246ec7b5cf6ULL, 0x3feeb1a4ca5d920fULL,
    0x3c93350518fdd78eULL, 0x3feeaf4736b527daULL,
    0x3c7b98b72f8a9b05ULL, 0x3feead12d497c7fdULL,
    0x3c9063e1e21c5409ULL, 0x3feeab07dd485429ULL,
    0x3c34c7855019c6eaULL, 0x3feea9268a5946b7ULL,
    0x3c9432e62b64c035ULL, 0x3feea76f15ad2148ULL,
    0xbc8ce44a6199769fULL, 0x3feea5e1b976dc09ULL,
    0xbc8c33c53bef4da8ULL, 0x3feea47eb03a5585ULL,
    0xbc845378892be9aeULL, 0x3feea34634ccc320ULL,
    0xbc93cedd78565858ULL, 0x3feea23882552225ULL,
    0x3c5710aa807e1964ULL, 0x3feea155d44ca973ULL,
    0xbc93b3efbf5e2228ULL, 0x3feea09e667f3bcdULL,
    0xbc6a12ad8734b982ULL, 0x3feea012750bdabfULL,
    0xbc6367efb86da9eeULL, 0x3fee9fb23c651a2fULL,
    0xbc80dc3d54e08851ULL, 0x3fee9f7df9519484ULL,
    0xbc781f647e5a3ecfULL, 0x3fee9f75e8ec5f74ULL,
    0xbc86ee4ac08b7db0ULL, 0x3fee9f9a48a58174ULL,
    0xbc8619321e55e68aULL, 0x3fee9feb564267c9ULL,
    0x3c909ccb5e09d4d3ULL, 0x3feea0694fde5d3fULL,
    0xbc7b32dcb94da51dULL, 0x3feea11473eb0187ULL,
    0x3c94ecfd5467c06bULL, 0x3feea1ed0130c132ULL,
    0x3c65ebe1abd66c55ULL, 0x3feea2f336cf4e62ULL,
    0xbc88a1c52fb3cf42ULL, 0x3feea427543e1a12ULL,
    0xbc9369b6f13b3734ULL, 0x3feea589994cce13ULL,
    0xbc805e843a19ff1eULL, 0x3feea71a4623c7adULL,
    0xbc94d450d872576eULL, 0x3feea8d99b4492edULL,
    0x3c90ad675b0e8a00ULL, 0x3feeaac7d98a6699ULL,
    0x3c8db72fc1f0eab4ULL, 0x3feeace5422aa0dbULL,
    0xbc65b6609cc5e7ffULL, 0x3feeaf3216b5448cULL,
    0x3c7bf68359f35f44ULL, 0x3feeb1ae99157736ULL,
    0xbc93091fa71e3d83ULL, 0x3feeb45b0b91ffc6ULL,
    0xbc5da9b88b6c1e29ULL, 0x3feeb737b0cdc5e5ULL,
    0xbc6c23f97c90b959ULL, 0x3feeba44cbc8520fULL,
    0xbc92434322f4f9aaULL, 0x3feebd829fde4e50ULL,
    0xbc85ca6cd7668e4bULL, 0x3feec0f170ca07baULL,
    0x3c71affc2b91ce27ULL, 0x3feec49182a3f090ULL,
    0x3c6dd235e10a73bbULL, 0x3feec86319e32323ULL,
    0xbc87c50422622263ULL, 0x3feecc667b5de565ULL,
    0x3c8b1c86e3e231d5ULL, 0x3feed09bec4a2d33ULL,
    0xbc91bbd1d3bcbb15ULL, 0x3feed503b23e255dULL,
    0x3c90cc319cee31d2ULL, 0x3feed99e1330b358ULL,
    0x3c8469846e735ab3ULL, 0x3feede6b5579fdbfULL,
    0xbc82dfcd978e9db4ULL, 0x3feee36bbfd3f37aULL,
    0x3c8c1a7792cb3387ULL, 0x3feee89f995ad3adULL,
    0xbc907b8f4ad1d9faULL, 0x3feeee07298db666ULL,
    0xbc55c3d956dcaebaULL, 0x3feef3a2b84f15fbULL,
    0xbc90a40e3da6f640ULL, 0x3feef9728de5593aULL,
    0xbc68d6f438ad9334ULL, 0x3feeff76f2fb5e47ULL,
    0xbc91eee26b588a35ULL, 0x3fef05b030a1064aULL,
    0x3c74ffd70a5fddcdULL, 0x3fef0c1e904bc1d2ULL,
    0xbc91bdfbfa9298acULL, 0x3fef12c25bd71e09ULL,
    0x3c736eae30af0cb3ULL, 0x3fef199bdd85529cULL,
    0x3c8ee3325c9ffd94ULL, 0x3fef20ab5fffd07aULL,
    0x3c84e08fd10959acULL, 0x3fef27f12e57d14bULL,
    0x3c63cdaf384e1a67ULL, 0x3fef2f6d9406e7b5ULL,
    0x3c676b2c6c921968ULL, 0x3fef3720dcef9069ULL,
    0xbc808a1883ccb5d2ULL, 0x3fef3f0b555dc3faULL,
    0xbc8fad5d3ffffa6fULL, 0x3fef472d4a07897cULL,
    0xbc900dae3875a949ULL, 0x3fef4f87080d89f2ULL,
    0x3c74a385a63d07a7ULL, 0x3fef5818dcfba487ULL,
    0xbc82919e2040220fULL, 0x3fef60e316c98398ULL,
    0x3c8e5a50d5c192acULL, 0x3fef69e603db3285ULL,
    0x3c843a59ac016b4bULL, 0x3fef7321f301b460ULL,
    0xbc82d52107b43e1fULL, 0x3fef7c97337b9b5fULL,
    0xbc892ab93b470dc9ULL, 0x3fef864614f5a129ULL,
    0x3c74b604603a88d3ULL, 0x3fef902ee78b3ff6ULL,
    0x3c83c5ec519d7271ULL, 0x3fef9a51fbc74c83ULL,
    0xbc8ff7128fd391f0ULL, 0x3fefa4afa2a490daULL,
    0xbc8dae98e223747dULL, 0x3fefaf482d8e67f1ULL,
    0x3c8ec3bc41aa2008ULL, 0x3fefba1bee615a27ULL,
    0x3c842b94c3a9eb32ULL, 0x3fefc52b376bba97ULL,
    0x3c8a64a931d185eeULL, 0x3fefd0765b6e4540ULL,
    0xbc8e37bae43be3edULL, 0x3fefdbfdad9cbe14ULL,
    0x3c77893b4d91cd9dULL, 0x3fefe7c1819e90d8ULL,
    0x3c5305c14160cc89ULL, 0x3feff3c22b8f71f1ULL,
};
#define CC_EXP_INVLN2N 0x1.71547652b82fep+7
#define CC_EXP_LN2HIN 0x1.62e42ff000000p-8 /* ln2/128, multiple of 2^-40 */
#define CC_EXP_LN2LON -0x1.718432a1b0e26p-42
#define CC_SHIFT52 0x1.8p52
#define CC_SPLIT27 134217729.0 /* 2^27 + 1, Veltkamp */
/* 1/ln2 and 1/ln10 as double-doubles, and the hi parts split in 26 + 27 bits */
#define CC_INVLN2_HI 0x1.71547652b82fep+0
#define CC_INVLN2_LO 0x1.777d0ffda0d24p-56
#define CC_INVLN10_HI 0x1.bcb7b1526e50ep-2
#define CC_INVLN10_LO 0x1.95355baaafad3p-57
#endif

#define CC_LG(name) CC_CAT(name, CC_SFX)

CC_INLINE vd CC_LG(cc_lg_gather)(const double *base, vl idx)
{
    vd r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = base[idx[j]];
    return r;
}

CC_INLINE vl CC_LG(cc_lg_gatheri)(const uint64_t *base, vl idx)
{
    vl r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = (int64_t)base[idx[j]];
    return r;
}

CC_INLINE int CC_LG(cc_lg_any)(vl m)
{
    int64_t a = 0;
    int j;
    for (j = 0; j < CC_W; j++) a |= m[j];
    return a != 0;
}

CC_INLINE vd CC_LG(cc_lg_sel)(vl m, vd a, vd b)
{
    return (vd)(((vl)a & m) | ((vl)b & ~m));
}

/* small integer vector (|k| < 2^51) to double */
CC_INLINE vd CC_LG(cc_lg_i2d)(vl k)
{
    return (vd)(k + (int64_t)0x4338000000000000LL) - CC_SHIFT52;
}

/* Dekker: a*b = p + e exactly (|a|, |b| well inside the range) */
CC_INLINE vd CC_LG(cc_lg_mul22)(vd a, vd b, vd *e)
{
    vd p = a * b;
    vd ca = a * CC_SPLIT27, cb = b * CC_SPLIT27;
    vd ah = ca - (ca - a), bh = cb - (cb - b);
    vd al = a - ah, bl = b - bh;
    *e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return p;
}

/* Table reduction shared by all: x normal positive (bits ix).  Returns z's parts. */
#define CC_LG_REDUCE(ix)                                                           \
    vl tmp = (ix) - CC_LOG_OFF;                                                    \
    vl ti = ((tmp >> 45) & 127) * 4;                                               \
    vl k = tmp >> 52;                                                              \
    vl iz = (ix) - (tmp & -(1LL << 52));                                           \
    vd z = (vd)iz;                                                                 \
    vd zh = (vd)(iz & -(1LL << 27));                                               \
    vd zl = z - zh;                                                                \
    vd invc = CC_LG(cc_lg_gather)(&cc_log_tab[0][0], ti);                          \
    vd lch = CC_LG(cc_lg_gather)(&cc_log_tab[0][1], ti);                           \
    vd lcl = CC_LG(cc_lg_gather)(&cc_log_tab[0][2], ti);                           \
    vd rhi = zh * invc - 1.0; /* exact */                                          \
    vd rlo = zl * invc;       /* exact */

/* log(x) = hi + lo to ~2^-62 relative, x positive normal finite */
CC_INLINE vd CC_LG(cc_log_fast)(vd x, vd *lo_out)
{
    vl ix = (vl)x;
    CC_LG_REDUCE(ix)
    vd kd = CC_LG(cc_lg_i2d)(k);
    vd w = kd * CC_LN2HI + lch; /* exact */
    vd r = rhi + rlo;
    vd rl = rlo - (r - rhi);    /* exact, see the table's construction */
    vd hi = w + r;
    vd lo = (w - hi) + r;       /* exact: |w| > |r| or w == 0 */
    vd r2 = r * r;
    vd p = 0x1.55555555550afp-2 + r * -0x1.ffffffff7aaf5p-3
           + r2 * (0x1.99999b735b2f2p-3 + r * -0x1.5556cc5c11d3ap-3 + r2 * 0x1.23464f2384c14p-3);
    lo = lo + rl + (kd * CC_LN2LO + lcl) + (r2 * -0.5 + r2 * r * p);
    *lo_out = lo;
    return hi;
}

/* log(xh + xl) = hi + lo to ~2^-68 relative; xh positive normal finite, |xl| <= ulp(xh),
 * kadd (a small integer as double) is added to the exponent (kadd = 1: log(2x)). */
CC_INLINE vd CC_LG(cc_log_dd)(vd xh, vd xl, vd kadd, vd *lo_out, int has_xl)
{
    vl ix = (vl)xh;
    CC_LG_REDUCE(ix)
    vd rh, rl;
    rh = rhi + rlo;
    rl = rlo - (rh - rhi); /* exact, see the table's construction */
    if (has_xl) {
        /* + xl 2^-k / c, 2^-k = 0 for k = 1023 (xl negligible then) */
        vd t = (xl * (vd)((0x3ffLL - k) << 52)) * invc;
        vd s = rh + t;
        vd bb = s - rh;
        rl = rl + ((rh - (s - bb)) + (t - bb));
        rh = s;
    }
    vd kd = CC_LG(cc_lg_i2d)(k) + kadd;
    vd w = kd * CC_LN2HI + lch; /* exact */
    vd hi1 = w + rh;
    vd lo1 = (w - hi1) + rh;
    vd e2;
    vd p2 = CC_LG(cc_lg_mul22)(rh, rh, &e2);
    vd q = p2 * -0.5;
    vd hi = hi1 + q;
    vd lo2 = (hi1 - hi) + q;
    vd r = rh, r2 = p2;
    vd p = 0x1.5555555555557p-2 + r * -0x1.ffffffffff636p-3
           + r2 * (0x1.9999999892466p-3 + r * -0x1.555556fcb9d9cp-3)
           + (r2 * r2) * (0x1.2493f54e9d9d5p-3 + r * -0x1.fdea413f05d29p-4);
    vd lo = lo1 + lo2 + rl + (kd * CC_LN2LO + lcl) + (e2 * -0.5 - rh * rl) + (r2 * r) * p;
    *lo_out = lo;
    return hi;
}

/* positive normal finite: ix - 2^52 as unsigned below 0x7fe0... */
CC_INLINE vl CC_LG(cc_lg_notnormal)(vd x)
{
    return (vl)((vu)((vl)x - (1LL << 52)) >= (vu){0} + 0x7fe0000000000000ULL);
}

#define CC_LG_FIX(res, x, m, F)                                                    \
    if (CC_LG(cc_lg_any)(m)) {                                                     \
        int j_;                                                                    \
        for (j_ = 0; j_ < CC_W; j_++)                                              \
            if (m[j_]) res[j_] = F(x[j_]);                                         \
    }

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
CC_UNARY_F32(log_f32, CC_LG(cc_k_log), 1.0f)

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
CC_UNARY_F32(log2_f32, CC_LG(cc_k_log2), 1.0f)
CC_INLINE vd CC_LG(cc_k_log10)(vd x)
{
    vd lo, hi = CC_LG(cc_log_fast)(x, &lo);
    vd res = CC_LG(cc_lg_scale)(hi, lo, CC_INVLN10_HI, CC_INVLN10_LO);
    vl m = CC_LG(cc_lg_notnormal)(x);
    CC_LG_FIX(res, x, m, log10)
    return res;
}
CC_UNARY_F64(log10_f64, CC_LG(cc_k_log10), 1.0)
CC_UNARY_F32(log10_f32, CC_LG(cc_k_log10), 1.0f)

/* ---- pow ---- */
/* exp(ehi + elo), |ehi| <= 708, |elo| <= 2^-24 |ehi| */
CC_INLINE vd CC_LG(cc_exp_dd)(vd ehi, vd elo)
{
    vd kt = ehi * CC_EXP_INVLN2N + CC_SHIFT52;
    vl ki = (vl)kt;
    vd kd = kt - CC_SHIFT52;
    vd r = ((ehi - kd * CC_EXP_LN2HIN) - kd * CC_EXP_LN2LON) + elo;
    vl j2 = (ki & 127) * 2;
    vd tail = (vd)CC_LG(cc_lg_gatheri)(cc_exp_tab, j2);
    vd sc = (vd)(CC_LG(cc_lg_gatheri)(cc_exp_tab + 1, j2) + (ki << 45));
    vd r2 = r * r;
    vd t = tail + r + r2 * (0x1.ffffffffffd99p-2 + r * 0x1.5555555555482p-3)
           + (r2 * r2) * (0x1.55555d28ef9a3p-5 + r * 0x1.111115dbc319ap-7);
    return sc + sc * t;
}

CC_INLINE vd CC_LG(cc_k_pow)(vd x, vd y)
{
    const vd zero = {0};
    vl ix = (vl)x, iy = (vl)y;
    vd ax = (vd)(ix & 0x7fffffffffffffffLL);
    vd lo, hi = CC_LG(cc_log_dd)(ax, zero, zero, &lo, 0);
    vd th = hi + lo;
    lo = lo - (th - hi);
    hi = th;
    vd yh = (vd)(iy & -(1LL << 27)), yl = y - yh;
    vd lh = (vd)((vl)hi & -(1LL << 27)), ll = (hi - lh) + lo;
    vd ehi = yh * lh;                 /* exact */
    vd elo = yl * lh + y * ll;
    vd res = CC_LG(cc_exp_dd)(ehi, elo);
    /* x < 0 and y an integer below 2^51: |x|^y, negated for odd y */
    vd ay = (vd)(iy & 0x7fffffffffffffffLL);
    vd yt = y + CC_SHIFT52;
    vl xneg = ix >> 63;
    vl yint = ((yt - CC_SHIFT52) == y) & (ay < 0x1p51);
    res = (vd)((vl)res ^ (xneg & ((vl)yt << 63)));
    vl m = CC_LG(cc_lg_notnormal)(ax) | ((iy & 0x7ff0000000000000LL) == 0x7ff0000000000000LL)
           | (xneg & ~yint);
    {
        vd aeh = (vd)((vl)ehi & 0x7fffffffffffffffLL);
        m |= ~(aeh <= 708.0);
    }
    if (CC_LG(cc_lg_any)(m)) {
        int j_;
        for (j_ = 0; j_ < CC_W; j_++)
            if (m[j_]) res[j_] = pow(x[j_], y[j_]);
    }
    return res;
}
CC_BINARY_F64(power_f64, CC_LG(cc_k_pow), 1.0, 1.0)
CC_BINARY_F32(power_f32, CC_LG(cc_k_pow), 1.0f, 1.0f)

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

CC_INLINE vd CC_LG(cc_lg_sqrt)(vd x)
{
    vd r;
    int j;
    for (j = 0; j < CC_W; j++) r[j] = __builtin_sqrt(x[j]);
    return r;
}

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

#undef CC_LG
#endif /* CC_SCALAR */
