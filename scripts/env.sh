# Sourced by every script: where the tools live, and PATH so the right ones are found first.
export FLOTILLA_TOOLS="${FLOTILLA_TOOLS:-$HOME/.cache/flotilla}"
export FLOTILLA_VENV="${FLOTILLA_VENV:-$FLOTILLA_TOOLS/venv}"
export WASM_PACK_CACHE="$FLOTILLA_TOOLS/wasm-pack-cache"
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# wasm-opt from the npm package binaryen must come before any system wasm-opt.
export PATH="$_root/node_modules/binaryen/bin:$FLOTILLA_TOOLS/bin:$HOME/.cargo/bin:$PATH"
unset _root
