# SPDX-License-Identifier: GPL-2.0
# This external tree adds no package: the linux package applies the series and merges the
# configuration fragment through the options in configs/user-root.fragment, whose paths are
# relative to $(BR2_EXTERNAL_USER_ROOT_PATH). See README.md.
