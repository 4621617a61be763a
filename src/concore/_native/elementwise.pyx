"""Elementwise programs, run block by block on every core without the GIL.

A program (compiled by concore.elementwise / concore.expressions) is a list of
instructions over registers, each register one block of BLOCK values. Every
block of the output is computed independently, so the answer is the same for
any number of threads. Inputs that are contiguous are read in place, a
contiguous output is written in place (first touched by the thread that
computes it); anything else is gathered/scattered one block at a time, so no
temporary is ever larger than a few blocks per thread.

Fused reductions: ``sum`` adds block results along NumPy's pairwise tree, so a
fused sum equals ``numpy.sum`` of the materialised result bit for bit; ``prod``
multiplies sequentially within fixed blocks and then the block products in
order (deterministic, but not NumPy's sequential order).
"""
from cython.parallel cimport parallel, prange, threadid
from libc.math cimport isinf
from libc.stdint cimport INT32_MAX, INT32_MIN, int32_t, int64_t, intptr_t, uint8_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy

cimport numpy as cnp
from cpython.bytearray cimport PyByteArray_AS_STRING
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.long cimport PyLong_AsLongLongAndOverflow

from concore._native._openmp cimport (
    NOGIL_MIN, Stop, poll, raise_if_stopped, stop_init, stopped,
)

cnp.import_array()

cdef extern from "_vm_ops.h" nogil:
    ctypedef struct cc_instr:
        int32_t op, type, dst, a, b, c
    int cc_exec(const cc_instr *code, int n, char *const *R, intptr_t m)
    char *cc_run_at(char *base, int nd, const intptr_t *shape, const intptr_t *strides,
                    intptr_t start, intptr_t m, int isz)
    void cc_walk(char *buf, char *base, int nd, const intptr_t *shape,
                 const intptr_t *strides, intptr_t start, intptr_t m, int isz, int store)
    double cc_pw_f64(const double *v, intptr_t n)
    float cc_pw_f32(const float *v, intptr_t n)
    const char *cc_op_names[]
    int OP_COUNT
    int cc_target()
    int cc_set_target(int t)
    long cc_cache_budget()

cdef enum:
    # Values per register (2 KiB at most). Small blocks keep every register in L1
    # and let memory stream all operands at once, as one fused loop would: 4096
    # ran 1.5-2.5x slower on memory-bound expressions here (measured).
    BLOCK = 256
    # Blocks of programs of three or more cheap steps (no reduction) whose operands
    # do not fit in the cache (cache_budget): 0.5-0.8x the time of BLOCK on
    # memory-bound expressions here, whose streams it interleaves more finely; from
    # the cache BLOCK takes 0.65-0.75x the time of SHORT_BLOCK (fewer dispatches;
    # measured interleaved, 2a3bca at 2e4-1e7 values). With one or two steps, or a
    # transcendental one, BLOCK is as fast or faster.
    SHORT_BLOCK = 64
    # Blocks of a one-step program whose operands are all arrays read and written in
    # place (no scratch register): only a unit of work, so long enough that the
    # per-block dispatch disappears (~20 ns a block, 20% of a memory-bound sqrt at BLOCK).
    DIRECT_BLOCK = 8192
    REG_BYTES = BLOCK * 8 + 320     # not a power of two: no 4K aliasing between registers
    POLL_EVERY = 64                 # blocks between two Ctrl-C checks
    # Blocks listed and run per round: the block table and partial results stay
    # 1 MiB at most whatever the size (also for 10**11 values), and a round is a
    # point where a Ctrl-C stops the call.
    ROUND = 1 << 16
    # Leaves of NumPy's pairwise tree hold at least 121 values (a node of n > BLOCK
    # splits at n//2 - (n//2) % 8), so a subtree of ROUND_SPAN values has < ROUND leaves.
    ROUND_SPAN = ROUND // 4 * BLOCK
    MAXDIM = 32
    # Rows at least this long are cut into blocks row by row (row_blocks): rows of
    # 25-100 values 1.2-1.6x faster than blocks across rows, rows of 10 2x slower.
    ROW_MIN = 16
    RED_NONE = 0
    RED_SUM = 1
    RED_PROD = 2

BLOCK_SIZE = BLOCK
cdef long cache_budget = cc_cache_budget()
# Steps slow enough per value that the block length does not matter.
_LONG_OPS = frozenset((
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tan",
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "power", "arctan2", "hypot", "floor_divide", "remainder"))
cdef unsigned char long_op[256]
for _k in range(OP_COUNT):
    long_op[_k] = cc_op_names[_k].decode() in _LONG_OPS
OPS = tuple(cc_op_names[i].decode() for i in range(OP_COUNT))
TARGETS = ("base", "avx2", "avx512")
_TSIZE = (8, 4, 8, 4, 1)     # bytes per value of each type code


def simd_target(name=None):
    """The SIMD target of the transcendental kernels; ``name`` forces one (tests).

    ``name`` is "base", "avx2", "avx512", or "best" to return to the best one this
    CPU runs. Raises ValueError for a target this CPU or build cannot run.
    """
    if name is not None:
        t = -1 if name == "best" else (TARGETS.index(name) if name in TARGETS else -2)
        if t == -2 or cc_set_target(t) < 0:
            raise ValueError(f"SIMD target {name!r} is not available here")
    return TARGETS[cc_target()]


