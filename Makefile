# SPDX-License-Identifier: GPL-2.0
# User-facing targets of hyv. The kernel build itself is in Kbuild.
#
#   make [W=1]             hyv.ko in the tree, against the stock Debian
#                          headers (KDIR=... to use another kernel tree)
#   make modules-stock     the same, built in build/modules-stock
#   make modules-testbed   against the L1 test kernel, in build/modules-testbed
#   make modules-testbed-vmx  against the VMX machine's L1 kernel
#   make selftests         selftests/*_test (kselftest_harness.h from the
#                          L1 kernel source)
#   make vmm               vmm/hyv-demo and the VMM
#   make guest-drivers     hyv_pv.ko, hyv_pvblk.ko, hyv_pvnet.ko (W=1 with
#                          W=1) against KDIR, in build/guest-drivers-stock
#   make guest-drivers-testbed  the same + hyv_pvblk_kunit.ko and
#                          hyv_pvnet_kunit.ko against the L1 kernel, in
#                          build/guest-drivers-testbed
#   make pv-tests          vmm/pv: libhyvpv.a and its userspace tests
#   make testbed-tools     testbed/tools (blkverify) in build/testbed-tools
#   make check             install what is missing, build everything, run
#                          all tests in the emulated machines; ends on
#                          "N passed, N failed" (docs/testing.md)
#   make l2-check          only the L2 suite (hyv-run boots the stock
#                          kernel in L1), in the SVM machine
#   make run               boot the stock kernel in QEMU (L1), load hyv.ko,
#                          run the demo, then the stock kernel as L2 under
#                          hyv-run: an interactive shell (poweroff or
#                          Ctrl-A x leaves); CMD="..." runs a command in L2
#                          and exits with its status; ACCEL=kvm CPUS= MEM=
#   make fuzz              soak the fuzzers (fuzz_race_test, fuzz_test) and
#                          lifecycle_test in the SVM machine, long:
#                          HYV_FUZZ_SECONDS= (600) HYV_FUZZ_ITERS= (400000)
#                          HYV_FUZZ_SEED= (docs/testing.md)
#   make bench             hyv beside KVM in the SVM machine (bench/run.sh)
#   make checkpatch        checkpatch.pl --strict over our C sources
#   make sparse            sparse (C=2) over hyv.ko
#   make clean
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

KDIR ?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
export KDIR
BUILD := $(CURDIR)/build
L1_KERNEL := $(CURDIR)/testbed/l1-kernel.sh

# The testbed builds hyv.ko from a copy of the module sources under build/:
# its objects never mix with an in-tree build for another kernel, and an
# in-tree `make` can run while `make check` does. Copies get a fresh mtime
# (--no-times): a header saved during a run must still trigger a rebuild.
sync-module-src = mkdir -p $(1) && rsync -a --no-times --checksum --delete --prune-empty-dirs \
	--exclude=/build/ --exclude=/.git/ --exclude=/selftests/ --exclude=/vmm/ \
	--exclude=/bench/ \
	--exclude='*.mod.c' \
	--include='*/' --include=Kbuild --include='*.[chS]' --include='*.inc' --exclude='*' \
	$(CURDIR)/ $(1)/

CHECKPATCH_DIRS := $(wildcard host guest-drivers uapi selftests vmm)

# The guest drivers build from a copy too, with uapi/ beside them.
sync-guest-src = mkdir -p $(1) && rsync -a --no-times --checksum --delete \
	--exclude='*.mod.c' --include='*/' --include=Kbuild --include='*.[ch]' \
	--exclude='*' $(CURDIR)/guest-drivers $(CURDIR)/uapi $(1)/

.PHONY: all modules modules-stock modules-testbed modules-testbed-vmx \
	selftests vmm setup guest-drivers guest-drivers-testbed pv-tests testbed-tools \
	check l2-check fuzz run bench checkpatch sparse clean

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules-stock:
	$(call sync-module-src,$(BUILD)/modules-stock)
	$(MAKE) -C $(KDIR) M=$(BUILD)/modules-stock modules

modules-testbed:
	kdir=$$($(L1_KERNEL)); \
	$(call sync-module-src,$(BUILD)/modules-testbed); \
	$(MAKE) -C "$$kdir" M=$(BUILD)/modules-testbed modules

# The same against the VMX machine's kernel (testbed/l1-kernel-vmx.config).
modules-testbed-vmx:
	kdir=$$($(L1_KERNEL) --variant vmx); \
	$(call sync-module-src,$(BUILD)/modules-testbed-vmx); \
	$(MAKE) -C "$$kdir" M=$(BUILD)/modules-testbed-vmx modules

selftests:
	$(MAKE) -C selftests KSRC="$$($(L1_KERNEL) --source)"

vmm:
	$(MAKE) -C vmm

guest-drivers:
	$(call sync-guest-src,$(BUILD)/guest-drivers-stock)
	$(MAKE) -C $(KDIR) M=$(BUILD)/guest-drivers-stock/guest-drivers modules

guest-drivers-testbed:
	kdir=$$($(L1_KERNEL)); \
	$(call sync-guest-src,$(BUILD)/guest-drivers-testbed); \
	$(MAKE) -C "$$kdir" M=$(BUILD)/guest-drivers-testbed/guest-drivers modules

pv-tests:
	$(MAKE) -C vmm/pv

# Static helpers for the testbed's images (testbed/tools: blkverify).
testbed-tools:
	$(MAKE) -C testbed/tools OUT=$(BUILD)/testbed-tools

setup:
	@testbed/setup.sh

check: setup
	+@testbed/check.sh

run: setup
	+@CMD="$(CMD)" ACCEL="$(ACCEL)" CPUS="$(CPUS)" MEM="$(MEM)" testbed/run.sh

# Only the L2 suite (hyv-run booting the stock kernel) in the SVM machine.
l2-check: setup
	+@testbed/l2-check.sh

fuzz: setup
	+@testbed/fuzz.sh

bench: setup
	+@bench/run.sh

checkpatch:
	src=$$($(L1_KERNEL) --source); \
	"$$src/scripts/checkpatch.pl" --strict --no-tree -f \
		$$(find $(CHECKPATCH_DIRS) -name '*.[ch]' ! -name '*.mod.c' | sort)

# sparse over every host source file, against the L1 kernel (C=2).
sparse: setup
	kdir=$$($(L1_KERNEL)); \
	$(call sync-module-src,$(BUILD)/modules-sparse); \
	$(MAKE) -C "$$kdir" M=$(BUILD)/modules-sparse C=2 modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	$(MAKE) -C vmm clean
	$(MAKE) -C vmm/pv clean
	rm -rf $(BUILD)
