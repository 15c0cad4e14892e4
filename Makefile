# Natter. `make run` serves the chat on the embedded default; `make test` runs every test.
# Both install whatever they need first (scripts/setup.sh).

SHELL := /bin/bash
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
# The browser's build compiles the standard library with the app, for size: unstable flags of
# the stable toolchain (.cargo/config.toml, `lib-cargo-args` in Cargo.toml). Set for every
# command, so the native builds and tests share one build of each dependency.
export RUSTC_BOOTSTRAP := 1

NATTER_ADDR ?= 127.0.0.1:3000
NATTER_DATA_DIR ?= ./data

.PHONY: run dev build test test-rust test-e2e test-fuzz bench setup setup-test clean

setup:
	@scripts/setup.sh build

setup-test:
	@scripts/setup.sh test

## Build the release server and site.
build: setup
	cargo leptos build --release

## Build and serve Natter at http://$(NATTER_ADDR) with SQLite under $(NATTER_DATA_DIR).
run: build
	LEPTOS_SITE_ROOT=target/site ./target/release/natter --addr $(NATTER_ADDR) --data-dir $(NATTER_DATA_DIR)

## Rebuild and reload on every change.
dev: setup
	cargo leptos watch

## Every test: Rust unit and integration tests, then Playwright in Chromium.
test: setup-test test-rust test-e2e test-fuzz

## The scale-out tests need PostgreSQL and Redis on 127.0.0.1 (as on every machine here and in
## CI); `make test` fails without them rather than skip them (NATTER_REQUIRE_SERVICES=0 skips).
NATTER_REQUIRE_SERVICES ?= 1
test-rust:
	NATTER_REQUIRE_SERVICES=$(NATTER_REQUIRE_SERVICES) cargo test

## A short fuzzing run of what clients send: event frames and WebSocket framing, 20 s each
## (longer, growing the corpus: scripts/fuzz.sh 600 --grow).
test-fuzz:
	scripts/fuzz.sh 20

test-e2e:
	cargo leptos build --release
	cargo build --release -p tui
	cd end2end && npx playwright test

## Benchmarks: release server on CPU 0, load generator on CPU 1; writes docs/benchmarks.md
## (then adds the mood scorer's and the search index's sections).
## Scenario e also needs the release site (WASM size) and Chromium (time to connected).
bench: setup-test
	cargo leptos build --release
	cargo build --release -p bench -p tui
	./target/release/natter-bench --natter target/release/natter $(BENCH_ARGS)
	cargo run --release -p engine --example mood_bench -- docs/benchmarks.md
	cargo run --release -p search --example search_bench -- --report docs/benchmarks.md

clean:
	cargo clean
	rm -rf .tools end2end/node_modules