cdef struct Prog:
    const cc_instr *code
    int ncode, nregs, nd
    intptr_t size
    const intptr_t *shape
    int nin
    const int *in_reg
    const int *in_isz
    char **in_base
    const intptr_t *in_strides      # nin x nd, bytes
    const int *in_direct
    int nconst
    const int *c_reg
    const int *c_isz
    const char *c_val               # nconst x 8 bytes
    int out_reg, out_isz, out_direct
    intptr_t step                   # values per block (BLOCK at most)
    intptr_t rowlen, rowq           # rowq > 0: blocks are rowq pieces of each row
    char *out_base                  # NULL for a fused reduction
    const intptr_t *out_strides
    int red, rtype


cdef char **thread_regs(const Prog *p, char *scratch) noexcept nogil:
    """Registers of one thread: every one points at its own block of scratch; constants filled."""
    cdef char **R = <char **> malloc(p.nregs * sizeof(char *))
    cdef int r, k, j
    cdef char *dst
    if R == NULL:
        return NULL
    for r in range(p.nregs):
        R[r] = scratch + <intptr_t> r * REG_BYTES
    for k in range(p.nconst):
        dst = R[p.c_reg[k]]
        for j in range(BLOCK):
            memcpy(dst + j * p.c_isz[k], p.c_val + 8 * k, p.c_isz[k])
    return R


cdef inline char *row_at(char *base, int nd, const intptr_t *strides, const intptr_t *ridx,
                         intptr_t col, intptr_t isz) noexcept nogil:
    """Address of column col of the row at index ridx (over the leading nd-1 axes)."""
    cdef intptr_t off = col * isz
    cdef int d
    for d in range(nd - 1):
        off += ridx[d] * strides[d]
    return base + off


cdef int run_block(const Prog *p, char *scratch, char **R, intptr_t start,
                   intptr_t m) noexcept nogil:
    """Compute values [start, start+m) of the output (m <= BLOCK) into R[out_reg]."""
    cdef int k, r, rc, d
    cdef char *out_at
    cdef intptr_t row, col, rem
    cdef intptr_t ridx[32]
    if p.rowq:
        # A piece of one row: every operand's row is contiguous, so its address is
        # its row's offset plus the column (one division a block, not four an operand:
        # 1000x1000 views about 10% faster on one thread).
        row = start // p.rowlen
        col = start - row * p.rowlen
        if p.nd == 2:
            ridx[0] = row
        else:
            rem = row
            for d in range(p.nd - 2, -1, -1):
                ridx[d] = rem % p.shape[d]
                rem = rem // p.shape[d]
        for k in range(p.nin):
            R[p.in_reg[k]] = row_at(p.in_base[k], p.nd, p.in_strides + k * p.nd, ridx,
                                    col, p.in_isz[k])
        R[p.out_reg] = row_at(p.out_base, p.nd, p.out_strides, ridx, col, p.out_isz)
        return cc_exec(p.code, p.ncode, R, m)
    for k in range(p.nin):
        r = p.in_reg[k]
        if p.in_direct[k]:
            R[r] = p.in_base[k] + start * p.in_isz[k]
        else:
            # A block inside one contiguous row (a view's rows, a slice) is read in place.
            R[r] = cc_run_at(p.in_base[k], p.nd, p.shape, p.in_strides + k * p.nd,
                             start, m, p.in_isz[k])
            if R[r] == NULL:
                R[r] = scratch + <intptr_t> r * REG_BYTES
                cc_walk(R[r], p.in_base[k], p.nd, p.shape, p.in_strides + k * p.nd,
                        start, m, p.in_isz[k], 0)
    r = p.out_reg
    out_at = NULL
    if p.out_base != NULL:
        out_at = p.out_base + start * p.out_isz if p.out_direct else \
            cc_run_at(p.out_base, p.nd, p.shape, p.out_strides, start, m, p.out_isz)
    R[r] = out_at if out_at != NULL else scratch + <intptr_t> r * REG_BYTES
    rc = cc_exec(p.code, p.ncode, R, m)
    if p.out_base != NULL and out_at == NULL:
        cc_walk(R[r], p.out_base, p.nd, p.shape, p.out_strides, start, m, p.out_isz, 1)
    return rc


ctypedef fused real:
    double
    float


cdef real block_reduce(const Prog *p, const real *d, intptr_t m) noexcept nogil:
    """A block's sum (NumPy's pairwise) or product (sequential) in its own type."""
    cdef real acc
    cdef intptr_t i
    if p.red == RED_SUM:
        return cc_pw_f64(d, m) if real is double else cc_pw_f32(d, m)
    acc = d[0]
    for i in range(1, m):
        acc = acc * d[i]
    return acc


cdef int64_t block_reduce_i(const Prog *p, const char *v, intptr_t m) noexcept nogil:
    cdef const int64_t *d = <const int64_t *> v
    cdef int64_t acc
    cdef intptr_t i
    if p.red == RED_SUM:
        acc = 0
        for i in range(m):
            acc = acc + d[i]
        return acc
    acc = 1
    for i in range(m):
        acc = acc * d[i]
    return acc


# ---------------------------------------------------------- the block lists

