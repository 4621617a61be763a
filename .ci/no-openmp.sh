#!/usr/bin/env bash
# Build with a compiler that rejects -fopenmp: the build must warn, still produce the
# extension (serial kernels), and pass the test suite. Run from the repository root
# with a venv active that has the build and test requirements.
set -euo pipefail
REPO="$(pwd -P)"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/concore-noomp.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT

cat > "$SCRATCH/cc" <<'CC'
#!/usr/bin/env bash
for a in "$@"; do [ "$a" = "-fopenmp" ] && { echo "cc: -fopenmp unsupported" >&2; exit 1; }; done
exec "${REAL_CC:-cc}" "$@"
CC
chmod +x "$SCRATCH/cc"
mkdir "$SCRATCH/src-copy"
(cd "$REPO" && git ls-files -z | xargs -0 cp --parents -t "$SCRATCH/src-copy")
cd "$SCRATCH/src-copy"
python -m pip install --quiet "Cython>=3.1" "setuptools>=77"
CC="$SCRATCH/cc" LDSHARED="$SCRATCH/cc -shared" python setup.py -q build_ext --inplace \
    2> "$SCRATCH/build.log" || { cat "$SCRATCH/build.log"; exit 1; }
grep -q "no working OpenMP" "$SCRATCH/build.log" || { echo "no-openmp.sh: the build did not warn" >&2; exit 1; }
PYTHONPATH=src python -c "from concore._native import _openmp; assert _openmp.openmp_version() == 0"
rc=0
PYTHONPATH=src python -m pytest tests -q -p no:cacheprovider || rc=$?
[ "$rc" -eq 0 ] || { echo "no-openmp.sh: pytest exited with $rc" >&2; exit 1; }
echo "no-openmp.sh: OK"
