# ionsim - a thin wrapper around CMake, so that two commands do everything on
# a fresh Debian machine: `make demo` and `make test`.  CMake is the build.

JOBS ?= $(shell nproc)
CTEST_FLAGS ?= --output-on-failure -j$(JOBS)

.PHONY: all deps build demo test memcheck asan coverage bench install clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j$(JOBS)

## The main job: the built-in demo on the default board.
demo: build
	./build/default/tools/ionsim-demo

## Every test suite (Check, through ctest).
test: build
	@cd build/default && { ctest $(CTEST_FLAGS); status=$$?; \
	  ../../scripts/test-summary.sh Testing/Temporary/LastTest.log; exit $$status; }

## The unit suites again under valgrind memcheck: any error or leak fails.
memcheck: build
	cd build/default && CK_FORK=no ctest -T memcheck $(CTEST_FLAGS)

## The suites under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@cmake --preset debug-asan >/dev/null
	@cmake --build --preset debug-asan -j$(JOBS)
	cd build/debug-asan && ctest $(CTEST_FLAGS)

## Line coverage of the library (gcov + gcovr).
coverage: deps
	@cmake --preset coverage >/dev/null
	@cmake --build --preset coverage -j$(JOBS)
	cd build/coverage && ctest $(CTEST_FLAGS)
	gcovr -r . build/coverage --filter 'sim/' --filter 'heaps/' \
	      --filter 'model/' --filter 'scenarios/' --print-summary \
	      --txt build/coverage/coverage.txt

## Benchmarks (figures, not tests), built optimised.
bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j$(JOBS)
	@for b in build/release/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

install: build
	cmake --install build/default

clean:
	rm -rf build
