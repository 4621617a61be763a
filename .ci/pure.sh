#!/usr/bin/env bash
# Install concore without its compiled kernels (CONCORE_PURE_PYTHON=1, a regular,
# non-editable install) into a fresh venv and run the test suite against it from
# outside the source tree. Run from the repository root with a Python on PATH
# (python, else python3). Exits non-zero on any failure.
set -euo pipefail

die() { echo "pure.sh: FAIL: $*" >&2; exit 1; }
step() { echo; echo "=== pure.sh: $*"; }

[[ -f pyproject.toml && -f setup.py && -d src/concore ]] \
    || die "run me from the concore repository root (cwd is $(pwd))"
REPO="$(pwd -P)"
[[ -d "$REPO/tests" ]] || die "no tests/ directory in $REPO"
PY="$(command -v python || command -v python3)" || die "no python on PATH"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/concore-pure.XXXXXX")"
cleanup() { rm -rf "$SCRATCH"; }
trap cleanup EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1

step "creating a fresh venv with $PY"
"$PY" -m venv "$SCRATCH/venv"
VPY="$SCRATCH/venv/bin/python"

step "installing concore with CONCORE_PURE_PYTHON=1 (non-editable)"
CONCORE_PURE_PYTHON=1 "$VPY" -m pip install "$REPO"
"$VPY" -m pip install --quiet pytest hypothesis threadpoolctl "dask[array]"

# From the scratch dir, never the repo root: `import concore` must be the installed copy.
cd "$SCRATCH"
step "checking the installed package"
"$VPY" -c '
import os, sys, concore
venv = os.path.realpath(sys.argv[1])
where = os.path.realpath(concore.__file__)
print("concore", getattr(concore, "__version__", "?"), "from", where, "backend", concore.backend())
assert where.startswith(venv + os.sep), f"concore imported from {where}, not from the venv {venv}"
assert concore.backend() == "python", f"backend() is {concore.backend()!r}, expected python"
' "$SCRATCH/venv"
# A pure install must not carry compiled modules either.
found="$(find "$SCRATCH/venv" -path '*/site-packages/concore/*' \( -name '*.so' -o -name '*.pyd' \) -print)"
[[ -z "$found" ]] || die "compiled modules in a CONCORE_PURE_PYTHON=1 install: $found"

step "running the tests against the pure-Python install"
rc=0
# CONCORE_PURE_PYTHON=1 tells the suite that the missing extension is intended.
CONCORE_PURE_PYTHON=1 CONCORE_REQUIRE_DASK=1 "$VPY" -m pytest "$REPO/tests" -q -p no:cacheprovider || rc=$?
if (( rc == 5 )); then
    die "pytest collected no tests from $REPO/tests (exit 5)"
elif (( rc != 0 )); then
    die "pytest failed (exit $rc)"
fi
echo "pure.sh: OK"
