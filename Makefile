# SPDX-License-Identifier: GPL-2.0
# user_root for Linux 6.12: build, boot and test. See README.md.
#
# Options (environment or make variables):
#   KSRC=/path/to/linux   a v6.12.y tree to use instead of Debian's linux-source-6.12
#   OUT=dir               logs, guest images, patches and results (default: ./out)
#   CACHE=dir             kernel tree and build directory (default: ~/.cache/user_root)
#   JOBS=n                parallel build jobs (default: CPUs + 1)
export KSRC OUT CACHE JOBS

.PHONY: help demo check check-debug bench patches kernel guest deps refresh clean

help:
	@sed -n 's/^\([a-z-]*\):.*## \(.*\)/  make \1\t\2/p' $(MAKEFILE_LIST) | expand -t 20

demo: ## build, boot with user_root, show pivot_root working (and failing without it)
	@scripts/demo.sh

check: ## build, then run every test; ends with "N passed, N failed, N skipped"
	@scripts/check.sh

check-debug: ## boot the selftests, clients and unpack failures on a KASAN + lockdep debug kernel
	@scripts/check.sh debug

bench: ## boot-time and memory cost of user_root vs stock vs the copy workaround (out/bench)
	@scripts/bench.sh

patches: ## write the numbered git format-patch series and cover letter to $(OUT)/patches
	@scripts/install-deps.sh
	@scripts/kernel.sh >/dev/null
	@bash -c 'source scripts/lib.sh && python3 scripts/series.py patches --tree "$$TREE" --out "$$OUT/patches"'

kernel: ## apply the series to the kernel tree and build bzImage
	@scripts/install-deps.sh
	@scripts/kernel.sh

guest: kernel ## build the selftests, the test initramfs and the test disk
	@scripts/mkguest.sh $${OUT:-out}/guest

deps: ## install the toolchain (Debian packages, bindgen-cli)
	@scripts/install-deps.sh

refresh: ## after editing the kernel tree, rewrite the *.patch files from it
	@bash -c 'source scripts/lib.sh && python3 scripts/series.py refresh --tree "$$TREE"'

clean: ## remove ./out (the kernel tree and build directory in CACHE stay)
	rm -rf out
