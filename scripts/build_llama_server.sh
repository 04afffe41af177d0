#!/usr/bin/env bash
# Build llama.cpp's own C++ server (`llama-server`, continuous batching) for `handbook llm start
# --parallel N` (chapter 7), as part of `make setup`.
#
# It compiles only the server and its helper library (common) from the llama.cpp sources vendored
# in the llama-cpp-python sdist the project pins, and links them against the libllama, libggml* and
# libmtmd that the llama-cpp-python wheel already compiled at setup from those same sources (see
# scripts/llama_server/CMakeLists.txt), so ggml and llama are not compiled twice. Those libraries
# are copied next to the binary, so it keeps working whichever clone's .venv built it.
# No tests, examples, web UI or GPU backends. Idempotent: skipped when the binary exists.
#   scripts/build_llama_server.sh   -> ~/.cache/handbook/llama-server/<version>/bin/llama-server
set -euo pipefail
VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
CACHE=${HANDBOOK_SERVER_CACHE:-$HOME/.cache/handbook/llama-server}
ROOT="$CACHE/$VERSION"
PIP=${PIP:-.venv/bin/pip}
PY=${PY:-$(dirname "$PIP")/python}
CMAKE=${CMAKE:-$(dirname "$PIP")/cmake}   # the pinned cmake from PyPI (pyproject.toml)
[ -x "$CMAKE" ] || CMAKE=cmake
BIN="$ROOT/bin/llama-server"
if [ -x "$BIN" ]; then echo "llama-server already built: $BIN"; exit 0; fi
LIB=$("$PY" -c "import llama_cpp, pathlib; print(pathlib.Path(llama_cpp.__file__).parent / 'lib')")
[ -f "$LIB/libllama.so" ] || { echo "error: no libllama.so in $LIB; run make setup first" >&2; exit 2; }
mkdir -p "$ROOT/src"
SDIST="$ROOT/src/llama_cpp_python-$VERSION.tar.gz"
[ -f "$SDIST" ] || $PIP download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$ROOT/src"
[ -d "$ROOT/src/llama_cpp_python-$VERSION" ] || tar -xzf "$SDIST" -C "$ROOT/src"
SRC="$ROOT/src/llama_cpp_python-$VERSION/vendor/llama.cpp"
start=$(date +%s)
echo "building llama-server (about 2 minutes on two cores; log: $ROOT/build.log)"
"$CMAKE" -S "$(dirname "$0")/llama_server" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release \
  -DLLAMA_SRC="$SRC" -DLLAMA_LIB="$LIB" > "$ROOT/cmake.log"
"$CMAKE" --build "$ROOT/build" --target llama-server -j "$(nproc)" > "$ROOT/build.log" 2>&1 \
  || { tail -20 "$ROOT/build.log" >&2; exit 1; }
mkdir -p "$ROOT/bin.tmp"
cp "$ROOT/build/server/llama-server" "$ROOT/bin.tmp/"
cp -P "$LIB"/lib*.so* "$ROOT/bin.tmp/"
rm -rf "$ROOT/bin" && mv "$ROOT/bin.tmp" "$ROOT/bin"   # appears whole or not at all
echo "built $BIN in $(( $(date +%s) - start )) s"
