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
    """Read every element once, in parallel; returns the count of non-zero elements.

    A yardstick for memory-bound kernels: no kernel that reads ``x`` once can beat it.
    """
    cdef Py_ssize_t n = x.shape[0], nb = (n + 4095) // 4096, b, i, hi
    cdef long long count = 0, c
    if n == 0:
        return 0
    for b in prange(nb, nogil=True, schedule="static", num_threads=n_threads):
        c = 0
        hi = min(n, (b + 1) * 4096)
        for i in range(b * 4096, hi):
            c = c + (x[i] != 0)
        count += c
    return count
