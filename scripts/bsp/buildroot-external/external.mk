# SPDX-License-Identifier: GPL-2.0
# This external tree adds no package: the linux package applies the series and merges the
# configuration fragment through the options in configs/user-root.fragment, whose paths are
# relative to $(BR2_EXTERNAL_USER_ROOT_PATH). See README.md.
#
# Without the kernel's Rust toolchain, Kconfig drops CONFIG_RUST and with it CONFIG_USER_ROOT,
# silently: stop the build after the kernel's configuration instead of shipping a kernel
# without user_root.
define USER_ROOT_CHECK_KERNEL_CONFIG
	@grep -q '^CONFIG_USER_ROOT=y' $(LINUX_DIR)/.config || { \
		echo "user_root: CONFIG_USER_ROOT is not set in $(LINUX_DIR)/.config:" \
			"the kernel found no usable Rust toolchain (see $(BR2_EXTERNAL_USER_ROOT_PATH)/README.md)"; \
		exit 1; }
endef
LINUX_POST_CONFIGURE_HOOKS += USER_ROOT_CHECK_KERNEL_CONFIG
