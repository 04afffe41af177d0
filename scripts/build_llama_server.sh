#!/usr/bin/env bash
# Build llama.cpp's own C++ server (`llama-server`, continuous batching) for `handbook llm start
# --parallel N` (chapter 7). It uses the llama.cpp sources vendored in the llama-cpp-python sdist
# the project already pins, builds only the server target (no tests, examples or GPU backends),
# native CPU flags with Intel AMX off (its kernels crash this build on some Xeons, see
# lib/handbook/llm/no_amx.py). Idempotent: skipped when the binary exists.
#   scripts/build_llama_server.sh            -> ~/.cache/handbook/llama-server/bin/llama-server
set -euo pipefail
VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}
ROOT=${HANDBOOK_SERVER_CACHE:-$HOME/.cache/handbook/llama-server}
PIP=${PIP:-.venv/bin/pip}
BIN="$ROOT/bin/llama-server"
if [ -x "$BIN" ]; then echo "llama-server already built: $BIN"; exit 0; fi
mkdir -p "$ROOT/src"
SDIST="$ROOT/src/llama_cpp_python-$VERSION.tar.gz"
[ -f "$SDIST" ] || $PIP download -q --no-deps --no-binary :all: "llama-cpp-python==$VERSION" -d "$ROOT/src"
[ -d "$ROOT/src/llama_cpp_python-$VERSION" ] || tar -xzf "$SDIST" -C "$ROOT/src"
SRC="$ROOT/src/llama_cpp_python-$VERSION/vendor/llama.cpp"
start=$(date +%s)
cmake -S "$SRC" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON \
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
  -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF > "$ROOT/cmake.log"
cmake --build "$ROOT/build" --target llama-server -j "$(nproc)" > "$ROOT/build.log"
mkdir -p "$ROOT/bin" && cp "$ROOT/build/bin/llama-server" "$BIN"
echo "built $BIN in $(( $(date +%s) - start )) s"
