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

# The default scenario set: the seeds' stories, the contract's example, a
# camera pipeline on ION and on DMA-BUF heaps, and the deferred-free
# fragmentation trace.
DEMO_SCENARIOS = scenarios/basics/contract_example.ion \
	scenarios/sharing/unix_socket_two_procs.ion \
	scenarios/drivers/dmabuf_test_from_user.ion \
	scenarios/drivers/dmabuf_test_from_kernel.ion \
	scenarios/sharing/camera_compositor.ion \
	scenarios/dmaheap/camera_pipeline_dmaheap.ion \
	scenarios/lifetime/orphaned_buffer.ion \
	scenarios/fragmentation/samsung_deferred_carveout.ion

## The main job: the camera -> compositor story through the embedding API,
## then the default scenario set replayed by `ionsim run`, with its summary.
demo: build
	./build/default/tools/ionsim-demo
	@echo
	./build/default/tools/ionsim run $(DEMO_SCENARIOS)

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

## Line coverage of the library and the tools (gcov + gcovr).
coverage: deps
	@cmake --preset coverage >/dev/null
	@cmake --build --preset coverage -j$(JOBS)
	cd build/coverage && ctest $(CTEST_FLAGS)
	gcovr -r . build/coverage --filter 'sim/' --filter 'heaps/' \
	      --filter 'model/' --filter 'scenarios/' --filter 'tools/' \
	      --print-summary \
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
