# OpenMP plumbing shared by every kernel module: feature probes that compile
# without OpenMP, a wall clock, and the Ctrl-C stop flag polled by thread 0.

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static int cc_openmp(void) { return _OPENMP; }
    static double cc_now(void) { return omp_get_wtime(); }
    #else
    #include <time.h>
    static int cc_openmp(void) { return 0; }
    #if defined(_WIN32)
    static double cc_now(void) { return (double)clock() / CLOCKS_PER_SEC; }
    #else
    static double cc_now(void) {
        struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    }
    #endif
    #endif
    /* The stop flag is written by thread 0 and read by all: keep every read a real load. */
    static int cc_load(volatile int *p) { return *p; }
    static void cc_store(volatile int *p, int v) { *p = v; }
    /* Seconds between two Ctrl-C polls: often enough to stop within 100 ms, rare
       enough that waiting for the GIL (a busy thread holds it up to 5 ms) costs little. */
    #define CC_POLL_INTERVAL 0.05
    """
    double POLL_INTERVAL "CC_POLL_INTERVAL"
    int cc_openmp() noexcept nogil
    double cc_now() noexcept nogil
    int cc_load(int *p) noexcept nogil
    void cc_store(int *p, int v) noexcept nogil

cdef extern from "Python.h":
    # Declared noexcept: the pending exception is re-raised by raise_if_stopped().
    int cc_check_signals "PyErr_CheckSignals" () noexcept

# Elements below which a serial kernel keeps the GIL: releasing and taking it back
# costs about 45 ns uncontended, and up to Python's 5 ms switch interval while
# another Python thread is busy (a 10-element sum took 112 us instead of 0.04),
# more than such a kernel's whole work (NumPy's ufunc loops keep it below 500).
cdef enum:
    NOGIL_MIN = 4096


cdef struct Stop:
    int flag        # set once a signal handler raised: every thread stops
    int check       # the caller is the main thread, which receives signals
    double next     # time of the next poll


cdef inline void stop_init(Stop *s, bint check) noexcept nogil:
    s.flag = 0
    s.check = check
    s.next = cc_now() + POLL_INTERVAL if check else 0.0


cdef inline bint stopped(Stop *s) noexcept nogil:
    return cc_load(&s.flag) != 0


cdef inline void poll(Stop *s) noexcept nogil:
    """Run Python's signal handlers, at most every POLL_INTERVAL (call from thread 0 only)."""
    if not s.check or stopped(s):
        return
    cdef double t = cc_now()
    if t < s.next:
        return
    s.next = t + POLL_INTERVAL
    with gil:
        if cc_check_signals() != 0:
            cc_store(&s.flag, 1)


cdef inline int raise_if_stopped(Stop *s) except -1:
    # The signal handler's exception (KeyboardInterrupt) is already set: propagate it.
    if s.flag:
        return -1
    return 0
