"""Parallel sorting kernels: stable LSD radix sort, argsort, searchsorted, unique.

The element-level loops live in ``_sort.h`` (one set of helpers per dtype, reached
through a ``cs_ops`` table); this file splits them over threads. A long 1-D run is
sorted by fixed blocks of its elements (2**k elements, k from the length only):

    per block, in parallel:   OR and AND of the keys -> the passes whose 8-bit digit
                              is not the same for every key (the others are skipped)
    per block, in parallel:   counts of the first such digit
    then once per pass:
    serial:                   start of (digit, block) = everything of a smaller digit
                              + this digit in earlier blocks      (keeps it stable)
    per block, in parallel:   scatter to those starts, counting the next pass's digit
                              per destination block as it goes (per-thread tables,
                              summed: integer counts, so in any order)

``sort`` first tries one most-significant-digit pass instead (``sort_msd``): a parallel
scatter into 2048 buckets by the top 11 bits of key - smallest key (rounded down to
the digit's unit: integers of both signs near zero spread over the buckets rather than
fall into two), then each bucket sorted whole by one thread: LSD (mostly in cache) up to
2**17 elements, a larger one after an MSD pass of its own (see ``sort_bucket`` in
``_sort.h``). It falls back to the LSD passes above when one bucket would hold more
than half of the elements (the threads could not share the work). A float bucket
of one sign (no NaN, no -0.0 among negatives) is sorted as the integers of its bits
(or their complement): the same order and ties, with no key to compute per pass.

A stable sort has exactly one answer, so the result is ``numpy.sort(kind='stable')``
bit for bit whatever the blocks or the thread count. Many rows: each row is sorted
whole in one thread (up to 24 elements each placed at its count of smaller keys, no
branches; insertion sort up to 32), rows spread over the threads.

Buffers: sort uses at most one scratch of the input's size (the result itself is the
other buffer of the ping-pong; passes are arranged so that the last lands in the
result). When the MSD buckets are small it needs none: the scatter goes straight into
the result, and each thread sorts its buckets there with a scratch of the largest
bucket's size (all threads together at most half the input).
argsort uses one buffer of the input's size besides its result, in one of three ways
by the keys: at most 16 bits, one counting pass straight into the result
(``argsort_count``); even MSD buckets, the (key, index) pairs scattered into the buffer
of keys and the result, each bucket sorted where it lies (``argsort_msd``, with a
per-thread scratch of the largest bucket's pairs, together at most an eighth of the
input); less even ones, the indices alone scattered and each bucket's keys gathered
through them, one bucket to a thread where that scratch fits the input's size in all,
the larger buckets one at a time by all threads (``coop_bucket``); when one bucket's
(key, index) pairs twice over would not fit the input's size (about a third of it for
float64), LSD passes that move indices only between the result and a buffer of
indices, reading each key through its index (``argsort_gather``: prefetched gathers,
slower, but no key buffers). Large scratch buffers ask for transparent huge pages
(fewer page faults and TLB misses in the scattered writes).
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset

cimport numpy as cnp
import numpy as np

from concore import _config

from concore._native._openmp cimport (
    NOGIL_MIN, Stop, stop_init, stopped, poll, raise_if_stopped,
)

cnp.import_array()

cdef extern from "_sort.h" nogil:
    ctypedef struct cs_ops:
        int width, D, R, NP
        void (*hist_all)(const void *, Py_ssize_t, Py_ssize_t, int64_t *) noexcept nogil
        void (*orand)(const void *, Py_ssize_t, Py_ssize_t, uint64_t *, uint64_t *) noexcept nogil
        void (*minmax)(const void *, Py_ssize_t, Py_ssize_t, uint64_t *, uint64_t *) noexcept nogil
        void (*hist_m)(const void *, Py_ssize_t, Py_ssize_t, int, uint64_t, uint64_t,
                       int64_t *) noexcept nogil
        void (*scatter_m)(const void *, void *, Py_ssize_t, Py_ssize_t, int, uint64_t,
                          uint64_t, int64_t *) noexcept nogil
        void (*hist)(const void *, Py_ssize_t, Py_ssize_t, int, int64_t *) noexcept nogil
        void (*scatter)(const void *, void *, Py_ssize_t, Py_ssize_t, int,
                        int64_t *) noexcept nogil
        void (*ascatter0)(const void *, void *, int64_t *, Py_ssize_t, Py_ssize_t, int,
                          int64_t *) noexcept nogil
        void (*ascatter)(const void *, const int64_t *, void *, int64_t *, Py_ssize_t,
                         Py_ssize_t, int, int64_t *) noexcept nogil
        void (*sort_serial)(const void *, void *, Py_ssize_t, void *, int64_t *) noexcept nogil
        void (*sort_bucket)(const void *, void *, Py_ssize_t, void *, int64_t *,
                            int64_t *) noexcept nogil
        void (*argsort_serial)(const void *, int64_t *, Py_ssize_t, void *, void *, int64_t *,
                               int64_t *) noexcept nogil
        void (*scatter_h)(const void *, void *, Py_ssize_t, Py_ssize_t, int, int64_t *, int,
                          int, int64_t *) noexcept nogil
        void (*search)(const void *, Py_ssize_t, const void *, int64_t *, Py_ssize_t,
                       Py_ssize_t, int) noexcept nogil
        void (*ascatter_m)(const void *, void *, int64_t *, Py_ssize_t, Py_ssize_t, int,
                           uint64_t, uint64_t, int64_t *) noexcept nogil
        void (*pair_sort)(void *, int64_t *, Py_ssize_t, void *, int64_t *,
                          int64_t *) noexcept nogil
        void (*iscatter_m)(const void *, int64_t *, Py_ssize_t, Py_ssize_t, int, uint64_t,
                           uint64_t, int64_t *) noexcept nogil
        void (*gkeys)(const void *, const int64_t *, Py_ssize_t, void *) noexcept nogil
        void (*pscatter_h)(const void *, const int64_t *, void *, int64_t *, Py_ssize_t,
                           Py_ssize_t, int, int64_t *, int, int, int64_t *) noexcept nogil
        void (*gscatter)(const void *, const void *, int, void *, int, Py_ssize_t, Py_ssize_t,
                         int, int64_t *, int, int, int64_t *) noexcept nogil
        void (*pscatter_m)(const void *, const int64_t *, void *, int64_t *, Py_ssize_t,
                           Py_ssize_t, int, uint64_t, uint64_t, int64_t *) noexcept nogil
        int64_t (*count_heads)(const void *, Py_ssize_t, Py_ssize_t, int) noexcept nogil
        void (*write_heads)(const void *, Py_ssize_t, Py_ssize_t, int, void *, int64_t *,
                            int64_t) noexcept nogil
    const cs_ops *cs_get_ops(int tcode)
    void *cs_big_alloc(size_t nbytes)
    void cs_big_free(void *p)
    void cs_prefix(const int64_t *cnt, int64_t *pos, Py_ssize_t nb, int R, Py_ssize_t stride)
    void cs_msd_plan(uint64_t lo, uint64_t hi, int bits, int *shift, uint64_t *base)
    int cs_any_zn_f64(const double *q, Py_ssize_t n)
    int cs_any_zn_f32(const float *q, Py_ssize_t n)
    int CS_MSD_MIN
    int CS_SMALL

cdef enum:
    MSD_BITS = 11           # digit of the MSD pass (2048 buckets)
    COOP_BITS = 8           # digit of a large argsort bucket's own MSD pass (coop_msd)
    MIN_BLOCK = 1 << 16     # elements per block of the blocked sort, at least ...
    MAX_BLOCKS = 64         # ... and at most this many blocks (per-block counts stay small)
    BLOCKED_MIN = 1 << 17   # runs at least this long take the blocked path
    ROW_TASK = 1 << 15      # elements per task when rows are spread over threads
    Q_BLOCK = 4096          # queries per block of searchsorted
    U_BLOCK = 1 << 16       # elements per block of unique's mark/compact


cdef inline int team(int nt, Py_ssize_t ntasks) noexcept nogil:
    return <int> min(<Py_ssize_t> nt, ntasks)


cdef inline int block_shift(Py_ssize_t n) noexcept nogil:
    """log2 of the block size of the blocked sort (a function of n only): the smallest
    power of two >= MIN_BLOCK that makes at most MAX_BLOCKS blocks."""
    cdef int s = 16
    while (<Py_ssize_t> MAX_BLOCKS << s) < n:
        s += 1
    return s


cdef void fold_counts(const int64_t *th, int64_t *cnt, int nt, Py_ssize_t nb, int R,
                      Py_ssize_t stride) noexcept nogil:
    """cnt[b * stride + d] = sum over threads of th[t][b][d] (integer sums: any order)."""
    cdef Py_ssize_t b, t
    cdef int d
    cdef int64_t c
    for b in range(nb):
        for d in range(R):
            c = 0
            for t in range(nt):
                c += th[(t * nb + b) * R + d]
            cnt[b * stride + d] = c


cdef const cs_ops *get_ops(int tcode) except NULL:
    cdef const cs_ops *ops = cs_get_ops(tcode)
    if ops == NULL:
        raise ValueError(f"sorting: unknown type code {tcode}")
    return ops


# ------------------------------------------------------------ shared pieces

cdef void par_copy(const char *src, char *dst, Py_ssize_t nbytes, int nt) noexcept nogil:
    """memcpy in fixed 1 MiB pieces, in parallel."""
    cdef Py_ssize_t piece = 1 << 20, np_ = (nbytes + piece - 1) // piece, b, lo
    if nt > 1 and np_ > 1:
        for b in prange(np_, schedule="static", num_threads=team(nt, np_)):
            lo = b * piece
            memcpy(dst + lo, src + lo, min(piece, nbytes - lo))
    elif nbytes > 0:
        memcpy(dst, src, nbytes)


cdef void prefault(char *p, Py_ssize_t nbytes, int nt, Stop *stop) noexcept nogil:
    """Touch every 2 MiB piece of a fresh scratch buffer, polling for Ctrl-C in between:
    backing a huge page may make the kernel compact memory, which took up to a second
    here, and a fault inside a sort pass would hold up the poll that long."""
    cdef Py_ssize_t piece = 1 << 21, np_ = (nbytes + piece - 1) // piece, b
    if nt > 1 and np_ > 1:
        for b in prange(np_, schedule="dynamic", num_threads=team(nt, np_)):
            if not stopped(stop):
                p[b * piece] = 0
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(np_):
            p[b * piece] = 0
            poll(stop)
            if stopped(stop):
                break


cdef int count_all(const cs_ops *ops, const char *src, Py_ssize_t n, Py_ssize_t nb,
                   Py_ssize_t bs, int64_t *cnt, int *act, int nt, Stop *stop) noexcept nogil:
    """The passes whose digit is not the same for every key (listed in act; their
    number returned, -1 when stopped), from the OR and AND of all keys; then the
    per-block counts of the first such pass's digits."""
    cdef Py_ssize_t b, stride = ops.NP * ops.R
    cdef int p, k = 0
    cdef uint64_t vo = 0, va = <uint64_t> -1, mask = <uint64_t> (ops.R - 1)
    cdef uint64_t *ors = <uint64_t *> malloc(2 * nb * sizeof(uint64_t))
    if ors == NULL:
        return -2
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.orand(src, b * bs, min(n, (b + 1) * bs), ors + b, ors + nb + b)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.orand(src, b * bs, min(n, (b + 1) * bs), ors + b, ors + nb + b)
            poll(stop)
            if stopped(stop):
                break
    for b in range(nb):
        vo = vo | ors[b]
        va = va & ors[nb + b]
    free(ors)
    for p in range(ops.NP):
        if (((vo ^ va) >> (p * ops.D)) & mask) != 0:
            act[k] = p
            k += 1
    poll(stop)
    if k == 0 or stopped(stop):
        return -1 if stopped(stop) else 0
    p = act[0]
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.hist(src, b * bs, min(n, (b + 1) * bs), p * ops.D, cnt + b * stride + p * ops.R)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.hist(src, b * bs, min(n, (b + 1) * bs), p * ops.D, cnt + b * stride + p * ops.R)
            poll(stop)
            if stopped(stop):
                break
    poll(stop)
    return -1 if stopped(stop) else k