cdef intptr_t pw_split(intptr_t n) noexcept nogil:
    cdef intptr_t n2 = n // 2
    return n2 - n2 % 8


cdef intptr_t list_leaves(intptr_t off, intptr_t n, intptr_t *offs, intptr_t k) noexcept nogil:
    """The nodes of NumPy's pairwise tree of at most BLOCK values, left to right."""
    if n <= BLOCK:
        offs[k] = off
        return k + 1
    cdef intptr_t n2 = pw_split(n)
    k = list_leaves(off, n2, offs, k)
    return list_leaves(off + n2, n - n2, offs, k)


cdef real combine(intptr_t n, const real *part, intptr_t *k) noexcept nogil:
    """Add the block sums back up NumPy's tree, left before right."""
    cdef real left
    cdef intptr_t n2
    if n <= BLOCK:
        k[0] += 1
        return part[k[0] - 1]
    n2 = pw_split(n)
    left = combine(n2, part, k)
    return left + combine(n - n2, part, k)


cdef real sum_tree(const Prog *p, int nt, Stop *stop, intptr_t off, intptr_t n,
                   intptr_t *offs, char *part, int *err, real zero) noexcept nogil:
    """The sum of NumPy's pairwise subtree of values off ... off+n-1: subtrees of up
    to ROUND_SPAN values are run a round each, then added up the tree as NumPy does."""
    cdef intptr_t k = 0, n2
    cdef real left
    if err[0] != 0 or stopped(stop):
        return zero
    if n <= ROUND_SPAN:
        err[0] = run_all(p, nt, stop, offs, list_leaves(off, n, offs, 0), off + n, part)
        return combine(n, <const real *> part, &k)
    n2 = pw_split(n)
    left = sum_tree(p, nt, stop, off, n2, offs, part, err, zero)
    return left + sum_tree(p, nt, stop, off + n2, n - n2, offs, part, err, zero)


