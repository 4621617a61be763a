"""Build the Cython extensions of concore.

OpenMP flags follow the compiler at hand; a compiler without OpenMP still builds
(serial kernels) with a warning. ``CONCORE_PURE_PYTHON=1`` builds no extension.
"""
import glob
import os
import sys
import tempfile
import warnings

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


def _openmp_flags(compiler):
    """(compile_args, link_args) that enable OpenMP for this compiler, or None."""
    ctype = compiler.compiler_type
    if ctype == "msvc":
        return ["/openmp"], []
    if sys.platform == "darwin":
        # Apple clang: libomp from conda-forge's llvm-openmp (see pyproject's cibuildwheel).
        prefix = os.environ.get("CONCORE_OPENMP_PREFIX", "")
        inc = [f"-I{prefix}/include"] if prefix else []
        lib = [f"-L{prefix}/lib", f"-Wl,-rpath,{prefix}/lib"] if prefix else []
        return ["-Xpreprocessor", "-fopenmp"] + inc, lib + ["-lomp"]
    return ["-fopenmp"], ["-fopenmp"]


def _compiles(compiler, cflags, lflags):
    """True when a tiny OpenMP program compiles and links with these flags."""
    src = "#include <omp.h>\nint main(void){return omp_get_max_threads() > 0 ? 0 : 1;}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "omp_probe.c")
        with open(path, "w") as f:
            f.write(src)
        try:
            objs = compiler.compile([path], output_dir=tmp, extra_postargs=cflags)
            compiler.link_executable(objs, os.path.join(tmp, "omp_probe"), extra_postargs=lflags)
        except Exception:
            return False
    return True


class BuildExt(build_ext):
    def build_extensions(self):
        ctype = self.compiler.compiler_type
        if ctype == "msvc":
            base = ["/O2", "/fp:precise"]
        else:
            # No -ffast-math (flush-to-zero for the whole process), no -march=native,
            # no FMA contraction (keeps native and NumPy/Python results identical);
            # -fwrapv: integer sums wrap around as NumPy's do.
            base = ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fwrapv", "-g0"]
        omp = _openmp_flags(self.compiler)
        if omp and not _compiles(self.compiler, *omp):
            warnings.warn(
                "concore: this compiler has no working OpenMP; building serial kernels "
                "(results are the same, only slower)."
            )
            omp = None
        for ext in self.extensions:
            ext.extra_compile_args = base + (omp[0] if omp else [])
            # Stripped, unless a developer profiling with perf sets CONCORE_KEEP_SYMBOLS=1.
            strip = ctype != "msvc" and not os.environ.get("CONCORE_KEEP_SYMBOLS")
            ext.extra_link_args = (omp[1] if omp else []) + (["-s"] if strip else [])
        super().build_extensions()


def _extensions():
    if os.environ.get("CONCORE_PURE_PYTHON", "") not in ("", "0"):
        return []
    import numpy
    from Cython.Build import cythonize

    # Developers: CONCORE_BUILD_ONLY=scans,sorting rebuilds just those extensions.
    only = {m for m in os.environ.get("CONCORE_BUILD_ONLY", "").split(",") if m}

    exts = [
        Extension(
            "concore._native." + os.path.splitext(os.path.basename(p))[0],
            [p],
            include_dirs=[numpy.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
        )
        for p in sorted(glob.glob("src/concore/_native/*.pyx"))
        if not only or os.path.splitext(os.path.basename(p))[0] in only
    ]
    if os.environ.get("CONCORE_WERROR", "") not in ("", "0"):
        # CI: a Cython warning fails the build (one, a negative index in these
        # wraparound=False modules, was a wrong read under a newer NumPy)
        from Cython.Compiler import Options
        Options.warning_errors = True
    return cythonize(
        exts,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
            "freethreading_compatible": True,
        },
    )


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
