# FSP build. `make` builds the library, samples and tests into build/;
# `make test` runs the whole suite; `make SANITIZE=1 test` does the same with
# AddressSanitizer + UndefinedBehaviorSanitizer into build-san/.
# Sources are found by wildcard: a new .c file under src/<part>/ joins libfsp,
# under tests/unit/ becomes a unit test, under samples/<name>/ joins that sample.

CC ?= cc
SANITIZE ?= 0
ifeq ($(SANITIZE),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
        -Wno-unused-parameter
CFLAGS ?= $(OPT) -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -pthread -fPIC \
              -fvisibility=hidden -Iinclude -Isrc -MMD -MP
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread

LIB_SRCS := $(wildcard src/kernel/*.c src/native/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
SONAME := libfsp.so.0

# FUSE samples (named *-ll or *-fuse3, *-fuse2) link libfuse3 (libfuse)
# instead: see the FUSE sections at the end. samples/*-common hold code that
# samples share; they are not samples themselves (see "Shared sample code").
SAMPLES := $(filter-out %-ll %-fuse3 %-fuse2 %-common,$(notdir $(wildcard samples/*)))
SAMPLE_BINS := $(SAMPLES:%=$(BUILD)/%)

UNIT_SRCS := $(filter-out tests/unit/test_fuse_% tests/unit/test_fuse2_%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# (a tool is a directory of C sources; tests/tools/py holds Python scripts)
TOOL_DIRS := $(patsubst tests/tools/%/,%,$(sort $(dir $(wildcard tests/tools/*/*.c))))
TOOL_BINS := $(TOOL_DIRS:%=$(BUILD)/tests/%)

.PHONY: all lib samples tests test check-format format clean

all: lib samples tests bench

lib: $(BUILD)/libfsp.a $(BUILD)/libfsp.so
samples: $(SAMPLE_BINS)
tests: $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libfsp.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/$(SONAME): $(LIB_OBJS)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(ALL_LDFLAGS)

$(BUILD)/libfsp.so: $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

# Samples and tests link the static library: they run from the build tree
# without LD_LIBRARY_PATH, and unit tests may reach internal symbols.
# Static pattern rules (so samples and tools never match each other's
# targets); make replaces a literal % in their prerequisites with the stem,
# so the patsubst patterns spell it through a variable.
PERCENT := %
.SECONDEXPANSION:
$(SAMPLE_BINS): $(BUILD)/%: $$(patsubst $$(PERCENT).c,$(BUILD)/obj/$$(PERCENT).o,$$(wildcard samples/$$*/*.c)) $(BUILD)/libfsp.a
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/libfsp.a $(ALL_LDFLAGS)

$(BUILD)/tests/test_%: $(BUILD)/obj/tests/unit/test_%.o $(BUILD)/libfsp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< $(BUILD)/libfsp.a $(ALL_LDFLAGS)

# The conformance suite checks any mounted file system through system calls
# alone; it does not link libfsp, so it builds even while the library does not.
$(BUILD)/tests/conformance: $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/tools/conformance/*.c))
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)

$(filter-out $(BUILD)/tests/conformance,$(TOOL_BINS)): $(BUILD)/tests/%: $$(patsubst $$(PERCENT).c,$(BUILD)/obj/$$(PERCENT).o,$$(wildcard tests/tools/$$*/*.c)) $(BUILD)/libfsp.a
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(filter %.o,$^) $(BUILD)/libfsp.a $(ALL_LDFLAGS)

test: all
	tests/run-tests.sh $(BUILD)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
check-format:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build build-san build-clang

