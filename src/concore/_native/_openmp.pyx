"""OpenMP runtime facts for ``show_config`` and a memory read-bandwidth probe."""
from cython.parallel cimport prange

cimport numpy as cnp

cnp.import_array()


def openmp_version():
    """The ``_OPENMP`` date macro the extension was built with (0: built without OpenMP)."""
    return cc_openmp()


def runtime_library():
    """File name of the OpenMP runtime loaded in this process, or None."""
    if not cc_openmp():
        return None
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                name = line.rpartition("/")[2].strip()
                if name.startswith(("libgomp", "libomp", "libiomp", "vcomp")):
                    return name
    except OSError:
        pass
    return "unknown"


def read_probe(const double[::1] x, int n_threads):
    """Read every element once, in parallel, with the plainest vectorisable loop
    (8 running sums per block of 4096); returns their total.

    A yardstick for memory-bound kernels: no kernel that reads ``x`` once can be
    expected to beat it.
    """
    cdef Py_ssize_t n = x.shape[0], nb = (n + 4095) // 4096, b, i, j, hi
    cdef double total = 0, r0, r1, r2, r3, r4, r5, r6, r7
    if n == 0:
        return 0.0
    for b in prange(nb, nogil=True, schedule="static", num_threads=n_threads):
        r0 = r1 = r2 = r3 = r4 = r5 = r6 = r7 = 0
        hi = min(n, (b + 1) * 4096)
        i = b * 4096
        while i + 8 <= hi:
            r0 = r0 + x[i]
            r1 = r1 + x[i + 1]
            r2 = r2 + x[i + 2]
            r3 = r3 + x[i + 3]
            r4 = r4 + x[i + 4]
            r5 = r5 + x[i + 5]
            r6 = r6 + x[i + 6]
            r7 = r7 + x[i + 7]
            i = i + 8
        for j in range(i, hi):
            r0 = r0 + x[j]
        total += ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    return total
