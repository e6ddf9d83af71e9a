# qemu-init: build, test, install.  Everything the build makes goes to build/.

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
RUNSTATEDIR ?= /run
CONFDIR      = $(SYSCONFDIR)/qemu
RUNDIR       = $(RUNSTATEDIR)/qemu-init
VERSION      = 0.1.0

CC      ?= cc
CFLAGS  ?= -O2
WARN     = -Wall -Wextra -Werror
DEFS     = -std=c11 -D_GNU_SOURCE -DQI_CONFDIR='"$(CONFDIR)"' \
           -DQI_RUNDIR='"$(RUNDIR)"' -DQI_VERSION='"$(VERSION)"'
ALLFLAGS = $(CFLAGS) $(WARN) $(DEFS) -Isrc/lib
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=all

B        = build
PROGS    = qemu-init qemu-cmd qemu-mon qemu-netif
LIBSRC   = $(sort $(wildcard src/lib/*.c))
LIBHDR   = $(wildcard src/lib/*.h)
LIBOBJ   = $(LIBSRC:src/lib/%.c=$(B)/obj/%.o)
ASANOBJ  = $(LIBSRC:src/lib/%.c=$(B)/asan/obj/%.o)
UNITSRC  = $(sort $(wildcard tests/unit/*.c))
UNITMAIN = tests/unit/main.c
UNITTEST = $(filter-out $(UNITMAIN) tests/unit/unit.h,$(UNITSRC))
BINS     = $(PROGS:%=$(B)/bin/%)

all: $(BINS) $(B)/bin/qemu-brup $(B)/bin/qemu-brdown

$(B)/obj/%.o: src/lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(ALLFLAGS) -c -o $@ $<

$(B)/libqinit.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(B)/bin/%: src/%.c $(B)/libqinit.a $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(ALLFLAGS) -o $@ $< $(B)/libqinit.a $(LDFLAGS)

$(B)/bin/qemu-brup $(B)/bin/qemu-brdown: $(B)/bin/qemu-netif
	ln -sf qemu-netif $@

# Unit tests: one binary, built twice (plain and ASan+UBSan).
$(B)/unit: $(UNITSRC) $(B)/libqinit.a tests/unit/unit.h
	$(CC) $(ALLFLAGS) -Itests/unit -o $@ $(UNITSRC) $(B)/libqinit.a

$(B)/asan/obj/%.o: src/lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(WARN) $(DEFS) -Isrc/lib -c -o $@ $<

$(B)/asan/unit: $(UNITSRC) $(ASANOBJ) tests/unit/unit.h
	$(CC) $(SANFLAGS) $(WARN) $(DEFS) -Isrc/lib -Itests/unit -o $@ $(UNITSRC) $(ASANOBJ)

unit: $(B)/unit $(B)/asan/unit
	$(B)/unit
	$(B)/asan/unit

deps:
	@tests/deps.sh

check: deps all unit guest
	prove -v tests/*.t

$(B)/guest/vmlinuz $(B)/guest/initrd.gz: tests/guest/build.sh tests/guest/init
	tests/guest/build.sh $(B)/guest

guest: $(B)/guest/vmlinuz

demo: deps all guest
	tests/demo.sh

bench: all guest
	bench/run.sh

clean:
	rm -rf $(B)

.PHONY: all deps unit check guest demo bench clean

# Fuzzing (clang's libFuzzer): make fuzz FUZZ_SECONDS=60 runs each target.
FUZZ_SECONDS ?= 20
FUZZCC       ?= clang
FUZZFLAGS     = -g -O1 -fsanitize=fuzzer,address,undefined $(DEFS) -Isrc/lib
FUZZERS       = $(patsubst fuzz/%.c,$(B)/fuzz/%,$(wildcard fuzz/fuzz_*.c))

$(B)/fuzz/%: fuzz/%.c $(LIBSRC) $(LIBHDR)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZFLAGS) -o $@ $< $(LIBSRC)

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
		name=$${f##*/fuzz_}; mkdir -p $(B)/fuzz/corpus-$$name; \
		echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		    -artifact_prefix=$(B)/fuzz/crash-$$name- \
		    $(B)/fuzz/corpus-$$name fuzz/corpus/$$name \
		    2>$(B)/fuzz/$$name.log || { tail -30 $(B)/fuzz/$$name.log; exit 1; }; \
		tail -1 $(B)/fuzz/$$name.log; \
	done

.PHONY: fuzz
