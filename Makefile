# SPDX-License-Identifier: GPL-2.0
# user_root for Linux 6.12: build, boot and test. See README.md.
#
# Options (environment or make variables):
#   KSRC=/path/to/linux   a v6.12.y tree to use instead of Debian's linux-source-6.12
#   OUT=dir               logs, guest images, patches and results (default: ./out)
#   CACHE=dir             kernel tree and build directories (default: ~/.cache/user_root)
#   JOBS=n                parallel build jobs (default: CPUs + 1)
#   UR_ACCEL=auto|tcg|kvm QEMU accelerator (default: auto, KVM only after a probe succeeded)
export KSRC OUT CACHE JOBS UR_ACCEL

URTEST := PYTHONPATH=$(CURDIR)/scripts python3 -m urtest

.PHONY: help demo check check-debug check-arch check-distro fuzz soak debian-config bench bsp patches kernel guest deps refresh matrix clean

help:
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  (all of them are python3 -m urtest <command>: see scripts/urtest/)"

demo: ## build, boot with user_root, show pivot_root working (and failing without it)
	@$(URTEST) demo

check: ## build, then run every test; ends with "N passed, N failed, N skipped"
	@$(URTEST) check

check-debug: ## the debug cells and the fuzzing cases on a KASAN + lockdep kernel
	@$(URTEST) check --debug

check-arch: ## the cells of the architectures beyond make check's (riscv64)
	@$(URTEST) check --arch

check-distro: ## the Debian cells beyond make check's (Debian 12)
	@$(URTEST) check --distro

fuzz: ## N=1000 archives from SEED=0 on stock and user_root (DEBUG=1: KASAN kernel)
	@$(URTEST) fuzz -n $(or $(N),1000) --seed $(or $(SEED),0) $(if $(DEBUG),--debug)

soak: ## N=200 boots of PID 1 switching root while usermode helpers run, on 2 and 4 vCPUs
	@$(URTEST) soak -n $(or $(N),200)

debian-config: ## Debian's kernel config with the series: what changes; build what it touches
	@$(URTEST) debian-config

bench: ## boot-time and memory cost of user_root vs stock vs the copy workaround (out/bench)
	@$(URTEST) bench

bsp: ## a Yocto layer and a Buildroot external tree from the series, in $(OUT)/bsp, checked
	@$(URTEST) bsp

patches: ## write the numbered git format-patch series and cover letter to $(OUT)/patches
	@$(URTEST) patches

kernel: ## apply the series to the kernel tree and build the test kernel
	@$(URTEST) kernel

guest: ## build the test programs, the initramfs images and the test disk
	@$(URTEST) guest

deps: ## install the toolchain (Debian packages, bindgen-cli)
	@$(URTEST) deps

refresh: ## after editing the kernel tree, rewrite the *.patch files from it
	@$(URTEST) refresh

matrix: ## list the boot matrix, and update its table in tools/testing/user_root/README.md
	@$(URTEST) matrix --markdown

clean: ## remove OUT (./out; the kernel tree and build directories in CACHE stay)
	rm -rf $(or $(OUT),out)