# ------------------------------------------------------------------- sort

cdef int sort_blocked(const cs_ops *ops, const char *src, char *dst, Py_ssize_t n,
                      char *tmp, int64_t *cnt, int64_t *pos, int64_t *th, int nt,
                      Stop *stop) noexcept nogil:
    """One long run: src[0:n] -> dst sorted (src may be dst); tmp: n elements.
    cnt: MAX_BLOCKS * NP * R counts, pos: MAX_BLOCKS * R, th: nt * MAX_BLOCKS * R."""
    cdef int bsh = block_shift(n)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (n + bs - 1) // bs, b
    cdef Py_ssize_t stride = ops.NP * ops.R, w = ops.width
    cdef int act[8]
    cdef int k, j, p, shift, shift2
    cdef const char *frm
    cdef char *to
    k = count_all(ops, src, n, nb, bs, cnt, act, nt, stop)
    if k < 0:
        return k == -2   # 1: out of memory
    if k == 0:
        if dst != src:
            par_copy(src, dst, n * w, nt)
        return 0
    frm = src
    if src == dst and (k & 1):
        par_copy(src, tmp, n * w, nt)   # an odd number of passes must start from tmp
        frm = tmp
    for j in range(k):
        p = act[j]
        shift = p * ops.D
        to = tmp if ((k - 1 - j) & 1) else dst    # the last pass lands in dst
        cs_prefix(cnt + p * ops.R, pos, nb, ops.R, stride)
        if j + 1 < k:
            # count the next pass's digits per destination block while scattering
            shift2 = act[j + 1] * ops.D
            memset(th, 0, nt * nb * ops.R * sizeof(int64_t))
            if nt > 1:
                for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                    if not stopped(stop):
                        ops.scatter_h(frm, to, b * bs, min(n, (b + 1) * bs), shift,
                                      pos + b * ops.R, shift2, bsh,
                                      th + threadid() * nb * ops.R)
                        if threadid() == 0:
                            poll(stop)
            else:
                for b in range(nb):
                    ops.scatter_h(frm, to, b * bs, min(n, (b + 1) * bs), shift,
                                  pos + b * ops.R, shift2, bsh, th)
                    poll(stop)
                    if stopped(stop):
                        break
            fold_counts(th, cnt + act[j + 1] * ops.R, nt, nb, ops.R, stride)
        elif nt > 1:
            for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                if not stopped(stop):
                    ops.scatter(frm, to, b * bs, min(n, (b + 1) * bs), shift, pos + b * ops.R)
                    if threadid() == 0:
                        poll(stop)
        else:
            for b in range(nb):
                ops.scatter(frm, to, b * bs, min(n, (b + 1) * bs), shift, pos + b * ops.R)
                poll(stop)
                if stopped(stop):
                    break
        if stopped(stop):
            return 0
        frm = to
    return 0


cdef int msd_digit(const cs_ops *ops, const char *src, Py_ssize_t n, Py_ssize_t nb,
                   Py_ssize_t bs, int64_t *cnt, int nt, Stop *stop, int *shift,
                   uint64_t *base, Py_ssize_t *big, int bits=MSD_BITS) noexcept nogil:
    """The first MSD pass over src[0:n] (nb blocks of bs): the digit
    ((key - *base) >> *shift) & (2**bits - 1) planned by cs_msd_plan (_sort.h) from the
    smallest and largest key, each block's counts of that digit (cnt[b * 2**bits + d])
    and *big, the largest bucket. Returns 0; 1 when out of memory; 2 when every key is the
    same (nothing counted); 3 when stopped (nothing usable)."""
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << bits, b, d, c
    cdef uint64_t vo = <uint64_t> -1, va = 0, mask = <uint64_t> (R - 1)  # min, max
    cdef uint64_t *mm = <uint64_t *> malloc(2 * nb * sizeof(uint64_t))
    if mm == NULL:
        return 1
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.minmax(src, b * bs, min(n, (b + 1) * bs), mm + b, mm + nb + b)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.minmax(src, b * bs, min(n, (b + 1) * bs), mm + b, mm + nb + b)
            poll(stop)
            if stopped(stop):
                break
    if stopped(stop):   # some blocks unread: nothing below may use their results
        free(mm)
        return 3
    for b in range(nb):
        vo = min(vo, mm[b])
        va = max(va, mm[nb + b])
    free(mm)
    if va == vo:
        return 2
    cs_msd_plan(vo, va, bits, shift, base)
    vo = base[0]
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.hist_m(src, b * bs, min(n, (b + 1) * bs), shift[0], mask, vo,
                           cnt + b * R)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.hist_m(src, b * bs, min(n, (b + 1) * bs), shift[0], mask, vo, cnt + b * R)
            poll(stop)
            if stopped(stop):
                break
    if stopped(stop):   # counts incomplete: a scatter by them could write anywhere
        return 3
    big[0] = 0
    for d in range(R):
        c = 0
        for b in range(nb):
            c += cnt[b * R + d]
        big[0] = max(big[0], c)
    return 0


cdef void bucket_starts(const int64_t *cnt, int64_t *pos, Py_ssize_t nb, Py_ssize_t n,
                        int bits=MSD_BITS) noexcept nogil:
    """pos[d]: where bucket d starts (from the per-block counts), pos[2**bits] = n."""
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << bits, b, d
    cdef int64_t c = 0
    for d in range(R):
        pos[d] = c
        for b in range(nb):
            c += cnt[b * R + d]
    pos[R] = n


