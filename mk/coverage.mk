# Coverage and ThreadSanitizer (docs/reliability.md).
#
#   make coverage     the library, tests, examples and check tools built with --coverage into
#                     build/coverage; runs what `make check` runs; prints gcovr's line and
#                     branch coverage overall, per file and for the file parsers; writes the
#                     HTML report to build/coverage/html/index.html. Fails if a test failed.
#   make check-tsan   the library and the tests built with -fsanitize=thread into build/tsan,
#                     and run; any data race reported fails the run.
# Neither is part of `make check`.

.PHONY: coverage coverage-report check-tsan

# ---- coverage ---------------------------------------------------------------------------

COVERAGE_BUILD := build/coverage
# -O0 so every line and branch of the source maps to code gcov can count; atomic counter
# updates, because test_threads_tsan runs libgan on two threads at once (plain increments
# lose counts there, and gcov then derives negative branch counts).
COVERAGE_CFLAGS := -O0 -g --coverage -fprofile-update=atomic
# The file parsers: every file that turns bytes read from a file into values. The IDX reader;
# the safetensors reader (header, offsets, checksum); the checked JSON parse; architecture
# JSON to layers; the model loader (a file's tensors against a model); the checkpoint loader
# (the training state). Not png.c or atomic_file.c (they only write), nor dataset.c (it
# converts what idx.c read and checked).
COVERAGE_PARSERS := libgan/data/idx.c libgan/io/safetensors.c libgan/io/json.c \
                    libgan/io/architecture.c libgan/io/model_file.c \
                    libgan/gan/trainer_checkpoint.c
# --exclude-unreachable-branches drops the branches gcc attributes to lines without code
# (a closing brace: 6 branches today); --exclude-throw-branches drops exception edges, which
# C compiled without -fexceptions does not have: it changes no figure (measured).
GCOVR_OPTIONS := --root . --filter 'libgan/' --exclude-unreachable-branches \
                 --exclude-throw-branches

# The run goes on to the report when a test fails (the figures still say something), then
# fails with the tests' status. Old counters are removed first so each run starts from zero,
# and the objects too when the flags changed (the rules do not track flags). The static
# library's users (check-pkgconfig links it with --static) need libgcov.
coverage: | fetch-mnist
	@scripts/install-deps.sh gcovr
	@mkdir -p $(COVERAGE_BUILD)
	@echo '$(COVERAGE_CFLAGS)' | cmp -s - $(COVERAGE_BUILD)/cflags || \
	    { rm -rf $(COVERAGE_BUILD)/obj $(COVERAGE_BUILD)/tests; \
	      echo '$(COVERAGE_CFLAGS)' > $(COVERAGE_BUILD)/cflags; }
	@find $(COVERAGE_BUILD) -name '*.gcda' -delete
	@$(MAKE) --no-print-directory BUILD=$(COVERAGE_BUILD) CFLAGS="$(COVERAGE_CFLAGS)" \
	    LIB_PRIVATE_LIBS="$(LIB_PRIVATE_LIBS) -lgcov" check; status=$$?; \
	    $(MAKE) --no-print-directory coverage-report && exit $$status

# The report of whatever counters build/coverage holds (e.g. after running one test by hand).
coverage-report:
	@mkdir -p $(COVERAGE_BUILD)/html
	@gcovr $(GCOVR_OPTIONS) --csv $(COVERAGE_BUILD)/coverage.csv \
	    --html-details $(COVERAGE_BUILD)/html/index.html $(COVERAGE_BUILD)/obj
	@scripts/coverage-summary.sh $(COVERAGE_BUILD)/coverage.csv $(COVERAGE_PARSERS)
	@echo "coverage: HTML report in $(COVERAGE_BUILD)/html/index.html"

# ---- ThreadSanitizer ---------------------------------------------------------------------

TSAN_BUILD := build/tsan
# ThreadSanitizer instruments libgan and the test, not OpenBLAS (a prebuilt library): the
# run sets OPENBLAS_NUM_THREADS=1 so every OpenBLAS call runs on the thread that called it.
# OpenBLAS's thread pool synchronises through its own spin-waits, which TSan cannot see; with
# more BLAS threads TSan would check nothing more of libgan and could report OpenBLAS's
# internals. libgan's own worker pool is instrumented: test_kernels runs it at 2 and 3
# threads, with two application threads sharing it. No suppression file: a report fails
# the run.
TSAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
TSAN_TESTS ?= test_threads_tsan test_threads test_kernels test_data_parallel
TSAN_PROGRAMS = $(TSAN_TESTS:%=$(TSAN_BUILD)/tests/%)

check-tsan:
	@$(MAKE) --no-print-directory BUILD=$(TSAN_BUILD) SANITIZER_FLAGS="$(TSAN_FLAGS)" \
	    all $(TSAN_PROGRAMS)
	@OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    tests/run.sh $(TSAN_PROGRAMS)
