#!/usr/bin/env bash
# Installs what building (and, with `test`, testing) Natter needs and is missing. Idempotent:
# each step checks first, so a machine that has everything pays only the checks.
#
#   scripts/setup.sh build   toolchain: wasm target, cargo-leptos, wasm-bindgen CLI, wasm-opt
#   scripts/setup.sh test    the above, plus Chromium, the end-to-end npm packages and cargo-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mode=${1:-build}
tools=$root/.tools
export PATH="$tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs a newer rustc than this toolchain
BINARYEN_VERSION=132          # older wasm-opt (e.g. Debian's 108) breaks hydration

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The browser's build compiles the standard library from source (.cargo/config.toml).
if ! rustup component list --installed | grep -q '^rust-src'; then
  say "adding the rust-src component"
  rustup component add rust-src
fi

if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

# The CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wbg=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  say "installing wasm-bindgen-cli $wbg"
  cargo install wasm-bindgen-cli --version "$wbg"
fi

need_npm=()
[ -x "$tools/node_modules/.bin/wasm-opt" ] || need_npm+=("binaryen@$BINARYEN_VERSION")
if [ ${#need_npm[@]} -gt 0 ]; then
  command -v npm >/dev/null || { say "installing Node.js and npm"; apt-get update -qq; apt-get install -y -qq nodejs npm; }
  say "installing ${need_npm[*]} into .tools"
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || echo '{"private": true}' > "$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund "${need_npm[@]}"
fi

if [ "$mode" = test ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
  # Chinese text and colour emoji in the browser's screenshots (the languages' tests and
  # docs/screenshots): without these fonts they show as boxes.
  if ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || ! fc-list 2>/dev/null | grep -qi "Noto Color Emoji"; then
    say "installing the CJK and emoji fonts"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk fonts-noto-color-emoji
  fi
  # The end-to-end tests drive the terminal client in tmux sessions.
  if ! command -v tmux >/dev/null; then
    say "installing tmux"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux
  fi
  if ! cargo fuzz --version >/dev/null 2>&1; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
  if [ ! -d end2end/node_modules/@playwright/test ] || [ ! -d end2end/node_modules/@axe-core/playwright ]; then
    say "installing the end-to-end test packages"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
  # The S3 test (files/tests/s3.rs) runs against moto's S3-compatible server, kept in a
  # virtualenv of its own. A half-made virtualenv (no moto_server) is made again.
  if [ ! -x "$tools/moto/bin/moto_server" ]; then
    if ! command -v python3 >/dev/null || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
      say "installing Python's venv"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
    fi
    say "installing moto's S3-compatible server into .tools/moto"
    rm -rf "$tools/moto"
    mkdir -p "$tools"
    python3 -m venv "$tools/moto"
    "$tools/moto/bin/pip" install -q --disable-pip-version-check 'moto[server]==5.*'
  fi
fi
say "ready ($mode)"