cdef int run_rounds(const Prog *p, int nt, Stop *stop, intptr_t *offs, char *part,
                    double *pd, float *pf, int64_t *pi) noexcept nogil:
    """Every block in order, ROUND blocks a round; a product or an integer sum is
    carried from block to block in order (*pd, *pf, *pi)."""
    cdef intptr_t start = 0, nblk, b, end
    cdef int err = 0
    if p.red == RED_NONE:
        # Nothing carried between blocks: one parallel region over every block, whose
        # offsets run_all computes (no table, no barrier and thread wake-up per round).
        return run_all(p, nt, stop, NULL, p.size // p.rowlen * p.rowq if p.rowq else
                       (p.size + p.step - 1) // p.step, p.size, part)
    while start < p.size and err == 0 and not stopped(stop):
        nblk = min(<intptr_t> ROUND, (p.size - start + p.step - 1) // p.step)
        for b in range(nblk):
            offs[b] = start + b * p.step
        end = min(p.size, start + nblk * p.step)
        err = run_all(p, nt, stop, offs, nblk, end, part)
        if p.red != RED_NONE and err == 0:
            for b in range(nblk):
                if p.rtype == 0:
                    pd[0] = pd[0] * (<double *> part)[b]
                elif p.rtype == 1:
                    pf[0] = pf[0] * (<float *> part)[b]
                elif p.red == RED_SUM:
                    pi[0] = pi[0] + (<int64_t *> part)[b]
                else:
                    pi[0] = pi[0] * (<int64_t *> part)[b]
        start = end
    return err


cdef inline (intptr_t, intptr_t) block_span(const Prog *p, const intptr_t *offs, intptr_t nblk,
                                           intptr_t end, intptr_t b) noexcept nogil:
    """(start, length) of block b of run_all."""
    cdef intptr_t start, piece
    if offs == NULL:
        if p.rowq:
            piece = b % p.rowq
            start = (b // p.rowq) * p.rowlen + piece * p.step
            return start, min(p.step, p.rowlen - piece * p.step)
        start = b * p.step
        return start, min(p.step, end - start)
    start = offs[b]
    return start, (offs[b + 1] if b + 1 < nblk else end) - start


cdef int run_all(const Prog *p, int nt, Stop *stop, const intptr_t *offs, intptr_t nblk,
                 intptr_t end, char *part) noexcept nogil:
    """Blocks offs[0] ... offs[nblk-1] (the last one ends at `end`), on nt threads;
    offs NULL: block b starts at b * p.step. Returns 0, 1 when memory ran out, 2 on a
    bad program."""
    cdef intptr_t b, start, m
    cdef char *scratch
    cdef char **R
    cdef int rc
    cdef int errbox[1]              # shared: a plain variable would be made private
    cdef int *err = errbox
    cdef size_t scratch_bytes = <size_t> p.nregs * REG_BYTES
    # at least 8 chunks a thread, so that a call of a few hundred blocks is shared evenly
    cdef intptr_t chunk = max(<intptr_t> 1, min(<intptr_t> 256, nblk // (8 * nt)))
    err[0] = 0
    if nt > 1 and nblk > 1:
        with parallel(num_threads=<int> min(<intptr_t> nt, nblk)):
            scratch = <char *> malloc(scratch_bytes)
            R = thread_regs(p, scratch) if scratch != NULL else NULL
            if R == NULL:
                err[0] = 1
            # Dynamic in chunks of up to 256 blocks: where a vCPU stalls (a shared VM)
            # the other threads take its blocks; each block's result goes to its own
            # place, so the answer does not depend on which thread ran it. 5-13% lower
            # median times than static on memory-bound programs here (measured
            # interleaved).
            for b in prange(nblk, schedule="dynamic", chunksize=chunk):
                if R == NULL or err[0] != 0 or stopped(stop):
                    continue
                start, m = block_span(p, offs, nblk, end, b)
                rc = run_block(p, scratch, R, start, m)
                if rc != 0:
                    err[0] = 2
                elif p.red != RED_NONE:
                    store_part(p, R[p.out_reg], m, part, b)
                if threadid() == 0 and b % POLL_EVERY == 0:
                    poll(stop)
            free(R)
            free(scratch)
        return err[0]
    err[0] = 0
    scratch = <char *> malloc(scratch_bytes)
    R = thread_regs(p, scratch) if scratch != NULL else NULL
    if R == NULL:
        free(scratch)
        return 1
    for b in range(nblk):
        start, m = block_span(p, offs, nblk, end, b)
        if run_block(p, scratch, R, start, m) != 0:
            err[0] = 2
            break
        if p.red != RED_NONE:
            store_part(p, R[p.out_reg], m, part, b)
        if b % POLL_EVERY == 0:
            poll(stop)
            if stopped(stop):
                break
    free(R)
    free(scratch)
    return err[0]


cdef inline void store_part(const Prog *p, const char *v, intptr_t m, char *part,
                            intptr_t b) noexcept nogil:
    if p.rtype == 0:
        (<double *> part)[b] = block_reduce(p, <const double *> v, m)
    elif p.rtype == 1:
        (<float *> part)[b] = block_reduce(p, <const float *> v, m)
    else:
        (<int64_t *> part)[b] = block_reduce_i(p, v, m)


cdef int run_program(Prog *p, int nt, Stop *stop, intptr_t size, intptr_t *offs, char *part,
                     double *rd, float *rf, int64_t *ri) noexcept nogil:
    """Run the whole program; returns run()'s error code."""
    cdef int err = 0
    # Float sums follow NumPy's pairwise tree; everything else runs in block order.
    if p.red == RED_SUM and p.rtype == 0:
        rd[0] = sum_tree(p, nt, stop, 0, size, offs, part, &err, <double> 0.0)
    elif p.red == RED_SUM and p.rtype == 1:
        rf[0] = sum_tree(p, nt, stop, 0, size, offs, part, &err, <float> 0.0)
    else:
        err = run_rounds(p, nt, stop, offs, part, rd, rf, ri)
    return err


cdef bint dense(const intptr_t *st, const intptr_t *shp, int nd, intptr_t isz) noexcept nogil:
    """Whether an operand's elements lie in C order without gaps over the iteration
    shape (a fresh result beside strided operands): its blocks are then read and
    written in place."""
    cdef int j
    cdef intptr_t step = isz
    for j in range(nd - 1, -1, -1):
        if st[j] != step:
            return False
        step *= shp[j]
    return True


cdef void row_blocks(Prog *p) noexcept nogil:
    """Blocks as equal pieces of each row when the rows are contiguous (the rows of a
    view, a slice along the last axis): every operand is then read and written in
    place, and one-step programs take long blocks as they do on 1-D arrays."""
    cdef int k, nd = p.nd
    cdef bint all_rows = p.out_strides[nd - 1] == p.out_isz
    for k in range(p.nin):
        all_rows = all_rows and p.in_strides[k * nd + nd - 1] == p.in_isz[k]
    if not all_rows:
        return
    if p.ncode == 1 and p.nconst == 0:
        p.step = DIRECT_BLOCK     # nothing goes through a scratch register
    p.rowq = (p.rowlen + p.step - 1) // p.step
    p.step = (p.rowlen + p.rowq - 1) // p.rowq


cdef intptr_t block_step(const Prog *p) noexcept nogil:
    """Values per block of a program (p.step); every field but step set."""
    cdef int k
    cdef intptr_t width
    if p.red != RED_NONE:   # products multiply within BLOCK-long blocks (their definition)
        return BLOCK
    if p.ncode >= 3:
        for k in range(p.ncode):
            if long_op[p.code[k].op]:
                return BLOCK
        width = p.out_isz
        for k in range(p.nin):
            width += p.in_isz[k]
        return BLOCK if p.size * width <= cache_budget else SHORT_BLOCK
    if p.ncode == 1 and p.nconst == 0 and p.out_direct:
        for k in range(p.nin):
            if not p.in_direct[k]:
                return BLOCK
        return DIRECT_BLOCK
    return BLOCK


def run(cnp.ndarray code, int nregs, tuple shape, list inputs, list consts, out,
        int out_reg, int red, int rtype, int nt, bint check):
    """Run a compiled program.

    code     int32 array (n, 6): op, type, dst, a, b, c
    shape    the (coalesced) iteration shape, C order
    inputs   [(array, register, strides in bytes)] broadcast to `shape`
    consts   [(register, 8-byte value, itemsize, type code)]
    out      (array, strides in bytes), or None with red = 1 (sum) / 2 (prod)
    rtype    type code of the reduced values (0 f64, 1 f32, 2 i64)
    Returns None, or the reduction's value as a Python float/int.
    """
    cdef Prog p
    cdef int nd = len(shape), nin = len(inputs), nconst = len(consts), k, j, err
    cdef intptr_t size = 1, nblk
    cdef intptr_t shp[MAXDIM]
    cdef Stop stop
    cdef cnp.ndarray arr
    cdef intptr_t *offs = NULL
    cdef char *part = NULL
    cdef int *ints = NULL
    cdef char **bases = NULL
    cdef intptr_t *strides = NULL
    cdef intptr_t ostr[MAXDIM]
    cdef char *cval = NULL
    cdef double rd
    cdef float rf
    cdef int64_t ri
    if nd < 1 or nd > MAXDIM:
        raise ValueError("internal: bad iteration shape")
    if code.dtype.num != cnp.NPY_INT32 or not code.flags.c_contiguous:
        raise ValueError("internal: bad program")
    for k in range(nd):
        shp[k] = shape[k]
        size *= shp[k]
    if size == 0:
        return None if red == RED_NONE else (0 if red == RED_SUM else 1)
    try:
        ints = <int *> malloc(sizeof(int) * (3 * nin + 2 * nconst + 1))
        bases = <char **> malloc(sizeof(char *) * (nin + 1))
        strides = <intptr_t *> malloc(sizeof(intptr_t) * (nin * nd + 1))
        cval = <char *> malloc(8 * nconst + 8)
        if ints == NULL or bases == NULL or strides == NULL or cval == NULL:
            raise MemoryError()
        for k in range(nin):
            arr, reg, st = inputs[k]
            ints[k] = reg
            ints[nin + k] = arr.itemsize
            bases[k] = <char *> cnp.PyArray_DATA(arr)
            for j in range(nd):
                strides[k * nd + j] = st[j]
            ints[2 * nin + k] = dense(strides + k * nd, shp, nd, arr.itemsize)
        for k in range(nconst):
            reg, val, isz, _ = consts[k]
            ints[3 * nin + k] = reg
            ints[3 * nin + nconst + k] = isz
            memcpy(cval + 8 * k, <const char *> val, 8)
        p.code = <const cc_instr *> cnp.PyArray_DATA(code)
        p.ncode = code.shape[0]
        p.nregs = nregs
        p.nd = nd
        p.size = size
        p.shape = shp
        p.nin = nin
        p.in_reg = ints
        p.in_isz = ints + nin
        p.in_direct = ints + 2 * nin
        p.in_base = bases
        p.in_strides = strides
        p.nconst = nconst
        p.c_reg = ints + 3 * nin
        p.c_isz = ints + 3 * nin + nconst
        p.c_val = cval
        p.out_reg = out_reg
        p.red = red
        p.rtype = rtype
        if out is None:
            p.out_base = NULL
            p.out_isz = 0
            p.out_direct = 0
            p.out_strides = ostr
        else:
            arr, st = out
            p.out_base = <char *> cnp.PyArray_DATA(arr)
            p.out_isz = arr.itemsize
            for j in range(nd):
                ostr[j] = st[j]
            p.out_strides = ostr
            p.out_direct = dense(ostr, shp, nd, arr.itemsize)
        p.step = block_step(&p)
        p.rowq = 0
        p.rowlen = shp[nd - 1]
        if nd > 1 and red == RED_NONE and p.rowlen >= ROW_MIN and p.out_base != NULL:
            row_blocks(&p)
        if p.step == DIRECT_BLOCK and p.rowq == 0 and nt > 1 and \
                size < <intptr_t> DIRECT_BLOCK * 8 * nt:
            # A few blocks a thread, so that the threads finish together (7 blocks of
            # 5e4 values on 2 threads ran 4:3); no reduction, so the same bits.
            p.step = max(<intptr_t> BLOCK, (size // (8 * nt) + 63) // 64 * 64)
        # Leaves (>= 121 values) or blocks (>= SHORT_BLOCK values) of one round.
        nblk = min(<intptr_t> ROUND, size // min(121, <intptr_t> SHORT_BLOCK) + 1)
        offs = <intptr_t *> malloc(sizeof(intptr_t) * nblk)
        part = <char *> malloc(8 * nblk)
        if offs == NULL or part == NULL:
            raise MemoryError()
        rd, rf, ri = 1.0, 1.0, 0 if red == RED_SUM else 1
        stop_init(&stop, check)
        err = 0
        if nt <= 1 and size < NOGIL_MIN:     # short and serial: keep the GIL (_openmp.pxd)
            err = run_program(&p, nt, &stop, size, offs, part, &rd, &rf, &ri)
        else:
            with nogil:
                err = run_program(&p, nt, &stop, size, offs, part, &rd, &rf, &ri)
        raise_if_stopped(&stop)
        if err == 1:
            raise MemoryError("concore: no memory for the block buffers")
        if err == 2:
            raise RuntimeError("concore: internal error, unsupported instruction")
        if red == RED_NONE:
            return None
        if rtype == 0:
            return 0.0 + rd if red == RED_SUM else rd
        if rtype == 1:
            if red == RED_SUM:
                rf = <float> 0.0 + rf
            return rf
        return ri
    finally:
        free(ints)
        free(bases)
        free(strides)
        free(cval)
        free(offs)
        free(part)


# ------------------------------------------------------------ the common call

cdef enum:
    FAST_MAXIN = 6      # operands of a fast call (the key packs 10 bits per operand)
    FAST_MAXC = 8       # constants of its program
    FAST_REGS = 6       # registers a fast call keeps on the stack (14 KiB)
    FAST_GUARDS = 8     # values a program's guard compares a scalar operand with


cdef int run_serial(const Prog *p, char *scratch, char **R) noexcept nogil:
    """Every block of p in order on this thread, registers in `scratch`; run_all's
    serial branch without its allocations (constants filled only as far as a block
    of p reads them)."""
    cdef intptr_t start = 0, m, j, fill = min(p.step, p.size)
    cdef int r, k
    for r in range(p.nregs):
        R[r] = scratch + <intptr_t> r * REG_BYTES
    for k in range(p.nconst):
        for j in range(fill):
            memcpy(R[p.c_reg[k]] + j * p.c_isz[k], p.c_val + 8 * k, p.c_isz[k])
    while start < p.size:
        m = min(p.step, p.size - start)
        if run_block(p, scratch, R, start, m) != 0:
            return 2
        start += m
    return 0


# Fast-path type numbers of Python's scalars (NumPy's type numbers are smaller): a
# Python float, int or bool operand is a constant of the program, converted per call.
cdef enum:
    PY_FLOAT = 1021
    PY_INT = 1022
    PY_BOOL = 1023

PY_TYPENUMS = {float: PY_FLOAT, int: PY_INT, bool: PY_BOOL}
FAST_MAXARGS = FAST_MAXIN       # what a FastProg can hold
FAST_MAXCONSTS = FAST_MAXC
cdef int REG_ISZ[5]
REG_ISZ[:] = [8, 4, 8, 4, 1]     # itemsize of the register type codes 0 f64 ... 4 bool


cdef class FastProg:
    """A function's program for one tuple of operand types, as the common call needs it:
    every array operand a whole C-contiguous array of one shape, read and written in
    place; every Python scalar operand a constant register."""
    cdef cnp.ndarray code
    cdef int nregs, nin, out_reg, rtypenum, nconst
    cdef int arg[FAST_MAXIN]    # which argument each program input reads
    cdef int reg[FAST_MAXIN]    # and its register
    cdef int c_arg[FAST_MAXC]   # which (scalar) argument each constant holds, -1: fixed
    cdef int c_reg[FAST_MAXC]   # its register
    cdef int c_type[FAST_MAXC]  # and its register type code
    cdef int c_isz[FAST_MAXC]
    cdef char c_fixed[8 * FAST_MAXC]    # the values of the fixed ones (literals)
    # A program chosen by a scalar operand's value (power's exponent): it applies when
    # that argument, as register type g_type, equals g_vals[0] (g_eq) or none of them.
    cdef int g_arg, g_type, g_eq, g_n
    cdef double g_vals[FAST_GUARDS]
    cdef FastProg nxt               # the next program of the same operand types
    cdef readonly object guard      # (g_arg, g_type, g_eq, values) or None

    def __init__(self, cnp.ndarray code, int nregs, list regs, int out_reg, rdtype,
                 list consts=None, tuple guard=None):
        consts = consts or []
        if len(regs) > FAST_MAXIN or len(consts) > FAST_MAXC:
            raise ValueError("too many program inputs")
        self.g_arg = -1
        if guard is not None:
            self.g_arg, self.g_type, self.g_eq, vals = guard
            if not 0 <= self.g_arg < FAST_MAXIN or self.g_type not in (0, 1) \
                    or not 0 < len(vals) <= FAST_GUARDS:
                raise ValueError("bad guard")
            self.g_n = len(vals)
            for k, v in enumerate(vals):
                self.g_vals[k] = v
        self.guard = guard
        self.code = code
        self.nregs = nregs
        self.nin = len(regs)
        for k, (a, r) in enumerate(regs):
            self.arg[k] = a
            self.reg[k] = r
        self.nconst = len(consts)
        for k, c in enumerate(consts):
            # (argument, register, type) or (-1, register, type, 8 value bytes)
            a, r, t = c[:3]
            if not 0 <= t < 5 or not -1 <= a < FAST_MAXIN or (a < 0) != (len(c) == 4):
                raise ValueError("bad constant")
            if a < 0:
                val = c[3]
                if type(val) is not bytes or len(val) != 8:
                    raise ValueError("bad constant")
                memcpy(self.c_fixed + 8 * <Py_ssize_t> k, <const char *> val, 8)
            self.c_arg[k] = a
            self.c_reg[k] = r
            self.c_type[k] = t
            self.c_isz[k] = REG_ISZ[t]
        self.out_reg = out_reg
        self.rtypenum = (<cnp.dtype> rdtype).type_num

    def chain(self, FastProg other):
        """Append `other` to this list of programs unless one with its guard is there;
        never replaces (compiled callers hold entries without references of their own)."""
        cdef FastProg p = self
        while True:
            if p.guard == other.guard:
                return
            if p.nxt is None:
                p.nxt = other
                return
            p = p.nxt


cdef bint guard_ok(FastProg fp, tuple args):
    """Whether fp's guard admits this call's scalar operand (no guard: always)."""
    cdef char v[8]
    cdef double d
    cdef int k
    if fp.g_arg < 0:
        return True
    if scalar_value(args[fp.g_arg], fp.g_type, v) < 0:
        return False
    if fp.g_type == 0:
        memcpy(&d, v, 8)
    else:
        d = (<float *> v)[0]
    if fp.g_eq:
        return d == fp.g_vals[0]
    for k in range(fp.g_n):
        if d == fp.g_vals[k]:
            return False
    return True


cdef int fast_typenum(object x, cnp.ndarray first, bint strided):
    """x's fast-path type number next to the array `first` (its shape), else -1.
    strided: 1-D operands may have any stride (aligned, native byte order)."""
    if type(x) is float:
        return PY_FLOAT
    if type(x) is int:
        return PY_INT
    if type(x) is bool:
        return PY_BOOL
    if type(x) is not cnp.ndarray:
        return -1
    cdef cnp.ndarray a = <cnp.ndarray> x
    if a is first:
        return cnp.PyArray_TYPE(a)
    if strided:
        if not (cnp.PyArray_NDIM(a) == 1 and cnp.PyArray_ISBEHAVED_RO(a)
                and cnp.PyArray_DIM(a, 0) == cnp.PyArray_DIM(first, 0)):
            return -1
    elif not (cnp.PyArray_ISCARRAY_RO(a) and cnp.PyArray_SAMESHAPE(a, first)):
        return -1
    return cnp.PyArray_TYPE(a)


cdef int scalar_value(object x, int t, char *dst):
    """The Python float, int or bool x as a value of register type t (0 f64, 1 f32,
    2 i64, 3 i32, 4 bool) in dst, as numpy.array(x, dtype) makes it: 0; -1 where the
    general path must convert it (out of range: NumPy's error or warning)."""
    cdef double d
    cdef float f
    cdef long long v
    cdef int32_t i
    cdef uint8_t b
    cdef int overflow = 0
    if type(x) is float:
        d = PyFloat_AS_DOUBLE(x)
        if t == 0:
            memcpy(dst, &d, 8)
            return 0
        f = <float> d
        if t != 1 or (isinf(f) and not isinf(d)):
            return -1
        memcpy(dst, &f, 4)
        return 0
    if type(x) is bool:
        v = 1 if x is True else 0
        if t == 4:
            b = <uint8_t> v
            memcpy(dst, &b, 1)
            return 0
    else:
        v = PyLong_AsLongLongAndOverflow(x, &overflow)
        if overflow:
            return -1
    if t == 0 or t == 1:
        if v > (1LL << 53) or v < -(1LL << 53):
            return -1   # exact in a double, so one rounding to float as NumPy's
        d = <double> v
        if t == 0:
            memcpy(dst, &d, 8)
        else:
            f = <float> d
            memcpy(dst, &f, 4)
        return 0
    if t == 2:
        memcpy(dst, &v, 8)
        return 0
    if t == 3 and INT32_MIN <= v <= INT32_MAX:
        i = <int32_t> v
        memcpy(dst, &i, 4)
        return 0
    return -1


def fast_key(tuple typenums):
    """The fast-path table key of these operand type numbers."""
    cdef long key = 0
    for t in typenums:
        key = key * 1024 + <int> t
    return key


cdef bint fast_out(object out, cnp.ndarray a0, int rtypenum, tuple args):
    """Whether `out` can take the common call's result in place: a whole writeable
    C-contiguous native array of a0's shape and exactly the result type, sharing no
    memory with an operand unless it is that operand (as the general path, which
    copies an operand that only overlaps)."""
    cdef cnp.ndarray o, a
    cdef char *po
    cdef char *pa
    if type(out) is not cnp.ndarray:
        return False
    o = <cnp.ndarray> out
    if not (cnp.PyArray_ISCARRAY(o) and cnp.PyArray_SAMESHAPE(o, a0)
            and cnp.PyArray_TYPE(o) == rtypenum):
        return False
    po = <char *> cnp.PyArray_DATA(o)
    for x in args:
        if type(x) is cnp.ndarray:
            a = <cnp.ndarray> x
            pa = <char *> cnp.PyArray_DATA(a)
            if pa == po and cnp.PyArray_ITEMSIZE(a) == cnp.PyArray_ITEMSIZE(o):
                continue
            if pa < po + cnp.PyArray_NBYTES(o) and po < pa + cnp.PyArray_NBYTES(a):
                return False
    return True


cdef object fast_small(dict table, tuple args, Py_ssize_t grain, object out=None):
    """The result of the common call (see fast_calls), or None when this call is not one
    or its operand types have no program in `table` yet. `out`: an array for the
    result (the program is the same: it is exactly the result type)."""
    cdef Py_ssize_t nin = len(args), k
    cdef int t
    cdef long key = 0
    cdef cnp.ndarray a0 = None, res, ak
    cdef FastProg fp
    cdef Prog p
    cdef bint strided
    cdef int in_isz[FAST_MAXIN]
    cdef int in_direct[FAST_MAXIN]
    cdef char *in_base[FAST_MAXIN]
    cdef intptr_t in_str[FAST_MAXIN]
    cdef char cval[8 * FAST_MAXC]
    cdef intptr_t shape[1]
    cdef Stop stop
    cdef int err
    cdef char scratch[FAST_REGS * REG_BYTES]
    cdef char *R[FAST_REGS]
    if nin == 0 or nin > FAST_MAXIN:
        return None
    for k in range(nin):    # the first array gives the shape
        if type(args[k]) is cnp.ndarray:
            a0 = <cnp.ndarray> args[k]
            break
    if a0 is None or cnp.PyArray_NDIM(a0) == 0:
        return None
    # 1-D views (slices with a step, reversed, a column) are walked by stride into the
    # fresh result; other layouts and out= take the general path
    strided = cnp.PyArray_NDIM(a0) == 1 and out is None
    if not (cnp.PyArray_ISCARRAY_RO(a0) or strided and cnp.PyArray_ISBEHAVED_RO(a0)):
        return None
    shape[0] = cnp.PyArray_SIZE(a0)
    if shape[0] == 0 or shape[0] >= grain:
        return None
    for k in range(nin):
        t = fast_typenum(args[k], a0, strided)
        if t < 0:
            return None
        key = key * 1024 + t
    fp = table.get(key)
    while fp is not None and not guard_ok(fp, args):
        fp = fp.nxt
    if fp is None:
        return None
    for k in range(fp.nconst):
        if fp.c_arg[k] < 0:
            memcpy(cval + 8 * k, fp.c_fixed + 8 * k, 8)
        elif scalar_value(args[fp.c_arg[k]], fp.c_type[k], cval + 8 * k) < 0:
            return None
    if out is None:
        res = cnp.PyArray_EMPTY(cnp.PyArray_NDIM(a0), cnp.PyArray_DIMS(a0), fp.rtypenum, 0)
    elif fast_out(out, a0, fp.rtypenum, args):
        res = <cnp.ndarray> out
    else:
        return None
    for k in range(fp.nin):
        ak = <cnp.ndarray> args[fp.arg[k]]
        in_base[k] = <char *> cnp.PyArray_DATA(ak)
        in_isz[k] = cnp.PyArray_ITEMSIZE(ak)
        # an operand of a 1-D call: its stride (any, 0 included); else contiguous
        in_str[k] = cnp.PyArray_STRIDE(ak, 0) if strided else in_isz[k]
        in_direct[k] = in_str[k] == in_isz[k]
    p.code = <const cc_instr *> cnp.PyArray_DATA(fp.code)
    p.ncode = fp.code.shape[0]
    p.nregs = fp.nregs
    p.nd = 1
    p.size = shape[0]
    p.shape = shape
    p.nin = fp.nin
    p.in_reg = fp.reg
    p.in_isz = in_isz
    p.in_base = in_base
    p.in_strides = in_str   # nd 1: one stride per operand (walked where not direct)
    p.in_direct = in_direct
    p.nconst = fp.nconst
    p.c_reg = fp.c_reg
    p.c_isz = fp.c_isz
    p.c_val = cval
    p.out_reg = fp.out_reg
    p.out_isz = cnp.PyArray_ITEMSIZE(res)
    p.out_direct = 1
    p.out_base = <char *> cnp.PyArray_DATA(res)
    p.out_strides = NULL
    p.red = RED_NONE
    p.rtype = 0
    p.step = block_step(&p)
    p.rowq = 0
    stop_init(&stop, False)
    if p.size < NOGIL_MIN and p.nregs <= FAST_REGS:     # short: keep the GIL (_openmp.pxd)
        err = run_serial(&p, scratch, R)
    elif p.nregs <= FAST_REGS:
        with nogil:
            err = run_serial(&p, scratch, R)
    else:
        with nogil:
            err = run_all(&p, 1, &stop, NULL, (p.size + p.step - 1) // p.step, p.size, NULL)
    if err == 1:
        raise MemoryError("concore: no memory for the block buffers")
    if err == 2:
        raise RuntimeError("concore: internal error, unsupported instruction")
    return res


def fast_eval(dict table, tuple args, Py_ssize_t grain, out=None):
    """The common call of an expression (concore.expressions): its operands ``args``
    (arrays and Python scalars in the order of its names), run by the program ``table``
    holds for their types; None when the call is not one (see fast_call)."""
    return fast_small(table, args, grain, out)


def fast_call(f, Py_ssize_t nin, dict table, bytearray gate, Py_ssize_t grain):
    """``f`` (an elementwise function of concore.elementwise, ``f(*args, out=None,
    dtype=None, n_threads=None)``) with its common call answered here without a Python
    frame while ``gate[0]`` is 0: nin operands, each a whole C-contiguous aligned
    native array (of one shape, fewer than `grain` elements) or a Python float, int or
    bool (at least one array), no keyword but ``out`` (an array of the result's
    shape and type, as fast_out says) and ``n_threads`` (a positive int or None),
    operand types whose program ``table`` holds
    (FastProg by fast_key; filled by the Python side after a general call). The same
    program as the general path runs, so the same bits. Every other call goes to
    ``f``."""

    def call(*args, out=None, dtype=None, n_threads=None):
        # n_threads: a small call runs on this thread whatever the count (the same
        # bits); only a count the general path must check goes there
        if (PyByteArray_AS_STRING(gate)[0] == 0 and dtype is None and len(args) == nin
                and (n_threads is None or type(n_threads) is int and n_threads > 0)):
            r = fast_small(table, args, grain, out)
            if r is not None:
                return r
        return f(*args, out=out, dtype=dtype, n_threads=n_threads)

    return call
