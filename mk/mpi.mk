# libgan-mpi (libgan-mpi/, docs/scaling.md): data-parallel training over MPI, an add-on built
# only where pkg-config finds Open MPI's `mpi` module (Debian: openmpi-bin libopenmpi-dev,
# which .ci/run installs). libgan itself never depends on MPI.
#   make mpi          libgan-mpi.so, libgan-mpi.pc, mnist_dcgan_mpi, the MPI test program and
#                     the scaling benchmark gan_bench_mpi
# With MPI found, `make check` and `make check-asan` also run tests/check-mpi.sh (processes
# under mpirun) and `make install` installs the add-on. Not under valgrind: Open MPI's
# shared-memory transport and its own allocations would bury libgan's report.

MPI_FOUND := $(shell $(PKG_CONFIG) --exists mpi 2>/dev/null && echo yes)
MPI_SONAME := libgan-mpi.so.$(VERSION_MAJOR)
MPI_SHARED := $(BUILD)/libgan-mpi.so.$(VERSION)
MPI_PCFILE := $(BUILD)/libgan-mpi.pc
MPI_SOURCES := $(sort $(wildcard libgan-mpi/*.c))
MPI_OBJECTS := $(MPI_SOURCES:%.c=$(BUILD)/obj/%.o)
MPI_PROGRAMS := $(BUILD)/examples/mnist_dcgan_mpi $(BUILD)/tests/mpi/mpi_train \
                $(BUILD)/bench/gan_bench_mpi
MPI_LINKED := $(BUILD)/libgan-mpi.so $(BUILD)/$(MPI_SONAME)

.PHONY: mpi install-mpi uninstall-mpi

ifeq ($(MPI_FOUND),yes)
CHECK_SCRIPTS += tests/check-mpi.sh
CHECK_TOOLS += $(MPI_SHARED) $(MPI_LINKED) $(MPI_PCFILE) $(MPI_PROGRAMS)
ASAN_CHECK_SCRIPTS += tests/check-mpi.sh
ASAN_CHECK_TOOLS += $(MPI_SHARED) $(MPI_LINKED) $(MPI_PROGRAMS) $(BUILD)/tests/tools/png_info
mpi: $(MPI_SHARED) $(MPI_LINKED) $(MPI_PCFILE) $(MPI_PROGRAMS)
else
mpi:
	@echo "libgan-mpi needs MPI: pkg-config finds no 'mpi' module (Debian: apt-get install openmpi-bin libopenmpi-dev)" >&2
	@false
endif

MPI_CFLAGS = -std=c11 $(WARNINGS) -Iinclude -Ilibgan-mpi $(call module_cflags,mpi) \
             $(SANITIZER_FLAGS) $(CFLAGS)

$(BUILD)/obj/libgan-mpi/%.o: libgan-mpi/%.c $(wildcard libgan-mpi/*.h) | deps
	@mkdir -p $(@D)
	$(CC) $(MPI_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(MPI_SHARED): $(MPI_OBJECTS) libgan-mpi/libgan-mpi.map $(LINKED_LIBRARY)
	$(CC) -shared -Wl,-soname,$(MPI_SONAME) -Wl,--version-script=libgan-mpi/libgan-mpi.map \
	    -Wl,--no-undefined $(SANITIZER_FLAGS) $(CFLAGS) -o $@ $(MPI_OBJECTS) \
	    -L$(BUILD) -lgan $(call module_libs,mpi)

$(MPI_LINKED): $(MPI_SHARED)
	ln -sf $(notdir $<) $@

$(MPI_PCFILE): libgan-mpi/libgan-mpi.pc.in $(BUILD)/pc-vars
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' $< > $@

MPI_PROGRAM_LIBS = -L$(BUILD) -lgan-mpi -lgan -Wl,-rpath,$(abspath $(BUILD)) \
                   $(call module_libs,mpi) -lm

$(BUILD)/examples/mnist_dcgan_mpi: examples/mnist_dcgan_mpi.c $(BUILD)/examples/mnist/train.o \
    $(BUILD)/examples/mnist/options.o $(BUILD)/examples/mnist/quality.o \
    $(BUILD)/examples/mnist/workflow.o $(BUILD)/examples/mnist/dcgan.o examples/mnist/train.h \
    $(MPI_LINKED) $(LINKED_LIBRARY)
	@mkdir -p $(@D)
	$(CC) $(MPI_CFLAGS) $< $(filter %.o,$^) -o $@ $(MPI_PROGRAM_LIBS)

$(BUILD)/tests/mpi/%: tests/mpi/%.c $(MPI_LINKED) $(LINKED_LIBRARY)
	@mkdir -p $(@D)
	$(CC) $(MPI_CFLAGS) -D_POSIX_C_SOURCE=200809L $< -o $@ $(MPI_PROGRAM_LIBS)

install-mpi: $(MPI_SHARED) $(MPI_PCFILE)
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 libgan-mpi/gan-mpi.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 755 $(MPI_SHARED) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(MPI_SHARED)) $(DESTDIR)$(LIBDIR)/$(MPI_SONAME)
	ln -sf $(notdir $(MPI_SHARED)) $(DESTDIR)$(LIBDIR)/libgan-mpi.so
	install -m 644 $(MPI_PCFILE) $(DESTDIR)$(PKGCONFIGDIR)/

uninstall-mpi:
	rm -f $(DESTDIR)$(INCLUDEDIR)/gan-mpi.h $(DESTDIR)$(LIBDIR)/$(notdir $(MPI_SHARED)) \
	    $(DESTDIR)$(LIBDIR)/$(MPI_SONAME) $(DESTDIR)$(LIBDIR)/libgan-mpi.so \
	    $(DESTDIR)$(PKGCONFIGDIR)/libgan-mpi.pc

# The scaling benchmark (docs/scaling.md). Like gan_bench it links the static library (its
# workloads include the internal GEMM's reference), so it takes libgan-mpi's objects too: one
# copy of libgan in the program.
MPI_BENCH_SOURCES := bench/mpi/scaling.c bench/workload.c bench/flops.c bench/sgemm.c
$(BUILD)/bench/gan_bench_mpi: $(MPI_BENCH_SOURCES) $(wildcard bench/*.h) $(MPI_OBJECTS) \
    $(BUILD)/examples/mnist/dcgan.o $(BUILD)/examples/mnist/options.o \
    $(BUILD)/examples/mnist/quality.o $(STATIC)
	@mkdir -p $(@D)
	$(CC) $(MPI_CFLAGS) -Ibench -Iexamples -Ilibgan $(call module_cflags,$(LIB_MODULES)) \
	    $(filter %.c %.o,$^) -o $@ $(STATIC) $(call module_libs,$(LIB_MODULES) mpi) \
	    $(LIB_PRIVATE_LIBS)
