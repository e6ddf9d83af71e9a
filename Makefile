# qemu-init: build, test, install.  Everything the build makes goes to build/.

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
LIBEXECDIR  ?= $(PREFIX)/libexec
SYSCONFDIR  ?= /etc
RUNSTATEDIR ?= /run
CONFDIR      = $(SYSCONFDIR)/qemu
RUNDIR       = $(RUNSTATEDIR)/qemu-init
VERSION      = 0.1.0

# CFLAGS, CPPFLAGS and LDFLAGS come from the environment or the command
# line (dpkg-buildflags' hardening flags, say); the project's own flags
# are added to them, never replaced by them.
CC      ?= cc
CFLAGS  ?= -O2
WARN     = -Wall -Wextra -Werror
DEFS     = -std=c11 -D_GNU_SOURCE -DQI_CONFDIR='"$(CONFDIR)"' \
           -DQI_RUNDIR='"$(RUNDIR)"' -DQI_VERSION='"$(VERSION)"'
ALLFLAGS = $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEFS) -Isrc/lib
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
	$(CC) $(ALLFLAGS) $(LDFLAGS) -o $@ $< $(B)/libqinit.a

$(B)/bin/qemu-brup $(B)/bin/qemu-brdown: $(B)/bin/qemu-netif
	ln -sf qemu-netif $@

# Unit tests: one binary, built twice (plain and ASan+UBSan).
$(B)/unit: $(UNITSRC) $(B)/libqinit.a tests/unit/unit.h
	$(CC) $(ALLFLAGS) $(LDFLAGS) -Itests/unit -o $@ $(UNITSRC) $(B)/libqinit.a

$(B)/asan/obj/%.o: src/lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(SANFLAGS) $(WARN) $(DEFS) -Isrc/lib -c -o $@ $<

$(B)/asan/unit: $(UNITSRC) $(ASANOBJ) tests/unit/unit.h
	$(CC) $(SANFLAGS) $(WARN) $(DEFS) -Isrc/lib -Itests/unit -o $@ $(UNITSRC) $(ASANOBJ)

# Each fuzz target, built with fuzz/replay.c in place of libFuzzer and
# run over its seed corpus: it compiles against the library as it is
# now, whether or not clang is here (make fuzz, CI).
REPLAYS = $(patsubst fuzz/%.c,$(B)/asan/%,$(wildcard fuzz/fuzz_*.c))

$(B)/asan/fuzz_%: fuzz/fuzz_%.c fuzz/replay.c $(ASANOBJ)
	$(CC) $(SANFLAGS) $(WARN) $(DEFS) -Isrc/lib -o $@ $< fuzz/replay.c $(ASANOBJ)

unit: $(B)/unit $(B)/asan/unit $(REPLAYS)
	$(B)/unit
	$(B)/asan/unit
	@for f in $(REPLAYS); do \
		$$f fuzz/corpus/$${f##*/fuzz_} || exit 1; \
	done

# The Debian packages: deps-demo what make demo needs (a compiler and
# QEMU), deps those and what the tests need; as root they are installed,
# none of them starting a service or putting a kernel in /boot (see
# tests/deps.sh).
deps:
	@tests/deps.sh

deps-demo:
	@tests/deps.sh demo

# The integration tests, JOBS test files at a time (each has its own
# ports, namespaces and folders: tests/lib.sh), the slowest first so that
# none of them is left to run alone at the end; make check JOBS=1 runs
# them one after the other.  CI=true (.ci/run) fails any skip of a test.
JOBS     ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$((n < 2 ? 2 : n)))
SLOWTESTS = tests/create.t tests/systemd.t tests/backup.t tests/snapshot.t \
            tests/distro-agent.t tests/distro-uefi.t tests/deps.t \
            tests/ansible.t tests/distro.t tests/remote.t tests/deb.t \
            tests/confine.t tests/migrate.t
