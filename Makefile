# Thin wrapper: meson + ninja are the real build.
#   make demo   install deps, build, run the main job (tern + tern-gen, quic-echo over memif)
#   make test   install deps, build, run every test
BUILD   ?= build
MESON   ?= meson
DEPS    ?= 1

.PHONY: all deps setup build test demo bench bench-tls bench-quic bench-engine format clean

all: build

deps:
ifeq ($(DEPS),1)
	./scripts/install-deps
endif

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD)

setup: deps $(BUILD)/build.ninja

build: setup
	ninja -C $(BUILD)

test: build
	$(MESON) test -C $(BUILD) --print-errorlogs

demo: build
	./scripts/demo $(BUILD)

bench: build
	./scripts/bench-report $(BUILD)/bench/tern-bench-crypto --reps 3 --out $(BUILD)/bench-crypto.json

bench-tls: build
	./scripts/bench-tls $(BUILD)/bench/tern-bench-tls --reps 3 --out $(BUILD)/bench-tls.json

bench-quic: build
	./scripts/bench-quic $(BUILD)/bench/tern-bench-quic --reps 3 --out $(BUILD)/bench-quic.json
	./scripts/bench-quic-loopback --build $(BUILD) --size 100M --reps 3 --json $(BUILD)/bench-quic-loopback.json

bench-engine: build
	./scripts/bench-engine --build $(BUILD) --out $(BUILD)/bench-engine.json

format:
	git ls-files '*.c' '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan
