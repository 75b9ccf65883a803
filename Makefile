# libgan — a plain GNU Makefile.
#   make                 the shared and static libraries and libgan.pc, in $(BUILD)
#   make demo            the main job: build and run the example program
#   make bench           time libgan's benchmark workloads (docs/performance.md)
#   make bench-compare   the same workloads in libgan and PyTorch, side by side
#   make check           every test, plus the header, pkg-config, symbol and ABI checks
#   make check-asan      the tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-valgrind  the tests under valgrind (leaks and memory errors fail)
#   make check-clang     `make check` with clang and clang++
#   make install         honours DESTDIR, PREFIX, LIBDIR, INCLUDEDIR, PKGCONFIGDIR
#   make mpi             the MPI add-on libgan-mpi and its example, where MPI is found (mk/mpi.mk)
#   make abi-dump        rewrite the committed ABI baseline abi/libgan.abi (on a release)
#   make docs            the API reference (Doxygen) in $(BUILD)/docs

# The version lives in one place: include/gan/version.h.
version_field = $(shell sed -n 's/^\#define GAN_VERSION_$(1) \([0-9][0-9]*\).*/\1/p' include/gan/version.h)
VERSION_MAJOR := $(call version_field,MAJOR)
VERSION_MINOR := $(call version_field,MINOR)
VERSION_PATCH := $(call version_field,PATCH)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
DESTDIR ?=

BUILD ?= build
CC ?= cc
CXX ?= c++
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
SANITIZE ?=

# pkg-config modules the library links, and what else it needs from the system.
LIB_MODULES := openblas lapacke libcjson zlib libpng
LIB_PRIVATE_LIBS := -lm -pthread
TEST_MODULES := cmocka

# Expanded when a recipe runs, i.e. after the `deps` prerequisite installed what was missing.
module_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
module_libs = $(shell $(PKG_CONFIG) --libs $(1))

WARNINGS := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla -Wformat=2
ifeq ($(SANITIZE),1)
SANITIZER_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
LIB_CFLAGS = -std=c11 $(WARNINGS) -fPIC -fvisibility=hidden -Iinclude -Ilibgan \
             $(call module_cflags,$(LIB_MODULES)) $(SANITIZER_FLAGS) $(CFLAGS)

