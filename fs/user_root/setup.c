// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line glue for user_root, whose logic is in user_root.rs:
 * __setup() has no Rust equivalent for built-in code.
 */
#include <linux/init.h>
#include <linux/user_root.h>

static int __init user_root_setup(char *rest)
{
	return user_root_parse_param(rest);
}
__setup("user_root", user_root_setup);
