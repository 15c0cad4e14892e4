#!/usr/bin/env bash
# Fuzzes the decoding of client frames (fuzz/fuzz_targets/client_frame.rs) for SECONDS
# (default 60), starting from the committed corpus (fuzz/corpus/client_frame).
#
#   scripts/fuzz.sh 30          what `make test` runs: inputs it finds go to a temporary
#                               directory, so the committed corpus stays as it is
#   scripts/fuzz.sh 600 --grow  a long run that adds what it finds to the committed corpus
#                               (then `cargo fuzz cmin` it before committing)
#
# cargo-fuzz wants a nightly compiler for its sanitizer flags; with `-s none` (no address
# sanitizer: the code under test is safe Rust) it needs only what RUSTC_BOOTSTRAP=1 unlocks
# on the stable toolchain installed here. A crash fails the run and leaves the input under
# fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
grow=${2:-}
export PATH="$HOME/.cargo/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi
cd fuzz
if [ "$grow" = --grow ]; then
  corpora=(corpus/client_frame)
else
  found=$(mktemp -d)
  trap 'rm -rf "$found"' EXIT
  corpora=("$found" corpus/client_frame)
fi
RUSTC_BOOTSTRAP=1 cargo fuzz run -s none --release client_frame "${corpora[@]}" -- \
  -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1
