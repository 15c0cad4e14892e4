#!/usr/bin/env bash
# Fuzzes what clients send, each target for SECONDS (default 60), starting from its
# committed corpus (fuzz/corpus/TARGET):
#   client_frame  the decoding of an event frame and the field rules (fuzz_targets/client_frame.rs)
#   ws_stream     the WebSocket framing of the bytes on a live connection (fuzz_targets/ws_stream.rs)
#   markup_text   message text parsed as markup: safe links, no panic (fuzz_targets/markup_text.rs)
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
status=0
for target in client_frame ws_stream markup_text; do
  mkdir -p "corpus/$target"
  if [ "$grow" = --grow ]; then
    corpora=("corpus/$target")
  else
    found=$(mktemp -d)
    corpora=("$found" "corpus/$target")
  fi
  echo "[fuzz] $target for ${seconds}s" >&2
  RUSTC_BOOTSTRAP=1 cargo fuzz run -s none --release "$target" "${corpora[@]}" -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 || status=$?
  [ "$grow" = --grow ] || rm -rf "$found"
  [ "$status" = 0 ] || exit "$status"
done