TESTS     = $(SLOWTESTS) $(filter-out $(SLOWTESTS),$(sort $(wildcard tests/*.t)))

check: deps sysuser all unit guest guest-debian guest-cloud
	prove -j$(JOBS) -v --timer $(TESTS)

# The test guest, from Debian's kernel and busybox-static packages,
# downloaded and unpacked into $(B)/guest-pkgs (never installed); rebuilt
# only when its scripts change.
$(B)/guest-pkgs/key: tests/guest/fetch.sh
	tests/guest/fetch.sh $(B)/guest-pkgs

$(B)/guest/vmlinuz $(B)/guest/initrd.gz: tests/guest/build.sh tests/guest/init \
    $(B)/guest-pkgs/key
	tests/guest/build.sh $(B)/guest $(B)/guest-pkgs

guest: $(B)/guest/vmlinuz

# The Debian 12 guest (tests/distro.t): debootstrap, as root, a few
# minutes the first time on this machine (kept in
# /var/tmp/qemu-init-guests by tests/guest/cache.sh for the next clone);
# rebuilt only when the builder script changes (its hash is the key).
guest-debian:
	tests/guest/cache.sh tests/guest/debian.sh $(B)/guest-debian \
	    disk.qcow2 vmlinuz initrd.img

# The cloud image (tests/create.t, the bench): Debian 12 with cloud-init,
# made by debootstrap as root, cached under /var/tmp in a folder named by
# the hash of its recipe (make clean keeps it).
guest-cloud:
	tests/guest/cloud.sh

demo: deps-demo sysuser all guest
	tests/demo.sh

bench: all guest guest-debian guest-cloud
	bench/run.sh

clean:
	rm -rf $(B)

# The system user QEMU runs as when qemu-init, as root, starts it, with
# subordinate ids for a uid of each VM's own (libexec/sysuser; qemu-init(8)
# SECURITY CONSIDERATIONS): made where missing, as root; else said.
sysuser:
	@if [ "$$(id -u)" -eq 0 ]; then libexec/sysuser add; \
	elif ! libexec/sysuser check; then \
		echo "sysuser: run as root: libexec/sysuser add"; fi

.PHONY: all deps deps-demo unit check guest guest-debian guest-cloud demo \
    bench clean sysuser

# The paths and version baked into the programs: when one of them differs
# from the last build's (make install SYSCONFDIR=...), they are rebuilt.
$(B)/build-paths: FORCE
	@mkdir -p $(@D)
	@echo 'CONFDIR=$(CONFDIR) RUNDIR=$(RUNDIR) VERSION=$(VERSION)' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(LIBOBJ) $(ASANOBJ) $(BINS) $(B)/unit $(B)/asan/unit: $(B)/build-paths

# Installation.  The shipped configuration files are installed only where
# none exists yet, and uninstalled only while they are as shipped.
MANPAGES = $(sort $(wildcard man/*.[1-9]))
UNITS    = qemu-init.service qemu-init@.service
CONFFILES = monitor.conf qemu-init.reg example-qemu.cfg
SUBST    = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@CONFDIR@|$(CONFDIR)|g'

$(B)/systemd/%.service: etc/systemd/%.service $(B)/build-paths
	@mkdir -p $(@D)
	$(SUBST) $< > $@

$(B)/bash-completion/qemu-init: etc/bash-completion/qemu-init $(B)/build-paths
	@mkdir -p $(@D)
	$(SUBST) $< > $@

install: all $(UNITS:%=$(B)/systemd/%) $(B)/bash-completion/qemu-init
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CONFDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR) \
	    $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(filter %.1,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(filter %.5,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(filter %.8,$(MANPAGES)) $(DESTDIR)$(MANDIR)/man8/
	install -m 644 $(UNITS:%=$(B)/systemd/%) $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -m 644 $(B)/bash-completion/qemu-init $(DESTDIR)$(BASHCOMPDIR)/qemu-init
	install -d $(DESTDIR)$(LIBEXECDIR)/qemu-init
	install -m 755 libexec/sysuser $(DESTDIR)$(LIBEXECDIR)/qemu-init/sysuser
	ln -sf qemu-init $(DESTDIR)$(BASHCOMPDIR)/qemu-cmd
	ln -sf qemu-init $(DESTDIR)$(BASHCOMPDIR)/qemu-mon
	@for f in $(CONFFILES); do \
		if [ -e $(DESTDIR)$(CONFDIR)/$$f ]; then \
			echo "keeping the existing $(DESTDIR)$(CONFDIR)/$$f"; \
		else \
			echo "install -m 644 etc/qemu/$$f $(DESTDIR)$(CONFDIR)/$$f"; \
			install -m 644 etc/qemu/$$f $(DESTDIR)$(CONFDIR)/$$f || exit 1; \
		fi; \
	done
	ln -sf $(BINDIR)/qemu-netif $(DESTDIR)$(CONFDIR)/qemu-brup
	ln -sf $(BINDIR)/qemu-netif $(DESTDIR)$(CONFDIR)/qemu-brdown
	@# The system user, on this system only (a package's scripts make it).
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" -eq 0 ]; then \
		echo "$(LIBEXECDIR)/qemu-init/sysuser add"; \
		$(LIBEXECDIR)/qemu-init/sysuser add; \
	fi

# The OCF resource agent (contrib/ocf/README.md), for Pacemaker's nodes:
# ocf:qemu-init:qemu-init.  Not part of install or of the package.
# Where Pacemaker looks (OCF_ROOT), whatever PREFIX is.
OCFDIR ?= /usr/lib/ocf/resource.d
install-ocf:
	install -D -m 755 contrib/ocf/qemu-init $(DESTDIR)$(OCFDIR)/qemu-init/qemu-init

uninstall-ocf:
	rm -f $(DESTDIR)$(OCFDIR)/qemu-init/qemu-init
	-rmdir $(DESTDIR)$(OCFDIR)/qemu-init

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%)
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man1/%,$(filter %.1,$(MANPAGES)))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man5/%,$(filter %.5,$(MANPAGES)))
	rm -f $(patsubst man/%,$(DESTDIR)$(MANDIR)/man8/%,$(filter %.8,$(MANPAGES)))
	rm -f $(UNITS:%=$(DESTDIR)$(SYSTEMDUNITDIR)/%)
	rm -f $(DESTDIR)$(BASHCOMPDIR)/qemu-init $(DESTDIR)$(BASHCOMPDIR)/qemu-cmd \
	    $(DESTDIR)$(BASHCOMPDIR)/qemu-mon
	rm -f $(DESTDIR)$(CONFDIR)/qemu-brup $(DESTDIR)$(CONFDIR)/qemu-brdown
	rm -f $(DESTDIR)$(LIBEXECDIR)/qemu-init/sysuser
	-rmdir $(DESTDIR)$(LIBEXECDIR)/qemu-init 2>/dev/null
	@for f in $(CONFFILES); do \
		if cmp -s etc/qemu/$$f $(DESTDIR)$(CONFDIR)/$$f; then \
			echo "rm -f $(DESTDIR)$(CONFDIR)/$$f"; \
			rm -f $(DESTDIR)$(CONFDIR)/$$f || exit 1; \
		elif [ -e $(DESTDIR)$(CONFDIR)/$$f ]; then \
			echo "keeping $(DESTDIR)$(CONFDIR)/$$f: it differs from the shipped one"; \
		fi; \
	done
	@if [ -d $(DESTDIR)$(CONFDIR) ] && [ -z "$$(ls -A $(DESTDIR)$(CONFDIR))" ]; then \
		echo "rmdir $(DESTDIR)$(CONFDIR)"; \
		rmdir $(DESTDIR)$(CONFDIR); \
	fi

FORCE:

.PHONY: install uninstall install-ocf uninstall-ocf FORCE

# The Debian package (debian/), built by dpkg-buildpackage in a clean
# clone of the commit checked out (uncommitted changes are not in it),
# into DEBDIR: qemu-init_$(VERSION)_<arch>.deb, the -dbgsym one of its
# debug symbols, the .buildinfo and the .changes.
DEBDIR ?= $(B)/deb

deb:
	rm -rf $(DEBDIR)/src $(DEBDIR)/qemu-init_* $(DEBDIR)/qemu-init-dbgsym_*
	git clone -q . $(DEBDIR)/src
	@git diff --quiet HEAD || echo "deb: uncommitted changes are not in the package"
	cd $(DEBDIR)/src && dpkg-buildpackage -us -uc -b
	rm -rf $(DEBDIR)/src
	@ls $(DEBDIR)/*.deb

.PHONY: deb

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
