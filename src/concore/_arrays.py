"""Input normalisation shared by the public modules."""
import numpy as np


def plain_array(a):
    """``a`` as a plain ndarray for a kernel to read, or None where NumPy must decide:
    subclasses and other array types (they keep their own semantics) and inputs NumPy
    cannot convert (calling NumPy then raises its own error)."""
    if type(a) is np.ndarray:
        return a
    if isinstance(a, np.ndarray) or hasattr(a, "__array_function__"):
        return None
    try:
        a = np.asarray(a)
    except Exception:
        return None
    return a if type(a) is np.ndarray else None
