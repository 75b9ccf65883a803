# Fuzzing (docs/reliability.md, fuzz/README.md).
#
#   make fuzz         builds the libFuzzer targets with clang (fuzzer, address, undefined) in
#                     build/fuzz and runs each for FUZZ_SECONDS (one after the other); prints
#                     per target the executions, speed, coverage, corpus and crash files.
#                     New inputs go to build/fuzz/corpus/TARGET, never to fuzz/corpus.
#                     FUZZ_TARGETS picks targets: make fuzz FUZZ_TARGETS=idx FUZZ_SECONDS=600
#   make fuzz-seeds   rewrites the generated seeds in fuzz/corpus (fuzz/make_seeds.c)
#
# `make check` replays every committed corpus through the same targets built without a
# fuzzing engine (fuzz/replay.c; tests/check-fuzz-corpora.sh), and `make check-asan` does
# the same with the AddressSanitizer build.

.PHONY: fuzz fuzz-seeds

# The list of targets lives in fuzz/targets.sh (with their seed folders and options).
FUZZ_ALL_TARGETS := $(shell . fuzz/targets.sh && echo "$$FUZZ_ALL_TARGETS")
FUZZ_TARGETS ?= $(FUZZ_ALL_TARGETS)
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
# The harness every target, the replay and the seed maker link.
FUZZ_SUPPORT := fuzz/fuzz_support.c fuzz/fuzz_fixtures.c
FUZZ_HEADERS := fuzz/fuzz_support.h fuzz/fuzz_fixtures.h
FUZZ_REPLAYS := $(FUZZ_ALL_TARGETS:%=$(BUILD)/fuzz/replay_%)

# The targets call internal (gan__*) functions, so they link the static library.
FUZZ_CFLAGS = -std=c11 $(WARNINGS) -D_POSIX_C_SOURCE=200809L -Iinclude -Ilibgan -Ifuzz \
              $(call module_cflags,$(LIB_MODULES)) $(SANITIZER_FLAGS) $(CFLAGS)
fuzz_link = $(CC) $(FUZZ_CFLAGS) $(1) -o $@ $(STATIC) $(call module_libs,$(LIB_MODULES)) \
            $(LIB_PRIVATE_LIBS) -pthread

CHECK_TOOLS += $(FUZZ_REPLAYS)
CHECK_SCRIPTS += tests/check-fuzz-corpora.sh

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c $(FUZZ_SUPPORT) $(FUZZ_HEADERS) $(STATIC)
	@mkdir -p $(@D)
	$(call fuzz_link,$< fuzz/replay.c $(FUZZ_SUPPORT))

$(BUILD)/fuzz/make_seeds: fuzz/make_seeds.c $(FUZZ_SUPPORT) $(FUZZ_HEADERS) $(STATIC)
	@mkdir -p $(@D)
	$(call fuzz_link,$< $(FUZZ_SUPPORT))

fuzz-seeds: $(BUILD)/fuzz/make_seeds
	$(BUILD)/fuzz/make_seeds fuzz/corpus

# check-asan replays the corpora too, with the replays built with the sanitizers.
ASAN_CHECK_TOOLS += $(FUZZ_REPLAYS)
ASAN_CHECK_SCRIPTS += tests/check-fuzz-corpora.sh

# ---- libFuzzer --------------------------------------------------------------------------

# The library and the targets are instrumented for coverage (fuzzer-no-link) and checked by
# ASan and UBSan; UBSan findings abort, so libFuzzer records them as crashes.
FUZZ_ENGINE_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
                      -fno-sanitize-recover=all

ifeq ($(BUILD),$(FUZZ_BUILD))
$(BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_SUPPORT) $(FUZZ_HEADERS) $(STATIC)
	$(call fuzz_link,-fsanitize=fuzzer $< $(FUZZ_SUPPORT))
endif

fuzz:
	@scripts/install-deps.sh clang
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="$(FUZZ_ENGINE_CFLAGS)" \
	    $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
	@fuzz/run.sh --seconds $(FUZZ_SECONDS) --build $(FUZZ_BUILD) $(FUZZ_TARGETS)
