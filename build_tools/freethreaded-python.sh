#!/usr/bin/env bash
# A free-threaded CPython 3.13 (--disable-gil) built from Debian's source package of
# python3.13 (trixie), and a virtual environment with concore and its test extras in it.
#
#   bash build_tools/freethreaded-python.sh [VENV_DIR]
#
# The interpreter is built once into $CONCORE_FT_HOME (default ~/.cache/concore-ft) and
# reused by later runs; VENV_DIR (default $CONCORE_FT_HOME/venv) is (re)created each time
# and gets `pip install ".[test]"` of this checkout. The last line printed is the venv's
# python. Needs: network access to deb.debian.org (apt's source index) and PyPI, gcc, make
# and the usual -dev headers (installed with apt-get when missing and running as root).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FT_HOME="${CONCORE_FT_HOME:-$HOME/.cache/concore-ft}"
PREFIX="$FT_HOME/python3.13t"
PY="$PREFIX/bin/python3.13t"
VENV="${1:-$FT_HOME/venv}"
log() { echo "freethreaded-python: $*" >&2; }

build_deps() {
    local missing=() pkg
    for pkg in zlib1g-dev libssl-dev libffi-dev libbz2-dev liblzma-dev libsqlite3-dev \
               libreadline-dev uuid-dev libncurses-dev; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        if [ "$(id -u)" = 0 ]; then
            log "installing build dependencies: ${missing[*]}"
            apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
        else
            log "missing headers (some modules may not build): ${missing[*]}"
        fi
    fi
}

fetch_source() {
    # apt with a private configuration: only trixie's source index, no root needed.
    local apt="$FT_HOME/apt"
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$FT_HOME/src"
    echo "deb-src http://deb.debian.org/debian trixie main" > "$apt/sources.list"
    local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=/nonexistent"
                -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache"
                -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)")
    apt-get "${opts[@]}" -qq update
    (cd "$FT_HOME/src" && apt-get "${opts[@]}" -qq source --download-only python3.13)
}

build_python() {
    build_deps
    local orig
    orig="$(ls "$FT_HOME"/src/python3.13_*.orig.tar.xz 2>/dev/null | tail -1 || true)"
    if [ -z "$orig" ]; then
        fetch_source
        orig="$(ls "$FT_HOME"/src/python3.13_*.orig.tar.xz | tail -1)"
    fi
    log "building $(basename "$orig") with --disable-gil into $PREFIX"
    # Debian's own patches adapt the layout to Debian's multiarch packaging; the upstream
    # tarball of the source package builds as is into a private prefix.
    local work="$FT_HOME/build"
    rm -rf "$work" && mkdir -p "$work"
    tar -xf "$orig" -C "$work" --strip-components=1
    (cd "$work" && ./configure -q --disable-gil --prefix="$PREFIX" --with-ensurepip=install \
        && make -s -j"$(nproc)" && make -s altinstall) > "$FT_HOME/build.log" 2>&1 || {
        tail -40 "$FT_HOME/build.log" >&2; log "build failed (log: $FT_HOME/build.log)"; exit 1; }
    rm -rf "$work"
}

if [ -x "$PY" ] && "$PY" -c 'import sys, ssl, zlib; sys.exit(sys._is_gil_enabled())' 2>/dev/null; then
    log "reusing $PY"
else
    build_python
fi

# The newest NumPy or hypothesis may publish no cp313t wheel (their sdists need a long C
# build, or Rust crates from the network): prefer the newest release that has a wheel,
# here and in pip's isolated build environment.
export PIP_PREFER_BINARY=1
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
(cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet ".[test]")
"$VENV/bin/python" - <<'PY'
import sys
import concore
assert not sys._is_gil_enabled(), "importing concore turned the GIL back on"
print(f"free-threaded {sys.version.split()[0]}: concore {concore.__version__}, "
      f"backend {concore.backend()}, GIL disabled", file=sys.stderr)
PY
echo "$VENV/bin/python"