cdef int sort_msd(const cs_ops *ops, const char *src, char *dst, Py_ssize_t n, char **tmpp,
                  int64_t *cnt, int64_t *pos, int64_t *th, int nt, Stop *stop) noexcept nogil:
    """One long run, most significant digit first: one parallel scatter by the digit of
    ``msd_digit`` into 2048 buckets, then every bucket
    sorted whole by one thread (``sort_bucket``). When src is not dst and the largest
    bucket is small (all threads' copies of it at most half the run), the
    scatter goes straight to dst and each bucket is sorted there with a scratch of the
    bucket's size per thread, reused (in cache, mapped in once); otherwise src -> the
    run-sized scratch *tmpp (allocated here on first use) -> dst.
    Returns 2 without touching dst when the buckets are too uneven (the caller then
    runs the LSD sort), 1 when out of memory, 0 otherwise.
    cnt: MAX_BLOCKS << MSD_BITS counts, pos: as many, th: nt * (NP + 1) * R."""
    cdef int bsh = block_shift(n)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (n + bs - 1) // bs, b, d
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << MSD_BITS, w = ops.width, big = 0
    cdef Py_ssize_t per = (ops.NP + 1) * ops.R + 2 * (1 << MSD_BITS) + 1
    cdef uint64_t mask = <uint64_t> (R - 1)
    cdef int shift = 0, k
    cdef uint64_t base = 0
    cdef char *tmp
    cdef char *mid
    cdef char *scr = NULL
    cdef Py_ssize_t spt = 0       # bytes of scratch per thread (local buckets)
    cdef Py_ssize_t lim
    k = msd_digit(ops, src, n, nb, bs, cnt, nt, stop, &shift, &base, &big)
    if k == 2:
        if dst != src:
            par_copy(src, dst, n * w, nt)
        return 0
    if k != 0:
        return k == 1
    if big > max(<Py_ssize_t> (1 << 17), n >> 1):
        return 2
    if src != dst and nt * big <= n >> 1:
        spt = (big * w + (1 << 21) - 1) & ~((<Py_ssize_t> 1 << 21) - 1)  # own huge pages
        scr = <char *> cs_big_alloc(nt * spt)
    if scr != NULL:
        mid = dst
        prefault(dst, n * w, nt, stop)   # each thread its own part, not the scatter's mix
    else:
        if tmpp[0] == NULL:
            tmpp[0] = <char *> cs_big_alloc(n * w)
            if tmpp[0] == NULL:
                return 1
            prefault(tmpp[0], n * w, nt, stop)
        mid = tmpp[0]
    if stopped(stop):   # the pages the prefault left out would be faulted by the scatter
        cs_big_free(scr)
        return 0
    cs_prefix(cnt, pos, nb, <int> R, R)
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.scatter_m(src, mid, b * bs, min(n, (b + 1) * bs), shift, mask, base,
                              pos + b * R)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.scatter_m(src, mid, b * bs, min(n, (b + 1) * bs), shift, mask, base,
                          pos + b * R)
            poll(stop)
            if stopped(stop):
                break
    if stopped(stop):
        cs_big_free(scr)
        return 0
    bucket_starts(cnt, pos, nb, n)   # the scatter advanced pos
    if nt > 1:
        # a bucket above a thread's share (a binade of normal data holds over a
        # quarter of the keys) would keep one thread busy while the others wait: all
        # threads sort it together afterwards (coop_sort)
        lim = max(<Py_ssize_t> CS_MSD_MIN, n // (2 * nt))
        for d in prange(R, schedule="dynamic", num_threads=nt):
            if not stopped(stop):
                if 0 < pos[d + 1] - pos[d] <= lim:
                    tmp = scr + threadid() * spt if scr != NULL else mid + pos[d] * w
                    ops.sort_bucket(mid + pos[d] * w, dst + pos[d] * w, pos[d + 1] - pos[d],
                                    tmp, th + threadid() * per,
                                    th + threadid() * per + (ops.NP + 1) * ops.R)
                if threadid() == 0:
                    poll(stop)
        for d in range(R):
            if pos[d + 1] - pos[d] > lim and not stopped(stop):
                # mid is the run-sized scratch here (scr is only taken when every
                # bucket fits a share), so the bucket's own part of it is free to use
                if coop_sort(ops, mid + pos[d] * w, dst + pos[d] * w, mid + pos[d] * w,
                             pos[d + 1] - pos[d], cnt, th, nt, stop, 0):
                    cs_big_free(scr)
                    return 1
    else:
        for d in range(R):
            if pos[d + 1] > pos[d]:
                tmp = scr if scr != NULL else mid + pos[d] * w
                ops.sort_bucket(mid + pos[d] * w, dst + pos[d] * w, pos[d + 1] - pos[d],
                                tmp, th, th + (ops.NP + 1) * ops.R)
            poll(stop)
            if stopped(stop):
                break
    cs_big_free(scr)
    return 0


cdef int coop_sort(const cs_ops *ops, char *src, char *dst, char *scr, Py_ssize_t m,
                   int64_t *cnt, int64_t *th, int nt, Stop *stop, int depth) noexcept nogil:
    """src[0:m] sorted into dst by all threads (src may be dst; scr: m values of
    scratch, which may be src): one parallel scatter by an 8-bit digit over these keys
    (msd_digit) into dst, or into scr when src is dst, then the sub-buckets sorted
    one to a thread (sort_bucket) into dst, a sub-bucket above a thread's share
    through here again (after 6 levels, by one thread). Returns 1 when out of memory.
    cnt: MAX_BLOCKS << MSD_BITS counts; th: as sort_msd's."""
    cdef int bsh = block_shift(m)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (m + bs - 1) // bs, b, d, a, ms
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << COOP_BITS, w = ops.width, big = 0
    cdef Py_ssize_t per = (ops.NP + 1) * ops.R + 2 * (1 << MSD_BITS) + 1
    cdef Py_ssize_t lim = max(<Py_ssize_t> CS_MSD_MIN, m // (2 * nt))
    cdef uint64_t mask = <uint64_t> (R - 1), base = 0
    cdef int shift = 0, k, failed = 0
    cdef int64_t *starts = NULL
    cdef int64_t *pos = NULL
    cdef char *mid = scr if src == dst else dst
    if depth >= 6 or nt <= 1:
        ops.sort_bucket(src, dst, m, scr, th, th + (ops.NP + 1) * ops.R)
        return 0
    k = msd_digit(ops, src, m, nb, bs, cnt, nt, stop, &shift, &base, &big, COOP_BITS)
    if k == 2:
        if src != dst:
            par_copy(src, dst, m * w, nt)
        return 0
    if k != 0:
        return k == 1
    starts = <int64_t *> malloc((R + 1) * sizeof(int64_t))
    pos = <int64_t *> malloc(nb * R * sizeof(int64_t))
    if starts == NULL or pos == NULL:
        free(starts)
        free(pos)
        return 1
    bucket_starts(cnt, starts, nb, m, COOP_BITS)
    cs_prefix(cnt, pos, nb, <int> R, R)
    for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
        if not stopped(stop):
            ops.scatter_m(src, mid, b * bs, min(m, (b + 1) * bs), shift, mask, base,
                          pos + b * R)
            if threadid() == 0:
                poll(stop)
    free(pos)
    if not stopped(stop):
        # mid -> dst; a sub-bucket sorted in place (mid is dst) takes its scratch from
        # its own part of scr, else from its own part of mid (read whole first)
        for d in prange(R, schedule="dynamic", num_threads=nt):
            a = starts[d]
            ms = starts[d + 1] - a
            if not stopped(stop) and 0 < ms <= lim:
                ops.sort_bucket(mid + a * w, dst + a * w, ms,
                                (scr if mid == dst else mid) + a * w, th + threadid() * per,
                                th + threadid() * per + (ops.NP + 1) * ops.R)
                if threadid() == 0:
                    poll(stop)
        for d in range(R):
            a = starts[d]
            ms = starts[d + 1] - a
            if ms > lim and not failed and not stopped(stop):
                failed = coop_sort(ops, mid + a * w, dst + a * w,
                                   (scr if mid == dst else mid) + a * w, ms, cnt, th, nt,
                                   stop, depth + 1)
    free(starts)
    return failed


cdef int sort_rows(const cs_ops *ops, const char *src, char *dst, Py_ssize_t rows,
                   Py_ssize_t n, int nt, Stop *stop) noexcept nogil:
    """Each row sorted whole by one thread; returns 1 when out of memory."""
    cdef Py_ssize_t per = max(<Py_ssize_t> 1, ROW_TASK // max(n, <Py_ssize_t> 1))
    cdef Py_ssize_t ntask = (rows + per - 1) // per, t
    cdef int failed = 0
    if nt > 1 and ntask > 1:
        for t in prange(ntask, schedule="dynamic", num_threads=team(nt, ntask)):
            if not stopped(stop):
                if sort_row_task(ops, src, dst, t * per, min(rows, (t + 1) * per), n):
                    failed = 1
                if threadid() == 0:
                    poll(stop)
    else:
        for t in range(ntask):
            if sort_row_task(ops, src, dst, t * per, min(rows, (t + 1) * per), n):
                failed = 1
                break
            poll(stop)
            if stopped(stop):
                break
    return failed


cdef int sort_row_task(const cs_ops *ops, const char *src, char *dst, Py_ssize_t r0,
                       Py_ssize_t r1, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t w = ops.width, r
    cdef char *tmp = NULL
    cdef int64_t *cnt = NULL
    if n > CS_SMALL:
        tmp = <char *> malloc(n * w)
        cnt = <int64_t *> malloc((ops.NP + 1) * ops.R * sizeof(int64_t))
        if tmp == NULL or cnt == NULL:
            free(tmp)
            free(cnt)
            return 1
    for r in range(r0, r1):
        ops.sort_serial(src + r * n * w, dst + r * n * w, n, tmp, cnt)
    free(tmp)
    free(cnt)
    return 0


cdef int alloc_tables(const cs_ops *ops, int nt, int64_t **cnt, int64_t **pos,
                      int64_t **th) except -1:
    """The count tables of a long run (sort or argsort), sized for the first MSD pass
    (2048 buckets), the LSD passes and a bucket's own MSD pass: cnt, pos, and th per
    thread. MemoryError when one cannot be had (the caller frees all three)."""
    cnt[0] = <int64_t *> malloc(max(MAX_BLOCKS << MSD_BITS, MAX_BLOCKS * ops.NP * ops.R)
                                * sizeof(int64_t))
    pos[0] = <int64_t *> malloc(max((MAX_BLOCKS << MSD_BITS) + 1, MAX_BLOCKS * ops.R)
                                * sizeof(int64_t))
    th[0] = <int64_t *> malloc(nt * max(MAX_BLOCKS * ops.R,
                                        (ops.NP + 1) * ops.R + 2 * (1 << MSD_BITS) + 1)
                               * sizeof(int64_t))
    if cnt[0] == NULL or pos[0] == NULL or th[0] == NULL:
        raise MemoryError()
    return 0


# Rows of at most NUMPY_ROW_MAX values, or fewer than NUMPY_SORT_MAX values times
# threads in all in rows of at most _numpy_row_max() values: NumPy's own sort (a SIMD
# quicksort on one thread), then the fix-up below. Its fixed cost per row is far lower
# than the radix sort's (1e7 float64 in rows of 64: 32 ms against 330), so short rows
# always go to it, however many. Longer ones depend on the CPU: where NumPy's
# AVX-512 sort runs slowly (one microcoded instruction on some AMD cores: 1e5 float64
# in 3.9 ms here, the radix sort 1.3 ms; rows of 5000 110 against 63 us) the radix
# sort wins from about 1500 values; where it runs fast (1e5 in 0.35 ms in an earlier
# session of this VM) NumPy wins up to about 5e6 values on one thread, 2e6 on two.
# Which kind of CPU this is, is measured once (_calibrate); both give the same bits.
NUMPY_SORT_MAX = 1 << 22
NUMPY_ROW_MAX = 1024
NUMPY_SORT_MIN = 64   # fewer values: the rank sort here, without the checks below
cdef enum:
    PAR_SORT_MIN = 1 << 17     # values from which NumPy's row sorts run on several threads
                               # (each thread takes the GIL up to three times a chunk)
    NUMPY_CHUNK = 1 << 20      # values per NumPy sort call (whole rows)
_row_max = []         # [the longest row NumPy sorts], once _calibrate has run


def _calibrate():
    """Rows NumPy's sort takes: NUMPY_SORT_MAX (any length) when it sorts 8192 random
    doubles faster than the radix sort on one thread (best of three each), else
    NUMPY_ROW_MAX. A few milliseconds, once per process."""
    import time
    x = np.random.default_rng(20261129).random((1, 1 << 13))
    out = np.empty_like(x)

    def best(f):
        t = []
        for _ in range(3):
            t0 = time.perf_counter()
            f()
            t.append(time.perf_counter() - t0)
        return min(t)

    t_numpy = best(lambda: np.sort(x, axis=-1))
    t_radix = best(lambda: sort(x, out, 0, 1, False, False))
    return NUMPY_SORT_MAX if t_numpy < t_radix else NUMPY_ROW_MAX


def _numpy_row_max():
    if not _row_max:
        _row_max.append(_calibrate())   # a racing thread measures too: either answer is fine
    return _row_max[0]
_FLOAT_CODES = (0, 1)


# Float rows that hold a NaN or zeros of both signs are put back in input order one
# by one (in Python): past this many, concore's own sort is quicker.
cdef enum:
    NUMPY_FIX_ROWS = 32


cdef Py_ssize_t zero_nan_rows(const floating *x, Py_ssize_t rows, Py_ssize_t n,
                              Py_ssize_t *found, Py_ssize_t most) noexcept nogil:
    """Rows (up to `most` + 1 of them, in order) holding a NaN (NumPy's SIMD sort may
    write NaNs back with other bits) or zeros of both signs (its min/max networks may
    duplicate one and lose the other); their count. Zeros of one sign cannot be told
    apart, so rows whose zeros are all +0.0, as after a ReLU, need no fixing."""
    cdef Py_ssize_t r, j, k = 0
    cdef const floating *q
    cdef uint64_t nan, zeros, negz
    cdef bint hits
    for r in range(rows):
        q = x + r * n
        if floating is double:   # a zero of either sign or a NaN (AVX2 where there is)
            hits = cs_any_zn_f64(q, n)
        else:
            hits = cs_any_zn_f32(q, n)
        if not hits:
            continue
        nan = 0
        zeros = 0
        negz = 0
        for j in range(n):  # the row again, from cache: which kind
            nan += <uint64_t> (q[j] != q[j])
            zeros += <uint64_t> (q[j] == 0)
            if floating is double:
                negz += (<uint64_t> (q[j] == 0)) & ((<const uint64_t *> q)[j] >> 63)
            else:
                negz += (<uint64_t> (q[j] == 0)) & ((<const uint32_t *> q)[j] >> 31)
        if nan or (negz and negz < zeros):
            found[k] = r
            k += 1
            if k > most:
                break
    return k


cdef Py_ssize_t zero_nan_block(const char *x, int tcode, Py_ssize_t r0, Py_ssize_t r1,
                               Py_ssize_t n, Py_ssize_t *found,
                               Py_ssize_t most=NUMPY_FIX_ROWS) noexcept nogil:
    """zero_nan_rows of rows r0:r1 (up to most + 1), as absolute indices."""
    cdef Py_ssize_t k, i
    if tcode == 0:
        k = zero_nan_rows(<const double *> x + r0 * n, r1 - r0, n, found, most)
    else:
        k = zero_nan_rows(<const float *> x + r0 * n, r1 - r0, n, found, most)
    for i in range(k):
        found[i] += r0
    return k


cdef Py_ssize_t copy_scan(const char *x, char *o, int tcode, Py_ssize_t r0, Py_ssize_t r1,
                          Py_ssize_t n, Py_ssize_t *found) noexcept nogil:
    """Rows r0:r1 of x copied to o (C-contiguous, n values a row) a few KiB at a time,
    each piece scanned by zero_nan_block while it is in cache: the rows holding a NaN
    or zeros of both signs into found (up to NUMPY_FIX_ROWS + 1), their count. Stops
    early (rows left uncopied) once there are more than NUMPY_FIX_ROWS."""
    cdef Py_ssize_t w = 8 if tcode == 0 else 4, k = 0, r = r0, r2
    cdef Py_ssize_t rb = max(<Py_ssize_t> 1, (32 * 1024) // max(n * w, <Py_ssize_t> 1))
    while r < r1 and k <= NUMPY_FIX_ROWS:
        r2 = min(r1, r + rb)
        memcpy(o + r * n * w, x + r * n * w, (r2 - r) * n * w)
        k += zero_nan_block(o, tcode, r, r2, n, found + k, NUMPY_FIX_ROWS - k)
        r = r2
    return k


def _zero_or_nan_rows(cnp.ndarray x, int tcode, int nt=1):
    """Indices of the rows of C-contiguous float ``x`` holding a NaN or zeros of both
    signs (the ones NumPy's sort may lay out differently from a stable one), in one
    pass (blocks of rows on nt threads from 2**17 values); None when there are more
    than NUMPY_FIX_ROWS."""
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], k = 0, per, nb, b, i
    cdef Py_ssize_t found[NUMPY_FIX_ROWS + 1]
    cdef Py_ssize_t *blk
    cdef Py_ssize_t M = NUMPY_FIX_ROWS + 2   # per block: a count, then the rows
    cdef const char *px = <const char *> cnp.PyArray_DATA(x)
    per = max(<Py_ssize_t> 1, PAR_SORT_MIN // max(n, <Py_ssize_t> 1))
    nb = (rows + per - 1) // per
    if nt <= 1 or nb <= 1:
        with nogil:
            k = zero_nan_block(px, tcode, 0, rows, n, found)
    else:
        blk = <Py_ssize_t *> malloc(nb * M * sizeof(Py_ssize_t))
        if blk == NULL:
            raise MemoryError()
        with nogil:
            for b in prange(nb, schedule="static", num_threads=team(nt, nb)):
                blk[b * M] = zero_nan_block(px, tcode, b * per, min(rows, (b + 1) * per), n,
                                            blk + b * M + 1)
            for b in range(nb):              # in row order, up to one past the limit
                for i in range(blk[b * M]):
                    if k <= NUMPY_FIX_ROWS:
                        found[k] = blk[b * M + 1 + i]
                        k += 1
        free(blk)
    if k > NUMPY_FIX_ROWS:
        return None
    return np.array([found[i] for i in range(k)], dtype=np.intp)


cdef Py_ssize_t chunk_rows(object out, int nt):
    """Rows per chunk of sort_row_chunks."""
    cdef Py_ssize_t rows = out.shape[0]
    cdef Py_ssize_t per = max(<Py_ssize_t> 1, NUMPY_CHUNK // max(<Py_ssize_t> out.shape[1], 1))
    if out.size >= PAR_SORT_MIN:
        per = min(per, (rows + nt - 1) // nt)   # a chunk for every thread
    return per


cdef int sort_row_chunks(object x, object out, int nt, bint check, int tcode=-1,
                         Py_ssize_t *scan=NULL) except -1:
    """out = x (unless the same) sorted along its rows by NumPy, in chunks of whole rows
    of about NUMPY_CHUNK values handed out to nt threads: NumPy's sort releases the GIL,
    so a thread takes the GIL only to start a chunk (30000x30 on 2 threads: 1.6x one
    thread), and Ctrl-C is polled between chunks (a chunk takes about 10 ms).
    scan (out not x, float tcode): chunk c's rows holding a NaN or zeros of both signs
    (zero_nan_block of its copy, before NumPy sorts it: one read less of the input) go
    to scan[1 + c * (NUMPY_FIX_ROWS + 2)...], a count then the rows; scan[0] counts
    them all, and once it passes NUMPY_FIX_ROWS the chunks left are not sorted (the
    caller's radix sort takes over)."""
    cdef Py_ssize_t rows = out.shape[0], per, nch, c
    cdef Stop stop
    stop_init(&stop, check)
    per = chunk_rows(out, nt)
    nch = (rows + per - 1) // per
    if nt <= 1 or nch <= 1 or out.size < PAR_SORT_MIN:
        for c in range(nch):
            sort_chunk(x, out, c * per, min(rows, (c + 1) * per), tcode, scan, c)
            with nogil:
                poll(&stop)
            if stopped(&stop):
                break
    else:
        with nogil:
            for c in prange(nch, schedule="dynamic", num_threads=team(nt, nch)):
                if not stopped(&stop):
                    with gil:   # (Python variables here would be shared by the threads)
                        sort_chunk(x, out, c * per, min(rows, (c + 1) * per), tcode, scan,
                                   c)
                    if threadid() == 0:
                        poll(&stop)
    raise_if_stopped(&stop)
    return 0


cdef int sort_chunk(object x, object out, Py_ssize_t lo, Py_ssize_t hi, int tcode,
                    Py_ssize_t *scan, Py_ssize_t c) except -1:
    """Rows lo:hi of sort_row_chunks (chunk c); runs holding the GIL but for the scan
    and NumPy's sort, so scan[0] is updated by one thread at a time."""
    cdef char *po
    cdef const char *px
    cdef Py_ssize_t n = out.shape[1]
    cdef Py_ssize_t *found
    if scan != NULL and scan[0] > NUMPY_FIX_ROWS:
        return 0
    part = out[lo:hi]
    if scan != NULL:    # x and out: C-contiguous, not overlapping (_numpy_sort)
        found = scan + 1 + c * (NUMPY_FIX_ROWS + 2)
        po = <char *> cnp.PyArray_DATA(<cnp.ndarray> out)
        px = <const char *> cnp.PyArray_DATA(<cnp.ndarray> x)
        with nogil:
            found[0] = copy_scan(px, po, tcode, lo, hi, n, found + 1)
        scan[0] += found[0]
        if scan[0] > NUMPY_FIX_ROWS:
            return 0
    elif out is not x:
        part[...] = x[lo:hi]
    part.sort(axis=-1)
    return 0


def _numpy_sort(x, out, int tcode, int nt=1, bint check=False):
    """True after writing x's rows sorted into out (which may be x: in place) with
    NumPy's sort (unstable; chunks of whole rows on nt threads) where that is the
    stable sort's answer bit for bit: equal keys are equal bits except -0.0/0.0 and
    NaNs, which are put back in input order (at most NUMPY_FIX_ROWS float rows
    holding a NaN or zeros of both signs); False where there are more (out untouched
    when sorting in place, else written over by the caller's sort)."""
    cdef Py_ssize_t M = NUMPY_FIX_ROWS + 2, per, nch, c, i
    cdef Py_ssize_t *scan = NULL
    if tcode not in _FLOAT_CODES:
        sort_row_chunks(x, out, nt, check)
        return True
    if x.shape[0] == 1:
        fix = np.zeros(1, np.intp)
    elif not np.may_share_memory(x, out):
        # the rows to fix found in each chunk's copy as it is made (the input stays
        # as it was, so nothing need be kept aside)
        per = chunk_rows(out, nt)
        nch = (x.shape[0] + per - 1) // per
        scan = <Py_ssize_t *> calloc(1 + nch * M, sizeof(Py_ssize_t))
        if scan == NULL:
            raise MemoryError()
        try:
            sort_row_chunks(x, out, nt, check, tcode, scan)
            if scan[0] > NUMPY_FIX_ROWS:
                return False
            rows = []
            for c in range(nch):
                for i in range(scan[1 + c * M]):
                    rows.append(scan[2 + c * M + i])
        finally:
            free(scan)
        _fix_rows(out, x, np.array(rows, dtype=np.intp))
        return True
    else:
        fix = _zero_or_nan_rows(x, tcode, nt)
        if fix is None:
            return False
    inputs = x[fix]     # a copy (taken before an in-place sort) of the rows to fix
    sort_row_chunks(x, out, nt, check)
    _fix_rows(out, inputs, np.arange(len(fix)), fix)
    return True


def _fix_rows(out, src, fix, dst_rows=None):
    """Zeros and NaNs of the sorted rows out[dst_rows[k]] (default fix[k]) put back
    in the order they have in src[fix[k]]."""
    for k in range(len(fix)):
        r = fix[k] if dst_rows is None else dst_rows[k]
        s, v = out[r], src[fix[k]]
        last = s[s.shape[0] - 1]   # (not s[-1]: this module is compiled wraparound=False,
                                   # and NumPy 2.5 then reads index -1 - len)
        if s[0] <= 0 and not last < 0:  # zeros of both signs compare equal: input order
            lo, hi = s.searchsorted(0, "left"), s.searchsorted(0, "right")
            if hi > lo:
                s[lo:hi] = v[v == 0]
        if last != last:  # NaNs (sorted last): input order, payloads as they came
            s[s.searchsorted(np.nan, "left"):] = v[v != v]


def sort(cnp.ndarray x, cnp.ndarray out, int tcode, int nt, bint check, bint numpy_ok=True):
    """Sort each row of the C-contiguous 2-D ``x`` into ``out`` (same shape and item
    size; ``out`` may be ``x``: in place), stably by the dtype's key (type code tcode);
    ``numpy_ok``: NumPy's sort may do it (see _numpy_row_max)."""
    if numpy_ok and NUMPY_SORT_MIN <= x.size and _config._state["fast"] \
            and (x.shape[1] <= NUMPY_ROW_MAX
                 or (x.size * max(nt, 1) < NUMPY_SORT_MAX and x.shape[1] <= _numpy_row_max())) \
            and _numpy_sort(x, out, tcode, nt, check):
        return out  # (tests turn this off with _config.fast_paths(False))
    cdef const cs_ops *ops = get_ops(tcode)
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], r, w = ops.width
    cdef const char *src = <const char *> cnp.PyArray_DATA(x)
    cdef char *dst = <char *> cnp.PyArray_DATA(out)
    cdef char *tmp = NULL
    cdef int64_t *cnt = NULL
    cdef int64_t *pos = NULL
    cdef int64_t *th = NULL
    cdef int failed = 0
    cdef Stop stop
    stop_init(&stop, check)
    if rows == 0 or n == 0:
        return out
    if n >= BLOCKED_MIN and rows < 2 * nt:
        try:
            alloc_tables(ops, nt, &cnt, &pos, &th)
            with nogil:
                for r in range(rows):
                    if stopped(&stop):
                        break
                    failed = sort_msd(ops, src + r * n * w, dst + r * n * w, n, &tmp, cnt,
                                      pos, th, nt, &stop)
                    if failed == 2:   # uneven buckets: least significant digit first
                        if tmp == NULL:
                            tmp = <char *> cs_big_alloc(n * w)
                            if tmp == NULL:
                                failed = 1
                                break
                            prefault(tmp, n * w, nt, &stop)
                        failed = sort_blocked(ops, src + r * n * w, dst + r * n * w, n, tmp,
                                              cnt, pos, th, nt, &stop)
                    if stopped(&stop) or failed:
                        break
            if failed:
                raise MemoryError()
        finally:
            cs_big_free(tmp)
            free(cnt)
            free(pos)
            free(th)
    else:
        if nt <= 1 and rows * n < NOGIL_MIN:   # short and serial: keep the GIL (_openmp.pxd)
            failed = sort_rows(ops, src, dst, rows, n, nt, &stop)
        else:
            with nogil:
                failed = sort_rows(ops, src, dst, rows, n, nt, &stop)
        if failed:
            raise MemoryError()
    raise_if_stopped(&stop)
    return out


# ---------------------------------------------------------------- argsort

cdef void argsort_bucket(const cs_ops *ops, const char *vals, int64_t *idx, char *keys,
                         Py_ssize_t a, Py_ssize_t m, Py_ssize_t big, char *mine,
                         int64_t *cnt) noexcept nogil:
    """The bucket idx[a:a+m] put in key order where it lies: its keys are at keys + a
    (scattered with it), or, keys NULL, first gathered through its indices into the
    thread's scratch ``mine`` (pair_sort's other keys and indices, then these keys)."""
    cdef Py_ssize_t w = ops.width
    cdef char *kb
    if m < 2:
        return
    if keys != NULL:
        ops.pair_sort(keys + a * w, idx + a, m, mine, <int64_t *> (mine + big * w), cnt)
    else:
        kb = mine + big * (w + 8)
        ops.gkeys(vals, idx + a, m, kb)
        ops.pair_sort(kb, idx + a, m, mine, <int64_t *> (mine + big * w), cnt)


cdef void gather_keys(const cs_ops *ops, const char *vals, const int64_t *ix, Py_ssize_t m,
                      char *k1, Py_ssize_t nb, Py_ssize_t bs, int nt,
                      Stop *stop) noexcept nogil:
    """k1[i] = the key of vals[ix[i]] for i < m, by blocks of bs on nt threads."""
    cdef Py_ssize_t b, w = ops.width
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.gkeys(vals, ix + b * bs, min(m, (b + 1) * bs) - b * bs, k1 + b * bs * w)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.gkeys(vals, ix + b * bs, min(m, (b + 1) * bs) - b * bs, k1 + b * bs * w)
            poll(stop)
            if stopped(stop):
                break


cdef int coop_bucket(const cs_ops *ops, const char *vals, int64_t *ix, Py_ssize_t m,
                     char *k1, char *k2, int64_t *i2, int64_t *cnt, int64_t *pos,
                     int64_t *th, int nt, Stop *stop) noexcept nogil:
    """One large bucket ix[0:m] put in key order by all threads: its keys gathered into
    k1, then LSD passes over the (key, index) pairs between (k1, ix) and (k2, i2), with
    per-block counts as in the LSD sort. Returns 1 when out of memory.
    cnt: MAX_BLOCKS * NP * R, pos: MAX_BLOCKS * R, th: nt * MAX_BLOCKS * R."""
    cdef const cs_ops *kops = cs_get_ops(6 if ops.width == 8 else 7)  # the keys' own order
    cdef int bsh = block_shift(m)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (m + bs - 1) // bs, b, w = ops.width
    cdef Py_ssize_t stride = kops.NP * kops.R
    cdef int act[8]
    cdef int k, j, p, shift, shift2
    cdef char *kf = k1
    cdef int64_t *ifr = ix
    cdef char *kt
    cdef int64_t *it
    gather_keys(ops, vals, ix, m, k1, nb, bs, nt, stop)
    if stopped(stop):
        return 0
    k = count_all(kops, k1, m, nb, bs, cnt, act, nt, stop)
    if k <= 0:
        return k == -2   # 0 passes: every key equal, the bucket is in order already
    for j in range(k):
        p = act[j]
        shift = p * kops.D
        if j & 1:
            kt, it = k1, ix
        else:
            kt, it = k2, i2
        cs_prefix(cnt + p * kops.R, pos, nb, kops.R, stride)
        if j + 1 < k:
            shift2 = act[j + 1] * kops.D
            memset(th, 0, nt * nb * kops.R * sizeof(int64_t))
            if nt > 1:
                for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                    if not stopped(stop):
                        kops.pscatter_h(kf, ifr, kt, it, b * bs, min(m, (b + 1) * bs), shift,
                                        pos + b * kops.R, shift2, bsh,
                                        th + threadid() * nb * kops.R)
                        if threadid() == 0:
                            poll(stop)
            else:
                for b in range(nb):
                    kops.pscatter_h(kf, ifr, kt, it, b * bs, min(m, (b + 1) * bs), shift,
                                    pos + b * kops.R, shift2, bsh, th)
                    poll(stop)
                    if stopped(stop):
                        break
            fold_counts(th, cnt + act[j + 1] * kops.R, nt, nb, kops.R, stride)
        elif nt > 1:   # the last pass: indices only
            for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                if not stopped(stop):
                    kops.ascatter(kf, ifr, NULL, it, b * bs, min(m, (b + 1) * bs), shift,
                                  pos + b * kops.R)
                    if threadid() == 0:
                        poll(stop)
        else:
            for b in range(nb):
                kops.ascatter(kf, ifr, NULL, it, b * bs, min(m, (b + 1) * bs), shift,
                              pos + b * kops.R)
                poll(stop)
                if stopped(stop):
                    break
        if stopped(stop):
            return 0
        kf, ifr = kt, it
    if ifr != ix:
        par_copy(<const char *> i2, <char *> ix, m * 8, nt)
    return 0


cdef int coop_msd(const cs_ops *ops, const char *vals, int64_t *ix, Py_ssize_t m,
                  char *k1, char *k2, int64_t *i2, int64_t *cnt, int64_t *pos,
                  int64_t *th, int nt, Stop *stop, int depth) noexcept nogil:
    """One large bucket ix[0:m] put in key order by all threads, most significant digit
    first again: its keys gathered into k1, one parallel scatter of the (key, index)
    pairs into (k2, i2) by an 8-bit digit of ``msd_digit`` over these keys (256
    sub-buckets: the 2048-way scatter was TLB-bound and left sub-buckets of a few
    hundred pairs, each paying for whole count tables), then the
    sub-buckets sorted one to a thread (``pair_sort``, scratch carved from k1, free by
    then) and the indices copied back; a sub-bucket too large for that share goes
    through here again (after 6 levels, the LSD passes of ``coop_bucket``). Uneven
    float buckets (the binades of normal data) take one scatter here instead of an
    LSD pass per byte. Returns 1 when out of memory. Buffers and tables as
    coop_bucket."""
    cdef const cs_ops *kops = cs_get_ops(6 if ops.width == 8 else 7)  # the keys' own order
    cdef int bsh = block_shift(m)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (m + bs - 1) // bs, b, d, a, ms
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << COOP_BITS, w = ops.width, big = 0, lim, spt
    cdef Py_ssize_t per = (ops.NP + 1) * ops.R
    cdef uint64_t mask = <uint64_t> (R - 1), base = 0
    cdef int shift = 0, k, failed = 0
    cdef int64_t *starts = NULL
    cdef char *mine
    if depth >= 6:
        return coop_bucket(ops, vals, ix, m, k1, k2, i2, cnt, pos, th, nt, stop)
    gather_keys(ops, vals, ix, m, k1, nb, bs, nt, stop)
    if stopped(stop):
        return 0
    k = msd_digit(kops, k1, m, nb, bs, cnt, nt, stop, &shift, &base, &big, COOP_BITS)
    if k != 0:
        return k == 1      # 2: every key equal, in order already; 3: stopped
    starts = <int64_t *> malloc((R + 1) * sizeof(int64_t))
    if starts == NULL:
        return 1
    bucket_starts(cnt, starts, nb, m, COOP_BITS)
    cs_prefix(cnt, pos, nb, <int> R, R)
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                kops.pscatter_m(k1, ix, k2, i2, b * bs, min(m, (b + 1) * bs), shift, mask,
                                base, pos + b * R)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            kops.pscatter_m(k1, ix, k2, i2, b * bs, min(m, (b + 1) * bs), shift, mask, base,
                            pos + b * R)
            poll(stop)
            if stopped(stop):
                break
    # each thread's pair_sort scratch (keys, then indices) out of k1: a share of m * w
    spt = ((m * w) // nt) & ~(<Py_ssize_t> 63)
    lim = (spt // (w + 8)) & ~(<Py_ssize_t> 7)
    if not stopped(stop):
        if nt > 1:
            for d in prange(R, schedule="dynamic", num_threads=nt):
                a = starts[d]
                ms = starts[d + 1] - a
                if not stopped(stop) and 1 < ms <= lim:
                    mine = k1 + threadid() * spt
                    kops.pair_sort(k2 + a * w, i2 + a, ms, mine,
                                   <int64_t *> (mine + lim * w), th + threadid() * per)
                    if threadid() == 0:
                        poll(stop)
        else:
            for d in range(R):
                a = starts[d]
                ms = starts[d + 1] - a
                if 1 < ms <= lim:
                    kops.pair_sort(k2 + a * w, i2 + a, ms, k1, <int64_t *> (k1 + lim * w), th)
                    poll(stop)
                    if stopped(stop):
                        break
    if not stopped(stop):
        par_copy(<const char *> i2, <char *> ix, m * 8, nt)
        for d in range(R):
            ms = starts[d + 1] - starts[d]
            if ms > lim and not failed and not stopped(stop):
                failed = coop_msd(ops, vals, ix + starts[d], ms, k1, k2, i2, cnt, pos, th, nt,
                                  stop, depth + 1)
    free(starts)
    return failed


cdef int argsort_msd(const cs_ops *ops, const char *vals, int64_t *idx, Py_ssize_t n,
                     int64_t *cnt, int64_t *pos, int64_t *th, int nt, Stop *stop) noexcept nogil:
    """One long run, most significant digit first: the indices scattered into idx by
    the MSD digit of ``msd_digit`` (2048 buckets), then
    every bucket put in key order where it lies. Two ways, by the largest bucket: small
    (a scratch of it per thread is at most an eighth of the input in all), the keys are
    scattered alongside into a buffer of keys the input's size and each bucket sorted
    by one thread (``argsort_bucket``); larger, only the indices are scattered, buckets
    up to a size whose per-thread scratch fits the input's size go one to a thread
    (keys gathered through the indices), and the larger ones are sorted one at a time
    by all threads (``coop_bucket``). Returns 2 without touching idx when one bucket's
    scratch would exceed the input's size (the caller runs argsort_gather), 1 when out
    of memory. cnt: MAX_BLOCKS << MSD_BITS counts, pos: as many, th: nt * (NP + 1) * R
    and nt * MAX_BLOCKS * R."""
    cdef int bsh = block_shift(n)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (n + bs - 1) // bs, b, d, i
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << MSD_BITS, w = ops.width, big = 0, spt, m
    cdef Py_ssize_t per = (ops.NP + 1) * ops.R, lim, lbig = 0, cbig = 0
    cdef uint64_t mask = <uint64_t> (R - 1)
    cdef int shift = 0, k, failed = 0
    cdef uint64_t base = 0
    cdef bint gathered
    cdef char *keys = NULL
    cdef char *scr = NULL
    cdef int64_t *starts = NULL
    k = msd_digit(ops, vals, n, nb, bs, cnt, nt, stop, &shift, &base, &big)
    if k == 2:      # all keys equal: the input order
        if nt > 1:
            for i in prange(n, schedule="static", num_threads=nt):
                idx[i] = i
        else:
            for i in range(n):
                idx[i] = i
        return 0
    if k != 0:
        return k == 1
    gathered = nt * big * (w + 8) > (n * w) >> 3
    if gathered and big * (2 * w + 8) > n * w:
        return 2
    starts = <int64_t *> malloc((R + 1) * sizeof(int64_t))
    if starts == NULL:
        return 1
    bucket_starts(cnt, starts, nb, n)
    lim = (n * w) // (nt * (2 * w + 8)) if gathered else big
    # a bucket beyond BLOCKED_MIN sorted by one thread would run LSD passes out of
    # cache: it takes coop_msd's own MSD pass instead (all threads, or the one)
    lim = min(lim, <Py_ssize_t> BLOCKED_MIN)
    for d in range(R):
        m = starts[d + 1] - starts[d]
        if m <= lim:
            lbig = max(lbig, m)
        else:
            cbig = max(cbig, m)
    spt = lbig * (2 * w + 8 if gathered else w + 8)
    spt = (spt + (1 << 21) - 1) & ~((<Py_ssize_t> 1 << 21) - 1)  # own huge pages
    scr = <char *> cs_big_alloc(nt * spt)
    if not gathered:
        keys = <char *> cs_big_alloc(n * w)
    if scr == NULL or (keys == NULL and not gathered):
        failed = 1
    else:
        if keys != NULL:
            prefault(keys, n * w, nt, stop)
        prefault(<char *> idx, n * 8, nt, stop)
    if not failed and not stopped(stop):
        cs_prefix(cnt, pos, nb, <int> R, R)
        if nt > 1:
            for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                if not stopped(stop):
                    if gathered:
                        ops.iscatter_m(vals, idx, b * bs, min(n, (b + 1) * bs), shift, mask,
                                       base, pos + b * R)
                    else:
                        ops.ascatter_m(vals, keys, idx, b * bs, min(n, (b + 1) * bs), shift,
                                       mask, base, pos + b * R)
                    if threadid() == 0:
                        poll(stop)
        else:
            for b in range(nb):
                if gathered:
                    ops.iscatter_m(vals, idx, b * bs, min(n, (b + 1) * bs), shift, mask,
                                   base, pos + b * R)
                else:
                    ops.ascatter_m(vals, keys, idx, b * bs, min(n, (b + 1) * bs), shift, mask,
                                   base, pos + b * R)
                poll(stop)
                if stopped(stop):
                    break
    if not failed and not stopped(stop):
        if nt > 1:
            for d in prange(R, schedule="dynamic", num_threads=nt):
                if not stopped(stop) and starts[d + 1] - starts[d] <= lim:
                    argsort_bucket(ops, vals, idx, keys, starts[d], starts[d + 1] - starts[d],
                                   lbig, scr + threadid() * spt, th + threadid() * per)
                    if threadid() == 0:
                        poll(stop)
        else:
            for d in range(R):
                if starts[d + 1] - starts[d] <= lim:
                    argsort_bucket(ops, vals, idx, keys, starts[d], starts[d + 1] - starts[d],
                                   lbig, scr, th)
                    poll(stop)
                    if stopped(stop):
                        break
    cs_big_free(keys)
    cs_big_free(scr)
    scr = NULL
    if not failed and not stopped(stop) and cbig > 0:
        scr = <char *> cs_big_alloc(cbig * (2 * w + 8))
        if scr == NULL:
            failed = 1
        else:
            prefault(scr, cbig * (2 * w + 8), nt, stop)
            for d in range(R):
                m = starts[d + 1] - starts[d]
                if m > lim and not stopped(stop) and not failed:
                    failed = coop_msd(ops, vals, idx + starts[d], m, scr, scr + cbig * w,
                                      <int64_t *> (scr + 2 * cbig * w), cnt, pos, th, nt,
                                      stop, 0)
    cs_big_free(scr)
    free(starts)
    return failed


cdef int argsort_gather(const cs_ops *ops, const char *vals, int64_t *idx, Py_ssize_t n,
                        int64_t *cnt, int64_t *pos, int64_t *th, int nt,
                        Stop *stop) noexcept nogil:
    """One long run, least significant digit first, moving indices only: each pass reads
    the keys through the indices (a gather), so the one scratch is a buffer of indices
    the input's size (int64 for 8-byte values, int32 for 4-byte ones below 2**31
    elements). Passes whose digit never varies are skipped; each pass counts the next
    one's digits as it writes (``gscatter``); the last lands in idx. Returns 1 when out
    of memory. cnt: MAX_BLOCKS * NP * R, pos: MAX_BLOCKS * R, th: nt * MAX_BLOCKS * R."""
    cdef int bsh = block_shift(n)
    cdef Py_ssize_t bs = (<Py_ssize_t> 1) << bsh, nb = (n + bs - 1) // bs, b, i
    cdef Py_ssize_t stride = ops.NP * ops.R
    cdef int iw = 4 if ops.width <= 4 and n < (<Py_ssize_t> 1 << 31) else 8
    cdef int act[8]
    cdef int k, j, p, shift, shift2, sw = 0, dw
    cdef char *scr
    cdef const void *si = NULL
    cdef void *di
    k = count_all(ops, vals, n, nb, bs, cnt, act, nt, stop)
    if k < 0:
        return k == -2   # 1: out of memory
    if k == 0:
        if nt > 1:
            for i in prange(n, schedule="static", num_threads=nt):
                idx[i] = i
        else:
            for i in range(n):
                idx[i] = i
        return 0
    scr = <char *> cs_big_alloc(n * iw)
    if scr == NULL:
        return 1
    prefault(scr, n * iw, nt, stop)
    prefault(<char *> idx, n * 8, nt, stop)
    for j in range(k):
        if stopped(stop):
            break
        p = act[j]
        shift = p * ops.D
        if (k - 1 - j) & 1:      # the last pass lands in idx
            di, dw = scr, iw
        else:
            di, dw = idx, 8
        cs_prefix(cnt + p * ops.R, pos, nb, ops.R, stride)
        shift2 = act[j + 1] * ops.D if j + 1 < k else 0
        if j + 1 < k:
            memset(th, 0, nt * nb * ops.R * sizeof(int64_t))
        if nt > 1:
            for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                if not stopped(stop):
                    ops.gscatter(vals, si, sw, di, dw, b * bs, min(n, (b + 1) * bs), shift,
                                 pos + b * ops.R, shift2, bsh,
                                 th + threadid() * nb * ops.R if j + 1 < k else NULL)
                    if threadid() == 0:
                        poll(stop)
        else:
            for b in range(nb):
                ops.gscatter(vals, si, sw, di, dw, b * bs, min(n, (b + 1) * bs), shift,
                             pos + b * ops.R, shift2, bsh, th if j + 1 < k else NULL)
                poll(stop)
                if stopped(stop):
                    break
        if j + 1 < k:
            fold_counts(th, cnt + act[j + 1] * ops.R, nt, nb, ops.R, stride)
        si, sw = di, dw
    cs_big_free(scr)
    return 0


cdef int argsort_count(const cs_ops *ops, const char *vals, int64_t *idx, Py_ssize_t n,
                       int nt, Stop *stop) noexcept nogil:
    """Keys of at most 16 bits: one stable counting pass by the whole key straight into
    idx (per-block counts, no scratch). Returns 1 when out of memory."""
    cdef Py_ssize_t R = (<Py_ssize_t> 1) << (8 * ops.width), b
    cdef Py_ssize_t nb = min(max(max(n >> 20, min(<Py_ssize_t> nt, n >> 16)), <Py_ssize_t> 1),
                             <Py_ssize_t> (64 if ops.width == 1 else 16))
    cdef Py_ssize_t bs = (n + nb - 1) // nb
    cdef uint64_t mask = <uint64_t> (R - 1)
    cdef int64_t *cnt = <int64_t *> malloc(nb * R * sizeof(int64_t))
    cdef int64_t *pos = <int64_t *> malloc(nb * R * sizeof(int64_t))
    if cnt == NULL or pos == NULL:
        free(cnt)
        free(pos)
        return 1
    if nt > 1:
        for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
            if not stopped(stop):
                ops.hist_m(vals, b * bs, min(n, (b + 1) * bs), 0, mask, 0, cnt + b * R)
                if threadid() == 0:
                    poll(stop)
    else:
        for b in range(nb):
            ops.hist_m(vals, b * bs, min(n, (b + 1) * bs), 0, mask, 0, cnt + b * R)
            poll(stop)
            if stopped(stop):
                break
    prefault(<char *> idx, n * 8, nt, stop)
    if not stopped(stop):
        cs_prefix(cnt, pos, nb, <int> R, R)
        if nt > 1:
            for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                if not stopped(stop):
                    ops.iscatter_m(vals, idx, b * bs, min(n, (b + 1) * bs), 0, mask, 0,
                                   pos + b * R)
                    if threadid() == 0:
                        poll(stop)
        else:
            for b in range(nb):
                ops.iscatter_m(vals, idx, b * bs, min(n, (b + 1) * bs), 0, mask, 0, pos + b * R)
                poll(stop)
                if stopped(stop):
                    break
    free(cnt)
    free(pos)
    return 0


cdef int argsort_row_task(const cs_ops *ops, const char *vals, int64_t *idx, Py_ssize_t r0,
                          Py_ssize_t r1, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t w = ops.width, r
    cdef char *k1 = <char *> malloc(n * w)
    cdef char *k2 = <char *> malloc(n * w)
    cdef int64_t *i2 = <int64_t *> malloc(n * sizeof(int64_t))
    cdef int64_t *cnt = <int64_t *> malloc((ops.NP + 1) * ops.R * sizeof(int64_t))
    cdef int failed = k1 == NULL or k2 == NULL or i2 == NULL or cnt == NULL
    if not failed:
        for r in range(r0, r1):
            ops.argsort_serial(vals + r * n * w, idx + r * n, n, k1, k2, i2, cnt)
    free(k1)
    free(k2)
    free(i2)
    free(cnt)
    return failed


def argsort(cnp.ndarray x, cnp.ndarray out, int tcode, int nt, bint check):
    """Stable argsort of each row of the C-contiguous 2-D ``x`` into the int64 ``out``."""
    cdef const cs_ops *ops = get_ops(tcode)
    cdef Py_ssize_t rows = x.shape[0], n = x.shape[1], r, w = ops.width, t, ntask, per
    cdef const char *vals = <const char *> cnp.PyArray_DATA(x)
    cdef int64_t *idx = <int64_t *> cnp.PyArray_DATA(out)
    cdef int64_t *cnt = NULL
    cdef int64_t *pos = NULL
    cdef int64_t *th = NULL
    cdef int failed = 0
    cdef Stop stop
    stop_init(&stop, check)
    if rows == 0 or n == 0:
        return out
    if n >= BLOCKED_MIN and rows < 2 * nt:
        try:
            alloc_tables(ops, nt, &cnt, &pos, &th)
            with nogil:
                for r in range(rows):
                    if stopped(&stop):
                        break
                    if w <= 2:
                        failed = argsort_count(ops, vals + r * n * w, idx + r * n, n, nt, &stop)
                    else:
                        failed = argsort_msd(ops, vals + r * n * w, idx + r * n, n, cnt, pos,
                                             th, nt, &stop)
                    if failed == 2:   # uneven buckets: least significant digit first
                        failed = argsort_gather(ops, vals + r * n * w, idx + r * n, n, cnt, pos,
                                                th, nt, &stop)
                    if stopped(&stop) or failed:
                        break
            if failed:
                raise MemoryError()
        finally:
            free(cnt)
            free(pos)
            free(th)
    else:
        per = max(<Py_ssize_t> 1, ROW_TASK // n)
        ntask = (rows + per - 1) // per
        with nogil:
            if nt > 1 and ntask > 1:
                for t in prange(ntask, schedule="dynamic", num_threads=team(nt, ntask)):
                    if not stopped(&stop):
                        if argsort_row_task(ops, vals, idx, t * per, min(rows, (t + 1) * per),
                                            n):
                            failed = 1
                        if threadid() == 0:
                            poll(&stop)
            else:
                for t in range(ntask):
                    if argsort_row_task(ops, vals, idx, t * per, min(rows, (t + 1) * per), n):
                        failed = 1
                        break
                    poll(&stop)
                    if stopped(&stop):
                        break
        if failed:
            raise MemoryError()
    raise_if_stopped(&stop)
    return out


# ----------------------------------------------------------- searchsorted

def searchsorted(cnp.ndarray a, cnp.ndarray v, cnp.ndarray out, int tcode, bint right,
                 int nt, bint check):
    """Insertion points of the contiguous 1-D queries ``v`` in the sorted contiguous
    1-D ``a`` (same dtype) into the int64 ``out``: NumPy's order (NaN last)."""
    cdef const cs_ops *ops = get_ops(tcode)
    cdef Py_ssize_t n = a.shape[0], m = v.shape[0], nb = (m + Q_BLOCK - 1) // Q_BLOCK, b
    cdef const char *pa = <const char *> cnp.PyArray_DATA(a)
    cdef const char *pv = <const char *> cnp.PyArray_DATA(v)
    cdef int64_t *po = <int64_t *> cnp.PyArray_DATA(out)
    cdef Stop stop
    stop_init(&stop, check)
    with nogil:
        if nt > 1 and nb > 1:
            for b in prange(nb, schedule="dynamic", num_threads=team(nt, nb)):
                if not stopped(&stop):
                    ops.search(pa, n, pv, po, b * Q_BLOCK, min(m, (b + 1) * Q_BLOCK), right)
                    if threadid() == 0:
                        poll(&stop)
        else:
            for b in range(nb):
                ops.search(pa, n, pv, po, b * Q_BLOCK, min(m, (b + 1) * Q_BLOCK), right)
                poll(&stop)
                if stopped(&stop):
                    break
    raise_if_stopped(&stop)
    return out


# ----------------------------------------------------------------- unique

def unique(cnp.ndarray s, int tcode, bint equal_nan, bint want_where, int nt, bint check):
    """Distinct values of the sorted contiguous 1-D ``s`` (first of each run of equal
    keys; NaNs one run when equal_nan) and, if asked, where each run starts."""
    cdef const cs_ops *ops = get_ops(tcode)
    cdef Py_ssize_t n = s.shape[0], nb = (n + U_BLOCK - 1) // U_BLOCK, b
    cdef const char *ps = <const char *> cnp.PyArray_DATA(s)
    cdef int64_t *heads = <int64_t *> malloc((nb + 1) * sizeof(int64_t))
    cdef int64_t total = 0, c
    cdef char *po
    cdef int64_t *pw = NULL
    cdef Stop stop
    cdef cnp.ndarray out, where = None
    if heads == NULL:
        raise MemoryError()
    stop_init(&stop, check)
    try:
        with nogil:
            if nt > 1 and nb > 1:
                for b in prange(nb, schedule="static", num_threads=team(nt, nb)):
                    heads[b] = ops.count_heads(ps, b * U_BLOCK, min(n, (b + 1) * U_BLOCK),
                                               equal_nan)
            else:
                for b in range(nb):
                    heads[b] = ops.count_heads(ps, b * U_BLOCK, min(n, (b + 1) * U_BLOCK),
                                               equal_nan)
            for b in range(nb):          # exclusive prefix, in block order
                c = heads[b]
                heads[b] = total
                total += c
            poll(&stop)
        raise_if_stopped(&stop)
        out = np.empty(total, dtype=s.dtype)
        po = <char *> cnp.PyArray_DATA(out)
        if want_where:
            where = np.empty(total, dtype=np.int64)
            pw = <int64_t *> cnp.PyArray_DATA(where)
        with nogil:
            if nt > 1 and nb > 1:
                for b in prange(nb, schedule="static", num_threads=team(nt, nb)):
                    ops.write_heads(ps, b * U_BLOCK, min(n, (b + 1) * U_BLOCK), equal_nan, po,
                                    pw, heads[b])
            else:
                for b in range(nb):
                    ops.write_heads(ps, b * U_BLOCK, min(n, (b + 1) * U_BLOCK), equal_nan, po,
                                    pw, heads[b])
    finally:
        free(heads)
    return out, where


cdef void runs_block(const int64_t *perm, const int64_t *where, Py_ssize_t nruns,
                     Py_ssize_t lo, Py_ssize_t hi, int64_t *inverse) noexcept nogil:
    cdef Py_ssize_t a = 0, b = nruns, m, i
    while b - a > 1:            # the run holding sorted position lo: where[a] <= lo
        m = (a + b) // 2
        if where[m] <= lo:
            a = m
        else:
            b = m
    for i in range(lo, hi):
        if a + 1 < nruns and where[a + 1] == i:
            a += 1
        inverse[perm[i]] = a


def inverse_runs(cnp.ndarray perm, cnp.ndarray where, cnp.ndarray inverse, int nt,
                 bint check):
    """inverse[perm[i]] = the run of sorted position i, for the stable argsort ``perm``
    and the run starts ``where`` (ascending, where[0] = 0), all int64 and contiguous:
    unique's inverse. Blocks of sorted positions in parallel (scattered writes)."""
    cdef Py_ssize_t n = perm.shape[0], nruns = where.shape[0]
    cdef Py_ssize_t nb = (n + U_BLOCK - 1) // U_BLOCK, b
    cdef const int64_t *pp = <const int64_t *> cnp.PyArray_DATA(perm)
    cdef const int64_t *pw = <const int64_t *> cnp.PyArray_DATA(where)
    cdef int64_t *pi = <int64_t *> cnp.PyArray_DATA(inverse)
    cdef Stop stop
    stop_init(&stop, check)
    if n == 0:
        return inverse
    with nogil:
        if nt > 1 and nb > 1:
            for b in prange(nb, schedule="static", num_threads=team(nt, nb)):
                if not stopped(&stop):
                    runs_block(pp, pw, nruns, b * U_BLOCK, min(n, (b + 1) * U_BLOCK), pi)
                    if threadid() == 0:
                        poll(&stop)
        else:
            for b in range(nb):
                runs_block(pp, pw, nruns, b * U_BLOCK, min(n, (b + 1) * U_BLOCK), pi)
                poll(&stop)
                if stopped(&stop):
                    break
    raise_if_stopped(&stop)
    return inverse
