// SPDX-License-Identifier: GPL-2.0
/*
 * Command-line glue for user_root, whose logic is in user_root.rs:
 * __setup() has no Rust equivalent for built-in code.
 */
#include <linux/fault-inject.h>
#include <linux/init.h>
#include <linux/user_root.h>

static int __init user_root_setup(char *rest)
{
	return user_root_parse_param(rest);
}
__setup("user_root", user_root_setup);

#ifdef CONFIG_USER_ROOT_FAULT_INJECTION
/* Only boot code uses it, before debugfs exists: no debugfs entry. */
static struct fault_attr fail_user_root __initdata = FAULT_ATTR_INITIALIZER;

static int __init fail_user_root_setup(char *str)
{
	return setup_fault_attr(&fail_user_root, str);
}
__setup("fail_user_root=", fail_user_root_setup);

bool __init user_root_should_fail(void)
{
	return should_fail(&fail_user_root, 1);
}
#endif
