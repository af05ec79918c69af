# rmqd: a RocketMQ-compatible NameServer and broker.
#   make            build build/rmqd
#   make deps       install missing Debian packages (and a JDK + Maven for compat-tests)
#   make run        deps + build + start rmqd standalone (store under ./data)
#   make test       deps + build + unit tests + compatibility tests
#   make SAN=1 test AddressSanitizer + UndefinedBehaviorSanitizer build (unit tests)
#   make fuzz       libFuzzer targets, bounded in time (installs clang if missing)
#   make fuzz-merge fold the fuzzers' new units into fuzz/corpus, minimized

CXX      ?= g++
BUILD    ?= build
JOBS     ?= $(shell nproc 2>/dev/null || echo 2)
PKGS     := libuv openssl yaml-cpp zlib
CXXFLAGS := -std=c++20 -O2 -g -Wall -Wextra -Wno-unused-parameter -Isrc -MMD -MP
LDLIBS   := -lpthread

ifeq ($(SAN),1)
BUILD    := build-san
CXXFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

ALL_SRCS  := $(shell find src -name '*.cc' 2>/dev/null | sort)
TEST_SRCS := $(filter %_test.cc,$(ALL_SRCS))
FUZZ_SRCS := $(filter %_fuzz.cc,$(ALL_SRCS))
MAIN_SRCS := src/server/main.cc
LIB_SRCS  := $(filter-out $(TEST_SRCS) $(FUZZ_SRCS) $(MAIN_SRCS),$(ALL_SRCS))
TOOL_SRCS := $(wildcard tools/*.cc)

LIB_OBJS  := $(LIB_SRCS:%.cc=$(BUILD)/%.o)
TEST_OBJS := $(TEST_SRCS:%.cc=$(BUILD)/%.o)
MAIN_OBJS := $(MAIN_SRCS:%.cc=$(BUILD)/%.o)
TOOLS     := $(TOOL_SRCS:tools/%.cc=$(BUILD)/tools/%)

.PHONY: all deps run test unit-test compat-test fuzz fuzz-merge clean bench-smoke bench crash-test store-scale hostile-test disk-full-test topic-scale topic-scale-smoke test-full

all: $(BUILD)/rmqd $(TOOLS)

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/librmq.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/rmqd: $(MAIN_OBJS) $(BUILD)/librmq.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/unit_tests: $(TEST_OBJS) $(BUILD)/librmq.a
	$(CXX) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/tools/%: tools/%.cc $(BUILD)/librmq.a
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/librmq.a $(PKG_LIBS) $(LDLIBS)

deps:
	@sh tools/install_deps.sh

run: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	./$(BUILD)/rmqd standalone

unit-test: $(BUILD)/unit_tests
	./$(BUILD)/unit_tests

compat-test: all
	bash compat-tests/run.sh $(BUILD)/rmqd

# SIGKILL rmqd under a Java producer, SYNC_FLUSH and ASYNC_FLUSH, 20 cycles each (~2.5 min; ports
# 23876/24911); see tools/crash_test.sh.
crash-test: $(BUILD)/rmqd $(BUILD)/tools/store_inspect
	@bash tools/crash_test.sh $(BUILD)

# Hostile clients against a real rmqd (ports 27876/28911, ~1 min): many extFields, never-reading
# senders, trickled and oversized frames, the memory limit, idle and burst connections; part of
# `make test`; see tools/hostile_test.py and docs/reliability.md.
hostile-test: $(BUILD)/rmqd
	@python3 tools/hostile_test.py $(BUILD)

# rmqd on a 96 MiB tmpfs filled to the last page: no SIGBUS, Java's disk-full answer, reads and a
# restart on the full disk, writes again once space is freed (~15 s; needs root; ports
# from 41876/41911); see tools/disk_full_test.sh.
disk-full-test: $(BUILD)/rmqd
	@bash tools/disk_full_test.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all $(BUILD)/unit_tests
	@bash tools/run_tests.sh $(BUILD)

fuzz:
	@sh tools/install_deps.sh --fuzz
	@bash tools/run_fuzz.sh

# Folds the units the fuzzers found (build-fuzz/corpus) into fuzz/corpus, minimized.
fuzz-merge:
	@sh tools/install_deps.sh --fuzz
	@bash tools/run_fuzz.sh --merge

# Loopback smoke run of tools/loadgen against rmqd (ports 25876/26911), 10 s; see tools/bench/smoke.sh.
bench-smoke: $(BUILD)/rmqd $(BUILD)/tools/loadgen
	@bash tools/bench/smoke.sh $(BUILD)

# rmqd vs the Java 4.9.7 NameServer+broker, same workloads and clients; writes docs/bench/results.json
# and docs/performance.md. BENCH_QUICK=1 for short runs (see tools/bench/run_bench.py).
bench: $(BUILD)/rmqd $(BUILD)/tools/loadgen
	python3 tools/bench/run_bench.py --build $(BUILD)

# Issue #3's scale proof: 10M messages in one queue, clean open, GetMessage at any offset, rmqd
# start-up to the first route answer (ports 33876/34911, 34909/34912). ~1 min and ~3.2 GB under
# /tmp, removed afterwards; not part of `make test`. STORE_SCALE_ARGS for tools/store_scale options.
store-scale: $(BUILD)/rmqd $(BUILD)/tools/store_scale
	@dir=$$(mktemp -d /tmp/rmqd-store-scale.XXXXXX) && ./$(BUILD)/tools/store_scale $$dir/store $(STORE_SCALE_ARGS); \
	rc=$$?; rm -rf "$$dir"; exit $$rc

# Issue #11 item 6's scale proof: 100,000 topics created through UPDATE_AND_CREATE_TOPIC (routes
# sampled, restart to the first route under 1 s), then 1,000,000 topics written into topics.json
# (start, route, register, RSS), then 220,000 long random names whose body passes 16 MiB even
# compressed (rmqd must log it and send nothing). Ports 42876/42911 (and 42909/42912); ~1 min on 2 cores, ~0.5 GB
# under /tmp, removed afterwards; not part of `make test`. See tools/topic_scale.cc.
topic-scale: $(BUILD)/rmqd $(BUILD)/tools/topic_scale
	@dir=$$(mktemp -d /tmp/rmqd-topic-scale.XXXXXX) && \
	./$(BUILD)/tools/topic_scale $$dir/creates --creates 100000 --create-bound 600 && \
	./$(BUILD)/tools/topic_scale $$dir/config --write-config 1000000 && \
	./$(BUILD)/tools/topic_scale $$dir/oversize --write-config 220000 --name-len 127 --expect-oversize --start-timeout 60; \
	rc=$$?; rm -rf "$$dir"; exit $$rc

# The short variant `make test` runs (tools/run_tests.sh): 20,000 creates within 20 s (before the
# coalesced persistence and incremental registration, main managed ~2,000 in 20 s), sampled
# routes, restart to the first route under 1 s. ~5 s.
topic-scale-smoke: $(BUILD)/rmqd $(BUILD)/tools/topic_scale
	@dir=$$(mktemp -d /tmp/rmqd-topic-scale.XXXXXX) && \
	./$(BUILD)/tools/topic_scale $$dir/creates --creates 20000 --create-bound 20; \
	rc=$$?; rm -rf "$$dir"; exit $$rc

# The long suites that `make test` runs only a short variant of (run them before resolving an issue):
# 100k/1M topics, 10M messages in one queue, and every fuzz target for FUZZ_SECONDS (600) each.
test-full: topic-scale store-scale
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-600} $(MAKE) --no-print-directory fuzz

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