# --- FUSE 3 compatibility: libfuse3.so.3 -------------------------------------
# FSP's own libfuse3: the kernel session plus src/fuse, with libfuse 3.14's
# soname and symbol versions, so programs built against libfuse (ours or
# Debian's) run on it. Samples named *-ll or *-fuse3 and tests/unit/test_fuse_*
# are FUSE programs: they see include/fuse3 only and link this library (with
# an rpath to the build tree, so they never pick up the system's libfuse3).
FUSE3_VERSION := 3.14.0
FUSE3_SONAME := libfuse3.so.3
FUSE3_SRCS := $(wildcard src/fuse/*.c)
FUSE3_OBJS := $(FUSE3_SRCS:%.c=$(BUILD)/obj/%.o)
KERNEL_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/kernel/*.c))
FUSE3_MAP := src/fuse/fuse3.map
FUSE_SAMPLES := $(filter %-ll %-fuse3,$(notdir $(wildcard samples/*)))
FUSE_SAMPLE_BINS := $(FUSE_SAMPLES:%=$(BUILD)/%)
FUSE_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_fuse_*.c))
FUSE3_LIBS := $(BUILD)/libfuse3.so.$(FUSE3_VERSION) $(BUILD)/$(FUSE3_SONAME) $(BUILD)/libfuse3.so \
              $(BUILD)/libfsp-fuse3.a $(BUILD)/pkgconfig/fuse3.pc

.PHONY: fuse3
all: fuse3
fuse3: $(FUSE3_LIBS) $(FUSE_SAMPLE_BINS) $(FUSE_UNIT_BINS)

$(BUILD)/obj/src/fuse/%.o: ALL_CFLAGS += -Iinclude/fuse3
$(BUILD)/obj/tests/unit/test_fuse_%.o: ALL_CFLAGS += -Iinclude/fuse3
$(foreach s,$(FUSE_SAMPLES),$(eval $(BUILD)/obj/samples/$(s)/%.o: ALL_CFLAGS += -Iinclude/fuse3))

$(BUILD)/libfuse3.so.$(FUSE3_VERSION): $(KERNEL_OBJS) $(FUSE3_OBJS) $(FUSE3_MAP)
	$(CC) -shared -Wl,-soname,$(FUSE3_SONAME) -Wl,--version-script=$(FUSE3_MAP) \
	    -Wl,--no-undefined -o $@ $(filter %.o,$^) $(ALL_LDFLAGS)

$(BUILD)/$(FUSE3_SONAME): $(BUILD)/libfuse3.so.$(FUSE3_VERSION)
	ln -sf libfuse3.so.$(FUSE3_VERSION) $@

$(BUILD)/libfuse3.so: $(BUILD)/$(FUSE3_SONAME)
	ln -sf $(FUSE3_SONAME) $@

$(BUILD)/libfsp-fuse3.a: $(KERNEL_OBJS) $(FUSE3_OBJS)
	@rm -f $@
	ar rcs $@ $^

# pkg-config file for programs built against this tree (PKG_CONFIG_PATH=
# $(BUILD)/pkgconfig). A sanitizer build passes its flags on, since a
# program must load the sanitizer runtime before the library.
$(BUILD)/pkgconfig/fuse3.pc: Makefile
	@mkdir -p $(dir $@)
	printf '%s\n' 'prefix=$(CURDIR)' 'libdir=$(abspath $(BUILD))' \
	    'includedir=$(CURDIR)/include/fuse3' '' 'Name: fuse3' \
	    'Description: FSP, a FUSE 3 library for Linux (libfuse 3.14 compatible)' \
	    'Version: $(FUSE3_VERSION)' \
	    'Libs: -L$${libdir} -lfuse3 -pthread $(SANFLAGS)' \
	    'Cflags: -I$${includedir} -D_FILE_OFFSET_BITS=64 $(SANFLAGS)' >$@

$(FUSE_SAMPLE_BINS): $(BUILD)/%: $$(patsubst $$(PERCENT).c,$(BUILD)/obj/$$(PERCENT).o,$$(wildcard samples/$$*/*.c)) $(BUILD)/libfuse3.so
	$(CC) -o $@ $(filter %.o,$^) -L$(BUILD) -lfuse3 -Wl,-rpath,'$$ORIGIN' $(ALL_LDFLAGS)