SOURCES := $(sort $(wildcard libgan/*/*.c))
OBJECTS := $(SOURCES:%.c=$(BUILD)/obj/%.o)
SONAME := libgan.so.$(VERSION_MAJOR)
SHARED := $(BUILD)/libgan.so.$(VERSION)
STATIC := $(BUILD)/libgan.a
PCFILE := $(BUILD)/libgan.pc
HEADERS := include/gan.h $(sort $(wildcard include/gan/*.h))

TEST_SOURCES := $(sort $(wildcard tests/test_*.c))
TEST_PROGRAMS := $(TEST_SOURCES:tests/%.c=$(BUILD)/tests/%)
# Script checks: each prints TAP like the cmocka programs.
CHECK_SCRIPTS := tests/check-headers.sh tests/check-pkgconfig.sh tests/check-symbols.sh \
                 tests/check-abi.sh tests/check-docs.sh tests/check-examples.sh \
                 tests/check-bench.sh
EXAMPLES := $(BUILD)/examples/hello $(BUILD)/examples/mnist_gan $(BUILD)/examples/mnist_dcgan \
            $(BUILD)/examples/generate $(BUILD)/examples/mnist_classifier $(BUILD)/examples/mnist_eval
# Helper programs of the check scripts.
CHECK_TOOLS := $(BUILD)/tests/tools/png_info $(BUILD)/bench/gan_bench

# Check scripts that `make check-asan` also runs, with the tools they need built there.
ASAN_CHECK_SCRIPTS :=
ASAN_CHECK_TOOLS :=

# Reliability (docs/reliability.md): each fragment adds its own targets, and may append to
# CHECK_SCRIPTS and CHECK_TOOLS what `make check` must run (ASAN_* for check-asan).
include mk/fuzz.mk mk/coverage.mk

.DEFAULT_GOAL := all

FORCE:

.PHONY: FORCE all deps test-deps demo check check-asan check-clang check-valgrind check-symbols abi-dump \
        abi-check install uninstall docs clean
.DELETE_ON_ERROR:

all: $(SHARED) $(BUILD)/$(SONAME) $(BUILD)/libgan.so $(STATIC) $(PCFILE)

deps:
	@scripts/install-deps.sh make pkg-config cc $(LIB_MODULES)

test-deps:
	@scripts/install-deps.sh pkg-config $(LIB_MODULES) $(TEST_MODULES) c++ abidw abidiff nm readelf doxygen

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(SHARED): $(OBJECTS) libgan.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=libgan.map -Wl,--no-undefined \
	    $(SANITIZER_FLAGS) $(CFLAGS) -o $@ $(OBJECTS) \
	    $(call module_libs,$(LIB_MODULES)) $(LIB_PRIVATE_LIBS)

$(BUILD)/$(SONAME) $(BUILD)/libgan.so: $(SHARED)
	ln -sf $(notdir $<) $@

$(STATIC): $(OBJECTS)
	@rm -f $@
	$(AR) rcs $@ $^

# libgan.pc is remade whenever the install directories change.
$(BUILD)/pc-vars: FORCE
	@mkdir -p $(@D)
	@echo '$(PREFIX)|$(LIBDIR)|$(INCLUDEDIR)|$(VERSION)' | cmp -s - $@ 2>/dev/null || \
	    echo '$(PREFIX)|$(LIBDIR)|$(INCLUDEDIR)|$(VERSION)' > $@

$(PCFILE): libgan.pc.in $(BUILD)/pc-vars
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES_PRIVATE@|$(LIB_MODULES)|' \
	    -e 's|@LIBS_PRIVATE@|$(LIB_PRIVATE_LIBS)|' $< > $@

# Programs that use libgan (tests, examples) link the shared library from the build tree.
PROGRAM_CFLAGS = -std=c11 $(WARNINGS) -Iinclude $(SANITIZER_FLAGS) $(CFLAGS)
PROGRAM_LIBS = -L$(BUILD) -lgan -Wl,-rpath,$(abspath $(BUILD)) -lm
# The link-time name and the run-time (SONAME) name of the library.
LINKED_LIBRARY := $(BUILD)/libgan.so $(BUILD)/$(SONAME)

# Every test program depends on every test header (they are few and small).
$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(LINKED_LIBRARY) | test-deps
	@mkdir -p $(@D)
	$(CC) $(PROGRAM_CFLAGS) -D_POSIX_C_SOURCE=200809L -Itests -Ilibgan \
	    $(call module_cflags,$(TEST_MODULES) $(LIB_MODULES)) $< -o $@ \
	    $(PROGRAM_LIBS) $(call module_libs,$(TEST_MODULES) $(LIB_MODULES)) -pthread

# White-box tests call internal functions (gan__*), which the shared library hides, so they
# link the static library instead (all of libgan, one copy: its allocator hooks are the
# program's own): test_parser_branches (the file parsers), test_kernels (GEMM, SIMD and
# thread-pool kernels) and test_random_slices (slices of a random fill).
WHITE_BOX_TESTS := $(BUILD)/tests/test_parser_branches $(BUILD)/tests/test_kernels \
                   $(BUILD)/tests/test_random_slices
$(WHITE_BOX_TESTS): $(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(STATIC) | test-deps
	@mkdir -p $(@D)
	$(CC) $(PROGRAM_CFLAGS) -D_POSIX_C_SOURCE=200809L -Itests -Ilibgan \
	    $(call module_cflags,$(TEST_MODULES) $(LIB_MODULES)) $< -o $@ $(STATIC) \
	    $(call module_libs,$(TEST_MODULES) $(LIB_MODULES)) $(LIB_PRIVATE_LIBS) -pthread

# An example is one file, plus the shared driver for the MNIST trainers.
$(BUILD)/examples/%: examples/%.c $(LINKED_LIBRARY)
	@mkdir -p $(@D)
	$(CC) $(PROGRAM_CFLAGS) $< $(filter %.o,$^) -o $@ $(PROGRAM_LIBS)

$(BUILD)/examples/mnist_gan $(BUILD)/examples/mnist_dcgan: $(BUILD)/examples/mnist/train.o \
    $(BUILD)/examples/mnist/options.o $(BUILD)/examples/mnist/quality.o \
    $(BUILD)/examples/mnist/workflow.o examples/mnist/train.h
$(BUILD)/examples/mnist_dcgan: $(BUILD)/examples/mnist/dcgan.o
$(BUILD)/examples/mnist_classifier: $(BUILD)/examples/mnist/options.o \
    $(BUILD)/examples/mnist/quality.o
$(BUILD)/examples/mnist_eval: $(BUILD)/examples/mnist/quality.o

# The MNIST examples' shared parts; each object depends on every header of the folder.
$(BUILD)/examples/mnist/%.o: examples/mnist/%.c $(wildcard examples/mnist/*.h)
	@mkdir -p $(@D)
	$(CC) $(PROGRAM_CFLAGS) -c $< -o $@

# The MPI add-on, where MPI is found (after the rules of the programs it builds on).
include mk/mpi.mk

# The main job: train the DCGAN on MNIST for about 5 minutes on 2 cores, then plot the
# losses and measure the generator (docs/quality.md explains the figures).
DEMO_OUT ?= $(BUILD)/demo
DEMO_ARGS ?= --epochs 1 --threads 2
demo: $(EXAMPLES) | demo-deps
	@scripts/fetch-mnist.sh
	$(BUILD)/examples/mnist_dcgan $(DEMO_ARGS) --out $(DEMO_OUT)
	@scripts/plot-loss.sh $(DEMO_OUT)/stats.csv $(DEMO_OUT)/loss.png $(DEMO_OUT)/quality.png
	$(BUILD)/examples/mnist_eval $(DEMO_OUT)/generator.safetensors --threads 2 | tee $(DEMO_OUT)/quality.txt
	@echo "demo: samples (epoch-*.png, samples.png), stats.csv, loss plot, quality.txt, generator and checkpoint in $(DEMO_OUT)/"

.PHONY: demo-deps
demo-deps: deps
	@scripts/install-deps.sh gnuplot || echo "demo: going on without gnuplot (no loss plot)"

# The benchmark (docs/performance.md): `make bench` times libgan's workloads, each in a
# process of its own; `make bench-compare` times PyTorch's too (Debian's python3-torch) and
# prints both side by side. BENCH_* shorten a run: make bench BENCH_SECONDS=2 BENCH_THREADS=1
BENCH_SECONDS ?= 10
BENCH_REPEATS ?= 3
BENCH_THREADS ?= 1 2
BENCH_WORKLOADS ?=
BENCH_PYTHON ?= /usr/bin/python3
BENCH_OPTIONS = --seconds $(BENCH_SECONDS) --repeats $(BENCH_REPEATS) --threads "$(BENCH_THREADS)" \
                $(if $(BENCH_WORKLOADS),--workloads "$(BENCH_WORKLOADS)")
BENCH_OBJECTS := $(BUILD)/examples/mnist/dcgan.o $(BUILD)/examples/mnist/options.o \
                 $(BUILD)/examples/mnist/quality.o
.PHONY: bench bench-compare

# gan_bench links the static library: its sgemm-libgan reference calls the internal GEMM.
$(BUILD)/bench/gan_bench: $(wildcard bench/*.c bench/*.h) $(BENCH_OBJECTS) $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(PROGRAM_CFLAGS) -Iexamples -Ilibgan $(call module_cflags,$(LIB_MODULES)) \
	    $(filter %.c %.o,$^) -o $@ $(STATIC) $(call module_libs,$(LIB_MODULES)) \
	    $(LIB_PRIVATE_LIBS)

bench: $(BUILD)/bench/gan_bench | fetch-mnist
	@bench/run.sh $(BENCH_OPTIONS) --out $(BUILD)/bench/libgan.csv

bench-compare: $(BUILD)/bench/gan_bench | fetch-mnist
	@BENCH_PYTHON=$(BENCH_PYTHON) bench/compare.sh $(BUILD)/bench $(BENCH_OPTIONS)

# MNIST (and Fashion-MNIST) for the tests and examples: scripts/fetch-mnist.sh --help.
MNIST_DIR ?= build/data/mnist
FASHION_MNIST_DIR ?= build/data/fashion-mnist
export MNIST_DIR FASHION_MNIST_DIR
.PHONY: fetch-mnist fetch-fashion-mnist
fetch-mnist:
	@scripts/fetch-mnist.sh
fetch-fashion-mnist:
	@scripts/fetch-mnist.sh --fashion

export BUILD CC CXX PKG_CONFIG VERSION SONAME

check: all $(TEST_PROGRAMS) $(EXAMPLES) $(CHECK_TOOLS) | fetch-mnist
	@tests/run.sh $(TEST_PROGRAMS) $(CHECK_SCRIPTS)

# The same programs, built with sanitizers into their own tree.
check-asan: | fetch-mnist
	@$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=1 asan-programs
	@BUILD=build/asan ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    UBSAN_OPTIONS=print_stacktrace=1 \
	    tests/run.sh $(TEST_SOURCES:tests/%.c=build/asan/tests/%) $(ASAN_CHECK_SCRIPTS)

.PHONY: asan-programs
asan-programs: all $(TEST_PROGRAMS) $(ASAN_CHECK_TOOLS)

# Everything again with clang (library, tests, and the headers as C++ with clang++).
check-clang:
	@scripts/install-deps.sh clang
	@$(MAKE) --no-print-directory BUILD=build/clang CC=clang CXX=clang++ check

check-valgrind: all $(TEST_PROGRAMS) | fetch-mnist
	@scripts/install-deps.sh valgrind
	@tests/run.sh --wrapper "valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99" $(TEST_PROGRAMS)

check-symbols: all
	@tests/check-symbols.sh

abi-check: all
	@tests/check-abi.sh

abi-dump: all
	@scripts/install-deps.sh abidw
	abidw --no-corpus-path --no-comp-dir-path --headers-dir include --drop-private-types \
	    --out-file abi/libgan.abi $(SHARED)

install: all $(if $(MPI_FOUND),install-mpi)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/gan $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 include/gan.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(wildcard include/gan/*.h) $(DESTDIR)$(INCLUDEDIR)/gan/
	install -m 755 $(SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(SHARED)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(notdir $(SHARED)) $(DESTDIR)$(LIBDIR)/libgan.so
	install -m 644 $(STATIC) $(DESTDIR)$(LIBDIR)/
	install -m 644 $(PCFILE) $(DESTDIR)$(PKGCONFIGDIR)/

uninstall: $(if $(MPI_FOUND),uninstall-mpi)
	rm -f $(DESTDIR)$(INCLUDEDIR)/gan.h $(addprefix $(DESTDIR)$(INCLUDEDIR)/gan/,$(notdir $(wildcard include/gan/*.h)))
	-rmdir $(DESTDIR)$(INCLUDEDIR)/gan
	rm -f $(DESTDIR)$(LIBDIR)/$(notdir $(SHARED)) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libgan.so $(DESTDIR)$(LIBDIR)/libgan.a $(DESTDIR)$(PKGCONFIGDIR)/libgan.pc

docs:
	@scripts/install-deps.sh doxygen
	@mkdir -p $(BUILD)/docs
	( cat docs/Doxyfile; echo "OUTPUT_DIRECTORY=$(BUILD)/docs"; echo "PROJECT_NUMBER=$(VERSION)" ) | doxygen -

clean:
	rm -rf build

-include $(OBJECTS:.o=.d)