$(FUSE_UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libfuse3.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< -L$(BUILD) -lfuse3 -Wl,-rpath,'$$ORIGIN/..' $(ALL_LDFLAGS)
# FUSE_REGISTER_MODULE's variable must be visible to the library's lookup.
$(BUILD)/tests/test_fuse_modules: ALL_LDFLAGS += -rdynamic

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
# Dependency files are made by the compiler only: without this, make would try
# to remake each included .d through the samples' catch-all $(BUILD)/% rule,
# which builds libfsp first.
$(BUILD)/obj/%.d: ;

# --- FUSE 2 compatibility: libfuse.so.2 ---------------------------------------
# FSP's libfuse2: the kernel session, a second build of src/fuse (FUSE 3)
# whose names that FUSE 2 redefines get an fsp3_ prefix
# (src/fuse2/fuse3_names.h), and src/fuse2, which serves FUSE 2 file systems
# through it. Soname and symbol versions are libfuse 2.9's. Samples named
# *-fuse2 see include/fuse only and link this library.
FUSE2_VERSION := 2.9.9
FUSE2_SONAME := libfuse.so.2
FUSE2_MAP := src/fuse2/fuse.map
FUSE2_NAMES := src/fuse2/fuse3_names.h
FUSE2_CORE_OBJS := $(FUSE3_SRCS:%.c=$(BUILD)/obj/fuse2-core/%.o)
FUSE2_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard src/fuse2/*.c))
FUSE2_SAMPLES := $(filter %-fuse2,$(notdir $(wildcard samples/*)))
FUSE2_SAMPLE_BINS := $(FUSE2_SAMPLES:%=$(BUILD)/%)
FUSE2_LIBS := $(BUILD)/libfuse.so.$(FUSE2_VERSION) $(BUILD)/$(FUSE2_SONAME) $(BUILD)/libfuse.so \
              $(BUILD)/pkgconfig/fuse.pc

.PHONY: fuse2
all: fuse2
fuse2: $(FUSE2_LIBS) $(FUSE2_SAMPLE_BINS)

FUSE2_CORE_CFLAGS := -Iinclude/fuse3 -include $(FUSE2_NAMES)
$(BUILD)/obj/fuse2-core/%.o: %.c $(FUSE2_NAMES)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(FUSE2_CORE_CFLAGS) -c $< -o $@
$(BUILD)/obj/src/fuse2/%.o: ALL_CFLAGS += $(FUSE2_CORE_CFLAGS)
$(FUSE2_OBJS): $(FUSE2_NAMES)
$(foreach s,$(FUSE2_SAMPLES),$(eval $(BUILD)/obj/samples/$(s)/%.o: ALL_CFLAGS += -Iinclude/fuse -D_FILE_OFFSET_BITS=64))

$(BUILD)/libfuse.so.$(FUSE2_VERSION): $(KERNEL_OBJS) $(FUSE2_CORE_OBJS) $(FUSE2_OBJS) $(FUSE2_MAP)
	$(CC) -shared -Wl,-soname,$(FUSE2_SONAME) -Wl,--version-script=$(FUSE2_MAP) \
	    -Wl,--no-undefined -o $@ $(filter %.o,$^) $(ALL_LDFLAGS)

$(BUILD)/$(FUSE2_SONAME): $(BUILD)/libfuse.so.$(FUSE2_VERSION)
	ln -sf libfuse.so.$(FUSE2_VERSION) $@

$(BUILD)/libfuse.so: $(BUILD)/$(FUSE2_SONAME)
	ln -sf $(FUSE2_SONAME) $@

# As fuse3.pc: PKG_CONFIG_PATH=$(BUILD)/pkgconfig pkg-config --cflags --libs fuse
$(BUILD)/pkgconfig/fuse.pc: Makefile
	@mkdir -p $(dir $@)
	printf '%s\n' 'prefix=$(CURDIR)' 'libdir=$(abspath $(BUILD))' \
	    'includedir=$(CURDIR)/include/fuse' '' 'Name: fuse' \
	    'Description: FSP, a FUSE 2 library for Linux (libfuse 2.9 compatible)' \
	    'Version: $(FUSE2_VERSION)' \
	    'Libs: -L$${libdir} -lfuse -pthread $(SANFLAGS)' \
	    'Cflags: -I$${includedir} -D_FILE_OFFSET_BITS=64 $(SANFLAGS)' >$@

# FUSE 2 unit tests (tests/unit/test_fuse2_*.c) see include/fuse only and
# link this library, as tests/unit/test_fuse_* do libfuse3.
FUSE2_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_fuse2_*.c))
fuse2: $(FUSE2_UNIT_BINS)
$(BUILD)/obj/tests/unit/test_fuse2_%.o: ALL_CFLAGS += -Iinclude/fuse -D_FILE_OFFSET_BITS=64
$(FUSE2_UNIT_BINS): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libfuse.so
	@mkdir -p $(dir $@)
	$(CC) -o $@ $< -L$(BUILD) -lfuse -Wl,-rpath,'$$ORIGIN/..' $(ALL_LDFLAGS)

$(FUSE2_SAMPLE_BINS): $(BUILD)/%: $$(patsubst $$(PERCENT).c,$(BUILD)/obj/$$(PERCENT).o,$$(wildcard samples/$$*/*.c)) $(BUILD)/libfuse.so
	$(CC) -o $@ $(filter %.o,$^) -L$(BUILD) -lfuse -Wl,-rpath,'$$ORIGIN' $(ALL_LDFLAGS)
# --- end of FUSE 2 --------------------------------------------------------------

# --- Shared sample code -------------------------------------------------------
# samples/memfs-common: the in-memory file system that memfs-fuse2 and
# memfs-fuse3 both serve. It includes no FUSE header, so it is compiled once,
# with the project's flags only (64-bit off_t, as its callers have), and
# linked into both.
MEMFS_COMMON_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard samples/memfs-common/*.c))
$(BUILD)/obj/samples/memfs-common/%.o: ALL_CFLAGS += -D_FILE_OFFSET_BITS=64
$(BUILD)/memfs-fuse2 $(BUILD)/memfs-fuse3: $(MEMFS_COMMON_OBJS)
# --- end of shared sample code ------------------------------------------------

# --- Benchmarks: `make bench` -------------------------------------------------
# bench/fsbench: a POSIX port of WinFsp's fsbench (see bench/README.md). It
# uses system calls only and does not link libfsp. Built by `all` too, so
# CI notices when it stops compiling; it never runs in the tests.
FSBENCH_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard bench/fsbench/*.c))

.PHONY: bench
bench: $(BUILD)/bench/fsbench

$(BUILD)/bench/fsbench: $(FSBENCH_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS)
# --- end of benchmarks --------------------------------------------------------
